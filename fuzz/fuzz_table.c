// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_table.c - libFuzzer target for the RISC-V table engine.
 *
 * The input is a little program:
 *
 *   byte 0   config: bits 1:0 Sv39/Sv48/Sv57/va_bits=0 (widest), bit 2
 *            G-stage (SvNNx4), bit 3 Svnapot, bit 4 Svpbmt, bit 5 host
 *            memory instead of genpt_physmem, bits 7:6 oa_bits
 *            (0 = format max, 48, 32, 40)
 *   byte 1   physmem: bits 2:0 base, bits 7:3 size (most are large; some
 *            are a few pages, so -ENOMEM paths run and are predicted)
 *   byte 2   0xff..0xf8: a deliberately bad config, which must give -EINVAL
 *   then     operations: one opcode byte and its arguments each, drawn from
 *            the bytes that follow with a bias toward interesting values
 *            (4K/64K/2M/1G/512G sizes and alignments, the ends of the input
 *            space, the canonical hole, 2^64, misaligned values, ranges
 *            used before).  Missing bytes read as 0.
 *
 * Every result is checked against the model in fuzz_model.c: the errno
 * class, the output values, the dirty bitmap (every word, bits outside the
 * query included), the gather (untouched unless the contract lets it
 * change, and covering every removed or cleaned leaf), the table memory
 * (exactly what the leaves need, empty tables freed), and the physmem
 * accounting.  Periodically (where the operations since the last check
 * acted, fuzz_changed.h) and in full at the end the real table memory is
 * walked with a decoder written here from the RISC-V privileged spec and
 * compared with the model leaf by leaf (level, output address,
 * W/X/D/N/PBMT).  After destroy the physmem must be empty again.  Any
 * mismatch aborts.
 *
 * Set GENPT_FUZZ_TRACE=1 to print every operation (for reproducers), and
 * GENPT_FUZZ_THREADS=2 (the replay's --threads 2) to run the operations
 * from two threads on the two halves of the address space (fuzz_halves.h).
 */
#define _DEFAULT_SOURCE

#include "fuzz_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_carry.h"
#include "fuzz_changed.h"
#include "fuzz_halves.h"
#include "fuzz_model.h"
#include "fuzz_tablebytes.h"
#include "genpt/genpt.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

#define FZ_MAX_OPS 300
#define FZ_MAX_PLAN 1024    /* leaves one map may write */
#define FZ_MAX_LEAVES 4096  /* leaves the model may hold */
#define FZ_MAX_BITS (1u << 14)
#define FZ_VERIFY_EVERY 48
#define FZ_RECENT 8

#define PROT_ALL (GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO | GENPT_CACHE)

/* RISC-V PTE bits, from the privileged spec (not from lib/fmt). */
#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_N (1ull << 63)
#define PTE_PBMT(e) (((e) >> 61) & 3)
#define PTE_RSVD(e) (((e) >> 54) & 0x7f)
#define PTE_PPN(e) ((uint64_t)(((e) >> 10) & ((1ull << 44) - 1)))

struct fz {
	const uint8_t *data;
	size_t size, pos;
	unsigned int checks; /* state checks so far: every 4th reclaims */

	struct fm_model m;
	struct genpt *pt;
	struct genpt_physmem *pm; /* NULL: host memory */
	uint64_t pm_base, pm_size;

	struct genpt_gather g;
	/* What the gather must cover (req) and may cover (allow). */
	bool req, allow;
	uint64_t req_lo, req_hi, allow_lo, allow_hi;

	uint64_t recent_iova[FZ_RECENT], recent_len[FZ_RECENT];
	unsigned int nrecent, recent_next;

	struct fc_carry carry; /* dirty ranges the table carries (fuzz_carry.h) */
	struct fm_leaf *plan;
	uint64_t *bits, *want;
	uint64_t rng;
	unsigned int op;
	const char *opname;
	bool trace;
	struct fch_set ch; /* what changed since the last verify */
	struct fh_half h; /* a side of the two-thread mode (fuzz_halves.h) */
};

#define FAIL(f, ...)                                                        \
	do {                                                                \
		fprintf(stderr, "fuzz_table: MISMATCH in op %u (%s): ",     \
			(f)->op, (f)->opname ? (f)->opname : "setup");      \
		fprintf(stderr, __VA_ARGS__);                               \
		fputc('\n', stderr);                                        \
		abort();                                                    \
	} while (0)

#define TRACE(f, ...)                                                       \
	do {                                                                \
		if ((f)->trace) {                                           \
			fprintf(stderr, "[%u] ", (f)->op);                  \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
		}                                                           \
	} while (0)

/* ------------------------------------------------------------- input -- */

static uint8_t u8(struct fz *f)
{
	return f->pos < f->size ? f->data[f->pos++] : 0;
}

static uint16_t u16(struct fz *f)
{
	uint16_t v = u8(f);

	return (uint16_t)(v | (uint16_t)u8(f) << 8);
}

static uint32_t u32(struct fz *f)
{
	uint32_t v = u16(f);

	return v | (uint32_t)u16(f) << 16;
}

static uint64_t u64(struct fz *f)
{
	uint64_t v = u32(f);

	return v | (uint64_t)u32(f) << 32;
}

/* Deterministic filler (bitmap contents), seeded from the input. */
static uint64_t fz_rand(struct fz *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const uint64_t fz_scales[4] = { 4 * KiB, 64 * KiB, 2 * MiB, GiB };

/* A base address region; *down: offsets are taken below it. */
static uint64_t fz_arena(const struct fz *f, unsigned int sel, bool *down)
{
	unsigned int v = f->m.va_bits;

	*down = false;
	switch (sel % 10) {
	case 0:
		return 0;
	case 1:
		return 3 * GiB;
	case 2:
		return 1ull << 39;
	case 3:
		return 5 * GiB + 7 * 2 * MiB;
	case 4: /* top of the lower half / of the GPA space */
		*down = true;
		return f->m.sign_extend ? 1ull << (v - 1) : 1ull << v;
	case 5: /* bottom of the upper half */
		return f->m.sign_extend ? 0 - (1ull << (v - 1)) : 1ull << (v - 1);
	case 6: /* top of the 64-bit space */
		*down = true;
		return 0;
	case 7: /* just past the lower half: non-canonical first stage */
		return 1ull << (v - 1);
	case 8:
		return 1ull << 63;
	default:
		return 1ull << 47;
	}
}

static void fz_recent(struct fz *f, uint64_t iova, uint64_t len)
{
	f->recent_iova[f->recent_next] = iova;
	f->recent_len[f->recent_next] = len;
	f->recent_next = (f->recent_next + 1) % FZ_RECENT;
	if (f->nrecent < FZ_RECENT)
		f->nrecent++;
}

static uint64_t fz_iova(struct fz *f)
{
	uint8_t sel = u8(f);
	unsigned int v = f->m.va_bits;
	uint64_t va;

	switch (sel & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: {
		bool down;
		uint64_t base = fz_arena(f, u8(f), &down);
		uint64_t scale = fz_scales[(sel >> 4) & 3];
		uint64_t off = (uint64_t)u8(f) * scale;

		va = down ? base - off - scale : base + off;
		break;
	}
	case 6: case 7: case 8: case 9:
		if (f->nrecent) {
			uint8_t r = u8(f);
			unsigned int k = r % f->nrecent;
			int8_t delta = (int8_t)u8(f);

			va = f->recent_iova[k];
			if (r & 0x80)
				va += f->recent_len[k];
			va += (uint64_t)(int64_t)delta * 4096;
		} else {
			va = 3 * GiB;
		}
		break;
	case 10:
		if (f->m.n) {
			const struct fm_leaf *l = &f->m.leaf[u16(f) % f->m.n];
			int8_t delta = (int8_t)u8(f);

			va = ((sel & 0x10) ? l->last + 1 : l->first) +
			     (uint64_t)(int64_t)delta * 4096;
		} else {
			va = 0;
		}
		break;
	case 11:
		va = u64(f);
		break;
	case 12:
		va = u64(f) & ~0xfffull;
		break;
	default: {
		const uint64_t edges[] = {
			0,
			0 - 4 * KiB,
			(1ull << (v - 1)) - 4 * KiB,
			0 - (1ull << (v - 1)),
			1ull << (v - 1),
			(1ull << v) - 4 * KiB,
			1ull << v,
			(1ull << v) - 2 * MiB,
			0 - GiB,
			(1ull << (v - 1)) - GiB,
		};

		va = edges[u8(f) % (sizeof(edges) / sizeof(edges[0]))];
		break;
	}
	}
	if (sel >= 0xf8)
		va += 1 + u8(f) % 0xfff; /* misaligned */
	/* the other side of the two-thread mode: addresses near what this
	 * side mapped before stay; arenas and edges move to its half */
	return (sel & 15) >= 6 && (sel & 15) <= 10 ? va : va ^ f->h.flip;
}

/* An address for a single access: usually inside something mapped. */
static uint64_t fz_va(struct fz *f)
{
	uint8_t sel = u8(f);

	if ((sel & 3) != 0 && f->m.n) {
		const struct fm_leaf *l = &f->m.leaf[u16(f) % f->m.n];
		uint64_t off = (uint64_t)u32(f) << 12 | (sel >> 4);

		return l->first + off % fm_size(l);
	}
	return fz_iova(f) + (u16(f) & 0xfff);
}

static uint64_t fz_len(struct fz *f, uint64_t iova)
{
	uint8_t sel = u8(f);

	switch (sel & 7) {
	case 0:
	case 1:
		return 4 * KiB * (1 + u8(f) % 64);
	case 2:
		return 64 * KiB * (1 + u8(f) % 16);
	case 3:
		return 2 * MiB * (1 + u8(f) % 4);
	case 4: {
		const uint64_t l[] = { GiB, 2 * MiB + 4 * KiB, 2 * MiB - 4 * KiB,
				       64 * KiB + 4 * KiB, GiB - 4 * KiB,
				       GiB + 2 * MiB, 512 * GiB, 4 * KiB };

		return l[u8(f) % 8];
	}
	case 5:
		if ((sel & 8) && f->nrecent)
			return f->recent_len[u8(f) % f->nrecent];
		return 0 - iova; /* up to 2^64 */
	case 6: {
		const uint64_t l[] = { 0, 1, 4095, 4097, 0 - 4 * KiB, 1ull << 63,
				       0 - iova + 4 * KiB, 0 - iova - 4 * KiB };

		return l[u8(f) % 8];
	}
	default:
		return (sel & 8) ? u64(f) & ~0xfffull : (uint64_t)u16(f) << 12;
	}
}

static uint64_t fz_oa(struct fz *f, uint64_t iova, uint64_t len)
{
	uint8_t sel = u8(f);
	uint64_t top = 1ull << f->m.oa_bits;

	switch (sel & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: {
		/* congruent with iova: large leaves possible */
		const uint64_t al[4] = { GiB, 2 * MiB, 64 * KiB, 512 * GiB };
		uint64_t a = al[(sel >> 4) & 3];

		return (uint64_t)u8(f) * a + (iova & (a - 1));
	}
	case 7: case 8:
		return iova & (top - 1) & ~0xfffull;
	case 9: case 10: case 11:
		return (uint64_t)u32(f) << 12;
	case 12: case 13: /* at the top of the output space */
		return top - len + ((uint64_t)(u8(f) % 3) - 1) * 4 * KiB;
	case 14:
		return ((uint64_t)u32(f) << 12) + 1 + u8(f) % 0xfff;
	default:
		return u64(f);
	}
}

static unsigned int fz_prot(struct fz *f)
{
	static const unsigned int p[] = {
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE,
		GENPT_READ,
		GENPT_WRITE,
		GENPT_READ | GENPT_WRITE | GENPT_NOEXEC,
		GENPT_READ | GENPT_NOEXEC,
		GENPT_READ | GENPT_WRITE | GENPT_MMIO,
		GENPT_READ | GENPT_MMIO | GENPT_NOEXEC,
		GENPT_READ | GENPT_WRITE | GENPT_MMIO | GENPT_CACHE,
		GENPT_WRITE | GENPT_NOEXEC | GENPT_CACHE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE | GENPT_NOEXEC,
		GENPT_READ,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE | GENPT_CACHE | GENPT_NOEXEC,
		GENPT_WRITE,
		0,
		GENPT_NOEXEC,
		1u << 5,
		GENPT_READ | (1u << 31),
	};

	return p[u8(f) % (sizeof(p) / sizeof(p[0]))];
}

/* ------------------------------------------------------------ checks -- */

static void fz_errno(struct fz *f, int got, int want, const char *what)
{
	if (got != want)
		FAIL(f, "%s returned %d, model expects %d", what, got, want);
}

static uint64_t fz_pm_bytes(struct fz *f, uint64_t *blocks)
{
	uint64_t b = 0, n = 0;

	if (genpt_physmem_stats(f->pm, &b, &n))
		FAIL(f, "genpt_physmem_stats failed");
	if (blocks)
		*blocks = n;
	return b;
}

/*
 * Table memory, physmem accounting and the tracking switch.  Unmaps leave
 * the empty tables they cover in part and a failed map those it added
 * (genpt_map(), genpt_unmap()), so the table may hold more than the model's
 * tables; every 4th check reclaims them and the count must then be exact.
 * The others leave them, so later maps meet (and reuse or replace) them.
 */
static void fz_check_state(struct fz *f)
{
	uint64_t tb = 0, model = fm_table_bytes(&f->m);
	char msg[160];

	if (genpt_dirty_tracking(f->pt) != (f->m.tracking ? 1 : 0))
		FAIL(f, "genpt_dirty_tracking() disagrees");
	/* a side of the two-thread mode sees half the table: the totals are
	 * checked once both sides are done */
	if (f->h.on)
		return;
	if (!ftb_check(f->pt, &f->checks, model, f->m.n, &tb, msg, sizeof(msg)))
		FAIL(f, "%s", msg);
	if (f->pm) {
		uint64_t blocks, b = fz_pm_bytes(f, &blocks);

		/* Pages waiting in the gather are allocated but not counted. */
		if (b < tb)
			FAIL(f, "physmem holds %" PRIu64 " bytes < table bytes %" PRIu64, b, tb);
		if (!f->g.freed && (b != tb || (tb == model && blocks != 1 + fm_tables(&f->m))))
			FAIL(f, "physmem holds %" PRIu64 " bytes in %" PRIu64
				" blocks with an empty gather, model: %" PRIu64 " in %" PRIu64,
			     b, blocks, tb, 1 + fm_tables(&f->m));
	}
}

static int fz_model_translate(struct fz *f, uint64_t va, uint64_t *oa)
{
	int err = fm_check_va(&f->m, va);
	long i;

	if (err)
		return err;
	i = fm_find(&f->m, va);
	if (i < 0)
		return -ENOENT;
	*oa = f->m.leaf[i].oa + (va - f->m.leaf[i].first);
	return 0;
}

/* The call on [@iova, @iova + @len) may change that range (fuzz_changed.h;
 * a range it must refuse: only its first address). */
static void fz_touch(struct fz *f, uint64_t iova, uint64_t len)
{
	uint64_t last;

	fch_add_len(&f->ch, iova, fm_check_iova(&f->m, iova, len, &last) ? 1 : len);
}

static void fz_check_va(struct fz *f, uint64_t va)
{
	uint64_t oa = 0xdeadbeef, want = 0;
	int err, werr;

	if (!fh_mine(&f->h, va, 1, false, 0))
		return; /* the other side's half */
	err = genpt_iova_to_phys(f->pt, va, &oa);
	werr = fz_model_translate(f, va, &want);

	if (err != werr)
		FAIL(f, "iova_to_phys(0x%" PRIx64 ") = %d, model %d", va, err, werr);
	if (!err && oa != want)
		FAIL(f, "iova_to_phys(0x%" PRIx64 ") -> 0x%" PRIx64 ", model 0x%" PRIx64,
		     va, oa, want);
}

/* Translations around and inside [first, last] after an operation. */
static void fz_check_range(struct fz *f, uint64_t first, uint64_t last)
{
	size_t i, k;

	fz_check_va(f, first);
	fz_check_va(f, first - 4 * KiB);
	fz_check_va(f, last);
	fz_check_va(f, last & ~0xfffull);
	fz_check_va(f, last + 1);
	fz_check_va(f, first + ((last - first) / 2 & ~0xfffull));
	i = fm_lower(&f->m, first);
	for (k = 0; k < 12 && i + k < f->m.n && f->m.leaf[i + k].first <= last; k++) {
		const struct fm_leaf *l = &f->m.leaf[i + k];

		fz_check_va(f, l->first);
		fz_check_va(f, l->last);
		fz_check_va(f, l->first - 1);
		fz_check_va(f, l->last + 1);
	}
}

static void fz_gather_snap(const struct fz *f, struct genpt_gather *s)
{
	*s = f->g;
}

static void fz_gather_same(struct fz *f, const struct genpt_gather *s)
{
	if (s->start != f->g.start || s->last != f->g.last || s->freed != f->g.freed)
		FAIL(f, "gather changed: [0x%" PRIx64 ", 0x%" PRIx64 "] %p -> "
			"[0x%" PRIx64 ", 0x%" PRIx64 "] %p", s->start, s->last,
		     s->freed, f->g.start, f->g.last, f->g.freed);
}

static void fz_hull(bool *has, uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b)
{
	if (!*has) {
		*has = true;
		*lo = a;
		*hi = b;
		return;
	}
	if (a < *lo)
		*lo = a;
	if (b > *hi)
		*hi = b;
}

/* The gather covers every range it must and nothing it may not. */
static void fz_gather_check(struct fz *f)
{
	bool empty = f->g.start > f->g.last;

	if (f->req && (empty || f->g.start > f->req_lo || f->g.last < f->req_hi))
		FAIL(f, "gather [0x%" PRIx64 ", 0x%" PRIx64 "] misses [0x%" PRIx64
			", 0x%" PRIx64 "]", f->g.start, f->g.last, f->req_lo, f->req_hi);
	if (!empty && (!f->allow || f->g.start < f->allow_lo || f->g.last > f->allow_hi))
		FAIL(f, "gather [0x%" PRIx64 ", 0x%" PRIx64 "] beyond what the "
			"operations touched", f->g.start, f->g.last);
}

/* ---------------------------------------------------- table walking -- */

static uint64_t *fz_table_ptr(struct fz *f, uint64_t pa)
{
	void *p = f->pm ? genpt_physmem_ptr(f->pm, pa) : (void *)(uintptr_t)pa;

	if (!p || ((uintptr_t)p & 7))
		FAIL(f, "table at pa 0x%" PRIx64 " is not backed", pa);
	return p;
}

static uint64_t fz_sext(const struct fz *f, uint64_t va)
{
	unsigned int s = 64 - f->m.va_bits;

	return f->m.sign_extend ? (uint64_t)((int64_t)(va << s) >> s) : va;
}

/* What the model says one leaf entry must hold, D excluded. */
static void fz_check_leaf_bits(struct fz *f, const struct fm_leaf *l, uint64_t e,
			       uint64_t va)
{
	unsigned int pbmt = PTE_PBMT(e);

	if (!(e & PTE_R))
		FAIL(f, "leaf at 0x%" PRIx64 " without R (0x%" PRIx64 ")", va, e);
	if (!!(e & PTE_W) != !!(l->prot & GENPT_WRITE))
		FAIL(f, "leaf at 0x%" PRIx64 ": W=%d, prot 0x%x", va, !!(e & PTE_W), l->prot);
	if (!!(e & PTE_X) != !(l->prot & GENPT_NOEXEC))
		FAIL(f, "leaf at 0x%" PRIx64 ": X=%d, prot 0x%x", va, !!(e & PTE_X), l->prot);
	if (!(e & PTE_A))
		FAIL(f, "leaf at 0x%" PRIx64 " without A: hardware without A/D "
			"update would fault", va);
	if (f->m.gstage && !(e & PTE_U))
		FAIL(f, "G-stage leaf at 0x%" PRIx64 " without U", va);
	if (PTE_RSVD(e))
		FAIL(f, "leaf at 0x%" PRIx64 " with reserved bits 60:54 (0x%" PRIx64 ")", va, e);
	if (!f->m.pbmt && pbmt)
		FAIL(f, "leaf at 0x%" PRIx64 " with PBMT %u but no Svpbmt", va, pbmt);
	if (f->m.pbmt) {
		unsigned int want = (l->prot & GENPT_MMIO) ? 2 : (l->prot & GENPT_CACHE) ? 0 : 1;

		if (pbmt != want)
			FAIL(f, "leaf at 0x%" PRIx64 ": PBMT %u, prot 0x%x wants %u",
			     va, pbmt, l->prot, want);
	}
}

struct fz_walk {
	size_t idx;     /* next model leaf */
	uint64_t tables;
	/* an incremental verify: only the entries that meet these ranges
	 * (level 0 in groups of 16, a NAPOT run's span); NULL: all */
	const struct fch_set *only;
};

/* A leaf's span as an incremental walk meets it (see struct fz_walk). */
static bool fz_leaf_hit(const struct fch_set *only, const struct fm_leaf *l)
{
	if (!only)
		return true;
	if (l->lvl)
		return fch_hit(only, l->first, l->last);
	return fch_hit(only, l->first & ~0xffffull, l->first | 0xffff);
}

/* Should an incremental walk look at entry @i of a level-@lvl table at
 * @base?  Level 0 goes in groups of 16 (one NAPOT run). */
static bool fz_walk_hit(struct fz *f, const struct fz_walk *w, unsigned int lvl,
			uint64_t base, unsigned int i)
{
	unsigned int shift = 12 + 9 * lvl;
	uint64_t first;

	if (!w->only)
		return true;
	if (lvl)
		first = fz_sext(f, base + ((uint64_t)i << shift));
	else
		first = fz_sext(f, base + ((uint64_t)(i & ~15u) << shift));
	return fch_hit(w->only, first, first + ((lvl ? 1ull : 16ull) << shift) - 1);
}

static void fz_walk(struct fz *f, uint64_t pa, unsigned int lvl, uint64_t base,
		    struct fz_walk *w)
{
	unsigned int n = (f->m.gstage && lvl == f->m.levels - 1) ? 2048 : 512;
	unsigned int shift = 12 + 9 * lvl, live = 0;
	uint64_t *t = fz_table_ptr(f, pa);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		uint64_t va = fz_sext(f, base + ((uint64_t)i << shift));
		const struct fm_leaf *l;

		if (!(e & PTE_V))
			continue;
		if (!fz_walk_hit(f, w, lvl, base, i)) {
			i |= lvl ? 0 : 15; /* (a NAPOT run starts a group) */
			continue;
		}
		live++;
		if (!(e & (PTE_R | PTE_W | PTE_X))) {
			if (lvl == 0)
				FAIL(f, "pointer entry at level 0, va 0x%" PRIx64, va);
			if (e & (PTE_A | PTE_D | PTE_U | PTE_N) || PTE_PBMT(e) || PTE_RSVD(e))
				FAIL(f, "pointer entry 0x%" PRIx64 " at va 0x%" PRIx64
					" has A/D/U/N/PBMT/reserved bits", e, va);
			w->tables++;
			fz_walk(f, PTE_PPN(e) << 12, lvl - 1, base + ((uint64_t)i << shift), w);
			continue;
		}
		while (w->idx < f->m.n && !fz_leaf_hit(w->only, &f->m.leaf[w->idx]))
			w->idx++;
		if (w->idx >= f->m.n)
			FAIL(f, "table has a leaf at 0x%" PRIx64 " (level %u) the model "
				"does not", va, lvl);
		l = &f->m.leaf[w->idx];
		if (l->first != va || l->lvl != lvl)
			FAIL(f, "table leaf at 0x%" PRIx64 " level %u, model leaf at 0x%"
				PRIx64 " level %u", va, lvl, l->first, l->lvl);
		if (e & PTE_N) {
			if (lvl != 0 || l->run_log2 != 4 || (i & 15))
				FAIL(f, "NAPOT entry at 0x%" PRIx64 " where the model has "
					"a %u-run at level %u", va, l->run_log2, l->lvl);
			for (unsigned int j = 0; j < 16; j++) {
				uint64_t m = __atomic_load_n(&t[i + j], __ATOMIC_RELAXED);

				if (!(m & PTE_N) || (m & PTE_V) == 0 ||
				    (PTE_PPN(m) & 15) != 8 ||
				    (PTE_PPN(m) >> 4) != l->oa >> 16)
					FAIL(f, "NAPOT member %u of 0x%" PRIx64 " is 0x%" PRIx64
						" (oa 0x%" PRIx64 ")", j, va, m, l->oa);
				if ((m & ~(PTE_D)) != (e & ~(PTE_D)))
					FAIL(f, "NAPOT members of 0x%" PRIx64 " differ", va);
				if (!!(m & PTE_D) != !!(l->dirty & (1u << j)))
					FAIL(f, "NAPOT member %u of 0x%" PRIx64 ": D=%d, model %d",
					     j, va, !!(m & PTE_D), !!(l->dirty & (1u << j)));
			}
			live += 15;
			i += 15;
		} else {
			if (l->run_log2)
				FAIL(f, "model has a run at 0x%" PRIx64 ", table a plain leaf", va);
			if (PTE_PPN(e) << 12 != l->oa)
				FAIL(f, "leaf at 0x%" PRIx64 " maps 0x%" PRIx64 ", model 0x%" PRIx64,
				     va, PTE_PPN(e) << 12, l->oa);
			if (!!(e & PTE_D) != !!(l->dirty & 1))
				FAIL(f, "leaf at 0x%" PRIx64 ": D=%d, model %d", va,
				     !!(e & PTE_D), l->dirty & 1);
		}
		fz_check_leaf_bits(f, l, e, va);
		w->idx++;
	}
	/* (an incremental walk does not reclaim first: unmaps may have
	 * left empty tables) */
	if (!live && !w->only && lvl != f->m.levels - 1)
		FAIL(f, "empty table at level %u (va 0x%" PRIx64 ") left linked", lvl,
		     fz_sext(f, base));
}

/* Walk the real table and compare it with the model, leaf by leaf: every
 * leaf, or (@only) those that meet the ranges in @only. */
static void fz_check_table(struct fz *f, const struct fch_set *only)
{
	struct genpt_hw_info hi;
	struct fz_walk w = { 0, 0, only };

	if (genpt_hw_info(f->pt, &hi))
		FAIL(f, "genpt_hw_info failed");
	fz_walk(f, hi.root_pa, f->m.levels - 1, 0, &w);
	while (w.idx < f->m.n && !fz_leaf_hit(only, &f->m.leaf[w.idx]))
		w.idx++;
	if (w.idx != f->m.n)
		FAIL(f, "table has %zu leaves, model %zu", w.idx, f->m.n);
	if (!only && w.tables != fm_tables(&f->m))
		FAIL(f, "table has %" PRIu64 " tables below the root, model %" PRIu64,
		     w.tables, fm_tables(&f->m));
}

/* ------------------------------------------------------------ bitmap -- */

static void fz_bits_set(uint64_t *w, const struct genpt_dirty_bitmap *bm,
			uint64_t first, uint64_t last)
{
	uint64_t b0 = (first - bm->iova) >> bm->page_shift;
	uint64_t b1 = (last - bm->iova) >> bm->page_shift;

	for (uint64_t b = b0; b <= b1; b++)
		w[b / 64] |= 1ull << (b % 64);
}

/* fc_take() reporting into a bitmap (ctx: struct fz_bm_ctx). */
struct fz_bm_ctx {
	uint64_t *w;
	const struct genpt_dirty_bitmap *bm;
};

static void fz_bits_report(void *ctx, uint64_t first, uint64_t last)
{
	struct fz_bm_ctx *c = ctx;

	if (c->bm)
		fz_bits_set(c->w, c->bm, first, last);
}

/* One-bit bitmap over leaf @i of @arg's model: its dirty state, NO_CLEAR
 * (an fch_check_leaves() callback). */
static void fz_check_leaf_dirty(void *arg, size_t i)
{
	struct fz *f = arg;
	const struct fm_leaf *l = &f->m.leaf[i];
	uint64_t word = 0;
	struct genpt_dirty_bitmap bm = {
		.bits = &word,
		.iova = l->first,
		.length = fm_size(l),
		.page_shift = (unsigned int)__builtin_ctzll(fm_size(l)),
	};
	bool want = (l->prot & GENPT_WRITE) && l->dirty;
	int err;

	/* carried pages under the leaf are reported too */
	fc_take(&f->carry, l->first, l->last, false, fc_flag_report, &want);
	err = genpt_read_and_clear_dirty(f->pt, l->first, fm_size(l), GENPT_DIRTY_NO_CLEAR, &bm,
					 NULL);
	fz_errno(f, err, 0, "read_and_clear_dirty(NO_CLEAR) of one leaf");
	if (word != (want ? 1u : 0u))
		FAIL(f, "leaf 0x%" PRIx64 " harvests as %" PRIu64 ", model %d", l->first, word,
		     want);
}

/* fch_check_leaves()' view of @f's model and checks. */
static void fz_leaf_span(void *f, size_t i, uint64_t *first, uint64_t *last)
{
	const struct fm_leaf *l = &((struct fz *)f)->m.leaf[i];

	*first = l->first;
	*last = l->last;
}

static void fz_check_va_cb(void *f, uint64_t va)
{
	fz_check_va(f, va);
}

static uint64_t fz_rand_cb(void *f)
{
	return fz_rand(f);
}

/* Translations at, inside and around every leaf (@only: every leaf that
 * meets those ranges), and its dirty state (@dirty: of every leaf). */
static void fz_check_leaves(struct fz *f, const struct fch_set *only, bool dirty)
{
	const struct fch_leaves v = { f, f->m.n, fz_leaf_span, fz_check_va_cb, fz_rand_cb,
				       fz_check_leaf_dirty };

	fch_check_leaves(&v, only, dirty);
}

/*
 * Table and model compared: in full (@full, or when an operation may have
 * changed any leaf), else incrementally, where the operations since the
 * last verify acted (f->ch, fuzz_changed.h).  The final verify of every
 * input is a full one, so a change outside those ranges is still caught.
 */
static void fz_verify(struct fz *f, bool full)
{
	const struct fch_set *only = full || f->ch.all ? NULL : &f->ch;

	fz_check_state(f);
	fz_check_leaves(f, only, f->ch.dirty);
	if (f->h.on) { /* reclaim and the walk need the table to itself */
		fz_gather_check(f);
		fch_reset(&f->ch);
		return;
	}
	/* The walk below finds every table the model's leaves need and no
	 * other: the empty ones unmaps leave go first (genpt_reclaim()). */
	if (!only && genpt_reclaim(f->pt, NULL, NULL))
		FAIL(f, "genpt_reclaim failed");
	fz_check_table(f, only && f->ch.dirty ? &fch_everything : only);
	fz_gather_check(f);
	fch_reset(&f->ch);
}

/* ---------------------------------------------------------------- ops -- */

static int fz_first_error(int a, int b)
{
	static const int order[] = { -EINVAL, -EOVERFLOW, -ERANGE };

	for (unsigned int i = 0; i < 3; i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a ? a : b;
}

static void fz_map(struct fz *f, bool again)
{
	uint64_t iova, len, oa, last = 0, need = 0;
	unsigned int prot;
	bool use_g, overlap = false, nomem = false;
	struct fm_hull fresh = { false, 0, 0 };
	struct genpt_gather before;
	long n = 0;
	int want, err;

	if (again && f->nrecent) {
		unsigned int k = u8(f) % f->nrecent;

		iova = f->recent_iova[k];
		len = f->recent_len[k];
	} else {
		iova = fz_iova(f);
		len = fz_len(f, iova);
	}
	oa = fz_oa(f, iova, len);
	prot = fz_prot(f);
	use_g = (u8(f) & 3) != 0;
	if (!fh_mine(&f->h, iova, len, false, 0))
		return;
	fz_touch(f, iova, len);

	if (!(prot & (GENPT_READ | GENPT_WRITE)) || (prot & ~PROT_ALL))
		want = -EINVAL;
	else
		want = fz_first_error(fm_check_iova(&f->m, iova, len, &last),
				      fm_check_oa(&f->m, oa, len));
	if (!want) {
		size_t room = FZ_MAX_LEAVES - f->m.n;

		n = fm_plan_map(&f->m, iova, last, oa, prot, f->plan,
				room < FZ_MAX_PLAN ? room : FZ_MAX_PLAN);
		if (n < 0)
			return; /* too big for the model's budget: skip */
		overlap = fm_overlaps(&f->m, iova, last);
		need = fm_new_tables(&f->m, f->plan, (size_t)n, &fresh);
		if (f->pm && !f->h.on) { /* a side's physmem is 1 GiB (fz_create) */
			uint64_t used = fz_pm_bytes(f, NULL);

			nomem = need * 4096 > f->pm_size - used;
			/* The model counts the tables its leaves need; empty
			 * ones an unmap left would make the map need less.
			 * Where memory decides, give them back first. */
			if (nomem) {
				if (genpt_reclaim(f->pt, NULL, NULL))
					FAIL(f, "genpt_reclaim failed");
				used = fz_pm_bytes(f, NULL);
				nomem = need * 4096 > f->pm_size - used;
			}
		}
	}
	TRACE(f, "map iova 0x%" PRIx64 " len 0x%" PRIx64 " oa 0x%" PRIx64
		 " prot 0x%x gather %d: want %d (%ld leaves, %" PRIu64
		 " new tables, overlap %d, nomem %d)", iova, len, oa, prot, use_g,
	      want, n, need, overlap, nomem);
	fz_gather_snap(f, &before);
	err = genpt_map(f->pt, iova, oa, len, prot, use_g ? &f->g : NULL);
	if (want) {
		fz_errno(f, err, want, "genpt_map");
	} else if (overlap && nomem) {
		if (err != -EEXIST && err != -ENOMEM)
			FAIL(f, "genpt_map returned %d, want -EEXIST or -ENOMEM", err);
	} else if (overlap) {
		fz_errno(f, err, -EEXIST, "genpt_map over a mapped leaf");
	} else if (nomem) {
		fz_errno(f, err, -ENOMEM, "genpt_map without table memory");
	} else {
		fz_errno(f, err, 0, "genpt_map");
		fm_insert(&f->m, f->plan, (size_t)n);
	}
	if (!want)
		fz_recent(f, iova, len);
	if (err && !want && use_g) {
		/* Undoing a failed map may unlink the tables it added into the
		 * gather, with their spans. */
		fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
		if (fresh.has)
			fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, fresh.lo, fresh.hi);
	} else if (!err && use_g) {
		/* A leaf may take the place of an empty table an unmap left:
		 * its page and span (inside the range) go to the gather. */
		fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
	} else {
		fz_gather_same(f, &before);
	}
	fz_gather_check(f);
	fz_check_state(f);
	if (!want)
		fz_check_range(f, iova, last);
	else
		fz_check_va(f, iova);
}

static void fz_unmap(struct fz *f, bool again)
{
	uint64_t iova, len, last = 0, got = 0xdeadbeefull, bytes = 0;
	bool use_g = (u8(f) & 3) != 0, want_count = u8(f) & 1;
	struct genpt_gather before;
	size_t lo = 0, hi = 0;
	int want, err;

	if (again && f->nrecent) {
		unsigned int k = u8(f) % f->nrecent;

		iova = f->recent_iova[k];
		len = f->recent_len[k];
	} else {
		iova = fz_iova(f);
		len = fz_len(f, iova);
	}
	if (!fh_mine(&f->h, iova, len, true, f->carry.n))
		return;
	fz_touch(f, iova, len);
	want = fm_check_iova(&f->m, iova, len, &last);
	if (!want) {
		long a = fm_find(&f->m, iova), b = fm_find(&f->m, last);

		if ((a >= 0 && f->m.leaf[a].first < iova) ||
		    (b >= 0 && f->m.leaf[b].last > last))
			want = -EINVAL; /* never split a leaf */
	}
	if (!want) {
		lo = hi = fm_lower(&f->m, iova);
		while (hi < f->m.n && f->m.leaf[hi].first <= last)
			bytes += fm_size(&f->m.leaf[hi++]);
	}
	TRACE(f, "unmap iova 0x%" PRIx64 " len 0x%" PRIx64 " gather %d: want %d, "
		 "%zu leaves, 0x%" PRIx64 " bytes", iova, len, use_g, want, hi - lo, bytes);
	fz_gather_snap(f, &before);
	err = genpt_unmap(f->pt, iova, len, use_g ? &f->g : NULL,
			  want_count ? &got : NULL);
	fz_errno(f, err, want, "genpt_unmap");
	if (!err) {
		if (want_count && got != bytes)
			FAIL(f, "unmapped 0x%" PRIx64 " bytes, model 0x%" PRIx64, got, bytes);
		fc_take(&f->carry, iova, last, true, NULL, NULL);
		struct fm_hull freed = { false, 0, 0 };

		if (hi > lo && use_g)
			fz_hull(&f->req, &f->req_lo, &f->req_hi, f->m.leaf[lo].first,
				f->m.leaf[hi - 1].last);
		/* Only tables whose whole span the range covers go (an empty
		 * one may go even when no leaf did), so everything the unmap
		 * gathers lies inside the range. */
		if (use_g)
			fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
		fm_remove(&f->m, lo, hi - lo, &freed);
		if (!use_g)
			fz_gather_same(f, &before);
		if (hi > lo)
			fz_recent(f, iova, len);
	} else {
		fz_gather_same(f, &before);
	}
	fz_gather_check(f);
	fz_check_state(f);
	if (!want)
		fz_check_range(f, iova, last);
	else
		fz_check_va(f, iova);
}

static void fz_translate(struct fz *f)
{
	uint64_t va = fz_va(f);

	if ((u8(f) & 15) == 0) {
		fz_errno(f, genpt_iova_to_phys(f->pt, va, NULL), -EINVAL,
			 "iova_to_phys(NULL)");
		return;
	}
	TRACE(f, "iova_to_phys 0x%" PRIx64, va);
	fz_check_va(f, va);
}

/* One hardware access; the model follows it. */
static void fz_hw_one(struct fz *f, uint64_t va, unsigned int access)
{
	uint64_t oa = 0xdeadbeef, want_oa = 0;
	int want = 0, err;
	long i = -1;

	if (!fh_mine(&f->h, va, 1, false, 0))
		return;
	if (access < GENPT_ACCESS_READ || access > GENPT_ACCESS_EXEC)
		want = -EINVAL;
	else
		want = fz_model_translate(f, va, &want_oa);
	if (!want) {
		const struct fm_leaf *l;

		i = fm_find(&f->m, va);
		l = &f->m.leaf[i];
		if (access == GENPT_ACCESS_WRITE && !(l->prot & GENPT_WRITE))
			want = -EACCES;
		else if (access == GENPT_ACCESS_EXEC && (l->prot & GENPT_NOEXEC))
			want = -EACCES;
		else if (access == GENPT_ACCESS_WRITE && !f->m.tracking &&
			 !(l->dirty & (1u << ((va - l->first) >> 12 & (fm_members(l) - 1)))))
			want = -EACCES; /* no D update: write to a clean entry faults */
	}
	TRACE(f, "hw_access 0x%" PRIx64 " kind %u: want %d", va, access, want);
	fch_add(&f->ch, va, va);
	err = genpt_hw_access(f->pt, va, access, &oa);
	fz_errno(f, err, want, "genpt_hw_access");
	if (err)
		return;
	if (oa != want_oa)
		FAIL(f, "hw_access(0x%" PRIx64 ") -> 0x%" PRIx64 ", model 0x%" PRIx64,
		     va, oa, want_oa);
	if (access == GENPT_ACCESS_WRITE && f->m.tracking) {
		struct fm_leaf *l = &f->m.leaf[i];

		l->dirty |= (uint16_t)(1u << (((va - l->first) >> 12) & (fm_members(l) - 1)));
	}
}

static const unsigned int fz_access_kinds[8] = {
	GENPT_ACCESS_WRITE, GENPT_ACCESS_WRITE, GENPT_ACCESS_READ, GENPT_ACCESS_EXEC,
	GENPT_ACCESS_WRITE, GENPT_ACCESS_READ, 0, 4,
};

static void fz_hw(struct fz *f)
{
	uint64_t va = fz_va(f);

	fz_hw_one(f, va, fz_access_kinds[u8(f) & 7]);
	fz_check_state(f);
}

/* Writes over a range, as a device streaming into a buffer. */
static void fz_hw_burst(struct fz *f)
{
	uint64_t va = fz_iova(f);
	unsigned int count = 1 + u8(f) % 32;
	uint64_t stride = fz_scales[u8(f) & 3];

	if (f->nrecent && (u8(f) & 1))
		va = f->recent_iova[u8(f) % f->nrecent];
	for (unsigned int i = 0; i < count; i++)
		fz_hw_one(f, va + i * stride, GENPT_ACCESS_WRITE);
	fz_check_state(f);
}

static void fz_dirty(struct fz *f)
{
	uint64_t iova, len, last = 0;
	uint8_t fsel = u8(f), bsel = u8(f), psel = u8(f), msel = u8(f);
	unsigned int flags = (fsel & 3) == 1 ? GENPT_DIRTY_NO_CLEAR :
			     (fsel & 3) == 2 && (fsel & 0x80) ? 2u : 0;
	bool use_g = (fsel & 0x0c) != 0, clear;
	struct genpt_dirty_bitmap bm = { 0 };
	const struct genpt_dirty_bitmap *pbm = &bm;
	struct genpt_gather before;
	uint64_t words = 0, cleaned_lo = 0, cleaned_hi = 0;
	bool cleaned = false;
	int want, err;

	if (f->nrecent && (fsel & 0x10)) {
		unsigned int k = u8(f) % f->nrecent;

		iova = f->recent_iova[k];
		len = f->recent_len[k];
	} else {
		iova = fz_iova(f);
		len = fz_len(f, iova);
	}
	if (!fh_mine(&f->h, iova, len, true, f->carry.n))
		return;
	fz_touch(f, iova, len);
	want = (flags & ~GENPT_DIRTY_NO_CLEAR) ? -EINVAL : 0;
	if (!want)
		want = fm_check_iova(&f->m, iova, len, &last);

	/* A bitmap that holds the query, with a margin, at a page size that
	 * keeps it small. */
	if (!want) {
		unsigned int ps = 12 + ((psel & 3) == 3 ? psel % 10 : 0);
		uint64_t pg, a0, a1, mb, ma;

		for (;;) {
			pg = 1ull << ps;
			a0 = iova & ~(pg - 1);
			a1 = last | (pg - 1);
			if (((a1 - a0) >> ps) < FZ_MAX_BITS - 8)
				break;
			ps++;
		}
		mb = (msel & 3) * pg;
		ma = ((msel >> 2) & 3) * pg;
		if (mb > a0)
			mb = 0;
		if (ma > UINT64_MAX - a1)
			ma = 0;
		bm.iova = a0 - mb;
		bm.length = a1 + ma - bm.iova + 1;
		bm.page_shift = ps;
		words = ((bm.length >> ps) + 63) / 64;
	} else {
		bm.iova = 0;
		bm.length = 64 * 4 * KiB;
		bm.page_shift = 12;
		words = 1;
	}
	if (words > (FZ_MAX_BITS + 63) / 64)
		FAIL(f, "fuzzer bitmap too large");
	bm.bits = f->bits;
	for (uint64_t w = 0; w < words; w++)
		f->bits[w] = (msel & 0x80) ? fz_rand(f) : 0;
	memcpy(f->want, f->bits, words * 8);

	switch (bsel & 15) {
	case 0:
		pbm = NULL;
		break;
	case 1:
		bm.page_shift = (bsel & 0x10) ? 11 : 64;
		break;
	case 2:
		bm.bits = NULL;
		break;
	case 3: /* query starts before the bitmap */
		bm.iova = (iova & ~((1ull << bm.page_shift) - 1)) + (1ull << bm.page_shift);
		break;
	case 4:
		bm.length = 0;
		break;
	case 5: /* misaligned bitmap */
		bm.iova += bm.page_shift > 12 ? 4 * KiB : 1;
		break;
	case 6:
		bm.length += bm.page_shift > 12 ? 4 * KiB : 1;
		break;
	default:
		break;
	}
	/* The bitmap's faults and a query outside it are -EINVAL before the
	 * query's wrap and range. */
	if (want != -EINVAL && pbm &&
	    (((bsel & 15) >= 1 && (bsel & 15) <= 6) || iova < bm.iova || len > bm.length ||
	     iova - bm.iova > bm.length - len))
		want = -EINVAL;

	clear = !(flags & GENPT_DIRTY_NO_CLEAR) && f->m.tracking;
	TRACE(f, "read_and_clear_dirty iova 0x%" PRIx64 " len 0x%" PRIx64
		 " flags %u bitmap %s (iova 0x%" PRIx64 " len 0x%" PRIx64 " shift %u) "
		 "gather %d: want %d", iova, len, flags, pbm ? "yes" : "NULL", bm.iova,
	      bm.length, bm.page_shift, use_g, want);
	fz_gather_snap(f, &before);
	err = genpt_read_and_clear_dirty(f->pt, iova, len, flags, pbm,
					 use_g ? &f->g : NULL);
	fz_errno(f, err, want, "genpt_read_and_clear_dirty");
	if (!err) {
		struct fz_bm_ctx bc = { f->want, pbm ? &bm : NULL };

		fc_take(&f->carry, iova, last, !(flags & GENPT_DIRTY_NO_CLEAR), fz_bits_report,
			&bc);
		for (size_t i = fm_lower(&f->m, iova);
		     i < f->m.n && f->m.leaf[i].first <= last; i++) {
			struct fm_leaf *l = &f->m.leaf[i];

			if (!(l->prot & GENPT_WRITE) || !l->dirty)
				continue;
			if (pbm)
				fz_bits_set(f->want, &bm, l->first > iova ? l->first : iova,
					    l->last < last ? l->last : last);
			if (!clear)
				continue;
			/* a leaf reaching outside: cleaned whole, the outside carried */
			if (!fc_clean_leaf(&f->carry, l->first, l->last, iova, last))
				continue; /* the carry is full: left dirty */
			l->dirty = 0;
			fz_hull(&cleaned, &cleaned_lo, &cleaned_hi, l->first, l->last);
		}
		if (cleaned && use_g) {
			fz_hull(&f->req, &f->req_lo, &f->req_hi, cleaned_lo, cleaned_hi);
			fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
			fz_hull(&f->allow, &f->allow_lo, &f->allow_hi, cleaned_lo, cleaned_hi);
		} else {
			fz_gather_same(f, &before);
		}
	} else {
		fz_gather_same(f, &before);
	}
	for (uint64_t w = 0; w < words; w++)
		if (f->bits[w] != f->want[w])
			FAIL(f, "bitmap word %" PRIu64 " is 0x%016" PRIx64 ", model "
				"0x%016" PRIx64 " (bitmap iova 0x%" PRIx64 " shift %u)",
			     w, f->bits[w], f->want[w], bm.iova, bm.page_shift);
	fz_gather_check(f);
	fz_check_state(f);
	if (!want)
		fz_check_range(f, iova, last);
}

static void fz_tracking(struct fz *f)
{
	bool on = u8(f) & 1;

	if (f->h.on)
		return; /* needs the table to itself */
	TRACE(f, "set_dirty_tracking %d", on);
	f->ch.dirty = true; /* may change every leaf's dirty state */
	fz_errno(f, genpt_set_dirty_tracking(f->pt, on), 0, "set_dirty_tracking");
	if (!on) {
		/* Hardware without D update must not fault: all write-dirty. */
		for (size_t i = 0; i < f->m.n; i++)
			if (f->m.leaf[i].prot & GENPT_WRITE)
				f->m.leaf[i].dirty = fm_all_members(&f->m.leaf[i]);
	}
	f->m.tracking = on;
	fz_check_state(f);
}

static void fz_release(struct fz *f)
{
	TRACE(f, "gather_release [0x%" PRIx64 ", 0x%" PRIx64 "]", f->g.start, f->g.last);
	fz_errno(f, genpt_gather_release(f->pt, &f->g), 0, "gather_release");
	if (f->g.freed || f->g.start <= f->g.last)
		FAIL(f, "gather not empty after release");
	f->req = f->allow = false;
	fz_check_state(f);
}

/* ------------------------------------------------------------ create -- */

static const uint64_t fz_pm_sizes[8] = {
	4 * KiB, 8 * KiB, 12 * KiB, 16 * KiB, 20 * KiB, 32 * KiB, 48 * KiB, 64 * KiB,
};

/* A deliberately bad config must be refused with -EINVAL. */
static void fz_bad_config(struct fz *f, uint8_t sel)
{
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV };
	struct genpt *pt = NULL;
	int err;

	switch (sel & 7) {
	case 0:
		cfg.va_bits = 40;
		break;
	case 1:
		cfg.granule_bits = 16;
		break;
	case 2:
		cfg.features = 1ull << 8; /* an ARM feature */
		break;
	case 3:
		cfg.oa_bits = 57;
		break;
	case 4:
		cfg.oa_bits = 11;
		break;
	case 5:
		cfg.features = GENPT_FEAT_RISCV_GSTAGE;
		cfg.va_bits = 48; /* a first-stage width on a G-stage table */
		break;
	case 6:
		cfg.va_bits = 41; /* a G-stage width on a first-stage table */
		break;
	default:
		cfg.format = (enum genpt_format)0;
		break;
	}
	f->opname = "bad config";
	err = genpt_create(&cfg, &pt);
	if (err != -EINVAL) {
		if (!err)
			genpt_destroy(pt);
		FAIL(f, "genpt_create(bad config %u) returned %d, want -EINVAL",
		     sel & 7, err);
	}
}

