/*
 * lock.c: advisory locks through the syscalls: fcntl F_GETLK, F_SETLK,
 * F_SETLKW, the OFD commands, and flock(2), between processes made with
 * rump_pub_lwproc_rfork and from real host threads.  Files that several
 * processes open separately come from the file systems (tests/vfs suites
 * add those); here a memfd shared by fork gives one open file
 * description seen from several processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

#include "check.h"
#include "host_thread.h"

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(lock, .init = boot);

/* Two processes, A and its child B (forked: the same open files).
 * `fd' is a memfd open in both. */
struct pair {
	struct lwp *a, *b;
	pid_t apid, bpid;
	int fd;
};

static void
make_pair(struct pair *pp)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pp->a = rump_pub_lwproc_curlwp();
	pp->apid = rump_sys_getpid();
	pp->fd = rump_sys_memfd_create("locks", 0);
	cr_assert_geq(pp->fd, 0);
	RETURNS(rump_sys_ftruncate(pp->fd, 4096), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	pp->b = rump_pub_lwproc_curlwp();
	pp->bpid = rump_sys_getpid();
	cr_assert_neq(pp->apid, pp->bpid);
	rump_pub_lwproc_switch(pp->a);
}

static struct flock
fl(short type, short whence, off_t start, off_t len)
{
	struct flock f;

	memset(&f, 0, sizeof(f));
	f.l_type = type;
	f.l_whence = whence;
	f.l_start = start;
	f.l_len = len;
	return f;
}

static int
setlk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock f = fl(type, SEEK_SET, start, len);

	return rump_sys_fcntl(fd, cmd, &f);
}

/* F_GETLK for a write lock over [start, start+len): the result. */
static struct flock
getlk(int fd, int cmd, off_t start, off_t len)
{
	struct flock f = fl(F_WRLCK, SEEK_SET, start, len);

	cr_assert_eq(rump_sys_fcntl(fd, cmd, &f), 0, "F_GETLK: %s",
		     strerror(errno));
	return f;
}

Test(lock, setlk_conflicts_between_processes_and_getlk_reports)
{
	struct pair p;
	struct flock f;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 10, 10), 0);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 100, 0), 0);
	rump_pub_lwproc_switch(p.b);
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 15, 1), EAGAIN);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), EAGAIN);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 20, 80), 0);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 200, 5), 0);
	f = getlk(p.fd, F_GETLK, 0, 0);
	cr_assert_eq(f.l_type, F_WRLCK);
	cr_assert_eq(f.l_whence, SEEK_SET);
	cr_assert_eq(f.l_start, 10);
	cr_assert_eq(f.l_len, 10);
	cr_assert_eq(f.l_pid, p.apid);
	f = getlk(p.fd, F_GETLK, 150, 10);
	cr_assert_eq(f.l_type, F_RDLCK);
	cr_assert_eq(f.l_start, 100);
	cr_assert_eq(f.l_len, 0, "a lock to EOF reports l_len 0");
	cr_assert_eq(f.l_pid, p.apid);
	/* Read probes see no conflict with read locks. */
	f = fl(F_RDLCK, SEEK_SET, 100, 50);
	RETURNS(rump_sys_fcntl(p.fd, F_GETLK, &f), 0);
	cr_assert_eq(f.l_type, F_UNLCK);
	cr_assert_eq(f.l_start, 100, "only l_type changes when free");
	/* Own locks never conflict. */
	f = getlk(p.fd, F_GETLK, 20, 80);
	cr_assert_eq(f.l_type, F_UNLCK);
	rump_pub_lwproc_switch(p.a);
	f = getlk(p.fd, F_GETLK, 0, 0);
	cr_assert_eq(f.l_start, 20);
	cr_assert_eq(f.l_pid, p.bpid);
}

Test(lock, whence_and_negative_lengths)
{
	struct pair p;
	struct flock f;

	make_pair(&p);
	RETURNS(rump_sys_lseek(p.fd, 1000, SEEK_SET), 1000);
	f = fl(F_WRLCK, SEEK_CUR, -10, 10);
	RETURNS(rump_sys_fcntl(p.fd, F_SETLK, &f), 0); /* 990..999 */
	f = fl(F_WRLCK, SEEK_END, 0, -96);
	RETURNS(rump_sys_fcntl(p.fd, F_SETLK, &f), 0); /* 4000..4095 */
	f = fl(F_WRLCK, SEEK_SET, 50, -50);
	RETURNS(rump_sys_fcntl(p.fd, F_SETLK, &f), 0); /* 0..49 */
	rump_pub_lwproc_switch(p.b);
	f = getlk(p.fd, F_GETLK, 995, 1);
	cr_assert(f.l_start == 990 && f.l_len == 10);
	f = getlk(p.fd, F_GETLK, 4095, 1);
	cr_assert(f.l_start == 4000 && f.l_len == 96);
	f = getlk(p.fd, F_GETLK, 0, 1);
	cr_assert(f.l_start == 0 && f.l_len == 50);
	f = getlk(p.fd, F_GETLK, 50, 940);
	cr_assert_eq(f.l_type, F_UNLCK);
}

