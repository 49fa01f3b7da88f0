// SPDX-License-Identifier: MIT
/*
 * smmuv3/model.c - the SMMU model's registers (IHI 0070 chapter 6) and
 * command queue (chapter 4, "Commands").
 *
 * Implementation choices the architecture leaves open:
 *  - Every register write takes effect at once: CR0ACK equals CR0 after
 *    the write, IRQ_CTRLACK equals IRQ_CTRL, GBPA.Update reads 0, and a
 *    CMDQ_PROD write consumes every command before it returns.
 *  - Little-endian only; the Non-secure programming interface only; no
 *    MSIs or wired interrupts are sent (CMD_SYNC's MSI write to memory is
 *    performed: it is how a driver polls for completion).
 *  - Registers that are not implemented read 0 and ignore writes;
 *    STRTAB_BASE(_CFG) and queue bases may be rewritten at any time (the
 *    architecture makes that CONSTRAINED UNPREDICTABLE while enabled).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smmu_internal.h"

#define SSID_BITS 8
#define Q_MAX_LOG2 19

/* --------------------------------------------------------- lifecycle ---- */

static int config_check(const struct genpt_smmu_config *cfg)
{
	if (cfg->httu > 3 || cfg->bbml > 2 || cfg->sid_bits > 24)
		return -EINVAL;
	if (cfg->no_stage1 && cfg->no_stage2)
		return -EINVAL;
	if (cfg->tlb_entries > (1u << 20) || cfg->cfg_entries > (1u << 16))
		return -EINVAL;
	return 0;
}

static void idr_init(struct genpt_smmu *smmu, const struct genpt_smmu_config *cfg)
{
	unsigned int httu = cfg->httu == 3 ? 2 : cfg->httu;

	smmu->idr0 = (cfg->no_stage2 ? 0 : GENPT_SMMU_IDR0_S2P) |
		     (cfg->no_stage1 ? 0 : GENPT_SMMU_IDR0_S1P) |
		     GENPT_SMMU_IDR0_TTF_AARCH64 | GENPT_SMMU_IDR0_COHACC |
		     (httu << GENPT_SMMU_IDR0_HTTU_SHIFT) | GENPT_SMMU_IDR0_ATS |
		     GENPT_SMMU_IDR0_ASID16 | GENPT_SMMU_IDR0_VMID16 |
		     GENPT_SMMU_IDR0_TTENDIAN_LE | GENPT_SMMU_IDR0_ST_LEVEL_2LVL;
	smmu->idr1 = (cfg->sid_bits ? cfg->sid_bits : 16) | (SSID_BITS << 6) |
		     (Q_MAX_LOG2 << 16) | (Q_MAX_LOG2 << 21);
	smmu->idr3 = cfg->bbml << GENPT_SMMU_IDR3_BBML_SHIFT;
	smmu->idr5 = 5 | GENPT_SMMU_IDR5_GRAN4K | GENPT_SMMU_IDR5_GRAN16K |
		     GENPT_SMMU_IDR5_GRAN64K;
	smmu->oas = 48;
	smmu->gbpa = GENPT_SMMU_GBPA_ABORT;
}

GENPT_API int genpt_smmu_create(const struct genpt_smmu_config *cfg,
				const struct genpt_mem_ops *mem, void *mem_ctx,
				struct genpt_smmu **out)
{
	struct genpt_smmu_config def = { .httu = 3, .bbml = 2 };
	struct genpt_smmu *smmu;
	int err;

	if (!out || !mem || !mem->phys_to_virt)
		return -EINVAL;
	if (!cfg)
		cfg = &def;
	err = config_check(cfg);
	if (err)
		return err;
	smmu = calloc(1, sizeof(*smmu));
	if (!smmu)
		return -ENOMEM;
	smmu->mem = mem;
	smmu->mem_ctx = mem_ctx;
	idr_init(smmu, cfg);
	if (pthread_mutex_init(&smmu->reg_lock, NULL)) {
		free(smmu);
		return -ENOMEM;
	}
	err = genpt_smmu_cfgc_init(&smmu->cfgc, cfg->cfg_entries ? cfg->cfg_entries : 64);
	if (err)
		goto fail_lock;
	err = genpt_smmu_tlb_init(&smmu->tlb, cfg->tlb_entries ? cfg->tlb_entries : 512);
	if (err)
		goto fail_cfgc;
	*out = smmu;
	return 0;
fail_cfgc:
	genpt_smmu_cfgc_fini(&smmu->cfgc);
fail_lock:
	pthread_mutex_destroy(&smmu->reg_lock);
	free(smmu);
	return err;
}

