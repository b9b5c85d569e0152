/*
 * fifo.c: FIFOs (ipc/pipe.c through the VFS's open hook): opens that
 * wait for the other side, Linux's O_NONBLOCK rules, data between
 * processes, and interplay with poll.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(fifo, .init = ipc_boot);

static void
mkfifo_at(const char *path)
{
	cr_assert_eq(rump_sys_mknod(path, S_IFIFO | 0666, 0), 0, "mknod: %s",
		     strerror(errno));
}

Test(fifo, nonblocking_opens)
{
	int r, w, rw;
	char buf[8];
	struct stat st;

	mkfifo_at("/f1");
	/* A write-only non-blocking open without a reader: ENXIO. */
	FAILS(rump_sys_open("/f1", O_WRONLY | O_NONBLOCK), ENXIO);
	/* A read-only non-blocking open succeeds at once. */
	r = rump_sys_open("/f1", O_RDONLY | O_NONBLOCK);
	cr_assert_geq(r, 0);
	/* No writer ever: read returns 0 (EOF), not EAGAIN. */
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 0);
	/* Now a writer may open without waiting. */
	w = rump_sys_open("/f1", O_WRONLY | O_NONBLOCK);
	cr_assert_geq(w, 0);
	FAILS(rump_sys_read(r, buf, sizeof(buf)), EAGAIN);
	RETURNS(rump_sys_write(w, "fifo", 4), 4);
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "fifo", 4), 0);
	/* fstat shows the node. */
	RETURNS(rump_sys_fstat(r, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	RETURNS(rump_sys_fcntl(w, F_GETPIPE_SZ), 65536);
	RETURNS(rump_sys_close(w), 0);
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 0);
	/* O_RDWR never waits. */
	rw = rump_sys_open("/f1", O_RDWR);
	cr_assert_geq(rw, 0);
	RETURNS(rump_sys_write(rw, "x", 1), 1);
	RETURNS(rump_sys_read(r, buf, 1), 1);
	RETURNS(rump_sys_close(r), 0);
	RETURNS(rump_sys_close(rw), 0);
	/* No ends open: the data is gone; the node stays. */
	RETURNS(rump_sys_stat("/f1", &st), 0);
	RETURNS(rump_sys_unlink("/f1"), 0);
}

struct opener {
	struct lwp *l;
	const char *path;
	int flags;
	int fd;
	char got[8];
	long n;
};

