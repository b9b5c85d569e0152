/*
 * vfs_inotify.c: inotify(7): inotify_init, inotify_init1,
 * inotify_add_watch, inotify_rm_watch, the instance file, and the
 * events the VFS reports (inotify.h says how, and the lock order).
 *
 * Structures.  A mark is the watch state of one vnode: the vnode (kept
 * by a name reference) and its watches, one per instance watching it.
 * Marks are in a hash table keyed by the vnode's address, under
 * ino_lock; so is every watch (its mask, its lists).  An instance has a
 * queue of events under its own in_lock, which readers and pollers wait
 * on.  Each watch is on two lists: its mark's and its instance's.
 *
 * Queueing follows Linux: an event identical to the last one queued
 * (watch, mask, cookie, name) is dropped; a queue holding
 * INOTIFY_MAX_EVENTS events takes one IN_Q_OVERFLOW event (wd -1) and
 * nothing more until it is read; so does a queue whose event could not
 * be allocated.  A record's name is padded with NULs to a multiple of
 * the 16-byte header, its NUL included.
 *
 * Limits per user (the instance creator's effective uid), Linux's defaults:
 * INOTIFY_MAX_INSTANCES instances (EMFILE), INOTIFY_MAX_WATCHES watches
 * (ENOSPC).
 */
#include <linux/stat.h>
#include <asm/ioctls.h>

#include "cred.h"
#include "fd.h"
#include "inotify.h"
#include "lockf.h"
#include "poll.h"
#include "proc.h"
#include "sigio.h"
#include "sleepq.h"
#include "syscall.h"
#include "vfs_int.h"

#define INOTIFY_MAX_EVENTS 16384
#define INOTIFY_MAX_INSTANCES 128
#define INOTIFY_MAX_WATCHES 8192

/* The mask bits add_watch accepts (Linux's ALL_INOTIFY_BITS). */
#define INOTIFY_BITS                                                           \
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED |             \
	 IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE |       \
	 IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)
/* Events that say IN_ISDIR when about a directory. */
#define INOTIFY_ISDIR_EVENTS                                                   \
	(IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |                  \
	 IN_CLOSE_NOWRITE | IN_OPEN | IN_UNMOUNT)

struct ievent {
	struct ievent *ie_next;
	int ie_wd;
	uint32_t ie_mask;
	uint32_t ie_cookie;
	uint32_t ie_len; /* the padded name length of the record */
	char ie_name[];  /* ie_len bytes, NUL-padded */
};

struct inotify;
struct imark;

struct iwatch {
	struct inotify *w_in;
	struct imark *w_mark;
	struct iwatch *w_mnext; /* the mark's watches */
	struct iwatch *w_inext; /* the instance's watches */
	int w_wd;
	uint32_t w_mask; /* events and IN_ONESHOT, IN_EXCL_UNLINK */
};

struct imark {
	struct vnode *m_vp; /* name-held */
	struct imark *m_hnext;
	struct iwatch *m_watches;
	bool m_deleted; /* no name left; DELETE_SELF waits for the last user */
};

struct iuser {
	struct iuser *u_next;
	uid_t u_uid;
	unsigned u_instances, u_watches;
};

struct inotify {
	/* Under ino_lock (which in_lock comes after). */
	struct iwatch *in_watches;
	int in_lastwd;
	struct iuser *in_user;
	/* Under in_lock. */
	kmutex_t in_lock;
	struct waitq in_wq;
	struct ievent *in_head, *in_tail;
	unsigned in_count;  /* events queued, the overflow one included */
	size_t in_bytes;    /* their record bytes (FIONREAD) */
	bool in_overflowed; /* in_ovf is queued */
	struct ievent in_ovf;
};

/*
 * A file's name as opened (inotify.h): n_dvp is held.  Found by file in
 * ino_fhash and on ino_names (renames go through them all), read and
 * changed under ino_lock.  Each counts in its mount's mnt_nwatched, so
 * that the file's close, which drops it, looks.
 */
struct inotify_name {
	struct inotify_name *n_next, **n_prevp;
	struct inotify_name *n_hnext;
	struct file *n_fp;
	struct vnode *n_vp;  /* the file's vnode (the file holds it) */
	struct vnode *n_dvp; /* NULL: none found while ino_dirgen was n_gen */
	unsigned n_gen;
	size_t n_len;
	char n_name[NAME_MAX_ + 1];
};

#define IMARK_HASH 256
/* The table, the marks, watches and names.  Lock order: inotify.h
 * (f_poslock > ino_lock > in_lock > epoll's ep_lock > park lock). */
static kmutex_t ino_lock;
static struct imark *ino_hash[IMARK_HASH];         /* ino_lock */
static struct iuser *ino_users;                    /* ino_lock */
static struct inotify_name *ino_names;             /* ino_lock */
static struct inotify_name *ino_fhash[IMARK_HASH]; /* ino_lock */
/* Bumped when a directory gets its first watch: a file whose name was
 * not found may be found now.  ino_lock. */
static unsigned ino_dirgen;
static uint32_t ino_cookie; /* atomic */

static const struct fileops inotify_ops;

