/*
 * clock.c: the host clocks, sleeping on them, host threads' CPU time and
 * the counting event a host signal handler may post.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#include "rumpuser_int.h"

static int
clock_id(int clk, clockid_t *id)
{
	switch (clk) {
	case RUMPUSER_CLOCK_RELWALL:
		*id = CLOCK_REALTIME;
		return 0;
	case RUMPUSER_CLOCK_ABSMONO:
		*id = CLOCK_MONOTONIC;
		return 0;
	case RUMPUSER_CLOCK_MONORAW:
		*id = CLOCK_MONOTONIC_RAW;
		return 0;
	case RUMPUSER_CLOCK_BOOTTIME:
		*id = CLOCK_BOOTTIME;
		return 0;
	case RUMPUSER_CLOCK_RELWALL_COARSE:
		*id = CLOCK_REALTIME_COARSE;
		return 0;
	case RUMPUSER_CLOCK_ABSMONO_COARSE:
		*id = CLOCK_MONOTONIC_COARSE;
		return 0;
	}
	return EINVAL;
}

RUMPUSER_API int
rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;

	/* The two common clocks first, straight to the vDSO. */
	if (__builtin_expect(clk == RUMPUSER_CLOCK_ABSMONO, 1))
		id = CLOCK_MONOTONIC;
	else if (clock_id(clk, &id) != 0)
		return EINVAL;
	if (__builtin_expect(clock_gettime(id, &ts) != 0, 0))
		return errno;
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

RUMPUSER_API int
rumpuser_clock_getres(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;

	if (clock_id(clk, &id) != 0)
		return EINVAL;
	if (clock_getres(id, &ts) != 0)
		return errno;
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/* The calling thread's clock id, looked up once: the kernel asks on
 * every lwp switch.  Linux's thread clock ids are never 0. */
static __thread int64_t cpuclock_cached
	__attribute__((tls_model("initial-exec")));

/* A fork's child runs on a new thread id: the parent's clock id is not
 * its own, and would name another live thread once that id is reused. */
static void
cpuclock_forget(void)
{
	cpuclock_cached = 0;
}

int
rumpuser__clock_init(void)
{
	return pthread_atfork(NULL, NULL, cpuclock_forget);
}

/* First call in a thread: out of line, so the cached path needs no
 * stack frame (the kernel asks on every lwp switch). */
static int __attribute__((noinline, cold)) cpuclock_lookup(int64_t *handlep)
{
	clockid_t id;
	int error;

	if ((error = pthread_getcpuclockid(pthread_self(), &id)) != 0)
		return error;
	/* Linux's thread clock ids are negative, so 0 can mean "the
	 * caller". */
	cpuclock_cached = (int64_t)id;
	*handlep = (int64_t)id;
	return 0;
}

RUMPUSER_API int
rumpuser_thread_cpuclock(int64_t *handlep)
{
	int64_t h = cpuclock_cached;

	if (__builtin_expect(h == 0, 0))
		return cpuclock_lookup(handlep);
	*handlep = h;
	return 0;
}

RUMPUSER_API int
rumpuser_clock_thread(int64_t handle, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id =
		handle == 0 ? CLOCK_THREAD_CPUTIME_ID : (clockid_t)handle;

	if (clock_gettime(id, &ts) != 0)
		return errno == EINVAL ? ESRCH : errno;
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/* At least `ts' from now; a signal only shortens what is left. */
static int
sleep_rel(struct timespec ts)
{
	while (nanosleep(&ts, &ts) != 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/* Until the monotonic clock reads `ts'; a signal changes nothing. */
static int
sleep_abs(const struct timespec *ts)
{
	int error;

	while ((error = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ts,
					NULL)) == EINTR)
		continue;
	return error;
}

RUMPUSER_API int
rumpuser_clock_sleep(int clk, int64_t sec, long nsec)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	int nlocks, error;

	if (nsec < 0 || nsec >= 1000000000)
		return EINVAL;
	if (clk != RUMPUSER_CLOCK_RELWALL && clk != RUMPUSER_CLOCK_ABSMONO)
		return EINVAL;
	rumpuser__unschedule(&nlocks, NULL);
	if (clk == RUMPUSER_CLOCK_RELWALL)
		error = sleep_rel(ts);
	else
		error = sleep_abs(&ts);
	rumpuser__schedule(nlocks, NULL);
	return error;
}

/* The event: a POSIX semaphore, whose post is async-signal-safe. */
struct rumpuser_sem {
	sem_t s;
};

RUMPUSER_API void
rumpuser_sem_init(struct rumpuser_sem **semp)
{
	struct rumpuser_sem *sem = malloc(sizeof(*sem));

	if (sem == NULL || sem_init(&sem->s, 0, 0) != 0)
		RUMPUSER_DIE("cannot make a semaphore");
	*semp = sem;
}

RUMPUSER_API void
rumpuser_sem_destroy(struct rumpuser_sem *sem)
{
	sem_destroy(&sem->s);
	free(sem);
}

RUMPUSER_API void
rumpuser_sem_post(struct rumpuser_sem *sem)
{
	int saved = errno; /* a signal handler must leave errno alone */

	sem_post(&sem->s); /* EOVERFLOW: plenty of counts already */
	errno = saved;
}

RUMPUSER_API int
rumpuser_sem_timedwait(struct rumpuser_sem *sem, int64_t sec, long nsec)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	int nlocks, rv, error = 0;

	rumpuser__unschedule(&nlocks, NULL);
	for (;;) {
		if (sec < 0)
			rv = sem_wait(&sem->s);
		else
			rv = sem_clockwait(&sem->s, CLOCK_MONOTONIC, &ts);
		if (rv == 0)
			break;
		if (errno == EINTR)
			continue;
		error = errno == ETIMEDOUT ? ETIMEDOUT : errno;
		break;
	}
	rumpuser__schedule(nlocks, NULL);
	return error;
}
