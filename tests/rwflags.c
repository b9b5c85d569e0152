/*
 * rwflags.c: preadv2 and pwritev2 (kern/sys_generic.c): the file offset
 * for offset -1, Linux's order of checks, and the RWF_* flags on every
 * kind of file (regular files of tmpfs, memfd and hostfs, directories,
 * pipes, sockets, devices, eventfd), each compared with the host doing
 * the same in the same test; RWF_APPEND, RWF_NOAPPEND, RWF_NOWAIT,
 * RWF_NOSIGNAL and RWF_DSYNC by their effects.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"
#include "proc_util.h"

#define RWF_HIPRI_ 0x001
#define RWF_DSYNC_ 0x002
#define RWF_SYNC_ 0x004
#define RWF_NOWAIT_ 0x008
#define RWF_APPEND_ 0x010
#define RWF_NOAPPEND_ 0x020
#define RWF_ATOMIC_ 0x040
#define RWF_DONTCACHE_ 0x080
#define RWF_NOSIGNAL_ 0x100

static char hdir[] = "/tmp/rwflags_test.XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(hdir));
	cr_assert_eq(rump_init(), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

TestSuite(rwflags, .init = setup, .fini = teardown, .timeout = 20);

/* fn on the side's kernel: the host's, or rump_sys_fn. */
#define SYS(host, fn, ...)                                                     \
	((host) ? fn(__VA_ARGS__) : rump_sys_##fn(__VA_ARGS__))

static char buf[256];

/* ---- basics --------------------------------------------------------------- */

Test(rwflags, offsets_and_order_of_checks)
{
	struct iovec iov = { buf, 10 }, none = { buf, 0 };
	char rbuf[16];
	struct iovec riov = { rbuf, 5 };
	int fd, ro, p[2];

	memset(buf, 'a', sizeof(buf));
	fd = rump_sys_open("/f", O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	/* -1: the file offset, which moves; others leave it. */
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, -1, 0), 10);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 10);
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, 20, 0), 10);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 10);
	RETURNS(rump_sys_preadv2(fd, &riov, 1, -1, 0), 5);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 15);
	RETURNS(rump_sys_preadv2(fd, &riov, 1, 0, RWF_HIPRI_), 5);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 15);
	/* Below -1: EINVAL, before the descriptor is looked at. */
	FAILS(rump_sys_pwritev2(fd, &iov, 1, -2, 0), EINVAL);
	FAILS(rump_sys_pwritev2(99, &iov, 1, -5, 0), EINVAL);
	FAILS(rump_sys_pwritev2(99, &iov, 1, 0, 0x200), EBADF);
	/* Flags are looked at last: after the access mode, the iovecs,
	 * nothing to move (0) and the range. */
	ro = rump_sys_open("/f", O_RDONLY);
	FAILS(rump_sys_pwritev2(ro, &iov, 1, 0, 0x200), EBADF);
	FAILS(rump_sys_pwritev2(fd, NULL, 1, 0, 0x200), EFAULT);
	FAILS(rump_sys_pwritev2(fd, &iov, -1, 0, 0x200), EINVAL);
	RETURNS(rump_sys_pwritev2(fd, &none, 1, 0, 0x200), 0);
	FAILS(rump_sys_pwritev2(fd, &iov, 1, 0x7fffffffffffffffLL, 0x200),
	      EINVAL);
	FAILS(rump_sys_pwritev2(fd, &iov, 1, 0, 0x200), EOPNOTSUPP);
	FAILS(rump_sys_preadv2(fd, &riov, 1, 0, 0x400), EOPNOTSUPP);
	/* A pipe has no offset to write at. */
	RETURNS(rump_sys_pipe(p), 0);
	FAILS(rump_sys_pwritev2(p[1], &iov, 1, 0, 0), ESPIPE);
	RETURNS(rump_sys_pwritev2(p[1], &iov, 1, -1, 0), 10);
	RETURNS(rump_sys_preadv2(p[0], &riov, 1, -1, 0), 5);
}