/* Every call refuses NULL with -EINVAL and changes nothing. */
static void fz_null_args(struct fz *f)
{
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV };
	struct genpt *pt = NULL;
	struct genpt_hw_info hi;
	uint64_t v;

	f->opname = "NULL arguments";
	fz_errno(f, genpt_create(NULL, &pt), -EINVAL, "create(NULL cfg)");
	fz_errno(f, genpt_create(&cfg, NULL), -EINVAL, "create(NULL out)");
	fz_errno(f, genpt_map(NULL, 0, 0, 4096, GENPT_READ, NULL), -EINVAL, "map(NULL)");
	fz_errno(f, genpt_unmap(NULL, 0, 4096, NULL, NULL), -EINVAL, "unmap(NULL)");
	fz_errno(f, genpt_iova_to_phys(NULL, 0, &v), -EINVAL, "iova_to_phys(NULL)");
	fz_errno(f, genpt_read_and_clear_dirty(NULL, 0, 4096, 0, NULL, NULL), -EINVAL,
		 "read_and_clear_dirty(NULL)");
	fz_errno(f, genpt_set_dirty_tracking(NULL, true), -EINVAL, "set_dirty_tracking(NULL)");
	fz_errno(f, genpt_dirty_tracking(NULL), -EINVAL, "dirty_tracking(NULL)");
	fz_errno(f, genpt_hw_access(NULL, 0, GENPT_ACCESS_READ, NULL), -EINVAL, "hw_access(NULL)");
	fz_errno(f, genpt_hw_info(NULL, &hi), -EINVAL, "hw_info(NULL)");
	fz_errno(f, genpt_hw_info(f->pt, NULL), -EINVAL, "hw_info(pt, NULL)");
	fz_errno(f, genpt_table_bytes(NULL, &v), -EINVAL, "table_bytes(NULL)");
	fz_errno(f, genpt_table_bytes(f->pt, NULL), -EINVAL, "table_bytes(pt, NULL)");
	fz_errno(f, genpt_gather_release(NULL, &f->g), -EINVAL, "gather_release(NULL)");
	fz_errno(f, genpt_gather_release(f->pt, NULL), -EINVAL, "gather_release(pt, NULL)");
	genpt_destroy(NULL);
	genpt_gather_init(NULL);
	fz_check_state(f);
}

