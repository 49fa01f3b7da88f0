// SPDX-License-Identifier: MIT
/*
 * drv/smmuv3.c - the SMMUv3 driver helper (engine side): what a
 * hypervisor's SMMUv3 driver does to put genpt ARMv8 tables behind streams
 * and to track DMA dirty pages through them with HTTU.
 *
 * It talks to the SMMU only through MMIO callbacks and the in-memory
 * structures the architecture defines (stream table, CDs, command and
 * event queues), so it works on the model and would work on hardware.
 * Every encoding it needs is in genpt/smmuv3_regs.h.
 *
 * Locking: one mutex per driver serializes every call, including the table
 * edits it performs.  STE and CD words are written with atomic 64-bit
 * stores, word 0 (V) last with release, because the SMMU may read them at
 * any time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/pt_internal.h" /* the tracking state's owner (engine side) */
#include "drv_edit.h"
#include "genpt/smmuv3_drv.h"

#define SMMUDRV_INVAL_PAGES_MAX 64
#define SMMUDRV_SPIN_MAX 1000000
/* MAIR of genpt's stage-1 AttrIndx 0..2 (docs/armv8.md). */
#define SMMUDRV_MAIR 0x0004ff44ull
/* 2-level stream tables: 256 STEs (16 KiB) per level-2 table. */
#define SMMUDRV_SPLIT 8
#define SMMUDRV_L2_BYTES ((size_t)GENPT_SMMU_STE_SIZE << SMMUDRV_SPLIT)
/* nT of a VMSAv8-64 block descriptor, both stages (FEAT_BBM level 1). */
#define SMMUDRV_DESC_NT (1ull << 16)

struct smmudrv_attach {
	uint32_t sid;
	struct genpt *table;
	enum genpt_smmudrv_stage stage;
	uint16_t id;
	uint64_t *cd; /* stage 1: its CD page */
	uint64_t cd_pa;
	bool nested;     /* stage 2 under the guest's CD table at cd_ipa */
	uint64_t cd_ipa;
	unsigned int cdmax;
	struct smmudrv_attach *next;
};

struct genpt_smmudrv {
	const struct genpt_smmu_mmio_ops *mmio;
	void *mmio_ctx;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
	pthread_mutex_t lock;

	uint32_t idr0, idr3, idr5;
	unsigned int sid_bits;
	uint64_t *strtab; /* linear: the STEs; 2-level: the L1 descriptors */
	uint64_t strtab_pa;
	size_t strtab_bytes;
	bool two_level;
	uint64_t **l2; /* 2-level: host pointers of the level-2 tables */

	uint64_t *cmdq;
	uint64_t cmdq_pa;
	size_t cmdq_bytes;
	unsigned int cmdq_log2;
	uint32_t cmdq_prod;

	uint64_t *evtq;
	uint64_t evtq_pa;
	size_t evtq_bytes;
	unsigned int evtq_log2;

	uint32_t *sync;
	uint64_t sync_pa;
	uint32_t sync_seq;

	struct smmudrv_attach *att;
};

/* ------------------------------------------------------------ helpers -- */

static int rd(struct genpt_smmudrv *d, uint32_t off, uint64_t *v)
{
	return d->mmio->read(d->mmio_ctx, off, 4, v) ? -EIO : 0;
}

static int wr(struct genpt_smmudrv *d, uint32_t off, unsigned int size, uint64_t v)
{
	return d->mmio->write(d->mmio_ctx, off, size, v) ? -EIO : 0;
}

/* Make @size bytes at @va visible to an SMMU that does not snoop the CPU
 * caches (genpt_mem_ops.flush; nothing when coherent). */
static void drv_flush(struct genpt_smmudrv *d, const void *va, size_t size)
{
	if (d->mem->flush)
		d->mem->flush(d->mem_ctx, va, size);
}

/* Zeroed by the CPU: flushed whole, so that the SMMU reads zeroes (invalid
 * STEs and L1 descriptors, not stale memory) and a dirty zero line evicted
 * later cannot overwrite what the SMMU wrote (event records, sync word). */
static void *mem_alloc(struct genpt_smmudrv *d, size_t size, uint64_t *pa)
{
	size_t sz = size < 4096 ? 4096 : size;
	void *va = d->mem->alloc(d->mem_ctx, sz, sz, pa);

	if (va)
		drv_flush(d, va, sz);
	return va;
}

static void mem_free(struct genpt_smmudrv *d, void *va, size_t size)
{
	if (va)
		d->mem->free(d->mem_ctx, va, size < 4096 ? 4096 : size);
}

/* CR0 and wait for CR0ACK to match. */
static int set_cr0(struct genpt_smmudrv *d, uint32_t v)
{
	int err = wr(d, GENPT_SMMU_REG_CR0, 4, v);

	for (long i = 0; !err && i < SMMUDRV_SPIN_MAX; i++) {
		uint64_t ack;

		err = rd(d, GENPT_SMMU_REG_CR0ACK, &ack);
		if (!err && (uint32_t)ack == v)
			return 0;
	}
	return err ? err : -ETIMEDOUT;
}

/* ------------------------------------------------------ command queue -- */

