/* SPDX-License-Identifier: MIT */
/*
 * riscv_iommu/rvi_internal.h - the RISC-V IOMMU model's internal state.
 *
 * Files:
 *   model.c     create/destroy, registers, command queue
 *   translate.c device/process directory walks, configuration checks,
 *               first-stage / G-stage / MSI translation, A/D, DMA
 *   fault.c     memory access, the fault-queue writer, interrupt bits
 *   cache.c     device-directory cache and IOTLB
 * Calls go model.c -> translate.c -> fault.c (and cache.c), never back.
 * The driver helper that programs the model is engine code (lib/drv) and
 * meets the model only at the registers and memory.
 *
 * Nothing here includes lib/core, lib/fmt or lib/drv: the model decodes
 * every entry from the specification on its own.
 *
 * Locking:
 *   reg_lock  registers, command processing, fault-queue writes.  Taken by
 *             translating threads only to record a fault.
 *   dcc.lock  the device-directory cache.
 *   each IOTLB set has its own lock.
 * Order: reg_lock -> dcc.lock -> an IOTLB set lock (commands invalidate
 * caches while holding reg_lock); translation never holds two at once.
 * ddtp is also stored atomically so translation reads it without reg_lock.
 * Every access to memory the model walks is a __atomic load, store or
 * compare-and-swap.
 *
 * Cache fills race with invalidations: a thread that read a structure
 * before an invalidation must not insert it afterwards.  Each cache has a
 * generation that every invalidation bumps (before sweeping); a filler
 * samples it before reading memory and inserts, under the cache lock, only
 * if it is unchanged.
 */
#ifndef GENPT_RISCV_IOMMU_INTERNAL_H
#define GENPT_RISCV_IOMMU_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/riscv_iommu_model.h"

/* ---- directory cache ---------------------------------------------------- */

struct rvi_dcc_entry {
	bool valid;
	bool is_pc;    /* a process context (else a device context) */
	uint32_t did;
	uint32_t pid;  /* process contexts only */
	uint64_t w[8]; /* DC doublewords (4 or 8), or PC ta, fsc */
	uint64_t stamp;
};

struct rvi_dcc {
	pthread_mutex_t lock;
	unsigned int n;
	struct rvi_dcc_entry *e;
	uint64_t clock;
	uint64_t gen; /* atomic */
};

/* ---- IOTLB ------------------------------------------------------------- */

#define RVI_TLB_WAYS 8

/* flags of a cached translation */
#define RVI_TLB_VALID 0x01u
#define RVI_TLB_GV 0x02u     /* G-stage active: tagged by GSCID */
#define RVI_TLB_PSCV 0x04u   /* first stage active: tagged by PSCID */
#define RVI_TLB_GLOBAL 0x08u /* first-stage G: shared by every PSCID */
#define RVI_TLB_DIRTY 0x10u  /* a write needs no A/D update */
#define RVI_TLB_FS_U 0x20u   /* the first-stage leaf has U */

/* perm bits of a cached translation (both stages combined) */
#define RVI_PERM_R GENPT_RVIOMMU_PERM_R
#define RVI_PERM_W GENPT_RVIOMMU_PERM_W
#define RVI_PERM_X GENPT_RVIOMMU_PERM_X

/*
 * struct rvi_tlb_entry - one translation: [va, va + 2^shift) ->
 * [pa, ...), and for the G-stage the GPA range of the G-stage leaf it came
 * from (IOTINVAL.GVMA with an address removes every translation derived
 * from the G-stage leaf holding that address).
 */
struct rvi_tlb_entry {
	uint64_t va;
	uint64_t pa;
	uint64_t gs_base;
	uint64_t stamp;
	uint32_t pscid;
	uint16_t gscid;
	uint8_t shift;
	uint8_t gs_shift;
	uint8_t flags;
	uint8_t perm;
	uint8_t pbmt;
};

struct rvi_tlb_set {
	pthread_mutex_t lock;
	struct rvi_tlb_entry way[RVI_TLB_WAYS];
	uint64_t clock;
};

