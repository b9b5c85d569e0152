/*
 * lockf.c: advisory locks (lockf.h).
 *
 * One global mutex covers every object's lock lists, the list of blocked
 * POSIX requests (the wait-for graph) and the per-owner index used at
 * process exit.  Critical sections are short list walks; a global lock
 * makes deadlock detection see one consistent graph.
 *
 * Each object keeps its POSIX and OFD locks in one list sorted by start
 * (a given owner's locks never overlap one another) and its flock locks
 * in another.  Every POSIX lock is also in a hash chain by owning
 * process, so exit drops them without scanning objects.  Blocked
 * requests sleep on their object's wait queue; any release or downgrade
 * on an object wakes all of them to try again.
 */
#include <linux/fcntl.h>

#include "lockf.h"
#include "file.h"
#include "proc.h"

struct lockf {
	struct lockf *lf_next; /* in the object's list */
	struct lockf_head *lf_head;
	struct lockf *lf_onext, *lf_oprev; /* owner hash chain (POSIX) */
	struct lf_req lf_req;
};

/* A blocked POSIX request, on the sleeping lwp's stack. */
struct lf_blocked {
	struct lf_blocked *b_next, *b_prev;
	struct lockf_head *b_head;
	const struct lf_req *b_req;
};

#define OWNER_HASH 64
#define DEADLOCK_MAX_OWNERS 128 /* owners the cycle search visits at most */

static kmutex_t lf_lock;
static int lf_inited;                       /* atomic: lf_lock made */
static struct lockf *lf_owners[OWNER_HASH]; /* POSIX locks by owner */
static struct lf_blocked *lf_blocked_list;  /* POSIX requests waiting */
static unsigned long lf_nposix;             /* atomic: POSIX locks */
static unsigned long lf_nlocks;             /* atomic: all locks */

/* The lock is made on first use (the first lock set, in practice at
 * boot by lf_head_init of the root): racing makers agree by CAS. */
static void
lf_lock_make(void)
{
	int expect = 0;

	if (atomic_load_acq(&lf_inited) == 2)
		return;
	if (__atomic_compare_exchange_n(&lf_inited, &expect, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		mutex_init(&lf_lock);
		atomic_store_rel(&lf_inited, 2);
		return;
	}
	while (atomic_load_acq(&lf_inited) != 2)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 100000);
}

static inline void
lf_enter(void)
{
	if (__predict_false(atomic_load_acq(&lf_inited) != 2))
		lf_lock_make();
	mutex_enter(&lf_lock);
}

static inline void
lf_exit(void)
{
	mutex_exit(&lf_lock);
}

static inline unsigned
owner_hash(const void *owner)
{
	uintptr_t v = (uintptr_t)owner;

	return (unsigned)((v >> 4) ^ (v >> 12)) % OWNER_HASH;
}

void
lf_head_init(struct lockf_head *h)
{
	h->lh_ranges = NULL;
	h->lh_flocks = NULL;
	lf_lock_make();
}

unsigned long
lf_count(void)
{
	return atomic_load_relaxed(&lf_nlocks);
}

/* Is there any lock on `h'?  A relaxed peek for the close paths: a lock
 * being set concurrently by the closing owner is a race the caller has
 * either way. */
static inline bool
head_has_locks(struct lockf_head *h)
{
	return __atomic_load_n(&h->lh_ranges, __ATOMIC_RELAXED) != NULL ||
	       __atomic_load_n(&h->lh_flocks, __ATOMIC_RELAXED) != NULL;
}

/* ---- records ---------------------------------------------------------- */

static struct lockf *
lf_alloc(void)
{
	return kmem_alloc(sizeof(struct lockf));
}

static void
lf_free(struct lockf *lf)
{
	if (lf != NULL)
		kmem_free(lf, sizeof(*lf));
}

static void
owner_link(struct lockf *lf)
{
	struct lockf **bucket = &lf_owners[owner_hash(lf->lf_req.lr_owner)];

	lf->lf_oprev = NULL;
	lf->lf_onext = *bucket;
	if (*bucket != NULL)
		(*bucket)->lf_oprev = lf;
	*bucket = lf;
}

