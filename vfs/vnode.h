/*
 * vnode.h: vnodes, the kernel's in-memory files, and the operations a
 * file system implements for them.
 *
 * A vnode is one file of one mounted file system: a regular file, a
 * directory, a symbolic link, a device node, a FIFO or a socket name.
 * The file system embeds or points to it (v_data) and supplies its
 * operations (struct vnodeops).  The VFS (vfs.h) does name lookup,
 * permission checks, mount crossing and the syscalls; the file system
 * only stores and finds things.
 *
 * References.  v_usecount counts everybody using the vnode: open files
 * (struct file's f_vnode), cwd and root of processes, a mount's root and
 * covered vnode, lookups in progress.  vnode_ref()/vnode_rele() move it;
 * names in directories do NOT count (the file system counts them in its
 * link count).  When v_usecount drops to 0, vop_inactive runs with
 * v_interlock held: a file system frees the vnode there when no name is
 * left (nlink 0), which is how an unlinked but open file lives until its
 * last close.  A file system takes a new reference from 0 only while a
 * name pins the vnode (the directory's lock is held), and changes its
 * link count under v_interlock, so the two never race.
 *
 * Locking.  The VFS takes no lock of the vnode for an operation: each
 * file system locks its own objects inside its operations (tmpfs: a
 * reader/writer lock per directory, the page store's lock per file,
 * v_interlock for attributes).  Lock order:
 *   mount_lock (vfs.c: mounts and unmounts)
 *   > a file's f_poslock (file.h)
 *     > file-system locks (directories top down; tmpfs's rename lock
 *       first when renaming)
 *       > v_interlock (a leaf; several vnodes share one, striped)
 * inotify's ino_lock (inotify.h) comes after f_poslock (getdents
 * reports under it) and is never taken with a file-system lock or
 * v_interlock held: the VFS reports events after the file system's
 * operation returns.
 *
 * v_ipc belongs to the IPC subsystem (a FIFO's pipe, the socket bound to
 * a VSOCK name).  IPC protects it with its own lock; the VFS only reads
 * it when freeing the vnode, after calling vfs_ipc_hooks.vnode_reclaim.
 */
#ifndef RUMP_VFS_VNODE_H
#define RUMP_VFS_VNODE_H

#include "file.h"
#include "kernel.h"
#include "lock.h"
#include "lockf.h"

struct mount;
struct vnode;
struct kauth_cred;
struct polltable;
struct xattr_req;
struct pgstore;
struct acl;

enum vtype { VNON, VREG, VDIR, VLNK, VCHR, VBLK, VFIFO, VSOCK };

/* vop_owner's mode flag: the node has an access ACL (vnodeops). */
#define VMODE_ACL 0x20000u

/*
 * Device numbers are kept in the user ABI's 32-bit encoding (Linux's
 * new_encode_dev, what glibc's makedev() gives for majors < 4096): the
 * value st_rdev shows and mknod(2) takes.
 */
typedef uint32_t vdev_t;
#define VMKDEV(ma, mi)                                                         \
	((vdev_t)((((ma)&0xfffu) << 8) | ((mi)&0xffu) |                        \
		  (((mi)&0xfff00u) << 12)))
#define VMAJOR(d) ((unsigned)(((d) >> 8) & 0xfffu))
#define VMINOR(d) ((unsigned)(((d)&0xffu) | (((d) >> 12) & 0xfff00u)))

#define NAME_MAX_ 255
#define SYMLOOP_MAX_ 40

/* Times are nanoseconds since the epoch. */
#define NSEC_PER_SEC_ 1000000000LL
int64_t vfs_now_ns(void);
/* A time as struct stat's seconds and nanoseconds (0 .. 999999999, also
 * before 1970: -0.5 s is -1 s and 500000000 ns). */
void vfs_ns_split(int64_t ns, __kernel_ulong_t *sec, __kernel_ulong_t *nsec);

/*
 * Attributes (getattr fills all; setattr applies those in va_mask).
 * va_mode holds the permission bits and S_ISUID/S_ISGID/S_ISVTX only,
 * never the type (that is va_type).
 */
