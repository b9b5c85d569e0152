/*
 * kern_sig.c: POSIX signals as kernel state (signal.h): posting,
 * delivery on the way out of a syscall, restarts, termination, the
 * signal syscalls, process groups, and the host side (signal models,
 * rump_signal_post).
 */
#include <linux/signal.h>
#include <linux/wait.h>
#include <rump/rump.h>

#include "kernel.h"
#include "types.h"
#include <asm/sigcontext.h>
#include <asm/ucontext.h>

#include "callout.h"
#include "cred.h"
#include "fd.h"
#include "ktime.h"
#include "proc.h"
#include "signal.h"
#include "sleepq.h"
#include "syscall.h"
#include "timer.h"

static int sig_model = RUMP_SIGMODEL_KERNEL;

RUMP_API int
rump_boot_setsigmodel(int model)
{
	if (model == RUMP_SIGMODEL_HOST)
		model = RUMP_SIGMODEL_RAISE;
	if (model != RUMP_SIGMODEL_KERNEL && model != RUMP_SIGMODEL_PANIC &&
	    model != RUMP_SIGMODEL_IGNORE && model != RUMP_SIGMODEL_RAISE &&
	    model != RUMP_SIGMODEL_RECORD)
		return EINVAL;
	atomic_store_rel(&sig_model, model);
	return 0;
}

/* ---- default actions ---------------------------------------------------- */

#define SIGSET_IGNORE                                                          \
	(SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define SIGSET_STOP                                                            \
	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define SIGSET_CORE                                                            \
	(SIGBIT(SIGQUIT) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) |                  \
	 SIGBIT(SIGABRT) | SIGBIT(SIGBUS) | SIGBIT(SIGFPE) | SIGBIT(SIGSEGV) | \
	 SIGBIT(SIGXCPU) | SIGBIT(SIGXFSZ) | SIGBIT(SIGSYS))

static inline bool
sig_default_ignores(int sig)
{
	return (SIGBIT(sig) & SIGSET_IGNORE) != 0;
}

static inline bool
sig_default_stops(int sig)
{
	return (SIGBIT(sig) & SIGSET_STOP) != 0;
}

static inline bool
sig_default_kills(int sig)
{
	return !(SIGBIT(sig) & (SIGSET_IGNORE | SIGSET_STOP));
}

/* pid 0 and init never die or stop by a default action. */
static inline bool
proc_protected(struct proc *p)
{
	return p->p_pid <= 1;
}

int
proc_xsig(struct proc *p)
{
	return atomic_load_acq(&p->p_xsig);
}

/* Whether `sig' would be thrown away on arrival. */
static bool
sig_ignored_locked(struct proc *p, int sig)
{
	void *h = p->p_sigact[sig - 1].sa_handler_;

	if (h == KSIG_IGN)
		return true;
	return h == KSIG_DFL && sig_default_ignores(sig);
}

void
sig_info_init(siginfo_t *si, int sig, int code, struct lwp *l)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	if (l != NULL) {
		si->si_pid = l->l_proc->p_pid;
		si->si_uid = l->l_cred->cr_uid;
	}
}

/* ---- pending sets ------------------------------------------------------- */

static void
sigpend_append(struct sigpend *sp, struct ksiginfo *ksi)
{
	ksi->ksi_next = NULL;
	*sp->sp_tailp = ksi;
	sp->sp_tailp = &ksi->ksi_next;
}

/* Take the first instance of `sig' out of `sp' into *si (or a bare one
 * when it was queued without its siginfo). */
static void
sigpend_take(struct proc *p, struct sigpend *sp, int sig, siginfo_t *si)
{
	struct ksiginfo **kp, *ksi = NULL, *k;
	bool more = false;

	for (kp = &sp->sp_head; *kp != NULL; kp = &(*kp)->ksi_next)
		if ((*kp)->ksi_info.si_signo == sig)
			break;
	if (*kp != NULL) {
		ksi = *kp;
		*kp = ksi->ksi_next;
		if (*kp == NULL)
			sp->sp_tailp = kp;
		for (k = *kp; k != NULL && !more; k = k->ksi_next)
			more = k->ksi_info.si_signo == sig;
	}
	if (!more)
		sp->sp_set &= ~SIGBIT(sig);
	if (ksi != NULL) {
		*si = ksi->ksi_info;
		kmem_free(ksi, sizeof(*ksi));
		p->p_nqueued--;
	} else {
		sig_info_init(si, sig, SI_KERNEL, NULL);
	}
}

/* Throw away every pending instance of the signals in `set'. */
static void
sigpend_flush(struct proc *p, struct sigpend *sp, ksigset_t set)
{
	struct ksiginfo **kp = &sp->sp_head, *ksi;

	if (!(sp->sp_set & set))
		return;
	while ((ksi = *kp) != NULL) {
		if (SIGBIT(ksi->ksi_info.si_signo) & set) {
			*kp = ksi->ksi_next;
			kmem_free(ksi, sizeof(*ksi));
			p->p_nqueued--;
		} else {
			kp = &ksi->ksi_next;
		}
	}
	sp->sp_tailp = kp;
	sp->sp_set &= ~set;
}

static void
sigpend_flush_all(struct proc *p, ksigset_t set)
{
	sigpend_flush(p, &p->p_sigpend, set);
	for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next)
		sigpend_flush(p, &l->l_sigpend, set);
}

/* ---- who wants what ----------------------------------------------------- */

/* Whether `l' takes `bit' now: unblocked, or waited for (sigtimedwait). */
static inline bool
lwp_wants(struct lwp *l, ksigset_t bit)
{
	return !(l->l_sigmask & bit) || (l->l_sigwait & bit);
}

static inline ksigset_t
lwp_deliverable(struct lwp *l)
{
	struct proc *p = l->l_proc;

	return (l->l_sigpend.sp_set | p->p_sigpend.sp_set) &
	       ~(l->l_sigmask & ~l->l_sigwait);
}

