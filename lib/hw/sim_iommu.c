// SPDX-License-Identifier: MIT
/*
 * hw/sim_iommu.c - a simulated IOMMU over any format's reference walk
 * (genpt/sim_iommu.h): an IOTLB that caches translations with their dirty
 * state, DMA that translates and copies page by page, and invalidation that
 * completes only when the DMA that used the dropped translations is done.
 *
 * Hosted code (threads): the freestanding archive, which also compiles
 * lib/hw for genpt_hw_access(), gets nothing from this file.
 *
 * IOTLB: power-of-two sets of 8 ways, one mutex per set, LRU by a per-set
 * clock.  An entry maps one 4 KiB IOVA page and records the accesses its
 * walks succeeded for (R, W, X).  W is set only by a successful write walk,
 * which leaves the entry write-dirty (tracking on: the walk set D or found
 * it set; tracking off: writable leaves are always write-dirty), so a
 * write hit never needs to touch the table - the hardware behaviour behind
 * the dirty-tracking hazard.
 *
 * Invalidation against fills: an invalidation bumps @gen before it sweeps
 * the sets; a walker samples @gen before walking and fills, under the set
 * lock, only if it is unchanged.  So a walk that read the table before the
 * invalidation (e.g. saw D set before a harvest cleaned it) never leaves its
 * translation cached after the sweep.
 *
 * Invalidation against DMA in flight (the completion guarantee): each page
 * transfer counts itself in dma_active[dma_epoch & 1] from before its IOTLB
 * lookup until its data is written.  After the sweep, the invalidation
 * advances the epoch and waits for the old slot to drain.  A transfer that
 * could have used a dropped translation looked it up before the sweep,
 * hence entered before the epoch advanced, hence is waited for; one that
 * enters later finds only translations walked after the sweep began.
 */
#ifndef GENPT_FREESTANDING

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/hw.h"
#include "genpt/sim_iommu.h"
#include "hw/dma_copy.h"
#include "hw/sim_psc.h"
#include "hw/walk_cache.h"

#define SIM_WAYS 8
#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE (1ull << SIM_PAGE_SHIFT)

/* access bits of an entry */
#define SIM_R 1u
#define SIM_W 2u /* written through: write-dirty */
#define SIM_X 4u

struct sim_entry {
	uint64_t vpn;
	uint64_t ppn;
	uint64_t stamp;
	unsigned int perm; /* 0 = invalid */
};

struct sim_set {
	pthread_mutex_t lock;
	uint64_t clock;
	struct sim_entry way[SIM_WAYS];
};

struct genpt_sim_iommu {
	struct genpt *pt;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	unsigned int nsets; /* power of two */
	struct sim_set *set;
	struct sim_psc *psc;    /* paging-structure cache, or NULL */

	uint64_t gen;           /* atomic: invalidations begun */
	uint64_t dma_epoch;     /* atomic */
	uint64_t dma_active[2]; /* atomic */
	pthread_mutex_t inval_lock;

	/* statistics, relaxed atomics */
	uint64_t st_pages, st_hits, st_misses, st_faults, st_stale, st_inval,
		st_dropped;
};

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static unsigned int access_bit(unsigned int access)
{
	return access == GENPT_ACCESS_WRITE ? SIM_W :
	       access == GENPT_ACCESS_EXEC ? SIM_X : SIM_R;
}

static struct sim_set *set_of(struct genpt_sim_iommu *s, uint64_t vpn)
{
	uint64_t h = vpn * 0x9e3779b97f4a7c15ull;

	return &s->set[(h >> 32) & (s->nsets - 1)];
}

GENPT_API int genpt_sim_iommu_create(const struct genpt_sim_iommu_config *cfg,
				     struct genpt_sim_iommu **out)
{
	struct genpt_sim_iommu *s;
	unsigned int want, nsets = 1;

	if (!cfg || !out || !cfg->table || !cfg->mem || !cfg->mem->phys_to_virt ||
	    cfg->iotlb_entries > (1u << 20))
		return -EINVAL;
	want = cfg->iotlb_entries ? cfg->iotlb_entries : 1024;
	while (nsets * SIM_WAYS < want)
		nsets *= 2;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->set = calloc(nsets, sizeof(*s->set));
	if (!s->set || pthread_mutex_init(&s->inval_lock, NULL)) {
		free(s->set);
		free(s);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < nsets; i++) {
		if (pthread_mutex_init(&s->set[i].lock, NULL)) {
			while (i--)
				pthread_mutex_destroy(&s->set[i].lock);
			pthread_mutex_destroy(&s->inval_lock);
			free(s->set);
			free(s);
			return -ENOMEM;
		}
	}
	s->pt = cfg->table;
	s->mem = cfg->mem;
	s->mem_ctx = cfg->mem_ctx;
	s->nsets = nsets;
	*out = s;
	return 0;
}

GENPT_API void genpt_sim_iommu_destroy(struct genpt_sim_iommu *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->nsets; i++)
		pthread_mutex_destroy(&s->set[i].lock);
	pthread_mutex_destroy(&s->inval_lock);
	sim_psc_destroy(s->psc);
	free(s->set);
	free(s);
}