GENPT_API void genpt_smmu_destroy(struct genpt_smmu *smmu)
{
	if (!smmu)
		return;
	genpt_smmu_tlb_fini(&smmu->tlb);
	genpt_smmu_cfgc_fini(&smmu->cfgc);
	pthread_mutex_destroy(&smmu->reg_lock);
	free(smmu);
}

GENPT_API int genpt_smmu_stats(struct genpt_smmu *smmu, struct genpt_smmu_stats *out)
{
	if (!smmu || !out)
		return -EINVAL;
#define SMMU_LD(x) __atomic_load_n(&smmu->x, __ATOMIC_RELAXED)
	*out = (struct genpt_smmu_stats){
		.translations = SMMU_LD(st_translations),
		.tlb_hits = SMMU_LD(st_tlb_hits),
		.tlb_misses = SMMU_LD(st_tlb_misses),
		.cfg_hits = SMMU_LD(st_cfg_hits),
		.cfg_misses = SMMU_LD(st_cfg_misses),
		.httu_updates = SMMU_LD(st_httu),
		.faults = SMMU_LD(st_faults),
		.events = SMMU_LD(st_events),
		.commands = SMMU_LD(st_commands),
	};
#undef SMMU_LD
	return 0;
}

/* ----------------------------------------------------- command queue ---- */

static bool cmdq_error(const struct genpt_smmu *smmu)
{
	return (smmu->gerror ^ smmu->gerrorn) & GENPT_SMMU_GERROR_CMDQ_ERR;
}

static unsigned int cmd_cfgi(struct genpt_smmu *smmu, unsigned int op, uint64_t d0,
			     uint64_t d1)
{
	uint32_t sid = (uint32_t)(d0 >> GENPT_SMMU_CMD_SID_SHIFT);
	uint32_t ssid = (uint32_t)((d0 >> GENPT_SMMU_CMD_SSID_SHIFT) & 0xfffff);
	unsigned int range = (unsigned int)(d1 & 0x1f);

	switch (op) {
	case GENPT_SMMU_CMD_CFGI_STE:
		genpt_smmu_cfgc_inval_ste(&smmu->cfgc, sid, 1);
		return 0;
	case GENPT_SMMU_CMD_CFGI_STE_RANGE:
		/* 2^(RANGE+1) StreamIDs from SID aligned down; 31: all. */
		if (range == 31)
			genpt_smmu_cfgc_inval_ste(&smmu->cfgc, 0, 1ull << 32);
		else
			genpt_smmu_cfgc_inval_ste(&smmu->cfgc,
						  sid & ~(uint32_t)((2ull << range) - 1),
						  2ull << range);
		return 0;
	case GENPT_SMMU_CMD_CFGI_CD:
		genpt_smmu_cfgc_inval_cd(&smmu->cfgc, sid, false, ssid);
		return 0;
	default: /* CFGI_CD_ALL */
		genpt_smmu_cfgc_inval_cd(&smmu->cfgc, sid, true, 0);
		return 0;
	}
}

static unsigned int cmd_tlbi(struct genpt_smmu *smmu, unsigned int op, uint64_t d0,
			     uint64_t d1)
{
	struct smmu_tlbi iv = {
		.op = op,
		.vmid = (uint16_t)(d0 >> GENPT_SMMU_CMD_VMID_SHIFT),
		.asid = (uint16_t)(d0 >> GENPT_SMMU_CMD_ASID_SHIFT),
		.leaf = d1 & GENPT_SMMU_CMD_LEAF,
		.addr = op == GENPT_SMMU_CMD_TLBI_S2_IPA ?
				d1 & (((1ull << 52) - 1) & ~0xfffull) : d1 & ~0xfffull,
	};

	/* NUM/SCALE (range invalidation) need IDR3.RIL, which is 0. */
	if ((d0 >> 12) & 0x1f1full)
		return GENPT_SMMU_CERROR_ILL;
	genpt_smmu_tlb_inval(&smmu->tlb, &iv);
	return 0;
}

