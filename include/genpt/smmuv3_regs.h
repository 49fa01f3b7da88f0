/* SPDX-License-Identifier: MIT */
/*
 * genpt/smmuv3_regs.h - the Arm SMMUv3 (IHI 0070) as software sees it:
 * register offsets and fields, the stream table entry (STE) and context
 * descriptor (CD) layouts, commands, events and the event record, and the
 * MMIO callbacks a driver reaches the registers through.
 *
 * Shared by the driver helper (genpt/smmuv3_drv.h, in libgenpt) and the
 * model (genpt/smmuv3_model.h, in libgenpt_hw): a driver and the SMMU it
 * drives meet only here, at the registers and in memory.  Only the
 * Non-secure programming interface is described.
 */
#ifndef GENPT_SMMUV3_REGS_H
#define GENPT_SMMUV3_REGS_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Registers (IHI 0070 chapter 6).  Page 0 at 0, page 1 at 0x10000.
 * ---------------------------------------------------------------------- */

#define GENPT_SMMU_REG_IDR0 0x000        /* 4, read-only */
#define GENPT_SMMU_REG_IDR1 0x004        /* 4, read-only */
#define GENPT_SMMU_REG_IDR2 0x008        /* 4, read-only */
#define GENPT_SMMU_REG_IDR3 0x00C        /* 4, read-only */
#define GENPT_SMMU_REG_IDR4 0x010        /* 4, read-only */
#define GENPT_SMMU_REG_IDR5 0x014        /* 4, read-only */
#define GENPT_SMMU_REG_IIDR 0x018        /* 4, read-only */
#define GENPT_SMMU_REG_AIDR 0x01C        /* 4, read-only */
#define GENPT_SMMU_REG_CR0 0x020         /* 4 */
#define GENPT_SMMU_REG_CR0ACK 0x024      /* 4, read-only */
#define GENPT_SMMU_REG_CR1 0x028         /* 4 */
#define GENPT_SMMU_REG_CR2 0x02C         /* 4 */
#define GENPT_SMMU_REG_GBPA 0x044        /* 4 */
#define GENPT_SMMU_REG_IRQ_CTRL 0x050    /* 4 */
#define GENPT_SMMU_REG_IRQ_CTRLACK 0x054 /* 4, read-only */
#define GENPT_SMMU_REG_GERROR 0x060      /* 4, read-only */
#define GENPT_SMMU_REG_GERRORN 0x064     /* 4 */
#define GENPT_SMMU_REG_STRTAB_BASE 0x080 /* 8 */
#define GENPT_SMMU_REG_STRTAB_BASE_CFG 0x088 /* 4 */
#define GENPT_SMMU_REG_CMDQ_BASE 0x090   /* 8 */
#define GENPT_SMMU_REG_CMDQ_PROD 0x098   /* 4 */
#define GENPT_SMMU_REG_CMDQ_CONS 0x09C   /* 4 */
#define GENPT_SMMU_REG_EVENTQ_BASE 0x0A0 /* 8 */
#define GENPT_SMMU_REG_EVENTQ_PROD 0x100A8 /* 4, page 1 */
#define GENPT_SMMU_REG_EVENTQ_CONS 0x100AC /* 4, page 1 */
#define GENPT_SMMU_REG_SPACE 0x20000 /* bytes of register space (pages 0 and 1) */

/* IDR0 */
#define GENPT_SMMU_IDR0_S2P (1u << 0)
#define GENPT_SMMU_IDR0_S1P (1u << 1)
#define GENPT_SMMU_IDR0_TTF_AARCH64 (2u << 2)
#define GENPT_SMMU_IDR0_COHACC (1u << 4)
#define GENPT_SMMU_IDR0_HTTU_SHIFT 6 /* 2 bits: 1 AF, 2 AF and dirty */
#define GENPT_SMMU_IDR0_HTTU_MASK (3u << 6)
#define GENPT_SMMU_IDR0_HTTU_A (1u << 6)
#define GENPT_SMMU_IDR0_HTTU_AD (2u << 6)
#define GENPT_SMMU_IDR0_HYP (1u << 9)
#define GENPT_SMMU_IDR0_ATS (1u << 10)
#define GENPT_SMMU_IDR0_ASID16 (1u << 12)
#define GENPT_SMMU_IDR0_MSI (1u << 13)
#define GENPT_SMMU_IDR0_VMID16 (1u << 18)
#define GENPT_SMMU_IDR0_CD2L (1u << 19)
#define GENPT_SMMU_IDR0_TTENDIAN_LE (2u << 21)
#define GENPT_SMMU_IDR0_ST_LEVEL_2LVL (1u << 27) /* ST_LEVEL [28:27] = 1 */

