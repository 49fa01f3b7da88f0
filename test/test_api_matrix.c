// SPDX-License-Identifier: MIT
/*
 * test_api_matrix.c - the calls of genpt/table.h with every fault alone and
 * every two faults on different arguments together, in every format of
 * af_fmts[] (the pair matrix at the end): NULL pointers, zero / unaligned /
 * huge lengths, unaligned addresses, ranges that wrap past 2^64 or leave
 * the input or output space, unknown prot / flags / access bits, bad
 * bitmaps, bad page shifts, contents errors (-EEXIST, -ENOENT, a leaf
 * straddling an unmap's end, a write to a read-only page), and the wrong
 * format for an operation (the dirty calls on ARMv8 without DBM).  Each
 * call must return the error table.h documents, in the documented order
 * (-EINVAL, then -EOVERFLOW, then -ERANGE, then contents), and leave
 * everything as it was: every block the library holds from the provider
 * byte for byte (anyfmt.h's snapshot), the output arguments and the
 * gather.  The single bad arguments of every configuration: test_fmt_errors*.c
 * and test_fmt_split.c; genpt_create: test_fmt_errors_create.c; genpt/mem.h:
 * test_physmem.c.
 *
 * A format whose genpt_create() says -EOPNOTSUPP (not built yet) is
 * skipped with a logged note.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anyfmt.h"
#include "fmt_open.h"

#define RW (GENPT_READ | GENPT_WRITE)
#define B4G (1ull << 32)
#define OA_BASE (1ull << 36)
#define U64MAX UINT64_MAX

/* ---- the table every case runs against -------------------------------- */

struct mx {
	const struct af_fmt *f;
	struct af_prov p;
	struct genpt *pt;
	struct af_snap s;
	uint64_t g, big;
	uint64_t a, a_oa;   /* A: one big read-write leaf (dirty if the format can) */
	uint64_t ro, ro_oa; /* RO: four read-only granules */
	uint64_t hole;      /* unmapped, with unmapped neighbours */
	bool has_end;       /* the input space ends below 2^64 */
	uint64_t end;       /* first address past the (lower half of the) space */
	bool split;         /* genpt_split is implemented for the format */
	struct genpt_gather g0; /* a fresh gather, to compare with */
};

/* Build the table and take the snapshot; false when the format is not built. */
static bool mx_init(struct mx *m, const struct af_fmt *f)
{
	int err;

	memset(m, 0, sizeof(*m));
	m->f = f;
	m->g = af_gran(f);
	m->big = af_big(f);
	if (!fo_open(f, false, &m->p, &m->pt))
		return false;
	m->a = B4G;
	m->a_oa = OA_BASE;
	m->ro = B4G + 2 * m->big;
	m->ro_oa = OA_BASE + 2 * m->big;
	m->hole = B4G + 8 * m->big;
	if (f->sign_extend) {
		m->has_end = true;
		m->end = 1ull << (f->va_bits - 1);
	} else {
		m->has_end = f->va_bits < 64;
		m->end = m->has_end ? 1ull << f->va_bits : 0;
	}
	cr_assert_eq(genpt_map(m->pt, m->a, m->a_oa, m->big, RW, NULL), 0);
	cr_assert_eq(genpt_map(m->pt, m->ro, m->ro_oa, 4 * m->g, GENPT_READ, NULL), 0);
	if (f->dirty) {
		cr_assert_eq(genpt_set_dirty_tracking(m->pt, true), 0);
		cr_assert_eq(genpt_read_and_clear_dirty(m->pt, 0, 2 * B4G, 0, NULL, NULL), 0);
		cr_assert_eq(genpt_hw_access(m->pt, m->a + 3 * m->g, GENPT_ACCESS_WRITE, NULL), 0);
	}
	/* hardware sets accessed bits on the way (x86 table entries too):
	 * let it do so now, so a faulting access later changes nothing */
	cr_assert_eq(genpt_hw_access(m->pt, m->ro, GENPT_ACCESS_READ, NULL), 0);
	err = genpt_split(m->pt, m->hole, m->g, f->gshift, NULL);
	cr_assert(err == -ENOENT || err == -EOPNOTSUPP, "%s: split of a hole: %d", f->name, err);
	m->split = err == -ENOENT;
	if (!m->split)
		fo_skip_note(f, "genpt_split");
	genpt_gather_init(&m->g0);
	af_reclaim(m->pt, UINT64_MAX, f->name, "set-up");
	af_snap_take(&m->p, m->pt, &m->s);
	return true;
}

