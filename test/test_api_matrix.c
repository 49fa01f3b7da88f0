// SPDX-License-Identifier: MIT
/*
 * test_api_matrix.c - every public function of genpt/table.h and
 * genpt/mem.h with every class of invalid argument, in every format:
 * NULL pointers, zero / unaligned / huge lengths, unaligned addresses,
 * ranges that wrap past 2^64 or leave the input or output space, unknown
 * prot / flags / access / feature bits, bad bitmaps, bad page shifts,
 * contents errors (-EEXIST, -ENOENT, a leaf straddling an unmap's end, a
 * write to a read-only page), and the wrong format for an operation (the
 * dirty calls on ARMv8 without DBM, split and merge where a format has no
 * split).  Each call must return the error table.h / mem.h document, and
 * leave everything as it was: every block the library holds from the
 * provider byte for byte (anyfmt.h's snapshot), the output arguments and
 * the gather.  Where several arguments are wrong, the documented order
 * (-EINVAL, then -EOVERFLOW, then -ERANGE, then contents) is checked too.
 *
 * A format whose genpt_create() says -EOPNOTSUPP (not built yet) is
 * skipped with a logged note, and so are split/merge cases for a format
 * whose genpt_split() says -EOPNOTSUPP (after checking that it does say
 * so).
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

/* ---- genpt_create ------------------------------------------------------ */

static void expect_bad_config(const struct af_fmt *f, struct genpt_config cfg,
			      int want, int line, const char *what)
{
	struct af_prov p;
	struct genpt *pt = (struct genpt *)&p;
	int err;

	af_prov_init(&p, false);
	if (!cfg.mem) {
		cfg.mem = &af_prov_ops;
		cfg.mem_ctx = &p;
	}
	err = genpt_create(&cfg, &pt);
	cr_expect_eq(err, want, "%s: line %d: %s: returned %d, documented %d", f->name,
		     line, what, err, want);
	cr_expect_eq(pt, (struct genpt *)&p, "%s: line %d: %s: *out written", f->name,
		     line, what);
	if (err == 0 && pt != (struct genpt *)&p)
		genpt_destroy(pt);
	af_prov_fini(&p); /* nothing live */
}

