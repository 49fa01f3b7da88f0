// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_smmuv3.c - libFuzzer target: the SMMUv3 model (genpt_smmu_*)
 * on hostile registers, stream tables, STEs, CDs, descriptors, commands
 * and requests.
 *
 * 64 KiB of simulated physical memory at 0x80000000 (16 pages; everything
 * else unbacked).  The input picks the model's features, then runs
 * operations: raw memory words, a register setup that points the stream
 * table, command and event queues into memory, STEs / CDs / descriptors
 * shaped from a few bytes (so walks get deep), register reads and writes,
 * commands, translations and DMA reads.
 *
 * What must hold (from the architecture and genpt/smmuv3_model.h, not the
 * model's code):
 *  - no crash, no sanitizer report;
 *  - registers: -EINVAL exactly for sizes other than 4/8, misalignment or
 *    offsets beyond the register space; the ID registers never change;
 *    CR0ACK reads what CR0 took;
 *  - translate: -EINVAL exactly for bad arguments; a fault is an event the
 *    header lists; a success keeps the offset within its translation size;
 *  - a translation that changed no memory gives the same answer when asked
 *    again (TLB and configuration-cache hits equal the walk);
 *  - the counters are consistent.
 *
 * GENPT_FUZZ_TRACE=1 prints every operation.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "genpt/mem.h"
#include "genpt/smmuv3_model.h"

#define SM_BASE ((uint64_t)0x80000000)
#define SM_PAGES 16u
#define SM_SIZE ((uint64_t)SM_PAGES * 4096)
#define SM_WORDS (SM_SIZE / 8)
#define SM_MAX_OPS 200

#define FAIL(r, ...)                                                     \
	do {                                                             \
		fprintf(stderr, "fuzz_smmuv3: MISMATCH in op %u: ", (r)->op); \
		fprintf(stderr, __VA_ARGS__);                            \
		fputc('\n', stderr);                                     \
		abort();                                                 \
	} while (0)

struct sm {
	const uint8_t *data;
	size_t size, pos;
	unsigned int op;
	bool trace;
	struct genpt_physmem *pm;
	struct genpt_smmu *smmu;
	uint64_t *mem; /* the 16 pages, as the host sees them */
	uint64_t *snap;
	uint32_t idr[6];
	uint32_t prod;
};

static uint64_t take(struct sm *r, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)(r->pos < r->size ? r->data[r->pos++] : 0) << (8 * i);
	return v;
}

static uint64_t page_pa(unsigned int p)
{
	return SM_BASE + (uint64_t)(p % SM_PAGES) * 4096;
}

static uint64_t *word(struct sm *r, uint64_t pa)
{
	return &r->mem[((pa - SM_BASE) / 8) % SM_WORDS];
}

static void reg_write(struct sm *r, uint32_t off, unsigned int size, uint64_t v)
{
	int err = genpt_smmu_reg_write(r->smmu, off, size, v);
	bool bad = (size != 4 && size != 8) || (off & (size - 1)) || off >= 0x20000;

	if (err != (bad ? -EINVAL : 0))
		FAIL(r, "reg_write(0x%x, %u) = %d", off, size, err);
	if (!bad && off == 0x20) {
		uint64_t ack;

		if (genpt_smmu_reg_read(r->smmu, 0x24, 4, &ack) || ack != ((uint32_t)v & 0xd))
			FAIL(r, "CR0ACK 0x%" PRIx64 " after CR0 0x%" PRIx64, ack, v);
	}
}

static void op_setup(struct sm *r)
{
	unsigned int b = (unsigned int)take(r, 1);

	reg_write(r, 0x80, 8, SM_BASE);
	reg_write(r, 0x88, 4, (b & 7) + 1 + ((b & 8) ? (6u << 6) | (1u << 16) : 0));
	reg_write(r, 0x90, 8, page_pa(1) | 8);
	reg_write(r, 0xa0, 8, page_pa(2) | 7);
	reg_write(r, 0x20, 4, 0xd);
}

