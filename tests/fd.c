/*
 * fd.c: descriptor tables and open files (kern/fd.c, kern/file.c,
 * kern/sys_descrip.c, kern/sys_generic.c): close, dup, dup2, dup3,
 * fcntl, lowest-free allocation, RLIMIT_NOFILE, tables shared, copied
 * and cleared by rump_pub_lwproc_rfork, and races between threads.
 * The files are mostly memfds; F_GETFL is checked on every kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/close_range.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* The kernel's O_LARGEFILE and FASYNC; glibc's O_LARGEFILE is 0. */
#define KO_LARGEFILE 0100000
#define KO_ASYNC 020000
#define DEFAULT_NOFILE 1024

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(fd, .init = boot);

#include "check.h"

static int
mfd(void)
{
	int fd = rump_sys_memfd_create("fdtest", 0);

	cr_assert_geq(fd, 0, "memfd_create: %s", strerror(errno));
	return fd;
}

/* Whether fd is open in the current process. */
static bool
isopen(int fd)
{
	return rump_sys_fcntl(fd, F_GETFD) >= 0;
}

static ino_t
ino(int fd)
{
	struct stat st;

	cr_assert_eq(rump_sys_fstat(fd, &st), 0);
	return st.st_ino;
}

/* Open descriptors until EMFILE; returns how many were opened. */
static int
fill_table(int fd)
{
	int n = 0, r;

	while ((r = rump_sys_dup(fd)) >= 0)
		n++;
	cr_assert_eq(errno, EMFILE, "dup: %s", strerror(errno));
	return n;
}

/* ---- close and dup ---------------------------------------------------- */

Test(fd, close)
{
	int fd = mfd();

	RETURNS(rump_sys_close(fd), 0);
	FAILS(rump_sys_close(fd), EBADF);
	FAILS(rump_sys_close(-1), EBADF);
	FAILS(rump_sys_close(INT_MAX), EBADF);
	FAILS(rump_sys_close(DEFAULT_NOFILE + 5), EBADF);
	FAILS(rump_sys_read(fd, &fd, 1), EBADF);
	FAILS(rump_sys_fstat(fd, NULL), EBADF);
}

Test(fd, lowest_free)
{
	int fd[10];

	for (int i = 0; i < 10; i++)
		fd[i] = mfd();
	for (int i = 1; i < 10; i++)
		cr_assert_eq(fd[i], fd[0] + i);
	RETURNS(rump_sys_close(fd[7]), 0);
	RETURNS(rump_sys_close(fd[3]), 0);
	RETURNS(rump_sys_dup(fd[0]), fd[3]);
	RETURNS(mfd(), fd[7]);
	RETURNS(rump_sys_dup(fd[0]), fd[9] + 1);
}

Test(fd, dup_shares_file)
{
	int fd = mfd(), d = rump_sys_dup(fd);
	char buf[4];

	cr_assert_geq(d, 0);
	cr_assert_eq(ino(fd), ino(d));
	RETURNS(rump_sys_write(fd, "abcd", 4), 4);
	RETURNS(rump_sys_lseek(d, 0, SEEK_CUR), 4); /* the offset is shared */
	RETURNS(rump_sys_lseek(d, 1, SEEK_SET), 1);
	RETURNS(rump_sys_read(fd, buf, 2), 2);
	cr_assert_eq(memcmp(buf, "bc", 2), 0);
	/* Status flags belong to the file, descriptor flags to the slot. */
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND), 0);
	RETURNS(rump_sys_fcntl(d, F_GETFL), O_RDWR | O_APPEND | KO_LARGEFILE);
	RETURNS(rump_sys_fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	RETURNS(rump_sys_fcntl(d, F_GETFD), 0);
	/* The file outlives the first descriptor. */
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_pread(d, buf, 4, 0), 4);
	cr_assert_eq(memcmp(buf, "abcd", 4), 0);
	FAILS(rump_sys_dup(fd), EBADF);
	FAILS(rump_sys_dup(-1), EBADF);
}

Test(fd, dup_clears_cloexec)
{
	int fd = rump_sys_memfd_create("x", MFD_CLOEXEC);

	RETURNS(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(rump_sys_dup(fd), F_GETFD), 0);
	RETURNS(rump_sys_fcntl(rump_sys_dup2(fd, 50), F_GETFD), 0);
	RETURNS(rump_sys_fcntl(rump_sys_fcntl(fd, F_DUPFD, 0), F_GETFD), 0);
}

