// SPDX-License-Identifier: MIT
/*
 * fuzz/fuzz_formats.c - libFuzzer target: operation sequences on every
 * format and configuration genpt builds, checked after every step against
 * the any-format model (fuzz_gmodel.c).
 *
 * The input is a little program:
 *
 *   byte 0   format: bits 2:0 mod 5 = RISC-V, ARMv8, x86-64, VT-d second
 *            stage, AMD v1
 *   byte 1   variant bits (RISC-V: G-stage, Svnapot, Svpbmt; ARMv8: stage 2,
 *            contiguous hint, DBM, granule in bits 4:3; VT-d: SNP)
 *   byte 2   va_bits choice (0 = the format's widest among them)
 *   byte 3   oa_bits choice (0 = the format's maximum among them)
 *   byte 4   memory: bit 7 host memory, else a genpt_physmem whose base
 *            (bits 2:0) may lie beyond what the format can point at (then
 *            create must say -ENOMEM) and whose size (bits 6:3) is mostly
 *            large, sometimes a few pages (-ENOMEM paths, predicted)
 *   byte 5   0xf8..0xff: a deliberately bad config (-EINVAL); bit 1: NULL
 *            argument checks; bit 0: granule_bits given explicitly
 *   then     operations, one opcode byte and its arguments each: map,
 *            unmap, iova_to_phys, hw_access (read / write / exec, bursts of
 *            writes), read_and_clear_dirty (NO_CLEAR, good and bad bitmaps,
 *            with and without gather), clear_dirty (masks random, full,
 *            sparse or malformed; the carry model of fuzz_carry.h),
 *            set_dirty_tracking, split-mode tracking on and off (opcodes
 *            0xfe/0xff: the model notes every leaf the split replaces and
 *            merges back the intact ones, then the table is compared with it
 *            leaf by leaf; an input that leaves split mode on ends with an
 *            off and that check), split, merge, gather release, a full
 *            verify.  Addresses and sizes are drawn with a bias toward
 *            the format's leaf and run sizes, the ends of the input space,
 *            2^64, misalignment and ranges used before.  Missing bytes read
 *            as 0.
 *
 * After every step: the errno (class and precedence), translations around
 * the range, the gather (untouched unless allowed; covering every removed or
 * cleaned leaf), the dirty bitmap word by word (bits outside the query
 * included), table memory (exactly what the leaves need: no leaked or
 * lingering table page) and the physmem accounting.  Periodically (where
 * the operations since the last check acted, fuzz_changed.h) and in full at
 * the end the table memory itself is walked with decoders written here from
 * the manuals (RISC-V privileged spec, Arm ARM VMSAv8-64, Intel SDM / VT-d,
 * AMD IOMMU) and compared with the model leaf by leaf: level, run, output
 * address of every member, permissions, and the dirty state of every
 * member.  After destroy the physmem must be empty.  Any mismatch aborts.
 *
 * GENPT_FUZZ_TRACE=1 prints every operation.  GENPT_FUZZ_THREADS=2 (the
 * replay's --threads 2) runs the operations from two threads on the two
 * halves of the address space (ff_run_halves).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_carry.h"
#include "fuzz_changed.h"
#include "fuzz_gmodel.h"
#include "fuzz_halves.h"
#include "fuzz_tablebytes.h"
#include "fuzz_target.h"
#include "genpt/genpt.h"
#include "rawfmt.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

#define FF_MAX_OPS 300
#define FF_MAX_PLAN 1024
#define FF_MAX_LEAVES 4096
#define FF_MAX_BITS (1u << 14)
#define FF_VERIFY_EVERY 48
#define FF_RECENT 8

#define PROT_ALL (GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO | GENPT_CACHE)

enum ff_fam { FF_RISCV, FF_ARM, FF_X86, FF_VTD, FF_AMD };

static const char *const ff_fam_name[] = { "riscv", "armv8", "x86_64", "vtdss", "amdv1" };

/* What the config is, as the documents describe it. */
struct ff_fmt {
	enum ff_fam fam;
	struct genpt_config cfg;
	bool s2, contig, dbm, gstage, napot, pbmt, snp;
	bool has_dirty;    /* read_and_clear_dirty works */
	bool wo;           /* write-only expressible: reads need GENPT_READ */
	bool has_exec;     /* GENPT_NOEXEC denies instruction fetches */
	unsigned int table_pa_bits;
	unsigned int start_level; /* ARM */
	struct gm_geom g;
	struct rawfmt rf; /* the decoder's view of cfg (test/support/rawfmt.h) */
};

struct ff {
	const uint8_t *data;
	size_t size, pos;
	unsigned int checks; /* state checks so far: every 4th reclaims */

	struct ff_fmt f;
	struct gm_model m;
	struct genpt *pt;
	struct genpt_physmem *pm;
	uint64_t pm_base, pm_size;
	/* host memory, and the format cannot point everywhere in it (ARM
	 * with a narrow PS): any table page may be refused */
	bool host_pa_unknown;

	struct genpt_gather g;
	bool req, allow;
	uint64_t req_lo, req_hi, allow_lo, allow_hi;

	uint64_t recent_iova[FF_RECENT], recent_len[FF_RECENT];
	unsigned int nrecent, recent_next;
	uint64_t scales[4];

	struct fc_carry carry; /* dirty ranges the table carries (fuzz_carry.h) */
	/* The leaves split mode replaced (genpt_set_dirty_tracking_split on),
	 * oldest first: what leaving it merges back. */
	struct gm_leaf *notes;
	size_t nnotes;
	struct gm_leaf *plan;
	uint64_t *bits, *want;
	uint64_t rng;
	unsigned int op;
	const char *opname;
	bool trace;

	struct fh_half h; /* a side of the two-thread mode (fuzz_halves.h) */

	struct fch_set ch; /* what changed since the last verify */
};

#define FAIL(f, ...)                                                          \
	do {                                                                  \
		fprintf(stderr, "fuzz_formats: MISMATCH (%s) in op %u (%s): ", \
			ff_fam_name[(f)->f.fam], (f)->op,                      \
			(f)->opname ? (f)->opname : "setup");                 \
		fprintf(stderr, __VA_ARGS__);                                 \
		fputc('\n', stderr);                                          \
		abort();                                                      \
	} while (0)

#define TRACE(f, ...)                                                         \
	do {                                                                  \
		if ((f)->trace) {                                             \
			fprintf(stderr, "[%u] ", (f)->op);                    \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
		}                                                             \
	} while (0)

/* ------------------------------------------------------------- input -- */

static uint8_t u8(struct ff *f)
{
	return f->pos < f->size ? f->data[f->pos++] : 0;
}

static uint16_t u16(struct ff *f)
{
	uint16_t v = u8(f);

	return (uint16_t)(v | (uint16_t)u8(f) << 8);
}

static uint32_t u32(struct ff *f)
{
	uint32_t v = u16(f);

	return v | (uint32_t)u16(f) << 16;
}

static uint64_t u64(struct ff *f)
{
	uint64_t v = u32(f);

	return v | (uint64_t)u32(f) << 32;
}

static uint64_t ff_rand(struct ff *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t ff_gran(const struct ff *f)
{
	return 1ull << f->f.g.gshift;
}

/* 2^bits, or 0 for 64 (the top of the 64-bit space, seen from below). */
static uint64_t ff_pow2(unsigned int bits)
{
	return bits >= 64 ? 0 : 1ull << bits;
}

/* A base address region; *down: offsets are taken below it. */
static uint64_t ff_arena(const struct ff *f, unsigned int sel, bool *down)
{
	unsigned int v = f->m.g.va_bits;

	*down = false;
	switch (sel % 10) {
	case 0:
		return 0;
	case 1:
		return 3 * GiB;
	case 2:
		return v > 40 ? 1ull << 39 : 1ull << (v - 2);
	case 3:
		return v > 34 ? 5 * GiB + 7 * 2 * MiB : 1ull << (v - 1);
	case 4: /* top of the lower half / of the space */
		*down = true;
		return f->m.g.sign_extend ? 1ull << (v - 1) : ff_pow2(v);
	case 5: /* bottom of the upper half */
		return f->m.g.sign_extend ? 0 - (1ull << (v - 1)) : 1ull << (v - 1);
	case 6: /* top of the 64-bit space */
		*down = true;
		return 0;
	case 7: /* just past the lower half */
		return 1ull << (v - 1);
	case 8:
		return 1ull << 63;
	default:
		return v > 48 ? 1ull << 47 : 1ull << (v - 3);
	}
}

static void ff_recent(struct ff *f, uint64_t iova, uint64_t len)
{
	f->recent_iova[f->recent_next] = iova;
	f->recent_len[f->recent_next] = len;
	f->recent_next = (f->recent_next + 1) % FF_RECENT;
	if (f->nrecent < FF_RECENT)
		f->nrecent++;
}

static uint64_t ff_iova(struct ff *f)
{
	uint8_t sel = u8(f);
	unsigned int v = f->m.g.va_bits;
	uint64_t va, g = ff_gran(f);

	switch (sel & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: {
		bool down;
		uint64_t base = ff_arena(f, u8(f), &down);
		uint64_t scale = f->scales[(sel >> 4) & 3];
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
			va += (uint64_t)(int64_t)delta * g;
		} else {
			va = 3 * GiB;
		}
		break;
	case 10:
		if (f->m.n) {
			const struct gm_leaf *l = &f->m.leaf[u16(f) % f->m.n];
			int8_t delta = (int8_t)u8(f);

			va = ((sel & 0x10) ? l->last + 1 : l->first) +
			     (uint64_t)(int64_t)delta * g;
		} else {
			va = 0;
		}
		break;
	case 11:
		va = u64(f);
		break;
	case 12:
		va = u64(f) & ~(g - 1);
		break;
	default: {
		const uint64_t edges[] = {
			0,
			0 - g,
			(1ull << (v - 1)) - g,
			0 - (1ull << (v - 1)),
			1ull << (v - 1),
			ff_pow2(v) - g,
			ff_pow2(v),
			ff_pow2(v) - f->scales[2],
			0 - f->scales[3],
			(1ull << (v - 1)) - f->scales[3],
		};

		va = edges[u8(f) % (sizeof(edges) / sizeof(edges[0]))];
		break;
	}
	}
	if (sel >= 0xf8)
		va += 1 + u8(f) % 0xfff; /* misaligned */
	else if (sel >= 0xf0 && g > 4096)
		va += 4096 * (1 + u8(f) % (g / 4096 - 1)); /* 4K- but not granule-aligned */
	/* the other side of the two-thread mode: addresses near what this
	 * side mapped before stay; arenas and edges move to its half */
	return (sel & 15) >= 6 && (sel & 15) <= 10 ? va : va ^ f->h.flip;
}

/* An address for a single access: usually inside something mapped. */
static uint64_t ff_va(struct ff *f)
{
	uint8_t sel = u8(f);

	if ((sel & 3) != 0 && f->m.n) {
		const struct gm_leaf *l = &f->m.leaf[u16(f) % f->m.n];
		uint64_t off = (uint64_t)u32(f) << 12 | (sel >> 4);

		return l->first + off % gm_size(l);
	}
	return ff_iova(f) + (u16(f) & 0xfff);
}

static uint64_t ff_len(struct ff *f, uint64_t iova)
{
	uint8_t sel = u8(f);
	uint64_t g = ff_gran(f);

	switch (sel & 7) {
	case 0:
	case 1:
		return g * (1 + u8(f) % 64);
	case 2:
		return f->scales[1] * (1 + u8(f) % 16);
	case 3:
		return f->scales[2] * (1 + u8(f) % 4);
	case 4: {
		const uint64_t l[] = { f->scales[3], f->scales[2] + g, f->scales[2] - g,
				       f->scales[1] + g, f->scales[3] - g,
				       f->scales[3] + f->scales[2], 512 * GiB, 4 * KiB };

		return l[u8(f) % 8];
	}
	case 5:
		if ((sel & 8) && f->nrecent)
			return f->recent_len[u8(f) % f->nrecent];
		return 0 - iova; /* up to 2^64 */
	case 6: {
		const uint64_t l[] = { 0, 1, 4095, g + 4096, 0 - g, 1ull << 63,
				       0 - iova + g, 0 - iova - g };

		return l[u8(f) % 8];
	}
	default:
		return (sel & 8) ? u64(f) & ~(g - 1) : (uint64_t)u16(f) * g;
	}
}

static uint64_t ff_oa(struct ff *f, uint64_t iova, uint64_t len)
{
	uint8_t sel = u8(f);
	uint64_t top = ff_pow2(f->m.g.oa_bits), g = ff_gran(f);

	switch (sel & 15) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: {
		/* congruent with iova: large leaves and runs possible */
		uint64_t a = f->scales[(sel >> 4) & 3];

		if (sel & 0x40)
			a <<= 1 + ((sel >> 7) & 1) * 3; /* AMD v1 and ARM runs */
		return (uint64_t)u8(f) * a + (iova & (a - 1));
	}
	case 7: case 8:
		return iova & (top - 1) & ~(g - 1);
	case 9: case 10: case 11:
		return ((uint64_t)u32(f) << 12) & ~(g - 1);
	case 12: case 13: /* at the top of the output space */
		return top - len + ((uint64_t)(u8(f) % 3) - 1) * g;
	case 14:
		return ((uint64_t)u32(f) << 12) + 1 + u8(f) % 0xfff;
	default:
		return u64(f);
	}
}

static unsigned int ff_prot(struct ff *f)
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
		GENPT_READ | GENPT_WRITE | GENPT_NOEXEC,
		GENPT_READ,
		GENPT_WRITE | GENPT_MMIO,
		GENPT_READ | GENPT_WRITE,
		GENPT_READ | GENPT_WRITE,
		GENPT_WRITE,
		0,
		GENPT_NOEXEC,
		1u << 5,
		GENPT_READ | (1u << 31),
	};

	return p[u8(f) % (sizeof(p) / sizeof(p[0]))];
}

/* Two-thread mode: may this side touch [@iova, @iova + @len)? (fh_mine) */
static bool ff_mine(const struct ff *f, uint64_t iova, uint64_t len, bool carry)
{
	return fh_mine(&f->h, iova, len, carry, f->carry.n);
}

/* ------------------------------------------------------------ checks -- */

static void ff_errno(struct ff *f, int got, int want, const char *what)
{
	if (got != want)
		FAIL(f, "%s returned %d, model expects %d", what, got, want);
}

/*
 * Physmems kept between inputs (issue 22): creating one and unmapping its
 * touched pages at the end was 10-15% of an input (munmap's TLB shootdown,
 * a page fault per fresh table page).  An input ends with its physmem
 * empty (checked), and the physmem zeroes every block it gets back, so an
 * empty one is as good as new.  Only physmems whose base is aligned to
 * their size are kept: after every block came back they are one free
 * block again, so they hand out the same addresses as a fresh one and an
 * input replays the same alone or after others.
 */
