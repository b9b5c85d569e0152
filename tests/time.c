/*
 * time.c: clocks and sleeps: clock_gettime/getres/settime for every
 * clock, gettimeofday, settimeofday, time, times, getrusage, the CPU-time
 * clocks, nanosleep and clock_nanosleep (relative, absolute, bad input).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define MS 1000000LL
/* Linux's CPU clock id of process `pid' (CPUCLOCK_SCHED). */
#define PROCESS_CLOCK(pid) ((clockid_t)((unsigned)~(pid) << 3) | 2)
#define NS 1000000000LL

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(time, .init = boot, .timeout = 20);

static long long
ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

static long long
host_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts_ns(&ts);
}

static long long
rump_ns(clockid_t c)
{
	struct timespec ts;

	cr_assert_eq(rump_sys_clock_gettime(c, &ts), 0, "clock %d", c);
	cr_assert(ts.tv_nsec >= 0 && ts.tv_nsec < NS);
	return ts_ns(&ts);
}

Test(time, host_clocks_agree_with_the_host)
{
	clockid_t c[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW,
			  CLOCK_BOOTTIME, CLOCK_TAI };

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		long long h0 = host_ns(c[i]), r = rump_ns(c[i]),
			  h1 = host_ns(c[i]);

		cr_assert(r >= h0 - 1000 && r <= h1 + 1000, "clock %d", c[i]);
	}
	/* Coarse clocks lag by at most a tick or two. */
	cr_assert_lt(
		llabs(rump_ns(CLOCK_REALTIME_COARSE) - host_ns(CLOCK_REALTIME)),
		50 * MS);
	cr_assert_lt(llabs(rump_ns(CLOCK_MONOTONIC_COARSE) -
			   host_ns(CLOCK_MONOTONIC)),
		     50 * MS);
}

Test(time, monotonic_never_goes_back)
{
	long long prev = rump_ns(CLOCK_MONOTONIC), now;

	for (int i = 0; i < 10000; i++) {
		now = rump_ns(CLOCK_MONOTONIC);
		cr_assert_geq(now, prev);
		prev = now;
	}
}

Test(time, bad_clocks_and_pointers)
{
	struct timespec ts;

	cr_assert_eq(rump_sys_clock_gettime(99, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, (void *)16), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_clock_getres(99, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	/* A CPU clock of a process that does not exist. */
	cr_assert_eq(rump_sys_clock_gettime(PROCESS_CLOCK(30000), &ts), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(time, resolutions)
{
	struct timespec ts;

	cr_assert_eq(rump_sys_clock_getres(CLOCK_MONOTONIC, &ts), 0);
	cr_assert(ts.tv_sec == 0 && ts.tv_nsec == 1);
	cr_assert_eq(rump_sys_clock_getres(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	cr_assert(ts.tv_sec == 0 && ts.tv_nsec == 1);
	cr_assert_eq(rump_sys_clock_getres(CLOCK_MONOTONIC_COARSE, &ts), 0);
	cr_assert(ts.tv_sec == 0 && ts.tv_nsec >= 1000);
	cr_assert_eq(rump_sys_clock_getres(CLOCK_REALTIME, NULL), 0);
}

Test(time, settime_moves_only_the_kernel_clock)
{
	struct timespec ts = { 1000000000, 5 }, bad = { 5, NS };
	struct timeval tv;
	long long r;

	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), 0);
	r = rump_ns(CLOCK_REALTIME);
	cr_assert(r >= 1000000000LL * NS && r < 1000000001LL * NS);
	/* The host's clock is untouched. */
	cr_assert_gt(host_ns(CLOCK_REALTIME), 1600000000LL * NS);
	cr_assert_eq(rump_sys_gettimeofday(&tv, NULL), 0);
	cr_assert_eq(tv.tv_sec, 1000000000);
	cr_assert_eq(rump_sys_time(NULL), 1000000000);
	/* Bad input and unsettable clocks. */
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &bad), -1);
	cr_assert_eq(errno, EINVAL);
	bad.tv_sec = -1;
	bad.tv_nsec = 0;
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &bad), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_settime(CLOCK_MONOTONIC, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	/* settimeofday too. */
	tv.tv_sec = 2000000000;
	tv.tv_usec = 0;
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), 0);
	cr_assert_eq(rump_sys_time(NULL), 2000000000);
	tv.tv_usec = 1000000;
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(time, settime_needs_root)
{
	struct timespec ts = { 1000000000, 0 };
	struct timeval tv = { 1000000000, 0 };
	time_t before = rump_sys_time(NULL);

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setuid(1000), 0);
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_geq(rump_sys_time(NULL), before);
}

