/*
 * kern_unix_direct.c: large AF_UNIX stream writes to waiting readers
 * (the direct hand-over of ipc/uipc.c): data integrity with odd buffer
 * and iovec sizes, MSG_WAITALL and SO_RCVLOWAT, writes nobody reads yet,
 * readers asleep in the host (they get a queued write), bad and partly
 * bad buffers on either side, peekers, descriptors and credentials,
 * signals, readers that time out or shut down.
 *
 * It links the kernel's objects (kern_ suites do) to reach two knobs of
 * uipc.c: unp_dw_always makes writers offer to any waiting reader, asleep
 * or not, so the hand-over's edges are reached whatever the timing, and
 * unp_dw_taken counts hand-overs, so a test knows which path it took.
 */
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc_util.h"

extern bool unp_dw_always;
extern unsigned long unp_dw_taken;

TestSuite(af_unix_direct, .init = ipc_boot);

static void
always(bool on)
{
	__atomic_store_n(&unp_dw_always, on, __ATOMIC_RELAXED);
}

static unsigned long
taken(void)
{
	return __atomic_load_n(&unp_dw_taken, __ATOMIC_RELAXED);
}

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

/* The same with every write offered to a waiting reader: most bytes go
 * by hand-over, and still each arrives once, in order. */
Test(af_unix_direct, direct_integrity_always)
{
	unsigned long t0 = taken();

	always(true);
	dw_integrity(64 * 1024, 64 * 1024, 0);
	dw_integrity(100 * 1000, 7777, 0);
	dw_integrity(20 * 1000, 50 * 1000, 1);
	cr_assert_gt(taken(), t0, "no write was handed over");
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
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	long r;
	int err;
};

