/*
 * tmpfs.c: the in-memory file system: regular files on the page store
 * (pgstore.h), directories as entry tables (dirtab.h), symlinks, device,
 * FIFO and socket nodes, hard links, a page budget per mount (size=)
 * and an inode budget (nr_inodes=, which extended attributes draw on
 * too, as on Linux).
 *
 * A node embeds its vnode and lives while it has a name (tn_nlink) or a
 * reference (v_usecount); vnode.h explains the protocol.
 *
 * Directories: each has a reader/writer lock over its entry table
 * (dirtab.h: entries at fixed places, which are also readdir positions,
 * found through an open-addressed name index).  A directory's parent
 * pointer changes under its own lock.
 *
 * Extended attributes live outside the node, which stays three cache
 * lines: a node that has any has TN_HASXATTR set in tn_mode, and its
 * store (xattr.h) hangs in the mount's table, keyed by the node, so
 * nodes without attributes pay nothing.  A store is made on a node's
 * first set and freed with the node.
 *
 * POSIX ACLs (acl.h) hang in the same store, and a node that has an
 * access or a default ACL says so in tn_mode (TN_HASACL, TN_HASDACL),
 * so that the VFS's permission check (vop_owner) and a creation in a
 * directory (vop_getacl) pay one load for nodes without.  The ACL
 * pointers change under v_interlock, with the mode for an access ACL.
 * Unlike the other attributes ACLs take no inode space, as on Linux.
 *
 * Lock order: tm_renamelock (one rename at a time per mount) > directory
 * locks, ancestors before descendants, unrelated ones by address > the
 * page store's lock > v_interlock (attributes: mode, owner, link count).
 * tm_xlock (the attribute table: finding, adding and removing stores)
 * > v_interlock (setting TN_HASXATTR); a store's own xs_lock (its
 * attributes) is taken with no tmpfs lock held and is a leaf.
 */
#include <linux/fcntl.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <asm/statfs.h>

#include "cred.h"
#include "fsize.h"
#include "ktime.h"
#include "pgstore.h"
#include "acl.h"
#include "xattr.h"
#include "pool.h"
#include "dirtab.h"
#include "../vfs.h"
#include "../vfs_int.h"

#define BOGO_DIRENT_SIZE 20
#define BOGO_INODE_SIZE 1024
#define TMPFS_ROOTINO 1

struct tmpfs_mount {
	struct pgstore_acct tm_acct;
	uint64_t tm_lastino; /* atomic */
	uint64_t tm_nnodes;  /* atomic */
	/*
	 * nr_inodes: Linux's inode space.  With tm_imax inodes (0: no
	 * limit) the mount has tm_imax * BOGO_INODE_SIZE bytes of it; each
	 * node and each extra hard link takes BOGO_INODE_SIZE, each
	 * extended attribute xattr_space() (xattr.h); ENOSPC when it runs
	 * out.  tm_ifree is what is left (atomic; counted only while
	 * there is a limit, and a mount without one never gets one).
	 */
	uint64_t tm_imax;  /* atomic */
	uint64_t tm_ifree; /* atomic */
	bool tm_inodes0;   /* nr_inodes=0 given: statfs shows 0 files */
	kmutex_t tm_renamelock;
	struct tmpfs_node *tm_root;
	/* The nodes: a pool keeps their pages when files go, so a mount
	 * that deletes and recreates many files reuses warm memory. */
	struct pool tm_nodes;
	/* The attribute stores of nodes with TN_HASXATTR: a chained hash
	 * table on the node's address, under tm_xlock. */
	kmutex_t tm_xlock;
	struct tmpfs_xattrs **tm_xtab;
	unsigned tm_xmask; /* buckets - 1; no table while tm_xtab NULL */
	unsigned tm_xcount;
};

struct tmpfs_xattrs {
	struct tmpfs_xattrs *tx_next;
	const struct tmpfs_node *tx_node;
	struct xattrs tx_xs;
	/* The access and default ACL (acl.h), under v_interlock. */
	struct acl *tx_acl[2];
};

/*
 * readdir positions: the low 32 bits say where, 0 is ".", 1 is "..",
 * and DIR_PLACE0 + (DIR_TOP - p) goes on below place p: entries are
 * listed from the highest place down, so a directory whose places were
 * never reused lists its newest name first, as Linux's tmpfs does, and
 * positions still grow along a listing.  The bits above hold 1 + the
 * dirtab_seq the listing began with (0: none yet), so that entries
 * added since stay out of it, as they do on Linux's tmpfs.  Position 0
 * begins a listing.
 */
#define DIR_PLACE0 2
#define DIR_TOP ((uint64_t)DIRTAB_MAXPLACES)
#define DIR_END ((uint32_t)(DIR_PLACE0 + DIR_TOP)) /* nothing below */
#define DIRPOS(seq, where) ((off_t)((uint64_t)((seq) + 1) << 32 | (where)))
#define DIRPOS_WHERE(off) ((uint32_t)(off))
#define DIRPOS_HASSEQ(off) ((uint64_t)(off) >> 32 != 0)
#define DIRPOS_SEQ(off) ((uint32_t)(((uint64_t)(off) >> 32) - 1))

struct tmpfs_dir {
	krwlock_t d_lock;
	struct dirtab d_tab;
	struct tmpfs_node *d_parent; /* NULL once removed */
};

struct tmpfs_node {
	struct vnode tn_vn;
	uint64_t tn_ino;
	/* v_interlock to change; relaxed atomic reads.  tn_mode holds the
	 * 07777 bits, TN_HASXATTR, TN_HASACL and TN_HASDACL. */
	mode_t tn_mode;
	uid_t tn_uid;
	gid_t tn_gid;
	unsigned tn_nlink;
	int64_t tn_atime, tn_mtime, tn_ctime, tn_btime; /* atomic */
	union {
		struct { /* VREG */
			struct pgstore tn_store;
			bool tn_linkable; /* O_TMPFILE without O_EXCL */
		};
		struct tmpfs_dir tn_dir;
		struct {
			char *target;
			size_t len;
		} tn_lnk;
	};
};

/* The node has extended attributes in the mount's table. */
#define TN_HASXATTR 0x10000u
/* It has an access ACL (the VFS's flag, vop_owner passes it on), a
 * default ACL. */
#define TN_HASACL VMODE_ACL
#define TN_HASDACL 0x40000u
#define TN_MODEBITS 07777u
_Static_assert(((TN_HASXATTR | TN_HASDACL | TN_MODEBITS) & VMODE_ACL) == 0,
	       "tmpfs's mode flags overlap");

/* Nodes are many: three cache lines each (pool objects start on one). */
_Static_assert(sizeof(struct tmpfs_node) == DIRTAB_NODE_SIZE,
	       "tmpfs_node is not DIRTAB_NODE_SIZE (three lines)");

#define VTON(vp) ((struct tmpfs_node *)(vp)->v_data)
/* A node's mount: no pointer of its own, nodes are many and small. */
#define TN_MOUNT(tn) ((struct tmpfs_mount *)(tn)->tn_vn.v_mount->mnt_data)

static const struct vnodeops tmpfs_vnodeops;
static size_t tn_xattr_free(struct tmpfs_node *tn);
static void tn_killpriv(struct tmpfs_node *tn);
static int tn_inherit(struct tmpfs_node *tn, const struct vattr *va);