Test(time, gettimeofday_time_and_timezone)
{
	struct timeval tv;
	struct timezone tz = { 99, 99 };
	time_t t, t2;

	cr_assert_eq(rump_sys_gettimeofday(&tv, (void *)&tz), 0);
	cr_assert_eq(tz.tz_minuteswest, 0);
	cr_assert_lt(llabs((long long)tv.tv_sec - time(NULL)), 2);
	t = rump_sys_time(&t2);
	cr_assert_eq(t, t2);
	cr_assert_eq(rump_sys_gettimeofday(&tv, (void *)8), -1);
	cr_assert_eq(errno, EFAULT);
}

static void
spin_ms(long ms)
{
	long long end = host_ns(CLOCK_THREAD_CPUTIME_ID) + ms * MS;

	while (host_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		continue;
}

static void *
spin_in_process(void *arg)
{
	struct lwp *l = arg;

	rump_pub_lwproc_switch(l);
	spin_ms(30);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* The thread clock is the lwp's host thread's CPU time; the process
 * clock adds up its lwps, released ones included; getrusage and times
 * say the same. */
Test(time, cpu_clocks)
{
	long long t0, t1, p0, p1;
	pid_t pid;
	pthread_t thr;
	struct lwp *me, *other;
	struct rusage ru;
	struct tms tms;
	struct timespec ts;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	me = rump_pub_lwproc_curlwp();
	t0 = rump_ns(CLOCK_THREAD_CPUTIME_ID);
	p0 = rump_ns(CLOCK_PROCESS_CPUTIME_ID);
	spin_ms(30);
	t1 = rump_ns(CLOCK_THREAD_CPUTIME_ID);
	cr_assert_geq(t1 - t0, 25 * MS);
	cr_assert_lt(t1 - t0, 500 * MS);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	other = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&thr, NULL, spin_in_process, other), 0);
	pthread_join(thr, NULL);
	p1 = rump_ns(CLOCK_PROCESS_CPUTIME_ID);
	cr_assert_geq(p1 - p0, 55 * MS, "process %lld", p1 - p0);
	/* The same through Linux's clock id for pid 0 (self). */
	cr_assert_eq(rump_sys_clock_gettime(PROCESS_CLOCK(pid), &ts), 0);
	cr_assert_geq(ts_ns(&ts), p1);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_SELF, &ru), 0);
	cr_assert_geq(ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
		      p1 / 1000 - 1);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_THREAD, &ru), 0);
	cr_assert_eq(rump_sys_getrusage(99, &ru), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_neq(rump_sys_times(&tms), (clock_t)-1);
	cr_assert_geq(tms.tms_utime, 5); /* 60 ms at 100 Hz */
}

/*
 * An lwp's CPU time is its host thread's.  Two lwps last bound to one
 * thread (newlwp makes the new lwp current on the caller's thread) must
 * not count that thread twice in their process's clock: the clock would
 * then drop when one moves to another thread, and a sleep on it end
 * early.
 */
Test(time, a_host_thread_counts_once_in_its_process_clock)
{
	struct lwp *me, *other;
	long long p, host;
	pid_t pid;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	me = rump_pub_lwproc_curlwp();
	spin_ms(30);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	other = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	p = rump_ns(CLOCK_PROCESS_CPUTIME_ID);
	host = host_ns(CLOCK_THREAD_CPUTIME_ID);
	cr_assert_leq(p, host, "process %lld, its only thread %lld", p, host);
	cr_assert_geq(p, 25 * MS);
	/* Both lwps on the one thread, either current. */
	rump_pub_lwproc_switch(other);
	p = rump_ns(PROCESS_CLOCK(pid));
	cr_assert_leq(p, host_ns(CLOCK_THREAD_CPUTIME_ID));
	rump_pub_lwproc_switch(me);
}

/* Many threads, two lwps each: more threads than the clock's set of
 * threads seen holds (kern_time.c), each still counted once. */
enum { MANY_THREADS = 110 };

struct two_lwps {
	pid_t pid;
	pthread_barrier_t *ready, *done;
};

