/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_hooks.c - the RISC-V IOMMU model's memory access hook
 * (genpt_rviommu_config.mem_hook): the exact sequence of accesses one walk
 * makes, and what each injected access fault or data corruption reports,
 * one structure at a time, with the sentence of the specification that
 * decides it:
 *
 *   structure     access fault        corrupted data
 *   DDT / DC      257                 268 (reported also with DTF = 1)
 *   PDT / PC      265                 269
 *   MSI PTE       261                 270
 *   FS / G PTE    1/5/7 (orig. type)  274
 *   A/D update    1/5/7 (orig. type)  274
 *   DMA data      -EFAULT             -EIO (no fault record: not a
 *                                      translation fault)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "rvi_util.h"

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE
#define DID 0x31u
#define GSCID 0x21u
#define IOVA 0x1000ull
#define MAXLOG 32

/* The hook's state: a log of every access, and one to fail. */
struct hook {
	struct genpt_rviommu_access log[MAXLOG];
	unsigned int n;
	enum genpt_rviommu_mem_what fail_what; /* 0: none */
	unsigned int fail_nth;                 /* the nth access of that kind */
	enum genpt_rviommu_mem_verdict verdict;
	unsigned int seen;
};

static enum genpt_rviommu_mem_verdict hook_fn(void *ctx, const struct genpt_rviommu_access *a)
{
	struct hook *h = ctx;

	if (h->n < MAXLOG)
		h->log[h->n++] = *a;
	if (a->what == h->fail_what && h->seen++ == h->fail_nth)
		return h->verdict;
	return GENPT_RVIOMMU_MEM_PROCEED;
}

/* The last logged access of kind @what (the fault record's write follows). */
static const struct genpt_rviommu_access *last_of(const struct hook *h,
						  enum genpt_rviommu_mem_what what)
{
	for (unsigned int i = h->n; i-- > 0;)
		if (h->log[i].what == what)
			return &h->log[i];
	cr_assert_fail("no access of kind %d", what);
	return NULL;
}

static void env_init(struct rvi_env *e, struct hook *h, uint64_t caps)
{
	struct genpt_rviommu_config cfg = { .capabilities = caps ? caps : RVI_CAPS_BASE,
					    .mem_hook = hook_fn, .mem_hook_ctx = h };

	rvi_env_init_cfg(e, &cfg, 0);
	rvi_ddt_init(e, 1);
}

static void inject(struct hook *h, enum genpt_rviommu_mem_what what, unsigned int nth,
		   enum genpt_rviommu_mem_verdict v)
{
	h->fail_what = what;
	h->fail_nth = nth;
	h->verdict = v;
	h->seen = 0;
	h->n = 0;
}

/* The two ways a memory access can fail that each case tries: data
 * corruption ("poisoned data") or an access fault (PMA / PMP). */
static enum genpt_rviommu_mem_verdict verdict(int corrupt)
{
	return corrupt ? GENPT_RVIOMMU_MEM_CORRUPT : GENPT_RVIOMMU_MEM_ACCESS_FAULT;
}

static struct genpt_rviommu_rsp xl(struct rvi_env *e, bool pv, uint32_t pid, uint64_t iova,
				   unsigned int access)
{
	struct genpt_rviommu_req req = { .device_id = DID, .process_id = pid, .pid_valid = pv,
					 .iova = iova, .access = access };
	struct genpt_rviommu_rsp rsp;

	cr_assert_eq(genpt_rviommu_translate(e->iommu, &req, &rsp), 0);
	return rsp;
}

/* A single-stage Sv39 device: IOVA -> a data page, leaf without A/D. */
struct fs {
	uint64_t root, data;
};

static void fs_init(struct rvi_env *e, struct hook *h, struct fs *t, uint64_t tc)
{
	env_init(e, h, 0);
	t->root = rvi_pt_root(e, false);
	t->data = rvi_alloc(e, 4096, 4096);
	rvi_pt_set(e, t->root, 3, false, IOVA, 0, RVI_LEAF(t->data, RVI_R | RVI_W | RVI_U));
	rvi_dc_write(e, DID, RVI_TC_V | RVI_TC_SADE | tc, 0, RVI_TA_PSCID(3),
		     RVI_ATP(8, 0, t->root));
}

