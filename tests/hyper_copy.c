/*
 * hyper_copy.c: fault-safe user copies (rumpuser_ucopy, _ucopystr) and
 * the fault handler's manners towards faults that are not ours.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rump/rumpuser.h>

#define USER_END 0x0000800000000000UL

static const struct rumpuser_hyperup nohyp;
static size_t pagesz;

static void
boot(void)
{
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &nohyp), 0);
}

/* Two pages: the first read-write, the second with `prot2'. */
static char *
two_pages(int prot2)
{
	char *p = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + pagesz, pagesz, prot2), 0);
	return p;
}

static void
set_default(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	cr_assert_eq(sigaction(sig, &sa, NULL), 0);
}

TestSuite(hyper_copy, .init = boot, .timeout = 10);

Test(hyper_copy, copies)
{
	char src[100], dst[100];
	size_t i, n = 1 << 20;
	char *big = malloc(n), *big2 = malloc(n);

	memset(src, 'a', sizeof(src));
	memset(dst, 0, sizeof(dst));
	cr_assert_eq(rumpuser_ucopy(dst, src, sizeof(src)), 0);
	cr_assert_arr_eq(dst, src, sizeof(src));
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7);
	cr_assert_eq(rumpuser_ucopy(big2, big, n), 0);
	cr_assert_arr_eq(big, big2, n);
	/* Odd sizes and alignments. */
	cr_assert_eq(rumpuser_ucopy(big2 + 1, big + 3, 4093), 0);
	cr_assert_arr_eq(big2 + 1, big + 3, 4093);
	free(big);
	free(big2);
}

Test(hyper_copy, zero_length_touches_nothing)
{
	cr_assert_eq(rumpuser_ucopy(NULL, NULL, 0), 0);
	cr_assert_eq(rumpuser_ucopy((void *)16, (void *)-1L, 0), 0);
}

Test(hyper_copy, refuses_impossible_addresses)
{
	char buf[64];

	cr_assert_eq(rumpuser_ucopy(buf, NULL, 1), EFAULT);
	cr_assert_eq(rumpuser_ucopy(NULL, buf, 1), EFAULT);
	cr_assert_eq(rumpuser_ucopy(buf, (void *)4095, 1), EFAULT);
	cr_assert_eq(rumpuser_ucopy((void *)100, buf, 8), EFAULT);
	/* Kernel half and the non-canonical hole. */
	cr_assert_eq(rumpuser_ucopy(buf, (void *)0xffffffff81000000UL, 8),
		     EFAULT);
	cr_assert_eq(rumpuser_ucopy(buf, (void *)USER_END, 8), EFAULT);
	cr_assert_eq(rumpuser_ucopy((void *)0xffff800000000000UL, buf, 8),
		     EFAULT);
	/* Ranges that run off the top or wrap around. */
	cr_assert_eq(rumpuser_ucopy(buf, (void *)(USER_END - 16), 32), EFAULT);
	cr_assert_eq(rumpuser_ucopy(buf, buf + 1, SIZE_MAX), EFAULT);
	cr_assert_eq(rumpuser_ucopy(buf, (void *)(UINTPTR_MAX - 8), 64),
		     EFAULT);
}

Test(hyper_copy, from_inaccessible_page)
{
	char *p = two_pages(PROT_NONE), dst[16];

	cr_assert_eq(rumpuser_ucopy(dst, p + pagesz, sizeof(dst)), EFAULT);
	cr_assert_eq(rumpuser_ucopy(p + pagesz, dst, sizeof(dst)), EFAULT);
	munmap(p, 2 * pagesz);
}

Test(hyper_copy, from_unmapped_page)
{
	char *p = two_pages(PROT_READ | PROT_WRITE), dst[16];

	cr_assert_eq(munmap(p + pagesz, pagesz), 0);
	cr_assert_eq(rumpuser_ucopy(dst, p + pagesz, sizeof(dst)), EFAULT);
	cr_assert_eq(rumpuser_ucopy(p + pagesz, dst, sizeof(dst)), EFAULT);
	munmap(p, pagesz);
}

Test(hyper_copy, to_readonly_page)
{
	char *p = two_pages(PROT_READ), src[32];

	memset(src, 'x', sizeof(src));
	cr_assert_eq(rumpuser_ucopy(p + pagesz, src, sizeof(src)), EFAULT);
	cr_assert_eq(p[pagesz], 0);
	/* Reading from it is fine. */
	cr_assert_eq(rumpuser_ucopy(src, p + pagesz, sizeof(src)), 0);
	cr_assert_eq(src[0], 0);
	munmap(p, 2 * pagesz);
}

