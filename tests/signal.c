/*
 * signal.c: POSIX signals as kernel state: dispositions, masks, pending
 * sets, delivery on the way out of a syscall (local handlers and the
 * delivery hook), interruptible sleeps and restarts, termination, stop
 * and continue, kill's permission rules, process groups, rfork
 * inheritance, the host side (signal models, rump_signal_post).
 *
 * Each test runs in its own host process (Criterion forks), so each
 * boots a fresh kernel.  Times are in milliseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "proc_util.h"

#define MS 1000000L

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(signal, .init = boot, .timeout = 20);

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What the handlers saw. */
static _Atomic int hits[65];
static siginfo_t last_info;
static sigset_t mask_in_handler;
static _Atomic int order[16], norder;

static void
count_handler(int sig)
{
	hits[sig]++;
}

static void
info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits[sig]++;
	last_info = *si;
	rump_sys_sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
	if (norder < 16)
		order[norder++] = si->si_value.sival_int;
}

static void
set_handler(int sig, void *h, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	if (flags & SA_SIGINFO)
		sa.sa_sigaction = h;
	else
		sa.sa_handler = h;
	cr_assert_eq(rump_sys_sigaction(sig, &sa, NULL), 0);
}

static void
block(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	cr_assert_eq(rump_sys_sigprocmask(how, &s, NULL), 0);
}

/* ---- dispositions and bad input ---------------------------------------- */

Test(signal, sigaction_roundtrip_glibc_layout)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = count_handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGRTMIN + 3);
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, NULL, &old), 0);
	cr_assert_eq((void *)old.sa_handler, (void *)count_handler);
	cr_assert(old.sa_flags & SA_RESTART);
	cr_assert(old.sa_flags & SA_NODEFER);
	cr_assert(sigismember(&old.sa_mask, SIGUSR2));
	cr_assert(sigismember(&old.sa_mask, SIGRTMIN + 3));
	cr_assert(!sigismember(&old.sa_mask, SIGUSR1));
	/* Default for one never set. */
	cr_assert_eq(rump_sys_sigaction(SIGUSR2, NULL, &old), 0);
	cr_assert_eq((void *)old.sa_handler, (void *)SIG_DFL);
}

Test(signal, raw_rt_sigaction_kernel_layout)
{
	struct rump_ksigaction k = { .sa_handler_ = (void *)count_handler,
				     .sa_flags = SA_SIGINFO,
				     .sa_mask = 1ULL << (SIGINT - 1) },
			       o;

	cr_assert_eq(rump_sys_rt_sigaction(SIGHUP, &k, NULL, 8), 0);
	cr_assert_eq(rump_sys_rt_sigaction(SIGHUP, NULL, &o, 8), 0);
	cr_assert_eq(o.sa_handler_, (void *)count_handler);
	cr_assert_eq(o.sa_mask, 1ULL << (SIGINT - 1));
	cr_assert_eq(rump_sys_rt_sigaction(SIGHUP, &k, NULL, 4), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_sigaction(SIGHUP, (void *)8, NULL, 8), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(signal, bad_signal_numbers_and_uncatchable)
{
	struct sigaction sa = { .sa_handler = count_handler }, old;
	sigset_t s;

	cr_assert_eq(rump_sys_sigaction(0, &sa, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigaction(65, &sa, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigaction(-1, NULL, &old), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigaction(SIGKILL, &sa, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigaction(SIGSTOP, &sa, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	/* Reading them is fine. */
	cr_assert_eq(rump_sys_sigaction(SIGKILL, NULL, &old), 0);
	cr_assert_eq(rump_sys_kill(rump_sys_getpid(), 65), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_kill(rump_sys_getpid(), -3), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_tkill(rump_sys_gettid(), 99), -1);
	cr_assert_eq(errno, EINVAL);
	/* SIGKILL and SIGSTOP cannot be blocked. */
	sigfillset(&s);
	cr_assert_eq(rump_sys_sigprocmask(SIG_SETMASK, &s, NULL), 0);
	cr_assert_eq(rump_sys_sigprocmask(SIG_SETMASK, NULL, &s), 0);
	cr_assert(!sigismember(&s, SIGKILL));
	cr_assert(!sigismember(&s, SIGSTOP));
	cr_assert(sigismember(&s, SIGUSR1));
	cr_assert_eq(rump_sys_sigprocmask(99, &s, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_sigprocmask(SIG_BLOCK, &s, NULL, 16), -1);
	cr_assert_eq(errno, EINVAL);
}

/* ---- delivery to local handlers ---------------------------------------- */

Test(signal, kill_self_runs_handler_before_return)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	sigset_t now;

	set_handler(SIGUSR1, info_handler, SA_SIGINFO);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(hits[SIGUSR1], 1);
	cr_assert_eq(last_info.si_signo, SIGUSR1);
	cr_assert_eq(last_info.si_code, SI_USER);
	cr_assert_eq(last_info.si_pid, pid);
	cr_assert_eq(last_info.si_uid, 0);
	/* The signal was blocked while its handler ran, not after. */
	cr_assert(sigismember(&mask_in_handler, SIGUSR1));
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, NULL, &now), 0);
	cr_assert(!sigismember(&now, SIGUSR1));
}

Test(signal, handler_mask_nodefer_resethand)
{
	struct sigaction sa, old;

	rfork_ok(RUMP_RFCFDG);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	cr_assert_eq(rump_sys_sigaction(SIGHUP, &sa, NULL), 0);
	cr_assert_eq(rump_sys_kill(rump_sys_getpid(), SIGHUP), 0);
	cr_assert_eq(hits[SIGHUP], 1);
	cr_assert(!sigismember(&mask_in_handler, SIGHUP)); /* NODEFER */
	cr_assert(sigismember(&mask_in_handler, SIGUSR2)); /* sa_mask */
	cr_assert_eq(rump_sys_sigaction(SIGHUP, NULL, &old), 0);
	cr_assert_eq((void *)old.sa_handler, (void *)SIG_DFL); /* RESETHAND */
}

Test(signal, blocked_pending_then_unblocked)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	sigset_t p;

	set_handler(SIGUSR2, count_handler, 0);
	block(SIG_BLOCK, SIGUSR2);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR2), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR2), 0); /* not queued twice */
	cr_assert_eq(hits[SIGUSR2], 0);
	sigemptyset(&p);
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(sigismember(&p, SIGUSR2));
	block(SIG_UNBLOCK, SIGUSR2); /* delivered on this call's way out */
	cr_assert_eq(hits[SIGUSR2], 1);
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGUSR2));
}