/* A walk of IOVA for @access (a read or a write) by DID whose @nth memory
 * access of kind @what fails (verdict(@corrupt)): it must end in @want,
 * recorded with the transaction type of the access (2 read, 3 write). */
static struct genpt_rviommu_rsp fault_injected(struct rvi_env *e, struct hook *h,
					       enum genpt_rviommu_mem_what what, unsigned int nth,
					       int corrupt, unsigned int access, unsigned int want)
{
	struct genpt_rviommu_rsp r;

	inject(h, what, nth, verdict(corrupt));
	r = xl(e, false, 0, IOVA, access);
	cr_assert_eq(r.cause, want, "access %u, %s", access, corrupt ? "corrupt" : "access fault");
	rvi_expect_fault(e, want, access == WR ? 3 : 2, DID, IOVA, 0);
	return r;
}

/*
 * For each way to fail (verdict()): a fresh single-stage device (tc |=
 * @tc) whose first memory access of kind @what fails; @access ends in
 * @fault (access fault) or @corrupted (data corruption), reported; the
 * leaf gets no D.  Nothing was cached: the same access walks again and
 * succeeds once the memory answers, D set by a write only.
 */
static void fails_then_walks_again(enum genpt_rviommu_mem_what what, uint64_t tc,
				   unsigned int access, unsigned int fault, unsigned int corrupted)
{
	for (int corrupt = 0; corrupt < 2; corrupt++) {
		struct rvi_env e;
		struct hook h = { 0 };
		struct fs t;
		uint64_t leaf;

		fs_init(&e, &h, &t, tc);
		leaf = rvi_pt_slot(&e, t.root, 3, false, IOVA, 0);
		cr_assert(fault_injected(&e, &h, what, 0, corrupt, access,
					 corrupt ? corrupted : fault).reported);
		cr_assert_eq(rvi_get(&e, leaf) & RVI_D, 0, "what %d: D after a failed walk", what);
		inject(&h, 0, 0, GENPT_RVIOMMU_MEM_PROCEED);
		cr_assert_eq(xl(&e, false, 0, IOVA, access).cause, 0, "what %d: walks again", what);
		cr_assert_eq(!!(rvi_get(&e, leaf) & RVI_D), access == WR, "what %d: D", what);
		rvi_env_fini(&e);
	}
}

static void expect_access(const struct hook *h, unsigned int i,
			  enum genpt_rviommu_mem_what what, enum genpt_rviommu_mem_op op,
			  uint64_t pa, unsigned int size)
{
	cr_assert_gt(h->n, i, "access %u missing", i);
	cr_assert_eq(h->log[i].what, what, "access %u: what %d, want %d", i, h->log[i].what,
		     what);
	cr_assert_eq(h->log[i].op, op, "access %u: op", i);
	cr_assert_eq(h->log[i].pa, pa, "access %u: pa %#llx, want %#llx", i,
		     (unsigned long long)h->log[i].pa, (unsigned long long)pa);
	cr_assert_eq(h->log[i].size, size, "access %u: size", i);
	cr_assert_eq(h->log[i].device_id, DID, "access %u: device", i);
}

/*
 * One DMA write through a cold single-stage Sv39 device: the device
 * context, the three first-stage PTEs root first, the A/D update (an AMO
 * on the leaf), the data.  The second write hits the IOTLB (the
 * translation is now dirty) and the DC cache: data only.
 */
