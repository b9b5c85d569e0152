/*
 * vfs_subr.c: vnode references, the file-system type registry, mounts,
 * the device switch, IPC hooks, per-process cwd/root and boot.
 */
#include <linux/stat.h>

#include "cred.h"
#include "devsw.h"
#include "inotify.h"
#include "proc.h"
#include "vfs.h"
#include "vfs_int.h"

/* ---- vnode references ------------------------------------------------ */

#define NINTERLOCK 64
static kmutex_t interlocks[NINTERLOCK];

void
vnode_init(struct vnode *vp, enum vtype type, struct mount *mp,
	   const struct vnodeops *ops, void *data)
{
	uintptr_t h = (uintptr_t)vp;

	h ^= h >> 7;
	h ^= h >> 13;
	vp->v_usecount = 1;
	vp->v_type = type;
	vp->v_rdev = 0;
	vp->v_mount = mp;
	vp->v_op = ops;
	vp->v_data = data;
	vp->v_interlock = &interlocks[h % NINTERLOCK];
	vp->v_mountedhere = NULL;
	vp->v_ipc = NULL;
	lf_head_init(&vp->v_lockf);
	if (mp != NULL)
		atomic_inc(&mp->mnt_nvref);
}

void
vnode_ref(struct vnode *vp)
{
	atomic_inc(&vp->v_usecount);
	atomic_inc(&vp->v_mount->mnt_nvref);
}

static void vfs_detached_last(struct mount *mp);

/* A counted reference of mp went; a detached mount goes with its last. */
static inline void
mount_unref(struct mount *mp)
{
	if (__predict_false(atomic_dec(&mp->mnt_nvref) == 1) &&
	    __predict_false(atomic_load_acq(&mp->mnt_detached)))
		vfs_detached_last(mp);
}

static inline void
vnode_drop(struct vnode *vp, bool counted)
{
	struct mount *mp = vp->v_mount;
	unsigned c = atomic_load_relaxed(&vp->v_usecount);
	bool gone = false;

	while (c > 1) {
		if (__atomic_compare_exchange_n(&vp->v_usecount, &c, c - 1,
						true, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			if (counted)
				mount_unref(mp);
			return;
		}
	}
	mutex_enter(vp->v_interlock);
	if (atomic_dec(&vp->v_usecount) == 0 && vp->v_op->vop_inactive != NULL)
		gone = vp->v_op->vop_inactive(vp);
	mutex_exit(vp->v_interlock);
	if (gone)
		vp->v_op->vop_reclaim(vp);
	if (counted)
		mount_unref(mp);
}

void
vnode_rele(struct vnode *vp)
{
	vnode_drop(vp, true);
}

void
vnode_namehold(struct vnode *vp)
{
	atomic_inc(&vp->v_usecount);
}

void
vnode_namerele(struct vnode *vp)
{
	vnode_drop(vp, false);
}

void
vnode_count(struct vnode *vp)
{
	atomic_inc(&vp->v_mount->mnt_nvref);
}

int
vnode_lookup(struct vnode *dvp, const char *name, size_t len,
	     struct vnode **vpp, struct vattr *vap)
{
	int error = dvp->v_op->vop_lookup(dvp, name, len, vpp, vap);

	if (error == 0)
		vnode_count(*vpp);
	return error;
}

static const struct vfs_ipc_hooks *ipc_hooks; /* atomic pointer */

void
vfs_set_ipc_hooks(const struct vfs_ipc_hooks *hooks)
{
	atomic_store_rel(&ipc_hooks, hooks);
}

void
vnode_reclaim(struct vnode *vp)
{
	const struct vfs_ipc_hooks *h = atomic_load_acq(&ipc_hooks);

	lf_head_destroy(&vp->v_lockf);
	if (vp->v_ipc != NULL && h != NULL && h->vnode_reclaim != NULL)
		h->vnode_reclaim(vp);
}

int
vfs_fifo_open(struct vnode *vp, unsigned flags, struct file *fp)
{
	const struct vfs_ipc_hooks *h = atomic_load_acq(&ipc_hooks);

	if (h == NULL || h->fifo_open == NULL)
		return ENXIO;
	return h->fifo_open(vp, flags, fp);
}

unsigned
vtype_to_dt(enum vtype t)
{
	static const unsigned char dt[] = {
		[VNON] = 0, [VREG] = 8, [VDIR] = 4,  [VLNK] = 10,
		[VCHR] = 2, [VBLK] = 6, [VFIFO] = 1, [VSOCK] = 12,
	};
	return dt[t];
}

mode_t
vtype_to_ifmt(enum vtype t)
{
	static const mode_t fmt[] = {
		[VNON] = 0,        [VREG] = S_IFREG,   [VDIR] = S_IFDIR,
		[VLNK] = S_IFLNK,  [VCHR] = S_IFCHR,   [VBLK] = S_IFBLK,
		[VFIFO] = S_IFIFO, [VSOCK] = S_IFSOCK,
	};
	return fmt[t];
}

enum vtype
ifmt_to_vtype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return VREG;
	case S_IFDIR:
		return VDIR;
	case S_IFLNK:
		return VLNK;
	case S_IFCHR:
		return VCHR;
	case S_IFBLK:
		return VBLK;
	case S_IFIFO:
		return VFIFO;
	case S_IFSOCK:
		return VSOCK;
	default:
		return VNON;
	}
}

