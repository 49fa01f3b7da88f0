// SPDX-License-Identifier: MIT
/*
 * x86_util.c - see x86_util.h.
 *
 * The raw walk decodes entries from the manuals (Intel SDM vol. 3 paging
 * entries, VT-d "Second-Stage Paging Entries", AMD IOMMU "I/O Page Tables
 * for Host Translations"), independently of lib/fmt and lib/hw, and more
 * strictly than hardware: it also insists on the shape genpt promises
 * (table pointers that allow everything, AMD v1 without skipped levels,
 * replicas that agree).
 */
#include "x86_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct xu_mode xu_modes[XU_NMODES] = {
	[XU_X86_48] = { "x86-64/4", GENPT_FMT_X86_64, XU_FAM_X86_64, 48, 4, 4, true },
	[XU_X86_57] = { "x86-64/5", GENPT_FMT_X86_64, XU_FAM_X86_64, 57, 5, 5, true },
	[XU_VTD_39] = { "vtdss/39", GENPT_FMT_VTDSS, XU_FAM_VTDSS, 39, 3, 1, false },
	[XU_VTD_48] = { "vtdss/48", GENPT_FMT_VTDSS, XU_FAM_VTDSS, 48, 4, 2, false },
	[XU_VTD_57] = { "vtdss/57", GENPT_FMT_VTDSS, XU_FAM_VTDSS, 57, 5, 3, false },
	[XU_AMD_1] = { "amdv1/mode1", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 21, 1, 1, false },
	[XU_AMD_2] = { "amdv1/mode2", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 30, 2, 2, false },
	[XU_AMD_3] = { "amdv1/mode3", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 39, 3, 3, false },
	[XU_AMD_4] = { "amdv1/mode4", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 48, 4, 4, false },
	[XU_AMD_5] = { "amdv1/mode5", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 57, 5, 5, false },
	[XU_AMD_6] = { "amdv1/mode6", GENPT_FMT_AMDV1, XU_FAM_AMDV1, 64, 6, 6, false },
};

/* ---- entry bits, from the manuals ------------------------------------ */

#define XU_ADDR 0x000ffffffffff000ull /* bits 51:12 in all three */

/* x86-64 (SDM "Format of a PML4 Entry" ...) */
#define XU_X86_P (1ull << 0)
#define XU_X86_RW (1ull << 1)
#define XU_X86_US (1ull << 2)
#define XU_X86_A (1ull << 5)
#define XU_X86_D (1ull << 6)
#define XU_X86_PS (1ull << 7)
#define XU_X86_XD (1ull << 63)

/* VT-d second stage */
#define XU_VTD_R (1ull << 0)
#define XU_VTD_W (1ull << 1)
#define XU_VTD_PS (1ull << 7)
#define XU_VTD_A (1ull << 8)
#define XU_VTD_D (1ull << 9)

/* AMD v1 */
#define XU_AMD_PR (1ull << 0)
#define XU_AMD_A (1ull << 5)
#define XU_AMD_D (1ull << 6)
#define XU_AMD_NL(e) (((e) >> 9) & 7)
#define XU_AMD_IR (1ull << 61)
#define XU_AMD_IW (1ull << 62)

/* ---- tables ------------------------------------------------------------ */

void xu_table_init(struct xu_table *t, int mode, uint64_t features,
		   uint64_t pm_size)
{
	const struct xu_mode *m = &xu_modes[mode];
	struct genpt_config cfg;
	struct genpt_hw_info info;
	int err;

	memset(t, 0, sizeof(*t));
	t->mode = m;
	t->features = features;
	err = genpt_physmem_create(TU_PM_BASE, pm_size ? pm_size : TU_PM_SIZE, &t->pm);
	cr_assert_eq(err, 0, "physmem_create: %d", err);
	t->cnt.pm = t->pm;
	t->cnt.fail_at = -1;
	cfg = (struct genpt_config){
		.format = m->format,
		.va_bits = m->va_bits,
		.features = features,
		.mem = &tu_counter_ops,
		.mem_ctx = &t->cnt,
	};
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", m->name, err);
	err = genpt_hw_info(t->pt, &info);
	cr_assert_eq(err, 0);
	cr_assert_eq(info.levels, m->levels, "%s: hw_info levels %u", m->name, info.levels);
	cr_assert_eq(info.mode, m->hw_mode, "%s: hw_info mode %u", m->name, info.mode);
	cr_assert_eq(info.root_size, 4096u, "%s: root_size %llu", m->name,
		     (unsigned long long)info.root_size);
	cr_assert_eq(info.root_pa & 4095, 0);
	t->root_pa = info.root_pa;
	t->root_size = info.root_size;
}

