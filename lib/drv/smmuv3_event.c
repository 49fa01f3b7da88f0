// SPDX-License-Identifier: MIT
/*
 * drv/smmuv3_event.c - decoding an SMMUv3 event record (IHI 0070 chapter 7,
 * "Event records"): the fields every translation-related record shares.
 */
#include <errno.h>

#include "genpt/smmuv3_regs.h"

GENPT_API int genpt_smmu_event_decode(const uint64_t rec[4],
				      struct genpt_smmu_event *out)
{
	if (!rec || !out)
		return -EINVAL;
	*out = (struct genpt_smmu_event){
		.id = (unsigned int)(rec[0] & 0xff),
		.ssv = (rec[0] >> 11) & 1,
		.ssid = (uint32_t)((rec[0] >> 12) & 0xfffff),
		.sid = (uint32_t)(rec[0] >> 32),
		.priv = (rec[1] >> 33) & 1,
		.instr = (rec[1] >> 34) & 1,
		.read = (rec[1] >> 35) & 1,
		.s2 = (rec[1] >> 39) & 1,
		.class_ = (unsigned int)((rec[1] >> 40) & 3),
		.addr = rec[2],
		.ipa = rec[3] & (((1ull << 52) - 1) & ~7ull),
	};
	return 0;
}
