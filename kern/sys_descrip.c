/*
 * sys_descrip.c: descriptor syscalls: close, dup, dup2, dup3, fcntl,
 * ioctl.  The checks come in Linux's order, so the first error is
 * Linux's.
 */
#include <asm/ioctls.h>
#include <linux/close_range.h>
#include <linux/stat.h>

#include "cred.h"
#include "fd.h"
#include "file.h"
#include "proc.h"
#include "sigio.h"
#include "syscall.h"
#include "../vfs/lockf.h"

long
sys_close(struct lwp *l, int fd)
{
	return -fd_close(l->l_proc, fd);
}

long
sys_close_range(struct lwp *l, unsigned first, unsigned last, unsigned flags)
{
	int error;

	if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	if ((flags & CLOSE_RANGE_UNSHARE) &&
	    (error = fd_unshare(l->l_proc)) != 0)
		return -error;
	fd_close_range(l->l_proc, first, last,
		       (flags & CLOSE_RANGE_CLOEXEC) != 0);
	return 0;
}

long
sys_dup(struct lwp *l, int oldfd)
{
	struct file *fp;
	int error, fd;

	if ((fp = fd_getfile(l->l_proc, oldfd)) == NULL)
		return -EBADF;
	error = fd_alloc(l->l_proc, fp, 0, false, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

long
sys_dup3(struct lwp *l, int oldfd, int newfd, int flags)
{
	int error;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	error = fd_dup2(l->l_proc, oldfd, newfd, (flags & O_CLOEXEC) != 0);
	return error != 0 ? -error : newfd;
}

long
sys_dup2(struct lwp *l, int oldfd, int newfd)
{
	struct file *fp;

	/* dup2(fd, fd) only checks that fd is open. */
	if (oldfd == newfd) {
		if ((fp = fd_getfile(l->l_proc, oldfd)) == NULL)
			return -EBADF;
		file_release(fp);
		return newfd;
	}
	return sys_dup3(l, oldfd, newfd, 0);
}

/* O_NOATIME is for the file's owner, or with CAP_FOWNER (a file
 * capability: the fsuid decides). */
static int
noatime_allowed(struct lwp *l, struct file *fp)
{
	struct stat st;
	int error;

	if (cred_fs_privileged(l->l_cred))
		return 0;
	if ((error = fp->f_ops->fo_stat(fp, &st)) != 0)
		return error;
	return st.st_uid == l->l_cred->cr_fsuid ? 0 : EPERM;
}

/* F_SETFL: only the status flags in FILE_SETFL_MASK change, and FASYNC
 * as Linux's setfl: a change of it goes to the file type, and a file
 * that cannot signal keeps it as it was. */
static int
setfl(struct lwp *l, struct file *fp, int fd, unsigned long arg)
{
	unsigned flag = (unsigned)arg, old, new;
	unsigned caps = fp->f_ops->fo_caps;
	int error;

	old = file_flag(fp);
	if ((flag & O_NOATIME) && !(old & O_NOATIME) &&
	    (error = noatime_allowed(l, fp)) != 0)
		return error;
	if ((flag & O_DIRECT) && !(caps & FO_CAN_DIRECT))
		return EINVAL;
	if (((flag ^ old) & FASYNC) && (caps & FO_CAN_ASYNC) &&
	    (error = sigio_fasync(fp, fd, (flag & FASYNC) != 0)) != 0)
		return error;
	old = file_flag(fp);
	do {
		new = (flag & FILE_SETFL_MASK) | (old & ~FILE_SETFL_MASK);
	} while (!__atomic_compare_exchange_n(&fp->f_flag, &old, new, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

/* F_DUPFD and F_DUPFD_CLOEXEC: the lowest free descriptor >= arg. */
static int
dupfd(struct proc *p, struct file *fp, unsigned long arg, bool cloexec,
      long *retval)
{
	int error, fd;

	if (arg >= (unsigned long)fd_limit(p))
		return EINVAL;
	if ((error = fd_alloc(p, fp, (int)arg, cloexec, &fd)) == 0)
		*retval = fd;
	return error;
}

/* The commands an O_PATH descriptor takes (Linux's check_fcntl_cmd):
 * those on the descriptor, and F_GETFL; the rest are EBADF. */
static bool
path_fcntl_ok(int cmd)
{
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD ||
	       cmd == F_SETFD || cmd == F_GETFL;
}

long
sys_fcntl(struct lwp *l, int fd, int cmd, unsigned long arg)
{
	struct proc *p = l->l_proc;
	struct file *fp;
	long rv = 0;
	bool cloexec, handled;
	int error;

	if ((fp = fd_getfile(p, fd)) == NULL)
		return -EBADF;
	if ((file_flag(fp) & O_PATH) && !path_fcntl_ok(cmd)) {
		file_release(fp);
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		error = dupfd(p, fp, arg, cmd == F_DUPFD_CLOEXEC, &rv);
		break;
	case F_GETFD:
		error = fd_getcloexec(p, fd, &cloexec);
		rv = cloexec ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		error = fd_setcloexec(p, fd, (arg & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		error = 0;
		rv = file_flag(fp);
		break;
	case F_SETFL:
		error = setfl(l, fp, fd, arg);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		error = fcntl_lock(l, fp, cmd, arg);
		break;
	default:
		/* The owner's commands, any file's (sigio.h). */
		error = sigio_fcntl(l, fp, cmd, arg, &rv, &handled);
		if (handled)
			break;
		/* The file type's own commands, or nothing. */
		error = fp->f_ops->fo_fcntl != NULL
				? fp->f_ops->fo_fcntl(fp, cmd, arg, &rv)
				: EINVAL;
		break;
	}
	file_release(fp);
	return error != 0 ? -error : rv;
}

/* ---- ioctl ---------------------------------------------------------------- */

/* Set or clear status flag `bit' (O_NONBLOCK) of the file. */
static void
setfl_bit(struct file *fp, unsigned bit, bool on)
{
	unsigned old = file_flag(fp), new;

	do {
		new = on ? (old | bit) : (old & ~bit);
	} while (!__atomic_compare_exchange_n(&fp->f_flag, &old, new, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

/*
 * FIONREAD and FIOQSIZE of regular files (and FIOQSIZE of directories
 * and symlinks), as Linux's do_vfs_ioctl serves them before the file's
 * own ioctl: *handled is false for other file types.
 */
static int
ioctl_size(struct file *fp, unsigned cmd, void *data, bool *handled)
{
	struct stat st;
	unsigned fmt;
	int error;

	*handled = false;
	if ((error = fp->f_ops->fo_stat(fp, &st)) != 0)
		return error;
	fmt = st.st_mode & S_IFMT;
	if (cmd == FIONREAD) {
		off_t off;
		int n;

		if (fmt != S_IFREG)
			return 0;
		*handled = true;
		if (file_positioned(fp)) {
			mutex_enter(&fp->f_poslock);
			off = fp->f_offset;
			mutex_exit(&fp->f_poslock);
		} else {
			off = 0;
		}
		n = (int)(st.st_size - off); /* Linux stores an int */
		return copyout(&n, data, sizeof(n));
	}
	if (fmt != S_IFREG && fmt != S_IFDIR && fmt != S_IFLNK)
		return 0;
	*handled = true;
	off_t size = st.st_size;
	return copyout(&size, data, sizeof(size));
}

long
sys_ioctl(struct lwp *l, int fd, unsigned long request, unsigned long arg)
{
	struct proc *p = l->l_proc;
	unsigned cmd = (unsigned)request; /* Linux's cmd is an unsigned int */
	void *data = (void *)arg;
	struct file *fp;
	bool handled;
	int error, on;

	if ((fp = fd_getfile(p, fd)) == NULL)
		return -EBADF;
	if (file_flag(fp) & O_PATH) {
		file_release(fp);
		return -EBADF; /* an O_PATH descriptor takes no ioctl */
	}
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		error = fd_setcloexec(p, fd, cmd == FIOCLEX);
		break;
	case FIONBIO:
		if ((error = copyin(data, &on, sizeof(on))) == 0)
			setfl_bit(fp, O_NONBLOCK, on != 0);
		break;
	case FIOASYNC:
		if ((error = copyin(data, &on, sizeof(on))) != 0)
			break;
		/* As Linux: a change on a file that cannot signal is
		 * ENOTTY; asking for the state it has is fine. */
		if (((on ? FASYNC : 0) ^ file_flag(fp)) & FASYNC) {
			if (fp->f_ops->fo_caps & FO_CAN_ASYNC)
				error = sigio_fasync(fp, fd, on != 0);
			else
				error = ENOTTY;
		}
		break;
	case FIONREAD:
	case FIOQSIZE:
		error = ioctl_size(fp, cmd, data, &handled);
		if (error != 0 || handled)
			break;
		/* The file type's own (pipes, sockets). */
		__attribute__((fallthrough));
	default:
		error = fp->f_ops->fo_ioctl != NULL
				? fp->f_ops->fo_ioctl(fp, cmd, data)
				: ENOTTY;
		break;
	}
	file_release(fp);
	return -error;
}