Test(lock, invalid_arguments)
{
	struct pair p;
	struct flock f;

	make_pair(&p);
	f = fl(7, SEEK_SET, 0, 0);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, &f), EINVAL);
	f = fl(F_WRLCK, 5, 0, 0);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, &f), EINVAL);
	f = fl(F_WRLCK, SEEK_SET, -1, 0);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, &f), EINVAL);
	f = fl(F_WRLCK, SEEK_SET, 5, -6);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, &f), EINVAL);
	f = fl(F_WRLCK, SEEK_END, -4097, 1);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, &f), EINVAL);
	f = fl(F_WRLCK, SEEK_SET, 0x7fffffffffffffffLL, 2);
	FAILS(rump_sys_fcntl(p.fd, F_SETLKW, &f), EOVERFLOW);
	/* F_GETLK asks about a lock: F_UNLCK is no question. */
	f = fl(F_UNLCK, SEEK_SET, 0, 0);
	FAILS(rump_sys_fcntl(p.fd, F_GETLK, &f), EINVAL);
	f = fl(F_UNLCK, SEEK_SET, 0, 0);
	FAILS(rump_sys_fcntl(p.fd, F_OFD_GETLK, &f), EINVAL);
	/* OFD commands want l_pid 0. */
	f = fl(F_WRLCK, SEEK_SET, 0, 0);
	f.l_pid = 1;
	FAILS(rump_sys_fcntl(p.fd, F_OFD_SETLK, &f), EINVAL);
	FAILS(rump_sys_fcntl(p.fd, F_OFD_GETLK, &f), EINVAL);
	/* Bad descriptors and bad pointers. */
	f = fl(F_WRLCK, SEEK_SET, 0, 0);
	FAILS(rump_sys_fcntl(-1, F_SETLK, &f), EBADF);
	FAILS(rump_sys_fcntl(999, F_GETLK, &f), EBADF);
	FAILS(rump_sys_fcntl(p.fd, F_SETLK, (struct flock *)8), EFAULT);
	FAILS(rump_sys_fcntl(p.fd, F_GETLK, (struct flock *)8), EFAULT);
	void *ro =
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(ro, MAP_FAILED);
	memcpy(&f, &(struct flock){ .l_type = F_WRLCK }, sizeof(f));
	/* F_GETLK writes its answer back: a read-only buffer faults. */
	FAILS(rump_sys_fcntl(p.fd, F_GETLK, ro), EFAULT);
	munmap(ro, 4096);
	/* flock */
	FAILS(rump_sys_flock(p.fd, 0), EINVAL);
	FAILS(rump_sys_flock(p.fd, LOCK_SH | LOCK_EX), EINVAL);
	FAILS(rump_sys_flock(p.fd, LOCK_NB), EINVAL);
	FAILS(rump_sys_flock(-1, LOCK_SH), EBADF);
	FAILS(rump_sys_flock(999, LOCK_UN), EBADF);
	FAILS(rump_sys_flock(-1, 16),
	      EINVAL); /* the operation is checked first */
	RETURNS(rump_sys_flock(p.fd, 32 /* LOCK_MAND: ignored */), 0);
}

Test(lock, closing_any_descriptor_drops_the_process_locks)
{
	struct pair p;
	int fd2;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 10), 0);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 20, 10), 0);
	fd2 = rump_sys_dup(p.fd);
	cr_assert_geq(fd2, 0);
	rump_pub_lwproc_switch(p.b);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	/* B's closing of its own copy drops nothing of A's. */
	int fb = rump_sys_dup(p.fd);
	RETURNS(rump_sys_close(fb), 0);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	rump_pub_lwproc_switch(p.a);
	RETURNS(rump_sys_close(fd2), 0);
	rump_pub_lwproc_switch(p.b);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	/* dup2 over a descriptor closes it too. */
	rump_pub_lwproc_switch(p.b);
	fb = rump_sys_memfd_create("other", 0);
	cr_assert_geq(fb, 0);
	rump_pub_lwproc_switch(p.a);
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	rump_pub_lwproc_switch(p.b);
	RETURNS(rump_sys_dup2(fb, 50), 50);
	RETURNS(rump_sys_dup2(p.fd, 50), 50); /* 50 -> the shared memfd */
	RETURNS(rump_sys_dup2(fb, 50), 50);   /* closing it drops B's lock */
	rump_pub_lwproc_switch(p.a);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), 0);
}

