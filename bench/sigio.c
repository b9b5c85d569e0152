/*
 * sigio.c: signal-driven I/O, rump against the host in the same run,
 * one thread doing all the work (the host's signals go to that thread:
 * F_OWNER_TID, every signal blocked).
 *
 *  - a 1-byte write and read through a pipe nobody asked signals of:
 *    the cost O_ASYNC support adds to a pipe's hot path when unused is
 *    one branch per call.  Target: <= the host's time.
 *  - the same with O_ASYNC on the read end and F_SETSIG a real-time
 *    signal, which each write queues and a sigtimedwait then takes (so
 *    one op is a write, a read, a signal queued and dequeued).  Target:
 *    <= the host's time.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "bench.h"

struct ops {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	int (*sigtimedwait)(const sigset_t *, siginfo_t *,
			    const struct timespec *);
};

static const struct ops host_ops = { read, write, sigtimedwait };
static const struct ops rump_ops = { rump_sys_read, rump_sys_write,
				     rump_sys_sigtimedwait };

struct pipe_arg {
	const struct ops *o;
	int rd, wr;
	sigset_t set;
};

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
rw(void *arg, long n)
{
	struct pipe_arg *a = arg;
	char c = 'x';

	while (n-- > 0) {
		if (a->o->write(a->wr, &c, 1) != 1 ||
		    a->o->read(a->rd, &c, 1) != 1)
			die("pipe");
	}
}

static void
rw_signal(void *arg, long n)
{
	struct pipe_arg *a = arg;
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	char c = 'x';

	while (n-- > 0) {
		if (a->o->write(a->wr, &c, 1) != 1 ||
		    a->o->read(a->rd, &c, 1) != 1)
			die("pipe");
		if (a->o->sigtimedwait(&a->set, &si, &zero) != SIGRTMIN)
			die("sigtimedwait");
	}
}

/* A pipe of the host or of rumpkit, with O_ASYNC on its read end if
 * `async' (F_SETSIG SIGRTMIN, the calling thread its owner). */
static void
setup(struct pipe_arg *a, int rump, int async)
{
	struct f_owner_ex ex = { F_OWNER_TID, 0 };
	int p[2];

	a->o = rump ? &rump_ops : &host_ops;
	sigemptyset(&a->set);
	sigaddset(&a->set, SIGRTMIN);
	if ((rump ? rump_sys_pipe2(p, 0) : pipe2(p, 0)) != 0)
		die("pipe2");
	a->rd = p[0];
	a->wr = p[1];
	if (!async)
		return;
	ex.pid = rump ? rump_sys_gettid() : gettid();
	if (rump) {
		if (rump_sys_fcntl(p[0], F_SETOWN_EX, &ex) != 0 ||
		    rump_sys_fcntl(p[0], F_SETSIG, SIGRTMIN) != 0 ||
		    rump_sys_fcntl(p[0], F_SETFL, O_ASYNC) != 0)
			die("rump fcntl");
	} else {
		if (fcntl(p[0], F_SETOWN_EX, &ex) != 0 ||
		    fcntl(p[0], F_SETSIG, SIGRTMIN) != 0 ||
		    fcntl(p[0], F_SETFL, O_ASYNC) != 0)
			die("fcntl");
	}
}

static void
teardown(struct pipe_arg *a, int rump)
{
	if (rump) {
		rump_sys_close(a->rd);
		rump_sys_close(a->wr);
	} else {
		close(a->rd);
		close(a->wr);
	}
}

static double
run(const char *name, int rump, int async)
{
	struct pipe_arg a;
	double ns;

	setup(&a, rump, async);
	ns = bench_run(name, async ? rw_signal : rw, &a, 0);
	teardown(&a, rump);
	return ns;
}

int
main(void)
{
	sigset_t all;
	double r, h;

	if (rump_init() != 0)
		die("rump_init");
	if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != 0)
		die("rfork");
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if (sigprocmask(SIG_BLOCK, &all, NULL) != 0 ||
	    rump_sys_sigprocmask(SIG_BLOCK, &all, NULL) != 0)
		die("sigprocmask");
	bench_json_begin();

	r = run("pipe 1B write+read rump", 1, 0);
	h = run("pipe 1B write+read host", 0, 0);
	bench_report("pipe 1B write+read, no O_ASYNC", r, h, 1.0);

	r = run("pipe 1B O_ASYNC rump", 1, 1);
	h = run("pipe 1B O_ASYNC host", 0, 1);
	bench_report("pipe 1B write+read+RT signal taken, O_ASYNC", r, h, 1.0);

	bench_json_end();
	return 0;
}
