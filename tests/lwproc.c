/*
 * lwproc.c: processes, lwps and host-thread binding (rump_lwproc(3)).
 *
 * One test per statement of the manual, and the checklist of
 * spec/lwproc.md section 14.  Each test runs in its own host process
 * (Criterion forks), so each boots a fresh kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "proc_util.h"

/* The kernel's pid space (kern/proc.h): ids 1 .. 32767, a wrap restarts
 * at 300, as Linux's defaults. */
#define KPID_MAX 32768
#define KPID_RESERVED 300

/* ---- helpers ---------------------------------------------------------- */

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

/* No core files from the deliberate aborts. */
static void
no_core(void)
{
	struct rlimit rl = { 0, 0 };

	setrlimit(RLIMIT_CORE, &rl);
}

/* rfork(flags) that must succeed; returns the new process's pid. */
static void
newlwp_ok(pid_t pid)
{
	int error = rump_pub_lwproc_newlwp(pid);

	cr_assert_eq(error, 0, "newlwp(%d) = %d", (int)pid, error);
}

static void
assert_implicit(void)
{
	cr_assert_null(rump_pub_lwproc_curlwp());
	cr_assert_eq(rump_sys_getpid(), 1);
}

static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

static void *
join(pthread_t t)
{
	void *rv;

	cr_assert_eq(pthread_join(t, &rv), 0);
	return rv;
}

/*
 * Fatal errors with their messages: the scenario runs in a fresh host
 * process (this binary exec'd again, see run_scenario at the end), with
 * its stderr captured; it must die of SIGABRT (a kernel panic) with
 * `rule' in its message.  A fresh process rather than a fork, because
 * a forked child of a threaded process may not start threads under
 * ThreadSanitizer.
 */
#define SCENARIO_ENV "RUMPKIT_LWPROC_SCENARIO"

static void
expect_panic(const char *scenario, const char *rule)
{
	char out[8192];
	size_t n = 0;
	ssize_t r;
	int p[2], status;
	pid_t child;

	cr_assert_eq(pipe(p), 0);
	fflush(NULL);
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		char *argv[] = { "lwproc-scenario", NULL };

		no_core();
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		setenv(SCENARIO_ENV, scenario, 1);
		execv("/proc/self/exe", argv);
		_exit(126);
	}
	close(p[1]);
	while (n < sizeof(out) - 1 &&
	       (r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
		  "%s: expected death by SIGABRT, got status %#x; stderr:\n%s",
		  scenario, status, out);
	cr_assert(strstr(out, "panic") != NULL, "no panic message:\n%s", out);
	cr_assert(strstr(out, rule) != NULL,
		  "panic message does not name the rule \"%s\":\n%s", rule,
		  out);
}

/* A host thread that makes a process and keeps its lwp current until
 * the host process ends. */
static struct {
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	struct lwp *lwp;
	int ready;
} holder = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0 };

static void *
holder_main(void *arg)
{
	(void)arg;
	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		abort();
	pthread_mutex_lock(&holder.mtx);
	holder.lwp = rump_pub_lwproc_curlwp();
	holder.ready = 1;
	pthread_cond_broadcast(&holder.cv);
	pthread_mutex_unlock(&holder.mtx);
	for (;;)
		pause();
	return NULL;
}

/* The lwp the holder thread has current. */
static struct lwp *
holder_start(void)
{
	spawn(holder_main, NULL);
	pthread_mutex_lock(&holder.mtx);
	while (!holder.ready)
		pthread_cond_wait(&holder.cv, &holder.mtx);
	pthread_mutex_unlock(&holder.mtx);
	return holder.lwp;
}

/* ---- before rump_init -------------------------------------------------- */

TestSuite(preinit, .timeout = 20);

Test(preinit, rfork_before_init_is_enxio)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0), ENXIO);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), ENXIO);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), ENXIO);
}

Test(preinit, newlwp_before_init_is_enxio)
{
	cr_assert_eq(rump_pub_lwproc_newlwp(0), ENXIO);
	cr_assert_eq(rump_pub_lwproc_newlwp(1), ENXIO);
}

Test(preinit, curlwp_before_init_is_null)
{
	cr_assert_null(rump_pub_lwproc_curlwp());
}

Test(preinit, releaselwp_before_init_is_fatal, .signal = SIGABRT)
{
	no_core();
	rump_pub_lwproc_releaselwp();
}

Test(preinit, switch_before_init_is_fatal, .signal = SIGABRT)
{
	no_core();
	rump_pub_lwproc_switch(NULL);
}

static void
do_release_preinit(void)
{
	rump_pub_lwproc_releaselwp();
}

static void
do_switch_preinit(void)
{
	rump_pub_lwproc_switch(NULL);
}

Test(preinit, releaselwp_before_init_panic_names_rule)
{
	expect_panic("release_preinit", "rump_init() has not been called");
}

Test(preinit, switch_before_init_panic_names_rule)
{
	expect_panic("switch_preinit", "rump_init() has not been called");
}

Test(preinit, init_twice_returns_zero)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_init(), 0);
	assert_implicit();
}

#define NINIT_THREADS 8

static pthread_barrier_t init_barrier;

static void *
init_racer(void *arg)
{
	pthread_barrier_wait(&init_barrier);
	if (rump_init() != 0)
		return (void *)1;
	/* Whoever returns first must find a kernel that is fully up. */
	if (rump_sys_getpid() != 1 || rump_pub_lwproc_curlwp() != NULL)
		return (void *)2;
	return NULL;
}

Test(preinit, init_concurrently_from_many_threads)
{
	pthread_t t[NINIT_THREADS];

	pthread_barrier_init(&init_barrier, NULL, NINIT_THREADS);
	for (int i = 0; i < NINIT_THREADS; i++)
		t[i] = spawn(init_racer, NULL);
	for (int i = 0; i < NINIT_THREADS; i++)
		cr_assert_null(join(t[i]), "thread %d", i);
	pthread_barrier_destroy(&init_barrier);
	cr_assert_eq(rump_init(), 0);
	/* One boot only: one init, and the first process is still pid 2. */
	cr_assert_eq(rfork_ok(0), 2);
}

/* ---- after rump_init: the implicit context ------------------------------ */

TestSuite(lwproc, .init = boot, .timeout = 20);

Test(lwproc, after_init_curlwp_is_null)
{
	cr_assert_null(rump_pub_lwproc_curlwp());
}

Test(lwproc, after_init_getpid_is_1)
{
	cr_assert_eq(rump_sys_getpid(), 1);
}

Test(lwproc, implicit_context_parent_is_the_kernel)
{
	/* init is a child of proc0, as on Linux. */
	cr_assert_eq(rump_sys_getppid(), 0);
}

Test(lwproc, implicit_context_stays_implicit_across_calls)
{
	for (int i = 0; i < 100; i++)
		assert_implicit();
}

/* Our design: a host thread keeps its implicit lwp between entries. */
Test(lwproc, implicit_context_keeps_its_tid_in_one_thread)
{
	pid_t tid = rump_sys_gettid();

	cr_assert_gt(tid, 1);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(rump_sys_gettid(), tid);
}

Test(lwproc, implicit_tid_is_not_a_pid)
{
	pid_t tid = rump_sys_gettid();

	cr_assert_neq(tid, 1);
	cr_assert_eq(rump_pub_lwproc_newlwp(tid), ESRCH);
}

/* ---- rfork -------------------------------------------------------------- */

Test(lwproc, first_rfork_gives_pid_2)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	cr_assert_eq(rump_sys_getpid(), 2);
}

Test(lwproc, rfork_returns_zero_for_each_flag)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_SHARE), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_COPY), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_CLEAR), 0);
}

