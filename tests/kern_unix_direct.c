/*
 * kern_unix_direct.c: large AF_UNIX stream writes to waiting readers (the
 * direct hand-over of ipc/uipc.c): data integrity with odd buffer and
 * iovec sizes, MSG_WAITALL, writes nobody reads yet, bad buffers on
 * either side, readers that time out or shut down.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "ipc_util.h"

TestSuite(af_unix_direct, .init = ipc_boot);

static void
pair(int type, int sv[2])
{
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, type, 0, sv), 0,
		     "socketpair: %s", strerror(errno));
}

/* Read exactly n bytes into buf, in as many reads as it takes. */
static void
read_exactly(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		long r = rump_sys_read(fd, buf + got, n - got);

		cr_assert_gt(r, 0);
		got += (size_t)r;
	}
}

/* ---- large writes to a waiting reader (direct hand-over) ---- */

#define DW_TOTAL (8L << 20)

struct dwarg {
	int fd;
	long total;
	size_t wsize; /* bytes per write, split over 3 iovecs */
	long sent;
	int err;
};

static void *
dw_writer(void *a)
{
	struct dwarg *d = a;
	unsigned char *buf = malloc(d->wsize + 64);

	while (d->sent < d->total) {
		size_t n = d->wsize;
		if ((long)n > d->total - d->sent)
			n = (size_t)(d->total - d->sent);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((d->sent + (long)i) * 7 + 3);
		/* Three uneven segments. */
		size_t a1 = n / 3 + 1 > n ? n : n / 3 + 1;
		size_t a2 = (n - a1) / 2;
		struct iovec iov[3] = { { buf, a1 },
					{ buf + a1, a2 },
					{ buf + a1 + a2, n - a1 - a2 } };
		ssize_t w = rump_sys_writev(d->fd, iov, 3);
		if (w <= 0) {
			d->err = errno;
			break;
		}
		d->sent += w;
	}
	free(buf);
	rump_sys_close(d->fd); /* EOF for the reader (MSG_WAITALL's end) */
	return NULL;
}

/* Readers with odd buffer sizes and iovecs against large writers: every
 * byte arrives once, in order, whichever way it travels. */
static void
dw_integrity(size_t wsize, size_t rsize, int waitall)
{
	int sv[2];
	struct dwarg d = { .total = DW_TOTAL, .wsize = wsize };
	unsigned char *buf = malloc(rsize);
	long got = 0;

	pair(SOCK_STREAM, sv);
	d.fd = sv[0];
	pthread_t t = spawn(dw_writer, &d);
	while (got < DW_TOTAL) {
		size_t h = rsize / 2;
		struct iovec iov[2] = { { buf, h }, { buf + h, rsize - h } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		long r =
			rump_sys_recvmsg(sv[1], &mh, waitall ? MSG_WAITALL : 0);
		cr_assert_gt(r, 0, "recvmsg: %s", strerror(errno));
		for (long i = 0; i < r; i++)
			if (buf[i] != (unsigned char)((got + i) * 7 + 3))
				cr_assert_fail("byte %ld wrong", got + i);
		got += r;
	}
	join(t);
	cr_assert_eq(d.err, 0);
	cr_assert_eq(d.sent, DW_TOTAL);
	RETURNS(rump_sys_recv(sv[1], buf, 1, 0), 0);
	rump_sys_close(sv[1]);
	free(buf);
}

Test(af_unix_direct, direct_integrity_64k)
{
	dw_integrity(64 * 1024, 64 * 1024, 0);
}

Test(af_unix_direct, direct_integrity_small_reads)
{
	dw_integrity(100 * 1000, 7777, 0);
}

Test(af_unix_direct, direct_integrity_waitall)
{
	dw_integrity(20 * 1000, 50 * 1000, 1);
}

/* A large write with no reader yet, read back by the same thread: the
 * write never waits for a reader. */
Test(af_unix_direct, large_write_then_read_same_thread)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024];

	pair(SOCK_STREAM, sv);
	memset(buf, 'q', sizeof(buf));
	for (int i = 0; i < 20; i++) {
		RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
		read_exactly(sv[1], in, sizeof(in));
	}
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct badrd {
	int fd;
	long r;
	int err;
};

static void *
bad_reader(void *a)
{
	struct badrd *b = a;

	errno = 0;
	b->r = rump_sys_read(b->fd, (void *)0x10, 65536);
	b->err = errno;
	return NULL;
}

/* A waiting reader with a bad buffer: it gets EFAULT, the writer's data
 * is not lost; a writer with a bad buffer gets EFAULT itself. */
Test(af_unix_direct, direct_bad_buffers)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct badrd b;

	pair(SOCK_STREAM, sv);
	b.fd = sv[1];
	pthread_t t = spawn(bad_reader, &b);
	msleep(30);
	memset(buf, 'z', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(b.r, -1);
	cr_assert_eq(b.err, EFAULT);
	read_exactly(sv[1], in, sizeof(in));
	cr_assert_eq(in[65535], 'z');
	/* A bad writer buffer: EFAULT for the writer. */
	FAILS(rump_sys_write(sv[0], (void *)0x10, 65536), EFAULT);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct tmo_reader {
	int fd;
	long r;
	int err;
};

static void *
timed_reader(void *a)
{
	struct tmo_reader *t = a;
	char in[100];

	errno = 0;
	t->r = rump_sys_read(t->fd, in, sizeof(in));
	t->err = errno;
	return NULL;
}

/* Readers that time out or shut down while writers come and go: no
 * hang, no lost data. */
Test(af_unix_direct, direct_reader_timeout_and_shutdown)
{
	int sv[2];
	struct timeval tv = { 0, 20000 };
	static char buf[64 * 1024], in[64 * 1024];

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)),
		0);
	struct tmo_reader tr = { .fd = sv[1] };
	pthread_t t = spawn(timed_reader, &tr);
	join(t);
	cr_assert_eq(tr.r, -1);
	cr_assert_eq(tr.err, EAGAIN);
	/* A poller sees a large write as readable at once. */
	memset(buf, 'k', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	struct pollfd p = { .fd = sv[1], .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	read_exactly(sv[1], in, sizeof(in));
	/* The reader's side shut down while it waits: the writer gets
	 * EPIPE, the reader EOF. */
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)),
		0);
	t = spawn(timed_reader, &tr);
	msleep(20);
	RETURNS(rump_sys_shutdown(sv[1], SHUT_RD), 0);
	join(t);
	cr_assert_eq(tr.r, 0);
	FAILS(rump_sys_send(sv[0], buf, sizeof(buf), MSG_NOSIGNAL), EPIPE);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}
