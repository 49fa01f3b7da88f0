/* SPDX-License-Identifier: MIT */
/*
 * hw_access.c - genpt_hw_access(): the format's hardware doing one access.
 *
 * The hardware side of genpt.  Like an IOMMU, it knows a table only by what
 * it is programmed with: genpt_hw_info() (root, levels, mode, the ARM TCR)
 * and genpt_get_config() (format, widths, features, memory provider).  The
 * reference walk of each format (<fmt>_walk.c) then decodes the entries
 * from the specification on its own, so the engine (lib/fmt) and the
 * hardware check each other: a shared misreading of a bit cannot hide.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "genpt/hw.h"
#include "genpt/table.h"
#include "hw/amdv1_walk.h"
#include "hw/armv8_walk.h"
#include "hw/riscv_walk.h"
#include "hw/vtdss_walk.h"
#include "hw/walk_cache.h"
#include "hw/x86_64_walk.h"

/* What one access needs: the registers, the provider and the A/D switch. */
struct hw_target {
	struct genpt_config cfg;
	struct genpt_hw_info info;
	bool tracking; /* the IOMMU runs with hardware A/D update */
	struct genpt_psc_walk *psc; /* paging-structure cache, or NULL */
};

static int rv_access(const struct hw_target *t, uint64_t iova,
		     unsigned int access, uint64_t *oa)
{
	struct genpt_rv_walk w = {
		.mem = t->cfg.mem,
		.mem_ctx = t->cfg.mem_ctx,
		.root_pa = t->info.root_pa,
		.levels = t->info.levels,
		.gstage = t->cfg.features & GENPT_FEAT_RISCV_GSTAGE,
		.va = iova,
		.access = access,
		.priv = false,
		.ad_update = t->tracking,
		.svnapot = t->cfg.features & GENPT_FEAT_RISCV_SVNAPOT,
		.svpbmt = t->cfg.features & GENPT_FEAT_RISCV_SVPBMT,
	};
	int err = genpt_rv_walk_errno(genpt_rv_walk(&w));

	if (!err)
		*oa = w.pa;
	return err;
}

/* The walk decodes the TCR/VTCR itself; genpt_hw_info() sets HA/HD in it
 * while tracking is on. */
static int arm_access(const struct hw_target *t, uint64_t iova,
		      unsigned int access, uint64_t *oa)
{
	struct genpt_arm_walk w = {
		.mem = t->cfg.mem,
		.mem_ctx = t->cfg.mem_ctx,
		.stage2 = t->cfg.features & GENPT_FEAT_ARMV8_S2,
		.ttbr = t->info.root_pa,
		.tcr = t->info.tcr,
		.va = iova,
		.access = access,
		.priv = false,
	};
	int err = genpt_arm_walk_errno(genpt_arm_walk(&w));

	if (!err)
		*oa = w.pa;
	return err;
}

static int x86_access(const struct hw_target *t, uint64_t iova,
		      unsigned int access, uint64_t *oa)
{
	struct genpt_x86_walk w = {
		.mem = t->cfg.mem,
		.mem_ctx = t->cfg.mem_ctx,
		.root_pa = t->info.root_pa,
		.levels = t->info.levels,
		.va = iova,
		.access = access,
		.ad_update = t->tracking,
		.psc = t->psc,
	};
	int err = genpt_x86_walk_errno(genpt_x86_walk(&w));

	if (!err)
		*oa = w.pa;
	return err;
}

static int vtdss_access(const struct hw_target *t, uint64_t iova,
			unsigned int access, uint64_t *oa)
{
	struct genpt_vtdss_walk w = {
		.mem = t->cfg.mem,
		.mem_ctx = t->cfg.mem_ctx,
		.root_pa = t->info.root_pa,
		.levels = t->info.levels,
		.snoop_control = t->cfg.features & GENPT_FEAT_VTDSS_SNP,
		.va = iova,
		.access = access,
		.ssade = t->tracking,
		.psc = t->psc,
	};
	int err = genpt_vtdss_walk_errno(genpt_vtdss_walk(&w));

	if (!err)
		*oa = w.pa;
	return err;
}

static int amdv1_access(const struct hw_target *t, uint64_t iova,
			unsigned int access, uint64_t *oa)
{
	struct genpt_amdv1_walk w = {
		.mem = t->cfg.mem,
		.mem_ctx = t->cfg.mem_ctx,
		.root_pa = t->info.root_pa,
		.mode = t->info.mode,
		.va = iova,
		.access = access,
		.had = t->tracking,
		/* The table's owner says the IOMMU updates PDE A too. */
		.had_pde = t->cfg.features & GENPT_FEAT_TABLE_ACCESSED,
		.psc = t->psc,
	};
	int err = genpt_amdv1_walk_errno(genpt_amdv1_walk(&w));

	if (!err)
		*oa = w.pa;
	return err;
}

/*
 * The input-address check hardware makes before it walks: sign-extended
 * (canonical) inputs for x86-64 and the RISC-V first stage, zero-extended
 * for the others.  The same -ERANGE the engine's calls give.
 */
static int check_input(const struct genpt_config *cfg, uint64_t iova)
{
	bool sext = cfg->format == GENPT_FMT_X86_64 ||
		    (cfg->format == GENPT_FMT_RISCV &&
		     !(cfg->features & GENPT_FEAT_RISCV_GSTAGE));

	if (cfg->va_bits >= 64)
		return 0;
	if (sext) {
		unsigned int s = 64 - cfg->va_bits;
		int64_t a = (int64_t)iova;

		return (int64_t)((uint64_t)a << s) >> s == a ? 0 : -ERANGE;
	}
	return (iova >> cfg->va_bits) ? -ERANGE : 0;
}

typedef int (*hw_access_fn)(const struct hw_target *t, uint64_t iova,
			    unsigned int access, uint64_t *oa);

/* One walk per format, indexed by enum genpt_format. */
static const hw_access_fn hw_walks[] = {
	[GENPT_FMT_RISCV] = rv_access,
	[GENPT_FMT_ARMV8] = arm_access,
	[GENPT_FMT_X86_64] = x86_access,
	[GENPT_FMT_VTDSS] = vtdss_access,
	[GENPT_FMT_AMDV1] = amdv1_access,
};

GENPT_API int genpt_hw_access(struct genpt *pt, uint64_t iova,
			      unsigned int access, uint64_t *oa)
{
	return genpt_hw_access_psc(pt, iova, access, oa, NULL);
}

int genpt_hw_access_psc(struct genpt *pt, uint64_t iova, unsigned int access,
			uint64_t *oa, struct genpt_psc_walk *psc)
{
	struct hw_target t = { .psc = psc };
	uint64_t dummy;
	int err;

	if (psc)
		psc->nsteps = 0;
	if (!pt || access < GENPT_ACCESS_READ || access > GENPT_ACCESS_EXEC)
		return -EINVAL;
	/* Switching tracking needs the table to itself (genpt/table.h), so
	 * this and the TCR genpt_hw_info() reports agree. */
	err = genpt_dirty_tracking(pt);
	if (err < 0)
		return err;
	t.tracking = err == 1;
	err = genpt_get_config(pt, &t.cfg);
	if (!err)
		err = genpt_hw_info(pt, &t.info);
	if (!err)
		err = check_input(&t.cfg, iova);
	if (err)
		return err;
	if ((unsigned int)t.cfg.format >= sizeof(hw_walks) / sizeof(hw_walks[0]) ||
	    !hw_walks[t.cfg.format])
		return -EOPNOTSUPP;
	return hw_walks[t.cfg.format](&t, iova, access, oa ? oa : &dummy);
}
