/* SPDX-License-Identifier: MIT */
/*
 * genpt/riscv_iommu_drv.h - the driver helper for a RISC-V IOMMU
 * (specification v1.0), part of the engine (libgenpt).
 *
 * The driver helper (genpt_rvdrv_*) is what a hypervisor's IOMMU driver does
 * with such an IOMMU: it builds the DDT and the queues, attaches genpt tables
 * to devices as first or second stage, and runs the dirty-tracking flow
 * (DC.tc.GADE/SADE, invalidation, fence) around the engine's harvest.  It
 * reaches the IOMMU only through MMIO callbacks and in-memory structures, so
 * it drives real hardware and the model (genpt/riscv_iommu_model.h,
 * genpt_rviommu_mmio_ops) the same way.
 *
 * Conventions: functions return 0 (or a documented non-negative value) or a
 * negative errno.  NULL arguments give -EINVAL.
 *
 * Threads: the driver helper serializes its own calls with one lock per
 * driver.
 */
#ifndef GENPT_RISCV_IOMMU_DRV_H
#define GENPT_RISCV_IOMMU_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"
#include "genpt/riscv_iommu_regs.h"
#include "genpt/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * The driver helper
 * ---------------------------------------------------------------------- */

/** struct genpt_rvdrv - opaque driver state for one IOMMU. */
struct genpt_rvdrv;

/**
 * struct genpt_rvdrv_config - what genpt_rvdrv_create() sets up.
 *
 * @mmio, @mmio_ctx: register access (e.g. &genpt_rviommu_mmio_ops and the
 *                   model).
 * @mem, @mem_ctx:   memory for the DDT, the queues and the fence word
 *                   (alloc, free and phys_to_virt are used); the IOMMU must
 *                   reach the same physical addresses.  For an IOMMU that
 *                   does not snoop the CPU caches give a flush callback:
 *                   every page is flushed when allocated, and every device
 *                   context, directory entry and command after it is
 *                   written (a device context in three steps: V off, the
 *                   fields, V on).  What the IOMMU writes (fault records,
 *                   the fence word) must reach the CPU coherently.
 * @ddt_levels:      1, 2 or 3 DDT levels; 0 = 3 (every 24-bit device_id).
 * @cq_log2:         log2 of command-queue entries, 1..20 (0 = 8: 4 KiB).
 * @fq_log2:         log2 of fault-queue entries, 1..20 (0 = 7: 4 KiB).
 */
struct genpt_rvdrv_config {
	const struct genpt_rv_mmio_ops *mmio;
	void *mmio_ctx;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	unsigned int ddt_levels;
	unsigned int cq_log2;
	unsigned int fq_log2;
};

/**
 * genpt_rvdrv_create() - probe and enable an IOMMU.
 * @cfg: register access, memory for the driver's structures, DDT levels,
 *       queue sizes.
 * @out: receives the driver.
 *
 * Reads capabilities (version must be 1.x), turns the IOMMU Off, allocates
 * and programs the command queue and fault queue and enables them (waiting
 * for cqon/fqon), allocates the DDT root and switches ddtp to the chosen
 * level count (checking that the mode reads back), then invalidates every
 * cached device context (IODIR.INVAL_DDT) and translation (IOTINVAL.VMA
 * and GVMA) and fences.  No device is attached: every device_id faults
 * with "DDT entry not valid" until attached.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: a bad config or NULL argument.
 * -ENOMEM: out of memory.
 * -EOPNOTSUPP: the IOMMU does not support the DDT mode.
 * -EIO: a register access failed or a command was refused.
 * -ETIMEDOUT: the IOMMU never reported on/idle.
 */
GENPT_API int genpt_rvdrv_create(const struct genpt_rvdrv_config *cfg,
				 struct genpt_rvdrv **out);

/**
 * genpt_rvdrv_destroy() - switch the IOMMU Off, disable the queues, free the
 * DDT and queue memory.
 * @drv: the driver, or NULL (a no-op).
 *
 * Tables stay with their owners.
 */
GENPT_API void genpt_rvdrv_destroy(struct genpt_rvdrv *drv);

/** enum genpt_rvdrv_stage - how a table is attached. */
enum genpt_rvdrv_stage {
	GENPT_RVDRV_STAGE1 = 1, /* iosatp (fsc) with a PSCID; iohgatp Bare */
	GENPT_RVDRV_STAGE2 = 2, /* iohgatp with a GSCID; first stage Bare */
};

