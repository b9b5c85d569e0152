/*
 * callout.c: the callout queue and the kernel thread (callout.h).
 *
 * The queue is a list sorted by time; most timers are armed for later
 * than the ones already queued, so insertion searches from the tail.
 * The thread sleeps on a host semaphore until the head's time: anything
 * that makes an earlier head, or kthread_kick(), posts it.
 */
#include <rump/rump.h>

#include "callout.h"
#include "ktime.h"
#include "lock.h"
#include "proc.h"
#include "signal.h"
#include "sleepq.h"

static kmutex_t callout_lock;
static kcondvar_t callout_cv; /* a running function returned */
static struct callout *co_head, *co_tail;
static struct callout *co_running; /* whose function runs now */
static struct callout *co_watch;   /* the clock-set watchers */
/* When the kernel thread wakes by itself next (monotonic ns; 0: never),
 * under callout_lock: a new head later than that needs no post. */
static uint64_t co_waketime;
static struct rumpuser_sem *kthread_sem;
static struct lwp *kthread_lwp;
static unsigned kthread_work; /* atomic KTHREAD_* bits */
static bool callout_up;

void
callout_init(struct callout *c, void (*func)(void *), void *arg)
{
	memset(c, 0, sizeof(*c));
	c->c_func = func;
	c->c_arg = arg;
}

static void
co_remove(struct callout *c)
{
	if (c->c_prev != NULL)
		c->c_prev->c_next = c->c_next;
	else
		co_head = c->c_next;
	if (c->c_next != NULL)
		c->c_next->c_prev = c->c_prev;
	else
		co_tail = c->c_prev;
	c->c_next = c->c_prev = NULL;
	c->c_flags &= ~CALLOUT_PENDING;
}

/* Put `c' on the queue at c_time; true if it is the head now.
 * callout_lock held. */
static bool
co_insert(struct callout *c)
{
	struct callout *after;

	if (c->c_flags & CALLOUT_PENDING)
		co_remove(c);
	/* Equal times keep their arming order. */
	for (after = co_tail; after != NULL && after->c_time > c->c_time;
	     after = after->c_prev)
		continue;
	c->c_prev = after;
	c->c_next = after != NULL ? after->c_next : co_head;
	if (c->c_next != NULL)
		c->c_next->c_prev = c;
	else
		co_tail = c;
	if (after != NULL)
		after->c_next = c;
	else
		co_head = c;
	c->c_flags |= CALLOUT_PENDING;
	return co_head == c;
}

/*
 * Whether a new head at `when' must wake the kernel thread: not if the
 * thread itself arms it (it looks at the queue before it sleeps again),
 * nor if it wakes by then anyway (a periodic timer that its taker
 * expired early moves its callout later: no wakeup for that).
 * callout_lock held.
 */
static bool
co_must_wake(uint64_t when)
{
	if (kthread_sem == NULL || callout_thread_self())
		return false;
	return co_waketime == 0 || when < co_waketime;
}

void
callout_schedule(struct callout *c, uint64_t when)
{
	bool head;

	mutex_enter(&callout_lock);
	c->c_flags &= ~CALLOUT_REALTIME;
	c->c_time = when;
	head = co_insert(c) && co_must_wake(when);
	mutex_exit(&callout_lock);
	if (head)
		rumpuser_sem_post(kthread_sem);
}

void
callout_schedule_realtime(struct callout *c, int64_t when)
{
	bool head;

	/* Converted under the lock: a clock_settime that stores a new
	 * offset re-times every realtime callout under it afterwards. */
	mutex_enter(&callout_lock);
	c->c_flags |= CALLOUT_REALTIME;
	c->c_rtime = when;
	c->c_time = clock_to_mono(CLOCK_REALTIME, when);
	head = co_insert(c) && co_must_wake(c->c_time);
	mutex_exit(&callout_lock);
	if (head)
		rumpuser_sem_post(kthread_sem);
}

void
callout_watch_clockset(struct callout *c, bool on)
{
	mutex_enter(&callout_lock);
	if (on && !(c->c_flags & CALLOUT_WATCH)) {
		c->c_wprev = NULL;
		c->c_wnext = co_watch;
		if (co_watch != NULL)
			co_watch->c_wprev = c;
		co_watch = c;
		c->c_flags |= CALLOUT_WATCH;
	} else if (!on && (c->c_flags & CALLOUT_WATCH)) {
		if (c->c_wprev != NULL)
			c->c_wprev->c_wnext = c->c_wnext;
		else
			co_watch = c->c_wnext;
		if (c->c_wnext != NULL)
			c->c_wnext->c_wprev = c->c_wprev;
		c->c_wnext = c->c_wprev = NULL;
		c->c_flags &= ~CALLOUT_WATCH;
	}
	mutex_exit(&callout_lock);
}