Test(signal, realtime_signals_queue_with_values)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	union sigval v;

	set_handler(SIGRTMIN + 1, info_handler, SA_SIGINFO);
	block(SIG_BLOCK, SIGRTMIN + 1);
	for (int i = 0; i < 3; i++) {
		v.sival_int = 100 + i;
		cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN + 1, v), 0);
	}
	block(SIG_UNBLOCK, SIGRTMIN + 1);
	cr_assert_eq(hits[SIGRTMIN + 1], 3);
	cr_assert_eq(norder, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(order[i], 100 + i);
	cr_assert_eq(last_info.si_code, SI_QUEUE);
	cr_assert_eq(last_info.si_pid, pid);
}

Test(signal, sigqueueinfo_kernel_codes_refused_for_others)
{
	siginfo_t si;
	pid_t other = rfork_ok(RUMP_RFCFDG);

	rfork_ok(RUMP_RFCFDG);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_USER; /* >= 0: only the kernel may claim it */
	cr_assert_eq(rump_sys_rt_sigqueueinfo(other, SIGUSR1, &si), -1);
	cr_assert_eq(errno, EPERM);
	si.si_code = SI_QUEUE;
	cr_assert_eq(rump_sys_rt_sigqueueinfo(other, 0, &si), 0);
	cr_assert_eq(rump_sys_rt_sigqueueinfo(other, SIGUSR1, NULL), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(signal, sigtimedwait_takes_and_times_out)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct timespec ts = { 0, 20 * MS }, bad = { 0, -1 };
	siginfo_t si;
	sigset_t s;
	union sigval v = { .sival_int = 42 };
	double t0;

	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN);
	block(SIG_BLOCK, SIGRTMIN);
	t0 = now_ms();
	cr_assert_eq(rump_sys_sigtimedwait(&s, &si, &ts), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_geq(now_ms() - t0, 19);
	cr_assert_eq(rump_sys_sigtimedwait(&s, &si, &bad), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN, v), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&s, &si, &ts), SIGRTMIN);
	cr_assert_eq(si.si_value.sival_int, 42);
	cr_assert_eq(si.si_code, SI_QUEUE);
	/* Zero timeout polls. */
	ts.tv_nsec = 0;
	cr_assert_eq(rump_sys_sigtimedwait(&s, &si, &ts), -1);
	cr_assert_eq(errno, EAGAIN);
}

/* ---- sleeping threads ---------------------------------------------------- */

struct sleeper {
	struct lwp *lwp;
	pid_t tid;
	_Atomic int ready;
	_Atomic int rv; /* read by the test thread while the sleeper runs */
	int err;
	double took;
};

static struct lwp *sleeper_parent;

static void *
suspend_main(void *arg)
{
	struct sleeper *s = arg;
	sigset_t empty;
	double t0;

	rump_pub_lwproc_switch(s->lwp);
	s->tid = rump_sys_gettid();
	sigemptyset(&empty);
	s->ready = 1;
	t0 = now_ms();
	s->rv = rump_sys_sigsuspend(&empty);
	s->err = errno;
	s->took = now_ms() - t0;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* Many threads of one process in sigsuspend; each woken by its own
 * tgkill; each call ends with EINTR after the handler ran; the mask
 * from before comes back. */
Test(signal, many_threads_in_sigsuspend)
{
	enum { N = 8 };
	struct sleeper s[N];
	pthread_t t[N];
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *main_lwp = rump_pub_lwproc_curlwp();

	set_handler(SIGUSR1, count_handler, 0);
	block(SIG_BLOCK, SIGUSR1); /* blocked outside sigsuspend */
	memset(s, 0, sizeof(s));
	for (int i = 0; i < N; i++) {
		cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
		s[i].lwp = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(main_lwp);
		cr_assert_eq(pthread_create(&t[i], NULL, suspend_main, &s[i]),
			     0);
	}
	for (int i = 0; i < N; i++)
		while (!s[i].ready)
			sleep_ms(1);
	sleep_ms(20);
	for (int i = 0; i < N; i++)
		cr_assert_eq(rump_sys_tgkill(pid, s[i].tid, SIGUSR1), 0);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(s[i].rv, -1);
		cr_assert_eq(s[i].err, EINTR);
	}
	cr_assert_eq(hits[SIGUSR1], N);
	(void)sleeper_parent;
}

