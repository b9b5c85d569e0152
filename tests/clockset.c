/*
 * clockset.c: what a setting of CLOCK_REALTIME (clock_settime,
 * settimeofday) does to timers and sleeps, as in Linux: absolute
 * CLOCK_REALTIME POSIX timers, timerfds and clock_nanosleep follow it
 * (set forward past their time they fire at once, set back they wait);
 * relative ones and CLOCK_MONOTONIC ones do not move; a timerfd armed
 * with TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET reads ECANCELED after
 * a setting.  Races: settings while timers are armed, fire and sleep.
 *
 * Each test runs in a process of its own (Criterion forks), so a test's
 * clock settings do not leak into the next.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define MS 1000000LL
#define NS 1000000000LL

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
}

TestSuite(clockset, .init = boot, .timeout = 20);

static long long
ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

static struct timespec
ns_ts(long long ns)
{
	struct timespec ts = { ns / NS, ns % NS };

	return ts;
}

static long long
host_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static long long
rump_real(void)
{
	struct timespec ts;

	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME, &ts), 0);
	return ts_ns(&ts);
}

/* Move the kernel's CLOCK_REALTIME by `delta' ns. */
static void
clock_shift(long long delta)
{
	struct timespec ts = ns_ts(rump_real() + delta);

	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), 0);
}

static timer_t
timer_on(clockid_t clock, int sig)
{
	struct sigevent sev;
	timer_t t;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = sig;
	cr_assert_eq(rump_sys_timer_create(clock, &sev, &t), 0);
	return t;
}

static void
block(int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
}

/* Wait up to `ms' for `sig' (blocked): true if it came. */
static bool
wait_sig(int sig, long long ms)
{
	struct timespec to = ns_ts(ms * MS);
	siginfo_t si;
	sigset_t s;
	int r;

	sigemptyset(&s);
	sigaddset(&s, sig);
	while ((r = rump_sys_sigtimedwait(&s, &si, &to)) == -1 &&
	       errno == EINTR)
		continue;
	if (r == sig)
		cr_assert_eq(si.si_code, SI_TIMER);
	return r == sig;
}

static void
arm(timer_t t, int flags, long long value, long long interval)
{
	struct itimerspec its;

	its.it_value = ns_ts(value);
	its.it_interval = ns_ts(interval);
	cr_assert_eq(rump_sys_timer_settime(t, flags, &its, NULL), 0);
}

static long long
left(timer_t t)
{
	struct itimerspec its;

	cr_assert_eq(rump_sys_timer_gettime(t, &its), 0);
	return ts_ns(&its.it_value);
}

/* ---- POSIX timers -------------------------------------------------------- */

Test(clockset, absolute_realtime_timer_fires_when_clock_set_past_it)
{
	int sig = SIGRTMIN;
	timer_t t = timer_on(CLOCK_REALTIME, sig);
	long long t0;

	block(sig);
	arm(t, TIMER_ABSTIME, rump_real() + 100 * NS, 0);
	cr_assert_gt(left(t), 99 * NS);
	cr_assert_not(wait_sig(sig, 20));
	t0 = host_mono();
	clock_shift(200 * NS);
	cr_assert(wait_sig(sig, 2000), "did not fire after the clock moved");
	cr_assert_lt(host_mono() - t0, 1000 * MS);
	/* One shot: disarmed now. */
	cr_assert_eq(left(t), 0);
}

Test(clockset, absolute_realtime_timer_waits_when_clock_set_back)
{
	int sig = SIGRTMIN + 1;
	timer_t t = timer_on(CLOCK_REALTIME, sig);
	long long rem;

	block(sig);
	arm(t, TIMER_ABSTIME, rump_real() + 50 * MS, 0);
	clock_shift(-30 * NS);
	/* Its time is 30 s away now. */
	rem = left(t);
	cr_assert(rem > 29 * NS && rem <= 31 * NS, "%lld", rem);
	cr_assert_not(wait_sig(sig, 200), "fired at its old time");
	/* And forward again past it: at once. */
	clock_shift(31 * NS);
	cr_assert(wait_sig(sig, 2000));
}

