/*
 * ipc_intr.c: signals interrupting the IPC calls that block (through
 * the kernel's one interruptible sleep): under SA_RESTART the calls
 * Linux restarts (read of a pipe, recv, accept, eventfd read, FIFO open)
 * carry on and complete; without it they fail with EINTR; poll and
 * epoll_wait fail with EINTR either way.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(ipc_intr, .init = ipc_boot);

static int hits;

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
}

static void
set_handler(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sa.sa_handler = on_usr1;
	cr_assert_eq(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
}

enum call {
	C_PIPE_READ,
	C_RECV,
	C_ACCEPT,
	C_EVENTFD,
	C_POLL,
	C_EPOLL,
	C_FIFO_OPEN
};

struct blocker {
	struct lwp *l;
	enum call call;
	int fd, ep;
	pid_t tid;
	int ready;
	long rv;
	int err;
};

static void *
blocker_main(void *arg)
{
	struct blocker *b = arg;
	char buf[8];
	uint64_t v;
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	struct epoll_event ev;

	rump_pub_lwproc_switch(b->l);
	b->tid = rump_sys_gettid();
	__atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
	switch (b->call) {
	case C_PIPE_READ:
		b->rv = rump_sys_read(b->fd, buf, sizeof(buf));
		break;
	case C_RECV:
		b->rv = rump_sys_recv(b->fd, buf, sizeof(buf), 0);
		break;
	case C_ACCEPT:
		b->rv = rump_sys_accept(b->fd, NULL, NULL);
		break;
	case C_EVENTFD:
		b->rv = rump_sys_read(b->fd, &v, sizeof(v));
		break;
	case C_POLL:
		b->rv = rump_sys_poll(&p, 1, 5000);
		break;
	case C_EPOLL:
		b->rv = rump_sys_epoll_wait(b->ep, &ev, 1, 5000);
		break;
	case C_FIFO_OPEN:
		b->rv = rump_sys_open("/ififo", O_RDONLY);
		break;
	}
	b->err = errno;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static socklen_t
abstract(struct sockaddr_un *sun, const char *name)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path + 1, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(name));
}

/* Block `call' in a second lwp of a new process, signal it, then make
 * the call able to complete.  Returns the blocker's outcome. */
static void
run(enum call call, int saflags, struct blocker *b)
{
	int fds[2] = { -1, -1 }, wake = -1;
	struct sockaddr_un sun;
	socklen_t len = abstract(&sun, "intr");
	uint64_t one = 1;
	pthread_t t;
	pid_t pid;

	memset(b, 0, sizeof(*b));
	b->call = call;
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pid = rump_sys_getpid();
	set_handler(saflags);
	switch (call) {
	case C_PIPE_READ:
	case C_POLL:
	case C_EPOLL:
		cr_assert_eq(rump_sys_pipe(fds), 0);
		b->fd = fds[0];
		wake = fds[1];
		b->ep = rump_sys_epoll_create1(0);
		struct epoll_event ev = { .events = EPOLLIN };
		cr_assert_eq(
			rump_sys_epoll_ctl(b->ep, EPOLL_CTL_ADD, b->fd, &ev),
			0);
		break;
	case C_RECV:
		cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, fds),
			     0);
		b->fd = fds[0];
		wake = fds[1];
		break;
	case C_ACCEPT:
		b->fd = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(rump_sys_bind(b->fd, (struct sockaddr *)&sun, len),
			     0);
		cr_assert_eq(rump_sys_listen(b->fd, 1), 0);
		break;
	case C_EVENTFD:
		b->fd = rump_sys_eventfd(0, 0);
		wake = b->fd;
		break;
	case C_FIFO_OPEN:
		cr_assert_eq(rump_sys_mknod("/ififo", S_IFIFO | 0666, 0), 0);
		break;
	}
	struct lwp *me = rump_pub_lwproc_curlwp();
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	b->l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	t = spawn(blocker_main, b);
	while (!__atomic_load_n(&b->ready, __ATOMIC_ACQUIRE))
		msleep(1);
	msleep(30);
	cr_assert_eq(rump_sys_tkill(b->tid, SIGUSR1), 0);
	msleep(30);
	/* Now let the call complete, if it is still waiting. */
	switch (call) {
	case C_PIPE_READ:
	case C_RECV:
	case C_POLL:
	case C_EPOLL:
		cr_assert_eq(rump_sys_write(wake, "hi", 2), 2);
		break;
	case C_EVENTFD:
		cr_assert_eq(rump_sys_write(wake, &one, sizeof(one)), 8);
		break;
	case C_ACCEPT: {
		int c = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(rump_sys_connect(c, (struct sockaddr *)&sun, len),
			     0);
		break;
	}
	case C_FIFO_OPEN: {
		int w = rump_sys_open("/ififo", O_WRONLY | O_NONBLOCK);
		/* Without SA_RESTART the reader is gone: ENXIO. */
		cr_assert(w >= 0 || errno == ENXIO);
		break;
	}
	}
	join(t);
	cr_assert_eq(__atomic_load_n(&hits, __ATOMIC_RELAXED), 1,
		     "the handler ran %d times", hits);
}

#define RESTARTS(name, call)                                                   \
	Test(ipc_intr, name##_restarts)                                        \
	{                                                                      \
		struct blocker b;                                              \
		run(call, SA_RESTART, &b);                                     \
		cr_assert_geq(b.rv, 0, "rv %ld errno %d", b.rv, b.err);        \
	}                                                                      \
	Test(ipc_intr, name##_eintr)                                           \
	{                                                                      \
		struct blocker b;                                              \
		run(call, 0, &b);                                              \
		cr_assert_eq(b.rv, -1);                                        \
		cr_assert_eq(b.err, EINTR);                                    \
	}

RESTARTS(pipe_read, C_PIPE_READ)
RESTARTS(recv, C_RECV)
RESTARTS(accept, C_ACCEPT)
RESTARTS(eventfd_read, C_EVENTFD)
RESTARTS(fifo_open, C_FIFO_OPEN)

/* poll and epoll_wait never restart. */
Test(ipc_intr, poll_eintr_even_with_sa_restart)
{
	struct blocker b;

	run(C_POLL, SA_RESTART, &b);
	cr_assert_eq(b.rv, -1);
	cr_assert_eq(b.err, EINTR);
}

Test(ipc_intr, epoll_wait_eintr_even_with_sa_restart)
{
	struct blocker b;

	run(C_EPOLL, SA_RESTART, &b);
	cr_assert_eq(b.rv, -1);
	cr_assert_eq(b.err, EINTR);
}
