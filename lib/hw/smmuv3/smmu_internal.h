/* SPDX-License-Identifier: MIT */
/*
 * smmuv3/smmu_internal.h - the SMMUv3 model's internal state.
 *
 * Files (one per part of IHI 0070):
 *   model.c     registers (chapter 6), the command queue (chapter 4)
 *   config.c    stream table, STE and CD (chapter 3.3/3.4, chapter 5)
 *   translate.c translation: TLB, stage-1/stage-2 walks with HTTU
 *               (chapter 3.13), DMA, ATS translation requests
 *   cache.c     configuration cache and TLB (chapter 3.21 / 16.2)
 *   event.c     memory access, the event queue (chapter 7), GERROR
 * Calls go model.c -> translate.c -> config.c -> event.c (and cache.c),
 * never back.  The walks of VMSAv8-64 descriptors are the hardware side's
 * reference walk (hw/armv8_walk.h), which decodes them from the Arm ARM:
 * nothing here includes lib/core, lib/fmt or lib/drv.
 *
 * Locking:
 *   reg_lock    registers, command processing, event-queue writes.  Taken
 *               by translating threads only to record an event.
 *   cfg.lock    the configuration cache.
 *   each TLB set has its own lock.
 * Order: reg_lock -> cfg.lock -> a TLB set lock; translation never holds
 * two at once.  CR0 and the stream table registers are also stored
 * atomically so translation reads them without reg_lock.
 *
 * Cache fills race with invalidations exactly as in the RISC-V model: each
 * cache has a generation that every invalidation bumps before sweeping; a
 * filler samples it before reading memory and inserts only if unchanged.
 */
#ifndef GENPT_SMMUV3_INTERNAL_H
#define GENPT_SMMUV3_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "genpt/smmuv3_model.h"

/* ---- configuration cache (STEs and CDs) --------------------------------- */

struct smmu_cfg_entry {
	bool valid;
	bool is_cd;
	uint32_t sid;
	uint32_t ssid; /* CDs only */
	uint64_t w[8];
	uint64_t stamp;
};

struct smmu_cfgc {
	pthread_mutex_t lock;
	unsigned int n;
	struct smmu_cfg_entry *e;
	uint64_t clock;
	uint64_t gen; /* atomic */
};

/* ---- TLB ----------------------------------------------------------------- */

#define SMMU_TLB_WAYS 8

/* flags */
#define SMMU_TLB_VALID 0x01u
#define SMMU_TLB_S1 0x02u    /* stage 1 translated: tagged by ASID */
#define SMMU_TLB_S2 0x04u    /* stage 2 translated: tagged by VMID */
#define SMMU_TLB_GLOBAL 0x08u /* stage-1 leaf with nG = 0 */
#define SMMU_TLB_DIRTY 0x10u /* writes need no descriptor update */
#define SMMU_TLB_W 0x20u
#define SMMU_TLB_R 0x40u
#define SMMU_TLB_X 0x80u

/*
 * One translation [va, va + 2^shift) -> pa, and for stage 2 the IPA range
 * of the stage-2 leaf it came from (TLBI_S2_IPA removes every translation
 * derived from the stage-2 leaf holding the IPA).  The contiguous hint
 * widens shift to the run's span, as a TLB may.
 */
struct smmu_tlb_entry {
	uint64_t va;
	uint64_t pa;
	uint64_t s2_base;
	uint64_t stamp;
	uint16_t vmid;
	uint16_t asid;
	uint8_t shift;
	uint8_t s2_shift;
	uint8_t flags;
};

struct smmu_tlb_set {
	pthread_mutex_t lock;
	struct smmu_tlb_entry way[SMMU_TLB_WAYS];
	uint64_t clock;
};

struct smmu_tlb {
	unsigned int nsets;
	struct smmu_tlb_set *set;
	uint64_t shifts; /* atomic: bit s set when a 2^s entry was ever cached */
	uint64_t gen;    /* atomic */
};

/* What a lookup is tagged with. */
struct smmu_tlb_tag {
	uint8_t kind; /* SMMU_TLB_S1 and/or SMMU_TLB_S2 */
	uint16_t vmid;
	uint16_t asid;
};

/* ---- the SMMU ----------------------------------------------------------- */

struct genpt_smmu {
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint32_t idr0, idr1, idr3, idr5;
	unsigned int oas; /* output address bits */

	pthread_mutex_t reg_lock;
	uint32_t cr0;    /* atomic (stored under reg_lock) */
	uint32_t cr1, cr2, gbpa, irq_ctrl;
	uint32_t gerror, gerrorn;
	uint64_t strtab_base;  /* atomic */
	uint32_t strtab_cfg;   /* atomic */
	uint64_t cmdq_base;
	uint32_t cmdq_prod, cmdq_cons;
	uint64_t evtq_base;
	uint32_t evtq_prod, evtq_cons;

	struct smmu_cfgc cfgc;
	struct smmu_tlb tlb;

	/* transfers in flight, for CMD_SYNC (see translate.c) */
	uint64_t dma_epoch;
	uint64_t dma_active[2];

	uint64_t st_translations, st_tlb_hits, st_tlb_misses, st_cfg_hits,
		st_cfg_misses, st_httu, st_faults, st_events, st_commands;
};