/* A command error: the SMMU stopped with CONS on the bad command.  Turn it
 * into a harmless CMD_SYNC and acknowledge, so the queue runs again; the
 * caller reports -EIO. */
static int cmdq_recover(struct genpt_smmudrv *d, uint64_t gerror)
{
	uint64_t cons;
	uint32_t idx;

	if (rd(d, GENPT_SMMU_REG_CMDQ_CONS, &cons))
		return -EIO;
	idx = (uint32_t)cons & ((1u << d->cmdq_log2) - 1);
	__atomic_store_n(&d->cmdq[2 * idx], (uint64_t)GENPT_SMMU_CMD_SYNC, __ATOMIC_RELEASE);
	__atomic_store_n(&d->cmdq[2 * idx + 1], 0, __ATOMIC_RELEASE);
	drv_flush(d, &d->cmdq[2 * idx], GENPT_SMMU_CMD_SIZE); /* before it runs again */
	wr(d, GENPT_SMMU_REG_GERRORN, 4, gerror);
	return -EIO;
}

static int cmdq_check(struct genpt_smmudrv *d)
{
	uint64_t g, gn;

	if (rd(d, GENPT_SMMU_REG_GERROR, &g) || rd(d, GENPT_SMMU_REG_GERRORN, &gn))
		return -EIO;
	if ((g ^ gn) & GENPT_SMMU_GERROR_CMDQ_ERR)
		return cmdq_recover(d, g);
	return 0;
}

static int cmd_submit(struct genpt_smmudrv *d, uint64_t d0, uint64_t d1)
{
	unsigned int log2 = d->cmdq_log2;
	uint32_t mask = (1u << log2) - 1, prod = d->cmdq_prod;
	uint32_t next = (prod & ~((2u << log2) - 1)) | ((prod + 1) & ((2u << log2) - 1));
	int err;

	/* Full when the indexes match and the wrap flags differ. */
	for (long i = 0;; i++) {
		uint64_t cons;

		err = rd(d, GENPT_SMMU_REG_CMDQ_CONS, &cons);
		if (err)
			return err;
		if (((uint32_t)cons & mask) != (prod & mask) ||
		    (((uint32_t)cons >> log2) & 1) == ((prod >> log2) & 1))
			break;
		err = cmdq_check(d);
		if (err)
			return err;
		if (i == SMMUDRV_SPIN_MAX)
			return -ETIMEDOUT;
	}
	__atomic_store_n(&d->cmdq[2 * (prod & mask)], d0, __ATOMIC_RELEASE);
	__atomic_store_n(&d->cmdq[2 * (prod & mask) + 1], d1, __ATOMIC_RELEASE);
	/* The SMMU reads the entry once PROD passes it. */
	drv_flush(d, &d->cmdq[2 * (prod & mask)], GENPT_SMMU_CMD_SIZE);
	d->cmdq_prod = next;
	return wr(d, GENPT_SMMU_REG_CMDQ_PROD, 4, next);
}

/* CMD_SYNC signalled by an MSI write of a sequence number to the sync
 * word; wait for it. */
static int cmd_sync(struct genpt_smmudrv *d)
{
	uint32_t seq = ++d->sync_seq;
	int err = cmd_submit(d, GENPT_SMMU_CMD_SYNC | GENPT_SMMU_SYNC_CS_IRQ |
					((uint64_t)seq << 32),
			     d->sync_pa);

	for (long i = 0; !err && i < SMMUDRV_SPIN_MAX; i++) {
		if (__atomic_load_n(d->sync, __ATOMIC_ACQUIRE) == seq)
			return 0;
		err = cmdq_check(d);
	}
	return err ? err : -ETIMEDOUT;
}

static int cmd_sid(struct genpt_smmudrv *d, unsigned int op, uint32_t sid)
{
	return cmd_submit(d, op | ((uint64_t)sid << GENPT_SMMU_CMD_SID_SHIFT),
			  GENPT_SMMU_CMD_LEAF);
}

static int cmd_tlbi(struct genpt_smmudrv *d, unsigned int op, uint16_t vmid,
		    uint16_t asid, uint64_t addr)
{
	return cmd_submit(d, op | ((uint64_t)vmid << GENPT_SMMU_CMD_VMID_SHIFT) |
				     ((uint64_t)asid << GENPT_SMMU_CMD_ASID_SHIFT),
			  addr & ~0xfffull);
}

/* ------------------------------------------------------------ lifecycle -- */

