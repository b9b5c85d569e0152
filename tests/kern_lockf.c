/*
 * kern_lockf.c: the advisory lock module (vfs/lockf.h) on its own: range
 * arithmetic, splitting and merging, conflicts between kinds, flock
 * conversions, blocking waits from real host threads, interrupted waits,
 * deadlock detection and the release paths.  Owners are stand-in
 * pointers: the module compares them and never looks inside.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>
#include <rump/rump.h>

#include "../vfs/lockf.h"
#include "host_thread.h"

#define MS 1000000ULL

static struct lockf_head head, head2;
/* Stand-in owners: processes (POSIX) and open files (OFD, flock). */
static char procs[4][64], files[4][64];
#define PA ((void *)procs[0])
#define PB ((void *)procs[1])
#define PC ((void *)procs[2])
#define FA ((void *)files[0])
#define FB ((void *)files[1])
#define FC ((void *)files[2])

static unsigned long base_count;

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
	lf_head_init(&head);
	lf_head_init(&head2);
	base_count = lf_count();
}

static void
teardown(void)
{
	lf_head_destroy(&head);
	lf_head_destroy(&head2);
	cr_assert_eq(lf_count(), base_count, "records leaked");
}

TestSuite(lockf, .init = setup, .fini = teardown);

static struct lf_req
req(enum lf_kind kind, void *owner, short type, off_t s, off_t e)
{
	return (struct lf_req){
		.lr_kind = kind,
		.lr_owner = owner,
		.lr_pid = kind == LF_POSIX
				  ? 100 + (int)(((char *)owner - procs[0]) / 64)
				  : -1,
		.lr_type = type,
		.lr_start = s,
		.lr_end = e
	};
}

static int
set_on(struct lockf_head *h, enum lf_kind kind, void *owner, short type,
       off_t s, off_t e, int flags)
{
	struct lf_req rq = req(kind, owner, type, s, e);

	return lf_setlk(h, &rq, flags);
}

static int
set(void *owner, short type, off_t s, off_t e)
{
	return set_on(&head, LF_POSIX, owner, type, s, e, 0);
}

/* What F_GETLK by `owner' for [s, e] of `type' reports. */
static struct lf_req
get(void *owner, short type, off_t s, off_t e)
{
	struct lf_req rq = req(LF_POSIX, owner, type, s, e);

	lf_getlk(&head, &rq);
	return rq;
}

/* Assert that `owner' (as seen by another) holds exactly [s, e] of type. */
static void
assert_held(void *other, off_t probe, void *owner, short type, off_t s, off_t e)
{
	struct lf_req r = get(other, F_WRLCK, probe, probe);

	cr_assert_eq(r.lr_type, type, "probe %lld: type %d, want %d",
		     (long long)probe, r.lr_type, type);
	cr_assert_eq(r.lr_owner, owner);
	cr_assert_eq(r.lr_start, s, "probe %lld: start %lld, want %lld",
		     (long long)probe, (long long)r.lr_start, (long long)s);
	cr_assert_eq(r.lr_end, e, "probe %lld: end %lld, want %lld",
		     (long long)probe, (long long)r.lr_end, (long long)e);
}

static void
assert_free(void *other, off_t s, off_t e)
{
	struct lf_req r = get(other, F_WRLCK, s, e);

	cr_assert_eq(r.lr_type, F_UNLCK, "[%lld,%lld] is locked", (long long)s,
		     (long long)e);
}

/* ---- ranges ---------------------------------------------------------- */

