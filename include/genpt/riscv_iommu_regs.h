/* SPDX-License-Identifier: MIT */
/*
 * genpt/riscv_iommu_regs.h - the RISC-V IOMMU (specification v1.0) as
 * software sees it: register offsets and fields, device and process
 * context layouts, commands, fault causes and the fault record, and the
 * MMIO callbacks a driver reaches the registers through.
 *
 * Shared by the driver helper (genpt/riscv_iommu_drv.h, in libgenpt) and
 * the model (genpt/riscv_iommu_model.h, in libgenpt_hw): a driver and the
 * device it drives meet only here, at the registers and in memory.
 */
#ifndef GENPT_RISCV_IOMMU_REGS_H
#define GENPT_RISCV_IOMMU_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Specification constants (RISC-V IOMMU v1.0)
 * ---------------------------------------------------------------------- */

/* Register offsets (bytes from the start of the 4 KiB register page). */
#define GENPT_RVI_REG_CAPABILITIES 0x000 /* 8 bytes, read-only */
#define GENPT_RVI_REG_FCTL 0x008         /* 4 */
#define GENPT_RVI_REG_DDTP 0x010         /* 8 */
#define GENPT_RVI_REG_CQB 0x018          /* 8 */
#define GENPT_RVI_REG_CQH 0x020          /* 4, read-only */
#define GENPT_RVI_REG_CQT 0x024          /* 4 */
#define GENPT_RVI_REG_FQB 0x028          /* 8 */
#define GENPT_RVI_REG_FQH 0x030          /* 4 */
#define GENPT_RVI_REG_FQT 0x034          /* 4, read-only */
#define GENPT_RVI_REG_PQB 0x038          /* 8 (only with ATS) */
#define GENPT_RVI_REG_PQH 0x040          /* 4 (only with ATS) */
#define GENPT_RVI_REG_PQT 0x044          /* 4 (only with ATS) */
#define GENPT_RVI_REG_CQCSR 0x048        /* 4 */
#define GENPT_RVI_REG_FQCSR 0x04C        /* 4 */
#define GENPT_RVI_REG_PQCSR 0x050        /* 4 (only with ATS) */
#define GENPT_RVI_REG_IPSR 0x054         /* 4 */
#define GENPT_RVI_REG_ICVEC 0x2F8        /* 8 */
#define GENPT_RVI_REG_MSI_CFG_TBL 0x300  /* 16 x 16 bytes (without IGS=WSI) */
#define GENPT_RVI_REG_SPACE 0x1000

/* capabilities */
#define GENPT_RVI_CAP_VERSION_MASK 0xffull /* 0x10 = version 1.0 */
#define GENPT_RVI_CAP_SV32 (1ull << 8)
#define GENPT_RVI_CAP_SV39 (1ull << 9)
#define GENPT_RVI_CAP_SV48 (1ull << 10)
#define GENPT_RVI_CAP_SV57 (1ull << 11)
#define GENPT_RVI_CAP_SVPBMT (1ull << 15)
#define GENPT_RVI_CAP_SV32X4 (1ull << 16)
#define GENPT_RVI_CAP_SV39X4 (1ull << 17)
#define GENPT_RVI_CAP_SV48X4 (1ull << 18)
#define GENPT_RVI_CAP_SV57X4 (1ull << 19)
#define GENPT_RVI_CAP_AMO_MRIF (1ull << 21)
#define GENPT_RVI_CAP_MSI_FLAT (1ull << 22)
#define GENPT_RVI_CAP_MSI_MRIF (1ull << 23)
#define GENPT_RVI_CAP_AMO_HWAD (1ull << 24)
#define GENPT_RVI_CAP_ATS (1ull << 25)
#define GENPT_RVI_CAP_T2GPA (1ull << 26)
#define GENPT_RVI_CAP_END (1ull << 27)
#define GENPT_RVI_CAP_IGS_SHIFT 28 /* 2 bits: 0 MSI, 1 WSI, 2 both */
#define GENPT_RVI_CAP_IGS_MASK (3ull << 28)
#define GENPT_RVI_CAP_IGS_MSI (0ull << 28)
#define GENPT_RVI_CAP_IGS_WSI (1ull << 28)
#define GENPT_RVI_CAP_IGS_BOTH (2ull << 28)
#define GENPT_RVI_CAP_HPM (1ull << 30)
#define GENPT_RVI_CAP_DBG (1ull << 31)
#define GENPT_RVI_CAP_PAS_SHIFT 32 /* 6 bits: physical address size */
#define GENPT_RVI_CAP_PAS_MASK (0x3full << 32)
#define GENPT_RVI_CAP_PAS(bits) ((uint64_t)(bits) << 32)
#define GENPT_RVI_CAP_PD8 (1ull << 38)
#define GENPT_RVI_CAP_PD17 (1ull << 39)
#define GENPT_RVI_CAP_PD20 (1ull << 40)
#define GENPT_RVI_CAP_QOSID (1ull << 41)

