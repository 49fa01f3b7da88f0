/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_translate.c - the RISC-V IOMMU model's translation process:
 * every fault cause software configuration can reach, with the fault record
 * checked field by field; DDT modes and device-context formats; first
 * stage, G-stage and two-stage walks; process directories; Svnapot;
 * Svpbmt; supervisor requests; MSI translation; A/D updates.
 *
 * Every structure is built by hand (test/support/rvi_util.c) from the
 * specifications' bit positions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define EX GENPT_ACCESS_EXEC
#define TT_EX 1u
#define TT_RD 2u
#define TT_WR 3u

#define DID 0x12345u
#define PSCID 0x777u
#define GSCID 0x42u

/* An environment (3-level DDT) with device DID on an Sv39 first stage
 * (tc |= @tc) and a 1 GiB data block. */
struct fs_dev {
	uint64_t root, data;
};

static void fs_dev_init(struct rvi_env *e, struct fs_dev *d, uint64_t tc)
{
	d->root = rvi_env_dev(e, 3, DID, false, 8, PSCID, tc);
	d->data = rvi_alloc(e, 1ull << 30, 1ull << 30);
}

/* ---- ddtp modes ----------------------------------------------------------- */

Test(rviommu_translate, off_mode_disallows_everything)
{
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8) & 0xf, 0, "reset mode is Off");
	rvi_xlate_fault(&e, 7, 0x1000, WR, RVI_C_ALL_OFF, 0);
	rvi_xlate_pid_fault(&e, 9, 0x55, false, 0x2345, EX, RVI_C_ALL_OFF, 0);
	rvi_env_fini(&e);
}

Test(rviommu_translate, bare_mode_passes_through)
{
	struct rvi_env e;
	uint64_t pa;

	rvi_env_init(&e, 0, 0);
	rvi_wr(&e, RVI_REG_DDTP, 8, 1);
	cr_assert_eq(rvi_xlate(&e, 0xffffff, 0x123456789ull, WR, &pa), 0);
	cr_assert_eq(pa, 0x123456789ull);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);
}

/* Devices anywhere in the id space translate through 1/2/3-level DDTs of
 * both formats; ids wider than the DDT are "transaction type disallowed". */
static void ddt_levels(uint64_t caps)
{
	for (unsigned int levels = 1; levels <= 3; levels++) {
		struct rvi_env e;
		unsigned int b0;
		uint32_t ids[4];
		uint64_t pa;

		rvi_env_init(&e, caps, 0);
		b0 = e.ext ? 6 : 7;
		rvi_ddt_init(&e, levels);
		ids[0] = 0;
		ids[1] = (1u << b0) - 1;
		ids[2] = levels >= 2 ? (1u << (b0 + 9)) - 1 : 3;
		ids[3] = levels == 3 ? 0xffffff : 5;
		for (unsigned int i = 0; i < 4; i++) {
			/* Each device: iosatp Bare, G-stage Bare: pass-through. */
			rvi_dc_write(&e, ids[i], RVI_TC_V, 0, 0, 0);
			cr_assert_eq(rvi_xlate(&e, ids[i], 0x5000 + i, RD, &pa), 0,
				     "levels %u did 0x%x", levels, ids[i]);
			cr_assert_eq(pa, 0x5000 + i);
		}
		if (levels < 3) {
			uint32_t wide = 1u << (levels == 1 ? b0 : b0 + 9);

			rvi_xlate_fault(&e, wide, 0x1000, RD, RVI_C_TTYP, 0);
		}
		/* the DC of another device is not valid */
		rvi_xlate_fault(&e, 1, 0x1000, RD, RVI_C_DDT_INVALID, 0);
		rvi_env_fini(&e);
	}
}

Test(rviommu_translate, ddt_levels_base_format) { ddt_levels(RVI_CAPS_BASE); }
Test(rviommu_translate, ddt_levels_extended_format) { ddt_levels(RVI_CAPS_EXT); }

Test(rviommu_translate, ddt_load_access_fault)
{
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	/* ddtp pointing below the simulated memory: 257 */
	rvi_wr(&e, RVI_REG_DDTP, 8, ((0x10000ull >> 12) << 10) | 4);
	rvi_xlate_fault(&e, 0x10203, 0xabc000, RD, RVI_C_DDT_LOAD, 0);
	/* a non-leaf entry pointing at unbacked memory: 257 */
	rvi_ddt_init(&e, 3);
	rvi_set(&e, e.ddt + (0x10203 >> 16) * 8, RVI_PTR(0x20000));
	rvi_xlate_fault(&e, 0x10203, 0, WR, RVI_C_DDT_LOAD, 0);
	rvi_env_fini(&e);
}

Test(rviommu_translate, ddt_entry_not_valid)
{
	struct rvi_env e;
	uint64_t pa;

	rvi_env_ddt(&e, 0, 2);
	/* non-leaf V=0 */
	rvi_xlate_fault(&e, 0x300, 0x1000, EX, RVI_C_DDT_INVALID, 0);
	/* leaf V=0, with other bits set (don't care) */
	pa = rvi_dc_pa(&e, 0x300);
	rvi_set(&e, pa, ~1ull);
	rvi_xlate_fault(&e, 0x300, 0x1000, RD, RVI_C_DDT_INVALID, 0);
	rvi_env_fini(&e);
}

/* ---- device-context configuration checks (cause 259) --------------------- */

struct misconf {
	const char *what;
	uint64_t w[8]; /* the DC; [0] gets V */
	bool ext_only;
};

static void expect_misconfigured(uint64_t caps, const struct misconf *m, size_t n)
{
	struct rvi_env e;
	uint64_t root;

	rvi_env_ddt(&e, caps, 3);
	root = rvi_pt_root(&e, true);
	for (size_t i = 0; i < n; i++) {
		uint64_t w[8];
		uint32_t did = 0x100 + (uint32_t)i;

		if (m[i].ext_only && !e.ext)
			continue;
		memcpy(w, m[i].w, sizeof(w));
		w[0] |= RVI_TC_V;
		/* a placeholder 0 root means "the valid G-stage root" */
		if ((w[1] >> 60) && !(w[1] & ((1ull << 44) - 1)))
			w[1] |= root >> 12;
		rvi_dc_write_ext(&e, did, w);
		cr_expect_eq(rvi_xlate(&e, did, 0x4000, WR, NULL), RVI_C_DDT_MISCONF,
			     "%s", m[i].what);
		/* reported even with DTF: a misconfigured DC has no DTF */
		rvi_expect_fault(&e, RVI_C_DDT_MISCONF, TT_WR, did, 0x4000, 0);
	}
	rvi_env_fini(&e);
}

