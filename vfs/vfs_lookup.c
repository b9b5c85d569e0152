/*
 * vfs_lookup.c: path lookup (namei) with ".", "..", symlinks, mount
 * crossing and the process root; permission checks as Linux's
 * generic_permission.
 */
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>

#include "acl.h"
#include "cred.h"
#include "fd.h"
#include "proc.h"
#include "vfs.h"
#include "vfs_int.h"

/* ---- permissions ------------------------------------------------------- */

bool
vfs_groupmember(const struct kauth_cred *cr, gid_t gid)
{
	return cr->cr_fsgid == gid || cred_supplementary(cr, gid);
}

/* vp's mode, owner and group: from `known' (vp's attributes) if the
 * caller has them, else from the file system. */
static void
vnode_owner(struct vnode *vp, const struct vattr *known, mode_t *modep,
	    uid_t *uidp, gid_t *gidp)
{
	struct vattr va;

	if (known != NULL) {
		*modep = known->va_mode | (known->va_hasacl ? VMODE_ACL : 0);
		*uidp = known->va_uid;
		*gidp = known->va_gid;
		return;
	}
	if (vp->v_op->vop_owner != NULL) {
		vp->v_op->vop_owner(vp, modep, uidp, gidp);
		return;
	}
	if (vp->v_op->vop_getattr(vp, &va) != 0) {
		*modep = 0;
		*uidp = *gidp = (uid_t)-1;
		return;
	}
	*modep = va.va_mode | (va.va_hasacl ? VMODE_ACL : 0);
	*uidp = va.va_uid;
	*gidp = va.va_gid;
}

/*
 * A caller that is not the owner, on a node whose mode says it has an
 * access ACL (Linux's check_acl): the ACL decides with the mode it came
 * with, 0 or EACCES, if its group class is not empty; otherwise -1, and
 * *fmodep is the mode to decide on (the ACL may have gone meanwhile).
 */
static int __attribute__((noinline))
access_acl(struct vnode *vp, mode_t *fmodep, gid_t gid, int mode,
	   const struct kauth_cred *cr)
{
	struct acl *acl = NULL;
	int error = -1;

	*fmodep &= ~VMODE_ACL;
	if (vp->v_op->vop_getacl == NULL ||
	    vp->v_op->vop_getacl(vp, ACL_TYPE_ACCESS_, &acl, fmodep) != 0)
		return -1;
	if (acl != NULL && (*fmodep & 070) != 0)
		error = acl_permission(acl, *fmodep, gid, mode, cr);
	acl_rele(acl);
	return error;
}

/* The owner, group or other bits of fmode for cr (or the node's access
 * ACL: VMODE_ACL, vnode.h), and root's override of all but executing a
 * file with no x bit. */
static int
access_bits(struct vnode *vp, mode_t fmode, uid_t uid, gid_t gid, int mode,
	    const struct kauth_cred *cr)
{
	mode_t perm;
	int error;

	if (cr->cr_fsuid == uid) {
		perm = fmode >> 6;
	} else if (__builtin_expect((fmode & VMODE_ACL) != 0, 0) &&
		   (error = access_acl(vp, &fmode, gid, mode, cr)) >= 0) {
		if (error == 0)
			return 0;
		goto denied;
	} else if (vfs_groupmember(cr, gid)) {
		perm = fmode >> 3;
	} else {
		perm = fmode;
	}
	if ((mode & ~perm & 7) == 0)
		return 0;
denied:
	if (cr->cr_fsuid == 0 && (fmode & 0111))
		return 0;
	return EACCES;
}

int
vfs_access_attr(const struct vattr *va, int mode, const struct kauth_cred *cr)
{
	if (cr->cr_fsuid == 0 && (va->va_type == VDIR || !(mode & VEXEC)))
		return 0;
	return access_bits(NULL, va->va_mode & ~VMODE_ACL, va->va_uid,
			   va->va_gid, mode, cr);
}

