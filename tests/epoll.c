/*
 * epoll.c: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait (ipc/epoll.c): level- and edge-triggered reports,
 * EPOLLONESHOT, EPOLLEXCLUSIVE's rules, nesting and loops, automatic
 * removal when a file goes away, errors, and waits woken from other
 * processes on other threads.
 */
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(epoll, .init = ipc_boot);

static int
ep_new(void)
{
	int ep = rump_sys_epoll_create1(0);

	cr_assert_geq(ep, 0, "epoll_create1: %s", strerror(errno));
	return ep;
}

static void
ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0,
		     "epoll_ctl ADD %d: %s", fd, strerror(errno));
}

static void
mkpipe(int fds[2])
{
	cr_assert_eq(rump_sys_pipe2(fds, O_NONBLOCK), 0);
}

Test(epoll, create)
{
	int ep;

	FAILS(rump_sys_epoll_create(0), EINVAL);
	FAILS(rump_sys_epoll_create(-1), EINVAL);
	FAILS(rump_sys_epoll_create1(1), EINVAL);
	ep = rump_sys_epoll_create(1);
	cr_assert_geq(ep, 0);
	RETURNS(rump_sys_fcntl(ep, F_GETFD), 0);
	ep = rump_sys_epoll_create1(EPOLL_CLOEXEC);
	RETURNS(rump_sys_fcntl(ep, F_GETFD), FD_CLOEXEC);
	char c;
	FAILS(rump_sys_read(ep, &c, 1), EINVAL);
}

Test(epoll, ctl_errors)
{
	int ep = ep_new(), fds[2], m;
	struct epoll_event ev = { .events = EPOLLIN };

	mkpipe(fds);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev), EBADF);
	FAILS(rump_sys_epoll_ctl(99, EPOLL_CTL_ADD, fds[0], &ev), EBADF);
	FAILS(rump_sys_epoll_ctl(fds[0], EPOLL_CTL_ADD, fds[1], &ev), EINVAL);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	FAILS(rump_sys_epoll_ctl(ep, 7, fds[0], &ev), EINVAL);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], (void *)8), EFAULT);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev), ENOENT);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL), ENOENT);
	/* A regular file cannot be polled. */
	m = rump_sys_memfd_create("m", 0);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev), EPERM);
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), 0);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), EEXIST);
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL), 0);
	/* EPOLLEXCLUSIVE: ADD only, a limited set of bits, no epolls. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), 0);
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev), EINVAL);
	ev.events = EPOLLIN;
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev), EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[1], &ev), EINVAL);
	int ep2 = ep_new();
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	FAILS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), EINVAL);
	/* epoll_wait's checks. */
	struct epoll_event out[2];
	FAILS(rump_sys_epoll_wait(ep, out, 0, 0), EINVAL);
	FAILS(rump_sys_epoll_wait(fds[0], out, 1, 0), EINVAL);
	FAILS(rump_sys_epoll_wait(99, out, 1, 0), EBADF);
	FAILS(rump_sys_epoll_wait(ep, (void *)0xffff800000000000UL, 1, 0),
	      EFAULT);
}

Test(epoll, level_triggered)
{
	int ep = ep_new(), fds[2];
	struct epoll_event out[4];
	char c;

	mkpipe(fds);
	ep_add(ep, fds[0], EPOLLIN, 11);
	ep_add(ep, fds[1], EPOLLOUT, 22);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 22);
	cr_assert_eq(out[0].events, EPOLLOUT);
	RETURNS(rump_sys_write(fds[1], "ab", 2), 2);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 2);
	/* Still readable: reported again and again. */
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 2);
	RETURNS(rump_sys_read(fds[0], &c, 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 2);
	RETURNS(rump_sys_read(fds[0], &c, 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 22);
	/* maxevents limits one call; the rest come next time. */
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 1, 0), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 1, 0), 1);
	/* MOD changes the interest; DEL removes it. */
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 33 };
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fds[1], &ev), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 11);
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
}

Test(epoll, edge_triggered)
{
	int ep = ep_new(), fds[2];
	struct epoll_event out[4];
	char buf[8];

	mkpipe(fds);
	ep_add(ep, fds[0], EPOLLIN | EPOLLET, 1);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	/* No new edge: nothing, though data is still there. */
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
	RETURNS(rump_sys_write(fds[1], "b", 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	RETURNS(rump_sys_read(fds[0], buf, sizeof(buf)), 2);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
}

Test(epoll, oneshot)
{
	int ep = ep_new(), fds[2];
	struct epoll_event out[4], ev = { .events = EPOLLIN | EPOLLONESHOT };

	mkpipe(fds);
	ev.data.u64 = 5;
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev), 0);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
	/* Re-armed by MOD. */
	RETURNS(rump_sys_epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 5);
}