/* ---- times -------------------------------------------------------------- */

static void
tn_setmc(struct tmpfs_node *tn, int64_t now)
{
	atomic_store_relaxed(&tn->tn_mtime, now);
	atomic_store_relaxed(&tn->tn_ctime, now);
}

static void
tn_accessed(struct tmpfs_node *tn)
{
	int64_t now = vfs_now_ns();

	if (relatime_due(atomic_load_relaxed(&tn->tn_atime),
			 atomic_load_relaxed(&tn->tn_mtime),
			 atomic_load_relaxed(&tn->tn_ctime), now))
		atomic_store_relaxed(&tn->tn_atime, now);
}

/* ---- inode space ------------------------------------------------------- */

/* Take n bytes of the mount's inode space: 0 or ENOSPC. */
static int
ispace_take(struct tmpfs_mount *tm, uint64_t n)
{
	uint64_t cur;

	if (atomic_load_relaxed(&tm->tm_imax) == 0)
		return 0;
	cur = atomic_load_relaxed(&tm->tm_ifree);
	do {
		if (cur < n)
			return ENOSPC;
	} while (!__atomic_compare_exchange_n(&tm->tm_ifree, &cur, cur - n,
					      false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

/* Take n bytes that are owed, even past the end (then none is left). */
static void
ispace_force(struct tmpfs_mount *tm, uint64_t n)
{
	uint64_t cur;

	if (atomic_load_relaxed(&tm->tm_imax) == 0)
		return;
	cur = atomic_load_relaxed(&tm->tm_ifree);
	while (!__atomic_compare_exchange_n(&tm->tm_ifree, &cur,
					    cur < n ? 0 : cur - n, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		continue;
}

static void
ispace_give(struct tmpfs_mount *tm, uint64_t n)
{
	if (n != 0 && atomic_load_relaxed(&tm->tm_imax) != 0)
		__atomic_add_fetch(&tm->tm_ifree, n, __ATOMIC_RELAXED);
}

/* ---- nodes ------------------------------------------------------------- */

/* A new node: NULL with *errorp ENOSPC (the mount's inodes) or ENOMEM. */
static struct tmpfs_node *
tn_alloc(struct mount *mp, const struct vattr *va, int *errorp)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	struct tmpfs_node *tn;
	int64_t now = vfs_now_ns();

	if ((*errorp = ispace_take(tm, BOGO_INODE_SIZE)) != 0)
		return NULL;
	if ((tn = pool_get(&tm->tm_nodes)) == NULL) {
		ispace_give(tm, BOGO_INODE_SIZE);
		*errorp = ENOMEM;
		return NULL;
	}
	memset(tn, 0, sizeof(*tn));
	tn->tn_ino = __atomic_add_fetch(&tm->tm_lastino, 1, __ATOMIC_RELAXED);
	tn->tn_mode = va->va_mode & 07777;
	tn->tn_uid = va->va_uid;
	tn->tn_gid = va->va_gid;
	tn->tn_atime = tn->tn_mtime = tn->tn_ctime = tn->tn_btime = now;
	vnode_init(&tn->tn_vn, va->va_type, mp, &tmpfs_vnodeops, tn);
	switch (va->va_type) {
	case VREG:
		pgstore_init(&tn->tn_store, &tm->tm_acct, F_SEAL_SEAL);
		break;
	case VDIR:
		rw_init(&tn->tn_dir.d_lock);
		dirtab_init(&tn->tn_dir.d_tab);
		break;
	case VCHR:
	case VBLK:
		tn->tn_vn.v_rdev = va->va_rdev;
		break;
	default:
		break;
	}
	atomic_inc(&tm->tm_nnodes);
	return tn;
}

static void
tn_free(struct tmpfs_node *tn)
{
	struct tmpfs_mount *tm = TN_MOUNT(tn);

	vnode_reclaim(&tn->tn_vn);
	ispace_give(tm, BOGO_INODE_SIZE + (tn->tn_mode & TN_HASXATTR
						   ? tn_xattr_free(tn)
						   : 0));
	switch (tn->tn_vn.v_type) {
	case VREG:
		pgstore_fini(&tn->tn_store);
		break;
	case VDIR:
		KASSERT(tn->tn_dir.d_tab.dt_count == 0);
		dirtab_fini(&tn->tn_dir.d_tab);
		rw_destroy(&tn->tn_dir.d_lock);
		break;
	case VLNK:
		kmem_free(tn->tn_lnk.target, tn->tn_lnk.len + 1);
		break;
	default:
		break;
	}
	__atomic_sub_fetch(&tm->tm_nnodes, 1, __ATOMIC_RELAXED);
	pool_put(&tm->tm_nodes, tn);
}

/* With the name reference, inactive means: no name and no user. */
static bool
tmpfs_inactive(struct vnode *vp)
{
	return VTON(vp)->tn_nlink == 0;
}

static void
tmpfs_reclaim(struct vnode *vp)
{
	tn_free(VTON(vp));
}

/*
 * Link count changes, under v_interlock.  A node with names holds one
 * name reference (vnode_namehold), so its vnode is never inactive while
 * it can be found.  Callers hold a reference of their own when the
 * count may reach 0, so the release here never frees.
 */
static void
tn_nlink_set(struct tmpfs_node *tn, unsigned n)
{
	unsigned old;

	mutex_enter(tn->tn_vn.v_interlock);
	old = tn->tn_nlink;
	atomic_store_relaxed(&tn->tn_nlink, n);
	mutex_exit(tn->tn_vn.v_interlock);
	if (old == 0 && n != 0)
		vnode_namehold(&tn->tn_vn);
	else if (old != 0 && n == 0)
		vnode_namerele(&tn->tn_vn);
}

static unsigned
tn_nlink_add(struct tmpfs_node *tn, int delta)
{
	unsigned old, n;

	mutex_enter(tn->tn_vn.v_interlock);
	old = tn->tn_nlink;
	n = (unsigned)((int)old + delta);
	atomic_store_relaxed(&tn->tn_nlink, n);
	mutex_exit(tn->tn_vn.v_interlock);
	if (old == 0 && n != 0)
		vnode_namehold(&tn->tn_vn);
	else if (old != 0 && n == 0)
		vnode_namerele(&tn->tn_vn);
	return old;
}

/*
 * A non-directory lost a name: a link beyond the first gives its inode
 * space back (the node's own goes with the node), as Linux's
 * shmem_unlink.  Returns the old link count.
 */
static unsigned
tn_unlink_one(struct tmpfs_node *tn)
{
	unsigned old = tn_nlink_add(tn, -1);

	if (old > 1)
		ispace_give(TN_MOUNT(tn), BOGO_INODE_SIZE);
	return old;
}

/* ---- vnode operations ------------------------------------------------- */

static int
tmpfs_lookup(struct vnode *dvp, const char *name, size_t len,
	     struct vnode **vpp, struct vattr *vap)
{
	struct tmpfs_node *dn = VTON(dvp), *tn;
	struct tmpfs_dir *d = &dn->tn_dir;
	struct tmpfs_dirent *de;
	int error = 0;

	if (len > NAME_MAX_)
		return ENAMETOOLONG;
	rw_enter_read(&d->d_lock);
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		tn = d->d_parent;
		if (tn == NULL)
			error = ENOENT;
		else
			vnode_namehold(&tn->tn_vn);
	} else if ((de = dirtab_find(&d->d_tab, name, len,
				     dirtab_hash(name, len))) == NULL) {
		error = ENOENT;
	} else {
		tn = de->td_node;
		vnode_namehold(&tn->tn_vn);
	}
	rw_exit(&d->d_lock);
	if (error == 0)
		*vpp = &tn->tn_vn;
	return error;
}

/* Add a node under a new name; the directory is write-locked. */
static int
dir_add(struct tmpfs_node *dn, const char *name, size_t len, uint32_t h,
	struct tmpfs_node *tn)
{
	struct tmpfs_dir *d = &dn->tn_dir;

	if (d->d_parent == NULL)
		return ENOENT; /* the directory was removed */
	if (dirtab_find(&d->d_tab, name, len, h) != NULL)
		return EEXIST;
	return dirtab_add(&d->d_tab, name, len, h, tn);
}

/*
 * Give a new node its first name in dn (the node holds its link count
 * and the name reference already).  On failure the node, which nobody
 * has seen, is freed.
 */
static int
tn_publish(struct tmpfs_node *dn, const char *name, size_t len,
	   struct tmpfs_node *tn, struct vnode **vpp)
{
	int error;

	rw_enter_write(&dn->tn_dir.d_lock);
	error = dir_add(dn, name, len, dirtab_hash(name, len), tn);
	if (error == 0) {
		if (tn->tn_vn.v_type == VDIR)
			tn_nlink_add(dn, 1);
		tn_setmc(dn, atomic_load_relaxed(&tn->tn_ctime));
	}
	rw_exit(&dn->tn_dir.d_lock);
	if (error != 0) {
		tn->tn_nlink = 0;
		atomic_dec(&tn->tn_vn.v_mount->mnt_nvref);
		tn_free(tn);
		return error;
	}
	*vpp = &tn->tn_vn;
	return 0;
}

static int
tmpfs_create(struct vnode *dvp, const char *name, size_t len,
	     const struct vattr *va, struct vnode **vpp)
{
	struct tmpfs_node *dn = VTON(dvp), *tn;
	int error;

	if ((tn = tn_alloc(dvp->v_mount, va, &error)) == NULL)
		return error;
	if ((va->va_acl != NULL || va->va_dacl != NULL) &&
	    (error = tn_inherit(tn, va)) != 0) {
		atomic_dec(&dvp->v_mount->mnt_nvref);
		tn_free(tn);
		return error;
	}
	if (len == 0) {
		/* O_TMPFILE: no name, and a regular file. */
		KASSERT(tn->tn_vn.v_type == VREG);
		tn->tn_linkable = (va->va_mask & VA_LINKABLE) != 0;
		*vpp = &tn->tn_vn;
		return 0;
	}
	tn->tn_nlink = va->va_type == VDIR ? 2 : 1;
	tn->tn_vn.v_usecount++; /* the name reference; not yet visible */
	if (va->va_type == VDIR)
		tn->tn_dir.d_parent = dn;
	return tn_publish(dn, name, len, tn, vpp);
}

static int
tmpfs_symlink(struct vnode *dvp, const char *name, size_t len,
	      const struct vattr *va, const char *target, struct vnode **vpp)
{
	struct tmpfs_node *dn = VTON(dvp), *tn;
	size_t tlen = kstrlen(target);
	int error;

	if ((tn = tn_alloc(dvp->v_mount, va, &error)) == NULL)
		return error;
	if ((tn->tn_lnk.target = kmem_alloc(tlen + 1)) == NULL) {
		tn->tn_vn.v_type = VNON;
		atomic_dec(&dvp->v_mount->mnt_nvref);
		tn_free(tn);
		return ENOMEM;
	}
	memcpy(tn->tn_lnk.target, target, tlen + 1);
	tn->tn_lnk.len = tlen;
	tn->tn_nlink = 1;
	tn->tn_vn.v_usecount++; /* the name reference; not yet visible */
	return tn_publish(dn, name, len, tn, vpp);
}

static int
tmpfs_remove(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	struct tmpfs_node *dn = VTON(dvp);
	struct tmpfs_dirent *de;
	int64_t now;
	int error = 0;

	rw_enter_write(&dn->tn_dir.d_lock);
	de = dirtab_find(&dn->tn_dir.d_tab, name, len, dirtab_hash(name, len));
	if (de == NULL)
		error = ENOENT;
	else if (&de->td_node->tn_vn != vp)
		error = ESTALE;
	if (error == 0) {
		dirtab_remove(&dn->tn_dir.d_tab, de);
		tn_unlink_one(VTON(vp));
		now = vfs_now_ns();
		tn_setmc(dn, now);
		atomic_store_relaxed(&VTON(vp)->tn_ctime, now);
	}
	rw_exit(&dn->tn_dir.d_lock);
	return error;
}

static int
tmpfs_rmdir(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	struct tmpfs_node *dn = VTON(dvp), *tn = VTON(vp);
	struct tmpfs_dirent *de;
	int64_t now;
	int error = 0;

	rw_enter_write(&dn->tn_dir.d_lock);
	de = dirtab_find(&dn->tn_dir.d_tab, name, len, dirtab_hash(name, len));
	if (de == NULL) {
		rw_exit(&dn->tn_dir.d_lock);
		return ENOENT;
	}
	if (&de->td_node->tn_vn != vp) {
		rw_exit(&dn->tn_dir.d_lock);
		return ESTALE;
	}
	rw_enter_write(&tn->tn_dir.d_lock);
	if (tn->tn_dir.d_tab.dt_count != 0)
		error = ENOTEMPTY;
	if (error == 0) {
		dirtab_remove(&dn->tn_dir.d_tab, de);
		tn->tn_dir.d_parent = NULL;
		tn_nlink_set(tn, 0);
		tn_nlink_add(dn, -1);
		now = vfs_now_ns();
		tn_setmc(dn, now);
		atomic_store_relaxed(&tn->tn_ctime, now);
	}
	rw_exit(&tn->tn_dir.d_lock);
	rw_exit(&dn->tn_dir.d_lock);
	return error;
}

/* Whether a node with no name may get one (linkat of an O_TMPFILE). */
static bool
tn_is_linkable(struct tmpfs_node *tn)
{
	return tn->tn_vn.v_type == VREG &&
	       atomic_load_relaxed(&tn->tn_linkable);
}

static int
tmpfs_link(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	struct tmpfs_node *dn = VTON(dvp), *tn = VTON(vp);
	uint32_t h = dirtab_hash(name, len);
	bool extra, took = false;
	int64_t now;
	int error;

	rw_enter_write(&dn->tn_dir.d_lock);
	mutex_enter(vp->v_interlock);
	/* An unlinked file cannot get its name back, except O_TMPFILE. */
	error = tn->tn_nlink == 0 && !tn_is_linkable(tn) ? ENOENT : 0;
	if (error == 0 && tn->tn_nlink >= 0xffffffu)
		error = EMLINK;
	extra = tn->tn_nlink != 0;
	mutex_exit(vp->v_interlock);
	/* A link beyond the first takes inode space, as Linux's shmem_link
	 * (the first link of an O_TMPFILE has its node's). */
	if (error == 0 && extra &&
	    (error = ispace_take(TN_MOUNT(tn), BOGO_INODE_SIZE)) == 0)
		took = true;
	if (error == 0)
		error = dir_add(dn, name, len, h, tn);
	if (error != 0 && took)
		ispace_give(TN_MOUNT(tn), BOGO_INODE_SIZE);
	if (error == 0) {
		/* The count may have moved since: what it was decides. */
		extra = tn_nlink_add(tn, 1) != 0;
		if (took && !extra)
			ispace_give(TN_MOUNT(tn), BOGO_INODE_SIZE);
		else if (!took && extra)
			ispace_force(TN_MOUNT(tn), BOGO_INODE_SIZE);
		if (tn->tn_vn.v_type == VREG)
			atomic_store_relaxed(&tn->tn_linkable, false);
		now = vfs_now_ns();
		tn_setmc(dn, now);
		atomic_store_relaxed(&tn->tn_ctime, now);
	}
	rw_exit(&dn->tn_dir.d_lock);
	return error;
}

/* Whether directory `anc' is `dn' or one of its ancestors (rename lock
 * held: parent pointers change only under it, or go NULL on rmdir). */
static bool
is_ancestor(struct tmpfs_node *anc, struct tmpfs_node *dn)
{
	struct tmpfs_node *p;

	for (;;) {
		if (dn == anc)
			return true;
		p = atomic_load_relaxed(&dn->tn_dir.d_parent);
		if (p == NULL || p == dn)
			return false;
		dn = p;
	}
}

static void
dir_setparent(struct tmpfs_node *tn, struct tmpfs_node *parent)
{
	rw_enter_write(&tn->tn_dir.d_lock);
	atomic_store_relaxed(&tn->tn_dir.d_parent, parent);
	rw_exit(&tn->tn_dir.d_lock);
}

static int
tmpfs_rename(struct vnode *fdvp, const char *fname, size_t flen,
	     struct vnode *fvp, struct vnode *tdvp, const char *tname,
	     size_t tlen, struct vnode *tvp, unsigned flags)
{
	struct tmpfs_node *fdn = VTON(fdvp), *tdn = VTON(tdvp);
	struct tmpfs_node *fn = VTON(fvp), *tn = tvp ? VTON(tvp) : NULL;
	struct tmpfs_mount *tm = TN_MOUNT(fdn);
	struct tmpfs_dirent *fde, *tde;
	struct tmpfs_node *first = fdn, *second = tdn;
	uint32_t th = dirtab_hash(tname, tlen);
	bool isdir = fvp->v_type == VDIR;
	int64_t now;
	int error = 0;

	mutex_enter(&tm->tm_renamelock);
	/* A directory may not move under itself. */
	if (fdn != tdn) {
		if (isdir && is_ancestor(fn, tdn))
			error = EINVAL;
		else if ((flags & VRENAME_EXCHANGE) && tvp != NULL &&
			 tvp->v_type == VDIR && is_ancestor(tn, fdn))
			error = EINVAL;
		else if (tvp != NULL && tvp->v_type == VDIR &&
			 is_ancestor(tn, fdn))
			error = ENOTEMPTY; /* the target holds the source */
		if (is_ancestor(tdn, fdn)) {
			first = tdn;
			second = fdn;
		} else if (!is_ancestor(fdn, tdn) && tdn < fdn) {
			first = tdn;
			second = fdn;
		}
	}
	if (error != 0) {
		mutex_exit(&tm->tm_renamelock);
		return error;
	}
	rw_enter_write(&first->tn_dir.d_lock);
	if (second != first)
		rw_enter_write(&second->tn_dir.d_lock);
	fde = dirtab_find(&fdn->tn_dir.d_tab, fname, flen,
			  dirtab_hash(fname, flen));
	tde = dirtab_find(&tdn->tn_dir.d_tab, tname, tlen, th);
	if (fde == NULL)
		error = ENOENT;
	else if (&fde->td_node->tn_vn != fvp)
		error = ESTALE;
	else if (tde == NULL ? tvp != NULL : &tde->td_node->tn_vn != tvp)
		error = ESTALE;
	else if (tdn->tn_dir.d_parent == NULL)
		error = ENOENT;
	if (error != 0)
		goto out;
	now = vfs_now_ns();
	if (flags & VRENAME_EXCHANGE) {
		fde->td_node = tn;
		tde->td_node = fn;
		if (fdn != tdn && isdir != (tvp->v_type == VDIR)) {
			tn_nlink_add(fdn, isdir ? -1 : 1);
			tn_nlink_add(tdn, isdir ? 1 : -1);
		}
		if (fdn != tdn && isdir)
			dir_setparent(fn, tdn);
		if (fdn != tdn && tvp->v_type == VDIR)
			dir_setparent(tn, fdn);
		atomic_store_relaxed(&fn->tn_ctime, now);
		atomic_store_relaxed(&tn->tn_ctime, now);
		goto stamp;
	}
	if (tde != NULL) {
		/* Replace: a directory only if empty. */
		if (tvp->v_type == VDIR) {
			rw_enter_write(&tn->tn_dir.d_lock);
			if (tn->tn_dir.d_tab.dt_count != 0) {
				rw_exit(&tn->tn_dir.d_lock);
				error = ENOTEMPTY;
				goto out;
			}
			tn->tn_dir.d_parent = NULL;
			rw_exit(&tn->tn_dir.d_lock);
			tn_nlink_set(tn, 0);
			tn_nlink_add(tdn, -1);
		} else {
			tn_unlink_one(tn);
		}
		atomic_store_relaxed(&tn->tn_ctime, now);
		tde->td_node = fn; /* the name now names the source */
	} else if ((error = dirtab_add(&tdn->tn_dir.d_tab, tname, tlen, th,
				       fn)) != 0) {
		goto out; /* nothing changed */
	}
	/* Entries never move, so fde is still good after the add. */
	dirtab_remove(&fdn->tn_dir.d_tab, fde);
	if (isdir && fdn != tdn) {
		tn_nlink_add(fdn, -1);
		tn_nlink_add(tdn, 1);
		dir_setparent(fn, tdn);
	}
	atomic_store_relaxed(&fn->tn_ctime, now);
stamp:
	tn_setmc(fdn, now);
	tn_setmc(tdn, now);
out:
	if (second != first)
		rw_exit(&second->tn_dir.d_lock);
	rw_exit(&first->tn_dir.d_lock);
	mutex_exit(&tm->tm_renamelock);
	return error;
}

static int
tmpfs_readlink(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	struct tmpfs_node *tn = VTON(vp);
	size_t n = MIN(size, tn->tn_lnk.len);

	memcpy(buf, tn->tn_lnk.target, n);
	*lenp = n;
	tn_accessed(tn);
	return 0;
}

static int
tmpfs_readdir(struct vnode *vp, off_t *offp, vfs_filldir_t fill, void *arg)
{
	struct tmpfs_node *dn = VTON(vp);
	struct tmpfs_dir *d = &dn->tn_dir;
	struct tmpfs_dirent *de = NULL;
	off_t off = *offp;
	uint32_t seq, where;
	uint64_t bound;

	rw_enter_read(&d->d_lock);
	if (d->d_parent == NULL) {
		/* Removed: nothing to list, as Linux's dead directories. */
		rw_exit(&d->d_lock);
		return ENOENT;
	}
	/* A position from no listing of ours begins one. */
	seq = DIRPOS_HASSEQ(off) && DIRPOS_SEQ(off) <= DIRTAB_SEQ_MAX
		      ? DIRPOS_SEQ(off)
		      : dirtab_seq(&d->d_tab);
	where = DIRPOS_WHERE(off);
	if (where == 0) {
		if (fill(arg, ".", 1, dn->tn_ino, 4, DIRPOS(seq, 1)) != 0)
			goto out;
		where = 1;
	}
	if (where == 1) {
		if (fill(arg, "..", 2, d->d_parent->tn_ino, 4,
			 DIRPOS(seq, DIR_PLACE0)) != 0)
			goto out;
		where = DIR_PLACE0;
	}
	/* The entries below the place `where' names (a made-up position
	 * past the last: none). */
	bound = where < DIR_END ? DIR_TOP - (where - DIR_PLACE0) : 0;
	while ((de = dirtab_prev(&d->d_tab, &bound)) != NULL) {
		uint32_t next = (uint32_t)(DIR_PLACE0 + (DIR_TOP - bound));

		if (de->td_seq <= seq &&
		    fill(arg, dirtab_name(de), de->td_len, de->td_node->tn_ino,
			 vtype_to_dt(de->td_node->tn_vn.v_type),
			 DIRPOS(seq, next)) != 0)
			break;
		where = next;
	}
	if (de == NULL)
		where = DIR_END;
out:
	rw_exit(&d->d_lock);
	*offp = DIRPOS(seq, where);
	return 0;
}

static void
tmpfs_accessed(struct vnode *vp)
{
	tn_accessed(VTON(vp));
}

static int
tmpfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct tmpfs_node *tn = VTON(vp);
	off_t size = 0;
	uint64_t npages = 0;

	va->va_type = vp->v_type;
	va->va_mode = atomic_load_relaxed(&tn->tn_mode) & TN_MODEBITS;
	va->va_uid = atomic_load_relaxed(&tn->tn_uid);
	va->va_gid = atomic_load_relaxed(&tn->tn_gid);
	va->va_nlink = atomic_load_relaxed(&tn->tn_nlink);
	switch (vp->v_type) {
	case VREG:
		pgstore_getsize(&tn->tn_store, &size, &npages);
		break;
	case VDIR:
		size = (off_t)(2 + atomic_load_relaxed(
					   &tn->tn_dir.d_tab.dt_count)) *
		       BOGO_DIRENT_SIZE;
		break;
	case VLNK:
		size = (off_t)tn->tn_lnk.len;
		break;
	default:
		break;
	}
	va->va_ino = tn->tn_ino;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_rdev = vp->v_rdev;
	va->va_size = size;
	va->va_blocks = npages * (PGS_PAGESIZE / 512);
	va->va_blksize = PGS_PAGESIZE;
	va->va_atime = atomic_load_relaxed(&tn->tn_atime);
	va->va_mtime = atomic_load_relaxed(&tn->tn_mtime);
	va->va_ctime = atomic_load_relaxed(&tn->tn_ctime);
	va->va_btime = atomic_load_relaxed(&tn->tn_btime);
	return 0;
}

static void
tmpfs_owner(struct vnode *vp, mode_t *modep, uid_t *uidp, gid_t *gidp)
{
	struct tmpfs_node *tn = VTON(vp);

	*modep = atomic_load_relaxed(&tn->tn_mode) & (TN_MODEBITS | TN_HASACL);
	*uidp = atomic_load_relaxed(&tn->tn_uid);
	*gidp = atomic_load_relaxed(&tn->tn_gid);
}

static int
tmpfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct tmpfs_node *tn = VTON(vp);
	int64_t now = vfs_now_ns();
	rlim_t lim;
	off_t size;
	int error;

	if (va->va_mask & VA_SIZE) {
		if (vp->v_type != VREG)
			return vp->v_type == VDIR ? EISDIR : EINVAL;
		/* RLIMIT_FSIZE first, changing nothing (Linux's
		 * setattr_prepare); the store checks it under its lock. */
		lim = fsize_rlimit();
		pgstore_getsize(&tn->tn_store, &size, NULL);
		if (fsize_grow_check(fsize_glim(lim), size, va->va_size) != 0)
			return fsize_efbig(lim, EFBIG);
		tn_killpriv(tn);
		if ((error = pgstore_truncate(&tn->tn_store, va->va_size,
					      fsize_glim(lim))) != 0)
			return fsize_efbig(lim, error);
		if (!(va->va_mask & VA_MTIME))
			atomic_store_relaxed(&tn->tn_mtime, now);
	}
	if (va->va_mask & VA_KILLPRIV)
		tn_killpriv(tn);
	if (va->va_mask & (VA_MODE | VA_UID | VA_GID)) {
		mutex_enter(vp->v_interlock);
		if (va->va_mask & VA_MODE)
			atomic_store_relaxed(
				&tn->tn_mode,
				(tn->tn_mode & ~TN_MODEBITS) |
					(va->va_mode & TN_MODEBITS));
		if (va->va_mask & VA_UID)
			atomic_store_relaxed(&tn->tn_uid, va->va_uid);
		if (va->va_mask & VA_GID)
			atomic_store_relaxed(&tn->tn_gid, va->va_gid);
		mutex_exit(vp->v_interlock);
	}
	if (va->va_mask & VA_ATIME)
		atomic_store_relaxed(&tn->tn_atime, va->va_atime);
	if (va->va_mask & VA_MTIME)
		atomic_store_relaxed(&tn->tn_mtime, va->va_mtime);
	if (!(va->va_mask & VA_KEEPCTIME))
		atomic_store_relaxed(&tn->tn_ctime, (va->va_mask & VA_CTIME)
							    ? va->va_ctime
							    : now);
	return 0;
}

static int
tmpfs_read(struct vnode *vp, off_t *offp, struct uio *uio, int ioflags)
{
	struct tmpfs_node *tn = VTON(vp);
	size_t resid = uio->uio_resid;
	int error;

	if (vp->v_type != VREG)
		return vp->v_type == VDIR ? EISDIR : EINVAL;
	error = pgstore_read(&tn->tn_store, *offp, uio);
	*offp += (off_t)(resid - uio->uio_resid);
	if (!(ioflags & IO_NOATIME))
		tn_accessed(tn);
	return error;
}

static int
tmpfs_write(struct vnode *vp, off_t *offp, struct uio *uio, int ioflags)
{
	struct tmpfs_node *tn = VTON(vp);
	size_t resid = uio->uio_resid;
	rlim_t lim;
	int error;

	if (vp->v_type != VREG)
		return vp->v_type == VDIR ? EISDIR : EINVAL;
	if (resid != 0 && (atomic_load_relaxed(&tn->tn_mode) & TN_HASXATTR))
		tn_killpriv(tn);
	lim = fsize_rlimit();
	error = pgstore_write(&tn->tn_store, offp, uio,
			      (ioflags & IO_APPEND) ? PGS_APPEND : 0,
			      fsize_wlim(lim));
	/* Linux's shmem stamps the times before it writes: a write that
	 * then fails (ENOSPC, EFAULT) has changed them too; one past the
	 * largest offset or the file size limit (EFBIG) stops before. */
	if (uio->uio_resid != resid || (error != 0 && error != EFBIG))
		tn_setmc(tn, vfs_now_ns());
	return fsize_efbig(lim, error);
}

/* The store does what Linux's tmpfs does (pgstore_fallocate), against
 * the mount's budget.  Either mode counts as a change of the data
 * (mtime, ctime), even when no page moved. */
static int
tmpfs_allocate(struct vnode *vp, int mode, off_t off, off_t len)
{
	struct tmpfs_node *tn = VTON(vp);
	rlim_t lim = fsize_rlimit();
	int error;

	tn_killpriv(tn);
	error = pgstore_fallocate(&tn->tn_store, mode, off, len,
				  fsize_glim(lim));
	if (error == 0)
		tn_setmc(tn, vfs_now_ns());
	return fsize_efbig(lim, error);
}

static int
tmpfs_seekhole(struct vnode *vp, off_t off, bool data, off_t *resp)
{
	return pgstore_seekhole(&VTON(vp)->tn_store, off, data, resp);
}

static int
tmpfs_fsync(struct vnode *vp, bool dataonly)
{
	return 0;
}

/* ---- extended attributes ------------------------------------------------ */

static unsigned
xtab_hash(const struct tmpfs_mount *tm, const struct tmpfs_node *tn)
{
	uint64_t h = (uint64_t)(uintptr_t)tn * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 32) & tm->tm_xmask;
}

