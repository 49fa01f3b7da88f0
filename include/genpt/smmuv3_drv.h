/* SPDX-License-Identifier: MIT */
/*
 * genpt/smmuv3_drv.h - the driver helper for an Arm SMMUv3 (IHI 0070),
 * part of the engine (libgenpt).
 *
 * The driver helper (genpt_smmudrv_*) is what a hypervisor's SMMUv3 driver
 * does: it builds the stream table and the queues, attaches genpt ARMv8
 * tables to streams as stage 1 (a CD) or stage 2 (the STE's S2 fields),
 * and runs the dirty-tracking flow (CD.HA/HD or STE.S2HA/S2HD, CFGI, TLBI,
 * CMD_SYNC) around the engine's harvest.  It reaches the SMMU only through
 * MMIO callbacks and in-memory structures, so it drives real hardware and
 * the model (genpt/smmuv3_model.h, genpt_smmu_mmio_ops) the same way.
 *
 * Conventions: functions return 0 (or a documented non-negative value) or a
 * negative errno.  NULL arguments give -EINVAL.
 *
 * Threads: the driver helper serializes its own calls with one lock per
 * driver.
 */
#ifndef GENPT_SMMUV3_DRV_H
#define GENPT_SMMUV3_DRV_H

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

/** struct genpt_smmudrv - opaque driver state for one SMMU. */
struct genpt_smmudrv;

/**
 * struct genpt_smmudrv_config - what genpt_smmudrv_create() sets up.
 *
 * @mmio, @mmio_ctx: register access (e.g. &genpt_smmu_mmio_ops and the
 *                   model).
 * @mem, @mem_ctx:   memory for the stream table, CDs, queues and the sync
 *                   word (alloc, free and phys_to_virt are used, and flush
 *                   when set: a non-coherent SMMU); the SMMU must reach
 *                   the same physical addresses.
 * @sid_bits:        StreamID bits of the stream table, at most IDR1.SIDSIZE:
 *                   linear 1..16 (0 = 8), 2-level 9..24 (0 = 16).
 * @two_level:       a 2-level stream table (SPLIT 8: level-2 tables of 256
 *                   STEs made on the first attach in their range); needs
 *                   IDR0.ST_LEVEL.
 * @cmdq_log2:       log2 of command-queue entries, 1..19 (0 = 8).
 * @evtq_log2:       log2 of event-queue entries, 1..19 (0 = 7).
 */
struct genpt_smmudrv_config {
	const struct genpt_smmu_mmio_ops *mmio;
	void *mmio_ctx;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	unsigned int sid_bits;
	bool two_level;
	unsigned int cmdq_log2;
	unsigned int evtq_log2;
};

/**
 * genpt_smmudrv_create() - probe and enable an SMMU.
 * @cfg: register access, memory, stream table and queue sizes.
 * @out: receives the driver.
 *
 * Reads IDR0/IDR1/IDR3/IDR5 (AArch64 tables, at least one stage), disables
 * the SMMU (CR0 = 0, waiting for CR0ACK), allocates and programs a linear
 * stream table with every STE invalid (or the first level of a 2-level
 * one, every descriptor invalid), the command and event queues;
 * enables the command queue, invalidates every cached configuration and
 * translation (CFGI_ALL, TLBI_NSNH_ALL, CMD_SYNC), then enables the event
 * queue and the SMMU.  Unattached StreamIDs fault with C_BAD_STE.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: a bad config or NULL argument.
 * -ENOMEM: out of memory.
 * -EOPNOTSUPP: the SMMU lacks AArch64 tables, both stages, @sid_bits or
 *          2-level stream tables.
 * -EIO: a register access failed or a command was refused.
 * -ETIMEDOUT: CR0ACK or a CMD_SYNC never completed.
 */
GENPT_API int genpt_smmudrv_create(const struct genpt_smmudrv_config *cfg,
				   struct genpt_smmudrv **out);