void
sig_update_lwp_locked(struct lwp *l)
{
	struct proc *p = l->l_proc;
	int v = lwp_deliverable(l) != 0 || p->p_xsig != 0 || p->p_stopped;

	atomic_store_rel(&l->l_sigpending, v);
	/* An lwp with something to deliver must not sleep. */
	if (!v)
		lwp_clear_interrupt(l);
	else if (!lwp_interrupted(l))
		lwp_interrupt_held(l);
}

void
sig_update_proc_locked(struct proc *p)
{
	for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next)
		sig_update_lwp_locked(l);
}

static inline void
lwp_signal(struct lwp *l)
{
	atomic_store_rel(&l->l_sigpending, 1);
	lwp_interrupt_held(l);
}

/* ---- ending and stopping processes ---------------------------------------- */

static void
proc_terminate_locked(struct proc *p, int sig)
{
	if (p->p_xsig != 0 || proc_protected(p))
		return;
	atomic_store_rel(&p->p_xsig, sig);
	p->p_stopped = false;
	waitq_wakeup_all(&p->p_stopq);
	ptimers_disarm_locked(p);
	for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next)
		lwp_signal(l);
	kthread_kick(KTHREAD_TERM);
}

static void
proc_stop_locked(struct proc *p, int sig)
{
	if (p->p_stopped || p->p_xsig != 0 || proc_protected(p))
		return;
	p->p_stopped = true;
	p->p_stopsig = sig;
	atomic_store_relaxed(&p->p_cldnotify, CLD_STOPPED);
	kthread_kick(KTHREAD_TERM);
	for (struct lwp *l = p->p_lwps; l != NULL; l = l->l_next)
		lwp_signal(l);
}

static void
proc_continue_locked(struct proc *p)
{
	sigpend_flush_all(p, SIGSET_STOP);
	if (!p->p_stopped)
		return;
	p->p_stopped = false;
	atomic_store_relaxed(&p->p_cldnotify, CLD_CONTINUED);
	kthread_kick(KTHREAD_TERM);
	waitq_wakeup_all(&p->p_stopq);
	sig_update_proc_locked(p);
}

/* ---- posting ------------------------------------------------------------ */

/* Queue an instance of `sig' in `sp'.  0, or EAGAIN (real-time signal
 * over the limit or out of memory). */
static int
sig_enqueue(struct proc *p, struct sigpend *sp, int sig, const siginfo_t *info)
{
	struct ksiginfo *ksi = NULL;
	rlim_t lim = p->p_limit.pl_rlimit[RLIMIT_SIGPENDING].rlim_cur;

	if (sig < KSIGRTMIN && (sp->sp_set & SIGBIT(sig)))
		return 0; /* standard signals do not queue */
	if (sig < KSIGRTMIN || (rlim_t)p->p_nqueued < lim)
		ksi = kmem_alloc(sizeof(*ksi));
	if (ksi == NULL) {
		if (sig >= KSIGRTMIN)
			return EAGAIN;
		sp->sp_set |= SIGBIT(sig); /* pending without its siginfo */
		return 0;
	}
	if (info != NULL)
		ksi->ksi_info = *info;
	else
		sig_info_init(&ksi->ksi_info, sig, SI_KERNEL, NULL);
	ksi->ksi_info.si_signo = sig;
	p->p_nqueued++;
	sigpend_append(sp, ksi);
	sp->sp_set |= SIGBIT(sig);
	return 0;
}

/*
 * The common part of posting to process `p' (target NULL) or to its lwp
 * `target'.  p_lock held.  With `kickp', the lwp picked to take the
 * signal is only marked interrupted, and its park left in *kickp for the
 * caller to kick once p_lock is dropped (sleepq.h): woken under p_lock,
 * the lwp would block on it at once (and on one CPU, preempt the poster
 * that holds it).
 */
static int
sig_post_common(struct proc *p, struct lwp *target, int sig,
		const siginfo_t *info, struct lwp_park **kickp)
{
	ksigset_t bit = SIGBIT(sig);
	struct rump_ksigaction *act = &p->p_sigact[sig - 1];
	struct lwp *l, *pick = NULL, *cur;
	bool wanted = false, waited = false;
	int error;

	if (!SIG_VALID(sig))
		return EINVAL;
	if (p->p_xsig != 0)
		return 0;
	if (sig == SIGKILL) {
		proc_terminate_locked(p, SIGKILL);
		return 0;
	}
	if (sig == SIGCONT)
		proc_continue_locked(p);
	else if (sig_default_stops(sig))
		sigpend_flush_all(p, SIGBIT(SIGCONT));

	/* Does some lwp take it now, and is one waiting for it? */
	if (target != NULL) {
		wanted = lwp_wants(target, bit);
		waited = (target->l_sigwait & bit) != 0;
	} else {
		for (l = p->p_lwps; l != NULL; l = l->l_next) {
			wanted |= lwp_wants(l, bit);
			waited |= (l->l_sigwait & bit) != 0;
		}
	}
	/* An ignored signal is dropped unless blocked (it may be
	 * unignored before it is unblocked). */
	if (!waited && wanted && sig_ignored_locked(p, sig))
		return 0;
	if (act->sa_handler_ == KSIG_DFL && wanted && !waited) {
		if (sig_default_kills(sig)) {
			if (proc_protected(p))
				return 0;
			proc_terminate_locked(p, sig);
			return 0;
		}
		if (sig_default_stops(sig)) {
			if (!proc_protected(p))
				proc_stop_locked(p, sig);
			return 0;
		}
	}
	error = sig_enqueue(p, target ? &target->l_sigpend : &p->p_sigpend, sig,
			    info);
	if (error != 0)
		return error;
	signalfd_notify_locked(p, sig);

	if (target != NULL) {
		if (!lwp_wants(target, bit))
			return 0;
		if (kickp == NULL) {
			lwp_signal(target);
			return 0;
		}
		atomic_store_rel(&target->l_sigpending, 1);
		*kickp = lwp_interrupt_mark(target);
		return 0;
	}
	/* Every lwp that takes it may deliver it on its way out; one is
	 * woken: a waiter in sigtimedwait, the caller, a running lwp. */
	cur = rumpuser_curlwp();
	for (l = p->p_lwps; l != NULL; l = l->l_next) {
		if (!lwp_wants(l, bit))
			continue;
		atomic_store_rel(&l->l_sigpending, 1);
		if (l->l_sigwait & bit)
			pick = l;
		else if (pick == NULL ||
			 (!(pick->l_sigwait & bit) &&
			  (l == cur || (pick != cur && !lwp_is_running(pick) &&
					lwp_is_running(l)))))
			pick = l;
	}
	if (pick != NULL && kickp != NULL)
		*kickp = lwp_interrupt_mark(pick);
	else if (pick != NULL)
		lwp_interrupt_held(pick);
	return 0;
}