static void *
nanosleep_main(void *arg)
{
	struct sleeper *s = arg;
	struct timespec req = { 2, 0 }, rem = { 0, 0 };
	double t0;

	rump_pub_lwproc_switch(s->lwp);
	s->tid = rump_sys_gettid();
	s->ready = 1;
	t0 = now_ms();
	s->rv = rump_sys_nanosleep(&req, &rem);
	s->err = errno;
	s->took = now_ms() - t0;
	/* Linux writes what was left. */
	if (s->rv == -1)
		cr_assert(rem.tv_sec == 1 ||
				  (rem.tv_sec == 2 && rem.tv_nsec == 0) ||
				  rem.tv_sec == 0,
			  "rem %ld.%09ld", (long)rem.tv_sec, rem.tv_nsec);
	if (s->rv == -1)
		cr_assert_gt(rem.tv_sec * 1000 + rem.tv_nsec / MS, 1500);
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(signal, nanosleep_interrupted_with_remaining_time)
{
	struct sleeper s;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *main_lwp = rump_pub_lwproc_curlwp();

	/* SA_RESTART does not restart nanosleep. */
	set_handler(SIGUSR1, count_handler, SA_RESTART);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	s.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(main_lwp);
	cr_assert_eq(pthread_create(&t, NULL, nanosleep_main, &s), 0);
	while (!s.ready)
		sleep_ms(1);
	sleep_ms(30);
	cr_assert_eq(rump_sys_tkill(s.tid, SIGUSR1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(s.rv, -1);
	cr_assert_eq(s.err, EINTR);
	cr_assert_lt(s.took, 1000);
	cr_assert_eq(hits[SIGUSR1], 1);
}

/* A signal posted just as the sleep starts is never lost: the sleep
 * ends at once, every time. */
Test(signal, signal_racing_with_sleep_start)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct timespec req = { 5, 0 };
	sigset_t empty;

	set_handler(SIGUSR1, count_handler, 0);
	sigemptyset(&empty);
	for (int i = 0; i < 200; i++) {
		block(SIG_BLOCK, SIGUSR1);
		cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
		/* Pending and blocked: sigsuspend unblocks and must not
		 * sleep. */
		cr_assert_eq(rump_sys_sigsuspend(&empty), -1);
		cr_assert_eq(errno, EINTR);
		block(SIG_UNBLOCK, SIGUSR1);
	}
	cr_assert_eq(hits[SIGUSR1], 200);
	(void)req;
}

/* ---- termination --------------------------------------------------------- */

static void *
pause_main(void *arg)
{
	struct sleeper *s = arg;

	rump_pub_lwproc_switch(s->lwp);
	s->ready = 1;
	s->rv = rump_sys_pause();
	s->err = errno;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(signal, default_action_ends_the_process)
{
	struct sleeper s;
	pthread_t t;
	pid_t parent = rfork_ok(RUMP_RFCFDG);
	struct lwp *parent_lwp = rump_pub_lwproc_curlwp();
	pid_t child;
	int fd, status;
	siginfo_t si;
	sigset_t chld;
	struct timespec ts = { 2, 0 };

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	block(SIG_BLOCK, SIGCHLD);
	child = rfork_ok(RUMP_RFCFDG);
	s.lwp = rump_pub_lwproc_curlwp();
	fd = rump_sys_memfd_create("x", 0);
	cr_assert_geq(fd, 0);
	rump_pub_lwproc_switch(parent_lwp);
	memset(&s, 0, sizeof(s));
	s.lwp = NULL;
	/* find the child's lwp again: it was curlwp before the switch */
	cr_assert_eq(rump_pub_lwproc_newlwp(child), 0);
	s.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(parent_lwp);
	cr_assert_eq(pthread_create(&t, NULL, pause_main, &s), 0);
	while (!s.ready)
		sleep_ms(1);
	sleep_ms(10);
	cr_assert_eq(rump_proc_exitstatus(child, &status), EBUSY);
	cr_assert_eq(rump_sys_kill(child, SIGTERM), 0);
	pthread_join(t, NULL);
	cr_assert_eq(s.rv, -1);
	cr_assert_eq(s.err, EINTR);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert(WIFSIGNALED(status));
	cr_assert_eq(WTERMSIG(status), SIGTERM);
	/* The parent learns why. */
	cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &ts), SIGCHLD);
	cr_assert_eq(si.si_code, CLD_KILLED);
	cr_assert_eq(si.si_pid, child);
	cr_assert_eq(si.si_status, SIGTERM);
	/* Its descriptors were closed (the kernel thread did it before it
	 * posted SIGCHLD). */
	rump_pub_lwproc_switch(s.lwp);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFD), -1);
	cr_assert_eq(errno, EBADF);
	rump_pub_lwproc_releaselwp();
	(void)parent;
}

/* As Linux's do_exit: files close before the parent hears SIGCHLD, so a
 * pipe the child held is at end of file once SIGCHLD is seen. */
Test(signal, sigchld_comes_after_the_files_closed)
{
	struct timespec ts = { 2, 0 };
	struct lwp *parent, *kid;
	sigset_t chld;
	siginfo_t si;
	int p[2], w;
	pid_t child;
	char c;

	rfork_ok(RUMP_RFCFDG);
	parent = rump_pub_lwproc_curlwp();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	block(SIG_BLOCK, SIGCHLD);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
		child = rfork_ok(RUMP_RFFDG); /* holds both ends */
		kid = rump_pub_lwproc_curlwp();
		/* Many copies of the write end: closing them takes time,
		 * and the last one closed makes the end of file. */
		for (int k = 0; k < 400; k++)
			cr_assert_geq(rump_sys_dup(p[1]), 0);
		rump_pub_lwproc_switch(parent);
		cr_assert_eq(rump_sys_close(p[1]), 0);
		cr_assert_eq(rump_sys_kill(child, SIGTERM), 0);
		cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &ts), SIGCHLD);
		cr_assert_eq(si.si_pid, child);
		/* The child's write end is gone: end of file, not EAGAIN. */
		w = (int)rump_sys_read(p[0], &c, 1);
		cr_assert_eq(w, 0, "round %d: read %d, errno %d", i, w, errno);
		cr_assert_eq(rump_sys_close(p[0]), 0);
		rump_pub_lwproc_switch(kid);
		rump_pub_lwproc_releaselwp();
		rump_pub_lwproc_switch(parent);
	}
}

Test(signal, init_is_never_killed)
{
	cr_assert_eq(rump_sys_kill(1, SIGTERM), 0);
	cr_assert_eq(rump_proc_exitstatus(1, NULL), EBUSY);
	cr_assert_eq(rump_sys_getpid(), 1);
}

Test(signal, sigkill_cannot_be_caught_or_blocked)
{
	pid_t child;
	int status;

	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	block(SIG_BLOCK, SIGKILL);
	cr_assert_eq(rump_sys_kill(child, SIGKILL), 0);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert_eq(WTERMSIG(status), SIGKILL);
	rump_pub_lwproc_releaselwp();
	cr_assert_eq(rump_proc_exitstatus(child, &status), ESRCH);
}

Test(signal, core_signals_report_a_dump)
{
	pid_t child;
	int status;

	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_kill(child, SIGQUIT), 0);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert(WCOREDUMP(status));
	cr_assert_eq(WTERMSIG(status), SIGQUIT);
}

Test(signal, ignored_and_default_ignored_are_dropped)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	sigset_t p;

	set_handler(SIGTERM, SIG_IGN, 0);
	cr_assert_eq(rump_sys_kill(pid, SIGTERM), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGCHLD), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGWINCH), 0);
	cr_assert_eq(rump_proc_exitstatus(pid, NULL), EBUSY);
	/* Blocked and pending, then set to ignore: discarded. */
	set_handler(SIGUSR1, count_handler, 0);
	block(SIG_BLOCK, SIGUSR1);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	set_handler(SIGUSR1, SIG_IGN, 0);
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGUSR1));
}

/* ---- stop and continue ----------------------------------------------------- */