Test(fd, dup2)
{
	int a = mfd(), b = mfd();
	ino_t ia = ino(a);

	RETURNS(rump_sys_dup2(a, a), a);
	RETURNS(rump_sys_dup2(a, b), b);
	cr_assert_eq(ino(b), ia, "b's old file was replaced");
	RETURNS(rump_sys_dup2(a, 700), 700);
	cr_assert_eq(ino(700), ia);
	RETURNS(rump_sys_dup2(a, DEFAULT_NOFILE - 1), DEFAULT_NOFILE - 1);
	FAILS(rump_sys_dup2(a, DEFAULT_NOFILE), EBADF);
	FAILS(rump_sys_dup2(a, -1), EBADF);
	FAILS(rump_sys_dup2(a, INT_MAX), EBADF);
	FAILS(rump_sys_dup2(-1, 5), EBADF);
	FAILS(rump_sys_dup2(600, 5), EBADF);
	FAILS(rump_sys_dup2(600, 600), EBADF);
	FAILS(rump_sys_dup2(-1, -1), EBADF);
	cr_assert(!isopen(5));
	/* Lowest-free allocation still finds the gaps below. */
	RETURNS(rump_sys_close(a), 0);
	RETURNS(rump_sys_dup(b), a);
}

Test(fd, dup3)
{
	int a = mfd();

	RETURNS(rump_sys_dup3(a, 10, O_CLOEXEC), 10);
	RETURNS(rump_sys_fcntl(10, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_dup3(a, 10, 0), 10);
	RETURNS(rump_sys_fcntl(10, F_GETFD), 0);
	FAILS(rump_sys_dup3(a, a, 0), EINVAL);
	FAILS(rump_sys_dup3(a, a, O_CLOEXEC), EINVAL);
	FAILS(rump_sys_dup3(a, 11, 1), EINVAL);
	FAILS(rump_sys_dup3(a, 11, O_CLOEXEC | O_NONBLOCK), EINVAL);
	/* flags, then equality, then the limit, then oldfd. */
	FAILS(rump_sys_dup3(-1, -1, 0), EINVAL);
	FAILS(rump_sys_dup3(-1, 11, 1), EINVAL);
	FAILS(rump_sys_dup3(a, DEFAULT_NOFILE, 0), EBADF);
	FAILS(rump_sys_dup3(99, 11, 0), EBADF);
	cr_assert(!isopen(11));
}

/* ---- fcntl ------------------------------------------------------------ */

Test(fd, fcntl_dupfd)
{
	int a = mfd();

	RETURNS(rump_sys_fcntl(a, F_DUPFD, 100), 100);
	RETURNS(rump_sys_fcntl(a, F_DUPFD, 100), 101);
	RETURNS(rump_sys_fcntl(a, F_DUPFD, 0), a + 1);
	RETURNS(rump_sys_fcntl(a, F_DUPFD_CLOEXEC, 100), 102);
	RETURNS(rump_sys_fcntl(102, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(a, F_DUPFD, DEFAULT_NOFILE - 1),
		DEFAULT_NOFILE - 1);
	FAILS(rump_sys_fcntl(a, F_DUPFD, DEFAULT_NOFILE - 1), EMFILE);
	FAILS(rump_sys_fcntl(a, F_DUPFD, DEFAULT_NOFILE), EINVAL);
	FAILS(rump_sys_fcntl(a, F_DUPFD, -1), EINVAL);
	FAILS(rump_sys_fcntl(a, F_DUPFD_CLOEXEC, INT_MAX), EINVAL);
	FAILS(rump_sys_fcntl(-1, F_DUPFD, 0), EBADF);
	cr_assert_eq(ino(100), ino(a));
}

Test(fd, fcntl_fd_flags)
{
	int a = mfd();

	RETURNS(rump_sys_fcntl(a, F_GETFD), 0);
	RETURNS(rump_sys_fcntl(a, F_SETFD, FD_CLOEXEC), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(a, F_SETFD, 2), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFD), 0);
	RETURNS(rump_sys_fcntl(a, F_SETFD, ~0), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFD), FD_CLOEXEC);
	FAILS(rump_sys_fcntl(99, F_GETFD), EBADF);
	FAILS(rump_sys_fcntl(99, F_SETFD, 0), EBADF);
}

Test(fd, fcntl_status_flags)
{
	int a = mfd();
	int hfd = memfd_create("host", 0);
	int set = O_NOATIME | O_NONBLOCK | KO_ASYNC | O_RDONLY | O_TRUNC |
		  O_CREAT;

	RETURNS(rump_sys_fcntl(a, F_GETFL), O_RDWR | KO_LARGEFILE);
	/* Only the status flags change, as on the host. */
	RETURNS(rump_sys_fcntl(a, F_SETFL, set), 0);
	cr_assert_eq(fcntl(hfd, F_SETFL, set), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFL), fcntl(hfd, F_GETFL));
	RETURNS(rump_sys_fcntl(a, F_GETFL),
		O_RDWR | KO_LARGEFILE | O_NONBLOCK | O_NOATIME);
	RETURNS(rump_sys_fcntl(a, F_SETFL, O_APPEND | O_WRONLY), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFL), O_RDWR | KO_LARGEFILE | O_APPEND);
	/* A memfd cannot do O_DIRECT. */
	FAILS(rump_sys_fcntl(a, F_SETFL, O_DIRECT), EINVAL);
	RETURNS(rump_sys_fcntl(a, F_GETFL), O_RDWR | KO_LARGEFILE | O_APPEND);
	RETURNS(rump_sys_fcntl(a, F_SETFL, 0), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFL), O_RDWR | KO_LARGEFILE);
	FAILS(rump_sys_fcntl(99, F_GETFL), EBADF);
	FAILS(rump_sys_fcntl(99, F_SETFL, 0), EBADF);
	close(hfd);
}

