// SPDX-License-Identifier: MIT
/*
 * fe_pop.c - the populated table of the format-neutral error suites (see
 * fe_pop.h for its layout).
 */
#include "fe_pop.h"

#include <errno.h>

static void pop_map(struct fe_pop *p, uint64_t iova, uint64_t oa, uint64_t len,
		    unsigned int prot)
{
	int err = genpt_map(p->t.pt, iova, oa, len, prot, NULL);

	cr_assert_eq(err, 0, "%s: populate map 0x%llx+0x%llx: %d", p->c->name,
		     (unsigned long long)iova, (unsigned long long)len, err);
}

/* R: the smallest block above the granule with eight of them in the lower
 * half (small, so long ranges of granules stay quick); else 64 granules
 * (or an eighth of the half). */
static void pick_sizes(struct fe_pop *p)
{
	const struct af_cfg *c = p->c;
	uint64_t sizes = af_page_sizes(c), runs = af_run_sizes(c);
	unsigned int gs = af_gshift(c), rs = 0;

	p->gr = 1ull << gs;
	p->hb = c->sign_extend ? c->cfg.va_bits - 1 : c->cfg.va_bits;
	p->block = false;
	for (unsigned int l = 1; l < c->levels; l++) {
		unsigned int s = af_lvl_shift(c, l);

		if ((sizes >> s & 1) && s + 3 <= p->hb) {
			rs = s;
			p->block = true;
			break;
		}
	}
	if (!p->block)
		rs = gs + 6 < p->hb - 3 ? gs + 6 : p->hb - 3;
	p->R = 1ull << rs;
	p->run = runs ? 1ull << __builtin_ctzll(runs) : 0;
	/* a tiny space (ARM 16K granule, 25 bits) has no room for a run
	 * beside the rest: its run checks run on the larger configs */
	if (5 * p->run > p->R)
		p->run = 0;
}

void fe_pop_init(struct fe_pop *p, const struct af_cfg *c)
{
	uint64_t lonely;

	memset(p, 0, sizeof(*p));
	p->c = c;
	af_table_init(&p->t, c, 0, 0);
	pick_sizes(p);
	p->nh = af_halves(c, p->f, p->l);
	p->oa0 = af_oa_end(c) / 2;
	p->a = p->R + p->gr;
	p->b = p->run ? p->R + 4 * p->run : 0;
	p->c_va = p->block ? 2 * p->R : 0;
	p->ro = 4 * p->R + p->gr;
	lonely = 5 * p->R;
	pop_map(p, p->a, p->oa0 + p->gr, p->gr, FE_RW);
	if (p->run)
		pop_map(p, p->b, p->oa0 + p->run, p->run, FE_RW);
	if (p->block)
		pop_map(p, p->c_va, p->oa0 + 4 * p->R, p->R, FE_RW);
	pop_map(p, p->ro, p->oa0, p->gr, GENPT_READ);
	for (unsigned int h = 0; h < p->nh; h++)
		pop_map(p, p->l[h] - p->gr + 1, p->oa0, p->gr, FE_RW);
	genpt_gather_init(&p->g);
	pop_map(p, lonely, p->oa0, p->gr, FE_RW);
	cr_assert_eq(genpt_unmap(p->t.pt, lonely, p->R, &p->g, NULL), 0, "%s", c->name);
	cr_assert_eq(p->g.start, lonely, "%s: gather start", c->name);
}

void fe_pop_fini(struct fe_pop *p)
{
	cr_assert_eq(genpt_gather_release(p->t.pt, &p->g), 0, "%s", p->c->name);
	af_table_fini(&p->t);
}

uint64_t fe_root_span(const struct fe_pop *p)
{
	unsigned int s = af_lvl_shift(p->c, p->c->levels - 1);

	return s >= 64 ? 0 : 1ull << s;
}

void fe_expect_unmapped(const struct fe_pop *p, uint64_t iova, uint64_t len,
			const char *what)
{
	const uint64_t at[] = { iova, iova + len / 2, iova + len - 1,
				iova + (len / 3 & ~(p->gr - 1)) };

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		uint64_t oa;
		int err = genpt_iova_to_phys(p->t.pt, at[i], &oa);

		cr_assert_eq(err, -ENOENT, "%s: %s: 0x%llx: got %d", p->c->name, what,
			     (unsigned long long)at[i], err);
	}
}

void fe_each(void (*check)(struct fe_pop *p))
{
	for (AF_EACH(c)) {
		struct fe_pop p;

		fe_pop_init(&p, c);
		check(&p);
		fe_pop_fini(&p);
	}
}
