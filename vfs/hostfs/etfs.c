/*
 * etfs.c: host files in the kernel's namespace (rump.h, "etfs").  Each
 * registration mounts the host file or directory (through hostfs) on a
 * node at its key, made for it unless a directory was already there; the
 * device types get a number of major ETFS_MAJOR whose driver serves the
 * registration's host file.
 */
#include <rump/rump.h>

#include "cred.h"
#include "file.h"
#include "hostfs.h"
#include "proc.h"
#include "../devsw.h"
#include "../vfs_int.h"

#define ETFS_MAJOR 240 /* Linux's first "local use" major */
#define ETFS_NDEV 64
#define KEY_MAX 1024

struct etfs {
	struct etfs *e_next;
	char *e_key;
	size_t e_keysize;
	enum rump_etfs_type e_type;
	struct vnode *e_covered; /* held: the node at the key */
	struct vnode *e_root;    /* the mount's root (held by the mount) */
	bool e_made;             /* we made the node at the key */
	int e_minor;             /* devices: the minor, else -1 */
};

static kmutex_t etfs_lock; /* the list, the device slots */
static struct etfs *etfs_list;
static struct etfs *etfs_dev[ETFS_NDEV];

static struct etfs *
etfs_find(const char *key)
{
	for (struct etfs *e = etfs_list; e != NULL; e = e->e_next)
		if (kstrcmp(e->e_key, key) == 0)
			return e;
	return NULL;
}

/* A driver open of ETFS_MAJOR:minor: the registration's host file. */
static int
etfs_open(vdev_t dev, struct vnode *vp, unsigned flags, struct file *fp)
{
	unsigned minor = VMINOR(dev);
	struct etfs *e;
	int error = ENXIO;

	mutex_enter(&etfs_lock);
	if (minor < ETFS_NDEV && (e = etfs_dev[minor]) != NULL &&
	    (e->e_type == RUMP_ETFS_BLK) == (vp->v_type == VBLK)) {
		vnode_ref(e->e_root);
		fp->f_data = e->e_root;
		fp->f_ops = &hostfs_devops;
		error = 0;
	}
	mutex_exit(&etfs_lock);
	return error;
}

static const struct devsw etfs_chr = { .d_name = "etfs", .d_open = etfs_open };
static const struct devsw etfs_blk = { .d_name = "etfs",
				       .d_open = etfs_open,
				       .d_block = true };

int
etfs_init(void)
{
	int error;

	mutex_init(&etfs_lock);
	if ((error = devsw_register(VMKDEV(ETFS_MAJOR, 0), ETFS_NDEV,
				    &etfs_chr)) != 0)
		return error;
	return devsw_register(VMKDEV(ETFS_MAJOR, 0), ETFS_NDEV, &etfs_blk);
}

/* Split `key' into its parent (in `parent') and last name. */
static const char *
split_key(const char *key, char *parent, size_t size)
{
	size_t len = kstrlen(key), slash = 0;

	for (size_t i = 0; i < len; i++)
		if (key[i] == '/')
			slash = i;
	kstrlcpy(parent, key, MIN(size, slash == 0 ? 2 : slash + 1));
	return key + slash + 1;
}

/* Make (or find) the node at `key' for type t; *vpp held. */
static int
key_node(const char *key, enum rump_etfs_type t, struct vnode **vpp, bool *made)
{
	bool dir = t == RUMP_ETFS_DIR || t == RUMP_ETFS_DIR_SUBDIRS;
	char parent[KEY_MAX];
	const char *name;
	struct vnode *dvp;
	struct vattr va = { 0 };
	int error;

	*made = false;
	if ((error = namei_kernel(key, vpp)) == 0) {
		if (dir && (*vpp)->v_type == VDIR &&
		    atomic_load_acq(&(*vpp)->v_mountedhere) == NULL)
			return 0;
		vnode_rele(*vpp);
		return EEXIST;
	}
	if (error != ENOENT)
		return error;
	name = split_key(key, parent, sizeof(parent));
	if (*name == '\0')
		return EINVAL;
	if ((error = namei_kernel(parent, &dvp)) != 0)
		return error;
	if (dvp->v_type != VDIR) {
		vnode_rele(dvp);
		return ENOTDIR;
	}
	if (dvp->v_op->vop_create == NULL) {
		vnode_rele(dvp);
		return EPERM;
	}
	va.va_type = dir ? VDIR : VREG;
	va.va_mode = dir ? 0755 : 0644;
	va.va_uid = 0;
	va.va_gid = 0;
	error = dvp->v_op->vop_create(dvp, name, kstrlen(name), &va, vpp);
	vnode_rele(dvp);
	*made = error == 0;
	return error;
}

/* Remove the node we made at `key' (vp, held: consumed). */
static void
key_unmake(const char *key, struct vnode *vp)
{
	char parent[KEY_MAX];
	const char *name = split_key(key, parent, sizeof(parent));
	struct vnode *dvp;

	if (namei_kernel(parent, &dvp) == 0) {
		if (vp->v_type == VDIR && dvp->v_op->vop_rmdir != NULL)
			dvp->v_op->vop_rmdir(dvp, name, kstrlen(name), vp);
		else if (vp->v_type != VDIR && dvp->v_op->vop_remove != NULL)
			dvp->v_op->vop_remove(dvp, name, kstrlen(name), vp);
		vnode_rele(dvp);
	}
	vnode_rele(vp);
}

