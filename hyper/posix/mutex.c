/*
 * mutex.c: kernel mutexes on host mutexes.
 *
 * The kernel takes a mutex on its hottest paths (descriptor lookup on
 * every read and write), so the uncontended path is one trylock and, for
 * KMUTEX, one store of the owner.  The host mutex is PTHREAD_MUTEX_NORMAL:
 * glibc's error-checking type costs a thread-id comparison on every
 * operation, and the KMUTEX owner gives us the same self-deadlock check
 * for free on the (already slow) contended path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "rumpuser_int.h"

RUMPUSER_API void
rumpuser_mutex_init(struct rumpuser_mtx **mtxp, int flags)
{
	struct rumpuser_mtx *mtx;
	int error;

	if (flags & ~(RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX))
		RUMPUSER_DIE("unknown flags %#x", flags);
	if ((mtx = malloc(sizeof(*mtx))) == NULL)
		RUMPUSER_DIE("out of memory: %d", errno);
	if ((error = pthread_mutex_init(&mtx->pthmtx, NULL)) != 0)
		RUMPUSER_DIE("pthread_mutex_init: %d", error);
	mtx->owner = NULL;
	mtx->flags = flags;
	*mtxp = mtx;
}

RUMPUSER_API void
rumpuser_mutex_destroy(struct rumpuser_mtx *mtx)
{
	int error;

	if ((error = pthread_mutex_destroy(&mtx->pthmtx)) != 0)
		RUMPUSER_DIE("pthread_mutex_destroy: %d", error);
	free(mtx);
}

/* The blocking acquire, after a failed trylock. */
static void
lock_slow(struct rumpuser_mtx *mtx)
{
	int error;

	if ((mtx->flags & RUMPUSER_MTX_KMUTEX) && rumpuser__curlwp != NULL &&
	    __atomic_load_n(&mtx->owner, __ATOMIC_RELAXED) == rumpuser__curlwp)
		RUMPUSER_DIE("mutex %p: locking against myself", (void *)mtx);
	if ((error = pthread_mutex_lock(&mtx->pthmtx)) != 0)
		RUMPUSER_DIE("pthread_mutex_lock: %d", error);
}

static inline int
lock_try(struct rumpuser_mtx *mtx)
{
	int error = pthread_mutex_trylock(&mtx->pthmtx);

	if (__builtin_expect(error != 0 && error != EBUSY, 0))
		RUMPUSER_DIE("pthread_mutex_trylock: %d", error);
	return error;
}

RUMPUSER_API void
rumpuser_mutex_enter(struct rumpuser_mtx *mtx)
{
	int nlocks;

	if (__builtin_expect(lock_try(mtx) != 0, 0)) {
		if (mtx->flags & RUMPUSER_MTX_SPIN) {
			/* Spin mutexes never give the CPU back. */
			lock_slow(mtx);
		} else {
			rumpuser__unschedule(&nlocks, mtx);
			lock_slow(mtx);
			rumpuser__schedule(nlocks, mtx);
		}
	}
	rumpuser__mutex_setowner(mtx);
}

RUMPUSER_API void
rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *mtx)
{
	if (lock_try(mtx) != 0)
		lock_slow(mtx);
	rumpuser__mutex_setowner(mtx);
}

RUMPUSER_API int
rumpuser_mutex_tryenter(struct rumpuser_mtx *mtx)
{
	if (lock_try(mtx) != 0)
		return EBUSY;
	rumpuser__mutex_setowner(mtx);
	return 0;
}

RUMPUSER_API void
rumpuser_mutex_exit(struct rumpuser_mtx *mtx)
{
	int error;

	rumpuser__mutex_clearowner(mtx);
	if (__builtin_expect((error = pthread_mutex_unlock(&mtx->pthmtx)), 0))
		RUMPUSER_DIE("pthread_mutex_unlock: %d", error);
}

RUMPUSER_API void
rumpuser_mutex_owner(struct rumpuser_mtx *mtx, struct lwp **lp)
{
	/* Only KMUTEX mutexes know their owner: asking others is a bug. */
	if (!(mtx->flags & RUMPUSER_MTX_KMUTEX))
		RUMPUSER_DIE("mutex %p is not a KMUTEX", (void *)mtx);
	*lp = __atomic_load_n(&mtx->owner, __ATOMIC_RELAXED);
}
