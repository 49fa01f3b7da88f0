// SPDX-License-Identifier: MIT
/*
 * rawfmt.c - raw entry decoders written from the specifications (see
 * rawfmt.h).  Independent of lib/fmt on purpose: the tests compare the two.
 */
#include "rawfmt.h"

#include <errno.h>
#include <string.h>

#define BIT(n) (1ull << (n))

/* Bits hi..lo (inclusive) set. */
static uint64_t rf_bits(unsigned int hi, unsigned int lo)
{
	return (hi >= 63 ? ~0ull : BIT(hi + 1) - 1) & ~(BIT(lo) - 1);
}

static struct rawfmt_ent rf_bad(struct rawfmt_ent d, const char *why)
{
	d.kind = RAWFMT_BAD;
	d.why = why;
	return d;
}

/* BAD, and the manual says the walk faults on it (a reserved encoding). */
static struct rawfmt_ent rf_fault(struct rawfmt_ent d, const char *why)
{
	d = rf_bad(d, why);
	d.hw_fault = true;
	return d;
}

/*
 * Where a format's leaf keeps what a request may do and its A/D state:
 * a bit number, RF_ON (always), RF_AS_R (as readable: no separate
 * control) or RF_CLEAR(n) (set while bit n is clear, x86 XD).
 */
enum { RF_ON = 64, RF_AS_R = 65, RF_CLEAR0 = 128 };
#define RF_CLEAR(n) (RF_CLEAR0 + (n))

struct rf_perm {
	unsigned char r, w, x, user, accessed, dirty;
};

static bool rf_flag(uint64_t e, unsigned int at, bool r)
{
	if (at == RF_ON)
		return true;
	if (at == RF_AS_R)
		return r;
	if (at >= RF_CLEAR0)
		return !(e & BIT(at - RF_CLEAR0));
	return e & BIT(at);
}

/* Fill @d's rights and A/D state from leaf @e laid out as @p says. */
static void rf_perms(struct rawfmt_ent *d, uint64_t e, const struct rf_perm *p)
{
	d->r = rf_flag(e, p->r, false);
	d->w = rf_flag(e, p->w, d->r);
	d->x = rf_flag(e, p->x, d->r);
	d->user = rf_flag(e, p->user, d->r);
	d->accessed = rf_flag(e, p->accessed, d->r);
	d->dirty = rf_flag(e, p->dirty, d->r);
}

/* ------------------------------------------------------------ geometry -- */

static void rf_levels(struct rawfmt *rf, unsigned int gshift, unsigned int levels)
{
	unsigned int stride = gshift - 3;

	rf->gshift = gshift;
	rf->levels = levels;
	for (unsigned int l = 0; l < levels; l++) {
		rf->shift[l] = gshift + stride * l;
		rf->tbits[l] = stride;
	}
	/* the root resolves what is left above the full tables */
	if (rf->va_bits > rf->shift[levels - 1])
		rf->tbits[levels - 1] = rf->va_bits - rf->shift[levels - 1];
}

/* RISC-V privileged spec: Sv39/48/57 (3..5 levels of 512 entries), SvNNx4
 * adds two bits at the root (a 16 KiB, 2048-entry root). */
static int rf_init_riscv(struct rawfmt *rf, unsigned int va)
{
	unsigned int extra;

	rf->gstage = rf->features & GENPT_FEAT_RISCV_GSTAGE;
	rf->napot = rf->features & GENPT_FEAT_RISCV_SVNAPOT;
	rf->pbmt = rf->features & GENPT_FEAT_RISCV_SVPBMT;
	if (rf->features & ~(GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT |
			     GENPT_FEAT_RISCV_SVPBMT))
		return -EINVAL;
	extra = rf->gstage ? 2 : 0;
	if (!va)
		va = 57 + extra;
	if (va != 39 + extra && va != 48 + extra && va != 57 + extra)
		return -EINVAL;
	rf->va_bits = va;
	rf->oa_bits = rf->oa_bits ? rf->oa_bits : 56;
	rf->sign_extend = !rf->gstage;
	rf_levels(rf, 12, 3 + (va - extra - 39) / 9);
	for (unsigned int l = 0; l < rf->levels; l++)
		rf->can_leaf[l] = true;
	rf->has_dirty = true;
	rf->has_exec = true;
	return 0;
}

/* Arm ARM: the stage-2 start level (VTCR.SL0) for a granule and input
 * width, with up to 16 concatenated tables at the start level (4 more
 * bits); the fewest levels that can resolve @ia.  -1: none. */
