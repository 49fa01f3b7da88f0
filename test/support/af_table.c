// SPDX-License-Identifier: MIT
/*
 * af_table.c - a table of any configuration of af_all[] and its raw walk
 * (see anyfmt.h); the decoding itself is the format's (af_decode.c).
 */
#include "anyfmt.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define AF_TABLE_PM (64ull << 30)

void af_table_init(struct af_table *t, const struct af_cfg *c,
		   uint64_t extra_features, uint64_t pm_size)
{
	struct genpt_config cfg = c->cfg;
	int err;

	memset(t, 0, sizeof(*t));
	t->c = c;
	t->features = cfg.features | extra_features;
	af_prov_init_pm(&t->prov, pm_size ? pm_size : AF_TABLE_PM);
	cfg.features = t->features;
	cfg.mem = &af_prov_ops;
	cfg.mem_ctx = &t->prov;
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", c->name, err);
	err = genpt_hw_info(t->pt, &t->info);
	cr_assert_eq(err, 0, "%s: genpt_hw_info: %d", c->name, err);
	cr_assert(t->info.levels == c->levels && t->info.mode == c->hw_mode &&
		  t->info.root_size == c->root_size,
		  "%s: hw_info levels %u mode %u root %llu bytes; the manual says %u, %u, %llu",
		  c->name, t->info.levels, t->info.mode,
		  (unsigned long long)t->info.root_size, c->levels, c->hw_mode,
		  (unsigned long long)c->root_size);
}

void af_table_fini(struct af_table *t)
{
	genpt_destroy(t->pt);
	t->pt = NULL;
	af_prov_fini(&t->prov);
}

int af_lookup(const struct af_table *t, uint64_t va, struct af_leaf *out)
{
	unsigned int lsh;
	int err;

	memset(out, 0, sizeof(*out));
	err = t->c->fmt->lookup(t, va, out);
	if (err)
		return err;
	lsh = af_lvl_shift(t->c, out->level);
	out->page_oa = out->oa - (va - out->first);
	out->first_pte_pa = out->pte_pa - 8 * ((va - out->first) >> lsh);
	return 0;
}

uint64_t af_table_bytes(const struct af_table *t)
{
	uint64_t b = 0;
	int err = genpt_table_bytes(t->pt, &b);

	cr_assert_eq(err, 0, "%s: genpt_table_bytes: %d", t->c->name, err);
	return b;
}

uint64_t *af_ptr(const struct af_table *t, uint64_t pa)
{
	uint64_t *p = genpt_physmem_ptr(t->prov.pm, pa);

	cr_assert_not_null(p, "%s: pa 0x%llx not backed", t->c->name,
			   (unsigned long long)pa);
	return p;
}