Test(epoll, hup_and_err)
{
	int ep = ep_new(), fds[2];
	struct epoll_event out[4];

	mkpipe(fds);
	ep_add(ep, fds[0], EPOLLIN, 1);
	RETURNS(rump_sys_close(fds[1]), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	cr_assert_eq(out[0].events, EPOLLHUP);
	mkpipe(fds);
	ep_add(ep, fds[1], EPOLLOUT, 2);
	RETURNS(rump_sys_close(fds[0]), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 2);
}

Test(epoll, close_removes)
{
	int ep = ep_new(), fds[2], d;
	struct epoll_event out[4];

	mkpipe(fds);
	ep_add(ep, fds[0], EPOLLIN, 1);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	/* A dup keeps the file (and the registration) alive. */
	d = rump_sys_dup(fds[0]);
	RETURNS(rump_sys_close(fds[0]), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 1);
	/* The last close drops it. */
	RETURNS(rump_sys_close(d), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 4, 0), 0);
	/* Closing the epoll with registrations is fine, and the files
	 * live on. */
	mkpipe(fds);
	ep_add(ep, fds[0], EPOLLIN, 1);
	RETURNS(rump_sys_close(ep), 0);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
}

Test(epoll, nested_and_loops)
{
	int outer = ep_new(), inner = ep_new(), fds[2];
	struct epoll_event out[4];

	mkpipe(fds);
	ep_add(inner, fds[0], EPOLLIN, 1);
	ep_add(outer, inner, EPOLLIN, 2);
	RETURNS(rump_sys_epoll_wait(outer, out, 4, 0), 0);
	RETURNS(rump_sys_write(fds[1], "a", 1), 1);
	RETURNS(rump_sys_epoll_wait(outer, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 2);
	RETURNS(rump_sys_epoll_wait(inner, out, 4, 0), 1);
	cr_assert_eq(out[0].data.u64, 1);
	/* inner in outer: outer in inner would be a loop. */
	struct epoll_event ev = { .events = EPOLLIN };
	FAILS(rump_sys_epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev), ELOOP);
	/* An epoll is pollable. */
	struct pollfd p = { .fd = outer, .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
}

Test(epoll, timeout)
{
	int ep = ep_new();
	struct epoll_event out[1];
	struct timespec a, b;
	sigset_t set;

	clock_gettime(CLOCK_MONOTONIC, &a);
	RETURNS(rump_sys_epoll_wait(ep, out, 1, 40), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 +
		  (b.tv_nsec - a.tv_nsec) / 1000000;
	cr_assert_geq(ms, 39);
	sigemptyset(&set);
	RETURNS(rump_sys_epoll_pwait(ep, out, 1, 10, &set), 0);
	RETURNS(rump_sys_epoll_pwait(ep, out, 1, 0, NULL), 0);
	long args[6] = { ep, (long)out, 1, 0, (long)&set, 4 };
	RETURNS(rump_syscall(RUMP_SYS_epoll_pwait, args), -EINVAL);
}

/* ---- an epoll loop serving many connections from other processes ---- */

#define NCONN 100
#define ROUNDS 20

struct client {
	struct lwp *l;
	int req, resp; /* its ends: write requests, read responses */
	int ok;
};

static void *
client_main(void *arg)
{
	struct client *c = arg;
	uint64_t v;

	rump_pub_lwproc_switch(c->l);
	for (int i = 1; i <= ROUNDS; i++) {
		v = (uint64_t)i;
		if (rump_sys_write(c->req, &v, sizeof(v)) != 8)
			break;
		if (rump_sys_read(c->resp, &v, sizeof(v)) != 8 ||
		    v != (uint64_t)i * 2)
			break;
		c->ok = i;
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(epoll, serves_100_clients)
{
	static struct client c[NCONN];
	int req[NCONN][2], resp[NCONN][2];
	pthread_t t[NCONN];
	struct epoll_event out[16];
	int ep, served = 0;

	new_proc();
	ep = ep_new();
	for (int i = 0; i < NCONN; i++) {
		cr_assert_eq(rump_sys_pipe(req[i]), 0);
		cr_assert_eq(rump_sys_pipe(resp[i]), 0);
		ep_add(ep, req[i][0], EPOLLIN, (uint64_t)i);
	}
	for (int i = 0; i < NCONN; i++) {
		c[i].req = req[i][1];
		c[i].resp = resp[i][0];
		c[i].l = child_proc(RUMP_RFFDG);
	}
	for (int i = 0; i < NCONN; i++)
		t[i] = spawn(client_main, &c[i]);
	while (served < NCONN * ROUNDS) {
		int n = rump_sys_epoll_wait(ep, out, 16, 10000);
		cr_assert_gt(n, 0, "epoll_wait: %d %s", n, strerror(errno));
		for (int k = 0; k < n; k++) {
			int i = (int)out[k].data.u64;
			uint64_t v;
			cr_assert_eq(rump_sys_read(req[i][0], &v, 8), 8);
			v *= 2;
			cr_assert_eq(rump_sys_write(resp[i][1], &v, 8), 8);
			served++;
		}
	}
	for (int i = 0; i < NCONN; i++) {
		join(t[i]);
		cr_assert_eq(c[i].ok, ROUNDS);
	}
}

struct poster {
	struct lwp *l;
	int fd;
};

static void *
post_later(void *arg)
{
	struct poster *p = arg;
	uint64_t one = 1;

	rump_pub_lwproc_switch(p->l);
	msleep(30);
	cr_assert_eq(rump_sys_write(p->fd, &one, 8), 8);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* Several threads waiting on one epoll: a wakeup reaches them. */
struct waiter_arg {
	int pid, ep;
};

static void *
waiter_main(void *arg)
{
	struct waiter_arg *a = arg;
	struct epoll_event out[1];
	long n;

	cr_assert_eq(rump_pub_lwproc_newlwp(a->pid), 0);
	n = rump_sys_epoll_wait(a->ep, out, 1, 5000);
	rump_pub_lwproc_releaselwp();
	return (void *)n;
}

Test(epoll, blocking_wakeup)
{
	int ep, efd;
	struct poster p;
	pthread_t t, w;

	new_proc();
	ep = ep_new();
	efd = rump_sys_eventfd(0, 0);
	ep_add(ep, efd, EPOLLIN, 9);
	p.fd = efd;
	p.l = child_proc(RUMP_RFFDG);
	t = spawn(post_later, &p);
	struct waiter_arg wa = { rump_sys_getpid(), ep };
	w = spawn(waiter_main, &wa);
	struct epoll_event out[1];
	RETURNS(rump_sys_epoll_wait(ep, out, 1, 5000), 1);
	cr_assert_eq(out[0].data.u64, 9);
	join(t);
	cr_assert_eq((long)join(w), 1); /* level-triggered: both see it */
}

/* ---- level-triggered items while their files keep waking ------------- */

#define LT_PIPES 4
#define LT_BYTES 5000

struct lt_writer {
	struct lwp *l;
	int fd;
};

static void *
lt_write_main(void *arg)
{
	struct lt_writer *w = arg;
	char c = 'x';

	rump_pub_lwproc_switch(w->l);
	for (int i = 0; i < LT_BYTES;) {
		if (rump_sys_write(w->fd, &c, 1) == 1)
			i++;
		else
			sched_yield(); /* full: the reader catches up */
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* Writers wake the items while epoll_wait reports them: every byte is
 * still reported (no event lost), and one call names an item once. */
Test(epoll, level_triggered_under_concurrent_wakeups)
{
	struct lt_writer w[LT_PIPES];
	int fds[LT_PIPES][2];
	pthread_t t[LT_PIPES];
	struct epoll_event out[2];
	long got = 0;
	int ep;

	new_proc();
	ep = ep_new();
	for (int i = 0; i < LT_PIPES; i++) {
		mkpipe(fds[i]);
		ep_add(ep, fds[i][0], EPOLLIN, (uint64_t)i);
	}
	for (int i = 0; i < LT_PIPES; i++) {
		w[i].fd = fds[i][1];
		w[i].l = child_proc(RUMP_RFFDG);
	}
	for (int i = 0; i < LT_PIPES; i++)
		t[i] = spawn(lt_write_main, &w[i]);
	while (got < (long)LT_PIPES * LT_BYTES) {
		int n = rump_sys_epoll_wait(ep, out, 2, 5000);

		cr_assert_gt(n, 0, "epoll_wait: %d, %ld bytes of %d", n, got,
			     LT_PIPES * LT_BYTES);
		if (n == 2)
			cr_assert_neq(out[0].data.u64, out[1].data.u64,
				      "one call reports an item once");
		for (int k = 0; k < n; k++) {
			char buf[64];
			long r = rump_sys_read(fds[out[k].data.u64][0], buf,
					       sizeof(buf));

			cr_assert_gt(r, 0, "a reported pipe has data");
			got += r;
		}
	}
	for (int i = 0; i < LT_PIPES; i++)
		join(t[i]);
	cr_assert_eq(got, (long)LT_PIPES * LT_BYTES);
}

/* ---- EPOLLEXCLUSIVE wakeups ---- */

#define NEXCL 4

struct exwait {
	int ep;
	int got; /* events reported */
};

static void *
ex_waiter(void *a)
{
	struct exwait *w = a;
	struct epoll_event ev;

	/* In the test's process (implicit context): same descriptors. */
	w->got = rump_sys_epoll_wait(w->ep, &ev, 1, 600);
	return NULL;
}

/* Start one waiter per epoll, let them all go to sleep, then make the
 * eventfd readable once; returns how many of them saw it. */
static int
wake_count(struct exwait *w, int n, int efd)
{
	pthread_t t[NEXCL];
	struct timespec d = { 0, 150 * 1000 * 1000 };
	uint64_t one = 1;
	int woken = 0;

	for (int i = 0; i < n; i++)
		t[i] = spawn(ex_waiter, &w[i]);
	nanosleep(&d, NULL);
	RETURNS(rump_sys_write(efd, &one, sizeof(one)), 8);
	for (int i = 0; i < n; i++) {
		join(t[i]);
		cr_assert_geq(w[i].got, 0);
		woken += w[i].got;
	}
	return woken;
}

/* Several epolls wait on one file with EPOLLEXCLUSIVE: one event wakes
 * one of them (not all), as Linux. */
Test(epoll, exclusive_wakes_one)
{
	struct exwait w[NEXCL];
	int efd = rump_sys_eventfd(0, EFD_NONBLOCK);
	uint64_t v;

	cr_assert_geq(efd, 0);
	for (int i = 0; i < NEXCL; i++) {
		w[i].ep = ep_new();
		ep_add(w[i].ep, efd, EPOLLIN | EPOLLEXCLUSIVE, (uint64_t)i);
	}
	int woken = wake_count(w, NEXCL, efd);
	cr_assert(woken >= 1 && woken < NEXCL, "%d of %d woken", woken, NEXCL);
	RETURNS(rump_sys_read(efd, &v, sizeof(v)), 8);
	/* The same epolls without EPOLLEXCLUSIVE: every one wakes. */
	for (int i = 0; i < NEXCL; i++) {
		RETURNS(rump_sys_epoll_ctl(w[i].ep, EPOLL_CTL_DEL, efd, NULL),
			0);
		ep_add(w[i].ep, efd, EPOLLIN, (uint64_t)i);
	}
	woken = wake_count(w, NEXCL, efd);
	cr_assert_eq(woken, NEXCL);
	for (int i = 0; i < NEXCL; i++)
		rump_sys_close(w[i].ep);
	rump_sys_close(efd);
}

/* Mixed: the plain registrations all wake, the exclusive ones not all. */
Test(epoll, exclusive_mixed)
{
	struct exwait w[NEXCL];
	int efd = rump_sys_eventfd(0, EFD_NONBLOCK);

	cr_assert_geq(efd, 0);
	for (int i = 0; i < NEXCL; i++) {
		w[i].ep = ep_new();
		ep_add(w[i].ep, efd, EPOLLIN | (i < 1 ? 0 : EPOLLEXCLUSIVE),
		       (uint64_t)i);
	}
	wake_count(w, NEXCL, efd);
	cr_assert_eq(w[0].got, 1, "the plain registration was not woken");
	int ex = 0;
	for (int i = 1; i < NEXCL; i++)
		ex += w[i].got;
	cr_assert(ex >= 1 && ex < NEXCL - 1, "%d exclusive woken", ex);
	for (int i = 0; i < NEXCL; i++)
		rump_sys_close(w[i].ep);
	rump_sys_close(efd);
}

/* An exclusive registration whose epoll nobody waits on does not eat
 * the wakeup: it is still reported later, and a waiter elsewhere wakes. */
Test(epoll, exclusive_idle_epoll_passes_on)
{
	struct exwait w[1];
	struct epoll_event ev;
	int efd = rump_sys_eventfd(0, EFD_NONBLOCK);
	int idle = ep_new();

	ep_add(idle, efd, EPOLLIN | EPOLLEXCLUSIVE, 7);
	w[0].ep = ep_new();
	ep_add(w[0].ep, efd, EPOLLIN | EPOLLEXCLUSIVE, 8);
	cr_assert_eq(wake_count(w, 1, efd), 1);
	RETURNS(rump_sys_epoll_wait(idle, &ev, 1, 0), 1);
	cr_assert_eq(ev.data.u64, 7);
	rump_sys_close(idle);
	rump_sys_close(w[0].ep);
	rump_sys_close(efd);
}

/* Linux 6.9+ answers ioctls an epoll does not know with EINVAL (it has
 * busy-poll ones of its own), FIONREAD included; FIOQSIZE is ENOTTY. */
Test(epoll, unknown_ioctl_einval)
{
	int ep = rump_sys_epoll_create1(0), n;

	cr_assert_geq(ep, 0);
	FAILS(rump_sys_ioctl(ep, FIONREAD, &n), EINVAL);
	FAILS(rump_sys_ioctl(ep, 0x1234, &n), EINVAL);
	FAILS(rump_sys_ioctl(ep, FIOQSIZE, &n), ENOTTY);
	RETURNS(rump_sys_close(ep), 0);
}

/* fn on the host or in rumpkit. */
#define KCALL(rump, fn, ...)                                                   \
	((rump) ? (long)rump_sys_##fn(__VA_ARGS__) : (long)fn(__VA_ARGS__))

static void
note(char *out, size_t olen, long v)
{
	size_t n = strlen(out);

	snprintf(out + n, olen - n, " %ld", v);
}

/* poll of an epoll descriptor for POLLIN, with a zero timeout. */
static long
ep_readable(bool rump, int ep)
{
	struct pollfd p = { .fd = ep, .events = POLLIN };

	cr_assert_geq(KCALL(rump, poll, &p, 1, 0), 0);
	return p.revents;
}

static void
ep_poll_steps(bool rump, char *out, size_t olen)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[4];
	int ep, ep2, p[2];
	char c;

	out[0] = '\0';
	ep = (int)KCALL(rump, epoll_create1, 0);
	ep2 = (int)KCALL(rump, epoll_create1, 0);
	cr_assert_eq(KCALL(rump, pipe2, p, O_NONBLOCK), 0);
	cr_assert_eq(KCALL(rump, epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	cr_assert_eq(KCALL(rump, epoll_ctl, ep2, EPOLL_CTL_ADD, ep, &ev), 0);
	/* Readable, then drained before anybody looked. */
	cr_assert_eq(KCALL(rump, write, p[1], "x", 1), 1);
	cr_assert_eq(KCALL(rump, read, p[0], &c, 1), 1);
	note(out, olen, ep_readable(rump, ep));
	note(out, olen, KCALL(rump, epoll_wait, ep2, got, 4, 0));
	/* Readable: the epoll is, and so is the epoll holding it. */
	cr_assert_eq(KCALL(rump, write, p[1], "x", 1), 1);
	note(out, olen, ep_readable(rump, ep));
	note(out, olen, KCALL(rump, epoll_wait, ep2, got, 4, 0));
	note(out, olen, KCALL(rump, epoll_wait, ep, got, 4, 0));
	cr_assert_eq(KCALL(rump, read, p[0], &c, 1), 1);
	note(out, olen, ep_readable(rump, ep));
	note(out, olen, KCALL(rump, epoll_wait, ep2, got, 4, 0));
	note(out, olen, KCALL(rump, epoll_wait, ep, got, 4, 0));
	/* One-shot: reported once, then disabled until EPOLL_CTL_MOD. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	cr_assert_eq(KCALL(rump, epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev), 0);
	cr_assert_eq(KCALL(rump, write, p[1], "x", 1), 1);
	note(out, olen, ep_readable(rump, ep));
	note(out, olen, KCALL(rump, epoll_wait, ep, got, 4, 0));
	note(out, olen, ep_readable(rump, ep));
	cr_assert_eq(KCALL(rump, write, p[1], "x", 1), 1);
	note(out, olen, ep_readable(rump, ep));
	note(out, olen, KCALL(rump, epoll_wait, ep2, got, 4, 0));
	KCALL(rump, close, p[0]);
	KCALL(rump, close, p[1]);
	KCALL(rump, close, ep);
	KCALL(rump, close, ep2);
}

/* As Linux's ep_eventpoll_poll: an epoll is readable when an item on
 * its ready list is ready now; items that are not (drained since the
 * wakeup that put them there, one-shot ones disabled) leave the list. */
Test(epoll, poll_looks_at_ready_items)
{
	char h[128], r[128];

	ep_poll_steps(false, h, sizeof(h));
	ep_poll_steps(true, r, sizeof(r));
	cr_assert_str_eq(r, h, "rump%s, host%s", r, h);
}
