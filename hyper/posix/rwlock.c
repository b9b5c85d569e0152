/*
 * rwlock.c: kernel reader/writer locks on one atomic word and a futex.
 *
 * pthread_rwlock cannot downgrade: unlock-then-rdlock lets a waiting
 * writer in between, which the interface forbids.  So the lock is ours:
 * a 32-bit state word holds
 *
 *   HELD     a writer holds it
 *   WANTED   a writer is waiting: new readers wait too, so a stream of
 *            readers cannot starve writers (NetBSD's kernel rwlocks
 *            behave the same; a thread must not take a read lock it
 *            already holds while a writer may be waiting)
 *   SLEEPERS someone sleeps on the futex: the release that clears it
 *            wakes everybody, and whoever still cannot enter sets it
 *            again and goes back to sleep
 *   readers  the count of read holds (who they are is not tracked)
 *
 * and every transition is a single compare-and-swap.  That makes
 * downgrade (HELD to one reader) and upgrade (the only reader to HELD)
 * atomic, so tryupgrade really upgrades when the caller is the only
 * reader and fails with EBUSY otherwise.  The writer's lwp is kept for
 * rw_held.  Waking all sleepers on a contended release is simple and
 * cheap enough: contention on kernel rwlocks is rare, and the
 * uncontended paths are one CAS each.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rumpuser_int.h"

#define RW_HELD 0x80000000u
#define RW_WANTED 0x40000000u
#define RW_SLEEPERS 0x20000000u
#define RW_READERS 0x1fffffffu

/* Not padded to a cache line: every regular file and directory has one,
 * and a 16-byte malloc beside its owner costs far less than an aligned
 * 64-byte block apart from it. */
struct rumpuser_rw {
	uint32_t state;
	struct lwp *writer;
};