static void *
bad_reader(void *a)
{
	struct badrd *b = a;

	__atomic_store_n(&b->tid, gettid(), __ATOMIC_RELEASE);

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

	always(true);
	pair(SOCK_STREAM, sv);
	b.fd = sv[1];
	pthread_t t = spawn(bad_reader, &b);
	wait_blocked(&b.tid);
	unsigned long t0 = taken();
	memset(buf, 'z', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_gt(taken(), t0, "the write was not handed over");
	cr_assert_eq(b.r, -1);
	cr_assert_eq(b.err, EFAULT);
	read_exactly(sv[1], in, sizeof(in));
	cr_assert_eq(in[65535], 'z');
	/* A bad writer buffer: EFAULT for the writer. */
	FAILS(rump_sys_write(sv[0], (void *)0x10, 65536), EFAULT);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct rd {
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	char *buf;
	size_t len;
	int flags;
	bool host; /* the host's recv, not rump's */
	long r;
	int err;
	int done; /* atomic */
};

static void *
reader_main(void *a)
{
	struct rd *r = a;

	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);

	errno = 0;
	r->r = r->host ? recv(r->fd, r->buf, r->len, r->flags)
		       : rump_sys_recv(r->fd, r->buf, r->len, r->flags);
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A bad writer buffer while a good reader waits for a hand-over: the
 * writer's EFAULT, and the reader goes on waiting for good data. */
Test(af_unix_direct, direct_bad_writer_buffer_reader_waits)
{
	int sv[2];
	static char in[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in) };

	always(true);
	pair(SOCK_STREAM, sv);
	r.fd = sv[1];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	unsigned long t0 = taken();
	FAILS(rump_sys_write(sv[0], (void *)0x10, 65536), EFAULT);
	cr_assert_gt(taken(), t0, "the write was not offered");
	msleep(20);
	cr_assert_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0,
		     "the reader returned %ld (%s)", r.r, strerror(r.err));
	RETURNS(rump_sys_write(sv[0], "fine", 4), 4);
	join(t);
	cr_assert_eq(r.r, 4);
	cr_assert_eq(memcmp(in, "fine", 4), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* A reader asleep in the host (it has waited far longer than any spin)
 * is not handed a write: the writer queues it and goes on, the reader
 * gets every byte. */
Test(af_unix_direct, sleeping_reader_gets_a_queued_write)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in), .flags = MSG_WAITALL };

	pair(SOCK_STREAM, sv);
	r.fd = sv[1];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	unsigned long t0 = taken();
	memset(buf, 's', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(taken(), t0, "a sleeping reader was handed the write");
	cr_assert_eq(r.r, (long)sizeof(in));
	cr_assert_eq(memcmp(in, buf, sizeof(in)), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* 64 KiB of good memory followed by an inaccessible page. */
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

/* A write whose buffer faults after its first bytes: the bytes before
 * the fault are sent and counted (Linux's stream send returns what it
 * sent), none after, and the reader gets exactly those.  `direct': a
 * reader waits for a hand-over; else nobody reads until the write is
 * done.  host: the same on the host's socketpair (the counts differ
 * with the kernels' chunk sizes, the rule does not). */
static void
partial_write(bool rump, bool direct, bool use_send)
{
	size_t good = 64 * 1024, pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = tail_guarded(good);
	static char in[256 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in), .host = !rump };
	pthread_t t = 0;
	long w, got = 0;
	int sv[2];

	cr_assert_eq(rump ? rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
			  : socketpair(AF_UNIX, SOCK_STREAM, 0, sv),
		     0);
	if (direct) {
		always(true);
		r.fd = sv[1];
		t = spawn(reader_main, &r);
		wait_blocked(&r.tid);
	}
	errno = 0;
	if (use_send)
		w = rump ? rump_sys_send(sv[0], p, good + pg, 0)
			 : send(sv[0], p, good + pg, 0);
	else
		w = rump ? rump_sys_write(sv[0], p, good + pg)
			 : write(sv[0], p, good + pg);
	cr_assert_gt(w, 0, "%s: %s", rump ? "rump" : "host", strerror(errno));
	cr_assert_leq(w, (long)good);
	if (direct) {
		join(t);
		cr_assert_gt(r.r, 0, "%s: reader %ld (%s), writer %ld",
			     rump ? "rump" : "host", r.r, strerror(r.err), w);
		got = r.r;
	}
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
	always(false);
}

Test(af_unix_direct, partial_fault_write_queued)
{
	partial_write(false, false, false);
	partial_write(true, false, false);
	partial_write(false, false, true);
	partial_write(true, false, true);
}

Test(af_unix_direct, partial_fault_write_direct)
{
	partial_write(false, true, false);
	partial_write(true, true, false);
	partial_write(false, true, true);
	partial_write(true, true, true);
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

struct rdv {
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	struct iovec *iov;
	int iovcnt;
	long r;
	int err;
};

static void *
readv_main(void *a)
{
	struct rdv *r = a;

	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);

	errno = 0;
	r->r = rump_sys_readv(r->fd, r->iov, r->iovcnt);
	r->err = errno;
	return NULL;
}

/* A waiting reader whose buffer is good for 16 KiB and bad after: a
 * hand-over moves what fits the good part and the reader returns that
 * short count; the rest of the write is queued, nothing is lost. */
Test(af_unix_direct, direct_reader_partly_bad_buffer)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024];
	char *p = tail_guarded(16 * 1024);
	struct iovec iov[2] = { { p, 16 * 1024 },
				{ p + 16 * 1024, 48 * 1024 } };
	struct rdv r = { .iov = iov, .iovcnt = 2 };

	always(true);
	pair(SOCK_STREAM, sv);
	r.fd = sv[1];
	pthread_t t = spawn(readv_main, &r);
	wait_blocked(&r.tid);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 5 + 2);
	unsigned long t0 = taken();
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_gt(taken(), t0);
	cr_assert_eq(r.r, 16 * 1024, "readv: %ld (%s)", r.r, strerror(r.err));
	cr_assert_eq(memcmp(p, buf, 16 * 1024), 0);
	read_exactly(sv[1], in, 48 * 1024);
	cr_assert_eq(memcmp(in, buf + 16 * 1024, 48 * 1024), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	munmap(p, 16 * 1024 + (size_t)sysconf(_SC_PAGESIZE));
}

