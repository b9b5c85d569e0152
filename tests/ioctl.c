/*
 * ioctl.c: the ioctl syscall (kern/sys_descrip.c and the fo_ioctl of
 * each file type): the generic requests on any descriptor, FIONREAD on
 * pipes, FIFOs, sockets and regular files, the console's terminal
 * requests, and the errors (EBADF, ENOTTY, EFAULT, EINVAL).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(ioctl, .init = ipc_boot);

#define BADPTR ((void *)0x10)

static int
nread(int fd)
{
	int n = -1;

	cr_assert_eq(rump_sys_ioctl(fd, FIONREAD, &n), 0, "FIONREAD: %s",
		     strerror(errno));
	return n;
}

Test(ioctl, bad_descriptors)
{
	int n, p[2];

	FAILS(rump_sys_ioctl(-1, FIONREAD, &n), EBADF);
	FAILS(rump_sys_ioctl(999, FIOCLEX), EBADF);
	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(rump_sys_close(p[1]), 0);
	FAILS(rump_sys_ioctl(p[1], FIONBIO, &n), EBADF);
	/* O_PATH descriptors take no ioctl, not even the generic ones. */
	cr_assert_eq(rump_sys_mkdir("/opath", 0755), 0);
	int fd = rump_sys_open("/opath", O_PATH);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_ioctl(fd, FIOCLEX), EBADF);
	FAILS(rump_sys_ioctl(fd, FIOQSIZE, &n), EBADF);
	rump_sys_close(fd);
	rump_sys_close(p[0]);
}

Test(ioctl, cloexec)
{
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_fcntl(p[0], F_GETFD), 0);
	RETURNS(rump_sys_ioctl(p[0], FIOCLEX), 0);
	RETURNS(rump_sys_fcntl(p[0], F_GETFD), FD_CLOEXEC);
	/* Per descriptor: the other end and a dup are untouched. */
	RETURNS(rump_sys_fcntl(p[1], F_GETFD), 0);
	int d = rump_sys_dup(p[0]);
	RETURNS(rump_sys_fcntl(d, F_GETFD), 0);
	RETURNS(rump_sys_ioctl(p[0], FIONCLEX), 0);
	RETURNS(rump_sys_fcntl(p[0], F_GETFD), 0);
	/* The argument is not looked at. */
	RETURNS(rump_sys_ioctl(p[0], FIOCLEX, BADPTR), 0);
	RETURNS(rump_sys_fcntl(p[0], F_GETFD), FD_CLOEXEC);
	rump_sys_close(d);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

Test(ioctl, fionbio)
{
	int p[2], on = 1, off = 0;
	char c;

	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_ioctl(p[0], FIONBIO, &on), 0);
	cr_assert(rump_sys_fcntl(p[0], F_GETFL) & O_NONBLOCK);
	FAILS(rump_sys_read(p[0], &c, 1), EAGAIN);
	/* The open file description: a dup sees it too. */
	int d = rump_sys_dup(p[0]);
	cr_assert(rump_sys_fcntl(d, F_GETFL) & O_NONBLOCK);
	RETURNS(rump_sys_ioctl(d, FIONBIO, &off), 0);
	cr_assert_not(rump_sys_fcntl(p[0], F_GETFL) & O_NONBLOCK);
	/* Any nonzero int turns it on. */
	on = 42;
	RETURNS(rump_sys_ioctl(p[1], FIONBIO, &on), 0);
	cr_assert(rump_sys_fcntl(p[1], F_GETFL) & O_NONBLOCK);
	FAILS(rump_sys_ioctl(p[0], FIONBIO, NULL), EFAULT);
	FAILS(rump_sys_ioctl(p[0], FIONBIO, BADPTR), EFAULT);
	cr_assert_not(rump_sys_fcntl(p[0], F_GETFL) & O_NONBLOCK);
	rump_sys_close(d);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

