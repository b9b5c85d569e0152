/*
 * unix.c: AF_UNIX sockets (ipc/uipc.c): socketpair and named sockets of
 * the three types, listen/accept/connect (blocking and not), data calls
 * with their flags, shutdown, names, options, SCM_RIGHTS across rfork'd
 * processes (and in-flight descriptors released), SCM_CREDENTIALS, and
 * each error a caller can reach.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(af_unix, .init = ipc_boot);

static void
pair(int type, int sv[2])
{
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, type, 0, sv), 0,
		     "socketpair: %s", strerror(errno));
}

/* An abstract address "\0name"; returns its length. */
static socklen_t
abstract(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path + 1, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(name));
}

static int
listener(int type, const char *name, int backlog)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, name);
	int s = rump_sys_socket(AF_UNIX, type, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, len), 0,
		     "bind: %s", strerror(errno));
	cr_assert_eq(rump_sys_listen(s, backlog), 0, "listen: %s",
		     strerror(errno));
	return s;
}

static int
connector(int type, const char *name, int flags)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, name);
	int s = rump_sys_socket(AF_UNIX, type | flags, 0);

	cr_assert_geq(s, 0);
	cr_assert_eq(rump_sys_connect(s, (struct sockaddr *)&sun, len), 0,
		     "connect: %s", strerror(errno));
	return s;
}

/* Each socket is an inode of its own (sockfs): mode 0777 and times 0 at
 * first, owned by whoever made the socket, accept's by the accepter;
 * fchmod, fchown and futimens change it alone.  As Linux 6.18. */
Test(af_unix, inode_attributes)
{
	gid_t sup[] = { 3000 };
	struct stat st;
	int sv[2], l, c, a;

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_fstat(sv[0], &st), 0);
	cr_assert_eq(st.st_mode, S_IFSOCK | 0777);
	cr_assert_eq(st.st_mtim.tv_sec, 0);
	cr_assert_eq(st.st_ctim.tv_sec, 0);
	RETURNS(rump_sys_fchmod(sv[0], 0640), 0);
	RETURNS(rump_sys_fchown(sv[0], 10, 20), 0);
	RETURNS(rump_sys_futimens(sv[0], NULL), 0);
	RETURNS(rump_sys_fstat(sv[0], &st), 0);
	cr_assert_eq(st.st_mode, S_IFSOCK | 0640);
	cr_assert_eq(st.st_uid, 10);
	cr_assert_gt(st.st_mtim.tv_sec, 0);
	cr_assert_eq(st.st_ctim.tv_sec, st.st_mtim.tv_sec);
	RETURNS(rump_sys_fstat(sv[1], &st), 0);
	cr_assert_eq(st.st_mode, S_IFSOCK | 0777, "the peer is not changed");
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_ctim.tv_sec, 0);
	/* A mode of 0 stops no data. */
	RETURNS(rump_sys_fchmod(sv[0], 0), 0);
	RETURNS(rump_sys_send(sv[1], "x", 1, 0), 1);
	char ch;
	RETURNS(rump_sys_recv(sv[0], &ch, 1, 0), 1);

	/* Root's listener; another user connects and accepts. */
	l = listener(SOCK_STREAM, "inode_attrs", 1);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setgroups(1, sup), 0);
	RETURNS(rump_sys_setresgid(1000, 1000, 1000), 0);
	RETURNS(rump_sys_setresuid(1000, 1000, 1000), 0);
	c = connector(SOCK_STREAM, "inode_attrs", 0);
	a = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	RETURNS(rump_sys_fstat(a, &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1000);
	RETURNS(rump_sys_fstat(c, &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	RETURNS(rump_sys_fchown(a, -1, 3000), 0);
	FAILS(rump_sys_fchmod(l, 0700), EPERM);
	RETURNS(rump_sys_fstat(l, &st), 0);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_mode, S_IFSOCK | 0777);
	/* 0777: anybody may touch it, only the owner set times. */
	RETURNS(rump_sys_futimens(l, NULL), 0);
	FAILS(rump_sys_futimens(l,
				((struct timespec[2]){ { 1, 0 }, { 1, 0 } })),
	      EPERM);
	rump_pub_lwproc_releaselwp();
}

Test(af_unix, socket_errors)
{
	int sv[2];

	FAILS(rump_sys_socket(AF_INET + 100, SOCK_STREAM, 0), EAFNOSUPPORT);
	FAILS(rump_sys_socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
	FAILS(rump_sys_socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	FAILS(rump_sys_socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), EINVAL);
	FAILS(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), EFAULT);
	/* Socket calls on something else. */
	cr_assert_eq(rump_sys_pipe(sv), 0);
	FAILS(rump_sys_listen(sv[0], 1), ENOTSOCK);
	FAILS(rump_sys_send(sv[1], "x", 1, 0), ENOTSOCK);
	FAILS(rump_sys_accept(sv[0], NULL, NULL), ENOTSOCK);
	FAILS(rump_sys_listen(77, 1), EBADF);
	FAILS(rump_sys_recv(77, sv, 1, 0), EBADF);
	int s = rump_sys_socket(AF_UNIX,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	cr_assert_geq(s, 0);
	RETURNS(rump_sys_fcntl(s, F_GETFD), FD_CLOEXEC);
	cr_assert(rump_sys_fcntl(s, F_GETFL) & O_NONBLOCK);
	struct stat st;
	RETURNS(rump_sys_fstat(s, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
}

Test(af_unix, stream_pair)
{
	int sv[2];
	char buf[32];

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_send(sv[0], "hello", 5, 0), 5);
	RETURNS(rump_sys_write(sv[0], " there", 6), 6);
	/* A stream joins writes. */
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 11);
	cr_assert_eq(memcmp(buf, "hello there", 11), 0);
	RETURNS(rump_sys_send(sv[1], "back", 4, 0), 4);
	RETURNS(rump_sys_read(sv[0], buf, 2), 2);
	char pk[2];
	RETURNS(rump_sys_recv(sv[0], pk, 2, MSG_PEEK), 2);
	cr_assert_eq(memcmp(pk, "ck", 2), 0);
	RETURNS(rump_sys_recv(sv[0], buf + 2, 10, 0), 2);
	cr_assert_eq(memcmp(buf, "back", 4), 0);
	FAILS(rump_sys_recv(sv[0], buf, 1, MSG_DONTWAIT), EAGAIN);
	/* EOF after the peer closes; EPIPE to write to it. */
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_recv(sv[0], buf, 1, 0), 0);
	FAILS(rump_sys_send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
}

Test(af_unix, dgram_and_seqpacket_boundaries)
{
	int types[2] = { SOCK_DGRAM, SOCK_SEQPACKET };

	for (int t = 0; t < 2; t++) {
		int sv[2];
		char buf[32];
		struct msghdr mh = { 0 };
		struct iovec iov = { buf, 3 };

		pair(types[t], sv);
		RETURNS(rump_sys_send(sv[0], "one", 3, 0), 3);
		RETURNS(rump_sys_send(sv[0], "two!", 4, 0), 4);
		RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
		RETURNS(rump_sys_send(sv[0], "three", 5, 0), 5);
		RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 3);
		/* Truncated: the rest of the message is gone. */
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		RETURNS(rump_sys_recvmsg(sv[1], &mh, 0), 3);
		cr_assert(mh.msg_flags & MSG_TRUNC);
		RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 0);
		/* MSG_TRUNC: the real length. */
		RETURNS(rump_sys_recv(sv[1], buf, 2, MSG_TRUNC | MSG_PEEK), 5);
		RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 5);
		cr_assert_eq(memcmp(buf, "three", 5), 0);
		FAILS(rump_sys_recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
		/* Too big for the send buffer: EMSGSIZE. */
		int small = 4096;
		RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
					    &small, sizeof(small)),
			0);
		char *big = calloc(1, 10000);
		FAILS(rump_sys_send(sv[0], big, 10000, 0), EMSGSIZE);
		free(big);
	}
}

Test(af_unix, listen_accept_connect)
{
	struct sockaddr_un sun, got;
	socklen_t len = abstract(&sun, "lac"), glen;
	int l = listener(SOCK_STREAM, "lac", 5), c, a;
	char buf[8];

	c = connector(SOCK_STREAM, "lac", 0);
	glen = sizeof(got);
	a = rump_sys_accept(l, (struct sockaddr *)&got, &glen);
	cr_assert_geq(a, 0);
	/* The client is unnamed. */
	cr_assert_eq(glen, sizeof(sa_family_t));
	/* The accepted socket carries the listener's name. */
	glen = sizeof(got);
	RETURNS(rump_sys_getsockname(a, (struct sockaddr *)&got, &glen), 0);
	cr_assert_eq(glen, len);
	cr_assert_eq(memcmp(&got, &sun, len), 0);
	glen = sizeof(got);
	RETURNS(rump_sys_getpeername(c, (struct sockaddr *)&got, &glen), 0);
	cr_assert_eq(glen, len);
	RETURNS(rump_sys_send(c, "ping", 4, 0), 4);
	RETURNS(rump_sys_recv(a, buf, sizeof(buf), 0), 4);
	/* Errors. */
	FAILS(rump_sys_connect(c, (struct sockaddr *)&sun, len), EISCONN);
	FAILS(rump_sys_sendto(c, "x", 1, 0, (struct sockaddr *)&sun, len),
	      EISCONN);
	FAILS(rump_sys_accept(c, NULL, NULL), EINVAL);
	int l2 = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_listen(l2, 1), EINVAL); /* unbound */
	FAILS(rump_sys_bind(l2, (struct sockaddr *)&sun, len), EADDRINUSE);
	FAILS(rump_sys_getpeername(l2, (struct sockaddr *)&got, &glen),
	      ENOTCONN);
	char nb[8];
	FAILS(rump_sys_send(l2, "x", 1, 0), ENOTCONN);
	FAILS(rump_sys_recv(l2, nb, 1, 0), EINVAL);
	struct sockaddr_un none;
	socklen_t nlen = abstract(&none, "nobody-here");
	FAILS(rump_sys_connect(l2, (struct sockaddr *)&none, nlen),
	      ECONNREFUSED);
	struct sockaddr bad = { .sa_family = AF_INET };
	FAILS(rump_sys_bind(l2, &bad, sizeof(bad)), EINVAL);
	FAILS(rump_sys_bind(l2, (struct sockaddr *)&sun, 1), EINVAL);
	FAILS(rump_sys_accept4(l, NULL, NULL, 0x1234), EINVAL);
	/* A dgram socket cannot listen or accept. */
	int d = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	FAILS(rump_sys_listen(d, 1), EOPNOTSUPP);
	/* Non-blocking accept with nothing pending. */
	RETURNS(rump_sys_fcntl(l, F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_accept(l, NULL, NULL), EAGAIN);
	/* accept4 flags. */
	c = connector(SOCK_STREAM, "lac", 0);
	a = rump_sys_accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	cr_assert_geq(a, 0);
	RETURNS(rump_sys_fcntl(a, F_GETFD), FD_CLOEXEC);
	cr_assert(rump_sys_fcntl(a, F_GETFL) & O_NONBLOCK);
	/* A closed listener refuses; its name is free again. */
	RETURNS(rump_sys_close(l), 0);
	int c2 = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_connect(c2, (struct sockaddr *)&sun, len), ECONNREFUSED);
	RETURNS(rump_sys_bind(c2, (struct sockaddr *)&sun, len), 0);
	/* Connecting to a non-listening socket. */
	int c3 = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_connect(c3, (struct sockaddr *)&sun, len), ECONNREFUSED);
}

Test(af_unix, backlog_full_nonblocking)
{
	int l = listener(SOCK_STREAM, "bl", 1);
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "bl");
	int n = 0, c;

	/* Linux queues backlog + 1, then EAGAIN for a non-blocking one. */
	for (;;) {
		c = rump_sys_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (rump_sys_connect(c, (struct sockaddr *)&sun, len) != 0)
			break;
		n++;
	}
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(n, 2);
	cr_assert_geq(rump_sys_accept(l, NULL, NULL), 0);
	RETURNS(rump_sys_connect(c, (struct sockaddr *)&sun, len), 0);
	/* poll: a listener with pending connections is readable. */
	struct pollfd p = { .fd = l, .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
}

Test(af_unix, shutdown)
{
	int sv[2];
	char buf[4];
	struct pollfd p;

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_send(sv[0], "ab", 2, 0), 2);
	RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	FAILS(rump_sys_send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	/* The data first, then EOF. */
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 2);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 0);
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN | POLLRDHUP };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert(p.revents & POLLRDHUP);
	/* The other way still works. */
	RETURNS(rump_sys_send(sv[1], "cd", 2, 0), 2);
	RETURNS(rump_sys_recv(sv[0], buf, sizeof(buf), 0), 2);
	FAILS(rump_sys_shutdown(sv[0], 7), EINVAL);
	RETURNS(rump_sys_shutdown(sv[1], SHUT_RDWR), 0);
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert(p.revents & POLLHUP);
	/* Unconnected: Linux shuts it down all the same. */
	int s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	RETURNS(rump_sys_shutdown(s, SHUT_RD), 0);
}

Test(af_unix, dgram_named)
{
	struct sockaddr_un a, b, from;
	socklen_t alen = abstract(&a, "dg-a"), blen = abstract(&b, "dg-b");
	socklen_t flen;
	int sa = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sb = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sc = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[16];

	RETURNS(rump_sys_bind(sa, (struct sockaddr *)&a, alen), 0);
	RETURNS(rump_sys_bind(sb, (struct sockaddr *)&b, blen), 0);
	FAILS(rump_sys_bind(sa, (struct sockaddr *)&b, blen), EINVAL);
	FAILS(rump_sys_send(sa, "x", 1, 0), ENOTCONN);
	RETURNS(rump_sys_sendto(sa, "hi", 2, 0, (struct sockaddr *)&b, blen),
		2);
	flen = sizeof(from);
	RETURNS(rump_sys_recvfrom(sb, buf, sizeof(buf), 0,
				  (struct sockaddr *)&from, &flen),
		2);
	cr_assert_eq(flen, alen);
	cr_assert_eq(memcmp(&from, &a, alen), 0);
	/* An unnamed sender: the name has length 0 ... on Linux the
	 * family only; we report what Linux reports for no name. */
	RETURNS(rump_sys_sendto(sc, "yo", 2, 0, (struct sockaddr *)&b, blen),
		2);
	flen = sizeof(from);
	RETURNS(rump_sys_recvfrom(sb, buf, sizeof(buf), 0,
				  (struct sockaddr *)&from, &flen),
		2);
	cr_assert_eq(flen, 0);
	/* Connected: send without a name; receiver connected to another
	 * refuses strangers with EPERM. */
	RETURNS(rump_sys_connect(sa, (struct sockaddr *)&b, blen), 0);
	RETURNS(rump_sys_send(sa, "c", 1, 0), 1);
	RETURNS(rump_sys_connect(sb, (struct sockaddr *)&a, alen), 0);
	FAILS(rump_sys_sendto(sc, "z", 1, 0, (struct sockaddr *)&b, blen),
	      EPERM);
	/* Nobody at a name: ECONNREFUSED.  Peer closed: ECONNREFUSED. */
	struct sockaddr_un n;
	socklen_t nlen = abstract(&n, "dg-none");
	FAILS(rump_sys_sendto(sc, "z", 1, 0, (struct sockaddr *)&n, nlen),
	      ECONNREFUSED);
	RETURNS(rump_sys_close(sb), 0);
	FAILS(rump_sys_send(sa, "c", 1, 0), ECONNREFUSED);
	/* Dissolve with AF_UNSPEC. */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	RETURNS(rump_sys_connect(sa, &unspec, sizeof(unspec)), 0);
	FAILS(rump_sys_send(sa, "c", 1, 0), ENOTCONN);
}