/* Is there a 16 KiB-aligned 16 KiB block inside the physmem? */
static bool fz_pm_has16k(const struct fz *f)
{
	uint64_t a = (f->pm_base + 16 * KiB - 1) & ~(16 * KiB - 1);

	return a >= f->pm_base && a - f->pm_base + 16 * KiB <= f->pm_size;
}

static bool fz_create(struct fz *f)
{
	uint8_t c = u8(f), p = u8(f), bad = u8(f);
	static const unsigned int lv[4] = { 3, 4, 5, 5 };
	static const unsigned int oab[4] = { 0, 48, 32, 40 };
	unsigned int levels = lv[c & 3];
	bool gstage = c & 4, napot = c & 8, pbmt = c & 16, host = c & 32;
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV };
	struct genpt_hw_info hi;
	bool high_pa = false;
	int err, want = 0;

	if (bad >= 0xf8) {
		fz_bad_config(f, bad);
		return false;
	}
	cfg.va_bits = (c & 3) == 3 ? 0 : 39 + 9 * (c & 3) + (gstage ? 2 : 0);
	cfg.oa_bits = oab[c >> 6];
	cfg.granule_bits = (bad & 1) ? 12 : 0;
	cfg.features = (gstage ? GENPT_FEAT_RISCV_GSTAGE : 0) |
		       (napot ? GENPT_FEAT_RISCV_SVNAPOT : 0) |
		       (pbmt ? GENPT_FEAT_RISCV_SVPBMT : 0);
	fm_init(&f->m, levels, 39 + 9 * (levels - 3) + (gstage ? 2 : 0),
		cfg.oa_bits ? cfg.oa_bits : 56, gstage, napot, pbmt);
	if (!host) {
		static const uint64_t bases[8] = {
			0x80000000ull, 0x80000000ull, 0, (1ull << 40) + 4 * KiB,
			0x80000000ull + 12 * KiB, (1ull << 33) + 0x3000, 0x80000000ull,
			0, /* replaced: the top of the 56-bit physical space */
		};

		f->pm_size = fh_threads() == 2 ? GiB : /* (fuzz_halves.h) */
			     (p >> 3) >= 24 ? fz_pm_sizes[(p >> 3) & 7] : 256 * MiB;
		f->pm_base = bases[p & 7];
		if ((p & 7) == 7)
			f->pm_base = (1ull << 56) - f->pm_size;
		/*
		 * Table memory the format cannot point at (physical addresses
		 * from 2^56: PPN is 44 bits).  genpt must refuse the table, not
		 * write truncated pointers.
		 */
		if ((p & 0x87) == 0x87) {
			f->pm_base = 1ull << 56;
			high_pa = true;
		}
		if (genpt_physmem_create(f->pm_base, f->pm_size, &f->pm))
			FAIL(f, "genpt_physmem_create(0x%" PRIx64 ", 0x%" PRIx64 ") failed",
			     f->pm_base, f->pm_size);
		cfg.mem = &genpt_physmem_ops;
		cfg.mem_ctx = f->pm;
		if (gstage && !fz_pm_has16k(f))
			want = -ENOMEM;
	}
	TRACE(f, "create levels %u gstage %d napot %d pbmt %d va_bits %u oa_bits %u "
		 "%s base 0x%" PRIx64 " size 0x%" PRIx64, levels, gstage, napot, pbmt,
	      cfg.va_bits, cfg.oa_bits, host ? "host" : "physmem", f->pm_base, f->pm_size);
	err = genpt_create(&cfg, &f->pt);
	if (high_pa) {
		if (!err)
			FAIL(f, "genpt_create accepted table memory at pa 0x%" PRIx64
				", beyond the 56-bit physical space a PTE can point at",
			     f->pm_base);
		return false;
	}
	fz_errno(f, err, want, "genpt_create");
	if (err)
		return false;
	if (genpt_hw_info(f->pt, &hi))
		FAIL(f, "genpt_hw_info failed");
	if (hi.levels != levels || hi.mode != 8 + levels - 3 ||
	    hi.root_size != f->m.root_size || (hi.root_pa & (hi.root_size - 1)) ||
	    hi.atp != (((uint64_t)hi.mode << 60) | (hi.root_pa >> 12)))
		FAIL(f, "hw_info: levels %u mode %u root 0x%" PRIx64 " size %" PRIu64
			" atp 0x%" PRIx64, hi.levels, hi.mode, hi.root_pa, hi.root_size, hi.atp);
	if (f->pm && (hi.root_pa < f->pm_base || hi.root_pa - f->pm_base >= f->pm_size))
		FAIL(f, "root 0x%" PRIx64 " outside the physmem", hi.root_pa);
	fz_check_state(f);
	if (bad & 2)
		fz_null_args(f);
	return true;
}