/* CMD_SYNC: every earlier command has completed (they run synchronously)
 * and so has every transfer that may have used what they invalidated;
 * with CS = SIG_IRQ the MSI write (MSIDATA to MSIADDR) signals it. */
static unsigned int cmd_sync(struct genpt_smmu *smmu, uint64_t d0, uint64_t d1)
{
	unsigned int cs = (unsigned int)((d0 >> 12) & 3);
	uint64_t addr = d1 & (((1ull << 52) - 1) & ~3ull);
	uint32_t *p;

	if (cs == 3)
		return GENPT_SMMU_CERROR_ILL;
	genpt_smmu_dma_quiesce(smmu);
	if (cs == 1 && addr) {
		p = genpt_smmu_ptr(smmu, addr, 4);
		if (!p)
			return GENPT_SMMU_CERROR_ABT;
		__atomic_store_n(p, (uint32_t)(d0 >> 32), __ATOMIC_RELEASE);
	}
	return 0;
}

static unsigned int cmd_exec(struct genpt_smmu *smmu, uint64_t d0, uint64_t d1)
{
	unsigned int op = (unsigned int)(d0 & 0xff);

	switch (op) {
	case GENPT_SMMU_CMD_PREFETCH_CONFIG:
	case GENPT_SMMU_CMD_PREFETCH_ADDR:
	case GENPT_SMMU_CMD_ATC_INV: /* no ATC is modelled */
		return 0;
	case GENPT_SMMU_CMD_CFGI_STE:
	case GENPT_SMMU_CMD_CFGI_STE_RANGE:
	case GENPT_SMMU_CMD_CFGI_CD:
	case GENPT_SMMU_CMD_CFGI_CD_ALL:
		return cmd_cfgi(smmu, op, d0, d1);
	case GENPT_SMMU_CMD_TLBI_NH_ALL:
	case GENPT_SMMU_CMD_TLBI_NH_ASID:
	case GENPT_SMMU_CMD_TLBI_NH_VA:
	case GENPT_SMMU_CMD_TLBI_NH_VAA:
	case GENPT_SMMU_CMD_TLBI_S12_VMALL:
	case GENPT_SMMU_CMD_TLBI_S2_IPA:
	case GENPT_SMMU_CMD_TLBI_NSNH_ALL:
		return cmd_tlbi(smmu, op, d0, d1);
	case GENPT_SMMU_CMD_SYNC:
		return cmd_sync(smmu, d0, d1);
	default:
		return GENPT_SMMU_CERROR_ILL;
	}
}

/* Consume commands from CONS to PROD (reg_lock held). */
static void cmdq_process(struct genpt_smmu *smmu)
{
	unsigned int log2 = smmu_q_log2(smmu->cmdq_base);
	uint32_t wrapmask = (2u << log2) - 1;

	while ((__atomic_load_n(&smmu->cr0, __ATOMIC_RELAXED) & GENPT_SMMU_CR0_CMDQEN) &&
	       !cmdq_error(smmu) &&
	       ((smmu->cmdq_cons ^ smmu->cmdq_prod) & wrapmask)) {
		uint64_t pa = smmu_q_addr(smmu->cmdq_base) +
			      (uint64_t)smmu_q_idx(smmu->cmdq_cons, log2) * GENPT_SMMU_CMD_SIZE;
		uint64_t *p = genpt_smmu_ptr(smmu, pa, 16);
		unsigned int err = GENPT_SMMU_CERROR_ABT;

		if (p)
			err = cmd_exec(smmu, __atomic_load_n(&p[0], __ATOMIC_ACQUIRE),
				       __atomic_load_n(&p[1], __ATOMIC_ACQUIRE));
		if (err) {
			smmu->cmdq_cons = (smmu->cmdq_cons & ~GENPT_SMMU_CMDQ_CONS_ERR_MASK) |
					  (err << GENPT_SMMU_CMDQ_CONS_ERR_SHIFT);
			smmu->gerror ^= GENPT_SMMU_GERROR_CMDQ_ERR;
			break;
		}
		smmu_stat(&smmu->st_commands);
		smmu->cmdq_cons = smmu_q_inc(smmu->cmdq_cons & wrapmask, log2);
	}
}

/* ----------------------------------------------------- register access -- */

