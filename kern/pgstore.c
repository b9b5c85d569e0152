/*
 * pgstore.c: sparse page stores (pgstore.h).
 *
 * The tree: a node has 512 slots; with height h the root covers page
 * indexes [0, 512^h), and height 0 means the root is page 0 itself.
 * Height 6 covers every page below OFF_MAX (2^51 pages).  A node counts
 * its non-empty slots so truncation can free nodes that empty out.
 */
#include <linux/falloc.h>

#include "file.h"
#include "pgalloc.h"
#include "pgstore.h"

#define FANSHIFT 9
#define FANOUT (1 << FANSHIFT)
#define PGMASK (PGS_PAGESIZE - 1)
#define NOPAGE (~(uint64_t)0)

struct pgnode {
	void *pn_slot[FANOUT]; /* pages (at level 1) or nodes */
	unsigned pn_count;     /* non-NULL slots */
};

/* Pages covered by a subtree with `level' node levels. */
static inline uint64_t
span(unsigned level)
{
	return (uint64_t)1 << (FANSHIFT * level);
}

static inline unsigned
slotof(uint64_t idx, unsigned level)
{
	return (unsigned)(idx >> (FANSHIFT * (level - 1))) & (FANOUT - 1);
}

/* Take one page from the budget; false when it is spent. */
static bool
acct_reserve(struct pgstore_acct *a)
{
	uint64_t used, limit;

	if (a == NULL)
		return true;
	used = atomic_load_relaxed(&a->pa_used);
	do {
		limit = atomic_load_relaxed(&a->pa_limit);
		if (limit != 0 && used >= limit)
			return false;
	} while (!__atomic_compare_exchange_n(&a->pa_used, &used, used + 1,
					      true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

/* Could `pages' more pages fit, counting `have' the store holds that
 * the range may already cover?  A bound checked before allocating, as
 * Linux's shmem_fallocate does, so a request that cannot fit takes
 * nothing. */
static bool
acct_may_fit(struct pgstore_acct *a, uint64_t pages, uint64_t have)
{
	uint64_t used, limit;

	if (a == NULL)
		return true;
	limit = atomic_load_relaxed(&a->pa_limit);
	used = atomic_load_relaxed(&a->pa_used);
	return limit == 0 || used + pages <= limit + have;
}

static void
acct_release(struct pgstore_acct *a, uint64_t n)
{
	if (a != NULL && n != 0)
		__atomic_fetch_sub(&a->pa_used, n, __ATOMIC_RELAXED);
}

void
pgstore_init(struct pgstore *ps, struct pgstore_acct *acct, unsigned seals)
{
	ps->ps_lock.rw = NULL; /* made by the first user: see ps_lock() */
	ps->ps_root = NULL;
	ps->ps_height = 0;
	ps->ps_size = 0;
	ps->ps_npages = 0;
	ps->ps_seals = seals;
	ps->ps_acct = acct;
}

/*
 * The store's lock, made on first use: most tmpfs files are never read
 * or written (stat reads without it), and a host lock per file costs an
 * allocation at create and a free at unlink.  Racing first users agree
 * through one compare-and-swap; the loser frees its lock.
 */
static krwlock_t
ps_lock(struct pgstore *ps)
{
	struct rumpuser_rw *none = NULL;
	krwlock_t mine;

	mine.rw = atomic_load_acq(&ps->ps_lock.rw);
	if (__predict_true(mine.rw != NULL))
		return mine;
	rw_init(&mine);
	if (!__atomic_compare_exchange_n(&ps->ps_lock.rw, &none, mine.rw, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		rw_destroy(&mine);
		mine.rw = none; /* the winner's */
	}
	return mine;
}

/*
 * A page fallocate reserved and nothing has written yet is a hole to
 * SEEK_DATA/SEEK_HOLE (Linux's shmem leaves such a folio not uptodate):
 * its slot holds the page's address with this bit set.  It reads as the
 * zeros it holds; a write into it, or another fallocate of it, makes it
 * data.
 */
#define PG_UNWRITTEN ((uintptr_t)1)

static inline char *
pg_addr(void *slot)
{
	return (char *)((uintptr_t)slot & ~PG_UNWRITTEN);
}

static inline bool
pg_unwritten(void *slot)
{
	return ((uintptr_t)slot & PG_UNWRITTEN) != 0;
}

/* Free a subtree and its pages (the caller settles the accounting). */
static void
free_subtree(struct pgstore *ps, void *p, unsigned level)
{
	struct pgnode *n = p;

	if (level == 0) {
		page_free(pg_addr(p));
		atomic_store_relaxed(&ps->ps_npages, ps->ps_npages - 1);
		return;
	}
	for (int i = 0; i < FANOUT; i++)
		if (n->pn_slot[i] != NULL)
			free_subtree(ps, n->pn_slot[i], level - 1);
	kmem_free(n, sizeof(*n));
}

void
pgstore_fini(struct pgstore *ps)
{
	uint64_t before = ps->ps_npages;

	if (ps->ps_root != NULL)
		free_subtree(ps, ps->ps_root, ps->ps_height);
	acct_release(ps->ps_acct, before);
	if (ps->ps_lock.rw != NULL)
		rw_destroy(&ps->ps_lock);
}

/* The page at index idx, or NULL for a hole.  ps_lock held. */
static char *
lookup(struct pgstore *ps, uint64_t idx)
{
	void *p = ps->ps_root;

	if (idx >= span(ps->ps_height))
		return NULL;
	for (unsigned level = ps->ps_height; level > 0 && p != NULL; level--)
		p = ((struct pgnode *)p)->pn_slot[slotof(idx, level)];
	return pg_addr(p);
}

/* Raise the tree until it covers idx.  ps_lock exclusive; 0 or ENOMEM. */
static int
grow(struct pgstore *ps, uint64_t idx)
{
	struct pgnode *n;

	while (idx >= span(ps->ps_height)) {
		/* An empty tree just changes its height. */
		if (ps->ps_root != NULL) {
			if ((n = kmem_zalloc(sizeof(*n))) == NULL)
				return ENOMEM;
			n->pn_slot[0] = ps->ps_root;
			n->pn_count = 1;
			ps->ps_root = n;
		}
		ps->ps_height++;
	}
	return 0;
}

/*
 * The page at idx, allocated (with the nodes above it) if missing;
 * *newp tells which.  The contents of a new page are undefined.  A new
 * page is unwritten for fallocate (`falloc'); a page that was is now
 * data, whoever asks (Linux's shmem_get_folio on a folio not uptodate).
 * ps_lock exclusive.  Returns 0, ENOSPC (budget), ENOMEM.
 */
static int
getpage(struct pgstore *ps, uint64_t idx, char **pagep, bool *newp, bool falloc)
{
	struct pgnode *parent = NULL;
	void **slot = &ps->ps_root;
	char *page;
	int error;

	if ((error = grow(ps, idx)) != 0)
		return error;
	for (unsigned level = ps->ps_height; level > 0; level--) {
		if (*slot == NULL) {
			if ((*slot = kmem_zalloc(sizeof(struct pgnode))) ==
			    NULL)
				return ENOMEM;
			if (parent != NULL)
				parent->pn_count++;
		}
		parent = *slot;
		slot = &parent->pn_slot[slotof(idx, level)];
	}
	*newp = *slot == NULL;
	if (*newp) {
		if (!acct_reserve(ps->ps_acct))
			return ENOSPC;
		if ((page = page_alloc()) == NULL) {
			acct_release(ps->ps_acct, 1);
			return ENOMEM;
		}
		*slot = falloc ? (void *)((uintptr_t)page | PG_UNWRITTEN)
			       : page;
		if (parent != NULL)
			parent->pn_count++;
		atomic_store_relaxed(&ps->ps_npages, ps->ps_npages + 1);
	} else {
		*slot = pg_addr(*slot);
	}
	*pagep = pg_addr(*slot);
	return 0;
}

int
pgstore_read(struct pgstore *ps, off_t off, struct uio *uio)
{
	krwlock_t lk;
	uint64_t n;
	size_t len;
	char *page;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_read(&lk);
	if (off < ps->ps_size) {
		n = MIN(uio->uio_resid, (uint64_t)(ps->ps_size - off));
		while (n > 0 && error == 0) {
			len = MIN(PGS_PAGESIZE - (size_t)(off & PGMASK), n);
			page = lookup(ps, (uint64_t)off >> PGS_PAGESHIFT);
			if (page != NULL)
				error = uiomove(page + (off & PGMASK), len,
						uio);
			else
				error = uiozero(len, uio);
			off += len;
			n -= len;
		}
	}
	rw_exit(&lk);
	return error;
}

/*
 * A copy into `page' at [pgoff, pgoff+len) failed after `done' bytes:
 * keep those, and restore the zeros the store promises (past the end of
 * the file, and everywhere in a page that was a hole).
 */
static void
write_failed(struct pgstore *ps, char *page, bool new, off_t off, size_t len,
	     size_t done)
{
	off_t base = off & ~(off_t)PGMASK, eof;
	size_t pgoff = (size_t)(off & PGMASK), from = pgoff + done;

	if (off + (off_t)done > ps->ps_size)
		atomic_store_relaxed(&ps->ps_size, off + (off_t)done);
	if (!new) {
		eof = ps->ps_size - base;
		if (eof >= PGS_PAGESIZE)
			return;
		from = MAX(from, (size_t)MAX(eof, 0));
	}
	if (from < pgoff + len)
		memset(page + from, 0, pgoff + len - from);
}

int
pgstore_write(struct pgstore *ps, off_t *offp, struct uio *uio, int flags,
	      off_t wlim)
{
	krwlock_t lk;
	size_t len, pgoff, resid;
	uint64_t n;
	bool new;
	char *page;
	off_t off;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_write(&lk);
	off = (flags & PGS_APPEND) ? ps->ps_size : *offp;
	if (ps->ps_seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		error = EPERM;
	else if (off >= wlim)
		error = EFBIG;
	n = error != 0 ? 0 : MIN(uio->uio_resid, (uint64_t)(wlim - off));
	while (n > 0) {
		pgoff = (size_t)(off & PGMASK);
		len = MIN(PGS_PAGESIZE - pgoff, n);
		if ((ps->ps_seals & F_SEAL_GROW) &&
		    off + (off_t)len > ps->ps_size) {
			error = EPERM;
			break;
		}
		error = getpage(ps, (uint64_t)off >> PGS_PAGESHIFT, &page, &new,
				false);
		if (error != 0)
			break;
		if (new &&len < PGS_PAGESIZE) {
			memset(page, 0, pgoff);
			memset(page + pgoff + len, 0,
			       PGS_PAGESIZE - pgoff - len);
		}
		resid = uio->uio_resid;
		if ((error = uiomove(page + pgoff, len, uio)) != 0) {
			write_failed(ps, page, new, off, len,
				     resid - uio->uio_resid);
			off += (off_t)(resid - uio->uio_resid);
			break;
		}
		off += (off_t)len;
		n -= len;
		if (off > ps->ps_size)
			atomic_store_relaxed(&ps->ps_size, off);
	}
	*offp = off;
	rw_exit(&lk);
	return error;
}

/*
 * Free the pages with index in [first, last) in the subtree *slotp
 * (`level' node levels, first page `base'), and nodes that empty out.
 * Truncation passes last = NOPAGE, a punched hole its end.
 */
static void
prune(struct pgstore *ps, void **slotp, unsigned level, uint64_t base,
      uint64_t first, uint64_t last)
{
	struct pgnode *n = *slotp;
	uint64_t sp, i, iend;

	if (n == NULL || last <= base)
		return;
	/* base + span cannot overflow: the tree ends below 2^55 pages. */
	if (base >= first && base + span(level) <= last) {
		free_subtree(ps, n, level);
		*slotp = NULL;
		return;
	}
	if (level == 0)
		return; /* a page outside the range */
	sp = span(level - 1);
	i = first > base ? (first - base) / sp : 0;
	iend = MIN((uint64_t)FANOUT, (last - base - 1) / sp + 1);
	for (; i < iend; i++) {
		if (n->pn_slot[i] == NULL)
			continue;
		prune(ps, &n->pn_slot[i], level - 1, base + i * sp, first,
		      last);
		if (n->pn_slot[i] == NULL)
			n->pn_count--;
	}
	if (n->pn_count == 0) {
		kmem_free(n, sizeof(*n));
		*slotp = NULL;
	}
}

/* Drop root nodes that only lead to their first slot. */
static void
shrink(struct pgstore *ps)
{
	struct pgnode *n;

	while (ps->ps_height > 0 && (n = ps->ps_root) != NULL &&
	       n->pn_count == 1 && n->pn_slot[0] != NULL) {
		ps->ps_root = n->pn_slot[0];
		ps->ps_height--;
		kmem_free(n, sizeof(*n));
	}
	if (ps->ps_root == NULL)
		ps->ps_height = 0;
}

/* Zero n bytes from `from', all inside one page, if the page is
 * there.  ps_lock exclusive. */
static void
zero_part(struct pgstore *ps, off_t from, size_t n)
{
	char *page = lookup(ps, (uint64_t)from >> PGS_PAGESHIFT);

	if (page != NULL)
		memset(page + (from & PGMASK), 0, n);
}

/* Free the pages with index in [first, last), and the nodes that empty
 * out, and give their pages back to the budget.  ps_lock exclusive. */
static void
drop_pages(struct pgstore *ps, uint64_t first, uint64_t last)
{
	uint64_t before = ps->ps_npages;

	if (first < span(ps->ps_height))
		prune(ps, &ps->ps_root, ps->ps_height, 0, first, last);
	shrink(ps);
	acct_release(ps->ps_acct, before - ps->ps_npages);
}

int
pgstore_truncate(struct pgstore *ps, off_t len, off_t glim)
{
	krwlock_t lk;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_write(&lk);
	if (len > ps->ps_size && len > glim)
		error = EFBIG;
	else if (len < ps->ps_size && (ps->ps_seals & F_SEAL_SHRINK))
		error = EPERM;
	else if (len > ps->ps_size && (ps->ps_seals & F_SEAL_GROW))
		error = EPERM;
	else if (len < ps->ps_size) {
		drop_pages(ps, ((uint64_t)len + PGMASK) >> PGS_PAGESHIFT,
			   NOPAGE);
		/* Keep the promise: nothing but zeros past the end. */
		if ((len & PGMASK) != 0)
			zero_part(ps, len,
				  PGS_PAGESIZE - (size_t)(len & PGMASK));
	}
	if (error == 0)
		atomic_store_relaxed(&ps->ps_size, len);
	rw_exit(&lk);
	return error;
}

int
pgstore_allocate(struct pgstore *ps, off_t off, off_t len, bool keep_size,
		 off_t glim)
{
	krwlock_t lk;
	uint64_t idx, last;
	off_t end = off + len;
	char *page;
	bool new;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_write(&lk);
	/* Linux refuses to reserve room past the end under F_SEAL_GROW
	 * even with keep_size, and lets F_SEAL_WRITE allocate: new pages
	 * hold zeros, so no data changes. */
	last = ((uint64_t)end - 1) >> PGS_PAGESHIFT;
	if (end > ps->ps_size && end > glim)
		error = EFBIG; /* even keep_size, as Linux's shmem */
	else if ((ps->ps_seals & F_SEAL_GROW) && end > ps->ps_size)
		error = EPERM;
	else if (!acct_may_fit(ps->ps_acct,
			       last - ((uint64_t)off >> PGS_PAGESHIFT) + 1,
			       ps->ps_npages))
		error = ENOSPC;
	for (idx = (uint64_t)off >> PGS_PAGESHIFT; error == 0 && idx <= last;
	     idx++) {
		if ((error = getpage(ps, idx, &page, &new, true)) == 0 && new)
			memset(page, 0, PGS_PAGESIZE);
	}
	if (error == 0 && !keep_size && end > ps->ps_size)
		atomic_store_relaxed(&ps->ps_size, end);
	rw_exit(&lk);
	return error;
}

int
pgstore_fallocate(struct pgstore *ps, int mode, off_t off, off_t len,
		  off_t glim)
{
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return EOPNOTSUPP;
	if (mode & FALLOC_FL_PUNCH_HOLE)
		return pgstore_punch(ps, off, len);
	return pgstore_allocate(ps, off, len, (mode & FALLOC_FL_KEEP_SIZE) != 0,
				glim);
}

int
pgstore_punch(struct pgstore *ps, off_t off, off_t len)
{
	krwlock_t lk;
	off_t end = off + len, tail = end & ~(off_t)PGMASK;
	uint64_t first, last;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_write(&lk);
	if (ps->ps_seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
		error = EPERM;
		goto out;
	}
	/* Pages the range only covers in part stay, with the range's part
	 * zeroed (unsigned: the page end after off may be 2^63). */
	if (off & PGMASK)
		zero_part(ps, off,
			  (size_t)(MIN((uint64_t)end,
				       ((uint64_t)off | PGMASK) + 1) -
				   (uint64_t)off));
	if ((end & PGMASK) != 0 && tail >= off)
		zero_part(ps, tail, (size_t)(end - tail));
	/* Whole pages go, with their budget; the size stays. */
	first = ((uint64_t)off + PGMASK) >> PGS_PAGESHIFT;
	last = (uint64_t)end >> PGS_PAGESHIFT;
	if (first < last)
		drop_pages(ps, first, last);
out:
	rw_exit(&lk);
	return error;
}

void
pgstore_getsize(struct pgstore *ps, off_t *sizep, uint64_t *npagesp)
{
	/* No lock: as Linux's stat, two independent reads.  stat of a
	 * cold file then touches its node only, not its lock too. */
	*sizep = atomic_load_relaxed(&ps->ps_size);
	if (npagesp != NULL)
		*npagesp = atomic_load_relaxed(&ps->ps_npages);
}

/*
 * The first page index >= from in subtree p (`level' levels, first page
 * `base') that is data (data) or a hole (!data): missing, or unwritten;
 * NOPAGE if none.
 */
static uint64_t
find(void *p, unsigned level, uint64_t base, uint64_t from, bool data)
{
	struct pgnode *n = p;
	uint64_t sp, r, i;

	if (p == NULL)
		return data ? NOPAGE : MAX(base, from);
	if (level == 0)
		return data != pg_unwritten(p) ? MAX(base, from) : NOPAGE;
	sp = span(level - 1);
	for (i = from > base ? (from - base) / sp : 0; i < FANOUT; i++) {
		r = find(n->pn_slot[i], level - 1, base + i * sp, from, data);
		if (r != NOPAGE)
			return r;
	}
	return NOPAGE;
}

int
pgstore_seekhole(struct pgstore *ps, off_t off, bool data, off_t *resp)
{
	krwlock_t lk;
	uint64_t from, idx;
	off_t res;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_read(&lk);
	if (off < 0 || off >= ps->ps_size) {
		error = ENXIO;
		goto out;
	}
	from = (uint64_t)off >> PGS_PAGESHIFT;
	idx = from >= span(ps->ps_height)
		      ? (data ? NOPAGE : from)
		      : find(ps->ps_root, ps->ps_height, 0, from, data);
	/* Past the tree everything is a hole. */
	if (idx == NOPAGE && !data)
		idx = span(ps->ps_height);
	if (idx == NOPAGE || idx > ((uint64_t)OFF_MAX >> PGS_PAGESHIFT))
		res = data ? -1 : ps->ps_size;
	else
		res = MAX(off, (off_t)(idx << PGS_PAGESHIFT));
	if (data && (res < 0 || res >= ps->ps_size))
		error = ENXIO;
	else
		*resp = MIN(res, ps->ps_size);
out:
	rw_exit(&lk);
	return error;
}

unsigned
pgstore_seals(struct pgstore *ps)
{
	krwlock_t lk;
	unsigned seals;

	lk = ps_lock(ps);
	rw_enter_read(&lk);
	seals = ps->ps_seals;
	rw_exit(&lk);
	return seals;
}

int
pgstore_add_seals(struct pgstore *ps, unsigned seals)
{
	krwlock_t lk;
	int error = 0;

	lk = ps_lock(ps);
	rw_enter_write(&lk);
	if (ps->ps_seals & F_SEAL_SEAL)
		error = EPERM;
	else
		ps->ps_seals |= seals;
	rw_exit(&lk);
	return error;
}

/* Lock two different stores, the lower address first, so two copies in
 * opposite directions never wait for each other: `src' shared, `dst'
 * exclusive. */
static void
pair_enter(krwlock_t *slk, struct pgstore *src, krwlock_t *dlk,
	   struct pgstore *dst)
{
	*slk = ps_lock(src);
	*dlk = ps_lock(dst);
	if ((uintptr_t)src < (uintptr_t)dst) {
		rw_enter_read(slk);
		rw_enter_write(dlk);
	} else {
		rw_enter_write(dlk);
		rw_enter_read(slk);
	}
}

int
pgstore_copy(struct pgstore *dst, off_t *doffp, struct pgstore *src, off_t soff,
	     size_t len, size_t *donep, off_t wlim)
{
	krwlock_t slk, dlk;
	size_t n, step, pgoff, done = 0;
	off_t off = *doffp;
	char *page, *spage;
	bool new;
	int error = 0;

	KASSERT(src != dst && soff >= 0 && off >= 0);
	pair_enter(&slk, src, &dlk, dst);
	n = 0;
	if (soff < src->ps_size)
		n = MIN(len, (uint64_t)(src->ps_size - soff));
	/* Nothing to copy is no write (no EFBIG either: Linux's splice
	 * has read nothing to write). */
	if (n > 0 && (dst->ps_seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		error = EPERM;
	else if (n > 0 && off >= wlim)
		error = EFBIG;
	n = error != 0 ? 0 : MIN(n, (uint64_t)(wlim - off));
	while (n > 0) {
		pgoff = (size_t)(off & PGMASK);
		step = MIN(PGS_PAGESIZE - pgoff,
			   PGS_PAGESIZE - (size_t)(soff & PGMASK));
		step = MIN(step, n);
		if ((dst->ps_seals & F_SEAL_GROW) &&
		    off + (off_t)step > dst->ps_size) {
			error = EPERM;
			break;
		}
		error = getpage(dst, (uint64_t)off >> PGS_PAGESHIFT, &page,
				&new, false);
		if (error != 0)
			break;
		if (new &&step < PGS_PAGESIZE) {
			memset(page, 0, pgoff);
			memset(page + pgoff + step, 0,
			       PGS_PAGESIZE - pgoff - step);
		}
		spage = lookup(src, (uint64_t)soff >> PGS_PAGESHIFT);
		if (spage != NULL)
			memcpy(page + pgoff, spage + (soff & PGMASK), step);
		else
			memset(page + pgoff, 0, step);
		off += (off_t)step;
		soff += (off_t)step;
		done += step;
		n -= step;
		if (off > dst->ps_size)
			atomic_store_relaxed(&dst->ps_size, off);
	}
	rw_exit(&slk);
	rw_exit(&dlk);
	*doffp = off;
	*donep = done;
	return done > 0 ? 0 : error;
}
