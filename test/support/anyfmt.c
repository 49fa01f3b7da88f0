// SPDX-License-Identifier: MIT
/*
 * anyfmt.c - see anyfmt.h.
 */
#include "anyfmt.h"
#include "grow.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AF_HIDE ((uintptr_t)0xa5a5a5a5a5a5a5a5ull)
#define AF_PM_BASE (1ull << 32)
#define AF_PM_SIZE (1ull << 30)

/* oa_bits is 48 everywhere, so the tests know where the output space ends
 * and host pointers (below 2^47) can be table addresses in every format. */
const struct af_fmt af_fmts[] = {
	{ "riscv/sv39", { .format = GENPT_FMT_RISCV, .va_bits = 39, .oa_bits = 48 },
	  39, 48, 12, true, true },
	{ "riscv/sv48x4+napot",
	  { .format = GENPT_FMT_RISCV, .va_bits = 50, .oa_bits = 48,
	    .features = GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT },
	  50, 48, 12, false, true },
	{ "riscv/sv57+napot",
	  { .format = GENPT_FMT_RISCV, .va_bits = 57, .oa_bits = 48,
	    .features = GENPT_FEAT_RISCV_SVNAPOT },
	  57, 48, 12, true, true },
	{ "armv8/s1-4k-48+dbm+contig",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 48, .oa_bits = 48, .granule_bits = 12,
	    .features = GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG },
	  48, 48, 12, false, true },
	{ "armv8/s2-4k-40+dbm",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 40, .oa_bits = 48, .granule_bits = 12,
	    .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM },
	  40, 48, 12, false, true },
	{ "armv8/s2-16k-48+dbm+contig",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 48, .oa_bits = 48, .granule_bits = 14,
	    .features = GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_DBM | GENPT_FEAT_ARMV8_CONTIG },
	  48, 48, 14, false, true },
	{ "armv8/s1-64k-42 (no DBM)",
	  { .format = GENPT_FMT_ARMV8, .va_bits = 42, .oa_bits = 48, .granule_bits = 16 },
	  42, 48, 16, false, false },
	{ "x86-64/4", { .format = GENPT_FMT_X86_64, .va_bits = 48, .oa_bits = 48 },
	  48, 48, 12, true, true },
	{ "x86-64/5", { .format = GENPT_FMT_X86_64, .va_bits = 57, .oa_bits = 48 },
	  57, 48, 12, true, true },
	{ "vtdss/48", { .format = GENPT_FMT_VTDSS, .va_bits = 48, .oa_bits = 48 },
	  48, 48, 12, false, true },
	{ "amdv1/mode4", { .format = GENPT_FMT_AMDV1, .va_bits = 48, .oa_bits = 48 },
	  48, 48, 12, false, true },
	{ "amdv1/mode6", { .format = GENPT_FMT_AMDV1, .va_bits = 64, .oa_bits = 48 },
	  64, 48, 12, false, true },
};
const unsigned int af_nfmts = sizeof(af_fmts) / sizeof(af_fmts[0]);

/* ---- provider -------------------------------------------------------- */

static void *af_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	struct af_prov *p = ctx;
	long idx = p->allocs++;
	void *va;

	if (idx == p->fail_at) {
		p->failed++;
		return NULL;
	}
	if (p->host)
		va = genpt_host_mem_ops.alloc(NULL, size, align, pa);
	else
		va = genpt_physmem_ops.alloc(p->pm, size, align, pa);
	if (!va)
		return NULL;
	p->b = grow_one(p->b, p->n, &p->cap, sizeof(*p->b), 64);
	p->b[p->n++] = (struct af_block){ (uintptr_t)va ^ AF_HIDE, size, *pa };
	return va;
}

static void af_free(void *ctx, void *va, size_t size)
{
	struct af_prov *p = ctx;
	uintptr_t h = (uintptr_t)va ^ AF_HIDE;

	p->frees++;
	for (size_t i = 0; i < p->n; i++) {
		if (p->b[i].hidden != h)
			continue;
		if (p->b[i].size != size) {
			p->bad_frees++;
			return; /* keep it: the mismatch is reported at fini */
		}
		p->b[i] = p->b[--p->n];
		if (p->host)
			genpt_host_mem_ops.free(NULL, va, size);
		else
			genpt_physmem_ops.free(p->pm, va, size);
		return;
	}
	p->bad_frees++;
}

static void *af_p2v(void *ctx, uint64_t pa)
{
	struct af_prov *p = ctx;

	if (p->host)
		return (void *)(uintptr_t)pa;
	return genpt_physmem_ptr(p->pm, pa);
}

const struct genpt_mem_ops af_prov_ops = {
	.alloc = af_alloc,
	.free = af_free,
	.phys_to_virt = af_p2v,
};

void af_prov_init_pm(struct af_prov *p, uint64_t size)
{
	memset(p, 0, sizeof(*p));
	p->fail_at = -1;
	if (size)
		cr_assert_eq(genpt_physmem_create(AF_PM_BASE, size, &p->pm), 0);
}

void af_prov_init(struct af_prov *p, bool host)
{
	af_prov_init_pm(p, host ? 0 : AF_PM_SIZE);
	p->host = host;
}