Test(lockf, range_translation_follows_linux)
{
	off_t s, e;

	cr_assert_eq(lf_range(SEEK_SET, 10, 5, 0, 0, &s, &e), 0);
	cr_assert(s == 10 && e == 14);
	cr_assert_eq(lf_range(SEEK_SET, 10, 0, 0, 0, &s, &e), 0);
	cr_assert(s == 10 && e == LF_EOF, "l_len 0 runs to EOF");
	cr_assert_eq(lf_range(SEEK_CUR, -5, 5, 100, 0, &s, &e), 0);
	cr_assert(s == 95 && e == 99);
	cr_assert_eq(lf_range(SEEK_END, 0, 1, 0, 1000, &s, &e), 0);
	cr_assert(s == 1000 && e == 1000);
	/* A negative length covers the bytes before start. */
	cr_assert_eq(lf_range(SEEK_SET, 10, -4, 0, 0, &s, &e), 0);
	cr_assert(s == 6 && e == 9);
	cr_assert_eq(lf_range(SEEK_SET, 10, -10, 0, 0, &s, &e), 0);
	cr_assert(s == 0 && e == 9);
	cr_assert_eq(lf_range(SEEK_SET, 10, -11, 0, 0, &s, &e), EINVAL);
	cr_assert_eq(lf_range(SEEK_SET, -1, 1, 0, 0, &s, &e), EINVAL);
	cr_assert_eq(lf_range(SEEK_END, -1001, 1, 0, 1000, &s, &e), EINVAL);
	cr_assert_eq(lf_range(3, 0, 0, 0, 0, &s, &e), EINVAL);
	cr_assert_eq(lf_range(SEEK_SET, LF_EOF, 2, 0, 0, &s, &e), EOVERFLOW);
	cr_assert_eq(lf_range(SEEK_SET, LF_EOF, 1, 0, 0, &s, &e), 0);
	cr_assert(s == LF_EOF && e == LF_EOF);
	cr_assert_eq(lf_range(SEEK_CUR, LF_EOF, 1, 10, 0, &s, &e), EINVAL,
		     "a start that overflows is negative, as on Linux");
}

/* ---- one owner: split, merge, convert ----------------------------------- */

Test(lockf, unlock_in_the_middle_splits)
{
	cr_assert_eq(set(PA, F_WRLCK, 0, 99), 0);
	cr_assert_eq(lf_count() - base_count, 1);
	cr_assert_eq(set(PA, F_UNLCK, 10, 19), 0);
	cr_assert_eq(lf_count() - base_count, 2);
	assert_held(PB, 5, PA, F_WRLCK, 0, 9);
	assert_free(PB, 10, 19);
	assert_held(PB, 50, PA, F_WRLCK, 20, 99);
	/* Unlocking more than is held trims both. */
	cr_assert_eq(set(PA, F_UNLCK, 5, 30), 0);
	assert_held(PB, 0, PA, F_WRLCK, 0, 4);
	assert_held(PB, 31, PA, F_WRLCK, 31, 99);
	cr_assert_eq(set(PA, F_UNLCK, 0, LF_EOF), 0);
	cr_assert_eq(lf_count(), base_count);
	/* Unlocking what is not locked is no error. */
	cr_assert_eq(set(PA, F_UNLCK, 0, 10), 0);
}

Test(lockf, adjacent_and_overlapping_same_type_merge)
{
	cr_assert_eq(set(PA, F_RDLCK, 0, 9), 0);
	cr_assert_eq(set(PA, F_RDLCK, 20, 29), 0);
	cr_assert_eq(lf_count() - base_count, 2);
	cr_assert_eq(set(PA, F_RDLCK, 10, 19), 0);
	cr_assert_eq(lf_count() - base_count, 1, "three adjacent ranges merge");
	assert_held(PB, 15, PA, F_RDLCK, 0, 29);
	cr_assert_eq(set(PA, F_RDLCK, 25, 40), 0);
	assert_held(PB, 40, PA, F_RDLCK, 0, 40);
	cr_assert_eq(set(PA, F_RDLCK, 41, LF_EOF), 0);
	assert_held(PB, 1000, PA, F_RDLCK, 0, LF_EOF);
	cr_assert_eq(lf_count() - base_count, 1);
}

