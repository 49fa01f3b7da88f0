// SPDX-License-Identifier: MIT
/*
 * migrate/schedule.c - the wall clock or the simulated clock (schedule.h).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */

#include <time.h>

#include "schedule.h"

#define POLL_S 0.0002 /* how often a waiting actor looks again */

double mig_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void mig_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

void mig_sched_init(struct mig_sched *s, bool simulated, const int *stop)
{
	*s = (struct mig_sched){ .simulated = simulated, .t0 = mig_wall_now(), .stop = stop };
}

static double sched_now(const struct mig_sched *s)
{
	if (s->simulated)
		return (double)__atomic_load_n(&s->sim_ns, __ATOMIC_ACQUIRE) * 1e-9;
	return mig_wall_now() - s->t0;
}

/* Every thread computes the same count from the same clock value.  None
 * at time 0: on the simulated clock nothing happens before the full copy
 * starts it. */
static uint64_t allowed_at(double t, double per_sec)
{
	return per_sec > 0 ? (uint64_t)(t * per_sec) : UINT64_MAX;
}

uint64_t mig_sched_allowed(const struct mig_sched *s, double per_sec)
{
	return allowed_at(sched_now(s), per_sec);
}

static bool stopped(const struct mig_sched *s)
{
	return __atomic_load_n(s->stop, __ATOMIC_ACQUIRE);
}

bool mig_sched_wait(const struct mig_sched *s, const int *stop, uint64_t done, double per_sec)
{
	for (;;) {
		double t = sched_now(s), due;

		if (stopped(s) || __atomic_load_n(stop, __ATOMIC_ACQUIRE))
			return false;
		if (done < allowed_at(t, per_sec))
			return true;
		/* The wall clock: sleep until due (short naps are not worth
		 * it); the simulated one: look again soon. */
		due = (double)(done + 1) / per_sec - t;
		mig_sleep(s->simulated || due < POLL_S ? POLL_S : due);
	}
}

void mig_sched_advance(struct mig_sched *s, double seconds)
{
	uint64_t ns = (uint64_t)(seconds * 1e9);

	__atomic_fetch_add(&s->sim_ns, ns, __ATOMIC_RELEASE);
}

void mig_sched_wait_count(const struct mig_sched *s, const uint64_t *count, uint64_t target)
{
	while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < target && !stopped(s))
		mig_sleep(POLL_S);
}