/* The bucket holding tn's store (tm_xlock held, the table exists). */
static struct tmpfs_xattrs **
xtab_slot(struct tmpfs_mount *tm, const struct tmpfs_node *tn)
{
	struct tmpfs_xattrs **pp = &tm->tm_xtab[xtab_hash(tm, tn)];

	while (*pp != NULL && (*pp)->tx_node != tn)
		pp = &(*pp)->tx_next;
	return pp;
}

/* Twice the buckets, when the table is full (tm_xlock held).  Failing
 * to grow leaves it as it is: chains get longer, nothing breaks. */
static void
xtab_grow(struct tmpfs_mount *tm)
{
	unsigned nb = tm->tm_xtab == NULL ? 16 : 2 * (tm->tm_xmask + 1);
	unsigned ob = tm->tm_xtab == NULL ? 0 : tm->tm_xmask + 1;
	struct tmpfs_xattrs **old = tm->tm_xtab, **n, *tx;

	if ((n = kmem_zalloc(nb * sizeof(*n))) == NULL)
		return;
	tm->tm_xtab = n;
	tm->tm_xmask = nb - 1;
	for (unsigned i = 0; i < ob; i++)
		while ((tx = old[i]) != NULL) {
			unsigned b = xtab_hash(tm, tx->tx_node);

			old[i] = tx->tx_next;
			tx->tx_next = n[b];
			n[b] = tx;
		}
	if (old != NULL)
		kmem_free(old, ob * sizeof(*old));
}

