/* SPDX-License-Identifier: MIT */
/*
 * rawfmt.h - one raw decoder per table format, for the tests and the fuzz
 * targets together.
 *
 * A test oracle: written from the specifications (RISC-V privileged spec
 * Sv39/48/57 and SvNNx4 with Svnapot and Svpbmt; Arm ARM VMSAv8-64 stage 1
 * and 2 with 4K/16K/64K granules; Intel SDM 4-/5-level paging; Intel VT-d
 * second-stage tables; AMD IOMMU v1 host tables) and the public contract
 * (include/genpt/table.h, docs/), never from lib/fmt, which it must not
 * include.  Plain C (no Criterion), so the fuzz targets compile it too.
 *
 * Levels count from the leaf end: level 0 holds the smallest pages, level
 * rawfmt.levels - 1 is the root.  Usage:
 *
 *	struct rawfmt rf;
 *	if (rawfmt_init(&rf, &cfg)) ...;          (the config genpt_create took)
 *	struct rawfmt_ent d = rawfmt_decode(&rf, lvl, entry);
 *	if (d.kind == RAWFMT_BAD) ...d.why...
 *
 * The decoder is strict: besides what hardware rejects it flags (kind
 * RAWFMT_BAD, @why) every encoding genpt promises never to write (docs/
 * riscv.md, armv8.md, x86.md, formats.md): a leaf without the accessed
 * flag, a RISC-V leaf without U or R, an ARM leaf not inner shareable or
 * stage-1 global, PBMT / DBM / SNP without the feature, attribute bits in
 * a table pointer, an AMD pointer whose NextLevel skips a level.  Bits
 * hardware sets itself (A on VT-d pointers, A and D on leaves) are
 * accepted.
 */
#ifndef GENPT_TEST_RAWFMT_H
#define GENPT_TEST_RAWFMT_H

#include <stdbool.h>
#include <stdint.h>

#include "genpt/genpt.h"

#define RAWFMT_MAX_LEVELS 6

/* What a config is, in the terms of the format's documents. */
struct rawfmt {
	enum genpt_format format;
	uint64_t features;
	unsigned int levels;                    /* levels walked */
	unsigned int gshift;                    /* granule, log2 bytes */
	unsigned int va_bits;                   /* effective input width (64 allowed) */
	unsigned int oa_bits;                   /* effective output width */
	bool sign_extend;                       /* two halves (RISC-V stage 1, x86-64) */
	unsigned int shift[RAWFMT_MAX_LEVELS];  /* log2 bytes one entry maps */
	unsigned int tbits[RAWFMT_MAX_LEVELS];  /* index bits of a table (root: its own) */
	bool can_leaf[RAWFMT_MAX_LEVELS];       /* the format has a page / block there */
	unsigned int start_level;               /* ARM: the walk's start level */
	/* options, from the features */
	bool gstage, napot, pbmt;               /* RISC-V */
	bool s2, contig, dbm;                   /* ARMv8 */
	bool snp;                               /* VT-d */
	/* what the format can express (docs/formats.md) */
	bool has_dirty;    /* leaves carry dirty state read_and_clear_dirty reads */
	bool write_only;   /* a leaf may be writable and not readable */
	bool has_exec;     /* an execute permission of its own */
};

enum rawfmt_kind {
	RAWFMT_EMPTY, /* not valid / not present: hardware faults */
	RAWFMT_TABLE, /* points at the next level's table */
	RAWFMT_LEAF,  /* a page or block (or a member of a run) */
	RAWFMT_BAD,   /* hardware rejects it, or genpt never writes it (@why) */
};

/* One decoded entry. */
struct rawfmt_ent {
	enum rawfmt_kind kind;
	/* TABLE: the next table's physical address.  LEAF: the output
	 * address of this entry; for a replicated run (@replicated) every
	 * member holds the run's start, so that is what @oa is. */
	uint64_t oa;
	unsigned int page_shift; /* LEAF: log2 bytes of the page or whole run */
	unsigned int run_log2;   /* LEAF: entries in its run (0: plain leaf) */
	bool replicated;         /* members repeat the run's start (RISC-V NAPOT, AMD) */
	bool r, w, x;            /* LEAF: what a device request may do */
	bool user;               /* LEAF: user-mode access (RISC-V U, x86 U/S, ARM AP[1]) */
	bool accessed;           /* LEAF: the accessed flag (A / AF) */
	bool dirty;              /* LEAF: written since cleaned (D, or DBM writable) */
	bool writable_clean;     /* LEAF: ARM DBM: writable, not yet written */
	unsigned int pbmt;       /* LEAF: RISC-V PBMT (0 PMA, 1 NC, 2 IO) */
	unsigned int attr;       /* LEAF: ARM AttrIndx (s1) / MemAttr (s2); VT-d EMT */
	bool snp;                /* LEAF: VT-d SNP */
	const char *why;         /* BAD: the first rule it breaks */
	bool hw_fault;           /* BAD: and the manual makes the walk fault on
				  * it (a reserved encoding), rather than
				  * only genpt never writing it */
};

/*
 * Fill @rf for @cfg as genpt_create() documents it (va_bits / oa_bits 0 =
 * the format's widest).  -EINVAL for a config genpt_create() refuses
 * because of its format, widths, granule or features; @mem is not looked at.
 */
int rawfmt_init(struct rawfmt *rf, const struct genpt_config *cfg);

/* Decode entry @e of a level-@lvl table of @rf (any 64-bit value). */
struct rawfmt_ent rawfmt_decode(const struct rawfmt *rf, unsigned int lvl, uint64_t e);

/*
 * The R/W/X (and RISC-V PBMT) genpt must write for a leaf mapped with
 * @prot (GENPT_READ | GENPT_WRITE | GENPT_NOEXEC | GENPT_MMIO |
 * GENPT_CACHE): in @want's r, w, x and pbmt.
 */
void rawfmt_want_prot(const struct rawfmt *rf, unsigned int prot, struct rawfmt_ent *want);

/* Bits of a leaf that hardware may change after genpt wrote it (A, D;
 * ARM: AF, and AP[2] / S2AP[1] under DBM).  Members of a replicated run
 * may differ only in the dirty bit: rawfmt_dirty_bits(). */
uint64_t rawfmt_hw_bits(const struct rawfmt *rf);
uint64_t rawfmt_dirty_bits(const struct rawfmt *rf);

/* The accessed flag of a leaf (RISC-V A, ARM AF, x86 / VT-d / AMD A):
 * what a walker without hardware A/D update faults on when clear. */
uint64_t rawfmt_accessed_bit(const struct rawfmt *rf);

/*
 * Table pointer @e of a level-@lvl table with its next-table address
 * replaced by @pa (aligned to the granule; below 2^48 for ARM, whose
 * 52-bit forms keep PA[51:48] elsewhere).  Tests point a walk at memory
 * no provider backs with it.
 */
uint64_t rawfmt_with_table_addr(const struct rawfmt *rf, unsigned int lvl, uint64_t e,
				uint64_t pa);

#endif /* GENPT_TEST_RAWFMT_H */