Test(hyper_copy, partial_across_page_boundary)
{
	char *p = two_pages(PROT_NONE), dst[200];

	memset(p + pagesz - 100, 'a', 100);
	memset(dst, 'z', sizeof(dst));
	cr_assert_eq(rumpuser_ucopy(dst, p + pagesz - 100, 200), EFAULT);
	/* Whatever was copied came from the readable part. */
	for (size_t i = 100; i < sizeof(dst); i++)
		cr_assert_eq(dst[i], 'z');
	/* Writing across into a read-only page stops there too. */
	cr_assert_eq(mprotect(p + pagesz, pagesz, PROT_READ), 0);
	cr_assert_eq(rumpuser_ucopy(p + pagesz - 100, dst, 200), EFAULT);
	for (size_t i = 0; i < 100; i++)
		cr_assert(p[pagesz - 100 + i] == 'a' ||
			  p[pagesz - 100 + i] == dst[i]);
	munmap(p, 2 * pagesz);
}

/* A file mapping past the end of its file faults with SIGBUS. */
Test(hyper_copy, sigbus_is_efault)
{
	char path[] = "/tmp/hyper_copy.XXXXXX", dst[16];
	int fd = mkstemp(path);
	char *p;

	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(ftruncate(fd, (off_t)pagesz), 0);
	p = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(rumpuser_ucopy(dst, p + pagesz, sizeof(dst)), EFAULT);
	cr_assert_eq(rumpuser_ucopy(p + pagesz, dst, sizeof(dst)), EFAULT);
	cr_assert_eq(rumpuser_ucopy(dst, p, sizeof(dst)), 0);
	munmap(p, 2 * pagesz);
	close(fd);
}

Test(hyper_copy, many_faults_then_success)
{
	char *p = two_pages(PROT_NONE), dst[8];
	int i;

	for (i = 0; i < 1000; i++)
		cr_assert_eq(rumpuser_ucopy(dst, p + pagesz, 8), EFAULT);
	memcpy(p, "abcdefg", 8);
	cr_assert_eq(rumpuser_ucopy(dst, p, 8), 0);
	cr_assert_str_eq(dst, "abcdefg");
	munmap(p, 2 * pagesz);
}

static char *shared_bad;

static void *
fault_loop(void *arg)
{
	char dst[8];
	size_t done;
	int i;

	for (i = 0; i < 200; i++) {
		if (rumpuser_ucopy(dst, shared_bad, 8) != EFAULT ||
		    rumpuser_ucopystr(dst, shared_bad, 8, &done) != EFAULT)
			return (void *)1;
	}
	return arg;
}

Test(hyper_copy, faults_in_many_threads)
{
	pthread_t t[4];
	void *rv;
	int i;

	shared_bad = two_pages(PROT_NONE) + pagesz;
	for (i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, fault_loop, NULL), 0);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &rv), 0);
		cr_assert_null(rv);
	}
}

Test(hyper_copy, str_copies)
{
	char dst[32];
	size_t done = 99;

	memset(dst, 'z', sizeof(dst));
	cr_assert_eq(rumpuser_ucopystr(dst, "hello", sizeof(dst), &done), 0);
	cr_assert_str_eq(dst, "hello");
	cr_assert_eq(done, 6);
	cr_assert_eq(dst[6], 'z'); /* nothing past the NUL */
	/* An exact fit. */
	cr_assert_eq(rumpuser_ucopystr(dst, "hello", 6, &done), 0);
	cr_assert_eq(done, 6);
	cr_assert_eq(rumpuser_ucopystr(dst, "", 1, &done), 0);
	cr_assert_eq(done, 1);
	cr_assert_eq(rumpuser_ucopystr(dst, "abc", 4, NULL), 0);
	cr_assert_str_eq(dst, "abc");
}

Test(hyper_copy, str_too_long)
{
	char dst[32];
	size_t done = 99;

	cr_assert_eq(rumpuser_ucopystr(dst, "hello", 5, &done), ENAMETOOLONG);
	cr_assert_eq(done, 5);
	cr_assert_arr_eq(dst, "hello", 5);
	cr_assert_eq(rumpuser_ucopystr(dst, "hello", 0, &done), ENAMETOOLONG);
	cr_assert_eq(done, 0);
}

Test(hyper_copy, str_bad_addresses)
{
	char dst[32];
	size_t done = 99;

	cr_assert_eq(rumpuser_ucopystr(dst, NULL, 8, &done), EFAULT);
	cr_assert_eq(done, 0);
	cr_assert_eq(rumpuser_ucopystr(NULL, "x", 8, &done), EFAULT);
	cr_assert_eq(
		rumpuser_ucopystr(dst, (void *)0xffffffff81000000UL, 8, &done),
		EFAULT);
	cr_assert_eq(rumpuser_ucopystr(dst, (void *)USER_END, 8, NULL), EFAULT);
}