/* IDR1 */
#define GENPT_SMMU_IDR1_SIDSIZE(v) ((v) & 0x3fu)
#define GENPT_SMMU_IDR1_SSIDSIZE(v) (((v) >> 6) & 0x1fu)
#define GENPT_SMMU_IDR1_EVENTQS(v) (((v) >> 16) & 0x1fu)
#define GENPT_SMMU_IDR1_CMDQS(v) (((v) >> 21) & 0x1fu)

/* IDR3 */
#define GENPT_SMMU_IDR3_BBML_SHIFT 11 /* 2 bits: break-before-make level */
#define GENPT_SMMU_IDR3_BBML_MASK (3u << 11)

/* IDR5 */
#define GENPT_SMMU_IDR5_OAS_MASK 7u /* 0 32, 1 36, 2 40, 3 42, 4 44, 5 48 bits */
#define GENPT_SMMU_IDR5_GRAN4K (1u << 4)
#define GENPT_SMMU_IDR5_GRAN16K (1u << 5)
#define GENPT_SMMU_IDR5_GRAN64K (1u << 6)

/* CR0 / CR0ACK */
#define GENPT_SMMU_CR0_SMMUEN (1u << 0)
#define GENPT_SMMU_CR0_EVENTQEN (1u << 2)
#define GENPT_SMMU_CR0_CMDQEN (1u << 3)

/* GBPA: ABORT makes transactions abort while SMMUEN is 0 */
#define GENPT_SMMU_GBPA_ABORT (1u << 20)
#define GENPT_SMMU_GBPA_UPDATE (1u << 31)

/* GERROR / GERRORN: an error is active while the bits differ */
#define GENPT_SMMU_GERROR_CMDQ_ERR (1u << 0)
#define GENPT_SMMU_GERROR_EVTQ_ABT_ERR (1u << 2)

/* STRTAB_BASE: ADDR [51:6]; STRTAB_BASE_CFG: LOG2SIZE [5:0], SPLIT [10:6],
 * FMT [17:16] (0 linear, 1 two-level). */
#define GENPT_SMMU_ADDR_MASK_6 (((1ull << 52) - 1) & ~63ull)
#define GENPT_SMMU_STRTAB_LOG2SIZE(v) ((v) & 0x3fu)
#define GENPT_SMMU_STRTAB_SPLIT_SHIFT 6
#define GENPT_SMMU_STRTAB_FMT_2LVL (1u << 16)

/* Queue base registers: ADDR [51:5], LOG2SIZE [4:0].  PROD/CONS: the index
 * in bits [LOG2SIZE-1:0], the wrap flag in bit LOG2SIZE; CMDQ_CONS.ERR
 * [30:24]; EVENTQ_PROD.OVFLG and EVENTQ_CONS.OVACKFLG in bit 31. */
#define GENPT_SMMU_Q_ADDR_MASK (((1ull << 52) - 1) & ~31ull)
#define GENPT_SMMU_Q_LOG2SIZE(v) ((unsigned int)((v) & 0x1f))
#define GENPT_SMMU_CMDQ_CONS_ERR_SHIFT 24
#define GENPT_SMMU_CMDQ_CONS_ERR_MASK (0x7fu << 24)
#define GENPT_SMMU_CERROR_NONE 0
#define GENPT_SMMU_CERROR_ILL 1
#define GENPT_SMMU_CERROR_ABT 2
#define GENPT_SMMU_Q_OVF (1u << 31)

/* ------------------------------------------------------------------------
 * Stream table entry (64 bytes, 8 little-endian doublewords)
 * ---------------------------------------------------------------------- */

#define GENPT_SMMU_STE_SIZE 64 /* bytes of an STE */
/* dword 0 */
#define GENPT_SMMU_STE0_V (1ull << 0)
#define GENPT_SMMU_STE0_CONFIG_SHIFT 1 /* 3 bits */
#define GENPT_SMMU_STE0_CONFIG_MASK (7ull << 1)
#define GENPT_SMMU_STE_CONFIG_ABORT 0u
#define GENPT_SMMU_STE_CONFIG_BYPASS 4u
#define GENPT_SMMU_STE_CONFIG_S1 5u
#define GENPT_SMMU_STE_CONFIG_S2 6u
#define GENPT_SMMU_STE_CONFIG_NESTED 7u
#define GENPT_SMMU_STE0_S1FMT_SHIFT 4 /* 2 bits; 0 = linear CD table */
#define GENPT_SMMU_STE0_S1CTXPTR_MASK (((1ull << 52) - 1) & ~63ull)
#define GENPT_SMMU_STE0_S1CDMAX_SHIFT 59 /* 5 bits: log2 of CDs */
/* dword 1 */
#define GENPT_SMMU_STE1_S1DSS_MASK 3ull /* 0 terminate, 1 bypass, 2 SSID 0 */
/* dword 2: S2VMID [15:0]; VTCR fields [50:32] = VTCR_EL2 [18:0]
 * (T0SZ, SL0, IR0, OR0, SH0, TG, PS) */
