/*
 * unix_oob.c: MSG_OOB on AF_UNIX streams (ipc/uipc.c), as Linux 6.18
 * with CONFIG_AF_UNIX_OOB: send(MSG_OOB) makes the last byte the
 * pending out-of-band one, recv(MSG_OOB) takes it, reads stop at the
 * mark and pass over a byte nobody took (unless SO_OOBINLINE), SIOCATMARK,
 * POLLPRI/EPOLLPRI and select's exceptfds while one is pending, SIGURG to
 * the F_SETOWN owner; other socket types refuse MSG_OOB.  Most tests run
 * the same steps on the host and in rumpkit and compare them as text.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(af_unix_oob, .init = ipc_boot);

/* fn on the host or in rumpkit. */
#define KCALL(rump, fn, ...)                                                   \
	((rump) ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

struct out {
	char buf[4096];
	bool rump;
};

static void
put(struct out *o, const char *fmt, ...)
{
	size_t l = strlen(o->buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->buf + l, sizeof(o->buf) - l, fmt, ap);
	va_end(ap);
}

/* A result, with its errno if it failed. */
static void
res(struct out *o, long v)
{
	if (v < 0)
		put(o, " %ld/%d", v, errno);
	else
		put(o, " %ld", v);
}

static int
atmark(struct out *o, int s)
{
	int a = -9;

	if (KCALL(o->rump, ioctl, s, SIOCATMARK, &a) != 0)
		return -errno;
	return a;
}

static int
inq(struct out *o, int s)
{
	int a = -9;

	if (KCALL(o->rump, ioctl, s, FIONREAD, &a) != 0)
		return -errno;
	return a;
}

static int
revents(struct out *o, int s)
{
	struct pollfd p = { s, POLLIN | POLLPRI | POLLOUT, 0 };

	cr_assert_eq(KCALL(o->rump, poll, &p, 1, 0), 1);
	return p.revents;
}

/* recvmsg of up to `len' bytes with `fl' (never waiting): the result,
 * the bytes, msg_flags, SIOCATMARK, FIONREAD (if `q': Linux 6.18's
 * count stays one too high for each pending byte a read passed over, so
 * steps after one leave it out) and poll's events. */
static void
rd(struct out *o, int s, size_t len, int fl, bool q)
{
	char b[64];
	struct iovec iov = { b, len };
	struct msghdr mh = { 0 };
	long n;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = KCALL(o->rump, recvmsg, s, &mh, fl | MSG_DONTWAIT);
	put(o, " [");
	res(o, n);
	if (n >= 0)
		put(o, "'%.*s' f%x", (int)(n < (long)len ? n : (long)len), b,
		    mh.msg_flags);
	put(o, " m%d", atmark(o, s));
	if (q)
		put(o, " q%d", inq(o, s));
	put(o, " p%x]", revents(o, s));
}

static void
snd(struct out *o, int s, const char *data, int fl)
{
	res(o, KCALL(o->rump, send, s, data, strlen(data), fl));
}

static void
setint(struct out *o, int s, int opt, int v)
{
	cr_assert_eq(
		KCALL(o->rump, setsockopt, s, SOL_SOCKET, opt, &v, sizeof(v)),
		0);
}

static void
newpair(struct out *o, int sv[2])
{
	cr_assert_eq(KCALL(o->rump, socketpair, AF_UNIX, SOCK_STREAM, 0, sv),
		     0);
}

static void
closepair(struct out *o, int sv[2])
{
	KCALL(o->rump, close, sv[0]);
	KCALL(o->rump, close, sv[1]);
}

/* Run `steps' on the host and in rumpkit; the texts must match. */
static void
compare(void (*steps)(struct out *), const char *what)
{
	static struct out h, r;

	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	r.rump = true;
	steps(&h);
	steps(&r);
	if (getenv("OOB_SHOW") != NULL)
		fprintf(stderr, "%s:%s\n", what, r.buf);
	cr_assert_str_eq(r.buf, h.buf, "%s: rump%s\nhost%s", what, r.buf,
			 h.buf);
}

/* send(MSG_OOB) of nothing; the mark and a read stopping there; a
 * pending byte passed over by a read is gone; recv(MSG_OOB) with none. */
static void
steps_basic(struct out *o)
{
	int sv[2];

	newpair(o, sv);
	snd(o, sv[0], "", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB, true);
	snd(o, sv[0], "abc", MSG_OOB);
	put(o, " m%d q%d p%x", atmark(o, sv[1]), inq(o, sv[1]),
	    revents(o, sv[1]));
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, false);
	rd(o, sv[1], 8, MSG_OOB, false);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
	/* Taken first: the read still stops at its mark. */
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	closepair(o, sv);
	/* Data after it: passed over, or taken first. */
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "def", 0);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, false);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "def", 0);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	closepair(o, sv);
	/* MSG_WAITALL stops at the mark too; a lone pending byte at the
	 * head is passed over by a peek. */
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "def", 0);
	rd(o, sv[1], 8, MSG_WAITALL, true);
	rd(o, sv[1], 8, MSG_WAITALL, false);
	snd(o, sv[0], "c", MSG_OOB);
	snd(o, sv[0], "def", 0);
	rd(o, sv[1], 8, MSG_PEEK, false);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
	/* Several buffers: only the last byte is out of band. */
	newpair(o, sv);
	{
		struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
		struct msghdr mh = { 0 };

		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		res(o, KCALL(o->rump, sendmsg, sv[0], &mh, MSG_OOB));
	}
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, MSG_OOB, true);
	closepair(o, sv);
}

