/*
 * memfd.c: memfd_create(2) and the page store behind it (kern/memfd.c,
 * kern/pgstore.c), with the I/O syscalls on it (kern/sys_generic.c).
 *
 * Expected values are Linux's; where it helps, the same sequence runs on
 * a host memfd in the same test and the results are compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#define PAGE 4096
/* The kernel's O_LARGEFILE; glibc's is 0 on x86_64. */
#define KO_LARGEFILE 0100000

/* ---- helpers ------------------------------------------------------------- */

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(memfd, .init = boot);

#include "check.h"

static int
mfd(unsigned flags)
{
	int fd = rump_sys_memfd_create("test", flags);

	cr_assert_geq(fd, 0, "memfd_create: %s", strerror(errno));
	return fd;
}

static struct stat
fst(int fd)
{
	struct stat st;

	cr_assert_eq(rump_sys_fstat(fd, &st), 0, "fstat: %s", strerror(errno));
	return st;
}

/* Bytes of a simple pattern, different for each offset. */
static unsigned char
pat(long long off, int seed)
{
	return (unsigned char)((off * 131 + (off >> 12) * 7 + seed) & 0xff);
}

static void
fill(unsigned char *buf, size_t len, long long off, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + (long long)i, seed);
}

static bool
all_zero(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

/* A page of user memory that faults: mapped PROT_NONE. */
static void *
noaccess_page(void)
{
	void *p =
		mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

static int
host_memfd(unsigned flags)
{
	int fd = memfd_create("host", flags);

	cr_assert_geq(fd, 0, "host memfd_create: %s", strerror(errno));
	return fd;
}

/* ---- creation ------------------------------------------------------------ */

Test(memfd, create_attributes)
{
	int fd = mfd(0), fd2 = mfd(0);
	struct stat st = fst(fd), st2 = fst(fd2);

	cr_assert_eq(st.st_mode, S_IFREG | 0777);
	cr_assert_eq(st.st_nlink, 0, "Linux: a memfd has no links");
	cr_assert_eq(st.st_size, 0);
	cr_assert_eq(st.st_blocks, 0);
	cr_assert_eq(st.st_blksize, 4096);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, 0);
	cr_assert_neq(st.st_ino, st2.st_ino, "inode numbers are unique");
	cr_assert_eq(st.st_dev, st2.st_dev);
	cr_assert_gt(st.st_mtim.tv_sec, 1000000000, "timestamps are wall time");
	RETURNS(rump_sys_fcntl(fd, F_GETFL), O_RDWR | KO_LARGEFILE);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), 0);
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
}

Test(memfd, create_matches_host)
{
	struct stat h, r;
	int hfd = host_memfd(0);

	cr_assert_eq(fstat(hfd, &h), 0);
	r = fst(mfd(0));
	cr_assert_eq(r.st_mode, h.st_mode);
	cr_assert_eq(r.st_nlink, h.st_nlink);
	cr_assert_eq(r.st_blksize, h.st_blksize);
	RETURNS(rump_sys_fcntl(mfd(0), F_GETFL), fcntl(hfd, F_GETFL));
	close(hfd);
}

Test(memfd, lowest_descriptor)
{
	/* A fresh kernel's init has nothing open yet, or the console. */
	int a = mfd(0), b = mfd(0);

	cr_assert_eq(b, a + 1);
	RETURNS(rump_sys_close(a), 0);
	RETURNS(mfd(0), a);
}

Test(memfd, flags)
{
	int fd = mfd(MFD_CLOEXEC);

	RETURNS(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	FAILS(rump_sys_memfd_create("x", MFD_HUGETLB), EINVAL);
	FAILS(rump_sys_memfd_create("x", MFD_HUGETLB | (21U << 26)), EINVAL);
	FAILS(rump_sys_memfd_create("x", 21U << 26), EINVAL);
	FAILS(rump_sys_memfd_create("x", 0x20), EINVAL);
	FAILS(rump_sys_memfd_create("x", 0x80000000U), EINVAL);
	FAILS(rump_sys_memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL);
	/* Flags are checked before the name. */
	FAILS(rump_sys_memfd_create(NULL, 0x20), EINVAL);
	cr_assert_geq(rump_sys_memfd_create("x", MFD_EXEC), 0);
}

Test(memfd, noexec_seal)
{
	int fd = mfd(MFD_NOEXEC_SEAL);

	cr_assert_eq(fst(fd).st_mode, S_IFREG | 0666);
	/* Sealing is allowed: only F_SEAL_EXEC is set. */
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_EXEC | F_SEAL_SHRINK);
	/* Not executable, so no write seals were implied. */
	RETURNS(rump_sys_write(fd, "a", 1), 1);
}

Test(memfd, name)
{
	char name[300];

	memset(name, 'n', sizeof(name));
	name[249] = '\0';
	cr_assert_geq(rump_sys_memfd_create(name, 0), 0, "249 bytes fit");
	name[249] = 'n';
	name[250] = '\0';
	FAILS(rump_sys_memfd_create(name, 0), EINVAL);
	cr_assert_geq(rump_sys_memfd_create("", 0), 0);
	FAILS(rump_sys_memfd_create(NULL, 0), EFAULT);
	FAILS(rump_sys_memfd_create((char *)1, 0), EFAULT);
	FAILS(rump_sys_memfd_create(noaccess_page(), 0), EFAULT);
}

Test(memfd, name_at_end_of_mapping)
{
	/* A name running into an unmapped page: EFAULT, not a crash. */
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + PAGE, PAGE, PROT_NONE), 0);
	memset(p + PAGE - 10, 'x', 10);
	FAILS(rump_sys_memfd_create(p + PAGE - 10, 0), EFAULT);
	p[PAGE - 1] = '\0';
	cr_assert_geq(rump_sys_memfd_create(p + PAGE - 10, 0), 0);
}

Test(memfd, owner_is_fsuid)
{
	int fd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_setresgid(30, 31, 32), 0);
	cr_assert_eq(rump_sys_setresuid(20, 21, 22), 0);
	fd = mfd(0);
	/* The fs ids follow the effective ids. */
	cr_assert_eq(fst(fd).st_uid, 21);
	cr_assert_eq(fst(fd).st_gid, 31);
}

/* ---- read, write, lseek -------------------------------------------------- */

Test(memfd, write_read_seek)
{
	int fd = mfd(0);
	char buf[64] = { 0 };

	RETURNS(rump_sys_write(fd, "hello, world", 12), 12);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 12);
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 0);
	RETURNS(rump_sys_lseek(fd, 7, SEEK_SET), 7);
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "world", 5), 0);
	RETURNS(rump_sys_lseek(fd, -5, SEEK_END), 7);
	RETURNS(rump_sys_lseek(fd, -2, SEEK_CUR), 5);
	RETURNS(rump_sys_read(fd, buf, 2), 2);
	cr_assert_eq(memcmp(buf, ", ", 2), 0);
	RETURNS(rump_sys_lseek(fd, 100, SEEK_SET), 100);
	RETURNS(rump_sys_read(fd, buf, 10), 0);
	cr_assert_eq(fst(fd).st_size, 12);
	cr_assert_eq(fst(fd).st_blocks, 8);
}