Test(clockset, settimeofday_moves_absolute_timers_too)
{
	int sig = SIGRTMIN + 2;
	timer_t t = timer_on(CLOCK_REALTIME, sig);
	struct timeval tv;
	long long now = rump_real();

	block(sig);
	arm(t, TIMER_ABSTIME, now + 60 * NS, 0);
	tv.tv_sec = (now + 120 * NS) / NS;
	tv.tv_usec = 0;
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), 0);
	cr_assert(wait_sig(sig, 2000));
}

Test(clockset, periodic_absolute_timer_counts_the_skipped_periods)
{
	int sig = SIGRTMIN + 3;
	timer_t t = timer_on(CLOCK_REALTIME, sig);

	block(sig);
	/* Every second from 10 s on: jumping 20 s skips about 10. */
	arm(t, TIMER_ABSTIME, rump_real() + 10 * NS, NS);
	clock_shift(20 * NS);
	cr_assert(wait_sig(sig, 2000));
	cr_assert_geq(rump_sys_timer_getoverrun(t), 9);
	cr_assert_leq(rump_sys_timer_getoverrun(t), 11);
	/* Still armed, on the realtime grid. */
	cr_assert_gt(left(t), 0);
	cr_assert_leq(left(t), NS);
}

Test(clockset, relative_and_monotonic_timers_do_not_move)
{
	int srel = SIGRTMIN + 4, smono = SIGRTMIN + 5, srelp = SIGRTMIN + 6;
	timer_t rel = timer_on(CLOCK_REALTIME, srel);
	timer_t mono = timer_on(CLOCK_MONOTONIC, smono);
	timer_t relp = timer_on(CLOCK_REALTIME, srelp);
	struct timespec now;
	long long t0, rem;

	block(srel);
	block(smono);
	block(srelp);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, &now), 0);
	t0 = host_mono();
	arm(rel, 0, 300 * MS, 0);
	arm(mono, TIMER_ABSTIME, ts_ns(&now) + 300 * MS, 0);
	arm(relp, 0, 10 * NS, 10 * NS);
	/* Forward an hour: none of them fires early. */
	clock_shift(3600 * NS);
	cr_assert_not(wait_sig(srel, 100));
	cr_assert_not(wait_sig(smono, 1));
	cr_assert_not(wait_sig(srelp, 1));
	rem = left(relp);
	cr_assert(rem > 9 * NS && rem <= 10 * NS, "%lld", rem);
	/* Back two hours: they still fire on time. */
	clock_shift(-7200 * NS);
	cr_assert(wait_sig(srel, 2000));
	cr_assert(wait_sig(smono, 2000));
	cr_assert_geq(host_mono() - t0, 290 * MS);
	cr_assert_lt(host_mono() - t0, 1500 * MS);
	rem = left(relp);
	cr_assert(rem > 8 * NS && rem <= 10 * NS, "%lld", rem);
}

/* ---- clock_nanosleep ---------------------------------------------------------- */

struct sleeper {
	struct lwp *lwp;
	long long deadline; /* CLOCK_REALTIME, absolute (or relative) */
	int flags;
	int rv;
	atomic_llong took; /* 0 while it sleeps */
	atomic_int started;
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct timespec d = ns_ts(s->deadline);
	long long t0 = host_mono();

	rump_pub_lwproc_switch(s->lwp);
	atomic_store(&s->started, 1);
	s->rv = rump_sys_clock_nanosleep(CLOCK_REALTIME, s->flags, &d, NULL);
	atomic_store(&s->took, host_mono() - t0);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
start_sleeper(struct sleeper *s, pthread_t *th, long long deadline, int flags)
{
	struct lwp *me = rump_pub_lwproc_curlwp();

	memset(s, 0, sizeof(*s));
	s->deadline = deadline;
	s->flags = flags;
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	s->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(th, NULL, sleeper_main, s), 0);
	while (!atomic_load(&s->started))
		sched_yield();
}

