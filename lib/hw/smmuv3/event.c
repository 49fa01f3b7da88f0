// SPDX-License-Identifier: MIT
/*
 * smmuv3/event.c - what every part of the model reaches memory and reports
 * through: the bounds-checked pointer to a structure and the event queue
 * writer (IHI 0070 chapter 7, "Event queue").
 *
 * Kept apart from model.c (registers, commands) and translate.c so that
 * both call down into it and neither calls the other back.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "smmu_internal.h"

void *genpt_smmu_ptr(struct genpt_smmu *smmu, uint64_t pa, unsigned int size)
{
	void *p;

	if (pa & (size - 1))
		return NULL;
	if ((pa + size - 1) >> smmu->oas)
		return NULL;
	p = smmu->mem->phys_to_virt(smmu->mem_ctx, pa);
	if (!p || ((uintptr_t)p & (size - 1)))
		return NULL;
	return p;
}

/*
 * Queue full when the indexes match and the wrap flags differ.  A record
 * that finds the queue full is lost and PROD.OVFLG toggles (software sees
 * it differ from CONS.OVACKFLG).  A queue at an unbacked address: the
 * record is lost and GERROR.EVTQ_ABT_ERR toggles.
 */
void genpt_smmu_record(struct genpt_smmu *smmu, const uint64_t rec[4])
{
	unsigned int log2;
	uint32_t prod, cons;
	uint64_t *p;

	pthread_mutex_lock(&smmu->reg_lock);
	if (!(__atomic_load_n(&smmu->cr0, __ATOMIC_RELAXED) & GENPT_SMMU_CR0_EVENTQEN))
		goto out;
	if ((smmu->gerror ^ smmu->gerrorn) & GENPT_SMMU_GERROR_EVTQ_ABT_ERR)
		goto out;
	log2 = smmu_q_log2(smmu->evtq_base);
	prod = smmu->evtq_prod;
	cons = smmu->evtq_cons;
	if (smmu_q_idx(prod, log2) == smmu_q_idx(cons, log2) &&
	    smmu_q_wrap(prod, log2) != smmu_q_wrap(cons, log2)) {
		smmu->evtq_prod ^= GENPT_SMMU_Q_OVF;
		goto out;
	}
	p = genpt_smmu_ptr(smmu, smmu_q_addr(smmu->evtq_base) +
					 (uint64_t)smmu_q_idx(prod, log2) * GENPT_SMMU_EVT_SIZE,
			   8);
	if (!p) {
		smmu->gerror ^= GENPT_SMMU_GERROR_EVTQ_ABT_ERR;
		goto out;
	}
	/* Record before PROD: PROD is read under reg_lock, so a reader that
	 * sees the new PROD sees the record. */
	for (unsigned int i = 0; i < 4; i++)
		__atomic_store_n(&p[i], rec[i], __ATOMIC_RELEASE);
	smmu->evtq_prod = smmu_q_inc(prod, log2);
	smmu_stat(&smmu->st_events);
out:
	pthread_mutex_unlock(&smmu->reg_lock);
}
