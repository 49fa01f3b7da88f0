/* SPDX-License-Identifier: MIT */
/*
 * rvi_util.h - helpers for the RISC-V IOMMU model's tests.
 *
 * Everything a test builds by hand - page-table entries, device and process
 * contexts, directory entries, commands, queue registers - is encoded here
 * from the RISC-V IOMMU and privileged specifications with literal bit
 * positions, not with the model's constants, so a misread field in the
 * model (or in genpt/riscv_iommu.h) shows up as a failing test.
 *
 * All symbols start with rvi_ / RVI_ (test/support is linked into every
 * test binary).
 */
#ifndef GENPT_TEST_RVI_UTIL_H
#define GENPT_TEST_RVI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/genpt.h"

/* ---- PTE (privileged spec) --------------------------------------------- */
#define RVI_V (1ull << 0)
#define RVI_R (1ull << 1)
#define RVI_W (1ull << 2)
#define RVI_X (1ull << 3)
#define RVI_U (1ull << 4)
#define RVI_G (1ull << 5)
#define RVI_A (1ull << 6)
#define RVI_D (1ull << 7)
#define RVI_N (1ull << 63)
#define RVI_PBMT(v) ((uint64_t)(v) << 61)
#define RVI_PTE_PPN(e) (((e) >> 10) & ((1ull << 44) - 1))
/* a leaf for physical address @pa (PPN = pa >> 12) */
#define RVI_LEAF(pa, flags) (((((uint64_t)(pa)) >> 12) << 10) | (flags) | RVI_V)
/* a pointer to the table at @pa */
#define RVI_PTR(pa) (((((uint64_t)(pa)) >> 12) << 10) | RVI_V)

/* ---- device context (IOMMU spec) --------------------------------------- */
#define RVI_TC_V (1ull << 0)
#define RVI_TC_EN_ATS (1ull << 1)
#define RVI_TC_EN_PRI (1ull << 2)
#define RVI_TC_T2GPA (1ull << 3)
#define RVI_TC_DTF (1ull << 4)
#define RVI_TC_PDTV (1ull << 5)
#define RVI_TC_PRPR (1ull << 6)
#define RVI_TC_GADE (1ull << 7)
#define RVI_TC_SADE (1ull << 8)
#define RVI_TC_DPE (1ull << 9)
#define RVI_TC_SBE (1ull << 10)
#define RVI_TC_SXL (1ull << 11)
/* iohgatp / iosatp / pdtp / msiptp: MODE 63:60, GSCID 59:44, PPN 43:0 */
#define RVI_ATP(mode, id, pa)                                                  \
	(((uint64_t)(mode) << 60) | ((uint64_t)(id) << 44) | (((uint64_t)(pa)) >> 12))
#define RVI_TA_PSCID(p) ((uint64_t)(p) << 12)
#define RVI_PC_V (1ull << 0)
#define RVI_PC_ENS (1ull << 1)
#define RVI_PC_SUM (1ull << 2)

/* ---- capabilities ------------------------------------------------------ */
#define RVI_CAP_SV39 (1ull << 9)
#define RVI_CAP_SV48 (1ull << 10)
#define RVI_CAP_SV57 (1ull << 11)
#define RVI_CAP_SVPBMT (1ull << 15)
#define RVI_CAP_SV39X4 (1ull << 17)
#define RVI_CAP_SV48X4 (1ull << 18)
#define RVI_CAP_SV57X4 (1ull << 19)
#define RVI_CAP_MSI_FLAT (1ull << 22)
#define RVI_CAP_AMO_HWAD (1ull << 24)
#define RVI_CAP_IGS(v) ((uint64_t)(v) << 28)
#define RVI_CAP_PAS(v) ((uint64_t)(v) << 32)
#define RVI_CAP_PD8 (1ull << 38)
#define RVI_CAP_PD17 (1ull << 39)
#define RVI_CAP_PD20 (1ull << 40)
/* Everything the model offers, base-format DCs (no MSI_FLAT). */
#define RVI_CAPS_BASE                                                          \
	(0x10ull | RVI_CAP_SV39 | RVI_CAP_SV48 | RVI_CAP_SV57 | RVI_CAP_SVPBMT |   \
	 RVI_CAP_SV39X4 | RVI_CAP_SV48X4 | RVI_CAP_SV57X4 | RVI_CAP_AMO_HWAD |     \
	 RVI_CAP_IGS(2) | RVI_CAP_PAS(56) | RVI_CAP_PD8 | RVI_CAP_PD17 |           \
	 RVI_CAP_PD20)
#define RVI_CAPS_EXT (RVI_CAPS_BASE | RVI_CAP_MSI_FLAT)

