/* SPDX-License-Identifier: MIT */
/*
 * flushmem.h - a memory provider for a table walker that does not snoop
 * the CPU caches, and the checks that prove genpt flushes what it writes.
 *
 * Two copies of one simulated physical memory: the CPU's (what genpt reads
 * and writes through host pointers, i.e. its caches) and memory (what a
 * non-coherent walker reads).  Only genpt_mem_ops.flush copies bytes from
 * the first to the second: exactly the bytes named, not whole cache lines,
 * so a flush that happens to cover a neighbour hides nothing.  A fresh
 * block's memory copy is poison (a page recycled with stale contents), so
 * a walker that follows a link into a page never flushed reads garbage.
 *
 *  - fm_check(): after an API call, every block genpt ever flushed (the
 *    pages a walker may read; the gather's record pages and the split log
 *    are never flushed) must read the same in both copies: any difference
 *    is a write left unflushed.  It also fails on an ordering error caught
 *    during the call: a flush that made visible an entry pointing at a
 *    block whose two copies still differed (a table linked before it was
 *    flushed), on a flush outside every block, and on a doorbell rung
 *    early (fm_ring()).
 *  - fm_ring(): the driver writes an IOMMU register (a command queue
 *    tail, an enable): from then on the IOMMU may walk, so every write to
 *    a block the walker reads must already be in memory.  An invalidation
 *    issued before the flush of the entry it is for lets the IOMMU re-walk
 *    and cache the old entry, and a later flush of the same bytes (before
 *    fm_check() looks) hides it from every other check.
 *  - fm_hw_access(): the format's hardware doing an access twice, walking
 *    the CPU copy and walking memory (the walker's view); both must agree.
 *    Each walk sets A/D in the copy it reads (hardware updates of A/D
 *    reach the CPU coherently, genpt_mem_ops documents that), so the two
 *    copies stay equal where genpt flushed.
 */
#ifndef GENPT_TEST_FLUSHMEM_H
#define GENPT_TEST_FLUSHMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"

#define FM_BASE (1ull << 46) /* far from every output address the tests map */
#define FM_SIZE (1ull << 28)

struct fm_block {
	uint64_t pa;
	size_t size;
	bool flushed; /* genpt flushed into it: a page the walker reads */
};

struct fm_prov {
	struct genpt_physmem *cpu, *mem;
	bool walker_view;      /* phys_to_virt answers from memory */
	bool riscv_links;      /* table links hold PPN << 10 (else pa bits 47:12) */
	struct fm_block *b;
	size_t n, cap;
	long fail_at;          /* refuse this allocation (index); -1 never */
	long allocs, flushes;
	long bad_flushes;      /* outside every block */
	long order_errors;     /* a link to a block not yet flushed made visible */
	uint64_t order_pa;     /* the first such block */
	long ring_errors;      /* register writes with a write not yet flushed */
	uint64_t ring_pa;      /* the first such write's word */
};

extern const struct genpt_mem_ops fm_ops;

void fm_init(struct fm_prov *p, bool riscv_links);
void fm_fini(struct fm_prov *p);
/* cr_expect that memory equals the CPU copy in every flushed block and
 * that no ordering error, stray flush or early doorbell happened since the
 * last check. */
bool fm_check(struct fm_prov *p, const char *fmt_name, const char *what);
/* Called before each register write of a model: records (for fm_check())
 * a flushed block whose memory copy differs from the CPU's. */
void fm_ring(struct fm_prov *p);
/* genpt_hw_access() on the CPU copy and on memory; cr_expect they agree.
 * Returns the walker's (memory's) result. */
int fm_hw_access(struct fm_prov *p, struct genpt *pt, uint64_t iova,
		 unsigned int access, uint64_t *oa);
/*
 * The RISC-V IOMMU model reads memory only (fm_walker_ops, ctx @p).  What
 * hardware writes (A/D, fault records, the fence word) reaches the CPU
 * coherently: between fm_hw_begin() and fm_hw_end() every word hardware
 * changes in memory is copied to the CPU side.  fm_mmio_ops (ctx a struct
 * fm_mmio) brackets each register access of the model that way.
 */
extern const struct genpt_mem_ops fm_walker_ops;

/* Copy of every live block, of one side. */
struct fm_snap {
	size_t n;
	struct fm_block *b;
	unsigned char **data;
};
void fm_snap_take(const struct fm_prov *p, struct fm_snap *s, bool memory);
void fm_snap_free(struct fm_snap *s);
/* The pa of the one CPU-side word that differs between @s and now; 0 when
 * none or several do. */
uint64_t fm_snap_changed_word(const struct fm_prov *p, const struct fm_snap *s);

void fm_hw_begin(struct fm_prov *p, struct fm_snap *s);
void fm_hw_end(struct fm_prov *p, struct fm_snap *s);

struct fm_mmio {
	const struct genpt_rv_mmio_ops *inner;
	void *inner_ctx;
	struct fm_prov *p;
};
extern const struct genpt_rv_mmio_ops fm_mmio_ops;

/* Host pointers of @pa in the CPU copy and in memory. */
void *fm_cpu(const struct fm_prov *p, uint64_t pa);
void *fm_mem(const struct fm_prov *p, uint64_t pa);

#endif /* GENPT_TEST_FLUSHMEM_H */
