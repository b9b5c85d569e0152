/*
 * pipe.c: pipe(2) and pipe2(2) (ipc/pipe.c): data, end of file, EPIPE,
 * non-blocking forms, PIPE_BUF atomicity, F_SETPIPE_SZ/F_GETPIPE_SZ,
 * and a writer process and a reader process on two host threads.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc_util.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

TestSuite(pipe, .init = ipc_boot);

static void
mkpipe(int fds[2], int flags)
{
	cr_assert_eq(rump_sys_pipe2(fds, flags), 0, "pipe2: %s",
		     strerror(errno));
}

Test(pipe, basic)
{
	int fds[2];
	char buf[16];

	cr_assert_eq(rump_sys_pipe(fds), 0);
	cr_assert_neq(fds[0], fds[1]);
	RETURNS(rump_sys_write(fds[1], "hello", 5), 5);
	RETURNS(rump_sys_write(fds[1], " world", 6), 6);
	/* A read takes what is there, up to its size. */
	RETURNS(rump_sys_read(fds[0], buf, 3), 3);
	cr_assert_eq(memcmp(buf, "hel", 3), 0);
	RETURNS(rump_sys_read(fds[0], buf, sizeof(buf)), 8);
	cr_assert_eq(memcmp(buf, "lo world", 8), 0);
	/* Wrong direction: EBADF. */
	FAILS(rump_sys_write(fds[0], "x", 1), EBADF);
	FAILS(rump_sys_read(fds[1], buf, 1), EBADF);
	/* No offset. */
	FAILS(rump_sys_lseek(fds[0], 0, SEEK_SET), ESPIPE);
	FAILS(rump_sys_pread(fds[0], buf, 1, 0), ESPIPE);
	RETURNS(rump_sys_close(fds[1]), 0);
	RETURNS(rump_sys_read(fds[0], buf, sizeof(buf)), 0); /* EOF */
	RETURNS(rump_sys_close(fds[0]), 0);
}

