/*
 * devices.c: the memory devices (null, zero, full, random, urandom) and
 * the console (tty, console), their registration in the device switch,
 * and the boot of /dev (devfs.h).
 */
#include <asm/ioctls.h>
#include <asm/termios.h>
#include <linux/fcntl.h>

#include "cred.h"
#include "fd.h"
#include "file.h"
#include "poll.h"
#include "proc.h"
#include "sigio.h"
#include "devfs.h"
#include "../devsw.h"
#include "../vfs_int.h"

#define MEM_MAJOR 1
#define TTY_MAJOR 5
#define CHUNK 4096 /* bytes moved per host call or random fill */

/* ---- memory devices ---------------------------------------------------- */

/* Reads of /dev/null: end of file. */
static int
null_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return 0;
}

/* Writes to null, zero, random, urandom: everything is taken. */
static int
sink_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	uio->uio_resid = 0;
	return 0;
}

static int
zero_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return uiozero(uio->uio_resid, uio);
}

/* /dev/full: reads give zeroes, writes find the device full (even a
 * write of nothing, as Linux's write_full). */
static int
full_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return ENOSPC;
}

static int
random_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	char buf[256];
	size_t got;
	int error;

	while (uio->uio_resid > 0) {
		size_t want = MIN(uio->uio_resid, sizeof(buf));

		if ((error = rumpuser_getrandom(buf, want, 0, &got)) != 0)
			return error;
		if ((error = uiomove(buf, got, uio)) != 0)
			return error;
	}
	memset(buf, 0, sizeof(buf));
	return 0;
}

/* Linux's null_lseek: the position of these devices is always 0. */
static int
mem_seek(struct file *fp, off_t *offp, off_t off, int whence)
{
	*offp = 0;
	return 0;
}

/* Always ready both ways. */
static int
mem_poll(struct file *fp, int events, struct polltable *pt)
{
	return events & (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM);
}

#define MEM_OPS(rd, wr, caps)                                                  \
	{                                                                      \
		.fo_read = rd, .fo_write = wr, .fo_stat = vn_fo_stat,          \
		.fo_seek = mem_seek, .fo_poll = mem_poll, .fo_caps = caps,     \
	}

static const struct fileops null_ops = MEM_OPS(null_read, sink_write, 0);
static const struct fileops zero_ops = MEM_OPS(zero_read, sink_write, 0);
static const struct fileops full_ops = MEM_OPS(zero_read, full_write, 0);
/* O_ASYNC is taken, as by Linux's random devices, whose only signal
 * (the generator becoming ready) is long past here. */
static const struct fileops random_ops =
	MEM_OPS(random_read, sink_write, FO_CAN_ASYNC);

static int
mem_open(vdev_t dev, struct vnode *vp, unsigned flags, struct file *fp)
{
	switch (VMINOR(dev)) {
	case 3:
		fp->f_ops = &null_ops;
		return 0;
	case 5:
		fp->f_ops = &zero_ops;
		return 0;
	case 7:
		fp->f_ops = &full_ops;
		return 0;
	case 8:
	case 9:
		fp->f_ops = &random_ops;
		return 0;
	default:
		return ENXIO; /* 1:4 port, 1:6 core: not here */
	}
}

static const struct devsw mem_devsw = {
	.d_name = "mem",
	.d_open = mem_open,
};

/* ---- console ------------------------------------------------------------ */

/*
 * Console input.  A host thread of the kernel's reads the host's standard
 * input into `cin', one chunk at a time, starting at the first read or
 * poll of the console; callers sleep in the kernel, where a signal ends
 * the wait (EINTR, or a restart under SA_RESTART), and input that comes
 * after a caller gave up stays for the next read.  A chunk is returned
 * as soon as the host has it, so a line comes back when it is typed.
 * The host's end of file is returned once, as a terminal's ^D: the next
 * read waits for the host again.
 */
static struct {
	kmutex_t lock;
	kcondvar_t cv;    /* the reader thread waits for an empty buffer */
	struct waitq wq;  /* readers and pollers wait for input */
	char buf[CHUNK];  /* what the host gave and no caller took yet;
			   * the reader thread's own while empty */
	size_t head, len; /* under lock, as are the rest */
	bool started;     /* the reader thread runs */
	bool eof;         /* the host's end of file, not yet returned */
	int error;        /* the host's read error, not yet returned */
} cin;

static bool
cin_ready_locked(void)
{
	return cin.len > 0 || cin.eof || cin.error != 0;
}

