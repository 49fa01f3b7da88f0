/* SPDX-License-Identifier: MIT */
/*
 * test_smmuv3_model.c - the SMMUv3 model programmed by hand, with
 * structures and descriptors built from literal bit positions here (not
 * from the model's constants):
 *
 *  - registers and configuration limits;
 *  - HTTU at stage 1 and stage 2 for every HA/HD combination: AF set or
 *    F_ACCESS, writable-clean made writable-dirty or F_PERMISSION, HD
 *    without IDR0.HTTU = 2 ignored;
 *  - the TLB caching the dirty state, and every TLBI form that removes it;
 *  - the command queue's error stop and GERRORN acknowledgement;
 *  - 2-level stream tables, bad StreamIDs, abort and bypass STEs;
 *  - nested translation (CD and stage-1 tables through stage 2);
 *  - ATS translation requests, event queue overflow, the contiguous hint.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "smmu_util.h"

/* VMSAv8-64 descriptor bits (Arm ARM) */
#define D_VALID 1ull
#define D_TABLE 3ull
#define D_PAGE 3ull
#define D_BLOCK 1ull
#define D_AP1 (1ull << 6)   /* S1 EL0 access / S2AP[0] read */
#define D_AP2 (1ull << 7)   /* S1 read-only / S2AP[1] write */
#define D_SH (3ull << 8)
#define D_AF (1ull << 10)
#define D_NG (1ull << 11)
#define D_CONT (1ull << 52)
#define D_DBM (1ull << 51)

/* 4 KiB granule, 32-bit input: lookups start at level 1 (4 entries). */
#define VTCR32 (32ull | (1ull << 6) | (5ull << 16))

static uint64_t page(struct smmu_raw *r)
{
	uint64_t pa;

	cr_assert_eq(genpt_physmem_alloc(r->e.pm, 4096, 4096, &pa), 0);
	return pa;
}

/* The level-@level (1..3) descriptor slot of @va under root @root, making
 * tables on the way. */
static uint64_t *slot(struct smmu_raw *r, uint64_t root, uint64_t va, unsigned int level)
{
	uint64_t t = root;

	for (unsigned int l = 1;; l++) {
		uint64_t *d = smmu_raw_ptr(r, t + 8 * ((va >> (12 + 9 * (3 - l))) & 511));

		if (l == level)
			return d;
		if (!(*d & D_VALID))
			*d = page(r) | D_TABLE;
		t = *d & 0xfffffffff000ull;
	}
}

static void s2_ste(struct smmu_raw *r, uint32_t sid, uint64_t root, uint16_t vmid,
		   bool ha, bool hd)
{
	uint64_t w[8] = { 1 | (6 << 1), 0,
			  vmid | (VTCR32 << 32) | (1ull << 51) | (1ull << 58) |
				  ((uint64_t)hd << 55) | ((uint64_t)ha << 56),
			  root };

	smmu_raw_write_ste(r, sid, w);
}

/* A CD for a 32-bit stage-1 space at @root, and the STE (stage 1 or
 * nested with @s2root) pointing at it.  Returns the CD address. */
static uint64_t s1_ste(struct smmu_raw *r, uint32_t sid, uint64_t root, uint16_t asid,
		       bool ha, bool hd, uint64_t s2root)
{
	uint64_t cd = page(r), *c = smmu_raw_ptr(r, cd);
	uint64_t w[8] = { 1 | ((s2root ? 7ull : 5ull) << 1) | cd };

	c[0] = 32 | (1ull << 31) | (5ull << 32) | (1ull << 41) | (1ull << 45) |
	       ((uint64_t)hd << 42) | ((uint64_t)ha << 43) | ((uint64_t)asid << 48);
	c[1] = root;
	if (s2root) {
		w[2] = 1 | (VTCR32 << 32) | (1ull << 51) | (1ull << 58) | (1ull << 55) |
		       (1ull << 56);
		w[3] = s2root;
	}
	smmu_raw_write_ste(r, sid, w);
	return cd;
}

