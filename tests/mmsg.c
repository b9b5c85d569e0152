/*
 * mmsg.c: sendmmsg and recvmmsg on AF_UNIX sockets (ipc/uipc.c): batches,
 * msg_len, the vlen cap, partial success, MSG_WAITFORONE, the recvmmsg
 * timeout and its errors.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(mmsg, .init = ipc_boot);

#define BADPTR ((void *)0x10)

static void
pair(int type, int sv[2])
{
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, type, 0, sv), 0,
		     "socketpair: %s", strerror(errno));
}

/* Point message i of `v' at buf[i] of `len' bytes. */
static void
setup(struct mmsghdr *v, struct iovec *iov, char (*buf)[64], int n, size_t len)
{
	memset(v, 0, sizeof(*v) * (size_t)n);
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = len;
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
		v[i].msg_len = 0xdead;
	}
}

Test(mmsg, send_batch_dgram)
{
	struct mmsghdr v[3];
	struct iovec iov[3];
	char buf[3][64], r[64];
	int sv[2];

	pair(SOCK_DGRAM, sv);
	setup(v, iov, buf, 3, 0);
	for (int i = 0; i < 3; i++) {
		memset(buf[i], 'a' + i, 64);
		iov[i].iov_len = (size_t)(10 * (i + 1));
	}
	RETURNS(rump_sys_sendmmsg(sv[0], v, 3, 0), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(v[i].msg_len, (unsigned)(10 * (i + 1)));
	/* Three datagrams, boundaries kept, in order. */
	for (int i = 0; i < 3; i++) {
		RETURNS(rump_sys_recv(sv[1], r, sizeof(r), MSG_DONTWAIT),
			10 * (i + 1));
		cr_assert_eq(r[0], 'a' + i);
	}
	FAILS(rump_sys_recv(sv[1], r, sizeof(r), MSG_DONTWAIT), EAGAIN);
	RETURNS(rump_sys_sendmmsg(sv[0], v, 0, 0), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(mmsg, send_errors)
{
	struct mmsghdr v[2];
	struct iovec iov[2];
	char buf[2][64];
	int sv[2], p[2];

	pair(SOCK_DGRAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	setup(v, iov, buf, 2, 8);
	FAILS(rump_sys_sendmmsg(-1, v, 2, 0), EBADF);
	FAILS(rump_sys_sendmmsg(p[0], v, 2, 0), ENOTSOCK);
	/* Even with nothing to send, the descriptor is checked. */
	FAILS(rump_sys_sendmmsg(p[0], v, 0, 0), ENOTSOCK);
	FAILS(rump_sys_sendmmsg(sv[0], BADPTR, 2, 0), EFAULT);
	FAILS(rump_sys_sendmmsg(sv[0], NULL, 2, 0), EFAULT);
	FAILS(rump_sys_recvmmsg(sv[1], NULL, 2, MSG_DONTWAIT, NULL), EFAULT);
	FAILS(rump_sys_sendmmsg(sv[0], v, 2, (int)0x80000000), EINVAL);
	/* A bad second message: the first one counts. */
	iov[1].iov_base = BADPTR;
	RETURNS(rump_sys_sendmmsg(sv[0], v, 2, 0), 1);
	cr_assert_eq(v[0].msg_len, 8);
	cr_assert_eq(v[1].msg_len, 0xdead);
	/* A bad first one: its error. */
	iov[0].iov_base = BADPTR;
	FAILS(rump_sys_sendmmsg(sv[0], v, 2, 0), EFAULT);
	/* Not connected. */
	int s = rump_sys_socket(AF_UNIX, SOCK_DGRAM, 0);
	setup(v, iov, buf, 2, 8);
	FAILS(rump_sys_sendmmsg(s, v, 2, 0), ENOTCONN);
	/* The msg_len slot itself unwritable: EFAULT after the send. */
	struct mmsghdr *ro = (struct mmsghdr *)BADPTR;
	FAILS(rump_sys_sendmmsg(sv[0], ro, 1, 0), EFAULT);
	rump_sys_close(s);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* A full send buffer stops the batch: what went is counted. */
Test(mmsg, send_partial_when_full)
{
	struct mmsghdr v[6];
	struct iovec iov[6];
	static char big[6][2000];
	int sv[2], sz = 2304;

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
				    sizeof(sz)),
		0);
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 6; i++) {
		iov[i].iov_base = big[i];
		iov[i].iov_len = sizeof(big[i]);
		v[i].msg_hdr.msg_iov = &iov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	long n = rump_sys_sendmmsg(sv[0], v, 6, MSG_DONTWAIT);
	cr_assert(n >= 1 && n < 6, "sent %ld", n);
	for (long i = 0; i < n; i++)
		cr_assert_eq(v[i].msg_len, 2000);
	/* No room at all: the error itself. */
	FAILS(rump_sys_sendmmsg(sv[0], v, 6, MSG_DONTWAIT), EAGAIN);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* vlen above UIO_MAXIOV is cut to 1024, not refused. */
Test(mmsg, vlen_capped)
{
	enum { N = 1500 };
	struct mmsghdr *v = calloc(N, sizeof(*v));
	struct iovec iov = { .iov_base = "q", .iov_len = 1 };
	char rb[N];
	struct iovec *riov = calloc(N, sizeof(*riov));
	int sv[2], sz = 1 << 20;

	pair(SOCK_DGRAM, sv);
	RETURNS(rump_sys_setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz,
				    sizeof(sz)),
		0);
	for (int i = 0; i < N; i++) {
		v[i].msg_hdr.msg_iov = &iov;
		v[i].msg_hdr.msg_iovlen = 1;
	}
	RETURNS(rump_sys_sendmmsg(sv[0], v, N, MSG_DONTWAIT), 1024);
	memset(v, 0, sizeof(*v) * N);
	for (int i = 0; i < N; i++) {
		riov[i].iov_base = &rb[i];
		riov[i].iov_len = 1;
		v[i].msg_hdr.msg_iov = &riov[i];
		v[i].msg_hdr.msg_iovlen = 1;
	}
	RETURNS(rump_sys_recvmmsg(sv[1], v, N, MSG_DONTWAIT, NULL), 1024);
	cr_assert_eq(v[1023].msg_len, 1);
	cr_assert_eq(rb[1023], 'q');
	FAILS(rump_sys_recvmmsg(sv[1], v, N, MSG_DONTWAIT, NULL), EAGAIN);
	free(v);
	free(riov);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(mmsg, recv_batch_and_flags)
{
	struct mmsghdr v[4];
	struct iovec iov[4];
	char buf[4][64];
	int sv[2];

	pair(SOCK_SEQPACKET, sv);
	RETURNS(rump_sys_send(sv[0], "one", 3, 0), 3);
	RETURNS(rump_sys_send(sv[0], "twotwo", 6, 0), 6);
	RETURNS(rump_sys_send(sv[0], "0123456789", 10, 0), 10);
	setup(v, iov, buf, 4, 64);
	iov[2].iov_len = 4; /* the third is truncated */
	RETURNS(rump_sys_recvmmsg(sv[1], v, 4, MSG_DONTWAIT, NULL), 3);
	cr_assert_eq(v[0].msg_len, 3);
	cr_assert_eq(v[1].msg_len, 6);
	cr_assert_eq(v[2].msg_len, 4);
	cr_assert(v[2].msg_hdr.msg_flags & MSG_TRUNC);
	cr_assert_not(v[0].msg_hdr.msg_flags & MSG_TRUNC);
	cr_assert_eq(v[3].msg_len, 0xdead);
	cr_assert_eq(memcmp(buf[1], "twotwo", 6), 0);
	/* Nothing left: EAGAIN itself, and not kept as a socket error. */
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, MSG_DONTWAIT, NULL), EAGAIN);
	int err = -1;
	socklen_t el = sizeof(err);
	RETURNS(rump_sys_getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	cr_assert_eq(err, 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(mmsg, recv_stream_lengths)
{
	struct mmsghdr v[2];
	struct iovec iov[2];
	char buf[2][64];
	int sv[2];

	pair(SOCK_STREAM, sv);
	RETURNS(rump_sys_write(sv[0], "abcdefghij", 10), 10);
	setup(v, iov, buf, 2, 4);
	/* A stream fills each message's buffer in turn. */
	RETURNS(rump_sys_recvmmsg(sv[1], v, 2, MSG_DONTWAIT, NULL), 2);
	cr_assert_eq(v[0].msg_len, 4);
	cr_assert_eq(v[1].msg_len, 4);
	cr_assert_eq(memcmp(buf[1], "efgh", 4), 0);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

struct late {
	int fd;
	int n;
};

static void *
late_sender(void *a)
{
	struct late *lt = a;
	struct timespec d = { 0, 30 * 1000 * 1000 };

	nanosleep(&d, NULL); /* in the test's process: same descriptors */
	for (int i = 0; i < lt->n; i++)
		cr_assert_eq(rump_sys_send(lt->fd, "m", 1, 0), 1);
	return NULL;
}

/* MSG_WAITFORONE: wait for the first, then take what is there. */
Test(mmsg, waitforone)
{
	struct mmsghdr v[8];
	struct iovec iov[8];
	char buf[8][64];
	int sv[2];

	pair(SOCK_DGRAM, sv);
	setup(v, iov, buf, 8, 64);
	RETURNS(rump_sys_send(sv[0], "x", 1, 0), 1);
	RETURNS(rump_sys_send(sv[0], "y", 1, 0), 1);
	RETURNS(rump_sys_recvmmsg(sv[1], v, 8, MSG_WAITFORONE, NULL), 2);
	cr_assert_eq(buf[1][0], 'y');
	/* Empty: it blocks for the first (a sender comes later). */
	struct late lt = { .fd = sv[0], .n = 1 };
	pthread_t t = spawn(late_sender, &lt);
	RETURNS(rump_sys_recvmmsg(sv[1], v, 8, MSG_WAITFORONE, NULL), 1);
	join(t);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(mmsg, recv_timeout)
{
	struct mmsghdr v[4];
	struct iovec iov[4];
	char buf[4][64];
	struct timespec ts;
	int sv[2], p[2];

	pair(SOCK_DGRAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	setup(v, iov, buf, 4, 64);
	/* Bad timeouts, before the descriptor is looked at. */
	ts = (struct timespec){ 0, 1000000000L };
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, 0, &ts), EINVAL);
	FAILS(rump_sys_recvmmsg(-1, v, 4, 0, &ts), EINVAL);
	ts = (struct timespec){ -1, 0 };
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, 0, &ts), EINVAL);
	ts = (struct timespec){ 0, -1 };
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, 0, &ts), EINVAL);
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, 0, BADPTR), EFAULT);
	ts = (struct timespec){ 1, 0 };
	FAILS(rump_sys_recvmmsg(-1, v, 4, 0, &ts), EBADF);
	FAILS(rump_sys_recvmmsg(p[0], v, 4, 0, &ts), ENOTSOCK);
	FAILS(rump_sys_recvmmsg(sv[1], v, 4, (int)0x80000000, &ts), EINVAL);
	/* Zero timeout: the first message, then the time is up. */
	for (int i = 0; i < 3; i++)
		RETURNS(rump_sys_send(sv[0], "z", 1, 0), 1);
	ts = (struct timespec){ 0, 0 };
	RETURNS(rump_sys_recvmmsg(sv[1], v, 4, 0, &ts), 1);
	cr_assert_eq(ts.tv_sec, 0);
	cr_assert_eq(ts.tv_nsec, 0);
	/* A long one: all that fit, and the time left written back. */
	ts = (struct timespec){ 5, 0 };
	RETURNS(rump_sys_recvmmsg(sv[1], v, 2, 0, &ts), 2);
	cr_assert(ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0) ||
		  ts.tv_sec < 5);
	cr_assert(ts.tv_sec >= 0 && ts.tv_nsec >= 0 &&
		  ts.tv_nsec < 1000000000L);
	cr_assert(ts.tv_sec > 0 || ts.tv_nsec > 0);
	/* Nonblocking and empty: the error, timeout untouched. */
	ts = (struct timespec){ 7, 7 };
	FAILS(rump_sys_recvmmsg(sv[1], v, 2, MSG_DONTWAIT, &ts), EAGAIN);
	cr_assert_eq(ts.tv_sec, 7);
	cr_assert_eq(ts.tv_nsec, 7);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* An error after some messages is kept for the next call. */
