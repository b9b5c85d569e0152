/*
 * thread.c: host threads for the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
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

RUMPUSER_API int
rumpuser_thread_create(void *(*fun)(void *), void *arg, const char *name,
		       int mustjoin, int priority, int cpuidx, void **cookie)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	pthread_t t;
	int error, i;

	(void)priority, (void)cpuidx; /* hints the host scheduler lacks */
	/* EAGAIN is a transient shortage of host threads: wait a bit. */
	for (i = 0; i < CREATE_TRIES; i++) {
		if ((error = pthread_create(&t, NULL, fun, arg)) != EAGAIN)
			break;
		nanosleep(&pause, NULL);
	}
	if (error != 0)
		return error;
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