#define FF_PM_CACHE 4

static struct {
	uint64_t base, size;
	struct genpt_physmem *pm;
} ff_pm_cache[FF_PM_CACHE];
static unsigned int ff_pm_next;

static int ff_pm_get(uint64_t base, uint64_t size, struct genpt_physmem **out)
{
	for (unsigned int i = 0; i < FF_PM_CACHE; i++) {
		if (ff_pm_cache[i].pm && ff_pm_cache[i].base == base &&
		    ff_pm_cache[i].size == size) {
			*out = ff_pm_cache[i].pm;
			ff_pm_cache[i].pm = NULL;
			return 0;
		}
	}
	return genpt_physmem_create(base, size, out);
}

static void ff_pm_put(struct genpt_physmem *pm, uint64_t base, uint64_t size)
{
	uint64_t b = 1, n = 1;
	unsigned int i = ff_pm_next;

	if (!pm)
		return;
	if ((base & (size - 1)) || (size & (size - 1)) || genpt_physmem_stats(pm, &b, &n) ||
	    b || n) {
		genpt_physmem_destroy(pm);
		return;
	}
	ff_pm_next = (ff_pm_next + 1) % FF_PM_CACHE;
	genpt_physmem_destroy(ff_pm_cache[i].pm);
	ff_pm_cache[i].base = base;
	ff_pm_cache[i].size = size;
	ff_pm_cache[i].pm = pm;
}

static uint64_t ff_pm_bytes(struct ff *f, uint64_t *blocks)
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
/* 4 KiB blocks of 255 notes of split mode (table.h), counted as table memory. */
static uint64_t ff_note_blocks(size_t notes)
{
	return (notes + 254) / 255;
}

static void ff_check_state(struct ff *f)
{
	uint64_t nb = ff_note_blocks(f->nnotes);
	uint64_t tb = 0, model = gm_table_bytes(&f->m) + nb * 4096;
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
		uint64_t blocks, b = ff_pm_bytes(f, &blocks);

		/* Pages waiting in the gather are allocated but not counted. */
		if (b < tb)
			FAIL(f, "physmem holds %" PRIu64 " bytes < table bytes %" PRIu64, b, tb);
		if (!f->g.freed && (b != tb || (tb == model && blocks != 1 + nb + gm_tables(&f->m))))
			FAIL(f, "physmem holds %" PRIu64 " bytes in %" PRIu64
				" blocks with an empty gather, model: %" PRIu64 " in %" PRIu64,
			     b, blocks, tb, 1 + nb + gm_tables(&f->m));
	}
}

static int ff_model_translate(struct ff *f, uint64_t va, uint64_t *oa)
{
	int err = gm_check_va(&f->m, va);
	long i;

	if (err)
		return err;
	i = gm_find(&f->m, va);
	if (i < 0)
		return -ENOENT;
	*oa = f->m.leaf[i].oa + (va - f->m.leaf[i].first);
	return 0;
}

/* The call on [@iova, @iova + @len) may change that range (fuzz_changed.h;
 * a range it must refuse: only its first address). */
static void ff_touch(struct ff *f, uint64_t iova, uint64_t len)
{
	uint64_t last;

	fch_add_len(&f->ch, iova, gm_check_iova(&f->m, iova, len, &last) ? 1 : len);
}

static void ff_check_va(struct ff *f, uint64_t va)
{
	uint64_t oa = 0xdeadbeef, want = 0;
	int err, werr;

	if (!ff_mine(f, va, 1, false))
		return; /* the other side's half */
	err = genpt_iova_to_phys(f->pt, va, &oa);
	werr = ff_model_translate(f, va, &want);
	if (err != werr)
		FAIL(f, "iova_to_phys(0x%" PRIx64 ") = %d, model %d", va, err, werr);
	if (!err && oa != want)
		FAIL(f, "iova_to_phys(0x%" PRIx64 ") -> 0x%" PRIx64 ", model 0x%" PRIx64, va, oa,
		     want);
}

static void ff_check_range(struct ff *f, uint64_t first, uint64_t last)
{
	size_t i, k;

	ff_check_va(f, first);
	ff_check_va(f, first - 4 * KiB);
	ff_check_va(f, last);
	ff_check_va(f, last & ~0xfffull);
	ff_check_va(f, last + 1);
	ff_check_va(f, first + ((last - first) / 2 & ~0xfffull));
	i = gm_lower(&f->m, first);
	for (k = 0; k < 12 && i + k < f->m.n && f->m.leaf[i + k].first <= last; k++) {
		const struct gm_leaf *l = &f->m.leaf[i + k];

		ff_check_va(f, l->first);
		ff_check_va(f, l->last);
		ff_check_va(f, l->first - 1);
		ff_check_va(f, l->last + 1);
	}
}

static void ff_gather_same(struct ff *f, const struct genpt_gather *s)
{
	if (s->start != f->g.start || s->last != f->g.last || s->freed != f->g.freed)
		FAIL(f, "gather changed: [0x%" PRIx64 ", 0x%" PRIx64 "] %p -> [0x%" PRIx64
			", 0x%" PRIx64 "] %p", s->start, s->last, s->freed, f->g.start,
		     f->g.last, f->g.freed);
}

static void ff_hull(bool *has, uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b)
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

static void ff_gather_check(struct ff *f)
{
	bool empty = f->g.start > f->g.last;

	if (f->req && (empty || f->g.start > f->req_lo || f->g.last < f->req_hi))
		FAIL(f, "gather [0x%" PRIx64 ", 0x%" PRIx64 "] misses [0x%" PRIx64 ", 0x%" PRIx64
			"]", f->g.start, f->g.last, f->req_lo, f->req_hi);
	if (!empty && (!f->allow || f->g.start < f->allow_lo || f->g.last > f->allow_hi))
		FAIL(f, "gather [0x%" PRIx64 ", 0x%" PRIx64 "] beyond what the operations "
			"touched", f->g.start, f->g.last);
}

/* ------------------------------------------------------ entry decoders -- */

/*
 * One entry as the manual reads it: test/support/rawfmt.c, the decoder the
 * tests use too.  It is strict: only what genpt writes is a leaf or a
 * table; anything else (reserved encodings, bits genpt never sets) is
 * RAWFMT_BAD, a mismatch.
 */
static struct rawfmt_ent ff_decode(const struct ff *f, unsigned int lvl, uint64_t e)
{
	return rawfmt_decode(&f->f.rf, lvl, e);
}

/* ---------------------------------------------------- table walking -- */

static uint64_t *ff_table_ptr(struct ff *f, uint64_t pa)
{
	void *p = f->pm ? genpt_physmem_ptr(f->pm, pa) : (void *)(uintptr_t)pa;

	if (!p || ((uintptr_t)p & 7))
		FAIL(f, "table at pa 0x%" PRIx64 " is not backed", pa);
	if (f->pm && pa >> f->f.table_pa_bits)
		FAIL(f, "table at pa 0x%" PRIx64 " beyond what the format can point at", pa);
	return p;
}

static uint64_t ff_sext(const struct ff *f, uint64_t va)
{
	unsigned int s = 64 - f->m.g.va_bits;

	return f->m.g.sign_extend && s ? (uint64_t)((int64_t)(va << s) >> s) : va;
}

/* What the model's prot says the leaf's R/W/X (and PBMT) must be. */
static void ff_check_perms(struct ff *f, const struct gm_leaf *l, const struct rawfmt_ent *d,
			   uint64_t va)
{
	struct rawfmt_ent want;

	rawfmt_want_prot(&f->f.rf, l->prot, &want);
	if (d->r != want.r || d->w != want.w || d->x != want.x)
		FAIL(f, "leaf at 0x%" PRIx64 ": R/W/X %d%d%d, prot 0x%x wants %d%d%d", va,
		     d->r, d->w, d->x, l->prot, want.r, want.w, want.x);
	if (d->pbmt != want.pbmt)
		FAIL(f, "leaf at 0x%" PRIx64 ": PBMT %u, prot 0x%x wants %u", va, d->pbmt,
		     l->prot, want.pbmt);
}

struct ff_walk {
	size_t idx;
	uint64_t tables;
	/* an incremental verify: only the tables whose span meets these
	 * ranges (and the root); NULL: all */
	const struct fch_set *only;
};

/* Is @l in a table that an incremental walk looks at (see struct
 * ff_walk)? */
static bool ff_leaf_hit(const struct ff *f, const struct fch_set *only, const struct gm_leaf *l)
{
	uint64_t span, first;

	if (!only || l->lvl + 1u >= f->m.g.levels)
		return true;
	span = 1ull << f->m.g.shift[l->lvl + 1];
	first = l->first & ~(span - 1);
	return fch_hit(only, first, first + (span - 1));
}

static void ff_walk(struct ff *f, uint64_t pa, unsigned int lvl, uint64_t base,
		    struct ff_walk *w)
{
	const struct gm_geom *g = &f->m.g;
	uint64_t n = 1ull << g->tbits[lvl];
	unsigned int shift = g->shift[lvl];
	uint64_t *t = ff_table_ptr(f, pa), live = 0;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		uint64_t va;
		struct rawfmt_ent d;
		const struct gm_leaf *l;
		unsigned int members;

		/* Every decoder reads 0 as empty (no present/valid bit); most
		 * entries of a table are 0, so do not decode them. */
		if (!e)
			continue;
		va = ff_sext(f, base + (i << shift));
		d = ff_decode(f, lvl, e);
		if (d.kind == RAWFMT_EMPTY)
			continue;
		if (d.kind == RAWFMT_BAD)
			FAIL(f, "entry 0x%016" PRIx64 " at va 0x%" PRIx64 " level %u: %s", e, va,
			     lvl, d.why);
		live++;
		if (d.kind == RAWFMT_TABLE) {
			if (f->pm && (d.oa & (gm_table_size(g, lvl - 1) - 1)))
				FAIL(f, "table at 0x%" PRIx64 " not aligned to its size", d.oa);
			w->tables++;
			if (!w->only || fch_hit(w->only, va, va + ((1ull << shift) - 1)))
				ff_walk(f, d.oa, lvl - 1, base + (i << shift), w);
			continue;
		}
		while (w->idx < f->m.n && !ff_leaf_hit(f, w->only, &f->m.leaf[w->idx]))
			w->idx++;
		if (w->idx >= f->m.n)
			FAIL(f, "table has a leaf at 0x%" PRIx64 " (level %u) the model does not",
			     va, lvl);
		l = &f->m.leaf[w->idx];
		if (l->first != va || l->lvl != lvl || l->run_log2 != d.run_log2)
			FAIL(f, "table leaf at 0x%" PRIx64 " level %u run %u, model leaf at 0x%"
				PRIx64 " level %u run %u", va, lvl, d.run_log2, l->first, l->lvl,
			     l->run_log2);
		members = 1u << d.run_log2;
		if ((i & (members - 1)) || i + members > n)
			FAIL(f, "run at 0x%" PRIx64 " not aligned in its table", va);
		for (unsigned int j = 0; j < members; j++) {
			uint64_t me = __atomic_load_n(&t[i + j], __ATOMIC_RELAXED);
			struct rawfmt_ent md = ff_decode(f, lvl, me);
			uint64_t want_oa = d.replicated ? l->oa : l->oa + ((uint64_t)j << shift);

			if (md.kind != RAWFMT_LEAF || md.run_log2 != d.run_log2)
				FAIL(f, "member %u of the run at 0x%" PRIx64 " is 0x%016" PRIx64, j,
				     va, me);
			if (md.oa != want_oa)
				FAIL(f, "leaf at 0x%" PRIx64 " member %u maps 0x%" PRIx64
					", model 0x%" PRIx64, va, j, md.oa, want_oa);
			ff_check_perms(f, l, &md, va);
			if (f->f.has_dirty && md.dirty != gm_dirty_member(l, j))
				FAIL(f, "leaf at 0x%" PRIx64 " member %u: dirty %d, model %d", va,
				     j, md.dirty, gm_dirty_member(l, j));
			if (j && d.replicated &&
			    ((me ^ e) & ~rawfmt_dirty_bits(&f->f.rf)))
				FAIL(f, "replicas of 0x%" PRIx64 " differ beyond D", va);
		}
		live += members - 1;
		i += members - 1;
		w->idx++;
	}
	/* (an incremental walk does not reclaim first: unmaps may have left
	 * empty tables) */
	if (!live && !w->only && lvl != g->levels - 1)
		FAIL(f, "empty table at level %u (va 0x%" PRIx64 ") left linked", lvl,
		     ff_sext(f, base));
}

static void ff_check_table(struct ff *f, const struct fch_set *only)
{
	struct genpt_hw_info hi;
	struct ff_walk w = { 0, 0, only };

	if (genpt_hw_info(f->pt, &hi))
		FAIL(f, "genpt_hw_info failed");
	ff_walk(f, hi.root_pa, f->m.g.levels - 1, 0, &w);
	while (w.idx < f->m.n && !ff_leaf_hit(f, only, &f->m.leaf[w.idx]))
		w.idx++;
	if (w.idx != f->m.n)
		FAIL(f, "table has %zu leaves, model %zu", w.idx, f->m.n);
	if (!only && w.tables != gm_tables(&f->m))
		FAIL(f, "table has %" PRIu64 " tables below the root, model %" PRIu64, w.tables,
		     gm_tables(&f->m));
}

/* ------------------------------------------------------------ bitmap -- */

static void ff_bits_set(uint64_t *w, const struct genpt_dirty_bitmap *bm, uint64_t first,
			uint64_t last)
{
	uint64_t b0 = (first - bm->iova) >> bm->page_shift;
	uint64_t b1 = (last - bm->iova) >> bm->page_shift;

	for (uint64_t b = b0; b <= b1; b++)
		w[b / 64] |= 1ull << (b % 64);
}

static bool ff_leaf_dirty(const struct ff *f, const struct gm_leaf *l)
{
	return f->f.has_dirty && (l->prot & GENPT_WRITE) && gm_any_dirty(l);
}

/* fc_take() reporting into a bitmap (ctx: struct ff_bm_ctx). */
struct ff_bm_ctx {
	uint64_t *w;
	const struct genpt_dirty_bitmap *bm;
};

static void ff_bits_report(void *ctx, uint64_t first, uint64_t last)
{
	struct ff_bm_ctx *c = ctx;

	if (c->bm)
		ff_bits_set(c->w, c->bm, first, last);
}

/* One-bit bitmap over leaf @i of @arg's model: its dirty state, NO_CLEAR
 * (an fch_check_leaves() callback). */
