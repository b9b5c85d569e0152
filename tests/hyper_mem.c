/*
 * hyper_mem.c: memory from the host: malloc and anonymous mappings.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rump/rumpuser.h>

static const struct rumpuser_hyperup nohyp;

static void
boot(void)
{
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &nohyp), 0);
}

TestSuite(hyper_mem, .init = boot, .timeout = 10);

Test(hyper_mem, malloc_alignments)
{
	int aligns[] = { 0, 1, 2, 4, 8, 16, 64, 4096, 65536 };
	size_t i, want;
	void *p;

	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		p = NULL;
		cr_assert_eq(rumpuser_malloc(1000, aligns[i], &p), 0);
		cr_assert_not_null(p);
		want = aligns[i] < (int)sizeof(void *) ? sizeof(void *)
						       : (size_t)aligns[i];
		cr_assert_eq((uintptr_t)p % want, 0, "alignment %d", aligns[i]);
		memset(p, 0xa5, 1000);
		rumpuser_free(p, 1000);
	}
}

Test(hyper_mem, malloc_bad_alignment)
{
	void *p = (void *)1;

	cr_assert_eq(rumpuser_malloc(64, 3, &p), EINVAL);
	cr_assert_eq(rumpuser_malloc(64, 24, &p), EINVAL);
	cr_assert_eq(rumpuser_malloc(64, -8, &p), EINVAL);
	cr_assert_eq(p, (void *)1); /* untouched on failure */
}

/*
 * Sanitizers' allocators die on impossible sizes unless told to fail
 * like malloc; the host's allocator must answer ENOMEM under them too.
 */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
const char *
__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}

Test(hyper_mem, malloc_too_much)
{
	void *p;

	cr_assert_eq(rumpuser_malloc(SIZE_MAX - 4096, 0, &p), ENOMEM);
	cr_assert_eq(rumpuser_malloc(SIZE_MAX / 2, 64, &p), ENOMEM);
}

Test(hyper_mem, anonmmap_basic)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	unsigned char *p;

	cr_assert_eq(rumpuser_anonmmap(NULL, 3 * pg + 1, 0, 0, (void **)&p), 0);
	cr_assert_eq((uintptr_t)p % pg, 0);
	for (i = 0; i < 4 * pg; i++)
		cr_assert_eq(p[i], 0);
	memset(p, 1, 4 * pg);
	rumpuser_unmap(p, 3 * pg + 1);
}

Test(hyper_mem, anonmmap_aligned)
{
	int bits[] = { 12, 16, 21, 22 };
	size_t i;
	void *p;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		cr_assert_eq(rumpuser_anonmmap(NULL, 12345, bits[i], 0, &p), 0);
		cr_assert_eq((uintptr_t)p & (((uintptr_t)1 << bits[i]) - 1), 0,
			     "alignbit %d", bits[i]);
		memset(p, 7, 12345);
		rumpuser_unmap(p, 12345);
	}
}

Test(hyper_mem, anonmmap_exec)
{
	/* mov $42, %eax; ret */
	static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	int (*fn)(void);
	void *p;

	cr_assert_eq(rumpuser_anonmmap(NULL, 4096, 0, 1, &p), 0);
	memcpy(p, code, sizeof(code));
	fn = (int (*)(void))p;
	cr_assert_eq(fn(), 42);
	rumpuser_unmap(p, 4096);
}

Test(hyper_mem, anonmmap_bad_args)
{
	void *p;

	cr_assert_eq(rumpuser_anonmmap(NULL, 0, 0, 0, &p), EINVAL);
	cr_assert_eq(rumpuser_anonmmap(NULL, 4096, -1, 0, &p), EINVAL);
	cr_assert_eq(rumpuser_anonmmap(NULL, 4096, 64, 0, &p), EINVAL);
	cr_assert_eq(rumpuser_anonmmap(NULL, SIZE_MAX - 10, 0, 0, &p), ENOMEM);
	cr_assert_eq(rumpuser_anonmmap(NULL, SIZE_MAX / 2, 30, 0, &p), ENOMEM);
}