void xu_table_fini(struct xu_table *t)
{
	genpt_destroy(t->pt);
	t->pt = NULL;
	cr_expect_eq(t->cnt.live, 0, "%s: %ld table blocks leaked at destroy",
		     t->mode->name, t->cnt.live);
	genpt_physmem_destroy(t->pm);
	t->pm = NULL;
}

uint64_t xu_table_bytes(const struct xu_table *t)
{
	uint64_t b = 0;
	int err = genpt_table_bytes(t->pt, &b);

	cr_assert_eq(err, 0, "genpt_table_bytes: %d", err);
	return b;
}

uint64_t *xu_ptr(const struct xu_table *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->pm, pa);

	cr_assert_not_null(p, "table pa 0x%llx not backed by physmem",
			   (unsigned long long)pa);
	return p;
}

unsigned int xu_halves(const struct xu_table *t, uint64_t first[2],
		       uint64_t last[2])
{
	unsigned int vb = t->mode->va_bits;

	first[0] = 0;
	if (!t->mode->sign_extend) {
		last[0] = vb < 64 ? (1ull << vb) - 1 : UINT64_MAX;
		return 1;
	}
	last[0] = (1ull << (vb - 1)) - 1;
	first[1] = ~0ull << (vb - 1);
	last[1] = ~0ull;
	return 2;
}

bool xu_va_valid(const struct xu_table *t, uint64_t va)
{
	return xu_in_space(t, va, va);
}

bool xu_in_space(const struct xu_table *t, uint64_t first, uint64_t last)
{
	uint64_t f[2], l[2];
	unsigned int nh = xu_halves(t, f, l);

	for (unsigned int h = 0; h < nh; h++)
		if (first >= f[h] && first <= last && last <= l[h])
			return true;
	return false;
}

unsigned int xu_shift_level(unsigned int shift)
{
	return (shift - 12) / 9;
}

unsigned int xu_shift_entries(unsigned int shift)
{
	return 1u << ((shift - 12) % 9);
}

/*
 * x86-64 and VT-d SS: 4K, 2M, 1G.  AMD v1: every power of two from 4K
 * that the levels below the top reach (256 entries at most per run, the
 * largest 2^51), except 512G.
 */
unsigned int xu_leaf_shifts(const struct xu_table *t, unsigned int *shifts)
{
	unsigned int n = 0, top;

	if (t->mode->fam != XU_FAM_AMDV1) {
		shifts[n++] = 30;
		shifts[n++] = 21;
		shifts[n++] = 12;
		return n;
	}
	top = t->mode->levels >= 6 ? 51 : 12 + 9 * t->mode->levels - 1;
	if (top > 51)
		top = 51;
	for (unsigned int s = top; s >= 12; s--)
		if (s != 39)
			shifts[n++] = s;
	return n;
}

/* ---- raw walk ------------------------------------------------------------ */

uint64_t xu_dirty_bit(const struct xu_table *t)
{
	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		return XU_X86_D;
	case XU_FAM_VTDSS:
		return XU_VTD_D;
	case XU_FAM_AMDV1:
		return XU_AMD_D;
	}
	return 0;
}

uint64_t xu_accessed_bit(const struct xu_table *t)
{
	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		return XU_X86_A;
	case XU_FAM_VTDSS:
		return XU_VTD_A;
	case XU_FAM_AMDV1:
		return XU_AMD_A;
	}
	return 0;
}

