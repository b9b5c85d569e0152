/*
 * sigio.c: signal-driven I/O: F_SETOWN, F_GETOWN, F_SETOWN_EX,
 * F_GETOWN_EX, F_SETSIG, F_GETSIG on every file, O_ASYNC (F_SETFL,
 * FIOASYNC) on pipes, FIFOs, AF_UNIX sockets, inotify, the console and
 * the random devices, and the signals their events raise: who gets
 * them (a thread, a process, a group; the setter's ids must allow it),
 * with which siginfo, and the fall-back to SIGIO when a real-time
 * signal cannot be queued.
 *
 * Most scenarios run twice, once against the host's kernel and once
 * against rumpkit, through the same table of calls, and compare the
 * traces (results, errnos, the signals collected with sigtimedwait;
 * descriptors named by their place in the scenario, since the numbers
 * differ).  The rest test what only a rump kernel can show (several
 * processes and credentials in one test), and real threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "proc_util.h"

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(sigio, .init = boot, .timeout = 20);

/* ---- one table of calls, for the host and for rumpkit ------------------- */

struct sys {
	int (*pipe2)(int *, int);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*read)(int, void *, size_t);
	int (*fcntl)(int, int, long);
	int (*ioctl)(int, unsigned long, void *);
	int (*close)(int);
	int (*dup)(int);
	int (*socketpair)(int, int, int, int *);
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*shutdown)(int, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	int (*open)(const char *, int, mode_t);
	int (*mknod)(const char *, mode_t, dev_t);
	int (*unlink)(const char *);
	int (*inotify_init1)(int);
	int (*inotify_add_watch)(int, const char *, uint32_t);
	int (*eventfd)(unsigned, int);
	int (*signalfd)(int, const sigset_t *, int);
	int (*timerfd_create)(int, int);
	int (*epoll_create1)(int);
	int (*memfd_create)(const char *, unsigned);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *,
			    const struct timespec *);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	pid_t (*getpid)(void);
	pid_t (*gettid)(void);
	pid_t (*getpgrp)(void);
	int (*setrlimit)(int, const struct rlimit *);
	char dir[64]; /* where the scenario makes names */
};

static int
h_fcntl(int fd, int cmd, long arg)
{
	return fcntl(fd, cmd, arg);
}
static int
h_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}
static int
h_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}
static int
h_memfd(const char *name, unsigned flags)
{
	return memfd_create(name, flags);
}
static int
h_setrlimit(int res, const struct rlimit *rl)
{
	return setrlimit((__rlimit_resource_t)res, rl);
}
static int
h_eventfd(unsigned v, int flags)
{
	return eventfd(v, flags);
}
static int
r_fcntl(int fd, int cmd, long arg)
{
	return rump_sys_fcntl(fd, cmd, arg);
}
static int
r_ioctl(int fd, unsigned long req, void *arg)
{
	return rump_sys_ioctl(fd, req, arg);
}
static int
r_open(const char *path, int flags, mode_t mode)
{
	return rump_sys_open(path, flags, mode);
}
static int
r_memfd(const char *name, unsigned flags)
{
	return rump_sys_memfd_create(name, flags);
}
static int
r_eventfd(unsigned v, int flags)
{
	return rump_sys_eventfd(v, flags);
}

static const struct sys host_sys = {
	.pipe2 = pipe2,
	.write = write,
	.read = read,
	.fcntl = h_fcntl,
	.ioctl = h_ioctl,
	.close = close,
	.dup = dup,
	.socketpair = socketpair,
	.socket = socket,
	.bind = bind,
	.listen = listen,
	.connect = connect,
	.accept = accept,
	.shutdown = shutdown,
	.send = send,
	.recv = recv,
	.open = h_open,
	.mknod = mknod,
	.unlink = unlink,
	.inotify_init1 = inotify_init1,
	.inotify_add_watch = inotify_add_watch,
	.eventfd = h_eventfd,
	.signalfd = signalfd,
	.timerfd_create = timerfd_create,
	.epoll_create1 = epoll_create1,
	.memfd_create = h_memfd,
	.sigtimedwait = sigtimedwait,
	.sigprocmask = sigprocmask,
	.getpid = getpid,
	.gettid = gettid,
	.getpgrp = getpgrp,
	.setrlimit = h_setrlimit,
};

static const struct sys rump_sys = {
	.pipe2 = rump_sys_pipe2,
	.write = rump_sys_write,
	.read = rump_sys_read,
	.fcntl = r_fcntl,
	.ioctl = r_ioctl,
	.close = rump_sys_close,
	.dup = rump_sys_dup,
	.socketpair = rump_sys_socketpair,
	.socket = rump_sys_socket,
	.bind = rump_sys_bind,
	.listen = rump_sys_listen,
	.connect = rump_sys_connect,
	.accept = rump_sys_accept,
	.shutdown = rump_sys_shutdown,
	.send = rump_sys_send,
	.recv = rump_sys_recv,
	.open = r_open,
	.mknod = rump_sys_mknod,
	.unlink = rump_sys_unlink,
	.inotify_init1 = rump_sys_inotify_init1,
	.inotify_add_watch = rump_sys_inotify_add_watch,
	.eventfd = r_eventfd,
	.signalfd = rump_sys_signalfd,
	.timerfd_create = rump_sys_timerfd_create,
	.epoll_create1 = rump_sys_epoll_create1,
	.memfd_create = r_memfd,
	.sigtimedwait = rump_sys_sigtimedwait,
	.sigprocmask = rump_sys_sigprocmask,
	.getpid = rump_sys_getpid,
	.gettid = rump_sys_gettid,
	.getpgrp = rump_sys_getpgrp,
	.setrlimit = rump_sys_setrlimit,
};

/* A scenario's record: what happened, in words, and its descriptors
 * (si_fd is written as the descriptor's place here). */
struct trace {
	const struct sys *s;
	char buf[16384];
	size_t len;
	int fds[32];
	int nfds;
};

static void __attribute__((format(printf, 2, 3)))
tr(struct trace *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(t->buf) - t->len, "trace full");
	t->len += (size_t)n;
}

/* Remember a descriptor (its place names it in the trace). */
static int
keep(struct trace *t, int fd)
{
	cr_assert(fd >= 0, "setup call failed: %s", strerror(errno));
	cr_assert(t->nfds < 32);
	t->fds[t->nfds++] = fd;
	return fd;
}

