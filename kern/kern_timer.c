/*
 * kern_timer.c: interval timers (setitimer, getitimer, alarm) and POSIX
 * timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete); see timer.h.
 */
#include "callout.h"
#include "cred.h"
#include "ktime.h"
#include "proc.h"
#include "signal.h"
#include "sleepq.h"
#include "syscall.h"
#include "timer.h"

#define CPUTIMER_TICK (2 * 1000 * 1000ULL) /* CPU timers' sampling, ns */
#define TIMER_MAX 4096                     /* POSIX timers per process */
#define ITIMER_ID(which) (-1 - (which))    /* ids of the three itimers */

struct ktimer {
	struct ktimer *t_next;
	struct proc *t_proc;
	int t_id;       /* POSIX timer id, or ITIMER_ID(which) */
	int t_clock;    /* CLOCK_*, CPU clocks included */
	int t_base;     /* the clock t_expire is on (see ktimer_set_locked) */
	pid_t t_cputid; /* CLOCK_THREAD_CPUTIME_ID: whose */
	int t_notify;   /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	int t_signo;
	sigval_t t_value;
	pid_t t_tid;      /* SIGEV_THREAD_ID's target */
	int64_t t_expire; /* absolute on t_base, ns; 0: disarmed */
	int64_t t_interval;
	int t_overrun_acc;  /* expiries while its signal was pending */
	int t_overrun_last; /* what timer_getoverrun reports */
	struct callout t_callout;
};

struct ptimers {
	struct ktimer *pt_list; /* every timer, itimers included */
	struct callout pt_cputick;
	bool pt_cputick_armed;
};

static bool
clock_is_cpu(int clock)
{
	return clock == CLOCK_PROCESS_CPUTIME_ID ||
	       clock == CLOCK_THREAD_CPUTIME_ID;
}

/* The timer's clock now; p_lock held. */
static int64_t
ktimer_now(struct ktimer *t)
{
	struct proc *p = t->t_proc;
	int64_t ns = 0;

	if (t->t_clock == CLOCK_PROCESS_CPUTIME_ID)
		return (int64_t)proc_cputime_ns_locked(p);
	if (t->t_clock == CLOCK_THREAD_CPUTIME_ID) {
		for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next)
			if (l->l_lid == t->t_cputid)
				return (int64_t)lwp_cputime_ns(l);
		return 0;
	}
	clock_read_ns(NULL, t->t_base, &ns);
	return ns;
}

/* Whether the timer's own signal instance is still queued. */
static bool
ktimer_queued(struct proc *p, struct ktimer *t)
{
	struct sigpend *sps[2] = { &p->p_sigpend, NULL };
	struct lwp *l;

	for (l = p->p_lwps; l != NULL; l = l->l_next)
		if (l->l_lid == t->t_tid)
			sps[1] = &l->l_sigpend;
	for (int i = 0; i < 2; i++) {
		if (sps[i] == NULL || !(sps[i]->sp_set & SIGBIT(t->t_signo)))
			continue;
		for (struct ksiginfo *k = sps[i]->sp_head; k != NULL;
		     k = k->ksi_next)
			if (k->ksi_info.si_code == SI_TIMER &&
			    k->ksi_info.si_tid == t->t_id)
				return true;
	}
	return false;
}

static void
ktimer_post(struct ktimer *t, int overruns, struct lwp_park **kickp)
{
	struct proc *p = t->t_proc;
	struct lwp *l;
	siginfo_t si;

	if (t->t_notify == SIGEV_NONE)
		return;
	if (t->t_id < 0) {
		/* itimers: a plain kernel signal, as Linux sends. */
		sig_post_kick_locked(p, NULL, t->t_signo, NULL, kickp);
		return;
	}
	if (ktimer_queued(p, t)) {
		if (t->t_overrun_acc < INT32_MAX - overruns)
			t->t_overrun_acc += overruns + 1;
		return;
	}
	t->t_overrun_acc = overruns;
	sig_info_init(&si, t->t_signo, SI_TIMER, NULL);
	si.si_tid = t->t_id;
	si.si_value = t->t_value;
	if (t->t_notify & SIGEV_THREAD_ID) {
		for (l = p->p_lwps; l != NULL; l = l->l_next)
			if (l->l_lid == t->t_tid)
				break;
		if (l != NULL)
			sig_post_kick_locked(p, l, t->t_signo, &si, kickp);
		return;
	}
	sig_post_kick_locked(p, NULL, t->t_signo, &si, kickp);
}

