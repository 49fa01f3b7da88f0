// SPDX-License-Identifier: MIT
/*
 * armv8_util.c - see armv8_util.h.
 */
#include "armv8_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The geometry by hand from the Arm ARM: stage 1 starts where the input
 * size puts it (AArch64.S1StartLevel); stage 2 with the fewest lookups
 * VTCR_EL2 allows (up to 16 concatenated initial tables), which is what
 * genpt documents.
 */
const struct arm_mode arm_modes[] = {
	{ "s1-4k-48", 12, 48, false, 4, 0, 1 },
	{ "s1-4k-39", 12, 39, false, 3, 1, 1 },
	{ "s1-4k-30", 12, 30, false, 2, 2, 1 },
	{ "s1-16k-48", 14, 48, false, 4, 0, 1 },  /* level 0: 2 entries */
	{ "s1-16k-36", 14, 36, false, 2, 2, 1 },
	{ "s1-64k-48", 16, 48, false, 3, 1, 1 },  /* level 1: 64 entries */
	{ "s1-64k-42", 16, 42, false, 2, 2, 1 },
	{ "s1-64k-25", 16, 25, false, 1, 3, 1 },  /* one level: 512 pages */
	{ "s2-4k-48", 12, 48, true, 4, 0, 1 },
	{ "s2-4k-40", 12, 40, true, 3, 1, 2 },
	{ "s2-4k-34", 12, 34, true, 2, 2, 16 },
	{ "s2-16k-48", 14, 48, true, 3, 1, 2 },   /* level 0 needs LPA2 */
	{ "s2-16k-29", 14, 29, true, 1, 3, 16 },
	{ "s2-64k-48", 16, 48, true, 3, 1, 1 },
	{ "s2-64k-46", 16, 46, true, 2, 2, 16 },  /* 1 MiB initial table */
};
const unsigned int arm_nmodes = sizeof(arm_modes) / sizeof(arm_modes[0]);

const struct arm_mode *arm_mode_named(const char *name)
{
	for (unsigned int i = 0; i < arm_nmodes; i++)
		if (!strcmp(arm_modes[i].name, name))
			return &arm_modes[i];
	cr_assert_fail("no ARM mode %s", name);
	return NULL;
}

/* ---- geometry --------------------------------------------------------- */

unsigned int arm_stride(const struct arm_mode *m)
{
	return m->granule_bits - 3;
}

unsigned int arm_lvl_shift(const struct arm_mode *m, unsigned int lvl)
{
	return m->granule_bits + arm_stride(m) * lvl;
}

/* Pages at the last lookup level; blocks at level 2 (all granules) and
 * level 1 (4KB only) without FEAT_LPA/LPA2. */
bool arm_lvl_leaf(const struct arm_mode *m, unsigned int lvl)
{
	return lvl == 0 || lvl == 1 || (lvl == 2 && m->granule_bits == 12);
}

unsigned int arm_contig_log2(const struct arm_mode *m, unsigned int lvl)
{
	if (m->granule_bits == 12)
		return 4;                    /* 16 entries */
	if (m->granule_bits == 14)
		return lvl == 0 ? 7 : 5;     /* 128 pages, 32 blocks */
	return 5;                            /* 32 entries */
}

unsigned int arm_root_bits(const struct arm_mode *m)
{
	return m->va_bits - arm_lvl_shift(m, m->levels - 1);
}

unsigned int arm_leaf_shifts(const struct arm_table *t, unsigned int *shifts)
{
	const struct arm_mode *m = t->mode;
	unsigned int n = 0;

	for (int l = (int)m->levels - 1; l >= 0; l--) {
		unsigned int lvl = (unsigned int)l;
		unsigned int sh = arm_lvl_shift(m, lvl);

		if (!arm_lvl_leaf(m, lvl))
			continue;
		if ((t->features & GENPT_FEAT_ARMV8_CONTIG) &&
		    sh + arm_contig_log2(m, lvl) <= m->va_bits)
			shifts[n++] = sh + arm_contig_log2(m, lvl);
		shifts[n++] = sh;
	}
	return n;
}

