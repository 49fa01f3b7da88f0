// SPDX-License-Identifier: MIT
/*
 * riscv_iommu/model.c - the RISC-V IOMMU model's memory-mapped registers,
 * command queue and fault queue (spec chapters "Memory-mapped register
 * interface" and "In-memory queue interface").
 *
 * Implementation choices the specification leaves open:
 *  - Every register write takes effect synchronously: busy bits read 0,
 *    cqon/fqon follow cqen/fqen at once, and a write to cqt processes all
 *    queued commands before it returns.
 *  - The model is little-endian only (capabilities.END = 0, fctl.BE = 0).
 *  - Optional registers of absent capabilities (page-request queue, HPM,
 *    debug interface, QoS) and reserved/custom offsets read 0 and ignore
 *    writes.  icvec and the MSI configuration table are plain storage: the
 *    model raises ipsr bits but sends no interrupt.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rvi_internal.h"

#define RVI_CAPS_UNSUPPORTED                                                   \
	(GENPT_RVI_CAP_SV32 | GENPT_RVI_CAP_SV32X4 | GENPT_RVI_CAP_AMO_MRIF |     \
	 GENPT_RVI_CAP_MSI_MRIF |                                                 \
	 GENPT_RVI_CAP_END | GENPT_RVI_CAP_HPM | GENPT_RVI_CAP_DBG |              \
	 GENPT_RVI_CAP_QOSID | (7ull << 12) | (1ull << 20) | (0x3fffull << 42) |  \
	 (0xffull << 56))

#define RVI_BASE_REG_MASK (GENPT_RVI_PPN_MASK | GENPT_RVI_QB_LOG2SZM1_MASK)
#define RVI_DDTP_MASK (GENPT_RVI_PPN_MASK | GENPT_RVI_DDTP_MODE_MASK)

/* --------------------------------------------------------- lifecycle ---- */

static int caps_check(uint64_t caps)
{
	unsigned int pas = (unsigned int)((caps & GENPT_RVI_CAP_PAS_MASK) >>
					  GENPT_RVI_CAP_PAS_SHIFT);

	if (caps & RVI_CAPS_UNSUPPORTED)
		return -EINVAL;
	if ((caps & GENPT_RVI_CAP_IGS_MASK) == GENPT_RVI_CAP_IGS_MASK)
		return -EINVAL;
	if (pas == 0 || pas > 56)
		return -EINVAL;
	/* "When Sv48 is set, Sv39 must be set"; likewise Sv57 -> Sv48. */
	if ((caps & GENPT_RVI_CAP_SV48) && !(caps & GENPT_RVI_CAP_SV39))
		return -EINVAL;
	if ((caps & GENPT_RVI_CAP_SV57) && !(caps & GENPT_RVI_CAP_SV48))
		return -EINVAL;
	/* T2GPA is an ATS mode. */
	if ((caps & GENPT_RVI_CAP_T2GPA) && !(caps & GENPT_RVI_CAP_ATS))
		return -EINVAL;
	return 0;
}

GENPT_API int genpt_rviommu_create(const struct genpt_rviommu_config *cfg,
				   const struct genpt_mem_ops *mem, void *mem_ctx,
				   struct genpt_rviommu **out)
{
	struct genpt_rviommu_config def = { 0 };
	struct genpt_rviommu *iommu;
	uint64_t caps;
	int err;

	if (!out || !mem || !mem->phys_to_virt)
		return -EINVAL;
	if (!cfg)
		cfg = &def;
	caps = cfg->capabilities ? cfg->capabilities : GENPT_RVI_CAPS_MODEL;
	err = caps_check(caps);
	if (err)
		return err;
	if (cfg->iotlb_entries > (1u << 20) || cfg->dc_cache_entries > (1u << 16))
		return -EINVAL;

