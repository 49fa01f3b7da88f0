/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_regs.c - the RISC-V IOMMU model's register interface and
 * in-memory queues: access rules, WARL fields, queue enabling, command
 * processing on cqt writes (every command, illegal encodings stopping the
 * queue with cmd_ill, memory faults), IOFENCE.C completion writes and
 * wire-signalled completion, fault-queue overflow and memory faults, and
 * the interrupt-pending bits.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ

static int rd_err(struct rvi_env *e, uint32_t off, unsigned int size)
{
	uint64_t v;

	return genpt_rviommu_reg_read(e->iommu, off, size, &v);
}

Test(rviommu_regs, access_rules)
{
	struct rvi_env e;
	uint64_t caps;

	rvi_env_init(&e, 0, 0);
	/* sizes other than 4 and 8, misaligned, beyond the page */
	cr_assert_eq(rd_err(&e, 0, 1), -EINVAL);
	cr_assert_eq(rd_err(&e, 0, 2), -EINVAL);
	cr_assert_eq(rd_err(&e, 0, 16), -EINVAL);
	cr_assert_eq(rd_err(&e, 4, 8), -EINVAL);
	cr_assert_eq(rd_err(&e, 2, 4), -EINVAL);
	cr_assert_eq(rd_err(&e, 0x1000, 4), -EINVAL);
	cr_assert_eq(genpt_rviommu_reg_write(e.iommu, 0xffc, 8, 0), -EINVAL);
	/* an 8-byte access spanning two 4-byte registers */
	cr_assert_eq(rd_err(&e, RVI_REG_CQH, 8), -EINVAL);
	cr_assert_eq(rd_err(&e, RVI_REG_CQCSR, 8), -EINVAL);
	cr_assert_eq(rd_err(&e, RVI_REG_FCTL, 8), -EINVAL);
	cr_assert_eq(genpt_rviommu_reg_write(e.iommu, RVI_REG_FQH, 8, 0), -EINVAL);
	/* 4-byte halves of an 8-byte register */
	caps = rvi_rd(&e, RVI_REG_CAP, 8);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CAP, 4), caps & 0xffffffff);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CAP + 4, 4), caps >> 32);
	/* reserved and custom space reads 0, ignores writes */
	rvi_wr(&e, 0x400, 8, ~0ull);
	cr_assert_eq(rvi_rd(&e, 0x400, 8), 0);
	cr_assert_eq(rvi_rd(&e, 0x274, 4), 0);
	cr_assert_eq(rvi_rd(&e, 0x00C, 4), 0);
	cr_assert_eq(rvi_rd(&e, 0xff8, 8), 0);
	/* absent optional registers: page-request queue, HPM, debug, QoS */
	rvi_wr(&e, 0x38, 8, 0x123000);
	cr_assert_eq(rvi_rd(&e, 0x38, 8), 0, "pqb without ATS");
	rvi_wr(&e, 0x50, 4, 1);
	cr_assert_eq(rvi_rd(&e, 0x50, 4), 0, "pqcsr without ATS");
	rvi_wr(&e, 0x60, 8, 5);
	cr_assert_eq(rvi_rd(&e, 0x60, 8), 0, "iohpmcycles without HPM");
	cr_assert_eq(rvi_rd(&e, 0x160, 8), 0, "iohpmevt1");
	rvi_wr(&e, 0x258, 8, 0x1000);
	cr_assert_eq(rvi_rd(&e, 0x258, 8), 0, "tr_req_iova without DBG");
	cr_assert_eq(rvi_rd(&e, 0x270, 4), 0, "iommu_qosid without QOSID");
	cr_assert_eq(genpt_rviommu_reg_read(NULL, 0, 8, &caps), -EINVAL);
	cr_assert_eq(genpt_rviommu_reg_read(e.iommu, 0, 8, NULL), -EINVAL);
	rvi_env_fini(&e);
}