static void ff_check_leaf_dirty(void *arg, size_t i)
{
	struct ff *f = arg;
	const struct gm_leaf *l = &f->m.leaf[i];
	uint64_t word = 0;
	struct genpt_dirty_bitmap bm = {
		.bits = &word,
		.iova = l->first,
		.length = gm_size(l),
		.page_shift = (unsigned int)__builtin_ctzll(gm_size(l)),
	};
	bool want = ff_leaf_dirty(f, l);
	int err;

	if (!f->f.has_dirty)
		return;
	/* carried pages under the leaf are reported too */
	fc_take(&f->carry, l->first, l->last, false, fc_flag_report, &want);
	if (bm.page_shift > 63)
		return;
	err = genpt_read_and_clear_dirty(f->pt, l->first, gm_size(l), GENPT_DIRTY_NO_CLEAR, &bm,
					 NULL);
	ff_errno(f, err, 0, "read_and_clear_dirty(NO_CLEAR) of one leaf");
	if (word != (want ? 1u : 0u))
		FAIL(f, "leaf 0x%" PRIx64 " harvests as %" PRIu64 ", model %d", l->first, word,
		     want);
}

/* fch_check_leaves()' view of @f's model and checks. */
static void ff_leaf_span(void *f, size_t i, uint64_t *first, uint64_t *last)
{
	const struct gm_leaf *l = &((struct ff *)f)->m.leaf[i];

	*first = l->first;
	*last = l->last;
}

static void ff_check_va_cb(void *f, uint64_t va)
{
	ff_check_va(f, va);
}

static uint64_t ff_rand_cb(void *f)
{
	return ff_rand(f);
}

/* Translations at, inside and around every leaf (@only: every leaf that
 * meets those ranges), and its dirty state (@dirty: of every leaf). */
static void ff_check_leaves(struct ff *f, const struct fch_set *only, bool dirty)
{
	const struct fch_leaves v = { f, f->m.n, ff_leaf_span, ff_check_va_cb, ff_rand_cb,
				       ff_check_leaf_dirty };

	fch_check_leaves(&v, only, dirty);
}

/*
 * Table and model compared: in full (@full, or when an operation may have
 * changed any leaf), else incrementally, where the operations since the
 * last verify acted (f->ch, fuzz_changed.h).  The final verify of every
 * input is a full one, so a change outside those ranges is still caught.
 */
static void ff_verify(struct ff *f, bool full)
{
	const struct fch_set *only = full || f->ch.all ? NULL : &f->ch;

	ff_check_state(f);
	ff_check_leaves(f, only, f->ch.dirty);
	if (f->h.on) { /* reclaim needs the table to itself */
		ff_gather_check(f);
		fch_reset(&f->ch);
		return;
	}
	/* The walk below finds every table the model's leaves need and no
	 * other: the empty ones unmaps leave go first (genpt_reclaim()). */
	if (!only && genpt_reclaim(f->pt, NULL, NULL))
		FAIL(f, "genpt_reclaim failed");
	ff_check_table(f, only && f->ch.dirty ? &fch_everything : only);
	ff_gather_check(f);
	fch_reset(&f->ch);
}

/* ---------------------------------------------------------------- ops -- */

static int ff_first_error(int a, int b)
{
	static const int order[] = { -EINVAL, -EOVERFLOW, -ERANGE };

	for (unsigned int i = 0; i < 3; i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a ? a : b;
}

/* Will the physmem have room for @bytes of new tables?  1 yes, 0 no,
 * -1 cannot tell (tables larger than a page may not fit a fragmented
 * buddy space even when enough bytes are free). */
static int ff_room(struct ff *f, uint64_t count, uint64_t bytes)
{
	uint64_t used;

	if (!count)
		return 1;
	if (f->h.on) /* a side's physmem is 1 GiB (ff_create) */
		return f->pm || !f->host_pa_unknown ? 1 : -1;
	if (!f->pm)
		return f->host_pa_unknown ? -1 : 1;
	used = ff_pm_bytes(f, NULL);
	if (bytes > f->pm_size - used)
		return 0;
	for (unsigned int t = 0; t + 1 < f->m.g.levels; t++)
		if (gm_table_size(&f->m.g, t) != 4096)
			return -1;
	return 1;
}

static void ff_map(struct ff *f, bool again)
{
	uint64_t iova, len, oa, last = 0, need = 0, need_bytes = 0;
	unsigned int prot;
	bool use_g, overlap = false;
	int room = 1;
	struct gm_hull fresh = { false, 0, 0 };
	struct genpt_gather before;
	long n = 0;
	int want, err;

	if (again && f->nrecent) {
		unsigned int k = u8(f) % f->nrecent;

		iova = f->recent_iova[k];
		len = f->recent_len[k];
	} else {
		iova = ff_iova(f);
		len = ff_len(f, iova);
	}
	oa = ff_oa(f, iova, len);
	prot = ff_prot(f);
	use_g = (u8(f) & 3) != 0;
	if (!ff_mine(f, iova, len, false))
		return;
	ff_touch(f, iova, len);

	if (!(prot & (GENPT_READ | GENPT_WRITE)) || (prot & ~PROT_ALL))
		want = -EINVAL;
	else
		want = ff_first_error(gm_check_iova(&f->m, iova, len, &last),
				      gm_check_oa(&f->m, oa, len));
	if (!want) {
		size_t space = FF_MAX_LEAVES - f->m.n;

		n = gm_plan_map(&f->m, iova, last, oa, prot, f->f.has_dirty, f->plan,
				space < FF_MAX_PLAN ? space : FF_MAX_PLAN);
		if (n < 0)
			return; /* too big for the model's budget: skip */
		overlap = gm_overlaps(&f->m, iova, last);
		need = gm_new_tables(&f->m, f->plan, (size_t)n, &need_bytes, &fresh);
		room = ff_room(f, need, need_bytes);
		/* The model counts the tables its leaves need; empty ones an
		 * unmap left would make the map need less.  Where memory
		 * decides the outcome, give them back first so it is exact. */
		if (room != 1 && !f->h.on) {
			if (genpt_reclaim(f->pt, NULL, NULL))
				FAIL(f, "genpt_reclaim failed");
			room = ff_room(f, need, need_bytes);
		}
	}
	TRACE(f, "map iova 0x%" PRIx64 " len 0x%" PRIx64 " oa 0x%" PRIx64 " prot 0x%x "
		 "gather %d: want %d (%ld leaves, %" PRIu64 " new tables, overlap %d, room %d)",
	      iova, len, oa, prot, use_g, want, n, need, overlap, room);
	before = f->g;
	err = genpt_map(f->pt, iova, oa, len, prot, use_g ? &f->g : NULL);
	if (want) {
		ff_errno(f, err, want, "genpt_map");
	} else if (overlap && room != 1) {
		if (err != -EEXIST && err != -ENOMEM)
			FAIL(f, "genpt_map returned %d, want -EEXIST or -ENOMEM", err);
	} else if (overlap) {
		ff_errno(f, err, -EEXIST, "genpt_map over a mapped leaf");
	} else if (room == 0) {
		ff_errno(f, err, -ENOMEM, "genpt_map without table memory");
	} else if (room < 0 && err == -ENOMEM) {
		/* a fragmented physmem may refuse: nothing changed (checked below) */
	} else {
		ff_errno(f, err, 0, "genpt_map");
		gm_insert(&f->m, f->plan, (size_t)n);
	}
	if (!want)
		ff_recent(f, iova, len);
	if (err && !want && use_g) {
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
		if (fresh.has)
			ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, fresh.lo, fresh.hi);
	} else if (!err && use_g) {
		/* A leaf may take the place of an empty table an unmap left:
		 * its page and span (inside the range) go to the gather. */
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
	} else {
		ff_gather_same(f, &before);
	}
	ff_gather_check(f);
	ff_check_state(f);
	if (!want)
		ff_check_range(f, iova, last);
	else
		ff_check_va(f, iova);
}

/* Cover [@iova, @last] in whole pages of at least 2^@ps, with as few bits
 * as the fuzzer's buffer (f->bits) holds. */
static void ff_bitmap_cover(struct ff *f, uint64_t iova, uint64_t last, unsigned int ps,
			    struct genpt_dirty_bitmap *bm)
{
	while (ps < 63 && (((last | ((1ull << ps) - 1)) - (iova & ~((1ull << ps) - 1))) >> ps) >=
				  FF_MAX_BITS - 8)
		ps++;
	bm->page_shift = ps;
	bm->iova = iova & ~((1ull << ps) - 1);
	bm->length = (last | ((1ull << ps) - 1)) - bm->iova + 1;
	bm->bits = f->bits;
}

/*
 * A bitmap over [iova, last] in f->bits (f->want the model's copy), the
 * finest page size that keeps it within FF_MAX_BITS.
 */
static void ff_range_bitmap(struct ff *f, uint64_t iova, uint64_t last,
			    struct genpt_dirty_bitmap *bm)
{
	ff_bitmap_cover(f, iova, last, 12, bm);
	memset(f->bits, 0, (FF_MAX_BITS / 64) * 8);
	memset(f->want, 0, (FF_MAX_BITS / 64) * 8);
}

/* genpt_unmap_read_dirty's record against the model's, after the call. */
static void ff_unmap_dirty_check(struct ff *f, const struct genpt_dirty_bitmap *bm)
{
	for (uint64_t w = 0; w < FF_MAX_BITS / 64; w++)
		if (f->bits[w] != f->want[w])
			FAIL(f, "unmap_read_dirty: bitmap word %" PRIu64 " is 0x%016" PRIx64
				", model 0x%016" PRIx64 " (bitmap iova 0x%" PRIx64 " shift %u)",
			     w, f->bits[w], f->want[w], bm->iova, bm->page_shift);
}

static void ff_unmap(struct ff *f, bool again)
{
	uint64_t iova, len, last = 0, got = 0xdeadbeefull, bytes = 0;
	uint8_t gsel = u8(f), usel = u8(f);
	bool use_g = (gsel & 3) != 0, want_count = usel & 1;
	bool read_dirty = (usel & 2) != 0; /* genpt_unmap_read_dirty */
	struct genpt_dirty_bitmap bm = { 0 };
	struct ff_bm_ctx bc = { NULL, NULL };
	struct genpt_gather before;
	size_t lo = 0, hi = 0;
	int want, err;

	if (again && f->nrecent) {
		unsigned int k = u8(f) % f->nrecent;

		iova = f->recent_iova[k];
		len = f->recent_len[k];
	} else {
		iova = ff_iova(f);
		len = ff_len(f, iova);
	}
	if (!ff_mine(f, iova, len, true))
		return;
	ff_touch(f, iova, len);
	want = gm_check_iova(&f->m, iova, len, &last);
	if (!want && read_dirty) {
		ff_range_bitmap(f, iova, last, &bm);
		if (!bm.length) /* 2^64 bytes: no bitmap holds it, unmap plainly */
			bm.bits = NULL;
		else
			bc = (struct ff_bm_ctx){ f->want, &bm };
		if (bm.bits && !f->f.has_dirty)
			want = -EOPNOTSUPP;
	}
	if (!want) {
		long a = gm_find(&f->m, iova), b = gm_find(&f->m, last);

		if ((a >= 0 && f->m.leaf[a].first < iova) || (b >= 0 && f->m.leaf[b].last > last))
			want = -EINVAL; /* never split a leaf or a run */
	}
	if (!want) {
		lo = hi = gm_lower(&f->m, iova);
		while (hi < f->m.n && f->m.leaf[hi].first <= last)
			bytes += gm_size(&f->m.leaf[hi++]);
	}
	TRACE(f, "unmap iova 0x%" PRIx64 " len 0x%" PRIx64 " gather %d: want %d, %zu leaves, "
		 "0x%" PRIx64 " bytes", iova, len, use_g, want, hi - lo, bytes);
	before = f->g;
	if (read_dirty)
		err = genpt_unmap_read_dirty(f->pt, iova, len, bm.bits ? &bm : NULL,
					     use_g ? &f->g : NULL, want_count ? &got : NULL);
	else
		err = genpt_unmap(f->pt, iova, len, use_g ? &f->g : NULL,
				  want_count ? &got : NULL);
	ff_errno(f, err, want, read_dirty ? "genpt_unmap_read_dirty" : "genpt_unmap");
	if (!err) {
		struct gm_hull freed = { false, 0, 0 };

		if (want_count && got != bytes)
			FAIL(f, "unmapped 0x%" PRIx64 " bytes, model 0x%" PRIx64, got, bytes);
		/* removed dirty leaves and the carried pages of the range */
		for (size_t i = lo; bc.bm && i < hi; i++)
			if (ff_leaf_dirty(f, &f->m.leaf[i]))
				ff_bits_set(f->want, &bm, f->m.leaf[i].first, f->m.leaf[i].last);
		fc_take(&f->carry, iova, last, true, ff_bits_report, &bc);
		if (bc.bm)
			ff_unmap_dirty_check(f, &bm);
		if (hi > lo && use_g)
			ff_hull(&f->req, &f->req_lo, &f->req_hi, f->m.leaf[lo].first,
				f->m.leaf[hi - 1].last);
		/* Only tables whose whole span the range covers go (an empty
		 * one may go even when no leaf did), so everything the unmap
		 * gathers lies inside the range. */
		if (use_g)
			ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
		gm_remove(&f->m, lo, hi - lo, &freed);
		if (!use_g)
			ff_gather_same(f, &before);
		if (hi > lo)
			ff_recent(f, iova, len);
	} else {
		ff_gather_same(f, &before);
	}
	ff_gather_check(f);
	ff_check_state(f);
	if (!want)
		ff_check_range(f, iova, last);
	else
		ff_check_va(f, iova);
}

static void ff_translate(struct ff *f)
{
	uint64_t va = ff_va(f);

	if ((u8(f) & 15) == 0) {
		ff_errno(f, genpt_iova_to_phys(f->pt, va, NULL), -EINVAL, "iova_to_phys(NULL)");
		return;
	}
	TRACE(f, "iova_to_phys 0x%" PRIx64, va);
	ff_check_va(f, va);
}

/* What the format's reference walk must say for @access at @va. */
static int ff_hw_want(struct ff *f, uint64_t va, unsigned int access, uint64_t *oa,
		      long *idx)
{
	const struct gm_leaf *l;
	unsigned int member;
	int want;

	if (access < GENPT_ACCESS_READ || access > GENPT_ACCESS_EXEC)
		return -EINVAL;
	want = ff_model_translate(f, va, oa);
	if (want)
		return want;
	*idx = gm_find(&f->m, va);
	l = &f->m.leaf[*idx];
	member = gm_member_of(&f->m, l, va);
	switch (access) {
	case GENPT_ACCESS_WRITE:
		if (!(l->prot & GENPT_WRITE))
			return -EACCES;
		/* without hardware dirty update, a write-clean entry faults */
		if (f->f.has_dirty && !f->m.tracking && !gm_dirty_member(l, member))
			return -EACCES;
		return 0;
	case GENPT_ACCESS_EXEC:
		if (f->f.has_exec)
			return (l->prot & GENPT_NOEXEC) ? -EACCES : 0;
		/* no execute permission: checked as a read */
		/* fall through */
	default:
		if (f->f.wo && !(l->prot & GENPT_READ))
			return -EACCES;
		return 0;
	}
}