static inline void smmu_stat(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Queue geometry from a base register value: entries - 1, physical base.
 * LOG2SIZE is capped by the model's IDR1 maximum (19). */
static inline unsigned int smmu_q_log2(uint64_t base)
{
	unsigned int l = GENPT_SMMU_Q_LOG2SIZE(base);

	return l > 19 ? 19 : l;
}

static inline uint64_t smmu_q_addr(uint64_t base)
{
	return base & GENPT_SMMU_Q_ADDR_MASK;
}

/* Index and wrap of a PROD/CONS value (wrap is bit log2). */
static inline uint32_t smmu_q_idx(uint32_t v, unsigned int log2)
{
	return v & ((1u << log2) - 1);
}

static inline uint32_t smmu_q_wrap(uint32_t v, unsigned int log2)
{
	return (v >> log2) & 1;
}

/* PROD/CONS advanced by one entry (index and wrap, nothing else). */
static inline uint32_t smmu_q_inc(uint32_t v, unsigned int log2)
{
	uint32_t mask = (2u << log2) - 1;

	return (v & ~mask) | ((v + 1) & mask);
}

/* ---- one translation in progress (config.c, translate.c) ---------------- */

struct smmu_xlate {
	struct genpt_smmu *smmu;
	const struct genpt_smmu_req *req;
	uint64_t ste[8];
	uint64_t cd[8];
	bool bypass;
	bool s1, s2;
	uint16_t vmid, asid;
	/* stage 1: TCR_EL1 layout; stage 2: VTCR_EL2 layout (hw/armv8_walk.h) */
	uint64_t s1_tcr, s1_ttb, s2_tcr, s2_ttb;
	bool s1_record, s2_record;
	/* fault details for the event */
	bool fault_s2;
	unsigned int fault_class;
	uint64_t fault_ipa;
};

/* event.c: host pointer of @size bytes at @pa, naturally aligned, NULL when
 * not backed or at or above the output address size. */
void *genpt_smmu_ptr(struct genpt_smmu *smmu, uint64_t pa, unsigned int size);
/* event.c: write a 32-byte record to the event queue (takes reg_lock). */
void genpt_smmu_record(struct genpt_smmu *smmu, const uint64_t rec[4]);

/* config.c: locate and check the STE and CD for x->req; fills @x.
 * Returns 0, GENPT_SMMU_EVT_ABORT, or the event ID. */
unsigned int genpt_smmu_config(struct smmu_xlate *x);
/* translate.c: the stage-2 translation of @ipa for an access (the model's
 * own walks and the CD fetch of a nested stream); 0 or the event ID. */
unsigned int genpt_smmu_s2(struct smmu_xlate *x, uint64_t ipa, unsigned int access,
			   uint64_t *pa);

/* translate.c: wait until every transfer that began before has written its
 * data (reg_lock held: a transfer never takes it while counted). */
void genpt_smmu_dma_quiesce(struct genpt_smmu *smmu);

/* cache.c */
int genpt_smmu_cfgc_init(struct smmu_cfgc *c, unsigned int n);
void genpt_smmu_cfgc_fini(struct smmu_cfgc *c);
uint64_t genpt_smmu_cfgc_gen(struct smmu_cfgc *c);
bool genpt_smmu_cfgc_lookup(struct smmu_cfgc *c, bool is_cd, uint32_t sid,
			    uint32_t ssid, uint64_t *w);
void genpt_smmu_cfgc_insert(struct smmu_cfgc *c, uint64_t gen, bool is_cd,
			    uint32_t sid, uint32_t ssid, const uint64_t *w);
/* CFGI_STE / CFGI_STE_RANGE (the STEs of [@sid, @sid + @n) and their CDs),
 * CFGI_CD (@all_ssid: CFGI_CD_ALL). */
void genpt_smmu_cfgc_inval_ste(struct smmu_cfgc *c, uint32_t sid, uint64_t n);
void genpt_smmu_cfgc_inval_cd(struct smmu_cfgc *c, uint32_t sid, bool all_ssid,
			      uint32_t ssid);

int genpt_smmu_tlb_init(struct smmu_tlb *t, unsigned int entries);
void genpt_smmu_tlb_fini(struct smmu_tlb *t);
uint64_t genpt_smmu_tlb_gen(struct smmu_tlb *t);
bool genpt_smmu_tlb_lookup(struct smmu_tlb *t, const struct smmu_tlb_tag *tag,
			   uint64_t va, struct smmu_tlb_entry *out);
/* Insert @e unless an invalidation ran since @gen.  Entries of another
 * size overlapping it are a TLB conflict: with @bbml2 (IDR3.BBML = 2) they
 * are dropped, otherwise nothing is inserted and true is returned. */
bool genpt_smmu_tlb_insert(struct smmu_tlb *t, uint64_t gen,
			   const struct smmu_tlb_entry *e, bool bbml2);

/* Invalidation operands (one struct for every TLBI command). */
struct smmu_tlbi {
	unsigned int op; /* GENPT_SMMU_CMD_TLBI_* */
	uint16_t vmid, asid;
	uint64_t addr;
	bool leaf;
};
void genpt_smmu_tlb_inval(struct smmu_tlb *t, const struct smmu_tlbi *iv);

#endif /* GENPT_SMMUV3_INTERNAL_H */
