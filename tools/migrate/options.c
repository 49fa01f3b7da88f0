/* SPDX-License-Identifier: MIT */
/*
 * migrate/options.c - genpt_migrate's options: one table says each
 * option's names, what its value is and where it goes; one loop parses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const char *const mig_pattern_names[3] = { "uniform", "hot", "seq" };
const char *const mig_mapping_names[3] = { "mixed", "4k", "2m" };

enum opt_kind {
	OPT_HELP,    /* print the usage, exit 0 */
	OPT_LIST,    /* list the formats, exit 0 */
	OPT_FLAG,    /* bool at @off set */
	OPT_U64,     /* uint64_t at @off, @min..@max (max 0: any) */
	OPT_UINT,    /* unsigned int at @off, @min..@max */
	OPT_SIZE64,  /* as OPT_U64 with K/M/G suffixes */
	OPT_SIZE,    /* as OPT_UINT with K/M/G suffixes */
	OPT_DOUBLE,  /* double at @off, not negative */
	OPT_NAME,    /* unsigned int at @off: index of the value in @names */
	OPT_FORMAT,  /* a genpt_mig_formats name */
};

struct opt {
	const char *lng, *shrt;
	enum opt_kind kind;
	size_t off;                 /* into struct mig_cli */
	uint64_t min, max;
	const char *const *names;   /* OPT_NAME: 3 of them */
	bool hot;                   /* --hot: the hot set was given */
};

#define CFG(f) offsetof(struct mig_cli, cfg.f)
#define CLI(f) offsetof(struct mig_cli, f)

static const struct opt opts[] = {
	{ "--help", "-h", OPT_HELP, 0, 0, 0, NULL, false },
	{ "--list-formats", NULL, OPT_LIST, 0, 0, 0, NULL, false },
	{ "--quiet", "-q", OPT_FLAG, CLI(quiet), 0, 0, NULL, false },
	{ "--split", NULL, OPT_FLAG, CFG(split), 0, 0, NULL, false },
	{ "--no-invalidate", NULL, OPT_FLAG, CFG(no_invalidate), 0, 0, NULL, false },
	{ "--table-accessed", NULL, OPT_FLAG, CFG(table_accessed), 0, 0, NULL, false },
	{ "--format", "-f", OPT_FORMAT, CFG(format), 0, 0, NULL, false },
	{ "--mapping", "-m", OPT_NAME, CLI(mapping), 0, 0, mig_mapping_names, false },
	{ "--pattern", "-p", OPT_NAME, CLI(pattern), 0, 0, mig_pattern_names, false },
	{ "--mem", "-M", OPT_SIZE64, CFG(mem_bytes), 0, 0, NULL, false },
	{ "--hot", NULL, OPT_SIZE64, CFG(hot_bytes), 0, 0, NULL, true },
	{ "--devices", "-d", OPT_UINT, CFG(devices), 0, 64, NULL, false },
	{ "--write-size", "-w", OPT_SIZE, CFG(write_bytes), 0, 4096, NULL, false },
	{ "--hot-percent", NULL, OPT_UINT, CFG(hot_percent), 0, 100, NULL, false },
	{ "--max-rounds", NULL, OPT_UINT, CFG(max_rounds), 1, 1000000, NULL, false },
	{ "--ops", NULL, OPT_U64, CFG(ops_per_device), 0, 0, NULL, false },
	{ "--iotlb", NULL, OPT_UINT, CFG(iotlb_entries), 0, 1u << 20, NULL, false },
	{ "--harvest-threads", NULL, OPT_UINT, CFG(harvest_threads), 1, 64, NULL, false },
	{ "--seed", NULL, OPT_U64, CFG(seed), 0, 0, NULL, false },
	{ "--rate", "-r", OPT_DOUBLE, CFG(rate_mib), 0, 0, NULL, false },
	{ "--bandwidth", "-b", OPT_DOUBLE, CFG(bandwidth_mib), 0, 0, NULL, false },
	{ "--downtime", "-t", OPT_DOUBLE, CFG(downtime_ms), 0, 0, NULL, false },
	/* The edges a VMM's loop meets (docs/migration.md). */
	{ "--chunk", NULL, OPT_SIZE64, CFG(chunk_bytes), 0, 0, NULL, false },
	{ "--vm-unmap", NULL, OPT_DOUBLE, CFG(vm_unmap_rate), 0, 0, NULL, false },
	{ "--sim-clock", NULL, OPT_FLAG, CFG(sim_clock), 0, 0, NULL, false },
	{ "--ats", NULL, OPT_FLAG, CFG(ats), 0, 0, NULL, false },
};