static void
owner_unlink(struct lockf *lf)
{
	if (lf->lf_oprev != NULL)
		lf->lf_oprev->lf_onext = lf->lf_onext;
	else
		lf_owners[owner_hash(lf->lf_req.lr_owner)] = lf->lf_onext;
	if (lf->lf_onext != NULL)
		lf->lf_onext->lf_oprev = lf->lf_oprev;
}

/* Store to a list head with release semantics for the relaxed peeks. */
static inline void
set_link(struct lockf **pp, struct lockf *v)
{
	__atomic_store_n(pp, v, __ATOMIC_RELAXED);
}

/* Insert `lf' into its head's range list, sorted by start. */
static void
range_insert(struct lockf_head *h, struct lockf *lf)
{
	struct lockf **pp = &h->lh_ranges;

	while (*pp != NULL && (*pp)->lf_req.lr_start <= lf->lf_req.lr_start)
		pp = &(*pp)->lf_next;
	lf->lf_next = *pp;
	lf->lf_head = h;
	set_link(pp, lf);
	if (lf->lf_req.lr_kind == LF_POSIX) {
		owner_link(lf);
		atomic_inc(&lf_nposix);
	}
	atomic_inc(&lf_nlocks);
}

/* Unlink `lf' (whose predecessor link is *pp) from its range list. */
static void
range_unlink(struct lockf **pp, struct lockf *lf)
{
	set_link(pp, lf->lf_next);
	if (lf->lf_req.lr_kind == LF_POSIX) {
		owner_unlink(lf);
		atomic_dec(&lf_nposix);
	}
	atomic_dec(&lf_nlocks);
}

static inline bool
same_owner(const struct lf_req *a, const struct lf_req *b)
{
	return a->lr_owner == b->lr_owner && a->lr_kind == b->lr_kind;
}

static inline bool
overlap(const struct lf_req *a, const struct lf_req *b)
{
	return a->lr_start <= b->lr_end && b->lr_start <= a->lr_end;
}

static inline bool
conflicts(const struct lf_req *held, const struct lf_req *rq)
{
	return !same_owner(held, rq) && overlap(held, rq) &&
	       (held->lr_type == F_WRLCK || rq->lr_type == F_WRLCK);
}

/* The first lock on `h' conflicting with `rq', or NULL. */
static struct lockf *
range_conflict(struct lockf_head *h, const struct lf_req *rq)
{
	for (struct lockf *lf = h->lh_ranges; lf != NULL; lf = lf->lf_next) {
		if (lf->lf_req.lr_start > rq->lr_end)
			break;
		if (conflicts(&lf->lf_req, rq))
			return lf;
	}
	return NULL;
}

/* ---- deadlock detection --------------------------------------------- */

struct dl_search {
	const void *target; /* the requesting process */
	const void *seen[DEADLOCK_MAX_OWNERS];
	int nseen;
};

static bool
dl_seen(struct dl_search *s, const void *owner)
{
	for (int i = 0; i < s->nseen; i++)
		if (s->seen[i] == owner)
			return true;
	return false;
}

/*
 * Does waiting for `rq' on `h' wait, through the chain of blocked
 * requests, for s->target?  Each owner is expanded once; a search that
 * exhausts the bound finds no cycle (the wait is allowed, as Linux's
 * bounded search allows it).
 */
static bool
dl_search(struct dl_search *s, struct lockf_head *h, const struct lf_req *rq)
{
	for (struct lockf *lf = h->lh_ranges; lf != NULL; lf = lf->lf_next) {
		const void *owner = lf->lf_req.lr_owner;

		if (lf->lf_req.lr_start > rq->lr_end)
			break;
		if (lf->lf_req.lr_kind != LF_POSIX ||
		    !conflicts(&lf->lf_req, rq))
			continue;
		if (owner == s->target)
			return true;
		if (dl_seen(s, owner) || s->nseen == DEADLOCK_MAX_OWNERS)
			continue;
		s->seen[s->nseen++] = owner;
		for (struct lf_blocked *b = lf_blocked_list; b != NULL;
		     b = b->b_next)
			if (b->b_req->lr_owner == owner &&
			    dl_search(s, b->b_head, b->b_req))
				return true;
	}
	return false;
}

static bool
would_deadlock(struct lockf_head *h, const struct lf_req *rq)
{
	struct dl_search s = { .target = rq->lr_owner, .nseen = 0 };

	return dl_search(&s, h, rq);
}