void arm_shift_level(const struct arm_table *t, unsigned int shift,
		     unsigned int *lvl, unsigned int *run)
{
	for (unsigned int l = 0; l < t->mode->levels; l++) {
		unsigned int sh = arm_lvl_shift(t->mode, l);

		if (!arm_lvl_leaf(t->mode, l))
			continue;
		if (shift == sh) {
			*lvl = l;
			*run = 0;
			return;
		}
		if ((t->features & GENPT_FEAT_ARMV8_CONTIG) &&
		    shift == sh + arm_contig_log2(t->mode, l)) {
			*lvl = l;
			*run = arm_contig_log2(t->mode, l);
			return;
		}
	}
	cr_assert_fail("%s: no leaf of 2^%u", t->name, shift);
}

uint64_t arm_va_last(const struct arm_table *t)
{
	return (1ull << t->mode->va_bits) - 1;
}

/* ---- tables ----------------------------------------------------------- */

void arm_table_init(struct arm_table *t, const struct arm_mode *m,
		    uint64_t features, uint64_t pm_size)
{
	struct genpt_config cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->mode = m;
	if (m->stage2)
		features |= GENPT_FEAT_ARMV8_S2;
	t->features = features;
	snprintf(t->name, sizeof(t->name), "%s%s%s", m->name,
		 (features & GENPT_FEAT_ARMV8_CONTIG) ? "+cont" : "",
		 (features & GENPT_FEAT_ARMV8_DBM) ? "+dbm" : "");
	err = genpt_physmem_create(TU_PM_BASE, pm_size ? pm_size : TU_PM_SIZE, &t->pm);
	cr_assert_eq(err, 0, "physmem_create: %d", err);
	t->cnt.pm = t->pm;
	t->cnt.fail_at = -1;
	cfg = (struct genpt_config){
		.format = GENPT_FMT_ARMV8,
		.va_bits = m->va_bits,
		.granule_bits = m->granule_bits,
		.features = features,
		.mem = &tu_counter_ops,
		.mem_ctx = &t->cnt,
	};
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", t->name, err);
	err = genpt_hw_info(t->pt, &t->info);
	cr_assert_eq(err, 0);
	t->root_pa = t->info.root_pa;
	t->root_size = t->info.root_size;
}

void arm_table_fini(struct arm_table *t)
{
	genpt_destroy(t->pt);
	t->pt = NULL;
	cr_expect_eq(t->cnt.live, 0, "%s: %ld table blocks leaked at destroy",
		     t->name, t->cnt.live);
	genpt_physmem_destroy(t->pm);
	t->pm = NULL;
}

uint64_t arm_table_bytes(const struct arm_table *t)
{
	uint64_t b = 0;
	int err = genpt_table_bytes(t->pt, &b);

	cr_assert_eq(err, 0, "genpt_table_bytes: %d", err);
	return b;
}

uint64_t *arm_ptr(const struct arm_table *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->pm, pa);

	cr_assert_not_null(p, "%s: table pa 0x%llx not backed by physmem", t->name,
			   (unsigned long long)pa);
	return p;
}

uint64_t arm_desc_at(const struct arm_table *t, uint64_t pa)
{
	return __atomic_load_n(arm_ptr(t, pa), __ATOMIC_ACQUIRE);
}

/* ---- raw walk --------------------------------------------------------- */

static unsigned int arm_index_bits(const struct arm_mode *m, unsigned int lvl)
{
	return lvl == m->levels - 1 ? arm_root_bits(m) : arm_stride(m);
}

