/* SPDX-License-Identifier: MIT */
/*
 * lib/mem/physmem.c - simulated physical memory.
 *
 * [base, base + size) of "physical" address space is backed by one private
 * anonymous host mapping with MAP_NORESERVE, so only pages somebody touches
 * cost host memory and physmems of many GiB are cheap.
 *
 * Allocation is a binary buddy allocator over 4 KiB pages.  Blocks are
 * naturally aligned in PHYSICAL address (relative to 0, not to base), since
 * that is what page tables and huge data mappings need; when base is not
 * aligned to a large block size, the space is carved into the largest
 * aligned blocks that fit, and buddies outside [base, base + size) simply
 * never merge.
 *
 * All allocator metadata lives outside the simulated memory (a byte of
 * state and a pair of free-list links per page, in two more NORESERVE
 * mappings), so user writes through genpt_physmem_ptr() can never corrupt
 * the allocator, and free blocks are never touched: free memory is kept
 * zero (fresh mappings are zero, freed blocks are cleared on free), so
 * allocation hands out zeroed memory without writing to it.
 *
 * Locking: one mutex covers the allocator state.  base, size and the host
 * mapping never change after create, so genpt_physmem_ptr() reads them
 * without it.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE, madvise */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "genpt/mem.h"
#include "physmem_internal.h"

#define PM_PAGE_SHIFT 12
#define PM_PAGE ((uint64_t)1 << PM_PAGE_SHIFT)
/* Orders 0..51: 4 KiB << 51 == 2^63, the largest power of two in a uint64_t. */
#define PM_ORDERS 52
#define PM_MAX_BLOCK ((uint64_t)1 << 63)
/* Page indices are uint32_t and PM_NIL is reserved: just under 16 TiB. */
#define PM_NIL UINT32_MAX
#define PM_MAX_PAGES ((uint64_t)UINT32_MAX)
/* Blocks this big are zeroed by dropping their host pages, not memset. */
#define PM_ZAP_MIN ((uint64_t)2 << 20)

/*
 * Per-page state byte.  Only the first page of a block (its head) is
 * marked; pages inside a block are 0.  The order lives in the low bits.
 */
#define PM_ST_FREE 0x80u
#define PM_ST_ALLOC 0x40u

struct pm_link {
	uint32_t next;
	uint32_t prev;
};

struct genpt_physmem {
	/* Fixed at create; read without the lock. */
	uint64_t base;
	uint64_t size;
	unsigned char *host;
	size_t host_page;
	size_t meta_state_len;
	size_t meta_link_len;

	/* Everything below is guarded by lock. */
	pthread_mutex_t lock;
	uint8_t *state;        /* per page: 0, or PM_ST_* | order at a block head */
	struct pm_link *links; /* per page: free-list links of free block heads */
	uint32_t head[PM_ORDERS]; /* free list per order, PM_NIL when empty */
	uint64_t bytes;           /* allocated, in whole blocks */
	uint64_t blocks;          /* live allocations */
};

/* ---- small helpers --------------------------------------------------- */

static int pm_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* The order of the smallest block holding @bytes (1 <= bytes <= 2^63). */
static unsigned int pm_order(uint64_t bytes)
{
	unsigned int order = 0;

	while ((PM_PAGE << order) < bytes)
		order++;
	return order;
}

static uint64_t pm_len(unsigned int order)
{
	return PM_PAGE << order;
}

static uint64_t pm_addr(const struct genpt_physmem *pm, uint32_t idx)
{
	return pm->base + ((uint64_t)idx << PM_PAGE_SHIFT);
}

static uint32_t pm_idx(const struct genpt_physmem *pm, uint64_t pa)
{
	return (uint32_t)((pa - pm->base) >> PM_PAGE_SHIFT);
}

/* True when [pa, pa + len) lies inside the simulated memory. */
static int pm_contains(const struct genpt_physmem *pm, uint64_t pa, uint64_t len)
{
	uint64_t off = pa - pm->base; /* wraps to huge when pa < base */

	return off < pm->size && len <= pm->size - off;
}

