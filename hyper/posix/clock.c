/*
 * clock.c: the two clocks, and sleeping on them.
 */
#include <errno.h>
#include <time.h>

#include "rumpuser_int.h"

RUMPUSER_API int
rumpuser_clock_gettime(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;

	switch (clk) {
	case RUMPUSER_CLOCK_RELWALL:
		id = CLOCK_REALTIME;
		break;
	case RUMPUSER_CLOCK_ABSMONO:
		id = CLOCK_MONOTONIC;
		break;
	default:
		return EINVAL;
	}
	if (clock_gettime(id, &ts) != 0)
		return errno;
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/* At least `ts' from now; a signal only shortens what is left. */
static int
sleep_rel(struct timespec ts)
{
	while (nanosleep(&ts, &ts) != 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/* Until the monotonic clock reads `ts'; a signal changes nothing. */
static int
sleep_abs(const struct timespec *ts)
{
	int error;

	while ((error = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ts,
					NULL)) == EINTR)
		continue;
	return error;
}

RUMPUSER_API int
rumpuser_clock_sleep(int clk, int64_t sec, long nsec)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	int nlocks, error;

	if (nsec < 0 || nsec >= 1000000000)
		return EINVAL;
	if (clk != RUMPUSER_CLOCK_RELWALL && clk != RUMPUSER_CLOCK_ABSMONO)
		return EINVAL;
	rumpuser__unschedule(&nlocks, NULL);
	if (clk == RUMPUSER_CLOCK_RELWALL)
		error = sleep_rel(ts);
	else
		error = sleep_abs(&ts);
	rumpuser__schedule(nlocks, NULL);
	return error;
}