/* ---- registers --------------------------------------------------------- */
#define RVI_REG_CAP 0x00
#define RVI_REG_FCTL 0x08
#define RVI_REG_DDTP 0x10
#define RVI_REG_CQB 0x18
#define RVI_REG_CQH 0x20
#define RVI_REG_CQT 0x24
#define RVI_REG_FQB 0x28
#define RVI_REG_FQH 0x30
#define RVI_REG_FQT 0x34
#define RVI_REG_CQCSR 0x48
#define RVI_REG_FQCSR 0x4C
#define RVI_REG_IPSR 0x54
#define RVI_CQCSR_CQEN (1u << 0)
#define RVI_CQCSR_CIE (1u << 1)
#define RVI_CQCSR_CQMF (1u << 8)
#define RVI_CQCSR_CMD_ILL (1u << 10)
#define RVI_CQCSR_FENCE_W_IP (1u << 11)
#define RVI_CQCSR_CQON (1u << 16)
#define RVI_FQCSR_FQEN (1u << 0)
#define RVI_FQCSR_FIE (1u << 1)
#define RVI_FQCSR_FQMF (1u << 8)
#define RVI_FQCSR_FQOF (1u << 9)
#define RVI_FQCSR_FQON (1u << 16)

/* ---- commands (IOMMU spec "In-memory queue interface") ------------------ */
/* IOTINVAL.VMA / .GVMA: opcode 1, func3 0/1, AV 10, PSCID 31:12, PSCV 32,
 * GV 33, GSCID 59:44; ADDR[63:12] in bits 61:10 of the second word. */
#define RVI_CMD_VMA(av, pscv, pscid, gv, gscid)                                \
	(1ull | (0ull << 7) | ((uint64_t)(av) << 10) | ((uint64_t)(pscid) << 12) | \
	 ((uint64_t)(pscv) << 32) | ((uint64_t)(gv) << 33) | ((uint64_t)(gscid) << 44))
#define RVI_CMD_GVMA(av, gv, gscid)                                            \
	(1ull | (1ull << 7) | ((uint64_t)(av) << 10) | ((uint64_t)(gv) << 33) |    \
	 ((uint64_t)(gscid) << 44))
#define RVI_CMD_ADDR(a) ((((uint64_t)(a)) >> 12) << 10)
/* IODIR: opcode 3, func3 0 INVAL_DDT / 1 INVAL_PDT, PID 31:12, DV 33, DID 63:40 */
#define RVI_CMD_INVAL_DDT(dv, did)                                             \
	(3ull | (0ull << 7) | ((uint64_t)(dv) << 33) | ((uint64_t)(did) << 40))
#define RVI_CMD_INVAL_PDT(did, pid)                                            \
	(3ull | (1ull << 7) | ((uint64_t)(pid) << 12) | (1ull << 33) |             \
	 ((uint64_t)(did) << 40))
/* IOFENCE.C: opcode 2, func3 0, AV 10, WSI 11, PR 12, PW 13, DATA 63:32;
 * ADDR[63:2] in bits 61:0 of the second word. */
#define RVI_CMD_FENCE(av, data) (2ull | ((uint64_t)(av) << 10) | ((uint64_t)(data) << 32))

/* ---- causes ------------------------------------------------------------ */
enum {
	RVI_C_INST_ACCESS = 1,
	RVI_C_READ_ACCESS = 5,
	RVI_C_WRITE_ACCESS = 7,
	RVI_C_INST_PAGE = 12,
	RVI_C_READ_PAGE = 13,
	RVI_C_WRITE_PAGE = 15,
	RVI_C_INST_GPAGE = 20,
	RVI_C_READ_GPAGE = 21,
	RVI_C_WRITE_GPAGE = 23,
	RVI_C_ALL_OFF = 256,
	RVI_C_DDT_LOAD = 257,
	RVI_C_DDT_INVALID = 258,
	RVI_C_DDT_MISCONF = 259,
	RVI_C_TTYP = 260,
	RVI_C_MSI_LOAD = 261,
	RVI_C_MSI_INVALID = 262,
	RVI_C_MSI_MISCONF = 263,
	RVI_C_PDT_LOAD = 265,
	RVI_C_PDT_INVALID = 266,
	RVI_C_PDT_MISCONF = 267,
};

/* ---- an environment: physical memory + a model + hand-made queues ------- */

#define RVI_PM_BASE (1ull << 32)