int
sig_post_proc_locked(struct proc *p, int sig, const siginfo_t *info)
{
	return sig_post_common(p, NULL, sig, info, NULL);
}

int
sig_post_lwp_locked(struct lwp *l, int sig, const siginfo_t *info)
{
	return sig_post_common(l->l_proc, l, sig, info, NULL);
}

int
sig_post_kick_locked(struct proc *p, struct lwp *target, int sig,
		     const siginfo_t *info, struct lwp_park **kickp)
{
	struct lwp_park *kick = NULL;
	int error;

	if (kickp == NULL || *kickp != NULL)
		return sig_post_common(p, target, sig, info, NULL);
	error = sig_post_common(p, target, sig, info, &kick);
	*kickp = kick;
	return error;
}

int
sig_post_proc(struct proc *p, int sig, const siginfo_t *info)
{
	struct lwp_park *kick = NULL;
	int error;

	mutex_enter(&p->p_lock);
	error = sig_post_common(p, NULL, sig, info, &kick);
	mutex_exit(&p->p_lock);
	park_kick(kick);
	return error;
}

int
sig_post_lwp(struct lwp *l, int sig, const siginfo_t *info)
{
	struct proc *p = l->l_proc;
	struct lwp_park *kick = NULL;
	int error;

	mutex_enter(&p->p_lock);
	error = sig_post_common(p, l, sig, info, &kick);
	mutex_exit(&p->p_lock);
	park_kick(kick);
	return error;
}

/* ---- taking signals ------------------------------------------------------ */

int
sig_dequeue_locked(struct lwp *l, ksigset_t set, siginfo_t *si)
{
	struct proc *p = l->l_proc;
	struct sigpend *sp;
	ksigset_t m;
	int sig;

	if ((m = l->l_sigpend.sp_set & set) != 0)
		sp = &l->l_sigpend;
	else if ((m = p->p_sigpend.sp_set & set) != 0)
		sp = &p->p_sigpend;
	else
		return 0;
	sig = __builtin_ctzll(m) + 1;
	sigpend_take(p, sp, sig, si);
	if (si->si_code == SI_TIMER)
		ptimer_dequeued_locked(p, si);
	if (sp == &p->p_sigpend)
		sig_update_proc_locked(p);
	else
		sig_update_lwp_locked(l);
	return sig;
}

/* The mask `l' gets: SIGKILL and SIGSTOP can never be blocked. */
static void
sig_setmask_locked(struct lwp *l, ksigset_t mask)
{
	l->l_sigmask = mask & ~SIG_CANTMASK;
	sig_update_lwp_locked(l);
}

void
sig_mask_swap(struct lwp *l, ksigset_t mask, ksigset_t *old)
{
	struct proc *p = l->l_proc;

	mutex_enter(&p->p_lock);
	*old = l->l_sigmask;
	sig_setmask_locked(l, mask);
	mutex_exit(&p->p_lock);
}

void
sig_mask_restore(struct lwp *l, ksigset_t old)
{
	struct proc *p = l->l_proc;

	mutex_enter(&p->p_lock);
	if (lwp_deliverable(l) != 0) {
		l->l_sigsaved = old;
		l->l_sigsaved_valid = true;
	} else {
		sig_setmask_locked(l, old);
	}
	mutex_exit(&p->p_lock);
}

/*
 * A default action taken at the exit path (the signal was blocked when
 * it came).  Returns true when the process ended or stopped.
 */
static bool
sig_default_locked(struct lwp *l, int sig)
{
	struct proc *p = l->l_proc;

	if (sig_default_kills(sig) && !proc_protected(p)) {
		proc_terminate_locked(p, sig);
		return true;
	}
	if (sig_default_stops(sig) && !proc_protected(p)) {
		proc_stop_locked(p, sig);
		return true;
	}
	return false;
}

/* Wait out a stop (p_lock held; dropped while waiting). */
static void
sig_stopwait_locked(struct lwp *l)
{
	struct proc *p = l->l_proc;

	while (p->p_stopped && p->p_xsig == 0)
		sleepq_wait(&p->p_stopq, &p->p_lock, DEADLINE_NONE, 0);
	sig_update_lwp_locked(l);
}

/* Call a local client's handler on this host thread. */
static void
sig_call_local(struct lwp *l, const struct rump_sigframe *sf,
	       const siginfo_t *si)
{
	struct ucontext uc;
	siginfo_t info = *si;
	struct proc *p = l->l_proc;

	memset(&uc, 0, sizeof(uc));
	uc.uc_stack.ss_sp = l->l_sigstk.ss_sp;
	uc.uc_stack.ss_size = l->l_sigstk.ss_size;
	uc.uc_stack.ss_flags = l->l_sigstk.ss_flags;
	memcpy(&uc.uc_sigmask, &sf->sf_mask, sizeof(sf->sf_mask));
	if (sf->sf_flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))sf->sf_handler)(
			sf->sf_signo, &info, &uc);
	else
		((void (*)(int))sf->sf_handler)(sf->sf_signo);
	/* sigreturn: the mask from the context, which the handler may
	 * have changed, as Linux restores it. */
	mutex_enter(&p->p_lock);
	sig_setmask_locked(l, (ksigset_t)uc.uc_sigmask);
	mutex_exit(&p->p_lock);
}