/* The vectored calls move nothing without asking the file, where
 * read(2) and write(2) ask it (Linux's vfs_readv/vfs_writev). */
Test(rwflags, vectored_nothing_is_zero)
{
	struct iovec none = { buf, 0 };
	int e = rump_sys_eventfd(0, 0), s;

	cr_assert_geq(e, 0);
	FAILS(rump_sys_write(e, buf, 0), EINVAL);
	RETURNS(rump_sys_writev(e, &none, 1), 0);
	RETURNS(rump_sys_readv(e, &none, 1), 0);
	cr_assert_geq(s = rump_sys_socket(AF_UNIX, SOCK_STREAM, 0), 0);
	FAILS(rump_sys_write(s, buf, 0), ENOTCONN);
	RETURNS(rump_sys_writev(s, &none, 1), 0);
	RETURNS(rump_sys_pwritev2(s, &none, 1, -1, 0x200), 0);
}

Test(rwflags, append_and_noappend)
{
	struct iovec iov = { buf, 10 };
	struct stat st;
	int fd, afd;

	fd = rump_sys_open("/f", O_CREAT | O_RDWR | O_TRUNC, 0644);
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, 20, 0), 10);
	/* RWF_APPEND at an offset: at the end, the file offset stays. */
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, 5, RWF_APPEND_), 10);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 0);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 40);
	/* ... and at the file offset: which moves past it. */
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, -1, RWF_APPEND_), 10);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 50);
	FAILS(rump_sys_pwritev2(fd, &iov, 1, 0, RWF_APPEND_ | RWF_NOAPPEND_),
	      EINVAL);
	/* RWF_NOAPPEND: an O_APPEND file written where asked. */
	afd = rump_sys_open("/f", O_WRONLY | O_APPEND);
	RETURNS(rump_sys_pwritev2(afd, &iov, 1, 0, RWF_NOAPPEND_), 10);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 50);
	RETURNS(rump_sys_pwritev2(afd, &iov, 1, 0, 0), 10);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_size, 60);
}

static _Atomic int npipe;

static void
pipe_handler(int sig)
{
	if (sig == SIGPIPE)
		npipe++;
}

Test(rwflags, nowait_and_nosignal)
{
	struct iovec iov = { buf, 10 };
	struct sigaction sa;
	int p[2], s[2];

	rfork_ok(RUMP_RFCFDG);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pipe_handler;
	RETURNS(rump_sys_sigaction(SIGPIPE, &sa, NULL), 0);
	/* RWF_NOWAIT: a blocking pipe's read does not wait. */
	RETURNS(rump_sys_pipe(p), 0);
	FAILS(rump_sys_preadv2(p[0], &iov, 1, -1, RWF_NOWAIT_), EAGAIN);
	RETURNS(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	FAILS(rump_sys_preadv2(s[0], &iov, 1, -1, RWF_NOWAIT_), EAGAIN);
	/* RWF_NOSIGNAL: EPIPE without SIGPIPE, on pipes and sockets. */
	RETURNS(rump_sys_close(p[0]), 0);
	FAILS(rump_sys_pwritev2(p[1], &iov, 1, -1, 0), EPIPE);
	cr_assert_eq(npipe, 1);
	FAILS(rump_sys_pwritev2(p[1], &iov, 1, -1, RWF_NOSIGNAL_), EPIPE);
	cr_assert_eq(npipe, 1);
	RETURNS(rump_sys_close(s[1]), 0);
	FAILS(rump_sys_pwritev2(s[0], &iov, 1, -1, 0), EPIPE);
	cr_assert_eq(npipe, 2);
	FAILS(rump_sys_pwritev2(s[0], &iov, 1, -1, RWF_NOSIGNAL_), EPIPE);
	cr_assert_eq(npipe, 2);
}

/* RWF_DSYNC and RWF_SYNC write through: on hostfs the data is in the
 * host file when the call returns (as it is anyway: no cache here). */
Test(rwflags, dsync_on_hostfs)
{
	struct iovec iov = { buf, 10 };
	char p[300];
	struct stat st;
	int fd;

	fd = rump_sys_open("/mnt/s", O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, 0, RWF_DSYNC_), 10);
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, 10, RWF_SYNC_), 10);
	RETURNS(rump_sys_pwritev2(fd, &iov, 1, -1, RWF_SYNC_ | RWF_HIPRI_), 10);
	snprintf(p, sizeof(p), "%s/s", hdir);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 20);
}

