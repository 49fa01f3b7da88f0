// SPDX-License-Identifier: MIT
/*
 * riscv_iommu/cache.c - the model's IOMMU address translation caches
 * (spec "Caching in-memory data structures"):
 *
 *  - a device-directory cache holding device contexts (tagged by device_id)
 *    and process contexts (device_id, process_id), invalidated by
 *    IODIR.INVAL_DDT / IODIR.INVAL_PDT;
 *  - an IOTLB of whole translations IOVA -> PA, tagged by GSCID (when the
 *    G-stage is active) and PSCID (when the first stage is active), never by
 *    device, invalidated by IOTINVAL.VMA / IOTINVAL.GVMA.  Each entry keeps
 *    the dirty state it was filled with: a write that hits an entry cached
 *    dirty needs no PTE update, which is the behaviour that makes a cleaned
 *    dirty bit untrustworthy until the translation is invalidated.
 *
 * Neither cache ever holds an entry whose V bit was clear (the spec forbids
 * it): only walks that succeeded fill them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rvi_internal.h"
#include "../model_sets.h"

/* ---------------------------------------------------- directory cache -- */

int genpt_rvi_dcc_init(struct rvi_dcc *c, unsigned int n)
{
	memset(c, 0, sizeof(*c));
	c->e = calloc(n, sizeof(*c->e));
	if (!c->e)
		return -ENOMEM;
	c->n = n;
	if (pthread_mutex_init(&c->lock, NULL)) {
		free(c->e);
		return -ENOMEM;
	}
	return 0;
}

void genpt_rvi_dcc_fini(struct rvi_dcc *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c->e);
}

uint64_t genpt_rvi_dcc_gen(struct rvi_dcc *c)
{
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

static bool dcc_match(const struct rvi_dcc_entry *e, bool is_pc, uint32_t did,
		      uint32_t pid)
{
	return e->valid && e->is_pc == is_pc && e->did == did &&
	       (!is_pc || e->pid == pid);
}

bool genpt_rvi_dcc_lookup(struct rvi_dcc *c, bool is_pc, uint32_t did,
			  uint32_t pid, uint64_t *w, unsigned int nw)
{
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct rvi_dcc_entry *e = &c->e[i];

		if (dcc_match(e, is_pc, did, pid)) {
			memcpy(w, e->w, nw * sizeof(*w));
			e->stamp = ++c->clock;
			hit = true;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void genpt_rvi_dcc_insert(struct rvi_dcc *c, uint64_t gen, bool is_pc,
			  uint32_t did, uint32_t pid, const uint64_t *w,
			  unsigned int nw)
{
	struct rvi_dcc_entry *victim = NULL;

	pthread_mutex_lock(&c->lock);
	/* An invalidation ran since the filler read memory: drop the fill. */
	if (__atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) != gen)
		goto out;
	for (unsigned int i = 0; i < c->n; i++) {
		struct rvi_dcc_entry *e = &c->e[i];

		if (dcc_match(e, is_pc, did, pid)) {
			victim = e; /* another thread filled it meanwhile */
			break;
		}
		if (!victim || !e->valid ||
		    (victim->valid && e->stamp < victim->stamp))
			victim = e;
	}
	if (!victim)
		goto out;
	memset(victim, 0, sizeof(*victim));
	victim->valid = true;
	victim->is_pc = is_pc;
	victim->did = did;
	victim->pid = pid;
	memcpy(victim->w, w, nw * sizeof(*w));
	victim->stamp = ++c->clock;
out:
	pthread_mutex_unlock(&c->lock);
}

void genpt_rvi_dcc_inval_ddt(struct rvi_dcc *c, bool dv, uint32_t did)
{
	pthread_mutex_lock(&c->lock);
	__atomic_fetch_add(&c->gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < c->n; i++)
		if (!dv || c->e[i].did == did)
			c->e[i].valid = false;
	pthread_mutex_unlock(&c->lock);
}

void genpt_rvi_dcc_inval_pdt(struct rvi_dcc *c, uint32_t did, uint32_t pid)
{
	pthread_mutex_lock(&c->lock);
	__atomic_fetch_add(&c->gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < c->n; i++)
		if (dcc_match(&c->e[i], true, did, pid))
			c->e[i].valid = false;
	pthread_mutex_unlock(&c->lock);
}

/* --------------------------------------------------------------- IOTLB -- */

int genpt_rvi_tlb_init(struct rvi_tlb *t, unsigned int entries)
{
	memset(t, 0, sizeof(*t));
	t->set = model_sets_alloc(sizeof(*t->set), offsetof(struct rvi_tlb_set, lock), entries,
				  RVI_TLB_WAYS, &t->nsets);
	return t->set ? 0 : -ENOMEM;
}

void genpt_rvi_tlb_fini(struct rvi_tlb *t)
{
	model_sets_free(t->set, sizeof(*t->set), offsetof(struct rvi_tlb_set, lock), t->nsets);
}

uint64_t genpt_rvi_tlb_gen(struct rvi_tlb *t)
{
	return __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
}

/* Set of a translation of size 2^@shift holding @iova under @tag. */
static struct rvi_tlb_set *tlb_set_of(struct rvi_tlb *t,
				      const struct rvi_tlb_tag *tag,
				      uint64_t iova, unsigned int shift)
{
	uint64_t h = (iova >> shift) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)tag->gscid << 1 | tag->gv) * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)shift * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	return &t->set[h & (t->nsets - 1)];
}