static void ff_hw_one(struct ff *f, uint64_t va, unsigned int access)
{
	uint64_t oa = 0xdeadbeef, want_oa = 0;
	long i = -1;
	int want, err;

	if (!ff_mine(f, va, 1, false))
		return;
	fch_add(&f->ch, va, va);
	want = ff_hw_want(f, va, access, &want_oa, &i);
	TRACE(f, "hw_access 0x%" PRIx64 " kind %u: want %d", va, access, want);
	err = genpt_hw_access(f->pt, va, access, &oa);
	ff_errno(f, err, want, "genpt_hw_access");
	if (err)
		return;
	if (oa != want_oa)
		FAIL(f, "hw_access(0x%" PRIx64 ") -> 0x%" PRIx64 ", model 0x%" PRIx64, va, oa,
		     want_oa);
	if (access == GENPT_ACCESS_WRITE && f->f.has_dirty && f->m.tracking) {
		struct gm_leaf *l = &f->m.leaf[i];

		gm_set_dirty(l, gm_member_of(&f->m, l, va));
	}
}

static const unsigned int ff_access_kinds[8] = {
	GENPT_ACCESS_WRITE, GENPT_ACCESS_WRITE, GENPT_ACCESS_READ, GENPT_ACCESS_EXEC,
	GENPT_ACCESS_WRITE, GENPT_ACCESS_READ, 0, 4,
};

static void ff_hw(struct ff *f)
{
	uint64_t va = ff_va(f);

	ff_hw_one(f, va, ff_access_kinds[u8(f) & 7]);
	ff_check_state(f);
}

static void ff_hw_burst(struct ff *f)
{
	uint64_t va = ff_iova(f);
	unsigned int count = 1 + u8(f) % 32;
	uint64_t stride = f->scales[u8(f) & 3];

	if (f->nrecent && (u8(f) & 1))
		va = f->recent_iova[u8(f) % f->nrecent];
	for (unsigned int i = 0; i < count; i++)
		ff_hw_one(f, va + i * stride, GENPT_ACCESS_WRITE);
	ff_check_state(f);
}

/* A query's range: one used before (when @recent and there is one), or
 * drawn afresh. */
static void ff_query(struct ff *f, bool recent, uint64_t *iova, uint64_t *len)
{
	if (f->nrecent && recent) {
		unsigned int k = u8(f) % f->nrecent;

		*iova = f->recent_iova[k];
		*len = f->recent_len[k];
	} else {
		*iova = ff_iova(f);
		*len = ff_len(f, *iova);
	}
}

static void ff_dirty(struct ff *f)
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
	bool cleaned = false, no_bitmap = false;
	int want, err;

	ff_query(f, fsel & 0x10, &iova, &len);
	if (!ff_mine(f, iova, len, true))
		return;
	ff_touch(f, iova, len);
	/* Argument errors first (the query's shape, then the bitmap's, both
	 * -EINVAL; then wrap and range), -EOPNOTSUPP after them. */
	want = (flags & ~GENPT_DIRTY_NO_CLEAR) ? -EINVAL : 0;
	if (!want)
		want = gm_check_iova(&f->m, iova, len, &last);

	if (!want) {
		unsigned int ps = 12 + ((psel & 3) == 3 ? psel % 10 : 0);
		uint64_t pg, a0, a1, mb, ma;

		for (;;) {
			pg = 1ull << ps;
			a0 = iova & ~(pg - 1);
			a1 = last | (pg - 1);
			if (((a1 - a0) >> ps) < FF_MAX_BITS - 8)
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
		if (!bm.length) { /* 2^64 bytes: no bitmap can hold the query */
			no_bitmap = true;
			words = 1;
		}
	} else {
		bm.iova = 0;
		bm.length = 64 * 4 * KiB;
		bm.page_shift = 12;
		words = 1;
	}
	if (words > (FF_MAX_BITS + 63) / 64)
		FAIL(f, "fuzzer bitmap too large");
	bm.bits = f->bits;
	for (uint64_t w = 0; w < words; w++)
		f->bits[w] = (msel & 0x80) ? ff_rand(f) : 0;
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
	case 3:
		bm.iova = (iova & ~((1ull << bm.page_shift) - 1)) + (1ull << bm.page_shift);
		break;
	case 4:
		bm.length = 0;
		break;
	case 5:
		bm.iova += bm.page_shift > 12 ? 4 * KiB : 1;
		break;
	case 6:
		bm.length += bm.page_shift > 12 ? 4 * KiB : 1;
		break;
	default:
		break;
	}
	if (want != -EINVAL && pbm &&
	    (((bsel & 15) >= 1 && (bsel & 15) <= 6) || no_bitmap || iova < bm.iova ||
	     len > bm.length || iova - bm.iova > bm.length - len))
		want = -EINVAL; /* a bad bitmap, or the query outside it */
	if (!want && !f->f.has_dirty)
		want = -EOPNOTSUPP;

	clear = !(flags & GENPT_DIRTY_NO_CLEAR) && f->m.tracking;
	TRACE(f, "read_and_clear_dirty iova 0x%" PRIx64 " len 0x%" PRIx64 " flags %u bitmap %s "
		 "(iova 0x%" PRIx64 " len 0x%" PRIx64 " shift %u) gather %d: want %d", iova, len,
	      flags, pbm ? "yes" : "NULL", bm.iova, bm.length, bm.page_shift, use_g, want);
	before = f->g;
	err = genpt_read_and_clear_dirty(f->pt, iova, len, flags, pbm, use_g ? &f->g : NULL);
	ff_errno(f, err, want, "genpt_read_and_clear_dirty");
	if (!err) {
		struct ff_bm_ctx bc = { f->want, pbm ? &bm : NULL };

		fc_take(&f->carry, iova, last, !(flags & GENPT_DIRTY_NO_CLEAR), ff_bits_report,
			&bc);
		for (size_t i = gm_lower(&f->m, iova); i < f->m.n && f->m.leaf[i].first <= last;
		     i++) {
			struct gm_leaf *l = &f->m.leaf[i];

			if (!ff_leaf_dirty(f, l))
				continue;
			if (pbm)
				ff_bits_set(f->want, &bm, l->first > iova ? l->first : iova,
					    l->last < last ? l->last : last);
			if (!clear)
				continue;
			/* a leaf reaching outside: cleaned whole, the outside carried */
			if (!fc_clean_leaf(&f->carry, l->first, l->last, iova, last))
				continue; /* the carry is full: left dirty */
			gm_clear_dirty(l);
			ff_hull(&cleaned, &cleaned_lo, &cleaned_hi, l->first, l->last);
		}
		if (cleaned && use_g) {
			ff_hull(&f->req, &f->req_lo, &f->req_hi, cleaned_lo, cleaned_hi);
			ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
			ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, cleaned_lo, cleaned_hi);
		} else {
			ff_gather_same(f, &before);
		}
	} else {
		ff_gather_same(f, &before);
	}
	for (uint64_t w = 0; w < words; w++)
		if (f->bits[w] != f->want[w])
			FAIL(f, "bitmap word %" PRIu64 " is 0x%016" PRIx64 ", model 0x%016" PRIx64
				" (bitmap iova 0x%" PRIx64 " shift %u)", w, f->bits[w], f->want[w],
			     bm.iova, bm.page_shift);
	ff_gather_check(f);
	ff_check_state(f);
	if (!want)
		ff_check_range(f, iova, last);
}

static void ff_tracking(struct ff *f)
{
	bool on = u8(f) & 1;

	if (f->h.on)
		return; /* needs the table to itself */
	f->ch.dirty = true; /* may change every leaf's dirty state */
	TRACE(f, "set_dirty_tracking %d", on);
	if (!f->f.has_dirty) {
		ff_errno(f, genpt_set_dirty_tracking(f->pt, on), -EOPNOTSUPP,
			 "set_dirty_tracking without dirty state");
		ff_check_state(f);
		return;
	}
	ff_errno(f, genpt_set_dirty_tracking(f->pt, on), 0, "set_dirty_tracking");
	if (!on) {
		for (size_t i = 0; i < f->m.n; i++)
			if (f->m.leaf[i].prot & GENPT_WRITE)
				gm_all_dirty(&f->m.leaf[i]);
	}
	f->m.tracking = on;
	ff_check_state(f);
}

static void ff_release(struct ff *f)
{
	TRACE(f, "gather_release [0x%" PRIx64 ", 0x%" PRIx64 "]", f->g.start, f->g.last);
	ff_errno(f, genpt_gather_release(f->pt, &f->g), 0, "gather_release");
	if (f->g.freed || f->g.start <= f->g.last)
		FAIL(f, "gather not empty after release");
	f->req = f->allow = false;
	ff_check_state(f);
}


/* ------------------------------------------------------ split / merge -- */

/*
 * The attributes a format can express for @prot (docs/riscv.md,
 * armv8.md, x86.md): two prots with the same value here make identical
 * leaves, so merge may join them.
 */
static unsigned int ff_attrs(const struct ff *f, unsigned int prot)
{
	unsigned int a = 0;
	bool r = prot & GENPT_READ, w = prot & GENPT_WRITE, mmio = prot & GENPT_MMIO;
	bool cache = prot & GENPT_CACHE, nx = prot & GENPT_NOEXEC;

	if (!f->f.wo)
		r = true; /* write-only maps read-write */
	a |= (r ? 1u : 0) | (w ? 2u : 0);
	if (f->f.has_exec && nx)
		a |= 4;
	switch (f->f.fam) {
	case FF_RISCV:
		if (f->f.pbmt)
			a |= mmio ? 0x10 : cache ? 0x20 : 0x40;
		break;
	case FF_ARM:
		a |= mmio ? 0x10 : cache ? 0x20 : 0x40;
		break;
	case FF_X86:
		a |= mmio ? 0x10 : 0;
		break;
	case FF_VTD:
		a |= (f->f.snp && cache && !mmio) ? 0x20 : 0;
		break;
	default:
		a |= (cache && !mmio) ? 0x20 : 0;
		break;
	}
	return a;
}

/* The largest leaf or run the format has of at most 2^@ps bytes. */
static bool ff_target(const struct ff *f, unsigned int ps, unsigned int *lvl,
		      unsigned int *k)
{
	const struct gm_geom *g = &f->m.g;
	unsigned int best = 0;
	bool any = false;

	for (unsigned int l = 0; l < g->levels; l++) {
		for (unsigned int kk = 0; kk < 32; kk++) {
			bool ok = kk ? (g->run_mask[l] >> kk) & 1 : g->can_leaf[l];

			if (!ok || g->shift[l] + kk > ps || (any && g->shift[l] + kk <= best))
				continue;
			best = g->shift[l] + kk;
			*lvl = l;
			*k = kk;
			any = true;
		}
	}
	return any;
}

static unsigned int ff_page_shift(struct ff *f)
{
	uint8_t sel = u8(f);
	const struct gm_geom *g = &f->m.g;

	switch (sel & 3) {
	case 0: /* a level's size */
		return g->shift[(sel >> 2) % g->levels];
	case 1: /* a level's size plus a run */
		return g->shift[(sel >> 2) % g->levels] + (u8(f) % 9);
	case 2: /* odd ones: below the granule, 63, 64 */
		return (sel & 4) ? g->gshift - 1 : 63u + ((sel >> 3) & 1u);
	default:
		return 12 + (sel >> 2) % 52;
	}
}

/*
 * The model after a split: leaves [@lo, @hi) larger than 2^@ps go (their
 * tables stay: the children need them), the @nnew children in f->plan
 * come in.
 */
static void ff_split_model(struct ff *f, size_t lo, size_t hi, unsigned int ps,
			   size_t nnew)
{
	if (!nnew)
		return;
	for (size_t i = hi; i-- > lo;)
		if (gm_size(&f->m.leaf[i]) > (1ull << ps))
			gm_remove(&f->m, i, 1, NULL);
	/* In address-contiguous batches: one insertion per child moved the
	 * model's tail once per child (a quarter of fuzz_formats' time). */
	for (size_t i = 0, j; i < nnew; i = j) {
		for (j = i + 1; j < nnew && f->plan[j].first == f->plan[j - 1].last + 1;)
			j++;
		gm_insert(&f->m, &f->plan[i], j - i);
	}
}

/*
 * Into f->plan: the leaves that replace every leaf of [@lo, @hi) larger
 * than 2^@ps (target level @tl, run 2^@tk), their hull into @hull.  False
 * when they do not fit the model's budget.
 */
static bool ff_plan_split(struct ff *f, size_t lo, size_t hi, unsigned int ps,
			  unsigned int tl, unsigned int tk, size_t *nnew, struct gm_hull *hull)
{
	uint64_t tsize = 1ull << (f->m.g.shift[tl] + tk);

	*nnew = 0;
	for (size_t i = lo; i < hi; i++) {
		const struct gm_leaf *l = &f->m.leaf[i];

		if (gm_size(l) <= (1ull << ps))
			continue;
		if (*nnew + gm_size(l) / tsize > FF_MAX_PLAN ||
		    f->m.n + *nnew + gm_size(l) / tsize > FF_MAX_LEAVES)
			return false;
		for (uint64_t off = 0; off < gm_size(l); off += tsize) {
			struct gm_leaf *c = &f->plan[(*nnew)++];

			memset(c, 0, sizeof(*c));
			c->first = l->first + off;
			c->last = c->first + tsize - 1;
			c->oa = l->oa + off;
			c->lvl = tl;
			c->run_log2 = tk;
			c->prot = l->prot;
			if (ff_leaf_dirty(f, l))
				gm_all_dirty(c);
		}
		gm_hull_add(hull, l->first, l->last);
	}
	return true;
}