Test(lwproc, rfork_flag_values_are_the_manuals)
{
	cr_assert_eq(RUMP_RFFDG, 0x01);
	cr_assert_eq(RUMP_RFCFDG, 0x02);
	cr_assert_eq(RUMP_RFFD_SHARE, 0);
	cr_assert_eq(RUMP_RFFD_COPY, RUMP_RFFDG);
	cr_assert_eq(RUMP_RFFD_CLEAR, RUMP_RFCFDG);
}

Test(lwproc, rfork_copy_and_clear_together_is_einval)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG), EINVAL);
	assert_implicit();
}

Test(lwproc, rfork_unknown_flag_is_einval)
{
	cr_assert_eq(rump_pub_lwproc_rfork(0x4), EINVAL);
	cr_assert_eq(rump_pub_lwproc_rfork(0x4 | RUMP_RFFDG), EINVAL);
	cr_assert_eq(rump_pub_lwproc_rfork(INT_MIN), EINVAL);
	assert_implicit();
}

Test(lwproc, rfork_minus_one_is_einval)
{
	cr_assert_eq(rump_pub_lwproc_rfork(-1), EINVAL);
	assert_implicit();
}

Test(lwproc, failed_rfork_keeps_curlwp)
{
	struct lwp *l;

	rfork_ok(0);
	l = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_rfork(-1), EINVAL);
	cr_assert_eq(rump_pub_lwproc_curlwp(), l);
}

Test(lwproc, rfork_sets_curlwp_to_the_new_lwp)
{
	struct lwp *a, *b;

	rfork_ok(0);
	a = rump_pub_lwproc_curlwp();
	cr_assert_not_null(a);
	rfork_ok(0);
	b = rump_pub_lwproc_curlwp();
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
}

Test(lwproc, rfork_new_pid_is_read_with_getpid)
{
	pid_t a = rfork_ok(0), b = rfork_ok(0);

	cr_assert(a != 0 && a != -1 && a != 1);
	cr_assert(b != 0 && b != -1 && b != 1 && b != a);
}

Test(lwproc, rfork_from_implicit_context_is_child_of_init)
{
	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_getppid(), 1);
}

Test(lwproc, rfork_child_of_a_process_has_it_as_parent)
{
	pid_t parent = rfork_ok(0), child, grandchild;

	cr_assert_eq(rump_sys_getppid(), 1);
	child = rfork_ok(0);
	cr_assert_eq(rump_sys_getppid(), parent);
	grandchild = rfork_ok(0);
	cr_assert_eq(rump_sys_getppid(), child);
	cr_assert_neq(grandchild, child);
}

Test(lwproc, rfork_first_lwp_tid_is_the_pid)
{
	pid_t pid = rfork_ok(0);

	cr_assert_eq(rump_sys_gettid(), pid);
}

Test(lwproc, rfork_does_not_release_the_previous_lwp)
{
	pid_t a = rfork_ok(0);
	struct lwp *la = rump_pub_lwproc_curlwp();

	rfork_ok(0);
	rump_pub_lwproc_switch(la);
	cr_assert_eq(rump_sys_getpid(), a);
}

/* "rfork: create a process, one lwp inside it": releasing that one lwp
 * ends the process. */
Test(lwproc, rfork_process_has_exactly_one_lwp)
{
	pid_t pid = rfork_ok(0);

	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), ESRCH);
}

/* ---- newlwp ------------------------------------------------------------- */

Test(lwproc, newlwp_nonexistent_pid_is_esrch)
{
	cr_assert_eq(rump_pub_lwproc_newlwp(37), ESRCH);
	cr_assert_eq(rump_pub_lwproc_newlwp(-1), ESRCH);
	cr_assert_eq(rump_pub_lwproc_newlwp(KPID_MAX), ESRCH);
	cr_assert_eq(rump_pub_lwproc_newlwp(INT_MAX), ESRCH);
	cr_assert_eq(rump_pub_lwproc_newlwp(INT_MIN), ESRCH);
	assert_implicit();
}

Test(lwproc, failed_newlwp_keeps_curlwp)
{
	struct lwp *l;

	rfork_ok(0);
	l = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(37), ESRCH);
	cr_assert_eq(rump_pub_lwproc_curlwp(), l);
}

Test(lwproc, newlwp_own_pid_changes_curlwp_not_pid)
{
	pid_t pid = rfork_ok(0);
	struct lwp *first = rump_pub_lwproc_curlwp();

	newlwp_ok(rump_sys_getpid());
	cr_assert_not_null(rump_pub_lwproc_curlwp());
	cr_assert_neq(rump_pub_lwproc_curlwp(), first);
	cr_assert_eq(rump_sys_getpid(), pid);
}

Test(lwproc, newlwp_leaves_the_previous_lwp_alive)
{
	pid_t pid = rfork_ok(0);
	struct lwp *first = rump_pub_lwproc_curlwp();

	newlwp_ok(pid);
	rump_pub_lwproc_switch(first);
	cr_assert_eq(rump_pub_lwproc_curlwp(), first);
	cr_assert_eq(rump_sys_getpid(), pid);
}

Test(lwproc, newlwp_into_a_foreign_process)
{
	pid_t a = rfork_ok(RUMP_RFCFDG), b;

	rump_pub_lwproc_switch(NULL);
	b = rfork_ok(RUMP_RFCFDG);
	cr_assert_neq(a, b);
	newlwp_ok(a);
	cr_assert_eq(rump_sys_getpid(), a);
	cr_assert_eq(rump_sys_getppid(), 1);
}

Test(lwproc, newlwp_into_pid_0)
{
	newlwp_ok(0);
	cr_assert_not_null(rump_pub_lwproc_curlwp());
	cr_assert_eq(rump_sys_getpid(), 0);
	cr_assert_gt(rump_sys_gettid(), 1);
}

Test(lwproc, newlwp_into_pid_1)
{
	newlwp_ok(1);
	cr_assert_not_null(rump_pub_lwproc_curlwp());
	cr_assert_eq(rump_sys_getpid(), 1);
	cr_assert_gt(rump_sys_gettid(), 1);
}

Test(lwproc, rfork_from_pid_0_is_child_of_the_kernel)
{
	newlwp_ok(0);
	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_getppid(), 0);
}

Test(lwproc, releasing_an_lwp_of_pid_0_keeps_the_kernel)
{
	newlwp_ok(0);
	rump_pub_lwproc_releaselwp();
	assert_implicit();
	newlwp_ok(0);
	cr_assert_eq(rump_sys_getpid(), 0);
}

Test(lwproc, releasing_an_lwp_of_pid_1_keeps_init)
{
	newlwp_ok(1);
	rump_pub_lwproc_releaselwp();
	assert_implicit();
	newlwp_ok(1);
	cr_assert_eq(rump_sys_getpid(), 1);
	rump_pub_lwproc_releaselwp();
	/* Implicit contexts still work: init is alive. */
	assert_implicit();
	cr_assert_gt(rfork_ok(0), 1);
	cr_assert_eq(rump_sys_getppid(), 1);
}

Test(lwproc, newlwp_of_a_threads_tid_is_esrch)
{
	pid_t pid = rfork_ok(0), tid;

	newlwp_ok(pid);
	tid = rump_sys_gettid();
	cr_assert_neq(tid, pid);
	cr_assert_eq(rump_pub_lwproc_newlwp(tid), ESRCH);
}

Test(lwproc, newlwp_new_lwp_has_own_tid)
{
	pid_t pid = rfork_ok(0), t1 = rump_sys_gettid(), t2;

	newlwp_ok(pid);
	t2 = rump_sys_gettid();
	cr_assert_neq(t1, t2);
	cr_assert_gt(t2, 0);
}

/* ---- switch ------------------------------------------------------------- */

