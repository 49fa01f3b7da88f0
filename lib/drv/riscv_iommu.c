// SPDX-License-Identifier: MIT
/*
 * drv/riscv_iommu.c - the RISC-V IOMMU driver helper (engine side): what a
 * hypervisor's RISC-V IOMMU driver does to put genpt tables behind devices
 * and to track DMA dirty pages through them.
 *
 * It talks to the IOMMU only through MMIO callbacks and the in-memory
 * structures the specification defines (DDT, command queue, fault queue),
 * so it works on the model and would work on hardware.  It includes no
 * model header: every encoding it needs is in genpt/riscv_iommu_regs.h.
 *
 * Locking: one mutex per driver serializes every call, including the table
 * edits it performs (harvest, map, unmap), which also gives the engine the
 * per-table serialization it asks for as long as the table is edited only
 * through the driver.  Device contexts are written with atomic 64-bit
 * stores (V last, with release), because the IOMMU may read them at any
 * time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/pt_internal.h" /* the tracking state's owner (engine side) */
#include "drv_edit.h"
#include "genpt/riscv_iommu_drv.h"

/* Above this many 4 KiB pages, one invalidation for the whole GSCID/PSCID
 * replaces one command per page. */
#define RVDRV_INVAL_PAGES_MAX 64
/* Polls of a register or the fence word before giving up. */
#define RVDRV_SPIN_MAX 1000000

struct rvdrv_page {
	void *va;
	uint64_t pa;
	size_t size;
	struct rvdrv_page *next;
};

struct rvdrv_attach {
	uint32_t did;
	struct genpt *table;
	enum genpt_rvdrv_stage stage;
	uint32_t id;
	struct rvdrv_attach *next;
	bool ats; /* DC.tc.EN_ATS: the device may cache translations */
};

struct genpt_rvdrv {
	const struct genpt_rv_mmio_ops *mmio;
	void *mmio_ctx;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	pthread_mutex_t lock;

	uint64_t caps;
	bool ext;            /* extended (64-byte) device contexts */
	unsigned int dc_words;
	unsigned int ddt_levels;
	unsigned int ddt_mode;
	unsigned int did_bits;
	uint64_t *ddt_root;
	uint64_t ddt_root_pa;
	struct rvdrv_page *pages; /* DDT pages, for destroy */

	uint64_t *cq;
	uint64_t cq_pa;
	size_t cq_bytes;
	uint32_t cq_mask;
	uint32_t cqt;

	uint64_t *fq;
	uint64_t fq_pa;
	size_t fq_bytes;
	uint32_t fq_mask;

	uint32_t *fence;
	uint64_t fence_pa;
	uint32_t fence_seq;

	struct rvdrv_attach *att;
};

/* ------------------------------------------------------------ helpers -- */

static int rd(struct genpt_rvdrv *d, uint32_t off, unsigned int size, uint64_t *v)
{
	return d->mmio->read(d->mmio_ctx, off, size, v) ? -EIO : 0;
}

static int wr(struct genpt_rvdrv *d, uint32_t off, unsigned int size, uint64_t v)
{
	return d->mmio->write(d->mmio_ctx, off, size, v) ? -EIO : 0;
}

/* Poll register @off until (value & @mask) == @want. */
static int wait_reg(struct genpt_rvdrv *d, uint32_t off, uint64_t mask, uint64_t want)
{
	for (long i = 0; i < RVDRV_SPIN_MAX; i++) {
		uint64_t v;
		int err = rd(d, off, 4, &v);

		if (err)
			return err;
		if ((v & mask) == want)
			return 0;
	}
	return -ETIMEDOUT;
}

/* Make @size bytes at @va visible to an IOMMU that does not snoop the
 * CPU caches (genpt_mem_ops.flush; nothing when coherent). */
static void drv_flush(struct genpt_rvdrv *d, const void *va, size_t size)
{
	if (d->mem->flush)
		d->mem->flush(d->mem_ctx, va, size);
}

/* Zeroed by the CPU: flushed whole, so that the IOMMU reads zeroes (not
 * stale memory) and a dirty zero line evicted later cannot overwrite what
 * the IOMMU wrote (fault records, the fence word). */
static void *page_alloc(struct genpt_rvdrv *d, size_t size, uint64_t *pa)
{
	size_t sz = size < 4096 ? 4096 : size;
	void *va = d->mem->alloc(d->mem_ctx, sz, sz, pa);

	if (va)
		drv_flush(d, va, sz);
	return va;
}

static void page_free(struct genpt_rvdrv *d, void *va, size_t size)
{
	if (va)
		d->mem->free(d->mem_ctx, va, size < 4096 ? 4096 : size);
}

/* ------------------------------------------------------ command queue -- */

/* Restart a stopped command queue (cmd_ill, cqmf, cmd_to): re-enabling it
 * zeroes cqh and the error bits; the commands since the last fence are
 * lost, which the caller reports as -EIO. */
static void cq_restart(struct genpt_rvdrv *d)
{
	wr(d, GENPT_RVI_REG_CQCSR, 4, 0);
	wait_reg(d, GENPT_RVI_REG_CQCSR, GENPT_RVI_CQCSR_CQON | GENPT_RVI_CQCSR_BUSY, 0);
	d->cqt = 0;
	wr(d, GENPT_RVI_REG_CQT, 4, 0);
	wr(d, GENPT_RVI_REG_CQCSR, 4, GENPT_RVI_CQCSR_CQEN);
	wait_reg(d, GENPT_RVI_REG_CQCSR, GENPT_RVI_CQCSR_CQON | GENPT_RVI_CQCSR_BUSY,
		 GENPT_RVI_CQCSR_CQON);
}

static bool cq_stopped(uint64_t cqcsr)
{
	return cqcsr & (GENPT_RVI_CQCSR_CMD_ILL | GENPT_RVI_CQCSR_CQMF |
			GENPT_RVI_CQCSR_CMD_TO);
}