static int
fd_name(struct trace *t, int fd)
{
	for (int i = t->nfds - 1; i >= 0; i--)
		if (t->fds[i] == fd)
			return i;
	return -100 - fd;
}

/* A call's result in the trace: the value, or the errno. */
static long
res(struct trace *t, const char *what, long r)
{
	if (r < 0)
		tr(t, "%s=E%d ", what, errno);
	else
		tr(t, "%s=%ld ", what, r);
	return r;
}

static void
all_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
}

/* Take every pending signal into the trace, with its siginfo. */
static int
collect(struct trace *t, const char *label)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	siginfo_t si;
	int sig, n = 0;

	all_signals(&set);
	tr(t, "\n%s:", label);
	while ((sig = t->s->sigtimedwait(&set, &si, &zero)) > 0) {
		n++;
		if (si.si_code == SI_KERNEL)
			tr(t, " [%d kernel]", sig);
		else
			tr(t, " [%d c%d b%lx fd#%d]", sig, si.si_code,
			   si.si_band, fd_name(t, si.si_fd));
	}
	tr(t, " (%d) ", n);
	return n;
}

/* The calling thread as owner: on the host, rumpkit's own threads
 * would take a signal sent to the process. */
static void
own_thread(struct trace *t, int fd)
{
	const struct sys *s = t->s;
	struct f_owner_ex ex = { F_OWNER_TID, s->gettid() };

	cr_assert_eq(s->fcntl(fd, F_SETOWN_EX, (long)&ex), 0);
}

/* The calling thread as owner, F_SETSIG, O_ASYNC on. */
static void
async_on(struct trace *t, int fd, int sig)
{
	const struct sys *s = t->s;

	own_thread(t, fd);
	cr_assert_eq(s->fcntl(fd, F_SETSIG, sig), 0);
	cr_assert_eq(s->fcntl(fd, F_SETFL, s->fcntl(fd, F_GETFL, 0) | O_ASYNC),
		     0);
}

static void
block_all(const struct sys *s)
{
	sigset_t set;

	all_signals(&set);
	cr_assert_eq(s->sigprocmask(SIG_BLOCK, &set, NULL), 0);
}

typedef void scenario_fn(struct trace *t);

/* Run `fn' against the host and against rumpkit (in a process of its
 * own) and compare. */
static void
differential(scenario_fn *fn)
{
	static struct trace host, rump;
	char tmpl[] = "/tmp/rump_sigio.XXXXXX";

	memset(&host, 0, sizeof(host));
	memset(&rump, 0, sizeof(rump));
	host.s = &host_sys;
	rump.s = &rump_sys;
	cr_assert_not_null(mkdtemp(tmpl));
	struct sys hs = host_sys, rs = rump_sys;
	snprintf(hs.dir, sizeof(hs.dir), "%s", tmpl);
	snprintf(rs.dir, sizeof(rs.dir), "/sigio");
	host.s = &hs;
	rump.s = &rs;

	block_all(&hs);
	fn(&host);
	collect(&host, "end");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	cr_assert_eq(system(cmd), 0);

	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_mkdir("/sigio", 0700), 0);
	block_all(&rs);
	fn(&rump);
	collect(&rump, "end");
	cr_expect_str_eq(rump.buf, host.buf, "\nrump:\n%s\nhost:\n%s\n",
			 rump.buf, host.buf);
}

/* ---- scenarios compared with the host ------------------------------------ */

#define RT (SIGRTMIN)

/* A pipe: readers hear of every write, writers of every read, both of
 * the other side going away. */
static void
sc_pipe(struct trace *t)
{
	const struct sys *s = t->s;
	static char big[70000];
	int p[2];

	cr_assert_eq(s->pipe2(p, 0), 0);
	keep(t, p[0]);
	keep(t, p[1]);
	async_on(t, p[0], RT);
	async_on(t, p[1], RT + 1);
	collect(t, "setup");
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "write");
	res(t, "r", s->read(p[0], big, 1));
	collect(t, "read");
	s->fcntl(p[0], F_SETFL, O_NONBLOCK | O_ASYNC);
	res(t, "r", s->read(p[0], big, 1));
	collect(t, "read EAGAIN");
	res(t, "w", s->write(p[1], big, 0));
	collect(t, "write 0");
	s->fcntl(p[1], F_SETFL, O_NONBLOCK | O_ASYNC);
	res(t, "w", s->write(p[1], big, sizeof(big)));
	collect(t, "write big");
	res(t, "w", s->write(p[1], big, 10));
	collect(t, "write full");
	res(t, "r", s->read(p[0], big, 100));
	collect(t, "read from full");
	s->close(p[1]);
	collect(t, "close writer");
	s->close(p[0]);

	cr_assert_eq(s->pipe2(p, 0), 0);
	keep(t, p[0]);
	keep(t, p[1]);
	async_on(t, p[1], RT + 1);
	s->close(p[0]);
	collect(t, "close reader");
	s->close(p[1]);
}

/* What F_SETSIG chooses: plain SIGIO, or a signal with fields (SI_SIGIO
 * for the signals with codes of their own); off again. */
static void
sc_setsig(struct trace *t)
{
	const struct sys *s = t->s;
	int sigs[] = { 0, SIGIO, SIGUSR1, SIGCHLD, SIGSEGV, RT + 3 };
	char label[32];
	int p[2];

	cr_assert_eq(s->pipe2(p, O_NONBLOCK), 0);
	keep(t, p[0]);
	keep(t, p[1]);
	async_on(t, p[0], 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		res(t, "setsig", s->fcntl(p[0], F_SETSIG, sigs[i]));
		res(t, "getsig", s->fcntl(p[0], F_GETSIG, 0));
		res(t, "w", s->write(p[1], "ab", 2));
		res(t, "w", s->write(p[1], "c", 1));
		snprintf(label, sizeof(label), "sig %d", sigs[i]);
		collect(t, label);
	}
	res(t, "off", s->fcntl(p[0], F_SETFL, O_NONBLOCK));
	res(t, "fl", s->fcntl(p[0], F_GETFL, 0) & O_ASYNC);
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "async off");
	/* FIOASYNC turns it on and off the same way. */
	int on = 1;
	res(t, "fioasync", s->ioctl(p[0], FIOASYNC, &on));
	res(t, "fl", s->fcntl(p[0], F_GETFL, 0) & O_ASYNC);
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "fioasync on");
	on = 0;
	res(t, "fioasync", s->ioctl(p[0], FIOASYNC, &on));
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "fioasync off");
	/* An owner and a signal, but no O_ASYNC: nothing. */
	res(t, "w", s->write(p[1], "a", 1));
	res(t, "r", s->read(p[0], (char[64]){ 0 }, 64));
	collect(t, "no O_ASYNC");
}