static void *
getpid_loop_main(void *arg)
{
	struct sleeper *s = arg;
	struct timespec req = { 0, 2 * MS };

	rump_pub_lwproc_switch(s->lwp);
	s->ready = 1;
	while (s->ready < 3) {
		rump_sys_nanosleep(&req, NULL);
		s->rv++;
	}
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(signal, stop_and_continue)
{
	struct sleeper s;
	pthread_t t;
	pid_t child;
	int before;
	struct lwp *parent_lwp;

	rfork_ok(RUMP_RFCFDG);
	parent_lwp = rump_pub_lwproc_curlwp();
	child = rfork_ok(RUMP_RFCFDG);
	memset(&s, 0, sizeof(s));
	s.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(parent_lwp);
	cr_assert_eq(pthread_create(&t, NULL, getpid_loop_main, &s), 0);
	while (!s.ready)
		sleep_ms(1);
	sleep_ms(20);
	cr_assert_eq(rump_sys_kill(child, SIGSTOP), 0);
	sleep_ms(20);
	before = s.rv;
	sleep_ms(50);
	cr_assert_leq(s.rv, before + 1, "a stopped process ran on");
	s.ready = 3;
	cr_assert_eq(rump_sys_kill(child, SIGCONT), 0);
	pthread_join(t, NULL);
	cr_assert_eq(rump_proc_exitstatus(child, NULL), EBUSY);
}

/* ---- kill: targets and permissions ------------------------------------------ */

Test(signal, kill_permission_rules_between_uids)
{
	pid_t a, b, c, root;
	struct lwp *la, *lb, *lroot;

	root = rfork_ok(RUMP_RFCFDG);
	lroot = rump_pub_lwproc_curlwp();
	a = rfork_ok(RUMP_RFCFDG);
	la = rump_pub_lwproc_curlwp();
	set_handler(SIGUSR1, count_handler, 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	rump_pub_lwproc_switch(lroot);
	b = rfork_ok(RUMP_RFCFDG);
	lb = rump_pub_lwproc_curlwp();
	set_handler(SIGUSR1, count_handler, 0);
	cr_assert_eq(rump_sys_setuid(2000), 0);
	rump_pub_lwproc_switch(lroot);
	c = rfork_ok(RUMP_RFCFDG);
	set_handler(SIGUSR1, count_handler, 0);
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);

	/* c (uid 1000) may signal a (uid 1000), not b (2000) nor root. */
	cr_assert_eq(rump_sys_kill(a, SIGUSR1), 0);
	cr_assert_eq(rump_sys_kill(b, SIGUSR1), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_kill(root, 0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_kill(b, 0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_kill(30000, 0), -1);
	cr_assert_eq(errno, ESRCH);
	/* -1: everyone it may signal (a), so success. */
	cr_assert_eq(rump_sys_kill(-1, 0), 0);
	/* root may signal anyone. */
	rump_pub_lwproc_switch(lroot);
	cr_assert_eq(rump_sys_kill(b, SIGUSR1), 0);
	cr_assert_eq(rump_sys_kill(c, SIGUSR1), 0);
	/* b (uid 2000) may not signal a. */
	rump_pub_lwproc_switch(lb);
	cr_assert_eq(rump_sys_kill(a, SIGUSR1), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_tkill(a, SIGUSR1), -1);
	cr_assert_eq(errno, EPERM);
	rump_pub_lwproc_switch(la);
	cr_assert_eq(rump_proc_exitstatus(a, NULL), EBUSY);
}

Test(signal, process_groups_and_kill_to_a_group)
{
	pid_t leader, m1, m2, other;
	struct lwp *lleader;
	int status;

	leader = rfork_ok(RUMP_RFCFDG);
	lleader = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_getpgid(0), 1); /* init's group */
	cr_assert_eq(rump_sys_setsid(), leader);
	cr_assert_eq(rump_sys_getsid(0), leader);
	cr_assert_eq(rump_sys_getpgrp(), leader);
	cr_assert_eq(rump_sys_setsid(), -1); /* already a group leader */
	cr_assert_eq(errno, EPERM);
	m1 = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_getpgid(0), leader);
	cr_assert_eq(rump_sys_setpgid(0, 0), 0); /* its own group */
	cr_assert_eq(rump_sys_getpgid(0), m1);
	rump_pub_lwproc_switch(lleader);
	m2 = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_setpgid(0, m1), 0); /* join m1's group */
	cr_assert_eq(rump_sys_setpgid(0, 29999), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_setpgid(-1, 0), -1);
	cr_assert_eq(errno, EINVAL);
	rump_pub_lwproc_switch(lleader);
	other = rfork_ok(RUMP_RFCFDG);
	rump_pub_lwproc_switch(lleader);
	cr_assert_eq(rump_sys_getpgid(m2), m1);
	cr_assert_eq(rump_sys_kill(-m1, SIGTERM), 0);
	cr_assert_eq(rump_proc_exitstatus(m1, &status), 0);
	cr_assert_eq(rump_proc_exitstatus(m2, &status), 0);
	cr_assert_eq(rump_proc_exitstatus(other, NULL), EBUSY);
	cr_assert_eq(rump_proc_exitstatus(leader, NULL), EBUSY);
	cr_assert_eq(rump_sys_kill(-29999, SIGTERM), -1);
	cr_assert_eq(errno, ESRCH);
}

Test(signal, tkill_and_tgkill_targets)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG), tid2;
	struct lwp *l1 = rump_pub_lwproc_curlwp(), *l2;
	sigset_t p;

	set_handler(SIGUSR1, count_handler, 0);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	l2 = rump_pub_lwproc_curlwp();
	tid2 = rump_sys_gettid();
	block(SIG_BLOCK, SIGUSR1);
	rump_pub_lwproc_switch(l1);
	cr_assert_eq(rump_sys_tgkill(pid, tid2, SIGUSR1), 0);
	cr_assert_eq(hits[SIGUSR1], 0); /* for l2, which blocks it */
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGUSR1));
	rump_pub_lwproc_switch(l2);
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(sigismember(&p, SIGUSR1));
	block(SIG_UNBLOCK, SIGUSR1);
	cr_assert_eq(hits[SIGUSR1], 1);
	cr_assert_eq(rump_sys_tgkill(pid + 1000, tid2, SIGUSR1), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert_eq(rump_sys_tgkill(0, tid2, SIGUSR1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_tkill(0, SIGUSR1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_tkill(31000, SIGUSR1), -1);
	cr_assert_eq(errno, ESRCH);
}

/* ---- rfork inheritance ------------------------------------------------------ */

Test(signal, rfork_keeps_handlers_and_mask_clears_pending)
{
	pid_t parent = rfork_ok(RUMP_RFCFDG);
	struct sigaction old;
	sigset_t m, p;

	set_handler(SIGUSR1, count_handler, SA_RESTART);
	set_handler(SIGUSR2, SIG_IGN, 0);
	block(SIG_BLOCK, SIGHUP);
	block(SIG_BLOCK, SIGINT);
	cr_assert_eq(rump_sys_kill(parent, SIGINT), 0); /* pending */
	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, NULL, &old), 0);
	cr_assert_eq((void *)old.sa_handler, (void *)count_handler);
	cr_assert(old.sa_flags & SA_RESTART);
	cr_assert_eq(rump_sys_sigaction(SIGUSR2, NULL, &old), 0);
	cr_assert_eq((void *)old.sa_handler, (void *)SIG_IGN);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, NULL, &m), 0);
	cr_assert(sigismember(&m, SIGHUP));
	cr_assert(sigismember(&m, SIGINT));
	cr_assert_eq(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGINT));
}