struct rvi_tlb {
	unsigned int nsets; /* power of two */
	struct rvi_tlb_set *set;
	uint64_t shifts;    /* atomic: bit s set when a 2^s entry was ever cached */
	uint64_t gen;       /* atomic */
};

/* Tag of a lookup. */
struct rvi_tlb_tag {
	bool gv, pscv;
	uint16_t gscid;
	uint32_t pscid;
};

/* ---- the IOMMU ----------------------------------------------------------- */

struct genpt_rviommu {
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	uint64_t caps;
	unsigned int pas;

	pthread_mutex_t reg_lock;
	uint32_t fctl;
	uint64_t ddtp; /* atomic (stored under reg_lock) */
	uint64_t cqb;
	uint32_t cqh, cqt;
	uint64_t fqb;
	uint32_t fqh, fqt;
	uint32_t cqcsr, fqcsr, ipsr;
	uint64_t icvec;
	uint64_t msi_addr[16];
	uint32_t msi_data[16];
	uint32_t msi_ctl[16];

	struct rvi_dcc dcc;
	struct rvi_tlb tlb;

	/* ATCs of ATS devices (ats.c), under atc_lock (after reg_lock) */
	pthread_mutex_t atc_lock;
	struct genpt_rviommu_atc *atcs;

	/* genpt_rviommu_config.mem_hook, or NULL */
	genpt_rviommu_mem_hook hook;
	void *hook_ctx;

	/*
	 * DMA in flight, for IOFENCE.C (see genpt_rvi_dma_quiesce): a DMA
	 * counts itself in dma_active[dma_epoch & 1] from before it looks up
	 * its translation until its data is in memory, a translate call
	 * around its walk.  Atomics.
	 */
	uint64_t dma_epoch;
	uint64_t dma_active[2];

	/* statistics, relaxed atomics */
	uint64_t st_translations, st_tlb_hits, st_tlb_misses, st_dc_hits,
		st_dc_misses, st_ad_updates, st_faults, st_fault_records,
		st_commands;
};