Test(rviommu_translate, dc_misconfigured_every_check)
{
	static const struct misconf m[] = {
		{ "tc reserved bit 12", { 1ull << 12 }, false },
		{ "tc reserved bit 23", { 1ull << 23 }, false },
		{ "tc reserved bit 32", { 1ull << 32 }, false },
		{ "tc reserved bit 63", { 1ull << 63 }, false },
		{ "EN_ATS without ATS", { RVI_TC_EN_ATS }, false },
		{ "EN_PRI without ATS", { RVI_TC_EN_PRI }, false },
		{ "PRPR without ATS", { RVI_TC_PRPR }, false },
		{ "T2GPA without the capability", { RVI_TC_T2GPA }, false },
		{ "PDTV with pdtp MODE 4", { RVI_TC_PDTV, 0, 0, RVI_ATP(4, 0, 0) }, false },
		{ "PDTV with pdtp MODE 15", { RVI_TC_PDTV, 0, 0, RVI_ATP(15, 0, 0) }, false },
		{ "iosatp MODE 1 (reserved)", { 0, 0, 0, RVI_ATP(1, 0, 0) }, false },
		{ "iosatp MODE 11 (reserved)", { 0, 0, 0, RVI_ATP(11, 0, 0) }, false },
		{ "iosatp MODE 14 (custom)", { 0, 0, 0, RVI_ATP(14, 0, 0) }, false },
		{ "iosatp reserved bit 44", { 0, 0, 0, RVI_ATP(8, 0, 0) | (1ull << 44) }, false },
		{ "pdtp reserved bit 59", { RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, 0) | (1ull << 59) }, false },
		{ "DPE without PDTV", { RVI_TC_DPE }, false },
		{ "iohgatp MODE 1", { 0, RVI_ATP(1, 0, 0) }, false },
		{ "iohgatp MODE 11", { 0, RVI_ATP(11, 0, 0) }, false },
		{ "iohgatp root not 16 KiB aligned", { 0, RVI_ATP(8, 0, 0) | 1 }, false },
		{ "SBE with one endianness", { RVI_TC_SBE }, false },
		{ "SXL with fctl.GXL 0 read-only", { RVI_TC_SXL }, false },
		{ "ta reserved bit 0", { 0, 0, 1 }, false },
		{ "ta reserved bit 32", { 0, 0, 1ull << 32 }, false },
		{ "ta RCID without QOSID", { 0, 0, 1ull << 40 }, false },
		{ "msiptp MODE 2", { 0, 0, 0, 0, RVI_ATP(2, 0, 0) }, true },
		{ "msiptp reserved bit 44", { 0, 0, 0, 0, 1ull << 44 }, true },
		{ "msi_addr_mask bit 52", { 0, 0, 0, 0, 0, 1ull << 52 }, true },
		{ "msi_addr_pattern bit 63", { 0, 0, 0, 0, 0, 0, 1ull << 63 }, true },
		{ "reserved doubleword 7", { 0, 0, 0, 0, 0, 0, 0, 1 }, true },
	};

	expect_misconfigured(RVI_CAPS_BASE, m, sizeof(m) / sizeof(m[0]));
	expect_misconfigured(RVI_CAPS_EXT, m, sizeof(m) / sizeof(m[0]));
}

/* Checks that depend on capabilities: modes the IOMMU lacks, A/D update
 * without AMO_HWAD. */
Test(rviommu_translate, dc_misconfigured_capabilities)
{
	static const struct misconf no_hwad[] = {
		{ "GADE without AMO_HWAD", { RVI_TC_GADE }, false },
		{ "SADE without AMO_HWAD", { RVI_TC_SADE }, false },
	};
	static const struct misconf no_57[] = {
		{ "Sv57 without the capability", { 0, 0, 0, RVI_ATP(10, 0, 0) }, false },
		{ "Sv57x4 without the capability", { 0, RVI_ATP(10, 0, 0) }, false },
		{ "PD20 without the capability", { RVI_TC_PDTV, 0, 0, RVI_ATP(3, 0, 0) }, false },
	};
	static const struct misconf no_48[] = {
		{ "Sv48x4 without the capability", { 0, RVI_ATP(9, 0, 0) }, false },
		{ "PD17 without the capability", { RVI_TC_PDTV, 0, 0, RVI_ATP(2, 0, 0) }, false },
		{ "PD8 without the capability", { RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, 0) }, false },
		{ "Sv39 without the capability", { 0, 0, 0, RVI_ATP(8, 0, 0) }, false },
	};

	expect_misconfigured(RVI_CAPS_BASE & ~RVI_CAP_AMO_HWAD, no_hwad, 2);
	expect_misconfigured(RVI_CAPS_BASE & ~(RVI_CAP_SV57 | RVI_CAP_SV57X4 | RVI_CAP_PD20),
			     no_57, 3);
	expect_misconfigured((RVI_CAPS_BASE & ~(RVI_CAP_SV39 | RVI_CAP_SV48 | RVI_CAP_SV57 |
						RVI_CAP_SV48X4 | RVI_CAP_SV57X4 |
						RVI_CAP_PD8 | RVI_CAP_PD17 | RVI_CAP_PD20)),
			     no_48, 4);
}

Test(rviommu_translate, ddt_nonleaf_reserved_bits)
{
	struct rvi_env e;

	rvi_env_ddt(&e, 0, 3);
	rvi_dc_write(&e, 0x20001, RVI_TC_V, 0, 0, 0);
	cr_assert_eq(rvi_xlate(&e, 0x20001, 0, RD, NULL), 0);
	/* bit 1 of the root entry: reserved */
	rvi_set(&e, e.ddt + 2 * 8, rvi_get(&e, e.ddt + 2 * 8) | 2);
	rvi_xlate_fault(&e, 0x20002, 0, RD, RVI_C_DDT_MISCONF, 0);
	rvi_env_fini(&e);
}

/* ---- transaction type disallowed (260) ------------------------------------ */

Test(rviommu_translate, transaction_type_disallowed)
{
	struct rvi_env e;
	uint64_t pdt, pc;

	rvi_env_ddt(&e, 0, 3);
	/* a process_id to a device without a PDT */
	rvi_dc_write(&e, 1, RVI_TC_V, 0, 0, 0);
	rvi_xlate_pid_fault(&e, 1, 3, false, 0x9000, RD, RVI_C_TTYP, 0);

	/* process_id wider than PD8 / PD17 allows */
	pdt = rvi_alloc(&e, 4096, 4096);
	rvi_dc_write(&e, 2, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, pdt));
	rvi_xlate_pid_fault(&e, 2, 0x100, false, 0x9000, WR, RVI_C_TTYP, 0);
	rvi_dc_write(&e, 3, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(2, 0, pdt));
	rvi_xlate_pid_fault(&e, 3, 0x20000, false, 0x9000, RD, RVI_C_TTYP, 0);

	/* supervisor request to a process context without ENS */
	pc = pdt + 5 * 16;
	rvi_set(&e, pc + 8, 0);                       /* fsc Bare */
	rvi_set(&e, pc, RVI_PC_V | RVI_TA_PSCID(9)); /* ENS = 0 */
	rvi_xlate_pid_fault(&e, 2, 5, true, 0x9000, RD, RVI_C_TTYP, 0);
	/* with ENS the same request passes (first stage Bare) */
	rvi_set(&e, pc, RVI_PC_V | RVI_PC_ENS | RVI_TA_PSCID(9));
	rvi_cmd(&e, RVI_CMD_INVAL_PDT(2, 5), 0);
	cr_assert_eq(rvi_xlate_pid(&e, 2, 5, true, 0x9000, RD, NULL), 0);
	rvi_env_fini(&e);
}