struct vattr {
	unsigned va_mask; /* VA_* for setattr */
	enum vtype va_type;
	mode_t va_mode;
	unsigned long va_nlink;
	uid_t va_uid;
	gid_t va_gid;
	uint64_t va_ino;
	uint64_t va_fsid; /* st_dev (user encoding) */
	vdev_t va_rdev;
	off_t va_size;
	uint64_t va_blocks; /* 512-byte units */
	unsigned va_blksize;
	/* vop_getattr, vop_lookup's vap: the node may have an access ACL,
	 * as vop_owner's VMODE_ACL says (for a file system without
	 * vop_owner: permission checks then ask vop_getacl).  Never in
	 * va_mode, which stat shows.  (In va_blksize's padding.) */
	bool va_hasacl;
	int64_t va_atime, va_mtime, va_ctime, va_btime;
	/* vop_create: the POSIX ACLs (acl.h) the new node inherits, held
	 * by the caller (the file system takes references of its own), or
	 * NULL: its access ACL, and a directory's default ACL.  Only a
	 * file system with vop_getacl gets them. */
	struct acl *va_acl, *va_dacl;
};
#define VA_MODE 0x01
#define VA_UID 0x02
#define VA_GID 0x04
#define VA_SIZE 0x08
#define VA_ATIME 0x10 /* set va_atime */
#define VA_MTIME 0x20 /* set va_mtime */
#define VA_CTIME 0x40 /* set va_ctime (otherwise setattr stamps it now) */
/* Leave ctime as it is: an access-time update (Linux's touch_atime
 * changes the atime alone). */
#define VA_KEEPCTIME 0x80
/* Drop the file capabilities (security.capability): a chown of a
 * non-directory (Linux's ATTR_KILL_PRIV).  A truncation (VA_SIZE)
 * drops them too. */
#define VA_KILLPRIV 0x100
/* vop_create of an O_TMPFILE file (len 0): linkat may give it a name
 * (no O_EXCL). */
#define VA_LINKABLE 0x200

/* rename flags (renameat2) */
#define VRENAME_NOREPLACE 0x1
#define VRENAME_EXCHANGE 0x2

/*
 * readdir's callback: one entry; returns nonzero to stop (the buffer is
 * full).  `next' is the position to resume after this entry.
 */
typedef int (*vfs_filldir_t)(void *arg, const char *name, size_t namlen,
			     uint64_t ino, unsigned dtype, off_t next);

/*
 * What a file system implements.  Every operation returns 0 or an errno.
 * Names are (pointer, length) pairs, never "." or "..", except that
 * vop_lookup also gets ".." (the parent inside the file system; the VFS
 * handles mount crossing and the process root).  Vnodes returned in
 * *vpp carry a new reference, except vop_lookup's, which does not count
 * against the mount (vnode_namehold's kind: the caller's reference on
 * the directory keeps the mount busy; vnode_lookup makes it a full
 * one).  The VFS has checked permissions (search
 * on every directory, write on the directory for changes, sticky rules,
 * ownership for setattr) before calling; the file system rechecks only
 * what its own locks make definitive: that a name exists (ENOENT) or
 * not (EEXIST), that it still names the vnode the VFS looked up (else
 * ENOENT, and the VFS retries), that a directory is empty (ENOTEMPTY),
 * its space (ENOSPC).  Operations the type does not have may be NULL:
 * the VFS answers for them (EPERM, EINVAL, ...).
 */
