/*
 * signalfd.c: signalfd and signalfd4: argument checks, mask updates,
 * the records read (coalescing, real-time queueing with values, codes,
 * timers, SIGCHLD), whose pending signals a read takes (the reading lwp
 * and its process, after rfork the child's), blocking reads woken by
 * other threads and interrupted by handlers, O_NONBLOCK, poll, select
 * and epoll readiness and wakeups, close while polled.
 *
 * The Linux facts checked here were confirmed on a Linux 6.x host:
 * EINVAL for flags then size before EFAULT for the mask before EBADF or
 * EINVAL for the descriptor; an update keeps the file's flags; fstat
 * shows mode 0600 without type bits; a read of under 128 bytes (even 0)
 * and every write are EINVAL; pread is ESPIPE; readv may split a record
 * over segments; a record that cannot be copied out is lost; the
 * reader's own pending signals come first; a forked child reading an
 * inherited signalfd sees its own signals only.
 *
 * Each test runs in its own host process (Criterion forks), so each
 * boots a fresh kernel.  Times are in milliseconds.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "proc_util.h"

#include "check.h"
#include "host_thread.h"

#define MS 1000000L
#define REC sizeof(struct signalfd_siginfo)

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(signalfd, .init = boot, .timeout = 20);

static _Atomic int hits[65];

static void
count_handler(int sig)
{
	hits[sig]++;
}

static void
set_handler(int sig, void (*h)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	sa.sa_handler = h;
	cr_assert_eq(rump_sys_sigaction(sig, &sa, NULL), 0);
}

/* A set of the signals given, ending with 0. */
static sigset_t
set_of(int sig, ...)
{
	sigset_t s;
	va_list ap;

	sigemptyset(&s);
	va_start(ap, sig);
	for (; sig != 0; sig = va_arg(ap, int))
		sigaddset(&s, sig);
	va_end(ap);
	return s;
}

/* Block the signals of `s' in the calling lwp. */
static void
block_set(const sigset_t *s)
{
	cr_assert_eq(rump_sys_sigprocmask(SIG_BLOCK, s, NULL), 0);
}

/* A signalfd for `s' (blocked in the caller), with `flags'. */
static int
sfd_for(const sigset_t *s, int flags)
{
	int fd;

	block_set(s);
	fd = rump_sys_signalfd(-1, s, flags);
	cr_assert_geq(fd, 0, "signalfd: %s", strerror(errno));
	return fd;
}

/* Read one record, which must come. */
static struct signalfd_siginfo
read_one(int fd)
{
	struct signalfd_siginfo ssi;

	RETURNS(rump_sys_read(fd, &ssi, sizeof(ssi)), REC);
	return ssi;
}

static int
poll_in(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	int n = rump_sys_poll(&pfd, 1, timeout);

	cr_assert_geq(n, 0);
	cr_assert_eq(pfd.revents & ~POLLIN, 0, "revents %#x", pfd.revents);
	return n == 1 ? pfd.revents : 0;
}

/* ---- arguments ----------------------------------------------------------- */

Test(signalfd, bad_arguments_in_linux_order)
{
	sigset_t s = set_of(SIGUSR1, 0);
	int pfd[2], fd;

	rfork_ok(RUMP_RFCFDG);
	cr_assert_eq(rump_sys_pipe(pfd), 0);
	FAILS(rump_sys_signalfd4(-1, &s, 4, 0), EINVAL);
	FAILS(rump_sys_signalfd4(-1, &s, 16, 0), EINVAL);
	FAILS(rump_sys_signalfd4(-1, &s, 0, 0), EINVAL);
	FAILS(rump_sys_signalfd4(-1, &s, 8, 1), EINVAL);
	FAILS(rump_sys_signalfd4(-1, &s, 8, SFD_CLOEXEC << 1), EINVAL);
	FAILS(rump_sys_signalfd4(-1, &s, 8, O_RDWR), EINVAL);
	FAILS(rump_sys_signalfd4(-1, (sigset_t *)8, 8, 0), EFAULT);
	FAILS(rump_sys_signalfd4(-1, NULL, 8, 0), EFAULT);
	FAILS(rump_sys_signalfd4(-2, &s, 8, 0), EBADF);
	FAILS(rump_sys_signalfd4(100, &s, 8, 0), EBADF);
	FAILS(rump_sys_signalfd4(pfd[0], &s, 8, 0), EINVAL);
	/* The order: flags and size before the mask before the fd. */
	FAILS(rump_sys_signalfd4(100, &s, 8, 1), EINVAL);
	FAILS(rump_sys_signalfd4(100, &s, 4, 0), EINVAL);
	FAILS(rump_sys_signalfd4(100, (sigset_t *)8, 8, 0), EFAULT);
	FAILS(rump_sys_signalfd4(pfd[0], (sigset_t *)8, 8, 0), EFAULT);
	/* Nothing was made by the failures. */
	fd = rump_sys_signalfd(-1, &s, 0);
	cr_assert_eq(fd, pfd[1] + 1);
}