/* ---- sigaltstack ------------------------------------------------------------- */

Test(signal, sigaltstack_recorded_and_reported)
{
	static char stk[65536];
	stack_t ss = { .ss_sp = stk, .ss_size = sizeof(stk) }, old;

	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert(old.ss_flags & SS_DISABLE);
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), 0);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_sp, stk);
	cr_assert_eq(old.ss_size, sizeof(stk));
	cr_assert_eq(old.ss_flags, 0);
	ss.ss_size = 100;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), -1);
	cr_assert_eq(errno, ENOMEM);
	ss.ss_flags = 0x1234;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

/* ---- the delivery hook ---------------------------------------------------- */

static struct rump_sigframe hook_frame;
static _Atomic int hook_calls;
static void *hook_arg_seen;

static void
hook_double(void *arg, const struct rump_sigframe *sf)
{
	hook_calls++;
	hook_arg_seen = arg;
	hook_frame = *sf;
	/* The handler "runs" here, then returns. */
	rump_sigreturn(sf);
}

Test(signal, delivery_hook_gets_the_frame)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct sigaction sa;
	siginfo_t si;
	sigset_t m;
	int token;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	block(SIG_BLOCK, SIGHUP);
	cr_assert_eq(rump_sigdeliver_sethook(hook_double, &token), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(hook_calls, 1);
	cr_assert_eq(hits[SIGUSR1], 0); /* the hook, not a local call */
	cr_assert_eq(hook_arg_seen, &token);
	cr_assert_eq(hook_frame.sf_signo, SIGUSR1);
	cr_assert_eq(hook_frame.sf_handler, (void *)info_handler);
	cr_assert(hook_frame.sf_flags & SA_SIGINFO);
	cr_assert_eq(hook_frame.sf_mask, 1ULL << (SIGHUP - 1));
	memcpy(&si, hook_frame.sf_info, sizeof(si));
	cr_assert_eq(si.si_signo, SIGUSR1);
	cr_assert_eq(si.si_pid, pid);
	cr_assert_eq(si.si_code, SI_USER);
	/* rump_sigreturn put the mask back. */
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, NULL, &m), 0);
	cr_assert(sigismember(&m, SIGHUP));
	cr_assert(!sigismember(&m, SIGUSR1));
	cr_assert(!sigismember(&m, SIGUSR2));
	cr_assert_eq(rump_sigdeliver_sethook(NULL, NULL), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(hits[SIGUSR1], 1);
}

/* ---- the host side ----------------------------------------------------------- */

static _Atomic int host_hits;
static pid_t post_target;

static void
host_raise_handler(int sig)
{
	(void)sig;
	host_hits++;
}

Test(signal, sigmodel_raise_reports_to_the_host)
{
	pid_t child;

	signal(SIGUSR2, host_raise_handler);
	cr_assert_eq(rump_boot_setsigmodel(RUMP_SIGMODEL_RAISE), 0);
	cr_assert_eq(rump_boot_setsigmodel(7), EINVAL);
	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_kill(child, SIGUSR2), 0);
	for (int i = 0; i < 1000 && host_hits == 0; i++)
		sleep_ms(1);
	cr_assert_eq(host_hits, 1);
	cr_assert_eq(rump_proc_exitstatus(child, NULL), 0);
	/* A caught signal never reaches the host. */
	rump_pub_lwproc_releaselwp();
}

Test(signal, sigmodel_record_keeps_status_only)
{
	pid_t child;
	int status;

	cr_assert_eq(rump_boot_setsigmodel(RUMP_SIGMODEL_RECORD), 0);
	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_kill(child, SIGINT), 0);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert_eq(WTERMSIG(status), SIGINT);
}

Test(signal, sigmodel_panic_panics, .signal = SIGABRT)
{
	pid_t child;

	cr_assert_eq(rump_boot_setsigmodel(RUMP_SIGMODEL_PANIC), 0);
	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	rump_sys_kill(child, SIGTERM);
	sleep_ms(2000);
}

static void
host_sigint_handler(int sig)
{
	(void)sig;
	rump_signal_post(post_target, SIGINT);
}

static void *
host_kill_later(void *arg)
{
	sleep_ms(30);
	pthread_kill(*(pthread_t *)arg, SIGINT);
	return NULL;
}

/* A host SIGINT, through rump_signal_post from the host handler,
 * interrupts a blocking rump syscall with EINTR. */
