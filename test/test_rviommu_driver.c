/* SPDX-License-Identifier: MIT */
/*
 * test_rviommu_driver.c - the driver helper (genpt_rvdrv_*) driving the
 * model through its MMIO interface, with genpt tables attached:
 *
 *  - first-stage domains, the fault poller, create, ATS.
 * The dirty-tracking flow end to end, the caching hazard, map/unmap, the
 * attach rules and no AMO_HWAD run on both drivers in test_drv_flows.c.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "drvrig.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* The rig (drvrig.h) on the RISC-V helper: @caps (0: every extension), a
 * DDT of @ddt_levels, 2^@fq_log2 fault records (0: the helper's defaults),
 * its table (d->pt) a G-stage one of @va_bits. */
static void drv_env_init(struct drig *d, uint64_t caps, unsigned int ddt_levels,
			 unsigned int fq_log2, unsigned int va_bits)
{
	const struct dr_cfg c = { "rvdrv", false, true, va_bits, 12, caps, ddt_levels, fq_log2, 0 };

	dr_init(d, &c, 16 * GiB);
}

/* ---- the small domain of the hazard and ATS tests ------------------------ */

#define SMALL (64 * 4096)

/* The rig's table (50-bit G-stage) mapping SMALL bytes at 0, read/write,
 * to fresh RAM (*@ram). */
static void small_map(struct drig *d, uint64_t *ram)
{
	cr_assert_eq(genpt_physmem_alloc(d->re.pm, SMALL, 4096, ram), 0);
	cr_assert_eq(genpt_rvdrv_map(d->rd, d->pt, 0, *ram, SMALL, GENPT_READ | GENPT_WRITE), 0);
}

/* The helper's harvest of the small domain: its page bits. */
static uint64_t small_harvest(struct drig *d)
{
	uint64_t bits;

	dr_harvest(d, 0, SMALL, 0, &bits);
	return bits;
}

/* ---- first-stage domains ------------------------------------------------ */

Test(rviommu_driver, first_stage_domain_with_sade)
{
	struct drig d;
	struct genpt *pt;
	struct genpt_hw_info info;
	uint64_t ram, bits[2], dcpa;
	const uint64_t top = 0xffff800000000000ull; /* upper half of Sv48 */
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = top, .length = 128 * 4096,
					 .page_shift = 12 };

	drv_env_init(&d, RVI_CAPS_BASE, 0, 0, 41);
	pt = dr_table(&d, false, 48);
	cr_assert_eq(genpt_physmem_alloc(d.re.pm, 1 * MiB, 64 * KiB, &ram), 0);
	cr_assert_eq(genpt_rvdrv_map(d.rd, pt, top, ram, 128 * 4096, GENPT_READ | GENPT_WRITE), 0);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(d.rd, pt, true), 0, "no device yet");
	cr_assert_eq(dr_attach_to(&d, 0x77, pt, false, 0xabcde), 0);
	/* the DC: SADE (tracking is on), ta.PSCID, fsc = iosatp, iohgatp Bare */
	cr_assert_eq(genpt_hw_info(pt, &info), 0);
	dcpa = rvi_dc_pa(&d.re, 0x77);
	cr_assert_eq(rvi_get(&d.re, dcpa), RVI_TC_V | RVI_TC_SADE);
	cr_assert_eq(rvi_get(&d.re, dcpa + 8), 0);
	cr_assert_eq(rvi_get(&d.re, dcpa + 16), RVI_TA_PSCID(0xabcde));
	cr_assert_eq(rvi_get(&d.re, dcpa + 24), RVI_ATP(9, 0, info.root_pa));

	cr_assert_eq(dr_write(&d, 0x77, top + 0x10000 + 8, 5), 0); /* a 64K run */
	cr_assert_eq(dr_write(&d, 0x77, top + 0x70000, 6), 0);     /* another run */
	for (unsigned int i = 0; i < 3; i++) {
		bits[0] = bits[1] = 0;
		cr_assert_eq(genpt_rvdrv_read_and_clear_dirty(d.rd, pt, top, 128 * 4096, 0, &bm), 0);
		cr_assert_eq(bits[0], 0xffffull << 16, "round %u", i);
		cr_assert_eq(bits[1], 0xffffull << (0x70 - 64), "round %u", i);
		cr_assert_eq(dr_write(&d, 0x77, top + 0x1f000, 7), 0);
		cr_assert_eq(dr_write(&d, 0x77, top + 0x70008, 7), 0);
	}
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(d.rd, pt, false), 0);
	cr_assert_eq(rvi_get(&d.re, dcpa), RVI_TC_V);
	cr_assert_eq(genpt_rvdrv_detach(d.rd, 0x77), 0);
	cr_assert_eq(rvi_get(&d.re, dcpa) & RVI_TC_V, 0);
	genpt_destroy(pt);
	dr_fini(&d);
}