Test(fd, fcntl_noatime_needs_owner)
{
	int a = mfd();

	/* Root made the file; a process of uid 1000 sharing the table
	 * may not set O_NOATIME on it. */
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);
	FAILS(rump_sys_fcntl(a, F_SETFL, O_NOATIME), EPERM);
	RETURNS(rump_sys_fcntl(a, F_SETFL, O_NONBLOCK), 0);
	int own = mfd();
	RETURNS(rump_sys_fcntl(own, F_SETFL, O_NOATIME), 0);
}

Test(fd, fcntl_unknown)
{
	int a = mfd();

	FAILS(rump_sys_fcntl(a, 9999), EINVAL);
	FAILS(rump_sys_fcntl(a, -1), EINVAL);
	FAILS(rump_sys_fcntl(a, F_GETPIPE_SZ), EINVAL);
	FAILS(rump_sys_fcntl(99, 9999), EBADF);
	/* The raw syscall gives -errno. */
	long args[6] = { a, 9999 };
	cr_assert_eq(rump_syscall(RUMP_SYS_fcntl, args), -EINVAL);
}

/* ---- RLIMIT_NOFILE ----------------------------------------------------- */

Test(fd, emfile_default_limit)
{
	int fd = mfd();
	int n = fill_table(fd);

	/* Every descriptor below the limit is in use now. */
	cr_assert_eq(n + fd + 1, DEFAULT_NOFILE, "%d opened after fd %d", n,
		     fd);
	FAILS(rump_sys_memfd_create("x", 0), EMFILE);
	FAILS(rump_sys_fcntl(fd, F_DUPFD, 0), EMFILE);
	RETURNS(rump_sys_close(500), 0);
	RETURNS(rump_sys_dup(fd), 500);
	RETURNS(rump_sys_dup2(fd, 501), 501);
}

Test(fd, emfile_lowered_limit)
{
	struct rlimit rl = { 10, 4096 };
	int fd = mfd();

	RETURNS(rump_sys_dup2(fd, 20), 20);
	RETURNS(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);
	cr_assert_eq(fill_table(fd), 10 - fd - 1);
	FAILS(rump_sys_fcntl(fd, F_DUPFD, 10), EINVAL);
	FAILS(rump_sys_fcntl(fd, F_DUPFD, 9), EMFILE);
	FAILS(rump_sys_dup2(fd, 10), EBADF);
	FAILS(rump_sys_dup3(fd, 10, 0), EBADF);
	RETURNS(rump_sys_dup2(fd, 9), 9);
	/* A descriptor above the new limit stays usable. */
	RETURNS(rump_sys_write(20, "x", 1), 1);
	RETURNS(rump_sys_close(20), 0);
	/* Raising the limit again lets the table grow. */
	rl.rlim_cur = 2000;
	RETURNS(rump_sys_setrlimit(RLIMIT_NOFILE, &rl), 0);
	RETURNS(rump_sys_dup2(fd, 1999), 1999);
	RETURNS(rump_sys_dup(fd), 10);
}

/* ---- close_range --------------------------------------------------------- */

Test(fd, close_range_closes_a_range)
{
	int fds[6];

	for (int i = 0; i < 6; i++)
		fds[i] = mfd();
	cr_assert_eq(fds[5], fds[0] + 5);
	RETURNS(rump_sys_close_range(fds[1], fds[3], 0), 0);
	cr_assert(isopen(fds[0]));
	for (int i = 1; i <= 3; i++)
		cr_assert(!isopen(fds[i]), "fd %d", fds[i]);
	cr_assert(isopen(fds[4]));
	/* Holes and the end of the table are no errors. */
	RETURNS(rump_sys_close_range(fds[1], fds[4], 0), 0);
	cr_assert(!isopen(fds[4]));
	cr_assert(isopen(fds[5]));
	RETURNS(rump_sys_close_range(1000, ~0u, 0), 0);
	RETURNS(rump_sys_close_range(~0u, ~0u, 0), 0);
	RETURNS(rump_sys_close_range(fds[5], ~0u, 0), 0);
	cr_assert(!isopen(fds[5]));
	cr_assert(isopen(fds[0]));
	/* The lowest free descriptor is found again. */
	RETURNS(mfd(), fds[1]);
}