/*
 * Does @e translate @iova for @tag?  A global first-stage entry serves every
 * PSCID of its GSCID (RISC-V G mappings exist in every address space).
 */
static bool tlb_match(const struct rvi_tlb_entry *e,
		      const struct rvi_tlb_tag *tag, uint64_t iova)
{
	if (!(e->flags & RVI_TLB_VALID))
		return false;
	if (!!(e->flags & RVI_TLB_GV) != tag->gv ||
	    !!(e->flags & RVI_TLB_PSCV) != tag->pscv)
		return false;
	if (tag->gv && e->gscid != tag->gscid)
		return false;
	if (tag->pscv && e->pscid != tag->pscid && !(e->flags & RVI_TLB_GLOBAL))
		return false;
	return (iova >> e->shift) == (e->va >> e->shift);
}

bool genpt_rvi_tlb_lookup(struct rvi_tlb *t, const struct rvi_tlb_tag *tag,
			  uint64_t iova, struct rvi_tlb_entry *out)
{
	uint64_t shifts = __atomic_load_n(&t->shifts, __ATOMIC_ACQUIRE);

	/* One probe per translation size ever cached. */
	while (shifts) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);
		struct rvi_tlb_set *s = tlb_set_of(t, tag, iova, shift);
		bool hit = false;

		shifts &= shifts - 1;
		pthread_mutex_lock(&s->lock);
		for (unsigned int i = 0; i < RVI_TLB_WAYS; i++) {
			struct rvi_tlb_entry *e = &s->way[i];

			if (e->shift == shift && tlb_match(e, tag, iova)) {
				e->stamp = ++s->clock;
				*out = *e;
				hit = true;
				break;
			}
		}
		pthread_mutex_unlock(&s->lock);
		if (hit)
			return true;
	}
	return false;
}

void genpt_rvi_tlb_insert(struct rvi_tlb *t, uint64_t gen,
			  const struct rvi_tlb_entry *e)
{
	struct rvi_tlb_tag tag = {
		.gv = e->flags & RVI_TLB_GV,
		.pscv = e->flags & RVI_TLB_PSCV,
		.gscid = e->gscid,
		.pscid = e->pscid,
	};
	struct rvi_tlb_set *s = tlb_set_of(t, &tag, e->va, e->shift);
	struct rvi_tlb_entry *victim = NULL;

	__atomic_fetch_or(&t->shifts, 1ull << e->shift, __ATOMIC_RELEASE);
	pthread_mutex_lock(&s->lock);
	if (__atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) != gen)
		goto out; /* invalidated while the walk ran: drop it */
	for (unsigned int i = 0; i < RVI_TLB_WAYS; i++) {
		struct rvi_tlb_entry *w = &s->way[i];

		/* The same translation filled by another thread: replace it
		 * (the newer walk saw the newer PTE state). */
		if ((w->flags & RVI_TLB_VALID) && w->shift == e->shift &&
		    w->pscid == e->pscid && tlb_match(w, &tag, e->va)) {
			victim = w;
			break;
		}
		if (!victim || !(w->flags & RVI_TLB_VALID) ||
		    ((victim->flags & RVI_TLB_VALID) && w->stamp < victim->stamp))
			victim = w;
	}
	*victim = *e;
	victim->flags |= RVI_TLB_VALID;
	victim->stamp = ++s->clock;