static void ktimer_arm_locked(struct ktimer *t);

/* The timer's time has (maybe) come; p_lock held.  See ktimer_post
 * for `kickp'. */
static void
ktimer_expire_locked(struct ktimer *t, int64_t now, struct lwp_park **kickp)
{
	int64_t late;
	int overruns = 0;

	if (t->t_expire == 0 || now < t->t_expire)
		return;
	if (t->t_interval > 0) {
		late = (now - t->t_expire) / t->t_interval;
		overruns = late > INT32_MAX ? INT32_MAX : (int)late;
		t->t_expire += (late + 1) * t->t_interval;
	} else {
		t->t_expire = 0;
	}
	ktimer_post(t, overruns, kickp);
}

static void
ktimer_fire(void *arg)
{
	struct ktimer *t = arg;
	struct proc *p = t->t_proc;
	struct lwp_park *kick = NULL;

	mutex_enter(&p->p_lock);
	ktimer_expire_locked(t, ktimer_now(t), &kick);
	if (t->t_expire != 0)
		ktimer_arm_locked(t);
	mutex_exit(&p->p_lock);
	/* The taker is woken with p_lock free: it wants it at once. */
	park_kick(kick);
}

/* The CPU timers' sampler: runs every CPUTIMER_TICK while one is armed. */
static void
cputick_fire(void *arg)
{
	struct proc *p = arg;
	struct ptimers *pt;
	bool armed = false;

	mutex_enter(&p->p_lock);
	/* The process may be leaving: ptimers_free took the set away and
	 * waits in callout_halt for this call to return. */
	if ((pt = p->p_timers) == NULL) {
		mutex_exit(&p->p_lock);
		return;
	}
	for (struct ktimer *t = pt->pt_list; t != NULL; t = t->t_next) {
		if (!clock_is_cpu(t->t_clock) || t->t_expire == 0)
			continue;
		ktimer_expire_locked(t, ktimer_now(t), NULL);
		armed |= t->t_expire != 0;
	}
	pt->pt_cputick_armed = armed && p->p_xsig == 0;
	if (pt->pt_cputick_armed)
		callout_schedule(&pt->pt_cputick,
				 time_monotonic_ns() + CPUTIMER_TICK);
	mutex_exit(&p->p_lock);
}

/* Arm the callout for t_expire; p_lock held. */
static void
ktimer_arm_locked(struct ktimer *t)
{
	struct ptimers *pt = t->t_proc->p_timers;

	if (t->t_expire == 0) {
		if (!clock_is_cpu(t->t_clock))
			callout_stop(&t->t_callout);
		return;
	}
	if (clock_is_cpu(t->t_clock)) {
		if (!pt->pt_cputick_armed) {
			pt->pt_cputick_armed = true;
			callout_schedule(&pt->pt_cputick,
					 time_monotonic_ns() + CPUTIMER_TICK);
		}
		return;
	}
	if (clock_is_settable(t->t_base))
		callout_schedule_realtime(&t->t_callout, t->t_expire);
	else
		callout_schedule(&t->t_callout,
				 clock_to_mono(t->t_base, t->t_expire));
}

/* The process's timer set, made on first use; p_lock held. */
static struct ptimers *
ptimers_get_locked(struct proc *p)
{
	struct ptimers *pt = p->p_timers;

	if (pt == NULL && (pt = kmem_zalloc(sizeof(*pt))) != NULL) {
		callout_init(&pt->pt_cputick, cputick_fire, p);
		p->p_timers = pt;
	}
	return pt;
}

static struct ktimer *
ktimer_find_locked(struct proc *p, int id)
{
	if (p->p_timers == NULL)
		return NULL;
	for (struct ktimer *t = p->p_timers->pt_list; t != NULL; t = t->t_next)
		if (t->t_id == id)
			return t;
	return NULL;
}

static struct ktimer *
ktimer_new_locked(struct proc *p, int id)
{
	struct ptimers *pt = ptimers_get_locked(p);
	struct ktimer *t;

	if (pt == NULL || (t = kmem_zalloc(sizeof(*t))) == NULL)
		return NULL;
	t->t_proc = p;
	t->t_id = id;
	callout_init(&t->t_callout, ktimer_fire, t);
	t->t_next = pt->pt_list;
	pt->pt_list = t;
	return t;
}

