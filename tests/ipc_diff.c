/*
 * ipc_diff.c: a randomized differential test of IPC against the host.
 * The same random operations run in a rump process and in the host
 * process: pipes, FIFOs, AF_UNIX sockets of the three types (socketpair,
 * and bind/listen/connect/accept on paths and abstract names), the data
 * calls with their flags, descriptor and credential passing, shutdown,
 * dup, fcntl, ioctl, socket names and options, poll/ppoll/select, epoll
 * and eventfd.  Every result, errno, byte read and what arrived with it
 * must match.
 *
 * Each side keeps a table of descriptor slots.  Descriptor numbers are
 * compared too: the rump process is padded so that its first free
 * number is the host's, and both allocate the lowest free one.
 *
 * Every descriptor is non-blocking, so no call can wait.  Buffer
 * capacities are the kernels' own accounting (Linux charges pages to a
 * pipe and skb truesize to a socket; rumpkit counts bytes and a fixed
 * overhead per message), so instead of comparing them the test keeps
 * what is in flight far below both: writes of at most MAXIO bytes, and
 * every DRAIN_EVERY operations all slots are drained (compared as well).
 * A DGRAM receiver's queue length limit (10) is the same on both and is
 * compared.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "host_dir.h"
#include "ipc_util.h"

TestSuite(ipc_diff, .init = ipc_boot, .timeout = 120);

#define NSLOT 8
#define NNAME 8 /* 0..3: paths in the side's directory; 4..7: abstract */
#define MAXIO 512
#define DRAIN_EVERY 24
#define NKINDS 37 /* kinds of operation in do_op */

struct side {
	bool rump;
	unsigned seed;
	char dir[64]; /* the side's directory for socket and FIFO paths */
	char abs[64]; /* prefix of the side's abstract names */
	int fd[NSLOT];
	int ep; /* the side's epoll */
	long pid, uid, gid;
};

/* fn on the side's kernel: rump_sys_fn or the host's fn. */
#define CALL(s, fn, ...)                                                       \
	((s)->rump ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

/* What an operation did, as text to compare with the other side's. */
struct out {
	char buf[4096];
	size_t n;
};

static void __attribute__((format(printf, 2, 3)))
outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->n >= sizeof(o->buf) - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->buf + o->n, sizeof(o->buf) - o->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n += (size_t)k;
	if (o->n > sizeof(o->buf) - 1)
		o->n = sizeof(o->buf) - 1;
}

/* A call's result: descriptors and counts are compared as they are. */
static void
res_e(struct out *o, long r, int e)
{
	outf(o, " %ld/%d", r < 0 ? -1L : r, r < 0 ? e : 0);
}

/* A call's result, with errno as the call left it (so `r' must be the
 * call itself or its value, with no call in between). */
static void
res(struct out *o, long r)
{
	res_e(o, r, errno);
}

static uint32_t
hash(const unsigned char *p, long n)
{
	uint32_t h = 2166136261u;

	for (long i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The bytes an operation writes: the same on both sides. */
static void
pattern(unsigned char *p, size_t n, unsigned seed, int opi)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 7 + (unsigned)opi * 13 + i);
}

static const size_t iosizes[] = { 0, 1, 8, 17, 100, 256, MAXIO };
#define NIOSIZES (sizeof(iosizes) / sizeof(iosizes[0]))

/* ---- the descriptor table --------------------------------------------- */

static void
s_close(struct side *s, int fd)
{
	if (fd >= 0)
		CALL(s, close, fd);
}

/* Put `fd' into `slot', closing what was there. */
static void
put_fd(struct side *s, int slot, int fd)
{
	s_close(s, s->fd[slot]);
	s->fd[slot] = fd;
}

/* The descriptor of slot i; NSLOT stands for the side's epoll. */
static int
slot_fd(struct side *s, unsigned i)
{
	i %= NSLOT + 1;
	return i == NSLOT ? s->ep : s->fd[i];
}

/* ---- names -------------------------------------------------------------- */

static void
name_path(struct side *s, unsigned n, char *p, size_t len)
{
	snprintf(p, len, "%s/n%u", s->dir, n % (NNAME / 2));
}

/* Socket name n of the side into *sun; returns its length.  Paths are
 * given with and without the trailing NUL counted, which Linux
 * accepts alike. */
static socklen_t
mkname(struct side *s, unsigned n, unsigned how, struct sockaddr_un *sun)
{
	size_t base = offsetof(struct sockaddr_un, sun_path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n %= NNAME;
	if (n < NNAME / 2) {
		name_path(s, n, sun->sun_path, sizeof(sun->sun_path));
		return (socklen_t)(how & 1 ? sizeof(*sun)
					   : base + strlen(sun->sun_path) + 1);
	}
	snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "%s.%u", s->abs,
		 n);
	return (socklen_t)(base + 1 + strlen(sun->sun_path + 1));
}

/* A socket address as the side-independent part: the name within the
 * side's directory or abstract prefix, and the length minus the
 * prefix's. */
