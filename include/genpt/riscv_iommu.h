/* SPDX-License-Identifier: MIT */
/*
 * genpt/riscv_iommu.h - a software RISC-V IOMMU (specification v1.0) and the
 * driver-side helper that programs it.
 *
 * The model (genpt_rviommu_*) walks the structures a real RISC-V IOMMU walks
 * - the device directory (DDT), process directories (PDT), first-stage and
 * G-stage page tables, MSI page tables - in memory reached only through a
 * struct genpt_mem_ops (phys_to_virt), e.g. a genpt_physmem.  It has the
 * memory-mapped registers at their specification offsets, processes the
 * command queue when the tail is written, reports faults in the fault queue,
 * caches device contexts and translations, and updates A/D bits in page
 * tables atomically.  It decodes every entry from the specification on its
 * own (it shares no code with the table engine), so that a device writing
 * through it checks the engine's tables and its dirty harvest end to end.
 *
 * The driver helper (genpt_rvdrv_*) is what a hypervisor's IOMMU driver does
 * with such an IOMMU: it builds the DDT and the queues, attaches genpt tables
 * to devices as first or second stage, and runs the dirty-tracking flow
 * (DC.tc.GADE/SADE, invalidation, fence) around the engine's harvest.  It
 * reaches the IOMMU only through MMIO callbacks and in-memory structures, so
 * it drives the model and could drive real hardware the same way.
 *
 * Conventions: functions return 0 (or a documented non-negative value) or a
 * negative errno.  NULL arguments give -EINVAL.
 *
 * Threads: genpt_rviommu_translate() and genpt_rviommu_dma() may be called
 * from any number of threads at once (devices doing DMA in parallel), also
 * while registers are written, commands run and the engine edits or harvests
 * the tables.  Register accesses are serialized inside the model.  The
 * driver helper serializes its own calls with one lock per driver.
 */
#ifndef GENPT_RISCV_IOMMU_H
#define GENPT_RISCV_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"
#include "genpt/table.h"

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

/*
 * GENPT_RVI_CAPS_MODEL - every capability the model implements: version
 * 1.0, Sv39/48/57, Svpbmt, Sv39x4/48x4/57x4, MSI_FLAT (extended device
 * contexts and basic-mode MSI page tables), AMO_HWAD, interrupt generation
 * by MSI or wire, a 56-bit physical address space, PD8/PD17/PD20.
 * A configuration may ask for any subset of these (and any PAS up to 56).
 */
#define GENPT_RVI_CAPS_MODEL                                                  \
	(0x10ull | GENPT_RVI_CAP_SV39 | GENPT_RVI_CAP_SV48 | GENPT_RVI_CAP_SV57 | \
	 GENPT_RVI_CAP_SVPBMT | GENPT_RVI_CAP_SV39X4 | GENPT_RVI_CAP_SV48X4 |     \
	 GENPT_RVI_CAP_SV57X4 | GENPT_RVI_CAP_MSI_FLAT | GENPT_RVI_CAP_AMO_HWAD | \
	 GENPT_RVI_CAP_IGS_BOTH | GENPT_RVI_CAP_PAS(56) | GENPT_RVI_CAP_PD8 |     \
	 GENPT_RVI_CAP_PD17 | GENPT_RVI_CAP_PD20)

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

/* Fault record TTYP (untranslated requests only are modelled). */
#define GENPT_RVI_TTYP_NONE 0u
#define GENPT_RVI_TTYP_UNTRANSLATED_EXEC 1u
#define GENPT_RVI_TTYP_UNTRANSLATED_READ 2u
#define GENPT_RVI_TTYP_UNTRANSLATED_WRITE 3u

#define GENPT_RVI_CMD_SIZE 16
#define GENPT_RVI_FAULT_RECORD_SIZE 32

/* ------------------------------------------------------------------------
 * The model
 * ---------------------------------------------------------------------- */

/** struct genpt_rviommu - opaque software RISC-V IOMMU. */
struct genpt_rviommu;

/**
 * struct genpt_rviommu_config - what genpt_rviommu_create() builds.
 *
 * @capabilities:    the capabilities register value, specification layout;
 *                   it reads back unchanged.  0 = GENPT_RVI_CAPS_MODEL.
 *                   Bits of features the model does not implement (Sv32,
 *                   Sv32x4, AMO_MRIF, MSI_MRIF, ATS, T2GPA, END, HPM, DBG,
 *                   QOSID, reserved and custom bits), IGS 3, or a PAS that
 *                   is 0 or above 56 give -EINVAL.
 * @iotlb_entries:   IOTLB capacity in translations (0 = 512).  Rounded up
 *                   to a multiple of the number of IOTLB shards (16).
 * @dc_cache_entries: device-directory cache capacity in device and process
 *                   contexts (0 = 64).
 */
struct genpt_rviommu_config {
	uint64_t capabilities;
	unsigned int iotlb_entries;
	unsigned int dc_cache_entries;
};