/* Writable-clean page descriptor bits (AF = 0) at stage 2 or stage 1. */
#define D_WCLEAN(s2) ((s2) ? D_PAGE | D_AP1 | D_SH | D_DBM : \
			     D_PAGE | D_AP1 | D_AP2 | D_SH | D_NG | D_DBM)

/* A raw SMMU (@cfg; 16 STEs, 16 event records) whose StreamID 1 maps the
 * page at @va to a fresh page *@pa by the leaf *@pa | @bits, at stage 2
 * (VMID 3) or stage 1 (ASID 3) with HA/HD as given.  Returns the leaf. */
static uint64_t *one_page(struct smmu_raw *r, const struct genpt_smmu_config *cfg, bool s2,
			  bool ha, bool hd, uint64_t va, uint64_t bits, uint64_t *pa)
{
	uint64_t root, *leaf;

	smmu_raw_init(r, cfg, 4, 0, 4);
	root = page(r);
	*pa = page(r);
	leaf = slot(r, root, va, 3);
	*leaf = *pa | bits;
	if (s2)
		s2_ste(r, 1, root, 3, ha, hd);
	else
		s1_ste(r, 1, root, 3, ha, hd, 0);
	return leaf;
}

static struct genpt_smmu_rsp xl(struct smmu_raw *r, uint32_t sid, uint64_t iova,
				unsigned int access)
{
	struct genpt_smmu_req req = { .sid = sid, .iova = iova, .access = access };
	struct genpt_smmu_rsp rsp;

	cr_assert_eq(genpt_smmu_translate(r->e.smmu, &req, &rsp), 0);
	return rsp;
}

#define RD GENPT_ACCESS_READ
#define WR GENPT_ACCESS_WRITE

/* ---- registers ---------------------------------------------------------- */

Test(smmuv3_model, registers)
{
	struct genpt_smmu_config cfg = { .httu = 1, .no_stage1 = true, .bbml = 2,
					 .sid_bits = 20 };
	struct genpt_smmu *s;
	struct smmu_env e;
	uint64_t v;

	smmu_env_init(&e, NULL, 64 * SMMU_MiB, false);
	v = smmu_rd(&e, 0x0, 4);
	cr_assert_eq(v & 3, 3, "S1P and S2P");
	cr_assert_eq((v >> 2) & 3, 2, "AArch64 tables");
	cr_assert_eq((v >> 6) & 3, 2, "HTTU: Access flag and dirty state");
	cr_assert_eq((v >> 27) & 3, 1, "2-level stream tables");
	cr_assert_eq(smmu_rd(&e, 0x4, 4) & 0x3f, 16, "SIDSIZE");
	cr_assert_eq(smmu_rd(&e, 0x14, 4) & 0x77, 0x75, "4K/16K/64K, 48-bit OAS");
	cr_assert_eq(smmu_rd(&e, 0x44, 4) >> 20 & 1, 1, "GBPA.ABORT at reset");
	cr_assert_eq(smmu_rd(&e, 0x20, 4), 0);
	smmu_wr(&e, 0x20, 4, 0xffffffff);
	cr_assert_eq(smmu_rd(&e, 0x24, 4), 0xd, "CR0ACK: the implemented bits");
	smmu_wr(&e, 0x0, 4, 0);
	cr_assert_eq(smmu_rd(&e, 0x0, 4), v, "IDR0 is read-only");
	smmu_wr(&e, 0x80, 8, 0x123456789fffull);
	cr_assert_eq(smmu_rd(&e, 0x80, 8), 0x123456789fc0ull, "STRTAB_BASE.ADDR [51:6]");
	cr_assert_eq(smmu_rd(&e, 0x84, 4), 0x1234, "upper half");
	cr_assert_eq(smmu_rd(&e, 0x400, 4), 0, "unimplemented: 0");
	cr_assert_eq(genpt_smmu_reg_read(e.smmu, 0x2, 4, &v), -EINVAL);
	cr_assert_eq(genpt_smmu_reg_read(e.smmu, 0x4, 8, &v), -EINVAL);
	cr_assert_eq(genpt_smmu_reg_read(e.smmu, 0x0, 2, &v), -EINVAL);
	cr_assert_eq(genpt_smmu_reg_read(e.smmu, 0x20000, 4, &v), -EINVAL);
	cr_assert_eq(genpt_smmu_reg_write(e.smmu, 0x20000, 4, 0), -EINVAL);
	cr_assert_eq(genpt_smmu_reg_read(NULL, 0, 4, &v), -EINVAL);
	smmu_env_fini(&e);

	cr_assert_eq(genpt_smmu_create(&cfg, &genpt_host_mem_ops, NULL, &s), 0);
	cr_assert_eq(genpt_smmu_reg_read(s, 0x0, 4, &v), 0);
	cr_assert_eq(v & 3, 1, "no S1P");
	cr_assert_eq((v >> 6) & 3, 1);
	cr_assert_eq(genpt_smmu_reg_read(s, 0xc, 4, &v), 0);
	cr_assert_eq((v >> 11) & 3, 2, "BBML");
	genpt_smmu_destroy(s);
	cfg = (struct genpt_smmu_config){ .httu = 4 };
	cr_assert_eq(genpt_smmu_create(&cfg, &genpt_host_mem_ops, NULL, &s), -EINVAL);
	cfg = (struct genpt_smmu_config){ .no_stage1 = true, .no_stage2 = true };
	cr_assert_eq(genpt_smmu_create(&cfg, &genpt_host_mem_ops, NULL, &s), -EINVAL);
	cfg = (struct genpt_smmu_config){ .sid_bits = 25 };
	cr_assert_eq(genpt_smmu_create(&cfg, &genpt_host_mem_ops, NULL, &s), -EINVAL);
	cr_assert_eq(genpt_smmu_create(NULL, NULL, NULL, &s), -EINVAL);
	genpt_smmu_destroy(NULL);
}