/* The 32-bit register (or half of a 64-bit one) at @off (reg_lock held). */
static uint32_t reg_get32(struct genpt_smmu *smmu, uint32_t off)
{
	switch (off) {
	case GENPT_SMMU_REG_IDR0: return smmu->idr0;
	case GENPT_SMMU_REG_IDR1: return smmu->idr1;
	case GENPT_SMMU_REG_IDR3: return smmu->idr3;
	case GENPT_SMMU_REG_IDR5: return smmu->idr5;
	case GENPT_SMMU_REG_AIDR: return 0x01; /* SMMUv3.1 */
	case GENPT_SMMU_REG_CR0:
	case GENPT_SMMU_REG_CR0ACK: return __atomic_load_n(&smmu->cr0, __ATOMIC_RELAXED);
	case GENPT_SMMU_REG_CR1: return smmu->cr1;
	case GENPT_SMMU_REG_CR2: return smmu->cr2;
	case GENPT_SMMU_REG_GBPA: return __atomic_load_n(&smmu->gbpa, __ATOMIC_RELAXED);
	case GENPT_SMMU_REG_IRQ_CTRL:
	case GENPT_SMMU_REG_IRQ_CTRLACK: return smmu->irq_ctrl;
	case GENPT_SMMU_REG_GERROR: return smmu->gerror;
	case GENPT_SMMU_REG_GERRORN: return smmu->gerrorn;
	case GENPT_SMMU_REG_STRTAB_BASE:
	case GENPT_SMMU_REG_STRTAB_BASE + 4:
		return (uint32_t)(__atomic_load_n(&smmu->strtab_base, __ATOMIC_RELAXED) >>
				  (off & 4 ? 32 : 0));
	case GENPT_SMMU_REG_STRTAB_BASE_CFG:
		return __atomic_load_n(&smmu->strtab_cfg, __ATOMIC_RELAXED);
	case GENPT_SMMU_REG_CMDQ_BASE:
	case GENPT_SMMU_REG_CMDQ_BASE + 4:
		return (uint32_t)(smmu->cmdq_base >> (off & 4 ? 32 : 0));
	case GENPT_SMMU_REG_CMDQ_PROD: return smmu->cmdq_prod;
	case GENPT_SMMU_REG_CMDQ_CONS: return smmu->cmdq_cons;
	case GENPT_SMMU_REG_EVENTQ_BASE:
	case GENPT_SMMU_REG_EVENTQ_BASE + 4:
		return (uint32_t)(smmu->evtq_base >> (off & 4 ? 32 : 0));
	case GENPT_SMMU_REG_EVENTQ_PROD: return smmu->evtq_prod;
	case GENPT_SMMU_REG_EVENTQ_CONS: return smmu->evtq_cons;
	default: return 0;
	}
}

/* Replace the half of @reg that @off selects. */
static uint64_t half(uint64_t reg, uint32_t off, uint32_t v)
{
	unsigned int sh = off & 4 ? 32 : 0;

	return (reg & ~(0xffffffffull << sh)) | ((uint64_t)v << sh);
}

static void write_cr0(struct genpt_smmu *smmu, uint32_t v)
{
	v &= GENPT_SMMU_CR0_SMMUEN | GENPT_SMMU_CR0_EVENTQEN | GENPT_SMMU_CR0_CMDQEN;
	__atomic_store_n(&smmu->cr0, v, __ATOMIC_RELEASE);
	cmdq_process(smmu);
}

static void write_base(struct genpt_smmu *smmu, uint32_t off, uint32_t v)
{
	const uint64_t qmask = GENPT_SMMU_Q_ADDR_MASK | 0x1f | (1ull << 62);

	switch (off & ~4u) {
	case GENPT_SMMU_REG_STRTAB_BASE:
		__atomic_store_n(&smmu->strtab_base,
				 half(smmu->strtab_base, off, v) &
					 (GENPT_SMMU_ADDR_MASK_6 | (1ull << 62)),
				 __ATOMIC_RELEASE);
		break;
	case GENPT_SMMU_REG_CMDQ_BASE:
		smmu->cmdq_base = half(smmu->cmdq_base, off, v) & qmask;
		break;
	case GENPT_SMMU_REG_EVENTQ_BASE:
		smmu->evtq_base = half(smmu->evtq_base, off, v) & qmask;
		break;
	}
}

