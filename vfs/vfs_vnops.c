/*
 * vfs_vnops.c: open files on vnodes: the fileops of regular files and
 * directories (data through vop_read/vop_write at the file's offset),
 * O_PATH files, and opening devices and FIFOs.
 */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "cred.h"
#include "devsw.h"
#include "inotify.h"
#include "poll.h"
#include "proc.h"
#include "vfs.h"
#include "vfs_int.h"

void
vfs_ns_split(int64_t ns, __kernel_ulong_t *sec, __kernel_ulong_t *nsec)
{
	int64_t s = ns / NSEC_PER_SEC_, n = ns % NSEC_PER_SEC_;

	if (n < 0) {
		n += NSEC_PER_SEC_;
		s--;
	}
	*sec = (__kernel_ulong_t)s;
	*nsec = (__kernel_ulong_t)n;
}

void
vattr_to_stat(const struct vattr *va, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = va->va_fsid;
	st->st_ino = va->va_ino;
	st->st_nlink = va->va_nlink;
	st->st_mode = vtype_to_ifmt(va->va_type) | va->va_mode;
	st->st_uid = va->va_uid;
	st->st_gid = va->va_gid;
	st->st_rdev = va->va_rdev;
	st->st_size = va->va_size;
	st->st_blksize = va->va_blksize;
	st->st_blocks = (long)va->va_blocks;
	vfs_ns_split(va->va_atime, &st->st_atime, &st->st_atime_nsec);
	vfs_ns_split(va->va_mtime, &st->st_mtime, &st->st_mtime_nsec);
	vfs_ns_split(va->va_ctime, &st->st_ctime, &st->st_ctime_nsec);
}

int
vn_stat(struct vnode *vp, struct stat *st)
{
	struct vattr va;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	vattr_to_stat(&va, st);
	return 0;
}

int
vn_fo_stat(struct file *fp, struct stat *st)
{
	return vn_stat(fp->f_vnode, st);
}

mode_t
vn_setid_dropped(const struct vattr *cur, const struct kauth_cred *cr)
{
	mode_t m = cur->va_mode & ~(mode_t)S_ISUID;

	if ((m & S_ISGID) &&
	    ((m & S_IXGRP) ||
	     (!cred_fs_privileged(cr) && !vfs_groupmember(cr, cur->va_gid))))
		m &= ~(mode_t)S_ISGID;
	return m;
}

/*
 * A write or truncation by cr takes set-id bits off a regular file
 * (Linux's setattr_should_drop_suidgid) as vn_setid_dropped says;
 * nothing with CAP_FSETID (fsuid 0).  Adds the new mode to *va, or
 * leaves it alone.
 */
bool
vattr_kill_privs(const struct vattr *cur, const struct kauth_cred *cr,
		 struct vattr *va)
{
	mode_t m;

	if (cur->va_type != VREG || cred_fs_privileged(cr))
		return false;
	m = vn_setid_dropped(cur, cr);
	if (m == cur->va_mode)
		return false;
	va->va_mask |= VA_MODE;
	va->va_mode = m;
	return true;
}

void
vn_kill_privs(struct vnode *vp, const struct kauth_cred *cr, struct vattr *va)
{
	struct vattr cur;

	if (vp->v_type != VREG || cred_fs_privileged(cr) ||
	    vp->v_op->vop_getattr(vp, &cur) != 0)
		return;
	(void)vattr_kill_privs(&cur, cr, va);
}

/* The credentials of the lwp writing through fp: Linux judges set-id
 * bits by the writer, which need not be the opener (a shared table, a
 * passed descriptor). */
const struct kauth_cred *
vfs_writer_cred(struct file *fp)
{
	struct lwp *l = rumpuser_curlwp();

	return l != NULL ? l->l_cred : fp->f_cred;
}

static int
vn_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct vnode *vp = fp->f_vnode;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_op->vop_read == NULL)
		return EINVAL;
	if (uio->uio_resid == 0) /* Linux's filemap_read: no atime */
		return 0;
	return vp->v_op->vop_read(vp, offp, uio, ioflags);
}

static int
vn_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct vnode *vp = fp->f_vnode;

	struct vattr va = { 0 };

	if (vp->v_op->vop_write == NULL)
		return EINVAL;
	/* Linux's generic_write_checks: nothing to write changes nothing,
	 * not even the set-id bits or mtime. */
	if (uio->uio_resid == 0)
		return 0;
	vn_kill_privs(vp, vfs_writer_cred(fp), &va);
	if (va.va_mask != 0)
		vp->v_op->vop_setattr(vp, &va);
	return vp->v_op->vop_write(vp, offp, uio, ioflags);
}