struct vnodeops {
	/* If vap is not NULL and the file system learnt the node's
	 * attributes in the lookup itself (a host-backed one does, as
	 * FUSE's and NFS's lookup replies carry them), it fills *vap as
	 * vop_getattr would; otherwise it leaves vap->va_type VNON. */
	int (*vop_lookup)(struct vnode *dvp, const char *name, size_t len,
			  struct vnode **vpp, struct vattr *vap);
	/* Create a node of type va->va_type (VREG, VCHR, VBLK, VFIFO,
	 * VSOCK, VDIR) with va_mode, va_uid, va_gid, va_rdev. */
	int (*vop_create)(struct vnode *dvp, const char *name, size_t len,
			  const struct vattr *va, struct vnode **vpp);
	int (*vop_symlink)(struct vnode *dvp, const char *name, size_t len,
			   const struct vattr *va, const char *target,
			   struct vnode **vpp);
	/* Remove the name (vp is what it must name: a non-directory for
	 * vop_remove, an empty directory for vop_rmdir). */
	int (*vop_remove)(struct vnode *dvp, const char *name, size_t len,
			  struct vnode *vp);
	int (*vop_rmdir)(struct vnode *dvp, const char *name, size_t len,
			 struct vnode *vp);
	/* A new name for vp (not a directory) in dvp. */
	int (*vop_link)(struct vnode *dvp, const char *name, size_t len,
			struct vnode *vp);
	/*
	 * Rename fdvp/fname (naming fvp) to tdvp/tname (naming tvp, or
	 * nothing when tvp is NULL), with VRENAME_* flags; both directories
	 * are on this file system.  The VFS has checked types (EISDIR,
	 * ENOTDIR), same-file renames and that no directory moves into its
	 * own subtree as far as it could see; the file system rechecks the
	 * subtree rule under its rename lock (EINVAL) and emptiness.
	 */
	int (*vop_rename)(struct vnode *fdvp, const char *fname, size_t flen,
			  struct vnode *fvp, struct vnode *tdvp,
			  const char *tname, size_t tlen, struct vnode *tvp,
			  unsigned flags);
	/* The target of a symlink into a kernel buffer: stores its length
	 * (not NUL-terminated), at most `size' bytes. */
	int (*vop_readlink)(struct vnode *vp, char *buf, size_t size,
			    size_t *lenp);
	/* Directory entries from position *offp ("." and ".." included);
	 * *offp is left after the last entry passed to fill.  Reading
	 * entries is no access by itself (getcwd reads them too): the
	 * VFS calls vop_accessed for a getdents. */
	int (*vop_readdir)(struct vnode *vp, off_t *offp, vfs_filldir_t fill,
			   void *arg);
	/* A directory was read by getdents without O_NOATIME: update
	 * atime as the mount's policy says (Linux's file_accessed).  NULL:
	 * the file system's readdir does it on its own (a host's). */
	void (*vop_accessed)(struct vnode *vp);
	/* The name of directory vp in its parent, for getcwd, when the file
	 * system knows it without reading the parent (a read would be an
	 * access of it on a host); ENOENT: it was removed; NULL, or
	 * another error: the VFS searches the parent's entries.  name has
	 * room for NAME_MAX + 1 bytes. */
	int (*vop_nameof)(struct vnode *vp, char *name, size_t *lenp);
	int (*vop_getattr)(struct vnode *vp, struct vattr *va);
	/* Apply va->va_mask; ctime becomes now unless VA_CTIME. */
	int (*vop_setattr)(struct vnode *vp, const struct vattr *va);
	/* Data of a regular file, as fo_read/fo_write (file.h). */
	int (*vop_read)(struct vnode *vp, off_t *offp, struct uio *uio,
			int ioflags);
	int (*vop_write)(struct vnode *vp, off_t *offp, struct uio *uio,
			 int ioflags);
	/* fallocate(2): as fo_allocate (file.h), sys_fallocate has checked
	 * the arguments and the file; an operation the file system cannot
	 * do is EOPNOTSUPP.  NULL: EOPNOTSUPP. */
	int (*vop_allocate)(struct vnode *vp, int mode, off_t off, off_t len);
	/* SEEK_DATA / SEEK_HOLE; NULL: the file is all data. */
	int (*vop_seekhole)(struct vnode *vp, off_t off, bool data,
			    off_t *resp);
	int (*vop_fsync)(struct vnode *vp, bool dataonly);
	/* A regular file's page store, for copies straight between
	 * stores: fo_pgstore (file.h) with the same roles, the VFS having
	 * dropped set-id bits for FO_STORE_DST.  NULL: no store. */
	struct pgstore *(*vop_pgstore)(struct vnode *vp, int role);
	int (*vop_poll)(struct vnode *vp, int events, struct polltable *pt);
	/* Called for each open (after permission checks) and each last
	 * close of an open file; NULL: nothing to do. */
	int (*vop_open)(struct vnode *vp, int flags, struct kauth_cred *cr);
	void (*vop_close)(struct vnode *vp, int flags);
	/* Quick permission check data: fill mode, uid, gid (may be NULL:
	 * the VFS uses vop_getattr).  The mode may carry VMODE_ACL: the
	 * node has an access ACL, which the VFS then asks vop_getacl for
	 * (nodes without one cost nothing more). */
	void (*vop_owner)(struct vnode *vp, mode_t *modep, uid_t *uidp,
			  gid_t *gidp);
	/*
	 * POSIX ACLs (acl.h), kept by the file system for the VFS, which
	 * checks everything (vfs_xattr.c); NULL (both): the file system
	 * has none (EOPNOTSUPP).  Never called on symlinks.
	 * vop_getacl: *aclp gets a held reference to vp's ACL of `type'
	 * (ACL_TYPE_ACCESS_, ACL_TYPE_DEFAULT_), or NULL when it has none;
	 * *modep (may be NULL) the mode's 07777 bits as they were with it
	 * (an access ACL and the mode change together).
	 * vop_setacl: make acl (NULL: none) vp's ACL of `type'; for an
	 * access ACL also, at once, the mode's 07777 bits to *modep.  A
	 * kept access ACL's USER_OBJ, MASK and OTHER entries are never
	 * read (the mode is their truth, acl.h), so chmod changes no ACL.
	 * Stamps ctime.  0 or ENOMEM (a host-backed file system: also the
	 * host's error).
	 */
	int (*vop_getacl)(struct vnode *vp, int type, struct acl **aclp,
			  mode_t *modep);
	int (*vop_setacl)(struct vnode *vp, int type, struct acl *acl,
			  const mode_t *modep);
	/* Extended attributes (xattr.h: the request, what the syscalls
	 * have checked, the errors).  A change stamps ctime.  NULL: the
	 * file system keeps none (EOPNOTSUPP, an empty list). */
	int (*vop_xattr)(struct vnode *vp, struct xattr_req *rq);
	/*
	 * v_usecount reached 0; called with v_interlock held.  Return true
	 * when the vnode must go (no name left): the VFS then drops
	 * v_interlock and calls vop_reclaim, which frees it.
	 */
	bool (*vop_inactive)(struct vnode *vp);
	void (*vop_reclaim)(struct vnode *vp);
};