Test(rviommu_hooks, trace_of_one_walk)
{
	uint64_t v = 0x1122334455667788ull;
	struct rvi_env e;
	struct hook h = { 0 };
	struct fs t;

	fs_init(&e, &h, &t, 0);
	h.n = 0;
	cr_assert_eq(genpt_rviommu_dma(e.iommu, DID, IOVA + 8, &v, 8, WR), 0);
	expect_access(&h, 0, GENPT_RVIOMMU_MEM_DDT, GENPT_RVIOMMU_MEM_READ, rvi_dc_pa(&e, DID),
		      32);
	for (unsigned int l = 0; l < 3; l++)
		expect_access(&h, 1 + l, GENPT_RVIOMMU_MEM_FS_PTE, GENPT_RVIOMMU_MEM_READ,
			      rvi_pt_slot(&e, t.root, 3, false, IOVA, 2 - l), 8);
	expect_access(&h, 4, GENPT_RVIOMMU_MEM_AD, GENPT_RVIOMMU_MEM_AMO,
		      rvi_pt_slot(&e, t.root, 3, false, IOVA, 0), 8);
	expect_access(&h, 5, GENPT_RVIOMMU_MEM_DATA, GENPT_RVIOMMU_MEM_WRITE, t.data + 8, 8);
	cr_assert_eq(h.n, 6);

	h.n = 0;
	cr_assert_eq(genpt_rviommu_dma(e.iommu, DID, IOVA + 16, &v, 8, WR), 0);
	expect_access(&h, 0, GENPT_RVIOMMU_MEM_DATA, GENPT_RVIOMMU_MEM_WRITE, t.data + 16, 8);
	cr_assert_eq(h.n, 1);
	rvi_env_fini(&e);
}

/*
 * A two-stage walk: every first-stage PTE address goes through the G-stage
 * first (three G-stage reads, then the first-stage read at the SPA), and
 * the final GPA through the G-stage again.
 */
Test(rviommu_hooks, trace_of_two_stage_walk)
{
	struct rvi_env e;
	struct hook h = { 0 };
	const uint64_t leaf = RVI_R | RVI_W | RVI_U | RVI_A | RVI_D;
	struct rvi_two_stage t = { .did = DID, .gscid = GSCID, .pscid = 3, .iova = IOVA,
				   .fs_flags = leaf, .gs_flags = leaf, .tbl_flags = leaf };

	env_init(&e, &h, 0);
	/* GPA == SPA for the first-stage tables and the data page. */
	t.gpa = t.spa = rvi_alloc(&e, 4096, 4096);
	rvi_two_stage_init(&e, &t);
	h.n = 0;
	cr_assert_eq(xl(&e, false, 0, IOVA, RD).cause, 0);
	cr_assert_eq(h.n, 1 + 3 * 4 + 3);
	for (unsigned int l = 0; l < 3; l++) {
		uint64_t fs_slot = rvi_pt_slot(&e, t.fsroot, 3, false, IOVA, 2 - l);

		for (unsigned int g = 0; g < 3; g++)
			expect_access(&h, 1 + 4 * l + g, GENPT_RVIOMMU_MEM_GS_PTE,
				      GENPT_RVIOMMU_MEM_READ,
				      rvi_pt_slot(&e, t.groot, 3, true, fs_slot, 2 - g), 8);
		expect_access(&h, 4 + 4 * l, GENPT_RVIOMMU_MEM_FS_PTE, GENPT_RVIOMMU_MEM_READ,
			      fs_slot, 8);
	}
	for (unsigned int g = 0; g < 3; g++)
		expect_access(&h, 13 + g, GENPT_RVIOMMU_MEM_GS_PTE, GENPT_RVIOMMU_MEM_READ,
			      rvi_pt_slot(&e, t.groot, 3, true, t.spa, 2 - g), 8);
	rvi_env_fini(&e);
}

/*
 * "Process to locate the Device-context": an access to a DDT entry or
 * the DC that violates a PMA or PMP check reports "DDT entry load access
 * fault" (257), and one that detects data corruption ("poisoned data")
 * reports "DDT data corruption" (268).  The CAUSE table marks 268 as
 * reported whatever DC.tc.DTF says (the DC could not be read).
 */
