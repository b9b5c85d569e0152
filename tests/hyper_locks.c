/*
 * hyper_locks.c: mutexes, reader/writer locks and condition variables.
 * struct lwp pointers are made-up values; the layer only compares them.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#define LWP(n) ((struct lwp *)(uintptr_t)(0x1000 * (n)))

/* Upcall doubles: count, and check that schedule undoes unschedule. */
static int nunsched, nsched;
static void *last_interlock;

static void
on_unsched(int nlocks, int *countp, void *interlock)
{
	cr_assert_eq(nlocks, 0);
	__atomic_store_n(&last_interlock, interlock, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&nunsched, 1, __ATOMIC_SEQ_CST);
	*countp = 3;
}

static void
on_sched(int nlocks, void *interlock)
{
	(void)interlock;
	cr_assert_eq(nlocks, 3);
	__atomic_add_fetch(&nsched, 1, __ATOMIC_SEQ_CST);
}

static void
boot(void)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_backend_unschedule = on_unsched;
	hyp.hyp_backend_schedule = on_sched;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
}

static void
boot_quiet(void)
{
	cr_redirect_stderr();
	boot();
}

static int
load(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* Run fun(arg) on n threads, the calling one not among them. */
static void
run_threads(int n, void *(*fun)(void *), void *arg)
{
	pthread_t t[16];
	void *rv;
	int i;

	for (i = 0; i < n; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fun, arg), 0);
	for (i = 0; i < n; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv);
	}
}

TestSuite(hyper_mutex, .init = boot, .timeout = 10);

Test(hyper_mutex, enter_exit)
{
	struct rumpuser_mtx *mtx;
	int flags[] = { 0, RUMPUSER_MTX_SPIN, RUMPUSER_MTX_KMUTEX,
			RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX };
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		rumpuser_mutex_init(&mtx, flags[i]);
		cr_assert_eq((uintptr_t)mtx % 8, 0); /* atomics need it */
		rumpuser_mutex_enter(mtx);
		rumpuser_mutex_exit(mtx);
		rumpuser_mutex_enter_nowrap(mtx);
		rumpuser_mutex_exit(mtx);
		cr_assert_eq(rumpuser_mutex_tryenter(mtx), 0);
		rumpuser_mutex_exit(mtx);
		rumpuser_mutex_destroy(mtx);
	}
	/* Nothing was contended: nothing was unscheduled. */
	cr_assert_eq(nunsched, 0);
}

static void *
try_other(void *arg)
{
	int error = rumpuser_mutex_tryenter(arg);

	if (error == 0)
		rumpuser_mutex_exit(arg);
	return (void *)(intptr_t)error;
}

Test(hyper_mutex, tryenter_busy)
{
	struct rumpuser_mtx *mtx;
	pthread_t t;
	void *rv;

	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_enter(mtx);
	cr_assert_eq(pthread_create(&t, NULL, try_other, mtx), 0);
	cr_assert_eq(pthread_join(t, &rv), 0);
	cr_assert_eq((intptr_t)rv, EBUSY);
	rumpuser_mutex_exit(mtx);
	cr_assert_eq(pthread_create(&t, NULL, try_other, mtx), 0);
	cr_assert_eq(pthread_join(t, &rv), 0);
	cr_assert_eq((intptr_t)rv, 0);
	rumpuser_mutex_destroy(mtx);
}

Test(hyper_mutex, owner)
{
	struct rumpuser_mtx *mtx;
	struct lwp *l = LWP(7);

	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_owner(mtx, &l);
	cr_assert_null(l);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_mutex_enter(mtx);
	rumpuser_mutex_owner(mtx, &l);
	cr_assert_eq(l, LWP(1));
	rumpuser_mutex_exit(mtx);
	rumpuser_mutex_owner(mtx, &l);
	cr_assert_null(l);
	cr_assert_eq(rumpuser_mutex_tryenter(mtx), 0);
	rumpuser_mutex_owner(mtx, &l);
	cr_assert_eq(l, LWP(1));
	rumpuser_mutex_exit(mtx);
	rumpuser_mutex_enter_nowrap(mtx);
	rumpuser_mutex_owner(mtx, &l);
	cr_assert_eq(l, LWP(1));
	rumpuser_mutex_exit(mtx);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(1));
	rumpuser_mutex_destroy(mtx);
}