static int
access_known(struct vnode *vp, int mode, const struct kauth_cred *cr,
	     const struct vattr *known)
{
	mode_t fmode;
	uid_t uid;
	gid_t gid;

	if ((mode & VWRITE) &&
	    (atomic_load_relaxed(&vp->v_mount->mnt_flags) & MNT_RDONLY) &&
	    (vp->v_type == VREG || vp->v_type == VDIR || vp->v_type == VLNK))
		return EROFS;
	/* CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH (the file-system uid 0):
	 * everything but executing a file with no x bit, decided here
	 * without the owner, which on hostfs is a host call. */
	if (cr->cr_fsuid == 0 && (vp->v_type == VDIR || !(mode & VEXEC)))
		return 0;
	vnode_owner(vp, known, &fmode, &uid, &gid);
	return access_bits(vp, fmode, uid, gid, mode, cr);
}

int
vfs_access(struct vnode *vp, int mode, const struct kauth_cred *cr)
{
	return access_known(vp, mode, cr, NULL);
}

int
walk_access(const struct walker *w, struct vnode *vp, int mode)
{
	return access_known(vp, mode, w->w_cred,
			    w->w_vavp == vp ? &w->w_va : NULL);
}

/* ---- path buffers ------------------------------------------------------ */

/*
 * Each lwp keeps one spare buffer: a 4 KiB malloc per path syscall cost
 * more than the rest of a short lookup (large requests make the host's
 * malloc consolidate its free lists).
 */
char *
path_alloc(void)
{
	struct lwp *l = rumpuser_curlwp();
	char *buf;

	if (l != NULL && (buf = l->l_pathbuf) != NULL) {
		l->l_pathbuf = NULL;
		return buf;
	}
	return kmem_alloc(PATH_MAX_);
}

void
path_free(char *buf)
{
	struct lwp *l = rumpuser_curlwp();

	if (buf == NULL)
		return;
	if (l != NULL && l->l_pathbuf == NULL)
		l->l_pathbuf = buf;
	else
		kmem_free(buf, PATH_MAX_);
}

int
path_copyin(const char *upath, char *buf, bool allow_empty)
{
	int error;

	if (buf == NULL)
		return ENOMEM;
	if ((error = copyinstr(upath, buf, PATH_MAX_, NULL)) != 0)
		return error;
	if (buf[0] == '\0' && !allow_empty)
		return ENOENT;
	return 0;
}

/* ---- the walker -------------------------------------------------------- */

static struct vnode *
proc_getdir(struct proc *p, bool root)
{
	struct vnode *vp;

	mutex_enter(&p->p_lock);
	vp = root ? p->p_root : p->p_cwd;
	if (vp != NULL)
		vnode_ref(vp);
	mutex_exit(&p->p_lock);
	return vp;
}

void
walker_init(struct walker *w, struct lwp *l)
{
	w->w_lwp = l;
	w->w_cred = l->l_cred;
	w->w_root = proc_getdir(l->l_proc, true);
	w->w_nlinks = 0;
	w->w_buf[0] = w->w_buf[1] = NULL;
	w->w_cur = 0;
	w->w_vavp = NULL;
	w->w_resolve = 0;
	w->w_base = NULL;
	w->w_mnt = NULL;
}

void
walker_fini(struct walker *w)
{
	if (w->w_root != NULL)
		vnode_rele(w->w_root);
	if (w->w_base != NULL)
		vnode_rele(w->w_base);
	path_free(w->w_buf[0]);
	path_free(w->w_buf[1]);
}

int
walk_start(struct walker *w, int dirfd, const char *path, struct vnode **dirp)
{
	struct file *fp;
	struct vnode *vp;

	if (w->w_root == NULL)
		return ENOENT;
	if (path[0] == '/') {
		vnode_ref(w->w_root);
		*dirp = w->w_root;
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		if ((vp = proc_getdir(w->w_lwp->l_proc, false)) == NULL)
			return ENOENT;
		*dirp = vp;
		return 0;
	}
	if ((fp = fd_getfile(w->w_lwp->l_proc, dirfd)) == NULL)
		return EBADF;
	vp = fp->f_vnode;
	if (vp == NULL || (vp->v_type != VDIR && path[0] != '\0')) {
		file_release(fp);
		return ENOTDIR;
	}
	vnode_ref(vp);
	file_release(fp);
	*dirp = vp;
	return 0;
}

