/*
 * vfs_int.h: what the VFS's own files share (not for file systems or
 * other subsystems: they use vnode.h, vfs.h, devsw.h).
 */
#ifndef RUMP_VFS_VFS_INT_H
#define RUMP_VFS_VFS_INT_H

#include "vfs.h"

extern const struct vfsops tmpfs_vfsops;
extern krwlock_t mount_lock;

enum vtype ifmt_to_vtype(mode_t mode);
int vfs_fifo_open(struct vnode *vp, unsigned flags, struct file *fp);

int vfs_domount(const struct vfsops *ops, struct vnode *covered,
		const char *source, unsigned long flags, const char *data,
		struct kauth_cred *cr);
int vfs_dounmount(struct vnode *root, int flags);

/* Resolve an absolute kernel path from the namespace root as init. */
int namei_kernel(const char *kpath, struct vnode **vpp);
int vfs_mkdir_kernel(struct vnode *dvp, const char *name, mode_t mode,
		     struct vnode **vpp);

/*
 * The path walker.  A walk starts at a held directory and consumes it.
 * In parent mode it stops before the last component and returns the
 * held directory, the last name (empty for a path naming the start
 * itself, as "/"; "." and ".." are returned as such) and whether the
 * path ended in a slash.
 */
struct walker {
	struct lwp *w_lwp;
	const struct kauth_cred *w_cred;
	struct vnode *w_root; /* held */
	int w_nlinks;
	char *w_buf[2]; /* symlink expansion buffers, allocated on use */
	int w_cur;
	/* The attributes the last lookup of this walk handed on (vnode.h,
	 * vop_lookup) and the vnode they are of, held by the walk or its
	 * result; NULL when there are none. */
	struct vattr w_va;
	struct vnode *w_vavp;
	/* openat2's RESOLVE_* flags (0 for every other lookup), the
	 * directory RESOLVE_BENEATH keeps the walk under (held) and the
	 * mount RESOLVE_NO_XDEV keeps it on. */
	unsigned w_resolve;
	struct vnode *w_base;
	struct mount *w_mnt;
};

struct walkres {
	struct vnode *dvp; /* parent mode: the directory, held */
	struct vnode *vp;  /* leaf mode: the result, held */
	char name[NAME_MAX_ + 1];
	size_t namelen;
	bool trail; /* the path ended with '/' */
};

#define WALK_PARENT 0x100 /* flag for walk(): stop at the parent */

/* Set up a walker for lwp l (root from the process). */
void walker_init(struct walker *w, struct lwp *l);
void walker_fini(struct walker *w);
/* The start of a relative walk: cwd or dirfd's directory (held).
 * Errors: EBADF, ENOTDIR. */
int walk_start(struct walker *w, int dirfd, const char *path,
	       struct vnode **dirp);
/*
 * walk_start for openat2: the walk is scoped by `resolve' (RESOLVE_*,
 * already checked valid).  RESOLVE_IN_ROOT makes dirfd's directory the
 * walk's root and RESOLVE_BENEATH its floor; either starts there even
 * for an absolute path.  Errors: walk_start's, EXDEV (an absolute path
 * under RESOLVE_BENEATH).
 */
int walk_start_scoped(struct walker *w, int dirfd, const char *path,
		      unsigned resolve, struct vnode **dirp);
/* Whether a scoped walk may step from a directory onto vp (0), or EXDEV
 * (RESOLVE_NO_XDEV and vp is on another mount). */
int walk_same_mount(const struct walker *w, const struct vnode *vp);
/* Walk `path' from `dir' (held, consumed); flags NI_* | WALK_PARENT. */
int walk(struct walker *w, struct vnode *dir, const char *path, unsigned flags,
	 struct walkres *res);
/* The error for a name longer than NAME_MAX in dir: ENAMETOOLONG, or
 * ENOENT when dir was removed (Linux looks no name up in it). */
int name_too_long(struct vnode *dir);
/* Read a symlink's target for following it (counts against the loop
 * limit); returns the path in a walker buffer.  ELOOP, ENOENT (empty),
 * ENAMETOOLONG. */
int walk_readlink(struct walker *w, struct vnode *vp, const char *rest,
		  const char **pathp);
/* vfs_access of vp for the walk's credentials, with the attributes the
 * walk's last lookup handed on when they are vp's (no vop_getattr). */
int walk_access(const struct walker *w, struct vnode *vp, int mode);
/* Cross mounts downwards from a held vnode. */
struct vnode *cross_down(struct vnode *vp);

/* A time given as seconds and nanoseconds (0 .. 999999999) in our
 * nanoseconds, clamped to what they hold (years 1678 to 2262), as
 * Linux clamps a time to a file system's range. */
int64_t vfs_time_ns(int64_t sec, long nsec);
/* utimensat's special tv_nsec values (UTIME_NOW, UTIME_OMIT). */
#define UTIME_NOW_ ((1L << 30) - 1L)
#define UTIME_OMIT_ ((1L << 30) - 2L)

/* Fill a Linux struct stat from attributes. */
void vattr_to_stat(const struct vattr *va, struct stat *st);

#endif /* RUMP_VFS_VFS_INT_H */