/* A FIFO: O_ASYNC given to open shows but does nothing, and then
 * cannot be changed; an O_RDWR end hears itself both ways; a dup's
 * descriptor is the one named, and stays named after it is closed. */
static void
sc_fifo(struct trace *t)
{
	const struct sys *s = t->s;
	char path[128], buf[8];
	int r, w, rw, p[2], d;

	snprintf(path, sizeof(path), "%s/fifo", s->dir);
	cr_assert_eq(s->mknod(path, S_IFIFO | 0600, 0), 0);
	r = keep(t, s->open(path, O_RDONLY | O_NONBLOCK | O_ASYNC, 0));
	w = keep(t, s->open(path, O_WRONLY, 0));
	own_thread(t, r);
	res(t, "fl", s->fcntl(r, F_GETFL, 0) & O_ASYNC);
	res(t, "w", s->write(w, "a", 1));
	collect(t, "open O_ASYNC");
	res(t, "setfl0", s->fcntl(r, F_SETFL, 0));
	res(t, "fl", s->fcntl(r, F_GETFL, 0) & O_ASYNC);
	res(t, "setfl", s->fcntl(r, F_SETFL, O_ASYNC));
	res(t, "w", s->write(w, "a", 1));
	collect(t, "open O_ASYNC toggled");

	rw = keep(t, s->open(path, O_RDWR, 0));
	async_on(t, rw, RT);
	collect(t, "rdwr setup");
	res(t, "w", s->write(rw, "a", 1));
	collect(t, "rdwr write");
	res(t, "r", s->read(rw, buf, 1));
	collect(t, "rdwr read");
	s->close(rw);
	s->close(w);
	s->close(r);
	res(t, "unlink", s->unlink(path));

	cr_assert_eq(s->pipe2(p, 0), 0);
	keep(t, p[0]);
	keep(t, p[1]);
	own_thread(t, p[0]);
	s->fcntl(p[0], F_SETSIG, RT);
	d = keep(t, s->dup(p[0]));
	res(t, "setfl dup", s->fcntl(d, F_SETFL, O_ASYNC));
	res(t, "fl", s->fcntl(p[0], F_GETFL, 0) & O_ASYNC);
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "through dup");
	s->close(d);
	res(t, "w", s->write(p[1], "a", 1));
	collect(t, "dup closed");
}

/* AF_UNIX: data for the receiver, room for a sender that found none,
 * shutdowns and closes of a connection's other end (not of DGRAM). */
static void
sc_unix(struct trace *t)
{
	const struct sys *s = t->s;
	int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	char label[64], buf[256];
	int sp[2];

	for (int i = 0; i < 3; i++) {
		cr_assert_eq(s->socketpair(AF_UNIX, types[i], 0, sp), 0);
		keep(t, sp[0]);
		keep(t, sp[1]);
		async_on(t, sp[0], RT);
		async_on(t, sp[1], RT + 1);
		snprintf(label, sizeof(label), "%d setup", types[i]);
		collect(t, label);
		res(t, "w", s->write(sp[1], "a", 1));
		snprintf(label, sizeof(label), "%d write", types[i]);
		collect(t, label);
		res(t, "r", s->read(sp[0], buf, sizeof(buf)));
		snprintf(label, sizeof(label), "%d read", types[i]);
		collect(t, label);
		res(t, "w", s->write(sp[0], "xy", 2));
		res(t, "w", s->write(sp[0], "z", 1));
		res(t, "r", s->read(sp[1], buf, sizeof(buf)));
		snprintf(label, sizeof(label), "%d back", types[i]);
		collect(t, label);
		res(t, "shut", s->shutdown(sp[1], SHUT_WR));
		snprintf(label, sizeof(label), "%d shut_wr", types[i]);
		collect(t, label);
		res(t, "shut", s->shutdown(sp[1], SHUT_RD));
		snprintf(label, sizeof(label), "%d shut_rd", types[i]);
		collect(t, label);
		s->close(sp[1]);
		snprintf(label, sizeof(label), "%d close", types[i]);
		collect(t, label);
		s->close(sp[0]);

		cr_assert_eq(s->socketpair(AF_UNIX, types[i], 0, sp), 0);
		keep(t, sp[0]);
		keep(t, sp[1]);
		async_on(t, sp[0], RT);
		res(t, "shut", s->shutdown(sp[1], SHUT_RDWR));
		snprintf(label, sizeof(label), "%d shut_rdwr", types[i]);
		collect(t, label);
		s->close(sp[1]);
		snprintf(label, sizeof(label), "%d then close", types[i]);
		collect(t, label);
		s->close(sp[0]);
	}
}

/* A listener hears of a connection; the client of the close of what
 * accept gave. */
static void
sc_listen(struct trace *t)
{
	const struct sys *s = t->s;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t alen;
	int l, c, acc;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/sock", s->dir);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(a.sun_path) + 1);
	l = keep(t, s->socket(AF_UNIX, SOCK_STREAM, 0));
	res(t, "bind", s->bind(l, (struct sockaddr *)&a, alen));
	res(t, "listen", s->listen(l, 5));
	async_on(t, l, RT);
	c = keep(t, s->socket(AF_UNIX, SOCK_STREAM, 0));
	async_on(t, c, RT + 1);
	res(t, "connect", s->connect(c, (struct sockaddr *)&a, alen));
	collect(t, "connect");
	acc = keep(t, s->accept(l, NULL, NULL));
	collect(t, "accept");
	s->close(acc);
	collect(t, "accepted closed");
	s->close(c);
	s->close(l);
	s->unlink(a.sun_path);
}

/* Out-of-band data: SIGURG to an owner, and with O_ASYNC and an
 * F_SETSIG signal that signal too (POLL_PRI); not plain SIGIO. */