struct rvi_env {
	struct genpt_physmem *pm;
	struct genpt_rviommu *iommu;
	uint64_t caps;
	bool ext;       /* 64-byte DCs */
	uint64_t ddt;   /* DDT root (hand-built DDTs) */
	unsigned int ddt_levels;
	uint64_t cq_pa, fq_pa;
	uint32_t cq_n, fq_n;
	uint32_t cqt, fqh;
	uint64_t fence_pa;
	uint32_t fence_seq;
};

/* Physmem of @pm_size bytes (0: 8 GiB) at RVI_PM_BASE and a model with
 * @caps (0: RVI_CAPS_BASE).  Queues enabled (64 commands, 64 records),
 * ddtp Off.  Aborts the test on failure. */
void rvi_env_init(struct rvi_env *e, uint64_t caps, uint64_t pm_size);
void rvi_env_init_cfg(struct rvi_env *e, const struct genpt_rviommu_config *cfg,
		      uint64_t pm_size);
void rvi_env_fini(struct rvi_env *e);

/* Zeroed physical memory (asserts). */
uint64_t rvi_alloc(struct rvi_env *e, uint64_t size, uint64_t align);
/* Host pointer of @pa (asserts it is backed). */
uint64_t *rvi_p(struct rvi_env *e, uint64_t pa);
uint64_t rvi_get(struct rvi_env *e, uint64_t pa);
void rvi_set(struct rvi_env *e, uint64_t pa, uint64_t v);

uint64_t rvi_rd(struct rvi_env *e, uint32_t off, unsigned int size);
void rvi_wr(struct rvi_env *e, uint32_t off, unsigned int size, uint64_t v);

/* A hand-built DDT with @levels levels (1..3): sets ddtp. */
void rvi_ddt_init(struct rvi_env *e, unsigned int levels);
/* Physical address of @did's DC in the hand-built DDT (creating the
 * directory path); the DC is 32 or 64 bytes. */
uint64_t rvi_dc_pa(struct rvi_env *e, uint32_t did);
/* Write a DC (tc last). @w has 4 or 8 words (extended: msiptp, mask,
 * pattern, reserved may be 0). */
void rvi_dc_write(struct rvi_env *e, uint32_t did, uint64_t tc, uint64_t iohgatp,
		  uint64_t ta, uint64_t fsc);
void rvi_dc_write_ext(struct rvi_env *e, uint32_t did, const uint64_t w[8]);
/* A fresh MSI page table whose entry 0 is a valid flat (MODE 3) MSI PTE
 * for a fresh interrupt-file page (its address to @file); returns the
 * table's address. */
uint64_t rvi_msi_table(struct rvi_env *e, uint64_t *file);

/* A hand-built page-table entry path: map @va to the leaf @leaf_pte at
 * @level (0 = 4 KiB) in the table rooted at @root with @levels levels
 * (@gstage: 16 KiB root, 11-bit top index).  Missing intermediate tables
 * are allocated; @ptr_flags are ORed into new pointer PTEs.  Returns the
 * physical address of the leaf PTE. */
uint64_t rvi_pt_set(struct rvi_env *e, uint64_t root, unsigned int levels,
		    bool gstage, uint64_t va, unsigned int level, uint64_t leaf_pte);
/* Physical address of the PTE at @level on the walk of @va (asserts the
 * pointers above exist). */
uint64_t rvi_pt_slot(struct rvi_env *e, uint64_t root, unsigned int levels,
		     bool gstage, uint64_t va, unsigned int level);
/* A new zeroed root: 16 KiB aligned for the G-stage. */
uint64_t rvi_pt_root(struct rvi_env *e, bool gstage);
/* A G-stage-only (Sv39x4) domain of devices 0 to @ndev - 1, GSCID @gscid,
 * with hardware A/D (GADE): @npages read/write 4 KiB pages at GPA 0 up,
 * backed by one allocation aligned to @align.  Returns the backing's
 * address (GPA 0), and the root in *@root. */
uint64_t rvi_gstage_pages(struct rvi_env *e, uint32_t ndev, unsigned int gscid,
			  uint64_t npages, uint64_t align, uint64_t *root);

/* Queue a command and ring cqt (the model runs it at once). */
void rvi_cmd(struct rvi_env *e, uint64_t d0, uint64_t d1);
/* IOFENCE.C with AV; asserts the completion word got written. */
void rvi_fence(struct rvi_env *e);
/* Pop one fault record: false when the queue is empty. */
bool rvi_fault_pop(struct rvi_env *e, struct genpt_rviommu_fault *f);
/* Number of records waiting. */
unsigned int rvi_fault_count(struct rvi_env *e);
/* Drop every waiting record. */
void rvi_fault_drain(struct rvi_env *e);