#define GENPT_SMMU_STE2_VMID_MASK 0xffffull
#define GENPT_SMMU_STE2_VTCR_SHIFT 32
#define GENPT_SMMU_STE2_VTCR_MASK (0x7ffffull << 32)
#define GENPT_SMMU_STE2_S2AA64 (1ull << 51)
#define GENPT_SMMU_STE2_S2ENDI (1ull << 52)
#define GENPT_SMMU_STE2_S2AFFD (1ull << 53)
#define GENPT_SMMU_STE2_S2PTW (1ull << 54)
#define GENPT_SMMU_STE2_S2HD (1ull << 55)
#define GENPT_SMMU_STE2_S2HA (1ull << 56)
#define GENPT_SMMU_STE2_S2S (1ull << 57)
#define GENPT_SMMU_STE2_S2R (1ull << 58)
/* dword 3: S2TTB [51:4] */
#define GENPT_SMMU_STE3_S2TTB_MASK (((1ull << 52) - 1) & ~15ull)

/* Level-1 stream table descriptor: SPAN [4:0], L2Ptr [51:6]. */
#define GENPT_SMMU_L1STD_SPAN_MASK 0x1full

/* ------------------------------------------------------------------------
 * Context descriptor (64 bytes)
 * ---------------------------------------------------------------------- */

#define GENPT_SMMU_CD_SIZE 64 /* bytes of a CD */
/* dword 0 */
#define GENPT_SMMU_CD0_T0SZ_MASK 0x3full
#define GENPT_SMMU_CD0_TG0_SHIFT 6 /* 2 bits: 0 4K, 1 64K, 2 16K */
#define GENPT_SMMU_CD0_IR0_SHIFT 8
#define GENPT_SMMU_CD0_OR0_SHIFT 10
#define GENPT_SMMU_CD0_SH0_SHIFT 12
#define GENPT_SMMU_CD0_EPD0 (1ull << 14)
#define GENPT_SMMU_CD0_ENDI (1ull << 15)
#define GENPT_SMMU_CD0_EPD1 (1ull << 30)
#define GENPT_SMMU_CD0_V (1ull << 31)
#define GENPT_SMMU_CD0_IPS_SHIFT 32 /* 3 bits */
#define GENPT_SMMU_CD0_AA64 (1ull << 41)
#define GENPT_SMMU_CD0_HD (1ull << 42)
#define GENPT_SMMU_CD0_HA (1ull << 43)
#define GENPT_SMMU_CD0_S (1ull << 44)
#define GENPT_SMMU_CD0_R (1ull << 45)
#define GENPT_SMMU_CD0_A (1ull << 46)
#define GENPT_SMMU_CD0_ASET (1ull << 47)
#define GENPT_SMMU_CD0_ASID_SHIFT 48
/* dword 1: TTB0 [51:4]; dword 3: MAIR0 */
#define GENPT_SMMU_CD1_TTB0_MASK (((1ull << 52) - 1) & ~15ull)

/* ------------------------------------------------------------------------
 * Commands (16 bytes; opcode in dword 0 [7:0])
 * ---------------------------------------------------------------------- */

#define GENPT_SMMU_CMD_SIZE 16 /* bytes of a command */
#define GENPT_SMMU_CMD_PREFETCH_CONFIG 0x01 /* a hint: no effect */
#define GENPT_SMMU_CMD_PREFETCH_ADDR 0x02 /* a hint: no effect */
#define GENPT_SMMU_CMD_CFGI_STE 0x03       /* SID [63:32]; dw1 LEAF [0] */
#define GENPT_SMMU_CMD_CFGI_STE_RANGE 0x04 /* SID; dw1 RANGE [4:0] (31: all) */
#define GENPT_SMMU_CMD_CFGI_CD 0x05        /* SSID [31:12], SID [63:32] */
#define GENPT_SMMU_CMD_CFGI_CD_ALL 0x06    /* SID */
#define GENPT_SMMU_CMD_TLBI_NH_ALL 0x10    /* VMID [47:32] */
#define GENPT_SMMU_CMD_TLBI_NH_ASID 0x11   /* VMID, ASID [63:48] */
#define GENPT_SMMU_CMD_TLBI_NH_VA 0x12     /* VMID, ASID; dw1 ADDR [63:12] */
#define GENPT_SMMU_CMD_TLBI_NH_VAA 0x13    /* VMID; dw1 ADDR */
#define GENPT_SMMU_CMD_TLBI_S12_VMALL 0x28 /* VMID */
#define GENPT_SMMU_CMD_TLBI_S2_IPA 0x2A    /* VMID; dw1 IPA [51:12] */
#define GENPT_SMMU_CMD_TLBI_NSNH_ALL 0x30 /* every Non-secure non-hypervisor entry */
#define GENPT_SMMU_CMD_ATC_INV 0x40 /* device ATC invalidation */
#define GENPT_SMMU_CMD_SYNC 0x46 /* CS [13:12]; MSIDATA [63:32]; dw1 MSIADDR [51:2] */
#define GENPT_SMMU_SYNC_CS_IRQ (1ull << 12) /* signal by an MSI write */
#define GENPT_SMMU_CMD_SID_SHIFT 32 /* StreamID field of CFGI commands */
#define GENPT_SMMU_CMD_SSID_SHIFT 12 /* SubstreamID field of CFGI_CD */
#define GENPT_SMMU_CMD_VMID_SHIFT 32 /* VMID field of TLBI commands */
#define GENPT_SMMU_CMD_ASID_SHIFT 48 /* ASID field of TLBI commands */
#define GENPT_SMMU_CMD_LEAF 1ull /* dword 1: leaf entries only */