static void
put_addr(struct out *o, struct side *s, const struct sockaddr_un *sun,
	 socklen_t len)
{
	size_t base = offsetof(struct sockaddr_un, sun_path), pl;
	const char *nm = sun->sun_path;

	if (len <= base) {
		outf(o, " addr(%u)", (unsigned)len);
		return;
	}
	if (nm[0] == '\0') {
		pl = strlen(s->abs);
		nm++;
		/* An autobind name is the kernel's own choice: only that
		 * there is one, and its length, are compared. */
		if (len >= base + 1 + pl && memcmp(nm, s->abs, pl) == 0)
			outf(o, " @%.*s(%ld)", (int)(len - base - 1 - pl),
			     nm + pl, (long)(len - base - pl));
		else
			outf(o, " auto(%u)", (unsigned)len);
		return;
	}
	pl = strlen(s->dir);
	if (strncmp(nm, s->dir, pl) == 0)
		outf(o, " %.*s(%ld)",
		     (int)strnlen(nm + pl, sizeof(sun->sun_path) - pl), nm + pl,
		     (long)(len - pl));
	else
		outf(o, " ?%.20s(%u)", nm, (unsigned)len);
}

/* ---- operations ------------------------------------------------------- */

static const int socktypes[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

static const int sendflags[] = {
	MSG_NOSIGNAL,
	MSG_NOSIGNAL | MSG_DONTWAIT,
	MSG_NOSIGNAL | MSG_EOR,
};

/* MSG_WAITALL only on non-blocking descriptors, where it cannot wait. */
static const int recvflags[] = {
	0,
	MSG_PEEK,
	MSG_TRUNC,
	MSG_DONTWAIT,
	MSG_WAITALL,
	MSG_PEEK | MSG_TRUNC,
	MSG_TRUNC | MSG_WAITALL,
	MSG_PEEK | MSG_DONTWAIT,
};

#define PICK(arr, i) (arr)[(i) % (sizeof(arr) / sizeof((arr)[0]))]

static void
op_pipe(struct side *s, unsigned b, int slot, int slot2, struct out *o)
{
	int p[2];
	long r = CALL(s, pipe2, p, O_NONBLOCK | (b & 1 ? O_CLOEXEC : 0));

	res(o, r);
	if (r == 0) {
		outf(o, " %d %d", p[0], p[1]);
		put_fd(s, slot, p[0]);
		put_fd(s, slot2, p[1]);
	}
}

static void
op_socketpair(struct side *s, unsigned b, int slot, int slot2, struct out *o)
{
	int sv[2];
	int type =
		PICK(socktypes, b) | SOCK_NONBLOCK | (b & 4 ? SOCK_CLOEXEC : 0);
	long r = CALL(s, socketpair, AF_UNIX, type, 0, sv);

	res(o, r);
	if (r == 0) {
		outf(o, " %d %d", sv[0], sv[1]);
		put_fd(s, slot, sv[0]);
		put_fd(s, slot2, sv[1]);
	}
}

static void
op_socket(struct side *s, unsigned b, int slot, struct out *o)
{
	long r =
		CALL(s, socket, AF_UNIX, PICK(socktypes, b) | SOCK_NONBLOCK, 0);

	res(o, r);
	if (r >= 0)
		put_fd(s, slot, (int)r);
}

static void
op_bind(struct side *s, unsigned a, unsigned b, int fd, struct out *o)
{
	struct sockaddr_un sun;
	socklen_t len = mkname(s, b, a, &sun);

	res(o, CALL(s, bind, fd, (struct sockaddr *)&sun, len));
}

static void
op_connect(struct side *s, unsigned a, unsigned b, int fd, struct out *o)
{
	struct sockaddr_un sun;
	socklen_t len = mkname(s, b, a, &sun);

	/* AF_UNSPEC dissolves a DGRAM socket's association. */
	if (a % 8 == 7) {
		sun.sun_family = AF_UNSPEC;
		len = sizeof(sa_family_t);
	}
	res(o, CALL(s, connect, fd, (struct sockaddr *)&sun, len));
}

static void
op_accept(struct side *s, unsigned b, int fd, int slot2, struct out *o)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	long r = CALL(s, accept4, fd, (struct sockaddr *)&sun, &len,
		      SOCK_NONBLOCK | (b & 1 ? SOCK_CLOEXEC : 0));

	res(o, r);
	if (r >= 0) {
		put_addr(o, s, &sun, len);
		put_fd(s, slot2, (int)r);
	}
}

/* The size of a read or write: 0 too (it reaches the file, which may
 * refuse it: a socket without its peer, an eventfd). */
static size_t
rwsize(unsigned b)
{
	return PICK(iosizes, b);
}

static void
op_write(struct side *s, unsigned b, int fd, int opi, struct out *o)
{
	unsigned char buf[MAXIO];
	size_t n = rwsize(b);

	pattern(buf, n, s->seed, opi);
	res(o, CALL(s, write, fd, buf, n));
}

/* The result of a read of `r' bytes into buf, and a hash of them. */
static void
put_read(struct out *o, long r, int e, const unsigned char *buf, size_t cap)
{
	res_e(o, r, e);
	if (r > 0)
		outf(o, " #%08x", hash(buf, r < (long)cap ? r : (long)cap));
}