static inline void rvi_stat(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Entries of a queue whose base register (cqb, fqb) is @qb, minus one,
 * and the queue's physical address. */
static inline uint32_t rvi_queue_mask(uint64_t qb)
{
	unsigned int log2sz = (unsigned int)(qb & GENPT_RVI_QB_LOG2SZM1_MASK) + 1;

	return log2sz >= 32 ? UINT32_MAX : (1u << log2sz) - 1;
}

static inline uint64_t rvi_queue_base(uint64_t qb)
{
	return ((qb & GENPT_RVI_PPN_MASK) >> GENPT_RVI_PPN_SHIFT) << 12;
}

/* fault.c: host pointer of @size bytes at @pa, naturally aligned, NULL when not backed
 * or above the physical address size. */
void *genpt_rvi_ptr(struct genpt_rviommu *iommu, uint64_t pa, unsigned int size);

/* fault.c: the memory hook's verdict on an access (PROCEED without one). */
enum genpt_rviommu_mem_verdict
genpt_rvi_hook(struct genpt_rviommu *iommu, enum genpt_rviommu_mem_what what,
	       enum genpt_rviommu_mem_op op, uint64_t pa, unsigned int size,
	       uint32_t did);

/*
 * fault.c: every hooked access: asks the memory hook (if any) about the
 * access, then the provider.  Returns the host pointer (aligned to
 * @size up to 16, else 8; the caller reads @size bytes from it), or NULL with
 * *@verdict GENPT_RVIOMMU_MEM_ACCESS_FAULT (also when not backed) or
 * GENPT_RVIOMMU_MEM_CORRUPT.
 */
void *genpt_rvi_mem(struct genpt_rviommu *iommu, enum genpt_rviommu_mem_what what,
		    enum genpt_rviommu_mem_op op, uint64_t pa, unsigned int size,
		    uint32_t did, enum genpt_rviommu_mem_verdict *verdict);

/*
 * translate.c: wait until every genpt_rviommu_dma() page transfer that
 * began before this call has written its data, and every
 * genpt_rviommu_translate() walk that began before it has finished
 * (reg_lock held: neither takes it in flight, a fault is recorded after
 * leaving).
 */
void genpt_rvi_dma_quiesce(struct genpt_rviommu *iommu);

/* translate.c: one translation's worth of a DMA (see genpt_rviommu_dma and
 * genpt_rviommu_atc_dma); @lookup (or NULL) maps an address to a translated
 * one, false for a miss (-EAGAIN, nothing moved). */
typedef bool (*genpt_rvi_dma_lookup)(void *ctx, uint64_t iova, unsigned int access,
				     uint64_t *taddr);
int genpt_rvi_dma_step(struct genpt_rviommu *iommu, uint32_t did, uint64_t *iova,
		       unsigned char **b, size_t *len, unsigned int access,
		       genpt_rvi_dma_lookup lookup, void *lctx);

/* ats.c: ATS.INVAL (reg_lock held): drop the matching translations of every
 * ATC of device @did. */
void genpt_rvi_ats_inval(struct genpt_rviommu *iommu, uint32_t did, bool pv,
			 uint32_t pid, uint64_t first, uint64_t last);
/* ats.c: the ATC registry (create/destroy). */
int genpt_rvi_ats_init(struct genpt_rviommu *iommu);
void genpt_rvi_ats_fini(struct genpt_rviommu *iommu);

/* fault.c: record a fault (takes reg_lock). */
void genpt_rvi_record_fault(struct genpt_rviommu *iommu,
			    const struct genpt_rviommu_fault *f);
/* fault.c: set the ipsr bits whose condition holds (reg_lock held). */
void genpt_rvi_ipsr_update(struct genpt_rviommu *iommu);

/* cache.c */
int genpt_rvi_dcc_init(struct rvi_dcc *c, unsigned int n);
void genpt_rvi_dcc_fini(struct rvi_dcc *c);
uint64_t genpt_rvi_dcc_gen(struct rvi_dcc *c);
bool genpt_rvi_dcc_lookup(struct rvi_dcc *c, bool is_pc, uint32_t did,
			  uint32_t pid, uint64_t *w, unsigned int nw);
void genpt_rvi_dcc_insert(struct rvi_dcc *c, uint64_t gen, bool is_pc,
			  uint32_t did, uint32_t pid, const uint64_t *w,
			  unsigned int nw);
/* IODIR.INVAL_DDT (dv: only @did, and its process contexts) and
 * IODIR.INVAL_PDT (@did, @pid). */
void genpt_rvi_dcc_inval_ddt(struct rvi_dcc *c, bool dv, uint32_t did);
void genpt_rvi_dcc_inval_pdt(struct rvi_dcc *c, uint32_t did, uint32_t pid);

int genpt_rvi_tlb_init(struct rvi_tlb *t, unsigned int entries);
void genpt_rvi_tlb_fini(struct rvi_tlb *t);
uint64_t genpt_rvi_tlb_gen(struct rvi_tlb *t);
bool genpt_rvi_tlb_lookup(struct rvi_tlb *t, const struct rvi_tlb_tag *tag,
			  uint64_t iova, struct rvi_tlb_entry *out);
void genpt_rvi_tlb_insert(struct rvi_tlb *t, uint64_t gen,
			  const struct rvi_tlb_entry *e);
/* IOTINVAL.VMA / IOTINVAL.GVMA with the command's operands. */
void genpt_rvi_tlb_inval_vma(struct rvi_tlb *t, bool gv, uint16_t gscid,
			     bool pscv, uint32_t pscid, bool av, uint64_t addr);
void genpt_rvi_tlb_inval_gvma(struct rvi_tlb *t, bool gv, uint16_t gscid,
			      bool av, uint64_t addr);

#endif /* GENPT_RISCV_IOMMU_INTERNAL_H */