void af_prov_fini(struct af_prov *p)
{
	cr_expect_eq(p->n, 0, "%zu provider blocks still live (leaked)", p->n);
	cr_expect_eq(p->bad_frees, 0, "%ld frees of unknown blocks or with the wrong size",
		     p->bad_frees);
	/* give back what leaked so the sanitizer reports only genpt's own */
	while (p->n) {
		struct af_block *b = &p->b[--p->n];
		void *va = (void *)(b->hidden ^ AF_HIDE);

		if (p->host)
			genpt_host_mem_ops.free(NULL, va, b->size);
		else
			genpt_physmem_ops.free(p->pm, va, b->size);
	}
	free(p->b);
	p->b = NULL;
	p->cap = 0;
	if (p->pm) {
		uint64_t bytes = 1, blocks = 1;

		cr_expect_eq(genpt_physmem_stats(p->pm, &bytes, &blocks), 0);
		cr_expect_eq(blocks, 0, "physmem still has %llu blocks", (unsigned long long)blocks);
		genpt_physmem_destroy(p->pm);
		p->pm = NULL;
	}
}

int af_create(const struct af_fmt *f, struct af_prov *p, struct genpt **out)
{
	struct genpt_config cfg = f->cfg;

	cfg.mem = &af_prov_ops;
	cfg.mem_ctx = p;
	return genpt_create(&cfg, out);
}

/* ---- snapshots ------------------------------------------------------- */

void af_reclaim(struct genpt *pt, uint64_t max_pages, const char *fmt_name,
		const char *what)
{
	struct genpt_caps caps;
	uint64_t freed = ~0ull;

	cr_assert_eq(genpt_query_caps(NULL, pt, &caps), 0);
	cr_assert_eq(genpt_reclaim(pt, NULL, &freed), 0);
	cr_assert_leq(freed, max_pages << caps.granule_bits,
		      "%s: %s: %llu bytes of empty tables left, at most %llu pages allowed",
		      fmt_name, what, (unsigned long long)freed,
		      (unsigned long long)max_pages);
}

uint64_t af_map_leftover_pages(const struct genpt *pt)
{
	struct genpt_caps caps;

	cr_assert_eq(genpt_query_caps(NULL, pt, &caps), 0);
	return 2ull * (caps.levels - 1);
}

static int af_blk_cmp(const void *a, const void *b)
{
	const struct af_snap_blk *x = a, *y = b;

	return x->va < y->va ? -1 : x->va > y->va;
}

void af_snap_take(const struct af_prov *p, const struct genpt *pt, struct af_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->n = p->n;
	s->b = calloc(p->n ? p->n : 1, sizeof(*s->b));
	cr_assert_not_null(s->b);
	for (size_t i = 0; i < p->n; i++) {
		const void *va = (const void *)(p->b[i].hidden ^ AF_HIDE);

		s->b[i].va = p->b[i].hidden ^ AF_HIDE;
		s->b[i].size = p->b[i].size;
		s->b[i].data = malloc(p->b[i].size);
		cr_assert_not_null(s->b[i].data);
		memcpy(s->b[i].data, va, p->b[i].size);
	}
	qsort(s->b, s->n, sizeof(*s->b), af_blk_cmp);
	cr_assert_eq(genpt_table_bytes(pt, &s->table_bytes), 0);
	s->tracking = genpt_dirty_tracking(pt);
}

void af_snap_free(struct af_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->b[i].data);
	free(s->b);
	memset(s, 0, sizeof(*s));
}

bool af_snap_expect_same(const struct af_prov *p, const struct genpt *pt,
			 const struct af_snap *s, const char *fmt_name,
			 const char *what)
{
	struct af_snap now;
	bool same = true;

	af_snap_take(p, pt, &now);
	if (now.n != s->n) {
		cr_expect_fail("%s: %s: %zu provider blocks live, was %zu", fmt_name,
			       what, now.n, s->n);
		same = false;
	}
	for (size_t i = 0; same && i < now.n; i++) {
		const struct af_snap_blk *a = &s->b[i], *b = &now.b[i];

		if (a->va != b->va || a->size != b->size) {
			cr_expect_fail("%s: %s: block %zu is %#llx+%zu, was %#llx+%zu",
				       fmt_name, what, i, (unsigned long long)b->va,
				       b->size, (unsigned long long)a->va, a->size);
			same = false;
			break;
		}
		for (size_t j = 0; j < a->size / 8; j++) {
			uint64_t x, y;

			memcpy(&x, a->data + 8 * j, 8);
			memcpy(&y, b->data + 8 * j, 8);
			if (x != y) {
				cr_expect_fail("%s: %s: block %#llx word %zu: 0x%016llx -> 0x%016llx",
					       fmt_name, what, (unsigned long long)a->va, j,
					       (unsigned long long)x, (unsigned long long)y);
				same = false;
				break;
			}
		}
	}
	if (now.table_bytes != s->table_bytes) {
		cr_expect_fail("%s: %s: table_bytes %llu, was %llu", fmt_name, what,
			       (unsigned long long)now.table_bytes,
			       (unsigned long long)s->table_bytes);
		same = false;
	}
	if (now.tracking != s->tracking) {
		cr_expect_fail("%s: %s: dirty tracking %d, was %d", fmt_name, what,
			       now.tracking, s->tracking);
		same = false;
	}
	af_snap_free(&now);
	return same;
}
