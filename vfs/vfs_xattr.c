/*
 * vfs_xattr.c: the extended-attribute system calls (setxattr, getxattr,
 * listxattr, removexattr in their path, l- and f- forms, and the *xattrat
 * calls of Linux 6.13), with Linux's rules in Linux's order:
 *
 *  1. the arguments: flags (EINVAL), the name (ERANGE: empty or over
 *     255 bytes), the value's size (E2BIG over 64 KiB), the copies
 *     (EFAULT);
 *  2. the file: a path (ENOENT, ...) or a descriptor (EBADF, also for
 *     O_PATH ones, which name no open file here);
 *  3. for changes, a read-only mount (EROFS), and security.capability's
 *     value (EINVAL) and privilege (EPERM);
 *  4. the namespace's rules (Linux's xattr_permission): security.* and
 *     system.* have none of the VFS's; trusted.* needs privilege (EPERM
 *     to change, ENODATA to read, hidden from lists); user.* lives only
 *     on regular files and directories (EPERM to change, ENODATA to
 *     read) and in a sticky directory is changed only by its owner or a
 *     caller with CAP_FOWNER (EPERM); user.* and unknown namespaces then
 *     need read or write permission on the file (EACCES);
 *  5. changes of security.* need CAP_SYS_ADMIN (EPERM; the capability
 *     LSM's rule);
 *  6. the name's namespace: unknown, or system.* other than the ACLs,
 *     EOPNOTSUPP; a bare prefix ("user.") EINVAL; a file whose inode
 *     keeps no attributes EOPNOTSUPP (a file without a vnode answers
 *     for its own namespaces: a socket has system.sockprotoname);
 *  7. the keeper (vop_xattr or fo_xattr): ENODATA, EEXIST, ERANGE,
 *     ENOSPC.
 * listxattr checks no permission and lists an empty set for a file
 * whose inode keeps no attributes.
 *
 * POSIX ACLs (system.posix_acl_access, system.posix_acl_default, acl.h)
 * take Linux's own path (its do_set_acl, do_get_acl, vfs_remove_acl):
 * after the arguments, the file and EROFS, a value is parsed (EINVAL,
 * EOPNOTSUPP for another version; an empty value or a bare header
 * removes); a file whose file system keeps no ACLs, or a symlink, is
 * EOPNOTSUPP (of the files without a vnode, memfds keep them, through
 * fo_xattr's XOP_GETACL and XOP_SETACL: xattr.h); a default ACL on a non-directory EACCES (removing one
 * succeeds, changing nothing); then only the owner or CAP_FOWNER
 * (EPERM), then the ACL's validity (EINVAL).  The setxattr flags are
 * ignored, a removal of an ACL that is not there succeeds, reading one
 * that is not there is ENODATA, and reading checks no permission.  An
 * access ACL that says no more than the mode only sets the mode, and
 * a caller neither in the file's group nor with CAP_FSETID loses
 * S_ISGID by any change of it (Linux's posix_acl_update_mode).
 * listxattr names the ACLs a file has before its other attributes.
 *
 * Privilege: CAP_SYS_ADMIN and CAP_SETFCAP are an effective uid of 0
 * (cred_privileged), CAP_FOWNER and CAP_DAC_OVERRIDE a file-system uid
 * of 0 (cred_fs_privileged), as in the rest of the kernel.
 */
#include <linux/fcntl.h>
#include <linux/stat.h>

#include "acl.h"
#include "cred.h"
#include "inotify.h"
#include "fd.h"
#include "proc.h"
#include "syscall.h"
#include "xattr.h"
#include "vfs.h"
#include "vfs_int.h"

/* The *xattrat calls' argument block (Linux's struct xattr_args). */
struct xattr_args_ {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};
#define XATTR_ARGS_SIZE_VER0_ 16
#define XARGS_MAX 4096 /* PAGE_SIZE: a larger block is E2BIG */

