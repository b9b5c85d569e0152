/*
 * ipc.c: pipes, AF_UNIX stream sockets and epoll, rump against the host
 * in the same run.
 *
 *  - throughput: 64 KiB writes from one host thread to a reader on
 *    another, each thread bound to its own rump process (host: two
 *    threads of this process).  Target: at least 2x the host's, i.e. a
 *    time ratio <= 0.5.
 *  - latency: a 1-byte ping-pong between two threads over two pipes (or
 *    one socket pair); one op is a round trip.  Target: <= the host's.
 *  - epoll_wait over 1,000 registered eventfds of which one is ready
 *    (level-triggered).  Target: at least the host's rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

#define CHUNK (64 * 1024)
#define NEPOLL 1000

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

struct ops {
	ssize_t (*rd)(int, void *, size_t);
	ssize_t (*wr)(int, const void *, size_t);
};

static const struct ops host_ops = { read, write };
static const struct ops rump_ops = { rump_sys_read, rump_sys_write };

/* ---- throughput ------------------------------------------------------- */

struct stream {
	const struct ops *ops;
	int wfd, rfd;
	struct lwp *wl, *rl; /* rump: the two processes' lwps */
	long target;         /* bytes the reader must reach (atomic) */
	long done;           /* bytes read so far (atomic) */
	int stop;            /* atomic */
	char *wbuf;
};

static void *
stream_reader(void *arg)
{
	struct stream *s = arg;
	char *buf = malloc(CHUNK);
	ssize_t r;

	if (s->rl != NULL)
		rump_pub_lwproc_switch(s->rl);
	while ((r = s->ops->rd(s->rfd, buf, CHUNK)) > 0)
		__atomic_add_fetch(&s->done, r, __ATOMIC_RELEASE);
	free(buf);
	if (s->rl != NULL)
		rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
stream_write(void *arg, long n)
{
	struct stream *s = arg;
	long want = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) + n * CHUNK;

	while (n-- > 0) {
		size_t off = 0;
		while (off < CHUNK) {
			ssize_t w =
				s->ops->wr(s->wfd, s->wbuf + off, CHUNK - off);
			if (w <= 0)
				die("write");
			off += (size_t)w;
		}
	}
	/* The op is done when the reader has it. */
	while (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) < want)
		sched_yield();
}

static double
run_stream(const char *name, int rump, int sock)
{
	struct stream s = { 0 };
	pthread_t t;
	int fds[2];
	double ns;

	s.ops = rump ? &rump_ops : &host_ops;
	s.wbuf = malloc(CHUNK);
	memset(s.wbuf, 0x33, CHUNK);
	if (rump) {
		struct lwp *me;
		if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
			die("rfork");
		me = rump_pub_lwproc_curlwp();
		if ((sock ? rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, fds)
			  : rump_sys_pipe(fds)) != 0)
			die("rump pipe");
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0)
			die("rfork");
		s.rl = rump_pub_lwproc_curlwp();
		rump_sys_close(fds[1]);
		rump_pub_lwproc_switch(me);
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0)
			die("rfork");
		s.wl = rump_pub_lwproc_curlwp();
		rump_sys_close(fds[0]);
		rump_pub_lwproc_switch(me);
		rump_pub_lwproc_releaselwp(); /* the parent's copies go */
		rump_pub_lwproc_switch(s.wl);
	} else if ((sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds)
			 : pipe(fds)) != 0) {
		die("pipe");
	}
	s.rfd = fds[0];
	s.wfd = fds[1];
	if (pthread_create(&t, NULL, stream_reader, &s) != 0)
		die("pthread_create");
	ns = bench_run(name, stream_write, &s, 0);
	s.ops->wr == write ? close(s.wfd) : rump_sys_close(s.wfd);
	pthread_join(t, NULL);
	if (rump)
		rump_pub_lwproc_releaselwp();
	free(s.wbuf);
	return ns;
}

/* ---- ping-pong latency ------------------------------------------------ */

struct pingpong {
	const struct ops *ops;
	int a_rd, a_wr, b_rd, b_wr; /* a: the timed side, b: the echo */
	struct lwp *al, *bl;
};

