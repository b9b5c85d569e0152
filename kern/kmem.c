/*
 * kmem.c: kernel memory, from the host through rumpuser_malloc.
 *
 * Blocks of a power-of-two size from KMEM_KEEP_MIN to KMEM_KEEP_MAX are
 * kept when freed, last in first out per size, up to KMEM_KEEP_BYTES in
 * all.  Kernel tables that double (directory entry tables and their name
 * indexes) are freed and rebuilt as they shrink and grow, and a block
 * this large that goes back to the host is unmapped by its allocator and
 * faults again, page by page, on its next use.
 *
 * Locking: kmem_lock is a leaf; the host is called without it.
 */
#include "kernel.h"
#include "lock.h"
#include "kasan.h"

#define NCLASS (KMEM_KEEP_MAXSHIFT - KMEM_KEEP_MINSHIFT + 1)

static kmutex_t kmem_lock;
static void *kept[NCLASS]; /* linked through their first word */
static size_t kept_bytes;

void
kmem_bootstrap(void)
{
	mutex_init(&kmem_lock);
}

/* The size class of a block worth keeping, or -1. */
static int
keep_class(size_t size)
{
	int shift;

	if (size < KMEM_KEEP_MIN || size > KMEM_KEEP_MAX ||
	    (size & (size - 1)) != 0)
		return -1;
	shift = __builtin_ctzll((unsigned long long)size);
	return shift - KMEM_KEEP_MINSHIFT;
}

static void *
kept_take(int c, size_t size)
{
	void *p;

	mutex_enter(&kmem_lock);
	if ((p = kept[c]) != NULL) {
		kept[c] = *(void **)p;
		kept_bytes -= size;
	}
	mutex_exit(&kmem_lock);
	if (p != NULL)
		UNPOISON(p, size);
	return p;
}

static void *
host_alloc(size_t size)
{
	void *p;

	if (rumpuser_malloc(size, 0, &p) == 0)
		return p;
	/* Out of host memory: what we keep is the first to go. */
	if (kmem_reclaim() == 0 || rumpuser_malloc(size, 0, &p) != 0)
		return NULL;
	return p;
}

void *
kmem_alloc(size_t size)
{
	int c = keep_class(size);
	void *p;

	if (size == 0)
		size = 1;
	if (c >= 0 && (p = kept_take(c, size)) != NULL)
		return p;
	return host_alloc(size);
}

void *
kmem_zalloc(size_t size)
{
	void *p = kmem_alloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
kmem_free(void *p, size_t size)
{
	int c = keep_class(size);

	if (p == NULL)
		return;
	if (c >= 0) {
		mutex_enter(&kmem_lock);
		if (kept_bytes + size <= KMEM_KEEP_BYTES) {
			*(void **)p = kept[c];
			kept[c] = p;
			kept_bytes += size;
			/* Not the link: the leak checker ignores pointers
			 * in poisoned memory. */
			POISON((char *)p + sizeof(void *),
			       size - sizeof(void *));
			p = NULL;
		}
		mutex_exit(&kmem_lock);
		if (p == NULL)
			return;
	}
	rumpuser_free(p, size == 0 ? 1 : size);
}

size_t
kmem_reclaim(void)
{
	void *list[NCLASS], *p, *next;
	size_t n;

	mutex_enter(&kmem_lock);
	memcpy(list, kept, sizeof(list));
	memset(kept, 0, sizeof(kept));
	n = kept_bytes;
	kept_bytes = 0;
	mutex_exit(&kmem_lock);
	for (int c = 0; c < NCLASS; c++) {
		size_t size = (size_t)1 << (c + KMEM_KEEP_MINSHIFT);

		for (p = list[c]; p != NULL; p = next) {
			next = *(void **)p;
			UNPOISON(p, size);
			rumpuser_free(p, size);
		}
	}
	return n;
}

size_t
kmem_kept(void)
{
	size_t n;

	mutex_enter(&kmem_lock);
	n = kept_bytes;
	mutex_exit(&kmem_lock);
	return n;
}
