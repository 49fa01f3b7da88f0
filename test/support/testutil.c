// SPDX-License-Identifier: MIT
/*
 * testutil.c - see testutil.h.
 */
#include "testutil.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct tu_mode tu_modes[TU_NMODES] = {
	[TU_SV39] = { "Sv39", 39, 3, false },
	[TU_SV48] = { "Sv48", 48, 4, false },
	[TU_SV57] = { "Sv57", 57, 5, false },
	[TU_SV39X4] = { "Sv39x4", 41, 3, true },
	[TU_SV48X4] = { "Sv48x4", 50, 4, true },
	[TU_SV57X4] = { "Sv57x4", 59, 5, true },
};

/* ---- counting provider ----------------------------------------------- */

static void *tu_cnt_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	struct tu_counter *c = ctx;
	long idx = c->allocs++;
	void *va;

	if (idx == c->fail_at) {
		c->failed++;
		return NULL;
	}
	va = genpt_physmem_ops.alloc(c->pm, size, align, pa);
	if (va) {
		c->live++;
		c->live_bytes += size;
	}
	return va;
}

static void tu_cnt_free(void *ctx, void *va, size_t size)
{
	struct tu_counter *c = ctx;

	c->frees++;
	c->live--;
	c->live_bytes -= size;
	genpt_physmem_ops.free(c->pm, va, size);
}

static void *tu_cnt_p2v(void *ctx, uint64_t pa)
{
	struct tu_counter *c = ctx;

	return genpt_physmem_ptr(c->pm, pa);
}

const struct genpt_mem_ops tu_counter_ops = {
	.alloc = tu_cnt_alloc,
	.free = tu_cnt_free,
	.phys_to_virt = tu_cnt_p2v,
};

/* ---- tables ---------------------------------------------------------- */

void tu_table_init(struct tu_table *t, int mode, uint64_t features,
		   uint64_t pm_size)
{
	const struct tu_mode *m = &tu_modes[mode];
	struct genpt_config cfg;
	struct genpt_hw_info info;
	int err;

	memset(t, 0, sizeof(*t));
	t->mode = m;
	if (m->gstage)
		features |= GENPT_FEAT_RISCV_GSTAGE;
	t->features = features;
	err = genpt_physmem_create(TU_PM_BASE, pm_size ? pm_size : TU_PM_SIZE,
				   &t->pm);
	cr_assert_eq(err, 0, "physmem_create: %d", err);
	t->cnt.pm = t->pm;
	t->cnt.fail_at = -1;
	cfg = (struct genpt_config){
		.format = GENPT_FMT_RISCV,
		.va_bits = m->va_bits,
		.features = features,
		.mem = &tu_counter_ops,
		.mem_ctx = &t->cnt,
	};
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", m->name, err);
	err = genpt_hw_info(t->pt, &info);
	cr_assert_eq(err, 0);
	t->root_pa = info.root_pa;
	t->root_size = info.root_size;
}

void tu_table_fini(struct tu_table *t)
{
	genpt_destroy(t->pt);
	t->pt = NULL;
	cr_expect_eq(t->cnt.live, 0, "%s: %ld table blocks leaked at destroy",
		     t->mode->name, t->cnt.live);
	genpt_physmem_destroy(t->pm);
	t->pm = NULL;
}

unsigned int tu_leaf_shifts(const struct tu_table *t, unsigned int *shifts)
{
	unsigned int n = 0;

	for (int lvl = (int)t->mode->levels - 1; lvl >= 0; lvl--) {
		shifts[n++] = 12 + 9 * (unsigned int)lvl;
		if (lvl == 1 && (t->features & GENPT_FEAT_RISCV_SVNAPOT))
			shifts[n++] = 16;
	}
	return n;
}

unsigned int tu_halves(const struct tu_table *t, uint64_t first[2],
		       uint64_t last[2])
{
	unsigned int vb = t->mode->va_bits;

	if (t->mode->gstage) {
		first[0] = 0;
		last[0] = (1ull << vb) - 1;
		return 1;
	}
	first[0] = 0;
	last[0] = (1ull << (vb - 1)) - 1;
	first[1] = ~0ull << (vb - 1);
	last[1] = ~0ull;
	return 2;
}

uint64_t tu_table_bytes(const struct tu_table *t)
{
	uint64_t b = 0;
	int err = genpt_table_bytes(t->pt, &b);

	cr_assert_eq(err, 0, "genpt_table_bytes: %d", err);
	return b;
}

uint64_t tu_pm_bytes(const struct tu_table *t)
{
	uint64_t b = 0;

	cr_assert_eq(genpt_physmem_stats(t->pm, &b, NULL), 0);
	return b;
}

uint64_t *tu_ptr(const struct tu_table *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->pm, pa);

	cr_assert_not_null(p, "table pa 0x%llx not backed by physmem",
			   (unsigned long long)pa);
	return p;
}

/* ---- raw walk -------------------------------------------------------- */

static unsigned int tu_index_bits(const struct tu_table *t, unsigned int lvl)
{
	return (t->mode->gstage && lvl == t->mode->levels - 1) ? 11 : 9;
}

