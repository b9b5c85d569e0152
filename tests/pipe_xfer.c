/*
 * pipe_xfer.c: pipe data between two rump processes on two threads:
 * integrity with odd write and read sizes, a reader asleep in the host,
 * a write larger than the reader reads, bad and partly bad buffers on
 * either side, atomic records from several writers, pollers, signals
 * (EINTR and SA_RESTART), the last writer closing.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(pipe_xfer, .init = ipc_boot);

static unsigned char
pat(long i)
{
	return (unsigned char)(i * 7 + 3);
}

/* ---- integrity ---------------------------------------------------- */

#define TOTAL (8L << 20)

struct wr {
	struct lwp *l;
	int fd;
	size_t wsize; /* bytes per writev, over 3 uneven segments */
	long sent;
	int err;
};

static void *
writer_main(void *a)
{
	struct wr *w = a;
	unsigned char *buf = malloc(w->wsize);

	rump_pub_lwproc_switch(w->l);
	while (w->sent < TOTAL) {
		size_t n = w->wsize;
		if ((long)n > TOTAL - w->sent)
			n = (size_t)(TOTAL - w->sent);
		for (size_t i = 0; i < n; i++)
			buf[i] = pat(w->sent + (long)i);
		size_t a1 = n / 3 + 1 > n ? n : n / 3 + 1;
		size_t a2 = (n - a1) / 2;
		struct iovec iov[3] = { { buf, a1 },
					{ buf + a1, a2 },
					{ buf + a1 + a2, n - a1 - a2 } };
		long r = rump_sys_writev(w->fd, iov, 3);
		if (r <= 0) {
			w->err = errno;
			break;
		}
		w->sent += r;
	}
	rump_sys_close(w->fd); /* end of file for the reader */
	free(buf);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A writer process and a reader process: every byte arrives once and in
 * order, whether it went through the ring or straight across. */
static void
integrity(size_t wsize, size_t rsize)
{
	int fds[2];
	unsigned char *buf = malloc(rsize);
	long got = 0, r;
	struct wr w = { .wsize = wsize };

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	w.l = child_proc(RUMP_RFFDG);
	w.fd = fds[1];
	pthread_t t = spawn(writer_main, &w);
	rump_sys_close(fds[1]);
	for (;;) {
		size_t h = rsize / 2;
		struct iovec iov[2] = { { buf, h }, { buf + h, rsize - h } };
		r = rump_sys_readv(fds[0], iov, 2);
		cr_assert_geq(r, 0, "readv: %s", strerror(errno));
		if (r == 0)
			break;
		for (long i = 0; i < r; i++)
			if (buf[i] != pat(got + i))
				cr_assert_fail("byte %ld wrong", got + i);
		got += r;
	}
	join(t);
	cr_assert_eq(w.err, 0);
	cr_assert_eq(got, TOTAL);
	rump_sys_close(fds[0]);
	rump_pub_lwproc_releaselwp();
	free(buf);
}

Test(pipe_xfer, integrity_64k)
{
	integrity(64 * 1024, 64 * 1024);
}

Test(pipe_xfer, integrity_odd_sizes)
{
	integrity(100 * 1000, 7777);
	integrity(3000, 100 * 1000);
}

/* ---- one waiting reader ------------------------------------------- */

struct rd {
	pid_t tid; /* the thread's, once it runs (atomic) */
	struct lwp *l;
	int fd;
	char *buf;
	size_t len;
	long r;
	int err;
	int done; /* atomic */
};

static void *
reader_main(void *a)
{
	struct rd *r = a;

	if (r->l != NULL)
		rump_pub_lwproc_switch(r->l);
	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
	errno = 0;
	r->r = rump_sys_read(r->fd, r->buf, r->len);
	r->err = errno;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	if (r->l != NULL)
		rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* A reader asleep in the host is written to directly: the bytes are in
 * its buffer when the write returns. */
Test(pipe_xfer, write_to_a_sleeping_reader)
{
	int fds[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in) };

	cr_assert_eq(rump_sys_pipe(fds), 0);
	r.fd = fds[0];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	memset(buf, 's', sizeof(buf));
	RETURNS(rump_sys_write(fds[1], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_gt(r.r, 0);
	/* What the woken reader did not take waits in the ring. */
	int n = -1;
	RETURNS(rump_sys_ioctl(fds[0], FIONREAD, &n), 0);
	cr_assert_eq(n, (int)sizeof(in) - r.r);
	if (n > 0)
		RETURNS(rump_sys_read(fds[0], in + r.r, (size_t)n), n);
	cr_assert_eq(memcmp(in, buf, sizeof(in)), 0);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

/* A write larger than the waiting reader's buffer: the reader's part
 * goes straight across, the rest into the ring, in order. */
Test(pipe_xfer, write_larger_than_a_sleeping_reader_reads)
{
	int fds[2];
	static char buf[40000], in[1000], rest[40000];
	struct rd r = { .buf = in, .len = sizeof(in) };

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)pat((long)i);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	r.fd = fds[0];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	RETURNS(rump_sys_write(fds[1], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(r.r, (long)sizeof(in));
	cr_assert_eq(memcmp(in, buf, sizeof(in)), 0);
	RETURNS(rump_sys_read(fds[0], rest, sizeof(rest)),
		sizeof(buf) - sizeof(in));
	cr_assert_eq(memcmp(rest, buf + sizeof(in), sizeof(buf) - sizeof(in)),
		     0);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

/* A waiting reader with a bad buffer gets EFAULT; the writer's data is
 * not lost.  A writer with a bad buffer gets EFAULT and the reader goes
 * on waiting. */
Test(pipe_xfer, bad_buffers)
{
	int fds[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct rd r = { .buf = (char *)0x10, .len = sizeof(in) };

	cr_assert_eq(rump_sys_pipe(fds), 0);
	r.fd = fds[0];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	memset(buf, 'z', sizeof(buf));
	RETURNS(rump_sys_write(fds[1], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(r.r, -1);
	cr_assert_eq(r.err, EFAULT);
	RETURNS(rump_sys_read(fds[0], in, sizeof(in)), sizeof(in));
	cr_assert_eq(in[65535], 'z');

	struct rd g = { .buf = in, .len = sizeof(in), .fd = fds[0] };
	t = spawn(reader_main, &g);
	wait_blocked(&g.tid);
	FAILS(rump_sys_write(fds[1], (void *)0x10, 65536), EFAULT);
	msleep(20);
	cr_assert_eq(__atomic_load_n(&g.done, __ATOMIC_ACQUIRE), 0,
		     "the reader returned %ld (%s)", g.r, strerror(g.err));
	RETURNS(rump_sys_write(fds[1], "fine", 4), 4);
	join(t);
	cr_assert_eq(g.r, 4);
	cr_assert_eq(memcmp(in, "fine", 4), 0);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

/* A write whose buffer faults after 64 KiB, a reader waiting: what was
 * written before the fault is counted and read, nothing after; the same
 * rule on the host's pipe (with room for all of it instead). */
static void
partial_write(bool rump)
{
	size_t good = 64 * 1024, pg = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, good + pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static char in[256 * 1024];
	long w, got = 0;
	int fds[2];

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + good, pg, PROT_NONE), 0);
	for (size_t i = 0; i < good; i++)
		p[i] = (char)pat((long)i);
	cr_assert_eq(rump ? rump_sys_pipe(fds) : pipe(fds), 0);
	/* The host has no reader: room for the whole write. */
	if (!rump)
		cr_assert_geq(fcntl(fds[1], F_SETPIPE_SZ, 256 * 1024), 0);
	struct rd r = { .buf = in, .len = sizeof(in), .fd = fds[0] };
	pthread_t t = 0;
	if (rump) {
		t = spawn(reader_main, &r);
		wait_blocked(&r.tid);
	}
	errno = 0;
	w = rump ? rump_sys_write(fds[1], p, good + pg)
		 : write(fds[1], p, good + pg);
	cr_assert_gt(w, 0, "%s: %s", rump ? "rump" : "host", strerror(errno));
	cr_assert_leq(w, (long)good);
	if (rump) {
		join(t);
		cr_assert_geq(r.r, 0);
		got = r.r;
	}
	rump ? rump_sys_close(fds[1]) : close(fds[1]);
	for (;;) {
		long n =
			rump ? rump_sys_read(fds[0], in + got, sizeof(in) - got)
			     : read(fds[0], in + got, sizeof(in) - got);
		cr_assert_geq(n, 0);
		if (n == 0)
			break;
		got += n;
	}
	cr_assert_eq(got, w, "%s: wrote %ld, read %ld", rump ? "rump" : "host",
		     w, got);
	cr_assert_eq(memcmp(in, p, (size_t)got), 0);
	rump ? rump_sys_close(fds[0]) : close(fds[0]);
	munmap(p, good + pg);
}

Test(pipe_xfer, partial_fault_write)
{
	partial_write(false);
	partial_write(true);
}

/* A poller is no reader: a write it waits for goes into the ring. */
Test(pipe_xfer, poller_sees_the_data)
{
	int fds[2];
	static char buf[64 * 1024], in[64 * 1024];
	struct pollfd p;

	cr_assert_eq(rump_sys_pipe(fds), 0);
	memset(buf, 'o', sizeof(buf));
	RETURNS(rump_sys_write(fds[1], buf, sizeof(buf)), sizeof(buf));
	p.fd = fds[0];
	p.events = POLLIN;
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	RETURNS(rump_sys_read(fds[0], in, sizeof(in)), sizeof(in));
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

/* ---- atomic records ----------------------------------------------- */

struct rec {
	int fd;
	char c;
};

static void *
rec_writer(void *a)
{
	struct rec *w = a;
	char rec[100];

	memset(rec, w->c, sizeof(rec));
	for (int i = 0; i < 300; i++)
		if (rump_sys_write(w->fd, rec, sizeof(rec)) != sizeof(rec))
			break;
	return NULL;
}

/* Writes of at most PIPE_BUF from three writers to a waiting reader:
 * every record arrives whole, direct or through the ring. */
Test(pipe_xfer, atomic_records_from_three_writers)
{
	int fds[2];
	struct rec w[3] = { { 0, 'a' }, { 0, 'b' }, { 0, 'c' } };
	pthread_t t[3];
	static char in[300 * 300];
	long got = 0;

	cr_assert_eq(rump_sys_pipe(fds), 0);
	for (int i = 0; i < 3; i++) {
		w[i].fd = fds[1];
		t[i] = spawn(rec_writer, &w[i]);
	}
	while (got < (long)sizeof(in)) {
		long r = rump_sys_read(fds[0], in + got, 4096);
		cr_assert_gt(r, 0);
		got += r;
	}
	for (int i = 0; i < 3; i++)
		join(t[i]);
	for (long i = 0; i < got; i += 100)
		for (int j = 1; j < 100; j++)
			if (in[i + j] != in[i])
				cr_assert_fail("record at %ld torn", i);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

/* ---- signals and the last writer ---------------------------------- */

static int hits; /* SIGUSR1 handler runs (atomic) */

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
}

/* A signal to a reader waiting with its buffer posted: under SA_RESTART
 * it waits on and the next write goes straight to it; without, EINTR,
 * and the write (nobody waits now) goes into the ring. */
static void
signal_waiting_reader(int saflags)
{
	static char buf[64 * 1024], in[64 * 1024];
	struct rd r = { .buf = in, .len = sizeof(in) };
	struct sigaction sa;
	pid_t rtid;
	int fds[2];

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = saflags;
	sa.sa_handler = on_usr1;
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	cr_assert_eq(rump_sys_pipe(fds), 0);
	r.fd = fds[0];
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	r.l = rump_pub_lwproc_curlwp();
	rtid = rump_sys_gettid();
	rump_pub_lwproc_switch(me);
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	cr_assert_eq(rump_sys_tkill(rtid, SIGUSR1), 0);
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
	memset(buf, 'i', sizeof(buf));
	RETURNS(rump_sys_write(fds[1], buf, sizeof(buf)), sizeof(buf));
	join(t);
	cr_assert_eq(__atomic_load_n(&hits, __ATOMIC_RELAXED), 1);
	if (saflags & SA_RESTART) {
		cr_assert_eq(r.r, (long)sizeof(in));
	} else {
		RETURNS(rump_sys_read(fds[0], in, sizeof(in)), sizeof(in));
	}
	cr_assert_eq(memcmp(in, buf, sizeof(in)), 0);
	rump_pub_lwproc_releaselwp();
}

Test(pipe_xfer, signal_waiting_reader_restarts)
{
	signal_waiting_reader(SA_RESTART);
}

Test(pipe_xfer, signal_waiting_reader_eintr)
{
	signal_waiting_reader(0);
}

/* The last writer closes while the reader waits with its buffer posted:
 * end of file, and the post is gone (a later write-end-less pipe). */
Test(pipe_xfer, last_writer_closes)
{
	int fds[2];
	char in[100];
	struct rd r = { .buf = in, .len = sizeof(in) };

	cr_assert_eq(rump_sys_pipe(fds), 0);
	r.fd = fds[0];
	pthread_t t = spawn(reader_main, &r);
	wait_blocked(&r.tid);
	rump_sys_close(fds[1]);
	join(t);
	cr_assert_eq(r.r, 0);
	RETURNS(rump_sys_read(fds[0], in, sizeof(in)), 0);
	rump_sys_close(fds[0]);
}
