/*
 * kern_time.c: clocks (ktime.h), and the syscalls that read and set them
 * or sleep on them: clock_gettime, clock_getres, clock_settime,
 * gettimeofday, settimeofday, time, times, getrusage, nanosleep,
 * clock_nanosleep.
 */
#include <linux/resource.h>
#include <linux/times.h>

#include "callout.h"
#include "cred.h"
#include "ktime.h"
#include "proc.h"
#include "signal.h"
#include "sleepq.h"
#include "syscall.h"

/* CLOCK_REALTIME minus the host's wall clock, ns.  Atomic. */
static int64_t realtime_offset;
/* How many times CLOCK_REALTIME was set.  Atomic. */
static uint64_t realtime_setgen;

#define CPUSLEEP_TICK 2000000LL /* a CPU-clock sleep's look, ns */

/* Linux's encoding of the CPU clocks of other processes and threads. */
#define CPUCLOCK_PERTHREAD 4
#define CPUCLOCK_TYPE(c) ((c)&3)
#define CPUCLOCK_ID(c) ((pid_t) ~((c) >> 3))

static inline int64_t
host_ns(int clk)
{
	int64_t sec;
	long nsec;

	rumpuser_clock_gettime(clk, &sec, &nsec);
	return sec * NSEC_PER_SEC_ + nsec;
}

uint64_t
time_monotonic_ns(void)
{
	return (uint64_t)host_ns(RUMPUSER_CLOCK_ABSMONO);
}

int64_t
time_realtime_ns(void)
{
	return host_ns(RUMPUSER_CLOCK_RELWALL) +
	       atomic_load_relaxed(&realtime_offset);
}

uint64_t
lwp_cputime_ns(struct lwp *l)
{
	int64_t sec;
	long nsec;

	/* The thread it is (or was last) bound to; 0 if that is gone. */
	int64_t clk =
		l == rumpuser_curlwp() ? 0 : atomic_load_relaxed(&l->l_hostclk);

	if (clk == 0 && l != rumpuser_curlwp())
		return atomic_load_relaxed(&l->l_cpufinal);
	if (rumpuser_clock_thread(clk, &sec, &nsec) != 0)
		return 0;
	return (uint64_t)(sec * NSEC_PER_SEC_ + nsec);
}

/*
 * Host threads whose CPU time a process clock has summed, so that two
 * lwps last bound to one thread (an lwp made with newlwp and not yet
 * taken by the thread meant for it, or lwps switched on one thread)
 * count it once.  A set on the stack; lwps past its size are checked
 * against the rest of the list instead.
 */
#define CLKSET_SIZE 128 /* a power of 2 */

struct clkset {
	int64_t cs_clk[CLKSET_SIZE]; /* 0: free */
	unsigned cs_n;
};

/* Whether `clk' was added before (and add it if not). */
static bool
clkset_seen(struct clkset *cs, struct lwp *l, int64_t clk)
{
	unsigned i = (unsigned)((uint64_t)clk * 0x9e3779b97f4a7c15ULL >> 57);

	for (unsigned n = 0; n < CLKSET_SIZE; n++, i = (i + 1) % CLKSET_SIZE) {
		if (cs->cs_clk[i] == clk)
			return true;
		if (cs->cs_clk[i] == 0) {
			if (cs->cs_n == CLKSET_SIZE * 3 / 4)
				break;
			cs->cs_clk[i] = clk;
			cs->cs_n++;
			return false;
		}
	}
	/* The set is full: look at the lwps after `l' instead, so that
	 * of several on this thread only the last one counts. */
	for (struct lwp *o = l->l_next; o != NULL; o = o->l_next)
		if (atomic_load_relaxed(&o->l_hostclk) == clk)
			return true;
	return false;
}

uint64_t
proc_cputime_ns_locked(struct proc *p)
{
	uint64_t t = p->p_cpu_dead;
	struct clkset cs;
	int64_t clk;

	memset(&cs, 0, sizeof(cs));
	for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next) {
		clk = atomic_load_relaxed(&l->l_hostclk);
		if (clk != 0 && clkset_seen(&cs, l, clk))
			continue;
		t += lwp_cputime_ns(l);
	}
	return t;
}

