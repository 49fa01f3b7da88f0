// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_rviommu.c - libFuzzer target: the RISC-V IOMMU model
 * (genpt_rviommu_*) on arbitrary memory images, register values and
 * requests.
 *
 * The model walks 64 KiB of simulated physical memory at 0x80000000 (16
 * pages; addresses outside are unbacked).  The input configures the
 * capabilities, then runs operations that write memory (raw words, or
 * words shaped like directory pointers, PTEs, ATP values, device-context
 * fields; or whole chains: a device context in a 1/2/3-level DDT, a
 * first-stage or G-stage path to a leaf, an identity G-stage, queues and
 * commands), write and read registers, and send translations and DMA reads.
 *
 * What must hold, checked after every operation (from the specification
 * and genpt/riscv_iommu.h, not from the model's code):
 *  - no crash, no sanitizer report, and create accepts exactly the
 *    capabilities the header promises;
 *  - register accesses: -EINVAL exactly for what the spec leaves
 *    UNSPECIFIED (size, alignment, beyond the page, spanning two
 *    registers), read-only and WARL fields hold legal values, 4-byte halves
 *    agree with 8-byte reads;
 *  - translate: -EINVAL exactly for bad arguments; a fault is a cause code
 *    the specification defines for that access type (and none the model
 *    does not implement); a success has a leaf size the spec allows, PBMT
 *    only with Svpbmt, the page offset carried through, and pass-through in
 *    Bare mode; at most one fault record per translation, and it matches
 *    the response (CAUSE, TTYP, DID, PV/PID/PRIV, iotval);
 *  - a translation that changed no memory gives the same answer again
 *    (IOTLB and directory-cache hits equal the walk);
 *  - memory: every word that changed is either a valid PTE that gained A
 *    and/or D and nothing else, a fault-queue slot, or the 4-byte
 *    completion store of an IOFENCE.C with AV sitting in the command queue.
 *
 * Memory hooks: an operation poisons one page for chosen kinds of access
 * (access fault or corrupt data); the hook checks each access it sees
 * (kind, op, size, device) and the data-corruption causes become legal.
 * ATS (capabilities.ATS, T2GPA from the input): translated requests and
 * Translation Requests (a completion granting W must be dirty; UR exactly
 * for 256-260/268; Success without access reports nothing), ATS.INVAL
 * commands, DMA through a device ATC.
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
#include "genpt/genpt.h"

#define RV_PM_BASE ((uint64_t)0x80000000)
#define RV_PAGES 16u
#define RV_PM_SIZE ((uint64_t)RV_PAGES * 4096)
#define RV_WORDS (RV_PM_SIZE / 8)
#define RV_PAGE_WORDS (4096 / 8)
#define RV_MAX_OPS 200
#define RV_MAX_FENCES 64

#define FAIL(r, ...)                                                       \
	do {                                                               \
		fprintf(stderr, "fuzz_rviommu: MISMATCH in op %u (%s): ",   \
			(r)->op, (r)->opname ? (r)->opname : "setup");      \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		abort();                                                   \
	} while (0)

#define TRACE(r, ...)                                                      \
	do {                                                               \
		if ((r)->trace) {                                          \
			fprintf(stderr, "[%u] ", (r)->op);                 \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

struct rv {
	const uint8_t *data;
	size_t size, pos;
	unsigned int op;
	const char *opname;
	bool trace;

	struct genpt_physmem *pm;
	struct genpt_rviommu *iommu;
	uint64_t caps;
	uint64_t *mem;   /* host view of the 64 KiB */
	uint64_t *snap;  /* copy before the operation */

	/* IOFENCE.C completion addresses that may be written */
	uint64_t fence[RV_MAX_FENCES];
	unsigned int nfence;

	/* memory hook: accesses of a kind in poison_what (bit = kind) to page
	 * poison_pa fail; hooked once any poison was set */
	bool hooked;
	uint64_t poison_pa;
	unsigned int poison_what;
	enum genpt_rviommu_mem_verdict poison;
	struct genpt_rviommu_atc *atc;
};

/* ------------------------------------------------------------- input -- */

static uint8_t u8(struct rv *r)
{
	return r->pos < r->size ? r->data[r->pos++] : 0;
}

static uint16_t u16(struct rv *r)
{
	uint16_t v = u8(r);

	return (uint16_t)(v | (uint16_t)u8(r) << 8);
}

static uint64_t u64(struct rv *r)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)u8(r) << (8 * i);
	return v;
}

/* A page: mostly one of ours, sometimes unbacked or odd. */
static uint64_t rv_page(uint8_t k)
{
	if (k < 0xf0)
		return RV_PM_BASE + (uint64_t)(k % RV_PAGES) * 4096;
	switch (k & 7) {
	case 0:
		return 0;
	case 1:
		return RV_PM_BASE + RV_PM_SIZE; /* just past the memory */
	case 2:
		return RV_PM_BASE - 4096;
	case 3:
		return 1ull << 55; /* within PAS 56, unbacked */
	case 4:
		return (1ull << 56) - 4096; /* the last page of a 56-bit PAS */
	default:
		return RV_PM_BASE + (uint64_t)(k & 15) * 4096;
	}
}

static uint64_t rv_ppn10(uint64_t pa)
{
	return ((pa >> 12) & ((1ull << 44) - 1)) << 10;
}

/* A word shaped like something the IOMMU reads. */
static uint64_t rv_gen(struct rv *r)
{
	uint8_t sel = u8(r);

	switch (sel % 12) {
	case 0:
		return 0;
	case 1:
		return u64(r);
	case 2: /* directory pointer / non-leaf PTE */
		return rv_ppn10(rv_page(u8(r))) | 1;
	case 3: { /* leaf PTE: V R W X U G A D from a byte, sometimes N/PBMT */
		uint8_t fl = u8(r);
		uint64_t e = rv_ppn10(rv_page(u8(r))) | fl | 1;

		if (sel & 0x10)
			e |= (uint64_t)(u8(r) & 3) << 61;
		if (sel & 0x20)
			e = (e & ~(15ull << 10)) | (8ull << 10) | (1ull << 63); /* NAPOT */
		return e;
	}
	case 4: /* leaf PTE for a large page (PPN low bits zero) */
		return (rv_ppn10(RV_PM_BASE) & ~(0x3ffffull << 10)) | 0xdf;
	case 5: { /* ATP / pdtp / msiptp */
		static const unsigned int modes[8] = { 0, 8, 9, 10, 1, 2, 3, 15 };

		return ((uint64_t)modes[u8(r) & 7] << 60) | ((uint64_t)(u8(r) & 3) << 44) |
		       (rv_page(u8(r)) >> 12);
	}
	case 6: /* DC.tc */
		return (uint64_t)u16(r) & ((sel & 0x80) ? 0xffff : 0x3a1);
	case 7: /* ta: PSCID and PC V/ENS/SUM */
		return ((uint64_t)(u8(r) & 7) << 12) | (u8(r) & 7);
	case 8: /* MSI address mask / pattern */
		return (RV_PM_BASE >> 12) + (u8(r) & 15);
	case 9: /* a valid PTE with everything */
		return rv_ppn10(rv_page(u8(r))) | 0xdf;
	case 10:
		return ~0ull;
	default:
		return (uint64_t)u8(r) << (u8(r) % 64);
	}
}

static void rv_write_pa(struct rv *r, uint64_t pa, uint64_t v)
{
	if (pa >= RV_PM_BASE && pa - RV_PM_BASE < RV_PM_SIZE && !(pa & 7))
		__atomic_store_n(&r->mem[(pa - RV_PM_BASE) / 8], v, __ATOMIC_RELAXED);
}

static uint64_t rv_read_pa(struct rv *r, uint64_t pa)
{
	if (pa >= RV_PM_BASE && pa - RV_PM_BASE < RV_PM_SIZE && !(pa & 7))
		return __atomic_load_n(&r->mem[(pa - RV_PM_BASE) / 8], __ATOMIC_RELAXED);
	return 0;
}

/* --------------------------------------------------------- registers -- */

/*
 * The spec's register map ("Register layout"): the 8-byte registers, and
 * the reserved/custom windows of 4-byte cells (where an aligned 8-byte
 * access covers two cells of one window).
 */
static bool rv_reg8(uint32_t off)
{
	static const uint16_t r8[] = { 0x000, 0x010, 0x018, 0x028, 0x038, 0x060,
				       0x258, 0x260, 0x268, 0x2f8 };

	for (unsigned int i = 0; i < sizeof(r8) / sizeof(r8[0]); i++)
		if (off == r8[i])
			return true;
	if (off >= 0x068 && off < 0x258) /* iohpmctr1-31, iohpmevt1-31 */
		return true;
	if (off >= 0x300 && off < 0x400 && !(off & 15)) /* msi_cfg_tbl addresses */
		return true;
	return false;
}

static bool rv_window(uint32_t off)
{
	return (off >= 0x00c && off < 0x010) || (off >= 0x274 && off < 0x2f8) ||
	       (off >= 0x400 && off < 0x1000);
}

static int rv_reg_want(uint32_t off, unsigned int size)
{
	if ((size != 4 && size != 8) || (off & (size - 1)) || off >= 0x1000)
		return -EINVAL;
	if (size == 4 || rv_reg8(off))
		return 0;
	return rv_window(off) && rv_window(off + 4) ? 0 : -EINVAL;
}

static uint64_t rv_rd(struct rv *r, uint32_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeef;
	int err = genpt_rviommu_reg_read(r->iommu, off, size, &v);

	if (err)
		FAIL(r, "reg_read(0x%x, %u) = %d", off, size, err);
	if (size == 8) {
		uint64_t lo = 0, hi = 0;

		if (genpt_rviommu_reg_read(r->iommu, off, 4, &lo) ||
		    genpt_rviommu_reg_read(r->iommu, off + 4, 4, &hi))
			FAIL(r, "4-byte reads of 0x%x refused", off);
		if ((lo | hi << 32) != v)
			FAIL(r, "register 0x%x reads 0x%" PRIx64 " but its halves 0x%" PRIx64
				" 0x%" PRIx64, off, v, lo, hi);
	} else if (v >> 32) {
		FAIL(r, "4-byte read of 0x%x returned 0x%" PRIx64, off, v);
	}
	return v;
}

static uint32_t rv_qmask(uint64_t qb)
{
	return (uint32_t)((2ull << (qb & 0x1f)) - 1);
}

static uint64_t rv_qbase(uint64_t qb)
{
	return ((qb >> 10) & ((1ull << 44) - 1)) << 12;
}

/* Read-only and WARL fields hold what the spec allows. */
static void rv_check_regs(struct rv *r)
{
	uint64_t caps = rv_rd(r, 0x000, 8), fctl = rv_rd(r, 0x008, 4);
	uint64_t ddtp = rv_rd(r, 0x010, 8), cqb = rv_rd(r, 0x018, 8), fqb = rv_rd(r, 0x028, 8);
	uint64_t cqh = rv_rd(r, 0x020, 4), cqt = rv_rd(r, 0x024, 4);
	uint64_t fqh = rv_rd(r, 0x030, 4), fqt = rv_rd(r, 0x034, 4);
	uint64_t cqcsr = rv_rd(r, 0x048, 4), fqcsr = rv_rd(r, 0x04c, 4);
	uint64_t ipsr = rv_rd(r, 0x054, 4);
	unsigned int igs = (unsigned int)(r->caps >> 28) & 3;

	if (caps != r->caps)
		FAIL(r, "capabilities read 0x%" PRIx64 ", configured 0x%" PRIx64, caps, r->caps);
	if ((fctl & ~7ull) || (fctl & 1) || (fctl & 4))
		FAIL(r, "fctl 0x%" PRIx64 ": reserved, BE or GXL set", fctl);
	if ((igs == 0 && (fctl & 2)) || (igs == 1 && !(fctl & 2)))
		FAIL(r, "fctl.WSI %d with capabilities.IGS %u", (int)(fctl >> 1) & 1, igs);
	if ((ddtp & 0xf) > 4 || (ddtp & ~(0xfull | (((1ull << 44) - 1) << 10))))
		FAIL(r, "ddtp 0x%" PRIx64 ": reserved mode, busy or reserved bits", ddtp);
	if ((cqb | fqb) & ~((((1ull << 44) - 1) << 10) | 0x1f))
		FAIL(r, "cqb 0x%" PRIx64 " / fqb 0x%" PRIx64 " reserved bits", cqb, fqb);
	/* the indexes a live queue uses stay inside it */
	if (((cqcsr & 1) && (cqh > rv_qmask(cqb) || cqt > rv_qmask(cqb))) ||
	    ((fqcsr & 1) && (fqh > rv_qmask(fqb) || fqt > rv_qmask(fqb))))
		FAIL(r, "queue index beyond LOG2SZ: cqh %" PRIu64 " cqt %" PRIu64 " fqh %" PRIu64
			" fqt %" PRIu64, cqh, cqt, fqh, fqt);
	if ((cqcsr & ~0x30f03ull) || (cqcsr & (1u << 17)) || !!(cqcsr & 1) != !!(cqcsr & 0x10000))
		FAIL(r, "cqcsr 0x%" PRIx64 ": reserved bits, busy, or cqon != cqen", cqcsr);
	if ((fqcsr & ~0x30303ull) || (fqcsr & (1u << 17)) || !!(fqcsr & 1) != !!(fqcsr & 0x10000))
		FAIL(r, "fqcsr 0x%" PRIx64 ": reserved bits, busy, or fqon != fqen", fqcsr);
	if (ipsr & ~0xfull)
		FAIL(r, "ipsr 0x%" PRIx64 " reserved bits", ipsr);
}

/* ------------------------------------------------------------ memory -- */

/* IOFENCE.C commands with AV anywhere in the command queue's memory. */
static void rv_scan_fences(struct rv *r, bool reset)
{
	uint64_t cqb = rv_rd(r, 0x018, 8), base = rv_qbase(cqb);
	uint64_t n = (uint64_t)rv_qmask(cqb) + 1;

	if (reset)
		r->nfence = 0;
	if (n > RV_PM_SIZE / 16)
		n = RV_PM_SIZE / 16; /* the rest is not in our memory */
	for (uint64_t i = 0; i < n && r->nfence < RV_MAX_FENCES; i++) {
		uint64_t d0 = rv_read_pa(r, base + i * 16), d1 = rv_read_pa(r, base + i * 16 + 8);

		if ((d0 & 0x7f) == 2 && (d0 & (1u << 10)))
			r->fence[r->nfence++] = (d1 & ((1ull << 62) - 1)) << 2;
	}
}

/*
 * The memory image, kept between inputs (issue 22): creating a physmem and
 * unmapping it after every input was a fifth of an input (munmap's TLB
 * shootdown, first-touch faults).  The next input gets it zeroed, as a new
 * one would be, and empty: one that still holds blocks is not kept.
 */
static struct genpt_physmem *rv_pm_cached;
/* ... and its copy (rv_snap): a calloc per input was another tenth of an
 * input (ASan's allocator, fresh pages faulted in). */
static uint64_t rv_snap_buf[RV_WORDS];

static struct genpt_physmem *rv_pm_get(void)
{
	struct genpt_physmem *pm = rv_pm_cached;

	rv_pm_cached = NULL;
	if (pm) {
		memset(genpt_physmem_ptr(pm, RV_PM_BASE), 0, RV_PM_SIZE);
		return pm;
	}
	if (genpt_physmem_create(RV_PM_BASE, RV_PM_SIZE, &pm))
		abort();
	return pm;
}

static void rv_pm_put(struct genpt_physmem *pm)
{
	uint64_t b = 1, n = 1;

	if (rv_pm_cached || genpt_physmem_stats(pm, &b, &n) || b || n)
		genpt_physmem_destroy(pm);
	else
		rv_pm_cached = pm;
}

/* Copy the image before an operation: only the pages that differ from the
 * last copy (an operation changes a few words, if any; copying all of it
 * before every operation was a quarter of an input). */
static void rv_snap(struct rv *r)
{
	for (uint64_t i = 0; i < RV_WORDS; i += RV_PAGE_WORDS)
		if (memcmp(&r->snap[i], &r->mem[i], RV_PAGE_WORDS * sizeof(uint64_t)))
			memcpy(&r->snap[i], &r->mem[i], RV_PAGE_WORDS * sizeof(uint64_t));
	rv_scan_fences(r, true);
}

/* Is the change of word @i (old -> now) one the IOMMU may make? */
static bool rv_allowed(struct rv *r, uint64_t i, uint64_t old, uint64_t now,
		       uint64_t fq_lo, uint64_t fq_hi)
{
	uint64_t pa = RV_PM_BASE + i * 8;

	if (pa >= fq_lo && pa < fq_hi)
		return true; /* a fault record */
	if ((old & 1) && (now & old) == old && !((now ^ old) & ~0xc0ull))
		return true; /* A and/or D set in a valid PTE */
	for (unsigned int k = 0; k < r->nfence; k++) {
		uint64_t a = r->fence[k];

		if ((a & ~7ull) == pa) {
			uint64_t keep = (a & 4) ? 0xffffffffull : 0xffffffff00000000ull;

			if (!((old ^ now) & keep))
				return true; /* the 4-byte completion store */
		}
	}
	return false;
}

/* Returns whether the image is the same as the copy (no page differs). */
static bool rv_check_mem(struct rv *r, uint64_t fqb_before, bool fq_on)
{
	uint64_t fq_lo = 0, fq_hi = 0;
	bool rescanned = false, same = true;

	if (fq_on) {
		fq_lo = rv_qbase(fqb_before);
		fq_hi = fq_lo + ((uint64_t)rv_qmask(fqb_before) + 1) * 32;
	}
	for (uint64_t i = 0; i < RV_WORDS; i++) {
		uint64_t old, now;

		/* Most operations change a few words, if any: pass over a
		 * page that is the same as before with one memcmp (the word
		 * loop over all 64 KiB after every operation was most of
		 * this target's time). */
		if (!(i % RV_PAGE_WORDS) &&
		    !memcmp(&r->snap[i], &r->mem[i], RV_PAGE_WORDS * sizeof(uint64_t))) {
			i += RV_PAGE_WORDS - 1;
			continue;
		}
		same = false;
		old = r->snap[i];
		now = __atomic_load_n(&r->mem[i], __ATOMIC_RELAXED);

		if (old == now || rv_allowed(r, i, old, now, fq_lo, fq_hi))
			continue;
		/* a fence written into the queue by an earlier fence? */
		if (!rescanned) {
			rescanned = true;
			rv_scan_fences(r, false);
			if (rv_allowed(r, i, old, now, fq_lo, fq_hi))
				continue;
		}
		FAIL(r, "the IOMMU wrote 0x%" PRIx64 " over 0x%" PRIx64 " at pa 0x%" PRIx64
			", which is no A/D update, fault record or fence completion", now, old,
		     RV_PM_BASE + i * 8);
	}
	return same;
}

/* -------------------------------------------------------- translations -- */

static bool rv_cause_ok(const struct rv *r, unsigned int cause, unsigned int access)
{
	switch (cause) {
	case GENPT_RVI_CAUSE_DDT_CORRUPTED:
	case GENPT_RVI_CAUSE_PDT_CORRUPTED:
	case GENPT_RVI_CAUSE_MSI_PT_CORRUPTED:
	case GENPT_RVI_CAUSE_PT_CORRUPTED:
		return r->hooked;
	case GENPT_RVI_CAUSE_ALL_DISALLOWED:
	case GENPT_RVI_CAUSE_DDT_LOAD_FAULT:
	case GENPT_RVI_CAUSE_DDT_INVALID:
	case GENPT_RVI_CAUSE_DDT_MISCONFIGURED:
	case GENPT_RVI_CAUSE_TTYP_DISALLOWED:
	case GENPT_RVI_CAUSE_MSI_LOAD_FAULT:
	case GENPT_RVI_CAUSE_MSI_INVALID:
	case GENPT_RVI_CAUSE_MSI_MISCONFIGURED:
	case GENPT_RVI_CAUSE_PDT_LOAD_FAULT:
	case GENPT_RVI_CAUSE_PDT_INVALID:
	case GENPT_RVI_CAUSE_PDT_MISCONFIGURED:
		return true;
	case GENPT_RVI_CAUSE_INST_ACCESS:
	case GENPT_RVI_CAUSE_INST_PAGE:
	case GENPT_RVI_CAUSE_INST_GUEST_PAGE:
		return access == GENPT_ACCESS_EXEC;
	case GENPT_RVI_CAUSE_READ_ACCESS:
	case GENPT_RVI_CAUSE_READ_PAGE:
	case GENPT_RVI_CAUSE_READ_GUEST_PAGE:
		return access == GENPT_ACCESS_READ;
	case GENPT_RVI_CAUSE_WRITE_ACCESS:
	case GENPT_RVI_CAUSE_WRITE_PAGE:
	case GENPT_RVI_CAUSE_WRITE_GUEST_PAGE:
		return access == GENPT_ACCESS_WRITE;
	default:
		return false;
	}
}

static bool rv_req_ok(const struct genpt_rviommu_req *q)
{
	return q->access >= GENPT_ACCESS_READ && q->access <= GENPT_ACCESS_EXEC &&
	       q->device_id < (1u << 24) && q->process_id < (1u << 20) &&
	       (!q->priv || q->pid_valid) && q->type <= GENPT_RVIOMMU_REQ_ATS;
}

static void rv_make_req(struct rv *r, struct genpt_rviommu_req *q)
{
	uint8_t sel = u8(r);
	static const unsigned int acc[8] = { GENPT_ACCESS_READ, GENPT_ACCESS_WRITE,
					     GENPT_ACCESS_READ, GENPT_ACCESS_EXEC,
					     GENPT_ACCESS_WRITE, GENPT_ACCESS_READ, 0, 4 };

	memset(q, 0, sizeof(*q));
	q->device_id = u8(r);
	if (sel & 0x80)
		q->device_id |= (uint32_t)u16(r) << 8; /* up to 24 bits (and beyond) */
	q->access = acc[sel & 7];
	q->pid_valid = sel & 8;
	if (q->pid_valid)
		q->process_id = (sel & 0x40) ? u16(r) | (uint32_t)(u8(r) & 0x1f) << 16 : u8(r);
	q->priv = sel & 0x10;
	if ((r->caps & GENPT_RVI_CAP_ATS) && (sel & 0x20))
		q->type = 1 + u8(r) % 3; /* translated, ATS, or invalid */
	switch (u8(r) & 7) {
	case 0:
		q->iova = u64(r);
		break;
	case 1:
		q->iova = RV_PM_BASE + (u16(r) % RV_PM_SIZE);
		break;
	case 2:
		q->iova = (uint64_t)u16(r) << 12 | (u8(r) & 0xfff);
		break;
	case 3:
		q->iova = (uint64_t)u8(r) << 30 | (uint64_t)u16(r) << 12 | u8(r);
		break;
	default:
		q->iova = (uint64_t)u16(r) << 12;
		break;
	}
}

static const unsigned int rv_shifts[] = { 12, 16, 21, 30, 39, 48 };

/* A Translation Request's completion (spec "PCIe ATS translation request
 * handling"); false when it is a reported fault, checked as any other. */
static bool rv_check_ats(struct rv *r, const struct genpt_rviommu_req *q,
			 const struct genpt_rviommu_rsp *s)
{
	bool ur = (s->cause >= GENPT_RVI_CAUSE_ALL_DISALLOWED &&
		   s->cause <= GENPT_RVI_CAUSE_TTYP_DISALLOWED) ||
		  s->cause == GENPT_RVI_CAUSE_DDT_CORRUPTED;

	if (s->ats_status > GENPT_RVIOMMU_ATS_CA ||
	    (s->ats_status != GENPT_RVIOMMU_ATS_SUCCESS && !s->cause) ||
	    (s->ats_status == GENPT_RVIOMMU_ATS_UR) != (s->cause && ur && s->ats_status))
		FAIL(r, "ATS completion %u for cause %u", s->ats_status, s->cause);
	if (s->ats_status != GENPT_RVIOMMU_ATS_SUCCESS)
		return false;
	if (s->cause && (s->perm || s->reported))
		FAIL(r, "ATS Success without access (cause %u) with perm %u reported %d",
		     s->cause, s->perm, s->reported);
	if ((s->perm & GENPT_RVIOMMU_PERM_W) && (q->access != GENPT_ACCESS_WRITE || !s->dirty))
		FAIL(r, "ATS grants W (asked %u) on a translation that is not dirty (%d)",
		     q->access, s->dirty);
	if ((s->perm & GENPT_RVIOMMU_PERM_X) &&
	    (q->access != GENPT_ACCESS_EXEC || !(s->perm & GENPT_RVIOMMU_PERM_R)))
		FAIL(r, "ATS grants X without R or unasked: perm %u", s->perm);
	return true;
}

static void rv_check_rsp(struct rv *r, const struct genpt_rviommu_req *q,
			 const struct genpt_rviommu_rsp *s, uint64_t ddtp)
{
	if (q->type == GENPT_RVIOMMU_REQ_ATS && rv_check_ats(r, q, s))
		return;
	if (q->type != GENPT_RVIOMMU_REQ_ATS && s->ats_status)
		FAIL(r, "ats_status %u for a type-%u request", s->ats_status, q->type);
	if (s->cause) {
		if (!rv_cause_ok(r, s->cause, q->access))
			FAIL(r, "cause %u for a kind-%u access: not a cause the spec defines for it "
				"(or one the model does not implement)", s->cause, q->access);
		if (s->pa || s->page_shift || s->iotlb_hit || s->perm || s->user || s->dirty ||
		    s->msi)
			FAIL(r, "fault %u with pa 0x%" PRIx64 " page_shift %u hit %d perm %u user %d "
				"dirty %d msi %d", s->cause, s->pa, s->page_shift, s->iotlb_hit,
			     s->perm, s->user, s->dirty, s->msi);
		if (s->iotval != q->iova ||
		    (s->iotval2 && (s->cause < GENPT_RVI_CAUSE_INST_GUEST_PAGE ||
				    s->cause > GENPT_RVI_CAUSE_WRITE_GUEST_PAGE)))
			FAIL(r, "fault %u: iotval 0x%" PRIx64 " iotval2 0x%" PRIx64 " for iova 0x%"
				PRIx64, s->cause, s->iotval, s->iotval2, q->iova);
		if ((ddtp & 0xf) == GENPT_RVI_DDTP_OFF && s->cause != GENPT_RVI_CAUSE_ALL_DISALLOWED)
			FAIL(r, "ddtp Off, cause %u", s->cause);
		return;
	}
	if ((ddtp & 0xf) == GENPT_RVI_DDTP_OFF)
		FAIL(r, "a translation succeeded with ddtp Off");
	{
		unsigned int need = q->access == GENPT_ACCESS_WRITE ? GENPT_RVIOMMU_PERM_W :
				    q->access == GENPT_ACCESS_EXEC ? GENPT_RVIOMMU_PERM_X :
								     GENPT_RVIOMMU_PERM_R;

		if (!(s->perm & need) || (s->perm & ~7u) ||
		    (q->access == GENPT_ACCESS_WRITE && !s->dirty) ||
		    (s->msi && (s->page_shift != 12 || (s->perm & GENPT_RVIOMMU_PERM_X))) ||
		    s->iotval || s->iotval2 || s->reported)
			FAIL(r, "success for a kind-%u access: perm %u dirty %d msi %d shift %u "
				"iotval 0x%" PRIx64 " iotval2 0x%" PRIx64 " reported %d", q->access,
			     s->perm, s->dirty, s->msi, s->page_shift, s->iotval, s->iotval2,
			     s->reported);
	}
	{
		bool shift_ok = false;

		for (unsigned int i = 0; i < sizeof(rv_shifts) / sizeof(rv_shifts[0]); i++)
			shift_ok |= s->page_shift == rv_shifts[i];
		if (!shift_ok)
			FAIL(r, "page_shift %u", s->page_shift);
	}
	if (s->pbmt > 2 || (s->pbmt && !(r->caps & GENPT_RVI_CAP_SVPBMT)))
		FAIL(r, "pbmt %u (Svpbmt %d)", s->pbmt, !!(r->caps & GENPT_RVI_CAP_SVPBMT));
	if ((s->pa ^ q->iova) & ((1ull << s->page_shift) - 1))
		FAIL(r, "iova 0x%" PRIx64 " -> pa 0x%" PRIx64 " loses the offset in a 2^%u page",
		     q->iova, s->pa, s->page_shift);
	if ((ddtp & 0xf) == GENPT_RVI_DDTP_BARE && (s->pa != q->iova || s->page_shift != 12 ||
						      q->type))
		FAIL(r, "Bare mode: 0x%" PRIx64 " -> 0x%" PRIx64 " (2^%u)", q->iova, s->pa,
		     s->page_shift);
}

/* The record a faulting translation left, if any, must describe it. */
static void rv_check_record(struct rv *r, const struct genpt_rviommu_req *q,
			    const struct genpt_rviommu_rsp *s, uint64_t fqb, uint64_t fqt0)
{
	uint64_t fqt1 = rv_rd(r, 0x034, 4), rec[4];
	uint32_t mask = rv_qmask(fqb);
	struct genpt_rviommu_fault f;
	unsigned int ttyp;

	if (fqt1 == fqt0)
		return;
	if (s->cause && !s->reported)
		FAIL(r, "fault %u not reported (DTF) but a record was written", s->cause);
	if (((fqt0 + 1) & mask) != fqt1)
		FAIL(r, "one translation moved fqt from %" PRIu64 " to %" PRIu64, fqt0, fqt1);
	if (!s->cause)
		FAIL(r, "a successful translation wrote a fault record");
	for (unsigned int i = 0; i < 4; i++)
		rec[i] = rv_read_pa(r, rv_qbase(fqb) + fqt0 * 32 + i * 8);
	if (rv_qbase(fqb) < RV_PM_BASE || rv_qbase(fqb) + fqt0 * 32 + 32 > RV_PM_BASE + RV_PM_SIZE)
		return; /* written where we cannot see: fqmf would be set instead */
	genpt_rviommu_fault_decode(rec, &f);
	ttyp = q->access == GENPT_ACCESS_EXEC ? 1 : q->access == GENPT_ACCESS_READ ? 2 : 3;
	if (q->type == GENPT_RVIOMMU_REQ_TRANSLATED)
		ttyp += 4;
	else if (q->type == GENPT_RVIOMMU_REQ_ATS)
		ttyp = 8;
	if (f.cause != s->cause || f.did != q->device_id || f.iotval != q->iova ||
	    f.ttyp != ttyp || f.pv != q->pid_valid || (q->pid_valid && f.pid != q->process_id) ||
	    f.priv != (q->pid_valid && q->priv) || rec[1] || f.iotval2 != s->iotval2)
		FAIL(r, "fault record cause %u ttyp %u did 0x%x pv %d pid 0x%x priv %d iotval 0x%"
			PRIx64 " for cause %u access %u did 0x%x pv %d pid 0x%x priv %d iova 0x%"
			PRIx64, f.cause, f.ttyp, f.did, f.pv, f.pid, f.priv, f.iotval, s->cause,
		     q->access, q->device_id, q->pid_valid, q->process_id, q->priv, q->iova);
}

static void rv_translate(struct rv *r, const struct genpt_rviommu_req *q)
{
	struct genpt_rviommu_rsp s, s2;
	uint64_t ddtp = rv_rd(r, 0x010, 8), fqb = rv_rd(r, 0x028, 8);
	uint64_t fqt0 = rv_rd(r, 0x034, 4);
	bool fq_on = rv_rd(r, 0x04c, 4) & 0x10000;
	int err, want = rv_req_ok(q) ? 0 : -EINVAL;
	bool same;

	rv_snap(r);
	memset(&s, 0x5a, sizeof(s));
	err = genpt_rviommu_translate(r->iommu, q, &s);
	TRACE(r, "translate did 0x%x pid %d:0x%x priv %d iova 0x%" PRIx64 " access %u: %d, "
		 "cause %u pa 0x%" PRIx64 " shift %u pbmt %u hit %d", q->device_id, q->pid_valid,
	      q->process_id, q->priv, q->iova, q->access, err, s.cause, s.pa, s.page_shift,
	      s.pbmt, s.iotlb_hit);
	if (err != want)
		FAIL(r, "translate returned %d, want %d", err, want);
	same = rv_check_mem(r, fqb, fq_on);
	if (err)
		return;
	/* the two checks below only read memory and registers */
	rv_check_rsp(r, q, &s, ddtp);
	rv_check_record(r, q, &s, fqb, fqt0);
	if (!same)
		return;
	/* Nothing changed: caches must answer as the walk did. */
	if (genpt_rviommu_translate(r->iommu, q, &s2))
		FAIL(r, "second translate refused");
	if (s2.cause != s.cause || s2.pa != s.pa || s2.page_shift != s.page_shift ||
	    s2.pbmt != s.pbmt || s2.perm != s.perm || s2.user != s.user ||
	    s2.msi != s.msi || s2.dirty != s.dirty || s2.iotval2 != s.iotval2 || s2.reported != s.reported)
		FAIL(r, "same request, same memory: cause %u pa 0x%" PRIx64 " shift %u pbmt %u, "
			"then cause %u pa 0x%" PRIx64 " shift %u pbmt %u (hit %d)", s.cause, s.pa,
		     s.page_shift, s.pbmt, s2.cause, s2.pa, s2.page_shift, s2.pbmt, s2.iotlb_hit);
	rv_check_mem(r, fqb, fq_on);
}

/* ---------------------------------------------------------------- ops -- */

static void op_words(struct rv *r)
{
	unsigned int n = 1 + u8(r) % 8;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t w = u16(r) % RV_WORDS, v = rv_gen(r);

		__atomic_store_n(&r->mem[w], v, __ATOMIC_RELAXED);
	}
}