/* ---- HTTU ----------------------------------------------------------------- */

/*
 * One page at @va -> @pa, the leaf built by @desc_of(pa), at stage @s2
 * with HA/HD as given; then a read and a write and what each must do.
 */
static void httu_case(bool s2, bool ha, bool hd, unsigned int httu)
{
	struct genpt_smmu_config cfg = { .httu = httu };
	const uint64_t va = 0x40201000;
	struct genpt_smmu_event ev;
	struct genpt_smmu_rsp rsp;
	struct smmu_raw r;
	uint64_t pa, *leaf, clean;
	bool eha = ha && httu >= 1, ehd = hd && ha && httu >= 2;

	leaf = one_page(&r, &cfg, s2, ha, hd, va, D_WCLEAN(s2), &pa);
	clean = *leaf;

	rsp = xl(&r, 1, va + 0x18, RD);
	if (!eha) {
		cr_assert_eq(rsp.event, GENPT_SMMU_EVT_F_ACCESS, "AF = 0 without HA");
		cr_assert_eq(*leaf, clean, "nothing written");
		cr_assert(smmu_raw_event(&r, &ev));
		cr_assert_eq(ev.id, GENPT_SMMU_EVT_F_ACCESS);
		cr_assert_eq(ev.s2, s2);
		cr_assert(ev.read);
		cr_assert_eq(ev.addr, va + 0x18);
		*leaf = clean | D_AF; /* software sets it */
	} else {
		cr_assert_eq(rsp.event, 0);
		cr_assert_eq(rsp.pa, pa + 0x18);
		cr_assert_eq(*leaf, clean | D_AF, "HA sets AF, a read leaves it clean");
	}
	rsp = xl(&r, 1, va + 0x20, WR);
	if (!ehd) {
		cr_assert_eq(rsp.event, GENPT_SMMU_EVT_F_PERMISSION, "writable-clean without HD");
		cr_assert_eq(*leaf, clean | D_AF);
		cr_assert(smmu_raw_event(&r, &ev));
		cr_assert_eq(ev.id, GENPT_SMMU_EVT_F_PERMISSION);
		cr_assert(!ev.read);
		cr_assert_eq(ev.ipa, s2 ? va + 0x20 : 0);
	} else {
		cr_assert_eq(rsp.event, 0);
		cr_assert_eq(*leaf, s2 ? clean | D_AF | D_AP2 : (clean | D_AF) & ~D_AP2,
			     "HD: writable-dirty");
	}
	cr_assert(!smmu_raw_event(&r, &ev));
	smmu_raw_fini(&r);
}

