/*
 * poll.h: how every file type reports readiness, so poll, select and
 * epoll (and any later file type) share one mechanism.
 *
 * A file type implements fo_poll(fp, events, pt) (file.h):
 *  - it returns the subset of `events' that is ready now, plus POLLERR,
 *    POLLHUP (and POLLRDHUP if asked) when they hold, whatever `events';
 *  - if `pt' is not NULL, it also calls poll_wait(pt, wq, lock) for each
 *    wait queue whose wakeup may change the answer, with the lock that
 *    protects that queue (the type takes no lock itself for the call).
 * When readiness changes, the object wakes the queue under its lock with
 * waitq_wakeup_key(wq, <the POLL* bits that became true>) (sleepq.h):
 * only waiters interested in those bits are woken, which is how a wait
 * on many descriptors wakes exactly the waiters that became ready.
 *
 * The poller (poll/select: an array of parking waiters; epoll: callback
 * waiters that stay queued) supplies pt_queue.  Lock order: the queue's
 * lock is taken by pt_queue while no other object lock is held by the
 * poller; pt_queue must not call back into the file.
 */
#ifndef RUMP_KERN_POLL_H
#define RUMP_KERN_POLL_H

#include <linux/poll.h>

#include "lock.h"
#include "sleepq.h"

struct polltable {
	/* Queue the poller on `wq' (protected by `lock'). */
	void (*pt_queue)(struct polltable *pt, struct waitq *wq,
			 kmutex_t *lock);
	unsigned pt_events; /* the POLL* bits the poller waits for */
};

static inline void
poll_wait(struct polltable *pt, struct waitq *wq, kmutex_t *lock)
{
	if (pt != NULL && pt->pt_queue != NULL)
		pt->pt_queue(pt, wq, lock);
}

#endif /* RUMP_KERN_POLL_H */