int64_t
vfs_now_ns(void)
{
	int64_t sec = 0;
	long nsec = 0;

	rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &sec, &nsec);
	return sec * NSEC_PER_SEC_ + nsec;
}

int64_t
vfs_time_ns(int64_t sec, long nsec)
{
	int64_t ns;

	if (__builtin_mul_overflow(sec, NSEC_PER_SEC_, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)nsec, &ns))
		return sec < 0 ? INT64_MIN : INT64_MAX;
	return ns;
}

/* ---- device switch ----------------------------------------------------- */

static struct {
	vdev_t first;
	unsigned count;
	const struct devsw *d;
} devsw_tab[DEVSW_MAX];
static unsigned devsw_n; /* atomic; entries below it are published */
static kmutex_t devsw_lock;

const struct devsw *
devsw_lookup(vdev_t dev, bool block)
{
	unsigned n = atomic_load_acq(&devsw_n);

	for (unsigned i = 0; i < n; i++) {
		vdev_t f = devsw_tab[i].first;

		if (devsw_tab[i].d->d_block == block &&
		    VMAJOR(f) == VMAJOR(dev) && VMINOR(dev) >= VMINOR(f) &&
		    VMINOR(dev) - VMINOR(f) < devsw_tab[i].count)
			return devsw_tab[i].d;
	}
	return NULL;
}

int
devsw_register(vdev_t first, unsigned count, const struct devsw *d)
{
	int error = 0;
	unsigned n;

	if (count == 0 || d == NULL || d->d_open == NULL)
		return EINVAL;
	mutex_enter(&devsw_lock);
	n = devsw_n;
	for (unsigned i = 0; i < n && error == 0; i++) {
		vdev_t f = devsw_tab[i].first;
		unsigned lo = VMINOR(f), hi = lo + devsw_tab[i].count;

		if (devsw_tab[i].d->d_block == d->d_block &&
		    VMAJOR(f) == VMAJOR(first) && VMINOR(first) < hi &&
		    VMINOR(first) + count > lo)
			error = EBUSY;
	}
	if (error == 0 && n == DEVSW_MAX)
		error = ENOSPC;
	if (error == 0) {
		devsw_tab[n].first = first;
		devsw_tab[n].count = count;
		devsw_tab[n].d = d;
		atomic_store_rel(&devsw_n, n + 1);
	}
	mutex_exit(&devsw_lock);
	return error;
}

/* ---- file-system types and mounts -------------------------------------- */

