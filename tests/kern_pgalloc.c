/*
 * kern_pgalloc.c: the page allocator (kern/pgalloc.c), white-box.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <rump/rump.h>
#include <stdint.h>
#include <string.h>

#include "pgalloc.h"

#define CHUNKPAGES 512
#define USABLE (CHUNKPAGES - 1)

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(kern_pgalloc, .init = setup, .timeout = 30);

static struct pgalloc_stats
stats(void)
{
	struct pgalloc_stats st;

	pgalloc_stats(&st);
	return st;
}

Test(kern_pgalloc, pages_are_aligned_distinct_and_writable)
{
	enum { N = 1500 };
	static char *pages[N];
	uint64_t before = stats().ps_inuse;

	for (int i = 0; i < N; i++) {
		pages[i] = page_alloc();
		cr_assert_not_null(pages[i]);
		cr_assert_eq((uintptr_t)pages[i] % PGALLOC_PAGESIZE, 0);
		memset(pages[i], i & 0xff, PGALLOC_PAGESIZE);
	}
	cr_assert_eq(stats().ps_inuse, before + N);
	/* No page was handed out twice: every fill survived. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < PGALLOC_PAGESIZE; j += 512)
			cr_assert_eq((unsigned char)pages[i][j], i & 0xff);
	for (int i = 0; i < N; i++)
		page_free(pages[i]);
	cr_assert_eq(stats().ps_inuse, before);
}

Test(kern_pgalloc, freed_pages_are_reused)
{
	char *a = page_alloc(), *b;

	cr_assert_not_null(a);
	page_free(a);
	b = page_alloc();
	cr_assert_eq(b, a);
	page_free(b);
}

Test(kern_pgalloc, free_of_null_is_ignored)
{
	uint64_t before = stats().ps_inuse;

	page_free(NULL);
	cr_assert_eq(stats().ps_inuse, before);
}

/* Empty chunks beyond the cache go back to the host. */
Test(kern_pgalloc, empty_chunks_are_returned)
{
	enum { NCHUNK = PGALLOC_KEEP_CHUNKS + 4 };
	static char *pages[NCHUNK * USABLE];
	/* The root tmpfs's node pool holds a page or two. */
	uint64_t before = stats().ps_inuse;
	struct pgalloc_stats st;

	for (int i = 0; i < NCHUNK * USABLE; i++)
		cr_assert_not_null(pages[i] = page_alloc());
	cr_assert_geq(stats().ps_chunks, NCHUNK);
	for (int i = 0; i < NCHUNK * USABLE; i++)
		page_free(pages[i]);
	st = stats();
	cr_assert_eq(st.ps_inuse, before);
	cr_assert_leq(st.ps_empty, PGALLOC_KEEP_CHUNKS);
	/* Only chunks holding the pages from before remain in use. */
	cr_assert_leq(st.ps_chunks - st.ps_empty, before);
}

/* Threads allocating and freeing at once never share a page. */
static void *
churn(void *arg)
{
	unsigned char tag = (unsigned char)(uintptr_t)arg;
	char *held[64];

	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 64; i++) {
			if ((held[i] = page_alloc()) == NULL)
				return (void *)1;
			memset(held[i], tag, PGALLOC_PAGESIZE);
		}
		for (int i = 0; i < 64; i++) {
			if ((unsigned char)held[i][i * 61] != tag)
				return (void *)1;
			page_free(held[i]);
		}
	}
	return NULL;
}

Test(kern_pgalloc, concurrent_threads)
{
	pthread_t t[4];
	void *rv;

	for (uintptr_t i = 0; i < 4; i++)
		cr_assert_eq(
			pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv, "thread %d saw another's page", i);
	}
}