Test(lock, process_exit_drops_its_locks)
{
	struct pair p;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	rump_pub_lwproc_switch(p.b);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), EAGAIN);
	rump_pub_lwproc_switch(p.a);
	rump_pub_lwproc_releaselwp(); /* A exits */
	rump_pub_lwproc_switch(p.b);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

Test(lock, ofd_locks_belong_to_the_description)
{
	struct pair p;
	struct flock f;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	/* B shares the description: no conflict with itself. */
	rump_pub_lwproc_switch(p.b);
	RETURNS(setlk(p.fd, F_OFD_SETLK, F_WRLCK, 5, 10), 0);
	f = getlk(p.fd, F_OFD_GETLK, 0, 100);
	cr_assert_eq(f.l_type, F_UNLCK);
	/* A classic lock of B conflicts with the description's lock. */
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	f = getlk(p.fd, F_GETLK, 0, 100);
	cr_assert_eq(f.l_type, F_WRLCK);
	cr_assert_eq(f.l_pid, -1, "OFD locks report pid -1");
	cr_assert_eq(f.l_start, 0);
	cr_assert_eq(f.l_len, 15, "merged over both processes' calls");
	/* Closing a descriptor does not drop OFD locks... */
	int d = rump_sys_dup(p.fd);
	RETURNS(rump_sys_close(d), 0);
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	/* ...the last close of the description does. */
	rump_pub_lwproc_switch(p.a);
	int keep = rump_sys_memfd_create("x", 0);
	RETURNS(rump_sys_close(p.fd), 0);
	rump_pub_lwproc_switch(p.b);
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	RETURNS(setlk(p.fd, F_OFD_SETLK, F_UNLCK, 0, 0), 0);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), 0);
	(void)keep;
}