static void
blocked_add(struct lf_blocked *b)
{
	b->b_prev = NULL;
	b->b_next = lf_blocked_list;
	if (lf_blocked_list != NULL)
		lf_blocked_list->b_prev = b;
	lf_blocked_list = b;
}

static void
blocked_remove(struct lf_blocked *b)
{
	if (b->b_prev != NULL)
		b->b_prev->b_next = b->b_next;
	else
		lf_blocked_list = b->b_next;
	if (b->b_next != NULL)
		b->b_next->b_prev = b->b_prev;
}

/*
 * Blocked requests wait on a queue picked by their object's address, not
 * one in every head: every vnode embeds a head, and blocking is rare.  A
 * wake-up may reach waiters on another object of the same queue; every
 * sleeper looks at its conflict again after waking.  Under lf_lock.
 */
#define LF_NWAITQ 64
static struct waitq lf_waitqs[LF_NWAITQ];

static struct waitq *
head_waitq(const struct lockf_head *h)
{
	uintptr_t v = (uintptr_t)h;

	return &lf_waitqs[((v >> 5) ^ (v >> 13)) % LF_NWAITQ];
}

/* Sleep on h's queue (lf_lock held); 0 or ERESTARTSYS. */
static int
lf_sleep(struct lockf_head *h)
{
	int error =
		sleepq_wait(head_waitq(h), &lf_lock, DEADLINE_NONE, SLEEP_INTR);

	return error == EINTR ? ERESTARTSYS : 0;
}

static void
lf_wakeup(struct lockf_head *h)
{
	struct waitq *wq = head_waitq(h);

	if (!waitq_empty(wq))
		waitq_wakeup_all(wq);
}

/* ---- range locks -------------------------------------------------------- */

int
lf_range(int whence, off_t start, off_t len, off_t cur, off_t size,
	 off_t *startp, off_t *endp)
{
	off_t base, s, e;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = cur;
		break;
	case SEEK_END:
		base = size;
		break;
	default:
		return EINVAL;
	}
	/* A wrapped sum is negative on Linux too: EINVAL. */
	if (__builtin_add_overflow(base, start, &s) || s < 0)
		return EINVAL;
	if (len > 0) {
		if (len - 1 > LF_EOF - s)
			return EOVERFLOW;
		e = s + (len - 1);
	} else if (len < 0) {
		if (s + len < 0)
			return EINVAL;
		e = s - 1;
		s += len;
	} else {
		e = LF_EOF;
	}
	*startp = s;
	*endp = e;
	return 0;
}

/* Take a record from the pool of unlinked ones, else a spare. */
static struct lockf *
take_record(struct lockf **pool, struct lockf *spare[2])
{
	struct lockf *lf = *pool;

	if (lf != NULL) {
		*pool = lf->lf_next;
		return lf;
	}
	for (int i = 0; i < 2; i++) {
		if ((lf = spare[i]) != NULL) {
			spare[i] = NULL;
			return lf;
		}
	}
	panic("lockf: no record for a split");
}

static void
insert_piece(struct lockf_head *h, struct lockf **pool, struct lockf *spare[2],
	     const struct lf_req *rq, short type, off_t s, off_t e)
{
	struct lockf *lf = take_record(pool, spare);

	lf->lf_req = *rq;
	lf->lf_req.lr_type = type;
	lf->lf_req.lr_start = s;
	lf->lf_req.lr_end = e;
	range_insert(h, lf);
}

/*
 * Apply `rq' for its owner: take out the owner's locks that overlap the
 * range (or touch it with the same type, to merge), put back the parts
 * of other-typed ones that lie outside it, and insert the new lock.
 * `spare' holds two preallocated records (a split of one lock into
 * three needs two more); used ones are set to NULL.  Returns true if a
 * lock was removed or changed, so waiters should look again.
 */
static bool
range_apply(struct lockf_head *h, const struct lf_req *rq,
	    struct lockf *spare[2])
{
	struct lockf *pool = NULL, *lf, **pp;
	struct lf_req left = { 0 }, right = { 0 };
	bool has_left = false, has_right = false, changed = false;
	bool setting = rq->lr_type != F_UNLCK;
	off_t s = rq->lr_start, e = rq->lr_end;