Test(lwproc, switch_sets_curlwp)
{
	struct lwp *a, *b;

	rfork_ok(0);
	a = rump_pub_lwproc_curlwp();
	rfork_ok(0);
	b = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_pub_lwproc_curlwp(), a);
	rump_pub_lwproc_switch(b);
	cr_assert_eq(rump_pub_lwproc_curlwp(), b);
}

Test(lwproc, switch_to_another_process_switches_pid)
{
	pid_t pa = rfork_ok(RUMP_RFCFDG), pb;
	struct lwp *a = rump_pub_lwproc_curlwp(), *b;

	rump_pub_lwproc_switch(NULL);
	pb = rfork_ok(RUMP_RFCFDG);
	b = rump_pub_lwproc_curlwp();
	for (int i = 0; i < 10; i++) {
		rump_pub_lwproc_switch(a);
		cr_assert_eq(rump_sys_getpid(), pa);
		rump_pub_lwproc_switch(b);
		cr_assert_eq(rump_sys_getpid(), pb);
	}
}

Test(lwproc, switch_within_a_process_keeps_pid)
{
	pid_t pid = rfork_ok(0);
	struct lwp *a = rump_pub_lwproc_curlwp(), *b;
	pid_t ta = rump_sys_gettid(), tb;

	newlwp_ok(pid);
	b = rump_pub_lwproc_curlwp();
	tb = rump_sys_gettid();
	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_sys_getpid(), pid);
	cr_assert_eq(rump_sys_gettid(), ta);
	rump_pub_lwproc_switch(b);
	cr_assert_eq(rump_sys_getpid(), pid);
	cr_assert_eq(rump_sys_gettid(), tb);
}

Test(lwproc, switch_null_gives_implicit_context)
{
	rfork_ok(0);
	rump_pub_lwproc_switch(NULL);
	assert_implicit();
}

Test(lwproc, switch_null_then_back)
{
	pid_t pid = rfork_ok(0);
	struct lwp *l = rump_pub_lwproc_curlwp();

	rump_pub_lwproc_switch(NULL);
	assert_implicit();
	rump_pub_lwproc_switch(l);
	cr_assert_eq(rump_pub_lwproc_curlwp(), l);
	cr_assert_eq(rump_sys_getpid(), pid);
}

/* The upstream regression: newlwp, switch(NULL), switch(same lwp). */
Test(lwproc, newlwp_switch_null_switch_back)
{
	struct lwp *l;

	newlwp_ok(1);
	l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	rump_pub_lwproc_switch(l);
	cr_assert_eq(rump_pub_lwproc_curlwp(), l);
}

Test(lwproc, switch_null_in_implicit_context_is_harmless)
{
	rump_pub_lwproc_switch(NULL);
	assert_implicit();
	rump_pub_lwproc_switch(NULL);
	assert_implicit();
}

/* Switching to the lwp that is already current in this thread is not
 * using it in two threads: it is a no-op. */
Test(lwproc, switch_to_own_curlwp_is_a_noop)
{
	pid_t pid = rfork_ok(0);
	struct lwp *l = rump_pub_lwproc_curlwp();

	rump_pub_lwproc_switch(l);
	cr_assert_eq(rump_pub_lwproc_curlwp(), l);
	cr_assert_eq(rump_sys_getpid(), pid);
}

/* "It is possible to ... multiplex them on top of a single host
 * thread." */
Test(lwproc, many_processes_multiplexed_on_one_thread)
{
	enum { N = 16 };
	struct lwp *l[N];
	pid_t pid[N];

	for (int i = 0; i < N; i++) {
		rump_pub_lwproc_switch(NULL);
		pid[i] = rfork_ok(i % 3 == 0   ? 0
				  : i % 3 == 1 ? RUMP_RFFDG
					       : RUMP_RFCFDG);
		l[i] = rump_pub_lwproc_curlwp();
	}
	for (int round = 0; round < 5; round++)
		for (int i = N - 1; i >= 0; i--) {
			rump_pub_lwproc_switch(l[i]);
			cr_assert_eq(rump_sys_getpid(), pid[i]);
			cr_assert_eq(rump_sys_gettid(), pid[i]);
		}
}

struct handoff {
	pthread_barrier_t bar;
	struct lwp *lwp;
	pid_t pid;
};

static void *
rfork_and_switch_away(void *arg)
{
	struct handoff *ho = arg;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		return (void *)1;
	ho->pid = rump_sys_getpid();
	ho->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_wait(&ho->bar); /* handed over */
	pthread_barrier_wait(&ho->bar); /* the other thread is done */
	if (rump_sys_getpid() != 1)
		return (void *)2;
	return NULL;
}

Test(lwproc, switch_from_thread_b_to_lwp_left_by_live_thread_a)
{
	struct handoff ho;
	pthread_t a;

	pthread_barrier_init(&ho.bar, NULL, 2);
	a = spawn(rfork_and_switch_away, &ho);
	pthread_barrier_wait(&ho.bar);
	rump_pub_lwproc_switch(ho.lwp);
	cr_assert_eq(rump_sys_getpid(), ho.pid);
	cr_assert_eq(rump_pub_lwproc_curlwp(), ho.lwp);
	pthread_barrier_wait(&ho.bar);
	cr_assert_null(join(a));
	pthread_barrier_destroy(&ho.bar);
}

/* ---- fatal errors ------------------------------------------------------- */

Test(lwproc, releaselwp_in_implicit_context_is_fatal, .signal = SIGABRT)
{
	no_core();
	rump_pub_lwproc_releaselwp();
}

Test(lwproc, releaselwp_after_implicit_syscall_is_fatal, .signal = SIGABRT)
{
	no_core();
	(void)rump_sys_getpid();
	rump_pub_lwproc_releaselwp();
}

Test(lwproc, releaselwp_twice_is_fatal, .signal = SIGABRT)
{
	no_core();
	rfork_ok(0);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_releaselwp();
}

static void
do_release_implicit(void)
{
	if (rump_init() != 0)
		return;
	(void)rump_sys_getpid();
	rump_pub_lwproc_releaselwp();
}

Test(lwproc, releaselwp_in_implicit_context_panic_names_rule)
{
	expect_panic("release_implicit", "dedicated");
}

static void
switch_to_held(void)
{
	/* The holder thread has the lwp current. */
	rump_pub_lwproc_switch(holder_start());
}

Test(lwproc, switch_to_lwp_current_in_another_thread_is_fatal,
     .signal = SIGABRT)
{
	no_core();
	switch_to_held();
}

static void
do_switch_to_held(void)
{
	if (rump_init() != 0)
		return;
	switch_to_held();
}

Test(lwproc, switch_to_running_lwp_panic_names_rule)
{
	expect_panic("switch_to_held", "another host thread");
}

/* Two threads that switch to one idle lwp at the same moment: one of
 * them must get it and the other must panic.  If both get it, that is
 * undetected sharing: the process says so and exits without a panic. */
static struct lwp *race_lwp;
static pthread_barrier_t race_bar;

static void *
race_switcher(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&race_bar);
	rump_pub_lwproc_switch(race_lwp);
	pthread_barrier_wait(&race_bar);
	fprintf(stderr, "both threads have lwp %p current\n", (void *)race_lwp);
	_exit(1);
}

static void
do_switch_race(void)
{
	pthread_t t[2];

	if (rump_init() != 0 || rump_pub_lwproc_rfork(0) != 0)
		return;
	race_lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_init(&race_bar, NULL, 2);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, race_switcher, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

Test(lwproc, simultaneous_switch_to_one_lwp_is_fatal)
{
	expect_panic("switch_race", "another host thread");
}

/* ---- releaselwp and curlwp ---------------------------------------------- */

Test(lwproc, releaselwp_sets_implicit_context)
{
	rfork_ok(0);
	rump_pub_lwproc_releaselwp();
	assert_implicit();
}

Test(lwproc, releaselwp_of_last_lwp_releases_the_process)
{
	pid_t pid = rfork_ok(0);

	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), ESRCH);
}