static void
sc_oob(struct trace *t)
{
	const struct sys *s = t->s;
	int sigs[] = { 0, RT };
	char label[64], c;
	int sp[2];

	for (int i = 0; i < 2; i++) {
		for (int async = 0; async < 2; async++) {
			cr_assert_eq(s->socketpair(AF_UNIX, SOCK_STREAM, 0, sp),
				     0);
			keep(t, sp[0]);
			keep(t, sp[1]);
			own_thread(t, sp[0]);
			res(t, "setsig", s->fcntl(sp[0], F_SETSIG, sigs[i]));
			if (async)
				res(t, "async",
				    s->fcntl(sp[0], F_SETFL, O_ASYNC));
			res(t, "oob", s->send(sp[1], "xy", 2, MSG_OOB));
			snprintf(label, sizeof(label), "sig %d async %d",
				 sigs[i], async);
			collect(t, label);
			res(t, "recv oob", s->recv(sp[0], &c, 1, MSG_OOB));
			tr(t, "%c ", c);
			collect(t, "taken");
			s->close(sp[0]);
			s->close(sp[1]);
		}
	}
}

/* inotify: each event queued, not one merged into the last. */
static void
sc_inotify(struct trace *t)
{
	const struct sys *s = t->s;
	char path[128];
	int in, f;

	snprintf(path, sizeof(path), "%s/file", s->dir);
	in = keep(t, s->inotify_init1(IN_NONBLOCK));
	async_on(t, in, RT);
	res(t, "watch",
	    s->inotify_add_watch(in, s->dir,
				 IN_CREATE | IN_OPEN | IN_MODIFY | IN_DELETE));
	f = keep(t, s->open(path, O_CREAT | O_RDWR, 0600));
	collect(t, "create");
	res(t, "w", s->write(f, "a", 1));
	res(t, "w", s->write(f, "a", 1)); /* merged with the first */
	collect(t, "modify x2");
	s->close(f);
	res(t, "unlink", s->unlink(path));
	collect(t, "unlink");
}

/* Which files take O_ASYNC (the others keep the flag as it was, and
 * FIOASYNC is ENOTTY), and the owner commands, which every file takes. */
static void
sc_kinds(struct trace *t)
{
	const struct sys *s = t->s;
	sigset_t set;
	char path[128];
	int fds[16], n = 0, p[2], sp[2], on;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	snprintf(path, sizeof(path), "%s/reg", s->dir);
	cr_assert_eq(s->pipe2(p, 0), 0);
	fds[n++] = p[0];
	fds[n++] = p[1];
	cr_assert_eq(s->socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	fds[n++] = sp[0];
	fds[n++] = s->inotify_init1(0);
	fds[n++] = s->eventfd(0, 0);
	fds[n++] = s->signalfd(-1, &set, 0);
	fds[n++] = s->timerfd_create(CLOCK_MONOTONIC, 0);
	fds[n++] = s->epoll_create1(0);
	fds[n++] = s->memfd_create("m", 0);
	fds[n++] = s->open("/dev/null", O_RDWR, 0);
	fds[n++] = s->open("/dev/urandom", O_RDONLY, 0);
	fds[n++] = s->open(path, O_CREAT | O_RDWR, 0600);
	fds[n++] = s->open(s->dir, O_RDONLY | O_DIRECTORY, 0);
	for (int i = 0; i < n; i++) {
		int fd = keep(t, fds[i]);

		tr(t, "\n#%d: ", i);
		res(t, "setfl", s->fcntl(fd, F_SETFL, O_ASYNC));
		res(t, "fl", s->fcntl(fd, F_GETFL, 0) & O_ASYNC);
		on = 0;
		res(t, "fioasync0", s->ioctl(fd, FIOASYNC, &on));
		res(t, "fl", s->fcntl(fd, F_GETFL, 0) & O_ASYNC);
		on = 1;
		res(t, "fioasync1", s->ioctl(fd, FIOASYNC, &on));
		res(t, "fl", s->fcntl(fd, F_GETFL, 0) & O_ASYNC);
		res(t, "getown", s->fcntl(fd, F_GETOWN, 0));
		res(t, "getsig", s->fcntl(fd, F_GETSIG, 0));
		res(t, "setown",
		    s->fcntl(fd, F_SETOWN, s->getpid()) == 0 &&
			    s->fcntl(fd, F_GETOWN, 0) == s->getpid());
		res(t, "setsig", s->fcntl(fd, F_SETSIG, SIGUSR1));
		res(t, "getsig", s->fcntl(fd, F_GETSIG, 0));
		/* (Linux's random devices answer EINVAL to any ioctl
		 * they do not know; rumpkit's have none.) */
		int who = s->getpid();
		if (i != 10)
			res(t, "fiosetown", s->ioctl(fd, FIOSETOWN, &who));
	}
	/* An open O_ASYNC on a file that cannot signal keeps it, too. */
	res(t, "null async",
	    s->fcntl(keep(t, s->open("/dev/null", O_RDONLY | O_ASYNC, 0)),
		     F_GETFL, 0) &
		    O_ASYNC);
	res(t, "unlink", s->unlink(path));
}

/* The owner commands' arguments and errors. */
static void
sc_owner_errors(struct trace *t)
{
	const struct sys *s = t->s;
	struct f_owner_ex ex;
	long sigs[] = { -1, 0, 1, 64, 65, 1000, 0x100000001L, SIGKILL };
	int e = keep(t, s->eventfd(0, 0));

#define EX(what)                                                               \
	do {                                                                   \
		memset(&ex, 0x55, sizeof(ex));                                 \
		res(t, what, s->fcntl(e, F_GETOWN_EX, (long)&ex));             \
		tr(t, "ex(%d,%s) ", ex.type,                                   \
		   ex.pid == 0             ? "0"                               \
		   : ex.pid == s->getpid() ? "me"                              \
					   : "?");                             \
	} while (0)

	EX("fresh");
	res(t, "setsig", s->fcntl(e, F_SETSIG, 5));
	EX("after setsig");
	res(t, "setown0", s->fcntl(e, F_SETOWN, 0));
	EX("after setown 0");
	res(t, "setown 99999", s->fcntl(e, F_SETOWN, 99999));
	res(t, "setown -99999", s->fcntl(e, F_SETOWN, -99999));
	res(t, "setown INT_MIN", s->fcntl(e, F_SETOWN, INT_MIN));
	res(t, "setown me", s->fcntl(e, F_SETOWN, s->getpid()));
	EX("after setown me");
	ex.type = 3;
	ex.pid = s->getpid();
	res(t, "setown_ex type 3", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	ex.type = -1;
	res(t, "setown_ex type -1", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	ex.type = F_OWNER_PID;
	ex.pid = -5;
	res(t, "setown_ex pid -5", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	ex.pid = 99999;
	res(t, "setown_ex pid 99999", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	ex.type = F_OWNER_TID;
	ex.pid = s->getpid();
	res(t, "setown_ex tid", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	EX("after tid");
	res(t, "getown", s->fcntl(e, F_GETOWN, 0) == s->getpid());
	ex.type = F_OWNER_PID;
	ex.pid = 0;
	res(t, "setown_ex pid 0", s->fcntl(e, F_SETOWN_EX, (long)&ex));
	EX("after pid 0");
	res(t, "getown", s->fcntl(e, F_GETOWN, 0));
	res(t, "setown_ex NULL", s->fcntl(e, F_SETOWN_EX, 0));
	res(t, "getown_ex NULL", s->fcntl(e, F_GETOWN_EX, 0));
	res(t, "setown_ex bad", s->fcntl(e, F_SETOWN_EX, 8));
	/* A group: F_GETOWN gives it negative. */
	res(t, "setown -pgrp", s->fcntl(e, F_SETOWN, -s->getpgrp()));
	res(t, "getown", s->fcntl(e, F_GETOWN, 0) == -s->getpgrp());
	memset(&ex, 0, sizeof(ex));
	s->fcntl(e, F_GETOWN_EX, (long)&ex);
	tr(t, "ex(%d,%d) ", ex.type, ex.pid == s->getpgrp());
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		tr(t, "\nsetsig %ld: ", sigs[i]);
		res(t, "r", s->fcntl(e, F_SETSIG, sigs[i]));
		res(t, "getsig", s->fcntl(e, F_GETSIG, 0));
	}
#undef EX
}

Test(sigio, diff_pipe)
{
	differential(sc_pipe);
}
Test(sigio, diff_setsig)
{
	differential(sc_setsig);
}
Test(sigio, diff_fifo_dup)
{
	differential(sc_fifo);
}
Test(sigio, diff_unix)
{
	differential(sc_unix);
}
Test(sigio, diff_listen)
{
	differential(sc_listen);
}
Test(sigio, diff_oob)
{
	differential(sc_oob);
}
Test(sigio, diff_inotify)
{
	differential(sc_inotify);
}
Test(sigio, diff_kinds)
{
	differential(sc_kinds);
}
Test(sigio, diff_owner_errors)
{
	differential(sc_owner_errors);
}

/* ---- owners of every kind, and who may be signalled (rumpkit only) ------- */

/* The calling lwp blocks every signal. */
static void
rblock_all(void)
{
	block_all(&rump_sys);
}

/* Take pending `sig' (0 if none) into *si. */
static int
take(int sig, siginfo_t *si)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	int r = rump_sys_sigtimedwait(&set, si, &zero);
	if (r < 0) {
		cr_assert_eq(errno, EAGAIN);
		return 0;
	}
	return r;
}

/* Whether `sig' is pending for the calling lwp. */
static bool
is_pending(int sig)
{
	sigset_t set;

	cr_assert_eq(rump_sys_sigpending(&set), 0);
	return sigismember(&set, sig);
}

/* A pipe whose read end signals RT with owner set by `fcntl_owner'. */
static void
rpipe(int p[2])
{
	cr_assert_eq(rump_sys_pipe2(p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETSIG, RT), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK), 0);
}

/* Another process's F_SETOWN: the signal is its, with the fields. */
Test(sigio, owner_other_process)
{
	siginfo_t si;
	int p[2];

	pid_t pp = rfork_ok(RUMP_RFCFDG);
	struct lwp *lp = rump_pub_lwproc_curlwp();
	rblock_all();
	rpipe(p);
	pid_t q = rfork_ok(0); /* shares the table */
	rblock_all();
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, pp), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), pp);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_not(is_pending(RT));
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(lp);
	cr_assert_eq(take(RT, &si), RT);
	cr_assert_eq(si.si_code, POLL_IN);
	cr_assert_eq(si.si_band, POLLIN | POLLRDNORM);
	cr_assert_eq(si.si_fd, p[0]);
	(void)q;
}