/* One translation; returns the cause (0 ok) and the PA in *@pa. */
unsigned int rvi_xlate(struct rvi_env *e, uint32_t did, uint64_t iova,
		       unsigned int access, uint64_t *pa);
unsigned int rvi_xlate_pid(struct rvi_env *e, uint32_t did, uint32_t pid,
			   bool priv, uint64_t iova, unsigned int access,
			   uint64_t *pa);

/* Assert that exactly one fault record is waiting and that it has these
 * fields (PV/PID 0 unless given via rvi_expect_fault_pid). */
void rvi_expect_fault(struct rvi_env *e, unsigned int cause, unsigned int ttyp,
		      uint32_t did, uint64_t iotval, uint64_t iotval2);
void rvi_expect_fault_pid(struct rvi_env *e, unsigned int cause, unsigned int ttyp,
			  uint32_t did, bool pv, uint32_t pid, bool priv,
			  uint64_t iotval, uint64_t iotval2);

/* ---- the set-up and checks the model's suites repeat -------------------- */

/* rvi_env_init(@caps, default memory) with a hand-built DDT of @levels. */
void rvi_env_ddt(struct rvi_env *e, uint64_t caps, unsigned int levels);
/* The TTYP of an untranslated request for @access (1 execute, 2 read,
 * 3 write). */
unsigned int rvi_ttyp(unsigned int access);
/* A translation of @iova that must fault with @cause and leave exactly
 * one record saying so (TTYP from @access, iotval = @iova, @iotval2);
 * the _pid form for a request with a process id. */
void rvi_xlate_fault(struct rvi_env *e, uint32_t did, uint64_t iova, unsigned int access,
		     unsigned int cause, uint64_t iotval2);
void rvi_xlate_pid_fault(struct rvi_env *e, uint32_t did, uint32_t pid, bool priv,
			 uint64_t iova, unsigned int access, unsigned int cause,
			 uint64_t iotval2);
/* A two-stage layout with GPA == SPA for the first stage's tables: every
 * Sv39 table page on the walk of @iova from @fsroot gets an identity
 * G-stage leaf with @flags in the Sv39x4 table @groot. */
void rvi_gs_identity_tables(struct rvi_env *e, uint64_t groot, uint64_t fsroot,
			    uint64_t iova, uint64_t flags);
/*
 * struct rvi_two_stage - device @did on a fresh Sv39 first stage (PSCID
 * @pscid) and Sv39x4 G-stage (GSCID @gscid), DC tc = V | @tc: @iova maps
 * to GPA @gpa (first-stage leaf @fs_flags), @gpa to @spa (G-stage leaf
 * @gs_flags), the first stage's table pages at GPA = SPA (@tbl_flags).
 * rvi_two_stage_init() builds it and sets @groot / @fsroot.
 */
struct rvi_two_stage {
	uint32_t did;
	unsigned int gscid, pscid;
	uint64_t tc, iova, gpa, spa, fs_flags, gs_flags, tbl_flags;
	uint64_t groot, fsroot;
};
void rvi_two_stage_init(struct rvi_env *e, struct rvi_two_stage *t);

/* Device @did translating through one fresh stage of MODE @mode (8 Sv39
 * / Sv39x4, 9 Sv48 / Sv48x4, 10 Sv57 / Sv57x4): the G-stage (@gstage,
 * GSCID @id) or the first stage (PSCID @id), DC tc = V | @tc.  Returns
 * the root. */
uint64_t rvi_dev_stage(struct rvi_env *e, uint32_t did, bool gstage, unsigned int mode,
		       unsigned int id, uint64_t tc);

/* rvi_env_ddt(default caps, @ddt_levels), then rvi_dev_stage(): an
 * environment with one single-stage device; returns its root. */
uint64_t rvi_env_dev(struct rvi_env *e, unsigned int ddt_levels, uint32_t did, bool gstage,
		     unsigned int mode, unsigned int id, uint64_t tc);
/* Identity 1 GiB G-stage leaves with @flags over the default 8 GiB of
 * memory (GPA = SPA), in the Sv39x4 table @groot. */
void rvi_gs_identity_gib(struct rvi_env *e, uint64_t groot, uint64_t flags);
/* One translation on @iommu without asserting (a worker thread's): the
 * cause, or RVI_XLATE_ERR when the model refused the request. */
#define RVI_XLATE_ERR 9999u
unsigned int rvi_try_xlate(struct genpt_rviommu *iommu, uint32_t did, uint64_t iova,
			   unsigned int access);

/* PRNG */
uint64_t rvi_rand(uint64_t *state);

#endif /* GENPT_TEST_RVI_UTIL_H */
