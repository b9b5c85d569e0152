/*
 * hostfs.c: host directory trees for the kernel's hostfs and etfs
 * (rumpuser.h, "Host directory trees").  Thin *at wrappers: the numbers
 * are Linux's on both sides, so flags and errors pass through.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* Run a host call that may block with the virtual CPU given back. */
#define HOSTCALL(expr)                                                         \
	({                                                                     \
		int nlocks_, err_ = 0;                                         \
		rumpuser__unschedule(&nlocks_, NULL);                          \
		if ((expr) == -1)                                              \
			err_ = errno;                                          \
		rumpuser__schedule(nlocks_, NULL);                             \
		err_;                                                          \
	})

_Static_assert(RUMPUSER_FS_CWD == AT_FDCWD, "the host's AT_FDCWD");

RUMPUSER_API int
rumpuser_fs_openat(int dirfd, const char *name, int flags, int mode, int *fdp)
{
	int fd = -1, error;

	error = HOSTCALL(
		fd = openat(dirfd, name, flags | O_CLOEXEC, (mode_t)mode));
	if (error == 0)
		*fdp = fd;
	return error;
}

RUMPUSER_API int
rumpuser_fs_reopen(int fd, int flags, int *fdp)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* Reopening must not follow into a different file: the magic link
	 * names the open file itself. */
	return rumpuser_fs_openat(AT_FDCWD, path, flags & ~(O_CREAT | O_EXCL),
				  0, fdp);
}