static void ff_split(struct ff *f)
{
	uint8_t sel = u8(f);
	uint64_t iova, len, last = 0, need = 0, need_bytes = 0;
	unsigned int ps, tl = 0, tk = 0;
	bool use_g = (u8(f) & 3) != 0, found = false;
	struct gm_hull hull = { false, 0, 0 };
	struct genpt_gather before;
	size_t lo = 0, hi = 0, nnew = 0;
	int want, err, room = 1;

	if ((sel & 3) && f->m.n) {
		/* mostly: part of a leaf, to a size below it */
		const struct gm_leaf *l = &f->m.leaf[u16(f) % f->m.n];
		unsigned int ls = (unsigned int)__builtin_ctzll(gm_size(l));
		uint64_t g = ff_gran(f);

		iova = l->first + ((sel & 4) ? (u16(f) * g) % gm_size(l) : 0);
		len = (sel & 8) ? gm_size(l) - (iova - l->first) : g * (1 + u8(f) % 16);
		ps = ls > f->m.g.gshift ? f->m.g.gshift + u8(f) % (ls - f->m.g.gshift) :
					    f->m.g.gshift;
	} else {
		iova = ff_iova(f);
		len = ff_len(f, iova);
		ps = ff_page_shift(f);
	}
	if (!ff_mine(f, iova, len, false))
		return;
	ff_touch(f, iova, len);
	want = ps < f->m.g.gshift || ps > 63 ? -EINVAL : 0;
	if (!want)
		want = gm_check_iova(&f->m, iova, len, &last);
	if (!want) {
		lo = hi = gm_lower(&f->m, iova);
		while (hi < f->m.n && f->m.leaf[hi].first <= last)
			hi++;
		found = hi > lo;
		if (!found)
			want = -ENOENT;
	}
	if (!want && !ff_target(f, ps, &tl, &tk))
		FAIL(f, "no target size for 2^%u", ps);
	if (!want) {
		if (!ff_plan_split(f, lo, hi, ps, tl, tk, &nnew, &hull))
			return; /* too big for the model's budget: skip */
		need = gm_new_tables(&f->m, f->plan, nnew, &need_bytes, NULL);
		room = ff_room(f, need, need_bytes);
	}
	if (hull.has) /* the new leaves: all of each leaf split */
		fch_add(&f->ch, hull.lo, hull.hi);
	TRACE(f, "split iova 0x%" PRIx64 " len 0x%" PRIx64 " to 2^%u (target level %u run %u) "
		 "gather %d: want %d, %zu new leaves, %" PRIu64 " new tables, room %d", iova, len,
	      ps, tl, tk, use_g, want, nnew, need, room);
	before = f->g;
	err = genpt_split(f->pt, iova, len, ps, use_g ? &f->g : NULL);
	if (want) {
		ff_errno(f, err, want, "genpt_split");
	} else if (room == 0 && nnew) {
		ff_errno(f, err, -ENOMEM, "genpt_split without table memory");
	} else if (room < 0 && err == -ENOMEM) {
		/* a fragmented physmem may refuse: nothing changed */
	} else {
		ff_errno(f, err, 0, "genpt_split");
		ff_split_model(f, lo, hi, ps, nnew);
	}
	if (!err && hull.has)
		ff_recent(f, hull.lo, hull.hi - hull.lo + 1);
	if (!err && hull.has && use_g) {
		ff_hull(&f->req, &f->req_lo, &f->req_hi, hull.lo, hull.hi);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, hull.lo, hull.hi);
	} else {
		ff_gather_same(f, &before);
	}
	ff_gather_check(f);
	ff_check_state(f);
	if (!want)
		ff_check_range(f, hull.has ? hull.lo : iova, hull.has ? hull.hi : last);
}

/* Every leaf of the real table, decoded, in address order. */
static void ff_collect(struct ff *f, uint64_t pa, unsigned int lvl, uint64_t base,
		       struct gm_leaf *out, size_t *n, size_t max)
{
	const struct gm_geom *g = &f->m.g;
	uint64_t cnt = 1ull << g->tbits[lvl], *t = ff_table_ptr(f, pa);

	for (uint64_t i = 0; i < cnt; i++) {
		/* acquire: a table the other side of the two-thread mode just
		 * installed is read after its zeroing */
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_ACQUIRE);
		struct rawfmt_ent d;
		struct gm_leaf *l;

		if (!e)
			continue; /* empty in every format (see ff_walk) */
		/* two-thread mode: the other side's chunks may be changing
		 * (an entry wider than a chunk is a table both use) */
		if (f->h.on && g->shift[lvl] <= f->h.cbits &&
		    !ff_mine(f, ff_sext(f, base + (i << g->shift[lvl])), 1, false))
			continue;
		d = ff_decode(f, lvl, e);
		if (d.kind == RAWFMT_EMPTY)
			continue;
		if (d.kind == RAWFMT_BAD)
			FAIL(f, "entry 0x%016" PRIx64 " at level %u: %s", e, lvl, d.why);
		if (d.kind == RAWFMT_TABLE) {
			ff_collect(f, d.oa, lvl - 1, base + (i << g->shift[lvl]), out, n, max);
			continue;
		}
		if (*n == max)
			FAIL(f, "more leaves after merge than before");
		l = &out[(*n)++];
		memset(l, 0, sizeof(*l));
		l->first = ff_sext(f, base + (i << g->shift[lvl]));
		l->lvl = lvl;
		l->run_log2 = d.run_log2;
		l->last = l->first + ((1ull << (g->shift[lvl] + d.run_log2)) - 1);
		l->oa = d.oa;
		for (unsigned int j = 0; j < (1u << d.run_log2); j++) {
			struct rawfmt_ent md = ff_decode(f, lvl, __atomic_load_n(&t[i + j],
									   __ATOMIC_RELAXED));

			if (md.dirty && f->f.has_dirty)
				gm_set_dirty(l, j);
		}
		i += (1u << d.run_log2) - 1;
	}
}

static bool ff_same_leaf(const struct gm_leaf *a, const struct gm_leaf *b)
{
	return a->first == b->first && a->last == b->last && a->lvl == b->lvl &&
	       a->run_log2 == b->run_log2 && a->oa == b->oa;
}

static void ff_merge(struct ff *f)
{
	uint8_t sel = u8(f);
	uint64_t iova, len, last = 0;
	bool use_g;
	struct genpt_gather before;
	struct genpt_hw_info hi;
	struct gm_leaf *nl;
	struct gm_hull changed = { false, 0, 0 }, freed = { false, 0, 0 };
	size_t nn = 0, lo, hi_, j;
	int want, err;

	if ((sel & 3) && f->nrecent) {
		/* mostly: a range used before, widened to a block or run */
		uint64_t base = f->recent_iova[u8(f) % f->nrecent];
		uint64_t align = f->scales[1 + u8(f) % 3];

		iova = base & ~(align - 1);
		len = align * (1 + u8(f) % 4);
	} else {
		iova = ff_iova(f);
		len = ff_len(f, iova);
	}
	use_g = (u8(f) & 3) != 0;
	if (!ff_mine(f, iova, len, false))
		return;
	ff_touch(f, iova, len);
	want = gm_check_iova(&f->m, iova, len, &last);
	if (!want && !gm_overlaps(&f->m, iova, last))
		want = -ENOENT;
	TRACE(f, "merge iova 0x%" PRIx64 " len 0x%" PRIx64 " gather %d: want %d", iova, len,
	      use_g, want);
	before = f->g;
	err = genpt_merge(f->pt, iova, len, use_g ? &f->g : NULL);
	/* With a gather, merge first takes a page to note the tables it will
	 * replace (they stay intact until release): a full physmem refuses. */
	if (!(err == -ENOMEM && !want && use_g && ff_room(f, 1, 4096) != 1))
		ff_errno(f, err, want, "genpt_merge");
	if (err) {
		ff_gather_same(f, &before);
		ff_gather_check(f);
		ff_check_state(f);
		return;
	}
	/* What the table holds now, against what it held. */
	nl = malloc((f->m.n + 1) * sizeof(*nl));
	if (!nl)
		abort();
	if (genpt_hw_info(f->pt, &hi))
		FAIL(f, "genpt_hw_info failed");
	ff_collect(f, hi.root_pa, f->m.g.levels - 1, 0, nl, &nn, f->m.n);
	j = 0;
	lo = hi_ = 0;
	for (size_t i = 0; i < nn; i++) {
		const struct gm_leaf *n = &nl[i];
		bool dirty = false;
		unsigned int attrs;
		uint64_t cover;
		size_t k;

		while (j < f->m.n && f->m.leaf[j].last < n->first)
			j++; /* old leaves now inside a merged one are checked below */
		if (j < f->m.n && ff_same_leaf(&f->m.leaf[j], n)) {
			/* unchanged, dirty state included */
			nl[i].prot = f->m.leaf[j].prot;
			if (f->f.has_dirty && memcmp(n->dirty, f->m.leaf[j].dirty, sizeof(n->dirty)))
				FAIL(f, "merge changed the dirty state of the untouched leaf 0x%"
					PRIx64, n->first);
			continue;
		}
		/* a new leaf: wholly inside the range, exactly covering old
		 * leaves with the same attributes and contiguous output */
		if (n->first < iova || n->last > last)
			FAIL(f, "merge made leaf [0x%" PRIx64 ", 0x%" PRIx64 "] (level %u run %u), "
				"which reaches outside [0x%" PRIx64 ", 0x%" PRIx64 "]", n->first,
			     n->last, n->lvl, n->run_log2, iova, last);
		attrs = ff_attrs(f, f->m.leaf[j].prot);
		cover = 0;
		for (k = j; k < f->m.n && f->m.leaf[k].first <= n->last; k++) {
			const struct gm_leaf *o = &f->m.leaf[k];

			if (o->first < n->first || o->last > n->last ||
			    o->oa - o->first != n->oa - n->first || ff_attrs(f, o->prot) != attrs)
				FAIL(f, "merged leaf [0x%" PRIx64 ", 0x%" PRIx64 "] -> 0x%" PRIx64
					" covers old leaf [0x%" PRIx64 ", 0x%" PRIx64 "] -> 0x%" PRIx64
					" prot 0x%x, which it cannot replace", n->first, n->last, n->oa,
				     o->first, o->last, o->oa, o->prot);
			cover += gm_size(o);
			dirty |= ff_leaf_dirty(f, o);
		}
		if (cover != gm_size(n))
			FAIL(f, "merged leaf [0x%" PRIx64 ", 0x%" PRIx64 "] maps 0x%" PRIx64
				" bytes that were not mapped", n->first, n->last, gm_size(n) - cover);
		(void)dirty;
		/* each member is dirty iff an old leaf inside it was */
		for (unsigned int m = 0; f->f.has_dirty && (f->m.leaf[j].prot & GENPT_WRITE) &&
					 m < gm_members(n); m++) {
			uint64_t m0 = n->first + ((uint64_t)m << f->m.g.shift[n->lvl]);
			uint64_t m1 = m0 + ((1ull << f->m.g.shift[n->lvl]) - 1);
			bool want_d = false;

			for (size_t q = j; q < k; q++) {
				const struct gm_leaf *o = &f->m.leaf[q];

				if (o->last < m0 || o->first > m1)
					continue;
				if (o->lvl == n->lvl) /* the same entry: its own bit */
					want_d |= (o->prot & GENPT_WRITE) &&
						  gm_dirty_member(o, gm_member_of(&f->m, o, m0));
				else /* a smaller leaf merged into the entry */
					want_d |= ff_leaf_dirty(f, o);
			}
			if (gm_dirty_member(n, m) != want_d)
				FAIL(f, "merged leaf 0x%" PRIx64 " member %u: dirty %d, the old leaves "
					"it covers %d", n->first, m, gm_dirty_member(n, m), want_d);
		}
		nl[i].prot = f->m.leaf[j].prot;
		gm_hull_add(&changed, n->first, n->last);
		j = k;
	}
	/* every old leaf is either kept or inside a new one (translations
	 * are unchanged): the bytes must add up */
	{
		uint64_t ob = 0, nb = 0;

		for (size_t i = 0; i < f->m.n; i++)
			ob += gm_size(&f->m.leaf[i]);
		for (size_t i = 0; i < nn; i++)
			nb += gm_size(&nl[i]);
		if (ob != nb)
			FAIL(f, "merge changed the mapped bytes: 0x%" PRIx64 " -> 0x%" PRIx64, ob, nb);
	}
	/* the model becomes what the table holds */
	(void)lo;
	(void)hi_;
	gm_remove(&f->m, 0, f->m.n, &freed);
	gm_insert(&f->m, nl, nn);
	free(nl);
	TRACE(f, "merge: %zu leaves now%s", nn, changed.has ? ", some merged" : "");
	if (changed.has && use_g) {
		ff_hull(&f->req, &f->req_lo, &f->req_hi, changed.lo, changed.hi);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, iova, last);
	} else {
		ff_gather_same(f, &before);
	}
	ff_gather_check(f);
	ff_check_state(f);
	ff_check_range(f, iova, last);
}

/* ---------------------------------------------------- clear by mask -- */

/* genpt_clear_dirty's documented checks, in order, for @bm (NULL: none). */
static int ff_mask_want(const struct ff *f, const struct genpt_dirty_bitmap *bm,
			uint64_t *last)
{
	uint64_t pg_m1;
	int want;

	if (!bm || !bm->bits || bm->page_shift < 12 || bm->page_shift > 63)
		return -EINVAL;
	pg_m1 = (1ull << bm->page_shift) - 1;
	if (!bm->length || (bm->iova & pg_m1) || (bm->length & pg_m1) ||
	    bm->length - 1 > UINT64_MAX - bm->iova)
		return -EINVAL; /* malformed, a wrapping mask included */
	want = gm_check_iova(&f->m, bm->iova, bm->length, last);
	if (!want && !f->f.has_dirty)
		want = -EOPNOTSUPP;
	return want;
}

/* A mask over [@iova, @last] in pages of at least 2^@ps, its bits drawn
 * by @bsel (random, all set, sparse, one bit). */
static void ff_mask_make(struct ff *f, struct genpt_dirty_bitmap *bm, uint64_t iova,
			 uint64_t last, unsigned int ps, uint8_t bsel)
{
	uint64_t words;

	ff_bitmap_cover(f, iova, last, ps, bm);
	words = ((bm->length >> bm->page_shift) + 63) / 64;
	for (uint64_t w = 0; w < FF_MAX_BITS / 64; w++) {
		uint64_t r = ff_rand(f);

		f->bits[w] = (bsel & 3) == 0 ? r : (bsel & 3) == 1 ? ~0ull :
			     (bsel & 3) == 2 ? r & ff_rand(f) & ff_rand(f) : 0;
	}
	if ((bsel & 3) == 3 && words)
		f->bits[ff_rand(f) % words] |= 1ull << (ff_rand(f) % 64);
}

/* The model after a genpt_clear_dirty of [@first, @last] with @bm: the
 * carried pages it names are forgotten, then (tracking on) each dirty leaf
 * it names a page of is cleaned with its left-out pages carried. */
