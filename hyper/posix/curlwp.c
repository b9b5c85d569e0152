/*
 * curlwp.c: which kernel lwp the calling host thread currently is.
 *
 * The kernel asks for curlwp on nearly every operation (mutex owners,
 * process lookups), so rumpuser_curlwp() is a single thread-local load,
 * and SET/CLEAR are a compare and a store.  What makes this layer more
 * than a TLS slot is thread exit: a host thread may end while still
 * bound to an lwp (an application thread that never switched back), and
 * the kernel must hear of it or the lwp leaks.  A pthread key destructor
 * runs at thread exit; we give the key a value once per thread, on the
 * first SET, so the common switch path never calls into libpthread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "rumpuser_int.h"

__thread struct lwp *rumpuser__curlwp
	__attribute__((tls_model("initial-exec")));
/* Whether this thread's key value is set (its destructor armed). */
static __thread bool exit_armed __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static bool exit_key_ready; /* written once, in rumpuser_init */

/* Any non-NULL value arms the destructor; this one is easy to spot. */
static char exit_marker;

static void
hostthread_exit(void *arg)
{
	struct lwp *l = rumpuser__curlwp;

	(void)arg; /* the marker */
	/*
	 * The key's value is already NULL again; if the upcall binds a new
	 * lwp, the next SET re-arms it and libpthread calls us once more.
	 */
	exit_armed = false;
	if (l == NULL)
		return;
	rumpuser__curlwp = NULL;
	if (rumpuser__hyp.hyp_hostthread_exit != NULL)
		rumpuser__hyp.hyp_hostthread_exit(l);
}

int
rumpuser__curlwp_init(void)
{
	int error;

	if ((error = pthread_key_create(&exit_key, hostthread_exit)) == 0)
		exit_key_ready = true;
	return error;
}

static void __attribute__((noinline, cold)) arm_exit(void)
{
	int error;

	/* Key 0 before init might be someone else's: refuse loudly. */
	if (!exit_key_ready)
		RUMPUSER_DIE("curlwp SET before rumpuser_init");
	if ((error = pthread_setspecific(exit_key, &exit_marker)) != 0)
		RUMPUSER_DIE("pthread_setspecific: %d", error);
	exit_armed = true;
}

/* Misuse of SET/CLEAR is a kernel bug.  Out of line and cold, so the
 * hot path below needs no stack frame: a switch is CLEAR then SET. */
static void __attribute__((noinline, cold, noreturn))
curlwpop_die(int op, struct lwp *l, struct lwp *cur)
{
	RUMPUSER_DIE("op %d on %p while %p is set", op, (void *)l, (void *)cur);
}

RUMPUSER_API void
rumpuser_curlwpop(int op, struct lwp *l)
{
	struct lwp *cur = rumpuser__curlwp;

	if (op == RUMPUSER_LWP_SET) {
		if (__builtin_expect(cur != NULL || l == NULL, 0))
			curlwpop_die(op, l, cur);
		if (__builtin_expect(!exit_armed, 0))
			arm_exit();
		rumpuser__curlwp = l;
	} else if (op == RUMPUSER_LWP_CLEAR) {
		if (__builtin_expect(l != cur || l == NULL, 0))
			curlwpop_die(op, l, cur);
		rumpuser__curlwp = NULL;
	} else if (op != RUMPUSER_LWP_CREATE && op != RUMPUSER_LWP_DESTROY) {
		/* CREATE and DESTROY are informational: no table is kept. */
		curlwpop_die(op, l, cur);
	}
}

RUMPUSER_API struct lwp *
rumpuser_curlwp(void)
{
	return rumpuser__curlwp;
}

/* The first SET of a thread, through rumpuser_curlwp_exchange: out of
 * line, so that the switch path needs no stack frame. */
static struct lwp *__attribute__((noinline, cold))
exchange_arming(struct lwp *l)
{
	struct lwp *old = rumpuser__curlwp;

	arm_exit();
	rumpuser__curlwp = l;
	return old;
}

RUMPUSER_API struct lwp *
rumpuser_curlwp_exchange(struct lwp *l)
{
	struct lwp *old = rumpuser__curlwp;

	if (__builtin_expect(l != NULL && !exit_armed, 0))
		return exchange_arming(l);
	rumpuser__curlwp = l;
	return old;
}
