/*
 * timerfd.c: timerfd_create, timerfd_settime, timerfd_gettime: a timer
 * read through a descriptor.  A read returns the number of expiries
 * since the last read (overruns included) as 8 bytes, blocking until
 * there is one (or EAGAIN with O_NONBLOCK); poll and epoll see it
 * readable through fo_poll (poll.h).  The timer is a callout
 * (callout.h).
 *
 * Clock settings (Linux's rules): an absolute timer on CLOCK_REALTIME
 * (or REALTIME_ALARM) follows clock_settime, a relative one runs on
 * CLOCK_MONOTONIC; armed with TFD_TIMER_ABSTIME|TFD_TIMER_CANCEL_ON_SET
 * on those clocks, the timerfd watches for settings of the clock: after
 * one, poll sees it readable and the next read fails with ECANCELED
 * (clearing the count), until it is armed again without the flag.
 *
 * Lock order: tf_lock > callout_lock; the callout functions take
 * tf_lock with nothing held.
 */
#include <linux/stat.h>
#include <linux/timerfd.h>

#include "callout.h"
#include "cred.h"
#include "fd.h"
#include "file.h"
#include "ktime.h"
#include "poll.h"
#include "proc.h"
#include "sleepq.h"
#include "syscall.h"
#include "../vfs/lockf.h"

struct timerfd {
	kmutex_t tf_lock;
	struct waitq tf_wq; /* readers and pollers, under tf_lock */
	int tf_clock;
	int tf_base;         /* the clock tf_expire is on */
	int64_t tf_expire;   /* absolute on tf_base, ns; 0: disarmed */
	int64_t tf_interval; /* ns */
	uint64_t tf_ticks;   /* expiries not yet read */
	struct callout tf_callout;
	struct callout tf_setwatch; /* runs when the clock is set */
	bool tf_cancel;             /* TFD_TIMER_CANCEL_ON_SET is on */
	uint64_t tf_setgen;         /* time_setgen() last seen */
};

static int64_t
tf_now(struct timerfd *tf)
{
	int64_t ns = 0;

	clock_read_ns(NULL, tf->tf_base, &ns);
	return ns;
}

/* The clock was set since the timer was armed to be cancelled by it;
 * tf_lock held. */
static bool
tf_canceled_locked(struct timerfd *tf)
{
	return tf->tf_cancel && time_setgen() != tf->tf_setgen;
}

/* Count what has expired by now and re-arm; tf_lock held. */
static void
tf_update_locked(struct timerfd *tf)
{
	int64_t now, late;

	if (tf->tf_expire == 0 || (now = tf_now(tf)) < tf->tf_expire)
		return;
	if (tf->tf_interval > 0) {
		late = (now - tf->tf_expire) / tf->tf_interval;
		tf->tf_ticks += (uint64_t)late + 1;
		tf->tf_expire += (late + 1) * tf->tf_interval;
	} else {
		tf->tf_ticks++;
		tf->tf_expire = 0;
	}
	waitq_wakeup_key(&tf->tf_wq, POLLIN | POLLRDNORM);
}

static void
tf_arm_locked(struct timerfd *tf)
{
	if (tf->tf_expire == 0)
		callout_stop(&tf->tf_callout);
	else if (clock_is_settable(tf->tf_base))
		callout_schedule_realtime(&tf->tf_callout, tf->tf_expire);
	else
		callout_schedule(&tf->tf_callout,
				 clock_to_mono(tf->tf_base, tf->tf_expire));
}

/* The clock was set: wake readers and pollers to see it. */
static void
tf_clockset(void *arg)
{
	struct timerfd *tf = arg;

	mutex_enter(&tf->tf_lock);
	if (tf_canceled_locked(tf))
		waitq_wakeup_key(&tf->tf_wq, POLLIN | POLLRDNORM);
	mutex_exit(&tf->tf_lock);
}

static void
tf_fire(void *arg)
{
	struct timerfd *tf = arg;

	mutex_enter(&tf->tf_lock);
	tf_update_locked(tf);
	tf_arm_locked(tf);
	mutex_exit(&tf->tf_lock);
}