/**
 * struct genpt_rvdrv_domain - the translation context a table gets.
 *
 * @stage: GENPT_RVDRV_STAGE1 (table must be Sv39/48/57) or STAGE2 (table
 *         must be G-stage, Sv39x4/48x4/57x4).
 * @id:    the PSCID (20 bits) or GSCID (16 bits).  One id names one table:
 *         attaching a different table with an id in use gives -EBUSY.
 */
struct genpt_rvdrv_domain {
	enum genpt_rvdrv_stage stage;
	uint32_t id;
};

/**
 * genpt_rvdrv_attach() - make a device translate through a table.
 * @drv:       the driver.
 * @device_id: the device (as wide as the DDT allows, at most 24 bits).
 * @table:     the table; it must outlive the attachment.
 * @dom:       the stage and the context id (PSCID or GSCID).
 *
 * Builds the DDT path on demand and writes the device context (V last, with
 * a release store): stage 2: iohgatp = MODE | GSCID | root PPN, first stage
 * Bare; stage 1: fsc = iosatp, ta.PSCID, iohgatp Bare.  DC.tc.GADE (stage 2)
 * or SADE (stage 1) is set when the table's dirty tracking is on.  Then
 * IODIR.INVAL_DDT for the device and IOFENCE.C.
 *
 * On any error the DDT is as it was: the missing directory pages are all
 * allocated before one store links them, and when a command fails the
 * device context is restored, the new directory pages unlinked and the
 * invalidation sent again; those pages go back to the provider when that
 * invalidation completes, else at genpt_rvdrv_destroy() (the IOMMU may
 * have read them).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: bad arguments, device_id wider than the DDT, id too wide, a
 *          table of the wrong kind for the stage.
 * -EOPNOTSUPP: the IOMMU lacks the table's mode, or the table tracks dirty
 *          state and the IOMMU lacks AMO_HWAD.
 * -EEXIST: the device is attached already.
 * -EBUSY: the id names another table.
 * -ENOMEM: out of memory.
 * -EIO: a command was refused.
 */
GENPT_API int genpt_rvdrv_attach(struct genpt_rvdrv *drv, uint32_t device_id,
				 struct genpt *table,
				 const struct genpt_rvdrv_domain *dom);

/**
 * genpt_rvdrv_set_ats() - let an attached device use PCIe ATS, or stop it.
 * @drv:       the driver.
 * @device_id: an attached device.
 * @enable:    set (true) or clear DC.tc.EN_ATS.
 *
 * A device with ATS caches translations in its ATC - also dirty, writable
 * ones, through which its writes set no D bit: the IOTLB's hazard for dirty
 * tracking, one level further out.  So while ATS is on, every invalidation
 * of the device's table (unmap, harvest, tracking switches,
 * genpt_rvdrv_invalidate()) and detach also send ATS.INVAL for the range
 * to the device before the IOFENCE.C.  Switching on: the DC's tc, then
 * IODIR.INVAL_DDT and IOFENCE.C; switching off also empties the ATC
 * (ATS.INVAL for everything) before the fence.  No change is a no-op.
 *
 * Return: 0, or a negative errno (ATS as it was).
 * -EINVAL: NULL @drv.
 * -ENOENT: @device_id is not attached.
 * -EOPNOTSUPP: @enable without capabilities.ATS.
 * -EIO, -ETIMEDOUT: the command queue failed (the DC is restored).
 */
GENPT_API int genpt_rvdrv_set_ats(struct genpt_rvdrv *drv, uint32_t device_id,
				  bool enable);

/**
 * genpt_rvdrv_detach() - stop a device translating.
 * @drv:       the driver.
 * @device_id: the device.
 *
 * Invalidates the device context (V=0), IODIR.INVAL_DDT, invalidates the
 * domain's translations (IOTINVAL.GVMA for its GSCID or IOTINVAL.VMA for
 * its PSCID) and IOFENCE.C.
 *
 * Return: 0, or a negative errno.
 * -ENOENT: the device is not attached.
 * -EINVAL: bad arguments.
 * -EIO: a command was refused.  The device is detached all the same (its
 *       device context stays invalid; the IOMMU may keep a cached copy
 *       until a later invalidation gets through).
 */
GENPT_API int genpt_rvdrv_detach(struct genpt_rvdrv *drv, uint32_t device_id);