Test(af_unix_oob, basic)
{
	compare(steps_basic, "basic");
}

/* A second out-of-band byte before the first was taken: the first
 * becomes data. */
static void
steps_second(struct out *o)
{
	int sv[2];

	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "def", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB | MSG_PEEK, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "def", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	/* Taken each time: no mark is left twice in a row. */
	snd(o, sv[0], "g", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB, true);
	snd(o, sv[0], "h", MSG_OOB);
	rd(o, sv[1], 8, MSG_OOB, true);
	snd(o, sv[0], "ij", 0);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	closepair(o, sv);
}

Test(af_unix_oob, second_before_first_taken)
{
	compare(steps_second, "second");
}

/* MSG_PEEK: of the pending byte, of the data around it, and with
 * SO_PEEK_OFF (whose offset counts the pending byte only when it does
 * not start at it). */
static void
steps_peek(struct out *o)
{
	int sv[2];

	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "de", 0);
	rd(o, sv[1], 8, MSG_PEEK, true);
	rd(o, sv[1], 8, MSG_OOB | MSG_PEEK, true);
	rd(o, sv[1], 8, MSG_OOB | MSG_PEEK, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, MSG_PEEK, true);
	rd(o, sv[1], 8, 0, false);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
	for (int off = 0; off < 4; off++) {
		newpair(o, sv);
		snd(o, sv[0], "abc", MSG_OOB);
		snd(o, sv[0], "de", 0);
		setint(o, sv[1], SO_PEEK_OFF, off);
		rd(o, sv[1], 8, MSG_PEEK, true);
		rd(o, sv[1], 8, MSG_PEEK, true);
		rd(o, sv[1], 8, MSG_OOB | MSG_PEEK, true);
		rd(o, sv[1], 8, 0, true);
		rd(o, sv[1], 8, 0, false);
		int now = -9;
		res(o, KCALL(o->rump, getsockopt, sv[1], SOL_SOCKET,
			     SO_PEEK_OFF, &now, &(socklen_t){ sizeof(now) }));
		put(o, " off%d", now);
		closepair(o, sv);
	}
	newpair(o, sv);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "de", 0);
	rd(o, sv[1], 8, MSG_OOB, true);
	for (int off = 0; off < 3; off++) {
		setint(o, sv[1], SO_PEEK_OFF, off);
		rd(o, sv[1], 8, MSG_PEEK, true);
	}
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	snd(o, sv[0], "c", MSG_OOB);
	snd(o, sv[0], "de", 0);
	setint(o, sv[1], SO_PEEK_OFF, 1);
	rd(o, sv[1], 8, MSG_PEEK, true);
	rd(o, sv[1], 8, 0, false);
	closepair(o, sv);
}

Test(af_unix_oob, peek)
{
	compare(steps_peek, "peek");
}

/* SO_OOBINLINE: recv(MSG_OOB) refuses, reads take the byte as data;
 * set after the byte came, too. */