/* fctl */
#define GENPT_RVI_FCTL_BE (1u << 0)
#define GENPT_RVI_FCTL_WSI (1u << 1)
#define GENPT_RVI_FCTL_GXL (1u << 2)

/* ddtp: iommu_mode 3:0, busy 4, PPN 53:10 */
#define GENPT_RVI_DDTP_MODE_MASK 0xfull
#define GENPT_RVI_DDTP_OFF 0u
#define GENPT_RVI_DDTP_BARE 1u
#define GENPT_RVI_DDTP_1LVL 2u
#define GENPT_RVI_DDTP_2LVL 3u
#define GENPT_RVI_DDTP_3LVL 4u
#define GENPT_RVI_DDTP_BUSY (1ull << 4)

/* Every "base" register with a PPN (ddtp, cqb, fqb, pqb): PPN 53:10. */
#define GENPT_RVI_PPN_SHIFT 10
#define GENPT_RVI_PPN_MASK (((1ull << 44) - 1) << 10)
#define GENPT_RVI_PPN_OF(pa) ((((uint64_t)(pa)) >> 12) << 10)
/* cqb/fqb: LOG2SZ-1 in 4:0 (a queue of 2^(field+1) entries). */
#define GENPT_RVI_QB_LOG2SZM1_MASK 0x1full

/* cqcsr */
#define GENPT_RVI_CQCSR_CQEN (1u << 0)
#define GENPT_RVI_CQCSR_CIE (1u << 1)
#define GENPT_RVI_CQCSR_CQMF (1u << 8)
#define GENPT_RVI_CQCSR_CMD_TO (1u << 9)
#define GENPT_RVI_CQCSR_CMD_ILL (1u << 10)
#define GENPT_RVI_CQCSR_FENCE_W_IP (1u << 11)
#define GENPT_RVI_CQCSR_CQON (1u << 16)
#define GENPT_RVI_CQCSR_BUSY (1u << 17)

/* fqcsr */
#define GENPT_RVI_FQCSR_FQEN (1u << 0)
#define GENPT_RVI_FQCSR_FIE (1u << 1)
#define GENPT_RVI_FQCSR_FQMF (1u << 8)
#define GENPT_RVI_FQCSR_FQOF (1u << 9)
#define GENPT_RVI_FQCSR_FQON (1u << 16)
#define GENPT_RVI_FQCSR_BUSY (1u << 17)

/* ipsr */
#define GENPT_RVI_IPSR_CIP (1u << 0)
#define GENPT_RVI_IPSR_FIP (1u << 1)
#define GENPT_RVI_IPSR_PMIP (1u << 2)
#define GENPT_RVI_IPSR_PIP (1u << 3)

/* Device context (DC): doubleword indices and DC.tc bits. */
#define GENPT_RVI_DC_TC 0
#define GENPT_RVI_DC_IOHGATP 1
#define GENPT_RVI_DC_TA 2
#define GENPT_RVI_DC_FSC 3
#define GENPT_RVI_DC_MSIPTP 4        /* extended format only */
#define GENPT_RVI_DC_MSI_ADDR_MASK 5 /* extended format only */
#define GENPT_RVI_DC_MSI_ADDR_PATTERN 6
#define GENPT_RVI_DC_BASE_SIZE 32
#define GENPT_RVI_DC_EXT_SIZE 64

