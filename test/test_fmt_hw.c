// SPDX-License-Identifier: MIT
/*
 * test_fmt_hw.c - the hardware walk (genpt_hw_access(), lib/hw) on every
 * configuration of af_all[]: translation through every leaf size and
 * contiguous run, the edges of the input space, rights as the raw decoder
 * reads them, the accessed and dirty state the walker sets, not-present
 * entries at every level, table memory nobody backs, bad requests, and
 * concurrent hardware updates.
 *
 * The tables are built by genpt; what the walker must do is taken from
 * the raw decoder (test/support/rawfmt.h), written from the manuals, so
 * walker and decoder are checked against each other on every format.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "fhw.h"
#include "genpt/hw.h"
#include "hw/amdv1_walk.h"
#include "hw/armv8_walk.h"
#include "hw/riscv_walk.h"
#include "hw/vtdss_walk.h"
#include "hw/x86_64_walk.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC

/* First, middle and last 8 bytes of the leaf at @iova translate; the
 * neighbours on both sides are not mapped. */
static void expect_leaf_walk(const struct af_table *t, uint64_t iova, uint64_t oa,
			     unsigned int shift)
{
	uint64_t size = 1ull << shift, g = 1ull << af_gshift(t->c);
	const uint64_t offs[] = { 0, size / 2 + 0x18, size - 8 };

	for (unsigned int i = 0; i < 3; i++) {
		uint64_t eng = ~0ull;

		fh_expect_access(t, iova + offs[i], WR, 0, oa + offs[i], "leaf walk");
		cr_assert(!genpt_iova_to_phys(t->pt, iova + offs[i], &eng) && eng == oa + offs[i],
			  "%s: the engine translates %#llx to %#llx, the walk to %#llx", t->c->name,
			  ULL(iova + offs[i]), ULL(eng), ULL(oa + offs[i]));
	}
	fh_expect_access(t, iova - g, RD, -ENOENT, 0, "below the leaf");
	fh_expect_access(t, iova + size, RD, -ENOENT, 0, "above the leaf");
}

/* Every leaf size (pages, blocks, runs) at every level translates. */
Test(fmt_hw, every_leaf_size_translates)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], n = af_leaf_shifts(c, shifts);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		for (unsigned int i = 0; i < n; i++) {
			uint64_t iova, oa;

			if (!fh_pos(&t, shifts[i], &iova) || !fh_oa(&t, shifts[i], &oa))
				continue;
			fh_map(&t, iova, oa, shifts[i], FH_RW);
			expect_leaf_walk(&t, iova, oa, shifts[i]);
			cr_assert_eq(genpt_unmap(t.pt, iova, 1ull << shifts[i], NULL, NULL), 0,
				     "%s: unmap 2^%u", c->name, shifts[i]);
			fh_expect_access(&t, iova, RD, -ENOENT, 0, "after unmap");
		}
		af_table_fini(&t);
	}
}

/* Addresses at and around the edges of a @va_bits input space. */
static unsigned int edges(unsigned int va_bits, uint64_t *out)
{
	uint64_t top = va_bits >= 64 ? 0 : 1ull << va_bits;
	unsigned int n = 0;

	out[n++] = 0;
	out[n++] = UINT64_MAX;
	out[n++] = 1ull << 63;
	if (top) {
		out[n++] = top - 1;
		out[n++] = top;
		out[n++] = (top >> 1) - 1;
		out[n++] = top >> 1;
		out[n++] = ~((top >> 1) - 1); /* lowest canonical high address */
		out[n++] = ~((top >> 1) - 1) - 1;
	}
	return n;
}

/* An empty table: the hardware side checks the input address on its own
 * (from genpt_hw_info / genpt_get_config, as an IOMMU from its registers)
 * and must say what the engine says (-ERANGE or -ENOENT), every access. */
Test(fmt_hw, input_check_matches_the_engine)
{
	for (AF_EACH(c)) {
		uint64_t va[16], oa;
		unsigned int n = edges(c->cfg.va_bits, va);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		for (unsigned int k = 0; k < n; k++) {
			int want = genpt_iova_to_phys(t.pt, va[k], &oa);

			cr_assert(want == -ERANGE || want == -ENOENT, "%s: %d", c->name, want);
			cr_assert_eq(want == -ERANGE, !af_va_valid(c, va[k]),
				     "%s: engine %d at %#llx", c->name, want, ULL(va[k]));
			for (unsigned int acc = RD; acc <= EX; acc++)
				fh_expect_access(&t, va[k], acc, want, 0, "empty table");
		}
		af_table_fini(&t);
	}
}