/**
 * genpt_smmudrv_destroy() - disable the SMMU and free the driver's memory.
 * @drv: the driver, or NULL (a no-op).
 *
 * Tables stay with their owners.
 */
GENPT_API void genpt_smmudrv_destroy(struct genpt_smmudrv *drv);

/** enum genpt_smmudrv_stage - how a table is attached. */
enum genpt_smmudrv_stage {
	GENPT_SMMUDRV_STAGE1 = 1, /* a CD with the table as TTB0, tagged by ASID */
	GENPT_SMMUDRV_STAGE2 = 2, /* the STE's S2TTB/VTCR, tagged by VMID */
};

/**
 * struct genpt_smmudrv_domain - the translation context a table gets.
 *
 * @stage: GENPT_SMMUDRV_STAGE1 (an ARMv8 stage-1 table) or STAGE2 (an
 *         ARMv8 table created with GENPT_FEAT_ARMV8_S2).
 * @id:    the ASID or VMID (16 bits).  One id names one table: attaching a
 *         different table with an id in use gives -EBUSY.
 */
struct genpt_smmudrv_domain {
	enum genpt_smmudrv_stage stage;
	uint32_t id;
};

/**
 * genpt_smmudrv_attach() - make a stream translate through a table.
 * @drv:   the driver.
 * @sid:   the StreamID.
 * @table: the table; it must outlive the attachment.
 * @dom:   the stage and the ASID/VMID.
 *
 * Stage 2: STE.S2VMID, the VTCR fields and S2TTB from genpt_hw_info(),
 * S2AA64, S2R, and S2HA/S2HD while the table tracks dirty state.  Stage 1:
 * a CD (TTB0, T0SZ/TG0/IPS, ASID, AA64, R, A, the MAIR genpt's attribute
 * indexes use, HA/HD while tracking) and an STE pointing at it.  Fields
 * first, STE word 0 (V) last, then CFGI_STE and CMD_SYNC.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: bad arguments, @sid beyond the stream table, an id above 16
 *          bits, a table that is not ARMv8 of the stage's kind.
 * -EOPNOTSUPP: the SMMU lacks the stage, the table's granule, or HTTU
 *          dirty state while the table tracks it.
 * -EEXIST: the stream is attached already.
 * -EBUSY: the id names another table.
 * -ENOMEM: out of memory.
 * -EIO: a command was refused.
 */
GENPT_API int genpt_smmudrv_attach(struct genpt_smmudrv *drv, uint32_t sid,
				   struct genpt *table,
				   const struct genpt_smmudrv_domain *dom);

/**
 * genpt_smmudrv_attach_nested() - a stream translating through a guest's
 * own stage 1, nested in a table at stage 2.
 * @drv:    the driver.
 * @sid:    the StreamID.
 * @table:  the stage-2 table (ARMv8, GENPT_FEAT_ARMV8_S2): the guest's
 *          IPA space; its dirty tracking is the guest's.
 * @vmid:   the VMID (16 bits), as for a stage-2 domain.
 * @cd_ipa: IPA of the guest's linear CD table (64-byte aligned), which the
 *          guest fills; the SMMU reads it, and the stage-1 tables it
 *          points at, through @table.
 * @cdmax:  log2 of the CDs in it (STE.S1CDMAX); 0: one CD.  Without a
 *          SubstreamID a transaction uses CD 0 (S1DSS).
 *
 * The STE is the stage-2 one of genpt_smmudrv_attach() with Config nested
 * and S1ContextPtr = @cd_ipa.  The stream joins @vmid's stage-2 domain:
 * tracking, harvests and invalidations of @table cover it, and because
 * TLBI_S2_IPA need not remove combined stage 1 + 2 translations, a
 * domain with nested streams also gets TLBI_NH_ALL for the VMID after
 * range invalidations.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: bad arguments (as genpt_smmudrv_attach(), a misaligned or too
 *          wide @cd_ipa, @cdmax above 20).
 * -EOPNOTSUPP: the SMMU lacks stage 1 or stage 2 (or as genpt_smmudrv_attach()).
 * Otherwise as genpt_smmudrv_attach().
 */