static void usage(FILE *f)
{
	struct genpt_mig_config d;

	genpt_mig_config_default(&d);
	fprintf(f,
		"usage: genpt_migrate [options]\n"
		"Simulate a pre-copy live migration with devices writing guest memory by DMA\n"
		"through an IOMMU, and verify the destination byte for byte.\n"
		"\n"
		"  -f, --format NAME     table format and IOMMU (default %s; --list-formats)\n"
		"  -m, --mapping KIND    mixed, 4k or 2m leaves (default %s)\n"
		"  -M, --mem SIZE        guest memory, multiple of 8M (default %" PRIu64 "M)\n"
		"  -d, --devices N       device threads (default %u)\n"
		"  -r, --rate MIB        MiB/s each device writes, 0 = flat out (default %g)\n"
		"  -w, --write-size B    bytes per DMA write, power of two 8..4096 (default %u)\n"
		"  -p, --pattern P       uniform, hot or seq (default %s)\n"
		"      --hot SIZE        hot-set size (default %" PRIu64 "M, at most a quarter\n"
		"                        of the guest unless given)\n"
		"      --hot-percent N   share of writes into the hot set (default %u)\n"
		"  -b, --bandwidth MIB   migration link MiB/s, 0 = unlimited (default %g)\n"
		"  -t, --downtime MS     downtime budget (default %g)\n"
		"      --max-rounds N    give up converging after N rounds (default %u)\n"
		"      --ops N           each device stops after N writes (default: never)\n"
		"      --iotlb N         IOTLB entries (default: the IOMMU's)\n"
		"      --harvest-threads N  harvest with N threads, one shard of the guest\n"
		"                        each (genpt_harvest_shards; default 1)\n"
		"      --split           split large leaves to base pages while tracking,\n"
		"                        merge them back after\n"
		"      --no-invalidate   skip the IOTLB invalidation after clearing dirty\n"
		"                        bits: the bug that loses pages (expect a failure)\n"
		"      --table-accessed  harvests skip tables no device walked into\n"
		"                        (x86-64, vtd-ss, amd-v1; a walk cache in the IOMMU)\n"
		"      --chunk SIZE      harvest in queries of SIZE (a multiple of the\n"
		"                        granule; edges need not fall on leaf edges)\n"
		"      --vm-unmap RATE   the guest unmaps a leaf and maps it again RATE\n"
		"                        times a second during pre-copy (unmap_read_dirty:\n"
		"                        what the unmap reports dirty is copied again)\n"
		"      --sim-clock       devices and guest act on a simulated clock that the\n"
		"                        copies advance at the link's bandwidth: the same\n"
		"                        dirty sets and rounds on any machine\n"
		"      --ats             RISC-V formats: devices with an ATC (PCIe ATS); the\n"
		"                        harvest must reach it with ATS.INVAL\n"
		"      --seed N          device random seed (default %" PRIu64 ")\n"
		"  -q, --quiet           no line per round\n"
		"      --list-formats    the formats and their IOMMUs\n"
		"  -h, --help\n"
		"SIZE takes K, M or G suffixes.  Exit status: 0 verified, 1 pages differ,\n"
		"2 usage error or a step failed.\n",
		d.format, mig_mapping_names[d.mapping], d.mem_bytes >> 20, d.devices, d.rate_mib,
		d.write_bytes, mig_pattern_names[d.pattern], d.hot_bytes >> 20, d.hot_percent,
		d.bandwidth_mib, d.downtime_ms, d.max_rounds, d.seed);
}