static void
op_read(struct side *s, unsigned b, int fd, struct out *o)
{
	unsigned char buf[MAXIO * 4];
	size_t n = b % 5 == 4 ? sizeof(buf) : rwsize(b);
	long r = CALL(s, read, fd, buf, n);

	put_read(o, r, errno, buf, n);
}

static void
op_send(struct side *s, unsigned a, unsigned b, int fd, int opi, struct out *o)
{
	unsigned char buf[MAXIO];
	size_t n = PICK(iosizes, b);

	pattern(buf, n, s->seed, opi);
	res(o, CALL(s, send, fd, buf, n, PICK(sendflags, a)));
}

static void
op_recv(struct side *s, unsigned a, unsigned b, int fd, struct out *o)
{
	unsigned char buf[MAXIO * 4];
	size_t n = b % 5 == 4 ? sizeof(buf) : PICK(iosizes, b);
	long r = CALL(s, recv, fd, buf, n, PICK(recvflags, a));

	put_read(o, r, errno, buf, n);
}

static void
op_sendto(struct side *s, unsigned a, unsigned b, int fd, int opi,
	  struct out *o)
{
	unsigned char buf[MAXIO];
	struct sockaddr_un sun;
	socklen_t len = mkname(s, a, a >> 3, &sun);
	size_t n = PICK(iosizes, b);
	bool noaddr = (a >> 4) % 4 == 0;

	pattern(buf, n, s->seed, opi);
	res(o, CALL(s, sendto, fd, buf, n, MSG_NOSIGNAL,
		    noaddr ? NULL : (struct sockaddr *)&sun, noaddr ? 0 : len));
}

static void
op_recvfrom(struct side *s, unsigned a, unsigned b, int fd, struct out *o)
{
	unsigned char buf[MAXIO * 4];
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	size_t n = b % 5 == 4 ? sizeof(buf) : PICK(iosizes, b);
	long r = CALL(s, recvfrom, fd, buf, n, PICK(recvflags, a),
		      (struct sockaddr *)&sun, &len);

	put_read(o, r, errno, buf, n);
	if (r >= 0)
		put_addr(o, s, &sun, len);
}

/* The file type of a descriptor (1: none). */
static unsigned
fd_type(struct side *s, int fd)
{
	struct stat st;

	if (CALL(s, fstat, fd, &st) != 0)
		return 1;
	return st.st_mode & S_IFMT;
}

/*
 * Left out: AF_UNIX sockets in flight.  A socket closed while its file
 * sits in some queue is garbage once nothing else reaches it; rumpkit
 * collects it when it is closed, Linux in a work item that runs later
 * (after some other socket's release), so for a while the host still
 * delivers to it what rumpkit refuses (ECONNREFUSED).  The timing is the
 * host's own, so a socket to pass is replaced by the side's epoll.
 * tests/unix.c covers passing sockets and the collector.
 */
static int
passable(struct side *s, int fd)
{
	return fd >= 0 && fd_type(s, fd) == S_IFSOCK ? s->ep : fd;
}

/* sendmsg with 0-2 descriptors of the table (SCM_RIGHTS) and perhaps
 * the side's own credentials (SCM_CREDENTIALS). */
static void
op_sendmsg(struct side *s, unsigned a, unsigned b, unsigned c, int fd, int opi,
	   struct out *o)
{
	unsigned char buf[MAXIO];
	union {
		char c[CMSG_SPACE(2 * sizeof(int)) +
		       CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, PICK(iosizes, b) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	unsigned nfd = a % 3;
	bool cred = (a / 3) % 2;

	pattern(buf, iov.iov_len, s->seed, opi);
	memset(&ctl, 0, sizeof(ctl));
	m.msg_control = ctl.c;
	m.msg_controllen = (nfd ? CMSG_SPACE(nfd * sizeof(int)) : 0) +
			   (cred ? CMSG_SPACE(sizeof(struct ucred)) : 0);
	cm = m.msg_controllen ? CMSG_FIRSTHDR(&m) : NULL;
	if (nfd) {
		int *fds = (int *)CMSG_DATA(cm);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfd * sizeof(int));
		for (unsigned k = 0; k < nfd; k++)
			fds[k] = passable(s, slot_fd(s, c + k + 1));
		cm = CMSG_NXTHDR(&m, cm);
	}
	if (cred) {
		struct ucred uc = { (pid_t)s->pid, (uid_t)s->uid,
				    (gid_t)s->gid };

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_CREDENTIALS;
		cm->cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(cm), &uc, sizeof(uc));
	}
	if (m.msg_controllen == 0)
		m.msg_control = NULL;
	res(o, CALL(s, sendmsg, fd, &m, PICK(sendflags, a >> 2)));
}

/* Report the control messages of a received message; descriptors that
 * arrived go into slots from `slot' on. */