int
walk_start_scoped(struct walker *w, int dirfd, const char *path,
		  unsigned resolve, struct vnode **dirp)
{
	struct vnode *dir;
	int error;

	w->w_resolve = resolve;
	if (path[0] == '/' && (resolve & RESOLVE_BENEATH))
		return EXDEV;
	if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) {
		/* dirfd's directory, whatever the path begins with. */
		error = walk_start(w, dirfd, path[0] == '/' ? "." : path, &dir);
		if (error != 0)
			return error;
		vnode_ref(dir);
		if (resolve & RESOLVE_IN_ROOT) {
			vnode_rele(w->w_root);
			w->w_root = dir;
		} else {
			w->w_base = dir;
		}
	} else if ((error = walk_start(w, dirfd, path, &dir)) != 0) {
		return error;
	}
	w->w_mnt = dir->v_mount;
	*dirp = dir;
	return 0;
}

int
walk_same_mount(const struct walker *w, const struct vnode *vp)
{
	if ((w->w_resolve & RESOLVE_NO_XDEV) && vp->v_mount != w->w_mnt)
		return EXDEV;
	return 0;
}

/* Go to the walk's root from the held directory *dirp (an absolute path
 * or symlink); a scoped walk may refuse to (EXDEV). */
static int
walk_jump_root(struct walker *w, struct vnode **dirp)
{
	int error;

	if (w->w_resolve & RESOLVE_BENEATH)
		return EXDEV;
	if ((error = walk_same_mount(w, w->w_root)) != 0)
		return error;
	vnode_rele(*dirp);
	*dirp = w->w_root;
	vnode_ref(*dirp);
	return 0;
}

struct vnode *
cross_down(struct vnode *vp)
{
	struct mount *mp;
	struct vnode *root = NULL;

	while (__predict_false(atomic_load_acq(&vp->v_mountedhere) != NULL)) {
		rw_enter_read(&mount_lock);
		mp = vp->v_mountedhere;
		if (mp != NULL) {
			root = mp->mnt_root;
			vnode_ref(root);
		}
		rw_exit(&mount_lock);
		if (mp == NULL)
			break;
		vnode_rele(vp);
		vp = root;
	}
	return vp;
}

/* ".." from the held directory *dirp, staying at the process root and
 * crossing mount roots upwards. */
static int
walk_dotdot(struct walker *w, struct vnode **dirp)
{
	struct vnode *dir = *dirp, *up;
	struct mount *mp;
	int error;

	for (;;) {
		if (dir == w->w_root)
			return 0;
		mp = dir->v_mount;
		if (dir != mp->mnt_root || mp->mnt_vnodecovered == NULL)
			break;
		if (atomic_load_acq(&mp->mnt_detached))
			return 0; /* a detached tree is its own root */
		/* The covered vnode is held by the mount, which our
		 * reference on its root keeps. */
		up = mp->mnt_vnodecovered;
		vnode_ref(up);
		vnode_rele(dir);
		*dirp = dir = up;
	}
	if ((error = vnode_lookup(dir, "..", 2, &up, NULL)) != 0)
		return error;
	vnode_rele(dir);
	*dirp = up;
	return 0;
}

