/*
 * pool.c: fixed-size objects on slabs of one page each (pool.h).
 */
#include "pgalloc.h"
#include "pool.h"
#include "kasan.h"

/* At the start of its page; the objects follow. */
struct pool_slab {
	struct pool_slab *s_next, **s_prevp; /* on pr_part or pr_idle */
	void *s_free;     /* freed objects, linked through their first word */
	unsigned s_inuse; /* objects handed out */
	unsigned s_fresh; /* objects ever handed out (the rest are fresh) */
};

/* Objects start on a cache line, so one whose size is a multiple of
 * the line (a tmpfs node is three) spans no more lines than it must. */
#define POOL_LINE 64
#define SLAB_HDR                                                               \
	((sizeof(struct pool_slab) + POOL_LINE - 1) & ~(size_t)(POOL_LINE - 1))

static kmutex_t pools_lock;
static struct pool *pools; /* every initialised pool; under pools_lock */

void
pool_bootstrap(void)
{
	mutex_init(&pools_lock);
}

void
pool_init(struct pool *pp, size_t size)
{
	if (size == 0 || size > POOL_MAXSIZE)
		panic("pool_init: object size %zu", size);
	memset(pp, 0, sizeof(*pp));
	mutex_init(&pp->pr_lock);
	pp->pr_size = (size + 7) & ~(size_t)7;
	pp->pr_perslab =
		(unsigned)((PGALLOC_PAGESIZE - SLAB_HDR) / pp->pr_size);
	mutex_enter(&pools_lock);
	pp->pr_next = pools;
	if (pools != NULL)
		pools->pr_prevp = &pp->pr_next;
	pp->pr_prevp = &pools;
	pools = pp;
	mutex_exit(&pools_lock);
}

static void
slab_insert(struct pool_slab **head, struct pool_slab *s)
{
	s->s_next = *head;
	if (*head != NULL)
		(*head)->s_prevp = &s->s_next;
	s->s_prevp = head;
	*head = s;
}

static void
slab_remove(struct pool_slab *s)
{
	*s->s_prevp = s->s_next;
	if (s->s_next != NULL)
		s->s_next->s_prevp = s->s_prevp;
}

static struct pool_slab *
slab_of(void *obj)
{
	return (struct pool_slab *)((uintptr_t)obj &
				    ~(uintptr_t)(PGALLOC_PAGESIZE - 1));
}

static void *
slab_obj(struct pool *pp, struct pool_slab *s, unsigned i)
{
	return (char *)s + SLAB_HDR + (size_t)i * pp->pr_size;
}

/*
 * Start loading, for writing, the object the next pool_get will likely
 * hand out when it is one no caller has touched lately: the next fresh
 * object of `s', or the first of the next idle slab once `s' is full.
 * Its lines are then on their way while the caller fills this one; a
 * freed object (the free list) is still warm and needs no help.
 */
static void
slab_prefetch_next(struct pool *pp, struct pool_slab *s)
{
	const char *next;

	if (s->s_free != NULL)
		return;
	if (s->s_inuse < pp->pr_perslab)
		next = slab_obj(pp, s, s->s_fresh);
	else if (pp->pr_part == NULL && pp->pr_idle != NULL)
		next = slab_obj(pp, pp->pr_idle, 0);
	else
		return;
	__builtin_prefetch(slab_of((void *)next), 1);
	for (size_t off = 0; off < pp->pr_size; off += POOL_LINE)
		__builtin_prefetch(next + off, 1);
}

/* Take an object from `s', which has one free; pr_lock held. */
static void *
slab_take(struct pool *pp, struct pool_slab *s)
{
	void *obj;

	/* An idle slab starts again in address order (pool.h says why). */
	if (s->s_inuse == 0) {
		s->s_free = NULL;
		s->s_fresh = 0;
	}
	if (s->s_free != NULL) {
		obj = s->s_free;
		UNPOISON(obj, sizeof(void *));
		s->s_free = *(void **)obj;
	} else {
		obj = slab_obj(pp, s, s->s_fresh++);
	}
	if (s->s_inuse++ == 0) {
		slab_remove(s);
		pp->pr_nidle--;
		if (s->s_inuse < pp->pr_perslab)
			slab_insert(&pp->pr_part, s);
	} else if (s->s_inuse == pp->pr_perslab) {
		slab_remove(s); /* full: on no list */
	}
	pp->pr_inuse++;
	UNPOISON(obj, pp->pr_size);
	slab_prefetch_next(pp, s);
	return obj;
}