Test(lwproc, releaselwp_of_one_lwp_keeps_the_process)
{
	pid_t pid = rfork_ok(0);

	newlwp_ok(pid);
	rump_pub_lwproc_releaselwp();
	newlwp_ok(pid);
	cr_assert_eq(rump_sys_getpid(), pid);
}

Test(lwproc, releaselwp_of_first_lwp_keeps_the_process)
{
	pid_t pid = rfork_ok(0);
	struct lwp *first = rump_pub_lwproc_curlwp(), *second;

	newlwp_ok(pid);
	second = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(first);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(second);
	cr_assert_eq(rump_sys_getpid(), pid);
	/* The pid is not handed out while the process lives. */
	rump_pub_lwproc_switch(NULL);
	for (int i = 0; i < 8; i++) {
		cr_assert_neq(rfork_ok(RUMP_RFCFDG), pid);
		rump_pub_lwproc_releaselwp();
	}
}

Test(lwproc, curlwp_is_null_in_implicit_context)
{
	(void)rump_sys_getpid();
	cr_assert_null(rump_pub_lwproc_curlwp());
}

Test(lwproc, curlwp_is_the_dedicated_lwp)
{
	rfork_ok(0);
	cr_assert_not_null(rump_pub_lwproc_curlwp());
	(void)rump_sys_getpid();
	cr_assert_eq(rump_pub_lwproc_curlwp(), rump_pub_lwproc_curlwp());
}

Test(lwproc, kernel_internal_names_are_the_same_interface)
{
	cr_assert_eq(rump_lwproc_rfork(0), 0);
	cr_assert_eq(rump_lwproc_curlwp(), rump_pub_lwproc_curlwp());
	cr_assert_neq(rump_sys_getpid(), 1);
	rump_lwproc_releaselwp();
	cr_assert_null(rump_lwproc_curlwp());
	cr_assert_eq(rump_lwproc_newlwp(1), 0);
	rump_lwproc_switch(NULL);
	assert_implicit();
}

/* ---- process lifetime --------------------------------------------------- */

#define NLWPS 128

Test(lwproc, lwps_128_pid_lives_until_last_release)
{
	struct lwp *l[NLWPS];
	pid_t tid[NLWPS];
	pid_t pid = rfork_ok(0);

	l[0] = rump_pub_lwproc_curlwp();
	tid[0] = rump_sys_gettid();
	for (int i = 1; i < NLWPS; i++) {
		newlwp_ok(pid);
		l[i] = rump_pub_lwproc_curlwp();
		tid[i] = rump_sys_gettid();
		cr_assert_eq(rump_sys_getpid(), pid);
	}
	for (int i = 0; i < NLWPS; i++)
		for (int j = i + 1; j < NLWPS; j++) {
			cr_assert_neq(l[i], l[j]);
			cr_assert_neq(tid[i], tid[j]);
		}
	for (int i = 0; i < NLWPS; i++) {
		rump_pub_lwproc_switch(l[i]);
		cr_assert_eq(rump_sys_getpid(), pid);
		rump_pub_lwproc_releaselwp();
		cr_assert_eq(rump_sys_getpid(), 1);
		cr_assert_null(rump_pub_lwproc_curlwp());
		if (i < NLWPS - 1) {
			/* Still alive: a new lwp can join it. */
			newlwp_ok(pid);
			rump_pub_lwproc_releaselwp();
		}
	}
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), ESRCH);
}

/* "A rump kernel lwp will persist until it is explicitly released." */
Test(lwproc, lwp_persists_until_released)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *l = rump_pub_lwproc_curlwp();

	rump_pub_lwproc_switch(NULL);
	/* Churn: other processes come and go, implicit calls are made. */
	for (int i = 0; i < 200; i++) {
		rfork_ok(i % 2 ? 0 : RUMP_RFCFDG);
		rump_pub_lwproc_releaselwp();
		assert_implicit();
	}
	rump_pub_lwproc_switch(l);
	cr_assert_eq(rump_sys_getpid(), pid);
	cr_assert_eq(rump_sys_gettid(), pid);
}

Test(lwproc, orphans_are_reparented_to_init)
{
	pid_t parent = rfork_ok(0), child, grandchild;
	struct lwp *lp = rump_pub_lwproc_curlwp(), *lc, *lg;

	child = rfork_ok(0);
	lc = rump_pub_lwproc_curlwp();
	grandchild = rfork_ok(0);
	lg = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_getppid(), child);

	rump_pub_lwproc_switch(lp);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(lc);
	cr_assert_eq(rump_sys_getpid(), child);
	cr_assert_eq(rump_sys_getppid(), 1);
	/* Only direct children are adopted. */
	rump_pub_lwproc_switch(lg);
	cr_assert_eq(rump_sys_getppid(), child);
	cr_assert_eq(rump_sys_getpid(), grandchild);
	cr_assert_eq(rump_pub_lwproc_newlwp(parent), ESRCH);
}

Test(lwproc, releasing_a_non_last_lwp_keeps_the_children)
{
	pid_t parent = rfork_ok(0);
	struct lwp *lp = rump_pub_lwproc_curlwp(), *lc;

	newlwp_ok(parent);
	rfork_ok(0);
	lc = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(lp);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(lc);
	cr_assert_eq(rump_sys_getppid(), parent);
}

Test(lwproc, adopted_orphan_can_still_fork)
{
	struct lwp *lp, *lc;
	pid_t child;

	rfork_ok(0);
	lp = rump_pub_lwproc_curlwp();
	child = rfork_ok(0);
	lc = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(lp);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(lc);
	rfork_ok(0);
	cr_assert_eq(rump_sys_getppid(), child);
	/* And the adoptee can die after its adopter (init) took it. */
	rump_pub_lwproc_switch(lc);
	rump_pub_lwproc_releaselwp();
	assert_implicit();
}

/* ---- pids and tids ------------------------------------------------------ */

Test(lwproc, pids_are_allocated_in_order)
{
	cr_assert_eq(rfork_ok(RUMP_RFCFDG), 2);
	cr_assert_eq(rfork_ok(RUMP_RFCFDG), 3);
	cr_assert_eq(rfork_ok(RUMP_RFCFDG), 4);
}

Test(lwproc, freed_pid_is_not_reused_at_once)
{
	pid_t a = rfork_ok(0), b;

	rump_pub_lwproc_releaselwp();
	b = rfork_ok(0);
	cr_assert_neq(a, b);
	cr_assert_gt(b, a);
}

Test(lwproc, live_pids_are_unique)
{
	enum { N = 300 };
	pid_t pid[N];

	for (int i = 0; i < N; i++) {
		rump_pub_lwproc_switch(NULL);
		pid[i] = rfork_ok(i % 3);
		/* Interleave short-lived processes and extra lwps. */
		if (i % 5 == 0) {
			newlwp_ok(pid[i]);
			rump_pub_lwproc_switch(NULL);
			rfork_ok(0);
			rump_pub_lwproc_releaselwp();
		}
	}
	for (int i = 0; i < N; i++) {
		cr_assert(pid[i] > 1 && pid[i] < KPID_MAX);
		for (int j = i + 1; j < N; j++)
			cr_assert_neq(pid[i], pid[j]);
	}
}