	iommu = calloc(1, sizeof(*iommu));
	if (!iommu)
		return -ENOMEM;
	iommu->mem = mem;
	iommu->mem_ctx = mem_ctx;
	iommu->hook = cfg->mem_hook;
	iommu->hook_ctx = cfg->mem_hook_ctx;
	iommu->caps = caps;
	iommu->pas = (unsigned int)((caps & GENPT_RVI_CAP_PAS_MASK) >>
				    GENPT_RVI_CAP_PAS_SHIFT);
	if ((caps & GENPT_RVI_CAP_IGS_MASK) == GENPT_RVI_CAP_IGS_WSI)
		iommu->fctl = GENPT_RVI_FCTL_WSI;
	iommu->ddtp = GENPT_RVI_DDTP_OFF;
	if (pthread_mutex_init(&iommu->reg_lock, NULL)) {
		free(iommu);
		return -ENOMEM;
	}
	err = genpt_rvi_dcc_init(&iommu->dcc, cfg->dc_cache_entries ?
						      cfg->dc_cache_entries : 64);
	if (err)
		goto fail_lock;
	err = genpt_rvi_tlb_init(&iommu->tlb, cfg->iotlb_entries ?
						      cfg->iotlb_entries : 512);
	if (err)
		goto fail_dcc;
	err = genpt_rvi_ats_init(iommu);
	if (err)
		goto fail_tlb;
	*out = iommu;
	return 0;
fail_tlb:
	genpt_rvi_tlb_fini(&iommu->tlb);
fail_dcc:
	genpt_rvi_dcc_fini(&iommu->dcc);
fail_lock:
	pthread_mutex_destroy(&iommu->reg_lock);
	free(iommu);
	return err;
}

GENPT_API void genpt_rviommu_destroy(struct genpt_rviommu *iommu)
{
	if (!iommu)
		return;
	genpt_rvi_ats_fini(iommu);
	genpt_rvi_tlb_fini(&iommu->tlb);
	genpt_rvi_dcc_fini(&iommu->dcc);
	pthread_mutex_destroy(&iommu->reg_lock);
	free(iommu);
}

GENPT_API int genpt_rviommu_stats(struct genpt_rviommu *iommu,
				  struct genpt_rviommu_stats *out)
{
	if (!iommu || !out)
		return -EINVAL;
#define RVI_LD(x) __atomic_load_n(&iommu->x, __ATOMIC_RELAXED)
	*out = (struct genpt_rviommu_stats){
		.translations = RVI_LD(st_translations),
		.iotlb_hits = RVI_LD(st_tlb_hits),
		.iotlb_misses = RVI_LD(st_tlb_misses),
		.dc_hits = RVI_LD(st_dc_hits),
		.dc_misses = RVI_LD(st_dc_misses),
		.ad_updates = RVI_LD(st_ad_updates),
		.faults = RVI_LD(st_faults),
		.fault_records = RVI_LD(st_fault_records),
		.commands = RVI_LD(st_commands),
	};
#undef RVI_LD
	return 0;
}

/* ------------------------------------------------------ register map ---- */

/*
 * reg_extent() - the register (or reserved/custom window) holding @off:
 * its first byte and size.  An access is legal when it lies inside one
 * extent; reserved and custom windows count as a run of 4-byte registers
 * (so 4-byte accesses anywhere and 8-byte ones where 8-aligned are fine).
 */