#define NFSTYPE 16
static const struct vfsops *fstypes[NFSTYPE];
krwlock_t mount_lock;
static struct mount *mountlist; /* under mount_lock */
static unsigned mount_lastdev;  /* atomic */
struct vnode *rootvnode;

int
vfs_register_fstype(const struct vfsops *ops)
{
	int error = ENOMEM;

	rw_enter_write(&mount_lock);
	for (int i = 0; i < NFSTYPE; i++) {
		if (fstypes[i] != NULL &&
		    kstrcmp(fstypes[i]->vfs_name, ops->vfs_name) == 0) {
			error = EEXIST;
			break;
		}
		if (fstypes[i] == NULL) {
			fstypes[i] = ops;
			error = 0;
			break;
		}
	}
	rw_exit(&mount_lock);
	return error;
}

const struct vfsops *
vfs_find_fstype(const char *name)
{
	const struct vfsops *ops = NULL;

	rw_enter_read(&mount_lock);
	for (int i = 0; i < NFSTYPE && fstypes[i] != NULL; i++)
		if (kstrcmp(fstypes[i]->vfs_name, name) == 0) {
			ops = fstypes[i];
			break;
		}
	rw_exit(&mount_lock);
	return ops;
}

/*
 * Mount a new file system of `ops' on `covered' (a held directory, NULL
 * for the root); consumes nothing on failure.  Caller does not hold
 * mount_lock.
 */
int
vfs_domount(const struct vfsops *ops, struct vnode *covered, const char *source,
	    unsigned long flags, const char *data, struct kauth_cred *cr)
{
	struct mount *mp = kmem_zalloc(sizeof(*mp));
	unsigned minor;
	int error;

	if (mp == NULL)
		return ENOMEM;
	mp->mnt_op = ops;
	mp->mnt_flags = (unsigned)flags &
			(MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC);
	minor = __atomic_add_fetch(&mount_lastdev, 1, __ATOMIC_RELAXED);
	mp->mnt_dev = VMKDEV(0, minor + 16);
	kstrlcpy(mp->mnt_fstype, ops->vfs_name, sizeof(mp->mnt_fstype));
	kstrlcpy(mp->mnt_source, source != NULL ? source : "none",
		 sizeof(mp->mnt_source));
	if ((error = ops->vfs_mount(mp, source, data, flags, cr)) != 0) {
		kmem_free(mp, sizeof(*mp));
		return error;
	}
	rw_enter_write(&mount_lock);
	if (covered != NULL && covered->v_mountedhere != NULL) {
		/* Someone mounted here first: stack on top of it, as
		 * Linux does, by retrying on the new root. */
		error = EBUSY;
	} else if (covered != NULL) {
		vnode_ref(covered);
		mp->mnt_vnodecovered = covered;
		atomic_store_rel(&covered->v_mountedhere, mp);
	}
	if (error == 0) {
		mp->mnt_next = mountlist;
		mountlist = mp;
	}
	rw_exit(&mount_lock);
	if (error != 0) {
		vnode_rele(mp->mnt_root);
		ops->vfs_unmount(mp);
		kmem_free(mp, sizeof(*mp));
	}
	if (error == 0 && covered == NULL)
		rootvnode = mp->mnt_root;
	return error;
}

/* The last reference of a detached mount is gone (only the mount's own
 * root reference is left): tear it down, once. */
static void
vfs_detached_last(struct mount *mp)
{
	if (!__atomic_exchange_n(&mp->mnt_detached, false, __ATOMIC_ACQ_REL))
		return;
	inotify_unmount(mp);
	vnode_rele(mp->mnt_root);
	mp->mnt_op->vfs_unmount(mp);
	vnode_rele(mp->mnt_vnodecovered);
	kmem_free(mp, sizeof(*mp));
}

/* Unmount the file system whose root is `root' (held by the caller;
 * this reference is consumed).  MNT_DETACH (0x2): a busy mount leaves
 * the namespace now and goes with its last reference. */