static void *
two_lwps_main(void *arg)
{
	struct two_lwps *t = arg;
	struct lwp *a;

	cr_assert_eq(rump_pub_lwproc_newlwp(t->pid), 0);
	a = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(t->pid), 0);
	spin_ms(2);
	pthread_barrier_wait(t->ready);
	pthread_barrier_wait(t->done);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(a);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(time, many_host_threads_each_count_once)
{
	static pthread_t th[MANY_THREADS];
	pthread_barrier_t ready, done;
	struct two_lwps t;
	long long p, host;
	clockid_t c;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	t.pid = rump_sys_getpid();
	t.ready = &ready;
	t.done = &done;
	pthread_barrier_init(&ready, NULL, MANY_THREADS + 1);
	pthread_barrier_init(&done, NULL, MANY_THREADS + 1);
	for (int i = 0; i < MANY_THREADS; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, two_lwps_main, &t),
			     0);
	pthread_barrier_wait(&ready);
	p = rump_ns(CLOCK_PROCESS_CPUTIME_ID);
	host = host_ns(CLOCK_THREAD_CPUTIME_ID);
	for (int i = 0; i < MANY_THREADS; i++) {
		cr_assert_eq(pthread_getcpuclockid(th[i], &c), 0);
		host += host_ns(c);
	}
	pthread_barrier_wait(&done);
	for (int i = 0; i < MANY_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&done);
	cr_assert_geq(p, MANY_THREADS * 2 * MS);
	cr_assert_leq(p, host, "process %lld, its threads %lld", p, host);
}

/* A child's CPU time goes to the parent's RUSAGE_CHILDREN when it is
 * gone. */
Test(time, children_cpu_time)
{
	struct lwp *parent;
	struct rusage ru;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	parent = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	spin_ms(20);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(parent);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_CHILDREN, &ru), 0);
	cr_assert_geq(ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
		      15000);
}

Test(time, nanosleep_sleeps_at_least)
{
	struct timespec req = { 0, 20 * MS };
	long long t0 = host_ns(CLOCK_MONOTONIC);

	cr_assert_eq(rump_sys_nanosleep(&req, NULL), 0);
	cr_assert_geq(host_ns(CLOCK_MONOTONIC) - t0, 20 * MS);
	cr_assert_lt(host_ns(CLOCK_MONOTONIC) - t0, 500 * MS);
	req.tv_nsec = 0;
	cr_assert_eq(rump_sys_nanosleep(&req, NULL), 0);
}

Test(time, nanosleep_bad_input)
{
	struct timespec neg = { -1, 0 }, big = { 0, NS }, negns = { 0, -5 };

	cr_assert_eq(rump_sys_nanosleep(&neg, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_nanosleep(&big, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_nanosleep(&negns, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_nanosleep(NULL, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &big, NULL),
		     EINVAL);
	cr_assert_eq(rump_sys_clock_nanosleep(99, 0, &big, NULL), EINVAL);
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0,
					      &negns, NULL),
		     EINVAL);
}

Test(time, clock_nanosleep_absolute_and_relative)
{
	struct timespec t;
	long long t0 = host_ns(CLOCK_MONOTONIC);

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_nsec += 20 * MS;
	if (t.tv_nsec >= NS) {
		t.tv_sec++;
		t.tv_nsec -= NS;
	}
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					      &t, NULL),
		     0);
	cr_assert_geq(host_ns(CLOCK_MONOTONIC), ts_ns(&t));
	/* In the past: at once. */
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					      &t, NULL),
		     0);
	/* REALTIME absolute, on the kernel's clock. */
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &t), 0);
	t.tv_nsec += 10 * MS;
	if (t.tv_nsec >= NS) {
		t.tv_sec++;
		t.tv_nsec -= NS;
	}
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t,
					      NULL),
		     0);
	t.tv_sec = 0;
	t.tv_nsec = 10 * MS;
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_BOOTTIME, 0, &t, NULL), 0);
	cr_assert_geq(host_ns(CLOCK_MONOTONIC) - t0, 40 * MS);
}

/* A REALTIME absolute sleep follows a clock_settime that moves the
 * deadline into the past: it ends early. */
Test(time, realtime_sleep_sees_settime)
{
	struct timespec t, set;
	long long t0 = host_ns(CLOCK_MONOTONIC);

	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &t), 0);
	set = t;
	t.tv_sec += 1;
	set.tv_sec += 10;
	/* Move the clock first: the sleep's deadline is behind it. */
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &set), 0);
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t,
					      NULL),
		     0);
	cr_assert_lt(host_ns(CLOCK_MONOTONIC) - t0, 500 * MS);
}

/* ---- audit: every clock's resolution, other processes' CPU clocks,
 * RUSAGE_THREAD, RUSAGE_CHILDREN through times() ---------------------- */

/* Linux's CPU clock id of thread `tid' (CPUCLOCK_SCHED | PERTHREAD). */
#define THREAD_CLOCK(tid) ((clockid_t)((unsigned)~(tid) << 3) | 6)