Test(hyper_copy, str_runs_into_bad_page)
{
	char *p = two_pages(PROT_NONE), dst[64];
	size_t done = 0;

	memset(p + pagesz - 10, 'q', 10); /* no NUL before the hole */
	cr_assert_eq(
		rumpuser_ucopystr(dst, p + pagesz - 10, sizeof(dst), &done),
		EFAULT);
	cr_assert_eq(done, 10);
	cr_assert_arr_eq(dst, p + pagesz - 10, 10);
	/* Same string into a read-only destination page. */
	cr_assert_eq(mprotect(p + pagesz, pagesz, PROT_READ), 0);
	cr_assert_eq(rumpuser_ucopystr(p + pagesz - 4, "abcdefgh", 9, &done),
		     EFAULT);
	cr_assert_eq(done, 4);
	munmap(p, 2 * pagesz);
}

/*
 * The copy goes a word at a time where it can (ucopy_x86_64.S): against
 * a byte-by-byte model, every string length (0-24), limit (0-26) and
 * alignment, with the source's or the destination's end against a page
 * nobody may touch.  The result, *donep, the bytes copied and a canary
 * past them must all be the model's.
 */
static void
check_str_model(const char *src, size_t avail_src, char *dst, size_t avail_dst,
		size_t maxlen)
{
	size_t want = 0, done = 99;
	int want_error = 0;

	for (;;) {
		if (want == maxlen) {
			want_error = ENAMETOOLONG;
			break;
		}
		if (want == avail_src || want == avail_dst) {
			want_error = EFAULT;
			break;
		}
		if (src[want++] == '\0')
			break;
	}
	int error = rumpuser_ucopystr(dst, src, maxlen, &done);
	cr_assert_eq(error, want_error, "len %zu avail %zu/%zu max %zu",
		     strnlen(src, avail_src), avail_src, avail_dst, maxlen);
	cr_assert_eq(done, want, "len %zu avail %zu/%zu max %zu: done %zu",
		     strnlen(src, avail_src), avail_src, avail_dst, maxlen,
		     done);
	cr_assert_arr_eq(dst, src, want);
	if (want < avail_dst)
		cr_assert_eq(dst[want], '#',
			     "a byte past the copy was written");
}

Test(hyper_copy, str_words_match_bytes_at_page_edges)
{
	char *s = two_pages(PROT_NONE), *d = two_pages(PROT_NONE);
	char *edge_s = s + pagesz, *edge_d = d + pagesz;
	char buf[64], out[64];

	for (size_t len = 0; len <= 24; len++) {
		for (size_t max = 0; max <= 26; max++) {
			for (size_t off = 1; off <= 40; off++) {
				/* Source ends at the hole: off bytes left. */
				memset(edge_s - 64, 'a', 64);
				if (len < off)
					edge_s[-(long)off + (long)len] = '\0';
				memset(out, '#', sizeof(out));
				check_str_model(edge_s - off, off, out,
						sizeof(out), max);
				/* Destination ends at the hole. */
				memset(buf, 'b', sizeof(buf));
				buf[(off & 7) + len] = '\0';
				memset(edge_d - off, '#', off);
				check_str_model(buf + (off & 7),
						sizeof(buf) - 8, edge_d - off,
						off, max);
			}
		}
	}
	munmap(s, 2 * pagesz);
	munmap(d, 2 * pagesz);
}

/* The checks of str_at_top_of_user_space on a writable top page. */
static void
check_top_page(char *top)
{
	char dst[8192];
	size_t done;

	memset(top, 'x', 4096);
	cr_assert_eq(rumpuser_ucopystr(dst, top, sizeof(dst), &done), EFAULT);
	cr_assert_eq(done, 4096);
	cr_assert_eq(rumpuser_ucopystr(dst, top, 4096, &done), ENAMETOOLONG);
	cr_assert_eq(rumpuser_ucopy(dst, top, 4096), 0);
	cr_assert_eq(rumpuser_ucopy(dst, top, 4097), EFAULT);
	cr_assert_eq(rumpuser_ucopy(dst, top, 8193), EFAULT);
	top[4095] = '\0';
	cr_assert_eq(rumpuser_ucopystr(dst, top, sizeof(dst), &done), 0);
	cr_assert_eq(done, 4096);
}

/*
 * The last mappable page of user space (the very top page is a guard
 * page Linux never maps): a string that runs off it is EFAULT.  With
 * address randomisation off (the ThreadSanitizer stage) the main
 * thread's stack ends there, live, so only reads are checked: a copy
 * that reaches the guard page above it faults.
 */