Test(rviommu_hooks, ddt_access_fault_and_corruption)
{
	fails_then_walks_again(GENPT_RVIOMMU_MEM_DDT, RVI_TC_DTF, RD, RVI_C_DDT_LOAD, 268);
}

/* A 3-level DDT: the non-leaf entries are hooked too. */
Test(rviommu_hooks, ddt_nonleaf_corruption)
{
	struct rvi_env e;
	struct hook h = { 0 };
	struct genpt_rviommu_config cfg = { .capabilities = RVI_CAPS_BASE,
					    .mem_hook = hook_fn, .mem_hook_ctx = &h };

	rvi_env_init_cfg(&e, &cfg, 0);
	rvi_ddt_init(&e, 3);
	rvi_dc_write(&e, DID, RVI_TC_V, 0, 0, 0);
	for (unsigned int nth = 0; nth < 3; nth++) {
		inject(&h, GENPT_RVIOMMU_MEM_DDT, nth, GENPT_RVIOMMU_MEM_CORRUPT);
		cr_assert_eq(xl(&e, false, 0, IOVA, RD).cause, 268, "access %u", nth);
		cr_assert_eq(h.log[nth].size, nth < 2 ? 8u : 32u);
		rvi_expect_fault(&e, 268, 2, DID, IOVA, 0);
	}
	rvi_env_fini(&e);
}

/*
 * "Process to locate the Process-context": a PDT entry or process
 * context access violating PMA/PMP reports "PDT entry load access fault"
 * (265); one that detects data corruption reports "PDT data corruption"
 * (269).  A PD17 directory: two accesses, the entry then the context.
 */
Test(rviommu_hooks, pdt_access_fault_and_corruption)
{
	for (unsigned int nth = 0; nth < 2; nth++) {
		for (int corrupt = 0; corrupt < 2; corrupt++) {
			unsigned int want = corrupt ? 269 : RVI_C_PDT_LOAD;
			const uint32_t pid = 0x1a345;
			uint64_t root, leaf;
			struct rvi_env e;
			struct hook h = { 0 };

			env_init(&e, &h, 0);
			root = rvi_alloc(&e, 4096, 4096);
			leaf = rvi_alloc(&e, 4096, 4096);
			rvi_set(&e, root + (pid >> 8) * 8, RVI_PTR(leaf));
			rvi_set(&e, leaf + (pid & 0xff) * 16, RVI_PC_V | RVI_TA_PSCID(5));
			rvi_dc_write(&e, DID, RVI_TC_V | RVI_TC_PDTV, 0, 0, RVI_ATP(2, 0, root));
			inject(&h, GENPT_RVIOMMU_MEM_PDT, nth, verdict(corrupt));
			cr_assert_eq(xl(&e, true, pid, IOVA, WR).cause, want);
			rvi_expect_fault_pid(&e, want, 3, DID, true, pid, false, IOVA, 0);
			cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_PDT)->pa,
				     nth ? leaf + (pid & 0xff) * 16 : root + (pid >> 8) * 8);
			cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_PDT)->size, nth ? 16u : 8u);
			rvi_env_fini(&e);
		}
	}
}

/*
 * The two-stage address translation the IOMMU follows: a PTE access that
 * violates PMA/PMP raises "an access-fault exception corresponding to the
 * original access type"; the IOMMU specification adds that a first- or
 * second-stage PTE access detecting data corruption reports "First/
 * second-stage PT data corruption" (274).  Each level of the first stage,
 * for a read and a write.  DTF = 1 silences 274 (not a "Yes" row).
 */
Test(rviommu_hooks, first_stage_pte_access_fault_and_corruption)
{
	static const unsigned int acc[2] = { RD, WR };
	static const unsigned int af[2] = { RVI_C_READ_ACCESS, RVI_C_WRITE_ACCESS };

	for (unsigned int l = 0; l < 3; l++) {
		for (unsigned int i = 0; i < 2; i++) {
			for (int corrupt = 0; corrupt < 2; corrupt++) {
				unsigned int want = corrupt ? 274 : af[i];
				struct rvi_env e;
				struct hook h = { 0 };
				struct fs t;

				fs_init(&e, &h, &t, 0);
				fault_injected(&e, &h, GENPT_RVIOMMU_MEM_FS_PTE, l, corrupt, acc[i],
					       want);
				cr_assert_eq(rvi_get(&e, rvi_pt_slot(&e, t.root, 3, false, IOVA, 0)) &
						     (RVI_A | RVI_D),
					     0, "no A/D after a fault");
				rvi_env_fini(&e);
			}
		}
	}
}