static int cmd_submit(struct genpt_rvdrv *d, uint64_t d0, uint64_t d1)
{
	uint32_t next = (d->cqt + 1) & d->cq_mask;
	uint64_t v;
	int err;

	/* Full when the tail would meet the head: wait for the IOMMU. */
	for (long i = 0;; i++) {
		err = rd(d, GENPT_RVI_REG_CQH, 4, &v);
		if (err)
			return err;
		if ((uint32_t)v != next)
			break;
		err = rd(d, GENPT_RVI_REG_CQCSR, 4, &v);
		if (err)
			return err;
		if (cq_stopped(v)) {
			cq_restart(d);
			return -EIO;
		}
		if (i == RVDRV_SPIN_MAX)
			return -ETIMEDOUT;
	}
	/* The tail write below orders these for the IOMMU (the model takes
	 * its register lock; hardware sees an MMIO write after the stores). */
	__atomic_store_n(&d->cq[2 * d->cqt], d0, __ATOMIC_RELEASE);
	__atomic_store_n(&d->cq[2 * d->cqt + 1], d1, __ATOMIC_RELEASE);
	drv_flush(d, &d->cq[2 * d->cqt], 16);
	d->cqt = next;
	return wr(d, GENPT_RVI_REG_CQT, 4, next);
}

/* IOFENCE.C with AV: wait until the IOMMU stored the sequence number. */
static int cmd_fence(struct genpt_rvdrv *d)
{
	uint32_t seq = ++d->fence_seq;
	uint64_t d0 = GENPT_RVI_CMD_IOFENCE | (GENPT_RVI_IOFENCE_C << 7) |
		      (1ull << 10) | ((uint64_t)seq << 32);
	int err = cmd_submit(d, d0, d->fence_pa >> 2);

	if (err)
		return err;
	for (long i = 0; i < RVDRV_SPIN_MAX; i++) {
		uint64_t v;

		if (__atomic_load_n(d->fence, __ATOMIC_ACQUIRE) == seq)
			return 0;
		err = rd(d, GENPT_RVI_REG_CQCSR, 4, &v);
		if (err)
			return err;
		if (cq_stopped(v)) {
			cq_restart(d);
			return -EIO;
		}
	}
	return -ETIMEDOUT;
}

static int cmd_inval_ddt(struct genpt_rvdrv *d, bool dv, uint32_t did)
{
	return cmd_submit(d, GENPT_RVI_CMD_IODIR | (GENPT_RVI_IODIR_INVAL_DDT << 7) |
				     ((uint64_t)dv << 33) | ((uint64_t)did << 40),
			  0);
}

/* IOTINVAL.GVMA: GV=1 for @gscid, with the GPA @addr when @av. */
static int cmd_gvma(struct genpt_rvdrv *d, bool gv, uint16_t gscid, bool av,
		    uint64_t addr)
{
	uint64_t d0 = GENPT_RVI_CMD_IOTINVAL | (GENPT_RVI_IOTINVAL_GVMA << 7) |
		      ((uint64_t)av << 10) | ((uint64_t)gv << 33) |
		      ((uint64_t)gscid << 44);

	return cmd_submit(d, d0, av ? (addr >> 12) << 10 : 0);
}

/* IOTINVAL.VMA for host address spaces (GV=0), @pscid when @pscv. */
static int cmd_vma(struct genpt_rvdrv *d, bool pscv, uint32_t pscid, bool av,
		   uint64_t addr)
{
	uint64_t d0 = GENPT_RVI_CMD_IOTINVAL | (GENPT_RVI_IOTINVAL_VMA << 7) |
		      ((uint64_t)av << 10) | ((uint64_t)pscid << 12) |
		      ((uint64_t)pscv << 32);

	return cmd_submit(d, d0, av ? ((addr >> 12) & ((1ull << 52) - 1)) << 10 : 0);
}

/*
 * ATS.INVAL for device @did: [first, last] page by page (S=0), or with
 * @all the whole address space (S=1, ADDR[62:12] all ones).  PCIe names
 * the device by RID (device_id 15:0) and the segment (23:16) with DSV.
 */
static int cmd_ats_inval(struct genpt_rvdrv *d, uint32_t did, bool all, uint64_t first,
			 uint64_t last)
{
	uint64_t d0 = GENPT_RVI_CMD_ATS | ((uint64_t)GENPT_RVI_ATS_INVAL << 7) |
		      ((uint64_t)(did & 0xffff) << GENPT_RVI_ATS_RID_SHIFT);
	int err = 0;

	if (did >> 16)
		d0 |= GENPT_RVI_ATS_DSV | ((uint64_t)(did >> 16) << GENPT_RVI_ATS_DSEG_SHIFT);
	if (all)
		return cmd_submit(d, d0, (0x7fffffffffffffffull & ~0xfffull) | GENPT_RVI_ATS_S);
	for (uint64_t a = first & ~4095ull; !err && a <= last; a += 4096) {
		err = cmd_submit(d, d0, a);
		if (a + 4096 < a)
			break;
	}
	return err;
}

/* ---------------------------------------------------------------- DDT -- */

/* Index of @did in a directory of level @i (1 or 2). */
static uint64_t ddt_ddi(const struct genpt_rvdrv *d, uint32_t did, unsigned int i)
{
	unsigned int b0 = d->ext ? 6 : 7;

	return i == 2 ? did >> (b0 + 9) : (did >> b0) & 0x1ff;
}

static uint64_t *ddt_next(struct genpt_rvdrv *d, uint64_t e)
{
	return d->mem->phys_to_virt(d->mem_ctx,
				    ((e & GENPT_RVI_PPN_MASK) >> GENPT_RVI_PPN_SHIFT) << 12);
}

/*
 * The directory on @did's path whose entry is missing, and that entry's
 * level (*@level; 0 when the whole path exists, with the DC's table).
 */