static void *pm_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void pm_unmap(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

/* ---- free lists (caller holds the lock) ------------------------------ */

static void pm_push(struct genpt_physmem *pm, uint32_t idx, unsigned int order)
{
	uint32_t first = pm->head[order];

	pm->links[idx].next = first;
	pm->links[idx].prev = PM_NIL;
	if (first != PM_NIL)
		pm->links[first].prev = idx;
	pm->head[order] = idx;
	pm->state[idx] = (uint8_t)(PM_ST_FREE | order);
}

static void pm_unlink(struct genpt_physmem *pm, uint32_t idx, unsigned int order)
{
	struct pm_link l = pm->links[idx];

	if (l.prev != PM_NIL)
		pm->links[l.prev].next = l.next;
	else
		pm->head[order] = l.next;
	if (l.next != PM_NIL)
		pm->links[l.next].prev = l.prev;
	pm->state[idx] = 0;
}

/*
 * Carve the whole space into the largest naturally aligned blocks that fit,
 * left to right.  At most ~2 blocks per order, so this touches only a few
 * metadata pages even for huge physmems.
 */
static void pm_seed(struct genpt_physmem *pm)
{
	uint64_t off = 0;
	unsigned int order;

	for (order = 0; order < PM_ORDERS; order++)
		pm->head[order] = PM_NIL;
	while (off < pm->size) {
		uint64_t addr = pm->base + off;

		order = 0;
		while (order + 1 < PM_ORDERS &&
		       (addr & (pm_len(order + 1) - 1)) == 0 &&
		       pm_len(order + 1) <= pm->size - off)
			order++;
		pm_push(pm, pm_idx(pm, addr), order);
		off += pm_len(order);
	}
}

/*
 * Slow path for an alignment larger than the block: a free block of order
 * @order..@below-1 that happens to sit at an @align-aligned address (e.g.
 * base is not aligned to @align and no block of the alignment's order
 * exists).  Linear in the list lengths; only used when the fast path fails.
 */
static uint32_t pm_find_aligned(const struct genpt_physmem *pm,
				unsigned int order, unsigned int below,
				uint64_t align, unsigned int *found)
{
	unsigned int o;
	uint32_t idx;

	for (o = order; o < below && o < PM_ORDERS; o++) {
		for (idx = pm->head[o]; idx != PM_NIL; idx = pm->links[idx].next) {
			if ((pm_addr(pm, idx) & (align - 1)) == 0) {
				*found = o;
				return idx;
			}
		}
	}
	return PM_NIL;
}

/*
 * Take a free block of @order at an address aligned to @align (a power of
 * two >= 4 KiB).  Any block of order >= log2(align) is aligned, so take the
 * smallest such block and split it down, keeping the low half each time
 * (which keeps the start, hence the alignment).
 */
static int pm_take(struct genpt_physmem *pm, unsigned int order, uint64_t align,
		   uint32_t *out)
{
	unsigned int want = pm_order(align);
	unsigned int have;
	uint32_t idx = PM_NIL;

	if (want < order)
		want = order;
	for (have = want; have < PM_ORDERS; have++) {
		if (pm->head[have] != PM_NIL) {
			idx = pm->head[have];
			break;
		}
	}
	if (idx == PM_NIL)
		idx = pm_find_aligned(pm, order, want, align, &have);
	if (idx == PM_NIL)
		return -ENOMEM;

	pm_unlink(pm, idx, have);
	while (have > order) {
		have--;
		/* have < 32: the block fits in < 2^32 pages */
		pm_push(pm, idx + ((uint32_t)1 << have), have);
	}
	pm->state[idx] = (uint8_t)(PM_ST_ALLOC | order);
	*out = idx;
	return 0;
}

/*
 * Free block @idx of @order and merge it with its buddy as long as the
 * buddy is free, of the same order and inside the space.
 */
static void pm_release(struct genpt_physmem *pm, uint32_t idx, unsigned int order)
{
	pm->state[idx] = 0;
	while (order + 1 < PM_ORDERS) {
		uint64_t len = pm_len(order);
		uint64_t buddy = pm_addr(pm, idx) ^ len;
		uint32_t bidx;

		if (!pm_contains(pm, buddy, len))
			break;
		bidx = pm_idx(pm, buddy);
		if (pm->state[bidx] != (PM_ST_FREE | order))
			break;
		pm_unlink(pm, bidx, order); /* also clears its head byte */
		if (bidx < idx)
			idx = bidx;
		order++;
	}
	pm_push(pm, idx, order);
}

/*
 * Make a block zero again so the next allocation needs no memset.  Big
 * blocks drop their host pages instead (the kernel hands back zero pages
 * on the next touch, and the memory goes back to the host); only the parts
 * not covering whole host pages are cleared by hand, which matters when the
 * host page is bigger than 4 KiB or base is not host-page aligned.
 */
/*
 * Whether MADV_DONTNEED really hands back zero pages here.  Linux does;
 * qemu-user (Debian 12's 7.2) answers 0 and does nothing, which would hand
 * out stale memory and never release it.  Probed once per process.
 */
static pthread_once_t pm_probe_once = PTHREAD_ONCE_INIT;
static bool pm_dontneed_zeroes;

static void pm_probe_dontneed(void)
{
	long hp = sysconf(_SC_PAGESIZE);
	volatile unsigned char *q;
	void *m;

	if (hp <= 0)
		return;
	m = mmap(NULL, (size_t)hp, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return;
	q = m;
	q[0] = 0xa5;
	pm_dontneed_zeroes = madvise(m, (size_t)hp, MADV_DONTNEED) == 0 && q[0] == 0;
	munmap(m, (size_t)hp);
}

static void pm_zero(const struct genpt_physmem *pm, uint64_t off, uint64_t len)
{
	unsigned char *p = pm->host + off;
	uintptr_t start, end, hp = pm->host_page;

	pthread_once(&pm_probe_once, pm_probe_dontneed);
	if (len >= PM_ZAP_MIN && pm_dontneed_zeroes) {
		start = ((uintptr_t)p + hp - 1) & ~(hp - 1);
		end = ((uintptr_t)p + (size_t)len) & ~(hp - 1);
		if (end > start &&
		    madvise(p + (start - (uintptr_t)p), end - start, MADV_DONTNEED) == 0) {
			memset(p, 0, start - (uintptr_t)p);
			memset(p + (end - (uintptr_t)p), 0, (uintptr_t)p + (size_t)len - end);
			return;
		}
	}
	memset(p, 0, (size_t)len);
}

/* ---- public API ------------------------------------------------------ */

static void pm_teardown(struct genpt_physmem *pm)
{
	pm_unmap(pm->host, (size_t)pm->size);
	pm_unmap(pm->state, pm->meta_state_len);
	pm_unmap(pm->links, pm->meta_link_len);
	free(pm);
}

GENPT_API int genpt_physmem_create(uint64_t base, uint64_t size,
				   struct genpt_physmem **out)
{
	struct genpt_physmem *pm;
	uint64_t pages;
	long hp;

	if (!out || size == 0 || ((base | size) & (PM_PAGE - 1)) ||
	    size > UINT64_MAX - base)
		return -EINVAL;
	pages = size >> PM_PAGE_SHIFT;
	if (pages > PM_MAX_PAGES)
		return -EINVAL;
	/* A 32-bit host cannot map it (nor its metadata). */
	if ((uint64_t)(size_t)size != size ||
	    pages > SIZE_MAX / sizeof(struct pm_link))
		return -ENOMEM;
	hp = sysconf(_SC_PAGESIZE);
	if (hp <= 0 || !pm_is_pow2((uint64_t)hp))
		hp = 4096;

	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->base = base;
	pm->size = size;
	pm->host_page = (size_t)hp;
	pm->meta_state_len = (size_t)pages;
	pm->meta_link_len = (size_t)pages * sizeof(struct pm_link);
	pm->host = pm_map((size_t)size);
	pm->state = pm_map(pm->meta_state_len);
	pm->links = pm_map(pm->meta_link_len);
	if (!pm->host || !pm->state || !pm->links) {
		pm_teardown(pm);
		return -ENOMEM;
	}
	if (pthread_mutex_init(&pm->lock, NULL) != 0) {
		pm_teardown(pm);
		return -ENOMEM;
	}
	pm_seed(pm);
	*out = pm;
	return 0;
}

GENPT_API void genpt_physmem_destroy(struct genpt_physmem *pm)
{
	if (!pm)
		return;
	pthread_mutex_destroy(&pm->lock);
	pm_teardown(pm);
}

GENPT_API int genpt_physmem_alloc(struct genpt_physmem *pm, uint64_t size,
				  uint64_t align, uint64_t *pa)
{
	unsigned int order;
	uint32_t idx;
	int ret;

	if (!pm || !pa || size == 0 || size > PM_MAX_BLOCK || !pm_is_pow2(align))
		return -EINVAL;
	order = pm_order(size);
	if (align < PM_PAGE)
		align = PM_PAGE;
	if (pm_len(order) > pm->size)
		return -ENOMEM;

	pthread_mutex_lock(&pm->lock);
	ret = pm_take(pm, order, align, &idx);
	if (ret == 0) {
		pm->bytes += pm_len(order);
		pm->blocks++;
	}
	pthread_mutex_unlock(&pm->lock);
	if (ret == 0)
		*pa = pm_addr(pm, idx);
	return ret;
}

GENPT_API int genpt_physmem_free(struct genpt_physmem *pm, uint64_t pa,
				 uint64_t size)
{
	unsigned int order;
	uint64_t len;
	uint32_t idx;

	if (!pm || size == 0 || size > PM_MAX_BLOCK)
		return -EINVAL;
	order = pm_order(size);
	len = pm_len(order);
	/* Every block is naturally aligned and inside the space. */
	if ((pa & (len - 1)) || !pm_contains(pm, pa, len))
		return -EINVAL;
	idx = pm_idx(pm, pa);

	pthread_mutex_lock(&pm->lock);
	if (pm->state[idx] != (PM_ST_ALLOC | order)) {
		/* not a live block head, or allocated with another size */
		pthread_mutex_unlock(&pm->lock);
		return -EINVAL;
	}
	pm_zero(pm, pa - pm->base, len);
	pm->bytes -= len;
	pm->blocks--;
	pm_release(pm, idx, order);
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

/* Hot path (hardware models walk tables through it): no lock, no call. */
GENPT_API void *genpt_physmem_ptr(struct genpt_physmem *pm, uint64_t pa)
{
	uint64_t off;

	if (!pm)
		return NULL;
	off = pa - pm->base; /* wraps to huge when pa < base */
	return off < pm->size ? pm->host + off : NULL;
}

GENPT_API int genpt_physmem_stats(struct genpt_physmem *pm, uint64_t *bytes,
				  uint64_t *blocks)
{
	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	if (bytes)
		*bytes = pm->bytes;
	if (blocks)
		*blocks = pm->blocks;
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

int genpt_physmem_linear(const struct genpt_physmem *pm, uint64_t *base,
			 uintptr_t *host_base, uint64_t *size)
{
	if (!pm)
		return -EINVAL;
	if (base)
		*base = pm->base;
	if (host_base)
		*host_base = (uintptr_t)pm->host;
	if (size)
		*size = pm->size;
	return 0;
}

/* ---- genpt_mem_ops over a physmem ------------------------------------ */

static void *pm_ops_alloc(void *ctx, size_t size, size_t align, uint64_t *pa)
{
	struct genpt_physmem *pm = ctx;
	uint64_t p;

	/* The mem_ops contract: align is a power of two of at least 4 KiB. */
	if (!pm || !pa || align < PM_PAGE || !pm_is_pow2(align))
		return NULL;
	if (genpt_physmem_alloc(pm, size, align, &p) != 0)
		return NULL;
	*pa = p;
	return pm->host + (p - pm->base);
}

static void pm_ops_free(void *ctx, void *va, size_t size)
{
	struct genpt_physmem *pm = ctx;
	uintptr_t off;

	if (!pm || !va)
		return;
	off = (uintptr_t)va - (uintptr_t)pm->host;
	if ((uint64_t)off >= pm->size)
		return; /* not ours; nothing sane to do in a void callback */
	(void)genpt_physmem_free(pm, pm->base + off, size);
}

static void *pm_ops_phys_to_virt(void *ctx, uint64_t pa)
{
	return genpt_physmem_ptr(ctx, pa);
}

GENPT_API const struct genpt_mem_ops genpt_physmem_ops = {
	.alloc = pm_ops_alloc,
	.free = pm_ops_free,
	.phys_to_virt = pm_ops_phys_to_virt,
};