/*
 * The attribute store of tn, or NULL when it has none; with `create' a
 * new empty store is made (NULL only for ENOMEM).  The caller holds a
 * reference to the node, so the store lives until it drops it.
 */
static struct tmpfs_xattrs *
tn_xstore(struct tmpfs_node *tn, bool create)
{
	struct tmpfs_mount *tm = TN_MOUNT(tn);
	struct tmpfs_xattrs *tx = NULL;

	if (!create && !(atomic_load_relaxed(&tn->tn_mode) & TN_HASXATTR))
		return NULL;
	mutex_enter(&tm->tm_xlock);
	if (tm->tm_xtab != NULL)
		tx = *xtab_slot(tm, tn);
	if (tx == NULL && create) {
		if (tm->tm_xcount >= tm->tm_xmask + 1 || tm->tm_xtab == NULL)
			xtab_grow(tm);
		if (tm->tm_xtab != NULL &&
		    (tx = kmem_alloc(sizeof(*tx))) != NULL) {
			struct tmpfs_xattrs **pp = xtab_slot(tm, tn);

			tx->tx_node = tn;
			tx->tx_next = NULL;
			tx->tx_acl[0] = tx->tx_acl[1] = NULL;
			xattrs_init(&tx->tx_xs);
			*pp = tx;
			tm->tm_xcount++;
			mutex_enter(tn->tn_vn.v_interlock);
			atomic_store_relaxed(&tn->tn_mode,
					     tn->tn_mode | TN_HASXATTR);
			mutex_exit(tn->tn_vn.v_interlock);
		}
	}
	mutex_exit(&tm->tm_xlock);
	return tx;
}