struct tmo_reader {
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	long r;
	int err;
};

static void *
timed_reader(void *a)
{
	struct tmo_reader *t = a;
	char in[100];

	__atomic_store_n(&t->tid, gettid(), __ATOMIC_RELEASE);

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
	tr.tid = 0;
	t = spawn(timed_reader, &tr);
	wait_blocked(&tr.tid);
	RETURNS(rump_sys_shutdown(sv[1], SHUT_RD), 0);
	join(t);
	cr_assert_eq(tr.r, 0);
	FAILS(rump_sys_send(sv[0], buf, sizeof(buf), MSG_NOSIGNAL), EPIPE);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* SO_RCVLOWAT with hand-overs: a reader that wants 40000 bytes takes a
 * 20000-byte hand-over and waits on for the next one. */
Test(af_unix_direct, direct_rcvlowat)
{
	int sv[2], lowat = 40000;
	static char buf[20000], in[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in) };

	always(true);
	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &lowat,
				    sizeof(lowat)),
		0);
	r.fd = sv[1];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	unsigned long t0 = taken();
	memset(buf, '1', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	cr_assert_eq(taken() - t0, 1);
	wait_blocked(&r.tid); /* waiting again */
	cr_assert_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0,
		     "returned below SO_RCVLOWAT: %ld", r.r);
	memset(buf, '2', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(taken() - t0, 2, "%lu hand-overs", taken() - t0);
	cr_assert_eq(r.r, 40000);
	cr_assert_eq(in[19999], '1');
	cr_assert_eq(in[20000], '2');
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* A peeker waiting for data is never handed a write (a peek takes
 * nothing): it sees the bytes, and a read then gets them. */
Test(af_unix_direct, peeker_is_not_handed_a_write)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024], again[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in), .flags = MSG_PEEK };

	always(true);
	pair(SOCK_STREAM, sv);
	r.fd = sv[1];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	unsigned long t0 = taken();
	memset(buf, 'p', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(taken(), t0);
	cr_assert_eq(r.r, (long)sizeof(buf));
	read_exactly(sv[1], again, sizeof(again));
	cr_assert_eq(memcmp(in, again, sizeof(in)), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct rdmsg {
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	char *buf;
	size_t len;
	long r;
	int err;
	int nfds, fd0;
	bool creds;
};

static void *
recvmsg_main(void *a)
{
	struct rdmsg *m = a;
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4) +
		       CMSG_SPACE(sizeof(struct ucred))];
	} c;
	struct iovec iov = { m->buf, m->len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = c.b,
			     .msg_controllen = sizeof(c.b) };

	__atomic_store_n(&m->tid, gettid(), __ATOMIC_RELEASE);

	errno = 0;
	m->r = rump_sys_recvmsg(m->fd, &mh, 0);
	m->err = errno;
	m->nfds = 0;
	m->creds = false;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h != NULL;
	     h = CMSG_NXTHDR(&mh, h)) {
		if (h->cmsg_type == SCM_RIGHTS) {
			m->nfds = (int)((h->cmsg_len - CMSG_LEN(0)) /
					sizeof(int));
			memcpy(&m->fd0, CMSG_DATA(h), sizeof(int));
		} else if (h->cmsg_type == SCM_CREDENTIALS) {
			m->creds = true;
		}
	}
	return NULL;
}

static void
send_with_fd(int s, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = c.b,
			     .msg_controllen = sizeof(c.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&mh);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	RETURNS(rump_sys_sendmsg(s, &mh, 0), len);
}

/* Descriptors travel only in queued messages, whose boundaries a stream
 * read keeps: a waiting reader gets a large write with SCM_RIGHTS from
 * the queue, descriptor included; a plain write after it is handed
 * over; queued bytes with a descriptor are read before a later large
 * write, and the read stops after the descriptor. */