Test(signal, host_sigint_interrupts_a_blocking_call)
{
	struct sigaction hsa;
	pthread_t self = pthread_self(), t;
	struct timespec req = { 5, 0 };
	double t0;

	post_target = rfork_ok(RUMP_RFCFDG);
	set_handler(SIGINT, count_handler, 0);
	memset(&hsa, 0, sizeof(hsa));
	hsa.sa_handler = host_sigint_handler;
	sigemptyset(&hsa.sa_mask);
	cr_assert_eq(sigaction(SIGINT, &hsa, NULL), 0);
	cr_assert_eq(pthread_create(&t, NULL, host_kill_later, &self), 0);
	t0 = now_ms();
	cr_assert_eq(rump_sys_nanosleep(&req, NULL), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_lt(now_ms() - t0, 2000);
	cr_assert_eq(hits[SIGINT], 1);
	pthread_join(t, NULL);
	cr_assert_eq(rump_signal_post(post_target, 0), EINVAL);
	cr_assert_eq(rump_signal_post(0, SIGINT), EINVAL);
}

/* The seed's caveat: an itimer armed in the kernel interrupts a
 * blocking syscall with EINTR, and the handler runs. */
Test(signal, itimer_interrupts_blocking_call)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	struct timespec req = { 5, 0 };
	double t0;

	rfork_ok(RUMP_RFCFDG);
	set_handler(SIGALRM, count_handler, SA_RESTART);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now_ms();
	cr_assert_eq(rump_sys_nanosleep(&req, NULL), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_geq(now_ms() - t0, 15);
	cr_assert_lt(now_ms() - t0, 2000);
	cr_assert_eq(hits[SIGALRM], 1);
	/* Again with pause(). */
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_pause(), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(hits[SIGALRM], 2);
}

/* Without a handler, SIGALRM's default action ends the rump process
 * only, never the host. */
Test(signal, itimer_default_action_ends_only_the_rump_process)
{
	struct itimerval it = { { 0, 0 }, { 0, 10000 } };
	pid_t pid;
	int status;

	rfork_ok(RUMP_RFCFDG);
	pid = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_pause(), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(rump_proc_exitstatus(pid, &status), 0);
	cr_assert_eq(WTERMSIG(status), SIGALRM);
}

/* ---- pipes: SIGPIPE, restarts -------------------------------------------- */

Test(signal, sigpipe_goes_to_the_writer)
{
	int fds[2];

	rfork_ok(RUMP_RFCFDG);
	set_handler(SIGPIPE, info_handler, SA_SIGINFO);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	cr_assert_eq(rump_sys_close(fds[0]), 0);
	cr_assert_eq(rump_sys_write(fds[1], "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	cr_assert_eq(hits[SIGPIPE], 1);
	cr_assert_eq(last_info.si_signo, SIGPIPE);
	cr_assert_eq(last_info.si_code, SI_USER);
}

Test(signal, sigpipe_default_ends_the_writer)
{
	int fds[2], status;
	pid_t pid;

	rfork_ok(RUMP_RFCFDG);
	pid = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	cr_assert_eq(rump_sys_close(fds[0]), 0);
	cr_assert_eq(rump_sys_write(fds[1], "x", 1), -1);
	cr_assert_eq(errno, EPIPE);
	cr_assert_eq(rump_proc_exitstatus(pid, &status), 0);
	cr_assert_eq(WTERMSIG(status), SIGPIPE);
}

struct piper {
	struct lwp *lwp;
	int fd;
	_Atomic int ready;
	ssize_t rv;
	int err;
	char buf[8];
};

static void *
pipe_reader_main(void *arg)
{
	struct piper *pr = arg;

	rump_pub_lwproc_switch(pr->lwp);
	pr->ready = 1;
	pr->rv = rump_sys_read(pr->fd, pr->buf, sizeof(pr->buf));
	pr->err = errno;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static void
pipe_read_with_signal(int flags, struct piper *pr)
{
	int fds[2];
	pthread_t t;
	pid_t pid = rfork_ok(0);
	struct lwp *main_lwp = rump_pub_lwproc_curlwp();
	pid_t tid;

	set_handler(SIGUSR1, count_handler, flags);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	memset(pr, 0, sizeof(*pr));
	pr->fd = fds[0];
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	pr->lwp = rump_pub_lwproc_curlwp();
	tid = rump_sys_gettid();
	rump_pub_lwproc_switch(main_lwp);
	cr_assert_eq(pthread_create(&t, NULL, pipe_reader_main, pr), 0);
	while (!pr->ready)
		sleep_ms(1);
	sleep_ms(20);
	cr_assert_eq(rump_sys_tkill(tid, SIGUSR1), 0);
	sleep_ms(20);
	cr_assert_eq(rump_sys_write(fds[1], "hi", 2), 2);
	pthread_join(t, NULL);
	cr_assert_eq(hits[SIGUSR1], 1);
}

Test(signal, pipe_read_restarts_under_sa_restart)
{
	struct piper pr;

	pipe_read_with_signal(SA_RESTART, &pr);
	cr_assert_eq(pr.rv, 2);
	cr_assert_eq(memcmp(pr.buf, "hi", 2), 0);
}

Test(signal, pipe_read_eintr_without_sa_restart)
{
	struct piper pr;

	pipe_read_with_signal(0, &pr);
	cr_assert_eq(pr.rv, -1);
	cr_assert_eq(pr.err, EINTR);
}

/* The seed's caveat with a pipe read: an itimer, EINTR, the handler. */
Test(signal, itimer_interrupts_pipe_read)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	int fds[2];
	char c;

	rfork_ok(RUMP_RFCFDG);
	set_handler(SIGALRM, count_handler, 0);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_read(fds[0], &c, 1), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(hits[SIGALRM], 1);
}

/* The parent hears of a stop and a continue (SIGCHLD with CLD_STOPPED,
 * CLD_CONTINUED), unless its SIGCHLD action says SA_NOCLDSTOP. */
Test(signal, sigchld_on_stop_and_continue)
{
	struct timespec ts = { 2, 0 }, none = { 0, 20 * MS };
	pid_t child;
	siginfo_t si;
	sigset_t chld;
	struct lwp *parent;

	rfork_ok(RUMP_RFCFDG);
	parent = rump_pub_lwproc_curlwp();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	block(SIG_BLOCK, SIGCHLD);
	child = rfork_ok(RUMP_RFCFDG);
	rump_pub_lwproc_switch(parent);
	cr_assert_eq(rump_sys_kill(child, SIGTSTP), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &ts), SIGCHLD);
	cr_assert_eq(si.si_code, CLD_STOPPED);
	cr_assert_eq(si.si_pid, child);
	cr_assert_eq(si.si_status, SIGTSTP);
	cr_assert_eq(rump_sys_kill(child, SIGCONT), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &ts), SIGCHLD);
	cr_assert_eq(si.si_code, CLD_CONTINUED);
	cr_assert_eq(si.si_status, SIGCONT);
	/* SA_NOCLDSTOP: silence. */
	set_handler(SIGCHLD, count_handler, SA_NOCLDSTOP);
	cr_assert_eq(rump_sys_kill(child, SIGSTOP), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &none), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_kill(child, SIGKILL), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&chld, &si, &ts), SIGCHLD);
	cr_assert_eq(si.si_code, CLD_KILLED);
}

/* ---- poll: the seed's caveat itself ------------------------------------------ */

#include <poll.h>

/* rump_sys_setitimer(), then a blocking rump_sys_poll(): the poll ends
 * with EINTR and the SIGALRM handler has run.  poll never restarts,
 * SA_RESTART or not. */
Test(signal, seed_caveat_itimer_interrupts_poll)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	struct pollfd pfd;
	int fds[2];
	double t0;

	rfork_ok(RUMP_RFCFDG);
	set_handler(SIGALRM, count_handler, SA_RESTART);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	t0 = now_ms();
	cr_assert_eq(rump_sys_poll(&pfd, 1, 5000), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_geq(now_ms() - t0, 15);
	cr_assert_lt(now_ms() - t0, 2000);
	cr_assert_eq(hits[SIGALRM], 1);
	/* Infinite timeout too. */
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_poll(&pfd, 1, -1), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(hits[SIGALRM], 2);
}

/* ppoll's mask opens a blocked signal for the wait only: the handler
 * runs, the call ends with EINTR, the old mask is back. */