static void drv_free(struct genpt_smmudrv *d)
{
	while (d->att) {
		struct smmudrv_attach *a = d->att;

		d->att = a->next;
		mem_free(d, a->cd, 4096);
		free(a);
	}
	for (uint64_t i = 0; d->l2 && i < (1ull << (d->sid_bits - SMMUDRV_SPLIT)); i++)
		mem_free(d, d->l2[i], SMMUDRV_L2_BYTES);
	free(d->l2);
	mem_free(d, d->strtab, d->strtab_bytes);
	mem_free(d, d->cmdq, d->cmdq_bytes);
	mem_free(d, d->evtq, d->evtq_bytes);
	mem_free(d, d->sync, 4096);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static int drv_probe(struct genpt_smmudrv *d)
{
	uint64_t idr0, idr1, idr3, idr5;
	int err = rd(d, GENPT_SMMU_REG_IDR0, &idr0);

	if (!err)
		err = rd(d, GENPT_SMMU_REG_IDR1, &idr1);
	if (!err)
		err = rd(d, GENPT_SMMU_REG_IDR3, &idr3);
	if (!err)
		err = rd(d, GENPT_SMMU_REG_IDR5, &idr5);
	if (err)
		return err;
	d->idr0 = (uint32_t)idr0;
	d->idr3 = (uint32_t)idr3;
	d->idr5 = (uint32_t)idr5;
	if (!(idr0 & GENPT_SMMU_IDR0_TTF_AARCH64) ||
	    !(idr0 & (GENPT_SMMU_IDR0_S1P | GENPT_SMMU_IDR0_S2P)))
		return -EOPNOTSUPP;
	if (d->sid_bits > GENPT_SMMU_IDR1_SIDSIZE((uint32_t)idr1) ||
	    d->cmdq_log2 > GENPT_SMMU_IDR1_CMDQS((uint32_t)idr1) ||
	    d->evtq_log2 > GENPT_SMMU_IDR1_EVENTQS((uint32_t)idr1))
		return -EOPNOTSUPP;
	if (d->two_level && !(idr0 & GENPT_SMMU_IDR0_ST_LEVEL_2LVL))
		return -EOPNOTSUPP;
	return 0;
}

/* Memory for the stream table, queues and sync word; program the bases. */
static int drv_tables(struct genpt_smmudrv *d)
{
	int err;

	if (d->two_level) {
		d->strtab_bytes = (size_t)8 << (d->sid_bits - SMMUDRV_SPLIT);
		d->l2 = calloc((size_t)1 << (d->sid_bits - SMMUDRV_SPLIT), sizeof(*d->l2));
		if (!d->l2)
			return -ENOMEM;
	} else {
		d->strtab_bytes = (size_t)GENPT_SMMU_STE_SIZE << d->sid_bits;
	}
	d->cmdq_bytes = (size_t)GENPT_SMMU_CMD_SIZE << d->cmdq_log2;
	d->evtq_bytes = (size_t)GENPT_SMMU_EVT_SIZE << d->evtq_log2;
	d->strtab = mem_alloc(d, d->strtab_bytes, &d->strtab_pa);
	d->cmdq = mem_alloc(d, d->cmdq_bytes, &d->cmdq_pa);
	d->evtq = mem_alloc(d, d->evtq_bytes, &d->evtq_pa);
	d->sync = mem_alloc(d, 4096, &d->sync_pa);
	if (!d->strtab || !d->cmdq || !d->evtq || !d->sync)
		return -ENOMEM;
	err = wr(d, GENPT_SMMU_REG_STRTAB_BASE, 8, d->strtab_pa);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_STRTAB_BASE_CFG, 4,
			 d->sid_bits | (d->two_level ? GENPT_SMMU_STRTAB_FMT_2LVL |
							       (SMMUDRV_SPLIT << GENPT_SMMU_STRTAB_SPLIT_SHIFT) :
						       0));
	if (!err)
		err = wr(d, GENPT_SMMU_REG_CMDQ_BASE, 8, d->cmdq_pa | d->cmdq_log2);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_CMDQ_PROD, 4, 0);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_CMDQ_CONS, 4, 0);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_EVENTQ_BASE, 8, d->evtq_pa | d->evtq_log2);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_EVENTQ_PROD, 4, 0);
	if (!err)
		err = wr(d, GENPT_SMMU_REG_EVENTQ_CONS, 4, 0);
	return err;
}

static int drv_setup(struct genpt_smmudrv *d)
{
	int err = drv_probe(d);

	if (!err)
		err = set_cr0(d, 0);
	if (!err)
		err = drv_tables(d);
	if (!err)
		err = set_cr0(d, GENPT_SMMU_CR0_CMDQEN);
	/* Nothing cached from before may survive. */
	if (!err)
		err = cmd_submit(d, GENPT_SMMU_CMD_CFGI_STE_RANGE, 31);
	if (!err)
		err = cmd_submit(d, GENPT_SMMU_CMD_TLBI_NSNH_ALL, 0);
	if (!err)
		err = cmd_sync(d);
	if (!err)
		err = set_cr0(d, GENPT_SMMU_CR0_CMDQEN | GENPT_SMMU_CR0_EVENTQEN);
	if (!err)
		err = set_cr0(d, GENPT_SMMU_CR0_CMDQEN | GENPT_SMMU_CR0_EVENTQEN |
					 GENPT_SMMU_CR0_SMMUEN);
	return err;
}

GENPT_API int genpt_smmudrv_create(const struct genpt_smmudrv_config *cfg,
				   struct genpt_smmudrv **out)
{
	struct genpt_smmudrv *d;
	int err;