static void
steps_inline(struct out *o)
{
	int sv[2];

	newpair(o, sv);
	setint(o, sv[1], SO_OOBINLINE, 1);
	snd(o, sv[0], "abc", MSG_OOB);
	snd(o, sv[0], "de", 0);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, MSG_PEEK, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	setint(o, sv[1], SO_OOBINLINE, 0);
	snd(o, sv[0], "abc", MSG_OOB);
	setint(o, sv[1], SO_OOBINLINE, 1);
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	rd(o, sv[1], 8, 0, true);
	closepair(o, sv);
}

Test(af_unix_oob, oobinline)
{
	compare(steps_inline, "inline");
}

/* Bad and odd inputs: recv(MSG_OOB) into no room takes the byte, into
 * a bad buffer takes it and fails; a bad buffer to send; SIOCATMARK's
 * bad pointer; other types and states. */
static void
steps_errors(struct out *o)
{
	int sv[2], s;

	newpair(o, sv);
	snd(o, sv[0], "x", MSG_OOB);
	rd(o, sv[1], 0, MSG_OOB, true);
	rd(o, sv[1], 8, MSG_OOB, true);
	res(o, KCALL(o->rump, recv, sv[1], (void *)1, 1, MSG_OOB));
	rd(o, sv[1], 8, 0, true);
	snd(o, sv[0], "ab", MSG_OOB);
	res(o, KCALL(o->rump, recv, sv[1], (void *)1, 1, MSG_OOB));
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	res(o, KCALL(o->rump, send, sv[0], (void *)1, 2, MSG_OOB));
	put(o, " p%x", revents(o, sv[1]));
	res(o, KCALL(o->rump, ioctl, sv[1], SIOCATMARK, (void *)1));
	res(o, KCALL(o->rump, ioctl, sv[1], SIOCATMARK, NULL));
	/* The receiver shut down: EPIPE (MSG_NOSIGNAL: no SIGPIPE). */
	res(o, KCALL(o->rump, shutdown, sv[1], SHUT_RD));
	snd(o, sv[0], "x", MSG_OOB | MSG_NOSIGNAL);
	snd(o, sv[0], "xy", MSG_OOB | MSG_NOSIGNAL);
	closepair(o, sv);
	/* A byte that came before the shutdown can still be taken. */
	newpair(o, sv);
	snd(o, sv[0], "m", MSG_OOB);
	res(o, KCALL(o->rump, shutdown, sv[1], SHUT_RD));
	rd(o, sv[1], 8, MSG_OOB, true);
	rd(o, sv[1], 8, 0, true);
	closepair(o, sv);
	/* DGRAM and SEQPACKET: no out-of-band data, no SIOCATMARK. */
	for (int t = SOCK_DGRAM; t <= SOCK_SEQPACKET; t += 3) {
		cr_assert_eq(KCALL(o->rump, socketpair, AF_UNIX, t, 0, sv), 0);
		snd(o, sv[0], "ab", MSG_OOB);
		snd(o, sv[0], "ab", 0);
		res(o, KCALL(o->rump, recv, sv[1], (char[8]){ 0 }, 8,
			     MSG_OOB | MSG_DONTWAIT));
		res(o, KCALL(o->rump, recv, sv[1], (char[8]){ 0 }, 8,
			     MSG_OOB | MSG_PEEK | MSG_DONTWAIT));
		put(o, " m%d", atmark(o, sv[1]));
		closepair(o, sv);
	}
	/* Unconnected and listening. */
	for (int t = SOCK_STREAM; t <= SOCK_SEQPACKET; t += 4) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		char b[8];

		s = (int)KCALL(o->rump, socket, AF_UNIX, t, 0);
		cr_assert_geq(s, 0);
		snd(o, s, "a", MSG_OOB);
		res(o, KCALL(o->rump, recv, s, b, 8, MSG_OOB | MSG_DONTWAIT));
		put(o, " m%d", atmark(o, s));
		snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			 "oob.%d.%d.%d", getpid(), o->rump, t);
		cr_assert_eq(KCALL(o->rump, bind, s, (struct sockaddr *)&sun,
				   (socklen_t)(offsetof(struct sockaddr_un,
							sun_path) +
					       1 + strlen(sun.sun_path + 1))),
			     0);
		cr_assert_eq(KCALL(o->rump, listen, s, 1), 0);
		res(o, KCALL(o->rump, recv, s, b, 8, MSG_OOB | MSG_DONTWAIT));
		put(o, " m%d", atmark(o, s));
		KCALL(o->rump, close, s);
	}
}

