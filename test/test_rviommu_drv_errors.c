/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_drv_errors.c - every failing driver-helper call leaves the
 * IOMMU's in-memory state as it was.
 *
 *  - genpt_rvdrv_attach() under a memory provider that refuses its Nth
 *    allocation, for every N, for every DDT depth, for a device whose whole
 *    directory path is new and for one that shares part of it: -ENOMEM,
 *    every block the provider handed out byte for byte as before (the DDT
 *    included), no block more, the device not attached, the table's
 *    tracking not claimed; then the same call succeeds.
 *  - genpt_rvdrv_attach() and genpt_rvdrv_set_dirty_tracking() with the
 *    Nth register access failing, for every N: once (the undo's own
 *    invalidation gets through: the provider balance is back too) and from
 *    the Nth access on (the directory pages the IOMMU may have seen are
 *    unhooked but kept until destroy, which frees them).
 *
 * The provider is test/support/anyfmt's af_prov over a genpt_physmem that
 * the model reaches too.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anyfmt.h"
#include "rvi_util.h"

/* Memory the test maps (inside the provider's physmem, never allocated:
 * the IOMMU only translates to it). */
#define AF_TEST_PA ((1ull << 32) + (512ull << 20))

/* ---- register access that fails on request ------------------------------ */

struct flaky {
	struct genpt_rviommu *iommu;
	long count;   /* accesses so far */
	long fail_at; /* first access to fail; -1 never */
	bool sticky;  /* every access from fail_at on fails */
	long failed;
};

static bool flaky_fails(struct flaky *f)
{
	long i = f->count++;

	if (f->fail_at < 0 || i < f->fail_at || (!f->sticky && i != f->fail_at))
		return false;
	f->failed++;
	return true;
}

static int flaky_read(void *ctx, uint32_t off, unsigned int size, uint64_t *v)
{
	struct flaky *f = ctx;

	return flaky_fails(f) ? -EIO : genpt_rviommu_reg_read(f->iommu, off, size, v);
}

static int flaky_write(void *ctx, uint32_t off, unsigned int size, uint64_t v)
{
	struct flaky *f = ctx;

	return flaky_fails(f) ? -EIO : genpt_rviommu_reg_write(f->iommu, off, size, v);
}

static const struct genpt_rv_mmio_ops flaky_ops = { flaky_read, flaky_write };

/* ---- the environment ---------------------------------------------------- */

struct env {
	struct af_prov p;
	struct flaky mmio;
	struct genpt_rvdrv *drv;
	struct genpt *pt;
};

static void env_init(struct env *e, unsigned int ddt_levels)
{
	struct genpt_rvdrv_config dcfg = { .mmio = &flaky_ops, .mem = &af_prov_ops,
					   .ddt_levels = ddt_levels };
	struct genpt_config tcfg = { .format = GENPT_FMT_RISCV, .va_bits = 41,
				     .features = GENPT_FEAT_RISCV_GSTAGE,
				     .mem = &genpt_physmem_ops };
	struct genpt_rviommu_config mcfg = { .capabilities = RVI_CAPS_BASE };

	memset(e, 0, sizeof(*e));
	af_prov_init(&e->p, false);
	cr_assert_eq(genpt_rviommu_create(&mcfg, &af_prov_ops, &e->p, &e->mmio.iommu), 0);
	e->mmio.fail_at = -1;
	dcfg.mmio_ctx = &e->mmio;
	dcfg.mem_ctx = &e->p;
	cr_assert_eq(genpt_rvdrv_create(&dcfg, &e->drv), 0);
	/* the table's pages come from the same memory, not counted */
	tcfg.mem_ctx = e->p.pm;
	cr_assert_eq(genpt_create(&tcfg, &e->pt), 0);
}

static void env_fini(struct env *e)
{
	genpt_destroy(e->pt);
	genpt_rvdrv_destroy(e->drv);
	genpt_rviommu_destroy(e->mmio.iommu);
	af_prov_fini(&e->p); /* nothing live: destroy freed every kept page */
}

/* The DDT as the IOMMU sees it: every page reachable from ddtp, in walk
 * order, with its bytes; and the provider's live blocks. */
#define SNAP_MAX 8

struct snap {
	unsigned int n;
	uint64_t pa[SNAP_MAX];
	uint64_t page[SNAP_MAX][512];
	size_t blocks;
};