int
vfs_dounmount(struct vnode *root, int flags)
{
	struct mount *mp = root->v_mount, **mpp;
	struct vnode *covered = NULL;
	bool detach = false;
	int error = 0;

	if (root != mp->mnt_root || mp->mnt_vnodecovered == NULL ||
	    atomic_load_acq(&mp->mnt_detached)) {
		vnode_rele(root);
		return root == rootvnode ? EBUSY : EINVAL;
	}
	rw_enter_write(&mount_lock);
	/* Ours, the mount's own and nothing else. */
	if (atomic_load_acq(&mp->mnt_nvref) != 2) {
		if (flags & 0x2)
			detach = true;
		else
			error = EBUSY;
	}
	if (error == 0) {
		covered = mp->mnt_vnodecovered;
		atomic_store_rel(&covered->v_mountedhere, NULL);
		for (mpp = &mountlist; *mpp != mp; mpp = &(*mpp)->mnt_next)
			continue;
		*mpp = mp->mnt_next;
		if (detach)
			atomic_store_rel(&mp->mnt_detached, true);
	}
	rw_exit(&mount_lock);
	/* Detached: this release may be the last (see mount_unref). */
	vnode_rele(root);
	if (error != 0 || detach)
		return error;
	inotify_unmount(mp);
	vnode_rele(mp->mnt_root);
	mp->mnt_op->vfs_unmount(mp);
	vnode_rele(covered);
	kmem_free(mp, sizeof(*mp));
	return 0;
}

int
vfs_mount_internal(const char *fstype, const char *source, const char *kpath,
		   unsigned long flags, const char *data)
{
	const struct vfsops *ops = vfs_find_fstype(fstype);
	struct vnode *vp;
	int error;

	if (ops == NULL)
		return ENODEV;
	if ((error = namei_kernel(kpath, &vp)) != 0)
		return error;
	if (vp->v_type != VDIR)
		error = ENOTDIR;
	else
		error = vfs_domount(ops, vp, source, flags, data,
				    initproc->p_cred);
	vnode_rele(vp);
	return error;
}

/* ---- processes --------------------------------------------------------- */

void
vfs_proc_fork(struct proc *parent, struct proc *child)
{
	mutex_enter(&parent->p_lock);
	child->p_cwd = parent->p_cwd;
	child->p_root = parent->p_root;
	if (child->p_cwd != NULL)
		vnode_ref(child->p_cwd);
	if (child->p_root != NULL)
		vnode_ref(child->p_root);
	mutex_exit(&parent->p_lock);
}

void
vfs_proc_exit(struct proc *p)
{
	if (p->p_cwd != NULL)
		inotify_vnode_rele(p->p_cwd);
	if (p->p_root != NULL)
		inotify_vnode_rele(p->p_root);
	p->p_cwd = p->p_root = NULL;
}

static void
proc_setroot(struct proc *p)
{
	vnode_ref(rootvnode);
	vnode_ref(rootvnode);
	mutex_enter(&p->p_lock);
	p->p_cwd = rootvnode;
	p->p_root = rootvnode;
	mutex_exit(&p->p_lock);
}

int
vfs_init(void)
{
	struct vnode *dev;
	int error;

	for (int i = 0; i < NINTERLOCK; i++)
		mutex_init(&interlocks[i]);
	mutex_init(&devsw_lock);
	rw_init(&mount_lock);
	inotify_init();
	if ((error = vfs_register_fstype(&tmpfs_vfsops)) != 0)
		return error;
	error = vfs_domount(&tmpfs_vfsops, NULL, "rootfs", 0, "mode=0755",
			    initproc->p_cred);
	if (error != 0)
		return error;
	proc_setroot(&proc0);
	proc_setroot(initproc);
	/* An empty /dev for the device file system to cover. */
	error = vfs_mkdir_kernel(rootvnode, "dev", 0755, &dev);
	if (error == 0)
		vnode_rele(dev);
	return error;
}