static void
put_cmsgs(struct side *s, struct msghdr *m, int slot, struct out *o)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm != NULL;
	     cm = CMSG_NXTHDR(m, cm)) {
		size_t dlen = cm->cmsg_len - CMSG_LEN(0);

		outf(o, " cm(%d,%d,%zu)", cm->cmsg_level, cm->cmsg_type, dlen);
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			int fds[8];
			size_t nfd = dlen / sizeof(int);

			nfd = nfd > 8 ? 8 : nfd;
			memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
			for (size_t k = 0; k < nfd; k++) {
				outf(o, " t%o", fd_type(s, fds[k]));
				put_fd(s, (slot + (int)k) % NSLOT, fds[k]);
			}
		} else if (cm->cmsg_level == SOL_SOCKET &&
			   cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			outf(o, " cred(%d,%d,%d)", uc.pid == s->pid,
			     uc.uid == s->uid, uc.gid == s->gid);
		}
	}
}

/* Close the descriptors a message brought. */
static void
close_rights(struct side *s, struct msghdr *m)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm != NULL;
	     cm = CMSG_NXTHDR(m, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			for (size_t k = 0;
			     k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			     k++)
				s_close(s, ((int *)CMSG_DATA(cm))[k]);
}

static const size_t ctlsizes[] = {
	0,
	CMSG_SPACE(sizeof(int)),
	CMSG_SPACE(2 * sizeof(int)),
	CMSG_SPACE(sizeof(struct ucred)),
	256,
};

static void
op_recvmsg(struct side *s, unsigned a, unsigned b, unsigned c, int fd,
	   struct out *o)
{
	unsigned char buf[MAXIO * 4];
	union {
		char c[256];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_un sun;
	struct iovec iov = { buf, b % 5 == 4 ? sizeof(buf) : PICK(iosizes, b) };
	struct msghdr m = {
		.msg_name = &sun,
		.msg_namelen = sizeof(sun),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.c,
		.msg_controllen = PICK(ctlsizes, b >> 3),
	};
	int fl = PICK(recvflags, a) | (a & 8 ? MSG_CMSG_CLOEXEC : 0);
	long r;