Test(ioctl, fioasync)
{
	int p[2], e, on = 1, off = 0;

	cr_assert_eq(rump_sys_pipe(p), 0);
	/* A pipe can signal (tests/sigio.c): FIOASYNC sets and clears
	 * FASYNC. */
	RETURNS(rump_sys_ioctl(p[0], FIOASYNC, &off), 0);
	RETURNS(rump_sys_ioctl(p[0], FIOASYNC, &on), 0);
	cr_assert(rump_sys_fcntl(p[0], F_GETFL) & FASYNC);
	RETURNS(rump_sys_ioctl(p[0], FIOASYNC, &off), 0);
	cr_assert_not(rump_sys_fcntl(p[0], F_GETFL) & FASYNC);
	FAILS(rump_sys_ioctl(p[0], FIOASYNC, BADPTR), EFAULT);
	/* An eventfd cannot, as on Linux: asking for FASYNC is ENOTTY,
	 * asking for the state it is in is fine. */
	cr_assert((e = rump_sys_eventfd(0, 0)) >= 0);
	RETURNS(rump_sys_ioctl(e, FIOASYNC, &off), 0);
	FAILS(rump_sys_ioctl(e, FIOASYNC, &on), ENOTTY);
	cr_assert_not(rump_sys_fcntl(e, F_GETFL) & FASYNC);
	rump_sys_close(e);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

Test(ioctl, pipe_fionread)
{
	int p[2];
	char buf[300];

	cr_assert_eq(rump_sys_pipe(p), 0);
	cr_assert_eq(nread(p[0]), 0);
	memset(buf, 'x', sizeof(buf));
	RETURNS(rump_sys_write(p[1], buf, 100), 100);
	RETURNS(rump_sys_write(p[1], buf, 200), 200);
	cr_assert_eq(nread(p[0]), 300);
	/* Linux answers on the write end as well. */
	cr_assert_eq(nread(p[1]), 300);
	RETURNS(rump_sys_read(p[0], buf, 120), 120);
	cr_assert_eq(nread(p[0]), 180);
	FAILS(rump_sys_ioctl(p[0], FIONREAD, NULL), EFAULT);
	FAILS(rump_sys_ioctl(p[0], FIONREAD, BADPTR), EFAULT);
	/* Not a terminal. */
	struct termios t;
	FAILS(rump_sys_ioctl(p[0], TCGETS, &t), ENOTTY);
	FAILS(rump_sys_ioctl(p[0], 0x12345678, &t), ENOTTY);
	FAILS(rump_sys_ioctl(p[0], FIOQSIZE, &t), ENOTTY);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

Test(ioctl, fifo_fionread)
{
	char buf[64] = "fifo data";

	cr_assert_eq(rump_sys_mknod("/ioctl_fifo", S_IFIFO | 0666, 0), 0);
	int fd = rump_sys_open("/ioctl_fifo", O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(nread(fd), 0);
	RETURNS(rump_sys_write(fd, buf, 9), 9);
	cr_assert_eq(nread(fd), 9);
	RETURNS(rump_sys_read(fd, buf, 4), 4);
	cr_assert_eq(nread(fd), 5);
	FAILS(rump_sys_ioctl(fd, FIONREAD, BADPTR), EFAULT);
	rump_sys_close(fd);
}

Test(ioctl, socket_fionread)
{
	int sv[2], n;
	char buf[512];

	memset(buf, 'y', sizeof(buf));
	/* STREAM: every byte queued. */
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(nread(sv[1]), 0);
	RETURNS(rump_sys_write(sv[0], buf, 10), 10);
	RETURNS(rump_sys_write(sv[0], buf, 20), 20);
	cr_assert_eq(nread(sv[1]), 30);
	RETURNS(rump_sys_read(sv[1], buf, 15), 15);
	cr_assert_eq(nread(sv[1]), 15);
	/* SIOCOUTQ: what the peer has not read yet. */
	cr_assert_eq(rump_sys_ioctl(sv[0], TIOCOUTQ, &n), 0);
	cr_assert_gt(n, 0);
	RETURNS(rump_sys_read(sv[1], buf, sizeof(buf)), 15);
	cr_assert_eq(rump_sys_ioctl(sv[0], TIOCOUTQ, &n), 0);
	cr_assert_eq(n, 0);
	FAILS(rump_sys_ioctl(sv[0], TCGETS, buf), ENOTTY);
	FAILS(rump_sys_ioctl(sv[1], FIONREAD, BADPTR), EFAULT);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);

	/* DGRAM: the size of the next datagram. */
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	cr_assert_eq(nread(sv[1]), 0);
	RETURNS(rump_sys_send(sv[0], buf, 100, 0), 100);
	RETURNS(rump_sys_send(sv[0], buf, 7, 0), 7);
	cr_assert_eq(nread(sv[1]), 100);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 100);
	cr_assert_eq(nread(sv[1]), 7);
	RETURNS(rump_sys_send(sv[0], buf, 0, 0), 0);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 7);
	cr_assert_eq(nread(sv[1]), 0); /* an empty datagram is queued */
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);

	/* SEQPACKET: as Linux, the bytes of all queued records. */
	cr_assert_eq(rump_sys_socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	RETURNS(rump_sys_send(sv[0], buf, 50, 0), 50);
	RETURNS(rump_sys_send(sv[0], buf, 60, 0), 60);
	cr_assert_eq(nread(sv[1]), 110);
	RETURNS(rump_sys_recv(sv[1], buf, sizeof(buf), 0), 50);
	cr_assert_eq(nread(sv[1]), 60);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
}