static bool reg_extent(uint32_t off, uint32_t *start, uint32_t *size)
{
	static const struct { uint16_t off, size; } regs[] = {
		{ 0x000, 8 }, { 0x008, 4 }, { 0x00C, 4 }, { 0x010, 8 },
		{ 0x018, 8 }, { 0x020, 4 }, { 0x024, 4 }, { 0x028, 8 },
		{ 0x030, 4 }, { 0x034, 4 }, { 0x038, 8 }, { 0x040, 4 },
		{ 0x044, 4 }, { 0x048, 4 }, { 0x04C, 4 }, { 0x050, 4 },
		{ 0x054, 4 }, { 0x058, 4 }, { 0x05C, 4 }, { 0x060, 8 },
		{ 0x258, 8 }, { 0x260, 8 }, { 0x268, 8 }, { 0x270, 4 },
		{ 0x2F8, 8 },
	};

	for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (off >= regs[i].off && off < regs[i].off + regs[i].size) {
			*start = regs[i].off;
			*size = regs[i].size;
			return true;
		}
	}
	if (off >= 0x068 && off < 0x258) { /* iohpmctr1-31, iohpmevt1-31 */
		*start = off & ~7u;
		*size = 8;
		return true;
	}
	if (off >= 0x300 && off < 0x400) { /* msi_cfg_tbl: addr 8, data 4, ctl 4 */
		uint32_t e = off & ~15u;

		if (off < e + 8) {
			*start = e;
			*size = 8;
		} else {
			*start = off & ~3u;
			*size = 4;
		}
		return true;
	}
	if (off < GENPT_RVI_REG_SPACE) { /* reserved / custom */
		*start = off & ~3u;
		*size = 4;
		return true;
	}
	/* Outside the page: still define the outputs, so no caller (and no
	 * optimizer proving things across the calls) sees them unset. */
	*start = off;
	*size = 0;
	return false;
}

/* Reserved and custom windows: runs of 4-byte cells. */
static bool reg_window(uint32_t off)
{
	return (off >= 0x00C && off < 0x010) || (off >= 0x274 && off < 0x2F8) ||
	       (off >= 0x400 && off < GENPT_RVI_REG_SPACE);
}

static int reg_check(uint32_t offset, unsigned int size, uint32_t *start,
		     uint32_t *rsize)
{
	/* The extent is found first so the outputs are set on every path. */
	bool known = reg_extent(offset, start, rsize);

	if (size != 4 && size != 8)
		return -EINVAL;
	if (offset & (size - 1))
		return -EINVAL;
	if (!known)
		return -EINVAL;
	if (offset + size <= *start + *rsize)
		return 0;
	/* Wider than the register: only two cells of a reserved window. */
	return reg_window(offset) && reg_window(offset + 4) ? 0 : -EINVAL;
}

/* Full 64-bit value of the register at @start (reg_lock held). */
static uint64_t reg_get(struct genpt_rviommu *iommu, uint32_t start)
{
	bool msi_tbl = (iommu->caps & GENPT_RVI_CAP_IGS_MASK) != GENPT_RVI_CAP_IGS_WSI;

	switch (start) {
	case GENPT_RVI_REG_CAPABILITIES:
		return iommu->caps;
	case GENPT_RVI_REG_FCTL:
		return iommu->fctl;
	case GENPT_RVI_REG_DDTP:
		return __atomic_load_n(&iommu->ddtp, __ATOMIC_RELAXED);
	case GENPT_RVI_REG_CQB:
		return iommu->cqb;
	case GENPT_RVI_REG_CQH:
		return iommu->cqh;
	case GENPT_RVI_REG_CQT:
		return iommu->cqt;
	case GENPT_RVI_REG_FQB:
		return iommu->fqb;
	case GENPT_RVI_REG_FQH:
		return iommu->fqh;
	case GENPT_RVI_REG_FQT:
		return iommu->fqt;
	case GENPT_RVI_REG_CQCSR:
		return iommu->cqcsr;
	case GENPT_RVI_REG_FQCSR:
		return iommu->fqcsr;
	case GENPT_RVI_REG_IPSR:
		return iommu->ipsr;
	case GENPT_RVI_REG_ICVEC:
		return iommu->icvec;
	default:
		break;
	}
	if (msi_tbl && start >= GENPT_RVI_REG_MSI_CFG_TBL && start < 0x400) {
		unsigned int i = (start - GENPT_RVI_REG_MSI_CFG_TBL) / 16;

		switch (start & 15) {
		case 0:
			return iommu->msi_addr[i];
		case 8:
			return iommu->msi_data[i];
		case 12:
			return iommu->msi_ctl[i];
		}
	}
	return 0;
}

