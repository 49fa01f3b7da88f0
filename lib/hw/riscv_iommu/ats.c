// SPDX-License-Identifier: MIT
/*
 * riscv_iommu/ats.c - PCIe ATS beside the RISC-V IOMMU model: the device's
 * address translation cache (ATC) and the ATS.INVAL command that empties
 * it.
 *
 * An ATC holds what ATS Translation Requests returned (IOVA page ->
 * translated address, permissions) and the device then sends translated
 * requests, which the IOMMU does not walk again: a write through a cached
 * W translation sets no D bit.  That is the IOTLB's hazard again, one
 * level further out: after a harvest cleans D, the ATC must be invalidated
 * (ATS.INVAL, then IOFENCE.C) or writes are lost to the harvest.
 *
 * Locking: iommu->atc_lock guards the list of ATCs (create, destroy,
 * ATS.INVAL, which runs under reg_lock: order reg_lock -> atc_lock ->
 * atc->lock); each ATC's lock guards its entries.  A fill samples the ATC's
 * generation before its Translation Request and inserts only if no
 * ATS.INVAL bumped it since (the IOTLB's rule).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rvi_internal.h"

struct atc_entry {
	bool valid;
	uint64_t va;   /* aligned to 2^shift */
	uint64_t ta;   /* translated address of va */
	uint8_t shift;
	uint8_t perm;
};

struct genpt_rviommu_atc {
	struct genpt_rviommu *iommu;
	uint32_t did;
	pthread_mutex_t lock;
	unsigned int n, next;
	struct atc_entry *e;
	uint64_t gen; /* atomic: bumped by every ATS.INVAL that names it */
	struct genpt_rviommu_atc *link;
};

int genpt_rvi_ats_init(struct genpt_rviommu *iommu)
{
	iommu->atcs = NULL;
	return pthread_mutex_init(&iommu->atc_lock, NULL) ? -ENOMEM : 0;
}

void genpt_rvi_ats_fini(struct genpt_rviommu *iommu)
{
	pthread_mutex_destroy(&iommu->atc_lock);
}

GENPT_API int genpt_rviommu_atc_create(struct genpt_rviommu *iommu, uint32_t device_id,
				       unsigned int entries,
				       struct genpt_rviommu_atc **out)
{
	struct genpt_rviommu_atc *a;

	if (!iommu || !out || (device_id >> 24) || entries > 65536 ||
	    !(iommu->caps & GENPT_RVI_CAP_ATS))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->n = entries ? entries : 64;
	a->e = calloc(a->n, sizeof(*a->e));
	if (!a->e || pthread_mutex_init(&a->lock, NULL)) {
		free(a->e);
		free(a);
		return -ENOMEM;
	}
	a->iommu = iommu;
	a->did = device_id;
	pthread_mutex_lock(&iommu->atc_lock);
	a->link = iommu->atcs;
	iommu->atcs = a;
	pthread_mutex_unlock(&iommu->atc_lock);
	*out = a;
	return 0;
}

GENPT_API void genpt_rviommu_atc_destroy(struct genpt_rviommu_atc *atc)
{
	struct genpt_rviommu_atc **pp;

	if (!atc)
		return;
	pthread_mutex_lock(&atc->iommu->atc_lock);
	for (pp = &atc->iommu->atcs; *pp; pp = &(*pp)->link) {
		if (*pp == atc) {
			*pp = atc->link;
			break;
		}
	}
	pthread_mutex_unlock(&atc->iommu->atc_lock);
	pthread_mutex_destroy(&atc->lock);
	free(atc->e);
	free(atc);
}

/* Entries carry no PASID: an invalidation with one names none of them. */
void genpt_rvi_ats_inval(struct genpt_rviommu *iommu, uint32_t did, bool pv,
			 uint32_t pid, uint64_t first, uint64_t last)
{
	(void)pid;
	pthread_mutex_lock(&iommu->atc_lock);
	for (struct genpt_rviommu_atc *a = iommu->atcs; a; a = a->link) {
		if (a->did != did || pv)
			continue;
		pthread_mutex_lock(&a->lock);
		__atomic_fetch_add(&a->gen, 1, __ATOMIC_ACQ_REL);
		for (unsigned int i = 0; i < a->n; i++) {
			struct atc_entry *e = &a->e[i];
			uint64_t end = e->va + ((1ull << e->shift) - 1);

			if (e->valid && e->va <= last && end >= first)
				e->valid = false;
		}
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&iommu->atc_lock);
}