/* An STE from 5 bytes: sid, Config, the pages of the root/CD, flags. */
static void op_ste(struct sm *r)
{
	unsigned int sid = (unsigned int)take(r, 1) % 64, cfg = (unsigned int)take(r, 1);
	unsigned int p1 = 3 + (unsigned int)take(r, 1) % 13, p2 = 3 + (unsigned int)take(r, 1) % 13;
	unsigned int f = (unsigned int)take(r, 1);
	uint64_t *s = word(r, SM_BASE + 64ull * sid);
	/* VTCR: T0SZ 32 (or 25 + f), SL0, TG from the flags */
	uint64_t vtcr = (f & 0x80 ? 25 + (f & 7) : 32) | ((uint64_t)((f >> 3) & 3) << 6) |
			((uint64_t)((f >> 5) & 1 ? 2 : 0) << 14) | (5ull << 16);

	s[0] = (cfg & 1 ? 0 : 1) | ((uint64_t)((cfg >> 1) & 7) << 1) | page_pa(p2) |
	       ((uint64_t)((cfg >> 4) & 3) << 59);
	s[1] = (cfg >> 6) & 3;
	s[2] = (f & 0xf) | (vtcr << 32) | (f & 0x40 ? 0 : 1ull << 51) | (1ull << 58) |
	       ((uint64_t)(f & 1) << 55) | ((uint64_t)((f >> 1) & 1) << 56);
	s[3] = page_pa(p1);
}

/* A CD from 4 bytes: its page, the root page, flags, ASID. */
static void op_cd(struct sm *r)
{
	uint64_t *c = word(r, page_pa(3 + (unsigned int)take(r, 1) % 13));
	unsigned int root = 3 + (unsigned int)take(r, 1) % 13, f = (unsigned int)take(r, 1);

	c[0] = (f & 0x80 ? 16 + (f & 31) : 32) | ((uint64_t)((f >> 5) & 3) << 6) |
	       (f & 1 ? 0 : 1ull << 31) | (5ull << 32) | (f & 2 ? 0 : 1ull << 41) |
	       ((uint64_t)((f >> 2) & 1) << 42) | ((uint64_t)((f >> 3) & 1) << 43) |
	       (1ull << 45) | (take(r, 1) << 48);
	c[1] = page_pa(root);
}

/* A descriptor: table page, index, kind and attributes, the target page. */
static void op_desc(struct sm *r)
{
	uint64_t *t = word(r, page_pa(3 + (unsigned int)take(r, 1) % 13));
	unsigned int idx = (unsigned int)take(r, 2) % 512, a = (unsigned int)take(r, 2);
	unsigned int target = 3 + (unsigned int)take(r, 1) % 13;

	t[idx] = page_pa(target) | (a & 3) | ((uint64_t)((a >> 2) & 0xff) << 4) |
		 ((uint64_t)((a >> 10) & 1) << 51) | ((uint64_t)((a >> 11) & 1) << 52) |
		 ((uint64_t)((a >> 12) & 3) << 53);
}

static const uint32_t sm_regs[] = { 0x0, 0x4, 0xc, 0x14, 0x20, 0x24, 0x28, 0x2c, 0x44,
				    0x50, 0x60, 0x64, 0x80, 0x84, 0x88, 0x90, 0x98, 0x9c,
				    0xa0, 0x100a8, 0x100ac };

static void op_reg(struct sm *r, bool write)
{
	unsigned int pick = (unsigned int)take(r, 1), size = take(r, 1) & 1 ? 8 : 4;
	uint32_t off = pick < 200 ? sm_regs[pick % (sizeof(sm_regs) / 4)] :
				    (uint32_t)take(r, 3);
	uint64_t v;
	int err;

	if (pick % 17 == 0)
		size = (unsigned int)take(r, 1) % 10;
	if (write) {
		reg_write(r, off, size, take(r, 8));
		return;
	}
	err = genpt_smmu_reg_read(r->smmu, off, size, &v);
	if (err != (((size != 4 && size != 8) || (off & (size - 1)) || off >= 0x20000) ?
			    -EINVAL : 0))
		FAIL(r, "reg_read(0x%x, %u) = %d", off, size, err);
	if (!err && size == 4 && off <= 0x14 && off != 0x8 && off != 0x10 &&
	    v != r->idr[off / 4])
		FAIL(r, "ID register 0x%x changed", off);
}

/* A command at PROD, then PROD advanced. */
static void op_cmd(struct sm *r)
{
	static const uint8_t ops[] = { 0x01, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12,
				       0x13, 0x28, 0x2a, 0x30, 0x40, 0x46, 0x7f };
	uint64_t *c = word(r, page_pa(1) + 16ull * (r->prod & 255));

	c[0] = ops[take(r, 1) % sizeof(ops)];
	c[0] |= take(r, 7) << 8;
	c[1] = take(r, 1) & 1 ? page_pa(3 + (unsigned int)take(r, 1) % 13) : take(r, 8);
	if (take(r, 1) & 1) /* keep the error state or acknowledge it */
		reg_write(r, 0x64, 4, 0x1fd & take(r, 2));
	r->prod = (r->prod + 1) & 511;
	reg_write(r, 0x98, 4, r->prod);
}