GENPT_API int genpt_sim_iommu_set_walk_cache(struct genpt_sim_iommu *s,
					     unsigned int entries)
{
	struct sim_psc *c = NULL;

	if (!s || entries > 4096)
		return -EINVAL;
	if (entries) {
		c = sim_psc_create(entries);
		if (!c)
			return -ENOMEM;
	}
	sim_psc_destroy(s->psc);
	s->psc = c;
	return 0;
}

/* An IOTLB miss: the reference walk, through the walk cache if any. */
static int sim_walk(struct genpt_sim_iommu *s, uint64_t va, unsigned int access,
		    uint64_t gen, uint64_t *oa)
{
	struct genpt_psc_walk w = { .start_valid = false };
	int err;

	if (!s->psc)
		return genpt_hw_access(s->pt, va, access, oa);
	sim_psc_lookup(s->psc, va, &w);
	err = genpt_hw_access_psc(s->pt, va, access, oa, &w);
	if (!err)
		sim_psc_fill(s->psc, va, &w, &s->gen, gen);
	return err;
}

/* A cached translation of @vpn good for @bit: its ppn in *@ppn. */
static bool tlb_lookup(struct genpt_sim_iommu *s, uint64_t vpn, unsigned int bit,
		       uint64_t *ppn)
{
	struct sim_set *set = set_of(s, vpn);
	bool hit = false;

	pthread_mutex_lock(&set->lock);
	for (unsigned int w = 0; w < SIM_WAYS; w++) {
		struct sim_entry *e = &set->way[w];

		if (e->perm && e->vpn == vpn) {
			if (e->perm & bit) {
				*ppn = e->ppn;
				e->stamp = ++set->clock;
				hit = true;
			}
			break;
		}
	}
	pthread_mutex_unlock(&set->lock);
	return hit;
}

/* Cache a translation walked after @gen was sampled, unless an
 * invalidation began since. */
static void tlb_fill(struct genpt_sim_iommu *s, uint64_t gen, uint64_t vpn,
		     uint64_t ppn, unsigned int bit)
{
	struct sim_set *set = set_of(s, vpn);
	struct sim_entry *victim = NULL;

	pthread_mutex_lock(&set->lock);
	if (__atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) != gen) {
		pthread_mutex_unlock(&set->lock);
		stat_add(&s->st_stale, 1);
		return;
	}
	for (unsigned int w = 0; w < SIM_WAYS; w++) {
		struct sim_entry *e = &set->way[w];

		if (e->perm && e->vpn == vpn) {
			/* The same leaf walked again (same gen, so nothing
			 * invalidated it): add the new access. */
			if (e->ppn == ppn) {
				e->perm |= bit;
			} else {
				e->ppn = ppn;
				e->perm = bit;
			}
			e->stamp = ++set->clock;
			pthread_mutex_unlock(&set->lock);
			return;
		}
		if (!e->perm) {
			if (!victim || victim->perm)
				victim = e;
		} else if (!victim || (victim->perm && e->stamp < victim->stamp)) {
			victim = e;
		}
	}
	*victim = (struct sim_entry){ .vpn = vpn, .ppn = ppn, .perm = bit,
				      .stamp = ++set->clock };
	pthread_mutex_unlock(&set->lock);
}

/* ------------------------------------------------------- DMA in flight -- */

static unsigned int dma_enter(struct genpt_sim_iommu *s)
{
	for (;;) {
		uint64_t e = __atomic_load_n(&s->dma_epoch, __ATOMIC_SEQ_CST);

		__atomic_fetch_add(&s->dma_active[e & 1], 1, __ATOMIC_SEQ_CST);
		/* Unchanged: an invalidation advancing the epoch from now on
		 * sees this count (seq_cst orders the increment before its
		 * load of the slot).  Otherwise count in the new epoch. */
		if (__atomic_load_n(&s->dma_epoch, __ATOMIC_SEQ_CST) == e)
			return (unsigned int)(e & 1);
		__atomic_fetch_sub(&s->dma_active[e & 1], 1, __ATOMIC_RELEASE);
	}
}

static void dma_exit(struct genpt_sim_iommu *s, unsigned int slot)
{
	/* release: the data is visible to whoever sees the slot drain */
	__atomic_fetch_sub(&s->dma_active[slot], 1, __ATOMIC_RELEASE);
}

/* Wait for every transfer that entered before this call (inval_lock held). */
static void dma_quiesce(struct genpt_sim_iommu *s)
{
	uint64_t e = __atomic_fetch_add(&s->dma_epoch, 1, __ATOMIC_SEQ_CST);

	while (__atomic_load_n(&s->dma_active[e & 1], __ATOMIC_ACQUIRE))
		sched_yield();
}


