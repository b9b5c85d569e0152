/*
 * sys_generic.c: I/O on descriptors: read, write, pread64, pwrite64,
 * readv, writev, preadv, pwritev, preadv2, pwritev2, lseek, fstat,
 * ftruncate.
 *
 * A transfer that uses the file offset holds the file's f_poslock from
 * reading the offset to storing the new one, so concurrent read()s and
 * readv()s on a shared file each get their own bytes (Linux's
 * FMODE_ATOMIC_POS).  Checks come in Linux's order.
 */
#include <linux/stat.h>

#include "fd.h"
#include "file.h"
#include "proc.h"
#include "syscall.h"
#include "../vfs/inotify.h"
#include "../vfs/vnode.h"

#define UIO_SMALLIOV 8 /* iovecs kept on the stack */

/* preadv2/pwritev2 flags (Linux 6.18's RWF_*). */
#define RWF_HIPRI_ 0x001
#define RWF_DSYNC_ 0x002
#define RWF_SYNC_ 0x004
#define RWF_NOWAIT_ 0x008
#define RWF_APPEND_ 0x010
#define RWF_NOAPPEND_ 0x020
#define RWF_ATOMIC_ 0x040
#define RWF_DONTCACHE_ 0x080
#define RWF_NOSIGNAL_ 0x100
#define RWF_SUPPORTED_ 0x1ff

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

/*
 * What a file of Linux's kind does with RWF_* flags (rwf_kind):
 * RWK_LOOP, it has no vectored I/O operation (read_iter/write_iter) and
 * takes no flag but RWF_HIPRI (directories, writes of /dev/full and of
 * eventfd); RWK_ITER, it takes them all but RWF_NOWAIT (regular files,
 * as Linux's tmpfs and FUSE: no FMODE_NOWAIT; terminals); RWK_NOWAIT,
 * RWF_NOWAIT too: pipes and FIFOs, sockets, the memory devices but
 * /dev/full, reads of the anonymous-inode files (eventfd, timerfd,
 * signalfd; inotify's, which Linux reads without vectors, too).
 */
enum rwf_kind { RWK_LOOP, RWK_ITER, RWK_NOWAIT };

static enum rwf_kind
rwf_kind(struct file *fp, enum uio_rw rw)
{
	struct stat st;
	unsigned rdev;

	if (fp->f_vnode != NULL && fp->f_vnode->v_type == VREG)
		return RWK_ITER; /* the common case, without a stat */
	if (fp->f_ops->fo_stat(fp, &st) != 0)
		return RWK_ITER;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		return RWK_LOOP;
	case S_IFIFO:
	case S_IFSOCK:
		return RWK_NOWAIT;
	case S_IFCHR:
		rdev = (unsigned)st.st_rdev;
		if (VMAJOR(rdev) != 1)
			return RWK_ITER;
		if (VMINOR(rdev) == 7) /* /dev/full: no FMODE_NOWAIT */
			return rw == UIO_WRITE ? RWK_LOOP : RWK_ITER;
		return RWK_NOWAIT;
	case 0:
		if (st.st_dev == ANON_INODE_DEV)
			return rw == UIO_READ ? RWK_NOWAIT : RWK_LOOP;
		return RWK_ITER;
	default:
		return RWK_ITER;
	}
}

/*
 * Linux's kiocb_set_rw_flags: the RWF_* flags `rwf' of a preadv2 or
 * pwritev2 on fp as ioflags (*iop has the file's).  Returns 0,
 * EOPNOTSUPP (an unknown flag; any flag but RWF_HIPRI on an RWK_LOOP
 * file; RWF_NOWAIT on a file that is not RWK_NOWAIT; RWF_ATOMIC, which
 * needs O_DIRECT on a block device; RWF_DONTCACHE, which no file system
 * here has) or EINVAL (RWF_APPEND with RWF_NOAPPEND).
 * RWF_HIPRI (polled direct I/O) changes nothing; RWF_DSYNC and RWF_SYNC
 * are rw_file's.
 */
static int
rwf_ioflags(struct file *fp, int rwf, enum uio_rw rw, int *iop)
{
	enum rwf_kind kind;

	if (rwf & ~RWF_SUPPORTED_)
		return EOPNOTSUPP;
	if (rwf == RWF_HIPRI_)
		return 0;
	if ((kind = rwf_kind(fp, rw)) == RWK_LOOP)
		return EOPNOTSUPP;
	if ((rwf & RWF_APPEND_) && (rwf & RWF_NOAPPEND_))
		return EINVAL;
	if ((rwf & RWF_NOWAIT_) && kind != RWK_NOWAIT)
		return EOPNOTSUPP;
	if (rwf & (RWF_ATOMIC_ | RWF_DONTCACHE_))
		return EOPNOTSUPP;
	if (rwf & RWF_NOWAIT_)
		*iop |= IO_NONBLOCK;
	if (rwf & RWF_NOSIGNAL_)
		*iop |= IO_NOSIGNAL;
	if (rw == UIO_WRITE && (rwf & RWF_APPEND_))
		*iop |= IO_APPEND;
	if (rwf & RWF_NOAPPEND_)
		*iop &= ~IO_APPEND;
	return 0;
}

