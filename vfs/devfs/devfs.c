/*
 * devfs.c: the /dev file system (devfs.h).  A mount holds a root
 * directory and one vnode per device, all made at mount time and kept
 * until unmount; a vnode nobody references stays (vop_inactive says
 * so), so lookups just take a reference.
 */
#include <linux/magic.h>
#include <linux/stat.h>
#include <asm/statfs.h>

#include "cred.h"
#include "devfs.h"

struct devfs_entry {
	const char *de_name;
	unsigned de_major, de_minor;
	mode_t de_mode;
	gid_t de_gid;
};

/* What Linux's udev makes, with its modes and groups (tty is 5). */
static const struct devfs_entry entries[] = {
	{ "console", 5, 1, 0600, 0 },
	{ "full", 1, 7, 0666, 0 },
	{ "null", 1, 3, 0666, 0 },
	{ "random", 1, 8, 0666, 0 },
	{ "tty", 5, 0, 0666, 5 },
	{ "urandom", 1, 9, 0666, 0 },
	{ "zero", 1, 5, 0666, 0 },
	/* A directory (major 0): boot mounts a tmpfs there for POSIX shared
	 * memory and semaphores (shm_open, sem_open). */
	{ "shm", 0, 0, 01777, 0 },
};
#define IS_DIR_ENTRY(i) (entries[i].de_major == 0)
#define NENTRIES ARRAY_SIZE(entries)
#define DEVFS_ROOTINO 1

struct devfs_node {
	struct vnode dn_vn;
	uint64_t dn_ino;
	/* Attributes, under dn_vn.v_interlock. */
	mode_t dn_mode;
	uid_t dn_uid;
	gid_t dn_gid;
	int64_t dn_atime, dn_mtime, dn_ctime;
};

struct devfs_mount {
	struct devfs_node dm_root;
	struct devfs_node dm_nodes[NENTRIES];
};

static inline struct devfs_node *
VTODN(struct vnode *vp)
{
	return vp->v_data;
}

static struct devfs_mount *
VTODM(struct vnode *vp)
{
	return vp->v_mount->mnt_data;
}

static int
devfs_lookup(struct vnode *dvp, const char *name, size_t len,
	     struct vnode **vpp, struct vattr *vap)
{
	struct devfs_mount *dm = VTODM(dvp);

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	/* The root is its own parent inside devfs, and the parent of the
	 * directories in it. */
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		vnode_namehold(&dm->dm_root.dn_vn);
		*vpp = &dm->dm_root.dn_vn;
		return 0;
	}
	if (dvp != &dm->dm_root.dn_vn)
		return ENOENT; /* the directories in /dev are empty */
	for (size_t i = 0; i < NENTRIES; i++) {
		if (kstrlen(entries[i].de_name) == len &&
		    memcmp(entries[i].de_name, name, len) == 0) {
			vnode_namehold(&dm->dm_nodes[i].dn_vn);
			*vpp = &dm->dm_nodes[i].dn_vn;
			return 0;
		}
	}
	return ENOENT;
}

static int
devfs_readdir(struct vnode *vp, off_t *offp, vfs_filldir_t fill, void *arg)
{
	struct devfs_mount *dm = VTODM(vp);
	off_t off = *offp;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	/* A directory in /dev: just "." and "..". */
	if (vp != &dm->dm_root.dn_vn && off >= 2) {
		*offp = off;
		return 0;
	}
	for (; off < (off_t)NENTRIES + 2; off++) {
		const char *name;
		uint64_t ino;
		unsigned dt;

		if (off < 2) {
			name = off == 0 ? "." : "..";
			ino = DEVFS_ROOTINO;
			dt = vtype_to_dt(VDIR);
		} else {
			if (vp != &dm->dm_root.dn_vn)
				break;
			name = entries[off - 2].de_name;
			ino = dm->dm_nodes[off - 2].dn_ino;
			dt = vtype_to_dt(IS_DIR_ENTRY(off - 2) ? VDIR : VCHR);
		}
		if (fill(arg, name, kstrlen(name), ino, dt, off + 1))
			break;
	}
	*offp = off;
	return 0;
}

static int
devfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct devfs_node *dn = VTODN(vp);

	memset(va, 0, sizeof(*va));
	va->va_type = vp->v_type;
	va->va_rdev = vp->v_rdev;
	va->va_ino = dn->dn_ino;
	va->va_fsid = vp->v_mount->mnt_dev;
	/* The root's ".." and each directory's "." count, as on Linux. */
	va->va_nlink = vp->v_type != VDIR          ? 1
		       : dn == &VTODM(vp)->dm_root ? 3
						   : 2;
	va->va_blksize = 4096;
	va->va_size = vp->v_type == VDIR ? (off_t)(NENTRIES + 2) * 20 : 0;
	mutex_enter(vp->v_interlock);
	va->va_mode = dn->dn_mode;
	va->va_uid = dn->dn_uid;
	va->va_gid = dn->dn_gid;
	va->va_atime = dn->dn_atime;
	va->va_mtime = dn->dn_mtime;
	va->va_ctime = dn->dn_ctime;
	mutex_exit(vp->v_interlock);
	return 0;
}