void mig_list_formats(void)
{
	for (const struct genpt_mig_format *f = genpt_mig_formats; f->name; f++)
		printf("  %-10s %s\n", f->name, f->desc);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return false;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	else if (*end)
		return false;
	if (shift && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end && *out >= 0;
}

static bool parse_name(const char *s, const char *const *names, unsigned int *out)
{
	for (unsigned int i = 0; s && i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* A number of the option's kind, within its bounds, stored at its place. */
static bool set_number(const struct opt *o, const char *v, char *at)
{
	bool size = o->kind == OPT_SIZE64 || o->kind == OPT_SIZE;
	uint64_t u = 0; /* gcc -O1 cannot see the parsers set it on success */

	if (!(size ? parse_size(v, &u) : parse_u64(v, &u)))
		return false;
	if (u < o->min || (o->max && u > o->max))
		return false;
	if (o->kind == OPT_U64 || o->kind == OPT_SIZE64)
		memcpy(at, &u, sizeof(u));
	else
		*(unsigned int *)(void *)at = (unsigned int)u;
	return true;
}

/* Store the value @v (NULL when the option has none) of option @o. */
static bool set_value(const struct opt *o, const char *v, struct mig_cli *cli)
{
	char *at = (char *)cli + o->off;

	cli->hot_given |= o->hot;
	switch (o->kind) {
	case OPT_FORMAT:
		if (!v || !genpt_mig_format_find(v))
			return false;
		cli->cfg.format = v;
		return true;
	case OPT_NAME:
		return parse_name(v, o->names, (unsigned int *)(void *)at);
	case OPT_DOUBLE:
		return parse_double(v, (double *)(void *)at);
	default:
		return set_number(o, v, at);
	}
}

static const struct opt *find_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcmp(name, opts[i].lng) || (opts[i].shrt && !strcmp(name, opts[i].shrt)))
			return &opts[i];
	return NULL;
}

/* One argument (and its value: --opt=value or --opt value).  -1: go on. */
static int parse_one(int argc, char **argv, int *i, struct mig_cli *cli)
{
	const char *a = argv[*i], *eq = strchr(a, '='), *v = NULL;
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	const struct opt *o;
	char name[32];

	if (n >= sizeof(name)) {
		fprintf(stderr, "genpt_migrate: unknown option '%s'\n", a);
		return 2;
	}
	memcpy(name, a, n);
	name[n] = 0;
	o = find_opt(name);
	if (!o) {
		fprintf(stderr, "genpt_migrate: unknown option '%s' (--help lists them)\n", a);
		return 2;
	}
	if (o->kind == OPT_HELP || o->kind == OPT_LIST) {
		if (o->kind == OPT_HELP)
			usage(stdout);
		else
			mig_list_formats();
		return 0;
	}
	if (o->kind == OPT_FLAG) {
		*(bool *)(void *)((char *)cli + o->off) = true;
		return -1;
	}
	if (eq)
		v = eq + 1;
	else if (*i + 1 < argc)
		v = argv[++*i];
	if (set_value(o, v, cli))
		return -1;
	fprintf(stderr, "genpt_migrate: bad or missing value for %s\n", name);
	if (o->kind == OPT_FORMAT)
		mig_list_formats();
	return 2;
}

int mig_parse_options(int argc, char **argv, struct mig_cli *cli)
{
	int ret;

	genpt_mig_config_default(&cli->cfg);
	cli->mapping = (unsigned int)cli->cfg.mapping;
	cli->pattern = (unsigned int)cli->cfg.pattern;
	cli->quiet = cli->hot_given = false;
	for (int i = 1; i < argc; i++) {
		ret = parse_one(argc, argv, &i, cli);
		if (ret >= 0)
			return ret;
	}
	cli->cfg.mapping = (enum genpt_mig_mapping)cli->mapping;
	cli->cfg.pattern = (enum genpt_mig_pattern)cli->pattern;
	/* The default hot set shrinks with a small guest. */
	if (!cli->hot_given && cli->cfg.hot_bytes > cli->cfg.mem_bytes / 4)
		cli->cfg.hot_bytes = (cli->cfg.mem_bytes / 4) & ~4095ull;
	return -1;
}