Test(ioctl, listener_fionread)
{
	struct sockaddr_un {
		sa_family_t sun_family;
		char sun_path[108];
	} sun = { .sun_family = AF_UNIX };
	int s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0), n;

	memcpy(sun.sun_path, "\0ioctl-lis", 10);
	cr_assert_eq(rump_sys_bind(s, (struct sockaddr *)&sun, 2 + 10), 0);
	cr_assert_eq(rump_sys_listen(s, 4), 0);
	FAILS(rump_sys_ioctl(s, FIONREAD, &n), EINVAL);
	rump_sys_close(s);
}

Test(ioctl, regular_file)
{
	char buf[1000];
	int n;
	loff_t q;

	memset(buf, 'z', sizeof(buf));
	int fd = rump_sys_open("/ioctl_reg", O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(nread(fd), 0);
	RETURNS(rump_sys_write(fd, buf, sizeof(buf)), 1000);
	/* size - offset */
	cr_assert_eq(nread(fd), 0);
	RETURNS(rump_sys_lseek(fd, 250, SEEK_SET), 250);
	cr_assert_eq(nread(fd), 750);
	/* Past the end: negative, as Linux stores size - pos. */
	RETURNS(rump_sys_lseek(fd, 1500, SEEK_SET), 1500);
	cr_assert_eq(nread(fd), -500);
	cr_assert_eq(rump_sys_ioctl(fd, FIOQSIZE, &q), 0);
	cr_assert_eq(q, 1000);
	FAILS(rump_sys_ioctl(fd, FIONREAD, BADPTR), EFAULT);
	FAILS(rump_sys_ioctl(fd, TCGETS, buf), ENOTTY);
	FAILS(rump_sys_ioctl(fd, TIOCGWINSZ, buf), ENOTTY);
	/* Each descriptor's own offset. */
	int fd2 = rump_sys_open("/ioctl_reg", O_RDONLY);
	cr_assert_eq(nread(fd2), 1000);
	rump_sys_close(fd2);
	rump_sys_close(fd);
	/* Directories: FIOQSIZE yes, FIONREAD no. */
	cr_assert_eq(rump_sys_mkdir("/ioctl_dir", 0755), 0);
	fd = rump_sys_open("/ioctl_dir", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_ioctl(fd, FIOQSIZE, &q), 0);
	FAILS(rump_sys_ioctl(fd, FIONREAD, &n), ENOTTY);
	rump_sys_close(fd);
}

Test(ioctl, memfd)
{
	char buf[100] = { 0 };
	int fd = rump_sys_memfd_create("io", 0);

	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_write(fd, buf, sizeof(buf)), 100);
	RETURNS(rump_sys_lseek(fd, 30, SEEK_SET), 30);
	cr_assert_eq(nread(fd), 70);
	rump_sys_close(fd);
}

Test(ioctl, eventfd_and_epoll)
{
	int n;
	int e = rump_sys_eventfd(3, 0);
	int ep = rump_sys_epoll_create1(0);

	cr_assert_geq(e, 0);
	cr_assert_geq(ep, 0);
	/* Linux's eventfd has no ioctl but the generic ones; its epoll
	 * (6.9+) has busy-poll ones and says EINVAL to the rest. */
	FAILS(rump_sys_ioctl(e, FIONREAD, &n), ENOTTY);
	FAILS(rump_sys_ioctl(ep, FIONREAD, &n), EINVAL);
	RETURNS(rump_sys_ioctl(e, FIOCLEX), 0);
	RETURNS(rump_sys_fcntl(e, F_GETFD), FD_CLOEXEC);
	rump_sys_close(e);
	rump_sys_close(ep);
}