/* ---- process directory ---------------------------------------------------- */

/* PD8 / PD17 / PD20 directories, each process with its own Sv39 table that
 * maps 0x40000 to a different page. */
Test(rviommu_translate, process_directory_modes)
{
	static const uint32_t pids[3][3] = {
		{ 0, 0x7f, 0xff }, { 0, 0x1ff00, 0x12345 & 0x1ffff }, { 0, 0x80000, 0xfffff },
	};
	struct rvi_env e;

	rvi_env_ddt(&e, 0, 3);
	for (unsigned int mode = 1; mode <= 3; mode++) {
		uint32_t did = 0x40 + mode;
		uint64_t root = rvi_alloc(&e, 4096, 4096);

		rvi_dc_write(&e, did, RVI_TC_V | RVI_TC_PDTV | RVI_TC_SADE, 0, 0,
			     RVI_ATP(mode, 0, root));
		for (unsigned int i = 0; i < 3; i++) {
			uint32_t pid = pids[mode - 1][i];
			uint64_t a = root, pt = rvi_pt_root(&e, false);
			uint64_t data = rvi_alloc(&e, 4096, 4096), pa;

			/* PDI[2] = pid[19:17], PDI[1] = pid[16:8], PDI[0] = pid[7:0] */
			for (unsigned int l = mode - 1; l > 0; l--) {
				uint64_t idx = l == 2 ? (pid >> 17) & 7 : (pid >> 8) & 0x1ff;
				uint64_t v = rvi_get(&e, a + idx * 8);

				if (!(v & 1)) {
					v = RVI_PTR(rvi_alloc(&e, 4096, 4096));
					rvi_set(&e, a + idx * 8, v);
				}
				a = RVI_PTE_PPN(v) << 12;
			}
			rvi_set(&e, a + (pid & 0xff) * 16 + 8, RVI_ATP(8, 0, pt));
			/* PSCIDs name address spaces across devices: unique */
			rvi_set(&e, a + (pid & 0xff) * 16,
				RVI_PC_V | RVI_TA_PSCID(mode * 16 + i));
			rvi_pt_set(&e, pt, 3, false, 0x40000, 0,
				   RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
			cr_assert_eq(rvi_xlate_pid(&e, did, pid, false, 0x40123, RD, &pa), 0,
				     "mode %u pid 0x%x", mode, pid);
			cr_assert_eq(pa, data + 0x123);
		}
		/* a missing process: PC not valid */
		rvi_xlate_pid_fault(&e, did, 1, false, 0x40000, RD, RVI_C_PDT_INVALID, 0);
	}
	rvi_env_fini(&e);
}

/* Without a process_id: DPE=1 uses process 0, DPE=0 means first stage Bare. */
Test(rviommu_translate, default_process_id)
{
	struct rvi_env e;
	uint64_t pdt, pt, data, pa;

	rvi_env_ddt(&e, 0, 1);
	pdt = rvi_alloc(&e, 4096, 4096);
	pt = rvi_pt_root(&e, false);
	data = rvi_alloc(&e, 4096, 4096);
	rvi_set(&e, pdt + 8, RVI_ATP(8, 0, pt));
	rvi_set(&e, pdt, RVI_PC_V | RVI_TA_PSCID(1));
	rvi_pt_set(&e, pt, 3, false, 0x7000, 0, RVI_LEAF(data, RVI_R | RVI_U | RVI_A));
	rvi_dc_write(&e, 4, RVI_TC_V | RVI_TC_PDTV | RVI_TC_DPE, 0, 0, RVI_ATP(1, 0, pdt));
	rvi_dc_write(&e, 5, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, pdt));
	cr_assert_eq(rvi_xlate(&e, 4, 0x7010, RD, &pa), 0);
	cr_assert_eq(pa, data + 0x10);
	cr_assert_eq(rvi_xlate(&e, 5, 0x7010, RD, &pa), 0);
	cr_assert_eq(pa, 0x7010, "no process_id, DPE=0: first stage Bare");
	rvi_env_fini(&e);
}

Test(rviommu_translate, pdt_faults)
{
	struct rvi_env e;
	uint64_t root, mid;

	rvi_env_ddt(&e, 0, 3);
	/* PD8 root in unbacked memory: 265 */
	rvi_dc_write(&e, 1, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, 0x30000));
	rvi_xlate_pid_fault(&e, 1, 2, false, 0x1000, RD, RVI_C_PDT_LOAD, 0);

	/* PD20: root entry invalid (266), reserved (267), next level
	 * unbacked (265) */
	root = rvi_alloc(&e, 4096, 4096);
	rvi_dc_write(&e, 2, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(3, 0, root));
	rvi_xlate_pid_fault(&e, 2, 0x20000, false, 0, WR, RVI_C_PDT_INVALID, 0);
	mid = rvi_alloc(&e, 4096, 4096);
	rvi_set(&e, root + 1 * 8, RVI_PTR(mid) | (1ull << 54));
	rvi_xlate_pid_fault(&e, 2, 0x20000, false, 0, WR, RVI_C_PDT_MISCONF, 0);
	rvi_set(&e, root + 1 * 8, RVI_PTR(0x40000));
	rvi_xlate_pid_fault(&e, 2, 0x20000, false, 0, WR, RVI_C_PDT_LOAD, 0);

	/* PD8 process contexts: reserved ta bit, reserved fsc bit, bad mode */
	root = rvi_alloc(&e, 4096, 4096);
	rvi_dc_write(&e, 3, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, root));
	rvi_set(&e, root + 1 * 16, RVI_PC_V | (1ull << 3));
	rvi_set(&e, root + 2 * 16, RVI_PC_V);
	rvi_set(&e, root + 2 * 16 + 8, 1ull << 50);
	rvi_set(&e, root + 3 * 16, RVI_PC_V);
	rvi_set(&e, root + 3 * 16 + 8, RVI_ATP(7, 0, 0));
	rvi_set(&e, root + 4 * 16, RVI_PC_V | (1ull << 40));
	for (uint32_t pid = 1; pid <= 4; pid++) {
		rvi_xlate_pid_fault(&e, 3, pid, false, 0x5000, EX, RVI_C_PDT_MISCONF, 0);
	}
	rvi_env_fini(&e);
}

