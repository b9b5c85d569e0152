/*
 * xattr.h: a store of extended attributes (name, value pairs) for one
 * inode, and the request that carries an xattr operation from the
 * syscalls (vfs/vfs_xattr.c) to whoever keeps the attributes: a file
 * system's vop_xattr (vnode.h) or a vnodeless file's fo_xattr (file.h).
 *
 * The syscall layer has done everything that is not the store's: the
 * name's length and namespace, the namespace's permission rules, write
 * permission, EROFS.  The keeper only stores, finds and lists, and
 * stamps its ctime after a change.
 *
 * Names are kept in Linux's tmpfs order (simple_xattr's tree, listed
 * from the greatest name down: "user.b" before "user.a" before
 * "trusted.x"), so a listing matches the host's byte for byte.
 *
 * Locking: xs_lock (a reader/writer lock, a leaf) protects the entry
 * array; get and list read, set and remove write.  The store does not
 * free itself: its owner calls xattrs_fini when the inode goes, when no
 * request can be running on it.
 */
#ifndef RUMP_KERN_XATTR_H
#define RUMP_KERN_XATTR_H

#include "kernel.h"
#include "lock.h"

/* Linux's limits (XATTR_NAME_MAX, XATTR_SIZE_MAX, XATTR_LIST_MAX). */
#define XATTR_NAME_MAX_ 255
#define XATTR_SIZE_MAX_ 65536
#define XATTR_LIST_MAX_ 65536
/* setxattr flags */
#define XATTR_CREATE_ 0x1
#define XATTR_REPLACE_ 0x2

/*
 * XOP_GETACL and XOP_SETACL reach a file without a vnode that keeps
 * POSIX ACLs (acl.h: a memfd), as vop_getacl and vop_setacl (vnode.h)
 * do a vnode's: the VFS has checked everything.  GETACL: xr_acl gets a
 * held reference to the ACL of type xr_acltype or NULL, xr_mode the
 * mode's 07777 bits with it.  SETACL: xr_acl (NULL: none) becomes the
 * ACL of type xr_acltype and, with xr_setmode, xr_mode the mode's
 * 07777 bits at once; ctime is stamped.  xr_name is the ACL's xattr
 * name.  A keeper without ACLs answers EOPNOTSUPP.
 */
enum xattr_op {
	XOP_GET,
	XOP_SET,
	XOP_REMOVE,
	XOP_LIST,
	XOP_GETACL,
	XOP_SETACL
};

struct acl;

struct xattr_req {
	enum xattr_op xr_op;
	const char *xr_name; /* GET, SET, REMOVE: the full name */
	/* GET, LIST: a kernel buffer of xr_size bytes (0: tell the length
	 * only); SET: the value (never NULL; "" for an empty one). */
	void *xr_buf;
	size_t xr_size;
	int xr_flags;    /* SET: XATTR_CREATE_, XATTR_REPLACE_ */
	bool xr_trusted; /* LIST: show trusted.* (the caller is privileged) */
	size_t xr_len;   /* GET, LIST: the value's or list's length */
	/* GETACL, SETACL */
	int xr_acltype;
	struct acl *xr_acl;
	mode_t xr_mode;
	bool xr_setmode;
};

struct xattr_ent;

struct xattrs {
	krwlock_t xs_lock;
	struct xattr_ent **xs_ents; /* sorted, greatest name first */
	unsigned xs_n, xs_cap;
};

void xattrs_init(struct xattrs *xs);
/* Free every attribute; returns the space they took (xattr_space). */
size_t xattrs_fini(struct xattrs *xs);

/*
 * Run a request.  GET: ENODATA, ERANGE (xr_size not 0 and too small);
 * xr_len is the length.  SET: EEXIST (XATTR_CREATE_), ENODATA
 * (XATTR_REPLACE_), ENOMEM.  REMOVE: ENODATA.  LIST: the names (each
 * with its NUL) of every attribute, trusted.* only with xr_trusted;
 * ERANGE when xr_size is not 0 and too small.  *freedp (may be NULL)
 * gets the space (xattr_space) of an attribute a SET replaced or a
 * REMOVE removed, else 0.
 */
int xattrs_request(struct xattrs *xs, struct xattr_req *rq, size_t *freedp);

/*
 * The namespaces Linux's tmpfs keeps: user.*, trusted.* and security.*,
 * with a name after the prefix.  0; EINVAL for a prefix alone;
 * EOPNOTSUPP for the rest (system.*: the POSIX ACLs never get here,
 * they are kept apart, acl.h).
 */
int xattr_tmpfs_name(const char *name);

/*
 * Linux's sockfs, for a socket's fo_xattr: system.sockprotoname reads as
 * `proto' (with its NUL) and is the one name listed; security.* goes to
 * the LSM hook, which has nothing (EINVAL for the prefix alone, EAGAIN
 * to remove, EOPNOTSUPP otherwise); the rest is EOPNOTSUPP.
 */
int xattr_sockfs_request(struct xattr_req *rq, const char *proto);

/*
 * A write, truncation or allocation of the file, or a chown of it, drops
 * its file capabilities (Linux's file_remove_privs and ATTR_KILL_PRIV:
 * security.capability goes, whoever the caller).  Returns the space the
 * attribute took, or 0 when there was none.
 */
size_t xattrs_killpriv(struct xattrs *xs);

/* The space one attribute takes in a mount's inode budget, Linux's
 * simple_xattr_space(): a fixed 40 bytes, the name and the value. */
static inline size_t
xattr_space(const char *name, size_t size)
{
	return 40 + kstrlen(name) + size;
}

#endif /* RUMP_KERN_XATTR_H */
