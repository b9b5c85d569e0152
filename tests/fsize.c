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
	if (host_rmtree(hdir) != 0)
		fprintf(stderr, "cleanup of %s failed\n", hdir);
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
	RETURNS(rump_sys_lseek(fd, 996, SEEK_SET), 996);
	RETURNS(rump_sys_writev(fd, iov, 2), 4);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_CUR), 1000);
	FAILS(rump_sys_writev(fd, iov, 2), EFBIG);
	cr_assert_eq(nxfsz, 5);
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
	cr_assert_eq(nxfsz, 7);
	cr_assert_eq(fsize_of(afd), 1000);
	RETURNS(rump_sys_close(afd), 0);
	RETURNS(rump_sys_close(fd), 0);
}

Test(fsize, writes_tmpfs) { check_writes(K_TMPFS); }
Test(fsize, writes_memfd) { check_writes(K_MEMFD); }
Test(fsize, writes_hostfs) { check_writes(K_HOSTFS); }
Test(fsize, writes_etfs) { check_writes(K_ETFS); }

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
	RETURNS(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE |
					       FALLOC_FL_PUNCH_HOLE,
				   0, 5000),
		0);
	cr_assert_eq(fsize_of(fd), 1000);
	RETURNS(rump_sys_close(fd), 0);
}

Test(fsize, sizes_tmpfs) { check_sizes(K_TMPFS); }
Test(fsize, sizes_memfd) { check_sizes(K_MEMFD); }
Test(fsize, sizes_hostfs) { check_sizes(K_HOSTFS); }

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

Test(fsize, copies_tmpfs) { check_copies(K_TMPFS); }
Test(fsize, copies_memfd) { check_copies(K_MEMFD); }
Test(fsize, copies_hostfs) { check_copies(K_HOSTFS); }

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
