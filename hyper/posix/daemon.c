/*
 * daemon.c: going into the background before the kernel starts threads.
 *
 * begin forks; the parent stays in the foreground only to wait for the
 * child's verdict (done) and leaves with it as its exit status, so a
 * shell or service manager sees whether the server really came up.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* The child's end of the channel to the waiting parent; -1 if none. */
static int daemon_fd = -1;

/* In the parent: the child's error, or ESRCH if it died without one. */
static void __attribute__((noreturn)) wait_for_child(int fd)
{
	int error;
	ssize_t n;

	while ((n = read(fd, &error, sizeof(error))) == -1 && errno == EINTR)
		continue;
	_exit(n == (ssize_t)sizeof(error) ? error : ESRCH);
}

RUMPUSER_API int
rumpuser_daemonize_begin(void)
{
	int sv[2];

	if (daemon_fd != -1)
		return EINPROGRESS;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return errno;
	switch (fork()) {
	case -1:
		close(sv[0]);
		close(sv[1]);
		return errno;
	case 0:
		close(sv[0]);
		setsid(); /* fails only if already a leader: fine */
		daemon_fd = sv[1];
		return 0;
	default:
		close(sv[1]);
		wait_for_child(sv[0]);
	}
}

/* stdin, stdout and stderr to /dev/null: the terminal is the parent's. */
static int
detach_stdio(void)
{
	int fd, i;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return errno;
	for (i = 0; i < 3; i++)
		if (fd != i && dup2(fd, i) == -1)
			return errno;
	if (fd > 2)
		close(fd);
	return 0;
}

RUMPUSER_API int
rumpuser_daemonize_done(int error)
{
	ssize_t n;
	int fd = daemon_fd;

	if (fd == -1)
		return ENOENT;
	/* If stdio cannot be detached, the parent hears why. */
	if (error == 0)
		error = detach_stdio();
	daemon_fd = -1;
	/* A parent gone is EPIPE to us, not a SIGPIPE. */
	while ((n = send(fd, &error, sizeof(error), MSG_NOSIGNAL)) == -1 &&
	       errno == EINTR)
		continue;
	close(fd);
	return n == (ssize_t)sizeof(error) ? 0 : EPIPE;
}
