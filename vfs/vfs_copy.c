/*
 * vfs_copy.c: moving file data without user buffers, and the file-data
 * hints: copy_file_range, sendfile, splice, tee, vmsplice, fadvise64,
 * readahead, sync_file_range, syncfs.  Each checks in Linux 6.18's order
 * and answers with its errnos.
 *
 * The data path.  Between two files on page stores (tmpfs, memfd:
 * fo_pgstore) the bytes go page by page from one store to the other
 * (pgstore_copy), one copy per byte and no buffer.  Otherwise they go
 * through the files' fo_read and fo_write with a kernel buffer, and a
 * pipe on either side is read or filled in place (ipc.h's
 * pipe_splice_read / pipe_splice_write): the pipe's ring is the buffer,
 * and waiting for data or room is the pipe's own interruptible wait.
 *
 * Offsets.  A call without an offset pointer uses the file offset: it
 * is read when the call begins and stored when it ends, without holding
 * f_poslock across the transfer, as Linux (which takes no f_pos lock in
 * these calls) does.  Only bytes that reached the output count: a short
 * write leaves both offsets after what was written.
 */
#include <linux/fadvise.h>
#include <linux/stat.h>

#include "fd.h"
#include "file.h"
#include "fsize.h"
#include "inotify.h"
#include "pgstore.h"
#include "proc.h"
#include "syscall.h"
#include "vfs.h"
#include "vfs_int.h"
#include "../ipc/ipc.h"

#ifndef SPLICE_F_MOVE
#define SPLICE_F_MOVE 0x01
#define SPLICE_F_NONBLOCK 0x02
#define SPLICE_F_MORE 0x04
#define SPLICE_F_GIFT 0x08
#endif
#define SPLICE_F_ALL                                                           \
	(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)

#define SYNC_FILE_RANGE_WAIT_BEFORE_ 1
#define SYNC_FILE_RANGE_WRITE_ 2
#define SYNC_FILE_RANGE_WAIT_AFTER_ 4
#define SYNC_FILE_RANGE_ALL_ 7

#define COPY_BOUNCE (128 * 1024) /* the buffer between fo_read/fo_write */
#define COPY_CHUNK (1024 * 1024) /* bytes per hold of two stores' locks */

/* ---- files -------------------------------------------------------------- */

/* The file of fd for I/O, as fdget(): an O_PATH descriptor is EBADF. */
static struct file *
cp_getfile(struct lwp *l, int fd)
{
	struct file *fp = fd_getfile(l->l_proc, fd);

	if (fp != NULL && (file_flag(fp) & O_PATH)) {
		file_release(fp);
		return NULL;
	}
	return fp;
}

/* The S_IFMT type of an open file (pipes and FIFOs are S_IFIFO). */
static mode_t
cp_filetype(struct file *fp)
{
	struct stat st;

	if (file_is_pipe(fp))
		return S_IFIFO;
	if (fp->f_vnode != NULL)
		return vtype_to_ifmt(fp->f_vnode->v_type);
	if (fp->f_ops->fo_stat(fp, &st) != 0)
		return 0;
	return st.st_mode & S_IFMT;
}

/* Linux's splice_read: regular files, devices and sockets have one. */
static bool
cp_can_splice_read(struct file *fp)
{
	mode_t t = cp_filetype(fp);

	return t == S_IFREG || t == S_IFCHR || t == S_IFBLK || t == S_IFSOCK;
}

/* ... and splice_write the same (pipes are handled as pipes). */
static bool
cp_can_splice_write(struct file *fp)
{
	return cp_can_splice_read(fp);
}

static int
cp_ioflags(struct file *fp)
{
	unsigned flag = file_flag(fp);
	int io = 0;

	if (flag & O_NONBLOCK)
		io |= IO_NONBLOCK;
	if (flag & O_NOATIME)
		io |= IO_NOATIME;
	return io;
}