Test(hyper_mutex, owner_of_plain_mutex_aborts, .init = boot_quiet,
     .signal = SIGABRT)
{
	struct rumpuser_mtx *mtx;
	struct lwp *l;

	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_SPIN);
	rumpuser_mutex_owner(mtx, &l);
}

Test(hyper_mutex, unknown_flags_abort, .init = boot_quiet, .signal = SIGABRT)
{
	struct rumpuser_mtx *mtx;

	rumpuser_mutex_init(&mtx, 0x100);
}

Test(hyper_mutex, locking_against_myself_aborts, .init = boot_quiet,
     .signal = SIGABRT)
{
	struct rumpuser_mtx *mtx;

	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_enter(mtx);
	rumpuser_mutex_enter(mtx);
}

static struct rumpuser_mtx *counter_mtx;
static long counter;
static int lwp_seq;

#define ROUNDS 20000

static void *
count_up(void *arg)
{
	struct lwp *me =
		LWP(100 + __atomic_add_fetch(&lwp_seq, 1, __ATOMIC_RELAXED));
	struct lwp *owner;
	int i;

	(void)arg;
	rumpuser_curlwpop(RUMPUSER_LWP_SET, me);
	for (i = 0; i < ROUNDS; i++) {
		if (i % 3 == 0)
			rumpuser_mutex_enter_nowrap(counter_mtx);
		else
			rumpuser_mutex_enter(counter_mtx);
		rumpuser_mutex_owner(counter_mtx, &owner);
		if (owner != me)
			return (void *)1;
		counter++;
		rumpuser_mutex_exit(counter_mtx);
	}
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, me);
	return NULL;
}

Test(hyper_mutex, contention)
{
	rumpuser_mutex_init(&counter_mtx, RUMPUSER_MTX_KMUTEX);
	run_threads(4, count_up, NULL);
	cr_assert_eq(counter, 4L * ROUNDS);
	/* Every unschedule was paired with a schedule. */
	cr_assert_eq(load(&nunsched), load(&nsched));
	rumpuser_mutex_destroy(counter_mtx);
}

static void *
enter_blocking(void *arg)
{
	rumpuser_mutex_enter(arg);
	rumpuser_mutex_exit(arg);
	return NULL;
}

Test(hyper_mutex, contended_enter_unschedules)
{
	struct rumpuser_mtx *mtx;
	pthread_t t;

	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_KMUTEX);
	rumpuser_mutex_enter(mtx);
	cr_assert_eq(pthread_create(&t, NULL, enter_blocking, mtx), 0);
	while (load(&nunsched) == 0)
		pause_ms(1);
	cr_assert_eq(__atomic_load_n(&last_interlock, __ATOMIC_SEQ_CST), mtx);
	rumpuser_mutex_exit(mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(load(&nsched), 1);
	rumpuser_mutex_destroy(mtx);
}

static void *
spin_enter(void *arg)
{
	rumpuser_mutex_enter(arg);
	rumpuser_mutex_exit(arg);
	return NULL;
}