/*
 * The device context of @did in whatever DDT ddtp names (directory pages
 * created from the input where missing); 0 when ddtp has no DDT.
 */
static uint64_t rv_dc_addr(struct rv *r, uint32_t did)
{
	uint64_t ddtp = rv_rd(r, 0x010, 8);
	bool ext = r->caps & GENPT_RVI_CAP_MSI_FLAT;
	unsigned int mode = (unsigned int)(ddtp & 0xf), b0 = ext ? 6 : 7;
	uint64_t table = rv_qbase(ddtp);

	if (mode < GENPT_RVI_DDTP_1LVL || mode > GENPT_RVI_DDTP_3LVL)
		return 0;
	for (unsigned int l = mode - 2; l > 0; l--) {
		unsigned int shift = b0 + 9 * (l - 1);
		uint64_t idx = (did >> shift) & (l == 2 ? 0xff : 0x1ff), e;

		e = rv_read_pa(r, table + idx * 8);
		if (!(e & 1)) {
			e = rv_ppn10(rv_page(u8(r))) | 1;
			rv_write_pa(r, table + idx * 8, e);
		}
		table = ((e >> 10) & ((1ull << 44) - 1)) << 12;
	}
	return table + (uint64_t)(did & ((1u << b0) - 1)) * (ext ? 64 : 32);
}

