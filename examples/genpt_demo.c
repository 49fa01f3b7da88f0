// SPDX-License-Identifier: MIT
/*
 * genpt_demo - one dirty-tracking round, as a hypervisor migrating a guest
 * with a pass-through device would do it, on a RISC-V IOMMU G-stage table.
 *
 *  1. simulated physical memory (genpt_physmem) holds the tables and the
 *     guest's RAM;
 *  2. an Sv39x4 G-stage table with Svnapot maps 64 MiB of guest RAM with a
 *     mix of 2 MiB, 64 KiB (NAPOT) and 4 KiB leaves;
 *  3. dirty tracking is switched on and the table cleaned (NULL bitmap);
 *  4. the "device" writes a few guest addresses (genpt_hw_access, the
 *     reference hardware walk that sets D like an IOMMU with GADE=1);
 *  5. the dirty set is harvested into a bitmap and compared with what was
 *     written; a second harvest must find nothing.
 *
 * Every step is checked; the exit status is 0 only when all agree.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genpt/genpt.h"

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)

/* Guest physical layout: [0, 32M) 2 MiB leaves, [32M, 48M) 64 KiB
 * leaves, [48M, 64M) 4 KiB leaves. */
#define GUEST_SIZE (64 * MiB)
#define HUGE_END (32 * MiB)
#define NAPOT_END (48 * MiB)
#define PAGE_SHIFT 12
#define GUEST_PAGES (GUEST_SIZE >> PAGE_SHIFT)

#define PM_BASE 0x80000000ull /* where "DRAM" starts, as on most RISC-V boards */
#define PM_SIZE (256 * MiB)

static int failures;

static void check(bool ok, const char *what)
{
	if (!ok) {
		printf("  MISMATCH: %s\n", what);
		failures++;
	}
}

static int die(const char *what, int err)
{
	printf("genpt_demo: %s failed: %s (%d)\n", what, strerror(-err), err);
	return 1;
}

/* Size of the leaf the demo's layout puts at @gpa. */
static uint64_t leaf_size(uint64_t gpa)
{
	if (gpa < HUGE_END)
		return 2 * MiB;
	if (gpa < NAPOT_END)
		return 64 * KiB;
	return 4 * KiB;
}

static const char *leaf_name(uint64_t gpa)
{
	return gpa < HUGE_END ? "2M" : gpa < NAPOT_END ? "64K" : "4K";
}

static void set_bits(uint64_t *bits, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		bits[i / 64] |= 1ull << (i % 64);
}

static uint64_t count_bits(const uint64_t *bits, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < words; i++)
		n += (uint64_t)__builtin_popcountll(bits[i]);
	return n;
}

/* Map [gpa, gpa + len) in calls of @chunk bytes, as a VMM that pins and
 * maps guest memory in pieces of that size would. */
static int map_chunks(struct genpt *pt, uint64_t ram_pa, uint64_t gpa,
		      uint64_t len, uint64_t chunk)
{
	for (uint64_t off = 0; off < len; off += chunk) {
		int err = genpt_map(pt, gpa + off, ram_pa + gpa + off, chunk,
				    GENPT_READ | GENPT_WRITE | GENPT_CACHE, NULL);
		if (err)
			return err;
	}
	return 0;
}