Test(af_unix, dgram_queue_limit)
{
	struct sockaddr_un b;
	socklen_t blen = abstract(&b, "dg-q");
	int sb = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sa = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int n = 0;

	RETURNS(rump_sys_bind(sb, (struct sockaddr *)&b, blen), 0);
	while (rump_sys_sendto(sa, "x", 1, 0, (struct sockaddr *)&b, blen) == 1)
		n++;
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(n, 11); /* max_dgram_qlen 10, +1 as Linux counts */
	char c;
	RETURNS(rump_sys_recv(sb, &c, 1, 0), 1);
	RETURNS(rump_sys_sendto(sa, "x", 1, 0, (struct sockaddr *)&b, blen), 1);
}

Test(af_unix, autobind_and_names)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un fam = { .sun_family = AF_UNIX };

	RETURNS(rump_sys_getsockname(s, (struct sockaddr *)&sun, &len), 0);
	cr_assert_eq(len, sizeof(sa_family_t));
	RETURNS(rump_sys_bind(s, (struct sockaddr *)&fam, sizeof(sa_family_t)),
		0);
	len = sizeof(sun);
	RETURNS(rump_sys_getsockname(s, (struct sockaddr *)&sun, &len), 0);
	cr_assert_eq(len, sizeof(sa_family_t) + 6);
	cr_assert_eq(sun.sun_path[0], '\0');
	/* A short buffer: truncated name, full length. */
	len = 4;
	RETURNS(rump_sys_getsockname(s, (struct sockaddr *)&sun, &len), 0);
	cr_assert_eq(len, sizeof(sa_family_t) + 6);
	FAILS(rump_sys_getsockname(s, (struct sockaddr *)&sun, NULL), EFAULT);
}

Test(af_unix, sockopts)
{
	int sv[2], v;
	socklen_t len;
	struct ucred uc;
	struct timeval tv;

	pair(SOCK_SEQPACKET, sv);
	len = sizeof(v);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len), 0);
	cr_assert_eq(v, SOCK_SEQPACKET);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	cr_assert_eq(v, 212992);
	v = 10000;
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v,
				    sizeof(v)),
		0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	cr_assert_eq(v, 20000);
	v = 1;
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v,
				    sizeof(v)),
		0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	cr_assert_eq(v, 2304);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len), 0);
	cr_assert_eq(v, 0);
	v = 1;
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v,
				    sizeof(v)),
		0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, &len),
		0);
	cr_assert_eq(v, 1);
	len = sizeof(uc);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len),
		0);
	cr_assert_eq(uc.pid, rump_sys_getpid());
	cr_assert_eq(uc.uid, 0);
	/* Timeouts: a receive that gives up with EAGAIN. */
	tv = (struct timeval){ 0, 20000 };
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)),
		0);
	char c;
	FAILS(rump_sys_recv(sv[0], &c, 1, 0), EAGAIN);
	len = sizeof(tv);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &len),
		0);
	cr_assert_eq(tv.tv_usec, 20000);
	tv.tv_usec = 2000000;
	FAILS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv,
				  sizeof(tv)),
	      EDOM);
	/* Errors. */
	FAILS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
	FAILS(rump_sys_setsockopt(sv[0], SOL_SOCKET, 9999, &v, sizeof(v)),
	      ENOPROTOOPT);
	FAILS(rump_sys_getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len),
	      ENOPROTOOPT);
	FAILS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, NULL,
				  sizeof(v)),
	      EFAULT);
	FAILS(rump_sys_setsockopt(sv[0], 6 /* IPPROTO_TCP */, 1, &v, sizeof(v)),
	      EOPNOTSUPP);
}

Test(af_unix, sndtimeo_and_full_buffer)
{
	int sv[2], v = 4096;
	struct timeval tv = { 0, 20000 };
	char buf[1024] = { 0 };
	long n = 0, r;

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v,
				    sizeof(v)),
		0);
	while ((r = rump_sys_send(sv[0], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		n += r;
	cr_assert_eq(errno, EAGAIN);
	cr_assert_gt(n, 0);
	struct pollfd p = { .fd = sv[0], .events = POLLOUT };
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv,
				    sizeof(tv)),
		0);
	FAILS(rump_sys_send(sv[0], buf, sizeof(buf), 0), EAGAIN);
	/* Draining makes it writable again. */
	while (rump_sys_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
}

/* ---- descriptor passing ------------------------------------------------ */

static int
send_fds(int s, const int *fds, int n, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return (int)rump_sys_sendmsg(s, &mh, 0);
}

/* Receive; returns the byte count and stores up to `max' fds. */
static long
recv_fds(int s, int *fds, int max, int *nfds, void *data, size_t len, int flags,
	 int *mflags, size_t ctlroom)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	long r;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_control = cbuf;
	mh.msg_controllen = ctlroom ? ctlroom : sizeof(cbuf);
	r = rump_sys_recvmsg(s, &mh, flags);
	*nfds = 0;
	if (mflags != NULL)
		*mflags = mh.msg_flags;
	if (r < 0)
		return r;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			int n = (int)((cm->cmsg_len - CMSG_LEN(0)) /
				      sizeof(int));
			for (int i = 0; i < n && *nfds < max; i++)
				memcpy(&fds[(*nfds)++],
				       CMSG_DATA(cm) + i * sizeof(int),
				       sizeof(int));
		}
	return r;
}

Test(af_unix, scm_rights_basic)
{
	int sv[2], p[2], got[4], n, mf;
	char buf[8];

	pair(SOCK_STREAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], p, 2, "F", 1), 1);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), MSG_CMSG_CLOEXEC,
			 &mf, 0),
		1);
	cr_assert_eq(n, 2);
	cr_assert_neq(got[0], p[0]);
	RETURNS(rump_sys_fcntl(got[0], F_GETFD), FD_CLOEXEC);
	/* The received descriptors are the same open files. */
	RETURNS(rump_sys_write(got[1], "xyz", 3), 3);
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 3);
	/* Bad descriptors and bad control data. */
	int bad = 99;
	FAILS(send_fds(sv[0], &bad, 1, "F", 1), EBADF);
	struct msghdr mh = { 0 };
	struct iovec iov = { "a", 1 };
	char cb[CMSG_SPACE(4)] = { 0 };
	struct cmsghdr *cm = (struct cmsghdr *)cb;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb;
	mh.msg_controllen = sizeof(cb);
	cm->cmsg_len = sizeof(cb) + 100;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	FAILS(rump_sys_sendmsg(sv[0], &mh, 0), EINVAL);
	cm->cmsg_len = CMSG_LEN(4);
	cm->cmsg_type = 77;
	FAILS(rump_sys_sendmsg(sv[0], &mh, 0), EINVAL);
}

Test(af_unix, scm_rights_ctrunc)
{
	int sv[2], p[2], got[4], n, mf;
	char buf[8];

	pair(SOCK_DGRAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], p, 2, "F", 1), 1);
	/* Room for one descriptor: the other is closed, MSG_CTRUNC. */
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), 0, &mf,
			 CMSG_LEN(sizeof(int))),
		1);
	cr_assert_eq(n, 1);
	cr_assert(mf & MSG_CTRUNC);
	/* The write end did not survive: the read end sees EOF once the
	 * original is closed. */
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(rump_sys_read(p[0], buf, 1), 0);
}

Test(af_unix, scm_rights_unreceived_released)
{
	int sv[2], p[2];
	char c;

	pair(SOCK_STREAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &p[1], 1, "F", 1), 1);
	RETURNS(rump_sys_close(p[1]), 0);
	/* The write end is in flight: no EOF yet. */
	RETURNS(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_read(p[0], &c, 1), EAGAIN);
	/* The receiver closes without receiving: released. */
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_read(p[0], &c, 1), 0);
}

Test(af_unix, scm_rights_cycle_collected)
{
	int sv[2], p[2];
	char c;

	/* Each end of a pair sent through itself, then closed: only the
	 * collector can free them, and with them the pipe end they
	 * carry. */
	pair(SOCK_STREAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &sv[0], 1, "a", 1), 1);
	RETURNS(send_fds(sv[1], &sv[1], 1, "b", 1), 1);
	RETURNS(send_fds(sv[0], &p[1], 1, "c", 1), 1);
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	/* Only in flight now, as on Linux until the collector runs. */
	FAILS(rump_sys_read(p[0], &c, 1), EAGAIN);
	/* As on Linux, the next release of a socket runs it. */
	RETURNS(rump_sys_close(rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0)), 0);
	RETURNS(rump_sys_read(p[0], &c, 1), 0);
}

/* Passing across processes with clean descriptor tables. */
struct xproc {
	struct lwp *l;
	int sock;
	int ok;
};

static void *
fd_receiver(void *arg)
{
	struct xproc *x = arg;
	int got[2], n;
	char buf[8];

	rump_pub_lwproc_switch(x->l);
	if (recv_fds(x->sock, got, 2, &n, buf, sizeof(buf), 0, NULL, 0) == 3 &&
	    n == 1) {
		/* Our table was empty but for the socket. */
		if (rump_sys_write(got[0], "from child", 10) == 10)
			x->ok = 1;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(af_unix, scm_rights_across_rfork)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "xproc");
	struct xproc x = { 0 };
	int l, a, p[2];
	char buf[16];
	pthread_t t;

	new_proc();
	l = listener(SOCK_STREAM, "xproc", 1);
	cr_assert_eq(rump_sys_pipe(p), 0);
	/* The child has a clean table and connects by name. */
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	x.l = rump_pub_lwproc_curlwp();
	x.sock = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(x.sock, 0);
	cr_assert_eq(rump_sys_connect(x.sock, (struct sockaddr *)&sun, len), 0);
	rump_pub_lwproc_switch(me);
	a = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	t = spawn(fd_receiver, &x);
	RETURNS(send_fds(a, &p[1], 1, "fd!", 3), 3);
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 10);
	join(t);
	cr_assert_eq(x.ok, 1);
}