/* ---- first-stage page faults and access faults ---------------------------- */

Test(rviommu_translate, first_stage_page_faults)
{
	struct rvi_env e;
	struct fs_dev d;
	uint64_t pa;

	fs_dev_init(&e, &d, 0);
	rvi_pt_set(&e, d.root, 3, false, 0x10000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_U | RVI_A)); /* read-only */
	rvi_pt_set(&e, d.root, 3, false, 0x11000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_W | RVI_X | RVI_A | RVI_D)); /* no U */
	rvi_pt_set(&e, d.root, 3, false, 0x12000, 0,
		   RVI_LEAF(d.data, RVI_W | RVI_U | RVI_A | RVI_D)); /* W without R */
	rvi_pt_set(&e, d.root, 3, false, 0x13000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_U | RVI_A | (1ull << 54)));
	rvi_pt_set(&e, d.root, 3, false, 0x200000, 1, /* misaligned 2M */
		   RVI_LEAF(d.data + 0x1000, RVI_R | RVI_U | RVI_A));
	rvi_pt_set(&e, d.root, 3, false, 0x14000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_U | RVI_A | RVI_PBMT(3)));
	rvi_pt_set(&e, d.root, 3, false, 0x15000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U)); /* A = 0 */
	rvi_pt_set(&e, d.root, 3, false, 0x16000, 0,
		   RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U | RVI_A)); /* D = 0 */

	cr_assert_eq(rvi_xlate(&e, DID, 0x10008, RD, &pa), 0);
	cr_assert_eq(pa, d.data + 8);
	struct { uint64_t va; unsigned int acc, cause, ttyp; } f[] = {
		{ 0x10008, WR, RVI_C_WRITE_PAGE, TT_WR },  /* read-only */
		{ 0x10008, EX, RVI_C_INST_PAGE, TT_EX },   /* no X */
		{ 0x11000, RD, RVI_C_READ_PAGE, TT_RD },   /* U=0, user request */
		{ 0x12000, RD, RVI_C_READ_PAGE, TT_RD },   /* reserved W-only */
		{ 0x13000, RD, RVI_C_READ_PAGE, TT_RD },   /* reserved bit 54 */
		{ 0x200000, RD, RVI_C_READ_PAGE, TT_RD },  /* misaligned superpage */
		{ 0x14000, RD, RVI_C_READ_PAGE, TT_RD },   /* PBMT 3 */
		{ 0x15000, RD, RVI_C_READ_PAGE, TT_RD },   /* A=0, SADE=0 */
		{ 0x16000, WR, RVI_C_WRITE_PAGE, TT_WR },  /* D=0, SADE=0 */
		{ 0x17000, EX, RVI_C_INST_PAGE, TT_EX },   /* not mapped */
		/* not canonical, though bits 38:0 name the mapped 0x10008 */
		{ (1ull << 45) | 0x10008, RD, RVI_C_READ_PAGE, TT_RD },
		{ 0xffffff8000010008ull, RD, RVI_C_READ_PAGE, TT_RD },
		{ 0xffffffc000000000ull, WR, RVI_C_WRITE_PAGE, TT_WR }, /* upper half, unmapped */
	};
	for (unsigned int i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		cr_assert_eq(rvi_xlate(&e, DID, f[i].va, f[i].acc, NULL), f[i].cause,
			     "case %u", i);
		rvi_expect_fault(&e, f[i].cause, f[i].ttyp, DID, f[i].va, 0);
	}
	/* A=0 / D=0 entries were not touched by the faults */
	cr_assert_eq(rvi_get(&e, rvi_pt_slot(&e, d.root, 3, false, 0x15000, 0)) & RVI_A, 0);
	cr_assert_eq(rvi_get(&e, rvi_pt_slot(&e, d.root, 3, false, 0x16000, 0)) & RVI_D, 0);

	/* non-leaf with A set, and a pointer at level 0 */
	rvi_set(&e, rvi_pt_slot(&e, d.root, 3, false, 0x40000000, 2),
		RVI_PTR(rvi_alloc(&e, 4096, 4096)) | RVI_A);
	rvi_xlate_fault(&e, DID, 0x40000000, RD, RVI_C_READ_PAGE, 0);
	rvi_pt_set(&e, d.root, 3, false, 0x18000, 0, RVI_PTR(rvi_alloc(&e, 4096, 4096)));
	rvi_xlate_fault(&e, DID, 0x18000, RD, RVI_C_READ_PAGE, 0);
	rvi_env_fini(&e);
}

Test(rviommu_translate, pte_access_faults)
{
	struct rvi_env e;

	rvi_env_ddt(&e, 0, 3);
	/* an Sv48 root in unbacked memory */
	rvi_dc_write(&e, 1, RVI_TC_V, 0, 0, RVI_ATP(9, 0, 0x80000));
	rvi_xlate_fault(&e, 1, 0x1000, RD, RVI_C_READ_ACCESS, 0);
	rvi_xlate_fault(&e, 1, 0x1000, WR, RVI_C_WRITE_ACCESS, 0);
	rvi_xlate_fault(&e, 1, 0x1000, EX, RVI_C_INST_ACCESS, 0);
	/* a G-stage root in unbacked memory */
	rvi_dc_write(&e, 2, RVI_TC_V, RVI_ATP(8, 1, 0x80000), 0, 0);
	rvi_xlate_fault(&e, 2, 0x1000, WR, RVI_C_WRITE_ACCESS, 0);
	rvi_env_fini(&e);
}

/* DTF silences translation faults but not DDT faults. */
Test(rviommu_translate, dtf_disables_translation_fault_records)
{
	struct rvi_env e;
	struct fs_dev d;

	fs_dev_init(&e, &d, RVI_TC_DTF);
	cr_assert_eq(rvi_xlate(&e, DID, 0x1000, WR, NULL), RVI_C_WRITE_PAGE);
	cr_assert_eq(rvi_fault_count(&e), 0, "DTF=1: page fault not reported");
	rvi_dc_write(&e, 9, RVI_TC_V | RVI_TC_DTF | RVI_TC_PDTV, 0, 0, 0);
	cr_assert_eq(rvi_xlate_pid(&e, 9, 1ull << 19, false, 0, RD, NULL), 0,
		     "pdtp Bare: first stage Bare");
	rvi_xlate_fault(&e, 10, 0x1000, RD, RVI_C_DDT_INVALID, 0);
	rvi_dc_write(&e, 11, RVI_TC_V | RVI_TC_DTF | (1ull << 40), 0, 0, 0);
	rvi_xlate_fault(&e, 11, 0x1000, RD, RVI_C_DDT_MISCONF, 0);
	/* without DTF the page fault is reported */
	rvi_dc_write(&e, DID, RVI_TC_V, 0, RVI_TA_PSCID(PSCID), RVI_ATP(8, 0, d.root));
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, DID), 0);
	rvi_xlate_fault(&e, DID, 0x1000, WR, RVI_C_WRITE_PAGE, 0);
	rvi_env_fini(&e);
}

