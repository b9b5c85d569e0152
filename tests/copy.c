/*
 * copy.c: file data moved without user buffers and the file-data hints
 * (vfs/vfs_copy.c): copy_file_range, sendfile, splice, tee, vmsplice,
 * fadvise64, readahead, sync_file_range, syncfs.
 *
 * Expected values are Linux 6.18's, as probed on /dev/shm (tmpfs); the
 * differential test at the end runs one sequence on rumpkit's tmpfs and
 * on the host's /dev/shm and compares every result.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"

#ifndef SPLICE_F_MOVE
#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8
#endif
#define OFFMAX 0x7fffffffffffffffLL

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(copy, .init = boot);

/* A file at `path' holding n bytes of a pattern (byte i is i*7+seed). */
static int
mkfile(const char *path, size_t n, int seed)
{
	char *buf = malloc(n + 1);
	int fd = rump_sys_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(i * 7 + (size_t)seed);
	if (n > 0)
		RETURNS(rump_sys_pwrite(fd, buf, n, 0), n);
	free(buf);
	return fd;
}

/* Whether `fd' holds, at off, n bytes of the pattern from position pos. */
static bool
has_pattern(int fd, off_t off, size_t n, size_t pos, int seed)
{
	char *buf = malloc(n);
	bool ok = rump_sys_pread(fd, buf, n, off) == (ssize_t)n;

	for (size_t i = 0; ok && i < n; i++)
		ok = buf[i] == (char)((pos + i) * 7 + (size_t)seed);
	free(buf);
	return ok;
}

static off_t
fsize(int fd)
{
	struct stat st;

	cr_assert_eq(rump_sys_fstat(fd, &st), 0);
	return st.st_size;
}

static off_t
tell(int fd)
{
	return rump_sys_lseek(fd, 0, SEEK_CUR);
}

static void
mkpipe(int fds[2], int flags)
{
	cr_assert_eq(rump_sys_pipe2(fds, flags), 0);
}

/* ---- copy_file_range ---------------------------------------------------- */

Test(copy, cfr_file_offsets_move)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);

	RETURNS(rump_sys_lseek(a, 100, SEEK_SET), 100);
	RETURNS(rump_sys_copy_file_range(a, NULL, b, NULL, 500, 0), 500);
	RETURNS(tell(a), 600);
	RETURNS(tell(b), 500);
	cr_assert(has_pattern(b, 0, 500, 100, 1));
	RETURNS(fsize(b), 500);
}

Test(copy, cfr_pointer_offsets_leave_file_offsets)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t oi = 10, oo = 20;

	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, 100, 0), 100);
	cr_assert_eq(oi, 110);
	cr_assert_eq(oo, 120);
	RETURNS(tell(a), 0);
	RETURNS(tell(b), 0);
	cr_assert(has_pattern(b, 20, 100, 10, 1));
	/* The hole before it reads as zeros. */
	char z[20];
	RETURNS(rump_sys_pread(b, z, 20, 0), 20);
	for (int i = 0; i < 20; i++)
		cr_assert_eq(z[i], 0);
	/* One pointer, one file offset. */
	oi = 0;
	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, 50, 0), 50);
	cr_assert_eq(oi, 50);
	RETURNS(tell(b), 50);
}

Test(copy, cfr_at_or_past_eof_copies_nothing)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t oi = 20000;

	RETURNS(rump_sys_lseek(a, 0, SEEK_END), 10000);
	RETURNS(rump_sys_copy_file_range(a, NULL, b, NULL, 100, 0), 0);
	RETURNS(tell(a), 10000);
	RETURNS(tell(b), 0);
	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, 100, 0), 0);
	cr_assert_eq(oi, 20000);
	/* Shortened to the end of the input. */
	oi = 9990;
	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, 100, 0), 10);
	/* A zero length. */
	oi = 0;
	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, 0, 0), 0);
}

Test(copy, cfr_flags_are_einval)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);

	FAILS(rump_sys_copy_file_range(a, NULL, b, NULL, 10, 1), EINVAL);
	FAILS(rump_sys_copy_file_range(a, NULL, b, NULL, 10, 2), EINVAL);
	/* Bad descriptors come first. */
	FAILS(rump_sys_copy_file_range(99, NULL, b, NULL, 10, 1), EBADF);
}

Test(copy, cfr_directories_are_eisdir)
{
	int a = mkfile("/a", 100, 1), d = rump_sys_open("/", O_RDONLY), p[2];

	mkpipe(p, 0);
	FAILS(rump_sys_copy_file_range(d, NULL, a, NULL, 10, 0), EISDIR);
	FAILS(rump_sys_copy_file_range(a, NULL, d, NULL, 10, 0), EISDIR);
	/* Before the other type checks. */
	FAILS(rump_sys_copy_file_range(d, NULL, p[1], NULL, 10, 0), EISDIR);
	FAILS(rump_sys_copy_file_range(p[0], NULL, d, NULL, 10, 0), EISDIR);
}

Test(copy, cfr_pipes_sockets_devices_are_einval)
{
	int a = mkfile("/a", 100, 1), p[2], s[2];
	int z = rump_sys_open("/dev/zero", O_RDWR);

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	FAILS(rump_sys_copy_file_range(p[0], NULL, a, NULL, 10, 0), EINVAL);
	FAILS(rump_sys_copy_file_range(a, NULL, p[1], NULL, 10, 0), EINVAL);
	FAILS(rump_sys_copy_file_range(s[0], NULL, a, NULL, 10, 0), EINVAL);
	FAILS(rump_sys_copy_file_range(a, NULL, s[0], NULL, 10, 0), EINVAL);
	FAILS(rump_sys_copy_file_range(z, NULL, a, NULL, 10, 0), EINVAL);
	/* The type comes before the access mode. */
	int ro = rump_sys_open("/a", O_RDONLY);
	FAILS(rump_sys_copy_file_range(p[0], NULL, ro, NULL, 10, 0), EINVAL);
}

Test(copy, cfr_access_modes_are_ebadf)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);
	int ro = rump_sys_open("/b", O_RDONLY);
	int wo = rump_sys_open("/a", O_WRONLY);
	int ap = rump_sys_open("/b", O_WRONLY | O_APPEND);
	int path = rump_sys_open("/a", O_PATH);

	FAILS(rump_sys_copy_file_range(a, NULL, ro, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(wo, NULL, b, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(a, NULL, ap, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(path, NULL, b, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(a, NULL, path, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(99, NULL, b, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(a, NULL, 99, NULL, 10, 0), EBADF);
	FAILS(rump_sys_copy_file_range(-1, NULL, -1, NULL, 10, 0), EBADF);
	RETURNS(fsize(b), 0);
}

Test(copy, cfr_overlapping_ranges_of_one_file)
{
	int a = mkfile("/a", 10000, 1);
	off_t oi = 0, oo = 50;

	FAILS(rump_sys_copy_file_range(a, &oi, a, &oo, 100, 0), EINVAL);
	oo = 99;
	FAILS(rump_sys_copy_file_range(a, &oi, a, &oo, 100, 0), EINVAL);
	/* The length is first cut to the end of the file. */
	oo = 5000;
	FAILS(rump_sys_copy_file_range(a, &oi, a, &oo, 10000, 0), EINVAL);
	/* Adjacent ranges are fine, and so is a copy backwards. */
	oo = 100;
	RETURNS(rump_sys_copy_file_range(a, &oi, a, &oo, 100, 0), 100);
	cr_assert(has_pattern(a, 100, 100, 0, 1));
	oi = 9000;
	oo = 0;
	RETURNS(rump_sys_copy_file_range(a, &oi, a, &oo, 1000, 0), 1000);
	cr_assert(has_pattern(a, 0, 1000, 9000, 1));
	/* A second descriptor of the same file is the same file. */
	int a2 = rump_sys_open("/a", O_RDWR);
	oi = 0;
	oo = 10;
	FAILS(rump_sys_copy_file_range(a, &oi, a2, &oo, 100, 0), EINVAL);
}

Test(copy, cfr_offsets_that_wrap)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t oi = -1, oo = 0;

	FAILS(rump_sys_copy_file_range(a, &oi, b, NULL, 100, 0), EOVERFLOW);
	oi = 0;
	oo = -1;
	FAILS(rump_sys_copy_file_range(a, &oi, b, &oo, 100, 0), EOVERFLOW);
	/* With nothing to copy a negative offset is EINVAL instead. */
	oi = -1;
	FAILS(rump_sys_copy_file_range(a, &oi, b, NULL, 0, 0), EINVAL);
	/* A length that wraps the offset. */
	oi = 1;
	FAILS(rump_sys_copy_file_range(a, &oi, b, NULL, (size_t)-1, 0),
	      EOVERFLOW);
}

Test(copy, cfr_huge_lengths_stop_at_the_end)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t oi = 0;

	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, (size_t)-1, 0),
		10000);
	cr_assert_eq(oi, 10000);
	oi = 0;
	RETURNS(rump_sys_copy_file_range(a, &oi, b, NULL, (size_t)1 << 62, 0),
		10000);
	cr_assert(has_pattern(b, 10000, 10000, 0, 1));
}

Test(copy, cfr_largest_offsets)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t oi = 0, oo = OFFMAX - 255;

	/* Cut at the largest file size. */
	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, 1000, 0), 255);
	cr_assert_eq(oo, OFFMAX);
	oi = 0;
	FAILS(rump_sys_copy_file_range(a, &oi, b, &oo, 1, 0), EFBIG);
	/* EFBIG even when nothing is to be copied. */
	oi = 10000;
	FAILS(rump_sys_copy_file_range(a, &oi, b, &oo, 1, 0), EFBIG);
	oi = OFFMAX - 255;
	oo = 0;
	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, 1000, 0), 0);
}