Test(smmuv3_model, httu_stage2)
{
	for (unsigned int httu = 0; httu <= 2; httu++)
		for (unsigned int m = 0; m < 4; m++)
			httu_case(true, m & 1, m & 2, httu);
}

Test(smmuv3_model, httu_stage1)
{
	for (unsigned int httu = 0; httu <= 2; httu++)
		for (unsigned int m = 0; m < 4; m++)
			httu_case(false, m & 1, m & 2, httu);
}

/* ---- the TLB and its invalidation ---------------------------------------- */

static void tlb_case(bool s2, uint64_t d0, uint64_t d1)
{
	const uint64_t va = 0x40201000;
	struct genpt_smmu_rsp rsp;
	struct smmu_raw r;
	uint64_t pa, *leaf, dirty;

	leaf = one_page(&r, NULL, s2, true, true, va, D_WCLEAN(s2) | D_AF, &pa);
	cr_assert_eq(xl(&r, 1, va, WR).event, 0);
	dirty = *leaf;
	cr_assert_neq(dirty & D_AP2, s2 ? 0 : D_AP2, "marked dirty");
	/* Software cleans; the TLB still holds the translation dirty. */
	*leaf ^= D_AP2;
	rsp = xl(&r, 1, va + 8, WR);
	cr_assert(rsp.tlb_hit);
	cr_assert_eq(*leaf, dirty ^ D_AP2, "a hit marks nothing");
	cr_assert_eq(smmu_raw_cmd(&r, d0, d1), 0);
	smmu_raw_sync(&r);
	rsp = xl(&r, 1, va + 8, WR);
	cr_assert(!rsp.tlb_hit, "the TLBI removed it");
	cr_assert_eq(*leaf, dirty, "marked again");
	smmu_raw_fini(&r);
}

Test(smmuv3_model, tlb_keeps_dirty_state)
{
	/* VMID 3, ASID 3 (stage-1 streams have VMID 0), the page at
	 * 0x40201000 */
	tlb_case(true, 0x2a | (3ull << 32), 0x40201000);                  /* S2_IPA */
	tlb_case(true, 0x28 | (3ull << 32), 0);                           /* S12_VMALL */
	tlb_case(true, 0x30, 0);                                          /* NSNH_ALL */
	tlb_case(false, 0x12 | (3ull << 48), 0x40201000 | 1);             /* NH_VA leaf */
	tlb_case(false, 0x11 | (3ull << 48), 0);                          /* NH_ASID */
	tlb_case(false, 0x13, 0x40201000);                                /* NH_VAA */
	tlb_case(false, 0x10, 0);                                         /* NH_ALL */
}

Test(smmuv3_model, tlbi_scope)
{
	const uint64_t va = 0x40201000;
	struct smmu_raw r;
	uint64_t pa;

	one_page(&r, NULL, true, true, true, va, D_PAGE | D_AP1 | D_AP2 | D_SH | D_AF, &pa);
	cr_assert_eq(xl(&r, 1, va, RD).event, 0);
	cr_assert(xl(&r, 1, va, RD).tlb_hit);
	cr_assert_eq(smmu_raw_cmd(&r, 0x2a | (4ull << 32), va), 0, "another VMID");
	cr_assert_eq(smmu_raw_cmd(&r, 0x2a | (3ull << 32), va + 4096), 0, "another IPA");
	cr_assert_eq(smmu_raw_cmd(&r, 0x11 | (3ull << 48), 0), 0, "stage 1 only");
	smmu_raw_sync(&r);
	cr_assert(xl(&r, 1, va, RD).tlb_hit, "none of those removed it");
	smmu_raw_fini(&r);
}

/* ---- command queue ------------------------------------------------------ */