void
inotify_init(void)
{
	mutex_init(&ino_lock);
}

uint32_t
inotify_cookie(void)
{
	uint32_t c;

	/* Never 0: 0 says "no cookie". */
	while ((c = __atomic_add_fetch(&ino_cookie, 1, __ATOMIC_RELAXED)) == 0)
		continue;
	return c;
}

static unsigned
mark_hash(const struct vnode *vp)
{
	uintptr_t h = (uintptr_t)vp;

	h ^= h >> 9;
	h ^= h >> 17;
	return (unsigned)(h % IMARK_HASH);
}

static struct imark *
mark_find(const struct vnode *vp)
{
	struct imark *m;

	for (m = ino_hash[mark_hash(vp)]; m != NULL; m = m->m_hnext)
		if (m->m_vp == vp)
			return m;
	return NULL;
}

/* ---- the queue ----------------------------------------------------------- */

static size_t
name_padded(size_t len)
{
	const size_t hdr = sizeof(struct inotify_event);

	return len == 0 ? 0 : (len + 1 + hdr - 1) / hdr * hdr;
}

static void
queue_append(struct inotify *in, struct ievent *ev)
{
	ev->ie_next = NULL;
	if (in->in_tail != NULL)
		in->in_tail->ie_next = ev;
	else
		in->in_head = ev;
	in->in_tail = ev;
	in->in_count++;
	in->in_bytes += sizeof(struct inotify_event) + ev->ie_len;
}

static void
queue_overflow(struct inotify *in)
{
	if (in->in_overflowed)
		return;
	in->in_overflowed = true;
	in->in_ovf.ie_wd = -1;
	in->in_ovf.ie_mask = IN_Q_OVERFLOW;
	in->in_ovf.ie_cookie = 0;
	in->in_ovf.ie_len = 0;
	queue_append(in, &in->in_ovf);
}

static void
ievent_free(struct inotify *in, struct ievent *ev)
{
	if (ev == &in->in_ovf)
		in->in_overflowed = false;
	else
		kmem_free(ev, sizeof(*ev) + ev->ie_len);
}

/* Queue one event on instance `in' (in_lock not held) and wake its
 * readers. */
static void
queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
	    const char *name, size_t len)
{
	size_t plen = name_padded(len);
	struct ievent *ev, *last;
	struct wakelist wl = WAKELIST_INIT;

	mutex_enter(&in->in_lock);
	if (in->in_count >= INOTIFY_MAX_EVENTS) {
		queue_overflow(in);
		goto wake;
	}
	last = in->in_tail;
	if (last != NULL && last->ie_wd == wd && last->ie_mask == mask &&
	    last->ie_cookie == cookie && last->ie_len == plen &&
	    (plen == 0 || (memcmp(last->ie_name, name, len) == 0 &&
			   last->ie_name[len] == '\0'))) {
		mutex_exit(&in->in_lock);
		return;
	}
	if ((ev = kmem_alloc(sizeof(*ev) + plen)) == NULL) {
		queue_overflow(in);
		goto wake;
	}
	ev->ie_wd = wd;
	ev->ie_mask = mask;
	ev->ie_cookie = cookie;
	ev->ie_len = (uint32_t)plen;
	if (plen != 0) {
		memcpy(ev->ie_name, name, len);
		memset(ev->ie_name + len, 0, plen - len);
	}
	queue_append(in, ev);
wake:
	if (!waitq_empty(&in->in_wq))
		waitq_wakeup_key_defer(&in->in_wq, POLLIN | POLLRDNORM, &wl);
	/* Each event queued signals O_ASYNC owners (fsnotify's). */
	sigio_wakeup(&in->in_wq, POLL_IN);
	mutex_exit(&in->in_lock);
	wakelist_kick(&wl);
}

/* ---- watches and marks (ino_lock) ------------------------------------------ */

static struct iuser *
user_get(uid_t uid)
{
	struct iuser *u;

	for (u = ino_users; u != NULL; u = u->u_next)
		if (u->u_uid == uid)
			return u;
	if ((u = kmem_zalloc(sizeof(*u))) == NULL)
		return NULL;
	u->u_uid = uid;
	u->u_next = ino_users;
	ino_users = u;
	return u;
}

/*
 * Take watch w off its mark and its instance (ino_lock held), queueing
 * IN_IGNORED if `ignored'.  Returns the vnode whose name reference the
 * caller drops after ino_lock when the mark went with it, else NULL.
 */
static struct vnode *
watch_remove(struct iwatch *w, bool ignored)
{
	struct imark *m = w->w_mark, **mp;
	struct inotify *in = w->w_in;
	struct iwatch **wp;
	struct vnode *vp = NULL;

	for (wp = &m->m_watches; *wp != w; wp = &(*wp)->w_mnext)
		continue;
	*wp = w->w_mnext;
	for (wp = &in->in_watches; *wp != w; wp = &(*wp)->w_inext)
		continue;
	*wp = w->w_inext;
	in->in_user->u_watches--;
	if (ignored)
		queue_event(in, w->w_wd, IN_IGNORED, 0, NULL, 0);
	kmem_free(w, sizeof(*w));
	if (m->m_watches == NULL) {
		vp = m->m_vp;
		for (mp = &ino_hash[mark_hash(vp)]; *mp != m;
		     mp = &(*mp)->m_hnext)
			continue;
		*mp = m->m_hnext;
		atomic_store_relaxed(&vp->v_mount->mnt_nwatched,
				     vp->v_mount->mnt_nwatched - 1);
		kmem_free(m, sizeof(*m));
	}
	return vp;
}