	for (pp = &h->lh_ranges; (lf = *pp) != NULL;) {
		struct lf_req *r = &lf->lf_req;
		bool merge;

		if (!same_owner(r, rq)) {
			pp = &lf->lf_next;
			continue;
		}
		/* Adjacent counts as touching for a merge. */
		merge = setting && r->lr_type == rq->lr_type &&
			(rq->lr_start == 0 || r->lr_end >= rq->lr_start - 1) &&
			(rq->lr_end == LF_EOF || r->lr_start <= rq->lr_end + 1);
		if (!merge && !overlap(r, rq)) {
			pp = &lf->lf_next;
			continue;
		}
		range_unlink(pp, lf);
		changed = true;
		if (merge) {
			s = MIN(s, r->lr_start);
			e = MAX(e, r->lr_end);
		} else {
			if (r->lr_start < rq->lr_start) {
				left = *r;
				left.lr_end = rq->lr_start - 1;
				has_left = true;
			}
			if (r->lr_end > rq->lr_end) {
				right = *r;
				right.lr_start = rq->lr_end + 1;
				has_right = true;
			}
		}
		lf->lf_next = pool;
		pool = lf;
	}
	if (has_left)
		insert_piece(h, &pool, spare, &left, left.lr_type,
			     left.lr_start, left.lr_end);
	if (has_right)
		insert_piece(h, &pool, spare, &right, right.lr_type,
			     right.lr_start, right.lr_end);
	if (setting)
		insert_piece(h, &pool, spare, rq, rq->lr_type, s, e);
	while ((lf = pool) != NULL) {
		pool = lf->lf_next;
		lf_free(lf);
	}
	return changed;
}

int
lf_setlk(struct lockf_head *h, const struct lf_req *rq, int flags)
{
	struct lockf *spare[2] = { NULL, NULL };
	struct lf_blocked b;
	int error = 0;

	KASSERT(rq->lr_kind == LF_POSIX || rq->lr_kind == LF_OFD);
	KASSERT(rq->lr_start >= 0 && rq->lr_start <= rq->lr_end);
	/* Records for a split, made before the lock is taken. */
	for (int i = 0; i < 2; i++) {
		if ((spare[i] = lf_alloc()) == NULL) {
			lf_free(spare[0]);
			return ENOLCK;
		}
	}
	lf_enter();
	while (rq->lr_type != F_UNLCK && range_conflict(h, rq) != NULL) {
		if (!(flags & LF_WAIT)) {
			error = EAGAIN;
			break;
		}
		if (rq->lr_kind == LF_POSIX && would_deadlock(h, rq)) {
			error = EDEADLK;
			break;
		}
		if (rq->lr_kind == LF_POSIX) {
			b.b_head = h;
			b.b_req = rq;
			blocked_add(&b);
		}
		error = lf_sleep(h);
		if (rq->lr_kind == LF_POSIX)
			blocked_remove(&b);
		if (error != 0)
			break;
	}
	if (error == 0 && range_apply(h, rq, spare))
		lf_wakeup(h);
	lf_exit();
	lf_free(spare[0]);
	lf_free(spare[1]);
	return error;
}

void
lf_getlk(struct lockf_head *h, struct lf_req *rq)
{
	struct lockf *lf;

	lf_enter();
	if ((lf = range_conflict(h, rq)) != NULL)
		*rq = lf->lf_req;
	else
		rq->lr_type = F_UNLCK;
	lf_exit();
}

/* ---- flock ---------------------------------------------------------------- */

static struct lockf *
flock_conflict(struct lockf_head *h, const void *owner, short type)
{
	for (struct lockf *lf = h->lh_flocks; lf != NULL; lf = lf->lf_next)
		if (lf->lf_req.lr_owner != owner &&
		    (type == F_WRLCK || lf->lf_req.lr_type == F_WRLCK))
			return lf;
	return NULL;
}

