/* fd.c: TEMPORARY minimal descriptor-table lifecycle until the file
 * layer lands; replaced by the real table. */
#include "fd.h"

struct filedesc {
	unsigned fd_refcnt;
};

struct filedesc *
fd_create(void)
{
	struct filedesc *fdp = kmem_zalloc(sizeof(*fdp));

	if (fdp != NULL)
		fdp->fd_refcnt = 1;
	return fdp;
}

struct filedesc *
fd_copy(struct filedesc *fdp)
{
	return fd_create();
}

void
fd_hold(struct filedesc *fdp)
{
	atomic_inc(&fdp->fd_refcnt);
}

void
fd_release(struct filedesc *fdp)
{
	if (atomic_dec(&fdp->fd_refcnt) == 0)
		kmem_free(fdp, sizeof(*fdp));
}