RUMP_API int
rump_sigdeliver_sethook(rump_sigdeliver_fn *fn, void *arg)
{
	struct lwp *l = curlwp_enter();

	if (l == NULL)
		return ENXIO;
	mutex_enter(&l->l_proc->p_lock);
	l->l_sigdeliver = fn;
	l->l_sigdeliver_arg = arg;
	mutex_exit(&l->l_proc->p_lock);
	return 0;
}

RUMP_API void
rump_sigreturn(const struct rump_sigframe *sf)
{
	struct lwp *l = curlwp_enter();

	if (l == NULL)
		return;
	mutex_enter(&l->l_proc->p_lock);
	sig_setmask_locked(l, sf->sf_mask);
	mutex_exit(&l->l_proc->p_lock);
}

/* Restart call `nr' (or the restart block) after an interruption. */
static long
syscall_restart(struct lwp *l, long nr, const long *args, long ret)
{
	if (ret == -ERESTART_RESTARTBLOCK)
		return l->l_restart.rb_fn(l, &l->l_restart);
	return sysent[nr].sy_call(l, args);
}

long
syscall_exit_work(struct lwp *l, long nr, const long *args, long ret)
{
	struct proc *p = l->l_proc;
	struct rump_sigframe sf;
	struct rump_ksigaction *act;
	siginfo_t si;
	bool restart;
	int sig;

	for (;;) {
		mutex_enter(&p->p_lock);
		if (p->p_stopped)
			sig_stopwait_locked(l);
		if (p->p_xsig != 0) {
			/* The process is ending: calls return at once. */
			mutex_exit(&p->p_lock);
			return errno_is_restart(ret) ? -EINTR : ret;
		}
		sig = sig_dequeue_locked(l, ~l->l_sigmask, &si);
		if (sig == 0) {
			/* Nothing (more) to deliver: a sigsuspend's mask goes,
			 * an interrupted call restarts. */
			if (l->l_sigsaved_valid) {
				l->l_sigsaved_valid = false;
				sig_setmask_locked(l, l->l_sigsaved);
			}
			sig_update_lwp_locked(l);
			mutex_exit(&p->p_lock);
			if (!errno_is_restart(ret))
				return ret;
			ret = syscall_restart(l, nr, args, ret);
			if (!atomic_load_relaxed(&l->l_sigpending) &&
			    !errno_is_restart(ret))
				return ret;
			continue;
		}
		act = &p->p_sigact[sig - 1];
		if (act->sa_handler_ == KSIG_IGN ||
		    (act->sa_handler_ == KSIG_DFL &&
		     !sig_default_locked(l, sig))) {
			mutex_exit(&p->p_lock);
			continue;
		}
		if (act->sa_handler_ == KSIG_DFL) {
			mutex_exit(&p->p_lock);
			continue; /* ended or stopped: the loop sees it */
		}
		/* A handler: decide the interrupted call's fate first. */
		restart = ret == -ERESTARTNOINTR ||
			  (ret == -ERESTARTSYS && (act->sa_flags & SA_RESTART));
		if (errno_is_restart(ret) && !restart)
			ret = -EINTR;
		memset(&sf, 0, sizeof(sf));
		sf.sf_signo = sig;
		sf.sf_flags = act->sa_flags;
		sf.sf_handler = act->sa_handler_;
		sf.sf_restorer = act->sa_restorer;
		sf.sf_mask = l->l_sigsaved_valid ? l->l_sigsaved : l->l_sigmask;
		l->l_sigsaved_valid = false;
		memcpy(sf.sf_info, &si, sizeof(si));
		if ((act->sa_flags & SA_ONSTACK) &&
		    !(l->l_sigstk.ss_flags & SS_DISABLE)) {
			sf.sf_altstack = l->l_sigstk.ss_sp;
			sf.sf_altsize = l->l_sigstk.ss_size;
		}
		sig_setmask_locked(l, l->l_sigmask | act->sa_mask |
					      ((act->sa_flags & SA_NODEFER)
						       ? 0
						       : SIGBIT(sig)));
		if (act->sa_flags & SA_RESETHAND) {
			act->sa_handler_ = KSIG_DFL;
			act->sa_flags &= ~SA_SIGINFO;
		}
		mutex_exit(&p->p_lock);

		if (l->l_sigdeliver != NULL)
			l->l_sigdeliver(l->l_sigdeliver_arg, &sf);
		else
			sig_call_local(l, &sf, &si);
		if (restart)
			ret = syscall_restart(l, nr, args, ret);
		if (!atomic_load_relaxed(&l->l_sigpending) &&
		    !errno_is_restart(ret))
			return ret;
	}
}

/* ---- process life cycle --------------------------------------------------- */

void
sig_lwp_init(struct lwp *l)
{
	sigpend_init(&l->l_sigpend);
	l->l_sigstk.ss_flags = SS_DISABLE;
	l->l_born = time_monotonic_ns();
}

void
sig_proc_fork(struct proc *p, struct proc *parent, struct lwp *parent_lwp,
	      struct lwp *l)
{
	sigpend_init(&p->p_sigpend);
	waitq_init(&p->p_stopq);
	sig_lwp_init(l);
	if (parent != NULL) {
		/* fork(2): dispositions and mask kept, pending cleared. */
		mutex_enter(&parent->p_lock);
		memcpy(p->p_sigact, parent->p_sigact, sizeof(p->p_sigact));
		mutex_exit(&parent->p_lock);
	}
	if (parent_lwp != NULL) {
		l->l_sigmask = parent_lwp->l_sigmask;
		l->l_sigstk = parent_lwp->l_sigstk;
	}
}

/*
 * What a released lwp leaves to its process: its host thread's CPU time,
 * but never more than the lwp's own lifetime (a thread that switched
 * between lwps has run others before).  Reading a thread's CPU clock is
 * a host system call (~0.5 us); an lwp younger than that bound's
 * threshold is charged its lifetime without one, which keeps rfork +
 * release cheap.
 */
#define CPU_READ_MIN_NS 1000000ULL
static uint64_t
lwp_dead_cputime_ns(struct lwp *l)
{
	uint64_t life = time_monotonic_ns() - l->l_born, t;

	if (life < CPU_READ_MIN_NS)
		return life;
	t = lwp_cputime_ns(l);
	return t < life ? t : life;
}

