/*
 * hyper_thread.c: host threads, and the current-lwp bookkeeping that is
 * tied to their lives.  struct lwp pointers here are made-up values:
 * the layer never looks behind them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#define LWP(n) ((struct lwp *)(uintptr_t)(0x1000 * (n)))

/* What hyp_hostthread_exit saw. */
static struct lwp *exited[4];
static struct lwp *curlwp_in_upcall[4];
static int nexited;
static int rebind; /* bind LWP(9) from inside the first upcall */
static int unsched, sched;

static void
on_hostthread_exit(struct lwp *l)
{
	int i = nexited++;

	exited[i] = l;
	curlwp_in_upcall[i] = rumpuser_curlwp();
	if (rebind && i == 0)
		rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(9));
}

static void
on_unsched(int nlocks, int *countp, void *interlock)
{
	(void)nlocks, (void)interlock;
	__atomic_add_fetch(&unsched, 1, __ATOMIC_RELAXED);
	*countp = 5;
}

static void
on_sched(int nlocks, void *interlock)
{
	(void)interlock;
	cr_assert_eq(nlocks, 5);
	__atomic_add_fetch(&sched, 1, __ATOMIC_RELAXED);
}

static void
boot(void)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_hostthread_exit = on_hostthread_exit;
	hyp.hyp_backend_unschedule = on_unsched;
	hyp.hyp_backend_schedule = on_sched;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
}

TestSuite(hyper_thread, .init = boot, .timeout = 10);

static void *
add_one(void *arg)
{
	int *p = arg;

	*p += 1;
	return NULL;
}

static void
run_joined(void *(*fun)(void *), void *arg)
{
	void *cookie = NULL;

	cr_assert_eq(
		rumpuser_thread_create(fun, arg, "test", 1, 0, -1, &cookie), 0);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
}

Test(hyper_thread, create_and_join)
{
	int n = 0, i;

	for (i = 0; i < 10; i++)
		run_joined(add_one, &n);
	cr_assert_eq(n, 10);
	/* join blocks: it unscheduled and rescheduled each time. */
	cr_assert_eq(unsched, 10);
	cr_assert_eq(sched, 10);
}

static sem_t detached_ran;

static void *
post(void *arg)
{
	(void)arg;
	sem_post(&detached_ran);
	rumpuser_thread_exit();
}

Test(hyper_thread, detached_threads_run)
{
	int i;

	sem_init(&detached_ran, 0, 0);
	for (i = 0; i < 5; i++)
		cr_assert_eq(rumpuser_thread_create(post, NULL, NULL, 0, 0, -1,
						    NULL),
			     0);
	for (i = 0; i < 5; i++)
		sem_wait(&detached_ran);
}

static sem_t named;

static void *
get_name(void *arg)
{
	char *buf = arg;

	sem_wait(&named); /* the creator names us after pthread_create */
	pthread_getname_np(pthread_self(), buf, 32);
	return NULL;
}

Test(hyper_thread, names_are_truncated)
{
	char buf[32] = "";
	void *cookie;

	sem_init(&named, 0, 0);
	cr_assert_eq(rumpuser_thread_create(get_name, buf,
					    "a_very_long_thread_name", 1, 0, -1,
					    &cookie),
		     0);
	sem_post(&named);
	cr_assert_eq(rumpuser_thread_join(cookie), 0);
	cr_assert_str_eq(buf, "a_very_long_thr");
}

static void *
report_curlwp(void *arg)
{
	*(struct lwp **)arg = rumpuser_curlwp();
	return NULL;
}

Test(hyper_thread, new_threads_have_no_lwp)
{
	struct lwp *seen = LWP(7);

	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	run_joined(report_curlwp, &seen);
	cr_assert_null(seen);
	cr_assert_eq(rumpuser_curlwp(), LWP(1));
}

Test(hyper_thread, set_and_clear)
{
	int i;

	cr_assert_null(rumpuser_curlwp());
	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, LWP(1));
	for (i = 1; i < 100; i++) {
		rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(i));
		cr_assert_eq(rumpuser_curlwp(), LWP(i));
		rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(i));
		cr_assert_null(rumpuser_curlwp());
	}
	rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, LWP(1));
}

Test(hyper_thread, set_over_set_aborts, .signal = SIGABRT)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(2));
}

Test(hyper_thread, clear_of_other_aborts, .signal = SIGABRT)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(1));
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(2));
}

Test(hyper_thread, clear_of_none_aborts, .signal = SIGABRT)
{
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(2));
}

Test(hyper_thread, unknown_op_aborts, .signal = SIGABRT)
{
	rumpuser_curlwpop(42, LWP(2));
}

static void *
set_and_exit(void *arg)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, arg);
	rumpuser_thread_exit();
}

static void *
set_and_return(void *arg)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, arg);
	return NULL;
}

static void *
set_clear_exit(void *arg)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, arg);
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, arg);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, LWP(5));
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, LWP(5));
	rumpuser_thread_exit();
}

Test(hyper_thread, exit_with_lwp_reports_it)
{
	run_joined(set_and_exit, LWP(3));
	cr_assert_eq(nexited, 1);
	cr_assert_eq(exited[0], LWP(3));
	/* The context is cleared before the kernel hears of it. */
	cr_assert_null(curlwp_in_upcall[0]);
}

Test(hyper_thread, return_with_lwp_reports_it)
{
	run_joined(set_and_return, LWP(4));
	cr_assert_eq(nexited, 1);
	cr_assert_eq(exited[0], LWP(4));
}

