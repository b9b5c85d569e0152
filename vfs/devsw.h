/*
 * devsw.h: the device switch.  A device driver registers the open
 * routine for a range of device numbers; opening a VCHR or VBLK vnode
 * of any file system (a tmpfs node made by mknod, a devfs node) goes
 * through it.  No driver: ENXIO.
 *
 * d_open gets the struct file already allocated with f_flag, f_cred
 * and f_vnode (held by the file) set, and generic vnode file operations
 * in f_ops; it installs its own f_ops (fileops, file.h) and f_data.  A
 * driver's fo_stat may be vn_fo_stat (vfs.h) so fstat shows the device
 * node, as Linux does.  If d_open fails the VFS frees the file without
 * calling the driver's fo_close.  d_open may sleep.
 *
 * Registration is for boot time (or a module load); lookups take no
 * lock.  At most DEVSW_MAX ranges.
 */
#ifndef RUMP_VFS_DEVSW_H
#define RUMP_VFS_DEVSW_H

#include "vnode.h"

#define DEVSW_MAX 64

struct devsw {
	const char *d_name;
	int (*d_open)(vdev_t dev, struct vnode *vp, unsigned flags,
		      struct file *fp);
	bool d_block; /* serves VBLK nodes (else VCHR) */
};

/*
 * devsw_register: `d' serves the `count' device numbers from major
 * VMAJOR(first), minors VMINOR(first) .. VMINOR(first)+count-1, for
 * nodes of its kind (d_block).  Returns 0, EBUSY (a number is taken),
 * ENOSPC (table full), EINVAL (count 0).
 */
int devsw_register(vdev_t first, unsigned count, const struct devsw *d);
/* The driver for a node, or NULL. */
const struct devsw *devsw_lookup(vdev_t dev, bool block);

#endif /* RUMP_VFS_DEVSW_H */
