/*
 * host_thread.h: waiting until a host thread is asleep, for tests that
 * must see a blocking call reach its sleep before they act.
 */
#ifndef RUMP_TESTS_HOST_THREAD_H
#define RUMP_TESTS_HOST_THREAD_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

/* The host thread whose id *tidp will hold (0 until it runs) is asleep
 * (state S) on several looks in a row: a waiter has reached its
 * blocking point, even on a loaded host.  Returns early if the thread
 * is gone (it did not block: the caller's assertion will say so). */
static inline void
wait_host_sleeping(const int *tidp)
{
	char path[64], buf[256];
	int tid, streak = 0;

	for (int i = 0;
	     i < 5000 && (tid = __atomic_load_n(tidp, __ATOMIC_ACQUIRE)) == 0;
	     i++)
		usleep(1000);
	cr_assert_neq(tid, 0, "the waiter thread started");
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (int i = 0; i < 2000 && streak < 3; i++) {
		FILE *f = fopen(path, "r");
		char *p = NULL;

		if (f != NULL) {
			if (fgets(buf, sizeof(buf), f) != NULL)
				p = strrchr(buf, ')');
			fclose(f);
		}
		if (p == NULL)
			return;
		streak = p[1] == ' ' && p[2] == 'S' ? streak + 1 : 0;
		usleep(5000);
	}
}

#endif /* RUMP_TESTS_HOST_THREAD_H */