int main(void)
{
	/* Device DMA: guest addresses written (two land in the same 4K page)
	 * and one that is only read. */
	static const uint64_t writes[] = {
		0x0000010ull,            /* 2M leaf 0 */
		0x1200345ull,            /* 2M leaf at 18M */
		0x2018000ull,            /* 64K run at 32M + 64K */
		0x2800ff8ull,            /* 64K run at 40M */
		0x3005000ull,            /* 4K page at 48M + 20K */
		0x3005800ull,            /* same 4K page again */
		GUEST_SIZE - 8,          /* last 4K page */
	};
	static const uint64_t read_only = 0x3100000ull; /* a read sets no D */
	const size_t nwrites = sizeof(writes) / sizeof(writes[0]);
	const uint64_t words = GUEST_PAGES / 64;
	uint64_t *found = calloc(words, sizeof(uint64_t));
	uint64_t *expect = calloc(words, sizeof(uint64_t));
	struct genpt_physmem *pm = NULL;
	struct genpt *pt = NULL;
	struct genpt_hw_info info;
	struct genpt_gather gather;
	uint64_t ram_pa, bytes, want_bytes, oa, n, unmapped, pm_bytes, pm_blocks;
	int err;

	if (!found || !expect)
		return die("calloc", -ENOMEM);

	err = genpt_physmem_create(PM_BASE, PM_SIZE, &pm);
	if (err)
		return die("genpt_physmem_create", err);

	struct genpt_config cfg = {
		.format = GENPT_FMT_RISCV,
		.va_bits = 41, /* Sv39x4 */
		.features = GENPT_FEAT_RISCV_GSTAGE | GENPT_FEAT_RISCV_SVNAPOT,
		.mem = &genpt_physmem_ops,
		.mem_ctx = pm,
	};
	err = genpt_create(&cfg, &pt);
	if (err)
		return die("genpt_create", err);
	err = genpt_hw_info(pt, &info);
	if (err)
		return die("genpt_hw_info", err);
	printf("genpt demo: RISC-V IOMMU G-stage (Sv39x4 + Svnapot), 64 MiB guest\n");
	printf("  iohgatp      0x%016" PRIx64 " (MODE %u, root PA 0x%" PRIx64
	       ", %" PRIu64 " KiB, %u levels)\n",
	       info.atp, info.mode, info.root_pa, info.root_size / KiB, info.levels);
	check(info.mode == 8 && info.levels == 3 && info.root_size == 16 * KiB &&
		      info.atp == ((8ull << 60) | (info.root_pa >> 12)),
	      "hw_info is not Sv39x4 (MODE 8, 3 levels, 16 KiB root)");

	/* Guest RAM: one block of the simulated memory. */
	err = genpt_physmem_alloc(pm, GUEST_SIZE, 2 * MiB, &ram_pa);
	if (err)
		return die("genpt_physmem_alloc", err);
	err = map_chunks(pt, ram_pa, 0, HUGE_END, HUGE_END);
	if (!err)
		err = map_chunks(pt, ram_pa, HUGE_END, NAPOT_END - HUGE_END, 64 * KiB);
	if (!err)
		err = map_chunks(pt, ram_pa, NAPOT_END, GUEST_SIZE - NAPOT_END, 4 * KiB);
	if (err)
		return die("genpt_map", err);
	printf("  mapped       GPA [0, 64M) -> PA 0x%" PRIx64 ": 16 x 2M, 256 x 64K, 4096 x 4K\n",
	       ram_pa);

	/* Root + one level-1 table + one level-0 table per 2 MiB of the
	 * 64K and 4K parts. */
	want_bytes = 16 * KiB + 4 * KiB + ((GUEST_SIZE - HUGE_END) / (2 * MiB)) * 4 * KiB;
	err = genpt_table_bytes(pt, &bytes);
	if (err)
		return die("genpt_table_bytes", err);
	printf("  table bytes  %" PRIu64 " (expected %" PRIu64 ")\n", bytes, want_bytes);
	check(bytes == want_bytes, "table bytes");

	/* Start tracking from a clean slate. */
	err = genpt_set_dirty_tracking(pt, true);
	if (!err)
		err = genpt_read_and_clear_dirty(pt, 0, GUEST_SIZE, 0, NULL, NULL);
	if (err)
		return die("enable tracking + clean", err);
	printf("  tracking     on (tracking=%d), cleaned with a NULL bitmap\n",
	       genpt_dirty_tracking(pt));

	/* The device writes; the data really lands in guest RAM. */
	for (size_t i = 0; i < nwrites; i++) {
		uint64_t gpa = writes[i], size = leaf_size(gpa), leaf = gpa & ~(size - 1);
		unsigned char *p;

		err = genpt_hw_access(pt, gpa, GENPT_ACCESS_WRITE, &oa);
		if (err)
			return die("genpt_hw_access(WRITE)", err);
		check(oa == ram_pa + gpa, "hw_access output address");
		p = genpt_physmem_ptr(pm, oa);
		check(p != NULL, "physmem_ptr of a written address");
		if (p)
			*p = (unsigned char)(0xa0 + i);
		set_bits(expect, leaf >> PAGE_SHIFT, size >> PAGE_SHIFT);
		printf("  dev write    GPA 0x%07" PRIx64 " -> PA 0x%" PRIx64 " (%s leaf)\n",
		       gpa, oa, leaf_name(gpa));
	}
	err = genpt_hw_access(pt, read_only, GENPT_ACCESS_READ, &oa);
	if (err)
		return die("genpt_hw_access(READ)", err);
	check(oa == ram_pa + read_only, "hw_access read output address");
	err = genpt_iova_to_phys(pt, writes[1], &oa);
	check(!err && oa == ram_pa + writes[1], "iova_to_phys");

	/* Harvest. */
	struct genpt_dirty_bitmap bm = {
		.bits = found, .iova = 0, .length = GUEST_SIZE, .page_shift = PAGE_SHIFT,
	};
	genpt_gather_init(&gather);
	err = genpt_read_and_clear_dirty(pt, 0, GUEST_SIZE, 0, &bm, &gather);
	if (err)
		return die("genpt_read_and_clear_dirty", err);
	n = count_bits(found, words);
	printf("  harvest 1    %" PRIu64 " dirty 4K pages, expected %" PRIu64
	       " (%zu writes); IOTLB flush [0x%" PRIx64 ", 0x%" PRIx64 "]\n",
	       n, count_bits(expect, words), nwrites, gather.start, gather.last);
	check(memcmp(found, expect, words * sizeof(uint64_t)) == 0,
	      "harvested bitmap differs from the pages written");
	check(gather.start <= gather.last, "gather range empty after cleaning");
	/* No IOTLB in this demo: nothing cached, so release at once. */
	err = genpt_gather_release(pt, &gather);
	if (err)
		return die("genpt_gather_release", err);

	memset(found, 0, words * sizeof(uint64_t));
	err = genpt_read_and_clear_dirty(pt, 0, GUEST_SIZE, 0, &bm, NULL);
	if (err)
		return die("genpt_read_and_clear_dirty (2)", err);
	n = count_bits(found, words);
	printf("  harvest 2    %" PRIu64 " dirty pages (expected 0)\n", n);
	check(n == 0, "second harvest found pages");

	/* A write after cleaning is seen again. */
	memset(found, 0, words * sizeof(uint64_t));
	err = genpt_hw_access(pt, writes[4], GENPT_ACCESS_WRITE, NULL);
	if (!err)
		err = genpt_read_and_clear_dirty(pt, 0, GUEST_SIZE, 0, &bm, NULL);
	if (err)
		return die("rewrite + harvest", err);
	n = count_bits(found, words);
	printf("  harvest 3    %" PRIu64 " dirty page after one more write (expected 1)\n", n);
	check(n == 1 && (found[(writes[4] >> PAGE_SHIFT) / 64] &
			 (1ull << ((writes[4] >> PAGE_SHIFT) % 64))),
	      "re-dirtied page not found");

	/* Tear down and check nothing leaked. */
	genpt_gather_init(&gather);
	err = genpt_unmap(pt, 0, GUEST_SIZE, &gather, &unmapped);
	if (err)
		return die("genpt_unmap", err);
	/* Tables whose span the unmap covered only in part stay (emptied):
	 * the demo owns the table now, so it reclaims them in the same gather. */
	err = genpt_reclaim(pt, &gather, NULL);
	if (err)
		return die("genpt_reclaim", err);
	genpt_gather_release(pt, &gather);
	genpt_table_bytes(pt, &bytes);
	check(unmapped == GUEST_SIZE, "unmapped bytes");
	check(bytes == 16 * KiB, "table bytes after unmap (root only)");
	genpt_destroy(pt);
	genpt_physmem_free(pm, ram_pa, GUEST_SIZE);
	genpt_physmem_stats(pm, &pm_bytes, &pm_blocks);
	check(pm_bytes == 0 && pm_blocks == 0, "physmem leak");
	printf("  teardown     unmapped %" PRIu64 " MiB, table bytes %" PRIu64
	       ", physmem in use %" PRIu64 " bytes\n", unmapped / MiB, bytes, pm_bytes);
	genpt_physmem_destroy(pm);
	free(found);
	free(expect);

	if (failures) {
		printf("genpt demo: FAILED (%d mismatches)\n", failures);
		return 1;
	}
	printf("genpt demo: OK\n");
	return 0;
}