static off_t
cp_getpos(struct file *fp)
{
	off_t off = 0;

	if (file_positioned(fp)) {
		mutex_enter(&fp->f_poslock);
		off = fp->f_offset;
		mutex_exit(&fp->f_poslock);
	}
	return off;
}

static void
cp_setpos(struct file *fp, off_t off)
{
	if (file_positioned(fp)) {
		mutex_enter(&fp->f_poslock);
		fp->f_offset = off;
		mutex_exit(&fp->f_poslock);
	}
}

/* Linux's rw_verify_area on a position: a count that is negative as a
 * ssize_t, a negative position, or one the count takes past the largest
 * offset is EINVAL. */
static int
cp_verify(off_t pos, size_t count)
{
	off_t end;

	if ((ssize_t)count < 0 || pos < 0 ||
	    __builtin_add_overflow(pos, (off_t)count, &end))
		return EINVAL;
	return 0;
}

/* Whether two regular files are one file (copy_file_range's overlap
 * rule). */
static bool
cp_samefile(struct file *a, struct file *b)
{
	if (a->f_vnode != NULL || b->f_vnode != NULL)
		return a->f_vnode == b->f_vnode;
	return a->f_data == b->f_data;
}

/* Whether two regular files are on one file system (Linux's i_sb): the
 * same mount, or for files without a vnode (memfd: one internal mount)
 * the same st_dev. */
static bool
cp_samefs(struct file *a, struct file *b)
{
	struct stat sa, sb;

	if (a->f_vnode != NULL || b->f_vnode != NULL)
		return a->f_vnode != NULL && b->f_vnode != NULL &&
		       a->f_vnode->v_mount == b->f_vnode->v_mount;
	if (a->f_ops->fo_stat(a, &sa) != 0 || b->f_ops->fo_stat(b, &sb) != 0)
		return false;
	return sa.st_dev == sb.st_dev;
}

/* ---- the data movers -------------------------------------------------- */

/*
 * A write into fout that ended at `pos' left bytes unwritten.  Linux's
 * splice writes on (iter_file_splice_write), and when the file size
 * limit cut the write short, that next write is EFBIG with SIGXFSZ
 * (fsize.h); the call still returns what was written.
 */
static void
cp_write_cut(struct file *fout, off_t pos)
{
	rlim_t lim = fsize_rlimit();

	if (__predict_false(lim != RLIM_INFINITY) && pos >= fsize_wlim(lim) &&
	    cp_filetype(fout) == S_IFREG)
		fsize_xfsz();
}

static struct pgstore *
cp_store(struct file *fp, int role)
{
	return fp->f_ops->fo_pgstore != NULL ? fp->f_ops->fo_pgstore(fp, role)
					     : NULL;
}

/*
 * Copy `count' bytes from fin at *pin to fout at *pout straight between
 * their page stores.  Returns the bytes copied or -errno; *handled false
 * when the two are not two different stores (nothing was done).
 */
static long
store_copy(struct file *fin, off_t *pin, struct file *fout, off_t *pout,
	   size_t count, bool *handled)
{
	struct pgstore *sin, *sout;
	size_t total = 0, chunk, done;
	rlim_t lim;
	int error = 0;

	*handled = false;
	if ((sin = cp_store(fin, FO_STORE_PEEK)) == NULL ||
	    (sout = cp_store(fout, FO_STORE_PEEK)) == NULL || sin == sout)
		return 0;
	*handled = true;
	lim = fsize_rlimit();
	(void)cp_store(fout, FO_STORE_DST);
	/* A short copy is followed by another, which finds the end of the
	 * source (0) or says why it stopped: EFBIG at the file size limit
	 * (and SIGXFSZ, as Linux's splice loop gets), ENOSPC. */
	while (total < count) {
		chunk = MIN(count - total, (size_t)COPY_CHUNK);
		error = pgstore_copy(sout, pout, sin, *pin, chunk, &done,
				     fsize_wlim(lim));
		*pin += (off_t)done;
		total += done;
		if (error != 0 || done == 0)
			break;
	}
	(void)fsize_efbig(lim, error);
	if (total > 0) {
		(void)cp_store(fout, FO_STORE_WROTE);
		(void)cp_store(fin,
			       FO_STORE_READ | (cp_ioflags(fin) & IO_NOATIME));
	}
	return total > 0 ? (long)total : -error;
}