static struct xattrs *
tn_xattrs(struct tmpfs_node *tn, bool create)
{
	struct tmpfs_xattrs *tx = tn_xstore(tn, create);

	return tx != NULL ? &tx->tx_xs : NULL;
}

/* The node goes: its store with it (nobody else can reach the node).
 * Returns the inode space its attributes took. */
static size_t
tn_xattr_free(struct tmpfs_node *tn)
{
	struct tmpfs_mount *tm = TN_MOUNT(tn);
	struct tmpfs_xattrs **pp, *tx;
	size_t space;

	mutex_enter(&tm->tm_xlock);
	pp = xtab_slot(tm, tn);
	tx = *pp;
	KASSERT(tx != NULL);
	*pp = tx->tx_next;
	tm->tm_xcount--;
	mutex_exit(&tm->tm_xlock);
	space = xattrs_fini(&tx->tx_xs);
	acl_rele(tx->tx_acl[0]);
	acl_rele(tx->tx_acl[1]);
	kmem_free(tx, sizeof(*tx));
	return space;
}

/* A write, truncation, allocation or chown: no file capabilities left
 * (xattrs_killpriv).  Nodes without attributes pay one load. */
static void
tn_killpriv(struct tmpfs_node *tn)
{
	struct xattrs *xs = tn_xattrs(tn, false);

	if (xs != NULL)
		ispace_give(TN_MOUNT(tn), xattrs_killpriv(xs));
}