Test(lockf, converting_part_of_a_lock_splits_it_in_three)
{
	cr_assert_eq(set(PA, F_RDLCK, 0, 99), 0);
	cr_assert_eq(set(PA, F_WRLCK, 40, 59), 0);
	cr_assert_eq(lf_count() - base_count, 3);
	assert_held(PB, 10, PA, F_RDLCK, 0, 39);
	assert_held(PB, 50, PA, F_WRLCK, 40, 59);
	assert_held(PB, 70, PA, F_RDLCK, 60, 99);
	/* Converting back merges the three again. */
	cr_assert_eq(set(PA, F_RDLCK, 40, 59), 0);
	cr_assert_eq(lf_count() - base_count, 1);
	assert_held(PB, 50, PA, F_RDLCK, 0, 99);
	/* A write lock over several read pieces replaces them. */
	cr_assert_eq(set(PA, F_UNLCK, 10, 19), 0);
	cr_assert_eq(set(PA, F_WRLCK, 5, 95), 0);
	assert_held(PB, 0, PA, F_RDLCK, 0, 4);
	assert_held(PB, 50, PA, F_WRLCK, 5, 95);
	assert_held(PB, 99, PA, F_RDLCK, 96, 99);
	cr_assert_eq(lf_count() - base_count, 3);
	cr_assert_eq(set(PA, F_UNLCK, 0, LF_EOF), 0);
}

Test(lockf, adjacent_different_types_stay_apart)
{
	cr_assert_eq(set(PA, F_RDLCK, 0, 9), 0);
	cr_assert_eq(set(PA, F_WRLCK, 10, 19), 0);
	cr_assert_eq(lf_count() - base_count, 2);
	assert_held(PB, 9, PA, F_RDLCK, 0, 9);
	assert_held(PB, 10, PA, F_WRLCK, 10, 19);
	cr_assert_eq(set(PA, F_UNLCK, 0, LF_EOF), 0);
}

/* ---- owners against each other ----------------------------------------- */

Test(lockf, readers_share_writers_exclude)
{
	cr_assert_eq(set(PA, F_RDLCK, 0, 9), 0);
	cr_assert_eq(set(PB, F_RDLCK, 5, 14), 0);
	cr_assert_eq(set(PC, F_WRLCK, 9, 9), EAGAIN);
	cr_assert_eq(set(PC, F_WRLCK, 15, 20), 0);
	cr_assert_eq(set(PA, F_WRLCK, 15, 15), EAGAIN);
	cr_assert_eq(set(PA, F_WRLCK, 0, 4), 0, "A's own read lock upgrades");
	cr_assert_eq(set(PA, F_WRLCK, 0, 5), EAGAIN, "B reads byte 5");
	/* F_GETLK reports the lowest conflicting lock. */
	struct lf_req r = get(PC, F_WRLCK, 0, 100);
	cr_assert_eq(r.lr_owner, PA);
	cr_assert_eq(r.lr_type, F_WRLCK);
	cr_assert_eq(r.lr_pid, 100);
	/* A read probe does not conflict with read locks. */
	r = get(PC, F_RDLCK, 5, 9);
	cr_assert_eq(r.lr_type, F_UNLCK);
	/* One's own locks never conflict. */
	r = get(PA, F_WRLCK, 0, 4);
	cr_assert_eq(r.lr_type, F_UNLCK);
	lf_close_posix(&head, PA);
	lf_close_posix(&head, PB);
	lf_close_posix(&head, PC);
	cr_assert_eq(lf_count(), base_count);
}

Test(lockf, ofd_and_posix_locks_conflict_but_not_with_flock)
{
	cr_assert_eq(set_on(&head, LF_OFD, FA, F_WRLCK, 0, 0, 0), 0);
	cr_assert_eq(set(PA, F_RDLCK, 0, 0), EAGAIN);
	cr_assert_eq(set_on(&head, LF_OFD, FB, F_RDLCK, 0, 0, 0), EAGAIN);
	cr_assert_eq(set_on(&head, LF_OFD, FA, F_RDLCK, 0, 10, 0), 0);
	cr_assert_eq(set(PA, F_RDLCK, 0, 0), 0);
	struct lf_req r = get(PB, F_WRLCK, 0, 0);
	cr_assert_eq(r.lr_kind, LF_OFD);
	cr_assert_eq(r.lr_pid, -1, "an OFD lock has no pid");
	/* flock locks live apart. */
	cr_assert_eq(lf_flock(&head, FC, F_WRLCK, 0), 0);
	lf_close_file(&head, FA);
	lf_close_file(&head, FC);
	lf_close_posix(&head, PA);
	cr_assert_eq(lf_count(), base_count);
}

