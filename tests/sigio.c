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