/*
 * Deliver an event to the watches of mark m (ino_lock held): `mask' is
 * one event bit, with IN_ISDIR if it applies; `name' for a directory's
 * entry; `unlinked': the event came through a file whose name is gone
 * (IN_EXCL_UNLINK watches do not see it).  IN_ONESHOT watches go after
 * their event; a vnode whose last watch so went is stored in *relep
 * (at most one: a mark holds one vnode).
 */
static void
mark_deliver(struct imark *m, uint32_t mask, uint32_t cookie, const char *name,
	     size_t len, bool unlinked, struct vnode **relep)
{
	struct iwatch *w, *next;
	uint32_t ev = mask & ~IN_ISDIR;
	struct vnode *vp;

	for (w = m->m_watches; w != NULL; w = next) {
		next = w->w_mnext;
		if (!(w->w_mask & ev & IN_ALL_EVENTS) && !(ev & IN_UNMOUNT))
			continue;
		if (unlinked && (w->w_mask & IN_EXCL_UNLINK))
			continue;
		queue_event(w->w_in, w->w_wd, mask, cookie, name, len);
		if ((w->w_mask & IN_ONESHOT) &&
		    (vp = watch_remove(w, true)) != NULL)
			*relep = vp;
	}
}

/* ---- events from the VFS --------------------------------------------------- */

static uint32_t
isdir_bit(const struct vnode *vp, uint32_t mask)
{
	return (vp->v_type == VDIR && (mask & INOTIFY_ISDIR_EVENTS)) ? IN_ISDIR
								     : 0;
}

/* Deliver to dvp's watches with the name, then to vp's (ino_lock
 * held); vnodes whose marks went are left in rele[2]. */
static void
deliver_locked(struct vnode *dvp, const char *name, size_t len,
	       struct vnode *vp, uint32_t mask, uint32_t cookie, bool unlinked,
	       struct vnode **rele)
{
	struct imark *m;

	if (dvp != NULL && (m = mark_find(dvp)) != NULL)
		mark_deliver(m, mask, cookie, name, len, unlinked, &rele[0]);
	if (vp != NULL && (m = mark_find(vp)) != NULL)
		mark_deliver(m, mask, 0, NULL, 0, unlinked, &rele[1]);
}

static void
rele_marked(struct vnode **rele)
{
	for (int i = 0; i < 2; i++)
		if (rele[i] != NULL)
			vnode_namerele(rele[i]);
}

static void
deliver(struct vnode *dvp, const char *name, size_t len, struct vnode *vp,
	uint32_t mask, uint32_t cookie, bool unlinked)
{
	struct vnode *rele[2] = { NULL, NULL };

	mutex_enter(&ino_lock);
	deliver_locked(dvp, name, len, vp, mask, cookie, unlinked, rele);
	mutex_exit(&ino_lock);
	rele_marked(rele);
}

void
inotify_child(struct vnode *dvp, const char *name, size_t len, uint32_t mask,
	      uint32_t cookie)
{
	if (!inotify_watched(dvp))
		return;
	deliver(dvp, name, len, NULL, mask, cookie, false);
}

void
inotify_vnode(struct vnode *dvp, const char *name, size_t len, struct vnode *vp,
	      uint32_t mask)
{
	if (!inotify_watched(vp))
		return;
	/* A mount's root has no parent on its mount. */
	if (dvp != NULL && dvp->v_mount != vp->v_mount)
		dvp = NULL;
	deliver(dvp, name, len, vp, mask | isdir_bit(vp, mask), 0, false);
}

/*
 * The directory holding the name `kpath' resolves to, if that name
 * still names vp: *dvpp held, the name in name[NAME_MAX_ + 1].  Follows
 * a last symlink with `follow', as the caller's lookup did.  0 or an
 * errno (then there is no parent event to make).
 */
static int
lookup_parent_of(struct lwp *l, int dirfd, const char *kpath, bool follow,
		 struct vnode *vp, struct vnode **dvpp, char *name,
		 size_t *lenp)
{
	struct walker w;
	struct walkres res;
	struct vnode *dir, *cvp = NULL;
	const char *path = kpath;
	int error;

	if (kpath[0] == '\0')
		return ENOENT;
	walker_init(&w, l);
	if ((error = walk_start(&w, dirfd, kpath, &dir)) != 0)
		goto out;
	for (;;) {
		error = walk(&w, dir, path, WALK_PARENT, &res);
		if (error != 0)
			goto out;
		dir = res.dvp;
		if (res.namelen == 0 || res.namelen > NAME_MAX_ ||
		    (res.name[0] == '.' &&
		     (res.namelen == 1 ||
		      (res.namelen == 2 && res.name[1] == '.')))) {
			error = ENOENT;
			break;
		}
		error = vnode_lookup(dir, res.name, res.namelen, &cvp, NULL);
		if (error != 0)
			break;
		if (cvp == vp)
			break;
		if (cvp->v_type != VLNK || !follow) {
			error = ENOENT;
			break;
		}
		error = walk_readlink(&w, cvp, NULL, &path);
		vnode_rele(cvp);
		cvp = NULL;
		if (error != 0)
			break;
		if (path[0] == '/') {
			vnode_rele(dir);
			dir = w.w_root;
			vnode_ref(dir);
		}
	}
	if (cvp != NULL)
		vnode_rele(cvp);
	if (error == 0) {
		*dvpp = dir;
		memcpy(name, res.name, res.namelen);
		name[res.namelen] = '\0';
		*lenp = res.namelen;
	} else {
		vnode_rele(dir);
	}
out:
	walker_fini(&w);
	return error;
}