void
sig_lwp_free(struct lwp *l)
{
	struct proc *p = l->l_proc;
	uint64_t t = lwp_dead_cputime_ns(l);

	/* Under proc_lock, so p is alive. */
	mutex_enter(&p->p_lock);
	sigpend_flush(p, &l->l_sigpend, ~0ULL);
	p->p_cpu_dead += t;
	if (p->p_nlwps == 0 && p->p_pptr != NULL && p->p_pptr != p) {
		t = p->p_cpu_dead + p->p_cpu_children;
		mutex_exit(&p->p_lock);
		mutex_enter(&p->p_pptr->p_lock);
		p->p_pptr->p_cpu_children += t;
		mutex_exit(&p->p_pptr->p_lock);
		return;
	}
	mutex_exit(&p->p_lock);
}

void
sig_proc_free(struct proc *p)
{
	ptimers_free(p);
	mutex_enter(&p->p_lock);
	sigpend_flush(p, &p->p_sigpend, ~0ULL);
	mutex_exit(&p->p_lock);
}

RUMP_API int
rump_proc_exitstatus(int pid, int *statusp)
{
	struct proc *p;
	int sig, error = 0;

	if (initproc == NULL)
		return ENXIO;
	proc_lock_enter();
	p = proc_find_locked(pid);
	if (p == NULL)
		error = ESRCH;
	else if ((sig = proc_xsig(p)) == 0)
		error = EBUSY;
	else if (statusp != NULL)
		*statusp = sig | ((SIGBIT(sig) & SIGSET_CORE) ? 0x80 : 0);
	proc_lock_exit();
	return error;
}

/* The host's view of a process ended by `sig' (signal model). */
static void
sig_host_report(pid_t pid, int sig)
{
	switch (atomic_load_acq(&sig_model)) {
	case RUMP_SIGMODEL_PANIC:
		if (sig != SIGSYS && sig != SIGPIPE)
			panic("signal %d ended process %d (signal model: "
			      "panic)",
			      sig, pid);
		break;
	case RUMP_SIGMODEL_RAISE:
		rumpuser_kill(pid, sig);
		break;
	default: /* KERNEL, IGNORE, RECORD: only the rump process ends */
		break;
	}
}

/* Tell the parent that `p' stopped or continued (SIGCHLD with
 * CLD_STOPPED or CLD_CONTINUED), unless its SIGCHLD action has
 * SA_NOCLDSTOP.  proc_lock held. */
static void
sig_notify_stop_locked(struct proc *p)
{
	struct proc *pp = p->p_pptr;
	siginfo_t si;
	int code, sig;

	mutex_enter(&p->p_lock);
	code = p->p_cldnotify;
	sig = code == CLD_STOPPED ? p->p_stopsig : SIGCONT;
	atomic_store_relaxed(&p->p_cldnotify, 0);
	mutex_exit(&p->p_lock);
	if (code == 0 || pp == NULL || pp == p)
		return;
	sig_info_init(&si, SIGCHLD, code, NULL);
	si.si_pid = p->p_pid;
	si.si_uid = atomic_load_relaxed(&p->p_cred)->cr_uid;
	si.si_status = sig;
	mutex_enter(&pp->p_lock);
	if (!(pp->p_sigact[SIGCHLD - 1].sa_flags & SA_NOCLDSTOP))
		sig_post_proc_locked(pp, SIGCHLD, &si);
	mutex_exit(&pp->p_lock);
}

/* Tell the parent of `pid' (ended by `sig') with SIGCHLD: its parent
 * now, or, if it has gone meanwhile, the one it had (`ppid'). */
static void
sig_notify_killed(pid_t pid, pid_t ppid, uid_t uid, int sig)
{
	struct proc *p, *pp;
	siginfo_t si;

	sig_info_init(&si, SIGCHLD,
		      (SIGBIT(sig) & SIGSET_CORE) ? CLD_DUMPED : CLD_KILLED,
		      NULL);
	si.si_pid = pid;
	si.si_uid = uid;
	si.si_status = sig;
	proc_lock_enter();
	p = proc_find_locked(pid);
	pp = p != NULL ? p->p_pptr : proc_find_locked(ppid);
	if (pp != NULL && pp != p) {
		mutex_enter(&pp->p_lock);
		sig_post_proc_locked(pp, SIGCHLD, &si);
		mutex_exit(&pp->p_lock);
	}
	proc_lock_exit();
}

/*
 * The kernel thread's clean-up of processes ended by a signal: close
 * their descriptors (unless another process shares the table), then, as
 * Linux's do_exit, tell the parent: whoever sees SIGCHLD sees the files
 * closed.  Then report to the host.  One process per pass over the list,
 * the locks dropped for the work.
 */
void
sig_termwork(void)
{
	struct filedesc *fdp;
	struct proc *p;
	pid_t pid, ppid;
	uid_t uid;
	int sig;

	for (;;) {
		proc_lock_enter();
		for (p = proc_first_locked(); p != NULL; p = p->p_next) {
			if (atomic_load_relaxed(&p->p_cldnotify) != 0)
				sig_notify_stop_locked(p);
			if (proc_xsig(p) != 0 && !p->p_termdone)
				break;
		}
		if (p == NULL) {
			proc_lock_exit();
			return;
		}
		p->p_termdone = true;
		sig = proc_xsig(p);
		pid = p->p_pid;
		ppid = p->p_pptr != NULL ? p->p_pptr->p_pid : 0;
		uid = atomic_load_relaxed(&p->p_cred)->cr_uid;
		fdp = p->p_fd;
		fd_hold(fdp);
		proc_lock_exit();
		/* Our hold and the process's: nobody else shares it.  Its
		 * descriptors close now, as at a real exit, and with them
		 * the table's record locks; a table another process shares
		 * keeps both, as in Linux. */
		if (fd_refs(fdp) <= 2)
			fd_closeif(fdp, true);
		fd_release(fdp);
		sig_notify_killed(pid, ppid, uid, sig);
		sig_host_report(pid, sig);
	}
}

