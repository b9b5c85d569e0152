/*
 * thread.c: host threads for the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "rumpuser_int.h"

/* The join cookie is the pthread_t itself. */
_Static_assert(sizeof(pthread_t) <= sizeof(void *), "pthread_t in a cookie");

#define CREATE_TRIES 10

/* A name is a debugging aid: too long is cut, a failure is ignored. */
static void
set_name(pthread_t t, const char *name)
{
	char buf[16]; /* the Linux limit, with the NUL */

	if (name == NULL)
		return;
	strncpy(buf, name, sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	pthread_setname_np(t, buf);
}

/* A thread with priority > 0 starts here: its timers get the least
 * slack the host allows, so a timed wait ends when asked. */
struct prio_start {
	void *(*fun)(void *);
	void *arg;
};

static void *
prio_trampoline(void *p)
{
	struct prio_start st = *(struct prio_start *)p;

	free(p);
#ifdef PR_SET_TIMERSLACK
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
	return st.fun(st.arg);
}

RUMPUSER_API int
rumpuser_thread_create(void *(*fun)(void *), void *arg, const char *name,
		       int mustjoin, int priority, int cpuidx, void **cookie)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	sigset_t all, old;
	pthread_t t;
	int error, i;

	(void)cpuidx; /* a hint the host scheduler lacks */
	if (priority > 0) {
		struct prio_start *st = malloc(sizeof(*st));

		if (st == NULL)
			return ENOMEM;
		st->fun = fun;
		st->arg = arg;
		fun = prio_trampoline;
		arg = st;
	}
	/*
	 * Kernel threads take no host signals: a signal meant for the
	 * program's own threads must not run its handler on one of ours.
	 * The new thread inherits the mask; the faults that ucopy catches
	 * stay open.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* EAGAIN is a transient shortage of host threads: wait a bit. */
	for (i = 0; i < CREATE_TRIES; i++) {
		if ((error = pthread_create(&t, NULL, fun, arg)) != EAGAIN)
			break;
		nanosleep(&pause, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		if (fun == prio_trampoline)
			free(arg);
		return error;
	}
	/*
	 * Created joinable even if nobody will join: a detached thread may
	 * be gone, and its handle with it, before we get to name it.
	 */
	set_name(t, name);
	if (mustjoin)
		*cookie = (void *)(uintptr_t)t;
	else
		pthread_detach(t);
	return 0;
}

RUMPUSER_API void
rumpuser_thread_exit(void)
{
	/* The curlwp key destructor reports a still-bound lwp. */
	pthread_exit(NULL);
}

RUMPUSER_API int
rumpuser_thread_join(void *cookie)
{
	int nlocks, error;

	rumpuser__unschedule(&nlocks, NULL);
	error = pthread_join((pthread_t)(uintptr_t)cookie, NULL);
	rumpuser__schedule(nlocks, NULL);
	return error;
}
