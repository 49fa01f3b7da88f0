/* SPDX-License-Identifier: MIT */
/*
 * pt_fmt.h - the contract between the generic algorithms and a format.
 *
 * A format file defines these static inline functions and then includes
 * pt_generic.h, which builds every algorithm on top of them.  Levels count
 * up from the smallest page: level 0 holds 4K (granule-sized) leaves, the
 * root is level pt->levels - 1.  A "run" is a contiguous group of 2^k
 * identical-attribute leaf entries that hardware may cache as one
 * translation (RISC-V Svnapot, ARM contiguous hint, AMD v1 replicated
 * PTEs); the engine treats a run as one leaf.
 *
 * Geometry
 *   unsigned fmt_table_bits(pt, lvl)   log2 of the entries of a table at lvl
 *   unsigned fmt_level_shift(pt, lvl)  log2 of the bytes one entry maps
 *   bool     fmt_can_leaf(pt, lvl)     a plain (single-entry) leaf may sit
 *                                      at lvl
 *   uint32_t fmt_run_mask(pt, lvl)     bit k set: runs of 2^k entries allowed
 *                                      (bit 0 unused; a level may have runs
 *                                      without plain leaves)
 * Decode (e is an entry value loaded from level lvl)
 *   enum pt_kind fmt_kind(pt, lvl, e)  PT_EMPTY / PT_TABLE / PT_LEAF
 *   uint64_t fmt_table_pa(pt, lvl, e)  physical address of the child table
 *   uint64_t fmt_leaf_oa(pt, lvl, e)   output address of the start of the
 *                                      leaf, or of its whole run
 *   unsigned fmt_leaf_run(pt, lvl, e)  log2 entries of the run e belongs
 *                                      to, 0 for a plain leaf
 * Encode
 *   uint64_t fmt_make_table(pt, lvl, pa)
 *   uint64_t fmt_leaf_attrs(pt, prot, tracking)
 *                                      attribute bits for new leaves; the
 *                                      dirty preset follows tracking
 *   uint64_t fmt_make_leaf(pt, lvl, run_oa, entry_oa, run_log2, attrs)
 *                                      one entry of a run (run_log2 0 = a
 *                                      plain leaf and run_oa == entry_oa)
 * Dirty state (only called when fmt_has_dirty(pt))
 *   bool fmt_has_dirty(pt)
 *   bool fmt_is_dirty(pt, e)           e is a valid, write-dirty leaf (false for
 *                                      empty and table entries: the harvest
 *                                      scan tests it first)
 *   bool fmt_is_writable(pt, e)        leaf allows writes
 *   struct pt_dirty_enc fmt_dirty_enc(pt)
 *                                      the dirty state as bit masks (below)
 *   bool fmt_plain_leaf_pattern(pt, lvl, uint64_t *mask, uint64_t *val)
 *                                      false when lvl has no plain leaves;
 *                                      else an entry that matches the dirty
 *                                      hint (struct pt_dirty_enc) and has
 *                                      (e & mask) == val is a plain (not
 *                                      run) leaf at lvl (sufficient, not
 *                                      necessary).  With the hint and the
 *                                      accessed flag it makes the one test
 *                                      the harvest applies to each entry of
 *                                      a cache line it cleans; entries it
 *                                      misses take the exact tests.
 *
 * Split and merge (optional: a format that has them defines
 * FMT_HAS_ATTRS_OF before including pt_generic.h; without, genpt_split and
 * genpt_merge answer -EOPNOTSUPP)
 *   uint64_t fmt_leaf_attrs_of(pt, lvl, e)
 *                                      the attribute bits of leaf e in the
 *                                      form fmt_make_leaf() takes (no output
 *                                      address, level or run encoding), so
 *                                      the leaf can be re-made at another
 *                                      level or run size unchanged
 *
 * The empty entry is 0 in every format genpt has.
 */
#ifndef GENPT_PT_FMT_H
#define GENPT_PT_FMT_H

#include <stdint.h>

enum pt_kind { PT_EMPTY, PT_TABLE, PT_LEAF };

#define PT_EMPTY_ENTRY 0ull

/*
 * How a format encodes the dirty state of a leaf, as the manual's table
 * would: a write-dirty leaf has the @dirty_set bits set and the
 * @dirty_clear bits clear, a write-clean one the reverse (both fixed, the
 * same in every leaf, so the scan cleans a line of matching entries with
 * one XOR each).  Hardware only ever sets @accessed and moves a leaf from
 * clean to dirty: once @accessed is set in a leaf, nothing but the dirty
 * state can change under us, and a plain store of a new dirty state loses
 * no hardware update (pt_set_dirty_state()).  Every write-dirty leaf e has
 * (e & @hint_mask) == @hint_val (necessary, not sufficient): how the
 * harvest passes over a cache line of clean entries with one test each.
 */
struct pt_dirty_enc {
	uint64_t dirty_set, dirty_clear;
	uint64_t accessed;
	uint64_t hint_mask, hint_val;
};

#endif /* GENPT_PT_FMT_H */