	if (!cfg || !out || !cfg->mmio || !cfg->mmio->read || !cfg->mmio->write ||
	    !cfg->mem || !cfg->mem->alloc || !cfg->mem->free || !cfg->mem->phys_to_virt)
		return -EINVAL;
	if (cfg->sid_bits > (cfg->two_level ? 24 : 16) || cfg->cmdq_log2 > 19 ||
	    cfg->evtq_log2 > 19 || (cfg->two_level && cfg->sid_bits && cfg->sid_bits <= SMMUDRV_SPLIT))
		return -EINVAL;
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
	d->two_level = cfg->two_level;
	d->sid_bits = cfg->sid_bits ? cfg->sid_bits : (cfg->two_level ? 16 : 8);
	d->cmdq_log2 = cfg->cmdq_log2 ? cfg->cmdq_log2 : 8;
	d->evtq_log2 = cfg->evtq_log2 ? cfg->evtq_log2 : 7;
	err = drv_setup(d);
	if (err) {
		/* Leave the SMMU quiet before freeing what it points at. */
		wr(d, GENPT_SMMU_REG_CR0, 4, 0);
		drv_free(d);
		return err;
	}
	*out = d;
	return 0;
}

GENPT_API void genpt_smmudrv_destroy(struct genpt_smmudrv *drv)
{
	if (!drv)
		return;
	set_cr0(drv, 0);
	drv_free(drv);
}

/* -------------------------------------------------------- invalidation -- */

/* Is @a the first attachment of its (stage, id) domain? */
static bool domain_first(struct genpt_smmudrv *d, struct smmudrv_attach *a)
{
	for (struct smmudrv_attach *b = d->att; b != a; b = b->next)
		if (b->stage == a->stage && b->id == a->id)
			return false;
	return true;
}

/* Does the stage-2 domain of @a have a nested stream? */
static bool domain_nested(struct genpt_smmudrv *d, struct smmudrv_attach *a)
{
	for (struct smmudrv_attach *b = d->att; b; b = b->next)
		if (b->stage == a->stage && b->id == a->id && b->nested)
			return true;
	return false;
}

/* TLBI of [first, last] in the domain of @a (no sync). */
static int inval_domain(struct genpt_smmudrv *d, struct smmudrv_attach *a,
			uint64_t first, uint64_t last)
{
	bool s2 = a->stage == GENPT_SMMUDRV_STAGE2;
	uint64_t pages = (last >> 12) - (first >> 12);
	int err = 0;

	if (pages >= SMMUDRV_INVAL_PAGES_MAX)
		return s2 ? cmd_tlbi(d, GENPT_SMMU_CMD_TLBI_S12_VMALL, a->id, 0, 0) :
			    cmd_tlbi(d, GENPT_SMMU_CMD_TLBI_NH_ASID, 0, a->id, 0);
	for (uint64_t i = 0; i <= pages && !err; i++) {
		uint64_t addr = (first & ~4095ull) + (i << 12);

		err = s2 ? cmd_tlbi(d, GENPT_SMMU_CMD_TLBI_S2_IPA, a->id, 0, addr) :
			   cmd_tlbi(d, GENPT_SMMU_CMD_TLBI_NH_VA, 0, a->id, addr);
	}
	/* TLBI_S2_IPA need not remove combined stage 1 + 2 translations:
	 * a VMID with nested streams needs TLBI_NH_ALL as well. */
	if (!err && s2 && domain_nested(d, a))
		err = cmd_tlbi(d, GENPT_SMMU_CMD_TLBI_NH_ALL, a->id, 0, 0);
	return err;
}

static int inval_table(struct genpt_smmudrv *d, struct genpt *table, uint64_t first,
		       uint64_t last)
{
	int err = 0;

	for (struct smmudrv_attach *a = d->att; a && !err; a = a->next)
		if (a->table == table && domain_first(d, a))
			err = inval_domain(d, a, first, last);
	return err;
}

static bool table_attached(struct genpt_smmudrv *d, struct genpt *table)
{
	for (struct smmudrv_attach *a = d->att; a; a = a->next)
		if (a->table == table)
			return true;
	return false;
}

/* The driver's part of every engine edit (drv_edit.h): the gathered range
 * of each domain of @table, then CMD_SYNC. */
static int gathered_inval(void *drv, struct genpt *table, uint64_t first, uint64_t last)
{
	struct genpt_smmudrv *d = drv;
	int err;

	if (!table_attached(d, table))
		return 0;
	err = inval_table(d, table, first, last);
	return err ? err : cmd_sync(d);
}

/* Invalidate the gather's range, wait, release its pages. */
static int finish_gather(struct genpt_smmudrv *d, struct genpt *table,
			 struct genpt_gather *g)
{
	return drv_finish_gather(d, gathered_inval, table, g);
}

GENPT_API int genpt_smmudrv_invalidate(struct genpt_smmudrv *drv, struct genpt *table,
				       uint64_t first, uint64_t last)
{
	int err;

	if (!drv || !table || first > last)
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	err = inval_table(drv, table, first, last);
	if (!err)
		err = cmd_sync(drv);
	pthread_mutex_unlock(&drv->lock);
	return err;
}

/* ------------------------------------------------------ attach/detach -- */

static struct smmudrv_attach *find_att(struct genpt_smmudrv *d, uint32_t sid)
{
	for (struct smmudrv_attach *a = d->att; a; a = a->next)
		if (a->sid == sid)
			return a;
	return NULL;
}

/* The STE of @sid; 2-level: its level-2 table is made (all STEs invalid,
 * then the L1 descriptor with SPAN = SPLIT + 1) when @alloc.  NULL when
 * absent or out of memory. */
