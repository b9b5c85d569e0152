/*
 * time.c: clocks, signals, sleeps and timers, rump against the host in
 * the same run.
 *
 *  - clock_gettime(CLOCK_MONOTONIC) (target: at most 1.5x the host's
 *    vDSO call);
 *  - kill from one process to another and the handler run, as a round
 *    trip: A signals B, B's handler runs and B signals A back, A's
 *    handler runs (rump: two rump processes on two host threads waiting
 *    in sigsuspend; host: two host processes doing the same; target: at
 *    most the host's);
 *  - 1 ms nanosleep, mean oversleep (target: within 50 us of the
 *    host's);
 *  - a 1 kHz periodic POSIX timer for 5 s, taken with sigwaitinfo:
 *    missed expiries (overruns) and jitter of the intervals, beside the
 *    host's.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define MS 1000000L
#define TIMER_SECONDS 5
#define ALTERNATIONS 3

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- clock_gettime ---------------------------------------------------- */

static void
gettime_rump(void *arg, long n)
{
	struct timespec ts;

	while (n-- > 0) {
		rump_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
		bench_keep(ts.tv_nsec);
	}
}

static void
gettime_host(void *arg, long n)
{
	struct timespec ts;

	while (n-- > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		bench_keep(ts.tv_nsec);
	}
}

/* ---- kill round trip ----------------------------------------------------- */

static void
nop_handler(int sig)
{
	(void)sig;
}

struct pingpong {
	struct lwp *lwp;
	pid_t peer;
	long rounds;
	_Atomic int ready;
};

static pid_t ping_pid, pong_pid;

/* B: wait for SIGUSR1, answer with SIGUSR2, `rounds' times. */
static void *
pong_main(void *arg)
{
	struct pingpong *pp = arg;
	sigset_t wait;

	rump_pub_lwproc_switch(pp->lwp);
	/* Taken only inside sigsuspend, as the host side does. */
	sigemptyset(&wait);
	sigaddset(&wait, SIGUSR1);
	rump_sys_sigprocmask(SIG_BLOCK, &wait, NULL);
	sigemptyset(&wait);
	pp->ready = 1;
	for (long i = 0; i < pp->rounds; i++) {
		rump_sys_sigsuspend(&wait); /* SIGUSR1's handler ran */
		rump_sys_kill(pp->peer, SIGUSR2);
	}
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static void
rump_catch(int sig)
{
	struct sigaction sa;
	sigset_t s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop_handler;
	sigemptyset(&sa.sa_mask);
	if (rump_sys_sigaction(sig, &sa, NULL) != 0)
		die("rump sigaction");
	sigemptyset(&s);
	sigaddset(&s, sig);
	rump_sys_sigprocmask(SIG_BLOCK, &s, NULL);
}

static void
killrt_rump(void *arg, long n)
{
	struct lwp *a_lwp = arg;
	struct pingpong pp;
	pthread_t t;
	sigset_t wait;

	memset(&pp, 0, sizeof(pp));
	rump_pub_lwproc_switch(a_lwp);
	if (rump_pub_lwproc_newlwp(pong_pid) != 0)
		die("newlwp");
	pp.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(a_lwp);
	pp.peer = ping_pid;
	pp.rounds = n;
	pthread_create(&t, NULL, pong_main, &pp);
	while (!pp.ready)
		sched_yield();
	sigemptyset(&wait);
	for (long i = 0; i < n; i++) {
		rump_sys_kill(pong_pid, SIGUSR1);
		rump_sys_sigsuspend(&wait); /* SIGUSR2's handler ran */
	}
	pthread_join(t, NULL);
	rump_pub_lwproc_switch(pp.lwp);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(NULL);
}

static void
killrt_host(void *arg, long n)
{
	struct sigaction sa;
	sigset_t block, wait;
	pid_t child, parent = getpid();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop_handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&wait);
	if ((child = fork()) < 0)
		die("fork");
	if (child == 0) {
		for (long i = 0; i < n; i++) {
			sigsuspend(&wait);
			kill(parent, SIGUSR2);
		}
		_exit(0);
	}
	for (long i = 0; i < n; i++) {
		kill(child, SIGUSR1);
		sigsuspend(&wait);
	}
	waitpid(child, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
}

/* ---- nanosleep oversleep ----------------------------------------------- */

static double
oversleep(int rump, int n)
{
	struct timespec req = { 0, MS };
	double total = 0;

	for (int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();

		if (rump)
			rump_sys_nanosleep(&req, NULL);
		else
			nanosleep(&req, NULL);
		total += (double)(bench_now_ns() - t0) - MS;
	}
	return total / n / 1000.0; /* us */
}

/* ---- 1 kHz periodic timer ------------------------------------------------ */

struct tstats {
	long expiries, missed;
	double jitter_us, max_us;
};

static void
periodic(int rump, struct tstats *st)
{
	struct itimerspec its = { { 0, MS }, { 0, MS } };
	struct sigevent sev;
	siginfo_t si;
	sigset_t s;
	timer_t t;
	uint64_t prev = 0, now, end;
	double dev, sum2 = 0;
	long n = 0;

	memset(st, 0, sizeof(*st));
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 2;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 2);
	if (rump) {
		rump_sys_sigprocmask(SIG_BLOCK, &s, NULL);
		if (rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t) != 0 ||
		    rump_sys_timer_settime(t, 0, &its, NULL) != 0)
			die("rump timer");
	} else {
		sigprocmask(SIG_BLOCK, &s, NULL);
		if (timer_create(CLOCK_MONOTONIC, &sev, &t) != 0 ||
		    timer_settime(t, 0, &its, NULL) != 0)
			die("host timer");
	}
	end = bench_now_ns() + TIMER_SECONDS * 1000000000ULL;
	while ((now = bench_now_ns()) < end) {
		int sig = rump ? rump_sys_sigwaitinfo(&s, &si)
			       : sigwaitinfo(&s, &si);

		if (sig < 0)
			continue;
		now = bench_now_ns();
		st->expiries += 1 + si.si_overrun;
		st->missed += si.si_overrun;
		if (prev != 0) {
			dev = ((double)(now - prev) - MS) / 1000.0;
			sum2 += dev * dev;
			if (fabs(dev) > st->max_us)
				st->max_us = fabs(dev);
			n++;
		}
		prev = now;
	}
	st->jitter_us = n > 0 ? sqrt(sum2 / n) : 0;
	if (rump)
		rump_sys_timer_delete(t);
	else
		timer_delete(t);
}