Test(lwproc, tids_are_unique_across_processes)
{
	enum { NP = 8, NL = 8 };
	pid_t tid[NP * NL], pid[NP];
	int n = 0;

	for (int p = 0; p < NP; p++) {
		rump_pub_lwproc_switch(NULL);
		pid[p] = rfork_ok(RUMP_RFCFDG);
		tid[n++] = rump_sys_gettid();
		for (int i = 1; i < NL; i++) {
			newlwp_ok(pid[p]);
			tid[n++] = rump_sys_gettid();
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			cr_assert_neq(tid[i], tid[j]);
	/* An extra lwp's tid is never any live process's pid. */
	for (int i = 0; i < n; i++)
		if (i % NL != 0)
			for (int p = 0; p < NP; p++)
				cr_assert_neq(tid[i], pid[p]);
}

/*
 * Allocation wraps like Linux's: past 32767 it restarts at 300 and
 * skips ids still in use.  Processes at 300..305 and 1000 stay alive
 * through the wrap.
 */
Test(lwproc, pid_allocation_wraps_to_300_skipping_live_pids)
{
	struct lwp *keep[7];
	int nkeep = 0;
	pid_t pid, prev = 1, wrapped = 0;

	for (int i = 0; i < 2 * KPID_MAX; i++) {
		pid = rfork_ok(RUMP_RFCFDG);
		cr_assert(pid > 1 && pid < KPID_MAX, "pid %d", (int)pid);
		if (pid < prev) {
			cr_assert_eq(wrapped, 0, "wrapped twice");
			wrapped = pid;
		}
		if (wrapped == 0 &&
		    ((pid >= KPID_RESERVED && pid <= KPID_RESERVED + 5) ||
		     pid == 1000)) {
			keep[nkeep++] = rump_pub_lwproc_curlwp();
			rump_pub_lwproc_switch(NULL);
		} else {
			cr_assert(wrapped == 0 || (pid > KPID_RESERVED + 5 &&
						   pid != 1000),
				  "pid %d of a live process reissued",
				  (int)pid);
			rump_pub_lwproc_releaselwp();
		}
		prev = pid;
		if (wrapped != 0 && pid > 1010)
			break;
	}
	cr_assert_eq(nkeep, 7);
	cr_assert_geq(wrapped, KPID_RESERVED);
	cr_assert_eq(wrapped, KPID_RESERVED + 6, "first pid after the wrap: %d",
		     (int)wrapped);
	for (int i = 0; i < nkeep; i++) {
		rump_pub_lwproc_switch(keep[i]);
		cr_assert_eq(rump_sys_getpid(),
			     i < 6 ? KPID_RESERVED + i : 1000);
	}
}

/* ---- descriptors (rfork flags) ------------------------------------------ */

#define HAVE_FD_CALLS 1

static int
fd_open(void)
{
	int fd = rump_sys_memfd_create("lwproc", 0);

	cr_assert_geq(fd, 0, "memfd_create: %s", strerror(errno));
	return fd;
}

static int
fd_valid(int fd)
{
	int rv = rump_sys_fcntl(fd, F_GETFD);

	if (rv == -1)
		cr_assert_eq(errno, EBADF, "fcntl(%d): %s", fd,
			     strerror(errno));
	return rv != -1;
}

/* A parent process (not init) with one open descriptor; the child made
 * with `flags' is current on return. */
static void
parent_and_child(int flags, struct lwp **parent, struct lwp **child, int *fd)
{
	rfork_ok(RUMP_RFCFDG);
	*fd = fd_open();
	*parent = rump_pub_lwproc_curlwp();
	rfork_ok(flags);
	*child = rump_pub_lwproc_curlwp();
}

Test(lwproc, rfork_share_child_sees_parent_fds)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(0, &p, &c, &fd);
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_share_close_in_parent_is_seen_in_child)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(0, &p, &c, &fd);
	rump_pub_lwproc_switch(p);
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(c);
	cr_assert_not(fd_valid(fd));
}

Test(lwproc, rfork_share_close_in_child_is_seen_in_parent)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(0, &p, &c, &fd);
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(p);
	cr_assert_not(fd_valid(fd));
}

Test(lwproc, rfork_share_new_fd_in_child_is_seen_in_parent)
{
	struct lwp *p, *c;
	int fd, fd2;

	parent_and_child(0, &p, &c, &fd);
	fd2 = fd_open();
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(fd2));
}

Test(lwproc, rfork_share_table_outlives_the_child)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(0, &p, &c, &fd);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_copy_child_sees_parent_fds)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_copy_close_in_parent_not_seen_in_child)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	rump_pub_lwproc_switch(p);
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(c);
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_copy_close_in_child_not_seen_in_parent)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_copy_new_fd_in_parent_not_seen_in_child)
{
	struct lwp *p, *c;
	int fd, fd2;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	rump_pub_lwproc_switch(p);
	fd2 = fd_open();
	rump_pub_lwproc_switch(c);
	cr_assert_not(fd_valid(fd2));
}

Test(lwproc, rfork_copy_keeps_close_on_exec_flags)
{
	struct lwp *p, *c;
	int fd, fd2;

	rfork_ok(RUMP_RFCFDG);
	fd = fd_open();
	fd2 = rump_sys_memfd_create("cloexec", MFD_CLOEXEC);
	cr_assert_geq(fd2, 0);
	p = rump_pub_lwproc_curlwp();
	rfork_ok(RUMP_RFFDG);
	c = rump_pub_lwproc_curlwp();
	cr_assert_neq(p, c);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFD), 0);
	cr_assert_eq(rump_sys_fcntl(fd2, F_GETFD), FD_CLOEXEC);
}

Test(lwproc, rfork_clear_child_has_no_parent_fds)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFCFDG, &p, &c, &fd);
	cr_assert_not(fd_valid(fd));
	/* Not even 0, 1 and 2. */
	for (int i = 0; i < 3; i++)
		cr_assert_not(fd_valid(i), "fd %d", i);
}

Test(lwproc, rfork_clear_child_fds_not_seen_in_parent)
{
	struct lwp *p, *c;
	int fd, fd2;

	parent_and_child(RUMP_RFCFDG, &p, &c, &fd);
	fd2 = fd_open();
	cr_assert_eq(fd2, 0, "a clean table starts at descriptor 0");
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(fd));
	/* The parent's fd 0 is its own memfd, not the child's. */
	cr_assert_eq(fd, 0);
	cr_assert_eq(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(c);
	cr_assert(fd_valid(fd2));
}

Test(lwproc, newlwp_uses_the_process_fd_table)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = fd_open();

	rump_pub_lwproc_switch(NULL);
	rfork_ok(RUMP_RFCFDG);
	cr_assert_not(fd_valid(fd));
	newlwp_ok(pid);
	cr_assert(fd_valid(fd));
	cr_assert_eq(rump_sys_close(fd), 0);
	cr_assert_not(fd_valid(fd));
}

Test(lwproc, switching_process_switches_fd_table)
{
	struct lwp *a, *b;
	int fa, fb;

	rfork_ok(RUMP_RFCFDG);
	a = rump_pub_lwproc_curlwp();
	(void)fd_open();
	fa = fd_open(); /* 1 in a */
	rump_pub_lwproc_switch(NULL);
	rfork_ok(RUMP_RFCFDG);
	b = rump_pub_lwproc_curlwp();
	fb = fd_open(); /* 0 in b */
	cr_assert_not(fd_valid(fa));
	rump_pub_lwproc_switch(a);
	cr_assert(fd_valid(fa));
	rump_pub_lwproc_switch(b);
	cr_assert(fd_valid(fb));
	cr_assert_not(fd_valid(fa));
}

Test(lwproc, rfork_share_dup_in_child_is_seen_in_parent)
{
	struct lwp *p, *c;
	int fd, d;

	parent_and_child(0, &p, &c, &fd);
	d = rump_sys_dup(fd);
	cr_assert_geq(d, 0);
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(d));
	cr_assert_eq(rump_sys_close(d), 0);
	rump_pub_lwproc_switch(c);
	cr_assert_not(fd_valid(d));
	cr_assert(fd_valid(fd));
}