static int rf_arm_s2_start(unsigned int gs, unsigned int ia)
{
	unsigned int stride = gs - 3;

	for (int start = 3; start >= 0; start--) {
		unsigned int resolved = gs + (unsigned int)(4 - start) * stride;

		/* no 4 KiB start at level 3 (FEAT_TTST), no level-0 start
		 * for the bigger granules (LPA2) */
		if ((gs == 12 && start == 3) || (gs != 12 && start == 0))
			continue;
		if (ia > resolved - stride && ia <= resolved + 4)
			return start;
	}
	return -1;
}

static int rf_init_arm(struct rawfmt *rf, unsigned int va, unsigned int gran)
{
	unsigned int gs = gran ? gran : 12, stride = gs - 3;
	int start;

	if (gs != 12 && gs != 14 && gs != 16)
		return -EINVAL;
	if (rf->features & ~(GENPT_FEAT_ARMV8_S2 | GENPT_FEAT_ARMV8_CONTIG | GENPT_FEAT_ARMV8_DBM))
		return -EINVAL;
	rf->s2 = rf->features & GENPT_FEAT_ARMV8_S2;
	rf->contig = rf->features & GENPT_FEAT_ARMV8_CONTIG;
	rf->dbm = rf->features & GENPT_FEAT_ARMV8_DBM;
	va = va ? va : 48;
	if (va < 25 || va > 48)
		return -EINVAL;
	start = rf->s2 ? rf_arm_s2_start(gs, va) : 3 - (int)((va - 1 - gs) / stride);
	if (start < 0)
		return -EINVAL;
	rf->va_bits = va;
	rf->oa_bits = rf->oa_bits ? rf->oa_bits : 48;
	rf->start_level = (unsigned int)start;
	rf_levels(rf, gs, 4 - (unsigned int)start);
	/* blocks: lookup levels 1 and 2 with 4K, level 2 with 16K / 64K
	 * (level 1 of those needs 52-bit addresses) */
	for (unsigned int l = 0; l < rf->levels; l++)
		rf->can_leaf[l] = l <= 1 || (l == 2 && gs == 12);
	rf->has_dirty = rf->dbm;
	rf->write_only = rf->s2;
	rf->has_exec = true;
	return 0;
}

/* x86-64 (4 / 5 levels, sign-extended), VT-d second stage (3..5 levels,
 * zero-extended), AMD v1 (Mode 1..6: 12 + 9 * Mode bits, capped at 64). */
static int rf_init_x86(struct rawfmt *rf, unsigned int va)
{
	unsigned int levels;

	if (rf->format == GENPT_FMT_X86_64) {
		va = va ? va : 57;
		if ((va != 48 && va != 57) || rf->features)
			return -EINVAL;
		rf->sign_extend = true;
		rf->has_exec = true;
		levels = va == 48 ? 4 : 5;
	} else if (rf->format == GENPT_FMT_VTDSS) {
		va = va ? va : 57;
		if ((va != 39 && va != 48 && va != 57) || (rf->features & ~GENPT_FEAT_VTDSS_SNP))
			return -EINVAL;
		rf->snp = rf->features & GENPT_FEAT_VTDSS_SNP;
		rf->write_only = true;
		levels = 3 + (va - 39) / 9;
	} else {
		va = va ? va : 64;
		if (va < 21 || (va != 64 && (va - 12) % 9) || va > 64 || rf->features)
			return -EINVAL;
		rf->write_only = true;
		levels = va == 64 ? 6 : (va - 12) / 9;
	}
	rf->va_bits = va;
	rf->oa_bits = rf->oa_bits ? rf->oa_bits : 52;
	rf->has_dirty = true;
	rf_levels(rf, 12, levels);
	for (unsigned int l = 0; l < levels; l++)
		rf->can_leaf[l] = l <= 2;
	if (rf->format == GENPT_FMT_AMDV1) {
		/* any level below the root may hold a page (NextLevel 0 or 7) */
		for (unsigned int l = 0; l < levels; l++)
			rf->can_leaf[l] = l + 1 < levels || levels == 1;
		if (levels == 6)
			rf->tbits[5] = 7;
	}
	return 0;
}