static uint32_t rv_did(struct rv *r)
{
	return u8(r) | (uint32_t)(u8(r) & 0x81) << 8;
}

/* DC.tc: V and a subset of the flags a working DC uses, sometimes anything. */
static uint64_t rv_tc(struct rv *r)
{
	uint8_t sel = u8(r);
	uint64_t tc = 1;

	if ((sel & 7) == 7)
		return rv_gen(r);
	tc |= (sel & 0x08) ? GENPT_RVI_TC_PDTV : 0;
	tc |= (sel & 0x10) ? GENPT_RVI_TC_GADE : 0;
	tc |= (sel & 0x20) ? GENPT_RVI_TC_SADE : 0;
	tc |= (sel & 0x40) ? GENPT_RVI_TC_DPE : 0;
	tc |= (sel & 0x80) ? GENPT_RVI_TC_DTF : 0;
	if ((sel & 7) == 6)
		tc |= (uint64_t)u16(r) << 1; /* and more: misconfigurations */
	return tc;
}

/* A device context for a device_id. */
static void op_dc(struct rv *r)
{
	uint32_t did = rv_did(r);
	bool ext = r->caps & GENPT_RVI_CAP_MSI_FLAT;
	uint64_t dc = rv_dc_addr(r, did), w[8];

	if (!dc)
		return;
	for (unsigned int i = 1; i < (ext ? 8u : 4u); i++)
		w[i] = rv_gen(r);
	w[0] = rv_tc(r);
	for (unsigned int i = (ext ? 7u : 3u); i > 0; i--)
		rv_write_pa(r, dc + i * 8, w[i]);
	rv_write_pa(r, dc, w[0]);
	TRACE(r, "dc for did 0x%x at 0x%" PRIx64 ": tc 0x%" PRIx64 " iohgatp 0x%" PRIx64
		 " ta 0x%" PRIx64 " fsc 0x%" PRIx64, did, dc, w[0], w[1], w[2], w[3]);
}