/* One operation of the program, chosen by its opcode byte @op. */
static void fz_op(struct fz *f, uint8_t op)
{
	switch (op % 16) {
	case 0:
	case 1:
	case 2:
		f->opname = "map";
		fz_map(f, false);
		break;
	case 3:
	case 4:
		f->opname = "unmap";
		fz_unmap(f, false);
		break;
	case 5:
		f->opname = "iova_to_phys";
		fz_translate(f);
		break;
	case 6:
	case 7:
		f->opname = "hw_access";
		fz_hw(f);
		break;
	case 8:
	case 9:
		f->opname = "read_and_clear_dirty";
		fz_dirty(f);
		break;
	case 10:
		f->opname = "set_dirty_tracking";
		fz_tracking(f);
		break;
	case 11:
		f->opname = "gather_release";
		fz_release(f);
		break;
	case 12:
		f->opname = "hw_access burst";
		fz_hw_burst(f);
		break;
	case 13:
		f->opname = "map again";
		fz_map(f, true);
		break;
	case 14:
		f->opname = "unmap again";
		fz_unmap(f, true);
		break;
	default:
		f->opname = "verify";
		fz_verify(f, false);
		break;
	}
}

static void fz_buffers(struct fz *f)
{
	f->plan = malloc(FZ_MAX_PLAN * sizeof(*f->plan));
	f->bits = malloc((FZ_MAX_BITS / 64 + 2) * 8);
	f->want = malloc((FZ_MAX_BITS / 64 + 2) * 8);
	if (!f->plan || !f->bits || !f->want)
		abort();
}