Test(af_unix, scm_credentials)
{
	int sv[2], on = 1;
	char buf[8], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	struct ucred uc;

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	RETURNS(rump_sys_send(sv[0], "c", 1, 0), 1);
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	RETURNS(rump_sys_recvmsg(sv[1], &mh, 0), 1);
	cm = CMSG_FIRSTHDR(&mh);
	cr_assert_not_null(cm);
	cr_assert_eq(cm->cmsg_type, SCM_CREDENTIALS);
	memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	cr_assert_eq(uc.pid, rump_sys_getpid());
	cr_assert_eq(uc.uid, rump_sys_getuid());
	/* Sent explicitly: checked against the sender's ids. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	memset(cbuf, 0, sizeof(cbuf));
	cm = (struct cmsghdr *)cbuf;
	cm->cmsg_len = CMSG_LEN(sizeof(uc));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	uc.pid = rump_sys_getpid();
	uc.uid = 0;
	uc.gid = 0;
	memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	iov.iov_len = 1;
	mh.msg_controllen = sizeof(cbuf);
	FAILS(rump_sys_sendmsg(sv[0], &mh, 0), EPERM);
	uc.uid = 1000;
	memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	RETURNS(rump_sys_sendmsg(sv[0], &mh, 0), 1);
	mh.msg_controllen = sizeof(cbuf);
	iov.iov_len = sizeof(buf);
	RETURNS(rump_sys_recvmsg(sv[1], &mh, 0), 1);
	memcpy(&uc, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(uc));
	cr_assert_eq(uc.uid, 1000);
}

/* ---- blocking, many processes ------------------------------------------ */

struct peerarg {
	struct lwp *l;
	int fd;
	long got;
};

static void *
waitall_reader(void *arg)
{
	struct peerarg *p = arg;
	char buf[100];

	rump_pub_lwproc_switch(p->l);
	p->got = rump_sys_recv(p->fd, buf, sizeof(buf), MSG_WAITALL);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(af_unix, waitall)
{
	int sv[2];
	struct peerarg p;
	pthread_t t;
	char buf[50] = { 0 };

	new_proc();
	pair(SOCK_STREAM, sv);
	p.fd = sv[1];
	p.l = child_proc(RUMP_RFFDG);
	t = spawn(waitall_reader, &p);
	RETURNS(rump_sys_send(sv[0], buf, 50, 0), 50);
	msleep(20);
	RETURNS(rump_sys_send(sv[0], buf, 50, 0), 50);
	join(t);
	cr_assert_eq(p.got, 100);
}

#define NCLIENTS 16
#define NMSG 50

struct cli {
	struct lwp *l;
	int id;
	int ok;
};

static void *
echo_client(void *arg)
{
	struct cli *c = arg;
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "echo-many");
	int s;

	rump_pub_lwproc_switch(c->l);
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	if (rump_sys_connect(s, (struct sockaddr *)&sun, len) == 0) {
		int i;
		for (i = 0; i < NMSG; i++) {
			int v = c->id * 1000 + i, r = -1;
			if (rump_sys_send(s, &v, sizeof(v), 0) != sizeof(v) ||
			    rump_sys_recv(s, &r, sizeof(r), MSG_WAITALL) !=
				    sizeof(r) ||
			    r != v + 1)
				break;
		}
		c->ok = i == NMSG;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void *
echo_conn(void *arg)
{
	struct peerarg *p = arg;
	int v;

	rump_pub_lwproc_switch(p->l);
	while (rump_sys_recv(p->fd, &v, sizeof(v), MSG_WAITALL) == sizeof(v)) {
		v++;
		if (rump_sys_send(p->fd, &v, sizeof(v), 0) != sizeof(v))
			break;
		p->got++;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A server process accepting many clients, each in its own process on
 * its own thread; the server serves each connection on a thread (an
 * lwp of the server process). */
Test(af_unix, server_many_clients)
{
	static struct cli c[NCLIENTS];
	static struct peerarg conn[NCLIENTS];
	pthread_t tc[NCLIENTS], ts[NCLIENTS];
	int l;

	new_proc();
	l = listener(SOCK_STREAM, "echo-many", 4);
	int spid = rump_sys_getpid();
	for (int i = 0; i < NCLIENTS; i++) {
		c[i].id = i;
		c[i].l = child_proc(RUMP_RFCFDG);
		tc[i] = spawn(echo_client, &c[i]);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		int a = rump_sys_accept(l, NULL, NULL);
		cr_assert_geq(a, 0, "accept: %s", strerror(errno));
		struct lwp *me = rump_pub_lwproc_curlwp();
		cr_assert_eq(rump_pub_lwproc_newlwp(spid), 0);
		conn[i].l = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
		conn[i].fd = a;
		ts[i] = spawn(echo_conn, &conn[i]);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		join(tc[i]);
		cr_assert(c[i].ok, "client %d failed", i);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		join(ts[i]);
		cr_assert_eq(conn[i].got, NMSG);
	}
}

/* Stream transfer between processes with data integrity. */
#define BULK_CHUNK 5000
#define BULK_TOTAL (420L * BULK_CHUNK)

static void *
bulk_sender(void *arg)
{
	struct peerarg *p = arg;
	unsigned char buf[BULK_CHUNK];
	long sent = 0;

	rump_pub_lwproc_switch(p->l);
	while (sent < BULK_TOTAL) {
		for (int i = 0; i < (int)sizeof(buf); i++)
			buf[i] = (unsigned char)((sent + i) * 13);
		long r = rump_sys_send(p->fd, buf, sizeof(buf), 0);
		if (r != (long)sizeof(buf))
			break;
		sent += r;
	}
	p->got = sent;
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(af_unix, stream_bulk_integrity)
{
	int sv[2];
	struct peerarg p;
	pthread_t t;
	unsigned char buf[7777];
	long got = 0, r;

	new_proc();
	pair(SOCK_STREAM, sv);
	p.fd = sv[0];
	p.l = child_proc(RUMP_RFFDG);
	RETURNS(rump_sys_close(sv[0]), 0);
	t = spawn(bulk_sender, &p);
	while (got < BULK_TOTAL &&
	       (r = rump_sys_recv(sv[1], buf, sizeof(buf), 0)) > 0) {
		for (long i = 0; i < r; i++)
			cr_assert_eq(buf[i], (unsigned char)((got + i) * 13));
		got += r;
	}
	join(t);
	cr_assert_eq(p.got, BULK_TOTAL);
	cr_assert_eq(got, BULK_TOTAL);
	/* The sender's process is gone: EOF. */
	RETURNS(rump_sys_recv(sv[1], buf, 1, 0), 0);
}

/* ---- names in the file system ------------------------------------------ */

static socklen_t
path_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(path) + 1);
}

Test(af_unix, path_names)
{
	struct sockaddr_un sun, got;
	socklen_t len = path_addr(&sun, "/sock"), glen = sizeof(got);
	int l = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0), c, a;
	struct stat st;
	char buf[4];

	RETURNS(rump_sys_bind(l, (struct sockaddr *)&sun, len), 0);
	/* The node is in the directory, a socket, mode 0777 & ~umask. */
	RETURNS(rump_sys_stat("/sock", &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	RETURNS(rump_sys_getsockname(l, (struct sockaddr *)&got, &glen), 0);
	cr_assert_eq(glen, len);
	cr_assert_str_eq(got.sun_path, "/sock");
	/* Bound again: to a free name EINVAL, to a taken one (even its
	 * own) EADDRINUSE, as Linux makes the node first. */
	struct sockaddr_un other;
	socklen_t olen = path_addr(&other, "/sock2");
	FAILS(rump_sys_bind(l, (struct sockaddr *)&other, olen), EINVAL);
	FAILS(rump_sys_stat("/sock2", &st), ENOENT);
	FAILS(rump_sys_bind(l, (struct sockaddr *)&sun, len), EADDRINUSE);
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_bind(c, (struct sockaddr *)&sun, len), EADDRINUSE);
	/* Not listening yet: refused. */
	FAILS(rump_sys_connect(c, (struct sockaddr *)&sun, len), ECONNREFUSED);
	RETURNS(rump_sys_listen(l, 4), 0);
	RETURNS(rump_sys_connect(c, (struct sockaddr *)&sun, len), 0);
	a = rump_sys_accept(l, NULL, NULL);
	cr_assert_geq(a, 0);
	RETURNS(rump_sys_send(c, "abc", 3, 0), 3);
	RETURNS(rump_sys_recv(a, buf, sizeof(buf), 0), 3);
	/* Wrong type, missing name, not a socket. */
	int d = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	FAILS(rump_sys_connect(d, (struct sockaddr *)&sun, len), EPROTOTYPE);
	struct sockaddr_un none;
	socklen_t nlen = path_addr(&none, "/nosuch");
	FAILS(rump_sys_connect(d, (struct sockaddr *)&none, nlen), ENOENT);
	cr_assert_eq(rump_sys_mknod("/fifo", S_IFIFO | 0666, 0), 0);
	nlen = path_addr(&none, "/fifo");
	FAILS(rump_sys_connect(d, (struct sockaddr *)&none, nlen),
	      ECONNREFUSED);
	/* Closed: the name stays and refuses; unlink frees it. */
	RETURNS(rump_sys_close(l), 0);
	int c2 = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_connect(c2, (struct sockaddr *)&sun, len), ECONNREFUSED);
	FAILS(rump_sys_bind(c2, (struct sockaddr *)&sun, len), EADDRINUSE);
	RETURNS(rump_sys_unlink("/sock"), 0);
	RETURNS(rump_sys_bind(c2, (struct sockaddr *)&sun, len), 0);
}

Test(af_unix, path_dgram)
{
	struct sockaddr_un a, b, from;
	socklen_t alen = path_addr(&a, "/da"), blen = path_addr(&b, "/db");
	socklen_t flen = sizeof(from);
	int sa = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sb = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[8];

	RETURNS(rump_sys_bind(sa, (struct sockaddr *)&a, alen), 0);
	RETURNS(rump_sys_bind(sb, (struct sockaddr *)&b, blen), 0);
	RETURNS(rump_sys_sendto(sa, "pd", 2, 0, (struct sockaddr *)&b, blen),
		2);
	RETURNS(rump_sys_recvfrom(sb, buf, sizeof(buf), 0,
				  (struct sockaddr *)&from, &flen),
		2);
	cr_assert_str_eq(from.sun_path, "/da");
	/* A name in a missing directory. */
	struct sockaddr_un bad;
	socklen_t badlen = path_addr(&bad, "/no/dir/s");
	int sc = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	FAILS(rump_sys_bind(sc, (struct sockaddr *)&bad, badlen), ENOENT);
}

/* SO_PASSCRED on an unnamed socket: it gets a name when it sends. */
Test(af_unix, passcred_autobinds)
{
	struct sockaddr_un b, from;
	socklen_t blen = abstract(&b, "pc-b"), flen = sizeof(from);
	int sa = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sb = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0), on = 1;
	char c;

	RETURNS(rump_sys_bind(sb, (struct sockaddr *)&b, blen), 0);
	RETURNS(rump_sys_setsockopt(sa, SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	RETURNS(rump_sys_sendto(sa, "x", 1, 0, (struct sockaddr *)&b, blen), 1);
	RETURNS(rump_sys_recvfrom(sb, &c, 1, 0, (struct sockaddr *)&from,
				  &flen),
		1);
	cr_assert_eq(flen, sizeof(sa_family_t) + 6);
	cr_assert_eq(from.sun_path[0], '\0');
}

/* MSG_PEEK of descriptors: as Linux, the peek installs copies and the
 * message keeps its own for the real receive. */
static void
peek_rights(int type)
{
	int sv[2], p[2], got[4], got2[4], n, mf;
	char buf[8];

	pair(type, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &p[1], 1, "P", 1), 1);
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), MSG_PEEK, &mf, 0),
		1);
	cr_assert_eq(n, 1, "peek got %d descriptors", n);
	cr_assert_eq(buf[0], 'P');
	/* Peek again: another copy. */
	RETURNS(recv_fds(sv[1], got2, 4, &n, buf, sizeof(buf), MSG_PEEK, &mf,
			 0),
		1);
	cr_assert_eq(n, 1);
	cr_assert_neq(got2[0], got[0]);
	RETURNS(rump_sys_close(got2[0]), 0);
	/* The peeked copy is the write end. */
	RETURNS(rump_sys_write(got[0], "a", 1), 1);
	RETURNS(rump_sys_read(p[0], buf, 1), 1);
	RETURNS(rump_sys_close(got[0]), 0);
	/* The real receive still gets it. */
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), 0, &mf, 0), 1);
	cr_assert_eq(n, 1);
	RETURNS(rump_sys_write(got[0], "b", 1), 1);
	RETURNS(rump_sys_read(p[0], buf, 1), 1);
	cr_assert_eq(buf[0], 'b');
	/* Consumed: nothing more to peek. */
	FAILS(rump_sys_recv(sv[1], buf, 1, MSG_PEEK | MSG_DONTWAIT), EAGAIN);
	/* Every copy closed: the reader sees the end. */
	RETURNS(rump_sys_close(got[0]), 0);
	RETURNS(rump_sys_read(p[0], buf, 1), 0);
	rump_sys_close(p[0]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(af_unix, peek_rights_stream)
{
	peek_rights(SOCK_STREAM);
}

Test(af_unix, peek_rights_dgram)
{
	peek_rights(SOCK_DGRAM);
}

Test(af_unix, peek_rights_seqpacket)
{
	peek_rights(SOCK_SEQPACKET);
}

/* A peek without room for descriptors (MSG_CTRUNC), a peek with a
 * plain recv, then the receiver closes: nothing leaks, nothing lost. */
Test(af_unix, peek_rights_ctrunc_then_close)
{
	int sv[2], p[2], got[4], n, mf;
	char buf[8];

	pair(SOCK_DGRAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &p[1], 1, "Q", 1), 1);
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), MSG_PEEK, &mf,
			 sizeof(struct cmsghdr)),
		1);
	cr_assert_eq(n, 0);
	cr_assert(mf & MSG_CTRUNC);
	RETURNS(rump_sys_recv(sv[1], buf, 1, MSG_PEEK), 1);
	/* Still in flight. */
	RETURNS(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_read(p[0], buf, 1), EAGAIN);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), 0, &mf, 0), 1);
	cr_assert_eq(n, 1);
	RETURNS(rump_sys_close(got[0]), 0);
	RETURNS(rump_sys_read(p[0], buf, 1), 0);
	/* Peeked but never received: released with the receiver. */
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &p[1], 1, "R", 1), 1);
	RETURNS(rump_sys_close(p[1]), 0);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), MSG_PEEK, &mf, 0),
		1);
	cr_assert_eq(n, 1);
	RETURNS(rump_sys_close(got[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_read(p[0], buf, 1), 0);
	rump_sys_close(p[0]);
	rump_sys_close(sv[0]);
}

/* A stream peek stops after a message carrying descriptors. */
Test(af_unix, peek_rights_stream_stops)
{
	int sv[2], p[2], got[4], n, mf;
	char buf[16];

	pair(SOCK_STREAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(send_fds(sv[0], &p[0], 1, "ab", 2), 2);
	RETURNS(rump_sys_write(sv[0], "cd", 2), 2);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), MSG_PEEK, &mf, 0),
		2);
	cr_assert_eq(n, 1);
	rump_sys_close(got[0]);
	RETURNS(recv_fds(sv[1], got, 4, &n, buf, sizeof(buf), 0, &mf, 0), 2);
	cr_assert_eq(n, 1);
	rump_sys_close(got[0]);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 2);
	cr_assert_eq(memcmp(buf, "cd", 2), 0);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

static short
out_revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	cr_assert_geq(rump_sys_poll(&p, 1, 0), 0);
	return p.revents;
}

struct outwait {
	int fd;
	int n;
	short revents;
};

static void *
poll_out(void *a)
{
	struct outwait *o = a;
	struct pollfd p = { .fd = o->fd, .events = POLLOUT };

	o->n = rump_sys_poll(&p, 1, 5000);
	o->revents = p.revents;
	return NULL;
}

/* As Linux: a connected DGRAM socket is not writable while its peer's
 * queue is full, and becomes writable (waking pollers and epoll) when
 * the peer takes a datagram. */
Test(af_unix, dgram_pollout_peer_full)
{
	struct sockaddr_un b;
	socklen_t blen = abstract(&b, "dg-pollout");
	int sb = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int sa = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int sc = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	char c;

	RETURNS(rump_sys_bind(sb, (struct sockaddr *)&b, blen), 0);
	RETURNS(rump_sys_connect(sa, (struct sockaddr *)&b, blen), 0);
	cr_assert_eq(out_revents(sa), POLLOUT);
	for (int i = 0; i < 11; i++)
		RETURNS(rump_sys_send(sa, "x", 1, 0), 1);
	FAILS(rump_sys_send(sa, "x", 1, 0), EAGAIN);
	cr_assert_eq(out_revents(sa), 0, "POLLOUT with the peer full");
	/* Not connected: sendto is bounded only by its own buffer. */
	cr_assert_eq(out_revents(sc), POLLOUT);
	/* epoll, edge-triggered: reported when room appears. */
	int ep = rump_sys_epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, got;
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, sa, &ev), 0);
	RETURNS(rump_sys_epoll_wait(ep, &got, 1, 0), 0);
	/* A poller waits; the receiver takes one: it wakes. */
	struct outwait o = { .fd = sa };
	pthread_t t = spawn(poll_out, &o);
	struct timespec d = { 0, 30 * 1000 * 1000 };
	nanosleep(&d, NULL);
	RETURNS(rump_sys_recv(sb, &c, 1, 0), 1);
	join(t);
	cr_assert_eq(o.n, 1);
	cr_assert_eq(o.revents, POLLOUT);
	RETURNS(rump_sys_epoll_wait(ep, &got, 1, 1000), 1);
	cr_assert_eq(got.events, EPOLLOUT);
	cr_assert_eq(out_revents(sa), POLLOUT);
	RETURNS(rump_sys_send(sa, "x", 1, 0), 1);
	cr_assert_eq(out_revents(sa), 0);
	/* The peer closes: writable again (the send reports the error). */
	RETURNS(rump_sys_close(sb), 0);
	cr_assert_eq(out_revents(sa), POLLOUT);
	FAILS(rump_sys_send(sa, "x", 1, 0), ECONNREFUSED);
	rump_sys_close(ep);
	rump_sys_close(sa);
	rump_sys_close(sc);
}

/* A socketpair's ends are connected to each other: Linux does not
 * apply the queue limit there, and POLLOUT follows the send buffer. */
Test(af_unix, dgram_pollout_pair)
{
	int sv[2];

	pair(SOCK_DGRAM, sv);
	for (int i = 0; i < 20; i++)
		RETURNS(rump_sys_send(sv[0], "x", 1, MSG_DONTWAIT), 1);
	cr_assert_eq(out_revents(sv[0]), POLLOUT);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* Reconnecting moves the relay: the old peer's fullness no longer
 * matters, and closing everything leaves nothing behind. */
Test(af_unix, dgram_pollout_reconnect)
{
	struct sockaddr_un b1, b2;
	socklen_t l1 = abstract(&b1, "dg-po1"), l2 = abstract(&b2, "dg-po2");
	int r1 = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int r2 = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int s = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	RETURNS(rump_sys_bind(r1, (struct sockaddr *)&b1, l1), 0);
	RETURNS(rump_sys_bind(r2, (struct sockaddr *)&b2, l2), 0);
	RETURNS(rump_sys_connect(s, (struct sockaddr *)&b1, l1), 0);
	for (int i = 0; i < 11; i++)
		RETURNS(rump_sys_send(s, "x", 1, 0), 1);
	cr_assert_eq(out_revents(s), 0);
	RETURNS(rump_sys_connect(s, (struct sockaddr *)&b2, l2), 0);
	cr_assert_eq(out_revents(s), POLLOUT);
	for (int i = 0; i < 11; i++)
		RETURNS(rump_sys_send(s, "x", 1, 0), 1);
	cr_assert_eq(out_revents(s), 0);
	RETURNS(rump_sys_close(s), 0);
	RETURNS(rump_sys_close(r1), 0);
	RETURNS(rump_sys_close(r2), 0);
}

/* Linux ignores the address of a send on SEQPACKET: a connected socket
 * sends to its peer, an unconnected one is ENOTCONN (as a send without
 * one is). */
Test(af_unix, seqpacket_send_ignores_address)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "sq-nobody");
	int sv[2], s;
	char c;

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_sendto(sv[0], "x", 1, 0, (struct sockaddr *)&sun, len),
		1);
	RETURNS(rump_sys_read(sv[1], &c, 1), 1);
	RETURNS(rump_sys_close(sv[1]), 0);
	FAILS(rump_sys_sendto(sv[0], "x", 1, MSG_NOSIGNAL,
			      (struct sockaddr *)&sun, len),
	      EPIPE);
	RETURNS(rump_sys_close(sv[0]), 0);

	s = rump_sys_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	FAILS(rump_sys_sendto(s, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&sun,
			      len),
	      ENOTCONN);
	RETURNS(rump_sys_close(s), 0);
}

/* shutdown of an unconnected socket works on Linux (of every type); the
 * data calls then fail as for any unconnected socket. */
Test(af_unix, shutdown_unconnected)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	static const int senderr[] = { ENOTCONN, EPIPE, ENOTCONN };
	char c;

	for (int k = 0; k < 3; k++) {
		int s = rump_sys_socket(AF_UNIX, types[k], 0);

		RETURNS(rump_sys_shutdown(s, SHUT_RDWR), 0);
		FAILS(rump_sys_send(s, "x", 1, MSG_NOSIGNAL), senderr[k]);
		RETURNS(rump_sys_close(s), 0);
	}
	/* A listener can be shut down too. */
	int l = listener(SOCK_STREAM, "shut-listener", 1);
	RETURNS(rump_sys_shutdown(l, SHUT_RD), 0);
	FAILS(rump_sys_read(l, &c, 1), EINVAL);
	RETURNS(rump_sys_close(l), 0);
}

/* Linux reports a recvmsg's MSG_CMSG_CLOEXEC back in msg_flags, with or
 * without descriptors in the message. */