Test(lwproc, rfork_copy_dup_in_child_not_seen_in_parent)
{
	struct lwp *p, *c;
	int fd, d;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	d = rump_sys_dup(fd);
	cr_assert_geq(d, 0);
	rump_pub_lwproc_switch(p);
	cr_assert_not(fd_valid(d));
}

/* A copied table refers to the same open files, as after fork(2): the
 * file offset is shared. */
Test(lwproc, rfork_copy_shares_open_file_offsets)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFFDG, &p, &c, &fd);
	cr_assert_eq(rump_sys_write(fd, "abcde", 5), 5);
	rump_pub_lwproc_switch(p);
	cr_assert_eq(rump_sys_lseek(fd, 0, SEEK_CUR), 5);
}

/* Descriptors of a released process are closed; its table is gone. */
Test(lwproc, last_release_of_a_clear_process_leaves_parent_fds)
{
	struct lwp *p, *c;
	int fd;

	parent_and_child(RUMP_RFCFDG, &p, &c, &fd);
	(void)fd_open();
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(p);
	cr_assert(fd_valid(fd));
}

/* ---- credentials ------------------------------------------------------- */

Test(lwproc, after_init_getuid_is_0)
{
	cr_assert_eq(rump_sys_getuid(), 0);
}

Test(lwproc, rfork_from_implicit_context_is_root)
{
	rfork_ok(0);
	cr_assert_eq(rump_sys_getuid(), 0);
}

Test(lwproc, setuid_in_one_process_is_invisible_in_another)
{
	struct lwp *a, *b;

	rfork_ok(0);
	a = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	rfork_ok(0);
	b = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_setuid(66), 0);
	cr_assert_eq(rump_sys_getuid(), 66);
	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_sys_getuid(), 0);
	rump_pub_lwproc_switch(NULL);
	cr_assert_eq(rump_sys_getuid(), 0);
	rump_pub_lwproc_switch(b);
	cr_assert_eq(rump_sys_getuid(), 66);
}

Test(lwproc, rfork_child_inherits_credentials)
{
	rfork_ok(0);
	cr_assert_eq(rump_sys_setuid(66), 0);
	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_getuid(), 66);
	rfork_ok(0);
	cr_assert_eq(rump_sys_getuid(), 66);
}

Test(lwproc, child_setuid_leaves_the_parent_alone)
{
	struct lwp *p;

	rfork_ok(0);
	p = rump_pub_lwproc_curlwp();
	rfork_ok(0);
	cr_assert_eq(rump_sys_setuid(66), 0);
	rump_pub_lwproc_switch(p);
	cr_assert_eq(rump_sys_getuid(), 0);
}

Test(lwproc, all_lwps_of_a_process_see_its_setuid)
{
	pid_t pid = rfork_ok(0);
	struct lwp *first = rump_pub_lwproc_curlwp();

	newlwp_ok(pid);
	cr_assert_eq(rump_sys_setuid(66), 0);
	rump_pub_lwproc_switch(first);
	cr_assert_eq(rump_sys_getuid(), 66);
	newlwp_ok(pid);
	cr_assert_eq(rump_sys_getuid(), 66);
}

Test(lwproc, newlwp_takes_the_target_process_credentials)
{
	pid_t pid = rfork_ok(0);

	cr_assert_eq(rump_sys_setuid(66), 0);
	rump_pub_lwproc_switch(NULL);
	rfork_ok(0);
	cr_assert_eq(rump_sys_getuid(), 0);
	newlwp_ok(pid); /* no permission check: root into uid 66 */
	cr_assert_eq(rump_sys_getuid(), 66);
}

Test(lwproc, after_last_release_implicit_context_is_root_again)
{
	rfork_ok(0);
	cr_assert_eq(rump_sys_setuid(66), 0);
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_sys_getuid(), 0);
	rfork_ok(0);
	cr_assert_eq(rump_sys_getuid(), 0);
}

/* ---- host threads --------------------------------------------------------- */

#define NTHREADS 16
#define NITER 200

static _Atomic unsigned char live_pid[KPID_MAX];

static void *
rfork_getpid_release_loop(void *arg)
{
	pthread_barrier_t *bar = arg;

	pthread_barrier_wait(bar);
	for (int i = 0; i < NITER; i++) {
		pid_t pid;

		if (rump_pub_lwproc_rfork(i % 2 ? RUMP_RFCFDG : 0) != 0)
			return (void *)1;
		pid = rump_sys_getpid();
		if (pid <= 1 || pid >= KPID_MAX)
			return (void *)2;
		/* No other live process may have this pid. */
		if (atomic_exchange(&live_pid[pid], 1) != 0)
			return (void *)3;
		if (rump_sys_gettid() != pid || rump_sys_getppid() != 1)
			return (void *)4;
		for (int j = 0; j < 3; j++)
			if (rump_sys_getpid() != pid)
				return (void *)5;
		atomic_store(&live_pid[pid], 0);
		rump_pub_lwproc_releaselwp();
		if (rump_sys_getpid() != 1 || rump_pub_lwproc_curlwp() != NULL)
			return (void *)6;
	}
	return NULL;
}

Test(lwproc, threads_each_with_own_processes_concurrently, .timeout = 60)
{
	pthread_barrier_t bar;
	pthread_t t[NTHREADS];

	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		t[i] = spawn(rfork_getpid_release_loop, &bar);
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_null(join(t[i]), "thread %d", i);
	pthread_barrier_destroy(&bar);
}

struct implicit_probe {
	pthread_barrier_t *bar;
	pid_t tid;
	int bad;
};

static void *
implicit_probe_main(void *arg)
{
	struct implicit_probe *ip = arg;

	pthread_barrier_wait(ip->bar);
	for (int i = 0; i < 100; i++) {
		if (rump_sys_getpid() != 1 || rump_pub_lwproc_curlwp() != NULL)
			ip->bad = 1;
		if (i == 0)
			ip->tid = rump_sys_gettid();
		else if (rump_sys_gettid() != ip->tid)
			ip->bad = 2;
	}
	/* Everyone keeps their implicit context until all have looked. */
	pthread_barrier_wait(ip->bar);
	return NULL;
}

