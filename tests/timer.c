/*
 * timer.c: interval timers (setitimer, getitimer, alarm, the CPU-time
 * ones) and POSIX timers (timer_create with SIGEV_SIGNAL, SIGEV_NONE,
 * SIGEV_THREAD_ID; settime absolute and relative; gettime; overruns;
 * delete, also while it fires).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define MS 1000000L

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
}

TestSuite(timer, .init = boot, .timeout = 20);

static _Atomic int hits[65];
static siginfo_t last_info;

static void
handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits[sig]++;
	last_info = *si;
}

static void catch (int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(rump_sys_sigaction(sig, &sa, NULL), 0);
}

static void
rump_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MS };

	/* Interrupted sleeps are resumed: we only want the time to pass. */
	while (rump_sys_nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

Test(timer, itimer_real_one_shot_and_periodic)
{
	struct itimerval it = { { 0, 0 }, { 0, 10000 } }, cur;

	catch (SIGALRM);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_getitimer(ITIMER_REAL, &cur), 0);
	cr_assert(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 &&
		  cur.it_value.tv_usec <= 10000);
	rump_sleep_ms(40);
	cr_assert_eq(hits[SIGALRM], 1);
	cr_assert_eq(last_info.si_code, SI_KERNEL);
	cr_assert_eq(rump_sys_getitimer(ITIMER_REAL, &cur), 0);
	cr_assert(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
	/* Periodic: 5 ms. */
	it.it_interval.tv_usec = 5000;
	it.it_value.tv_usec = 5000;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, &cur), 0);
	rump_sleep_ms(60);
	memset(&it, 0, sizeof(it));
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, &cur), 0);
	cr_assert_eq(cur.it_interval.tv_usec, 5000);
	cr_assert_geq(hits[SIGALRM], 5, "%d", hits[SIGALRM]);
}

Test(timer, itimer_bad_input)
{
	struct itimerval it = { { 0, 0 }, { 0, 1000000 } }, cur;

	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	it.it_value.tv_usec = -1;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	it.it_value.tv_usec = 0;
	it.it_value.tv_sec = -1;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_setitimer(3, &it, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_getitimer(-1, &cur), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_getitimer(ITIMER_REAL, NULL), -1);
	cr_assert_eq(errno, EFAULT);
}

Test(timer, alarm_returns_what_was_left)
{
	catch (SIGALRM);
	cr_assert_eq(rump_sys_alarm(5), 0);
	cr_assert_eq(rump_sys_alarm(3), 5);
	cr_assert_eq(rump_sys_alarm(0), 3);
	cr_assert_eq(rump_sys_alarm(0), 0);
}

static void
spin_cpu_ms(long ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / MS <
	       ms);
}

Test(timer, itimer_virtual_and_prof_on_cpu_time)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	double t0;

	catch (SIGVTALRM);
	catch (SIGPROF);
	cr_assert_eq(rump_sys_setitimer(ITIMER_VIRTUAL, &it, NULL), 0);
	it.it_value.tv_usec = 30000;
	cr_assert_eq(rump_sys_setitimer(ITIMER_PROF, &it, NULL), 0);
	/* Sleeping uses no CPU: neither fires. */
	rump_sleep_ms(50);
	cr_assert_eq(hits[SIGVTALRM], 0);
	cr_assert_eq(hits[SIGPROF], 0);
	/* Spinning does; the signal is taken at the next syscall. */
	t0 = now_ms();
	while (hits[SIGPROF] == 0 && now_ms() - t0 < 2000) {
		spin_cpu_ms(5);
		rump_sys_getpid();
	}
	cr_assert_eq(hits[SIGVTALRM], 1);
	cr_assert_eq(hits[SIGPROF], 1);
}