void
ptimer_dequeued_locked(struct proc *p, siginfo_t *si)
{
	struct ktimer *t = ktimer_find_locked(p, si->si_tid);

	if (t == NULL || si->si_tid < 0)
		return;
	si->si_overrun = t->t_overrun_acc;
	t->t_overrun_last = t->t_overrun_acc;
	t->t_overrun_acc = 0;
}

uint64_t
ptimers_next_locked(struct proc *p, struct lwp *l, ksigset_t set)
{
	uint64_t next = DEADLINE_NONE, mono;

	if (p->p_timers == NULL)
		return next;
	for (struct ktimer *t = p->p_timers->pt_list; t != NULL;
	     t = t->t_next) {
		if (t->t_expire == 0 || clock_is_cpu(t->t_clock) ||
		    t->t_notify == SIGEV_NONE || !(set & SIGBIT(t->t_signo)) ||
		    ((t->t_notify & SIGEV_THREAD_ID) && t->t_tid != l->l_lid))
			continue;
		mono = clock_to_mono(t->t_base, t->t_expire);
		if (next == DEADLINE_NONE || mono < next)
			next = mono;
	}
	return next;
}

void
ptimers_expire_locked(struct proc *p)
{
	if (p->p_timers == NULL)
		return;
	for (struct ktimer *t = p->p_timers->pt_list; t != NULL;
	     t = t->t_next) {
		if (t->t_expire == 0 || clock_is_cpu(t->t_clock) ||
		    ktimer_now(t) < t->t_expire)
			continue;
		ktimer_expire_locked(t, ktimer_now(t), NULL);
		if (t->t_expire != 0)
			ktimer_arm_locked(t);
	}
}

void
ptimers_disarm_locked(struct proc *p)
{
	struct ptimers *pt = p->p_timers;

	if (pt == NULL)
		return;
	for (struct ktimer *t = pt->pt_list; t != NULL; t = t->t_next) {
		t->t_expire = 0;
		callout_stop(&t->t_callout);
	}
	callout_stop(&pt->pt_cputick);
}

void
ptimers_free(struct proc *p)
{
	struct ptimers *pt;
	struct ktimer *t;

	mutex_enter(&p->p_lock);
	ptimers_disarm_locked(p);
	pt = p->p_timers;
	p->p_timers = NULL;
	mutex_exit(&p->p_lock);
	if (pt == NULL)
		return;
	callout_halt(&pt->pt_cputick);
	while ((t = pt->pt_list) != NULL) {
		pt->pt_list = t->t_next;
		callout_halt(&t->t_callout);
		kmem_free(t, sizeof(*t));
	}
	kmem_free(pt, sizeof(*pt));
}

/* Remaining time and interval of `t'; p_lock held. */
static void
ktimer_get_locked(struct ktimer *t, int64_t *valuep, int64_t *intervalp)
{
	int64_t now;

	*intervalp = t->t_interval;
	*valuep = 0;
	if (t->t_expire == 0)
		return;
	now = ktimer_now(t);
	/* Due but not yet fired: Linux shows the smallest time left. */
	*valuep = t->t_expire > now ? t->t_expire - now : 1;
}

/* (Re)arm `t' to `value' (relative, or absolute with `abs') and
 * `interval'; value 0 disarms.  p_lock held. */
static void
ktimer_set_locked(struct ktimer *t, int64_t value, int64_t interval, bool abs)
{
	int64_t now;

	t->t_interval = interval;
	t->t_overrun_acc = 0;
	t->t_overrun_last = 0;
	/* Linux: a relative timer on a clock that clock_settime moves runs
	 * on CLOCK_MONOTONIC (setting the clock does not move it); an
	 * absolute one stays on its clock and follows the setting. */
	t->t_base = !abs && clock_is_settable(t->t_clock) ? CLOCK_MONOTONIC
							  : t->t_clock;
	if (value == 0) {
		t->t_expire = 0;
	} else if (abs) {
		t->t_expire = value;
	} else {
		now = ktimer_now(t);
		t->t_expire = value > INT64_MAX - now ? INT64_MAX : now + value;
	}
	ktimer_arm_locked(t);
}

/* ---- setitimer, getitimer, alarm ----------------------------------------- */

static const int itimer_clock[3] = { CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
				     CLOCK_PROCESS_CPUTIME_ID };
static const int itimer_signo[3] = { SIGALRM, SIGVTALRM, SIGPROF };