static void fz_free_buffers(struct fz *f)
{
	free(f->plan);
	free(f->bits);
	free(f->want);
}

/* The program's operations from f->pos on, a verify every
 * FZ_VERIFY_EVERY of them. */
static void fz_run_ops(struct fz *f)
{
	for (f->op = 1; f->pos < f->size && f->op <= FZ_MAX_OPS; f->op++) {
		fz_op(f, u8(f));
		if (f->op % FZ_VERIFY_EVERY == 0) {
			f->opname = "periodic verify";
			fz_verify(f, false);
		}
	}
}

static void *fz_side_main(void *arg)
{
	struct fz *s = arg;

	fz_run_ops(s);
	s->opname = "side's final verify";
	fz_verify(s, true);
	fz_release(s);
	return NULL;
}

/* Side @i of the two-thread mode (fuzz_halves.h): @f's table, @n bytes of
 * the program from @data on, a model of its own. */
static void fz_side_init(struct fz *s, const struct fz *f, unsigned int i, unsigned int cbits,
			 const uint8_t *data, size_t n)
{
	*s = *f;
	fm_init(&s->m, f->m.levels, f->m.va_bits, f->m.oa_bits, f->m.gstage, f->m.napot,
		f->m.pbmt);
	s->m.tracking = f->m.tracking;
	fh_init(&s->h, i, cbits, f->m.va_bits, f->m.sign_extend);
	s->data = data;
	s->size = n;
	s->pos = 0;
	s->rng = f->rng + i * 0x9e3779b97f4a7c15ull;
	genpt_gather_init(&s->g);
	s->req = s->allow = false;
	fz_buffers(s);
}

