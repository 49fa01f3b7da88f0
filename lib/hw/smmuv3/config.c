// SPDX-License-Identifier: MIT
/*
 * smmuv3/config.c - from StreamID to translation configuration (IHI 0070
 * "Stream table", "Context descriptor", chapter 5 "Data structure
 * formats"): the linear or 2-level stream table lookup, the STE and its
 * ILLEGAL configurations, the CD (linear CD table, S1CDMAX/S1DSS
 * substream rules) and its ILLEGAL configurations.  STEs and CDs come
 * from the configuration cache when present; a CD of a nested stream is
 * fetched through stage 2.
 *
 * What a check finds ILLEGAL is recorded as C_BAD_STE / C_BAD_CD; a
 * structure address that memory does not back is F_STE_FETCH / F_CD_FETCH.
 * Only AArch64 tables (S2AA64 = 1, CD.AA64 = 1), little-endian, linear CD
 * tables (IDR0.CD2L = 0) are implemented; the rest is ILLEGAL here.
 */
#include <string.h>

#include "smmu_internal.h"

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Address of the STE of @sid, or an event ID (returned in *@event). */
static uint64_t ste_addr(struct genpt_smmu *smmu, uint32_t sid, unsigned int *event)
{
	uint64_t base = __atomic_load_n(&smmu->strtab_base, __ATOMIC_ACQUIRE) &
			GENPT_SMMU_ADDR_MASK_6;
	uint32_t cfg = __atomic_load_n(&smmu->strtab_cfg, __ATOMIC_ACQUIRE);
	unsigned int log2 = GENPT_SMMU_STRTAB_LOG2SIZE(cfg);
	unsigned int split = (cfg >> GENPT_SMMU_STRTAB_SPLIT_SHIFT) & 0x1f;
	unsigned int sidsize = GENPT_SMMU_IDR1_SIDSIZE(smmu->idr1), span;
	uint64_t *l1, d;

	*event = GENPT_SMMU_EVT_C_BAD_STREAMID;
	if (log2 > sidsize)
		log2 = sidsize; /* LOG2SIZE beyond SIDSIZE acts as SIDSIZE */
	if ((uint64_t)sid >> log2)
		return 0;
	if (!(cfg & GENPT_SMMU_STRTAB_FMT_2LVL)) {
		*event = 0;
		return base + (uint64_t)sid * GENPT_SMMU_STE_SIZE;
	}
	if (split != 6 && split != 8 && split != 10)
		return 0; /* other SPLIT values are reserved */
	l1 = genpt_smmu_ptr(smmu, base + ((uint64_t)sid >> split) * 8, 8);
	if (!l1) {
		*event = GENPT_SMMU_EVT_F_STE_FETCH;
		return 0;
	}
	d = ld(l1);
	span = (unsigned int)(d & GENPT_SMMU_L1STD_SPAN_MASK);
	/* SPAN 0: no level-2 table; above SPLIT + 1: ILLEGAL. */
	if (span == 0 || span > split + 1)
		return 0;
	if ((sid & ((1u << split) - 1)) >> (span - 1))
		return 0;
	*event = 0;
	return (d & GENPT_SMMU_ADDR_MASK_6) +
	       (uint64_t)(sid & ((1u << split) - 1)) * GENPT_SMMU_STE_SIZE;
}

/* Read 64 bytes at @pa into @w; false when not backed. */
static bool fetch64(struct genpt_smmu *smmu, uint64_t pa, uint64_t *w)
{
	uint64_t *p = genpt_smmu_ptr(smmu, pa, 64);

	if (!p)
		return false;
	for (unsigned int i = 0; i < 8; i++)
		w[i] = ld(&p[i]);
	return true;
}

static unsigned int load_ste(struct smmu_xlate *x)
{
	struct genpt_smmu *smmu = x->smmu;
	uint32_t sid = x->req->sid;
	unsigned int event;
	uint64_t gen, pa;

	if (genpt_smmu_cfgc_lookup(&smmu->cfgc, false, sid, 0, x->ste)) {
		smmu_stat(&smmu->st_cfg_hits);
		return 0;
	}
	smmu_stat(&smmu->st_cfg_misses);
	gen = genpt_smmu_cfgc_gen(&smmu->cfgc);
	pa = ste_addr(smmu, sid, &event);
	if (event)
		return event;
	if (!fetch64(smmu, pa, x->ste))
		return GENPT_SMMU_EVT_F_STE_FETCH;
	/* An invalid STE is never cached (nor is any other bad one: the
	 * checks below run on every use, cached or not). */
	if (x->ste[0] & GENPT_SMMU_STE0_V)
		genpt_smmu_cfgc_insert(&smmu->cfgc, gen, false, sid, 0, x->ste);
	return 0;
}

