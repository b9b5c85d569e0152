/*
 * hyper_clock.c: clocks and sleeping.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <rump/rumpuser.h>

static int nunsched, nsched;

static void
on_unsched(int nlocks, int *countp, void *interlock)
{
	(void)nlocks, (void)interlock;
	nunsched++;
	*countp = 0;
}

static void
on_sched(int nlocks, void *interlock)
{
	(void)nlocks, (void)interlock;
	nsched++;
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

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

TestSuite(hyper_clock, .init = boot, .timeout = 10);

Test(hyper_clock, gettime)
{
	struct timespec ts;
	int64_t sec, sec2;
	long nsec, nsec2;

	cr_assert_eq(
		rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &sec, &nsec), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	cr_assert_leq(sec, ts.tv_sec);
	cr_assert_geq(sec, ts.tv_sec - 5);
	cr_assert(nsec >= 0 && nsec < 1000000000);

	cr_assert_eq(
		rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec), 0);
	cr_assert_eq(
		rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec2, &nsec2),
		0);
	cr_assert(sec2 > sec || (sec2 == sec && nsec2 >= nsec));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	cr_assert_leq(sec2, ts.tv_sec);
}

Test(hyper_clock, bad_clock)
{
	int64_t sec;
	long nsec;

	cr_assert_eq(rumpuser_clock_gettime(2, &sec, &nsec), EINVAL);
	cr_assert_eq(rumpuser_clock_gettime(-1, &sec, &nsec), EINVAL);
	cr_assert_eq(rumpuser_clock_sleep(2, 0, 1), EINVAL);
	cr_assert_eq(rumpuser_clock_sleep(-1, 0, 1), EINVAL);
}

Test(hyper_clock, bad_nsec)
{
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, -1),
		     EINVAL);
	cr_assert_eq(
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000000000),
		EINVAL);
	cr_assert_eq(
		rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, 0, 1000000000),
		EINVAL);
	/* Refused before blocking: nothing was unscheduled. */
	cr_assert_eq(nunsched, 0);
}

Test(hyper_clock, relative_sleep)
{
	int64_t t0 = mono_ns(), dt;

	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 20000000),
		     0);
	dt = mono_ns() - t0;
	cr_assert_geq(dt, 20000000);
	cr_assert_lt(dt, 5000000000);
	cr_assert_eq(nunsched, 1);
	cr_assert_eq(nsched, 1);
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 0), 0);
}

Test(hyper_clock, absolute_sleep)
{
	int64_t sec, t0 = mono_ns(), dt;
	long nsec;

	cr_assert_eq(
		rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec), 0);
	nsec += 30000000;
	if (nsec >= 1000000000) {
		nsec -= 1000000000;
		sec++;
	}
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, sec, nsec),
		     0);
	dt = mono_ns() - t0;
	cr_assert_geq(dt, 29000000);
	cr_assert_lt(dt, 5000000000);
	/* A time in the past returns at once. */
	t0 = mono_ns();
	cr_assert_eq(rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, 0, 0), 0);
	cr_assert_lt(mono_ns() - t0, 1000000000);
}

static int alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A signal in the middle does not shorten the sleep. */
static void
interrupt_sleep(int clk, int64_t sec, long nsec)
{
	struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: sleeps see EINTR */
	cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
	cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	cr_assert_eq(rumpuser_clock_sleep(clk, sec, nsec), 0);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	/* Interrupted at least once (a sanitizer may delay the rest). */
	cr_assert_geq(alarms, 1);
}

Test(hyper_clock, relative_sleep_survives_signals)
{
	int64_t t0 = mono_ns();

	interrupt_sleep(RUMPUSER_CLOCK_RELWALL, 0, 60000000);
	cr_assert_geq(mono_ns() - t0, 60000000);
}

Test(hyper_clock, absolute_sleep_survives_signals)
{
	int64_t t0 = mono_ns(), until = t0 + 60000000;

	interrupt_sleep(RUMPUSER_CLOCK_ABSMONO, until / 1000000000,
			until % 1000000000);
	cr_assert_geq(mono_ns(), until);
}