Test(mmsg, recv_error_after_some)
{
	struct mmsghdr v[2];
	struct iovec iov[2];
	char buf[2][64];
	int sv[2], err;
	socklen_t el = sizeof(err);

	pair(SOCK_DGRAM, sv);
	setup(v, iov, buf, 2, 64);
	iov[1].iov_base = BADPTR;
	RETURNS(rump_sys_send(sv[0], "a", 1, 0), 1);
	RETURNS(rump_sys_send(sv[0], "b", 1, 0), 1);
	RETURNS(rump_sys_recvmmsg(sv[1], v, 2, MSG_DONTWAIT, NULL), 1);
	/* The next call reports it first, then it is gone. */
	iov[1].iov_base = buf[1];
	FAILS(rump_sys_recvmmsg(sv[1], v, 2, MSG_DONTWAIT, NULL), EFAULT);
	RETURNS(rump_sys_getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &err, &el), 0);
	cr_assert_eq(err, 0);
	/* As Linux: the datagram whose copy-out faulted is gone. */
	FAILS(rump_sys_recvmmsg(sv[1], v, 2, MSG_DONTWAIT, NULL), EAGAIN);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

/* Descriptors travel in a batch, each message with its own. */
Test(mmsg, rights_in_batch)
{
	struct mmsghdr v[2];
	struct iovec iov[2];
	char buf[2][64];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c[2];
	int sv[2], p[2];

	pair(SOCK_DGRAM, sv);
	cr_assert_eq(rump_sys_pipe(p), 0);
	setup(v, iov, buf, 2, 1);
	for (int i = 0; i < 2; i++) {
		struct cmsghdr *cm = (struct cmsghdr *)c[i].b;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cm), &p[i], sizeof(int));
		v[i].msg_hdr.msg_control = c[i].b;
		v[i].msg_hdr.msg_controllen = sizeof(c[i].b);
	}
	RETURNS(rump_sys_sendmmsg(sv[0], v, 2, 0), 2);
	memset(c, 0, sizeof(c));
	setup(v, iov, buf, 2, 64);
	for (int i = 0; i < 2; i++) {
		v[i].msg_hdr.msg_control = c[i].b;
		v[i].msg_hdr.msg_controllen = sizeof(c[i].b);
	}
	RETURNS(rump_sys_recvmmsg(sv[1], v, 2, 0, NULL), 2);
	int fds[2];
	for (int i = 0; i < 2; i++) {
		struct cmsghdr *cm = (struct cmsghdr *)c[i].b;
		cr_assert_eq(cm->cmsg_type, SCM_RIGHTS);
		memcpy(&fds[i], CMSG_DATA(cm), sizeof(int));
	}
	/* The second received is the pipe's write end. */
	RETURNS(rump_sys_write(fds[1], "w", 1), 1);
	char ch;
	RETURNS(rump_sys_read(fds[0], &ch, 1), 1);
	cr_assert_eq(ch, 'w');
	for (int i = 0; i < 2; i++) {
		rump_sys_close(fds[i]);
		rump_sys_close(p[i]);
		rump_sys_close(sv[i]);
	}
}
