// SPDX-License-Identifier: MIT
/*
 * smmuv3/translate.c - a transaction through the SMMU (IHI 0070 chapter 3
 * "Operation", 3.13 "Translation table entries and Access/Dirty flags"):
 * configuration (config.c), the TLB, the stage-1 walk (through stage 2
 * when nested: every table address is an IPA), the stage-2 walk, events;
 * device DMA and ATS translation requests.
 *
 * The walks are the hardware side's VMSAv8-64 reference walk
 * (hw/armv8_walk.h), which reads descriptors from the Arm ARM and performs
 * HTTU by compare-and-swap of the whole descriptor: with HA a clear AF is
 * set, without it the access takes an Access flag fault; with HD a write
 * to a writable-clean descriptor (DBM = 1 and AP[2] = 1 / S2AP[1] = 0)
 * makes it writable-dirty, without HD it takes a Permission fault.
 *
 * The TLB serves a read when the cached translation is readable and a
 * write only when it was cached writable-dirty; anything else walks again
 * (and so updates the descriptor or faults as the tables say now).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "smmu_internal.h"
#include "hw/armv8_walk.h"
#include "hw/dma_copy.h"

/* Leaf descriptor bits the TLB flags come from (VMSAv8-64). */
#define D_AP1 (1ull << 6)   /* stage 1: EL0 access; stage 2: S2AP[0] read */
#define D_AP2 (1ull << 7)   /* stage 1: read-only; stage 2: S2AP[1] write */
#define D_NG (1ull << 11)

static bool translation_class(unsigned int event)
{
	return event == GENPT_SMMU_EVT_F_TRANSLATION || event == GENPT_SMMU_EVT_F_ADDR_SIZE ||
	       event == GENPT_SMMU_EVT_F_ACCESS || event == GENPT_SMMU_EVT_F_PERMISSION;
}

/* The event of a walk that ended in @f at stage @s2 for input @in. */
static unsigned int walk_event(struct smmu_xlate *x, enum genpt_arm_fault f, bool s2,
			       uint64_t in)
{
	x->fault_s2 = s2;
	x->fault_ipa = s2 ? in : 0;
	switch (f) {
	case GENPT_ARM_OK:
		return 0;
	case GENPT_ARM_FAULT_ADDRESS_SIZE:
		return GENPT_SMMU_EVT_F_ADDR_SIZE;
	case GENPT_ARM_FAULT_ACCESS_FLAG:
		return GENPT_SMMU_EVT_F_ACCESS;
	case GENPT_ARM_FAULT_PERMISSION:
		return GENPT_SMMU_EVT_F_PERMISSION;
	case GENPT_ARM_FAULT_EXTERNAL:
		return GENPT_SMMU_EVT_F_WALK_EABT;
	case GENPT_ARM_FAULT_CONFIG:
		/* Geometry the walk cannot use (SL0 against T0SZ, a root not
		 * aligned to its size): an ILLEGAL STE or CD. */
		return s2 ? GENPT_SMMU_EVT_C_BAD_STE : GENPT_SMMU_EVT_C_BAD_CD;
	default: /* TRANSLATION, RESERVED, INPUT_RANGE */
		return GENPT_SMMU_EVT_F_TRANSLATION;
	}
}

static void walk_setup(struct genpt_arm_walk *w, struct smmu_xlate *x, bool s2,
		       uint64_t in, unsigned int access)
{
	memset(w, 0, sizeof(*w));
	w->mem = x->smmu->mem;
	w->mem_ctx = x->smmu->mem_ctx;
	w->stage2 = s2;
	w->ttbr = s2 ? x->s2_ttb : x->s1_ttb;
	w->tcr = s2 ? x->s2_tcr : x->s1_tcr;
	w->va = in;
	w->access = access;
	/* IDR3.BBML 1 or 2: blocks may carry nT. */
	w->bbm_nt = x->smmu->idr3 & GENPT_SMMU_IDR3_BBML_MASK;
}

static void count_update(struct smmu_xlate *x, const struct genpt_arm_walk *w)
{
	if (w->updated)
		smmu_stat(&x->smmu->st_httu);
}

