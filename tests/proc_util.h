/*
 * proc_util.h: helpers of the suites that make processes and wait for
 * things to happen (lwproc, signal, signalfd).
 */
#ifndef RUMP_TESTS_PROC_UTIL_H
#define RUMP_TESTS_PROC_UTIL_H

#include <time.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* rump_pub_lwproc_rfork, which must succeed; the new process's pid. */
static inline pid_t
rfork_ok(int flags)
{
	int error = rump_pub_lwproc_rfork(flags);

	cr_assert_eq(error, 0, "rfork(%#x) = %d", flags, error);
	return rump_sys_getpid();
}

/* Sleep on the host for `ms' milliseconds. */
static inline void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#endif /* RUMP_TESTS_PROC_UTIL_H */