/* The itimer `which' of `p', made if need be; p_lock held.  NULL: no
 * memory. */
static struct ktimer *
itimer_get_locked(struct proc *p, int which)
{
	struct ktimer *t = ktimer_find_locked(p, ITIMER_ID(which));

	if (t == NULL && (t = ktimer_new_locked(p, ITIMER_ID(which))) != NULL) {
		t->t_clock = t->t_base = itimer_clock[which];
		t->t_signo = itimer_signo[which];
		t->t_notify = SIGEV_SIGNAL;
	}
	return t;
}

static int
do_setitimer(struct lwp *l, int which, const struct itimerval *nv,
	     struct itimerval *ov)
{
	struct proc *p = l->l_proc;
	int64_t value = 0, interval = 0, ovalue, ointerval;
	struct ktimer *t;

	if (which < 0 || which > 2)
		return EINVAL;
	if (nv != NULL && (tv_to_ns(&nv->it_value, &value) != 0 ||
			   tv_to_ns(&nv->it_interval, &interval) != 0))
		return EINVAL;
	mutex_enter(&p->p_lock);
	if ((t = itimer_get_locked(p, which)) == NULL) {
		mutex_exit(&p->p_lock);
		return ENOMEM;
	}
	ktimer_get_locked(t, &ovalue, &ointerval);
	if (nv != NULL && p->p_xsig == 0)
		ktimer_set_locked(t, value, interval, false);
	mutex_exit(&p->p_lock);
	if (ov != NULL) {
		ns_to_tv(ovalue, &ov->it_value);
		ns_to_tv(ointerval, &ov->it_interval);
		/* A timer about to fire still shows time left. */
		if (ovalue > 0 && ov->it_value.tv_sec == 0 &&
		    ov->it_value.tv_usec == 0)
			ov->it_value.tv_usec = 1;
	}
	return 0;
}

long
sys_setitimer(struct lwp *l, int which, const struct itimerval *unv,
	      struct itimerval *uov)
{
	struct itimerval nv, ov;
	int error;