/* Stage 2 of @ipa, the leaf in @w. */
static unsigned int walk_s2(struct smmu_xlate *x, uint64_t ipa, unsigned int access,
			    struct genpt_arm_walk *w)
{
	enum genpt_arm_fault f;

	walk_setup(w, x, true, ipa, access);
	f = genpt_arm_walk(w);
	count_update(x, w);
	return walk_event(x, f, true, ipa);
}

unsigned int genpt_smmu_s2(struct smmu_xlate *x, uint64_t ipa, unsigned int access,
			   uint64_t *pa)
{
	struct genpt_arm_walk w;
	unsigned int ev = walk_s2(x, ipa, access, &w);

	*pa = w.pa;
	return ev;
}

/*
 * Nested: stage-1 descriptors live at IPAs.  The stage-1 walk reads them
 * through this provider, which translates each address by stage 2 (a read;
 * an HTTU write is translated again as a write afterwards, see
 * s1_update_through_s2()) and remembers a stage-2 fault for the event.
 */
struct s2_mem {
	struct genpt_mem_ops ops;
	struct smmu_xlate *x;
	unsigned int event;
	uint64_t ipa;
};

static void *s2_phys_to_virt(void *ctx, uint64_t ipa)
{
	struct s2_mem *m = ctx;
	uint64_t pa;
	unsigned int ev = genpt_smmu_s2(m->x, ipa, GENPT_ACCESS_READ, &pa);

	if (ev) {
		m->event = ev;
		m->ipa = ipa;
		return NULL;
	}
	return m->x->smmu->mem->phys_to_virt(m->x->smmu->mem_ctx, pa);
}

/*
 * Nested: the stage-1 HTTU update wrote guest memory at IPA @desc_ipa.  The
 * architecture makes that update a stage-2 write (it needs write
 * permission there and, with S2HD, marks the stage-2 leaf dirty, so a
 * hypervisor migrating the guest copies the guest's table page too).  The
 * walk read the descriptor through a stage-2 read translation; the write
 * translation follows the update (the descriptor already changed when it
 * faults).
 */
static unsigned int s1_update_through_s2(struct smmu_xlate *x, uint64_t desc_ipa)
{
	uint64_t pa;
	unsigned int ev = genpt_smmu_s2(x, desc_ipa, GENPT_ACCESS_WRITE, &pa);

	if (ev)
		x->fault_class = 1; /* on the stage-1 table access */
	return ev;
}

/* Stage 1 of @va: the IPA (or PA) in *@out, the leaf in @w. */
static unsigned int walk_s1(struct smmu_xlate *x, uint64_t va, unsigned int access,
			    struct genpt_arm_walk *w)
{
	struct s2_mem m = { .ops = { .phys_to_virt = s2_phys_to_virt }, .x = x };
	enum genpt_arm_fault f;

	/* EPD0: no walk of TTB0, a Translation fault. */
	if (x->cd[0] & GENPT_SMMU_CD0_EPD0) {
		x->fault_s2 = false;
		return GENPT_SMMU_EVT_F_TRANSLATION;
	}
	walk_setup(w, x, false, va, access);
	if (x->s2) {
		w->mem = &m.ops;
		w->mem_ctx = &m;
	}
	f = genpt_arm_walk(w);
	count_update(x, w);
	if (f == GENPT_ARM_FAULT_EXTERNAL && m.event) {
		/* The stage-2 translation of a stage-1 table address faulted. */
		x->fault_s2 = true;
		x->fault_ipa = m.ipa;
		x->fault_class = 1;
		return m.event;
	}
	if (f == GENPT_ARM_OK && w->updated && x->s2)
		return s1_update_through_s2(x, w->desc_pa);
	return walk_event(x, f, false, va);
}

static bool tlb_serves(const struct smmu_tlb_entry *e, unsigned int access)
{
	if (access == GENPT_ACCESS_WRITE)
		return e->flags & SMMU_TLB_DIRTY;
	if (access == GENPT_ACCESS_EXEC)
		return e->flags & SMMU_TLB_X;
	return e->flags & SMMU_TLB_R;
}