Test(memfd, zero_length)
{
	int fd = mfd(MFD_ALLOW_SEALING);
	struct stat before;

	RETURNS(rump_sys_read(fd, NULL, 0), 0);
	RETURNS(rump_sys_write(fd, NULL, 0), 0);
	RETURNS(rump_sys_pwrite(fd, NULL, 0, LLONG_MAX), 0);
	RETURNS(rump_sys_pread(fd, NULL, 0, LLONG_MAX), 0);
	FAILS(rump_sys_read(99, NULL, 0), EBADF);
	FAILS(rump_sys_write(-1, NULL, 0), EBADF);
	before = fst(fd);
	usleep(2000);
	RETURNS(rump_sys_write(fd, "", 0), 0);
	cr_assert_eq(fst(fd).st_mtim.tv_nsec, before.st_mtim.tv_nsec,
		     "an empty write changes nothing");
	/* Even under a write seal. */
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	RETURNS(rump_sys_write(fd, "", 0), 0);
}

Test(memfd, pread_pwrite_keep_offset)
{
	int fd = mfd(0);
	char buf[8];

	RETURNS(rump_sys_write(fd, "abcdef", 6), 6);
	RETURNS(rump_sys_lseek(fd, 2, SEEK_SET), 2);
	RETURNS(rump_sys_pwrite(fd, "XY", 2, 4), 2);
	RETURNS(rump_sys_pread(fd, buf, 8, 0), 6);
	cr_assert_eq(memcmp(buf, "abcdXY", 6), 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 2);
	RETURNS(rump_sys_pread64(fd, buf, 2, 1), 2);
	RETURNS(rump_sys_pwrite64(fd, "Z", 1, 0), 1);
	RETURNS(rump_sys_pread(fd, buf, 1, 0), 1);
	cr_assert_eq(buf[0], 'Z');
	FAILS(rump_sys_pread(fd, buf, 1, -1), EINVAL);
	FAILS(rump_sys_pwrite(fd, buf, 1, -1), EINVAL);
	/* A negative offset is checked before the descriptor. */
	FAILS(rump_sys_pread(99, buf, 1, -1), EINVAL);
	FAILS(rump_sys_pread(99, buf, 1, 0), EBADF);
	FAILS(rump_sys_pwrite(99, buf, 1, 0), EBADF);
}

Test(memfd, lseek_errors)
{
	int fd = mfd(0);

	RETURNS(rump_sys_write(fd, "0123456789", 10), 10);
	FAILS(rump_sys_lseek(fd, -1, SEEK_SET), EINVAL);
	FAILS(rump_sys_lseek(fd, -11, SEEK_END), EINVAL);
	FAILS(rump_sys_lseek(fd, 0, 5), EINVAL);
	FAILS(rump_sys_lseek(fd, 0, -1), EINVAL);
	FAILS(rump_sys_lseek(99, 0, SEEK_SET), EBADF);
	FAILS(rump_sys_lseek(99, 0, 99), EBADF);
	RETURNS(rump_sys_lseek(fd, LLONG_MAX, SEEK_SET), LLONG_MAX);
	FAILS(rump_sys_lseek(fd, 1, SEEK_CUR), EINVAL);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), LLONG_MAX);
	FAILS(rump_sys_lseek(fd, LLONG_MAX, SEEK_END), EINVAL);
	RETURNS(rump_sys_lseek(fd, LLONG_MAX - 10, SEEK_END), LLONG_MAX);
	RETURNS(rump_sys_lseek(fd, LLONG_MIN + 1, SEEK_CUR), 0);
	/* A failed lseek leaves the offset alone. */
	RETURNS(rump_sys_lseek(fd, 3, SEEK_SET), 3);
	FAILS(rump_sys_lseek(fd, -4, SEEK_CUR), EINVAL);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 3);
}

Test(memfd, seek_data_hole)
{
	int fd = mfd(0), hfd = host_memfd(0);
	static const long long offs[] = { 0,     1,     4095,   4096,   49151,
					  49152, 49153, 50000,  53247,  53248,
					  60000, 99999, 100000, 200000, -1 };

	/* The same sparse layout here and on the host. */
	for (int pass = 0; pass < 2; pass++) {
		RETURNS(rump_sys_lseek(fd, 0, pass ? SEEK_HOLE : SEEK_DATA),
			-1);
		cr_assert_eq(errno, ENXIO);
	}
	RETURNS(rump_sys_ftruncate(fd, 100000), 0);
	RETURNS(ftruncate(hfd, 100000), 0);
	RETURNS(rump_sys_pwrite(fd, "data", 4, 50000), 4);
	RETURNS(pwrite(hfd, "data", 4, 50000), 4);
	RETURNS(rump_sys_pwrite(fd, "more", 4, 8191), 4);
	RETURNS(pwrite(hfd, "more", 4, 8191), 4);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (int w = SEEK_DATA; w <= SEEK_HOLE; w++) {
			errno = 0;
			off_t h = lseek(hfd, offs[i], w);
			int he = errno;
			errno = 0;
			off_t r = rump_sys_lseek(fd, offs[i], w);
			cr_assert_eq(r, h, "lseek(%lld, %s) = %lld, host %lld",
				     offs[i], w == SEEK_DATA ? "DATA" : "HOLE",
				     (long long)r, (long long)h);
			if (h < 0)
				cr_assert_eq(errno, he);
		}
	}
	close(hfd);
}

/* ---- O_APPEND ------------------------------------------------------------ */

Test(memfd, append)
{
	int fd = mfd(0);
	char buf[16] = { 0 };

	RETURNS(rump_sys_write(fd, "abc", 3), 3);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND), 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_write(fd, "de", 2), 2);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 5);
	/* Linux: pwrite appends too, and leaves the offset alone. */
	RETURNS(rump_sys_lseek(fd, 1, SEEK_SET), 1);
	RETURNS(rump_sys_pwrite(fd, "fg", 2, 0), 2);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 1);
	RETURNS(rump_sys_pread(fd, buf, sizeof(buf), 0), 7);
	cr_assert_str_eq(buf, "abcdefg");
	/* writev appends the whole vector. */
	struct iovec iov[2] = { { "hi", 2 }, { "jk", 2 } };
	RETURNS(rump_sys_writev(fd, iov, 2), 4);
	RETURNS(rump_sys_pread(fd, buf, sizeof(buf), 0), 11);
	cr_assert_str_eq(buf, "abcdefghijk");
	RETURNS(rump_sys_fcntl(fd, F_SETFL, 0), 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_write(fd, "A", 1), 1);
	RETURNS(rump_sys_pread(fd, buf, 2, 0), 2);
	cr_assert_eq(memcmp(buf, "Ab", 2), 0);
}

enum { NAPP = 4, NREC = 500, REC = 24 };
static int append_fd;

static void *
appender(void *arg)
{
	char rec[REC];

	memset(rec, 'a' + (int)(intptr_t)arg, REC);
	for (int i = 0; i < NREC; i++)
		if (rump_sys_write(append_fd, rec, REC) != REC)
			return (void *)1;
	return NULL;
}