static void *
open_and_io(void *arg)
{
	struct opener *o = arg;

	rump_pub_lwproc_switch(o->l);
	o->fd = rump_sys_open(o->path, o->flags);
	if (o->fd >= 0) {
		if ((o->flags & O_ACCMODE) == O_RDONLY)
			o->n = rump_sys_read(o->fd, o->got, sizeof(o->got));
		else
			o->n = rump_sys_write(o->fd, "hello", 5);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A blocking reader waits for a writer in another process, and the
 * other way round. */
Test(fifo, blocking_opens_rendezvous)
{
	struct opener rd = { .path = "/f2", .flags = O_RDONLY, .fd = -2 };
	struct opener wr = { .path = "/f2", .flags = O_WRONLY, .fd = -2 };
	pthread_t tr, tw;

	mkfifo_at("/f2");
	rd.l = child_proc(RUMP_RFCFDG);
	wr.l = child_proc(RUMP_RFCFDG);
	tr = spawn(open_and_io, &rd);
	msleep(40);
	cr_assert_eq(__atomic_load_n(&rd.fd, __ATOMIC_RELAXED), -2,
		     "reader did not wait");
	tw = spawn(open_and_io, &wr);
	join(tw);
	join(tr);
	cr_assert_geq(rd.fd, 0);
	cr_assert_geq(wr.fd, 0);
	cr_assert_eq(wr.n, 5);
	cr_assert_eq(rd.n, 5);
	cr_assert_eq(memcmp(rd.got, "hello", 5), 0);

	/* Writer first this time. */
	wr.l = child_proc(RUMP_RFCFDG);
	rd.l = child_proc(RUMP_RFCFDG);
	wr.fd = rd.fd = -2;
	tw = spawn(open_and_io, &wr);
	msleep(40);
	cr_assert_eq(__atomic_load_n(&wr.fd, __ATOMIC_RELAXED), -2,
		     "writer did not wait");
	tr = spawn(open_and_io, &rd);
	join(tw);
	join(tr);
	cr_assert_eq(rd.n, 5);
}

Test(fifo, poll_and_epipe)
{
	int r, w;
	struct pollfd p;
	char c = 'x';

	mkfifo_at("/f3");
	r = rump_sys_open("/f3", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/f3", O_WRONLY | O_NONBLOCK);
	p = (struct pollfd){ .fd = r, .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_write(w, &c, 1), 1);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	RETURNS(rump_sys_close(r), 0);
	FAILS(rump_sys_write(w, &c, 1), EPIPE);
}

static short
revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	cr_assert_geq(rump_sys_poll(&p, 1, 0), 0);
	return p.revents;
}

/* As Linux: a reader that opened O_NONBLOCK before any writer gets no
 * POLLHUP; once a writer has come and gone, it does. */
Test(fifo, poll_hup_only_after_a_writer)
{
	int r, r2, w;
	char buf[8];

	mkfifo_at("/f4");
	r = rump_sys_open("/f4", O_RDONLY | O_NONBLOCK);
	cr_assert_geq(r, 0);
	cr_assert_eq(revents(r, POLLIN), 0, "POLLHUP before any writer");
	/* select and epoll see the same. */
	int ep = rump_sys_epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev), 0);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	/* A writer opens: still nothing to report. */
	w = rump_sys_open("/f4", O_WRONLY | O_NONBLOCK);
	cr_assert_geq(w, 0);
	cr_assert_eq(revents(r, POLLIN), 0);
	cr_assert_eq(revents(w, POLLOUT), POLLOUT);
	RETURNS(rump_sys_write(w, "ab", 2), 2);
	cr_assert_eq(revents(r, POLLIN), POLLIN);
	/* The last writer closes: POLLHUP, with the data still there. */
	RETURNS(rump_sys_close(w), 0);
	cr_assert_eq(revents(r, POLLIN), POLLIN | POLLHUP);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 1);
	cr_assert_eq(out.events, EPOLLIN | EPOLLHUP);
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 2);
	cr_assert_eq(revents(r, POLLIN), POLLHUP);
	/* A new non-blocking reader now: no writer since it opened. */
	r2 = rump_sys_open("/f4", O_RDONLY | O_NONBLOCK);
	cr_assert_geq(r2, 0);
	cr_assert_eq(revents(r2, POLLIN), 0);
	cr_assert_eq(revents(r, POLLIN), POLLHUP);
	/* Another writer comes and goes: both see the hangup. */
	w = rump_sys_open("/f4", O_WRONLY | O_NONBLOCK);
	cr_assert_eq(revents(r, POLLIN), 0);
	cr_assert_eq(revents(r2, POLLIN), 0);
	RETURNS(rump_sys_close(w), 0);
	cr_assert_eq(revents(r2, POLLIN), POLLHUP);
	cr_assert_eq(revents(r, POLLIN), POLLHUP);
	rump_sys_close(ep);
	rump_sys_close(r);
	rump_sys_close(r2);
}

struct hup_waiter {
	int fd;
	short revents;
	int n;
};

static void *
poll_forever(void *a)
{
	struct hup_waiter *h = a;
	struct pollfd p = { .fd = h->fd, .events = POLLIN };

	h->n = rump_sys_poll(&p, 1, 5000);
	h->revents = p.revents;
	return NULL;
}