Test(af_unix_oob, errors)
{
	compare(steps_errors, "errors");
}

/* poll, select and epoll see POLLPRI while a byte is pending (with
 * SO_OOBINLINE too), and an emptied mark alone still reads as POLLIN. */
static void
steps_poll(struct out *o)
{
	struct epoll_event ev;
	struct timeval tv = { 0, 0 };
	fd_set ex;
	int sv[2], ep;

	newpair(o, sv);
	ep = (int)KCALL(o->rump, epoll_create1, 0);
	cr_assert_geq(ep, 0);
	ev.events = EPOLLIN | EPOLLPRI;
	ev.data.u64 = 0;
	cr_assert_eq(KCALL(o->rump, epoll_ctl, ep, EPOLL_CTL_ADD, sv[1], &ev),
		     0);
	res(o, KCALL(o->rump, epoll_wait, ep, &ev, 1, 0));
	FD_ZERO(&ex);
	FD_SET(sv[1], &ex);
	res(o, KCALL(o->rump, select, sv[1] + 1, NULL, NULL, &ex, &tv));
	snd(o, sv[0], "ab", MSG_OOB);
	res(o, KCALL(o->rump, epoll_wait, ep, &ev, 1, 0));
	put(o, " ev%x", ev.events);
	FD_ZERO(&ex);
	FD_SET(sv[1], &ex);
	res(o, KCALL(o->rump, select, sv[1] + 1, NULL, NULL, &ex, &tv));
	put(o, " %d", FD_ISSET(sv[1], &ex));
	rd(o, sv[1], 8, MSG_OOB, true);
	res(o, KCALL(o->rump, epoll_wait, ep, &ev, 1, 0));
	put(o, " ev%x", ev.events);
	rd(o, sv[1], 8, 0, true);
	res(o, KCALL(o->rump, epoll_wait, ep, &ev, 1, 0));
	put(o, " ev%x", ev.events);
	rd(o, sv[1], 8, 0, true);
	res(o, KCALL(o->rump, epoll_wait, ep, &ev, 1, 0));
	setint(o, sv[1], SO_OOBINLINE, 1);
	snd(o, sv[0], "c", MSG_OOB);
	put(o, " p%x", revents(o, sv[1]));
	rd(o, sv[1], 8, 0, true);
	KCALL(o->rump, close, ep);
	closepair(o, sv);
}

Test(af_unix_oob, poll_select_epoll)
{
	compare(steps_poll, "poll");
}

/* A poller waiting for POLLPRI alone is woken by the byte. */
struct oob_waiter {
	int fd;
	int revents;
};

static void *
oob_poller(void *arg)
{
	struct oob_waiter *w = arg;
	struct pollfd p = { w->fd, POLLPRI, 0 };

	cr_assert_eq(rump_sys_poll(&p, 1, 10000), 1);
	w->revents = p.revents;
	return NULL;
}

Test(af_unix_oob, poll_wakes_on_pri)
{
	struct oob_waiter w;
	int sv[2];
	pthread_t t;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	RETURNS(rump_sys_send(sv[0], "abc", 3, 0), 3);
	w.fd = sv[1];
	w.revents = 0;
	t = spawn(oob_poller, &w);
	msleep(20);
	RETURNS(rump_sys_send(sv[0], "d", 1, MSG_OOB), 1);
	join(t);
	cr_assert_eq(w.revents, POLLPRI);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* SIGURG goes to the receiving socket's F_SETOWN owner (a process or a
 * process group), on the host and in rumpkit alike. */
static volatile int urgs;

static void
on_urg(int sig)
{
	(void)sig;
	urgs++;
}