/* security.capability's value (struct vfs_cap_data / vfs_ns_cap_data). */
#define XATTR_NAME_CAPS_ "security.capability"
#define VFS_CAP_REVISION_MASK_ 0xff000000u
#define VFS_CAP_REVISION_2_ 0x02000000u
#define VFS_CAP_REVISION_3_ 0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE_ 0x000001u
#define XATTR_CAPS_SZ_2_ 20
#define XATTR_CAPS_SZ_3_ 24

enum xns { XNS_USER, XNS_TRUSTED, XNS_SECURITY, XNS_SYSTEM, XNS_OTHER };

static const struct {
	const char *prefix;
	size_t len;
	enum xns ns;
} xprefixes[] = {
	{ "user.", 5, XNS_USER },
	{ "trusted.", 8, XNS_TRUSTED },
	{ "security.", 9, XNS_SECURITY },
	{ "system.", 7, XNS_SYSTEM },
};

/* The namespace of a name. */
static enum xns
xattr_ns(const char *name)
{
	for (size_t i = 0; i < sizeof(xprefixes) / sizeof(xprefixes[0]); i++)
		if (kstrncmp(name, xprefixes[i].prefix, xprefixes[i].len) == 0)
			return xprefixes[i].ns;
	return XNS_OTHER;
}

/* ---- the file a call is on --------------------------------------------- */

/* A vnode, or an open file without one (a memfd, a pipe, ...). */
struct xtarget {
	struct vnode *vp; /* held */
	struct file *fp;  /* held, when vp is NULL */
};

static void
target_done(struct xtarget *t)
{
	if (t->vp != NULL)
		vnode_rele(t->vp);
	if (t->fp != NULL)
		file_release(t->fp);
}

/* The f- forms: the open file on fd (O_PATH descriptors are EBADF). */
static int
target_fd(struct lwp *l, int fd, struct xtarget *t)
{
	struct file *fp;

	t->vp = NULL;
	t->fp = NULL;
	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return EBADF;
	if (file_flag(fp) & O_PATH) {
		file_release(fp);
		return EBADF;
	}
	if (fp->f_vnode != NULL) {
		t->vp = fp->f_vnode;
		vnode_ref(t->vp);
		file_release(fp);
	} else {
		t->fp = fp;
	}
	return 0;
}

/*
 * A path relative to dirfd: `follow' for the plain forms, not for the
 * l- forms.  With AT_EMPTY_PATH (the *at forms), a NULL or empty path
 * names dirfd itself: its open file (as the f- forms) when dirfd is a
 * descriptor, the cwd for AT_FDCWD.
 */
static int
target_path(struct lwp *l, int dirfd, const char *upath, bool follow,
	    bool emptyok, struct xtarget *t)
{
	char *buf;
	int error;

	t->vp = NULL;
	t->fp = NULL;
	if (upath == NULL && emptyok) {
		buf = NULL;
	} else {
		buf = path_alloc();
		if ((error = path_copyin(upath, buf, emptyok)) != 0) {
			path_free(buf);
			return error;
		}
	}
	if ((buf == NULL || buf[0] == '\0') && dirfd >= 0) {
		path_free(buf);
		return target_fd(l, dirfd, t);
	}
	error = namei(l, dirfd, buf != NULL ? buf : "",
		      (follow ? NI_FOLLOW : 0) | (emptyok ? NI_EMPTYPATH : 0),
		      &t->vp);
	path_free(buf);
	return error;
}

/* The inode's type, permission bits and owner. */
static int
target_attrs(struct xtarget *t, struct vattr *va)
{
	struct stat st;
	int error;

	if (t->vp != NULL)
		return t->vp->v_op->vop_getattr(t->vp, va);
	if ((error = t->fp->f_ops->fo_stat(t->fp, &st)) != 0)
		return error;
	memset(va, 0, sizeof(*va));
	va->va_type = ifmt_to_vtype(st.st_mode & S_IFMT);
	va->va_mode = st.st_mode & 07777;
	va->va_uid = st.st_uid;
	va->va_gid = st.st_gid;
	return 0;
}

static bool
target_keeps(const struct xtarget *t)
{
	if (t->vp != NULL)
		return t->vp->v_op->vop_xattr != NULL;
	return t->fp->f_ops->fo_xattr != NULL;
}