static uint64_t *ste_get(struct genpt_smmudrv *d, uint32_t sid, bool alloc)
{
	uint32_t i = sid >> SMMUDRV_SPLIT;
	uint64_t pa;

	if (!d->two_level)
		return d->strtab + (uint64_t)sid * (GENPT_SMMU_STE_SIZE / 8);
	if (!d->l2[i]) {
		if (!alloc)
			return NULL;
		d->l2[i] = mem_alloc(d, SMMUDRV_L2_BYTES, &pa);
		if (!d->l2[i])
			return NULL;
		/* The level-2 table was flushed whole by mem_alloc(). */
		__atomic_store_n(&d->strtab[i], pa | (SMMUDRV_SPLIT + 1), __ATOMIC_RELEASE);
		drv_flush(d, &d->strtab[i], 8);
	}
	return d->l2[i] + (uint64_t)(sid & ((1u << SMMUDRV_SPLIT) - 1)) *
				  (GENPT_SMMU_STE_SIZE / 8);
}

/* The STE of an attached stream (its table exists). */
static uint64_t *ste_of(struct genpt_smmudrv *d, uint32_t sid)
{
	return ste_get(d, sid, false);
}

/* Write an STE or CD: V off, the other words, then word 0 (release); each
 * step visible to a non-coherent SMMU before the next, so it never reads
 * V=1 with half-old fields.  The caller's CFGI comes after all three. */
static void write_struct(struct genpt_smmudrv *d, uint64_t *p, const uint64_t w[8])
{
	__atomic_store_n(&p[0], 0, __ATOMIC_RELEASE);
	drv_flush(d, p, 8);
	for (unsigned int i = 1; i < 8; i++)
		__atomic_store_n(&p[i], w[i], __ATOMIC_RELAXED);
	drv_flush(d, &p[1], 56);
	__atomic_store_n(&p[0], w[0], __ATOMIC_RELEASE);
	drv_flush(d, p, 8);
}

/* CD word 0 from the table's TCR_EL1 fields. */
static uint64_t cd0_of(uint64_t tcr, uint16_t asid, bool track)
{
	return (tcr & 0x3f) | (((tcr >> 14) & 3) << GENPT_SMMU_CD0_TG0_SHIFT) |
	       (((tcr >> 8) & 3) << GENPT_SMMU_CD0_IR0_SHIFT) |
	       (((tcr >> 10) & 3) << GENPT_SMMU_CD0_OR0_SHIFT) |
	       (((tcr >> 12) & 3) << GENPT_SMMU_CD0_SH0_SHIFT) | GENPT_SMMU_CD0_EPD1 |
	       GENPT_SMMU_CD0_V | (((tcr >> 32) & 7) << GENPT_SMMU_CD0_IPS_SHIFT) |
	       GENPT_SMMU_CD0_AA64 | GENPT_SMMU_CD0_R | GENPT_SMMU_CD0_A |
	       GENPT_SMMU_CD0_ASET | ((uint64_t)asid << GENPT_SMMU_CD0_ASID_SHIFT) |
	       (track ? GENPT_SMMU_CD0_HA | GENPT_SMMU_CD0_HD : 0);
}

/* Can this SMMU walk @table as @stage?  0 or a negative errno. */
static int table_fits(struct genpt_smmudrv *d, struct genpt *table,
		      enum genpt_smmudrv_stage stage, int tracking)
{
	struct genpt_config c;
	uint32_t gran;

	if (genpt_get_config(table, &c) || c.format != GENPT_FMT_ARMV8)
		return -EINVAL;
	if (!!(c.features & GENPT_FEAT_ARMV8_S2) != (stage == GENPT_SMMUDRV_STAGE2))
		return -EINVAL;
	gran = c.granule_bits == 16 ? GENPT_SMMU_IDR5_GRAN64K :
	       c.granule_bits == 14 ? GENPT_SMMU_IDR5_GRAN16K : GENPT_SMMU_IDR5_GRAN4K;
	if (!(d->idr5 & gran))
		return -EOPNOTSUPP;
	if (!(d->idr0 & (stage == GENPT_SMMUDRV_STAGE2 ? GENPT_SMMU_IDR0_S2P :
							 GENPT_SMMU_IDR0_S1P)))
		return -EOPNOTSUPP;
	if (tracking && (d->idr0 & GENPT_SMMU_IDR0_HTTU_MASK) != GENPT_SMMU_IDR0_HTTU_AD)
		return -EOPNOTSUPP;
	return 0;
}

