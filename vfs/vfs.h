/*
 * vfs.h: mounts, file-system types, path lookup, permission checks and
 * the hooks other subsystems plug into (vnode.h has vnodes).
 *
 * The namespace: after boot the root is a tmpfs with an empty /dev (the
 * devices' file system is mounted there by its init).  Each process has
 * a cwd and a root (p_cwd, p_root, held vnodes), inherited by rfork;
 * pid 0 and 1 start at the root.
 *
 * Mounts.  A file system type registers a struct vfsops under a name
 * (vfs_register_fstype); mount(2) and vfs_mount_internal() look it up,
 * allocate a struct mount, and call vfs_mount, which sets mnt_root (a
 * held vnode) and mnt_data.  A mounted file system covers a directory
 * vnode (mnt_vnodecovered, held); lookups cross into mnt_root going down
 * and back to the covered vnode on "..".  Unmount fails with EBUSY
 * while any vnode of the mount is referenced besides its root's one
 * reference (mnt_nvref counts them) or another mount sits on it;
 * MNT_DETACH then takes it out of the namespace at once and frees it
 * with its last reference.
 * mount_lock (a reader/writer lock) is held for writing by mount and
 * unmount and for reading by a lookup crossing a mount point.
 */
#ifndef RUMP_VFS_VFS_H
#define RUMP_VFS_VFS_H

#include "vnode.h"

struct lwp;
struct proc;
struct statfs;
struct timespec;

/* mnt_flags (Linux's MS_* values where they exist) */
#define MNT_RDONLY 0x0001 /* MS_RDONLY */
#define MNT_NOSUID 0x0002 /* MS_NOSUID */
#define MNT_NODEV 0x0004  /* MS_NODEV */
#define MNT_NOEXEC 0x0008 /* MS_NOEXEC */

struct mount {
	const struct vfsops *mnt_op;
	void *mnt_data;                 /* the file system's */
	struct vnode *mnt_root;         /* held */
	struct vnode *mnt_vnodecovered; /* held; NULL for the root mount */
	unsigned mnt_flags;             /* MNT_*; atomic */
	uint64_t mnt_dev;   /* st_dev of its files (user encoding) */
	unsigned mnt_nvref; /* vnode references; atomic */
	/* umount2(MNT_DETACH) of a busy mount: out of the namespace, torn
	 * down when its last vnode reference goes; atomic. */
	bool mnt_detached;
	struct mount *mnt_next; /* mount list, under mount_lock */
	/* vfs/vfs_inotify.c: how many of its vnodes are watched, plus the
	 * names it keeps of open files; changed under ino_lock, read with
	 * atomic_load_relaxed (inotify.h). */
	unsigned mnt_nwatched;
	char mnt_fstype[16];
	char mnt_source[64];
};

/*
 * A file-system type.  vfs_mount: set up `mp' (mnt_root, mnt_data) from
 * the mount(2) source and data string (NUL-terminated options, may be
 * NULL); `flags' are MS_* as given.  vfs_remount: apply new options to a
 * mounted file system (MS_REMOUNT); NULL: EINVAL.  vfs_statfs: fill a
 * Linux struct statfs (f_type, f_bsize, block and file counts; the VFS
 * fills f_fsid, f_namelen, f_frsize, f_flags).  vfs_unmount: free
 * everything (the VFS has checked that nothing is busy and dropped
 * mnt_root's reference just before).
 */
struct vfsops {
	const char *vfs_name;
	int (*vfs_mount)(struct mount *mp, const char *source, const char *data,
			 unsigned long flags, struct kauth_cred *cr);
	int (*vfs_remount)(struct mount *mp, const char *data,
			   unsigned long flags);
	int (*vfs_statfs)(struct mount *mp, struct statfs *sf);
	int (*vfs_unmount)(struct mount *mp);
	/* syncfs(2): write back what the file system keeps for a backing
	 * store.  NULL: nothing to do (memory file systems). */
	int (*vfs_sync)(struct mount *mp);
};

/* Register a type (at boot).  0, EEXIST, ENOMEM. */
int vfs_register_fstype(const struct vfsops *ops);
const struct vfsops *vfs_find_fstype(const char *name);

/*
 * vfs_mount_internal: mount a file system of type `fstype' on the
 * directory at kernel path `kpath' (resolved from the root, as init),
 * as a kernel service (no permission checks): devfs on /dev, volumes.
 * Returns 0 or an errno (ENODEV unknown type, ENOENT, ENOTDIR, EBUSY).
 */
int vfs_mount_internal(const char *fstype, const char *source,
		       const char *kpath, unsigned long flags,
		       const char *data);

/* The root vnode of the namespace (held by the root mount). */
extern struct vnode *rootvnode;