static void reg_set32(struct genpt_smmu *smmu, uint32_t off, uint32_t v)
{
	uint32_t qmask;

	switch (off) {
	case GENPT_SMMU_REG_CR0: write_cr0(smmu, v); return;
	case GENPT_SMMU_REG_CR1: smmu->cr1 = v & 0x3f; return;
	case GENPT_SMMU_REG_CR2: smmu->cr2 = v & 7; return;
	case GENPT_SMMU_REG_GBPA:
		__atomic_store_n(&smmu->gbpa, v & ~GENPT_SMMU_GBPA_UPDATE, __ATOMIC_RELAXED);
		return;
	case GENPT_SMMU_REG_IRQ_CTRL: smmu->irq_ctrl = v & 7; return;
	case GENPT_SMMU_REG_GERRORN:
		smmu->gerrorn = v & 0x1fd;
		cmdq_process(smmu); /* an acknowledged command error resumes */
		return;
	case GENPT_SMMU_REG_STRTAB_BASE_CFG:
		__atomic_store_n(&smmu->strtab_cfg, v & 0x307ff, __ATOMIC_RELEASE);
		return;
	case GENPT_SMMU_REG_CMDQ_PROD:
		qmask = (2u << smmu_q_log2(smmu->cmdq_base)) - 1;
		smmu->cmdq_prod = v & qmask;
		cmdq_process(smmu);
		return;
	case GENPT_SMMU_REG_CMDQ_CONS:
		qmask = (2u << smmu_q_log2(smmu->cmdq_base)) - 1;
		if (!(smmu->cr0 & GENPT_SMMU_CR0_CMDQEN))
			smmu->cmdq_cons = v & qmask;
		return;
	case GENPT_SMMU_REG_EVENTQ_PROD:
		qmask = (2u << smmu_q_log2(smmu->evtq_base)) - 1;
		if (!(smmu->cr0 & GENPT_SMMU_CR0_EVENTQEN))
			smmu->evtq_prod = v & (qmask | GENPT_SMMU_Q_OVF);
		return;
	case GENPT_SMMU_REG_EVENTQ_CONS:
		qmask = (2u << smmu_q_log2(smmu->evtq_base)) - 1;
		smmu->evtq_cons = v & (qmask | GENPT_SMMU_Q_OVF);
		return;
	default:
		write_base(smmu, off, v);
		return;
	}
}

static int reg_check(uint32_t offset, unsigned int size)
{
	if (size != 4 && size != 8)
		return -EINVAL;
	if ((offset & (size - 1)) || offset >= GENPT_SMMU_REG_SPACE)
		return -EINVAL;
	return 0;
}

GENPT_API int genpt_smmu_reg_read(struct genpt_smmu *smmu, uint32_t offset,
				  unsigned int size, uint64_t *value)
{
	int err;

	if (!smmu || !value)
		return -EINVAL;
	err = reg_check(offset, size);
	if (err)
		return err;
	pthread_mutex_lock(&smmu->reg_lock);
	*value = reg_get32(smmu, offset);
	if (size == 8)
		*value |= (uint64_t)reg_get32(smmu, offset + 4) << 32;
	pthread_mutex_unlock(&smmu->reg_lock);
	return 0;
}

GENPT_API int genpt_smmu_reg_write(struct genpt_smmu *smmu, uint32_t offset,
				   unsigned int size, uint64_t value)
{
	int err;

	if (!smmu)
		return -EINVAL;
	err = reg_check(offset, size);
	if (err)
		return err;
	pthread_mutex_lock(&smmu->reg_lock);
	reg_set32(smmu, offset, (uint32_t)value);
	if (size == 8)
		reg_set32(smmu, offset + 4, (uint32_t)(value >> 32));
	pthread_mutex_unlock(&smmu->reg_lock);
	return 0;
}

static int mmio_read(void *ctx, uint32_t offset, unsigned int size, uint64_t *value)
{
	return genpt_smmu_reg_read(ctx, offset, size, value);
}

static int mmio_write(void *ctx, uint32_t offset, unsigned int size, uint64_t value)
{
	return genpt_smmu_reg_write(ctx, offset, size, value);
}

GENPT_API const struct genpt_smmu_mmio_ops genpt_smmu_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};