static int
target_request(struct xtarget *t, struct xattr_req *rq)
{
	if (t->vp != NULL)
		return t->vp->v_op->vop_xattr(t->vp, rq);
	return t->fp->f_ops->fo_xattr(t->fp, rq);
}

/* ---- the rules --------------------------------------------------------- */

/* Step 4 of the header: the namespace's rules and file permission. */
static int
xattr_permission(struct xtarget *t, enum xns ns, bool write,
		 const struct kauth_cred *cr)
{
	struct vattr va;
	int error;

	if (ns == XNS_SECURITY || ns == XNS_SYSTEM)
		return 0;
	if (ns == XNS_TRUSTED) {
		if (!cred_privileged(cr))
			return write ? EPERM : ENODATA;
		return 0;
	}
	if ((error = target_attrs(t, &va)) != 0)
		return error;
	if (ns == XNS_USER) {
		if (va.va_type != VREG && va.va_type != VDIR)
			return write ? EPERM : ENODATA;
		if (va.va_type == VDIR && (va.va_mode & S_ISVTX) && write &&
		    va.va_uid != cr->cr_fsuid && !cred_fs_privileged(cr))
			return EPERM;
	}
	if (t->vp != NULL)
		return vfs_access(t->vp, write ? VWRITE : VREAD, cr);
	return vfs_access_attr(&va, write ? VWRITE : VREAD, cr);
}

/* Step 6: whether the keeper has the name's namespace at all.  A file
 * system keeps tmpfs's namespaces; a file without a vnode answers for
 * its own (file.h, fo_xattr). */
static int
xattr_resolve(struct xtarget *t, const char *name)
{
	if (!target_keeps(t))
		return EOPNOTSUPP;
	return t->vp != NULL ? xattr_tmpfs_name(name) : 0;
}

