// SPDX-License-Identifier: MIT
/*
 * hooktab.c - see hooktab.h.
 */
#include "hooktab.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "genpt/hw.h"
#include "pmwrap.h"

#define HT_PM_BASE (1ull << 32)
#define HT_PM_SIZE (1ull << 30)

/* The walker is coherent (same memory); the flush is only the hook point. */
static void ht_flush(void *ctx, const void *va, size_t size)
{
	struct ht *t = ctx;
	void (*hook)(struct ht *) = t->on_flush;

	(void)va;
	(void)size;
	if (!hook)
		return;
	t->on_flush = NULL;
	t->hook_runs++;
	hook(t);
}

void ht_init(struct ht *t, const struct af_cfg *c)
{
	struct genpt_config cfg = c->cfg;
	int err;

	*t = (struct ht){ .c = c, .name = c->name, .gsh = af_gshift(c) };
	t->g = 1ull << t->gsh;
	cr_assert_eq(genpt_physmem_create(HT_PM_BASE, HT_PM_SIZE, &t->pm), 0, "%s", c->name);
	t->ops = (struct genpt_mem_ops){ pmwrap_alloc, pmwrap_free, pmwrap_p2v, ht_flush };
	cfg.mem = &t->ops;
	cfg.mem_ctx = t;
	err = genpt_create(&cfg, &t->pt);
	cr_assert_eq(err, 0, "%s: genpt_create: %d", c->name, err);
}

void ht_fini(struct ht *t)
{
	uint64_t bytes = 1;

	genpt_destroy(t->pt);
	genpt_physmem_stats(t->pm, &bytes, NULL);
	cr_expect_eq(bytes, 0, "%s: %llu bytes of table memory leaked", t->name,
		     (unsigned long long)bytes);
	genpt_physmem_destroy(t->pm);
}

uint64_t ht_block(const struct af_cfg *c)
{
	uint64_t plain = af_page_sizes(c) & ~af_run_sizes(c);

	plain &= ~0ull << (af_gshift(c) + 1);
	return plain ? 1ull << __builtin_ctzll(plain) : 0;
}

bool ht_room(const struct af_cfg *c, uint64_t end)
{
	uint64_t first[2], last[2];

	af_halves(c, first, last);
	return first[0] == 0 && end - 1 <= last[0] && end <= af_oa_end(c);
}

void ht_map(struct ht *t, uint64_t va, uint64_t len)
{
	int err = genpt_map(t->pt, va, va, len, GENPT_READ | GENPT_WRITE, NULL);

	cr_assert_eq(err, 0, "%s: map %#llx +%#llx: %d", t->name, (unsigned long long)va,
		     (unsigned long long)len, err);
}

void ht_tracking(struct ht *t, bool on)
{
	cr_assert_eq(genpt_set_dirty_tracking(t->pt, on), 0, "%s", t->name);
}

int ht_write(struct ht *t, uint64_t va)
{
	return genpt_hw_access(t->pt, va, GENPT_ACCESS_WRITE, NULL);
}

void ht_hook_write(struct ht *t)
{
	t->hook_rc = ht_write(t, t->hook_va);
}

void ht_bm_init(struct ht_bm *b, const struct ht *t, uint64_t iova, uint64_t len)
{
	b->nbits = len >> t->gsh;
	b->bm = (struct genpt_dirty_bitmap){ calloc((b->nbits + 63) / 64, 8), iova, len, t->gsh };
	cr_assert(b->bm.bits, "out of memory");
}

void ht_bm_free(struct ht_bm *b)
{
	free(b->bm.bits);
	b->bm.bits = NULL;
}

static bool bit(const struct ht_bm *b, uint64_t i)
{
	return (b->bm.bits[i / 64] >> (i % 64)) & 1;
}

bool ht_bm_has(const struct ht_bm *b, uint64_t va)
{
	return bit(b, (va - b->bm.iova) >> b->bm.page_shift);
}

uint64_t ht_bm_count(const struct ht_bm *b)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < (b->nbits + 63) / 64; w++)
		n += (uint64_t)__builtin_popcountll(b->bm.bits[w]);
	return n;
}

void ht_harvest(struct ht *t, uint64_t iova, uint64_t len, unsigned int flags,
		struct ht_bm *out)
{
	struct genpt_gather g;
	int err;

	ht_bm_init(out, t, iova, len);
	genpt_gather_init(&g);
	err = genpt_read_and_clear_dirty(t->pt, iova, len, flags, &out->bm, &g);
	cr_assert_eq(err, 0, "%s: harvest %#llx +%#llx: %d", t->name,
		     (unsigned long long)iova, (unsigned long long)len, err);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0, "%s", t->name);
}

void ht_clear(struct ht *t, const struct ht_bm *mask)
{
	struct genpt_gather g;
	int err;

	genpt_gather_init(&g);
	err = genpt_clear_dirty(t->pt, &mask->bm, &g);
	cr_assert_eq(err, 0, "%s: clear_dirty: %d", t->name, err);
	cr_assert_eq(genpt_gather_release(t->pt, &g), 0, "%s", t->name);
}

bool ht_bm_expect(const struct ht *t, const struct ht_bm *b, bool (*want)(uint64_t i, void *arg),
		  void *arg, const char *what)
{
	for (uint64_t i = 0; i < b->nbits; i++)
		if (bit(b, i) != want(i, arg)) {
			cr_expect_fail("%s: %s: granule %llu (%#llx) %s, should %s", t->name, what,
				       (unsigned long long)i,
				       (unsigned long long)(b->bm.iova + (i << t->gsh)),
				       bit(b, i) ? "reported" : "not reported",
				       want(i, arg) ? "be" : "not be");
			return false;
		}
	return true;
}

bool ht_all(uint64_t i, void *arg)
{
	(void)i;
	(void)arg;
	return true;
}

void ht_each(bool (*one)(const struct af_cfg *c), const char *none)
{
	unsigned int ran = 0;

	for (AF_EACH(c))
		ran += one(c);
	cr_assert_gt(ran, 0, "%s", none);
}