/* F_OWNER_TID: that thread alone; a thread's id given to F_SETOWN
 * names its process (signals go there) but F_GETOWN says 0, as Linux. */
Test(sigio, owner_thread)
{
	struct f_owner_ex ex;
	siginfo_t si;
	int p[2];

	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *l1 = rump_pub_lwproc_curlwp();
	rblock_all();
	rpipe(p);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	struct lwp *l2 = rump_pub_lwproc_curlwp();
	rblock_all();
	pid_t tid2 = rump_sys_gettid();
	cr_assert_neq(tid2, pid);
	rump_pub_lwproc_switch(l1);

	ex.type = F_OWNER_TID;
	ex.pid = tid2;
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN_EX, &ex), 0);
	memset(&ex, 0, sizeof(ex));
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN_EX, &ex), 0);
	cr_assert_eq(ex.type, F_OWNER_TID);
	cr_assert_eq(ex.pid, tid2);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), tid2);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_not(is_pending(RT)); /* not l1's, nor the process's */
	rump_pub_lwproc_switch(l2);
	cr_assert(is_pending(RT));
	cr_assert_eq(take(RT, &si), RT);
	cr_assert_eq(si.si_fd, p[0]);

	/* The thread's id as a process owner. */
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, tid2), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	rump_pub_lwproc_switch(l1);
	cr_assert(is_pending(RT)); /* process-directed: l1 sees it */
	cr_assert_eq(take(RT, &si), RT);
	rump_pub_lwproc_switch(l2);
	cr_assert_not(is_pending(RT));
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(l1);
}

/* A process group: every member, nobody else. */
Test(sigio, owner_group)
{
	struct f_owner_ex ex;
	siginfo_t si;
	int p[2];

	pid_t g = rfork_ok(RUMP_RFCFDG);
	struct lwp *lg = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_sys_setpgid(0, 0), 0);
	rblock_all();
	rpipe(p);
	rfork_ok(0);
	struct lwp *lm = rump_pub_lwproc_curlwp(); /* a member */
	rblock_all();
	rump_pub_lwproc_switch(lg);
	rfork_ok(0);
	struct lwp *lo = rump_pub_lwproc_curlwp(); /* an outsider */
	cr_assert_eq(rump_sys_setpgid(0, 0), 0);
	rblock_all();
	rump_pub_lwproc_switch(lg);

	cr_assert_eq(rump_sys_getpgrp(), g);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, -g), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), -g, "%d vs %d",
		     rump_sys_fcntl(p[0], F_GETOWN), -g);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(take(RT, &si), RT);
	rump_pub_lwproc_switch(lm);
	cr_assert_eq(take(RT, &si), RT);
	cr_assert_eq(si.si_fd, p[0]);
	rump_pub_lwproc_switch(lo);
	cr_assert_not(is_pending(RT));

	/* The same through F_SETOWN_EX. */
	ex.type = F_OWNER_PGRP;
	ex.pid = g;
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN_EX, &ex), 0);
	memset(&ex, 0, sizeof(ex));
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN_EX, &ex), 0);
	cr_assert_eq(ex.type, F_OWNER_PGRP);
	cr_assert_eq(ex.pid, g);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_not(is_pending(RT));
	rump_pub_lwproc_switch(lm);
	cr_assert_eq(take(RT, &si), RT);
	rump_pub_lwproc_switch(lg);
	cr_assert_eq(take(RT, &si), RT);
}