static uint64_t *ddt_walk(struct genpt_rvdrv *d, uint32_t did, unsigned int *level)
{
	uint64_t *table = d->ddt_root;
	unsigned int i;

	for (i = d->ddt_levels - 1; i > 0 && table; i--) {
		uint64_t e = __atomic_load_n(&table[ddt_ddi(d, did, i)], __ATOMIC_ACQUIRE);

		if (!(e & GENPT_RVI_DIR_V))
			break;
		table = ddt_next(d, e);
	}
	*level = i;
	return table;
}

/* The device context of @did; NULL when its directory path is absent. */
static uint64_t *ddt_dc(struct genpt_rvdrv *d, uint32_t did)
{
	unsigned int level, b0 = d->ext ? 6 : 7;
	uint64_t *table = ddt_walk(d, did, &level);

	if (!table || level)
		return NULL;
	return table + (uint64_t)(did & ((1u << b0) - 1)) * d->dc_words;
}

/*
 * Build the missing directory levels of @did's path.  Every page is
 * allocated and the new pages are linked among themselves before one
 * release store hangs them into the DDT, so an allocation failure leaves
 * the DDT (and the provider) as it was.  *@nw receives what undoes it:
 * the entry that store wrote (NULL when nothing was missing), its old
 * value, and the number of new pages (pushed on d->pages).
 */
struct ddt_new {
	uint64_t *slot;
	uint64_t old;
	unsigned int pages;
};

static int ddt_build(struct genpt_rvdrv *d, uint32_t did, struct ddt_new *nw)
{
	struct rvdrv_page *pg[2] = { NULL, NULL };
	unsigned int level, n;
	uint64_t *table = ddt_walk(d, did, &level);

	*nw = (struct ddt_new){ NULL, 0, 0 };
	if (!table)
		return -ENOMEM;
	/* pg[k] is the directory of level level-1-k */
	for (n = 0; n < level; n++) {
		pg[n] = malloc(sizeof(*pg[n]));
		if (pg[n])
			pg[n]->va = page_alloc(d, 4096, &pg[n]->pa);
		if (!pg[n] || !pg[n]->va) {
			for (unsigned int k = 0; k <= n && k < 2; k++) {
				if (pg[k])
					page_free(d, pg[k]->va, 4096);
				free(pg[k]);
			}
			return -ENOMEM;
		}
		pg[n]->size = 4096;
	}
	if (!level)
		return 0;
	if (level == 2) { /* the new level-1 directory points to the new leaf page */
		uint64_t *inner = (uint64_t *)pg[0]->va + ddt_ddi(d, did, 1);

		__atomic_store_n(inner, GENPT_RVI_PPN_OF(pg[1]->pa) | GENPT_RVI_DIR_V,
				 __ATOMIC_RELAXED);
		drv_flush(d, inner, 8); /* reaches the IOMMU before the publish */
	}
	nw->slot = &table[ddt_ddi(d, did, level)];
	nw->old = __atomic_load_n(nw->slot, __ATOMIC_RELAXED);
	__atomic_store_n(nw->slot, GENPT_RVI_PPN_OF(pg[0]->pa) | GENPT_RVI_DIR_V,
			 __ATOMIC_RELEASE);
	drv_flush(d, nw->slot, 8);
	for (unsigned int k = 0; k < level; k++) {
		pg[k]->next = d->pages;
		d->pages = pg[k];
	}
	nw->pages = level;
	return 0;
}

/* ---------------------------------------------------------- lifecycle -- */

