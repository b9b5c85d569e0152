/*
 * hostfs.c: host directory trees mounted with mount(2) type "hostfs"
 * (vfs/hostfs/): what the kernel does there shows on the host and the
 * other way round, read-only mounts refuse writes with EROFS, every
 * error a user can reach, and several host threads at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "check.h"
#include "host_dir.h"

static char hdir[] = "/tmp/hostfs_test.XXXXXX";

static void
host_write(const char *rel, const char *data)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", hdir, rel);
	cr_assert_not_null(f = fopen(p, "w"));
	fputs(data, f);
	fclose(f);
}

/* The host file's content ("" if it does not exist: then *exists false). */
static char *
host_read(const char *rel, bool *exists)
{
	static char buf[4096];
	char p[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", hdir, rel);
	if ((f = fopen(p, "r")) == NULL) {
		*exists = false;
		buf[0] = '\0';
		return buf;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	*exists = true;
	return buf;
}

static bool
host_exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", hdir, rel);
	return lstat(p, &st) == 0;
}

static void
setup(void)
{
	char p[256];

	cr_assert_not_null(mkdtemp(hdir));
	host_write("hello.txt", "hello from the host\n");
	snprintf(p, sizeof(p), "%s/sub", hdir);
	cr_assert_eq(mkdir(p, 0755), 0);
	host_write("sub/inner", "inner\n");
	cr_assert_eq(rump_init(), 0);
	RETURNS(rump_sys_mkdir("/mnt", 0755), 0);
}

static void
teardown(void)
{
	host_rmtree_or_say(hdir);
}

TestSuite(hostfs, .init = setup, .fini = teardown);

static void
mount_rw(void)
{
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), 0);
}

static char *
rump_read_all(const char *path)
{
	static char buf[4096];
	int fd = rump_sys_open(path, O_RDONLY);
	long n;

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	n = rump_sys_read(fd, buf, sizeof(buf) - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	rump_sys_close(fd);
	return buf;
}

Test(hostfs, mount_errors)
{
	char p[300];

	FAILS(rump_sys_mount("/nonexistent/host/dir", "/mnt", "hostfs", 0, ""),
	      ENOENT);
	snprintf(p, sizeof(p), "%s/hello.txt", hdir);
	FAILS(rump_sys_mount(p, "/mnt", "hostfs", 0, ""), ENOTDIR);
	FAILS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, "bogus"), EINVAL);
	FAILS(rump_sys_mount(hdir, "/nonexistent", "hostfs", 0, ""), ENOENT);
	FAILS(rump_sys_mount("", "/mnt", "hostfs", 0, ""), ENOENT);
	/* Unprivileged processes cannot mount. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	FAILS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, ""), EPERM);
	rump_pub_lwproc_releaselwp();
}

/* A host path is as long as a path may be; the source's copy once held
 * 64 bytes and ran off its end (found by tests/fuzz.c). */
Test(hostfs, a_long_host_path_mounts)
{
	char p[600], *big;
	struct stat st;
	int fd;

	snprintf(p, sizeof(p), "%s", hdir);
	for (int i = 0; i < 4; i++) {
		size_t len = strlen(p);

		snprintf(p + len, sizeof(p) - len, "/%060d", i);
		cr_assert_eq(mkdir(p, 0755), 0);
	}
	strcat(p, "/file");
	cr_assert_geq(fd = open(p, O_CREAT | O_WRONLY, 0644), 0);
	cr_assert_eq(write(fd, "long", 4), 4);
	close(fd);
	*strrchr(p, '/') = '\0';
	cr_assert_gt(strlen(p), 250);
	RETURNS(rump_sys_mount(p, "/mnt", "hostfs", 0, ""), 0);
	RETURNS(rump_sys_stat("/mnt/file", &st), 0);
	cr_assert_eq(st.st_size, 4);
	RETURNS(rump_sys_umount2("/mnt", 0), 0);
	/* Longer than a path: EINVAL, as Linux. */
	cr_assert_not_null(big = malloc(5000));
	memset(big, 'a', 4999);
	big[0] = '/';
	big[4999] = '\0';
	FAILS(rump_sys_mount(big, "/mnt", "hostfs", 0, ""), EINVAL);
	free(big);
}