static void snap_dir(struct env *e, struct snap *s, uint64_t pa, unsigned int level)
{
	const uint64_t *p = genpt_physmem_ptr(e->p.pm, pa);

	cr_assert_not_null(p);
	cr_assert_lt(s->n, SNAP_MAX);
	s->pa[s->n] = pa;
	memcpy(s->page[s->n++], p, 4096);
	if (!level)
		return;
	for (unsigned int i = 0; i < 512; i++)
		if (p[i] & 1) /* V: a directory of the next level */
			snap_dir(e, s, RVI_PTE_PPN(p[i]) << 12, level - 1);
}

static void snap_take(struct env *e, struct snap *s)
{
	uint64_t root;
	unsigned int mode;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(genpt_rvdrv_ddt_info(e->drv, &root, &mode), 0);
	snap_dir(e, s, root, mode - 2); /* 1LVL is mode 2: a leaf page */
	s->blocks = e->p.n;
}

/* The DDT is as in @s, and (@balance) the provider holds as many blocks. */
static void snap_expect(struct env *e, const struct snap *s, bool balance,
			const char *what, long n)
{
	struct snap now;

	snap_take(e, &now);
	cr_assert_eq(now.n, s->n, "%s %ld: %u DDT pages, were %u", what, n, now.n, s->n);
	for (unsigned int i = 0; i < s->n; i++) {
		cr_assert_eq(now.pa[i], s->pa[i], "%s %ld: DDT page %u moved", what, n, i);
		cr_assert_eq(memcmp(now.page[i], s->page[i], 4096), 0,
			     "%s %ld: DDT page 0x%llx changed", what, n,
			     (unsigned long long)s->pa[i]);
	}
	if (balance)
		cr_assert_eq(now.blocks, s->blocks, "%s %ld: %zu provider blocks, were %zu",
			     what, n, now.blocks, s->blocks);
}

/* One more device on its own table (GSCID 9), to share directory levels. */
static struct genpt *attach_other(struct env *e, uint32_t did)
{
	struct genpt_config cfg = { .format = GENPT_FMT_RISCV, .va_bits = 41,
				    .features = GENPT_FEAT_RISCV_GSTAGE,
				    .mem = &genpt_physmem_ops, .mem_ctx = e->p.pm };
	struct genpt_rvdrv_domain dom = { GENPT_RVDRV_STAGE2, 9 };
	struct genpt *pt;

	cr_assert_eq(genpt_create(&cfg, &pt), 0);
	cr_assert_eq(genpt_rvdrv_attach(e->drv, did, pt, &dom), 0);
	return pt;
}

/* The fault of a DMA by @did, drained from the queue. */
static unsigned int dma_cause(struct env *e, uint32_t did)
{
	struct genpt_rviommu_fault f[2];
	uint64_t v;

	cr_assert_eq(genpt_rviommu_dma(e->mmio.iommu, did, 0x1000, &v, 8,
				       GENPT_ACCESS_READ), -EFAULT);
	cr_assert_eq(genpt_rvdrv_poll_faults(e->drv, f, 2, NULL), 1);
	return f[0].cause;
}

/* Not attached: detach finds nothing, a DMA finds no valid device
 * context, the table's tracking is the table's own to switch again. */
static void expect_not_attached(struct env *e, uint32_t did, const char *what, long n)
{
	cr_assert_eq(genpt_rvdrv_detach(e->drv, did), -ENOENT, "%s %ld", what, n);
	cr_assert_eq(dma_cause(e, did), RVI_C_DDT_INVALID, "%s %ld", what, n);
	cr_assert_eq(genpt_set_dirty_tracking(e->pt, true), 0, "%s %ld: claimed", what, n);
	cr_assert_eq(genpt_set_dirty_tracking(e->pt, false), 0);
}

/*
 * Attach @did with allocation n refused, n = 0, 1, ... until it succeeds;
 * returns how many allocations the successful call made.
 */