/* Permissions a leaf grants without a descriptor update. */
static uint8_t leaf_flags(const struct genpt_arm_walk *w, bool s2, unsigned int access)
{
	uint8_t f = access == GENPT_ACCESS_EXEC ? SMMU_TLB_X : 0;

	if (s2) {
		f |= (w->desc & D_AP1) ? SMMU_TLB_R : 0;
		f |= (w->desc & D_AP2) ? SMMU_TLB_W | SMMU_TLB_DIRTY : 0;
	} else {
		f |= (w->desc & D_AP1) ? SMMU_TLB_R : 0;
		f |= !(w->desc & D_AP2) ? SMMU_TLB_W | SMMU_TLB_DIRTY : 0;
	}
	return f;
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* The TLB answers @x's request. */
static bool tlb_hit(struct smmu_xlate *x, const struct smmu_tlb_tag *tag,
		    struct genpt_smmu_rsp *rsp)
{
	struct genpt_smmu *smmu = x->smmu;
	uint64_t iova = x->req->iova, m;
	struct smmu_tlb_entry e;

	if (!genpt_smmu_tlb_lookup(&smmu->tlb, tag, iova, &e) ||
	    !tlb_serves(&e, x->req->access)) {
		smmu_stat(&smmu->st_tlb_misses);
		return false;
	}
	smmu_stat(&smmu->st_tlb_hits);
	m = (1ull << e.shift) - 1;
	rsp->pa = (e.pa & ~m) | (iova & m);
	rsp->page_shift = e.shift;
	rsp->tlb_hit = true;
	return true;
}

/* A block descriptor with nT (IHI 0070 IDR3.BBML 1, VMSAv8-64 bit 16 with
 * FEAT_BBM): the translation is used, never cached, so it cannot conflict
 * with a cached one of another size.  Ignored (RES0) with BBML 0. */
static bool leaf_nt(const struct genpt_smmu *smmu, const struct genpt_arm_walk *w)
{
	return (smmu->idr3 & GENPT_SMMU_IDR3_BBML_MASK) && w->level < 3 &&
	       (w->desc & (1ull << 16));
}

/* TLB, then the walks; fills @rsp and the TLB. */
static unsigned int translate_addr(struct smmu_xlate *x, struct genpt_smmu_rsp *rsp)
{
	struct genpt_smmu *smmu = x->smmu;
	const struct genpt_smmu_req *req = x->req;
	struct smmu_tlb_tag tag = { .kind = (uint8_t)((x->s1 ? SMMU_TLB_S1 : 0) |
						      (x->s2 ? SMMU_TLB_S2 : 0)),
				    .vmid = x->vmid, .asid = x->s1 ? x->asid : 0 };
	struct genpt_arm_walk w;
	uint8_t flags = SMMU_TLB_R | SMMU_TLB_W | SMMU_TLB_DIRTY | SMMU_TLB_X;
	unsigned int event, shift = 64, s2_shift = 64;
	uint64_t ipa = req->iova, pa, gen, m;
	bool global = false, conflict, nt = false;

	if (tlb_hit(x, &tag, rsp))
		return 0;
	gen = genpt_smmu_tlb_gen(&smmu->tlb);
	if (x->s1) {
		event = walk_s1(x, req->iova, req->access, &w);
		if (event)
			return event;
		ipa = w.pa;
		shift = w.contig_shift;
		global = !(w.desc & D_NG);
		flags &= leaf_flags(&w, false, req->access);
		nt = leaf_nt(smmu, &w);
	}
	pa = ipa;
	if (x->s2) {
		event = walk_s2(x, ipa, req->access, &w);
		if (event)
			return event;
		pa = w.pa;
		s2_shift = w.contig_shift;
		flags &= leaf_flags(&w, true, req->access);
		nt |= leaf_nt(smmu, &w);
	}
	shift = min_u(shift, s2_shift);
	m = (1ull << shift) - 1;
	rsp->pa = pa;
	rsp->page_shift = shift;
	if (nt)
		return 0;
	conflict = genpt_smmu_tlb_insert(&smmu->tlb, gen, &(struct smmu_tlb_entry){
		.va = req->iova & ~m,
		.pa = pa & ~m,
		.s2_base = x->s2 ? ipa & ~((1ull << s2_shift) - 1) : 0,
		.s2_shift = (uint8_t)(x->s2 ? s2_shift : 0),
		.vmid = tag.vmid,
		.asid = tag.asid,
		.shift = (uint8_t)shift,
		.flags = (uint8_t)(flags | tag.kind | (global ? SMMU_TLB_GLOBAL : 0)),
	}, (smmu->idr3 & GENPT_SMMU_IDR3_BBML_MASK) >> GENPT_SMMU_IDR3_BBML_SHIFT >= 2);
	/* A translation of another size for the same address is cached: the
	 * tables changed without break-before-make the SMMU supports. */
	if (conflict) {
		*rsp = (struct genpt_smmu_rsp){ 0 };
		return GENPT_SMMU_EVT_F_TLB_CONFLICT;
	}
	return 0;
}

/* The event record of a fault (IHI 0070 "Event records"). */
static void event_record(const struct smmu_xlate *x, unsigned int event, uint64_t rec[4])
{
	const struct genpt_smmu_req *req = x->req;
	bool xl = translation_class(event) || event == GENPT_SMMU_EVT_F_WALK_EABT;

	rec[0] = (uint64_t)event | ((uint64_t)req->ssv << 11) |
		 ((uint64_t)(req->ssv ? req->ssid & 0xfffff : 0) << 12) |
		 ((uint64_t)req->sid << 32);
	rec[1] = 0;
	rec[2] = req->iova;
	rec[3] = 0;
	if (xl) {
		rec[1] = ((uint64_t)(req->access == GENPT_ACCESS_EXEC) << 34) |
			 ((uint64_t)(req->access != GENPT_ACCESS_WRITE) << 35) |
			 ((uint64_t)x->fault_s2 << 39) | ((uint64_t)(x->fault_class & 3) << 40);
		rec[3] = x->fault_s2 ? x->fault_ipa & (((1ull << 52) - 1) & ~7ull) : 0;
	}
}

/*
 * Translate @req into @rsp.  Returns true when a record is due, in @rec:
 * the caller writes it (a DMA only after leaving its in-flight section).
 */
static bool xlate(struct genpt_smmu *smmu, const struct genpt_smmu_req *req,
		  struct genpt_smmu_rsp *rsp, uint64_t rec[4])
{
	struct smmu_xlate x;
	unsigned int event;

	memset(rsp, 0, sizeof(*rsp));
	memset(&x, 0, sizeof(x));
	x.smmu = smmu;
	x.req = req;
	x.fault_class = 2; /* input address */
	smmu_stat(&smmu->st_translations);

	if (!(__atomic_load_n(&smmu->cr0, __ATOMIC_ACQUIRE) & GENPT_SMMU_CR0_SMMUEN)) {
		/* GBPA: abort, or bypass */
		event = GENPT_SMMU_EVT_ABORT;
		if (!(__atomic_load_n(&smmu->gbpa, __ATOMIC_RELAXED) & GENPT_SMMU_GBPA_ABORT)) {
			event = 0;
			x.bypass = true;
		}
	} else {
		event = genpt_smmu_config(&x);
	}
	if (!event && x.bypass) {
		rsp->pa = req->iova;
		rsp->page_shift = 12;
		return false;
	}
	if (!event)
		event = translate_addr(&x, rsp);
	if (!event)
		return false;
	*rsp = (struct genpt_smmu_rsp){ .event = event };
	smmu_stat(&smmu->st_faults);
	if (event == GENPT_SMMU_EVT_ABORT)
		return false;
	if (translation_class(event) && !(x.fault_s2 ? x.s2_record : x.s1_record))
		return false;
	event_record(&x, event, rec);
	return true;
}

static bool req_ok(const struct genpt_smmu_req *req)
{
	return req->access >= GENPT_ACCESS_READ && req->access <= GENPT_ACCESS_EXEC &&
	       !(req->ssv && (req->ssid >> 20));
}

GENPT_API int genpt_smmu_translate(struct genpt_smmu *smmu,
				   const struct genpt_smmu_req *req,
				   struct genpt_smmu_rsp *rsp)
{
	uint64_t rec[4];

	if (!smmu || !req || !rsp || !req_ok(req))
		return -EINVAL;
	if (xlate(smmu, req, rsp, rec))
		genpt_smmu_record(smmu, rec);
	return 0;
}

/* ---------------------------------------------------------------- DMA --- */

/*
 * Transfers in flight.  CMD_SYNC completes only when every transaction
 * that used a translation an earlier TLBI removed has made its data (and
 * its descriptor update) visible: a write that looked up a dirty
 * translation before a harvest cleaned the descriptor and invalidated must
 * be in memory before the sync completes, or the copy misses it and the
 * page is never seen dirty again.  Each page of a DMA counts itself in
 * dma_active[epoch & 1] from before its lookup until its data is written;
 * CMD_SYNC advances the epoch and waits for the old slot to drain.
 */
static unsigned int dma_enter(struct genpt_smmu *smmu)
{
	for (;;) {
		uint64_t e = __atomic_load_n(&smmu->dma_epoch, __ATOMIC_SEQ_CST);

		__atomic_fetch_add(&smmu->dma_active[e & 1], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&smmu->dma_epoch, __ATOMIC_SEQ_CST) == e)
			return (unsigned int)(e & 1);
		__atomic_fetch_sub(&smmu->dma_active[e & 1], 1, __ATOMIC_RELEASE);
	}
}

