/* SPDX-License-Identifier: MIT */
/*
 * drvrig.h - one IOMMU driver helper on its model over genpt_physmem, with
 * a table of the format it attaches: the SMMUv3 helper (genpt_smmudrv_*)
 * or the RISC-V IOMMU helper (genpt_rvdrv_*).  A flow written once against
 * this rig runs on both drivers (test_drv_flows.c); every failure message
 * names the driver and configuration (dr_cfg.name).
 */
#ifndef GENPT_TEST_DRVRIG_H
#define GENPT_TEST_DRVRIG_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/riscv_iommu_drv.h"
#include "rvi_util.h"
#include "smmu_util.h"

/* struct dr_cfg - which driver, and the table it attaches. */
struct dr_cfg {
	const char *name;     /* "driver + configuration", for every message */
	bool smmu;            /* the SMMUv3 helper, else the RISC-V one */
	bool s2;              /* stage 2 (G-stage), else stage 1 (first stage) */
	unsigned int va_bits;
	unsigned int granule; /* SMMUv3: the table's granule (log2); RISC-V: 12 */
	uint64_t caps;        /* RISC-V capabilities (0: every extension) */
	unsigned int ddt_levels, fq_log2; /* RISC-V helper (0: its defaults) */
	unsigned int httu;    /* SMMUv3 model's IDR0.HTTU (0: the model's defaults) */
};

/* The configurations the flows use: either helper, the defaults. */
#define DR_SMMU(name, s2, va_bits, granule) { name, true, s2, va_bits, granule, 0, 0, 0, 0 }
#define DR_RV(name, s2, va_bits) { name, false, s2, va_bits, 12, 0, 0, 0, 0 }

/* struct drig - the driver helper, its model, memory and one table. */
struct drig {
	struct dr_cfg cfg;         /* a copy: the caller's may go */
	const char *name;          /* cfg.name */
	struct smmu_env se;        /* SMMUv3: model, helper (se.drv), memory */
	struct rvi_env re;         /* RISC-V: model, memory; re.ddt is the helper's DDT */
	struct genpt_rvdrv *rd;    /* RISC-V: the helper */
	struct genpt_physmem *pm;  /* the memory of either */
	struct genpt *pt;
};

/* The same call of either helper: past the driver, their arguments match. */
#define DR(t, fn, ...)                                                    \
	((t)->cfg.smmu ? genpt_smmudrv_##fn((t)->se.drv, __VA_ARGS__) :    \
			genpt_rvdrv_##fn((t)->rd, __VA_ARGS__))

/* @expr equals @want, or the failure names the configuration and @expr. */
#define DR_EQ(name, expr, want) cr_assert_eq((expr), (want), "%s: %s", (name), #expr)

/* The helper of @c on its model over @mem_bytes of memory, and the table. */
void dr_init(struct drig *t, const struct dr_cfg *c, uint64_t mem_bytes);
/* Another table of the helper's format in its memory (stage 2 / G-stage
 * for @s2), the rig's granule. */
struct genpt *dr_table(struct drig *t, bool s2, unsigned int va_bits);
/* Destroy the table, the helper (RISC-V: which turns the IOMMU Off), the
 * model and the memory. */
void dr_fini(struct drig *t);
/* Attach device (StreamID / device_id) @dev to @pt at stage 2 (@s2) or 1,
 * domain @id (VMID, ASID, GSCID or PSCID by the stage): 0 or the error. */
int dr_attach_to(struct drig *t, uint32_t dev, struct genpt *pt, bool s2, unsigned int id);
/* The same with the rig's table and stage; asserts it worked. */
void dr_attach(struct drig *t, uint32_t dev, unsigned int id);
/* The helper's plain unmap (SMMUv3: unmap_read_dirty without a bitmap). */
int dr_unmap(struct drig *t, uint64_t iova, uint64_t len, uint64_t *unmapped);
/* An 8-byte device access through the model: 0 or its error. */
int dr_dma(struct drig *t, uint32_t dev, uint64_t iova, uint64_t *v, unsigned int access);
int dr_write(struct drig *t, uint32_t dev, uint64_t iova, uint64_t v);
/* The helper's harvest of [@iova, @iova + @len) with @flags into @bits
 * (cleared first; page 0 = @iova, 4 KiB pages); asserts it succeeds.  With
 * DR_ENGINE in @flags, the engine's harvest alone: nothing invalidated. */
#define DR_ENGINE (1u << 31)
void dr_harvest(struct drig *t, uint64_t iova, uint64_t len, unsigned int flags,
		uint64_t *bits);
/* The host copy of the 8 bytes at physical address @pa. */
uint64_t *dr_ptr(struct drig *t, uint64_t pa);
/* RISC-V: the tc word of device @dev's context in the helper's DDT. */
uint64_t dr_tc(struct drig *t, uint32_t dev);
/* Exactly one record waits: a translation fault of
 * device @dev's read (@write false) or write at @iova: the SMMUv3's
 * F_TRANSLATION (S2, IPA at stage 2) or the RISC-V page fault (guest page
 * fault, iotval2 the GPA, at the G-stage), with the access's type. */
void dr_expect_fault(struct drig *t, uint32_t dev, uint64_t iova, bool write);
/* Exactly one record waits, @code (SMMUv3 event id, RISC-V cause) for
 * device @dev, and none was lost. */
void dr_expect_record(struct drig *t, unsigned int code, uint32_t dev);

#endif /* GENPT_TEST_DRVRIG_H */
