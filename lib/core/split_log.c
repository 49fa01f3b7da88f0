// SPDX-License-Identifier: MIT
/*
 * split_log.c - see split_log.h.
 */
#include "core/split_log.h"

#include <errno.h>

#include "core/pt_internal.h"

#define LOG_PAGE 4096u
#define LOG_HDR 2u /* words: next page, records used */
#define LOG_PER_PAGE ((LOG_PAGE / 8u - LOG_HDR) / 2u)

static uint64_t *page_next(const uint64_t *p)
{
	return (uint64_t *)(uintptr_t)p[0];
}

int genpt_split_log_reserve(struct genpt *pt, uint64_t n)
{
	struct genpt_split_log *log = &pt->split_log;
	uint64_t room = log->head ? LOG_PER_PAGE - log->head[1] : 0;

	for (const uint64_t *p = log->spare; p; p = page_next(p))
		room += LOG_PER_PAGE;
	while (room < n) {
		uint64_t pa;
		uint64_t *p = genpt_table_alloc(pt, LOG_PAGE, &pa);

		if (!p) {
			genpt_split_log_unreserve(pt);
			return -ENOMEM;
		}
		p[0] = (uint64_t)(uintptr_t)log->spare;
		log->spare = p;
		room += LOG_PER_PAGE;
	}
	return 0;
}

/* Free the chain of pages at *@head. */
static void free_chain(struct genpt *pt, uint64_t **head)
{
	while (*head) {
		uint64_t *p = *head;

		*head = page_next(p);
		genpt_table_free(pt, p, LOG_PAGE);
	}
}

void genpt_split_log_unreserve(struct genpt *pt)
{
	free_chain(pt, &pt->split_log.spare);
}

void genpt_split_log_add(struct genpt *pt, uint64_t first, unsigned int lvl,
			 unsigned int run, uint64_t e)
{
	struct genpt_split_log *log = &pt->split_log;
	uint64_t *rec;

	if (!log->head || log->head[1] == LOG_PER_PAGE) {
		uint64_t *p = log->spare;

		log->spare = page_next(p);
		p[0] = (uint64_t)(uintptr_t)log->head;
		p[1] = 0;
		log->head = p;
	}
	rec = &log->head[LOG_HDR + 2 * log->head[1]++];
	rec[0] = first | (uint64_t)lvl << 5 | run;
	rec[1] = e;
}

bool genpt_split_log_last(const struct genpt *pt, struct genpt_split_rec *r)
{
	const uint64_t *p = pt->split_log.head;
	const uint64_t *rec;

	if (!p)
		return false;
	rec = &p[LOG_HDR + 2 * (p[1] - 1)];
	r->first = rec[0];
	r->e = rec[1];
	return true;
}

void genpt_split_log_pop(struct genpt *pt)
{
	struct genpt_split_log *log = &pt->split_log;
	uint64_t *p = log->head;

	if (!p)
		return;
	if (--p[1] == 0) {
		log->head = page_next(p);
		genpt_table_free(pt, p, LOG_PAGE);
	}
}

void genpt_split_log_free(struct genpt *pt)
{
	free_chain(pt, &pt->split_log.head);
	free_chain(pt, &pt->split_log.spare);
}