/* An owner that is gone: F_GETOWN says 0, events signal nobody. */
Test(sigio, owner_gone)
{
	struct f_owner_ex ex;
	int p[2];

	rfork_ok(RUMP_RFCFDG);
	struct lwp *lp = rump_pub_lwproc_curlwp();
	rblock_all();
	rpipe(p);
	pid_t q = rfork_ok(0);
	struct lwp *lq = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(lp);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, q), 0);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), q);
	rump_pub_lwproc_switch(lq);
	rump_pub_lwproc_releaselwp(); /* q is gone */
	rump_pub_lwproc_switch(lp);
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN), 0);
	memset(&ex, 0x55, sizeof(ex));
	cr_assert_eq(rump_sys_fcntl(p[0], F_GETOWN_EX, &ex), 0);
	cr_assert_eq(ex.type, F_OWNER_PID);
	cr_assert_eq(ex.pid, 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_not(is_pending(RT));
	cr_assert_not(is_pending(SIGIO));
}

/* Linux's sigio_perm, with the ids of whoever set the owner, taken when
 * it was set. */
Test(sigio, owner_permission)
{
	siginfo_t si;
	int p[2];

	pid_t root = rfork_ok(RUMP_RFCFDG);
	struct lwp *lr = rump_pub_lwproc_curlwp();
	rblock_all();
	rpipe(p);
	pid_t user = rfork_ok(0);
	struct lwp *lu = rump_pub_lwproc_curlwp();
	rblock_all();
	cr_assert_eq(rump_sys_setresuid(1000, 1000, 1000), 0);

	/* uid 1000 names root: allowed to name, not to signal. */
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, root), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	rump_pub_lwproc_switch(lr);
	cr_assert_not(is_pending(RT));
	cr_assert_not(is_pending(SIGIO));

	/* uid 1000 names itself: signalled. */
	rump_pub_lwproc_switch(lu);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, user), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(take(RT, &si), RT);

	/* root names uid 1000, then drops its ids: still the ids at the
	 * time count. */
	rump_pub_lwproc_switch(lr);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, user), 0);
	cr_assert_eq(rump_sys_setresuid(2000, 2000, 2000), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	rump_pub_lwproc_switch(lu);
	cr_assert_eq(take(RT, &si), RT);
	cr_assert_eq(si.si_fd, p[0]);
	/* uid 2000 names uid 1000: not signalled. */
	rump_pub_lwproc_switch(lr);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, user), 0);
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	rump_pub_lwproc_switch(lu);
	cr_assert_not(is_pending(RT));
}

/* RLIMIT_SIGPENDING: queued real-time signals up to it, then one plain
 * SIGIO (as the host shows: SI_KERNEL, no fields). */
Test(sigio, queue_overflow_falls_back_to_sigio)
{
	struct rlimit rl = { 3, 3 };
	siginfo_t si;
	int p[2], n = 0;

	rfork_ok(RUMP_RFCFDG);
	rblock_all();
	rpipe(p);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, rump_sys_getpid()), 0);
	cr_assert_eq(rump_sys_setrlimit(RLIMIT_SIGPENDING, &rl), 0);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(take(SIGIO, &si), SIGIO);
	cr_assert_eq(si.si_code, SI_KERNEL);
	while (take(RT, &si) == RT) {
		cr_assert_eq(si.si_code, POLL_IN);
		n++;
	}
	cr_assert_eq(n, 3);
	/* Room again: queued again. */
	cr_assert_eq(rump_sys_write(p[1], "x", 1), 1);
	cr_assert_eq(take(RT, &si), RT);
	cr_assert_not(is_pending(SIGIO));
}

/* The fields through signalfd. */
Test(sigio, signalfd_fields)
{
	struct signalfd_siginfo ssi;
	sigset_t set;
	int p[2], sfd;

	rfork_ok(RUMP_RFCFDG);
	rblock_all();
	rpipe(p);
	cr_assert_eq(rump_sys_fcntl(p[1], F_SETOWN, rump_sys_getpid()), 0);
	cr_assert_eq(rump_sys_fcntl(p[1], F_SETSIG, RT + 2), 0);
	cr_assert_eq(rump_sys_fcntl(p[1], F_SETFL, O_ASYNC), 0);
	sigemptyset(&set);
	sigaddset(&set, RT + 2);
	cr_assert((sfd = rump_sys_signalfd(-1, &set, SFD_NONBLOCK)) >= 0);
	char c;
	cr_assert_eq(rump_sys_read(p[0], &c, 1), -1); /* EAGAIN: a read */
	cr_assert_eq(rump_sys_read(sfd, &ssi, sizeof(ssi)), sizeof(ssi));
	cr_assert_eq(ssi.ssi_signo, (unsigned)RT + 2);
	cr_assert_eq(ssi.ssi_code, POLL_OUT);
	cr_assert_eq(ssi.ssi_band, POLLOUT | POLLWRNORM | POLLWRBAND);
	cr_assert_eq(ssi.ssi_fd, p[1]);
	cr_assert_eq(rump_sys_read(sfd, &ssi, sizeof(ssi)), -1);
}