Test(clockset, absolute_realtime_sleep_wakes_when_clock_set_past_it)
{
	struct sleeper s[4];
	pthread_t th[4];
	long long now = rump_real();

	for (int i = 0; i < 4; i++)
		start_sleeper(&s[i], &th[i], now + (100 + i) * NS,
			      TIMER_ABSTIME);
	struct timespec nap = { 0, 50 * MS };
	rump_sys_nanosleep(&nap, NULL);
	clock_shift(200 * NS);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(s[i].rv, 0);
		cr_assert_lt(s[i].took, 2000 * MS, "%lld", s[i].took);
	}
}

Test(clockset, absolute_realtime_sleep_waits_when_clock_set_back)
{
	struct sleeper s;
	pthread_t th;

	start_sleeper(&s, &th, rump_real() + 150 * MS, TIMER_ABSTIME);
	clock_shift(-NS);
	/* Sleeping still, well past its old deadline ... */
	struct timespec nap = { 0, 400 * MS };
	rump_sys_nanosleep(&nap, NULL);
	cr_assert_eq(atomic_load(&s.took), 0, "woke at the old deadline");
	/* ... and wakes about a second later than it would have. */
	pthread_join(th, NULL);
	cr_assert_eq(s.rv, 0);
	cr_assert_geq(s.took, 1000 * MS, "%lld", s.took);
	cr_assert_lt(s.took, 3000 * MS, "%lld", s.took);
}

/* A relative REALTIME sleep does not move. */
Test(clockset, relative_sleep_does_not_move)
{
	struct sleeper s;
	pthread_t th;

	start_sleeper(&s, &th, 300 * MS, 0);
	clock_shift(3600 * NS);
	struct timespec nap = { 0, 100 * MS };
	rump_sys_nanosleep(&nap, NULL);
	cr_assert_eq(atomic_load(&s.took), 0, "woke when the clock moved");
	clock_shift(-7200 * NS);
	pthread_join(th, NULL);
	cr_assert_eq(s.rv, 0);
	cr_assert_geq(atomic_load(&s.took), 290 * MS);
	cr_assert_lt(atomic_load(&s.took), 1500 * MS);
}

/* ---- timerfd ---------------------------------------------------------------------- */

static int
tfd_arm(int clock, int flags, long long value, long long interval)
{
	struct itimerspec its;
	int fd = rump_sys_timerfd_create(clock, TFD_NONBLOCK);

	cr_assert_geq(fd, 0);
	its.it_value = ns_ts(value);
	its.it_interval = ns_ts(interval);
	cr_assert_eq(rump_sys_timerfd_settime(fd, flags, &its, NULL), 0);
	return fd;
}

/* Ticks read from `fd' (0: EAGAIN); -1 with errno otherwise. */
static long long
tfd_read(int fd)
{
	uint64_t n;
	ssize_t r = rump_sys_read(fd, &n, sizeof(n));

	if (r == -1 && errno == EAGAIN)
		return 0;
	if (r == -1)
		return -1;
	cr_assert_eq(r, 8);
	return (long long)n;
}

static bool
tfd_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = rump_sys_poll(&p, 1, ms);

	cr_assert_geq(r, 0);
	return r == 1 && (p.revents & POLLIN);
}

Test(clockset, timerfd_absolute_follows_the_clock)
{
	int fd = tfd_arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME,
			 rump_real() + 100 * NS, 0);
	int back = tfd_arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME,
			   rump_real() + 100 * MS, 0);
	struct itimerspec cur;

	cr_assert_not(tfd_readable(fd, 10));
	clock_shift(-10 * NS);
	clock_shift(10 * NS + 200 * NS);
	cr_assert(tfd_readable(fd, 2000));
	cr_assert_eq(tfd_read(fd), 1);
	/* `back' was due 100 ms after the start: long gone. */
	cr_assert_eq(tfd_read(back), 1);
	rump_sys_close(back);

	/* Set back: its time is that much further. */
	back = tfd_arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME,
		       rump_real() + 100 * MS, 0);
	clock_shift(-5 * NS);
	cr_assert_not(tfd_readable(back, 300));
	cr_assert_eq(rump_sys_timerfd_gettime(back, &cur), 0);
	cr_assert(cur.it_value.tv_sec >= 4 && cur.it_value.tv_sec <= 5);
	cr_assert_eq(tfd_read(back), 0);
}