Test(hyper_mutex, spin_mutex_never_unschedules)
{
	struct rumpuser_mtx *mtx;
	pthread_t t;

	rumpuser_mutex_init(&mtx, RUMPUSER_MTX_SPIN);
	rumpuser_mutex_enter(mtx);
	cr_assert_eq(pthread_create(&t, NULL, spin_enter, mtx), 0);
	pause_ms(20);
	rumpuser_mutex_exit(mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(load(&nunsched), 0);
	rumpuser_mutex_destroy(mtx);
}

/* ---- reader/writer locks ---------------------------------------------- */

TestSuite(hyper_rw, .init = boot, .timeout = 10);

Test(hyper_rw, tryenter_and_held)
{
	struct rumpuser_rw *rw;
	int held;

	rumpuser_rw_init(&rw);
	cr_assert_eq((uintptr_t)rw % 8, 0); /* atomics need it */
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
	cr_assert_eq(held, 0);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_eq(held, 0);

	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw), 0);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw), 0);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), EBUSY);
	rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
	cr_assert_neq(held, 0);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_eq(held, 0);
	rumpuser_rw_exit(rw);
	rumpuser_rw_exit(rw);

	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), 0);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), EBUSY);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw), EBUSY);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_neq(held, 0);
	rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
	cr_assert_eq(held, 0);
	/* Held by LWP(1), not by LWP(2). */
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(1));
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(2));
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_eq(held, 0);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(2));
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_rw_exit(rw);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_eq(held, 0);

	cr_assert_eq(rumpuser_rw_tryenter(7, rw), EINVAL);
	cr_assert_eq(nunsched, 0);
	rumpuser_rw_destroy(rw);
}

Test(hyper_rw, enter_modes)
{
	struct rumpuser_rw *rw;

	rumpuser_rw_init(&rw);
	rumpuser_rw_enter(RUMPUSER_RW_READER, rw);
	rumpuser_rw_exit(rw);
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, rw);
	rumpuser_rw_exit(rw);
	rumpuser_rw_destroy(rw);
}

Test(hyper_rw, enter_bad_mode_aborts, .init = boot_quiet, .signal = SIGABRT)
{
	struct rumpuser_rw *rw;

	rumpuser_rw_init(&rw);
	rumpuser_rw_enter(2, rw);
}

Test(hyper_rw, exit_unheld_aborts, .init = boot_quiet, .signal = SIGABRT)
{
	struct rumpuser_rw *rw;

	rumpuser_rw_init(&rw);
	rumpuser_rw_exit(rw);
}

/* Readers share: all of them are inside at the same time. */
static struct rumpuser_rw *shared_rw;
static pthread_barrier_t inside;

static void *
read_together(void *arg)
{
	(void)arg;
	rumpuser_rw_enter(RUMPUSER_RW_READER, shared_rw);
	pthread_barrier_wait(&inside); /* would hang if readers excluded */
	rumpuser_rw_exit(shared_rw);
	return NULL;
}

Test(hyper_rw, readers_share)
{
	rumpuser_rw_init(&shared_rw);
	pthread_barrier_init(&inside, NULL, 4);
	run_threads(4, read_together, NULL);
	rumpuser_rw_destroy(shared_rw);
}

/* Writers exclude everyone: a non-atomic counter stays exact. */
static long rw_counter;
static int rw_bad;

static void *
write_and_read(void *arg)
{
	int i, held;
	long a, b;

	(void)arg;
	for (i = 0; i < ROUNDS / 4; i++) {
		if (i % 4 == 0) {
			rumpuser_rw_enter(RUMPUSER_RW_READER, shared_rw);
			a = rw_counter;
			rumpuser_rw_held(RUMPUSER_RW_READER, shared_rw, &held);
			b = rw_counter;
			if (a != b || !held)
				__atomic_store_n(&rw_bad, 1, __ATOMIC_RELAXED);
		} else {
			rumpuser_rw_enter(RUMPUSER_RW_WRITER, shared_rw);
			rw_counter++;
		}
		rumpuser_rw_exit(shared_rw);
	}
	return NULL;
}

Test(hyper_rw, writers_exclude)
{
	rumpuser_rw_init(&shared_rw);
	run_threads(4, write_and_read, NULL);
	cr_assert_eq(rw_counter, 4L * (ROUNDS / 4 - ROUNDS / 16));
	cr_assert_eq(rw_bad, 0);
	cr_assert_eq(load(&nunsched), load(&nsched));
	rumpuser_rw_destroy(shared_rw);
}

/* A writer that waits; it says when it got in, and leaves again. */
static int writer_in;

static void *
wait_write(void *arg)
{
	(void)arg;
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, shared_rw);
	__atomic_store_n(&writer_in, 1, __ATOMIC_SEQ_CST);
	rumpuser_rw_exit(shared_rw);
	return NULL;
}