/* ---- the fault poller -------------------------------------------------- */

Test(rviommu_driver, fault_poller_and_overflow)
{
	struct drig d;
	struct genpt_rviommu_fault f[8];
	bool of;
	uint64_t v = 0;

	/* a 4-record fault queue: 3 fit */
	drv_env_init(&d, 0, 0, 2, 41);
	dr_attach(&d, 0x42, 4);
	for (unsigned int i = 0; i < 5; i++)
		cr_assert_eq(genpt_rviommu_dma(d.re.iommu, 0x42, 0x1000 * i + 1, &v, 1,
					       (i & 1) ? GENPT_ACCESS_WRITE : GENPT_ACCESS_EXEC),
			     -EFAULT);
	cr_assert_eq(genpt_rvdrv_poll_faults(d.rd, f, 2, &of), 2);
	cr_assert(of, "records were lost");
	cr_assert_eq(f[0].cause, RVI_C_INST_GPAGE);
	cr_assert_eq(f[0].ttyp, 1);
	cr_assert_eq(f[0].iotval, 1);
	cr_assert_eq(f[0].iotval2, 0);
	cr_assert_eq(f[1].cause, RVI_C_WRITE_GPAGE);
	cr_assert_eq(f[1].ttyp, 3);
	cr_assert_eq(f[1].did, 0x42);
	cr_assert_eq(f[1].iotval, 0x1001);
	cr_assert_eq(f[1].iotval2, 0x1000);
	cr_assert_eq(genpt_rvdrv_poll_faults(d.rd, f, 8, &of), 1);
	cr_assert_not(of, "overflow cleared by the previous poll");
	cr_assert_eq(f[0].iotval, 0x2001);
	cr_assert_eq(genpt_rvdrv_poll_faults(d.rd, f, 8, &of), 0);
	/* reporting resumed */
	cr_assert_eq(dr_dma(&d, 0x42, 0x9000, &v, GENPT_ACCESS_READ), -EFAULT);
	cr_assert_eq(genpt_rvdrv_poll_faults(d.rd, f, 8, &of), 1);
	cr_assert_eq(f[0].iotval, 0x9000);
	cr_assert_eq(genpt_rvdrv_poll_faults(d.rd, NULL, 1, NULL), -EINVAL);
	cr_assert_eq(genpt_rvdrv_detach(d.rd, 0x42), 0);
	dr_fini(&d);
}

/* ---- create ------------------------------------------------------------ */

static int fail_read(void *ctx, uint32_t offset, unsigned int size, uint64_t *value)
{
	return -EIO;
}

static int fail_write(void *ctx, uint32_t offset, unsigned int size, uint64_t value)
{
	return -EIO;
}

