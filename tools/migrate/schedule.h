/* SPDX-License-Identifier: MIT */
/*
 * migrate/schedule.h - when the guest's actors (devices, the guest's unmaps)
 * may act: on the wall clock, or on a simulated clock that the migration
 * thread advances by what its copies take at the link's bandwidth.
 *
 * An actor doing @per_sec things a second may have done allowed(T) =
 * floor(T * per_sec) of them by time T.  On the wall clock T is the
 * time since the start; on the simulated clock T moves only when the
 * migration thread advances it, and it then waits until every actor has
 * done exactly allowed(T): what the devices write in each round no longer
 * depends on how fast (or loaded) the machine is, so a run's dirty sets -
 * and its number of rounds - are the same every time.
 */
#ifndef GENPT_TOOLS_MIGRATE_SCHEDULE_H
#define GENPT_TOOLS_MIGRATE_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

struct mig_sched {
	bool simulated;   /* the simulated clock, else the wall clock */
	double t0;        /* wall clock at the start */
	uint64_t sim_ns;  /* atomic: the simulated clock */
	const int *stop;  /* atomic: actors stop waiting when set */
};

void mig_sched_init(struct mig_sched *s, bool simulated, const int *stop);

/* Seconds on the wall clock (CLOCK_MONOTONIC). */
double mig_wall_now(void);
void mig_sleep(double seconds);

/* How many things an actor doing @per_sec a second may have done by now
 * (UINT64_MAX when @per_sec is 0: no limit). */
uint64_t mig_sched_allowed(const struct mig_sched *s, double per_sec);

/* An actor that has done @done things waits until it may do one more;
 * false when told to stop meanwhile (@s's stop, or the actor's own @stop). */
bool mig_sched_wait(const struct mig_sched *s, const int *stop, uint64_t done, double per_sec);

/* Simulated clock: move it on by @seconds (the migration thread only). */
void mig_sched_advance(struct mig_sched *s, double seconds);

/* Wait until the atomic counter @count reaches @target (or @stop). */
void mig_sched_wait_count(const struct mig_sched *s, const uint64_t *count, uint64_t target);

#endif /* GENPT_TOOLS_MIGRATE_SCHEDULE_H */