Test(hostfs, host_files_show_in_the_kernel)
{
	struct stat st, hst;
	char p[300];

	mount_rw();
	cr_assert_str_eq(rump_read_all("/mnt/hello.txt"),
			 "hello from the host\n");
	cr_assert_str_eq(rump_read_all("/mnt/sub/inner"), "inner\n");
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	snprintf(p, sizeof(p), "%s/hello.txt", hdir);
	cr_assert_eq(stat(p, &hst), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, hst.st_size);
	cr_assert_eq(st.st_ino, hst.st_ino);
	cr_assert_eq(st.st_mode, hst.st_mode);
	cr_assert_eq(st.st_mtim.tv_sec, hst.st_mtim.tv_sec);
	cr_assert_eq(st.st_mtim.tv_nsec, hst.st_mtim.tv_nsec);
	RETURNS(rump_sys_stat("/mnt/sub", &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	FAILS(rump_sys_stat("/mnt/missing", &st), ENOENT);
	FAILS(rump_sys_stat("/mnt/hello.txt/x", &st), ENOTDIR);
	/* ".." from the mounted directory leaves the mount. */
	RETURNS(rump_sys_chdir("/mnt/sub"), 0);
	RETURNS(rump_sys_stat("../../mnt/hello.txt", &st), 0);
	RETURNS(rump_sys_chdir("/"), 0);
	/* A file the host adds later is there at once. */
	host_write("later", "late\n");
	cr_assert_str_eq(rump_read_all("/mnt/later"), "late\n");
}

Test(hostfs, kernel_changes_show_on_the_host)
{
	bool ex;
	int fd;

	mount_rw();
	fd = rump_sys_open("/mnt/new", O_CREAT | O_EXCL | O_WRONLY, 0640);
	cr_assert_geq(fd, 0, "%s", strerror(errno));
	RETURNS(rump_sys_write(fd, "written\n", 8), 8);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_read("new", &ex), "written\n");
	FAILS(rump_sys_open("/mnt/new", O_CREAT | O_EXCL | O_WRONLY, 0640),
	      EEXIST);
	/* O_APPEND, O_TRUNC, truncate, pwrite */
	fd = rump_sys_open("/mnt/new", O_WRONLY | O_APPEND);
	RETURNS(rump_sys_write(fd, "more\n", 5), 5);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_read("new", &ex), "written\nmore\n");
	RETURNS(rump_sys_truncate("/mnt/new", 3), 0);
	cr_assert_str_eq(host_read("new", &ex), "wri");
	fd = rump_sys_open("/mnt/new", O_RDWR | O_TRUNC);
	RETURNS(rump_sys_pwrite(fd, "xy", 2, 4), 2);
	RETURNS(rump_sys_close(fd), 0);
	ex = false;
	host_read("new", &ex);
	struct stat st;
	RETURNS(rump_sys_stat("/mnt/new", &st), 0);
	cr_assert_eq(st.st_size, 6);
	/* directories */
	RETURNS(rump_sys_mkdir("/mnt/d", 0700), 0);
	cr_assert(host_exists("d"));
	FAILS(rump_sys_mkdir("/mnt/d", 0700), EEXIST);
	RETURNS(rump_sys_rename("/mnt/new", "/mnt/d/renamed"), 0);
	cr_assert(!host_exists("new") && host_exists("d/renamed"));
	FAILS(rump_sys_rmdir("/mnt/d"), ENOTEMPTY);
	RETURNS(rump_sys_unlink("/mnt/d/renamed"), 0);
	FAILS(rump_sys_unlink("/mnt/d/renamed"), ENOENT);
	RETURNS(rump_sys_rmdir("/mnt/d"), 0);
	cr_assert(!host_exists("d"));
	FAILS(rump_sys_rmdir("/mnt/hello.txt"), ENOTDIR);
	FAILS(rump_sys_unlink("/mnt/sub"), EISDIR);
	/* links */
	RETURNS(rump_sys_symlink("hello.txt", "/mnt/sl"), 0);
	char buf[64];
	RETURNS(rump_sys_readlink("/mnt/sl", buf, sizeof(buf)), 9);
	cr_assert_str_eq(rump_read_all("/mnt/sl"), "hello from the host\n");
	RETURNS(rump_sys_link("/mnt/hello.txt", "/mnt/hard"), 0);
	RETURNS(rump_sys_stat("/mnt/hard", &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_str_eq(host_read("hard", &ex), "hello from the host\n");
	/* The host's umask does not reach the kernel's files. */
	mode_t old = umask(077);
	fd = rump_sys_open("/mnt/modes", O_CREAT | O_WRONLY, 0644);
	RETURNS(rump_sys_mkdir("/mnt/mdir", 0755), 0);
	umask(old);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_stat("/mnt/modes", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	RETURNS(rump_sys_stat("/mnt/mdir", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	/* attributes */
	RETURNS(rump_sys_chmod("/mnt/hello.txt", 0600), 0);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	struct timespec ts[2] = { { 1000, 5 }, { 2000, 7 } };
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/mnt/hello.txt", ts, 0), 0);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 2000);
	cr_assert_eq(st.st_mtim.tv_nsec, 7);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
}

Test(hostfs, listing_matches_the_host)
{
	char buf[8192];
	int fd, found = 0, dots = 0;
	long n;

	mount_rw();
	for (int i = 0; i < 300; i++) {
		char name[32];
		snprintf(name, sizeof(name), "file%03d", i);
		host_write(name, "x");
	}
	fd = rump_sys_open("/mnt", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	/* Small buffers: the listing resumes where it stopped. */
	while ((n = rump_sys_getdents64(fd, buf, 200)) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);
			if (strncmp(d->d_name, "file", 4) == 0) {
				cr_assert_eq(d->d_type, DT_REG);
				found++;
			} else if (!strcmp(d->d_name, ".") ||
				   !strcmp(d->d_name, "..")) {
				dots++;
			}
			off += d->d_reclen;
		}
	}
	cr_assert_eq(n, 0);
	cr_assert_eq(found, 300);
	cr_assert_eq(dots, 2);
	/* Rewind and read again. */
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	found = 0;
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *d = (void *)(buf + off);
			found += strncmp(d->d_name, "file", 4) == 0;
			off += d->d_reclen;
		}
	cr_assert_eq(found, 300);
	RETURNS(rump_sys_close(fd), 0);
}

/* Entries of the mounted host directory, "." and ".." left out. */
static int
host_count(void)
{
	DIR *d = opendir(hdir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		     strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* O_TMPFILE makes an unnamed host file in the directory, with the
 * kernel's mode; linkat(AT_EMPTY_PATH) names it, unless O_EXCL said
 * it never may be. */
Test(hostfs, tmpfile_in_a_host_directory)
{
	struct stat st;
	bool ex;
	int fd, n;

	mount_rw();
	n = host_count();
	umask(022); /* the kernel's umask counts, not the host's */
	rump_sys_umask(002);
	fd = rump_sys_open("/mnt/sub", O_TMPFILE | O_RDWR, 0666);
	cr_assert_geq(fd, 0, "O_TMPFILE: %s", strerror(errno));
	RETURNS(rump_sys_write(fd, "unnamed\n", 8), 8);
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0664);
	cr_assert_eq(st.st_nlink, 0);
	cr_assert_eq(st.st_size, 8);
	cr_assert_eq(host_count(), n);
	RETURNS(rump_sys_linkat(fd, "", AT_FDCWD, "/mnt/named", AT_EMPTY_PATH),
		0);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert_str_eq(host_read("named", &ex), "unnamed\n");
	RETURNS(rump_sys_stat("/mnt/named", &st), 0);
	cr_assert_eq(st.st_nlink, 1);
	fd = rump_sys_open("/mnt", O_TMPFILE | O_WRONLY | O_EXCL, 0600);
	cr_assert_geq(fd, 0, "O_TMPFILE|O_EXCL: %s", strerror(errno));
	FAILS(rump_sys_linkat(fd, "", AT_FDCWD, "/mnt/never", AT_EMPTY_PATH),
	      ENOENT);
	RETURNS(rump_sys_close(fd), 0);
	cr_assert(!host_exists("never"));
	cr_assert_eq(host_count(), n + 1);
	FAILS(rump_sys_open("/mnt/hello.txt", O_TMPFILE | O_RDWR, 0600),
	      ENOTDIR);
}

/* The rest of the calls that would change something: EROFS comes
 * before any permission check, so a user who owns nothing gets it too. */
static void
check_readonly_ops(void)
{
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	int fd = rump_sys_open("/mnt/hello.txt", O_RDONLY);

	cr_assert_geq(fd, 0);
	FAILS(rump_sys_open("/mnt/hello.txt", O_RDONLY | O_TRUNC), EROFS);
	FAILS(rump_sys_open("/mnt", O_TMPFILE | O_RDWR, 0600), EROFS);
	FAILS(rump_sys_mknod("/mnt/p", S_IFIFO | 0644, 0), EROFS);
	FAILS(rump_sys_chown("/mnt/hello.txt", 0, 0), EROFS);
	FAILS(rump_sys_lchown("/mnt/hello.txt", 1000, -1), EROFS);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/mnt/hello.txt", NULL, 0), EROFS);
	FAILS(rump_sys_utimensat(AT_FDCWD, "/mnt/hello.txt", ts, 0), EROFS);
	FAILS(rump_sys_fchmod(fd, 0600), EROFS);
	FAILS(rump_sys_fchown(fd, 0, 0), EROFS);
	FAILS(rump_sys_futimens(fd, ts), EROFS);
	FAILS(rump_sys_renameat2(AT_FDCWD, "/mnt/hello.txt", AT_FDCWD,
				 "/mnt/sub", RENAME_EXCHANGE),
	      EROFS);
	FAILS(rump_sys_access("/mnt/hello.txt", W_OK), EROFS);
	FAILS(rump_sys_access("/mnt/sub", W_OK), EROFS);
	/* O_CREAT of a file that is there opens it. */
	RETURNS(rump_sys_close(rump_sys_open("/mnt/hello.txt",
					     O_RDONLY | O_CREAT, 0644)),
		0);
	RETURNS(rump_sys_close(fd), 0);
}

/* ... as root and as a user. */
static void
check_readonly_more(void)
{
	check_readonly_ops();
	cr_assert_eq(chmod(hdir, 0755), 0); /* mkdtemp made it 0700 */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	check_readonly_ops();
	FAILS(rump_sys_mkdir("/mnt/d", 0755), EROFS);
	FAILS(rump_sys_unlink("/mnt/hello.txt"), EROFS);
	FAILS(rump_sys_open("/mnt/new", O_CREAT | O_WRONLY, 0644), EROFS);
	rump_pub_lwproc_releaselwp();
}

static void
check_readonly(void)
{
	struct stat st;

	cr_assert_str_eq(rump_read_all("/mnt/hello.txt"),
			 "hello from the host\n");
	FAILS(rump_sys_open("/mnt/hello.txt", O_WRONLY), EROFS);
	FAILS(rump_sys_open("/mnt/new", O_CREAT | O_WRONLY, 0644), EROFS);
	FAILS(rump_sys_mkdir("/mnt/d", 0755), EROFS);
	FAILS(rump_sys_unlink("/mnt/hello.txt"), EROFS);
	FAILS(rump_sys_rmdir("/mnt/sub"), EROFS);
	FAILS(rump_sys_rename("/mnt/hello.txt", "/mnt/x"), EROFS);
	FAILS(rump_sys_symlink("a", "/mnt/sl"), EROFS);
	FAILS(rump_sys_link("/mnt/hello.txt", "/mnt/hl"), EROFS);
	FAILS(rump_sys_chmod("/mnt/hello.txt", 0600), EROFS);
	FAILS(rump_sys_truncate("/mnt/hello.txt", 0), EROFS);
	check_readonly_more();
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert(host_exists("hello.txt"));
}

Test(hostfs, read_only_by_option)
{
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", 0, "ro"), 0);
	check_readonly();
}

Test(hostfs, read_only_by_flag)
{
	RETURNS(rump_sys_mount(hdir, "/mnt", "hostfs", MS_RDONLY, ""), 0);
	check_readonly();
	struct statfs sf;
	RETURNS(rump_sys_statfs("/mnt", &sf), 0);
	cr_assert(sf.f_flags & ST_RDONLY);
}

Test(hostfs, unmount_when_idle_and_host_keeps_files)
{
	int fd;

	mount_rw();
	fd = rump_sys_open("/mnt/hello.txt", O_RDONLY);
	cr_assert_geq(fd, 0);
	FAILS(rump_sys_umount("/mnt"), EBUSY);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
	struct stat st;
	FAILS(rump_sys_stat("/mnt/hello.txt", &st), ENOENT);
	cr_assert(host_exists("hello.txt"));
	/* And again. */
	mount_rw();
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
}

Test(hostfs, large_file_round_trip)
{
	enum { SZ = 1 << 20 };
	static unsigned char a[SZ], b[SZ];
	char p[300];
	int fd;

	mount_rw();
	for (int i = 0; i < SZ; i++)
		a[i] = (unsigned char)(i * 7 + (i >> 9));
	fd = rump_sys_open("/mnt/big", O_CREAT | O_RDWR, 0644);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_write(fd, a, SZ), SZ);
	RETURNS(rump_sys_lseek(fd, 0, SEEK_SET), 0);
	RETURNS(rump_sys_read(fd, b, SZ), SZ);
	cr_assert_eq(memcmp(a, b, SZ), 0);
	RETURNS(rump_sys_read(fd, b, SZ), 0);
	FAILS(rump_sys_pread(fd, (void *)8, 10, 0), EFAULT);
	RETURNS(rump_sys_close(fd), 0);
	snprintf(p, sizeof(p), "%s/big", hdir);
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fread(b, 1, SZ, f), SZ);
	fclose(f);
	cr_assert_eq(memcmp(a, b, SZ), 0);
}

/* The host moves data straight to and from the caller's buffers: many
 * segments (more than one host call takes), empty ones, the end of the
 * file, and a buffer that runs into an unmapped page. */
Test(hostfs, vectored_io_and_bad_buffers)
{
	enum { NSEG = 40, SEG = 100 };
	static char out[NSEG][SEG], in[NSEG][SEG];
	struct iovec iov[NSEG];
	char *pages;
	long pg = sysconf(_SC_PAGESIZE);
	int fd;

	mount_rw();
	for (int i = 0; i < NSEG; i++) {
		memset(out[i], 'a' + i % 26, SEG);
		/* Every fifth segment is empty. */
		iov[i] = (struct iovec){ out[i], i % 5 == 0 ? 0 : SEG };
	}
	cr_assert_geq(fd = rump_sys_open("/mnt/v", O_CREAT | O_RDWR, 0644), 0);
	RETURNS(rump_sys_writev(fd, iov, NSEG), (NSEG - NSEG / 5) * SEG);
	for (int i = 0; i < NSEG; i++)
		iov[i] = (struct iovec){ in[i], i % 5 == 0 ? 0 : SEG };
	RETURNS(rump_sys_preadv(fd, iov, NSEG, 0), (NSEG - NSEG / 5) * SEG);
	for (int i = 0; i < NSEG; i++)
		if (i % 5 != 0)
			cr_assert_eq(memcmp(in[i], out[i], SEG), 0, "seg %d",
				     i);
	/* Past the end: a short read, then nothing. */
	RETURNS(rump_sys_pread(fd, in[0], SEG, (NSEG - NSEG / 5) * SEG - 10),
		10);
	RETURNS(rump_sys_pread(fd, in[0], SEG, 1 << 20), 0);
	/* A buffer whose second page is unmapped: reads stop at the page
	 * boundary, writes take what lies before it, as Linux's. */
	pages = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(pages, MAP_FAILED);
	cr_assert_eq(munmap(pages + pg, (size_t)pg), 0);
	RETURNS(rump_sys_pread(fd, pages + pg - 30, 100, 0), 30);
	cr_assert_eq(memcmp(pages + pg - 30, out[1], 30), 0);
	FAILS(rump_sys_pread(fd, pages + pg, 100, 0), EFAULT);
	RETURNS(rump_sys_pwrite(fd, pages + pg - 30, 100, 5000), 30);
	FAILS(rump_sys_pwrite(fd, pages + pg, 100, 6000), EFAULT);
	cr_assert_eq(munmap(pages, (size_t)pg), 0);
	RETURNS(rump_sys_close(fd), 0);
}

Test(hostfs, one_vnode_per_host_file_so_locks_meet)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fa, fb;

	mount_rw();
	RETURNS(rump_sys_link("/mnt/hello.txt", "/mnt/alias"), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	struct lwp *a = rump_pub_lwproc_curlwp();
	fa = rump_sys_open("/mnt/hello.txt", O_RDWR);
	cr_assert_geq(fa, 0);
	RETURNS(rump_sys_fcntl(fa, F_SETLK, &fl), 0);
	RETURNS(rump_sys_flock(fa, LOCK_EX | LOCK_NB), 0);
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	fb = rump_sys_open("/mnt/alias", O_RDWR);
	cr_assert_geq(fb, 0);
	FAILS(rump_sys_fcntl(fb, F_SETLK, &fl), EAGAIN);
	FAILS(rump_sys_flock(fb, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	rump_pub_lwproc_switch(a);
	rump_pub_lwproc_releaselwp(); /* A exits: its locks go */
	rump_pub_lwproc_switch(NULL);
}

/* ---- several host threads at once ------------------------------------ */

struct writer {
	pthread_t thr;
	int id;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char path[64], line[32];
	int fd, afd;

	snprintf(path, sizeof(path), "/mnt/w%d", w->id);
	fd = rump_sys_open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	afd = rump_sys_open("/mnt/shared", O_WRONLY | O_APPEND);
	cr_assert_geq(afd, 0);
	for (int i = 0; i < 100; i++) {
		int n = snprintf(line, sizeof(line), "%d:%03d\n", w->id, i);
		cr_assert_eq(rump_sys_write(fd, line, n), n);
		cr_assert_eq(rump_sys_write(afd, line, n), n);
	}
	rump_sys_close(fd);
	rump_sys_close(afd);
	return NULL;
}

Test(hostfs, concurrent_writers_and_appenders)
{
	enum { N = 4 };
	struct writer w[N];
	struct stat st;

	mount_rw();
	host_write("shared", "");
	for (int i = 0; i < N; i++) {
		w[i].id = i;
		cr_assert_eq(
			pthread_create(&w[i].thr, NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < N; i++)
		pthread_join(w[i].thr, NULL);
	RETURNS(rump_sys_stat("/mnt/shared", &st), 0);
	cr_assert_eq(st.st_size, N * 100 * 6, "no append was lost");
	for (int i = 0; i < N; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/mnt/w%d", i);
		RETURNS(rump_sys_stat(path, &st), 0);
		cr_assert_eq(st.st_size, 600);
	}
}

/* Threads doing their first read and write of one file at once: the
 * node's host handles open once, under the node's lock, and are then
 * used without it (hostfs.c node_handle). */
struct block_io {
	pthread_t thr;
	pthread_barrier_t *go;
	int id;
};

enum { BLOCKS = 4, BLOCK = 4096 };

static void *
block_io_main(void *arg)
{
	struct block_io *b = arg;
	char buf[BLOCK], back[BLOCK];
	int fd;

	memset(buf, 'a' + b->id, sizeof(buf));
	/* A process each: no descriptor table orders the threads. */
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	pthread_barrier_wait(b->go);
	fd = rump_sys_open("/mnt/blocks", O_RDWR);
	cr_assert_geq(fd, 0);
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(
			rump_sys_pwrite(fd, buf, BLOCK, (off_t)b->id * BLOCK),
			BLOCK);
		cr_assert_eq(
			rump_sys_pread(fd, back, BLOCK, (off_t)b->id * BLOCK),
			BLOCK);
		cr_assert_arr_eq(back, buf, BLOCK);
	}
	rump_sys_close(fd);
	rump_pub_lwproc_releaselwp();
	return NULL;
}

Test(hostfs, first_reads_and_writes_at_once)
{
	struct block_io b[BLOCKS];
	pthread_barrier_t go;
	char p[300], buf[BLOCK];
	int hfd;

	mount_rw();
	snprintf(p, sizeof(p), "%s/blocks", hdir);
	hfd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(hfd, 0);
	cr_assert_eq(ftruncate(hfd, BLOCKS * BLOCK), 0);
	cr_assert_eq(pthread_barrier_init(&go, NULL, BLOCKS), 0);
	for (int i = 0; i < BLOCKS; i++) {
		b[i].id = i;
		b[i].go = &go;
		cr_assert_eq(
			pthread_create(&b[i].thr, NULL, block_io_main, &b[i]),
			0);
	}
	for (int i = 0; i < BLOCKS; i++)
		pthread_join(b[i].thr, NULL);
	for (int i = 0; i < BLOCKS; i++) {
		char want[BLOCK];

		memset(want, 'a' + i, sizeof(want));
		cr_assert_eq(pread(hfd, buf, BLOCK, (off_t)i * BLOCK), BLOCK);
		cr_assert_arr_eq(buf, want, BLOCK, "block %d on the host", i);
	}
	close(hfd);
	pthread_barrier_destroy(&go);
}

Test(hostfs, nodes_follow_host_changes_and_the_cache_is_bounded)
{
	struct stat st, st2;
	char p[300], q[300];

	mount_rw();
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	/* The host renames it: the old name is gone, the new one is the
	 * same file. */
	snprintf(p, sizeof(p), "%s/hello.txt", hdir);
	snprintf(q, sizeof(q), "%s/renamed.txt", hdir);
	cr_assert_eq(rename(p, q), 0);
	FAILS(rump_sys_stat("/mnt/hello.txt", &st2), ENOENT);
	RETURNS(rump_sys_stat("/mnt/renamed.txt", &st2), 0);
	cr_assert_eq(st.st_ino, st2.st_ino);
	/* The host replaces it: the kernel sees the new file. */
	cr_assert_eq(unlink(q), 0);
	host_write("renamed.txt", "new content\n");
	cr_assert_str_eq(rump_read_all("/mnt/renamed.txt"), "new content\n");
	/* Unlinked while open: still readable through the descriptor. */
	int fd = rump_sys_open("/mnt/renamed.txt", O_RDONLY);
	cr_assert_geq(fd, 0);
	RETURNS(rump_sys_unlink("/mnt/renamed.txt"), 0);
	char buf[32] = { 0 };
	RETURNS(rump_sys_read(fd, buf, sizeof(buf)), 12);
	cr_assert_str_eq(buf, "new content\n");
	RETURNS(rump_sys_fstat(fd, &st), 0);
	cr_assert_eq(st.st_nlink, 0);
	RETURNS(rump_sys_close(fd), 0);
	FAILS(rump_sys_stat("/mnt/renamed.txt", &st), ENOENT);
	/* More files than the cache keeps: each stays correct. */
	for (int i = 0; i < 400; i++) {
		char name[32];
		snprintf(name, sizeof(name), "c%03d", i);
		host_write(name, name);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 400; i++) {
			char path[40];
			snprintf(path, sizeof(path), "/mnt/c%03d", i);
			RETURNS(rump_sys_stat(path, &st), 0);
			cr_assert_eq(st.st_size, 4);
		}
	cr_assert_str_eq(rump_read_all("/mnt/c123"), "c123");
	/* Cached nodes do not keep the mount busy. */
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/*
 * stat takes the attributes hostfs's lookup got from the host (one host
 * call): they must be the result's, never a symlink's the walk went
 * through or a directory covered by a mount, and never left over from
 * an earlier call.
 */
Test(hostfs, stat_through_lookup_is_fresh_and_of_the_right_node)
{
	struct stat st, lst;
	struct statx stx;
	char p[300], q[300];

	mount_rw();
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_size, 20);
	/* The host changes it between two stats: the second sees it. */
	snprintf(p, sizeof(p), "%s/hello.txt", hdir);
	cr_assert_eq(truncate(p, 5), 0);
	cr_assert_eq(chmod(p, 0600), 0);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_size, 5);
	cr_assert_eq(st.st_mode, S_IFREG | 0600);
	RETURNS(rump_sys_statx(AT_FDCWD, "/mnt/hello.txt", 0, STATX_BASIC_STATS,
			       &stx),
		0);
	cr_assert_eq(stx.stx_size, 5);
	cr_assert_eq(stx.stx_mode, S_IFREG | 0600);
	/* So do the kernel's own changes. */
	RETURNS(rump_sys_truncate("/mnt/hello.txt", 7), 0);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_size, 7);

	/* A symlink: stat follows it, lstat does not. */
	snprintf(q, sizeof(q), "%s/link", hdir);
	cr_assert_eq(symlink("sub/inner", q), 0);
	RETURNS(rump_sys_stat("/mnt/link", &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 6);
	RETURNS(rump_sys_lstat("/mnt/link", &lst), 0);
	cr_assert(S_ISLNK(lst.st_mode));
	cr_assert_eq(lst.st_size, 9);
	cr_assert_neq(lst.st_ino, st.st_ino);
	RETURNS(rump_sys_statx(AT_FDCWD, "/mnt/link", AT_SYMLINK_NOFOLLOW,
			       STATX_BASIC_STATS, &stx),
		0);
	cr_assert(S_ISLNK(stx.stx_mode));

	/* A hostfs directory covered by a tmpfs: its root is what shows. */
	RETURNS(rump_sys_mount("tmpfs", "/mnt/sub", "tmpfs", 0, "mode=0711"),
		0);
	RETURNS(rump_sys_stat("/mnt/sub", &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0711);
	RETURNS(rump_sys_statx(AT_FDCWD, "/mnt/sub", 0, STATX_BASIC_STATS,
			       &stx),
		0);
	cr_assert_eq(stx.stx_mode, S_IFDIR | 0711);
	cr_assert(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	RETURNS(rump_sys_umount("/mnt/sub"), 0);
	RETURNS(rump_sys_stat("/mnt/sub", &st), 0);
	cr_assert_eq(st.st_mode, S_IFDIR | 0755);
	/* ".." and "." after a lookup name the right directories. */
	RETURNS(rump_sys_stat("/mnt/sub/..", &st), 0);
	RETURNS(rump_sys_stat("/mnt", &lst), 0);
	cr_assert_eq(st.st_ino, lst.st_ino);
	RETURNS(rump_sys_stat("/mnt/sub/.", &st), 0);
	RETURNS(rump_sys_stat("/mnt/sub", &lst), 0);
	cr_assert_eq(st.st_ino, lst.st_ino);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* Search permission on a host directory for an unprivileged process is
 * decided by the attributes its lookup brought, as fresh as the call. */
Test(hostfs, search_permission_of_host_directories_for_a_user)
{
	struct stat st;
	char p[300];

	cr_assert_eq(chmod(hdir, 0755), 0); /* mkdtemp made it 0700 */
	snprintf(p, sizeof(p), "%s/sub", hdir);
	mount_rw();
	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
	RETURNS(rump_sys_setuid(1000), 0);
	RETURNS(rump_sys_stat("/mnt/sub/inner", &st), 0);
	cr_assert_eq(chmod(p, 0700), 0); /* the host's uid owns it */
	FAILS(rump_sys_stat("/mnt/sub/inner", &st), EACCES);
	FAILS(rump_sys_open("/mnt/sub/inner", O_RDONLY), EACCES);
	RETURNS(rump_sys_stat("/mnt/sub", &st), 0); /* itself: no search */
	cr_assert_eq(chmod(p, 0711), 0);
	RETURNS(rump_sys_stat("/mnt/sub/inner", &st), 0);
	cr_assert_eq(chmod(p, 0744), 0); /* read but no search */
	FAILS(rump_sys_stat("/mnt/sub/inner", &st), EACCES);
	rump_pub_lwproc_releaselwp();
	/* Root searches any directory. */
	RETURNS(rump_sys_stat("/mnt/sub/inner", &st), 0);
	cr_assert_eq(chmod(p, 0755), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* ---- Linux's rules for callers who are not root --------------------------- */

/* These need a host root: the kernel's host calls then may give files
 * any owner, as Linux would for the rump caller. */
static void
need_host_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("the host process must be root");
	cr_assert_eq(chmod(hdir, 0777), 0);
	mount_rw();
}

/* A rump process of uid and gid `id', in the supplementary group 2000,
 * with umask 0 (the host's must not show either). */
static void
become_user(uid_t id)
{
	gid_t g = 2000;

	cr_assert_eq(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	RETURNS(rump_sys_setgroups(1, &g), 0);
	RETURNS(rump_sys_setgid(id), 0);
	RETURNS(rump_sys_setuid(id), 0);
	rump_sys_umask(0);
}

static void
create_file(const char *path, mode_t mode)
{
	int fd = rump_sys_open(path, O_CREAT | O_WRONLY, mode);

	cr_assert_geq(fd, 0, "create %s: %s", path, strerror(errno));
	RETURNS(rump_sys_close(fd), 0);
}

/* Owner, group and mode of `rel' as the host and the kernel show it. */
static void
check_owner(const char *rel, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;
	char p[300];

	snprintf(p, sizeof(p), "%s/%s", hdir, rel);
	cr_assert_eq(lstat(p, &st), 0, "%s", rel);
	cr_assert_eq(st.st_uid, uid, "%s: host uid %u", rel, st.st_uid);
	cr_assert_eq(st.st_gid, gid, "%s: host gid %u", rel, st.st_gid);
	if (mode != 0)
		cr_assert_eq(st.st_mode, mode, "%s: host mode %o", rel,
			     st.st_mode);
	snprintf(p, sizeof(p), "/mnt/%s", rel);
	RETURNS(rump_sys_lstat(p, &st), 0);
	cr_assert_eq(st.st_uid, uid, "%s: uid %u", rel, st.st_uid);
	cr_assert_eq(st.st_gid, gid, "%s: gid %u", rel, st.st_gid);
}

/* A new node is the creator's (fsuid, fsgid), or in a set-group-id
 * directory of the directory's group, new subdirectories set-group-id
 * too; the mode is the caller's, not cut by the host's umask. */
Test(hostfs, new_nodes_belong_to_their_creator)
{
	char p[300];

	need_host_root();
	snprintf(p, sizeof(p), "%s/sg", hdir);
	cr_assert_eq(mkdir(p, 0777), 0);
	cr_assert_eq(chown(p, 0, 3000), 0);
	cr_assert_eq(chmod(p, 02777), 0);
	become_user(1000);
	create_file("/mnt/f", 0666);
	create_file("/mnt/x", 06755);
	RETURNS(rump_sys_mkdir("/mnt/d", 0777), 0);
	RETURNS(rump_sys_symlink("f", "/mnt/l"), 0);
	RETURNS(rump_sys_mknod("/mnt/p", S_IFIFO | 0666, 0), 0);
	create_file("/mnt/sg/f", 0666);
	RETURNS(rump_sys_mkdir("/mnt/sg/d", 0777), 0);
	RETURNS(rump_sys_symlink("f", "/mnt/sg/l"), 0);
	rump_pub_lwproc_releaselwp();
	check_owner("f", 1000, 1000, S_IFREG | 0666);
	check_owner("x", 1000, 1000, S_IFREG | 06755);
	check_owner("d", 1000, 1000, S_IFDIR | 0777);
	check_owner("l", 1000, 1000, 0);
	check_owner("p", 1000, 1000, S_IFIFO | 0666);
	check_owner("sg/f", 1000, 3000, S_IFREG | 0666);
	check_owner("sg/d", 1000, 3000, S_IFDIR | 02777);
	check_owner("sg/l", 1000, 3000, 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* utimensat(AT_SYMLINK_NOFOLLOW) sets a symlink's own times, as Linux
 * does, and leaves its target's alone. */
Test(hostfs, utimensat_sets_a_symlinks_own_times)
{
	struct timespec ts[2] = { { 1000000, 5 }, { 2000000, 7 } };
	struct stat st, target;
	char p[300];

	mount_rw();
	RETURNS(rump_sys_symlink("hello.txt", "/mnt/l"), 0);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &target), 0);
	RETURNS(rump_sys_utimensat(AT_FDCWD, "/mnt/l", ts, AT_SYMLINK_NOFOLLOW),
		0);
	RETURNS(rump_sys_lstat("/mnt/l", &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 2000000);
	cr_assert_eq(st.st_atim.tv_nsec, 5);
	snprintf(p, sizeof(p), "%s/l", hdir);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, 2000000);
	RETURNS(rump_sys_stat("/mnt/hello.txt", &st), 0);
	cr_assert_eq(st.st_mtim.tv_sec, target.st_mtim.tv_sec);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* getcwd names the directories above the cwd without reading them: on
 * the host, whose getcwd walks its dentries, their atime stays. */
Test(hostfs, getcwd_leaves_the_atime_of_host_directories)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	char buf[256], p[300];
	struct stat st;

	mount_rw();
	RETURNS(rump_sys_mkdir("/mnt/sub/deep", 0755), 0);
	RETURNS(rump_sys_chdir("/mnt/sub/deep"), 0);
	snprintf(p, sizeof(p), "%s/sub", hdir);
	cr_assert_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	cr_assert_eq(utimensat(AT_FDCWD, hdir, old, 0), 0);
	cr_assert_str_eq(rump_sys_getcwd(buf, sizeof(buf)), "/mnt/sub/deep");
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
	cr_assert_eq(stat(hdir, &st), 0);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
	/* A renamed directory is found by its new name. */
	RETURNS(rump_sys_rename("/mnt/sub", "/mnt/sub2"), 0);
	cr_assert_str_eq(rump_sys_getcwd(buf, sizeof(buf)), "/mnt/sub2/deep");
	/* A removed cwd is ENOENT, its old parent unread. */
	RETURNS(rump_sys_rename("/mnt/sub2", "/mnt/sub"), 0);
	RETURNS(rump_sys_rmdir("/mnt/sub/deep"), 0);
	cr_assert_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	cr_assert_null(rump_sys_getcwd(buf, sizeof(buf)));
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
	RETURNS(rump_sys_chdir("/"), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* A removed host directory has no names to look up, long or not: Linux
 * says ENOENT before it looks at a name's length. */
Test(hostfs, a_long_name_in_a_removed_directory_is_enoent)
{
	char name[300];
	struct stat st;
	int d;

	memset(name, 'q', 256);
	name[256] = '\0';
	mount_rw();
	RETURNS(rump_sys_mkdir("/mnt/gone", 0755), 0);
	d = rump_sys_open("/mnt/gone", O_RDONLY | O_DIRECTORY);
	cr_assert_geq(d, 0);
	RETURNS(rump_sys_rmdir("/mnt/gone"), 0);
	RETURNS(rump_sys_fstat(d, &st), 0);
	cr_assert_eq(st.st_nlink, 0);
	FAILS(rump_sys_fstatat(d, name, &st, 0), ENOENT);
	FAILS(rump_sys_mkdirat(d, name, 0755), ENOENT);
	FAILS(rump_sys_mkdirat(d, "short", 0755), ENOENT);
	RETURNS(rump_sys_close(d), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
}

/* getdents stamps the host directory's atime as Linux's would, even at
 * its end, and not through an O_NOATIME descriptor. */
Test(hostfs, listing_stamps_atime_unless_o_noatime)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	char buf[1024], p[300];
	struct stat st;
	int fd;

	mount_rw();
	RETURNS(rump_sys_mkdir("/mnt/ld", 0755), 0);
	snprintf(p, sizeof(p), "%s/ld", hdir);
	cr_assert_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	fd = rump_sys_open("/mnt/ld", O_RDONLY | O_DIRECTORY | O_NOATIME);
	cr_assert_geq(fd, 0);
	cr_assert_gt(rump_sys_getdents64(fd, buf, sizeof(buf)), 0);
	RETURNS(rump_sys_getdents64(fd, buf, sizeof(buf)), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_atim.tv_sec, 1000);
	RETURNS(rump_sys_fcntl(fd, F_SETFL, 0), 0);
	RETURNS(rump_sys_getdents64(fd, buf, sizeof(buf)), 0);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_gt(st.st_atim.tv_sec, 1000);
	RETURNS(rump_sys_close(fd), 0);
	RETURNS(rump_sys_rmdir("/mnt/ld"), 0);
	RETURNS(rump_sys_umount("/mnt"), 0);
}