static void *
try_read(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)rumpuser_rw_tryenter(RUMPUSER_RW_READER,
						      shared_rw);
}

Test(hyper_rw, downgrade_lets_no_writer_in)
{
	pthread_t w, r;
	void *rv;
	int held;

	rumpuser_rw_init(&shared_rw);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, shared_rw);
	cr_assert_eq(pthread_create(&w, NULL, wait_write, NULL), 0);
	while (load(&nunsched) == 0) /* the writer is about to block */
		pause_ms(1);
	cr_assert_eq(__atomic_load_n(&last_interlock, __ATOMIC_SEQ_CST),
		     shared_rw);
	pause_ms(10);
	rumpuser_rw_downgrade(shared_rw);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, shared_rw, &held);
	cr_assert_eq(held, 0);
	rumpuser_rw_held(RUMPUSER_RW_READER, shared_rw, &held);
	cr_assert_neq(held, 0);
	pause_ms(20);
	cr_assert_eq(load(&writer_in), 0);
	/* A waiting writer holds off new readers. */
	cr_assert_eq(pthread_create(&r, NULL, try_read, NULL), 0);
	cr_assert_eq(pthread_join(r, &rv), 0);
	cr_assert_eq((intptr_t)rv, EBUSY);
	rumpuser_rw_exit(shared_rw);
	cr_assert_eq(pthread_join(w, NULL), 0);
	cr_assert_eq(load(&writer_in), 1);
	cr_assert_eq(load(&nsched), 1);
	rumpuser_rw_destroy(shared_rw);
}

Test(hyper_rw, downgrade_admits_readers)
{
	pthread_t r;
	void *rv;

	rumpuser_rw_init(&shared_rw);
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, shared_rw);
	rumpuser_rw_downgrade(shared_rw);
	cr_assert_eq(pthread_create(&r, NULL, try_read, NULL), 0);
	cr_assert_eq(pthread_join(r, &rv), 0);
	cr_assert_eq((intptr_t)rv, 0);
	rumpuser_rw_exit(shared_rw); /* theirs */
	rumpuser_rw_exit(shared_rw); /* ours */
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, shared_rw), 0);
	rumpuser_rw_exit(shared_rw);
	rumpuser_rw_destroy(shared_rw);
}

/* Readers blocked by a writer all get in once it downgrades. */
static void *
wait_read(void *arg)
{
	(void)arg;
	rumpuser_rw_enter(RUMPUSER_RW_READER, shared_rw);
	pthread_barrier_wait(&inside);
	rumpuser_rw_exit(shared_rw);
	return NULL;
}

Test(hyper_rw, downgrade_wakes_readers)
{
	pthread_t t[3];
	int i;

	rumpuser_rw_init(&shared_rw);
	pthread_barrier_init(&inside, NULL, 4);
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, shared_rw);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, wait_read, NULL), 0);
	while (load(&nunsched) < 3)
		pause_ms(1);
	rumpuser_rw_downgrade(shared_rw);
	pthread_barrier_wait(&inside); /* all four readers at once */
	rumpuser_rw_exit(shared_rw);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	rumpuser_rw_destroy(shared_rw);
}

Test(hyper_rw, tryupgrade)
{
	struct rumpuser_rw *rw;
	int held;

	rumpuser_rw_init(&rw);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	/* The only reader may upgrade. */
	rumpuser_rw_enter(RUMPUSER_RW_READER, rw);
	cr_assert_eq(rumpuser_rw_tryupgrade(rw), 0);
	rumpuser_rw_held(RUMPUSER_RW_WRITER, rw, &held);
	cr_assert_neq(held, 0);
	rumpuser_rw_held(RUMPUSER_RW_READER, rw, &held);
	cr_assert_eq(held, 0);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_READER, rw), EBUSY);
	rumpuser_rw_exit(rw);
	/* One of two readers may not. */
	rumpuser_rw_enter(RUMPUSER_RW_READER, rw);
	rumpuser_rw_enter(RUMPUSER_RW_READER, rw);
	cr_assert_eq(rumpuser_rw_tryupgrade(rw), EBUSY);
	rumpuser_rw_exit(rw);
	cr_assert_eq(rumpuser_rw_tryupgrade(rw), 0);
	rumpuser_rw_exit(rw);
	cr_assert_eq(rumpuser_rw_tryenter(RUMPUSER_RW_WRITER, rw), 0);
	rumpuser_rw_exit(rw);
	rumpuser_rw_destroy(rw);
}