#define GENPT_RVI_TC_V (1ull << 0)
#define GENPT_RVI_TC_EN_ATS (1ull << 1)
#define GENPT_RVI_TC_EN_PRI (1ull << 2)
#define GENPT_RVI_TC_T2GPA (1ull << 3)
#define GENPT_RVI_TC_DTF (1ull << 4)
#define GENPT_RVI_TC_PDTV (1ull << 5)
#define GENPT_RVI_TC_PRPR (1ull << 6)
#define GENPT_RVI_TC_GADE (1ull << 7)
#define GENPT_RVI_TC_SADE (1ull << 8)
#define GENPT_RVI_TC_DPE (1ull << 9)
#define GENPT_RVI_TC_SBE (1ull << 10)
#define GENPT_RVI_TC_SXL (1ull << 11)

/* iohgatp / iosatp / pdtp / msiptp: PPN 43:0, GSCID 59:44, MODE 63:60. */
#define GENPT_RVI_ATP_PPN_MASK ((1ull << 44) - 1)
#define GENPT_RVI_ATP_GSCID_SHIFT 44
#define GENPT_RVI_ATP_MODE_SHIFT 60
#define GENPT_RVI_ATP(mode, id, pa)                                            \
	(((uint64_t)(mode) << 60) | ((uint64_t)(id) << 44) | (((uint64_t)(pa)) >> 12))
#define GENPT_RVI_MODE_BARE 0u
#define GENPT_RVI_MODE_SV39 8u  /* iosatp; iohgatp: Sv39x4 */
#define GENPT_RVI_MODE_SV48 9u  /* Sv48x4 */
#define GENPT_RVI_MODE_SV57 10u /* Sv57x4 */
#define GENPT_RVI_PDTP_PD8 1u
#define GENPT_RVI_PDTP_PD17 2u
#define GENPT_RVI_PDTP_PD20 3u
#define GENPT_RVI_MSIPTP_OFF 0u
#define GENPT_RVI_MSIPTP_FLAT 1u
/* ta (DC and PC): PSCID 31:12; PC.ta also V 0, ENS 1, SUM 2. */
#define GENPT_RVI_TA_PSCID_SHIFT 12
#define GENPT_RVI_TA_PSCID(p) ((uint64_t)(p) << 12)
#define GENPT_RVI_PC_TA_V (1ull << 0)
#define GENPT_RVI_PC_TA_ENS (1ull << 1)
#define GENPT_RVI_PC_TA_SUM (1ull << 2)
/* Non-leaf DDT/PDT entry: V 0, PPN 53:10. */
#define GENPT_RVI_DIR_V (1ull << 0)

/* Command opcodes (bits 6:0) and func3 (bits 9:7). */
#define GENPT_RVI_CMD_IOTINVAL 1u
#define GENPT_RVI_CMD_IOFENCE 2u
#define GENPT_RVI_CMD_IODIR 3u
#define GENPT_RVI_CMD_ATS 4u
#define GENPT_RVI_IOTINVAL_VMA 0u
#define GENPT_RVI_IOTINVAL_GVMA 1u
#define GENPT_RVI_IOFENCE_C 0u
#define GENPT_RVI_IODIR_INVAL_DDT 0u
#define GENPT_RVI_IODIR_INVAL_PDT 1u

/* Fault causes. */
#define GENPT_RVI_CAUSE_INST_ACCESS 1u
#define GENPT_RVI_CAUSE_READ_ACCESS 5u
#define GENPT_RVI_CAUSE_WRITE_ACCESS 7u
#define GENPT_RVI_CAUSE_INST_PAGE 12u
#define GENPT_RVI_CAUSE_READ_PAGE 13u
#define GENPT_RVI_CAUSE_WRITE_PAGE 15u
#define GENPT_RVI_CAUSE_INST_GUEST_PAGE 20u
#define GENPT_RVI_CAUSE_READ_GUEST_PAGE 21u
#define GENPT_RVI_CAUSE_WRITE_GUEST_PAGE 23u
#define GENPT_RVI_CAUSE_ALL_DISALLOWED 256u
#define GENPT_RVI_CAUSE_DDT_LOAD_FAULT 257u
#define GENPT_RVI_CAUSE_DDT_INVALID 258u
#define GENPT_RVI_CAUSE_DDT_MISCONFIGURED 259u
#define GENPT_RVI_CAUSE_TTYP_DISALLOWED 260u
#define GENPT_RVI_CAUSE_MSI_LOAD_FAULT 261u
#define GENPT_RVI_CAUSE_MSI_INVALID 262u
#define GENPT_RVI_CAUSE_MSI_MISCONFIGURED 263u
#define GENPT_RVI_CAUSE_PDT_LOAD_FAULT 265u
#define GENPT_RVI_CAUSE_PDT_INVALID 266u
#define GENPT_RVI_CAUSE_PDT_MISCONFIGURED 267u
#define GENPT_RVI_CAUSE_DDT_CORRUPTED 268u     /* DDT data corruption */
#define GENPT_RVI_CAUSE_PDT_CORRUPTED 269u     /* PDT data corruption */
#define GENPT_RVI_CAUSE_MSI_PT_CORRUPTED 270u  /* MSI PT data corruption */
#define GENPT_RVI_CAUSE_PT_CORRUPTED 274u      /* first/second-stage PT data corruption */

