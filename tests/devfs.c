/*
 * devfs.c: /dev and its devices (vfs/devfs/): the nodes and their
 * numbers, each driver's reads and writes, device nodes made with mknod
 * elsewhere reaching the same drivers, the console descriptors of init
 * printing on the host, and what rfork does with them.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"

static void
boot(void)
{
	cr_assert_eq(rump_init(), 0);
}

TestSuite(devfs, .init = boot);

static int
open_ok(const char *path, int flags)
{
	int fd = rump_sys_open(path, flags);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static const struct {
	const char *name;
	unsigned major, minor;
	mode_t mode;
} nodes[] = {
	{ "null", 1, 3, 0666 },    { "zero", 1, 5, 0666 },
	{ "full", 1, 7, 0666 },    { "random", 1, 8, 0666 },
	{ "urandom", 1, 9, 0666 }, { "tty", 5, 0, 0666 },
	{ "console", 5, 1, 0600 },
};
#define NNODES (sizeof(nodes) / sizeof(nodes[0]))

Test(devfs, nodes_have_linux_numbers_and_modes)
{
	struct stat st;
	char path[32];

	for (size_t i = 0; i < NNODES; i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i].name);
		RETURNS(rump_sys_stat(path, &st), 0);
		cr_assert(S_ISCHR(st.st_mode), "%s is a character device",
			  path);
		cr_assert_eq(st.st_rdev,
			     makedev(nodes[i].major, nodes[i].minor),
			     "%s: rdev %u:%u", path, major(st.st_rdev),
			     minor(st.st_rdev));
		cr_assert_eq(st.st_mode & 07777, nodes[i].mode, "%s mode %o",
			     path, st.st_mode & 07777);
	}
	RETURNS(rump_sys_stat("/dev", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	FAILS(rump_sys_stat("/dev/nonesuch", &st), ENOENT);
	FAILS(rump_sys_stat("/dev/null/x", &st), ENOTDIR);
	struct statfs sf;
	RETURNS(rump_sys_statfs("/dev", &sf), 0);
	cr_assert_eq(sf.f_type, 0x01021994, "devtmpfs shows as tmpfs");
}

Test(devfs, listing_shows_every_node_once)
{
	char buf[4096];
	int fd = open_ok("/dev", O_RDONLY | O_DIRECTORY);
	unsigned seen = 0, dots = 0;
	long n;

	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);

			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				dots++;
			for (size_t i = 0; i < NNODES; i++) {
				if (strcmp(d->d_name, nodes[i].name) == 0) {
					cr_assert_not(seen & (1u << i));
					cr_assert_eq(d->d_type, DT_CHR);
					seen |= 1u << i;
				}
			}
			off += d->d_reclen;
		}
	}
	cr_assert_eq(n, 0);
	cr_assert_eq(seen, (1u << NNODES) - 1);
	cr_assert_eq(dots, 2);
	RETURNS(rump_sys_close(fd), 0);
}

Test(devfs, dev_shm_is_a_tmpfs_anyone_may_use)
{
	struct stat st;
	struct statfs sf;
	int fd;

	RETURNS(rump_sys_lstat("/dev/shm", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 01777);
	RETURNS(rump_sys_statfs("/dev/shm", &sf), 0);
	cr_assert_eq(sf.f_type, 0x01021994);
	cr_assert(sf.f_flags & ST_NOSUID);
	/* An unprivileged process makes and removes its own objects. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	fd = rump_sys_open("/dev/shm/sem.x", O_CREAT | O_EXCL | O_RDWR, 0600);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	RETURNS(rump_sys_ftruncate(fd, 4096), 0);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_unlink("/dev/shm/sem.x"), 0);
	rump_pub_lwproc_releaselwp();
	/* ".." of it is /dev; the devices are not inside it. */
	RETURNS(rump_sys_stat("/dev/shm/../null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
	FAILS(rump_sys_stat("/dev/shm/null", &st), ENOENT);
	RETURNS(rump_sys_stat("/dev", &st), 0);
	cr_assert_eq(st.st_nlink, 3);
}

Test(devfs, directories_of_devfs_are_empty)
{
	struct stat st;
	char buf[1024];
	long n;
	int entries = 0;

	/* Another devfs mount: its "shm" is the plain, empty directory. */
	RETURNS(rump_sys_mkdir("/d3", 0755), 0);
	RETURNS(rump_sys_mount("devfs", "/d3", "devfs", 0, NULL), 0);
	int fd = open_ok("/d3/shm", O_RDONLY | O_DIRECTORY);
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);
			cr_assert(!strcmp(d->d_name, ".") ||
				  !strcmp(d->d_name, ".."));
			entries++;
			off += d->d_reclen;
		}
	cr_assert_eq(entries, 2);
	FAILS(rump_sys_stat("/d3/shm/zero", &st), ENOENT);
	FAILS(rump_sys_open("/d3/shm/f", O_CREAT | O_RDWR, 0644), EPERM);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_umount("/d3"), 0);
}