/*
 * Copy through a kernel buffer: fo_read from fin at *pin, fo_write to
 * fout at *pout, until `count' bytes, the end of fin, a short write or
 * an error.  *pin moves only over what was written.
 */
static long
bounce_copy(struct file *fin, off_t *pin, struct file *fout, off_t *pout,
	    size_t count, int ioout)
{
	size_t bsize = MIN(count, (size_t)COPY_BOUNCE), total = 0, n, got, put;
	int ioin = cp_ioflags(fin) & IO_NOATIME, error = 0;
	struct iovec iov;
	struct uio uio;
	off_t off;
	char *buf;

	if ((buf = kmem_alloc(bsize)) == NULL)
		return -ENOMEM;
	while (total < count) {
		n = MIN(count - total, bsize);
		uio_kinit(&uio, &iov, buf, n, UIO_READ);
		off = *pin;
		error = fin->f_ops->fo_read(fin, &off, &uio, ioin);
		got = n - uio.uio_resid;
		if (got == 0)
			break;
		uio_kinit(&uio, &iov, buf, got, UIO_WRITE);
		error = fout->f_ops->fo_write(fout, pout, &uio, ioout);
		put = got - uio.uio_resid;
		*pin += (off_t)put;
		total += put;
		if (error == 0 && put < got)
			cp_write_cut(fout, *pout);
		if (error != 0 || put < got || got < n)
			break;
	}
	kmem_free(buf, bsize);
	return total > 0 ? (long)total : -error;
}

/* inotify: bytes moved from fin (NULL: a pipe) to fout (NULL: a pipe),
 * as Linux's vfs_copy_file_range and splice report them. */
static void
copy_notify(struct file *fin, struct file *fout)
{
	if (fin != NULL && fin->f_vnode != NULL &&
	    inotify_watched(fin->f_vnode))
		inotify_file(fin, IN_ACCESS);
	if (fout != NULL && fout->f_vnode != NULL &&
	    inotify_watched(fout->f_vnode))
		inotify_file(fout, IN_MODIFY);
}

/* A regular file (or device) to a file that is not a pipe. */
static long
direct_copy(struct file *fin, off_t *pin, struct file *fout, off_t *pout,
	    size_t count)
{
	bool handled;
	long rv = store_copy(fin, pin, fout, pout, count, &handled);

	if (!handled)
		rv = bounce_copy(fin, pin, fout, pout, count,
				 cp_ioflags(fout) & IO_NONBLOCK);
	if (rv > 0)
		copy_notify(fin, fout);
	return rv;
}

/* pipe_xfer_fn of a file read into a pipe's ring. */
struct file_xfer {
	struct file *fp;
	off_t *posp;
	int ioflags;
};

static int
file_source(void *arg, char *buf, size_t n, size_t *donep)
{
	struct file_xfer *x = arg;
	struct iovec iov;
	struct uio uio;
	off_t off = *x->posp;
	int error;

	/* Linux's do_splice_read, after waiting for room. */
	if (!cp_can_splice_read(x->fp))
		return EINVAL;
	uio_kinit(&uio, &iov, buf, n, UIO_READ);
	error = x->fp->f_ops->fo_read(x->fp, &off, &uio, x->ioflags);
	*donep = n - uio.uio_resid;
	*x->posp += (off_t)*donep;
	if (*donep > 0)
		copy_notify(x->fp, NULL);
	return *donep > 0 ? 0 : error;
}

