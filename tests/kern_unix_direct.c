/*
 * kern_unix_direct.c: large AF_UNIX stream writes to waiting readers (the
 * direct hand-over of ipc/uipc.c): data integrity with odd buffer and
 * iovec sizes, MSG_WAITALL, writes nobody reads yet, bad buffers on
 * either side (partly bad ones too), readers that time out or shut down.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

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

/* `good' bytes of good memory followed by an inaccessible page. */
static char *
tail_guarded(size_t good)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, good + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + good, pg, PROT_NONE), 0);
	for (size_t i = 0; i < good; i++)
		p[i] = (char)(i * 13 + 1);
	return p;
}

/* A write whose buffer faults after its first 64 KiB, nobody reading:
 * the bytes before the fault are sent and counted (Linux's stream send
 * returns what it sent), none after, and the reader gets exactly those.
 * host: the same on the host's socketpair (the counts differ with the
 * kernels' chunk sizes, the rule does not). */
static void
partial_write(bool rump, bool use_send)
{
	size_t good = 64 * 1024, pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = tail_guarded(good);
	static char in[256 * 1024];
	long w, got = 0;
	int sv[2];

	cr_assert_eq(rump ? rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
			  : socketpair(AF_UNIX, SOCK_STREAM, 0, sv),
		     0);
	errno = 0;
	if (use_send)
		w = rump ? rump_sys_send(sv[0], p, good + pg, 0)
			 : send(sv[0], p, good + pg, 0);
	else
		w = rump ? rump_sys_write(sv[0], p, good + pg)
			 : write(sv[0], p, good + pg);
	cr_assert_gt(w, 0, "%s: %s", rump ? "rump" : "host", strerror(errno));
	cr_assert_leq(w, (long)good);
	rump ? rump_sys_close(sv[0]) : close(sv[0]);
	for (;;) {
		long n = rump ? rump_sys_read(sv[1], in + got, sizeof(in) - got)
			      : read(sv[1], in + got, sizeof(in) - got);
		cr_assert_geq(n, 0);
		if (n == 0)
			break;
		got += n;
	}
	cr_assert_eq(got, w, "%s: sent %ld, received %ld",
		     rump ? "rump" : "host", w, got);
	cr_assert_eq(memcmp(in, p, (size_t)got), 0);
	rump ? rump_sys_close(sv[1]) : close(sv[1]);
	munmap(p, good + pg);
}

Test(af_unix_direct, partial_fault_write_queued)
{
	partial_write(false, false);
	partial_write(true, false);
	partial_write(false, true);
	partial_write(true, true);
}

/* A read whose second segment is bad: as Linux, EFAULT and nothing of
 * the message is taken (no byte counted twice or lost); the next read
 * gets all of it. */
static void
partial_read(bool rump)
{
	char good[10], all[100], msg[100];
	struct iovec iov[2] = { { good, sizeof(good) }, { (void *)8, 90 } };
	int sv[2];

	for (int i = 0; i < 100; i++)
		msg[i] = (char)('a' + i % 26);
	cr_assert_eq(rump ? rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
			  : socketpair(AF_UNIX, SOCK_STREAM, 0, sv),
		     0);
	cr_assert_eq(rump ? rump_sys_write(sv[0], msg, 100)
			  : write(sv[0], msg, 100),
		     100);
	if (rump)
		FAILS(rump_sys_readv(sv[1], iov, 2), EFAULT);
	else
		FAILS(readv(sv[1], iov, 2), EFAULT);
	cr_assert_eq(rump ? rump_sys_read(sv[1], all, sizeof(all))
			  : read(sv[1], all, sizeof(all)),
		     100);
	cr_assert_eq(memcmp(all, msg, 100), 0);
	rump ? rump_sys_close(sv[0]) : close(sv[0]);
	rump ? rump_sys_close(sv[1]) : close(sv[1]);
}

Test(af_unix_direct, partial_fault_read)
{
	partial_read(false);
	partial_read(true);
}