Test(signalfd, plain_signalfd_takes_no_flags)
{
	sigset_t s = set_of(SIGUSR1, 0);
	long args[6] = { -1, (long)&s, 8 };
	long fd;
	int pfd[2];

	rfork_ok(RUMP_RFCFDG);
	fd = rump_syscall(RUMP_SYS_signalfd, args);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_fcntl(fd, F_GETFL), O_RDWR);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), 0);
	args[2] = 4;
	cr_assert_eq(rump_syscall(RUMP_SYS_signalfd, args), -EINVAL);
	args[2] = 8;
	args[1] = 16;
	cr_assert_eq(rump_syscall(RUMP_SYS_signalfd, args), -EFAULT);
	/* Update through the old call. */
	args[0] = fd;
	args[1] = (long)&s;
	cr_assert_eq(rump_syscall(RUMP_SYS_signalfd, args), fd);
	cr_assert_eq(rump_sys_pipe(pfd), 0);
	args[0] = pfd[0];
	cr_assert_eq(rump_syscall(RUMP_SYS_signalfd, args), -EINVAL);
	args[0] = pfd[1] + 1;
	cr_assert_eq(rump_syscall(RUMP_SYS_signalfd, args), -EBADF);
}

Test(signalfd, flags_and_file_attributes)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct stat st;
	char buf[256];
	int fd;

	rfork_ok(RUMP_RFCFDG);
	fd = sfd_for(&s, SFD_NONBLOCK | SFD_CLOEXEC);
	RETURNS(rump_sys_fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	/* An update keeps the flags, whatever it asks. */
	RETURNS(rump_sys_signalfd(fd, &s, 0), fd);
	RETURNS(rump_sys_fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK);
	RETURNS(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
	FAILS(rump_sys_signalfd(fd, &s, 0x4), EINVAL);

	cr_assert_eq(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode, 0600, "mode %o", st.st_mode);
	cr_assert_eq(st.st_mode & S_IFMT, 0);
	cr_assert_eq(st.st_nlink, 1);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, 0);
	cr_assert_eq(st.st_size, 0);

	FAILS(rump_sys_read(fd, buf, REC - 1), EINVAL);
	FAILS(rump_sys_read(fd, buf, 0), EINVAL);
	FAILS(rump_sys_read(fd, buf, REC), EAGAIN);
	FAILS(rump_sys_write(fd, buf, REC), EINVAL);
	FAILS(rump_sys_write(fd, buf, 0), EINVAL);
	FAILS(rump_sys_pread(fd, buf, REC, 0), ESPIPE);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0); /* noop_llseek */
	RETURNS(rump_sys_close(fd), 0);
	FAILS(rump_sys_read(fd, buf, REC), EBADF);
}

/* ---- what a read returns ------------------------------------------------- */

Test(signalfd, standard_signals_coalesce)
{
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);
	struct signalfd_siginfo ssi[4];
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK);

	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rump_sys_kill(pid, SIGUSR2), 0);
		cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	}
	RETURNS(rump_sys_read(fd, ssi, sizeof(ssi)), 2 * REC);
	/* Lowest number first. */
	cr_assert_eq(ssi[0].ssi_signo, SIGUSR1);
	cr_assert_eq(ssi[1].ssi_signo, SIGUSR2);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ssi[i].ssi_code, SI_USER);
		cr_assert_eq(ssi[i].ssi_pid, (uint32_t)pid);
		cr_assert_eq(ssi[i].ssi_uid, 0);
		cr_assert_eq(ssi[i].ssi_int, 0);
	}
	FAILS(rump_sys_read(fd, ssi, sizeof(ssi)), EAGAIN);
	/* Taken: not pending any more. */
	sigset_t pend;
	cr_assert_eq(rump_sys_sigpending(&pend), 0);
	cr_assert(!sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
}

Test(signalfd, realtime_signals_queue_in_order_with_values)
{
	sigset_t s = set_of(SIGRTMIN, SIGRTMIN + 2, SIGUSR1, 0);
	struct signalfd_siginfo ssi[8];
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK);
	union sigval v;

	for (int i = 0; i < 3; i++) {
		v.sival_int = 10 + i;
		cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN + 2, v), 0);
		v.sival_ptr = (void *)(uintptr_t)(0x1000 + i);
		cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN, v), 0);
	}
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	/* Records are whole: room for 2.5 gives 2. */
	RETURNS(rump_sys_read(fd, ssi, 2 * REC + REC / 2), 2 * REC);
	cr_assert_eq(ssi[0].ssi_signo, SIGUSR1);
	cr_assert_eq(ssi[1].ssi_signo, SIGRTMIN);
	cr_assert_eq(ssi[1].ssi_ptr, 0x1000);
	RETURNS(rump_sys_read(fd, ssi, sizeof(ssi)), 5 * REC);
	cr_assert_eq(ssi[0].ssi_signo, SIGRTMIN);
	cr_assert_eq(ssi[0].ssi_ptr, 0x1001);
	cr_assert_eq(ssi[1].ssi_signo, SIGRTMIN);
	cr_assert_eq(ssi[1].ssi_ptr, 0x1002);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(ssi[2 + i].ssi_signo, SIGRTMIN + 2);
		cr_assert_eq(ssi[2 + i].ssi_int, 10 + i);
		cr_assert_eq(ssi[2 + i].ssi_code, SI_QUEUE);
		cr_assert_eq(ssi[2 + i].ssi_pid, (uint32_t)pid);
		cr_assert_eq(ssi[2 + i].ssi_uid, 0);
	}
	FAILS(rump_sys_read(fd, ssi, sizeof(ssi)), EAGAIN);
}

