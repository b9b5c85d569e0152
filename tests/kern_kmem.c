/*
 * kern_kmem.c: kernel memory, white-box: object pools (kern/pool.h) and
 * kmem's kept blocks (kern/kmem.c), including the host running out of
 * memory.  The host's refusals are staged by wrapping rumpuser_anonmmap
 * and rumpuser_malloc (the Makefile links this suite with --wrap).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rump/rump.h>
#include <rump/rumpuser.h>

#include "pgalloc.h"
#include "pool.h"

/* <signal.h> clashes with the kernel's headers (their Linux types). */
#ifndef SIGABRT
#define SIGABRT 6
#endif

/* ---- the host, made to refuse ------------------------------------------ */

static int fail_mmap;   /* refuse this many mappings */
static int fail_malloc; /* refuse this many mallocs */

int __real_rumpuser_anonmmap(void *, size_t, int, int, void **);
int __real_rumpuser_malloc(size_t, int, void **);
int __wrap_rumpuser_anonmmap(void *, size_t, int, int, void **);
int __wrap_rumpuser_malloc(size_t, int, void **);

int
__wrap_rumpuser_anonmmap(void *pref, size_t size, int alignbit, int exec,
			 void **memp)
{
	if (__atomic_load_n(&fail_mmap, __ATOMIC_RELAXED) > 0) {
		__atomic_sub_fetch(&fail_mmap, 1, __ATOMIC_RELAXED);
		return ENOMEM;
	}
	return __real_rumpuser_anonmmap(pref, size, alignbit, exec, memp);
}

int
__wrap_rumpuser_malloc(size_t len, int alignment, void **memp)
{
	if (__atomic_load_n(&fail_malloc, __ATOMIC_RELAXED) > 0) {
		__atomic_sub_fetch(&fail_malloc, 1, __ATOMIC_RELAXED);
		return ENOMEM;
	}
	return __real_rumpuser_malloc(len, alignment, memp);
}

static void
setup(void)
{
	cr_assert_eq(rump_init(), 0);
}

static struct pool_stats
pstats(struct pool *pp)
{
	struct pool_stats st;

	pool_stats(pp, &st);
	return st;
}

static uint64_t
pages_inuse(void)
{
	struct pgalloc_stats st;

	pgalloc_stats(&st);
	return st.ps_inuse;
}

/* Use up the mapped chunks' free pages, so the next page_alloc must map
 * a chunk; returns the pages taken, for give_back. */
static void **
exhaust_chunks(size_t *np)
{
	struct pgalloc_stats st;
	void **pages;
	size_t n;

	pgalloc_stats(&st);
	n = (size_t)(st.ps_chunks * (512 - 1) - st.ps_inuse);
	pages = calloc(n + 1, sizeof(void *));
	cr_assert_not_null(pages);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(pages[i] = page_alloc());
	*np = n;
	return pages;
}

static void
give_back(void **pages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		page_free(pages[i]);
	free(pages);
}

/* ---- pools ------------------------------------------------------------- */

TestSuite(kern_pool, .init = setup, .timeout = 30);

Test(kern_pool, objects_are_distinct_aligned_and_writable)
{
	enum { N = 5000, SIZE = 200 };
	static unsigned char *obj[N];
	struct pool p;

	pool_init(&p, SIZE);
	for (int i = 0; i < N; i++) {
		cr_assert_not_null(obj[i] = pool_get(&p));
		cr_assert_eq((uintptr_t)obj[i] % 8, 0);
		memset(obj[i], i & 0xff, SIZE);
	}
	cr_assert_eq(pstats(&p).ps_inuse, N);
	/* No object was handed out twice or overlaps another. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < SIZE; j += 13)
			cr_assert_eq(obj[i][j], i & 0xff, "object %d", i);
	for (int i = 0; i < N; i++)
		pool_put(&p, obj[i]);
	cr_assert_eq(pstats(&p).ps_inuse, 0);
	pool_destroy(&p);
}

Test(kern_pool, objects_of_whole_cache_lines_start_on_a_line)
{
	enum { N = 100 }; /* several slabs */
	void *obj[N];
	struct pool p;

	pool_init(&p, 192);
	for (int i = 0; i < N; i++) {
		cr_assert_not_null(obj[i] = pool_get(&p));
		cr_assert_eq((uintptr_t)obj[i] % 64, 0, "object %d", i);
	}
	cr_assert_gt(pstats(&p).ps_slabs, 1);
	for (int i = 0; i < N; i++)
		pool_put(&p, obj[i]);
	pool_destroy(&p);
}