/**
 * genpt_rvdrv_set_dirty_tracking() - switch hardware dirty tracking for
 * every device attached to a table.
 * @drv:    the driver.
 * @table:  the table.
 * @enable: true to switch it on, false to switch it off.
 *
 * While @table is attached to a device, this (or the _split variant) is
 * the only way to switch its tracking: genpt_set_dirty_tracking() and
 * genpt_set_dirty_tracking_split() on it return -EBUSY, because the IOMMU
 * would not follow (a write would fault on a write-clean leaf).
 * On: for each device set DC.tc.GADE (stage 2) or SADE (stage 1) and
 * IODIR.INVAL_DDT it; IOTINVAL.GVMA for the GSCID (IOTINVAL.VMA for the
 * PSCID); IOFENCE.C; then genpt_set_dirty_tracking(table, true) so new
 * writable leaves start clean; then a clean pass over the whole table
 * (genpt_read_and_clear_dirty with a NULL bitmap, invalidated and fenced
 * like any harvest) so tracking starts from a clean slate.
 * Off: genpt_set_dirty_tracking(table, false) first (every writable leaf
 * becomes dirty while hardware may still update), then clear GADE/SADE,
 * IODIR.INVAL_DDT, IOTINVAL, IOFENCE.C.
 * Setting the current state again is a no-op.  Devices attached later
 * follow the table's state (see genpt_rvdrv_attach()).  When switching on
 * fails, it is undone: the table off again and every device context
 * without GADE/SADE, as before the call.  When switching off fails after
 * the table went off, tracking stays off (every writable leaf dirty, so no
 * write is lost) and the error is reported.
 *
 * Return: 0, or a negative errno.
 * -EOPNOTSUPP: the IOMMU lacks capabilities.AMO_HWAD (nothing changes), or
 *          the table has no dirty state.
 * -EIO: a command was refused.
 * Other errors of the engine calls above.
 */
GENPT_API int genpt_rvdrv_set_dirty_tracking(struct genpt_rvdrv *drv,
					     struct genpt *table, bool enable);

/**
 * genpt_rvdrv_set_dirty_tracking_split() - genpt_rvdrv_set_dirty_tracking()
 * at base-page granularity.
 * @drv:        the driver.
 * @table:      the table.
 * @enable:     true to split and switch on, false to switch off and merge.
 * @page_shift: log2 of the leaf size tracking works at (12..63).
 *
 * On enable, the table's leaves larger than 2^@page_shift are split
 * (genpt_set_dirty_tracking_split()) so one device write dirties one small
 * page, and the replaced ranges are invalidated; on disable, the leaves the
 * split replaced are merged back (the caller's layout, leaf by leaf, as
 * genpt_set_dirty_tracking_split() restores it) and the freed tables are
 * released after their ranges were invalidated and fenced.  Disable with
 * tracking already off still finishes a restore an earlier disable left
 * unfinished (-ENOMEM).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a @page_shift below 12 or above 63, or bad arguments.
 * Otherwise as genpt_rvdrv_set_dirty_tracking() and
 * genpt_set_dirty_tracking_split().
 */
GENPT_API int genpt_rvdrv_set_dirty_tracking_split(struct genpt_rvdrv *drv,
						   struct genpt *table,
						   bool enable,
						   unsigned int page_shift);

/**
 * genpt_rvdrv_read_and_clear_dirty() - harvest through the IOMMU.
 * @drv:    the driver.
 * @table:  the table.
 * @iova:   first input address of the range.
 * @len:    bytes.
 * @flags:  as for genpt_read_and_clear_dirty().
 * @bitmap: where dirty pages are recorded (may be NULL).
 *
 * genpt_read_and_clear_dirty() into a gather, then invalidate the gathered
 * range for every domain @table is attached to (IOTINVAL.GVMA with
 * addresses, or IOTINVAL.VMA for stage 1; a range above 64 pages is
 * invalidated for the whole GSCID/PSCID instead), IOFENCE.C, and
 * genpt_gather_release().  Because the IOTLB keeps each translation's dirty
 * state, without the invalidation a later write through a cached dirty
 * translation would not set D again and would be lost; with it nothing is.
 *
 * Return: 0, or a negative errno.
 * -EIO: a command was refused.
 * Other errors as genpt_read_and_clear_dirty().
 */
GENPT_API int genpt_rvdrv_read_and_clear_dirty(struct genpt_rvdrv *drv,
					       struct genpt *table, uint64_t iova,
					       uint64_t len, unsigned int flags,
					       const struct genpt_dirty_bitmap *bitmap);