int
lf_flock(struct lockf_head *h, void *owner, short type, int flags)
{
	struct lockf *lf, **pp, *rec = NULL;
	int error = 0;

	if (type != F_UNLCK && (rec = lf_alloc()) == NULL)
		return ENOLCK;
	lf_enter();
	for (pp = &h->lh_flocks; (lf = *pp) != NULL; pp = &lf->lf_next)
		if (lf->lf_req.lr_owner == owner)
			break;
	if (lf != NULL && lf->lf_req.lr_type == type) {
		/* Already held as asked. */
		lf_exit();
		lf_free(rec);
		return 0;
	}
	if (lf != NULL) {
		/* A conversion drops the old lock first, as Linux does. */
		set_link(pp, lf->lf_next);
		atomic_dec(&lf_nlocks);
		lf_free(lf);
		lf_wakeup(h);
	}
	if (type == F_UNLCK) {
		lf_exit();
		return 0;
	}
	while (flock_conflict(h, owner, type) != NULL) {
		if (!(flags & LF_WAIT)) {
			error = EWOULDBLOCK;
			break;
		}
		if ((error = lf_sleep(h)) != 0)
			break;
	}
	if (error == 0) {
		rec->lf_req = (struct lf_req){ .lr_kind = LF_FLOCK,
					       .lr_owner = owner,
					       .lr_pid = -1,
					       .lr_type = type,
					       .lr_start = 0,
					       .lr_end = LF_EOF };
		rec->lf_head = h;
		rec->lf_next = h->lh_flocks;
		set_link(&h->lh_flocks, rec);
		atomic_inc(&lf_nlocks);
		rec = NULL;
	}
	lf_exit();
	lf_free(rec);
	return error;
}

/* ---- release paths ------------------------------------------------------ */

/* Remove from `h' the range locks for which match() holds; caller holds
 * lf_lock.  Returns how many went. */
static int
range_remove_if(struct lockf_head *h, const void *owner, enum lf_kind kind)
{
	struct lockf *lf, **pp;
	int n = 0;

	for (pp = &h->lh_ranges; (lf = *pp) != NULL;) {
		if (lf->lf_req.lr_owner == owner &&
		    lf->lf_req.lr_kind == kind) {
			range_unlink(pp, lf);
			lf_free(lf);
			n++;
		} else {
			pp = &lf->lf_next;
		}
	}
	return n;
}

void
lf_close_posix(struct lockf_head *h, struct filedesc *fdp)
{
	if (!head_has_locks(h) || atomic_load_relaxed(&lf_nposix) == 0)
		return;
	lf_enter();
	if (range_remove_if(h, fdp, LF_POSIX) > 0)
		lf_wakeup(h);
	lf_exit();
}

void
lf_close_file(struct lockf_head *h, struct file *fp)
{
	struct lockf *lf, **pp;
	bool changed;

	if (!head_has_locks(h))
		return;
	lf_enter();
	changed = range_remove_if(h, fp, LF_OFD) > 0;
	for (pp = &h->lh_flocks; (lf = *pp) != NULL;) {
		if (lf->lf_req.lr_owner == fp) {
			set_link(pp, lf->lf_next);
			atomic_dec(&lf_nlocks);
			lf_free(lf);
			changed = true;
		} else {
			pp = &lf->lf_next;
		}
	}
	if (changed)
		lf_wakeup(h);
	lf_exit();
}

void
lf_fdtable_gone(struct filedesc *fdp)
{
	struct lockf *lf, **pp;
	unsigned b = owner_hash(fdp);

	if (atomic_load_relaxed(&lf_nposix) == 0)
		return;
	lf_enter();
	for (;;) {
		for (lf = lf_owners[b]; lf != NULL; lf = lf->lf_onext)
			if (lf->lf_req.lr_owner == fdp)
				break;
		if (lf == NULL)
			break;
		struct lockf_head *h = lf->lf_head;

		for (pp = &h->lh_ranges; *pp != lf; pp = &(*pp)->lf_next)
			continue;
		range_unlink(pp, lf);
		lf_free(lf);
		lf_wakeup(h);
	}
	lf_exit();
}

void
lf_head_destroy(struct lockf_head *h)
{
	struct lockf *lf;

	if (!head_has_locks(h))
		return;
	lf_enter();
	while ((lf = h->lh_ranges) != NULL) {
		range_unlink(&h->lh_ranges, lf);
		lf_free(lf);
	}
	while ((lf = h->lh_flocks) != NULL) {
		set_link(&h->lh_flocks, lf->lf_next);
		atomic_dec(&lf_nlocks);
		lf_free(lf);
	}
	lf_exit();
}