/* The reader thread: fill the buffer whenever callers have emptied it. */
static void *
cin_main(void *arg)
{
	for (;;) {
		struct rumpuser_iovec iov = { cin.buf, CHUNK };
		size_t n = 0;
		int error;

		mutex_enter(&cin.lock);
		while (cin_ready_locked())
			cv_wait(&cin.cv, &cin.lock);
		mutex_exit(&cin.lock);
		error = rumpuser_iovread(RUMPUSER_FD_STDIN, &iov, 1,
					 RUMPUSER_IOV_NOSEEK, &n);
		mutex_enter(&cin.lock);
		if (error != 0) {
			cin.error = error;
		} else if (n == 0) {
			cin.eof = true;
		} else {
			cin.head = 0;
			cin.len = n;
		}
		if (!waitq_empty(&cin.wq))
			waitq_wakeup_key(&cin.wq, POLLIN | POLLRDNORM);
		/* O_ASYNC owners hear of input (n_tty's kill_fasync). */
		sigio_wakeup(&cin.wq, POLL_IN);
		mutex_exit(&cin.lock);
	}
	return NULL;
}

/* Start the reader thread if it does not run yet.  0 or an errno. */
static int
cin_start_locked(void)
{
	int error;

	if (cin.started)
		return 0;
	error = rumpuser_thread_create(cin_main, NULL, "rump_console", 0, 0, -1,
				       NULL);
	if (error == 0)
		cin.started = true;
	return error;
}

static int
cons_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	size_t n;
	int error = 0;

	if (uio->uio_resid == 0)
		return 0;
	mutex_enter(&cin.lock);
	if ((error = cin_start_locked()) != 0)
		goto out;
	while (!cin_ready_locked()) {
		if (ioflags & IO_NONBLOCK) {
			error = EAGAIN;
			goto out;
		}
		if (sleepq_wait(&cin.wq, &cin.lock, DEADLINE_NONE,
				SLEEP_INTR) == EINTR) {
			error = ERESTARTSYS;
			goto out;
		}
	}
	if (cin.len > 0) {
		/* Copied under the lock: what the caller's memory refuses
		 * stays for the next read. */
		size_t before = uio->uio_resid;

		error = uiomove(cin.buf + cin.head, MIN(cin.len, before), uio);
		n = before - uio->uio_resid;
		cin.head += n;
		cin.len -= n;
	} else if (cin.error != 0) {
		error = cin.error;
		cin.error = 0;
	} else {
		cin.eof = false; /* a read of 0: end of file, once */
	}
	if (!cin_ready_locked())
		cv_signal(&cin.cv);
out:
	mutex_exit(&cin.lock);
	return error;
}

static int
cons_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	char *buf;
	int error = 0;

	if ((buf = kmem_alloc(CHUNK)) == NULL)
		return ENOMEM;
	while (uio->uio_resid > 0 && error == 0) {
		size_t before = uio->uio_resid, len, done, n;

		error = uiomove(buf, MIN(before, CHUNK), uio);
		len = before - uio->uio_resid;
		for (done = 0; done < len && error == 0; done += n) {
			struct rumpuser_iovec iov = { buf + done, len - done };

			error = rumpuser_iovwrite(RUMPUSER_FD_STDOUT, &iov, 1,
						  RUMPUSER_IOV_NOSEEK, &n);
			if (error == 0 && n == 0)
				error = EIO;
		}
		if (error != 0) /* what the host did not take was not written */
			uio->uio_resid += len - done;
	}
	kmem_free(buf, CHUNK);
	return error;
}

/* Writable always; readable when input waits (a poll starts the reader
 * thread, so the host's input wakes it). */
static int
cons_poll(struct file *fp, int events, struct polltable *pt)
{
	int revents = events & (POLLOUT | POLLWRNORM);

	if (!(events & (POLLIN | POLLRDNORM)))
		return revents;
	poll_wait(pt, &cin.wq, &cin.lock);
	mutex_enter(&cin.lock);
	if (cin_ready_locked())
		revents |= events & (POLLIN | POLLRDNORM);
	else if (pt != NULL && cin_start_locked() != 0)
		revents |= POLLERR; /* no thread: nothing would wake us */
	mutex_exit(&cin.lock);
	return revents;
}

/*
 * Terminal settings: the console keeps one termios and window size,
 * starting as Linux's tty_std_termios (a fresh terminal in canonical
 * mode with echo), so isatty() and tcgetattr() see a terminal.  They
 * only record what is set: the host's terminal is not changed.
 */