void
inotify_path(struct lwp *l, int dirfd, const char *kpath, bool follow,
	     struct vnode *vp, uint32_t mask)
{
	struct vnode *dvp = NULL;
	char name[NAME_MAX_ + 1];
	size_t len = 0;

	if (!inotify_watched(vp))
		return;
	(void)lookup_parent_of(l, dirfd, kpath, follow, vp, &dvp, name, &len);
	inotify_vnode(dvp, name, len, vp, mask);
	if (dvp != NULL)
		vnode_rele(dvp);
}

/* Whether vp has no name left (IN_EXCL_UNLINK). */
static bool
vn_unlinked(struct vnode *vp)
{
	struct vattr va;

	return vp->v_op->vop_getattr(vp, &va) == 0 && va.va_nlink == 0;
}

static unsigned
file_hash(const struct file *fp)
{
	uintptr_t h = (uintptr_t)fp;

	h ^= h >> 7;
	h ^= h >> 15;
	return (unsigned)(h % IMARK_HASH);
}

/* The name record of file fp, or NULL (ino_lock held). */
static struct inotify_name *
name_get(const struct file *fp)
{
	struct inotify_name *n;

	for (n = ino_fhash[file_hash(fp)]; n != NULL; n = n->n_hnext)
		if (n->n_fp == fp)
			return n;
	return NULL;
}

/* Enter record n of file n_fp on vnode n_vp (ino_lock held). */
static void
name_link(struct inotify_name *n)
{
	struct mount *mp = n->n_vp->v_mount;
	unsigned h = file_hash(n->n_fp);

	n->n_next = ino_names;
	n->n_prevp = &ino_names;
	if (ino_names != NULL)
		ino_names->n_prevp = &n->n_next;
	ino_names = n;
	n->n_hnext = ino_fhash[h];
	ino_fhash[h] = n;
	atomic_store_relaxed(&mp->mnt_nwatched, mp->mnt_nwatched + 1);
}

static void
name_unlink(struct inotify_name *n)
{
	struct mount *mp = n->n_vp->v_mount;
	struct inotify_name **np;

	*n->n_prevp = n->n_next;
	if (n->n_next != NULL)
		n->n_next->n_prevp = n->n_prevp;
	for (np = &ino_fhash[file_hash(n->n_fp)]; *np != n;
	     np = &(*np)->n_hnext)
		continue;
	*np = n->n_hnext;
	atomic_store_relaxed(&mp->mnt_nwatched, mp->mnt_nwatched - 1);
}

struct name_search {
	uint64_t ino;
	char *name;
	size_t len;
	bool found;
};

static int
name_search_fill(void *arg, const char *name, size_t namlen, uint64_t ino,
		 unsigned dtype, off_t next)
{
	struct name_search *ns = arg;

	(void)dtype;
	(void)next;
	if (ino != ns->ino || namlen > NAME_MAX_ ||
	    (name[0] == '.' &&
	     (namlen == 1 || (namlen == 2 && name[1] == '.'))))
		return 0;
	memcpy(ns->name, name, namlen);
	ns->name[namlen] = '\0';
	ns->len = namlen;
	ns->found = true;
	return 1;
}

#define NAME_FIND_DIRS 16

/*
 * A file opened while its mount had no watch has no name; once a
 * directory of its mount is watched, look for it there (by inode
 * number, then by lookup), once per new watched directory, and
 * record what was found, or that nothing was, as fp's name (which
 * was `old').  Reading a directory here is no access of it.
 */