int rawfmt_init(struct rawfmt *rf, const struct genpt_config *cfg)
{
	if (!rf || !cfg)
		return -EINVAL;
	memset(rf, 0, sizeof(*rf));
	rf->format = cfg->format;
	rf->features = cfg->features;
	rf->oa_bits = cfg->oa_bits;
	if (cfg->format != GENPT_FMT_ARMV8 && cfg->granule_bits && cfg->granule_bits != 12)
		return -EINVAL;
	switch (cfg->format) {
	case GENPT_FMT_RISCV:
		return rf_init_riscv(rf, cfg->va_bits);
	case GENPT_FMT_ARMV8:
		return rf_init_arm(rf, cfg->va_bits, cfg->granule_bits);
	case GENPT_FMT_X86_64:
	case GENPT_FMT_VTDSS:
	case GENPT_FMT_AMDV1:
		return rf_init_x86(rf, cfg->va_bits);
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------- RISC-V -- */

/* Sv39/48/57 PTE: V 0, R 1, W 2, X 3, U 4, G 5, A 6, D 7, RSW 9:8,
 * PPN 53:10, reserved 60:54, PBMT 62:61, N 63. */
static struct rawfmt_ent rf_dec_riscv(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };
	uint64_t ppn = (e >> 10) & (BIT(44) - 1);

	if (!(e & BIT(0)))
		return d;
	if (e & rf_bits(60, 54))
		return rf_fault(d, "reserved bits 60:54");
	if (!(e & (BIT(1) | BIT(2) | BIT(3)))) {
		d.kind = RAWFMT_TABLE;
		d.oa = ppn << 12;
		if (lvl == 0)
			return rf_fault(d, "pointer at level 0");
		if (e & (BIT(63) | rf_bits(62, 61)))
			return rf_fault(d, "N or PBMT in a pointer");
		if (e & (BIT(4) | BIT(6) | BIT(7)))
			return rf_fault(d, "A/D/U in a pointer (reserved)");
		return d;
	}
	d.kind = RAWFMT_LEAF;
	rf_perms(&d, e, &(const struct rf_perm){ 1, 2, 3, 4, 6, 7 });
	d.pbmt = (unsigned int)(e >> 61) & 3;
	d.page_shift = rf->shift[lvl];
	d.oa = ppn << 12;
	if (e & BIT(63)) {
		/* Svnapot: only 64 KiB (ppn[3:0] = 1000) at level 0 */
		d.run_log2 = 4;
		d.replicated = true;
		d.page_shift += 4;
		d.oa = (ppn & ~15ull) << 12;
		if (lvl || (ppn & 15) != 8)
			return rf_fault(d, "bad NAPOT encoding");
		if (!rf->napot)
			return rf_fault(d, "N without Svnapot");
	} else if (d.oa & (BIT(d.page_shift) - 1)) {
		return rf_fault(d, "misaligned superpage");
	}
	if (d.w && !d.r)
		return rf_fault(d, "W without R (reserved)");
	if (!d.accessed || !d.r)
		return rf_bad(d, "leaf without A or R");
	if (!d.user)
		return rf_fault(d, "leaf without U (device requests are user-mode)");
	if (d.pbmt == 3)
		return rf_fault(d, "PBMT 3 is reserved");
	if (!rf->pbmt && d.pbmt)
		return rf_fault(d, "PBMT without Svpbmt");
	return d;
}

/* -------------------------------------------------------------- ARMv8 -- */

/* Entries in a contiguous run (Arm ARM, the Contiguous bit). */
static unsigned int rf_arm_run(const struct rawfmt *rf, unsigned int lvl)
{
	return rf->gshift == 12 ? 4 : (rf->gshift == 14 && lvl == 0) ? 7 : 5;
}

static uint64_t rf_arm_addr(const struct rawfmt *rf, uint64_t e, unsigned int lo)
{
	uint64_t a = e & rf_bits(47, lo);

	/* 16 KiB granule: bits 13:12 are RES0 address bits below the
	 * granule; kept, so a set one reads as a misaligned address */
	if (rf->gshift == 14)
		a |= e & rf_bits(13, 12);

	/* 64 KiB granule: bits 15:12 hold OA[51:48] (FEAT_LPA); 4K and 16K:
	 * bits 49:48 hold OA[49:48] (FEAT_LPA2) */
	if (rf->gshift == 16)
		a |= ((e >> 12) & 15) << 48;
	/* (RES0 with the 64 KiB granule: read as address bits, out of range) */
	a |= e & rf_bits(49, 48);
	return a;
}

/* Stage 1: AP[2:1] 7:6 (AP[1] = EL0 access, AP[2] = read-only), DBM 51,
 * PXN 53, UXN 54, nG 11, AttrIndx 4:2. */
static struct rawfmt_ent rf_arm_s1(const struct rawfmt *rf, struct rawfmt_ent d, uint64_t e)
{
	bool ap2 = e & BIT(7), dbm = e & BIT(51);

	d.r = true;
	d.user = e & BIT(6);
	d.w = !ap2 || dbm;
	d.dirty = dbm && !ap2;
	d.writable_clean = dbm && ap2;
	d.x = !(e & BIT(54));
	d.attr = (unsigned int)(e >> 2) & 7;
	if (!d.user || !(e & BIT(11)))
		return rf_bad(d, "stage 1 leaf without AP[1] or nG");
	if (!!(e & BIT(53)) != !!(e & BIT(54)))
		return rf_bad(d, "PXN and UXN differ");
	if (!rf->dbm && dbm)
		return rf_bad(d, "DBM without the feature");
	return d;
}

/* Stage 2: S2AP 7:6 (6 read, 7 write), DBM 51, XN[1:0] 54:53, MemAttr 5:2. */
static struct rawfmt_ent rf_arm_s2(const struct rawfmt *rf, struct rawfmt_ent d, uint64_t e)
{
	bool s2w = e & BIT(7), dbm = e & BIT(51);
	unsigned int xn = (unsigned int)(e >> 53) & 3;

	d.r = e & BIT(6);
	d.user = true;
	d.w = s2w || dbm;
	d.dirty = dbm && s2w;
	d.writable_clean = dbm && !s2w;
	d.x = xn == 0;
	d.attr = (unsigned int)(e >> 2) & 15;
	if (xn != 0 && xn != 2)
		return rf_bad(d, "XN[1:0] not 00 or 10");
	if (!rf->dbm && dbm)
		return rf_bad(d, "DBM without the feature");
	return d;
}

static struct rawfmt_ent rf_dec_arm(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };

	if (!(e & BIT(0)))
		return d;
	if ((e & BIT(1)) && lvl) {
		d.kind = RAWFMT_TABLE;
		d.oa = rf_arm_addr(rf, e, rf->gshift);
		if (d.oa >> rf->oa_bits)
			return rf_fault(d, "next table beyond the output size");
		if (d.oa & (BIT(rf->gshift) - 1))
			return rf_fault(d, "next table address below the granule");
		if (e & ~(rf_bits(47, rf->gshift) | 3))
			return rf_bad(d, "table descriptor with attribute bits");
		return d;
	}
	if (!(e & BIT(1)) && (!lvl || !rf->can_leaf[lvl]))
		return rf_fault(d, "block where the granule has none");
	d.kind = RAWFMT_LEAF;
	d.oa = rf_arm_addr(rf, e, rf->gshift);
	d.page_shift = rf->shift[lvl];
	d.accessed = e & BIT(10);
	if (e & BIT(52)) {
		d.run_log2 = rf_arm_run(rf, lvl);
		d.page_shift += d.run_log2;
	}
	d = rf->s2 ? rf_arm_s2(rf, d, e) : rf_arm_s1(rf, d, e);
	if (d.kind == RAWFMT_BAD)
		return d;
	if (d.oa >> rf->oa_bits)
		return rf_fault(d, "output address beyond the output size");
	if (d.oa & (BIT(rf->shift[lvl]) - 1))
		return rf_fault(d, "output address bits below the block size");
	if (!d.accessed)
		return rf_bad(d, "AF clear");
	if ((e & (3ull << 8)) != (3ull << 8))
		return rf_bad(d, "SH not inner shareable");
	if (d.run_log2 && !rf->contig)
		return rf_bad(d, "Contiguous without the feature");
	return d;
}