#define BAD_CFG(field, value, want)                                            \
	do {                                                                   \
		struct genpt_config c_ = f->cfg;                               \
		c_.field = (value);                                            \
		expect_bad_config(f, c_, (want), __LINE__, #field " = " #value); \
	} while (0)

Test(api_matrix, create)
{
	struct genpt *pt = (struct genpt *)&pt;
	const struct genpt_mem_ops no_alloc = { NULL, af_prov_ops.free, af_prov_ops.phys_to_virt, NULL };
	const struct genpt_mem_ops no_free = { af_prov_ops.alloc, NULL, af_prov_ops.phys_to_virt, NULL };
	const struct genpt_mem_ops no_p2v = { af_prov_ops.alloc, af_prov_ops.free, NULL, NULL };

	cr_expect_eq(genpt_create(NULL, &pt), -EINVAL);
	cr_expect_eq(pt, (struct genpt *)&pt);
	cr_expect_eq(genpt_create(&af_fmts[0].cfg, NULL), -EINVAL);

	for (unsigned int i = 0; i < af_nfmts; i++) {
		const struct af_fmt *f = &af_fmts[i];
		struct af_prov p;
		uint64_t foreign;

		if (!fo_open(f, false, &p, &pt))
			continue;
		genpt_destroy(pt);
		af_prov_fini(&p);

		BAD_CFG(format, (enum genpt_format)0, -EINVAL);
		BAD_CFG(format, (enum genpt_format)6, -EINVAL);
		BAD_CFG(format, (enum genpt_format)-1, -EINVAL);
		BAD_CFG(va_bits, 13, -EINVAL);
		BAD_CFG(va_bits, 65, -EINVAL);
		BAD_CFG(va_bits, 1000, -EINVAL);
		BAD_CFG(oa_bits, 11, -EINVAL);
		BAD_CFG(oa_bits, 65, -EINVAL);
		BAD_CFG(oa_bits, 1000, -EINVAL);
		BAD_CFG(granule_bits, 11, -EINVAL);
		BAD_CFG(granule_bits, 13, -EINVAL);
		BAD_CFG(granule_bits, 4096, -EINVAL);
		if (f->cfg.format != GENPT_FMT_ARMV8) {
			BAD_CFG(granule_bits, 14, -EINVAL);
			BAD_CFG(granule_bits, 16, -EINVAL);
		}
		BAD_CFG(features, f->cfg.features | (1ull << 63), -EINVAL);
		BAD_CFG(features, f->cfg.features | (1ull << 40), -EINVAL);
		/* a feature of another format */
		foreign = f->cfg.format == GENPT_FMT_ARMV8 ? GENPT_FEAT_RISCV_SVNAPOT
							   : GENPT_FEAT_ARMV8_DBM;
		BAD_CFG(features, f->cfg.features | foreign, -EINVAL);
		if (f->cfg.format != GENPT_FMT_VTDSS)
			BAD_CFG(features, f->cfg.features | GENPT_FEAT_VTDSS_SNP, -EINVAL);
		BAD_CFG(mem, &no_alloc, -EINVAL);
		BAD_CFG(mem, &no_free, -EINVAL);
		BAD_CFG(mem, &no_p2v, -EINVAL);
	}
	/* destroy and gather_init take NULL */
	genpt_destroy(NULL);
	genpt_gather_init(NULL);
}

/* ---- genpt_map ----------------------------------------------------------- */

Test(api_matrix, map)
{
	FOR_EACH_FMT(m, {
		uint64_t g = m->g, h = m->hole, o = OA_BASE + 64 * m->big;
		uint64_t top = U64MAX - g + 1; /* last granule of 2^64 */

		EXPECT_G(m, -EINVAL, genpt_map(NULL, h, o, g, RW, G));
		/* shape */
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, 0, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, 1, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g - 1, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g + 1, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h + 1, o, g, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h + g / 2, o, g, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o + 8, g, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o + g / 2, g, RW, G));
		/* prot: READ or WRITE required, no unknown bits */
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g, 0, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g, GENPT_NOEXEC, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g, GENPT_MMIO | GENPT_CACHE, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g, RW | (1u << 5), G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, h, o, g, RW | (1u << 31), G));
		/* wrapping */
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, top, o, 2 * g, RW, G));
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, h, top, 2 * g, RW, G));
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, 2 * g, o, U64MAX - g + 1, RW, G));
		/* outside the spaces */
		EXPECT_G(m, -ERANGE, genpt_map(m->pt, 0, 0, 1ull << 63, RW, G));
		EXPECT_G(m, -ERANGE, genpt_map(m->pt, h, 1ull << m->f->oa_bits, g, RW, G));
		EXPECT_G(m, -ERANGE, genpt_map(m->pt, h, (1ull << m->f->oa_bits) - g, 2 * g, RW, G));
		if (m->has_end) {
			EXPECT_G(m, -ERANGE, genpt_map(m->pt, m->end, o, g, RW, G));
			EXPECT_G(m, -ERANGE, genpt_map(m->pt, m->end - g, o, 2 * g, RW, G));
		}
		/* contents: all or nothing */
		EXPECT_G(m, -EEXIST, genpt_map(m->pt, m->a, o, g, RW, G));
		EXPECT_G(m, -EEXIST, genpt_map(m->pt, m->a + m->big - g, o, g, GENPT_READ, G));
		EXPECT_G(m, -EEXIST, genpt_map(m->pt, m->ro + 3 * g, o, 2 * g, RW, G));
		/* these write the first granule, then meet A: the undo's range
		 * may go to the gather (NULL: freed at once) */
		EXPECT(m, -EEXIST, genpt_map(m->pt, m->a - g, o, 2 * g, RW, NULL));
		EXPECT(m, -EEXIST, genpt_map(m->pt, m->a - m->big, o, 2 * m->big, RW, NULL));
		/* error order: EINVAL, EOVERFLOW, ERANGE, then contents */
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, top, o, 0, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, top + 1, o, 2 * g, RW, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, m->a, o, g, 1u << 7, G));
		EXPECT_G(m, -EINVAL, genpt_map(m->pt, m->a, o + 1, g, RW, G));
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, top, 1ull << 62, 2 * g, RW, G));
		EXPECT_G(m, -EOVERFLOW, genpt_map(m->pt, m->a, top, 2 * g, RW, G));
		EXPECT_G(m, -ERANGE, genpt_map(m->pt, m->a, 1ull << 62, g, RW, G));
		if (m->has_end)
			EXPECT_G(m, -ERANGE, genpt_map(m->pt, m->end, m->a_oa, g, RW, G));
	});
}

