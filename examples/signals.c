/*
 * signals.c: signals and timers are kernel state in rumpkit.
 *
 * An interval timer armed in the rump kernel interrupts a blocking
 * rump_sys_poll(): the poll returns -1 with EINTR, and the SIGALRM
 * handler installed with rump_sys_sigaction() has run on this thread
 * before it returned.  (NetBSD's rump kernels never interrupted a
 * blocking call.)  Then one rump process ends another with kill, and the
 * parent learns why, also as an epoll event loop does: SIGCHLD, blocked,
 * comes through a signalfd registered with epoll.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
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
	struct epoll_event ev = { .events = EPOLLIN };
	struct signalfd_siginfo ssi;
	sigset_t chld;
	int fds[2], status, rv, sfd, ep;
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

	/* SIGCHLD goes to a signalfd that an epoll set watches. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	check(rump_sys_sigprocmask(SIG_BLOCK, &chld, NULL) == 0, "sigprocmask");
	check((sfd = rump_sys_signalfd(-1, &chld, SFD_CLOEXEC)) >= 0,
	      "signalfd");
	check((ep = rump_sys_epoll_create1(EPOLL_CLOEXEC)) >= 0, "epoll");
	check(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == 0,
	      "epoll_ctl");

	/* A child process, ended by SIGTERM's default action. */
	check(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0, "rfork");
	child = rump_sys_getpid();
	rump_pub_lwproc_switch(parent);
	check(rump_sys_kill(child, SIGTERM) == 0, "kill");
	check(rump_proc_exitstatus(child, &status) == 0, "exit status");
	printf("process %d ended by signal %d (%s)\n", (int)child,
	       WTERMSIG(status), strsignal(WTERMSIG(status)));
	check(rump_sys_epoll_wait(ep, &ev, 1, 5000) == 1, "epoll_wait");
	check(rump_sys_read(sfd, &ssi, sizeof(ssi)) == sizeof(ssi), "read");
	printf("signalfd: signal %d (%s) from pid %u, status %d\n",
	       (int)ssi.ssi_signo, strsignal((int)ssi.ssi_signo), ssi.ssi_pid,
	       ssi.ssi_status);
	check(ssi.ssi_signo == SIGCHLD && ssi.ssi_pid == (unsigned)child &&
		      ssi.ssi_code == CLD_KILLED && ssi.ssi_status == SIGTERM,
	      "SIGCHLD record");
	return 0;
}
