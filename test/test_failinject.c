// SPDX-License-Identifier: MIT
/*
 * test_failinject.c - a memory provider that refuses the Nth allocation,
 * for every N, under the calls that allocate: create, map, split, merge
 * and the splitting dirty-tracking switch, in every format.
 *
 * For each N until the call succeeds: the call returns -ENOMEM, the
 * provider really refused (the call did not swallow the failure), and the
 * table is exactly as before - every block the library holds from the
 * provider byte for byte, genpt_table_bytes and the tracking state
 * (anyfmt.h's snapshot, format-independent) - and translations say the
 * same (the new range unmapped, the old mappings intact).  The one
 * documented exception, genpt_set_dirty_tracking_split(), may leave part
 * of the space split: there the translations must be unchanged, tracking
 * off, and the provider must hold exactly the table's bytes.  Every table
 * ends with genpt_destroy() and a provider with nothing live.
 *
 * Each workload runs over a genpt_physmem and over host memory
 * (genpt_host_mem_ops behind the counting wrapper, whose bookkeeping hides
 * its pointers): in the ASan build LeakSanitizer then also sees any table
 * page the library loses.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "fmt_open.h"
#include "sweep.h"
#include "testutil.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define B4G (1ull << 32)
#define OA_BASE (1ull << 36)
#define SWEEP_MAX 4096 /* as sweep.c */

/* Output address of @va in mapping [iova, ...) -> oa. */
static void expect_maps(struct genpt *pt, const struct af_fmt *f, uint64_t va,
			uint64_t want, const char *what)
{
	uint64_t oa = ~0ull;
	int err = genpt_iova_to_phys(pt, va, &oa);

	cr_assert(err == 0 && oa == want, "%s: %s: 0x%llx -> %d, 0x%llx (want 0x%llx)",
		  f->name, what, (unsigned long long)va, err, (unsigned long long)oa,
		  (unsigned long long)want);
}

static void expect_unmapped(struct genpt *pt, const struct af_fmt *f,
			    uint64_t va, const char *what)
{
	uint64_t oa = 0x1234;
	int err = genpt_iova_to_phys(pt, va, &oa);

	cr_assert(err == -ENOENT && oa == 0x1234, "%s: %s: 0x%llx -> %d (want -ENOENT)",
		  f->name, what, (unsigned long long)va, err);
}

/* Bytes the provider has handed out and not got back. */
static uint64_t live_bytes(const struct af_prov *p)
{
	uint64_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->b[i].size;
	return n;
}

/* ---- create ---------------------------------------------------------- */

/* Flags of a sweep: which provider, and the sweep's own variants. */
#define FI_HOST 1u    /* host memory, else physmem */
#define FI_GATHER 2u  /* with a gather, else NULL */
#define FI_PREPOP 4u  /* map: the table holds mappings already */

/* Run @fn on every format with every combination of @flags. */
static void every_format(void (*fn)(const struct af_fmt *f, unsigned int fl),
			 unsigned int flags)
{
	for (unsigned int i = 0; i < af_nfmts; i++)
		for (unsigned int fl = 0; fl <= flags; fl++)
			if (!(fl & ~flags))
				fn(&af_fmts[i], fl);
}

/* genpt_create of @base (@name) refused each allocation in turn: -ENOMEM,
 * *out untouched, nothing held; then it succeeds. */
static void create_cfg_sweep(struct genpt_config cfg, const char *name, bool host)
{
	struct af_prov p;
	struct genpt *pt;
	long n;
	int err = 0;

	af_prov_init(&p, host);
	cfg.mem = &af_prov_ops;
	cfg.mem_ctx = &p;
	for (n = 0; n < 64; n++) {
		struct genpt *sentinel = (struct genpt *)&p;

		pt = sentinel;
		p.fail_at = p.allocs + n;
		err = genpt_create(&cfg, &pt);
		p.fail_at = -1;
		if (err != -ENOMEM)
			break;
		cr_assert_eq(pt, sentinel, "%s: *out written on failure", name);
		cr_assert_eq(p.failed, n + 1, "%s: create went on after a refusal", name);
		cr_assert_eq(p.n, 0, "%s: create refused at %ld leaked %zu blocks", name, n, p.n);
	}
	cr_assert_eq(err, 0, "%s: genpt_create: %d", name, err);
	cr_assert_geq(n, 1, "%s: create allocated nothing", name);
	genpt_destroy(pt);
	cr_assert_eq(p.n, 0, "%s: destroy left %zu blocks", name, p.n);
	af_prov_fini(&p);
}

