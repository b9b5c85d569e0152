/*
 * hyper_hostfs.c: the host directory-tree hypercalls (rumpuser_fs_*):
 * each call's good path on a scratch host directory and the host errors
 * passed through unchanged.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rumpuser.h>
#include "host_dir.h"

static char dir[] = "/tmp/hyper_hostfs.XXXXXX";
static int dfd = -1;

static void
boot(void)
{
	struct rumpuser_hyperup hyp;

	memset(&hyp, 0, sizeof(hyp));
	cr_assert_eq(rumpuser_init(RUMPUSER_VERSION, &hyp), 0);
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(rumpuser_fs_openat(RUMPUSER_FS_CWD, dir,
					O_PATH | O_DIRECTORY, 0, &dfd),
		     0);
}

static void
cleanup(void)
{
	cr_assert_eq(host_rmtree(dir), 0);
}

TestSuite(hyper_hostfs, .init = boot, .fini = cleanup);

Test(hyper_hostfs, create_write_stat_read)
{
	struct rumpuser_iovec iov;
	struct rumpuser_stat st;
	char buf[16] = "hello";
	size_t n;
	int fd, fd2;

	cr_assert_eq(rumpuser_fs_openat(dfd, "f", O_CREAT | O_EXCL | O_RDWR,
					0640, &fd),
		     0);
	cr_assert_eq(rumpuser_fs_openat(dfd, "f", O_CREAT | O_EXCL | O_RDWR,
					0640, &fd2),
		     EEXIST);
	iov = (struct rumpuser_iovec){ buf, 5 };
	cr_assert_eq(rumpuser_iovwrite(fd, &iov, 1, 0, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "f", AT_SYMLINK_NOFOLLOW, &st),
		     0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_size, 5);
	cr_assert_eq(st.st_nlink, 1);
	cr_assert_gt(st.st_mtime_ns, 0);
	cr_assert_eq(rumpuser_fs_fstatat(fd, "", AT_EMPTY_PATH, &st), 0);
	cr_assert_eq(st.st_size, 5);
	/* A path handle reopened for reading sees the data. */
	int pfd;
	cr_assert_eq(rumpuser_fs_openat(dfd, "f", O_PATH | O_NOFOLLOW, 0, &pfd),
		     0);
	cr_assert_eq(rumpuser_fs_reopen(pfd, O_RDONLY, &fd2), 0);
	memset(buf, 0, sizeof(buf));
	iov = (struct rumpuser_iovec){ buf, sizeof(buf) };
	cr_assert_eq(rumpuser_iovread(fd2, &iov, 1, 0, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(buf, "hello");
	cr_assert_eq(rumpuser_fs_ftruncate(fd, 2), 0);
	cr_assert_eq(rumpuser_fs_fstatat(pfd, "", AT_EMPTY_PATH, &st), 0);
	cr_assert_eq(st.st_size, 2);
	cr_assert_eq(rumpuser_fs_fallocate(fd, 0, 0, 8192), 0);
	cr_assert_eq(rumpuser_fs_fstatat(pfd, "", AT_EMPTY_PATH, &st), 0);
	cr_assert_eq(st.st_size, 8192);
	int64_t pos;
	cr_assert_eq(rumpuser_fs_seek(fd, 0, SEEK_END, &pos), 0);
	cr_assert_eq(pos, 8192);
	cr_assert_eq(rumpuser_fs_seek(fd, -1, SEEK_SET, &pos), EINVAL);
	cr_assert_eq(rumpuser_fs_close(fd2), 0);
	cr_assert_eq(rumpuser_fs_close(pfd), 0);
	cr_assert_eq(rumpuser_fs_close(fd), 0);
	cr_assert_eq(rumpuser_fs_openat(dfd, "missing", O_RDONLY, 0, &fd),
		     ENOENT);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "missing", 0, &st), ENOENT);
}

