/*
 * inotify.h: file-system events for inotify(7) (vfs/vfs_inotify.c).
 *
 * An inotify instance is a file (inotify_init1) whose reads return the
 * events of the vnodes it watches (inotify_add_watch).  The VFS reports
 * what happens to vnodes through the calls below; each is cheap to skip:
 * callers first ask inotify_watched(vp), one relaxed load of a count
 * kept in the vnode's mount (how many of its vnodes are watched), so
 * the file syscalls of mounts nobody watches pay nothing else.  Watches
 * live outside vnodes, in a table keyed by vnode (vnodes and tmpfs nodes
 * do not grow).
 *
 * A watched vnode is kept (vnode_namehold: a reference that does not
 * make its mount busy) until its last watch goes: when it is deleted
 * (IN_DELETE_SELF, then IN_IGNORED), when its mount goes (IN_UNMOUNT,
 * IN_IGNORED), by inotify_rm_watch or IN_ONESHOT, or with its instance.
 *
 * Events on a file's parent directory carry the file's name.  Calls that
 * change a name know it; the file calls (read, write, close...) use the
 * name the file was opened by, which open records while its mount is
 * watched (kept beside the file, not in it), and a rename moves (Linux's
 * dentry).
 * A file opened before its mount had any watch is looked for, by inode
 * number, in the mount's watched directories at its first event, and
 * again only after another directory gets watched.
 *
 * Lock order: a file's f_poslock (getdents reports under it)
 *   > ino_lock (the watch table, every watch and mark, the recorded
 *     names; taken by every event on a watched mount, never with a
 *     file-system lock or v_interlock held)
 *   > an instance's in_lock (its queue and readers)
 *     > epoll's ep_lock (its registrations are callback waiters there)
 *       > an lwp's park lock (sleepq.h); kmem's lock is a leaf.
 * Readers and pollers of an instance take in_lock alone.
 */
#ifndef RUMP_VFS_INOTIFY_H
#define RUMP_VFS_INOTIFY_H

#include <linux/inotify.h>

#include "vfs.h"

struct inotify_name;

/* Whether vp's mount has any watched vnode: the test before any other
 * inotify work. */
static inline bool
inotify_watched(const struct vnode *vp)
{
	const struct mount *mp = vp->v_mount;

	return __predict_false(mp != NULL &&
			       atomic_load_relaxed(&mp->mnt_nwatched) != 0);
}

/* A new cookie pairing an IN_MOVED_FROM with its IN_MOVED_TO. */
uint32_t inotify_cookie(void);

/*
 * An event on directory dvp about its entry `name' (IN_CREATE,
 * IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO, or'ed with IN_ISDIR for a
 * directory), with `cookie' (0 but for moves).
 */
void inotify_child(struct vnode *dvp, const char *name, size_t len,
		   uint32_t mask, uint32_t cookie);
/*
 * An event on vp (IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_OPEN, IN_CLOSE_*,
 * IN_MOVE_SELF), to its own watches and, if dvp is not NULL, to dvp's
 * with the name (first, as Linux reports it).  IN_ISDIR is added as
 * Linux adds it.
 */
void inotify_vnode(struct vnode *dvp, const char *name, size_t len,
		   struct vnode *vp, uint32_t mask);
/* The same for a vnode the caller found by path (dirfd, kernel path,
 * whether the last symlink was followed): the parent is looked up again
 * only if the mount is watched. */
void inotify_path(struct lwp *l, int dirfd, const char *kpath, bool follow,
		  struct vnode *vp, uint32_t mask);
/* The same through an open file (with its recorded name). */
void inotify_file(struct file *fp, uint32_t mask);

/* Rename fdvp/fname (naming fvp) to tdvp/tname (tvp: the name
 * replaced, or exchanged with `exchange'): open files follow the name. */
void inotify_renamed(struct vnode *fdvp, const char *fname, size_t flen,
		     struct vnode *fvp, struct vnode *tdvp, const char *tname,
		     size_t tlen, struct vnode *tvp, bool exchange);

/*
 * A name of vp went (unlink, rmdir, or a rename over it; the caller
 * still holds vp).  `attrib': the link count changed as Linux reports
 * it (IN_ATTRIB first).  When vp has no name left its watches get
 * IN_DELETE_SELF and IN_IGNORED, at once or, while it is open, at its
 * last close.
 */
void inotify_unlinked(struct vnode *vp, bool attrib, bool gone);

/*
 * Opening: fp (not O_PATH) was opened on vp as `name' in dvp (dvp NULL:
 * the name is unknown; the call finds it from the path when needed):
 * record the name and report IN_OPEN.
 */
void inotify_open(struct lwp *l, int dirfd, const char *kpath, bool follow,
		  struct vnode *dvp, const char *name, size_t len,
		  struct file *fp);
/* The last reference of a file with a vnode is going: IN_CLOSE_*. */
void inotify_close(struct file *fp);
/* After it went (with its recorded name): its vnode, whose address
 * alone is looked at, may be a deleted one whose deletion waited for
 * this close. */
void inotify_closed(struct file *fp, struct vnode *vp);

/* Drop a reference to vp that may be the last user of a deleted watched
 * vnode (a cwd or root leaving it): IN_DELETE_SELF then, as for a last
 * close. */
static inline void
inotify_vnode_rele(struct vnode *vp)
{
	bool watched = inotify_watched(vp);

	vnode_rele(vp);
	if (__predict_false(watched))
		inotify_closed(NULL, vp);
}

/* Mount mp is being unmounted: IN_UNMOUNT, IN_IGNORED for its watches. */
void inotify_unmount(struct mount *mp);

void inotify_init(void);

#endif /* RUMP_VFS_INOTIFY_H */