/* ----------------------------------------------------- command queue ---- */

enum cmd_result { CMD_OK, CMD_ILLEGAL, CMD_MEMFAULT };

static bool ddtp_did_fits(struct genpt_rviommu *iommu, uint32_t did)
{
	unsigned int mode = (unsigned int)(__atomic_load_n(&iommu->ddtp, __ATOMIC_RELAXED) &
					   GENPT_RVI_DDTP_MODE_MASK);
	unsigned int ddi0 = (iommu->caps & GENPT_RVI_CAP_MSI_FLAT) ? 6 : 7;

	if (mode == GENPT_RVI_DDTP_1LVL)
		return (did >> ddi0) == 0;
	if (mode == GENPT_RVI_DDTP_2LVL)
		return (did >> (ddi0 + 9)) == 0;
	return true;
}

/* IOTINVAL (spec "IOMMU Page-Table cache invalidation commands"). */
static enum cmd_result cmd_iotinval(struct genpt_rviommu *iommu,
				    unsigned int func3, uint64_t d0, uint64_t d1)
{
	bool av = (d0 >> 10) & 1, pscv = (d0 >> 32) & 1, gv = (d0 >> 33) & 1;
	uint32_t pscid = (uint32_t)((d0 >> 12) & 0xfffff);
	uint16_t gscid = (uint16_t)((d0 >> 44) & 0xffff);
	/* ADDR[63:12] lives in bits 61:10 of the second doubleword. */
	uint64_t addr = ((d1 >> 10) & ((1ull << 52) - 1)) << 12;

	/* reserved: d0 bit 11, 43:34, 63:60; d1 9:0, 63:62 */
	if ((d0 & ((1ull << 11) | (0x3ffull << 34) | (0xfull << 60))) ||
	    (d1 & (0x3ffull | (3ull << 62))))
		return CMD_ILLEGAL;
	if (func3 == GENPT_RVI_IOTINVAL_VMA) {
		genpt_rvi_tlb_inval_vma(&iommu->tlb, gv, gscid, pscv, pscid, av, addr);
		return CMD_OK;
	}
	if (func3 == GENPT_RVI_IOTINVAL_GVMA) {
		if (pscv) /* "Setting PSCV to 1 with IOTINVAL.GVMA is illegal" */
			return CMD_ILLEGAL;
		genpt_rvi_tlb_inval_gvma(&iommu->tlb, gv, gscid, av, addr);
		return CMD_OK;
	}
	return CMD_ILLEGAL;
}

/* IOFENCE.C: every earlier command has completed (they run synchronously),
 * and so has every DMA that was in flight when it began (so no transaction
 * still uses a translation an earlier IOTINVAL removed, as hardware
 * guarantees when an invalidation completes); with AV, store DATA (4 bytes,
 * little-endian) at ADDR[63:2] * 4. */
static enum cmd_result cmd_iofence(struct genpt_rviommu *iommu,
				   unsigned int func3, uint64_t d0, uint64_t d1)
{
	bool av = (d0 >> 10) & 1, wsi = (d0 >> 11) & 1;
	uint32_t data = (uint32_t)(d0 >> 32);
	uint64_t addr = (d1 & ((1ull << 62) - 1)) << 2;

	if (func3 != GENPT_RVI_IOFENCE_C)
		return CMD_ILLEGAL;
	/* reserved: d0 31:14, d1 63:62; WSI is reserved unless fctl.WSI */
	if ((d0 & (0x3ffffull << 14)) || (d1 >> 62))
		return CMD_ILLEGAL;
	if (wsi && !(iommu->fctl & GENPT_RVI_FCTL_WSI))
		return CMD_ILLEGAL;
	/* A DMA that translated before the earlier invalidations may still
	 * be writing: wait for every one under way (genpt_rviommu_dma()).
	 * PR/PW: with that, every device access the model processed is
	 * globally visible. */
	genpt_rvi_dma_quiesce(iommu);
	if (av) {
		enum genpt_rviommu_mem_verdict v;
		uint32_t *p = genpt_rvi_mem(iommu, GENPT_RVIOMMU_MEM_QUEUE, GENPT_RVIOMMU_MEM_WRITE,
					    addr, 4, 0, &v);

		if (!p)
			return CMD_MEMFAULT;
		__atomic_store_n(p, data, __ATOMIC_RELEASE);
	}
	if (wsi)
		iommu->cqcsr |= GENPT_RVI_CQCSR_FENCE_W_IP;
	return CMD_OK;
}