static void mx_fini(struct mx *m)
{
	af_snap_free(&m->s);
	genpt_destroy(m->pt);
	af_prov_fini(&m->p);
}

static bool gather_same(const struct genpt_gather *a, const struct genpt_gather *b)
{
	return a->start == b->start && a->last == b->last && a->freed == b->freed;
}

/* The call returned @want and nothing changed. */
static void mx_check(struct mx *m, int got, int want, int line, const char *what)
{
	char w[200];

	snprintf(w, sizeof(w), "line %d: %s", line, what);
	cr_expect_eq(got, want, "%s: %s: returned %d, documented %d", m->f->name, w, got, want);
	/* Only a failed map may leave empty table pages (genpt_map()). */
	af_reclaim(m->pt, strncmp(what, "genpt_map(", 10) ? 0 : af_map_leftover_pages(m->pt),
		   m->f->name, w);
	af_snap_expect_same(&m->p, m->pt, &m->s, m->f->name, w);
}

#define EXPECT(m, want, call) mx_check((m), (call), (want), __LINE__, #call)

/* Same, with a gather that must come back untouched. */
#define EXPECT_G(m, want, call)                                                   \
	do {                                                                      \
		struct genpt_gather g_ = (m)->g0;                                 \
		struct genpt_gather *G = &g_;                                     \
		(void)G; /* some calls pass NULL instead */                       \
		mx_check((m), (call), (want), __LINE__, #call);                   \
		cr_expect(gather_same(&g_, &(m)->g0), "%s: line %d: gather touched", \
			  (m)->f->name, __LINE__);                                \
	} while (0)

/* Run @body for every format that is built. */
#define FOR_EACH_FMT(m, ...)                                  \
	for (unsigned int i_ = 0; i_ < af_nfmts; i_++) {      \
		struct mx m_, *m = &m_;                       \
		if (!mx_init(m, &af_fmts[i_]))                \
			continue;                             \
		__VA_ARGS__                                   \
		mx_fini(m);                                   \
	}

/*
 * The single bad arguments of map, unmap and iova_to_phys, overlaps and
 * straddles are checked on every configuration in test_fmt_errors*.c,
 * and each fault of the pair matrix below runs alone too; what is left
 * here: faults in one argument that the documented order ranks.
 */

Test(api_matrix, map)
{
	FOR_EACH_FMT(m, {
		uint64_t g = m->g, o = OA_BASE + 64 * m->big;
		uint64_t top = U64MAX - g + 1; /* last granule of 2^64 */

		EXPECT_G(m, -EINVAL, genpt_map(m->pt, top, o, 0, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, top + 1, o, 2 * g, RW, G));
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, top, 1ull << 62, 2 * g, RW, G));
		/* the first granule is written, then A met: the undo's range
		 * may go to the gather (NULL: freed at once) */
		EXPECT(m, -EEXIST, genpt_map(m->pt, m->a - m->big, o, 2 * m->big, RW, NULL));
	});
}

Test(api_matrix, unmap)
{
	FOR_EACH_FMT(m, {
		uint64_t g = m->g, top = U64MAX - g + 1;
		uint64_t u = 77;

		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, top, 0, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a + 1, g, G, &u));
		cr_expect_eq(u, 77, "%s: *unmapped written on failure", m->f->name);
	});
}

/* ---- dirty state ---------------------------------------------------------- */

/* The bitmap's and a table without dirty state's errors, on every
 * configuration: test_fmt_errors_hw.c. */