/*
 * The two-thread mode (fuzz_halves.h): the program's operations, cut in
 * two, run at the same time from two threads on the two halves of the
 * address space, each side checked against its own model after every
 * step.  Then the two models (and carried ranges) become @f's, for the
 * final verify of the whole table.
 */
static void fz_run_halves(struct fz *f)
{
	size_t mid = f->pos + (f->size - f->pos) / 2;
	unsigned int shift[8]; /* levels <= 5 */
	struct fz *s = malloc(2 * sizeof(*s));
	struct fm_leaf *all;

	if (!s)
		abort();
	for (unsigned int l = 0; l < f->m.levels; l++)
		shift[l] = 12 + 9 * l;
	if (f->rng & 1) { /* tracking needs the table to itself */
		fz_errno(f, genpt_set_dirty_tracking(f->pt, true), 0, "set_dirty_tracking");
		f->m.tracking = true;
	}
	fz_side_init(&s[0], f, 0, fh_cbits(f->rng, f->m.levels, shift, f->m.va_bits),
		     f->data + f->pos, mid - f->pos);
	fz_side_init(&s[1], f, 1, s[0].h.cbits, f->data + mid, f->size - mid);
	fh_run2(&s[0], &s[1], fz_side_main);
	f->pos = f->size;
	all = fh_merge_leaves(s[0].m.leaf, s[0].m.n, s[1].m.leaf, s[1].m.n, sizeof(*all),
			      offsetof(struct fm_leaf, first));
	fm_insert(&f->m, all, s[0].m.n + s[1].m.n);
	free(all);
	fh_join_carry(&f->carry, &s[0].carry, &s[1].carry);
	for (unsigned int i = 0; i < 2; i++) {
		fz_free_buffers(&s[i]);
		fm_fini(&s[i].m);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;

	memset(&f, 0, sizeof(f));
	f.data = data;
	f.size = size;
	f.trace = getenv("GENPT_FUZZ_TRACE") != NULL;
	for (size_t i = 0; i < size; i++)
		f.rng = f.rng * 131 + data[i];
	genpt_gather_init(&f.g);

	if (fz_create(&f)) {
		fz_buffers(&f);
		if (fh_threads() == 2)
			fz_run_halves(&f);
		else
			fz_run_ops(&f);
		f.opname = "final verify";
		fz_verify(&f, true);
		f.opname = "teardown";
		fz_errno(&f, genpt_gather_release(f.pt, &f.g), 0, "gather_release");
		genpt_destroy(f.pt);
		if (f.pm) {
			uint64_t blocks, b = fz_pm_bytes(&f, &blocks);

			if (b || blocks)
				FAIL(&f, "physmem holds %" PRIu64 " bytes in %" PRIu64
					 " blocks after destroy", b, blocks);
		}
		fz_free_buffers(&f);
	}
	genpt_physmem_destroy(f.pm);
	fm_fini(&f.m);
	return 0;
}

/* ------------------------------------------------------------- seeds -- */

/*
 * Encoding reminders: map = 00 <iova> <len> <oa> <prot> <gather>;
 * iova S A I = arena A + I x scale, S = 00/10/20/30 for 4K/64K/2M/1G;
 * arena 00 = 0, 01 = 3G; iova 0d E = edge E (01: 2^64 - 4K, 02: below the
 * canonical hole, 03: start of the upper half, 04: non-canonical); iova
 * 06 R D = recent range R (R & 0x80: its end) + D pages; len 00 N =
 * (N+1) x 4K, 02 N = (N+1) x 64K, 03 N = (N+1) x 2M, 04 00 = 1G, 05 = up
 * to 2^64; oa 00/10/20/30 K = K x 1G/2M/64K/512G + iova's offset in that
 * size, 09 <u32> = u32 x 4K.  Single accesses take a 00 first.
 */

/* Sv48 over physmem, tracking on: a 2M leaf and 16 4K leaves, device
 * writes, harvest with clear, NO_CLEAR and a clean scan, unmap. */
static const uint8_t seed_basic[] = {
	0x01, 0x00, 0x00,
	0x0a, 0x01,
	0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x00, 0x20, 0x01, 0x01, 0x00, 0x0f, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x0c, 0x20, 0x01, 0x00, 0x07, 0x00, 0x00,
	0x0c, 0x20, 0x01, 0x01, 0x03, 0x00, 0x00,
	0x08, 0x04, 0x07, 0x00, 0x05, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x08, 0x05, 0x07, 0x00, 0x80, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x08, 0x04, 0x07, 0x00, 0x00, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x03, 0x01, 0x01, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x0b,
	0x0f,
};

/* Sv39x4 (G-stage) with Svnapot and Svpbmt on host memory: 64K runs,
 * a write to one member, a query that cuts a run, tracking off. */
static const uint8_t seed_gstage_napot[] = {
	0x3c, 0x00, 0x00,
	0x0a, 0x01,
	0x00, 0x10, 0x00, 0x00, 0x02, 0x03, 0x20, 0x05, 0x07, 0x01,
	0x00, 0x10, 0x00, 0x10, 0x00, 0x13, 0x20, 0x09, 0x05, 0x01,
	0x06, 0x00, 0x10, 0x00, 0x01, 0x10, 0x00, 0x00,
	0x06, 0x00, 0x10, 0x00, 0x10, 0x00, 0x00, 0x03,
	0x0c, 0x10, 0x00, 0x00, 0x0f, 0x00, 0x00,
	0x08, 0x04, 0x07, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x0f,
	0x0a, 0x00,
	0x08, 0x04, 0x07, 0x00, 0x00, 0x10, 0x00, 0x00, 0x03, 0x00,
	0x0f,
};

/* Sv48 over a 3-page physmem: a 1G and a 2M leaf fit, a 4K leaf does
 * not (-ENOMEM, nothing changes), unmap, release. */
static const uint8_t seed_nomem[] = {
	0x01, 0xd0, 0x00,
	0x00, 0x30, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x30, 0x00, 0x02, 0x03, 0x00, 0x10, 0x05, 0x00, 0x01,
	0x00, 0x06, 0x81, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01,
	0x0e, 0x01, 0x01, 0x00,
	0x0b,
	0x0f,
};

/* Sv48 edges: the last page below 2^64, the canonical hole, 512G leaves
 * up to 2^64 rolled back by -EEXIST, -EOVERFLOW, misalignment, unmaps
 * that would split a leaf. */
static const uint8_t seed_edges[] = {
	0x01, 0x00, 0x00,
	0x00, 0x0d, 0x01, 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0d, 0x02, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0d, 0x04, 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0d, 0x03, 0x05, 0x30, 0x01, 0x00, 0x01,
	0x00, 0x0d, 0x01, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0xfd, 0x00, 0x10, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x10, 0x01, 0x00, 0x01,
	0x03, 0x01, 0x01, 0x20, 0x01, 0x00, 0x00, 0x00,
	0x03, 0x01, 0x01, 0x00, 0x01, 0x01, 0x03, 0x00,
	0x05, 0x00, 0x0d, 0x01, 0x23, 0x01, 0x01,
	0x06, 0x00, 0x0d, 0x01, 0xff, 0x0f, 0x00,
	0x08, 0x04, 0x07, 0x00, 0x00, 0x0d, 0x03, 0x05,
	0x0f,
};

/* A bad config (oa_bits 57). */
static const uint8_t seed_badcfg[] = { 0x01, 0x00, 0xfb };

const struct fuzz_seed fuzz_table_seeds[] = {
	{ "basic", seed_basic, sizeof(seed_basic) },
	{ "gstage_napot", seed_gstage_napot, sizeof(seed_gstage_napot) },
	{ "nomem", seed_nomem, sizeof(seed_nomem) },
	{ "edges", seed_edges, sizeof(seed_edges) },
	{ "badcfg", seed_badcfg, sizeof(seed_badcfg) },
};

const size_t fuzz_table_nseeds = sizeof(fuzz_table_seeds) / sizeof(fuzz_table_seeds[0]);

static void fuzz_table_seed(size_t i, struct fuzz_seed *s)
{
	*s = fuzz_table_seeds[i];
}

const struct fuzz_target_info fuzz_target = {
	.name = "fuzz_table",
	.nseeds = sizeof(fuzz_table_seeds) / sizeof(fuzz_table_seeds[0]),
	.seed = fuzz_table_seed,
	.max_len = 703,
	.threads = true,
};