Test(rviommu_regs, capabilities)
{
	struct genpt_physmem *pm;
	struct genpt_rviommu *iommu;
	struct genpt_rviommu_config cfg = { 0 };
	static const uint64_t bad[] = {
		RVI_CAPS_BASE | (1ull << 8),  /* Sv32 */
		RVI_CAPS_BASE | (1ull << 16), /* Sv32x4 */
		RVI_CAPS_BASE | (1ull << 26), /* T2GPA without ATS */
		RVI_CAPS_BASE | (1ull << 27), /* END */
		RVI_CAPS_BASE | (1ull << 30), /* HPM */
		RVI_CAPS_BASE | (1ull << 31), /* DBG */
		RVI_CAPS_BASE | (1ull << 41), /* QOSID */
		RVI_CAPS_BASE | (1ull << 12), /* reserved */
		RVI_CAPS_BASE | (1ull << 56), /* custom */
		RVI_CAPS_BASE | RVI_CAP_IGS(3),
		RVI_CAPS_BASE & ~RVI_CAP_PAS(63),
		(RVI_CAPS_BASE & ~RVI_CAP_PAS(63)) | RVI_CAP_PAS(57),
		RVI_CAPS_BASE & ~RVI_CAP_SV39, /* Sv48 without Sv39 */
		RVI_CAPS_BASE & ~RVI_CAP_SV48, /* Sv57 without Sv48 */
	};
	uint64_t v;

	cr_assert_eq(genpt_physmem_create(RVI_PM_BASE, 1ull << 30, &pm), 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.capabilities = bad[i];
		cr_assert_eq(genpt_rviommu_create(&cfg, &genpt_physmem_ops, pm, &iommu),
			     -EINVAL, "caps %u", i);
	}
	/* ATS, and T2GPA with it, are implemented. */
	cfg.capabilities = RVI_CAPS_BASE | (1ull << 25) | (1ull << 26);
	cr_assert_eq(genpt_rviommu_create(&cfg, &genpt_physmem_ops, pm, &iommu), 0);
	genpt_rviommu_destroy(iommu);
	cr_assert_eq(genpt_rviommu_create(NULL, NULL, pm, &iommu), -EINVAL);
	/* defaults: everything the model implements, version 1.0 */
	cr_assert_eq(genpt_rviommu_create(NULL, &genpt_physmem_ops, pm, &iommu), 0);
	cr_assert_eq(genpt_rviommu_reg_read(iommu, 0, 8, &v), 0);
	cr_assert_eq(v, GENPT_RVI_CAPS_MODEL);
	cr_assert_eq(v & 0xff, 0x10);
	/* read-only */
	cr_assert_eq(genpt_rviommu_reg_write(iommu, 0, 8, 0), 0);
	cr_assert_eq(genpt_rviommu_reg_read(iommu, 0, 8, &v), 0);
	cr_assert_eq(v, GENPT_RVI_CAPS_MODEL);
	genpt_rviommu_destroy(iommu);
	/* a subset reads back unchanged */
	cfg.capabilities = 0x10 | RVI_CAP_SV39 | RVI_CAP_PAS(40) | RVI_CAP_IGS(1);
	cr_assert_eq(genpt_rviommu_create(&cfg, &genpt_physmem_ops, pm, &iommu), 0);
	cr_assert_eq(genpt_rviommu_reg_read(iommu, 0, 8, &v), 0);
	cr_assert_eq(v, cfg.capabilities);
	genpt_rviommu_destroy(iommu);
	genpt_rviommu_destroy(NULL);
	genpt_physmem_destroy(pm);
}

Test(rviommu_regs, fctl_warl)
{
	for (unsigned int igs = 0; igs <= 2; igs++) {
		struct rvi_env e;

		rvi_env_init(&e, (RVI_CAPS_BASE & ~RVI_CAP_IGS(3)) | RVI_CAP_IGS(igs), 0);
		cr_assert_eq(rvi_rd(&e, RVI_REG_FCTL, 4), igs == 1 ? 2u : 0u, "reset WSI");
		rvi_wr(&e, RVI_REG_FCTL, 4, 0xffffffff);
		/* BE and GXL stay 0; WSI writable only with both methods */
		cr_assert_eq(rvi_rd(&e, RVI_REG_FCTL, 4), igs == 0 ? 0u : 2u, "igs %u", igs);
		rvi_wr(&e, RVI_REG_FCTL, 4, 0);
		cr_assert_eq(rvi_rd(&e, RVI_REG_FCTL, 4), igs == 1 ? 2u : 0u);
		rvi_env_fini(&e);
	}
}