static void
steps_sigurg(struct out *o)
{
	struct sigaction sa = { 0 }, old;
	int sv[2], pid = (int)KCALL(o->rump, getpid);
	int pg = (int)KCALL(o->rump, getpgrp), v;

	sa.sa_handler = on_urg;
	cr_assert_eq(KCALL(o->rump, sigaction, SIGURG, &sa, &old), 0);
	urgs = 0;
	newpair(o, sv);
	res(o, KCALL(o->rump, fcntl, sv[1], F_GETOWN));
	snd(o, sv[0], "x", MSG_OOB);
	put(o, " u%d", urgs);
	res(o, KCALL(o->rump, fcntl, sv[1], F_SETOWN, pid));
	put(o, " %d", KCALL(o->rump, fcntl, sv[1], F_GETOWN) == pid);
	snd(o, sv[0], "x", MSG_OOB);
	put(o, " u%d", urgs);
	snd(o, sv[0], "yz", 0);
	put(o, " u%d", urgs);
	/* The other way: sv[0] has no owner. */
	snd(o, sv[1], "x", MSG_OOB);
	put(o, " u%d", urgs);
	res(o, KCALL(o->rump, fcntl, sv[1], F_SETOWN, 0));
	res(o, KCALL(o->rump, fcntl, sv[1], F_GETOWN));
	snd(o, sv[0], "x", MSG_OOB);
	put(o, " u%d", urgs);
	/* A process group, through the ioctls. */
	v = -pg;
	res(o, KCALL(o->rump, ioctl, sv[1], SIOCSPGRP, &v));
	v = 0;
	res(o, KCALL(o->rump, ioctl, sv[1], FIOGETOWN, &v));
	put(o, " %d", v == -pg);
	snd(o, sv[0], "x", MSG_OOB);
	put(o, " u%d", urgs);
	v = pid;
	res(o, KCALL(o->rump, ioctl, sv[1], FIOSETOWN, &v));
	v = 0;
	res(o, KCALL(o->rump, ioctl, sv[1], SIOCGPGRP, &v));
	put(o, " %d", v == pid);
	/* A dup shares the owner. */
	{
		int d = (int)KCALL(o->rump, dup, sv[1]);

		put(o, " %d", KCALL(o->rump, fcntl, d, F_GETOWN) == pid);
		KCALL(o->rump, close, d);
	}
	/* F_SETOWN_EX and F_GETOWN_EX: a thread, a group, none. */
	{
		struct f_owner_ex ex = { -5, -5 };
		int tid = (int)KCALL(o->rump, gettid), s2[2];

		newpair(o, s2);
		res(o, KCALL(o->rump, fcntl, s2[1], F_GETOWN_EX, &ex));
		put(o, " t%d p%d", ex.type, ex.pid);
		ex.type = F_OWNER_TID;
		ex.pid = tid;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		put(o, " %d", KCALL(o->rump, fcntl, s2[1], F_GETOWN) == tid);
		ex.type = -5;
		res(o, KCALL(o->rump, fcntl, s2[1], F_GETOWN_EX, &ex));
		put(o, " t%d %d", ex.type, ex.pid == tid);
		snd(o, s2[0], "x", MSG_OOB);
		put(o, " u%d", urgs);
		ex.type = F_OWNER_PGRP;
		ex.pid = pg;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		put(o, " %d", KCALL(o->rump, fcntl, s2[1], F_GETOWN) == -pg);
		snd(o, s2[0], "x", MSG_OOB);
		put(o, " u%d", urgs);
		ex.type = 3;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		ex.type = F_OWNER_PID;
		ex.pid = -pid;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		ex.pid = 999999;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		ex.pid = 0;
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, &ex));
		ex.type = -5;
		res(o, KCALL(o->rump, fcntl, s2[1], F_GETOWN_EX, &ex));
		put(o, " t%d p%d", ex.type, ex.pid);
		res(o, KCALL(o->rump, fcntl, s2[1], F_SETOWN_EX, NULL));
		res(o, KCALL(o->rump, fcntl, s2[1], F_GETOWN_EX, NULL));
		snd(o, s2[0], "x", MSG_OOB);
		put(o, " u%d", urgs);
		closepair(o, s2);
	}
	/* Bad owners leave it as it was. */
	res(o, KCALL(o->rump, fcntl, sv[1], F_SETOWN, INT_MIN));
	res(o, KCALL(o->rump, fcntl, sv[1], F_SETOWN, 999999));
	res(o, KCALL(o->rump, fcntl, sv[1], F_SETOWN, -999999));
	res(o, KCALL(o->rump, ioctl, sv[1], FIOSETOWN, NULL));
	res(o, KCALL(o->rump, ioctl, sv[1], FIOGETOWN, (void *)1));
	put(o, " %d", KCALL(o->rump, fcntl, sv[1], F_GETOWN) == pid);
	closepair(o, sv);
	cr_assert_eq(KCALL(o->rump, sigaction, SIGURG, &old, NULL), 0);
}