Test(lwproc, many_threads_in_implicit_context_concurrently)
{
	pthread_barrier_t bar;
	pthread_t t[NTHREADS];
	struct implicit_probe ip[NTHREADS];

	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		ip[i] = (struct implicit_probe){ .bar = &bar };
		t[i] = spawn(implicit_probe_main, &ip[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		join(t[i]);
	pthread_barrier_destroy(&bar);
	for (int i = 0; i < NTHREADS; i++) {
		cr_assert_eq(ip[i].bad, 0, "thread %d: %d", i, ip[i].bad);
		cr_assert_gt(ip[i].tid, 1);
		for (int j = i + 1; j < NTHREADS; j++)
			cr_assert_neq(ip[i].tid, ip[j].tid);
	}
}

/* One dedicated host thread per lwp of one process, concurrently. */
struct lwp_thread {
	pid_t pid;
	pid_t tid;
	pthread_barrier_t *bar;
};

static void *
newlwp_in_shared_process(void *arg)
{
	struct lwp_thread *lt = arg;

	if (rump_pub_lwproc_newlwp(lt->pid) != 0)
		return (void *)1;
	lt->tid = rump_sys_gettid();
	pthread_barrier_wait(lt->bar);
	for (int i = 0; i < NITER; i++)
		if (rump_sys_getpid() != lt->pid ||
		    rump_sys_gettid() != lt->tid)
			return (void *)2;
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(lwproc, threads_each_with_own_lwp_in_one_process)
{
	pthread_barrier_t bar;
	pthread_t t[NTHREADS];
	struct lwp_thread lt[NTHREADS];
	pid_t pid = rfork_ok(0);

	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		lt[i] = (struct lwp_thread){ .pid = pid, .bar = &bar };
		t[i] = spawn(newlwp_in_shared_process, &lt[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		cr_assert_null(join(t[i]), "thread %d", i);
	pthread_barrier_destroy(&bar);
	for (int i = 0; i < NTHREADS; i++)
		for (int j = i + 1; j < NTHREADS; j++)
			cr_assert_neq(lt[i].tid, lt[j].tid);
	/* The main thread's first lwp kept the process alive. */
	cr_assert_eq(rump_sys_getpid(), pid);
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), ESRCH);
}

/* A host thread that exits bound to a dedicated lwp: the lwp persists
 * and another thread can take it. */
static void *
rfork_and_exit_bound(void *arg)
{
	struct handoff *ho = arg;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		return (void *)1;
	ho->pid = rump_sys_getpid();
	ho->lwp = rump_pub_lwproc_curlwp();
	return NULL;
}

Test(lwproc, thread_exit_keeps_its_dedicated_lwp)
{
	struct handoff ho;

	cr_assert_null(join(spawn(rfork_and_exit_bound, &ho)));
	cr_assert_not_null(ho.lwp);
	/* The process is alive ... */
	newlwp_ok(ho.pid);
	rump_pub_lwproc_releaselwp();
	/* ... and the lwp can be made current here. */
	rump_pub_lwproc_switch(ho.lwp);
	cr_assert_eq(rump_pub_lwproc_curlwp(), ho.lwp);
	cr_assert_eq(rump_sys_getpid(), ho.pid);
	cr_assert_eq(rump_sys_gettid(), ho.pid);
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(ho.pid), ESRCH);
}

static void *
newlwp_and_exit_bound(void *arg)
{
	struct handoff *ho = arg;

	if (rump_pub_lwproc_newlwp(ho->pid) != 0)
		return (void *)1;
	ho->lwp = rump_pub_lwproc_curlwp();
	return NULL;
}

Test(lwproc, lwps_left_by_exited_threads_keep_the_process)
{
	struct handoff ho[4];
	pid_t pid = rfork_ok(0);

	for (int i = 0; i < 4; i++) {
		ho[i].pid = pid;
		cr_assert_null(join(spawn(newlwp_and_exit_bound, &ho[i])));
	}
	rump_pub_lwproc_releaselwp(); /* the first lwp */
	for (int i = 0; i < 4; i++) {
		rump_pub_lwproc_switch(ho[i].lwp);
		cr_assert_eq(rump_sys_getpid(), pid);
		rump_pub_lwproc_releaselwp();
		if (i < 3) {
			newlwp_ok(pid); /* still alive */
			rump_pub_lwproc_releaselwp();
		}
	}
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), ESRCH);
}

static void *
one_implicit_call(void *arg)
{
	(void)arg;
	if (rump_sys_getpid() != 1)
		return (void *)(intptr_t)errno;
	if (rump_sys_gettid() <= 1)
		return (void *)-1;
	return NULL;
}

/*
 * A host thread that exits in an implicit context frees its implicit
 * lwp.  Observable through the id space: fill it with processes until
 * rfork says EAGAIN, free a handful of ids, then run many more
 * short-lived threads than there are free ids, one after another.  Each
 * needs an id for its implicit lwp, so a leak would exhaust them.
 */
Test(lwproc, thread_exit_frees_its_implicit_lwp, .timeout = 60)
{
	enum { FREE = 4, THREADS = 100 };
	struct lwp **lwps = calloc(KPID_MAX, sizeof(*lwps));
	int n = 0, error;

	cr_assert_not_null(lwps);
	while ((error = rump_pub_lwproc_rfork(RUMP_RFCFDG)) == 0) {
		cr_assert_lt(n, KPID_MAX);
		lwps[n++] = rump_pub_lwproc_curlwp();
	}
	cr_assert_eq(error, EAGAIN, "rfork with no free pid: %d", error);
	cr_assert_gt(n, KPID_MAX - KPID_RESERVED);
	/* Full: no lwp can be made either. */
	cr_assert_eq(rump_pub_lwproc_newlwp(1), EAGAIN);
	for (int i = 0; i < FREE; i++) {
		rump_pub_lwproc_switch(lwps[n - 1 - i]);
		rump_pub_lwproc_releaselwp();
	}
	for (int i = 0; i < THREADS; i++)
		cr_assert_null(join(spawn(one_implicit_call, NULL)),
			       "thread %d could not enter", i);
	free(lwps);
}

/* A host thread that switched back to NULL before exiting leaves the
 * lwp it used alone; one that was never bound leaves nothing. */
static void *
rfork_switch_null_exit(void *arg)
{
	struct handoff *ho = arg;

	if (rump_pub_lwproc_rfork(0) != 0)
		return (void *)1;
	ho->pid = rump_sys_getpid();
	ho->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	if (rump_sys_getpid() != 1)
		return (void *)2;
	return NULL;
}

Test(lwproc, thread_exit_after_switch_null_keeps_the_lwp)
{
	struct handoff ho;

	cr_assert_null(join(spawn(rfork_switch_null_exit, &ho)));
	rump_pub_lwproc_switch(ho.lwp);
	cr_assert_eq(rump_sys_getpid(), ho.pid);
}

/* ---- claims by bias (kern/lwproc.c, "Claiming an lwp") ------------------ */

/*
 * rumpuser_membar_threads, wrapped (WRAP_lwproc in the Makefile): the
 * calls are counted, and refused while membar_refused is set, as on a
 * host without the barrier: a kernel booted so claims every lwp through
 * its atomic flag.
 */
int __real_rumpuser_membar_threads(void);
int __wrap_rumpuser_membar_threads(void);
static int membar_calls;
static int membar_refused;

int
__wrap_rumpuser_membar_threads(void)
{
	__atomic_add_fetch(&membar_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&membar_refused, __ATOMIC_RELAXED))
		return ENOSYS;
	return __real_rumpuser_membar_threads();
}

static int
membar_count(void)
{
	return __atomic_load_n(&membar_calls, __ATOMIC_RELAXED);
}

/* Switches between lwps of two processes and the implicit context. */
static void
switch_around(void)
{
	pid_t pa = rfork_ok(0), pb;
	struct lwp *a = rump_pub_lwproc_curlwp(), *b;

	rump_pub_lwproc_switch(NULL);
	pb = rfork_ok(RUMP_RFCFDG);
	b = rump_pub_lwproc_curlwp();
	for (int i = 0; i < 1000; i++) {
		rump_pub_lwproc_switch(i & 1 ? a : b);
		cr_assert_eq(rump_sys_getpid(), i & 1 ? pa : pb);
		cr_assert_eq(rump_pub_lwproc_curlwp(), i & 1 ? a : b);
		if (i % 100 == 0) {
			rump_pub_lwproc_switch(i & 1 ? a : b); /* no-op */
			rump_pub_lwproc_switch(NULL);
			assert_implicit();
		}
	}
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(b);
	rump_pub_lwproc_releaselwp();
	assert_implicit();
}

Test(lwproc, the_creating_thread_switches_with_no_barrier)
{
	int before = membar_count();

	switch_around();
	cr_assert_eq(membar_count(), before);
}

/* Thread A makes the lwp; then it goes back and forth between A and us. */
static void *
rfork_then_reuse(void *arg)
{
	struct handoff *ho = arg;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		return (void *)1;
	ho->pid = rump_sys_getpid();
	ho->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_wait(&ho->bar); /* handed over */
	pthread_barrier_wait(&ho->bar); /* handed back */
	rump_pub_lwproc_switch(ho->lwp);
	if (rump_sys_getpid() != ho->pid || rump_pub_lwproc_curlwp() != ho->lwp)
		return (void *)2;
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_wait(&ho->bar); /* handed over again */
	return NULL;
}