/* The CPU clock `clock' (< 0: Linux's encoding; or PROCESS/THREAD). */
static int
cpuclock_read(struct lwp *l, int clock, int64_t *nsp)
{
	struct proc *p;
	struct lwp *t;
	pid_t id;

	if (clock == CLOCK_THREAD_CPUTIME_ID) {
		*nsp = (int64_t)lwp_cputime_ns(l);
		return 0;
	}
	if (clock == CLOCK_PROCESS_CPUTIME_ID) {
		mutex_enter(&l->l_proc->p_lock);
		*nsp = (int64_t)proc_cputime_ns_locked(l->l_proc);
		mutex_exit(&l->l_proc->p_lock);
		return 0;
	}
	if (CPUCLOCK_TYPE(clock) == 3)
		return EINVAL;
	id = CPUCLOCK_ID(clock);
	proc_lock_enter();
	if (clock & CPUCLOCK_PERTHREAD) {
		t = id == 0 ? l : lwp_find_locked(id);
		/* A thread clock names a thread of the caller's process. */
		if (t == NULL || t->l_proc != l->l_proc) {
			proc_lock_exit();
			return EINVAL;
		}
		*nsp = (int64_t)lwp_cputime_ns(t);
	} else {
		p = id == 0 ? l->l_proc : proc_find_locked(id);
		if (p == NULL) {
			proc_lock_exit();
			return EINVAL;
		}
		mutex_enter(&p->p_lock);
		*nsp = (int64_t)proc_cputime_ns_locked(p);
		mutex_exit(&p->p_lock);
	}
	proc_lock_exit();
	return 0;
}

int
clock_read_ns(struct lwp *l, int clock, int64_t *nsp)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
		*nsp = host_ns(RUMPUSER_CLOCK_ABSMONO);
		return 0;
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI: /* TAI's offset to UTC is 0 until someone sets it */
		*nsp = time_realtime_ns();
		return 0;
	case CLOCK_REALTIME_COARSE:
		*nsp = host_ns(RUMPUSER_CLOCK_RELWALL_COARSE) +
		       atomic_load_relaxed(&realtime_offset);
		return 0;
	case CLOCK_MONOTONIC_COARSE:
		*nsp = host_ns(RUMPUSER_CLOCK_ABSMONO_COARSE);
		return 0;
	case CLOCK_MONOTONIC_RAW:
		*nsp = host_ns(RUMPUSER_CLOCK_MONORAW);
		return 0;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*nsp = host_ns(RUMPUSER_CLOCK_BOOTTIME);
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return cpuclock_read(l, clock, nsp);
	}
	if (clock < 0)
		return cpuclock_read(l, clock, nsp);
	return EINVAL;
}

bool
clock_is_timer(int clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
	case CLOCK_TAI:
		return true;
	}
	return false;
}

uint64_t
clock_to_mono(int clock, int64_t t)
{
	int64_t now, mono = (int64_t)time_monotonic_ns();

	switch (clock) {
	case CLOCK_MONOTONIC:
		return t < 0 ? 0 : (uint64_t)t;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		now = host_ns(RUMPUSER_CLOCK_BOOTTIME);
		break;
	default:
		now = time_realtime_ns();
		break;
	}
	if (t <= now)
		return (uint64_t)mono;
	if (t - now > INT64_MAX - mono)
		return UINT64_MAX;
	return (uint64_t)(mono + (t - now));
}

int
ts_to_ns(const struct timespec *ts, int64_t *nsp)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NSEC_PER_SEC_)
		return EINVAL;
	if (ts->tv_sec >= INT64_MAX / NSEC_PER_SEC_ - 1)
		*nsp = INT64_MAX;
	else
		*nsp = ts->tv_sec * NSEC_PER_SEC_ + ts->tv_nsec;
	return 0;
}

int
tv_to_ns(const struct timeval *tv, int64_t *nsp)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return EINVAL;
	if (tv->tv_sec >= INT64_MAX / NSEC_PER_SEC_ - 1)
		*nsp = INT64_MAX;
	else
		*nsp = tv->tv_sec * NSEC_PER_SEC_ +
		       tv->tv_usec * NSEC_PER_USEC_;
	return 0;
}

void
ns_to_ts(int64_t ns, struct timespec *ts)
{
	if (ns < 0)
		ns = 0;
	ts->tv_sec = ns / NSEC_PER_SEC_;
	ts->tv_nsec = ns % NSEC_PER_SEC_;
}