Test(memfd, append_threads)
{
	/* Appends from many threads never overwrite each other. */
	pthread_t t[NAPP];
	struct stat st;
	char *all;
	void *rv;

	append_fd = mfd(0);
	RETURNS(rump_sys_fcntl(append_fd, F_SETFL, O_APPEND), 0);
	for (int i = 0; i < NAPP; i++)
		pthread_create(&t[i], NULL, appender, (void *)(intptr_t)i);
	for (int i = 0; i < NAPP; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
	st = fst(append_fd);
	cr_assert_eq(st.st_size, NAPP * NREC * REC);
	all = malloc((size_t)st.st_size);
	RETURNS(rump_sys_pread(append_fd, all, (size_t)st.st_size, 0),
		st.st_size);
	for (int r = 0; r < NAPP * NREC; r++)
		for (int i = 1; i < REC; i++)
			cr_assert_eq(all[r * REC + i], all[r * REC],
				     "record %d torn", r);
	free(all);
}

/* ---- truncate ------------------------------------------------------------ */

Test(memfd, truncate_down_up)
{
	int fd = mfd(0);
	unsigned char buf[3 * PAGE], out[3 * PAGE];

	fill(buf, sizeof(buf), 0, 1);
	RETURNS(rump_sys_write(fd, buf, sizeof(buf)), sizeof(buf));
	cr_assert_eq(fst(fd).st_blocks, 24);
	RETURNS(rump_sys_ftruncate(fd, PAGE + 100), 0);
	cr_assert_eq(fst(fd).st_size, PAGE + 100);
	cr_assert_eq(fst(fd).st_blocks, 16, "the third page is freed");
	/* The offset stays past the end; reading there gives nothing. */
	RETURNS(rump_sys_read(fd, out, 10), 0);
	RETURNS(rump_sys_ftruncate(fd, 3 * PAGE), 0);
	cr_assert_eq(fst(fd).st_blocks, 16, "growing makes a hole");
	RETURNS(rump_sys_pread(fd, out, sizeof(out), 0), sizeof(out));
	cr_assert_eq(memcmp(out, buf, PAGE + 100), 0, "data kept");
	cr_assert(all_zero(out + PAGE + 100, sizeof(out) - PAGE - 100),
		  "the cut-off tail reads as zeros after growing");
	RETURNS(rump_sys_ftruncate(fd, 0), 0);
	cr_assert_eq(fst(fd).st_blocks, 0);
	cr_assert_eq(fst(fd).st_size, 0);
	RETURNS(rump_sys_ftruncate(fd, 1LL << 50), 0);
	cr_assert_eq(fst(fd).st_size, 1LL << 50);
	cr_assert_eq(fst(fd).st_blocks, 0);
	RETURNS(rump_sys_pread(fd, out, 100, 1LL << 45), 100);
	cr_assert(all_zero(out, 100));
}

Test(memfd, truncate_errors)
{
	int fd = mfd(0);

	FAILS(rump_sys_ftruncate(fd, -1), EINVAL);
	/* The length is checked before the descriptor. */
	FAILS(rump_sys_ftruncate(99, -1), EINVAL);
	FAILS(rump_sys_ftruncate(99, 1), EBADF);
	FAILS(rump_sys_ftruncate(-1, 0), EBADF);
	RETURNS(rump_sys_ftruncate(fd, LLONG_MAX), 0);
	cr_assert_eq(fst(fd).st_size, LLONG_MAX);
}

Test(memfd, truncate_sparse_large)
{
	/* Pages spread over a tall tree, then cut at several points. */
	int fd = mfd(0);
	static const long long at[] = {
		0,         PAGE * 511LL,   PAGE * 512LL, PAGE * 262144LL,
		1LL << 40, (1LL << 50) + 5
	};
	char c;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		RETURNS(rump_sys_pwrite(fd, "x", 1, at[i]), 1);
	cr_assert_eq(fst(fd).st_blocks, 6 * 8);
	RETURNS(rump_sys_ftruncate(fd, (1LL << 40) + 1), 0);
	cr_assert_eq(fst(fd).st_blocks, 5 * 8);
	RETURNS(rump_sys_pread(fd, &c, 1, 1LL << 40), 1);
	cr_assert_eq(c, 'x');
	RETURNS(rump_sys_ftruncate(fd, PAGE * 512LL), 0);
	cr_assert_eq(fst(fd).st_blocks, 2 * 8);
	RETURNS(rump_sys_ftruncate(fd, 1), 0);
	cr_assert_eq(fst(fd).st_blocks, 8);
	RETURNS(rump_sys_pwrite(fd, "y", 1, 1LL << 44), 1);
	RETURNS(rump_sys_pread(fd, &c, 1, 0), 1);
	cr_assert_eq(c, 'x');
	RETURNS(rump_sys_pread(fd, &c, 1, PAGE * 511LL), 1);
	cr_assert_eq(c, 0);
}

/* ---- large offsets and EFBIG --------------------------------------------- */

Test(memfd, large_offsets)
{
	int fd = mfd(0);
	char buf[PAGE];

	RETURNS(rump_sys_pwrite(fd, "tera", 4, 1LL << 40), 4);
	cr_assert_eq(fst(fd).st_size, (1LL << 40) + 4);
	cr_assert_eq(fst(fd).st_blocks, 8, "only one page is allocated");
	RETURNS(rump_sys_pread(fd, buf, sizeof(buf), (1LL << 40) - 100), 104);
	cr_assert(all_zero((unsigned char *)buf, 100),
		  "the hole reads as zeros");
	cr_assert_eq(memcmp(buf + 100, "tera", 4), 0);
	RETURNS(rump_sys_pread(fd, buf, sizeof(buf), 12345), sizeof(buf));
	cr_assert(all_zero((unsigned char *)buf, sizeof(buf)));

	/* Up to the last byte a file can have, as Linux. */
	RETURNS(rump_sys_pwrite(fd, "0123456789", 10, LLONG_MAX - 10), 10);
	cr_assert_eq(fst(fd).st_size, LLONG_MAX);
	cr_assert_eq(fst(fd).st_blocks, 16);
	RETURNS(rump_sys_pread(fd, buf, 10, LLONG_MAX - 10), 10);
	cr_assert_eq(memcmp(buf, "0123456789", 10), 0);
	/* pos + count past LLONG_MAX: EINVAL (Linux's rw_verify_area). */
	FAILS(rump_sys_pwrite(fd, buf, 11, LLONG_MAX - 10), EINVAL);
	FAILS(rump_sys_pwrite(fd, buf, 1, LLONG_MAX), EINVAL);
	FAILS(rump_sys_pread(fd, buf, 11, LLONG_MAX - 10), EINVAL);
	RETURNS(rump_sys_lseek(fd, LLONG_MAX, SEEK_SET), LLONG_MAX);
	FAILS(rump_sys_write(fd, buf, 1), EINVAL);
	/* At the maximum size, an append has nowhere to go: EFBIG. */
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND), 0);
	FAILS(rump_sys_write(fd, buf, 1), EFBIG);
	FAILS(rump_sys_pwrite(fd, buf, 1, 0), EFBIG);
}

Test(memfd, large_offsets_match_host)
{
	int fd = mfd(0), hfd = host_memfd(0);
	char buf[16] = "abcdefghijklmno";
	struct {
		size_t len;
		long long off;
	} ops[] = { { 11, LLONG_MAX - 10 }, { 10, LLONG_MAX - 10 },
		    { 1, LLONG_MAX },       { 0, LLONG_MAX },
		    { 5, 1LL << 40 },       { 16, (1LL << 62) - 3 } };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		errno = 0;
		long h = pwrite(hfd, buf, ops[i].len, ops[i].off);
		int he = errno;
		errno = 0;
		long r = rump_sys_pwrite(fd, buf, ops[i].len, ops[i].off);
		cr_assert_eq(r, h, "pwrite(%zu at %lld) = %ld, host %ld",
			     ops[i].len, ops[i].off, r, h);
		if (h < 0)
			cr_assert_eq(errno, he);
	}
	struct stat hs, rs = fst(fd);
	fstat(hfd, &hs);
	cr_assert_eq(rs.st_size, hs.st_size);
	cr_assert_eq(rs.st_blocks, hs.st_blocks);
	close(hfd);
}