Test(rviommu_regs, ddtp_warl)
{
	struct rvi_env e;
	const uint64_t ppn = 0x123456789ull << 10;

	rvi_env_init(&e, 0, 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8), 0, "reset: Off");
	rvi_wr(&e, RVI_REG_DDTP, 8, ppn | 3 | (1ull << 4) | (0x1full << 5) | (0x3ffull << 54));
	cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8), ppn | 3,
		     "busy reads 0, reserved bits read 0");
	for (unsigned int m = 5; m <= 15; m++) {
		rvi_wr(&e, RVI_REG_DDTP, 8, ppn | m);
		cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8) & 0xf, 3, "mode %u keeps 2LVL", m);
	}
	for (unsigned int m = 0; m <= 4; m++) {
		rvi_wr(&e, RVI_REG_DDTP, 8, ppn | m);
		cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8), ppn | m);
	}
	/* two 4-byte halves, high first */
	rvi_wr(&e, RVI_REG_DDTP + 4, 4, 0x12);
	rvi_wr(&e, RVI_REG_DDTP, 4, 0x400 | 2);
	cr_assert_eq(rvi_rd(&e, RVI_REG_DDTP, 8), (0x12ull << 32) | 0x400 | 2);
	rvi_env_fini(&e);
}

Test(rviommu_regs, queue_registers)
{
	struct rvi_env e;
	uint64_t cq = 0, fq = 0;

	rvi_env_init(&e, 0, 0);
	/* cqb: LOG2SZ-1 4:0, PPN 53:10; reserved read 0 */
	rvi_wr(&e, RVI_REG_CQCSR, 4, 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQON, 0);
	rvi_wr(&e, RVI_REG_CQB, 8, (e.cq_pa >> 12 << 10) | 2 | (0x1full << 5) | (1ull << 63));
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQB, 8), (e.cq_pa >> 12 << 10) | 2);
	/* 8 entries: cqt keeps bits 2:0 */
	rvi_wr(&e, RVI_REG_CQT, 4, 0xfffffffd);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQT, 4), 5);
	/* cqh is read-only */
	rvi_wr(&e, RVI_REG_CQH, 4, 3);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), 0);
	/* enabling zeroes cqh and turns the queue on; the 5 queued zero
	 * commands are illegal (opcode 0) */
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN);
	cq = rvi_rd(&e, RVI_REG_CQCSR, 4);
	cr_assert(cq & RVI_CQCSR_CQON);
	cr_assert(cq & RVI_CQCSR_CMD_ILL, "opcode 0 is illegal");
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), 0);
	/* re-enabling clears the errors */
	rvi_wr(&e, RVI_REG_CQCSR, 4, 0);
	rvi_wr(&e, RVI_REG_CQT, 4, 0);
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQCSR, 4), RVI_CQCSR_CQEN | RVI_CQCSR_CQON);

	/* fault queue: fqh keeps LOG2SZ-1:0, fqt read-only, zeroed on enable */
	rvi_wr(&e, RVI_REG_FQB, 8, (e.fq_pa >> 12 << 10) | 3);
	rvi_wr(&e, RVI_REG_FQH, 4, 0x1f);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQH, 4), 0xf);
	rvi_wr(&e, RVI_REG_FQT, 4, 7);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQT, 4), 0);
	rvi_wr(&e, RVI_REG_FQCSR, 4, 0);
	fq = rvi_rd(&e, RVI_REG_FQCSR, 4);
	cr_assert_eq(fq & RVI_FQCSR_FQON, 0);
	rvi_env_fini(&e);
}

/* ---- commands ------------------------------------------------------------ */

Test(rviommu_regs, iofence_completion_write)
{
	struct rvi_env e;
	uint32_t *w;

	rvi_env_init(&e, 0, 0);
	w = (uint32_t *)rvi_p(&e, e.fence_pa);
	rvi_cmd(&e, RVI_CMD_FENCE(1, 0xcafef00d), (e.fence_pa + 12) >> 2);
	cr_assert_eq(__atomic_load_n(&w[3], __ATOMIC_ACQUIRE), 0xcafef00d);
	cr_assert_eq(w[2], 0, "a 4-byte store only");
	cr_assert_eq(w[4], 0, "a 4-byte store only");
	/* AV = 0: nothing written */
	rvi_cmd(&e, RVI_CMD_FENCE(0, 0x1234), (e.fence_pa + 16) >> 2);
	cr_assert_eq(w[4], 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), 2);
	/* PR and PW are accepted */
	rvi_cmd(&e, RVI_CMD_FENCE(1, 7) | (1ull << 12) | (1ull << 13), e.fence_pa >> 2);
	cr_assert_eq(w[0], 7);
	rvi_env_fini(&e);
}