Test(signalfd, readv_and_bad_buffers)
{
	sigset_t s = set_of(SIGUSR1, SIGRTMIN, 0);
	struct signalfd_siginfo a, b;
	char half[REC];
	struct iovec iov[2] = { { half, REC / 2 }, { (char *)&a, REC / 2 } };
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK);
	union sigval v = { .sival_int = 5 };

	/* A record may span segments. */
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	RETURNS(rump_sys_readv(fd, iov, 2), REC);
	memcpy(&b, half, REC / 2);
	memcpy((char *)&b + REC / 2, &a, REC / 2);
	cr_assert_eq(b.ssi_signo, SIGUSR1);
	iov[0].iov_len = REC / 2 - 1;
	FAILS(rump_sys_readv(fd, iov, 2), EINVAL);
	/* A bad buffer: EFAULT, and the record is gone, as on Linux. */
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	FAILS(rump_sys_read(fd, (void *)8, REC), EFAULT);
	FAILS(rump_sys_read(fd, &a, REC), EAGAIN);
	/* With a good first record, the count of those copied. */
	cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN, v), 0);
	cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN, v), 0);
	iov[0].iov_base = &a;
	iov[0].iov_len = REC;
	iov[1].iov_base = (void *)8;
	iov[1].iov_len = REC;
	RETURNS(rump_sys_readv(fd, iov, 2), REC);
	cr_assert_eq(a.ssi_int, 5);
}

Test(signalfd, own_thread_signals_before_process_ones)
{
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);
	struct signalfd_siginfo ssi[4];
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *a = rump_pub_lwproc_curlwp(), *b;
	int fd = sfd_for(&s, SFD_NONBLOCK);
	pid_t atid = rump_sys_gettid(), btid;

	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	b = rump_pub_lwproc_curlwp();
	block_set(&s);
	btid = rump_sys_gettid();
	rump_pub_lwproc_switch(a);

	cr_assert_eq(rump_sys_tkill(btid, SIGUSR1), 0); /* b's own */
	cr_assert_eq(rump_sys_tkill(atid, SIGUSR2), 0); /* a's own */
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);   /* the process's */
	/* a: its own SIGUSR2 first, then the process's SIGUSR1; never b's. */
	RETURNS(rump_sys_read(fd, ssi, sizeof(ssi)), 2 * REC);
	cr_assert_eq(ssi[0].ssi_signo, SIGUSR2);
	cr_assert_eq(ssi[0].ssi_code, SI_TKILL);
	cr_assert_eq(ssi[0].ssi_pid, (uint32_t)pid);
	cr_assert_eq(ssi[1].ssi_signo, SIGUSR1);
	cr_assert_eq(ssi[1].ssi_code, SI_USER);
	cr_assert_eq(poll_in(fd, 0), 0);
	/* b reads the same descriptor and sees its own. */
	rump_pub_lwproc_switch(b);
	cr_assert_eq(poll_in(fd, 0), POLLIN);
	RETURNS(rump_sys_read(fd, ssi, sizeof(ssi)), REC);
	cr_assert_eq(ssi[0].ssi_signo, SIGUSR1);
	cr_assert_eq(ssi[0].ssi_code, SI_TKILL);
	FAILS(rump_sys_read(fd, ssi, sizeof(ssi)), EAGAIN);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(a);
}

Test(signalfd, rforked_child_reads_its_own_signals)
{
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);
	pid_t parent = rfork_ok(RUMP_RFCFDG), child;
	struct lwp *pl = rump_pub_lwproc_curlwp(), *cl;
	int fd = sfd_for(&s, SFD_NONBLOCK);
	struct signalfd_siginfo ssi;

	cr_assert_eq(rump_sys_kill(parent, SIGUSR2), 0);
	/* A copied table: the same open signalfd in the child. */
	child = rfork_ok(RUMP_RFFDG);
	cl = rump_pub_lwproc_curlwp();
	cr_assert_eq(poll_in(fd, 0), 0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	cr_assert_eq(rump_sys_kill(child, SIGUSR1), 0);
	ssi = read_one(fd);
	cr_assert_eq(ssi.ssi_signo, SIGUSR1);
	cr_assert_eq(ssi.ssi_pid, (uint32_t)child);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	/* The parent's is still the parent's. */
	rump_pub_lwproc_switch(pl);
	ssi = read_one(fd);
	cr_assert_eq(ssi.ssi_signo, SIGUSR2);
	cr_assert_eq(ssi.ssi_pid, (uint32_t)parent);
	/* A shared table, the same. */
	cr_assert_eq(rump_sys_kill(parent, SIGUSR1), 0);
	child = rfork_ok(0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	cr_assert_eq(rump_sys_kill(child, SIGUSR2), 0);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR2);
	rump_pub_lwproc_switch(pl);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	(void)cl;
}