/* IODIR (spec "IOMMU directory cache invalidation commands"). */
static enum cmd_result cmd_iodir(struct genpt_rviommu *iommu, unsigned int func3,
				 uint64_t d0, uint64_t d1)
{
	uint32_t pid = (uint32_t)((d0 >> 12) & 0xfffff);
	bool dv = (d0 >> 33) & 1;
	uint32_t did = (uint32_t)(d0 >> 40);

	/* reserved: d0 11:10, 32, 39:34; all of d1 */
	if ((d0 & ((3ull << 10) | (1ull << 32) | (0x3full << 34))) || d1)
		return CMD_ILLEGAL;
	if (func3 == GENPT_RVI_IODIR_INVAL_DDT) {
		if (pid) /* PID is reserved for INVAL_DDT */
			return CMD_ILLEGAL;
		/* A DID wider than ddtp.iommu_mode allows names no device the
		 * IOMMU can hold: nothing to invalidate.  (The spec says it
		 * "must not" be wider, not that the command is illegal.) */
		if (dv && !ddtp_did_fits(iommu, did))
			return CMD_OK;
		genpt_rvi_dcc_inval_ddt(&iommu->dcc, dv, did);
		return CMD_OK;
	}
	if (func3 == GENPT_RVI_IODIR_INVAL_PDT) {
		if (!dv) /* "DV must be 1 for IODIR.INVAL_PDT" */
			return CMD_ILLEGAL;
		genpt_rvi_dcc_inval_pdt(&iommu->dcc, did, pid);
		return CMD_OK;
	}
	return CMD_ILLEGAL;
}

/*
 * ATS.INVAL (spec "IOMMU PCIe ATS commands"): the device named by RID (and
 * DSEG with DSV) drops the translations the payload covers.  With S the
 * range is 2^(13 + the trailing ones of ADDR[63:12]) bytes (the PCIe
 * Invalidate Request encoding; all ones: everything).  Completion is
 * synchronous (the ATC is in the model), so the IOFENCE.C after it only
 * waits for the DMA still using a dropped translation.  ATS.PRGR: the
 * model has no page-request interface, so the response goes nowhere.
 */
static enum cmd_result cmd_ats(struct genpt_rviommu *iommu, unsigned int func3,
			       uint64_t d0, uint64_t d1)
{
	uint32_t did = (uint32_t)((d0 >> GENPT_RVI_ATS_RID_SHIFT) & 0xffff);
	uint64_t first = d1 & ~0xfffull, last = first + 4095;

	if (!(iommu->caps & GENPT_RVI_CAP_ATS) ||
	    (func3 != GENPT_RVI_ATS_INVAL && func3 != GENPT_RVI_ATS_PRGR))
		return CMD_ILLEGAL;
	/* reserved: d0 11:10, 39:34 */
	if (d0 & ((3ull << 10) | (0x3full << 34)))
		return CMD_ILLEGAL;
	if (func3 == GENPT_RVI_ATS_PRGR)
		return CMD_OK;
	if (d0 & GENPT_RVI_ATS_DSV)
		did |= (uint32_t)(d0 >> GENPT_RVI_ATS_DSEG_SHIFT) << 16;
	if (d1 & GENPT_RVI_ATS_S) {
		unsigned int ones = (unsigned int)__builtin_ctzll(~(d1 >> 12) | (1ull << 52));

		if (ones >= 51) {
			first = 0;
			last = UINT64_MAX;
		} else {
			first &= ~((1ull << (13 + ones)) - 1);
			last = first + (1ull << (13 + ones)) - 1;
		}
	}
	genpt_rvi_ats_inval(iommu, did, d0 & GENPT_RVI_ATS_PV,
			    (uint32_t)((d0 >> 12) & 0xfffff), first, last);
	return CMD_OK;
}