Test(kern_pool, the_last_freed_object_comes_back_first)
{
	struct pool p;
	void *a, *b, *c, *keep;

	pool_init(&p, 64);
	keep = pool_get(&p); /* the slab stays in use throughout */
	a = pool_get(&p);
	b = pool_get(&p);
	cr_assert(keep != NULL && a != NULL && b != NULL && a != b);
	pool_put(&p, a);
	pool_put(&p, b);
	cr_assert_eq(c = pool_get(&p), b);
	cr_assert_eq(pool_get(&p), a);
	pool_put(&p, a);
	pool_put(&p, c);
	pool_put(&p, keep);
	pool_destroy(&p);
}

Test(kern_pool, an_idle_slab_hands_out_objects_in_address_order)
{
	struct pool p;
	unsigned per;
	char **obj;

	pool_init(&p, 192);
	per = pstats(&p).ps_perslab;
	obj = calloc(per, sizeof(char *));
	cr_assert_not_null(obj);
	for (unsigned i = 0; i < per; i++)
		cr_assert_not_null(obj[i] = pool_get(&p));
	/* Freed in a scrambled order, the slab goes idle ... */
	for (unsigned i = 0; i < per; i += 2)
		pool_put(&p, obj[i]);
	for (unsigned i = per; i-- > 0;)
		if (i % 2 == 1)
			pool_put(&p, obj[i]);
	cr_assert_eq(pstats(&p).ps_idle, 1);
	/* ... and comes back lowest address first, the same objects. */
	for (unsigned i = 0; i < per; i++) {
		char *o = pool_get(&p);

		cr_assert_eq(o, obj[i], "object %u", i);
		if (i > 0)
			cr_assert_eq(o - obj[i - 1], 192);
	}
	cr_assert_eq(pstats(&p).ps_slabs, 1);
	for (unsigned i = 0; i < per; i++)
		pool_put(&p, obj[i]);
	free(obj);
	pool_destroy(&p);
}

Test(kern_pool, slabs_fill_then_idle_slabs_stay_until_reclaimed)
{
	struct pool p;
	unsigned per;
	void **obj;
	uint64_t pages0 = pages_inuse();

	pool_init(&p, 224);
	per = pstats(&p).ps_perslab;
	/* A page minus a 32-byte header: 18 objects of 224 bytes. */
	cr_assert_eq(per, 18);
	obj = calloc(2 * per + 1, sizeof(void *));
	for (unsigned i = 0; i < 2 * per + 1; i++)
		cr_assert_not_null(obj[i] = pool_get(&p));
	cr_assert_eq(pstats(&p).ps_slabs, 3);
	cr_assert_eq(pstats(&p).ps_idle, 0);
	cr_assert_eq(pages_inuse(), pages0 + 3);
	for (unsigned i = 0; i < 2 * per + 1; i++)
		pool_put(&p, obj[i]);
	/* The pages stay with the pool: taking them again maps nothing. */
	cr_assert_eq(pstats(&p).ps_slabs, 3);
	cr_assert_eq(pstats(&p).ps_idle, 3);
	cr_assert_eq(pages_inuse(), pages0 + 3);
	for (unsigned i = 0; i < 2 * per + 1; i++)
		cr_assert_not_null(obj[i] = pool_get(&p));
	cr_assert_eq(pstats(&p).ps_slabs, 3);
	cr_assert_eq(pages_inuse(), pages0 + 3);
	for (unsigned i = 0; i < 2 * per + 1; i++)
		pool_put(&p, obj[i]);
	cr_assert_eq(pool_reclaim(&p), 3);
	cr_assert_eq(pstats(&p).ps_slabs, 0);
	cr_assert_eq(pages_inuse(), pages0);
	cr_assert_eq(pool_reclaim(&p), 0);
	free(obj);
	pool_destroy(&p);
}