/* ---- leaf sizes, Svnapot, Svpbmt ------------------------------------------- */

Test(rviommu_translate, superpages_every_mode)
{
	for (unsigned int levels = 3; levels <= 5; levels++) {
		for (int gs = 0; gs <= 1; gs++) {
			struct rvi_env e;
			uint64_t root, pa, data, va;
			unsigned int top = levels - 1;

			root = rvi_env_dev(&e, 3, 1, gs, 5 + levels, gs ? GSCID : 0, 0);
			data = rvi_alloc(&e, 1ull << 30, 1ull << 30);
			for (unsigned int l = 0; l <= top; l++) {
				struct genpt_rviommu_req req = { .device_id = 1, .access = RD };
				struct genpt_rviommu_rsp rsp;
				/* superpages above 1 GiB map PA 0 upward: only
				 * the translation is checked, not the memory */
				uint64_t out = l <= 2 ? data : 0;
				unsigned int shift = 12 + 9 * l;

				va = (uint64_t)(l + 1) << (12 + 9 * top);
				if (l == top)
					va = 0;
				rvi_pt_set(&e, root, levels, gs, va, l,
					   RVI_LEAF(out, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
				req.iova = va + (1ull << shift) - 8;
				cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), 0);
				cr_assert_eq(rsp.cause, 0, "levels %u gs %d level %u", levels, gs, l);
				cr_assert_eq(rsp.page_shift, shift);
				pa = out + (1ull << shift) - 8;
				cr_assert_eq(rsp.pa, pa);
			}
			rvi_env_fini(&e);
		}
	}
}

Test(rviommu_translate, svnapot)
{
	struct rvi_env e;
	struct fs_dev d;
	struct genpt_rviommu_req req = { .device_id = DID, .access = RD };
	struct genpt_rviommu_rsp rsp;

	fs_dev_init(&e, &d, 0);
	/* a 64 KiB run at 0x30000 -> data + 0x10000: PPN[3:0] = 0b1000 */
	for (unsigned int i = 0; i < 16; i++)
		rvi_pt_set(&e, d.root, 3, false, 0x30000 + i * 4096ull, 0,
			   RVI_LEAF(d.data + 0x10000 + 0x8000, RVI_N | RVI_R | RVI_U | RVI_A));
	req.iova = 0x3abcd;
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), 0);
	cr_assert_eq(rsp.cause, 0);
	cr_assert_eq(rsp.page_shift, 16);
	cr_assert_eq(rsp.pa, d.data + 0x1abcd);
	/* PPN[3:0] other than 0b1000: reserved */
	rvi_pt_set(&e, d.root, 3, false, 0x40000, 0,
		   RVI_LEAF(d.data + 0x4000, RVI_N | RVI_R | RVI_U | RVI_A));
	rvi_xlate_fault(&e, DID, 0x40000, RD, RVI_C_READ_PAGE, 0);
	/* N on a 2 MiB leaf: reserved */
	rvi_pt_set(&e, d.root, 3, false, 0x400000, 1,
		   RVI_LEAF(d.data, RVI_N | RVI_R | RVI_U | RVI_A));
	rvi_xlate_fault(&e, DID, 0x400000, RD, RVI_C_READ_PAGE, 0);
	rvi_env_fini(&e);
}

Test(rviommu_translate, svpbmt)
{
	for (int cap = 0; cap <= 1; cap++) {
		struct rvi_env e;
		uint64_t fs, gs, data, pte_fs;
		struct genpt_rviommu_req req = { .device_id = 1, .access = RD, .iova = 0x5000 };
		struct genpt_rviommu_rsp rsp;

		rvi_env_ddt(&e, cap ? RVI_CAPS_BASE : RVI_CAPS_BASE & ~RVI_CAP_SVPBMT, 3);
		fs = rvi_pt_root(&e, false);
		gs = rvi_pt_root(&e, true);
		data = rvi_alloc(&e, 4096, 4096);
		/* G-stage: identity 1 GiB leaves over physmem, PBMT NC (1) */
		rvi_gs_identity_gib(&e, gs, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D | RVI_PBMT(1));
		pte_fs = rvi_pt_set(&e, fs, 3, false, 0x5000, 0,
				    RVI_LEAF(data, RVI_R | RVI_U | RVI_A));
		rvi_dc_write(&e, 1, RVI_TC_V, RVI_ATP(8, GSCID, gs), 0, RVI_ATP(8, 0, fs));
		cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), 0);
		if (!cap) {
			/* PBMT without Svpbmt is reserved: a G-stage fault on
			 * the implicit read of the first-stage root */
			cr_assert_eq(rsp.cause, RVI_C_READ_GPAGE);
			rvi_expect_fault(&e, RVI_C_READ_GPAGE, TT_RD, 1, 0x5000,
					 (fs & ~3ull) | 1);
			rvi_env_fini(&e);
			continue;
		}
		cr_assert_eq(rsp.cause, 0);
		cr_assert_eq(rsp.pa, data);
		cr_assert_eq(rsp.pbmt, 1, "G-stage NC applies when the first stage says PMA");
		/* first stage IO (2) overrides */
		rvi_set(&e, pte_fs, rvi_get(&e, pte_fs) | RVI_PBMT(2));
		rvi_cmd(&e, RVI_CMD_VMA(0, 0, 0, 1, GSCID), 0);
		cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), 0);
		cr_assert_eq(rsp.cause, 0);
		cr_assert_eq(rsp.pbmt, 2);
		rvi_env_fini(&e);
	}
}

/* ---- supervisor requests ------------------------------------------------- */