Test(api_matrix, read_and_clear_dirty)
{
	FOR_EACH_FMT(m, {
		static uint64_t bits[64];
		uint64_t g = m->g, q = m->a, top = U64MAX - g + 1;
		struct genpt_dirty_bitmap bm = { bits, q, 4 * m->big, 12 };

		while ((bm.length >> bm.page_shift) > 64 * 64) /* large granules */
			bm.page_shift++;
		memset(bits, 0, sizeof(bits));
		if (!m->f->dirty) {
			/* wrong format for the call */
			EXPECT_G(m, -EOPNOTSUPP, genpt_set_dirty_tracking_split(m->pt, true, m->f->gshift, G));
			EXPECT_G(m, -EOPNOTSUPP, genpt_set_dirty_tracking_split(m->pt, false, m->f->gshift, G));
		} else {
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, g - 1, 0, &bm, G));
			/* order: flags and shape before wrap before range */
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, top, 0, 0, NULL, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, top, 2 * g, 1u << 2, NULL, G));
			EXPECT(m, 1, genpt_dirty_tracking(m->pt));
		}
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, m->f->gshift - 1, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, 0, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, 64, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, false, 200, G));
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			cr_expect_eq(bits[i], 0, "%s: bitmap word %zu written by a failed call",
				     m->f->name, i);
	});
}

/* ---- hardware access, info, accounting, gathers ------------------------------ */

Test(api_matrix, hw_access_info_bytes_gather)
{
	FOR_EACH_FMT(m, {
		uint64_t oa = 66, bytes = 66;
		struct genpt_hw_info info, info0;
		struct genpt_gather g, g1;

		if (m->has_end) /* order: access kind before range */
			EXPECT(m, -EINVAL, genpt_hw_access(m->pt, m->end, 9, &oa));
		cr_expect_eq(oa, 66, "%s: *oa written on failure", m->f->name);

		memset(&info, 0x5a, sizeof(info));
		info0 = info;
		EXPECT(m, -EINVAL, genpt_hw_info(NULL, &info));
		EXPECT(m, -EINVAL, genpt_hw_info(m->pt, NULL));
		cr_expect(!memcmp(&info, &info0, sizeof(info)), "%s: info written", m->f->name);

		EXPECT_G(m, -EINVAL, genpt_reclaim(NULL, G, &bytes));
		cr_expect_eq(bytes, 66);

		genpt_gather_init(&g);
		g1 = g;
		EXPECT(m, -EINVAL, genpt_gather_release(NULL, &g));
		EXPECT(m, -EINVAL, genpt_gather_release(m->pt, NULL));
		cr_expect(gather_same(&g, &g1));
		/* an empty gather releases to nothing */
		EXPECT(m, 0, genpt_gather_release(m->pt, &g));
	});
}

/* ---- genpt/version.h -------------------------------------------------------- */

Test(api_matrix, version)
{
	char want[32];

	cr_assert_not_null(genpt_version());
	cr_expect(!strcmp(genpt_version(), GENPT_VERSION_STRING), "genpt_version() %s, header %s",
		  genpt_version(), GENPT_VERSION_STRING);
	snprintf(want, sizeof(want), "%d.%d.%d", GENPT_VERSION_MAJOR, GENPT_VERSION_MINOR,
		 GENPT_VERSION_PATCH);
	cr_expect(!strcmp(genpt_version(), want), "genpt_version() %s, want %s", genpt_version(), want);
	cr_expect_eq(GENPT_VERSION_NUMBER,
		     GENPT_VERSION_MAJOR * 10000 + GENPT_VERSION_MINOR * 100 + GENPT_VERSION_PATCH);
}

/* ---- two bad arguments at once -------------------------------------------- */

/*
 * Every call of table.h with every fault alone and every two faults on
 * different arguments together: the pair returns the error of the fault
 * that comes first in the documented order, and nothing changes.  The
 * table's own lack (-EOPNOTSUPP on a table without dirty state) counts as
 * one more fault, present in every case of a dirty call.
 */
enum rank { R_INVAL, R_OVERFLOW, R_RANGE, R_NOTSUPP, R_CONTENTS };