int
main(void)
{
	double r, h, ro, ho;
	struct tstats rt, ht;
	struct lwp *a_lwp;

	if (rump_init() != 0)
		die("rump_init");
	bench_json_begin();

	/* Rump and host alternate, the best of each kept: on a loaded
	 * machine one long stretch of noise would hit only one side. */
	r = h = INFINITY;
	for (int i = 0; i < ALTERNATIONS; i++) {
		r = fmin(r, bench_run("clock_gettime rump", gettime_rump, NULL,
				      0));
		h = fmin(h, bench_run("clock_gettime host", gettime_host, NULL,
				      0));
	}
	bench_report("clock_gettime(CLOCK_MONOTONIC)", r, h, 1.5);

	/* Two rump processes, A on this thread. */
	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		die("rfork");
	pong_pid = rump_sys_getpid();
	rump_catch(SIGUSR1);
	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		die("rfork");
	ping_pid = rump_sys_getpid();
	rump_catch(SIGUSR2);
	a_lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	r = h = INFINITY;
	for (int i = 0; i < ALTERNATIONS; i++) {
		r = fmin(r, bench_run("kill round trip rump", killrt_rump,
				      a_lwp, 5000));
		h = fmin(h, bench_run("kill round trip host", killrt_host, NULL,
				      5000));
	}
	bench_report("kill + handler, round trip between two processes", r, h,
		     1.0);

	ro = oversleep(1, 300);
	ho = oversleep(0, 300);
	printf("nanosleep 1 ms: mean oversleep rump %.1f us, host %.1f us, "
	       "difference %.1f us (target <= 50 us%s)\n",
	       ro, ho, ro - ho, ro - ho <= 50 ? "" : ", MISSED");
	bench_json_object("nanosleep 1 ms oversleep");
	bench_json_add_number("rump_us", ro);
	bench_json_add_number("host_us", ho);
	bench_json_add_number("difference_us", ro - ho);
	bench_json_add_number("target_us", 50);
	bench_json_add_bool("met", ro - ho <= 50);
	bench_json_object_end();

	rump_pub_lwproc_switch(a_lwp);
	periodic(1, &rt);
	rump_pub_lwproc_switch(NULL);
	periodic(0, &ht);
	printf("1 kHz POSIX timer, %d s: rump %ld expiries, %ld missed, "
	       "jitter %.1f us (max %.1f us); host %ld expiries, %ld missed, "
	       "jitter %.1f us (max %.1f us)\n",
	       TIMER_SECONDS, rt.expiries, rt.missed, rt.jitter_us, rt.max_us,
	       ht.expiries, ht.missed, ht.jitter_us, ht.max_us);
	bench_json_object("1 kHz periodic timer");
	bench_json_add_number("seconds", TIMER_SECONDS);
	bench_json_add_number("rump_expiries", rt.expiries);
	bench_json_add_number("rump_missed", rt.missed);
	bench_json_add_number("rump_jitter_us", rt.jitter_us);
	bench_json_add_number("rump_max_dev_us", rt.max_us);
	bench_json_add_number("host_expiries", ht.expiries);
	bench_json_add_number("host_missed", ht.missed);
	bench_json_add_number("host_jitter_us", ht.jitter_us);
	bench_json_add_number("host_max_dev_us", ht.max_us);
	bench_json_object_end();

	bench_json_end();
	return 0;
}