int arm_lookup(const struct arm_table *t, uint64_t va, struct arm_leaf *out)
{
	const struct arm_mode *m = t->mode;
	uint64_t table_pa = t->root_pa;

	for (int l = (int)m->levels - 1; l >= 0; l--) {
		unsigned int lvl = (unsigned int)l;
		unsigned int shift = arm_lvl_shift(m, lvl);
		uint64_t idx = (va >> shift) & ((1ull << arm_index_bits(m, lvl)) - 1);
		uint64_t pa = table_pa + 8 * idx;
		uint64_t *p = genpt_physmem_ptr(t->pm, pa);
		uint64_t e, oa;
		unsigned int run = 0;

		if (!p)
			return -EFAULT;
		e = __atomic_load_n(p, __ATOMIC_RELAXED);
		if (!(e & ARM_D_VALID))
			return -ENOENT;
		if ((e & ARM_D_TYPE) == 3 && lvl > 0) { /* table */
			if (e & ((1ull << m->granule_bits) - 1) & ~0xfffull)
				return -EFAULT;
			table_pa = ARM_D_ADDR(e, m->granule_bits);
			continue;
		}
		if ((e & ARM_D_TYPE) == 1 && (lvl == 0 || !arm_lvl_leaf(m, lvl)))
			return -EFAULT;
		/* RES0 address bits below the block / page size */
		if (e & ((1ull << shift) - 1) & ~0xfffull)
			return -EFAULT;
		if (e & (3ull << 48))
			return -EFAULT;
		oa = ARM_D_ADDR(e, shift);
		if (e & ARM_D_CONT) {
			uint64_t span_m1;

			run = arm_contig_log2(m, lvl);
			span_m1 = (1ull << (shift + run)) - 1;
			/* each member holds its own address within the run */
			if ((oa ^ va) & span_m1 & ~((1ull << shift) - 1))
				return -EFAULT;
		}
		out->level = lvl;
		out->run = run;
		out->shift = shift + run;
		out->first = va & ~((1ull << out->shift) - 1);
		out->desc = e;
		out->desc_pa = pa;
		out->oa = oa + (va & ((1ull << shift) - 1));
		return 0;
	}
	return -EFAULT;
}

/* ---- snapshots -------------------------------------------------------- */

static void arm_snap_add(const struct arm_table *t, struct tu_snap *s,
			 uint64_t pa, uint64_t size, unsigned int lvl)
{
	const uint64_t *src = arm_ptr(t, pa);
	struct tu_snap_page *pg;
	const uint64_t *data;
	size_t n = (size_t)(size / 8);

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->pages = realloc(s->pages, s->cap * sizeof(*s->pages));
		cr_assert_not_null(s->pages);
	}
	pg = &s->pages[s->n++];
	pg->pa = pa;
	pg->size = size;
	pg->level = lvl;
	pg->data = malloc((size_t)size);
	cr_assert_not_null(pg->data);
	memcpy(pg->data, src, (size_t)size);
	if (lvl == 0)
		return;
	data = pg->data;
	for (size_t i = 0; i < n; i++) {
		uint64_t e = data[i];

		if ((e & ARM_D_TYPE) == 3)
			arm_snap_add(t, s, ARM_D_ADDR(e, t->mode->granule_bits),
				     1ull << t->mode->granule_bits, lvl - 1);
	}
}

void arm_snap_take(const struct arm_table *t, struct tu_snap *s)
{
	memset(s, 0, sizeof(*s));
	arm_snap_add(t, s, t->root_pa, t->root_size, t->mode->levels - 1);
	s->table_bytes = arm_table_bytes(t);
	s->live = t->cnt.live;
	s->live_bytes = t->cnt.live_bytes;
}

/* ---- the oracle -------------------------------------------------------- */

void arm_model_init(struct model *m, const struct arm_table *t)
{
	memset(m, 0, sizeof(*m));
	m->nshifts = arm_leaf_shifts(t, m->shifts);
}