int
walk_readlink(struct walker *w, struct vnode *vp, const char *rest,
	      const char **pathp)
{
	char *buf;
	size_t len, rlen;
	int error;

	if (++w->w_nlinks > SYMLOOP_MAX_ ||
	    (w->w_resolve & RESOLVE_NO_SYMLINKS))
		return ELOOP;
	w->w_cur ^= 1;
	if (w->w_buf[w->w_cur] == NULL &&
	    (w->w_buf[w->w_cur] = path_alloc()) == NULL)
		return ENOMEM;
	buf = w->w_buf[w->w_cur];
	if (vp->v_op->vop_readlink == NULL)
		return EINVAL;
	if ((error = vp->v_op->vop_readlink(vp, buf, PATH_MAX_, &len)) != 0)
		return error;
	if (len == 0)
		return ENOENT;
	if (len >= PATH_MAX_)
		return ENAMETOOLONG;
	if (rest != NULL && *rest != '\0') {
		rlen = kstrlen(rest);
		if (len + 1 + rlen >= PATH_MAX_)
			return ENAMETOOLONG;
		buf[len++] = '/';
		memcpy(buf + len, rest, rlen);
		len += rlen;
	}
	buf[len] = '\0';
	*pathp = buf;
	return 0;
}

int
name_too_long(struct vnode *dir)
{
	struct vattr va;

	/* Linux's lookup refuses a dead directory first (ENOENT); the
	 * file system's lookup then the length. */
	if (dir->v_op->vop_getattr(dir, &va) == 0 && va.va_nlink == 0)
		return ENOENT;
	return ENAMETOOLONG;
}

/*
 * Drop the walk's reference on vp: a full one (counted), or vop_lookup's,
 * which does not count against the mount.  Going from a directory to a
 * child found by vop_lookup, the walk drops the directory's as if it
 * were the child's kind: its mount count passes to the child, in the
 * same mount, and each component costs two atomic operations fewer.
 */
static inline void
walk_put(struct vnode *vp, bool counted)
{
	if (counted)
		vnode_rele(vp);
	else
		vnode_namerele(vp);
}

int
walk(struct walker *w, struct vnode *dir, const char *p, unsigned flags,
     struct walkres *res)
{
	struct vnode *child;
	const char *c, *q;
	size_t len;
	bool last, trail, counted;
	int error;

	if (*p == '/' && (error = walk_jump_root(w, &dir)) != 0) {
		vnode_rele(dir);
		return error;
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* The path names the directory we are at ("/",
			 * or what a symlink to a directory ended in). */
			if (flags & WALK_PARENT) {
				res->dvp = dir;
				res->namelen = 0;
				res->name[0] = '\0';
				res->trail = true;
			} else {
				res->vp = dir;
			}
			return 0;
		}
		for (c = p; *p != '\0' && *p != '/'; p++)
			continue;
		len = (size_t)(p - c);
		for (q = p; *q == '/'; q++)
			continue;
		last = *q == '\0';
		trail = last && q != p;
		if (dir->v_type != VDIR) {
			error = ENOTDIR;
			break;
		}
		if ((error = walk_access(w, dir, VEXEC)) != 0)
			break;
		if (last && (flags & WALK_PARENT)) {
			/* A name too long is refused where it is looked up
			 * (lookup_name), after what Linux checks first
			 * (the other path of a rename or link, "." and
			 * ".."): only its length is kept. */
			if (len <= NAME_MAX_)
				memcpy(res->name, c, len);
			res->name[len <= NAME_MAX_ ? len : 0] = '\0';
			res->namelen = len;
			res->trail = trail;
			res->dvp = dir;
			return 0;
		}
		if (len > NAME_MAX_) {
			error = name_too_long(dir);
			break;
		}
		if (len == 1 && c[0] == '.') {
			child = dir;
			vnode_namehold(child);
			counted = false;
		} else if (len == 2 && c[0] == '.' && c[1] == '.') {
			w->w_vavp = NULL;
			if (dir == w->w_base) { /* RESOLVE_BENEATH's floor */
				error = EXDEV;
				break;
			}
			vnode_ref(dir);
			child = dir;
			counted = true; /* ".." may leave the mount */
			if ((error = walk_dotdot(w, &child)) != 0) {
				vnode_rele(child);
				break;
			}
		} else {
			w->w_va.va_type = VNON;
			error = dir->v_op->vop_lookup(dir, c, len, &child,
						      &w->w_va);
			if (error != 0)
				break;
			/* Across a mount point the attributes are not the
			 * result's: the pointers then differ. */
			w->w_vavp = w->w_va.va_type != VNON ? child : NULL;
			counted = false;
			if (atomic_load_acq(&child->v_mountedhere) != NULL) {
				vnode_count(child);
				counted = true;
				child = cross_down(child);
			}
		}
		if (__predict_false(w->w_resolve != 0) &&
		    (error = walk_same_mount(w, child)) != 0) {
			walk_put(child, counted);
			break;
		}
		if (child->v_type == VLNK &&
		    (!last || trail || (flags & NI_FOLLOW))) {
			const char *np;

			error = walk_readlink(w, child, last ? NULL : q, &np);
			walk_put(child, counted);
			w->w_vavp = NULL;
			if (error != 0)
				break;
			/* "link/" follows to the end and wants a directory,
			 * but is not "link/.": no search permission on it. */
			if (trail)
				flags |= NI_FOLLOW | NI_DIRECTORY;
			if (np[0] == '/' &&
			    (error = walk_jump_root(w, &dir)) != 0)
				break;
			p = np;
			continue;
		}
		if (last) {
			if ((trail || (flags & NI_DIRECTORY)) &&
			    child->v_type != VDIR) {
				walk_put(child, counted);
				error = ENOTDIR;
				break;
			}
			walk_put(dir, counted);
			res->vp = child;
			return 0;
		}
		walk_put(dir, counted);
		dir = child;
		p = q;
	}
	vnode_rele(dir);
	return error;
}