Test(signal, ppoll_mask_lets_a_signal_in)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	struct pollfd pfd;
	sigset_t open, now;
	int fds[2];

	rfork_ok(RUMP_RFCFDG);
	set_handler(SIGALRM, info_handler, SA_SIGINFO);
	block(SIG_BLOCK, SIGALRM);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	sigemptyset(&open);
	cr_assert_eq(rump_sys_ppoll(&pfd, 1, NULL, &open), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(hits[SIGALRM], 1);
	/* In the handler SIGALRM was blocked; afterwards, the old mask. */
	cr_assert(sigismember(&mask_in_handler, SIGALRM));
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, NULL, &now), 0);
	cr_assert(sigismember(&now, SIGALRM));
}

/* ---- a signal from another thread just as the sleep starts ------------ */

struct racer {
	struct lwp *lwp;
	pid_t tid;
	_Atomic int round, entered, done;
	int bad;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	struct timespec req = { 10, 0 };

	rump_pub_lwproc_switch(r->lwp);
	r->tid = rump_sys_gettid();
	for (int i = 0; i < 100; i++) {
		while (r->round != i)
			sched_yield();
		r->entered = i + 1;
		/* The signal comes now, before or while the sleep starts:
		 * never lost, so the 10 s sleep ends at once. */
		if (rump_sys_nanosleep(&req, NULL) != -1 || errno != EINTR)
			r->bad++;
		r->done = i + 1;
	}
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(signal, signal_from_another_thread_as_sleep_starts)
{
	struct racer r;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();

	set_handler(SIGUSR1, count_handler, 0);
	memset(&r, 0, sizeof(r));
	r.round = -1;
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	r.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	block(SIG_BLOCK, SIGUSR1); /* only the racer takes it */
	cr_assert_eq(pthread_create(&t, NULL, racer_main, &r), 0);
	for (int i = 0; i < 100; i++) {
		r.round = i;
		while (r.entered != i + 1)
			sched_yield();
		for (int spin = 0; spin < (i % 10) * 200; spin++)
			__asm__ volatile("" ::: "memory");
		cr_assert_eq(rump_sys_tkill(r.tid, SIGUSR1), 0);
		while (r.done != i + 1)
			sched_yield();
	}
	pthread_join(t, NULL);
	cr_assert_eq(r.bad, 0);
	cr_assert_eq(hits[SIGUSR1], 100);
}

/* ---- wakeups after the poster drops p_lock ------------------------------------ */

struct churner {
	pid_t pid;
	atomic_int stop;
	atomic_long made;
};

static void *
churn_lwps_main(void *arg)
{
	struct churner *c = arg;
	sigset_t none;

	sigemptyset(&none);
	/* lwps that park in sigsuspend and go: a wakeup aimed at one may
	 * land after it is gone (its park is reused, not freed). */
	while (!atomic_load(&c->stop)) {
		struct timespec ts = { 0, 200000 };

		cr_assert_eq(rump_pub_lwproc_newlwp(c->pid), 0);
		rump_sys_sigsuspend(&none);
		rump_sys_nanosleep(&ts, NULL);
		rump_pub_lwproc_releaselwp();
		atomic_fetch_add(&c->made, 1);
	}
	return NULL;
}

Test(signal, kill_races_with_lwps_coming_and_going)
{
	struct churner c;
	pthread_t t[2];
	pid_t me = rfork_ok(RUMP_RFCFDG);
	pid_t target;
	struct lwp *killer;
	double t0;

	killer = rump_pub_lwproc_curlwp();
	target = rfork_ok(RUMP_RFCFDG);
	set_handler(SIGUSR1, count_handler, 0);
	set_handler(SIGUSR2, count_handler, 0);
	memset(&c, 0, sizeof(c));
	c.pid = target;
	rump_pub_lwproc_switch(killer);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, churn_lwps_main, &c),
			     0);
	t0 = now_ms();
	while (now_ms() - t0 < 300) {
		cr_assert_eq(rump_sys_kill(target, SIGUSR1), 0);
		cr_assert_eq(rump_sys_kill(target, SIGUSR2), 0);
	}
	atomic_store(&c.stop, 1);
	/* Let the last sleepers out. */
	for (int i = 0; i < 2; i++)
		while (pthread_tryjoin_np(t[i], NULL) != 0) {
			rump_sys_kill(target, SIGUSR1);
			sleep_ms(1);
		}
	cr_assert_gt(atomic_load(&c.made), 0);
	cr_assert_eq(rump_sys_getpid(), me);
}

/* ---- audit: rt_tgsigqueueinfo, sigaltstack ------------------------------------- */

Test(signal, tgsigqueueinfo_permission_and_bad_ids)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG), other, otherpid, tid;
	struct lwp *me = rump_pub_lwproc_curlwp(), *peer, *lother;
	siginfo_t si, got;
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	/* A second thread of this process. */
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	peer = rump_pub_lwproc_curlwp();
	tid = rump_sys_gettid();
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	rump_pub_lwproc_switch(me);
	memset(&si, 0, sizeof(si));

	/* Bad ids. */
	si.si_code = SI_QUEUE;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(0, tid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, 0, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, -5, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, 30000, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, ESRCH);
	/* The thread, named with the wrong process. */
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(1, tid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, 65, &si), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, SIGRTMIN, NULL), -1);
	cr_assert_eq(errno, EFAULT);

	/* A kernel code (or SI_TKILL) only to the caller's own thread, as
	 * Linux: not even to another thread of its process. */
	si.si_code = SI_USER;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EPERM);
	si.si_code = SI_TKILL;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EPERM);
	si.si_code = SI_USER;
	si.si_value.sival_int = 7;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, pid, SIGRTMIN, &si), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&set, &got, &zero), SIGRTMIN);
	cr_assert_eq(got.si_code, SI_USER);
	/* rt_sigqueueinfo from a thread that is not the main one is held
	 * to the same rule: its tid is not the pid. */
	rump_pub_lwproc_switch(peer);
	cr_assert_eq(rump_sys_rt_sigqueueinfo(pid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EPERM);
	rump_pub_lwproc_switch(me);

	/* A user code to the other thread: queued there with its value. */
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 42;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, SIGRTMIN, &si), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&set, &got, &zero), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_pub_lwproc_switch(peer);
	cr_assert_eq(rump_sys_sigtimedwait(&set, &got, &zero), SIGRTMIN);
	cr_assert_eq(got.si_code, SI_QUEUE);
	cr_assert_eq(got.si_value.sival_int, 42);
	cr_assert_eq(got.si_pid, 0); /* what the sender wrote */
	rump_pub_lwproc_switch(me);

	/* Another process of another uid: EPERM; root may. */
	otherpid = rfork_ok(RUMP_RFCFDG);
	lother = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, 0, &si), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(pid, tid, SIGRTMIN, &si), -1);
	cr_assert_eq(errno, EPERM);
	rump_pub_lwproc_switch(me);
	other = otherpid;
	cr_assert_eq(rump_sys_rt_tgsigqueueinfo(other, other, 0, &si), 0);
	(void)lother;
}

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* Linux's, not in every libc */
#endif

