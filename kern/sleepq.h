/*
 * sleepq.h: the kernel's one blocking primitive.
 *
 * Every blocking syscall sleeps here, so a signal (or the death of the
 * process) can interrupt any of them the same way.  The design is a park
 * per lwp plus wait queues on objects:
 *
 *  - An object (a pipe, a socket, a timer...) owns a `struct waitq' and
 *    the lock that protects it.  A sleeper enqueues itself while holding
 *    that lock, then parks; a waker dequeues waiters under the same lock
 *    and unparks their lwps.
 *  - An lwp's park has its own lock, a leaf: it is taken under object
 *    locks and never the other way round, so wakers and signal posters
 *    (which know only the lwp) never invert lock order.
 *  - Unparking is sticky: an unpark that arrives before the lwp parks
 *    makes the park return at once, so no wakeup is lost, and one lwp can
 *    wait on several queues at once (poll, select, epoll).
 *
 * Lock order: object lock > lwp park lock (leaf).
 */
#ifndef RUMP_KERN_SLEEPQ_H
#define RUMP_KERN_SLEEPQ_H

#include "kernel.h"
#include "lock.h"

struct lwp;

struct waiter {
	struct lwp *w_lwp;
	struct waiter *w_next, *w_prev;
	struct waitq *w_queue; /* NULL once dequeued by a waker */
	unsigned w_key;        /* caller's tag, e.g. poll events of interest */
	/*
	 * A callback waiter (epoll's registrations) is not dequeued by a
	 * wakeup: w_func is called instead of unparking, under the queue's
	 * lock, with the key of the wakeup.  It must take only leaf locks,
	 * except sigio's (sigio.h), which posts signals: proc_lock and
	 * p_lock come after the queue locks of files that can signal.
	 * It returns true when, as an exclusive waiter (w_excl), it took
	 * the wakeup: the other exclusive waiters of the queue are then
	 * not told of this one (EPOLLEXCLUSIVE).  Others are always told.
	 */
	bool (*w_func)(struct waiter *w, unsigned key);
	void *w_arg;
	bool w_excl;
};

struct waitq {
	struct waiter *wq_head, *wq_tail;
	/* O_ASYNC registrations among the waiters (sigio.h), so that a
	 * wakeup for signal-driven I/O costs one branch when there are
	 * none.  Under the queue's lock. */
	unsigned wq_nsigio;
};

/* Sleep flags */
#define SLEEP_INTR 0x01 /* a pending signal or interrupt ends the sleep */

/* Deadlines are absolute CLOCK_MONOTONIC nanoseconds; 0 means none. */
#define DEADLINE_NONE 0
uint64_t clock_monotonic_ns(void);

static inline void
waitq_init(struct waitq *wq)
{
	wq->wq_head = wq->wq_tail = NULL;
	wq->wq_nsigio = 0;
}

static inline bool
waitq_empty(const struct waitq *wq)
{
	return wq->wq_head == NULL;
}

/*
 * sleepq_wait: with `lock' held (it protects `wq'), sleep on `wq' until
 * woken, until `deadline', or (SLEEP_INTR) until the lwp is interrupted.
 * Drops `lock' while asleep and holds it again on return.  Returns 0
 * (woken), ETIMEDOUT or EINTR.  A wakeup that races with a timeout or an
 * interrupt wins: 0 is returned, so wake-one handoffs are never lost.
 */
int sleepq_wait(struct waitq *wq, kmutex_t *lock, uint64_t deadline, int flags);

/*
 * waitq_wakeup_one / waitq_wakeup_all: wake the oldest waiter / every
 * waiter.  Caller holds the queue's lock.  Return how many were woken.
 */
int waitq_wakeup_one(struct waitq *wq);
int waitq_wakeup_all(struct waitq *wq);
/* Wake every waiter whose w_key shares a bit with `key'. */
int waitq_wakeup_key(struct waitq *wq, unsigned key);