Test(kern_pool, a_slab_in_use_is_not_reclaimed)
{
	struct pool p;
	void *a, *b;

	pool_init(&p, 512);
	a = pool_get(&p);
	b = pool_get(&p);
	pool_put(&p, a);
	cr_assert_eq(pool_reclaim(&p), 0);
	cr_assert_eq(pstats(&p).ps_slabs, 1);
	pool_put(&p, b);
	cr_assert_eq(pool_reclaim(&p), 1);
	pool_destroy(&p);
}

Test(kern_pool, smallest_and_largest_objects)
{
	struct pool small, large;
	unsigned char *s[600], *l[10];

	pool_init(&small, 1);
	pool_init(&large, POOL_MAXSIZE);
	/* The slab header takes the first cache line. */
	cr_assert_eq(pstats(&small).ps_perslab, (4096 - 64) / 8);
	cr_assert_eq(pstats(&large).ps_perslab, 3);
	for (int i = 0; i < 600; i++) {
		cr_assert_not_null(s[i] = pool_get(&small));
		memset(s[i], i & 0xff, 8);
	}
	for (int i = 0; i < 10; i++) {
		cr_assert_not_null(l[i] = pool_get(&large));
		memset(l[i], i, POOL_MAXSIZE);
	}
	for (int i = 0; i < 600; i++)
		cr_assert_eq(s[i][7], i & 0xff);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(l[i][POOL_MAXSIZE - 1], i);
		pool_put(&large, l[i]);
	}
	for (int i = 0; i < 600; i++)
		pool_put(&small, s[i]);
	pool_put(&small, NULL); /* ignored */
	cr_assert_eq(pstats(&small).ps_inuse, 0);
	pool_destroy(&small);
	pool_destroy(&large);
}

Test(kern_pool, reclaim_all_takes_every_pools_idle_slabs)
{
	struct pool a, b;

	pool_init(&a, 100);
	pool_init(&b, 300);
	pool_put(&a, pool_get(&a));
	pool_put(&b, pool_get(&b));
	cr_assert_geq(pool_reclaim_all(), 2);
	cr_assert_eq(pstats(&a).ps_slabs, 0);
	cr_assert_eq(pstats(&b).ps_slabs, 0);
	pool_destroy(&a);
	pool_destroy(&b);
}

Test(kern_pool, size_zero_panics, .signal = SIGABRT)
{
	struct pool p;

	pool_init(&p, 0);
}

Test(kern_pool, oversized_objects_panic, .signal = SIGABRT)
{
	struct pool p;

	pool_init(&p, POOL_MAXSIZE + 1);
}

Test(kern_pool, destroying_a_pool_in_use_panics, .signal = SIGABRT)
{
	struct pool p;

	pool_init(&p, 32);
	cr_assert_not_null(pool_get(&p));
	pool_destroy(&p);
}

/* The host has no memory: a pool's idle pages are taken back for the
 * page that was asked for, and with nothing to take back the pool says
 * NULL, keeping what it holds intact. */