Test(rviommu_hooks, pt_corruption_obeys_dtf)
{
	struct rvi_env e;
	struct hook h = { 0 };
	struct fs t;
	struct genpt_rviommu_rsp r;

	fs_init(&e, &h, &t, RVI_TC_DTF);
	inject(&h, GENPT_RVIOMMU_MEM_FS_PTE, 0, GENPT_RVIOMMU_MEM_CORRUPT);
	r = xl(&e, false, 0, IOVA, RD);
	cr_assert_eq(r.cause, 274);
	cr_assert_not(r.reported);
	cr_assert_eq(rvi_fault_count(&e), 0);
	rvi_env_fini(&e);
}

/* The G-stage's own PTEs (first stage Bare): same rule, 274 / 5. */
Test(rviommu_hooks, gstage_pte_corruption)
{
	for (int corrupt = 0; corrupt < 2; corrupt++) {
		uint64_t groot;
		struct rvi_env e;
		struct hook h = { 0 };

		env_init(&e, &h, 0);
		groot = rvi_pt_root(&e, true);
		rvi_pt_set(&e, groot, 3, true, IOVA, 0,
			   RVI_LEAF(rvi_alloc(&e, 4096, 4096), RVI_R | RVI_W | RVI_U | RVI_A));
		rvi_dc_write(&e, DID, RVI_TC_V, RVI_ATP(8, GSCID, groot), 0, 0);
		fault_injected(&e, &h, GENPT_RVIOMMU_MEM_GS_PTE, 1, corrupt, RD,
			       corrupt ? 274 : RVI_C_READ_ACCESS);
		rvi_env_fini(&e);
	}
}

/*
 * The A/D update is an AMO on the leaf: an access fault of the original
 * access type (store 7 for a write), corrupted data 274; the PTE stays
 * without D, and nothing is cached.
 */
Test(rviommu_hooks, ad_update_fault_and_corruption)
{
	fails_then_walks_again(GENPT_RVIOMMU_MEM_AD, 0, WR, RVI_C_WRITE_ACCESS, 274);
}

/*
 * "Process to translate addresses of MSIs": an MSI PTE access violating
 * PMA/PMP reports "MSI PTE load access fault" (261); one detecting data
 * corruption reports "MSI PT data corruption" (270).
 */
Test(rviommu_hooks, msi_pte_access_fault_and_corruption)
{
	const uint64_t pattern = 0x28000000ull >> 12;

	for (int corrupt = 0; corrupt < 2; corrupt++) {
		unsigned int want = corrupt ? 270 : RVI_C_MSI_LOAD;
		uint64_t w[8] = { 0 }, msipt, file;
		struct rvi_env e;
		struct hook h = { 0 };

		env_init(&e, &h, RVI_CAPS_EXT);
		msipt = rvi_alloc(&e, 4096, 4096);
		file = rvi_alloc(&e, 4096, 4096);
		rvi_set(&e, msipt, ((file >> 12) << 10) | (3ull << 1) | 1);
		w[0] = RVI_TC_V;
		w[1] = RVI_ATP(8, GSCID, rvi_pt_root(&e, true));
		w[4] = RVI_ATP(1, 0, msipt);
		w[6] = pattern;
		rvi_dc_write_ext(&e, DID, w);
		inject(&h, GENPT_RVIOMMU_MEM_MSI_PTE, 0, verdict(corrupt));
		cr_assert_eq(xl(&e, false, 0, pattern << 12, WR).cause, want);
		rvi_expect_fault(&e, want, 3, DID, pattern << 12, 0);
		cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_MSI_PTE)->pa, msipt);
		cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_MSI_PTE)->size, 16u);
		rvi_env_fini(&e);
	}
}