Test(clockset, timerfd_relative_and_monotonic_do_not_move)
{
	int rel = tfd_arm(CLOCK_REALTIME, 0, 300 * MS, 0);
	int relc =
		tfd_arm(CLOCK_REALTIME, TFD_TIMER_CANCEL_ON_SET, 300 * MS, 0);
	struct timespec now;
	int mono;
	long long t0 = host_mono();

	cr_assert_eq(rump_sys_clock_gettime(CLOCK_MONOTONIC, &now), 0);
	mono = tfd_arm(CLOCK_MONOTONIC,
		       TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		       ts_ns(&now) + 300 * MS, 0);
	clock_shift(3600 * NS);
	cr_assert_not(tfd_readable(rel, 100));
	/* CANCEL_ON_SET needs ABSTIME and a realtime clock. */
	cr_assert_eq(tfd_read(relc), 0);
	cr_assert_eq(tfd_read(mono), 0);
	clock_shift(-7200 * NS);
	cr_assert(tfd_readable(rel, 2000));
	cr_assert(tfd_readable(mono, 2000));
	cr_assert(tfd_readable(relc, 2000));
	cr_assert_geq(host_mono() - t0, 290 * MS);
	cr_assert_eq(tfd_read(rel), 1);
	cr_assert_eq(tfd_read(relc), 1);
	cr_assert_eq(tfd_read(mono), 1);
}

Test(clockset, timerfd_cancel_on_set)
{
	int fd = tfd_arm(CLOCK_REALTIME,
			 TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			 rump_real() + 1000 * NS, 0);
	struct itimerspec its;
	struct timeval tv;

	cr_assert_not(tfd_readable(fd, 10));
	cr_assert_eq(tfd_read(fd), 0);
	clock_shift(NS);
	/* Readable, and the read fails once with ECANCELED. */
	cr_assert(tfd_readable(fd, 0));
	cr_assert_eq(tfd_read(fd), -1);
	cr_assert_eq(errno, ECANCELED);
	cr_assert_eq(tfd_read(fd), 0);
	cr_assert_not(tfd_readable(fd, 0));
	/* The timer itself stays armed. */
	cr_assert_eq(rump_sys_timerfd_gettime(fd, &its), 0);
	cr_assert_gt(its.it_value.tv_sec, 900);
	/* settimeofday counts as a setting too. */
	tv.tv_sec = rump_real() / NS + 5;
	tv.tv_usec = 0;
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), 0);
	cr_assert_eq(tfd_read(fd), -1);
	cr_assert_eq(errno, ECANCELED);
	/* An expiry pending when the clock is set is dropped with it. */
	its.it_value = ns_ts(rump_real() + MS);
	its.it_interval = ns_ts(0);
	cr_assert_eq(rump_sys_timerfd_settime(
			     fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			     &its, NULL),
		     0);
	cr_assert(tfd_readable(fd, 2000));
	clock_shift(NS);
	cr_assert_eq(tfd_read(fd), -1);
	cr_assert_eq(errno, ECANCELED);
	cr_assert_eq(tfd_read(fd), 0);
	/* Disarmed but watching (value 0): still told of settings. */
	memset(&its, 0, sizeof(its));
	cr_assert_eq(rump_sys_timerfd_settime(
			     fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			     &its, NULL),
		     0);
	clock_shift(NS);
	cr_assert_eq(tfd_read(fd), -1);
	cr_assert_eq(errno, ECANCELED);
	/* Re-armed without the flag: settings are not reported. */
	its.it_value = ns_ts(rump_real() + 1000 * NS);
	cr_assert_eq(
		rump_sys_timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	clock_shift(NS);
	cr_assert_eq(tfd_read(fd), 0);
	/* A setting that fails is no setting. */
	cr_assert_eq(rump_sys_timerfd_settime(
			     fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			     &its, NULL),
		     0);
	struct timespec bad = { -1, 0 };
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &bad), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(tfd_read(fd), 0);
	rump_sys_close(fd);
}

struct reader {
	struct lwp *lwp;
	int fd;
	long long rv;
	int err;
	atomic_int started;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t n;