static void
futex_wait(uint32_t *word, uint32_t val)
{
	/* EAGAIN (word changed) and EINTR just mean: look again. */
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void
futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static inline int
cas(struct rumpuser_rw *rw, uint32_t *old, uint32_t new, int order)
{
	return __atomic_compare_exchange_n(&rw->state, old, new, 1, order,
					   __ATOMIC_RELAXED);
}

static inline uint32_t
load(struct rumpuser_rw *rw)
{
	return __atomic_load_n(&rw->state, __ATOMIC_RELAXED);
}

static inline void
set_writer(struct rumpuser_rw *rw, struct lwp *l)
{
	__atomic_store_n(&rw->writer, l, __ATOMIC_RELAXED);
}

RUMPUSER_API void
rumpuser_rw_init(struct rumpuser_rw **rwp)
{
	struct rumpuser_rw *rw;

	if ((rw = malloc(sizeof(*rw))) == NULL)
		RUMPUSER_DIE("out of memory: %d", errno);
	rw->state = 0;
	rw->writer = NULL;
	*rwp = rw;
}

RUMPUSER_API void
rumpuser_rw_destroy(struct rumpuser_rw *rw)
{
	if (load(rw) & (RW_HELD | RW_READERS))
		RUMPUSER_DIE("rwlock %p destroyed while held", (void *)rw);
	free(rw);
}

/* One attempt each; the loops only retry a CAS that lost a race. */
static int
try_read(struct rumpuser_rw *rw)
{
	uint32_t s = load(rw);

	for (;;) {
		if (s & (RW_HELD | RW_WANTED))
			return EBUSY;
		if ((s & RW_READERS) == RW_READERS)
			RUMPUSER_DIE("rwlock %p: too many readers", (void *)rw);
		if (cas(rw, &s, s + 1, __ATOMIC_ACQUIRE))
			return 0;
	}
}

static int
try_write(struct rumpuser_rw *rw)
{
	uint32_t s = load(rw);

	for (;;) {
		if (s & (RW_HELD | RW_READERS))
			return EBUSY;
		/* WANTED was ours or a waiter's; a waiter sets it again. */
		if (cas(rw, &s, (s | RW_HELD) & ~RW_WANTED, __ATOMIC_ACQUIRE)) {
			set_writer(rw, rumpuser__curlwp);
			return 0;
		}
	}
}

/*
 * Sleep until the state changes, after marking that someone sleeps
 * (plus, for a writer, that a writer waits).  Returns at once if the
 * state moved under us.
 */
static void
wait_change(struct rumpuser_rw *rw, uint32_t marks)
{
	uint32_t s = load(rw), want;

	/* Free again already?  Then try again instead of sleeping. */
	if (marks & RW_WANTED ? !(s & (RW_HELD | RW_READERS))
			      : !(s & (RW_HELD | RW_WANTED)))
		return;
	want = s | marks;
	if (want != s && !cas(rw, &s, want, __ATOMIC_RELAXED))
		return;
	futex_wait(&rw->state, want);
}

RUMPUSER_API int
rumpuser_rw_tryenter(int mode, struct rumpuser_rw *rw)
{
	switch (mode) {
	case RUMPUSER_RW_READER:
		return try_read(rw);
	case RUMPUSER_RW_WRITER:
		return try_write(rw);
	default:
		return EINVAL;
	}
}

RUMPUSER_API void
rumpuser_rw_enter(int mode, struct rumpuser_rw *rw)
{
	uint32_t marks = RW_SLEEPERS;
	int nlocks, error;

	if ((error = rumpuser_rw_tryenter(mode, rw)) == 0)
		return;
	if (error == EINVAL)
		RUMPUSER_DIE("bad mode %d", mode);
	if (mode == RUMPUSER_RW_WRITER)
		marks |= RW_WANTED;
	rumpuser__unschedule(&nlocks, rw);
	do
		wait_change(rw, marks);
	while (rumpuser_rw_tryenter(mode, rw) != 0);
	rumpuser__schedule(nlocks, rw);
}

/* After a release that cleared SLEEPERS: let everybody look again. */
static inline void
wake_if(struct rumpuser_rw *rw, uint32_t old, uint32_t new)
{
	if ((old & RW_SLEEPERS) && !(new &RW_SLEEPERS))
		futex_wake_all(&rw->state);
}

RUMPUSER_API void
rumpuser_rw_exit(struct rumpuser_rw *rw)
{
	uint32_t s = load(rw), n;

	if (s & RW_HELD) {
		set_writer(rw, NULL);
		s = __atomic_fetch_and(&rw->state, ~(RW_HELD | RW_SLEEPERS),
				       __ATOMIC_RELEASE);
		wake_if(rw, s, 0);
		return;
	}
	do {
		if ((s & RW_READERS) == 0)
			RUMPUSER_DIE("rwlock %p not held", (void *)rw);
		n = s - 1;
		/* Only the last reader can let anybody in. */
		if ((n & RW_READERS) == 0)
			n &= ~RW_SLEEPERS;
	} while (!cas(rw, &s, n, __ATOMIC_RELEASE));
	wake_if(rw, s, n);
}

RUMPUSER_API void
rumpuser_rw_downgrade(struct rumpuser_rw *rw)
{
	uint32_t s = load(rw), n;

	if (!(s & RW_HELD))
		RUMPUSER_DIE("rwlock %p not write-held", (void *)rw);
	set_writer(rw, NULL);
	/* One step from writer to reader: no writer can come between. */
	do
		n = (s & ~(RW_HELD | RW_SLEEPERS)) + 1;
	while (!cas(rw, &s, n, __ATOMIC_RELEASE));
	wake_if(rw, s, n);
}

RUMPUSER_API int
rumpuser_rw_tryupgrade(struct rumpuser_rw *rw)
{
	uint32_t s = load(rw);

	/* The caller holds a read lock: a count of one means only us. */
	do {
		if ((s & RW_HELD) || (s & RW_READERS) != 1)
			return EBUSY;
	} while (!cas(rw, &s, (s - 1) | RW_HELD, __ATOMIC_ACQUIRE));
	set_writer(rw, rumpuser__curlwp);
	return 0;
}

RUMPUSER_API void
rumpuser_rw_held(int mode, struct rumpuser_rw *rw, int *heldp)
{
	uint32_t s = load(rw);

	if (mode == RUMPUSER_RW_WRITER)
		*heldp = (s & RW_HELD) &&
			 __atomic_load_n(&rw->writer, __ATOMIC_RELAXED) ==
				 rumpuser__curlwp;
	else
		*heldp = (s & RW_READERS) != 0;
}
