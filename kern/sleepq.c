/*
 * sleepq.c: wait queues and lwp parking (sleepq.h).
 */
#include "proc.h"
#include "sleepq.h"

#define PARK_SPIN_NS 25000 /* the longest spin before a park sleeps */

struct lwp_park {
	kmutex_t lp_lock;
	kcondvar_t lp_cv;
	struct lwp_park *lp_next; /* on the free list */
	uint32_t lp_spin;         /* spin budget, ns (see park_spin) */
	uint32_t lp_parks;        /* parks that spun, for the probes */
	int lp_asleep;            /* atomic: waiting in the host (park_wait) */
};

static void park_release(struct lwp_park *lp);

uint64_t
clock_monotonic_ns(void)
{
	int64_t sec;
	long nsec;

	rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec);
	return (uint64_t)sec * 1000000000ULL + (uint64_t)nsec;
}

/*
 * Parks are type-stable: a destroyed lwp's park goes on a free list and
 * is handed to a later lwp, never freed.  So a waker that found the
 * park while the lwp was alive may still kick it after the lwp is gone
 * (park_kick, for posters that wake after dropping their lock): at
 * worst another lwp sees a spurious wakeup, which every park loop
 * absorbs (it waits again unless its own flags say otherwise).
 */
static struct lwp_park *park_free;
static char park_free_lock; /* a test-and-set spin lock */

