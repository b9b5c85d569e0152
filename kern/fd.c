/*
 * fd.c: descriptor tables (fd.h).  A table is a growable array of slots
 * under one mutex; the lowest free slot is found by a scan from a hint
 * below which no slot is free, so filling a table in order is linear.
 */
#include "fd.h"
#include "file.h"
#include "../vfs/lockf.h"
#include "proc.h"

#define NDFILE 16 /* slots of a new table's first allocation */

struct fdslot {
	struct file *fs_file;
	bool fs_cloexec;
};

struct filedesc {
	unsigned fd_refcnt; /* atomic */
	kmutex_t fd_lock;
	struct fdslot *fd_slots; /* fd_nslots entries, under fd_lock */
	int fd_nslots;
	int fd_freehint; /* no free slot below it */
};

struct filedesc *
fd_create(void)
{
	struct filedesc *fdp = kmem_zalloc(sizeof(*fdp));

	if (fdp == NULL)
		return NULL;
	fdp->fd_refcnt = 1;
	mutex_init(&fdp->fd_lock);
	return fdp;
}

void
fd_hold(struct filedesc *fdp)
{
	atomic_inc(&fdp->fd_refcnt);
}

static void
fd_free(struct filedesc *fdp)
{
	kmem_free(fdp->fd_slots,
		  sizeof(struct fdslot) * (size_t)fdp->fd_nslots);
	mutex_destroy(&fdp->fd_lock);
	kmem_free(fdp, sizeof(*fdp));
}

/* Make room for slot `want'.  Caller holds fd_lock.  0 or ENOMEM. */
static int
fd_grow_locked(struct filedesc *fdp, int want)
{
	int n = fdp->fd_nslots > 0 ? fdp->fd_nslots : NDFILE;
	struct fdslot *slots;

	while (n <= want)
		n = n > __INT_MAX__ / 2 ? want + 1 : n * 2;
	if ((slots = kmem_zalloc(sizeof(*slots) * (size_t)n)) == NULL)
		return ENOMEM;
	if (fdp->fd_nslots > 0) {
		memcpy(slots, fdp->fd_slots,
		       sizeof(*slots) * (size_t)fdp->fd_nslots);
		kmem_free(fdp->fd_slots,
			  sizeof(*slots) * (size_t)fdp->fd_nslots);
	}
	fdp->fd_slots = slots;
	fdp->fd_nslots = n;
	return 0;
}

struct filedesc *
fd_copy(struct filedesc *fdp)
{
	struct filedesc *new = fd_create();

	if (new == NULL)
		return NULL;
	mutex_enter(&fdp->fd_lock);
	if (fdp->fd_nslots > 0 &&
	    fd_grow_locked(new, fdp->fd_nslots - 1) != 0) {
		mutex_exit(&fdp->fd_lock);
		fd_free(new);
		return NULL;
	}
	for (int i = 0; i < fdp->fd_nslots; i++) {
		new->fd_slots[i] = fdp->fd_slots[i];
		if (new->fd_slots[i].fs_file != NULL)
			file_hold(new->fd_slots[i].fs_file);
	}
	new->fd_freehint = fdp->fd_freehint;
	mutex_exit(&fdp->fd_lock);
	return new;
}

void
fd_release(struct filedesc *fdp)
{
	if (atomic_dec(&fdp->fd_refcnt) != 0)
		return;
	/* The last reference: nobody else can reach the table.  Its
	 * record locks go with it, as at a close of every descriptor. */
	lf_fdtable_gone(fdp);
	for (int i = 0; i < fdp->fd_nslots; i++)
		if (fdp->fd_slots[i].fs_file != NULL)
			file_release(fdp->fd_slots[i].fs_file);
	fd_free(fdp);
}

int
fd_limit(struct proc *p)
{
	rlim_t cur = atomic_load_relaxed(
		&p->p_limit.pl_rlimit[RLIMIT_NOFILE].rlim_cur);

	return cur > (rlim_t)__INT_MAX__ ? __INT_MAX__ : (int)cur;
}

struct file *
fd_getfile(struct proc *p, int fd)
{
	struct filedesc *fdp = p->p_fd;
	struct file *fp = NULL;

	mutex_enter(&fdp->fd_lock);
	if ((unsigned)fd < (unsigned)fdp->fd_nslots &&
	    (fp = fdp->fd_slots[fd].fs_file) != NULL)
		file_hold(fp);
	mutex_exit(&fdp->fd_lock);
	return fp;
}

int
fd_alloc(struct proc *p, struct file *fp, int minfd, bool cloexec, int *fdp_out)
{
	struct filedesc *fdp = p->p_fd;
	int limit = fd_limit(p), fd, error = 0;

	KASSERT(minfd >= 0);
	mutex_enter(&fdp->fd_lock);
	fd = MAX(minfd, fdp->fd_freehint);
	while (fd < fdp->fd_nslots && fdp->fd_slots[fd].fs_file != NULL)
		fd++;
	if (fd >= limit)
		error = EMFILE;
	else if (fd >= fdp->fd_nslots)
		error = fd_grow_locked(fdp, fd);
	if (error == 0) {
		fdp->fd_slots[fd].fs_file = fp;
		fdp->fd_slots[fd].fs_cloexec = cloexec;
		file_hold(fp);
		/* Scanned from the hint: every slot up to fd is taken. */
		if (minfd <= fdp->fd_freehint)
			fdp->fd_freehint = fd + 1;
		*fdp_out = fd;
	}
	mutex_exit(&fdp->fd_lock);
	return error;
}