static void *
echo_side(void *arg)
{
	struct pingpong *p = arg;
	char c;

	if (p->bl != NULL)
		rump_pub_lwproc_switch(p->bl);
	while (p->ops->rd(p->b_rd, &c, 1) == 1)
		if (p->ops->wr(p->b_wr, &c, 1) != 1)
			break;
	if (p->bl != NULL)
		rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
ping(void *arg, long n)
{
	struct pingpong *p = arg;
	char c = 'x';

	while (n-- > 0) {
		if (p->ops->wr(p->a_wr, &c, 1) != 1 ||
		    p->ops->rd(p->a_rd, &c, 1) != 1)
			die("ping");
	}
}

static double
run_pingpong(const char *name, int rump, int sock)
{
	struct pingpong p = { 0 };
	pthread_t t;
	int x[2], y[2];
	double ns;

	p.ops = rump ? &rump_ops : &host_ops;
	if (rump) {
		if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
			die("rfork");
		p.al = rump_pub_lwproc_curlwp();
	}
	if (sock) {
		if ((rump ? rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, x)
			  : socketpair(AF_UNIX, SOCK_STREAM, 0, x)) != 0)
			die("socketpair");
		p.a_rd = p.a_wr = x[0];
		p.b_rd = p.b_wr = x[1];
	} else {
		if ((rump ? rump_sys_pipe(x) : pipe(x)) != 0 ||
		    (rump ? rump_sys_pipe(y) : pipe(y)) != 0)
			die("pipe");
		p.a_wr = x[1];
		p.b_rd = x[0];
		p.b_wr = y[1];
		p.a_rd = y[0];
	}
	if (rump) {
		if (rump_pub_lwproc_rfork(RUMP_RFFDG) != 0)
			die("rfork");
		p.bl = rump_pub_lwproc_curlwp();
		/* b keeps only its ends, so a's exit ends the echo. */
		rump_sys_close(p.a_rd);
		if (!sock)
			rump_sys_close(p.a_wr);
		rump_pub_lwproc_switch(p.al);
		if (sock)
			rump_sys_close(p.b_rd);
		else
			rump_sys_close(p.b_rd), rump_sys_close(p.b_wr);
	}
	if (pthread_create(&t, NULL, echo_side, &p) != 0)
		die("pthread_create");
	ns = bench_run(name, ping, &p, 0);
	/* End the echo: our ends close, the echo sees EOF and leaves. */
	if (rump) {
		rump_pub_lwproc_releaselwp(); /* a's process and its fds */
	} else if (sock) {
		close(p.a_rd);
	} else {
		close(p.a_wr);
		close(p.a_rd);
	}
	pthread_join(t, NULL);
	if (!rump) {
		close(p.b_rd);
		if (!sock)
			close(p.b_wr);
	}
	return ns;
}

/* ---- epoll ------------------------------------------------------------ */

struct ep {
	int ep;
	int (*wait)(int, struct epoll_event *, int, int);
};

static void
ep_wait(void *arg, long n)
{
	struct ep *e = arg;
	struct epoll_event ev[64];

	while (n-- > 0)
		if (e->wait(e->ep, ev, 64, 0) != 1)
			die("epoll_wait");
}

static double
run_epoll(const char *name, int rump)
{
	struct ep e;
	struct epoll_event ev = { .events = EPOLLIN };
	int fds[NEPOLL];
	double ns;

	if (rump && rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		die("rfork");
	e.ep = rump ? rump_sys_epoll_create1(0) : epoll_create1(0);
	e.wait = rump ? rump_sys_epoll_wait : epoll_wait;
	for (int i = 0; i < NEPOLL; i++) {
		fds[i] = rump ? rump_sys_eventfd(i == NEPOLL / 2, 0)
			      : eventfd(i == NEPOLL / 2, 0);
		if (fds[i] < 0)
			die("eventfd");
		ev.data.u32 = (uint32_t)i;
		if ((rump ? rump_sys_epoll_ctl(e.ep, EPOLL_CTL_ADD, fds[i], &ev)
			  : epoll_ctl(e.ep, EPOLL_CTL_ADD, fds[i], &ev)) != 0)
			die("epoll_ctl");
	}
	ns = bench_run(name, ep_wait, &e, 0);
	if (rump) {
		rump_pub_lwproc_releaselwp();
	} else {
		for (int i = 0; i < NEPOLL; i++)
			close(fds[i]);
		close(e.ep);
	}
	return ns;
}

static void
gbps(const char *name, double rump_ns, double host_ns)
{
	printf("  %s: rump %.2f GB/s, host %.2f GB/s, %.2fx the host\n", name,
	       CHUNK / rump_ns, CHUNK / host_ns, host_ns / rump_ns);
	bench_json_object(name);
	bench_json_add_number("rump_gbps", CHUNK / rump_ns);
	bench_json_add_number("host_gbps", CHUNK / host_ns);
	bench_json_object_end();
}

int
main(void)
{
	double r, h;

	if (rump_init() != 0)
		die("rump_init");
	bench_json_begin();

	r = run_stream("pipe 64KiB rump", 1, 0);
	h = run_stream("pipe 64KiB host", 0, 0);
	bench_report("pipe throughput 64KiB writes", r, h, 0.5);
	gbps("pipe throughput GB/s", r, h);

	r = run_pingpong("pipe ping-pong rump", 1, 0);
	h = run_pingpong("pipe ping-pong host", 0, 0);
	bench_report("pipe ping-pong 1B round trip", r, h, 1.0);

	r = run_stream("unix stream 64KiB rump", 1, 1);
	h = run_stream("unix stream 64KiB host", 0, 1);
	bench_report("unix stream throughput 64KiB writes", r, h, 0.5);
	gbps("unix stream throughput GB/s", r, h);

	r = run_pingpong("unix ping-pong rump", 1, 1);
	h = run_pingpong("unix ping-pong host", 0, 1);
	bench_report("unix stream ping-pong 1B round trip", r, h, 1.0);

	r = run_epoll("epoll_wait 1000 fds rump", 1);
	h = run_epoll("epoll_wait 1000 fds host", 0);
	bench_report("epoll_wait 1000 registered, 1 ready", r, h, 1.0);

	bench_json_end();
	return 0;
}