void *
pool_get(struct pool *pp)
{
	struct pool_slab *s;
	void *obj;

	mutex_enter(&pp->pr_lock);
	if ((s = pp->pr_part) != NULL || (s = pp->pr_idle) != NULL) {
		obj = slab_take(pp, s);
		mutex_exit(&pp->pr_lock);
		return obj;
	}
	mutex_exit(&pp->pr_lock);

	/* Without pr_lock: page_alloc may reclaim from every pool. */
	if ((s = page_alloc()) == NULL)
		return NULL;
	s->s_free = NULL;
	s->s_inuse = 0;
	s->s_fresh = 0;
	POISON((char *)s + SLAB_HDR, PGALLOC_PAGESIZE - SLAB_HDR);
	mutex_enter(&pp->pr_lock);
	pp->pr_nslabs++;
	pp->pr_nidle++;
	slab_insert(&pp->pr_idle, s);
	obj = slab_take(pp, s);
	mutex_exit(&pp->pr_lock);
	return obj;
}

void
pool_put(struct pool *pp, void *obj)
{
	struct pool_slab *s;
	bool was_full;

	if (obj == NULL)
		return;
	s = slab_of(obj);
	mutex_enter(&pp->pr_lock);
	KASSERT(s->s_inuse > 0 && pp->pr_inuse > 0);
	*(void **)obj = s->s_free;
	s->s_free = obj;
	POISON(obj, pp->pr_size);
	pp->pr_inuse--;
	was_full = s->s_inuse-- == pp->pr_perslab;
	if (s->s_inuse == 0) {
		if (!was_full)
			slab_remove(s);
		slab_insert(&pp->pr_idle, s);
		pp->pr_nidle++;
	} else if (was_full) {
		slab_insert(&pp->pr_part, s);
	}
	mutex_exit(&pp->pr_lock);
}

/* Hand a detached list of idle slabs back to the page allocator. */
static void
slabs_free(struct pool_slab *s)
{
	struct pool_slab *next;

	for (; s != NULL; s = next) {
		next = s->s_next;
		UNPOISON(s, PGALLOC_PAGESIZE);
		page_free(s);
	}
}

uint64_t
pool_reclaim(struct pool *pp)
{
	struct pool_slab *idle;
	uint64_t n;

	mutex_enter(&pp->pr_lock);
	idle = pp->pr_idle;
	pp->pr_idle = NULL;
	n = pp->pr_nidle;
	pp->pr_nslabs -= n;
	pp->pr_nidle = 0;
	mutex_exit(&pp->pr_lock);
	slabs_free(idle);
	return n;
}

uint64_t
pool_reclaim_all(void)
{
	uint64_t n = 0;

	mutex_enter(&pools_lock);
	for (struct pool *pp = pools; pp != NULL; pp = pp->pr_next)
		n += pool_reclaim(pp);
	mutex_exit(&pools_lock);
	return n;
}

void
pool_destroy(struct pool *pp)
{
	if (pp->pr_inuse != 0)
		panic("pool_destroy: %llu objects still in use",
		      (unsigned long long)pp->pr_inuse);
	mutex_enter(&pools_lock);
	*pp->pr_prevp = pp->pr_next;
	if (pp->pr_next != NULL)
		pp->pr_next->pr_prevp = pp->pr_prevp;
	mutex_exit(&pools_lock);
	(void)pool_reclaim(pp);
	KASSERT(pp->pr_nslabs == 0);
	mutex_destroy(&pp->pr_lock);
}

void
pool_stats(struct pool *pp, struct pool_stats *st)
{
	mutex_enter(&pp->pr_lock);
	st->ps_inuse = pp->pr_inuse;
	st->ps_slabs = pp->pr_nslabs;
	st->ps_idle = pp->pr_nidle;
	st->ps_perslab = pp->pr_perslab;
	mutex_exit(&pp->pr_lock);
}