/* ---- genpt_unmap ------------------------------------------------------- */

Test(api_matrix, unmap)
{
	FOR_EACH_FMT(m, {
		uint64_t g = m->g, h = m->hole, top = U64MAX - g + 1;
		uint64_t u = 77;

		EXPECT_G(m, -EINVAL, genpt_unmap(NULL, h, g, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, h, 0, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, h, g - 1, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, h + 1, g, G, &u));
		EXPECT_G(m, -EOVERFLOW, genpt_unmap(m->pt, top, 2 * g, G, &u));
		EXPECT_G(m, -EOVERFLOW, genpt_unmap(m->pt, 2 * g, U64MAX - g + 1, G, &u));
		if (m->has_end) {
			EXPECT_G(m, -ERANGE, genpt_unmap(m->pt, m->end, g, G, &u));
			EXPECT_G(m, -ERANGE, genpt_unmap(m->pt, m->end - g, 2 * g, G, &u));
			EXPECT_G(m, -ERANGE, genpt_unmap(m->pt, 0, 1ull << 63, G, &u));
		}
		/* A is one leaf: a range that cuts it is refused, nothing goes */
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a, g, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a + g, m->big - g, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a - g, 2 * g, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a + m->big - g, 4 * m->big, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a + g, m->big - g, NULL, NULL));
		/* order */
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, top, 0, G, &u));
		EXPECT_G(m, -EINVAL, genpt_unmap(m->pt, m->a + 1, g, G, &u));
		cr_expect_eq(u, 77, "%s: *unmapped written on failure", m->f->name);
	});
}

/* ---- genpt_iova_to_phys ------------------------------------------------ */

Test(api_matrix, iova_to_phys)
{
	FOR_EACH_FMT(m, {
		uint64_t oa = 55;

		EXPECT(m, -EINVAL, genpt_iova_to_phys(NULL, m->a, &oa));
		EXPECT(m, -EINVAL, genpt_iova_to_phys(m->pt, m->a, NULL));
		EXPECT(m, -ENOENT, genpt_iova_to_phys(m->pt, m->hole, &oa));
		EXPECT(m, -ENOENT, genpt_iova_to_phys(m->pt, m->hole + 123, &oa));
		EXPECT(m, -ENOENT, genpt_iova_to_phys(m->pt, m->a - 1, &oa));
		if (m->has_end) {
			EXPECT(m, -ERANGE, genpt_iova_to_phys(m->pt, m->end, &oa));
			EXPECT(m, -ERANGE, genpt_iova_to_phys(m->pt, m->end + 77, &oa));
		}
		if (m->has_end && !m->f->sign_extend)
			EXPECT(m, -ERANGE, genpt_iova_to_phys(m->pt, U64MAX, &oa));
		cr_expect_eq(oa, 55, "%s: *oa written on failure", m->f->name);
	});
}

/* ---- dirty state ---------------------------------------------------------- */