Test(signalfd, mask_update_and_uncatchables_dropped)
{
	sigset_t s1 = set_of(SIGUSR1, 0), s2 = set_of(SIGUSR2, 0);
	sigset_t both = set_of(SIGUSR1, SIGUSR2, 0);
	sigset_t ks = set_of(SIGKILL, SIGSTOP, 0);
	struct signalfd_siginfo ssi;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd, fd2;

	block_set(&both);
	fd = rump_sys_signalfd(-1, &s1, SFD_NONBLOCK);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR2), 0);
	cr_assert_eq(poll_in(fd, 0), 0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	/* The same number comes back; the new set applies at once. */
	RETURNS(rump_sys_signalfd(fd, &s2, 0), fd);
	cr_assert_eq(poll_in(fd, 0), POLLIN);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR2);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	/* SIGKILL and SIGSTOP alone are an empty set. */
	RETURNS(rump_sys_signalfd(fd, &ks, 0), fd);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	fd2 = rump_sys_signalfd(-1, &ks, SFD_NONBLOCK);
	cr_assert_geq(fd2, 0);
	cr_assert_eq(poll_in(fd2, 0), 0);
	RETURNS(rump_sys_signalfd4(fd, &s1, 8, SFD_CLOEXEC), fd);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
}

/* A process whose signalfd names SIGKILL still dies of it, and one
 * blocked reading it is ended. */
struct reader {
	struct lwp *lwp;
	int fd;
	int tid;   /* host thread id, for wait_host_sleeping */
	pid_t lid; /* its lwp's thread id in the kernel */
	_Atomic int done;
	long rv;
	int err;
	size_t len;
	struct signalfd_siginfo ssi[4];
	const sigset_t *block; /* blocked by the reader first, or NULL */
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	rump_pub_lwproc_switch(r->lwp);
	if (r->block != NULL)
		rump_sys_sigprocmask(SIG_BLOCK, r->block, NULL);
	r->lid = rump_sys_gettid();
	__atomic_store_n(&r->tid, gettid(), __ATOMIC_RELEASE);
	r->rv = rump_sys_read(r->fd, r->ssi, r->len);
	r->err = errno;
	r->done = 1;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

/* Start a reader thread on a new lwp of process `pid'. */
static void
start_reader_len(pthread_t *t, struct reader *r, pid_t pid, int fd,
		 const sigset_t *block, size_t len)
{
	struct lwp *me = rump_pub_lwproc_curlwp();

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->len = len;
	r->block = block;
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	r->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(t, NULL, reader_main, r), 0);
	wait_host_sleeping(&r->tid);
}

static void
start_reader(pthread_t *t, struct reader *r, pid_t pid, int fd,
	     const sigset_t *block)
{
	start_reader_len(t, r, pid, fd, block, REC);
}

Test(signalfd, sigkill_in_the_set_still_kills)
{
	sigset_t s = set_of(SIGKILL, SIGSTOP, SIGUSR1, 0);
	struct reader r;
	pthread_t t;
	pid_t parent = rfork_ok(RUMP_RFCFDG), child;
	struct lwp *pl = rump_pub_lwproc_curlwp();
	int fd, status = 0;

	(void)parent;
	child = rfork_ok(RUMP_RFCFDG);
	fd = sfd_for(&s, 0);
	start_reader(&t, &r, child, fd, &s);
	cr_assert_eq(r.done, 0);
	rump_pub_lwproc_switch(pl);
	cr_assert_eq(rump_sys_kill(child, SIGKILL), 0);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, -1);
	cr_assert_eq(r.err, EINTR);
	cr_assert_eq(rump_proc_exitstatus(child, &status), 0);
	cr_assert_eq(status & 0x7f, SIGKILL);
}

/* ---- blocking, interruption --------------------------------------------- */

static pid_t kill_pid;
static int kill_sig;

/* A host thread with no lwp of its own (an implicit context of init). */
static void *
killer_main(void *arg)
{
	(void)arg;
	sleep_ms(1);
	cr_assert_eq(rump_sys_kill(kill_pid, kill_sig), 0);
	return NULL;
}

Test(signalfd, blocking_read_woken_by_kill_from_another_thread)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct reader r;
	pthread_t t, k;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, 0);

	start_reader(&t, &r, pid, fd, &s);
	cr_assert_eq(r.done, 0, "the read blocks");
	kill_pid = pid;
	kill_sig = SIGUSR1;
	cr_assert_eq(pthread_create(&k, NULL, killer_main, NULL), 0);
	pthread_join(k, NULL);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, REC);
	cr_assert_eq(r.ssi[0].ssi_signo, SIGUSR1);
	cr_assert_eq(r.ssi[0].ssi_pid, 1, "sent from init's implicit context");
	cr_assert_eq(hits[SIGUSR1], 0);
}