	memset(&ctl, 0, sizeof(ctl));
	r = CALL(s, recvmsg, fd, &m, fl);
	put_read(o, r, errno, buf, iov.iov_len);
	if (r < 0)
		return;
	outf(o, " fl %x", m.msg_flags);
	put_addr(o, s, &sun, m.msg_namelen);
	if (m.msg_controllen > 0)
		put_cmsgs(s, &m, (int)(c % NSLOT), o);
}

static void
op_shutdown(struct side *s, unsigned b, int fd, struct out *o)
{
	res(o, CALL(s, shutdown, fd, (int)(b % 4)));
}

static void
op_dup(struct side *s, unsigned b, int fd, int slot2, struct out *o)
{
	long r = b & 1 ? CALL(s, dup, fd)
		       : CALL(s, fcntl, fd, F_DUPFD_CLOEXEC, 0);

	res(o, r);
	if (r >= 0)
		put_fd(s, slot2, (int)r);
}

static void
op_fionread(struct side *s, int fd, struct out *o)
{
	int n = -1;
	long r = CALL(s, ioctl, fd, FIONREAD, &n);

	res(o, r);
	if (r == 0)
		outf(o, " n %d", n);
}

/* F_SETFL keeps O_NONBLOCK: nothing may block. */
static void
op_fcntl(struct side *s, unsigned b, int fd, struct out *o)
{
	long r;

	if (b & 1)
		r = CALL(s, fcntl, fd, F_SETFL,
			 O_NONBLOCK | (b & 2 ? O_APPEND : 0));
	else
		r = CALL(s, fcntl, fd, F_GETFL);
	res(o, r);
}

static void
op_sockname(struct side *s, unsigned b, int fd, bool peer, struct out *o)
{
	struct sockaddr_un sun;
	socklen_t len = b & 1 ? sizeof(sun) : 0;
	long r = peer ? CALL(s, getpeername, fd, (struct sockaddr *)&sun, &len)
		      : CALL(s, getsockname, fd, (struct sockaddr *)&sun, &len);

	res(o, r);
	if (r == 0 && b & 1)
		put_addr(o, s, &sun, len);
	/* With no room the length alone comes back: it depends on the
	 * side's prefix, so it is not compared. */
}

/* SO_SNDBUF and SO_RCVBUF are the kernels' own (Linux doubles what is
 * set): only that the call works is compared. */
static void
op_getsockopt(struct side *s, unsigned b, int fd, struct out *o)
{
	static const int opts[] = { SO_TYPE,     SO_ERROR,     SO_ACCEPTCONN,
				    SO_PASSCRED, SO_DOMAIN,    SO_PROTOCOL,
				    SO_SNDBUF,   SO_RCVBUF,    SO_KEEPALIVE,
				    SO_RCVLOWAT, SO_PRIORITY,  SO_LINGER,
				    SO_SNDLOWAT, SO_REUSEPORT, SO_PEEK_OFF };
	int opt = PICK(opts, b), v = -1;
	socklen_t len = sizeof(v);
	long r = CALL(s, getsockopt, fd, SOL_SOCKET, opt, &v, &len);

	res(o, r);
	if (r == 0 && opt != SO_SNDBUF && opt != SO_RCVBUF)
		outf(o, " v %d len %u", v, (unsigned)len);
}

/* setsockopt: mostly SO_PASSCRED (it changes what arrives and who is
 * autobound), sometimes SO_PEEK_OFF (-1 to 3), sometimes a generic
 * option. */
static void
op_setopt(struct side *s, unsigned b, int fd, struct out *o)
{
	static const int opts[] = { SO_KEEPALIVE, SO_RCVLOWAT, SO_PRIORITY,
				    SO_REUSEPORT, SO_SNDLOWAT, SO_REUSEADDR };
	int v = (int)(b & 1), opt = SO_PASSCRED;

	if ((b >> 1) % 4 == 0) {
		opt = PICK(opts, b >> 3);
	} else if ((b >> 1) % 4 == 1) {
		opt = SO_PEEK_OFF;
		v = (int)((b >> 3) % 5) - 1;
	}
	res(o, CALL(s, setsockopt, fd, SOL_SOCKET, opt, &v, sizeof(v)));
}

static const short pollev[] = {
	POLLIN,
	POLLOUT,
	POLLIN | POLLOUT | POLLRDHUP | POLLPRI,
	0,
};

/* poll or ppoll with a zero timeout on 1-3 slots. */
static void
op_poll(struct side *s, unsigned a, unsigned b, unsigned c, struct out *o)
{
	struct pollfd p[3];
	struct timespec zero = { 0, 0 };
	nfds_t n = 1 + a % 3;
	long r;

	for (nfds_t k = 0; k < n; k++) {
		p[k].fd = s->fd[(c + k * 3) % NSLOT];
		p[k].events = PICK(pollev, b >> (2 * k));
		p[k].revents = -1;
	}
	r = a & 4 ? CALL(s, ppoll, p, n, &zero, NULL) : CALL(s, poll, p, n, 0);
	res(o, r);
	for (nfds_t k = 0; k < n; k++)
		outf(o, " %x", (unsigned short)p[k].revents);
}

/* select with a zero timeout on the slots that hold a descriptor. */
static void
op_select(struct side *s, unsigned b, struct out *o)
{
	fd_set rd, wr, ex;
	struct timeval zero = { 0, 0 };
	int nfds = 0;
	long r;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_ZERO(&ex);
	for (int k = 0; k < NSLOT; k++) {
		int fd = s->fd[k];

		if (fd < 0)
			continue;
		if (b >> k & 1)
			FD_SET(fd, &rd);
		if (b >> (k + 1) & 1)
			FD_SET(fd, &wr);
		if (b >> (k + 2) & 3)
			FD_SET(fd, &ex);
		nfds = fd + 1 > nfds ? fd + 1 : nfds;
	}
	r = CALL(s, select, nfds, &rd, &wr, &ex, &zero);
	res(o, r);
	for (int k = 0; r > 0 && k < NSLOT; k++) {
		int fd = s->fd[k];

		if (fd >= 0)
			outf(o, " %d%d%d", FD_ISSET(fd, &rd) != 0,
			     FD_ISSET(fd, &wr) != 0, FD_ISSET(fd, &ex) != 0);
	}
}

static void
op_epoll_ctl(struct side *s, unsigned a, unsigned b, unsigned c, struct out *o)
{
	static const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD,
				   EPOLL_CTL_DEL };
	static const unsigned evs[] = {
		EPOLLIN,
		EPOLLOUT,
		EPOLLIN | EPOLLOUT | EPOLLRDHUP,
		EPOLLIN | EPOLLET,
		EPOLLIN | EPOLLOUT | EPOLLONESHOT,
		EPOLLPRI | EPOLLHUP,
	};
	int fd = slot_fd(s, c);
	struct epoll_event ev = { PICK(evs, b), { .u64 = (uint64_t)fd } };

	res(o, CALL(s, epoll_ctl, s->ep, PICK(ops, a), fd, &ev));
}

static int
cmp_event(const void *x, const void *y)
{
	const struct epoll_event *p = x, *q = y;

	if (p->data.u64 != q->data.u64)
		return p->data.u64 < q->data.u64 ? -1 : 1;
	return (p->events > q->events) - (p->events < q->events);
}

/* epoll_wait with a zero timeout: the events as a set (the ready list's
 * order is the kernel's own). */
static void
op_epoll_wait(struct side *s, struct out *o)
{
	struct epoll_event ev[NSLOT * 2 + 2];
	long r = CALL(s, epoll_wait, s->ep, ev, (int)(NSLOT * 2 + 2), 0);

	res(o, r);
	if (r <= 0)
		return;
	qsort(ev, (size_t)r, sizeof(ev[0]), cmp_event);
	for (long k = 0; k < r; k++)
		outf(o, " %d:%x", (int)ev[k].data.u64, ev[k].events);
}

static void
op_eventfd(struct side *s, unsigned a, unsigned b, int slot, struct out *o)
{
	long r = CALL(s, eventfd, a % 4,
		      EFD_NONBLOCK | (b & 1 ? EFD_SEMAPHORE : 0) |
			      (b & 2 ? EFD_CLOEXEC : 0));

	res(o, r);
	if (r >= 0)
		put_fd(s, slot, (int)r);
}

