/*
 * fsize.c: RLIMIT_FSIZE (kern/fsize.h) on every path that grows a
 * regular file, on tmpfs, memfd, hostfs and etfs files: short writes
 * that end at the limit, EFBIG with SIGXFSZ at or past it (the signal
 * caught, blocked and pending on the writing lwp, ignored, or ending the
 * process), truncate and fallocate, copy_file_range, sendfile and
 * splice; files that are not regular are not limited; the limit is the
 * process's own and rfork passes it on.  The largest file size
 * (MAX_LFS_FILESIZE) cases of lseek, pwrite, ftruncate and fallocate.
 *
 * The differential tests run one script of calls on rumpkit and, in a
 * forked host process, on the host's tmpfs (/dev/shm) and memfds, and
 * compare every result, errno and signal count.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"
#include "proc_util.h"

#define MX ((off_t)0x7fffffffffffffffLL)

static char hdir[] = "/tmp/fsize_test.XXXXXX";
static char hfile[300];

static void
setup(void)
{
	int fd;

	cr_assert_not_null(mkdtemp(hdir));
	snprintf(hfile, sizeof(hfile), "%s/etfs.img", hdir);
	cr_assert_geq(fd = open(hfile, O_CREAT | O_RDWR | O_TRUNC, 0644), 0);
	close(fd);
	cr_assert_eq(rump_init(), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
	cr_assert_eq(rump_pub_etfs_register("/etfs", hfile, RUMP_ETFS_REG), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

TestSuite(fsize, .init = setup, .fini = teardown, .timeout = 20);

/* ---- helpers ------------------------------------------------------------- */

static _Atomic int nxfsz;
static siginfo_t last_si;

static void
xfsz_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGXFSZ) {
		last_si = *si;
		nxfsz++;
	}
}

/* Install the counting handler (SA_SIGINFO), SIG_IGN or SIG_DFL. */
static void
rump_disposition(void *h)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (h == (void *)xfsz_handler) {
		sa.sa_flags = SA_SIGINFO;
		sa.sa_sigaction = xfsz_handler;
	} else {
		sa.sa_handler = h;
	}
	cr_assert_eq(rump_sys_sigaction(SIGXFSZ, &sa, NULL), 0);
}