/* ---- timestamps ---------------------------------------------------------- */

static long long
ns(struct timespec ts)
{
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

Test(memfd, timestamps)
{
	int fd = mfd(0);
	struct stat a, b;
	char c;

	a = fst(fd);
	cr_assert_eq(ns(a.st_atim), ns(a.st_mtim));
	cr_assert_eq(ns(a.st_mtim), ns(a.st_ctim));
	usleep(2000);
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	b = fst(fd);
	cr_assert_gt(ns(b.st_mtim), ns(a.st_mtim), "a write changes mtime");
	cr_assert_eq(ns(b.st_ctim), ns(b.st_mtim));
	cr_assert_eq(ns(b.st_atim), ns(a.st_atim));
	usleep(2000);
	RETURNS(rump_sys_pread(fd, &c, 1, 0), 1);
	a = fst(fd);
	cr_assert_gt(ns(a.st_atim), ns(b.st_mtim),
		     "relatime: atime <= mtime moves");
	usleep(2000);
	RETURNS(rump_sys_pread(fd, &c, 1, 0), 1);
	b = fst(fd);
	cr_assert_eq(ns(b.st_atim), ns(a.st_atim),
		     "relatime: a newer atime stays");
	usleep(2000);
	/* ftruncate stamps even when the size stays the same (Linux). */
	RETURNS(rump_sys_ftruncate(fd, 1), 0);
	a = fst(fd);
	cr_assert_gt(ns(a.st_mtim), ns(b.st_mtim));
	cr_assert_eq(ns(a.st_ctim), ns(a.st_mtim));
}

/* ---- seals --------------------------------------------------------------- */

Test(memfd, seals_not_allowed)
{
	int fd = mfd(0);

	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	FAILS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	FAILS(rump_sys_fcntl(fd, F_ADD_SEALS, 0), EPERM);
}

Test(memfd, seal_grow_shrink)
{
	int fd = mfd(MFD_ALLOW_SEALING);
	char buf[5000];

	memset(buf, 'g', sizeof(buf));
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), 0);
	RETURNS(rump_sys_ftruncate(fd, 100000), 0);
	FAILS(rump_sys_fcntl(fd, F_ADD_SEALS, 0x40), EINVAL);
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	FAILS(rump_sys_pwrite(fd, buf, 20, 99990), EPERM);
	RETURNS(rump_sys_pwrite(fd, buf, 20, 99980), 20);
	/* Checked page by page, as Linux: the pages inside the file are
	 * written, the one crossing the end is not. */
	RETURNS(rump_sys_pwrite(fd, buf, 5000, 96000), 2304);
	FAILS(rump_sys_ftruncate(fd, 100001), EPERM);
	RETURNS(rump_sys_ftruncate(fd, 100000), 0);
	RETURNS(rump_sys_ftruncate(fd, 99999), 0);
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	FAILS(rump_sys_ftruncate(fd, 99998), EPERM);
	RETURNS(rump_sys_ftruncate(fd, 99999), 0);
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND), 0);
	FAILS(rump_sys_write(fd, "x", 1), EPERM);
}

Test(memfd, seal_write)
{
	int fd = mfd(MFD_ALLOW_SEALING);
	char c;

	RETURNS(rump_sys_write(fd, "abc", 3), 3);
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	FAILS(rump_sys_pwrite(fd, "x", 1, 0), EPERM);
	FAILS(rump_sys_write(fd, "x", 1), EPERM);
	struct iovec iov = { "x", 1 };
	FAILS(rump_sys_writev(fd, &iov, 1), EPERM);
	/* Linux: the size may still change. */
	RETURNS(rump_sys_ftruncate(fd, 2), 0);
	RETURNS(rump_sys_pread(fd, &c, 1, 1), 1);
	cr_assert_eq(c, 'b');
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	FAILS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), EPERM);
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_SEAL);

	int fd2 = mfd(MFD_ALLOW_SEALING);
	RETURNS(rump_sys_fcntl(fd2, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	FAILS(rump_sys_write(fd2, "x", 1), EPERM);
}

Test(memfd, seal_exec)
{
	int fd = mfd(MFD_ALLOW_SEALING), hfd = host_memfd(MFD_ALLOW_SEALING);

	/* Sealing exec of an executable file seals writes too. */
	RETURNS(rump_sys_fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC), 0);
	if (fcntl(hfd, F_ADD_SEALS, F_SEAL_EXEC) == 0)
		RETURNS(rump_sys_fcntl(fd, F_GET_SEALS),
			fcntl(hfd, F_GET_SEALS));
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS),
		F_SEAL_EXEC | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_GROW |
			F_SEAL_SHRINK);
	FAILS(rump_sys_write(fd, "x", 1), EPERM);
	close(hfd);
}

/* fchmod keeps the x bits under F_SEAL_EXEC (Linux's shmem_setattr,
 * checked against Linux 6.18); other bits change. */
Test(memfd, chmod_under_seal_exec)
{
	int fd = mfd(MFD_NOEXEC_SEAL), f2 = mfd(MFD_ALLOW_SEALING);

	cr_assert_eq(fst(fd).st_mode, S_IFREG | 0666);
	FAILS(rump_sys_fchmod(fd, 0777), EPERM);
	RETURNS(rump_sys_fchmod(fd, 04640), 0);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 04640);
	FAILS(rump_sys_fchmod(fd, 0641), EPERM);
	FAILS(rump_sys_fchmodat2(fd, "", 0644 | S_IXOTH, AT_EMPTY_PATH), EPERM);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 04640);
	RETURNS(rump_sys_fchmod(f2, 06777), 0);
	RETURNS(rump_sys_fcntl(f2, F_ADD_SEALS, F_SEAL_EXEC), 0);
	RETURNS(rump_sys_fchmod(f2, 0777), 0);
	FAILS(rump_sys_fchmod(f2, 0666), EPERM);
	cr_assert_eq(fst(f2).st_mode, S_IFREG | 0777);
	/* Without exec the seal adds no write seals. */
	RETURNS(rump_sys_fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
}

/* A write, truncate or fallocate by anyone but root drops S_ISUID, and
 * S_ISGID with group execute or outside the file's group (Linux's
 * file_remove_privs; checked against Linux 6.18). */
Test(memfd, writes_drop_set_id_bits)
{
	int fd = mfd(0);

	RETURNS(rump_sys_fchmod(fd, 06777), 0);
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	RETURNS(rump_sys_ftruncate(fd, 10), 0);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 06777, "root drops nothing");
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	RETURNS(rump_sys_write(fd, "", 0), 0);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 06777, "nothing written");
	RETURNS(rump_sys_write(fd, "x", 1), 1);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 0777);
	rump_pub_lwproc_releaselwp();
	/* In the group (gid 0), without group execute: S_ISGID stays. */
	RETURNS(rump_sys_fchmod(fd, 06767), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	RETURNS(rump_sys_ftruncate(fd, 5), 0);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 02767);
	rump_pub_lwproc_releaselwp();
	/* Outside the group: both go. */
	RETURNS(rump_sys_fchmod(fd, 06767), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setresgid(5, 5, 5), 0);
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	RETURNS(rump_sys_fallocate(fd, 0, 0, 8192), 0);
	cr_assert_eq(fst(fd).st_mode, S_IFREG | 0767);
	rump_pub_lwproc_releaselwp();
}