/**
 * genpt_rvdrv_map() - map through the driver.
 * @drv:   the driver.
 * @table: the table.
 * @iova:  first input address.
 * @pa:    first physical address.
 * @len:   bytes.
 * @prot:  as for genpt_map().
 *
 * genpt_map() (no gather) and, if a failed map left a gathered range,
 * invalidate it like genpt_rvdrv_unmap() does.  New mappings need no
 * invalidation: the IOMMU never caches invalid entries.
 *
 * Return: 0, or a negative errno: those of genpt_map(), and -EIO.
 */
GENPT_API int genpt_rvdrv_map(struct genpt_rvdrv *drv, struct genpt *table,
			      uint64_t iova, uint64_t pa, uint64_t len,
			      unsigned int prot);

/**
 * genpt_rvdrv_unmap() - unmap through the driver.
 * @drv:      the driver.
 * @table:    the table.
 * @iova:     first input address.
 * @len:      bytes.
 * @unmapped: receives the bytes unmapped (may be NULL).
 *
 * genpt_unmap() into a gather, invalidate the range for every domain of
 * @table, IOFENCE.C, then release the freed table pages.
 *
 * Return: 0, or a negative errno: those of genpt_unmap(), and -EIO.
 */
GENPT_API int genpt_rvdrv_unmap(struct genpt_rvdrv *drv, struct genpt *table,
				uint64_t iova, uint64_t len, uint64_t *unmapped);

/**
 * genpt_rvdrv_unmap_read_dirty() - genpt_unmap_read_dirty() through the IOMMU.
 * @drv:      the driver.
 * @table:    the table.
 * @iova:     first address to unmap.
 * @len:      bytes to unmap.
 * @bitmap:   where removed dirty pages are recorded (NULL: a plain unmap).
 * @unmapped: receives the bytes unmapped (may be NULL).
 *
 * genpt_unmap_read_dirty() into a gather, then the invalidation and release
 * of genpt_rvdrv_unmap(): a guest unmapping during pre-copy loses no page a
 * device wrote.
 *
 * Return: 0, or a negative errno: those of genpt_unmap_read_dirty(), and
 * -EIO when the IOMMU stopped taking commands.
 */
GENPT_API int genpt_rvdrv_unmap_read_dirty(struct genpt_rvdrv *drv, struct genpt *table,
					   uint64_t iova, uint64_t len,
					   const struct genpt_dirty_bitmap *bitmap,
					   uint64_t *unmapped);

/**
 * genpt_rvdrv_invalidate() - invalidate a range of a table's translations.
 * @drv:   the driver.
 * @table: the table.
 * @first: first address (inclusive).
 * @last:  last address (inclusive).
 *
 * Invalidates [@first, @last] of every domain @table is attached to and
 * fences; for callers that edit the table with the engine directly (then
 * release their gather).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: bad arguments.
 * -EIO: a command was refused.
 */
GENPT_API int genpt_rvdrv_invalidate(struct genpt_rvdrv *drv, struct genpt *table,
				     uint64_t first, uint64_t last);

/**
 * genpt_rvdrv_poll_faults() - the fault poller.
 * @drv:      the driver.
 * @out:      receives up to @max decoded records.
 * @max:      capacity of @out.
 * @overflow: set when records were lost (may be NULL).
 *
 * Copies up to @max records from the fault queue (head to tail) into @out,
 * decoded, and advances fqh past them.  *@overflow is set when the IOMMU
 * reported fqcsr.fqof or fqmf (records were lost); those bits are then
 * cleared so reporting resumes.
 *
 * Return: the number of records (0..@max), or a negative errno.
 * -EINVAL: bad arguments.
 * -EIO: a register access failed.
 */
GENPT_API int genpt_rvdrv_poll_faults(struct genpt_rvdrv *drv,
				      struct genpt_rviommu_fault *out,
				      unsigned int max, bool *overflow);

/**
 * genpt_rvdrv_ddt_info() - where the device directory is (for tests and
 * debugging).
 * @drv:     the driver.
 * @root_pa: receives the physical address of the DDT root.
 * @mode:    receives the ddtp mode programmed (GENPT_RVI_DDTP_1LVL..3LVL).
 *
 * Return: 0, or -EINVAL for NULL arguments.
 */
GENPT_API int genpt_rvdrv_ddt_info(struct genpt_rvdrv *drv, uint64_t *root_pa,
				   unsigned int *mode);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_RISCV_IOMMU_DRV_H */
