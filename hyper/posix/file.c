/*
 * file.c: host files for the kernel: open, close, size and type,
 * vectored I/O and syncing.  Block I/O is in bio.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* Our iovec is the host's, so vectors pass through unconverted. */
_Static_assert(sizeof(struct rumpuser_iovec) == sizeof(struct iovec) &&
		       offsetof(struct rumpuser_iovec, iov_base) ==
			       offsetof(struct iovec, iov_base) &&
		       offsetof(struct rumpuser_iovec, iov_len) ==
			       offsetof(struct iovec, iov_len),
	       "rumpuser_iovec matches struct iovec");

#define OPEN_KNOWN                                                             \
	(RUMPUSER_OPEN_ACCMODE | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL |   \
	 RUMPUSER_OPEN_BIO)

/* RUMPUSER_OPEN_* to O_*, or -1 for a mode we do not know. */
static int
open_flags(int mode)
{
	static const int acc[] = { O_RDONLY, O_WRONLY, O_RDWR };
	/* Host descriptors must not leak into programs the kernel runs. */
	int flags = O_CLOEXEC;

	if ((mode & ~OPEN_KNOWN) != 0 ||
	    (mode & RUMPUSER_OPEN_ACCMODE) == RUMPUSER_OPEN_ACCMODE)
		return -1;
	flags |= acc[mode & RUMPUSER_OPEN_ACCMODE];
	if (mode & RUMPUSER_OPEN_CREATE)
		flags |= O_CREAT;
	if (mode & RUMPUSER_OPEN_EXCL)
		flags |= O_EXCL;
	/* BIO is advisory: the page cache is fine for block images. */
	return flags;
}

RUMPUSER_API int
rumpuser_open(const char *name, int mode, int *fdp)
{
	int flags = open_flags(mode), nlocks, fd, error = 0;

	if (flags == -1)
		return EINVAL;
	rumpuser__unschedule(&nlocks, NULL);
	if ((fd = open(name, flags, 0644)) == -1)
		error = errno;
	rumpuser__schedule(nlocks, NULL);
	if (error == 0)
		*fdp = fd;
	return error;
}

RUMPUSER_API int
rumpuser_close(int fd)
{
	int nlocks;

	/* What the kernel wrote must survive it; errors are of no use. */
	rumpuser__unschedule(&nlocks, NULL);
	fsync(fd);
	close(fd);
	rumpuser__schedule(nlocks, NULL);
	return 0;
}

/* A device's size: its end, as seen through an open descriptor. */
static int
device_size(const char *name, uint64_t *size)
{
	off_t end;
	int fd, error = 0;

	if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if ((end = lseek(fd, 0, SEEK_END)) == -1)
		error = errno;
	else if (end == 0)
		error = EOPNOTSUPP; /* no size to tell: not a disk */
	else
		*size = (uint64_t)end;
	close(fd);
	return error;
}

static int
file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return RUMPUSER_FT_DIR;
	if (S_ISREG(mode))
		return RUMPUSER_FT_REG;
	if (S_ISBLK(mode))
		return RUMPUSER_FT_BLK;
	if (S_ISCHR(mode))
		return RUMPUSER_FT_CHR;
	return RUMPUSER_FT_OTHER;
}

/*
 * Devices are opened for their size only when the size is asked for,
 * so that a type query works on a device we may not open.
 */
RUMPUSER_API int
rumpuser_getfileinfo(const char *name, uint64_t *size, int *type)
{
	struct stat st;
	int error;

	if (stat(name, &st) == -1)
		return errno;
	if (size != NULL) {
		if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) {
			if ((error = device_size(name, size)) != 0)
				return error;
		} else {
			*size = (uint64_t)st.st_size;
		}
	}
	if (type != NULL)
		*type = file_type(st.st_mode);
	return 0;
}

/* Checks shared by read and write; 0 or EINVAL. */
static int
iov_check(size_t iovlen, int64_t off)
{
	if (iovlen > INT_MAX || off < RUMPUSER_IOV_NOSEEK)
		return EINVAL;
	return 0;
}

RUMPUSER_API int
rumpuser_iovread(int fd, struct rumpuser_iovec *iov, size_t iovlen, int64_t off,
		 size_t *retv)
{
	const struct iovec *hiov = (const struct iovec *)iov;
	int nlocks, error;
	ssize_t n;

	if ((error = iov_check(iovlen, off)) != 0)
		return error;
	rumpuser__unschedule(&nlocks, NULL);
	/* One segment: the plain calls, which the host serves faster than
	 * their vectored forms (no iovec array to import). */
	if (iovlen == 1)
		n = off == RUMPUSER_IOV_NOSEEK
			    ? read(fd, hiov->iov_base, hiov->iov_len)
			    : pread(fd, hiov->iov_base, hiov->iov_len, off);
	else if (off == RUMPUSER_IOV_NOSEEK)
		n = readv(fd, hiov, (int)iovlen);
	else
		n = preadv(fd, hiov, (int)iovlen, off);
	error = n == -1 ? errno : 0;
	rumpuser__schedule(nlocks, NULL);
	if (error == 0)
		*retv = (size_t)n;
	return error;
}

RUMPUSER_API int
rumpuser_iovwrite(int fd, const struct rumpuser_iovec *iov, size_t iovlen,
		  int64_t off, size_t *retv)
{
	const struct iovec *hiov = (const struct iovec *)iov;
	int nlocks, error;
	ssize_t n;

	if ((error = iov_check(iovlen, off)) != 0)
		return error;
	rumpuser__unschedule(&nlocks, NULL);
	if (iovlen == 1)
		n = off == RUMPUSER_IOV_NOSEEK
			    ? write(fd, hiov->iov_base, hiov->iov_len)
			    : pwrite(fd, hiov->iov_base, hiov->iov_len, off);
	else if (off == RUMPUSER_IOV_NOSEEK)
		n = writev(fd, hiov, (int)iovlen);
	else
		n = pwritev(fd, hiov, (int)iovlen, off);
	error = n == -1 ? errno : 0;
	rumpuser__schedule(nlocks, NULL);
	if (error == 0)
		*retv = (size_t)n;
	return error;
}

/*
 * READ needs nothing here: host reads always see everyone's writes.
 * WRITE flushes file data (fdatasync); SYNC asks for durability of the
 * metadata too (fsync).  BARRIER is implied by either: both wait for
 * all earlier writes.  The range is not used: Linux has no durable
 * ranged sync (sync_file_range does not flush the disk's cache).
 */
RUMPUSER_API int
rumpuser_syncfd(int fd, int flags, uint64_t start, uint64_t len)
{
	const int known = RUMPUSER_SYNCFD_BOTH | RUMPUSER_SYNCFD_BARRIER |
			  RUMPUSER_SYNCFD_SYNC;
	int rv;

	(void)start, (void)len;
	if ((flags & ~known) != 0 || (flags & RUMPUSER_SYNCFD_BOTH) == 0)
		return EINVAL;
	if (!(flags & RUMPUSER_SYNCFD_WRITE)) {
		/* Still a descriptor check, as a sync of it would be. */
		return fcntl(fd, F_GETFD) == -1 ? errno : 0;
	}
	rv = flags & RUMPUSER_SYNCFD_SYNC ? fsync(fd) : fdatasync(fd);
	return rv == -1 ? errno : 0;
}