static kmutex_t cons_lock;
static struct termios cons_termios = {
	.c_iflag = ICRNL | IXON,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = B38400 | CS8 | CREAD | HUPCL,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		   IEXTEN,
	.c_line = 0, /* N_TTY */
	.c_cc = { [VINTR] = 003,
		  [VQUIT] = 034,
		  [VERASE] = 0177,
		  [VKILL] = 025,
		  [VEOF] = 004,
		  [VTIME] = 0,
		  [VMIN] = 1,
		  [VSTART] = 021,
		  [VSTOP] = 023,
		  [VSUSP] = 032,
		  [VREPRINT] = 022,
		  [VDISCARD] = 017,
		  [VWERASE] = 027,
		  [VLNEXT] = 026 },
};
static struct winsize cons_winsize;

static int
cons_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct termios t;
	struct winsize ws;
	int error;

	switch (cmd) {
	case TCGETS:
		mutex_enter(&cons_lock);
		t = cons_termios;
		mutex_exit(&cons_lock);
		return copyout(&t, data, sizeof(t));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if ((error = copyin(data, &t, sizeof(t))) != 0)
			return error;
		mutex_enter(&cons_lock);
		cons_termios = t;
		mutex_exit(&cons_lock);
		return 0;
	case TIOCGWINSZ:
		mutex_enter(&cons_lock);
		ws = cons_winsize;
		mutex_exit(&cons_lock);
		return copyout(&ws, data, sizeof(ws));
	case TIOCSWINSZ:
		if ((error = copyin(data, &ws, sizeof(ws))) != 0)
			return error;
		mutex_enter(&cons_lock);
		cons_winsize = ws;
		mutex_exit(&cons_lock);
		return 0;
	case FIONREAD: {
		/* What the kernel holds; the host may have more on its way. */
		int n;

		mutex_enter(&cin.lock);
		n = (int)cin.len;
		mutex_exit(&cin.lock);
		return copyout(&n, data, sizeof(n));
	}
	default:
		return ENOTTY;
	}
}

/* A terminal has no position: lseek and pread give ESPIPE. */
static const struct fileops cons_ops = {
	.fo_read = cons_read,
	.fo_write = cons_write,
	.fo_stat = vn_fo_stat,
	.fo_ioctl = cons_ioctl,
	.fo_poll = cons_poll,
	/* Linux's tty_fasync: O_ASYNC names the caller owner if none. */
	.fo_caps = FO_CAN_ASYNC | FO_ASYNC_OWNS,
};

static int
tty_open(vdev_t dev, struct vnode *vp, unsigned flags, struct file *fp)
{
	fp->f_ops = &cons_ops;
	return 0;
}

static const struct devsw tty_devsw = {
	.d_name = "tty",
	.d_open = tty_open,
};

int
devices_init(void)
{
	int error;

	mutex_init(&cons_lock);
	mutex_init(&cin.lock);
	cv_init(&cin.cv);
	waitq_init(&cin.wq);
	if ((error = devsw_register(VMKDEV(MEM_MAJOR, 3), 7, &mem_devsw)) != 0)
		return error;
	return devsw_register(VMKDEV(TTY_MAJOR, 0), 2, &tty_devsw);
}

/* ---- boot ------------------------------------------------------------------ */

/* Descriptors 0, 1, 2 of init on /dev/console, as NetBSD's rump kernels
 * start pid 1. */
static int
console_fds(void)
{
	struct vnode *vp;
	struct file *fp;
	int error, fd;

	if ((error = namei_kernel("/dev/console", &vp)) != 0)
		return error;
	error = vn_open_file(vp, O_RDWR, initproc->p_cred, &fp);
	vnode_rele(vp);
	if (error != 0)
		return error;
	for (int i = 0; i < 3 && error == 0; i++) {
		if ((error = fd_alloc(initproc, fp, i, false, &fd)) == 0 &&
		    fd != i)
			error = EBUSY;
	}
	file_release(fp);
	return error;
}

int
devfs_init(void)
{
	int error;

	if ((error = devices_init()) != 0)
		return error;
	if ((error = vfs_register_fstype(&devfs_vfsops)) != 0)
		return error;
	if ((error = vfs_mount_internal("devfs", "devfs", "/dev", 0, NULL)) !=
	    0)
		return error;
	/* POSIX shared memory lives in /dev/shm, a tmpfs as on Linux. */
	if ((error = vfs_mount_internal("tmpfs", "tmpfs", "/dev/shm",
					MNT_NOSUID | MNT_NODEV, "mode=1777")) !=
	    0)
		return error;
	return console_fds();
}
