/*
 * vfs_syscalls.c: the file-system system calls on paths and vnodes.
 * Checks come in Linux's order, so the first error is Linux's.
 */
#include <linux/fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <linux/time.h>
#include <linux/utime.h>
#include <asm/statfs.h>

#include "acl.h"
#include "cred.h"
#include "fd.h"
#include "inotify.h"
#include "proc.h"
#include "syscall.h"
#include "vfs.h"
#include "vfs_int.h"

#ifndef O_TMPFILE_FLAG
#define O_TMPFILE_FLAG 020000000 /* __O_TMPFILE */
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif
#define ESTALE_RETRIES 16
/* umount2 flags */
#define MNT_FORCE 0x1
#define MNT_DETACH 0x2
#define MNT_EXPIRE 0x4
#define UMOUNT_NOFOLLOW 0x8

extern const struct fileops vn_fileops;

static mode_t
proc_umask(struct lwp *l)
{
	return atomic_load_relaxed(&l->l_proc->p_umask);
}

static bool
is_dot(const struct walkres *r)
{
	return r->namelen == 1 && r->name[0] == '.';
}

static bool
is_dotdot(const struct walkres *r)
{
	return r->namelen == 2 && r->name[0] == '.' && r->name[1] == '.';
}

/* "", "." or "..": not a name a call may create or remove. */
static bool
not_normal(const struct walkres *r)
{
	return r->namelen == 0 || is_dot(r) || is_dotdot(r);
}

/*
 * The parent directory of a user path: copies the path into *bufp
 * (freed by the caller with path_free), walks to the parent.  On success
 * res->dvp is held.  The walker stays set up (walker_fini after).
 */
static int
lookup_parent(struct lwp *l, struct walker *w, int dirfd, const char *upath,
	      char **bufp, struct walkres *res)
{
	struct vnode *dir;
	int error;

	walker_init(w, l);
	*bufp = path_alloc();
	if ((error = path_copyin(upath, *bufp, false)) != 0)
		return error;
	if ((error = walk_start(w, dirfd, *bufp, &dir)) != 0)
		return error;
	return walk(w, dir, *bufp, WALK_PARENT, res);
}

/* A name in directory dvp, not crossing mounts.  Held.  A name too
 * long for r->name (walk kept only its length) is ENAMETOOLONG here, as
 * Linux's file systems' lookup says it. */
static int
lookup_name(struct vnode *dvp, const struct walkres *r, struct vnode **vpp)
{
	if (r->namelen > NAME_MAX_)
		return name_too_long(dvp);
	return vnode_lookup(dvp, r->name, r->namelen, vpp, NULL);
}

/*
 * Attributes of a new node in dvp: owner, group (set-group-id
 * directories pass theirs on), mode (`mode' as asked, before the
 * umask), as Linux's vfs_prepare_mode and inode_init_owner.  Then, as
 * its posix_acl_create: a directory with a default ACL gives the node
 * ACLs (va_acl, va_dacl, held: new_attrs_done drops them) bounded by
 * the mode, and no umask applies; otherwise `umask' does (symlinks get
 * neither).  0 or ENOMEM.
 */
static int
new_attrs(struct vnode *dvp, const struct kauth_cred *cr, enum vtype type,
	  mode_t mode, mode_t umask, struct vattr *va)
{
	struct acl *dacl = NULL;
	struct vattr dva;
	int error;

	memset(va, 0, sizeof(*va));
	va->va_type = type;
	va->va_uid = cr->cr_fsuid;
	va->va_gid = cr->cr_fsgid;
	va->va_mode = mode & 07777;
	if (dvp->v_op->vop_getattr(dvp, &dva) == 0 && (dva.va_mode & S_ISGID)) {
		va->va_gid = dva.va_gid;
		if (type == VDIR)
			va->va_mode |= S_ISGID;
	}
	if (type != VDIR &&
	    (va->va_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
	    !vfs_groupmember(cr, va->va_gid) && cr->cr_fsuid != 0)
		va->va_mode &= ~(mode_t)S_ISGID;
	if (type == VLNK)
		return 0;
	if (dvp->v_op->vop_getacl != NULL &&
	    (error = dvp->v_op->vop_getacl(dvp, ACL_TYPE_DEFAULT_, &dacl,
					   NULL)) != 0)
		return error;
	if (dacl == NULL) {
		va->va_mode &= ~umask;
		return 0;
	}
	error = acl_create(dacl, &va->va_mode, &va->va_acl);
	if (error == 0 && type == VDIR)
		va->va_dacl = dacl;
	else
		acl_rele(dacl);
	return error;
}

/* What new_attrs held for vop_create, dropped. */
static void
new_attrs_done(struct vattr *va)
{
	acl_rele(va->va_acl);
	acl_rele(va->va_dacl);
	va->va_acl = va->va_dacl = NULL;
}

static bool
owner_or_capable(struct vnode *vp, const struct kauth_cred *cr)
{
	struct vattr va;

	if (cr->cr_fsuid == 0)
		return true;
	return vp->v_op->vop_getattr(vp, &va) == 0 && va.va_uid == cr->cr_fsuid;
}

/*
 * may_delete: may cr remove vp (named in dvp)?  Linux's order: write and
 * search on the directory, the sticky bit, the type, mount points.
 */
static int
may_delete(struct vnode *dvp, struct vnode *vp, bool isdir,
	   const struct kauth_cred *cr)
{
	struct vattr dva, va;
	int error;

	if ((error = vfs_access(dvp, VWRITE | VEXEC, cr)) != 0)
		return error;
	if (cr->cr_fsuid != 0 && dvp->v_op->vop_getattr(dvp, &dva) == 0 &&
	    (dva.va_mode & S_ISVTX) && dva.va_uid != cr->cr_fsuid &&
	    vp->v_op->vop_getattr(vp, &va) == 0 && va.va_uid != cr->cr_fsuid)
		return EPERM;
	if (isdir) {
		if (vp->v_type != VDIR)
			return ENOTDIR;
		if (vp == vp->v_mount->mnt_root)
			return EBUSY;
	} else if (vp->v_type == VDIR) {
		return EISDIR;
	}
	return 0;
}

/* Something is mounted on vp: rename, rmdir and unlink refuse it
 * (EBUSY) once may_delete and the rest passed, as Linux's vfs_rename,
 * vfs_rmdir and vfs_unlink check is_local_mountpoint. */
static bool
is_mountpoint(struct vnode *vp)
{
	return atomic_load_acq(&vp->v_mountedhere) != NULL;
}

/* ---- open ------------------------------------------------------------------ */

/* The permission checks of an existing file's open (Linux's may_open). */
static int
may_open(struct vnode *vp, unsigned flags, const struct kauth_cred *cr)
{
	unsigned acc = flags & O_ACCMODE;
	int mode = 0;

	if (vp->v_type == VLNK)
		return ELOOP;
	if (acc == O_RDONLY || acc == O_RDWR || acc == O_ACCMODE)
		mode |= VREAD;
	if (acc == O_WRONLY || acc == O_RDWR || acc == O_ACCMODE ||
	    (flags & O_TRUNC))
		mode |= VWRITE;
	if (vp->v_type == VDIR && (mode & VWRITE))
		return EISDIR;
	if ((flags & O_DIRECTORY) && vp->v_type != VDIR)
		return ENOTDIR;
	if ((vp->v_type == VCHR || vp->v_type == VBLK) &&
	    (atomic_load_relaxed(&vp->v_mount->mnt_flags) & MNT_NODEV))
		return EACCES;
	/* (A FIFO or device on a read-only mount may still be written:
	 * vfs_access gives EROFS only for files, directories, symlinks.) */
	return vfs_access(vp, mode, cr);
}

static int
do_truncate(struct vnode *vp, off_t len, const struct kauth_cred *cr)
{
	struct vattr va = { 0 };

	if (vp->v_op->vop_setattr == NULL)
		return EINVAL;
	va.va_mask = VA_SIZE;
	va.va_size = len;
	vn_kill_privs(vp, cr, &va); /* as a write would */
	return vp->v_op->vop_setattr(vp, &va);
}

/* `resolve' of do_openat: the call is openat2's, whose RESOLVE_* flags
 * (checked valid) come with it; 0 for open, openat and creat. */
#define OPENAT2_CALL 0x80000000u

static long
do_openat(struct lwp *l, int dirfd, const char *upath, int oflags, mode_t mode,
	  unsigned resolve)
{
	const struct kauth_cred *cr = l->l_cred;
	unsigned flags = (unsigned)oflags;
	struct walker w;
	struct walkres res;
	struct vnode *dir = NULL, *dvp = NULL, *vp = NULL;
	struct vattr va;
	struct file *fp;
	char *buf = NULL;
	const char *path;
	bool created = false, truncated = false;
	int error, fd, tries = 0;

	if (flags & O_TMPFILE_FLAG) {
		unsigned acc = flags & O_ACCMODE;

		if (!(flags & O_DIRECTORY) || (flags & O_CREAT))
			return -EINVAL;
		if (acc != O_WRONLY && acc != O_RDWR)
			return -EINVAL;
	} else if ((flags & (O_CREAT | O_DIRECTORY)) ==
		   (O_CREAT | O_DIRECTORY)) {
		return -EINVAL;
	}
	if (resolve & OPENAT2_CALL) {
		/* openat2 refuses what open ignores; every lookup here is
		 * served from memory, so RESOLVE_CACHED refuses only what
		 * would write. */
		if ((flags & O_PATH) &&
		    (flags & ~(O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)))
			return -EINVAL;
		if ((resolve & RESOLVE_CACHED) &&
		    (flags & (O_TRUNC | O_CREAT | O_TMPFILE_FLAG)))
			return -EAGAIN;
		resolve &= ~OPENAT2_CALL;
	}
	if (flags & (O_CREAT | O_TMPFILE_FLAG))
		mode &= 07777;
	if (flags & O_PATH)
		flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

	walker_init(&w, l);
	buf = path_alloc();
	if ((error = path_copyin(upath, buf, false)) != 0)
		goto out;
	error = resolve != 0 ? walk_start_scoped(&w, dirfd, buf, resolve, &dir)
			     : walk_start(&w, dirfd, buf, &dir);
	if (error != 0)
		goto out;
	if (flags & O_TMPFILE_FLAG) {
		error = walk(&w, dir, buf, NI_FOLLOW | NI_DIRECTORY, &res);
		dir = NULL; /* the walk consumed it */
		if (error != 0)
			goto out;
		dvp = res.vp;
		if ((error = walk_access(&w, dvp, VWRITE | VEXEC)) != 0)
			goto out;
		if (dvp->v_op->vop_create == NULL) {
			error = EOPNOTSUPP;
			goto out;
		}
		if ((error = new_attrs(dvp, cr, VREG, mode, proc_umask(l),
				       &va)) != 0)
			goto out;
		va.va_mask = (flags & O_EXCL) ? 0 : VA_LINKABLE;
		error = dvp->v_op->vop_create(dvp, "", 0, &va, &vp);
		new_attrs_done(&va);
		if (error != 0)
			goto out;
		created = true;
	} else if (!(flags & O_CREAT)) {
		unsigned ni = (flags & O_NOFOLLOW) ? 0 : NI_FOLLOW;

		if (flags & O_DIRECTORY)
			ni |= NI_DIRECTORY;
		error = walk(&w, dir, buf, ni, &res);
		dir = NULL; /* the walk consumed it */
		if (error != 0)
			goto out;
		vp = res.vp;
		if (vp->v_type == VLNK && (flags & O_DIRECTORY))
			error = ENOTDIR;
	} else {
		path = buf;
		for (;;) {
			error = walk(&w, dir, path, WALK_PARENT, &res);
			dir = NULL;
			if (error != 0)
				goto out;
			dvp = res.dvp;
			if (not_normal(&res)) {
				error = (flags & O_EXCL) ? EEXIST : EISDIR;
				goto out;
			}
			if (res.trail) {
				error = EISDIR;
				goto out;
			}
			error = lookup_name(dvp, &res, &vp);
			/* A long name is no name to create (ENOENT is for a
			 * removed directory then). */
			if (error == ENOENT && res.namelen <= NAME_MAX_) {
				vp = NULL;
				if ((error = walk_access(&w, dvp,
							 VWRITE | VEXEC)) != 0)
					goto out;
				error = new_attrs(dvp, cr, VREG, mode,
						  proc_umask(l), &va);
				if (error != 0)
					goto out;
				error = dvp->v_op->vop_create(
					dvp, res.name, res.namelen, &va, &vp);
				new_attrs_done(&va);
				if (error == EEXIST && !(flags & O_EXCL) &&
				    ++tries < ESTALE_RETRIES) {
					/* Lost a race: open what is there. */
					dir = dvp;
					dvp = NULL;
					continue;
				}
				if (error != 0)
					goto out;
				created = true;
				inotify_child(dvp, res.name, res.namelen,
					      IN_CREATE, 0);
				break;
			}
			if (error != 0)
				goto out;
			if (flags & O_EXCL) {
				error = EEXIST;
				goto out;
			}
			vp = cross_down(vp);
			if ((error = walk_same_mount(&w, vp)) != 0)
				goto out;
			if (vp->v_type == VLNK && !(flags & O_NOFOLLOW)) {
				error = walk_readlink(&w, vp, NULL, &path);
				vnode_rele(vp);
				vp = NULL;
				if (error != 0)
					goto out;
				dir = dvp;
				dvp = NULL;
				continue;
			}
			if (vp->v_type == VDIR) {
				error = EISDIR;
				goto out;
			}
			break;
		}
	}
	if (error != 0)
		goto out;
	if (!created && !(flags & O_PATH)) {
		if ((error = may_open(vp, flags, cr)) != 0)
			goto out;
		if ((flags & O_NOATIME) && !owner_or_capable(vp, cr)) {
			error = EPERM;
			goto out;
		}
		if ((flags & O_TRUNC) && vp->v_type == VREG) {
			if ((error = do_truncate(vp, 0, cr)) != 0)
				goto out;
			truncated = true;
		}
	}
	/* The file keeps the rest, as Linux's does: F_GETFL shows an
	 * O_TMPFILE file's O_TMPFILE, O_DIRECTORY with it. */
	flags &= ~(unsigned)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	if ((error = vn_open_file(vp, flags, l->l_cred, &fp)) != 0)
		goto out;
	/* inotify: IN_OPEN, then the truncation's IN_MODIFY, as Linux
	 * reports them. */
	if (!(flags & O_PATH) && inotify_watched(vp)) {
		bool tmp = (flags & O_TMPFILE_FLAG) != 0;

		inotify_open(l, dirfd, buf, !(flags & O_NOFOLLOW), dvp,
			     tmp ? "" : res.name, tmp ? 0 : res.namelen, fp);
		if (truncated)
			inotify_file(fp, IN_MODIFY);
	}
	error = fd_alloc(l->l_proc, fp, 0, (oflags & O_CLOEXEC) != 0, &fd);
	file_release(fp);
out:
	if (vp != NULL)
		vnode_rele(vp);
	if (dvp != NULL)
		vnode_rele(dvp);
	if (dir != NULL)
		vnode_rele(dir);
	walker_fini(&w);
	path_free(buf);
	return error != 0 ? -error : fd;
}

long
sys_open(struct lwp *l, const char *pathname, int flags, mode_t mode)
{
	return do_openat(l, AT_FDCWD, pathname, flags, mode, 0);
}

long
sys_openat(struct lwp *l, int dirfd, const char *pathname, int flags,
	   mode_t mode)
{
	return do_openat(l, dirfd, pathname, flags, mode, 0);
}

long
sys_creat(struct lwp *l, const char *pathname, mode_t mode)
{
	return do_openat(l, AT_FDCWD, pathname, O_CREAT | O_WRONLY | O_TRUNC,
			 mode, 0);
}

/* The open flags openat2 takes (Linux's VALID_OPEN_FLAGS). */
#define OPENAT2_FLAGS                                                          \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |        \
	 O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE |              \
	 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | __O_SYNC |         \
	 O_PATH | O_TMPFILE_FLAG)
