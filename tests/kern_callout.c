/*
 * kern_callout.c: the callout facility (kern/callout.h), white box:
 * order of expiry, stop and halt, a halt that waits for a running
 * function, re-arming from the function, many callouts at once.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <rump/rump.h>

#include "callout.h"
#include "sleepq.h"

#define MS 1000000ULL

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(callout, .init = setup, .timeout = 20);

static _Atomic int fired_order[64], nfired;

static void
record(void *arg)
{
	int i = atomic_fetch_add(&nfired, 1);

	if (i < 64)
		fired_order[i] = (int)(intptr_t)arg;
}

static void
wait_fired(int n)
{
	for (int i = 0; i < 2000 && nfired < n; i++)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000000);
}

Test(callout, fire_in_time_order)
{
	struct callout c[5];
	uint64_t now = clock_monotonic_ns();
	int delay[5] = { 30, 10, 50, 20, 40 };

	for (int i = 0; i < 5; i++) {
		callout_init(&c[i], record, (void *)(intptr_t)delay[i]);
		callout_schedule(&c[i], now + delay[i] * MS);
	}
	wait_fired(5);
	cr_assert_eq(nfired, 5);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fired_order[i], (i + 1) * 10);
	cr_assert(clock_monotonic_ns() >= now + 50 * MS);
}

Test(callout, stop_and_reschedule)
{
	struct callout a, b;
	uint64_t now = clock_monotonic_ns();

	callout_init(&a, record, (void *)1);
	callout_init(&b, record, (void *)2);
	callout_schedule(&a, now + 10 * MS);
	callout_schedule(&b, now + 20 * MS);
	cr_assert(callout_pending(&a));
	cr_assert(callout_stop(&a));
	cr_assert_not(callout_stop(&a));
	cr_assert_not(callout_pending(&a));
	/* Re-arming moves it. */
	callout_schedule(&b, now + 5 * MS);
	callout_schedule(&a, now + 15 * MS);
	wait_fired(2);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 20 * MS);
	cr_assert_eq(nfired, 2);
	cr_assert_eq(fired_order[0], 2);
	cr_assert_eq(fired_order[1], 1);
}

static _Atomic int slow_running, slow_done;

static void
slow(void *arg)
{
	(void)arg;
	slow_running = 1;
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 30 * MS);
	slow_done = 1;
}

/* callout_halt waits for a function that is running right now. */
Test(callout, halt_waits_for_the_running_function)
{
	struct callout c;

	callout_init(&c, slow, NULL);
	callout_schedule(&c, clock_monotonic_ns());
	while (!slow_running)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
	callout_halt(&c);
	cr_assert_eq(slow_done, 1);
	cr_assert_not(callout_pending(&c));
}

struct periodic {
	struct callout c;
	_Atomic int n;
	uint64_t next;
};

static void
tick(void *arg)
{
	struct periodic *p = arg;

	p->n++;
	p->next += 2 * MS;
	callout_schedule(&p->c, p->next);
}

/* A function re-arms itself; halt stops it for good. */
Test(callout, periodic_rearm_and_halt)
{
	struct periodic p = { .n = 0 };
	int n;

	callout_init(&p.c, tick, &p);
	p.next = clock_monotonic_ns() + 2 * MS;
	callout_schedule(&p.c, p.next);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 40 * MS);
	callout_halt(&p.c);
	n = p.n;
	cr_assert_geq(n, 10);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 10 * MS);
	cr_assert_eq(p.n, n);
}

static void *
arm_many(void *arg)
{
	struct callout *c = arg;
	uint64_t now = clock_monotonic_ns();

	for (int i = 0; i < 16; i++) {
		callout_init(&c[i], record, (void *)(intptr_t)i);
		callout_schedule(&c[i], now + (uint64_t)(i % 4) * MS);
	}
	return NULL;
}

/* Threads arming and halting at once; every callout runs once or is
 * halted. */
