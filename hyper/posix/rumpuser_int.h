/*
 * rumpuser_int.h: private declarations of the POSIX hypercall layer.
 *
 * Everything here is hidden from the shared library's export list (the
 * Makefile builds hyper/ with -fvisibility=hidden); the public entry
 * points are marked RUMPUSER_API.  Internal names carry the rumpuser__
 * prefix so that they cannot clash with the kernel's in a static link.
 */
#ifndef RUMPUSER_INT_H
#define RUMPUSER_INT_H

#include <pthread.h>
#include <stddef.h>

#include <rump/rumpuser.h>

#define RUMPUSER_API __attribute__((visibility("default")))

/* The kernel's upcalls, copied at rumpuser_init(); all NULL before. */
extern struct rumpuser_hyperup rumpuser__hyp;

/*
 * The calling thread's lwp.  Initial-exec TLS makes the load a single
 * %fs-relative mov: the mutex code reads it on every acquisition.
 */
extern __thread struct lwp *rumpuser__curlwp
	__attribute__((tls_model("initial-exec")));

/* Host failures inside void hypercalls: a host bug, not a kernel one. */
#define RUMPUSER_DIE(...) rumpuser__die(__func__, __VA_ARGS__)
void rumpuser__die(const char *where, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* One-time setup done by rumpuser_init(); each returns 0 or an errno. */
int rumpuser__curlwp_init(void);
int rumpuser__ucopy_init(void);
int rumpuser__membar_init(void);
int rumpuser__clock_init(void);

/*
 * Around a blocking point: hand the (notional) CPU back to the kernel
 * and take it again.  The kernel may leave the upcalls NULL (tests do),
 * in which case there is nothing to tell it.
 */
static inline void
rumpuser__unschedule(int *nlocks, void *interlock)
{
	*nlocks = 0;
	if (rumpuser__hyp.hyp_backend_unschedule != NULL)
		rumpuser__hyp.hyp_backend_unschedule(0, nlocks, interlock);
}

static inline void
rumpuser__schedule(int nlocks, void *interlock)
{
	if (rumpuser__hyp.hyp_backend_schedule != NULL)
		rumpuser__hyp.hyp_backend_schedule(nlocks, interlock);
}

/*
 * A kernel mutex: a host mutex plus, for KMUTEX, the owning lwp.  Not
 * cache-line aligned: every open file has one, and an aligned allocation
 * cost the host's malloc a split and, often, a consolidation of its free
 * lists (7% of a create+stat+unlink loop).  The owner is
 * written by the holder but may be read by anyone (mutex_owner), hence
 * the relaxed atomics: plain movs on x86, and no data race for TSan.
 */
struct rumpuser_mtx {
	pthread_mutex_t pthmtx;
	struct lwp *owner;
	int flags;
};

static inline void
rumpuser__mutex_setowner(struct rumpuser_mtx *mtx)
{
	if (mtx->flags & RUMPUSER_MTX_KMUTEX)
		__atomic_store_n(&mtx->owner, rumpuser__curlwp,
				 __ATOMIC_RELAXED);
}

static inline void
rumpuser__mutex_clearowner(struct rumpuser_mtx *mtx)
{
	if (mtx->flags & RUMPUSER_MTX_KMUTEX)
		__atomic_store_n(&mtx->owner, NULL, __ATOMIC_RELAXED);
}

/* Fault-safe copy primitives in ucopy_x86_64.S. */
int rumpuser__ucopy_asm(void *dst, const void *src, size_t len);
int rumpuser__ucopystr_asm(void *dst, const void *src, size_t maxlen,
			   size_t *donep);
/* The instructions that may fault, and where the handler sends them. */
extern const char rumpuser__ucopy_fault_begin[];
extern const char rumpuser__ucopy_fault_end[];
extern const char rumpuser__ucopy_fixup[];
extern const char rumpuser__ucopystr_fault_begin[];
extern const char rumpuser__ucopystr_fault_end[];
extern const char rumpuser__ucopystr_fixup[];

#endif /* RUMPUSER_INT_H */