/**
 * genpt_rviommu_create() - a RISC-V IOMMU in reset state.
 * @cfg:     capabilities and cache sizes; NULL for all defaults.
 * @mem:     the memory provider every structure is reached through; must
 *           have phys_to_virt (the other callbacks are not used).
 * @mem_ctx: its context.
 * @out:     receives the new IOMMU.
 *
 * Every structure the IOMMU reads or writes - DDT, PDT, page tables, MSI
 * page tables, command and fault queues, IOFENCE.C completion words, and
 * DMA data - is reached through @mem.  The model keeps @mem and @mem_ctx;
 * they must outlive it.
 *
 * Reset state (spec "Reset behavior"): ddtp.iommu_mode Off (all inbound
 * transactions disallowed), queues off, ipsr 0, caches empty.  fctl.WSI
 * reads 1 when capabilities.IGS is WSI, else 0.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: bad arguments or capabilities the model does not implement.
 * -ENOMEM: out of memory.
 */
GENPT_API int genpt_rviommu_create(const struct genpt_rviommu_config *cfg,
				   const struct genpt_mem_ops *mem, void *mem_ctx,
				   struct genpt_rviommu **out);

/**
 * genpt_rviommu_destroy() - free the model (not the memory it walked).
 * @iommu: the IOMMU, or NULL (a no-op).
 */
GENPT_API void genpt_rviommu_destroy(struct genpt_rviommu *iommu);

/**
 * genpt_rviommu_reg_read() - read a register.
 * @iommu:  the IOMMU.
 * @offset: byte offset in the 4 KiB register page (GENPT_RVI_REG_*).
 * @size:   4 or 8 bytes.
 * @value:  receives the value (zero-extended for 4 bytes).
 *
 * Optional registers whose capability is absent (page-request queue, HPM,
 * debug, QoS) and reserved or custom offsets read 0.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: an access the specification leaves UNSPECIFIED: a size other
 *          than 4 or 8, an offset not aligned to the size, beyond the
 *          4 KiB register page, or an access spanning two registers (a
 *          4-byte access to either half of an 8-byte register is fine);
 *          or a NULL argument.
 */
GENPT_API int genpt_rviommu_reg_read(struct genpt_rviommu *iommu,
				     uint32_t offset, unsigned int size,
				     uint64_t *value);

/**
 * genpt_rviommu_reg_write() - write a register.
 * @iommu:  the IOMMU.
 * @offset: byte offset in the 4 KiB register page (GENPT_RVI_REG_*).
 * @size:   4 or 8 bytes.
 * @value:  the value (its low 32 bits for 4 bytes).
 *
 * Fields behave as the specification says: read-only fields and registers
 * ignore writes; RW1C status bits clear on 1; WARL fields keep only legal
 * values (ddtp keeps its old mode when a reserved mode is written;
 * fctl.BE and GXL stay 0, WSI follows capabilities.IGS; cqt and fqh keep
 * only LOG2SZ-1:0; reserved bits read 0).  Enabling a queue (cqen/fqen 0
 * -> 1) zeroes its head/tail and its error bits and turns it on at once
 * (busy is hard-wired to 0).  Writing cqt (or cqcsr, when it leaves the
 * queue on and error-free) processes every command between cqh and cqt
 * before returning; an illegal or unsupported command sets cqcsr.cmd_ill
 * and stops the queue with cqh on it, a memory fault sets cqmf.  Writing
 * ddtp does not invalidate any cache (software must use IODIR, as the spec
 * requires).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: as for genpt_rviommu_reg_read().
 */
GENPT_API int genpt_rviommu_reg_write(struct genpt_rviommu *iommu,
				      uint32_t offset, unsigned int size,
				      uint64_t value);

/**
 * struct genpt_rviommu_req - one untranslated inbound transaction.
 *
 * @device_id:  requester (24 bits).
 * @process_id: PASID (20 bits), used when @pid_valid.
 * @pid_valid:  the request carries a process_id.
 * @iova:       the address (an IOVA, or a GPA when the first stage is Bare).
 * @access:     GENPT_ACCESS_READ / WRITE / EXEC (read for execute).
 * @priv:       supervisor privilege requested (only with @pid_valid, as a
 *              PCIe PASID prefix carries it).
 */
struct genpt_rviommu_req {
	uint32_t device_id;
	uint32_t process_id;
	bool pid_valid;
	uint64_t iova;
	unsigned int access;
	bool priv;
};

/**
 * struct genpt_rviommu_rsp - the outcome of genpt_rviommu_translate().
 *
 * @cause:      0 on success, else the fault CAUSE (GENPT_RVI_CAUSE_*).
 * @pa:         translated physical address, page offset included (0 on a
 *              fault).
 * @page_shift: log2 of the translation's size: the smaller of the
 *              first-stage and G-stage leaves (12, 16 for Svnapot, 21, 30,
 *              39, 48); 12 for Bare and MSI translations; 0 on a fault.
 * @pbmt:       memory type: 0 PMA, 1 NC, 2 IO (Svpbmt; the first stage's
 *              non-zero PBMT overrides the G-stage's).
 * @iotlb_hit:  served from the IOTLB without walking.
 */