/* Arguments touched by a fault (pairs touch two different ones). */
#define A_PT (1u << 0)
#define A_IOVA (1u << 1)
#define A_LEN (1u << 2)
#define A_OA (1u << 3)
#define A_PROT (1u << 4)  /* prot, flags, access, page_shift */
#define A_OUT (1u << 5)   /* the output pointer, or the caps / mask pointer */
#define A_BM_FORM (1u << 6)
#define A_BM_BITS (1u << 7)
#define A_BM_PLACE (1u << 8)
#define A_CFG (1u << 9)

/* The arguments of the call under test; each call takes what it needs. */
struct ca {
	struct genpt *pt;
	uint64_t iova, len, oa;
	unsigned int prot, shift;
	struct genpt_dirty_bitmap bm;
	bool bm_null, out_null, both, neither;
	struct genpt_config cfg;
	uint64_t out;                /* sentinel for a scalar output */
	struct genpt_leaf_info info; /* sentinel for a struct output */
};

struct fault {
	const char *what;
	int err;
	enum rank rank;
	unsigned int args;
	/* false: the fault does not exist for this table (no end of space) */
	bool (*set)(struct ca *a, const struct mx *m);
};

struct pcall {
	const char *name;
	bool dirty; /* -EOPNOTSUPP on a table without dirty state */
	void (*base)(struct ca *a, const struct mx *m);
	int (*run)(struct ca *a, struct genpt_gather *g);
	const struct fault *const *faults;
};

static uint64_t pair_bits[64];

/* A bitmap over [@iova, +4 big) with at most 64 words. */
static struct genpt_dirty_bitmap bm_over(const struct mx *m, uint64_t iova)
{
	struct genpt_dirty_bitmap bm = { .bits = pair_bits, .iova = iova,
					 .length = 4 * m->big, .page_shift = 12 };

	while ((bm.length >> bm.page_shift) > 64 * 64)
		bm.page_shift++;
	return bm;
}

/* Move the query to @to, and the bitmap with it: only the query's place
 * changes, never whether it lies inside the bitmap. */
static void move_to(struct ca *a, uint64_t to)
{
	a->bm.iova = to & ~((1ull << a->bm.page_shift) - 1);
	a->iova = to;
}

#define FAULT(name, what_, err_, rank_, args_, body)                         \
	static bool set_##name(struct ca *a, const struct mx *m)             \
	{                                                                    \
		(void)a;                                                     \
		(void)m;                                                     \
		body;                                                        \
		return true;                                                 \
	}                                                                    \
	static const struct fault f_##name = { what_, err_, rank_, args_, set_##name }

FAULT(pt_null, "NULL table", -EINVAL, R_INVAL, A_PT, a->pt = NULL);
FAULT(out_null, "NULL output", -EINVAL, R_INVAL, A_OUT, a->out_null = true);
FAULT(len0, "zero length", -EINVAL, R_INVAL, A_LEN, a->len = 0);
FAULT(len_odd, "length not granule-aligned", -EINVAL, R_INVAL, A_LEN, a->len = m->g + 8);
FAULT(iova_odd, "address not granule-aligned", -EINVAL, R_INVAL, A_IOVA, a->iova += m->g / 2);
FAULT(wrap, "range wraps", -EOVERFLOW, R_OVERFLOW, A_LEN, a->len = U64MAX - m->g + 1);
FAULT(end, "range past the input space", -ERANGE, R_RANGE, A_IOVA,
      if (!m->has_end) return false; move_to(a, m->end));
FAULT(oa_odd, "output not granule-aligned", -EINVAL, R_INVAL, A_OA, a->oa += 8);
FAULT(oa_wrap, "output wraps", -EOVERFLOW, R_OVERFLOW, A_OA, a->oa = U64MAX - m->g + 1);
FAULT(oa_end, "output past oa_bits", -ERANGE, R_RANGE, A_OA, a->oa = 1ull << m->f->oa_bits);
FAULT(prot0, "prot without READ or WRITE", -EINVAL, R_INVAL, A_PROT, a->prot = GENPT_NOEXEC);
FAULT(prot_unknown, "unknown prot bit", -EINVAL, R_INVAL, A_PROT, a->prot |= 1u << 9);
FAULT(exists, "range already mapped", -EEXIST, R_CONTENTS, A_IOVA, move_to(a, m->a));
FAULT(straddle, "a leaf straddles the range", -EINVAL, R_CONTENTS, A_IOVA,
      move_to(a, m->a + m->g));