Test(af_unix, recvmsg_flags_echo_cmsg_cloexec)
{
	char buf[4];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2];

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_send(sv[0], "ab", 2, 0), 2);
	RETURNS(rump_sys_recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 2);
	cr_assert_eq(m.msg_flags, MSG_CMSG_CLOEXEC);
	RETURNS(rump_sys_send(sv[0], "ab", 2, 0), 2);
	RETURNS(rump_sys_recvmsg(sv[1], &m, 0), 2);
	cr_assert_eq(m.msg_flags, 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* Linux looks for the listener before it looks at the connecting
 * socket: a connected socket connecting to no one is ECONNREFUSED, to a
 * listener EISCONN; a listener that is shut down for reading refuses. */
Test(af_unix, connect_looks_up_before_state)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "cl-nobody");
	int sv[2], l, c;

	pair(SOCK_STREAM, sv);
	FAILS(rump_sys_connect(sv[0], (struct sockaddr *)&sun, len),
	      ECONNREFUSED);
	l = listener(SOCK_STREAM, "cl-lis", 4);
	len = abstract(&sun, "cl-lis");
	FAILS(rump_sys_connect(sv[0], (struct sockaddr *)&sun, len), EISCONN);
	RETURNS(rump_sys_shutdown(l, SHUT_RD), 0);
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_connect(c, (struct sockaddr *)&sun, len), ECONNREFUSED);
	RETURNS(rump_sys_close(c), 0);
	RETURNS(rump_sys_close(l), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* A DGRAM socket shut down for reading: a blocking receive ends at once
 * (0) but a non-blocking one is EAGAIN, as Linux's datagram receive
 * has it; SEQPACKET and STREAM give 0 both ways. */
Test(af_unix, dgram_shut_rd_nonblocking)
{
	static const int types[] = { SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM };
	char c;
	int sv[2];

	for (int k = 0; k < 3; k++) {
		pair(types[k], sv);
		RETURNS(rump_sys_shutdown(sv[0], SHUT_RD), 0);
		if (types[k] == SOCK_DGRAM)
			FAILS(rump_sys_recv(sv[0], &c, 1, MSG_DONTWAIT),
			      EAGAIN);
		else
			RETURNS(rump_sys_recv(sv[0], &c, 1, MSG_DONTWAIT), 0);
		RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 0);
		RETURNS(rump_sys_close(sv[0]), 0);
		RETURNS(rump_sys_close(sv[1]), 0);
	}
}

/* sendmsg looks at its descriptor before the message: a pipe is
 * ENOTSOCK even when the message carries a bad descriptor. */
Test(af_unix, sendmsg_checks_socket_first)
{
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int p[2], bad = -1;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &bad, sizeof(bad));
	RETURNS(rump_sys_pipe(p), 0);
	FAILS(rump_sys_sendmsg(p[1], &m, 0), ENOTSOCK);
	RETURNS(rump_sys_close(p[0]), 0);
	RETURNS(rump_sys_close(p[1]), 0);
}

/* A stream carries bytes, not messages: a send of none queues nothing
 * (Linux's loop runs while bytes remain), so the peer does not become
 * readable, and descriptors sent with no bytes go nowhere.  SEQPACKET
 * and DGRAM do deliver an empty message. */
Test(af_unix, stream_empty_send_queues_nothing)
{
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "", 0 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	struct pollfd p;
	int sv[2], n = -1;
	char c;

	pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	RETURNS(rump_sys_sendmsg(sv[0], &m, 0), 0);
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_ioctl(sv[1], FIONREAD, &n), 0);
	cr_assert_eq(n, 0);
	FAILS(rump_sys_recv(sv[1], &c, 1, 0), EAGAIN);
	/* The checks before any data still apply. */
	RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	FAILS(rump_sys_send(sv[0], "", 0, MSG_NOSIGNAL), EPIPE);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_SEQPACKET | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
	p = (struct pollfd){ .fd = sv[1], .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	RETURNS(rump_sys_recv(sv[1], &c, 1, 0), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* recvmsg with MSG_DONTWAIT and `ctl' bytes of control buffer. */
static long
recv_ctl(int fd, char *ctl, size_t clen, struct msghdr *m)
{
	static char b[8];
	static struct iovec iov = { b, sizeof(b) };

	*m = (struct msghdr){ .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = clen ? ctl : NULL,
			      .msg_controllen = clen };
	return rump_sys_recvmsg(fd, m, MSG_DONTWAIT);
}

/* With SO_PASSCRED, Linux's stream read hands out credentials even when
 * it reads nothing at EOF: zeroed ones (pid 0, uid 0, gid 0), and
 * MSG_CTRUNC if they do not fit.  SEQPACKET's empty EOF has none. */
Test(af_unix, passcred_stream_eof_zero_creds)
{
	union {
		char c[256];
		struct cmsghdr align;
	} ctl;
	struct msghdr m;
	struct ucred uc;
	int sv[2], on = 1;

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	RETURNS(recv_ctl(sv[1], ctl.c, 0, &m), 0);
	cr_assert_eq(m.msg_flags, MSG_CTRUNC);
	memset(&ctl, 0x55, sizeof(ctl));
	RETURNS(recv_ctl(sv[1], ctl.c, sizeof(ctl.c), &m), 0);
	cr_assert_eq(m.msg_flags, 0);
	cr_assert_eq(m.msg_controllen, CMSG_SPACE(sizeof(uc)));
	cr_assert_eq(CMSG_FIRSTHDR(&m)->cmsg_type, SCM_CREDENTIALS);
	memcpy(&uc, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(uc));
	cr_assert(uc.pid == 0 && uc.uid == 0 && uc.gid == 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	RETURNS(recv_ctl(sv[1], ctl.c, 0, &m), 0);
	cr_assert_eq(m.msg_flags, 0);
	RETURNS(recv_ctl(sv[1], ctl.c, sizeof(ctl.c), &m), 0);
	cr_assert_eq(m.msg_controllen, 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* A peer that closes with data unread leaves ECONNRESET pending.  Linux's
 * SEQPACKET send reports (and clears) it before anything else; a stream
 * send is EPIPE and leaves it for SO_ERROR. */
Test(af_unix, seqpacket_send_reports_pending_error)
{
	int sv[2], e = -1;
	socklen_t len = sizeof(e);

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_send(sv[1], "x", 1, 0), 1);
	RETURNS(rump_sys_close(sv[0]), 0);
	FAILS(rump_sys_send(sv[1], "x", 1, MSG_NOSIGNAL), ECONNRESET);
	FAILS(rump_sys_send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	RETURNS(rump_sys_getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_send(sv[1], "x", 1, 0), 1);
	RETURNS(rump_sys_close(sv[0]), 0);
	FAILS(rump_sys_send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	RETURNS(rump_sys_getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, ECONNRESET);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* The length of `fd''s own name (2: unnamed). */
static socklen_t
name_len(int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	RETURNS(rump_sys_getsockname(fd, (struct sockaddr *)&sun, &len), 0);
	return len;
}

/* Linux's SEQPACKET send autobinds a SO_PASSCRED socket as a DGRAM send
 * does, once it finds the socket connected with no error pending: even
 * if the send then fails (EPIPE).  Not when unconnected. */
Test(af_unix, seqpacket_send_autobinds)
{
	int sv[2], s, on = 1;

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	FAILS(rump_sys_send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	cr_assert_gt(name_len(sv[0]), sizeof(sa_family_t));
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	s = rump_sys_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	RETURNS(rump_sys_setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	FAILS(rump_sys_send(s, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	cr_assert_eq(name_len(s), sizeof(sa_family_t));
	RETURNS(rump_sys_close(s), 0);
}

/* Linux's SEQPACKET sendmsg checks that the socket is connected before
 * it looks at the descriptors to pass: ENOTCONN, not EBADF.  A stream
 * looks at the descriptors first. */
Test(af_unix, seqpacket_sendmsg_notconn_before_rights)
{
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int bad = 999, s;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &bad, sizeof(int));
	s = rump_sys_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	FAILS(rump_sys_sendmsg(s, &m, MSG_NOSIGNAL), ENOTCONN);
	RETURNS(rump_sys_close(s), 0);
	s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	FAILS(rump_sys_sendmsg(s, &m, MSG_NOSIGNAL), EBADF);
	RETURNS(rump_sys_close(s), 0);
}

/* When a DGRAM socket leaves its peer (a send finds it gone, AF_UNSPEC,
 * a connect elsewhere), Linux drops what waits in the socket's own queue
 * and, if there was something and the old peer was connected back,
 * gives the old peer ECONNRESET.  Reconnecting to the same peer keeps
 * the queue; an empty queue gives no error. */
Test(af_unix, dgram_disconnect_purges_queue)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_un sa;
	struct sockaddr_un sb;
	socklen_t la = abstract(&sa, "dg-purge-a");
	socklen_t lb = abstract(&sb, "dg-purge-b");
	int sv[2], e = -1, a, b;
	socklen_t len = sizeof(e);
	char c;

	pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
	RETURNS(rump_sys_close(sv[0]), 0);
	FAILS(rump_sys_send(sv[1], "y", 1, 0), ECONNREFUSED);
	FAILS(rump_sys_recv(sv[1], &c, 1, 0), EAGAIN);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_connect(sv[1], &unspec, sizeof(unspec)), 0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, 0, "nothing was dropped");
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
	RETURNS(rump_sys_connect(sv[1], &unspec, sizeof(unspec)), 0);
	FAILS(rump_sys_recv(sv[1], &c, 1, 0), EAGAIN);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, ECONNRESET);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	a = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	b = rump_sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	RETURNS(rump_sys_bind(a, (struct sockaddr *)&sa, la), 0);
	RETURNS(rump_sys_bind(b, (struct sockaddr *)&sb, lb), 0);
	RETURNS(rump_sys_connect(a, (struct sockaddr *)&sb, lb), 0);
	RETURNS(rump_sys_sendto(b, "x", 1, 0, (struct sockaddr *)&sa, la), 1);
	RETURNS(rump_sys_connect(a, (struct sockaddr *)&sb, lb), 0);
	RETURNS(rump_sys_recv(a, &c, 1, 0), 1);
	RETURNS(rump_sys_close(a), 0);
	RETURNS(rump_sys_close(b), 0);
}

/* A DGRAM or SEQPACKET receive reports a pending error before what is
 * queued (Linux's datagram receive looks at sock_error first); a stream
 * receive only once its queue is empty. */
Test(af_unix, pending_error_before_queued_message)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int sv[2];
	char c;

	pair(SOCK_SEQPACKET | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[1], "a", 1, 0), 1);
	RETURNS(rump_sys_send(sv[0], "b", 1, 0), 1);
	RETURNS(rump_sys_close(sv[1]), 0);
	FAILS(rump_sys_recv(sv[0], &c, 1, MSG_PEEK), ECONNRESET);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 1);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 0);
	RETURNS(rump_sys_close(sv[0]), 0);

	pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[1], "a", 1, 0), 1);
	RETURNS(rump_sys_send(sv[0], "b", 1, 0), 1);
	RETURNS(rump_sys_connect(sv[1], &unspec, sizeof(unspec)), 0);
	FAILS(rump_sys_recv(sv[0], &c, 1, 0), ECONNRESET);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 1);
	FAILS(rump_sys_recv(sv[0], &c, 1, 0), EAGAIN);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);

	pair(SOCK_STREAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_send(sv[1], "a", 1, 0), 1);
	RETURNS(rump_sys_send(sv[0], "b", 1, 0), 1);
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 1);
	FAILS(rump_sys_recv(sv[0], &c, 1, 0), ECONNRESET);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
}

/* Linux keeps abstract names apart per socket type (the type is part of
 * the name's hash): a DGRAM and a STREAM socket may both bind a name,
 * and a connect or send finds only a socket of its own type there. */
Test(af_unix, abstract_names_per_type)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "per-type");
	struct sockaddr *sa = (struct sockaddr *)&sun;
	int st = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	int dg = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int st2 = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	int sq = rump_sys_socket(AF_UNIX, SOCK_SEQPACKET, 0);
	int c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	int d = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	char x;

	RETURNS(rump_sys_bind(st, sa, len), 0);
	RETURNS(rump_sys_bind(dg, sa, len), 0);
	FAILS(rump_sys_bind(st2, sa, len), EADDRINUSE);
	RETURNS(rump_sys_listen(st, 1), 0);
	FAILS(rump_sys_connect(sq, sa, len), ECONNREFUSED);
	RETURNS(rump_sys_connect(c, sa, len), 0);
	RETURNS(rump_sys_sendto(d, "x", 1, 0, sa, len), 1);
	RETURNS(rump_sys_recv(dg, &x, 1, MSG_DONTWAIT), 1);
	/* Closing one leaves the other's name in place. */
	RETURNS(rump_sys_close(st), 0);
	RETURNS(rump_sys_sendto(d, "y", 1, 0, sa, len), 1);
	RETURNS(rump_sys_bind(st2, sa, len), 0);
	RETURNS(rump_sys_close(dg), 0);
	RETURNS(rump_sys_close(st2), 0);
	RETURNS(rump_sys_close(sq), 0);
	RETURNS(rump_sys_close(c), 0);
	RETURNS(rump_sys_close(d), 0);
}

/* recvfrom's address: the sender's name as it is when the message is
 * read (Linux looks at the sending socket then), for every type: a DGRAM
 * sender that binds after sending is named, and so is the listener's
 * name that an accepted stream socket carries. */
Test(af_unix, recvfrom_names_sender_at_read)
{
	struct sockaddr_un a, b, ln, got;
	socklen_t la = abstract(&a, "rf-sender"), lb = abstract(&b, "rf-rcv");
	socklen_t ll = abstract(&ln, "rf-lis"), len;
	int s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int r = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	int lis, c, acc;
	char x;

	RETURNS(rump_sys_bind(r, (struct sockaddr *)&b, lb), 0);
	RETURNS(rump_sys_sendto(s, "x", 1, 0, (struct sockaddr *)&b, lb), 1);
	RETURNS(rump_sys_bind(s, (struct sockaddr *)&a, la), 0);
	len = sizeof(got);
	RETURNS(rump_sys_recvfrom(r, &x, 1, 0, (struct sockaddr *)&got, &len),
		1);
	cr_assert_eq(len, la);
	cr_assert_eq(memcmp(&got, &a, la), 0);
	RETURNS(rump_sys_close(s), 0);
	RETURNS(rump_sys_close(r), 0);

	lis = listener(SOCK_STREAM, "rf-lis", 1);
	c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
	RETURNS(rump_sys_connect(c, (struct sockaddr *)&ln, ll), 0);
	acc = rump_sys_accept(lis, NULL, NULL);
	cr_assert_geq(acc, 0);
	RETURNS(rump_sys_write(acc, "y", 1), 1);
	len = sizeof(got);
	RETURNS(rump_sys_recvfrom(c, &x, 1, 0, (struct sockaddr *)&got, &len),
		1);
	cr_assert_eq(len, ll);
	cr_assert_eq(memcmp(&got, &ln, ll), 0);
	RETURNS(rump_sys_write(c, "z", 1), 1);
	len = sizeof(got);
	RETURNS(rump_sys_recvfrom(acc, &x, 1, 0, (struct sockaddr *)&got, &len),
		1);
	cr_assert_eq(len, 0, "an unnamed sender has no name");
	RETURNS(rump_sys_close(acc), 0);
	RETURNS(rump_sys_close(c), 0);
	RETURNS(rump_sys_close(lis), 0);
}

/* Send `data' with descriptor `fd' (SCM_RIGHTS). */
static void
send_with_fd(int s, const char *data, int fd)
{
	union {
		char c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	RETURNS(rump_sys_sendmsg(s, &m, 0), (long)strlen(data));
}

/* Close the descriptors a received message brought. */
static void
close_received(struct msghdr *m)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm != NULL;
	     cm = CMSG_NXTHDR(m, cm))
		for (size_t k = 0;
		     cm->cmsg_type == SCM_RIGHTS &&
		     k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		     k++)
			rump_sys_close(((int *)CMSG_DATA(cm))[k]);
}