/*
 * Data: the translation succeeded, so a failing data access is not an
 * IOMMU fault (no record); the DMA stops with -EFAULT for an access fault,
 * -EIO for corrupted data, having moved the pages before it.
 */
Test(rviommu_hooks, data_access_fault_and_corruption)
{
	for (int corrupt = 0; corrupt < 2; corrupt++) {
		unsigned char buf[8192] = { 0 };
		uint64_t data2;
		struct rvi_env e;
		struct hook h = { 0 };
		struct fs t;

		fs_init(&e, &h, &t, 0);
		data2 = rvi_alloc(&e, 4096, 4096);
		rvi_pt_set(&e, t.root, 3, false, IOVA + 4096, 0,
			   RVI_LEAF(data2, RVI_R | RVI_W | RVI_U | RVI_A | RVI_D));
		rvi_set(&e, t.data, 0x55);
		inject(&h, GENPT_RVIOMMU_MEM_DATA, 1, verdict(corrupt));
		cr_assert_eq(genpt_rviommu_dma(e.iommu, DID, IOVA, buf, sizeof(buf), RD),
			     corrupt ? -EIO : -EFAULT);
		cr_assert_eq(buf[0], 0x55, "the first page moved");
		cr_assert_eq(rvi_fault_count(&e), 0);
		rvi_env_fini(&e);
	}
}

/*
 * Queue memory: a command read that fails sets cqmf ("cqmf: ... a memory
 * fault while reading from the command queue") and stops the queue with
 * cqh on the command; a failing IOFENCE.C completion write does the same;
 * a failing fault-record write sets fqmf and the record is dropped.
 */
Test(rviommu_hooks, queue_memory_faults)
{
	for (int corrupt = 0; corrupt < 2; corrupt++) {
		enum genpt_rviommu_mem_verdict v = verdict(corrupt);
		struct rvi_env e;
		struct hook h = { 0 };
		struct fs t;

		fs_init(&e, &h, &t, 0);
		/* the fault queue: the 0th queue access after inject is the record */
		inject(&h, GENPT_RVIOMMU_MEM_QUEUE, 0, v);
		cr_assert_eq(xl(&e, false, 0, 0x7000000ull, RD).cause, RVI_C_READ_PAGE);
		cr_assert(rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQMF);
		cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_QUEUE)->size, 32u);
		cr_assert_eq(last_of(&h, GENPT_RVIOMMU_MEM_QUEUE)->op, GENPT_RVIOMMU_MEM_WRITE);
		/* the command queue: the command read */
		inject(&h, GENPT_RVIOMMU_MEM_QUEUE, 0, v);
		rvi_cmd(&e, RVI_CMD_VMA(0, 0, 0, 0, 0), 0);
		cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQMF);
		cr_assert_eq(h.log[0].pa, e.cq_pa + ((e.cqt - 1) & (e.cq_n - 1)) * 16);
		cr_assert_eq(h.log[0].size, 16u);
		rvi_env_fini(&e);
	}
}

Test(rviommu_hooks, iofence_completion_write_fault)
{
	struct rvi_env e;
	struct hook h = { 0 };
	struct fs t;

	fs_init(&e, &h, &t, 0);
	inject(&h, GENPT_RVIOMMU_MEM_QUEUE, 1, GENPT_RVIOMMU_MEM_ACCESS_FAULT);
	rvi_cmd(&e, RVI_CMD_FENCE(1, 0x55), e.fence_pa >> 2);
	cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQMF);
	cr_assert_eq(h.log[1].pa, e.fence_pa);
	cr_assert_eq(h.log[1].size, 4u);
	cr_assert_eq(rvi_get(&e, e.fence_pa) & 0xffffffffu, 0, "not written");
	rvi_env_fini(&e);
}