FAULT(hole, "nothing mapped", -ENOENT, R_CONTENTS, A_IOVA, move_to(a, m->hole));
FAULT(flags, "unknown flags", -EINVAL, R_INVAL, A_PROT, a->prot = 1u << 3);
FAULT(shift_low, "page shift below the granule", -EINVAL, R_INVAL, A_PROT, a->shift = m->f->gshift - 1);
FAULT(shift_64, "page shift 64", -EINVAL, R_INVAL, A_PROT, a->shift = 64);
FAULT(access0, "access kind 0", -EINVAL, R_INVAL, A_PROT, a->prot = 0);
FAULT(ro_write, "write to a read-only page", -EACCES, R_CONTENTS, A_IOVA | A_PROT,
      a->iova = m->ro; a->prot = GENPT_ACCESS_WRITE);
/* the bitmap: its form, its words, its place against the query */
FAULT(bm_shift11, "bitmap page_shift 11", -EINVAL, R_INVAL, A_BM_FORM, a->bm.page_shift = 11);
FAULT(bm_len_odd, "bitmap length not page-aligned", -EINVAL, R_INVAL, A_BM_FORM,
      a->bm.length += 8);
FAULT(bm_bits, "bitmap words NULL", -EINVAL, R_INVAL, A_BM_BITS, a->bm.bits = NULL);
FAULT(bm_odd, "bitmap iova not page-aligned", -EINVAL, R_INVAL, A_BM_PLACE, a->bm.iova += 8);
FAULT(bm_after, "query starts before the bitmap", -EINVAL, R_INVAL, A_BM_PLACE,
      a->bm.iova += 2 * m->big);
/* a wrapping query cannot lie inside a bitmap (table.h) */
FAULT(bm_wrap, "range wraps (with a bitmap)", -EINVAL, R_INVAL, A_LEN, a->len = U64MAX - m->g + 1);
FAULT(mask_end, "mask past the input space", -ERANGE, R_RANGE, A_BM_PLACE,
      if (!m->has_end) return false; a->bm.iova = m->end);
FAULT(mask_gran, "mask range not granule-aligned", -EINVAL, R_INVAL, A_BM_PLACE,
      if (m->g == 4096) return false; a->bm.iova += 4096; a->bm.length = m->g);
FAULT(caps_both, "a config and a table", -EINVAL, R_INVAL, A_PT | A_CFG, a->both = true);
FAULT(caps_neither, "no config, no table", -EINVAL, R_INVAL, A_PT | A_CFG, a->neither = true);
FAULT(cfg_bad, "a config create refuses", -EINVAL, R_INVAL, A_CFG, a->cfg.va_bits = 13);

/* ---- the calls, each with good arguments and its faults ---- */

static void base_range(struct ca *a, const struct mx *m)
{
	a->iova = m->hole;
	a->len = 2 * m->g;
	a->oa = OA_BASE + 64 * m->big;
	a->prot = RW;
	a->shift = m->f->gshift;
}

static void base_dirty(struct ca *a, const struct mx *m)
{
	base_range(a, m);
	a->iova = m->a;
	a->prot = 0; /* flags */
	a->bm = bm_over(m, m->a);
}

static void base_dirty_nobm(struct ca *a, const struct mx *m)
{
	base_dirty(a, m);
	a->bm_null = true;
}

static void base_urd(struct ca *a, const struct mx *m)
{
	base_range(a, m);
	a->bm = bm_over(m, m->hole);
}

static void base_lookup(struct ca *a, const struct mx *m)
{
	base_range(a, m);
	move_to(a, m->a);
	a->prot = GENPT_ACCESS_READ;
}

static void base_caps(struct ca *a, const struct mx *m)
{
	base_range(a, m);
	a->cfg = m->f->cfg;
}

static uint64_t *out_of(struct ca *a)
{
	return a->out_null ? NULL : &a->out;
}