Test(api_matrix, read_and_clear_dirty)
{
	FOR_EACH_FMT(m, {
		static uint64_t bits[64];
		uint64_t g = m->g, q = m->a, ql = 2 * m->big;
		uint64_t top = U64MAX - g + 1;
		struct genpt_dirty_bitmap bm = { .bits = bits, .iova = q, .length = 4 * m->big,
						 .page_shift = 12 };
		struct genpt_dirty_bitmap b;
		uint64_t bm_pages = (4 * m->big) >> 12;

		/* one bit per 4 KiB page would need too big an array for
		 * large granules: cover the query with coarser bits then */
		while (bm_pages > 64 * 64) {
			bm.page_shift++;
			bm_pages >>= 1;
		}
		memset(bits, 0, sizeof(bits));
		EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(NULL, q, ql, 0, &bm, G));
		if (!m->f->dirty) {
			/* wrong format for the call */
			EXPECT_G(m, -EOPNOTSUPP, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &bm, G));
			EXPECT_G(m, -EOPNOTSUPP, genpt_read_and_clear_dirty(m->pt, q, ql, 0, NULL, G));
			EXPECT_G(m, -EOPNOTSUPP,
				 genpt_read_and_clear_dirty(m->pt, q, ql, GENPT_DIRTY_NO_CLEAR, &bm, NULL));
			EXPECT(m, -EOPNOTSUPP, genpt_set_dirty_tracking(m->pt, true));
			EXPECT(m, -EOPNOTSUPP, genpt_set_dirty_tracking(m->pt, false));
			EXPECT_G(m, -EOPNOTSUPP, genpt_set_dirty_tracking_split(m->pt, true, m->f->gshift, G));
			EXPECT_G(m, -EOPNOTSUPP, genpt_set_dirty_tracking_split(m->pt, false, m->f->gshift, G));
			EXPECT(m, 0, genpt_dirty_tracking(m->pt));
		} else {
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 1u << 1, &bm, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 1u << 31, NULL, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, 0, 0, &bm, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, g - 1, 0, &bm, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q + 1, g, 0, &bm, G));
			EXPECT_G(m, -EOVERFLOW, genpt_read_and_clear_dirty(m->pt, top, 2 * g, 0, NULL, G));
			if (m->has_end) {
				EXPECT_G(m, -ERANGE, genpt_read_and_clear_dirty(m->pt, m->end, g, 0, NULL, G));
				EXPECT_G(m, -ERANGE,
					 genpt_read_and_clear_dirty(m->pt, m->end - g, 2 * g, 0, NULL, G));
			}
			/* the bitmap */
			b = bm, b.bits = NULL;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.page_shift = 11;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.page_shift = 64;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.length = 0;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.length = bm.length + 1;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.iova = bm.iova + (1ull << bm.page_shift) / 2;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			b = bm, b.iova = U64MAX - (1ull << bm.page_shift) + 1, b.length = 2ull << bm.page_shift;
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, ql, 0, &b, G));
			/* the query outside the bitmap's range, below and above */
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q - g, ql, 0, &bm, G));
			EXPECT_G(m, -EINVAL,
				 genpt_read_and_clear_dirty(m->pt, q + 4 * m->big - g, 2 * g, 0, &bm, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, q, 4 * m->big + g, 0, &bm, G));
			/* order: flags and shape before wrap before range */
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, top, 0, 0, NULL, G));
			EXPECT_G(m, -EINVAL, genpt_read_and_clear_dirty(m->pt, top, 2 * g, 1u << 2, NULL, G));
			EXPECT(m, -EINVAL, genpt_set_dirty_tracking(NULL, false));
			EXPECT(m, 1, genpt_dirty_tracking(m->pt));
		}
		EXPECT(m, -EINVAL, genpt_dirty_tracking(NULL));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(NULL, true, m->f->gshift, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, m->f->gshift - 1, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, 0, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, true, 64, G));
		EXPECT_G(m, -EINVAL, genpt_set_dirty_tracking_split(m->pt, false, 200, G));
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			cr_expect_eq(bits[i], 0, "%s: bitmap word %zu written by a failed call",
				     m->f->name, i);
	});
}

/* ---- split / merge --------------------------------------------------------- */