Test(signalfd, blocked_read_takes_what_is_there_when_woken)
{
	sigset_t s = set_of(SIGRTMIN, SIGUSR1, 0);
	struct reader r;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, 0);
	struct signalfd_siginfo rest[4];
	union sigval v;
	long k, n;

	start_reader_len(&t, &r, pid, fd, &s, sizeof(r.ssi));
	cr_assert_eq(r.done, 0);
	for (int i = 0; i < 3; i++) {
		v.sival_int = 7 + i;
		cr_assert_eq(rump_sys_sigqueue(pid, SIGRTMIN, v), 0);
	}
	pthread_join(t, NULL);
	cr_assert_geq(r.rv, (long)REC);
	cr_assert_eq(r.rv % REC, 0);
	k = r.rv / (long)REC;
	/* The rest are still queued, for the process's other lwp. */
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	n = k == 3 ? 0 : rump_sys_read(fd, rest, sizeof(rest));
	if (k < 3)
		cr_assert_eq(n, (3 - k) * (long)REC);
	for (int i = 0; i < 3; i++) {
		struct signalfd_siginfo *x = i < k ? &r.ssi[i] : &rest[i - k];

		cr_assert_eq(x->ssi_signo, SIGRTMIN);
		cr_assert_eq(x->ssi_int, 7 + i);
		cr_assert_eq(x->ssi_code, SI_QUEUE);
	}
}

/* Blocked in the read, the reader gets a handled signal (not in the
 * set) of its own: EINTR without SA_RESTART. */
Test(signalfd, handled_signal_interrupts_a_blocked_read)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct reader r;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, 0);

	set_handler(SIGUSR2, count_handler, 0);
	start_reader(&t, &r, pid, fd, &s);
	cr_assert_eq(rump_sys_tkill(r.lid, SIGUSR2), 0);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, -1);
	cr_assert_eq(r.err, EINTR);
	cr_assert_eq(hits[SIGUSR2], 1);
	/* Nothing of the set was lost meanwhile. */
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
}

/* Under SA_RESTART the read goes on after the handler and returns the
 * record that comes later. */
Test(signalfd, blocked_read_restarts_under_sa_restart)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct reader r;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, 0);

	set_handler(SIGUSR2, count_handler, SA_RESTART);
	start_reader(&t, &r, pid, fd, &s);
	cr_assert_eq(rump_sys_tkill(r.lid, SIGUSR2), 0);
	for (int i = 0; i < 2000 && hits[SIGUSR2] == 0; i++)
		sleep_ms(1);
	cr_assert_eq(hits[SIGUSR2], 1);
	sleep_ms(10);
	cr_assert_eq(r.done, 0, "restarted, still blocked");
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(r.rv, REC);
	cr_assert_eq(r.ssi[0].ssi_signo, SIGUSR1);
}

/* A signal of the set that is not blocked goes to its handler first;
 * one that is blocked and read never reaches its handler. */
Test(signalfd, handlers_and_the_set)
{
	sigset_t s = set_of(SIGUSR1, 0), none;
	struct signalfd_siginfo ssi;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd;

	set_handler(SIGUSR1, count_handler, 0);
	fd = rump_sys_signalfd(-1, &s, SFD_NONBLOCK);
	cr_assert_geq(fd, 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(hits[SIGUSR1], 1);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);

	block_set(&s);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	sigemptyset(&none);
	cr_assert_eq(rump_sys_sigprocmask(SIG_SETMASK, &none, NULL), 0);
	cr_assert_eq(hits[SIGUSR1], 1, "the handler did not run again");
}

Test(signalfd, nonblocking_through_fcntl)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct signalfd_siginfo ssi;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, 0);

	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	/* Back to blocking: a read waits (a timer ends the wait). */
	RETURNS(rump_sys_fcntl(fd, F_SETFL, 0), 0);
	sigset_t a = set_of(SIGALRM, 0);
	block_set(&a);
	RETURNS(rump_sys_signalfd(fd, &a, 0), fd);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	cr_assert_eq(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
	ssi = read_one(fd);
	cr_assert_eq(ssi.ssi_signo, SIGALRM);
	cr_assert_eq(ssi.ssi_code, SI_KERNEL);
}

/* ---- timers and children ----------------------------------------------- */

