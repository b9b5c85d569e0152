/*
 * pgalloc.c: 4 KiB data pages carved from 2 MiB host chunks (pgalloc.h).
 */
#include <rump/rumpuser.h>

#include "lock.h"
#include "pgalloc.h"
#include "pool.h"
#include "kasan.h"

#define CHUNKSIZE ((size_t)1 << PGALLOC_CHUNKSHIFT)
#define CHUNKPAGES (CHUNKSIZE / PGALLOC_PAGESIZE)
#define USABLE (CHUNKPAGES - 1) /* page 0 is the descriptor */

/* Lives in the chunk's first page. */
struct chunk {
	struct chunk *c_next, **c_prevp; /* on `partial' or `empty' */
	void *c_free;     /* freed pages, linked through their first word */
	unsigned c_inuse; /* pages handed out */
	unsigned c_fresh; /* next never-used page index (1 .. CHUNKPAGES) */
	bool c_listed;
};

static kmutex_t pgalloc_lock;
static struct chunk *partial; /* some pages in use, some free */
static struct chunk *empty;   /* no page in use */
static unsigned nempty;
static uint64_t nchunks, ninuse;

int
pgalloc_init(void)
{
	mutex_init(&pgalloc_lock);
	return 0;
}

static void
list_insert(struct chunk **head, struct chunk *c)
{
	c->c_next = *head;
	if (*head != NULL)
		(*head)->c_prevp = &c->c_next;
	c->c_prevp = head;
	*head = c;
	c->c_listed = true;
}

static void
list_remove(struct chunk *c)
{
	*c->c_prevp = c->c_next;
	if (c->c_next != NULL)
		c->c_next->c_prevp = c->c_prevp;
	c->c_listed = false;
}

static struct chunk *
chunk_of(void *page)
{
	return (struct chunk *)((uintptr_t)page & ~(uintptr_t)(CHUNKSIZE - 1));
}

/* A new chunk from the host, with no lock held. */
static struct chunk *
chunk_map(void)
{
	void *mem;
	struct chunk *c;

	if (rumpuser_anonmmap(NULL, CHUNKSIZE, PGALLOC_CHUNKSHIFT, 0, &mem) !=
	    0)
		return NULL;
	c = mem;
	c->c_free = NULL;
	c->c_inuse = 0;
	c->c_fresh = 1;
	c->c_listed = false;
	POISON((char *)mem + PGALLOC_PAGESIZE, CHUNKSIZE - PGALLOC_PAGESIZE);
	/* The leak checker scans the heap, not our mappings: pool objects
	 * here (tmpfs nodes) hold the only pointers to some heap blocks. */
	ROOT(mem, CHUNKSIZE);
	return c;
}

/* Take a page from `c', which has one free; pgalloc_lock held. */
static void *
chunk_take(struct chunk *c)
{
	void *page;

	if (c->c_free != NULL) {
		page = c->c_free;
		UNPOISON(page, sizeof(void *));
		c->c_free = *(void **)page;
	} else {
		page = (char *)c + (size_t)c->c_fresh++ * PGALLOC_PAGESIZE;
	}
	if (c->c_inuse++ == 0) {
		/* It was empty: now partial (or full, checked below). */
		list_remove(c);
		nempty--;
		list_insert(&partial, c);
	}
	if (c->c_inuse == USABLE)
		list_remove(c);
	ninuse++;
	UNPOISON(page, PGALLOC_PAGESIZE);
	return page;
}

/* A page from the chunks already mapped, or NULL. */
static void *
page_cached(void)
{
	struct chunk *c;
	void *page = NULL;

	mutex_enter(&pgalloc_lock);
	if ((c = partial != NULL ? partial : empty) != NULL)
		page = chunk_take(c);
	mutex_exit(&pgalloc_lock);
	return page;
}

void *
page_alloc(void)
{
	struct chunk *c;
	void *page;

	if ((page = page_cached()) != NULL)
		return page;
	if ((c = chunk_map()) == NULL) {
		/* The host is out of memory: take back the pools' idle
		 * pages (pool.h), give back kmem's kept blocks and look
		 * again. */
		bool got = pool_reclaim_all() != 0;

		if (kmem_reclaim() == 0 && !got)
			return NULL;
		if ((page = page_cached()) != NULL)
			return page;
		if ((c = chunk_map()) == NULL)
			return NULL;
	}
	mutex_enter(&pgalloc_lock);
	nchunks++;
	nempty++;
	list_insert(&empty, c);
	page = chunk_take(c);
	mutex_exit(&pgalloc_lock);
	return page;
}

void
page_free(void *page)
{
	struct chunk *c, *unmap = NULL;

	if (page == NULL)
		return;
	c = chunk_of(page);
	mutex_enter(&pgalloc_lock);
	*(void **)page = c->c_free;
	c->c_free = page;
	POISON((char *)page + sizeof(void *),
	       PGALLOC_PAGESIZE - sizeof(void *));
	POISON(page, sizeof(void *));
	ninuse--;
	if (c->c_inuse-- == USABLE)
		list_insert(&partial, c); /* was full */
	if (c->c_inuse == 0) {
		list_remove(c);
		if (nempty >= PGALLOC_KEEP_CHUNKS) {
			nchunks--;
			unmap = c;
		} else {
			nempty++;
			list_insert(&empty, c);
		}
	}
	mutex_exit(&pgalloc_lock);
	if (unmap != NULL) {
		/* The host may reuse the addresses: leave no poison there. */
		UNROOT(unmap, CHUNKSIZE);
		UNPOISON(unmap, CHUNKSIZE);
		rumpuser_unmap(unmap, CHUNKSIZE);
	}
}

void
pgalloc_stats(struct pgalloc_stats *st)
{
	mutex_enter(&pgalloc_lock);
	st->ps_inuse = ninuse;
	st->ps_chunks = nchunks;
	st->ps_empty = nempty;
	mutex_exit(&pgalloc_lock);
}