static const struct genpt_dirty_bitmap *bm_of(const struct ca *a)
{
	return a->bm_null ? NULL : &a->bm;
}

static int run_map(struct ca *a, struct genpt_gather *g)
{
	return genpt_map(a->pt, a->iova, a->oa, a->len, a->prot, g);
}

static int run_unmap(struct ca *a, struct genpt_gather *g)
{
	return genpt_unmap(a->pt, a->iova, a->len, g, &a->out);
}

static int run_urd(struct ca *a, struct genpt_gather *g)
{
	return genpt_unmap_read_dirty(a->pt, a->iova, a->len, bm_of(a), g, &a->out);
}

static int run_rcd(struct ca *a, struct genpt_gather *g)
{
	return genpt_read_and_clear_dirty(a->pt, a->iova, a->len, a->prot, bm_of(a), g);
}

static int run_clear(struct ca *a, struct genpt_gather *g)
{
	return genpt_clear_dirty(a->pt, a->out_null ? NULL : &a->bm, g);
}

static int run_split(struct ca *a, struct genpt_gather *g)
{
	return genpt_split(a->pt, a->iova, a->len, a->shift, g);
}

static int run_merge(struct ca *a, struct genpt_gather *g)
{
	return genpt_merge(a->pt, a->iova, a->len, g);
}

static int run_i2p(struct ca *a, struct genpt_gather *g)
{
	return genpt_iova_to_phys(a->pt, a->iova, out_of(a));
}

static int run_lookup(struct ca *a, struct genpt_gather *g)
{
	return genpt_leaf_lookup(a->pt, a->iova, a->out_null ? NULL : &a->info);
}

static int run_hw(struct ca *a, struct genpt_gather *g)
{
	return genpt_hw_access(a->pt, a->iova, a->prot, out_of(a));
}

static int run_track_split(struct ca *a, struct genpt_gather *g)
{
	return genpt_set_dirty_tracking_split(a->pt, false, a->shift, g);
}

static int run_caps(struct ca *a, struct genpt_gather *g)
{
	struct genpt_caps caps;

	/* the config alone unless a fault says otherwise */
	return genpt_query_caps(a->neither ? NULL : &a->cfg, a->both ? a->pt : NULL,
				a->out_null ? NULL : &caps);
}

static int run_bytes(struct ca *a, struct genpt_gather *g)
{
	return genpt_table_bytes(a->pt, out_of(a));
}

static int run_release(struct ca *a, struct genpt_gather *g)
{
	return genpt_gather_release(a->pt, a->out_null ? NULL : g);
}

#define FL(...) ((const struct fault *const[]){ __VA_ARGS__, NULL })
#define RANGE_FAULTS &f_pt_null, &f_len0, &f_len_odd, &f_iova_odd, &f_wrap, &f_end
#define BM_FAULTS &f_bm_shift11, &f_bm_len_odd, &f_bm_bits, &f_bm_odd, &f_bm_after