static void
name_find(struct file *fp, struct vnode *vp, struct inotify_name *old)
{
	struct vnode *dirs[NAME_FIND_DIRS], *cvp;
	struct inotify_name *n;
	struct name_search ns;
	struct vattr va;
	struct imark *m;
	int ndirs = 0, found = -1;
	bool installed = false;
	unsigned gen;
	off_t off;

	if (vp->v_op->vop_getattr(vp, &va) != 0 || va.va_nlink == 0)
		return;
	if ((n = kmem_zalloc(sizeof(*n))) == NULL)
		return;
	mutex_enter(&ino_lock);
	gen = ino_dirgen;
	for (int i = 0; i < IMARK_HASH && ndirs < NAME_FIND_DIRS; i++)
		for (m = ino_hash[i]; m != NULL && ndirs < NAME_FIND_DIRS;
		     m = m->m_hnext)
			if (m->m_vp->v_type == VDIR &&
			    m->m_vp->v_mount == vp->v_mount && m->m_vp != vp) {
				vnode_ref(m->m_vp);
				dirs[ndirs++] = m->m_vp;
			}
	mutex_exit(&ino_lock);
	ns.ino = va.va_ino;
	ns.name = n->n_name;
	for (int i = 0; i < ndirs && found < 0; i++) {
		if (dirs[i]->v_op->vop_readdir == NULL)
			continue;
		ns.found = false;
		off = 0;
		if (dirs[i]->v_op->vop_readdir(dirs[i], &off, name_search_fill,
					       &ns) != 0 ||
		    !ns.found)
			continue;
		if (vnode_lookup(dirs[i], n->n_name, ns.len, &cvp, NULL) != 0)
			continue;
		if (cvp == vp)
			found = i;
		vnode_rele(cvp);
	}
	n->n_vp = vp;
	n->n_fp = fp;
	n->n_gen = gen;
	if (found >= 0) {
		n->n_dvp = dirs[found];
		n->n_len = ns.len;
	}
	/* Another event may have looked meanwhile: the first one wins. */
	mutex_enter(&ino_lock);
	if (name_get(fp) == old) {
		if (old != NULL)
			name_unlink(old);
		name_link(n);
		installed = true;
	}
	mutex_exit(&ino_lock);
	for (int i = 0; i < ndirs; i++)
		if (!installed || i != found)
			vnode_rele(dirs[i]);
	/* Nobody reads a replaced record: readers look under ino_lock. */
	if (installed && old != NULL)
		kmem_free(old, sizeof(*old));
	else if (!installed)
		kmem_free(n, sizeof(*n));
}

void
inotify_file(struct file *fp, uint32_t mask)
{
	struct vnode *vp = fp->f_vnode, *rele[2] = { NULL, NULL };
	struct inotify_name *n;
	bool unlinked, find;

	if (vp == NULL || !inotify_watched(vp))
		return;
	mutex_enter(&ino_lock);
	n = name_get(fp);
	find = n == NULL || (n->n_dvp == NULL && n->n_gen != ino_dirgen);
	mutex_exit(&ino_lock);
	if (find)
		name_find(fp, vp, n);
	unlinked = vn_unlinked(vp);
	mutex_enter(&ino_lock);
	/* The name as it is now: a rename may have moved it. */
	n = name_get(fp);
	if (n != NULL && n->n_dvp != NULL && n->n_dvp->v_mount == vp->v_mount)
		deliver_locked(n->n_dvp, n->n_name, n->n_len, vp,
			       mask | isdir_bit(vp, mask), 0, unlinked, rele);
	else
		deliver_locked(NULL, NULL, 0, vp, mask | isdir_bit(vp, mask), 0,
			       unlinked, rele);
	mutex_exit(&ino_lock);
	rele_marked(rele);
}

/*
 * Open files named fdvp/fname with vnode fvp are now named tdvp/tname
 * (ino_lock held).  The caller holds fdvp, so dropping the records'
 * references to it never drops the last.  `moved' (an exchange) marks
 * the records moved already, by their place on the list.
 */
static void
names_move(struct vnode *fdvp, const char *fname, size_t flen,
	   struct vnode *fvp, struct vnode *tdvp, const char *tname,
	   size_t tlen, bool *moved)
{
	struct inotify_name *n;
	int i = 0;

	for (n = ino_names; n != NULL; n = n->n_next, i++) {
		if (moved != NULL && moved[i])
			continue;
		if (n->n_vp != fvp || n->n_dvp != fdvp || n->n_len != flen ||
		    memcmp(n->n_name, fname, flen) != 0)
			continue;
		if (moved != NULL)
			moved[i] = true;
		memcpy(n->n_name, tname, tlen);
		n->n_name[tlen] = '\0';
		n->n_len = tlen;
		if (tdvp != fdvp) {
			vnode_ref(tdvp);
			n->n_dvp = tdvp;
			vnode_rele(fdvp);
		}
	}
}

void
inotify_renamed(struct vnode *fdvp, const char *fname, size_t flen,
		struct vnode *fvp, struct vnode *tdvp, const char *tname,
		size_t tlen, struct vnode *tvp, bool exchange)
{
	struct inotify_name *n;
	bool *moved = NULL;
	size_t count = 0;

	if (!inotify_watched(fvp))
		return;
	mutex_enter(&ino_lock);
	if (!exchange) {
		names_move(fdvp, fname, flen, fvp, tdvp, tname, tlen, NULL);
		mutex_exit(&ino_lock);
		return;
	}
	/* An exchange swaps the two: each record moves once. */
	for (n = ino_names; n != NULL; n = n->n_next)
		count++;
	if (count != 0 && (moved = kmem_zalloc(count)) != NULL) {
		names_move(fdvp, fname, flen, fvp, tdvp, tname, tlen, moved);
		names_move(tdvp, tname, tlen, tvp, fdvp, fname, flen, moved);
		kmem_free(moved, count);
	}
	mutex_exit(&ino_lock);
}