Test(lwproc, another_thread_takes_the_lwp_with_one_barrier)
{
	struct handoff ho;
	pthread_t a;
	int before;

	pthread_barrier_init(&ho.bar, NULL, 2);
	a = spawn(rfork_then_reuse, &ho);
	pthread_barrier_wait(&ho.bar);
	before = membar_count();
	rump_pub_lwproc_switch(ho.lwp);
	cr_assert_eq(rump_sys_getpid(), ho.pid);
	cr_assert_eq(membar_count(), before + 1);
	rump_pub_lwproc_switch(NULL);
	rump_pub_lwproc_switch(ho.lwp);
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_wait(&ho.bar);
	pthread_barrier_wait(&ho.bar);
	rump_pub_lwproc_switch(ho.lwp);
	cr_assert_eq(rump_sys_getpid(), ho.pid);
	/* The bias is gone for good: no more barriers, either side. */
	cr_assert_eq(membar_count(), before + 1);
	cr_assert_null(join(a));
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(ho.pid), ESRCH);
	pthread_barrier_destroy(&ho.bar);
}

/*
 * Two threads, each with a process; every round each makes a fresh lwp
 * in its process (biased to it), switches in and out of it, and hands it
 * to the other, which takes it (revoking the bias, while the first is
 * busy with its own next fresh lwp) and releases it.
 */
#define HAND_ROUNDS 200

struct hander {
	pthread_barrier_t *bar;
	struct hander *peer;
	pid_t pid;
	struct lwp *handed; /* for the peer, between barriers */
};

static void *
hander_main(void *arg)
{
	struct hander *h = arg;
	struct lwp *l, *mine;

	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		return (void *)1;
	h->pid = rump_sys_getpid();
	mine = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_wait(h->bar);
	for (int r = 0; r < HAND_ROUNDS; r++) {
		if ((l = h->peer->handed) != NULL) {
			rump_pub_lwproc_switch(l);
			if (rump_sys_getpid() != h->peer->pid)
				return (void *)2;
			rump_pub_lwproc_releaselwp();
		}
		if (rump_pub_lwproc_newlwp(h->pid) != 0)
			return (void *)3;
		l = rump_pub_lwproc_curlwp();
		for (int i = 0; i < 4; i++) {
			rump_pub_lwproc_switch(i & 1 ? l : mine);
			if (rump_sys_getpid() != h->pid ||
			    rump_pub_lwproc_curlwp() != (i & 1 ? l : mine))
				return (void *)4;
		}
		rump_pub_lwproc_switch(NULL);
		pthread_barrier_wait(h->bar); /* the peer took its lwp */
		h->handed = l;
		pthread_barrier_wait(h->bar); /* both handed theirs */
	}
	if ((l = h->peer->handed) != NULL) {
		rump_pub_lwproc_switch(l);
		rump_pub_lwproc_releaselwp();
	}
	rump_pub_lwproc_switch(mine);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
hand_lwps_around(void)
{
	pthread_barrier_t bar;
	struct hander h[2] = { { &bar, &h[1], 0, NULL },
			       { &bar, &h[0], 0, NULL } };
	pthread_t t[2];

	pthread_barrier_init(&bar, NULL, 2);
	for (int i = 0; i < 2; i++)
		t[i] = spawn(hander_main, &h[i]);
	for (int i = 0; i < 2; i++)
		cr_assert_null(join(t[i]), "thread %d", i);
	pthread_barrier_destroy(&bar);
	assert_implicit();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(rump_pub_lwproc_newlwp(h[i].pid), ESRCH);
}

Test(lwproc, fresh_lwps_handed_between_threads_every_round, .timeout = 60)
{
	int before = membar_count();

	hand_lwps_around();
	/* One revocation per lwp handed over, none for the rest. */
	cr_assert_eq(membar_count(), before + 2 * HAND_ROUNDS);
}

/* The same race with the lwp's creator as one of the two racers: it
 * claims the lwp by its bias, while the other thread revokes the bias. */
static void
do_switch_race_creator(void)
{
	pthread_t t;

	if (rump_init() != 0 || rump_pub_lwproc_rfork(0) != 0)
		return;
	race_lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_init(&race_bar, NULL, 2);
	pthread_create(&t, NULL, race_switcher, NULL);
	race_switcher(NULL);
}

/* The creator switching to its lwp while another thread has it. */
static void *
take_race_lwp(void *arg)
{
	(void)arg;
	rump_pub_lwproc_switch(race_lwp);
	pthread_barrier_wait(&race_bar);
	for (;;)
		pause();
	return NULL;
}

static void
do_creator_switch_to_taken(void)
{
	pthread_t t;

	if (rump_init() != 0 || rump_pub_lwproc_rfork(0) != 0)
		return;
	race_lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	pthread_barrier_init(&race_bar, NULL, 2);
	pthread_create(&t, NULL, take_race_lwp, NULL);
	pthread_barrier_wait(&race_bar);
	rump_pub_lwproc_switch(race_lwp);
	fprintf(stderr, "the creator got its lwp from another thread\n");
	_exit(1);
}

Test(lwproc, creator_switch_to_its_lwp_taken_by_another_is_fatal)
{
	expect_panic("creator_switch_to_taken", "another host thread");
}

Test(lwproc, simultaneous_switch_with_the_creator_is_fatal)
{
	expect_panic("switch_race_creator", "another host thread");
}

/* The creator holds its lwp (by its bias); another thread switching to it
 * must see that. */
static void
do_switch_to_held_nobarrier(void)
{
	membar_refused = 1;
	do_switch_to_held();
}

static void
do_switch_race_nobarrier(void)
{
	membar_refused = 1;
	do_switch_race();
}

/* ---- the same without the host's barrier: every claim is atomic ------- */

static void
boot_nobarrier(void)
{
	membar_refused = 1;
	cr_assert_eq(rump_init(), 0);
}

TestSuite(lwproc_nobarrier, .init = boot_nobarrier, .timeout = 60);

Test(lwproc_nobarrier, switching_works)
{
	switch_around();
}

Test(lwproc_nobarrier, lwps_handed_between_threads)
{
	int before = membar_count();

	hand_lwps_around();
	cr_assert_eq(membar_count(), before);
}

Test(lwproc_nobarrier, switch_to_running_lwp_is_fatal)
{
	expect_panic("switch_to_held_nobarrier", "another host thread");
}

Test(lwproc_nobarrier, simultaneous_switch_to_one_lwp_is_fatal)
{
	expect_panic("switch_race_nobarrier", "another host thread");
}

/* ---- scenarios for expect_panic ------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "release_preinit", do_release_preinit },
	{ "switch_preinit", do_switch_preinit },
	{ "release_implicit", do_release_implicit },
	{ "switch_to_held", do_switch_to_held },
	{ "switch_race", do_switch_race },
	{ "switch_race_creator", do_switch_race_creator },
	{ "creator_switch_to_taken", do_creator_switch_to_taken },
	{ "switch_to_held_nobarrier", do_switch_to_held_nobarrier },
	{ "switch_race_nobarrier", do_switch_race_nobarrier },
};

/* Before Criterion's main: when exec'd for a scenario, run it instead. */
__attribute__((constructor)) static void
run_scenario(void)
{
	const char *name = getenv(SCENARIO_ENV);

	if (name == NULL)
		return;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(name, scenarios[i].name) == 0) {
			scenarios[i].fn();
			_exit(0); /* survived: expect_panic reports it */
		}
	_exit(127);
}