Test(pipe, flags)
{
	int fds[2];

	FAILS(rump_sys_pipe2(fds, 0x12345), EINVAL);
	FAILS(rump_sys_pipe2(NULL, 0), EFAULT);
	FAILS(rump_sys_pipe((int *)8), EFAULT);
	mkpipe(fds, O_CLOEXEC | O_NONBLOCK);
	RETURNS(rump_sys_fcntl(fds[0], F_GETFD), FD_CLOEXEC);
	RETURNS(rump_sys_fcntl(fds[1], F_GETFD), FD_CLOEXEC);
	cr_assert(rump_sys_fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	cr_assert_eq(rump_sys_fcntl(fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	cr_assert_eq(rump_sys_fcntl(fds[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	mkpipe(fds, 0);
	RETURNS(rump_sys_fcntl(fds[0], F_GETFD), 0);
	cr_assert_eq(rump_sys_fcntl(fds[1], F_GETFL) & O_NONBLOCK, 0);
}

Test(pipe, fstat)
{
	int fds[2];
	struct stat a, b;

	mkpipe(fds, 0);
	RETURNS(rump_sys_fstat(fds[0], &a), 0);
	RETURNS(rump_sys_fstat(fds[1], &b), 0);
	cr_assert(S_ISFIFO(a.st_mode));
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert_eq(a.st_mode & 0777, 0600);
}

/* Both ends are one inode: what fchmod, fchown and futimens change on
 * one shows on the other; data moving leaves the times alone (Linux
 * 6.x), and a mode of 0 does not stop ends already open. */
Test(pipe, attributes_are_the_inodes)
{
	struct timespec ts[2] = { { -1, 500000000 }, { 7, 9 } };
	int fds[2];
	struct stat st;
	char c;

	mkpipe(fds, 0);
	RETURNS(rump_sys_fchmod(fds[1], 0), 0);
	RETURNS(rump_sys_fchown(fds[0], 42, 43), 0);
	RETURNS(rump_sys_futimens(fds[1], ts), 0);
	RETURNS(rump_sys_write(fds[1], "x", 1), 1);
	RETURNS(rump_sys_read(fds[0], &c, 1), 1);
	for (int i = 0; i < 2; i++) {
		RETURNS(rump_sys_fstat(fds[i], &st), 0);
		cr_assert_eq(st.st_mode, S_IFIFO);
		cr_assert_eq(st.st_uid, 42);
		cr_assert_eq(st.st_gid, 43);
		/* Before 1970: seconds down, nanoseconds positive. */
		cr_assert_eq(st.st_atim.tv_sec, -1);
		cr_assert_eq(st.st_atim.tv_nsec, 500000000);
		cr_assert_eq(st.st_mtim.tv_sec, 7);
		cr_assert_eq(st.st_mtim.tv_nsec, 9);
	}
	/* A pipe of a process of another user is that user's. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setresgid(7, 8, 9), 0);
	RETURNS(rump_sys_setresuid(4, 5, 6), 0);
	mkpipe(fds, 0);
	RETURNS(rump_sys_fstat(fds[1], &st), 0);
	cr_assert_eq(st.st_uid, 5);
	cr_assert_eq(st.st_gid, 8);
	RETURNS(rump_sys_fchmod(fds[1], 0606), 0);
	FAILS(rump_sys_fchown(fds[0], 4, -1), EPERM);
	RETURNS(rump_sys_fstat(fds[0], &st), 0);
	cr_assert_eq(st.st_mode, S_IFIFO | 0606);
	rump_pub_lwproc_releaselwp();
}

Test(pipe, nonblocking)
{
	int fds[2];
	char buf[4096];
	long n = 0, r;

	mkpipe(fds, O_NONBLOCK);
	FAILS(rump_sys_read(fds[0], buf, 1), EAGAIN);
	memset(buf, 'a', sizeof(buf));
	while ((r = rump_sys_write(fds[1], buf, sizeof(buf))) > 0)
		n += r;
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(n, 65536, "default capacity %ld", n);
	RETURNS(rump_sys_fcntl(fds[1], F_GETPIPE_SZ), 65536);
	/* Full: even one byte fails. */
	FAILS(rump_sys_write(fds[1], buf, 1), EAGAIN);
	RETURNS(rump_sys_read(fds[0], buf, 100), 100);
	/* 100 bytes free: a write of at most PIPE_BUF is all or nothing. */
	FAILS(rump_sys_write(fds[1], buf, 200), EAGAIN);
	RETURNS(rump_sys_write(fds[1], buf, 100), 100);
	RETURNS(rump_sys_read(fds[0], buf, 4096), 4096);
	/* A larger write takes what fits. */
	char *big = calloc(1, 10000);
	RETURNS(rump_sys_write(fds[1], big, 10000), 4096);
	free(big);
	/* O_NONBLOCK through F_SETFL. */
	RETURNS(rump_sys_fcntl(fds[0], F_SETFL, 0), 0);
	RETURNS(rump_sys_fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

Test(pipe, epipe)
{
	int fds[2];
	char c = 'x';

	mkpipe(fds, 0);
	RETURNS(rump_sys_close(fds[0]), 0);
	FAILS(rump_sys_write(fds[1], &c, 1), EPIPE);
	/* Linux returns 0 for an empty write before looking for readers. */
	RETURNS(rump_sys_write(fds[1], &c, 0), 0);
}

Test(pipe, efault)
{
	int fds[2];
	char buf[8];

	mkpipe(fds, O_NONBLOCK);
	FAILS(rump_sys_write(fds[1], (void *)8, 4), EFAULT);
	RETURNS(rump_sys_write(fds[1], "abcd", 4), 4);
	FAILS(rump_sys_read(fds[0], (void *)8, 4), EFAULT);
	/* The data is still there after a failed copy. */
	RETURNS(rump_sys_read(fds[0], buf, 8), 4);
	FAILS(rump_sys_read(-1, buf, 1), EBADF);
	FAILS(rump_sys_write(99, buf, 1), EBADF);
}

Test(pipe, readv_writev)
{
	int fds[2];
	char a[3] = "abc", b[4] = "defg", out[7];
	struct iovec wv[2] = { { a, 3 }, { b, 4 } };
	struct iovec rv[2] = { { out, 2 }, { out + 2, 5 } };

	mkpipe(fds, 0);
	RETURNS(rump_sys_writev(fds[1], wv, 2), 7);
	RETURNS(rump_sys_readv(fds[0], rv, 2), 7);
	cr_assert_eq(memcmp(out, "abcdefg", 7), 0);
}

Test(pipe, setpipe_sz)
{
	int fds[2];
	char buf[8192];

	mkpipe(fds, O_NONBLOCK);
	RETURNS(rump_sys_fcntl(fds[0], F_SETPIPE_SZ, 1), 4096);
	RETURNS(rump_sys_fcntl(fds[1], F_GETPIPE_SZ), 4096);
	RETURNS(rump_sys_fcntl(fds[0], F_SETPIPE_SZ, 5000), 8192);
	RETURNS(rump_sys_fcntl(fds[0], F_SETPIPE_SZ, 0), 4096);
	memset(buf, 'z', sizeof(buf));
	RETURNS(rump_sys_write(fds[1], buf, 8192), 4096);
	RETURNS(rump_sys_read(fds[0], buf, 1000), 1000);
	RETURNS(rump_sys_write(fds[1], buf, 1000), 1000);
	/* Wrapped data survives a resize; shrinking below it is EBUSY. */
	RETURNS(rump_sys_fcntl(fds[0], F_SETPIPE_SZ, 16384), 16384);
	RETURNS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 4096), 4096);
	RETURNS(rump_sys_read(fds[0], buf, 1000), 1000);
	RETURNS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 16384), 16384);
	RETURNS(rump_sys_read(fds[0], buf, sizeof(buf)), 3096);
	RETURNS(rump_sys_write(fds[1], buf, 8192), 8192);
	FAILS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 4096), EBUSY);
	/* Above pipe-max-size: root may, others EPERM; absurd: EINVAL. */
	RETURNS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 2 << 20), 2 << 20);
	FAILS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 1UL << 40), EINVAL);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	FAILS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 4 << 20), EPERM);
	RETURNS(rump_sys_fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
	/* Not a pipe: EINVAL. */
	int m = rump_sys_memfd_create("m", 0);
	FAILS(rump_sys_fcntl(m, F_SETPIPE_SZ, 4096), EINVAL);
	FAILS(rump_sys_fcntl(m, F_GETPIPE_SZ), EINVAL);
}