/* genpt_get_config() reports what the table was created with, defaults
 * resolved (what the hardware side reads instead of lib/fmt). */
Test(fmt_hw, get_config_resolves_defaults)
{
	for (AF_EACH(c)) {
		struct genpt_config dflt = { .format = c->cfg.format, .features = c->cfg.features };
		struct genpt_config got;
		struct af_table t;
		struct genpt *pt;

		af_table_init(&t, c, 0, 0);
		cr_assert_eq(genpt_get_config(t.pt, &got), 0, "%s", c->name);
		cr_assert(got.format == c->cfg.format && got.va_bits == c->cfg.va_bits &&
			  got.oa_bits == c->cfg.oa_bits && got.granule_bits == c->cfg.granule_bits &&
			  got.features == c->cfg.features && got.mem_ctx == &t.prov,
			  "%s: get_config va %u oa %u granule %u", c->name, got.va_bits, got.oa_bits,
			  got.granule_bits);
		cr_assert_eq(genpt_get_config(t.pt, NULL), -EINVAL, "%s", c->name);
		af_table_fini(&t);
		cr_assert_eq(genpt_create(&dflt, &pt), 0, "%s: defaults", c->name);
		cr_assert_eq(genpt_get_config(pt, &got), 0, "%s", c->name);
		cr_assert(got.va_bits && got.oa_bits && got.granule_bits == 12 &&
			  got.mem == &genpt_host_mem_ops && !got.mem_ctx,
			  "%s: defaults resolved: va %u oa %u granule %u", c->name, got.va_bits,
			  got.oa_bits, got.granule_bits);
		genpt_destroy(pt);
	}
	cr_assert_eq(genpt_get_config(NULL, &(struct genpt_config){ 0 }), -EINVAL);
}

/* The first and last page of each half translate; the addresses just
 * outside the input space (non-canonical, above the width) are -ERANGE. */
Test(fmt_hw, edges_of_the_input_space)
{
	for (AF_EACH(c)) {
		uint64_t first[2], last[2], g = 1ull << af_gshift(c);
		unsigned int nh = af_halves(c, first, last);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		for (unsigned int h = 0; h < nh; h++) {
			uint64_t top = last[h] - g + 1;

			fh_map(&t, first[h], 7 * g, af_gshift(c), FH_RW);
			fh_map(&t, top, 9 * g, af_gshift(c), FH_RW);
			fh_expect_access(&t, first[h], RD, 0, 7 * g, "first page of the half");
			fh_expect_access(&t, last[h], RD, 0, 10 * g - 1, "last byte of the half");
			if (!af_va_valid(c, last[h] + 1))
				fh_expect_access(&t, last[h] + 1, RD, -ERANGE, 0, "above the half");
			if (!af_va_valid(c, first[h] - 1))
				fh_expect_access(&t, first[h] - 1, RD, -ERANGE, 0, "below the half");
		}
		af_table_fini(&t);
	}
}

static const unsigned int prots[] = {
	GENPT_READ, GENPT_WRITE, FH_RW,
	GENPT_READ | GENPT_NOEXEC, GENPT_WRITE | GENPT_NOEXEC, FH_RW | GENPT_NOEXEC,
};

/* One leaf of @prot: the decoder reads what af_expect_prot() says, and the
 * walker allows exactly the accesses the decoder's R / W / X allow. */
static void rights_of(const struct af_table *t, unsigned int prot, unsigned int shift,
		      uint64_t iova)
{
	unsigned int want = af_expect_prot(t->c, prot);
	struct af_leaf lf;
	char what[64];

	snprintf(what, sizeof(what), "2^%u leaf prot %#x", shift, prot);
	fh_map(t, iova, iova, shift, prot);
	lf = fh_leaf(t, iova, what);
	cr_assert(lf.r == !!(want & GENPT_READ) && lf.w == !!(want & GENPT_WRITE),
		  "%s: %s: decoded r%d w%d, af_expect_prot %#x", t->c->name, what, lf.r, lf.w,
		  want);
	if (t->c->exec)
		cr_assert_eq(lf.x, !(want & GENPT_NOEXEC), "%s: %s: decoded x%d", t->c->name,
			     what, lf.x);
	fh_expect_access(t, iova + 8, RD, lf.r ? 0 : -EACCES, iova + 8, what);
	fh_expect_access(t, iova + 8, WR, lf.w ? 0 : -EACCES, iova + 8, what);
	fh_expect_access(t, iova + 8, EX, lf.x ? 0 : -EACCES, iova + 8, what);
	cr_assert_eq(genpt_unmap(t->pt, iova, 1ull << shift, NULL, NULL), 0, "%s: %s: unmap",
		     t->c->name, what);
}

