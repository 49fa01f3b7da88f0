// SPDX-License-Identifier: MIT
/*
 * A program that uses an installed genpt, engine and hardware side
 * (libgenpt_hw): a RISC-V Sv39 table with dirty tracking on, one device
 * write through the reference walk (genpt_hw_access, <genpt/hw.h>), and
 * the harvest that must report it.  Exits 0 when everything agrees.
 */
#include <genpt/genpt.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static int check(const char *what, int got, int want)
{
	if (got == want)
		return 0;
	fprintf(stderr, "consumer_hw: %s returned %d, expected %d\n", what, got, want);
	return 1;
}

int main(void)
{
	const struct genpt_config cfg = { .format = GENPT_FMT_RISCV, .va_bits = 39 };
	const uint64_t iova = 0x40000000, pa = 0x80000000, len = 64 * 4096;
	uint64_t bits[1] = { 0 }, oa = 0;
	struct genpt_dirty_bitmap bm = { .bits = bits, .iova = iova, .length = len,
					 .page_shift = 12 };
	struct genpt *pt = NULL;
	int bad = 0;

	bad |= check("genpt_create", genpt_create(&cfg, &pt), 0);
	if (bad)
		return 1;
	bad |= check("genpt_map", genpt_map(pt, iova, pa, len, GENPT_READ | GENPT_WRITE, NULL), 0);
	bad |= check("genpt_set_dirty_tracking", genpt_set_dirty_tracking(pt, true), 0);
	bad |= check("clean slate", genpt_read_and_clear_dirty(pt, iova, len, 0, NULL, NULL), 0);
	bad |= check("genpt_hw_access", genpt_hw_access(pt, iova + 5 * 4096 + 8,
							  GENPT_ACCESS_WRITE, &oa), 0);
	bad |= check("output address", oa == pa + 5 * 4096 + 8, 1);
	bad |= check("harvest", genpt_read_and_clear_dirty(pt, iova, len, 0, &bm, NULL), 0);
	bad |= check("dirty bits", bits[0] == (1ull << 5), 1);
	bad |= check("genpt_hw_access outside", genpt_hw_access(pt, iova + len, GENPT_ACCESS_READ,
								  NULL), -ENOENT);
	genpt_destroy(pt);
	printf("consumer_hw: genpt %s, dirty bits 0x%" PRIx64 ": %s\n", genpt_version(),
	       bits[0], bad ? "FAILED" : "ok");
	return bad;
}