Test(copy, cfr_bad_offset_pointers_are_efault)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);

	FAILS(rump_sys_copy_file_range(a, (off_t *)8, b, NULL, 10, 0), EFAULT);
	FAILS(rump_sys_copy_file_range(a, NULL, b, (off_t *)8, 10, 0), EFAULT);
	RETURNS(tell(a), 0);
	RETURNS(fsize(b), 0);
}

Test(copy, cfr_across_file_systems_is_exdev)
{
	int a = mkfile("/a", 100, 1), m = rump_sys_memfd_create("m", 0);
	int m2 = rump_sys_memfd_create("m2", 0);
	off_t oi = 0;

	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount("none", "/mnt", "tmpfs", 0, ""), 0);
	int c = mkfile("/mnt/c", 0, 0);
	FAILS(rump_sys_copy_file_range(a, NULL, c, NULL, 10, 0), EXDEV);
	FAILS(rump_sys_copy_file_range(c, NULL, a, NULL, 10, 0), EXDEV);
	FAILS(rump_sys_copy_file_range(a, NULL, m, NULL, 10, 0), EXDEV);
	FAILS(rump_sys_copy_file_range(m, &oi, a, NULL, 10, 0), EXDEV);
	/* memfds share one internal mount. */
	RETURNS(rump_sys_write(m, "hello", 5), 5);
	RETURNS(rump_sys_copy_file_range(m, &oi, m2, NULL, 10, 0), 5);
	char buf[8] = { 0 };
	RETURNS(rump_sys_pread(m2, buf, 8, 0), 5);
	cr_assert_str_eq(buf, "hello");
	/* Within the second mount, fine. */
	int d = mkfile("/mnt/d", 300, 3);
	RETURNS(rump_sys_copy_file_range(d, NULL, c, NULL, 1000, 0), 300);
	cr_assert(has_pattern(c, 0, 300, 0, 3));
}

Test(copy, cfr_full_mount_is_enospc_nothing_lost)
{
	char buf[4096];

	RETURNS(rump_sys_mkdir("/small", 0755), 0);
	RETURNS(rump_sys_mount("none", "/small", "tmpfs", 0, "size=64k"), 0);
	int keep = mkfile("/small/keep", 8192, 5);
	int a = mkfile("/small/a", 40000, 1);
	int b = mkfile("/small/b", 0, 0);
	off_t oi = 0, oo = 0;
	ssize_t n = rump_sys_copy_file_range(a, &oi, b, &oo, 40000, 0);

	cr_assert(n > 0 && n < 40000 && n % 4096 == 0, "n = %zd", n);
	cr_assert_eq(oi, n);
	cr_assert_eq(oo, n);
	FAILS(rump_sys_copy_file_range(a, &oi, b, &oo, 40000, 0), ENOSPC);
	cr_assert(has_pattern(b, 0, (size_t)n, 0, 1));
	cr_assert(has_pattern(keep, 0, 8192, 0, 5));
	cr_assert(has_pattern(a, 0, 40000, 0, 1));
	/* Freed space can be used again. */
	RETURNS(rump_sys_unlink("/small/a"), 0);
	RETURNS(rump_sys_close(a), 0);
	RETURNS(rump_sys_pread(keep, buf, 4096, 0), 4096);
	oi = 0;
	RETURNS(rump_sys_copy_file_range(keep, &oi, b, &oo, 8192, 0), 8192);
}

Test(copy, cfr_holes_are_copied_as_zeros)
{
	int a = rump_sys_open("/a", O_CREAT | O_RDWR, 0644);
	int b = mkfile("/b", 20000, 9);
	char buf[12288];
	off_t oi = 0, oo = 0;

	RETURNS(rump_sys_pwrite(a, "end", 3, 12285), 3);
	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, 12288, 0), 12288);
	RETURNS(rump_sys_pread(b, buf, sizeof(buf), 0), sizeof(buf));
	for (int i = 0; i < 12285; i++)
		cr_assert_eq(buf[i], 0, "byte %d", i);
	cr_assert_eq(memcmp(buf + 12285, "end", 3), 0);
	cr_assert(has_pattern(b, 12288, 20000 - 12288, 12288, 9));
}

/* Unaligned offsets on both sides, many pages, through the store copy. */
Test(copy, cfr_unaligned_large_copy)
{
	int a = mkfile("/a", 3 * 1024 * 1024 + 123, 4);
	int b = rump_sys_open("/b", O_CREAT | O_RDWR, 0644);
	off_t oi = 1001, oo = 77;
	size_t n = 3 * 1024 * 1024 - 1000;

	RETURNS(rump_sys_copy_file_range(a, &oi, b, &oo, n, 0), n);
	cr_assert(has_pattern(b, 77, n, 1001, 4));
	RETURNS(fsize(b), 77 + (off_t)n);
}

Test(copy, cfr_stamps_times)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);
	struct stat before, after;
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };

	RETURNS(rump_sys_futimens(b, old), 0);
	RETURNS(rump_sys_fstat(b, &before), 0);
	RETURNS(rump_sys_copy_file_range(a, NULL, b, NULL, 100, 0), 100);
	RETURNS(rump_sys_fstat(b, &after), 0);
	cr_assert_gt(after.st_mtime, before.st_mtime);
	cr_assert_gt(after.st_ctime, 1000);
}

Test(copy, cfr_drops_setuid_of_the_output)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);
	struct stat st;

	RETURNS(rump_sys_fchmod(b, 04755), 0);
	RETURNS(rump_sys_chown("/b", 1000, 1000), 0);
	RETURNS(rump_sys_chmod("/b", 04777), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	RETURNS(rump_sys_copy_file_range(a, NULL, b, NULL, 100, 0), 100);
	RETURNS(rump_sys_fstat(b, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0777);
}

Test(copy, cfr_sealed_memfd_is_eperm)
{
	int m = rump_sys_memfd_create("s", MFD_ALLOW_SEALING);
	int m2 = rump_sys_memfd_create("t", 0);
	off_t oi = 0;

	RETURNS(rump_sys_write(m2, "data", 4), 4);
	RETURNS(rump_sys_fcntl(m, F_ADD_SEALS, F_SEAL_WRITE), 0);
	FAILS(rump_sys_copy_file_range(m2, &oi, m, NULL, 4, 0), EPERM);
}

/* ---- sendfile ----------------------------------------------------------- */

Test(copy, sendfile_file_offset_moves)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);

	RETURNS(rump_sys_sendfile(b, a, NULL, 100), 100);
	RETURNS(tell(a), 100);
	RETURNS(tell(b), 100);
	RETURNS(rump_sys_sendfile(b, a, NULL, 100000), 9900);
	RETURNS(tell(a), 10000);
	cr_assert(has_pattern(b, 0, 10000, 0, 1));
	RETURNS(rump_sys_sendfile(b, a, NULL, 100), 0);
}