Test(hyper_thread, exit_without_lwp_reports_nothing)
{
	int n = 0;

	run_joined(set_clear_exit, LWP(3));
	run_joined(add_one, &n);
	cr_assert_eq(nexited, 0);
}

static void *
exchange_and_exit(void *arg)
{
	/* First binding through exchange: the exit report must be armed. */
	if (rumpuser_curlwp_exchange(arg) != NULL)
		return NULL;
	if (rumpuser_curlwp_exchange(LWP(6)) != arg)
		return NULL;
	rumpuser_thread_exit();
}

Test(hyper_thread, exchange_swaps_and_returns_previous)
{
	cr_assert_null(rumpuser_curlwp_exchange(LWP(1)));
	cr_assert_eq(rumpuser_curlwp(), LWP(1));
	cr_assert_eq(rumpuser_curlwp_exchange(LWP(2)), LWP(1));
	cr_assert_eq(rumpuser_curlwp(), LWP(2));
	cr_assert_eq(rumpuser_curlwp_exchange(NULL), LWP(2));
	cr_assert_null(rumpuser_curlwp());
	cr_assert_null(rumpuser_curlwp_exchange(NULL));
}

Test(hyper_thread, exchange_arms_the_exit_report)
{
	run_joined(exchange_and_exit, LWP(3));
	cr_assert_eq(nexited, 1);
	cr_assert_eq(exited[0], LWP(6));
}

/* A kernel that binds another lwp while told of the exit hears again. */
Test(hyper_thread, rebinding_in_upcall_is_reported)
{
	rebind = 1;
	run_joined(set_and_exit, LWP(3));
	cr_assert_eq(nexited, 2);
	cr_assert_eq(exited[0], LWP(3));
	cr_assert_eq(exited[1], LWP(9));
}

static void *
many_threads_worker(void *arg)
{
	rumpuser_curlwpop(RUMPUSER_LWP_SET, arg);
	return NULL;
}

static struct lwp *exited_many[16];
static int nexited_many;

static void
count_exit(struct lwp *l)
{
	int i = __atomic_fetch_add(&nexited_many, 1, __ATOMIC_RELAXED);

	exited_many[i] = l;
}

Test(hyper_thread, exits_from_many_threads)
{
	struct rumpuser_hyperup hyp;
	void *cookies[16];
	int i, j, found;

	memset(&hyp, 0, sizeof(hyp));
	hyp.hyp_hostthread_exit = count_exit;
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	for (i = 0; i < 16; i++)
		cr_assert_eq(rumpuser_thread_create(many_threads_worker,
						    LWP(i + 1), "w", 1, 0, -1,
						    &cookies[i]),
			     0);
	for (i = 0; i < 16; i++)
		cr_assert_eq(rumpuser_thread_join(cookies[i]), 0);
	cr_assert_eq(nexited_many, 16);
	for (i = 0; i < 16; i++) {
		for (found = 0, j = 0; j < 16; j++)
			found += exited_many[j] == LWP(i + 1);
		cr_assert_eq(found, 1);
	}
}

/*
 * rumpuser_membar_threads, as the kernel uses it (kern/lwproc.c): an
 * asymmetric Dekker lock.  The fast side stores its flag and loads the
 * other's with only a compiler barrier between; the slow side stores,
 * calls the barrier, then loads.  Never may both be inside at once.
 * Without the call (a compiler barrier in its place), x86's store-load
 * reordering lets both in about once in 1500 rounds on our machines.
 */
#define DEKKER_ROUNDS 20000

static int dk_fast, dk_slow, dk_inside, dk_both, dk_stop, dk_started;

static void
dk_enter(void)
{
	if (__atomic_fetch_add(&dk_inside, 1, __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&dk_both, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&dk_inside, 1, __ATOMIC_RELAXED);
}

static void *
dekker_fast(void *arg)
{
	(void)arg;
	__atomic_store_n(&dk_started, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&dk_stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&dk_fast, 1, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&dk_slow, __ATOMIC_RELAXED))
			dk_enter();
		__atomic_store_n(&dk_fast, 0, __ATOMIC_RELEASE);
	}
	return NULL;
}

Test(hyper_thread, membar_threads_orders_a_store_before_a_load)
{
	pthread_t t;

	cr_assert_eq(rumpuser_membar_threads(), 0);
	cr_assert_eq(pthread_create(&t, NULL, dekker_fast, NULL), 0);
	while (!__atomic_load_n(&dk_started, __ATOMIC_RELAXED))
		continue;
	for (int i = 0; i < DEKKER_ROUNDS; i++) {
		__atomic_store_n(&dk_slow, 1, __ATOMIC_RELAXED);
		cr_assert_eq(rumpuser_membar_threads(), 0);
		if (!__atomic_load_n(&dk_fast, __ATOMIC_RELAXED))
			dk_enter();
		__atomic_store_n(&dk_slow, 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&dk_stop, 1, __ATOMIC_RELAXED);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(dk_both, 0, "both sides were inside at once");
}

/* A fork's child has a new address space, registered for the barrier or
 * not: the call works there too. */
Test(hyper_thread, membar_threads_in_a_forked_child)
{
	int status;
	pid_t pid;

	cr_assert_eq(rumpuser_membar_threads(), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0)
		_exit(rumpuser_membar_threads() == 0 &&
				      rumpuser_membar_threads() == 0
			      ? 0
			      : 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x", status);
}