/* A poller blocked on such a reader is woken by the writer's close. */
Test(fifo, poll_hup_wakes_waiter)
{
	struct hup_waiter h = { 0 };
	int r, w;

	mkfifo_at("/f5");
	r = rump_sys_open("/f5", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/f5", O_WRONLY | O_NONBLOCK);
	cr_assert_geq(w, 0);
	h.fd = r;
	pthread_t t = spawn(poll_forever, &h);
	msleep(30);
	RETURNS(rump_sys_close(w), 0);
	join(t);
	cr_assert_eq(h.n, 1);
	cr_assert_eq(h.revents, POLLHUP);
	rump_sys_close(r);
}

/* Readers opened by blocking rendezvous and O_RDWR ends keep Linux's
 * usual rule: POLLHUP once no writer is left. */
Test(fifo, poll_hup_blocking_reader)
{
	int rw, r;

	mkfifo_at("/f6");
	rw = rump_sys_open("/f6", O_RDWR);
	r = rump_sys_open("/f6", O_RDONLY); /* a writer exists: no wait */
	cr_assert_geq(r, 0);
	cr_assert_eq(revents(r, POLLIN), 0);
	RETURNS(rump_sys_close(rw), 0);
	cr_assert_eq(revents(r, POLLIN), POLLHUP);
	rump_sys_close(r);
}

/* A timestamp in ns. */
static int64_t
ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * As Linux: a write that moves bytes stamps the FIFO's mtime and ctime
 * (pipe_write's file_update_time), a read that does stamps its atime
 * (file_accessed, relatime: once atime is older than mtime or ctime),
 * on the node, so stat of the name and fstat of an end both see them.
 * A read or write of nothing, or one that fails, stamps nothing.
 */
Test(fifo, io_updates_times)
{
	struct stat s0, s1, s2, s3, fs;
	int r, w;
	char b[4];

	mkfifo_at("/ft");
	RETURNS(rump_sys_stat("/ft", &s0), 0);
	r = rump_sys_open("/ft", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/ft", O_WRONLY | O_NONBLOCK);
	cr_assert(r >= 0 && w >= 0);
	msleep(2);
	RETURNS(rump_sys_write(w, "ab", 2), 2);
	RETURNS(rump_sys_stat("/ft", &s1), 0);
	cr_assert_gt(ts_ns(s1.st_mtim), ts_ns(s0.st_mtim));
	cr_assert_eq(ts_ns(s1.st_ctim), ts_ns(s1.st_mtim));
	cr_assert_eq(ts_ns(s1.st_atim), ts_ns(s0.st_atim), "no read yet");
	msleep(2);
	RETURNS(rump_sys_read(r, b, 1), 1);
	RETURNS(rump_sys_stat("/ft", &s2), 0);
	cr_assert_gt(ts_ns(s2.st_atim), ts_ns(s1.st_mtim));
	cr_assert_eq(ts_ns(s2.st_mtim), ts_ns(s1.st_mtim));
	cr_assert_eq(ts_ns(s2.st_ctim), ts_ns(s1.st_ctim), "atime only");
	/* relatime: atime is newer than mtime and ctime, it stays. */
	msleep(2);
	RETURNS(rump_sys_read(r, b, 1), 1);
	RETURNS(rump_sys_stat("/ft", &s3), 0);
	cr_assert_eq(ts_ns(s3.st_atim), ts_ns(s2.st_atim));
	/* Nothing moved: nothing stamped. */
	msleep(2);
	FAILS(rump_sys_read(r, b, 1), EAGAIN);
	RETURNS(rump_sys_write(w, "", 0), 0);
	RETURNS(rump_sys_stat("/ft", &s3), 0);
	cr_assert_eq(ts_ns(s3.st_mtim), ts_ns(s2.st_mtim));
	cr_assert_eq(ts_ns(s3.st_atim), ts_ns(s2.st_atim));
	/* The ends show the node's times. */
	RETURNS(rump_sys_fstat(w, &fs), 0);
	cr_assert_eq(ts_ns(fs.st_mtim), ts_ns(s3.st_mtim));
	cr_assert_eq(ts_ns(fs.st_atim), ts_ns(s3.st_atim));
	RETURNS(rump_sys_close(r), 0);
	RETURNS(rump_sys_close(w), 0);
	RETURNS(rump_sys_unlink("/ft"), 0);
}

/* Linux 6.x leaves an anonymous pipe's times at its creation: fstat of
 * either end shows them, whatever goes through. */
Test(fifo, anonymous_pipe_times_fixed)
{
	struct timespec before;
	struct stat s0, s1;
	int p[2];
	char c;

	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &before), 0);
	RETURNS(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_fstat(p[0], &s0), 0);
	cr_assert_geq(ts_ns(s0.st_mtim), ts_ns(before) - 1000000000);
	cr_assert_eq(ts_ns(s0.st_atim), ts_ns(s0.st_mtim));
	cr_assert_eq(ts_ns(s0.st_ctim), ts_ns(s0.st_mtim));
	msleep(2);
	RETURNS(rump_sys_write(p[1], "x", 1), 1);
	RETURNS(rump_sys_read(p[0], &c, 1), 1);
	RETURNS(rump_sys_fstat(p[1], &s1), 0);
	cr_assert_eq(ts_ns(s1.st_mtim), ts_ns(s0.st_mtim));
	cr_assert_eq(ts_ns(s1.st_atim), ts_ns(s0.st_atim));
	RETURNS(rump_sys_close(p[0]), 0);
	RETURNS(rump_sys_close(p[1]), 0);
}

/* ---- wakeups seen by edge-triggered epoll, against the host ------------ */

/* fn on the host or in rumpkit. */
#define KCALL(rump, fn, ...)                                                   \
	((rump) ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

struct edges {
	bool rump;
	char dir[64];
	int ep;
	char log[512];
	size_t n;
};

static void
edges_init(struct edges *e, bool rump, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->rump = rump;
	if (rump) {
		snprintf(e->dir, sizeof(e->dir), "/%s", name);
		RETURNS(rump_sys_mkdir(e->dir, 0755), 0);
	} else {
		snprintf(e->dir, sizeof(e->dir), "/tmp/rk-%s.XXXXXX", name);
		cr_assert_not_null(mkdtemp(e->dir));
	}
	e->ep = (int)KCALL(rump, epoll_create1, 0);
	cr_assert_geq(e->ep, 0);
	char p[96];
	snprintf(p, sizeof(p), "%s/f", e->dir);
	cr_assert_eq(KCALL(rump, mknod, p, S_IFIFO | 0600, 0), 0);
}

static int
edges_open(struct edges *e, int flags)
{
	char p[96];
	long fd;

	snprintf(p, sizeof(p), "%s/f", e->dir);
	fd = KCALL(e->rump, open, p, flags | O_NONBLOCK);
	cr_assert_geq(fd, 0, "open: %s", strerror(errno));
	return (int)fd;
}

/* Register `fd' (tagged `tag') for `events'. */
static void
edges_watch(struct edges *e, int fd, unsigned events, int tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)tag };

	cr_assert_eq(KCALL(e->rump, epoll_ctl, e->ep, EPOLL_CTL_ADD, fd, &ev),
		     0);
}

