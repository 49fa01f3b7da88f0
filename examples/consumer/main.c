// SPDX-License-Identifier: MIT
/*
 * A program that uses an installed genpt: create a RISC-V Sv39 table in
 * host memory, map 2 MiB + 4 KiB, translate, check the version, clean up.
 * Links the engine alone (libgenpt).  Exits 0 when everything agrees.
 * Built by examples/consumer/CMakeLists.txt
 * (find_package) and examples/consumer/Makefile (pkg-config).
 */
/* The engine alone: libgenpt, no hardware side. */
#include <genpt/table.h>
#include <genpt/version.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check(const char *what, int got, int want)
{
	if (got == want)
		return 0;
	fprintf(stderr, "consumer: %s returned %d, expected %d\n", what, got, want);
	return 1;
}

int main(void)
{
	const struct genpt_config cfg = { .format = GENPT_FMT_RISCV, .va_bits = 39 };
	const uint64_t iova = 0x40000000, pa = 0x80000000, len = (2u << 20) + 4096;
	struct genpt *pt = NULL;
	uint64_t oa = 0, unmapped = 0;
	int bad = 0;

	if (strcmp(genpt_version(), GENPT_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: library %s, headers %s\n", genpt_version(),
			GENPT_VERSION_STRING);
		return 1;
	}
	bad |= check("genpt_create", genpt_create(&cfg, &pt), 0);
	if (bad)
		return 1;
	bad |= check("genpt_map", genpt_map(pt, iova, pa, len, GENPT_READ | GENPT_WRITE, NULL), 0);
	bad |= check("genpt_iova_to_phys", genpt_iova_to_phys(pt, iova + len - 1, &oa), 0);
	if (oa != pa + len - 1) {
		fprintf(stderr, "consumer: translated to 0x%" PRIx64 "\n", oa);
		bad = 1;
	}
	bad |= check("genpt_unmap", genpt_unmap(pt, iova, len, NULL, &unmapped), 0);
	bad |= check("unmapped bytes", unmapped == len, 1);
	bad |= check("genpt_iova_to_phys after unmap", genpt_iova_to_phys(pt, iova, &oa), -ENOENT);
	genpt_destroy(pt);
	printf("consumer: genpt %s (headers %s, %d): %s\n", genpt_version(),
	       GENPT_VERSION_STRING, GENPT_VERSION_NUMBER, bad ? "FAILED" : "ok");
	return bad;
}