static unsigned int xu_index_bits(const struct xu_table *t, unsigned int lvl)
{
	/* the AMD v1 level-6 table decodes bits 63:57 only */
	return (t->mode->fam == XU_FAM_AMDV1 && lvl == 5) ? 7 : 9;
}

static bool xu_present(const struct xu_table *t, uint64_t e)
{
	if (t->mode->fam == XU_FAM_VTDSS)
		return (e & (XU_VTD_R | XU_VTD_W)) != 0;
	return (e & 1) != 0;
}

bool xu_is_table(const struct xu_table *t, unsigned int lvl, uint64_t e)
{
	if (lvl == 0 || !xu_present(t, e))
		return false;
	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		return !(lvl <= 2 && (e & XU_X86_PS));
	case XU_FAM_VTDSS:
		return !(lvl <= 2 && (e & XU_VTD_PS));
	case XU_FAM_AMDV1:
		return XU_AMD_NL(e) >= 1 && XU_AMD_NL(e) <= 6;
	}
	return false;
}

/* A table pointer the way genpt writes them: allows everything, no
 * leaf-only bits, AMD v1 pointing exactly one level down. */
static bool xu_table_ok(const struct xu_table *t, unsigned int lvl, uint64_t e)
{
	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		return (e & (XU_X86_RW | XU_X86_US)) == (XU_X86_RW | XU_X86_US) &&
		       !(e & (XU_X86_XD | XU_X86_D | XU_X86_PS));
	case XU_FAM_VTDSS:
		return (e & (XU_VTD_R | XU_VTD_W)) == (XU_VTD_R | XU_VTD_W) &&
		       !(e & (XU_VTD_PS | XU_VTD_D));
	case XU_FAM_AMDV1:
		return XU_AMD_NL(e) == lvl &&
		       (e & (XU_AMD_IR | XU_AMD_IW)) == (XU_AMD_IR | XU_AMD_IW) &&
		       !(e & XU_AMD_D);
	}
	return false;
}

/* Decode the page a leaf maps: size (log2) and start, or false when the
 * encoding is not one genpt writes. */
static bool xu_leaf_decode(const struct xu_table *t, unsigned int lvl,
			   uint64_t e, unsigned int *shift, uint64_t *base)
{
	unsigned int s = 12 + 9 * lvl;
	uint64_t a = e & XU_ADDR;

	if (t->mode->fam == XU_FAM_AMDV1) {
		unsigned int nl = XU_AMD_NL(e);

		if (nl == 7) {
			/* the page size is coded by a run of ones from bit 12:
			 * 2^(13 + number of ones) */
			unsigned int ones = (unsigned int)__builtin_ctzll(~(a >> 12));

			s = 13 + ones;
			if (s <= 12 + 9 * lvl || s >= 12 + 9 * (lvl + 1) || s > 51)
				return false;
			*shift = s;
			*base = a & ~((1ull << s) - 1);
			return true;
		}
		if (nl != 0)
			return false;
	}
	if (a & ((1ull << s) - 1))
		return false; /* misaligned large page */
	*shift = s;
	*base = a;
	return true;
}

static void xu_leaf_perms(const struct xu_table *t, uint64_t e,
			  struct xu_leaf *out)
{
	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		out->r = true;
		out->w = e & XU_X86_RW;
		out->x = !(e & XU_X86_XD);
		break;
	case XU_FAM_VTDSS:
		out->r = e & XU_VTD_R;
		out->w = e & XU_VTD_W;
		out->x = out->r;
		break;
	case XU_FAM_AMDV1:
		out->r = e & XU_AMD_IR;
		out->w = e & XU_AMD_IW;
		out->x = out->r;
		break;
	}
	out->accessed = e & xu_accessed_bit(t);
	out->dirty = e & xu_dirty_bit(t);
}