Test(fd, close_range_bad_arguments)
{
	int fd = mfd();

	FAILS(rump_sys_close_range(fd + 1, fd, 0), EINVAL);
	FAILS(rump_sys_close_range(fd, fd, 1u << 0), EINVAL);
	FAILS(rump_sys_close_range(fd, fd, 1u << 3), EINVAL);
	FAILS(rump_sys_close_range(fd, fd, ~0u), EINVAL);
	/* Nothing was closed by the refused calls. */
	cr_assert(isopen(fd));
}

Test(fd, close_range_cloexec_marks_only)
{
	int a = mfd(), b = mfd(), c = mfd();

	RETURNS(rump_sys_close_range(a, b, CLOSE_RANGE_CLOEXEC), 0);
	RETURNS(rump_sys_fcntl(a, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(b, F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(c, F_GETFD), 0);
	RETURNS(rump_sys_close_range(0, ~0u,
				     CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE),
		0);
	RETURNS(rump_sys_fcntl(c, F_GETFD), FD_CLOEXEC);
	cr_assert(isopen(a) && isopen(b) && isopen(c));
}

/* A table shared by rfork(0): CLOSE_RANGE_UNSHARE gives the caller its
 * own copy first, so the other process keeps its descriptors. */
Test(fd, close_range_unshare_keeps_the_others)
{
	int fd = mfd(), fd2 = mfd(), cfd;
	struct lwp *child;

	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	child = rump_pub_lwproc_curlwp();
	RETURNS(rump_sys_close_range(fd2, ~0u, CLOSE_RANGE_UNSHARE), 0);
	cr_assert(!isopen(fd2));
	cr_assert(isopen(fd), "the copy has the rest");
	cfd = mfd();
	RETURNS(cfd, fd2);
	rump_pub_lwproc_switch(NULL);
	cr_assert(isopen(fd) && isopen(fd2), "the parent keeps its own");
	cr_assert_neq(ino(fd2), 0);
	RETURNS(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(child);
	cr_assert(isopen(fd), "no longer shared");
	cr_assert_neq(ino(cfd), ino(fd));
	rump_pub_lwproc_releaselwp();
	/* Without a shared table, UNSHARE only closes. */
	RETURNS(rump_sys_close_range(fd2, fd2, CLOSE_RANGE_UNSHARE), 0);
	cr_assert(!isopen(fd2));
}

/* The lwps of a process read its table without a lock: a shared table
 * is not swapped under a second lwp (EINVAL), and nothing is closed. */
Test(fd, close_range_unshare_refused_with_two_lwps)
{
	int fd = mfd();
	struct lwp *first, *second;
	pid_t pid;

	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	first = rump_pub_lwproc_curlwp();
	pid = rump_sys_getpid();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	second = rump_pub_lwproc_curlwp();
	FAILS(rump_sys_close_range(fd, fd, CLOSE_RANGE_UNSHARE), EINVAL);
	cr_assert(isopen(fd));
	/* With the second lwp gone, the first may. */
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(first);
	RETURNS(rump_sys_close_range(fd, fd, CLOSE_RANGE_UNSHARE), 0);
	cr_assert(!isopen(fd));
	rump_pub_lwproc_switch(NULL);
	cr_assert(isopen(fd));
	(void)second;
}

static atomic_int cr_stop;
static int cr_shared;

static void *
range_closer(void *arg)
{
	(void)arg;
	while (!atomic_load(&cr_stop)) {
		rump_sys_close_range(200, 249, 0);
		rump_sys_close_range(200, 249, CLOSE_RANGE_CLOEXEC);
	}
	return NULL;
}

static void *
range_filler(void *arg)
{
	unsigned seed = (unsigned)(intptr_t)arg;
	char c;

	while (!atomic_load(&cr_stop)) {
		int fd = 200 + (int)(rand_r(&seed) % 50);

		if (rump_sys_dup2(cr_shared, fd) == fd) {
			ssize_t n = rump_sys_pread(fd, &c, 1, 0);

			if (n < 0 && errno != EBADF)
				return (void *)1;
			if (n == 1 && c != 'r')
				return (void *)2;
		}
	}
	return NULL;
}

/* Host threads fill a range while another closes it: no crash, no
 * file left behind (LeakSanitizer), and the table is whole after. */
Test(fd, close_range_races_with_dup2)
{
	pthread_t t[3];
	void *rv;

	cr_shared = mfd();
	RETURNS(rump_sys_write(cr_shared, "racy", 4), 4);
	pthread_create(&t[0], NULL, range_closer, NULL);
	for (int i = 1; i < 3; i++)
		pthread_create(&t[i], NULL, range_filler,
			       (void *)(intptr_t)(i * 17));
	usleep(200 * 1000);
	atomic_store(&cr_stop, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
	RETURNS(rump_sys_close_range(200, 249, 0), 0);
	for (int fd = 200; fd < 250; fd++)
		cr_assert(!isopen(fd));
	RETURNS(rump_sys_dup(cr_shared), cr_shared + 1);
}

/* ---- tables across rfork ----------------------------------------------- */

Test(fd, rfork_share)
{
	int fd = mfd(), cfd;
	struct lwp *child;

	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	child = rump_pub_lwproc_curlwp();
	cr_assert_eq(ino(fd), ino(fd), "the child sees the parent's fd");
	cfd = mfd();
	rump_pub_lwproc_switch(NULL);
	cr_assert(isopen(cfd), "the parent sees the child's fd");
	RETURNS(rump_sys_close(fd), 0);
	rump_pub_lwproc_switch(child);
	FAILS(rump_sys_fcntl(fd, F_GETFD), EBADF);
	RETURNS(rump_sys_fcntl(cfd, F_SETFD, FD_CLOEXEC), 0);
	/* The table outlives the child. */
	rump_pub_lwproc_releaselwp();
	RETURNS(rump_sys_fcntl(cfd, F_GETFD), FD_CLOEXEC);
}

Test(fd, rfork_copy)
{
	int fd = mfd(), ce = rump_sys_memfd_create("ce", MFD_CLOEXEC), cfd;
	struct lwp *child;
	char buf[2];

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	child = rump_pub_lwproc_curlwp();
	cr_assert_eq(ino(fd), ino(fd));
	RETURNS(rump_sys_fcntl(ce, F_GETFD), FD_CLOEXEC); /* flags are copied */
	cfd = mfd();
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_dup2(ce, fd), fd);
	/* The open files are shared, as after fork(2): one offset. */
	RETURNS(rump_sys_write(ce, "ab", 2), 2);
	rump_pub_lwproc_switch(NULL);
	cr_assert(!isopen(cfd), "the child's new fd is its own");
	cr_assert_neq(ino(fd), ino(ce), "the parent's fd is untouched");
	RETURNS(rump_sys_lseek(ce, 0, SEEK_CUR), 2);
	RETURNS(rump_sys_pread(ce, buf, 2, 0), 2);
	/* Releasing the child closes its copies, not the files. */
	rump_pub_lwproc_switch(child);
	rump_pub_lwproc_releaselwp();
	RETURNS(rump_sys_pread(ce, buf, 2, 0), 2);
	cr_assert_eq(memcmp(buf, "ab", 2), 0);
}

Test(fd, rfork_clean)
{
	int fd = mfd();

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	FAILS(rump_sys_fcntl(fd, F_GETFD), EBADF);
	FAILS(rump_sys_read(fd, &fd, 1), EBADF);
	RETURNS(mfd(), 0);
	rump_pub_lwproc_releaselwp();
	cr_assert(isopen(fd));
}

Test(fd, process_exit_closes)
{
	/* A process's descriptors go with its last lwp; a file survives
	 * while a copy of the table still holds it.  (Under the sanitizer
	 * build, LeakSanitizer checks that the last close frees it.) */
	struct lwp *p1, *p2;
	char buf[4];
	int fd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	p1 = rump_pub_lwproc_curlwp();
	fd = mfd();
	RETURNS(rump_sys_write(fd, "keep", 4), 4);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	p2 = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(p1);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(p2);
	RETURNS(rump_sys_pread(fd, buf, 4, 0), 4);
	cr_assert_eq(memcmp(buf, "keep", 4), 0);
	rump_pub_lwproc_releaselwp();
}

/* ---- threads ----------------------------------------------------------- */

enum { NT = 4 };
static int shared;
static atomic_int stop;

static void *
reader_bytes(void *arg)
{
	/* Each read() takes its own byte: counts per value add up. */
	unsigned *seen = arg;
	unsigned char c;

	while (rump_sys_read(shared, &c, 1) == 1)
		seen[c]++;
	return NULL;
}

Test(fd, threads_share_offset)
{
	enum { LEN = 256 * 64 };
	static unsigned char buf[LEN];
	static unsigned seen[NT][256];
	pthread_t t[NT];

	for (int i = 0; i < LEN; i++)
		buf[i] = (unsigned char)i;
	shared = mfd();
	RETURNS(rump_sys_pwrite(shared, buf, LEN, 0), LEN);
	for (int i = 0; i < NT; i++)
		pthread_create(&t[i], NULL, reader_bytes, seen[i]);
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	for (int v = 0; v < 256; v++) {
		unsigned total = 0;
		for (int i = 0; i < NT; i++)
			total += seen[i][v];
		cr_assert_eq(total, 64, "byte %d read %u times", v, total);
	}
}

enum { REC = 64, NREC = 400 };

static void *
vec_writer(void *arg)
{
	char head[REC / 2], tail[REC / 2];
	struct iovec iov[2] = { { head, sizeof(head) },
				{ tail, sizeof(tail) } };

	memset(head, 'A' + (int)(intptr_t)arg, sizeof(head));
	memset(tail, 'a' + (int)(intptr_t)arg, sizeof(tail));
	for (int i = 0; i < NREC; i++)
		if (rump_sys_writev(shared, iov, 2) != REC)
			return (void *)1;
	return NULL;
}

Test(fd, threads_writev_atomic_offset)
{
	/* writev without O_APPEND: each vector lands whole at its own
	 * offset, none overwrites another. */
	pthread_t t[NT];
	static char all[NT * NREC * REC];
	void *rv;

	shared = mfd();
	for (int i = 0; i < NT; i++)
		pthread_create(&t[i], NULL, vec_writer, (void *)(intptr_t)i);
	for (int i = 0; i < NT; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
	RETURNS(rump_sys_lseek(shared, 0, SEEK_CUR), sizeof(all));
	RETURNS(rump_sys_pread(shared, all, sizeof(all), 0), sizeof(all));
	for (int r = 0; r < NT * NREC; r++) {
		char *p = all + r * REC;
		for (int i = 0; i < REC; i++)
			cr_assert_eq(p[i],
				     (i < REC / 2 ? p[0] : p[0] - 'A' + 'a'),
				     "record %d torn", r);
	}
}

static void *
dup_closer(void *arg)
{
	/* Churn the table: dup, dup2 onto busy slots, close. */
	unsigned seed = (unsigned)(intptr_t)arg;

	while (!atomic_load(&stop)) {
		int d = rump_sys_dup(shared);
		if (d >= 0 && rand_r(&seed) % 2)
			rump_sys_close(d);
		int target = 100 + rand_r(&seed) % 50;
		rump_sys_dup2(shared, target);
		rump_sys_close(100 + rand_r(&seed) % 50);
	}
	return NULL;
}

static void *
slot_reader(void *arg)
{
	/* Read through descriptors that may be closed under us: EBADF or
	 * data, never a crash. */
	unsigned seed = (unsigned)(intptr_t)arg;
	char buf[64];

	while (!atomic_load(&stop)) {
		int fd = 100 + rand_r(&seed) % 50;
		ssize_t n = rump_sys_pread(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno != EBADF)
			return (void *)1;
		if (n > 0 && memcmp(buf, "racy", 4) != 0)
			return (void *)2;
	}
	return NULL;
}

Test(fd, threads_dup_close_race)
{
	pthread_t t[2 * NT];
	void *rv;
	int base;

	shared = mfd();
	RETURNS(rump_sys_write(shared, "racy data", 9), 9);
	for (int i = 0; i < NT; i++) {
		pthread_create(&t[i], NULL, dup_closer,
			       (void *)(intptr_t)(i + 1));
		pthread_create(&t[NT + i], NULL, slot_reader,
			       (void *)(intptr_t)(i + 7));
	}
	usleep(300 * 1000);
	atomic_store(&stop, 1);
	for (int i = 0; i < 2 * NT; i++) {
		pthread_join(t[i], &rv);
		cr_assert_null(rv);
	}
	/* Close everything: nothing is left behind (LeakSanitizer checks
	 * the files are freed), and the table still works. */
	for (int fd = shared + 1; fd < DEFAULT_NOFILE; fd++)
		rump_sys_close(fd);
	base = rump_sys_dup(shared);
	cr_assert_eq(base, shared + 1);
	RETURNS(rump_sys_close(shared), 0);
	RETURNS(rump_sys_close(base), 0);
}

static void *
closer_while_reading(void *arg)
{
	(void)arg;
	usleep(1000);
	rump_sys_close(shared);
	return NULL;
}

Test(fd, close_during_read)
{
	/* A file closed while a big read is in progress stays valid until
	 * the read ends. */
	enum { LEN = 32 << 20 };
	char *buf = malloc(LEN);
	pthread_t t;

	shared = mfd();
	RETURNS(rump_sys_ftruncate(shared, LEN), 0);
	memset(buf, 1, LEN);
	RETURNS(rump_sys_pwrite(shared, buf, LEN, 0), LEN);
	pthread_create(&t, NULL, closer_while_reading, NULL);
	for (int i = 0; i < 4; i++) {
		ssize_t n = rump_sys_pread(shared, buf, LEN, 0);
		cr_assert(n == LEN || (n == -1 && errno == EBADF));
	}
	pthread_join(t, NULL);
	FAILS(rump_sys_fcntl(shared, F_GETFD), EBADF);
	free(buf);
}

/* ---- I/O checks that belong to the descriptor --------------------------- */

Test(fd, io_on_bad_descriptors)
{
	char buf[4];
	struct iovec iov = { buf, 4 };
	struct stat st;

	FAILS(rump_sys_read(-1, buf, 4), EBADF);
	FAILS(rump_sys_write(1000, buf, 4), EBADF);
	FAILS(rump_sys_readv(7, &iov, 1), EBADF);
	FAILS(rump_sys_writev(7, &iov, 1), EBADF);
	FAILS(rump_sys_preadv(7, &iov, 1, 0), EBADF);
	FAILS(rump_sys_pwritev(7, &iov, 1, 0), EBADF);
	FAILS(rump_sys_lseek(7, 0, SEEK_SET), EBADF);
	FAILS(rump_sys_fstat(7, &st), EBADF);
	FAILS(rump_sys_ftruncate(7, 0), EBADF);
	FAILS(rump_sys_fcntl(7, F_GETFL), EBADF);
}

/* ---- F_GETFL of each kind of file --------------------------------------- */

static void
same_getfl(int rfd, int hfd, const char *what)
{
	cr_assert_geq(rfd, 0, "%s: %s", what, strerror(errno));
	cr_assert_geq(hfd, 0);
	cr_assert_eq(rump_sys_fcntl(rfd, F_GETFL), fcntl(hfd, F_GETFL),
		     "%s: %#x, host %#x", what, rump_sys_fcntl(rfd, F_GETFL),
		     fcntl(hfd, F_GETFL));
	rump_sys_close(rfd);
	close(hfd);
}

/* x86_64 Linux marks files large (O_LARGEFILE) when open() or
 * memfd_create makes them, not pipes, sockets and other anonymous
 * files, nor O_PATH descriptors: F_GETFL shows the same here. */
Test(fd, fcntl_getfl_as_the_host_for_each_kind_of_file)
{
	int rp[2], hp[2];

	cr_assert_eq(rump_sys_pipe(rp), 0);
	cr_assert_eq(pipe(hp), 0);
	same_getfl(rp[0], hp[0], "pipe read end");
	same_getfl(rp[1], hp[1], "pipe write end");
	same_getfl(rump_sys_socket(AF_UNIX, SOCK_STREAM, 0),
		   socket(AF_UNIX, SOCK_STREAM, 0), "socket");
	same_getfl(rump_sys_eventfd(0, 0), eventfd(0, 0), "eventfd");
	same_getfl(rump_sys_epoll_create1(0), epoll_create1(0), "epoll");
	same_getfl(rump_sys_timerfd_create(CLOCK_MONOTONIC, 0),
		   timerfd_create(CLOCK_MONOTONIC, 0), "timerfd");
	same_getfl(mfd(), memfd_create("host", 0), "memfd");
	same_getfl(rump_sys_open("/", O_RDONLY | O_DIRECTORY),
		   open("/", O_RDONLY | O_DIRECTORY), "directory");
	same_getfl(rump_sys_open("/", O_PATH), open("/", O_PATH), "O_PATH");
	same_getfl(rump_sys_open("/", O_PATH | O_DIRECTORY | O_NOFOLLOW),
		   open("/", O_PATH | O_DIRECTORY | O_NOFOLLOW), "O_PATH dir");
}

/* An O_PATH descriptor takes only the fcntl commands about the
 * descriptor, and F_GETFL; the others are EBADF. */
Test(fd, fcntl_on_o_path)
{
	struct flock fl = { .l_type = F_RDLCK };
	int p = rump_sys_open("/", O_PATH), d;

	cr_assert_geq(p, 0);
	RETURNS(rump_sys_fcntl(p, F_GETFL), O_PATH);
	FAILS(rump_sys_fcntl(p, F_SETFL, O_APPEND), EBADF);
	RETURNS(rump_sys_fcntl(p, F_GETFL), O_PATH);
	FAILS(rump_sys_fcntl(p, F_GETLK, &fl), EBADF);
	FAILS(rump_sys_fcntl(p, F_GETPIPE_SZ), EBADF);
	FAILS(rump_sys_fcntl(p, 9999), EBADF);
	RETURNS(rump_sys_fcntl(p, F_SETFD, FD_CLOEXEC), 0);
	RETURNS(rump_sys_fcntl(p, F_GETFD), FD_CLOEXEC);
	d = rump_sys_fcntl(p, F_DUPFD_CLOEXEC, 0);
	cr_assert_gt(d, p);
	RETURNS(rump_sys_fcntl(d, F_GETFL), O_PATH);
	rump_sys_close(p);
	rump_sys_close(d);
}

/* ---- zero-length reads and writes, as the host ------------------------ */

/* read(fd, buf, 0) and write(fd, buf, 0) on a rump and a host file of
 * the same kind give the same result and errno. */
static void
same_zero_io(int rfd, int hfd, const char *what)
{
	char buf[1];
	long r, h;
	int re, he;

	cr_assert_geq(rfd, 0, "%s: %s", what, strerror(errno));
	cr_assert_geq(hfd, 0);
	errno = 0;
	r = rump_sys_read(rfd, buf, 0);
	re = errno;
	errno = 0;
	h = read(hfd, buf, 0);
	he = errno;
	cr_assert(r == h && re == he, "%s: read %ld/%s, host %ld/%s", what, r,
		  strerror(re), h, strerror(he));
	errno = 0;
	r = rump_sys_write(rfd, buf, 0);
	re = errno;
	errno = 0;
	h = write(hfd, buf, 0);
	he = errno;
	cr_assert(r == h && re == he, "%s: write %ld/%s, host %ld/%s", what, r,
		  strerror(re), h, strerror(he));
}

static void
close_both(int rfd, int hfd)
{
	rump_sys_close(rfd);
	close(hfd);
}

/* Linux hands a zero-length transfer to the file, which decides: a
 * socket without a peer says so, eventfd and timerfd want 8 bytes,
 * /dev/full is full; pipes and files do nothing. */
Test(fd, zero_length_io_as_the_host)
{
	int rp[2], hp[2], rs[2], hs[2], r, h;
	char path[] = "/tmp/rump_zero_io.XXXXXX";

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(rump_sys_pipe2(rp, O_NONBLOCK), 0);
	cr_assert_eq(pipe2(hp, O_NONBLOCK), 0);
	same_zero_io(rp[0], hp[0], "empty pipe, read end");
	same_zero_io(rp[1], hp[1], "empty pipe, write end");
	close_both(rp[0], hp[0]);
	same_zero_io(rp[1], hp[1], "pipe without reader");
	close_both(rp[1], hp[1]);

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, rs), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, hs), 0);
	same_zero_io(rs[0], hs[0], "stream pair");
	close_both(rs[1], hs[1]);
	same_zero_io(rs[0], hs[0], "stream without peer");
	close_both(rs[0], hs[0]);
	same_zero_io(rump_sys_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0),
		     socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0),
		     "unconnected stream");
	same_zero_io(rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0),
		     socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0),
		     "unconnected datagram");
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, rs), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, hs), 0);
	same_zero_io(rs[0], hs[0], "datagram pair");
	/* The empty datagram went: the peer reads it as 0 bytes. */
	r = (int)rump_sys_recv(rs[1], path, 1, MSG_DONTWAIT);
	h = (int)recv(hs[1], path, 1, MSG_DONTWAIT);
	cr_assert_eq(r, h);
	close_both(rs[0], hs[0]);
	close_both(rs[1], hs[1]);

	same_zero_io(rump_sys_eventfd(1, EFD_NONBLOCK),
		     eventfd(1, EFD_NONBLOCK), "eventfd");
	same_zero_io(rump_sys_timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK),
		     timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), "timerfd");
	same_zero_io(rump_sys_epoll_create1(0), epoll_create1(0), "epoll");
	same_zero_io(mfd(), memfd_create("host", 0), "memfd");
	same_zero_io(rump_sys_open("/dev/null", O_RDWR),
		     open("/dev/null", O_RDWR), "/dev/null");
	same_zero_io(rump_sys_open("/dev/zero", O_RDWR),
		     open("/dev/zero", O_RDWR), "/dev/zero");
	same_zero_io(rump_sys_open("/dev/full", O_RDWR),
		     open("/dev/full", O_RDWR), "/dev/full");
	same_zero_io(rump_sys_open("/", O_RDONLY | O_DIRECTORY),
		     open("/", O_RDONLY | O_DIRECTORY), "directory");
	cr_assert_geq(h = mkstemp(path), 0);
	unlink(path);
	same_zero_io(rump_sys_open("/zero_io", O_CREAT | O_RDWR, 0600), h,
		     "regular file");
}

/* Nothing read or written changes nothing: no atime, no mtime, no
 * set-id bits dropped (Linux returns before file_remove_privs). */
Test(fd, zero_length_io_leaves_the_file_alone)
{
	struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };
	struct stat st;
	char c;
	int fd = rump_sys_open("/zero_alone", O_CREAT | O_RDWR, 06755);

	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fchmod(fd, 06755), 0);
	RETURNS(rump_sys_futimens(fd, ts), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0); /* a writer that would drop them */
	RETURNS(rump_sys_read(fd, &c, 0), 0);
	RETURNS(rump_sys_write(fd, &c, 0), 0);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 06755);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
	cr_assert_eq(st.st_mtim.tv_sec, 2000);
	rump_pub_lwproc_releaselwp();
	rump_sys_close(fd);
}