/* ------------------------------------------------------------------------
 * Events (32-byte records; EVENT_ID in dword 0 [7:0])
 * ---------------------------------------------------------------------- */

#define GENPT_SMMU_EVT_SIZE 32 /* bytes of an event record */
#define GENPT_SMMU_EVT_C_BAD_STREAMID 0x02 /* StreamID beyond the stream table */
#define GENPT_SMMU_EVT_F_STE_FETCH 0x03 /* the STE address is not backed */
#define GENPT_SMMU_EVT_C_BAD_STE 0x04 /* STE invalid or ILLEGAL */
#define GENPT_SMMU_EVT_C_BAD_SUBSTREAMID 0x08 /* SubstreamID the STE does not allow */
#define GENPT_SMMU_EVT_F_CD_FETCH 0x09 /* the CD address is not backed */
#define GENPT_SMMU_EVT_C_BAD_CD 0x0A /* CD invalid or ILLEGAL */
#define GENPT_SMMU_EVT_F_WALK_EABT 0x0B /* a table address is not backed */
#define GENPT_SMMU_EVT_F_TRANSLATION 0x10 /* no valid descriptor */
#define GENPT_SMMU_EVT_F_ADDR_SIZE 0x11 /* an address beyond the output size */
#define GENPT_SMMU_EVT_F_ACCESS 0x12 /* AF = 0 without HA */
#define GENPT_SMMU_EVT_F_PERMISSION 0x13 /* access not permitted (writable-clean without HD) */
#define GENPT_SMMU_EVT_F_TLB_CONFLICT 0x20 /* conflicting TLB entries (not raised) */

/**
 * struct genpt_smmu_event - one event record, decoded.
 *
 * @id:     EVENT_ID (GENPT_SMMU_EVT_*).
 * @sid:    StreamID.
 * @ssv:    @ssid is valid.
 * @ssid:   SubstreamID.
 * @s2:     the fault came from stage 2 (translation-related events).
 * @read:   RnW: the access was a read (else a write).
 * @instr:  InD: an instruction fetch.
 * @priv:   PnU: a privileged access.
 * @class_: CLASS: 0 CD fetch, 1 stage-1 table fetch, 2 input address.
 * @addr:   INPUT_ADDR: the transaction's address.
 * @ipa:    the IPA of a stage-2 fault (0 otherwise).
 */
struct genpt_smmu_event {
	unsigned int id;
	uint32_t sid;
	bool ssv;
	uint32_t ssid;
	bool s2;
	bool read;
	bool instr;
	bool priv;
	unsigned int class_;
	uint64_t addr;
	uint64_t ipa;
};

/**
 * genpt_smmu_event_decode() - decode a 32-byte event record.
 * @rec: the record's four doublewords, as read from the event queue.
 * @out: receives the decoded fields.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_smmu_event_decode(const uint64_t rec[4],
				      struct genpt_smmu_event *out);

/**
 * struct genpt_smmu_mmio_ops - register access to one SMMU.
 *
 * @read:  read @size (4 or 8) bytes at byte @offset into *@value; 0 or a
 *         negative errno.
 * @write: write the low @size bytes of @value at @offset; 0 or a negative
 *         errno.
 */
struct genpt_smmu_mmio_ops {
	int (*read)(void *ctx, uint32_t offset, unsigned int size, uint64_t *value);
	int (*write)(void *ctx, uint32_t offset, unsigned int size, uint64_t value);
};

#ifdef __cplusplus
}
#endif

#endif /* GENPT_SMMUV3_REGS_H */