Test(signal, sigaltstack_flags_validated_as_linux)
{
	static char stk[65536];
	stack_t ss = { .ss_sp = stk, .ss_size = sizeof(stk) }, old;

	/* SS_ONSTACK as a mode is the same as 0. */
	ss.ss_flags = SS_ONSTACK;
	cr_assert_eq(rump_sys_sigaltstack(&ss, &old), 0);
	cr_assert(old.ss_flags & SS_DISABLE);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_flags, 0);
	cr_assert_eq(old.ss_sp, stk);
	/* Both modes at once, or unknown bits: EINVAL, nothing changed. */
	ss.ss_flags = SS_ONSTACK | SS_DISABLE;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	ss.ss_flags = 4;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_sp, stk);
	/* Too small: ENOMEM; Linux's MINSIGSTKSZ (2048 on x86; glibc's
	 * macro may be a sysconf call) itself is fine. */
	ss.ss_flags = 0;
	ss.ss_size = 2047;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), -1);
	cr_assert_eq(errno, ENOMEM);
	ss.ss_size = 2048;
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), 0);
	/* SS_AUTODISARM is kept and reported. */
	ss.ss_flags = SS_AUTODISARM;
	ss.ss_size = sizeof(stk);
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), 0);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq((unsigned)old.ss_flags, SS_AUTODISARM);
	/* SS_DISABLE: the size does not matter, sp and size are cleared. */
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 1;
	cr_assert_eq(rump_sys_sigaltstack(&ss, &old), 0);
	cr_assert_eq((unsigned)old.ss_flags, SS_AUTODISARM);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_flags, SS_DISABLE);
	cr_assert_null(old.ss_sp);
	cr_assert_eq(old.ss_size, 0);
	/* Bad pointers. */
	cr_assert_eq(rump_sys_sigaltstack((void *)16, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_sigaltstack(NULL, (void *)16), -1);
	cr_assert_eq(errno, EFAULT);
	/* Kept across rfork, fresh (disabled) in a new lwp. */
	ss.ss_flags = 0;
	ss.ss_size = sizeof(stk);
	cr_assert_eq(rump_sys_sigaltstack(&ss, NULL), 0);
	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_sp, stk);
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	cr_assert_eq(rump_sys_sigaltstack(NULL, &old), 0);
	cr_assert_eq(old.ss_flags, SS_DISABLE);
}

/* ---- audit: the remaining signal models, pause, calls that never
 * restart --------------------------------------------------------------- */

Test(signal, sigmodel_ignore_ends_only_the_rump_process)
{
	pid_t child;
	int status;

	signal(SIGUSR2, host_raise_handler);
	cr_assert_eq(rump_boot_setsigmodel(RUMP_SIGMODEL_IGNORE), 0);
	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_kill(child, SIGUSR2), 0);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert_eq(WTERMSIG(status), SIGUSR2);
	sleep_ms(20);
	cr_assert_eq(host_hits, 0);
}

Test(signal, sigmodel_host_is_raise)
{
	pid_t child;

	signal(SIGUSR2, host_raise_handler);
	cr_assert_eq(rump_boot_setsigmodel(RUMP_SIGMODEL_HOST), 0);
	rfork_ok(RUMP_RFCFDG);
	child = rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_kill(child, SIGUSR2), 0);
	for (int i = 0; i < 1000 && host_hits == 0; i++)
		sleep_ms(1);
	cr_assert_eq(host_hits, 1);
	cr_assert_eq(rump_proc_exitstatus(child, NULL), 0);
}

struct waiter_call {
	struct lwp *lwp;
	int which; /* 0 pause, 1 sigtimedwait, 2 nanosleep, 3 select,
		    * 4 clock_nanosleep absolute */
	int rv, err;
	atomic_int ready;
};

static void *
waiter_call_main(void *arg)
{
	struct waiter_call *w = arg;
	struct timespec long_ts = { 10, 0 }, rem;
	struct timeval tv = { 10, 0 };
	sigset_t set;
	siginfo_t si;

	rump_pub_lwproc_switch(w->lwp);
	w->ready = 1;
	switch (w->which) {
	case 0:
		w->rv = rump_sys_pause();
		break;
	case 1:
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN + 5); /* never sent */
		w->rv = rump_sys_sigtimedwait(&set, &si, &long_ts);
		break;
	case 2:
		w->rv = rump_sys_nanosleep(&long_ts, &rem);
		break;
	case 3:
		w->rv = rump_sys_select(0, NULL, NULL, NULL, &tv);
		break;
	case 4:
		clock_gettime(CLOCK_MONOTONIC, &long_ts);
		long_ts.tv_sec += 10;
		w->rv = rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						 &long_ts, NULL);
		/* clock_nanosleep returns the error itself. */
		w->err = w->rv;
		w->rv = w->rv == 0 ? 0 : -1;
		rump_pub_lwproc_switch(NULL);
		return NULL;
	}
	w->err = errno;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* pause, sigtimedwait, nanosleep, clock_nanosleep and select end with
 * EINTR after a handler ran, SA_RESTART or not, as in Linux. */
Test(signal, never_restarted_even_under_sa_restart)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();

	set_handler(SIGUSR1, count_handler, SA_RESTART);
	/* Only the waiter (a new lwp: empty mask) takes it. */
	block(SIG_BLOCK, SIGUSR1);
	for (int which = 0; which < 5; which++) {
		struct waiter_call w;
		pthread_t t;
		double t0 = now_ms();

		memset(&w, 0, sizeof(w));
		w.which = which;
		cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
		w.lwp = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
		cr_assert_eq(pthread_create(&t, NULL, waiter_call_main, &w), 0);
		while (!w.ready)
			sleep_ms(1);
		sleep_ms(20);
		cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
		pthread_join(t, NULL);
		cr_assert_eq(w.rv, -1, "call %d", which);
		cr_assert_eq(w.err, EINTR, "call %d: errno %d", which, w.err);
		cr_assert_lt(now_ms() - t0, 5000, "call %d", which);
		rump_pub_lwproc_switch(w.lwp);
		rump_pub_lwproc_releaselwp();
		rump_pub_lwproc_switch(me);
	}
	cr_assert_eq(hits[SIGUSR1], 5);
}