Test(rviommu_translate, supervisor_requests_ens_sum)
{
	struct rvi_env e;
	uint64_t pdt, pt, data;

	rvi_env_ddt(&e, 0, 3);
	pdt = rvi_alloc(&e, 4096, 4096);
	pt = rvi_pt_root(&e, false);
	data = rvi_alloc(&e, 8192, 4096);
	rvi_dc_write(&e, 1, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(1, 0, pdt));
	rvi_set(&e, pdt + 16 * 1 + 8, RVI_ATP(8, 0, pt));
	rvi_set(&e, pdt + 16 * 1, RVI_PC_V | RVI_PC_ENS | RVI_TA_PSCID(1));
	rvi_set(&e, pdt + 16 * 2 + 8, RVI_ATP(8, 0, pt));
	rvi_set(&e, pdt + 16 * 2, RVI_PC_V | RVI_PC_ENS | RVI_PC_SUM | RVI_TA_PSCID(2));
	rvi_pt_set(&e, pt, 3, false, 0x1000, 0,
		   RVI_LEAF(data, RVI_R | RVI_W | RVI_X | RVI_A | RVI_D)); /* S page */
	rvi_pt_set(&e, pt, 3, false, 0x2000, 0,
		   RVI_LEAF(data + 4096, RVI_R | RVI_W | RVI_X | RVI_U | RVI_A | RVI_D));

	cr_assert_eq(rvi_xlate_pid(&e, 1, 1, true, 0x1000, EX, NULL), 0);
	rvi_xlate_pid_fault(&e, 1, 1, false, 0x1000, RD, RVI_C_READ_PAGE, 0);
	/* a supervisor request to a U page: only with SUM, never execute */
	rvi_xlate_pid_fault(&e, 1, 1, true, 0x2000, RD, RVI_C_READ_PAGE, 0);
	cr_assert_eq(rvi_xlate_pid(&e, 1, 2, true, 0x2000, WR, NULL), 0);
	rvi_xlate_pid_fault(&e, 1, 2, true, 0x2000, EX, RVI_C_INST_PAGE, 0);
	/* priv without a process_id is not a request the model accepts */
	{
		struct genpt_rviommu_req req = { .device_id = 1, .priv = true, .access = RD };
		struct genpt_rviommu_rsp rsp;

		cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), -EINVAL);
	}
	rvi_env_fini(&e);
}

/* ---- G-stage and two-stage ---------------------------------------------- */

/* A two-stage device: Sv39 first stage whose tables live at GPAs
 * "gpa_of(pa) = pa + OFF" mapped by an Sv39x4 G-stage 4 KiB page by page. */
#define TS_OFF 0x100000000ull

struct ts_dev {
	uint64_t fs_root_pa, gs_root;
	uint64_t data;
};

static uint64_t ts_gpa(uint64_t pa)
{
	return pa + TS_OFF;
}

/* Map the page at @pa into the G-stage at ts_gpa(pa), with @flags. */
static uint64_t ts_gmap(struct rvi_env *e, struct ts_dev *t, uint64_t pa, uint64_t flags)
{
	return rvi_pt_set(e, t->gs_root, 3, true, ts_gpa(pa), 0, RVI_LEAF(pa, flags));
}

/* A first-stage PTE path for @va -> GPA of @out_pa, with every
 * first-stage table page mapped into the G-stage with @tflags. */
static uint64_t ts_fmap(struct rvi_env *e, struct ts_dev *t, uint64_t va,
			uint64_t out_pa, uint64_t leaf_flags, uint64_t tflags)
{
	uint64_t a = t->fs_root_pa;

	for (unsigned int l = 2; l > 0; l--) {
		uint64_t s = a + ((va >> (12 + 9 * l)) & 0x1ff) * 8, v = rvi_get(e, s);

		if (!(v & RVI_V)) {
			uint64_t n = rvi_alloc(e, 4096, 4096);

			ts_gmap(e, t, n, tflags);
			v = RVI_PTR(ts_gpa(n));
			rvi_set(e, s, v);
		}
		a = (RVI_PTE_PPN(v) << 12) - TS_OFF;
	}
	a += ((va >> 12) & 0x1ff) * 8;
	rvi_set(e, a, RVI_LEAF(ts_gpa(out_pa), leaf_flags));
	return a;
}

/* An environment (3-level DDT) with the two-stage device DID (tc |= @tc),
 * its first-stage root page mapped with @tflags. */
static void ts_init(struct rvi_env *e, struct ts_dev *t, uint64_t tc, uint64_t tflags)
{
	rvi_env_ddt(e, 0, 3);
	t->gs_root = rvi_pt_root(e, true);
	t->fs_root_pa = rvi_alloc(e, 4096, 4096);
	t->data = rvi_alloc(e, 1ull << 21, 1ull << 21);
	ts_gmap(e, t, t->fs_root_pa, tflags);
	rvi_dc_write(e, DID, RVI_TC_V | tc, RVI_ATP(8, GSCID, t->gs_root),
		     RVI_TA_PSCID(PSCID), RVI_ATP(8, 0, ts_gpa(t->fs_root_pa)));
}

Test(rviommu_translate, two_stage_translation)
{
	struct rvi_env e;
	struct ts_dev t;
	uint64_t pa, gflags = RVI_R | RVI_W | RVI_U | RVI_A | RVI_D;

	ts_init(&e, &t, 0, gflags);
	ts_fmap(&e, &t, 0x7000, t.data + 0x3000, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D, gflags);
	ts_gmap(&e, &t, t.data + 0x3000, gflags);
	cr_assert_eq(rvi_xlate(&e, DID, 0x7abc, WR, &pa), 0);
	cr_assert_eq(pa, t.data + 0x3abc);

	/* the final GPA unmapped in the G-stage: guest-page fault, iotval2
	 * the GPA (not implicit) */
	ts_fmap(&e, &t, 0x8000, t.data + 0x4000, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D, gflags);
	rvi_xlate_fault(&e, DID, 0x8123, WR, RVI_C_WRITE_GPAGE, ts_gpa(t.data + 0x4000) + 0x120);
	/* G-stage leaf without U: guest-page fault */
	ts_gmap(&e, &t, t.data + 0x4000, RVI_R | RVI_W | RVI_A | RVI_D);
	rvi_xlate_fault(&e, DID, 0x8124, RD, RVI_C_READ_GPAGE, ts_gpa(t.data + 0x4000) + 0x124);
	/* a first-stage table page not mapped in the G-stage: the implicit
	 * read faults, iotval2 = the PTE's GPA with bit 0 */
	{
		uint64_t lvl0 = rvi_alloc(&e, 4096, 4096);
		uint64_t s = t.fs_root_pa + ((0x40000000ull >> 30) & 0x1ff) * 8, pte_gpa;

		rvi_set(&e, s, RVI_PTR(ts_gpa(lvl0)));
		pte_gpa = ts_gpa(lvl0) + ((0x40000000ull >> 21) & 0x1ff) * 8;
		rvi_xlate_fault(&e, DID, 0x40000000, EX, RVI_C_INST_GPAGE, pte_gpa | 1);
	}
	/* GPA wider than Sv39x4 (41 bits) in the first-stage leaf, though
	 * bits 40:0 name a mapped page */
	rvi_set(&e, ts_fmap(&e, &t, 0x9000, 0, RVI_R | RVI_U | RVI_A, gflags),
		RVI_LEAF((1ull << 41) | ts_gpa(t.data + 0x3000), RVI_R | RVI_U | RVI_A));
	rvi_xlate_fault(&e, DID, 0x9004, RD, RVI_C_READ_GPAGE,
			((1ull << 41) | ts_gpa(t.data + 0x3000)) + 4);
	rvi_env_fini(&e);
}