Test(memfd, seals_shared_by_dup)
{
	int fd = mfd(MFD_ALLOW_SEALING), fd2 = rump_sys_dup(fd);

	RETURNS(rump_sys_fcntl(fd2, F_ADD_SEALS, F_SEAL_WRITE), 0);
	FAILS(rump_sys_write(fd, "x", 1), EPERM);
}

/* ---- fallocate ----------------------------------------------------------- */

#define PUNCH (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

/* Five pages of pattern, then a hole punched from inside page 1 to
 * inside page 3: page 2 goes, pages 1 and 3 are zeroed in part.  The
 * host's memfd does the same. */
static void
punch_sequence(int fd, bool rump, struct stat *st, unsigned char *data)
{
	unsigned char buf[5 * PAGE];

	fill(buf, sizeof(buf), 0, 3);
	cr_assert_eq(rump ? rump_sys_pwrite(fd, buf, sizeof(buf), 0)
			  : pwrite(fd, buf, sizeof(buf), 0),
		     (ssize_t)sizeof(buf));
	cr_assert_eq(
		rump ? rump_sys_fallocate(fd, PUNCH, PAGE + 100, 2 * PAGE + 100)
		     : fallocate(fd, PUNCH, PAGE + 100, 2 * PAGE + 100),
		0);
	cr_assert_eq(rump ? rump_sys_fstat(fd, st) : fstat(fd, st), 0);
	cr_assert_eq(rump ? rump_sys_pread(fd, data, 5 * PAGE, 0)
			  : pread(fd, data, 5 * PAGE, 0),
		     5 * PAGE);
}

Test(memfd, punch_hole_frees_and_zeroes)
{
	int fd = mfd(0), hfd = host_memfd(0);
	unsigned char got[5 * PAGE], hgot[5 * PAGE], want[5 * PAGE];
	struct stat st, hst;

	punch_sequence(fd, true, &st, got);
	punch_sequence(hfd, false, &hst, hgot);
	cr_assert_eq(st.st_size, 5 * PAGE, "the size stays");
	cr_assert_eq(st.st_blocks, 4 * 8, "the whole page in the hole goes");
	cr_assert_eq(st.st_blocks, hst.st_blocks);
	fill(want, sizeof(want), 0, 3);
	memset(want + PAGE + 100, 0, 2 * PAGE + 100);
	cr_assert_eq(memcmp(got, want, sizeof(want)), 0);
	cr_assert_eq(memcmp(got, hgot, sizeof(got)), 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_HOLE), 2 * PAGE);
	RETURNS(rump_sys_lseek(fd, 2 * PAGE, SEEK_DATA), 3 * PAGE);
	/* A write into the hole takes a page again. */
	RETURNS(rump_sys_pwrite(fd, "w", 1, 2 * PAGE + 5), 1);
	cr_assert_eq(fst(fd).st_blocks, 5 * 8);
	RETURNS(rump_sys_pread(fd, got, PAGE, 2 * PAGE), PAGE);
	cr_assert(all_zero(got, 5) && got[5] == 'w' && all_zero(got + 6, 100));
	/* Punching all of it leaves an empty file of the same size. */
	RETURNS(rump_sys_fallocate(fd, PUNCH, 0, 5 * PAGE), 0);
	cr_assert_eq(fst(fd).st_blocks, 0);
	cr_assert_eq(fst(fd).st_size, 5 * PAGE);
	RETURNS(rump_sys_pread(fd, got, 5 * PAGE, 0), 5 * PAGE);
	cr_assert(all_zero(got, 5 * PAGE));
	close(hfd);
}

Test(memfd, punch_hole_past_end_and_inside_a_page)
{
	int fd = mfd(0);
	unsigned char buf[PAGE];

	RETURNS(rump_sys_pwrite(fd, "abcdefgh", 8, 0), 8);
	/* Pages reserved past the end are punched too; the size stays. */
	RETURNS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 6 * PAGE), 0);
	cr_assert_eq(fst(fd).st_blocks, 6 * 8);
	RETURNS(rump_sys_fallocate(fd, PUNCH, PAGE, 100 * PAGE), 0);
	cr_assert_eq(fst(fd).st_blocks, 8);
	cr_assert_eq(fst(fd).st_size, 8);
	/* Far beyond the end, or beyond anything there: nothing to do. */
	RETURNS(rump_sys_fallocate(fd, PUNCH, (off_t)1 << 40, 10), 0);
	RETURNS(rump_sys_fallocate(fd, PUNCH, LLONG_MAX - 10, 10), 0);
	cr_assert_eq(fst(fd).st_size, 8);
	/* Inside one page: only those bytes. */
	RETURNS(rump_sys_fallocate(fd, PUNCH, 2, 3), 0);
	cr_assert_eq(fst(fd).st_blocks, 8);
	RETURNS(rump_sys_pread(fd, buf, sizeof(buf), 0), 8);
	cr_assert_eq(memcmp(buf, "ab\0\0\0fgh", 8), 0);
	/* From the start of the page to inside it: the page stays. */
	RETURNS(rump_sys_fallocate(fd, PUNCH, 0, 1), 0);
	RETURNS(rump_sys_pread(fd, buf, 2, 0), 2);
	cr_assert_eq(memcmp(buf, "\0b", 2), 0);
	cr_assert_eq(fst(fd).st_blocks, 8);
	/* The tail past the end stays zero: growing shows no old data. */
	RETURNS(rump_sys_ftruncate(fd, PAGE), 0);
	RETURNS(rump_sys_pread(fd, buf, PAGE, 0), PAGE);
	cr_assert(all_zero(buf + 8, PAGE - 8));
}

/* fallocate used to be ENODEV on a memfd: the plain modes work too. */
Test(memfd, fallocate_allocates)
{
	int fd = mfd(0);

	RETURNS(rump_sys_fallocate(fd, 0, 0, 3 * PAGE), 0);
	cr_assert_eq(fst(fd).st_size, 3 * PAGE);
	cr_assert_eq(fst(fd).st_blocks, 3 * 8);
	RETURNS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 5 * PAGE), 0);
	cr_assert_eq(fst(fd).st_size, 3 * PAGE);
	cr_assert_eq(fst(fd).st_blocks, 5 * 8);
}

/* Every mode and bad argument, against the host's memfd. */
Test(memfd, fallocate_errors_match_host)
{
	static const struct {
		int mode;
		off_t off, len;
	} c[] = {
		{ PUNCH, -1, 10 },
		{ PUNCH, 0, 0 },
		{ PUNCH, 0, -5 },
		{ PUNCH, 1, LLONG_MAX },
		{ PUNCH, LLONG_MAX, 1 },
		{ PUNCH, LLONG_MAX - 1, 1 },
		{ FALLOC_FL_PUNCH_HOLE, 0, 10 },
		{ FALLOC_FL_PUNCH_HOLE, -1, 10 },
		{ FALLOC_FL_ZERO_RANGE, 0, 10 },
		{ FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 10 },
		{ FALLOC_FL_ZERO_RANGE, 1, LLONG_MAX },
		{ FALLOC_FL_COLLAPSE_RANGE, 0, PAGE },
		{ FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, PAGE },
		{ FALLOC_FL_INSERT_RANGE, 0, PAGE },
		{ FALLOC_FL_UNSHARE_RANGE, 0, PAGE },
		{ FALLOC_FL_NO_HIDE_STALE, 0, PAGE },
		{ PUNCH | FALLOC_FL_ZERO_RANGE, 0, PAGE },
		{ 0x80, 0, PAGE },
		{ 0x100, 0, PAGE },
		{ -1, 0, PAGE },
	};
	int fd = mfd(0), hfd = host_memfd(0);

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		errno = 0;
		int r = rump_sys_fallocate(fd, c[i].mode, c[i].off, c[i].len);
		int e = errno;
		errno = 0;
		int hr = fallocate(hfd, c[i].mode, c[i].off, c[i].len);
		cr_assert_eq(r, hr, "case %zu: %d vs host %d", i, r, hr);
		cr_assert_eq(e, errno, "case %zu: %s vs host %s", i,
			     strerror(e), strerror(errno));
	}
	FAILS(rump_sys_fallocate(-1, PUNCH, 0, 10), EBADF);
	FAILS(rump_sys_fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 10), EOPNOTSUPP);
	close(hfd);
}