static void drv_free(struct genpt_rvdrv *d)
{
	while (d->pages) {
		struct rvdrv_page *pg = d->pages;

		d->pages = pg->next;
		page_free(d, pg->va, pg->size);
		free(pg);
	}
	while (d->att) {
		struct rvdrv_attach *a = d->att;

		d->att = a->next;
		free(a);
	}
	page_free(d, d->ddt_root, 4096);
	page_free(d, d->cq, d->cq_bytes);
	page_free(d, d->fq, d->fq_bytes);
	page_free(d, d->fence, 4096);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/* Quiesce: Off, queues disabled, before anything is allocated. */
static int drv_quiesce(struct genpt_rvdrv *d)
{
	int err = wr(d, GENPT_RVI_REG_DDTP, 8, GENPT_RVI_DDTP_OFF);

	if (!err)
		err = wr(d, GENPT_RVI_REG_CQCSR, 4, 0);
	if (!err)
		err = wr(d, GENPT_RVI_REG_FQCSR, 4, 0);
	if (!err)
		err = wait_reg(d, GENPT_RVI_REG_CQCSR,
			       GENPT_RVI_CQCSR_CQON | GENPT_RVI_CQCSR_BUSY, 0);
	if (!err)
		err = wait_reg(d, GENPT_RVI_REG_FQCSR,
			       GENPT_RVI_FQCSR_FQON | GENPT_RVI_FQCSR_BUSY, 0);
	return err;
}

/* One queue: base (PPN and log2 size - 1), the driver's pointer (tail for
 * the command queue, head for the fault queue) at 0, enable, wait for ON. */
static int drv_queue_on(struct genpt_rvdrv *d, unsigned int base_reg,
			uint64_t pa, unsigned int log2, unsigned int ptr_reg,
			unsigned int csr_reg, uint32_t en, uint32_t on_busy,
			uint32_t on)
{
	int err = wr(d, base_reg, 8, GENPT_RVI_PPN_OF(pa) | (log2 - 1));

	if (!err)
		err = wr(d, ptr_reg, 4, 0);
	if (!err)
		err = wr(d, csr_reg, 4, en);
	if (!err)
		err = wait_reg(d, csr_reg, on_busy, on);
	return err;
}

/* Command queue, then fault queue. */
static int drv_queues_on(struct genpt_rvdrv *d, unsigned int cq_log2,
			 unsigned int fq_log2)
{
	int err = drv_queue_on(d, GENPT_RVI_REG_CQB, d->cq_pa, cq_log2,
			       GENPT_RVI_REG_CQT, GENPT_RVI_REG_CQCSR,
			       GENPT_RVI_CQCSR_CQEN,
			       GENPT_RVI_CQCSR_CQON | GENPT_RVI_CQCSR_BUSY,
			       GENPT_RVI_CQCSR_CQON);

	if (!err)
		err = drv_queue_on(d, GENPT_RVI_REG_FQB, d->fq_pa, fq_log2,
				   GENPT_RVI_REG_FQH, GENPT_RVI_REG_FQCSR,
				   GENPT_RVI_FQCSR_FQEN,
				   GENPT_RVI_FQCSR_FQON | GENPT_RVI_FQCSR_BUSY,
				   GENPT_RVI_FQCSR_FQON);
	return err;
}

/* The DDT; the mode is WARL: it must read back.  Then nothing cached from
 * before may survive. */
static int drv_ddt_on(struct genpt_rvdrv *d)
{
	uint64_t v;
	int err = wr(d, GENPT_RVI_REG_DDTP, 8, GENPT_RVI_PPN_OF(d->ddt_root_pa) | d->ddt_mode);

	if (!err)
		err = wait_reg(d, GENPT_RVI_REG_DDTP, GENPT_RVI_DDTP_BUSY, 0);
	if (!err)
		err = rd(d, GENPT_RVI_REG_DDTP, 8, &v);
	if (err)
		return err;
	if ((v & GENPT_RVI_DDTP_MODE_MASK) != d->ddt_mode)
		return -EOPNOTSUPP;
	err = cmd_inval_ddt(d, false, 0);
	if (!err)
		err = cmd_vma(d, false, 0, false, 0);
	if (!err)
		err = cmd_gvma(d, false, 0, false, 0);
	if (!err)
		err = cmd_fence(d);
	return err;
}

static int drv_setup(struct genpt_rvdrv *d, unsigned int cq_log2, unsigned int fq_log2)
{
	int err;

	err = rd(d, GENPT_RVI_REG_CAPABILITIES, 8, &d->caps);
	if (err)
		return err;
	if ((d->caps & 0xf0) != 0x10) /* major version 1 */
		return -EOPNOTSUPP;
	d->ext = d->caps & GENPT_RVI_CAP_MSI_FLAT;
	d->dc_words = d->ext ? 8 : 4;
	d->did_bits = d->ddt_levels == 3 ? 24 : (d->ext ? 6 : 7) + (d->ddt_levels - 1) * 9;
	d->ddt_mode = GENPT_RVI_DDTP_1LVL + d->ddt_levels - 1;

	err = drv_quiesce(d);
	if (err)
		return err;
	d->cq_bytes = (size_t)16 << cq_log2;
	d->fq_bytes = (size_t)32 << fq_log2;
	d->cq = page_alloc(d, d->cq_bytes, &d->cq_pa);
	d->fq = page_alloc(d, d->fq_bytes, &d->fq_pa);
	d->fence = page_alloc(d, 4096, &d->fence_pa);
	d->ddt_root = page_alloc(d, 4096, &d->ddt_root_pa);
	if (!d->cq || !d->fq || !d->fence || !d->ddt_root)
		return -ENOMEM;
	d->cq_mask = (uint32_t)((1ull << cq_log2) - 1);
	d->fq_mask = (uint32_t)((1ull << fq_log2) - 1);

	err = drv_queues_on(d, cq_log2, fq_log2);
	if (err)
		return err;
	d->cqt = 0;
	return drv_ddt_on(d);
}

GENPT_API int genpt_rvdrv_create(const struct genpt_rvdrv_config *cfg,
				 struct genpt_rvdrv **out)
{
	unsigned int cq_log2, fq_log2;
	struct genpt_rvdrv *d;
	int err;

	if (!cfg || !out || !cfg->mmio || !cfg->mmio->read || !cfg->mmio->write ||
	    !cfg->mem || !cfg->mem->alloc || !cfg->mem->free || !cfg->mem->phys_to_virt)
		return -EINVAL;
	if (cfg->ddt_levels > 3 || cfg->cq_log2 > 20 || cfg->fq_log2 > 20)
		return -EINVAL;
	cq_log2 = cfg->cq_log2 ? cfg->cq_log2 : 8;
	fq_log2 = cfg->fq_log2 ? cfg->fq_log2 : 7;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (pthread_mutex_init(&d->lock, NULL)) {
		free(d);
		return -ENOMEM;
	}
	d->mmio = cfg->mmio;
	d->mmio_ctx = cfg->mmio_ctx;
	d->mem = cfg->mem;
	d->mem_ctx = cfg->mem_ctx;
	d->ddt_levels = cfg->ddt_levels ? cfg->ddt_levels : 3;
	err = drv_setup(d, cq_log2, fq_log2);
	if (err) {
		/* Leave the IOMMU quiet before freeing what it points at. */
		wr(d, GENPT_RVI_REG_DDTP, 8, GENPT_RVI_DDTP_OFF);
		wr(d, GENPT_RVI_REG_CQCSR, 4, 0);
		wr(d, GENPT_RVI_REG_FQCSR, 4, 0);
		drv_free(d);
		return err;
	}
	*out = d;
	return 0;
}

GENPT_API void genpt_rvdrv_destroy(struct genpt_rvdrv *drv)
{
	if (!drv)
		return;
	wr(drv, GENPT_RVI_REG_DDTP, 8, GENPT_RVI_DDTP_OFF);
	wr(drv, GENPT_RVI_REG_CQCSR, 4, 0);
	wr(drv, GENPT_RVI_REG_FQCSR, 4, 0);
	wait_reg(drv, GENPT_RVI_REG_CQCSR, GENPT_RVI_CQCSR_CQON | GENPT_RVI_CQCSR_BUSY, 0);
	wait_reg(drv, GENPT_RVI_REG_FQCSR, GENPT_RVI_FQCSR_FQON | GENPT_RVI_FQCSR_BUSY, 0);
	drv_free(drv);
}

GENPT_API int genpt_rvdrv_ddt_info(struct genpt_rvdrv *drv, uint64_t *root_pa,
				   unsigned int *mode)
{
	if (!drv)
		return -EINVAL;
	if (root_pa)
		*root_pa = drv->ddt_root_pa;
	if (mode)
		*mode = drv->ddt_mode;
	return 0;
}

/* -------------------------------------------------------- invalidation -- */

/*
 * The devices of @table that use ATS may cache its translations in their
 * ATC: the IOTLB's hazard again (a dirty W translation there lets writes
 * bypass the cleaned D bit), so every invalidation reaches them too, before
 * the caller's IOFENCE.C.
 */
static int inval_atcs(struct genpt_rvdrv *d, struct genpt *table, bool whole,
		      uint64_t first, uint64_t last)
{
	for (struct rvdrv_attach *a = d->att; a; a = a->next) {
		int err;

		if (a->table != table || !a->ats)
			continue;
		err = cmd_ats_inval(d, a->did, whole, first, last);
		if (err)
			return err;
	}
	return 0;
}

/* Invalidate [first, last] in every distinct domain of @table and the ATCs
 * of its ATS devices (no fence). */
static int inval_domains(struct genpt_rvdrv *d, struct genpt *table,
			 uint64_t first, uint64_t last)
{
	uint64_t pages = ((last >> 12) - (first >> 12)) + 1;
	bool whole = (last >> 12) - (first >> 12) >= RVDRV_INVAL_PAGES_MAX;

	for (struct rvdrv_attach *a = d->att; a; a = a->next) {
		bool seen = false;

		if (a->table != table)
			continue;
		/* one pass per (stage, id): devices share a domain */
		for (struct rvdrv_attach *b = d->att; b != a; b = b->next)
			if (b->table == table && b->stage == a->stage && b->id == a->id)
				seen = true;
		if (seen)
			continue;
		for (uint64_t i = 0; i < (whole ? 1 : pages); i++) {
			uint64_t addr = (first & ~4095ull) + (i << 12);
			int err = a->stage == GENPT_RVDRV_STAGE2 ?
					  cmd_gvma(d, true, (uint16_t)a->id, !whole, addr) :
					  cmd_vma(d, true, a->id, !whole, addr);

			if (err)
				return err;
		}
	}
	return inval_atcs(d, table, whole, first, last);
}

static bool table_attached(struct genpt_rvdrv *d, struct genpt *table)
{
	for (struct rvdrv_attach *a = d->att; a; a = a->next)
		if (a->table == table)
			return true;
	return false;
}

/* The driver's part of every engine edit (drv_edit.h): the gathered range
 * of each domain of @table, then IOFENCE.C. */
static int gathered_inval(void *drv, struct genpt *table, uint64_t first, uint64_t last)
{
	struct genpt_rvdrv *d = drv;
	int err;

	if (!table_attached(d, table))
		return 0;
	err = inval_domains(d, table, first, last);
	return err ? err : cmd_fence(d);
}

/* Invalidate the gather's range, wait, release its pages. */
static int finish_gather(struct genpt_rvdrv *d, struct genpt *table,
			 struct genpt_gather *g)
{
	return drv_finish_gather(d, gathered_inval, table, g);
}

GENPT_API int genpt_rvdrv_invalidate(struct genpt_rvdrv *drv, struct genpt *table,
				     uint64_t first, uint64_t last)
{
	int err;

	if (!drv || !table || first > last)
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	err = inval_domains(drv, table, first, last);
	if (!err)
		err = cmd_fence(drv);
	pthread_mutex_unlock(&drv->lock);
	return err;
}

/* ------------------------------------------------------ attach/detach -- */

static struct rvdrv_attach *find_att(struct genpt_rvdrv *d, uint32_t did)
{
	for (struct rvdrv_attach *a = d->att; a; a = a->next)
		if (a->did == did)
			return a;
	return NULL;
}

static uint64_t stage_ade(enum genpt_rvdrv_stage s)
{
	return s == GENPT_RVDRV_STAGE2 ? GENPT_RVI_TC_GADE : GENPT_RVI_TC_SADE;
}

static bool mode_supported(uint64_t caps, enum genpt_rvdrv_stage s, unsigned int mode)
{
	static const uint64_t s1[3] = { GENPT_RVI_CAP_SV39, GENPT_RVI_CAP_SV48,
					GENPT_RVI_CAP_SV57 };
	static const uint64_t s2[3] = { GENPT_RVI_CAP_SV39X4, GENPT_RVI_CAP_SV48X4,
					GENPT_RVI_CAP_SV57X4 };

	if (mode < GENPT_RVI_MODE_SV39 || mode > GENPT_RVI_MODE_SV57)
		return false;
	return caps & (s == GENPT_RVDRV_STAGE2 ? s2 : s1)[mode - GENPT_RVI_MODE_SV39];
}

/*
 * Undo attach_dc() after its commands failed: the DC as it was (V=0 first),
 * the new directory pages unhooked, the bookkeeping back.  The IOMMU may
 * have read what was written, so the pages are freed only when a fresh
 * IODIR.INVAL_DDT + IOFENCE.C gets through; otherwise they stay on
 * d->pages until genpt_rvdrv_destroy().
 */
static void attach_undo(struct genpt_rvdrv *d, struct rvdrv_attach *a, uint64_t *dc,
			const uint64_t *old, const struct ddt_new *nw)
{
	unsigned int added = nw->pages;

	__atomic_store_n(&dc[GENPT_RVI_DC_TC], 0, __ATOMIC_RELEASE);
	drv_flush(d, dc, 8);
	for (unsigned int i = d->dc_words; i-- > 0;)
		__atomic_store_n(&dc[i], old[i], __ATOMIC_RELEASE);
	drv_flush(d, dc, 8 * d->dc_words);
	if (nw->slot) {
		__atomic_store_n(nw->slot, nw->old, __ATOMIC_RELEASE);
		drv_flush(d, nw->slot, 8);
	}
	d->att = a->next;
	genpt_tracking_claim(a->table, false);
	if (cmd_inval_ddt(d, true, a->did) || cmd_fence(d))
		return;
	while (added--) {
		struct rvdrv_page *pg = d->pages;

		d->pages = pg->next;
		page_free(d, pg->va, pg->size);
		free(pg);
	}
}

/*
 * Attach (lock held, checks done): build the DDT path, write @a's device
 * context, IODIR.INVAL_DDT, IOFENCE.C.  On any error the DDT, the list of
 * attachments and the table's tracking claim are as they were.
 */
static int attach_dc(struct genpt_rvdrv *d, struct rvdrv_attach *a,
		     const struct genpt_hw_info *info, bool tracking)
{
	uint64_t *dc, tc, w[8] = { 0 }, old[8];
	struct ddt_new nw;
	int err = ddt_build(d, a->did, &nw);

	if (err)
		return err;
	dc = ddt_dc(d, a->did);
	if (!dc)
		return -ENOMEM; /* unreachable: the path was just built */
	tc = GENPT_RVI_TC_V | (tracking ? stage_ade(a->stage) : 0) |
	     (a->ats ? GENPT_RVI_TC_EN_ATS : 0);
	if (a->stage == GENPT_RVDRV_STAGE2)
		w[GENPT_RVI_DC_IOHGATP] = info->atp | ((uint64_t)a->id << GENPT_RVI_ATP_GSCID_SHIFT);
	else {
		w[GENPT_RVI_DC_TA] = GENPT_RVI_TA_PSCID(a->id);
		w[GENPT_RVI_DC_FSC] = info->atp;
	}
	for (unsigned int i = 0; i < d->dc_words; i++)
		old[i] = __atomic_load_n(&dc[i], __ATOMIC_RELAXED);
	/* V=0 first, then the fields, then tc with V (release); each step
	 * reaches a non-coherent IOMMU before the next. */
	__atomic_store_n(&dc[GENPT_RVI_DC_TC], 0, __ATOMIC_RELEASE);
	drv_flush(d, dc, 8);
	for (unsigned int i = 1; i < d->dc_words; i++)
		__atomic_store_n(&dc[i], w[i], __ATOMIC_RELAXED);
	drv_flush(d, dc, 8 * d->dc_words);
	__atomic_store_n(&dc[GENPT_RVI_DC_TC], tc, __ATOMIC_RELEASE);
	drv_flush(d, dc, 8);

	d->att = a;
	/* From now on tracking is switched here, where DC.tc follows it. */
	genpt_tracking_claim(a->table, true);
	err = cmd_inval_ddt(d, true, a->did);
	if (!err)
		err = cmd_fence(d);
	if (err)
		attach_undo(d, a, dc, old, &nw);
	return err;
}

GENPT_API int genpt_rvdrv_attach(struct genpt_rvdrv *drv, uint32_t device_id,
				 struct genpt *table,
				 const struct genpt_rvdrv_domain *dom)
{
	struct genpt_hw_info info;
	struct rvdrv_attach *a;
	int tracking, err;

	if (!drv || !table || !dom)
		return -EINVAL;
	if (dom->stage != GENPT_RVDRV_STAGE1 && dom->stage != GENPT_RVDRV_STAGE2)
		return -EINVAL;
	if (dom->id >> (dom->stage == GENPT_RVDRV_STAGE2 ? 16 : 20))
		return -EINVAL;
	if (genpt_hw_info(table, &info))
		return -EINVAL;
	/* A G-stage table has a 16 KiB root; a first-stage one 4 KiB. */
	if (info.root_size != (dom->stage == GENPT_RVDRV_STAGE2 ? 16384u : 4096u))
		return -EINVAL;
	tracking = genpt_dirty_tracking(table);
	if (tracking < 0)
		return tracking;

	pthread_mutex_lock(&drv->lock);
	err = -EINVAL;
	if (device_id >> drv->did_bits)
		goto out;
	err = -EOPNOTSUPP;
	if (!mode_supported(drv->caps, dom->stage, info.mode) ||
	    (tracking && !(drv->caps & GENPT_RVI_CAP_AMO_HWAD)))
		goto out;
	err = -EEXIST;
	if (find_att(drv, device_id))
		goto out;
	err = -EBUSY;
	for (a = drv->att; a; a = a->next)
		if (a->stage == dom->stage && a->id == dom->id && a->table != table)
			goto out;
	err = -ENOMEM;
	a = malloc(sizeof(*a));
	if (!a)
		goto out;
	*a = (struct rvdrv_attach){ device_id, table, dom->stage, dom->id, drv->att, false };
	err = attach_dc(drv, a, &info, tracking);
	if (err)
		free(a);
out:
	pthread_mutex_unlock(&drv->lock);
	return err;
}

GENPT_API int genpt_rvdrv_detach(struct genpt_rvdrv *drv, uint32_t device_id)
{
	struct rvdrv_attach **pp, *a = NULL;
	uint64_t *dc;
	int err;

	if (!drv)
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	for (pp = &drv->att; *pp; pp = &(*pp)->next) {
		if ((*pp)->did == device_id) {
			a = *pp;
			*pp = a->next;
			break;
		}
	}
	if (!a) {
		pthread_mutex_unlock(&drv->lock);
		return -ENOENT;
	}
	dc = ddt_dc(drv, device_id);
	if (dc) {
		__atomic_store_n(&dc[GENPT_RVI_DC_TC], 0, __ATOMIC_RELEASE);
		drv_flush(drv, dc, 8);
	}
	err = cmd_inval_ddt(drv, true, device_id);
	if (!err)
		err = a->stage == GENPT_RVDRV_STAGE2 ?
			      cmd_gvma(drv, true, (uint16_t)a->id, false, 0) :
			      cmd_vma(drv, true, a->id, false, 0);
	if (!err && a->ats)
		err = cmd_ats_inval(drv, device_id, true, 0, 0);
	if (!err)
		err = cmd_fence(drv);
	genpt_tracking_claim(a->table, false);
	free(a);
	pthread_mutex_unlock(&drv->lock);
	return err;
}

/* Write @tc into @did's DC (one store: V stays 1), IODIR.INVAL_DDT it. */
static int dc_set_tc(struct genpt_rvdrv *d, uint32_t did, uint64_t tc)
{
	uint64_t *dc = ddt_dc(d, did);

	if (!dc)
		return -ENOENT; /* unreachable: attached devices have a DC */
	__atomic_store_n(&dc[GENPT_RVI_DC_TC], tc, __ATOMIC_RELEASE);
	drv_flush(d, dc, 8);
	return cmd_inval_ddt(d, true, did);
}

GENPT_API int genpt_rvdrv_set_ats(struct genpt_rvdrv *drv, uint32_t device_id, bool enable)
{
	struct rvdrv_attach *a;
	uint64_t *dc, tc;
	int err = 0;

	if (!drv)
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	a = find_att(drv, device_id);
	dc = a ? ddt_dc(drv, device_id) : NULL;
	if (!dc)
		err = -ENOENT;
	else if (enable && !(drv->caps & GENPT_RVI_CAP_ATS))
		err = -EOPNOTSUPP;
	if (err || a->ats == enable)
		goto out;
	tc = __atomic_load_n(&dc[GENPT_RVI_DC_TC], __ATOMIC_ACQUIRE);
	err = dc_set_tc(drv, device_id, enable ? tc | GENPT_RVI_TC_EN_ATS :
						 tc & ~GENPT_RVI_TC_EN_ATS);
	/* Off: whatever the ATC still holds must go before the fence. */
	if (!err && !enable)
		err = cmd_ats_inval(drv, device_id, true, 0, 0);
	if (!err)
		err = cmd_fence(drv);
	if (!err) {
		a->ats = enable;
	} else {
		/* As it was (best effort: the queue failed). */
		dc_set_tc(drv, device_id, tc);
		cmd_fence(drv);
	}
out:
	pthread_mutex_unlock(&drv->lock);
	return err;
}

/* ------------------------------------------------------ dirty tracking -- */

/* The input space of @table as one or two ranges (sign-extended first
 * stage: the lower and the upper half). */
static unsigned int table_ranges(struct genpt *table, uint64_t first[2],
				 uint64_t last[2])
{
	struct genpt_hw_info info;
	unsigned int bits;

	genpt_hw_info(table, &info);
	bits = 12 + 9 * info.levels;
	if (info.root_size == 16384) { /* G-stage: 2 more bits, one range */
		first[0] = 0;
		last[0] = (1ull << (bits + 2)) - 1;
		return 1;
	}
	first[0] = 0;
	last[0] = (1ull << (bits - 1)) - 1;
	first[1] = ~last[0];
	last[1] = UINT64_MAX;
	return 2;
}

/* Harvest (lock held): engine, then invalidate and fence, then release. */
static int harvest(struct genpt_rvdrv *d, struct genpt *table, uint64_t iova,
		   uint64_t len, unsigned int flags,
		   const struct genpt_dirty_bitmap *bitmap)
{
	struct drv_edit e = { .kind = DRV_EDIT_HARVEST, .iova = iova, .len = len,
			      .flags = flags, .bitmap = bitmap };

	return drv_edit_run(d, gathered_inval, table, &e);
}

/* Set or clear GADE/SADE in the DC of every device of @table and
 * IODIR.INVAL_DDT it; then invalidate the domains' translations; fence. */
static int toggle_ade(struct genpt_rvdrv *d, struct genpt *table, bool on)
{
	uint64_t first[2], last[2];
	unsigned int n = table_ranges(table, first, last);
	int err = 0;

	/* Every DC is written even after a command failed (an undo must
	 * reach them all); commands stop at the first error. */
	for (struct rvdrv_attach *a = d->att; a; a = a->next) {
		uint64_t *dc, tc;

		if (a->table != table)
			continue;
		dc = ddt_dc(d, a->did);
		if (!dc)
			continue;
		tc = __atomic_load_n(&dc[GENPT_RVI_DC_TC], __ATOMIC_ACQUIRE);
		tc = on ? tc | stage_ade(a->stage) : tc & ~stage_ade(a->stage);
		/* One 64-bit store: V stays 1, only the A/D enable changes. */
		__atomic_store_n(&dc[GENPT_RVI_DC_TC], tc, __ATOMIC_RELEASE);
		drv_flush(d, dc, 8);
		if (!err)
			err = cmd_inval_ddt(d, true, a->did);
	}
	/* G-stage (or first-stage) translations of the domain, all of it. */
	for (unsigned int i = 0; i < n && !err; i++)
		if (table_attached(d, table))
			err = inval_domains(d, table, first[i], last[i]);
	if (!err)
		err = cmd_fence(d);
	return err;
}

/*
 * Switch the engine side of tracking: plain, or (split_shift != 0) with
 * large leaves split on enable and merged back on disable; the replaced
 * ranges and freed tables are invalidated and released like an unmap's.
 */
static int table_tracking(struct genpt_rvdrv *d, struct genpt *table,
			  bool enable, unsigned int split_shift)
{
	struct genpt_gather g;
	int err, err2;

	if (!split_shift)
		return genpt_set_dirty_tracking_owned(table, enable);
	genpt_gather_init(&g);
	err = genpt_set_dirty_tracking_split_owned(table, enable, split_shift, &g);
	err2 = finish_gather(d, table, &g);
	return err ? err : err2;
}

static int set_tracking(struct genpt_rvdrv *drv, struct genpt *table,
			bool enable, unsigned int split_shift)
{
	uint64_t first[2], last[2];
	unsigned int n;
	int cur, err;

	if (!drv || !table)
		return -EINVAL;
	if (!(drv->caps & GENPT_RVI_CAP_AMO_HWAD))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&drv->lock);
	cur = genpt_dirty_tracking(table);
	/* Off again in split mode is not a no-op: a restore that ran out of
	 * memory left split leaves noted, and this call finishes it. */
	if (cur < 0 || (cur == (int)enable && (enable || !split_shift))) {
		pthread_mutex_unlock(&drv->lock);
		return cur < 0 ? cur : 0;
	}
	if (enable) {
		/* Hardware first: it must be able to set D before any leaf
		 * starts clean. */
		bool table_on = false;

		err = toggle_ade(drv, table, true);
		if (!err)
			err = table_tracking(drv, table, true, split_shift);
		table_on = !err;
		/* Start from a clean slate. */
		n = table_ranges(table, first, last);
		for (unsigned int i = 0; i < n && !err; i++)
			err = harvest(drv, table, first[i], last[i] - first[i] + 1, 0, NULL);
		/* Undo on failure (best effort, the first error is kept): the
		 * table off again (every writable leaf dirty, as it was), the
		 * device contexts without A/D update. */
		if (err && table_on)
			table_tracking(drv, table, false, split_shift);
		if (err)
			toggle_ade(drv, table, false);
	} else {
		/* Table first: every writable leaf dirty while hardware may
		 * still update, then hardware without A/D update. */
		err = table_tracking(drv, table, false, split_shift);
		/* Already off (a restore being finished): the IOMMU is too. */
		if (!err && cur)
			err = toggle_ade(drv, table, false);
	}
	pthread_mutex_unlock(&drv->lock);
	return err;
}