RUMP_API int
rump_etfs_register_withsize(const char *key, const char *hostpath,
			    enum rump_etfs_type ftype, uint64_t begin,
			    uint64_t size)
{
	enum vtype roottype = VNON;
	struct etfs *e;
	size_t keylen;
	int error, htype, minor = -1;

	if (key == NULL || hostpath == NULL || key[0] != '/')
		return EINVAL;
	if ((keylen = kstrnlen(key, KEY_MAX)) >= KEY_MAX)
		return ENAMETOOLONG;
	if ((unsigned)ftype > RUMP_ETFS_DIR_SUBDIRS)
		return EINVAL;
	/* A window is for files, inside the offsets a file can have. */
	if ((begin != 0 || size != RUMP_ETFS_SIZE_ENDOFF) &&
	    (ftype >= RUMP_ETFS_DIR || begin > (uint64_t)OFF_MAX ||
	     (size != RUMP_ETFS_SIZE_ENDOFF &&
	      size > (uint64_t)OFF_MAX - begin)))
		return EINVAL;
	if (curlwp_enter() == NULL)
		return ENXIO;
	if ((error = rumpuser_getfileinfo(hostpath, NULL, &htype)) != 0)
		return error;
	if (ftype >= RUMP_ETFS_DIR && htype != RUMPUSER_FT_DIR)
		return ENOTDIR;
	if (ftype < RUMP_ETFS_DIR && htype == RUMPUSER_FT_DIR)
		return EISDIR;
	if ((e = kmem_zalloc(sizeof(*e))) == NULL)
		return ENOMEM;
	e->e_keysize = keylen + 1;
	if ((e->e_key = kmem_alloc(e->e_keysize)) == NULL) {
		kmem_free(e, sizeof(*e));
		return ENOMEM;
	}
	memcpy(e->e_key, key, e->e_keysize);
	e->e_type = ftype;
	mutex_enter(&etfs_lock);
	if (etfs_find(key) != NULL) {
		error = EEXIST;
		goto out;
	}
	if (ftype == RUMP_ETFS_BLK || ftype == RUMP_ETFS_CHR) {
		for (minor = 0; minor < ETFS_NDEV && etfs_dev[minor]; minor++)
			continue;
		if (minor == ETFS_NDEV) {
			error = ENOSPC;
			goto out;
		}
		roottype = ftype == RUMP_ETFS_BLK ? VBLK : VCHR;
	}
	e->e_minor = minor;
	if ((error = key_node(key, ftype, &e->e_covered, &e->e_made)) != 0)
		goto out;
	error = hostfs_mount_on(
		e->e_covered, hostpath, ftype == RUMP_ETFS_DIR, roottype,
		minor >= 0 ? VMKDEV(ETFS_MAJOR, minor) : 0, (off_t)begin,
		size == RUMP_ETFS_SIZE_ENDOFF ? -1 : (off_t)size);
	if (error != 0) {
		if (e->e_made)
			key_unmake(key, e->e_covered);
		else
			vnode_rele(e->e_covered);
		goto out;
	}
	e->e_root = e->e_covered->v_mountedhere->mnt_root;
	if (minor >= 0)
		etfs_dev[minor] = e;
	e->e_next = etfs_list;
	etfs_list = e;
	e = NULL;
out:
	mutex_exit(&etfs_lock);
	if (e != NULL) {
		kmem_free(e->e_key, e->e_keysize);
		kmem_free(e, sizeof(*e));
	}
	return error;
}

RUMP_API int
rump_etfs_register(const char *key, const char *hostpath,
		   enum rump_etfs_type ftype)
{
	return rump_etfs_register_withsize(key, hostpath, ftype, 0,
					   RUMP_ETFS_SIZE_ENDOFF);
}

RUMP_API int
rump_etfs_remove(const char *key)
{
	struct etfs *e, **ep;
	int error;

	if (key == NULL)
		return EINVAL;
	if (curlwp_enter() == NULL)
		return ENXIO;
	mutex_enter(&etfs_lock);
	for (ep = &etfs_list; (e = *ep) != NULL; ep = &e->e_next)
		if (kstrcmp(e->e_key, key) == 0)
			break;
	if (e == NULL) {
		mutex_exit(&etfs_lock);
		return ENOENT;
	}
	vnode_ref(e->e_root);
	if ((error = vfs_dounmount(e->e_root, 0)) != 0) {
		mutex_exit(&etfs_lock);
		return error;
	}
	*ep = e->e_next;
	if (e->e_minor >= 0)
		etfs_dev[e->e_minor] = NULL;
	mutex_exit(&etfs_lock);
	if (e->e_made)
		key_unmake(e->e_key, e->e_covered);
	else
		vnode_rele(e->e_covered);
	kmem_free(e->e_key, e->e_keysize);
	kmem_free(e, sizeof(*e));
	return 0;
}

RUMP_API int rump_pub_etfs_register(const char *, const char *,
				    enum rump_etfs_type)
	__attribute__((alias("rump_etfs_register")));
RUMP_API int rump_pub_etfs_register_withsize(const char *, const char *,
					     enum rump_etfs_type, uint64_t,
					     uint64_t)
	__attribute__((alias("rump_etfs_register_withsize")));
RUMP_API int rump_pub_etfs_remove(const char *)
	__attribute__((alias("rump_etfs_remove")));