int xu_lookup(const struct xu_table *t, uint64_t va, struct xu_leaf *out)
{
	uint64_t table_pa = t->root_pa;

	for (int l = (int)t->mode->levels - 1; l >= 0; l--) {
		unsigned int lvl = (unsigned int)l;
		unsigned int shift = 12 + 9 * lvl;
		uint64_t idx = (va >> shift) & ((1ull << xu_index_bits(t, lvl)) - 1);
		uint64_t pte_pa = table_pa + 8 * idx;
		uint64_t *p = genpt_physmem_ptr(t->pm, pte_pa);
		uint64_t e, base;
		unsigned int s, nrep;

		if (!p)
			return -EFAULT;
		e = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		if (!xu_present(t, e))
			return -ENOENT;
		if (xu_is_table(t, lvl, e)) {
			if (!xu_table_ok(t, lvl, e))
				return -EFAULT;
			table_pa = e & XU_ADDR;
			continue;
		}
		if (t->mode->fam == XU_FAM_AMDV1 && lvl == 5)
			return -EFAULT; /* no pages in the level-6 table */
		if (!xu_leaf_decode(t, lvl, e, &s, &base))
			return -EFAULT;
		nrep = 1u << (s - shift);
		/* Replicas agree on everything but A and D (hardware marks the
		 * one it went through). */
		for (unsigned int i = 0; i < nrep; i++) {
			uint64_t r = __atomic_load_n(p - (idx & (nrep - 1)) + i,
						     __ATOMIC_ACQUIRE);
			uint64_t ad = xu_accessed_bit(t) | xu_dirty_bit(t);

			if ((r | ad) != (e | ad))
				return -EFAULT;
		}
		out->level = lvl;
		out->shift = s;
		out->nrep = nrep;
		out->first = va & ~((1ull << s) - 1);
		out->pte = e;
		out->pte_pa = pte_pa;
		out->first_pte_pa = pte_pa - 8 * (idx & (nrep - 1));
		out->page_oa = base;
		out->oa = base + (va - out->first);
		xu_leaf_perms(t, e, out);
		return 0;
	}
	return -EFAULT;
}

uint64_t *xu_leaf_slot(const struct xu_table *t, uint64_t va, struct xu_leaf *lf)
{
	struct xu_leaf tmp;
	int err;

	if (!lf)
		lf = &tmp;
	err = xu_lookup(t, va, lf);
	cr_assert_eq(err, 0, "%s: no leaf maps 0x%llx: %d", t->mode->name,
		     (unsigned long long)va, err);
	return xu_ptr(t, lf->pte_pa);
}

void xu_expect_prot(const struct xu_table *t, const struct xu_leaf *lf,
		    unsigned int prot, const char *what)
{
	bool want_r, want_w = prot & GENPT_WRITE, want_x;

	switch (t->mode->fam) {
	case XU_FAM_X86_64:
		want_r = true;
		want_x = !(prot & GENPT_NOEXEC);
		break;
	default: /* VT-d SS and AMD v1: R/W as asked, no execute control */
		want_r = prot & GENPT_READ;
		want_x = want_r;
		break;
	}
	cr_assert(lf->r == want_r && lf->w == want_w && lf->x == want_x,
		  "%s: %s: leaf 0x%016llx allows r%d w%d x%d, prot 0x%x wants r%d w%d x%d",
		  t->mode->name, what, (unsigned long long)lf->pte, lf->r, lf->w,
		  lf->x, prot, want_r, want_w, want_x);
}

/* ---- snapshots --------------------------------------------------------- */

static void xu_snap_add(const struct xu_table *t, struct xu_snap *s, uint64_t pa,
			unsigned int lvl)
{
	const uint64_t *src = xu_ptr(t, pa);
	struct xu_snap_page *pg;
	const uint64_t *data;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->pages = realloc(s->pages, s->cap * sizeof(*s->pages));
		cr_assert_not_null(s->pages);
	}
	pg = &s->pages[s->n++];
	pg->pa = pa;
	pg->level = lvl;
	pg->data = malloc(4096);
	cr_assert_not_null(pg->data);
	memcpy(pg->data, src, 4096);
	data = pg->data;
	for (size_t i = 0; i < 512; i++)
		if (xu_is_table(t, lvl, data[i]))
			xu_snap_add(t, s, data[i] & XU_ADDR, lvl - 1);
}