static bool event_known(unsigned int e)
{
	switch (e) {
	case 0: case GENPT_SMMU_EVT_ABORT: case GENPT_SMMU_EVT_C_BAD_STREAMID:
	case GENPT_SMMU_EVT_F_STE_FETCH: case GENPT_SMMU_EVT_C_BAD_STE:
	case GENPT_SMMU_EVT_C_BAD_SUBSTREAMID: case GENPT_SMMU_EVT_F_CD_FETCH:
	case GENPT_SMMU_EVT_C_BAD_CD: case GENPT_SMMU_EVT_F_WALK_EABT:
	case GENPT_SMMU_EVT_F_TRANSLATION: case GENPT_SMMU_EVT_F_ADDR_SIZE:
	case GENPT_SMMU_EVT_F_ACCESS: case GENPT_SMMU_EVT_F_PERMISSION:
	case GENPT_SMMU_EVT_F_TLB_CONFLICT:
		return true;
	default:
		return false;
	}
}

/* Translate and check; false when the request was refused. */
static bool xlate_check(struct sm *r, const struct genpt_smmu_req *q,
			struct genpt_smmu_rsp *p)
{
	int err = genpt_smmu_translate(r->smmu, q, p);
	bool bad = q->access < GENPT_ACCESS_READ || q->access > GENPT_ACCESS_EXEC ||
		   (q->ssv && (q->ssid >> 20));
	uint64_t m;

	if (err != (bad ? -EINVAL : 0))
		FAIL(r, "translate = %d", err);
	if (err)
		return false;
	if (!event_known(p->event))
		FAIL(r, "event 0x%x", p->event);
	if (p->event)
		return true;
	if (p->page_shift < 12 || p->page_shift > 48)
		FAIL(r, "page_shift %u", p->page_shift);
	m = (1ull << p->page_shift) - 1;
	if ((p->pa & m) != (q->iova & m))
		FAIL(r, "offset lost: iova 0x%" PRIx64 " pa 0x%" PRIx64, q->iova, p->pa);
	return true;
}

static void op_xlate(struct sm *r)
{
	struct genpt_smmu_req q = { 0 };
	struct genpt_smmu_rsp a, b, c;

	/* one take per statement: the input is read in a defined order */
	q.sid = (uint32_t)take(r, 1) % 70;
	if (take(r, 1) & 1) {
		q.iova = take(r, 8);
	} else {
		q.iova = take(r, 4) << 12;
		q.iova |= take(r, 1) << 3;
	}
	q.access = (unsigned int)take(r, 1) % 5;
	q.ssv = take(r, 1) & 1;
	q.ats = take(r, 1) & 1;
	q.ssid = (uint32_t)take(r, 3);
	if (r->trace)
		fprintf(stderr, "[%u] xlate sid %u iova 0x%" PRIx64 " access %u\n", r->op,
			q.sid, q.iova, q.access);
	if (!xlate_check(r, &q, &a))
		return;
	if (r->trace)
		fprintf(stderr, "  -> event 0x%x pa 0x%" PRIx64 "\n", a.event, a.pa);
	memcpy(r->snap, r->mem, SM_SIZE);
	xlate_check(r, &q, &b);
	if (memcmp(r->snap, r->mem, SM_SIZE))
		return; /* the second one changed memory (HTTU or an event) */
	xlate_check(r, &q, &c);
	if (b.event != c.event || b.pa != c.pa)
		FAIL(r, "same memory, different answers: 0x%x/0x%" PRIx64 " vs 0x%x/0x%" PRIx64,
		     b.event, b.pa, c.event, c.pa);
}

static void run_op(struct sm *r)
{
	unsigned int k = (unsigned int)take(r, 1) % 10;
	uint64_t v, a;
	uint32_t sid;

	switch (k) {
	case 0:
		a = SM_BASE + take(r, 2) * 8;
		*word(r, a) = take(r, 8);
		break;
	case 1: op_setup(r); break;
	case 2: op_ste(r); break;
	case 3: op_cd(r); break;
	case 4: op_desc(r); break;
	case 5: op_reg(r, true); break;
	case 6: op_reg(r, false); break;
	case 7: op_xlate(r); break;
	case 8: op_cmd(r); break;
	default:
		sid = (uint32_t)take(r, 1) % 70;
		a = take(r, 4) << 3;
		genpt_smmu_dma(r->smmu, sid, a, &v, 8, GENPT_ACCESS_READ);
		break;
	}
}