void
inotify_open(struct lwp *l, int dirfd, const char *kpath, bool follow,
	     struct vnode *dvp, const char *name, size_t len, struct file *fp)
{
	struct vnode *vp = fp->f_vnode;
	struct inotify_name *n;
	struct vattr va;

	if (!inotify_watched(vp))
		return;
	if ((n = kmem_alloc(sizeof(*n))) != NULL) {
		n->n_dvp = NULL;
		if (dvp != NULL && len == 0 &&
		    vp->v_op->vop_getattr(vp, &va) == 0) {
			/* O_TMPFILE: Linux's name of an unnamed file. */
			n->n_len = (size_t)ksnprintf(
				n->n_name, sizeof(n->n_name), "#%llu",
				(unsigned long long)va.va_ino);
			vnode_ref(dvp);
			n->n_dvp = dvp;
		} else if (dvp != NULL) {
			memcpy(n->n_name, name, len);
			n->n_name[len] = '\0';
			n->n_len = len;
			vnode_ref(dvp);
			n->n_dvp = dvp;
		} else if (lookup_parent_of(l, dirfd, kpath, follow, vp,
					    &n->n_dvp, n->n_name,
					    &n->n_len) != 0) {
			n->n_dvp = NULL;
		}
		if (n->n_dvp == NULL) {
			kmem_free(n, sizeof(*n));
		} else {
			n->n_vp = vp;
			n->n_fp = fp;
			mutex_enter(&ino_lock);
			name_link(n);
			mutex_exit(&ino_lock);
		}
	}
	inotify_file(fp, IN_OPEN);
}

void
inotify_close(struct file *fp)
{
	struct inotify_name *n;

	inotify_file(fp, file_writable(fp) ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
	/* The name goes while the file still holds its vnode and mount. */
	mutex_enter(&ino_lock);
	if ((n = name_get(fp)) != NULL)
		name_unlink(n);
	mutex_exit(&ino_lock);
	if (n != NULL) {
		if (n->n_dvp != NULL)
			vnode_rele(n->n_dvp);
		kmem_free(n, sizeof(*n));
	}
}

/* IN_DELETE_SELF and IN_IGNORED to every watch of m, which goes with
 * its last watch (watch_remove then says which vnode to let go). */
static struct vnode *
mark_deleted(struct imark *m)
{
	struct vnode *vp = NULL;

	while (vp == NULL) {
		struct iwatch *w = m->m_watches;

		if (w->w_mask & IN_DELETE_SELF)
			queue_event(w->w_in, w->w_wd, IN_DELETE_SELF, 0, NULL,
				    0);
		vp = watch_remove(w, true);
	}
	return vp;
}

void
inotify_closed(struct file *fp, struct vnode *vp)
{
	struct vnode *rele = NULL;
	struct imark *m;

	(void)fp;
	/* vp may be gone unless a mark keeps it: only its address is
	 * compared until a mark is found. */
	mutex_enter(&ino_lock);
	/* Deleted, and the mark's reference is the last: this close was
	 * the last user (Linux's last dput of the unlinked dentry). */
	if ((m = mark_find(vp)) != NULL && m->m_deleted &&
	    atomic_load_acq(&vp->v_usecount) == 1)
		rele = mark_deleted(m);
	mutex_exit(&ino_lock);
	if (rele != NULL)
		vnode_namerele(rele);
}

void
inotify_unlinked(struct vnode *vp, bool attrib, bool gone)
{
	struct vnode *rele = NULL;
	struct imark *m;

	if (!inotify_watched(vp))
		return;
	if (attrib)
		inotify_vnode(NULL, NULL, 0, vp, IN_ATTRIB);
	if (!gone && !vn_unlinked(vp))
		return;
	mutex_enter(&ino_lock);
	if ((m = mark_find(vp)) != NULL) {
		/* The caller's reference and the mark's: nobody else uses
		 * it, so it goes now; else with its last close. */
		if (atomic_load_acq(&vp->v_usecount) <= 2)
			rele = mark_deleted(m);
		else
			m->m_deleted = true;
	}
	mutex_exit(&ino_lock);
	if (rele != NULL)
		vnode_namerele(rele);
}

void
inotify_unmount(struct mount *mp)
{
	struct vnode *rele;
	struct imark *m, *next;

	if (atomic_load_relaxed(&mp->mnt_nwatched) == 0)
		return;
	mutex_enter(&ino_lock);
	for (int i = 0; i < IMARK_HASH; i++) {
		for (m = ino_hash[i]; m != NULL; m = next) {
			next = m->m_hnext;
			if (m->m_vp->v_mount != mp)
				continue;
			rele = NULL;
			while (rele == NULL) {
				struct iwatch *w = m->m_watches;

				queue_event(w->w_in, w->w_wd,
					    IN_UNMOUNT | isdir_bit(m->m_vp,
								   IN_UNMOUNT),
					    0, NULL, 0);
				rele = watch_remove(w, true);
			}
			/* Dropping the reference may free the vnode, which
			 * takes file-system locks: not under ino_lock. */
			mutex_exit(&ino_lock);
			vnode_namerele(rele);
			mutex_enter(&ino_lock);
			next = ino_hash[i]; /* the chain may have changed */
		}
	}
	mutex_exit(&ino_lock);
}

/* ---- the instance file ----------------------------------------------------- */

static int
inotify_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct inotify *in = fp->f_data;
	struct ievent *list = NULL, **tailp = &list, *ev;
	struct inotify_event hdr;
	size_t room = uio->uio_resid;
	int error = 0;

	(void)offp;
	mutex_enter(&in->in_lock);
	while (in->in_head == NULL) {
		if ((ioflags & IO_NONBLOCK) || (file_flag(fp) & O_NONBLOCK)) {
			mutex_exit(&in->in_lock);
			return EAGAIN;
		}
		error = sleepq_wait(&in->in_wq, &in->in_lock, DEADLINE_NONE,
				    SLEEP_INTR);
		if (error != 0) {
			mutex_exit(&in->in_lock);
			return ERESTARTSYS;
		}
	}
	/* As many whole records as fit; none fitting is EINVAL. */
	while ((ev = in->in_head) != NULL && sizeof(hdr) + ev->ie_len <= room) {
		room -= sizeof(hdr) + ev->ie_len;
		in->in_head = ev->ie_next;
		if (in->in_head == NULL)
			in->in_tail = NULL;
		in->in_count--;
		in->in_bytes -= sizeof(hdr) + ev->ie_len;
		if (ev == &in->in_ovf) {
			/* Copy the overflow record: it may be queued again
			 * once this lock is dropped. */
			in->in_overflowed = false;
			if ((ev = kmem_alloc(sizeof(*ev))) == NULL) {
				error = ENOMEM;
				break;
			}
			*ev = in->in_ovf;
		}
		ev->ie_next = NULL;
		*tailp = ev;
		tailp = &ev->ie_next;
	}
	mutex_exit(&in->in_lock);
	if (list == NULL && error == 0)
		return EINVAL;
	while ((ev = list) != NULL) {
		list = ev->ie_next;
		if (error == 0) {
			hdr.wd = ev->ie_wd;
			hdr.mask = ev->ie_mask;
			hdr.cookie = ev->ie_cookie;
			hdr.len = ev->ie_len;
			error = uiomove(&hdr, sizeof(hdr), uio);
			if (error == 0 && ev->ie_len != 0)
				error = uiomove(ev->ie_name, ev->ie_len, uio);
		}
		kmem_free(ev, sizeof(*ev) + ev->ie_len);
	}
	return error;
}