static const struct pcall pcalls[] = {
	{ "genpt_map", false, base_range, run_map,
	  FL(RANGE_FAULTS, &f_oa_odd, &f_oa_wrap, &f_oa_end, &f_prot0, &f_prot_unknown, &f_exists) },
	{ "genpt_unmap", false, base_range, run_unmap, FL(RANGE_FAULTS, &f_straddle) },
	{ "genpt_unmap_read_dirty", true, base_urd, run_urd,
	  FL(&f_pt_null, &f_len0, &f_len_odd, &f_iova_odd, &f_bm_wrap, &f_end, BM_FAULTS,
	     &f_straddle) },
	{ "genpt_read_and_clear_dirty", true, base_dirty, run_rcd,
	  FL(&f_pt_null, &f_len0, &f_len_odd, &f_iova_odd, &f_bm_wrap, &f_end, &f_flags,
	     BM_FAULTS) },
	{ "genpt_read_and_clear_dirty (NULL bitmap)", true, base_dirty_nobm, run_rcd,
	  FL(RANGE_FAULTS, &f_flags) },
	{ "genpt_clear_dirty", true, base_dirty, run_clear,
	  FL(&f_pt_null, &f_out_null, &f_bm_shift11, &f_bm_len_odd, &f_bm_bits, &f_mask_end,
	     &f_mask_gran) },
	{ "genpt_split", false, base_range, run_split,
	  FL(RANGE_FAULTS, &f_shift_low, &f_hole) },
	{ "genpt_merge", false, base_range, run_merge, FL(RANGE_FAULTS, &f_hole) },
	{ "genpt_iova_to_phys", false, base_lookup, run_i2p,
	  FL(&f_pt_null, &f_out_null, &f_end, &f_hole) },
	{ "genpt_leaf_lookup", false, base_lookup, run_lookup,
	  FL(&f_pt_null, &f_out_null, &f_end, &f_hole) },
	{ "genpt_hw_access", false, base_lookup, run_hw,
	  FL(&f_pt_null, &f_access0, &f_end, &f_hole, &f_ro_write) },
	{ "genpt_set_dirty_tracking_split", true, base_range, run_track_split,
	  FL(&f_pt_null, &f_shift_64) },
	{ "genpt_query_caps", false, base_caps, run_caps,
	  FL(&f_out_null, &f_caps_both, &f_caps_neither, &f_cfg_bad) },
	{ "genpt_table_bytes", false, base_range, run_bytes, FL(&f_pt_null, &f_out_null) },
	{ "genpt_gather_release", false, base_range, run_release, FL(&f_pt_null, &f_out_null) },
};

/* The documented answer to faults @x and @y (@y may be NULL). */
static int pair_want(const struct pcall *c, const struct mx *m, const struct fault *x,
		     const struct fault *y)
{
	const struct fault *w = !y || x->rank <= y->rank ? x : y;

	if (c->dirty && !m->f->dirty && w->rank > R_NOTSUPP)
		return -EOPNOTSUPP;
	return w->err;
}

static void pair_run(struct mx *m, const struct pcall *c, const struct fault *x,
		     const struct fault *y)
{
	struct ca a = { .pt = m->pt, .out = 77 };
	struct genpt_leaf_info info0;
	struct genpt_gather g = m->g0;
	char what[256];

	c->base(&a, m);
	memset(&a.info, 0x5a, sizeof(a.info));
	info0 = a.info;
	/* A fault that moves the query (and the bitmap with it) goes first,
	 * so a fault in the bitmap's place stays a fault. */
	if (y && (y->args & A_IOVA)) {
		if (!y->set(&a, m) || !x->set(&a, m))
			return;
	} else if (!x->set(&a, m) || (y && !y->set(&a, m))) {
		return;
	}
	snprintf(what, sizeof(what), "%s(: %s%s%s", c->name, x->what, y ? " + " : "",
		 y ? y->what : "");
	mx_check(m, c->run(&a, &g), pair_want(c, m, x, y), __LINE__, what);
	cr_expect(gather_same(&g, &m->g0), "%s: %s: gather touched", m->f->name, what);
	cr_expect_eq(a.out, 77, "%s: %s: output written", m->f->name, what);
	cr_expect(!memcmp(&a.info, &info0, sizeof(info0)), "%s: %s: info written",
		  m->f->name, what);
	for (size_t i = 0; i < sizeof(pair_bits) / sizeof(pair_bits[0]); i++)
		cr_expect_eq(pair_bits[i], 0, "%s: %s: bitmap written", m->f->name, what);
}

static void pairs_of(struct mx *m, const struct pcall *c)
{
	for (const struct fault *const *x = c->faults; *x; x++) {
		pair_run(m, c, *x, NULL);
		for (const struct fault *const *y = x + 1; *y; y++)
			if (!((*x)->args & (*y)->args) &&
			    !((*x)->rank == R_CONTENTS && (*y)->rank == R_CONTENTS))
				pair_run(m, c, *x, *y);
	}
}

Test(api_matrix, two_bad_arguments)
{
	FOR_EACH_FMT(m, {
		for (size_t i = 0; i < sizeof(pcalls) / sizeof(pcalls[0]); i++)
			pairs_of(m, &pcalls[i]);
	});
}