static int
vn_truncate(struct file *fp, off_t length)
{
	struct vnode *vp = fp->f_vnode;
	struct vattr va = { 0 };

	if (vp->v_type != VREG || vp->v_op->vop_setattr == NULL)
		return EINVAL;
	int error;

	va.va_mask = VA_SIZE;
	va.va_size = length;
	vn_kill_privs(vp, vfs_writer_cred(fp), &va);
	if ((error = vp->v_op->vop_setattr(vp, &va)) == 0)
		inotify_file(fp, IN_MODIFY);
	return error;
}

static int
vn_seek(struct file *fp, off_t *offp, off_t off, int whence)
{
	struct vnode *vp = fp->f_vnode;
	struct vattr va;
	int error;

	if (vp->v_type == VDIR) {
		/* Directory positions are cookies: SET and CUR only. */
		if (whence == SEEK_SET)
			return off < 0 ? EINVAL : (*offp = off, 0);
		if (whence == SEEK_CUR)
			return file_seek_generic(*offp, 0, off, whence, offp);
		return EINVAL;
	}
	if ((whence == SEEK_DATA || whence == SEEK_HOLE) &&
	    vp->v_op->vop_seekhole != NULL)
		return vp->v_op->vop_seekhole(vp, off, whence == SEEK_DATA,
					      offp);
	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	return file_seek_generic(*offp, va.va_size, off, whence, offp);
}

static int
vn_poll(struct file *fp, int events, struct polltable *pt)
{
	struct vnode *vp = fp->f_vnode;

	if (vp->v_op->vop_poll != NULL)
		return vp->v_op->vop_poll(vp, events, pt);
	return events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
}

static void
vn_close(struct file *fp)
{
	struct vnode *vp = fp->f_vnode;

	if (vp != NULL && vp->v_op->vop_close != NULL)
		vp->v_op->vop_close(vp, (int)file_flag(fp));
}

static struct pgstore *
vn_pgstore(struct file *fp, int role)
{
	struct vnode *vp = fp->f_vnode;
	struct vattr va = { 0 };

	if (vp->v_type != VREG || vp->v_op->vop_pgstore == NULL)
		return NULL;
	if (role & FO_STORE_DST) {
		vn_kill_privs(vp, vfs_writer_cred(fp), &va);
		if (va.va_mask != 0)
			vp->v_op->vop_setattr(vp, &va);
	}
	return vp->v_op->vop_pgstore(vp, role);
}

const struct fileops vn_fileops = {
	.fo_read = vn_read,
	.fo_write = vn_write,
	.fo_stat = vn_fo_stat,
	.fo_truncate = vn_truncate,
	.fo_seek = vn_seek,
	.fo_poll = vn_poll,
	.fo_close = vn_close,
	.fo_pgstore = vn_pgstore,
};

/* O_PATH: a handle on a name, no I/O. */
static int
path_rw(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return EBADF;
}

static int
path_poll(struct file *fp, int events, struct polltable *pt)
{
	return POLLNVAL;
}

const struct fileops vn_pathops = {
	.fo_read = path_rw,
	.fo_write = path_rw,
	.fo_stat = vn_fo_stat,
	.fo_poll = path_poll,
};

/* Fileops of a file not yet filled by a driver. */
static const struct fileops vn_nullops = {
	.fo_read = path_rw,
	.fo_write = path_rw,
	.fo_stat = vn_fo_stat,
};

int
vn_open_file(struct vnode *vp, unsigned flags, struct kauth_cred *cr,
	     struct file **fpp)
{
	const struct devsw *d;
	const struct fileops *ops = &vn_fileops;
	struct file *fp;
	int error;

	if (flags & O_PATH)
		ops = &vn_pathops;
	else if (vp->v_type == VCHR || vp->v_type == VBLK ||
		 vp->v_type == VFIFO)
		ops = &vn_nullops;
	/* x86_64 Linux's open() marks a file large, F_GETFL shows it; not
	 * an O_PATH one, whose flags are only its own. */
	if (!(flags & O_PATH))
		flags |= O_LARGEFILE;
	if ((error = file_alloc(ops, NULL, flags, cr, &fp)) != 0)
		return error;
	vnode_ref(vp);
	fp->f_vnode = vp;
	if (!(flags & O_PATH)) {
		switch (vp->v_type) {
		case VCHR:
		case VBLK:
			d = devsw_lookup(vp->v_rdev, vp->v_type == VBLK);
			error = d == NULL
					? ENXIO
					: d->d_open(vp->v_rdev, vp, flags, fp);
			break;
		case VFIFO:
			error = vfs_fifo_open(vp, flags, fp);
			break;
		case VSOCK:
			error = ENXIO;
			break;
		default:
			if (vp->v_op->vop_open != NULL)
				error = vp->v_op->vop_open(vp, (int)flags, cr);
			break;
		}
	}
	if (error != 0) {
		fp->f_ops = &vn_nullops;
		file_release(fp);
		return error;
	}
	*fpp = fp;
	return 0;
}