static long attach_sweep_alloc(struct env *e, uint32_t did)
{
	struct genpt_rvdrv_domain dom = { GENPT_RVDRV_STAGE2, 1 };
	long n;

	for (n = 0;; n++) {
		struct snap s;
		long allocs = e->p.allocs, failed = e->p.failed;
		int err;

		cr_assert_lt(n, 16, "attach never succeeds");
		snap_take(e, &s);
		e->p.fail_at = allocs + n;
		err = genpt_rvdrv_attach(e->drv, did, e->pt, &dom);
		e->p.fail_at = -1;
		if (!err) {
			cr_assert_eq(e->p.failed, failed, "succeeded over a refusal");
			break;
		}
		cr_assert_eq(err, -ENOMEM, "allocation %ld: %d", n, err);
		cr_assert_eq(e->p.failed, failed + 1, "allocation %ld not refused", n);
		snap_expect(e, &s, true, "allocation", n);
		expect_not_attached(e, did, "allocation", n);
	}
	/* attached now: the G-stage table maps nothing */
	cr_assert_eq(dma_cause(e, did), RVI_C_READ_GPAGE);
	cr_assert_eq(genpt_rvdrv_detach(e->drv, did), 0);
	return n;
}

/* For every DDT depth, a device whose path is new and one that shares part
 * of it with an attached device: the pages each needs, every refusal. */
Test(rviommu_drv_errors, attach_every_allocation_every_depth)
{
	static const struct {
		unsigned int levels;
		uint32_t other, did; /* other: 0 = none */
		long pages;
	} c[] = {
		{ 1, 0, 0x12, 0 },
		{ 2, 0, 0x1234, 1 },
		{ 2, 0x1235, 0x1234, 0 },          /* same leaf page */
		{ 3, 0, 0x123456, 2 },
		{ 3, 0x123456 ^ 0x80, 0x123456, 1 }, /* same DDI[2], new DDI[1] */
		{ 3, 0x123457, 0x123456, 0 },
	};

	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct genpt *other = NULL;
		struct env e;

		env_init(&e, c[i].levels);
		if (c[i].other)
			other = attach_other(&e, c[i].other);
		cr_assert_eq(attach_sweep_alloc(&e, c[i].did), c[i].pages, "case %u", i);
		if (other) {
			cr_assert_eq(genpt_rvdrv_detach(e.drv, c[i].other), 0);
			genpt_destroy(other);
		}
		env_fini(&e);
	}
}

/*
 * @call with register access k failing (@sticky: and every one after it
 * until the call returns), k = 0, 1, ... until it succeeds (@never: what
 * to say if it has not within 256): every failure is -EIO or -ETIMEDOUT
 * and @undone checks it left nothing behind (@s: the snapshot before); a
 * success swallowed no failure.  Returns the k it succeeded at.
 */
static long mmio_sweep(struct env *e, bool sticky, const char *never, int (*call)(struct env *e),
		       void (*undone)(struct env *e, const struct snap *s, bool sticky, long k))
{
	for (long k = 0;; k++) {
		struct snap s;
		int err;

		cr_assert_lt(k, 256, "%s", never);
		snap_take(e, &s);
		e->mmio.failed = 0;
		e->mmio.sticky = sticky;
		e->mmio.fail_at = e->mmio.count + k;
		err = call(e);
		e->mmio.fail_at = -1;
		if (!err) {
			cr_assert_eq(e->mmio.failed, 0, "access %ld: failure swallowed", k);
			return k;
		}
		cr_assert(err == -EIO || err == -ETIMEDOUT, "access %ld: %d", k, err);
		undone(e, &s, sticky, k);
	}
}

static const struct genpt_rvdrv_domain sweep_dom = { GENPT_RVDRV_STAGE2, 1 };
#define SWEEP_DID 0x123456u

static int attach_call(struct env *e)
{
	return genpt_rvdrv_attach(e->drv, SWEEP_DID, e->pt, &sweep_dom);
}

static void attach_undone(struct env *e, const struct snap *s, bool sticky, long k)
{
	/* Once: the undo's invalidation gets through and frees the new
	 * directory pages.  Sticky: they stay until destroy. */
	snap_expect(e, s, !sticky, "access", k);
	expect_not_attached(e, SWEEP_DID, "access", k);
}

/* Attach with register access k failing, k = 0, 1, ... until it succeeds. */
static void attach_sweep_mmio(bool sticky)
{
	struct env e;

	env_init(&e, 3);
	cr_assert_gt(mmio_sweep(&e, sticky, "attach never succeeds", attach_call, attach_undone),
		     0);
	cr_assert_eq(dma_cause(&e, SWEEP_DID), RVI_C_READ_GPAGE);
	cr_assert_eq(genpt_rvdrv_detach(e.drv, SWEEP_DID), 0);
	env_fini(&e);
}

Test(rviommu_drv_errors, attach_every_register_failure)
{
	attach_sweep_mmio(false);
}