/* Fix command @idx in place (a CMD_SYNC) and acknowledge the error. */
static void fix_cmd(struct smmu_raw *r, unsigned int idx)
{
	smmu_raw_ptr(r, r->cmdq + 16 * idx)[0] = 0x46;
	smmu_wr(&r->e, 0x64, 4, smmu_rd(&r->e, 0x60, 4));
}

Test(smmuv3_model, command_errors)
{
	struct smmu_raw r;
	struct genpt_smmu_stats st;

	smmu_raw_init(&r, NULL, 4, 0, 4);
	cr_assert_eq(smmu_raw_cmd(&r, 0x7f, 0), 1, "CERROR_ILL");
	cr_assert_eq(smmu_rd(&r.e, 0x60, 4) & 1, 1, "GERROR.CMDQ_ERR");
	cr_assert_eq(smmu_rd(&r.e, 0x9c, 4) & 0xff, 0, "CONS on the bad command");
	cr_assert_eq(smmu_raw_cmd(&r, 0x46, 0), 1, "stopped until acknowledged");
	fix_cmd(&r, 0);
	cr_assert_eq(smmu_rd(&r.e, 0x9c, 4) & 0xfff, 2, "both ran");
	cr_assert_eq(smmu_raw_cmd(&r, 0x12 | (1ull << 12), 0), 1, "range TLBI without RIL");
	fix_cmd(&r, 2);
	cr_assert_eq(smmu_raw_cmd(&r, 0x46 | (3ull << 12), 0), 1, "CS = 3");
	fix_cmd(&r, 3);
	cr_assert_eq(smmu_raw_cmd(&r, 0x46 | (1ull << 12), 0xfff0000000ull), 2,
		     "an MSI address that is not backed: CERROR_ABT");
	fix_cmd(&r, 4);
	smmu_raw_sync(&r);
	cr_assert_eq(genpt_smmu_stats(r.e.smmu, &st), 0);
	cr_assert_geq(st.commands, 6);
	smmu_raw_fini(&r);
}

/* ---- stream tables and configurations ------------------------------------ */

