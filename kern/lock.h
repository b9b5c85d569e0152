/*
 * lock.h: kernel mutexes, rwlocks and condition variables, thin wrappers
 * over the rumpuser locks.  There is no big kernel lock: each object has
 * its own, and each subsystem header states its lock order.
 *
 * Initialisation allocates on the host and cannot fail (the hypercall
 * layer aborts if the host cannot create a lock).
 */
#ifndef RUMP_KERN_LOCK_H
#define RUMP_KERN_LOCK_H

#include <rump/rumpuser.h>

typedef struct kmutex {
	struct rumpuser_mtx *mtx;
} kmutex_t;

typedef struct krwlock {
	struct rumpuser_rw *rw;
} krwlock_t;

typedef struct kcondvar {
	struct rumpuser_cv *cv;
} kcondvar_t;

static inline void
mutex_init(kmutex_t *m)
{
	rumpuser_mutex_init(&m->mtx, RUMPUSER_MTX_KMUTEX);
}

static inline void
mutex_destroy(kmutex_t *m)
{
	rumpuser_mutex_destroy(m->mtx);
}

static inline void
mutex_enter(kmutex_t *m)
{
	rumpuser_mutex_enter(m->mtx);
}

static inline int
mutex_tryenter(kmutex_t *m)
{
	return rumpuser_mutex_tryenter(m->mtx) == 0;
}

static inline void
mutex_exit(kmutex_t *m)
{
	rumpuser_mutex_exit(m->mtx);
}

static inline int
mutex_owned(kmutex_t *m)
{
	struct lwp *owner;

	rumpuser_mutex_owner(m->mtx, &owner);
	return owner != NULL && owner == rumpuser_curlwp();
}

static inline void
rw_init(krwlock_t *rw)
{
	rumpuser_rw_init(&rw->rw);
}

static inline void
rw_destroy(krwlock_t *rw)
{
	rumpuser_rw_destroy(rw->rw);
}

static inline void
rw_enter_read(krwlock_t *rw)
{
	rumpuser_rw_enter(RUMPUSER_RW_READER, rw->rw);
}

static inline void
rw_enter_write(krwlock_t *rw)
{
	rumpuser_rw_enter(RUMPUSER_RW_WRITER, rw->rw);
}

static inline void
rw_exit(krwlock_t *rw)
{
	rumpuser_rw_exit(rw->rw);
}

static inline void
cv_init(kcondvar_t *cv)
{
	rumpuser_cv_init(&cv->cv);
}

static inline void
cv_destroy(kcondvar_t *cv)
{
	rumpuser_cv_destroy(cv->cv);
}

static inline void
cv_wait(kcondvar_t *cv, kmutex_t *m)
{
	rumpuser_cv_wait(cv->cv, m->mtx);
}

static inline void
cv_signal(kcondvar_t *cv)
{
	rumpuser_cv_signal(cv->cv);
}

static inline void
cv_broadcast(kcondvar_t *cv)
{
	rumpuser_cv_broadcast(cv->cv);
}

#endif /* RUMP_KERN_LOCK_H */