static void create_sweep(const struct af_fmt *f, unsigned int fl)
{
	create_cfg_sweep(f->cfg, f->name, fl & FI_HOST);
}

/* af_fmts[] and every configuration of af_all[], over both providers. */
Test(failinject, create_every_allocation_every_format)
{
	every_format(create_sweep, FI_HOST);
	for (AF_EACH(c))
		for (int host = 0; host < 2; host++)
			create_cfg_sweep(c->cfg, c->name, host);
}

/* ---- map ------------------------------------------------------------- */

static int run_map(struct genpt *pt, const struct sweep_op *op, struct genpt_gather *g)
{
	return genpt_map(pt, op->iova, op->oa, op->len, RW, g);
}

struct prepop {
	unsigned int n;
	uint64_t iova[4], oa[4], len[4];
};

static void prepop_check(struct genpt *pt, const struct af_fmt *f, const struct prepop *pp)
{
	for (unsigned int i = 0; i < pp->n; i++) {
		expect_maps(pt, f, pp->iova[i], pp->oa[i], "an earlier mapping");
		expect_maps(pt, f, pp->iova[i] + pp->len[i] - 1, pp->oa[i] + pp->len[i] - 1,
			    "an earlier mapping's end");
	}
}

static void map_after_fail(struct genpt *pt, const struct sweep_op *op)
{
	const struct af_fmt *f = op->f;
	uint64_t g = af_gran(f);

	expect_unmapped(pt, f, op->iova, "first page of the refused map");
	expect_unmapped(pt, f, op->iova + op->len - 1, "last page of the refused map");
	expect_unmapped(pt, f, op->iova + op->len / 2, "middle of the refused map");
	expect_unmapped(pt, f, (op->iova + op->len - 5 * g) & ~(g - 1), "near the end");
	prepop_check(pt, f, op->ctx);
}

/*
 * Two pages, a big leaf | a big leaf, 16 pages (a contiguous run where the
 * format has 16-entry runs), a page: tables on both sides of a 4 GiB
 * boundary, leaves written on the left before the right side's tables
 * are allocated.  @prepop: the table already has mappings sharing some of
 * those tables, tracking is on and one of them is dirty.
 */
static void map_sweep(const struct af_fmt *f, unsigned int fl)
{
	bool host = fl & FI_HOST, prepop = fl & FI_PREPOP, gather = fl & FI_GATHER;
	uint64_t g = af_gran(f), big = af_big(f);
	struct sweep_op op = {
		.name = "map",
		.cfg = f->name,
		.f = f,
		.run = run_map,
		.iova = B4G - big - 2 * g,
		.len = 2 * g + 2 * big + 16 * g + g,
		.after_fail = map_after_fail,
		.may_leave_tables = true,
		.frees_nothing = true,
	};
	struct prepop pp = { 0 };
	struct af_prov p;
	struct genpt *pt;
	long n;

	op.oa = OA_BASE + (op.iova & (B4G - 1));
	op.ctx = &pp;
	if (!fo_open(f, host, &p, &pt))
		return;
	if (prepop) {
		pp.n = 2;
		pp.iova[0] = B4G + 4 * big; /* right side, shares down to the big level */
		pp.iova[1] = B4G - 4 * big + g; /* left side */
		for (unsigned int i = 0; i < pp.n; i++) {
			pp.len[i] = g;
			pp.oa[i] = OA_BASE + (1ull << 33) + i * g;
			cr_assert_eq(genpt_map(pt, pp.iova[i], pp.oa[i], g, RW, NULL), 0);
		}
		if (f->dirty) {
			cr_assert_eq(genpt_set_dirty_tracking(pt, true), 0);
			cr_assert_eq(genpt_read_and_clear_dirty(pt, 0, B4G * 2, 0, NULL, NULL), 0);
			cr_assert_eq(genpt_hw_access(pt, pp.iova[0], GENPT_ACCESS_WRITE, NULL), 0);
		}
	}
	n = sweep_enomem(&p, pt, &op, gather);
	cr_assert_geq(n, 1, "%s: map allocated nothing", f->name);
	/* mapped as asked */
	expect_maps(pt, f, op.iova, op.oa, "first byte");
	expect_maps(pt, f, op.iova + op.len - 1, op.oa + op.len - 1, "last byte");
	expect_maps(pt, f, B4G + 3 * g + 5, op.oa + (B4G - op.iova) + 3 * g + 5, "in the run");
	prepop_check(pt, f, &pp);
	genpt_destroy(pt);
	af_prov_fini(&p);
}

Test(failinject, map_every_allocation_every_format)
{
	every_format(map_sweep, FI_HOST | FI_GATHER | FI_PREPOP);
}