/* RWF_DSYNC, RWF_SYNC: a write that moved data is written through to
 * the file's backing store (hostfs: the host's disk) before the call
 * returns, as O_DSYNC/O_SYNC would. */
static void
rwf_sync(struct file *fp, int rwf)
{
	struct vnode *vp = fp->f_vnode;

	if (vp != NULL && vp->v_type == VREG && vp->v_op->vop_fsync != NULL)
		(void)vp->v_op->vop_fsync(vp, !(rwf & RWF_SYNC_));
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
 * Move the uio at *pos, or at the file offset when pos is NULL, with
 * preadv2/pwritev2's RWF_* flags `rwf' (0 for the others).  Returns the
 * byte count, or -errno when nothing moved.
 */
static long
rw_file(struct file *fp, struct uio *uio, const off_t *pos, enum uio_rw rw,
	int rwf)
{
	const struct fileops *ops = fp->f_ops;
	bool seekable = file_positioned(fp), locked = false;
	size_t resid;
	off_t off = 0;
	int error, ioflags;

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
	ioflags = file_ioflags(fp, rw);
	if (__predict_false(rwf != 0) &&
	    (error = rwf_ioflags(fp, rwf, rw, &ioflags)) != 0)
		goto out;
	uio->uio_resid = MIN(uio->uio_resid, MAX_RW_COUNT);
	resid = uio->uio_resid;
	if (rw == UIO_READ)
		error = ops->fo_read(fp, &off, uio, ioflags);
	else
		error = ops->fo_write(fp, &off, uio, ioflags);
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
	if (__predict_false(rwf & (RWF_DSYNC_ | RWF_SYNC_)) &&
	    rw == UIO_WRITE && resid != uio->uio_resid)
		rwf_sync(fp, rwf);
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
		rv = rw_file(fp, &uio, pos, rw, 0);
	}
	file_release(fp);
	return rv;
}

/* readv, writev, preadv, pwritev, preadv2, pwritev2: a user iovec
 * array.  Nothing to move is 0 before the file is asked (Linux's
 * vfs_readv/vfs_writev), unlike read(2) and write(2). */
static long
rw_vec(struct lwp *l, int fd, const struct iovec *uiov, int iovcnt,
       const off_t *pos, enum uio_rw rw, int rwf)
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
	} else if (total == 0) {
		rv = 0;
	} else {
		uio.uio_iov = iov;
		uio.uio_iovcnt = iovcnt;
		uio.uio_resid = total;
		uio.uio_rw = rw;
		uio.uio_segflg = UIO_USERSPACE;
		rv = rw_file(fp, &uio, pos, rw, rwf);
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
	return rw_vec(l, fd, iov, iovcnt, NULL, UIO_READ, 0);
}

long
sys_writev(struct lwp *l, int fd, const struct iovec *iov, int iovcnt)
{
	return rw_vec(l, fd, iov, iovcnt, NULL, UIO_WRITE, 0);
}

/*
 * preadv, pwritev and the *v2 calls at offset pos_l: on 64-bit the whole
 * offset is in pos_l (Linux's pos_from_hilo).  With `cur' (the *v2
 * calls) -1 is the file offset, which moves, as readv and writev.
 */
static long
rw_vec_at(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	  unsigned long pos_l, bool cur, enum uio_rw rw, int flags)
{
	off_t pos = (off_t)pos_l;

	if (cur && pos == -1)
		return rw_vec(l, fd, iov, iovcnt, NULL, rw, flags);
	if (pos < 0)
		return -EINVAL;
	return rw_vec(l, fd, iov, iovcnt, &pos, rw, flags);
}

long
sys_preadv(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	   unsigned long pos_l, unsigned long pos_h)
{
	return rw_vec_at(l, fd, iov, iovcnt, pos_l, false, UIO_READ, 0);
}

long
sys_pwritev(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	    unsigned long pos_l, unsigned long pos_h)
{
	return rw_vec_at(l, fd, iov, iovcnt, pos_l, false, UIO_WRITE, 0);
}

long
sys_preadv2(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	    unsigned long pos_l, unsigned long pos_h, int flags)
{
	return rw_vec_at(l, fd, iov, iovcnt, pos_l, true, UIO_READ, flags);
}

long
sys_pwritev2(struct lwp *l, int fd, const struct iovec *iov, int iovcnt,
	     unsigned long pos_l, unsigned long pos_h, int flags)
{
	return rw_vec_at(l, fd, iov, iovcnt, pos_l, true, UIO_WRITE, flags);
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