/* HTTU bits the SMMU implements: HA, and HD only with HA. */
static void httu_bits(const struct genpt_smmu *smmu, bool ha, bool hd, bool *eha,
		      bool *ehd)
{
	unsigned int httu = (smmu->idr0 & GENPT_SMMU_IDR0_HTTU_MASK) >>
			    GENPT_SMMU_IDR0_HTTU_SHIFT;

	*eha = ha && httu >= 1;
	*ehd = hd && ha && httu >= 2;
}

/* Stage-2 fields of the STE; false when ILLEGAL. */
static bool ste_s2(struct smmu_xlate *x)
{
	uint64_t w2 = x->ste[2], w3 = x->ste[3];
	unsigned int tg = (unsigned int)((w2 >> (GENPT_SMMU_STE2_VTCR_SHIFT + 14)) & 3);
	bool ha, hd;

	if (!(x->smmu->idr0 & GENPT_SMMU_IDR0_S2P))
		return false;
	if (!(w2 & GENPT_SMMU_STE2_S2AA64) || (w2 & GENPT_SMMU_STE2_S2ENDI) || tg == 3)
		return false;
	if ((w3 & GENPT_SMMU_STE3_S2TTB_MASK) >> x->smmu->oas)
		return false;
	httu_bits(x->smmu, w2 & GENPT_SMMU_STE2_S2HA, w2 & GENPT_SMMU_STE2_S2HD, &ha, &hd);
	x->s2 = true;
	x->vmid = (uint16_t)(w2 & GENPT_SMMU_STE2_VMID_MASK);
	x->s2_tcr = ((w2 & GENPT_SMMU_STE2_VTCR_MASK) >> GENPT_SMMU_STE2_VTCR_SHIFT) |
		    (ha ? 1ull << 21 : 0) | (hd ? 1ull << 22 : 0);
	x->s2_ttb = w3 & GENPT_SMMU_STE3_S2TTB_MASK;
	x->s2_record = w2 & GENPT_SMMU_STE2_S2R;
	return true;
}

/* The CD's fields, as a TCR_EL1 value for the walk; false when ILLEGAL. */
static bool cd_decode(struct smmu_xlate *x)
{
	uint64_t c0 = x->cd[0];
	unsigned int t0sz = (unsigned int)(c0 & GENPT_SMMU_CD0_T0SZ_MASK);
	unsigned int tg = (unsigned int)((c0 >> GENPT_SMMU_CD0_TG0_SHIFT) & 3);
	unsigned int ips = (unsigned int)((c0 >> GENPT_SMMU_CD0_IPS_SHIFT) & 7);
	bool ha, hd;

	if (!(c0 & GENPT_SMMU_CD0_AA64) || (c0 & GENPT_SMMU_CD0_ENDI))
		return false;
	if (tg == 3 || t0sz < 16 || t0sz > 39 || ips > 5)
		return false;
	if ((x->cd[1] & GENPT_SMMU_CD1_TTB0_MASK) >> x->smmu->oas)
		return false;
	httu_bits(x->smmu, c0 & GENPT_SMMU_CD0_HA, c0 & GENPT_SMMU_CD0_HD, &ha, &hd);
	x->s1 = true;
	x->asid = (uint16_t)(c0 >> GENPT_SMMU_CD0_ASID_SHIFT);
	x->s1_tcr = t0sz | ((uint64_t)tg << 14) | ((uint64_t)ips << 32) |
		    (ha ? 1ull << 39 : 0) | (hd ? 1ull << 40 : 0);
	x->s1_ttb = x->cd[1] & GENPT_SMMU_CD1_TTB0_MASK;
	x->s1_record = c0 & GENPT_SMMU_CD0_R;
	return true;
}

