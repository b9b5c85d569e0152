/*
 * vfs_attr.c: the permission rules of chmod, chown and utimensat.
 *
 * Each rule looks at a file's current attributes (type, mode, owner,
 * group) and the caller's credentials, and says what to change (a
 * vattr with va_mask) or why not (an errno), as Linux's notify_change,
 * setattr_prepare and chown_common decide.  Two callers apply the
 * result: vfs_syscalls.c on a vnode (vop_setattr), and on a file
 * without one (memfd, pipes, sockets) through fo_setattr (file.h),
 * which calls the rule under its own attribute lock.
 */
#include <linux/stat.h>
#include <linux/time.h>

#include "cred.h"
#include "vfs.h"
#include "vfs_int.h"

/* Linux's inode_owner_or_capable: the owner, or CAP_FOWNER (fsuid 0). */
static bool
attr_owner_or_capable(const struct vattr *cur, const struct kauth_cred *cr)
{
	return cr->cr_fsuid == 0 || cur->va_uid == cr->cr_fsuid;
}

/* Only NULL, or UTIME_NOW for both, is a touch (Linux's ATTR_TOUCH
 * without ATTR_TIMES_SET). */
static bool
is_touch(const struct timespec *ts)
{
	return ts == NULL ||
	       (ts[0].tv_nsec == UTIME_NOW_ && ts[1].tv_nsec == UTIME_NOW_);
}

int
vattr_chmod(const struct vattr *cur, mode_t mode, const struct kauth_cred *cr,
	    struct vattr *va)
{
	if (!attr_owner_or_capable(cur, cr))
		return EPERM;
	va->va_mask |= VA_MODE;
	va->va_mode = mode & 07777;
	if ((va->va_mode & S_ISGID) && cr->cr_fsuid != 0 &&
	    !vfs_groupmember(cr, cur->va_gid))
		va->va_mode &= ~(mode_t)S_ISGID;
	return 0;
}

int
vattr_chown(const struct vattr *cur, uid_t uid, gid_t gid,
	    const struct kauth_cred *cr, struct vattr *va)
{
	if (uid != (uid_t)-1 && cr->cr_fsuid != 0 &&
	    !(cr->cr_fsuid == cur->va_uid && uid == cur->va_uid))
		return EPERM;
	if (gid != (gid_t)-1 && cr->cr_fsuid != 0 &&
	    !(cr->cr_fsuid == cur->va_uid &&
	      (gid == cur->va_gid || vfs_groupmember(cr, gid))))
		return EPERM;
	if (uid != (uid_t)-1) {
		va->va_mask |= VA_UID;
		va->va_uid = uid;
	}
	if (gid != (gid_t)-1) {
		va->va_mask |= VA_GID;
		va->va_gid = gid;
	}
	if (cur->va_type != VDIR) {
		mode_t m = vn_setid_dropped(cur, cr);

		/* Dropping bits is a change of mode: the owner's. */
		if (m != cur->va_mode && !attr_owner_or_capable(cur, cr))
			return EPERM;
		if (m != cur->va_mode) {
			va->va_mask |= VA_MODE;
			va->va_mode = m;
		}
		va->va_mask |= VA_KILLPRIV;
	}
	return 0;
}

int
vattr_may_touch(const struct vattr *cur, const struct timespec *ts,
		const struct kauth_cred *cr)
{
	if (is_touch(ts) && !attr_owner_or_capable(cur, cr))
		return vfs_access_attr(cur, VWRITE, cr);
	return 0;
}

/* vattr_utimes once a touch was allowed. */
static int
utimes_set(const struct vattr *cur, const struct timespec *ts, int64_t now,
	   const struct kauth_cred *cr, struct vattr *va)
{
	if (!is_touch(ts) && !attr_owner_or_capable(cur, cr))
		return EPERM;
	for (int i = 0; i < 2; i++) {
		int64_t t = now;
		unsigned bit = i == 0 ? VA_ATIME : VA_MTIME;

		if (ts != NULL && ts[i].tv_nsec == UTIME_OMIT_)
			continue;
		if (ts != NULL && ts[i].tv_nsec != UTIME_NOW_)
			t = vfs_time_ns(ts[i].tv_sec, ts[i].tv_nsec);
		va->va_mask |= bit;
		if (i == 0)
			va->va_atime = t;
		else
			va->va_mtime = t;
	}
	va->va_mask |= VA_CTIME;
	va->va_ctime = now;
	return 0;
}

int
vattr_utimes(const struct vattr *cur, const struct timespec *ts, int64_t now,
	     const struct kauth_cred *cr, struct vattr *va)
{
	int error;

	/* A touch is allowed by write permission; anything else sets
	 * times (UTIME_OMIT with UTIME_NOW too: Linux's ATTR_TIMES_SET),
	 * which is for the owner. */
	if ((error = vattr_may_touch(cur, ts, cr)) != 0)
		return error;
	return utimes_set(cur, ts, now, cr, va);
}

int
vattr_utimes_vnode(struct vnode *vp, const struct vattr *cur,
		   const struct timespec *ts, int64_t now,
		   const struct kauth_cred *cr, struct vattr *va)
{
	int error;

	if (is_touch(ts) && !attr_owner_or_capable(cur, cr) &&
	    (error = vfs_access(vp, VWRITE, cr)) != 0)
		return error;
	return utimes_set(cur, ts, now, cr, va);
}