Test(lock, flock_belongs_to_the_description)
{
	struct pair p;

	make_pair(&p);
	RETURNS(rump_sys_flock(p.fd, LOCK_EX | LOCK_NB), 0);
	rump_pub_lwproc_switch(p.b);
	/* The same description: B holds the same lock and may convert it. */
	RETURNS(rump_sys_flock(p.fd, LOCK_EX | LOCK_NB), 0);
	RETURNS(rump_sys_flock(p.fd, LOCK_SH | LOCK_NB), 0);
	RETURNS(rump_sys_flock(p.fd, LOCK_UN), 0);
	RETURNS(rump_sys_flock(p.fd, LOCK_UN), 0);
	/* flock locks and record locks do not meet. */
	RETURNS(rump_sys_flock(p.fd, LOCK_EX), 0);
	rump_pub_lwproc_switch(p.a);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

/*
 * Files without a vnode have their locks on the inode Linux gives them:
 * a pipe's two ends share one, a socketpair's sockets have one each, and
 * eventfd, timerfd, signalfd and epoll share Linux's one anonymous
 * inode, so a lock on one conflicts with a lock on any other (as on
 * Linux 6.18).
 */
Test(lock, pipe_ends_share_their_inodes_locks)
{
	int p[2];
	struct flock f = fl(F_WRLCK, SEEK_END, -1, 1);

	RETURNS(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_flock(p[0], LOCK_EX | LOCK_NB), 0);
	FAILS(rump_sys_flock(p[1], LOCK_EX | LOCK_NB), EWOULDBLOCK);
	RETURNS(rump_sys_flock(p[0], LOCK_UN), 0);
	RETURNS(rump_sys_flock(p[1], LOCK_SH | LOCK_NB), 0);
	RETURNS(rump_sys_flock(p[0], LOCK_SH | LOCK_NB), 0);
	/* Record locks check the access mode; the size is 0. */
	FAILS(setlk(p[0], F_SETLK, F_WRLCK, 0, 10), EBADF);
	RETURNS(setlk(p[0], F_SETLK, F_RDLCK, 0, 10), 0);
	RETURNS(setlk(p[1], F_SETLK, F_WRLCK, 20, 10), 0);
	FAILS(rump_sys_fcntl(p[1], F_SETLK, &f), EINVAL);
	f = getlk(p[1], F_GETLK, 0, 100);
	cr_assert_eq(f.l_type, F_UNLCK, "the process's own locks");
	/* Closing either end drops the process's record locks. */
	RETURNS(rump_sys_close(p[0]), 0);
	RETURNS(rump_sys_close(p[1]), 0);
}

Test(lock, pipe_locks_between_processes)
{
	int p[2];
	struct lwp *a;
	struct flock f;
	pid_t apid;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	a = rump_pub_lwproc_curlwp();
	apid = rump_sys_getpid();
	RETURNS(rump_sys_pipe(p), 0);
	RETURNS(setlk(p[1], F_SETLK, F_WRLCK, 0, 10), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	FAILS(setlk(p[1], F_SETLK, F_WRLCK, 5, 1), EAGAIN);
	f = getlk(p[0], F_GETLK, 0, 1);
	cr_assert_eq(f.l_type, F_WRLCK);
	cr_assert_eq(f.l_pid, apid);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(a);
	/* The child's exit dropped nothing of ours; our close drops it. */
	RETURNS(rump_sys_close(p[0]), 0);
	RETURNS(setlk(p[1], F_SETLK, F_UNLCK, 0, 0), 0);
	RETURNS(rump_sys_close(p[1]), 0);
}

Test(lock, sockets_have_a_lock_state_each)
{
	int s[2];

	RETURNS(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_flock(s[0], LOCK_EX | LOCK_NB), 0);
	RETURNS(rump_sys_flock(s[1], LOCK_EX | LOCK_NB), 0);
	RETURNS(setlk(s[0], F_OFD_SETLK, F_WRLCK, 0, 0), 0);
	RETURNS(setlk(s[1], F_OFD_SETLK, F_WRLCK, 0, 0), 0);
	RETURNS(rump_sys_close(s[0]), 0);
	RETURNS(rump_sys_close(s[1]), 0);
}

Test(lock, anonymous_inode_files_share_one_lock_state)
{
	sigset_t none;
	int ev, tfd, sfd, ep, ev2;

	sigemptyset(&none);
	ev = rump_sys_eventfd(0, 0);
	tfd = rump_sys_timerfd_create(CLOCK_MONOTONIC, 0);
	sfd = rump_sys_signalfd(-1, &none, 0);
	ep = rump_sys_epoll_create1(0);
	cr_assert(ev >= 0 && tfd >= 0 && sfd >= 0 && ep >= 0);
	RETURNS(rump_sys_flock(ev, LOCK_EX | LOCK_NB), 0);
	FAILS(rump_sys_flock(tfd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	FAILS(rump_sys_flock(sfd, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	FAILS(rump_sys_flock(ep, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* Another eventfd is the same inode too. */
	ev2 = rump_sys_eventfd(0, 0);
	FAILS(rump_sys_flock(ev2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* The last close of the holder frees it. */
	RETURNS(rump_sys_close(ev), 0);
	RETURNS(rump_sys_flock(tfd, LOCK_SH | LOCK_NB), 0);
	RETURNS(rump_sys_flock(sfd, LOCK_SH | LOCK_NB), 0);
	/* OFD record locks of different descriptions conflict as well. */
	RETURNS(setlk(ep, F_OFD_SETLK, F_WRLCK, 0, 1), 0);
	FAILS(setlk(ev2, F_OFD_SETLK, F_WRLCK, 0, 1), EAGAIN);
	RETURNS(rump_sys_close(ep), 0);
	RETURNS(setlk(ev2, F_OFD_SETLK, F_WRLCK, 0, 1), 0);
	RETURNS(rump_sys_close(ev2), 0);
	RETURNS(rump_sys_close(tfd), 0);
	RETURNS(rump_sys_close(sfd), 0);
}

/* ---- blocking, from real threads ------------------------------------ */

struct blocker {
	pthread_t thr;
	pid_t pid; /* the process to run in */
	int fd;
	int cmd; /* F_SETLKW, F_OFD_SETLKW, or 0 for flock */
	short type;
	off_t start, len;
	int result; /* atomic: -2 until done; then 0 or errno */
	int htid;   /* atomic: the host thread's id once running */
};

static void *
blocker_main(void *arg)
{
	struct blocker *b = arg;
	int r;

	__atomic_store_n(&b->htid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	cr_assert_eq(rump_pub_lwproc_newlwp(b->pid), 0);
	if (b->cmd == 0)
		r = rump_sys_flock(b->fd, b->type);
	else
		r = setlk(b->fd, b->cmd, b->type, b->start, b->len);
	__atomic_store_n(&b->result, r == 0 ? 0 : errno, __ATOMIC_RELEASE);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

static void
spawn(struct blocker *b)
{
	b->result = -2;
	b->htid = 0;
	cr_assert_eq(pthread_create(&b->thr, NULL, blocker_main, b), 0);
}

static void
still_blocked(struct blocker *b)
{
	wait_host_sleeping(&b->htid);
	usleep(20000);
	cr_assert_eq(__atomic_load_n(&b->result, __ATOMIC_ACQUIRE), -2,
		     "the waiter should block");
}

static int
joined(struct blocker *b)
{
	pthread_join(b->thr, NULL);
	return b->result;
}

Test(lock, setlkw_blocks_until_unlock)
{
	struct pair p;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 100), 0);
	struct blocker b = { .pid = p.bpid,
			     .fd = p.fd,
			     .cmd = F_SETLKW,
			     .type = F_RDLCK,
			     .start = 50,
			     .len = 1 };
	spawn(&b);
	still_blocked(&b);
	RETURNS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 100), 0); /* downgrade */
	cr_assert_eq(joined(&b), 0);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 50, 1), EAGAIN);
}

Test(lock, setlkw_deadlock_is_edeadlk)
{
	struct pair p;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 1), 0); /* A: byte 0 */
	rump_pub_lwproc_switch(p.b);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 1, 1), 0); /* B: byte 1 */
	struct blocker b = { .pid = p.bpid,
			     .fd = p.fd,
			     .cmd = F_SETLKW,
			     .type = F_WRLCK,
			     .start = 0,
			     .len = 1 };
	spawn(&b); /* B waits for A */
	still_blocked(&b);
	rump_pub_lwproc_switch(p.a);
	FAILS(setlk(p.fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
	FAILS(setlk(p.fd, F_SETLK, F_WRLCK, 1, 1), EAGAIN);
	/* A gives up its byte: B proceeds. */
	RETURNS(setlk(p.fd, F_SETLK, F_UNLCK, 0, 1), 0);
	cr_assert_eq(joined(&b), 0);
	struct flock f = getlk(p.fd, F_GETLK, 0, 2);
	cr_assert_eq(f.l_pid, p.bpid);
	cr_assert_eq(f.l_len, 2, "B's two bytes merged");
}

/* Many processes, one byte: F_SETLKW gives mutual exclusion. */
struct worker {
	pthread_t thr;
	pid_t pid;
	int fd;
	int rounds;
};

static int inside, max_inside, total;

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	cr_assert_eq(rump_pub_lwproc_newlwp(w->pid), 0);
	for (int i = 0; i < w->rounds; i++) {
		cr_assert_eq(setlk(w->fd, F_SETLKW, F_WRLCK, 7, 1), 0);
		int n = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		if (n > __atomic_load_n(&max_inside, __ATOMIC_SEQ_CST))
			__atomic_store_n(&max_inside, n, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&total, 1, __ATOMIC_SEQ_CST);
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		cr_assert_eq(setlk(w->fd, F_SETLK, F_UNLCK, 7, 1), 0);
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(lock, many_processes_contend_for_one_byte)
{
	enum { N = 4, R = 200 };
	struct worker w[N];
	int fd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	fd = rump_sys_memfd_create("contend", 0);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
		w[i].pid = rump_sys_getpid();
		w[i].fd = fd;
		w[i].rounds = R;
	}
	for (int i = 0; i < N; i++)
		cr_assert_eq(
			pthread_create(&w[i].thr, NULL, worker_main, &w[i]), 0);
	for (int i = 0; i < N; i++)
		pthread_join(w[i].thr, NULL);
	cr_assert_eq(total, N * R);
	cr_assert_eq(max_inside, 1);
}

/* ---- files opened separately (the VFS) ---------------------------------- */

static int
vopen(const char *path, int flags)
{
	int fd = rump_sys_open(path, flags, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	return fd;
}

Test(lock, access_mode_decides_the_lock_type)
{
	int r = vopen("/lockfile", O_CREAT | O_RDONLY);
	int w = vopen("/lockfile", O_WRONLY);
	int p = vopen("/lockfile", O_PATH);

	FAILS(setlk(r, F_SETLK, F_WRLCK, 0, 1), EBADF);
	FAILS(setlk(r, F_OFD_SETLK, F_WRLCK, 0, 1), EBADF);
	RETURNS(setlk(r, F_SETLK, F_RDLCK, 0, 1), 0);
	FAILS(setlk(w, F_SETLK, F_RDLCK, 5, 1), EBADF);
	RETURNS(setlk(w, F_SETLK, F_WRLCK, 5, 1), 0);
	RETURNS(setlk(r, F_SETLK, F_UNLCK, 0, 0), 0);
	/* F_GETLK needs no access. */
	struct flock f = getlk(r, F_GETLK, 0, 0);
	cr_assert_eq(f.l_type, F_UNLCK, "own locks");
	/* O_PATH descriptors take no locks at all. */
	FAILS(setlk(p, F_SETLK, F_UNLCK, 0, 0), EBADF);
	FAILS(rump_sys_fcntl(p, F_GETLK, &f), EBADF);
	FAILS(rump_sys_flock(p, LOCK_SH), EBADF);
	/* flock needs no particular access mode. */
	RETURNS(rump_sys_flock(r, LOCK_EX), 0);
	RETURNS(rump_sys_flock(w, LOCK_UN), 0);
	FAILS(rump_sys_flock(w, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	RETURNS(rump_sys_close(r), 0); /* last close of that description */
	RETURNS(rump_sys_flock(w, LOCK_SH | LOCK_NB), 0);
	rump_sys_close(w);
	rump_sys_close(p);
	RETURNS(rump_sys_unlink("/lockfile"), 0);
}

Test(lock, ofd_and_flock_between_descriptions_of_one_process)
{
	int a = vopen("/ofd", O_CREAT | O_RDWR);
	int b = vopen("/ofd", O_RDWR);

	RETURNS(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
	FAILS(setlk(b, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN);
	struct flock f = getlk(b, F_OFD_GETLK, 0, 0);
	cr_assert_eq(f.l_type, F_WRLCK);
	cr_assert_eq(f.l_pid, -1);
	/* Classic locks of this process conflict with a's OFD lock too. */
	FAILS(setlk(b, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	RETURNS(rump_sys_flock(a, LOCK_SH), 0);
	RETURNS(rump_sys_flock(b, LOCK_SH), 0);
	FAILS(rump_sys_flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	/* The failed upgrade dropped b's shared lock: a can upgrade. */
	RETURNS(rump_sys_flock(a, LOCK_EX | LOCK_NB), 0);
	RETURNS(rump_sys_close(a), 0);
	RETURNS(setlk(b, F_OFD_SETLK, F_WRLCK, 0, 0), 0);
	RETURNS(rump_sys_flock(b, LOCK_EX | LOCK_NB), 0);
	rump_sys_close(b);
}

struct fblocker {
	pthread_t thr;
	int fd;
	int op;     /* flock operation, or -cmd for a record lock */
	int result; /* atomic: -2 until done */
};

static void *
fblocker_main(void *arg)
{
	struct fblocker *b = arg;
	int r;

	if (b->op < 0)
		r = setlk(b->fd, -b->op, F_WRLCK, 0, 0);
	else
		r = rump_sys_flock(b->fd, b->op);
	__atomic_store_n(&b->result, r == 0 ? 0 : errno, __ATOMIC_RELEASE);
	return NULL;
}

Test(lock, blocking_flock_and_ofd_wait_for_the_other_description)
{
	int a = vopen("/blk", O_CREAT | O_RDWR);
	int b = vopen("/blk", O_RDWR);
	struct fblocker w = { .fd = b, .op = LOCK_EX, .result = -2 };
	struct fblocker o = { .fd = b, .op = -F_OFD_SETLKW, .result = -2 };

	RETURNS(rump_sys_flock(a, LOCK_SH), 0);
	RETURNS(setlk(a, F_OFD_SETLK, F_RDLCK, 0, 0), 0);
	cr_assert_eq(pthread_create(&w.thr, NULL, fblocker_main, &w), 0);
	cr_assert_eq(pthread_create(&o.thr, NULL, fblocker_main, &o), 0);
	usleep(50000);
	cr_assert_eq(__atomic_load_n(&w.result, __ATOMIC_ACQUIRE), -2);
	cr_assert_eq(__atomic_load_n(&o.result, __ATOMIC_ACQUIRE), -2);
	RETURNS(rump_sys_flock(a, LOCK_UN), 0);
	pthread_join(w.thr, NULL);
	cr_assert_eq(w.result, 0);
	cr_assert_eq(__atomic_load_n(&o.result, __ATOMIC_ACQUIRE), -2);
	RETURNS(rump_sys_close(a), 0); /* drops a's OFD lock */
	pthread_join(o.thr, NULL);
	cr_assert_eq(o.result, 0);
	rump_sys_close(b);
}

/* ---- signals end a wait ------------------------------------------------- */

static int hits;

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
}

struct sigwaiter {
	pthread_t thr;
	struct lwp *lwp;
	int fd;
	bool flock;
	int ready;  /* atomic */
	int result; /* atomic: -2 until done, then 0 or errno */
};

static void *
sigwaiter_main(void *arg)
{
	struct sigwaiter *s = arg;
	int r;

	rump_pub_lwproc_switch(s->lwp);
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	r = s->flock ? rump_sys_flock(s->fd, LOCK_EX)
		     : setlk(s->fd, F_SETLKW, F_WRLCK, 0, 0);
	__atomic_store_n(&s->result, r == 0 ? 0 : errno, __ATOMIC_RELEASE);
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* B waits for A's lock; a signal arrives: EINTR without SA_RESTART, a
 * wait that goes on with it. */
static void
wait_with_signal(bool flock, int saflags)
{
	struct pair p;
	struct sigaction sa;
	struct sigwaiter s = { .flock = flock, .result = -2 };
	pid_t tid;

	make_pair(&p);
	if (flock) {
		/* flock conflicts between descriptions: A holds its own. */
		p.fd = rump_sys_open("/sigflock", O_CREAT | O_RDWR, 0644);
		cr_assert_geq(p.fd, 0);
		RETURNS(rump_sys_flock(p.fd, LOCK_EX), 0);
	} else {
		RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	}
	rump_pub_lwproc_switch(p.b);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = saflags;
	sigemptyset(&sa.sa_mask);
	RETURNS(rump_sys_sigaction(SIGUSR1, &sa, NULL), 0);
	if (flock) {
		/* flock needs another description: B opens its own. */
		s.fd = rump_sys_open("/sigflock", O_RDWR);
		cr_assert_geq(s.fd, 0);
	} else {
		s.fd = p.fd;
	}
	cr_assert_eq(rump_pub_lwproc_newlwp(p.bpid), 0);
	s.lwp = rump_pub_lwproc_curlwp();
	tid = rump_sys_gettid();
	rump_pub_lwproc_switch(p.a);
	cr_assert_eq(pthread_create(&s.thr, NULL, sigwaiter_main, &s), 0);
	while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(30000);
	RETURNS(rump_sys_tkill(tid, SIGUSR1), 0);
	/* The handler runs on the waiter's way out (or restart). */
	for (int i = 0; i < 5000 && !__atomic_load_n(&hits, __ATOMIC_SEQ_CST);
	     i++)
		usleep(1000);
	usleep(20000);
	cr_assert_eq(__atomic_load_n(&hits, __ATOMIC_SEQ_CST), 1);
	if (saflags & SA_RESTART) {
		cr_assert_eq(__atomic_load_n(&s.result, __ATOMIC_ACQUIRE), -2,
			     "restarted: still waiting");
		if (flock)
			RETURNS(rump_sys_flock(p.fd, LOCK_UN), 0);
		else
			RETURNS(setlk(p.fd, F_SETLK, F_UNLCK, 0, 0), 0);
		pthread_join(s.thr, NULL);
		cr_assert_eq(s.result, 0);
	} else {
		pthread_join(s.thr, NULL);
		cr_assert_eq(s.result, EINTR);
	}
}

Test(lock, setlkw_eintr_without_sa_restart)
{
	wait_with_signal(false, 0);
}

Test(lock, setlkw_restarts_under_sa_restart)
{
	wait_with_signal(false, SA_RESTART);
}

Test(lock, blocking_flock_eintr_without_sa_restart)
{
	wait_with_signal(true, 0);
}

Test(lock, blocking_flock_restarts_under_sa_restart)
{
	wait_with_signal(true, SA_RESTART);
}

Test(lock, a_process_killed_by_a_signal_drops_its_locks)
{
	struct pair p;
	int status;

	make_pair(&p);
	RETURNS(setlk(p.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	rump_pub_lwproc_switch(p.b);
	FAILS(setlk(p.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	RETURNS(rump_sys_kill(p.apid, SIGKILL), 0);
	cr_assert_eq(rump_proc_exitstatus(p.apid, &status), 0);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The clean-up runs on a kernel thread, soon after: as on Linux,
	 * the locks go when the process is torn down. */
	int r = -1;
	for (int i = 0; i < 2000 && r != 0; i++) {
		r = setlk(p.fd, F_SETLK, F_WRLCK, 0, 0);
		if (r != 0) {
			cr_assert_eq(errno, EAGAIN);
			usleep(1000);
		}
	}
	cr_assert_eq(r, 0, "the killed process's lock is gone");
}

/*
 * Linux gives POSIX record locks to the descriptor table, not the
 * process: processes sharing a table (rfork with RUMP_RFFD_SHARE) are one
 * owner.  A is a process with file `fd'; S shares A's table; C copies
 * it (another owner, the same open file).
 */
struct sharers {
	struct lwp *a, *s, *c;
	pid_t apid, spid, cpid;
	int fd;
};

static void
make_sharers(struct sharers *sh)
{
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	sh->a = rump_pub_lwproc_curlwp();
	sh->apid = rump_sys_getpid();
	sh->fd = rump_sys_open("/shared-locks", O_CREAT | O_RDWR, 0644);
	cr_assert_geq(sh->fd, 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_SHARE), 0);
	sh->s = rump_pub_lwproc_curlwp();
	sh->spid = rump_sys_getpid();
	rump_pub_lwproc_switch(sh->a);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFD_COPY), 0);
	sh->c = rump_pub_lwproc_curlwp();
	sh->cpid = rump_sys_getpid();
	rump_pub_lwproc_switch(sh->a);
}

Test(lock, a_shared_table_is_one_owner)
{
	struct sharers sh;
	struct flock f;

	make_sharers(&sh);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 100), 0);
	rump_pub_lwproc_switch(sh.s);
	/* No conflict with the table's own lock: S relocks it. */
	f = getlk(sh.fd, F_GETLK, 0, 100);
	cr_assert_eq(f.l_type, F_UNLCK);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 50, 100), 0);
	rump_pub_lwproc_switch(sh.c);
	FAILS(setlk(sh.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	/* One owner's overlapping write locks merged into one. */
	f = getlk(sh.fd, F_GETLK, 120, 1);
	cr_assert_eq(f.l_start, 0);
	cr_assert_eq(f.l_len, 150);
	cr_assert(f.l_pid == sh.apid || f.l_pid == sh.spid);
	/* S unlocks what A locked. */
	rump_pub_lwproc_switch(sh.s);
	RETURNS(setlk(sh.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	rump_pub_lwproc_switch(sh.c);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

Test(lock, a_close_in_a_shared_table_drops_the_tables_locks)
{
	struct sharers sh;
	int fd2;

	make_sharers(&sh);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 10), 0);
	/* S opens the file again and closes that descriptor: the table's
	 * locks on the file go, A's included (POSIX's close rule). */
	rump_pub_lwproc_switch(sh.s);
	fd2 = rump_sys_open("/shared-locks", O_RDONLY);
	cr_assert_geq(fd2, 0);
	RETURNS(rump_sys_close(fd2), 0);
	rump_pub_lwproc_switch(sh.c);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 10), 0);
}

Test(lock, the_locks_last_while_a_sharer_lives)
{
	struct sharers sh;
	struct flock f;

	make_sharers(&sh);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 10), 0);
	/* A exits; S still holds the table, and with it the lock. */
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(sh.c);
	f = getlk(sh.fd, F_GETLK, 0, 10);
	cr_assert_eq(f.l_type, F_WRLCK);
	cr_assert_eq(f.l_pid, sh.apid);
	FAILS(setlk(sh.fd, F_SETLK, F_WRLCK, 5, 1), EAGAIN);
	/* The last sharer exits: the table goes, and its locks. */
	rump_pub_lwproc_switch(sh.s);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(sh.c);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 10), 0);
}

/* A killed by a signal leaves its locks to S, who shares its table. */
Test(lock, a_killed_sharer_leaves_the_locks_to_the_table)
{
	struct sharers sh;
	int status;

	make_sharers(&sh);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 0), 0);
	rump_pub_lwproc_switch(sh.c);
	RETURNS(rump_sys_kill(sh.apid, SIGKILL), 0);
	cr_assert_eq(rump_proc_exitstatus(sh.apid, &status), 0);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Give the tear-down its time; the lock must outlive it. */
	usleep(50000);
	FAILS(setlk(sh.fd, F_SETLK, F_RDLCK, 0, 1), EAGAIN);
	/* S, alive, still uses the table and its lock. */
	rump_pub_lwproc_switch(sh.s);
	RETURNS(setlk(sh.fd, F_SETLK, F_UNLCK, 0, 0), 0);
	rump_pub_lwproc_switch(sh.c);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 0), 0);
}

/* C waits for the table's byte 0 (set by A); S, the other half of the
 * table, asking for C's byte closes the cycle: EDEADLK. */
Test(lock, deadlock_through_a_shared_table)
{
	struct sharers sh;

	make_sharers(&sh);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 0, 1), 0); /* A: byte 0 */
	rump_pub_lwproc_switch(sh.c);
	RETURNS(setlk(sh.fd, F_SETLK, F_WRLCK, 1, 1), 0); /* C: byte 1 */
	struct blocker b = { .pid = sh.cpid,
			     .fd = sh.fd,
			     .cmd = F_SETLKW,
			     .type = F_WRLCK,
			     .start = 0,
			     .len = 1 };
	spawn(&b); /* C waits for the table */
	still_blocked(&b);
	rump_pub_lwproc_switch(sh.s);
	FAILS(setlk(sh.fd, F_SETLKW, F_WRLCK, 1, 1), EDEADLK);
	/* S gives up the byte A took: C proceeds. */
	RETURNS(setlk(sh.fd, F_SETLK, F_UNLCK, 0, 1), 0);
	cr_assert_eq(joined(&b), 0);
}