/* Build the STE (and CD) of @a; lock held. */
static int attach_write(struct genpt_smmudrv *d, struct smmudrv_attach *a, bool track)
{
	struct genpt_hw_info info;
	uint64_t w[8] = { 0 }, cd[8] = { 0 }, *ste = ste_get(d, a->sid, true);

	if (genpt_hw_info(a->table, &info))
		return -EINVAL;
	if (!ste)
		return -ENOMEM;
	if (a->stage == GENPT_SMMUDRV_STAGE2) {
		w[0] = GENPT_SMMU_STE0_V |
		       ((uint64_t)GENPT_SMMU_STE_CONFIG_S2 << GENPT_SMMU_STE0_CONFIG_SHIFT);
		if (a->nested) { /* the guest's CD table, S1DSS: CD 0 */
			w[0] = GENPT_SMMU_STE0_V | (a->cd_ipa & GENPT_SMMU_STE0_S1CTXPTR_MASK) |
			       ((uint64_t)GENPT_SMMU_STE_CONFIG_NESTED
				<< GENPT_SMMU_STE0_CONFIG_SHIFT) |
			       ((uint64_t)a->cdmax << GENPT_SMMU_STE0_S1CDMAX_SHIFT);
			w[1] = a->cdmax ? 2 : 0;
		}
		w[2] = a->id | ((info.tcr & 0x7ffff) << GENPT_SMMU_STE2_VTCR_SHIFT) |
		       GENPT_SMMU_STE2_S2AA64 | GENPT_SMMU_STE2_S2R |
		       (track ? GENPT_SMMU_STE2_S2HA | GENPT_SMMU_STE2_S2HD : 0);
		w[3] = info.root_pa & GENPT_SMMU_STE3_S2TTB_MASK;
	} else {
		a->cd = mem_alloc(d, 4096, &a->cd_pa);
		if (!a->cd)
			return -ENOMEM;
		cd[0] = cd0_of(info.tcr, a->id, track);
		cd[1] = info.root_pa & GENPT_SMMU_CD1_TTB0_MASK;
		cd[3] = SMMUDRV_MAIR;
		write_struct(d, a->cd, cd);
		w[0] = GENPT_SMMU_STE0_V |
		       ((uint64_t)GENPT_SMMU_STE_CONFIG_S1 << GENPT_SMMU_STE0_CONFIG_SHIFT) |
		       (a->cd_pa & GENPT_SMMU_STE0_S1CTXPTR_MASK);
	}
	write_struct(d, ste, w);
	return 0;
}

static int attach_check(struct genpt_smmudrv *d, uint32_t sid,
			const struct genpt_smmudrv_domain *dom, struct genpt *table)
{
	if (find_att(d, sid))
		return -EEXIST;
	for (struct smmudrv_attach *a = d->att; a; a = a->next)
		if (a->stage == dom->stage && a->id == dom->id && a->table != table)
			return -EBUSY;
	return 0;
}

/* Attach as @tmpl says (sid, table, stage, id, nested fields). */
static int attach_common(struct genpt_smmudrv *drv, const struct smmudrv_attach *tmpl)
{
	struct genpt_smmudrv_domain dom = { tmpl->stage, tmpl->id };
	struct smmudrv_attach *a;
	int tracking, err;

	if (tmpl->sid >> drv->sid_bits) /* -EINVAL before anything else */
		return -EINVAL;
	tracking = genpt_dirty_tracking(tmpl->table);
	if (tracking < 0)
		tracking = 0; /* no dirty state: never tracks */
	pthread_mutex_lock(&drv->lock);
	err = table_fits(drv, tmpl->table, tmpl->stage, tracking);
	if (!err && tmpl->nested && !(drv->idr0 & GENPT_SMMU_IDR0_S1P))
		err = -EOPNOTSUPP;
	if (!err)
		err = attach_check(drv, tmpl->sid, &dom, tmpl->table);
	if (err)
		goto out;
	err = -ENOMEM;
	a = malloc(sizeof(*a));
	if (!a)
		goto out;
	*a = *tmpl;
	err = attach_write(drv, a, tracking);
	if (err) {
		free(a);
		goto out;
	}
	a->next = drv->att;
	drv->att = a;
	genpt_tracking_claim(a->table, true);
	err = cmd_sid(drv, GENPT_SMMU_CMD_CFGI_STE, a->sid);
	if (!err)
		err = cmd_sync(drv);
out:
	pthread_mutex_unlock(&drv->lock);
	return err;
}

GENPT_API int genpt_smmudrv_attach(struct genpt_smmudrv *drv, uint32_t sid,
				   struct genpt *table,
				   const struct genpt_smmudrv_domain *dom)
{
	if (!drv || !table || !dom)
		return -EINVAL;
	if ((dom->stage != GENPT_SMMUDRV_STAGE1 && dom->stage != GENPT_SMMUDRV_STAGE2) ||
	    (dom->id >> 16))
		return -EINVAL;
	return attach_common(drv, &(struct smmudrv_attach){ .sid = sid, .table = table,
							    .stage = dom->stage,
							    .id = (uint16_t)dom->id });
}

GENPT_API int genpt_smmudrv_attach_nested(struct genpt_smmudrv *drv, uint32_t sid,
					  struct genpt *table, uint32_t vmid,
					  uint64_t cd_ipa, unsigned int cdmax)
{
	if (!drv || !table || (vmid >> 16) || (cd_ipa & 63) || (cd_ipa >> 52) || cdmax > 20)
		return -EINVAL;
	return attach_common(drv, &(struct smmudrv_attach){
		.sid = sid, .table = table, .stage = GENPT_SMMUDRV_STAGE2,
		.id = (uint16_t)vmid, .nested = true, .cd_ipa = cd_ipa, .cdmax = cdmax });
}

