/*
 * kern_sleepq.c: the kernel's one blocking primitive (kern/sleepq.h),
 * exercised from real host threads, each bound to its own lwp.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <rump/rump.h>

#include "sleepq.h"

#define MS 1000000ULL

static kmutex_t lock;
static struct waitq wq;
static int ready; /* sleepers enqueued, under lock */

/* Sleepers keep their lwp until `released' when `hold_lwps' is set:
 * lwp_interrupt's caller must keep the lwp alive. */
static int released, hold_lwps;

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
	mutex_init(&lock);
	waitq_init(&wq);
	ready = 0;
	released = 0;
	hold_lwps = 0;
}

TestSuite(sleepq, .init = setup);

struct sleeper {
	pthread_t thr;
	uint64_t timeout;
	int flags;
	int result;
	struct lwp *lwp;
	int hold; /* keep the lwp until `released' (lwp_interrupt's rule) */
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	s->lwp = rump_pub_lwproc_curlwp();
	mutex_enter(&lock);
	ready++;
	s->result = sleepq_wait(&wq, &lock,
				s->timeout ? clock_monotonic_ns() + s->timeout
					   : DEADLINE_NONE,
				s->flags);
	mutex_exit(&lock);
	while (s->hold && !__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
start(struct sleeper *s, int n, uint64_t timeout, int flags)
{
	for (int i = 0; i < n; i++) {
		s[i].timeout = timeout;
		s[i].flags = flags;
		s[i].result = -1;
		s[i].hold = hold_lwps;
		cr_assert_eq(
			pthread_create(&s[i].thr, NULL, sleeper_main, &s[i]),
			0);
	}
	/* Wait until every sleeper is on the queue (or past it). */
	for (;;) {
		mutex_enter(&lock);
		int r = ready;
		mutex_exit(&lock);
		if (r == n)
			break;
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
	}
}

static int
count_done(struct sleeper *s, int n)
{
	int done = 0;

	for (int i = 0; i < n; i++)
		done += __atomic_load_n(&s[i].result, __ATOMIC_ACQUIRE) != -1;
	return done;
}

Test(sleepq, wakeup_one_wakes_exactly_one)
{
	struct sleeper s[4];

	start(s, 4, 0, 0);
	mutex_enter(&lock);
	cr_assert_eq(waitq_wakeup_one(&wq), 1);
	mutex_exit(&lock);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 50 * MS);
	mutex_enter(&lock);
	cr_assert_eq(count_done(s, 4), 1);
	cr_assert_eq(waitq_wakeup_all(&wq), 3);
	mutex_exit(&lock);
	for (int i = 0; i < 4; i++) {
		pthread_join(s[i].thr, NULL);
		cr_assert_eq(s[i].result, 0);
	}
	cr_assert(waitq_empty(&wq));
}

Test(sleepq, wakeup_on_empty_queue_is_harmless)
{
	mutex_enter(&lock);
	cr_assert_eq(waitq_wakeup_one(&wq), 0);
	cr_assert_eq(waitq_wakeup_all(&wq), 0);
	mutex_exit(&lock);
}

Test(sleepq, timeout_returns_etimedout_after_deadline)
{
	struct sleeper s[1];
	uint64_t t0 = clock_monotonic_ns();

	start(s, 1, 20 * MS, 0);
	pthread_join(s[0].thr, NULL);
	cr_assert_eq(s[0].result, ETIMEDOUT);
	cr_assert_geq(clock_monotonic_ns() - t0, 20 * MS);
	cr_assert(waitq_empty(&wq), "a timed-out sleeper leaves the queue");
}

Test(sleepq, interrupt_ends_interruptible_sleep_with_eintr)
{
	struct sleeper s[1];

	hold_lwps = 1;
	start(s, 1, 0, SLEEP_INTR);
	lwp_interrupt(s[0].lwp);
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	pthread_join(s[0].thr, NULL);
	cr_assert_eq(s[0].result, EINTR);
	cr_assert(waitq_empty(&wq));
}

Test(sleepq, interrupt_does_not_end_uninterruptible_sleep)
{
	struct sleeper s[1];

	hold_lwps = 1;
	start(s, 1, 30 * MS, 0);
	lwp_interrupt(s[0].lwp);
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	pthread_join(s[0].thr, NULL);
	cr_assert_eq(s[0].result, ETIMEDOUT);
}

Test(sleepq, interrupt_before_sleep_is_not_lost)
{
	struct lwp *l;
	int error;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	l = rump_pub_lwproc_curlwp();
	lwp_interrupt(l);
	mutex_enter(&lock);
	error = sleepq_wait(&wq, &lock, DEADLINE_NONE, SLEEP_INTR);
	mutex_exit(&lock);
	cr_assert_eq(error, EINTR);
	lwp_clear_interrupt(l);
	cr_assert_not(lwp_interrupted(l));
	mutex_enter(&lock);
	error = sleepq_wait(&wq, &lock, clock_monotonic_ns() + MS, SLEEP_INTR);
	mutex_exit(&lock);
	cr_assert_eq(error, ETIMEDOUT, "a cleared interrupt stays cleared");
	rump_pub_lwproc_releaselwp();
}

/* lwp_park_asleep: false for an lwp that never parked or is awake;
 * true once a park has spun out and waits in the host; false again
 * after it is woken and runs. */
Test(sleepq, park_asleep_tells_a_host_sleep)
{
	struct sleeper s[1];
	struct lwp *me;
	uint64_t until;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	me = rump_pub_lwproc_curlwp();
	cr_assert_not(lwp_park_asleep(me), "never parked");
	park_prepare(me);
	lwp_unpark(me);
	cr_assert_eq(lwp_park(me, DEADLINE_NONE, 0), 0);
	cr_assert_not(lwp_park_asleep(me), "parked and back");

	hold_lwps = 1;
	start(s, 1, 0, 0);
	/* The spin lasts at most 25 us: it is in the host well before. */
	until = clock_monotonic_ns() + 2000 * MS;
	while (!lwp_park_asleep(s[0].lwp) && clock_monotonic_ns() < until)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, MS);
	cr_assert(lwp_park_asleep(s[0].lwp));
	mutex_enter(&lock);
	cr_assert_eq(waitq_wakeup_all(&wq), 1);
	mutex_exit(&lock);
	until = clock_monotonic_ns() + 2000 * MS;
	for (int done = 0; !done && clock_monotonic_ns() < until;) {
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, MS);
		mutex_enter(&lock); /* the sleeper sets its result under it */
		done = count_done(s, 1);
		mutex_exit(&lock);
	}
	mutex_enter(&lock);
	cr_assert_eq(s[0].result, 0);
	mutex_exit(&lock);
	cr_assert_not(lwp_park_asleep(s[0].lwp), "woken and running");
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	pthread_join(s[0].thr, NULL);
	rump_pub_lwproc_releaselwp();
}