Test(api_matrix, split_and_merge)
{
	FOR_EACH_FMT(m, {
		uint64_t g = m->g, top = U64MAX - g + 1;
		unsigned int gs = m->f->gshift;

		EXPECT_G(m, -EINVAL, genpt_split(NULL, m->a, m->big, gs, G));
		EXPECT_G(m, -EINVAL, genpt_merge(NULL, m->a, m->big, G));
		EXPECT_G(m, -EINVAL, genpt_split(m->pt, m->a, m->big, gs - 1, G));
		EXPECT_G(m, -EINVAL, genpt_split(m->pt, m->a, m->big, 0, G));
		EXPECT_G(m, -EINVAL, genpt_split(m->pt, m->a, m->big, 64, G));
		EXPECT_G(m, -EINVAL, genpt_split(m->pt, m->a, 0, gs, G));
		EXPECT_G(m, -EINVAL, genpt_split(m->pt, m->a + 1, g, gs, G));
		EXPECT_G(m, -EINVAL, genpt_merge(m->pt, m->a, 0, G));
		EXPECT_G(m, -EINVAL, genpt_merge(m->pt, m->a, g + 1, G));
		EXPECT_G(m, -EOVERFLOW, genpt_split(m->pt, top, 2 * g, gs, G));
		EXPECT_G(m, -EOVERFLOW, genpt_merge(m->pt, top, 2 * g, G));
		if (m->has_end) {
			EXPECT_G(m, -ERANGE, genpt_split(m->pt, m->end, g, gs, G));
			EXPECT_G(m, -ERANGE, genpt_merge(m->pt, m->end - g, 2 * g, G));
		}
		if (m->split) {
			EXPECT_G(m, -ENOENT, genpt_split(m->pt, m->hole, 4 * m->big, gs, G));
			EXPECT_G(m, -ENOENT, genpt_merge(m->pt, m->hole, 4 * m->big, G));
		} else {
			/* wrong format for the call */
			EXPECT_G(m, -EOPNOTSUPP, genpt_split(m->pt, m->a, m->big, gs, G));
			EXPECT_G(m, -EOPNOTSUPP, genpt_merge(m->pt, m->a, m->big, G));
			if (m->f->dirty)
				EXPECT_G(m, -EOPNOTSUPP, genpt_set_dirty_tracking_split(m->pt, true, gs, G));
		}
	});
}

/* ---- hardware access, info, accounting, gathers ------------------------------ */