Test(time, getres_on_every_clock)
{
	const clockid_t fine[] = { CLOCK_REALTIME,
				   CLOCK_MONOTONIC,
				   CLOCK_MONOTONIC_RAW,
				   CLOCK_BOOTTIME,
				   CLOCK_TAI,
				   CLOCK_REALTIME_ALARM,
				   CLOCK_BOOTTIME_ALARM,
				   CLOCK_PROCESS_CPUTIME_ID,
				   CLOCK_THREAD_CPUTIME_ID };
	const clockid_t coarse[] = { CLOCK_REALTIME_COARSE,
				     CLOCK_MONOTONIC_COARSE };
	struct timespec ts, hts;
	pid_t pid;

	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		memset(&ts, 0xff, sizeof(ts));
		cr_assert_eq(rump_sys_clock_getres(fine[i], &ts), 0, "clock %d",
			     fine[i]);
		cr_assert(ts.tv_sec == 0 && ts.tv_nsec == 1, "clock %d: %ld",
			  fine[i], ts.tv_nsec);
		/* And each of them reads. */
		cr_assert_eq(rump_sys_clock_gettime(fine[i], &ts), 0);
	}
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(rump_sys_clock_getres(coarse[i], &ts), 0);
		cr_assert_eq(clock_getres(coarse[i], &hts), 0);
		cr_assert(ts.tv_sec == hts.tv_sec && ts.tv_nsec == hts.tv_nsec,
			  "clock %d: %ld, host %ld", coarse[i], ts.tv_nsec,
			  hts.tv_nsec);
	}
	/* Unknown clocks, and Linux's encoding with a bad type (3). */
	cr_assert_eq(rump_sys_clock_getres(16, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_getres(-1, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_getres((clockid_t)(~0u << 3) | 3, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	/* Another process's CPU clock: there while the process is. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	cr_assert_eq(rump_sys_clock_getres(PROCESS_CLOCK(pid), &ts), 0);
	cr_assert(ts.tv_sec == 0 && ts.tv_nsec == 1);
	cr_assert_eq(rump_sys_clock_getres(PROCESS_CLOCK(0), &ts), 0);
	cr_assert_eq(rump_sys_clock_getres(THREAD_CLOCK(0), &ts), 0);
	cr_assert_eq(rump_sys_clock_getres(PROCESS_CLOCK(30000), &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_getres(CLOCK_MONOTONIC, (void *)16), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(time, other_process_cpu_clocks)
{
	struct lwp *a, *b;
	pid_t apid, atid, bpid;
	struct timespec ts;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	a = rump_pub_lwproc_curlwp();
	apid = rump_sys_getpid();
	atid = rump_sys_gettid();
	spin_ms(30);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	b = rump_pub_lwproc_curlwp();
	bpid = rump_sys_getpid();
	/* b reads a's process clock (Linux lets any process read it)... */
	cr_assert_eq(rump_sys_clock_gettime(PROCESS_CLOCK(apid), &ts), 0);
	cr_assert_geq(ts_ns(&ts), 25 * MS);
	/* ... but a thread clock only names a thread of the caller's. */
	cr_assert_eq(rump_sys_clock_gettime(THREAD_CLOCK(atid), &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(
		rump_sys_clock_gettime(THREAD_CLOCK(rump_sys_gettid()), &ts),
		0);
	/* Its own, through its pid (an lwp's time is its host thread's,
	 * which here ran `a' before: not asserted small). */
	cr_assert_eq(rump_sys_clock_gettime(PROCESS_CLOCK(bpid), &ts), 0);
	/* Gone: EINVAL. */
	rump_pub_lwproc_switch(a);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(b);
	cr_assert_eq(rump_sys_clock_gettime(PROCESS_CLOCK(apid), &ts), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(time, rusage_thread_and_times_children)
{
	struct lwp *parent, *other;
	struct rusage ru;
	struct tms tms;
	clock_t t0, t1;
	long long thr, proc;
	pthread_t th;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	parent = rump_pub_lwproc_curlwp();
	/* RUSAGE_THREAD is this lwp's time only. */
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	other = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(parent);
	cr_assert_eq(pthread_create(&th, NULL, spin_in_process, other), 0);
	pthread_join(th, NULL);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_THREAD, &ru), 0);
	thr = ru.ru_utime.tv_sec * NS + ru.ru_utime.tv_usec * 1000LL;
	cr_assert_eq(rump_sys_getrusage(RUSAGE_SELF, &ru), 0);
	proc = ru.ru_utime.tv_sec * NS + ru.ru_utime.tv_usec * 1000LL;
	cr_assert_geq(proc - thr, 25 * MS, "thread %lld process %lld", thr,
		      proc);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_SELF, (void *)16), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_getrusage(-2, &ru), -1); /* RUSAGE_BOTH */
	cr_assert_eq(errno, EINVAL);

	/* times(): a gone child's time in tms_cutime; NULL is fine. */
	t0 = rump_sys_times(NULL);
	cr_assert_neq(t0, (clock_t)-1);
	cr_assert_eq(rump_sys_times(&tms), t0 + (rump_sys_times(NULL) - t0));
	cr_assert_eq(tms.tms_cutime, 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	spin_ms(30);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(parent);
	t1 = rump_sys_times(&tms);
	cr_assert_geq(t1, t0 + 2); /* 30 ms of 100 Hz ticks went by */
	cr_assert_geq(tms.tms_cutime, 2, "%ld", (long)tms.tms_cutime);
	cr_assert_eq(rump_sys_getrusage(RUSAGE_CHILDREN, &ru), 0);
	cr_assert_geq(ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
		      25000);
	cr_assert_eq(rump_sys_times((void *)16), -1);
	cr_assert_eq(errno, EFAULT);
}

/* clock_nanosleep on CPU clocks, as Linux: the process clock (its own
 * or another's) sleeps until that much CPU time is used; the caller's
 * own thread clock is EINVAL; the raw and coarse clocks EOPNOTSUPP (and
 * have no timers). */
struct cpu_spinner {
	struct lwp *lwp;
	atomic_int stop;
};

static void *
cpu_spinner_main(void *arg)
{
	struct cpu_spinner *s = arg;

	rump_pub_lwproc_switch(s->lwp);
	while (!atomic_load(&s->stop))
		continue;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(time, clock_nanosleep_on_cpu_clocks)
{
	struct cpu_spinner s;
	struct timespec req = { 0, 40 * MS }, rem, abs;
	pthread_t th;
	pid_t pid;
	struct lwp *me;
	long long c0, c1, t0;
	struct sigevent sev;
	timer_t tid;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	me = rump_pub_lwproc_curlwp();
	memset(&s, 0, sizeof(s));
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	s.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&th, NULL, cpu_spinner_main, &s), 0);

	/* Relative sleep of 40 ms of pid's CPU time, from another
	 * process (a child). */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	c0 = rump_ns(PROCESS_CLOCK(pid));
	t0 = host_ns(CLOCK_MONOTONIC);
	cr_assert_eq(
		rump_sys_clock_nanosleep(PROCESS_CLOCK(pid), 0, &req, &rem), 0);
	c1 = rump_ns(PROCESS_CLOCK(pid));
	cr_assert_geq(c1 - c0, 40 * MS, "%lld", c1 - c0);
	cr_assert_lt(host_ns(CLOCK_MONOTONIC) - t0, 5000 * MS);
	/* Absolute. */
	abs.tv_sec = (c1 + 20 * MS) / NS;
	abs.tv_nsec = (c1 + 20 * MS) % NS;
	cr_assert_eq(rump_sys_clock_nanosleep(PROCESS_CLOCK(pid), TIMER_ABSTIME,
					      &abs, NULL),
		     0);
	cr_assert_geq(rump_ns(PROCESS_CLOCK(pid)), c1 + 20 * MS);
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);

	/* The caller's own thread clock: EINVAL, under either name. */
	cr_assert_eq(rump_sys_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req,
					      NULL),
		     EINVAL);
	cr_assert_eq(rump_sys_clock_nanosleep(THREAD_CLOCK(rump_sys_gettid()),
					      0, &req, NULL),
		     EINVAL);
	cr_assert_eq(
		rump_sys_clock_nanosleep(PROCESS_CLOCK(30000), 0, &req, NULL),
		EINVAL);
	/* Clocks without sleeps or timers. */
	cr_assert_eq(
		rump_sys_clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &req, NULL),
		EOPNOTSUPP);
	cr_assert_eq(
		rump_sys_clock_nanosleep(CLOCK_REALTIME_COARSE, 0, &req, NULL),
		EOPNOTSUPP);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC_COARSE, &sev, &tid),
		     -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC_RAW, &sev, &tid),
		     -1);
	cr_assert_eq(errno, EOPNOTSUPP);
	cr_assert_eq(rump_sys_timer_create(77, &sev, &tid), -1);
	cr_assert_eq(errno, EINVAL);
}