static int
timerfd_read(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	struct timerfd *tf = fp->f_data;
	uint64_t ticks;
	int error = 0;

	if (uio->uio_resid < sizeof(ticks))
		return EINVAL;
	mutex_enter(&tf->tf_lock);
	for (;;) {
		if (tf_canceled_locked(tf)) {
			/* Linux: the count goes, the timer stays armed. */
			tf->tf_setgen = time_setgen();
			tf->tf_ticks = 0;
			mutex_exit(&tf->tf_lock);
			return ECANCELED;
		}
		tf_update_locked(tf);
		if (tf->tf_ticks > 0)
			break;
		if ((ioflags & IO_NONBLOCK) || (file_flag(fp) & O_NONBLOCK)) {
			error = EAGAIN;
			break;
		}
		if (sleepq_wait(&tf->tf_wq, &tf->tf_lock, DEADLINE_NONE,
				SLEEP_INTR) == EINTR) {
			error = ERESTARTSYS;
			break;
		}
	}
	ticks = tf->tf_ticks;
	tf->tf_ticks = 0;
	mutex_exit(&tf->tf_lock);
	if (error != 0)
		return error;
	if ((error = uiomove(&ticks, sizeof(ticks), uio)) != 0) {
		/* Not delivered: keep the count. */
		mutex_enter(&tf->tf_lock);
		tf->tf_ticks += ticks;
		mutex_exit(&tf->tf_lock);
	}
	return error;
}

static int
timerfd_write(struct file *fp, off_t *offp, struct uio *uio, int ioflags)
{
	return EINVAL;
}

static int
timerfd_poll(struct file *fp, int events, struct polltable *pt)
{
	struct timerfd *tf = fp->f_data;
	int mask = 0;

	poll_wait(pt, &tf->tf_wq, &tf->tf_lock);
	mutex_enter(&tf->tf_lock);
	tf_update_locked(tf);
	if (tf->tf_ticks > 0 || tf_canceled_locked(tf))
		mask |= POLLIN | POLLRDNORM;
	mutex_exit(&tf->tf_lock);
	return mask & events;
}

static void
timerfd_close(struct file *fp)
{
	struct timerfd *tf = fp->f_data;

	mutex_enter(&tf->tf_lock);
	tf->tf_expire = 0;
	callout_stop(&tf->tf_callout);
	mutex_exit(&tf->tf_lock);
	callout_watch_clockset(&tf->tf_setwatch, false);
	callout_halt(&tf->tf_setwatch);
	callout_halt(&tf->tf_callout);
	mutex_destroy(&tf->tf_lock);
	kmem_free(tf, sizeof(*tf));
}

static const struct fileops timerfd_ops = {
	.fo_seek = fo_seek_none, /* Linux's noop_llseek */
	.fo_lockf = fo_lockf_anon,
	.fo_read = timerfd_read,
	.fo_write = timerfd_write,
	.fo_stat = fo_stat_anon,
	.fo_poll = timerfd_poll,
	.fo_close = timerfd_close,
};

long
sys_timerfd_create(struct lwp *l, clockid_t clock, int flags)
{
	struct timerfd *tf;
	struct file *fp;
	int error, fd;

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC &&
	    clock != CLOCK_BOOTTIME && clock != CLOCK_REALTIME_ALARM &&
	    clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	/* Linux: the alarm clocks need CAP_WAKE_ALARM. */
	if ((clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) &&
	    !cred_privileged(l->l_cred))
		return -EPERM;
	if ((tf = kmem_zalloc(sizeof(*tf))) == NULL)
		return -ENOMEM;
	mutex_init(&tf->tf_lock);
	waitq_init(&tf->tf_wq);
	tf->tf_clock = tf->tf_base = clock;
	callout_init(&tf->tf_callout, tf_fire, tf);
	callout_init(&tf->tf_setwatch, tf_clockset, tf);
	error = file_alloc(&timerfd_ops, tf,
			   O_RDWR | (flags & TFD_NONBLOCK ? O_NONBLOCK : 0),
			   l->l_cred, &fp);
	if (error != 0) {
		mutex_destroy(&tf->tf_lock);
		kmem_free(tf, sizeof(*tf));
		return -error;
	}
	error = fd_alloc(l->l_proc, fp, 0, (flags & TFD_CLOEXEC) != 0, &fd);
	file_release(fp);
	return error != 0 ? -error : fd;
}