/* AF_UNIX: a sender hears of room once, and only after it found none. */
Test(sigio, unix_room_after_full)
{
	static char buf[1 << 16];
	int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	siginfo_t si;
	int sp[2], n;

	rfork_ok(RUMP_RFCFDG);
	rblock_all();
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rump_sys_socketpair(AF_UNIX, types[i], 0, sp), 0);
		for (int j = 0; j < 2; j++) {
			cr_assert_eq(rump_sys_fcntl(sp[j], F_SETOWN,
						    rump_sys_getpid()),
				     0);
			cr_assert_eq(rump_sys_fcntl(sp[j], F_SETSIG, RT + j),
				     0);
			cr_assert_eq(rump_sys_fcntl(sp[j], F_SETFL,
						    O_ASYNC | O_NONBLOCK),
				     0);
		}
		size_t len = types[i] == SOCK_STREAM ? sizeof(buf) : 100;
		n = 0;
		while (rump_sys_write(sp[1], buf, len) > 0)
			n++;
		cr_assert_eq(errno, EAGAIN);
		cr_assert_gt(n, 0);
		cr_assert_eq(take(RT + 1, &si), 0, "room before any read");
		n = 0;
		while (take(RT, &si) == RT) {
			cr_assert_eq(si.si_code, POLL_IN);
			n++;
		}
		cr_assert_gt(n, 0);
		while (rump_sys_read(sp[0], buf, sizeof(buf)) > 0)
			;
		cr_assert_eq(take(RT + 1, &si), RT + 1);
		cr_assert_eq(si.si_code, POLL_OUT);
		cr_assert_eq(si.si_fd, sp[1]);
		cr_assert_eq(take(RT + 1, &si), 0, "room told once");
		/* More traffic without a full buffer: no more room news. */
		cr_assert_eq(rump_sys_write(sp[1], "x", 1), 1);
		cr_assert_gt(rump_sys_read(sp[0], buf, sizeof(buf)), 0);
		cr_assert_eq(take(RT + 1, &si), 0);
		rump_sys_close(sp[0]);
		rump_sys_close(sp[1]);
		while (take(RT, &si) > 0 || take(RT + 1, &si) > 0)
			;
	}
}

/* The console: O_ASYNC names the caller owner when there is none, as
 * Linux's terminals do, and keeps an owner set before; input signals
 * the owner.  The host's stdin is a pipe of the test's. */
Test(sigio, console_input_signals)
{
	struct timespec five = { 5, 0 };
	int fd, on = 1, p[2];
	sigset_t set;
	siginfo_t si;
	char buf[8];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(dup2(p[0], 0), 0);
	close(p[0]);
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	rblock_all();
	cr_assert((fd = rump_sys_open("/dev/console", O_RDWR | O_NONBLOCK)) >=
		  0);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETOWN), 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETSIG, RT), 0);
	cr_assert_eq(rump_sys_ioctl(fd, FIOASYNC, &on), 0);
	cr_assert(rump_sys_fcntl(fd, F_GETFL) & O_ASYNC);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETOWN), pid);
	cr_assert_eq(write(p[1], "typed\n", 6), 6);
	sigemptyset(&set);
	sigaddset(&set, RT);
	cr_assert_eq(rump_sys_sigtimedwait(&set, &si, &five), RT);
	cr_assert_eq(si.si_code, POLL_IN);
	cr_assert_eq(si.si_fd, fd);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 6);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	cr_assert_not(rump_sys_fcntl(fd, F_GETFL) & O_ASYNC);
	cr_assert_eq(write(p[1], "more\n", 5), 5);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETFL, O_RDWR), 0);
	cr_assert_eq(rump_sys_read(fd, buf, sizeof(buf)), 5);
	cr_assert_eq(take(RT, &si), 0, "no O_ASYNC, no signal");
	cr_assert_eq(rump_sys_close(fd), 0);

	/* An owner set before stays. */
	cr_assert((fd = rump_sys_open("/dev/console", O_RDWR)) >= 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETOWN, -rump_sys_getpgrp()), 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_SETFL, O_ASYNC), 0);
	cr_assert_eq(rump_sys_fcntl(fd, F_GETOWN), -rump_sys_getpgrp());
	cr_assert_eq(rump_sys_close(fd), 0);
	close(p[1]);
}

/* ---- real threads -------------------------------------------------------- */

static _Atomic int handled;
static siginfo_t handled_si;

static void
rt_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	handled_si = *si;
	handled = sig;
}

struct writer {
	struct lwp *lwp;
	int fd;
	_Atomic int *go;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	rump_pub_lwproc_switch(w->lwp);
	rblock_all();
	while (!*w->go)
		sleep_ms(1);
	sleep_ms(20); /* let the other thread sleep */
	cr_assert_eq(rump_sys_write(w->fd, "x", 1), 1);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A thread asleep in sigsuspend is woken by the signal another thread's
 * write raises, and its handler sees the fields. */
Test(sigio, handler_wakes_sigsuspend)
{
	struct sigaction sa;
	_Atomic int go = 0;
	struct writer w;
	sigset_t empty;
	pthread_t t;
	int p[2];

	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();
	rblock_all();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rt_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(rump_sys_sigaction(RT, &sa, NULL), 0);
	rpipe(p);
	cr_assert_eq(rump_sys_fcntl(p[0], F_SETOWN, pid), 0);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	w.lwp = rump_pub_lwproc_curlwp();
	w.fd = p[1];
	w.go = &go;
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&t, NULL, writer_main, &w), 0);
	sigemptyset(&empty);
	go = 1;
	cr_assert_eq(rump_sys_sigsuspend(&empty), -1);
	cr_assert_eq(errno, EINTR);
	pthread_join(t, NULL);
	cr_assert_eq(handled, RT);
	cr_assert_eq(handled_si.si_code, POLL_IN);
	cr_assert_eq(handled_si.si_fd, p[0]);
	cr_assert_eq(handled_si.si_band, POLLIN | POLLRDNORM);
}

static _Atomic int stress_stop;

struct stress {
	struct lwp *lwp;
	int p[2];
	int sp[2];
};