/* recvmsg of up to 100 bytes; the control length comes back in *clen. */
static long
recv_100(int s, char *buf, size_t *clen)
{
	union {
		char c[256];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, 100 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	long r = rump_sys_recvmsg(s, &m, MSG_DONTWAIT);

	*clen = m.msg_controllen;
	close_received(&m);
	return r;
}

/* A stream read joins bytes up to and including those that carried
 * descriptors, and stops after them (Linux's unix_stream_read_generic).
 * A read that takes descriptors it has no room for drops them, even if
 * it takes only part of their bytes. */
Test(af_unix, stream_read_joins_up_to_rights)
{
	char buf[100];
	size_t clen;
	int sv[2];

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_write(sv[0], "aaa", 3), 3);
	send_with_fd(sv[0], "bbb", sv[0]);
	RETURNS(rump_sys_write(sv[0], "ccc", 3), 3);
	RETURNS(recv_100(sv[1], buf, &clen), 6);
	cr_assert_eq(memcmp(buf, "aaabbb", 6), 0);
	cr_assert_eq(clen, CMSG_SPACE(sizeof(int)));
	RETURNS(recv_100(sv[1], buf, &clen), 3);
	cr_assert_eq(clen, 0);

	send_with_fd(sv[0], "ddd", sv[0]);
	RETURNS(rump_sys_read(sv[1], buf, 2), 2);
	RETURNS(recv_100(sv[1], buf, &clen), 1);
	cr_assert_eq(clen, 0, "the partial read dropped the descriptor");

	send_with_fd(sv[0], "eee", sv[0]);
	RETURNS(rump_sys_write(sv[0], "fff", 3), 3);
	RETURNS(rump_sys_read(sv[1], buf, 4), 3);
	RETURNS(recv_100(sv[1], buf, &clen), 3);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* A DGRAM socket connected to another one takes messages only from its
 * peer: that includes its own sends to its own name (EPERM), as on
 * Linux; unconnected, it may send to itself. */
Test(af_unix, dgram_send_to_self_while_connected)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "dg-self");
	struct sockaddr *sa = (struct sockaddr *)&sun;
	int sv[2];
	char c;

	pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
	RETURNS(rump_sys_bind(sv[0], sa, len), 0);
	FAILS(rump_sys_sendto(sv[0], "x", 1, 0, sa, len), EPERM);
	FAILS(rump_sys_recv(sv[0], &c, 1, 0), EAGAIN);
	RETURNS(rump_sys_close(sv[1]), 0);
	/* Its peer gone, it is still connected until it learns so. */
	FAILS(rump_sys_sendto(sv[0], "x", 1, 0, sa, len), EPERM);
	FAILS(rump_sys_send(sv[0], "x", 1, 0), ECONNREFUSED);
	RETURNS(rump_sys_sendto(sv[0], "x", 1, 0, sa, len), 1);
	RETURNS(rump_sys_recv(sv[0], &c, 1, 0), 1);
	RETURNS(rump_sys_close(sv[0]), 0);
}

/* ECONNRESET for a peer that closes with data unread: Linux 6.x skips a
 * head message of no bytes (the rest of a consumed OOB byte, for it), so
 * a lone empty SEQPACKET message does not count, two do. */
Test(af_unix, close_with_lone_empty_message_no_reset)
{
	int sv[2], e = -1;
	socklen_t len = sizeof(e);

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, 0);
	RETURNS(rump_sys_close(sv[0]), 0);

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
	RETURNS(rump_sys_send(sv[0], "", 0, 0), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
	RETURNS(rump_sys_getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &e, &len), 0);
	cr_assert_eq(e, ECONNRESET);
	RETURNS(rump_sys_close(sv[0]), 0);
}

/* A DGRAM connect to a socket that is connected to another one is
 * EPERM, as a send there would be (Linux checks unix_may_send). */
Test(af_unix, dgram_connect_to_taken_socket)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "dg-taken");
	struct sockaddr *sa = (struct sockaddr *)&sun;
	int sv[2], s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_bind(sv[0], sa, len), 0);
	FAILS(rump_sys_connect(s, sa, len), EPERM);
	RETURNS(rump_sys_close(sv[1]), 0);
	/* Still connected to its closed peer until it learns so. */
	FAILS(rump_sys_connect(s, sa, len), EPERM);
	FAILS(rump_sys_send(sv[0], "x", 1, 0), ECONNREFUSED);
	RETURNS(rump_sys_connect(s, sa, len), 0);
	RETURNS(rump_sys_close(s), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
}

/* SCM_CREDENTIALS into a control buffer too small for it: Linux copies
 * what fits and sets cmsg_len to that room, with MSG_CTRUNC. */
Test(af_unix, passcred_truncated_cmsg_len)
{
	union {
		char c[CMSG_SPACE(sizeof(int))]; /* 24: less than 28 */
		struct cmsghdr align;
	} ctl;
	char b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	int sv[2], on = 1;

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
				    sizeof(on)),
		0);
	RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
	RETURNS(rump_sys_recvmsg(sv[1], &m, 0), 1);
	cr_assert_eq(m.msg_flags, MSG_CTRUNC);
	cr_assert_eq(m.msg_controllen, sizeof(ctl.c));
	cr_assert_eq(((struct cmsghdr *)ctl.c)->cmsg_len, sizeof(ctl.c));
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* Linux's DGRAM send looks at whether the receiver takes messages from
 * us (EPERM) before whether it is shut down for reading (EPIPE). */
Test(af_unix, dgram_eperm_before_shutdown)
{
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "dg-eperm-shut");
	struct sockaddr *sa = (struct sockaddr *)&sun;
	int sv[2], s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_bind(sv[0], sa, len), 0);
	RETURNS(rump_sys_shutdown(sv[0], SHUT_RD), 0);
	FAILS(rump_sys_sendto(s, "x", 1, MSG_NOSIGNAL, sa, len), EPERM);
	FAILS(rump_sys_send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	RETURNS(rump_sys_close(s), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
}

/* A DGRAM socket whose peer dropped the association with messages
 * unread has ECONNRESET pending; Linux's next send reports (and clears)
 * it before a shutdown or the lack of a peer, whatever it sends. */
Test(af_unix, dgram_send_reports_pending_error)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int sv[2];

	for (int round = 0; round < 3; round++) {
		pair(SOCK_DGRAM | SOCK_NONBLOCK, sv);
		RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
		RETURNS(rump_sys_connect(sv[1], &unspec, sizeof(unspec)), 0);
		if (round == 1)
			RETURNS(rump_sys_shutdown(sv[0], SHUT_WR), 0);
		if (round == 2)
			RETURNS(rump_sys_connect(sv[0], &unspec,
						 sizeof(unspec)),
				0);
		FAILS(rump_sys_send(sv[0], "", 0, MSG_NOSIGNAL), ECONNRESET);
		if (round == 0)
			RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
		if (round == 1)
			FAILS(rump_sys_send(sv[0], "x", 1, MSG_NOSIGNAL),
			      EPIPE);
		if (round == 2)
			FAILS(rump_sys_send(sv[0], "x", 1, 0), ENOTCONN);
		RETURNS(rump_sys_close(sv[0]), 0);
		RETURNS(rump_sys_close(sv[1]), 0);
	}
}

/* recvmsg of up to 100 bytes; the credentials that came in *uc. */
static long
recv_cred(int s, struct ucred *uc)
{
	union {
		char c[256];
		struct cmsghdr align;
	} ctl;
	char b[100];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.c,
			    .msg_controllen = sizeof(ctl.c) };
	long r = rump_sys_recvmsg(s, &m, MSG_DONTWAIT);

	cr_assert_gt(m.msg_controllen, 0);
	memcpy(uc, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(*uc));
	return r;
}

/* Linux attaches credentials to a message only if an end had
 * SO_PASSCRED when it was sent: what came before the receiver turned it
 * on has none (pid 0, the overflow ids), and a stream read does not
 * join it with what came after. */
Test(af_unix, creds_only_with_passcred_at_send)
{
	int types[] = { SOCK_STREAM, SOCK_DGRAM };
	struct ucred uc;
	int sv[2], on = 1;

	for (int t = 0; t < 2; t++) {
		pair(types[t], sv);
		RETURNS(rump_sys_write(sv[0], "aa", 2), 2);
		RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on,
					    sizeof(on)),
			0);
		RETURNS(rump_sys_write(sv[0], "bb", 2), 2);
		RETURNS(recv_cred(sv[1], &uc), 2);
		cr_assert(uc.pid == 0 && uc.uid == 65534 && uc.gid == 65534);
		RETURNS(recv_cred(sv[1], &uc), 2);
		cr_assert_eq(uc.pid, rump_sys_getpid());
		RETURNS(rump_sys_close(sv[0]), 0);
		RETURNS(rump_sys_close(sv[1]), 0);
	}
}

/* A stream receive with MSG_WAITALL that runs dry after some bytes
 * takes a pending error with it (Linux's sock_error before it returns
 * what it copied); without MSG_WAITALL the error waits for the next
 * receive.  Both as the host does it. */
static void
reset_after_data(int flags, long second_r, int second_e)
{
	char buf[64];
	int sv[2];

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_send(sv[0], "unread", 6, 0), 6); /* left in sv[1] */
	RETURNS(rump_sys_send(sv[1], "12345678", 8, 0), 8);
	RETURNS(rump_sys_close(sv[1]), 0); /* unread data: a reset */
	RETURNS(rump_sys_recv(sv[0], buf, sizeof(buf), flags | MSG_DONTWAIT),
		8);
	errno = 0;
	cr_assert_eq(rump_sys_recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT),
		     second_r);
	cr_assert_eq(errno, second_e);
	RETURNS(rump_sys_close(sv[0]), 0);
}

Test(af_unix, waitall_receive_takes_the_pending_reset)
{
	char buf[64];
	int hv[2];

	/* The host, for the record of what Linux does. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, hv), 0);
	cr_assert_eq(send(hv[0], "unread", 6, 0), 6);
	cr_assert_eq(send(hv[1], "12345678", 8, 0), 8);
	cr_assert_eq(close(hv[1]), 0);
	cr_assert_eq(recv(hv[0], buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT),
		     8);
	cr_assert_eq(recv(hv[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(hv[0]);

	reset_after_data(MSG_WAITALL, 0, 0);
	reset_after_data(0, -1, ECONNRESET);
}

/* Closing one socket of a DGRAM pair changes nothing on the other and
 * wakes nothing there: an edge-triggered epoll sees no new event. */
static int
dgram_close_edges(bool rump)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, out[2];
	int sv[2], ep, n;

	if (rump) {
		pair(SOCK_DGRAM, sv);
		ep = rump_sys_epoll_create1(0);
		cr_assert_eq(rump_sys_shutdown(sv[0], SHUT_RD), 0);
		ev.data.fd = sv[0];
		cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev),
			     0);
		cr_assert_eq(rump_sys_epoll_wait(ep, out, 2, 0), 1);
		cr_assert_eq(rump_sys_close(sv[1]), 0);
		n = rump_sys_epoll_wait(ep, out, 2, 0);
		rump_sys_close(sv[0]);
		rump_sys_close(ep);
	} else {
		cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
		ep = epoll_create1(0);
		cr_assert_eq(shutdown(sv[0], SHUT_RD), 0);
		ev.data.fd = sv[0];
		cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev), 0);
		cr_assert_eq(epoll_wait(ep, out, 2, 0), 1);
		cr_assert_eq(close(sv[1]), 0);
		n = epoll_wait(ep, out, 2, 0);
		close(sv[0]);
		close(ep);
	}
	return n;
}

Test(af_unix, dgram_close_wakes_no_peer)
{
	cr_assert_eq(dgram_close_edges(false), 0); /* the host */
	cr_assert_eq(dgram_close_edges(true), 0);
}

/* fn on the host or in rumpkit. */
#define KCALL(rump, fn, ...)                                                   \
	((rump) ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

/* A listener closes with a connection nobody accepted: what its client
 * sees, as text. */
static void
unaccepted_reset(bool rump, int type, char *out, size_t len)
{
	struct sockaddr_un sun;
	char name[64], buf[8];
	struct pollfd p;
	int l, c;
	long r1, r2, r3;
	int e1, e2, e3;

	snprintf(name, sizeof(name), "unacc.%d.%d.%d", getpid(), rump, type);
	socklen_t sl = abstract(&sun, name);
	l = (int)KCALL(rump, socket, AF_UNIX, type, 0);
	c = (int)KCALL(rump, socket, AF_UNIX, type | SOCK_NONBLOCK, 0);
	cr_assert(l >= 0 && c >= 0);
	cr_assert_eq(KCALL(rump, bind, l, (struct sockaddr *)&sun, sl), 0);
	cr_assert_eq(KCALL(rump, listen, l, 1), 0);
	cr_assert_eq(KCALL(rump, connect, c, (struct sockaddr *)&sun, sl), 0);
	cr_assert_eq(KCALL(rump, close, l), 0);
	p = (struct pollfd){ .fd = c, .events = POLLIN | POLLOUT | POLLRDHUP };
	cr_assert_eq(KCALL(rump, poll, &p, 1, 0), 1);
	r1 = KCALL(rump, recv, c, buf, sizeof(buf), 0);
	e1 = errno;
	r2 = KCALL(rump, recv, c, buf, sizeof(buf), 0);
	e2 = errno;
	r3 = KCALL(rump, send, c, "x", 1, MSG_NOSIGNAL);
	e3 = errno;
	snprintf(out, len, "poll %x recv %ld/%d recv %ld/%d send %ld/%d",
		 p.revents, r1, r1 < 0 ? e1 : 0, r2, r2 < 0 ? e2 : 0, r3,
		 r3 < 0 ? e3 : 0);
	KCALL(rump, close, c);
}

/* Linux resets the client of a connection that is closed unaccepted
 * (unix_release_sock of the embryo: ECONNRESET whether or not data
 * waited), so its first receive fails with ECONNRESET, then sees the
 * end. */
Test(af_unix, unaccepted_connection_reset)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	char h[128], r[128];

	for (int i = 0; i < 2; i++) {
		unaccepted_reset(false, types[i], h, sizeof(h));
		unaccepted_reset(true, types[i], r, sizeof(r));
		cr_assert_str_eq(r, h, "type %d: rump %s, host %s", types[i], r,
				 h);
	}
}

/* recvmsg of up to `len' bytes with room for 4 descriptors, as text
 * (the descriptors that came are closed). */
static void
peek_step(bool rump, int s, size_t len, int flags, char *out, size_t olen)
{
	char buf[64], cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	long r = KCALL(rump, recvmsg, s, &mh, flags);
	int nfd = 0;

	if (r >= 0)
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		     cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0;
				     i <
				     (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				     i++, nfd++)
					KCALL(rump, close,
					      ((int *)CMSG_DATA(cm))[i]);
	snprintf(out + strlen(out), olen - strlen(out), " %ld/%d:%.*s+%d", r,
		 r < 0 ? errno : 0, r > 0 ? (int)r : 0, buf, nfd);
}

static void
peek_walk(bool rump, char *out, size_t olen)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "XY", 2 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int sv[2];

	out[0] = '\0';
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	cr_assert_eq(KCALL(rump, write, sv[0], "12345678", 8), 8);
	cr_assert_eq(KCALL(rump, write, sv[0], "abc", 3), 3);
	cr_assert_eq(KCALL(rump, sendmsg, sv[0], &mh, 0), 2);
	peek_step(rump, sv[1], 1, MSG_PEEK, out, olen);
	peek_step(rump, sv[1], 8, MSG_PEEK, out, olen);
	peek_step(rump, sv[1], 11, MSG_PEEK, out, olen);
	peek_step(rump, sv[1], 40, MSG_PEEK, out, olen);
	peek_step(rump, sv[1], 4, 0, out, olen);
	peek_step(rump, sv[1], 4, MSG_PEEK, out, olen);
	peek_step(rump, sv[1], 40, 0, out, olen);
	peek_step(rump, sv[1], 40, MSG_PEEK | MSG_DONTWAIT, out, olen);
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
}