void arm_expect_prot(const struct arm_table *t, uint64_t e, unsigned int prot,
		     const char *what)
{
	bool dbm = t->features & GENPT_FEAT_ARMV8_DBM;
	bool w = prot & GENPT_WRITE;
	uint64_t want_attr;

	cr_assert(e & ARM_D_VALID, "%s: %s: invalid descriptor", t->name, what);
	cr_assert(e & ARM_D_AF, "%s: %s: AF clear: %#llx", t->name, what,
		  (unsigned long long)e);
	cr_assert_eq(ARM_D_SH(e), 3, "%s: %s: SH not inner shareable: %#llx", t->name,
		     what, (unsigned long long)e);
	/* nothing in GP, the software bits, PBHA, or bit 63 */
	cr_assert_eq(e & (0x1ffull << 55 | 1ull << 50), 0, "%s: %s: stray high bits: %#llx",
		     t->name, what, (unsigned long long)e);
	cr_assert_eq(!!(e & ARM_D_DBM), w && dbm, "%s: %s: DBM vs prot %#x: %#llx", t->name,
		     what, prot, (unsigned long long)e);
	if (!t->mode->stage2) {
		cr_assert(e & ARM_D_AP1, "%s: %s: AP[1] clear", t->name, what);
		cr_assert(e & ARM_D_NG, "%s: %s: nG clear", t->name, what);
		if (!w)
			cr_assert(e & ARM_D_AP2, "%s: %s: read-only without AP[2]: %#llx",
				  t->name, what, (unsigned long long)e);
		else if (!dbm)
			cr_assert(!(e & ARM_D_AP2), "%s: %s: writable with AP[2]: %#llx",
				  t->name, what, (unsigned long long)e);
		cr_assert_eq(!!(e & ARM_D_UXN), !!(prot & GENPT_NOEXEC),
			     "%s: %s: UXN vs prot %#x", t->name, what, prot);
		cr_assert_eq(!!(e & ARM_D_PXN), !!(prot & GENPT_NOEXEC),
			     "%s: %s: PXN vs prot %#x", t->name, what, prot);
		want_attr = (prot & GENPT_MMIO) ? 2 : (prot & GENPT_CACHE) ? 1 : 0;
		cr_assert_eq(ARM_D_ATTRINDX(e), want_attr, "%s: %s: AttrIndx %llu, prot %#x",
			     t->name, what, (unsigned long long)ARM_D_ATTRINDX(e), prot);
	} else {
		cr_assert_eq(!!(e & ARM_D_S2AP_R), !!(prot & GENPT_READ),
			     "%s: %s: S2AP[0] vs prot %#x: %#llx", t->name, what, prot,
			     (unsigned long long)e);
		if (!w)
			cr_assert(!(e & ARM_D_S2AP_W), "%s: %s: read-only with S2AP[1]",
				  t->name, what);
		else if (!dbm)
			cr_assert(e & ARM_D_S2AP_W, "%s: %s: writable without S2AP[1]",
				  t->name, what);
		cr_assert_eq(e & ARM_D_NG, 0, "%s: %s: bit 11 set at stage 2", t->name, what);
		cr_assert_eq(ARM_D_S2XN(e), (prot & GENPT_NOEXEC) ? 2u : 0u,
			     "%s: %s: XN %llu vs prot %#x", t->name, what,
			     (unsigned long long)ARM_D_S2XN(e), prot);
		want_attr = (prot & GENPT_MMIO) ? 1 : (prot & GENPT_CACHE) ? 0xf : 0x5;
		cr_assert_eq(ARM_D_MEMATTR(e), want_attr, "%s: %s: MemAttr %llu, prot %#x",
			     t->name, what, (unsigned long long)ARM_D_MEMATTR(e), prot);
	}
}

/* An access the leaf allows and that does not change its dirty state. */
static unsigned int arm_probe_access(const struct arm_table *t, unsigned int prot)
{
	if (!t->mode->stage2 || (prot & GENPT_READ))
		return GENPT_ACCESS_READ;
	if (!(prot & GENPT_NOEXEC))
		return GENPT_ACCESS_EXEC;
	return 0;
}

static void arm_expect_hole(const struct arm_table *t, uint64_t va)
{
	uint64_t oa = 0xdead;
	struct arm_leaf lf;
	int err;

	if (va > arm_va_last(t))
		return;
	err = genpt_iova_to_phys(t->pt, va, &oa);
	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d (oa 0x%llx), model has a hole",
		     t->name, (unsigned long long)va, err, (unsigned long long)oa);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d, model has a hole", t->name,
		     (unsigned long long)va, err);
	err = arm_lookup(t, va, &lf);
	cr_assert_eq(err, -ENOENT, "%s: raw walk of 0x%llx = %d, model has a hole", t->name,
		     (unsigned long long)va, err);
}

static void arm_expect_oa(const struct arm_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want,
		  "%s: iova_to_phys(0x%llx) = %d, oa 0x%llx; model says 0x%llx", t->name,
		  (unsigned long long)va, err, (unsigned long long)oa,
		  (unsigned long long)want);
}