Test(kern_pool, out_of_host_memory_reclaims_idle_slabs)
{
	struct pool idle, want;
	void **pages, **pages2, *obj;
	size_t n, n2;

	pool_init(&idle, 128);
	pool_init(&want, 128);
	pool_put(&idle, pool_get(&idle));
	cr_assert_eq(pstats(&idle).ps_idle, 1);
	(void)kmem_reclaim();
	pages = exhaust_chunks(&n);

	fail_mmap = 1000;
	cr_assert_not_null(obj = pool_get(&want), "the idle page was not used");
	cr_assert_eq(pstats(&idle).ps_slabs, 0);
	pool_put(&want, obj);
	(void)pool_reclaim_all();
	(void)kmem_reclaim();
	pages2 = exhaust_chunks(&n2); /* the page `want' gave back */

	/* Nothing left to take back: NULL, and nothing is lost. */
	cr_assert_null(pool_get(&want));
	cr_assert_eq(pstats(&want).ps_inuse, 0);
	fail_mmap = 0;
	cr_assert_not_null(obj = pool_get(&want));
	pool_put(&want, obj);
	give_back(pages2, n2);
	give_back(pages, n);
	pool_destroy(&idle);
	pool_destroy(&want);
}

/* Threads sharing one pool never get one object twice. */
struct churn_arg {
	struct pool *pp;
	unsigned tag;
};

static void *
churn(void *varg)
{
	struct churn_arg *a = varg;
	unsigned *held[100];

	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 100; i++) {
			if ((held[i] = pool_get(a->pp)) == NULL)
				return (void *)1;
			for (int w = 0; w < 12; w++)
				held[i][w] = a->tag + (unsigned)i;
		}
		for (int i = 0; i < 100; i++) {
			for (int w = 0; w < 12; w++)
				if (held[i][w] != a->tag + (unsigned)i)
					return (void *)1;
			pool_put(a->pp, held[i]);
		}
	}
	return NULL;
}

