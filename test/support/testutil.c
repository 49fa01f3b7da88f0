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