/* ---- path lookup ------------------------------------------------------ */

/* namei flags */
#define NI_FOLLOW 0x01    /* follow a symlink in the last component */
#define NI_EMPTYPATH 0x02 /* "" names dirfd itself (AT_EMPTY_PATH) */
#define NI_DIRECTORY 0x04 /* the result must be a directory */

/*
 * namei: resolve kernel path `kpath' relative to `dirfd' (AT_FDCWD: the
 * cwd) for lwp l; *vpp gets a held vnode.  Errors: ENOENT, ENOTDIR,
 * EACCES (search permission), ELOOP (more than 40 symlinks, or a
 * symlink last without NI_FOLLOW when NI_DIRECTORY...), ENAMETOOLONG (a
 * component over 255 bytes), EBADF (dirfd).
 */
int namei(struct lwp *l, int dirfd, const char *kpath, unsigned flags,
	  struct vnode **vpp);
/* namei, and *vap gets the result's attributes when the file system
 * handed them on from its lookup (vnode.h), else va_type VNON: a stat
 * then needs no vop_getattr. */
int namei_attr(struct lwp *l, int dirfd, const char *kpath, unsigned flags,
	       struct vnode **vpp, struct vattr *vap);
/* namei on a user path (copied in with PATH_MAX: ENAMETOOLONG, EFAULT,
 * ENOENT for ""). */
int namei_user(struct lwp *l, int dirfd, const char *upath, unsigned flags,
	       struct vnode **vpp);

/*
 * Copy in a user path into a PATH_MAX buffer from path_alloc().
 * Returns 0, EFAULT, ENAMETOOLONG; ENOENT for "" unless allow_empty.
 */
char *path_alloc(void);
void path_free(char *buf);
int path_copyin(const char *upath, char *buf, bool allow_empty);

/* ---- permissions ------------------------------------------------------ */

#define VEXEC 01
#define VWRITE 02
#define VREAD 04

/*
 * vfs_access: may `cr' access vp for `mode' (VREAD|VWRITE|VEXEC)?  As
 * Linux's inode_permission: EROFS for writing a file, directory or
 * symlink on a read-only mount; owner, group (fsgid and supplementary),
 * other bits, or for a caller that is not the owner the node's access
 * ACL when it has one and its group class (the mask) is not empty;
 * fsuid 0 overrides everything except executing a file with no x bit
 * at all.  0 or EACCES/EROFS.
 */
int vfs_access(struct vnode *vp, int mode, const struct kauth_cred *cr);
/* Whether cr is in group gid (fsgid or supplementary), as Linux asks. */
bool vfs_groupmember(const struct kauth_cred *cr, gid_t gid);
/* vfs_access's decision on known attributes (va_type, va_mode, va_uid,
 * va_gid) of a file that is on no read-only mount: 0 or EACCES. */
int vfs_access_attr(const struct vattr *va, int mode,
		    const struct kauth_cred *cr);

/*
 * The rules of attribute changes (vfs_attr.c), one set for vnodes and
 * for files without one (fo_setattr, file.h).  Each looks at `cur', a
 * file's current va_type, va_mode, va_uid and va_gid, and the caller's
 * credentials, and either adds to *va (va_mask and values) what to
 * change or returns why not, changing nothing; checks that belong to a
 * file system or a mount (EROFS, a missing setattr) are the caller's.
 *
 * vattr_chmod: the owner or fsuid 0 sets the mode's 07777 bits; a caller
 * neither fsuid 0 nor in the file's group loses S_ISGID.  EPERM.
 * vattr_chown: fsuid 0 gives any owner and group; the owner may "change"
 * to itself and to a group it is in; -1 leaves a field.  A non-directory
 * loses set-id bits as vn_setid_dropped says, which only the owner or
 * fsuid 0 may cause.  EPERM.
 * vattr_utimes: times[2] (NULL: both now; tv_nsec may be UTIME_NOW_ or
 * UTIME_OMIT_, both already checked; two UTIME_OMIT_ never get here)
 * with `now' for UTIME_NOW_ and ctime.  A touch (NULL or both
 * UTIME_NOW_) needs the owner, fsuid 0 or write permission (EACCES);
 * any other times the owner or fsuid 0 (EPERM).
 * vattr_may_touch: the part of vattr_utimes Linux checks before any
 * file system is asked (notify_change): the touch's EACCES, or 0.
 */
int vattr_chmod(const struct vattr *cur, mode_t mode,
		const struct kauth_cred *cr, struct vattr *va);
int vattr_chown(const struct vattr *cur, uid_t uid, gid_t gid,
		const struct kauth_cred *cr, struct vattr *va);
int vattr_utimes(const struct vattr *cur, const struct timespec *ts,
		 int64_t now, const struct kauth_cred *cr, struct vattr *va);