/* ------------------------------------------------------------- x86-64 -- */

/* The frame x86-64 and VT-d second-stage entries share: address 51:12, PS
 * (bit 7) makes a leaf above level 0, and leaves stop at level 2 (1 GiB;
 * PS higher up is @ps_high, a fault).  Returns a TABLE or a LEAF of the
 * level's size (or that fault); each format then checks its own bits. */
static struct rawfmt_ent rf_x86_frame(const struct rawfmt *rf, unsigned int lvl, uint64_t e,
				      const char *ps_high)
{
	struct rawfmt_ent d = { .kind = RAWFMT_TABLE, .oa = e & rf_bits(51, 12) };

	if (lvl && !(e & BIT(7)))
		return d;
	if (lvl > 2)
		return rf_fault(d, ps_high);
	d.kind = RAWFMT_LEAF;
	d.page_shift = rf->shift[lvl];
	return d;
}

/* P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS 7 (PAT at level 0), G 8,
 * address 51:12 (PAT at bit 12 of a large page), XD 63. */
static struct rawfmt_ent rf_dec_x86(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };

	if (!(e & BIT(0)))
		return d;
	d = rf_x86_frame(rf, lvl, e, "PS above the PDPTE");
	if (d.kind == RAWFMT_TABLE && ((e & 7) != 7 || (e & BIT(63)) || (e & 0x58)))
		return rf_bad(d, "table pointer is not P|RW|U/S");
	if (d.kind != RAWFMT_LEAF)
		return d;
	rf_perms(&d, e, &(const struct rf_perm){ RF_ON, 1, RF_CLEAR(63), 2, 5, 6 });
	d.attr = (unsigned int)(e >> 3) & 3;
	/* a large page: bit 12 is PAT, the bits up to its size reserved */
	if (d.oa & (BIT(d.page_shift) - 1) & ~(lvl ? BIT(12) : 0))
		return rf_fault(d, "reserved bits below the page size");
	if (d.oa & (BIT(d.page_shift) - 1))
		return rf_bad(d, "PAT in a large page");
	if (!d.user || !d.accessed)
		return rf_bad(d, "leaf without U/S or A");
	return d;
}