int tu_lookup(const struct tu_table *t, uint64_t va, struct tu_leaf *out)
{
	uint64_t table_pa = t->root_pa;

	for (int l = (int)t->mode->levels - 1; l >= 0; l--) {
		unsigned int lvl = (unsigned int)l;
		unsigned int shift = 12 + 9 * lvl;
		uint64_t idx = (va >> shift) & ((1ull << tu_index_bits(t, lvl)) - 1);
		uint64_t pte_pa = table_pa + 8 * idx;
		uint64_t *p = genpt_physmem_ptr(t->pm, pte_pa);
		uint64_t e, base;

		if (!p)
			return -EFAULT;
		e = __atomic_load_n(p, __ATOMIC_RELAXED);
		if (!(e & TU_PTE_V))
			return -ENOENT;
		if (!(e & TU_PTE_RWX)) {
			if (lvl == 0)
				return -EFAULT;
			table_pa = TU_PTE_PPN(e) << 12;
			continue;
		}
		base = TU_PTE_PPN(e) << 12;
		if (e & TU_PTE_N) {
			if (lvl != 0 || (TU_PTE_PPN(e) & 0xf) != 0x8)
				return -EFAULT;
			shift = 16;
			base &= ~(TU_64K - 1);
		} else if (base & ((1ull << shift) - 1)) {
			return -EFAULT; /* misaligned superpage */
		}
		out->level = lvl;
		out->shift = shift;
		out->first = va & ~((1ull << shift) - 1);
		out->pte = e;
		out->pte_pa = pte_pa;
		out->oa = base + (va - out->first);
		return 0;
	}
	return -EFAULT;
}

/* ---- snapshots ------------------------------------------------------- */

static void tu_snap_add(const struct tu_table *t, struct tu_snap *s,
			uint64_t pa, uint64_t size, unsigned int lvl)
{
	const uint64_t *src = tu_ptr(t, pa);
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
	/* Recursion may realloc s->pages (pg goes stale), not the data. */
	data = pg->data;
	for (size_t i = 0; i < n; i++) {
		uint64_t e = data[i];

		if ((e & TU_PTE_V) && !(e & TU_PTE_RWX))
			tu_snap_add(t, s, TU_PTE_PPN(e) << 12, 4096, lvl - 1);
	}
}

void tu_snap_take(const struct tu_table *t, struct tu_snap *s)
{
	memset(s, 0, sizeof(*s));
	tu_snap_add(t, s, t->root_pa, t->root_size, t->mode->levels - 1);
	s->table_bytes = tu_table_bytes(t);
	s->live = t->cnt.live;
	s->live_bytes = t->cnt.live_bytes;
}

void tu_snap_free(struct tu_snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->pages[i].data);
	free(s->pages);
	memset(s, 0, sizeof(*s));
}

void tu_snap_expect_same(const struct tu_table *t, const struct tu_snap *s,
			 const char *what)
{
	struct tu_snap now;

	tu_snap_take(t, &now);
	cr_expect_eq(now.n, s->n, "%s: %s: %zu table pages reachable, was %zu",
		     t->mode->name, what, now.n, s->n);
	for (size_t i = 0; i < now.n && i < s->n; i++) {
		const struct tu_snap_page *a = &s->pages[i], *b = &now.pages[i];

		cr_expect(a->pa == b->pa && a->size == b->size && a->level == b->level,
			  "%s: %s: table page %zu moved (pa 0x%llx lvl %u -> pa 0x%llx lvl %u)",
			  t->mode->name, what, i, (unsigned long long)a->pa, a->level,
			  (unsigned long long)b->pa, b->level);
		if (a->size != b->size)
			continue;
		for (size_t j = 0; j < a->size / 8; j++) {
			if (a->data[j] != b->data[j]) {
				cr_expect_fail("%s: %s: table page pa 0x%llx (lvl %u) entry %zu: 0x%016llx -> 0x%016llx",
					       t->mode->name, what,
					       (unsigned long long)a->pa, a->level, j,
					       (unsigned long long)a->data[j],
					       (unsigned long long)b->data[j]);
				break;
			}
		}
	}
	cr_expect_eq(now.table_bytes, s->table_bytes,
		     "%s: %s: table_bytes %llu, was %llu", t->mode->name, what,
		     (unsigned long long)now.table_bytes,
		     (unsigned long long)s->table_bytes);
	cr_expect_eq(now.live, s->live, "%s: %s: %ld live table blocks, was %ld",
		     t->mode->name, what, now.live, s->live);
	cr_expect_eq(now.live_bytes, s->live_bytes,
		     "%s: %s: %llu live table bytes, was %llu", t->mode->name,
		     what, (unsigned long long)now.live_bytes,
		     (unsigned long long)s->live_bytes);
	tu_snap_free(&now);
}

size_t tu_snap_count(const struct tu_snap *s, unsigned int level)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->pages[i].level == level;
	return n;
}

/* ---- misc ------------------------------------------------------------ */

uint64_t tu_rand(struct tu_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t tu_rand_below(struct tu_rng *r, uint64_t n)
{
	return tu_rand(r) % n;
}

bool tu_gather_eq(const struct genpt_gather *a, const struct genpt_gather *b)
{
	return a->start == b->start && a->last == b->last && a->freed == b->freed;
}