/* What epoll_wait reports now, appended to the log as "tag:events". */
static void
edges_look(struct edges *e)
{
	struct epoll_event ev[4];
	long n = KCALL(e->rump, epoll_wait, e->ep, ev, 4, 0);

	cr_assert_geq(n, 0);
	e->n += (size_t)snprintf(e->log + e->n, sizeof(e->log) - e->n, " [");
	/* Two events at most: in tag order. */
	if (n == 2 && ev[0].data.u64 > ev[1].data.u64) {
		struct epoll_event t = ev[0];
		ev[0] = ev[1];
		ev[1] = t;
	}
	for (long k = 0; k < n; k++)
		e->n += (size_t)snprintf(e->log + e->n, sizeof(e->log) - e->n,
					 "%s%d:%x", k ? " " : "",
					 (int)ev[k].data.u64, ev[k].events);
	e->n += (size_t)snprintf(e->log + e->n, sizeof(e->log) - e->n, "]");
}

static void
edges_close(struct edges *e, int fd)
{
	cr_assert_eq(KCALL(e->rump, close, fd), 0);
}

static void
edges_end(struct edges *e)
{
	char p[96];

	edges_close(e, e->ep);
	snprintf(p, sizeof(p), "%s/f", e->dir);
	cr_assert_eq(KCALL(e->rump, unlink, p), 0);
	cr_assert_eq(KCALL(e->rump, rmdir, e->dir), 0);
}

/*
 * Linux wakes every waiter of a FIFO, keyless, when a close leaves one
 * side with ends and the other with none (pipe_release), even when the
 * closed end was not that side's last: an edge-triggered reader that
 * saw its POLLHUP sees it again.  An open that brings a side's first
 * end (or an O_RDWR open that is either side's first) wakes the
 * readers' queue only, keyless (fifo_open's wake_up_partner): readers
 * look again, a write end's edge-triggered EPOLLOUT is not reported
 * again.
 */