/* A pipe's bytes written to a file. */
static int
file_sink(void *arg, char *buf, size_t n, size_t *donep)
{
	struct file_xfer *x = arg;
	struct iovec iov;
	struct uio uio;
	int error;

	uio_kinit(&uio, &iov, buf, n, UIO_WRITE);
	error = x->fp->f_ops->fo_write(x->fp, x->posp, &uio, x->ioflags);
	*donep = n - uio.uio_resid;
	if (error == 0 && *donep < n)
		cp_write_cut(x->fp, *x->posp);
	if (*donep > 0)
		copy_notify(NULL, x->fp);
	return *donep > 0 ? 0 : error;
}

/* Bytes in kernel memory into a pipe's ring. */
static int
mem_source(void *arg, char *buf, size_t n, size_t *donep)
{
	const char **srcp = arg;

	memcpy(buf, *srcp, n);
	*srcp += n;
	*donep = n;
	return 0;
}

/* One pipe's bytes into another's: the first piece may wait for room,
 * later ones take what fits (Linux's splice_pipe_to_pipe and
 * link_pipe). */
struct pipe_xfer {
	struct file *out;
	int ioflags;
	size_t total;
};

static int
pipe_sink(void *arg, char *buf, size_t n, size_t *donep)
{
	struct pipe_xfer *x = arg;
	const char *src = buf;
	int io = x->ioflags | (x->total > 0 ? IO_NONBLOCK : 0);
	int error = pipe_splice_write(x->out, n, io, mem_source, &src, donep);

	x->total += *donep;
	if (error == EAGAIN && x->total > 0)
		error = 0;
	return error;
}

/* User buffers (vmsplice) into or out of a pipe's ring. */
static int
uio_xfer(void *arg, char *buf, size_t n, size_t *donep)
{
	struct uio *uio = arg;
	size_t before = uio->uio_resid;
	int error = uiomove(buf, n, uio);

	*donep = before - uio->uio_resid;
	return *donep > 0 ? 0 : error;
}

/* Linux's splice_file_to_pipe: wait for room in the pipe (unless
 * nonblocking), then read from fin at *pos into what is free. */
static long
file_to_pipe(struct file *fin, off_t *pos, struct file *pout, size_t len,
	     unsigned flags)
{
	struct file_xfer x = { fin, pos, cp_ioflags(fin) };
	size_t moved;
	int io = 0, error;

	if (flags & SPLICE_F_NONBLOCK) {
		io = IO_NONBLOCK;
		x.ioflags |= IO_NONBLOCK;
	}
	len = MIN(len, (size_t)MAX_RW_COUNT);
	error = pipe_splice_write(pout, len, io, file_source, &x, &moved);
	return moved > 0 ? (long)moved : -error;
}

/* ---- copy_file_range -------------------------------------------------- */