static void ff_clear_model(struct ff *f, const struct genpt_dirty_bitmap *bm, uint64_t first,
			   uint64_t last, struct gm_hull *cleaned)
{
	uint64_t nbits = ((last - first) >> bm->page_shift) + 1;

	/* each run of set bits, as one range */
	for (uint64_t b = 0, z; b < nbits; b = z) {
		for (z = b; z < nbits && fc_bit(bm->bits, z) == fc_bit(bm->bits, b);)
			z++;
		if (fc_bit(bm->bits, b))
			fc_take(&f->carry, first + (b << bm->page_shift),
				first + (z << bm->page_shift) - 1, true, NULL, NULL);
	}
	if (!f->m.tracking)
		return;
	for (size_t i = gm_lower(&f->m, first); i < f->m.n && f->m.leaf[i].first <= last; i++) {
		struct gm_leaf *l = &f->m.leaf[i];

		if (!ff_leaf_dirty(f, l) ||
		    !fc_clear_leaf(&f->carry, l->first, l->last, first, last, bm->bits,
				   bm->page_shift))
			continue;
		gm_clear_dirty(l);
		gm_hull_add(cleaned, l->first, l->last);
	}
}

static void ff_clear(struct ff *f)
{
	uint8_t sel = u8(f), bsel = u8(f);
	bool use_g = (sel & 0x0c) != 0;
	struct genpt_dirty_bitmap bm = { .bits = f->bits, .page_shift = 12 };
	const struct genpt_dirty_bitmap *pbm = &bm;
	struct gm_hull cleaned = { false, 0, 0 };
	struct genpt_gather before;
	uint64_t iova, len, last = 0;
	bool made;
	int want, err;

	ff_query(f, sel & 0x10, &iova, &len);
	bm.iova = iova;
	bm.length = len;
	made = !gm_check_iova(&f->m, iova, len, &last);
	if (made)
		ff_mask_make(f, &bm, iova, last, 12 + ((sel & 0x60) == 0x60 ? u8(f) % 10 : 0),
			     bsel);
	else
		memset(f->bits, 0, (FF_MAX_BITS / 64) * 8);
	switch ((bsel >> 2) & 7) {
	case 1:
		bm.bits = NULL;
		break;
	case 2:
		bm.page_shift = (bsel & 0x20) ? 11 : 64;
		break;
	case 3:
		pbm = NULL;
		break;
	case 4: /* misaligned to the page or the granule, or fine */
		bm.iova += made ? 4 * KiB : 0;
		break;
	default:
		break;
	}
	if (!ff_mine(f, iova, len, true) || (pbm && !ff_mine(f, bm.iova, bm.length, true)))
		return;
	ff_touch(f, iova, len);
	if (pbm)
		ff_touch(f, bm.iova, bm.length);
	want = ff_mask_want(f, pbm, &last);
	memcpy(f->want, f->bits, (FF_MAX_BITS / 64) * 8);
	TRACE(f, "clear_dirty mask iova 0x%" PRIx64 " len 0x%" PRIx64 " shift %u gather %d: want %d",
	      bm.iova, bm.length, bm.page_shift, use_g, want);
	before = f->g;
	err = genpt_clear_dirty(f->pt, pbm, use_g ? &f->g : NULL);
	ff_errno(f, err, want, "genpt_clear_dirty");
	if (!err)
		ff_clear_model(f, &bm, bm.iova, last, &cleaned);
	if (memcmp(f->want, f->bits, (FF_MAX_BITS / 64) * 8))
		FAIL(f, "genpt_clear_dirty wrote its mask");
	if (cleaned.has && use_g) {
		ff_hull(&f->req, &f->req_lo, &f->req_hi, cleaned.lo, cleaned.hi);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, bm.iova, last);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, cleaned.lo, cleaned.hi);
	} else {
		ff_gather_same(f, &before);
	}
	ff_gather_check(f);
	ff_check_state(f);
	if (!want)
		ff_check_range(f, bm.iova, last);
}

/* ------------------------------------------------------- split mode -- */

/*
 * Whether the model still maps the noted leaf @r's range as the split
 * left it or as the caller could have: completely, by leaves inside it,
 * contiguous from its output address, with its attributes, through
 * tables merge can rebuild @r from (table.h: what leaving split mode
 * merges back).  [*lo, *hi) are those leaves.
 */
static bool ff_note_intact(const struct ff *f, const struct gm_leaf *r, size_t *lo, size_t *hi)
{
	unsigned int attrs = ff_attrs(f, r->prot);
	uint64_t covered = 0;
	size_t i;

	*lo = gm_lower(&f->m, r->first);
	for (i = *lo; i < f->m.n && f->m.leaf[i].first <= r->last; i++) {
		const struct gm_leaf *l = &f->m.leaf[i];

		if (l->first < r->first || l->last > r->last || l->oa - l->first != r->oa - r->first ||
		    ff_attrs(f, l->prot) != attrs)
			return false;
		/* the tables above @l up to @r's level must be ones merge can
		 * turn into leaves: their parents' levels hold plain leaves */
		for (unsigned int lv = l->lvl + 1; lv <= r->lvl; lv++)
			if (!f->m.g.can_leaf[lv])
				return false;
		covered += gm_size(l);
	}
	*hi = i;
	return covered == gm_size(r);
}

/* Leaving split mode in the model: newest note first, each intact one
 * becomes its leaf again (write-dirty when writable: tracking is off). */
static void ff_restore_model(struct ff *f, struct gm_hull *changed)
{
	while (f->nnotes) {
		struct gm_leaf r = f->notes[--f->nnotes];
		size_t lo, hi;

		if (!ff_note_intact(f, &r, &lo, &hi))
			continue;
		if (hi - lo == 1 && ff_same_leaf(&f->m.leaf[lo], &r))
			continue;
		memset(r.dirty, 0, sizeof(r.dirty));
		if (r.prot & GENPT_WRITE)
			gm_all_dirty(&r);
		gm_remove(&f->m, lo, hi - lo, NULL);
		gm_insert(&f->m, &r, 1);
		gm_hull_add(changed, r.first, r.last);
	}
}

/* On: every leaf larger than 2^@ps split (each noted), then tracking on. */
static void ff_split_mode_on(struct ff *f, unsigned int ps, bool use_g)
{
	struct gm_hull hull = { false, 0, 0 };
	uint64_t need, need_bytes, blocks;
	unsigned int tl = 0, tk = 0;
	size_t nnew, nsplit = 0;

	if (!ff_target(f, ps, &tl, &tk))
		FAIL(f, "no target size for 2^%u", ps);
	if (!ff_plan_split(f, 0, f->m.n, ps, tl, tk, &nnew, &hull))
		return; /* too big for the model's budget */
	for (size_t i = 0; i < f->m.n; i++)
		nsplit += gm_size(&f->m.leaf[i]) > (1ull << ps);
	if (f->nnotes + nsplit > FF_MAX_LEAVES)
		return;
	need = gm_new_tables(&f->m, f->plan, nnew, &need_bytes, NULL);
	blocks = ff_note_blocks(f->nnotes + nsplit) - ff_note_blocks(f->nnotes);
	/* A refused page may leave part of the space split: not modelled. */
	if (ff_room(f, need + blocks, need_bytes + blocks * 4096) != 1)
		return;
	TRACE(f, "set_dirty_tracking_split on 2^%u gather %d: %zu leaves split into %zu", ps,
	      use_g, nsplit, nnew);
	ff_errno(f, genpt_set_dirty_tracking_split(f->pt, true, ps, use_g ? &f->g : NULL), 0,
		 "set_dirty_tracking_split on");
	for (size_t i = 0; i < f->m.n; i++)
		if (gm_size(&f->m.leaf[i]) > (1ull << ps))
			f->notes[f->nnotes++] = f->m.leaf[i];
	ff_split_model(f, 0, f->m.n, ps, nnew);
	f->m.tracking = true;
	if (hull.has && use_g) {
		ff_hull(&f->req, &f->req_lo, &f->req_hi, hull.lo, hull.hi);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, hull.lo, hull.hi);
	}
}

/* Off: tracking off, then exactly the noted leaves merged back; the
 * table must equal the model leaf by leaf (the full verify). */
static void ff_split_mode_off(struct ff *f, unsigned int ps, bool use_g)
{
	struct gm_hull changed = { false, 0, 0 };

	/* merge takes pages for its note of the replaced tables when given a
	 * gather: only where they are certainly there */
	use_g = use_g && ff_room(f, f->nnotes + 1, (f->nnotes + 1) * 4096) == 1;
	TRACE(f, "set_dirty_tracking_split off gather %d: %zu notes", use_g, f->nnotes);
	ff_errno(f, genpt_set_dirty_tracking_split(f->pt, false, ps, use_g ? &f->g : NULL), 0,
		 "set_dirty_tracking_split off");
	for (size_t i = 0; i < f->m.n; i++)
		if (f->m.leaf[i].prot & GENPT_WRITE)
			gm_all_dirty(&f->m.leaf[i]);
	f->m.tracking = false;
	ff_restore_model(f, &changed);
	if (changed.has && use_g) {
		ff_hull(&f->req, &f->req_lo, &f->req_hi, changed.lo, changed.hi);
		ff_hull(&f->allow, &f->allow_lo, &f->allow_hi, changed.lo, changed.hi);
	}
	ff_verify(f, true);
}

static void ff_split_mode(struct ff *f)
{
	uint8_t sel = u8(f);
	unsigned int ps = ff_page_shift(f);
	bool on = sel & 1, use_g = (sel & 6) != 0;
	struct genpt_gather before = f->g;
	int want = ps < f->m.g.gshift || ps > 63 ? -EINVAL : 0;

	if (f->h.on)
		return; /* needs the table to itself */
	f->ch.all = true; /* may split or merge any leaf */
	if (!want && !f->f.has_dirty)
		want = -EOPNOTSUPP;
	if (want) {
		TRACE(f, "set_dirty_tracking_split %d 2^%u: want %d", on, ps, want);
		ff_errno(f, genpt_set_dirty_tracking_split(f->pt, on, ps, use_g ? &f->g : NULL),
			 want, "set_dirty_tracking_split");
	} else if (on) {
		ff_split_mode_on(f, ps, use_g);
	} else {
		ff_split_mode_off(f, ps, use_g);
	}
	if (!use_g)
		ff_gather_same(f, &before);
	ff_gather_check(f);
	ff_check_state(f);
}

/* ------------------------------------------------------------ config -- */

static void ff_geom_levels(struct gm_geom *g, unsigned int gshift, unsigned int stride,
			   unsigned int levels)
{
	g->gshift = gshift;
	g->levels = levels;
	for (unsigned int l = 0; l < levels; l++) {
		g->shift[l] = gshift + stride * l;
		g->tbits[l] = stride;
	}
}

static void ff_root(struct gm_geom *g)
{
	unsigned int top = g->levels - 1;
	unsigned int bits = g->va_bits - g->shift[top];

	g->tbits[top] = bits;
	g->root_bytes = 8ull << bits;
	if (g->root_bytes < 4096)
		g->root_bytes = 4096;
}

/* Arm ARM stage-2 start level as docs/armv8.md tabulates it. */
static int ff_arm_s2_start(unsigned int gs, unsigned int ia)
{
	unsigned int stride = gs - 3;

	for (int start = 3; start >= 0; start--) {
		unsigned int below = (unsigned int)(3 - start);
		unsigned int lo = below * stride + gs + 1, hi = lo + stride - 1 + 4;

		if ((gs == 12 && start == 3) || (gs != 12 && start == 0))
			continue;
		if (ia >= lo && ia <= hi)
			return start;
	}
	return -1;
}

/* The decoder's geometry (rawfmt, from the config alone) must be the
 * model's (written here from the same documents). */
static void ff_check_rawfmt(struct ff *f)
{
	struct rawfmt *rf = &f->f.rf;
	const struct gm_geom *g = &f->f.g;

	if (rawfmt_init(rf, &f->f.cfg))
		FAIL(f, "rawfmt refuses the config");
	if (rf->levels != g->levels || rf->va_bits != g->va_bits ||
	    rf->oa_bits != g->oa_bits || rf->sign_extend != g->sign_extend ||
	    rf->has_dirty != f->f.has_dirty || rf->write_only != f->f.wo ||
	    rf->has_exec != f->f.has_exec)
		FAIL(f, "rawfmt and the model disagree on the geometry");
	for (unsigned int l = 0; l < g->levels; l++)
		if (rf->shift[l] != g->shift[l] || rf->tbits[l] != g->tbits[l])
			FAIL(f, "rawfmt and the model disagree on level %u", l);
}