GENPT_API int genpt_rvdrv_set_dirty_tracking(struct genpt_rvdrv *drv,
					     struct genpt *table, bool enable)
{
	return set_tracking(drv, table, enable, 0);
}

GENPT_API int genpt_rvdrv_set_dirty_tracking_split(struct genpt_rvdrv *drv,
						   struct genpt *table,
						   bool enable,
						   unsigned int page_shift)
{
	if (page_shift < 12 || page_shift > 63)
		return -EINVAL;
	return set_tracking(drv, table, enable, page_shift);
}

GENPT_API int genpt_rvdrv_read_and_clear_dirty(struct genpt_rvdrv *drv,
					       struct genpt *table, uint64_t iova,
					       uint64_t len, unsigned int flags,
					       const struct genpt_dirty_bitmap *bitmap)
{
	const struct drv_edit e = { .kind = DRV_EDIT_HARVEST, .iova = iova, .len = len,
				    .flags = flags, .bitmap = bitmap };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

/* ------------------------------------------------------------ map/unmap -- */

GENPT_API int genpt_rvdrv_map(struct genpt_rvdrv *drv, struct genpt *table,
			      uint64_t iova, uint64_t pa, uint64_t len,
			      unsigned int prot)
{
	const struct drv_edit e = { .kind = DRV_EDIT_MAP, .iova = iova, .len = len,
			  .pa = pa, .prot = prot };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

GENPT_API int genpt_rvdrv_unmap(struct genpt_rvdrv *drv, struct genpt *table,
				uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return genpt_rvdrv_unmap_read_dirty(drv, table, iova, len, NULL, unmapped);
}

GENPT_API int genpt_rvdrv_unmap_read_dirty(struct genpt_rvdrv *drv, struct genpt *table,
					   uint64_t iova, uint64_t len,
					   const struct genpt_dirty_bitmap *bitmap,
					   uint64_t *unmapped)
{
	const struct drv_edit e = { .kind = DRV_EDIT_UNMAP_READ_DIRTY, .iova = iova,
			  .len = len, .bitmap = bitmap, .unmapped = unmapped };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

/* --------------------------------------------------------- fault poller -- */

GENPT_API int genpt_rvdrv_poll_faults(struct genpt_rvdrv *drv,
				      struct genpt_rviommu_fault *out,
				      unsigned int max, bool *overflow)
{
	uint64_t fqcsr, fqh, fqt;
	unsigned int n = 0;
	int err;

	if (!drv || (!out && max))
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	err = rd(drv, GENPT_RVI_REG_FQCSR, 4, &fqcsr);
	if (!err)
		err = rd(drv, GENPT_RVI_REG_FQH, 4, &fqh);
	if (!err)
		err = rd(drv, GENPT_RVI_REG_FQT, 4, &fqt);
	if (err)
		goto out;
	while ((uint32_t)fqh != (uint32_t)fqt && n < max) {
		const uint64_t *r = drv->fq + 4 * fqh;
		uint64_t rec[4];

		for (unsigned int i = 0; i < 4; i++)
			rec[i] = __atomic_load_n(&r[i], __ATOMIC_ACQUIRE);
		genpt_rviommu_fault_decode(rec, &out[n++]);
		fqh = (fqh + 1) & drv->fq_mask;
	}
	err = wr(drv, GENPT_RVI_REG_FQH, 4, fqh);
	if (overflow)
		*overflow = fqcsr & (GENPT_RVI_FQCSR_FQOF | GENPT_RVI_FQCSR_FQMF);
	if (!err && (fqcsr & (GENPT_RVI_FQCSR_FQOF | GENPT_RVI_FQCSR_FQMF)))
		err = wr(drv, GENPT_RVI_REG_FQCSR, 4,
			 (fqcsr & (GENPT_RVI_FQCSR_FQEN | GENPT_RVI_FQCSR_FIE)) |
				 GENPT_RVI_FQCSR_FQOF | GENPT_RVI_FQCSR_FQMF);
out:
	pthread_mutex_unlock(&drv->lock);
	return err ? err : (int)n;
}
