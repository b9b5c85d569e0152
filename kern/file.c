/* file.c: open file objects, uio transfers, generic lseek (file.h). */
#include "cred.h"
#include "file.h"
#include "ktime.h"
#include "sigio.h"
#include "../vfs/inotify.h"
#include "../vfs/lockf.h"

void epoll_file_gone(struct file *fp); /* ipc/epoll.c */

/* Source of uiozero: holes are read from here. */
static const char zeroes[4096];

int
file_alloc(const struct fileops *ops, void *data, unsigned flag,
	   struct kauth_cred *cred, struct file **fpp)
{
	struct file *fp = kmem_alloc(sizeof(*fp));

	if (fp == NULL)
		return ENOMEM;
	fp->f_count = 1;
	fp->f_flag = flag;
	fp->f_ops = ops;
	fp->f_data = data;
	fp->f_cred = cred;
	cred_hold(cred);
	mutex_init(&fp->f_poslock);
	fp->f_offset = 0;
	fp->f_epoll = NULL;
	fp->f_vnode = NULL;
	fp->f_pipever = 0;
	fp->f_owner = NULL;
	fp->f_async = NULL;
	*fpp = fp;
	return 0;
}

void
file_release(struct file *fp)
{
	struct vnode *vp = fp->f_vnode;
	struct lockf_head *h;
	bool notify = false;

	if (atomic_dec(&fp->f_count) != 0)
		return;
	if (__predict_false(atomic_load_acq(&fp->f_epoll) != NULL))
		epoll_file_gone(fp);
	if (__predict_false(atomic_load_acq(&fp->f_async) != NULL))
		sigio_file_gone(fp);
	if ((h = file_lockhead(fp)) != NULL)
		lf_close_file(h, fp);
	/* inotify: IN_CLOSE_* first, as Linux's __fput. */
	if (vp != NULL && inotify_watched(vp) && !(file_flag(fp) & O_PATH)) {
		notify = true;
		inotify_close(fp);
	}
	if (fp->f_ops->fo_close != NULL)
		fp->f_ops->fo_close(fp);
	if (vp != NULL)
		vnode_rele(vp);
	if (__predict_false(notify))
		inotify_closed(fp, vp);
	if (__predict_false(fp->f_owner != NULL))
		sigio_owner_free(fp);
	cred_free(fp->f_cred);
	mutex_destroy(&fp->f_poslock);
	kmem_free(fp, sizeof(*fp));
}

void
file_close(struct file *fp, struct filedesc *fdp)
{
	struct lockf_head *h = file_lockhead(fp);

	/* An O_PATH descriptor is no open file to the locks: closing it
	 * drops nothing (Linux's filp_flush skips FMODE_PATH files). */
	if (h != NULL && !(file_flag(fp) & O_PATH))
		lf_close_posix(h, fdp);
	file_release(fp);
}

#define USER_PAGE 4096UL

static int
uio_ucopy(char *buf, char *seg, size_t len, enum uio_rw rw)
{
	return rw == UIO_READ ? copyout(buf, seg, len) : copyin(seg, buf, len);
}

/*
 * Copy one piece between the kernel and one segment; *donep gets the
 * bytes copied.  After a fault the copy is redone up to each user page
 * boundary, so the count stops where the bad page starts, as Linux's.
 */
static int
uio_copy(char *buf, char *seg, size_t len, const struct uio *uio, size_t *donep)
{
	size_t done = 0, n;
	int error;

	if (uio->uio_segflg == UIO_SYSSPACE) {
		if (uio->uio_rw == UIO_READ)
			memcpy(seg, buf, len);
		else
			memcpy(buf, seg, len);
		*donep = len;
		return 0;
	}
	if ((error = uio_ucopy(buf, seg, len, uio->uio_rw)) == 0) {
		*donep = len;
		return 0;
	}
	for (; done < len; done += n) {
		n = MIN(len - done, USER_PAGE - ((uintptr_t)(seg + done) &
						 (USER_PAGE - 1)));
		if (uio_ucopy(buf + done, seg + done, n, uio->uio_rw) != 0)
			break;
	}
	*donep = done;
	return error;
}