out:
	pthread_mutex_unlock(&s->lock);
}

/* Remove every entry @pred selects; bump the generation first. */
static void tlb_sweep(struct rvi_tlb *t,
		      bool (*pred)(const struct rvi_tlb_entry *, const void *),
		      const void *arg)
{
	__atomic_fetch_add(&t->gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < t->nsets; i++) {
		struct rvi_tlb_set *s = &t->set[i];

		pthread_mutex_lock(&s->lock);
		for (unsigned int j = 0; j < RVI_TLB_WAYS; j++)
			if ((s->way[j].flags & RVI_TLB_VALID) && pred(&s->way[j], arg))
				s->way[j].flags = 0;
		pthread_mutex_unlock(&s->lock);
	}
}

struct tlb_inval {
	bool gv, pscv, av;
	uint16_t gscid;
	uint32_t pscid;
	uint64_t addr;
};

static bool in_range(uint64_t addr, uint64_t base, unsigned int shift)
{
	return (addr >> shift) == (base >> shift);
}

/*
 * IOTINVAL.VMA (spec table "IOTINVAL.VMA operands and operations"):
 * GV selects host (second stage Bare) or the VM of GSCID; PSCV restricts to
 * one PSCID and spares global entries; AV restricts to the entries holding
 * IOVA ADDR.  Entries of a Bare first stage hold no first-stage
 * information; they go with the GSCID-wide forms only (removing more than
 * required is always allowed).
 */
static bool pred_vma(const struct rvi_tlb_entry *e, const void *arg)
{
	const struct tlb_inval *iv = arg;

	if (!!(e->flags & RVI_TLB_GV) != iv->gv)
		return false;
	if (iv->gv && e->gscid != iv->gscid)
		return false;
	if (iv->pscv) {
		if (!(e->flags & RVI_TLB_PSCV) || e->pscid != iv->pscid ||
		    (e->flags & RVI_TLB_GLOBAL))
			return false;
	}
	if (iv->av && !in_range(iv->addr, e->va, e->shift))
		return false;
	return true;
}

void genpt_rvi_tlb_inval_vma(struct rvi_tlb *t, bool gv, uint16_t gscid,
			     bool pscv, uint32_t pscid, bool av, uint64_t addr)
{
	struct tlb_inval iv = { .gv = gv, .pscv = pscv, .av = av,
				.gscid = gscid, .pscid = pscid, .addr = addr };

	tlb_sweep(t, pred_vma, &iv);
}

/*
 * IOTINVAL.GVMA: GV=0 every VM (G-stage) entry; GV=1 AV=0 the entries of
 * GSCID; GV=1 AV=1 those derived from the G-stage leaf that maps GPA ADDR.
 * Translations of a Bare G-stage are host entries and never affected.
 */
static bool pred_gvma(const struct rvi_tlb_entry *e, const void *arg)
{
	const struct tlb_inval *iv = arg;

	if (!(e->flags & RVI_TLB_GV))
		return false;
	if (!iv->gv)
		return true;
	if (e->gscid != iv->gscid)
		return false;
	return !iv->av || in_range(iv->addr, e->gs_base, e->gs_shift);
}

void genpt_rvi_tlb_inval_gvma(struct rvi_tlb *t, bool gv, uint16_t gscid,
			      bool av, uint64_t addr)
{
	struct tlb_inval iv = { .gv = gv, .av = av, .gscid = gscid, .addr = addr };

	tlb_sweep(t, pred_gvma, &iv);
}
