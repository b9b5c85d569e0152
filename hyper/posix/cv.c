/*
 * cv.c: kernel condition variables on host ones.
 *
 * The host condvar runs on CLOCK_MONOTONIC so that a timed wait is not
 * stretched or cut short when someone sets the wall clock.  A counter
 * of waiters answers has_waiters; it changes under the interlock but is
 * read without it, hence atomics.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "rumpuser_int.h"

struct rumpuser_cv {
	pthread_cond_t pthcv;
	int nwaiters;
};

RUMPUSER_API void
rumpuser_cv_init(struct rumpuser_cv **cvp)
{
	struct rumpuser_cv *cv;
	pthread_condattr_t attr;
	int error;

	if ((cv = malloc(sizeof(*cv))) == NULL)
		RUMPUSER_DIE("out of memory");
	if ((error = pthread_condattr_init(&attr)) != 0 ||
	    (error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (error = pthread_cond_init(&cv->pthcv, &attr)) != 0)
		RUMPUSER_DIE("pthread_cond_init: %d", error);
	pthread_condattr_destroy(&attr);
	cv->nwaiters = 0;
	*cvp = cv;
}

RUMPUSER_API void
rumpuser_cv_destroy(struct rumpuser_cv *cv)
{
	int error;

	if ((error = pthread_cond_destroy(&cv->pthcv)) != 0)
		RUMPUSER_DIE("pthread_cond_destroy: %d", error);
	free(cv);
}

/* Going to sleep: the mutex stops being owned, the CPU is given back. */
static void
sleep_begin(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx, int *nlocks)
{
	__atomic_add_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
	rumpuser__unschedule(nlocks, mtx);
	rumpuser__mutex_clearowner(mtx);
}

/*
 * Woken with the host mutex held: take the CPU back.  For a SPIN|KMUTEX
 * interlock the order must be CPU first, then mutex (the kernel's
 * scheduler sleeps on such mutexes and would deadlock otherwise), so the
 * host mutex is dropped around the reschedule.  With no scheduler
 * upcall there is nothing to order.
 */
static void
sleep_end(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx, int nlocks)
{
	const int both = RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX;

	__atomic_sub_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
	if (rumpuser__hyp.hyp_backend_schedule != NULL &&
	    (mtx->flags & both) == both) {
		pthread_mutex_unlock(&mtx->pthmtx);
		rumpuser__schedule(nlocks, mtx);
		pthread_mutex_lock(&mtx->pthmtx);
	} else {
		rumpuser__schedule(nlocks, mtx);
	}
	rumpuser__mutex_setowner(mtx);
}

RUMPUSER_API void
rumpuser_cv_wait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx)
{
	int nlocks, error;

	sleep_begin(cv, mtx, &nlocks);
	if ((error = pthread_cond_wait(&cv->pthcv, &mtx->pthmtx)) != 0)
		RUMPUSER_DIE("pthread_cond_wait: %d", error);
	sleep_end(cv, mtx, nlocks);
}

/* Used by a kernel scheduler on its own locks: never unschedules. */
RUMPUSER_API void
rumpuser_cv_wait_nowrap(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx)
{
	int error;

	__atomic_add_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
	rumpuser__mutex_clearowner(mtx);
	if ((error = pthread_cond_wait(&cv->pthcv, &mtx->pthmtx)) != 0)
		RUMPUSER_DIE("pthread_cond_wait: %d", error);
	__atomic_sub_fetch(&cv->nwaiters, 1, __ATOMIC_RELAXED);
	rumpuser__mutex_setowner(mtx);
}

/* now + (sec, nsec), saturating instead of overflowing. */
static struct timespec
deadline(int64_t sec, int64_t nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (sec < 0 || nsec < 0)
		return ts; /* already expired */
	sec += nsec / 1000000000;
	nsec %= 1000000000;
	ts.tv_nsec += nsec;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_nsec -= 1000000000;
		ts.tv_sec++;
	}
	if (sec > INT64_MAX - ts.tv_sec)
		ts.tv_sec = INT64_MAX;
	else
		ts.tv_sec += sec;
	return ts;
}

RUMPUSER_API int
rumpuser_cv_timedwait(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx,
		      int64_t sec, int64_t nsec)
{
	/* Before unscheduling: time spent getting the CPU back counts. */
	struct timespec ts = deadline(sec, nsec);
	int nlocks, error;

	sleep_begin(cv, mtx, &nlocks);
	error = pthread_cond_timedwait(&cv->pthcv, &mtx->pthmtx, &ts);
	if (error != 0 && error != ETIMEDOUT)
		RUMPUSER_DIE("pthread_cond_timedwait: %d", error);
	sleep_end(cv, mtx, nlocks);
	return error;
}

RUMPUSER_API void
rumpuser_cv_signal(struct rumpuser_cv *cv)
{
	pthread_cond_signal(&cv->pthcv);
}

RUMPUSER_API void
rumpuser_cv_broadcast(struct rumpuser_cv *cv)
{
	pthread_cond_broadcast(&cv->pthcv);
}

RUMPUSER_API void
rumpuser_cv_has_waiters(struct rumpuser_cv *cv, int *waitersp)
{
	*waitersp = __atomic_load_n(&cv->nwaiters, __ATOMIC_RELAXED);
}
