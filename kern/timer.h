/*
 * timer.h: per-process interval timers and POSIX timers (kern_timer.c).
 *
 * A process's timers (setitimer's three, timer_create's) live in
 * p_timers, made on first use, under p_lock.  Each timer that runs on a
 * clock (REAL, POSIX timers on REALTIME/MONOTONIC/BOOTTIME) is a callout
 * (callout.h); the CPU-time ones (ITIMER_VIRTUAL, ITIMER_PROF, POSIX
 * timers on the CPU clocks) are checked by a callout that samples the
 * process's CPU time every CPUTIMER_TICK.  Expiry posts the timer's
 * signal; while that signal is still pending, further expiries only
 * count as overruns, which the dequeue hands to si_overrun and
 * timer_getoverrun, as Linux does.
 *
 * Known differences from Linux: the host thread clocks do not split
 * user from system time, so ITIMER_VIRTUAL and ITIMER_PROF both run on
 * the process's whole CPU time; CPU-time expiries are seen at the next
 * sample (CPUTIMER_TICK late at most).
 *
 * As in Linux, an absolute timer on CLOCK_REALTIME (or REALTIME_ALARM,
 * TAI) follows clock_settime: set forward past its time, it fires at
 * once; set back, it waits for the clock to get there.  A relative one
 * runs on CLOCK_MONOTONIC, intervals included, and does not move.
 */
#ifndef RUMP_KERN_TIMER_H
#define RUMP_KERN_TIMER_H

#include "signal.h"

struct proc;

/* A timer's signal was dequeued (si_code SI_TIMER): fill si_overrun
 * and let the timer post again.  p_lock held. */
void ptimer_dequeued_locked(struct proc *p, siginfo_t *si);
/*
 * For a waiter in sigtimedwait on `set' (lwp `l'): the monotonic time
 * the first timer that would post one of `set' to it is due, or
 * DEADLINE_NONE.  The waiter parks until then and runs the expiry
 * itself (ptimers_expire_locked): one host wakeup from the timer's time
 * to the signal taken, not two (the kernel thread's, then the
 * waiter's).  p_lock held.
 */
uint64_t ptimers_next_locked(struct proc *p, struct lwp *l, ksigset_t set);
/* Expire every timer that is due (on the clocks the callouts run).
 * p_lock held. */
void ptimers_expire_locked(struct proc *p);
/* The process ended: disarm every timer (no wait).  p_lock held. */
void ptimers_disarm_locked(struct proc *p);
/* The process is gone: halt and free its timers.  No lock held. */
void ptimers_free(struct proc *p);

#endif /* RUMP_KERN_TIMER_H */