	rump_pub_lwproc_switch(r->lwp);
	atomic_store(&r->started, 1);
	r->rv = rump_sys_read(r->fd, &n, sizeof(n));
	r->err = errno;
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A reader blocked in read, and a poller, are woken by the setting. */
Test(clockset, timerfd_cancel_wakes_blocked_reader_and_poller)
{
	struct itimerspec its;
	struct reader r;
	pthread_t th;
	struct lwp *me = rump_pub_lwproc_curlwp();
	int fd = rump_sys_timerfd_create(CLOCK_REALTIME, 0);
	int pfd = rump_sys_timerfd_create(CLOCK_REALTIME_ALARM, TFD_NONBLOCK);
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	cr_assert_geq(fd, 0);
	memset(&its, 0, sizeof(its));
	its.it_value = ns_ts(rump_real() + 1000 * NS);
	cr_assert_eq(rump_sys_timerfd_settime(
			     fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			     &its, NULL),
		     0);
	if (pfd >= 0)
		cr_assert_eq(
			rump_sys_timerfd_settime(
				pfd,
				TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
				&its, NULL),
			0);
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	r.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&th, NULL, reader_main, &r), 0);
	while (!atomic_load(&r.started))
		sched_yield();
	struct timespec nap = { 0, 30 * MS };
	rump_sys_nanosleep(&nap, NULL);
	clock_shift(-NS);
	pthread_join(th, NULL);
	cr_assert_eq(r.rv, -1);
	cr_assert_eq(r.err, ECANCELED);
	if (pfd >= 0) {
		cr_assert_eq(rump_sys_poll(&p, 1, 2000), 1);
		cr_assert_eq(tfd_read(pfd), -1);
		cr_assert_eq(errno, ECANCELED);
	}
}