Test(hyper_copy, str_at_top_of_user_space)
{
	char *want = (char *)(USER_END - 2 * 4096);
	char *top =
		mmap(want, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char dst[8192];

	if (top == want) {
		check_top_page(top);
		munmap(top, 4096);
		return;
	}
	cr_assert_eq(top, MAP_FAILED);
	cr_assert_eq(errno, EEXIST, "the top page is mapped already");
	cr_assert_eq(rumpuser_ucopy(dst, want, 4096), 0);
	cr_assert_arr_eq(dst, want, 4096);
	cr_assert_eq(rumpuser_ucopy(dst, want, 4097), EFAULT);
	cr_assert_eq(rumpuser_ucopy(dst, want + 4000, 4096), EFAULT);
}

/*
 * Faults outside the copies are none of our business: they must do
 * what they would have done without us.  The suite's init has already
 * installed our handler; these tests install their own first, in a
 * fresh process of their own (Criterion runs each test in one), and
 * call init again, which is harmless.
 */
static volatile char *
bad_pointer(void)
{
	char *p =
		mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

static void
boot_default(void)
{
	set_default(SIGSEGV);
	set_default(SIGBUS);
	boot();
}

Test(hyper_copy, real_fault_still_kills, .init = boot_default,
     .signal = SIGSEGV)
{
	volatile char *p = bad_pointer();

	*p = 1;
	cr_assert_fail("survived a fault");
}

Test(hyper_copy, sent_sigsegv_still_kills, .init = boot_default,
     .signal = SIGSEGV)
{
	raise(SIGSEGV);
	cr_assert_fail("survived SIGSEGV");
}

Test(hyper_copy, read_fault_still_kills, .init = boot_default,
     .signal = SIGSEGV)
{
	volatile char *p = bad_pointer();
	char dst[8];

	/* Our copies keep working... */
	cr_assert_eq(rumpuser_ucopy(dst, (const char *)p, 8), EFAULT);
	/* ...and a fault of our own still kills. */
	dst[0] = *p;
	cr_assert_fail("survived a fault");
}

static void
exit_siginfo(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	_exit(si->si_code > 0 ? 42 : 41);
}

static void
exit_plain(int sig)
{
	_exit(sig == SIGBUS ? 44 : 43);
}

static void
boot_siginfo_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = exit_siginfo;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	boot();
}

static void
boot_plain_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = exit_plain;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	boot();
}

Test(hyper_copy, chains_to_siginfo_handler, .init = boot_siginfo_handler,
     .exit_code = 42)
{
	volatile char *p = bad_pointer();
	char dst[8];

	cr_assert_eq(rumpuser_ucopy(dst, (const char *)p, 8), EFAULT);
	*p = 1;
}

Test(hyper_copy, chains_to_plain_handler, .init = boot_plain_handler,
     .exit_code = 43)
{
	volatile char *p = bad_pointer();

	*p = 1;
}

Test(hyper_copy, chains_sigbus, .init = boot_plain_handler, .exit_code = 44)
{
	char path[] = "/tmp/hyper_copy.XXXXXX", dst[8];
	int fd = mkstemp(path);
	volatile char *p;

	cr_assert_geq(fd, 0);
	unlink(path);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(rumpuser_ucopy(dst, (const char *)p, 8), EFAULT);
	dst[0] = *p;
}

static void
boot_ignore(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGSEGV, &sa, NULL);
	boot();
}

/* An ignored signal stays ignored when sent, but a fault still kills. */
Test(hyper_copy, ignored_sent_signal, .init = boot_ignore)
{
	cr_assert_eq(raise(SIGSEGV), 0);
}

Test(hyper_copy, ignored_but_real_fault_kills, .init = boot_ignore,
     .signal = SIGSEGV)
{
	volatile char *p = bad_pointer();

	*p = 1;
}

/* The 8- and 16-byte fast paths fault like the general one. */
Test(hyper_copy, small_fixed_sizes_fault)
{
	char buf[16] = { 0 }, src[16] = "0123456789abcde";
	void *bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(bad, MAP_FAILED);
	munmap(bad, 4096);

	cr_assert_eq(rumpuser_ucopy(buf, src, 16), 0);
	cr_assert_eq(memcmp(buf, src, 16), 0);
	cr_assert_eq(rumpuser_ucopy(buf, src + 8, 8), 0);
	cr_assert_eq(memcmp(buf, src + 8, 8), 0);
	cr_assert_eq(rumpuser_ucopy(buf, bad, 16), EFAULT);
	cr_assert_eq(rumpuser_ucopy(bad, buf, 8), EFAULT);
	cr_assert_eq(rumpuser_ucopy(buf, bad, 4), EFAULT);
}
