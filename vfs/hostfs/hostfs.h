/*
 * hostfs.h: a host directory tree mounted in the kernel's namespace.
 *
 * mount(2): source is the host path, fstype "hostfs", data a comma list
 * of options:
 *   ro / rw      read-only (writes give EROFS) or read-write (default);
 *                MS_RDONLY in the flags does the same
 *   nosubdirs    show only the files of the top directory (etfs's
 *                RUMP_ETFS_DIR)
 * Errors at mount: ENOENT (no such host path), ENOTDIR (not a
 * directory), EINVAL (unknown option), the host's errno.
 *
 * Every node is the host file itself, reached through an O_PATH handle
 * the node keeps (so renames on either side never confuse it); data
 * moves through the rumpuser file hypercalls with a kernel bounce
 * buffer.  Nodes are found again by host (device, inode), so hard links
 * and repeated lookups give the same vnode (and the same lock state).
 * Attributes are the host's: owner, mode and times as the host shows
 * them; changes the host refuses (chown by an unprivileged host user)
 * fail with the host's errno.  Permission checks are the kernel's,
 * against those attributes, and then the host's own.  A new node gets
 * the owner, group and mode Linux would give the caller (the host
 * process made it, then gives it away), when the host process may give
 * files away; otherwise it keeps the host's owner.
 *
 * Extended attributes and POSIX ACLs are the host file's (vop_xattr,
 * vop_getacl, vop_setacl).  A node keeps the ACLs it read until the host
 * ctime its stats see moves; a stat says whether the node is known to
 * have no access ACL (va_hasacl), so permission checks of nodes without
 * one ask the host nothing more.
 *
 * Lock order: a node's hn_lock (its I/O handles and directory stream) >
 * the mount's hm_lock (the node table, a leaf); a node's hn_acllock
 * (its kept ACLs) is a leaf, never held across a host call.
 */
#ifndef RUMP_VFS_HOSTFS_H
#define RUMP_VFS_HOSTFS_H

#include "../vfs.h"

extern const struct vfsops hostfs_vfsops;

/* Boot: the "hostfs" type, etfs's device numbers. */
int hostfs_init(void);
int etfs_init(void);

/*
 * For etfs: mount host file or directory `hostpath' on the held vnode
 * `covered' (any type).  `nosubdirs' hides subdirectories; `roottype'
 * VBLK or VCHR makes the root a device node of number `rdev' (its data
 * still the host file's, through hostfs_devops), VNON keeps the host's
 * type.  A file root shows the bytes from `base' on, `wsize' of them
 * (-1: to the end of the host file).  0 or an errno.
 */
int hostfs_mount_on(struct vnode *covered, const char *hostpath, bool nosubdirs,
		    enum vtype roottype, vdev_t rdev, off_t base, off_t wsize);

/* File operations that read and write the host file of the hostfs vnode
 * in f_data (held by the file; fo_close drops it), at the file's offset:
 * etfs's block and character devices. */
extern const struct fileops hostfs_devops;

#endif /* RUMP_VFS_HOSTFS_H */