Test(rviommu_drv_errors, attach_every_register_failure_sticky)
{
	attach_sweep_mmio(true);
}

static int tracking_call(struct env *e)
{
	return genpt_rvdrv_set_dirty_tracking(e->drv, e->pt, true);
}

static void tracking_undone(struct env *e, const struct snap *s, bool sticky, long k)
{
	(void)sticky;
	snap_expect(e, s, true, "access", k);
	cr_assert_eq(genpt_dirty_tracking(e->pt), 0, "access %ld: tracking on", k);
}

/*
 * Switching tracking on with register access k failing: the device
 * contexts (GADE) and the table's tracking are as before.  The table maps
 * something so the clean pass invalidates too.
 */
static void tracking_sweep_mmio(bool sticky)
{
	struct genpt_rvdrv_domain dom = { GENPT_RVDRV_STAGE2, 1 };
	struct env e;

	env_init(&e, 2);
	cr_assert_eq(genpt_rvdrv_attach(e.drv, 0x10, e.pt, &dom), 0);
	cr_assert_eq(genpt_rvdrv_attach(e.drv, 0x2000, e.pt, &dom), 0);
	cr_assert_eq(genpt_rvdrv_map(e.drv, e.pt, 0, AF_TEST_PA, 1ull << 21,
				     GENPT_READ | GENPT_WRITE), 0);
	cr_assert_gt(mmio_sweep(&e, sticky, "tracking never switches on", tracking_call,
				tracking_undone), 3);
	cr_assert_eq(genpt_dirty_tracking(e.pt), 1);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(e.drv, e.pt, false), 0);
	cr_assert_eq(genpt_rvdrv_unmap(e.drv, e.pt, 0, 1ull << 21, NULL), 0);
	cr_assert_eq(genpt_rvdrv_detach(e.drv, 0x10), 0);
	cr_assert_eq(genpt_rvdrv_detach(e.drv, 0x2000), 0);
	env_fini(&e);
}

Test(rviommu_drv_errors, tracking_on_every_register_failure)
{
	tracking_sweep_mmio(false);
}

Test(rviommu_drv_errors, tracking_on_every_register_failure_sticky)
{
	tracking_sweep_mmio(true);
}

/* genpt_rvdrv_create() at every refused allocation and every failing
 * register access: an error, and nothing left with the provider. */
Test(rviommu_drv_errors, create_every_allocation_and_register_failure)
{
	struct genpt_rviommu_config mcfg = { .capabilities = RVI_CAPS_BASE };
	struct af_prov p;
	struct flaky mmio = { .fail_at = -1 };
	struct genpt_rvdrv_config dcfg = { .mmio = &flaky_ops, .mmio_ctx = &mmio,
					   .mem = &af_prov_ops, .mem_ctx = &p };
	struct genpt_rvdrv *drv;
	long n, k;

	af_prov_init(&p, false);
	cr_assert_eq(genpt_rviommu_create(&mcfg, &af_prov_ops, &p, &mmio.iommu), 0);
	for (n = 0;; n++) {
		int err;

		cr_assert_lt(n, 16);
		p.fail_at = p.allocs + n;
		err = genpt_rvdrv_create(&dcfg, &drv);
		p.fail_at = -1;
		if (!err)
			break;
		cr_assert_eq(err, -ENOMEM, "allocation %ld: %d", n, err);
		cr_assert_eq(p.n, 0, "allocation %ld: %zu blocks left", n, p.n);
	}
	cr_assert_eq(n, 4, "queues, fence word, DDT root");
	genpt_rvdrv_destroy(drv);
	for (int sticky = 0; sticky <= 1; sticky++) {
		for (k = 0;; k++) {
			int err;

			cr_assert_lt(k, 256);
			mmio.failed = 0;
			mmio.sticky = sticky;
			mmio.fail_at = mmio.count + k;
			err = genpt_rvdrv_create(&dcfg, &drv);
			mmio.fail_at = -1;
			if (!err) {
				cr_assert_eq(mmio.failed, 0, "access %ld: failure swallowed", k);
				break;
			}
			cr_assert(err == -EIO || err == -ETIMEDOUT, "access %ld: %d", k, err);
			cr_assert_eq(p.n, 0, "access %ld: %zu blocks left", k, p.n);
		}
		genpt_rvdrv_destroy(drv);
	}
	genpt_rviommu_destroy(mmio.iommu);
	af_prov_fini(&p);
}