/* ---- split / merge --------------------------------------------------- */

/*
 * The table for the split workloads: R = [4G, 4G + 4 big) with big leaves
 * and H = [8G, 9G) with the largest leaves the format takes, both RW; with
 * dirty state, tracking on and R's second leaf dirty.
 */
struct split_tbl {
	uint64_t r, h, hlen;
};

static void split_fill(struct genpt *pt, const struct af_fmt *f, struct split_tbl *st,
		       bool dirty)
{
	uint64_t big = af_big(f);

	st->r = B4G;
	st->h = 2 * B4G;
	st->hlen = 1ull << 30;
	cr_assert_eq(genpt_map(pt, st->r, OA_BASE, 4 * big, RW, NULL), 0);
	cr_assert_eq(genpt_map(pt, st->h, OA_BASE + st->hlen, st->hlen, RW, NULL), 0);
	if (dirty && f->dirty) {
		cr_assert_eq(genpt_set_dirty_tracking(pt, true), 0);
		cr_assert_eq(genpt_read_and_clear_dirty(pt, 0, 4 * B4G, 0, NULL, NULL), 0);
		cr_assert_eq(genpt_hw_access(pt, st->r + big + 5 * af_gran(f),
					     GENPT_ACCESS_WRITE, NULL), 0);
	}
}

/* Every mapping of split_fill() still translates the same. */
static void split_check(struct genpt *pt, const struct sweep_op *op)
{
	const struct af_fmt *f = op->f;
	const struct split_tbl *st = op->ctx;
	uint64_t big = af_big(f), g = af_gran(f);

	for (uint64_t off = 0; off < 4 * big; off += big / 4 + g)
		expect_maps(pt, f, st->r + off, OA_BASE + off, "R");
	expect_maps(pt, f, st->r + 4 * big - 1, OA_BASE + 4 * big - 1, "R end");
	for (uint64_t off = 0; off < st->hlen; off += st->hlen / 8 + 3 * g)
		expect_maps(pt, f, st->h + off, OA_BASE + st->hlen + off, "H");
	expect_unmapped(pt, f, st->r + 4 * big, "after R");
	expect_unmapped(pt, f, st->h - g, "before H");
}

static int run_split(struct genpt *pt, const struct sweep_op *op, struct genpt_gather *g)
{
	return genpt_split(pt, op->iova, op->len, op->shift, g);
}

static int run_merge(struct genpt *pt, const struct sweep_op *op, struct genpt_gather *g)
{
	return genpt_merge(pt, op->iova, op->len, g);
}

/* The pages of [iova, iova + len) that the dirty harvest reports. */
static uint64_t dirty_pages(struct genpt *pt, const struct af_fmt *f, uint64_t iova,
			    uint64_t len)
{
	static uint64_t bits[8192];
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = iova, .length = len,
					 .page_shift = f->gshift };

	cr_assert_leq(len >> f->gshift, 64 * 8192);
	memset(bits, 0, sizeof(bits));
	cr_assert_eq(genpt_read_and_clear_dirty(pt, iova, len, GENPT_DIRTY_NO_CLEAR, &bm, NULL), 0);
	return tu_popcount(bits, sizeof(bits) / sizeof(bits[0]));
}