Test(devfs, names_are_fixed_but_attributes_change)
{
	struct stat st;

	FAILS(rump_sys_open("/dev/newfile", O_CREAT | O_RDWR, 0644), EPERM);
	FAILS(rump_sys_mkdir("/dev/sub", 0755), EPERM);
	FAILS(rump_sys_unlink("/dev/null"), EPERM);
	FAILS(rump_sys_rename("/dev/null", "/dev/nil"), EPERM);
	FAILS(rump_sys_symlink("null", "/dev/nil"), EPERM);
	RETURNS(rump_sys_stat("/dev/null", &st), 0);
	RETURNS(rump_sys_chmod("/dev/null", 0600), 0);
	RETURNS(rump_sys_chown("/dev/null", 10, 20), 0);
	RETURNS(rump_sys_stat("/dev/null", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_uid, 10);
	cr_assert_eq(st.st_gid, 20);
	/* Now an unprivileged process cannot open it. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	FAILS(rump_sys_open("/dev/null", O_WRONLY), EACCES);
	int fd = open_ok("/dev/zero", O_RDONLY);
	RETURNS(rump_sys_close(fd), 0);
	rump_pub_lwproc_releaselwp();
}

Test(devfs, null_zero_full)
{
	char buf[100];
	int fd;

	fd = open_ok("/dev/null", O_RDWR);
	RETURNS(rump_sys_write(fd, "abc", 3), 3);
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 0);
	RETURNS(rump_sys_lseek(fd, 100, SEEK_SET), 0);
	RETURNS(rump_sys_pwrite(fd, "x", 1, 5), 1);
	RETURNS(rump_sys_close(fd), 0);
	/* O_TRUNC on a device is harmless. */
	fd = open_ok("/dev/null", O_WRONLY | O_TRUNC);
	RETURNS(rump_sys_close(fd), 0);

	fd = open_ok("/dev/zero", O_RDWR);
	memset(buf, 'x', sizeof(buf));
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	memset(buf, 'x', sizeof(buf));
	RETURNS(rump_sys_pread(fd, buf, 10, 12345), 10);
	cr_assert_eq(buf[9], 0);
	cr_assert_eq(buf[10], 'x');
	RETURNS(rump_sys_write(fd, buf, 50), 50);
	FAILS(rump_sys_read(fd, (void *)8, 10), EFAULT);
	RETURNS(rump_sys_close(fd), 0);

	fd = open_ok("/dev/full", O_RDWR);
	FAILS(rump_sys_write(fd, "abc", 3), ENOSPC);
	/* Even nothing does not fit, as Linux's write_full says. */
	FAILS(rump_sys_write(fd, "abc", 0), ENOSPC);
	memset(buf, 'x', sizeof(buf));
	RETURNS(rump_sys_read(fd, buf, 7), 7);
	cr_assert_eq(buf[6], 0);
	RETURNS(rump_sys_close(fd), 0);
}

Test(devfs, random_and_urandom_give_fresh_bytes)
{
	unsigned char a[64], b[64];
	const char *names[] = { "/dev/random", "/dev/urandom" };

	for (int k = 0; k < 2; k++) {
		int fd = open_ok(names[k], O_RDONLY);
		bool zero = true;

		RETURNS(rump_sys_read(fd, a, sizeof(a)), sizeof(a));
		RETURNS(rump_sys_read(fd, b, sizeof(b)), sizeof(b));
		for (size_t i = 0; i < sizeof(a); i++)
			zero = zero && a[i] == 0;
		cr_assert_not(zero);
		cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
		RETURNS(rump_sys_close(fd), 0);
	}
	/* Big reads are filled completely. */
	static unsigned char big[100000];
	int fd = open_ok("/dev/urandom", O_RDWR);
	RETURNS(rump_sys_read(fd, big, sizeof(big)), sizeof(big));
	RETURNS(rump_sys_write(fd, "seed", 4), 4);
	RETURNS(rump_sys_close(fd), 0);
}

Test(devfs, mknod_elsewhere_reaches_the_same_drivers)
{
	char buf[8];
	int fd;

	RETURNS(rump_sys_mkdir("/devtest", 0755), 0);
	RETURNS(rump_sys_mknod("/devtest/z", S_IFCHR | 0666, makedev(1, 5)), 0);
	RETURNS(rump_sys_mknod("/devtest/f", S_IFCHR | 0666, makedev(1, 7)), 0);
	RETURNS(rump_sys_mknod("/devtest/port", S_IFCHR | 0666, makedev(1, 4)),
		0);
	RETURNS(rump_sys_mknod("/devtest/none", S_IFCHR | 0666, makedev(99, 0)),
		0);
	RETURNS(rump_sys_mknod("/devtest/blk", S_IFBLK | 0666, makedev(1, 3)),
		0);
	fd = open_ok("/devtest/z", O_RDONLY);
	memset(buf, 1, sizeof(buf));
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), sizeof(buf));
	cr_assert_eq(buf[0], 0);
	RETURNS(rump_sys_close(fd), 0);
	fd = open_ok("/devtest/f", O_WRONLY);
	FAILS(rump_sys_write(fd, "a", 1), ENOSPC);
	RETURNS(rump_sys_close(fd), 0);
	FAILS(rump_sys_open("/devtest/port", O_RDONLY), ENXIO);
	FAILS(rump_sys_open("/devtest/none", O_RDONLY), ENXIO);
	FAILS(rump_sys_open("/devtest/blk", O_RDONLY), ENXIO);
}