/* G-stage only (first stage Bare): GPA checks and guest-page faults. */
Test(rviommu_translate, gstage_only_faults)
{
	struct rvi_env e;
	uint64_t root, data, pa;

	root = rvi_env_dev(&e, 3, 3, true, 9, GSCID, 0);
	data = rvi_alloc(&e, 4096, 4096); /* Sv48x4 */
	/* the top index of Sv48x4 is 11 bits: GPA bit 49 selects entry 1024+ */
	rvi_pt_set(&e, root, 4, true, 1ull << 49, 0,
		   RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
	cr_assert_eq(rvi_xlate(&e, 3, (1ull << 49) + 0x10, RD, &pa), 0);
	cr_assert_eq(pa, data + 0x10);
	/* above the 50-bit GPA: faults although bits 49:0 are mapped */
	rvi_xlate_fault(&e, 3, (3ull << 49) + 0x10, WR, RVI_C_WRITE_GPAGE, (3ull << 49) + 0x10);
	rvi_xlate_fault(&e, 3, 0x3007, EX, RVI_C_INST_GPAGE, 0x3004);
	rvi_env_fini(&e);
}

/* ---- A/D updates -------------------------------------------------------- */

/* First stage: SADE on sets A on reads, A and D on writes; off faults. */
Test(rviommu_translate, first_stage_ad_sade_on_off)
{
	for (int sade = 0; sade <= 1; sade++) {
		struct rvi_env e;
		struct fs_dev d;
		uint64_t s1, s2, s3;

		fs_dev_init(&e, &d, sade ? RVI_TC_SADE : 0);
		s1 = rvi_pt_set(&e, d.root, 3, false, 0x1000, 0,
				RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U));
		s2 = rvi_pt_set(&e, d.root, 3, false, 0x2000, 0,
				RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U));
		s3 = rvi_pt_set(&e, d.root, 3, false, 0x3000, 0,
				RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U | RVI_A));
		if (!sade) {
			rvi_xlate_fault(&e, DID, 0x1000, RD, RVI_C_READ_PAGE, 0);
			rvi_xlate_fault(&e, DID, 0x3000, WR, RVI_C_WRITE_PAGE, 0);
			cr_assert_eq(rvi_xlate(&e, DID, 0x3000, RD, NULL), 0);
			cr_assert_eq(rvi_get(&e, s1), RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U));
			cr_assert_eq(rvi_get(&e, s3), RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U | RVI_A));
		} else {
			cr_assert_eq(rvi_xlate(&e, DID, 0x1000, RD, NULL), 0);
			cr_assert_eq(rvi_get(&e, s1), RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U | RVI_A),
				     "a read sets A only");
			cr_assert_eq(rvi_xlate(&e, DID, 0x2000, WR, NULL), 0);
			cr_assert_eq(rvi_get(&e, s2),
				     RVI_LEAF(d.data, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D),
				     "a write sets A and D");
			cr_assert_eq(rvi_xlate(&e, DID, 0x3000, WR, NULL), 0);
			cr_assert_eq(rvi_get(&e, s3) & RVI_D, RVI_D);
			/* a denied write marks nothing */
			rvi_set(&e, s1, RVI_LEAF(d.data, RVI_R | RVI_U));
			rvi_cmd(&e, RVI_CMD_VMA(0, 1, PSCID, 0, 0), 0);
			rvi_xlate_fault(&e, DID, 0x1000, WR, RVI_C_WRITE_PAGE, 0);
			cr_assert_eq(rvi_get(&e, s1), RVI_LEAF(d.data, RVI_R | RVI_U));
		}
		cr_assert_eq(rvi_fault_count(&e), 0);
		rvi_env_fini(&e);
	}
}

/* G-stage: GADE on sets A/D; off faults with guest-page faults. */
Test(rviommu_translate, gstage_ad_gade_on_off)
{
	for (int gade = 0; gade <= 1; gade++) {
		struct rvi_env e;
		uint64_t root, data, s1, s2;

		root = rvi_env_dev(&e, 3, 6, true, 8, GSCID, gade ? RVI_TC_GADE : 0);
		data = rvi_alloc(&e, 4096, 4096);
		s1 = rvi_pt_set(&e, root, 3, true, 0x1000, 0, RVI_LEAF(data, RVI_R | RVI_W | RVI_U));
		s2 = rvi_pt_set(&e, root, 3, true, 0x2000, 0,
				RVI_LEAF(data, RVI_R | RVI_W | RVI_U | RVI_A));
		if (!gade) {
			rvi_xlate_fault(&e, 6, 0x1008, RD, RVI_C_READ_GPAGE, 0x1008);
			rvi_xlate_fault(&e, 6, 0x2008, WR, RVI_C_WRITE_GPAGE, 0x2008);
			cr_assert_eq(rvi_get(&e, s1) & (RVI_A | RVI_D), 0);
			cr_assert_eq(rvi_get(&e, s2) & RVI_D, 0);
		} else {
			cr_assert_eq(rvi_xlate(&e, 6, 0x1008, RD, NULL), 0);
			cr_assert_eq(rvi_get(&e, s1) & (RVI_A | RVI_D), RVI_A, "read: A only");
			cr_assert_eq(rvi_xlate(&e, 6, 0x2008, WR, NULL), 0);
			cr_assert_eq(rvi_get(&e, s2) & (RVI_A | RVI_D), RVI_A | RVI_D);
		}
		rvi_env_fini(&e);
	}
}

/*
 * Two-stage walks set A (GADE) on the G-stage leaves that map the
 * first-stage table pages (implicit reads), D on the one holding a
 * first-stage leaf the IOMMU updated (implicit write), and A/D on the data
 * page's G-stage leaf for the access itself.
 */