static void
set_limit(rlim_t cur)
{
	struct rlimit rl = { cur, RLIM_INFINITY };

	RETURNS(rump_sys_setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* A process of its own with the counting handler and limit `lim'. */
static pid_t
limited_proc(rlim_t lim)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);

	rump_disposition((void *)xfsz_handler);
	set_limit(lim);
	nxfsz = 0;
	return pid;
}

enum kind { K_TMPFS, K_MEMFD, K_HOSTFS, K_ETFS, K_NKINDS };
static const char *const kind_name[] = { "tmpfs", "memfd", "hostfs", "etfs" };

/* A new empty regular file of kind k open O_RDWR | extra (the etfs file
 * is the registered host file, emptied); its path in *pathp (NULL for a
 * memfd). */
static int
kind_open(enum kind k, int extra, const char **pathp)
{
	static const char *const paths[] = { "/f", NULL, "/mnt/f", "/etfs" };
	const char *path = paths[k];
	int fd;

	if (k == K_MEMFD) {
		fd = rump_sys_memfd_create("f", 0);
		cr_assert_geq(fd, 0);
		if (extra & O_APPEND)
			RETURNS(rump_sys_fcntl(fd, F_SETFL, O_APPEND), 0);
	} else {
		fd = rump_sys_open(path, O_CREAT | O_RDWR | extra, 0644);
		cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	}
	if (pathp != NULL)
		*pathp = path;
	return fd;
}

/* Empty the file (past any limit: the limit does not stop a shrink). */
static int
kind_fresh(enum kind k, int extra, const char **pathp)
{
	int fd = kind_open(k, extra, pathp);

	RETURNS(rump_sys_ftruncate(fd, 0), 0);
	return fd;
}

static off_t
fsize_of(int fd)
{
	struct stat st;

	RETURNS(rump_sys_fstat(fd, &st), 0);
	return st.st_size;
}

static char buf[8192];

/* ---- writes -------------------------------------------------------------- */

static void
check_writes(enum kind k)
{
	struct iovec iov[2] = { { buf, 5 }, { buf, 5 } };
	pid_t pid = limited_proc(1000);
	int fd = kind_fresh(k, 0, NULL), afd;

	cr_log_info("kind %s", kind_name[k]);
	RETURNS(rump_sys_write(fd, buf, 600), 600);
	RETURNS(rump_sys_write(fd, buf, 600), 400); /* cut at the limit */
	cr_assert_eq(nxfsz, 0);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 1000);
	FAILS(rump_sys_write(fd, buf, 600), EFBIG);
	cr_assert_eq(nxfsz, 1);
	cr_assert_eq(last_si.si_signo, SIGXFSZ);
	cr_assert_eq(last_si.si_code, SI_USER);
	cr_assert_eq(last_si.si_pid, pid);
	cr_assert_eq(last_si.si_uid, rump_sys_getuid());
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 1000);
	RETURNS(rump_sys_write(fd, buf, 0), 0); /* nothing to write: 0 */
	RETURNS(rump_sys_pwrite(fd, buf, 0, 5000), 0);
	cr_assert_eq(nxfsz, 1);
	RETURNS(rump_sys_pwrite(fd, buf, 10, 995), 5);
	FAILS(rump_sys_pwrite(fd, buf, 10, 1000), EFBIG);
	FAILS(rump_sys_pwrite(fd, buf, 1, 4000), EFBIG);
	cr_assert_eq(nxfsz, 3);
	RETURNS(rump_sys_pwritev(fd, iov, 2, 993), 7);
	FAILS(rump_sys_pwritev(fd, iov, 2, 1000), EFBIG);
	cr_assert_eq(nxfsz, 4);
	/* pwritev2, and its RWF_APPEND: at the end, which is the limit. */
	RETURNS(rump_sys_pwritev2(fd, iov, 2, 994, 0), 6);
	FAILS(rump_sys_pwritev2(fd, iov, 2, 0, 0x10), EFBIG);
	cr_assert_eq(nxfsz, 5);
	RETURNS(rump_sys_lseek(fd, 996, SEEK_SET), 996);
	RETURNS(rump_sys_writev(fd, iov, 2), 4);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 1000);
	FAILS(rump_sys_writev(fd, iov, 2), EFBIG);
	cr_assert_eq(nxfsz, 6);
	cr_assert_eq(fsize_of(fd), 1000);

	/* O_APPEND: the end is the position the limit is checked at. */
	RETURNS(rump_sys_ftruncate(fd, 990), 0);
	afd = kind_open(k, O_APPEND, NULL);
	if (k == K_MEMFD) { /* another memfd: fill it the same way */
		RETURNS(rump_sys_pwrite(afd, buf, 990, 0), 990);
	}
	RETURNS(rump_sys_lseek(afd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_write(afd, buf, 20), 10);
	RETURNS(rump_sys_lseek(afd, 0, SEEK_CUR), 1000);
	FAILS(rump_sys_write(afd, buf, 20), EFBIG);
	RETURNS(rump_sys_lseek(afd, 0, SEEK_CUR), 1000);
	FAILS(rump_sys_pwrite(afd, buf, 5, 0), EFBIG); /* goes to the end */
	cr_assert_eq(nxfsz, 8);
	cr_assert_eq(fsize_of(afd), 1000);
	RETURNS(rump_sys_close(afd), 0);
	RETURNS(rump_sys_close(fd), 0);
}

Test(fsize, writes_tmpfs)
{
	check_writes(K_TMPFS);
}
Test(fsize, writes_memfd)
{
	check_writes(K_MEMFD);
}
Test(fsize, writes_hostfs)
{
	check_writes(K_HOSTFS);
}
Test(fsize, writes_etfs)
{
	check_writes(K_ETFS);
}

/* The host file behind hostfs holds what the kernel let through. */
Test(fsize, hostfs_host_file_stops_at_the_limit)
{
	char p[400];
	struct stat st;
	int fd;

	limited_proc(3000);
	fd = kind_fresh(K_HOSTFS, 0, NULL);
	memset(buf, 'h', sizeof(buf));
	RETURNS(rump_sys_write(fd, buf, sizeof(buf)), 3000);
	FAILS(rump_sys_write(fd, buf, 1), EFBIG);
	cr_assert_eq(nxfsz, 1);
	snprintf(p, sizeof(p), "%s/f", hdir);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_size, 3000);
	RETURNS(rump_sys_close(fd), 0);
}

/* ---- truncate and fallocate -------------------------------------------- */

static void
check_sizes(enum kind k)
{
	const char *path;
	int fd;

	cr_log_info("kind %s", kind_name[k]);
	limited_proc(RLIM_INFINITY);
	fd = kind_fresh(k, 0, &path);
	RETURNS(rump_sys_ftruncate(fd, 5000), 0);
	set_limit(1000);
	/* Shrinking is free, growing past the limit is not, even for a
	 * file already larger than it. */
	RETURNS(rump_sys_ftruncate(fd, 4000), 0);
	FAILS(rump_sys_ftruncate(fd, 4500), EFBIG);
	cr_assert_eq(nxfsz, 1);
	RETURNS(rump_sys_pwrite(fd, buf, 1, 10), 1);
	FAILS(rump_sys_pwrite(fd, buf, 1, 1000), EFBIG);
	cr_assert_eq(nxfsz, 2);
	RETURNS(rump_sys_ftruncate(fd, 0), 0);
	RETURNS(rump_sys_ftruncate(fd, 1000), 0); /* up to the limit */
	FAILS(rump_sys_ftruncate(fd, 1001), EFBIG);
	cr_assert_eq(nxfsz, 3);
	if (path != NULL) {
		FAILS(rump_sys_truncate(path, 2000), EFBIG);
		cr_assert_eq(nxfsz, 4);
		RETURNS(rump_sys_truncate(path, 10), 0);
	} else {
		RETURNS(rump_sys_ftruncate(fd, 10), 0);
		nxfsz++;
	}
	cr_assert_eq(fsize_of(fd), 10);
	/* fallocate: to the limit, not past it. */
	RETURNS(rump_sys_fallocate(fd, 0, 0, 1000), 0);
	FAILS(rump_sys_fallocate(fd, 0, 0, 1001), EFBIG);
	FAILS(rump_sys_fallocate(fd, 0, 500, 600), EFBIG);
	FAILS(rump_sys_fallocate(fd, 0, 2000, 10), EFBIG);
	cr_assert_eq(nxfsz, 7);
	/* Keeping the size: tmpfs and memfd (Linux's shmem) check it all
	 * the same; a host file system (ext4, FUSE) does not. */
	if (k == K_TMPFS || k == K_MEMFD) {
		FAILS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 5000),
		      EFBIG);
		cr_assert_eq(nxfsz, 8);
	} else {
		RETURNS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 5000),
			0);
		cr_assert_eq(nxfsz, 7);
	}
	/* A hole punched is not a growth. */
	RETURNS(rump_sys_fallocate(fd,
				   FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
				   0, 5000),
		0);
	cr_assert_eq(fsize_of(fd), 1000);
	RETURNS(rump_sys_close(fd), 0);
}

Test(fsize, sizes_tmpfs)
{
	check_sizes(K_TMPFS);
}
Test(fsize, sizes_memfd)
{
	check_sizes(K_MEMFD);
}
Test(fsize, sizes_hostfs)
{
	check_sizes(K_HOSTFS);
}

/* ---- copy_file_range, sendfile, splice, vmsplice ------------------------ */

static void
check_copies(enum kind k)
{
	int src, dst, p[2];
	struct iovec vi = { buf, 50 };
	loff_t i0, o0;

	cr_log_info("kind %s", kind_name[k]);
	limited_proc(RLIM_INFINITY);
	if (k == K_MEMFD) {
		src = rump_sys_memfd_create("src", 0);
	} else {
		src = rump_sys_open(k == K_TMPFS ? "/src" : "/mnt/src",
				    O_CREAT | O_RDWR | O_TRUNC, 0644);
	}
	cr_assert_geq(src, 0);
	RETURNS(rump_sys_write(src, buf, 4096), 4096);
	set_limit(1000);
	dst = kind_fresh(k, 0, NULL);

	/* copy_file_range cuts the count first: no signal for that. */
	i0 = 0;
	o0 = 900;
	RETURNS(rump_sys_copy_file_range(src, &i0, dst, &o0, 500, 0), 100);
	cr_assert_eq(i0, 100);
	cr_assert_eq(o0, 1000);
	cr_assert_eq(nxfsz, 0);
	i0 = 0;
	FAILS(rump_sys_copy_file_range(src, &i0, dst, &o0, 500, 0), EFBIG);
	cr_assert_eq(i0, 0);
	cr_assert_eq(o0, 1000);
	cr_assert_eq(nxfsz, 1);
	/* ... and checks the output offset before a count of 0. */
	FAILS(rump_sys_copy_file_range(src, &i0, dst, &o0, 0, 0), EFBIG);
	i0 = 5000;
	FAILS(rump_sys_copy_file_range(src, &i0, dst, &o0, 10, 0), EFBIG);
	cr_assert_eq(nxfsz, 3);

	/* sendfile writes on after the cut write: SIGXFSZ, and the count. */
	RETURNS(rump_sys_ftruncate(dst, 0), 0);
	RETURNS(rump_sys_lseek(dst, 900, SEEK_SET), 900);
	i0 = 0;
	RETURNS(rump_sys_sendfile(dst, src, &i0, 500), 100);
	cr_assert_eq(i0, 100);
	RETURNS(rump_sys_lseek(dst, 0, SEEK_CUR), 1000);
	cr_assert_eq(nxfsz, 4);
	i0 = 0;
	FAILS(rump_sys_sendfile(dst, src, &i0, 500), EFBIG);
	cr_assert_eq(i0, 0);
	cr_assert_eq(nxfsz, 5);
	RETURNS(rump_sys_sendfile(dst, src, &i0, 0), 0);
	i0 = 4096; /* nothing left to read: nothing written, no signal */
	RETURNS(rump_sys_sendfile(dst, src, &i0, 100), 0);
	cr_assert_eq(nxfsz, 5);
	/* Cut exactly where the source ends: no next write, no signal. */
	RETURNS(rump_sys_lseek(dst, 900, SEEK_SET), 900);
	i0 = 3996;
	RETURNS(rump_sys_sendfile(dst, src, &i0, 500), 100);
	cr_assert_eq(nxfsz, 5);

	/* splice from a pipe: the same as sendfile. */
	RETURNS(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_write(p[1], buf, 300), 300);
	o0 = 800;
	RETURNS(rump_sys_splice(p[0], NULL, dst, &o0, 300, 0), 200);
	cr_assert_eq(o0, 1000);
	cr_assert_eq(nxfsz, 6);
	FAILS(rump_sys_splice(p[0], NULL, dst, &o0, 100, 0), EFBIG);
	cr_assert_eq(o0, 1000);
	o0 = 2000;
	FAILS(rump_sys_splice(p[0], NULL, dst, &o0, 100, 0), EFBIG);
	cr_assert_eq(nxfsz, 8);
	/* vmsplice only fills a pipe; what it put there splices on. */
	FAILS(rump_sys_vmsplice(dst, &vi, 1, 0), EBADF);
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 100);
	RETURNS(rump_sys_vmsplice(p[1], &vi, 1, 0), 50);
	o0 = 970;
	RETURNS(rump_sys_splice(p[0], NULL, dst, &o0, 50, 0), 30);
	cr_assert_eq(nxfsz, 9);
	RETURNS(rump_sys_read(p[0], buf, sizeof(buf)), 20);
	/* splice out of a file is a read: not limited. */
	i0 = 0;
	RETURNS(rump_sys_splice(src, &i0, p[1], NULL, 4096, 0), 4096);
	cr_assert_eq(fsize_of(dst), 1000);
	cr_assert_eq(nxfsz, 9);
}

Test(fsize, copies_tmpfs)
{
	check_copies(K_TMPFS);
}
Test(fsize, copies_memfd)
{
	check_copies(K_MEMFD);
}
Test(fsize, copies_hostfs)
{
	check_copies(K_HOSTFS);
}

/* Between file systems (hostfs to tmpfs: through a buffer, and back). */
Test(fsize, sendfile_between_file_systems)
{
	int src, dst;
	loff_t i0 = 0;

	limited_proc(RLIM_INFINITY);
	src = kind_fresh(K_HOSTFS, 0, NULL);
	RETURNS(rump_sys_write(src, buf, 8192), 8192);
	set_limit(5000);
	dst = kind_fresh(K_TMPFS, 0, NULL);
	RETURNS(rump_sys_sendfile(dst, src, &i0, 8192), 5000);
	cr_assert_eq(nxfsz, 1);
	cr_assert_eq(fsize_of(dst), 5000);
	RETURNS(rump_sys_close(src), 0);
	src = kind_fresh(K_MEMFD, 0, NULL);
	set_limit(RLIM_INFINITY);
	RETURNS(rump_sys_ftruncate(src, 8192), 0);
	set_limit(5000);
	RETURNS(rump_sys_close(dst), 0);
	dst = kind_fresh(K_HOSTFS, 0, NULL);
	i0 = 0;
	RETURNS(rump_sys_sendfile(dst, src, &i0, 8192), 5000);
	cr_assert_eq(nxfsz, 2);
	FAILS(rump_sys_sendfile(dst, src, &i0, 8192), EFBIG);
	cr_assert_eq(nxfsz, 3);
}

/* ---- files that are not regular ----------------------------------------- */

Test(fsize, pipes_sockets_devices_are_not_limited)
{
	int p[2], s[2], fd;

	limited_proc(0);
	RETURNS(rump_sys_pipe(p), 0);
	RETURNS(rump_sys_write(p[1], buf, 4096), 4096);
	RETURNS(rump_sys_socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	RETURNS(rump_sys_write(s[0], buf, 4096), 4096);
	cr_assert_geq(fd = rump_sys_open("/dev/null", O_WRONLY), 0);
	RETURNS(rump_sys_write(fd, buf, 4096), 4096);
	RETURNS(rump_sys_pwrite(fd, buf, 10, 5000), 10);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_geq(fd = rump_sys_open("/dev/zero", O_WRONLY), 0);
	RETURNS(rump_sys_write(fd, buf, 4096), 4096);
	RETURNS(rump_sys_close(fd), 0);
	/* An etfs character device is a device, not a regular file. */
	cr_assert_eq(rump_pub_etfs_register("/edev", hfile, RUMP_ETFS_CHR), 0);
	cr_assert_geq(fd = rump_sys_open("/edev", O_RDWR), 0);
	RETURNS(rump_sys_pwrite(fd, buf, 100, 2000), 100);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_eq(nxfsz, 0);
	/* A file with a limit of 0 takes nothing. */
	fd = kind_fresh(K_TMPFS, 0, NULL);
	FAILS(rump_sys_write(fd, buf, 1), EFBIG);
	RETURNS(rump_sys_write(fd, buf, 0), 0);
	RETURNS(rump_sys_ftruncate(fd, 0), 0);
	FAILS(rump_sys_ftruncate(fd, 1), EFBIG);
	cr_assert_eq(nxfsz, 2);
}

/* ---- the signal ---------------------------------------------------------- */

Test(fsize, blocked_signal_is_pending_on_the_writing_lwp)
{
	pid_t pid = limited_proc(100);
	struct lwp *l1, *l2;
	struct timespec ts = { 0, 0 };
	siginfo_t si;
	sigset_t s, p;
	int fd;

	sigemptyset(&s);
	sigaddset(&s, SIGXFSZ);
	RETURNS(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
	fd = kind_fresh(K_TMPFS, 0, NULL);
	l1 = rump_pub_lwproc_curlwp();
	/* A second lwp of the process, blocking it too. */
	cr_assert_eq(rump_pub_lwproc_newlwp(pid), 0);
	l2 = rump_pub_lwproc_curlwp();
	RETURNS(rump_sys_sigprocmask(SIG_BLOCK, &s, NULL), 0);
	rump_pub_lwproc_switch(l1);
	FAILS(rump_sys_pwrite(fd, buf, 1, 100), EFBIG);
	cr_assert_eq(nxfsz, 0);
	RETURNS(rump_sys_sigpending(&p), 0);
	cr_assert(sigismember(&p, SIGXFSZ));
	/* Thread-directed: the other lwp does not see it. */
	rump_pub_lwproc_switch(l2);
	RETURNS(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGXFSZ));
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(l1);
	RETURNS(rump_sys_sigtimedwait(&s, &si, &ts), SIGXFSZ);
	cr_assert_eq(si.si_code, SI_USER);
	cr_assert_eq(si.si_pid, pid);
	/* Pending again, then delivered when unblocked. */
	FAILS(rump_sys_pwrite(fd, buf, 1, 100), EFBIG);
	cr_assert_eq(nxfsz, 0);
	RETURNS(rump_sys_sigprocmask(SIG_UNBLOCK, &s, NULL), 0);
	cr_assert_eq(nxfsz, 1);
}

Test(fsize, ignored_signal_leaves_the_efbig)
{
	sigset_t p;
	int fd;

	limited_proc(100);
	rump_disposition(SIG_IGN);
	fd = kind_fresh(K_TMPFS, 0, NULL);
	FAILS(rump_sys_pwrite(fd, buf, 1, 100), EFBIG);
	FAILS(rump_sys_ftruncate(fd, 2000), EFBIG);
	FAILS(rump_sys_fallocate(fd, 0, 0, 2000), EFBIG);
	RETURNS(rump_sys_sigpending(&p), 0);
	cr_assert(!sigismember(&p, SIGXFSZ));
	cr_assert_eq(nxfsz, 0);
}

Test(fsize, default_action_ends_the_process)
{
	pid_t pid = rfork_ok(RUMP_RFCFDG);
	int fd, status;

	set_limit(10);
	fd = kind_fresh(K_TMPFS, 0, NULL);
	RETURNS(rump_sys_write(fd, buf, 21), 10);
	cr_assert_eq(rump_proc_exitstatus(pid, &status), EBUSY);
	/* SIGXFSZ's default action: the process ends, with a core. */
	(void)rump_sys_write(fd, buf, 1);
	cr_assert_eq(rump_proc_exitstatus(pid, &status), 0);
	cr_assert(WIFSIGNALED(status));
	cr_assert_eq(WTERMSIG(status), SIGXFSZ);
	cr_assert(WCOREDUMP(status));
}

/* ---- the limit itself: get, set, prlimit64, rfork -------------------- */

Test(fsize, limit_calls_and_inheritance)
{
	struct rlimit r, nv;
	struct rlimit64 r64, nv64;
	pid_t parent, child;
	struct lwp *pl;
	int fd;

	parent = rfork_ok(RUMP_RFCFDG);
	RETURNS(rump_sys_getrlimit(RLIMIT_FSIZE, &r), 0);
	cr_assert_eq(r.rlim_cur, RLIM_INFINITY); /* Linux's boot value */
	cr_assert_eq(r.rlim_max, RLIM_INFINITY);
	nv.rlim_cur = 4096;
	nv.rlim_max = 8192;
	RETURNS(rump_sys_setrlimit(RLIMIT_FSIZE, &nv), 0);
	RETURNS(rump_sys_getrlimit(RLIMIT_FSIZE, &r), 0);
	cr_assert_eq(r.rlim_cur, 4096);
	cr_assert_eq(r.rlim_max, 8192);
	nv.rlim_cur = 9000; /* above the hard limit */
	FAILS(rump_sys_setrlimit(RLIMIT_FSIZE, &nv), EINVAL);
	RETURNS(rump_sys_prlimit64(0, RLIMIT_FSIZE, NULL, &r64), 0);
	cr_assert_eq(r64.rlim_cur, 4096);
	cr_assert_eq(r64.rlim_max, 8192);

	/* rfork passes it on; then each process has its own. */
	pl = rump_pub_lwproc_curlwp();
	child = rfork_ok(RUMP_RFCFDG);
	RETURNS(rump_sys_getrlimit(RLIMIT_FSIZE, &r), 0);
	cr_assert_eq(r.rlim_cur, 4096);
	cr_assert_eq(r.rlim_max, 8192);
	rump_disposition((void *)xfsz_handler);
	nxfsz = 0;
	fd = kind_fresh(K_TMPFS, 0, NULL);
	RETURNS(rump_sys_pwrite(fd, buf, 100, 4000), 96);
	nv.rlim_cur = 100;
	nv.rlim_max = 8192;
	RETURNS(rump_sys_setrlimit(RLIMIT_FSIZE, &nv), 0);
	FAILS(rump_sys_pwrite(fd, buf, 1, 100), EFBIG);
	cr_assert_eq(nxfsz, 1);
	/* The parent's is unchanged; prlimit64 reads and sets the
	 * child's (root may). */
	RETURNS(rump_sys_prlimit64(parent, RLIMIT_FSIZE, NULL, &r64), 0);
	cr_assert_eq(r64.rlim_cur, 4096);
	nv64.rlim_cur = 50;
	nv64.rlim_max = 8192;
	RETURNS(rump_sys_prlimit64(parent, RLIMIT_FSIZE, &nv64, &r64), 0);
	cr_assert_eq(r64.rlim_cur, 4096);
	RETURNS(rump_sys_getrlimit(RLIMIT_FSIZE, &r), 0);
	cr_assert_eq(r.rlim_cur, 100); /* still the child's own */
	RETURNS(rump_sys_pwrite(fd, buf, 10, 80), 10);
	/* A limit raised by the parent's hand takes effect at once. */
	nv64.rlim_cur = RLIM_INFINITY - 1;
	FAILS(rump_sys_prlimit64(child, RLIMIT_FSIZE, &nv64, NULL), EINVAL);
	nv64.rlim_cur = 8192;
	RETURNS(rump_sys_prlimit64(child, RLIMIT_FSIZE, &nv64, NULL), 0);
	RETURNS(rump_sys_pwrite(fd, buf, 100, 4000), 100);
	cr_assert_eq(nxfsz, 1);
	RETURNS(rump_sys_close(fd), 0);
	rump_pub_lwproc_releaselwp(); /* the child */
	/* Back in the parent, limited to 50 now. */
	rump_pub_lwproc_switch(pl);
	fd = kind_open(K_TMPFS, 0, NULL);
	RETURNS(rump_sys_getrlimit(RLIMIT_FSIZE, &r), 0);
	cr_assert_eq(r.rlim_cur, 50);
	rump_disposition((void *)xfsz_handler);
	RETURNS(rump_sys_pwrite(fd, buf, 100, 0), 50);
	FAILS(rump_sys_pwrite(fd, buf, 100, 50), EFBIG);
	cr_assert_eq(nxfsz, 2);
}

/* ---- concurrency ------------------------------------------------------- */

struct appender {
	int fd;
	pid_t pid;
	_Atomic long written;
	_Atomic int efbig;
};

static void *
append_thread(void *arg)
{
	struct appender *a = arg;
	char b[333];
	long n;

	memset(b, 'c', sizeof(b));
	/* An lwp of the limited process, as a thread of it would be. */
	cr_assert_eq(rump_pub_lwproc_newlwp(a->pid), 0);
	for (int i = 0; i < 400; i++) {
		if ((n = rump_sys_write(a->fd, b, sizeof(b))) > 0)
			a->written += n;
		else if (n < 0 && errno == EFBIG)
			a->efbig++;
		else
			cr_assert_fail("write: %ld %s", n, strerror(errno));
	}
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* O_APPEND writers of several threads never take the file past the
 * limit together, and each sees its own EFBIG and signal. */
Test(fsize, concurrent_appenders_stop_at_the_limit)
{
	struct appender a = { 0 };
	pthread_t t[4];
	struct stat st;

	a.pid = limited_proc(RLIM_INFINITY);
	rump_disposition(SIG_IGN);
	a.fd = kind_fresh(K_TMPFS, O_APPEND, NULL);
	set_limit(100000);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, append_thread, &a), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	RETURNS(rump_sys_fstat(a.fd, &st), 0);
	cr_assert_eq(st.st_size, 100000);
	cr_assert_eq(a.written, 100000);
	cr_assert_eq(a.efbig, 4 * 400 - (100000 + 332) / 333);
}

struct racer {
	pid_t pid;
	int fd;
	_Atomic int stop;
};

static void *
limit_thread(void *arg)
{
	struct racer *r = arg;
	struct rlimit rl = { 0, RLIM_INFINITY };

	cr_assert_eq(rump_pub_lwproc_newlwp(r->pid), 0);
	for (int i = 0; i < 2000; i++) {
		rl.rlim_cur = (i & 1) ? RLIM_INFINITY : 4096;
		cr_assert_eq(rump_sys_setrlimit(RLIMIT_FSIZE, &rl), 0);
	}
	r->stop = 1;
	rump_pub_lwproc_releaselwp();
	return NULL;
}

/* setrlimit racing with writers of the same process: each write sees
 * one limit or the other, never a file past the smaller one when it
 * was in force for the whole write. */
Test(fsize, setrlimit_races_with_writes)
{
	struct racer r = { 0 };
	pthread_t t;
	long n;

	r.pid = limited_proc(RLIM_INFINITY);
	rump_disposition(SIG_IGN);
	r.fd = kind_fresh(K_MEMFD, 0, NULL);
	cr_assert_eq(pthread_create(&t, NULL, limit_thread, &r), 0);
	while (!r.stop) {
		n = rump_sys_pwrite(r.fd, buf, 8192, 0);
		cr_assert(n == 4096 || n == 8192, "pwrite: %ld", n);
		n = rump_sys_pwrite(r.fd, buf, 10, 5000);
		cr_assert(n == 10 || (n == -1 && errno == EFBIG));
	}
	pthread_join(t, NULL);
}

/* ---- differential: the same script on the host ------------------------- */

enum op {
	OP_END,
	OP_LIMIT,    /* a: the soft limit (RLIM_INFINITY: none) */
	OP_WRITE,    /* a bytes at the file offset */
	OP_PWRITE,   /* a bytes at b */
	OP_WRITEV,   /* segments of a and b bytes at the file offset */
	OP_PWRITEV,  /* segments of a and b bytes at c */
	OP_AWRITE,   /* a bytes through an O_APPEND descriptor */
	OP_APWRITE,  /* pwrite of a bytes at b through it */
	OP_LSEEK,    /* lseek(a, whence b) */
	OP_FTRUNC,   /* ftruncate(a) */
	OP_TRUNC,    /* truncate(path, a) (a memfd: ftruncate) */
	OP_FALLOC,   /* fallocate(mode a, b, c) */
	OP_CFR,      /* copy_file_range from src at a to b, c bytes */
	OP_SENDFILE, /* sendfile from src at b, c bytes, to the file at a */
	OP_SPLICE,   /* a bytes into a pipe, spliced to b, c bytes; drained */
	OP_SIZE,     /* the file's size */
	OP_BLOCK,    /* a: block SIGXFSZ (1) or unblock it (0) */
	OP_PENDING,  /* is SIGXFSZ pending? */
	OP_IGNORE,   /* a: SIG_IGN (1) or the counting handler (0) */
	OP_PWRITEV2, /* pwritev2 of a bytes at b (-1: the offset), flags c */
};

struct step {
	enum op op;
	long long a, b, c;
};
/* Scripts leave the arguments a step does not use out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct result {
	long long ret, x, y;
	int err, sigs;
};

#define MAXSTEPS 96
#define INF ((long long)RLIM_INFINITY)

/* fn on the side's kernel: the host's, or rump_sys_fn. */
#define SYS(host, fn, ...)                                                     \
	((host) ? fn(__VA_ARGS__) : rump_sys_##fn(__VA_ARGS__))

struct side {
	bool host;
	int fd, afd, src, p[2];
	char path[300];
};

static int
side_disposition(struct side *s, void *h)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (h == (void *)xfsz_handler) {
		sa.sa_flags = SA_SIGINFO;
		sa.sa_sigaction = xfsz_handler;
	} else {
		sa.sa_handler = h;
	}
	return SYS(s->host, sigaction, SIGXFSZ, &sa, NULL);
}

static long long
side_step(struct side *s, const struct step *st, struct result *r)
{
	struct iovec iov[2] = { { buf, (size_t)st->a },
				{ buf, (size_t)st->b } };
	struct rlimit rl;
	struct stat sb;
	sigset_t set;
	loff_t o1, o2;
	long long n;
	bool h = s->host;

	switch (st->op) {
	case OP_LIMIT:
		rl.rlim_cur = (rlim_t)st->a;
		rl.rlim_max = RLIM_INFINITY;
		return SYS(h, setrlimit, RLIMIT_FSIZE, &rl);
	case OP_WRITE:
		return SYS(h, write, s->fd, buf, (size_t)st->a);
	case OP_PWRITE:
		return SYS(h, pwrite, s->fd, buf, (size_t)st->a, st->b);
	case OP_WRITEV:
		return SYS(h, writev, s->fd, iov, 2);
	case OP_PWRITEV:
		return SYS(h, pwritev, s->fd, iov, 2, st->c);
	case OP_AWRITE:
		return SYS(h, write, s->afd, buf, (size_t)st->a);
	case OP_PWRITEV2:
		iov[0].iov_len = (size_t)st->a;
		return SYS(h, pwritev2, s->fd, iov, 1, st->b, (int)st->c);
	case OP_APWRITE:
		return SYS(h, pwrite, s->afd, buf, (size_t)st->a, st->b);
	case OP_LSEEK:
		return SYS(h, lseek, s->fd, st->a, (int)st->b);
	case OP_FTRUNC:
		return SYS(h, ftruncate, s->fd, st->a);
	case OP_TRUNC:
		if (s->path[0] == '\0')
			return SYS(h, ftruncate, s->fd, st->a);
		return SYS(h, truncate, s->path, st->a);
	case OP_FALLOC:
		return SYS(h, fallocate, s->fd, (int)st->a, st->b, st->c);
	case OP_CFR:
		o1 = st->a;
		o2 = st->b;
		n = SYS(h, copy_file_range, s->src, &o1, s->fd, &o2,
			(size_t)st->c, 0);
		r->x = o1;
		r->y = o2;
		return n;
	case OP_SENDFILE:
		if (SYS(h, lseek, s->fd, st->a, SEEK_SET) != st->a)
			return -2;
		o1 = st->b;
		n = SYS(h, sendfile, s->fd, s->src, &o1, (size_t)st->c);
		r->x = o1;
		r->y = SYS(h, lseek, s->fd, 0, SEEK_CUR);
		return n;
	case OP_SPLICE:
		if (st->a > 0 &&
		    SYS(h, write, s->p[1], buf, (size_t)st->a) != st->a)
			return -2;
		o2 = st->b;
		n = SYS(h, splice, s->p[0], NULL, s->fd, &o2, (size_t)st->c,
			SPLICE_F_NONBLOCK);
		r->x = o2;
		r->y = SYS(h, read, s->p[0], buf, sizeof(buf));
		memset(buf, 'b', sizeof(buf));
		return n;
	case OP_SIZE:
		if (SYS(h, fstat, s->fd, &sb) != 0)
			return -2;
		return sb.st_size;
	case OP_BLOCK:
		sigemptyset(&set);
		sigaddset(&set, SIGXFSZ);
		return SYS(h, sigprocmask, st->a ? SIG_BLOCK : SIG_UNBLOCK,
			   &set, NULL);
	case OP_PENDING:
		sigemptyset(&set);
		if (SYS(h, sigpending, &set) != 0)
			return -2;
		return sigismember(&set, SIGXFSZ);
	case OP_IGNORE:
		return side_disposition(s,
					st->a ? SIG_IGN : (void *)xfsz_handler);
	case OP_END:
		break;
	}
	return -2;
}

/*
 * Run `script' on a fresh file of the side (a tmpfs file, or a memfd
 * when `memfd'), with a 4096-byte source file beside it, from a
 * process with the counting handler and no limit.  No assertion here:
 * the host side runs in a forked process.  Returns the steps run.
 */
static int
side_run(struct side *s, bool memfd, const struct step *script,
	 struct result *res)
{
	bool h = s->host;
	int i, pend;

	memset(buf, 'b', sizeof(buf));
	if (side_disposition(s, (void *)xfsz_handler) != 0)
		return -1;
	s->p[0] = s->p[1] = -1;
	if (SYS(h, pipe2, s->p, O_NONBLOCK) != 0)
		return -1;
	if (memfd) {
		s->path[0] = '\0';
		s->fd = SYS(h, memfd_create, "diff", 0);
		s->src = SYS(h, memfd_create, "src", 0);
		s->afd = SYS(h, memfd_create, "app", 0);
		if (s->afd >= 0)
			SYS(h, fcntl, s->afd, F_SETFL, O_APPEND);
	} else {
		char p[330];

		s->fd = SYS(h, open, s->path, O_CREAT | O_RDWR | O_TRUNC, 0644);
		snprintf(p, sizeof(p), "%s.src", s->path);
		s->src = SYS(h, open, p, O_CREAT | O_RDWR | O_TRUNC, 0644);
		s->afd = SYS(h, open, s->path, O_WRONLY | O_APPEND);
	}
	if (s->fd < 0 || s->src < 0 || s->afd < 0 ||
	    SYS(h, write, s->src, buf, 4096) != 4096)
		return -1;
	for (i = 0; i < MAXSTEPS && script[i].op != OP_END; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		pend = nxfsz;
		errno = 0;
		res[i].ret = side_step(s, &script[i], &res[i]);
		res[i].err = res[i].ret < 0 ? errno : 0;
		res[i].sigs = nxfsz - pend;
		/* An O_APPEND memfd of its own: keep it the file's size. */
		if (memfd && script[i].op != OP_AWRITE &&
		    script[i].op != OP_APWRITE) {
			struct stat sb;

			if (SYS(h, fstat, s->fd, &sb) == 0) {
				struct rlimit keep,
					none = { RLIM_INFINITY, RLIM_INFINITY };
				SYS(h, getrlimit, RLIMIT_FSIZE, &keep);
				SYS(h, setrlimit, RLIMIT_FSIZE, &none);
				SYS(h, ftruncate, s->afd, sb.st_size);
				SYS(h, setrlimit, RLIMIT_FSIZE, &keep);
			}
		}
	}
	SYS(h, close, s->fd);
	SYS(h, close, s->afd);
	SYS(h, close, s->src);
	SYS(h, close, s->p[0]);
	SYS(h, close, s->p[1]);
	return i;
}

/* The host side, in a forked process (its limit and signals are its
 * own; the test's output files are not limited). */
static int
host_run(bool memfd, const struct step *script, struct result *res)
{
	struct side s = { .host = true };
	int p[2], n = -1, status;
	pid_t pid;
	ssize_t got;

	snprintf(s.path, sizeof(s.path), "/dev/shm/fsize_diff.%d",
		 (int)getpid());
	cr_assert_eq(pipe(p), 0);
	cr_assert_geq(pid = fork(), 0);
	if (pid == 0) {
		close(p[0]);
		nxfsz = 0;
		n = side_run(&s, memfd, script, res);
		unlink(s.path);
		strcat(s.path, ".src");
		unlink(s.path);
		if (write(p[1], &n, sizeof(n)) != sizeof(n) ||
		    (n > 0 && write(p[1], res, n * sizeof(*res)) !=
				      (ssize_t)(n * sizeof(*res))))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &n, sizeof(n)), sizeof(n));
	if (n > 0) {
		got = 0;
		while (got < (ssize_t)(n * sizeof(*res))) {
			ssize_t k = read(p[0], (char *)res + got,
					 n * sizeof(*res) - got);
			cr_assert_gt(k, 0);
			got += k;
		}
	}
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return n;
}

static void
diff_run(const struct step *script)
{
	static struct result hres[MAXSTEPS], rres[MAXSTEPS];
	struct side s = { .host = false };

	for (int memfd = 0; memfd < 2; memfd++) {
		int nh = host_run(memfd, script, hres), nr;

		cr_assert_gt(nh, 0, "the host side could not start");
		rfork_ok(RUMP_RFCFDG);
		nxfsz = 0;
		snprintf(s.path, sizeof(s.path), "/diff");
		nr = side_run(&s, memfd, script, rres);
		cr_assert_eq(nr, nh);
		for (int i = 0; i < nh; i++) {
			const struct step *st = &script[i];
			const struct result *a = &rres[i], *b = &hres[i];

			cr_expect(
				a->ret == b->ret && a->err == b->err &&
					a->sigs == b->sigs && a->x == b->x &&
					a->y == b->y,
				"%s step %d (op %d %lld %lld %lld): rump %lld "
				"errno %d sigs %d (%lld %lld), host %lld "
				"errno %d sigs %d (%lld %lld)",
				memfd ? "memfd" : "tmpfs", i, st->op, st->a,
				st->b, st->c, a->ret, a->err, a->sigs, a->x,
				a->y, b->ret, b->err, b->sigs, b->x, b->y);
		}
		rump_pub_lwproc_releaselwp();
	}
}

Test(fsize, differential_limits)
{
	static const struct step script[] = {
		{ OP_LIMIT, 1000 },
		{ OP_WRITE, 600 },
		{ OP_WRITE, 600 },
		{ OP_WRITE, 600 },
		{ OP_WRITE, 0 },
		{ OP_PWRITE, 10, 995 },
		{ OP_PWRITE, 10, 1000 },
		{ OP_PWRITE, 0, 5000 },
		{ OP_PWRITEV, 5, 5, 993 },
		{ OP_PWRITEV, 5, 5, 1000 },
		{ OP_LSEEK, 996, SEEK_SET },
		{ OP_WRITEV, 3, 5 },
		{ OP_WRITEV, 3, 5 },
		{ OP_LSEEK, 0, SEEK_CUR },
		{ OP_FTRUNC, 990 },
		{ OP_AWRITE, 20 },
		{ OP_AWRITE, 20 },
		{ OP_APWRITE, 5, 0 },
		{ OP_SIZE },
		{ OP_PWRITEV2, 10, 995, 0 },
		{ OP_PWRITEV2, 10, 1000, 0 },
		{ OP_PWRITEV2, 10, 0, 0x10 },  /* RWF_APPEND: at the end */
		{ OP_PWRITEV2, 10, 0, 0x20 },  /* RWF_NOAPPEND */
		{ OP_PWRITEV2, 10, 0, 0x200 }, /* an unknown flag */
		{ OP_PWRITEV2, 10, 1000, 0x200 },
		{ OP_PWRITEV2, 10, 2000, 0x8 }, /* RWF_NOWAIT */
		{ OP_LSEEK, 995, SEEK_SET },
		{ OP_PWRITEV2, 10, -1, 0 },
		{ OP_PWRITEV2, 10, -1, 0 },
		{ OP_LSEEK, 0, SEEK_CUR },
		{ OP_FTRUNC, 1000 },
		{ OP_FTRUNC, 1001 },
		{ OP_TRUNC, 5000 },
		{ OP_FTRUNC, 500 },
		{ OP_LIMIT, INF },
		{ OP_FTRUNC, 5000 },
		{ OP_LIMIT, 1000 },
		{ OP_FTRUNC, 4000 },
		{ OP_TRUNC, 4500 },
		{ OP_PWRITE, 1, 10 },
		{ OP_PWRITE, 1, 4000 },
		{ OP_FTRUNC, 0 },
		{ OP_FALLOC, 0, 0, 1000 },
		{ OP_FALLOC, 0, 0, 1001 },
		{ OP_FALLOC, 0, 500, 600 },
		{ OP_FALLOC, FALLOC_FL_KEEP_SIZE, 0, 5000 },
		{ OP_FALLOC, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0,
		  5000 },
		{ OP_FALLOC, 0, 2000, 10 },
		{ OP_FALLOC, 0x100, 0, 10 }, /* an unknown mode */
		{ OP_FTRUNC, 0 },
		{ OP_CFR, 0, 900, 500 },
		{ OP_CFR, 0, 1000, 500 },
		{ OP_CFR, 0, 1000, 0 },
		{ OP_CFR, 5000, 1000, 10 },
		{ OP_CFR, 0, 999, 1 },
		{ OP_CFR, 4000, 950, 200 },
		{ OP_SENDFILE, 900, 0, 500 },
		{ OP_SENDFILE, 1000, 0, 500 },
		{ OP_SENDFILE, 1000, 0, 0 },
		{ OP_SENDFILE, 1000, 4096, 10 },
		{ OP_SENDFILE, 900, 3996, 500 },
		{ OP_SENDFILE, 100, 0, 500 },
		{ OP_SPLICE, 300, 800, 300 },
		{ OP_SPLICE, 0, 1000, 100 },
		{ OP_SPLICE, 100, 2000, 100 },
		{ OP_SPLICE, 50, 970, 30 },
		{ OP_SPLICE, 50, 970, 50 },
		{ OP_SIZE },
		{ OP_BLOCK, 1 },
		{ OP_PWRITE, 1, 1000 },
		{ OP_PENDING },
		{ OP_BLOCK, 0 },
		{ OP_PENDING },
		{ OP_IGNORE, 1 },
		{ OP_PWRITE, 1, 1000 },
		{ OP_FTRUNC, 2000 },
		{ OP_PENDING },
		{ OP_IGNORE, 0 },
		{ OP_LIMIT, 0 },
		{ OP_PWRITE, 1, 0 },
		{ OP_PWRITE, 0, 0 },
		{ OP_FTRUNC, 0 },
		{ OP_FTRUNC, 1 },
		{ OP_END },
	};

	diff_run(script);
}

/* Limits of 2^63 and more: writes compare as signed (all refused),
 * size changes as unsigned (none refused). */
Test(fsize, differential_huge_limits)
{
	static const struct step script[] = {
		{ OP_LIMIT, (long long)(1ULL << 63) },
		{ OP_PWRITE, 1, 0 },
		{ OP_WRITE, 0 },
		{ OP_FTRUNC, 10 },
		{ OP_FTRUNC, 3000 },
		{ OP_FALLOC, 0, 0, 4000 },
		{ OP_CFR, 0, 0, 10 },
		{ OP_SENDFILE, 0, 0, 10 },
		{ OP_SPLICE, 10, 0, 10 },
		{ OP_LIMIT, (long long)(RLIM_INFINITY - 1) },
		{ OP_PWRITE, 1, 0 },
		{ OP_AWRITE, 1 },
		{ OP_LIMIT, 0x7fffffffffffffffLL },
		{ OP_PWRITE, 1, 0 },
		{ OP_FTRUNC, 0x7fffffffffffffffLL },
		{ OP_AWRITE, 1 },
		{ OP_LIMIT, INF },
		{ OP_AWRITE, 1 },
		{ OP_SIZE },
		{ OP_END },
	};

	diff_run(script);
}

/* The largest file (MAX_LFS_FILESIZE, 2^63 - 1 on tmpfs): EINVAL for a
 * range that passes it, EFBIG for fallocate's, with or without a
 * limit. */
Test(fsize, differential_largest_file)
{
	static const struct step script[] = {
		{ OP_LSEEK, MX, SEEK_SET },
		{ OP_LSEEK, MX - 1, SEEK_SET },
		{ OP_WRITE, 1 },
		{ OP_WRITE, 1 },
		{ OP_WRITE, 0 },
		{ OP_LSEEK, 0, SEEK_CUR },
		{ OP_PWRITE, 1, MX },
		{ OP_PWRITE, 1, MX - 1 },
		{ OP_PWRITE, 2, MX - 1 },
		{ OP_PWRITE, 1, MX - 4096 },
		{ OP_PWRITE, 0, MX },
		{ OP_PWRITEV, 1, 1, MX - 1 },
		{ OP_SIZE },
		{ OP_FTRUNC, 0 },
		{ OP_FTRUNC, MX },
		{ OP_FTRUNC, MX - 1 },
		{ OP_AWRITE, 1 },
		{ OP_AWRITE, 2 },
		{ OP_FTRUNC, MX },
		{ OP_AWRITE, 1 },
		{ OP_LSEEK, 10, SEEK_END },
		{ OP_LSEEK, -10, SEEK_END },
		{ OP_LSEEK, 1, SEEK_CUR },
		{ OP_FTRUNC, 0 },
		{ OP_FALLOC, 0, MX - 10, 10 },
		{ OP_FALLOC, 0, MX - 10, 11 },
		{ OP_FALLOC, 0, MX, 1 },
		{ OP_FALLOC, FALLOC_FL_KEEP_SIZE, MX - 4096, 4096 },
		{ OP_FALLOC, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
		  MX - 4096, 4097 },
		{ OP_CFR, 0, MX - 1, 10 },
		{ OP_CFR, 0, MX, 10 },
		{ OP_SENDFILE, MX - 5, 0, 10 },
		{ OP_SPLICE, 10, MX - 5, 10 },
		{ OP_LIMIT, 1000 },
		{ OP_FTRUNC, MX },
		{ OP_AWRITE, 1 },
		{ OP_PWRITE, 1, MX },
		{ OP_FALLOC, 0, MX, 1 },
		{ OP_FALLOC, 0, MX - 1, 1 },
		{ OP_END },
	};

	diff_run(script);
}