Test(devfs, poll_says_ready)
{
	struct pollfd p[2];

	p[0].fd = open_ok("/dev/null", O_RDWR);
	p[1].fd = open_ok("/dev/zero", O_RDONLY);
	p[0].events = p[1].events = POLLIN | POLLOUT;
	RETURNS(rump_sys_poll(p, 2, 0), 2);
	cr_assert_eq(p[0].revents, POLLIN | POLLOUT);
	cr_assert_eq(p[1].revents, POLLIN | POLLOUT);
}

/* ---- console ------------------------------------------------------------- */

/* Run `write' of msg on rump fd `rfd' with host fd `hostfd' sent into a
 * pipe; return what arrived. */
static void
capture(int hostfd, int rfd, const char *msg, char *out, size_t outlen)
{
	int p[2], saved;
	ssize_t n;

	fflush(NULL);
	cr_assert_eq(pipe(p), 0);
	saved = dup(hostfd);
	cr_assert_geq(saved, 0);
	cr_assert_eq(dup2(p[1], hostfd), hostfd);
	long r = rump_sys_write(rfd, msg, strlen(msg));
	int e = errno;
	dup2(saved, hostfd);
	close(saved);
	close(p[1]);
	cr_assert_eq(r, (long)strlen(msg), "write: %s", strerror(e));
	n = read(p[0], out, outlen - 1);
	cr_assert_geq(n, 0);
	out[n] = '\0';
	close(p[0]);
}