long
sys_copy_file_range(struct lwp *l, int fd_in, off_t *off_in, int fd_out,
		    off_t *off_out, size_t len, unsigned int flags)
{
	struct file *fin, *fout = NULL;
	off_t pin, pout, size;
	mode_t tin, tout;
	struct stat st;
	size_t count;
	rlim_t lim;
	long rv;
	int error;

	if ((fin = cp_getfile(l, fd_in)) == NULL)
		return -EBADF;
	if ((fout = cp_getfile(l, fd_out)) == NULL) {
		rv = -EBADF;
		goto out;
	}
	if (off_in != NULL) {
		if ((error = copyin(off_in, &pin, sizeof(pin))) != 0) {
			rv = -error;
			goto out;
		}
	} else {
		pin = cp_getpos(fin);
	}
	if (off_out != NULL) {
		if ((error = copyin(off_out, &pout, sizeof(pout))) != 0) {
			rv = -error;
			goto out;
		}
	} else {
		pout = cp_getpos(fout);
	}
	rv = -EINVAL;
	if (flags != 0)
		goto out;
	/* Linux's generic_file_rw_checks, then generic_copy_file_checks. */
	tin = cp_filetype(fin);
	tout = cp_filetype(fout);
	if (tin == S_IFDIR || tout == S_IFDIR) {
		rv = -EISDIR;
		goto out;
	}
	if (tin != S_IFREG || tout != S_IFREG)
		goto out;
	if (!file_readable(fin) || !file_writable(fout) ||
	    (file_flag(fout) & O_APPEND)) {
		rv = -EBADF;
		goto out;
	}
	if (!cp_samefs(fin, fout)) {
		rv = -EXDEV;
		goto out;
	}
	/* Offsets that wrap as unsigned numbers (so a negative one with a
	 * nonzero length) are EOVERFLOW. */
	if ((uint64_t)pin + len < (uint64_t)pin ||
	    (uint64_t)pout + len < (uint64_t)pout) {
		rv = -EOVERFLOW;
		goto out;
	}
	if ((error = fin->f_ops->fo_stat(fin, &st)) != 0) {
		rv = -error;
		goto out;
	}
	size = st.st_size;
	count = pin >= size ? 0 : MIN(len, (uint64_t)(size - pin));
	/* Linux's generic_write_check_limits, before a count of 0 returns:
	 * at or past the file size limit (or OFF_MAX) EFBIG, with SIGXFSZ
	 * for the limit; below, the count is cut to end there. */
	lim = fsize_rlimit();
	if ((error = fsize_write_check(fsize_wlim(lim), pout, &count)) != 0) {
		rv = -fsize_efbig(lim, error);
		goto out;
	}
	if (cp_samefile(fin, fout) && pout + (off_t)count > pin &&
	    pout < pin + (off_t)count)
		goto out; /* overlapping ranges of one file: EINVAL */
	if (cp_verify(pin, count) != 0 || cp_verify(pout, count) != 0)
		goto out;
	if (count == 0) {
		rv = 0;
		goto out;
	}
	count = MIN(count, (size_t)MAX_RW_COUNT);
	rv = direct_copy(fin, &pin, fout, &pout, count);
	if (rv > 0) {
		if (off_in != NULL) {
			if (copyout(&pin, off_in, sizeof(pin)) != 0)
				rv = -EFAULT;
		} else {
			cp_setpos(fin, pin);
		}
		if (off_out != NULL) {
			if (copyout(&pout, off_out, sizeof(pout)) != 0)
				rv = -EFAULT;
		} else {
			cp_setpos(fout, pout);
		}
	}
out:
	if (fout != NULL)
		file_release(fout);
	file_release(fin);
	return rv;
}

/* ---- sendfile ------------------------------------------------------------ */

/* Linux's do_sendfile: `ppos' NULL uses in's file offset. */
static long
do_sendfile(struct lwp *l, int out_fd, int in_fd, off_t *ppos, size_t count)
{
	struct file *fin, *fout = NULL;
	off_t pos, opos = 0;
	long rv;

	if ((fin = cp_getfile(l, in_fd)) == NULL)
		return -EBADF;
	rv = -EBADF;
	if (!file_readable(fin))
		goto out;
	if (ppos == NULL) {
		pos = cp_getpos(fin);
	} else {
		pos = *ppos;
		rv = -ESPIPE;
		if (!file_positioned(fin))
			goto out;
	}
	rv = -EINVAL;
	if (cp_verify(pos, count) != 0)
		goto out;
	count = MIN(count, (size_t)MAX_RW_COUNT);
	rv = -EBADF;
	if ((fout = cp_getfile(l, out_fd)) == NULL || !file_writable(fout))
		goto out;
	if (file_is_pipe(fout)) {
		rv = file_to_pipe(
			fin, &pos, fout, count,
			(file_flag(fout) & O_NONBLOCK) ? SPLICE_F_NONBLOCK : 0);
	} else {
		opos = cp_getpos(fout);
		rv = -EINVAL;
		if (cp_verify(opos, count) != 0)
			goto out;
		/* Linux's do_splice_direct: no O_APPEND output, an input
		 * that seeks and can be spliced from, an output that can
		 * be spliced to. */
		if ((file_flag(fout) & O_APPEND) || !file_positioned(fin) ||
		    !cp_can_splice_read(fin) || !cp_can_splice_write(fout))
			goto out;
		rv = count == 0 ? 0
				: direct_copy(fin, &pos, fout, &opos, count);
	}
	if (rv > 0) {
		if (!file_is_pipe(fout))
			cp_setpos(fout, opos);
		if (ppos != NULL)
			*ppos = pos;
		else
			cp_setpos(fin, pos);
	}
out:
	if (fout != NULL)
		file_release(fout);
	file_release(fin);
	return rv;
}