struct bad_cmd {
	const char *what;
	uint64_t d0, d1;
};

Test(rviommu_regs, illegal_commands_stop_the_queue)
{
	const struct bad_cmd bad[] = {
		{ "opcode 0", 0, 0 },
		{ "opcode 5", 5, 0 },
		{ "opcode 64 (custom)", 64, 0 },
		{ "ATS without the capability", 4, 0 },
		{ "IOTINVAL func3 2", 1 | (2 << 7), 0 },
		{ "IOTINVAL reserved bit 11", RVI_CMD_VMA(0, 0, 0, 0, 0) | (1ull << 11), 0 },
		{ "IOTINVAL reserved bit 34", RVI_CMD_VMA(0, 0, 0, 0, 0) | (1ull << 34), 0 },
		{ "IOTINVAL reserved bit 60", RVI_CMD_GVMA(0, 0, 0) | (1ull << 60), 0 },
		{ "IOTINVAL reserved d1 bit 0", RVI_CMD_VMA(1, 0, 0, 0, 0), 1 },
		{ "IOTINVAL reserved d1 bit 62", RVI_CMD_VMA(1, 0, 0, 0, 0), 1ull << 62 },
		{ "IOTINVAL.GVMA with PSCV", RVI_CMD_GVMA(0, 1, 1) | (1ull << 32), 0 },
		{ "IOFENCE func3 1", 2 | (1 << 7), 0 },
		{ "IOFENCE reserved bit 14", RVI_CMD_FENCE(0, 0) | (1ull << 14), 0 },
		{ "IOFENCE reserved d1 bit 63", RVI_CMD_FENCE(0, 0), 1ull << 63 },
		{ "IOFENCE WSI while fctl.WSI = 0", RVI_CMD_FENCE(0, 0) | (1ull << 11), 0 },
		{ "IODIR func3 2", 3 | (2 << 7), 0 },
		{ "IODIR reserved bit 10", RVI_CMD_INVAL_DDT(0, 0) | (1ull << 10), 0 },
		{ "IODIR reserved bit 32", RVI_CMD_INVAL_DDT(0, 0) | (1ull << 32), 0 },
		{ "IODIR reserved bit 39", RVI_CMD_INVAL_DDT(1, 0) | (1ull << 39), 0 },
		{ "IODIR reserved d1", RVI_CMD_INVAL_DDT(0, 0), 1 },
		{ "IODIR.INVAL_DDT with PID", RVI_CMD_INVAL_DDT(1, 5) | (3ull << 12), 0 },
		{ "IODIR.INVAL_PDT without DV", RVI_CMD_INVAL_PDT(5, 3) & ~(1ull << 33), 0 },
	};
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t at = e.cqt, seq = ++e.fence_seq;
		uint64_t pa = e.cq_pa + (uint64_t)at * 16;
		uint64_t cqcsr;

		/* the bad command, then a fence that must not run */
		rvi_set(&e, pa, bad[i].d0);
		rvi_set(&e, pa + 8, bad[i].d1);
		rvi_set(&e, e.cq_pa + (uint64_t)((at + 1) % e.cq_n) * 16, RVI_CMD_FENCE(1, seq));
		rvi_set(&e, e.cq_pa + (uint64_t)((at + 1) % e.cq_n) * 16 + 8, e.fence_pa >> 2);
		e.cqt = (at + 2) % e.cq_n;
		rvi_wr(&e, RVI_REG_CQT, 4, e.cqt);
		cqcsr = rvi_rd(&e, RVI_REG_CQCSR, 4);
		cr_assert(cqcsr & RVI_CQCSR_CMD_ILL, "%s: cmd_ill", bad[i].what);
		cr_assert(cqcsr & RVI_CQCSR_CQON, "%s: still on", bad[i].what);
		cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), at, "%s: cqh on the command", bad[i].what);
		cr_assert_neq(*(uint32_t *)rvi_p(&e, e.fence_pa), seq, "%s: stopped", bad[i].what);
		/* more tail writes do nothing while cmd_ill is set */
		rvi_wr(&e, RVI_REG_CQT, 4, e.cqt);
		cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), at);
		/* software replaces the command, clears cmd_ill (W1C): resumes */
		rvi_set(&e, pa, RVI_CMD_FENCE(0, 0));
		rvi_set(&e, pa + 8, 0);
		rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN | RVI_CQCSR_CMD_ILL);
		cr_assert_eq(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CMD_ILL, 0);
		cr_assert_eq(*(uint32_t *)rvi_p(&e, e.fence_pa), seq, "%s: resumed", bad[i].what);
		cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), e.cqt);
	}
	/* the legal forms of every command run */
	rvi_cmd(&e, RVI_CMD_VMA(1, 1, 0xfffff, 1, 0xffff), RVI_CMD_ADDR(0xfffffffffffff000ull));
	rvi_cmd(&e, RVI_CMD_GVMA(1, 1, 0xffff), RVI_CMD_ADDR(0x1000));
	rvi_cmd(&e, RVI_CMD_GVMA(0, 0, 0), 0);
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(0, 0), 0);
	rvi_cmd(&e, RVI_CMD_INVAL_DDT(1, 0xffffff), 0);
	rvi_cmd(&e, RVI_CMD_INVAL_PDT(0xffffff, 0xfffff), 0);
	rvi_fence(&e);
	rvi_env_fini(&e);
}