static int
tmpfs_xattr(struct vnode *vp, struct xattr_req *rq)
{
	struct tmpfs_node *tn = VTON(vp);
	struct tmpfs_mount *tm = TN_MOUNT(tn);
	struct xattrs *xs = tn_xattrs(tn, rq->xr_op == XOP_SET);
	size_t need = 0, freed;
	int error;

	if (xs == NULL) {
		switch (rq->xr_op) {
		case XOP_SET:
			return ENOMEM;
		case XOP_LIST:
			rq->xr_len = 0;
			return 0;
		default:
			return ENODATA;
		}
	}
	/* A new value takes its inode space before the old one's comes
	 * back, so a replace can be ENOSPC (Linux's shmem_xattr_handler_set
	 * reserves first, and before it looks at the flags). */
	if (rq->xr_op == XOP_SET) {
		need = xattr_space(rq->xr_name, rq->xr_size);
		if ((error = ispace_take(tm, need)) != 0)
			return error;
	}
	error = xattrs_request(xs, rq, &freed);
	ispace_give(tm, error != 0 ? need : freed);
	if (error == 0 && (rq->xr_op == XOP_SET || rq->xr_op == XOP_REMOVE))
		atomic_store_relaxed(&tn->tn_ctime, vfs_now_ns());
	return error;
}

/* ---- POSIX ACLs ----------------------------------------------------------- */

static unsigned
acl_flag(int type)
{
	return type == ACL_TYPE_ACCESS_ ? TN_HASACL : TN_HASDACL;
}