Test(fmt_hw, rights_agree_with_the_decoder)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], n = af_leaf_shifts(c, shifts);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		for (unsigned int i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
			uint64_t iova;

			/* the smallest page and the largest leaf that fits */
			cr_assert(fh_pos(&t, shifts[n - 1], &iova));
			rights_of(&t, prots[i], shifts[n - 1], iova);
			for (unsigned int s = 0; s + 1 < n; s++)
				if (fh_pos(&t, shifts[s], &iova) &&
				    iova + (1ull << shifts[s]) <= af_oa_end(c)) {
					rights_of(&t, prots[i], shifts[s], iova);
					break;
				}
		}
		af_table_fini(&t);
	}
}

/* The leaf entry at @pa with its accessed flag cleared, as if no walk had
 * used it yet. */
static void clear_accessed(const struct af_table *t, const struct rawfmt *rf, uint64_t pa)
{
	fh_set(t, pa, fh_get(t, pa) & ~rawfmt_accessed_bit(rf));
}

/* A leaf whose accessed flag is clear: a walk with tracking off faults
 * (no hardware A/D update); with tracking on it sets the flag. */
Test(fmt_hw, accessed_flag_by_the_walker)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), iova = 5 * g, pa[RAWFMT_MAX_LEVELS];
		struct af_table t;
		struct rawfmt rf;
		unsigned int lvl = fh_granule_table(&t, c, &rf, iova, 3 * g, pa);

		clear_accessed(&t, &rf, pa[lvl]);
		fh_expect_access(&t, iova, RD, -EACCES, 0, "A clear, tracking off");
		cr_assert(!fh_leaf(&t, iova, "A clear").accessed, "%s: a faulting walk set A",
			  c->name);
		if (c->dirty) {
			/* mapped with tracking on: clean */
			cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
			cr_assert_eq(genpt_unmap(t.pt, iova, g, NULL, NULL), 0, "%s", c->name);
			lvl = fh_map_path(&t, &rf, iova, 3 * g, pa);
			clear_accessed(&t, &rf, pa[lvl]);
			fh_expect_access(&t, iova, RD, 0, 3 * g, "A clear, tracking on");
			cr_assert(fh_leaf(&t, iova, "read").accessed && !fh_leaf(&t, iova, "read").dirty,
				  "%s: a read sets A and only A", c->name);
		}
		af_table_fini(&t);
	}
}

/* Tracking on, one leaf of every size: a read or fetch leaves it clean, a
 * write dirties the member written and no other, a write to a read-only
 * leaf faults and dirties nothing. */
static void dirty_of(const struct af_table *t, unsigned int shift, uint64_t iova, uint64_t oa)
{
	uint64_t size = 1ull << shift, w = iova + size - 16;
	struct af_leaf lf;

	fh_map(t, iova, oa, shift, FH_RW);
	lf = fh_leaf(t, iova, "mapped, tracking on");
	cr_assert(!lf.dirty && lf.accessed, "%s: 2^%u leaf mapped clean with A", t->c->name, shift);
	fh_expect_access(t, iova, RD, 0, oa, "read, tracking on");
	fh_expect_access(t, iova, EX, lf.x ? 0 : -EACCES, oa, "fetch, tracking on");
	cr_assert(!fh_leaf(t, w, "read").dirty, "%s: 2^%u read dirtied", t->c->name, shift);
	fh_expect_access(t, w, WR, 0, oa + size - 16, "write, tracking on");
	cr_assert(fh_leaf(t, w, "written").dirty, "%s: 2^%u write left clean", t->c->name, shift);
	if (lf.run > 1)
		cr_assert(!fh_leaf(t, iova, "first member").dirty,
			  "%s: 2^%u run: writing the last member dirtied the first", t->c->name,
			  shift);
	cr_assert_eq(genpt_unmap(t->pt, iova, size, NULL, NULL), 0, "%s", t->c->name);
	fh_map(t, iova, oa, shift, GENPT_READ);
	fh_expect_access(t, iova, WR, -EACCES, 0, "write to a read-only leaf");
	cr_assert(!fh_leaf(t, iova, "read-only").dirty, "%s: 2^%u read-only leaf dirtied",
		  t->c->name, shift);
	cr_assert_eq(genpt_unmap(t->pt, iova, size, NULL, NULL), 0, "%s", t->c->name);
}