/* Punching changes data: F_SEAL_WRITE and F_SEAL_FUTURE_WRITE forbid
 * it; reserving past the end is growing for F_SEAL_GROW (KEEP_SIZE or
 * not), while F_SEAL_WRITE lets allocation by (Linux's shmem). */
static void
seal_case(int fd, bool rump, int *res)
{
#define FA(m, o, l)                                                            \
	(rump ? rump_sys_fallocate(fd, m, o, l) : fallocate(fd, m, o, l))
#define AS(s)                                                                  \
	(rump ? rump_sys_fcntl(fd, F_ADD_SEALS, s) : fcntl(fd, F_ADD_SEALS, s))
	int n = 0;

	res[n++] = FA(0, 0, 3 * PAGE) == 0 ? 0 : errno;
	res[n++] = AS(F_SEAL_GROW | F_SEAL_SHRINK) == 0 ? 0 : errno;
	res[n++] = FA(PUNCH, 0, PAGE) == 0 ? 0 : errno;
	res[n++] = FA(0, 0, 4 * PAGE) == 0 ? 0 : errno;
	res[n++] = FA(FALLOC_FL_KEEP_SIZE, 0, 4 * PAGE) == 0 ? 0 : errno;
	res[n++] = FA(FALLOC_FL_KEEP_SIZE, 0, 3 * PAGE) == 0 ? 0 : errno;
	res[n++] = AS(F_SEAL_WRITE) == 0 ? 0 : errno;
	res[n++] = FA(PUNCH, 0, PAGE) == 0 ? 0 : errno;
	res[n++] = FA(PUNCH, 1, LLONG_MAX) == 0 ? 0 : errno; /* EFBIG first */
	res[n++] = FA(0, 0, PAGE) == 0 ? 0 : errno;
#undef FA
#undef AS
}

Test(memfd, punch_hole_seals)
{
	int fd = mfd(MFD_ALLOW_SEALING), hfd = host_memfd(MFD_ALLOW_SEALING);
	int fd2 = mfd(MFD_ALLOW_SEALING);
	int got[10], host[10];
	const int want[10] = { 0, 0, 0, EPERM, EPERM, 0, 0, EPERM, EFBIG, 0 };

	seal_case(fd, true, got);
	seal_case(hfd, false, host);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(got[i], want[i], "step %d: %s", i,
			     strerror(got[i]));
		cr_assert_eq(got[i], host[i], "step %d: host %s", i,
			     strerror(host[i]));
	}
	/* The page punched came back with the KEEP_SIZE reservation. */
	struct stat hst;
	cr_assert_eq(fstat(hfd, &hst), 0);
	cr_assert_eq(fst(fd).st_blocks, 3 * 8);
	cr_assert_eq(fst(fd).st_blocks, hst.st_blocks);
	RETURNS(rump_sys_fcntl(fd2, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	FAILS(rump_sys_fallocate(fd2, PUNCH, 0, PAGE), EPERM);
	RETURNS(rump_sys_fallocate(fd2, 0, 0, PAGE), 0);
	close(hfd);
}

Test(memfd, punch_hole_times)
{
	int fd = mfd(0);
	struct stat a, b;

	RETURNS(rump_sys_write(fd, "x", 1), 1);
	a = fst(fd);
	usleep(2000);
	/* Linux stamps them even when nothing was there to punch. */
	RETURNS(rump_sys_fallocate(fd, PUNCH, 5 * PAGE, PAGE), 0);
	b = fst(fd);
	cr_assert_gt(ns(b.st_mtim), ns(a.st_mtim));
	cr_assert_eq(ns(b.st_ctim), ns(b.st_mtim));
	usleep(2000);
	RETURNS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PAGE), 0);
	a = fst(fd);
	cr_assert_gt(ns(a.st_mtim), ns(b.st_mtim));
	/* A failed one does not. */
	usleep(2000);
	FAILS(rump_sys_fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, PAGE),
	      EOPNOTSUPP);
	b = fst(fd);
	cr_assert_eq(ns(b.st_mtim), ns(a.st_mtim));
}

/* ---- vectored I/O -------------------------------------------------------- */

Test(memfd, readv_writev)
{
	int fd = mfd(0);
	char a[3], b[5], c[4];
	struct iovec w[3] = { { "abc", 3 }, { "", 0 }, { "defghijk", 8 } };
	struct iovec r[3] = { { a, 3 }, { b, 5 }, { c, 4 } };

	RETURNS(rump_sys_writev(fd, w, 3), 11);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 11);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_readv(fd, r, 3), 11);
	cr_assert_eq(memcmp(a, "abc", 3), 0);
	cr_assert_eq(memcmp(b, "defgh", 5), 0);
	cr_assert_eq(memcmp(c, "ijk", 3), 0);
	RETURNS(rump_sys_pwritev(fd, w, 1, 100), 3);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 11);
	r[0].iov_len = 3;
	RETURNS(rump_sys_preadv(fd, r, 1, 100), 3);
	cr_assert_eq(memcmp(a, "abc", 3), 0);
	FAILS(rump_sys_preadv(fd, r, 1, -1), EINVAL);
	FAILS(rump_sys_pwritev(fd, r, 1, -1), EINVAL);
	RETURNS(rump_sys_readv(fd, NULL, 0), 0);
	RETURNS(rump_sys_writev(fd, NULL, 0), 0);
}

Test(memfd, iov_errors)
{
	int fd = mfd(0);
	char buf[10];
	struct iovec iov[2] = { { buf, 10 }, { NULL, 10 } };
	static struct iovec many[1025];

	RETURNS(rump_sys_write(fd, "0123456789abcdefghij", 20), 20);
	FAILS(rump_sys_readv(fd, NULL, -1), EINVAL);
	FAILS(rump_sys_readv(fd, NULL, 1025), EINVAL);
	FAILS(rump_sys_readv(fd, many, 1025), EINVAL);
	FAILS(rump_sys_readv(fd, NULL, 1), EFAULT);
	FAILS(rump_sys_readv(fd, (void *)1, 1), EFAULT);
	FAILS(rump_sys_readv(99, NULL, -1), EBADF);
	for (int i = 0; i < 1024; i++)
		many[i] = (struct iovec){ buf, 0 };
	many[1023].iov_len = 1;
	RETURNS(rump_sys_preadv(fd, many, 1024, 0), 1);
	/* A bad segment after a good one: a short count. */
	RETURNS(rump_sys_preadv(fd, iov, 2, 0), 10);
	RETURNS(rump_sys_pwritev(fd, iov, 2, 100), 10);
	iov[0].iov_base = NULL;
	FAILS(rump_sys_preadv(fd, iov, 2, 0), EFAULT);
	/* A length that is negative as ssize_t: EINVAL, even after a bad
	 * segment; two huge ones fail the address check: EFAULT. */
	iov[1] = (struct iovec){ buf, (size_t)SSIZE_MAX + 1 };
	FAILS(rump_sys_readv(fd, iov, 2), EINVAL);
	iov[0] = (struct iovec){ buf, SSIZE_MAX };
	iov[1] = (struct iovec){ buf, SSIZE_MAX };
	FAILS(rump_sys_readv(fd, iov, 2), EFAULT);
	FAILS(rump_sys_writev(fd, iov, 2), EFAULT);
}