Test(ioctl, console_termios)
{
	struct termios t, t2;
	struct winsize ws = { .ws_row = 50, .ws_col = 132 }, ws2;
	int fd = rump_sys_open("/dev/console", O_RDWR);

	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_ioctl(fd, TCGETS, &t), 0, "TCGETS: %s",
		     strerror(errno));
	/* A terminal in canonical mode with echo, 8 bits, usual keys. */
	cr_assert(t.c_lflag & ICANON);
	cr_assert(t.c_lflag & ECHO);
	cr_assert(t.c_lflag & ISIG);
	cr_assert_eq(t.c_cflag & CSIZE, CS8);
	cr_assert(t.c_oflag & OPOST);
	cr_assert_eq(t.c_cc[VINTR], 003);
	cr_assert_eq(t.c_cc[VEOF], 004);
	cr_assert_eq(t.c_cc[VMIN], 1);
	/* TCSETS is remembered. */
	t2 = t;
	t2.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	cr_assert_eq(rump_sys_ioctl(fd, TCSETS, &t2), 0);
	memset(&t2, 0, sizeof(t2));
	cr_assert_eq(rump_sys_ioctl(fd, TCGETS, &t2), 0);
	cr_assert_not(t2.c_lflag & ICANON);
	cr_assert_eq(rump_sys_ioctl(fd, TCSETSW, &t), 0);
	cr_assert_eq(rump_sys_ioctl(fd, TCGETS, &t2), 0);
	cr_assert(t2.c_lflag & ICANON);
	/* Window size. */
	cr_assert_eq(rump_sys_ioctl(fd, TIOCSWINSZ, &ws), 0);
	cr_assert_eq(rump_sys_ioctl(fd, TIOCGWINSZ, &ws2), 0);
	cr_assert_eq(ws2.ws_row, 50);
	cr_assert_eq(ws2.ws_col, 132);
	/* Bad pointers, unknown requests. */
	FAILS(rump_sys_ioctl(fd, TCGETS, NULL), EFAULT);
	FAILS(rump_sys_ioctl(fd, TCGETS, BADPTR), EFAULT);
	FAILS(rump_sys_ioctl(fd, TCSETS, BADPTR), EFAULT);
	FAILS(rump_sys_ioctl(fd, TIOCGWINSZ, BADPTR), EFAULT);
	FAILS(rump_sys_ioctl(fd, 0x5499, &t), ENOTTY);
	/* Descriptors 0-2 of init are the console: isatty's test. */
	cr_assert_eq(rump_sys_ioctl(0, TCGETS, &t2), 0);
	/* /dev/null is not a terminal. */
	int nul = rump_sys_open("/dev/null", O_RDWR);
	FAILS(rump_sys_ioctl(nul, TCGETS, &t2), ENOTTY);
	rump_sys_close(nul);
	rump_sys_close(fd);
}

/* Only the low 32 bits of the request count, as Linux's unsigned int. */
Test(ioctl, request_is_32_bits)
{
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_ioctl(p[0], 0xffffffff00000000UL | FIOCLEX), 0);
	RETURNS(rump_sys_fcntl(p[0], F_GETFD), FD_CLOEXEC);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}

/* FIONBIO flipped by one thread while another reads: the read sees
 * the flag of the moment, never a torn one. */
struct nb_arg {
	int fd;
};

static void *
flipper(void *a)
{
	struct nb_arg *na = a;

	new_proc();
	for (int i = 0; i < 2000; i++) {
		int on = i & 1;
		(void)rump_sys_ioctl(na->fd, FIONBIO, &on);
	}
	return NULL;
}

Test(ioctl, fionbio_threads)
{
	struct nb_arg na;
	int p[2];

	cr_assert_eq(rump_sys_pipe(p), 0);
	na.fd = p[1];
	pthread_t t = spawn(flipper, &na);
	for (int i = 0; i < 2000; i++) {
		int fl = rump_sys_fcntl(p[1], F_GETFL);
		cr_assert_eq(fl & O_ACCMODE, O_WRONLY);
	}
	join(t);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
}
