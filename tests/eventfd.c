/*
 * eventfd.c: eventfd and eventfd2 (ipc/eventfd.c): counter and semaphore
 * modes, blocking and non-blocking forms, limits, and poll readiness.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(eventfd, .init = ipc_boot);

static uint64_t
rd(int fd)
{
	uint64_t v = 0;

	cr_assert_eq(rump_sys_read(fd, &v, sizeof(v)), 8, "read: %s",
		     strerror(errno));
	return v;
}

static void
wr(int fd, uint64_t v)
{
	cr_assert_eq(rump_sys_write(fd, &v, sizeof(v)), 8, "write: %s",
		     strerror(errno));
}

Test(eventfd, counter)
{
	int fd = rump_sys_eventfd(5, EFD_NONBLOCK);
	uint64_t v = 1;
	char small[4];

	cr_assert_geq(fd, 0);
	cr_assert_eq(rd(fd), 5);
	FAILS(rump_sys_read(fd, &v, sizeof(v)), EAGAIN);
	wr(fd, 3);
	wr(fd, 4);
	cr_assert_eq(rd(fd), 7);
	/* Short buffers and the forbidden value. */
	FAILS(rump_sys_read(fd, small, sizeof(small)), EINVAL);
	FAILS(rump_sys_write(fd, small, sizeof(small)), EINVAL);
	v = UINT64_MAX;
	FAILS(rump_sys_write(fd, &v, sizeof(v)), EINVAL);
	/* Up to 2^64-2, then EAGAIN. */
	v = UINT64_MAX - 1;
	wr(fd, v);
	v = 1;
	FAILS(rump_sys_write(fd, &v, sizeof(v)), EAGAIN);
	cr_assert_eq(rd(fd), UINT64_MAX - 1);
	FAILS(rump_sys_read(fd, (void *)8, 8), EAGAIN);
	wr(fd, 1);
	FAILS(rump_sys_read(fd, (void *)8, 8), EFAULT);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
}

Test(eventfd, semaphore)
{
	int fd = rump_sys_eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	uint64_t v;

	cr_assert_geq(fd, 0);
	cr_assert_eq(rd(fd), 1);
	cr_assert_eq(rd(fd), 1);
	cr_assert_eq(rd(fd), 1);
	FAILS(rump_sys_read(fd, &v, sizeof(v)), EAGAIN);
}

Test(eventfd, flags)
{
	int fd;

	FAILS(rump_sys_eventfd(0, 0x4000000), EINVAL);
	fd = rump_sys_eventfd(0, EFD_CLOEXEC);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	/* The old call has no flags. */
	long args[6] = { 7 };
	fd = (int)rump_syscall(RUMP_SYS_eventfd, args);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), 0);
	cr_assert_eq(rd(fd), 7);
}

Test(eventfd, poll)
{
	int fd = rump_sys_eventfd(0, EFD_NONBLOCK);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLOUT);
	wr(fd, 2);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLIN | POLLOUT);
	wr(fd, UINT64_MAX - 3);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLIN);
}

struct waiter_arg {
	struct lwp *l;
	int fd;
	uint64_t got;
};