/* Linux's stream peek, once its buffer is full, still walks on through
 * the messages that follow (taking no bytes) up to one that carries
 * descriptors, and reports them (unix_stream_read_generic's MSG_PEEK
 * branch goes to the next message before it looks at what is left). */
Test(af_unix, stream_peek_walks_to_rights)
{
	char h[256], r[256];

	peek_walk(false, h, sizeof(h));
	peek_walk(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

static char big_msg[256 * 1024];

/* A send of `len' bytes as text; `to' (if not NULL) names the receiver. */
static void
send_step(bool rump, int s, size_t len, const struct sockaddr_un *to,
	  socklen_t tolen, char *out, size_t olen)
{
	long r = KCALL(rump, sendto, s, big_msg, len, MSG_NOSIGNAL,
		       (const struct sockaddr *)to, tolen);

	snprintf(out + strlen(out), olen - strlen(out), " %ld/%d", r,
		 r < 0 ? errno : 0);
}

static void
emsgsize_order(bool rump, char *out, size_t olen)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_un sun;
	char name[64];
	socklen_t sl;
	int sv[2], s, l;

	out[0] = '\0';
	/* A pending error (ECONNRESET, from the peer that dropped what
	 * we sent), then a shutdown, then no peer. */
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	cr_assert_eq(KCALL(rump, send, sv[0], "x", 1, 0), 1);
	cr_assert_eq(KCALL(rump, connect, sv[1], &unspec, sizeof(unspec)), 0);
	send_step(rump, sv[0], sizeof(big_msg), NULL, 0, out, olen);
	send_step(rump, sv[0], 1, NULL, 0, out, olen);
	cr_assert_eq(KCALL(rump, shutdown, sv[0], SHUT_WR), 0);
	send_step(rump, sv[0], sizeof(big_msg), NULL, 0, out, olen);
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
	s = (int)KCALL(rump, socket, AF_UNIX, SOCK_DGRAM, 0);
	send_step(rump, s, sizeof(big_msg), NULL, 0, out, olen);
	/* A name nobody has, a malformed one, a stream socket's. */
	snprintf(name, sizeof(name), "emsg.%d.%d", getpid(), rump);
	sl = abstract(&sun, name);
	send_step(rump, s, sizeof(big_msg), &sun, sl, out, olen);
	send_step(rump, s, sizeof(big_msg), &sun, 1, out, olen);
	l = (int)KCALL(rump, socket, AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(KCALL(rump, bind, l, (struct sockaddr *)&sun, sl), 0);
	send_step(rump, s, sizeof(big_msg), &sun, sl, out, olen);
	send_step(rump, s, 1, &sun, sl, out, olen);
	KCALL(rump, close, l);
	KCALL(rump, close, s);
	/* SEQPACKET: a pending error first, then the size. */
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv),
		     0);
	cr_assert_eq(KCALL(rump, shutdown, sv[0], SHUT_WR), 0);
	send_step(rump, sv[0], sizeof(big_msg), NULL, 0, out, olen);
	send_step(rump, sv[0], 1, NULL, 0, out, olen);
	cr_assert_eq(KCALL(rump, send, sv[1], "x", 1, 0), 1);
	KCALL(rump, close, sv[0]);
	send_step(rump, sv[1], sizeof(big_msg), NULL, 0, out, olen);
	send_step(rump, sv[1], sizeof(big_msg), NULL, 0, out, olen);
	KCALL(rump, close, sv[1]);
	s = (int)KCALL(rump, socket, AF_UNIX, SOCK_SEQPACKET, 0);
	send_step(rump, s, sizeof(big_msg), NULL, 0, out, olen);
	KCALL(rump, close, s);
}

/* Linux's datagram send sees a message too big for the send buffer
 * (EMSGSIZE) before a pending error, a shutdown, a missing peer or the
 * receiver's lookup; a SEQPACKET send takes a pending error and
 * ENOTCONN first. */
Test(af_unix, emsgsize_before_state)
{
	char h[256], r[256];

	emsgsize_order(false, h, sizeof(h));
	emsgsize_order(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

/* bind of `s' to `path' as text, and whether the path exists after. */
static void
bind_step(bool rump, int s, const char *path, char *out, size_t olen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	long r;
	int e;

	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	r = KCALL(rump, bind, s, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	snprintf(out + strlen(out), olen - strlen(out), " %ld/%d:%d", r,
		 r < 0 ? e : 0, KCALL(rump, lstat, path, &st) == 0);
}

static void
bind_bound(bool rump, char *out, size_t olen)
{
	char dir[64], p[4][96];
	int s, t, a, f;

	out[0] = '\0';
	if (rump) {
		snprintf(dir, sizeof(dir), "/bindbound");
		RETURNS(rump_sys_mkdir(dir, 0755), 0);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/rk-bindbound.XXXXXX");
		cr_assert_not_null(mkdtemp(dir));
	}
	for (int i = 0; i < 4; i++)
		snprintf(p[i], sizeof(p[i]), "%s/%s", dir,
			 i == 3 ? "nodir/s" : (char[]){ (char)('a' + i), 0 });
	f = (int)KCALL(rump, open, p[2], O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(f, 0);
	KCALL(rump, close, f);
	s = (int)KCALL(rump, socket, AF_UNIX, SOCK_STREAM, 0);
	t = (int)KCALL(rump, socket, AF_UNIX, SOCK_DGRAM, 0);
	a = (int)KCALL(rump, socket, AF_UNIX, SOCK_DGRAM, 0);
	bind_step(rump, s, p[0], out, olen); /* binds */
	bind_step(rump, s, p[1], out, olen); /* bound: EINVAL, no node */
	bind_step(rump, s, p[0], out, olen); /* bound, its own name */
	bind_step(rump, s, p[2], out, olen); /* bound, a taken name */
	bind_step(rump, s, p[3], out, olen); /* bound, no directory */
	bind_step(rump, t, p[0], out, olen); /* unbound, a taken name */
	bind_step(rump, t, p[3], out, olen);
	/* Autobound (an abstract name), then a path. */
	struct sockaddr_un none = { .sun_family = AF_UNIX };
	cr_assert_eq(KCALL(rump, bind, a, (struct sockaddr *)&none,
			   sizeof(sa_family_t)),
		     0);
	bind_step(rump, a, p[2], out, olen);
	bind_step(rump, a, p[1], out, olen);
	KCALL(rump, close, s);
	KCALL(rump, close, t);
	KCALL(rump, close, a);
	KCALL(rump, unlink, p[0]);
	KCALL(rump, unlink, p[2]);
	cr_assert_eq(KCALL(rump, rmdir, dir), 0);
}

/* Linux's bind of a path makes the node before it looks at the socket
 * (unix_bind_bsd): a bound socket's bind to a taken name is
 * EADDRINUSE, to a missing directory ENOENT, and to a free name EINVAL
 * with the node it made taken away again. */
Test(af_unix, bind_bound_socket_to_path)
{
	char h[256], r[256];

	bind_bound(false, h, sizeof(h));
	bind_bound(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

/* The length of `fd''s name on the host or here. */
static long
kname_len(bool rump, int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	cr_assert_eq(
		KCALL(rump, getsockname, fd, (struct sockaddr *)&sun, &len), 0);
	return (long)len;
}

static void
autobind_cases(bool rump, char *out, size_t olen)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET };
	struct sockaddr_un n, from;
	socklen_t nl, fl;
	char name[64], c;
	int on = 1, sv[2], r, s, a;

	out[0] = '\0';
#define ADD(v)                                                                 \
	snprintf(out + strlen(out), olen - strlen(out), " %ld", (long)(v))
	for (int i = 0; i < 3; i++) {
		int t = types[i];

		/* A pair: SO_PASSCRED on the receiver only, then on the
		 * sender. */
		cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, t, 0, sv), 0);
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PASSCRED, &on,
		      sizeof(on));
		ADD(KCALL(rump, send, sv[0], "x", 1, 0));
		ADD(kname_len(rump, sv[0]));
		fl = sizeof(from);
		ADD(KCALL(rump, recvfrom, sv[1], &c, 1, 0,
			  (struct sockaddr *)&from, &fl));
		ADD(t == SOCK_STREAM ? 0 : fl);
		ADD(kname_len(rump, sv[1]));
		KCALL(rump, setsockopt, sv[0], SOL_SOCKET, SO_PASSCRED, &on,
		      sizeof(on));
		ADD(KCALL(rump, send, sv[0], "x", 1, 0));
		ADD(kname_len(rump, sv[0]));
		KCALL(rump, close, sv[0]);
		KCALL(rump, close, sv[1]);
		/* A named receiver with SO_PASSCRED; a sender without,
		 * then with. */
		snprintf(name, sizeof(name), "ab.%d.%d.%d", getpid(), rump, t);
		nl = abstract(&n, name);
		r = (int)KCALL(rump, socket, AF_UNIX, t, 0);
		s = (int)KCALL(rump, socket, AF_UNIX, t, 0);
		cr_assert_eq(KCALL(rump, bind, r, (struct sockaddr *)&n, nl),
			     0);
		KCALL(rump, setsockopt, r, SOL_SOCKET, SO_PASSCRED, &on,
		      sizeof(on));
		if (t != SOCK_DGRAM)
			cr_assert_eq(KCALL(rump, listen, r, 4), 0);
		ADD(KCALL(rump, connect, s, (struct sockaddr *)&n, nl));
		ADD(kname_len(rump, s));
		if (t == SOCK_DGRAM) {
			ADD(KCALL(rump, sendto, s, "x", 1, 0,
				  (struct sockaddr *)&n, nl));
			ADD(kname_len(rump, s));
		} else {
			a = (int)KCALL(rump, accept, r, NULL, NULL);
			ADD(kname_len(rump, a));
			ADD(KCALL(rump, send, s, "x", 1, 0));
			ADD(kname_len(rump, s));
			KCALL(rump, close, a);
		}
		KCALL(rump, close, s);
		s = (int)KCALL(rump, socket, AF_UNIX, t, 0);
		KCALL(rump, setsockopt, s, SOL_SOCKET, SO_PASSCRED, &on,
		      sizeof(on));
		ADD(KCALL(rump, connect, s, (struct sockaddr *)&n, nl));
		ADD(kname_len(rump, s));
		KCALL(rump, close, s);
		KCALL(rump, close, r);
	}
#undef ADD
}

/* Which sockets Linux autobinds for SO_PASSCRED: the sender's own
 * option only (a DGRAM send, a connect), not the receiver's. */
Test(af_unix, autobind_needs_own_passcred)
{
	char h[512], r[512];

	autobind_cases(false, h, sizeof(h));
	autobind_cases(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

static void
opt_get(bool rump, int s, int opt, char *out, size_t olen)
{
	int v[4] = { -7, -7, -7, -7 };
	socklen_t len = sizeof(v);
	long r = KCALL(rump, getsockopt, s, SOL_SOCKET, opt, v, &len);

	snprintf(out + strlen(out), olen - strlen(out), " g%ld/%d:%d,%d/%u", r,
		 r < 0 ? errno : 0, v[0], v[1], (unsigned)len);
}

static void
opt_set(bool rump, int s, int opt, const void *v, socklen_t len, char *out,
	size_t olen)
{
	long r = KCALL(rump, setsockopt, s, SOL_SOCKET, opt, v, len);

	snprintf(out + strlen(out), olen - strlen(out), " s%ld/%d", r,
		 r < 0 ? errno : 0);
}

static void
generic_opts(bool rump, int type, char *out, size_t olen)
{
	static const int opts[] = { SO_DEBUG,     SO_DONTROUTE, SO_BROADCAST,
				    SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK,
				    SO_PRIORITY,  SO_BSDCOMPAT, SO_REUSEPORT,
				    SO_RCVLOWAT,  SO_SNDLOWAT,  SO_MARK };
	static const int vals[] = { 1, 0, 7, -1, 6 };
	struct linger lg;
	int sv[2];

	out[0] = '\0';
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, type, 0, sv), 0);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(out + strlen(out), olen - strlen(out), " |%d",
			 opts[i]);
		opt_get(rump, sv[0], opts[i], out, olen);
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			opt_set(rump, sv[0], opts[i], &vals[k], sizeof(int),
				out, olen);
			opt_get(rump, sv[0], opts[i], out, olen);
		}
		opt_set(rump, sv[0], opts[i], &vals[0], 2, out, olen);
	}
	snprintf(out + strlen(out), olen - strlen(out), " |linger");
	opt_get(rump, sv[0], SO_LINGER, out, olen);
	lg = (struct linger){ 3, 77 };
	opt_set(rump, sv[0], SO_LINGER, &lg, sizeof(lg), out, olen);
	opt_get(rump, sv[0], SO_LINGER, out, olen);
	opt_set(rump, sv[0], SO_LINGER, &lg, sizeof(int), out, olen);
	lg = (struct linger){ 0, 5 };
	opt_set(rump, sv[0], SO_LINGER, &lg, sizeof(lg), out, olen);
	opt_get(rump, sv[0], SO_LINGER, out, olen);
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
}

/* The generic SOL_SOCKET options Linux keeps for any socket (sock.c's
 * sk_setsockopt and sk_getsockopt): flags, priority, mark, linger, the
 * low-water marks, what AF_UNIX refuses (SO_REUSEPORT). */
Test(af_unix, generic_socket_options)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	char h[4096], r[4096];

	/* Some need privilege: the rump process has the host's. */
	new_proc();
	if (geteuid() != 0)
		RETURNS(rump_sys_setresuid(geteuid(), geteuid(), geteuid()), 0);
	for (int i = 0; i < 3; i++) {
		generic_opts(false, types[i], h, sizeof(h));
		generic_opts(true, types[i], r, sizeof(r));
		cr_assert_str_eq(r, h, "type %d: rump%s\nhost%s", types[i], r,
				 h);
	}
}

struct lowat_reader {
	bool rump;
	struct lwp *l;
	int s;
	long r;
};

static void *
lowat_recv(void *arg)
{
	struct lowat_reader *lr = arg;
	char buf[64];

	if (lr->rump)
		rump_pub_lwproc_switch(lr->l);
	lr->r = KCALL(lr->rump, recv, lr->s, buf, sizeof(buf), 0);
	if (lr->rump)
		rump_pub_lwproc_releaselwp();
	return NULL;
}

/* SO_RCVLOWAT on a stream: a blocking receive waits for that many
 * bytes (or the end), a non-blocking one takes what there is. */
