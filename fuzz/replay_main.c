// SPDX-License-Identifier: MIT
/*
 * fuzz/replay_main.c - run fuzz targets without libFuzzer (any compiler).
 *
 *   <target>_replay [--random N] [--seed S] [--threads 2] [--write-seeds DIR] [PATH...]
 *
 * Runs, in this order, every PATH (a file, or every regular file of a
 * directory, in name order), the built-in seed inputs, and N (default 10000,
 * or $GENPT_FUZZ_RANDOM) deterministic pseudo-random inputs from a fixed-seed
 * generator: half of them raw bytes, half of them mutated seeds.  Each goes
 * through LLVMFuzzerTestOneInput, which abort()s on a mismatch; the input
 * that was running is then saved as ./<target>-crash-<n>.bin so it can
 * be replayed (pass the file as PATH) or traced (GENPT_FUZZ_TRACE=1).
 * --write-seeds DIR writes the built-in seeds as files and exits.
 * --threads 2 (targets with a two-thread mode, fuzz_target.threads) sets
 * GENPT_FUZZ_THREADS=2: each input's operations then run from two threads
 * on the two halves of one table's address space.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_target.h"

/* the longest input the random part makes (seeds grow by mutation) */
#define REPLAY_MAX 65536

static const uint8_t *cur_data;
static size_t cur_size;
static char cur_save[64];

static void on_abort(int sig)
{
	int fd;

	if (cur_data && cur_save[0]) {
		fd = open(cur_save, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			ssize_t w = write(fd, cur_data, cur_size);

			(void)w;
			close(fd);
			w = write(2, "replay: input saved as ", 23);
			w = write(2, cur_save, strlen(cur_save));
			w = write(2, "\n", 1);
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void run_one(const uint8_t *data, size_t size, const char *tag,
		    unsigned long n)
{
	cur_data = data;
	cur_size = size;
	snprintf(cur_save, sizeof(cur_save), "%s-crash-%lu.bin", fuzz_target.name, n);
	if (getenv("GENPT_FUZZ_TRACE"))
		fprintf(stderr, "replay: input %lu (%s, %zu bytes)\n", n, tag, size);
	LLVMFuzzerTestOneInput(data, size);
	cur_data = NULL;
}

static int run_file(const char *path, unsigned long *n)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!fp) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + len, 1, cap - len, fp);
		if (!got)
			break;
		len += got;
	}
	fclose(fp);
	run_one(buf, len, path, (*n)++);
	free(buf);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, unsigned long *n)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t count = 0, cap = 0;
	int ret = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, n);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(path) + strlen(de->d_name) + 2;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		full = malloc(l);
		if (!full)
			abort();
		snprintf(full, l, "%s/%s", path, de->d_name);
		if (stat(full, &st) || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[count++] = full;
	}
	closedir(d);
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	for (size_t i = 0; i < count; i++) {
		if (run_file(names[i], n))
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Input k of the pseudo-random stream. */
static size_t make_random(uint64_t seed, unsigned long k, uint8_t *buf, size_t cap)
{
	uint64_t s = seed ^ (0x632be59bd9b4e019ull * (k + 1));
	size_t len;

	if (k % 2 == 0 || !fuzz_target.nseeds) {
		/* Raw bytes; the decoder biases them toward useful values. */
		len = 3 + rng_next(&s) % (fuzz_target.max_len - 3);
		if (len > cap)
			len = cap;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rng_next(&s);
		/* Mostly good configs. */
		if (buf[2] >= 0xf8 && rng_next(&s) % 8)
			buf[2] = 0;
		return len;
	}
	/* A seed with a few bytes changed, inserted or appended. */
	{
		struct fuzz_seed sd;
		unsigned int edits;

		fuzz_target.seed(rng_next(&s) % fuzz_target.nseeds, &sd);
		edits = 1 + rng_next(&s) % 8;
		len = sd.size < cap ? sd.size : cap;
		memcpy(buf, sd.data, len);
		for (unsigned int e = 0; e < edits; e++) {
			uint64_t r = rng_next(&s);
			size_t at = len ? (size_t)(r >> 8) % len : 0;

			switch (r % 4) {
			case 0:
			case 1:
				if (len)
					buf[at] = (uint8_t)(r >> 40);
				break;
			case 2:
				if (len < cap) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = (uint8_t)(r >> 40);
					len++;
				}
				break;
			default:
				for (unsigned int j = 0; j < 16 && len < cap; j++)
					buf[len++] = (uint8_t)rng_next(&s);
				break;
			}
		}
		return len;
	}
}

static int write_seeds(const char *dir)
{
	for (size_t i = 0; i < fuzz_target.nseeds; i++) {
		struct fuzz_seed sd;
		char path[4096];
		FILE *fp;

		fuzz_target.seed(i, &sd);
		snprintf(path, sizeof(path), "%s/seed-%s", dir, sd.name);
		fp = fopen(path, "wb");
		if (!fp || fwrite(sd.data, 1, sd.size, fp) != sd.size) {
			fprintf(stderr, "replay: cannot write %s\n", path);
			if (fp)
				fclose(fp);
			return 1;
		}
		fclose(fp);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long nrandom = 10000, n = 0;
	uint64_t seed = 0x67656e7074ull; /* "genpt" */
	const char *env = getenv("GENPT_FUZZ_RANDOM");
	struct timespec t0, t1;
	int ret = 0, paths = 0;
	uint8_t *buf;

	if (env)
		nrandom = strtoul(env, NULL, 0);
	signal(SIGABRT, on_abort);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--random") && i + 1 < argc) {
			nrandom = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			if (!fuzz_target.threads && strcmp(argv[i + 1], "1")) {
				fprintf(stderr, "replay: %s has no two-thread mode\n",
					fuzz_target.name);
				return 2;
			}
			setenv("GENPT_FUZZ_THREADS", argv[++i], 1);
		} else if (!strcmp(argv[i], "--write-seeds") && i + 1 < argc) {
			return write_seeds(argv[++i]);
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--random N] [--seed S] [--threads 2] "
					"[--write-seeds DIR] [PATH...]\n", argv[0]);
			return 2;
		} else {
			if (run_path(argv[i], &n))
				ret = 1;
			paths++;
		}
	}
	for (size_t i = 0; i < fuzz_target.nseeds; i++) {
		struct fuzz_seed sd;
		uint8_t *copy;

		/* a private copy: the seed's buffer may be reused */
		fuzz_target.seed(i, &sd);
		copy = malloc(sd.size ? sd.size : 1);
		if (!copy)
			abort();
		memcpy(copy, sd.data, sd.size);
		run_one(copy, sd.size, sd.name, n++);
		free(copy);
	}
	buf = malloc(REPLAY_MAX);
	if (!buf)
		abort();
	for (unsigned long k = 0; k < nrandom; k++) {
		size_t len = make_random(seed, k, buf, REPLAY_MAX);

		run_one(buf, len, "random", n++);
	}
	free(buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("replay %s: %lu inputs (%d paths, %zu seeds, %lu random) in %.2f s: %s\n",
	       fuzz_target.name, n, paths, fuzz_target.nseeds, nrandom,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       ret ? "FAILED to read some paths" : "ok");
	return ret;
}