long
sys_sendfile(struct lwp *l, int out_fd, int in_fd, off_t *offset, size_t count)
{
	off_t pos;
	long rv;

	if (offset == NULL)
		return do_sendfile(l, out_fd, in_fd, NULL, count);
	if (copyin(offset, &pos, sizeof(pos)) != 0)
		return -EFAULT;
	rv = do_sendfile(l, out_fd, in_fd, &pos, count);
	/* Linux writes the offset back whatever happened. */
	if (copyout(&pos, offset, sizeof(pos)) != 0)
		return -EFAULT;
	return rv;
}

/* ---- splice, tee, vmsplice -------------------------------------------- */

/* Linux's do_splice, with the offsets already copied in (NULL: the
 * file offset). */
static long
do_splice(struct file *in, off_t *off_in, struct file *out, off_t *off_out,
	  size_t len, unsigned flags)
{
	bool ipipe = file_is_pipe(in), opipe = file_is_pipe(out);
	struct pipe_xfer px;
	struct file_xfer fx;
	size_t moved;
	off_t offset;
	long rv;
	int error;

	if (!file_readable(in) || !file_writable(out))
		return -EBADF;
	if (ipipe && opipe) {
		if (pipe_same(in, out))
			return -EINVAL;
		if ((file_flag(in) | file_flag(out)) & O_NONBLOCK)
			flags |= SPLICE_F_NONBLOCK;
		px.out = out;
		px.ioflags = (flags & SPLICE_F_NONBLOCK) ? IO_NONBLOCK : 0;
		px.total = 0;
		error = pipe_splice_read(in, len, px.ioflags, false, pipe_sink,
					 &px, &moved);
		return moved > 0 ? (long)moved : -error;
	}
	if (ipipe) {
		if (off_out != NULL) {
			if (!file_positioned(out))
				return -EINVAL;
			offset = *off_out;
		} else {
			offset = cp_getpos(out);
		}
		if (file_flag(out) & O_APPEND)
			return -EINVAL;
		if (cp_verify(offset, len) != 0)
			return -EINVAL;
		if (file_flag(in) & O_NONBLOCK)
			flags |= SPLICE_F_NONBLOCK;
		/* Linux's do_splice_from: an output without splice_write. */
		if (!cp_can_splice_write(out))
			return -EINVAL;
		fx.fp = out;
		fx.posp = &offset;
		fx.ioflags = cp_ioflags(out) & IO_NONBLOCK;
		error = pipe_splice_read(
			in, MIN(len, (size_t)MAX_RW_COUNT),
			(flags & SPLICE_F_NONBLOCK) ? IO_NONBLOCK : 0, false,
			file_sink, &fx, &moved);
		rv = moved > 0 ? (long)moved : -error;
		if (off_out != NULL)
			*off_out = offset;
		else if (moved > 0)
			cp_setpos(out, offset);
		return rv;
	}
	if (opipe) {
		if (off_in != NULL) {
			if (!file_positioned(in))
				return -EINVAL;
			offset = *off_in;
		} else {
			offset = cp_getpos(in);
		}
		if (cp_verify(offset, len) != 0)
			return -EINVAL;
		if (file_flag(out) & O_NONBLOCK)
			flags |= SPLICE_F_NONBLOCK;
		rv = file_to_pipe(in, &offset, out, len, flags);
		if (off_in != NULL)
			*off_in = offset;
		else if (rv > 0)
			cp_setpos(in, offset);
		return rv;
	}
	return -EINVAL;
}