/* Deferred wakeups: a sleeper asleep in the host is dequeued and
 * marked at once, but runs only when the list is kicked; an lwp that
 * has not parked yet needs no kick and does not wait. */
Test(sleepq, deferred_wakeup_runs_at_the_kick)
{
	struct sleeper s[1];
	struct wakelist wl = WAKELIST_INIT;
	struct waiter w;
	struct lwp *me;
	uint64_t until;
	int done;

	hold_lwps = 1;
	start(s, 1, 0, 0);
	until = clock_monotonic_ns() + 2000 * MS;
	while (!lwp_park_asleep(s[0].lwp) && clock_monotonic_ns() < until)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, MS);
	cr_assert(lwp_park_asleep(s[0].lwp));
	mutex_enter(&lock);
	cr_assert_eq(waitq_wakeup_key_defer(&wq, ~0u, &wl), 1);
	cr_assert(waitq_empty(&wq), "dequeued under the lock");
	mutex_exit(&lock);
	cr_assert_eq(wl.wl_n, 1);
	rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 20 * MS);
	mutex_enter(&lock);
	done = count_done(s, 1);
	mutex_exit(&lock);
	cr_assert_eq(done, 0, "it ran before the kick");
	wakelist_kick(&wl);
	cr_assert_eq(wl.wl_n, 0);
	until = clock_monotonic_ns() + 2000 * MS;
	while (!done && clock_monotonic_ns() < until) {
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, MS);
		mutex_enter(&lock);
		done = count_done(s, 1);
		mutex_exit(&lock);
	}
	mutex_enter(&lock);
	cr_assert_eq(s[0].result, 0);
	mutex_exit(&lock);
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	pthread_join(s[0].thr, NULL);

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	me = rump_pub_lwproc_curlwp();
	park_prepare(me);
	mutex_enter(&lock);
	waitq_enqueue(&wq, &w, me, 1);
	cr_assert_eq(waitq_wakeup_key_defer(&wq, 1, &wl), 1);
	mutex_exit(&lock);
	cr_assert_eq(wl.wl_n, 0, "a park not asleep needs no kick");
	cr_assert_eq(lwp_park(me, clock_monotonic_ns() + 1000 * MS, 0), 0);
	rump_pub_lwproc_releaselwp();
}

Test(sleepq, unpark_before_park_is_not_lost)
{
	struct lwp *l;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	l = rump_pub_lwproc_curlwp();
	park_prepare(l);
	lwp_unpark(l);
	cr_assert_eq(lwp_park(l, clock_monotonic_ns() + 1000 * MS, 0), 0);
	rump_pub_lwproc_releaselwp();
}

Test(sleepq, wakeup_key_wakes_only_matching_waiters)
{
	struct waitq q;
	struct waiter a, b;
	struct lwp *l;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	l = rump_pub_lwproc_curlwp();
	waitq_init(&q);
	park_prepare(l);
	mutex_enter(&lock);
	waitq_enqueue(&q, &a, l, 0x1);
	waitq_enqueue(&q, &b, l, 0x4);
	cr_assert_eq(waitq_wakeup_key(&q, 0x4), 1);
	cr_assert_null(b.w_queue);
	cr_assert_not_null(a.w_queue);
	waitq_dequeue(&q, &a);
	mutex_exit(&lock);
	cr_assert(waitq_empty(&q));
	cr_assert_eq(lwp_park(l, DEADLINE_NONE, 0), 0);
	rump_pub_lwproc_releaselwp();
}

/* Many sleepers and wakers at once: every sleeper is woken exactly once
 * and nothing is left behind on the queue. */
Test(sleepq, many_threads_wake_all)
{
	enum { N = 16 };
	struct sleeper s[N];

	start(s, N, 0, 0);
	mutex_enter(&lock);
	cr_assert_eq(waitq_wakeup_all(&wq), N);
	mutex_exit(&lock);
	for (int i = 0; i < N; i++) {
		pthread_join(s[i].thr, NULL);
		cr_assert_eq(s[i].result, 0);
	}
}