static int
check_rofs(struct xtarget *t)
{
	if (t->vp != NULL &&
	    (atomic_load_relaxed(&t->vp->v_mount->mnt_flags) & MNT_RDONLY))
		return EROFS;
	return 0;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/*
 * A value for security.capability (Linux's cap_convert_nscap): a
 * revision 2 header of 20 bytes or a revision 3 one of 24 (EINVAL
 * otherwise), set only with CAP_SETFCAP (EPERM).  Revision 3 names the
 * namespace's root; ours is the initial one, where a root of 0 is
 * stored, and read back, as revision 2, and any other as revision 3
 * with only the effective flag kept.  *sizep may shrink.
 */
static int
caps_convert(unsigned char *val, size_t *sizep, const struct kauth_cred *cr)
{
	size_t size = *sizep;
	uint32_t magic, rev;

	if (size < 4)
		return EINVAL;
	magic = le32(val);
	rev = magic & VFS_CAP_REVISION_MASK_;
	if (!((size == XATTR_CAPS_SZ_2_ && rev == VFS_CAP_REVISION_2_) ||
	      (size == XATTR_CAPS_SZ_3_ && rev == VFS_CAP_REVISION_3_)))
		return EINVAL;
	if (!cred_privileged(cr))
		return EPERM;
	if (rev == VFS_CAP_REVISION_2_)
		return 0;
	if (le32(val + 20) == 0) {
		put_le32(val, VFS_CAP_REVISION_2_ |
				      (magic & VFS_CAP_FLAGS_EFFECTIVE_));
		*sizep = XATTR_CAPS_SZ_2_;
	} else {
		put_le32(val, VFS_CAP_REVISION_3_ |
				      (magic & VFS_CAP_FLAGS_EFFECTIVE_));
	}
	return 0;
}

/* ---- POSIX ACLs ----------------------------------------------------------- */

static const char *const acl_names[2] = { ACL_XATTR_ACCESS, ACL_XATTR_DEFAULT };

/* The ACL of `type' (held, or NULL) and the mode with it: a vnode's
 * file system's, or a file's without a vnode (fo_xattr's XOP_GETACL:
 * EOPNOTSUPP when it keeps none). */
static int
target_getacl(struct xtarget *t, int type, struct acl **aclp, mode_t *modep)
{
	struct xattr_req rq = { .xr_op = XOP_GETACL };
	int error;

	if (t->vp != NULL)
		return t->vp->v_op->vop_getacl(t->vp, type, aclp, modep);
	rq.xr_name = acl_names[type];
	rq.xr_acltype = type;
	if ((error = t->fp->f_ops->fo_xattr(t->fp, &rq)) != 0)
		return error;
	*aclp = rq.xr_acl;
	if (modep != NULL)
		*modep = rq.xr_mode;
	return 0;
}

static int
target_setacl(struct xtarget *t, int type, struct acl *acl, const mode_t *modep)
{
	struct xattr_req rq = { .xr_op = XOP_SETACL };

	if (t->vp != NULL)
		return t->vp->v_op->vop_setacl(t->vp, type, acl, modep);
	rq.xr_name = acl_names[type];
	rq.xr_acltype = type;
	rq.xr_acl = acl;
	rq.xr_setmode = modep != NULL;
	rq.xr_mode = modep != NULL ? *modep : 0;
	return t->fp->f_ops->fo_xattr(t->fp, &rq);
}

/* Whether the file keeps ACLs: a vnode whose file system does (not a
 * symlink), a file without one whose type does (a memfd). */
static bool
target_acls(struct xtarget *t)
{
	struct acl *acl;

	if (t->vp != NULL)
		return t->vp->v_op->vop_setacl != NULL && t->vp->v_type != VLNK;
	if (t->fp->f_ops->fo_xattr == NULL ||
	    target_getacl(t, ACL_TYPE_ACCESS_, &acl, NULL) != 0)
		return false;
	acl_rele(acl);
	return true;
}

/* Set (acl not NULL) or remove an ACL of `type': Linux's
 * set_posix_acl and posix_acl_update_mode. */
static int
acl_set(struct xtarget *t, int type, struct acl *acl,
	const struct kauth_cred *cr)
{
	struct vattr va;
	mode_t mode;
	int error;

	if (!target_acls(t))
		return EOPNOTSUPP;
	if ((error = target_attrs(t, &va)) != 0)
		return error;
	if (type == ACL_TYPE_DEFAULT_ && va.va_type != VDIR)
		return acl != NULL ? EACCES : 0;
	if (va.va_uid != cr->cr_fsuid && !cred_fs_privileged(cr))
		return EPERM;
	if (acl != NULL && (error = acl_valid(acl)) != 0)
		return error;
	if (type == ACL_TYPE_DEFAULT_)
		return target_setacl(t, type, acl, NULL);
	mode = va.va_mode & 07777;
	if (acl != NULL && !acl_equiv_mode(acl, &mode))
		acl = NULL; /* the mode says it all */
	if (!cred_fs_privileged(cr) && !vfs_groupmember(cr, va.va_gid))
		mode &= ~(mode_t)S_ISGID;
	return target_setacl(t, type, acl, &mode);
}

/* Read an ACL into kbuf (size bytes; 0: the length only): ENODATA,
 * ERANGE, EOPNOTSUPP. */
static int
acl_get(struct xtarget *t, int type, void *kbuf, size_t size, size_t *lenp)
{
	struct acl *acl;
	mode_t mode;
	int error;

	if (!target_acls(t))
		return EOPNOTSUPP;
	if ((error = target_getacl(t, type, &acl, &mode)) != 0)
		return error;
	if (acl == NULL)
		return ENODATA;
	*lenp = acl_xattr_size(acl);
	if (size != 0 && size < *lenp)
		error = ERANGE;
	else if (size != 0)
		acl_to_xattr(acl, type == ACL_TYPE_ACCESS_, mode, kbuf);
	acl_rele(acl);
	return error;
}

/* The names of the ACLs the file has, into buf (size bytes; 0: count
 * only): ERANGE. */
static int
acl_list(struct xtarget *t, char *buf, size_t size, size_t *lenp)
{
	struct acl *acl;
	size_t n;

	*lenp = 0;
	if (!target_acls(t))
		return 0;
	for (int type = 0; type < 2; type++) {
		if (target_getacl(t, type, &acl, NULL) != 0 || acl == NULL)
			continue;
		acl_rele(acl);
		n = kstrlen(acl_names[type]) + 1;
		if (size != 0) {
			if (*lenp + n > size)
				return ERANGE;
			memcpy(buf + *lenp, acl_names[type], n);
		}
		*lenp += n;
	}
	return 0;
}

/* ---- arguments --------------------------------------------------------- */

/* A name: EFAULT, ERANGE (empty, or no NUL within 256 bytes). */
static int
name_copyin(const char *uname, char *kname)
{
	size_t done;
	int error = copyinstr(uname, kname, XATTR_NAME_MAX_ + 1, &done);

	if (error == ENAMETOOLONG)
		return ERANGE;
	if (error == 0 && kname[0] == '\0')
		return ERANGE;
	return error;
}

/* What a set asks: Linux's setxattr_copy. */
struct xset {
	char name[XATTR_NAME_MAX_ + 1];
	unsigned char *val; /* kmem, or NULL for an empty value */
	size_t size;
	int flags;
};

static int
xset_copyin(const char *uname, const void *uval, size_t size, int flags,
	    struct xset *s)
{
	int error;

	s->val = NULL;
	s->size = size;
	s->flags = flags;
	if ((unsigned)flags & ~(unsigned)(XATTR_CREATE_ | XATTR_REPLACE_))
		return EINVAL;
	if ((error = name_copyin(uname, s->name)) != 0)
		return error;
	if (size > XATTR_SIZE_MAX_)
		return E2BIG;
	if (size == 0)
		return 0;
	if ((s->val = kmem_alloc(size)) == NULL)
		return ENOMEM;
	if ((error = copyin(uval, s->val, size)) != 0) {
		kmem_free(s->val, size);
		s->val = NULL;
	}
	return error;
}

static void
xset_done(struct xset *s, size_t allocated)
{
	if (s->val != NULL)
		kmem_free(s->val, allocated);
}

/* The *xattrat calls' block: EINVAL (too small), E2BIG (over a page,
 * or bytes we do not know that are not zero), EFAULT. */
static int
xargs_copyin(const void *uargs, size_t usize, struct xattr_args_ *a)
{
	unsigned char chunk[256];
	size_t off, n;
	int error;

	if (usize < XATTR_ARGS_SIZE_VER0_)
		return EINVAL;
	if (usize > XARGS_MAX)
		return E2BIG;
	for (off = sizeof(*a); off < usize; off += n) {
		n = MIN(sizeof(chunk), usize - off);
		if ((error = copyin((const char *)uargs + off, chunk, n)) != 0)
			return error;
		for (size_t i = 0; i < n; i++)
			if (chunk[i] != 0)
				return E2BIG;
	}
	return copyin(uargs, a, sizeof(*a));
}

#define AT_XATTR_FLAGS (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)

/* ---- the operations ---------------------------------------------------- */

/* How a call names its file: a descriptor (the f- forms) or a path. */
struct xwhere {
	bool byfd;
	int fd;
	int dirfd;
	const char *upath;
	bool follow;
	bool at; /* an *at call: AT_EMPTY_PATH given */
};

static int
target_get(struct lwp *l, const struct xwhere *w, struct xtarget *t)
{
	if (w->byfd)
		return target_fd(l, w->fd, t);
	return target_path(l, w->dirfd, w->upath, w->follow, w->at, t);
}

/* inotify: a set or removal on vnode t->vp is its IN_ATTRIB, with the
 * parent found by the descriptor's name or the path again. */
static void
xattr_notify(struct lwp *l, const struct xwhere *w, struct xtarget *t)
{
	struct file *fp;
	char *buf;

	if (t->vp == NULL || !inotify_watched(t->vp))
		return;
	if (!w->byfd && w->upath != NULL) {
		buf = path_alloc();
		if (path_copyin(w->upath, buf, w->at) == 0 && buf[0] != '\0') {
			inotify_path(l, w->dirfd, buf, w->follow, t->vp,
				     IN_ATTRIB);
			path_free(buf);
			return;
		}
		path_free(buf);
	}
	fp = fd_getfile(l->l_proc, w->byfd ? w->fd : w->dirfd);
	if (fp != NULL && fp->f_vnode == t->vp)
		inotify_file(fp, IN_ATTRIB);
	else
		inotify_vnode(NULL, NULL, 0, t->vp, IN_ATTRIB);
	if (fp != NULL)
		file_release(fp);
}

static long
do_setxattr(struct lwp *l, const struct xwhere *w, const char *uname,
	    const void *uval, size_t size, int flags)
{
	const struct kauth_cred *cr = l->l_cred;
	struct xattr_req rq = { .xr_op = XOP_SET };
	struct xtarget t;
	struct xset s;
	enum xns ns;
	int error, type;

	if ((error = xset_copyin(uname, uval, size, flags, &s)) != 0)
		return -error;
	if ((error = target_get(l, w, &t)) != 0) {
		xset_done(&s, size);
		return -error;
	}
	ns = xattr_ns(s.name);
	if ((error = check_rofs(&t)) != 0)
		goto out;
	if ((type = acl_xattr_type(s.name)) >= 0) {
		struct acl *acl;

		if ((error = acl_from_xattr(s.val, s.size, &acl)) == 0) {
			error = acl_set(&t, type, acl, cr);
			acl_rele(acl);
		}
		if (error == 0)
			xattr_notify(l, w, &t);
		goto out;
	}
	if (s.size != 0 && kstrcmp(s.name, XATTR_NAME_CAPS_) == 0 &&
	    (error = caps_convert(s.val, &s.size, cr)) != 0)
		goto out;
	if ((error = xattr_permission(&t, ns, true, cr)) != 0)
		goto out;
	/* The capability LSM: security.* needs CAP_SYS_ADMIN, except
	 * security.capability, whose value was checked above (an empty
	 * one passes unchecked, as on Linux; it then reads as EINVAL). */
	if (ns == XNS_SECURITY && !cred_privileged(cr) &&
	    kstrcmp(s.name, XATTR_NAME_CAPS_) != 0) {
		error = EPERM;
		goto out;
	}
	if ((error = xattr_resolve(&t, s.name)) != 0)
		goto out;
	rq.xr_name = s.name;
	rq.xr_buf = s.val != NULL ? (void *)s.val : (void *)"";
	rq.xr_size = s.size;
	rq.xr_flags = s.flags;
	if ((error = target_request(&t, &rq)) == 0)
		xattr_notify(l, w, &t);
out:
	target_done(&t);
	xset_done(&s, size);
	return -error;
}

static long
do_getxattr(struct lwp *l, const struct xwhere *w, const char *uname,
	    void *uval, size_t size)
{
	struct xattr_req rq = { .xr_op = XOP_GET };
	char name[XATTR_NAME_MAX_ + 1];
	struct xtarget t;
	void *kbuf = NULL;
	enum xns ns;
	int error, type;

	if ((error = name_copyin(uname, name)) != 0)
		return -error;
	if ((error = target_get(l, w, &t)) != 0)
		return -error;
	ns = xattr_ns(name);
	type = acl_xattr_type(name);
	/* Reading an ACL checks no permission. */
	if (type < 0 &&
	    ((error = xattr_permission(&t, ns, false, l->l_cred)) != 0 ||
	     (error = xattr_resolve(&t, name)) != 0))
		goto out;
	if (size > XATTR_SIZE_MAX_)
		size = XATTR_SIZE_MAX_;
	if (size != 0 && (kbuf = kmem_alloc(size)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	if (type >= 0) {
		error = acl_get(&t, type, kbuf, size, &rq.xr_len);
		goto done;
	}
	rq.xr_name = name;
	rq.xr_buf = kbuf;
	rq.xr_size = size;
	error = target_request(&t, &rq);
	/* Linux's capability LSM reads security.capability itself, and
	 * refuses a value that is no capability header (an empty one). */
	if (error == 0 && rq.xr_len == 0 &&
	    kstrcmp(name, XATTR_NAME_CAPS_) == 0)
		error = EINVAL;
done:
	if (error == 0 && size != 0)
		error = copyout(kbuf, uval, rq.xr_len);
out:
	if (kbuf != NULL)
		kmem_free(kbuf, size);
	target_done(&t);
	return error != 0 ? -error : (long)rq.xr_len;
}

static long
do_listxattr(struct lwp *l, const struct xwhere *w, char *ulist, size_t size)
{
	struct xattr_req rq = { .xr_op = XOP_LIST };
	struct xtarget t;
	char *kbuf = NULL;
	size_t alen = 0;
	int error;

	if ((error = target_get(l, w, &t)) != 0)
		return -error;
	if (!target_keeps(&t))
		goto out; /* nothing to list: 0 */
	if (size > XATTR_LIST_MAX_)
		size = XATTR_LIST_MAX_;
	if (size != 0 && (kbuf = kmem_alloc(size)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	/* The ACLs first, then the rest; a full buffer still needs the
	 * rest's length (0 asks only that). */
	if ((error = acl_list(&t, kbuf, size, &alen)) == 0) {
		rq.xr_buf = kbuf != NULL ? kbuf + alen : NULL;
		rq.xr_size = size != 0 ? size - alen : 0;
		rq.xr_trusted = cred_privileged(l->l_cred);
		error = target_request(&t, &rq);
		if (error == 0 && size != 0 && alen == size && rq.xr_len != 0)
			error = ERANGE;
		rq.xr_len += alen;
	}
	if (error == ERANGE && size >= XATTR_LIST_MAX_)
		error = E2BIG;
	if (error == 0 && size != 0)
		error = copyout(kbuf, ulist, rq.xr_len);
out:
	if (kbuf != NULL)
		kmem_free(kbuf, size);
	target_done(&t);
	return error != 0 ? -error : (long)rq.xr_len;
}

static long
do_removexattr(struct lwp *l, const struct xwhere *w, const char *uname)
{
	const struct kauth_cred *cr = l->l_cred;
	struct xattr_req rq = { .xr_op = XOP_REMOVE };
	char name[XATTR_NAME_MAX_ + 1];
	struct xtarget t;
	enum xns ns;
	int error, type;

	if ((error = name_copyin(uname, name)) != 0)
		return -error;
	if ((error = target_get(l, w, &t)) != 0)
		return -error;
	ns = xattr_ns(name);
	if ((error = check_rofs(&t)) != 0)
		goto out;
	if ((type = acl_xattr_type(name)) >= 0) {
		if ((error = acl_set(&t, type, NULL, cr)) == 0)
			xattr_notify(l, w, &t);
		goto out;
	}
	if ((error = xattr_permission(&t, ns, true, cr)) != 0)
		goto out;
	if (ns == XNS_SECURITY && !cred_privileged(cr)) {
		error = EPERM;
		goto out;
	}
	if ((error = xattr_resolve(&t, name)) != 0)
		goto out;
	rq.xr_name = name;
	if ((error = target_request(&t, &rq)) == 0)
		xattr_notify(l, w, &t);
out:
	target_done(&t);
	return -error;
}

/* ---- the system calls -------------------------------------------------- */

#define PATHW(p, fol)                                                          \
	(&(struct xwhere){ .dirfd = AT_FDCWD, .upath = (p), .follow = (fol) })
#define FDW(f) (&(struct xwhere){ .byfd = true, .fd = (f) })

long
sys_setxattr(struct lwp *l, const char *path, const char *name,
	     const void *value, size_t size, int flags)
{
	return do_setxattr(l, PATHW(path, true), name, value, size, flags);
}

long
sys_lsetxattr(struct lwp *l, const char *path, const char *name,
	      const void *value, size_t size, int flags)
{
	return do_setxattr(l, PATHW(path, false), name, value, size, flags);
}

long
sys_fsetxattr(struct lwp *l, int fd, const char *name, const void *value,
	      size_t size, int flags)
{
	return do_setxattr(l, FDW(fd), name, value, size, flags);
}

long
sys_getxattr(struct lwp *l, const char *path, const char *name, void *value,
	     size_t size)
{
	return do_getxattr(l, PATHW(path, true), name, value, size);
}

long
sys_lgetxattr(struct lwp *l, const char *path, const char *name, void *value,
	      size_t size)
{
	return do_getxattr(l, PATHW(path, false), name, value, size);
}

long
sys_fgetxattr(struct lwp *l, int fd, const char *name, void *value, size_t size)
{
	return do_getxattr(l, FDW(fd), name, value, size);
}

long
sys_listxattr(struct lwp *l, const char *path, char *list, size_t size)
{
	return do_listxattr(l, PATHW(path, true), list, size);
}

long
sys_llistxattr(struct lwp *l, const char *path, char *list, size_t size)
{
	return do_listxattr(l, PATHW(path, false), list, size);
}

long
sys_flistxattr(struct lwp *l, int fd, char *list, size_t size)
{
	return do_listxattr(l, FDW(fd), list, size);
}

long
sys_removexattr(struct lwp *l, const char *path, const char *name)
{
	return do_removexattr(l, PATHW(path, true), name);
}

long
sys_lremovexattr(struct lwp *l, const char *path, const char *name)
{
	return do_removexattr(l, PATHW(path, false), name);
}

long
sys_fremovexattr(struct lwp *l, int fd, const char *name)
{
	return do_removexattr(l, FDW(fd), name);
}

static void
at_where(struct xwhere *w, int dirfd, const char *path, unsigned at_flags)
{
	w->byfd = false;
	w->fd = -1;
	w->dirfd = dirfd;
	w->upath = path;
	w->follow = !(at_flags & AT_SYMLINK_NOFOLLOW);
	w->at = (at_flags & AT_EMPTY_PATH) != 0;
}

long
sys_setxattrat(struct lwp *l, int dirfd, const char *path,
	       unsigned int at_flags, const char *name,
	       const struct xattr_args *uargs, size_t usize)
{
	struct xattr_args_ a = { 0 };
	struct xwhere w;
	int error;

	if ((error = xargs_copyin(uargs, usize, &a)) != 0)
		return -error;
	if (at_flags & ~(unsigned)AT_XATTR_FLAGS)
		return -EINVAL;
	at_where(&w, dirfd, path, at_flags);
	return do_setxattr(l, &w, name, (const void *)(uintptr_t)a.value,
			   a.size, (int)a.flags);
}

long
sys_getxattrat(struct lwp *l, int dirfd, const char *path,
	       unsigned int at_flags, const char *name,
	       struct xattr_args *uargs, size_t usize)
{
	struct xattr_args_ a = { 0 };
	struct xwhere w;
	int error;

	if ((error = xargs_copyin(uargs, usize, &a)) != 0)
		return -error;
	if (a.flags != 0)
		return -EINVAL;
	if (at_flags & ~(unsigned)AT_XATTR_FLAGS)
		return -EINVAL;
	at_where(&w, dirfd, path, at_flags);
	return do_getxattr(l, &w, name, (void *)(uintptr_t)a.value, a.size);
}

long
sys_listxattrat(struct lwp *l, int dirfd, const char *path,
		unsigned int at_flags, char *list, size_t size)
{
	struct xwhere w;

	if (at_flags & ~(unsigned)AT_XATTR_FLAGS)
		return -EINVAL;
	at_where(&w, dirfd, path, at_flags);
	return do_listxattr(l, &w, list, size);
}

long
sys_removexattrat(struct lwp *l, int dirfd, const char *path,
		  unsigned int at_flags, const char *name)
{
	struct xwhere w;

	if (at_flags & ~(unsigned)AT_XATTR_FLAGS)
		return -EINVAL;
	at_where(&w, dirfd, path, at_flags);
	return do_removexattr(l, &w, name);
}