int
namei_attr(struct lwp *l, int dirfd, const char *kpath, unsigned flags,
	   struct vnode **vpp, struct vattr *vap)
{
	struct walker w;
	struct walkres res;
	struct vnode *dir;
	int error;

	if (vap != NULL)
		vap->va_type = VNON;
	walker_init(&w, l);
	if (kpath[0] == '\0') {
		if (!(flags & NI_EMPTYPATH)) {
			walker_fini(&w);
			return ENOENT;
		}
		if (dirfd == AT_FDCWD)
			kpath = ".";
	}
	error = walk_start(&w, dirfd, kpath, &dir);
	if (error == 0 && kpath[0] == '\0') {
		*vpp = dir;
		walker_fini(&w);
		return 0;
	}
	if (error == 0 && (error = walk(&w, dir, kpath, flags, &res)) == 0) {
		*vpp = res.vp;
		if (vap != NULL && w.w_vavp == res.vp)
			*vap = w.w_va;
	}
	walker_fini(&w);
	return error;
}

int
namei(struct lwp *l, int dirfd, const char *kpath, unsigned flags,
      struct vnode **vpp)
{
	return namei_attr(l, dirfd, kpath, flags, vpp, NULL);
}

int
namei_user(struct lwp *l, int dirfd, const char *upath, unsigned flags,
	   struct vnode **vpp)
{
	char buf[PATH_MAX_];
	int error;

	error = path_copyin(upath, buf, (flags & NI_EMPTYPATH) != 0);
	if (error == 0)
		error = namei(l, dirfd, buf, flags, vpp);
	return error;
}

int
namei_kernel(const char *kpath, struct vnode **vpp)
{
	struct walker w;
	struct walkres res;
	int error;

	w.w_lwp = NULL;
	w.w_cred = initproc->p_cred;
	w.w_root = rootvnode;
	vnode_ref(rootvnode);
	w.w_nlinks = 0;
	w.w_buf[0] = w.w_buf[1] = NULL;
	w.w_cur = 0;
	w.w_vavp = NULL;
	w.w_resolve = 0;
	w.w_base = NULL;
	w.w_mnt = NULL;
	vnode_ref(rootvnode);
	error = walk(&w, rootvnode, kpath, NI_FOLLOW, &res);
	if (error == 0)
		*vpp = res.vp;
	walker_fini(&w);
	return error;
}
