/*
 * sys_lock.c: the advisory-lock syscalls: fcntl's record-lock commands
 * (F_GETLK, F_SETLK, F_SETLKW and the OFD ones) and flock(2), over
 * lockf.h.  Checks come in Linux's order, so the first error is Linux's.
 */
#include "file.h"
#include "fd.h"
#include "lockf.h"
#include "proc.h"
#include "vnode.h"
#include "syscall.h"

/* The file's offset, for l_whence SEEK_CUR. */
static off_t
file_offset(struct file *fp)
{
	off_t off;

	mutex_enter(&fp->f_poslock);
	off = fp->f_offset;
	mutex_exit(&fp->f_poslock);
	return off;
}

/* Fill *rq from a struct flock: the range, then the type. */
static int
flock_to_req(struct file *fp, const struct flock *fl, struct lf_req *rq)
{
	struct stat st;
	off_t size = 0;
	int error;

	if (fl->l_whence == SEEK_END) {
		if ((error = fp->f_ops->fo_stat(fp, &st)) != 0)
			return error;
		size = (off_t)st.st_size;
	}
	error = lf_range(fl->l_whence, fl->l_start, fl->l_len,
			 fl->l_whence == SEEK_CUR ? file_offset(fp) : 0, size,
			 &rq->lr_start, &rq->lr_end);
	if (error != 0)
		return error;
	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK &&
	    fl->l_type != F_UNLCK)
		return EINVAL;
	rq->lr_type = fl->l_type;
	return 0;
}

static int
fcntl_getlk(struct lwp *l, struct file *fp, struct lockf_head *h, int cmd,
	    struct flock *ufl)
{
	struct flock fl;
	struct lf_req rq;
	int error;

	if ((error = copyin(ufl, &fl, sizeof(fl))) != 0)
		return error;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK)
		return EINVAL;
	if ((error = flock_to_req(fp, &fl, &rq)) != 0)
		return error;
	if (cmd == F_OFD_GETLK) {
		if (fl.l_pid != 0)
			return EINVAL;
		rq.lr_kind = LF_OFD;
		rq.lr_owner = fp;
	} else {
		rq.lr_kind = LF_POSIX;
		rq.lr_owner = l->l_proc->p_fd;
	}
	rq.lr_pid = l->l_proc->p_pid;
	lf_getlk(h, &rq);
	fl.l_type = rq.lr_type;
	if (rq.lr_type != F_UNLCK) {
		fl.l_pid = rq.lr_kind == LF_POSIX ? rq.lr_pid : -1;
		fl.l_whence = SEEK_SET;
		fl.l_start = rq.lr_start;
		fl.l_len =
			rq.lr_end == LF_EOF ? 0 : rq.lr_end - rq.lr_start + 1;
	}
	return copyout(&fl, ufl, sizeof(fl));
}

static int
fcntl_setlk(struct lwp *l, struct file *fp, struct lockf_head *h, int cmd,
	    struct flock *ufl)
{
	struct flock fl;
	struct lf_req rq;
	int error;

	if ((error = copyin(ufl, &fl, sizeof(fl))) != 0)
		return error;
	if ((error = flock_to_req(fp, &fl, &rq)) != 0)
		return error;
	/* A read lock needs a readable file, a write lock a writable one. */
	if ((rq.lr_type == F_RDLCK && !file_readable(fp)) ||
	    (rq.lr_type == F_WRLCK && !file_writable(fp)))
		return EBADF;
	if (cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) {
		if (fl.l_pid != 0)
			return EINVAL;
		rq.lr_kind = LF_OFD;
		rq.lr_owner = fp;
		rq.lr_pid = -1;
	} else {
		rq.lr_kind = LF_POSIX;
		rq.lr_owner = l->l_proc->p_fd;
		rq.lr_pid = l->l_proc->p_pid;
	}
	return lf_setlk(h, &rq,
			cmd == F_SETLKW || cmd == F_OFD_SETLKW ? LF_WAIT : 0);
}

/* Linux's one anonymous inode: its lock state, zero-filled like any
 * static (lf_enter makes the lock on first use). */
static struct lockf_head anon_inode_locks;

struct lockf_head *
fo_lockf_anon(struct file *fp)
{
	(void)fp;
	return &anon_inode_locks;
}

struct lockf_head *
file_lockhead(struct file *fp)
{
	if (fp->f_vnode != NULL)
		return &fp->f_vnode->v_lockf;
	return fp->f_ops->fo_lockf != NULL ? fp->f_ops->fo_lockf(fp) : NULL;
}

int
fcntl_lock(struct lwp *l, struct file *fp, int cmd, unsigned long arg)
{
	struct lockf_head *h;

	/* An O_PATH descriptor allows no lock command. */
	if (file_flag(fp) & O_PATH)
		return EBADF;
	if ((h = file_lockhead(fp)) == NULL)
		return ENOLCK;
	switch (cmd) {
	case F_GETLK:
	case F_OFD_GETLK:
		return fcntl_getlk(l, fp, h, cmd, (struct flock *)arg);
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return fcntl_setlk(l, fp, h, cmd, (struct flock *)arg);
	default:
		return EINVAL;
	}
}

long
sys_flock(struct lwp *l, int fd, int operation)
{
	unsigned op = (unsigned)operation;
	struct file *fp;
	short type;
	int error;

	/* LOCK_MAND is gone from Linux: accepted and ignored. */
	if (op & LOCK_MAND)
		return 0;
	switch (op & ~(unsigned)LOCK_NB) {
	case LOCK_SH:
		type = F_RDLCK;
		break;
	case LOCK_EX:
		type = F_WRLCK;
		break;
	case LOCK_UN:
		type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if ((fp = fd_getfile(l->l_proc, fd)) == NULL)
		return -EBADF;
	if (file_flag(fp) & O_PATH)
		error = EBADF;
	else if (file_lockhead(fp) == NULL)
		error = ENOLCK;
	else
		error = lf_flock(file_lockhead(fp), fp, type,
				 (op & LOCK_NB) ? 0 : LF_WAIT);
	file_release(fp);
	return -error;
}