Test(rviommu_regs, command_memory_faults)
{
	struct rvi_env e;
	uint64_t pa;

	rvi_env_init(&e, 0, 0);
	/* a fence whose completion address is not backed: cqmf, cqh on it */
	pa = e.cq_pa + (uint64_t)e.cqt * 16;
	rvi_cmd(&e, RVI_CMD_FENCE(1, 1), 0x1000 >> 2);
	cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQMF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), (pa - e.cq_pa) / 16);
	rvi_set(&e, pa + 8, e.fence_pa >> 2);
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN | RVI_CQCSR_CQMF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQMF, 0);
	cr_assert_eq(*(uint32_t *)rvi_p(&e, e.fence_pa), 1);
	/* a command queue in unbacked memory: cqmf on the fetch */
	rvi_wr(&e, RVI_REG_CQCSR, 4, 0);
	rvi_wr(&e, RVI_REG_CQB, 8, (0x200000ull >> 12 << 10) | 5);
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN | RVI_CQCSR_CIE);
	rvi_wr(&e, RVI_REG_CQT, 4, 1);
	cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQMF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQH, 4), 0);
	cr_assert(rvi_rd(&e, RVI_REG_IPSR, 4) & 1, "cip with cie");
	rvi_env_fini(&e);
}

Test(rviommu_regs, fence_wired_interrupt)
{
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	rvi_wr(&e, RVI_REG_FCTL, 4, 2); /* WSI (IGS both: writable) */
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN | RVI_CQCSR_CIE);
	rvi_cmd(&e, RVI_CMD_FENCE(0, 0) | (1ull << 11), 0);
	cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_FENCE_W_IP);
	cr_assert(rvi_rd(&e, RVI_REG_IPSR, 4) & 1, "cip");
	/* cip comes back while fence_w_ip is set */
	rvi_wr(&e, RVI_REG_IPSR, 4, 1);
	cr_assert(rvi_rd(&e, RVI_REG_IPSR, 4) & 1);
	rvi_wr(&e, RVI_REG_CQCSR, 4, RVI_CQCSR_CQEN | RVI_CQCSR_CIE | RVI_CQCSR_FENCE_W_IP);
	cr_assert_eq(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_FENCE_W_IP, 0);
	rvi_wr(&e, RVI_REG_IPSR, 4, 1);
	cr_assert_eq(rvi_rd(&e, RVI_REG_IPSR, 4) & 1, 0);
	rvi_env_fini(&e);
}

/* ---- fault queue ------------------------------------------------------- */