Test(callout, concurrent_arm_and_halt)
{
	static struct callout c[4][16];
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, arm_many, c[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 16; i += 2)
		callout_halt(&c[0][i]);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 20 * MS);
	cr_assert_geq(nfired, 56);
	cr_assert_leq(nfired, 64);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 16; j++)
			cr_assert_not(callout_pending(&c[i][j]));
}

/* ---- realtime callouts and clock-set watchers ------------------------------ */

/* From <rump/rump_syscalls.h>, which -Ikern keeps out (its <signal.h>
 * would be the kernel's). */
int rump_sys_clock_gettime(clockid_t, struct timespec *);
int rump_sys_clock_settime(clockid_t, const struct timespec *);

/* The kernel's CLOCK_REALTIME, ns. */
static int64_t
time_realtime_ns(void)
{
	struct timespec ts;

	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &ts), 0);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
shift_realtime(int64_t delta)
{
	int64_t now = time_realtime_ns() + delta;
	struct timespec ts = { now / 1000000000LL, now % 1000000000LL };

	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), 0);
}

Test(callout, realtime_callouts_follow_clock_settime)
{
	struct callout fwd, back, mono, watch;
	uint64_t t0 = clock_monotonic_ns();

	callout_init(&fwd, record, (void *)1);
	callout_init(&back, record, (void *)2);
	callout_init(&mono, record, (void *)3);
	callout_init(&watch, record, (void *)4);
	/* 10 s and 25 s away on the realtime clock; `mono' 1 s away, far
	 * enough that a loaded machine does not run it before the checks
	 * of the first setting. */
	callout_schedule_realtime(&fwd, time_realtime_ns() + 10000 * MS);
	callout_schedule_realtime(&back, time_realtime_ns() + 25000 * MS);
	callout_schedule(&mono, t0 + 1000 * MS);
	callout_watch_clockset(&watch, true);
	/* Forward 20 s: `fwd' is due at once, the watcher runs, `back' is
	 * still 5 s away. */
	shift_realtime(20000 * MS);
	wait_fired(2);
	cr_assert_eq(nfired, 2, "fired %d: %d %d %d", nfired, fired_order[0],
		     fired_order[1], fired_order[2]);
	cr_assert(fired_order[0] + fired_order[1] == 5, "%d %d", fired_order[0],
		  fired_order[1]);
	cr_assert_lt(clock_monotonic_ns() - t0, 1000 * MS);
	cr_assert(callout_pending(&back));
	/* Back 30 s: `back' is 35 s away; the watcher runs again, `mono'
	 * keeps its time. */
	shift_realtime(-30000 * MS);
	wait_fired(4);
	cr_assert_eq(nfired, 4);
	cr_assert_eq(fired_order[2] + fired_order[3], 7); /* mono, watch */
	cr_assert_geq(clock_monotonic_ns() - t0, 1000 * MS);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 20 * MS);
	cr_assert_eq(nfired, 4);
	cr_assert(callout_pending(&back));
	/* Off the watch list: a setting no longer runs it. */
	callout_watch_clockset(&watch, false);
	callout_watch_clockset(&watch, false); /* twice is fine */
	shift_realtime(40000 * MS);
	wait_fired(5);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 10 * MS);
	cr_assert_eq(nfired, 5);
	cr_assert_eq(fired_order[4], 2);
	callout_halt(&fwd);
	callout_halt(&watch);
}

/* A callout armed by another thread for before the kernel thread's
 * wakeup wakes it (the thread sleeps until its head's time only). */
Test(callout, earlier_head_from_another_thread_wakes_the_thread)
{
	struct callout late, early;
	uint64_t t0 = clock_monotonic_ns();

	callout_init(&late, record, (void *)1);
	callout_init(&early, record, (void *)2);
	callout_schedule(&late, t0 + 500 * MS);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 5 * MS);
	/* Moved later: no wakeup needed; then an earlier one. */
	callout_schedule(&late, t0 + 600 * MS);
	callout_schedule(&early, t0 + 10 * MS);
	wait_fired(1);
	cr_assert_eq(fired_order[0], 2);
	cr_assert_lt(clock_monotonic_ns() - t0, 300 * MS);
	callout_halt(&late);
}