static enum cmd_result cmd_exec(struct genpt_rviommu *iommu, uint64_t d0,
				uint64_t d1)
{
	unsigned int opcode = (unsigned int)(d0 & 0x7f);
	unsigned int func3 = (unsigned int)((d0 >> 7) & 7);

	switch (opcode) {
	case GENPT_RVI_CMD_IOTINVAL:
		return cmd_iotinval(iommu, func3, d0, d1);
	case GENPT_RVI_CMD_IOFENCE:
		return cmd_iofence(iommu, func3, d0, d1);
	case GENPT_RVI_CMD_IODIR:
		return cmd_iodir(iommu, func3, d0, d1);
	case GENPT_RVI_CMD_ATS:
		return cmd_ats(iommu, func3, d0, d1);
	default:
		/* ATS without capabilities.ATS is unsupported; 0 and 5-63 are
		 * reserved; 64-127 custom (none implemented). */
		return CMD_ILLEGAL;
	}
}

/* Process commands from cqh to cqt (reg_lock held). */
static void cq_process(struct genpt_rviommu *iommu)
{
	const uint32_t stop = GENPT_RVI_CQCSR_CMD_ILL | GENPT_RVI_CQCSR_CQMF |
			      GENPT_RVI_CQCSR_CMD_TO;
	uint32_t mask = rvi_queue_mask(iommu->cqb);

	while ((iommu->cqcsr & GENPT_RVI_CQCSR_CQON) && !(iommu->cqcsr & stop) &&
	       iommu->cqh != iommu->cqt) {
		uint64_t pa = rvi_queue_base(iommu->cqb) +
			      (uint64_t)iommu->cqh * GENPT_RVI_CMD_SIZE;
		enum genpt_rviommu_mem_verdict v;
		uint64_t *p = genpt_rvi_mem(iommu, GENPT_RVIOMMU_MEM_QUEUE, GENPT_RVIOMMU_MEM_READ,
					    pa, GENPT_RVI_CMD_SIZE, 0, &v);
		enum cmd_result r;
		uint64_t d0, d1;

		if (!p) { /* an access fault or corrupt data: cqmf */
			iommu->cqcsr |= GENPT_RVI_CQCSR_CQMF;
			break;
		}
		d0 = __atomic_load_n(&p[0], __ATOMIC_ACQUIRE);
		d1 = __atomic_load_n(&p[1], __ATOMIC_ACQUIRE);
		r = cmd_exec(iommu, d0, d1);
		if (r == CMD_ILLEGAL) {
			iommu->cqcsr |= GENPT_RVI_CQCSR_CMD_ILL;
			break;
		}
		if (r == CMD_MEMFAULT) {
			iommu->cqcsr |= GENPT_RVI_CQCSR_CQMF;
			break;
		}
		rvi_stat(&iommu->st_commands);
		iommu->cqh = (iommu->cqh + 1) & mask;
	}
	genpt_rvi_ipsr_update(iommu);
}

/* ----------------------------------------------------- register access -- */

GENPT_API int genpt_rviommu_reg_read(struct genpt_rviommu *iommu,
				     uint32_t offset, unsigned int size,
				     uint64_t *value)
{
	uint32_t start, rsize;
	uint64_t v;
	int err;

	if (!iommu || !value)
		return -EINVAL;
	err = reg_check(offset, size, &start, &rsize);
	if (err)
		return err;
	pthread_mutex_lock(&iommu->reg_lock);
	v = reg_get(iommu, start);
	if (size == 8 && rsize == 4) /* two cells of a reserved window */
		v = 0;
	pthread_mutex_unlock(&iommu->reg_lock);
	v >>= 8 * (offset - start);
	if (size == 4)
		v &= UINT32_MAX;
	*value = v;
	return 0;
}