static void
lowat_steps(bool rump, char *out, size_t olen)
{
	struct lowat_reader lr = { .rump = rump };
	int sv[2], lw = 5;
	char buf[64];
	pthread_t t;

	out[0] = '\0';
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_RCVLOWAT,
			   &lw, sizeof(lw)),
		     0);
	cr_assert_eq(KCALL(rump, send, sv[0], "abc", 3, 0), 3);
	snprintf(out + strlen(out), olen - strlen(out), " %ld",
		 KCALL(rump, recv, sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	cr_assert_eq(KCALL(rump, send, sv[0], "abc", 3, 0), 3);
	lr.s = sv[1];
	if (rump) {
		struct lwp *me = rump_pub_lwproc_curlwp();
		cr_assert_eq(rump_pub_lwproc_newlwp(rump_sys_getpid()), 0);
		lr.l = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
	}
	t = spawn(lowat_recv, &lr);
	msleep(50);
	snprintf(out + strlen(out), olen - strlen(out), " %ld",
		 __atomic_load_n(&lr.r, __ATOMIC_RELAXED)); /* still waiting */
	cr_assert_eq(KCALL(rump, send, sv[0], "de", 2, 0), 2);
	join(t);
	snprintf(out + strlen(out), olen - strlen(out), " %ld", lr.r);
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
}

Test(af_unix, stream_rcvlowat)
{
	char h[64], r[64];

	lowat_steps(false, h, sizeof(h));
	lowat_steps(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

static void
peercred_lens(bool rump, char *out, size_t olen)
{
	static const socklen_t lens[] = { 0, 2, 4, 8, 12, 16 };
	int sv[2];

	out[0] = '\0';
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, SOCK_STREAM, 0, sv), 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct ucred uc = { -7, 7, 7 };
		socklen_t len = lens[i];
		long r = KCALL(rump, getsockopt, sv[0], SOL_SOCKET, SO_PEERCRED,
			       &uc, &len);

		snprintf(out + strlen(out), olen - strlen(out),
			 " %ld/%d:%u,%d,%d,%d", r, r < 0 ? errno : 0,
			 (unsigned)len,
			 uc.pid == (rump ? rump_sys_getpid() : getpid()),
			 uc.uid == (uid_t)(rump ? rump_sys_getuid() : getuid()),
			 uc.gid ==
				 (gid_t)(rump ? rump_sys_getgid() : getgid()));
	}
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
}

/* Linux's SO_PEERCRED copies as much of the ucred as there is room for
 * (sk_getsockopt): a short buffer is no error. */
Test(af_unix, peercred_short_buffer)
{
	char h[256], r[256];

	peercred_lens(false, h, sizeof(h));
	peercred_lens(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* Linux 6.16 */
#endif

/* sendmsg of `len' bytes (at most 64) with descriptor `fd'; -errno or
 * the count. */
static long
send_right(bool rump, int s, int fd, size_t len)
{
	static char data[300000];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { data, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	long r;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	r = KCALL(rump, sendmsg, s, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return r < 0 ? -errno : r;
}

static void
passrights_steps(bool rump, int type, char *out, size_t olen)
{
	struct sockaddr_un n;
	char name[64];
	socklen_t nl, vl;
	int off = 0, on = 1, v, sv[2], l, c, a;

	out[0] = '\0';
#define ADD(x)                                                                 \
	snprintf(out + strlen(out), olen - strlen(out), " %ld", (long)(x))
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, type, 0, sv), 0);
	v = -1;
	vl = sizeof(v);
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PASSRIGHTS, &v, &vl));
	ADD(v);
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PASSRIGHTS, &off,
		  sizeof(off)));
	vl = sizeof(v);
	KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PASSRIGHTS, &v, &vl);
	ADD(v);
	ADD(send_right(rump, sv[0], sv[0], 1)); /* refused */
	ADD(send_right(rump, sv[0], sv[0], 0));
	ADD(send_right(rump, sv[0], sv[0], sizeof(n) * 2000));
	ADD(KCALL(rump, send, sv[0], "y", 1, MSG_DONTWAIT)); /* no rights */
	ADD(send_right(rump, sv[1], sv[1], 1)); /* the other way: fine */
	ADD(KCALL(rump, shutdown, sv[1], SHUT_RD));
	ADD(send_right(rump, sv[0], sv[0], 1));
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PASSRIGHTS, &on,
		  sizeof(on)));
	ADD(send_right(rump, sv[0], sv[0], 1));
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
	/* A listener's setting goes to the connections it accepts; a
	 * DGRAM receiver's applies to senders by name. */
	snprintf(name, sizeof(name), "pr.%d.%d.%d", getpid(), rump, type);
	nl = abstract(&n, name);
	l = (int)KCALL(rump, socket, AF_UNIX, type, 0);
	c = (int)KCALL(rump, socket, AF_UNIX, type, 0);
	cr_assert_eq(KCALL(rump, bind, l, (struct sockaddr *)&n, nl), 0);
	ADD(KCALL(rump, setsockopt, l, SOL_SOCKET, SO_PASSRIGHTS, &off,
		  sizeof(off)));
	if (type == SOCK_DGRAM) {
		struct msghdr mh;
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { "z", 1 };
		struct cmsghdr *cm;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &n;
		mh.msg_namelen = nl;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &c, sizeof(int));
		long r = KCALL(rump, sendmsg, c, &mh, 0);
		ADD(r < 0 ? -errno : r);
	} else {
		cr_assert_eq(KCALL(rump, listen, l, 2), 0);
		cr_assert_eq(KCALL(rump, connect, c, (struct sockaddr *)&n, nl),
			     0);
		a = (int)KCALL(rump, accept, l, NULL, NULL);
		v = -1;
		vl = sizeof(v);
		KCALL(rump, getsockopt, a, SOL_SOCKET, SO_PASSRIGHTS, &v, &vl);
		ADD(v);
		ADD(send_right(rump, c, c, 1));
		ADD(send_right(rump, a, a, 1));
		KCALL(rump, close, a);
	}
	KCALL(rump, close, l);
	KCALL(rump, close, c);
#undef ADD
}

/* Linux 6.16's SO_PASSRIGHTS: on by default; a receiver that turned it
 * off refuses descriptors (the sender gets EPERM, after EMSGSIZE and
 * a shutdown); accepted sockets take the listener's setting. */
Test(af_unix, passrights)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	char h[512], r[512];

	for (int i = 0; i < 3; i++) {
		passrights_steps(false, types[i], h, sizeof(h));
		passrights_steps(true, types[i], r, sizeof(r));
		cr_assert_str_eq(r, h, "type %d: rump%s, host%s", types[i], r,
				 h);
	}
}

/* A buffer whose last `n' bytes lie at the end of a mapped page followed
 * by an inaccessible one: a copy of more than `n' bytes into it faults
 * part way.  *basep gets the mapping (two pages) to unmap. */
static char *
half_bad(size_t n, char **basep)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect(p + 4096, 4096, PROT_NONE), 0);
	*basep = p;
	return p + 4096 - n;
}

/* A receive whose copy-out faults part way, as text: the result (and
 * errno) of the faulting receive, then what the next one finds.
 * Datagrams (DGRAM, SEQPACKET) are consumed by the failed receive unless
 * it peeks; a stream keeps its bytes. */
static void
fault_steps(bool rump, int type, char *out, size_t olen)
{
	char msg[100], buf[200], *base, *bad = half_bad(50, &base);
	struct iovec iov[2];
	struct msghdr mh;
	int sv[2];
	long r;

	out[0] = '\0';
#define ADD(x)                                                                 \
	do {                                                                   \
		long v_ = (long)(x);                                           \
		snprintf(out + strlen(out), olen - strlen(out), " %ld", v_);   \
		if (v_ < 0)                                                    \
			snprintf(out + strlen(out), olen - strlen(out), "/%d", \
				 errno);                                       \
	} while (0)
	memset(msg, 'a', sizeof(msg));
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, type, 0, sv), 0);
	/* recv into a buffer whose second half is unmapped. */
	ADD(KCALL(rump, send, sv[0], msg, sizeof(msg), 0));
	ADD(KCALL(rump, send, sv[0], "second", 6, 0));
	ADD(KCALL(rump, recv, sv[1], bad, sizeof(msg), 0));
	ADD(r = KCALL(rump, recv, sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	if (r == 6)
		cr_assert_eq(memcmp(buf, "second", 6), 0);
	/* A peek that faults leaves the message. */
	ADD(KCALL(rump, send, sv[0], msg, sizeof(msg), 0));
	ADD(KCALL(rump, recv, sv[1], bad, sizeof(msg), MSG_PEEK));
	ADD(KCALL(rump, recv, sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	/* readv whose second iovec is bad. */
	ADD(KCALL(rump, send, sv[0], msg, sizeof(msg), 0));
	iov[0] = (struct iovec){ buf, 10 };
	iov[1] = (struct iovec){ (void *)1, 90 };
	ADD(KCALL(rump, readv, sv[1], iov, 2));
	ADD(KCALL(rump, recv, sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	/* recvmsg whose second iovec ends in the unmapped page. */
	ADD(KCALL(rump, send, sv[0], msg, sizeof(msg), 0));
	memset(&mh, 0, sizeof(mh));
	iov[0] = (struct iovec){ buf, 10 };
	iov[1] = (struct iovec){ bad, 90 };
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	ADD(KCALL(rump, recvmsg, sv[1], &mh, 0));
	ADD(KCALL(rump, recv, sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
	munmap(base, 8192);
#undef ADD
}

Test(af_unix, recv_fault_drops_datagram)
{
	static const struct {
		int type;
		const char *want;
	} c[] = {
		{ SOCK_DGRAM, " 100 6 -1/14 6 100 -1/14 100 100 -1/14 -1/11 "
			      "100 -1/14 -1/11" },
		{ SOCK_SEQPACKET, " 100 6 -1/14 6 100 -1/14 100 100 -1/14 "
				  "-1/11 100 -1/14 -1/11" },
		{ SOCK_STREAM, " 100 6 -1/14 106 100 -1/14 100 100 -1/14 100 "
			       "100 -1/14 100" },
	};
	char h[256], r[256];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fault_steps(false, c[i].type, h, sizeof(h));
		fault_steps(true, c[i].type, r, sizeof(r));
		cr_assert_str_eq(h, c[i].want, "type %d: host%s", c[i].type, h);
		cr_assert_str_eq(r, h, "type %d: rump%s, host%s", c[i].type, r,
				 h);
	}
}

/* The dropped datagram's descriptors go with it (nothing leaks, the
 * sender gets its buffer space back), and a sender blocked on a full
 * DGRAM queue is woken by the drop. */
static void *
blocked_sender(void *arg)
{
	int *s = arg;

	__atomic_store_n(&s[2], (int)gettid(), __ATOMIC_RELEASE);
	__atomic_store_n(&s[1], (int)rump_sys_send(s[0], "z", 1, 0),
			 __ATOMIC_RELEASE);
	return NULL;
}

Test(af_unix, recv_fault_drop_wakes_sender_and_frees_rights)
{
	char *base, *bad = half_bad(4, &base), buf[16];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { "0123456789", 10 };
	struct msghdr mh;
	struct cmsghdr *cm;
	int sv[2], q[2], st[3];
	pid_t tid;
	pthread_t t;

	pair(SOCK_DGRAM, sv);
	pair(SOCK_STREAM, q);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &q[0], sizeof(int));
	RETURNS(rump_sys_sendmsg(sv[0], &mh, 0), 10);
	/* q[0] lives on only in flight. */
	RETURNS(rump_sys_close(q[0]), 0);
	FAILS(rump_sys_recv(q[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	/* Fill the receiver's queue (net.unix.max_dgram_qlen). */
	while (rump_sys_send(sv[0], "x", 1, MSG_DONTWAIT) == 1)
		;
	cr_assert_eq(errno, EAGAIN);
	st[0] = sv[0];
	st[1] = -2;
	st[2] = 0;
	t = spawn(blocked_sender, st);
	while ((tid = __atomic_load_n(&st[2], __ATOMIC_ACQUIRE)) == 0)
		msleep(1);
	wait_blocked(&tid);
	cr_assert_eq(__atomic_load_n(&st[1], __ATOMIC_ACQUIRE), -2);
	FAILS(rump_sys_recv(sv[1], bad, 10, 0), EFAULT);
	join(t);
	cr_assert_eq(st[1], 1);
	/* Dropped with its message: q[1]'s peer is gone. */
	RETURNS(rump_sys_recv(q[1], buf, 1, MSG_DONTWAIT), 0);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 1);
	cr_assert_eq(buf[0], 'x');
	RETURNS(rump_sys_close(q[1]), 0);
	RETURNS(rump_sys_close(sv[0]), 0);
	RETURNS(rump_sys_close(sv[1]), 0);
	munmap(base, 8192);
}

/* SO_PEEK_OFF, as text: the option's values and bad inputs, then peeks
 * and reads with an offset, for one socket type; the same steps on the
 * host and in rumpkit. */
static int
peekoff_get(bool rump, int s)
{
	int v = -99;
	socklen_t vl = sizeof(v);

	cr_assert_eq(
		KCALL(rump, getsockopt, s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl),
		0);
	cr_assert_eq(vl, sizeof(v));
	return v;
}

/* Append to `out': a result (with its errno if it failed), or a value. */
static void
out_res(char *out, size_t olen, long v)
{
	size_t l = strlen(out);

	if (v < 0)
		snprintf(out + l, olen - l, " %ld/%d", v, errno);
	else
		snprintf(out + l, olen - l, " %ld", v);
}

static void
out_val(char *out, size_t olen, long v)
{
	size_t l = strlen(out);

	snprintf(out + l, olen - l, " %ld", v);
}

static void
peekoff_steps(bool rump, int type, char *out, size_t olen)
{
	char b[64];
	int sv[2], v;
	socklen_t vl;
	long n;

	out[0] = '\0';
#define ADD(x) out_res(out, olen, (long)(x))
#define VAL(x) out_val(out, olen, (long)(x))
#define SET(val)                                                               \
	(v = (val), KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF,    \
			  &v, sizeof(v)))
#define RECV(len, fl)                                                          \
	do {                                                                   \
		ADD(n = KCALL(rump, recv, sv[1], b, len,                       \
			      MSG_DONTWAIT | (fl)));                           \
		if (n > 0) {                                                   \
			size_t l_ = strlen(out);                               \
			snprintf(out + l_, olen - l_, "'%.*s'",                \
				 (int)(n < (long)(len) ? n : (long)(len)), b); \
		}                                                              \
		VAL(peekoff_get(rump, sv[1]));                                 \
	} while (0)
#define PEEK(len, fl) RECV(len, MSG_PEEK | (fl))
#define READ(len) RECV(len, 0)
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, type, 0, sv), 0);
	VAL(peekoff_get(rump, sv[1])); /* off by default */
	/* Bad lengths and pointers. */
	v = 3;
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, 2));
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, 0));
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, NULL, 4));
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, (void *)1,
		  4));
	ADD(KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, 8));
	VAL(peekoff_get(rump, sv[1]));
	vl = 2;
	v = 0;
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl));
	VAL(vl);
	VAL(v);
	vl = 0;
	v = 0;
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl));
	VAL(vl);
	VAL(v);
	vl = (socklen_t)-1;
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, &vl));
	vl = 4;
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, NULL, &vl));
	ADD(KCALL(rump, getsockopt, sv[1], SOL_SOCKET, SO_PEEK_OFF, &v, NULL));
	/* Other negative values are kept, and mean off. */
	ADD(SET(-2));
	VAL(peekoff_get(rump, sv[1]));
	ADD(SET(-100));
	ADD(KCALL(rump, send, sv[0], "0123456789", 10, 0));
	ADD(KCALL(rump, send, sv[0], "abcdef", 6, 0));
	PEEK(4, 0);
	ADD(SET(3));
	for (int i = 0; i < 5; i++)
		PEEK(4, 0);
	ADD(SET(2));
	PEEK(4, MSG_TRUNC);
	READ(3);
	READ(64);
	PEEK(64, 0);
	/* Past the data: nothing to peek (it would wait). */
	ADD(SET(100));
	PEEK(64, 0);
	ADD(KCALL(rump, send, sv[0], "0123456789", 10, 0));
	ADD(KCALL(rump, send, sv[0], "abcdef", 6, 0));
	ADD(SET(10));
	PEEK(64, 0);
	ADD(SET(0));
	PEEK(0, 0);
	PEEK(64, 0);
	PEEK(64, 0);
	/* A faulting peek leaves the offset. */
	ADD(SET(1));
	ADD(KCALL(rump, recv, sv[1], (void *)1, 4, MSG_PEEK | MSG_DONTWAIT));
	VAL(peekoff_get(rump, sv[1]));
	READ(64);
	READ(64);
	/* A faulting read: a datagram goes (the offset stays), a stream
	 * keeps its bytes. */
	ADD(KCALL(rump, send, sv[0], "abcdef", 6, 0));
	ADD(KCALL(rump, send, sv[0], "gh", 2, 0));
	ADD(SET(7));
	ADD(KCALL(rump, recv, sv[1], (void *)1, 8, MSG_DONTWAIT));
	VAL(peekoff_get(rump, sv[1]));
	READ(64);
	READ(64);
	/* A short read of a datagram takes all of it back. */
	ADD(KCALL(rump, send, sv[0], "abcdef", 6, 0));
	ADD(KCALL(rump, send, sv[0], "gh", 2, 0));
	ADD(SET(7));
	READ(2);
	READ(8);
	/* Inside a message, into no room. */
	ADD(KCALL(rump, send, sv[0], "abcdef", 6, 0));
	ADD(SET(6));
	PEEK(8, 0);
	ADD(SET(3));
	PEEK(0, 0);
	PEEK(0, MSG_TRUNC);
	READ(8);
	/* Empty datagrams (a stream sends nothing): one peeked is passed
	 * over by peeks at an offset, even offset 0. */
	ADD(SET(0));
	ADD(KCALL(rump, send, sv[0], "", 0, 0));
	ADD(KCALL(rump, send, sv[0], "ab", 2, 0));
	PEEK(8, 0);
	PEEK(8, 0);
	PEEK(8, 0);
	READ(8);
	READ(8);
	ADD(SET(-1));
	ADD(KCALL(rump, send, sv[0], "", 0, 0));
	ADD(KCALL(rump, send, sv[0], "ab", 2, 0));
	PEEK(8, 0);
	PEEK(8, 0);
	ADD(SET(0));
	PEEK(8, 0);
	READ(8);
	READ(8);
	ADD(SET(-1));
	VAL(peekoff_get(rump, sv[1]));
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
#undef READ
#undef PEEK
#undef RECV
#undef SET
#undef VAL
#undef ADD
}

