/*
 * hostfs.c: host directory trees (hostfs.h).
 */
#include <linux/falloc.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <asm/statfs.h>

#include "acl.h"
#include "cred.h"
#include "file.h"
#include "fsize.h"
#include "hostfs.h"
#include "poll.h"
#include "proc.h"
#include "xattr.h"
#include "../vfs_int.h"

#define HASHSIZE 256
#define DT_DIR_ 4     /* linux_dirent64 d_type of a directory */
#define CACHE_MAX 128 /* unreferenced nodes kept per mount */

struct hostfs_mount {
	struct mount *hm_mp;
	bool hm_ro;
	bool hm_nosubdirs;
	enum vtype hm_roottype; /* VNON, or etfs's VBLK/VCHR */
	vdev_t hm_rootrdev;
	/* etfs's windows: the root shows bytes [hm_base, hm_base+hm_wsize)
	 * of its host file (hm_wsize -1: to the end). */
	bool hm_window;
	off_t hm_base, hm_wsize;
	kmutex_t hm_lock; /* the table */
	struct hostfs_node *hm_hash[HASHSIZE];
	struct hostfs_node *hm_root;
	/* Unreferenced nodes kept for the next lookup, oldest first. */
	struct hostfs_node *hm_lru_head, *hm_lru_tail;
	unsigned hm_nlru;
};

struct hostfs_node {
	struct vnode hn_vn;
	struct hostfs_node *hn_next; /* hash chain, under hm_lock */
	/* The ACLs' (below), on the cache line a lookup's hash search
	 * reads anyway (hn_dev, hn_ino). */
	int64_t hn_seenctime, hn_noacl;
	bool hn_cached;
	bool hn_unlinked;        /* a name of it was removed here: maybe no name
			   * left, so do not keep the host file open */
	uint64_t hn_dev, hn_ino; /* the host's identity of the file */
	int hn_fd;               /* O_PATH handle, for the node's life */
	/* In the mount's cache of unreferenced nodes; under hm_lock. */
	struct hostfs_node *hn_lru_next, *hn_lru_prev;
	kmutex_t hn_lock;
	int hn_rfd, hn_wfd, hn_dfd; /* read, write, directory handles or -1 */
	int hn_afd; /* a directory handle whose reads stamp atime, or -1 */
	/*
	 * POSIX ACLs, read from the host and kept until its ctime moves
	 * (every change of an ACL or the mode moves it): hn_seenctime is
	 * the host ctime seen by the node's latest stat (atomic), and,
	 * under hn_acllock (a leaf), each ACL (held, or NULL), whether it
	 * is known, the ctime it was read at and the mode with it
	 * ((mode_t)-1: not read).  hn_noacl (atomic) is the ctime at which the node was
	 * found to have no access ACL (INT64_MIN: not known to have
	 * none), so a stat tells the VFS whether to ask (va_hasacl).
	 */
	kmutex_t hn_acllock;
	struct acl *hn_acl[2];
	bool hn_aclknown[2];
	int64_t hn_aclctime[2];
	mode_t hn_aclmode[2];
};

static inline struct hostfs_node *
VTOHN(struct vnode *vp)
{
	return vp->v_data;
}

static inline struct hostfs_mount *
VTOHM(struct vnode *vp)
{
	return vp->v_mount->mnt_data;
}

static const struct vnodeops hostfs_vnodeops;
static bool is_window(struct vnode *vp);
static int window_size(struct vnode *vp, off_t *sizep);
static void stat_to_vattr(struct vnode *vp, const struct rumpuser_stat *st,
			  struct vattr *va);
/* Failing to write them is not the creation's failure: the host gave
 * the node its own directory's default ACL already, the same one but
 * for a change on the host the kernel has not seen. */
static void acl_inherit(struct vnode *vp, const struct vattr *va);

static unsigned
hash(uint64_t dev, uint64_t ino)
{
	return (unsigned)((ino * 0x9e3779b97f4a7c15ULL) >> 40 ^ dev) % HASHSIZE;
}

/* Copy a (name, len) pair into a NUL-terminated kernel string. */
static int
name_dup(const char *name, size_t len, char *buf)
{
	if (len > NAME_MAX_)
		return ENAMETOOLONG;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return 0;
}

static void
lru_remove(struct hostfs_mount *hm, struct hostfs_node *hn)
{
	if (hn->hn_lru_prev != NULL)
		hn->hn_lru_prev->hn_lru_next = hn->hn_lru_next;
	else
		hm->hm_lru_head = hn->hn_lru_next;
	if (hn->hn_lru_next != NULL)
		hn->hn_lru_next->hn_lru_prev = hn->hn_lru_prev;
	else
		hm->hm_lru_tail = hn->hn_lru_prev;
	hn->hn_lru_next = hn->hn_lru_prev = NULL;
	hn->hn_cached = false;
	hm->hm_nlru--;
}

static void
lru_append(struct hostfs_mount *hm, struct hostfs_node *hn)
{
	hn->hn_lru_next = NULL;
	hn->hn_lru_prev = hm->hm_lru_tail;
	if (hm->hm_lru_tail != NULL)
		hm->hm_lru_tail->hn_lru_next = hn;
	else
		hm->hm_lru_head = hn;
	hm->hm_lru_tail = hn;
	hn->hn_cached = true;
	hm->hm_nlru++;
}

static void
hash_remove(struct hostfs_mount *hm, struct hostfs_node *hn)
{
	struct hostfs_node **pp;

	for (pp = &hm->hm_hash[hash(hn->hn_dev, hn->hn_ino)]; *pp != NULL;
	     pp = &(*pp)->hn_next) {
		if (*pp == hn) {
			*pp = hn->hn_next;
			return;
		}
	}
}

/*
 * Take a reference on a node found in the table: from a live count, or
 * from 0 for a cached node (which leaves the cache).  A node at 0 that
 * is not cached is being freed: no.  `counted': a full reference, or
 * vop_lookup's (vnode.h).  Caller holds hm_lock.
 */