Test(rviommu_driver, create_checks)
{
	static const struct genpt_rv_mmio_ops failing = { fail_read, fail_write };
	struct rvi_env e;
	struct genpt_rvdrv *drv;
	struct genpt_rvdrv_config cfg = { .mmio = &genpt_rviommu_mmio_ops,
					  .mem = &genpt_physmem_ops };
	uint64_t bytes0, bytes1;

	rvi_env_init(&e, 0, 0);
	cfg.mmio_ctx = e.iommu;
	cfg.mem_ctx = e.pm;
	cr_assert_eq(genpt_rvdrv_create(NULL, &drv), -EINVAL);
	cr_assert_eq(genpt_rvdrv_create(&cfg, NULL), -EINVAL);
	cfg.ddt_levels = 4;
	cr_assert_eq(genpt_rvdrv_create(&cfg, &drv), -EINVAL);
	cfg.ddt_levels = 0;
	cfg.mmio = &failing;
	cr_assert_eq(genpt_physmem_stats(e.pm, &bytes0, NULL), 0);
	cr_assert_eq(genpt_rvdrv_create(&cfg, &drv), -EIO);
	cr_assert_eq(genpt_physmem_stats(e.pm, &bytes1, NULL), 0);
	cr_assert_eq(bytes0, bytes1, "nothing leaked");
	cfg.mmio = &genpt_rviommu_mmio_ops;
	for (unsigned int levels = 1; levels <= 3; levels++) {
		unsigned int mode;

		cfg.ddt_levels = levels;
		cr_assert_eq(genpt_rvdrv_create(&cfg, &drv), 0);
		cr_assert_eq(genpt_rvdrv_ddt_info(drv, NULL, &mode), 0);
		cr_assert_eq(mode, 1 + levels);
		cr_assert(rvi_rd(&e, RVI_REG_CQCSR, 4) & RVI_CQCSR_CQON);
		cr_assert(rvi_rd(&e, RVI_REG_FQCSR, 4) & RVI_FQCSR_FQON);
		genpt_rvdrv_destroy(drv);
		cr_assert_eq(genpt_physmem_stats(e.pm, &bytes1, NULL), 0);
		cr_assert_eq(bytes0, bytes1, "destroy frees everything");
	}
	genpt_rvdrv_destroy(NULL);
	rvi_env_fini(&e);
}

/* ---- ATS: a device ATC is the IOTLB's hazard again ---------------------- */

/*
 * One ATS device doing DMA through its ATC (translated requests set no D):
 * @helper_knows says whether the helper was told (genpt_rvdrv_set_ats) or
 * EN_ATS was set behind its back, so that its harvest sends no ATS.INVAL.
 * Returns how many of five harvests after a write reported the page.
 */
static unsigned int ats_harvest_rounds(bool helper_knows)
{
	struct genpt_rviommu_atc *atc;
	uint64_t ram, v = 1;
	unsigned int seen = 0;
	struct drig d;

	drv_env_init(&d, RVI_CAPS_EXT | (1ull << 25) /* ATS */, 0, 0, 50);
	small_map(&d, &ram);
	dr_attach(&d, 3, 79);
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking(d.rd, d.pt, true), 0);
	if (helper_knows) {
		cr_assert_eq(genpt_rvdrv_set_ats(d.rd, 3, true), 0);
	} else {
		/* Nothing translated yet: the DC is not cached. */
		rvi_set(&d.re, rvi_dc_pa(&d.re, 3), dr_tc(&d, 3) | RVI_TC_EN_ATS);
	}
	cr_assert(dr_tc(&d, 3) & RVI_TC_EN_ATS);
	cr_assert_eq(genpt_rviommu_atc_create(d.re.iommu, 3, 0, &atc), 0);
	for (unsigned int i = 0; i < 5; i++) {
		v = i;
		cr_assert_eq(genpt_rviommu_atc_dma(atc, 0x5000 + 8 * i, &v, 8,
						   GENPT_ACCESS_WRITE), 0);
		cr_assert_eq(rvi_get(&d.re, ram + 0x5000 + 8 * i), i, "the data arrived");
		seen += (small_harvest(&d) >> 5) & 1;
	}
	genpt_rviommu_atc_destroy(atc);
	cr_assert_eq(genpt_rvdrv_detach(d.rd, 3), 0);
	dr_fini(&d);
	return seen;
}

/*
 * The ATC caches the dirty W translation its first Translation Request got
 * (which set D).  A harvest that cleans D and invalidates only the IOTLB
 * leaves it there: later writes use translated requests, D stays clean,
 * every later harvest misses the page.  The helper's harvest sends
 * ATS.INVAL to the device before its IOFENCE.C: the next write asks again,
 * sets D, and every harvest reports it.
 */
