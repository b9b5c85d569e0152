/*
 * poll.c: poll, ppoll, select, pselect (ipc/poll.c) over pipes and
 * eventfds: readiness, POLLNVAL/POLLHUP/POLLERR, timeouts on the
 * kernel's clock, wakeups from other processes on other threads, and
 * the errors.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(poll, .init = ipc_boot);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
mkpipe(int fds[2])
{
	cr_assert_eq(rump_sys_pipe2(fds, O_NONBLOCK), 0);
}

Test(poll, pipe_readiness)
{
	int fds[2];
	struct pollfd p[3];

	mkpipe(fds);
	p[0] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = fds[1], .events = POLLOUT };
	p[2] = (struct pollfd){ .fd = -1, .events = POLLIN };
	RETURNS(rump_sys_poll(p, 3, 0), 1);
	cr_assert_eq(p[0].revents, 0);
	cr_assert_eq(p[1].revents, POLLOUT);
	cr_assert_eq(p[2].revents, 0);
	RETURNS(rump_sys_write(fds[1], "x", 1), 1);
	RETURNS(rump_sys_poll(p, 3, 0), 2);
	cr_assert_eq(p[0].revents, POLLIN);
	/* POLLRDNORM when asked. */
	p[0].events = POLLRDNORM;
	RETURNS(rump_sys_poll(p, 1, 0), 1);
	cr_assert_eq(p[0].revents, POLLRDNORM);
	/* Writer gone: POLLHUP (with the data still readable). */
	RETURNS(rump_sys_close(fds[1]), 0);
	p[0].events = POLLIN;
	RETURNS(rump_sys_poll(p, 1, 0), 1);
	cr_assert_eq(p[0].revents, POLLIN | POLLHUP);
	/* A closed descriptor: POLLNVAL. */
	p[1].events = POLLOUT;
	RETURNS(rump_sys_poll(&p[1], 1, 0), 1);
	cr_assert_eq(p[1].revents, POLLNVAL);
	/* Reader gone: POLLERR on the write end, even when not asked. */
	mkpipe(fds);
	RETURNS(rump_sys_close(fds[0]), 0);
	p[0] = (struct pollfd){ .fd = fds[1], .events = 0 };
	RETURNS(rump_sys_poll(p, 1, 0), 1);
	cr_assert_eq(p[0].revents, POLLERR);
}

Test(poll, full_pipe_not_writable)
{
	int fds[2];
	char buf[4096] = { 0 };
	struct pollfd p;

	mkpipe(fds);
	while (rump_sys_write(fds[1], buf, sizeof(buf)) > 0)
		;
	p = (struct pollfd){ .fd = fds[1], .events = POLLOUT };
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_read(fds[0], buf, 100), 100);
	/* Less than PIPE_BUF free: still not writable. */
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_read(fds[0], buf, 4096), 4096);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
}

Test(poll, errors)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	struct rlimit rl;

	FAILS(rump_sys_poll((struct pollfd *)8, 1, 0), EFAULT);
	cr_assert_eq(rump_sys_getrlimit(RLIMIT_NOFILE, &rl), 0);
	FAILS(rump_sys_poll(&p, rl.rlim_cur + 1, 0), EINVAL);
	RETURNS(rump_sys_poll(NULL, 0, 0), 0);
}

/* x86 lets a program hand in an array at any address; so must we
 * (the kernel's own C must not assume the alignment either). */
Test(poll, a_misaligned_array)
{
	struct pollfd p[2];
	char raw[sizeof(p) + 1];
	int fds[2];

	mkpipe(fds);
	RETURNS(rump_sys_write(fds[1], "x", 1), 1);
	p[0] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = fds[1], .events = POLLOUT };
	memcpy(raw + 1, p, sizeof(p));
	RETURNS(rump_sys_poll((struct pollfd *)(void *)(raw + 1), 2, 0), 2);
	memcpy(p, raw + 1, sizeof(p));
	cr_assert_eq(p[0].revents, POLLIN);
	cr_assert_eq(p[1].revents, POLLOUT);
	rump_sys_close(fds[0]);
	rump_sys_close(fds[1]);
}

Test(poll, timeout)
{
	int fds[2];
	struct pollfd p;
	uint64_t t0;

	mkpipe(fds);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	t0 = now_ms();
	RETURNS(rump_sys_poll(&p, 1, 50), 0);
	cr_assert_geq(now_ms() - t0, 49);
	cr_assert_lt(now_ms() - t0, 2000);
	/* Nothing to wait for, still a sleep. */
	t0 = now_ms();
	RETURNS(rump_sys_poll(NULL, 0, 30), 0);
	cr_assert_geq(now_ms() - t0, 29);
}

struct late {
	struct lwp *l;
	int fd;
	int ms;
};

