// SPDX-License-Identifier: MIT
/*
 * smmuv3/cache.c - the SMMU model's caches (IHI 0070 "Configuration and
 * translation lookup caches"):
 *
 *  - a configuration cache of STEs (tagged by StreamID) and CDs (StreamID,
 *    SubstreamID), invalidated by CFGI_STE(_RANGE) / CFGI_CD(_ALL);
 *  - a TLB of whole translations input address -> output address, tagged by
 *    VMID (stage 2 in use) and ASID (stage 1 in use, unless the leaf was
 *    global), invalidated by the TLBI commands.  Each entry keeps the dirty
 *    state it was filled with: a write hitting an entry cached dirty does
 *    not touch the descriptor, which is why a harvest that cleaned the
 *    descriptor must invalidate before trusting it.
 *
 * Only walks that succeeded fill the TLB (an SMMU never caches a fault).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "smmu_internal.h"
#include "../model_sets.h"

/* ------------------------------------------------- configuration cache -- */

int genpt_smmu_cfgc_init(struct smmu_cfgc *c, unsigned int n)
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

void genpt_smmu_cfgc_fini(struct smmu_cfgc *c)
{
	pthread_mutex_destroy(&c->lock);
	free(c->e);
}

uint64_t genpt_smmu_cfgc_gen(struct smmu_cfgc *c)
{
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
}

static bool cfg_match(const struct smmu_cfg_entry *e, bool is_cd, uint32_t sid,
		      uint32_t ssid)
{
	return e->valid && e->is_cd == is_cd && e->sid == sid && (!is_cd || e->ssid == ssid);
}

bool genpt_smmu_cfgc_lookup(struct smmu_cfgc *c, bool is_cd, uint32_t sid,
			    uint32_t ssid, uint64_t *w)
{
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < c->n; i++) {
		struct smmu_cfg_entry *e = &c->e[i];

		if (cfg_match(e, is_cd, sid, ssid)) {
			memcpy(w, e->w, sizeof(e->w));
			e->stamp = ++c->clock;
			hit = true;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void genpt_smmu_cfgc_insert(struct smmu_cfgc *c, uint64_t gen, bool is_cd,
			    uint32_t sid, uint32_t ssid, const uint64_t *w)
{
	struct smmu_cfg_entry *victim = NULL;

	pthread_mutex_lock(&c->lock);
	/* An invalidation ran since the filler read memory: drop the fill. */
	if (__atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) != gen)
		goto out;
	for (unsigned int i = 0; i < c->n; i++) {
		struct smmu_cfg_entry *e = &c->e[i];

		if (cfg_match(e, is_cd, sid, ssid)) {
			victim = e;
			break;
		}
		if (!victim || !e->valid || (victim->valid && e->stamp < victim->stamp))
			victim = e;
	}
	if (!victim)
		goto out;
	victim->valid = true;
	victim->is_cd = is_cd;
	victim->sid = sid;
	victim->ssid = is_cd ? ssid : 0;
	memcpy(victim->w, w, sizeof(victim->w));
	victim->stamp = ++c->clock;
out:
	pthread_mutex_unlock(&c->lock);
}

/* Drop the entries @pred selects (generation first, see cfgc_insert). */
static void cfg_sweep(struct smmu_cfgc *c,
		      bool (*pred)(const struct smmu_cfg_entry *, const void *),
		      const void *arg)
{
	pthread_mutex_lock(&c->lock);
	__atomic_fetch_add(&c->gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < c->n; i++)
		if (c->e[i].valid && pred(&c->e[i], arg))
			c->e[i].valid = false;
	pthread_mutex_unlock(&c->lock);
}

struct cfg_inval {
	uint32_t sid;
	uint64_t n;
	bool all_ssid;
	uint32_t ssid;
};

/* An STE and every CD reached through it. */
static bool pred_ste(const struct smmu_cfg_entry *e, const void *arg)
{
	const struct cfg_inval *iv = arg;

	return e->sid >= iv->sid && (uint64_t)(e->sid - iv->sid) < iv->n;
}

static bool pred_cd(const struct smmu_cfg_entry *e, const void *arg)
{
	const struct cfg_inval *iv = arg;

	return e->is_cd && e->sid == iv->sid && (iv->all_ssid || e->ssid == iv->ssid);
}

void genpt_smmu_cfgc_inval_ste(struct smmu_cfgc *c, uint32_t sid, uint64_t n)
{
	struct cfg_inval iv = { .sid = sid, .n = n };

	cfg_sweep(c, pred_ste, &iv);
}

void genpt_smmu_cfgc_inval_cd(struct smmu_cfgc *c, uint32_t sid, bool all_ssid,
			      uint32_t ssid)
{
	struct cfg_inval iv = { .sid = sid, .all_ssid = all_ssid, .ssid = ssid };

	cfg_sweep(c, pred_cd, &iv);
}

/* ----------------------------------------------------------------- TLB -- */

int genpt_smmu_tlb_init(struct smmu_tlb *t, unsigned int entries)
{
	memset(t, 0, sizeof(*t));
	t->set = model_sets_alloc(sizeof(*t->set), offsetof(struct smmu_tlb_set, lock), entries,
				  SMMU_TLB_WAYS, &t->nsets);
	return t->set ? 0 : -ENOMEM;
}

void genpt_smmu_tlb_fini(struct smmu_tlb *t)
{
	model_sets_free(t->set, sizeof(*t->set), offsetof(struct smmu_tlb_set, lock), t->nsets);
}

uint64_t genpt_smmu_tlb_gen(struct smmu_tlb *t)
{
	return __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
}

/* The set of a 2^@shift translation of @va under VMID @vmid (ASIDs share
 * sets, so a global entry is found from any ASID). */
static struct smmu_tlb_set *tlb_set_of(struct smmu_tlb *t, uint16_t vmid,
				       uint64_t va, unsigned int shift)
{
	uint64_t h = (va >> shift) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)vmid + 1) * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)shift * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	return &t->set[h & (t->nsets - 1)];
}

