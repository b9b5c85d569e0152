/*
 * fifo.c: FIFOs (ipc/pipe.c through the VFS's open hook): opens that
 * wait for the other side, Linux's O_NONBLOCK rules, data between
 * processes, and interplay with poll.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc_util.h"

TestSuite(fifo, .init = ipc_boot);

static void
mkfifo_at(const char *path)
{
	cr_assert_eq(rump_sys_mknod(path, S_IFIFO | 0666, 0), 0, "mknod: %s",
		     strerror(errno));
}

Test(fifo, nonblocking_opens)
{
	int r, w, rw;
	char buf[8];
	struct stat st;

	mkfifo_at("/f1");
	/* A write-only non-blocking open without a reader: ENXIO. */
	FAILS(rump_sys_open("/f1", O_WRONLY | O_NONBLOCK), ENXIO);
	/* A read-only non-blocking open succeeds at once. */
	r = rump_sys_open("/f1", O_RDONLY | O_NONBLOCK);
	cr_assert_geq(r, 0);
	/* No writer ever: read returns 0 (EOF), not EAGAIN. */
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 0);
	/* Now a writer may open without waiting. */
	w = rump_sys_open("/f1", O_WRONLY | O_NONBLOCK);
	cr_assert_geq(w, 0);
	FAILS(rump_sys_read(r, buf, sizeof(buf)), EAGAIN);
	RETURNS(rump_sys_write(w, "fifo", 4), 4);
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 4);
	cr_assert_eq(memcmp(buf, "fifo", 4), 0);
	/* fstat shows the node. */
	RETURNS(rump_sys_fstat(r, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	RETURNS(rump_sys_fcntl(w, F_GETPIPE_SZ), 65536);
	RETURNS(rump_sys_close(w), 0);
	RETURNS(rump_sys_read(r, buf, sizeof(buf)), 0);
	/* O_RDWR never waits. */
	rw = rump_sys_open("/f1", O_RDWR);
	cr_assert_geq(rw, 0);
	RETURNS(rump_sys_write(rw, "x", 1), 1);
	RETURNS(rump_sys_read(r, buf, 1), 1);
	RETURNS(rump_sys_close(r), 0);
	RETURNS(rump_sys_close(rw), 0);
	/* No ends open: the data is gone; the node stays. */
	RETURNS(rump_sys_stat("/f1", &st), 0);
	RETURNS(rump_sys_unlink("/f1"), 0);
}

struct opener {
	struct lwp *l;
	const char *path;
	int flags;
	int fd;
	char got[8];
	long n;
};

static void *
open_and_io(void *arg)
{
	struct opener *o = arg;

	rump_pub_lwproc_switch(o->l);
	o->fd = rump_sys_open(o->path, o->flags);
	if (o->fd >= 0) {
		if ((o->flags & O_ACCMODE) == O_RDONLY)
			o->n = rump_sys_read(o->fd, o->got, sizeof(o->got));
		else
			o->n = rump_sys_write(o->fd, "hello", 5);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* A blocking reader waits for a writer in another process, and the
 * other way round. */
Test(fifo, blocking_opens_rendezvous)
{
	struct opener rd = { .path = "/f2", .flags = O_RDONLY, .fd = -2 };
	struct opener wr = { .path = "/f2", .flags = O_WRONLY, .fd = -2 };
	pthread_t tr, tw;

	mkfifo_at("/f2");
	rd.l = child_proc(RUMP_RFCFDG);
	wr.l = child_proc(RUMP_RFCFDG);
	tr = spawn(open_and_io, &rd);
	msleep(40);
	cr_assert_eq(__atomic_load_n(&rd.fd, __ATOMIC_RELAXED), -2,
		     "reader did not wait");
	tw = spawn(open_and_io, &wr);
	join(tw);
	join(tr);
	cr_assert_geq(rd.fd, 0);
	cr_assert_geq(wr.fd, 0);
	cr_assert_eq(wr.n, 5);
	cr_assert_eq(rd.n, 5);
	cr_assert_eq(memcmp(rd.got, "hello", 5), 0);

	/* Writer first this time. */
	wr.l = child_proc(RUMP_RFCFDG);
	rd.l = child_proc(RUMP_RFCFDG);
	wr.fd = rd.fd = -2;
	tw = spawn(open_and_io, &wr);
	msleep(40);
	cr_assert_eq(__atomic_load_n(&wr.fd, __ATOMIC_RELAXED), -2,
		     "writer did not wait");
	tr = spawn(open_and_io, &rd);
	join(tw);
	join(tr);
	cr_assert_eq(rd.n, 5);
}

Test(fifo, poll_and_epipe)
{
	int r, w;
	struct pollfd p;
	char c = 'x';

	mkfifo_at("/f3");
	r = rump_sys_open("/f3", O_RDONLY | O_NONBLOCK);
	w = rump_sys_open("/f3", O_WRONLY | O_NONBLOCK);
	p = (struct pollfd){ .fd = r, .events = POLLIN };
	RETURNS(rump_sys_poll(&p, 1, 0), 0);
	RETURNS(rump_sys_write(w, &c, 1), 1);
	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	RETURNS(rump_sys_close(r), 0);
	FAILS(rump_sys_write(w, &c, 1), EPIPE);
}