static void *
late_write(void *arg)
{
	struct late *w = arg;
	uint64_t one = 1;

	rump_pub_lwproc_switch(w->l);
	msleep(w->ms);
	cr_assert_eq(rump_sys_write(w->fd, &one, sizeof(one)), 8);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* Many descriptors, one becomes ready in another process: exactly that
 * one is reported. */
Test(poll, wakeup_from_other_process)
{
	enum { N = 50 };
	struct pollfd p[N];
	struct late w;
	pthread_t t;
	int efd[N];

	new_proc();
	for (int i = 0; i < N; i++) {
		efd[i] = rump_sys_eventfd(0, 0);
		p[i] = (struct pollfd){ .fd = efd[i], .events = POLLIN };
	}
	w.fd = efd[37];
	w.ms = 30;
	w.l = child_proc(RUMP_RFFDG);
	t = spawn(late_write, &w);
	RETURNS(rump_sys_poll(p, N, 5000), 1);
	for (int i = 0; i < N; i++)
		cr_assert_eq(p[i].revents, i == 37 ? POLLIN : 0);
	join(t);
}

Test(poll, ppoll)
{
	int fds[2];
	struct pollfd p;
	struct timespec ts = { 0, 20 * 1000000 }, bad = { 0, 1000000000 };
	sigset_t set;
	uint64_t t0;

	mkpipe(fds);
	sigemptyset(&set);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	t0 = now_ms();
	RETURNS(rump_sys_ppoll(&p, 1, &ts, &set), 0);
	cr_assert_geq(now_ms() - t0, 19);
	/* libc's ppoll leaves the timeout alone. */
	cr_assert_eq(ts.tv_nsec, 20 * 1000000);
	FAILS(rump_sys_ppoll(&p, 1, &bad, NULL), EINVAL);
	RETURNS(rump_sys_write(fds[1], "x", 1), 1);
	RETURNS(rump_sys_ppoll(&p, 1, NULL, NULL), 1);
	/* The raw call checks the signal set's size and pointer. */
	long a[6] = { (long)&p, 1, 0, (long)&set, 4 };
	RETURNS(rump_syscall(RUMP_SYS_ppoll, a), -EINVAL);
	a[3] = 8;
	a[4] = 8;
	RETURNS(rump_syscall(RUMP_SYS_ppoll, a), -EFAULT);
	/* The raw call writes back the time left. */
	struct timespec left = { 5, 0 };
	long b[6] = { (long)&p, 1, (long)&left, 0, 8 };
	RETURNS(rump_syscall(RUMP_SYS_ppoll, b), 1);
	cr_assert_eq(left.tv_sec, 4);
}

Test(poll, select)
{
	int fds[2], efd;
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };

	mkpipe(fds);
	efd = rump_sys_eventfd(1, 0);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fds[0], &r);
	FD_SET(fds[1], &w);
	FD_SET(efd, &r);
	FD_SET(efd, &w);
	FD_SET(fds[0], &e);
	int n = (efd > fds[1] ? efd : fds[1]) + 1;
	/* efd readable and writable, the pipe writable: 3 bits. */
	RETURNS(rump_sys_select(n, &r, &w, &e, &tv), 3);
	cr_assert(!FD_ISSET(fds[0], &r));
	cr_assert(FD_ISSET(efd, &r));
	cr_assert(FD_ISSET(fds[1], &w));
	cr_assert(FD_ISSET(efd, &w));
	cr_assert(!FD_ISSET(fds[0], &e));
	/* A timeout with nothing ready; the time left is written back. */
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv = (struct timeval){ 0, 20000 };
	RETURNS(rump_sys_select(fds[0] + 1, &r, NULL, NULL, &tv), 0);
	cr_assert(!FD_ISSET(fds[0], &r));
	cr_assert_eq(tv.tv_sec, 0);
	cr_assert_eq(tv.tv_usec, 0);
	/* Errors. */
	FD_ZERO(&r);
	FD_SET(200, &r);
	tv = (struct timeval){ 0, 0 };
	FAILS(rump_sys_select(201, &r, NULL, NULL, &tv), EBADF);
	FAILS(rump_sys_select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv.tv_usec = -1;
	FAILS(rump_sys_select(1, NULL, NULL, NULL, &tv), EINVAL);
	FAILS(rump_sys_select(1, (fd_set *)8, NULL, NULL, NULL), EFAULT);
	/* Pure sleep. */
	tv = (struct timeval){ 0, 10000 };
	RETURNS(rump_sys_select(0, NULL, NULL, NULL, &tv), 0);
}

Test(poll, pselect)
{
	int fds[2];
	fd_set r;
	struct timespec ts = { 0, 10 * 1000000 };
	sigset_t set;

	mkpipe(fds);
	sigemptyset(&set);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	RETURNS(rump_sys_pselect(fds[0] + 1, &r, NULL, NULL, &ts, &set), 0);
	cr_assert_eq(ts.tv_nsec, 10 * 1000000);
	RETURNS(rump_sys_write(fds[1], "x", 1), 1);
	FD_SET(fds[0], &r);
	RETURNS(rump_sys_pselect(fds[0] + 1, &r, NULL, NULL, NULL, NULL), 1);
	cr_assert(FD_ISSET(fds[0], &r));
	/* A bad sigset size in the raw call's sixth argument. */
	struct {
		sigset_t *ss;
		size_t len;
	} sig = { &set, 16 };
	long a[6] = { fds[0] + 1, (long)&r, 0, 0, 0, (long)&sig };
	RETURNS(rump_syscall(RUMP_SYS_pselect6, a), -EINVAL);
}

struct closer {
	int fd;
	int ms;
};

static void *
late_close(void *arg)
{
	struct closer *c = arg;

	msleep(c->ms);
	cr_assert_eq(rump_sys_close(c->fd), 0);
	return NULL;
}

/* A poller sleeping on a pipe is woken by the writer's close. */
Test(poll, hup_wakes)
{
	int fds[2];
	struct pollfd p;
	struct closer c;
	pthread_t t;

	mkpipe(fds);
	c.fd = fds[1];
	c.ms = 30;
	t = spawn(late_close, &c);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 5000), 1);
	cr_assert_eq(p.revents, POLLHUP);
	join(t);
}