/*
 * The memory image, kept between inputs (issue 22): a physmem created and
 * unmapped per input cost page faults and munmap's TLB shootdown.  Its
 * pages stay taken by the fuzzer (the model has none of them), and the next
 * input gets them zeroed, as a new physmem would be.  One that holds
 * anything else after destroy is not kept.
 */
static struct genpt_physmem *sm_pm_cached;

static void sm_pm_put(struct genpt_physmem *pm)
{
	uint64_t b = 0, n = 0;

	if (genpt_physmem_stats(pm, &b, &n) || b != SM_SIZE || n != SM_PAGES)
		genpt_physmem_destroy(pm);
	else
		sm_pm_cached = pm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm rr = { .data = data, .size = size }, *r = &rr;
	unsigned int f = (unsigned int)take(r, 1);
	struct genpt_smmu_config cfg = { .httu = f & 3, .bbml = (f >> 2) % 3,
					 .no_stage1 = (f >> 4) == 1, .no_stage2 = (f >> 4) == 2,
					 .tlb_entries = 16, .cfg_entries = 4 };
	struct genpt_smmu_stats st;
	uint64_t pa;

	r->trace = getenv("GENPT_FUZZ_TRACE") != NULL;
	r->snap = malloc(SM_SIZE);
	if (!r->snap)
		abort();
	r->pm = sm_pm_cached; /* kept from the last input, pages taken (sm_pm_put) */
	sm_pm_cached = NULL;
	if (!r->pm) {
		if (genpt_physmem_create(SM_BASE, SM_SIZE, &r->pm))
			abort();
		for (unsigned int i = 0; i < SM_PAGES; i++)
			if (genpt_physmem_alloc(r->pm, 4096, 4096, &pa))
				abort();
	}
	r->mem = genpt_physmem_ptr(r->pm, SM_BASE);
	memset(r->mem, 0, SM_SIZE);
	for (unsigned int i = 1; i < SM_PAGES; i++) /* one host block? */
		if (genpt_physmem_ptr(r->pm, page_pa(i)) != (void *)((char *)r->mem + 4096 * i))
			abort();
	if (genpt_smmu_create(&cfg, &genpt_physmem_ops, r->pm, &r->smmu))
		abort();
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t v;

		if (genpt_smmu_reg_read(r->smmu, 4 * i, 4, &v))
			abort();
		r->idr[i] = (uint32_t)v;
	}
	for (r->op = 0; r->op < SM_MAX_OPS && r->pos < r->size; r->op++)
		run_op(r);
	if (genpt_smmu_stats(r->smmu, &st))
		FAIL(r, "stats refused");
	if (st.tlb_hits + st.tlb_misses > st.translations || st.faults > st.translations ||
	    st.events > st.faults)
		FAIL(r, "stats inconsistent");
	genpt_smmu_destroy(r->smmu);
	sm_pm_put(r->pm);
	free(r->snap);
	return 0;
}

/* Seeds: setup; a stage-2 STE for StreamID 5 at root page 4 with a
 * level-1 -> level-2 -> level-3 chain to page 8; translations and a write;
 * a stage-1 STE and CD; a TLBI and a CMD_SYNC. */
static const uint8_t sm_seed_s2[] = {
	0x02, 0x01, 0x05, 0x02, 0x05, 0x0c, 0x01, 0x01, 0x0b, 0x04, 0x01, 0x00,
	0x00, 0x03, 0x00, 0x02, 0x04, 0x02, 0x00, 0x00, 0x03, 0x00, 0x03, 0x04,
	0x03, 0x08, 0x00, 0xd3, 0x05, 0x05, 0x07, 0x05, 0x00, 0x08, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x05, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x0d, 0x10, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x01, 0x0a, 0x00, 0x02, 0x06, 0x0a, 0x01, 0x07, 0x00, 0x03,
	0x07, 0x01, 0x0c, 0x03, 0x07, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x02,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x05, 0x00, 0x10, 0x00, 0x00
};

static const struct fuzz_seed sm_seeds[] = {
	{ "s2", sm_seed_s2, sizeof(sm_seed_s2) },
};

static void sm_seed(size_t i, struct fuzz_seed *s)
{
	*s = sm_seeds[i];
}

const struct fuzz_target_info fuzz_target = {
	.name = "fuzz_smmuv3",
	.nseeds = sizeof(sm_seeds) / sizeof(sm_seeds[0]),
	.seed = sm_seed,
	.max_len = 1200,
};