/* An 8-byte write of a counter value (an eventfd's add). */
static void
op_write_u64(struct side *s, unsigned b, int fd, struct out *o)
{
	static const uint64_t vals[] = {
		0, 1, 2, 3, UINT64_MAX - 1, UINT64_MAX
	};
	uint64_t v = PICK(vals, b);

	res(o, CALL(s, write, fd, &v, sizeof(v)));
}

static void
op_sendmmsg(struct side *s, unsigned a, unsigned b, int fd, int opi,
	    struct out *o)
{
	unsigned char buf[3][MAXIO];
	struct iovec iov[3];
	struct mmsghdr mm[3];
	unsigned n = 1 + a % 3;
	long r;

	memset(mm, 0, sizeof(mm));
	for (unsigned k = 0; k < n; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = PICK(iosizes, b + k);
		pattern(buf[k], iov[k].iov_len, s->seed, opi + (int)k);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	r = CALL(s, sendmmsg, fd, mm, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	res(o, r);
	for (long k = 0; k < r; k++)
		outf(o, " %u", mm[k].msg_len);
}

static void
op_recvmmsg(struct side *s, unsigned a, unsigned b, int fd, struct out *o)
{
	unsigned char buf[3][MAXIO];
	struct iovec iov[3];
	struct mmsghdr mm[3];
	unsigned n = 1 + a % 3;
	long r;

	memset(mm, 0, sizeof(mm));
	for (unsigned k = 0; k < n; k++) {
		iov[k].iov_base = buf[k];
		iov[k].iov_len = PICK(iosizes, b + k + 1);
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	r = CALL(s, recvmmsg, fd, mm, n,
		 MSG_DONTWAIT | (a & 4 ? MSG_WAITFORONE : 0) |
			 (a & 8 ? MSG_TRUNC : 0),
		 NULL);
	res(o, r);
	for (long k = 0; k < r; k++)
		outf(o, " %u/%x#%08x", mm[k].msg_len, mm[k].msg_hdr.msg_flags,
		     hash(buf[k], mm[k].msg_len < iov[k].iov_len
					  ? mm[k].msg_len
					  : (long)iov[k].iov_len));
}

static void
op_fstat(struct side *s, int fd, struct out *o)
{
	struct stat st;
	long r = CALL(s, fstat, fd, &st);

	res(o, r);
	if (r == 0)
		outf(o, " mode %o", st.st_mode);
}

static void
op_mkfifo(struct side *s, unsigned b, struct out *o)
{
	char p[128];

	name_path(s, b, p, sizeof(p));
	res(o, CALL(s, mknod, p, S_IFIFO | 0600, 0));
}

/* Opening a FIFO without waiting for a partner (or a socket's path). */
static void
op_open(struct side *s, unsigned a, unsigned b, int slot, struct out *o)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char p[128];
	long r;

	name_path(s, b, p, sizeof(p));
	r = CALL(s, open, p, PICK(modes, a) | O_NONBLOCK);
	res(o, r);
	if (r >= 0)
		put_fd(s, slot, (int)r);
}

static void
op_unlink(struct side *s, unsigned b, struct out *o)
{
	char p[128];

	name_path(s, b, p, sizeof(p));
	res(o, CALL(s, unlink, p));
}

/* ---- draining ------------------------------------------------------------ */

/* Take everything that is waiting on a slot: connections, messages
 * (descriptors that arrive are closed), bytes, an eventfd's count. */
static void
drain_slot(struct side *s, int slot, struct out *o)
{
	unsigned char buf[MAXIO * 4];
	union {
		char c[256];
		struct cmsghdr align;
	} ctl;
	int fd = s->fd[slot], n = 0, e;
	long r, bytes = 0;
	uint32_t h = 0;

	if (fd < 0)
		return;
	while (n < 64 &&
	       (r = CALL(s, accept4, fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		s_close(s, (int)r);
		n++;
	}
	outf(o, " [%d: acc %d/%d", slot, n, errno);
	for (n = 0; n < 64; n++) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.c,
				    .msg_controllen = sizeof(ctl) };

		r = CALL(s, recvmsg, fd, &m, 0);
		if (r < 0 && errno == ENOTSOCK)
			r = CALL(s, read, fd, buf, sizeof(buf));
		else if (r >= 0)
			close_rights(s, &m);
		e = errno;
		if (r <= 0)
			break;
		bytes += r;
		h = h * 31 + hash(buf, r);
	}
	outf(o, " rd %d %ld #%08x", n, bytes, h);
	res_e(o, r, e);
	outf(o, "]");
}

static void
drain(struct side *s, struct out *o)
{
	for (int k = 0; k < NSLOT; k++)
		drain_slot(s, k, o);
}

/* ---- the differential ---------------------------------------------------- */

/* One operation on one side; what it did goes to *o. */
static void
do_op(struct side *s, unsigned op, unsigned a, unsigned b, unsigned c, int opi,
      struct out *o)
{
	int slot = (int)(c % NSLOT), fd = s->fd[slot];
	int slot2 = (int)((c / NSLOT + 1 + (unsigned)slot) % NSLOT);

	errno = 0;
	o->n = 0;
	o->buf[0] = '\0';
	switch (op % NKINDS) {
	case 0:
		op_pipe(s, b, slot, slot2, o);
		break;
	case 1:
		op_socketpair(s, b, slot, slot2, o);
		break;
	case 2:
		op_socket(s, b, slot, o);
		break;
	case 3:
		op_bind(s, a, b, fd, o);
		break;
	case 4:
		res(o, CALL(s, listen, fd, (int)(b % 3)));
		break;
	case 5:
		op_connect(s, a, b, fd, o);
		break;
	case 6:
		op_accept(s, b, fd, slot2, o);
		break;
	case 7:
		op_write(s, b, fd, opi, o);
		break;
	case 8:
		op_read(s, b, fd, o);
		break;
	case 9:
		op_send(s, a, b, fd, opi, o);
		break;
	case 10:
		op_recv(s, a, b, fd, o);
		break;
	case 11:
		op_sendto(s, a, b, fd, opi, o);
		break;
	case 12:
		op_recvfrom(s, a, b, fd, o);
		break;
	case 13:
		op_sendmsg(s, a, b, c, fd, opi, o);
		break;
	case 14:
		op_recvmsg(s, a, b, c, fd, o);
		break;
	case 15:
		op_shutdown(s, b, fd, o);
		break;
	case 16:
		put_fd(s, slot, -1);
		break;
	case 17:
		op_dup(s, b, fd, slot2, o);
		break;
	case 18:
		op_fionread(s, fd, o);
		break;
	case 19:
		op_fcntl(s, b, fd, o);
		break;
	case 20:
		op_sockname(s, b, fd, false, o);
		break;
	case 21:
		op_sockname(s, b, fd, true, o);
		break;
	case 22:
		op_getsockopt(s, b, fd, o);
		break;
	case 23:
		op_setopt(s, b, fd, o);
		break;
	case 24:
		op_poll(s, a, b, c, o);
		break;
	case 25:
		op_select(s, b, o);
		break;
	case 26:
		op_epoll_ctl(s, a, b, c, o);
		break;
	case 27:
		op_epoll_wait(s, o);
		break;
	case 28:
		op_eventfd(s, a, b, slot, o);
		break;
	case 29:
		op_write_u64(s, b, fd, o);
		break;
	case 30:
		op_sendmmsg(s, a, b, fd, opi, o);
		break;
	case 31:
		op_recvmmsg(s, a, b, fd, o);
		break;
	case 32:
		op_fstat(s, fd, o);
		break;
	case 33:
		op_mkfifo(s, b, o);
		break;
	case 34:
		op_open(s, a, b, slot, o);
		break;
	case 35:
		op_unlink(s, b, o);
		break;
	case 36:
		op_read(s, b, s->fd[(slot + 1) % NSLOT], o);
		break;
	}
}

/* A write to a pipe or socket without a reader is EPIPE on both sides,
 * not the end of the test. */
static void
ignore_sigpipe(void)
{
	struct rump_ksigaction ksa = { .sa_handler_ = (void *)1 };

	signal(SIGPIPE, SIG_IGN);
	RETURNS(rump_sys_rt_sigaction(SIGPIPE, &ksa, NULL, sizeof(uint64_t)),
		0);
}

/* The host side: its epoll, a directory under /tmp. */
static void
host_side(struct side *s, unsigned seed)
{
	s->rump = false;
	s->seed = seed;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(s->ep, 0);
	snprintf(s->dir, sizeof(s->dir), "/tmp/ipcdiff.XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->abs, sizeof(s->abs), "ipcdiff.%d.%u.h", getpid(), seed);
	s->pid = getpid();
	s->uid = getuid();
	s->gid = getgid();
}

#define MIRROR_FDS 256

/* The rump side: a process of its own whose descriptor table has the
 * host's open numbers taken (by /dev/null) and its holes free, so that
 * both allocate the same numbers from here on. */
static void
rump_side(struct side *s, unsigned seed)
{
	int fd;

	s->rump = true;
	s->seed = seed;
	new_proc();
	for (int k = 0; k < MIRROR_FDS; k++)
		cr_assert_eq(rump_sys_open("/dev/null", O_RDONLY), k);
	for (int k = 0; k < MIRROR_FDS; k++)
		if (fcntl(k, F_GETFD) == -1)
			RETURNS(rump_sys_close(k), 0);
	for (fd = MIRROR_FDS; fd < MIRROR_FDS + 64; fd++)
		cr_assert(fcntl(fd, F_GETFD) == -1, "host fd %d is open", fd);
	s->ep = rump_sys_epoll_create1(EPOLL_CLOEXEC);
	snprintf(s->dir, sizeof(s->dir), "/ipcdiff%u", seed);
	RETURNS(rump_sys_mkdir(s->dir, 0755), 0);
	snprintf(s->abs, sizeof(s->abs), "ipcdiff.%d.%u.r", getpid(), seed);
	s->pid = rump_sys_getpid();
	s->uid = rump_sys_getuid();
	s->gid = rump_sys_getgid();
}

static void
side_end(struct side *s)
{
	for (int k = 0; k < NSLOT; k++)
		put_fd(s, k, -1);
	s_close(s, s->ep);
	if (s->rump)
		rump_pub_lwproc_releaselwp();
	else
		cr_assert_eq(host_rmtree(s->dir), 0);
}

static unsigned
next(unsigned *st)
{
	*st = *st * 1103515245u + 12345u;
	return (*st >> 8) & 0xffff;
}

/* The slots of a side as text: descriptor, file type and what poll
 * says of it, so that a mismatch shows the state it came from. */
static void
describe(struct side *s, struct out *o)
{
	o->n = 0;
	o->buf[0] = '\0';
	for (int k = 0; k < NSLOT; k++) {
		struct pollfd p = { s->fd[k],
				    POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0 };

		if (s->fd[k] < 0)
			continue;
		CALL(s, poll, &p, 1, 0);
		outf(o, " [%d: fd %d t%o rev %x]", k, s->fd[k],
		     fd_type(s, s->fd[k]), (unsigned short)p.revents);
	}
}

/* Kind NKINDS is the drain. */
static void
compare(struct side *rs, struct side *hs, struct out *r, struct out *h,
	unsigned seed, int opi, unsigned kind, unsigned *v)
{
	if (strcmp(r->buf, h->buf) != 0) {
		struct out d;

		describe(rs, &d);
		fprintf(stderr, "rump slots:%s\n", d.buf);
		describe(hs, &d);
		fprintf(stderr, "host slots:%s\n", d.buf);
	}
	cr_assert_str_eq(r->buf, h->buf,
			 "seed %u op %d (kind %u, %u %u %u): rump%s, host%s",
			 seed, opi, kind, v[1], v[2], v[3], r->buf, h->buf);
}

/* IPCDIFF_SKIP="i,j-k,...": operations (with their drains) left out,
 * to shrink a failing run to what matters. */
static bool
skipped(int opi)
{
	const char *p = getenv("IPCDIFF_SKIP");
	char *end;

	while (p != NULL && *p != '\0') {
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			break;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (opi >= lo && opi <= hi)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* `nops' random operations from `seed' on both sides. */
static void
differential(unsigned seed, int nops)
{
	struct side rs, hs;
	struct out ro, ho;
	unsigned st = seed;

	memset(&rs, 0, sizeof(rs));
	memset(&hs, 0, sizeof(hs));
	ignore_sigpipe();
	rump_side(&rs, seed);
	host_side(&hs, seed);
	cr_assert_eq(rs.ep, hs.ep);
	for (int k = 0; k < NSLOT; k++)
		rs.fd[k] = hs.fd[k] = -1;
	for (int i = 0; i < nops; i++) {
		unsigned v[4];

		for (int k = 0; k < 4; k++)
			v[k] = next(&st);
		if (skipped(i))
			continue;
		do_op(&rs, v[0], v[1], v[2], v[3], i, &ro);
		do_op(&hs, v[0], v[1], v[2], v[3], i, &ho);
		if (getenv("IPCDIFF_TRACE") != NULL)
			fprintf(stderr, "%u/%d k%u %u %u %u:%s |%s\n", seed, i,
				v[0] % NKINDS, v[1], v[2], v[3], ro.buf,
				ho.buf);
		compare(&rs, &hs, &ro, &ho, seed, i, v[0] % NKINDS, v);
		if (i % DRAIN_EVERY == DRAIN_EVERY - 1) {
			ro.n = ho.n = 0;
			ro.buf[0] = ho.buf[0] = '\0';
			drain(&rs, &ro);
			drain(&hs, &ho);
			v[0] = NKINDS; /* "kind NKINDS": the drain */
			if (getenv("IPCDIFF_TRACE") != NULL)
				fprintf(stderr, "%u/%d k%u %u %u %u:%s |%s\n",
					seed, i, v[0] % NKINDS, v[1], v[2],
					v[3], ro.buf, ho.buf);
			compare(&rs, &hs, &ro, &ho, seed, i, v[0] % NKINDS, v);
		}
	}
	side_end(&rs);
	side_end(&hs);
}

/* 30 seeds of 2000 operations by default; IPCDIFF_SEEDS=n runs seeds
 * 1..n, IPCDIFF_SEEDS=a-b seeds a..b (IPCDIFF_TRACE=1 prints every
 * operation of both sides, IPCDIFF_NOPS=n runs n operations a seed, and
 * IPCDIFF_SKIP leaves some out). */
Test(ipc_diff, against_host)
{
	const char *env = getenv("IPCDIFF_SEEDS");
	unsigned first = 1, last = 30;
	char *end;

	if (env != NULL) {
		last = (unsigned)strtoul(env, &end, 10);
		if (*end == '-') {
			first = last;
			last = (unsigned)strtoul(end + 1, NULL, 10);
		}
	}
	env = getenv("IPCDIFF_NOPS");
	for (unsigned seed = first; seed <= last; seed++)
		differential(seed, env != NULL ? atoi(env) : 2000);
}