/* An O_PATH descriptor is no open file for locks: closing one drops
 * none of the process's record locks (Linux's filp_flush skips
 * FMODE_PATH files), while closing a real one of the file does. */
Test(lock, closing_an_o_path_descriptor_drops_nothing)
{
	struct lwp *a, *b;
	int fd, pfd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	a = rump_pub_lwproc_curlwp();
	fd = rump_sys_open("/opathlk", O_CREAT | O_RDWR, 0600);
	cr_assert_geq(fd, 0);
	RETURNS(setlk(fd, F_SETLK, F_WRLCK, 0, 10), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	b = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(a);
	pfd = rump_sys_open("/opathlk", O_PATH);
	cr_assert_geq(pfd, 0);
	RETURNS(rump_sys_close(pfd), 0);
	rump_pub_lwproc_switch(b);
	FAILS(setlk(fd, F_SETLK, F_WRLCK, 0, 1), EAGAIN);
	rump_pub_lwproc_switch(a);
	pfd = rump_sys_open("/opathlk", O_RDONLY);
	cr_assert_geq(pfd, 0);
	RETURNS(rump_sys_close(pfd), 0);
	rump_pub_lwproc_switch(b);
	RETURNS(setlk(fd, F_SETLK, F_WRLCK, 0, 1), 0);
}