Test(kern_pool, concurrent_threads)
{
	struct pool p;
	pthread_t t[4];
	struct churn_arg arg[4];
	void *rv;

	pool_init(&p, 48);
	for (unsigned i = 0; i < 4; i++) {
		arg[i].pp = &p;
		arg[i].tag = (i + 1) << 16;
		cr_assert_eq(pthread_create(&t[i], NULL, churn, &arg[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv, "thread %d saw another's object", i);
	}
	cr_assert_eq(pstats(&p).ps_inuse, 0);
	pool_destroy(&p);
}

/* ---- kmem's kept blocks ------------------------------------------------ */

TestSuite(kern_kmem, .init = setup, .timeout = 30);

Test(kern_kmem, a_freed_power_of_two_block_is_kept_and_reused)
{
	size_t kept0 = kmem_kept();
	void *a = kmem_alloc(KMEM_KEEP_MIN), *b;

	cr_assert_not_null(a);
	memset(a, 0x5a, KMEM_KEEP_MIN);
	kmem_free(a, KMEM_KEEP_MIN);
	cr_assert_eq(kmem_kept(), kept0 + KMEM_KEEP_MIN);
	b = kmem_zalloc(KMEM_KEEP_MIN);
	cr_assert_eq(b, a);
	cr_assert_eq(kmem_kept(), kept0);
	/* zalloc zeroes a kept block like a fresh one. */
	for (size_t i = 0; i < KMEM_KEEP_MIN; i += 509)
		cr_assert_eq(((unsigned char *)b)[i], 0);
	kmem_free(b, KMEM_KEEP_MIN);
}

Test(kern_kmem, other_sizes_go_back_to_the_host)
{
	size_t kept0 = kmem_kept();
	size_t sizes[] = { 4096, KMEM_KEEP_MIN / 2, KMEM_KEEP_MIN + 8,
			   3 * KMEM_KEEP_MIN, KMEM_KEEP_MAX * 2 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kmem_alloc(sizes[i]);

		cr_assert_not_null(p, "size %zu", sizes[i]);
		kmem_free(p, sizes[i]);
		cr_assert_eq(kmem_kept(), kept0, "size %zu kept", sizes[i]);
	}
	kmem_free(NULL, KMEM_KEEP_MIN); /* ignored */
	cr_assert_eq(kmem_kept(), kept0);
}

Test(kern_kmem, what_is_kept_is_bounded)
{
	enum { N = KMEM_KEEP_BYTES / KMEM_KEEP_MAX + 2 };
	void *p[N];

	(void)kmem_reclaim();
	for (int i = 0; i < N; i++)
		cr_assert_not_null(p[i] = kmem_alloc(KMEM_KEEP_MAX));
	for (int i = 0; i < N; i++)
		kmem_free(p[i], KMEM_KEEP_MAX);
	cr_assert_eq(kmem_kept(), KMEM_KEEP_BYTES);
	cr_assert_eq(kmem_reclaim(), KMEM_KEEP_BYTES);
	cr_assert_eq(kmem_kept(), 0);
	cr_assert_eq(kmem_reclaim(), 0);
}

Test(kern_kmem, blocks_of_several_sizes_keep_apart)
{
	void *a = kmem_alloc(KMEM_KEEP_MIN), *b = kmem_alloc(2 * KMEM_KEEP_MIN);

	(void)kmem_reclaim();
	kmem_free(a, KMEM_KEEP_MIN);
	kmem_free(b, 2 * KMEM_KEEP_MIN);
	cr_assert_eq(kmem_alloc(2 * KMEM_KEEP_MIN), b);
	cr_assert_eq(kmem_alloc(KMEM_KEEP_MIN), a);
	kmem_free(a, KMEM_KEEP_MIN);
	kmem_free(b, 2 * KMEM_KEEP_MIN);
}

/* The host refuses a malloc: kmem gives back what it keeps and asks
 * again; with nothing kept, the caller sees NULL. */
Test(kern_kmem, out_of_host_memory_gives_kept_blocks_back)
{
	void *a = kmem_alloc(KMEM_KEEP_MIN), *b;

	cr_assert_not_null(a);
	kmem_free(a, KMEM_KEEP_MIN);
	cr_assert_geq(kmem_kept(), KMEM_KEEP_MIN);
	fail_malloc = 1;
	cr_assert_not_null(b = kmem_alloc(100));
	cr_assert_eq(kmem_kept(), 0);
	kmem_free(b, 100);
	fail_malloc = 1;
	cr_assert_null(kmem_alloc(100));
	cr_assert_eq(fail_malloc, 0);
	cr_assert_not_null(b = kmem_alloc(100));
	kmem_free(b, 100);
}

/* A page the host will not map comes from kmem's kept blocks going
 * back: page_alloc reclaims them too. */
Test(kern_kmem, page_alloc_reclaims_kept_blocks)
{
	void **pages, *a, *page;
	size_t n;

	(void)pool_reclaim_all();
	a = kmem_alloc(KMEM_KEEP_MIN);
	kmem_free(a, KMEM_KEEP_MIN);
	pages = exhaust_chunks(&n);
	fail_mmap = 1;
	/* The first mapping fails; after the reclaim the second is tried. */
	cr_assert_not_null(page = page_alloc());
	cr_assert_eq(kmem_kept(), 0);
	page_free(page);
	give_back(pages, n);
}

/* Many threads keep and reuse blocks at once. */
static void *
kmem_churn(void *arg)
{
	unsigned char tag = (unsigned char)(uintptr_t)arg;

	for (int i = 0; i < 200; i++) {
		size_t size = KMEM_KEEP_MIN << (i % 3);
		unsigned char *p = kmem_alloc(size);

		if (p == NULL)
			return (void *)1;
		memset(p, tag, size);
		if (p[size - 1] != tag || p[size / 2] != tag)
			return (void *)1;
		kmem_free(p, size);
	}
	return NULL;
}

Test(kern_kmem, concurrent_threads)
{
	pthread_t t[4];
	void *rv;

	for (uintptr_t i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, kmem_churn,
					    (void *)(i + 1)),
			     0);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv, "thread %d saw another's block", i);
	}
}