GENPT_API int genpt_sim_iommu_dma(struct genpt_sim_iommu *s, uint64_t iova,
				  void *buf, size_t len, unsigned int access)
{
	unsigned char *b = buf;
	unsigned int bit;

	if (!s || (!buf && len) || access < GENPT_ACCESS_READ ||
	    access > GENPT_ACCESS_EXEC)
		return -EINVAL;
	if (len && (uint64_t)len - 1 > UINT64_MAX - iova)
		return -EINVAL;
	bit = access_bit(access);
	while (len) {
		uint64_t vpn = iova >> SIM_PAGE_SHIFT, off = iova & (SIM_PAGE_SIZE - 1);
		size_t chunk = (size_t)(SIM_PAGE_SIZE - off);
		unsigned int slot = dma_enter(s);
		unsigned char *p;
		uint64_t ppn;

		if (chunk > len)
			chunk = len;
		if (tlb_lookup(s, vpn, bit, &ppn)) {
			stat_add(&s->st_hits, 1);
		} else {
			uint64_t gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE), oa;
			int err = sim_walk(s, vpn << SIM_PAGE_SHIFT, access, gen, &oa);

			stat_add(&s->st_misses, 1);
			if (err) {
				dma_exit(s, slot);
				stat_add(&s->st_faults, 1);
				return err;
			}
			ppn = oa >> SIM_PAGE_SHIFT;
			tlb_fill(s, gen, vpn, ppn, bit);
		}
		p = s->mem->phys_to_virt(s->mem_ctx, (ppn << SIM_PAGE_SHIFT) | off);
		if (!p) {
			dma_exit(s, slot);
			stat_add(&s->st_faults, 1);
			return -EFAULT;
		}
		genpt_dma_copy(p, b, chunk, access == GENPT_ACCESS_WRITE);
		dma_exit(s, slot);
		stat_add(&s->st_pages, 1);
		b += chunk;
		len -= chunk;
		iova += chunk;
	}
	return 0;
}

GENPT_API int genpt_sim_iommu_invalidate(struct genpt_sim_iommu *s,
					 uint64_t first, uint64_t last)
{
	uint64_t fv, lv, dropped = 0;

	if (!s || first > last)
		return -EINVAL;
	fv = first >> SIM_PAGE_SHIFT;
	lv = last >> SIM_PAGE_SHIFT;
	pthread_mutex_lock(&s->inval_lock);
	/* Fills that walked before this point are refused from now on. */
	__atomic_fetch_add(&s->gen, 1, __ATOMIC_SEQ_CST);
	if (lv - fv >= (uint64_t)s->nsets * SIM_WAYS) {
		/* Wider than the IOTLB: sweep every set. */
		for (unsigned int i = 0; i < s->nsets; i++) {
			struct sim_set *set = &s->set[i];

			pthread_mutex_lock(&set->lock);
			for (unsigned int w = 0; w < SIM_WAYS; w++) {
				struct sim_entry *e = &set->way[w];

				if (e->perm && e->vpn >= fv && e->vpn <= lv) {
					e->perm = 0;
					dropped++;
				}
			}
			pthread_mutex_unlock(&set->lock);
		}
	} else {
		for (uint64_t vpn = fv;; vpn++) {
			struct sim_set *set = set_of(s, vpn);

			pthread_mutex_lock(&set->lock);
			for (unsigned int w = 0; w < SIM_WAYS; w++) {
				struct sim_entry *e = &set->way[w];

				if (e->perm && e->vpn == vpn) {
					e->perm = 0;
					dropped++;
				}
			}
			pthread_mutex_unlock(&set->lock);
			if (vpn == lv)
				break;
		}
	}
	if (s->psc)
		dropped += sim_psc_invalidate(s->psc, first, last);
	/* Completion: the DMA that may have used what was dropped is done. */
	dma_quiesce(s);
	pthread_mutex_unlock(&s->inval_lock);
	stat_add(&s->st_inval, 1);
	stat_add(&s->st_dropped, dropped);
	return 0;
}

GENPT_API int genpt_sim_iommu_stats(struct genpt_sim_iommu *s,
				    struct genpt_sim_iommu_stats *out)
{
	if (!s || !out)
		return -EINVAL;
	*out = (struct genpt_sim_iommu_stats){
		.dma_pages = __atomic_load_n(&s->st_pages, __ATOMIC_RELAXED),
		.iotlb_hits = __atomic_load_n(&s->st_hits, __ATOMIC_RELAXED),
		.iotlb_misses = __atomic_load_n(&s->st_misses, __ATOMIC_RELAXED),
		.faults = __atomic_load_n(&s->st_faults, __ATOMIC_RELAXED),
		.stale_fills = __atomic_load_n(&s->st_stale, __ATOMIC_RELAXED),
		.invalidations = __atomic_load_n(&s->st_inval, __ATOMIC_RELAXED),
		.dropped = __atomic_load_n(&s->st_dropped, __ATOMIC_RELAXED),
	};
	return 0;
}

#else /* GENPT_FREESTANDING */
/* ISO C wants a declaration in every translation unit. */
typedef int genpt_sim_iommu_hosted_only;
#endif