Test(lockf, locks_on_different_objects_are_independent)
{
	cr_assert_eq(set_on(&head, LF_POSIX, PA, F_WRLCK, 0, LF_EOF, 0), 0);
	cr_assert_eq(set_on(&head2, LF_POSIX, PB, F_WRLCK, 0, LF_EOF, 0), 0);
	lf_close_posix(&head, PA);
	lf_close_posix(&head2, PB);
}

/* ---- release paths --------------------------------------------------------- */

Test(lockf, close_drops_only_that_process_on_that_object)
{
	cr_assert_eq(set(PA, F_WRLCK, 0, 9), 0);
	cr_assert_eq(set(PA, F_WRLCK, 20, 29), 0);
	cr_assert_eq(set(PB, F_WRLCK, 10, 19), 0);
	cr_assert_eq(set_on(&head2, LF_POSIX, PA, F_WRLCK, 0, 0, 0), 0);
	cr_assert_eq(set_on(&head, LF_OFD, FA, F_WRLCK, 40, 49, 0), 0);
	lf_close_posix(&head, PA);
	assert_free(PC, 0, 9);
	assert_free(PC, 20, 29);
	assert_held(PC, 15, PB, F_WRLCK, 10, 19);
	assert_held(PC, 45, FA, F_WRLCK, 40, 49);
	cr_assert_eq(set_on(&head2, LF_POSIX, PB, F_WRLCK, 0, 0, 0), EAGAIN,
		     "the other object keeps A's lock");
	lf_fdtable_gone((struct filedesc *)PA);
	cr_assert_eq(set_on(&head2, LF_POSIX, PB, F_WRLCK, 0, 0, 0), 0);
	lf_fdtable_gone((struct filedesc *)PB);
	lf_close_file(&head, FA);
	cr_assert_eq(lf_count(), base_count);
}

Test(lockf, head_destroy_frees_what_remains)
{
	cr_assert_eq(set(PA, F_WRLCK, 0, 9), 0);
	cr_assert_eq(set(PA, F_RDLCK, 20, 29), 0);
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), 0);
	lf_head_destroy(&head);
	cr_assert_eq(lf_count(), base_count);
	/* A's index entries went too: exit finds nothing. */
	lf_fdtable_gone((struct filedesc *)PA);
	lf_head_init(&head);
}

/* ---- flock ------------------------------------------------------------- */

Test(lockf, flock_shared_exclusive_and_conversion)
{
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), 0);
	cr_assert_eq(lf_flock(&head, FB, F_RDLCK, 0), 0);
	cr_assert_eq(lf_flock(&head, FC, F_WRLCK, 0), EWOULDBLOCK);
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), 0,
		     "relocking is a no-op");
	cr_assert_eq(lf_count() - base_count, 2);
	/* A failed upgrade loses the shared lock, as on Linux. */
	cr_assert_eq(lf_flock(&head, FA, F_WRLCK, 0), EWOULDBLOCK);
	cr_assert_eq(lf_count() - base_count, 1);
	cr_assert_eq(lf_flock(&head, FB, F_WRLCK, 0), 0, "B is alone now");
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), EWOULDBLOCK);
	cr_assert_eq(lf_flock(&head, FB, F_RDLCK, 0), 0, "downgrade");
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), 0);
	cr_assert_eq(lf_flock(&head, FA, F_UNLCK, 0), 0);
	cr_assert_eq(lf_flock(&head, FA, F_UNLCK, 0), 0,
		     "unlock twice is fine");
	lf_close_file(&head, FB);
	cr_assert_eq(lf_flock(&head, FC, F_WRLCK, 0), 0);
	lf_close_file(&head, FC);
	cr_assert_eq(lf_count(), base_count);
}

/* ---- blocking, from real threads -------------------------------------- */