/* A process context for (did, pid) in the PDT the device context names
 * (making it one: PDTV and a pdtp if asked). */
static void op_pc(struct rv *r)
{
	uint8_t sel = u8(r);
	uint32_t did = rv_did(r), pid = (uint32_t)u16(r) | (uint32_t)(u8(r) & 0xf) << 16;
	uint64_t dc = rv_dc_addr(r, did), fsc, table;
	unsigned int mode, levels;

	if (!dc)
		return;
	if (sel & 1) {
		rv_write_pa(r, dc + 3 * 8, ((uint64_t)(1 + u8(r) % 3) << 60) | (rv_page(u8(r)) >> 12));
		rv_write_pa(r, dc, rv_read_pa(r, dc) | GENPT_RVI_TC_PDTV | 1);
	}
	fsc = rv_read_pa(r, dc + 3 * 8);
	mode = (unsigned int)(fsc >> 60);
	if (mode < GENPT_RVI_PDTP_PD8 || mode > GENPT_RVI_PDTP_PD20)
		return;
	levels = mode; /* PD8 1, PD17 2, PD20 3 */
	table = (fsc & ((1ull << 44) - 1)) << 12;
	for (unsigned int l = levels - 1; l > 0; l--) {
		uint64_t idx = l == 2 ? (pid >> 17) & 7 : (pid >> 8) & 0x1ff, e;

		e = rv_read_pa(r, table + idx * 8);
		if (!(e & 1)) {
			e = rv_ppn10(rv_page(u8(r))) | 1;
			rv_write_pa(r, table + idx * 8, e);
		}
		table = ((e >> 10) & ((1ull << 44) - 1)) << 12;
	}
	/* ta: V, ENS/SUM, PSCID; fsc: an iosatp */
	rv_write_pa(r, table + (pid & 0xff) * 16 + 8, (sel & 2) ? rv_gen(r) :
			((uint64_t)(8 + u8(r) % 3) << 60) | (rv_page(u8(r)) >> 12));
	rv_write_pa(r, table + (pid & 0xff) * 16,
		    GENPT_RVI_PC_TA_V | (u8(r) & 6) | ((uint64_t)(u8(r) & 7) << 12));
	TRACE(r, "pc for did 0x%x pid 0x%x (PD mode %u) at 0x%" PRIx64, did, pid, mode,
	      table + (pid & 0xff) * 16);
}