/* ---- rump_signal_post: from host signal handlers ------------------------ */

#define HOSTPOST_SLOTS 64
static struct {
	int state; /* 0 free, 1 being written, 2 ready; atomic */
	int pid, sig;
} hostposts[HOSTPOST_SLOTS];

RUMP_API int
rump_signal_post(int pid, int sig)
{
	int expect;

	if (!SIG_VALID(sig) || pid < 1)
		return EINVAL;
	if (atomic_load_acq(&initproc) == NULL)
		return ENXIO;
	for (int i = 0; i < HOSTPOST_SLOTS; i++) {
		expect = 0;
		if (!__atomic_compare_exchange_n(&hostposts[i].state, &expect,
						 1, false, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		hostposts[i].pid = pid;
		hostposts[i].sig = sig;
		atomic_store_rel(&hostposts[i].state, 2);
		kthread_kick(KTHREAD_HOSTPOST);
		return 0;
	}
	return EAGAIN;
}

void
sig_hostposts(void)
{
	struct proc *p;
	siginfo_t si;
	int pid, sig;

	for (int i = 0; i < HOSTPOST_SLOTS; i++) {
		if (atomic_load_acq(&hostposts[i].state) != 2)
			continue;
		pid = hostposts[i].pid;
		sig = hostposts[i].sig;
		atomic_store_rel(&hostposts[i].state, 0);
		sig_info_init(&si, sig, SI_KERNEL, NULL);
		proc_lock_enter();
		if ((p = proc_find_locked(pid)) != NULL)
			sig_post_proc(p, sig, &si);
		proc_lock_exit();
	}
}

/* ---- boot --------------------------------------------------------------- */

int
sig_init(void)
{
	proc_lock_enter();
	initproc->p_pgid = initproc->p_sid = initproc->p_pid;
	proc_lock_exit();
	signalfd_init();
	return callout_startup();
}

/* ---- syscalls: dispositions and masks ------------------------------------ */

long
sys_rt_sigaction(struct lwp *l, int sig, const struct rump_ksigaction *uact,
		 struct rump_ksigaction *uoact, size_t sigsetsize)
{
	struct proc *p = l->l_proc;
	struct rump_ksigaction act, oact;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (!SIG_VALID(sig))
		return -EINVAL;
	if (uact != NULL) {
		if (copyin(uact, &act, sizeof(act)))
			return -EFAULT;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		act.sa_mask &= ~SIG_CANTMASK;
		act.sa_flags &= SA_KNOWN; /* Linux drops unknown bits */
	}
	mutex_enter(&p->p_lock);
	oact = p->p_sigact[sig - 1];
	if (uact != NULL) {
		p->p_sigact[sig - 1] = act;
		/* POSIX: setting a pending signal to be ignored discards
		 * it, in every thread. */
		if (sig_ignored_locked(p, sig)) {
			sigpend_flush_all(p, SIGBIT(sig));
			sig_update_proc_locked(p);
		}
	}
	mutex_exit(&p->p_lock);
	if (uoact != NULL && copyout(&oact, uoact, sizeof(oact)))
		return -EFAULT;
	return 0;
}

long
sys_rt_sigprocmask(struct lwp *l, int how, const sigset_t *uset,
		   sigset_t *uoset, size_t sigsetsize)
{
	struct proc *p = l->l_proc;
	ksigset_t set, old;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (uset != NULL) {
		if (copyin(uset, &set, sizeof(set)))
			return -EFAULT;
		if (how != SIG_BLOCK && how != SIG_UNBLOCK &&
		    how != SIG_SETMASK)
			return -EINVAL;
	}
	mutex_enter(&p->p_lock);
	old = l->l_sigmask;
	if (uset != NULL) {
		if (how == SIG_BLOCK)
			sig_setmask_locked(l, old | set);
		else if (how == SIG_UNBLOCK)
			sig_setmask_locked(l, old & ~set);
		else
			sig_setmask_locked(l, set);
	}
	mutex_exit(&p->p_lock);
	if (uoset != NULL && copyout(&old, uoset, sizeof(old)))
		return -EFAULT;
	return 0;
}

long
sys_rt_sigpending(struct lwp *l, sigset_t *uset, size_t sigsetsize)
{
	struct proc *p = l->l_proc;
	ksigset_t set;

	if (sigsetsize > sizeof(ksigset_t))
		return -EINVAL;
	mutex_enter(&p->p_lock);
	set = (l->l_sigpend.sp_set | p->p_sigpend.sp_set) & l->l_sigmask;
	mutex_exit(&p->p_lock);
	return copyout(&set, uset, sigsetsize) ? -EFAULT : 0;
}

/* Sleep until a signal is deliverable (sigsuspend, pause). */
static long
sig_wait_any(struct lwp *l)
{
	for (;;) {
		park_prepare(l);
		if (lwp_park(l, DEADLINE_NONE, SLEEP_INTR) == EINTR)
			return -ERESTARTNOHAND;
	}
}

long
sys_rt_sigsuspend(struct lwp *l, const sigset_t *umask, size_t sigsetsize)
{
	struct proc *p = l->l_proc;
	ksigset_t mask;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copyin(umask, &mask, sizeof(mask)))
		return -EFAULT;
	mutex_enter(&p->p_lock);
	l->l_sigsaved = l->l_sigmask;
	l->l_sigsaved_valid = true;
	sig_setmask_locked(l, mask);
	mutex_exit(&p->p_lock);
	return sig_wait_any(l);
}

long
sys_pause(struct lwp *l)
{
	return sig_wait_any(l);
}

long
sys_rt_sigtimedwait(struct lwp *l, const sigset_t *uset, siginfo_t *uinfo,
		    const struct timespec *uts, size_t sigsetsize)
{
	struct proc *p = l->l_proc;
	struct timespec ts;
	uint64_t deadline = DEADLINE_NONE, tdl, pdl;
	ksigset_t set;
	siginfo_t si;
	int64_t ns;
	int sig, error = 0;

	if (sigsetsize != sizeof(ksigset_t))
		return -EINVAL;
	if (copyin(uset, &set, sizeof(set)))
		return -EFAULT;
	set &= ~SIG_CANTMASK;
	if (uts != NULL) {
		if (copyin(uts, &ts, sizeof(ts)))
			return -EFAULT;
		if (ts_to_ns(&ts, &ns) != 0)
			return -EINVAL;
		deadline = time_monotonic_ns();
		deadline = (uint64_t)ns > UINT64_MAX - deadline
				   ? UINT64_MAX
				   : deadline + (uint64_t)ns;
	}
	mutex_enter(&p->p_lock);
	for (;;) {
		if ((sig = sig_dequeue_locked(l, set, &si)) != 0)
			break;
		if (error != 0 || (uts != NULL && ns == 0)) {
			if (error == 0)
				error = EAGAIN;
			break;
		}
		/* Wait with `set' open: posts of it wake us.  A timer of
		 * ours that would post one is expired by us when due (one
		 * wakeup, not the kernel thread's and then ours). */
		l->l_sigwait = set;
		sig_update_lwp_locked(l);
		tdl = ptimers_next_locked(p, l, set);
		pdl = tdl != DEADLINE_NONE && (deadline == DEADLINE_NONE ||
					       tdl < deadline)
			      ? tdl
			      : deadline;
		park_prepare(l);
		mutex_exit(&p->p_lock);
		error = lwp_park(l, pdl, SLEEP_INTR);
		mutex_enter(&p->p_lock);
		l->l_sigwait = 0;
		if (tdl != DEADLINE_NONE && error != EINTR)
			ptimers_expire_locked(p);
		sig_update_lwp_locked(l);
		if (error == ETIMEDOUT || error == 0)
			error = deadline != DEADLINE_NONE &&
						time_monotonic_ns() >= deadline
					? EAGAIN
					: 0;
	}
	mutex_exit(&p->p_lock);
	if (sig == 0)
		return -error; /* EAGAIN or EINTR: never restarted */
	if (uinfo != NULL && copyout(&si, uinfo, sizeof(si)))
		return -EFAULT;
	return sig;
}

long
sys_sigaltstack(struct lwp *l, const stack_t *uss, stack_t *uoss)
{
	stack_t ss, old = l->l_sigstk;
	int mode;

	if (uss != NULL) {
		if (copyin(uss, &ss, sizeof(ss)))
			return -EFAULT;
		/* Linux: the mode is one of 0, SS_ONSTACK (the same as 0)
		 * and SS_DISABLE, with SS_AUTODISARM beside it. */
		mode = ss.ss_flags & ~SS_AUTODISARM;
		if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			ss.ss_sp = NULL;
			ss.ss_size = 0;
		} else if (ss.ss_size < MINSIGSTKSZ) {
			return -ENOMEM;
		}
	}
	/* Handlers run on the caller's stack, never on this one, so it is
	 * never "on stack". */
	if (uoss != NULL && copyout(&old, uoss, sizeof(old)))
		return -EFAULT;
	if (uss != NULL) {
		ss.ss_flags &= ~SS_ONSTACK;
		mutex_enter(&l->l_proc->p_lock);
		l->l_sigstk = ss;
		mutex_exit(&l->l_proc->p_lock);
	}
	return 0;
}