static bool ff_setup(struct ff *f, uint8_t c0, uint8_t c1, uint8_t c2, uint8_t c3,
		     bool explicit_gran)
{
	struct ff_fmt *x = &f->f;
	struct gm_geom *g = &x->g;

	memset(x, 0, sizeof(*x));
	x->fam = (enum ff_fam)((c0 & 7) % 5);
	switch (x->fam) {
	case FF_RISCV: {
		static const unsigned int va[4] = { 39, 48, 57, 0 };
		static const unsigned int oa[4] = { 0, 48, 32, 40 };
		unsigned int v = va[c2 & 3], levels;

		x->gstage = c1 & 1;
		x->napot = c1 & 2;
		x->pbmt = c1 & 4;
		levels = v ? 3 + (v - 39) / 9 : 5;
		x->cfg.format = GENPT_FMT_RISCV;
		x->cfg.va_bits = v ? v + (x->gstage ? 2 : 0) : 0;
		x->cfg.oa_bits = oa[c3 & 3];
		x->cfg.granule_bits = explicit_gran ? 12 : 0;
		x->cfg.features = (x->gstage ? GENPT_FEAT_RISCV_GSTAGE : 0) |
				  (x->napot ? GENPT_FEAT_RISCV_SVNAPOT : 0) |
				  (x->pbmt ? GENPT_FEAT_RISCV_SVPBMT : 0);
		ff_geom_levels(g, 12, 9, levels);
		g->va_bits = 39 + 9 * (levels - 3) + (x->gstage ? 2 : 0);
		g->oa_bits = x->cfg.oa_bits ? x->cfg.oa_bits : 56;
		g->sign_extend = !x->gstage;
		for (unsigned int l = 0; l < levels; l++)
			g->can_leaf[l] = true;
		g->run_mask[0] = x->napot ? 1u << 4 : 0;
		ff_root(g);
		x->has_dirty = true;
		x->wo = false;
		x->has_exec = true;
		x->table_pa_bits = 56;
		break;
	}
	case FF_ARM: {
		static const unsigned int oa[8] = { 0, 32, 36, 40, 42, 44, 48, 39 };
		static const unsigned int gr[4] = { 12, 12, 14, 16 };
		unsigned int gs = gr[(c1 >> 3) & 3], stride = gs - 3;
		unsigned int v = c2 >= 240 ? 0 : 25 + c2 % 24, va = v ? v : 48;
		int start;

		x->s2 = c1 & 1;
		x->contig = c1 & 2;
		x->dbm = c1 & 4;
		x->cfg.format = GENPT_FMT_ARMV8;
		x->cfg.va_bits = v;
		x->cfg.oa_bits = oa[c3 & 7];
		x->cfg.granule_bits = (gs == 12 && !explicit_gran) ? 0 : gs;
		x->cfg.features = (x->s2 ? GENPT_FEAT_ARMV8_S2 : 0) |
				  (x->contig ? GENPT_FEAT_ARMV8_CONTIG : 0) |
				  (x->dbm ? GENPT_FEAT_ARMV8_DBM : 0);
		start = x->s2 ? ff_arm_s2_start(gs, va) : 3 - (int)((va - 1 - gs) / stride);
		if (start < 0)
			abort();
		x->start_level = (unsigned int)start;
		ff_geom_levels(g, gs, stride, 4 - (unsigned int)start);
		g->va_bits = va;
		g->oa_bits = x->cfg.oa_bits ? x->cfg.oa_bits : 48;
		for (unsigned int l = 0; l < g->levels; l++) {
			g->can_leaf[l] = l <= 1 || (l == 2 && gs == 12);
			if (x->contig && g->can_leaf[l])
				g->run_mask[l] = 1u << (gs == 12 ? 4 : (gs == 14 && l == 0) ? 7 : 5);
		}
		ff_root(g);
		x->has_dirty = x->dbm;
		x->wo = x->s2;
		x->has_exec = true;
		x->table_pa_bits = g->oa_bits;
		break;
	}
	case FF_X86: {
		static const unsigned int va[4] = { 48, 57, 0, 48 };
		static const unsigned int oa[8] = { 0, 52, 32, 40, 46, 12, 39, 0 };
		unsigned int v = va[c2 & 3], levels = v == 48 ? 4 : 5;

		x->cfg.format = GENPT_FMT_X86_64;
		x->cfg.va_bits = v;
		x->cfg.oa_bits = oa[c3 & 7];
		x->cfg.granule_bits = explicit_gran ? 12 : 0;
		ff_geom_levels(g, 12, 9, levels);
		g->va_bits = levels == 4 ? 48 : 57;
		g->oa_bits = x->cfg.oa_bits ? x->cfg.oa_bits : 52;
		g->sign_extend = true;
		for (unsigned int l = 0; l < levels; l++)
			g->can_leaf[l] = l <= 2;
		ff_root(g);
		x->has_dirty = true;
		x->wo = false;
		x->has_exec = true;
		x->table_pa_bits = 52;
		break;
	}
	case FF_VTD: {
		static const unsigned int va[4] = { 39, 48, 57, 0 };
		static const unsigned int oa[8] = { 0, 52, 32, 40, 46, 12, 39, 0 };
		unsigned int v = va[c2 & 3], levels = v ? 3 + (v - 39) / 9 : 5;

		x->snp = c1 & 1;
		x->cfg.format = GENPT_FMT_VTDSS;
		x->cfg.va_bits = v;
		x->cfg.oa_bits = oa[c3 & 7];
		x->cfg.granule_bits = explicit_gran ? 12 : 0;
		x->cfg.features = x->snp ? GENPT_FEAT_VTDSS_SNP : 0;
		ff_geom_levels(g, 12, 9, levels);
		g->va_bits = 39 + 9 * (levels - 3);
		g->oa_bits = x->cfg.oa_bits ? x->cfg.oa_bits : 52;
		for (unsigned int l = 0; l < levels; l++)
			g->can_leaf[l] = l <= 2;
		ff_root(g);
		x->has_dirty = true;
		x->wo = true;
		x->has_exec = false;
		x->table_pa_bits = 52;
		break;
	}
	default: {
		static const unsigned int va[8] = { 21, 30, 39, 48, 57, 64, 0, 48 };
		static const unsigned int oa[8] = { 0, 52, 32, 40, 46, 12, 39, 0 };
		unsigned int v = va[c2 & 7], levels = v ? (v == 64 ? 6 : (v - 12) / 9) : 6;

		x->cfg.format = GENPT_FMT_AMDV1;
		x->cfg.va_bits = v;
		x->cfg.oa_bits = oa[c3 & 7];
		x->cfg.granule_bits = explicit_gran ? 12 : 0;
		ff_geom_levels(g, 12, 9, levels);
		g->va_bits = levels == 6 ? 64 : 12 + 9 * levels;
		g->oa_bits = x->cfg.oa_bits ? x->cfg.oa_bits : 52;
		for (unsigned int l = 0; l < levels; l++) {
			g->can_leaf[l] = l <= 4 && l != 3;
			g->run_mask[l] = l < 4 ? 0x1feu : l == 4 ? 0xeu : 0;
		}
		if (levels == 6)
			g->tbits[5] = 7;
		g->root_bytes = 4096;
		x->has_dirty = true;
		x->wo = true;
		x->has_exec = false;
		x->table_pa_bits = 52;
		break;
	}
	}
	ff_check_rawfmt(f);
	f->scales[0] = 1ull << g->gshift;
	f->scales[1] = g->run_mask[0] ? 1ull << (g->gshift + __builtin_ctz(g->run_mask[0]) +
						  (x->fam == FF_AMD ? 3 : 0)) :
		       16ull << g->gshift;
	f->scales[2] = g->levels > 1 ? 1ull << g->shift[1] : 64ull << g->gshift;
	f->scales[3] = g->levels > 2 ? 1ull << g->shift[2] : f->scales[2] << 4;
	gm_init(&f->m, g);
	return true;
}

/* A deliberately bad config must be refused with -EINVAL. */
static void ff_bad_config(struct ff *f, uint8_t sel)
{
	struct genpt_config cfg = f->f.cfg;
	struct genpt *pt = NULL;
	int err;

	switch (sel & 7) {
	case 0: /* a width no format of the family has */
		cfg.va_bits = f->f.fam == FF_ARM ? 24 : 40;
		break;
	case 1: /* a granule the format lacks */
		cfg.granule_bits = f->f.fam == FF_ARM ? 13 : 14;
		break;
	case 2: /* another family's feature */
		cfg.features |= f->f.fam == FF_RISCV ? GENPT_FEAT_ARMV8_DBM :
				GENPT_FEAT_RISCV_SVNAPOT;
		break;
	case 3: /* output wider than the format */
		cfg.oa_bits = f->f.fam == FF_ARM ? 49 : f->f.fam == FF_RISCV ? 57 : 53;
		break;
	case 4:
		cfg.oa_bits = f->f.fam == FF_ARM ? 31 : 11;
		break;
	case 5:
		cfg.features |= 1ull << 40; /* unknown bit */
		break;
	case 6:
		cfg.va_bits = 65;
		break;
	default:
		cfg.format = (enum genpt_format)((sel & 8) ? 0 : 6);
		break;
	}
	f->opname = "bad config";
	err = genpt_create(&cfg, &pt);
	if (err != -EINVAL) {
		if (!err)
			genpt_destroy(pt);
		FAIL(f, "genpt_create(bad config %u) returned %d, want -EINVAL", sel & 7, err);
	}
}

static void ff_null_args(struct ff *f)
{
	struct genpt_hw_info hi;
	struct genpt *pt = NULL;
	uint64_t v;

	f->opname = "NULL arguments";
	ff_errno(f, genpt_create(NULL, &pt), -EINVAL, "create(NULL cfg)");
	ff_errno(f, genpt_create(&f->f.cfg, NULL), -EINVAL, "create(NULL out)");
	ff_errno(f, genpt_map(NULL, 0, 0, 4096, GENPT_READ, NULL), -EINVAL, "map(NULL)");
	ff_errno(f, genpt_unmap(NULL, 0, 4096, NULL, NULL), -EINVAL, "unmap(NULL)");
	ff_errno(f, genpt_iova_to_phys(NULL, 0, &v), -EINVAL, "iova_to_phys(NULL)");
	ff_errno(f, genpt_read_and_clear_dirty(NULL, 0, 4096, 0, NULL, NULL), -EINVAL,
		 "read_and_clear_dirty(NULL)");
	ff_errno(f, genpt_set_dirty_tracking(NULL, true), -EINVAL, "set_dirty_tracking(NULL)");
	ff_errno(f, genpt_hw_access(NULL, 0, GENPT_ACCESS_READ, NULL), -EINVAL,
		 "hw_access(NULL)");
	ff_errno(f, genpt_hw_info(NULL, &hi), -EINVAL, "hw_info(NULL)");
	ff_errno(f, genpt_hw_info(f->pt, NULL), -EINVAL, "hw_info(pt, NULL)");
	ff_errno(f, genpt_table_bytes(NULL, &v), -EINVAL, "table_bytes(NULL)");
	ff_errno(f, genpt_table_bytes(f->pt, NULL), -EINVAL, "table_bytes(pt, NULL)");
	ff_errno(f, genpt_gather_release(NULL, &f->g), -EINVAL, "gather_release(NULL)");
	ff_errno(f, genpt_gather_release(f->pt, NULL), -EINVAL, "gather_release(pt, NULL)");
	ff_check_state(f);
}

static const uint64_t ff_pm_small[6] = {
	4 * KiB, 8 * KiB, 16 * KiB, 64 * KiB, 192 * KiB, 1 * MiB,
};

/* The hw_info fields the format documents promise. */
static void ff_check_hw_info(struct ff *f)
{
	struct genpt_hw_info hi;
	const struct gm_geom *g = &f->m.g;
	unsigned int want_mode;

	if (genpt_hw_info(f->pt, &hi))
		FAIL(f, "genpt_hw_info failed");
	switch (f->f.fam) {
	case FF_RISCV:
		want_mode = 8 + g->levels - 3;
		break;
	case FF_ARM:
		want_mode = f->f.start_level;
		break;
	case FF_X86:
	case FF_AMD:
		want_mode = g->levels;
		break;
	default:
		want_mode = g->levels - 2;
		break;
	}
	if (hi.levels != g->levels || hi.mode != want_mode || hi.root_size != g->root_bytes ||
	    (hi.root_pa & (hi.root_size - 1)))
		FAIL(f, "hw_info: levels %u mode %u root 0x%" PRIx64 " size %" PRIu64
			"; documents say levels %u mode %u size %" PRIu64, hi.levels, hi.mode,
		     hi.root_pa, hi.root_size, g->levels, want_mode, g->root_bytes);
	if (f->pm && (hi.root_pa < f->pm_base || hi.root_pa - f->pm_base >= f->pm_size))
		FAIL(f, "root 0x%" PRIx64 " outside the physmem", hi.root_pa);
	/* RISC-V: iosatp / iohgatp = MODE << 60 | root PPN (GSCID 0) */
	if (f->f.fam == FF_RISCV && hi.atp != (((uint64_t)hi.mode << 60) | (hi.root_pa >> 12)))
		FAIL(f, "hw_info: atp 0x%" PRIx64 " for mode %u root 0x%" PRIx64, hi.atp, hi.mode,
		     hi.root_pa);
}

static bool ff_create(struct ff *f)
{
	uint8_t c0 = u8(f), c1 = u8(f), c2 = u8(f), c3 = u8(f), p = u8(f), bad = u8(f);
	bool host = p & 0x80;
	struct genpt_config cfg;
	int err, want = 0;

	ff_setup(f, c0, c1, c2, c3, bad & 1);
	if (bad >= 0xf8) {
		ff_bad_config(f, bad);
		return false;
	}
	cfg = f->f.cfg;
	if (!host) {
		unsigned int tpb = f->f.table_pa_bits;
		uint64_t a;

		f->pm_size = ((p >> 3) & 15) >= 10 ? ff_pm_small[((p >> 3) & 15) - 10] : GiB;
		if (fh_threads() == 2)
			f->pm_size = GiB; /* the sides cannot predict each other's use */
		switch (p & 7) {
		case 0:
		case 1:
			f->pm_base = 0x80000000ull;
			break;
		case 2:
			f->pm_base = 0;
			break;
		case 3: /* 4K off every larger alignment */
			f->pm_base = (tpb > 34 ? 1ull << 33 : 0) + 4 * KiB;
			break;
		case 4:
			f->pm_base = 0x80000000ull + 12 * KiB;
			break;
		case 5: /* the top of what the format can point at */
			f->pm_base = (1ull << tpb) - f->pm_size;
			break;
		case 6: /* beyond it: every table page is refused */
			f->pm_base = 1ull << tpb;
			break;
		default:
			f->pm_base = (tpb > 41 ? 1ull << 40 : 0) + 0x3000;
			break;
		}
		if (f->pm_base + f->pm_size > (1ull << tpb) && f->pm_base < (1ull << tpb))
			f->pm_base = 0; /* never straddle the limit */
		if (ff_pm_get(f->pm_base, f->pm_size, &f->pm))
			FAIL(f, "genpt_physmem_create(0x%" PRIx64 ", 0x%" PRIx64 ") failed",
			     f->pm_base, f->pm_size);
		cfg.mem = &genpt_physmem_ops;
		cfg.mem_ctx = f->pm;
		/* the root needs an aligned block inside the physmem */
		a = (f->pm_base + f->m.g.root_bytes - 1) & ~(f->m.g.root_bytes - 1);
		if (a - f->pm_base + f->m.g.root_bytes > f->pm_size || f->pm_base >> tpb)
			want = -ENOMEM;
	}
	f->host_pa_unknown = host && f->f.table_pa_bits < 48;
	TRACE(f, "create %s features 0x%" PRIx64 " va %u (model %u, %u levels) oa %u gran %u "
		 "%s base 0x%" PRIx64 " size 0x%" PRIx64 ": want %d", ff_fam_name[f->f.fam],
	      cfg.features, cfg.va_bits, f->m.g.va_bits, f->m.g.levels, cfg.oa_bits,
	      cfg.granule_bits, host ? "host" : "physmem", f->pm_base, f->pm_size, want);
	err = genpt_create(&cfg, &f->pt);
	if (!(f->host_pa_unknown && err == -ENOMEM))
		ff_errno(f, err, want, "genpt_create");
	if (err) {
		f->pt = NULL;
		return false;
	}
	ff_check_hw_info(f);
	ff_check_state(f);
	if (bad & 2)
		ff_null_args(f);
	return true;
}

