/* SPDX-License-Identifier: MIT */
/*
 * smmu_util.h - an SMMUv3 model with physical memory and the driver helper
 * on top, and ARMv8 tables to attach: what the SMMUv3 suites share.
 */
#ifndef GENPT_TEST_SMMU_UTIL_H
#define GENPT_TEST_SMMU_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/mem.h"
#include "genpt/smmuv3_drv.h"
#include "genpt/smmuv3_model.h"
#include "genpt/table.h"

#define SMMU_KiB (1ull << 10)
#define SMMU_MiB (1ull << 20)
#define SMMU_GiB (1ull << 30)

struct smmu_env {
	struct genpt_physmem *pm;
	struct genpt_smmu *smmu;
	struct genpt_smmudrv *drv;
};

/* Memory of @mem_bytes at 0, the model with @cfg (NULL: defaults) and, if
 * @with_drv, the driver helper bound to it. */
void smmu_env_init(struct smmu_env *e, const struct genpt_smmu_config *cfg,
		   uint64_t mem_bytes, bool with_drv);
void smmu_env_fini(struct smmu_env *e);

/* An ARMv8 table in @e's memory: @s2 selects stage 2; DBM and contiguous
 * hints on. */
struct genpt *smmu_table(struct smmu_env *e, bool s2, unsigned int va_bits,
			 unsigned int granule_bits);

/* Device accesses of 8 bytes through the model. */
int smmu_write64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t v);
int smmu_read64(struct smmu_env *e, uint32_t sid, uint64_t iova, uint64_t *v);

/* Register access for tests. */
uint64_t smmu_rd(struct smmu_env *e, uint32_t off, unsigned int size);
void smmu_wr(struct smmu_env *e, uint32_t off, unsigned int size, uint64_t v);

/* xorshift64: the suites' reproducible random numbers. */
uint64_t smmu_rnd(uint64_t *s);

/*
 * Raw programming of the model, as a test drives it without the driver
 * helper: a linear stream table of 2^@sid_bits STEs (or, with @split, a
 * 2-level one whose first level covers 2^@sid_bits StreamIDs), a command
 * queue and an event queue of 2^@evtq_log2 records, SMMUEN.
 */
struct smmu_raw {
	struct smmu_env e;
	uint64_t strtab, l1, cmdq, evtq, sync;
	unsigned int evtq_log2;
	uint32_t prod, evcons, seq;
	unsigned int split;
};

void smmu_raw_init(struct smmu_raw *r, const struct genpt_smmu_config *cfg,
		   unsigned int sid_bits, unsigned int split, unsigned int evtq_log2);
void smmu_raw_fini(struct smmu_raw *r);
/* The STE of @sid (2-level: its level-2 table is created with SPAN 1 +
 * split on first use). */
uint64_t smmu_raw_ste(struct smmu_raw *r, uint32_t sid);
void smmu_raw_write_ste(struct smmu_raw *r, uint32_t sid, const uint64_t w[8]);
/* Submit one command; returns CMDQ_CONS.ERR (0 when it ran). */
unsigned int smmu_raw_cmd(struct smmu_raw *r, uint64_t d0, uint64_t d1);
/* CMD_SYNC with an MSI write; asserts it completed. */
void smmu_raw_sync(struct smmu_raw *r);
/* Next event record, false when none. */
bool smmu_raw_event(struct smmu_raw *r, struct genpt_smmu_event *ev);
uint64_t *smmu_raw_ptr(struct smmu_raw *r, uint64_t pa);

#endif /* GENPT_TEST_SMMU_UTIL_H */