Test(signalfd, posix_timer_records)
{
	sigset_t s = set_of(SIGRTMIN + 1, 0);
	struct sigevent sev;
	struct itimerspec its = { { 0, 1 * MS }, { 0, 1 * MS } };
	struct signalfd_siginfo ssi;
	timer_t tid;
	int fd;

	rfork_ok(RUMP_RFCFDG);
	fd = sfd_for(&s, 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 1;
	sev.sigev_value.sival_int = 77;
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &tid), 0);
	cr_assert_eq(rump_sys_timer_settime(tid, 0, &its, NULL), 0);
	ssi = read_one(fd); /* the first expiry wakes the read */
	sleep_ms(20);
	ssi = read_one(fd);
	cr_assert_eq(rump_sys_timer_delete(tid), 0);
	cr_assert_eq(ssi.ssi_signo, SIGRTMIN + 1);
	cr_assert_eq(ssi.ssi_code, SI_TIMER);
	cr_assert_eq(ssi.ssi_tid, (uint32_t)(intptr_t)tid);
	cr_assert_eq(ssi.ssi_int, 77);
	cr_assert_geq(ssi.ssi_overrun, 1, "20 ms of 1 ms expiries, one queued");
	cr_assert_eq(ssi.ssi_pid, 0);
}

Test(signalfd, sigchld_of_a_killed_child)
{
	sigset_t s = set_of(SIGCHLD, 0);
	pid_t child;
	struct lwp *pl;
	struct signalfd_siginfo ssi;
	int fd;

	rfork_ok(RUMP_RFCFDG);
	pl = rump_pub_lwproc_curlwp();
	fd = sfd_for(&s, 0);
	child = rfork_ok(RUMP_RFCFDG);
	rump_pub_lwproc_switch(pl);
	cr_assert_eq(rump_sys_kill(child, SIGTERM), 0);
	ssi = read_one(fd);
	cr_assert_eq(ssi.ssi_signo, SIGCHLD);
	cr_assert_eq(ssi.ssi_code, CLD_KILLED);
	cr_assert_eq(ssi.ssi_pid, (uint32_t)child);
	cr_assert_eq(ssi.ssi_status, SIGTERM);
}

/* ---- poll, select, epoll ---------------------------------------------------- */

Test(signalfd, poll_select_epoll_readiness)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = 9 },
			   out[2];
	struct timeval tv = { 0, 0 };
	fd_set rd, wr;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK), ep;

	ep = rump_sys_epoll_create1(0);
	cr_assert_geq(ep, 0);
	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	cr_assert_eq(poll_in(fd, 0), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 2, 0), 0);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fd, &rd);
	FD_SET(fd, &wr);
	RETURNS(rump_sys_select(fd + 1, &rd, &wr, NULL, &tv), 0);

	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	cr_assert_eq(poll_in(fd, 0), POLLIN);
	FD_SET(fd, &rd);
	FD_SET(fd, &wr);
	RETURNS(rump_sys_select(fd + 1, &rd, &wr, NULL, &tv), 1);
	cr_assert(FD_ISSET(fd, &rd) && !FD_ISSET(fd, &wr));
	/* Level-triggered: reported until read. */
	for (int i = 0; i < 2; i++) {
		RETURNS(rump_sys_epoll_wait(ep, out, 2, 0), 1);
		cr_assert_eq(out[0].events, EPOLLIN);
		cr_assert_eq(out[0].data.u64, 9);
	}
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	cr_assert_eq(poll_in(fd, 0), 0);
	RETURNS(rump_sys_epoll_wait(ep, out, 2, 0), 0);
	RETURNS(rump_sys_close(ep), 0);
}

struct poller {
	struct lwp *lwp;
	int fd, ep;
	int tid;
	pid_t lid;
	int timeout;
	_Atomic int done;
	int rv;
	int err;
	short revents;
	struct epoll_event ev;
	const sigset_t *block;
};

static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	rump_pub_lwproc_switch(p->lwp);
	rump_sys_sigprocmask(SIG_BLOCK, p->block, NULL);
	p->lid = rump_sys_gettid();
	__atomic_store_n(&p->tid, gettid(), __ATOMIC_RELEASE);
	if (p->ep >= 0) {
		p->rv = rump_sys_epoll_wait(p->ep, &p->ev, 1, p->timeout);
	} else {
		p->rv = rump_sys_poll(&pfd, 1, p->timeout);
		p->revents = pfd.revents;
	}
	p->err = errno;
	p->done = 1;
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

static void
start_poller(pthread_t *t, struct poller *p, pid_t pid, int fd, int ep,
	     int timeout, const sigset_t *block)
{
	struct lwp *me = rump_pub_lwproc_curlwp();

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	p->ep = ep;
	p->timeout = timeout;
	p->block = block;
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	p->lwp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(t, NULL, poller_main, p), 0);
	wait_host_sleeping(&p->tid);
}

Test(signalfd, poll_woken_by_a_signal_from_another_thread)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct poller p;
	pthread_t t, k;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK);

	start_poller(&t, &p, pid, fd, -1, 10000, &s);
	cr_assert_eq(p.done, 0);
	kill_pid = pid;
	kill_sig = SIGUSR1;
	cr_assert_eq(pthread_create(&k, NULL, killer_main, NULL), 0);
	pthread_join(k, NULL);
	pthread_join(t, NULL);
	cr_assert_eq(p.rv, 1);
	cr_assert_eq(p.revents, POLLIN);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
}