Test(af_unix_oob, sigurg_to_owner)
{
	compare(steps_sigurg, "sigurg");
}

/* Descriptors sent with a lone out-of-band byte ride on it and go when
 * it is taken (recv(MSG_OOB) delivers none). */
Test(af_unix_oob, rights_on_oob_byte)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { "k", 1 };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;
	char rb[4], rc[64];
	int sv[2], pfd[2];

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(rump_sys_pipe(pfd), 0);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = c.b;
	mh.msg_controllen = sizeof(c.b);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pfd[1], sizeof(int));
	RETURNS(rump_sys_sendmsg(sv[0], &mh, MSG_OOB), 1);
	RETURNS(rump_sys_close(pfd[1]), 0);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = rb;
	iov.iov_len = sizeof(rb);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = rc;
	mh.msg_controllen = sizeof(rc);
	RETURNS(rump_sys_recvmsg(sv[1], &mh, MSG_OOB), 1);
	cr_assert_eq(mh.msg_flags, MSG_OOB);
	cr_assert_eq(mh.msg_controllen, 0);
	cr_assert_eq(rb[0], 'k');
	/* The mark goes with the next read, and the pipe's write end with
	 * it: its reader sees EOF. */
	FAILS(rump_sys_recv(sv[1], rb, sizeof(rb), MSG_DONTWAIT), EAGAIN);
	RETURNS(rump_sys_read(pfd[0], rb, sizeof(rb)), 0);
	RETURNS(rump_sys_close(pfd[0]), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* Threads: a sender sends data with an out-of-band byte now and then; a
 * reader takes the pending byte when SIOCATMARK or POLLPRI says so, and
 * reads the rest.  Every byte arrives once, out-of-band ones never
 * inline, and the counts add up. */
struct oob_race {
	int fd;
	int nsent_oob;
};

static void *
oob_sender(void *arg)
{
	struct oob_race *r = arg;
	unsigned char b[16];

	for (int i = 0; i < 400; i++) {
		for (int j = 0; j < 16; j++)
			b[j] = (unsigned char)(j == 15 && i % 4 == 0 ? 0xff
								     : i % 200);
		cr_assert_eq(rump_sys_send(r->fd, b, sizeof(b),
					   i % 4 == 0 ? MSG_OOB : 0),
			     16);
		if (i % 4 == 0)
			r->nsent_oob++;
	}
	cr_assert_eq(rump_sys_shutdown(r->fd, SHUT_WR), 0);
	return NULL;
}

Test(af_unix_oob, threads)
{
	struct oob_race r = { 0, 0 };
	unsigned char b[64];
	long total = 0, oobs = 0, n;
	int sv[2];
	pthread_t t;

	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Room for it all: the sender never waits. */
	int big = 1 << 20;
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big,
				    sizeof(big)),
		0);
	r.fd = sv[0];
	t = spawn(oob_sender, &r);
	for (;;) {
		struct pollfd p = { sv[1], POLLIN | POLLPRI, 0 };

		cr_assert_eq(rump_sys_poll(&p, 1, 10000), 1);
		if (p.revents & POLLPRI) {
			n = rump_sys_recv(sv[1], b, 1, MSG_OOB);
			if (n == 1) {
				cr_assert_eq(b[0], 0xff);
				oobs++;
				continue;
			}
			/* Passed over by now, or replaced: gone. */
			cr_assert_eq(errno, EINVAL);
		}
		n = rump_sys_recv(sv[1], b, sizeof(b), MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n < 0) {
			cr_assert_eq(errno, EAGAIN);
			continue;
		}
		total += n;
	}
	join(t);
	/* Each send's 15 plain bytes arrive; of the out-of-band ones, the
	 * taken ones did not come inline and the rest are gone, except a
	 * byte replaced by the next before it was taken: that one became
	 * data. */
	cr_assert_geq(total, 400 * 15);
	cr_assert_leq(total + oobs, 400 * 16);
	cr_assert_leq(oobs, r.nsent_oob);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}
