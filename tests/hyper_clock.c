/*
 * hyper_clock.c: clocks and sleeping.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

	cr_assert_eq(rumpuser_clock_gettime(99, &sec, &nsec), EINVAL);
	cr_assert_eq(rumpuser_clock_getres(99, &sec, &nsec), EINVAL);
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

/* rumpkit's read-only clocks: each reads, none can be slept on. */
Test(hyper_clock, extra_clocks)
{
	int clk[] = { RUMPUSER_CLOCK_MONORAW, RUMPUSER_CLOCK_BOOTTIME,
		      RUMPUSER_CLOCK_RELWALL_COARSE,
		      RUMPUSER_CLOCK_ABSMONO_COARSE };
	int64_t sec, rsec;
	long nsec, rnsec;

	for (size_t i = 0; i < sizeof(clk) / sizeof(clk[0]); i++) {
		cr_assert_eq(rumpuser_clock_gettime(clk[i], &sec, &nsec), 0);
		cr_assert(sec > 0 || nsec > 0);
		cr_assert_eq(rumpuser_clock_getres(clk[i], &rsec, &rnsec), 0);
		cr_assert(rsec == 0 && rnsec > 0);
		cr_assert_eq(rumpuser_clock_sleep(clk[i], 0, 1), EINVAL);
	}
}

static void *
spin_thread(void *arg)
{
	int64_t *h = arg, sec;
	long nsec;

	cr_assert_eq(rumpuser_thread_cpuclock(h), 0);
	do
		cr_assert_eq(rumpuser_clock_thread(0, &sec, &nsec), 0);
	while (sec == 0 && nsec < 20 * 1000 * 1000);
	return NULL;
}

/* A thread's CPU clock grows while it spins, reads through a handle
 * from another thread, and is ESRCH once the thread is gone. */
Test(hyper_clock, thread_cpu_time)
{
	int64_t h = 0, sec;
	long nsec;
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, spin_thread, &h), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_neq(h, 0);
	/* Gone: ESRCH, unless the host reused its thread id already. */
	int e = rumpuser_clock_thread(h, &sec, &nsec);
	cr_assert(e == ESRCH || e == 0);
	cr_assert_eq(rumpuser_thread_cpuclock(&h), 0);
	cr_assert_eq(rumpuser_clock_thread(h, &sec, &nsec), 0);
}

static struct rumpuser_sem *hsem;

static void
post_handler(int sig)
{
	(void)sig;
	rumpuser_sem_post(hsem);
}

/* The event: timed waits time out, a post from a signal handler wakes
 * the waiter, counts are kept. */
Test(hyper_clock, sem_from_signal_handler)
{
	struct sigaction sa = { .sa_handler = post_handler };
	struct timespec now;

	rumpuser_sem_init(&hsem);
	clock_gettime(CLOCK_MONOTONIC, &now);
	cr_assert_eq(rumpuser_sem_timedwait(hsem, now.tv_sec, now.tv_nsec),
		     ETIMEDOUT);
	cr_assert_eq(sigaction(SIGUSR2, &sa, NULL), 0);
	raise(SIGUSR2);
	raise(SIGUSR2);
	cr_assert_eq(rumpuser_sem_timedwait(hsem, -1, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	cr_assert_eq(rumpuser_sem_timedwait(hsem, now.tv_sec + 1, 0), 0);
	rumpuser_sem_destroy(hsem);
}

/* A thread's CPU clock handle also names the thread among the live ones
 * (the kernel tells its host threads apart by it). */
static pthread_barrier_t alive;

static void *
own_handle(void *arg)
{
	int64_t *hp = arg;

	cr_assert_eq(rumpuser_thread_cpuclock(hp), 0);
	pthread_barrier_wait(&alive); /* all alive at once */
	return NULL;
}

Test(hyper_clock, cpuclock_handles_differ_between_live_threads)
{
	int64_t mine = 0, again = 0, theirs[4] = { 0 };
	pthread_t t[4];

	cr_assert_eq(rumpuser_thread_cpuclock(&mine), 0);
	cr_assert_eq(rumpuser_thread_cpuclock(&again), 0);
	cr_assert_neq(mine, 0);
	cr_assert_eq(again, mine);
	pthread_barrier_init(&alive, NULL, 5);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(
			pthread_create(&t[i], NULL, own_handle, &theirs[i]), 0);
	pthread_barrier_wait(&alive);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&alive);
	for (int i = 0; i < 4; i++) {
		cr_assert_neq(theirs[i], 0);
		cr_assert_neq(theirs[i], mine);
		for (int j = 0; j < i; j++)
			cr_assert_neq(theirs[i], theirs[j]);
	}
}

/* A fork's child is a new thread: it must not keep its parent's handle,
 * which names the parent's thread. */
Test(hyper_clock, cpuclock_handle_of_a_forked_child_is_its_own)
{
	int64_t parent = 0;
	int status;
	pid_t pid;

	cr_assert_eq(rumpuser_thread_cpuclock(&parent), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		int64_t child = 0;
		clockid_t id;

		if (rumpuser_thread_cpuclock(&child) != 0 ||
		    pthread_getcpuclockid(pthread_self(), &id) != 0)
			_exit(2);
		_exit(child == parent || child != (int64_t)id ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %#x", status);
}
