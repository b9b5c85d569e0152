/*
 * ipc_util.h: helpers shared by the IPC suites (pipe, poll, epoll,
 * eventfd, unix).
 */
#ifndef RUMP_TESTS_IPC_UTIL_H
#define RUMP_TESTS_IPC_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"

static inline void
ipc_boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

/* A new process with a clean descriptor table, for the calling thread. */
static inline struct lwp *
new_proc(void)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	return rump_pub_lwproc_curlwp();
}

/* A child process of the caller's (rfork `flags'); the calling thread
 * stays where it was.  Returns the child's lwp, for a thread to switch
 * to (and release when done). */
static inline struct lwp *
child_proc(int flags)
{
	struct lwp *me = rump_pub_lwproc_curlwp();
	struct lwp *c;

	cr_assert_eq(rump_pub_lwproc_rfork(flags), 0);
	c = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	return c;
}

/* Run fn(arg) on a new host thread and return it for join. */
static inline pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	cr_assert_eq(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

static inline void *
join(pthread_t t)
{
	void *rv;

	cr_assert_eq(pthread_join(t, &rv), 0);
	return rv;
}

/* Sleep ms milliseconds on the host. */
static inline void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until the thread whose id lands in *tidp sleeps in the host (in
 * its blocking call: the only place these threads sleep), then a little
 * more.  Fixed delays are not enough with suites running in parallel. */
static inline void
wait_blocked(pid_t *tidp)
{
	char path[64], st[512];

	for (int i = 0; i < 10000; i++) {
		pid_t tid = __atomic_load_n(tidp, __ATOMIC_ACQUIRE);
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		if (tid != 0 && (f = fopen(path, "r")) != NULL) {
			size_t n = fread(st, 1, sizeof(st) - 1, f);
			char *p;

			fclose(f);
			st[n] = '\0';
			p = strrchr(st, ')');
			if (p != NULL && p[1] == ' ' && p[2] == 'S') {
				msleep(5);
				return;
			}
		}
		msleep(1);
	}
	cr_assert_fail("the reader never blocked");
}

#endif