/* An extended device context's MSI page table (flat): msiptp, address
 * mask and pattern matching our memory, and basic-mode MSI PTEs. */
static void op_msi(struct rv *r)
{
	uint32_t did = rv_did(r);
	uint64_t dc = rv_dc_addr(r, did), page = rv_page(u8(r));
	uint64_t mask = u8(r) & 0xf;

	if (!dc || !(r->caps & GENPT_RVI_CAP_MSI_FLAT))
		return;
	rv_write_pa(r, dc + 4 * 8, (1ull << 60) | (page >> 12));
	rv_write_pa(r, dc + 5 * 8, mask);
	rv_write_pa(r, dc + 6 * 8, (RV_PM_BASE >> 12) + (u8(r) & 0xf));
	for (unsigned int i = 0, n = u8(r) % 8; i < n; i++) {
		uint64_t idx = u8(r) & 0xf;

		rv_write_pa(r, page + idx * 16, (u8(r) & 1) ? rv_gen(r) :
				rv_ppn10(rv_page(u8(r))) | 7); /* V, M = 3 */
	}
	TRACE(r, "msi table for did 0x%x at 0x%" PRIx64 " mask 0x%" PRIx64, did, page, mask);
}

/* A first-stage or G-stage path from a root page to a leaf. */
static void op_pt(struct rv *r)
{
	uint8_t sel = u8(r);
	unsigned int levels = 3 + (sel & 3) % 3, leaf = (sel >> 2) % levels;
	bool gstage = sel & 0x20;
	uint64_t table = rv_page(u8(r)), va = (uint64_t)u16(r) << 12 | (uint64_t)u8(r) << 30;
	uint64_t flags = u8(r) | 1;

	if (gstage)
		table &= ~0x3fffull; /* the 16 KiB root */
	if (sel & 0x40)
		va = RV_PM_BASE + ((uint64_t)(u8(r) % RV_PAGES) << 12);
	for (unsigned int l = levels - 1;; l--) {
		unsigned int shift = 12 + 9 * l;
		uint64_t idx = (va >> shift) & ((gstage && l == levels - 1) ? 0x7ff : 0x1ff);

		if (l == leaf) {
			uint64_t target = rv_page(u8(r)) & ~((1ull << shift) - 1);

			rv_write_pa(r, table + idx * 8, rv_ppn10(target) | flags);
			break;
		}
		{
			uint64_t e = rv_read_pa(r, table + idx * 8);

			if (!(e & 1) || (e & 0xe)) {
				e = rv_ppn10(rv_page(u8(r))) | 1;
				rv_write_pa(r, table + idx * 8, e);
			}
			table = ((e >> 10) & ((1ull << 44) - 1)) << 12;
		}
	}
	TRACE(r, "pt %s levels %u leaf level %u va 0x%" PRIx64, gstage ? "G" : "S1", levels,
	      leaf, va);
}