void
callout_clock_was_set(void)
{
	struct callout *c, *next, *moved = NULL;
	uint64_t now;

	mutex_enter(&callout_lock);
	/* Take the realtime callouts off the queue, then put them back at
	 * their new monotonic times. */
	for (c = co_head; c != NULL; c = next) {
		next = c->c_next;
		if (!(c->c_flags & CALLOUT_REALTIME))
			continue;
		co_remove(c);
		c->c_next = moved;
		moved = c;
	}
	for (c = moved; c != NULL; c = next) {
		next = c->c_next;
		c->c_time = clock_to_mono(CLOCK_REALTIME, c->c_rtime);
		co_insert(c);
	}
	now = time_monotonic_ns();
	for (c = co_watch; c != NULL; c = c->c_wnext) {
		c->c_flags &= ~CALLOUT_REALTIME;
		c->c_time = now;
		co_insert(c);
	}
	mutex_exit(&callout_lock);
	/* The head may have moved either way: let the thread look again. */
	if (kthread_sem != NULL)
		rumpuser_sem_post(kthread_sem);
}

bool
callout_stop(struct callout *c)
{
	bool was;

	mutex_enter(&callout_lock);
	was = (c->c_flags & CALLOUT_PENDING) != 0;
	if (was)
		co_remove(c);
	mutex_exit(&callout_lock);
	return was;
}

bool
callout_pending(struct callout *c)
{
	bool p;

	mutex_enter(&callout_lock);
	p = (c->c_flags & CALLOUT_PENDING) != 0;
	mutex_exit(&callout_lock);
	return p;
}

bool
callout_thread_self(void)
{
	return kthread_lwp != NULL && rumpuser_curlwp() == kthread_lwp;
}

void
callout_halt(struct callout *c)
{
	mutex_enter(&callout_lock);
	KASSERT(!callout_thread_self() || co_running != c);
	if (c->c_flags & CALLOUT_PENDING)
		co_remove(c);
	while (co_running == c) {
		cv_wait(&callout_cv, &callout_lock);
		/* The function may have re-armed it. */
		if (c->c_flags & CALLOUT_PENDING)
			co_remove(c);
	}
	mutex_exit(&callout_lock);
}

void
kthread_kick(unsigned work)
{
	__atomic_or_fetch(&kthread_work, work, __ATOMIC_RELEASE);
	if (kthread_sem != NULL)
		rumpuser_sem_post(kthread_sem);
}

static void *
kthread_main(void *arg)
{
	struct callout *c;
	uint64_t now, next;
	unsigned work;

	(void)arg;
	if (rump_lwproc_newlwp(0) != 0)
		panic("kernel thread: no lwp in pid 0");
	atomic_store_rel(&kthread_lwp, rumpuser_curlwp());
	for (;;) {
		mutex_enter(&callout_lock);
		now = clock_monotonic_ns();
		while ((c = co_head) != NULL && c->c_time <= now) {
			co_remove(c);
			co_running = c;
			mutex_exit(&callout_lock);
			c->c_func(c->c_arg);
			mutex_enter(&callout_lock);
			co_running = NULL;
			cv_broadcast(&callout_cv);
		}
		next = co_head != NULL ? co_head->c_time : 0;
		co_waketime = next;
		mutex_exit(&callout_lock);
		work = __atomic_exchange_n(&kthread_work, 0, __ATOMIC_ACQUIRE);
		if (work & KTHREAD_HOSTPOST)
			sig_hostposts();
		if (work & KTHREAD_TERM)
			sig_termwork();
		if (work != 0)
			continue; /* the work may have armed callouts */
		if (next == 0)
			rumpuser_sem_timedwait(kthread_sem, -1, 0);
		else
			rumpuser_sem_timedwait(kthread_sem,
					       (int64_t)(next / 1000000000ULL),
					       (long)(next % 1000000000ULL));
	}
	return NULL;
}

int
callout_startup(void)
{
	int error;

	if (callout_up)
		return 0;
	mutex_init(&callout_lock);
	cv_init(&callout_cv);
	rumpuser_sem_init(&kthread_sem);
	/* Priority 1: its timed waits want no host timer slack. */
	error = rumpuser_thread_create(kthread_main, NULL, "rump_kthread", 0, 1,
				       -1, NULL);
	if (error != 0)
		return error;
	callout_up = true;
	/* Wait for it to have its lwp, so callout_thread_self() works. */
	while (atomic_load_acq(&kthread_lwp) == NULL)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
	return 0;
}
