/*
 * callout.h: timed calls run by the kernel thread.
 *
 * One kernel thread (an lwp of pid 0, on a host thread of its own) keeps
 * an ordered queue of callouts and calls each one's function when the
 * monotonic clock reaches its time, with no lock held.  The same thread
 * does the kernel's other deferred work (kthread_kick): posts from host
 * signal handlers, clean-up of processes ended by a signal.
 *
 * Cancellation cannot race with expiry: callout_halt() dequeues the
 * callout and, if its function is running right now, waits for it to
 * return, so afterwards the callout and its argument may be freed.  A
 * function may re-arm its own callout (periodic timers do).
 *
 * Lock order: callout_lock comes after p_lock (proc.h) and before the
 * lwp park locks; a callout function runs without it and may take
 * anything, so callout_halt() must not be called with a lock the
 * function takes, nor from the function itself (callout_stop is fine
 * there).
 */
#ifndef RUMP_KERN_CALLOUT_H
#define RUMP_KERN_CALLOUT_H

#include "kernel.h"

struct callout {
	struct callout *c_next, *c_prev;   /* the queue, under callout_lock */
	uint64_t c_time;                   /* absolute CLOCK_MONOTONIC ns */
	int64_t c_rtime;                   /* CALLOUT_REALTIME: when, on it */
	struct callout *c_wnext, *c_wprev; /* the clock-set watch list */
	void (*c_func)(void *);
	void *c_arg;
	unsigned c_flags; /* under callout_lock */
};
#define CALLOUT_PENDING 0x01  /* on the queue */
#define CALLOUT_REALTIME 0x02 /* armed on CLOCK_REALTIME (c_rtime) */
#define CALLOUT_WATCH 0x04    /* on the clock-set watch list */

void callout_init(struct callout *c, void (*func)(void *), void *arg);
/* Arm `c' for monotonic time `when' (ns), replacing an earlier arming. */
void callout_schedule(struct callout *c, uint64_t when);
/*
 * Arm `c' for the kernel's CLOCK_REALTIME time `when' (ns): it runs when
 * that clock reaches `when', however clock_settime moves the clock in
 * between (set forward past `when', it runs at once; set back, later),
 * as Linux's absolute CLOCK_REALTIME timers do.
 */
void callout_schedule_realtime(struct callout *c, int64_t when);
/* Watch for clock_settime: while on, each setting of CLOCK_REALTIME
 * runs `c' at once (as if armed for now).  Turning it off does not
 * disarm a run already queued. */
void callout_watch_clockset(struct callout *c, bool on);
/* CLOCK_REALTIME was set (kern_time.c): re-time the realtime callouts
 * and run the watchers. */
void callout_clock_was_set(void);
/* Disarm; true if it was pending.  A running function is not waited for. */
bool callout_stop(struct callout *c);
/* Disarm and wait for a running function to return (see above). */
void callout_halt(struct callout *c);
bool callout_pending(struct callout *c);

/* Wake the kernel thread for its deferred work (kthread_work bits).
 * Async-signal-safe. */
#define KTHREAD_HOSTPOST 0x01 /* rump_signal_post left work */
#define KTHREAD_TERM 0x02     /* a process was ended by a signal */
void kthread_kick(unsigned work);

/* Boot: start the kernel thread.  Returns 0 or an errno. */
int callout_startup(void);
/* Whether the caller is the kernel thread. */
bool callout_thread_self(void);

#endif /* RUMP_KERN_CALLOUT_H */