Test(signalfd, epoll_woken_by_a_signal_from_another_thread)
{
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 5 };
	struct poller p;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK), ep;

	ep = rump_sys_epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(ep, 0);
	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	start_poller(&t, &p, pid, fd, ep, 10000, &s);
	cr_assert_eq(p.done, 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR2), 0);
	pthread_join(t, NULL);
	cr_assert_eq(p.rv, 1);
	cr_assert_eq(p.ev.events, EPOLLIN);
	cr_assert_eq(p.ev.data.u64, 5);
	/* Edge-triggered: reported once. */
	struct epoll_event out;
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR2);
	/* A signal to the waiting thread itself wakes it as well. */
	start_poller(&t, &p, pid, fd, ep, 10000, &s);
	cr_assert_eq(p.done, 0);
	cr_assert_eq(rump_sys_tkill(p.lid, SIGUSR1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(p.rv, 1);
	cr_assert_eq(p.ev.data.u64, 5);
	/* That one is the other thread's: not ready here. */
	cr_assert_eq(poll_in(fd, 0), 0);
}

/* Closing the descriptor a thread polls: a signal still ends the poll,
 * which then finds the descriptor closed (POLLNVAL, as on Linux); epoll
 * drops the closed file. */
Test(signalfd, close_while_another_thread_polls)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 3 };
	struct poller p;
	pthread_t t;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd = sfd_for(&s, SFD_NONBLOCK), ep;

	start_poller(&t, &p, pid, fd, -1, 10000, &s);
	RETURNS(rump_sys_close(fd), 0);
	sleep_ms(5);
	cr_assert_eq(p.done, 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	pthread_join(t, NULL);
	/* Linux's poll looks the descriptor up again when woken. */
	cr_assert_eq(p.rv, 1);
	cr_assert_eq(p.revents, POLLNVAL);

	/* The signal stayed pending. */
	fd = sfd_for(&s, SFD_NONBLOCK);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);

	/* epoll: the item goes with the last close. */
	ep = rump_sys_epoll_create1(0);
	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	start_poller(&t, &p, pid, fd, ep, 300, &s);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(rump_sys_kill(pid, SIGUSR1), 0);
	pthread_join(t, NULL);
	cr_assert_eq(p.rv, 0, "the closed signalfd is not reported");
	fd = sfd_for(&s, SFD_NONBLOCK);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	RETURNS(rump_sys_close(ep), 0);
	RETURNS(rump_sys_close(fd), 0);
}

/* Many host threads queue real-time signals to a process while one of
 * its threads reads them through a blocking signalfd and another polls
 * one of its own: nothing is lost or reordered per sender. */
enum { NSEND = 4, PERSEND = 150 };

static pid_t stress_pid;

static void *
sender_main(void *arg)
{
	int id = (int)(intptr_t)arg;
	union sigval v;

	for (int i = 0; i < PERSEND; i++) {
		v.sival_int = id * 1000 + i;
		while (rump_sys_sigqueue(stress_pid, SIGRTMIN + 3, v) != 0) {
			cr_assert_eq(errno, EAGAIN);
			sched_yield();
		}
	}
	return NULL;
}

Test(signalfd, concurrent_senders_one_reader)
{
	sigset_t s = set_of(SIGRTMIN + 3, 0);
	struct signalfd_siginfo ssi[8];
	pthread_t t[NSEND];
	int next[NSEND] = { 0 }, got = 0;
	int fd;

	stress_pid = rfork_ok(RUMP_RFCFDG);
	fd = sfd_for(&s, 0);
	for (int i = 0; i < NSEND; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, sender_main,
					    (void *)(intptr_t)i),
			     0);
	while (got < NSEND * PERSEND) {
		long n = rump_sys_read(fd, ssi, sizeof(ssi));

		cr_assert_gt(n, 0, "read: %s", strerror(errno));
		cr_assert_eq(n % REC, 0);
		for (long j = 0; j < n / (long)REC; j++) {
			int id = ssi[j].ssi_int / 1000;

			cr_assert_eq(ssi[j].ssi_signo, SIGRTMIN + 3);
			cr_assert(id >= 0 && id < NSEND);
			cr_assert_eq(ssi[j].ssi_int % 1000, next[id],
				     "sender %d: %d after %d", id,
				     ssi[j].ssi_int % 1000, next[id]);
			next[id]++;
			got++;
		}
	}
	for (int i = 0; i < NSEND; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(poll_in(fd, 0), 0);
}

/* Signalfds come and go in one thread while another posts and polls:
 * no wakeup touches a closed one. */
static _Atomic int churn_stop, churn_err, churn_ready;

static void *
churn_main(void *arg)
{
	struct lwp *l = arg;
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);

	rump_pub_lwproc_switch(l);
	rump_sys_sigprocmask(SIG_BLOCK, &s, NULL);
	churn_ready = 1;
	while (!churn_stop) {
		int fd = rump_sys_signalfd(-1, &s, SFD_NONBLOCK);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (fd < 0) {
			churn_err = errno;
			break;
		}
		rump_sys_poll(&pfd, 1, 1);
		rump_sys_close(fd);
	}
	rump_pub_lwproc_switch(NULL);
	return NULL;
}