Test(api_matrix, hw_access_info_bytes_gather)
{
	FOR_EACH_FMT(m, {
		uint64_t oa = 66, bytes = 66;
		struct genpt_hw_info info, info0;
		struct genpt_gather g, g1;

		EXPECT(m, -EINVAL, genpt_hw_access(NULL, m->a, GENPT_ACCESS_READ, &oa));
		EXPECT(m, -EINVAL, genpt_hw_access(m->pt, m->a, 0, &oa));
		EXPECT(m, -EINVAL, genpt_hw_access(m->pt, m->a, 4, &oa));
		EXPECT(m, -EINVAL, genpt_hw_access(m->pt, m->a, ~0u, &oa));
		EXPECT(m, -ENOENT, genpt_hw_access(m->pt, m->hole, GENPT_ACCESS_READ, &oa));
		EXPECT(m, -ENOENT, genpt_hw_access(m->pt, m->hole, GENPT_ACCESS_WRITE, NULL));
		EXPECT(m, -EACCES, genpt_hw_access(m->pt, m->ro + m->g, GENPT_ACCESS_WRITE, &oa));
		if (m->has_end)
			EXPECT(m, -ERANGE, genpt_hw_access(m->pt, m->end, GENPT_ACCESS_READ, &oa));
		/* order: access kind before range */
		if (m->has_end)
			EXPECT(m, -EINVAL, genpt_hw_access(m->pt, m->end, 9, &oa));
		cr_expect_eq(oa, 66, "%s: *oa written on failure", m->f->name);

		memset(&info, 0x5a, sizeof(info));
		info0 = info;
		EXPECT(m, -EINVAL, genpt_hw_info(NULL, &info));
		EXPECT(m, -EINVAL, genpt_hw_info(m->pt, NULL));
		cr_expect(!memcmp(&info, &info0, sizeof(info)), "%s: info written", m->f->name);

		EXPECT(m, -EINVAL, genpt_table_bytes(NULL, &bytes));
		EXPECT(m, -EINVAL, genpt_table_bytes(m->pt, NULL));
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

/* ---- genpt/mem.h: simulated physical memory ------------------------------- */

#define PM_BASE (1ull << 32)
#define PM_SIZE (16ull << 20)

static void expect_stats(struct genpt_physmem *pm, uint64_t bytes, uint64_t blocks, int line)
{
	uint64_t b = ~0ull, n = ~0ull;

	cr_assert_eq(genpt_physmem_stats(pm, &b, &n), 0);
	cr_expect(b == bytes && n == blocks, "line %d: physmem holds %llu bytes in %llu blocks, want %llu in %llu",
		  line, (unsigned long long)b, (unsigned long long)n,
		  (unsigned long long)bytes, (unsigned long long)blocks);
}

Test(api_matrix, physmem)
{
	struct genpt_physmem *pm = (struct genpt_physmem *)&pm, *sentinel = pm;
	uint64_t pa = 99, v = 99, a;
	int err;

	/* create */
	cr_expect_eq(genpt_physmem_create(PM_BASE, PM_SIZE, NULL), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE, 0, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE + 1, PM_SIZE, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE + 2048, PM_SIZE, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE, PM_SIZE + 1, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE, 4095, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(PM_BASE + 1, 1ull << 62, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create(U64MAX - 4095, 8192, &pm), -EINVAL);
	cr_expect_eq(genpt_physmem_create((U64MAX - 4095) & ~4095ull, 1ull << 20, &pm), -EINVAL);
	err = genpt_physmem_create(0, 1ull << 62, &pm);
	cr_expect(err == -EINVAL || err == -ENOMEM, "a 4 EiB physmem: %d", err);
	cr_expect_eq(pm, sentinel, "*out written on failure");
	genpt_physmem_destroy(NULL);

	cr_assert_eq(genpt_physmem_create(PM_BASE, PM_SIZE, &pm), 0);
	cr_assert_eq(genpt_physmem_alloc(pm, 4096, 4096, &a), 0);

	/* alloc */
	cr_expect_eq(genpt_physmem_alloc(NULL, 4096, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 4096, NULL), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 0, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 3, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 4097, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 0, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 2 * PM_SIZE, 4096, &pa), -ENOMEM);
	cr_expect_eq(genpt_physmem_alloc(pm, PM_SIZE, 4096, &pa), -ENOMEM); /* one block is taken */
	/* two bad arguments: the malformed one wins over the memory */
	cr_expect_eq(genpt_physmem_alloc(pm, 2 * PM_SIZE, 3, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(NULL, 2 * PM_SIZE, 4096, &pa), -EINVAL);
	cr_expect_eq(genpt_physmem_alloc(pm, 2 * PM_SIZE, 4096, NULL), -EINVAL);
	cr_expect_eq(pa, 99, "*pa written on failure");
	expect_stats(pm, 4096, 1, __LINE__);

	/* free */
	cr_expect_eq(genpt_physmem_free(NULL, a, 4096), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, a, 0), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, a + 8192, 4096), -EINVAL);   /* never allocated */
	cr_expect_eq(genpt_physmem_free(pm, a + 8, 4096), -EINVAL);      /* misaligned */
	cr_expect_eq(genpt_physmem_free(pm, a, 8192), -EINVAL);          /* other size */
	cr_expect_eq(genpt_physmem_free(pm, PM_BASE - 4096, 4096), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, PM_BASE + PM_SIZE, 4096), -EINVAL);
	cr_expect_eq(genpt_physmem_free(pm, U64MAX - 4095, 4096), -EINVAL);
	expect_stats(pm, 4096, 1, __LINE__);
	cr_expect_eq(genpt_physmem_free(pm, a, 4096), 0);
	cr_expect_eq(genpt_physmem_free(pm, a, 4096), -EINVAL);          /* twice */
	expect_stats(pm, 0, 0, __LINE__);

	/* ptr, stats */
	cr_expect_null(genpt_physmem_ptr(NULL, PM_BASE));
	cr_expect_null(genpt_physmem_ptr(pm, PM_BASE - 1));
	cr_expect_null(genpt_physmem_ptr(pm, PM_BASE + PM_SIZE));
	cr_expect_null(genpt_physmem_ptr(pm, 0));
	cr_expect_null(genpt_physmem_ptr(pm, U64MAX));
	cr_expect_eq(genpt_physmem_stats(NULL, &v, &v), -EINVAL);
	cr_expect_eq(v, 99);

	/* exhaustion: everything, then one more */
	cr_assert_eq(genpt_physmem_alloc(pm, PM_SIZE, 4096, &a), 0);
	pa = 99;
	cr_expect_eq(genpt_physmem_alloc(pm, 4096, 4096, &pa), -ENOMEM);
	cr_expect_eq(pa, 99);
	cr_expect_eq(genpt_physmem_free(pm, a, PM_SIZE), 0);
	expect_stats(pm, 0, 0, __LINE__);
	genpt_physmem_destroy(pm);
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