#define OPENAT2_RESOLVE                                                        \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |       \
	 RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)

/*
 * Copy in a struct of `size' bytes of which the kernel knows `ksize':
 * a shorter one is an older version (the rest 0), a longer one may
 * only have zeros past what the kernel knows (E2BIG).  EFAULT.
 */
static int
copyin_extensible(const void *uaddr, size_t size, void *kaddr, size_t ksize)
{
	unsigned char tail[64];
	size_t off, n;
	int error;

	memset(kaddr, 0, ksize);
	if ((error = copyin(uaddr, kaddr, size < ksize ? size : ksize)) != 0)
		return error;
	for (off = ksize; off < size; off += n) {
		n = size - off < sizeof(tail) ? size - off : sizeof(tail);
		if ((error = copyin((const char *)uaddr + off, tail, n)) != 0)
			return error;
		for (size_t i = 0; i < n; i++)
			if (tail[i] != 0)
				return E2BIG;
	}
	return 0;
}

long
sys_openat2(struct lwp *l, int dirfd, const char *pathname,
	    struct open_how *how, size_t size)
{
	struct open_how h;
	int error;

	/* Linux's order (openat2, build_open_flags). */
	if (size < 24) /* OPEN_HOW_SIZE_VER0 */
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	if ((error = copyin_extensible(how, size, &h, sizeof(h))) != 0)
		return -error;
	if (h.flags & ~(uint64_t)OPENAT2_FLAGS)
		return -EINVAL;
	if (h.resolve & ~(uint64_t)OPENAT2_RESOLVE)
		return -EINVAL;
	if ((h.resolve & RESOLVE_BENEATH) && (h.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if (h.flags & (O_CREAT | O_TMPFILE_FLAG)) {
		if (h.mode & ~(uint64_t)07777)
			return -EINVAL;
	} else if (h.mode != 0) {
		return -EINVAL;
	}
	return do_openat(l, dirfd, pathname, (int)h.flags, (mode_t)h.mode,
			 (unsigned)h.resolve | OPENAT2_CALL);
}

/* ---- stat ------------------------------------------------------------------- */

/* stat a path, or (AT_EMPTY_PATH and "") the file on dirfd. */
static int
stat_at(struct lwp *l, int dirfd, const char *upath, int flags, struct stat *st)
{
	struct vnode *vp;
	struct file *fp;
	struct vattr va;
	char buf[PATH_MAX_];
	int error;

	error = path_copyin(upath, buf, (flags & AT_EMPTY_PATH) != 0);
	if (error == 0 && buf[0] == '\0' && dirfd != AT_FDCWD) {
		if ((fp = fd_getfile(l->l_proc, dirfd)) == NULL)
			return EBADF;
		error = fp->f_ops->fo_stat(fp, st);
		file_release(fp);
		return error;
	}
	if (error == 0)
		error = namei_attr(
			l, dirfd, buf,
			((flags & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW) |
				NI_EMPTYPATH,
			&vp, &va);
	if (error != 0)
		return error;
	if (va.va_type != VNON)
		vattr_to_stat(&va, st);
	else
		error = vn_stat(vp, st);
	vnode_rele(vp);
	return error;
}

static long
stat_out(int error, const struct stat *st, struct stat *ubuf)
{
	if (error == 0)
		error = copyout(st, ubuf, sizeof(*st));
	return -error;
}

long
sys_stat(struct lwp *l, const char *pathname, struct stat *statbuf)
{
	struct stat st;

	return stat_out(stat_at(l, AT_FDCWD, pathname, 0, &st), &st, statbuf);
}

long
sys_lstat(struct lwp *l, const char *pathname, struct stat *statbuf)
{
	struct stat st;

	return stat_out(
		stat_at(l, AT_FDCWD, pathname, AT_SYMLINK_NOFOLLOW, &st), &st,
		statbuf);
}

long
sys_newfstatat(struct lwp *l, int dirfd, const char *pathname,
	       struct stat *statbuf, int flags)
{
	struct stat st;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	return stat_out(stat_at(l, dirfd, pathname, flags, &st), &st, statbuf);
}

static void
statx_ts(struct statx_timestamp *ts, __kernel_ulong_t sec,
	 __kernel_ulong_t nsec)
{
	ts->tv_sec = (__s64)sec;
	ts->tv_nsec = (__u32)nsec;
}

long
sys_statx(struct lwp *l, int dirfd, const char *pathname, int flags,
	  unsigned int mask, struct statx *statxbuf)
{
	struct statx stx;
	struct stat st;
	struct vnode *vp = NULL;
	struct file *fp;
	struct vattr va = { .va_type = VNON };
	int error;

	if (mask & STATX__RESERVED)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
		      AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	/* A vnode when there is one (for btime), else fo_stat. */
	if (pathname == NULL && (flags & AT_EMPTY_PATH)) {
		error = 0;
		if (dirfd == AT_FDCWD)
			error = namei(l, AT_FDCWD, ".", NI_FOLLOW, &vp);
		else if ((fp = fd_getfile(l->l_proc, dirfd)) == NULL)
			return -EBADF;
		else {
			if ((vp = fp->f_vnode) != NULL)
				vnode_ref(vp);
			else
				error = fp->f_ops->fo_stat(fp, &st);
			file_release(fp);
		}
	} else {
		char *buf = path_alloc();

		error = path_copyin(pathname, buf,
				    (flags & AT_EMPTY_PATH) != 0);
		if (error == 0 && buf[0] == '\0' && dirfd != AT_FDCWD) {
			if ((fp = fd_getfile(l->l_proc, dirfd)) == NULL) {
				error = EBADF;
			} else {
				if ((vp = fp->f_vnode) != NULL)
					vnode_ref(vp);
				else
					error = fp->f_ops->fo_stat(fp, &st);
				file_release(fp);
			}
		} else if (error == 0) {
			error = namei_attr(l, dirfd, buf,
					   ((flags & AT_SYMLINK_NOFOLLOW)
						    ? 0
						    : NI_FOLLOW) |
						   NI_EMPTYPATH,
					   &vp, &va);
		}
		path_free(buf);
	}
	if (error != 0)
		return -error;
	memset(&stx, 0, sizeof(stx));
	stx.stx_mask = STATX_BASIC_STATS;
	if (vp != NULL) {
		error = va.va_type != VNON ? 0 : vp->v_op->vop_getattr(vp, &va);
		if (error == 0) {
			vattr_to_stat(&va, &st);
			stx.stx_mask |= STATX_BTIME;
			stx.stx_btime.tv_sec = va.va_btime / NSEC_PER_SEC_;
			stx.stx_btime.tv_nsec =
				(__u32)(va.va_btime % NSEC_PER_SEC_);
			if (vp == vp->v_mount->mnt_root)
				stx.stx_attributes |= STATX_ATTR_MOUNT_ROOT;
		}
		vnode_rele(vp);
		if (error != 0)
			return -error;
	}
	stx.stx_attributes_mask = STATX_ATTR_MOUNT_ROOT;
	stx.stx_blksize = (__u32)st.st_blksize;
	stx.stx_nlink = (__u32)st.st_nlink;
	stx.stx_uid = st.st_uid;
	stx.stx_gid = st.st_gid;
	stx.stx_mode = (__u16)st.st_mode;
	stx.stx_ino = st.st_ino;
	stx.stx_size = (__u64)st.st_size;
	stx.stx_blocks = (__u64)st.st_blocks;
	statx_ts(&stx.stx_atime, st.st_atime, st.st_atime_nsec);
	statx_ts(&stx.stx_mtime, st.st_mtime, st.st_mtime_nsec);
	statx_ts(&stx.stx_ctime, st.st_ctime, st.st_ctime_nsec);
	stx.stx_rdev_major = VMAJOR((vdev_t)st.st_rdev);
	stx.stx_rdev_minor = VMINOR((vdev_t)st.st_rdev);
	stx.stx_dev_major = VMAJOR((vdev_t)st.st_dev);
	stx.stx_dev_minor = VMINOR((vdev_t)st.st_dev);
	return -copyout(&stx, statxbuf, sizeof(stx));
}

/* ---- statfs ------------------------------------------------------------------ */

static int
vn_statfs(struct vnode *vp, struct statfs *sf)
{
	struct mount *mp = vp->v_mount;
	unsigned mf = atomic_load_relaxed(&mp->mnt_flags);
	int error;

	memset(sf, 0, sizeof(*sf));
	if ((error = mp->mnt_op->vfs_statfs(mp, sf)) != 0)
		return error;
	sf->f_fsid.val[0] = (int)(uint32_t)mp->mnt_dev;
	sf->f_fsid.val[1] = (int)(uint32_t)(mp->mnt_dev >> 32);
	sf->f_namelen = NAME_MAX_;
	sf->f_frsize = sf->f_bsize;
	/* ST_VALID plus ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC. */
	sf->f_flags = 0x20 |
		      (mf & (MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC));
	return 0;
}

long
sys_statfs(struct lwp *l, const char *path, struct statfs *buf)
{
	struct statfs sf;
	struct vnode *vp;
	int error;

	if ((error = namei_user(l, AT_FDCWD, path, NI_FOLLOW, &vp)) != 0)
		return -error;
	error = vn_statfs(vp, &sf);
	vnode_rele(vp);
	if (error == 0)
		error = copyout(&sf, buf, sizeof(sf));
	return -error;
}

long
sys_fstatfs(struct lwp *l, int fd, struct statfs *buf)
{
	struct statfs sf;
	struct file *fp;
	int error;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	if (fp->f_vnode == NULL) {
		/* Pipes, sockets, memfds: an anonymous in-memory fs. */
		memset(&sf, 0, sizeof(sf));
		sf.f_type = 0x01021994; /* TMPFS_MAGIC, as memfd's shmem */
		sf.f_bsize = sf.f_frsize = 4096;
		sf.f_namelen = NAME_MAX_;
		sf.f_flags = 0x20;
		error = 0;
	} else {
		error = vn_statfs(fp->f_vnode, &sf);
	}
	file_release(fp);
	if (error == 0)
		error = copyout(&sf, buf, sizeof(sf));
	return -error;
}

/* ---- access ------------------------------------------------------------------ */

static long
do_faccessat(struct lwp *l, int dirfd, const char *upath, int mode, int flags)
{
	struct kauth_cred *cr = l->l_cred, *ocr = NULL;
	struct walker w;
	struct walkres res;
	struct vnode *dir;
	char *buf;
	int error;

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!(flags & AT_EACCESS) &&
	    (cr->cr_fsuid != cr->cr_uid || cr->cr_fsgid != cr->cr_gid)) {
		/* Check with the real ids, as Linux's access_override_creds. */
		if ((ocr = cred_dup(cr, -1)) == NULL)
			return -ENOMEM;
		ocr->cr_fsuid = cr->cr_uid;
		ocr->cr_fsgid = cr->cr_gid;
		cr = ocr;
	}
	buf = path_alloc();
	walker_init(&w, l);
	w.w_cred = cr;
	error = path_copyin(upath, buf, (flags & AT_EMPTY_PATH) != 0);
	if (error == 0)
		error = walk_start(&w, dirfd, buf, &dir);
	if (error == 0 && buf[0] == '\0') {
		res.vp = dir;
	} else if (error == 0) {
		error = walk(&w, dir, buf,
			     (flags & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW,
			     &res);
	}
	if (error == 0) {
		if (mode != 0)
			error = walk_access(&w, res.vp, mode);
		if (error == 0 && (mode & VEXEC) && res.vp->v_type == VREG &&
		    (atomic_load_relaxed(&res.vp->v_mount->mnt_flags) &
		     MNT_NOEXEC))
			error = EACCES;
		vnode_rele(res.vp);
	}
	walker_fini(&w);
	path_free(buf);
	if (ocr != NULL)
		cred_free(ocr);
	return -error;
}

long
sys_access(struct lwp *l, const char *pathname, int mode)
{
	return do_faccessat(l, AT_FDCWD, pathname, mode, 0);
}

long
sys_faccessat(struct lwp *l, int dirfd, const char *pathname, int mode)
{
	return do_faccessat(l, dirfd, pathname, mode, 0);
}

long
sys_faccessat2(struct lwp *l, int dirfd, const char *pathname, int mode,
	       int flags)
{
	return do_faccessat(l, dirfd, pathname, mode, flags);
}

/* ---- creating names ---------------------------------------------------------- */

/*
 * The common front of mkdir, mknod, symlink, link and socket binds
 * (Linux's filename_create): the parent, EEXIST for an existing name
 * (or ".", ".."), ENOENT for a trailing slash on a non-directory, then
 * write and search permission on the parent.
 */
static int
create_front(struct walker *w, struct walkres *res, bool isdir)
{
	struct vnode *vp;
	int error;

	if (not_normal(res))
		return EEXIST;
	error = lookup_name(res->dvp, res, &vp);
	if (error == 0) {
		vnode_rele(vp);
		return EEXIST;
	}
	if (error != ENOENT || res->namelen > NAME_MAX_)
		return error;
	if (res->trail && !isdir)
		return ENOENT;
	return walk_access(w, res->dvp, VWRITE | VEXEC);
}

/*
 * mknod and mkdir: a new node of `type' with permission bits `perm'
 * (before the umask) at upath; dev for device nodes.  0 or an errno.
 */
static int
create_at(struct lwp *l, int dirfd, const char *upath, enum vtype type,
	  mode_t perm, unsigned dev)
{
	struct walker w;
	struct walkres res = { 0 };
	struct vnode *vp;
	struct vattr va;
	char *buf = NULL;
	int error;

	error = lookup_parent(l, &w, dirfd, upath, &buf, &res);
	if (error == 0)
		error = create_front(&w, &res, type == VDIR);
	/* CAP_MKNOD, a file capability: the fsuid decides. */
	if (error == 0 && (type == VCHR || type == VBLK) &&
	    !cred_fs_privileged(l->l_cred))
		error = EPERM;
	if (error == 0 && res.dvp->v_op->vop_create == NULL)
		error = EPERM;
	if (error == 0)
		error = new_attrs(res.dvp, l->l_cred, type, perm, proc_umask(l),
				  &va);
	if (error == 0) {
		va.va_rdev = (type == VCHR || type == VBLK) ? dev : 0;
		error = res.dvp->v_op->vop_create(res.dvp, res.name,
						  res.namelen, &va, &vp);
		new_attrs_done(&va);
		if (error == 0) {
			vnode_rele(vp);
			inotify_child(res.dvp, res.name, res.namelen,
				      IN_CREATE | (type == VDIR ? IN_ISDIR : 0),
				      0);
		}
	}
	if (res.dvp != NULL)
		vnode_rele(res.dvp);
	walker_fini(&w);
	path_free(buf);
	return error;
}

static long
do_mknodat(struct lwp *l, int dirfd, const char *upath, mode_t mode,
	   unsigned dev)
{
	enum vtype type;

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
		type = VREG;
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		type = ifmt_to_vtype(mode);
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return -create_at(l, dirfd, upath, type, mode & 07777, dev);
}

long
sys_mknod(struct lwp *l, const char *pathname, mode_t mode, unsigned int dev)
{
	return do_mknodat(l, AT_FDCWD, pathname, mode, dev);
}

long
sys_mknodat(struct lwp *l, int dirfd, const char *pathname, mode_t mode,
	    unsigned int dev)
{
	return do_mknodat(l, dirfd, pathname, mode, dev);
}

int
vfs_mkdir_kernel(struct vnode *dvp, const char *name, mode_t mode,
		 struct vnode **vpp)
{
	struct vattr va;

	memset(&va, 0, sizeof(va));
	va.va_type = VDIR;
	va.va_mode = mode;
	return dvp->v_op->vop_create(dvp, name, kstrlen(name), &va, vpp);
}

static long
do_mkdirat(struct lwp *l, int dirfd, const char *upath, mode_t mode)
{
	return -create_at(l, dirfd, upath, VDIR, mode & 01777, 0);
}

long
sys_mkdir(struct lwp *l, const char *pathname, mode_t mode)
{
	return do_mkdirat(l, AT_FDCWD, pathname, mode);
}

long
sys_mkdirat(struct lwp *l, int dirfd, const char *pathname, mode_t mode)
{
	return do_mkdirat(l, dirfd, pathname, mode);
}

static long
do_symlinkat(struct lwp *l, const char *utarget, int dirfd, const char *upath)
{
	struct walker w;
	struct walkres res = { 0 };
	struct vnode *vp;
	struct vattr va;
	char *buf = NULL, *target = path_alloc();
	int error;

	error = path_copyin(utarget, target, false);
	if (error != 0) {
		path_free(target);
		return -error;
	}
	error = lookup_parent(l, &w, dirfd, upath, &buf, &res);
	if (error == 0)
		error = create_front(&w, &res, false);
	if (error == 0 && res.dvp->v_op->vop_symlink == NULL)
		error = EPERM;
	if (error == 0) {
		new_attrs(res.dvp, l->l_cred, VLNK, 0777, 0, &va);
		error = res.dvp->v_op->vop_symlink(
			res.dvp, res.name, res.namelen, &va, target, &vp);
		if (error == 0) {
			vnode_rele(vp);
			inotify_child(res.dvp, res.name, res.namelen, IN_CREATE,
				      0);
		}
	}
	if (res.dvp != NULL)
		vnode_rele(res.dvp);
	walker_fini(&w);
	path_free(buf);
	path_free(target);
	return -error;
}

long
sys_symlink(struct lwp *l, const char *target, const char *linkpath)
{
	return do_symlinkat(l, target, AT_FDCWD, linkpath);
}

long
sys_symlinkat(struct lwp *l, const char *target, int newdirfd,
	      const char *linkpath)
{
	return do_symlinkat(l, target, newdirfd, linkpath);
}

/*
 * linkat(AT_EMPTY_PATH) gives a name to whatever a descriptor refers to,
 * so Linux (since 6.10) allows a lookup starting at a descriptor only to
 * the credentials that opened it, or with CAP_DAC_READ_SEARCH; to anyone
 * else it is ENOENT, with an empty name or not.  A bad descriptor is
 * EBADF before that; absolute paths and the cwd need nothing.
 */
static int
flink_allowed(struct lwp *l, int dirfd, const char *path)
{
	struct file *fp;
	int error = 0;

	if (path[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	if ((fp = fd_getfile(l->l_proc, dirfd)) == NULL)
		return EBADF;
	if (fp->f_cred != l->l_cred && !cred_fs_privileged(l->l_cred))
		error = ENOENT;
	file_release(fp);
	return error;
}

/* Whether fd is an open file without a vnode (a memfd, a pipe...). */
static bool
fd_is_vnodeless(struct lwp *l, int fd)
{
	struct file *fp;
	bool none;

	if (fd == AT_FDCWD || (fp = fd_getfile(l->l_proc, fd)) == NULL)
		return false;
	none = fp->f_vnode == NULL;
	file_release(fp);
	return none;
}

static long
do_linkat(struct lwp *l, int olddirfd, const char *oldpath, int newdirfd,
	  const char *newpath, int flags)
{
	struct walker w;
	struct walkres res = { 0 };
	struct vnode *vp = NULL;
	char *buf = NULL, *obuf;
	int error;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	obuf = path_alloc();
	error = path_copyin(oldpath, obuf, (flags & AT_EMPTY_PATH) != 0);
	if (error == 0 && (flags & AT_EMPTY_PATH))
		error = flink_allowed(l, olddirfd, obuf);
	/* A file without a vnode is on an internal mount of its own (a
	 * memfd's, pipefs, sockfs): found, and never on newpath's. */
	if (error == 0 && obuf[0] == '\0' && fd_is_vnodeless(l, olddirfd))
		;
	else if (error == 0)
		error = namei(l, olddirfd, obuf,
			      ((flags & AT_SYMLINK_FOLLOW) ? NI_FOLLOW : 0) |
				      NI_EMPTYPATH,
			      &vp);
	path_free(obuf);
	if (error != 0)
		return -error;
	error = lookup_parent(l, &w, newdirfd, newpath, &buf, &res);
	if (error == 0) {
		int e2 = create_front(&w, &res, false);

		if (e2 != 0 && e2 != EACCES)
			error = e2;
		else if (vp == NULL || res.dvp->v_mount != vp->v_mount)
			error = EXDEV;
		else if (e2 != 0)
			error = e2;
		else if (vp->v_type == VDIR)
			error = EPERM;
		else if (res.dvp->v_op->vop_link == NULL)
			error = EPERM;
		else
			error = res.dvp->v_op->vop_link(res.dvp, res.name,
							res.namelen, vp);
		/* The link count's IN_ATTRIB, then the name's IN_CREATE. */
		if (error == 0 && inotify_watched(vp)) {
			inotify_vnode(NULL, NULL, 0, vp, IN_ATTRIB);
			inotify_child(res.dvp, res.name, res.namelen, IN_CREATE,
				      0);
		}
	}
	if (vp != NULL)
		vnode_rele(vp);
	if (res.dvp != NULL)
		vnode_rele(res.dvp);
	walker_fini(&w);
	path_free(buf);
	return -error;
}

long
sys_link(struct lwp *l, const char *oldpath, const char *newpath)
{
	return do_linkat(l, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long
sys_linkat(struct lwp *l, int olddirfd, const char *oldpath, int newdirfd,
	   const char *newpath, int flags)
{
	return do_linkat(l, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* ---- removing names ---------------------------------------------------------- */

static long
do_unlinkat(struct lwp *l, int dirfd, const char *upath, bool rmdir)
{
	struct walker w;
	struct walkres res = { 0 };
	struct vnode *vp = NULL;
	char *buf = NULL;
	int error, tries = 0;

again:
	error = lookup_parent(l, &w, dirfd, upath, &buf, &res);
	if (error == 0) {
		if (rmdir && res.namelen == 0)
			error = EBUSY;
		else if (rmdir && is_dot(&res))
			error = EINVAL;
		else if (rmdir && is_dotdot(&res))
			error = ENOTEMPTY;
		else if (not_normal(&res))
			error = EISDIR;
	}
	if (error == 0)
		error = lookup_name(res.dvp, &res, &vp);
	if (error == 0 && !rmdir && res.trail)
		error = vp->v_type == VDIR ? EISDIR : ENOTDIR;
	if (error == 0)
		error = may_delete(res.dvp, vp, rmdir, w.w_cred);
	if (error == 0 && is_mountpoint(vp))
		error = EBUSY;
	if (error == 0) {
		if (rmdir)
			error = res.dvp->v_op->vop_rmdir(res.dvp, res.name,
							 res.namelen, vp);
		else
			error = res.dvp->v_op->vop_remove(res.dvp, res.name,
							  res.namelen, vp);
		/* inotify: the file's events (IN_ATTRIB for the link count
		 * of a non-directory, IN_DELETE_SELF when no name is left),
		 * then the directory's IN_DELETE. */
		if (error == 0 && inotify_watched(vp)) {
			inotify_unlinked(vp, !rmdir, rmdir);
			inotify_child(res.dvp, res.name, res.namelen,
				      IN_DELETE | (rmdir ? IN_ISDIR : 0), 0);
		}
	}
	if (vp != NULL)
		vnode_rele(vp);
	if (res.dvp != NULL)
		vnode_rele(res.dvp);
	walker_fini(&w);
	path_free(buf);
	if (error == ESTALE && ++tries < ESTALE_RETRIES) {
		vp = NULL;
		buf = NULL;
		memset(&res, 0, sizeof(res));
		goto again;
	}
	return -error;
}

long
sys_unlink(struct lwp *l, const char *pathname)
{
	return do_unlinkat(l, AT_FDCWD, pathname, false);
}

long
sys_rmdir(struct lwp *l, const char *pathname)
{
	return do_unlinkat(l, AT_FDCWD, pathname, true);
}

long
sys_unlinkat(struct lwp *l, int dirfd, const char *pathname, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_unlinkat(l, dirfd, pathname, (flags & AT_REMOVEDIR) != 0);
}

/* ---- rename ------------------------------------------------------------------ */

/* Whether directory `anc' is `dvp' or above it (on dvp's mount). */
static bool
vn_is_ancestor(struct vnode *anc, struct vnode *dvp)
{
	struct vnode *vp = dvp, *up;
	bool found = false;

	vnode_ref(vp);
	for (int depth = 0; depth < PATH_MAX_; depth++) {
		if (vp == anc) {
			found = true;
			break;
		}
		if (vp == vp->v_mount->mnt_root ||
		    vnode_lookup(vp, "..", 2, &up, NULL) != 0)
			break;
		vnode_rele(vp);
		vp = up;
	}
	vnode_rele(vp);
	return found;
}

static int
rename_checks(struct walker *w, struct walkres *fr, struct walkres *tr,
	      struct vnode *fvp, struct vnode *tvp, unsigned flags)
{
	const struct kauth_cred *cr = w->w_cred;
	bool isdir = fvp->v_type == VDIR;
	int error;

	if ((error = may_delete(fr->dvp, fvp, isdir, cr)) != 0)
		return error;
	if (tvp != NULL) {
		bool tisdir = (flags & VRENAME_EXCHANGE) ? tvp->v_type == VDIR
							 : isdir;

		if ((error = may_delete(tr->dvp, tvp, tisdir, cr)) != 0)
			return error;
	} else if ((error = vfs_access(tr->dvp, VWRITE | VEXEC, cr)) != 0) {
		return error;
	}
	if (fr->dvp != tr->dvp) {
		/* A directory changing parent gets a new "..". */
		if (isdir && (error = vfs_access(fvp, VWRITE, cr)) != 0)
			return error;
		if ((flags & VRENAME_EXCHANGE) && tvp->v_type == VDIR &&
		    (error = vfs_access(tvp, VWRITE, cr)) != 0)
			return error;
	}
	return 0;
}

/* inotify: Linux's events of a rename, in its order: the moves with
 * their cookies, the replaced file's IN_ATTRIB, IN_MOVE_SELF, then the
 * replaced file's deletion. */
static void
rename_notify(struct walkres *fr, struct vnode *fvp, struct walkres *tr,
	      struct vnode *tvp, unsigned vflags)
{
	uint32_t cookie = inotify_cookie();
	uint32_t isdir = fvp->v_type == VDIR ? IN_ISDIR : 0;

	inotify_renamed(fr->dvp, fr->name, fr->namelen, fvp, tr->dvp, tr->name,
			tr->namelen, tvp, (vflags & VRENAME_EXCHANGE) != 0);

	inotify_child(fr->dvp, fr->name, fr->namelen, IN_MOVED_FROM | isdir,
		      cookie);
	inotify_child(tr->dvp, tr->name, tr->namelen, IN_MOVED_TO | isdir,
		      cookie);
	/* A replaced file's link count changed before the move is told. */
	if (tvp != NULL && !(vflags & VRENAME_EXCHANGE))
		inotify_vnode(NULL, NULL, 0, tvp, IN_ATTRIB);
	inotify_vnode(NULL, NULL, 0, fvp, IN_MOVE_SELF);
	if (tvp == NULL)
		return;
	if (vflags & VRENAME_EXCHANGE) {
		cookie = inotify_cookie();
		isdir = tvp->v_type == VDIR ? IN_ISDIR : 0;
		inotify_child(tr->dvp, tr->name, tr->namelen,
			      IN_MOVED_FROM | isdir, cookie);
		inotify_child(fr->dvp, fr->name, fr->namelen,
			      IN_MOVED_TO | isdir, cookie);
		inotify_vnode(NULL, NULL, 0, tvp, IN_MOVE_SELF);
		return;
	}
	inotify_unlinked(tvp, false, tvp->v_type == VDIR);
}

static long
do_renameat2(struct lwp *l, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath, unsigned int flags)
{
	struct walker fw, tw;
	struct walkres fr = { 0 }, tr = { 0 };
	struct vnode *fvp = NULL, *tvp = NULL;
	char *fbuf = NULL, *tbuf = NULL;
	unsigned vflags = 0;
	int error, tries = 0;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE)
		vflags |= VRENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		vflags |= VRENAME_EXCHANGE;
again:
	error = lookup_parent(l, &fw, olddirfd, oldpath, &fbuf, &fr);
	tw.w_root = tw.w_base = NULL; /* walker_fini of an unused walker */
	tw.w_buf[0] = tw.w_buf[1] = NULL;
	if (error == 0)
		error = lookup_parent(l, &tw, newdirfd, newpath, &tbuf, &tr);
	if (error == 0 && fr.dvp->v_mount != tr.dvp->v_mount)
		error = EXDEV;
	if (error == 0 && not_normal(&fr))
		error = EBUSY;
	else if (error == 0 && not_normal(&tr))
		error = (flags & RENAME_NOREPLACE) ? EEXIST : EBUSY;
	if (error == 0)
		error = lookup_name(fr.dvp, &fr, &fvp);
	if (error == 0) {
		error = lookup_name(tr.dvp, &tr, &tvp);
		if (error == ENOENT && tr.namelen <= NAME_MAX_) {
			tvp = NULL;
			error = (flags & RENAME_EXCHANGE) ? ENOENT : 0;
		} else if (error == 0 && (flags & RENAME_NOREPLACE)) {
			error = EEXIST;
		}
	}
	if (error == 0 && fvp->v_type != VDIR &&
	    (fr.trail || (!(flags & RENAME_EXCHANGE) && tr.trail)))
		error = ENOTDIR;
	if (error == 0 && (flags & RENAME_EXCHANGE) && tr.trail &&
	    tvp->v_type != VDIR)
		error = ENOTDIR;
	if (error == 0 && fvp->v_type == VDIR && fr.dvp != tr.dvp &&
	    vn_is_ancestor(fvp, tr.dvp))
		error = EINVAL; /* into its own subtree */
	if (error == 0 && tvp != NULL && tvp->v_type == VDIR &&
	    fr.dvp != tr.dvp && vn_is_ancestor(tvp, fr.dvp))
		error = (flags & RENAME_EXCHANGE) ? EINVAL : ENOTEMPTY;
	if (error == 0 && fvp == tvp) {
		/* Two names of one file: nothing to do. */
		goto out;
	}
	if (error == 0)
		error = rename_checks(&fw, &fr, &tr, fvp, tvp, vflags);
	if (error == 0 && fr.dvp->v_op->vop_rename == NULL)
		error = EPERM;
	if (error == 0 &&
	    (is_mountpoint(fvp) || (tvp != NULL && is_mountpoint(tvp))))
		error = EBUSY;
	if (error == 0)
		error = fr.dvp->v_op->vop_rename(fr.dvp, fr.name, fr.namelen,
						 fvp, tr.dvp, tr.name,
						 tr.namelen, tvp, vflags);
	if (error == 0 && inotify_watched(fvp))
		rename_notify(&fr, fvp, &tr, tvp, vflags);
out:
	if (fvp != NULL)
		vnode_rele(fvp);
	if (tvp != NULL)
		vnode_rele(tvp);
	if (fr.dvp != NULL)
		vnode_rele(fr.dvp);
	if (tr.dvp != NULL)
		vnode_rele(tr.dvp);
	walker_fini(&fw);
	walker_fini(&tw);
	path_free(fbuf);
	path_free(tbuf);
	if (error == ESTALE && ++tries < ESTALE_RETRIES) {
		fvp = tvp = NULL;
		fbuf = tbuf = NULL;
		memset(&fr, 0, sizeof(fr));
		memset(&tr, 0, sizeof(tr));
		goto again;
	}
	return -error;
}

long
sys_rename(struct lwp *l, const char *oldpath, const char *newpath)
{
	return do_renameat2(l, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long
sys_renameat(struct lwp *l, int olddirfd, const char *oldpath, int newdirfd,
	     const char *newpath)
{
	return do_renameat2(l, olddirfd, oldpath, newdirfd, newpath, 0);
}

long
sys_renameat2(struct lwp *l, int olddirfd, const char *oldpath, int newdirfd,
	      const char *newpath, unsigned int flags)
{
	return do_renameat2(l, olddirfd, oldpath, newdirfd, newpath, flags);
}

/* ---- readlink ------------------------------------------------------------------ */

static long
do_readlinkat(struct lwp *l, int dirfd, const char *upath, char *ubuf,
	      long bufsiz)
{
	struct vnode *vp;
	char *kbuf;
	size_t len;
	int error;

	if (bufsiz <= 0)
		return -EINVAL;
	if ((error = namei_user(l, dirfd, upath, NI_EMPTYPATH, &vp)) != 0)
		return -error;
	if (vp->v_type != VLNK || vp->v_op->vop_readlink == NULL) {
		char c = 0;

		vnode_rele(vp);
		/* An empty path reads only an O_PATH symlink descriptor. */
		(void)copyin(upath, &c, 1);
		return c == '\0' ? -ENOENT : -EINVAL;
	}
	kbuf = path_alloc();
	if (kbuf == NULL)
		error = ENOMEM;
	else
		error = vp->v_op->vop_readlink(vp, kbuf, PATH_MAX_, &len);
	vnode_rele(vp);
	if (error == 0) {
		len = MIN(len, (size_t)bufsiz);
		error = copyout(kbuf, ubuf, len);
	}
	path_free(kbuf);
	return error != 0 ? -error : (long)len;
}

long
sys_readlink(struct lwp *l, const char *pathname, char *buf, size_t bufsiz)
{
	return do_readlinkat(l, AT_FDCWD, pathname, buf, (long)bufsiz);
}

long
sys_readlinkat(struct lwp *l, int dirfd, const char *pathname, char *buf,
	       size_t bufsiz)
{
	return do_readlinkat(l, dirfd, pathname, buf, (long)bufsiz);
}

/* ---- attributes ------------------------------------------------------------------ */

/* The vnode an fd refers to, held (EBADF for O_PATH when !allow_path, or
 * a file without a vnode: `novnode' errno). */
static int
fd_vnode(struct lwp *l, int fd, bool allow_path, int novnode,
	 struct vnode **vpp, unsigned *flagp)
{
	struct file *fp;
	int error = 0;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return EBADF;
	if (!allow_path && (file_flag(fp) & O_PATH))
		error = EBADF;
	else if (fp->f_vnode == NULL)
		error = novnode;
	else {
		*vpp = fp->f_vnode;
		vnode_ref(*vpp);
		if (flagp != NULL)
			*flagp = file_flag(fp);
	}
	file_release(fp);
	return error;
}

static int
setattr_check_ro(struct vnode *vp)
{
	if (atomic_load_relaxed(&vp->v_mount->mnt_flags) & MNT_RDONLY)
		return EROFS;
	return 0;
}

/*
 * chmod, chown and utimensat: the rules (vfs_attr.c) decide on the
 * current attributes, then the change goes to the vnode (vop_setattr)
 * or to a file without one (fo_setattr).  A vnode's checks come in the
 * order they always had: the mount, the file system, the rules.
 */

static int
do_chmod(struct vnode *vp, mode_t mode, const struct kauth_cred *cr)
{
	struct vattr va = { 0 }, cur;
	int error;

	if ((error = setattr_check_ro(vp)) != 0)
		return error;
	if (vp->v_op->vop_setattr == NULL)
		return EPERM;
	/* Without attributes only fsuid 0 passes the owner check, and then
	 * learns why. */
	if ((error = vp->v_op->vop_getattr(vp, &cur)) != 0)
		return cr->cr_fsuid == 0 ? error : EPERM;
	if ((error = vattr_chmod(&cur, mode, cr, &va)) != 0)
		return error;
	return vp->v_op->vop_setattr(vp, &va);
}

static int
do_chown(struct vnode *vp, uid_t uid, gid_t gid, const struct kauth_cred *cr)
{
	struct vattr va = { 0 }, cur;
	int error;

	if ((error = setattr_check_ro(vp)) != 0)
		return error;
	if ((error = vp->v_op->vop_getattr(vp, &cur)) != 0)
		return error;
	if ((error = vattr_chown(&cur, uid, gid, cr, &va)) != 0)
		return error;
	if (vp->v_op->vop_setattr == NULL)
		return EPERM;
	return vp->v_op->vop_setattr(vp, &va);
}

/* times[2] in nanoseconds, or UTIME_NOW_/UTIME_OMIT_ in tv_nsec. */
static int
do_utimes(struct vnode *vp, const struct timespec *ts, int64_t now,
	  const struct kauth_cred *cr)
{
	struct vattr va = { 0 }, cur;
	int error;

	if ((error = setattr_check_ro(vp)) != 0)
		return error;
	/* Without attributes the vnode has no owner and no permission
	 * bits (what vfs_access sees then): only fsuid 0 passes. */
	if (vp->v_op->vop_getattr(vp, &cur) != 0) {
		memset(&cur, 0, sizeof(cur));
		cur.va_type = vp->v_type;
		cur.va_uid = (uid_t)-1;
		cur.va_gid = (gid_t)-1;
	}
	if ((error = vattr_utimes_vnode(vp, &cur, ts, now, cr, &va)) != 0)
		return error;
	if (vp->v_op->vop_setattr == NULL)
		return EPERM;
	return vp->v_op->vop_setattr(vp, &va);
}

/* What one chmod, chown or utimensat asks for. */
enum attr_op { AR_MODE, AR_OWNER, AR_TIMES };

struct attr_req {
	enum attr_op op;
	mode_t mode;               /* AR_MODE */
	uid_t uid;                 /* AR_OWNER */
	gid_t gid;                 /* AR_OWNER */
	const struct timespec *ts; /* AR_TIMES: times[2], or NULL (now) */
	int64_t now;               /* AR_TIMES: UTIME_NOW's time */
	const struct kauth_cred *cr;
};

/* fo_setattr's decide (file.h): the rules for a request. */
static int
attr_decide(void *arg, const struct vattr *cur, struct vattr *va)
{
	const struct attr_req *rq = arg;

	switch (rq->op) {
	case AR_MODE:
		return vattr_chmod(cur, rq->mode, rq->cr, va);
	case AR_OWNER:
		return vattr_chown(cur, rq->uid, rq->gid, rq->cr, va);
	default:
		return vattr_utimes(cur, rq->ts, rq->now, rq->cr, va);
	}
}

static bool
ts_valid(const struct timespec *t)
{
	if (t->tv_nsec == UTIME_NOW_ || t->tv_nsec == UTIME_OMIT_)
		return true;
	return t->tv_nsec >= 0 && t->tv_nsec <= 999999999;
}

/*
 * Apply a request to the file found: vnode vp, or else file fp, which
 * has none.  Nanoseconds are checked only now that the file is found,
 * as Linux does.  A file type without fo_setattr is on Linux's one
 * anonymous inode (root's, mode 0600): its setattr refuses everything,
 * after the touch check notify_change makes first.
 */
static int
attr_apply(struct vnode *vp, struct file *fp, struct attr_req *rq)
{
	static const struct vattr anon = { .va_type = VNON, .va_mode = 0600 };
	int error;

	if (rq->op == AR_TIMES) {
		if (rq->ts != NULL &&
		    (!ts_valid(&rq->ts[0]) || !ts_valid(&rq->ts[1])))
			return EINVAL;
		rq->now = vfs_now_ns();
	}
	if (vp != NULL) {
		switch (rq->op) {
		case AR_MODE:
			return do_chmod(vp, rq->mode, rq->cr);
		case AR_OWNER:
			return do_chown(vp, rq->uid, rq->gid, rq->cr);
		default:
			return do_utimes(vp, rq->ts, rq->now, rq->cr);
		}
	}
	if (fp->f_ops->fo_setattr != NULL)
		return fp->f_ops->fo_setattr(fp, attr_decide, rq);
	if (rq->op == AR_TIMES &&
	    (error = vattr_may_touch(&anon, rq->ts, rq->cr)) != 0)
		return error;
	return EOPNOTSUPP;
}

/* The inotify event of a request that was applied, as Linux's
 * fsnotify_change: times are IN_ATTRIB when both are set, IN_ACCESS or
 * IN_MODIFY for the access or modification time alone; a chown that
 * changes neither id, none. */
static uint32_t
attr_event(const struct attr_req *rq)
{
	bool at, mt;

	switch (rq->op) {
	case AR_MODE:
		return IN_ATTRIB;
	case AR_OWNER:
		return (rq->uid != (uid_t)-1 || rq->gid != (gid_t)-1)
			       ? IN_ATTRIB
			       : 0;
	default:
		if (rq->ts == NULL)
			return IN_ATTRIB;
		at = rq->ts[0].tv_nsec != UTIME_OMIT_;
		mt = rq->ts[1].tv_nsec != UTIME_OMIT_;
		return at && mt ? IN_ATTRIB : at ? IN_ACCESS : IN_MODIFY;
	}
}

/* fchmod, fchown, futimens: the open file on fd (O_PATH is none). */
static long
fd_setattr(struct lwp *l, int fd, struct attr_req *rq)
{
	struct file *fp;
	int error;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	if (file_flag(fp) & O_PATH)
		error = EBADF;
	else
		error = attr_apply(fp->f_vnode, fp, rq);
	if (error == 0 && fp->f_vnode != NULL && attr_event(rq) != 0)
		inotify_file(fp, attr_event(rq));
	file_release(fp);
	return -error;
}

/*
 * fchmodat2, fchownat, utimensat on a path: with AT_SYMLINK_NOFOLLOW and
 * AT_EMPTY_PATH (checked by the caller), where "" names the file on
 * dirfd, which may be one without a vnode (a memfd, a pipe, ...).
 */
static long
at_setattr(struct lwp *l, int dirfd, const char *upath, int flags,
	   struct attr_req *rq)
{
	struct vnode *vp;
	struct file *fp;
	char buf[PATH_MAX_];
	int error;

	error = path_copyin(upath, buf, (flags & AT_EMPTY_PATH) != 0);
	if (error != 0)
		return -error;
	if (buf[0] == '\0' && dirfd != AT_FDCWD) {
		if ((fp = fd_getfile(l->l_proc, dirfd)) == NULL)
			return -EBADF;
		if (fp->f_vnode == NULL) {
			error = attr_apply(NULL, fp, rq);
			file_release(fp);
			return -error;
		}
		file_release(fp);
	}
	error = namei(l, dirfd, buf,
		      ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW) |
			      ((flags & AT_EMPTY_PATH) ? NI_EMPTYPATH : 0),
		      &vp);
	if (error != 0)
		return -error;
	if (rq->op == AR_MODE && vp->v_type == VLNK)
		error = EOPNOTSUPP;
	else
		error = attr_apply(vp, NULL, rq);
	if (error == 0 && inotify_watched(vp) && attr_event(rq) != 0) {
		/* "" names dirfd's file: its name is the file's. */
		fp = buf[0] == '\0' && dirfd != AT_FDCWD
			     ? fd_getfile(l->l_proc, dirfd)
			     : NULL;
		if (fp != NULL && fp->f_vnode == vp)
			inotify_file(fp, attr_event(rq));
		else
			inotify_path(l, dirfd, buf,
				     !(flags & AT_SYMLINK_NOFOLLOW), vp,
				     attr_event(rq));
		if (fp != NULL)
			file_release(fp);
	}
	vnode_rele(vp);
	return -error;
}

long
sys_chmod(struct lwp *l, const char *pathname, mode_t mode)
{
	struct attr_req rq = { .op = AR_MODE, .mode = mode, .cr = l->l_cred };

	return at_setattr(l, AT_FDCWD, pathname, 0, &rq);
}

long
sys_fchmod(struct lwp *l, int fd, mode_t mode)
{
	struct attr_req rq = { .op = AR_MODE, .mode = mode, .cr = l->l_cred };

	return fd_setattr(l, fd, &rq);
}

static long
do_fchmodat(struct lwp *l, int dirfd, const char *pathname, mode_t mode,
	    int flags)
{
	struct attr_req rq = { .op = AR_MODE, .mode = mode, .cr = l->l_cred };

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return at_setattr(l, dirfd, pathname, flags, &rq);
}

long
sys_fchmodat(struct lwp *l, int dirfd, const char *pathname, mode_t mode)
{
	return do_fchmodat(l, dirfd, pathname, mode, 0);
}

long
sys_fchmodat2(struct lwp *l, int dirfd, const char *pathname, mode_t mode,
	      unsigned int flags)
{
	return do_fchmodat(l, dirfd, pathname, mode, (int)flags);
}

long
sys_fchownat(struct lwp *l, int dirfd, const char *pathname, uid_t owner,
	     gid_t group, int flags)
{
	struct attr_req rq = {
		.op = AR_OWNER, .uid = owner, .gid = group, .cr = l->l_cred
	};

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return at_setattr(l, dirfd, pathname, flags, &rq);
}

long
sys_chown(struct lwp *l, const char *pathname, uid_t owner, gid_t group)
{
	return sys_fchownat(l, AT_FDCWD, pathname, owner, group, 0);
}

long
sys_lchown(struct lwp *l, const char *pathname, uid_t owner, gid_t group)
{
	return sys_fchownat(l, AT_FDCWD, pathname, owner, group,
			    AT_SYMLINK_NOFOLLOW);
}

long
sys_fchown(struct lwp *l, int fd, uid_t owner, gid_t group)
{
	struct attr_req rq = {
		.op = AR_OWNER, .uid = owner, .gid = group, .cr = l->l_cred
	};

	return fd_setattr(l, fd, &rq);
}

long
sys_utimensat(struct lwp *l, int dirfd, const char *pathname,
	      const struct timespec *times, int flags)
{
	struct timespec ts[2];
	struct attr_req rq = { .op = AR_TIMES, .cr = l->l_cred };
	int error;

	/* Linux's order: two UTIME_OMITs end it before anything else is
	 * looked at; then the flags and the file; the nanoseconds only
	 * once the file is found (attr_apply). */
	if (times != NULL) {
		if ((error = copyin(times, ts, sizeof(ts))) != 0)
			return -error;
		if (ts[0].tv_nsec == UTIME_OMIT_ &&
		    ts[1].tv_nsec == UTIME_OMIT_)
			return 0;
		rq.ts = ts;
	}
	if (pathname == NULL && dirfd != AT_FDCWD) {
		/* futimens: no flags at all; an open file, which O_PATH is
		 * not (Linux's fdget), while AT_EMPTY_PATH with "" takes
		 * one. */
		if (flags != 0)
			return -EINVAL;
		return fd_setattr(l, dirfd, &rq);
	}
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return at_setattr(l, dirfd, pathname, flags, &rq);
}

/* A user's struct timeval pair as timespecs: 0, EFAULT, EINVAL (a
 * microsecond count out of range, refused before any lookup). */
static int
timevals_in(const struct timeval *utv, struct timespec ts[2])
{
	struct timeval tv[2];
	int error;

	if ((error = copyin(utv, tv, sizeof(tv))) != 0)
		return error;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return 0;
}

long
sys_futimesat(struct lwp *l, int dirfd, const char *filename,
	      const struct timeval *times)
{
	struct timespec ts[2];
	struct attr_req rq = { .op = AR_TIMES, .cr = l->l_cred };
	int error;

	if (times != NULL) {
		if ((error = timevals_in(times, ts)) != 0)
			return -error;
		rq.ts = ts;
	}
	/* No name: the open file on dirfd, as futimens. */
	if (filename == NULL && dirfd != AT_FDCWD)
		return fd_setattr(l, dirfd, &rq);
	return at_setattr(l, dirfd, filename, 0, &rq);
}

long
sys_utimes(struct lwp *l, const char *filename, const struct timeval *times)
{
	return sys_futimesat(l, AT_FDCWD, filename, times);
}

long
sys_utime(struct lwp *l, const char *filename, const struct utimbuf *times)
{
	struct utimbuf ub;
	struct timespec ts[2];
	struct attr_req rq = { .op = AR_TIMES, .cr = l->l_cred };
	int error;

	if (times != NULL) {
		if ((error = copyin(times, &ub, sizeof(ub))) != 0)
			return -error;
		ts[0] = (struct timespec){ .tv_sec = ub.actime };
		ts[1] = (struct timespec){ .tv_sec = ub.modtime };
		rq.ts = ts;
	}
	return at_setattr(l, AT_FDCWD, filename, 0, &rq);
}

long
sys_truncate(struct lwp *l, const char *path, off_t length)
{
	struct vnode *vp;
	int error;

	if (length < 0)
		return -EINVAL;
	if ((error = namei_user(l, AT_FDCWD, path, NI_FOLLOW, &vp)) != 0)
		return -error;
	if (vp->v_type == VDIR)
		error = EISDIR;
	else if (vp->v_type != VREG)
		error = EINVAL;
	else if ((error = vfs_access(vp, VWRITE, l->l_cred)) == 0)
		error = do_truncate(vp, length, l->l_cred);
	if (error == 0 && inotify_watched(vp)) {
		char *kpath = path_alloc();

		if (path_copyin(path, kpath, false) == 0)
			inotify_path(l, AT_FDCWD, kpath, true, vp, IN_MODIFY);
		path_free(kpath);
	}
	vnode_rele(vp);
	return -error;
}

#ifndef FALLOC_FL_WRITE_ZEROES
#define FALLOC_FL_WRITE_ZEROES 0x80
#endif

/*
 * Whether `mode' names one fallocate operation, as Linux's VFS checks
 * before it looks at the file: the operations are exclusive, and
 * KEEP_SIZE goes with some (PUNCH_HOLE requires it) and not others.
 * Which valid ones a file system can do is its own business
 * (EOPNOTSUPP from it, after the checks of the file's type).
 */
static bool
falloc_mode_ok(int mode)
{
	switch (mode & ~FALLOC_FL_KEEP_SIZE) {
	case 0:
	case FALLOC_FL_ZERO_RANGE:
	case FALLOC_FL_UNSHARE_RANGE:
		return true;
	case FALLOC_FL_PUNCH_HOLE:
		return (mode & FALLOC_FL_KEEP_SIZE) != 0;
	case FALLOC_FL_COLLAPSE_RANGE:
	case FALLOC_FL_INSERT_RANGE:
	case FALLOC_FL_WRITE_ZEROES:
		return (mode & FALLOC_FL_KEEP_SIZE) == 0;
	default:
		return false;
	}
}

/* The S_IFMT type of an open file: Linux decides by the inode's type,
 * which files without a vnode (pipes, sockets, memfd) show in fstat. */
static mode_t
falloc_filetype(struct file *fp)
{
	struct stat st;

	if (fp->f_vnode != NULL)
		return vtype_to_ifmt(fp->f_vnode->v_type);
	if (fp->f_ops->fo_stat(fp, &st) != 0)
		return 0;
	return st.st_mode & S_IFMT;
}

/* fallocate on a vnode.  Once it succeeded, a caller without
 * CAP_FSETID drops set-id bits as a write does (Linux's
 * file_modified in shmem_fallocate: a call that failed drops none). */
static int
vn_allocate(struct file *fp, struct vnode *vp, int mode, off_t offset,
	    off_t len)
{
	struct vattr va = { 0 };
	int error;

	if (vp->v_op->vop_allocate == NULL)
		return EOPNOTSUPP;
	if ((error = vp->v_op->vop_allocate(vp, mode, offset, len)) != 0)
		return error;
	vn_kill_privs(vp, vfs_writer_cred(fp), &va);
	if (va.va_mask != 0 && vp->v_op->vop_setattr != NULL)
		(void)vp->v_op->vop_setattr(vp, &va);
	inotify_file(fp, IN_MODIFY);
	return 0;
}

/* fallocate's checks of a writable file and its range, after those of
 * the arguments, in Linux's order; then the file's own operation. */
static int
falloc_file(struct file *fp, int mode, off_t offset, off_t len)
{
	struct vnode *vp = fp->f_vnode;
	off_t end;

	switch (falloc_filetype(fp)) {
	case S_IFREG:
		break;
	case S_IFIFO:
		return ESPIPE;
	case S_IFDIR:
		return EISDIR;
	default:
		return ENODEV;
	}
	if (__builtin_add_overflow(offset, len, &end) || end > OFF_MAX)
		return EFBIG;
	if (vp != NULL)
		return vn_allocate(fp, vp, mode, offset, len);
	return fp->f_ops->fo_allocate != NULL
		       ? fp->f_ops->fo_allocate(fp, mode, offset, len)
		       : EOPNOTSUPP;
}

long
sys_fallocate(struct lwp *l, int fd, int mode, off_t offset, off_t len)
{
	struct file *fp;
	int error;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	/* Linux's order: the descriptor (an O_PATH one is not seen), the
	 * arguments, the access mode, then the file.  There are no
	 * immutable or append-only inodes here (Linux's EPERM). */
	if (file_flag(fp) & O_PATH)
		error = EBADF;
	else if (offset < 0 || len <= 0)
		error = EINVAL;
	else if (!falloc_mode_ok(mode))
		error = EOPNOTSUPP;
	else if (!file_writable(fp))
		error = EBADF;
	else
		error = falloc_file(fp, mode, offset, len);
	file_release(fp);
	return -error;
}

/* ---- directories --------------------------------------------------------------- */

struct dirbuf {
	char *buf;
	size_t size, len;
	int count;
	bool full;
};

static int
filldir64(void *arg, const char *name, size_t namlen, uint64_t ino,
	  unsigned dtype, off_t next)
{
	struct dirbuf *db = arg;
	size_t reclen = (19 + namlen + 1 + 7) & ~(size_t)7;
	char *p;

	if (db->len + reclen > db->size) {
		db->full = true;
		return 1;
	}
	p = db->buf + db->len;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &next, 8);
	p[16] = (char)(reclen & 0xff);
	p[17] = (char)(reclen >> 8);
	p[18] = (char)dtype;
	memcpy(p + 19, name, namlen);
	memset(p + 19 + namlen, 0, reclen - 19 - namlen);
	db->len += reclen;
	db->count++;
	return 0;
}

long
sys_getdents64(struct lwp *l, int fd, void *dirp, size_t count)
{
	struct dirbuf db;
	struct file *fp;
	struct vnode *vp;
	off_t off;
	int error;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	if (file_flag(fp) & O_PATH) {
		file_release(fp);
		return -EBADF;
	}
	if (vp == NULL || vp->v_type != VDIR || vp->v_op->vop_readdir == NULL) {
		file_release(fp);
		return -ENOTDIR;
	}
	if (!user_range_ok(dirp, count)) {
		file_release(fp);
		return -EFAULT;
	}
	db.size = MIN(count, (size_t)65536);
	db.len = 0;
	db.count = 0;
	db.full = false;
	if ((db.buf = kmem_alloc(db.size ? db.size : 1)) == NULL) {
		file_release(fp);
		return -ENOMEM;
	}
	mutex_enter(&fp->f_poslock);
	off = fp->f_offset;
	error = vp->v_op->vop_readdir(vp, &off, filldir64, &db);
	/* Linux's iterate_dir: a read of a live directory is an access,
	 * even at its end. */
	if (error != ENOENT && !(file_flag(fp) & O_NOATIME) &&
	    vp->v_op->vop_accessed != NULL)
		vp->v_op->vop_accessed(vp);
	if (error != ENOENT && inotify_watched(vp))
		inotify_file(fp, IN_ACCESS);
	/* Nothing fit though entries remain: the buffer is too small. */
	if (error == 0 && db.count == 0 && db.full)
		error = EINVAL;
	if (error == 0 && db.len > 0 &&
	    (error = copyout(db.buf, dirp, db.len)) == 0)
		fp->f_offset = off;
	mutex_exit(&fp->f_poslock);
	kmem_free(db.buf, db.size ? db.size : 1);
	file_release(fp);
	return error != 0 ? -error : (long)db.len;
}

static int
set_procdir(struct lwp *l, struct vnode *vp, bool root)
{
	struct proc *p = l->l_proc;
	struct vnode *old;

	vnode_ref(vp);
	mutex_enter(&p->p_lock);
	if (root) {
		old = p->p_root;
		p->p_root = vp;
	} else {
		old = p->p_cwd;
		p->p_cwd = vp;
	}
	mutex_exit(&p->p_lock);
	if (old != NULL)
		inotify_vnode_rele(old);
	return 0;
}

long
sys_chdir(struct lwp *l, const char *path)
{
	struct vnode *vp;
	int error;

	error = namei_user(l, AT_FDCWD, path, NI_FOLLOW | NI_DIRECTORY, &vp);
	if (error != 0)
		return -error;
	if ((error = vfs_access(vp, VEXEC, l->l_cred)) == 0)
		set_procdir(l, vp, false);
	vnode_rele(vp);
	return -error;
}

long
sys_fchdir(struct lwp *l, int fd)
{
	struct vnode *vp;
	int error;

	if ((error = fd_vnode(l, fd, true, ENOTDIR, &vp, NULL)) != 0)
		return -error;
	if (vp->v_type != VDIR)
		error = ENOTDIR;
	else if ((error = vfs_access(vp, VEXEC, l->l_cred)) == 0)
		set_procdir(l, vp, false);
	vnode_rele(vp);
	return -error;
}

long
sys_chroot(struct lwp *l, const char *path)
{
	struct vnode *vp;
	int error;

	error = namei_user(l, AT_FDCWD, path, NI_FOLLOW | NI_DIRECTORY, &vp);
	if (error != 0)
		return -error;
	if ((error = vfs_access(vp, VEXEC, l->l_cred)) == 0) {
		if (!cred_privileged(l->l_cred))
			error = EPERM;
		else
			set_procdir(l, vp, true);
	}
	vnode_rele(vp);
	return -error;
}

/* Find the name of `vp' in directory `dvp' (by inode number). */
struct findname {
	uint64_t ino;
	char *name;
	size_t len;
	bool found;
};

static int
findname_fill(void *arg, const char *name, size_t namlen, uint64_t ino,
	      unsigned dtype, off_t next)
{
	struct findname *fn = arg;

	if (ino != fn->ino || (namlen == 1 && name[0] == '.') ||
	    (namlen == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	memcpy(fn->name, name, namlen);
	fn->len = namlen;
	fn->found = true;
	return 1;
}

long
sys_getcwd(struct lwp *l, char *ubuf, unsigned long size)
{
	struct walker w;
	struct vnode *vp, *up;
	struct vattr va;
	struct findname fn;
	char *buf = path_alloc(), name[NAME_MAX_ + 1];
	static const char unreachable_mark[] = "(unreachable)";
	size_t pos = PATH_MAX_ - 1, len;
	off_t off;
	bool unreachable = false;
	int error = 0;

	if (buf == NULL)
		return -ENOMEM;
	buf[pos] = '\0';
	walker_init(&w, l);
	mutex_enter(&l->l_proc->p_lock);
	vp = l->l_proc->p_cwd;
	vnode_ref(vp);
	mutex_exit(&l->l_proc->p_lock);
	/* A removed cwd is ENOENT first, even when it is the root (Linux's
	 * d_unlinked test). */
	if (vp->v_op->vop_getattr(vp, &va) == 0 && va.va_nlink == 0)
		error = ENOENT;
	while (error == 0 && vp != w.w_root) {
		/* Up across mount roots to the covered directory. */
		if (vp == vp->v_mount->mnt_root) {
			if (vp->v_mount->mnt_vnodecovered == NULL ||
			    atomic_load_acq(&vp->v_mount->mnt_detached)) {
				/* Outside our root: as Linux, stop here
				 * and say so. */
				unreachable = true;
				break;
			}
			up = vp->v_mount->mnt_vnodecovered;
			vnode_ref(up);
			vnode_rele(vp);
			vp = up;
			continue;
		}
		if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
			break;
		if ((error = vnode_lookup(vp, "..", 2, &up, NULL)) != 0)
			break; /* removed: ENOENT */
		fn.ino = va.va_ino;
		fn.name = name;
		fn.found = false;
		off = 0;
		if (vp->v_op->vop_nameof == NULL ||
		    (error = vp->v_op->vop_nameof(vp, name, &fn.len)) != 0) {
			if (error != ENOENT)
				error = up->v_op->vop_readdir(
					up, &off, findname_fill, &fn);
		} else {
			fn.found = true;
		}
		if (error == 0 && !fn.found)
			error = ENOENT;
		if (error == 0 && fn.len + 1 > pos)
			error = ENAMETOOLONG;
		if (error != 0) {
			vnode_rele(up);
			break;
		}
		pos -= fn.len;
		memcpy(buf + pos, name, fn.len);
		buf[--pos] = '/';
		vnode_rele(vp);
		vp = up;
	}
	vnode_rele(vp);
	walker_fini(&w);
	if (error == 0 && pos == PATH_MAX_ - 1)
		buf[--pos] = '/';
	if (error == 0 && unreachable) {
		if (pos < sizeof(unreachable_mark) - 1)
			error = ENAMETOOLONG;
		else {
			pos -= sizeof(unreachable_mark) - 1;
			memcpy(buf + pos, unreachable_mark,
			       sizeof(unreachable_mark) - 1);
		}
	}
	len = PATH_MAX_ - pos; /* with the NUL */
	if (error == 0 && len > size)
		error = ERANGE;
	if (error == 0)
		error = copyout(buf + pos, ubuf, len);
	path_free(buf);
	return error != 0 ? -error : (long)len;
}

/* ---- sync ----------------------------------------------------------------------- */

long
sys_sync(struct lwp *l)
{
	return 0; /* memory file systems have nothing to write back */
}

static long
do_fsync(struct lwp *l, int fd, bool dataonly)
{
	struct file *fp;
	struct vnode *vp;
	int error = 0;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	if (file_flag(fp) & O_PATH)
		error = EBADF;
	else if (vp == NULL)
		error = file_positioned(fp) ? 0 : EINVAL;
	else if (vp->v_type == VREG || vp->v_type == VDIR) {
		if (vp->v_op->vop_fsync != NULL)
			error = vp->v_op->vop_fsync(vp, dataonly);
	} else if (vp->v_type == VFIFO || vp->v_type == VSOCK) {
		error = EINVAL;
	}
	file_release(fp);
	return -error;
}

long
sys_fsync(struct lwp *l, int fd)
{
	return do_fsync(l, fd, false);
}

long
sys_fdatasync(struct lwp *l, int fd)
{
	return do_fsync(l, fd, true);
}

/* ---- mount -------------------------------------------------------------------- */

#define MOUNT_DATA_MAX 4096

long
sys_mount(struct lwp *l, const char *source, const char *target,
	  const char *filesystemtype, unsigned long mountflags,
	  const void *data)
{
	char fstype[32], *src = NULL, *kdata = NULL;
	const struct vfsops *ops;
	struct vnode *vp;
	int error;

	if (!cred_privileged(l->l_cred))
		return -EPERM;
	if (data != NULL) {
		if ((kdata = kmem_alloc(MOUNT_DATA_MAX)) == NULL)
			return -ENOMEM;
		error = copyinstr(data, kdata, MOUNT_DATA_MAX, NULL);
		if (error != 0) {
			kmem_free(kdata, MOUNT_DATA_MAX);
			return -(error == ENAMETOOLONG ? EINVAL : error);
		}
	}
	error = namei_user(l, AT_FDCWD, target, NI_FOLLOW, &vp);
	if (error != 0)
		goto out;
	if (mountflags & MS_REMOUNT) {
		struct mount *mp = vp->v_mount;

		if (vp != mp->mnt_root)
			error = EINVAL;
		else if (mp->mnt_op->vfs_remount == NULL)
			error = EINVAL;
		else
			error = mp->mnt_op->vfs_remount(mp, kdata, mountflags);
		if (error == 0) {
			unsigned nf = (unsigned)mountflags &
				      (MNT_RDONLY | MNT_NOSUID | MNT_NODEV |
				       MNT_NOEXEC);

			atomic_store_relaxed(&mp->mnt_flags, nf);
		}
		vnode_rele(vp);
		goto out;
	}
	if (mountflags & (MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE |
			  MS_SLAVE | MS_UNBINDABLE)) {
		vnode_rele(vp);
		error = EINVAL;
		goto out;
	}
	if (vp->v_type != VDIR) {
		vnode_rele(vp);
		error = ENOTDIR;
		goto out;
	}
	error = filesystemtype == NULL ? EINVAL
				       : copyinstr(filesystemtype, fstype,
						   sizeof(fstype), NULL);
	if (error == ENAMETOOLONG)
		error = ENODEV;
	if (error == 0 && (ops = vfs_find_fstype(fstype)) == NULL)
		error = ENODEV;
	/* The source (hostfs: a host path) may be as long as a path; as
	 * Linux's copy_mount_string, a longer one is EINVAL. */
	if (error == 0 && source != NULL) {
		if ((src = path_alloc()) == NULL)
			error = ENOMEM;
		else if ((error = copyinstr(source, src, PATH_MAX_, NULL)) ==
			 ENAMETOOLONG)
			error = EINVAL;
	}
	if (error == 0)
		error = vfs_domount(ops, vp,
				    src != NULL && src[0] ? src : fstype,
				    mountflags, kdata, l->l_cred);
	vnode_rele(vp);
out:
	if (kdata != NULL)
		kmem_free(kdata, MOUNT_DATA_MAX);
	path_free(src);
	return -error;
}

long
sys_umount2(struct lwp *l, const char *target, int flags)
{
	struct vnode *vp;
	int error;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if (!cred_privileged(l->l_cred))
		return -EPERM;
	error = namei_user(l, AT_FDCWD, target,
			   (flags & UMOUNT_NOFOLLOW) ? 0 : NI_FOLLOW, &vp);
	if (error != 0)
		return -error;
	return -vfs_dounmount(vp, flags);
}

/* ---- sockets in the namespace --------------------------------------------------- */

int
vfs_bind_socket(struct lwp *l, int dirfd, const char *kpath, mode_t mode,
		struct vnode **vpp)
{
	struct walker w;
	struct walkres res = { 0 };
	struct vnode *dir, *vp;
	struct vattr va;
	int error;

	walker_init(&w, l);
	error = kpath[0] == '\0' ? ENOENT : walk_start(&w, dirfd, kpath, &dir);
	if (error == 0)
		error = walk(&w, dir, kpath, WALK_PARENT, &res);
	if (error == 0)
		error = create_front(&w, &res, false);
	/* Linux's unix_bind applies the umask itself, and the file
	 * system a default ACL on top. */
	if (error == 0)
		error = new_attrs(res.dvp, l->l_cred, VSOCK,
				  mode & 07777 & ~proc_umask(l), 0, &va);
	if (error == 0) {
		error = res.dvp->v_op->vop_create(res.dvp, res.name,
						  res.namelen, &va, &vp);
		new_attrs_done(&va);
		if (error == 0)
			inotify_child(res.dvp, res.name, res.namelen, IN_CREATE,
				      0);
	}
	if (error == 0 && vpp == NULL) {
		/* Made to be taken away again (see vfs.h), as Linux's
		 * unlink tells it. */
		if (res.dvp->v_op->vop_remove(res.dvp, res.name, res.namelen,
					      vp) == 0 &&
		    inotify_watched(vp)) {
			inotify_unlinked(vp, true, false);
			inotify_child(res.dvp, res.name, res.namelen, IN_DELETE,
				      0);
		}
		vnode_rele(vp);
	} else if (error == 0) {
		*vpp = vp;
	}
	if (res.dvp != NULL)
		vnode_rele(res.dvp);
	walker_fini(&w);
	return error;
}

int
vfs_lookup_socket(struct lwp *l, const char *kpath, struct vnode **vpp)
{
	struct vnode *vp;
	int error;

	if ((error = namei(l, AT_FDCWD, kpath, NI_FOLLOW, &vp)) != 0)
		return error;
	if ((error = vfs_access(vp, VWRITE, l->l_cred)) == 0 &&
	    vp->v_type != VSOCK)
		error = ECONNREFUSED;
	if (error != 0) {
		vnode_rele(vp);
		return error;
	}
	*vpp = vp;
	return 0;
}