/* ---- every flag on every kind of file, against the host ------------------ */

enum fkind {
	F_REG,
	F_MEMFD,
	F_DIR,
	F_PIPE_R,
	F_PIPE_W,
	F_SOCK,
	F_NULL,
	F_ZERO,
	F_FULL,
	F_URANDOM,
	F_EVENTFD,
	F_NKINDS
};
static const char *const fkind_name[] = { "regular", "memfd",  "dir",
					  "pipe r",  "pipe w", "socket",
					  "null",    "zero",   "full",
					  "urandom", "eventfd" };

struct fside {
	bool host;
	int fd[F_NKINDS];
	int peer[F_NKINDS]; /* the pipe's and socket's other ends */
};

static void
fside_open(struct fside *s, const char *dir)
{
	char p[300];
	int pp[2], sp[2];
	bool h = s->host;

	snprintf(p, sizeof(p), "%s/reg", dir);
	s->fd[F_REG] = SYS(h, open, p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	s->fd[F_MEMFD] = SYS(h, memfd_create, "m", 0);
	s->fd[F_DIR] = SYS(h, open, dir, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(SYS(h, pipe, pp), 0);
	s->fd[F_PIPE_R] = pp[0];
	s->fd[F_PIPE_W] = pp[1];
	cr_assert_eq(SYS(h, socketpair, AF_UNIX, SOCK_STREAM, 0, sp), 0);
	s->fd[F_SOCK] = sp[0];
	s->peer[F_SOCK] = sp[1];
	s->fd[F_NULL] = SYS(h, open, "/dev/null", O_RDWR);
	s->fd[F_ZERO] = SYS(h, open, "/dev/zero", O_RDWR);
	s->fd[F_FULL] = SYS(h, open, "/dev/full", O_RDWR);
	s->fd[F_URANDOM] = SYS(h, open, "/dev/urandom", O_RDWR);
	s->fd[F_EVENTFD] = SYS(h, eventfd, 0, 0);
	for (int k = 0; k < F_NKINDS; k++)
		cr_assert_geq(s->fd[k], 0, "%s side, %s: %s",
			      h ? "host" : "rump", fkind_name[k],
			      strerror(errno));
}

/* Make a read of kind k able to end without waiting, whatever the
 * flags: data in the pipe and the socket, a count in the eventfd. */
static void
fside_prime(struct fside *s, int k)
{
	uint64_t one = 1;
	bool h = s->host;

	if (k == F_PIPE_R)
		cr_assert_eq(SYS(h, write, s->fd[F_PIPE_W], buf, 8), 8);
	if (k == F_SOCK)
		cr_assert_eq(SYS(h, write, s->peer[F_SOCK], buf, 8), 8);
	if (k == F_EVENTFD)
		cr_assert_eq(SYS(h, write, s->fd[F_EVENTFD], &one, 8), 8);
}

/* Take back what a call left behind, so the next starts alike. */
static void
fside_drain(struct fside *s, int k)
{
	char tmp[64];
	struct iovec iov = { tmp, sizeof(tmp) };
	bool h = s->host;

	if (k == F_PIPE_R || k == F_PIPE_W)
		while (SYS(h, preadv2, s->fd[F_PIPE_R], &iov, 1, -1,
			   RWF_NOWAIT_) > 0)
			continue;
	if (k == F_SOCK)
		while (SYS(h, preadv2, s->fd[F_SOCK], &iov, 1, -1,
			   RWF_NOWAIT_) > 0 ||
		       SYS(h, preadv2, s->peer[F_SOCK], &iov, 1, -1,
			   RWF_NOWAIT_) > 0)
			continue;
	if (k == F_EVENTFD)
		(void)SYS(h, preadv2, s->fd[F_EVENTFD], &iov, 1, -1,
			  RWF_NOWAIT_);
}

struct fres {
	long ret;
	int err;
};

static struct fres
fside_call(struct fside *s, int k, bool wr, long pos, int flags)
{
	uint64_t one = 1;
	struct iovec iov = { buf, 8 };
	struct fres r;
	bool h = s->host;

	if (k == F_EVENTFD)
		iov.iov_base = &one;
	if (!wr)
		fside_prime(s, k);
	errno = 0;
	if (wr)
		r.ret = SYS(h, pwritev2, s->fd[k], &iov, 1, pos, flags);
	else
		r.ret = SYS(h, preadv2, s->fd[k], &iov, 1, pos, flags);
	r.err = r.ret < 0 ? errno : 0;
	fside_drain(s, k);
	return r;
}

Test(rwflags, every_flag_on_every_file_like_the_host)
{
	static const int flags[] = {
		0,
		RWF_HIPRI_,
		RWF_DSYNC_,
		RWF_SYNC_,
		RWF_NOWAIT_,
		RWF_APPEND_,
		RWF_NOAPPEND_,
		RWF_ATOMIC_,
		RWF_DONTCACHE_,
		RWF_NOSIGNAL_,
		RWF_APPEND_ | RWF_NOAPPEND_,
		RWF_HIPRI_ | RWF_DSYNC_ | RWF_NOWAIT_,
		0x200,
		0x80000000,
	};
	char hd[] = "/dev/shm/rwflags.XXXXXX";
	struct fside hs = { .host = true }, rs = { .host = false };
	struct stat st;

	memset(buf, 'w', sizeof(buf));
	signal(SIGPIPE, SIG_IGN);
	cr_assert_not_null(mkdtemp(hd));
	fside_open(&hs, hd);
	RETURNS(rump_sys_mkdir("/d", 0755), 0);
	fside_open(&rs, "/d");
	for (int k = 0; k < F_NKINDS; k++) {
		for (int wr = 0; wr < 2; wr++) {
			if ((k == F_PIPE_R && wr) || (k == F_PIPE_W && !wr))
				continue; /* EBADF both, not worth a line */
			for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]);
			     f++) {
				for (int pos = -1; pos <= 0; pos++) {
					struct fres a = fside_call(
						&rs, k, wr, pos, flags[f]);
					struct fres b = fside_call(
						&hs, k, wr, pos, flags[f]);

					cr_expect(a.ret == b.ret &&
							  a.err == b.err,
						  "%s %s at %d flags %#x: rump "
						  "%ld (%s), host %ld (%s)",
						  fkind_name[k],
						  wr ? "pwritev2" : "preadv2",
						  pos, flags[f], a.ret,
						  strerror(a.err), b.ret,
						  strerror(b.err));
				}
			}
		}
	}
	/* The regular files ended alike. */
	RETURNS(rump_sys_fstat(rs.fd[F_REG], &st), 0);
	{
		struct stat hst;

		cr_assert_eq(fstat(hs.fd[F_REG], &hst), 0);
		cr_assert_eq(st.st_size, hst.st_size);
		cr_assert_eq(rump_sys_lseek(rs.fd[F_REG], 0, SEEK_CUR),
			     lseek(hs.fd[F_REG], 0, SEEK_CUR));
		cr_assert_eq(rump_sys_fstat(rs.fd[F_MEMFD], &st), 0);
		cr_assert_eq(fstat(hs.fd[F_MEMFD], &hst), 0);
		cr_assert_eq(st.st_size, hst.st_size);
	}
	for (int k = 0; k < F_NKINDS; k++)
		close(hs.fd[k]);
	close(hs.peer[F_SOCK]);
	host_rmtree(hd);
}