Test(smmuv3_model, stream_tables)
{
	struct genpt_smmu_event ev;
	struct smmu_raw r;
	uint64_t root, pa, w[8] = { 0 };

	smmu_raw_init(&r, NULL, 12, 6, 4); /* 2-level, SPLIT 6 */
	root = page(&r);
	pa = page(&r);
	*slot(&r, root, 0x1000, 3) = pa | D_PAGE | D_AP1 | D_AP2 | D_SH | D_AF | D_DBM;
	s2_ste(&r, 0x345, root, 1, true, true);
	cr_assert_eq(xl(&r, 0x345, 0x1008, WR).event, 0);
	cr_assert_eq(xl(&r, 0x345, 0x1008, WR).pa, pa + 8);
	cr_assert_eq(xl(&r, 0x1345, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STREAMID,
		     "beyond STRTAB_BASE_CFG.LOG2SIZE");
	cr_assert_eq(xl(&r, 0x385, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STREAMID,
		     "no level-2 table");
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert_eq(ev.id, GENPT_SMMU_EVT_C_BAD_STREAMID);
	cr_assert_eq(ev.sid, 0x1345);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert_eq(ev.sid, 0x385);
	cr_assert_eq(xl(&r, 0x346, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STE, "V = 0");
	w[0] = 1; /* abort */
	smmu_raw_write_ste(&r, 0x346, w);
	cr_assert_eq(xl(&r, 0x346, 0, RD).event, GENPT_SMMU_EVT_ABORT);
	w[0] = 1 | (4 << 1); /* bypass */
	smmu_raw_write_ste(&r, 0x346, w);
	cr_assert_eq(xl(&r, 0x346, 0x12345678, WR).pa, 0x12345678);
	w[0] = 1 | (2 << 1); /* reserved Config */
	smmu_raw_write_ste(&r, 0x346, w);
	cr_assert_eq(xl(&r, 0x346, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STE);
	w[0] = 1 | (6 << 1); /* stage 2 with S2AA64 = 0 */
	smmu_raw_write_ste(&r, 0x346, w);
	cr_assert_eq(xl(&r, 0x346, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STE);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert_eq(ev.id, GENPT_SMMU_EVT_C_BAD_STE);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert(!smmu_raw_event(&r, &ev), "abort and bypass record nothing");
	/* SMMUEN off: GBPA.ABORT */
	smmu_wr(&r.e, 0x20, 4, 0xc);
	cr_assert_eq(xl(&r, 0x345, 0x1008, RD).event, GENPT_SMMU_EVT_ABORT);
	smmu_wr(&r.e, 0x44, 4, 0);
	cr_assert_eq(xl(&r, 0x345, 0x1008, RD).pa, 0x1008, "GBPA bypass");
	smmu_raw_fini(&r);
}

Test(smmuv3_model, bad_cd_and_substreams)
{
	struct genpt_smmu_req req = { .sid = 1, .iova = 0x1000, .access = RD };
	struct genpt_smmu_rsp rsp;
	struct smmu_raw r;
	uint64_t root, cd, *c;

	smmu_raw_init(&r, NULL, 4, 0, 4);
	root = page(&r);
	*slot(&r, root, 0x1000, 3) = page(&r) | D_PAGE | D_AP1 | D_SH | D_AF | D_NG;
	cd = s1_ste(&r, 1, root, 5, true, true, 0);
	cr_assert_eq(xl(&r, 1, 0x1000, RD).event, 0);
	req.ssv = true;
	cr_assert_eq(genpt_smmu_translate(r.e.smmu, &req, &rsp), 0);
	cr_assert_eq(rsp.event, GENPT_SMMU_EVT_C_BAD_SUBSTREAMID, "S1CDMAX = 0");
	req.ssid = 1u << 20;
	cr_assert_eq(genpt_smmu_translate(r.e.smmu, &req, &rsp), -EINVAL);
	c = smmu_raw_ptr(&r, cd);
	c[0] &= ~(1ull << 41); /* AA64 = 0 */
	cr_assert_eq(smmu_raw_cmd(&r, 0x05 | (1ull << 32), 1), 0); /* CFGI_CD */
	cr_assert_eq(xl(&r, 1, 0x1000, RD).event, GENPT_SMMU_EVT_C_BAD_CD);
	c[0] |= 1ull << 41;
	c[0] = (c[0] & ~0x3full) | 12; /* T0SZ 12 */
	cr_assert_eq(smmu_raw_cmd(&r, 0x06 | (1ull << 32), 0), 0); /* CFGI_CD_ALL */
	cr_assert_eq(xl(&r, 1, 0x1000, RD).event, GENPT_SMMU_EVT_C_BAD_CD);
	c[0] = (c[0] & ~0x3full) | 32 | (1ull << 14); /* EPD0 */
	cr_assert_eq(smmu_raw_cmd(&r, 0x04, 31), 0); /* CFGI_ALL */
	/* the translation cached before is still good until a TLBI */
	cr_assert(xl(&r, 1, 0x1000, RD).tlb_hit);
	cr_assert_eq(smmu_raw_cmd(&r, 0x11 | (5ull << 48), 0), 0); /* NH_ASID */
	cr_assert_eq(xl(&r, 1, 0x1000, RD).event, GENPT_SMMU_EVT_F_TRANSLATION);
	smmu_raw_fini(&r);
}

/* ---- nested ----------------------------------------------------------------- */

Test(smmuv3_model, nested)
{
	const uint64_t va = 0x40201000;
	struct genpt_smmu_event ev;
	struct genpt_smmu_rsp rsp;
	struct smmu_raw r;
	uint64_t s1root, s2root, pa, *s1leaf, *s2blk, blk;

	smmu_raw_init(&r, NULL, 4, 0, 4);
	s1root = page(&r);
	s2root = page(&r);
	pa = page(&r);
	/* stage 2: IPA [0, 1 GiB) -> PA [0, 1 GiB), one writable-clean block */
	s2blk = smmu_raw_ptr(&r, s2root);
	blk = D_BLOCK | D_AP1 | D_SH | D_AF | D_DBM;
	*s2blk = blk;
	/* stage 1: va -> IPA pa (= PA), writable-clean */
	s1leaf = slot(&r, s1root, va, 3);
	*s1leaf = pa | D_PAGE | D_AP1 | D_AP2 | D_SH | D_AF | D_NG | D_DBM;
	s1_ste(&r, 1, s1root, 2, true, true, s2root);
	rsp = xl(&r, 1, va + 0x40, WR);
	cr_assert_eq(rsp.event, 0);
	cr_assert_eq(rsp.pa, pa + 0x40);
	cr_assert_eq(*s1leaf & D_AP2, 0, "stage 1 dirty");
	cr_assert_eq(*s2blk, blk | D_AP2, "stage 2 dirty");
	/* Stage 2 loses its mapping: the stage-1 table fetch faults there. */
	*s2blk = 0;
	cr_assert_eq(smmu_raw_cmd(&r, 0x28 | (1ull << 32), 0), 0); /* S12_VMALL VMID 1 */
	smmu_raw_sync(&r);
	rsp = xl(&r, 1, va, RD);
	cr_assert_eq(rsp.event, GENPT_SMMU_EVT_F_TRANSLATION);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert(ev.s2, "a stage-2 fault");
	cr_assert_eq(ev.class_, 1, "on a stage-1 table fetch");
	cr_assert_eq(ev.ipa, s1root + 8 * ((va >> 30) & 511));
	cr_assert_eq(ev.addr, va);
	/* And the CD itself, once it is not cached. */
	cr_assert_eq(smmu_raw_cmd(&r, 0x03 | (1ull << 32), 0), 0);
	cr_assert_eq(xl(&r, 1, va, RD).event, GENPT_SMMU_EVT_F_TRANSLATION);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert_eq(ev.class_, 0, "on the CD fetch");
	smmu_raw_fini(&r);
}

/* ---- ATS, events, contiguous hint ----------------------------------------- */

Test(smmuv3_model, ats_write_request_marks_dirty)
{
	struct genpt_smmu_req req = { .sid = 1, .iova = 0x40201010, .access = WR,
				      .ats = true };
	struct genpt_smmu_rsp rsp;
	struct smmu_raw r;
	uint64_t pa, *leaf;

	leaf = one_page(&r, NULL, true, true, true, 0x40201000,
			D_PAGE | D_AP1 | D_SH | D_AF | D_DBM, &pa);
	cr_assert_eq(genpt_smmu_translate(r.e.smmu, &req, &rsp), 0);
	cr_assert_eq(rsp.pa, pa + 0x10);
	cr_assert_eq(*leaf & D_AP2, D_AP2,
		     "dirty before the answer: a harvest now sees the page");
	smmu_raw_fini(&r);
}

Test(smmuv3_model, event_queue_overflow)
{
	struct genpt_smmu_event ev;
	struct genpt_smmu_stats st;
	struct smmu_raw r;

	smmu_raw_init(&r, NULL, 4, 0, 1); /* 2 records */
	for (unsigned int i = 0; i < 3; i++)
		cr_assert_eq(xl(&r, 2, 0, RD).event, GENPT_SMMU_EVT_C_BAD_STE);
	cr_assert_eq(smmu_rd(&r.e, 0x100a8, 4) >> 31, 1, "PROD.OVFLG toggled");
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert(!smmu_raw_event(&r, &ev));
	cr_assert_eq(genpt_smmu_stats(r.e.smmu, &st), 0);
	cr_assert_eq(st.events, 2);
	cr_assert_eq(st.faults, 3);
	smmu_raw_fini(&r);
}

Test(smmuv3_model, contiguous_hint)
{
	struct smmu_raw r;
	uint64_t root, pa;

	smmu_raw_init(&r, NULL, 4, 0, 4);
	root = page(&r);
	cr_assert_eq(genpt_physmem_alloc(r.e.pm, 64 * SMMU_KiB, 64 * SMMU_KiB, &pa), 0);
	for (unsigned int i = 0; i < 16; i++)
		*slot(&r, root, 0x40200000 + i * 4096ull, 3) =
			(pa + i * 4096ull) | D_PAGE | D_AP1 | D_AP2 | D_SH | D_AF | D_CONT;
	s2_ste(&r, 1, root, 3, true, true);
	cr_assert_eq(xl(&r, 1, 0x40203008, RD).page_shift, 16, "one 64 KiB translation");
	cr_assert(xl(&r, 1, 0x4020f000, RD).tlb_hit, "another member from the TLB");
	cr_assert_eq(xl(&r, 1, 0x4020f000, RD).pa, pa + 0xf000);
	smmu_raw_fini(&r);
}

/*
 * Nested HTTU: the SMMU updating a stage-1 descriptor writes guest memory,
 * which is a stage-2 write: with S2HD the stage-2 leaf holding the guest's
 * table page becomes dirty (a migrating hypervisor copies it), while a
 * read of the data leaves the data's stage-2 leaf clean.
 */
Test(smmuv3_model, nested_stage1_update_dirties_stage2)
{
	const uint64_t va = 0x40201000;
	struct smmu_raw r;
	uint64_t s1root, s2root, l2, data, *s1leaf, blk;

	smmu_raw_init(&r, NULL, 4, 0, 4);
	s1root = page(&r);
	s2root = page(&r);
	l2 = page(&r);
	cr_assert_eq(genpt_physmem_alloc(r.e.pm, 2 * SMMU_MiB, 2 * SMMU_MiB, &data), 0);
	/* stage 2: 2 MiB blocks, identity over [0, 512 MiB), writable-clean */
	blk = D_BLOCK | D_AP1 | D_SH | D_AF | D_DBM;
	*smmu_raw_ptr(&r, s2root) = l2 | D_TABLE;
	for (uint64_t i = 0; i < 256; i++)
		smmu_raw_ptr(&r, l2)[i] = (i << 21) | blk;
	/* stage 1: AF clear, so HA writes the descriptor */
	s1leaf = slot(&r, s1root, va, 3);
	*s1leaf = data | D_PAGE | D_AP1 | D_AP2 | D_SH | D_NG | D_DBM;
	s1_ste(&r, 1, s1root, 2, true, true, s2root);
	cr_assert_eq(xl(&r, 1, va, RD).event, 0);
	cr_assert(*s1leaf & D_AF, "stage 1 AF set");
	cr_assert_eq(smmu_raw_ptr(&r, l2)[(uint64_t)(s1leaf - smmu_raw_ptr(&r, 0)) * 8 >> 21] & D_AP2,
		     D_AP2, "the guest's table page is dirty at stage 2");
	cr_assert_eq(smmu_raw_ptr(&r, l2)[data >> 21], data | blk, "the data, only read, is not");
	smmu_raw_fini(&r);
}

/* An output address at or above the stage's PS: F_ADDR_SIZE, with the IPA. */
Test(smmuv3_model, address_size_fault)
{
	const uint64_t va = 0x40201000;
	struct genpt_smmu_event ev;
	struct smmu_raw r;
	uint64_t root, w[8] = { 0 };

	smmu_raw_init(&r, NULL, 4, 0, 4);
	root = page(&r);
	*slot(&r, root, va, 3) = (1ull << 32) | D_PAGE | D_AP1 | D_SH | D_AF;
	w[0] = 1 | (6 << 1);
	/* VTCR: T0SZ 32, SL0 1, PS 0 (32 bits); S2AA64, S2R, VMID 1 */
	w[2] = 1 | ((32ull | (1ull << 6)) << 32) | (1ull << 51) | (1ull << 58);
	w[3] = root;
	smmu_raw_write_ste(&r, 1, w);
	cr_assert_eq(xl(&r, 1, va, RD).event, GENPT_SMMU_EVT_F_ADDR_SIZE);
	cr_assert(smmu_raw_event(&r, &ev));
	cr_assert_eq(ev.id, GENPT_SMMU_EVT_F_ADDR_SIZE);
	cr_assert(ev.s2);
	cr_assert_eq(ev.ipa, va);
	smmu_raw_fini(&r);
}