Test(timer, posix_timer_signal_value_and_ids)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 5 * MS } }, cur;
	timer_t t1, t2;

	catch (SIGRTMIN);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 77;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t1), 0);
	cr_assert_eq(rump_sys_timer_create(CLOCK_REALTIME, NULL, &t2), 0);
	cr_assert_eq((intptr_t)t1, 0);
	cr_assert_eq((intptr_t)t2, 1);
	cr_assert_eq(rump_sys_timer_settime(t1, 0, &its, NULL), 0);
	cr_assert_eq(rump_sys_timer_gettime(t1, &cur), 0);
	cr_assert(cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 5 * MS);
	rump_sleep_ms(30);
	cr_assert_eq(hits[SIGRTMIN], 1);
	cr_assert_eq(last_info.si_code, SI_TIMER);
	cr_assert_eq(last_info.si_value.sival_int, 77);
	cr_assert_eq(last_info.si_timerid, 0);
	cr_assert_eq(rump_sys_timer_gettime(t1, &cur), 0);
	cr_assert(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	cr_assert_eq(rump_sys_timer_delete(t1), 0);
	cr_assert_eq(rump_sys_timer_delete(t1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timer_delete(t2), 0);
	/* The lowest free id again. */
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, NULL, &t1), 0);
	cr_assert_eq((intptr_t)t1, 0);
}

Test(timer, posix_timer_absolute_and_none)
{
	struct sigevent sev;
	struct itimerspec its;
	struct timespec now;
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	cr_assert_eq(rump_sys_timer_create(CLOCK_REALTIME, &sev, &t), 0);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &now), 0);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = now.tv_sec + 100;
	its.it_value.tv_nsec = now.tv_nsec;
	cr_assert_eq(rump_sys_timer_settime(t, TIMER_ABSTIME, &its, NULL), 0);
	cr_assert_eq(rump_sys_timer_gettime(t, &its), 0);
	cr_assert(its.it_value.tv_sec >= 98 && its.it_value.tv_sec <= 100);
	/* SIGEV_NONE never signals, but the time runs out. */
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 2 * MS;
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	rump_sleep_ms(10);
	cr_assert_eq(rump_sys_timer_gettime(t, &its), 0);
	cr_assert_eq(its.it_value.tv_nsec, 0);
}

Test(timer, posix_timer_bad_input)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 1000000000 } };
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 0;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), -1);
	cr_assert_eq(errno, EINVAL);
	sev.sigev_signo = 65;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), -1);
	cr_assert_eq(errno, EINVAL);
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify = 99;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), -1);
	cr_assert_eq(errno, EINVAL);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = 31000; /* no such thread here */
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timer_create(99, NULL, &t), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, NULL, &t), 0);
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	its.it_value.tv_nsec = -1;
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = -1;
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(
		rump_sys_timer_settime((timer_t)(intptr_t)55, 0, &its, NULL),
		-1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timer_getoverrun((timer_t)(intptr_t)55), -1);
	cr_assert_eq(errno, EINVAL);
}

/* A fast periodic timer whose signal stays blocked counts overruns:
 * one signal, the rest in si_overrun and timer_getoverrun. */
Test(timer, posix_timer_overruns)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 1 * MS }, { 0, 1 * MS } };
	sigset_t s;
	timer_t t;
	int ov;

	catch (SIGUSR1);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	rump_sleep_ms(40);
	memset(&its, 0, sizeof(its));
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	cr_assert_eq(hits[SIGUSR1], 0);
	/* Rearming resets the count; take the pending one. */
	cr_assert_eq(rump_sys_sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
	cr_assert_eq(hits[SIGUSR1], 1);
	cr_assert_eq(last_info.si_code, SI_TIMER);
	cr_assert_geq(last_info.si_overrun, 0);
	/* Again without rearming in between. */
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
	its.it_value.tv_nsec = MS;
	its.it_interval.tv_nsec = MS;
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	rump_sleep_ms(40);
	cr_assert_eq(rump_sys_sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
	cr_assert_geq(hits[SIGUSR1], 2);
	cr_assert_geq(last_info.si_overrun, 20, "%d", last_info.si_overrun);
	ov = rump_sys_timer_getoverrun(t);
	cr_assert_geq(ov, 20);
	cr_assert_eq(rump_sys_timer_delete(t), 0);
}

struct tid_target {
	struct lwp *lwp;
	pid_t tid;
	_Atomic int ready, go;
	int got;
};

static void *
thread_target_main(void *arg)
{
	struct tid_target *tt = arg;
	sigset_t empty;

	rump_pub_lwproc_switch(tt->lwp);
	tt->tid = rump_sys_gettid();
	tt->ready = 1;
	sigemptyset(&empty);
	if (rump_sys_sigsuspend(&empty) == -1 && errno == EINTR)
		tt->got = last_info.si_code == SI_TIMER;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(timer, posix_timer_thread_id)
{
	struct tid_target tt;
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 10 * MS } };
	struct lwp *me = rump_pub_lwproc_curlwp();
	pthread_t thr;
	sigset_t s;
	timer_t t;

	catch (SIGUSR2);
	/* Blocked here, so only the target thread can take it. */
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
	memset(&tt, 0, sizeof(tt));
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	tt.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&thr, NULL, thread_target_main, &tt), 0);
	while (!tt.ready)
		rump_sleep_ms(1);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGUSR2;
	sev._sigev_un._tid = tt.tid;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	pthread_join(thr, NULL);
	cr_assert_eq(tt.got, 1);
	cr_assert_eq(hits[SIGUSR2], 1);
}