Test(memfd, iov_match_host)
{
	/* Edge cases run on both kernels must agree. */
	int fd = mfd(0), hfd = host_memfd(0);
	char buf[32];
	struct iovec cases[][2] = {
		{ { buf, 10 }, { NULL, 10 } },
		{ { NULL, 0 }, { buf, 5 } },
		{ { buf, SSIZE_MAX }, { buf, SSIZE_MAX } },
		{ { buf, (size_t)SSIZE_MAX + 1 }, { buf, 1 } },
		{ { buf, 0x7ffff000 }, { buf, 10 } },
	};

	RETURNS(rump_sys_write(fd, "0123456789abcdefghij", 20), 20);
	RETURNS(write(hfd, "0123456789abcdefghij", 20), 20);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		long h = preadv(hfd, cases[i], 2, 15);
		int he = errno;
		errno = 0;
		long r = rump_sys_preadv(fd, cases[i], 2, 15);
		cr_assert_eq(r, h, "case %zu: %ld, host %ld", i, r, h);
		if (h < 0)
			cr_assert_eq(errno, he, "case %zu: errno %d, host %d",
				     i, errno, he);
	}
	close(hfd);
}

/* ---- bad user memory ----------------------------------------------------- */

Test(memfd, efault)
{
	int fd = mfd(0);
	void *bad = noaccess_page();
	struct stat st;

	RETURNS(rump_sys_write(fd, "0123456789", 10), 10);
	FAILS(rump_sys_pread(fd, NULL, 10, 0), EFAULT);
	FAILS(rump_sys_pread(fd, bad, 10, 0), EFAULT);
	FAILS(rump_sys_pwrite(fd, NULL, 10, 0), EFAULT);
	FAILS(rump_sys_pwrite(fd, bad, 10, 0), EFAULT);
	FAILS(rump_sys_pwrite(fd, (void *)1, 10, 0), EFAULT);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	FAILS(rump_sys_read(fd, bad, 10), EFAULT);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 0);
	FAILS(rump_sys_fstat(fd, NULL), EFAULT);
	FAILS(rump_sys_fstat(fd, bad), EFAULT);
	/* At end of file nothing is copied: no fault (Linux). */
	RETURNS(rump_sys_pread(fd, NULL, 10, 100), 0);
	/* Counts that leave user space: EFAULT before anything else. */
	FAILS(rump_sys_read(fd, &st, SIZE_MAX), EFAULT);
	FAILS(rump_sys_read(fd, &st, (size_t)SSIZE_MAX + 1), EFAULT);
	FAILS(rump_sys_pwrite(fd, &st, SIZE_MAX, 0), EFAULT);
	cr_assert_eq(fst(fd).st_size, 10, "failed writes change nothing");
	cr_assert_eq(fst(fd).st_blocks, 8);
}

Test(memfd, efault_partial)
{
	/* A buffer that runs into a PROT_NONE page: the bytes up to the
	 * bad page move (Linux's count), the file holds exactly those. */
	int fd = mfd(0);
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char out[2 * PAGE];

	cr_assert_neq(p, MAP_FAILED);
	fill(p, 2 * PAGE, 0, 3);
	cr_assert_eq(mprotect(p + 2 * PAGE, PAGE, PROT_NONE), 0);
	RETURNS(rump_sys_pwrite(fd, p + 100, 2 * PAGE, 50), 2 * PAGE - 100);
	cr_assert_eq(fst(fd).st_size, 50 + 2 * PAGE - 100);
	memset(out, 0xee, sizeof(out));
	RETURNS(rump_sys_pread(fd, out, sizeof(out), 0), 2 * PAGE - 50);
	cr_assert(all_zero(out, 50));
	cr_assert_eq(memcmp(out + 50, p + 100, 2 * PAGE - 100), 0);
	/* Growing exposes zeros, not what the failed copy left. */
	RETURNS(rump_sys_ftruncate(fd, 2 * PAGE + 200), 0);
	RETURNS(rump_sys_pread(fd, out, sizeof(out), 0), sizeof(out));
	cr_assert(all_zero(out + 2 * PAGE - 50, 50));

	/* Reads likewise stop at the bad page. */
	RETURNS(rump_sys_pwrite(fd, p, 2 * PAGE, 0), 2 * PAGE);
	RETURNS(rump_sys_pread(fd, p + PAGE + 10, 2 * PAGE, 0), PAGE - 10);
	/* And in a vector, the good segments before the bad one count. */
	struct iovec iov[2] = { { out, 100 }, { p + 2 * PAGE - 8, 100 } };
	RETURNS(rump_sys_preadv(fd, iov, 2, 0), 108);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_writev(fd, iov, 2), 108);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 108);
}

/* ---- a model check against the host -------------------------------------- */

Test(memfd, random_ops_match_host)
{
	/* Random writes, truncates and reads on a rump memfd and a host
	 * memfd must give the same results and contents. */
	enum { MAXOFF = 6 * PAGE * 512 + 5000, MAXLEN = 3 * PAGE };
	int fd = mfd(0), hfd = host_memfd(0);
	static unsigned char wbuf[MAXLEN], hb[MAXLEN], rb[MAXLEN];
	unsigned seed = 12345;

	for (int step = 0; step < 3000; step++) {
		unsigned op = rand_r(&seed) % 10;
		long long off = rand_r(&seed) % MAXOFF;
		size_t len = (size_t)rand_r(&seed) % MAXLEN;
		long h, r;

		if (rand_r(&seed) % 4 == 0) /* favour page boundaries */
			off &= ~(long long)(PAGE - 1);
		if (op < 5) {
			fill(wbuf, len, off, step);
			h = pwrite(hfd, wbuf, len, off);
			r = rump_sys_pwrite(fd, wbuf, len, off);
		} else if (op < 7) {
			off = off * (rand_r(&seed) % 3) / 2;
			h = ftruncate(hfd, off);
			r = rump_sys_ftruncate(fd, off);
		} else {
			h = pread(hfd, hb, len, off);
			r = rump_sys_pread(fd, rb, len, off);
			cr_assert_eq(r, h, "step %d: pread %ld vs %ld", step, r,
				     h);
			cr_assert_eq(memcmp(rb, hb, (size_t)h), 0,
				     "step %d: pread data", step);
		}
		cr_assert_eq(r, h, "step %d op %u: %ld vs host %ld", step, op,
			     r, h);
		if (step % 100 == 0) {
			struct stat hs, rs = fst(fd);
			fstat(hfd, &hs);
			cr_assert_eq(rs.st_size, hs.st_size, "step %d", step);
		}
	}
	struct stat hs, rs = fst(fd);
	fstat(hfd, &hs);
	cr_assert_eq(rs.st_size, hs.st_size);
	for (long long off = 0; off < rs.st_size; off += MAXLEN) {
		long h = pread(hfd, hb, MAXLEN, off);
		RETURNS(rump_sys_pread(fd, rb, MAXLEN, off), h);
		cr_assert_eq(memcmp(rb, hb, (size_t)h), 0, "content at %lld",
			     off);
	}
	close(hfd);
}