Test(rviommu_driver, harvest_reaches_the_device_atc)
{
	cr_assert_eq(ats_harvest_rounds(false), 1, "without ATS.INVAL only the first is seen");
	cr_assert_eq(ats_harvest_rounds(true), 5, "with the helper's flow nothing is lost");
}

Test(rviommu_driver, set_ats_errors)
{
	struct drig d;

	drv_env_init(&d, 0, 0, 0, 50);
	cr_assert_eq(genpt_rvdrv_set_ats(NULL, 3, true), -EINVAL);
	cr_assert_eq(genpt_rvdrv_set_ats(d.rd, 3, true), -ENOENT);
	dr_attach(&d, 3, 80);
	cr_assert_eq(genpt_rvdrv_set_ats(d.rd, 3, true), -EOPNOTSUPP, "no capabilities.ATS");
	cr_assert_eq(dr_tc(&d, 3) & RVI_TC_EN_ATS, 0);
	cr_assert_eq(genpt_rvdrv_set_ats(d.rd, 3, false), 0, "no change");
	cr_assert_eq(genpt_rvdrv_detach(d.rd, 3), 0);
	dr_fini(&d);
}

/* ---- ATS under concurrency (TSan) ---------------------------------------- */

struct ats_dev {
	struct genpt_rviommu_atc *atc;
	uint64_t base;
	int err;
};

static void *ats_writer(void *p)
{
	struct ats_dev *w = p;

	for (uint64_t i = 0; i < 3000 && !w->err; i++) {
		uint64_t v = i;

		w->err = genpt_rviommu_atc_dma(w->atc, w->base + (i % 16) * 4096 + 8 * (i % 8), &v,
					       8, GENPT_ACCESS_WRITE);
	}
	return NULL;
}

/* Two ATS devices write through their ATCs while the helper harvests and
 * invalidates (ATS.INVAL + IOFENCE.C racing fills and translated writes).
 * After the writers stop, one more write per page must be reported by the
 * next harvest: no ATC kept a dirty translation across the harvests. */
Test(rviommu_driver, ats_devices_beside_harvests, .timeout = 120)
{
	struct ats_dev w[2];
	pthread_t th[2];
	uint64_t ram;
	struct drig d;

	drv_env_init(&d, RVI_CAPS_EXT | (1ull << 25), 0, 0, 50);
	small_map(&d, &ram);
	for (unsigned int i = 0; i < 2; i++) {
		dr_attach(&d, 3 + i, 81);
		cr_assert_eq(genpt_rvdrv_set_ats(d.rd, 3 + i, true), 0);
		w[i] = (struct ats_dev){ .base = i * 32 * 4096 };
		cr_assert_eq(genpt_rviommu_atc_create(d.re.iommu, 3 + i, 4, &w[i].atc), 0);
	}
	cr_assert_eq(genpt_rvdrv_set_dirty_tracking_split(d.rd, d.pt, true, 12), 0);
	for (unsigned int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, ats_writer, &w[i]), 0);
	for (unsigned int r = 0; r < 200; r++)
		small_harvest(&d);
	for (unsigned int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(w[i].err, 0);
	}
	small_harvest(&d);
	for (unsigned int i = 0; i < 2; i++)
		for (unsigned int p = 0; p < 16; p++) {
			uint64_t v = 7;

			cr_assert_eq(genpt_rviommu_atc_dma(w[i].atc, w[i].base + p * 4096, &v, 8,
							   GENPT_ACCESS_WRITE), 0);
		}
	cr_assert_eq(small_harvest(&d), 0xffff0000ffffull,
		     "every page written after the harvests");
	for (unsigned int i = 0; i < 2; i++) {
		genpt_rviommu_atc_destroy(w[i].atc);
		cr_assert_eq(genpt_rvdrv_detach(d.rd, 3 + i), 0);
	}
	dr_fini(&d);
}