Test(fmt_hw, dirty_set_by_the_walker)
{
	for (AF_EACH(c)) {
		unsigned int shifts[64], n = af_leaf_shifts(c, shifts);
		struct af_table t;

		if (!c->dirty)
			continue;
		af_table_init(&t, c, 0, 0);
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
		for (unsigned int i = 0; i < n; i++) {
			uint64_t iova, oa;

			if (fh_pos(&t, shifts[i], &iova) && fh_oa(&t, shifts[i], &oa))
				dirty_of(&t, shifts[i], iova, oa);
		}
		af_table_fini(&t);
	}
}

/* Each entry on the path made not present: -ENOENT; a table pointer to
 * memory nobody backs: -EFAULT (an access fault, not a page fault). */
Test(fmt_hw, not_present_and_unbacked_at_every_level)
{
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c), iova = 0x25 * g, pa[RAWFMT_MAX_LEVELS];
		uint64_t nowhere = (af_oa_end(c) / 2 < (1ull << 39) ? af_oa_end(c) / 2 : 1ull << 39);
		struct af_table t;
		struct rawfmt rf;
		unsigned int lvl = fh_granule_table(&t, c, &rf, iova, 3 * g, pa);

		for (unsigned int l = rf.levels; l-- > lvl;) {
			uint64_t e = fh_get(&t, pa[l]);

			fh_set(&t, pa[l], 0);
			fh_expect_access(&t, iova, RD, -ENOENT, 0, "entry cleared");
			if (l > lvl) {
				fh_set(&t, pa[l], rawfmt_with_table_addr(&rf, l, e, nowhere));
				fh_expect_access(&t, iova, RD, -EFAULT, 0, "pointer to nowhere");
			}
			fh_set(&t, pa[l], e);
			fh_expect_access(&t, iova, RD, 0, 3 * g, "entry restored");
		}
		af_table_fini(&t);
	}
}

Test(fmt_hw, bad_requests)
{
	uint64_t oa;

	cr_assert_eq(genpt_hw_access(NULL, 0, RD, &oa), -EINVAL);
	for (AF_EACH(c)) {
		uint64_t g = 1ull << af_gshift(c);
		struct af_table t;

		af_table_init(&t, c, 0, 0);
		fh_map(&t, g, g, af_gshift(c), FH_RW);
		cr_assert_eq(genpt_hw_access(t.pt, g, 0, &oa), -EINVAL, "%s: access 0", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, g, 4, &oa), -EINVAL, "%s: access 4", c->name);
		cr_assert_eq(genpt_hw_access(t.pt, g + 8, RD, NULL), 0, "%s: NULL oa", c->name);
		af_table_fini(&t);
	}
}

/* The errno genpt_hw_access() returns for walk result @code of family
 * @fam's walker. */
static int walk_errno(enum af_family fam, int code)
{
	switch (fam) {
	case AF_RISCV:
		return genpt_rv_walk_errno((enum genpt_rv_fault)code);
	case AF_ARMV8:
		return genpt_arm_walk_errno((enum genpt_arm_fault)code);
	case AF_X86_64:
		return genpt_x86_walk_errno((enum genpt_x86_fault)code);
	case AF_VTDSS:
		return genpt_vtdss_walk_errno((enum genpt_vtdss_fault)code);
	default:
		return genpt_amdv1_walk_errno((enum genpt_amdv1_fault)code);
	}
}

/* Every result of every family's walker, in the order its enum declares
 * them, becomes the errno genpt_hw_access() returns: not present -ENOENT,
 * a fault the walk reports -EACCES (ARM: a bad input address -ERANGE),
 * memory nobody backs -EFAULT, a configuration the walker cannot take
 * -EINVAL (ARM: and a result it does not know). */