Test(af_unix, so_peek_off)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	char h[2048], r[2048];
	int s, v = 5;
	socklen_t vl = sizeof(v);

	for (int i = 0; i < 3; i++) {
		peekoff_steps(false, types[i], h, sizeof(h));
		peekoff_steps(true, types[i], r, sizeof(r));
		cr_assert_str_eq(r, h, "type %d: rump%s, host%s", types[i], r,
				 h);
	}
	/* The facts the host showed (Linux 6.18): a stream peek goes on
	 * across messages, a datagram one stays in its datagram and the
	 * offset skips whole datagrams; a read moves it back by what was
	 * consumed (a whole datagram, however much was copied). */
	peekoff_steps(true, SOCK_STREAM, r, sizeof(r));
	cr_assert(strstr(r, " 4'3456' 7 4'789a' 11 4'bcde' 15 1'f' 16 "
			    "-1/11 16") != NULL,
		  "%s", r);
	cr_assert(strstr(r, " 3'012' 3 13'3456789abcdef' 0") != NULL, "%s", r);
	peekoff_steps(true, SOCK_DGRAM, r, sizeof(r));
	cr_assert(strstr(r, " 4'3456' 7 3'789' 10 4'abcd' 14 2'ef' 16 "
			    "-1/11 16") != NULL,
		  "%s", r);
	cr_assert(strstr(r, " 8'2345' 6 3'012' 0 6'abcdef' 0") != NULL, "%s",
		  r);
	/* Unconnected and listening sockets take it too. */
	s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	RETURNS(rump_sys_setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)),
		0);
	RETURNS(rump_sys_getsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, &vl), 0);
	cr_assert_eq(v, 5);
	RETURNS(rump_sys_close(s), 0);
	s = listener(SOCK_STREAM, "peekoff.listener", 1);
	RETURNS(rump_sys_setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &v, sizeof(v)),
		0);
	RETURNS(rump_sys_close(s), 0);
}

/* A blocking peek whose offset is past the data waits for more, then
 * peeks at the offset, on the host and in rumpkit. */
struct peekoff_wait {
	bool rump;
	int fd;
};

static void *
peekoff_late_writer(void *arg)
{
	struct peekoff_wait *pw = arg;

	msleep(50);
	cr_assert_eq(KCALL(pw->rump, send, pw->fd, "defgh", 5, 0), 5);
	return NULL;
}

Test(af_unix, so_peek_off_blocking)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (int i = 0; i < 3; i++) {
		for (int rump = 0; rump < 2; rump++) {
			struct peekoff_wait pw;
			char b[16];
			int sv[2], v = 5;
			socklen_t vl = sizeof(v);
			pthread_t t;

			cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, types[i],
					   0, sv),
				     0);
			cr_assert_eq(KCALL(rump, send, sv[0], "abc", 3, 0), 3);
			cr_assert_eq(KCALL(rump, setsockopt, sv[1], SOL_SOCKET,
					   SO_PEEK_OFF, &v, sizeof(v)),
				     0);
			pw.rump = rump;
			pw.fd = sv[0];
			t = spawn(peekoff_late_writer, &pw);
			cr_assert_eq(KCALL(rump, recv, sv[1], b, sizeof(b),
					   MSG_PEEK),
				     3, "type %d rump %d", types[i], rump);
			cr_assert_eq(memcmp(b, "fgh", 3), 0);
			cr_assert_eq(KCALL(rump, getsockopt, sv[1], SOL_SOCKET,
					   SO_PEEK_OFF, &v, &vl),
				     0);
			cr_assert_eq(v, 8);
			join(t);
			KCALL(rump, close, sv[0]);
			KCALL(rump, close, sv[1]);
		}
	}
}

/* Threads: one peeks with an offset (and now and then sets it) while
 * another reads; the offset never goes below 0, every byte is read once
 * and in order. */
struct peekoff_race {
	int s;
	int done;
};

static void *
peekoff_peeker(void *arg)
{
	struct peekoff_race *pr = arg;
	char b[32];
	unsigned i = 0;

	while (!__atomic_load_n(&pr->done, __ATOMIC_ACQUIRE)) {
		int v;
		socklen_t vl = sizeof(v);

		if (++i % 16 == 0) {
			v = (int)(i % 7);
			cr_assert_eq(rump_sys_setsockopt(pr->s, SOL_SOCKET,
							 SO_PEEK_OFF, &v,
							 sizeof(v)),
				     0);
		}
		(void)rump_sys_recv(pr->s, b, sizeof(b),
				    MSG_PEEK | MSG_DONTWAIT);
		cr_assert_eq(rump_sys_getsockopt(pr->s, SOL_SOCKET, SO_PEEK_OFF,
						 &v, &vl),
			     0);
		cr_assert_geq(v, 0);
	}
	return NULL;
}

Test(af_unix, so_peek_off_threads)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };

	for (int ti = 0; ti < 2; ti++) {
		struct peekoff_race pr;
		unsigned char b[100];
		int sv[2], v = 0;
		unsigned next = 0;
		pthread_t t;

		pair(types[ti], sv);
		RETURNS(rump_sys_setsockopt(sv[1], SOL_SOCKET, SO_PEEK_OFF, &v,
					    sizeof(v)),
			0);
		pr.s = sv[1];
		pr.done = 0;
		t = spawn(peekoff_peeker, &pr);
		for (int round = 0; round < 200; round++) {
			unsigned char w[50];

			for (int i = 0; i < 50; i++)
				w[i] = (unsigned char)(round * 50 + i);
			RETURNS(rump_sys_send(sv[0], w, sizeof(w), 0), 50);
			for (size_t got = 0; got < 50;) {
				long n = rump_sys_recv(sv[1], b, 50 - got, 0);

				cr_assert_gt(n, 0);
				for (long i = 0; i < n; i++)
					cr_assert_eq(b[i],
						     (unsigned char)next++);
				got += (size_t)n;
			}
		}
		__atomic_store_n(&pr.done, 1, __ATOMIC_RELEASE);
		join(t);
		RETURNS(rump_sys_close(sv[0]), 0);
		RETURNS(rump_sys_close(sv[1]), 0);
	}
}

/*
 * SO_TIMESTAMP, SO_TIMESTAMPNS and their _NEW forms, as text: what the
 * options read back, and the control messages a recvmsg gets (their
 * lengths, types, MSG_CTRUNC), the same steps on the host and in
 * rumpkit.  The times are checked against the clock read around the
 * send (or, for a message sent before the receiver asked, around its
 * first receive).  As on Linux 6.18, a stream accepts the options and
 * carries no stamps.
 */
static int64_t
ts_now(bool rump)
{
	struct timespec ts;

	cr_assert_eq(KCALL(rump, clock_gettime, CLOCK_REALTIME, &ts), 0);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
ts_opts(bool rump, int s, char *out, size_t olen)
{
	static const int names[] = { SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD,
				     SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW };

	for (int i = 0; i < 4; i++) {
		int v = -9;
		socklen_t vl = sizeof(v);

		out_res(out, olen,
			KCALL(rump, getsockopt, s, SOL_SOCKET, names[i], &v,
			      &vl));
		out_val(out, olen, v);
	}
}

/* recvmsg with `clen' bytes of control (0: none); each stamp must lie
 * in [lo, hi] (hi 0: up to now). */
static void
ts_recv(bool rump, int s, size_t clen, int flags, int64_t lo, int64_t hi,
	char *out, size_t olen)
{
	char b[64];
	union {
		char buf[256];
		struct cmsghdr align;
	} c;
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh = { 0 };
	long n;

	memset(c.buf, 0xaa, sizeof(c.buf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = clen > 0 ? c.buf : NULL;
	mh.msg_controllen = clen;
	n = KCALL(rump, recvmsg, s, &mh, flags | MSG_DONTWAIT);
	out_res(out, olen, n);
	if (n < 0)
		return;
	if (hi == 0)
		hi = ts_now(rump);
	out_val(out, olen, mh.msg_flags);
	out_val(out, olen, (long)mh.msg_controllen);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm != NULL;
	     cm = CMSG_NXTHDR(&mh, cm)) {
		out_val(out, olen, (long)cm->cmsg_len);
		out_val(out, olen, cm->cmsg_level);
		out_val(out, olen, cm->cmsg_type);
		if (cm->cmsg_type == SCM_CREDENTIALS ||
		    cm->cmsg_len < CMSG_LEN(16))
			continue;
		int64_t v[2], t;
		bool ns = cm->cmsg_type == SO_TIMESTAMPNS_OLD ||
			  cm->cmsg_type == SO_TIMESTAMPNS_NEW;

		memcpy(v, CMSG_DATA(cm), sizeof(v));
		cr_assert(v[1] >= 0 && v[1] < (ns ? 1000000000 : 1000000),
			  "rump %d: %lld", rump, (long long)v[1]);
		t = v[0] * 1000000000 + v[1] * (ns ? 1 : 1000);
		/* A stamp in microseconds may lie up to 1 us early. */
		cr_assert(t >= lo - (ns ? 0 : 1000) && t <= hi,
			  "rump %d type %d: %lld not in [%lld, %lld]", rump,
			  cm->cmsg_type, (long long)t, (long long)lo,
			  (long long)hi);
	}
}

static void
ts_steps(bool rump, int type, char *out, size_t olen)
{
	static const int names[] = { SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD,
				     SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW };
	int sv[2], one = 1, zero = 0, v;
	int64_t lo, hi;

	out[0] = '\0';
	cr_assert_eq(KCALL(rump, socketpair, AF_UNIX, type, 0, sv), 0);
	ts_opts(rump, sv[1], out, olen);
	/* Each form on, then a message sent: stamped as sent. */
	for (int i = 0; i < 4; i++) {
		out_res(out, olen,
			KCALL(rump, setsockopt, sv[1], SOL_SOCKET, names[i],
			      &one, sizeof(one)));
		ts_opts(rump, sv[1], out, olen);
		lo = ts_now(rump);
		out_res(out, olen, KCALL(rump, send, sv[0], "ab", 2, 0));
		hi = ts_now(rump);
		msleep(2);
		ts_recv(rump, sv[1], 256, MSG_PEEK, lo, hi, out, olen);
		ts_recv(rump, sv[1], 256, 0, lo, hi, out, olen);
	}
	/* Off (by any name): none. */
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMP_OLD,
		      &zero, sizeof(zero)));
	ts_opts(rump, sv[1], out, olen);
	out_res(out, olen, KCALL(rump, send, sv[0], "cd", 2, 0));
	ts_recv(rump, sv[1], 256, 0, 0, 0, out, olen);
	/* Sent before the receiver asked: stamped at its first receive
	 * (a peek), and that stamp stays. */
	out_res(out, olen, KCALL(rump, send, sv[0], "ef", 2, 0));
	msleep(2);
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMPNS_OLD,
		      &one, sizeof(one)));
	lo = ts_now(rump);
	ts_recv(rump, sv[1], 256, MSG_PEEK, lo, 0, out, olen);
	hi = ts_now(rump);
	msleep(2);
	ts_recv(rump, sv[1], 256, 0, lo, hi, out, olen);
	/* Too little room: cut short with MSG_CTRUNC, or left out. */
	static const size_t rooms[] = { 0, 8, 16, 20, 24, 31, 32 };
	for (size_t i = 0; i < sizeof(rooms) / sizeof(rooms[0]); i++) {
		out_res(out, olen, KCALL(rump, send, sv[0], "gh", 2, 0));
		ts_recv(rump, sv[1], rooms[i], 0, 0, 0, out, olen);
	}
	/* With credentials: the stamp comes first. */
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PASSCRED, &one,
		      sizeof(one)));
	for (size_t room = 32; room <= 64; room += 8) {
		out_res(out, olen, KCALL(rump, send, sv[0], "ij", 2, 0));
		ts_recv(rump, sv[1], room, 0, 0, 0, out, olen);
	}
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_PASSCRED, &zero,
		      sizeof(zero)));
	/* A control buffer that faults: the stamp is left out. */
	{
		char b[8];
		struct iovec iov = { b, sizeof(b) };
		struct msghdr mh = { 0 };

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = (void *)8;
		mh.msg_controllen = 64;
		out_res(out, olen, KCALL(rump, send, sv[0], "kl", 2, 0));
		out_res(out, olen,
			KCALL(rump, recvmsg, sv[1], &mh, MSG_DONTWAIT));
		out_val(out, olen, mh.msg_flags);
		out_val(out, olen, (long)mh.msg_controllen);
	}
	/* Bad lengths and pointers; any non-zero value is on. */
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMP_OLD,
		      &one, 2));
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMP_OLD,
		      NULL, 4));
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMPNS_NEW,
		      (void *)1, 4));
	v = -7;
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMP_NEW, &v,
		      sizeof(v)));
	ts_opts(rump, sv[1], out, olen);
	/* The sender's own option does not matter. */
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[1], SOL_SOCKET, SO_TIMESTAMP_OLD,
		      &zero, sizeof(zero)));
	out_res(out, olen,
		KCALL(rump, setsockopt, sv[0], SOL_SOCKET, SO_TIMESTAMP_OLD,
		      &one, sizeof(one)));
	out_res(out, olen, KCALL(rump, send, sv[0], "mn", 2, 0));
	ts_recv(rump, sv[1], 256, 0, 0, 0, out, olen);
	KCALL(rump, close, sv[0]);
	KCALL(rump, close, sv[1]);
}

Test(af_unix, so_timestamp)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	char h[4096], r[4096];

	for (int i = 0; i < 3; i++) {
		ts_steps(false, types[i], h, sizeof(h));
		ts_steps(true, types[i], r, sizeof(r));
		cr_assert_str_eq(r, h, "type %d: rump%s, host%s", types[i], r,
				 h);
	}
	/* What the host showed: a datagram's stamp is one control message
	 * of 32 bytes of its option's type (SCM_TIMESTAMP 29, ...), cut to
	 * the room left with MSG_CTRUNC. */
	ts_steps(true, SOCK_DGRAM, r, sizeof(r));
	cr_assert(strstr(r, " 2 0 32 32 1 35") != NULL, "%s", r);
	cr_assert(strstr(r, " 2 8 20 20 1 35") != NULL, "%s", r);
	cr_assert(strstr(r, " 2 0 64 32 1 35 28 1 2") != NULL, "%s", r);
	ts_steps(true, SOCK_STREAM, r, sizeof(r));
	cr_assert(strstr(r, " 29 ") == NULL && strstr(r, " 35 ") == NULL, "%s",
		  r);
}

/* Linux's SO_TIMESTAMPING (37) is not built; AF_UNIX stamps nothing
 * with it either. */