int
uiomove(void *buf, size_t n, struct uio *uio)
{
	char *cp = buf;
	size_t len;
	int error = 0;

	if (n > uio->uio_resid)
		n = uio->uio_resid;
	while (n > 0 && error == 0) {
		struct iovec *iov = uio->uio_iov;

		KASSERT(uio->uio_iovcnt > 0);
		len = MIN(iov->iov_len, n);
		if (len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		error = uio_copy(cp, iov->iov_base, len, uio, &len);
		uio_advance(uio, len);
		cp += len;
		n -= len;
	}
	return error;
}

size_t
uio_hostiov(const struct uio *uio, struct rumpuser_iovec *iov, size_t max)
{
	size_t left = uio->uio_resid, n = 0;

	for (int i = 0; i < uio->uio_iovcnt && n < max && left > 0; i++) {
		size_t len = MIN(uio->uio_iov[i].iov_len, left);

		if (len == 0)
			continue;
		iov[n].iov_base = uio->uio_iov[i].iov_base;
		iov[n].iov_len = len;
		left -= len;
		n++;
	}
	return n;
}

void
uio_advance(struct uio *uio, size_t n)
{
	KASSERT(n <= uio->uio_resid);
	while (n > 0) {
		KASSERT(uio->uio_iovcnt > 0);
		struct iovec *iov = uio->uio_iov;
		size_t len = MIN(iov->iov_len, n);

		iov->iov_base = (char *)iov->iov_base + len;
		iov->iov_len -= len;
		uio->uio_resid -= len;
		n -= len;
		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
		}
	}
}

int
uiozero(size_t n, struct uio *uio)
{
	int error;

	KASSERT(uio->uio_rw == UIO_READ);
	while (n > 0 && uio->uio_resid > 0) {
		size_t len = MIN(n, sizeof(zeroes));

		/* UIO_READ only reads from the buffer: zeroes stays const. */
		if ((error = uiomove((void *)zeroes, len, uio)) != 0)
			return error;
		n -= len;
	}
	return 0;
}

void
uio_kinit(struct uio *uio, struct iovec *iov, void *buf, size_t len,
	  enum uio_rw rw)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	uio->uio_iov = iov;
	uio->uio_iovcnt = 1;
	uio->uio_resid = len;
	uio->uio_rw = rw;
	uio->uio_segflg = UIO_SYSSPACE;
}

int
uio_import(const struct iovec *uiov, int iovcnt, struct iovec *stack,
	   int nstack, struct iovec **iovp, size_t *totalp)
{
	struct iovec *iov = stack;
	size_t total = 0;
	int error, i;

	if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
		return EINVAL;
	if (iovcnt > nstack &&
	    (iov = kmem_alloc(sizeof(*iov) * (size_t)iovcnt)) == NULL)
		return ENOMEM;
	error = copyin(uiov, iov, sizeof(*iov) * (size_t)iovcnt);
	/* As Linux: every length is checked before any address. */
	for (i = 0; error == 0 && i < iovcnt; i++)
		if (iov[i].iov_len > SSIZE_MAX_)
			error = EINVAL;
	for (i = 0; error == 0 && i < iovcnt; i++) {
		if (!user_range_ok(iov[i].iov_base, iov[i].iov_len))
			error = EFAULT;
		else if (iov[i].iov_len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		total += iov[i].iov_len;
	}
	if (error != 0) {
		uio_import_done(iov, iovcnt, stack);
		return error;
	}
	*iovp = iov;
	*totalp = total;
	return 0;
}

void
uio_import_done(struct iovec *iov, int iovcnt, struct iovec *stack)
{
	if (iov != stack)
		kmem_free(iov, sizeof(*iov) * (size_t)iovcnt);
}

int
file_seek_generic(off_t cur, off_t size, off_t off, int whence, off_t *resp)
{
	off_t res;

	switch (whence) {
	case SEEK_SET:
		res = off;
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(cur, off, &res))
			return EINVAL;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(size, off, &res))
			return EINVAL;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		/* All data: the only hole is the end of the file. */
		if (off < 0 || off >= size)
			return ENXIO;
		res = whence == SEEK_DATA ? off : size;
		break;
	default:
		return EINVAL;
	}
	if (res < 0)
		return EINVAL;
	*resp = res;
	return 0;
}

int
fo_seek_none(struct file *fp, off_t *offp, off_t off, int whence)
{
	(void)fp;
	(void)off;
	(void)whence;
	*offp = 0;
	return 0;
}

/* When Linux's anonymous inode was made: at boot (file_anon_init). */
static int64_t anon_inode_time;

void
file_anon_init(void)
{
	anon_inode_time = time_realtime_ns();
}

int
fo_stat_anon(struct file *fp, struct stat *st)
{
	int64_t sec = anon_inode_time / 1000000000LL;
	long nsec = (long)(anon_inode_time % 1000000000LL);

	(void)fp;
	memset(st, 0, sizeof(*st));
	st->st_dev = ANON_INODE_DEV;
	st->st_ino = 1;
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = 4096;
	st->st_atime = st->st_mtime = st->st_ctime = sec;
	st->st_atime_nsec = st->st_mtime_nsec = st->st_ctime_nsec = nsec;
	return 0;
}