/* Deleting a timer while it fires: no crash, no signal after the
 * delete returns, many times over. */
Test(timer, delete_while_firing)
{
	struct itimerspec its = { { 0, 20000 }, { 0, 20000 } };
	struct sigevent sev;
	timer_t t;
	int before;

	catch (SIGUSR1);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t),
			     0);
		its.it_value.tv_nsec = 1000 + (i % 50) * 1000;
		cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
		rump_sys_getpid();
		cr_assert_eq(rump_sys_timer_delete(t), 0);
	}
	before = hits[SIGUSR1];
	rump_sleep_ms(5);
	cr_assert_leq(hits[SIGUSR1], before + 1);
}

Test(timer, cpu_clock_posix_timer)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 10 * MS } };
	timer_t t;
	double t0 = now_ms();

	catch (SIGUSR1);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	cr_assert_eq(rump_sys_timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t),
		     0);
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	while (hits[SIGUSR1] == 0 && now_ms() - t0 < 2000) {
		spin_cpu_ms(2);
		rump_sys_getpid();
	}
	cr_assert_eq(hits[SIGUSR1], 1);
}

/* Timers are not inherited by rfork, and go with their process. */
Test(timer, not_inherited_and_freed_with_the_process)
{
	struct itimerval it = { { 0, 0 }, { 10, 0 } }, cur;
	timer_t t;

	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, NULL, &t), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_getitimer(ITIMER_REAL, &cur), 0);
	cr_assert_eq(cur.it_value.tv_sec, 0);
	cr_assert_eq(rump_sys_timer_delete(t), -1);
	it.it_value.tv_sec = 0;
	it.it_value.tv_usec = 1000;
	it.it_interval.tv_usec = 1000;
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	rump_pub_lwproc_releaselwp();
	rump_sleep_ms(5);
}

/* A process leaving while its CPU timers' sampler runs: the sampler
 * found the timer set already gone (found by tests/fuzz.c). */
Test(timer, exit_while_the_cpu_sampler_runs)
{
	enum { NPROC = 64, ROUNDS = 100 };
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct lwp *l[NPROC];
	timer_t t;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < NPROC; i++) {
			cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
			cr_assert_eq(
				rump_sys_timer_create(CLOCK_PROCESS_CPUTIME_ID,
						      &sev, &t),
				0);
			cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL),
				     0);
			l[i] = rump_pub_lwproc_curlwp();
			rump_pub_lwproc_switch(NULL);
		}
		spin_cpu_ms(3); /* every sampler is due */
		for (int i = 0; i < NPROC; i++) {
			rump_pub_lwproc_switch(l[i]);
			rump_pub_lwproc_releaselwp();
		}
	}
}

/* ---- timerfd ------------------------------------------------------------------ */

#include <sys/timerfd.h>

