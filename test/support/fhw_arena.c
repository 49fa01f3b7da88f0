// SPDX-License-Identifier: MIT
/* fhw_arena.c - see fhw_arena.h. */
#include "fhw_arena.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *arena;
static uint64_t arena_next;

void *hwa_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	if (!arena || pa < HWA_BASE || pa - HWA_BASE >= HWA_BYTES)
		return NULL;
	return arena + (pa - HWA_BASE);
}

const struct genpt_mem_ops hwa_ops = { .phys_to_virt = hwa_p2v };

void hwa_setup(void)
{
	arena = aligned_alloc(1u << 20, HWA_BYTES);
	cr_assert_not_null(arena);
	memset(arena, 0, HWA_BYTES);
	arena_next = 0;
}

void hwa_teardown(void)
{
	free(arena);
	arena = NULL;
}

void hwa_reset(void)
{
	memset(arena, 0, HWA_BYTES);
	arena_next = 0;
}

uint64_t hwa_table(uint64_t bytes)
{
	uint64_t pa;

	arena_next = (arena_next + bytes - 1) & ~(bytes - 1);
	cr_assert_leq(arena_next + bytes, HWA_BYTES, "test arena exhausted");
	pa = HWA_BASE + arena_next;
	arena_next += bytes;
	return pa;
}

static uint64_t *hwa_slot(uint64_t pa)
{
	uint64_t *p = hwa_p2v(NULL, pa);

	cr_assert_not_null(p, "pa %#llx outside the test arena", (unsigned long long)pa);
	return p;
}

uint64_t hwa_get(uint64_t pa)
{
	return __atomic_load_n(hwa_slot(pa), __ATOMIC_ACQUIRE);
}

void hwa_set(uint64_t pa, uint64_t v)
{
	__atomic_store_n(hwa_slot(pa), v, __ATOMIC_RELEASE);
}

uint64_t hwa_build(const struct hwa_fmt *f, unsigned int top, uint64_t va,
		   unsigned int leaf_level, uint64_t leaf, uint64_t **slots)
{
	uint64_t root = hwa_table(4096), table = root;

	for (unsigned int l = top;; l--) {
		uint64_t *e = hwa_slot(table + ((va >> (12 + 9 * l)) & 511) * 8);

		if (slots)
			slots[l] = e;
		if (l == leaf_level) {
			*e = leaf;
			return root;
		}
		if (!(*e & f->present))
			*e = hwa_table(4096) | f->ptr_bits | (f->nl_shift ? (uint64_t)l << f->nl_shift : 0);
		table = *e & 0x000ffffffffff000ull;
	}
}

void hwa_expect_width(hwa_width_walk_fn walk, uint64_t root, uint64_t va, uint64_t **slots,
		      unsigned int w, int fault)
{
	uint64_t pa, page = *slots[0] & 0x000ffffffffff000ull;
	unsigned int level;

	*slots[1] |= 1ull << (w + 1);
	cr_assert_eq(walk(root, va, w, &pa, &level), fault, "width %u: pointer bit %u", w, w + 1);
	cr_assert_eq(level, 1, "width %u: the pointer faults", w);
	*slots[1] &= ~(1ull << (w + 1));
	*slots[0] |= 1ull << w;
	cr_assert_eq(walk(root, va, w, &pa, &level), fault, "width %u: leaf bit %u", w, w);
	cr_assert_eq(walk(root, va, w + 1, &pa, &level), 0, "width %u", w + 1);
	cr_assert_eq(pa, (1ull << w) | page | (va & 0xfff), "width %u: pa %#llx", w + 1,
		     (unsigned long long)pa);
	*slots[0] &= ~(1ull << w);
}