GENPT_API int genpt_smmudrv_detach(struct genpt_smmudrv *drv, uint32_t sid)
{
	struct smmudrv_attach **pp, *a = NULL;
	int err;

	if (!drv)
		return -EINVAL;
	pthread_mutex_lock(&drv->lock);
	for (pp = &drv->att; *pp; pp = &(*pp)->next) {
		if ((*pp)->sid == sid) {
			a = *pp;
			*pp = a->next;
			break;
		}
	}
	if (!a) {
		pthread_mutex_unlock(&drv->lock);
		return -ENOENT;
	}
	__atomic_store_n(&ste_of(drv, sid)[0], 0, __ATOMIC_RELEASE);
	drv_flush(drv, ste_of(drv, sid), 8);
	err = cmd_sid(drv, GENPT_SMMU_CMD_CFGI_STE, sid);
	if (!err)
		err = a->stage == GENPT_SMMUDRV_STAGE2 ?
			      cmd_tlbi(drv, GENPT_SMMU_CMD_TLBI_S12_VMALL, a->id, 0, 0) :
			      cmd_tlbi(drv, GENPT_SMMU_CMD_TLBI_NH_ASID, 0, a->id, 0);
	if (!err)
		err = cmd_sync(drv);
	genpt_tracking_claim(a->table, false);
	mem_free(drv, a->cd, 4096);
	free(a);
	pthread_mutex_unlock(&drv->lock);
	return err;
}

/* ------------------------------------------------------ dirty tracking -- */

/* The table's input space [0, 2^(64 - T0SZ)). */
static uint64_t table_span(struct genpt *table)
{
	struct genpt_hw_info info;

	genpt_hw_info(table, &info);
	return 1ull << (64 - (info.tcr & 0x3f));
}

static int harvest(struct genpt_smmudrv *d, struct genpt *table, uint64_t iova,
		   uint64_t len, unsigned int flags,
		   const struct genpt_dirty_bitmap *bitmap)
{
	struct drv_edit e = { .kind = DRV_EDIT_HARVEST, .iova = iova, .len = len,
			      .flags = flags, .bitmap = bitmap };

	return drv_edit_run(d, gathered_inval, table, &e);
}

/* Set or clear HA/HD (CD) or S2HA/S2HD (STE) of every stream of @table,
 * CFGI each, TLBI each domain, sync. */
static int toggle_httu(struct genpt_smmudrv *d, struct genpt *table, bool on)
{
	int err = 0;

	for (struct smmudrv_attach *a = d->att; a && !err; a = a->next) {
		bool s2 = a->stage == GENPT_SMMUDRV_STAGE2;
		uint64_t *p = s2 ? &ste_of(d, a->sid)[2] : &a->cd[0];
		uint64_t bits = s2 ? GENPT_SMMU_STE2_S2HA | GENPT_SMMU_STE2_S2HD :
				     GENPT_SMMU_CD0_HA | GENPT_SMMU_CD0_HD;
		uint64_t v;

		if (a->table != table)
			continue;
		v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		/* One 64-bit store: only the HTTU bits change. */
		__atomic_store_n(p, on ? v | bits : v & ~bits, __ATOMIC_RELEASE);
		drv_flush(d, p, 8); /* visible before the CFGI */
		err = s2 ? cmd_sid(d, GENPT_SMMU_CMD_CFGI_STE, a->sid) :
			   cmd_submit(d, GENPT_SMMU_CMD_CFGI_CD |
						 ((uint64_t)a->sid << GENPT_SMMU_CMD_SID_SHIFT),
				      GENPT_SMMU_CMD_LEAF);
	}
	if (!err)
		err = inval_table(d, table, 0, table_span(table) - 1);
	if (!err)
		err = cmd_sync(d);
	return err;
}

struct bbm_ctx {
	struct genpt_smmudrv *d;
	struct genpt *table;
};

/* Between the interim entry and the new one: nothing cached of the old. */
static int bbm_sync(void *ctx, uint64_t first, uint64_t last)
{
	struct bbm_ctx *c = ctx;
	int err = inval_table(c->d, c->table, first, last);

	return err ? err : cmd_sync(c->d);
}

static unsigned int drv_bbml(const struct genpt_smmudrv *d)
{
	return (d->idr3 & GENPT_SMMU_IDR3_BBML_MASK) >> GENPT_SMMU_IDR3_BBML_SHIFT;
}

/*
 * Split or merge under the SMMU's break-before-make level: BBML 2 lets it
 * hold the block and the table translations at once (one store replaces
 * the other); BBML 1 needs the old block (or the new one, merging) with nT
 * until a TLBI + CMD_SYNC removed what was cached; BBML 0 an invalid entry
 * meanwhile: DMA to the range faults until the new entry is written.
 */
static int table_tracking(struct genpt_smmudrv *d, struct genpt *table, bool enable,
			  unsigned int split_shift)
{
	struct bbm_ctx c = { d, table };
	struct pt_bbm bbm = { .brk = drv_bbml(d) == 0, .interim = SMMUDRV_DESC_NT,
			      .sync = bbm_sync, .ctx = &c };
	struct genpt_gather g;
	int err, err2;

	if (!split_shift)
		return genpt_set_dirty_tracking_owned(table, enable);
	genpt_gather_init(&g);
	if (drv_bbml(d) < 2 && table_attached(d, table))
		table->bbm = &bbm;
	err = genpt_set_dirty_tracking_split_owned(table, enable, split_shift, &g);
	table->bbm = NULL;
	err2 = finish_gather(d, table, &g);
	if (!err)
		err = bbm.err;
	return err ? err : err2;
}

