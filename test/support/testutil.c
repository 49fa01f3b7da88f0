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
	af_prov_init_pm(&t->prov, pm_size ? pm_size : TU_PM_SIZE);
	t->pm = t->prov.pm;
	cfg = (struct genpt_config){
		.format = GENPT_FMT_RISCV,
		.va_bits = m->va_bits,
		.features = features,
		.mem = &af_prov_ops,
		.mem_ctx = &t->prov,
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
	af_prov_fini(&t->prov); /* expects every block back */
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

bool tu_bit(const uint64_t *bits, uint64_t page)
{
	return bits[page / 64] >> (page % 64) & 1;
}

uint64_t tu_popcount(const uint64_t *w, size_t words)
{
	uint64_t n = 0;

	for (size_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(w[i]);
	return n;
}

bool tu_all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}