Test(hyper_hostfs, attributes)
{
	struct rumpuser_stat st;
	int fd;

	cr_assert_eq(
		rumpuser_fs_openat(dfd, "a", O_CREAT | O_WRONLY, 0600, &fd), 0);
	cr_assert_eq(rumpuser_fs_fchmodat(dfd, "a", 0751, 0), 0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "a", 0, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0751);
	cr_assert_eq(rumpuser_fs_fchmodat(fd, "", 0604, AT_EMPTY_PATH), 0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "a", 0, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0604);
	cr_assert_eq(rumpuser_fs_utimensat(dfd, "a", 1000000000123LL,
					   -1500000000LL, 0),
		     0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "a", 0, &st), 0);
	cr_assert_eq(st.st_atime_ns, 1000000000123LL);
	cr_assert_eq(st.st_mtime_ns, -1500000000LL, "before the epoch");
	cr_assert_eq(rumpuser_fs_utimensat(fd, "", RUMPUSER_FS_UTIME_OMIT,
					   RUMPUSER_FS_UTIME_NOW,
					   AT_EMPTY_PATH),
		     0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "a", 0, &st), 0);
	cr_assert_eq(st.st_atime_ns, 1000000000123LL);
	cr_assert_gt(st.st_mtime_ns, 1500000000LL * 1000000000LL);
	/* Keeping both ids is always allowed. */
	cr_assert_eq(rumpuser_fs_fchownat(dfd, "a", -1, -1, 0), 0);
	cr_assert_eq(rumpuser_fs_fchmodat(dfd, "nope", 0600, 0), ENOENT);
	struct rumpuser_statfs sf;
	cr_assert_eq(rumpuser_fs_fstatfs(dfd, &sf), 0);
	cr_assert_gt(sf.f_bsize, 0);
	cr_assert_eq(rumpuser_fs_close(fd), 0);
}