void xu_snap_take(const struct xu_table *t, struct xu_snap *s)
{
	memset(s, 0, sizeof(*s));
	xu_snap_add(t, s, t->root_pa, t->mode->levels - 1);
	s->table_bytes = xu_table_bytes(t);
	s->live = t->cnt.live;
	s->live_bytes = t->cnt.live_bytes;
}

void xu_snap_free(struct xu_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->pages[i].data);
	free(s->pages);
	memset(s, 0, sizeof(*s));
}

void xu_snap_expect_same(const struct xu_table *t, const struct xu_snap *s,
			 const char *what)
{
	struct xu_snap now;

	xu_snap_take(t, &now);
	cr_expect_eq(now.n, s->n, "%s: %s: %zu table pages reachable, was %zu",
		     t->mode->name, what, now.n, s->n);
	for (size_t i = 0; i < now.n && i < s->n; i++) {
		const struct xu_snap_page *a = &s->pages[i], *b = &now.pages[i];

		cr_expect(a->pa == b->pa && a->level == b->level,
			  "%s: %s: table page %zu moved (0x%llx lvl %u -> 0x%llx lvl %u)",
			  t->mode->name, what, i, (unsigned long long)a->pa, a->level,
			  (unsigned long long)b->pa, b->level);
		for (size_t j = 0; j < 512; j++) {
			if (a->data[j] != b->data[j]) {
				cr_expect_fail("%s: %s: table page 0x%llx (lvl %u) entry %zu: 0x%016llx -> 0x%016llx",
					       t->mode->name, what,
					       (unsigned long long)a->pa, a->level, j,
					       (unsigned long long)a->data[j],
					       (unsigned long long)b->data[j]);
				break;
			}
		}
	}
	cr_expect_eq(now.table_bytes, s->table_bytes, "%s: %s: table_bytes %llu, was %llu",
		     t->mode->name, what, (unsigned long long)now.table_bytes,
		     (unsigned long long)s->table_bytes);
	cr_expect_eq(now.live, s->live, "%s: %s: %ld live blocks, was %ld",
		     t->mode->name, what, now.live, s->live);
	cr_expect_eq(now.live_bytes, s->live_bytes, "%s: %s: %llu live bytes, was %llu",
		     t->mode->name, what, (unsigned long long)now.live_bytes,
		     (unsigned long long)s->live_bytes);
	xu_snap_free(&now);
}

size_t xu_snap_count(const struct xu_snap *s, unsigned int level)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->pages[i].level == level;
	return n;
}

/* ---- model --------------------------------------------------------------- */

void xm_init(struct xm *m, const struct xu_table *t)
{
	memset(m, 0, sizeof(*m));
	m->nshifts = xu_leaf_shifts(t, m->shifts);
}

void xm_fini(struct xm *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static size_t xm_lb(const struct xm *m, uint64_t va)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].last < va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct xm_ext *xm_find(const struct xm *m, uint64_t va)
{
	size_t i = xm_lb(m, va);

	return i < m->n && m->e[i].iova <= va ? &m->e[i] : NULL;
}

void xm_ext_leaf_at(const struct xm *m, const struct xm_ext *x, uint64_t va,
		    uint64_t *first, unsigned int *shift)
{
	uint64_t d = x->oa - x->iova;

	for (unsigned int i = 0; i < m->nshifts; i++) {
		uint64_t s_m1 = (1ull << m->shifts[i]) - 1;
		uint64_t q = va & ~s_m1;

		if ((d & s_m1) || q < x->iova || q + s_m1 > x->last)
			continue;
		*first = q;
		*shift = m->shifts[i];
		return;
	}
	cr_assert_fail("model: no leaf for 0x%llx", (unsigned long long)va);
}

bool xm_leaf_at(const struct xm *m, uint64_t va, uint64_t *first,
		unsigned int *shift)
{
	const struct xm_ext *x = xm_find(m, va);

	if (!x)
		return false;
	xm_ext_leaf_at(m, x, va, first, shift);
	return true;
}

static void xm_reserve(struct xm *m, size_t extra)
{
	if (m->n + extra <= m->cap)
		return;
	while (m->cap < m->n + extra)
		m->cap = m->cap ? 2 * m->cap : 64;
	m->e = realloc(m->e, m->cap * sizeof(*m->e));
	cr_assert_not_null(m->e);
}

