/* SPDX-License-Identifier: MIT */
/*
 * migrate/options.h - genpt_migrate's command line, parsed from one table
 * of options (options.c).
 */
#ifndef GENPT_TOOLS_MIGRATE_OPTIONS_H
#define GENPT_TOOLS_MIGRATE_OPTIONS_H

#include <stdbool.h>

#include "migrate.h"

struct mig_cli {
	struct genpt_mig_config cfg;
	unsigned int mapping, pattern; /* indexes of mig_mapping_names / _pattern_names */
	bool quiet;
	bool hot_given;
};

extern const char *const mig_pattern_names[3];
extern const char *const mig_mapping_names[3];

/*
 * Parse @argv into @cli (which starts from the defaults).  Returns -1 to go
 * on and migrate, or the exit status to end with at once: 0 after --help or
 * --list-formats, 2 for a usage error (already reported on stderr).
 */
int mig_parse_options(int argc, char **argv, struct mig_cli *cli);

void mig_list_formats(void);

#endif /* GENPT_TOOLS_MIGRATE_OPTIONS_H */