static int
inotify_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	(void)fp;
	(void)offp;
	(void)uio;
	(void)ioflags;
	return EINVAL;
}

static int
inotify_poll(struct file *fp, int events, struct polltable *pt)
{
	struct inotify *in = fp->f_data;
	int revents = 0;

	poll_wait(pt, &in->in_wq, &in->in_lock);
	mutex_enter(&in->in_lock);
	if (in->in_head != NULL)
		revents = events & (POLLIN | POLLRDNORM);
	mutex_exit(&in->in_lock);
	return revents;
}

static int
inotify_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct inotify *in = fp->f_data;
	int n;

	if (cmd != FIONREAD)
		return ENOTTY;
	mutex_enter(&in->in_lock);
	n = (int)in->in_bytes;
	mutex_exit(&in->in_lock);
	return copyout(&n, data, sizeof(n));
}

static void
inotify_release(struct file *fp)
{
	struct inotify *in = fp->f_data;
	struct ievent *ev;
	struct vnode *rele;

	mutex_enter(&ino_lock);
	while (in->in_watches != NULL) {
		rele = watch_remove(in->in_watches, false);
		if (rele != NULL) {
			mutex_exit(&ino_lock);
			vnode_namerele(rele);
			mutex_enter(&ino_lock);
		}
	}
	in->in_user->u_instances--;
	mutex_exit(&ino_lock);
	while ((ev = in->in_head) != NULL) {
		in->in_head = ev->ie_next;
		ievent_free(in, ev);
	}
	mutex_destroy(&in->in_lock);
	kmem_free(in, sizeof(*in));
}

static const struct fileops inotify_ops = {
	.fo_seek = fo_seek_none, /* Linux's noop_llseek */
	.fo_lockf = fo_lockf_anon,
	.fo_read = inotify_read,
	.fo_write = inotify_write,
	.fo_stat = fo_stat_anon,
	.fo_poll = inotify_poll,
	.fo_ioctl = inotify_ioctl,
	.fo_close = inotify_release,
	.fo_caps = FO_CAN_ASYNC,
};

/* ---- syscalls -------------------------------------------------------------- */