Test(timer, timerfd_read_counts_expiries)
{
	struct itimerspec its = { { 0, 2 * MS }, { 0, 2 * MS } }, cur;
	uint64_t n = 0;
	int fd = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
	double t0 = now_ms();

	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, NULL), 0);
	/* Blocks until the first expiry. */
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_geq(n, 1);
	cr_assert_geq(now_ms() - t0, 1.5);
	rump_sleep_ms(30);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_geq(n, 10, "%lu", (unsigned long)n);
	cr_assert_eq(rump_sys_timerfd_gettime(fd, &cur), 0);
	cr_assert_eq(cur.it_interval.tv_nsec, 2 * MS);
	cr_assert(cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 2 * MS);
	/* Too small a buffer. */
	cr_assert_eq(rump_sys_read(fd, &n, 4), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_write(fd, &n, 8), -1);
	cr_assert_eq(errno, EINVAL);
	/* Disarm. */
	memset(&its, 0, sizeof(its));
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, &cur), 0);
	cr_assert_eq(cur.it_interval.tv_nsec, 2 * MS);
	cr_assert_eq(rump_sys_timerfd_gettime(fd, &cur), 0);
	cr_assert_eq(cur.it_value.tv_nsec, 0);
	cr_assert_eq(rump_sys_close(fd), 0);
}

Test(timer, timerfd_nonblock_and_absolute)
{
	struct itimerspec its;
	struct timespec now;
	uint64_t n;
	int fd = rump_sys_timerfd_create(CLOCK_REALTIME,
					 TFD_NONBLOCK | TFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &now), 0);
	memset(&its, 0, sizeof(its));
	its.it_value = now;
	its.it_value.tv_nsec += 5 * MS;
	if (its.it_value.tv_nsec >= 1000000000) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000;
	}
	cr_assert_eq(
		rump_sys_timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), -1);
	cr_assert_eq(errno, EAGAIN);
	rump_sleep_ms(15);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_eq(n, 1);
}

Test(timer, timerfd_bad_input)
{
	struct itimerspec its = { { 0, 0 }, { 0, 1000000000 } };
	int fd;

	cr_assert_eq(rump_sys_timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timerfd_create(CLOCK_MONOTONIC, 0x1234), -1);
	cr_assert_eq(errno, EINVAL);
	fd = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	its.it_value.tv_nsec = 0;
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0x80, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timerfd_settime(99, 0, &its, NULL), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(rump_sys_timerfd_gettime(99, &its), -1);
	cr_assert_eq(errno, EBADF);
	/* Not a timerfd. */
	int m = rump_sys_memfd_create("m", 0);
	cr_assert_eq(rump_sys_timerfd_gettime(m, &its), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, NULL, NULL), -1);
	cr_assert_eq(errno, EFAULT);
}

static void
plain_handler(int sig)
{
	hits[sig]++;
}

/* A blocking timerfd read is interrupted by a signal: EINTR without
 * SA_RESTART, and a restart (then the timer's count) with it. */
Test(timer, timerfd_read_interrupted)
{
	struct itimerval it = { { 0, 0 }, { 0, 10000 } };
	struct itimerspec its = { { 0, 0 }, { 0, 40 * MS } };
	struct sigaction sa;
	uint64_t n = 0;
	int fd = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = plain_handler;
	cr_assert_eq(rump_sys_sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), -1);
	cr_assert_eq(errno, EINTR);
	cr_assert_eq(hits[SIGALRM], 1);
	sa.sa_flags = SA_RESTART;
	cr_assert_eq(rump_sys_sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, NULL), 0);
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_eq(n, 1);
	cr_assert_eq(hits[SIGALRM], 2);
}

#include <poll.h>
#include <sys/epoll.h>

/* A timerfd is readable through poll and epoll once it has expired. */
Test(timer, timerfd_poll_and_epoll)
{
	struct itimerspec its = { { 0, 0 }, { 0, 10 * MS } };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct pollfd pfd;
	uint64_t n;
	int fd = rump_sys_timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	int ep = rump_sys_epoll_create1(0);
	double t0;

	cr_assert_geq(fd, 0);
	cr_assert_geq(ep, 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	cr_assert_eq(rump_sys_poll(&pfd, 1, 0), 0);
	/* Before arming: a preemption in between must not shorten it. */
	t0 = now_ms();
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, NULL), 0);
	cr_assert_eq(rump_sys_poll(&pfd, 1, 2000), 1);
	cr_assert(pfd.revents & POLLIN);
	cr_assert_geq(now_ms() - t0, 8);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_eq(n, 1);
	/* epoll. */
	ev.data.u32 = 7;
	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	cr_assert_eq(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0, &its, NULL), 0);
	cr_assert_eq(rump_sys_epoll_wait(ep, &out, 1, 2000), 1);
	cr_assert_eq(out.data.u32, 7);
	cr_assert(out.events & EPOLLIN);
	cr_assert_eq(rump_sys_read(fd, &n, sizeof(n)), 8);
	cr_assert_eq(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
}