int
fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec)
{
	struct filedesc *fdp = p->p_fd;
	struct file *fp, *prev = NULL;
	int error = 0;

	if (newfd < 0 || newfd >= fd_limit(p))
		return EBADF;
	mutex_enter(&fdp->fd_lock);
	if ((unsigned)oldfd >= (unsigned)fdp->fd_nslots ||
	    (fp = fdp->fd_slots[oldfd].fs_file) == NULL)
		error = EBADF;
	else if (newfd >= fdp->fd_nslots)
		error = fd_grow_locked(fdp, newfd);
	if (error == 0) {
		prev = fdp->fd_slots[newfd].fs_file;
		fdp->fd_slots[newfd].fs_file = fp;
		fdp->fd_slots[newfd].fs_cloexec = cloexec;
		file_hold(fp);
	}
	mutex_exit(&fdp->fd_lock);
	if (prev != NULL)
		file_close(prev, fdp);
	return error;
}

int
fd_close(struct proc *p, int fd)
{
	struct filedesc *fdp = p->p_fd;
	struct file *fp = NULL;

	mutex_enter(&fdp->fd_lock);
	if ((unsigned)fd < (unsigned)fdp->fd_nslots &&
	    (fp = fdp->fd_slots[fd].fs_file) != NULL) {
		fdp->fd_slots[fd].fs_file = NULL;
		if (fd < fdp->fd_freehint)
			fdp->fd_freehint = fd;
	}
	mutex_exit(&fdp->fd_lock);
	if (fp == NULL)
		return EBADF;
	file_close(fp, fdp);
	return 0;
}

int
fd_getcloexec(struct proc *p, int fd, bool *cloexecp)
{
	struct filedesc *fdp = p->p_fd;
	int error = EBADF;

	mutex_enter(&fdp->fd_lock);
	if ((unsigned)fd < (unsigned)fdp->fd_nslots &&
	    fdp->fd_slots[fd].fs_file != NULL) {
		*cloexecp = fdp->fd_slots[fd].fs_cloexec;
		error = 0;
	}
	mutex_exit(&fdp->fd_lock);
	return error;
}

int
fd_setcloexec(struct proc *p, int fd, bool cloexec)
{
	struct filedesc *fdp = p->p_fd;
	int error = EBADF;

	mutex_enter(&fdp->fd_lock);
	if ((unsigned)fd < (unsigned)fdp->fd_nslots &&
	    fdp->fd_slots[fd].fs_file != NULL) {
		fdp->fd_slots[fd].fs_cloexec = cloexec;
		error = 0;
	}
	mutex_exit(&fdp->fd_lock);
	return error;
}

void
fd_closeexec(struct filedesc *fdp)
{
	fd_closeif(fdp, false);
}

/* Close the descriptors from first to last (all of them, or only the
 * close-on-exec ones), one at a time, each released with the lock
 * dropped. */
static void
close_range_if(struct filedesc *fdp, unsigned first, unsigned last,
	       bool only_cloexec)
{
	struct file *fp;
	unsigned i = first;

	for (;;) {
		fp = NULL;
		mutex_enter(&fdp->fd_lock);
		for (; i < (unsigned)fdp->fd_nslots && i <= last && fp == NULL;
		     i++) {
			if (fdp->fd_slots[i].fs_file == NULL ||
			    (only_cloexec && !fdp->fd_slots[i].fs_cloexec))
				continue;
			fp = fdp->fd_slots[i].fs_file;
			fdp->fd_slots[i].fs_file = NULL;
			if ((int)i < fdp->fd_freehint)
				fdp->fd_freehint = (int)i;
		}
		mutex_exit(&fdp->fd_lock);
		if (fp == NULL)
			return;
		file_close(fp, fdp);
	}
}

void
fd_closeif(struct filedesc *fdp, bool all)
{
	close_range_if(fdp, 0, ~0u, !all);
}

int
fd_unshare(struct proc *p)
{
	struct filedesc *old = p->p_fd, *new;
	bool alone;

	if (fd_refs(old) == 1)
		return 0;
	if ((new = fd_copy(old)) == NULL)
		return ENOMEM;
	/* With no other lwp in p, nobody can be using the old table
	 * through p->p_fd (lwps join p under p_lock). */
	mutex_enter(&p->p_lock);
	alone = p->p_nlwps == 1;
	if (alone)
		p->p_fd = new;
	mutex_exit(&p->p_lock);
	fd_release(alone ? old : new);
	return alone ? 0 : EINVAL;
}

void
fd_close_range(struct proc *p, unsigned first, unsigned last, bool cloexec)
{
	struct filedesc *fdp = p->p_fd;

	if (!cloexec) {
		close_range_if(fdp, first, last, false);
		return;
	}
	mutex_enter(&fdp->fd_lock);
	for (unsigned i = first; i < (unsigned)fdp->fd_nslots && i <= last; i++)
		if (fdp->fd_slots[i].fs_file != NULL)
			fdp->fd_slots[i].fs_cloexec = true;
	mutex_exit(&fdp->fd_lock);
}

int
fd_refs(struct filedesc *fdp)
{
	return (int)atomic_load_acq(&fdp->fd_refcnt);
}