/* ---- two processes, two threads ------------------------------------- */

#define XFER (4L << 20)

struct xfer {
	struct lwp *l;
	int fd, other;
	size_t chunk;
	long total;
	uint32_t sum;
};

static void *
writer(void *arg)
{
	struct xfer *x = arg;
	unsigned char *buf = malloc(x->chunk);
	long done = 0;

	rump_pub_lwproc_switch(x->l);
	rump_sys_close(x->other);
	while (done < XFER) {
		size_t n = MIN((long)x->chunk, XFER - done);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((done + (long)i) * 7);
		long w = rump_sys_write(x->fd, buf, n);
		if (w <= 0)
			break;
		done += w;
	}
	x->total = done;
	free(buf);
	rump_pub_lwproc_releaselwp(); /* closes the write end */
	return NULL;
}

static void *
reader(void *arg)
{
	struct xfer *x = arg;
	unsigned char *buf = malloc(x->chunk);
	long done = 0, r;
	int bad = 0;

	rump_pub_lwproc_switch(x->l);
	rump_sys_close(x->other);
	while ((r = rump_sys_read(x->fd, buf, x->chunk)) > 0) {
		for (long i = 0; i < r; i++)
			if (buf[i] != (unsigned char)((done + i) * 7))
				bad++;
		done += r;
	}
	x->total = r < 0 ? -1 : done;
	x->sum = (uint32_t)bad;
	free(buf);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
two_procs(size_t wchunk, size_t rchunk)
{
	int fds[2];
	struct xfer w = { .chunk = wchunk }, r = { .chunk = rchunk };

	new_proc();
	mkpipe(fds, 0);
	w.fd = r.other = fds[1];
	r.fd = w.other = fds[0];
	w.l = child_proc(RUMP_RFFDG);
	r.l = child_proc(RUMP_RFFDG);
	/* Only the children hold the ends now. */
	RETURNS(rump_sys_close(fds[0]), 0);
	RETURNS(rump_sys_close(fds[1]), 0);
	pthread_t tw = spawn(writer, &w), tr = spawn(reader, &r);
	join(tw);
	join(tr);
	cr_assert_eq(w.total, XFER);
	cr_assert_eq(r.total, XFER);
	cr_assert_eq(r.sum, 0, "%u corrupt bytes", r.sum);
}

Test(pipe, two_processes_big)
{
	two_procs(65536, 65536);
}

Test(pipe, two_processes_odd)
{
	two_procs(1000, 777);
}

/* Writers of PIPE_BUF-sized records never interleave inside one. */
struct atomw {
	struct lwp *l;
	int fd;
	char tag;
};

static void *
atomic_writer(void *arg)
{
	struct atomw *a = arg;
	char buf[PIPE_BUF];

	rump_pub_lwproc_switch(a->l);
	memset(buf, a->tag, sizeof(buf));
	for (int i = 0; i < 200; i++)
		cr_assert_eq(rump_sys_write(a->fd, buf, sizeof(buf)),
			     (ssize_t)sizeof(buf));
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(pipe, atomic_records)
{
	int fds[2];
	struct atomw a[3];
	pthread_t t[3];
	char buf[PIPE_BUF];
	int counts[3] = { 0 };

	new_proc();
	mkpipe(fds, 0);
	for (int i = 0; i < 3; i++) {
		a[i].l = child_proc(RUMP_RFFDG);
		a[i].fd = fds[1];
		a[i].tag = (char)('a' + i);
	}
	RETURNS(rump_sys_close(fds[1]), 0);
	for (int i = 0; i < 3; i++)
		t[i] = spawn(atomic_writer, &a[i]);
	for (;;) {
		size_t got = 0;
		long r;
		while (got < sizeof(buf) &&
		       (r = rump_sys_read(fds[0], buf + got,
					  sizeof(buf) - got)) > 0)
			got += (size_t)r;
		if (got == 0)
			break;
		cr_assert_eq(got, sizeof(buf));
		for (size_t i = 1; i < sizeof(buf); i++)
			cr_assert_eq(buf[i], buf[0], "record interleaved");
		counts[buf[0] - 'a']++;
	}
	for (int i = 0; i < 3; i++) {
		join(t[i]);
		cr_assert_eq(counts[i], 200);
	}
}

/* A blocked reader is woken by the last writer's close (EOF) and a
 * blocked writer by the last reader's close (EPIPE). */
struct blk {
	int fd;
	long rv;
	int err;
};

static void *
blocked_read(void *arg)
{
	struct blk *b = arg;
	char c;

	b->rv = rump_sys_read(b->fd, &c, 1);
	b->err = errno;
	return NULL;
}

static void *
blocked_write(void *arg)
{
	struct blk *b = arg;
	static char big[70000];

	b->rv = rump_sys_write(b->fd, big, sizeof(big));
	b->err = errno;
	return NULL;
}

Test(pipe, wake_on_close)
{
	int fds[2];
	struct blk b;
	pthread_t t;

	mkpipe(fds, 0);
	b.fd = fds[0];
	t = spawn(blocked_read, &b);
	msleep(50);
	RETURNS(rump_sys_close(fds[1]), 0);
	join(t);
	cr_assert_eq(b.rv, 0);

	mkpipe(fds, 0);
	b.fd = fds[1];
	t = spawn(blocked_write, &b);
	msleep(50);
	RETURNS(rump_sys_close(fds[0]), 0);
	join(t);
	/* 64 KiB went in before the reader left: a short count. */
	cr_assert_eq(b.rv, 65536);
}

Test(pipe, blocked_writer_resumes)
{
	int fds[2];
	struct blk b;
	pthread_t t;
	static char buf[70000];
	long got = 0, r;

	mkpipe(fds, 0);
	b.fd = fds[1];
	t = spawn(blocked_write, &b);
	msleep(30);
	while (got < 70000 && (r = rump_sys_read(fds[0], buf, 5000)) > 0)
		got += r;
	join(t);
	cr_assert_eq(b.rv, 70000);
	cr_assert_eq(got, 70000);
}

/* fn on the host or in rumpkit. */
#define KCALL(rump, fn, ...)                                                   \
	((rump) ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

static void
out_edges(bool rump, char *out, size_t olen)
{
	static char big[65536];
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, got[2];
	int p[2], ep;
	char buf[4096];

	out[0] = '\0';
#define LOOK()                                                                 \
	snprintf(out + strlen(out), olen - strlen(out), " %ld",                \
		 KCALL(rump, epoll_wait, ep, got, 2, 0))
	cr_assert_eq(KCALL(rump, pipe2, p, O_NONBLOCK), 0);
	ep = (int)KCALL(rump, epoll_create1, 0);
	cr_assert_eq(KCALL(rump, epoll_ctl, ep, EPOLL_CTL_ADD, p[1], &ev), 0);
	LOOK(); /* writable */
	cr_assert_eq(KCALL(rump, write, p[1], "ab", 2), 2);
	LOOK();
	cr_assert_eq(KCALL(rump, read, p[0], buf, 1), 1);
	LOOK(); /* a read from a pipe that was not full wakes no writer */
	cr_assert_eq(KCALL(rump, read, p[0], buf, 1), 1);
	LOOK();
	cr_assert_eq(KCALL(rump, write, p[1], big, sizeof(big)),
		     (long)sizeof(big));
	LOOK();
	cr_assert_eq(KCALL(rump, read, p[0], buf, 1), 1);
	LOOK(); /* woken, but still not writable */
	cr_assert_eq(KCALL(rump, read, p[0], buf, sizeof(buf)),
		     (long)sizeof(buf));
	LOOK(); /* was full: writable again */
	cr_assert_eq(KCALL(rump, read, p[0], buf, sizeof(buf)),
		     (long)sizeof(buf));
	LOOK(); /* was not full */
#undef LOOK
	KCALL(rump, close, p[0]);
	KCALL(rump, close, p[1]);
	KCALL(rump, close, ep);
}

/* As Linux's pipe_read: a read wakes the writers only if the pipe was
 * full when it began, so an edge-triggered EPOLLOUT is reported again
 * only when room came back. */
Test(pipe, read_wakes_writers_only_from_full)
{
	char h[128], r[128];

	out_edges(false, h, sizeof(h));
	out_edges(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}