/* An identity G-stage for our memory: a 1 GiB leaf at GPA 0x80000000. */
static void op_gid(struct rv *r)
{
	uint8_t sel = u8(r);
	unsigned int levels = 3 + sel % 3;
	uint64_t root = rv_page(u8(r)) & ~0x3fffull, table = root;

	for (unsigned int l = levels - 1; l > 2; l--) {
		uint64_t next = rv_page(u8(r));

		rv_write_pa(r, table, rv_ppn10(next) | 1);
		table = next;
	}
	rv_write_pa(r, table + 2 * 8, rv_ppn10(RV_PM_BASE) | 0xdf);
	TRACE(r, "G-stage identity, %u levels, root 0x%" PRIx64, levels, root);
}

static void op_reg_write(struct rv *r)
{
	static const uint16_t offs[] = { 0x008, 0x010, 0x018, 0x020, 0x024, 0x028, 0x030,
					 0x034, 0x048, 0x04c, 0x054, 0x000, 0x2f8, 0x300,
					 0x038, 0x060 };
	uint8_t sel = u8(r);
	uint32_t off = (sel & 0x80) ? u16(r) : offs[sel % 16];
	unsigned int size = (sel & 0x40) ? 4 : 8;
	uint64_t v = rv_gen(r);
	int want, err;

	if ((sel & 0x30) == 0x30)
		size = 1 + u8(r) % 9;
	if (off == 0x020 || off == 0x024 || off == 0x030 || off == 0x034 || off == 0x048 ||
	    off == 0x04c || off == 0x054 || off == 0x008)
		size = (sel & 0x20) ? size : 4;
	/* cqb / fqb while their queue is on: UNSPECIFIED by the spec */
	if (((off & ~7u) == 0x018 && (rv_rd(r, 0x048, 4) & 0x10000)) ||
	    ((off & ~7u) == 0x028 && (rv_rd(r, 0x04c, 4) & 0x10000)))
		return;
	want = rv_reg_want(off, size);
	rv_snap(r);
	{
		uint64_t fqb = rv_rd(r, 0x028, 8);
		bool fq_on = rv_rd(r, 0x04c, 4) & 0x10000;

		err = genpt_rviommu_reg_write(r->iommu, off, size, v);
		TRACE(r, "reg_write 0x%x size %u value 0x%" PRIx64 ": %d", off, size, v, err);
		if (err != want)
			FAIL(r, "reg_write(0x%x, %u) = %d, spec wants %d", off, size, err, want);
		rv_check_mem(r, fqb, fq_on);
	}
	if (!err && off == 0x010 && size == 8 && (v & 0xf) <= 4 &&
	    (rv_rd(r, 0x010, 8) & 0xf) != (v & 0xf))
		FAIL(r, "ddtp mode %u written, reads %u", (unsigned int)(v & 0xf),
		     (unsigned int)(rv_rd(r, 0x010, 8) & 0xf));
}

static void op_reg_read(struct rv *r)
{
	uint8_t sel = u8(r);
	uint32_t off = u16(r) & ((sel & 1) ? 0x3ff : 0x1fff);
	unsigned int size = (sel & 2) ? 4 : (sel & 4) ? 8 : 1 + u8(r) % 9;
	uint64_t v;
	int err = genpt_rviommu_reg_read(r->iommu, off, size, &v);

	if (err != rv_reg_want(off, size))
		FAIL(r, "reg_read(0x%x, %u) = %d, spec wants %d", off, size, err,
		     rv_reg_want(off, size));
}

/* Program and enable the queues in our memory. */
static void op_queues(struct rv *r)
{
	uint8_t sel = u8(r);
	uint64_t cqb = rv_ppn10(rv_page(u8(r))) | (sel & 7);
	uint64_t fqb = rv_ppn10(rv_page(u8(r))) | ((sel >> 3) % 7);

	rv_snap(r);
	if (genpt_rviommu_reg_write(r->iommu, 0x048, 4, 0) ||
	    genpt_rviommu_reg_write(r->iommu, 0x04c, 4, 0) ||
	    genpt_rviommu_reg_write(r->iommu, 0x018, 8, cqb) ||
	    genpt_rviommu_reg_write(r->iommu, 0x028, 8, fqb) ||
	    genpt_rviommu_reg_write(r->iommu, 0x048, 4, 1 | ((sel >> 6) & 2)) ||
	    genpt_rviommu_reg_write(r->iommu, 0x04c, 4, 1 | ((sel >> 5) & 2)))
		FAIL(r, "queue register writes refused");
	rv_check_mem(r, 0, false);
	TRACE(r, "queues cqb 0x%" PRIx64 " fqb 0x%" PRIx64, cqb, fqb);
}