long
sys_inotify_init1(struct lwp *l, int flags)
{
	struct inotify *in;
	struct iuser *u;
	struct file *fp;
	int error, fd;

	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	if ((in = kmem_zalloc(sizeof(*in))) == NULL)
		return -ENOMEM;
	mutex_enter(&ino_lock);
	if ((u = user_get(l->l_cred->cr_euid)) == NULL)
		error = ENOMEM;
	else if (u->u_instances >= INOTIFY_MAX_INSTANCES)
		error = EMFILE;
	else {
		u->u_instances++;
		error = 0;
	}
	mutex_exit(&ino_lock);
	if (error != 0) {
		kmem_free(in, sizeof(*in));
		return -error;
	}
	in->in_user = u;
	mutex_init(&in->in_lock);
	waitq_init(&in->in_wq);
	error = file_alloc(&inotify_ops, in,
			   O_RDONLY | ((flags & IN_NONBLOCK) ? O_NONBLOCK : 0),
			   l->l_cred, &fp);
	if (error != 0) {
		mutex_enter(&ino_lock);
		u->u_instances--;
		mutex_exit(&ino_lock);
		mutex_destroy(&in->in_lock);
		kmem_free(in, sizeof(*in));
		return -error;
	}
	error = fd_alloc(l->l_proc, fp, 0, (flags & IN_CLOEXEC) != 0, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

long
sys_inotify_init(struct lwp *l)
{
	return sys_inotify_init1(l, 0);
}

/* The instance on fd, held: EBADF, or EINVAL for another file. */
static int
inotify_getfile(struct lwp *l, int fd, struct file **fpp)
{
	struct file *fp;

	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return EBADF;
	if (fp->f_ops != &inotify_ops) {
		file_release(fp);
		return EINVAL;
	}
	*fpp = fp;
	return 0;
}

/* Add or update the watch of `in' on vp (ino_lock held). */
static int
watch_set(struct inotify *in, struct vnode *vp, uint32_t mask, int *wdp)
{
	uint32_t bits = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	struct imark *m = mark_find(vp);
	struct iwatch *w = NULL;

	if (m != NULL)
		for (w = m->m_watches; w != NULL && w->w_in != in;
		     w = w->w_mnext)
			continue;
	if (w != NULL) {
		if (mask & IN_MASK_CREATE)
			return EEXIST;
		if (mask & IN_MASK_ADD)
			bits |= w->w_mask;
		w->w_mask = bits;
		*wdp = w->w_wd;
		return 0;
	}
	if (in->in_user->u_watches >= INOTIFY_MAX_WATCHES)
		return ENOSPC;
	if ((w = kmem_zalloc(sizeof(*w))) == NULL)
		return ENOMEM;
	if (m == NULL) {
		if ((m = kmem_zalloc(sizeof(*m))) == NULL) {
			kmem_free(w, sizeof(*w));
			return ENOMEM;
		}
		m->m_vp = vp;
		vnode_namehold(vp);
		m->m_hnext = ino_hash[mark_hash(vp)];
		ino_hash[mark_hash(vp)] = m;
		atomic_store_relaxed(&vp->v_mount->mnt_nwatched,
				     vp->v_mount->mnt_nwatched + 1);
		if (vp->v_type == VDIR)
			ino_dirgen++;
	}
	/* Linux hands out descriptors cyclically from 1. */
	if (in->in_lastwd == 0x7fffffff)
		in->in_lastwd = 0;
	in->in_lastwd++;
	w->w_in = in;
	w->w_mark = m;
	w->w_wd = in->in_lastwd;
	w->w_mask = bits;
	w->w_mnext = m->m_watches;
	m->m_watches = w;
	w->w_inext = in->in_watches;
	in->in_watches = w;
	in->in_user->u_watches++;
	*wdp = w->w_wd;
	return 0;
}

long
sys_inotify_add_watch(struct lwp *l, int fd, const char *pathname,
		      uint32_t mask)
{
	struct file *fp;
	struct vnode *vp;
	unsigned ni = NI_FOLLOW;
	int error, wd = -1;

	/* Linux's order: the mask, the descriptor, the path. */
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & INOTIFY_BITS) || (mask & ~INOTIFY_BITS))
		return -EINVAL;
	if ((error = inotify_getfile(l, fd, &fp)) != 0)
		return -error;
	if (mask & IN_DONT_FOLLOW)
		ni = 0;
	if (mask & IN_ONLYDIR)
		ni |= NI_DIRECTORY;
	error = namei_user(l, AT_FDCWD, pathname, ni, &vp);
	if (error == 0) {
		/* Watching needs read permission on the file. */
		if ((error = vfs_access(vp, VREAD, l->l_cred)) == 0) {
			mutex_enter(&ino_lock);
			error = watch_set(fp->f_data, vp, mask, &wd);
			mutex_exit(&ino_lock);
		}
		vnode_rele(vp);
	}
	file_release(fp);
	return error != 0 ? -error : wd;
}

long
sys_inotify_rm_watch(struct lwp *l, int fd, int wd)
{
	struct inotify *in;
	struct iwatch *w;
	struct file *fp;
	struct vnode *rele = NULL;
	int error;

	if ((error = inotify_getfile(l, fd, &fp)) != 0)
		return -error;
	in = fp->f_data;
	mutex_enter(&ino_lock);
	for (w = in->in_watches; w != NULL && w->w_wd != wd; w = w->w_inext)
		continue;
	if (w == NULL)
		error = EINVAL;
	else
		rele = watch_remove(w, true);
	mutex_exit(&ino_lock);
	if (rele != NULL)
		vnode_namerele(rele);
	file_release(fp);
	return -error;
}