Test(copy, sendfile_offset_pointer)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0);
	off_t o = 5;

	RETURNS(rump_sys_sendfile(b, a, &o, 100), 100);
	cr_assert_eq(o, 105);
	RETURNS(tell(a), 0);
	RETURNS(tell(b), 100);
	o = 20000;
	RETURNS(rump_sys_sendfile(b, a, &o, 100), 0);
	cr_assert_eq(o, 20000);
	o = -1;
	FAILS(rump_sys_sendfile(b, a, &o, 100), EINVAL);
	FAILS(rump_sys_sendfile(b, a, (off_t *)8, 100), EFAULT);
	o = 0;
	FAILS(rump_sys_sendfile(b, a, &o, (size_t)-1), EINVAL);
	o = OFFMAX - 255;
	FAILS(rump_sys_sendfile(b, a, &o, 1000), EINVAL);
	RETURNS(rump_sys_sendfile(b, a, NULL, 0), 0);
}

Test(copy, sendfile_inputs_that_cannot_be_read_at_an_offset)
{
	int a = mkfile("/a", 100, 1), p[2], s[2];
	int d = rump_sys_open("/", O_RDONLY);
	off_t o = 0;

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	FAILS(rump_sys_sendfile(a, p[0], NULL, 10), EINVAL);
	FAILS(rump_sys_sendfile(a, p[0], &o, 10), ESPIPE);
	FAILS(rump_sys_sendfile(a, s[0], NULL, 10), EINVAL);
	FAILS(rump_sys_sendfile(a, d, NULL, 10), EINVAL);
	/* From a socket into a pipe, fine. */
	int q[2];
	mkpipe(q, 0);
	RETURNS(rump_sys_write(s[1], "abc", 3), 3);
	RETURNS(rump_sys_sendfile(q[1], s[0], NULL, 100), 3);
	FAILS(rump_sys_sendfile(q[1], p[0], NULL, 100), EINVAL);
	/* A device that seeks: /dev/zero. */
	int z = rump_sys_open("/dev/zero", O_RDONLY);
	RETURNS(rump_sys_sendfile(a, z, NULL, 10), 10);
}

Test(copy, sendfile_outputs)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);
	int ro = rump_sys_open("/b", O_RDONLY);
	int ap = rump_sys_open("/b", O_WRONLY | O_APPEND);
	int path = rump_sys_open("/b", O_PATH);
	int d = rump_sys_open("/", O_RDONLY), p[2];

	mkpipe(p, 0);
	FAILS(rump_sys_sendfile(ro, a, NULL, 10), EBADF);
	FAILS(rump_sys_sendfile(d, a, NULL, 10), EBADF);
	FAILS(rump_sys_sendfile(ap, a, NULL, 10), EINVAL);
	FAILS(rump_sys_sendfile(path, a, NULL, 10), EBADF);
	FAILS(rump_sys_sendfile(p[0], a, NULL, 10), EBADF);
	FAILS(rump_sys_sendfile(99, a, NULL, 10), EBADF);
	FAILS(rump_sys_sendfile(b, 99, NULL, 10), EBADF);
	int wo = rump_sys_open("/a", O_WRONLY);
	FAILS(rump_sys_sendfile(b, wo, NULL, 10), EBADF);
	/* Pipes and sockets take it. */
	int s[2];
	char buf[200];
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_sendfile(p[1], a, NULL, 60), 60);
	RETURNS(rump_sys_sendfile(s[0], a, NULL, 100), 40);
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 60);
	RETURNS(rump_sys_read(s[1], buf + 60, sizeof(buf)), 40);
	RETURNS(rump_sys_pread(a, buf + 100, 100, 0), 100);
	cr_assert_eq(memcmp(buf, buf + 100, 100), 0);
}

Test(copy, sendfile_nonblocking_pipe)
{
	int a = mkfile("/a", 70000, 2), p[2];

	mkpipe(p, O_NONBLOCK);
	RETURNS(rump_sys_sendfile(p[1], a, NULL, 100000), 65536);
	RETURNS(tell(a), 65536);
	FAILS(rump_sys_sendfile(p[1], a, NULL, 100000), EAGAIN);
	RETURNS(tell(a), 65536);
}

