/* SPDX-License-Identifier: MIT */
/*
 * genpt/smmuv3_model.h - a software Arm SMMUv3 (IHI 0070) with hardware
 * translation table update (HTTU), part of the hardware side
 * (libgenpt_hw).
 *
 * The model (genpt_smmu_*) reads the structures a real SMMUv3 reads - the
 * stream table (linear or 2-level), context descriptors, VMSAv8-64
 * stage-1 and stage-2 translation tables - in memory reached only through
 * a struct genpt_mem_ops (phys_to_virt), e.g. a genpt_physmem.  It has the
 * registers at their architected offsets, consumes the command queue when
 * CMDQ_PROD is written, writes events to the event queue, caches
 * configuration and translations (with their dirty state), and updates the
 * Access flag and dirty state of descriptors by atomic compare-and-swap
 * (CD.HA/HD, STE.S2HA/S2HD).  It decodes every structure from the
 * architecture on its own (it shares no code with the table engine), so a
 * device writing through it checks the engine's tables and its dirty
 * harvest end to end.
 *
 * Conventions: functions return 0 (or a documented non-negative value) or a
 * negative errno.  NULL arguments give -EINVAL.
 *
 * Threads: genpt_smmu_translate() and genpt_smmu_dma() may be called from
 * any number of threads at once, also while registers are written,
 * commands run and the engine edits or harvests the tables.  Register
 * accesses are serialized inside the model.
 */
#ifndef GENPT_SMMUV3_MODEL_H
#define GENPT_SMMUV3_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"
#include "genpt/smmuv3_regs.h"
#include "genpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** struct genpt_smmu - opaque software SMMUv3. */
struct genpt_smmu;

/**
 * struct genpt_smmu_config - what genpt_smmu_create() builds.
 *
 * @httu:        IDR0.HTTU: 0 none, 1 Access flag, 2 Access flag and dirty
 *               state; 3 = the default (2).  Other values give -EINVAL.
 * @no_stage1:   clear IDR0.S1P (stage 1 and nesting unsupported).
 * @no_stage2:   clear IDR0.S2P (stage 2 and nesting unsupported).
 * @bbml:        IDR3.BBML, 0..2 (a NULL @cfg gives 2).  A translation that
 *               would cache an entry overlapping a cached entry of another
 *               size (a block replaced by a table, or the reverse, without
 *               break-before-make) faults with F_TLB_CONFLICT below 2; at
 *               2 the older entry is dropped.  At 1 and 2 a block
 *               descriptor's bit 16 is nT: used, never cached; at 0 it is
 *               RES0 (a block with it faults).
 * @sid_bits:    IDR1.SIDSIZE, 1..24 (0 = 16).
 * @tlb_entries: TLB capacity in translations (0 = 512).
 * @cfg_entries: configuration cache capacity in STEs and CDs (0 = 64).
 */
struct genpt_smmu_config {
	unsigned int httu;
	bool no_stage1;
	bool no_stage2;
	unsigned int bbml;
	unsigned int sid_bits;
	unsigned int tlb_entries;
	unsigned int cfg_entries;
};

/**
 * genpt_smmu_create() - an SMMUv3 in reset state.
 * @cfg:     features and cache sizes; NULL for all defaults.
 * @mem:     the memory provider every structure is reached through; must
 *           have phys_to_virt.
 * @mem_ctx: its context.
 * @out:     receives the new SMMU.
 *
 * Reset state: CR0 0 (SMMUEN, queues off), GBPA.ABORT 1 (transactions
 * abort while SMMUEN is 0), GERROR 0, caches empty.  The model keeps @mem
 * and @mem_ctx; they must outlive it.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: bad arguments or configuration.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_smmu_create(const struct genpt_smmu_config *cfg,
				const struct genpt_mem_ops *mem, void *mem_ctx,
				struct genpt_smmu **out);

/**
 * genpt_smmu_destroy() - free the model (not the memory it walked).
 * @smmu: the SMMU, or NULL (a no-op).
 */
GENPT_API void genpt_smmu_destroy(struct genpt_smmu *smmu);

/**
 * genpt_smmu_reg_read() - read a register.
 * @smmu:   the SMMU.
 * @offset: byte offset (GENPT_SMMU_REG_*), below GENPT_SMMU_REG_SPACE.
 * @size:   4 or 8 bytes.
 * @value:  receives the value (zero-extended for 4 bytes).
 *
 * Unimplemented and reserved offsets read 0.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a NULL argument, a size other than 4 or 8, an offset not aligned
 *          to the size or beyond the register space.
 */
GENPT_API int genpt_smmu_reg_read(struct genpt_smmu *smmu, uint32_t offset,
				  unsigned int size, uint64_t *value);

/**
 * genpt_smmu_reg_write() - write a register.
 * @smmu:   the SMMU.
 * @offset: byte offset (GENPT_SMMU_REG_*).
 * @size:   4 or 8 bytes.
 * @value:  the value (its low 32 bits for 4 bytes).
 *
 * CR0ACK follows CR0 at once.  Writing CMDQ_PROD while CR0.CMDQEN is set
 * and no command error is active consumes every command up to it before
 * returning; an illegal command sets CMDQ_CONS.ERR, toggles GERROR.CMDQ_ERR
 * and stops the queue with CONS on it until GERRORN acknowledges it.
 * Read-only registers ignore writes.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: as for genpt_smmu_reg_read().
 */