/* genpt_rvi_dma_lookup for an ATC: a hit with the permission @access needs. */
static bool atc_lookup(void *ctx, uint64_t iova, unsigned int access, uint64_t *ta)
{
	struct genpt_rviommu_atc *a = ctx;
	unsigned int need = access == GENPT_ACCESS_WRITE ? GENPT_RVIOMMU_PERM_W :
			    access == GENPT_ACCESS_EXEC ? GENPT_RVIOMMU_PERM_X :
							  GENPT_RVIOMMU_PERM_R;
	bool hit = false;

	pthread_mutex_lock(&a->lock);
	for (unsigned int i = 0; i < a->n && !hit; i++) {
		const struct atc_entry *e = &a->e[i];

		if (e->valid && (e->perm & need) && (iova >> e->shift) == (e->va >> e->shift)) {
			*ta = e->ta + (iova - e->va);
			hit = true;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return hit;
}

/*
 * Miss: an ATS Translation Request for @iova.  Returns 1 when the ATC now
 * holds a translation (or an ATS.INVAL raced and the caller should look
 * again), 0 when the completion does not grant @access (use an untranslated
 * request), or a negative errno.
 */
static int atc_fill(struct genpt_rviommu_atc *a, uint64_t iova, unsigned int access)
{
	struct genpt_rviommu_req req = { .device_id = a->did, .iova = iova,
					 .access = access, .type = GENPT_RVIOMMU_REQ_ATS };
	unsigned int need = access == GENPT_ACCESS_WRITE ? GENPT_RVIOMMU_PERM_W :
			    access == GENPT_ACCESS_EXEC ? GENPT_RVIOMMU_PERM_X :
							  GENPT_RVIOMMU_PERM_R;
	uint64_t gen = __atomic_load_n(&a->gen, __ATOMIC_ACQUIRE);
	struct genpt_rviommu_rsp rsp;
	int err = genpt_rviommu_translate(a->iommu, &req, &rsp);

	if (err)
		return err;
	if (rsp.ats_status != GENPT_RVIOMMU_ATS_SUCCESS || !(rsp.perm & need))
		return 0;
	pthread_mutex_lock(&a->lock);
	if (__atomic_load_n(&a->gen, __ATOMIC_ACQUIRE) == gen) {
		uint64_t m = (1ull << rsp.page_shift) - 1;
		struct atc_entry *e = &a->e[a->next];

		*e = (struct atc_entry){ .valid = true, .va = iova & ~m, .ta = rsp.pa & ~m,
					 .shift = (uint8_t)rsp.page_shift,
					 .perm = (uint8_t)rsp.perm };
		a->next = (a->next + 1) % a->n;
	}
	pthread_mutex_unlock(&a->lock);
	return 1;
}

GENPT_API int genpt_rviommu_atc_dma(struct genpt_rviommu_atc *atc, uint64_t iova,
				    void *buf, size_t len, unsigned int access)
{
	unsigned char *b = buf;
	int err = 0;

	if (!atc || (!buf && len) || access < GENPT_ACCESS_READ || access > GENPT_ACCESS_EXEC)
		return -EINVAL;
	if (len && (uint64_t)len - 1 > UINT64_MAX - iova)
		return -EINVAL;
	while (len && !err) {
		err = genpt_rvi_dma_step(atc->iommu, atc->did, &iova, &b, &len, access,
					 atc_lookup, atc);
		if (err != -EAGAIN)
			continue;
		err = atc_fill(atc, iova, access);
		if (err == 0) {
			/* Not granted: the rest of this page untranslated. */
			size_t n = 4096 - (size_t)(iova & 4095);

			if (n > len)
				n = len;
			len -= n;
			err = genpt_rviommu_dma(atc->iommu, atc->did, iova, b, n, access);
			b += n;
			iova += n;
		} else if (err == 1) {
			err = 0;
		}
	}
	return err;
}