/*
 * Wakeups made after the waker drops its lock.  A woken lwp asleep in
 * the host may run at once (the host scheduler preempts the waker for
 * it, or starts it on another CPU) and its first act is to take the
 * lock the waker still holds: it blocks again, and the unlock must wake
 * it a second time.  waitq_wakeup_key_defer dequeues and marks the
 * waiters under the queue's lock, as waitq_wakeup_key does, but leaves
 * the host wakeups of those asleep in `wl'; the caller drops the lock,
 * then calls wakelist_kick.  Waiters that spin see their flag at once
 * and need no kick.  A list that fills up kicks at once.
 */
#define WAKELIST_MAX 4
struct lwp_park;
struct wakelist {
	int wl_n;
	struct lwp_park *wl_park[WAKELIST_MAX];
};
#define WAKELIST_INIT                                                          \
	{                                                                      \
		0,                                                             \
		{                                                              \
			NULL                                                   \
		}                                                              \
	}
int waitq_wakeup_key_defer(struct waitq *wq, unsigned key, struct wakelist *wl);
void wakelist_kick(struct wakelist *wl);

/*
 * Multi-queue waits (poll): park_prepare clears the lwp's unpark flag;
 * then the caller enqueues waiters with waitq_enqueue (under each queue's
 * lock), checks its condition, and parks with lwp_park.  Afterwards it
 * removes its remaining waiters with waitq_dequeue (under each lock).
 */
void park_prepare(struct lwp *l);
void waitq_enqueue(struct waitq *wq, struct waiter *w, struct lwp *l,
		   unsigned key);
/* Enqueue a callback waiter (see struct waiter); it stays queued until
 * waitq_dequeue. */
void waitq_enqueue_func(struct waitq *wq, struct waiter *w,
			bool (*func)(struct waiter *, unsigned), void *arg,
			unsigned key);
void waitq_dequeue(struct waitq *wq, struct waiter *w);
/* Park until unparked, `deadline', or (SLEEP_INTR) an interrupt.
 * Returns 0, ETIMEDOUT or EINTR. */
int lwp_park(struct lwp *l, uint64_t deadline, int flags);
/* Wake a parked (or about to park) lwp. */
void lwp_unpark(struct lwp *l);
/*
 * lwp_park_asleep: a hint for a waker choosing how to hand work over:
 * true while `l''s park waits in the host (its spin ran out, or it was
 * woken there and has not run yet), so waking it costs a host thread
 * wakeup (tens of microseconds), not the few nanoseconds of a spinning
 * park.  The caller keeps `l' alive (e.g. it is enqueued on a queue whose
 * lock the caller holds); the answer may be stale at once.
 */
bool lwp_park_asleep(struct lwp *l);

/*
 * lwp_interrupt: make `l''s interruptible sleeps end with EINTR until
 * lwp_clear_interrupt() (the signal code calls these when a signal the
 * lwp does not block becomes pending or is taken).  Any thread may call
 * it; it takes only the lwp's park lock.
 */
void lwp_interrupt(struct lwp *l);
/* The same for a caller that keeps `l' alive until it returns (signal
 * posters hold its process's p_lock, which lwp destruction takes): the
 * woken thread does not have to wait for the park lock. */
void lwp_interrupt_held(struct lwp *l);
/*
 * The same in two steps, for a poster holding a lock the woken lwp will
 * want at once (p_lock: the woken lwp takes it to dequeue the signal):
 * lwp_interrupt_mark() with `l' kept alive sets the interrupt and
 * returns `l''s park (or NULL), park_kick() wakes that park after the
 * lock is dropped, so the woken thread never blocks on it.  Parks are
 * type-stable (recycled, never freed): kicking one whose lwp is gone
 * is safe and at worst wakes another lwp spuriously.
 */
struct lwp_park *lwp_interrupt_mark(struct lwp *l);
void park_kick(struct lwp_park *lp);
void lwp_clear_interrupt(struct lwp *l);
bool lwp_interrupted(struct lwp *l);

/* Release the lwp's park for reuse (at lwp destruction). */
void lwp_park_destroy(struct lwp *l);

#endif /* RUMP_KERN_SLEEPQ_H */