GENPT_API int genpt_smmu_reg_write(struct genpt_smmu *smmu, uint32_t offset,
				   unsigned int size, uint64_t value);

/**
 * struct genpt_smmu_req - one untranslated transaction.
 *
 * @sid:    StreamID.
 * @ssid:   SubstreamID, used when @ssv.
 * @ssv:    the transaction carries a SubstreamID.
 * @iova:   the address.
 * @access: GENPT_ACCESS_READ / WRITE / EXEC.
 * @ats:    an ATS translation request (PCIe): answered, not performed;
 *          a write request updates the dirty state before the answer, as
 *          the architecture requires for a translation that grants write.
 */
struct genpt_smmu_req {
	uint32_t sid;
	uint32_t ssid;
	bool ssv;
	uint64_t iova;
	unsigned int access;
	bool ats;
};

/**
 * struct genpt_smmu_rsp - the outcome of genpt_smmu_translate().
 *
 * @event:      0 on success, else the event ID of the fault
 *              (GENPT_SMMU_EVT_*), also when the record was suppressed or
 *              the transaction simply aborted (then GENPT_SMMU_EVT_ABORT).
 * @pa:         the output address (0 on a fault).
 * @page_shift: log2 of the translation's size (the smaller stage's leaf or
 *              contiguous span), 12 for bypass; 0 on a fault.
 * @tlb_hit:    served from the TLB.
 */
struct genpt_smmu_rsp {
	unsigned int event;
	uint64_t pa;
	unsigned int page_shift;
	bool tlb_hit;
};

/* rsp.event of a transaction terminated without an event record (SMMUEN 0
 * with GBPA.ABORT, STE.Config abort, S1DSS terminate). */
#define GENPT_SMMU_EVT_ABORT 0x100

/**
 * genpt_smmu_translate() - translate one transaction as the SMMU does.
 * @smmu: the SMMU.
 * @req:  the request.
 * @rsp:  receives the outcome.
 *
 * Stream table lookup, STE and CD checks (C_BAD_STREAMID, C_BAD_STE,
 * C_BAD_SUBSTREAMID, C_BAD_CD, F_STE_FETCH, F_CD_FETCH), then the TLB or
 * the stage-1 and stage-2 walks (nested: every stage-1 table address and
 * the CD address go through stage 2).  Faults are recorded in the event
 * queue when it is on, unless CD.R / STE.S2R suppress the stage's
 * translation faults.  Thread safe.
 *
 * Return: 0 when processed, faulting or not (see @rsp->event), or a
 * negative errno.
 * -EINVAL: bad arguments (NULL, unknown access, a SubstreamID above 20
 *          bits).
 */
GENPT_API int genpt_smmu_translate(struct genpt_smmu *smmu,
				   const struct genpt_smmu_req *req,
				   struct genpt_smmu_rsp *rsp);

/**
 * genpt_smmu_dma() - a device DMA without SubstreamID.
 * @smmu:   the SMMU.
 * @sid:    the StreamID.
 * @iova:   first address.
 * @buf:    the device's data: the source of a write, the destination of a
 *          read.
 * @len:    bytes (0 does nothing).
 * @access: GENPT_ACCESS_WRITE copies @buf to memory; READ and EXEC copy
 *          memory to @buf.
 *
 * Translates page by page and copies with relaxed atomic byte accesses.
 * A transfer's data is in memory before any CMD_SYNC that began after the
 * transfer looked up its translation completes: as the architecture
 * requires of invalidation completion, once TLBI + CMD_SYNC are done no
 * transaction still uses a translation they removed.  Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EFAULT: a translation faulted (recorded like any other; the bytes
 *          before it were transferred) or an address is not backed.
 * -EINVAL: bad arguments.
 */
GENPT_API int genpt_smmu_dma(struct genpt_smmu *smmu, uint32_t sid, uint64_t iova,
			     void *buf, size_t len, unsigned int access);

/**
 * struct genpt_smmu_stats - event counters (monotonic).
 */
struct genpt_smmu_stats {
	uint64_t translations; /* genpt_smmu_translate() calls processed */
	uint64_t tlb_hits;     /* served from the TLB */
	uint64_t tlb_misses;   /* walked */
	uint64_t cfg_hits;     /* STEs and CDs from the configuration cache */
	uint64_t cfg_misses;   /* ... read from memory */
	uint64_t httu_updates; /* descriptors the SMMU wrote (AF, dirty) */
	uint64_t faults;       /* transactions that faulted or aborted */
	uint64_t events;       /* records written to the event queue */
	uint64_t commands;     /* commands consumed */
};

/**
 * genpt_smmu_stats() - read the event counters.
 * @smmu: the SMMU.
 * @out:  receives the counters.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_smmu_stats(struct genpt_smmu *smmu, struct genpt_smmu_stats *out);

/**
 * genpt_smmu_mmio_ops - MMIO ops whose ctx is a struct genpt_smmu *:
 * genpt_smmu_reg_read() and genpt_smmu_reg_write().
 */
GENPT_API extern const struct genpt_smmu_mmio_ops genpt_smmu_mmio_ops;

#ifdef __cplusplus
}
#endif

#endif /* GENPT_SMMUV3_MODEL_H */