/* --------------------------------------------------- VT-d second stage -- */

/* R 0, W 1, X 2, EMT 5:3, IPAT 6, PS 7, A 8, D 9, SNP 11, address 51:12. */
static struct rawfmt_ent rf_dec_vtd(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };

	if (!(e & 3))
		return e ? rf_bad(d, "non-zero entry without R and W") : d;
	d = rf_x86_frame(rf, lvl, e, "PS in an SS-PML4E/PML5E");
	/* the hardware walk sets A (bit 8) in the pointers it used */
	if (d.kind == RAWFMT_TABLE && (e & ~d.oa & ~BIT(8)) != 3)
		return rf_bad(d, "table pointer is not R|W (A allowed)");
	if (d.kind != RAWFMT_LEAF)
		return d;
	rf_perms(&d, e, &(const struct rf_perm){ 0, 1, RF_AS_R, RF_ON, 8, 9 });
	d.snp = e & BIT(11);
	d.attr = (unsigned int)(e >> 3) & 7;
	if (d.oa & (BIT(d.page_shift) - 1))
		return rf_fault(d, "address bits below the page size");
	if (!d.accessed || (e & 0x7c))
		return rf_bad(d, "leaf without A, or with X/EMT/IPAT");
	if (d.snp && !rf->snp)
		return rf_fault(d, "SNP without snoop control");
	return d;
}

/* -------------------------------------------------------------- AMD v1 -- */

/* NextLevel 7: the page size is in the address field: n ones from bit 12
 * up, then a zero, give 2^(13 + n) bytes; every entry the page spans
 * repeats it. */
static struct rawfmt_ent rf_amd_sized(const struct rawfmt *rf, unsigned int lvl,
				      struct rawfmt_ent d)
{
	uint64_t a = d.oa;
	unsigned int s = 13 + (unsigned int)__builtin_ctzll(~(a >> 12));

	/* below the next level's default size (that is a PDE with NextLevel 0) */
	if (s <= rf->shift[lvl] || s - rf->shift[lvl] >= 9)
		return rf_fault(d, "size code out of the level's range");
	if (s > 52)
		return rf_bad(d, "page larger than the output space");
	d.run_log2 = s - rf->shift[lvl];
	d.page_shift = s;
	d.replicated = true;
	d.oa = a & ~(BIT(s) - 1);
	if (s - 1 - 12 != (unsigned int)__builtin_popcountll(a & rf_bits(s - 1, 12)))
		return rf_bad(d, "size code not a run of ones");
	return d;
}

/* PR 0, A 5, D 6, NextLevel 11:9, address 51:12, reserved 58:52, IR 61,
 * IW 62. */