GENPT_API int genpt_smmudrv_attach_nested(struct genpt_smmudrv *drv, uint32_t sid,
					  struct genpt *table, uint32_t vmid,
					  uint64_t cd_ipa, unsigned int cdmax);

/**
 * genpt_smmudrv_detach() - stop a stream translating.
 * @drv: the driver.
 * @sid: the StreamID.
 *
 * STE word 0 cleared, CFGI_STE, TLBI of the domain (TLBI_S12_VMALL or
 * TLBI_NH_ASID), CMD_SYNC; the CD page is freed after that.
 *
 * Return: 0, or a negative errno.
 * -ENOENT: the stream is not attached.
 * -EINVAL: bad arguments.
 * -EIO: a command was refused.
 */
GENPT_API int genpt_smmudrv_detach(struct genpt_smmudrv *drv, uint32_t sid);

/**
 * genpt_smmudrv_set_dirty_tracking() - switch hardware dirty tracking for
 * every stream attached to a table.
 * @drv:    the driver.
 * @table:  the table.
 * @enable: true to switch it on, false to switch it off.
 *
 * While @table is attached, this is the only way to switch its tracking
 * (genpt_set_dirty_tracking() on it returns -EBUSY).
 * On: set HA/HD in each CD (CFGI_CD) or S2HA/S2HD in each STE (CFGI_STE),
 * TLBI of the domains, CMD_SYNC; then genpt_set_dirty_tracking(table, true)
 * so writable leaves become writable-clean; then a clean pass over the
 * whole input space (harvest with a NULL bitmap, invalidated and synced).
 * Off: the table first (every writable leaf writable-dirty), then clear
 * the bits, CFGI, TLBI, CMD_SYNC.  The current state again is a no-op.
 *
 * Return: 0, or a negative errno.
 * -EOPNOTSUPP: the SMMU lacks HTTU dirty state (IDR0.HTTU < 2), or the
 *          table has no dirty state.
 * -EIO: a command was refused.
 * Other errors of the engine calls above.
 */
GENPT_API int genpt_smmudrv_set_dirty_tracking(struct genpt_smmudrv *drv,
					       struct genpt *table, bool enable);

/**
 * genpt_smmudrv_set_dirty_tracking_split() - genpt_smmudrv_set_dirty_tracking()
 * at base-page granularity.
 * @drv:        the driver.
 * @table:      the table.
 * @enable:     true to split and switch on, false to switch off and merge.
 * @page_shift: log2 of the leaf size tracking works at (12..63).
 *
 * Blocks larger than 2^@page_shift are split on enable and merged back on
 * disable (genpt_set_dirty_tracking_split()); the replaced ranges are
 * invalidated and synced before the freed tables are released.  How an
 * entry is replaced follows IDR3.BBML: BBML 2, in one store (the SMMU
 * copes with both translations); BBML 1, the nT route (the block with nT,
 * TLBI + CMD_SYNC, then the new entry; no fault); BBML 0,
 * break-before-make (an invalid entry, TLBI + CMD_SYNC, then the new one:
 * DMA to that block faults meanwhile, one block at a time).  Below BBML 2
 * contiguous runs of pages are not re-formed on merge, and at BBML 0 no
 * contiguous run is (that would fault DMA to the whole run meanwhile): its
 * members come back as single blocks.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a @page_shift below 12 or above 63, or bad arguments.
 * -EIO: a command was refused (the table is split or merged all the same).
 * Otherwise as genpt_smmudrv_set_dirty_tracking().
 */
GENPT_API int genpt_smmudrv_set_dirty_tracking_split(struct genpt_smmudrv *drv,
						     struct genpt *table, bool enable,
						     unsigned int page_shift);