static int
devfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct devfs_node *dn = VTODN(vp);
	int64_t now = vfs_now_ns();

	/* A device has no size to change: O_TRUNC and truncate are
	 * no-ops on it, as on Linux. */
	if ((va->va_mask & VA_SIZE) && vp->v_type == VDIR)
		return EISDIR;
	mutex_enter(vp->v_interlock);
	if (va->va_mask & VA_MODE)
		dn->dn_mode = va->va_mode & 07777;
	if (va->va_mask & VA_UID)
		dn->dn_uid = va->va_uid;
	if (va->va_mask & VA_GID)
		dn->dn_gid = va->va_gid;
	if (va->va_mask & VA_ATIME)
		dn->dn_atime = va->va_atime;
	if (va->va_mask & VA_MTIME)
		dn->dn_mtime = va->va_mtime;
	if (!(va->va_mask & VA_KEEPCTIME))
		dn->dn_ctime = (va->va_mask & VA_CTIME) ? va->va_ctime : now;
	mutex_exit(vp->v_interlock);
	return 0;
}

static void
devfs_owner(struct vnode *vp, mode_t *modep, uid_t *uidp, gid_t *gidp)
{
	struct devfs_node *dn = VTODN(vp);

	mutex_enter(vp->v_interlock);
	*modep = dn->dn_mode;
	*uidp = dn->dn_uid;
	*gidp = dn->dn_gid;
	mutex_exit(vp->v_interlock);
}

/* Nodes live as long as the mount. */
static bool
devfs_inactive(struct vnode *vp)
{
	return false;
}

static void
devfs_reclaim(struct vnode *vp)
{
}

/* The set of names is fixed. */
static int
devfs_create(struct vnode *dvp, const char *name, size_t len,
	     const struct vattr *va, struct vnode **vpp)
{
	return EPERM;
}

static int
devfs_symlink(struct vnode *dvp, const char *name, size_t len,
	      const struct vattr *va, const char *target, struct vnode **vpp)
{
	return EPERM;
}

static int
devfs_remove(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	return EPERM;
}

static int
devfs_link(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	return EPERM;
}

static int
devfs_rename(struct vnode *fdvp, const char *fname, size_t flen,
	     struct vnode *fvp, struct vnode *tdvp, const char *tname,
	     size_t tlen, struct vnode *tvp, unsigned flags)
{
	return EPERM;
}

static const struct vnodeops devfs_vnodeops = {
	.vop_lookup = devfs_lookup,
	.vop_create = devfs_create,
	.vop_symlink = devfs_symlink,
	.vop_remove = devfs_remove,
	.vop_rmdir = devfs_remove,
	.vop_link = devfs_link,
	.vop_rename = devfs_rename,
	.vop_readdir = devfs_readdir,
	.vop_getattr = devfs_getattr,
	.vop_setattr = devfs_setattr,
	.vop_owner = devfs_owner,
	.vop_inactive = devfs_inactive,
	.vop_reclaim = devfs_reclaim,
};

static void
node_init(struct devfs_node *dn, struct mount *mp, enum vtype type,
	  uint64_t ino, mode_t mode, uid_t uid, gid_t gid, int64_t now)
{
	vnode_init(&dn->dn_vn, type, mp, &devfs_vnodeops, dn);
	dn->dn_ino = ino;
	dn->dn_mode = mode;
	dn->dn_uid = uid;
	dn->dn_gid = gid;
	dn->dn_atime = dn->dn_mtime = dn->dn_ctime = now;
}

static int
devfs_mount(struct mount *mp, const char *source, const char *data,
	    unsigned long flags, struct kauth_cred *cr)
{
	struct devfs_mount *dm;
	int64_t now = vfs_now_ns();

	if (data != NULL && data[0] != '\0')
		return EINVAL; /* devfs takes no options */
	if ((dm = kmem_zalloc(sizeof(*dm))) == NULL)
		return ENOMEM;
	mp->mnt_data = dm;
	node_init(&dm->dm_root, mp, VDIR, DEVFS_ROOTINO, 0755, 0, 0, now);
	for (size_t i = 0; i < NENTRIES; i++) {
		struct devfs_node *dn = &dm->dm_nodes[i];

		node_init(dn, mp, IS_DIR_ENTRY(i) ? VDIR : VCHR,
			  DEVFS_ROOTINO + 1 + i, entries[i].de_mode, 0,
			  entries[i].de_gid, now);
		if (!IS_DIR_ENTRY(i))
			dn->dn_vn.v_rdev = VMKDEV(entries[i].de_major,
						  entries[i].de_minor);
		/* Unreferenced until looked up; the node stays. */
		vnode_rele(&dn->dn_vn);
	}
	mp->mnt_root = &dm->dm_root.dn_vn; /* the creation reference */
	return 0;
}

static int
devfs_statfs(struct mount *mp, struct statfs *sf)
{
	/* What Linux's devtmpfs (a tmpfs) shows. */
	sf->f_type = TMPFS_MAGIC;
	sf->f_bsize = 4096;
	sf->f_blocks = sf->f_bfree = sf->f_bavail = 0;
	sf->f_files = NENTRIES + 1;
	sf->f_ffree = 0;
	return 0;
}

static int
devfs_unmount(struct mount *mp)
{
	kmem_free(mp->mnt_data, sizeof(struct devfs_mount));
	return 0;
}

const struct vfsops devfs_vfsops = {
	.vfs_name = "devfs",
	.vfs_mount = devfs_mount,
	.vfs_statfs = devfs_statfs,
	.vfs_unmount = devfs_unmount,
};