/* One operation of the program, chosen by its opcode byte @op. */
static void ff_op(struct ff *f, uint8_t op)
{
	/* the top bytes: split-mode tracking on / off */
	if (op >= 254) {
		f->opname = "set_dirty_tracking_split";
		ff_split_mode(f);
		return;
	}
	switch (op % 18) {
	case 0:
	case 1:
	case 2:
		f->opname = "map";
		ff_map(f, false);
		break;
	case 3:
	case 4:
		f->opname = "unmap";
		ff_unmap(f, false);
		break;
	case 5:
		f->opname = "iova_to_phys";
		ff_translate(f);
		break;
	case 6:
	case 7:
		f->opname = "hw_access";
		ff_hw(f);
		break;
	case 8:
		f->opname = "read_and_clear_dirty";
		ff_dirty(f);
		break;
	case 9:
		/* half of the second slot: clear by mask */
		f->opname = op < 126 ? "read_and_clear_dirty" : "clear_dirty";
		if (op < 126)
			ff_dirty(f);
		else
			ff_clear(f);
		break;
	case 10:
		f->opname = "set_dirty_tracking";
		ff_tracking(f);
		break;
	case 11:
		f->opname = "gather_release";
		ff_release(f);
		break;
	case 12:
		f->opname = "hw_access burst";
		ff_hw_burst(f);
		break;
	case 13:
		f->opname = "map again";
		ff_map(f, true);
		break;
	case 14:
		f->opname = "unmap again";
		ff_unmap(f, true);
		break;
	case 15:
		f->opname = "verify";
		ff_verify(f, false);
		break;
	case 16:
		f->opname = "split";
		ff_split(f);
		break;
	default:
		f->opname = "merge";
		ff_merge(f);
		break;
	}
}

/*
 * The work buffers, kept between inputs (issue 22): the notes alone are
 * 288 KiB, which ASan's allocator maps and unmaps for every input, and
 * that (page faults, the shadow's poisoning and madvise, munmap's TLB
 * shootdown) was a tenth of an input.  Set 0 is the input's, sets 1 and 2
 * the two threads' (ff_run_halves).  Every user fills what it reads: the
 * plan before it is used, the notes up to nnotes, the bitmaps are cleared
 * before each harvest.
 */
static struct {
	struct gm_leaf plan[FF_MAX_PLAN];
	struct gm_leaf notes[FF_MAX_LEAVES];
	uint64_t bits[FF_MAX_BITS / 64 + 2];
	uint64_t want[FF_MAX_BITS / 64 + 2];
} *ff_bufs[3];

static void ff_buffers(struct ff *f, unsigned int set)
{
	if (!ff_bufs[set] && !(ff_bufs[set] = malloc(sizeof(*ff_bufs[set]))))
		abort();
	f->plan = ff_bufs[set]->plan;
	f->notes = ff_bufs[set]->notes;
	f->bits = ff_bufs[set]->bits;
	f->want = ff_bufs[set]->want;
}

/* The program's operations from f->pos on, a full verify every
 * FF_VERIFY_EVERY of them. */
static void ff_run_ops(struct ff *f)
{
	for (f->op = 1; f->pos < f->size && f->op <= FF_MAX_OPS; f->op++) {
		ff_op(f, u8(f));
		if (f->op % FF_VERIFY_EVERY == 0) {
			f->opname = "periodic verify";
			ff_verify(f, false);
		}
	}
}

static void *ff_side_main(void *arg)
{
	struct ff *s = arg;

	ff_run_ops(s);
	s->opname = "side's final verify";
	ff_verify(s, true);
	ff_release(s);
	return NULL;
}

/*
 * Side @i of the two-thread mode: @f's table, the chunks of 2^@cbits bytes
 * whose bit @cbits is @i, @n bytes of the program from @data on, a model
 * of its own.
 */
static void ff_side_init(struct ff *s, const struct ff *f, unsigned int i, unsigned int cbits,
			 const uint8_t *data, size_t n)
{
	*s = *f;
	gm_init(&s->m, &f->m.g);
	s->m.tracking = f->m.tracking;
	fh_init(&s->h, i, cbits, f->m.g.va_bits, f->m.g.sign_extend);
	s->data = data;
	s->size = n;
	s->pos = 0;
	s->rng = f->rng + i * 0x9e3779b97f4a7c15ull;
	genpt_gather_init(&s->g);
	s->req = s->allow = false;
	ff_buffers(s, 1 + i);
}

/* The two sides' leaves (each in address order) into @f's model, and
 * their carried ranges into @f's (ranges that touch across a chunk edge
 * are one, as in the table). */
static void ff_join_sides(struct ff *f, struct ff *s)
{
	struct gm_leaf *all = fh_merge_leaves(s[0].m.leaf, s[0].m.n, s[1].m.leaf, s[1].m.n,
					      sizeof(*all), offsetof(struct gm_leaf, first));

	gm_insert(&f->m, all, s[0].m.n + s[1].m.n);
	free(all);
	fh_join_carry(&f->carry, &s[0].carry, &s[1].carry);
}

/*
 * The two-thread mode: the program's operations, cut in two halves, run at
 * the same time from two threads on the two halves of the address space
 * (the disjoint ranges table.h lets run concurrently), each side checked
 * against its own model after every step.  The halves alternate in chunks
 * of one entry of a level the input picks (or are the two halves of the
 * space), so the sides share the table pages above: both may need the same
 * missing table at once.  Then the two models become @f's, for the final
 * verify of the whole table.
 */
static void ff_run_halves(struct ff *f)
{
	size_t mid = f->pos + (f->size - f->pos) / 2;
	struct ff *s = malloc(2 * sizeof(*s));
	unsigned int cbits = fh_cbits(f->rng, f->m.g.levels, f->m.g.shift, f->m.g.va_bits);

	if (!s)
		abort();
	if (f->f.has_dirty && (f->rng & 1)) { /* tracking needs the table alone */
		ff_errno(f, genpt_set_dirty_tracking(f->pt, true), 0, "set_dirty_tracking");
		f->m.tracking = true;
	}
	TRACE(f, "two threads, chunks of 2^%u bytes", cbits);
	ff_side_init(&s[0], f, 0, cbits, f->data + f->pos, mid - f->pos);
	ff_side_init(&s[1], f, 1, cbits, f->data + mid, f->size - mid);
	fh_run2(&s[0], &s[1], ff_side_main);
	f->pos = f->size;
	ff_join_sides(f, s);
	for (unsigned int i = 0; i < 2; i++)
		gm_fini(&s[i].m);
	free(s);
}

/* After destroy the physmem must be empty. */
static void ff_teardown(struct ff *f)
{
	f->opname = "teardown";
	ff_errno(f, genpt_gather_release(f->pt, &f->g), 0, "gather_release");
	genpt_destroy(f->pt);
	if (f->pm) {
		uint64_t blocks, b = ff_pm_bytes(f, &blocks);

		if (b || blocks)
			FAIL(f, "physmem holds %" PRIu64 " bytes in %" PRIu64 " blocks after destroy",
			     b, blocks);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ff *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->data = data;
	f->size = size;
	f->trace = getenv("GENPT_FUZZ_TRACE") != NULL;
	for (size_t i = 0; i < size; i++)
		f->rng = f->rng * 131 + data[i];
	genpt_gather_init(&f->g);

	if (ff_create(f)) {
		ff_buffers(f, 0);
		if (fh_threads() == 2)
			ff_run_halves(f);
		else
			ff_run_ops(f);
		if (f->nnotes) {
			/* every split-mode run ends with the restore check */
			f->opname = "split mode off at the end";
			ff_split_mode_off(f, f->m.g.gshift, false);
			ff_check_state(f);
		}
		f->opname = "final verify";
		ff_verify(f, true);
		ff_teardown(f);
	}
	ff_pm_put(f->pm, f->pm_base, f->pm_size);
	gm_fini(&f->m);
	free(f);
	return 0;
}

/* ------------------------------------------------------------- seeds -- */

/*
 * Seeds: a handful of configurations (6 bytes) in front of a few
 * programs that make sense for any geometry (sizes are drawn in units of
 * the format's own granule, run and block sizes).  Encoding reminders:
 * map = 00 <iova> <len> <oa> <prot> <gather>; iova S A I = arena A + I x
 * scale S (00 granule, 10 run, 20 level-1 block, 30 level-2 block); len 00
 * N = (N+1) granules, 02 N = (N+1) runs, 03 N = (N+1) L1 blocks; oa 0S K =
 * K x scale + iova's offset in it; prot index 00 = RW, 03 = R, 04 = W.
 */
static const uint8_t ff_cfgs[][6] = {
	{ 0, 0x00, 1, 0, 0x00, 0x00 },  /* RISC-V Sv48, physmem */
	{ 0, 0x03, 0, 0, 0x80, 0x00 },  /* RISC-V Sv39x4 + Svnapot, host */
	{ 1, 0x06, 240, 0, 0x00, 0x00 }, /* ARM s1 4K, contig + DBM, 48 bits */
	{ 1, 0x17, 22, 1, 0x00, 0x00 }, /* ARM s2 16K contig+DBM, 47 bits, oa 32 */
	{ 1, 0x1e, 17, 6, 0x80, 0x00 }, /* ARM s1 64K, contig+DBM, 42 bits */
	{ 1, 0x01, 10, 0, 0x00, 0x00 }, /* ARM s2 4K no DBM, 35 bits */
	{ 2, 0x00, 0, 0, 0x00, 0x00 },  /* x86-64 4-level */
	{ 3, 0x01, 0, 0, 0x80, 0x00 },  /* VT-d 39 bits, SNP */
	{ 4, 0x00, 3, 0, 0x00, 0x00 },  /* AMD v1 Mode 4 */
	{ 4, 0x00, 5, 0, 0x80, 0x00 },  /* AMD v1 Mode 6 (64 bits) */
	{ 4, 0x00, 0, 0, 0x58, 0x00 },  /* AMD v1 Mode 1, 8 KiB physmem */
	{ 1, 0x04, 240, 1, 0x06, 0x02 }, /* ARM: physmem beyond PS: -ENOMEM */
};

/* Tracking on; a level-1 block, two runs and 16 write-only granule pages
 * in three arenas; device writes; harvest with clear, NO_CLEAR (random
 * bitmap contents) and a 32K-page bitmap; unmap; release. */
static const uint8_t ff_prog_basic[] = {
	0x0a, 0x01,
	0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x20, 0x02, 0x00, 0x01,
	0x00, 0x10, 0x02, 0x03, 0x02, 0x01, 0x10, 0x04, 0x00, 0x01,
	0x00, 0x00, 0x03, 0x05, 0x00, 0x0f, 0x09, 0x00, 0x01, 0x00, 0x00, 0x04, 0x01,
	0x0c, 0x20, 0x01, 0x00, 0x07, 0x00, 0x00,
	0x0c, 0x10, 0x02, 0x03, 0x03, 0x01, 0x00,
	0x08, 0x04, 0x07, 0x00, 0x05, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x08, 0x05, 0x07, 0x00, 0x80, 0x10, 0x02, 0x03, 0x02, 0x01,
	0x0f,
	0x08, 0x04, 0x07, 0x03, 0x00, 0x00, 0x03, 0x05, 0x00, 0x0f,
	0x03, 0x01, 0x01, 0x20, 0x01, 0x00, 0x03, 0x00,
	0x0b,
	0x0f,
};

/* Straddles and overlaps: two blocks mapped, a partial unmap refused, a
 * map inside refused, the top of the space, up to 2^64, device writes with
 * tracking on, off and on again, a harvest with a NULL bitmap. */
static const uint8_t ff_prog_edges[] = {
	0x00, 0x20, 0x01, 0x00, 0x03, 0x01, 0x20, 0x02, 0x00, 0x01,
	0x03, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01,
	0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0d, 0x05, 0x00, 0x00, 0x07, 0x00, 0x01,
	0x00, 0x0d, 0x01, 0x05, 0x30, 0x01, 0x00, 0x01,
	0x00, 0x0d, 0x03, 0x04, 0x00, 0x07, 0x00, 0x01,
	0x0a, 0x01,
	0x06, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
	0x0a, 0x00,
	0x06, 0x01, 0x01, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
	0x0a, 0x01,
	0x0c, 0x20, 0x01, 0x00, 0x1f, 0x02, 0x00,
	0x09, 0x04, 0x00, 0x00, 0x00, 0x20, 0x01, 0x00, 0x03, 0x01,
	0x0e, 0x00, 0x00, 0x00,
	0x0f,
};

/* Split-mode tracking: a block, runs and granule pages mapped; on at the
 * granule; device writes; a NO_CLEAR harvest then clear by mask (random,
 * then all set); off (the restore check); on at the block size, then at
 * the granule (nested); a granule of the block unmapped; off; release. */
static const uint8_t ff_prog_split_mode[] = {
	0x00, 0x20, 0x01, 0x00, 0x03, 0x00, 0x20, 0x02, 0x00, 0x01,
	0x00, 0x10, 0x02, 0x03, 0x02, 0x01, 0x10, 0x04, 0x00, 0x01,
	0x00, 0x00, 0x03, 0x05, 0x00, 0x0f, 0x09, 0x00, 0x01, 0x00, 0x00, 0x04, 0x01,
	0xff, 0x01, 0x00,
	0x0c, 0x20, 0x01, 0x00, 0x07, 0x00, 0x00,
	0x08, 0x05, 0x07, 0x00, 0x80, 0x10, 0x02, 0x03, 0x02, 0x01,
	0x87, 0x14, 0x00, 0x00,
	0x87, 0x14, 0x01, 0x01,
	0x0b,
	0xfe, 0x02, 0x00,
	0x0f,
	0xff, 0x03, 0x04,
	0xff, 0x01, 0x00,
	0x0c, 0x20, 0x01, 0x00, 0x07, 0x00, 0x00,
	0x03, 0x01, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00,
	0xfe, 0x06, 0x00,
	0x0b,
	0x0f,
};

static const uint8_t *const ff_progs[] = { ff_prog_basic, ff_prog_edges, ff_prog_split_mode };
static const size_t ff_prog_len[] = { sizeof(ff_prog_basic), sizeof(ff_prog_edges),
				      sizeof(ff_prog_split_mode) };
#define FF_NCFGS (sizeof(ff_cfgs) / sizeof(ff_cfgs[0]))
#define FF_NPROGS (sizeof(ff_progs) / sizeof(ff_progs[0]))

static uint8_t ff_seed_buf[512];
static char ff_seed_name[32];

static void ff_seed(size_t i, struct fuzz_seed *s)
{
	size_t c = i % FF_NCFGS, p = i / FF_NCFGS;

	memcpy(ff_seed_buf, ff_cfgs[c], 6);
	memcpy(ff_seed_buf + 6, ff_progs[p], ff_prog_len[p]);
	snprintf(ff_seed_name, sizeof(ff_seed_name), "%s-cfg%zu-prog%zu",
		 ff_fam_name[(ff_cfgs[c][0] & 7) % 5], c, p);
	s->name = ff_seed_name;
	s->data = ff_seed_buf;
	s->size = 6 + ff_prog_len[p];
}

const struct fuzz_target_info fuzz_target = {
	.name = "fuzz_formats",
	.nseeds = FF_NCFGS * FF_NPROGS,
	.seed = ff_seed,
	.max_len = 1024,
	.threads = true,
};