Test(devfs, init_writes_to_the_host_through_fd_1_and_2)
{
	char out[64];
	struct stat st;

	/* An implicit context is pid 1: its 0, 1, 2 are the console. */
	for (int fd = 0; fd < 3; fd++) {
		RETURNS(rump_sys_fstat(fd, &st), 0);
		cr_assert(S_ISCHR(st.st_mode));
		cr_assert_eq(st.st_rdev, makedev(5, 1));
	}
	capture(1, 1, "hello, host\n", out, sizeof(out));
	cr_assert_str_eq(out, "hello, host\n");
	/* fd 2 is the same console: it writes to the host's stdout too. */
	capture(1, 2, "on two\n", out, sizeof(out));
	cr_assert_str_eq(out, "on two\n");
	FAILS(rump_sys_lseek(1, 0, SEEK_SET), ESPIPE);
	FAILS(rump_sys_pwrite(1, "x", 1, 0), ESPIPE);
	RETURNS(rump_sys_fcntl(1, F_GETFL), O_RDWR | 0100000);
}

Test(devfs, console_reads_host_stdin)
{
	int p[2], saved;
	char buf[32];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], "typed\n", 6), 6);
	close(p[1]);
	saved = dup(0);
	dup2(p[0], 0);
	long n = rump_sys_read(0, buf, sizeof(buf));
	long eof = rump_sys_read(0, buf + 6, sizeof(buf) - 6);
	dup2(saved, 0);
	close(saved);
	close(p[0]);
	cr_assert_eq(n, 6);
	cr_assert_eq(memcmp(buf, "typed\n", 6), 0);
	cr_assert_eq(eof, 0, "the host's end of file");
}

/* Host stdin becomes a pipe whose write end is returned; the calling
 * thread gets a process of its own with init's console descriptors. */
static int
stdin_pipe(void)
{
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(dup2(p[0], 0), 0);
	close(p[0]);
	RETURNS(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	return p[1];
}

static int alarms; /* handler runs, on the calling thread */

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
alarm_in_ms(int ms, int flags)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	RETURNS(rump_sys_sigaction(SIGALRM, &sa, NULL), 0);
	RETURNS(rump_sys_setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void *
write_later(void *arg)
{
	int fd = *(int *)arg;

	usleep(150 * 1000);
	cr_assert_eq(write(fd, "later\n", 6), 6);
	return NULL;
}

Test(devfs, console_read_waits_and_a_signal_ends_the_wait)
{
	int w = stdin_pipe();
	char buf[16];

	alarm_in_ms(50, 0);
	FAILS(rump_sys_read(0, buf, sizeof(buf)), EINTR);
	cr_assert_eq(alarms, 1);
	/* Input after the caller gave up is kept for the next read. */
	cr_assert_eq(write(w, "kept\n", 5), 5);
	RETURNS(rump_sys_read(0, buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "kept\n", 5), 0);
	close(w);
	RETURNS(rump_sys_read(0, buf, sizeof(buf)), 0);
}

Test(devfs, console_read_restarts_under_sa_restart)
{
	int w = stdin_pipe();
	char buf[16];
	pthread_t t;

	alarm_in_ms(50, SA_RESTART);
	cr_assert_eq(pthread_create(&t, NULL, write_later, &w), 0);
	RETURNS(rump_sys_read(0, buf, sizeof(buf)), 6);
	cr_assert_eq(memcmp(buf, "later\n", 6), 0);
	cr_assert_eq(alarms, 1, "the handler ran, then the read went on");
	pthread_join(t, NULL);
	close(w);
}

Test(devfs, console_poll_says_readable_only_with_input)
{
	int w = stdin_pipe();
	struct pollfd p = { .fd = 0, .events = POLLIN | POLLOUT };
	char buf[16];
	int fl;

	RETURNS(rump_sys_poll(&p, 1, 0), 1);
	cr_assert_eq(p.revents, POLLOUT);
	p.events = POLLIN;
	RETURNS(rump_sys_poll(&p, 1, 50), 0);
	/* Without input a non-blocking read does not wait. */
	fl = rump_sys_fcntl(0, F_GETFL);
	RETURNS(rump_sys_fcntl(0, F_SETFL, fl | O_NONBLOCK), 0);
	FAILS(rump_sys_read(0, buf, sizeof(buf)), EAGAIN);
	RETURNS(rump_sys_fcntl(0, F_SETFL, fl), 0);
	/* Input arriving wakes the poller. */
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, write_later, &w), 0);
	RETURNS(rump_sys_poll(&p, 1, 5000), 1);
	cr_assert_eq(p.revents, POLLIN);
	pthread_join(t, NULL);
	/* FIONREAD tells what is buffered. */
	int n = -1;
	RETURNS(rump_sys_ioctl(0, FIONREAD, &n), 0);
	cr_assert_eq(n, 6);
	FAILS(rump_sys_ioctl(0, FIONREAD, (void *)8), EFAULT);
	/* A bad buffer gets EFAULT, and the input stays for a good one. */
	FAILS(rump_sys_read(0, (void *)8, sizeof(buf)), EFAULT);
	RETURNS(rump_sys_read(0, buf, sizeof(buf)), 6);
	cr_assert_eq(memcmp(buf, "later\n", 6), 0);
	close(w);
}