long
sys_splice(struct lwp *l, int fd_in, off_t *off_in, int fd_out, off_t *off_out,
	   size_t len, unsigned int flags)
{
	struct file *in, *out = NULL;
	off_t oin, oout;
	long rv;

	if (len == 0)
		return 0;
	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if ((in = cp_getfile(l, fd_in)) == NULL)
		return -EBADF;
	if ((out = cp_getfile(l, fd_out)) == NULL) {
		rv = -EBADF;
		goto done;
	}
	rv = -ESPIPE;
	if ((file_is_pipe(in) && off_in != NULL) ||
	    (file_is_pipe(out) && off_out != NULL))
		goto done;
	rv = -EFAULT;
	if (off_in != NULL && copyin(off_in, &oin, sizeof(oin)) != 0)
		goto done;
	if (off_out != NULL && copyin(off_out, &oout, sizeof(oout)) != 0)
		goto done;
	rv = do_splice(in, off_in != NULL ? &oin : NULL, out,
		       off_out != NULL ? &oout : NULL, len, flags);
	if (rv < 0)
		goto done;
	if ((off_in != NULL && copyout(&oin, off_in, sizeof(oin)) != 0) ||
	    (off_out != NULL && copyout(&oout, off_out, sizeof(oout)) != 0))
		rv = -EFAULT;
done:
	if (out != NULL)
		file_release(out);
	file_release(in);
	return rv;
}

long
sys_tee(struct lwp *l, int fd_in, int fd_out, size_t len, unsigned int flags)
{
	struct file *in, *out = NULL;
	struct pipe_xfer px;
	size_t moved;
	long rv;
	int error;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if (len == 0)
		return 0;
	if ((in = cp_getfile(l, fd_in)) == NULL)
		return -EBADF;
	if ((out = cp_getfile(l, fd_out)) == NULL) {
		rv = -EBADF;
		goto done;
	}
	rv = -EBADF;
	if (!file_readable(in) || !file_writable(out))
		goto done;
	rv = -EINVAL;
	if (!file_is_pipe(in) || !file_is_pipe(out) || pipe_same(in, out))
		goto done;
	if ((file_flag(in) | file_flag(out)) & O_NONBLOCK)
		flags |= SPLICE_F_NONBLOCK;
	px.out = out;
	px.ioflags = (flags & SPLICE_F_NONBLOCK) ? IO_NONBLOCK : 0;
	px.total = 0;
	error = pipe_splice_read(in, MIN(len, (size_t)MAX_RW_COUNT), px.ioflags,
				 true, pipe_sink, &px, &moved);
	rv = moved > 0 ? (long)moved : -error;
done:
	if (out != NULL)
		file_release(out);
	file_release(in);
	return rv;
}

#define UIO_SMALLIOV 8

long
sys_vmsplice(struct lwp *l, int fd, const struct iovec *uiov,
	     unsigned long nr_segs, unsigned int flags)
{
	struct iovec stack[UIO_SMALLIOV], *iov;
	struct file *fp;
	struct uio uio;
	enum uio_rw rw;
	size_t total, moved;
	long rv;
	int error;

	if (flags & ~SPLICE_F_ALL)
		return -EINVAL;
	if ((fp = cp_getfile(l, fd)) == NULL)
		return -EBADF;
	/* Writable: user memory into the pipe; else out of it. */
	if (file_writable(fp))
		rw = UIO_WRITE;
	else if (file_readable(fp))
		rw = UIO_READ;
	else {
		file_release(fp);
		return -EBADF;
	}
	if (nr_segs > UIO_MAXIOV) {
		file_release(fp);
		return -EINVAL;
	}
	error = uio_import(uiov, (int)nr_segs, stack, UIO_SMALLIOV, &iov,
			   &total);
	if (error != 0) {
		file_release(fp);
		return -error;
	}
	if (total == 0) {
		rv = 0;
	} else if (!file_is_pipe(fp)) {
		rv = -EBADF;
	} else {
		uio.uio_iov = iov;
		uio.uio_iovcnt = (int)nr_segs;
		uio.uio_resid = total;
		uio.uio_rw = rw;
		uio.uio_segflg = UIO_USERSPACE;
		if (rw == UIO_WRITE)
			error = pipe_splice_write(
				fp, total,
				(flags & SPLICE_F_NONBLOCK) ? IO_NONBLOCK : 0,
				uio_xfer, &uio, &moved);
		else
			error = pipe_splice_read(
				fp, total,
				(flags & SPLICE_F_NONBLOCK) ? IO_NONBLOCK : 0,
				false, uio_xfer, &uio, &moved);
		rv = moved > 0 ? (long)moved : -error;
	}
	uio_import_done(iov, (int)nr_segs, stack);
	file_release(fp);
	return rv;
}