/* ---- syscalls: sending ----------------------------------------------------- */

/* kill(2)'s permission rule: privileged, or the sender's real or
 * effective uid is the target's real or saved uid; SIGCONT within a
 * session.  p_lock of `p' held. */
static bool
sig_may_send(struct lwp *l, struct proc *p, int sig)
{
	const struct kauth_cred *s = l->l_cred, *t = p->p_cred;

	if (cred_privileged(s) || p == l->l_proc)
		return true;
	if (s->cr_uid == t->cr_uid || s->cr_uid == t->cr_suid ||
	    s->cr_euid == t->cr_uid || s->cr_euid == t->cr_suid)
		return true;
	return sig == SIGCONT && p->p_sid == l->l_proc->p_sid;
}

/* Send to one process, with the permission check.  proc_lock held. */
static int
kill_one_locked(struct lwp *l, struct proc *p, int sig, const siginfo_t *si)
{
	struct lwp_park *kick = NULL;
	int error = 0;

	mutex_enter(&p->p_lock);
	if (!sig_may_send(l, p, sig))
		error = EPERM;
	else if (sig != 0)
		error = sig_post_common(p, NULL, sig, si, &kick);
	mutex_exit(&p->p_lock);
	park_kick(kick);
	return error;
}

/* kill(pid, sig) with siginfo `si' (kill and rt_sigqueueinfo). */
static long
do_kill(struct lwp *l, pid_t pid, int sig, const siginfo_t *si)
{
	struct lwp_park *kick = NULL;
	struct proc *p;
	int error = 0, found = 0, sent = 0, lasterr = ESRCH;
	pid_t pgid;

	if (sig < 0 || sig > KNSIG)
		return -EINVAL;
	proc_lock_enter();
	if (pid > 0) {
		/* Hand over hand: p_lock keeps p alive (its lwps' unlinking
		 * takes it), so proc_lock need not be held while posting. */
		if ((p = proc_find_locked(pid)) == NULL) {
			proc_lock_exit();
			return -ESRCH;
		}
		mutex_enter(&p->p_lock);
		proc_lock_exit();
		if (!sig_may_send(l, p, sig))
			error = EPERM;
		else if (sig != 0)
			error = sig_post_common(p, NULL, sig, si, &kick);
		mutex_exit(&p->p_lock);
		park_kick(kick);
		return -error;
	}
	if (pid == INT32_MIN) {
		proc_lock_exit();
		return -ESRCH;
	}
	pgid = pid == 0 ? l->l_proc->p_pgid : -pid;
	for (p = proc_first_locked(); p != NULL; p = p->p_next) {
		if (p->p_dead || p->p_pid == 0)
			continue;
		if (pid == -1) {
			/* All but init and the caller. */
			if (p->p_pid == 1 || p == l->l_proc)
				continue;
		} else if (p->p_pgid != pgid) {
			continue;
		}
		found++;
		if ((error = kill_one_locked(l, p, sig, si)) == 0)
			sent++;
		else
			lasterr = error;
	}
	proc_lock_exit();
	if (sent > 0)
		return 0;
	return -(found > 0 ? lasterr : ESRCH);
}