Test(clockset, timerfd_cancel_bad_flags)
{
	struct itimerspec its;
	int fd = rump_sys_timerfd_create(CLOCK_REALTIME, 0);

	memset(&its, 0, sizeof(its));
	cr_assert_eq(rump_sys_timerfd_settime(fd, 0x10, &its, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	/* TFD_TIMER_CANCEL_ON_SET is not a timerfd_create flag. */
	cr_assert_eq(rump_sys_timerfd_create(CLOCK_REALTIME,
					     TFD_TIMER_CANCEL_ON_SET),
		     -1);
	cr_assert_eq(errno, EINVAL);
}

/* ---- races ---------------------------------------------------------------------------- */

struct churn {
	struct lwp *lwp;
	atomic_int *stop;
	int id;
};

/* Arms, re-arms and deletes absolute realtime timers and timerfds. */
static void *
churn_main(void *arg)
{
	struct churn *c = arg;
	struct itimerspec its;
	struct sigevent sev;
	timer_t t;
	uint64_t n;

	rump_pub_lwproc_switch(c->lwp);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	while (!atomic_load(c->stop)) {
		struct timespec now;
		int fd;

		rump_sys_clock_gettime(CLOCK_REALTIME, &now);
		its.it_value = now;
		its.it_value.tv_nsec = (now.tv_nsec + 100000) % NS;
		its.it_interval.tv_sec = 0;
		its.it_interval.tv_nsec = 200000;
		cr_assert_eq(rump_sys_timer_create(CLOCK_REALTIME, &sev, &t),
			     0);
		cr_assert_eq(
			rump_sys_timer_settime(t, TIMER_ABSTIME, &its, NULL),
			0);
		fd = rump_sys_timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
		cr_assert_geq(fd, 0);
		cr_assert_eq(
			rump_sys_timerfd_settime(
				fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
				&its, NULL),
			0);
		rump_sys_read(fd, &n, sizeof(n));
		cr_assert_eq(rump_sys_timer_delete(t), 0);
		cr_assert_eq(rump_sys_close(fd), 0);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(clockset, settings_race_with_arming_firing_and_closing)
{
	struct churn c[2];
	pthread_t th[2];
	atomic_int stop = 0;
	struct lwp *me = rump_pub_lwproc_curlwp();
	int sig = SIGRTMIN + 7;
	timer_t t = timer_on(CLOCK_REALTIME, sig);

	block(sig);
	for (int i = 0; i < 2; i++) {
		c[i].stop = &stop;
		c[i].id = i;
		cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
		c[i].lwp = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
		cr_assert_eq(pthread_create(&th[i], NULL, churn_main, &c[i]),
			     0);
	}
	/* Jiggle the clock back and forth for a while. */
	long long t0 = host_mono();
	for (int i = 0; host_mono() - t0 < 300 * MS; i++)
		clock_shift(i % 2 ? -50 * MS : 50 * MS);
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	/* The queue is still sane: an absolute timer fires when due. */
	arm(t, TIMER_ABSTIME, rump_real() + 10 * NS, 0);
	clock_shift(11 * NS);
	cr_assert(wait_sig(sig, 2000));
}

/* The alarm clocks need privilege (Linux's CAP_WAKE_ALARM) for timers
 * and timerfds; reading them does not. */
Test(clockset, alarm_clocks_need_privilege)
{
	struct sigevent sev;
	struct timespec ts;
	timer_t t;
	int fd;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	cr_assert_eq(rump_sys_timer_create(CLOCK_REALTIME_ALARM, &sev, &t), 0);
	fd = rump_sys_timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	cr_assert_eq(rump_sys_timer_create(CLOCK_REALTIME_ALARM, &sev, &t), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_timer_create(CLOCK_BOOTTIME_ALARM, &sev, &t), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_timerfd_create(CLOCK_REALTIME_ALARM, 0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_timerfd_create(CLOCK_BOOTTIME_ALARM, 0), -1);
	cr_assert_eq(errno, EPERM);
	/* Bad clocks stay EINVAL. */
	cr_assert_eq(rump_sys_timerfd_create(CLOCK_TAI, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_clock_gettime(CLOCK_REALTIME_ALARM, &ts), 0);
	/* Nor may it set the clock. */
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EPERM);
}

/* A time the clock could overflow from is refused, before privilege is
 * looked at (Linux: EINVAL past KTIME_SEC_MAX less 30 years). */
Test(clockset, settime_range)
{
	struct timespec ts = { 8277292036LL, 0 };
	struct timeval tv = { 8277292037LL, 0 };

	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), 0);
	cr_assert_geq(rump_real(), 8277292036LL * NS);
	ts.tv_sec++;
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	ts.tv_sec = (time_t)0x7fffffffffffffffLL;
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_settimeofday(&tv, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	/* Timers still work near the top. */
	int fd = tfd_arm(CLOCK_REALTIME, TFD_TIMER_ABSTIME,
			 rump_real() + 10 * MS, 0);
	cr_assert(tfd_readable(fd, 2000));
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	ts.tv_sec = (time_t)0x7fffffffffffffffLL;
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EINVAL);
	ts.tv_sec = 1;
	cr_assert_eq(rump_sys_clock_settime(CLOCK_REALTIME, &ts), -1);
	cr_assert_eq(errno, EPERM);
}

/* settimeofday's time zone is kept and reported back by gettimeofday,
 * as Linux's sys_tz. */
Test(clockset, timezone_kept)
{
	struct timezone tz = { -120, 1 }, got = { 5, 5 }, bad = { 901, 0 };
	struct timeval tv;

	cr_assert_eq(rump_sys_gettimeofday(NULL, (void *)&got), 0);
	cr_assert_eq(got.tz_minuteswest, 0);
	cr_assert_eq(got.tz_dsttime, 0);
	cr_assert_eq(rump_sys_settimeofday(NULL, (void *)&tz), 0);
	cr_assert_eq(rump_sys_gettimeofday(&tv, (void *)&got), 0);
	cr_assert_eq(got.tz_minuteswest, -120);
	cr_assert_eq(got.tz_dsttime, 1);
	cr_assert_eq(rump_sys_settimeofday(NULL, (void *)&bad), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(rump_sys_settimeofday(NULL, (void *)8), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	tz.tz_minuteswest = 60;
	cr_assert_eq(rump_sys_settimeofday(NULL, (void *)&tz), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(rump_sys_gettimeofday(NULL, (void *)&got), 0);
	cr_assert_eq(got.tz_minuteswest, -120);
}