void
ns_to_tv(int64_t ns, struct timeval *tv)
{
	if (ns < 0)
		ns = 0;
	tv->tv_sec = ns / NSEC_PER_SEC_;
	tv->tv_usec = (ns % NSEC_PER_SEC_) / NSEC_PER_USEC_;
}

/* ---- reading and setting ----------------------------------------------- */

long
sys_clock_gettime(struct lwp *l, clockid_t clock, struct timespec *uts)
{
	struct timespec ts;
	int64_t sec, ns;
	long nsec;
	int error;

	/* The common clock: one vDSO read and the copy out. */
	if (__predict_true(clock == CLOCK_MONOTONIC)) {
		rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &sec, &nsec);
		ts.tv_sec = sec;
		ts.tv_nsec = nsec;
	} else {
		if ((error = clock_read_ns(l, clock, &ns)) != 0)
			return -error;
		ns_to_ts(ns, &ts);
	}
	return copyout(&ts, uts, sizeof(ts)) ? -EFAULT : 0;
}

long
sys_clock_getres(struct lwp *l, clockid_t clock, struct timespec *uts)
{
	struct timespec ts = { 0, 1 };
	int64_t sec, ns;
	long nsec;
	int hclk = -1;

	if (clock == CLOCK_REALTIME_COARSE)
		hclk = RUMPUSER_CLOCK_RELWALL_COARSE;
	else if (clock == CLOCK_MONOTONIC_COARSE)
		hclk = RUMPUSER_CLOCK_ABSMONO_COARSE;
	else if (clock_read_ns(l, clock, &ns) != 0)
		return -EINVAL;
	if (hclk >= 0 && rumpuser_clock_getres(hclk, &sec, &nsec) == 0) {
		ts.tv_sec = sec;
		ts.tv_nsec = nsec;
	}
	if (uts != NULL && copyout(&ts, uts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

/* Linux's latest settable time: the ktime range less 30 years of
 * uptime, so that the clock cannot overflow while the system runs. */
#define SETTOD_SEC_MAX (INT64_MAX / NSEC_PER_SEC_ - 30LL * 365 * 86400)

/* Set CLOCK_REALTIME to `ns': privileged only; the host is untouched. */
static int
realtime_set(struct lwp *l, int64_t ns)
{
	/* Linux checks the range before the privilege. */
	if (ns / NSEC_PER_SEC_ > SETTOD_SEC_MAX)
		return EINVAL;
	if (!cred_privileged(l->l_cred))
		return EPERM;
	atomic_store_relaxed(&realtime_offset,
			     ns - host_ns(RUMPUSER_CLOCK_RELWALL));
	__atomic_add_fetch(&realtime_setgen, 1, __ATOMIC_SEQ_CST);
	/* Absolute realtime timers and sleeps follow the clock. */
	callout_clock_was_set();
	return 0;
}

uint64_t
time_setgen(void)
{
	return __atomic_load_n(&realtime_setgen, __ATOMIC_SEQ_CST);
}

bool
clock_is_settable(int clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM ||
	       clock == CLOCK_TAI;
}

long
sys_clock_settime(struct lwp *l, clockid_t clock, const struct timespec *uts)
{
	struct timespec ts;
	int64_t ns;

	if (copyin(uts, &ts, sizeof(ts)))
		return -EFAULT;
	/* Only CLOCK_REALTIME can be set. */
	if (clock != CLOCK_REALTIME)
		return -EINVAL;
	if (ts_to_ns(&ts, &ns) != 0)
		return -EINVAL;
	return -realtime_set(l, ns);
}

/* The kernel's time zone (Linux's sys_tz), set by settimeofday and only
 * reported back: minuteswest in the high half, dsttime in the low.
 * Atomic. */
static uint64_t kernel_tz;

long
sys_gettimeofday(struct lwp *l, struct timeval *utv, struct timezone *utz)
{
	uint64_t packed = atomic_load_relaxed(&kernel_tz);
	struct timezone tz = { (int)(int32_t)(packed >> 32),
			       (int)(int32_t)packed };
	struct timeval tv;

	if (utv != NULL) {
		ns_to_tv(time_realtime_ns(), &tv);
		if (copyout(&tv, utv, sizeof(tv)))
			return -EFAULT;
	}
	if (utz != NULL && copyout(&tz, utz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long
sys_settimeofday(struct lwp *l, const struct timeval *utv,
		 const struct timezone *utz)
{
	struct timezone tz;
	struct timeval tv;
	int64_t ns = 0;

	if (utv != NULL && copyin(utv, &tv, sizeof(tv)))
		return -EFAULT;
	if (utz != NULL) {
		if (copyin(utz, &tz, sizeof(tz)))
			return -EFAULT;
		if (tz.tz_minuteswest < -15 * 60 || tz.tz_minuteswest > 15 * 60)
			return -EINVAL;
	}
	if (utv != NULL && tv_to_ns(&tv, &ns) != 0)
		return -EINVAL;
	if (utv != NULL && ns / NSEC_PER_SEC_ > SETTOD_SEC_MAX)
		return -EINVAL;
	if (!cred_privileged(l->l_cred))
		return -EPERM;
	if (utz != NULL)
		atomic_store_relaxed(&kernel_tz,
				     (uint64_t)(uint32_t)tz.tz_minuteswest
						     << 32 |
					     (uint32_t)tz.tz_dsttime);
	return utv != NULL ? -realtime_set(l, ns) : 0;
}

long
sys_time(struct lwp *l, time_t *tloc)
{
	time_t t = (time_t)(time_realtime_ns() / NSEC_PER_SEC_);

	if (tloc != NULL && copyout(&t, tloc, sizeof(t)))
		return -EFAULT;
	return (long)t;
}

static clock_t
ns_to_clock(uint64_t ns)
{
	return (clock_t)(ns / (NSEC_PER_SEC_ / USER_HZ));
}

long
sys_times(struct lwp *l, struct tms *ubuf)
{
	struct proc *p = l->l_proc;
	struct tms t;

	memset(&t, 0, sizeof(t));
	mutex_enter(&p->p_lock);
	t.tms_utime = ns_to_clock(proc_cputime_ns_locked(p));
	t.tms_cutime = ns_to_clock(p->p_cpu_children);
	mutex_exit(&p->p_lock);
	if (ubuf != NULL && copyout(&t, ubuf, sizeof(t)))
		return -EFAULT;
	/* Ticks since boot, as Linux's jiffies-based count. */
	return (long)ns_to_clock((uint64_t)host_ns(RUMPUSER_CLOCK_BOOTTIME));
}

long
sys_getrusage(struct lwp *l, int who, struct rusage *uru)
{
	struct proc *p = l->l_proc;
	struct rusage ru;
	uint64_t ns;

	memset(&ru, 0, sizeof(ru));
	switch (who) {
	case RUSAGE_SELF:
		mutex_enter(&p->p_lock);
		ns = proc_cputime_ns_locked(p);
		mutex_exit(&p->p_lock);
		break;
	case RUSAGE_CHILDREN:
		mutex_enter(&p->p_lock);
		ns = p->p_cpu_children;
		mutex_exit(&p->p_lock);
		break;
	case RUSAGE_THREAD:
		ns = lwp_cputime_ns(l);
		break;
	default:
		return -EINVAL;
	}
	/* The host thread clock does not split user from system time: all
	 * of it is reported as user time. */
	ru.ru_utime.tv_sec = (long)(ns / NSEC_PER_SEC_);
	ru.ru_utime.tv_usec = (long)(ns % NSEC_PER_SEC_ / NSEC_PER_USEC_);
	return copyout(&ru, uru, sizeof(ru)) ? -EFAULT : 0;
}

/* ---- sleeping ---------------------------------------------------------- */

static void
kpause_wake(void *arg)
{
	lwp_unpark(arg);
}

/*
 * A sleep parks with the monotonic deadline it was armed for, so the
 * sleeper wakes itself when the host timer fires: one host wakeup, no
 * hop through the kernel thread (on a loaded host each extra runnable
 * thread is most of a sleep's oversleep).  On the clocks that
 * clock_settime moves (REALTIME and its kin) a realtime callout is
 * armed as well: a setting of the clock re-times it (callout.h), so a
 * clock set past the deadline wakes the sleeper at once, and a clock
 * set back makes the park's own deadline come early, which the loop
 * sees and sleeps again to the new one.
 */
int
kpause_until(struct lwp *l, int clock, int64_t deadline)
{
	struct callout c;
	bool settable = clock_is_settable(clock);
	uint64_t mono;
	int64_t now;
	int error = 0;

	callout_init(&c, kpause_wake, l);
	park_prepare(l);
	for (;;) {
		if (clock_read_ns(l, clock, &now) != 0 || now >= deadline)
			break;
		if (settable && !callout_pending(&c))
			callout_schedule_realtime(&c, deadline);
		/* A CPU clock runs at most as fast as the wall clock times
		 * the CPUs: look again every CPUSLEEP_TICK at most. */
		if (clock_is_timer(clock))
			mono = clock_to_mono(clock, deadline);
		else
			mono = time_monotonic_ns() +
			       (uint64_t)(deadline - now < CPUSLEEP_TICK
						  ? deadline - now
						  : CPUSLEEP_TICK);
		if (lwp_park(l, mono, SLEEP_INTR) == EINTR) {
			error = EINTR;
			break;
		}
	}
	if (settable)
		callout_halt(&c);
	return error;
}

/* Sleep to an absolute deadline; on a signal, leave the remaining time
 * and a restart block for the exit path (Linux's
 * -ERESTART_RESTARTBLOCK: restarted when no handler runs). */
static long nanosleep_deadline(struct lwp *l, int clock, int64_t deadline,
			       void *urmtp);

static long
nanosleep_restart(struct lwp *l, struct restart_block *rb)
{
	return nanosleep_deadline(l, rb->rb_clock, (int64_t)rb->rb_deadline,
				  rb->rb_rmtp);
}

static long
nanosleep_deadline(struct lwp *l, int clock, int64_t deadline, void *urmtp)
{
	struct timespec rem;
	int64_t now;

	if (kpause_until(l, clock, deadline) == 0)
		return 0;
	if (urmtp != NULL) {
		clock_read_ns(l, clock, &now);
		ns_to_ts(deadline > now ? deadline - now : 0, &rem);
		if (copyout(&rem, urmtp, sizeof(rem)))
			return -EFAULT;
	}
	l->l_restart.rb_fn = nanosleep_restart;
	l->l_restart.rb_clock = clock;
	l->l_restart.rb_deadline = (uint64_t)deadline;
	l->l_restart.rb_rmtp = urmtp;
	return -ERESTART_RESTARTBLOCK;
}

static long
do_clock_nanosleep(struct lwp *l, int clock, int flags,
		   const struct timespec *ureq, struct timespec *urem)
{
	struct timespec req;
	int64_t ns, now, deadline;

	if (copyin(ureq, &req, sizeof(req)))
		return -EFAULT;
	if (ts_to_ns(&req, &ns) != 0)
		return -EINVAL;
	if (clock_read_ns(l, clock, &now) != 0)
		return -EINVAL;
	if (flags & TIMER_ABSTIME) {
		/* No remaining time, and Linux's -ERESTARTNOHAND. */
		if (kpause_until(l, clock, ns) == 0)
			return 0;
		return -ERESTARTNOHAND;
	}
	/* Linux: a relative sleep on a clock that clock_settime moves runs
	 * on CLOCK_MONOTONIC, so setting the clock does not move it. */
	if (clock_is_settable(clock)) {
		clock = CLOCK_MONOTONIC;
		clock_read_ns(l, clock, &now);
	}
	deadline = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	return nanosleep_deadline(l, clock, deadline, urem);
}

long
sys_nanosleep(struct lwp *l, const struct timespec *req, struct timespec *rem)
{
	return do_clock_nanosleep(l, CLOCK_MONOTONIC, 0, req, rem);
}

long
sys_clock_nanosleep(struct lwp *l, clockid_t clock, int flags,
		    const struct timespec *req, struct timespec *rem)
{
	int64_t dummy;

	/* Linux: not on the caller's own thread clock (it would never
	 * advance); other CPU clocks are slept on by looking at them. */
	if (clock == CLOCK_THREAD_CPUTIME_ID ||
	    (clock < 0 && (clock & CPUCLOCK_PERTHREAD) &&
	     (CPUCLOCK_ID(clock) == 0 || CPUCLOCK_ID(clock) == l->l_lid)))
		return -EINVAL;
	if (clock_read_ns(l, clock, &dummy) != 0)
		return -EINVAL;
	/* The raw and coarse clocks can be read, not slept on. */
	if (!clock_is_timer(clock) && clock != CLOCK_PROCESS_CPUTIME_ID &&
	    clock >= 0)
		return -EOPNOTSUPP;
	return do_clock_nanosleep(l, clock, flags, req, rem);
}