Test(signalfd, signalfds_made_and_closed_while_signals_fly)
{
	sigset_t s = set_of(SIGUSR1, SIGUSR2, 0);
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *me = rump_pub_lwproc_curlwp(), *l;
	pthread_t t;
	int fd;

	block_set(&s);
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	l = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(me);
	cr_assert_eq(pthread_create(&t, NULL, churn_main, l), 0);
	/* A new lwp starts with no signal blocked: wait for its mask. */
	while (!churn_ready)
		sleep_ms(1);
	fd = rump_sys_signalfd(-1, &s, SFD_NONBLOCK);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 300; i++) {
		cr_assert_eq(rump_sys_kill(pid, i & 1 ? SIGUSR1 : SIGUSR2), 0);
		if (i % 10 == 0)
			RETURNS(rump_sys_signalfd(fd, i & 2 ? &s : &s, 0), fd);
		struct signalfd_siginfo ssi[2];
		(void)rump_sys_read(fd, ssi, sizeof(ssi));
	}
	churn_stop = 1;
	pthread_join(t, NULL);
	cr_assert_eq(churn_err, 0, "%s", strerror(churn_err));
	RETURNS(rump_sys_close(fd), 0);
}

/* What the anonymous inode answers (as the host does). */
Test(signalfd, other_file_operations)
{
	sigset_t s = set_of(SIGUSR1, 0);
	int fd, n;

	rfork_ok(RUMP_RFCFDG);
	fd = sfd_for(&s, SFD_NONBLOCK);
	FAILS(rump_sys_fchmod(fd, 0644), EOPNOTSUPP);
	FAILS(rump_sys_fchown(fd, 0, 0), EOPNOTSUPP);
	FAILS(rump_sys_ioctl(fd, FIONREAD, &n), ENOTTY);
	FAILS(rump_sys_ftruncate(fd, 0), EINVAL);
	FAILS(rump_sys_fsync(fd), EINVAL);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK), 0);
	RETURNS(rump_sys_fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK | O_APPEND);
}

/* A SIGEV_THREAD_ID timer's signal is its thread's: that thread reads
 * it, another lwp of the process does not see it. */
Test(signalfd, thread_timer_goes_to_its_thread)
{
	sigset_t s = set_of(SIGRTMIN + 4, 0);
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 1 * MS } };
	struct signalfd_siginfo ssi;
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	struct lwp *a = rump_pub_lwproc_curlwp(), *b;
	timer_t tid;
	int fd = sfd_for(&s, 0);

	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	b = rump_pub_lwproc_curlwp();
	block_set(&s);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN + 4;
	sev.sigev_value.sival_int = 31;
	sev._sigev_un._tid = rump_sys_gettid();
	rump_pub_lwproc_switch(a);
	cr_assert_eq(rump_sys_timer_create(CLOCK_MONOTONIC, &sev, &tid), 0);
	cr_assert_eq(rump_sys_timer_settime(tid, 0, &its, NULL), 0);
	sleep_ms(10);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	FAILS(rump_sys_read(fd, &ssi, sizeof(ssi)), EAGAIN);
	cr_assert_eq(poll_in(fd, 0), 0);
	rump_pub_lwproc_switch(b);
	cr_assert_eq(poll_in(fd, 0), POLLIN);
	ssi = read_one(fd);
	cr_assert_eq(ssi.ssi_signo, SIGRTMIN + 4);
	cr_assert_eq(ssi.ssi_code, SI_TIMER);
	cr_assert_eq(ssi.ssi_int, 31);
	cr_assert_eq(ssi.ssi_tid, (uint32_t)(intptr_t)tid);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(a);
}

/* A signalfd made by a process that is gone stays usable through a
 * shared descriptor table and an epoll set: it now answers for whoever
 * polls or reads it. */
Test(signalfd, outlives_the_process_that_made_it)
{
	sigset_t s = set_of(SIGUSR1, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 11 }, out;
	pid_t parent = rfork_ok(RUMP_RFCFDG);
	struct lwp *pl = rump_pub_lwproc_curlwp();
	int fd, ep;

	block_set(&s);
	ep = rump_sys_epoll_create1(0);
	cr_assert_geq(ep, 0);
	rfork_ok(0); /* shares the table */
	fd = sfd_for(&s, SFD_NONBLOCK);
	cr_assert_eq(rump_sys_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	rump_pub_lwproc_releaselwp(); /* the child is gone */
	rump_pub_lwproc_switch(pl);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	cr_assert_eq(rump_sys_kill(parent, SIGUSR1), 0);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 1000), 1);
	cr_assert_eq(out.data.u64, 11);
	cr_assert_eq(read_one(fd).ssi_signo, SIGUSR1);
	RETURNS(rump_sys_epoll_wait(ep, &out, 1, 0), 0);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_close(ep), 0);
}