struct waiter_arg {
	pthread_t thr;
	enum lf_kind kind;
	void *owner;
	short type;
	off_t s, e;
	bool flock;
	struct lwp *lwp; /* atomic: set once the thread has its lwp */
	int result;      /* atomic: -1 until the call returned */
	int *gate;       /* if set: keep the lwp until *gate is 0 */
	int htid;        /* atomic: the host thread's id once running */
};

static void *
waiter_main(void *arg)
{
	struct waiter_arg *w = arg;
	int r;

	__atomic_store_n(&w->htid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	__atomic_store_n(&w->lwp, rump_pub_lwproc_curlwp(), __ATOMIC_RELEASE);
	if (w->flock)
		r = lf_flock(&head, w->owner, w->type, LF_WAIT);
	else
		r = set_on(&head, w->kind, w->owner, w->type, w->s, w->e,
			   LF_WAIT);
	__atomic_store_n(&w->result, r, __ATOMIC_RELEASE);
	/* Someone may still be interrupting this lwp: keep it alive. */
	while (w->gate != NULL && __atomic_load_n(w->gate, __ATOMIC_ACQUIRE))
		usleep(1000);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
spawn(struct waiter_arg *w)
{
	w->result = -1;
	w->lwp = NULL;
	w->htid = 0;
	cr_assert_eq(pthread_create(&w->thr, NULL, waiter_main, w), 0);
}

static int
result_of(struct waiter_arg *w)
{
	return __atomic_load_n(&w->result, __ATOMIC_ACQUIRE);
}

/* Give a waiter time to block; assert it has not returned. */
static void
assert_blocked(struct waiter_arg *w)
{
	wait_host_sleeping(&w->htid);
	usleep(20000);
	cr_assert_eq(result_of(w), -1, "the waiter should still block");
}

Test(lockf, setlkw_waits_until_the_range_is_free)
{
	struct waiter_arg w = {
		.kind = LF_POSIX, .owner = PB, .type = F_WRLCK, .s = 5, .e = 5
	};

	cr_assert_eq(set(PA, F_RDLCK, 0, 9), 0);
	spawn(&w);
	assert_blocked(&w);
	/* Unlocking elsewhere wakes it, but it must keep waiting. */
	cr_assert_eq(set(PA, F_UNLCK, 8, 9), 0);
	assert_blocked(&w);
	cr_assert_eq(set(PA, F_UNLCK, 4, 6), 0);
	pthread_join(w.thr, NULL);
	cr_assert_eq(w.result, 0);
	assert_held(PC, 5, PB, F_WRLCK, 5, 5);
	lf_fdtable_gone((struct filedesc *)PA);
	lf_fdtable_gone((struct filedesc *)PB);
}

/* Waiters share a few queues among all objects: activity on objects
 * whose queue is the waiter's wakes it, and it must go back to sleep. */
Test(lockf, activity_on_other_objects_leaves_a_waiter_blocked)
{
	enum { NOTHER = 256 };
	static struct lockf_head other[NOTHER];
	struct waiter_arg w = {
		.kind = LF_POSIX, .owner = PB, .type = F_WRLCK, .s = 0, .e = 0
	};

	cr_assert_eq(set(PA, F_WRLCK, 0, 0), 0);
	spawn(&w);
	assert_blocked(&w);
	for (int i = 0; i < NOTHER; i++) {
		lf_head_init(&other[i]);
		cr_assert_eq(set_on(&other[i], LF_POSIX, PC, F_WRLCK, 0, 9, 0),
			     0);
		cr_assert_eq(set_on(&other[i], LF_POSIX, PC, F_UNLCK, 0, 9, 0),
			     0);
		lf_head_destroy(&other[i]);
	}
	assert_blocked(&w);
	cr_assert_eq(set(PA, F_UNLCK, 0, 0), 0);
	pthread_join(w.thr, NULL);
	cr_assert_eq(w.result, 0);
	lf_fdtable_gone((struct filedesc *)PB);
}

Test(lockf, waiters_wake_on_process_exit_and_close)
{
	struct waiter_arg w1 = {
		.kind = LF_POSIX, .owner = PB, .type = F_WRLCK, .s = 0, .e = 50
	};
	struct waiter_arg w2 = {
		.kind = LF_OFD, .owner = FB, .type = F_RDLCK, .s = 100, .e = 100
	};

	cr_assert_eq(set(PA, F_WRLCK, 0, 9), 0);
	cr_assert_eq(set_on(&head, LF_OFD, FA, F_WRLCK, 100, 100, 0), 0);
	spawn(&w1);
	spawn(&w2);
	assert_blocked(&w1);
	assert_blocked(&w2);
	lf_close_file(&head, FA);
	pthread_join(w2.thr, NULL);
	cr_assert_eq(w2.result, 0);
	assert_blocked(&w1);
	lf_fdtable_gone((struct filedesc *)PA);
	pthread_join(w1.thr, NULL);
	cr_assert_eq(w1.result, 0);
	lf_fdtable_gone((struct filedesc *)PB);
	lf_close_file(&head, FB);
}

Test(lockf, flock_wait_and_wake)
{
	struct waiter_arg w = { .flock = true, .owner = FB, .type = F_WRLCK };

	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), 0);
	spawn(&w);
	assert_blocked(&w);
	cr_assert_eq(lf_flock(&head, FA, F_UNLCK, 0), 0);
	pthread_join(w.thr, NULL);
	cr_assert_eq(w.result, 0);
	cr_assert_eq(lf_flock(&head, FA, F_RDLCK, 0), EWOULDBLOCK);
	lf_close_file(&head, FB);
}