int xm_map(struct xm *m, uint64_t iova, uint64_t oa, uint64_t len,
	   unsigned int prot)
{
	uint64_t last = iova + (len - 1);
	size_t i = xm_lb(m, iova);

	if (i < m->n && m->e[i].iova <= last)
		return -EEXIST;
	xm_reserve(m, 1);
	memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof(*m->e));
	m->e[i] = (struct xm_ext){ .iova = iova, .last = last, .oa = oa, .prot = prot };
	m->n++;
	return 0;
}

int xm_unmap(struct xm *m, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	uint64_t last = iova + (len - 1), first, total = 0;
	struct xm_ext keep[2];
	unsigned int sh, nkeep = 0;
	size_t i, k;

	if (xm_leaf_at(m, iova, &first, &sh) && first < iova)
		return -EINVAL;
	if (xm_leaf_at(m, last, &first, &sh) && first + ((1ull << sh) - 1) > last)
		return -EINVAL;
	i = xm_lb(m, iova);
	for (k = i; k < m->n && m->e[k].iova <= last; k++) {
		const struct xm_ext *x = &m->e[k];
		uint64_t lo = x->iova > iova ? x->iova : iova;
		uint64_t hi = x->last < last ? x->last : last;

		total += hi - lo + 1;
		if (x->iova < iova) {
			keep[nkeep] = *x;
			keep[nkeep++].last = iova - 1;
		}
		if (x->last > last) {
			keep[nkeep] = *x;
			keep[nkeep].iova = last + 1;
			keep[nkeep++].oa = x->oa + (last + 1 - x->iova);
		}
	}
	*unmapped = total;
	if (k == i)
		return 0;
	xm_reserve(m, nkeep);
	memmove(&m->e[i + nkeep], &m->e[k], (m->n - k) * sizeof(*m->e));
	memcpy(&m->e[i], keep, nkeep * sizeof(*keep));
	m->n = m->n - (k - i) + nkeep;
	return 0;
}

static void xm_expect_hole(const struct xu_table *t, uint64_t va)
{
	uint64_t oa = 0xdead;
	struct xu_leaf lf;
	int err;

	if (!xu_va_valid(t, va))
		return;
	err = genpt_iova_to_phys(t->pt, va, &oa);
	cr_assert_eq(err, -ENOENT, "%s: iova_to_phys(0x%llx) = %d (oa 0x%llx), model has a hole",
		     t->mode->name, (unsigned long long)va, err, (unsigned long long)oa);
	err = genpt_hw_access(t->pt, va, GENPT_ACCESS_READ, &oa);
	cr_assert_eq(err, -ENOENT, "%s: hw_access(0x%llx) = %d, model has a hole",
		     t->mode->name, (unsigned long long)va, err);
	err = xu_lookup(t, va, &lf);
	cr_assert_eq(err, -ENOENT, "%s: raw walk of 0x%llx = %d, model has a hole",
		     t->mode->name, (unsigned long long)va, err);
}

static void xm_expect_oa(const struct xu_table *t, uint64_t va, uint64_t want)
{
	uint64_t oa = 0;
	int err = genpt_iova_to_phys(t->pt, va, &oa);

	cr_assert(err == 0 && oa == want,
		  "%s: iova_to_phys(0x%llx) = %d, oa 0x%llx; model says 0x%llx",
		  t->mode->name, (unsigned long long)va, err, (unsigned long long)oa,
		  (unsigned long long)want);
}