/**
 * genpt_smmudrv_read_and_clear_dirty() - harvest through the SMMU.
 * @drv:    the driver.
 * @table:  the table.
 * @iova:   first input address of the range.
 * @len:    bytes.
 * @flags:  as for genpt_read_and_clear_dirty().
 * @bitmap: where dirty pages are recorded (may be NULL).
 *
 * genpt_read_and_clear_dirty() into a gather, then TLBI of the gathered
 * range in every domain of @table (TLBI_S2_IPA or TLBI_NH_VA per 4 KiB;
 * TLBI_S12_VMALL or TLBI_NH_ASID above 64 pages), CMD_SYNC, and
 * genpt_gather_release().  No invalidation is needed before the walk: a
 * TLBI before it synchronises nothing the harvest relies on.  Without the
 * one after it a write through a TLB entry cached writable-dirty would
 * not mark the descriptor again and would be lost.
 *
 * Return: 0, or a negative errno.
 * -EIO: a command was refused.
 * Other errors as genpt_read_and_clear_dirty().
 */
GENPT_API int genpt_smmudrv_read_and_clear_dirty(struct genpt_smmudrv *drv,
						 struct genpt *table, uint64_t iova,
						 uint64_t len, unsigned int flags,
						 const struct genpt_dirty_bitmap *bitmap);

/**
 * genpt_smmudrv_map() - map through the driver.
 * @drv:   the driver.
 * @table: the table.
 * @iova:  first input address.
 * @pa:    first physical address.
 * @len:   bytes.
 * @prot:  as for genpt_map().
 *
 * genpt_map(), and if a failed map left a gathered range, its invalidation.
 *
 * Return: 0, or a negative errno: those of genpt_map(), and -EIO.
 */
GENPT_API int genpt_smmudrv_map(struct genpt_smmudrv *drv, struct genpt *table,
				uint64_t iova, uint64_t pa, uint64_t len,
				unsigned int prot);

/**
 * genpt_smmudrv_unmap_read_dirty() - genpt_unmap_read_dirty() through the SMMU.
 * @drv:      the driver.
 * @table:    the table.
 * @iova:     first address to unmap.
 * @len:      bytes to unmap.
 * @bitmap:   where removed dirty pages are recorded (NULL: a plain unmap).
 * @unmapped: receives the bytes unmapped (may be NULL).
 *
 * The engine call into a gather, TLBI of the range, CMD_SYNC, release.
 *
 * Return: 0, or a negative errno: those of genpt_unmap_read_dirty(), -EIO.
 */
GENPT_API int genpt_smmudrv_unmap_read_dirty(struct genpt_smmudrv *drv,
					     struct genpt *table, uint64_t iova,
					     uint64_t len,
					     const struct genpt_dirty_bitmap *bitmap,
					     uint64_t *unmapped);

/**
 * genpt_smmudrv_invalidate() - invalidate a range of a table's translations.
 * @drv:   the driver.
 * @table: the table.
 * @first: first address (inclusive).
 * @last:  last address (inclusive).
 *
 * TLBI of [@first, @last] in every domain of @table, then CMD_SYNC.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: bad arguments.
 * -EIO: a command was refused.
 */
GENPT_API int genpt_smmudrv_invalidate(struct genpt_smmudrv *drv, struct genpt *table,
				       uint64_t first, uint64_t last);

/**
 * genpt_smmudrv_poll_events() - the event queue poller.
 * @drv:      the driver.
 * @out:      receives up to @max decoded records.
 * @max:      capacity of @out.
 * @overflow: set when records were lost (may be NULL).
 *
 * Copies up to @max records from CONS to PROD, decoded, and advances
 * CONS.  *@overflow is set when PROD.OVFLG differs from CONS.OVACKFLG;
 * the flag is then acknowledged.
 *
 * Return: the number of records (0..@max), or a negative errno.
 * -EINVAL: bad arguments.
 * -EIO: a register access failed.
 */
GENPT_API int genpt_smmudrv_poll_events(struct genpt_smmudrv *drv,
					struct genpt_smmu_event *out,
					unsigned int max, bool *overflow);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_SMMUV3_DRV_H */