static bool tlb_match(const struct smmu_tlb_entry *e, const struct smmu_tlb_tag *tag,
		      uint64_t va)
{
	uint8_t kind = e->flags & (SMMU_TLB_S1 | SMMU_TLB_S2);

	if (!(e->flags & SMMU_TLB_VALID) || kind != tag->kind)
		return false;
	if (e->vmid != tag->vmid)
		return false;
	if ((kind & SMMU_TLB_S1) && e->asid != tag->asid && !(e->flags & SMMU_TLB_GLOBAL))
		return false;
	return (va >> e->shift) == (e->va >> e->shift);
}

bool genpt_smmu_tlb_lookup(struct smmu_tlb *t, const struct smmu_tlb_tag *tag,
			   uint64_t va, struct smmu_tlb_entry *out)
{
	uint64_t shifts = __atomic_load_n(&t->shifts, __ATOMIC_ACQUIRE);

	while (shifts) {
		unsigned int shift = (unsigned int)__builtin_ctzll(shifts);
		struct smmu_tlb_set *s = tlb_set_of(t, tag->vmid, va, shift);
		bool hit = false;

		shifts &= shifts - 1;
		pthread_mutex_lock(&s->lock);
		for (unsigned int i = 0; i < SMMU_TLB_WAYS; i++) {
			struct smmu_tlb_entry *e = &s->way[i];

			if (e->shift == shift && tlb_match(e, tag, va)) {
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

/* Does @w (valid, same tag) overlap [va, va + 2^shift) with another size? */
static bool tlb_overlaps(const struct smmu_tlb_entry *w, const struct smmu_tlb_tag *tag,
			 uint64_t va, unsigned int shift)
{
	unsigned int big = w->shift > shift ? w->shift : shift;

	if (!(w->flags & SMMU_TLB_VALID) || w->shift == shift)
		return false;
	return tlb_match(w, tag, w->va) && (w->va >> big) == (va >> big);
}

/*
 * Entries of other sizes overlapping @e: a table replaced a block (or the
 * reverse, or a contiguous run changed) without break-before-make.  With
 * @drop they are removed (IDR3.BBML 2: the SMMU copes); otherwise reports
 * whether any exists (a TLB conflict).  Larger entries are found where
 * they would be hashed; smaller ones by a sweep, only when such sizes
 * were ever cached.
 */
static bool tlb_conflicts(struct smmu_tlb *t, const struct smmu_tlb_tag *tag,
			  const struct smmu_tlb_entry *e, bool drop)
{
	uint64_t shifts = __atomic_load_n(&t->shifts, __ATOMIC_ACQUIRE) & ~(1ull << e->shift);
	bool found = false;

	for (uint64_t big = shifts & ~((2ull << e->shift) - 1); big; big &= big - 1) {
		struct smmu_tlb_set *s = tlb_set_of(t, tag->vmid, e->va,
						    (unsigned int)__builtin_ctzll(big));

		pthread_mutex_lock(&s->lock);
		for (unsigned int i = 0; i < SMMU_TLB_WAYS; i++) {
			if (tlb_overlaps(&s->way[i], tag, e->va, e->shift)) {
				found = true;
				if (drop)
					s->way[i].flags = 0;
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
	for (unsigned int n = 0; (shifts & ((1ull << e->shift) - 1)) && n < t->nsets; n++) {
		struct smmu_tlb_set *s = &t->set[n];

		pthread_mutex_lock(&s->lock);
		for (unsigned int i = 0; i < SMMU_TLB_WAYS; i++) {
			if (s->way[i].shift < e->shift &&
			    tlb_overlaps(&s->way[i], tag, e->va, e->shift)) {
				found = true;
				if (drop)
					s->way[i].flags = 0;
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
	return found;
}

bool genpt_smmu_tlb_insert(struct smmu_tlb *t, uint64_t gen,
			   const struct smmu_tlb_entry *e, bool bbml2)
{
	struct smmu_tlb_tag tag = { .kind = e->flags & (SMMU_TLB_S1 | SMMU_TLB_S2),
				    .vmid = e->vmid, .asid = e->asid };
	struct smmu_tlb_set *s = tlb_set_of(t, e->vmid, e->va, e->shift);
	struct smmu_tlb_entry *victim = NULL;

	if (tlb_conflicts(t, &tag, e, bbml2) && !bbml2)
		return true;
	__atomic_fetch_or(&t->shifts, 1ull << e->shift, __ATOMIC_RELEASE);
	pthread_mutex_lock(&s->lock);
	if (__atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) != gen)
		goto out; /* invalidated while the walk ran: drop it */
	for (unsigned int i = 0; i < SMMU_TLB_WAYS; i++) {
		struct smmu_tlb_entry *w = &s->way[i];

		/* The same translation filled by another thread: the newer
		 * walk saw the newer descriptor. */
		if (w->shift == e->shift && w->asid == e->asid && tlb_match(w, &tag, e->va)) {
			victim = w;
			break;
		}
		if (!victim || !(w->flags & SMMU_TLB_VALID) ||
		    ((victim->flags & SMMU_TLB_VALID) && w->stamp < victim->stamp))
			victim = w;
	}
	*victim = *e;
	victim->flags |= SMMU_TLB_VALID;
	victim->stamp = ++s->clock;
out:
	pthread_mutex_unlock(&s->lock);
	return false;
}

static bool in_range(uint64_t addr, uint64_t base, unsigned int shift)
{
	return shift >= 64 || (addr >> shift) == (base >> shift);
}

/*
 * Does TLBI @iv remove @e?  (IHI 0070 "TLB invalidation" commands.)
 *  NH_ALL:    every stage-1 entry of VMID (stage 1 alone or nested);
 *  NH_ASID:   stage-1 entries of VMID and ASID, global ones spared;
 *  NH_VA:     those of NH_ASID holding ADDR, plus global ones holding it;
 *  NH_VAA:    stage-1 entries of VMID holding ADDR, any ASID;
 *  S2_IPA:    stage-2-only entries of VMID derived from the stage-2 leaf
 *             holding the IPA (combined stage 1 + 2 entries need not be
 *             removed, and are not: a driver must follow with NH_ALL);
 *  S12_VMALL: every entry of VMID;  NSNH_ALL: everything.
 */
static bool tlbi_hits(const struct smmu_tlb_entry *e, const struct smmu_tlbi *iv)
{
	bool s1 = e->flags & SMMU_TLB_S1, s2 = e->flags & SMMU_TLB_S2;

	if (iv->op == GENPT_SMMU_CMD_TLBI_NSNH_ALL)
		return true;
	if (e->vmid != iv->vmid)
		return false;
	switch (iv->op) {
	case GENPT_SMMU_CMD_TLBI_NH_ALL:
		return s1;
	case GENPT_SMMU_CMD_TLBI_NH_ASID:
		return s1 && e->asid == iv->asid && !(e->flags & SMMU_TLB_GLOBAL);
	case GENPT_SMMU_CMD_TLBI_NH_VA:
		return s1 && (e->asid == iv->asid || (e->flags & SMMU_TLB_GLOBAL)) &&
		       in_range(iv->addr, e->va, e->shift);
	case GENPT_SMMU_CMD_TLBI_NH_VAA:
		return s1 && in_range(iv->addr, e->va, e->shift);
	case GENPT_SMMU_CMD_TLBI_S2_IPA:
		return s2 && !s1 && in_range(iv->addr, e->s2_base, e->s2_shift);
	case GENPT_SMMU_CMD_TLBI_S12_VMALL:
		return true;
	default:
		return false;
	}
}

void genpt_smmu_tlb_inval(struct smmu_tlb *t, const struct smmu_tlbi *iv)
{
	__atomic_fetch_add(&t->gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < t->nsets; i++) {
		struct smmu_tlb_set *s = &t->set[i];

		pthread_mutex_lock(&s->lock);
		for (unsigned int j = 0; j < SMMU_TLB_WAYS; j++)
			if ((s->way[j].flags & SMMU_TLB_VALID) && tlbi_hits(&s->way[j], iv))
				s->way[j].flags = 0;
		pthread_mutex_unlock(&s->lock);
	}
}