/* Merge a 4-byte write into the right half of an 8-byte register. */
static uint64_t merge(uint64_t old, uint32_t start, uint32_t offset,
		      unsigned int size, uint64_t value)
{
	unsigned int sh;

	if (size == 8)
		return value;
	sh = 8 * (offset - start);
	return (old & ~(0xffffffffull << sh)) | ((value & 0xffffffffull) << sh);
}

static void write_ddtp(struct genpt_rviommu *iommu, uint64_t v)
{
	uint64_t old = __atomic_load_n(&iommu->ddtp, __ATOMIC_RELAXED);
	uint64_t mode = v & GENPT_RVI_DDTP_MODE_MASK;

	/* WARL: a reserved or custom mode leaves the old one in place. */
	if (mode > GENPT_RVI_DDTP_3LVL)
		mode = old & GENPT_RVI_DDTP_MODE_MASK;
	__atomic_store_n(&iommu->ddtp, (v & GENPT_RVI_PPN_MASK) | mode,
			 __ATOMIC_RELEASE);
}

static void write_cqcsr(struct genpt_rviommu *iommu, uint32_t v)
{
	const uint32_t w1c = GENPT_RVI_CQCSR_CQMF | GENPT_RVI_CQCSR_CMD_TO |
			     GENPT_RVI_CQCSR_CMD_ILL | GENPT_RVI_CQCSR_FENCE_W_IP;
	uint32_t c = iommu->cqcsr;
	bool was_on = c & GENPT_RVI_CQCSR_CQEN;

	c &= ~(v & w1c);
	c = (c & ~(GENPT_RVI_CQCSR_CQEN | GENPT_RVI_CQCSR_CIE)) |
	    (v & (GENPT_RVI_CQCSR_CQEN | GENPT_RVI_CQCSR_CIE));
	if (!was_on && (v & GENPT_RVI_CQCSR_CQEN)) {
		iommu->cqh = 0;
		c &= ~w1c;
		c |= GENPT_RVI_CQCSR_CQON;
	} else if (!(v & GENPT_RVI_CQCSR_CQEN)) {
		c &= ~GENPT_RVI_CQCSR_CQON;
	}
	iommu->cqcsr = c;
	cq_process(iommu);
}

static void write_fqcsr(struct genpt_rviommu *iommu, uint32_t v)
{
	const uint32_t w1c = GENPT_RVI_FQCSR_FQMF | GENPT_RVI_FQCSR_FQOF;
	uint32_t c = iommu->fqcsr;
	bool was_on = c & GENPT_RVI_FQCSR_FQEN;

	c &= ~(v & w1c);
	c = (c & ~(GENPT_RVI_FQCSR_FQEN | GENPT_RVI_FQCSR_FIE)) |
	    (v & (GENPT_RVI_FQCSR_FQEN | GENPT_RVI_FQCSR_FIE));
	if (!was_on && (v & GENPT_RVI_FQCSR_FQEN)) {
		iommu->fqt = 0;
		c &= ~w1c;
		c |= GENPT_RVI_FQCSR_FQON;
	} else if (!(v & GENPT_RVI_FQCSR_FQEN)) {
		c &= ~GENPT_RVI_FQCSR_FQON;
	}
	iommu->fqcsr = c;
	genpt_rvi_ipsr_update(iommu);
}

static void write_fctl(struct genpt_rviommu *iommu, uint32_t v)
{
	uint64_t igs = iommu->caps & GENPT_RVI_CAP_IGS_MASK;

	/* BE: little-endian only (END = 0).  GXL: no Sv32x4, stays 0.
	 * WSI: writable only when both interrupt methods exist. */
	if (igs == GENPT_RVI_CAP_IGS_BOTH)
		iommu->fctl = v & GENPT_RVI_FCTL_WSI;
}