/* Fault record TTYP. */
#define GENPT_RVI_TTYP_NONE 0u
#define GENPT_RVI_TTYP_UNTRANSLATED_EXEC 1u
#define GENPT_RVI_TTYP_UNTRANSLATED_READ 2u
#define GENPT_RVI_TTYP_UNTRANSLATED_WRITE 3u
#define GENPT_RVI_TTYP_TRANSLATED_EXEC 5u
#define GENPT_RVI_TTYP_TRANSLATED_READ 6u
#define GENPT_RVI_TTYP_TRANSLATED_WRITE 7u
#define GENPT_RVI_TTYP_ATS_TRANSLATION 8u

/* ATS.INVAL (opcode GENPT_RVI_CMD_ATS, func3 0): d0 PID 31:12, PV 32, DSV
 * 33, RID 55:40, DSEG 63:56; d1 the PCIe Invalidate Request payload:
 * untranslated address 63:12, S (range size encoded in the address) 11,
 * G (global) 0. */
#define GENPT_RVI_ATS_INVAL 0u
#define GENPT_RVI_ATS_PRGR 1u
#define GENPT_RVI_ATS_PV (1ull << 32)
#define GENPT_RVI_ATS_DSV (1ull << 33)
#define GENPT_RVI_ATS_RID_SHIFT 40
#define GENPT_RVI_ATS_DSEG_SHIFT 56
#define GENPT_RVI_ATS_S (1ull << 11)
#define GENPT_RVI_ATS_G (1ull << 0)

#define GENPT_RVI_CMD_SIZE 16
#define GENPT_RVI_FAULT_RECORD_SIZE 32

/**
 * struct genpt_rviommu_fault - a fault record, decoded.
 *
 * @cause, @ttyp, @did: CAUSE (11:0), TTYP (39:34), DID (63:40).
 * @pv, @pid, @priv:    PV (32), PID (31:12), PRIV (33).
 * @iotval, @iotval2:   doublewords 2 and 3.
 */
struct genpt_rviommu_fault {
	unsigned int cause;
	unsigned int ttyp;
	uint32_t did;
	bool pv;
	uint32_t pid;
	bool priv;
	uint64_t iotval;
	uint64_t iotval2;
};

/**
 * genpt_rviommu_fault_decode() - decode a fault record (the IOMMU writes
 * it, a driver reads it: libgenpt has it).
 * @rec: the 32-byte record as it sits in the fault queue (4 doublewords).
 * @f:   receives its fields.
 */
GENPT_API void genpt_rviommu_fault_decode(const uint64_t rec[4],
					  struct genpt_rviommu_fault *f);

/* ------------------------------------------------------------------------
 * MMIO access: how a driver reaches the registers
 * ---------------------------------------------------------------------- */

/**
 * struct genpt_rv_mmio_ops - register access to one RISC-V IOMMU.
 *
 * @read:  read @size (4 or 8) bytes at @offset into *@value; 0 or -errno.
 * @write: write @size bytes of @value at @offset; 0 or -errno.
 */
struct genpt_rv_mmio_ops {
	int (*read)(void *ctx, uint32_t offset, unsigned int size, uint64_t *value);
	int (*write)(void *ctx, uint32_t offset, unsigned int size, uint64_t value);
};

#ifdef __cplusplus
}
#endif

#endif /* GENPT_RISCV_IOMMU_REGS_H */