Test(fmt_hw, walk_results_map_to_errno)
{
	static const struct {
		enum af_family fam;
		int n, want[10];
	} m[] = {
		{ AF_RISCV, 5, { 0, -ENOENT, -EACCES, -EFAULT, -EINVAL } },
		{ AF_ARMV8, 10,
		  { 0, -ENOENT, -EACCES, -EACCES, -EACCES, -EACCES, -EFAULT, -ERANGE, -EINVAL,
		    -EINVAL } },
		{ AF_X86_64, 5, { 0, -ENOENT, -EACCES, -EFAULT, -EINVAL } },
		{ AF_VTDSS, 5, { 0, -ENOENT, -EACCES, -EFAULT, -EINVAL } },
		{ AF_AMDV1, 5, { 0, -ENOENT, -EACCES, -EFAULT, -EINVAL } },
	};

	_Static_assert(GENPT_RV_FAULT_CONFIG == 4 && GENPT_ARM_FAULT_TRANSLATION == 1 &&
			       GENPT_ARM_FAULT_INPUT_RANGE == 7 && GENPT_ARM_FAULT_CONFIG == 8 &&
			       GENPT_X86_FAULT_CONFIG == 4 && GENPT_VTDSS_FAULT_CONFIG == 4 &&
			       GENPT_AMDV1_FAULT_CONFIG == 4,
		       "the rows follow the enums' order");
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		for (int code = 0; code < m[i].n; code++) {
			/* ARM's last row: a result the walker does not know */
			int c = m[i].fam == AF_ARMV8 && code == 9 ? 99 : code;

			cr_assert_eq(walk_errno(m[i].fam, c), m[i].want[code],
				     "family %d result %d: errno %d, want %d", m[i].fam, c,
				     walk_errno(m[i].fam, c), m[i].want[code]);
		}
}

/* ---------------------------------------- concurrent hardware updates -- */

#define NPAGES 64
#define ROUNDS 200

struct writer {
	const struct af_table *t;
	uint64_t base;
	unsigned int first; /* writes pages first, first + 2, ... */
	int err;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	uint64_t g = 1ull << af_gshift(w->t->c);

	for (unsigned int r = 0; r < ROUNDS && !w->err; r++)
		for (unsigned int p = w->first; p < NPAGES; p += 2)
			w->err = w->err ? w->err
					: genpt_hw_access(w->t->pt, w->base + p * g + r % g,
							  (r + p) % 3 ? WR : RD, NULL);
	return NULL;
}

/* Two walkers updating A / D in the same table pages (neighbouring
 * entries, one cache line apart at most), while the main thread clears
 * the A flag behind them: no update is lost, every page ends dirty. */
Test(fmt_hw, concurrent_updates_lose_nothing, .timeout = 300)
{
	for (AF_EACH(c)) {
		uint64_t g, base;
		struct writer w[2];
		pthread_t th[2];
		struct af_table t;
		struct rawfmt rf;

		if (!c->dirty)
			continue;
		g = 1ull << af_gshift(c);
		af_table_init(&t, c, 0, 0);
		cr_assert(fh_pos(&t, af_gshift(c) + 6, &base), "%s: room for %u pages", c->name,
			  NPAGES);
		fh_rawfmt(&t, &rf);
		cr_assert_eq(genpt_set_dirty_tracking(t.pt, true), 0, "%s", c->name);
		cr_assert_eq(genpt_map(t.pt, base, base, NPAGES * g, FH_RW | GENPT_NOEXEC, NULL), 0,
			     "%s: map", c->name);
		for (unsigned int i = 0; i < 2; i++) {
			w[i] = (struct writer){ &t, base, i, 0 };
			cr_assert_eq(pthread_create(&th[i], NULL, writer_run, &w[i]), 0);
		}
		for (unsigned int r = 0; r < ROUNDS; r++) {
			struct af_leaf lf = fh_leaf(&t, base + (r % NPAGES) * g, "racing");

			__atomic_fetch_and(af_ptr(&t, lf.pte_pa), ~rawfmt_accessed_bit(&rf),
					   __ATOMIC_ACQ_REL);
		}
		for (unsigned int i = 0; i < 2; i++) {
			pthread_join(th[i], NULL);
			cr_assert_eq(w[i].err, 0, "%s: writer %u: %d", c->name, i, w[i].err);
		}
		for (unsigned int p = 0; p < NPAGES; p++)
			cr_assert(fh_leaf(&t, base + p * g, "after the race").dirty,
				  "%s: page %u lost its dirty state", c->name, p);
		af_table_fini(&t);
	}
}