static int set_tracking(struct genpt_smmudrv *drv, struct genpt *table, bool enable,
			unsigned int split_shift)
{
	int cur, err;

	if (!drv || !table)
		return -EINVAL;
	if ((drv->idr0 & GENPT_SMMU_IDR0_HTTU_MASK) != GENPT_SMMU_IDR0_HTTU_AD)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&drv->lock);
	cur = genpt_dirty_tracking(table);
	if (cur < 0 || (cur == (int)enable && (enable || !split_shift))) {
		pthread_mutex_unlock(&drv->lock);
		return cur < 0 ? cur : 0;
	}
	if (enable) {
		/* Hardware first: it must be able to mark a descriptor
		 * dirty before any becomes writable-clean. */
		err = toggle_httu(drv, table, true);
		if (!err)
			err = table_tracking(drv, table, true, split_shift);
		if (!err) /* a clean slate */
			err = harvest(drv, table, 0, table_span(table), 0, NULL);
	} else {
		err = table_tracking(drv, table, false, split_shift);
		if (!err && cur)
			err = toggle_httu(drv, table, false);
	}
	pthread_mutex_unlock(&drv->lock);
	return err;
}

GENPT_API int genpt_smmudrv_set_dirty_tracking(struct genpt_smmudrv *drv,
					       struct genpt *table, bool enable)
{
	return set_tracking(drv, table, enable, 0);
}

GENPT_API int genpt_smmudrv_set_dirty_tracking_split(struct genpt_smmudrv *drv,
						     struct genpt *table, bool enable,
						     unsigned int page_shift)
{
	if (!drv || !table || page_shift < 12 || page_shift > 63)
		return -EINVAL;
	return set_tracking(drv, table, enable, page_shift);
}

GENPT_API int genpt_smmudrv_read_and_clear_dirty(struct genpt_smmudrv *drv,
						 struct genpt *table, uint64_t iova,
						 uint64_t len, unsigned int flags,
						 const struct genpt_dirty_bitmap *bitmap)
{
	const struct drv_edit e = { .kind = DRV_EDIT_HARVEST, .iova = iova, .len = len,
				    .flags = flags, .bitmap = bitmap };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

/* ------------------------------------------------------------ map/unmap -- */

GENPT_API int genpt_smmudrv_map(struct genpt_smmudrv *drv, struct genpt *table,
				uint64_t iova, uint64_t pa, uint64_t len,
				unsigned int prot)
{
	const struct drv_edit e = { .kind = DRV_EDIT_MAP, .iova = iova, .len = len,
			  .pa = pa, .prot = prot };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

GENPT_API int genpt_smmudrv_unmap_read_dirty(struct genpt_smmudrv *drv,
					     struct genpt *table, uint64_t iova,
					     uint64_t len,
					     const struct genpt_dirty_bitmap *bitmap,
					     uint64_t *unmapped)
{
	const struct drv_edit e = { .kind = DRV_EDIT_UNMAP_READ_DIRTY, .iova = iova,
			  .len = len, .bitmap = bitmap, .unmapped = unmapped };

	return drv_edit_locked(drv, drv ? &drv->lock : NULL, gathered_inval, table, &e);
}

/* --------------------------------------------------------- event poller -- */

GENPT_API int genpt_smmudrv_poll_events(struct genpt_smmudrv *drv,
					struct genpt_smmu_event *out,
					unsigned int max, bool *overflow)
{
	unsigned int log2, n = 0;
	uint64_t prod, cons;
	uint32_t wrap;
	int err;

	if (!drv || (!out && max))
		return -EINVAL;
	log2 = drv->evtq_log2;
	wrap = (2u << log2) - 1;
	pthread_mutex_lock(&drv->lock);
	err = rd(drv, GENPT_SMMU_REG_EVENTQ_PROD, &prod);
	if (!err)
		err = rd(drv, GENPT_SMMU_REG_EVENTQ_CONS, &cons);
	if (err)
		goto out;
	while (((prod ^ cons) & wrap) && n < max) {
		const uint64_t *r = drv->evtq + 4 * (cons & ((1u << log2) - 1));
		uint64_t rec[4];

		for (unsigned int i = 0; i < 4; i++)
			rec[i] = __atomic_load_n(&r[i], __ATOMIC_ACQUIRE);
		genpt_smmu_event_decode(rec, &out[n++]);
		cons = (cons & ~(uint64_t)wrap) | ((cons + 1) & wrap);
	}
	if (overflow)
		*overflow = (prod ^ cons) & GENPT_SMMU_Q_OVF;
	/* Acknowledge an overflow by copying OVFLG into OVACKFLG. */
	cons = (cons & ~(uint64_t)GENPT_SMMU_Q_OVF) | (prod & GENPT_SMMU_Q_OVF);
	err = wr(drv, GENPT_SMMU_REG_EVENTQ_CONS, 4, cons);
out:
	pthread_mutex_unlock(&drv->lock);
	return err ? err : (int)n;
}