Test(copy, sendfile_nonblocking_socket_short_count)
{
	int a = mkfile("/a", 70000, 2), s[2];
	long total = 0, r;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	cr_assert_eq(rump_sys_fcntl(s[0], F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 1000; i++) {
		r = rump_sys_sendfile(s[0], a, NULL, 70000);
		if (r < 0)
			break;
		total += r;
		if (r == 0)
			RETURNS(rump_sys_lseek(a, 0, SEEK_SET), 0);
	}
	cr_assert_eq(r, -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_gt(total, 0);
	/* The offset counts what went out, no more. */
	cr_assert_eq(tell(a), total % 70000);
}

/* sendfile crosses file systems: a memfd into tmpfs and back, through
 * the page stores, holes included. */
Test(copy, sendfile_between_memfd_and_tmpfs)
{
	int m = rump_sys_memfd_create("m", 0), t = mkfile("/t", 0, 0);
	int m2 = rump_sys_memfd_create("m2", 0);
	char *buf = malloc(300000), *back = malloc(300000);
	off_t o = 5;

	for (int i = 0; i < 300000; i++)
		buf[i] = (char)(i * 7 + 3);
	memset(buf + 100000, 0, 50000);
	RETURNS(rump_sys_pwrite(m, buf, 100000, 0), 100000);
	RETURNS(rump_sys_pwrite(m, buf + 150000, 150000, 150000), 150000);
	RETURNS(rump_sys_sendfile(t, m, &o, 400000), 300000 - 5);
	cr_assert_eq(o, 300000);
	RETURNS(rump_sys_pread(t, back, 300000, 0), 300000 - 5);
	cr_assert_eq(memcmp(back, buf + 5, 300000 - 5), 0);
	o = 0;
	RETURNS(rump_sys_lseek(m2, 3, SEEK_SET), 3);
	RETURNS(rump_sys_sendfile(m2, t, &o, 400000), 300000 - 5);
	RETURNS(rump_sys_pread(m2, back, 300000, 3), 300000 - 5);
	cr_assert_eq(memcmp(back, buf + 5, 300000 - 5), 0);
	RETURNS(tell(m2), 300000 - 2);
	free(buf);
	free(back);
}

/* Nothing to send still looks at the pipe: EPIPE without a reader,
 * EAGAIN when full and nonblocking. */
Test(copy, sendfile_of_nothing_into_a_pipe)
{
	static char big[65536];
	int a = mkfile("/a", 3, 1), p[2], q[2];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	mkpipe(p, 0);
	mkpipe(q, O_NONBLOCK);
	RETURNS(rump_sys_sendfile(p[1], a, NULL, 0), 0);
	RETURNS(rump_sys_close(p[0]), 0);
	FAILS(rump_sys_sendfile(p[1], a, NULL, 0), EPIPE);
	RETURNS(rump_sys_write(q[1], big, sizeof(big)), sizeof(big));
	FAILS(rump_sys_sendfile(q[1], a, NULL, 0), EAGAIN);
	FAILS(rump_sys_sendfile(q[1], a, NULL, (size_t)-1), EINVAL);
}

/* One call moves at most 0x7ffff000 bytes (Linux's MAX_RW_COUNT). */
Test(copy, sendfile_count_is_capped)
{
	int a = rump_sys_open("/sparse", O_CREAT | O_RDWR, 0644);
	int n = rump_sys_open("/dev/null", O_WRONLY);
	off_t o = 0;

	RETURNS(rump_sys_ftruncate(a, 3L << 30), 0);
	RETURNS(rump_sys_sendfile(n, a, &o, 3UL << 30), 0x7ffff000);
	cr_assert_eq(o, 0x7ffff000);
}

Test(copy, sendfile_bad_offset_pointer_is_written_back)
{
	int a = mkfile("/a", 100, 1);

	/* An EFAULT before anything else. */
	FAILS(rump_sys_sendfile(99, 98, (off_t *)8, 10), EFAULT);
	(void)a;
}

/* ---- host files ---------------------------------------------------------- */

static char hdir[64];

static void
host_setup(void)
{
	char p[128];
	FILE *f;

	strcpy(hdir, "/tmp/copy_test.XXXXXX");
	cr_assert_not_null(mkdtemp(hdir));
	snprintf(p, sizeof(p), "%s/h", hdir);
	cr_assert_not_null(f = fopen(p, "w"));
	for (int i = 0; i < 5000; i++)
		fputc((char)(i * 7 + 6), f);
	fclose(f);
	RETURNS(rump_sys_mkdir("/host", 0755), 0);
	RETURNS(rump_sys_mount(hdir, "/host", "hostfs", 0, ""), 0);
}

Test(copy, hostfs_to_tmpfs_and_back)
{
	host_setup();
	int h = rump_sys_open("/host/h", O_RDWR);
	int t = mkfile("/t", 0, 0);
	off_t o = 0;

	cr_assert_geq(h, 0);
	/* copy_file_range stops at the file system's edge, */
	FAILS(rump_sys_copy_file_range(h, &o, t, NULL, 100, 0), EXDEV);
	FAILS(rump_sys_copy_file_range(t, &o, h, NULL, 100, 0), EXDEV);
	/* sendfile and splice do not. */
	RETURNS(rump_sys_sendfile(t, h, NULL, 10000), 5000);
	cr_assert(has_pattern(t, 0, 5000, 0, 6));
	int h2 = rump_sys_open("/host/h2", O_CREAT | O_RDWR, 0644);
	o = 0;
	RETURNS(rump_sys_sendfile(h2, t, &o, 10000), 5000);
	cr_assert(has_pattern(h2, 0, 5000, 0, 6));
	/* Within the host mount copy_file_range works. */
	int h3 = rump_sys_open("/host/h3", O_CREAT | O_RDWR, 0644);
	o = 100;
	RETURNS(rump_sys_copy_file_range(h2, &o, h3, NULL, 1000, 0), 1000);
	cr_assert(has_pattern(h3, 0, 1000, 100, 6));
	/* A pipe between them. */
	int p[2];
	mkpipe(p, 0);
	o = 0;
	RETURNS(rump_sys_splice(h, &o, p[1], NULL, 3000, 0), 3000);
	RETURNS(rump_sys_splice(p[0], NULL, t, NULL, 3000, 0), 3000);
	cr_assert(has_pattern(t, 5000, 3000, 0, 6));
	/* The hints reach the host. */
	RETURNS(rump_sys_sync_file_range(h3, 0, 0, 7), 0);
	RETURNS(rump_sys_syncfs(h3), 0);
	RETURNS(rump_sys_fdatasync(h3), 0);
	host_rmtree(hdir);
}

/* ---- splice ------------------------------------------------------------- */

Test(copy, splice_file_to_pipe_and_back)
{
	int a = mkfile("/a", 10000, 1), b = mkfile("/b", 0, 0), p[2];
	off_t o = 50;

	mkpipe(p, 0);
	RETURNS(rump_sys_splice(a, NULL, p[1], NULL, 100, 0), 100);
	RETURNS(tell(a), 100);
	RETURNS(rump_sys_splice(a, &o, p[1], NULL, 100, 0), 100);
	cr_assert_eq(o, 150);
	RETURNS(tell(a), 100);
	RETURNS(rump_sys_splice(p[0], NULL, b, NULL, 50, 0), 50);
	RETURNS(tell(b), 50);
	o = 1000;
	RETURNS(rump_sys_splice(p[0], NULL, b, &o, 1000, 0), 150);
	cr_assert_eq(o, 1150);
	RETURNS(tell(b), 50);
	cr_assert(has_pattern(b, 0, 50, 0, 1));
	cr_assert(has_pattern(b, 1000, 50, 50, 1));
	cr_assert(has_pattern(b, 1050, 100, 50, 1));
}

Test(copy, splice_offsets_only_on_the_file_side)
{
	int a = mkfile("/a", 100, 1), p[2], q[2];
	off_t o = 0;

	mkpipe(p, 0);
	mkpipe(q, 0);
	FAILS(rump_sys_splice(a, NULL, p[1], &o, 10, 0), ESPIPE);
	FAILS(rump_sys_splice(p[0], &o, a, NULL, 10, 0), ESPIPE);
	FAILS(rump_sys_splice(p[0], &o, q[1], NULL, 10, 0), ESPIPE);
	/* Before the pointer is read. */
	FAILS(rump_sys_splice(p[0], (off_t *)8, a, NULL, 10, 0), ESPIPE);
	FAILS(rump_sys_splice(a, (off_t *)8, p[1], NULL, 10, 0), EFAULT);
	FAILS(rump_sys_splice(p[0], NULL, a, (off_t *)8, 10, 0), EFAULT);
	/* A socket has no position. */
	int s[2];
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	FAILS(rump_sys_splice(s[0], &o, p[1], NULL, 10, SPLICE_F_NONBLOCK),
	      EINVAL);
	o = -1;
	FAILS(rump_sys_splice(a, &o, p[1], NULL, 10, 0), EINVAL);
	FAILS(rump_sys_splice(p[0], NULL, a, &o, 10, 0), EINVAL);
	o = OFFMAX - 255;
	FAILS(rump_sys_splice(a, &o, p[1], NULL, 1000, 0), EINVAL);
	FAILS(rump_sys_splice(a, NULL, p[1], NULL, (size_t)-1, 0), EINVAL);
}

Test(copy, splice_needs_a_pipe)
{
	int a = mkfile("/a", 100, 1), b = mkfile("/b", 0, 0);
	int d = rump_sys_open("/", O_RDONLY), p[2];

	mkpipe(p, 0);
	FAILS(rump_sys_splice(a, NULL, b, NULL, 10, 0), EINVAL);
	FAILS(rump_sys_splice(p[0], NULL, p[1], NULL, 10, 0), EINVAL);
	FAILS(rump_sys_splice(d, NULL, p[1], NULL, 10, 0), EINVAL);
	RETURNS(rump_sys_splice(a, NULL, b, NULL, 0, 0), 0);
	RETURNS(rump_sys_splice(99, NULL, 98, NULL, 0, 0), 0);
}

Test(copy, splice_flags)
{
	int a = mkfile("/a", 100, 1), p[2];

	mkpipe(p, 0);
	FAILS(rump_sys_splice(a, NULL, p[1], NULL, 10, 0x10), EINVAL);
	FAILS(rump_sys_splice(99, NULL, p[1], NULL, 10, 0x10), EINVAL);
	RETURNS(rump_sys_splice(a, NULL, p[1], NULL, 10,
				SPLICE_F_MOVE | SPLICE_F_MORE | SPLICE_F_GIFT),
		10);
	RETURNS(rump_sys_splice(p[0], NULL, a, NULL, 10,
				SPLICE_F_MOVE | SPLICE_F_MORE),
		10);
}

Test(copy, splice_access_modes)
{
	int a = mkfile("/a", 100, 1), p[2];
	int ro = rump_sys_open("/a", O_RDONLY),
	    wo = rump_sys_open("/a", O_WRONLY);
	int ap = rump_sys_open("/a", O_WRONLY | O_APPEND);
	int d = rump_sys_open("/", O_RDONLY);

	mkpipe(p, 0);
	RETURNS(rump_sys_write(p[1], "abc", 3), 3);
	FAILS(rump_sys_splice(p[0], NULL, ap, NULL, 3, 0), EINVAL);
	FAILS(rump_sys_splice(p[0], NULL, ro, NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(p[0], NULL, d, NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(wo, NULL, p[1], NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(p[1], NULL, a, NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(a, NULL, p[0], NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(99, NULL, p[1], NULL, 3, 0), EBADF);
	FAILS(rump_sys_splice(p[0], NULL, 99, NULL, 3, 0), EBADF);
	/* Nothing left the pipe. */
	RETURNS(rump_sys_splice(p[0], NULL, a, NULL, 10, 0), 3);
}

Test(copy, splice_pipe_to_pipe)
{
	int p[2], q[2];
	char buf[16] = { 0 };

	mkpipe(p, 0);
	mkpipe(q, 0);
	RETURNS(rump_sys_write(p[1], "hello world", 11), 11);
	RETURNS(rump_sys_splice(p[0], NULL, q[1], NULL, 5, 0), 5);
	RETURNS(rump_sys_splice(p[0], NULL, q[1], NULL, 100, 0), 6);
	RETURNS(rump_sys_read(q[0], buf, sizeof(buf)), 11);
	cr_assert_str_eq(buf, "hello world");
	/* Empty input: EAGAIN nonblocking, 0 once the writers are gone. */
	FAILS(rump_sys_splice(p[0], NULL, q[1], NULL, 5, SPLICE_F_NONBLOCK),
	      EAGAIN);
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(rump_sys_splice(p[0], NULL, q[1], NULL, 5, 0), 0);
}

Test(copy, splice_nonblocking_and_end_of_file)
{
	int b = mkfile("/b", 0, 0), e[2], f[2];

	mkpipe(e, 0);
	FAILS(rump_sys_splice(e[0], NULL, b, NULL, 100, SPLICE_F_NONBLOCK),
	      EAGAIN);
	RETURNS(rump_sys_close(e[1]), 0);
	RETURNS(rump_sys_splice(e[0], NULL, b, NULL, 100, 0), 0);
	/* O_NONBLOCK on the pipe does the same. */
	mkpipe(f, O_NONBLOCK);
	FAILS(rump_sys_splice(f[0], NULL, b, NULL, 100, 0), EAGAIN);
	/* A full pipe takes nothing more. */
	int a = mkfile("/a", 100000, 1), g[2];
	off_t o = 0;
	mkpipe(g, 0);
	RETURNS(rump_sys_fcntl(g[1], F_SETFL, O_NONBLOCK), 0);
	RETURNS(rump_sys_splice(a, &o, g[1], NULL, 100000, 0), 65536);
	FAILS(rump_sys_splice(a, &o, g[1], NULL, 100000, 0), EAGAIN);
	cr_assert_eq(o, 65536);
	/* And a file's end is 0. */
	int h[2];
	mkpipe(h, 0);
	o = 200000;
	RETURNS(rump_sys_splice(a, &o, h[1], NULL, 100, 0), 0);
}

Test(copy, splice_into_a_pipe_without_readers_is_epipe)
{
	int a = mkfile("/a", 100, 1), e[2];
	sigset_t set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	mkpipe(e, 0);
	RETURNS(rump_sys_close(e[0]), 0);
	FAILS(rump_sys_splice(a, NULL, e[1], NULL, 100, 0), EPIPE);
	cr_assert_eq(rump_sys_sigpending(&pend), 0);
	cr_assert(sigismember(&pend, SIGPIPE));
	RETURNS(tell(a), 0);
}

Test(copy, splice_sockets)
{
	int s[2], p[2];
	char buf[16] = { 0 };

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	mkpipe(p, 0);
	RETURNS(rump_sys_write(p[1], "to the socket", 13), 13);
	RETURNS(rump_sys_splice(p[0], NULL, s[0], NULL, 100, 0), 13);
	RETURNS(rump_sys_recv(s[1], buf, sizeof(buf), 0), 13);
	cr_assert_str_eq(buf, "to the socket");
	RETURNS(rump_sys_write(s[1], "hello", 5), 5);
	RETURNS(rump_sys_splice(s[0], NULL, p[1], NULL, 100, 0), 5);
	FAILS(rump_sys_splice(s[0], NULL, p[1], NULL, 100, SPLICE_F_NONBLOCK),
	      EAGAIN);
	memset(buf, 0, sizeof(buf));
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "hello");
}

Test(copy, splice_devices)
{
	int z = rump_sys_open("/dev/zero", O_RDONLY);
	int n = rump_sys_open("/dev/null", O_WRONLY), p[2];

	mkpipe(p, 0);
	RETURNS(rump_sys_splice(z, NULL, p[1], NULL, 10, 0), 10);
	RETURNS(rump_sys_splice(p[0], NULL, n, NULL, 100, 0), 10);
}

Test(copy, splice_fifo)
{
	int a = mkfile("/a", 1000, 1);
	char buf[1000];

	RETURNS(rump_sys_mknod("/fifo", S_IFIFO | 0644, 0), 0);
	int f = rump_sys_open("/fifo", O_RDWR);
	cr_assert_geq(f, 0);
	RETURNS(rump_sys_splice(a, NULL, f, NULL, 1000, 0), 1000);
	RETURNS(rump_sys_read(f, buf, sizeof(buf)), 1000);
	cr_assert(has_pattern(a, 0, 1000, 0, 1));
}

/* A splice blocked on an empty pipe ends with EINTR when a signal with
 * a handler (no SA_RESTART) comes, as a read of the pipe does. */
static int hits;

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
}

enum blocked_call { B_SPLICE, B_TEE, B_SENDFILE, B_VMSPLICE };

struct blocker {
	struct lwp *l;
	int in, out;
	enum blocked_call call;
	pid_t tid, htid; /* rump's and the host's thread ids */
	long rv;
	int err;
};

static void *
blocker_main(void *arg)
{
	struct blocker *b = arg;

	rump_pub_lwproc_switch(b->l);
	b->tid = rump_sys_gettid();
	__atomic_store_n(&b->htid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	switch (b->call) {
	case B_SPLICE:
		b->rv = rump_sys_splice(b->in, NULL, b->out, NULL, 100, 0);
		break;
	case B_TEE:
		b->rv = rump_sys_tee(b->in, b->out, 100, 0);
		break;
	case B_SENDFILE:
		b->rv = rump_sys_sendfile(b->out, b->in, NULL, 100);
		break;
	case B_VMSPLICE: {
		char buf[100];
		struct iovec v = { buf, sizeof(buf) };

		b->rv = rump_sys_vmsplice(b->in, &v, 1, 0);
		break;
	}
	}
	b->err = errno;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static void
wait_sleeping(pid_t *tidp)
{
	char path[64], st[512];
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 10000; i++) {
		pid_t tid = __atomic_load_n(tidp, __ATOMIC_ACQUIRE);
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		if (tid != 0 && (f = fopen(path, "r")) != NULL) {
			size_t n = fread(st, 1, sizeof(st) - 1, f);
			char *p;

			fclose(f);
			st[n] = '\0';
			p = strrchr(st, ')');
			if (p != NULL && p[1] == ' ' && p[2] == 'S') {
				nanosleep(&ms, NULL);
				return;
			}
		}
		nanosleep(&ms, NULL);
	}
	cr_assert_fail("never blocked");
}

/* Block `call' in a second lwp of a new process (on an empty input pipe,
 * or for sendfile a full output pipe), signal it, then let it finish. */
static void
interrupt_one(enum blocked_call call, int saflags, long expect, int experr)
{
	struct blocker b = { 0 };
	struct sigaction sa;
	static char big[65536];
	int p[2], q[2];
	pthread_t t;
	pid_t pid;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = saflags;
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	mkpipe(p, 0);
	mkpipe(q, 0);
	b.in = p[0];
	b.out = q[1];
	b.call = call;
	/* vmsplice waits whatever O_NONBLOCK says (Linux 6.18). */
	if (call == B_VMSPLICE)
		RETURNS(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	if (call == B_SENDFILE) {
		b.in = mkfile("/a", 1000, 1);
		RETURNS(rump_sys_write(q[1], big, sizeof(big)), sizeof(big));
	}
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	b.l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&t, NULL, blocker_main, &b), 0);
	wait_sleeping(&b.htid);
	cr_assert_eq(rump_sys_tkill(b.tid, SIGUSR1), 0);
	nanosleep(&(struct timespec){ 0, 30000000 }, NULL);
	/* Under SA_RESTART the call goes on and gets this. */
	if (call == B_SENDFILE)
		RETURNS(rump_sys_read(q[0], big, 4096), 4096);
	else
		RETURNS(rump_sys_write(p[1], "late", 4), 4);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_eq(__atomic_load_n(&hits, __ATOMIC_RELAXED), 1);
	cr_assert_eq(b.rv, expect);
	if (expect < 0)
		cr_assert_eq(b.err, experr);
}

Test(copy, splice_blocked_is_interrupted)
{
	interrupt_one(B_SPLICE, 0, -1, EINTR);
}

Test(copy, splice_blocked_restarts_under_sa_restart)
{
	interrupt_one(B_SPLICE, SA_RESTART, 4, 0);
}

Test(copy, tee_blocked_is_interrupted)
{
	interrupt_one(B_TEE, 0, -1, EINTR);
}

Test(copy, vmsplice_blocks_despite_o_nonblock_and_is_interrupted)
{
	interrupt_one(B_VMSPLICE, 0, -1, EINTR);
}

Test(copy, vmsplice_blocked_restarts_under_sa_restart)
{
	interrupt_one(B_VMSPLICE, SA_RESTART, 4, 0);
}

Test(copy, sendfile_blocked_on_a_full_pipe_is_interrupted)
{
	interrupt_one(B_SENDFILE, 0, -1, EINTR);
}

Test(copy, sendfile_blocked_on_a_full_pipe_restarts)
{
	interrupt_one(B_SENDFILE, SA_RESTART, 100, 0);
}

/* A splice reader and a writer on real threads: 4 MiB through a pipe
 * into a file, in order. */
struct pump {
	int fd;
	int p;
	size_t n;
	long moved;
};

static void *
writer_main(void *arg)
{
	struct pump *w = arg;
	off_t o = 0;

	while ((size_t)o < w->n) {
		long r = rump_sys_splice(w->fd, &o, w->p, NULL,
					 w->n - (size_t)o, 0);
		if (r <= 0)
			break;
		w->moved += r;
	}
	rump_sys_close(w->p);
	return NULL;
}

static void *
reader_main(void *arg)
{
	struct pump *r = arg;
	long n;

	while ((n = rump_sys_splice(r->p, NULL, r->fd, NULL, 50000,
				    SPLICE_F_MOVE)) > 0)
		r->moved += n;
	return NULL;
}

Test(copy, splice_threads_pump_a_file)
{
	size_t n = 4 * 1024 * 1024 + 17;
	int a = mkfile("/a", n, 8), b = mkfile("/b", 0, 0), p[2];
	pthread_t tw, tr;

	mkpipe(p, 0);
	struct pump w = { a, p[1], n, 0 }, r = { b, p[0], n, 0 };
	cr_assert_eq(pthread_create(&tw, NULL, writer_main, &w), 0);
	cr_assert_eq(pthread_create(&tr, NULL, reader_main, &r), 0);
	cr_assert_eq(pthread_join(tw, NULL), 0);
	cr_assert_eq(pthread_join(tr, NULL), 0);
	cr_assert_eq(w.moved, (long)n);
	cr_assert_eq(r.moved, (long)n);
	cr_assert(has_pattern(b, 0, n, 0, 8));
}

/* A reader blocked in read(2) or poll(2) on a pipe wakes when splice,
 * tee or vmsplice fills it. */
struct waiter {
	int fd;
	bool poll;
	long rv;
	short revents;
	pid_t htid;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	char buf[64];
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };

	__atomic_store_n(&w->htid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	if (w->poll) {
		w->rv = rump_sys_poll(&pfd, 1, 10000);
		w->revents = pfd.revents;
	} else {
		w->rv = rump_sys_read(w->fd, buf, sizeof(buf));
	}
	return NULL;
}

Test(copy, fills_wake_readers_and_pollers)
{
	int a = mkfile("/a", 100, 1);

	for (int how = 0; how < 6; how++) {
		struct waiter w = { 0 };
		int p[2], q[2];
		pthread_t t;
		struct iovec v = { "vmsplice", 8 };

		mkpipe(p, 0);
		mkpipe(q, 0);
		RETURNS(rump_sys_write(q[1], "tee-data", 8), 8);
		w.fd = p[0];
		w.poll = how % 2;
		cr_assert_eq(pthread_create(&t, NULL, waiter_main, &w), 0);
		wait_sleeping(&w.htid);
		switch (how / 2) {
		case 0:
			RETURNS(rump_sys_splice(a, NULL, p[1], NULL, 8, 0), 8);
			break;
		case 1:
			RETURNS(rump_sys_tee(q[0], p[1], 8, 0), 8);
			break;
		default:
			RETURNS(rump_sys_vmsplice(p[1], &v, 1, 0), 8);
			break;
		}
		cr_assert_eq(pthread_join(t, NULL), 0);
		if (w.poll) {
			cr_assert_eq(w.rv, 1);
			cr_assert(w.revents & POLLIN);
		} else {
			cr_assert_eq(w.rv, 8);
		}
		rump_sys_close(p[0]);
		rump_sys_close(p[1]);
		rump_sys_close(q[0]);
		rump_sys_close(q[1]);
	}
}

/* Two threads copying between two files in opposite directions at
 * once: the stores' locks are taken in one order. */
static void *
cross_main(void *arg)
{
	int *fds = arg;

	for (int i = 0; i < 50; i++) {
		off_t oi = 0, oo = 0;
		if (rump_sys_copy_file_range(fds[0], &oi, fds[1], &oo,
					     256 * 1024, 0) != 256 * 1024)
			return (void *)1;
	}
	return NULL;
}

Test(copy, cfr_threads_in_opposite_directions)
{
	int a = mkfile("/a", 256 * 1024, 1), b = mkfile("/b", 256 * 1024, 1);
	int ab[2] = { a, b }, ba[2] = { b, a };
	pthread_t t1, t2;
	void *r1, *r2;

	cr_assert_eq(pthread_create(&t1, NULL, cross_main, ab), 0);
	cr_assert_eq(pthread_create(&t2, NULL, cross_main, ba), 0);
	cr_assert_eq(pthread_join(t1, &r1), 0);
	cr_assert_eq(pthread_join(t2, &r2), 0);
	cr_assert_null(r1);
	cr_assert_null(r2);
	cr_assert(has_pattern(a, 0, 256 * 1024, 0, 1));
	cr_assert(has_pattern(b, 0, 256 * 1024, 0, 1));
}

/* A full mount: the pipe keeps what did not fit, sendfile stops short. */
Test(copy, splice_and_sendfile_into_a_full_mount)
{
	char buf[60000];
	int p[2], n = 0;

	memset(buf, 7, sizeof(buf));
	RETURNS(rump_sys_mkdir("/small", 0755), 0);
	RETURNS(rump_sys_mount("none", "/small", "tmpfs", 0, "size=64k"), 0);
	int x = mkfile("/small/x", 40000, 1);
	int y = mkfile("/small/y", 0, 0);
	mkpipe(p, 0);
	RETURNS(rump_sys_write(p[1], buf, sizeof(buf)), sizeof(buf));
	RETURNS(rump_sys_splice(p[0], NULL, y, NULL, sizeof(buf), 0), 24576);
	RETURNS(rump_sys_ioctl(p[0], FIONREAD, &n), 0);
	cr_assert_eq(n, 60000 - 24576);
	FAILS(rump_sys_splice(p[0], NULL, y, NULL, sizeof(buf), 0), ENOSPC);
	RETURNS(rump_sys_ioctl(p[0], FIONREAD, &n), 0);
	cr_assert_eq(n, 60000 - 24576);
	RETURNS(rump_sys_ftruncate(y, 0), 0);
	RETURNS(rump_sys_lseek(y, 0, SEEK_SET), 0);
	off_t o = 0;
	RETURNS(rump_sys_sendfile(y, x, &o, 40000), 24576);
	cr_assert_eq(o, 24576);
	FAILS(rump_sys_sendfile(y, x, &o, 40000), ENOSPC);
	cr_assert_eq(o, 24576);
	cr_assert(has_pattern(y, 0, 24576, 0, 1));
}

/* Full output pipes: nonblocking calls get EAGAIN and take nothing. */
Test(copy, full_pipes_are_eagain)
{
	char buf[65536] = { 0 };
	struct iovec v = { buf, 100 };
	int q[2], e[2], n = 0;

	mkpipe(q, 0);
	mkpipe(e, 0);
	RETURNS(rump_sys_write(q[1], buf, sizeof(buf)), sizeof(buf));
	RETURNS(rump_sys_write(e[1], "abc", 3), 3);
	FAILS(rump_sys_vmsplice(q[1], &v, 1, SPLICE_F_NONBLOCK), EAGAIN);
	FAILS(rump_sys_tee(e[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
	FAILS(rump_sys_splice(e[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK),
	      EAGAIN);
	RETURNS(rump_sys_ioctl(e[0], FIONREAD, &n), 0);
	cr_assert_eq(n, 3);
	int a = mkfile("/a", 100, 1);
	FAILS(rump_sys_splice(a, NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK),
	      EAGAIN);
	RETURNS(rump_sys_fcntl(q[1], F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_sendfile(q[1], a, NULL, 10), EAGAIN);
	RETURNS(tell(a), 0);
}

/* ---- tee ---------------------------------------------------------------- */

Test(copy, tee_copies_without_consuming)
{
	int e[2], f[2];
	char c[20] = { 0 };

	mkpipe(e, 0);
	mkpipe(f, 0);
	RETURNS(rump_sys_write(e[1], "abcdef", 6), 6);
	RETURNS(rump_sys_tee(e[0], f[1], 4, 0), 4);
	RETURNS(rump_sys_tee(e[0], f[1], 100, 0), 6);
	RETURNS(rump_sys_read(f[0], c, sizeof(c)), 10);
	cr_assert_str_eq(c, "abcdabcdef");
	memset(c, 0, sizeof(c));
	RETURNS(rump_sys_read(e[0], c, sizeof(c)), 6);
	cr_assert_str_eq(c, "abcdef");
}

Test(copy, tee_errors)
{
	int a = mkfile("/a", 10, 1), e[2], f[2], g[2], h[2];
	sigset_t set;

	mkpipe(e, 0);
	mkpipe(f, 0);
	RETURNS(rump_sys_write(e[1], "abcdef", 6), 6);
	FAILS(rump_sys_tee(e[0], e[1], 4, 0), EINVAL);
	FAILS(rump_sys_tee(a, f[1], 4, 0), EINVAL);
	FAILS(rump_sys_tee(e[0], a, 4, 0), EINVAL);
	FAILS(rump_sys_tee(e[1], f[1], 4, 0), EBADF);
	FAILS(rump_sys_tee(e[0], f[0], 4, 0), EBADF);
	FAILS(rump_sys_tee(e[0], f[1], 4, 0x10), EINVAL);
	FAILS(rump_sys_tee(99, f[1], 0, 0x10), EINVAL);
	FAILS(rump_sys_tee(99, f[1], 4, 0), EBADF);
	FAILS(rump_sys_tee(e[0], 99, 4, 0), EBADF);
	RETURNS(rump_sys_tee(99, 98, 0, 0), 0);
	RETURNS(rump_sys_tee(e[0], f[1], 4, 0xf), 4);
	mkpipe(g, 0);
	FAILS(rump_sys_tee(g[0], f[1], 4, SPLICE_F_NONBLOCK), EAGAIN);
	RETURNS(rump_sys_close(g[1]), 0);
	RETURNS(rump_sys_tee(g[0], f[1], 4, 0), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, &set, NULL), 0);
	mkpipe(h, 0);
	RETURNS(rump_sys_close(h[0]), 0);
	FAILS(rump_sys_tee(e[0], h[1], 4, 0), EPIPE);
}

/* ---- vmsplice ----------------------------------------------------------- */

Test(copy, vmsplice_into_and_out_of_a_pipe)
{
	int e[2], a = mkfile("/a", 10, 1);
	char buf[100], out[100] = { 0 };
	struct iovec v[2] = { { buf, 60 }, { buf + 60, 40 } };
	struct iovec o = { out, sizeof(out) };

	for (int i = 0; i < 100; i++)
		buf[i] = (char)i;
	mkpipe(e, 0);
	RETURNS(rump_sys_vmsplice(e[1], v, 2, 0), 100);
	RETURNS(rump_sys_vmsplice(e[0], &o, 1, 0), 100);
	cr_assert_eq(memcmp(buf, out, 100), 0);
	FAILS(rump_sys_vmsplice(e[0], &o, 1, SPLICE_F_NONBLOCK), EAGAIN);
	FAILS(rump_sys_vmsplice(a, v, 1, 0), EBADF);
	RETURNS(rump_sys_vmsplice(a, v, 0, 0), 0);
	FAILS(rump_sys_vmsplice(e[1], v, 1, 0x10), EINVAL);
	FAILS(rump_sys_vmsplice(e[1], v, 1025, 0), EINVAL);
	FAILS(rump_sys_vmsplice(e[1], (struct iovec *)8, 1, 0), EFAULT);
	FAILS(rump_sys_vmsplice(99, v, 1, 0), EBADF);
	RETURNS(rump_sys_vmsplice(e[1], v, 0, 0), 0);
}

/* ---- hints -------------------------------------------------------------- */

Test(copy, fadvise)
{
	int a = mkfile("/a", 10, 1), p[2], s[2];
	int d = rump_sys_open("/", O_RDONLY),
	    path = rump_sys_open("/a", O_PATH);
	int ev = rump_sys_eventfd(0, 0);

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	for (int adv = 0; adv <= 5; adv++)
		RETURNS(rump_sys_fadvise64(a, 0, 0, adv), 0);
	FAILS(rump_sys_fadvise64(a, 0, 0, 6), EINVAL);
	FAILS(rump_sys_fadvise64(a, 0, 0, -1), EINVAL);
	RETURNS(rump_sys_fadvise64(a, -1, -1, 4), 0);
	FAILS(rump_sys_fadvise64(99, 0, 0, 9), EBADF);
	FAILS(rump_sys_fadvise64(path, 0, 0, 0), EBADF);
	FAILS(rump_sys_fadvise64(p[0], 0, 0, 9), ESPIPE);
	RETURNS(rump_sys_fadvise64(s[0], 0, 0, 0), 0);
	FAILS(rump_sys_fadvise64(s[0], 0, 0, 9), EINVAL);
	RETURNS(rump_sys_fadvise64(d, 0, 0, 0), 0);
	RETURNS(rump_sys_fadvise64(ev, 0, 0, 0), 0);
	/* glibc's posix_fadvise returns the error number. */
	RETURNS(rump_sys_posix_fadvise(a, 0, 0, POSIX_FADV_SEQUENTIAL), 0);
	RETURNS(rump_sys_posix_fadvise(a, 0, 0, 77), EINVAL);
	RETURNS(rump_sys_posix_fadvise(p[0], 0, 0, 0), ESPIPE);
}

Test(copy, readahead)
{
	int a = mkfile("/a", 10, 1), p[2], s[2];
	int d = rump_sys_open("/", O_RDONLY),
	    path = rump_sys_open("/a", O_PATH);
	int wo = rump_sys_open("/a", O_WRONLY),
	    m = rump_sys_memfd_create("m", 0);
	int z = rump_sys_open("/dev/zero", O_RDONLY);

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_readahead(a, 0, 100), 0);
	RETURNS(rump_sys_readahead(a, -1, 100), 0);
	RETURNS(rump_sys_readahead(a, OFFMAX, 100), 0);
	FAILS(rump_sys_readahead(a, 0, (size_t)-1), EINVAL);
	RETURNS(rump_sys_readahead(m, 0, 1), 0);
	FAILS(rump_sys_readahead(wo, 0, 10), EBADF);
	FAILS(rump_sys_readahead(99, 0, 10), EBADF);
	FAILS(rump_sys_readahead(path, 0, 10), EBADF);
	FAILS(rump_sys_readahead(p[0], 0, 10), EINVAL);
	FAILS(rump_sys_readahead(s[0], 0, 10), EINVAL);
	FAILS(rump_sys_readahead(d, 0, 10), EINVAL);
	FAILS(rump_sys_readahead(z, 0, 10), EINVAL);
}

Test(copy, sync_file_range)
{
	int a = mkfile("/a", 10, 1), p[2], s[2];
	int d = rump_sys_open("/", O_RDONLY),
	    path = rump_sys_open("/a", O_PATH);
	int ev = rump_sys_eventfd(0, 0), wo = rump_sys_open("/a", O_WRONLY);

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_sync_file_range(a, 0, 0, 0), 0);
	RETURNS(rump_sys_sync_file_range(a, 0, 0, 7), 0);
	RETURNS(rump_sys_sync_file_range(wo, 5, 100, 2), 0);
	RETURNS(rump_sys_sync_file_range(d, 0, 0, 7), 0);
	FAILS(rump_sys_sync_file_range(a, 0, 0, 8), EINVAL);
	FAILS(rump_sys_sync_file_range(a, -1, 0, 0), EINVAL);
	FAILS(rump_sys_sync_file_range(a, 0, -1, 0), EINVAL);
	FAILS(rump_sys_sync_file_range(a, OFFMAX, 1, 0), EINVAL);
	FAILS(rump_sys_sync_file_range(a, 1, OFFMAX, 0), EINVAL);
	FAILS(rump_sys_sync_file_range(99, 0, 0, 8), EBADF);
	FAILS(rump_sys_sync_file_range(path, 0, 0, 7), EBADF);
	FAILS(rump_sys_sync_file_range(p[0], 0, 0, 0), ESPIPE);
	FAILS(rump_sys_sync_file_range(p[0], 0, 0, 8), EINVAL);
	FAILS(rump_sys_sync_file_range(p[0], -1, 0, 0), EINVAL);
	FAILS(rump_sys_sync_file_range(s[0], 0, 0, 1), ESPIPE);
	FAILS(rump_sys_sync_file_range(ev, 0, 0, 7), ESPIPE);
}

Test(copy, syncfs)
{
	int a = mkfile("/a", 10, 1), p[2], s[2];
	int path = rump_sys_open("/a", O_PATH), ev = rump_sys_eventfd(0, 0);

	mkpipe(p, 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_syncfs(a), 0);
	RETURNS(rump_sys_syncfs(p[0]), 0);
	RETURNS(rump_sys_syncfs(s[0]), 0);
	RETURNS(rump_sys_syncfs(ev), 0);
	FAILS(rump_sys_syncfs(path), EBADF);
	FAILS(rump_sys_syncfs(99), EBADF);
	FAILS(rump_sys_syncfs(-1), EBADF);
}

/* ---- the same steps on rumpkit and on the host ------------------------- */

/*
 * Each step is one call, run on both kernels with raw syscalls (no libc
 * emulation on the host); the log lines (result, errno, offsets, file
 * contents' sums) must match.
 */
struct kern {
	bool rump;
	char base[64]; /* "" in rump, the host's scratch directory */
};

static long
k_call(struct kern *k, long nr, long a0, long a1, long a2, long a3, long a4,
       long a5)
{
	long args[6] = { a0, a1, a2, a3, a4, a5 };
	long r;

	if (k->rump)
		return rump_syscall((int)nr, args);
	r = syscall(nr, a0, a1, a2, a3, a4, a5);
	return r < 0 ? -errno : r;
}

static int
k_open(struct kern *k, const char *name, int flags)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", k->base, name);
	if (k->rump)
		return rump_sys_open(p, flags, 0644);
	return open(p, flags, 0644);
}

static unsigned long
k_sum(struct kern *k, int fd, long *sizep)
{
	char buf[4096];
	unsigned long h = 5381;
	long n, off = 0;

	while ((n = k_call(k, SYS_pread64, fd, (long)buf, sizeof(buf), off, 0,
			   0)) > 0) {
		for (long i = 0; i < n; i++)
			h = h * 33 + (unsigned char)buf[i];
		off += n;
	}
	*sizep = off;
	return h;
}

static void
run_steps(struct kern *k, unsigned seed, char *log, size_t len_log)
{
	int a = k_open(k, "da", O_CREAT | O_RDWR | O_TRUNC);
	int b = k_open(k, "db", O_CREAT | O_RDWR | O_TRUNC);
	int ro = k_open(k, "db", O_RDONLY);
	int ap = k_open(k, "db", O_WRONLY | O_APPEND);
	int p[2], q[2];
	char *buf = malloc(200000);
	off_t o1, o2;
	size_t used = 0;
	long r, sz;

	cr_assert(a >= 0 && b >= 0 && ro >= 0 && ap >= 0);
	for (int i = 0; i < 200000; i++)
		buf[i] = (char)(i * 13 + i / 4096);
	k_call(k, SYS_pwrite64, a, (long)buf, 150000, 0, 0, 0);
	k_call(k, SYS_pipe2, (long)p, 0, 0, 0, 0, 0);
	k_call(k, SYS_pipe2, (long)q, 0, 0, 0, 0, 0);
	srand(seed);
	for (int step = 0; step < 300; step++) {
		int op = rand() % 5;
		long len = rand() % 3 == 0 ? rand() % 200000 : rand() % 9000;
		int fin = rand() % 5 == 0 ? ro : a;
		int fout = rand() % 6 == 0 ? ap : b;
		bool ptr = rand() % 2;
		long r2 = 0, r3 = 0, r4 = 0;

		o1 = rand() % 160000 - (rand() % 20 == 0 ? 170000 : 0);
		o2 = rand() % 160000;
		switch (op) {
		case 0:
		case 1:
			r = k_call(k, SYS_copy_file_range, fin,
				   ptr ? (long)&o1 : 0, fout,
				   rand() % 2 ? (long)&o2 : 0, len, 0);
			break;
		case 2:
			/* Only copy_file_range reads the file it writes
			 * (the ranges must not overlap): Linux's sendfile
			 * and splice pass references to the input's pages
			 * in a pipe, so overlapping ranges of one file come
			 * out as its chunking has it. */
			r = k_call(k, SYS_sendfile, fout, a,
				   ptr ? (long)&o1 : 0, len, 0, 0);
			break;
		case 3:
			/* Into the empty pipe less than Linux's 16 page
			 * slots hold however the offset is aligned; tee
			 * it, pass it on, drain both pipes. */
			r = k_call(k, SYS_splice, a, ptr ? (long)&o1 : 0, p[1],
				   0, len % 61440, SPLICE_F_NONBLOCK);
			r2 = k_call(k, SYS_tee, p[0], q[1], rand() % 70000,
				    SPLICE_F_NONBLOCK, 0, 0);
			r3 = k_call(k, SYS_splice, p[0], 0, fout,
				    rand() % 2 ? (long)&o2 : 0, rand() % 70000,
				    SPLICE_F_NONBLOCK);
			/* Not into `a': Linux's pipe holds references to
			 * a's pages, which a write to a would change. */
			r4 = k_call(k, SYS_splice, q[0], 0, b,
				    rand() % 2 ? (long)&o2 : 0, rand() % 70000,
				    SPLICE_F_NONBLOCK);
			k_call(k, SYS_splice, p[0], 0, b, 0, 1 << 20,
			       SPLICE_F_NONBLOCK);
			k_call(k, SYS_splice, q[0], 0, b, 0, 1 << 20,
			       SPLICE_F_NONBLOCK);
			break;
		default:
			r = k_call(k, SYS_lseek, rand() % 2 ? a : b,
				   rand() % 160000, SEEK_SET, 0, 0, 0);
			break;
		}
		cr_assert_lt(used, len_log - 256);
		used += (size_t)snprintf(
			log + used, len_log - used,
			"%d:%d r%ld,%ld,%ld,%ld o%ld,%ld a%ld b%ld\n", step, op,
			r, r2, r3, r4, (long)o1, (long)o2,
			k_call(k, SYS_lseek, a, 0, SEEK_CUR, 0, 0, 0),
			k_call(k, SYS_lseek, b, 0, SEEK_CUR, 0, 0, 0));
	}
	unsigned long ha = k_sum(k, a, &sz);
	used += (size_t)snprintf(log + used, 200, "a %lx %ld\n", ha, sz);
	unsigned long hb = k_sum(k, b, &sz);
	used += (size_t)snprintf(log + used, 200, "b %lx %ld\n", hb, sz);
	free(buf);
}

/* Run the steps on both kernels and compare the logs line by line. */
static void
compare_run(struct kern *host, struct kern *rump, unsigned seed)
{
	size_t cap = 1 << 20;
	char *lh = calloc(1, cap), *lr = calloc(1, cap);
	char *sh, *sr, *eh, *er;
	int line = 0, moved = 0;

	run_steps(host, seed, lh, cap);
	run_steps(rump, seed, lr, cap);
	/* The sequence must move data, not only fail. */
	for (sh = lh; (eh = strchr(sh, '\n')) != NULL; sh = eh + 1) {
		int step, op;
		long r;

		if (sscanf(sh, "%d:%d r%ld", &step, &op, &r) == 3 && op < 4 &&
		    r > 0)
			moved++;
	}
	cr_assert_gt(moved, 60, "seed %u: only %d steps moved data", seed,
		     moved);
	for (sh = lh, sr = lr; *sh != '\0' || *sr != '\0';
	     sh = eh + 1, sr = er + 1, line++) {
		eh = strchr(sh, '\n');
		er = strchr(sr, '\n');
		cr_assert(eh != NULL && er != NULL, "logs end differently");
		cr_assert(eh - sh == er - sr && memcmp(sh, sr, eh - sh) == 0,
			  "seed %u, line %d differs:\nhost: %.*s\nrump: %.*s",
			  seed, line, (int)(eh - sh), sh, (int)(er - sr), sr);
	}
	free(lh);
	free(lr);
}

/* A few seeds; COPYDIFF_SEEDS=n runs n of them. */
static void
compare_runs(struct kern *host, struct kern *rump)
{
	const char *e = getenv("COPYDIFF_SEEDS");
	unsigned n = e != NULL ? (unsigned)atoi(e) : 4;

	for (unsigned seed = 1; seed <= n; seed++)
		compare_run(host, rump, seed);
}

/* rumpkit's tmpfs against the host's /dev/shm. */
Test(copy, differential_against_the_host)
{
	struct kern host = { .rump = false }, rump = { .rump = true };

	strcpy(host.base, "/dev/shm/rumpkit_copy.XXXXXX");
	cr_assert_not_null(mkdtemp(host.base));
	compare_runs(&host, &rump);
	host_rmtree(host.base);
}

/* A hostfs mount of a host directory against another directory of the
 * same host file system used directly: copy_file_range within one file
 * system, the rest through the host's files. */
Test(copy, differential_on_hostfs)
{
	struct kern host = { .rump = false }, rump = { .rump = true };
	char rdir[] = "/tmp/rumpkit_copy_r.XXXXXX";

	strcpy(host.base, "/tmp/rumpkit_copy_h.XXXXXX");
	cr_assert_not_null(mkdtemp(host.base));
	cr_assert_not_null(mkdtemp(rdir));
	RETURNS(rump_sys_mkdir("/host", 0755), 0);
	RETURNS(rump_sys_mount(rdir, "/host", "hostfs", 0, ""), 0);
	strcpy(rump.base, "/host");
	compare_runs(&host, &rump);
	host_rmtree(host.base);
	host_rmtree(rdir);
}