Test(devfs, dev_tty_and_console_open_anywhere)
{
	char out[64];
	int fd;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	fd = open_ok("/dev/tty", O_WRONLY);
	cr_assert_eq(fd, 0, "a clean table starts at 0");
	capture(1, fd, "via tty\n", out, sizeof(out));
	cr_assert_str_eq(out, "via tty\n");
	rump_pub_lwproc_releaselwp();
}

Test(devfs, rfork_flags_decide_the_console_descriptors)
{
	struct stat st;

	/* RFFDG: a copy, 0-2 included. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	struct lwp *copy = rump_pub_lwproc_curlwp();
	RETURNS(rump_sys_fstat(1, &st), 0);
	RETURNS(rump_sys_close(2), 0);
	/* Sharing (flags 0) with the copy: a close is seen by both. */
	cr_assert_eq(rump_pub_lwproc_rfork(0), 0);
	struct lwp *shared = rump_pub_lwproc_curlwp();
	FAILS(rump_sys_fstat(2, &st), EBADF);
	RETURNS(rump_sys_close(1), 0);
	rump_pub_lwproc_switch(copy);
	FAILS(rump_sys_fstat(1, &st), EBADF);
	RETURNS(rump_sys_fstat(0, &st), 0);
	/* RFCFDG: nothing open. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	FAILS(rump_sys_fstat(0, &st), EBADF);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(shared);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(copy);
	rump_pub_lwproc_releaselwp();
	/* init's own stay open. */
	for (int fd = 0; fd < 3; fd++)
		RETURNS(rump_sys_fstat(fd, &st), 0);
}

Test(devfs, another_devfs_mount_has_its_own_nodes)
{
	struct stat st;

	RETURNS(rump_sys_mkdir("/d2", 0755), 0);
	RETURNS(rump_sys_mount("devfs", "/d2", "devfs", 0, NULL), 0);
	RETURNS(rump_sys_chmod("/d2/zero", 0600), 0);
	RETURNS(rump_sys_stat("/dev/zero", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0666);
	FAILS(rump_sys_mount("devfs", "/d2", "devfs", 0, "bogus=1"), EINVAL);
	int fd = open_ok("/d2/zero", O_RDONLY);
	FAILS(rump_sys_umount("/d2"), EBUSY);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_umount("/d2"), 0);
	FAILS(rump_sys_stat("/d2/zero", &st), ENOENT);
	/* /dev is busy: init's console descriptors. */
	FAILS(rump_sys_umount("/dev"), EBUSY);
}