RUMPUSER_API int
rumpuser_fs_close(int fd)
{
	return close(fd) == -1 && errno != EINTR ? errno : 0;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

RUMPUSER_API int
rumpuser_fs_fstatat(int dirfd, const char *name, int flags,
		    struct rumpuser_stat *rs)
{
	struct stat st;
	int error;

	if ((error = HOSTCALL(fstatat(dirfd, name, &st, flags))) != 0)
		return error;
	rs->st_dev = st.st_dev;
	rs->st_ino = st.st_ino;
	rs->st_nlink = st.st_nlink;
	rs->st_rdev = st.st_rdev;
	rs->st_size = st.st_size;
	rs->st_blocks = st.st_blocks;
	rs->st_mode = st.st_mode;
	rs->st_uid = st.st_uid;
	rs->st_gid = st.st_gid;
	rs->st_blksize = (uint32_t)st.st_blksize;
	rs->st_atime_ns = ts_ns(&st.st_atim);
	rs->st_mtime_ns = ts_ns(&st.st_mtim);
	rs->st_ctime_ns = ts_ns(&st.st_ctim);
	return 0;
}

RUMPUSER_API int
rumpuser_fs_syncfs(int fd)
{
	return HOSTCALL(syncfs(fd));
}

RUMPUSER_API int
rumpuser_fs_fstatfs(int fd, struct rumpuser_statfs *rs)
{
	struct statfs sf;
	int error;

	if ((error = HOSTCALL(fstatfs(fd, &sf))) != 0)
		return error;
	rs->f_type = (uint64_t)sf.f_type;
	rs->f_bsize = (uint64_t)sf.f_bsize;
	rs->f_blocks = sf.f_blocks;
	rs->f_bfree = sf.f_bfree;
	rs->f_bavail = sf.f_bavail;
	rs->f_files = sf.f_files;
	rs->f_ffree = sf.f_ffree;
	rs->f_namelen = (uint64_t)sf.f_namelen;
	rs->f_frsize = (uint64_t)sf.f_frsize;
	return 0;
}

RUMPUSER_API int
rumpuser_fs_mkdirat(int dirfd, const char *name, int mode)
{
	return HOSTCALL(mkdirat(dirfd, name, (mode_t)mode));
}

RUMPUSER_API int
rumpuser_fs_mknodat(int dirfd, const char *name, int mode, uint64_t dev)
{
	return HOSTCALL(mknodat(dirfd, name, (mode_t)mode, (dev_t)dev));
}

RUMPUSER_API int
rumpuser_fs_symlinkat(const char *target, int dirfd, const char *name)
{
	return HOSTCALL(symlinkat(target, dirfd, name));
}

RUMPUSER_API int
rumpuser_fs_readlinkat(int dirfd, const char *name, char *buf, size_t size,
		       size_t *lenp)
{
	ssize_t n = -1;
	int error;

	error = HOSTCALL(n = readlinkat(dirfd, name, buf, size));
	if (error == 0)
		*lenp = (size_t)n;
	return error;
}

RUMPUSER_API int
rumpuser_fs_unlinkat(int dirfd, const char *name, int flags)
{
	return HOSTCALL(unlinkat(dirfd, name, flags));
}

RUMPUSER_API int
rumpuser_fs_renameat(int olddirfd, const char *oldname, int newdirfd,
		     const char *newname, unsigned flags)
{
	/* The raw call: older C libraries lack renameat2(). */
	return HOSTCALL(syscall(SYS_renameat2, olddirfd, oldname, newdirfd,
				newname, flags));
}

RUMPUSER_API int
rumpuser_fs_linkat(int olddirfd, const char *oldname, int newdirfd,
		   const char *newname, int flags)
{
	return HOSTCALL(linkat(olddirfd, oldname, newdirfd, newname, flags));
}

RUMPUSER_API int
rumpuser_fs_getdents(int fd, void *buf, size_t size, size_t *retp)
{
	long n = -1;
	int error;

	error = HOSTCALL(n = syscall(SYS_getdents64, fd, buf, size));
	if (error == 0)
		*retp = (size_t)n;
	return error;
}

RUMPUSER_API int
rumpuser_fs_seek(int fd, int64_t off, int whence, int64_t *resp)
{
	off_t r = -1;
	int error;

	error = HOSTCALL(r = lseek(fd, off, whence));
	if (error == 0)
		*resp = r;
	return error;
}

RUMPUSER_API int
rumpuser_fs_ftruncate(int fd, int64_t length)
{
	return HOSTCALL(ftruncate(fd, length));
}

RUMPUSER_API int
rumpuser_fs_fallocate(int fd, int mode, int64_t off, int64_t len)
{
	return HOSTCALL(fallocate(fd, mode, off, len));
}

RUMPUSER_API int
rumpuser_fs_fchmodat(int dirfd, const char *name, int mode, int flags)
{
	char path[32];

	/* fchmodat has no AT_EMPTY_PATH: go through the magic link (which
	 * also works for O_PATH handles). */
	if ((flags & AT_EMPTY_PATH) && name[0] == '\0') {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
		return HOSTCALL(chmod(path, (mode_t)mode));
	}
	return HOSTCALL(fchmodat(dirfd, name, (mode_t)mode,
				 flags & AT_SYMLINK_NOFOLLOW));
}

RUMPUSER_API int
rumpuser_fs_fchownat(int dirfd, const char *name, int64_t uid, int64_t gid,
		     int flags)
{
	return HOSTCALL(fchownat(dirfd, name, (uid_t)uid, (gid_t)gid, flags));
}

static struct timespec
ns_ts(int64_t ns)
{
	if (ns == RUMPUSER_FS_UTIME_NOW)
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	if (ns == RUMPUSER_FS_UTIME_OMIT)
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	int64_t sec = ns / 1000000000LL, nsec = ns % 1000000000LL;

	if (nsec < 0) { /* before the epoch: floor, as timespec wants */
		nsec += 1000000000LL;
		sec--;
	}
	return (struct timespec){ .tv_sec = sec, .tv_nsec = nsec };
}

RUMPUSER_API int
rumpuser_fs_utimensat(int dirfd, const char *name, int64_t atime_ns,
		      int64_t mtime_ns, int flags)
{
	struct timespec ts[2] = { ns_ts(atime_ns), ns_ts(mtime_ns) };
	char path[32];

	if ((flags & AT_EMPTY_PATH) && name[0] == '\0') {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
		return HOSTCALL(utimensat(AT_FDCWD, path, ts, 0));
	}
	return HOSTCALL(utimensat(dirfd, name, ts, flags));
}

/* The handle's magic link: the calls that follow it reach the open file
 * itself (a symlink included), where f*xattr refuses O_PATH handles. */
static void
fd_path(int fd, char path[static 32])
{
	snprintf(path, 32, "/proc/self/fd/%d", fd);
}

_Static_assert(RUMPUSER_FS_XATTR_CREATE == XATTR_CREATE, "XATTR_CREATE");
_Static_assert(RUMPUSER_FS_XATTR_REPLACE == XATTR_REPLACE, "XATTR_REPLACE");

RUMPUSER_API int
rumpuser_fs_getxattr(int fd, const char *name, void *buf, size_t size,
		     size_t *lenp)
{
	char path[32];
	ssize_t n = -1;
	int error;

	fd_path(fd, path);
	error = HOSTCALL(n = getxattr(path, name, buf, size));
	if (error == 0)
		*lenp = (size_t)n;
	return error;
}

RUMPUSER_API int
rumpuser_fs_setxattr(int fd, const char *name, const void *buf, size_t size,
		     int flags)
{
	char path[32];

	fd_path(fd, path);
	return HOSTCALL(setxattr(path, name, buf, size, flags));
}

RUMPUSER_API int
rumpuser_fs_listxattr(int fd, char *buf, size_t size, size_t *lenp)
{
	char path[32];
	ssize_t n = -1;
	int error;

	fd_path(fd, path);
	error = HOSTCALL(n = listxattr(path, buf, size));
	if (error == 0)
		*lenp = (size_t)n;
	return error;
}

RUMPUSER_API int
rumpuser_fs_removexattr(int fd, const char *name)
{
	char path[32];

	fd_path(fd, path);
	return HOSTCALL(removexattr(path, name));
}