static void reg_set(struct genpt_rviommu *iommu, uint32_t start, uint64_t v)
{
	bool msi_tbl = (iommu->caps & GENPT_RVI_CAP_IGS_MASK) != GENPT_RVI_CAP_IGS_WSI;

	switch (start) {
	case GENPT_RVI_REG_FCTL:
		write_fctl(iommu, (uint32_t)v);
		return;
	case GENPT_RVI_REG_DDTP:
		write_ddtp(iommu, v);
		return;
	case GENPT_RVI_REG_CQB:
		iommu->cqb = v & RVI_BASE_REG_MASK;
		iommu->cqt &= rvi_queue_mask(iommu->cqb);
		return;
	case GENPT_RVI_REG_CQT:
		iommu->cqt = (uint32_t)v & rvi_queue_mask(iommu->cqb);
		cq_process(iommu);
		return;
	case GENPT_RVI_REG_FQB:
		iommu->fqb = v & RVI_BASE_REG_MASK;
		iommu->fqh &= rvi_queue_mask(iommu->fqb);
		return;
	case GENPT_RVI_REG_FQH:
		iommu->fqh = (uint32_t)v & rvi_queue_mask(iommu->fqb);
		return;
	case GENPT_RVI_REG_CQCSR:
		write_cqcsr(iommu, (uint32_t)v);
		return;
	case GENPT_RVI_REG_FQCSR:
		write_fqcsr(iommu, (uint32_t)v);
		return;
	case GENPT_RVI_REG_IPSR:
		iommu->ipsr &= ~((uint32_t)v & (GENPT_RVI_IPSR_CIP | GENPT_RVI_IPSR_FIP |
						GENPT_RVI_IPSR_PMIP | GENPT_RVI_IPSR_PIP));
		genpt_rvi_ipsr_update(iommu);
		return;
	case GENPT_RVI_REG_ICVEC:
		iommu->icvec = v & 0xffff; /* civ, fiv, pmiv, piv: 4 bits each */
		return;
	default:
		break;
	}
	if (msi_tbl && start >= GENPT_RVI_REG_MSI_CFG_TBL && start < 0x400) {
		unsigned int i = (start - GENPT_RVI_REG_MSI_CFG_TBL) / 16;

		switch (start & 15) {
		case 0: /* msi_addr: bits 55:2 */
			iommu->msi_addr[i] = v & (((1ull << 56) - 1) & ~3ull);
			break;
		case 8:
			iommu->msi_data[i] = (uint32_t)v;
			break;
		case 12: /* msi_vec_ctl: M in bit 0 */
			iommu->msi_ctl[i] = (uint32_t)v & 1;
			break;
		}
	}
	/* everything else: read-only, absent or reserved */
}

GENPT_API int genpt_rviommu_reg_write(struct genpt_rviommu *iommu,
				      uint32_t offset, unsigned int size,
				      uint64_t value)
{
	uint32_t start, rsize;
	int err;

	if (!iommu)
		return -EINVAL;
	err = reg_check(offset, size, &start, &rsize);
	if (err)
		return err;
	if (size == 8 && rsize == 4)
		return 0; /* two cells of a reserved window */
	pthread_mutex_lock(&iommu->reg_lock);
	reg_set(iommu, start, merge(reg_get(iommu, start), start, offset, size, value));
	pthread_mutex_unlock(&iommu->reg_lock);
	return 0;
}

/* --------------------------------------------------------- MMIO ops ---- */

static int mmio_read(void *ctx, uint32_t offset, unsigned int size, uint64_t *value)
{
	return genpt_rviommu_reg_read(ctx, offset, size, value);
}

static int mmio_write(void *ctx, uint32_t offset, unsigned int size, uint64_t value)
{
	return genpt_rviommu_reg_write(ctx, offset, size, value);
}

GENPT_API const struct genpt_rv_mmio_ops genpt_rviommu_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};