int vattr_may_touch(const struct vattr *cur, const struct timespec *ts,
		    const struct kauth_cred *cr);
/* vattr_utimes on vnode vp, whose write permission (vfs_access: its
 * ACL too) allows a touch. */
int vattr_utimes_vnode(struct vnode *vp, const struct vattr *cur,
		       const struct timespec *ts, int64_t now,
		       const struct kauth_cred *cr, struct vattr *va);

/* ---- open files on vnodes -------------------------------------------- */

/*
 * vn_open_file: open vnode vp (held by the caller, who keeps its own
 * reference) for `flags' (O_ACCMODE, status flags) as the file object
 * *fpp with one reference; fp->f_vnode holds vp.  Devices go through the
 * device switch (devsw.h), FIFOs through the IPC hook.  Checks nothing
 * (the caller checked permissions).  0 or an errno.
 */
int vn_open_file(struct vnode *vp, unsigned flags, struct kauth_cred *cr,
		 struct file **fpp);
/* fstat of a vnode: a Linux struct stat. */
int vn_stat(struct vnode *vp, struct stat *st);
/* The mode of a file with attributes cur once cr has written to it or
 * given it away (Linux's setattr_should_drop_sgid and chown_common):
 * without S_ISUID, and without S_ISGID when group-executable or when cr
 * is neither in the file's group nor fsuid 0. */
mode_t vn_setid_dropped(const struct vattr *cur, const struct kauth_cred *cr);
/* The set-id bits a write or truncation by cr drops from vp, added to
 * *va as a mode change (Linux's setattr_should_drop_suidgid). */
void vn_kill_privs(struct vnode *vp, const struct kauth_cred *cr,
		   struct vattr *va);
/* The same on a regular file's attributes `cur' (a memfd's): true when
 * it added a mode change to *va. */
bool vattr_kill_privs(const struct vattr *cur, const struct kauth_cred *cr,
		      struct vattr *va);
/* Whose write fp's write is: the calling lwp's credentials (Linux
 * judges set-id bits by the writer, who need not be the opener: a
 * shared table, a passed descriptor), the opener's without one. */
const struct kauth_cred *vfs_writer_cred(struct file *fp);
/* fo_stat for files with f_vnode set (drivers may use it). */
int vn_fo_stat(struct file *fp, struct stat *st);

/* ---- hooks for IPC ----------------------------------------------------- */

/*
 * IPC sets these at its init (vfs_set_ipc_hooks).  fifo_open: open a
 * VFIFO vnode for `flags' by filling fp (f_ops, f_data; fp->f_vnode is
 * set and held by the VFS); may sleep (interruptibly) for the other end.
 * Without it, opening a FIFO gives ENXIO.  vnode_reclaim: the vnode is
 * being freed and vp->v_ipc is not NULL: drop it.
 */
struct vfs_ipc_hooks {
	int (*fifo_open)(struct vnode *vp, unsigned flags, struct file *fp);
	void (*vnode_reclaim)(struct vnode *vp);
};
void vfs_set_ipc_hooks(const struct vfs_ipc_hooks *hooks);

/*
 * vfs_bind_socket: create a VSOCK name at kernel path `kpath' (relative
 * to dirfd, AT_FDCWD the cwd) with permission bits `mode' less the
 * process umask, owned by the caller; *vpp gets it held (the socket
 * keeps that reference and sets v_ipc).  Errors: EEXIST (the name
 * exists, even as a dangling symlink: the caller maps it to
 * EADDRINUSE), ENOENT, ENOTDIR, EACCES, EROFS, ENAMETOOLONG, ELOOP.
 * With vpp NULL the node is made and removed again: Linux's bind of a
 * socket already bound makes the node before it looks at the socket.
 */
int vfs_bind_socket(struct lwp *l, int dirfd, const char *kpath, mode_t mode,
		    struct vnode **vpp);
/*
 * vfs_lookup_socket: find the VSOCK name at `kpath' (following
 * symlinks) for connect/sendto; *vpp held.  Errors: ENOENT, ENOTDIR,
 * EACCES (no write permission on it, or no search on a directory),
 * ELOOP, ENAMETOOLONG, ECONNREFUSED (not a socket).
 */
int vfs_lookup_socket(struct lwp *l, const char *kpath, struct vnode **vpp);

/* ---- processes ---------------------------------------------------------- */

/* rfork: the child gets the parent's cwd and root (held). */
void vfs_proc_fork(struct proc *parent, struct proc *child);
/* Process exit: drop cwd and root. */
void vfs_proc_exit(struct proc *p);

/* Boot: the type registry, tmpfs, the root mount, /dev. */
int vfs_init(void);

#endif /* RUMP_VFS_VFS_H */