Test(lockf, interrupted_wait_returns_erestartsys)
{
	int gate = 1;
	struct waiter_arg w = { .kind = LF_POSIX,
				.owner = PB,
				.type = F_RDLCK,
				.s = 0,
				.e = 0,
				.gate = &gate };
	struct waiter_arg f = {
		.flock = true, .owner = FB, .type = F_RDLCK, .gate = &gate
	};
	struct lwp *l;

	cr_assert_eq(set(PA, F_WRLCK, 0, 0), 0);
	cr_assert_eq(lf_flock(&head, FA, F_WRLCK, 0), 0);
	spawn(&w);
	spawn(&f);
	assert_blocked(&w);
	assert_blocked(&f);
	while ((l = __atomic_load_n(&w.lwp, __ATOMIC_ACQUIRE)) == NULL)
		usleep(1000);
	lwp_interrupt(l);
	while ((l = __atomic_load_n(&f.lwp, __ATOMIC_ACQUIRE)) == NULL)
		usleep(1000);
	lwp_interrupt(l);
	while (result_of(&w) == -1 || result_of(&f) == -1)
		usleep(1000);
	__atomic_store_n(&gate, 0, __ATOMIC_RELEASE);
	pthread_join(w.thr, NULL);
	pthread_join(f.thr, NULL);
	cr_assert_eq(w.result, 512 /* ERESTARTSYS */);
	cr_assert_eq(f.result, 512);
	assert_held(PC, 0, PA, F_WRLCK, 0, 0);
	lf_fdtable_gone((struct filedesc *)PA);
	lf_close_file(&head, FA);
	cr_assert_eq(lf_count(), base_count,
		     "an interrupted wait leaves nothing");
}

Test(lockf, two_process_cycle_is_edeadlk)
{
	struct waiter_arg w = {
		.kind = LF_POSIX, .owner = PB, .type = F_WRLCK, .s = 0, .e = 0
	};

	cr_assert_eq(set(PA, F_WRLCK, 0, 0), 0);
	cr_assert_eq(set(PB, F_WRLCK, 1, 1), 0);
	spawn(&w); /* B waits for A's byte 0 */
	assert_blocked(&w);
	/* A waiting for B's byte 1 would close the cycle. */
	cr_assert_eq(set_on(&head, LF_POSIX, PA, F_WRLCK, 1, 1, LF_WAIT),
		     EDEADLK);
	/* Without waiting it is a plain conflict. */
	cr_assert_eq(set(PA, F_WRLCK, 1, 1), EAGAIN);
	/* A third process waiting on B is no cycle: it just waits. */
	struct waiter_arg w3 = {
		.kind = LF_POSIX, .owner = PC, .type = F_RDLCK, .s = 1, .e = 1
	};
	spawn(&w3);
	assert_blocked(&w3);
	cr_assert_eq(set(PA, F_UNLCK, 0, 0), 0);
	pthread_join(w.thr, NULL);
	cr_assert_eq(w.result, 0);
	lf_fdtable_gone((struct filedesc *)PB);
	pthread_join(w3.thr, NULL);
	cr_assert_eq(w3.result, 0);
	lf_fdtable_gone((struct filedesc *)PA);
	lf_fdtable_gone((struct filedesc *)PC);
}