static void split_sweep(const struct af_fmt *f, unsigned int fl)
{
	bool host = fl & FI_HOST, gather = fl & FI_GATHER;
	uint64_t big = af_big(f), g = af_gran(f);
	struct split_tbl st;
	struct sweep_op op = {
		.name = "split to the granule",
		.cfg = f->name,
		.f = f,
		.run = run_split,
		.after_fail = split_check,
		.gather_untouched = true,
		.ctx = &st,
	};
	struct af_prov p;
	struct genpt *pt;
	uint64_t d0 = 0;
	int err;

	if (!fo_open(f, host, &p, &pt))
		return;
	split_fill(pt, f, &st, true);
	/* a format without split says so for any well-formed range */
	err = genpt_split(pt, st.r + 4 * big, g, f->gshift, NULL);
	if (err == -EOPNOTSUPP) {
		fo_skip_note(f, "genpt_split");
		genpt_destroy(pt);
		af_prov_fini(&p);
		return;
	}
	cr_assert_eq(err, -ENOENT, "%s: split of an unmapped range: %d", f->name, err);
	/* the dirty pages of R (one leaf's worth: its size is the format's
	 * choice), to be carried through split and merge */
	if (f->dirty) {
		d0 = dirty_pages(pt, f, st.r, 4 * big);
		cr_assert_geq(d0, 1, "%s: the device's write left nothing dirty", f->name);
	}

	/* R's leaves 0..2: the range straddles both ends, they split whole */
	op.iova = st.r + big / 2;
	op.len = 2 * big;
	op.shift = f->gshift;
	cr_assert_geq(sweep_enomem(&p, pt, &op, gather), 1);
	split_check(pt, &op);
	if (f->dirty) {
		cr_assert_eq(dirty_pages(pt, f, st.r, 4 * big), d0,
			     "%s: the dirty leaf's pages after the split", f->name);
	}

	/* 4 KiB granule: H's 1 GiB leaves down to 2 MiB ones (one table each) */
	if (f->gshift == 12) {
		op.name = "split to big leaves";
		op.iova = st.h + st.hlen / 2;
		op.len = st.hlen / 2;
		op.shift = f->gshift + f->gshift - 3;
		cr_assert_geq(sweep_enomem(&p, pt, &op, gather), 1);
		split_check(pt, &op);
	}

	/* and merge everything back */
	op.name = "merge";
	op.run = run_merge;
	op.iova = st.r;
	op.len = 4 * big;
	op.gather_untouched = false;
	sweep_enomem(&p, pt, &op, gather);
	split_check(pt, &op);
	op.iova = st.h;
	op.len = st.hlen;
	sweep_enomem(&p, pt, &op, gather);
	split_check(pt, &op);
	if (f->dirty) {
		cr_assert_eq(dirty_pages(pt, f, st.r, 4 * big), d0,
			     "%s: the dirty leaf's pages after the merge", f->name);
	}
	genpt_destroy(pt);
	af_prov_fini(&p);
}

Test(failinject, split_and_merge_every_allocation)
{
	every_format(split_sweep, FI_HOST | FI_GATHER);
}

/*
 * genpt_set_dirty_tracking_split(enable): -ENOMEM may leave part of the
 * space split, so the sweep checks what is promised: translations
 * unchanged, tracking off, and the provider holds exactly the table.
 */
static void tracking_split_sweep(const struct af_fmt *f, unsigned int fl)
{
	struct split_tbl st;
	struct sweep_op chk = { .f = f, .ctx = &st };
	struct af_prov p;
	struct genpt *pt;
	uint64_t bytes;
	long n;
	int err = 0;

	if (!f->dirty)
		return;
	if (!fo_open(f, fl & FI_HOST, &p, &pt))
		return;
	split_fill(pt, f, &st, false);
	for (n = 0; n < SWEEP_MAX; n++) {
		struct genpt_gather g;
		long failed = p.failed;

		genpt_gather_init(&g);
		p.fail_at = p.allocs + n;
		err = genpt_set_dirty_tracking_split(pt, true, f->gshift, &g);
		p.fail_at = -1;
		cr_assert_eq(genpt_gather_release(pt, &g), 0);
		if (err == -EOPNOTSUPP) {
			fo_skip_note(f, "genpt_set_dirty_tracking_split");
			break;
		}
		if (err == 0) {
			cr_assert_eq(p.failed, failed);
			break;
		}
		cr_assert_eq(err, -ENOMEM, "%s: tracking split, allocation %ld refused: %d",
			     f->name, n, err);
		cr_assert_eq(p.failed, failed + 1);
		cr_assert_eq(genpt_dirty_tracking(pt), 0, "%s: tracking on after -ENOMEM", f->name);
		cr_assert_eq(genpt_table_bytes(pt, &bytes), 0);
		cr_assert_eq(bytes, live_bytes(&p), "%s: provider holds %llu bytes, table %llu",
			     f->name, (unsigned long long)live_bytes(&p),
			     (unsigned long long)bytes);
		split_check(pt, &chk);
	}
	cr_assert_lt(n, SWEEP_MAX);
	if (err == 0) {
		struct genpt_gather g;

		cr_assert_eq(genpt_dirty_tracking(pt), 1);
		split_check(pt, &chk);
		genpt_gather_init(&g);
		cr_assert_eq(genpt_set_dirty_tracking_split(pt, false, f->gshift, &g), 0);
		cr_assert_eq(genpt_gather_release(pt, &g), 0);
		cr_assert_eq(genpt_dirty_tracking(pt), 0);
		split_check(pt, &chk);
	}
	cr_assert_eq(genpt_table_bytes(pt, &bytes), 0);
	cr_assert_eq(bytes, live_bytes(&p));
	genpt_destroy(pt);
	af_prov_fini(&p);
}

Test(failinject, tracking_split_every_allocation)
{
	every_format(tracking_split_sweep, FI_HOST);
}