static void
park_free_enter(void)
{
	while (__atomic_test_and_set(&park_free_lock, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void
park_free_exit(void)
{
	__atomic_clear(&park_free_lock, __ATOMIC_RELEASE);
}

/*
 * The lwp's park, made on first use: most lwps never sleep, and creating
 * host locks for each would slow every rfork.  Racing creators agree on
 * one by compare-and-swap.
 */
static struct lwp_park *
park_get(struct lwp *l)
{
	struct lwp_park *lp = atomic_load_acq(&l->l_park), *expect = NULL;

	if (__predict_true(lp != NULL))
		return lp;
	park_free_enter();
	if ((lp = park_free) != NULL)
		park_free = lp->lp_next;
	park_free_exit();
	if (lp == NULL) {
		if ((lp = kmem_zalloc(sizeof(*lp))) == NULL)
			panic("lwp_park: out of memory for the park of lwp "
			      "%d",
			      l->l_lid);
		mutex_init(&lp->lp_lock);
		cv_init(&lp->lp_cv);
		lp->lp_spin = PARK_SPIN_NS;
	}
	if (!__atomic_compare_exchange_n(&l->l_park, &expect, lp, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		park_release(lp);
		lp = expect;
	}
	return lp;
}

static void
park_release(struct lwp_park *lp)
{
	park_free_enter();
	lp->lp_next = park_free;
	park_free = lp;
	park_free_exit();
}

void
lwp_park_destroy(struct lwp *l)
{
	struct lwp_park *lp = l->l_park;

	if (lp == NULL)
		return;
	park_release(lp);
	l->l_park = NULL;
}

void
park_prepare(struct lwp *l)
{
	struct lwp_park *lp = park_get(l);

	mutex_enter(&lp->lp_lock);
	atomic_store_relaxed(&l->l_unparked, 0);
	mutex_exit(&lp->lp_lock);
}

/*
 * Set `l''s unpark flag; return its park if it waits in the host and
 * must be signalled, NULL if it will see the flag by itself (it spins,
 * or has not reached its wait: it sets lp_asleep under the park lock
 * after it last looked at the flag).
 */
static struct lwp_park *
unpark_mark(struct lwp *l)
{
	struct lwp_park *lp = park_get(l);
	bool asleep;

	mutex_enter(&lp->lp_lock);
	atomic_store_relaxed(&l->l_unparked, 1);
	asleep = atomic_load_relaxed(&lp->lp_asleep) != 0;
	mutex_exit(&lp->lp_lock);
	return asleep ? lp : NULL;
}

void
lwp_unpark(struct lwp *l)
{
	struct lwp_park *lp = unpark_mark(l);

	/* After the unlock, so the woken thread does not wait for the lock
	 * we hold: parks are type-stable, so if `l' is gone by now this
	 * wakes at most some other lwp spuriously. */
	if (lp != NULL)
		cv_signal(&lp->lp_cv);
}

void
wakelist_kick(struct wakelist *wl)
{
	for (int i = 0; i < wl->wl_n; i++)
		cv_signal(&wl->wl_park[i]->lp_cv);
	wl->wl_n = 0;
}

void
lwp_interrupt(struct lwp *l)
{
	__atomic_store_n(&l->l_intr, 1, __ATOMIC_SEQ_CST);
	/* A park made after the store sees l_intr when it first checks. */
	if (__atomic_load_n(&l->l_park, __ATOMIC_SEQ_CST) != NULL) {
		struct lwp_park *lp = l->l_park;

		/*
		 * The lock orders us after a parker that checked l_intr
		 * before we set it.  The broadcast is made under it: once
		 * the woken lwp can run, it may be released and its park
		 * freed, so nothing of the park may be touched after the
		 * unlock.
		 */
		mutex_enter(&lp->lp_lock);
		cv_broadcast(&lp->lp_cv);
		mutex_exit(&lp->lp_lock);
	}
}

void
lwp_interrupt_held(struct lwp *l)
{
	struct lwp_park *lp;

	__atomic_store_n(&l->l_intr, 1, __ATOMIC_SEQ_CST);
	if ((lp = __atomic_load_n(&l->l_park, __ATOMIC_SEQ_CST)) != NULL) {
		/* The lock orders us after a parker that checked l_intr
		 * before we set it; the broadcast after the unlock spares
		 * the woken thread a wait for the lock.  The caller keeps
		 * `l', and so its park, alive. */
		mutex_enter(&lp->lp_lock);
		mutex_exit(&lp->lp_lock);
		cv_broadcast(&lp->lp_cv);
	}
}

struct lwp_park *
lwp_interrupt_mark(struct lwp *l)
{
	__atomic_store_n(&l->l_intr, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&l->l_park, __ATOMIC_SEQ_CST);
}

void
park_kick(struct lwp_park *lp)
{
	if (lp == NULL)
		return;
	/* As in lwp_interrupt_held: the lock orders us after a parker that
	 * checked its flags before they were set. */
	mutex_enter(&lp->lp_lock);
	mutex_exit(&lp->lp_lock);
	cv_broadcast(&lp->lp_cv);
}

void
lwp_clear_interrupt(struct lwp *l)
{
	atomic_store_rel(&l->l_intr, 0);
}

bool
lwp_interrupted(struct lwp *l)
{
	return atomic_load_acq(&l->l_intr) != 0;
}

/* Wait on the park's cv until `deadline' at most; the lock is held. */
static int
park_wait(struct lwp_park *lp, uint64_t deadline)
{
	uint64_t now;

	if (deadline == DEADLINE_NONE) {
		cv_wait(&lp->lp_cv, &lp->lp_lock);
		return 0;
	}
	now = clock_monotonic_ns();
	if (now >= deadline)
		return ETIMEDOUT;
	rumpuser_cv_timedwait(lp->lp_cv.cv, lp->lp_lock.mtx,
			      (int64_t)((deadline - now) / 1000000000ULL),
			      (int64_t)((deadline - now) % 1000000000ULL));
	return 0;
}

/*
 * How long a park spins before it sleeps.  A host sleep and wakeup costs
 * tens of microseconds on a virtual machine (the idle CPU halts and must
 * be sent an interrupt), while a reply from a thread running on another
 * CPU comes within a few: a short spin turns a ping-pong between two
 * threads into one where neither side sleeps.  Guest kernels poll before
 * they halt for the same reason.
 */
#define PARK_SPIN_MIN_NS 500 /* the least a spin is allowed */
/* Pauses between clock reads.  A pause takes ~50 ns on the KVM guests we
 * run on (as long as a clock read): 32 made the least spin ~3 us, not
 * PARK_SPIN_MIN_NS, and a thread whose partner waits for its CPU burnt
 * that much of it on every park. */
#define PARK_SPIN_CHECKS 4

/*
 * The spin adapts, per park: a spin that was answered in time doubles
 * the park's budget (up to PARK_SPIN_NS), one that ran out halves it
 * (down to PARK_SPIN_MIN_NS), and every PARK_PROBE_EVERY-th park spins
 * the whole PARK_SPIN_NS as a probe, which restores the budget if it is
 * answered.  On a loaded host the partner often is not running at all
 * while we spin (both CPUs are busy elsewhere, or it waits for the very
 * CPU we spin on): there a fixed spin is pure loss, a waste of the
 * partner's CPU time on every wait.  A quick answer after a sleep tells
 * nothing (it may have come only because we slept), so only spins and
 * probes teach.  The budget is a hint, read and written without a lock.
 */
#define PARK_PROBE_EVERY 64

static bool
park_ready(struct lwp *l, int flags)
{
	return atomic_load_acq(&l->l_unparked) ||
	       ((flags & SLEEP_INTR) && atomic_load_acq(&l->l_intr));
}

/* Spin until the park would return at once, or its budget is spent.
 * True if it would return now. */
static bool
park_spin(struct lwp_park *lp, struct lwp *l, uint64_t deadline, int flags)
{
	uint32_t budget = atomic_load_relaxed(&lp->lp_spin);
	uint32_t n = atomic_load_relaxed(&lp->lp_parks) + 1;
	bool probe = n % PARK_PROBE_EVERY == 0;
	uint64_t end;

	for (int i = 0; i < PARK_SPIN_CHECKS; i++) {
		if (park_ready(l, flags))
			return true;
		__builtin_ia32_pause();
	}
	atomic_store_relaxed(&lp->lp_parks, n);
	end = clock_monotonic_ns() + (probe ? PARK_SPIN_NS : budget);
	if (deadline != DEADLINE_NONE && deadline < end)
		end = deadline;
	for (;;) {
		for (int i = 0; i < PARK_SPIN_CHECKS; i++) {
			if (park_ready(l, flags)) {
				/* Answered while spinning: spin longer. */
				budget = probe || budget * 2 > PARK_SPIN_NS
						 ? PARK_SPIN_NS
						 : budget * 2;
				atomic_store_relaxed(&lp->lp_spin, budget);
				return true;
			}
			__builtin_ia32_pause();
		}
		if (clock_monotonic_ns() >= end)
			break;
	}
	/* Ran out (not for the deadline): spin less next time. */
	if (end != deadline)
		atomic_store_relaxed(&lp->lp_spin, budget / 2 < PARK_SPIN_MIN_NS
							   ? PARK_SPIN_MIN_NS
							   : budget / 2);
	return false;
}

int
lwp_park(struct lwp *l, uint64_t deadline, int flags)
{
	struct lwp_park *lp = park_get(l);
	int error = 0;

	park_spin(lp, l, deadline, flags);
	mutex_enter(&lp->lp_lock);
	while (!l->l_unparked) {
		if ((flags & SLEEP_INTR) &&
		    __atomic_load_n(&l->l_intr, __ATOMIC_SEQ_CST)) {
			error = EINTR;
			break;
		}
		atomic_store_relaxed(&lp->lp_asleep, 1);
		if ((error = park_wait(lp, deadline)) != 0)
			break;
	}
	atomic_store_relaxed(&lp->lp_asleep, 0);
	if (l->l_unparked)
		error = 0;
	atomic_store_relaxed(&l->l_unparked, 0);
	mutex_exit(&lp->lp_lock);
	return error;
}

bool
lwp_park_asleep(struct lwp *l)
{
	struct lwp_park *lp = atomic_load_acq(&l->l_park);

	return lp != NULL && atomic_load_relaxed(&lp->lp_asleep) != 0;
}

void
waitq_enqueue(struct waitq *wq, struct waiter *w, struct lwp *l, unsigned key)
{
	w->w_func = NULL;
	w->w_arg = NULL;
	w->w_excl = false;
	w->w_lwp = l;
	w->w_key = key;
	w->w_queue = wq;
	w->w_next = NULL;
	w->w_prev = wq->wq_tail;
	if (wq->wq_tail != NULL)
		wq->wq_tail->w_next = w;
	else
		wq->wq_head = w;
	wq->wq_tail = w;
}

void
waitq_enqueue_func(struct waitq *wq, struct waiter *w,
		   bool (*func)(struct waiter *, unsigned), void *arg,
		   unsigned key)
{
	waitq_enqueue(wq, w, NULL, key);
	w->w_func = func;
	w->w_arg = arg;
}

void
waitq_dequeue(struct waitq *wq, struct waiter *w)
{
	if (w->w_queue == NULL)
		return; /* a waker took it already */
	if (w->w_prev != NULL)
		w->w_prev->w_next = w->w_next;
	else
		wq->wq_head = w->w_next;
	if (w->w_next != NULL)
		w->w_next->w_prev = w->w_prev;
	else
		wq->wq_tail = w->w_prev;
	w->w_queue = NULL;
}

/* Wake `w': a callback waiter is told and stays (true: an exclusive
 * one took the wakeup); another is dequeued and its lwp unparked.
 * Caller holds the queue's lock. */
static bool
waiter_wake(struct waitq *wq, struct waiter *w, unsigned key,
	    struct wakelist *wl)
{
	struct lwp_park *lp;

	if (w->w_func != NULL)
		return w->w_func(w, key);
	waitq_dequeue(wq, w);
	if (wl == NULL) {
		lwp_unpark(w->w_lwp);
	} else if ((lp = unpark_mark(w->w_lwp)) != NULL) {
		if (wl->wl_n < WAKELIST_MAX)
			wl->wl_park[wl->wl_n++] = lp;
		else
			cv_signal(&lp->lp_cv);
	}
	return false;
}

/* Wake waiters whose key shares a bit with `key', at most `max' of the
 * parking kind (callback waiters are always told, but exclusive ones
 * only until one of them takes the wakeup). */
static int
waitq_wake(struct waitq *wq, unsigned key, int max, struct wakelist *wl)
{
	struct waiter *w, *next;
	bool excl_taken = false;
	int n = 0;

	for (w = wq->wq_head; w != NULL && n < max; w = next) {
		next = w->w_next;
		if (!(w->w_key & key) || (w->w_excl && excl_taken))
			continue;
		if (w->w_func == NULL)
			n++;
		if (waiter_wake(wq, w, key, wl) && w->w_excl)
			excl_taken = true;
	}
	return n;
}

int
waitq_wakeup_one(struct waitq *wq)
{
	return waitq_wake(wq, ~0u, 1, NULL);
}

int
waitq_wakeup_all(struct waitq *wq)
{
	return waitq_wake(wq, ~0u, __INT_MAX__, NULL);
}

int
waitq_wakeup_key(struct waitq *wq, unsigned key)
{
	return waitq_wake(wq, key, __INT_MAX__, NULL);
}

int
waitq_wakeup_key_defer(struct waitq *wq, unsigned key, struct wakelist *wl)
{
	return waitq_wake(wq, key, __INT_MAX__, wl);
}

int
sleepq_wait(struct waitq *wq, kmutex_t *lock, uint64_t deadline, int flags)
{
	struct lwp *l = rumpuser_curlwp();
	struct waiter w;
	int error;

	KASSERT(l != NULL);
	park_prepare(l);
	waitq_enqueue(wq, &w, l, ~0u);
	mutex_exit(lock);
	error = lwp_park(l, deadline, flags);
	mutex_enter(lock);
	if (w.w_queue == NULL)
		return 0; /* a waker chose us: the wakeup wins */
	waitq_dequeue(wq, &w);
	return error;
}
