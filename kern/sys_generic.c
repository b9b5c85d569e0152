/*
 * sys_generic.c: I/O on descriptors: read, write, pread64, pwrite64,
 * readv, writev, preadv, pwritev, lseek, fstat, ftruncate.
 *
 * A transfer that uses the file offset holds the file's f_poslock from
 * reading the offset to storing the new one, so concurrent read()s and
 * readv()s on a shared file each get their own bytes (Linux's
 * FMODE_ATOMIC_POS).  Checks come in Linux's order.
 */
#include "fd.h"
#include "file.h"
#include "proc.h"
#include "syscall.h"
#include "../vfs/inotify.h"

#define UIO_SMALLIOV 8 /* iovecs kept on the stack */

static int
file_ioflags(struct file *fp, enum uio_rw rw)
{
	unsigned flag = file_flag(fp);
	int ioflags = 0;

	if ((flag & O_APPEND) && rw == UIO_WRITE)
		ioflags |= IO_APPEND;
	if (flag & O_NONBLOCK)
		ioflags |= IO_NONBLOCK;
	if (flag & O_NOATIME)
		ioflags |= IO_NOATIME;
	return ioflags;
}

/*
 * The file of descriptor fd for I/O, or NULL (EBADF).  As Linux's
 * fdget(), it does not see an O_PATH descriptor: that one names a file
 * and does no I/O, so it fails before any other check (ESPIPE, EINVAL).
 */
static struct file *
io_getfile(struct lwp *l, int fd)
{
	struct file *fp = fd_getfile(l->l_proc, fd);

	if (fp != NULL && (file_flag(fp) & O_PATH)) {
		file_release(fp);
		return NULL;
	}
	return fp;
}

/* The position checks of Linux's rw_verify_area (before the cap). */
static int
verify_area(off_t pos, const struct uio *uio)
{
	off_t end;

	if (pos < 0 || __builtin_add_overflow(pos, (off_t)uio->uio_resid, &end))
		return EINVAL;
	return 0;
}

/*
 * Move the uio at *pos, or at the file offset when pos is NULL.  Returns
 * the byte count, or -errno when nothing moved.
 */
static long
rw_file(struct file *fp, struct uio *uio, const off_t *pos, enum uio_rw rw)
{
	const struct fileops *ops = fp->f_ops;
	bool seekable = file_positioned(fp), locked = false;
	size_t resid;
	off_t off = 0;
	int error;

	/* Even a zero-length transfer goes to the file, as in Linux: a
	 * socket without its peer, eventfd and /dev/full refuse it. */
	if (pos != NULL) {
		off = *pos;
	} else if (seekable) {
		mutex_enter(&fp->f_poslock);
		locked = true;
		off = fp->f_offset;
	}
	if (seekable && (error = verify_area(off, uio)) != 0)
		goto out;
	uio->uio_resid = MIN(uio->uio_resid, MAX_RW_COUNT);
	resid = uio->uio_resid;
	if (rw == UIO_READ)
		error = ops->fo_read(fp, &off, uio, file_ioflags(fp, rw));
	else
		error = ops->fo_write(fp, &off, uio, file_ioflags(fp, rw));
	if (resid != uio->uio_resid)
		error = 0; /* a short transfer is a success */
	/* The offset moves only on success, as Linux's ksys_write: an
	 * O_APPEND write that fails leaves it where it was, not at the
	 * end. */
	if (locked && error == 0)
		fp->f_offset = off;
out:
	if (locked)
		mutex_exit(&fp->f_poslock);
	if (error != 0)
		return -error;
	/* inotify: a transfer that moved data (FIFOs report none, as
	 * Linux 6.18's do not). */
	if (fp->f_vnode != NULL &&
	    __predict_false(inotify_watched(fp->f_vnode)) &&
	    resid != uio->uio_resid && fp->f_vnode->v_type != VFIFO)
		inotify_file(fp, rw == UIO_READ ? IN_ACCESS : IN_MODIFY);
	return (long)(resid - uio->uio_resid);
}

static bool
rw_allowed(struct file *fp, enum uio_rw rw)
{
	return rw == UIO_READ ? file_readable(fp) : file_writable(fp);
}

/* read, write, pread64, pwrite64: one user buffer. */
static long
rw_one(struct lwp *l, int fd, void *buf, size_t count, const off_t *pos,
       enum uio_rw rw)
{
	struct iovec iov;
	struct uio uio;
	struct file *fp;
	long rv;

	if ((fp = io_getfile(l, fd)) == NULL)
		return -EBADF;
	if (pos != NULL && !file_positioned(fp)) {
		rv = -ESPIPE;
	} else if (!rw_allowed(fp, rw)) {
		rv = -EBADF;
	} else if (!user_range_ok(buf, count)) {
		rv = -EFAULT;
	} else {
		uio_kinit(&uio, &iov, buf, count, rw);
		uio.uio_segflg = UIO_USERSPACE;
		rv = rw_file(fp, &uio, pos, rw);
	}
	file_release(fp);
	return rv;
}