Test(af_unix_direct, descriptors_keep_their_record)
{
	int sv[2], p[2];
	static char buf[64 * 1024], in[128 * 1024];
	struct rdmsg m = { .buf = in, .len = sizeof(in) };

	always(true);
	pair(SOCK_STREAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	m.fd = sv[1];
	memset(buf, 'r', sizeof(buf));

	pthread_t t = spawn(recvmsg_main, &m);
	wait_blocked(&m.tid);
	unsigned long t0 = taken();
	send_with_fd(sv[0], buf, sizeof(buf), p[0]);
	join(t);
	cr_assert_eq(taken(), t0, "descriptors went by hand-over");
	cr_assert_eq(m.r, (long)sizeof(buf));
	cr_assert_eq(m.nfds, 1);
	rump_sys_close(m.fd0);

	m.tid = 0;
	t = spawn(recvmsg_main, &m);
	wait_blocked(&m.tid);
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(taken(), t0 + 1);
	cr_assert_eq(m.r, (long)sizeof(buf));
	cr_assert_eq(m.nfds, 0);

	/* Nobody waits: both are queued, in order. */
	send_with_fd(sv[0], "head", 4, p[1]);
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	recvmsg_main(&m);
	cr_assert_eq(m.r, 4);
	cr_assert_eq(m.nfds, 1);
	cr_assert_eq(memcmp(in, "head", 4), 0);
	rump_sys_close(m.fd0);
	recvmsg_main(&m);
	cr_assert_eq(m.r, (long)sizeof(buf));
	cr_assert_eq(m.nfds, 0);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* A reader with SO_PASSCRED wants the sender's credentials with the
 * bytes: it is never handed a write. */
Test(af_unix_direct, passcred_reader_gets_credentials)
{
	int sv[2], on = 1;
	static char buf[64 * 1024], in[128 * 1024];
	struct rdmsg m = { .buf = in, .len = sizeof(in) };

	always(true);
	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	m.fd = sv[1];
	pthread_t t = spawn(recvmsg_main, &m);
	wait_blocked(&m.tid);
	unsigned long t0 = taken();
	memset(buf, 'c', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(taken(), t0);
	cr_assert_eq(m.r, (long)sizeof(buf));
	cr_assert(m.creds);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct sender {
	int fd;
	long total, sent;
	int err;
};

static void *
sender_main(void *a)
{
	struct sender *s = a;
	static char buf[64 * 1024];

	memset(buf, 'x', sizeof(buf));
	while (s->sent < s->total) {
		long w = rump_sys_send(s->fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (w < 0) {
			s->err = errno;
			break;
		}
		s->sent += w;
	}
	return NULL;
}

struct drain {
	int fd;
	long got;
	long last;
	int err;
};

static void *
drain_main(void *a)
{
	struct drain *d = a;
	static char in[48 * 1024];

	for (;;) {
		d->last = rump_sys_read(d->fd, in, sizeof(in));
		if (d->last <= 0) {
			d->err = errno;
			break;
		}
		d->got += d->last;
	}
	return NULL;
}

/* The reader's side shut down while hand-overs run: the writer ends
 * with EPIPE (or has sent all), the reader with EOF, nobody hangs; no
 * more arrives than was sent. */
Test(af_unix_direct, shutdown_races_hand_overs)
{
	for (int round = 0; round < 6; round++) {
		int sv[2];
		struct sender s = { .total = 64L << 20 };
		struct drain d = { 0 };

		always(round % 2 == 0);
		pair(SOCK_STREAM, sv);
		s.fd = sv[0];
		d.fd = sv[1];
		pthread_t ts = spawn(sender_main, &s);
		pthread_t td = spawn(drain_main, &d);
		msleep(2 + round);
		RETURNS(rump_sys_shutdown(sv[1], SHUT_RDWR), 0);
		join(ts);
		join(td);
		cr_assert(s.err == EPIPE || s.sent == s.total,
			  "sender: %ld sent, %s", s.sent, strerror(s.err));
		cr_assert_eq(d.last, 0, "reader: %s", strerror(d.err));
		cr_assert_leq(d.got, s.sent);
		rump_sys_close(sv[0]);
		rump_sys_close(sv[1]);
	}
}

struct poller {
	pid_t tid; /* the thread's, once it runs (atomic) */
	int fd;
	long r;
	short revents;
};

static void *
poll_main(void *a)
{
	struct poller *p = a;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	__atomic_store_n(&p->tid, gettid(), __ATOMIC_RELEASE);

	p->r = rump_sys_poll(&pfd, 1, 5000);
	p->revents = pfd.revents;
	return NULL;
}

/* A poller waiting on the reading end hears of a large write (a poller
 * is no reader: the write is queued for it). */
Test(af_unix_direct, poller_hears_large_write)
{
	int sv[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct poller pl;

	always(true);
	pair(SOCK_STREAM, sv);
	pl.fd = sv[1];
	pthread_t t = spawn(poll_main, &pl);
	wait_blocked(&pl.tid);
	unsigned long t0 = taken();
	memset(buf, 'o', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(pl.r, 1);
	cr_assert(pl.revents & POLLIN);
	cr_assert_eq(taken(), t0);
	read_exactly(sv[1], in, sizeof(in));
	cr_assert_eq(in[0], 'o');
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

static int hits; /* SIGUSR1 handler runs (atomic) */

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
}

struct sigrd {
	pid_t tid; /* host thread id (atomic) */
	struct lwp *l;
	int fd;
	pid_t rtid; /* the lwp's id in the rump kernel */
	char *buf;
	size_t len;
	long r;
	int err;
	int done; /* atomic */
};

static void *
sigrd_main(void *a)
{
	struct sigrd *r = a;

	rump_pub_lwproc_switch(r->l);
	r->rtid = rump_sys_gettid();
	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
	errno = 0;
	r->r = rump_sys_recv(r->fd, r->buf, r->len, 0);
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* A signal to a reader waiting for a hand-over: under SA_RESTART it
 * waits on and takes the next write by hand-over; without, EINTR, and
 * the write (nobody waits now) is queued for the next read. */
static void
signal_waiting_reader(int saflags)
{
	static char buf[64 * 1024], in[64 * 1024];
	struct sigrd r = { .buf = in, .len = sizeof(in) };
	struct sigaction sa;
	int sv[2];

	always(true);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = saflags;
	sa.sa_handler = on_usr1;
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	pair(SOCK_STREAM, sv);
	r.fd = sv[1];
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	r.l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	pthread_t t = spawn(sigrd_main, &r);
	wait_blocked(&r.tid);
	cr_assert_eq(rump_sys_tkill(r.rtid, SIGUSR1), 0);
	if (saflags & SA_RESTART) {
		msleep(10);
		wait_blocked(&r.tid);
		cr_assert_eq(__atomic_load_n(&r.done, __ATOMIC_ACQUIRE), 0,
			     "returned %ld (%s)", r.r, strerror(r.err));
	} else {
		while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
			msleep(1);
		cr_assert_eq(r.r, -1);
		cr_assert_eq(r.err, EINTR);
	}
	unsigned long t0 = taken();
	memset(buf, 'i', sizeof(buf));
	RETURNS(rump_sys_write(sv[0], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(__atomic_load_n(&hits, __ATOMIC_RELAXED), 1);
	if (saflags & SA_RESTART) {
		cr_assert_eq(taken(), t0 + 1);
		cr_assert_eq(r.r, (long)sizeof(in));
	} else {
		cr_assert_eq(taken(), t0);
		read_exactly(sv[1], in, sizeof(in));
	}
	cr_assert_eq(memcmp(in, buf, sizeof(in)), 0);
	rump_pub_lwproc_releaselwp();
}

Test(af_unix_direct, signal_waiting_reader_restarts)
{
	signal_waiting_reader(SA_RESTART);
}

Test(af_unix_direct, signal_waiting_reader_eintr)
{
	signal_waiting_reader(0);
}