Test(rviommu_translate, two_stage_ad_on_gstage_entries_of_first_stage_tables)
{
	struct rvi_env e;
	struct ts_dev t;
	uint64_t g_root, g_l1, g_l0, g_data, fs_leaf;
	const uint64_t tflags = RVI_R | RVI_W | RVI_U; /* A=0, D=0 */

	ts_init(&e, &t, RVI_TC_GADE | RVI_TC_SADE, tflags);
	fs_leaf = ts_fmap(&e, &t, 0x5000, t.data, RVI_R | RVI_W | RVI_U, tflags);
	g_data = ts_gmap(&e, &t, t.data, RVI_R | RVI_W | RVI_U);
	g_root = rvi_pt_slot(&e, t.gs_root, 3, true, ts_gpa(t.fs_root_pa), 0);
	{
		uint64_t l1 = RVI_PTE_PPN(rvi_get(&e, t.fs_root_pa)) << 12;
		uint64_t l0 = RVI_PTE_PPN(rvi_get(&e, l1 - TS_OFF)) << 12;

		g_l1 = rvi_pt_slot(&e, t.gs_root, 3, true, l1, 0);
		g_l0 = rvi_pt_slot(&e, t.gs_root, 3, true, l0, 0);
		cr_assert_eq(l0 - TS_OFF, fs_leaf & ~4095ull);
	}

	cr_assert_eq(rvi_xlate(&e, DID, 0x5010, RD, NULL), 0);
	cr_assert_eq(rvi_get(&e, g_root) & (RVI_A | RVI_D), RVI_A, "root table page: A");
	cr_assert_eq(rvi_get(&e, g_l1) & (RVI_A | RVI_D), RVI_A, "level-1 table page: A");
	cr_assert_eq(rvi_get(&e, g_l0) & RVI_A, RVI_A, "leaf table page: A");
	cr_assert_eq(rvi_get(&e, g_l0) & RVI_D, RVI_D,
		     "the first-stage A update was an implicit write: D");
	cr_assert_eq(rvi_get(&e, fs_leaf) & (RVI_A | RVI_D), RVI_A, "first-stage leaf: A");
	cr_assert_eq(rvi_get(&e, g_data) & (RVI_A | RVI_D), RVI_A, "data page: A only");

	cr_assert_eq(rvi_xlate(&e, DID, 0x5010, WR, NULL), 0);
	cr_assert_eq(rvi_get(&e, fs_leaf) & (RVI_A | RVI_D), RVI_A | RVI_D);
	cr_assert_eq(rvi_get(&e, g_data) & (RVI_A | RVI_D), RVI_A | RVI_D);
	cr_assert_eq(rvi_get(&e, g_l1) & RVI_D, 0, "no write to the level-1 table");

	/* The same with the G-stage of the leaf table read-only: the implicit
	 * write of the first-stage A/D update faults, iotval2 bits 1:0 = 3. */
	{
		uint64_t l0gpa = (RVI_PTE_PPN(rvi_get(&e, g_l0)) << 12) + TS_OFF;
		uint64_t leaf2 = ts_fmap(&e, &t, 0x6000, t.data, RVI_R | RVI_W | RVI_U, tflags);

		rvi_set(&e, g_l0, rvi_get(&e, g_l0) & ~RVI_W);
		rvi_cmd(&e, RVI_CMD_GVMA(0, 1, GSCID), 0);
		rvi_xlate_fault(&e, DID, 0x6000, RD, RVI_C_READ_GPAGE,
				(l0gpa + ((0x6000 >> 12) & 0x1ff) * 8) | 3);
		cr_assert_eq(rvi_get(&e, leaf2) & RVI_A, 0);
		cr_assert_eq(leaf2 & ~4095ull, l0gpa - TS_OFF);
	}
	rvi_env_fini(&e);
}

/* GADE off: a G-stage table page with A=0 faults on the implicit read. */
Test(rviommu_translate, two_stage_implicit_read_without_gade)
{
	struct rvi_env e;
	struct ts_dev t;

	ts_init(&e, &t, RVI_TC_SADE, RVI_R | RVI_W | RVI_U); /* table pages A=0 */
	ts_fmap(&e, &t, 0x5000, t.data, RVI_R | RVI_U | RVI_A,
		RVI_R | RVI_W | RVI_U | RVI_A | RVI_D);
	rvi_xlate_fault(&e, DID, 0x5000, WR, RVI_C_WRITE_GPAGE, (ts_gpa(t.fs_root_pa) & ~3ull) | 1);
	rvi_env_fini(&e);
}

/* ---- MSI translation -------------------------------------------------------- */

Test(rviommu_translate, msi_flat_translation)
{
	struct rvi_env e;
	uint64_t w[8] = { 0 }, msipt, files, pa;
	const uint64_t pattern = 0x28000000ull >> 12; /* guest IMSIC pages */

	rvi_env_ddt(&e, RVI_CAPS_EXT, 2);
	msipt = rvi_alloc(&e, 4096, 4096);
	files = rvi_alloc(&e, 16 * 4096, 4096);
	/* G-stage Bare, first stage Bare: GPA = IOVA; interrupt files at
	 * pattern | (I << 1) (mask bits 1..3 -> I 0..7) */
	w[0] = RVI_TC_V;
	w[4] = RVI_ATP(1, 0, msipt);
	w[5] = 0xeull;
	w[6] = pattern;
	rvi_dc_write_ext(&e, 9, w);
	for (unsigned int i = 0; i < 8; i++) {
		uint64_t pte = (((files + i * 4096) >> 12) << 10) | (3ull << 1) | 1;

		if (i == 5)
			pte = 0;                      /* not valid */
		if (i == 6)
			pte = (pte & ~6ull) | (1ull << 1); /* MRIF mode */
		if (i == 7)
			pte |= 1ull << 5;             /* reserved bit */
		rvi_set(&e, msipt + i * 16, pte);
	}
	cr_assert_eq(rvi_xlate(&e, 9, ((pattern | (3 << 1)) << 12) + 0x10, WR, &pa), 0);
	cr_assert_eq(pa, files + 3 * 4096 + 0x10);
	rvi_xlate_fault(&e, 9, (pattern | (5 << 1)) << 12, WR, RVI_C_MSI_INVALID, 0);
	rvi_xlate_fault(&e, 9, (pattern | (6 << 1)) << 12, WR, RVI_C_MSI_MISCONF, 0);
	rvi_xlate_fault(&e, 9, (pattern | (7 << 1)) << 12, RD, RVI_C_MSI_MISCONF, 0);
	rvi_xlate_fault(&e, 9, (pattern | (1 << 1)) << 12, EX, RVI_C_INST_ACCESS, 0);
	/* outside the pattern: regular (Bare) translation */
	cr_assert_eq(rvi_xlate(&e, 9, (pattern | 1) << 12, WR, &pa), 0);
	cr_assert_eq(pa, (pattern | 1) << 12);
	/* an MSI page table in unbacked memory */
	w[4] = RVI_ATP(1, 0, 0x70000);
	rvi_dc_write_ext(&e, 10, w);
	rvi_xlate_fault(&e, 10, pattern << 12, WR, RVI_C_MSI_LOAD, 0);
	rvi_env_fini(&e);
}

/* ---- argument checks ---------------------------------------------------- */

Test(rviommu_translate, bad_requests)
{
	struct rvi_env e;
	struct genpt_rviommu_req req = { .access = RD };
	struct genpt_rviommu_rsp rsp;

	rvi_env_init(&e, 0, 0);
	cr_assert_eq(genpt_rviommu_translate(NULL, &req, &rsp), -EINVAL);
	cr_assert_eq(genpt_rviommu_translate(e.iommu, NULL, &rsp), -EINVAL);
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, NULL), -EINVAL);
	req.access = 0;
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), -EINVAL);
	req.access = 4;
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), -EINVAL);
	req.access = RD;
	req.device_id = 1u << 24;
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), -EINVAL);
	req.device_id = 0;
	req.pid_valid = true;
	req.process_id = 1u << 20;
	cr_assert_eq(genpt_rviommu_translate(e.iommu, &req, &rsp), -EINVAL);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);
}