Test(lockf, three_process_cycle_across_objects_is_edeadlk)
{
	struct waiter_arg wb = {
		.kind = LF_POSIX, .owner = PB, .type = F_WRLCK, .s = 0, .e = 0
	};
	struct waiter_arg wc = {
		.kind = LF_POSIX, .owner = PC, .type = F_WRLCK, .s = 0, .e = 0
	};

	/* A holds head:0, B holds head:1, C holds head2:0. */
	cr_assert_eq(set(PA, F_WRLCK, 0, 0), 0);
	cr_assert_eq(set(PB, F_WRLCK, 1, 1), 0);
	cr_assert_eq(set_on(&head2, LF_POSIX, PC, F_WRLCK, 0, 0, 0), 0);
	spawn(&wb); /* B -> A (head:0) */
	assert_blocked(&wb);
	/* C -> B (head:1) */
	wc.s = wc.e = 1;
	spawn(&wc);
	assert_blocked(&wc);
	/* A -> C (head2:0) closes A -> C -> B -> A. */
	cr_assert_eq(set_on(&head2, LF_POSIX, PA, F_WRLCK, 0, 0, LF_WAIT),
		     EDEADLK);
	/* OFD waits are never refused as deadlocks. */
	cr_assert_eq(set_on(&head2, LF_OFD, FA, F_WRLCK, 0, 0, 0), EAGAIN);
	lf_fdtable_gone((struct filedesc *)PA); /* B gets head:0 */
	pthread_join(wb.thr, NULL);
	cr_assert_eq(wb.result, 0);
	lf_fdtable_gone((struct filedesc *)PB); /* C gets head:1 */
	pthread_join(wc.thr, NULL);
	cr_assert_eq(wc.result, 0);
	lf_fdtable_gone((struct filedesc *)PC);
	cr_assert_eq(lf_count(), base_count);
}

/* Many threads contending for one byte with write locks: mutual
 * exclusion holds and nobody is lost. */
struct contender {
	pthread_t thr;
	void *owner;
	int rounds;
};

static int inside, max_inside, total;

static void *
contender_main(void *arg)
{
	struct contender *c = arg;

	cr_assert_eq(rump_pub_lwproc_newlwp(1), 0);
	for (int i = 0; i < c->rounds; i++) {
		cr_assert_eq(set_on(&head, LF_POSIX, c->owner, F_WRLCK, 7, 7,
				    LF_WAIT),
			     0);
		int n = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		if (n > __atomic_load_n(&max_inside, __ATOMIC_SEQ_CST))
			__atomic_store_n(&max_inside, n, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&total, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		cr_assert_eq(
			set_on(&head, LF_POSIX, c->owner, F_UNLCK, 7, 7, 0), 0);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(lockf, contention_keeps_mutual_exclusion)
{
	enum { N = 4, R = 200 };
	struct contender c[N];

	inside = max_inside = total = 0;
	for (int i = 0; i < N; i++) {
		c[i].owner = i < 3 ? procs[i] : procs[3];
		c[i].rounds = R;
		cr_assert_eq(
			pthread_create(&c[i].thr, NULL, contender_main, &c[i]),
			0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(c[i].thr, NULL);
	cr_assert_eq(total, N * R);
	cr_assert_eq(max_inside, 1);
	cr_assert_eq(lf_count(), base_count);
}