static int
tmpfs_getacl(struct vnode *vp, int type, struct acl **aclp, mode_t *modep)
{
	struct tmpfs_node *tn = VTON(vp);
	struct tmpfs_xattrs *tx;
	mode_t mode = atomic_load_relaxed(&tn->tn_mode);

	*aclp = NULL;
	if ((mode & acl_flag(type)) && (tx = tn_xstore(tn, false)) != NULL) {
		mutex_enter(vp->v_interlock);
		*aclp = acl_hold(tx->tx_acl[type]);
		mode = tn->tn_mode;
		mutex_exit(vp->v_interlock);
	}
	if (modep != NULL)
		*modep = mode & TN_MODEBITS;
	return 0;
}

/* Make acl tn's ACL of `type' and, if modep, *modep its mode bits. */
static int
tn_setacl(struct tmpfs_node *tn, int type, struct acl *acl, const mode_t *modep)
{
	struct tmpfs_xattrs *tx = tn_xstore(tn, acl != NULL);
	struct acl *old = NULL;
	mode_t mode;

	if (tx == NULL && acl != NULL)
		return ENOMEM;
	mutex_enter(tn->tn_vn.v_interlock);
	mode = tn->tn_mode;
	if (tx != NULL) {
		old = tx->tx_acl[type];
		tx->tx_acl[type] = acl_hold(acl);
	}
	if (acl != NULL)
		mode |= acl_flag(type);
	else
		mode &= ~acl_flag(type);
	if (modep != NULL)
		mode = (mode & ~TN_MODEBITS) | (*modep & TN_MODEBITS);
	atomic_store_relaxed(&tn->tn_mode, mode);
	mutex_exit(tn->tn_vn.v_interlock);
	acl_rele(old);
	return 0;
}

static int
tmpfs_setacl(struct vnode *vp, int type, struct acl *acl, const mode_t *modep)
{
	struct tmpfs_node *tn = VTON(vp);
	int error;

	if ((error = tn_setacl(tn, type, acl, modep)) == 0)
		atomic_store_relaxed(&tn->tn_ctime, vfs_now_ns());
	return error;
}

/* A new node's inherited ACLs (vop_create's va_acl, va_dacl). */
static int
tn_inherit(struct tmpfs_node *tn, const struct vattr *va)
{
	int error = 0;

	if (va->va_acl != NULL)
		error = tn_setacl(tn, ACL_TYPE_ACCESS_, va->va_acl, NULL);
	if (error == 0 && va->va_dacl != NULL && va->va_type == VDIR)
		error = tn_setacl(tn, ACL_TYPE_DEFAULT_, va->va_dacl, NULL);
	return error;
}

/* The store of a regular file for copies between stores; the times as
 * tmpfs_read and tmpfs_write stamp them. */
static struct pgstore *
tmpfs_pgstore(struct vnode *vp, int role)
{
	struct tmpfs_node *tn = VTON(vp);

	if (vp->v_type != VREG)
		return NULL;
	/* A copy into the file is a write: no file capabilities left. */
	if ((role & FO_STORE_DST) &&
	    (atomic_load_relaxed(&tn->tn_mode) & TN_HASXATTR))
		tn_killpriv(tn);
	if (role & FO_STORE_WROTE)
		tn_setmc(tn, vfs_now_ns());
	if ((role & FO_STORE_READ) && !(role & IO_NOATIME))
		tn_accessed(tn);
	return &tn->tn_store;
}

static const struct vnodeops tmpfs_vnodeops = {
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_create,
	.vop_symlink = tmpfs_symlink,
	.vop_remove = tmpfs_remove,
	.vop_rmdir = tmpfs_rmdir,
	.vop_link = tmpfs_link,
	.vop_rename = tmpfs_rename,
	.vop_readlink = tmpfs_readlink,
	.vop_readdir = tmpfs_readdir,
	.vop_accessed = tmpfs_accessed,
	.vop_getattr = tmpfs_getattr,
	.vop_setattr = tmpfs_setattr,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_allocate = tmpfs_allocate,
	.vop_seekhole = tmpfs_seekhole,
	.vop_fsync = tmpfs_fsync,
	.vop_pgstore = tmpfs_pgstore,
	.vop_owner = tmpfs_owner,
	.vop_xattr = tmpfs_xattr,
	.vop_getacl = tmpfs_getacl,
	.vop_setacl = tmpfs_setacl,
	.vop_inactive = tmpfs_inactive,
	.vop_reclaim = tmpfs_reclaim,
};

/* ---- mounts -------------------------------------------------------------- */

static int
parse_num(const char *s, size_t n, int base, uint64_t *vp)
{
	uint64_t v = 0;

	if (n == 0)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d >= (unsigned)base)
			return EINVAL;
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return EINVAL;
	}
	*vp = v;
	return 0;
}

/* A number with an optional k, m, g or t (binary) suffix. */
static int
parse_size(const char *v, size_t vl, uint64_t *out)
{
	uint64_t n, mul = 1;

	if (vl > 0) {
		switch (v[vl - 1]) {
		case 'k':
		case 'K':
			mul = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mul = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mul = 1ULL << 30;
			break;
		case 't':
		case 'T':
			mul = 1ULL << 40;
			break;
		default:
			break;
		}
		if (mul != 1)
			vl--;
	}
	if (parse_num(v, vl, 10, &n) != 0 ||
	    __builtin_mul_overflow(n, mul, out))
		return EINVAL;
	return 0;
}