struct vnode {
	unsigned v_usecount; /* atomic */
	enum vtype v_type;   /* fixed at creation */
	vdev_t v_rdev;       /* VCHR/VBLK: the device */
	struct mount *v_mount;
	const struct vnodeops *v_op;
	void *v_data; /* the file system's node */
	kmutex_t *v_interlock;
	/* The mount covering this directory, or NULL; under mount_lock,
	 * read with atomic_load_acq. */
	struct mount *v_mountedhere;
	/* IPC's: a FIFO's pipe or the socket bound to this name. */
	void *v_ipc;
	/* Advisory locks (lockf.h): fcntl record locks and flock of every
	 * file open on this vnode. */
	struct lockf_head v_lockf;
};

/* Initialise a vnode embedded in a file system's node, with one
 * reference (the creator's). */
void vnode_init(struct vnode *vp, enum vtype type, struct mount *mp,
		const struct vnodeops *ops, void *data);
/* Another reference (the caller holds one, or a name pins the vnode). */
void vnode_ref(struct vnode *vp);
/* Drop a reference; the last calls vop_inactive. */
void vnode_rele(struct vnode *vp);
/*
 * A file system may keep one reference for "this vnode has names"
 * (tmpfs does: taken when the link count leaves 0, dropped when it
 * returns to 0), so the reference count of a named vnode never drops
 * to 0 and vnode_rele stays one atomic operation.  These references do
 * not count against unmounting (mnt_nvref).
 */
void vnode_namehold(struct vnode *vp);
void vnode_namerele(struct vnode *vp);
/*
 * dvp's vop_lookup with the result's reference made a full one (as
 * vnode_ref's: it counts against unmounting).  The path walk calls
 * vop_lookup itself and hands its count on from each directory to the
 * next, one atomic operation per component fewer on each side.
 * Errors are vop_lookup's.  The caller holds dvp.
 */
int vnode_lookup(struct vnode *dvp, const char *name, size_t len,
		 struct vnode **vpp, struct vattr *vap);
/* Make an uncounted reference on vp (vnode_namehold's, vop_lookup's)
 * a full one; another full reference in vp's mount is held. */
void vnode_count(struct vnode *vp);
/* Called by a file system just before freeing a vnode (IPC cleanup;
 * vop_reclaim must call it). */
void vnode_reclaim(struct vnode *vp);

/* The DT_* value of a vnode type (getdents64). */
unsigned vtype_to_dt(enum vtype t);
/* S_IF* of a vnode type. */
mode_t vtype_to_ifmt(enum vtype t);

#endif /* RUMP_VFS_VNODE_H */