long
sys_kill(struct lwp *l, pid_t pid, int sig)
{
	siginfo_t si;

	sig_info_init(&si, sig, SI_USER, l);
	return do_kill(l, pid, sig, &si);
}

/* tkill/tgkill: to one thread (tgid -1: any process). */
static long
do_tkill(struct lwp *l, pid_t tgid, pid_t tid, int sig, const siginfo_t *si)
{
	struct lwp_park *kick = NULL;
	struct lwp *t;
	struct proc *p;
	int error = 0;

	if (tid <= 0 || (tgid != -1 && tgid <= 0) || sig < 0 || sig > KNSIG)
		return -EINVAL;
	proc_lock_enter();
	t = lwp_find_locked(tid);
	if (t == NULL || (tgid != -1 && t->l_proc->p_pid != tgid)) {
		proc_lock_exit();
		return -ESRCH;
	}
	p = t->l_proc;
	mutex_enter(&p->p_lock); /* keeps t alive: proc_lock can go */
	proc_lock_exit();
	if (!sig_may_send(l, p, sig))
		error = EPERM;
	else if (sig != 0)
		error = sig_post_common(p, t, sig, si, &kick);
	mutex_exit(&p->p_lock);
	park_kick(kick);
	return -error;
}

long
sys_tkill(struct lwp *l, pid_t tid, int sig)
{
	siginfo_t si;

	sig_info_init(&si, sig, SI_TKILL, l);
	return do_tkill(l, -1, tid, sig, &si);
}

long
sys_tgkill(struct lwp *l, pid_t tgid, pid_t tid, int sig)
{
	siginfo_t si;

	if (tgid <= 0)
		return -EINVAL;
	sig_info_init(&si, sig, SI_TKILL, l);
	return do_tkill(l, tgid, tid, sig, &si);
}

/* A user-made siginfo: Linux refuses kernel codes (si_code >= 0) and
 * SI_TKILL unless `id' (the pid of rt_sigqueueinfo, the tid of
 * rt_tgsigqueueinfo) is the caller's own thread id. */
static int
sigqueue_info(struct lwp *l, pid_t id, int sig, const siginfo_t *uinfo,
	      siginfo_t *si)
{
	if (copyin(uinfo, si, sizeof(*si)))
		return EFAULT;
	if ((si->si_code >= 0 || si->si_code == SI_TKILL) && id != l->l_lid)
		return EPERM;
	si->si_signo = sig;
	return 0;
}

long
sys_rt_sigqueueinfo(struct lwp *l, pid_t pid, int sig, const siginfo_t *uinfo)
{
	siginfo_t si;
	int error;

	if ((error = sigqueue_info(l, pid, sig, uinfo, &si)) != 0)
		return -error;
	if (pid <= 0)
		return -ESRCH; /* one process only, as Linux */
	return do_kill(l, pid, sig, &si);
}

long
sys_rt_tgsigqueueinfo(struct lwp *l, pid_t tgid, pid_t tid, int sig,
		      const siginfo_t *uinfo)
{
	siginfo_t si;
	int error;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if ((error = sigqueue_info(l, tid, sig, uinfo, &si)) != 0)
		return -error;
	return do_tkill(l, tgid, tid, sig, &si);
}

/* ---- process groups and sessions -------------------------------------------- */

/* Process `pid''s (0: the caller's) group, or with `sid' its session. */
static long
pgid_or_sid(struct lwp *l, pid_t pid, bool sid)
{
	struct proc *p;
	long rv;

	if (pid < 0)
		return -ESRCH;
	proc_lock_enter();
	p = pid == 0 ? l->l_proc : proc_find_locked(pid);
	rv = p == NULL ? -ESRCH : sid ? p->p_sid : p->p_pgid;
	proc_lock_exit();
	return rv;
}

long
sys_getpgid(struct lwp *l, pid_t pid)
{
	return pgid_or_sid(l, pid, false);
}

long
sys_getpgrp(struct lwp *l)
{
	return sys_getpgid(l, 0);
}

long
sys_getsid(struct lwp *l, pid_t pid)
{
	return pgid_or_sid(l, pid, true);
}

/* Whether some process other than `except' is in group `pgid'. */
static bool
pgrp_exists_locked(pid_t pgid, pid_t sid, struct proc *except)
{
	for (struct proc *p = proc_first_locked(); p != NULL; p = p->p_next)
		if (p != except && !p->p_dead && p->p_pgid == pgid &&
		    (sid < 0 || p->p_sid == sid))
			return true;
	return false;
}

long
sys_setsid(struct lwp *l)
{
	struct proc *p = l->l_proc;
	long rv;

	proc_lock_enter();
	/* A process group leader, or anyone's group id is our pid: no. */
	if (p->p_pgid == p->p_pid || pgrp_exists_locked(p->p_pid, -1, p)) {
		rv = -EPERM;
	} else {
		p->p_pgid = p->p_sid = p->p_pid;
		rv = p->p_pid;
	}
	proc_lock_exit();
	return rv;
}

long
sys_setpgid(struct lwp *l, pid_t pid, pid_t pgid)
{
	struct proc *me = l->l_proc, *p;
	long rv = 0;

	if (pid < 0 || pgid < 0)
		return -EINVAL;
	proc_lock_enter();
	p = pid == 0 ? me : proc_find_locked(pid);
	if (pgid == 0)
		pgid = p != NULL ? p->p_pid : 0;
	if (p == NULL || (p != me && p->p_pptr != me))
		rv = -ESRCH;
	else if (p->p_sid != me->p_sid)
		rv = -EPERM;
	else if (p->p_sid == p->p_pid)
		rv = -EPERM; /* a session leader keeps its group */
	else if (pgid != p->p_pid && !pgrp_exists_locked(pgid, me->p_sid, NULL))
		rv = -EPERM;
	else
		p->p_pgid = pgid;
	proc_lock_exit();
	return rv;
}