	if (unv != NULL && copyin(unv, &nv, sizeof(nv)))
		return -EFAULT;
	if ((error = do_setitimer(l, which, unv ? &nv : NULL, &ov)) != 0)
		return -error;
	if (uov != NULL && copyout(&ov, uov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

long
sys_getitimer(struct lwp *l, int which, struct itimerval *uv)
{
	struct itimerval v;
	int error;

	if ((error = do_setitimer(l, which, NULL, &v)) != 0)
		return -error;
	return copyout(&v, uv, sizeof(v)) ? -EFAULT : 0;
}

long
sys_alarm(struct lwp *l, unsigned int seconds)
{
	struct itimerval nv, ov;

	memset(&nv, 0, sizeof(nv));
	nv.it_value.tv_sec = seconds;
	if (do_setitimer(l, ITIMER_REAL, &nv, &ov) != 0)
		return 0;
	/* Linux rounds to the nearest second, but never to 0. */
	if ((ov.it_value.tv_sec == 0 && ov.it_value.tv_usec != 0) ||
	    ov.it_value.tv_usec >= 500000)
		ov.it_value.tv_sec++;
	return (long)ov.it_value.tv_sec;
}

/* ---- POSIX timers ---------------------------------------------------------- */

long
sys_timer_create(struct lwp *l, clockid_t clock, struct sigevent *usev,
		 int *uid)
{
	struct proc *p = l->l_proc;
	struct sigevent sev;
	struct ktimer *t;
	int64_t dummy;
	int id, n = 0;

	if (clock_read_ns(l, clock, &dummy) != 0)
		return -EINVAL;
	/* Linux: the raw and coarse clocks (and other processes' CPU
	 * clocks, here) have no timers. */
	if (!clock_is_timer(clock) && !clock_is_cpu(clock))
		return -EOPNOTSUPP;
	/* Linux: the alarm clocks need CAP_WAKE_ALARM. */
	if ((clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM) &&
	    !cred_privileged(l->l_cred))
		return -EPERM;
	if (usev != NULL) {
		if (copyin(usev, &sev, sizeof(sev)))
			return -EFAULT;
		switch (sev.sigev_notify) {
		case SIGEV_NONE:
			break;
		case SIGEV_SIGNAL:
		case SIGEV_THREAD_ID:
			if (!SIG_VALID(sev.sigev_signo))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGALRM;
	}
	mutex_enter(&p->p_lock);
	if (sev.sigev_notify & SIGEV_THREAD_ID) {
		struct lwp *tl;

		for (tl = p->p_lwps; tl != NULL; tl = tl->l_next)
			if (tl->l_lid == sev._sigev_un._tid)
				break;
		if (tl == NULL) {
			mutex_exit(&p->p_lock);
			return -EINVAL;
		}
	}
	/* The lowest free id, as Linux hands them out. */
	for (id = 0; ktimer_find_locked(p, id) != NULL; id++)
		n++;
	if (n >= TIMER_MAX || (t = ktimer_new_locked(p, id)) == NULL) {
		mutex_exit(&p->p_lock);
		return -EAGAIN;
	}
	t->t_clock = t->t_base = clock;
	t->t_cputid = l->l_lid;
	t->t_notify = sev.sigev_notify;
	t->t_signo = sev.sigev_signo;
	t->t_tid = sev._sigev_un._tid;
	if (usev != NULL)
		t->t_value = sev.sigev_value;
	else
		t->t_value.sival_int = id;
	mutex_exit(&p->p_lock);
	if (copyout(&id, uid, sizeof(id))) {
		sys_timer_delete(l, id);
		return -EFAULT;
	}
	return 0;
}

long
sys_timer_settime(struct lwp *l, int id, int flags,
		  const struct itimerspec *unv, struct itimerspec *uov)
{
	struct proc *p = l->l_proc;
	struct itimerspec nv, ov;
	int64_t value, interval, ovalue, ointerval;
	struct ktimer *t;

	if (copyin(unv, &nv, sizeof(nv)))
		return -EFAULT;
	if (ts_to_ns(&nv.it_value, &value) != 0 ||
	    ts_to_ns(&nv.it_interval, &interval) != 0)
		return -EINVAL;
	mutex_enter(&p->p_lock);
	if (id < 0 || (t = ktimer_find_locked(p, id)) == NULL) {
		mutex_exit(&p->p_lock);
		return -EINVAL;
	}
	ktimer_get_locked(t, &ovalue, &ointerval);
	ktimer_set_locked(t, value, interval, (flags & TIMER_ABSTIME) != 0);
	mutex_exit(&p->p_lock);
	if (uov != NULL) {
		ns_to_ts(ovalue, &ov.it_value);
		ns_to_ts(ointerval, &ov.it_interval);
		if (copyout(&ov, uov, sizeof(ov)))
			return -EFAULT;
	}
	return 0;
}

long
sys_timer_gettime(struct lwp *l, int id, struct itimerspec *uv)
{
	struct proc *p = l->l_proc;
	struct itimerspec v;
	int64_t value, interval;
	struct ktimer *t;

	mutex_enter(&p->p_lock);
	if (id < 0 || (t = ktimer_find_locked(p, id)) == NULL) {
		mutex_exit(&p->p_lock);
		return -EINVAL;
	}
	ktimer_get_locked(t, &value, &interval);
	mutex_exit(&p->p_lock);
	ns_to_ts(value, &v.it_value);
	ns_to_ts(interval, &v.it_interval);
	return copyout(&v, uv, sizeof(v)) ? -EFAULT : 0;
}

long
sys_timer_getoverrun(struct lwp *l, int id)
{
	struct proc *p = l->l_proc;
	struct ktimer *t;
	long rv;

	mutex_enter(&p->p_lock);
	t = id < 0 ? NULL : ktimer_find_locked(p, id);
	rv = t == NULL ? -EINVAL : t->t_overrun_last;
	mutex_exit(&p->p_lock);
	return rv;
}

long
sys_timer_delete(struct lwp *l, int id)
{
	struct proc *p = l->l_proc;
	struct ktimer **tp, *t = NULL;

	mutex_enter(&p->p_lock);
	if (id >= 0 && p->p_timers != NULL) {
		for (tp = &p->p_timers->pt_list; (t = *tp) != NULL;
		     tp = &t->t_next)
			if (t->t_id == id)
				break;
	}
	if (t == NULL) {
		mutex_exit(&p->p_lock);
		return -EINVAL;
	}
	*tp = t->t_next;
	t->t_expire = 0;
	callout_stop(&t->t_callout);
	mutex_exit(&p->p_lock);
	/* A firing that is running now finishes before we free. */
	callout_halt(&t->t_callout);
	kmem_free(t, sizeof(*t));
	return 0;
}