Test(memfd, big_io)
{
	enum { LEN = 8 << 20 };
	int fd = mfd(0);
	unsigned char *w = malloc(LEN), *r = malloc(LEN);

	fill(w, LEN, 0, 9);
	RETURNS(rump_sys_write(fd, w, LEN), LEN);
	cr_assert_eq(fst(fd).st_blocks, LEN / 512);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_read(fd, r, LEN), LEN);
	cr_assert_eq(memcmp(w, r, LEN), 0);
	/* Unaligned windows. */
	RETURNS(rump_sys_pread(fd, r, 3 * PAGE + 17, 4093), 3 * PAGE + 17);
	cr_assert_eq(memcmp(w + 4093, r, 3 * PAGE + 17), 0);
	free(w);
	free(r);
}

/* ---- threads ------------------------------------------------------------- */

enum { NTHREADS = 4, CHUNK = 3 * PAGE + 123, NCHUNK = 64 };
static int shared_fd;

static void *
pwriter(void *arg)
{
	int id = (int)(intptr_t)arg;
	unsigned char buf[CHUNK];

	for (int i = id; i < NCHUNK; i += NTHREADS) {
		long long off = (long long)i * CHUNK;
		fill(buf, CHUNK, off, 77);
		if (rump_sys_pwrite(shared_fd, buf, CHUNK, off) != CHUNK)
			return (void *)1;
	}
	return NULL;
}

static void *
preader(void *arg)
{
	unsigned char buf[CHUNK], want[CHUNK];

	(void)arg;
	for (int i = 0; i < NCHUNK; i++) {
		long long off = (long long)i * CHUNK;
		ssize_t n = rump_sys_pread(shared_fd, buf, CHUNK, off);
		if (n < 0)
			return (void *)1;
		/* Every byte is a hole's zero or the writer's value. */
		fill(want, CHUNK, off, 77);
		for (ssize_t j = 0; j < n; j++)
			if (buf[j] != 0 && buf[j] != want[j])
				return (void *)2;
	}
	return NULL;
}

Test(memfd, threads_pwrite_distinct)
{
	pthread_t w[NTHREADS], r[2];
	unsigned char buf[CHUNK], want[CHUNK];
	void *rv;

	shared_fd = mfd(0);
	for (int i = 0; i < 2; i++)
		pthread_create(&r[i], NULL, preader, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&w[i], NULL, pwriter, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(w[i], &rv);
		cr_assert_null(rv);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(r[i], &rv);
		cr_assert_null(rv);
	}
	cr_assert_eq(fst(shared_fd).st_size, (long long)NCHUNK * CHUNK);
	for (int i = 0; i < NCHUNK; i++) {
		long long off = (long long)i * CHUNK;
		RETURNS(rump_sys_pread(shared_fd, buf, CHUNK, off), CHUNK);
		fill(want, CHUNK, off, 77);
		cr_assert_eq(memcmp(buf, want, CHUNK), 0, "chunk %d", i);
	}
}

static void *
truncator(void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++)
		if (rump_sys_ftruncate(shared_fd,
				       (i * 7919) % (NCHUNK * CHUNK)) != 0)
			return (void *)1;
	return NULL;
}

static void *
rereader(void *arg)
{
	unsigned char buf[CHUNK];

	(void)arg;
	for (int i = 0; i < 300; i++) {
		off_t off = (i * 104729) % (NCHUNK * CHUNK);
		if (rump_sys_pread(shared_fd, buf, CHUNK, off) < 0)
			return (void *)1;
	}
	return NULL;
}

Test(memfd, threads_truncate_vs_io)
{
	pthread_t t[NTHREADS + 2];
	void *rv;

	shared_fd = mfd(0);
	pthread_create(&t[0], NULL, truncator, NULL);
	pthread_create(&t[1], NULL, rereader, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[2 + i], NULL, pwriter, (void *)(intptr_t)i);
	for (int i = 0; i < NTHREADS + 2; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
}

/*
 * Punching against writers and readers: writers fill whole pages with
 * the pattern, a puncher punches runs of whole pages, readers read one
 * page at a time.  The store's lock makes each page either all pattern
 * or all zeros for any reader, and at the end the pages still there
 * are exactly the pattern ones.
 */
enum { PUNCH_PAGES = 32, PUNCH_ROUNDS = 400 };
static atomic_int punch_done;

static void *
page_writer(void *arg)
{
	unsigned char buf[PAGE];
	unsigned seed = (unsigned)(intptr_t)arg;

	while (!atomic_load(&punch_done)) {
		long long off = (long long)(rand_r(&seed) % PUNCH_PAGES) * PAGE;
		fill(buf, PAGE, off, 9);
		if (rump_sys_pwrite(shared_fd, buf, PAGE, off) != PAGE)
			return (void *)1;
	}
	return NULL;
}

static void *
page_puncher(void *arg)
{
	unsigned seed = 7;

	(void)arg;
	for (int i = 0; i < PUNCH_ROUNDS; i++) {
		off_t first = rand_r(&seed) % PUNCH_PAGES;
		off_t n = 1 + rand_r(&seed) % 3;
		if (rump_sys_fallocate(shared_fd, PUNCH, first * PAGE,
				       n * PAGE) != 0)
			return (void *)1;
	}
	atomic_store(&punch_done, 1);
	return NULL;
}

/* 0: all zeros, 1: all pattern, -1: a mix (a torn page). */
static int
page_state(const unsigned char *buf, long long off)
{
	unsigned char want[PAGE];

	if (all_zero(buf, PAGE))
		return 0;
	fill(want, PAGE, off, 9);
	return memcmp(buf, want, PAGE) == 0 ? 1 : -1;
}

static void *
page_reader(void *arg)
{
	unsigned char buf[PAGE];
	unsigned seed = 11;

	(void)arg;
	while (!atomic_load(&punch_done)) {
		long long off = (long long)(rand_r(&seed) % PUNCH_PAGES) * PAGE;
		if (rump_sys_pread(shared_fd, buf, PAGE, off) != PAGE ||
		    page_state(buf, off) < 0)
			return (void *)1;
	}
	return NULL;
}

Test(memfd, threads_punch_vs_io)
{
	pthread_t t[4];
	unsigned char buf[PAGE];
	void *rv;
	long present = 0;

	shared_fd = mfd(0);
	atomic_store(&punch_done, 0);
	RETURNS(rump_sys_ftruncate(shared_fd, PUNCH_PAGES * PAGE), 0);
	pthread_create(&t[0], NULL, page_puncher, NULL);
	pthread_create(&t[1], NULL, page_writer, (void *)1);
	pthread_create(&t[2], NULL, page_writer, (void *)2);
	pthread_create(&t[3], NULL, page_reader, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv, "thread %d", i);
	}
	cr_assert_eq(fst(shared_fd).st_size, PUNCH_PAGES * PAGE);
	for (int i = 0; i < PUNCH_PAGES; i++) {
		RETURNS(rump_sys_pread(shared_fd, buf, PAGE, (off_t)i * PAGE),
			PAGE);
		int state = page_state(buf, (long long)i * PAGE);
		cr_assert_geq(state, 0, "page %d is torn", i);
		present += state;
	}
	/* A hole is a freed page: nothing is kept, nothing leaks. */
	cr_assert_eq(fst(shared_fd).st_blocks, present * 8);
	RETURNS(rump_sys_close(shared_fd), 0);
}