static void xm_check_leaf(const struct xu_table *t, const struct xm_ext *x,
			  uint64_t f, unsigned int sh, struct tu_rng *rng)
{
	uint64_t size_m1 = (1ull << sh) - 1;
	uint64_t oa_f = x->oa + (f - x->iova);
	uint64_t probe[2] = { f, f + size_m1 - 4095 };
	uint64_t off, oa = 0;
	bool readable = t->mode->fam == XU_FAM_X86_64 || (x->prot & GENPT_READ);
	int err;

	for (unsigned int i = 0; i < 2; i++) {
		struct xu_leaf lf;

		err = xu_lookup(t, probe[i], &lf);
		cr_assert_eq(err, 0, "%s: raw walk of 0x%llx = %d; model maps it",
			     t->mode->name, (unsigned long long)probe[i], err);
		cr_assert(lf.shift == sh && lf.level == xu_shift_level(sh) &&
			  lf.first == f && lf.nrep == xu_shift_entries(sh),
			  "%s: 0x%llx: leaf 2^%u at level %u (%u entries) from 0x%llx; model expects 2^%u from 0x%llx",
			  t->mode->name, (unsigned long long)probe[i], lf.shift, lf.level,
			  lf.nrep, (unsigned long long)lf.first, sh, (unsigned long long)f);
		cr_assert_eq(lf.oa, oa_f + (probe[i] - f),
			     "%s: raw walk of 0x%llx gives oa 0x%llx, model 0x%llx",
			     t->mode->name, (unsigned long long)probe[i],
			     (unsigned long long)lf.oa,
			     (unsigned long long)(oa_f + (probe[i] - f)));
		xu_expect_prot(t, &lf, x->prot, "model leaf");
	}
	xm_expect_oa(t, f, oa_f);
	xm_expect_oa(t, f + size_m1, oa_f + size_m1);
	off = rng ? tu_rand(rng) & size_m1 : size_m1 / 2;
	xm_expect_oa(t, f + off, oa_f + off);
	err = genpt_hw_access(t->pt, f + off, GENPT_ACCESS_READ, &oa);
	if (readable)
		cr_assert(err == 0 && oa == oa_f + off,
			  "%s: hw_access read 0x%llx = %d, oa 0x%llx; model 0x%llx",
			  t->mode->name, (unsigned long long)(f + off), err,
			  (unsigned long long)oa, (unsigned long long)(oa_f + off));
	else
		cr_assert_eq(err, -EACCES, "%s: hw read of write-only 0x%llx = %d",
			     t->mode->name, (unsigned long long)(f + off), err);
}

static void xm_check_ext(const struct xu_table *t, const struct xm *m,
			 const struct xm_ext *x, struct tu_rng *rng)
{
	uint64_t va = x->iova;

	for (;;) {
		uint64_t f;
		unsigned int sh;

		xm_ext_leaf_at(m, x, va, &f, &sh);
		xm_check_leaf(t, x, f, sh, rng);
		if (f + ((1ull << sh) - 1) >= x->last)
			break;
		va = f + (1ull << sh);
	}
}

static void xm_check_hole(const struct xu_table *t, uint64_t first,
			  uint64_t last, struct tu_rng *rng)
{
	xm_expect_hole(t, first);
	xm_expect_hole(t, last & ~4095ull);
	if (rng)
		xm_expect_hole(t, first + tu_rand_below(rng, last - first + 1 ?
								 last - first + 1 :
								 UINT64_MAX));
}

void xm_check_range(const struct xu_table *t, const struct xm *m,
		    uint64_t first, uint64_t last, struct tu_rng *rng)
{
	uint64_t cur = first;
	bool done = false;

	for (size_t i = xm_lb(m, first); i < m->n && m->e[i].iova <= last; i++) {
		const struct xm_ext *x = &m->e[i];

		if (x->iova > cur)
			xm_check_hole(t, cur, x->iova - 1, rng);
		xm_check_ext(t, m, x, rng);
		if (x->last >= last) {
			done = true;
			break;
		}
		cur = x->last + 1;
	}
	if (!done)
		xm_check_hole(t, cur, last, rng);
}

void xm_check(const struct xu_table *t, const struct xm *m, struct tu_rng *rng)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct xm_ext *x = &m->e[i];

		xm_check_ext(t, m, x, rng);
		if (x->iova && (i == 0 || m->e[i - 1].last != x->iova - 1))
			xm_expect_hole(t, x->iova - 4096);
		if (x->last != UINT64_MAX &&
		    (i + 1 == m->n || m->e[i + 1].iova != x->last + 1))
			xm_expect_hole(t, x->last + 1);
	}
}
