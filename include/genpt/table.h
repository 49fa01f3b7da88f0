/* SPDX-License-Identifier: MIT */
/*
 * genpt/table.h - IO page tables: create, map, unmap, translate, harvest the
 * dirty bits hardware sets, and tell hardware how to find the table.
 *
 * Conventions for every function here:
 *  - 0 (or a documented non-negative value) on success, a negative errno on
 *    failure, and on failure nothing changed: not the translations, not the
 *    bitmap, not the output arguments.  The exceptions are a map that
 *    failed after writing part of its range: the undo removed leaves that
 *    hardware may already have cached, so their range and any table pages
 *    it unlinked go to the gather like any unmap's; and empty table pages a
 *    failed map added, which may stay (see genpt_map()).
 *  - Bad input never crashes: NULL pointers give -EINVAL.
 *  - When several things are wrong, the error classes win in this order,
 *    and every function lists its errors in it: -EINVAL (the arguments'
 *    shape: NULL pointers, zero length, misalignment, bad prot, flags or
 *    page shift, a malformed bitmap or one the query does not lie
 *    inside), then -EOVERFLOW (a range wraps past 2^64), then -ERANGE
 *    (outside the table's address spaces), then -EOPNOTSUPP (the table
 *    cannot do this at all, e.g. no dirty state), then -EBUSY (a driver
 *    helper owns the state), then the table's contents (-EEXIST, -ENOENT,
 *    -EACCES, and unmap's -EINVAL for a leaf straddling the range).
 *    -ENOMEM comes only after all of these were checked.
 *  - Threads (the same words are in the guide and the API page):
 *    - map, unmap, unmap_read_dirty, read_and_clear_dirty (with or without
 *      GENPT_DIRTY_NO_CLEAR), clear_dirty, split, merge and gather_release may
 *      run concurrently from any number of threads on disjoint ranges of one
 *      table; the caller keeps calls on overlapping ranges apart (a range
 *      lock), as with the Linux IOMMU API.  A gather_release acts on the
 *      gather's range; a gather belongs to one thread at a time.
 *    - Two ranges are disjoint when no address and no leaf or contiguous run is
 *      in both: a leaf straddling the edge between two ranges belongs to both.
 *    - A table page is unlinked only by a call whose range covers its whole
 *      span, and two threads that need the same missing table install one (the
 *      other's page goes back to the provider), so neighbours sharing a table
 *      page are safe.  The price: an unmap may leave emptied table pages behind
 *      (bounded, see genpt_unmap()) until genpt_reclaim() frees them.
 *    - genpt_iova_to_phys(), genpt_leaf_lookup(), genpt_table_bytes() and
 *      hardware accesses (genpt_hw_access and the IOMMU models) may run at any
 *      time, and the statistics are exact at any time: every entry edit is a
 *      single atomic store or compare-and-swap, and the dirty state changes by
 *      a plain store only where hardware has nothing left to change in the
 *      entry.
 *    - A lookup of a range being unmapped or merged sees the old or the new
 *      translation and may be reading a table page the edit unlinked: the page
 *      stays readable until genpt_gather_release(), so release a gather only
 *      when no lookup of its range can still be running (hardware: the
 *      invalidation completed).
 *    - genpt_create(), genpt_destroy(), genpt_reclaim(),
 *      genpt_set_dirty_tracking() and genpt_set_dirty_tracking_split() need the
 *      table to themselves.
 *    - The memory provider is called from whichever thread edits: a provider
 *      shared by threads must be thread safe.  Different tables are
 *      independent.
 */
#ifndef GENPT_TABLE_H
#define GENPT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genpt/export.h"
#include "genpt/mem.h"

