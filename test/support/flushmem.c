// SPDX-License-Identifier: MIT
/*
 * flushmem.c - see flushmem.h.
 */
#include "flushmem.h"
#include "grow.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define FM_POISON 0xa5

void *fm_cpu(const struct fm_prov *p, uint64_t pa)
{
	return genpt_physmem_ptr(p->cpu, pa);
}

void *fm_mem(const struct fm_prov *p, uint64_t pa)
{
	return genpt_physmem_ptr(p->mem, pa);
}

static struct fm_block *fm_find(struct fm_prov *p, uint64_t pa)
{
	for (size_t i = 0; i < p->n; i++)
		if (pa >= p->b[i].pa && pa - p->b[i].pa < p->b[i].size)
			return &p->b[i];
	return NULL;
}

static bool fm_same(const struct fm_prov *p, const struct fm_block *b)
{
	return !memcmp(fm_cpu(p, b->pa), fm_mem(p, b->pa), b->size);
}

static void *fm_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	struct fm_prov *p = ctx;
	long idx = p->allocs++;
	void *va;

	if (idx == p->fail_at)
		return NULL;
	va = genpt_physmem_ops.alloc(p->cpu, size, align, pa);
	if (!va)
		return NULL;
	p->b = grow_one(p->b, p->n, &p->cap, sizeof(*p->b), 64);
	p->b[p->n++] = (struct fm_block){ *pa, size, false };
	/* What memory held before: a recycled page, never zero. */
	memset(fm_mem(p, *pa), FM_POISON, size);
	return va;
}

static void fm_free(void *ctx, void *va, size_t size)
{
	struct fm_prov *p = ctx;
	uint64_t pa = FM_BASE + (uint64_t)((char *)va - (char *)fm_cpu(p, FM_BASE));

	for (size_t i = 0; i < p->n; i++) {
		if (p->b[i].pa != pa)
			continue;
		cr_assert_eq(p->b[i].size, size, "free of %#llx with the wrong size",
			     (unsigned long long)pa);
		p->b[i] = p->b[--p->n];
		genpt_physmem_ops.free(p->cpu, va, size);
		return;
	}
	cr_assert_fail("free of unknown block %#llx", (unsigned long long)pa);
}

static void *fm_p2v(void *ctx, uint64_t pa)
{
	struct fm_prov *p = ctx;

	return p->walker_view ? fm_mem(p, pa) : fm_cpu(p, pa);
}

/* The table address an entry would link to, in the provider's layout. */
static uint64_t fm_link_pa(const struct fm_prov *p, uint64_t e)
{
	if (p->riscv_links)
		return ((e >> 10) & ((1ull << 44) - 1)) << 12;
	return e & 0x0000fffffffff000ull;
}

/* A flushed entry that links a block whose memory copy is still stale:
 * the walker could follow it into garbage. */
static void fm_check_links(struct fm_prov *p, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = fm_link_pa(p, w[i]);
		struct fm_block *b;

		if (!w[i] || pa < FM_BASE || pa - FM_BASE >= FM_SIZE)
			continue;
		b = fm_find(p, pa);
		if (b && b->pa == pa && !fm_same(p, b)) {
			if (!p->order_errors)
				p->order_pa = pa;
			p->order_errors++;
		}
	}
}

static void fm_flush(void *ctx, const void *va, size_t size)
{
	struct fm_prov *p = ctx;
	uint64_t pa = FM_BASE + (uint64_t)((const char *)va - (char *)fm_cpu(p, FM_BASE));
	struct fm_block *b = fm_find(p, pa);

	p->flushes++;
	if (!b || !size || pa + size - b->pa > b->size || (pa | size) & 7) {
		p->bad_flushes++;
		return;
	}
	fm_check_links(p, va, size / 8);
	memcpy(fm_mem(p, pa), va, size);
	b->flushed = true;
}

const struct genpt_mem_ops fm_ops = {
	.alloc = fm_alloc,
	.free = fm_free,
	.phys_to_virt = fm_p2v,
	.flush = fm_flush,
};

void fm_init(struct fm_prov *p, bool riscv_links)
{
	memset(p, 0, sizeof(*p));
	p->riscv_links = riscv_links;
	p->fail_at = -1;
	cr_assert_eq(genpt_physmem_create(FM_BASE, FM_SIZE, &p->cpu), 0);
	cr_assert_eq(genpt_physmem_create(FM_BASE, FM_SIZE, &p->mem), 0);
}

void fm_fini(struct fm_prov *p)
{
	cr_expect_eq(p->n, 0, "%zu blocks still live", p->n);
	while (p->n) {
		struct fm_block *b = &p->b[--p->n];

		genpt_physmem_ops.free(p->cpu, fm_cpu(p, b->pa), b->size);
	}
	free(p->b);
	genpt_physmem_destroy(p->cpu);
	genpt_physmem_destroy(p->mem);
	memset(p, 0, sizeof(*p));
}

/* The first word of @b whose copies differ. */
static bool fm_block_expect_same(const struct fm_prov *p, const struct fm_block *b,
				 const char *fmt_name, const char *what)
{
	const uint64_t *c = fm_cpu(p, b->pa), *m = fm_mem(p, b->pa);

	for (size_t j = 0; j < b->size / 8; j++) {
		if (c[j] == m[j])
			continue;
		cr_expect_fail("%s: %s: written, not flushed: block %#llx word %zu: "
			       "CPU 0x%016llx, walker 0x%016llx",
			       fmt_name, what, (unsigned long long)b->pa, j,
			       (unsigned long long)c[j], (unsigned long long)m[j]);
		return false;
	}
	return true;
}

/*
 * A register write may start a walk (a command queue tail: the TLBI and
 * CMD_SYNC of a break-before-make step) that reads any block genpt
 * flushed before.  A difference there is a write the walk cannot see yet:
 * the IOMMU may cache the old entry after its invalidation completed.
 */
void fm_ring(struct fm_prov *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const uint64_t *c = fm_cpu(p, p->b[i].pa), *m = fm_mem(p, p->b[i].pa);

		if (!p->b[i].flushed)
			continue;
		for (size_t j = 0; j < p->b[i].size / 8; j++) {
			if (c[j] == m[j])
				continue;
			if (!p->ring_errors)
				p->ring_pa = p->b[i].pa + 8 * j;
			p->ring_errors++;
			return;
		}
	}
}

bool fm_check(struct fm_prov *p, const char *fmt_name, const char *what)
{
	bool ok = true;

	for (size_t i = 0; i < p->n && ok; i++)
		if (p->b[i].flushed)
			ok = fm_block_expect_same(p, &p->b[i], fmt_name, what);
	if (p->order_errors) {
		cr_expect_fail("%s: %s: %ld entries made visible that link a table not "
			       "flushed yet (first: %#llx)", fmt_name, what, p->order_errors,
			       (unsigned long long)p->order_pa);
		ok = false;
	}
	if (p->bad_flushes) {
		cr_expect_fail("%s: %s: %ld flushes outside the table memory", fmt_name,
			       what, p->bad_flushes);
		ok = false;
	}
	if (p->ring_errors) {
		cr_expect_fail("%s: %s: %ld register writes rang the IOMMU before a write "
			       "was flushed (first: word %#llx)", fmt_name, what, p->ring_errors,
			       (unsigned long long)p->ring_pa);
		ok = false;
	}
	p->order_errors = 0;
	p->bad_flushes = 0;
	p->ring_errors = 0;
	return ok;
}
