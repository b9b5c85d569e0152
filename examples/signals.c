/*
 * signals.c: signals and timers are kernel state in rumpkit.
 *
 * An interval timer armed in the rump kernel interrupts a blocking
 * rump_sys_poll(): the poll returns -1 with EINTR, and the SIGALRM
 * handler installed with rump_sys_sigaction() has run on this thread
 * before it returned.  (NetBSD's rump kernels never interrupted a
 * blocking call.)  Then one rump process ends another with kill, and the
 * parent learns why.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "signals: %s failed: %s\n", what,
			strerror(errno));
		exit(1);
	}
}

int
main(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 50000 } }; /* 50 ms */
	struct sigaction sa;
	struct pollfd pfd;
	int fds[2], status, rv;
	pid_t child;
	struct lwp *parent;

	check(rump_init() == 0, "rump_init");
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	parent = rump_pub_lwproc_curlwp();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	check(rump_sys_sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	check(rump_sys_pipe(fds) == 0, "pipe");
	pfd.fd = fds[0]; /* nobody writes: poll would wait forever */
	pfd.events = POLLIN;
	check(rump_sys_setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	rv = rump_sys_poll(&pfd, 1, -1);
	printf("poll: %d (%s), SIGALRM handler ran %d time(s)\n", rv,
	       rv < 0 ? strerror(errno) : "ready", (int)alarms);
	check(rv == -1 && errno == EINTR && alarms == 1, "interrupted poll");

	/* A child process, ended by SIGTERM's default action. */
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	child = rump_sys_getpid();
	rump_pub_lwproc_switch(parent);
	check(rump_sys_kill(child, SIGTERM) == 0, "kill");
	check(rump_proc_exitstatus(child, &status) == 0, "exit status");
	printf("process %d ended by signal %d (%s)\n", (int)child,
	       WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 0;
}