#ifdef __cplusplus
extern "C" {
#endif

/** enum genpt_format - the page-table formats genpt builds. */
enum genpt_format {
	GENPT_FMT_RISCV = 1,  /* RISC-V Sv39/48/57, or Sv39x4/48x4/57x4 with GENPT_FEAT_RISCV_GSTAGE */
	GENPT_FMT_ARMV8 = 2,  /* ARM VMSAv8-64 long descriptors (SMMUv3) */
	GENPT_FMT_X86_64 = 3, /* x86-64 4/5 level (VT-d first stage, AMD v2) */
	GENPT_FMT_VTDSS = 4,  /* Intel VT-d second stage */
	GENPT_FMT_AMDV1 = 5,  /* AMD IOMMU v1 host tables */
};

/*
 * Feature bits for genpt_config.features.  A format-specific bit that does
 * not belong to the configured format makes genpt_create() fail with
 * -EINVAL.
 */
#define GENPT_FEAT_RISCV_GSTAGE (1ull << 0)  /* second stage (iohgatp): SvNNx4 */
#define GENPT_FEAT_RISCV_SVNAPOT (1ull << 1) /* 64 KiB NAPOT leaves (16 x 4K) */
#define GENPT_FEAT_RISCV_SVPBMT (1ull << 2)  /* PBMT bits for MMIO / non-cacheable */
#define GENPT_FEAT_ARMV8_S2 (1ull << 8)      /* stage 2 */
#define GENPT_FEAT_ARMV8_CONTIG (1ull << 9)  /* contiguous hint runs */
#define GENPT_FEAT_ARMV8_DBM (1ull << 10)    /* HTTU dirty state via DBM */
/* x86 formats: bits 16..31.  GENPT_FMT_X86_64 and GENPT_FMT_AMDV1 take none. */
#define GENPT_FEAT_VTDSS_SNP (1ull << 16)    /* VT-d snoop control (ECAP.SC): GENPT_CACHE leaves get SNP */
/*
 * Every format: bits 48..63.  A format that cannot do one makes
 * genpt_create() fail with -EOPNOTSUPP (after the -EINVAL checks).
 *
 * GENPT_FEAT_TABLE_ACCESSED: hardware sets an accessed flag in the table
 * entries it walks through (x86-64 paging-structure A; VT-d second stage A
 * with SSADE; AMD v1 PDE A with host A/D update, DTE HAD), and the harvest
 * uses it to skip every subtree no device walked into since the harvest
 * before.  A genpt_read_and_clear_dirty() that cleans and covers a table
 * entry's whole span clears the flag of an entry hardware set, and adds the
 * entry's whole span to the gather: the paging-structure caches must forget
 * the entry (VT-d page-selective invalidation without IH, AMD
 * INVALIDATE_IOMMU_PAGES with PDE = 1), or a device keeps writing below it
 * through the cached entry without setting the flag again.  The next such
 * harvest scans the subtree once more (to catch what a cached entry let
 * through before the invalidation completed) and then marks it seen in a
 * bit hardware ignores; from then on the subtree is skipped until
 * hardware sets the flag again.  The condition: the gather of a harvest is
 * invalidated, paging-structure caches included, before the next harvest
 * of its range, and after switching tracking on (as for the leaves).  The
 * cost: every harvest's gather spans each table a device used (often the
 * whole range), walks after it refill the paging-structure caches, and
 * hardware writes the flag again on the first walk.  Only while tracking
 * is on; X86-64, VT-d second stage, AMD v1.
 */
#define GENPT_FEAT_TABLE_ACCESSED (1ull << 48)

/* prot bits for genpt_map(). READ or WRITE is required. */
#define GENPT_READ (1u << 0)
#define GENPT_WRITE (1u << 1)
#define GENPT_NOEXEC (1u << 2) /* no instruction fetch */
#define GENPT_MMIO (1u << 3)   /* device memory */
#define GENPT_CACHE (1u << 4)  /* cacheable, coherent with CPU caches */

/* access kinds for genpt_hw_access() and the IOMMU models. */
#define GENPT_ACCESS_READ 1u
#define GENPT_ACCESS_WRITE 2u
#define GENPT_ACCESS_EXEC 3u

/* flags for genpt_read_and_clear_dirty(). */
#define GENPT_DIRTY_NO_CLEAR (1u << 0) /* report, leave the dirty state as is */

/**
 * struct genpt_config - what genpt_create() builds.
 *
 * @format:       enum genpt_format.
 * @va_bits:      input address width; one the format has (RISC-V: 39, 48, 57;
 *                with GENPT_FEAT_RISCV_GSTAGE 41, 50, 59; x86-64: 48, 57,
 *                sign-extended; VT-d second stage: 39, 48, 57; AMD v1: 21,
 *                30, 39, 48, 57, 64 for DTE Mode 1..6, i.e. 12 + 9 * Mode
 *                capped at 64, zero-extended).  0 picks the format's widest
 *                (x86-64 57, VT-d 57, AMD v1 64 = Mode 6).
 * @oa_bits:      output address width; 0 = the format's maximum (RISC-V 56).
 * @granule_bits: translation granule, log2 (ARMv8 12, 14, 16; other formats
 *                0 or 12).
 * @features:     GENPT_FEAT_* bits.
 * @mem, @mem_ctx: table memory provider; NULL = genpt_host_mem_ops.
 */
struct genpt_config {
	enum genpt_format format;
	unsigned int va_bits;
	unsigned int oa_bits;
	unsigned int granule_bits;
	uint64_t features;
	const struct genpt_mem_ops *mem;
	void *mem_ctx;
};

/**
 * struct genpt_gather - what an edit leaves for the caller to finish.
 *
 * @start, @last: inclusive IOVA range whose IOTLB entries must be
 *                invalidated before table pages freed by the edit may be
 *                reused, and before a cleaned dirty bit can be trusted to be
 *                set again by hardware.  Empty when start > last.
 * @freed:        table pages the edit unlinked; genpt_gather_release() gives
 *                them back to the provider.  Opaque.  Until release every
 *                unlinked table reads exactly as it did when it was
 *                unlinked, so a walk that loaded the old pointer (or a walk
 *                cache holding it) still translates through it: a table
 *                that became empty reads "not present", and a table merge
 *                replaced by one leaf keeps every translation.  The gather
 *                notes the latter on pages of its own, taken from the
 *                provider before the merge changes anything (about 24
 *                bytes per retired table).
 */
struct genpt_gather {
	uint64_t start;
	uint64_t last;
	void *freed;
};

/**
 * struct genpt_dirty_bitmap - where read_and_clear_dirty records dirty pages
 * (the iommufd convention).
 *
 * @bits:       the bitmap words, (@length >> @page_shift) bits rounded up
 *              to whole words; owned by the caller.
 * @iova:       first address covered.
 * @length:     bytes covered.
 * @page_shift: log2 of the bytes one bit covers.
 *
 * Bit i covers [@iova + (i << @page_shift), +1 << @page_shift); it lives in
 * word i / 64 of @bits at bit i % 64 (least significant first).  Bits are
 * only ever set.  @page_shift is at least 12 and below 64; @iova is aligned
 * to 1 << @page_shift; @length is a non-zero multiple of that.
 */
struct genpt_dirty_bitmap {
	uint64_t *bits;
	uint64_t iova;
	uint64_t length;
	unsigned int page_shift;
};

/**
 * struct genpt_hw_info - what hardware is programmed with to walk the table.
 *
 * @root_pa:     physical address of the root table.
 * @root_size:   bytes of the root table (RISC-V G-stage 16 KiB, ARM stage-2
 *               concatenated roots up to 16 tables).
 * @levels:      number of levels walked.
 * @mode:        the mode value of the format's root pointer register: RISC-V
 *               iosatp/iohgatp MODE (8/9/10), AMD v1 DTE Mode (1..6 = the
 *               levels), x86-64 4/5 (the paging levels), VT-d second stage
 *               AW (1/2/3 = 39/48/57-bit AGAW, 3/4/5 levels), ARM start level.
 * @atp:         RISC-V: the full iosatp (MODE | PPN) or iohgatp (MODE | PPN,
 *               GSCID left 0) value.
 * @tcr:         ARMv8: the TCR (stage 1) or VTCR (stage 2) translation
 *               fields (T0SZ, SL0, TG0, ...).
 * @start_level: ARMv8: the architecture's start level.
 * @concat:      ARMv8 stage 2: number of concatenated root tables (1 if none).
 */
struct genpt_hw_info {
	uint64_t root_pa;
	uint64_t root_size;
	unsigned int levels;
	unsigned int mode;
	uint64_t atp;
	uint64_t tcr;
	unsigned int start_level;
	unsigned int concat;
};

/**
 * struct genpt_leaf_info - what genpt_leaf_lookup() found at an address.
 *
 * @first:      first input address of the leaf, or of its whole contiguous
 *              run (Svnapot, ARM contiguous hint, AMD v1 replicated page).
 * @size:       bytes the leaf (or run) maps: one translation to the IOTLB.
 * @oa:         output address the looked-up address maps to.
 * @entry_size: bytes one entry of the leaf's level maps (@size / @run).
 * @level:      the leaf's level, 0 = the level of the smallest pages.
 * @run:        entries in the run, 1 for a plain leaf.
 * @prot:       GENPT_READ, GENPT_WRITE and GENPT_NOEXEC as the entry grants
 *              them (formats without execute control never report
 *              GENPT_NOEXEC; memory type bits are not reported).
 * @dirty:      write-dirty: any member of the run is (as a harvest sees it).
 * @accessed:   the entry's accessed flag is set (every leaf genpt makes
 *              has it; false where the format has none).
 */
struct genpt_leaf_info {
	uint64_t first;
	uint64_t size;
	uint64_t oa;
	uint64_t entry_size;
	unsigned int level;
	unsigned int run;
	unsigned int prot;
	bool dirty;
	bool accessed;
};

/** GENPT_CAPS_LEVELS - entries of genpt_caps.level_sizes (the most levels a format has). */
#define GENPT_CAPS_LEVELS 6

/**
 * struct genpt_caps - what a table of a configuration can hold
 * (genpt_query_caps()).
 *
 * @levels, @va_bits, @oa_bits, @granule_bits: the effective geometry (the
 *              config's zeros resolved).
 * @page_sizes: every leaf size genpt_map() may use, plain and contiguous
 *              runs: bit n set = leaves of 2^n bytes.
 * @run_sizes:  the sizes of @page_sizes that are contiguous runs of
 *              several entries (empty without runs).
 * @level_sizes: @page_sizes per level (index 0 = smallest pages); levels
 *              at and above @levels are 0.
 * @dirty:      the table has dirty state (read_and_clear_dirty works).
 * @split:      genpt_split() / genpt_merge() work (split-mode tracking).
 * @hw_tracking: what genpt_hw_info() holds while dirty tracking is on (ARM:
 *              TCR.HA/HD or VTCR.HA/HD set); @root_pa is 0 when asked of a
 *              config.
 */
struct genpt_caps {
	unsigned int levels;
	unsigned int va_bits;
	unsigned int oa_bits;
	unsigned int granule_bits;
	uint64_t page_sizes;
	uint64_t run_sizes;
	uint64_t level_sizes[GENPT_CAPS_LEVELS];
	bool dirty;
	bool split;
	struct genpt_hw_info hw_tracking;
};

/** struct genpt - opaque page table. */
struct genpt;

/**
 * genpt_query_caps() - what a configuration or a table can hold.
 * @cfg:  a configuration (NULL when @pt is given).
 * @pt:   a table (NULL when @cfg is given).
 * @caps: receives the answer.
 *
 * What a table of @cfg (when @pt is NULL) or the table @pt can hold,
 * without building one.  Exactly one of @cfg and @pt.
 *
 * Return: 0, or a negative errno (*@caps unchanged).
 * -EINVAL: none or both of @cfg and @pt, a NULL @caps, or a config
 *          genpt_create() would refuse with -EINVAL.
 * -EOPNOTSUPP: a format this build lacks, or a feature the format cannot
 *          do (GENPT_FEAT_TABLE_ACCESSED).
 */
GENPT_API int genpt_query_caps(const struct genpt_config *cfg, const struct genpt *pt,
			       struct genpt_caps *caps);

/**
 * genpt_create() - build an empty table.
 * @cfg: what to build: format, address widths, granule, features, memory
 *       provider.
 * @out: receives the new table.
 *
 * Allocates the root from the provider.  A table page the provider places
 * where the format cannot point (e.g. RISC-V: at or above 2^56) counts as
 * an allocation failure here and in genpt_map().  Dirty tracking starts
 * off.
 *
 * Return: 0, or a negative errno (*@out unchanged).
 * -EINVAL: a bad config (unknown format, a va_bits/oa_bits/granule_bits the
 *          format does not have, unknown or foreign feature bits) or a
 *          NULL argument.
 * -EOPNOTSUPP: a format this build does not implement yet, or
 *          GENPT_FEAT_TABLE_ACCESSED on a format whose hardware sets no
 *          accessed flag in table entries (RISC-V, ARMv8).
 * -ENOMEM: the provider failed.
 */
GENPT_API int genpt_create(const struct genpt_config *cfg, struct genpt **out);

/**
 * genpt_destroy() - free every table page and the handle.
 * @pt: the table, or NULL (a no-op).
 *
 * The caller makes sure no hardware walks it any more.
 */
GENPT_API void genpt_destroy(struct genpt *pt);

/**
 * genpt_map() - map [@iova, @iova + @len) to [@oa, @oa + @len).
 * @pt:     the table.
 * @iova:   first input address; aligned to the smallest page.
 * @oa:     first output (physical) address; aligned to the smallest page.
 * @len:    bytes; a non-zero multiple of the smallest page.
 * @prot:   GENPT_READ and/or GENPT_WRITE (one is required), plus
 *          GENPT_NOEXEC, GENPT_MMIO, GENPT_CACHE.
 * @gather: where a failed map leaves what it undid (may be NULL).
 *
 * Uses the largest leaves that the alignment of iova and oa and the
 * remaining length allow (including contiguous runs where the format has
 * them and the feature is on).  All or nothing.
 * RISC-V cannot express write-only: GENPT_WRITE alone maps read-write.
 * x86-64 cannot either (present means readable); VT-d second stage and AMD
 * v1 map it write-only.  VT-d second stage and AMD v1 have no execute
 * permission: GENPT_NOEXEC has no effect there (an instruction fetch is
 * checked as a read).
 * A new mapping needs no invalidation, so on success the gather is
 * untouched unless a leaf took the place of an empty table page (one an
 * unmap covering it only in part left, see genpt_unmap()): a walk cache may
 * still hold that page, so it and its span go to @gather (freed at once
 * when @gather is NULL) and the gather needs the usual invalidation before
 * genpt_gather_release().  After a failure that had written part of the
 * range, the undone part and the table pages unlinked by the undo are in
 * @gather too.  A failed map may leave empty table pages it added in a
 * span the range covers only in part (a neighbouring call may be using
 * them); genpt_reclaim() frees them.
 *
 * Return: 0, or a negative errno (nothing mapped).
 * -EINVAL: zero @len, @iova/@oa/@len not aligned to the smallest page,
 *          @prot without READ or WRITE or with unknown bits, NULL @pt.
 * -EOVERFLOW: @iova + @len - 1 or @oa + @len - 1 wraps past 2^64.
 * -ERANGE: the input range leaves the table's va_bits space (for a
 *          sign-extended format: is not canonical or crosses the hole) or
 *          the output range leaves oa_bits.
 * -EEXIST: a leaf already maps part of the range.
 * -ENOMEM: a table page could not be allocated.
 */
GENPT_API int genpt_map(struct genpt *pt, uint64_t iova, uint64_t oa,
			uint64_t len, unsigned int prot,
			struct genpt_gather *gather);

/**
 * genpt_unmap() - remove every leaf inside [@iova, @iova + @len).
 * @pt:       the table.
 * @iova:     first input address; aligned to the smallest page.
 * @len:      bytes; a non-zero multiple of the smallest page.
 * @gather:   receives the range to invalidate and the unlinked table pages
 *            (NULL: the pages are freed at once).
 * @unmapped: receives the number of bytes unmapped (may be NULL).
 *
 * Holes are fine.  genpt never splits a leaf behind the caller's back: a
 * leaf (or contiguous run) that straddles either end of the range is an
 * error and nothing is removed (genpt_split() it first).  A table page is
 * unlinked (and handed to @gather) when the range covers its whole span; a
 * table the range covers only in part stays, even when this unmap emptied
 * it, because a call on a neighbouring range may be using it (see the
 * threading rules above).  One call leaves at most two such empty pages per
 * level below the root (the ones holding @iova and the range's last
 * address); a later map in their span reuses them, and genpt_reclaim()
 * frees them.  The gather's range
 * grows by the span from the first to the last removed leaf, and by the
 * whole span of every unlinked table (a walk cache may use the stale
 * pointer for any address under it); nothing is added when nothing was
 * mapped.
 *
 * Return: 0, or a negative errno (nothing removed).
 * -EINVAL: NULL @pt, zero @len, @iova or @len not aligned to the smallest
 *          page; and, after the classes below (it is about the table's
 *          contents), a leaf that straddles an end of the range.
 * -EOVERFLOW: the range wraps past 2^64.
 * -ERANGE: the range leaves the table's input space.
 */
GENPT_API int genpt_unmap(struct genpt *pt, uint64_t iova, uint64_t len,
			  struct genpt_gather *gather, uint64_t *unmapped);

/**
 * genpt_reclaim() - free the table pages that map nothing.
 * @pt:     the table.
 * @gather: receives the span of every unlinked table and its page (NULL:
 *          the pages are freed at once).
 * @freed:  receives the bytes of table pages unlinked (may be NULL).
 *
 * Unlinks every table page below the root that holds no leaf;
 * translations are untouched.  Unmaps leave the empty pages of tables they
 * cover only in part, and a failed map may leave those it added (see
 * genpt_unmap() and genpt_map()): this gives them back.  It needs the table
 * to itself (no other call editing @pt; lookups and hardware may run).
 * Hardware may still hold an unlinked table in a walk cache: invalidate
 * the gather's range before genpt_gather_release().
 *
 * Return: 0, or a negative errno (nothing changed).
 * -EINVAL: NULL @pt.
 */
GENPT_API int genpt_reclaim(struct genpt *pt, struct genpt_gather *gather,
			    uint64_t *freed);

/**
 * genpt_iova_to_phys() - look an input address up.
 * @pt:   the table.
 * @iova: any input address.
 * @oa:   receives the output address @iova maps to, with any sub-page
 *        offset carried through.
 *
 * May run at any time, beside edits of @pt (see the threading rules at the
 * top of this header).
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a NULL argument.
 * -ERANGE: @iova is outside the table's input space.
 * -ENOENT: nothing maps @iova.
 */
GENPT_API int genpt_iova_to_phys(struct genpt *pt, uint64_t iova, uint64_t *oa);

/**
 * genpt_leaf_lookup() - describe the leaf that maps an address.
 * @pt:   the table.
 * @iova: the address.
 * @info: receives the description.
 *
 * The leaf that maps @iova: its range, output
 * address, size, level, run, permissions and dirty / accessed state (see
 * struct genpt_leaf_info).  A snapshot: hardware may set the dirty and
 * accessed flags any time.  Safe beside every other call, as
 * genpt_iova_to_phys() is.
 *
 * Return: 0, or a negative errno (*@info unchanged).
 * -EINVAL: a NULL argument.
 * -ERANGE: @iova is outside the table's input space.
 * -ENOENT: nothing maps @iova.
 */
GENPT_API int genpt_leaf_lookup(struct genpt *pt, uint64_t iova,
				struct genpt_leaf_info *info);

/**
 * genpt_read_and_clear_dirty() - harvest the write-dirty state of the leaves
 * in [@iova, @iova + @len).
 * @pt:     the table.
 * @iova:   first input address; aligned to the smallest page.
 * @len:    bytes; a non-zero multiple of the smallest page.
 * @flags:  0, or GENPT_DIRTY_NO_CLEAR to report without cleaning.
 * @bitmap: where dirty pages are recorded (NULL: clean without recording).
 * @gather: receives the range of every leaf cleaned (NULL: none kept; the
 *          caller then invalidates the whole range itself).
 *
 * For every write-dirty leaf, sets the bits of @bitmap for the pages it
 * covers, clipped to the query range (a large leaf sets whole words at a
 * time); nothing outside the query is ever reported.  Contiguous runs
 * count as one leaf: dirty if any member is, every member cleaned.  Unless
 * @flags has GENPT_DIRTY_NO_CLEAR, every dirty leaf is made write-clean
 * without losing a concurrent hardware update: hardware only sets the
 * accessed flag and moves a leaf from clean to dirty, so once the accessed
 * flag is set (every leaf genpt makes) one plain 64-bit store is as safe
 * as a read-modify-write and costs no locked instruction; a leaf without
 * it is cleaned with a compare-and-swap.  Its whole range is added to the
 * gather (@gather): the IOTLB must be invalidated before hardware marks
 * that page again.  Holes are fine.
 *
 * Chunked harvests: a dirty leaf that reaches outside the query (a 2 MiB
 * leaf and 1 MiB queries, say) is cleaned whole, its pages inside the
 * query are reported, and its pages outside are CARRIED by the table: the
 * next query that overlaps them reports them (clipped to itself) and
 * forgets them.  So queries of any size and alignment lose nothing, and a
 * pass of them after the devices stopped reports every page written since
 * the previous pass, and a second pass nothing.  The table carries at most
 * 64 disjoint ranges (1 KiB in the handle, no allocation); a leaf whose
 * outside part does not fit is reported for the inside part and left dirty
 * instead (reported again by the query that covers the rest), and a query
 * that would cut a carried range in two while all 64 are in use reports
 * its part and keeps the range whole (reported again later): with a full
 * carry, passes still lose nothing but may report a page twice.
 * GENPT_DIRTY_NO_CLEAR reports carried ranges without forgetting them and
 * neither cleans nor carries; a NULL @bitmap forgets the carried ranges it
 * overlaps (a clean slate).
 *
 * While dirty tracking is off every writable leaf is write-dirty (hardware
 * without dirty update must not fault), so everything writable is reported
 * and nothing is cleaned.
 *
 * Return: 0, or a negative errno (nothing changed).  The classes in this
 * order whichever arguments are wrong:
 * -EINVAL: NULL @pt, unknown @flags bits, the query's shape (as for
 *          genpt_unmap()), a malformed @bitmap, or a query range not inside
 *          [bitmap->iova, bitmap->iova + bitmap->length).
 * -EOVERFLOW: the range wraps past 2^64.
 * -ERANGE: the range leaves the table's input space.
 * -EOPNOTSUPP: the table has no dirty state (e.g. ARMv8 without
 *          GENPT_FEAT_ARMV8_DBM).
 */
GENPT_API int genpt_read_and_clear_dirty(struct genpt *pt, uint64_t iova,
					 uint64_t len, unsigned int flags,
					 const struct genpt_dirty_bitmap *bitmap,
					 struct genpt_gather *gather);

/**
 * genpt_unmap_read_dirty() - genpt_unmap() that records what it removes.
 * @pt:       the table.
 * @iova:     first address to unmap.
 * @len:      bytes to unmap.
 * @bitmap:   where removed dirty pages are recorded (NULL: a plain unmap).
 * @gather:   receives the range to invalidate and the freed table pages.
 * @unmapped: receives the bytes unmapped (may be NULL).
 *
 * Removes the leaves inside [@iova, @iova + @len) exactly as genpt_unmap()
 * does (same errors; a leaf that straddles an end gives -EINVAL and nothing
 * is removed), and sets the bits of @bitmap for every removed leaf that was
 * write-dirty and for every carried dirty range inside the range (see
 * genpt_read_and_clear_dirty()); while tracking is off that is every
 * removed writable leaf.  Each entry is taken out with an atomic exchange,
 * so a device write racing the unmap either marked the entry before (and
 * is recorded) or finds it gone and faults: never lost.  This is the call
 * for a guest unmapping during pre-copy (VFIO's "dirty bitmap on unmap").
 * @bitmap has read_and_clear_dirty's rules and checks; NULL makes this a
 * plain genpt_unmap().
 *
 * Return: 0, or a negative errno (nothing removed, nothing recorded).
 * -EINVAL: as for genpt_read_and_clear_dirty() (NULL @pt, the range's
 *          shape, a malformed @bitmap or one the range is not inside);
 *          after the classes below, a leaf that straddles an end of the
 *          range.
 * -EOVERFLOW: the range wraps past 2^64 (with a @bitmap that is -EINVAL:
 *          such a range cannot lie inside it).
 * -ERANGE: the range leaves the table's input space.
 * -EOPNOTSUPP: @bitmap is given and the table has no dirty state.
 */
GENPT_API int genpt_unmap_read_dirty(struct genpt *pt, uint64_t iova, uint64_t len,
				     const struct genpt_dirty_bitmap *bitmap,
				     struct genpt_gather *gather, uint64_t *unmapped);

/**
 * genpt_clear_dirty() - make write-clean exactly the pages whose bits are
 * set in a mask.
 * @pt:     the table.
 * @mask:   the pages to clean (struct genpt_dirty_bitmap conventions).
 * @gather: receives the range of every leaf cleaned.
 *
 * The second half of a split harvest (read with GENPT_DIRTY_NO_CLEAR, then
 * clear only the pages about to be copied, just before copying them, as
 * KVM's manual dirty-log protection does): pages written after the read
 * and not named by the mask stay dirty.  The range is [@mask->iova,
 * +@mask->length), which must be aligned to the table's granule.  Every
 * dirty leaf the mask names a page of is cleaned whole and added to
 * @gather; its dirty pages the mask leaves out (including any outside the
 * mask's range) are carried and reported by the next harvest that overlaps
 * them, so nothing is lost.  A leaf whose left-out pages form more pieces
 * than the carry holds is left dirty.  Carried pages the mask names are
 * forgotten.  While tracking is off nothing is cleaned (hardware could not
 * mark it again).
 *
 * Return: 0, or a negative errno (nothing changed).
 * -EINVAL: NULL @pt or @mask, a malformed mask (struct genpt_dirty_bitmap;
 *          a mask whose range wraps past 2^64 is malformed too), a range
 *          not aligned to the table's granule.
 * -ERANGE: the range leaves the table's input space.
 * -EOPNOTSUPP: the table has no dirty state.
 */
GENPT_API int genpt_clear_dirty(struct genpt *pt, const struct genpt_dirty_bitmap *mask,
				struct genpt_gather *gather);

/**
 * struct genpt_shard - one piece of a range cut by genpt_harvest_shards().
 *
 * @iova: first input address.
 * @len:  bytes.
 * @work: the estimated cost of harvesting it: bytes of table entries read
 *        and of bitmap written, as counted from the tables above the leaf
 *        tables (comparable between the shards of one call).
 */
struct genpt_shard {
	uint64_t iova;
	uint64_t len;
	uint64_t work;
};

/**
 * genpt_harvest_shards() - cut a range into shards of balanced harvest work
 * that threads may harvest at the same time.
 * @pt:      the table.
 * @iova:    first input address of the range; aligned to the smallest page.
 * @len:     bytes; a non-zero multiple of the smallest page.
 * @bitmap:  the bitmap the shards will be harvested into (NULL: none; then
 *           bitmap words are not considered).
 * @shards:  receives the shards, in address order.
 * @nshards: the most shards wanted (the entries of @shards), 1 to 65536.
 *
 * The shards cover [@iova, @iova + @len) exactly, in order, each non-empty,
 * with about the same work each: the work counts what a harvest reads and
 * writes (every leaf table by its entries in the range, every larger leaf
 * by its entry and its bitmap bytes, every entry of the tables above),
 * learnt from the tables above the leaf tables, so the call reads about
 * 1/512 of the table memory (4 KiB tables).  A cut goes only:
 *  - between two entries of the level above the leaf tables (2 MiB apart
 *    with 4 KiB tables), so no leaf table and no leaf or contiguous run
 *    (Svnapot, ARM contiguous hint, AMD v1 replicated pages) straddles two
 *    shards: they are disjoint ranges in the sense of the threading rules
 *    above, and a harvest of a shard never carries (no leaf reaches
 *    outside it);
 *  - with a @bitmap, where one of its 64-bit words starts, so threads
 *    harvesting the shards into the one @bitmap never write the same word.
 * Where no cut can go (a small range, a leaf larger than a share, bitmap
 * words larger than a share) there are fewer shards than @nshards: the
 * return value says how many.  The table is read as genpt_iova_to_phys()
 * reads it (at any time); the shards describe it as it was, so keep edits
 * off the range until they are harvested.  Shards serve any call on
 * disjoint ranges (map, unmap, split), harvests most of all.
 *
 * Return: the number of shards written (1 to @nshards), or a negative
 * errno (*@shards untouched), in this order whichever arguments are wrong:
 * -EINVAL: NULL @pt or @shards, @nshards 0 or above 65536, the range's shape (as for
 *          genpt_read_and_clear_dirty()), a malformed @bitmap, or a range
 *          not inside [bitmap->iova, bitmap->iova + bitmap->length).
 * -EOVERFLOW: the range wraps past 2^64.
 * -ERANGE: the range leaves the table's input space.
 */
GENPT_API int genpt_harvest_shards(struct genpt *pt, uint64_t iova, uint64_t len,
				   const struct genpt_dirty_bitmap *bitmap,
				   struct genpt_shard *shards, unsigned int nshards);

/**
 * genpt_set_dirty_tracking() - switch dirty tracking on or off.
 * @pt:     the table.
 * @enable: true to switch it on, false to switch it off.
 *
 * While on, new writable leaves start write-clean, so hardware with dirty
 * update marks the first write.  While off they start write-dirty, so
 * hardware never needs to write the entry.  Switching off also marks every
 * existing writable leaf write-dirty again, because hardware programmed
 * without dirty update faults on a write-clean entry.  The caller programs
 * the hardware (e.g. RISC-V DC.tc.GADE) to match.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: a NULL @pt.
 * -EOPNOTSUPP: the table has no dirty state.
 * -EBUSY: a driver helper owns the tracking state (a table attached
 *          through genpt_rvdrv_attach(): switch it with
 *          genpt_rvdrv_set_dirty_tracking(), which programs the IOMMU too).
 */
GENPT_API int genpt_set_dirty_tracking(struct genpt *pt, bool enable);

/**
 * genpt_split() - re-express large leaves with smaller ones.
 * @pt:         the table.
 * @iova:       first input address of the range; aligned to the smallest
 *              page.
 * @len:        bytes; a non-zero multiple of the smallest page.
 * @page_shift: log2 of the leaf size wanted: every leaf that meets the
 *              range and is larger than 2^@page_shift is re-expressed with
 *              leaves of that size (or the largest size the format has
 *              below it, contiguous runs included).
 * @gather:     receives the replaced ranges (the IOTLB still holds the
 *              large translations) (NULL: not recorded).
 *
 * Same output addresses and attributes; a dirty leaf's children are all
 * dirty.  Leaves straddling the range ends are split whole (this is also
 * how a caller cuts a mapping before a partial unmap).  Each replacement
 * table is built completely and swapped in with one compare-and-swap of
 * the parent entry, so a concurrent hardware walk always finds a valid
 * translation.  All table pages are allocated before anything changes.
 *
 * Return: 0, or a negative errno (the table as it was).
 * -EINVAL: NULL @pt, bad range shape, @page_shift below the granule or
 *          above 63.
 * -EOVERFLOW: the range wraps past 2^64.
 * -ERANGE: the range leaves the table's input space.
 * -EOPNOTSUPP: the format cannot split.
 * -ENOENT: no leaf meets the range.
 * -ENOMEM: a table page could not be allocated.
 */
GENPT_API int genpt_split(struct genpt *pt, uint64_t iova, uint64_t len,
			  unsigned int page_shift, struct genpt_gather *gather);

/**
 * genpt_merge() - the reverse of genpt_split() inside [@iova, @iova + @len).
 * @pt:     the table.
 * @iova:   first input address of the range; aligned to the smallest page.
 * @len:    bytes; a non-zero multiple of the smallest page.
 * @gather: receives the replaced tables and the merged ranges (NULL: the
 *          tables are folded and freed at once).
 *
 * Wherever a table lying wholly inside the range maps an aligned,
 * physically contiguous range with identical attributes, replace it with
 * one leaf; aligned groups of leaves that qualify become contiguous runs
 * where the format has them.  The new leaf is dirty if any child was (a
 * child dirtied while the swap happens is caught by a second look).  The
 * replaced tables keep their translations until genpt_gather_release(),
 * and a device write that still went through one of them after the swap
 * (a walk already under way, which the IOTLB invalidation waits for) is
 * folded into the new leaf's dirty state at release, so a harvest after
 * the release reports it.
 *
 * Return: 0, or a negative errno.
 * -EINVAL: NULL @pt, bad range shape.
 * -EOVERFLOW: the range wraps past 2^64.
 * -ERANGE: the range leaves the table's input space.
 * -EOPNOTSUPP: the format cannot merge.
 * -ENOENT: no leaf in the range.
 * -ENOMEM: the gather could not take the page that notes the replaced
 *          tables (nothing changed).
 */
GENPT_API int genpt_merge(struct genpt *pt, uint64_t iova, uint64_t len,
			  struct genpt_gather *gather);

/**
 * genpt_set_dirty_tracking_split() - dirty tracking at base-page
 * granularity.
 * @pt:         the table.
 * @enable:     true: split, then switch tracking on; false: switch it off,
 *              then merge.
 * @page_shift: log2 of the leaf size tracking works at (e.g. 12).
 * @gather:     receives the ranges split or merged and the replaced tables;
 *              invalidate the IOTLB for its range before releasing it.
 *
 * On @enable, split every leaf larger than 2^@page_shift (so a device
 * touching one byte of a 1 GiB mapping dirties one small page, not the
 * whole gigabyte), then switch tracking on.  On disable, switch tracking
 * off (leaves become write-dirty), then merge back exactly the leaves the
 * split replaced, so a cancelled migration leaves the caller's layout as
 * it was, leaf by leaf (the merged leaves are write-dirty, as every
 * writable leaf is with tracking off).  Nothing else is merged: a range the
 * caller mapped with small pages stays small pages (genpt_merge() merges
 * whatever can be), and a replaced leaf's range that the caller changed
 * while split mode was on (unmapped or remapped any part of it, or mapped
 * it to other addresses or attributes) stays as the caller left it.
 * Calling with @enable again while on (another @page_shift, say) splits
 * further, and disable undoes both.
 *
 * The table notes each replaced leaf in 16 bytes of memory from its
 * provider (4 KiB blocks of 255 notes, counted in genpt_table_bytes()),
 * freed by disable (or genpt_destroy()); what a failed enable split is
 * noted too.  Merge turns a table into a leaf of its parent's level, so a
 * replaced leaf whose range holds tables below a level without plain
 * leaves (AMD v1's 512 GiB level: its 1 TiB and larger pages, or a larger
 * page the caller split below 512 GiB meanwhile) stays as it is.
 *
 * Return: 0, or a negative errno, in this order whichever arguments are
 * wrong:
 * -EINVAL: a NULL @pt, @page_shift below the granule or above 63.
 * -EOPNOTSUPP: the table has no dirty state, or the format cannot split.
 * -EBUSY: a driver helper owns the tracking state (see
 *          genpt_set_dirty_tracking()).
 * -ENOMEM: on enable, part of the space may be split (translations are
 *          unchanged, and what was split is noted) and tracking is off; on
 *          disable (the merge's note of the replaced tables, see
 *          genpt_merge()), tracking is off and the leaves not merged back
 *          yet stay split and noted: calling disable again finishes.
 */
GENPT_API int genpt_set_dirty_tracking_split(struct genpt *pt, bool enable,
					     unsigned int page_shift,
					     struct genpt_gather *gather);

/**
 * genpt_dirty_tracking() - whether dirty tracking is on.
 * @pt: the table.
 *
 * Return: 1 when dirty tracking is on, 0 when off.
 * -EINVAL: a NULL @pt.
 */
GENPT_API int genpt_dirty_tracking(const struct genpt *pt);

/**
 * genpt_get_config() - the configuration the table was created with, the
 * defaults resolved.
 * @pt:  the table.
 * @cfg: receives the format, the effective @va_bits, @oa_bits and
 *       @granule_bits, the features the table keeps, and the memory
 *       provider (genpt_host_mem_ops when none was given).
 *
 * With genpt_hw_info() this is everything a hardware model needs to walk
 * the table (genpt/hw.h): the hardware never looks inside the handle.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_get_config(const struct genpt *pt, struct genpt_config *cfg);

/**
 * genpt_hw_info() - the values hardware is programmed with to walk the
 * table.
 * @pt:   the table.
 * @info: receives the root address and size, levels, mode and the
 *        format's register values.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_hw_info(const struct genpt *pt, struct genpt_hw_info *info);

/**
 * genpt_table_bytes() - bytes of table memory the table holds now (root
 * included); for accounting and leak checks.
 * @pt:    the table.
 * @bytes: receives the count.  Pages waiting in a gather are not counted.
 *
 * Return: 0, or -EINVAL for a NULL argument.
 */
GENPT_API int genpt_table_bytes(const struct genpt *pt, uint64_t *bytes);

/**
 * genpt_gather_init() - make a gather empty (no range, no pages).
 * @g: the gather.
 */
GENPT_API void genpt_gather_init(struct genpt_gather *g);

/**
 * genpt_gather_release() - finish an edit after the IOTLB invalidation.
 * @pt: the table whose edits filled @g.
 * @g:  the gather; empty afterwards.
 *
 * After the caller invalidated the IOTLB for [g->start, g->last], give the
 * gathered table pages back to @pt's provider and make *@g empty.  Tables
 * genpt_merge() replaced have their dirty state folded into the leaf that
 * replaced them first (the invalidation waited for every walk that could
 * still mark them), so release writes @pt's entries: call it where an edit
 * of that range would be allowed.
 *
 * Return: 0, or -EINVAL for NULL arguments.
 */
GENPT_API int genpt_gather_release(struct genpt *pt, struct genpt_gather *g);

#ifdef __cplusplus
}
#endif

#endif /* GENPT_TABLE_H */