static struct rawfmt_ent rf_dec_amd(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };
	unsigned int nl = (unsigned int)(e >> 9) & 7;

	if (!(e & BIT(0)))
		return d;
	if (e & rf_bits(58, 52))
		return rf_fault(d, "bits 58:52 set");
	d.oa = e & rf_bits(51, 12);
	if (nl != 0 && nl != 7) {
		d.kind = RAWFMT_TABLE;
		if (nl > lvl)
			return rf_fault(d, "pointer: NextLevel not below the table's level");
		if (nl != lvl || (e & ~(d.oa | (7ull << 9))) != (1 | (3ull << 61)))
			return rf_bad(d, "pointer: NextLevel skips, or not PR|IR|IW");
		return d;
	}
	d.kind = RAWFMT_LEAF;
	d.page_shift = rf->shift[lvl];
	rf_perms(&d, e, &(const struct rf_perm){ 61, 62, RF_AS_R, RF_ON, 5, 6 });
	if (nl == 7) {
		d = rf_amd_sized(rf, lvl, d);
		if (d.kind == RAWFMT_BAD)
			return d;
	} else if (d.oa & (BIT(d.page_shift) - 1)) {
		return rf_bad(d, "address bits below the page size");
	}
	if (!d.accessed)
		return rf_bad(d, "leaf without A");
	return d;
}

/* ---------------------------------------------------------------- API -- */

struct rawfmt_ent rawfmt_decode(const struct rawfmt *rf, unsigned int lvl, uint64_t e)
{
	struct rawfmt_ent d = { .kind = RAWFMT_EMPTY };

	if (lvl >= rf->levels)
		return rf_bad(d, "level beyond the table");
	switch (rf->format) {
	case GENPT_FMT_RISCV:
		return rf_dec_riscv(rf, lvl, e);
	case GENPT_FMT_ARMV8:
		return rf_dec_arm(rf, lvl, e);
	case GENPT_FMT_X86_64:
		return rf_dec_x86(rf, lvl, e);
	case GENPT_FMT_VTDSS:
		return rf_dec_vtd(rf, lvl, e);
	case GENPT_FMT_AMDV1:
		return rf_dec_amd(rf, lvl, e);
	default:
		return rf_bad(d, "unknown format");
	}
}

void rawfmt_want_prot(const struct rawfmt *rf, unsigned int prot, struct rawfmt_ent *want)
{
	want->r = rf->write_only ? (prot & GENPT_READ) != 0 : true;
	want->w = (prot & GENPT_WRITE) != 0;
	want->x = rf->has_exec ? !(prot & GENPT_NOEXEC) : want->r;
	/* Svpbmt: IO for MMIO, PMA for cacheable, NC otherwise */
	want->pbmt = !rf->pbmt ? 0 : (prot & GENPT_MMIO) ? 2 : (prot & GENPT_CACHE) ? 0 : 1;
}

uint64_t rawfmt_dirty_bits(const struct rawfmt *rf)
{
	switch (rf->format) {
	case GENPT_FMT_RISCV:
		return BIT(7);
	case GENPT_FMT_ARMV8:
		return BIT(7); /* AP[2] / S2AP[1] under DBM */
	case GENPT_FMT_VTDSS:
		return BIT(9);
	default:
		return BIT(6);
	}
}

uint64_t rawfmt_hw_bits(const struct rawfmt *rf)
{
	switch (rf->format) {
	case GENPT_FMT_RISCV:
		return BIT(6) | BIT(7);
	case GENPT_FMT_ARMV8:
		return BIT(10) | (rf->dbm ? BIT(7) : 0);
	case GENPT_FMT_VTDSS:
		return BIT(8) | BIT(9);
	default:
		return BIT(5) | BIT(6);
	}
}

uint64_t rawfmt_accessed_bit(const struct rawfmt *rf)
{
	return rawfmt_hw_bits(rf) & ~rawfmt_dirty_bits(rf);
}

/* RISC-V keeps the PPN at 53:10 (pa >> 12); the others the address itself
 * (ARM next-level table address [47:12] of a granule-aligned table; x86,
 * VT-d, AMD bits 51:12). */
uint64_t rawfmt_with_table_addr(const struct rawfmt *rf, unsigned int lvl, uint64_t e,
				uint64_t pa)
{
	uint64_t m;

	(void)lvl;
	switch (rf->format) {
	case GENPT_FMT_RISCV:
		m = rf_bits(53, 10);
		return (e & ~m) | (((pa >> 12) << 10) & m);
	case GENPT_FMT_ARMV8:
		m = rf_bits(47, rf->gshift);
		return (e & ~m) | (pa & m);
	default:
		m = rf_bits(51, 12);
		return (e & ~m) | (pa & m);
	}
}