/* Fetch the CD of @ssid (through stage 2 when nested) and check it. */
static unsigned int load_cd(struct smmu_xlate *x, uint32_t ssid)
{
	struct genpt_smmu *smmu = x->smmu;
	uint32_t sid = x->req->sid;
	uint64_t gen, pa, ptr = x->ste[0] & GENPT_SMMU_STE0_S1CTXPTR_MASK;
	unsigned int event;

	if (genpt_smmu_cfgc_lookup(&smmu->cfgc, true, sid, ssid, x->cd)) {
		smmu_stat(&smmu->st_cfg_hits);
	} else {
		smmu_stat(&smmu->st_cfg_misses);
		gen = genpt_smmu_cfgc_gen(&smmu->cfgc);
		pa = ptr + (uint64_t)ssid * GENPT_SMMU_CD_SIZE;
		if (x->s2) {
			event = genpt_smmu_s2(x, pa, GENPT_ACCESS_READ, &pa);
			if (event) {
				x->fault_class = 0; /* CD fetch */
				return event;
			}
		}
		if (!fetch64(smmu, pa, x->cd))
			return GENPT_SMMU_EVT_F_CD_FETCH;
		if (x->cd[0] & GENPT_SMMU_CD0_V)
			genpt_smmu_cfgc_insert(&smmu->cfgc, gen, true, sid, ssid, x->cd);
	}
	if (!(x->cd[0] & GENPT_SMMU_CD0_V) || !cd_decode(x))
		return GENPT_SMMU_EVT_C_BAD_CD;
	return 0;
}

/* Stage 1 of the STE: substream rules, then the CD. */
static unsigned int ste_s1(struct smmu_xlate *x)
{
	const struct genpt_smmu_req *req = x->req;
	unsigned int cdmax = (unsigned int)(x->ste[0] >> GENPT_SMMU_STE0_S1CDMAX_SHIFT);
	unsigned int fmt = (unsigned int)((x->ste[0] >> GENPT_SMMU_STE0_S1FMT_SHIFT) & 3);
	unsigned int dss = (unsigned int)(x->ste[1] & GENPT_SMMU_STE1_S1DSS_MASK);
	uint32_t ssid = 0;

	if (!(x->smmu->idr0 & GENPT_SMMU_IDR0_S1P) || fmt != 0 ||
	    cdmax > GENPT_SMMU_IDR1_SSIDSIZE(x->smmu->idr1))
		return GENPT_SMMU_EVT_C_BAD_STE;
	if (req->ssv) {
		if (cdmax == 0 || (req->ssid >> cdmax))
			return GENPT_SMMU_EVT_C_BAD_SUBSTREAMID;
		ssid = req->ssid;
	} else if (cdmax) {
		/* S1DSS: 0 terminate, 1 bypass stage 1, 2 use CD 0, 3 reserved */
		if (dss == 0)
			return GENPT_SMMU_EVT_ABORT;
		if (dss == 1) {
			x->bypass = !x->s2; /* stage 2 alone, if any */
			return 0;
		}
		if (dss == 3)
			return GENPT_SMMU_EVT_C_BAD_STE;
	}
	return load_cd(x, ssid);
}

unsigned int genpt_smmu_config(struct smmu_xlate *x)
{
	unsigned int event = load_ste(x), config;

	if (event)
		return event;
	if (!(x->ste[0] & GENPT_SMMU_STE0_V))
		return GENPT_SMMU_EVT_C_BAD_STE;
	config = (unsigned int)((x->ste[0] & GENPT_SMMU_STE0_CONFIG_MASK) >>
				GENPT_SMMU_STE0_CONFIG_SHIFT);
	if (config == GENPT_SMMU_STE_CONFIG_ABORT)
		return GENPT_SMMU_EVT_ABORT;
	if (config < GENPT_SMMU_STE_CONFIG_BYPASS)
		return GENPT_SMMU_EVT_C_BAD_STE; /* 0b001..0b011 reserved */
	/* S2VMID tags stage-1-only translations too (0 unless set). */
	x->vmid = (uint16_t)(x->ste[2] & GENPT_SMMU_STE2_VMID_MASK);
	if (config == GENPT_SMMU_STE_CONFIG_BYPASS) {
		x->bypass = true;
		return 0;
	}
	/* Stage 2 first: a nested stream fetches its CD through it. */
	if ((config & 2) && !ste_s2(x))
		return GENPT_SMMU_EVT_C_BAD_STE;
	if (config & 1)
		return ste_s1(x);
	return 0;
}