static void *
blocked_reader(void *arg)
{
	struct waiter_arg *w = arg;

	rump_pub_lwproc_switch(w->l);
	w->got = rd(w->fd);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void *
blocked_writer(void *arg)
{
	struct waiter_arg *w = arg;

	rump_pub_lwproc_switch(w->l);
	wr(w->fd, 10);
	w->got = 1;
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(eventfd, blocking_across_processes)
{
	int fd;
	struct waiter_arg w;
	pthread_t t;

	new_proc();
	fd = rump_sys_eventfd(0, 0);
	w.fd = fd;
	w.l = child_proc(RUMP_RFFDG);
	w.got = 0;
	t = spawn(blocked_reader, &w);
	msleep(30);
	cr_assert_eq(w.got, 0);
	wr(fd, 42);
	join(t);
	cr_assert_eq(w.got, 42);

	/* A writer blocked by a full counter resumes after a read. */
	wr(fd, UINT64_MAX - 5);
	w.l = child_proc(RUMP_RFFDG);
	w.got = 0;
	t = spawn(blocked_writer, &w);
	msleep(30);
	cr_assert_eq(w.got, 0);
	cr_assert_eq(rd(fd), UINT64_MAX - 5);
	join(t);
	cr_assert_eq(rd(fd), 10);
}

/* Many processes posting to one counter lose nothing. */
static void *
poster(void *arg)
{
	struct waiter_arg *w = arg;

	rump_pub_lwproc_switch(w->l);
	for (int i = 0; i < 1000; i++)
		wr(w->fd, 1);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(eventfd, concurrent_posts)
{
	struct waiter_arg w[4];
	pthread_t t[4];
	uint64_t total = 0, v;
	int fd;

	new_proc();
	fd = rump_sys_eventfd(0, 0);
	for (int i = 0; i < 4; i++) {
		w[i].fd = fd;
		w[i].l = child_proc(RUMP_RFFDG);
		t[i] = spawn(poster, &w[i]);
	}
	while (total < 4000) {
		v = rd(fd);
		total += v;
	}
	for (int i = 0; i < 4; i++)
		join(t[i]);
	cr_assert_eq(total, 4000);
}

/* A write must be exactly 8 bytes (Linux 6.x), a read at least 8. */
Test(eventfd, write_size_exact)
{
	uint64_t v[2] = { 1, 2 };
	int fd = rump_sys_eventfd(0, EFD_NONBLOCK);

	FAILS(rump_sys_write(fd, v, 16), EINVAL);
	FAILS(rump_sys_write(fd, v, 9), EINVAL);
	FAILS(rump_sys_write(fd, v, 7), EINVAL);
	RETURNS(rump_sys_write(fd, v, 8), 8);
	RETURNS(rump_sys_read(fd, v, 16), 8);
	cr_assert_eq(v[0], 1);
	FAILS(rump_sys_read(fd, v, 8), EAGAIN);
	RETURNS(rump_sys_close(fd), 0);
}

/*
 * The anonymous-inode files have no position, yet lseek is Linux's
 * noop_llseek: any valid whence gives 0 and moves nothing, a bad one
 * EINVAL.  Positional I/O stays ESPIPE and fsync EINVAL (as on Linux
 * 6.18).
 */
Test(eventfd, anon_inode_files_seek_to_0)
{
	sigset_t none;
	int fds[4];
	char buf[8] = { 0 };
	struct iovec iov = { buf, sizeof(buf) };

	sigemptyset(&none);
	fds[0] = rump_sys_eventfd(5, 0);
	fds[1] = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
	fds[2] = rump_sys_signalfd(-1, &none, 0);
	fds[3] = rump_sys_epoll_create1(0);
	for (int i = 0; i < 4; i++) {
		cr_assert_geq(fds[i], 0, "file %d", i);
		RETURNS(rump_sys_lseek(fds[i], 0, SEEK_SET), 0);
		RETURNS(rump_sys_lseek(fds[i], 100, SEEK_CUR), 0);
		RETURNS(rump_sys_lseek(fds[i], -5, SEEK_SET), 0);
		RETURNS(rump_sys_lseek(fds[i], 0, SEEK_END), 0);
		RETURNS(rump_sys_lseek(fds[i], 0, SEEK_DATA), 0);
		RETURNS(rump_sys_lseek(fds[i], 0, SEEK_HOLE), 0);
		FAILS(rump_sys_lseek(fds[i], 0, 99), EINVAL);
		FAILS(rump_sys_pread(fds[i], buf, 8, 0), ESPIPE);
		FAILS(rump_sys_pwrite(fds[i], buf, 8, 0), ESPIPE);
		FAILS(rump_sys_preadv(fds[i], &iov, 1, 0), ESPIPE);
		FAILS(rump_sys_pwritev(fds[i], &iov, 1, 0), ESPIPE);
		FAILS(rump_sys_fsync(fds[i]), EINVAL);
		FAILS(rump_sys_fdatasync(fds[i]), EINVAL);
	}
	/* The counter is untouched by all that. */
	cr_assert_eq(rd(fds[0]), 5);
	for (int i = 0; i < 4; i++)
		RETURNS(rump_sys_close(fds[i]), 0);
}

/* All four show Linux's one anonymous inode: the same device, inode and
 * times (those of boot), root's, mode 0600 without type bits. */
Test(eventfd, anon_inode_files_are_one_inode)
{
	sigset_t none;
	struct stat st[4], later;
	struct timespec now;
	int fds[4];

	sigemptyset(&none);
	fds[0] = rump_sys_eventfd(0, 0);
	fds[1] = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
	fds[2] = rump_sys_signalfd(-1, &none, 0);
	fds[3] = rump_sys_epoll_create1(0);
	for (int i = 0; i < 4; i++) {
		cr_assert_geq(fds[i], 0, "file %d", i);
		RETURNS(rump_sys_fstat(fds[i], &st[i]), 0);
		cr_assert_eq(st[i].st_mode, 0600);
		cr_assert_eq(st[i].st_uid, 0);
		cr_assert_eq(st[i].st_nlink, 1);
		cr_assert_eq(st[i].st_size, 0);
		cr_assert_eq(st[i].st_dev, st[0].st_dev, "file %d", i);
		cr_assert_eq(st[i].st_ino, st[0].st_ino, "file %d", i);
		cr_assert_eq(st[i].st_mtim.tv_sec, st[0].st_mtim.tv_sec);
		cr_assert_eq(st[i].st_mtim.tv_nsec, st[0].st_mtim.tv_nsec);
		cr_assert_eq(st[i].st_atim.tv_nsec, st[i].st_mtim.tv_nsec);
		cr_assert_eq(st[i].st_ctim.tv_sec, st[i].st_mtim.tv_sec);
	}
	RETURNS(rump_sys_clock_gettime(CLOCK_REALTIME, &now), 0);
	cr_assert_gt(st[0].st_mtim.tv_sec, 0, "the time of boot, not 0");
	cr_assert_leq(st[0].st_mtim.tv_sec, now.tv_sec);
	/* Reading or writing the file does not touch the inode. */
	uint64_t v = 1;
	RETURNS(rump_sys_write(fds[0], &v, 8), 8);
	RETURNS(rump_sys_fstat(fds[0], &later), 0);
	cr_assert_eq(later.st_mtim.tv_sec, st[0].st_mtim.tv_sec);
	cr_assert_eq(later.st_mtim.tv_nsec, st[0].st_mtim.tv_nsec);
	for (int i = 0; i < 4; i++)
		RETURNS(rump_sys_close(fds[i]), 0);
}
