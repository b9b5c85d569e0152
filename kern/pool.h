/*
 * pool.h: pools of fixed-size kernel objects (tmpfs nodes), in the
 * manner of NetBSD's pool(9).
 *
 * A pool carves its objects from 4 KiB pages of the page allocator
 * (pgalloc.h), one slab per page with its header at the start, so an
 * object's slab is a mask.  A freed object is reused first (last in,
 * first out: its lines are the likeliest to be in the cache), except
 * that a slab whose objects are all free starts again in address order:
 * following its free list would read every cold object in turn, while
 * addresses in order let the hardware prefetch them.  An idle slab
 * stays with its pool, as in NetBSD, where
 * idle pages go only when the pagedaemon asks: touched memory handed
 * back to the host would fault again on the next use, and a file system
 * that deletes and recreates many files would pay for every page twice.
 * The kernel's "pagedaemon" is page_alloc(): when the host refuses it a
 * chunk, it calls pool_reclaim_all() and tries again.
 *
 * Under AddressSanitizer free objects are poisoned.
 *
 * Locking: pools_lock (the list of pools) before a pool's pr_lock; each
 * pr_lock is a leaf otherwise: taken with any lock held, and no call out
 * of this file is made while holding it.
 */
#ifndef RUMP_KERN_POOL_H
#define RUMP_KERN_POOL_H

#include "kernel.h"
#include "lock.h"

struct pool_slab;

struct pool {
	kmutex_t pr_lock;
	size_t pr_size;            /* an object, rounded up to 8 bytes */
	unsigned pr_perslab;       /* objects in one slab */
	struct pool_slab *pr_part; /* slabs with used and free objects */
	struct pool_slab *pr_idle; /* slabs with no object in use */
	uint64_t pr_nslabs;        /* slabs held, idle ones included */
	uint64_t pr_nidle;
	uint64_t pr_inuse;                /* objects handed out */
	struct pool *pr_next, **pr_prevp; /* on the list of all pools */
};

/* The largest object a pool takes: a quarter page, so a slab wastes at
 * most a fifth of itself. */
#define POOL_MAXSIZE 1024

/* At boot, after pgalloc_init and before any pool_init. */
void pool_bootstrap(void);

/*
 * pool_init: an empty pool of objects of `size' bytes (1 ..
 * POOL_MAXSIZE, 8-byte aligned).  Panics on a bad size (a kernel bug).
 * Takes pools_lock.
 */
void pool_init(struct pool *pp, size_t size);

/*
 * pool_destroy: give every slab back; no object may be in use (panics
 * otherwise).  Takes pools_lock.
 */
void pool_destroy(struct pool *pp);

/* pool_get: an object with undefined contents, or NULL when the host has
 * no memory.  pool_put: give one back (NULL is ignored). */
void *pool_get(struct pool *pp);
void pool_put(struct pool *pp, void *obj);

/* pool_reclaim: give the pool's idle slabs back to the page allocator;
 * returns how many went.  pool_reclaim_all: every pool's; takes
 * pools_lock. */
uint64_t pool_reclaim(struct pool *pp);
uint64_t pool_reclaim_all(void);

struct pool_stats {
	uint64_t ps_inuse; /* objects handed out */
	uint64_t ps_slabs; /* slabs (pages) held */
	uint64_t ps_idle;  /* slabs with no object in use */
	unsigned ps_perslab;
};
void pool_stats(struct pool *pp, struct pool_stats *st);

#endif /* RUMP_KERN_POOL_H */