/* One command at the tail, then cqt moves (and the model runs it). */
static void op_command(struct rv *r)
{
	uint64_t cqb = rv_rd(r, 0x018, 8), cqt = rv_rd(r, 0x024, 4);
	uint64_t slot = rv_qbase(cqb) + cqt * 16, d0, d1, fqb;
	uint8_t sel = u8(r);
	bool fq_on;
	int err;

	switch (sel % 8) {
	case 0: /* IOTINVAL.VMA / GVMA with flags */
		d0 = 1 | ((uint64_t)(u8(r) & 1) << 7) | ((uint64_t)u8(r) & 0x4) << 8 |
		     ((uint64_t)(u8(r) & 7) << 12) | ((uint64_t)(u8(r) & 3) << 32) |
		     ((uint64_t)(u8(r) & 3) << 44);
		d1 = rv_ppn10((uint64_t)u16(r) << 12);
		break;
	case 1: /* IOFENCE.C, AV with an address in (or near) our memory */
		d0 = 2 | ((uint64_t)(u8(r) & 1) << 10) | ((uint64_t)u16(r) << 32) |
		     ((uint64_t)(u8(r) & 7) << 11);
		d1 = (rv_page(u8(r)) + (u16(r) & 0xffc)) >> 2;
		break;
	case 2: /* IODIR.INVAL_DDT / INVAL_PDT */
		d0 = 3 | ((uint64_t)(u8(r) & 1) << 7) | ((uint64_t)(u8(r) & 3) << 12) |
		     ((uint64_t)(u8(r) & 1) << 33) | ((uint64_t)u8(r) << 40);
		d1 = 0;
		break;
	case 3: /* ATS: illegal without the capability; else ATS.INVAL/PRGR */
		d0 = 4;
		d1 = 0;
		if (r->caps & GENPT_RVI_CAP_ATS) {
			d0 |= ((uint64_t)(u8(r) & 1) << 7) | ((uint64_t)u8(r) << 40);
			d1 = ((uint64_t)u16(r) << 12) | ((uint64_t)(u8(r) & 1) << 11);
		}
		break;
	default:
		d0 = rv_gen(r);
		d1 = rv_gen(r);
		break;
	}
	rv_write_pa(r, slot, d0);
	rv_write_pa(r, slot + 8, d1);
	rv_snap(r);
	fqb = rv_rd(r, 0x028, 8);
	fq_on = rv_rd(r, 0x04c, 4) & 0x10000;
	err = genpt_rviommu_reg_write(r->iommu, 0x024, 4, (cqt + 1) & rv_qmask(cqb));
	TRACE(r, "command 0x%016" PRIx64 " 0x%016" PRIx64 " at 0x%" PRIx64 ": %d, cqcsr 0x%"
		 PRIx64, d0, d1, slot, err, rv_rd(r, 0x048, 4));
	if (err)
		FAIL(r, "cqt write refused: %d", err);
	rv_check_mem(r, fqb, fq_on);
}

static void op_ddtp(struct rv *r)
{
	uint8_t sel = u8(r);
	uint64_t v = rv_ppn10(rv_page(u8(r))) | (sel % 6);

	if (sel & 0x80)
		v |= 0x10; /* busy is read-only */
	rv_snap(r);
	if (genpt_rviommu_reg_write(r->iommu, 0x010, 8, v))
		FAIL(r, "ddtp write refused");
	rv_check_mem(r, 0, false);
	if ((sel % 6) <= 4 && (rv_rd(r, 0x010, 8) & 0xf) != sel % 6)
		FAIL(r, "ddtp mode %u written, reads 0x%" PRIx64, sel % 6, rv_rd(r, 0x010, 8));
	TRACE(r, "ddtp 0x%" PRIx64, v);
}

static void op_dma(struct rv *r)
{
	uint8_t sel = u8(r), buf[8192];
	uint32_t did = u8(r) | ((sel & 0x80) ? 1u << 24 : 0);
	uint64_t iova = (uint64_t)u16(r) << 8, fqb = rv_rd(r, 0x028, 8);
	size_t len = u16(r) % sizeof(buf);
	unsigned int access = (sel & 3) == 3 ? 0 : (sel & 1) ? GENPT_ACCESS_EXEC : GENPT_ACCESS_READ;
	bool fq_on = rv_rd(r, 0x04c, 4) & 0x10000;
	int err, ok;

	rv_snap(r);
	if ((r->caps & GENPT_RVI_CAP_ATS) && (sel & 4) && access) {
		/* through the ATC of one device (the first the input names) */
		if (!r->atc && genpt_rviommu_atc_create(r->iommu, did & 0xffffff, 4, &r->atc))
			FAIL(r, "atc_create refused");
		err = genpt_rviommu_atc_dma(r->atc, iova, buf, len, access);
		did &= 0xffffff;
	} else {
		err = genpt_rviommu_dma(r->iommu, did, iova, buf, len, access);
	}
	TRACE(r, "dma did 0x%x iova 0x%" PRIx64 " len %zu access %u: %d", did, iova, len, access,
	      err);
	ok = (did < (1u << 24) && access) ?
		     (err == 0 || err == -EFAULT || (r->hooked && err == -EIO)) :
		     err == -EINVAL;
	if (!ok)
		FAIL(r, "dma returned %d", err);
	rv_check_mem(r, fqb, fq_on);
}

/* The memory hook: every access must be well formed; poisoned ones fail. */
static enum genpt_rviommu_mem_verdict rv_hook(void *ctx, const struct genpt_rviommu_access *a)
{
	struct rv *r = ctx;
	bool sized = a->what == GENPT_RVIOMMU_MEM_DATA ? a->size && a->size <= 4096 :
		     a->what == GENPT_RVIOMMU_MEM_DDT ? a->size == 8 || a->size == 32 || a->size == 64 :
		     a->what == GENPT_RVIOMMU_MEM_PDT ? a->size == 8 || a->size == 16 :
		     a->what == GENPT_RVIOMMU_MEM_MSI_PTE ? a->size == 16 :
		     a->what == GENPT_RVIOMMU_MEM_QUEUE ? a->size == 4 || a->size == 16 ||
							  a->size == 32 : a->size == 8;

	if (a->what < GENPT_RVIOMMU_MEM_DDT || a->what > GENPT_RVIOMMU_MEM_QUEUE || !sized ||
	    a->op < GENPT_RVIOMMU_MEM_READ || a->op > GENPT_RVIOMMU_MEM_AMO ||
	    (a->op == GENPT_RVIOMMU_MEM_AMO) != (a->what == GENPT_RVIOMMU_MEM_AD) ||
	    (a->device_id >> 24))
		FAIL(r, "hook: what %d op %d size %u pa 0x%" PRIx64 " did 0x%x", a->what, a->op,
		     a->size, a->pa, a->device_id);
	if ((r->poison_what >> a->what) & 1 && (a->pa >> 12) == (r->poison_pa >> 12))
		return r->poison;
	return GENPT_RVIOMMU_MEM_PROCEED;
}

static void op_hook(struct rv *r)
{
	uint8_t sel = u8(r);

	r->poison_pa = rv_page(u8(r));
	r->poison_what = (unsigned int)u8(r) << 1;
	r->poison = (sel & 1) ? GENPT_RVIOMMU_MEM_CORRUPT : GENPT_RVIOMMU_MEM_ACCESS_FAULT;
	r->hooked |= r->poison_what != 0;
	TRACE(r, "hook: page 0x%" PRIx64 " kinds 0x%x verdict %d", r->poison_pa, r->poison_what,
	      r->poison);
}

/* ------------------------------------------------------------- setup -- */

