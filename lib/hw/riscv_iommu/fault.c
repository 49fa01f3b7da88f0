/* SPDX-License-Identifier: MIT */
/*
 * riscv_iommu/fault.c - what every part of the model reaches memory and
 * reports through: the bounds-checked pointer to a structure, the fault
 * queue writer and the interrupt pending bits.
 *
 * Kept apart from model.c (registers, commands) and translate.c (walks)
 * so that both call down into it and neither calls the other back: the
 * command path waits for DMA in flight (translate.c), and a translation
 * that faults records here, not in model.c.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "rvi_internal.h"

void *genpt_rvi_ptr(struct genpt_rviommu *iommu, uint64_t pa, unsigned int size)
{
	void *p;

	if (pa & (size - 1))
		return NULL;
	if (iommu->pas < 64 && ((pa + size - 1) >> iommu->pas))
		return NULL;
	p = iommu->mem->phys_to_virt(iommu->mem_ctx, pa);
	if (!p || ((uintptr_t)p & (size - 1)))
		return NULL;
	return p;
}

enum genpt_rviommu_mem_verdict
genpt_rvi_hook(struct genpt_rviommu *iommu, enum genpt_rviommu_mem_what what,
	       enum genpt_rviommu_mem_op op, uint64_t pa, unsigned int size,
	       uint32_t did)
{
	struct genpt_rviommu_access a = { .what = what, .op = op, .pa = pa,
					  .size = size, .device_id = did };
	enum genpt_rviommu_mem_verdict v;

	if (!iommu->hook)
		return GENPT_RVIOMMU_MEM_PROCEED;
	v = iommu->hook(iommu->hook_ctx, &a);
	/* Anything neither "proceed" nor "corrupt" is taken as a fault. */
	if (v != GENPT_RVIOMMU_MEM_PROCEED && v != GENPT_RVIOMMU_MEM_CORRUPT)
		v = GENPT_RVIOMMU_MEM_ACCESS_FAULT;
	return v;
}

void *genpt_rvi_mem(struct genpt_rviommu *iommu, enum genpt_rviommu_mem_what what,
		    enum genpt_rviommu_mem_op op, uint64_t pa, unsigned int size,
		    uint32_t did, enum genpt_rviommu_mem_verdict *verdict)
{
	void *p;

	*verdict = genpt_rvi_hook(iommu, what, op, pa, size, did);
	if (*verdict != GENPT_RVIOMMU_MEM_PROCEED)
		return NULL;
	/* Structures up to 16 bytes are naturally aligned; device contexts
	 * (32/64 bytes) are read as doublewords. */
	p = genpt_rvi_ptr(iommu, pa, size > 16 ? 8 : size);
	if (!p)
		*verdict = GENPT_RVIOMMU_MEM_ACCESS_FAULT;
	return p;
}

/* --------------------------------------------------------- interrupts -- */

/* ipsr bits whose condition holds (spec "Interrupt pending status
 * register fields"); a bit that software cleared comes back while the
 * condition lasts.  New fault records set fip where they are written. */
void genpt_rvi_ipsr_update(struct genpt_rviommu *iommu)
{
	if ((iommu->cqcsr & GENPT_RVI_CQCSR_CIE) &&
	    (iommu->cqcsr & (GENPT_RVI_CQCSR_FENCE_W_IP | GENPT_RVI_CQCSR_CMD_ILL |
			     GENPT_RVI_CQCSR_CMD_TO | GENPT_RVI_CQCSR_CQMF)))
		iommu->ipsr |= GENPT_RVI_IPSR_CIP;
	if ((iommu->fqcsr & GENPT_RVI_FQCSR_FIE) &&
	    (iommu->fqcsr & (GENPT_RVI_FQCSR_FQOF | GENPT_RVI_FQCSR_FQMF)))
		iommu->ipsr |= GENPT_RVI_IPSR_FIP;
}

void genpt_rvi_record_fault(struct genpt_rviommu *iommu,
			    const struct genpt_rviommu_fault *f)
{
	enum genpt_rviommu_mem_verdict v;
	uint64_t rec[4];
	uint32_t mask;
	uint64_t *p;

	rec[0] = (uint64_t)(f->cause & 0xfff) |
		 ((uint64_t)(f->pid & 0xfffff) << 12) | ((uint64_t)f->pv << 32) |
		 ((uint64_t)f->priv << 33) | ((uint64_t)(f->ttyp & 0x3f) << 34) |
		 ((uint64_t)(f->did & 0xffffff) << 40);
	rec[1] = 0;
	rec[2] = f->iotval;
	rec[3] = f->iotval2;

	pthread_mutex_lock(&iommu->reg_lock);
	/* Off, or an error pending: the record is discarded. */
	if (!(iommu->fqcsr & GENPT_RVI_FQCSR_FQON) ||
	    (iommu->fqcsr & (GENPT_RVI_FQCSR_FQOF | GENPT_RVI_FQCSR_FQMF)))
		goto out;
	mask = rvi_queue_mask(iommu->fqb);
	if (((iommu->fqt + 1) & mask) == iommu->fqh) {
		iommu->fqcsr |= GENPT_RVI_FQCSR_FQOF;
		goto out;
	}
	p = genpt_rvi_mem(iommu, GENPT_RVIOMMU_MEM_QUEUE, GENPT_RVIOMMU_MEM_WRITE,
			  rvi_queue_base(iommu->fqb) +
				  (uint64_t)iommu->fqt * GENPT_RVI_FAULT_RECORD_SIZE,
			  GENPT_RVI_FAULT_RECORD_SIZE, 0, &v);
	if (!p) {
		iommu->fqcsr |= GENPT_RVI_FQCSR_FQMF;
		goto out;
	}
	/* Record before tail: fqt is read under reg_lock, so a reader that
	 * sees the new tail sees the record. */
	for (unsigned int i = 0; i < 4; i++)
		__atomic_store_n(&p[i], rec[i], __ATOMIC_RELEASE);
	iommu->fqt = (iommu->fqt + 1) & mask;
	rvi_stat(&iommu->st_fault_records);
	if (iommu->fqcsr & GENPT_RVI_FQCSR_FIE)
		iommu->ipsr |= GENPT_RVI_IPSR_FIP;
out:
	genpt_rvi_ipsr_update(iommu);
	pthread_mutex_unlock(&iommu->reg_lock);
}