/* ---- hints: fadvise64, readahead, sync_file_range, syncfs ------------- */

/*
 * Nothing here is cached on the kernel's side of the host (tmpfs and
 * memfd are memory; hostfs reads and writes through to the host), so
 * fadvise and readahead have no effect beyond their answers.
 */
long
sys_fadvise64(struct lwp *l, int fd, off_t offset, off_t len, int advice)
{
	struct file *fp;
	long rv = 0;

	if ((fp = cp_getfile(l, fd)) == NULL)
		return -EBADF;
	if (cp_filetype(fp) == S_IFIFO)
		rv = -ESPIPE;
	else if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE)
		rv = -EINVAL;
	file_release(fp);
	return rv;
}

long
sys_readahead(struct lwp *l, int fd, off_t offset, size_t count)
{
	struct file *fp;
	mode_t t;
	long rv = 0;

	if ((fp = cp_getfile(l, fd)) == NULL)
		return -EBADF;
	t = cp_filetype(fp);
	if (!file_readable(fp))
		rv = -EBADF;
	else if (t != S_IFREG && t != S_IFBLK)
		rv = -EINVAL;
	else if ((off_t)count < 0) /* fadvise's negative length */
		rv = -EINVAL;
	file_release(fp);
	return rv;
}

long
sys_sync_file_range(struct lwp *l, int fd, off_t offset, off_t nbytes,
		    unsigned int flags)
{
	struct file *fp;
	struct vnode *vp;
	off_t end;
	mode_t t;
	long rv = 0;

	if ((fp = cp_getfile(l, fd)) == NULL)
		return -EBADF;
	t = cp_filetype(fp);
	if ((flags & ~SYNC_FILE_RANGE_ALL_) || offset < 0 ||
	    __builtin_add_overflow(offset, nbytes, &end) || end < 0 ||
	    end < offset)
		rv = -EINVAL;
	else if (t != S_IFREG && t != S_IFBLK && t != S_IFDIR && t != S_IFLNK)
		rv = -ESPIPE;
	else if ((flags &
		  (SYNC_FILE_RANGE_WRITE_ | SYNC_FILE_RANGE_WAIT_AFTER_)) &&
		 (vp = fp->f_vnode) != NULL && vp->v_type == VREG &&
		 vp->v_op->vop_fsync != NULL)
		/* Data only, as the range's write-back is: a host file
		 * gets its data to the host's disk (tmpfs: nothing). */
		rv = -vp->v_op->vop_fsync(vp, true);
	file_release(fp);
	return rv;
}

long
sys_syncfs(struct lwp *l, int fd)
{
	struct file *fp;
	struct mount *mp;
	long rv = 0;

	if ((fp = cp_getfile(l, fd)) == NULL)
		return -EBADF;
	/* The file system of the file: only one that keeps data for a
	 * backing store has anything to do (hostfs: the host's). */
	if (fp->f_vnode != NULL && (mp = fp->f_vnode->v_mount) != NULL &&
	    mp->mnt_op->vfs_sync != NULL)
		rv = -mp->mnt_op->vfs_sync(mp);
	file_release(fp);
	return rv;
}