struct genpt_rviommu_rsp {
	unsigned int cause;
	uint64_t pa;
	unsigned int page_shift;
	unsigned int pbmt;
	bool iotlb_hit;
};

/**
 * genpt_rviommu_translate() - translate one transaction as the IOMMU does.
 * @iommu: the IOMMU.
 * @req:   the request: device, process id, address, access, privilege.
 * @rsp:   receives the outcome: the fault cause (0 on success), the
 *         physical address, the page size, the memory type.
 *
 * Follows the specification's "Process to translate an IOVA": ddtp mode,
 * device context (from the cache or the DDT, with every configuration
 * check), process context (PDT), first stage, MSI address translation,
 * G-stage; A/D updates with an atomic compare-and-swap of the whole PTE when
 * DC.tc.SADE/GADE allow them.  On a fault the record (CAUSE, TTYP, DID,
 * PV/PID/PRIV, iotval = IOVA, iotval2 = GPA and implicit-access bits for
 * guest-page faults) goes to the fault queue when it is on, unless DC.tc.DTF
 * suppresses it.  Thread safe.
 *
 * Return: 0 when the transaction was processed, whether it faulted or not
 * (see @rsp->cause), or a negative errno.
 * -EINVAL: bad arguments (NULL, unknown access, a device_id above 24 bits,
 *          a process_id above 20 bits, @req->priv without
 *          @req->pid_valid).
 */
GENPT_API int genpt_rviommu_translate(struct genpt_rviommu *iommu,
				      const struct genpt_rviommu_req *req,
				      struct genpt_rviommu_rsp *rsp);

/**
 * genpt_rviommu_dma() - a device DMA.
 * @iommu:     the IOMMU.
 * @device_id: the requester.
 * @iova:      first address the device accesses.
 * @buf:       the device's data: the source of a write, the destination
 *             of a read.
 * @len:       bytes to move (0 does nothing).
 * @access:    GENPT_ACCESS_WRITE copies @buf to memory; GENPT_ACCESS_READ
 *             and GENPT_ACCESS_EXEC copy memory to @buf.
 *
 * Translates page by page (without a process_id) and copies between @buf
 * and memory with relaxed atomic byte accesses, so concurrent DMA to one
 * page is well defined.  Each translation's data is in memory before an
 * IOFENCE.C that began after the translation was looked up completes: as
 * on hardware, once IOTINVAL + IOFENCE.C are done no transaction still
 * uses a translation they removed (so a harvest's copy holds every write
 * that did not set D again).  Thread safe.
 *
 * Return: 0, or a negative errno.
 * -EFAULT: a translation faulted (the fault is recorded like any other;
 *          the pages before it were transferred) or a translated address
 *          is not backed by the memory provider.
 * -EINVAL: bad arguments.
 */
GENPT_API int genpt_rviommu_dma(struct genpt_rviommu *iommu, uint32_t device_id,
				uint64_t iova, void *buf, size_t len,
				unsigned int access);

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
 * genpt_rviommu_fault_decode() - decode a fault record.
 * @rec: the 32-byte record as it sits in the fault queue (4 doublewords).
 * @f:   receives its fields.
 */
GENPT_API void genpt_rviommu_fault_decode(const uint64_t rec[4],
					  struct genpt_rviommu_fault *f);

/**
 * struct genpt_rviommu_stats - event counters (monotonic, approximate under
 * concurrency only in their ordering with each other).
 */
struct genpt_rviommu_stats {
	uint64_t translations;  /* genpt_rviommu_translate() calls processed */
	uint64_t iotlb_hits;    /* translations served from the IOTLB */
	uint64_t iotlb_misses;  /* translations that walked the page tables */
	uint64_t dc_hits;       /* device/process contexts from the cache */
	uint64_t dc_misses;     /* ... read from memory */
	uint64_t ad_updates;    /* PTEs the IOMMU wrote (A/D set by CAS) */
	uint64_t faults;        /* translations that faulted */
	uint64_t fault_records; /* records written to the fault queue */
	uint64_t commands;      /* commands executed */
};

/**
 * genpt_rviommu_stats() - read the event counters.
 * @iommu: the IOMMU.
 * @out:   receives the counters.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_rviommu_stats(struct genpt_rviommu *iommu,
				  struct genpt_rviommu_stats *out);

/* ------------------------------------------------------------------------
 * MMIO access (what the driver helper talks to)
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

/**
 * genpt_rviommu_mmio_ops - MMIO ops whose ctx is a struct genpt_rviommu *:
 * genpt_rviommu_reg_read() and genpt_rviommu_reg_write().
 */
GENPT_API extern const struct genpt_rv_mmio_ops genpt_rviommu_mmio_ops;

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
 *                   reach the same physical addresses.
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
 * -EIO: a command was refused.
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
 * follow the table's state (see genpt_rvdrv_attach()).
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

#endif /* GENPT_RISCV_IOMMU_H */
