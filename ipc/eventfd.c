/*
 * eventfd.c: eventfd(2) and eventfd2(2): a 64-bit counter as a file.
 * read takes the whole count (or 1 with EFD_SEMAPHORE) and blocks while
 * it is 0; write adds and blocks while the sum would pass 2^64-2.
 */
#include <linux/stat.h>

#include "fd.h"
#include "ipc.h"
#include "proc.h"
#include "syscall.h"

#define EFD_SEMAPHORE 1
#define EFD_FLAGS (EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)
#define EFD_MAX UINT64_C(0xfffffffffffffffe)

struct eventfd {
	kmutex_t e_lock;
	struct waitq e_wq;
	uint64_t e_count;
	bool e_sema;
};

static int
eventfd_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct eventfd *e = fp->f_data;
	uint64_t v;
	int error;

	if (uio->uio_resid < sizeof(v))
		return EINVAL;
	mutex_enter(&e->e_lock);
	while (e->e_count == 0) {
		if (ioflags & IO_NONBLOCK) {
			mutex_exit(&e->e_lock);
			return EAGAIN;
		}
		if (ipc_sleep(&e->e_wq, &e->e_lock, POLLIN, DEADLINE_NONE)) {
			mutex_exit(&e->e_lock);
			return ERESTARTSYS;
		}
	}
	v = e->e_sema ? 1 : e->e_count;
	e->e_count -= v;
	ipc_wakeup(&e->e_wq, POLLOUT | POLLWRNORM);
	mutex_exit(&e->e_lock);
	if ((error = uiomove(&v, sizeof(v), uio)) != 0) {
		/* Linux consumes the value even when the copy fails. */
		return error;
	}
	return 0;
}

static int
eventfd_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct eventfd *e = fp->f_data;
	uint64_t v;
	int error;

	/* Exactly one counter value: Linux refuses longer writes too. */
	if (uio->uio_resid != sizeof(v))
		return EINVAL;
	if ((error = uiomove(&v, sizeof(v), uio)) != 0)
		return error;
	if (v == UINT64_MAX) {
		uio->uio_resid += sizeof(v); /* nothing was written */
		return EINVAL;
	}
	mutex_enter(&e->e_lock);
	while (EFD_MAX - e->e_count < v) {
		if (ioflags & IO_NONBLOCK)
			error = EAGAIN;
		else if (ipc_sleep(&e->e_wq, &e->e_lock, POLLOUT,
				   DEADLINE_NONE))
			error = ERESTARTSYS;
		if (error != 0) {
			mutex_exit(&e->e_lock);
			uio->uio_resid += sizeof(v);
			return error;
		}
	}
	e->e_count += v;
	if (e->e_count > 0)
		ipc_wakeup(&e->e_wq, POLLIN | POLLRDNORM);
	mutex_exit(&e->e_lock);
	return 0;
}

static int
eventfd_poll(struct file *fp, int events, struct polltable *pt)
{
	struct eventfd *e = fp->f_data;
	int mask = 0;

	poll_wait(pt, &e->e_wq, &e->e_lock);
	mutex_enter(&e->e_lock);
	if (e->e_count > 0)
		mask |= POLLIN | POLLRDNORM;
	if (e->e_count < EFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	mutex_exit(&e->e_lock);
	return mask & (events | POLL_ALWAYS);
}

static void
eventfd_close(struct file *fp)
{
	struct eventfd *e = fp->f_data;

	mutex_destroy(&e->e_lock);
	kmem_free(e, sizeof(*e));
}

static const struct fileops eventfd_fileops = {
	.fo_seek = fo_seek_none, /* Linux's noop_llseek */
	.fo_lockf = fo_lockf_anon,
	.fo_read = eventfd_read,
	.fo_write = eventfd_write,
	.fo_stat = fo_stat_anon,
	.fo_poll = eventfd_poll,
	.fo_close = eventfd_close,
};

long
sys_eventfd2(struct lwp *l, unsigned int initval, int flags)
{
	struct eventfd *e;
	struct file *fp;
	int error, fd;

	if (flags & ~EFD_FLAGS)
		return -EINVAL;
	if ((e = kmem_zalloc(sizeof(*e))) == NULL)
		return -ENOMEM;
	mutex_init(&e->e_lock);
	waitq_init(&e->e_wq);
	e->e_count = initval;
	e->e_sema = (flags & EFD_SEMAPHORE) != 0;
	if ((error = file_alloc(&eventfd_fileops, e,
				O_RDWR | (flags & O_NONBLOCK), l->l_cred,
				&fp)) != 0) {
		eventfd_close(&(struct file){ .f_data = e });
		return -error;
	}
	error = fd_alloc(l->l_proc, fp, 0, (flags & O_CLOEXEC) != 0, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

long
sys_eventfd(struct lwp *l, unsigned int initval)
{
	return sys_eventfd2(l, initval, 0);
}