static uint64_t rv_caps(struct rv *r, int *want)
{
	uint8_t a = u8(r), b = u8(r);
	uint64_t caps = 0x10 | GENPT_RVI_CAP_PD8 | GENPT_RVI_CAP_PD17 | GENPT_RVI_CAP_PD20;
	unsigned int pas = (b & 0x80) ? 32 + b % 25 : 56;

	*want = 0;
	caps |= (a & 1) ? GENPT_RVI_CAP_MSI_FLAT : 0;
	caps |= (a & 2) ? 0 : GENPT_RVI_CAP_AMO_HWAD;
	caps |= (a & 4) ? 0 : GENPT_RVI_CAP_SVPBMT;
	caps |= (a & 8) ? GENPT_RVI_CAP_SV39 | GENPT_RVI_CAP_SV48 :
			  GENPT_RVI_CAP_SV39 | GENPT_RVI_CAP_SV48 | GENPT_RVI_CAP_SV57;
	caps |= (a & 16) ? GENPT_RVI_CAP_SV39X4 :
			   GENPT_RVI_CAP_SV39X4 | GENPT_RVI_CAP_SV48X4 | GENPT_RVI_CAP_SV57X4;
	caps |= (uint64_t)((a >> 5) % 3) << 28; /* IGS 0..2 */
	caps |= GENPT_RVI_CAP_PAS(pas);
	if ((b & 0x60) != 0x60 && (b & 0x10))
		caps |= GENPT_RVI_CAP_ATS | ((b & 8) ? GENPT_RVI_CAP_T2GPA : 0);
	if ((b & 0x60) == 0x60) {
		/* refused: an unimplemented capability, IGS 3, PAS 0 or > 56 */
		static const uint64_t badbits[6] = { GENPT_RVI_CAP_SV32, GENPT_RVI_CAP_T2GPA,
						     GENPT_RVI_CAP_HPM, GENPT_RVI_CAP_MSI_MRIF,
						     GENPT_RVI_CAP_QOSID, GENPT_RVI_CAP_END };

		switch (b & 7) {
		case 0:
			caps |= 3ull << 28;
			break;
		case 1:
			caps &= ~GENPT_RVI_CAP_PAS_MASK;
			break;
		case 2:
			caps = (caps & ~GENPT_RVI_CAP_PAS_MASK) | GENPT_RVI_CAP_PAS(57);
			break;
		default:
			caps |= badbits[(b >> 3) % 6];
			break;
		}
		*want = -EINVAL;
	}
	return caps;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv rs, *r = &rs;
	struct genpt_rviommu_config cfg;
	uint8_t c;
	int want, err;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->size = size;
	r->trace = getenv("GENPT_FUZZ_TRACE") != NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.capabilities = rv_caps(r, &want);
	c = u8(r);
	cfg.iotlb_entries = (c & 15) * 4;
	cfg.dc_cache_entries = (c >> 4) * 2;
	cfg.mem_hook = rv_hook;
	cfg.mem_hook_ctx = r;
	r->pm = rv_pm_get();
	r->mem = genpt_physmem_ptr(r->pm, RV_PM_BASE);
	r->snap = rv_snap_buf;
	memset(r->snap, 0, RV_PM_SIZE); /* the image's copy: zero, as the image */
	if (!r->mem)
		abort();
	err = genpt_rviommu_create(&cfg, &genpt_physmem_ops, r->pm, &r->iommu);
	TRACE(r, "create caps 0x%" PRIx64 " iotlb %u dc %u: %d", cfg.capabilities,
	      cfg.iotlb_entries, cfg.dc_cache_entries, err);
	if (err != want)
		FAIL(r, "genpt_rviommu_create(caps 0x%" PRIx64 ") = %d, want %d",
		     cfg.capabilities, err, want);
	if (err)
		goto out;
	r->caps = cfg.capabilities;
	/* reset state: Off, queues off */
	if ((rv_rd(r, 0x010, 8) & 0xf) != GENPT_RVI_DDTP_OFF)
		FAIL(r, "ddtp not Off after reset");
	rv_check_regs(r);

	for (r->op = 1; r->pos < r->size && r->op <= RV_MAX_OPS; r->op++) {
		uint8_t op = u8(r);
		struct genpt_rviommu_req q;

		switch (op % 17) { /* 16: dma (op % 16 never reached it) */
		case 0:
		case 1:
			r->opname = "memory words";
			op_words(r);
			break;
		case 2:
			r->opname = "device context";
			op_dc(r);
			break;
		case 3:
			r->opname = "page-table path";
			op_pt(r);
			break;
		case 4:
			r->opname = "G-stage identity";
			op_gid(r);
			break;
		case 5:
			r->opname = "register write";
			op_reg_write(r);
			break;
		case 6:
			r->opname = "register read";
			op_reg_read(r);
			break;
		case 7:
		case 8:
			r->opname = "translate";
			rv_make_req(r, &q);
			rv_translate(r, &q);
			break;
		case 9: {
			unsigned int n = 1 + u8(r) % 16;
			uint64_t stride = 4096ull << (u8(r) % 19);

			r->opname = "translate burst";
			rv_make_req(r, &q);
			for (unsigned int i = 0; i < n; i++) {
				rv_translate(r, &q);
				q.iova += stride;
			}
			break;
		}
		case 10:
			r->opname = "queues";
			op_queues(r);
			break;
		case 11:
			r->opname = "command";
			op_command(r);
			break;
		case 12:
			r->opname = "ddtp";
			op_ddtp(r);
			break;
		case 13:
			r->opname = "memory hook";
			op_hook(r);
			break;
		case 14:
			r->opname = "process context";
			op_pc(r);
			break;
		case 15:
			r->opname = "MSI page table";
			op_msi(r);
			break;
		default:
			r->opname = "dma";
			op_dma(r);
			break;
		}
		rv_check_regs(r);
	}
	{
		struct genpt_rviommu_stats st;

		if (genpt_rviommu_stats(r->iommu, &st))
			FAIL(r, "stats refused");
		if (st.iotlb_hits + st.iotlb_misses > st.translations || st.faults > st.translations ||
		    st.fault_records > st.faults)
			FAIL(r, "stats: %" PRIu64 " translations, %" PRIu64 " hits, %" PRIu64
				" misses, %" PRIu64 " faults, %" PRIu64 " records", st.translations,
			     st.iotlb_hits, st.iotlb_misses, st.faults, st.fault_records);
	}
	genpt_rviommu_atc_destroy(r->atc);
	genpt_rviommu_destroy(r->iommu);
out:
	rv_pm_put(r->pm);
	return 0;
}

/* ------------------------------------------------------------- seeds -- */

/*
 * Seeds.  s1: queues at pages 1 and 2, a 1-level DDT at page 0, device 5
 * with an Sv39 first stage at page 4 (SADE) mapping iova 0x5000 to page 8,
 * reads, a write, an unmapped fetch, an IOFENCE.C with AV, a burst, a DMA
 * read; device 6 with a PD8 process directory whose PC 3 uses the same
 * table.  gstage: 64-byte DCs, a 2-level DDT, device 7 with an identity
 * Sv39x4 G-stage (GADE) and a Bare first stage, an MSI flat table, odd
 * register accesses.
 */
static const uint8_t rv_seed_s1[] = {
	0x00, 0x00, 0x00,
	0x0a, 0x15, 0x01, 0x02,
	0x0c, 0x02, 0x00,
	0x02, 0x05, 0x00, 0x00, 0x07, 0x01, 0x00, 0x05, 0x01, 0x00, 0x04, 0x20,
	0x03, 0x00, 0x04, 0x05, 0x00, 0x00, 0xdf, 0x05, 0x06, 0x08,
	0x07, 0x00, 0x05, 0x02, 0x05, 0x00, 0x10,
	0x07, 0x01, 0x05, 0x02, 0x05, 0x00, 0x10,
	0x07, 0x03, 0x05, 0x04, 0x00, 0x60,
	0x0b, 0x01, 0x01, 0x34, 0x12, 0x00, 0x03, 0x00, 0x01,
	0x09, 0x07, 0x00, 0x00, 0x05, 0x02, 0x05, 0x00, 0x00,
	0x0d, 0x00, 0x05, 0x00, 0x50, 0x00, 0x10,
	0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x08,
	0x0e, 0x01, 0x06, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0x00, 0x04, 0x00, 0x02,
	0x07, 0x08, 0x06, 0x03, 0x02, 0x05, 0x00, 0x20,
};

static const uint8_t rv_seed_g[] = {
	0x01, 0x00, 0x21,
	0x0a, 0x15, 0x01, 0x02,
	0x0c, 0x03, 0x00,
	0x02, 0x07, 0x00, 0x06, 0x05, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10,
	0x04, 0x00, 0x04,
	0x07, 0x00, 0x07, 0x01, 0x10, 0x20,
	0x07, 0x01, 0x07, 0x01, 0x00, 0x30,
	0x0f, 0x07, 0x00, 0x0a, 0x03, 0x0c, 0x02, 0x00, 0x00, 0x0b, 0x01, 0x00, 0x0b,
	0x07, 0x01, 0x07, 0x01, 0x00, 0xc0,
	0x06, 0x00, 0x00, 0x00, 0x04,
	0x05, 0x30, 0x00, 0x04,
};

static const struct fuzz_seed rv_seeds[] = {
	{ "s1", rv_seed_s1, sizeof(rv_seed_s1) },
	{ "gstage", rv_seed_g, sizeof(rv_seed_g) },
};

static void rv_seed(size_t i, struct fuzz_seed *s)
{
	*s = rv_seeds[i];
}

const struct fuzz_target_info fuzz_target = {
	.name = "fuzz_rviommu",
	.nseeds = sizeof(rv_seeds) / sizeof(rv_seeds[0]),
	.seed = rv_seed,
	.max_len = 1200,
};