static void dma_exit(struct genpt_smmu *smmu, unsigned int slot)
{
	__atomic_fetch_sub(&smmu->dma_active[slot], 1, __ATOMIC_RELEASE);
}

void genpt_smmu_dma_quiesce(struct genpt_smmu *smmu)
{
	uint64_t e = __atomic_fetch_add(&smmu->dma_epoch, 1, __ATOMIC_SEQ_CST);

	while (__atomic_load_n(&smmu->dma_active[e & 1], __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Copy what one translation covers; false when memory is not backed. */
static bool dma_copy_xlat(struct genpt_smmu *smmu, uint64_t pa, uint64_t room,
			  unsigned char **b, size_t *len, uint64_t *iova, bool to_mem)
{
	while (*len && room) {
		uint64_t chunk = 4096 - (pa & 4095);
		unsigned char *p = smmu->mem->phys_to_virt(smmu->mem_ctx, pa);

		if (chunk > room)
			chunk = room;
		if (chunk > *len)
			chunk = *len;
		if (!p)
			return false;
		genpt_dma_copy(p, *b, (size_t)chunk, to_mem);
		*b += chunk;
		*len -= (size_t)chunk;
		room -= chunk;
		pa += chunk;
		*iova += chunk;
	}
	return true;
}

GENPT_API int genpt_smmu_dma(struct genpt_smmu *smmu, uint32_t sid, uint64_t iova,
			     void *buf, size_t len, unsigned int access)
{
	unsigned char *b = buf;

	if (!smmu || (!buf && len) || access < GENPT_ACCESS_READ || access > GENPT_ACCESS_EXEC)
		return -EINVAL;
	if (len && (uint64_t)len - 1 > UINT64_MAX - iova)
		return -EINVAL;
	while (len) {
		struct genpt_smmu_req req = { .sid = sid, .iova = iova, .access = access };
		struct genpt_smmu_rsp rsp;
		uint64_t rec[4], room;
		unsigned int slot = dma_enter(smmu);
		bool ok;

		if (xlate(smmu, &req, &rsp, rec)) {
			/* CMD_SYNC may wait for us under reg_lock, which
			 * recording takes: leave first. */
			dma_exit(smmu, slot);
			genpt_smmu_record(smmu, rec);
			return -EFAULT;
		}
		if (rsp.event) {
			dma_exit(smmu, slot);
			return -EFAULT;
		}
		room = rsp.page_shift >= 64 ? UINT64_MAX :
		       (1ull << rsp.page_shift) - (iova & ((1ull << rsp.page_shift) - 1));
		ok = dma_copy_xlat(smmu, rsp.pa, room, &b, &len, &iova,
				   access == GENPT_ACCESS_WRITE);
		dma_exit(smmu, slot);
		if (!ok)
			return -EFAULT;
	}
	return 0;
}