static void *
stress_io(void *arg)
{
	struct stress *st = arg;
	char buf[512];

	rump_pub_lwproc_switch(st->lwp);
	rblock_all();
	while (!stress_stop) {
		(void)rump_sys_write(st->p[1], buf, 100);
		(void)rump_sys_read(st->p[0], buf, sizeof(buf));
		(void)rump_sys_write(st->sp[1], buf, 10);
		(void)rump_sys_read(st->sp[0], buf, sizeof(buf));
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void *
stress_toggle(void *arg)
{
	struct stress *st = arg;
	int sigs[] = { 0, RT, SIGUSR1 }, i = 0;

	rump_pub_lwproc_switch(st->lwp);
	rblock_all();
	pid_t pid = rump_sys_getpid();
	while (!stress_stop) {
		int fd = (i & 1) ? st->p[0] : st->sp[0];
		int d = rump_sys_dup(fd);

		(void)rump_sys_fcntl(d, F_SETSIG, sigs[i % 3]);
		(void)rump_sys_fcntl(d, F_SETOWN, (i & 2) ? pid : 0);
		(void)rump_sys_fcntl(d, F_SETFL, O_ASYNC | O_NONBLOCK);
		(void)rump_sys_fcntl(st->p[1], F_SETFL, O_ASYNC | O_NONBLOCK);
		(void)rump_sys_fcntl(d, F_GETOWN);
		(void)rump_sys_fcntl(d, F_SETFL, O_NONBLOCK);
		(void)rump_sys_fcntl(st->p[1], F_SETFL, O_NONBLOCK);
		rump_sys_close(d);
		i++;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* Writers and readers run while another thread turns O_ASYNC on and
 * off, changes owners and signals and closes descriptors; then the
 * files close while registered (under the sanitizers: no race, no
 * leak). */
Test(sigio, threads_toggle_while_io)
{
	static struct stress st, copies[3];
	pthread_t t[3];
	sigset_t set;

	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();
	rblock_all();
	cr_assert_eq(rump_sys_pipe2(st.p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0,
					 st.sp),
		     0);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
		/* A new lwp's mask is empty: block before the thread runs,
		 * or a signal the toggler raises could end the process. */
		rblock_all();
		struct stress *copy = &copies[i];
		*copy = st;
		copy->lwp = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(me);
		cr_assert_eq(pthread_create(&t[i], NULL,
					    i == 2 ? stress_toggle : stress_io,
					    copy),
			     0);
	}
	sleep_ms(300);
	stress_stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* Left registered at the last close. */
	cr_assert_eq(rump_sys_fcntl(st.p[0], F_SETOWN, pid), 0);
	cr_assert_eq(rump_sys_fcntl(st.p[0], F_SETFL, O_ASYNC), 0);
	cr_assert_eq(rump_sys_fcntl(st.sp[0], F_SETFL, O_ASYNC), 0);
	for (int i = 0; i < 2; i++) {
		rump_sys_close(st.p[i]);
		rump_sys_close(st.sp[i]);
	}
	cr_assert_eq(rump_sys_sigpending(&set), 0);
}

/* Closing an O_ASYNC end while another thread keeps the other end busy:
 * the registration goes with the file, under the wakeups. */
Test(sigio, threads_close_while_signalling)
{
	struct stress st;
	pthread_t t;

	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();
	rblock_all();
	cr_assert_eq(rump_sys_pipe2(st.p, O_NONBLOCK), 0);
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0,
					 st.sp),
		     0);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	rblock_all(); /* before the thread runs, as above */
	st.lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	stress_stop = 0;
	cr_assert_eq(pthread_create(&t, NULL, stress_io, &st), 0);
	for (int i = 0; i < 200; i++) {
		int r = rump_sys_open("/dev/null", O_RDONLY); /* a spare */
		int d = rump_sys_dup(st.p[0]);
		int e = rump_sys_dup(st.sp[0]);

		cr_assert_eq(rump_sys_fcntl(d, F_SETOWN, pid), 0);
		cr_assert_eq(rump_sys_fcntl(d, F_SETSIG, i & 1 ? RT : 0), 0);
		cr_assert_eq(rump_sys_fcntl(d, F_SETFL, O_ASYNC | O_NONBLOCK),
			     0);
		cr_assert_eq(rump_sys_fcntl(e, F_SETOWN, pid), 0);
		cr_assert_eq(rump_sys_fcntl(e, F_SETFL, O_ASYNC | O_NONBLOCK),
			     0);
		rump_sys_close(d);
		rump_sys_close(e);
		rump_sys_close(r);
	}
	stress_stop = 1;
	pthread_join(t, NULL);
	for (int i = 0; i < 2; i++) {
		rump_sys_close(st.p[i]);
		rump_sys_close(st.sp[i]);
	}
}

struct sleeper_rd {
	struct lwp *lwp;
	int fd;
	_Atomic int started;
	ssize_t got;
};

static void *
sleeper_read(void *arg)
{
	struct sleeper_rd *r = arg;
	char buf[16];

	rump_pub_lwproc_switch(r->lwp);
	rblock_all();
	r->started = 1;
	r->got = rump_sys_read(r->fd, buf, sizeof(buf));
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* While a receive sleeps for data on a stream socket, Linux tells no
 * O_ASYNC owner of data or a shutdown (SOCKWQ_ASYNC_WAITDATA); on a
 * seqpacket socket it does.  (Host: checked the same way.) */
Test(sigio, stream_reader_asleep_no_signal)
{
	int types[] = { SOCK_STREAM, SOCK_SEQPACKET };
	struct sleeper_rd r;
	siginfo_t si;
	pthread_t t;
	int sp[2];

	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp();
	rblock_all();
	for (int i = 0; i < 2; i++) {
		int expect = types[i] == SOCK_STREAM ? 0 : RT;

		cr_assert_eq(rump_sys_socketpair(AF_UNIX, types[i], 0, sp), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETOWN, pid), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETSIG, RT), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETFL, O_ASYNC), 0);
		for (int shut = 0; shut < 2; shut++) {
			memset(&r, 0, sizeof(r));
			r.fd = sp[0];
			cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
			r.lwp = rump_pub_lwproc_curlwp();
			rump_pub_lwproc_switch(me);
			cr_assert_eq(pthread_create(&t, NULL, sleeper_read, &r),
				     0);
			while (!r.started)
				sleep_ms(1);
			sleep_ms(100); /* asleep in the read by now */
			if (shut)
				cr_assert_eq(rump_sys_shutdown(sp[1], SHUT_WR),
					     0);
			else
				cr_assert_eq(rump_sys_write(sp[1], "a", 1), 1);
			pthread_join(t, NULL);
			cr_assert_eq(r.got, shut ? 0 : 1);
			cr_assert_eq(take(RT, &si), expect, "type %d shut %d",
				     types[i], shut);
		}
		/* With no receive asleep, data signals. */
		cr_assert_eq(rump_sys_socketpair(AF_UNIX, types[i], 0, sp), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETOWN, pid), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETSIG, RT), 0);
		cr_assert_eq(rump_sys_fcntl(sp[0], F_SETFL, O_ASYNC), 0);
		cr_assert_eq(rump_sys_write(sp[1], "a", 1), 1);
		cr_assert_eq(take(RT, &si), RT);
	}
}