static void
fifo_close_open_edges(struct edges *e)
{
	int r1, r2, rw, w1, w2;

	r1 = edges_open(e, O_RDONLY);
	rw = edges_open(e, O_RDWR);
	cr_assert_eq(KCALL(e->rump, write, rw, "x", 1), 1);
	edges_close(e, rw); /* a writer came and went: POLLHUP */
	edges_watch(e, r1, EPOLLIN | EPOLLET, 1);
	edges_look(e);                /* 1:IN|HUP */
	edges_look(e);                /* nothing new */
	r2 = edges_open(e, O_RDONLY); /* not the first reader */
	edges_look(e);
	edges_close(e, r2); /* readers left, no writer: wakes all */
	edges_look(e);
	w1 = edges_open(e, O_WRONLY); /* the first writer: wakes readers */
	edges_look(e);
	w2 = edges_open(e, O_WRONLY);
	edges_look(e);
	edges_watch(e, w1, EPOLLOUT | EPOLLET, 2);
	edges_look(e);      /* 2:OUT */
	edges_close(e, w2); /* both sides still have ends: no wakeup */
	edges_look(e);
	edges_close(e, r1);           /* no reader left: wakes all */
	edges_look(e);                /* 2:OUT|ERR */
	r1 = edges_open(e, O_RDONLY); /* the first reader: readers' queue */
	edges_look(e);
	edges_watch(e, r1, EPOLLIN | EPOLLET, 3);
	edges_look(e);                /* 3:IN, the byte is still there */
	w2 = edges_open(e, O_WRONLY); /* not the first writer: nothing */
	edges_look(e);
	edges_close(e, w1);
	edges_look(e);
	edges_close(e, w2); /* readers left, no writer: wakes all */
	edges_look(e);
	rw = edges_open(e, O_RDWR); /* the first writer again */
	edges_look(e);
	r2 = edges_open(e, O_RDWR); /* neither side's first */
	edges_look(e);
	edges_close(e, r2);
	edges_look(e);
	edges_close(e, rw); /* readers left, no writer: wakes all */
	edges_look(e);
	edges_close(e, r1);
	edges_end(e);
}

Test(fifo, open_and_close_wake_edges_as_linux)
{
	struct edges h, r;

	edges_init(&h, false, "edges");
	fifo_close_open_edges(&h);
	edges_init(&r, true, "edges");
	fifo_close_open_edges(&r);
	cr_assert_str_eq(r.log, h.log, "rump%s, host%s", r.log, h.log);
}

/* ---- a read's atime against a racing chmod ------------------------------ */

#define ATIME_FILL (1024 * 1024)

struct atime_reader {
	struct lwp *l;
	int r;
	int stop;   /* atomic */
	long reads; /* atomic */
};

/* Read the FIFO a byte at a time: after each chmod (a newer ctime) the
 * next read stamps the atime (relatime). */
static void *
atime_read_loop(void *arg)
{
	struct atime_reader *a = arg;
	char c;

	rump_pub_lwproc_switch(a->l);
	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED) &&
	       rump_sys_read(a->r, &c, 1) == 1)
		__atomic_add_fetch(&a->reads, 1, __ATOMIC_RELAXED);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* As Linux's touch_atime, a read's atime update changes the atime
 * only: a chmod racing with it keeps the ctime it stamped. */
Test(fifo, read_atime_keeps_racing_ctime)
{
	static char fill[ATIME_FILL];
	struct atime_reader a = { 0 };
	struct timespec before;
	struct stat st;
	pthread_t t;
	int w;

	mkfifo_at("/fatime");
	a.r = rump_sys_open("/fatime", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/fatime", O_WRONLY | O_NONBLOCK);
	cr_assert(a.r >= 0 && w >= 0);
	RETURNS(rump_sys_fcntl(w, F_SETPIPE_SZ, ATIME_FILL), ATIME_FILL);
	RETURNS(rump_sys_write(w, fill, sizeof(fill)), sizeof(fill));
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
	a.l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	t = spawn(atime_read_loop, &a);
	for (int i = 0; i < 60000; i++) {
		cr_assert_eq(clock_gettime(CLOCK_REALTIME, &before), 0);
		RETURNS(rump_sys_chmod("/fatime", i & 1 ? 0600 : 0640), 0);
		RETURNS(rump_sys_stat("/fatime", &st), 0);
		if (ts_ns(st.st_ctim) < ts_ns(before))
			__atomic_store_n(&a.stop, 1, __ATOMIC_RELAXED);
		cr_assert_geq(ts_ns(st.st_ctim), ts_ns(before),
			      "chmod %d lost its ctime (%ld reads)", i,
			      __atomic_load_n(&a.reads, __ATOMIC_RELAXED));
	}
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELAXED);
	join(t);
	cr_assert_gt(a.reads, 0);
	rump_sys_close(a.r);
	rump_sys_close(w);
}