Test(rviommu_regs, fault_queue_overflow)
{
	struct rvi_env e;
	struct genpt_rviommu_fault f;

	rvi_env_init(&e, 0, 0);
	/* 4 records (LOG2SZ-1 = 1): full at 3 */
	rvi_wr(&e, RVI_REG_FQCSR, 4, 0);
	rvi_wr(&e, RVI_REG_FQB, 8, (e.fq_pa >> 12 << 10) | 1);
	rvi_wr(&e, RVI_REG_FQH, 4, 0);
	rvi_wr(&e, RVI_REG_FQCSR, 4, RVI_FQCSR_FQEN | RVI_FQCSR_FIE);
	e.fq_n = 4;
	e.fqh = 0;
	for (unsigned int i = 0; i < 6; i++)
		cr_assert_eq(rvi_xlate(&e, i, 0x1000 * i, RD, NULL), RVI_C_ALL_OFF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQT, 4), 3);
	cr_assert(rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQOF);
	cr_assert(rvi_rd(&e, RVI_REG_IPSR, 4) & 2, "fip");
	for (unsigned int i = 0; i < 3; i++) {
		cr_assert(rvi_fault_pop(&e, &f));
		cr_assert_eq(f.did, i);
		cr_assert_eq(f.iotval, 0x1000 * i);
	}
	/* still discarding until fqof is cleared */
	cr_assert_eq(rvi_xlate(&e, 9, 0, RD, NULL), RVI_C_ALL_OFF);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_wr(&e, RVI_REG_FQCSR, 4, RVI_FQCSR_FQEN | RVI_FQCSR_FIE | RVI_FQCSR_FQOF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQOF, 0);
	rvi_wr(&e, RVI_REG_IPSR, 4, 2);
	cr_assert_eq(rvi_rd(&e, RVI_REG_IPSR, 4) & 2, 0);
	rvi_xlate_fault(&e, 10, 0, RD, RVI_C_ALL_OFF, 0);
	cr_assert(rvi_rd(&e, RVI_REG_IPSR, 4) & 2, "a new record sets fip");
	rvi_env_fini(&e);
}

Test(rviommu_regs, fault_queue_memory_fault_and_off)
{
	struct rvi_env e;

	rvi_env_init(&e, 0, 0);
	/* off: records are dropped silently */
	rvi_wr(&e, RVI_REG_FQCSR, 4, 0);
	cr_assert_eq(rvi_xlate(&e, 1, 0, RD, NULL), RVI_C_ALL_OFF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQCSR, 4), 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQT, 4), 0);
	/* a queue in unbacked memory: fqmf */
	rvi_wr(&e, RVI_REG_FQB, 8, (0x300000ull >> 12 << 10) | 5);
	rvi_wr(&e, RVI_REG_FQCSR, 4, RVI_FQCSR_FQEN);
	cr_assert_eq(rvi_xlate(&e, 1, 0, RD, NULL), RVI_C_ALL_OFF);
	cr_assert(rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQMF);
	cr_assert_eq(rvi_rd(&e, RVI_REG_FQT, 4), 0);
	cr_assert_eq(rvi_rd(&e, RVI_REG_IPSR, 4) & 2, 0, "fie is 0");
	rvi_env_fini(&e);
}

Test(rviommu_regs, icvec_and_msi_config_table)
{
	for (unsigned int igs = 0; igs <= 1; igs++) {
		struct rvi_env e;

		rvi_env_init(&e, (RVI_CAPS_BASE & ~RVI_CAP_IGS(3)) | RVI_CAP_IGS(igs), 0);
		rvi_wr(&e, 0x2F8, 8, ~0ull);
		cr_assert_eq(rvi_rd(&e, 0x2F8, 8), 0xffff, "icvec: 4 vectors of 4 bits");
		rvi_wr(&e, 0x300 + 16 * 3, 8, ~0ull);
		rvi_wr(&e, 0x300 + 16 * 3 + 8, 4, 0x1234);
		rvi_wr(&e, 0x300 + 16 * 3 + 12, 4, 0xffffffff);
		if (igs == 0) {
			cr_assert_eq(rvi_rd(&e, 0x300 + 16 * 3, 8), ((1ull << 56) - 1) & ~3ull);
			cr_assert_eq(rvi_rd(&e, 0x300 + 16 * 3 + 8, 4), 0x1234);
			cr_assert_eq(rvi_rd(&e, 0x300 + 16 * 3 + 12, 4), 1);
		} else {
			cr_assert_eq(rvi_rd(&e, 0x300 + 16 * 3, 8), 0, "no MSI table with WSI only");
		}
		cr_assert_eq(rd_err(&e, 0x300 + 8, 8), -EINVAL, "data and vec_ctl are 4 bytes");
		rvi_env_fini(&e);
	}
}