/* ---- condition variables ---------------------------------------------- */

TestSuite(hyper_cv, .init = boot, .timeout = 10);

static struct rumpuser_mtx *cv_mtx;
static struct rumpuser_cv *cv;
static int cv_flag, cv_woken, cv_bad;

static void
cv_setup(int mtxflags)
{
	rumpuser_mutex_init(&cv_mtx, mtxflags);
	rumpuser_cv_init(&cv);
}

static void
cv_teardown(void)
{
	rumpuser_cv_destroy(cv);
	rumpuser_mutex_destroy(cv_mtx);
}

static int
waiters(void)
{
	int n;

	rumpuser_cv_has_waiters(cv, &n);
	return n;
}

static void *
wait_flag(void *arg)
{
	struct lwp *me = arg, *owner;

	rumpuser_curlwpop(RUMPUSER_LWP_SET, me);
	rumpuser_mutex_enter(cv_mtx);
	while (!cv_flag)
		rumpuser_cv_wait(cv, cv_mtx);
	/* The mutex is ours again, owner and all. */
	rumpuser_mutex_owner(cv_mtx, &owner);
	if (owner != me)
		cv_bad = 1;
	cv_woken++;
	rumpuser_mutex_exit(cv_mtx);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, me);
	return NULL;
}

Test(hyper_cv, signal_wakes_one)
{
	pthread_t t;
	struct lwp *owner;

	cv_setup(RUMPUSER_MTX_KMUTEX);
	cr_assert_eq(waiters(), 0);
	cr_assert_eq(pthread_create(&t, NULL, wait_flag, LWP(5)), 0);
	while (waiters() != 1)
		pause_ms(1);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_mutex_enter(cv_mtx);
	/* The sleeper does not own the mutex; we do. */
	rumpuser_mutex_owner(cv_mtx, &owner);
	cr_assert_eq(owner, LWP(1));
	cv_flag = 1;
	rumpuser_cv_signal(cv);
	rumpuser_mutex_exit(cv_mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(cv_woken, 1);
	cr_assert_eq(cv_bad, 0);
	cr_assert_eq(waiters(), 0);
	/* cv_wait gave the CPU back while it slept. */
	cr_assert_eq(load(&nunsched), load(&nsched));
	cr_assert_geq(load(&nunsched), 1);
	cv_teardown();
}

Test(hyper_cv, broadcast_wakes_all)
{
	pthread_t t[5];
	int i;

	cv_setup(RUMPUSER_MTX_KMUTEX);
	for (i = 0; i < 5; i++)
		cr_assert_eq(
			pthread_create(&t[i], NULL, wait_flag, LWP(10 + i)), 0);
	while (waiters() != 5)
		pause_ms(1);
	rumpuser_mutex_enter(cv_mtx);
	cv_flag = 1;
	rumpuser_cv_broadcast(cv);
	rumpuser_mutex_exit(cv_mtx);
	for (i = 0; i < 5; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	cr_assert_eq(cv_woken, 5);
	cr_assert_eq(cv_bad, 0);
	cv_teardown();
}

/* Same, with a SPIN|KMUTEX interlock: CPU first, then the mutex. */
Test(hyper_cv, spin_kmutex_interlock)
{
	pthread_t t[3];
	int i;

	cv_setup(RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
	for (i = 0; i < 3; i++)
		cr_assert_eq(
			pthread_create(&t[i], NULL, wait_flag, LWP(20 + i)), 0);
	while (waiters() != 3)
		pause_ms(1);
	rumpuser_mutex_enter(cv_mtx);
	cv_flag = 1;
	rumpuser_cv_broadcast(cv);
	rumpuser_mutex_exit(cv_mtx);
	for (i = 0; i < 3; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	cr_assert_eq(cv_woken, 3);
	cr_assert_eq(cv_bad, 0);
	cv_teardown();
}

Test(hyper_cv, timedwait_times_out)
{
	struct timespec a, b;
	struct lwp *owner;
	long ms;

	cv_setup(RUMPUSER_MTX_KMUTEX);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_mutex_enter(cv_mtx);
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(rumpuser_cv_timedwait(cv, cv_mtx, 0, 20000000), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	rumpuser_mutex_owner(cv_mtx, &owner);
	cr_assert_eq(owner, LWP(1));
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	cr_assert_geq(ms, 19);
	cr_assert_lt(ms, 5000);
	/* Zero and negative timeouts expire at once. */
	cr_assert_eq(rumpuser_cv_timedwait(cv, cv_mtx, 0, 0), ETIMEDOUT);
	cr_assert_eq(rumpuser_cv_timedwait(cv, cv_mtx, -1, 0), ETIMEDOUT);
	/* Nanoseconds beyond a second are carried. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(rumpuser_cv_timedwait(cv, cv_mtx, 0, 1000000000 + 5000000),
		     ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	cr_assert_geq(ms, 1004);
	rumpuser_mutex_exit(cv_mtx);
	cr_assert_eq(waiters(), 0);
	cv_teardown();
}

static void *
signal_later(void *arg)
{
	(void)arg;
	while (waiters() == 0)
		pause_ms(1);
	rumpuser_mutex_enter(cv_mtx);
	cv_flag = 1;
	rumpuser_cv_signal(cv);
	rumpuser_mutex_exit(cv_mtx);
	return NULL;
}

Test(hyper_cv, timedwait_signalled)
{
	pthread_t t;
	int rv = 0;

	cv_setup(RUMPUSER_MTX_KMUTEX);
	cr_assert_eq(pthread_create(&t, NULL, signal_later, NULL), 0);
	rumpuser_mutex_enter(cv_mtx);
	/* A long timeout that the signal cuts short. */
	while (!cv_flag && rv == 0)
		rv = rumpuser_cv_timedwait(cv, cv_mtx, 60, 0);
	cr_assert_eq(rv, 0);
	rumpuser_mutex_exit(cv_mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cv_teardown();
}

Test(hyper_cv, huge_timeout_does_not_overflow)
{
	pthread_t t;
	int rv = 0;

	cv_setup(RUMPUSER_MTX_KMUTEX);
	cr_assert_eq(pthread_create(&t, NULL, signal_later, NULL), 0);
	rumpuser_mutex_enter(cv_mtx);
	while (!cv_flag && rv == 0)
		rv = rumpuser_cv_timedwait(cv, cv_mtx, INT64_MAX, 999999999);
	cr_assert_eq(rv, 0);
	rumpuser_mutex_exit(cv_mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cv_teardown();
}

static void *
wait_nowrap(void *arg)
{
	(void)arg;
	rumpuser_mutex_enter_nowrap(cv_mtx);
	while (!cv_flag)
		rumpuser_cv_wait_nowrap(cv, cv_mtx);
	cv_woken++;
	rumpuser_mutex_exit(cv_mtx);
	return NULL;
}

Test(hyper_cv, wait_nowrap_keeps_the_cpu)
{
	pthread_t t;

	cv_setup(RUMPUSER_MTX_SPIN);
	cr_assert_eq(pthread_create(&t, NULL, wait_nowrap, NULL), 0);
	while (waiters() != 1)
		pause_ms(1);
	rumpuser_mutex_enter_nowrap(cv_mtx);
	cv_flag = 1;
	rumpuser_cv_signal(cv);
	rumpuser_mutex_exit(cv_mtx);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(cv_woken, 1);
	cr_assert_eq(load(&nunsched), 0);
	cv_teardown();
}