struct tmpfs_args {
	bool has_size, has_mode, has_uid, has_gid, has_inodes;
	uint64_t size;
	uint64_t inodes;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* "size=N[kmgt],nr_inodes=N[kmgt],mode=octal,uid=N,gid=N"; unknown
 * keys: EINVAL. */
static int
tmpfs_parse(const char *data, struct tmpfs_args *a)
{
	const char *p = data, *e, *v;
	uint64_t n;
	size_t kl, vl;

	if (data == NULL)
		return 0;
	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != ','; e++)
			continue;
		for (v = p; v < e && *v != '='; v++)
			continue;
		kl = (size_t)(v - p);
		vl = v < e ? (size_t)(e - v - 1) : 0;
		v = v < e ? v + 1 : e;
		if (kl == 4 && kstrncmp(p, "size", 4) == 0) {
			if (parse_size(v, vl, &a->size) != 0)
				return EINVAL;
			a->has_size = true;
		} else if (kl == 9 && kstrncmp(p, "nr_inodes", 9) == 0) {
			if (parse_size(v, vl, &a->inodes) != 0 ||
			    a->inodes > UINT64_MAX / BOGO_INODE_SIZE)
				return EINVAL;
			a->has_inodes = true;
		} else if (kl == 4 && kstrncmp(p, "mode", 4) == 0) {
			if (parse_num(v, vl, 8, &n) != 0 || n > 07777)
				return EINVAL;
			a->mode = (mode_t)n;
			a->has_mode = true;
		} else if (kl == 3 && kstrncmp(p, "uid", 3) == 0) {
			if (parse_num(v, vl, 10, &n) != 0 || n > 0xfffffffeu)
				return EINVAL;
			a->uid = (uid_t)n;
			a->has_uid = true;
		} else if (kl == 3 && kstrncmp(p, "gid", 3) == 0) {
			if (parse_num(v, vl, 10, &n) != 0 || n > 0xfffffffeu)
				return EINVAL;
			a->gid = (gid_t)n;
			a->has_gid = true;
		} else if (kl != 0) {
			return EINVAL;
		}
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

static int
tmpfs_mount(struct mount *mp, const char *source, const char *data,
	    unsigned long flags, struct kauth_cred *cr)
{
	struct tmpfs_args a = { 0 };
	struct tmpfs_mount *tm;
	struct tmpfs_node *root;
	struct vattr va = { 0 };
	int error;

	if ((error = tmpfs_parse(data, &a)) != 0)
		return error;
	if ((tm = kmem_zalloc(sizeof(*tm))) == NULL)
		return ENOMEM;
	mutex_init(&tm->tm_renamelock);
	mutex_init(&tm->tm_xlock);
	pool_init(&tm->tm_nodes, sizeof(struct tmpfs_node));
	tm->tm_acct.pa_limit = (a.size + PGS_PAGESIZE - 1) / PGS_PAGESIZE;
	tm->tm_lastino = TMPFS_ROOTINO - 1;
	tm->tm_imax = a.inodes;
	tm->tm_inodes0 = a.has_inodes && a.inodes == 0;
	tm->tm_ifree = a.inodes * BOGO_INODE_SIZE;
	va.va_type = VDIR;
	va.va_mode = a.has_mode ? a.mode : 01777;
	va.va_uid = a.has_uid ? a.uid : cr->cr_fsuid;
	va.va_gid = a.has_gid ? a.gid : cr->cr_fsgid;
	mp->mnt_data = tm;
	if ((root = tn_alloc(mp, &va, &error)) == NULL) {
		mp->mnt_data = NULL;
		pool_destroy(&tm->tm_nodes);
		mutex_destroy(&tm->tm_xlock);
		mutex_destroy(&tm->tm_renamelock);
		kmem_free(tm, sizeof(*tm));
		return error;
	}
	root->tn_nlink = 2;
	root->tn_vn.v_usecount++; /* named for the mount's life */
	root->tn_dir.d_parent = root;
	tm->tm_root = root;
	mp->mnt_root = &root->tn_vn; /* the creation reference */
	return 0;
}

static int
tmpfs_remount(struct mount *mp, const char *data, unsigned long flags)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	struct tmpfs_args a = { 0 };
	uint64_t pages = 0, imax, cur, used;
	int error;

	if ((error = tmpfs_parse(data, &a)) != 0)
		return error;
	if (a.has_size) {
		pages = (a.size + PGS_PAGESIZE - 1) / PGS_PAGESIZE;
		if (pages != 0 &&
		    pages < atomic_load_relaxed(&tm->tm_acct.pa_used))
			return EINVAL;
	}
	/* nr_inodes, as Linux's shmem_reconfigure: no limit for a mount
	 * that had none, and none below what is in use (EINVAL); 0 lifts
	 * the limit. */
	imax = atomic_load_relaxed(&tm->tm_imax);
	if (a.has_inodes && a.inodes != 0 && imax == 0)
		return EINVAL;
	if (a.has_inodes && a.inodes != 0) {
		cur = atomic_load_relaxed(&tm->tm_ifree);
		do {
			used = imax * BOGO_INODE_SIZE - cur;
			if (a.inodes * BOGO_INODE_SIZE < used)
				return EINVAL;
		} while (!__atomic_compare_exchange_n(
			&tm->tm_ifree, &cur, a.inodes * BOGO_INODE_SIZE - used,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	}
	if (a.has_inodes) {
		atomic_store_relaxed(&tm->tm_imax, a.inodes);
		atomic_store_relaxed(&tm->tm_inodes0, a.inodes == 0);
	}
	if (a.has_size)
		atomic_store_relaxed(&tm->tm_acct.pa_limit, pages);
	if (a.has_mode || a.has_uid || a.has_gid) {
		struct vattr va = { 0 };

		va.va_mask = (a.has_mode ? VA_MODE : 0) |
			     (a.has_uid ? VA_UID : 0) |
			     (a.has_gid ? VA_GID : 0);
		va.va_mode = a.mode;
		va.va_uid = a.uid;
		va.va_gid = a.gid;
		tmpfs_setattr(&tm->tm_root->tn_vn, &va);
	}
	return 0;
}

static int
tmpfs_statfs(struct mount *mp, struct statfs *sf)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	uint64_t limit = atomic_load_relaxed(&tm->tm_acct.pa_limit);
	uint64_t used = atomic_load_relaxed(&tm->tm_acct.pa_used);
	uint64_t nodes = atomic_load_relaxed(&tm->tm_nnodes);

	sf->f_type = TMPFS_MAGIC;
	sf->f_bsize = PGS_PAGESIZE;
	if (limit == 0)
		limit = 1ULL << 20; /* 4 GiB shown for "no limit" */
	if (used > limit)
		limit = used;
	sf->f_blocks = (long)limit;
	sf->f_bfree = sf->f_bavail = (long)(limit - used);
	if (atomic_load_relaxed(&tm->tm_imax) != 0) {
		sf->f_files = (long)atomic_load_relaxed(&tm->tm_imax);
		sf->f_ffree = (long)(atomic_load_relaxed(&tm->tm_ifree) /
				     BOGO_INODE_SIZE);
	} else if (atomic_load_relaxed(&tm->tm_inodes0)) {
		sf->f_files = sf->f_ffree = 0; /* Linux's "no limit" */
	} else {
		sf->f_files = (long)(nodes + (1ULL << 20));
		sf->f_ffree = (long)(1ULL << 20);
	}
	return 0;
}

/* Free a directory's subtree (unmount: nothing is referenced). */
static void
tmpfs_free_tree(struct tmpfs_node *dn)
{
	struct tmpfs_dirent *de;
	struct tmpfs_node *tn;
	uint64_t pos = 0;

	while ((de = dirtab_next(&dn->tn_dir.d_tab, &pos)) != NULL) {
		tn = de->td_node;
		if (tn->tn_vn.v_type == VDIR) {
			tmpfs_free_tree(tn);
			tn->tn_nlink = 0;
		} else {
			tn->tn_nlink--;
		}
		if (tn->tn_nlink == 0)
			tn_free(tn);
		pos++;
	}
	dirtab_fini(&dn->tn_dir.d_tab);
}

static int
tmpfs_unmount(struct mount *mp)
{
	struct tmpfs_mount *tm = mp->mnt_data;

	tmpfs_free_tree(tm->tm_root);
	tn_free(tm->tm_root);
	pool_destroy(&tm->tm_nodes);
	KASSERT(tm->tm_xcount == 0);
	if (tm->tm_xtab != NULL)
		kmem_free(tm->tm_xtab,
			  (tm->tm_xmask + 1) * sizeof(*tm->tm_xtab));
	mutex_destroy(&tm->tm_xlock);
	mutex_destroy(&tm->tm_renamelock);
	kmem_free(tm, sizeof(*tm));
	return 0;
}

const struct vfsops tmpfs_vfsops = {
	.vfs_name = "tmpfs",
	.vfs_mount = tmpfs_mount,
	.vfs_remount = tmpfs_remount,
	.vfs_statfs = tmpfs_statfs,
	.vfs_unmount = tmpfs_unmount,
};