Test(hyper_hostfs, names)
{
	struct rumpuser_stat st;
	char buf[64];
	size_t len;
	int fd;

	cr_assert_eq(rumpuser_fs_mkdirat(dfd, "d", 0755), 0);
	cr_assert_eq(rumpuser_fs_mkdirat(dfd, "d", 0755), EEXIST);
	cr_assert_eq(rumpuser_fs_mknodat(dfd, "d/fifo", S_IFIFO | 0600, 0), 0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "d/fifo", 0, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(rumpuser_fs_symlinkat("d/fifo", dfd, "ln"), 0);
	cr_assert_eq(rumpuser_fs_readlinkat(dfd, "ln", buf, sizeof(buf), &len),
		     0);
	cr_assert_eq(len, 6);
	cr_assert(memcmp(buf, "d/fifo", 6) == 0);
	cr_assert_eq(rumpuser_fs_readlinkat(dfd, "d", buf, sizeof(buf), &len),
		     EINVAL);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "ln", AT_SYMLINK_NOFOLLOW, &st),
		     0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_eq(rumpuser_fs_linkat(dfd, "d/fifo", dfd, "hard", 0), 0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "hard", 0, &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	cr_assert_eq(rumpuser_fs_renameat(dfd, "hard", dfd, "d/fifo",
					  RENAME_NOREPLACE),
		     EEXIST);
	cr_assert_eq(rumpuser_fs_renameat(dfd, "hard", dfd, "moved", 0), 0);
	cr_assert_eq(
		rumpuser_fs_renameat(dfd, "ln", dfd, "moved", RENAME_EXCHANGE),
		0);
	cr_assert_eq(rumpuser_fs_fstatat(dfd, "ln", AT_SYMLINK_NOFOLLOW, &st),
		     0);
	cr_assert(S_ISFIFO(st.st_mode), "exchanged");
	cr_assert_eq(rumpuser_fs_unlinkat(dfd, "d", 0), EISDIR);
	cr_assert_eq(rumpuser_fs_unlinkat(dfd, "d", AT_REMOVEDIR), ENOTEMPTY);
	cr_assert_eq(rumpuser_fs_unlinkat(dfd, "d/fifo", 0), 0);
	cr_assert_eq(rumpuser_fs_unlinkat(dfd, "d", AT_REMOVEDIR), 0);
	cr_assert_eq(rumpuser_fs_unlinkat(dfd, "d", AT_REMOVEDIR), ENOENT);
	/* Listing: every name once, with its type. */
	cr_assert_eq(
		rumpuser_fs_openat(dfd, ".", O_RDONLY | O_DIRECTORY, 0, &fd),
		0);
	char dents[4096];
	size_t n, off;
	int seen = 0;
	cr_assert_eq(rumpuser_fs_getdents(fd, dents, sizeof(dents), &n), 0);
	cr_assert_gt(n, 0);
	for (off = 0; off < n;) {
		struct dirent64 *d = (struct dirent64 *)(dents + off);
		if (strcmp(d->d_name, "ln") == 0) {
			cr_assert_eq(d->d_type, DT_FIFO);
			seen |= 1;
		} else if (strcmp(d->d_name, "moved") == 0) {
			cr_assert_eq(d->d_type, DT_LNK);
			seen |= 2;
		}
		off += d->d_reclen;
	}
	cr_assert_eq(seen, 3);
	cr_assert_eq(rumpuser_fs_getdents(fd, dents, sizeof(dents), &n), 0);
	cr_assert_eq(n, 0, "the end");
	int64_t pos;
	cr_assert_eq(rumpuser_fs_seek(fd, 0, SEEK_SET, &pos), 0);
	cr_assert_eq(rumpuser_fs_getdents(fd, dents, 8, &n), EINVAL);
	cr_assert_eq(rumpuser_fs_close(fd), 0);
	cr_assert_eq(rumpuser_fs_getdents(-1, dents, sizeof(dents), &n), EBADF);
	cr_assert_eq(rumpuser_fs_close(-1), EBADF);
}

/* Extended attributes through path handles, a symlink's its own. */
Test(hyper_hostfs, xattrs)
{
	char buf[64];
	size_t n;
	int fd, lfd;

	cr_assert_eq(
		rumpuser_fs_openat(dfd, "x", O_CREAT | O_WRONLY, 0644, &fd), 0);
	rumpuser_fs_close(fd);
	cr_assert_eq(rumpuser_fs_symlinkat("x", dfd, "lx"), 0);
	cr_assert_eq(rumpuser_fs_openat(dfd, "x", O_PATH, 0, &fd), 0);
	cr_assert_eq(
		rumpuser_fs_openat(dfd, "lx", O_PATH | O_NOFOLLOW, 0, &lfd), 0);
	cr_assert_eq(rumpuser_fs_setxattr(fd, "user.a", "va", 2,
					  RUMPUSER_FS_XATTR_REPLACE),
		     ENODATA);
	cr_assert_eq(rumpuser_fs_setxattr(fd, "user.a", "va", 2,
					  RUMPUSER_FS_XATTR_CREATE),
		     0);
	cr_assert_eq(rumpuser_fs_setxattr(fd, "user.a", "vb", 2,
					  RUMPUSER_FS_XATTR_CREATE),
		     EEXIST);
	cr_assert_eq(rumpuser_fs_getxattr(fd, "user.a", NULL, 0, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(rumpuser_fs_getxattr(fd, "user.a", buf, 1, &n), ERANGE);
	cr_assert_eq(rumpuser_fs_getxattr(fd, "user.a", buf, sizeof(buf), &n),
		     0);
	cr_assert_eq(memcmp(buf, "va", 2), 0);
	cr_assert_eq(rumpuser_fs_listxattr(fd, buf, sizeof(buf), &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_str_eq(buf, "user.a");
	/* The link's handle reaches the link: user.* is refused there. */
	cr_assert_eq(rumpuser_fs_setxattr(lfd, "user.a", "l", 1, 0), EPERM);
	cr_assert_eq(rumpuser_fs_setxattr(lfd, "trusted.l", "l", 1, 0), 0);
	cr_assert_eq(
		rumpuser_fs_getxattr(fd, "trusted.l", buf, sizeof(buf), &n),
		ENODATA);
	cr_assert_eq(rumpuser_fs_removexattr(lfd, "trusted.l"), 0);
	cr_assert_eq(rumpuser_fs_removexattr(fd, "user.a"), 0);
	cr_assert_eq(rumpuser_fs_removexattr(fd, "user.a"), ENODATA);
	cr_assert_eq(rumpuser_fs_getxattr(fd, "bogus.a", buf, sizeof(buf), &n),
		     EOPNOTSUPP);
	rumpuser_fs_close(fd);
	rumpuser_fs_close(lfd);
}