/* The timerfd open on `fd', held; *errp EBADF or EINVAL otherwise. */
static struct file *
timerfd_get(struct lwp *l, int fd, long *errp)
{
	struct file *fp = fd_getfile(l->l_proc, fd);

	if (fp == NULL) {
		*errp = -EBADF;
		return NULL;
	}
	if (fp->f_ops != &timerfd_ops) {
		file_release(fp);
		*errp = -EINVAL;
		return NULL;
	}
	return fp;
}

static void
tf_get_locked(struct timerfd *tf, struct itimerspec *its)
{
	int64_t now;

	tf_update_locked(tf);
	ns_to_ts(tf->tf_interval, &its->it_interval);
	if (tf->tf_expire == 0) {
		ns_to_ts(0, &its->it_value);
		return;
	}
	now = tf_now(tf);
	ns_to_ts(tf->tf_expire > now ? tf->tf_expire - now : 1, &its->it_value);
}

long
sys_timerfd_settime(struct lwp *l, int fd, int flags,
		    const struct itimerspec *unv, struct itimerspec *uov)
{
	struct itimerspec nv, ov;
	struct timerfd *tf;
	struct file *fp;
	int64_t value, interval, now;
	long error = 0;
	bool cancel;

	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (copyin(unv, &nv, sizeof(nv)))
		return -EFAULT;
	if (ts_to_ns(&nv.it_value, &value) != 0 ||
	    ts_to_ns(&nv.it_interval, &interval) != 0)
		return -EINVAL;
	if ((fp = timerfd_get(l, fd, &error)) == NULL)
		return error;
	tf = fp->f_data;
	mutex_enter(&tf->tf_lock);
	tf_get_locked(tf, &ov);
	tf->tf_ticks = 0;
	tf->tf_interval = interval;
	/* A relative timer on a settable clock runs on CLOCK_MONOTONIC. */
	tf->tf_base =
		!(flags & TFD_TIMER_ABSTIME) && clock_is_settable(tf->tf_clock)
			? CLOCK_MONOTONIC
			: tf->tf_clock;
	/* Linux keeps a pending cancellation across a re-arm that asks for
	 * it again, and drops it with the flag. */
	cancel = (flags & TFD_TIMER_ABSTIME) &&
		 (flags & TFD_TIMER_CANCEL_ON_SET) &&
		 clock_is_settable(tf->tf_clock);
	if (cancel && !tf->tf_cancel)
		tf->tf_setgen = time_setgen();
	tf->tf_cancel = cancel;
	callout_watch_clockset(&tf->tf_setwatch, cancel);
	if (value == 0) {
		tf->tf_expire = 0;
	} else if (flags & TFD_TIMER_ABSTIME) {
		tf->tf_expire = value;
	} else {
		now = tf_now(tf);
		tf->tf_expire =
			value > INT64_MAX - now ? INT64_MAX : now + value;
	}
	tf_arm_locked(tf);
	mutex_exit(&tf->tf_lock);
	file_release(fp);
	if (uov != NULL && copyout(&ov, uov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

long
sys_timerfd_gettime(struct lwp *l, int fd, struct itimerspec *uv)
{
	struct itimerspec v;
	struct timerfd *tf;
	struct file *fp;
	long error = 0;

	if ((fp = timerfd_get(l, fd, &error)) == NULL)
		return error;
	tf = fp->f_data;
	mutex_enter(&tf->tf_lock);
	tf_get_locked(tf, &v);
	mutex_exit(&tf->tf_lock);
	file_release(fp);
	return copyout(&v, uv, sizeof(v)) ? -EFAULT : 0;
}