static void arm_check_leaf(const struct arm_table *t, const struct model_ext *x,
			   uint64_t f, unsigned int sh, struct tu_rng *rng)
{
	uint64_t size_m1 = (1ull << sh) - 1;
	uint64_t oa_f = x->oa + (f - x->iova);
	uint64_t gran = 1ull << t->mode->granule_bits;
	uint64_t probe[2] = { f, f + size_m1 + 1 - gran };
	unsigned int want_lvl, want_run, acc;
	uint64_t off, oa = 0;
	int err;

	arm_shift_level(t, sh, &want_lvl, &want_run);
	for (unsigned int i = 0; i < 2; i++) {
		struct arm_leaf lf;

		err = arm_lookup(t, probe[i], &lf);
		cr_assert_eq(err, 0, "%s: raw walk of 0x%llx = %d; model maps it", t->name,
			     (unsigned long long)probe[i], err);
		cr_assert(lf.shift == sh && lf.level == want_lvl && lf.run == want_run &&
				  lf.first == f,
			  "%s: 0x%llx: leaf 2^%u (level %u run %u) from 0x%llx; model expects 2^%u (level %u run %u) from 0x%llx",
			  t->name, (unsigned long long)probe[i], lf.shift, lf.level, lf.run,
			  (unsigned long long)lf.first, sh, want_lvl, want_run,
			  (unsigned long long)f);
		cr_assert_eq(lf.oa, oa_f + (probe[i] - f),
			     "%s: raw walk of 0x%llx gives oa 0x%llx, model 0x%llx", t->name,
			     (unsigned long long)probe[i], (unsigned long long)lf.oa,
			     (unsigned long long)(oa_f + (probe[i] - f)));
		arm_expect_prot(t, lf.desc, x->prot, "model leaf");
	}
	arm_expect_oa(t, f, oa_f);
	arm_expect_oa(t, f + size_m1, oa_f + size_m1);
	off = rng ? tu_rand(rng) & size_m1 : size_m1 / 2;
	arm_expect_oa(t, f + off, oa_f + off);
	acc = arm_probe_access(t, x->prot);
	if (acc) {
		err = genpt_hw_access(t->pt, f + off, acc, &oa);
		cr_assert(err == 0 && oa == oa_f + off,
			  "%s: hw_access %u at 0x%llx = %d, oa 0x%llx; model 0x%llx", t->name,
			  acc, (unsigned long long)(f + off), err, (unsigned long long)oa,
			  (unsigned long long)(oa_f + off));
	}
}

static void arm_check_ext(const struct arm_table *t, const struct model *m,
			  const struct model_ext *x, struct tu_rng *rng)
{
	uint64_t va = x->iova;

	for (;;) {
		uint64_t f;
		unsigned int sh;

		model_ext_leaf_at(m, x, va, &f, &sh);
		arm_check_leaf(t, x, f, sh, rng);
		if (f + ((1ull << sh) - 1) >= x->last)
			break;
		va = f + (1ull << sh);
	}
}

static void arm_check_hole(const struct arm_table *t, uint64_t first, uint64_t last,
			   struct tu_rng *rng)
{
	uint64_t gran_m1 = (1ull << t->mode->granule_bits) - 1;

	arm_expect_hole(t, first);
	arm_expect_hole(t, last & ~gran_m1);
	if (rng)
		arm_expect_hole(t, first + tu_rand_below(rng, last - first + 1 ?
								 last - first + 1 :
								 UINT64_MAX));
}

void arm_model_check_range(const struct arm_table *t, const struct model *m,
			   uint64_t first, uint64_t last, struct tu_rng *rng)
{
	uint64_t cur = first;

	for (size_t i = 0; i < m->n; i++) {
		const struct model_ext *x = &m->e[i];

		if (x->last < first)
			continue;
		if (x->iova > last)
			break;
		if (x->iova > cur)
			arm_check_hole(t, cur, x->iova - 1, rng);
		arm_check_ext(t, m, x, rng);
		if (x->last >= last)
			return;
		cur = x->last + 1;
	}
	arm_check_hole(t, cur, last, rng);
}

void arm_model_check(const struct arm_table *t, const struct model *m,
		     struct tu_rng *rng)
{
	uint64_t gran = 1ull << t->mode->granule_bits;

	for (size_t i = 0; i < m->n; i++) {
		const struct model_ext *x = &m->e[i];

		arm_check_ext(t, m, x, rng);
		if (x->iova && (i == 0 || m->e[i - 1].last != x->iova - 1))
			arm_expect_hole(t, x->iova - gran);
		if (i + 1 == m->n || m->e[i + 1].iova != x->last + 1)
			arm_expect_hole(t, x->last + 1);
	}
}