/* readv, writev, preadv, pwritev: a user iovec array. */
static long
rw_vec(struct lwp *l, int fd, const struct iovec *uiov, int iovcnt,
       const off_t *pos, enum uio_rw rw)
{
	struct iovec stack[UIO_SMALLIOV], *iov;
	struct uio uio;
	struct file *fp;
	size_t total;
	long rv;
	int error;

	if ((fp = io_getfile(l, fd)) == NULL)
		return -EBADF;
	if (pos != NULL && !file_positioned(fp)) {
		file_release(fp);
		return -ESPIPE;
	}
	error = uio_import(uiov, iovcnt, stack, UIO_SMALLIOV, &iov, &total);
	if (error != 0) {
		file_release(fp);
		return -error;
	}
	if (!rw_allowed(fp, rw)) {
		rv = -EBADF;
	} else {
		uio.uio_iov = iov;
		uio.uio_iovcnt = iovcnt;
		uio.uio_resid = total;
		uio.uio_rw = rw;
		uio.uio_segflg = UIO_USERSPACE;
		rv = rw_file(fp, &uio, pos, rw);
	}
	uio_import_done(iov, iovcnt, stack);
	file_release(fp);
	return rv;
}

long
sys_read(struct lwp *l, int fd, void *buf, size_t count)
{
	return rw_one(l, fd, buf, count, NULL, UIO_READ);
}

long
sys_write(struct lwp *l, int fd, const void *buf, size_t count)
{
	/* UIO_WRITE only reads from buf. */
	return rw_one(l, fd, (void *)buf, count, NULL, UIO_WRITE);
}

long
sys_pread64(struct lwp *l, int fd, void *buf, size_t count, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return rw_one(l, fd, buf, count, &offset, UIO_READ);
}

long
sys_pwrite64(struct lwp *l, int fd, const void *buf, size_t count, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return rw_one(l, fd, (void *)buf, count, &offset, UIO_WRITE);
}

long
sys_readv(struct lwp *l, int fd, const struct iovec *iov, int iovcnt)
{
	return rw_vec(l, fd, iov, iovcnt, NULL, UIO_READ);
}

long
sys_writev(struct lwp *l, int fd, const struct iovec *iov, int iovcnt)
{
	return rw_vec(l, fd, iov, iovcnt, NULL, UIO_WRITE);
}

/* On 64-bit the whole offset is in pos_l (Linux's pos_from_hilo). */
long
sys_preadv(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	   unsigned long pos_l, unsigned long pos_h)
{
	off_t pos = (off_t)pos_l;

	if (pos < 0)
		return -EINVAL;
	return rw_vec(l, fd, iov, iovcnt, &pos, UIO_READ);
}

long
sys_pwritev(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	    unsigned long pos_l, unsigned long pos_h)
{
	off_t pos = (off_t)pos_l;

	if (pos < 0)
		return -EINVAL;
	return rw_vec(l, fd, iov, iovcnt, &pos, UIO_WRITE);
}

long
sys_lseek(struct lwp *l, int fd, off_t offset, int whence)
{
	struct file *fp;
	off_t off = 0;
	int error;

	if ((fp = io_getfile(l, fd)) == NULL)
		return -EBADF;
	if ((unsigned)whence > SEEK_MAX) {
		error = EINVAL;
	} else if (fp->f_ops->fo_seek == NULL) {
		error = ESPIPE;
	} else {
		mutex_enter(&fp->f_poslock);
		off = fp->f_offset;
		error = fp->f_ops->fo_seek(fp, &off, offset, whence);
		if (error == 0)
			fp->f_offset = off;
		mutex_exit(&fp->f_poslock);
	}
	file_release(fp);
	return error != 0 ? -error : off;
}

long
sys_fstat(struct lwp *l, int fd, struct stat *statbuf)
{
	struct file *fp;
	struct stat st;
	int error;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	error = fp->f_ops->fo_stat(fp, &st);
	file_release(fp);
	if (error == 0)
		error = copyout(&st, statbuf, sizeof(st));
	return -error;
}

long
sys_ftruncate(struct lwp *l, int fd, off_t length)
{
	struct file *fp;
	int error;

	if (length < 0)
		return -EINVAL;
	if ((fp = io_getfile(l, fd)) == NULL)
		return -EBADF;
	/* Linux: EINVAL, not EBADF, for a file not open for writing. */
	if (!file_writable(fp) || fp->f_ops->fo_truncate == NULL)
		error = EINVAL;
	else
		error = fp->f_ops->fo_truncate(fp, length);
	file_release(fp);
	return -error;
}
