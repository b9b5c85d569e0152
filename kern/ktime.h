/*
 * ktime.h: the kernel's clocks (kern_time.c), shared by sleeps, timers
 * and timerfd.
 *
 * Every clock is read in nanoseconds.  CLOCK_MONOTONIC and the other
 * host clocks come straight from rumpuser_clock_gettime (the vDSO on
 * Linux, no lock); CLOCK_REALTIME is the host's plus the kernel's own
 * offset, which clock_settime and settimeofday move (the host's clock is
 * never touched).  The CPU-time clocks read the host threads' CPU time
 * (rumpuser_clock_thread): an lwp's time is the time of the host thread
 * it is bound to (an lwp that moves between host threads reports the
 * one it is on now), a process's the sum over its lwps and its released
 * ones; a process that is gone adds its total to its parent's children
 * time (RUSAGE_CHILDREN, times' cutime).
 */
#ifndef RUMP_KERN_KTIME_H
#define RUMP_KERN_KTIME_H

#include <linux/time.h>

#include "kernel.h"

struct lwp;

#define NSEC_PER_SEC_ 1000000000LL
#define NSEC_PER_USEC_ 1000LL
#define USER_HZ 100 /* times(2) and clock_t */

/* relatime, Linux's default atime policy: a read moves a file's access
 * time only while it is not newer than the last modification or status
 * change, or once it is a day old. */
#define RELATIME_SLACK_NS (24 * 3600 * NSEC_PER_SEC_)

static inline bool
relatime_due(int64_t atime, int64_t mtime, int64_t ctime, int64_t now)
{
	return atime <= mtime || atime <= ctime ||
	       now - atime >= RELATIME_SLACK_NS;
}

/* Nanoseconds on `clock'; EINVAL for an unknown clock, ESRCH for the
 * CPU clock of a process or thread that does not exist. */
int clock_read_ns(struct lwp *l, int clock, int64_t *nsp);
int64_t time_realtime_ns(void);
uint64_t time_monotonic_ns(void);

/* Whether `clock' can drive a sleep or a timer (REALTIME, MONOTONIC,
 * BOOTTIME and their alarm forms, TAI). */
bool clock_is_timer(int clock);
/* Whether clock_settime moves `clock' (REALTIME, REALTIME_ALARM, TAI):
 * absolute timers on it follow the setting, relative ones run on
 * CLOCK_MONOTONIC, as in Linux. */
bool clock_is_settable(int clock);
/* Counts the settings of CLOCK_REALTIME (timerfd's
 * TFD_TIMER_CANCEL_ON_SET). */
uint64_t time_setgen(void);

/* Convert an absolute time on `clock' (one of the above) to
 * CLOCK_MONOTONIC nanoseconds, as far as it can be known now. */
uint64_t clock_to_mono(int clock, int64_t t);

/* A user timespec/timeval in range (tv_nsec in [0, 1e9), tv_sec >= 0)
 * as ns: 0, or EINVAL.  Overlong values saturate. */
int ts_to_ns(const struct timespec *ts, int64_t *nsp);
int tv_to_ns(const struct timeval *tv, int64_t *nsp);
void ns_to_ts(int64_t ns, struct timespec *ts);
void ns_to_tv(int64_t ns, struct timeval *tv);

/*
 * Sleep the calling lwp until `clock' reads `deadline' (ns): a park with
 * the monotonic deadline, plus a callout on the clocks clock_settime
 * moves (see kern_time.c).  Returns 0, or EINTR when a signal
 * interrupted it.
 */
int kpause_until(struct lwp *l, int clock, int64_t deadline);

#endif /* RUMP_KERN_KTIME_H */