/* A waiter in sigtimedwait expires the timer itself when it is due, and
 * the kernel thread may too: every period is counted once, overruns
 * included, across two waiting threads. */
struct tw {
	struct lwp *lwp;
	sigset_t set;
	atomic_long *count;
	double until;
};

static void *
timer_waiter_main(void *arg)
{
	struct tw *w = arg;
	struct timespec to = { 0, 50 * MS };
	siginfo_t si;

	rump_pub_lwproc_switch(w->lwp);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &w->set, NULL), 0);
	while (now_ms() < w->until) {
		int r = rump_sys_sigtimedwait(&w->set, &si, &to);

		if (r < 0)
			continue;
		cr_assert_eq(si.si_code, SI_TIMER);
		atomic_fetch_add(w->count, 1 + si.si_overrun);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(timer, sigtimedwait_counts_each_period_once)
{
	int sig = SIGRTMIN + 3;
	struct itimerspec its = { { 0, 2 * MS }, { 0, 2 * MS } };
	struct sigevent sev;
	struct tw w[2];
	pthread_t th[2];
	atomic_long count = 0;
	struct lwp *me = rump_pub_lwproc_curlwp();
	timer_t t;
	sigset_t set;
	double t0, t1, until;
	siginfo_t si;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, sig);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
	until = now_ms() + 300;
	for (int i = 0; i < 2; i++) {
		w[i].set = set;
		w[i].count = &count;
		w[i].until = until;
		cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
		w[i].lwp = rump_pub_lwproc_curlwp();
		cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
		rump_pub_lwproc_switch(me);
	}
	t0 = now_ms();
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(
			pthread_create(&th[i], NULL, timer_waiter_main, &w[i]),
			0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	memset(&its, 0, sizeof(its));
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	t1 = now_ms();
	/* A last one may still be queued. */
	if (rump_sys_sigtimedwait(&set, &si, &zero) == sig)
		count += 1 + si.si_overrun;
	/* Not more periods than went by, and not many fewer. */
	cr_assert_leq(count, (long)((t1 - t0) / 2) + 1, "%ld in %.1f ms",
		      (long)count, t1 - t0);
	cr_assert_geq(count, (long)((until - t0) / 2) - 3, "%ld in %.1f ms",
		      (long)count, t1 - t0);
	cr_assert_eq(rump_sys_timer_delete(t), 0);
}

/* A SIGEV_THREAD_ID timer aimed at another lwp is not taken by a
 * waiter in sigtimedwait elsewhere. */
Test(timer, sigtimedwait_leaves_other_threads_timers)
{
	int sig = SIGRTMIN + 4;
	struct itimerspec its = { { 0, 0 }, { 0, 5 * MS } };
	struct sigevent sev;
	struct timespec to = { 0, 100 * MS };
	struct lwp *me = rump_pub_lwproc_curlwp(), *other;
	sigset_t set;
	siginfo_t si;
	timer_t t;
	int tid;

	sigemptyset(&set);
	sigaddset(&set, sig);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	other = rump_pub_lwproc_curlwp();
	tid = rump_sys_gettid();
	/* A new lwp's mask is empty: unblocked, the default action would
	 * end the process. */
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	rump_pub_lwproc_switch(me);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev._sigev_un._tid = tid;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
	cr_assert_eq(rump_sys_timer_settime(t, 0, &its, NULL), 0);
	cr_assert_eq(rump_sys_sigtimedwait(&set, &si, &to), -1);
	cr_assert_eq(errno, EAGAIN, "%d", errno);
	/* The other lwp has it. */
	rump_pub_lwproc_switch(other);
	to.tv_nsec = 0;
	cr_assert_eq(rump_sys_sigtimedwait(&set, &si, &to), sig);
	cr_assert_eq(si.si_code, SI_TIMER);
	rump_pub_lwproc_switch(me);
	cr_assert_eq(rump_sys_timer_delete(t), 0);
}