static bool
node_tryref(struct hostfs_mount *hm, struct hostfs_node *hn, bool counted)
{
	unsigned c = atomic_load_relaxed(&hn->hn_vn.v_usecount);

	if (c == 0 && hn->hn_cached) {
		/* Only the table reaches a cached node: hm_lock is enough. */
		lru_remove(hm, hn);
		atomic_store_rel(&hn->hn_vn.v_usecount, 1);
		if (counted)
			vnode_count(&hn->hn_vn);
		return true;
	}
	while (c > 0) {
		if (__atomic_compare_exchange_n(&hn->hn_vn.v_usecount, &c,
						c + 1, true, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			if (counted)
				vnode_count(&hn->hn_vn);
			return true;
		}
	}
	return false;
}

/*
 * The vnode for the host file open as path handle `fd' (consumed: kept
 * by a new node or closed) with attributes `st'.
 */
static int
node_get(struct hostfs_mount *hm, int fd, const struct rumpuser_stat *st,
	 struct vnode **vpp)
{
	unsigned h = hash(st->st_dev, st->st_ino);
	struct hostfs_node *hn, *nn;
	enum vtype type = ifmt_to_vtype((mode_t)st->st_mode);

	if (type == VNON) {
		rumpuser_fs_close(fd);
		return EOPNOTSUPP;
	}
	if ((nn = kmem_zalloc(sizeof(*nn))) == NULL) {
		rumpuser_fs_close(fd);
		return ENOMEM;
	}
	mutex_enter(&hm->hm_lock);
	for (hn = hm->hm_hash[h]; hn != NULL; hn = hn->hn_next) {
		if (hn->hn_dev == st->st_dev && hn->hn_ino == st->st_ino &&
		    node_tryref(hm, hn, true)) {
			mutex_exit(&hm->hm_lock);
			kmem_free(nn, sizeof(*nn));
			rumpuser_fs_close(fd);
			*vpp = &hn->hn_vn;
			return 0;
		}
	}
	nn->hn_dev = st->st_dev;
	nn->hn_ino = st->st_ino;
	nn->hn_fd = fd;
	nn->hn_rfd = nn->hn_wfd = nn->hn_dfd = nn->hn_afd = -1;
	mutex_init(&nn->hn_lock);
	mutex_init(&nn->hn_acllock);
	nn->hn_seenctime = st->st_ctime_ns;
	nn->hn_noacl = INT64_MIN;
	vnode_init(&nn->hn_vn, type, hm->hm_mp, &hostfs_vnodeops, nn);
	if (type == VCHR || type == VBLK)
		nn->hn_vn.v_rdev = (vdev_t)st->st_rdev;
	nn->hn_next = hm->hm_hash[h];
	hm->hm_hash[h] = nn;
	mutex_exit(&hm->hm_lock);
	*vpp = &nn->hn_vn;
	return 0;
}

/* The live or cached node of host file (dev, ino), with vop_lookup's
 * reference. */
static bool
node_find(struct hostfs_mount *hm, const struct rumpuser_stat *st,
	  struct vnode **vpp)
{
	struct hostfs_node *hn;
	bool found = false;

	mutex_enter(&hm->hm_lock);
	for (hn = hm->hm_hash[hash(st->st_dev, st->st_ino)]; hn != NULL;
	     hn = hn->hn_next) {
		if (hn->hn_dev == st->st_dev && hn->hn_ino == st->st_ino &&
		    node_tryref(hm, hn, false)) {
			*vpp = &hn->hn_vn;
			found = true;
			break;
		}
	}
	mutex_exit(&hm->hm_lock);
	return found;
}

/* Look `name' up in directory handle dirfd: a path handle and attrs. */
static int
host_lookup(int dirfd, const char *name, int *fdp, struct rumpuser_stat *st)
{
	int fd, error;

	if ((error = rumpuser_fs_openat(dirfd, name, O_PATH | O_NOFOLLOW, 0,
					&fd)) != 0)
		return error;
	if ((error = rumpuser_fs_fstatat(
		     fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, st)) != 0) {
		rumpuser_fs_close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

/* The host's stat of the file found is handed on in *vap (vnode.h). */
static int
hostfs_lookup(struct vnode *dvp, const char *name, size_t len,
	      struct vnode **vpp, struct vattr *vap)
{
	struct hostfs_mount *hm = VTOHM(dvp);
	struct rumpuser_stat st;
	char kname[NAME_MAX_ + 1];
	int fd, error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if ((error = name_dup(name, len, kname)) != 0)
		return error;
	/* Nothing above the mounted directory is shown. */
	if (kstrcmp(kname, "..") == 0 && VTOHN(dvp) == hm->hm_root) {
		vnode_namehold(dvp);
		*vpp = dvp;
		return 0;
	}
	/* A node the table has already: one host call. */
	if ((error = rumpuser_fs_fstatat(VTOHN(dvp)->hn_fd, kname,
					 AT_SYMLINK_NOFOLLOW, &st)) != 0)
		return error;
	if (hm->hm_nosubdirs && S_ISDIR(st.st_mode) && kstrcmp(kname, ".."))
		return ENOENT;
	if (!node_find(hm, &st, vpp)) {
		if ((error = host_lookup(VTOHN(dvp)->hn_fd, kname, &fd, &st)) !=
		    0)
			return error;
		if (hm->hm_nosubdirs && S_ISDIR(st.st_mode) &&
		    kstrcmp(kname, "..")) {
			rumpuser_fs_close(fd);
			return ENOENT;
		}
		if ((error = node_get(hm, fd, &st, vpp)) != 0)
			return error;
		/* node_get's is a full reference; vop_lookup's does not
		 * count, dvp's keeping the mount busy (vnode.h). */
		atomic_dec(&dvp->v_mount->mnt_nvref);
	}
	if (vap != NULL)
		stat_to_vattr(*vpp, &st, vap);
	return 0;
}

/* Writes on a read-only mount. */
static inline int
rofs(struct vnode *vp)
{
	return VTOHM(vp)->hm_ro ? EROFS : 0;
}

/* The kernel's umask was applied to `mode'; the host's must not be. */
static void
fix_mode(int fd, struct rumpuser_stat *st, int mode)
{
	if ((int)(st->st_mode & 07777) != mode &&
	    rumpuser_fs_fchmodat(fd, "", mode, AT_EMPTY_PATH) == 0)
		st->st_mode = (st->st_mode & ~07777u) | (uint32_t)mode;
}

/*
 * The host made the new node `fd' as the host process; it belongs to
 * the owner and group the VFS chose for the caller (va).  A host that
 * may not give files away (not root) keeps its own: the node is there
 * already, and failing the call would leave it behind.  Before
 * fix_mode: a host chown takes set-id bits off a file even for root,
 * so *st is read again for fix_mode to put them back.
 */
static void
fix_owner(int fd, struct rumpuser_stat *st, const struct vattr *va)
{
	if (st->st_uid == va->va_uid && st->st_gid == va->va_gid)
		return;
	if (rumpuser_fs_fchownat(fd, "", va->va_uid, va->va_gid,
				 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		rumpuser_fs_fstatat(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
				    st);
}

/*
 * O_TMPFILE: the VFS asks for a regular file without a name, one that
 * may get a name later when va_mask is not 0.  The host makes it in the
 * directory (O_EXCL when it never may be named, so the host refuses the
 * link); the node's handle is an O_PATH one on it, as for any file.
 */
static int
create_tmpfile(struct vnode *dvp, const struct vattr *va, struct vnode **vpp)
{
	int mode = (int)(va->va_mode & 07777);
	bool linkable = va->va_mask != 0;
	struct rumpuser_stat st;
	int tfd, fd, error;

	if ((error = rumpuser_fs_openat(VTOHN(dvp)->hn_fd, ".",
					O_TMPFILE | O_RDWR |
						(linkable ? 0 : O_EXCL),
					mode, &tfd)) != 0)
		return error;
	error = rumpuser_fs_reopen(tfd, O_PATH, &fd);
	rumpuser_fs_close(tfd);
	if (error != 0)
		return error;
	if ((error = rumpuser_fs_fstatat(fd, "", AT_EMPTY_PATH, &st)) != 0) {
		rumpuser_fs_close(fd);
		return error;
	}
	fix_owner(fd, &st, va);
	fix_mode(fd, &st, mode);
	if ((error = node_get(VTOHM(dvp), fd, &st, vpp)) == 0) {
		/* No name: not kept open in the cache once unused. */
		atomic_store_relaxed(&VTOHN(*vpp)->hn_unlinked, true);
		acl_inherit(*vpp, va);
	}
	return error;
}

static int
hostfs_create(struct vnode *dvp, const char *name, size_t len,
	      const struct vattr *va, struct vnode **vpp)
{
	struct hostfs_mount *hm = VTOHM(dvp);
	int dfd = VTOHN(dvp)->hn_fd, mode = (int)(va->va_mode & 07777);
	char kname[NAME_MAX_ + 1];
	struct rumpuser_stat st;
	int fd, error;

	if ((error = rofs(dvp)) != 0)
		return error;
	if (len == 0 && va->va_type == VREG)
		return create_tmpfile(dvp, va, vpp);
	if ((error = name_dup(name, len, kname)) != 0)
		return error;
	switch (va->va_type) {
	case VREG:
		error = rumpuser_fs_openat(
			dfd, kname, O_CREAT | O_EXCL | O_WRONLY, mode, &fd);
		if (error == 0)
			rumpuser_fs_close(fd);
		break;
	case VDIR:
		if (hm->hm_nosubdirs)
			return EPERM;
		error = rumpuser_fs_mkdirat(dfd, kname, mode);
		break;
	case VFIFO:
		error = rumpuser_fs_mknodat(dfd, kname, S_IFIFO | mode, 0);
		break;
	case VSOCK:
		error = rumpuser_fs_mknodat(dfd, kname, S_IFSOCK | mode, 0);
		break;
	case VCHR:
	case VBLK:
		error = rumpuser_fs_mknodat(
			dfd, kname,
			(va->va_type == VCHR ? S_IFCHR : S_IFBLK) | mode,
			va->va_rdev);
		break;
	default:
		return EINVAL;
	}
	if (error != 0)
		return error;
	if ((error = host_lookup(dfd, kname, &fd, &st)) != 0)
		return error;
	fix_owner(fd, &st, va);
	fix_mode(fd, &st, mode);
	if ((error = node_get(hm, fd, &st, vpp)) == 0)
		acl_inherit(*vpp, va);
	return error;
}

static int
hostfs_symlink(struct vnode *dvp, const char *name, size_t len,
	       const struct vattr *va, const char *target, struct vnode **vpp)
{
	char kname[NAME_MAX_ + 1];
	struct rumpuser_stat st;
	int fd, error;

	if ((error = rofs(dvp)) != 0 || (error = name_dup(name, len, kname)))
		return error;
	if ((error = rumpuser_fs_symlinkat(target, VTOHN(dvp)->hn_fd, kname)))
		return error;
	if ((error = host_lookup(VTOHN(dvp)->hn_fd, kname, &fd, &st)) != 0)
		return error;
	fix_owner(fd, &st, va);
	return node_get(VTOHM(dvp), fd, &st, vpp);
}

/* Does `name' in dvp still name vp?  0, or ESTALE/ENOENT. */
static int
still_names(struct vnode *dvp, const char *kname, struct vnode *vp)
{
	struct rumpuser_stat st;
	int error;

	if ((error = rumpuser_fs_fstatat(VTOHN(dvp)->hn_fd, kname,
					 AT_SYMLINK_NOFOLLOW, &st)) != 0)
		return error;
	if (st.st_dev != VTOHN(vp)->hn_dev || st.st_ino != VTOHN(vp)->hn_ino)
		return ESTALE;
	return 0;
}

static int
remove_common(struct vnode *dvp, const char *name, size_t len, struct vnode *vp,
	      int flags)
{
	char kname[NAME_MAX_ + 1];
	int error;

	if ((error = rofs(dvp)) != 0 || (error = name_dup(name, len, kname)))
		return error;
	if ((error = still_names(dvp, kname, vp)) != 0)
		return error;
	if ((error = rumpuser_fs_unlinkat(VTOHN(dvp)->hn_fd, kname, flags)) ==
	    0)
		atomic_store_relaxed(&VTOHN(vp)->hn_unlinked, true);
	return error;
}

static int
hostfs_remove(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	return remove_common(dvp, name, len, vp, 0);
}

static int
hostfs_rmdir(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	return remove_common(dvp, name, len, vp, AT_REMOVEDIR);
}

static int
hostfs_link(struct vnode *dvp, const char *name, size_t len, struct vnode *vp)
{
	char kname[NAME_MAX_ + 1], src[40];
	int error;

	if ((error = rofs(dvp)) != 0 || (error = name_dup(name, len, kname)))
		return error;
	ksnprintf(src, sizeof(src), "/proc/self/fd/%d", VTOHN(vp)->hn_fd);
	return rumpuser_fs_linkat(RUMPUSER_FS_CWD, src, VTOHN(dvp)->hn_fd,
				  kname, AT_SYMLINK_FOLLOW);
}

static int
hostfs_rename(struct vnode *fdvp, const char *fname, size_t flen,
	      struct vnode *fvp, struct vnode *tdvp, const char *tname,
	      size_t tlen, struct vnode *tvp, unsigned flags)
{
	char kf[NAME_MAX_ + 1], kt[NAME_MAX_ + 1];
	int error;

	if ((error = rofs(fdvp)) != 0 || (error = name_dup(fname, flen, kf)) ||
	    (error = name_dup(tname, tlen, kt)))
		return error;
	if (VTOHM(fdvp)->hm_nosubdirs && fvp->v_type == VDIR)
		return EPERM;
	if ((error = still_names(fdvp, kf, fvp)) != 0)
		return error;
	error = rumpuser_fs_renameat(VTOHN(fdvp)->hn_fd, kf, VTOHN(tdvp)->hn_fd,
				     kt, flags);
	if (error == 0 && tvp != NULL && !(flags & RENAME_EXCHANGE))
		atomic_store_relaxed(&VTOHN(tvp)->hn_unlinked, true);
	return error;
}

static int
hostfs_readlink(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	if (vp->v_type != VLNK)
		return EINVAL;
	return rumpuser_fs_readlinkat(VTOHN(vp)->hn_fd, "", buf, size, lenp);
}

/* A directory's name in its parent, for getcwd: the last component of
 * the host's path of its handle (the host's dentries: reading the
 * parent would stamp the host directory's atime).  A removed directory
 * (no link left) is ENOENT; the host's root, or a path too long, is
 * left to the VFS's search (EOPNOTSUPP). */
static int
hostfs_nameof(struct vnode *vp, char *name, size_t *lenp)
{
	struct rumpuser_stat st;
	char src[32], *buf;
	size_t len, start;
	int error;

	if (vp->v_type != VDIR)
		return EINVAL;
	if ((error = rumpuser_fs_fstatat(VTOHN(vp)->hn_fd, "", AT_EMPTY_PATH,
					 &st)) != 0)
		return EOPNOTSUPP;
	if (st.st_nlink == 0)
		return ENOENT;
	if ((buf = kmem_alloc(PATH_MAX_)) == NULL)
		return ENOMEM;
	ksnprintf(src, sizeof(src), "/proc/self/fd/%d", VTOHN(vp)->hn_fd);
	error = rumpuser_fs_readlinkat(RUMPUSER_FS_CWD, src, buf, PATH_MAX_,
				       &len);
	if (error != 0 || len == 0 || len >= PATH_MAX_ || buf[0] != '/')
		error = EOPNOTSUPP;
	if (error == 0) {
		for (start = len; start > 0 && buf[start - 1] != '/'; start--)
			continue;
		if (len - start == 0 || len - start > NAME_MAX_)
			error = EOPNOTSUPP;
	}
	if (error == 0) {
		memcpy(name, buf + start, len - start);
		*lenp = len - start;
	}
	kmem_free(buf, PATH_MAX_);
	return error;
}

/*
 * An I/O handle of the node, opened on first use and kept until the node
 * goes: `which' points at hn_rfd, hn_wfd, hn_dfd or hn_afd.  Caller
 * holds hn_lock.  Set once, with release: node_handle reads an open one
 * without the lock.
 */
static int
node_iofd(struct hostfs_node *hn, int *which, int flags)
{
	int error, fd;

	if (*which != -1)
		return 0;
	if ((error = rumpuser_fs_reopen(hn->hn_fd, flags, &fd)) == 0)
		atomic_store_rel(which, fd);
	return error;
}

/* node_iofd's handle in *fdp; hn_lock only the first time, to open it:
 * a read or write then costs no lock of ours. */
static int
node_handle(struct hostfs_node *hn, int *which, int flags, int *fdp)
{
	int error = 0;

	if ((*fdp = atomic_load_acq(which)) != -1)
		return 0;
	mutex_enter(&hn->hn_lock);
	error = node_iofd(hn, which, flags);
	*fdp = *which;
	mutex_exit(&hn->hn_lock);
	return error;
}

/* A getdents: the host stamps the directory's atime as its mount says,
 * by an empty read (Linux's iterate_dir calls file_accessed even when
 * nothing fits) through a handle without O_NOATIME. */
static void
hostfs_accessed(struct vnode *vp)
{
	struct hostfs_node *hn = VTOHN(vp);
	char c;
	size_t n;

	mutex_enter(&hn->hn_lock);
	if (node_iofd(hn, &hn->hn_afd, O_RDONLY | O_DIRECTORY) == 0)
		(void)rumpuser_fs_getdents(hn->hn_afd, &c, 0, &n);
	mutex_exit(&hn->hn_lock);
}

/* Host positions 0.. map to ours 2..: 0 and 1 are "." and "..". */
#define DIRPOS_EOF OFF_MAX

static int
hostfs_readdir(struct vnode *vp, off_t *offp, vfs_filldir_t fill, void *arg)
{
	struct hostfs_node *hn = VTOHN(vp);
	struct hostfs_mount *hm = VTOHM(vp);
	off_t pos = *offp;
	char *buf;
	int error = 0;
	bool full = false;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	for (; pos < 2 && !full; pos++) {
		/* ".." of the mounted directory shows itself; the VFS puts
		 * the covered directory's number there when it knows it. */
		full = fill(arg, pos == 0 ? "." : "..", (size_t)pos + 1,
			    hn->hn_ino, vtype_to_dt(VDIR), pos + 1) != 0;
		if (full)
			break;
	}
	if (full || pos == DIRPOS_EOF) {
		*offp = pos;
		return 0;
	}
	if ((buf = kmem_alloc(4096)) == NULL)
		return ENOMEM;
	mutex_enter(&hn->hn_lock);
	/* Reading entries is no access by itself (vnode.h): O_NOATIME
	 * where the host lets us (the owner, or CAP_FOWNER). */
	if (node_iofd(hn, &hn->hn_dfd, O_RDONLY | O_DIRECTORY | O_NOATIME) == 0)
		error = 0;
	else
		error = node_iofd(hn, &hn->hn_dfd, O_RDONLY | O_DIRECTORY);
	while (error == 0 && !full) {
		int64_t hpos;
		size_t n, off;

		if ((error = rumpuser_fs_seek(hn->hn_dfd, pos - 2, SEEK_SET,
					      &hpos)) != 0)
			break;
		if ((error = rumpuser_fs_getdents(hn->hn_dfd, buf, 4096, &n)) !=
			    0 ||
		    n == 0)
			break;
		for (off = 0; off < n && !full;) {
			struct {
				uint64_t d_ino;
				int64_t d_off;
				unsigned short d_reclen;
				unsigned char d_type;
				char d_name[];
			} *d = (void *)(buf + off);
			off_t next = d->d_off >= DIRPOS_EOF - 2 ? DIRPOS_EOF
								: d->d_off + 2;
			const char *nm = d->d_name;
			bool skip = (nm[0] == '.' && nm[1] == '\0') ||
				    (nm[0] == '.' && nm[1] == '.' &&
				     nm[2] == '\0') ||
				    (hm->hm_nosubdirs && d->d_type == DT_DIR_);

			if (!skip && fill(arg, nm, kstrlen(nm), d->d_ino,
					  d->d_type, next) != 0) {
				full = true;
				break;
			}
			pos = next;
			off += d->d_reclen;
		}
		if (pos == DIRPOS_EOF)
			break;
	}
	mutex_exit(&hn->hn_lock);
	kmem_free(buf, 4096);
	*offp = pos;
	return error;
}

/* vp's attributes from the host's stat of its file. */
static void
stat_to_vattr(struct vnode *vp, const struct rumpuser_stat *st,
	      struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->va_type = vp->v_type;
	va->va_mode = st->st_mode & 07777;
	va->va_nlink = (unsigned long)st->st_nlink;
	va->va_uid = st->st_uid;
	va->va_gid = st->st_gid;
	va->va_ino = st->st_ino;
	va->va_fsid = vp->v_mount->mnt_dev;
	va->va_rdev = vp->v_rdev;
	va->va_size = st->st_size;
	va->va_blocks = (uint64_t)st->st_blocks;
	va->va_blksize = st->st_blksize;
	va->va_atime = st->st_atime_ns;
	va->va_mtime = st->st_mtime_ns;
	va->va_ctime = st->st_ctime_ns;
	if (vp->v_type != VLNK) {
		struct hostfs_node *hn = VTOHN(vp);

		/* Stored only when it moved: many threads stat one file. */
		if (atomic_load_relaxed(&hn->hn_seenctime) != st->st_ctime_ns)
			atomic_store_relaxed(&hn->hn_seenctime,
					     st->st_ctime_ns);
		va->va_hasacl =
			atomic_load_relaxed(&hn->hn_noacl) != st->st_ctime_ns;
	}
	if (is_window(vp)) {
		off_t size;

		if (window_size(vp, &size) == 0)
			va->va_size = size;
	}
}

static int
hostfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct rumpuser_stat st;
	int error;

	if ((error = rumpuser_fs_fstatat(VTOHN(vp)->hn_fd, "",
					 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
					 &st)) != 0)
		return error;
	stat_to_vattr(vp, &st, va);
	return 0;
}

/*
 * RLIMIT_FSIZE of a size change of a regular file to `len' (truncate,
 * and fallocate modes that set the size, as ext4 and FUSE check them):
 * EFBIG with SIGXFSZ when it grows the file past the limit.  The host
 * file's size is read first: another writer may change it meanwhile,
 * as it may on any host-backed file system.
 */
static int
grow_limit(struct vnode *vp, off_t len)
{
	rlim_t lim = fsize_rlimit();
	struct rumpuser_stat st;

	if (__predict_true(lim == RLIM_INFINITY) || len <= fsize_glim(lim) ||
	    vp->v_type != VREG)
		return 0;
	if (rumpuser_fs_fstatat(VTOHN(vp)->hn_fd, "", AT_EMPTY_PATH, &st) != 0)
		return 0; /* the operation itself will tell */
	return fsize_efbig(
		lim, fsize_grow_check(fsize_glim(lim), (off_t)st.st_size, len));
}

static int
hostfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct hostfs_node *hn = VTOHN(vp);
	int error = 0;

	if ((error = rofs(vp)) != 0)
		return error;
	if (va->va_mask & VA_SIZE) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if (is_window(vp))
			return vp->v_type == VREG ? EINVAL : 0;
		if (vp->v_type == VREG) {
			if ((error = grow_limit(vp, va->va_size)) != 0)
				return error;
			mutex_enter(&hn->hn_lock);
			error = node_iofd(hn, &hn->hn_wfd, O_WRONLY);
			if (error == 0)
				error = rumpuser_fs_ftruncate(hn->hn_wfd,
							      va->va_size);
			mutex_exit(&hn->hn_lock);
			if (error != 0)
				return error;
		}
	}
	if ((va->va_mask & (VA_UID | VA_GID)) &&
	    (error = rumpuser_fs_fchownat(
		     hn->hn_fd, "",
		     (va->va_mask & VA_UID) ? (int64_t)va->va_uid : -1,
		     (va->va_mask & VA_GID) ? (int64_t)va->va_gid : -1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) != 0)
		return error;
	if ((va->va_mask & VA_MODE) && vp->v_type != VLNK &&
	    (error = rumpuser_fs_fchmodat(hn->hn_fd, "", (int)va->va_mode,
					  AT_EMPTY_PATH)) != 0)
		return error;
	/* A symlink has times of its own (utimensat AT_SYMLINK_NOFOLLOW):
	 * the handle's magic link leads to the link, not its target. */
	if (va->va_mask & (VA_ATIME | VA_MTIME))
		error = rumpuser_fs_utimensat(
			hn->hn_fd, "",
			(va->va_mask & VA_ATIME) ? va->va_atime
						 : RUMPUSER_FS_UTIME_OMIT,
			(va->va_mask & VA_MTIME) ? va->va_mtime
						 : RUMPUSER_FS_UTIME_OMIT,
			AT_EMPTY_PATH);
	return error;
}

/*
 * Host I/O straight between the file and the uio's buffers (file.h,
 * uio_hostiov), up to NIOV segments a call: a bounce buffer and its copy
 * cost a third of a 4 KiB pread.  A short transfer ends the I/O (end of
 * file, a full disk, a bad user page); an error ends it too and is
 * returned, with the uio past what moved before it.
 */
#define NIOV 16

static int
node_io(int fd, off_t *offp, struct uio *uio)
{
	struct rumpuser_iovec iov[NIOV];
	size_t niov, want, n;
	int error = 0;

	while (uio->uio_resid > 0 && (niov = uio_hostiov(uio, iov, NIOV)) > 0) {
		want = 0;
		for (size_t i = 0; i < niov; i++)
			want += iov[i].iov_len;
		error = uio->uio_rw == UIO_READ
				? rumpuser_iovread(fd, iov, niov, *offp, &n)
				: rumpuser_iovwrite(fd, iov, niov, *offp, &n);
		if (error != 0)
			break;
		uio_advance(uio, n);
		*offp += (off_t)n;
		if (n < want)
			break;
	}
	return error;
}

/* The root of a windowed etfs mount? */
static bool
is_window(struct vnode *vp)
{
	struct hostfs_mount *hm = VTOHM(vp);

	return hm->hm_window && VTOHN(vp) == hm->hm_root;
}

/* The window's length now. */
static int
window_size(struct vnode *vp, off_t *sizep)
{
	struct hostfs_mount *hm = VTOHM(vp);
	struct rumpuser_stat st;
	int error;

	if (hm->hm_wsize >= 0) {
		*sizep = hm->hm_wsize;
		return 0;
	}
	if ((error = rumpuser_fs_fstatat(VTOHN(vp)->hn_fd, "", AT_EMPTY_PATH,
					 &st)) != 0)
		return error;
	*sizep = st.st_size > hm->hm_base ? st.st_size - hm->hm_base : 0;
	return 0;
}

/* I/O through a window: offsets shift by hm_base, the end is the
 * window's (reads there see end of file, writes get ENOSPC). */
static int
window_io(struct vnode *vp, int fd, off_t *offp, struct uio *uio)
{
	off_t size, hoff;
	size_t allowed, excess;
	int error;

	if ((error = window_size(vp, &size)) != 0)
		return error;
	if (*offp >= size)
		return uio->uio_rw == UIO_WRITE && uio->uio_resid > 0 ? ENOSPC
								      : 0;
	allowed = (size_t)MIN((off_t)MIN(uio->uio_resid, (size_t)OFF_MAX),
			      size - *offp);
	excess = uio->uio_resid - allowed;
	uio->uio_resid = allowed;
	hoff = *offp + VTOHM(vp)->hm_base;
	error = node_io(fd, &hoff, uio);
	uio->uio_resid += excess;
	*offp = hoff - VTOHM(vp)->hm_base;
	return error;
}

static int
hostfs_read(struct vnode *vp, off_t *offp, struct uio *uio, int ioflags)
{
	struct hostfs_node *hn = VTOHN(vp);
	int error, fd;

	error = node_handle(hn, &hn->hn_rfd, O_RDONLY, &fd);
	if (error == 0 && is_window(vp))
		return window_io(vp, fd, offp, uio);
	return error != 0 ? error : node_io(fd, offp, uio);
}

/*
 * RLIMIT_FSIZE (fsize.h) of a write at *offp to a regular file: EFBIG
 * (the caller posts SIGXFSZ), or 0 with the uio cut to end at the limit
 * and the bytes cut off in *excessp, to give back after the I/O.
 */
static int
write_limit(struct vnode *vp, rlim_t lim, off_t pos, struct uio *uio,
	    size_t *excessp)
{
	size_t n = uio->uio_resid;
	int error;

	*excessp = 0;
	if (__predict_true(lim == RLIM_INFINITY) || vp->v_type != VREG ||
	    n == 0)
		return 0;
	if ((error = fsize_write_check(fsize_wlim(lim), pos, &n)) != 0)
		return error;
	*excessp = uio->uio_resid - n;
	uio->uio_resid = n;
	return 0;
}

static int
hostfs_write(struct vnode *vp, off_t *offp, struct uio *uio, int ioflags)
{
	struct hostfs_node *hn = VTOHN(vp);
	struct rumpuser_stat st;
	rlim_t lim = fsize_rlimit();
	size_t excess = 0;
	int error, fd;

	if ((error = rofs(vp)) != 0)
		return error;
	if ((error = node_handle(hn, &hn->hn_wfd, O_WRONLY, &fd)) != 0)
		return error;
	if (is_window(vp)) {
		if ((error = write_limit(vp, lim, *offp, uio, &excess)) != 0)
			return fsize_efbig(lim, error);
		error = window_io(vp, fd, offp, uio);
	} else if (ioflags & IO_APPEND) {
		/* Appends are atomic among the kernel's writers: the end,
		 * its limit check and the write under hn_lock. */
		mutex_enter(&hn->hn_lock);
		error = rumpuser_fs_fstatat(fd, "", AT_EMPTY_PATH, &st);
		if (error == 0) {
			*offp = st.st_size;
			error = write_limit(vp, lim, *offp, uio, &excess);
			if (error != 0) {
				mutex_exit(&hn->hn_lock);
				return fsize_efbig(lim, error);
			}
			error = node_io(fd, offp, uio);
		}
		mutex_exit(&hn->hn_lock);
	} else {
		if ((error = write_limit(vp, lim, *offp, uio, &excess)) != 0)
			return fsize_efbig(lim, error);
		error = node_io(fd, offp, uio);
	}
	uio->uio_resid += excess;
	return error;
}

static int
hostfs_allocate(struct vnode *vp, int mode, off_t off, off_t len)
{
	struct hostfs_node *hn = VTOHN(vp);
	int error;

	if ((error = rofs(vp)) != 0)
		return error;
	mutex_enter(&hn->hn_lock);
	error = node_iofd(hn, &hn->hn_wfd, O_WRONLY);
	mutex_exit(&hn->hn_lock);
	if (error == 0 &&
	    !(mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
		      FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) &&
	    (error = grow_limit(vp, off + len)) != 0)
		return error;
	return error != 0 ? error
			  : rumpuser_fs_fallocate(hn->hn_wfd, mode, off, len);
}

static int
hostfs_seekhole(struct vnode *vp, off_t off, bool data, off_t *resp)
{
	struct hostfs_node *hn = VTOHN(vp);
	int64_t r;
	int error;

	mutex_enter(&hn->hn_lock);
	error = node_iofd(hn, &hn->hn_rfd, O_RDONLY);
	mutex_exit(&hn->hn_lock);
	if (error == 0 &&
	    (error = rumpuser_fs_seek(hn->hn_rfd, off,
				      data ? SEEK_DATA : SEEK_HOLE, &r)) == 0)
		*resp = r;
	return error;
}

static int
hostfs_fsync(struct vnode *vp, bool dataonly)
{
	struct hostfs_node *hn = VTOHN(vp);
	int fd, error = 0;

	mutex_enter(&hn->hn_lock);
	fd = hn->hn_wfd != -1 ? hn->hn_wfd : hn->hn_rfd;
	if (fd == -1 && vp->v_type == VREG)
		error = node_iofd(hn, &hn->hn_rfd, O_RDONLY);
	fd = hn->hn_wfd != -1 ? hn->hn_wfd : hn->hn_rfd;
	mutex_exit(&hn->hn_lock);
	if (error != 0 || fd == -1)
		return error;
	return rumpuser_syncfd(fd,
			       RUMPUSER_SYNCFD_WRITE |
				       (dataonly ? 0 : RUMPUSER_SYNCFD_SYNC),
			       0, 0);
}

/* ---- extended attributes ------------------------------------------------ */

/* A name the kernel shows from a host list: the namespaces vfs_xattr.c
 * lets through to vop_xattr (trusted.* only to the privileged).  The
 * host's system.* names (its ACLs) are the ACLs' own business. */
static bool
xattr_shown(const char *name, bool trusted)
{
	if (kstrncmp(name, "user.", 5) == 0 ||
	    kstrncmp(name, "security.", 9) == 0)
		return true;
	return trusted && kstrncmp(name, "trusted.", 8) == 0;
}

/*
 * The names of the host file's attributes the caller may see, in the
 * host's order.  The host's whole list is read first (up to Linux's
 * 64 KiB limit) so that a length-only request gets the shown names'
 * length.  ERANGE: rq's buffer is too small; E2BIG: the host's list is
 * over the limit.
 */
static int
xattr_list(struct hostfs_node *hn, struct xattr_req *rq)
{
	char *hbuf, *p, *end;
	size_t hlen, n, out = 0;
	int error;

	if ((hbuf = kmem_alloc(XATTR_LIST_MAX_)) == NULL)
		return ENOMEM;
	error = rumpuser_fs_listxattr(hn->hn_fd, hbuf, XATTR_LIST_MAX_, &hlen);
	if (error == ERANGE)
		error = E2BIG;
	if (error != 0)
		goto out;
	end = hbuf + hlen;
	for (p = hbuf; p < end; p += n) {
		n = kstrnlen(p, (size_t)(end - p));
		if (n == (size_t)(end - p))
			break; /* no NUL: not a name */
		n++;
		if (!xattr_shown(p, rq->xr_trusted))
			continue;
		if (rq->xr_size != 0) {
			if (out + n > rq->xr_size) {
				error = ERANGE;
				goto out;
			}
			memcpy((char *)rq->xr_buf + out, p, n);
		}
		out += n;
	}
	rq->xr_len = out;
out:
	kmem_free(hbuf, XATTR_LIST_MAX_);
	return error;
}

/*
 * vop_xattr: the host file keeps the attributes, so the host sees them
 * and they outlive the mount.  The VFS has checked names, sizes and
 * permissions (xattr.h); the host's own checks follow.  The host stamps
 * ctime, and every getattr asks the host, so no attribute is cached.
 */
static int
hostfs_xattr(struct vnode *vp, struct xattr_req *rq)
{
	struct hostfs_node *hn = VTOHN(vp);
	int error;

	switch (rq->xr_op) {
	case XOP_GET:
		return rumpuser_fs_getxattr(hn->hn_fd, rq->xr_name, rq->xr_buf,
					    rq->xr_size, &rq->xr_len);
	case XOP_SET:
		if ((error = rofs(vp)) != 0)
			return error;
		return rumpuser_fs_setxattr(hn->hn_fd, rq->xr_name, rq->xr_buf,
					    rq->xr_size, rq->xr_flags);
	case XOP_REMOVE:
		if ((error = rofs(vp)) != 0)
			return error;
		return rumpuser_fs_removexattr(hn->hn_fd, rq->xr_name);
	case XOP_LIST:
		return xattr_list(hn, rq);
	default:
		return EOPNOTSUPP;
	}
}

/* ---- POSIX ACLs ----------------------------------------------------------- */

static const char *const acl_xname[2] = { ACL_XATTR_ACCESS, ACL_XATTR_DEFAULT };

/*
 * Read the host's ACL of `type' (*aclp: a new reference or NULL) as of
 * host ctime *ctimep and mode *modep.  A fresh stat comes first unless
 * the caller's own stat is recent enough (`stat' false: *ctimep is the
 * node's latest, which came before this read).  A host file system
 * without ACLs has none.
 */
static int
acl_fetch(struct hostfs_node *hn, int type, bool stat, struct acl **aclp,
	  int64_t *ctimep, mode_t *modep)
{
	unsigned char sbuf[4 + 8 * 16], *buf = sbuf;
	size_t size = sizeof(sbuf), len;
	struct rumpuser_stat st;
	int error;

	*modep = (mode_t)-1;
	if (stat) {
		if ((error = rumpuser_fs_fstatat(hn->hn_fd, "", AT_EMPTY_PATH,
						 &st)) != 0)
			return error;
		*ctimep = st.st_ctime_ns;
		*modep = st.st_mode & 07777;
		atomic_store_relaxed(&hn->hn_seenctime, st.st_ctime_ns);
	}
	for (;;) {
		error = rumpuser_fs_getxattr(hn->hn_fd, acl_xname[type], buf,
					     size, &len);
		if (error != ERANGE)
			break;
		/* A long one: ask its length, then read it again. */
		if (buf != sbuf)
			kmem_free(buf, size);
		buf = NULL;
		if ((error = rumpuser_fs_getxattr(hn->hn_fd, acl_xname[type],
						  NULL, 0, &size)) != 0)
			break;
		if (size == 0) /* emptied meanwhile: no entries */
			size = 1;
		if (size > XATTR_SIZE_MAX_ ||
		    (buf = kmem_alloc(size)) == NULL) {
			error = ENOMEM;
			break;
		}
	}
	*aclp = NULL;
	if (error == ENODATA || error == EOPNOTSUPP)
		error = 0;
	else if (error == 0)
		error = acl_from_xattr(buf, len, aclp);
	if (buf != sbuf && buf != NULL)
		kmem_free(buf, size);
	return error;
}

/*
 * vop_getacl: the kept ACL while the host's ctime has not moved since
 * it was read, else the host's (a stat and a read).  Changes made on
 * the host show at the next stat of the node that sees its ctime move;
 * a host whose timestamps are coarser than the time between two changes
 * may hide the second one until the next.
 */
static int
hostfs_getacl(struct vnode *vp, int type, struct acl **aclp, mode_t *modep)
{
	struct hostfs_node *hn = VTOHN(vp);
	int64_t seen = atomic_load_relaxed(&hn->hn_seenctime), ctime = seen;
	struct acl *acl, *old = NULL;
	mode_t mode;
	int error;

	mutex_enter(&hn->hn_acllock);
	if (hn->hn_aclknown[type] && hn->hn_aclctime[type] == seen &&
	    (modep == NULL || hn->hn_aclmode[type] != (mode_t)-1)) {
		*aclp = acl_hold(hn->hn_acl[type]);
		if (modep != NULL)
			*modep = hn->hn_aclmode[type];
		mutex_exit(&hn->hn_acllock);
		return 0;
	}
	mutex_exit(&hn->hn_acllock);
	/* The access ACL's mode is the permission checks' truth: read it
	 * with the ACL. */
	if ((error = acl_fetch(hn, type,
			       type == ACL_TYPE_ACCESS_ || modep != NULL, &acl,
			       &ctime, &mode)) != 0)
		return error;
	mutex_enter(&hn->hn_acllock);
	old = hn->hn_acl[type];
	hn->hn_acl[type] = acl_hold(acl);
	hn->hn_aclknown[type] = true;
	hn->hn_aclctime[type] = ctime;
	hn->hn_aclmode[type] = mode;
	if (type == ACL_TYPE_ACCESS_)
		atomic_store_relaxed(&hn->hn_noacl,
				     acl == NULL ? ctime : INT64_MIN);
	mutex_exit(&hn->hn_acllock);
	acl_rele(old);
	*aclp = acl;
	if (modep != NULL)
		*modep = mode;
	return 0;
}

/* Forget what was read of the node's ACLs: the next check reads them. */
static void
acl_forget(struct hostfs_node *hn)
{
	mutex_enter(&hn->hn_acllock);
	hn->hn_aclknown[0] = hn->hn_aclknown[1] = false;
	atomic_store_relaxed(&hn->hn_noacl, INT64_MIN);
	mutex_exit(&hn->hn_acllock);
}

/* Write acl (NULL: remove) as the host file's ACL of `type'; an access
 * ACL's USER_OBJ, MASK and OTHER from `mode'. */
static int
acl_store(struct hostfs_node *hn, int type, const struct acl *acl, mode_t mode)
{
	size_t size;
	void *buf;
	int error;

	if (acl == NULL) {
		error = rumpuser_fs_removexattr(hn->hn_fd, acl_xname[type]);
		return error == ENODATA ? 0 : error;
	}
	size = acl_xattr_size(acl);
	if ((buf = kmem_alloc(size)) == NULL)
		return ENOMEM;
	acl_to_xattr(acl, type == ACL_TYPE_ACCESS_, mode, buf);
	error = rumpuser_fs_setxattr(hn->hn_fd, acl_xname[type], buf, size, 0);
	kmem_free(buf, size);
	return error;
}

/*
 * vop_setacl: the host file's system.posix_acl_* attribute, then (an
 * access ACL) its mode: the host derives the permission bits from the
 * ACL itself, but the VFS may have dropped S_ISGID.  The host stamps
 * ctime.
 */
static int
hostfs_setacl(struct vnode *vp, int type, struct acl *acl, const mode_t *modep)
{
	struct hostfs_node *hn = VTOHN(vp);
	mode_t mode = modep != NULL ? *modep & 07777 : 0;
	struct rumpuser_stat st;
	int error;

	if ((error = rofs(vp)) != 0)
		return error;
	error = acl_store(hn, type, acl, mode);
	if (error == 0 && modep != NULL &&
	    (error = rumpuser_fs_fstatat(hn->hn_fd, "", AT_EMPTY_PATH, &st)) ==
		    0 &&
	    (st.st_mode & 07777) != mode)
		error = rumpuser_fs_fchmodat(hn->hn_fd, "", (int)mode,
					     AT_EMPTY_PATH);
	acl_forget(hn);
	return error;
}

/* A new node's inherited ACLs (vop_create's va_acl, va_dacl): the host
 * may have given it its own directory's already; the kernel's win. */
static void
acl_inherit(struct vnode *vp, const struct vattr *va)
{
	struct hostfs_node *hn = VTOHN(vp);

	if (va->va_acl == NULL && va->va_dacl == NULL)
		return;
	if (va->va_acl != NULL)
		acl_store(hn, ACL_TYPE_ACCESS_, va->va_acl,
			  va->va_mode & 07777);
	if (va->va_dacl != NULL && va->va_type == VDIR)
		acl_store(hn, ACL_TYPE_DEFAULT_, va->va_dacl, 0);
	acl_forget(hn);
}

/* Close a node's handles and free it (it is out of the table). */
static void
node_free(struct hostfs_node *hn)
{
	vnode_reclaim(&hn->hn_vn);
	if (hn->hn_rfd != -1)
		rumpuser_fs_close(hn->hn_rfd);
	if (hn->hn_wfd != -1)
		rumpuser_fs_close(hn->hn_wfd);
	if (hn->hn_dfd != -1)
		rumpuser_fs_close(hn->hn_dfd);
	if (hn->hn_afd != -1)
		rumpuser_fs_close(hn->hn_afd);
	rumpuser_fs_close(hn->hn_fd);
	acl_rele(hn->hn_acl[0]);
	acl_rele(hn->hn_acl[1]);
	mutex_destroy(&hn->hn_acllock);
	mutex_destroy(&hn->hn_lock);
	kmem_free(hn, sizeof(*hn));
}

/* Is there another node of the same host file (made by a lookup that
 * came while this one was on its way out)?  Caller holds hm_lock. */
static bool
has_twin(struct hostfs_mount *hm, struct hostfs_node *hn)
{
	for (struct hostfs_node *o = hm->hm_hash[hash(hn->hn_dev, hn->hn_ino)];
	     o != NULL; o = o->hn_next)
		if (o != hn && o->hn_dev == hn->hn_dev &&
		    o->hn_ino == hn->hn_ino)
			return true;
	return false;
}

/*
 * The last reference went (v_interlock held).  The node stays in the
 * mount's cache for the next lookup, unless a name of it was removed
 * (its host file may have no name left: do not keep it open); the
 * oldest cached node goes when the cache is full.
 */
static bool
hostfs_inactive(struct vnode *vp)
{
	struct hostfs_node *hn = VTOHN(vp), *victim = NULL;
	struct hostfs_mount *hm = VTOHM(vp);
	bool gone = false;

	mutex_enter(&hm->hm_lock);
	if (atomic_load_acq(&vp->v_usecount) != 0) {
		/* A lookup took it again meanwhile. */
	} else if (atomic_load_relaxed(&hn->hn_unlinked) || hn == hm->hm_root ||
		   has_twin(hm, hn)) {
		hash_remove(hm, hn);
		gone = true;
	} else {
		lru_append(hm, hn);
		if (hm->hm_nlru > CACHE_MAX) {
			victim = hm->hm_lru_head;
			lru_remove(hm, victim);
			hash_remove(hm, victim);
		}
	}
	mutex_exit(&hm->hm_lock);
	/* Unreachable now: nobody else can take it. */
	if (victim != NULL)
		node_free(victim);
	return gone;
}

static void
hostfs_reclaim(struct vnode *vp)
{
	node_free(VTOHN(vp));
}

static const struct vnodeops hostfs_vnodeops = {
	.vop_lookup = hostfs_lookup,
	.vop_create = hostfs_create,
	.vop_symlink = hostfs_symlink,
	.vop_remove = hostfs_remove,
	.vop_rmdir = hostfs_rmdir,
	.vop_link = hostfs_link,
	.vop_rename = hostfs_rename,
	.vop_readlink = hostfs_readlink,
	.vop_readdir = hostfs_readdir,
	.vop_accessed = hostfs_accessed,
	.vop_nameof = hostfs_nameof,
	.vop_getattr = hostfs_getattr,
	.vop_setattr = hostfs_setattr,
	.vop_read = hostfs_read,
	.vop_write = hostfs_write,
	.vop_allocate = hostfs_allocate,
	.vop_seekhole = hostfs_seekhole,
	.vop_fsync = hostfs_fsync,
	.vop_xattr = hostfs_xattr,
	.vop_getacl = hostfs_getacl,
	.vop_setacl = hostfs_setacl,
	.vop_inactive = hostfs_inactive,
	.vop_reclaim = hostfs_reclaim,
};

/* ---- mounts --------------------------------------------------------------- */

struct hostfs_args {
	bool ro, nosubdirs;
};

static int
hostfs_parse(const char *data, struct hostfs_args *a)
{
	const char *p = data, *e;

	while (p != NULL && *p != '\0') {
		size_t len;

		for (e = p; *e != '\0' && *e != ','; e++)
			continue;
		len = (size_t)(e - p);
		if (len == 2 && kstrncmp(p, "ro", 2) == 0)
			a->ro = true;
		else if (len == 2 && kstrncmp(p, "rw", 2) == 0)
			a->ro = false;
		else if (len == 9 && kstrncmp(p, "nosubdirs", 9) == 0)
			a->nosubdirs = true;
		else if (len != 0)
			return EINVAL;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

static int
mount_common(struct mount *mp, const char *hostpath, struct hostfs_args *a,
	     bool any_type, enum vtype roottype, vdev_t rdev)
{
	struct hostfs_mount *hm;
	struct rumpuser_stat st;
	struct vnode *vp;
	int fd, error;

	if (hostpath == NULL || hostpath[0] == '\0')
		return EINVAL;
	if ((error = rumpuser_fs_openat(RUMPUSER_FS_CWD, hostpath, O_PATH, 0,
					&fd)) != 0)
		return error;
	if ((error = rumpuser_fs_fstatat(fd, "", AT_EMPTY_PATH, &st)) != 0) {
		rumpuser_fs_close(fd);
		return error;
	}
	if (!any_type && !S_ISDIR(st.st_mode)) {
		rumpuser_fs_close(fd);
		return ENOTDIR;
	}
	if ((hm = kmem_zalloc(sizeof(*hm))) == NULL) {
		rumpuser_fs_close(fd);
		return ENOMEM;
	}
	mutex_init(&hm->hm_lock);
	hm->hm_mp = mp;
	hm->hm_ro = a->ro;
	hm->hm_nosubdirs = a->nosubdirs;
	hm->hm_roottype = roottype;
	hm->hm_rootrdev = rdev;
	mp->mnt_data = hm;
	if (a->ro)
		mp->mnt_flags |= MNT_RDONLY;
	if ((error = node_get(hm, fd, &st, &vp)) != 0) {
		mutex_destroy(&hm->hm_lock);
		kmem_free(hm, sizeof(*hm));
		return error;
	}
	if (roottype != VNON) {
		vp->v_type = roottype;
		vp->v_rdev = rdev;
	}
	hm->hm_root = VTOHN(vp);
	mp->mnt_root = vp;
	return 0;
}

static int
hostfs_mount(struct mount *mp, const char *source, const char *data,
	     unsigned long flags, struct kauth_cred *cr)
{
	struct hostfs_args a = { .ro = (flags & MNT_RDONLY) != 0 };
	int error;

	if ((error = hostfs_parse(data, &a)) != 0)
		return error;
	return mount_common(mp, source, &a, false, VNON, 0);
}

static int
hostfs_remount(struct mount *mp, const char *data, unsigned long flags)
{
	struct hostfs_mount *hm = mp->mnt_data;
	struct hostfs_args a = { .ro = (flags & MNT_RDONLY) != 0,
				 .nosubdirs = hm->hm_nosubdirs };
	int error;

	if ((error = hostfs_parse(data, &a)) != 0)
		return error;
	hm->hm_ro = a.ro;
	if (a.ro)
		atomic_store_relaxed(&mp->mnt_flags,
				     mp->mnt_flags | MNT_RDONLY);
	else
		atomic_store_relaxed(&mp->mnt_flags,
				     mp->mnt_flags & ~(unsigned)MNT_RDONLY);
	return 0;
}

static int
hostfs_statfs(struct mount *mp, struct statfs *sf)
{
	struct hostfs_mount *hm = mp->mnt_data;
	struct rumpuser_statfs hs;
	int error;

	if ((error = rumpuser_fs_fstatfs(hm->hm_root->hn_fd, &hs)) != 0)
		return error;
	sf->f_type = (long)hs.f_type;
	sf->f_bsize = (long)hs.f_bsize;
	sf->f_blocks = (long)hs.f_blocks;
	sf->f_bfree = (long)hs.f_bfree;
	sf->f_bavail = (long)hs.f_bavail;
	sf->f_files = (long)hs.f_files;
	sf->f_ffree = (long)hs.f_ffree;
	return 0;
}

/* syncfs: the host's, on a readable handle of the root (the node's own
 * handle is O_PATH).  A root the kernel may not read has nothing it
 * wrote through this mount's root handle either: then nothing. */
static int
hostfs_sync(struct mount *mp)
{
	struct hostfs_mount *hm = mp->mnt_data;
	int fd, error;

	if (rumpuser_fs_reopen(hm->hm_root->hn_fd, O_RDONLY, &fd) != 0)
		return 0;
	error = rumpuser_fs_syncfs(fd);
	(void)rumpuser_fs_close(fd);
	return error;
}

static int
hostfs_unmount(struct mount *mp)
{
	struct hostfs_mount *hm = mp->mnt_data;

	struct hostfs_node *hn;

	/* The root went with its last reference (reclaim); the cache goes
	 * now.  Nothing else is referenced (the VFS checked). */
	while ((hn = hm->hm_lru_head) != NULL) {
		lru_remove(hm, hn);
		hash_remove(hm, hn);
		node_free(hn);
	}
	for (int i = 0; i < HASHSIZE; i++)
		KASSERT(hm->hm_hash[i] == NULL);
	mutex_destroy(&hm->hm_lock);
	kmem_free(hm, sizeof(*hm));
	return 0;
}

const struct vfsops hostfs_vfsops = {
	.vfs_name = "hostfs",
	.vfs_mount = hostfs_mount,
	.vfs_remount = hostfs_remount,
	.vfs_statfs = hostfs_statfs,
	.vfs_unmount = hostfs_unmount,
	.vfs_sync = hostfs_sync,
};

/* etfs's mounts: parameters come through here (under etfs_mount_lock),
 * not a data string. */
static kmutex_t etfs_mount_lock;
static struct {
	const char *hostpath;
	struct hostfs_args args;
	enum vtype roottype;
	vdev_t rdev;
	off_t base, wsize;
} etfs_req;

static int
etfs_mount(struct mount *mp, const char *source, const char *data,
	   unsigned long flags, struct kauth_cred *cr)
{
	struct hostfs_mount *hm;
	int error;

	error = mount_common(mp, etfs_req.hostpath, &etfs_req.args, true,
			     etfs_req.roottype, etfs_req.rdev);
	if (error == 0 && (etfs_req.base != 0 || etfs_req.wsize >= 0)) {
		hm = mp->mnt_data;
		hm->hm_window = true;
		hm->hm_base = etfs_req.base;
		hm->hm_wsize = etfs_req.wsize;
	}
	return error;
}

static const struct vfsops etfs_vfsops = {
	.vfs_name = "etfs",
	.vfs_mount = etfs_mount,
	.vfs_statfs = hostfs_statfs,
	.vfs_unmount = hostfs_unmount,
	.vfs_sync = hostfs_sync,
};

int
hostfs_mount_on(struct vnode *covered, const char *hostpath, bool nosubdirs,
		enum vtype roottype, vdev_t rdev, off_t base, off_t wsize)
{
	int error;

	mutex_enter(&etfs_mount_lock);
	etfs_req.hostpath = hostpath;
	etfs_req.args = (struct hostfs_args){ .nosubdirs = nosubdirs };
	etfs_req.roottype = roottype;
	etfs_req.rdev = rdev;
	etfs_req.base = base;
	etfs_req.wsize = wsize;
	error = vfs_domount(&etfs_vfsops, covered, hostpath, 0, NULL,
			    initproc->p_cred);
	mutex_exit(&etfs_mount_lock);
	return error;
}

/* ---- etfs devices: the host file's data at the file's offset ----------- */

/* f_data is the hostfs vnode (held) whose host file backs the device. */
static int
dev_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return hostfs_read(fp->f_data, offp, uio, ioflags);
}

static int
dev_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return hostfs_write(fp->f_data, offp, uio, ioflags & ~IO_APPEND);
}

static int
dev_seek(struct file *fp, off_t *offp, off_t off, int whence)
{
	struct vattr va;
	int error;

	if ((error = hostfs_getattr(fp->f_data, &va)) != 0)
		return error;
	return file_seek_generic(*offp, va.va_size, off, whence, offp);
}

static int
dev_poll(struct file *fp, int events, struct polltable *pt)
{
	return events & (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
}

static void
dev_close(struct file *fp)
{
	vnode_rele(fp->f_data);
}

const struct fileops hostfs_devops = {
	.fo_read = dev_read,
	.fo_write = dev_write,
	.fo_stat = vn_fo_stat,
	.fo_seek = dev_seek,
	.fo_poll = dev_poll,
	.fo_close = dev_close,
};

int
hostfs_init(void)
{
	mutex_init(&etfs_mount_lock);
	return vfs_register_fstype(&hostfs_vfsops);
}
