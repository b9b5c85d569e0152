/*
 * lwproc.c: processes, lwps, pids and the rump_lwproc(3) interface.
 *
 * Every statement of rump_lwproc(3) is implemented here; proc.h gives
 * the data model and the lock order.  Implicit contexts: a host thread
 * that enters unbound gets an lwp of pid 1 that stays bound to it, marked
 * LW_IMPLICIT, so later entries from that thread cost nothing; it goes
 * back to a pool when the thread binds a dedicated lwp and is freed when
 * the thread exits (hyp_hostthread_exit).
 */
#include <rump/rump.h>

#include "cred.h"
#include "fd.h"
#include "proc.h"
#include "sleepq.h"

/* vfs/vfs.h: cwd and root follow the process. */
void vfs_proc_fork(struct proc *parent, struct proc *child);
void vfs_proc_exit(struct proc *p);

struct proc proc0;
struct lwp lwp0;
struct proc *initproc;

static kmutex_t proc_lock;
/* pidtab[n]: the process with pid n and the lwp with tid n, if any;
 * a slot is free when both are NULL. */
static struct {
	struct proc *proc;
	struct lwp *lwp;
} pidtab[PID_MAX];
static pid_t pid_last;
static pid_t tid_last = PID_MAX;
static struct proc *allproc;

static kmutex_t implicit_lock;
static struct lwp *implicit_pool;

void
proc_lock_enter(void)
{
	mutex_enter(&proc_lock);
}

void
proc_lock_exit(void)
{
	mutex_exit(&proc_lock);
}

static bool
id_free(pid_t id)
{
	return pidtab[id].proc == NULL && pidtab[id].lwp == NULL;
}

/*
 * Pids: the next free id after the last one given, as Linux does: they
 * increase and wrap to PID_RESERVED, so a freed pid is not reused at
 * once.  Returns 0 when every id is taken.  Caller holds proc_lock.
 */
static pid_t
pid_alloc_locked(void)
{
	pid_t pid = pid_last;

	for (int n = 0; n < PID_MAX; n++) {
		if (++pid >= PID_MAX)
			pid = PID_RESERVED;
		if (id_free(pid)) {
			pid_last = pid;
			return pid;
		}
	}
	return 0;
}

/*
 * Thread ids of a process's further lwps share the id space (tkill needs
 * them unique) but are taken from the top down, so threads, implicit
 * contexts included, do not shift the pid sequence a process sees
 * (rump_lwproc(3): the first process after boot is pid 2).
 */
static pid_t
tid_alloc_locked(void)
{
	pid_t tid = tid_last;

	for (int n = 0; n < PID_MAX; n++) {
		if (--tid < PID_RESERVED)
			tid = PID_MAX - 1;
		if (id_free(tid)) {
			tid_last = tid;
			return tid;
		}
	}
	return 0;
}

struct proc *
proc_first_locked(void)
{
	return allproc;
}

struct lwp *
lwp_find_locked(pid_t tid)
{
	struct lwp *l;

	if (tid <= 0 || tid >= PID_MAX)
		return NULL;
	l = pidtab[tid].lwp;
	return l != NULL && !l->l_proc->p_dead ? l : NULL;
}

struct proc *
proc_find_locked(pid_t pid)
{
	struct proc *p;

	if (pid < 0 || pid >= PID_MAX)
		return NULL;
	p = pidtab[pid].proc;
	return p != NULL && !p->p_dead ? p : NULL;
}

/* Link a new lwp into `p'; caller holds proc_lock and set l_lid. */
static void
lwp_link_locked(struct proc *p, struct lwp *l)
{
	l->l_proc = p;
	mutex_enter(&p->p_lock); /* signal posting walks p_lwps under it */
	l->l_next = p->p_lwps;
	l->l_prev = NULL;
	if (p->p_lwps != NULL)
		p->p_lwps->l_prev = l;
	p->p_lwps = l;
	p->p_nlwps++;
	mutex_exit(&p->p_lock);
	pidtab[l->l_lid].lwp = l;
}

static void
lwp_unlink_locked(struct lwp *l)
{
	struct proc *p = l->l_proc;

	mutex_enter(&p->p_lock);
	if (l->l_prev != NULL)
		l->l_prev->l_next = l->l_next;
	else
		p->p_lwps = l->l_next;
	if (l->l_next != NULL)
		l->l_next->l_prev = l->l_prev;
	p->p_nlwps--;
	mutex_exit(&p->p_lock);
	pidtab[l->l_lid].lwp = NULL;
}

/* Take the process's current credential for `l'. */
void
lwp_cred_refresh(struct lwp *l)
{
	struct proc *p = l->l_proc;
	struct kauth_cred *old = l->l_cred;

	mutex_enter(&p->p_lock);
	l->l_cred = p->p_cred;
	cred_hold(l->l_cred);
	mutex_exit(&p->p_lock);
	if (old != NULL)
		cred_free(old);
}

void
proc_setcred(struct proc *p, struct lwp *l, struct kauth_cred *cr)
{
	struct kauth_cred *old;

	mutex_enter(&p->p_lock);
	old = p->p_cred;
	atomic_store_rel(&p->p_cred, cr);
	mutex_exit(&p->p_lock);
	cred_free(old);
	if (l != NULL)
		lwp_cred_refresh(l);
}

/*
 * Claiming an lwp.  rump_lwproc(3): an lwp is current in at most one host
 * thread, switching to one that is current in another is fatal, and of
 * two threads that switch to an idle lwp at once exactly one gets it.
 *
 * The plain way is an atomic exchange on l_running.  But a locked
 * instruction costs as much as a whole system call here (~6 ns), and
 * nearly every lwp is only ever switched to by the thread that made it.
 * So an lwp is biased to that thread, its owner (l_bias, the host's
 * handle for it): the owner claims with plain stores to l_biasrun, which
 * no other thread writes, and a recheck of l_shared with no fence in
 * between.  The fence is paid by the first other thread that claims the
 * lwp, the revoker: it takes l_running, sets l_shared, runs
 * rumpuser_membar_threads() and only then reads l_biasrun.
 *
 * Why that is exact: the owner stores CLAIMING then loads l_shared; the
 * revoker stores l_shared, makes every thread pass a barrier, then loads
 * l_biasrun.  One of the two loads sees the other's store.  If the owner
 * sees l_shared it backs off to IDLE and claims through l_running, which
 * the revoker holds: the owner panics.  Otherwise the revoker sees
 * CLAIMING or HELD; CLAIMING becomes HELD or IDLE a few instructions
 * later, so the revoker waits for it and panics on HELD.  Either way one
 * wins and the other panics.  l_shared is never cleared: from then on
 * every thread, the owner too, claims through l_running.
 *
 * Releasing: the owner stores IDLE if it holds HELD, anyone else clears
 * l_running; both are store-releases that the next claimer's acquire
 * (the exchange, or the revoker's load of l_biasrun) pairs with.
 */
static bool lwp_biasing; /* the host has rumpuser_membar_threads */

/* The calling host thread's handle: rumpuser_thread_cpuclock's, which
 * names one live thread.  0 if the host has none. */
static inline int64_t
hostthread_self(void)
{
	int64_t h = 0;

	rumpuser_thread_cpuclock(&h);
	return h;
}

/* Bias a new lwp, not yet visible to other threads, to the caller. */
static void
lwp_bias_new(struct lwp *l)
{
	l->l_bias = lwp_biasing ? hostthread_self() : 0;
}

static void __attribute__((noinline, cold, noreturn))
switch_running_panic(struct lwp *l)
{
	panic("rump_lwproc_switch: lwp %d of pid %d is already running "
	      "in another host thread; an lwp may be current in only "
	      "one thread at a time",
	      l->l_lid, l->l_proc->p_pid);
}

/* lwp_claim() through l_running. */
static void __attribute__((noinline)) lwp_claim_shared(struct lwp *l)
{
	int st;

	if (__atomic_exchange_n(&l->l_running, 1, __ATOMIC_ACQUIRE))
		switch_running_panic(l);
	/* Whoever holds l_running and finds the bias still on revokes it;
	 * those after it see l_shared and the owner's IDLE settled. */
	if (l->l_bias == 0 || atomic_load_relaxed(&l->l_shared))
		return;
	/* The barrier orders this store before it (see above). */
	atomic_store_relaxed(&l->l_shared, 1);
	if (rumpuser_membar_threads() != 0)
		panic("rump_lwproc_switch: the host's thread barrier failed");
	/* The owner is a few instructions from HELD or IDLE, unless its
	 * host preempted it there. */
	while ((st = atomic_load_acq(&l->l_biasrun)) == LWP_BIAS_CLAIMING)
		__builtin_ia32_pause();
	if (st == LWP_BIAS_HELD)
		switch_running_panic(l);
}

/*
 * Claim `l', not current in the calling thread, whose handle is `me', or
 * panic if another thread has it current.
 */
static inline __attribute__((always_inline)) void
lwp_claim(struct lwp *l, int64_t me)
{
	if (__predict_true(l->l_bias == me && me != 0)) {
		atomic_store_relaxed(&l->l_biasrun, LWP_BIAS_CLAIMING);
		/* No fence: the revoker's barrier is the other half. */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		if (__predict_true(!atomic_load_relaxed(&l->l_shared))) {
			atomic_store_relaxed(&l->l_biasrun, LWP_BIAS_HELD);
			return;
		}
		atomic_store_rel(&l->l_biasrun, LWP_BIAS_IDLE);
	}
	lwp_claim_shared(l);
}

/*
 * Undo the calling thread's claim on `l', its current lwp.  HELD there
 * means its owner has it, and the owner is then the caller: another
 * thread holding it through l_running sees IDLE, or for an instant the
 * owner's CLAIMING, never HELD (the revoker made sure).
 */
static inline __attribute__((always_inline)) void
lwp_release(struct lwp *l)
{
	if (atomic_load_relaxed(&l->l_biasrun) == LWP_BIAS_HELD)
		atomic_store_rel(&l->l_biasrun, LWP_BIAS_IDLE);
	else
		atomic_store_rel(&l->l_running, 0);
}

/*
 * Attach the new lwp `l' to the live process `p': the process's first lwp
 * takes the pid as its tid, others a fresh id.  Caller holds proc_lock.
 * Returns 0 or EAGAIN (no free id).
 */
static int
lwp_attach_locked(struct proc *p, struct lwp *l, bool first)
{
	l->l_lid = first ? p->p_pid : tid_alloc_locked();
	if (l->l_lid == 0)
		return EAGAIN;
	lwp_link_locked(p, l);
	mutex_enter(&p->p_lock);
	l->l_cred = p->p_cred;
	cred_hold(l->l_cred);
	mutex_exit(&p->p_lock);
	return 0;
}

/*
 * A new lwp (not the first) in process `p', or in the process with pid
 * `pid' when `p' is NULL.  Returns 0, ESRCH (no such live process), EAGAIN or ENOMEM.
 */
static int
lwp_create(struct proc *p, pid_t pid, unsigned flags, struct lwp **lp)
{
	struct lwp *l = kmem_zalloc(sizeof(*l));
	int error;

	if (l == NULL)
		return ENOMEM;
	l->l_flags = flags;
	/* An implicit lwp is bound by its thread alone, without a claim. */
	if (!(flags & LW_IMPLICIT))
		lwp_bias_new(l);
	sig_lwp_init(l);
	proc_lock_enter();
	if (p == NULL)
		p = proc_find_locked(pid);
	if (p == NULL || p->p_dead)
		error = ESRCH;
	else
		error = lwp_attach_locked(p, l, false);
	if (error == 0 && p == &proc0)
		l->l_flags |= LW_SYSTEM;
	proc_lock_exit();
	if (error != 0) {
		kmem_free(l, sizeof(*l));
		return error;
	}
	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, l);
	*lp = l;
	return 0;
}

/*
 * Freed process structures are kept (up to PROC_CACHE_MAX) with their
 * p_lock still set up: a struct proc is too big for the host allocator's
 * fast paths, and rfork + release must stay cheap.  proc_cache_lock is a
 * leaf.
 */
#define PROC_CACHE_MAX 32
static kmutex_t proc_cache_lock;
static struct proc *proc_cache;
static int proc_ncached;

/* A zeroed process with p_lock initialized, or NULL. */
static struct proc *
proc_alloc(void)
{
	struct proc *p;
	kmutex_t lock;

	mutex_enter(&proc_cache_lock);
	if ((p = proc_cache) != NULL) {
		proc_cache = p->p_next;
		proc_ncached--;
	}
	mutex_exit(&proc_cache_lock);
	if (p != NULL) {
		lock = p->p_lock;
		memset(p, 0, sizeof(*p));
		p->p_lock = lock;
		return p;
	}
	if ((p = kmem_zalloc(sizeof(*p))) != NULL)
		mutex_init(&p->p_lock);
	return p;
}

static void
proc_free(struct proc *p)
{
	mutex_enter(&proc_cache_lock);
	if (proc_ncached < PROC_CACHE_MAX) {
		p->p_next = proc_cache;
		proc_cache = p;
		proc_ncached++;
		p = NULL;
	}
	mutex_exit(&proc_cache_lock);
	if (p != NULL) {
		mutex_destroy(&p->p_lock);
		kmem_free(p, sizeof(*p));
	}
}

/* Tear down a process whose last lwp is gone (proc_lock not held). */
static void
proc_destroy(struct proc *p)
{
	sig_proc_free(p);
	fd_release(p->p_fd);
	vfs_proc_exit(p);
	cred_free(p->p_cred);
	proc_free(p);
}

/* Remove a dead process from every kernel list; caller holds proc_lock. */
static void
proc_unlink_locked(struct proc *p)
{
	struct proc **pp, *c;

	/* Orphans go to init, as on a real kernel. */
	while ((c = p->p_children) != NULL) {
		p->p_children = c->p_sibling;
		c->p_pptr = initproc;
		atomic_store_relaxed(&c->p_ppid, initproc->p_pid);
		c->p_sibling = initproc->p_children;
		initproc->p_children = c;
	}
	for (pp = &p->p_pptr->p_children; *pp != p; pp = &(*pp)->p_sibling)
		continue;
	*pp = p->p_sibling;
	if (p->p_prev != NULL)
		p->p_prev->p_next = p->p_next;
	else
		allproc = p->p_next;
	if (p->p_next != NULL)
		p->p_next->p_prev = p->p_prev;
	pidtab[p->p_pid].proc = NULL;
}

/*
 * Free an lwp that no host thread has current; the process goes with its
 * last lwp.
 */
static void
lwp_destroy(struct lwp *l)
{
	struct proc *p = l->l_proc;
	bool last;

	rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, l);
	proc_lock_enter();
	lwp_unlink_locked(l);
	sig_lwp_free(l);
	last = p->p_nlwps == 0;
	if (last) {
		KASSERT(p != &proc0 && p != initproc);
		p->p_dead = true;
		proc_unlink_locked(p);
	}
	proc_lock_exit();
	cred_free(l->l_cred);
	lwp_park_destroy(l);
	kmem_free(l->l_pathbuf, PATH_MAX_);
	kmem_free(l, sizeof(*l));
	if (last)
		proc_destroy(p);
}

/* Note the CPU clock of the host thread `l' runs on (signal.h). */
static inline void
lwp_bind_clock(struct lwp *l)
{
	int64_t clk = 0;

	rumpuser_thread_cpuclock(&clk);
	atomic_store_relaxed(&l->l_hostclk, clk);
}

/* Bind `l' (not running anywhere) to the calling host thread. */
static inline __attribute__((always_inline)) void
lwp_bind(struct lwp *l)
{
	atomic_store_rel(&l->l_running, 1);
	rumpuser_curlwpop(RUMPUSER_LWP_SET, l);
	lwp_bind_clock(l);
}

/* An implicit lwp its thread no longer uses goes back to the pool. */
static void
implicit_put(struct lwp *l)
{
	mutex_enter(&implicit_lock);
	l->l_freenext = implicit_pool;
	implicit_pool = l;
	mutex_exit(&implicit_lock);
}

/* Unbind the calling thread's lwp `l'. */
static inline __attribute__((always_inline)) void
lwp_unbind(struct lwp *l)
{
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	lwp_release(l);
	if (__predict_false(l->l_flags & LW_IMPLICIT))
		implicit_put(l);
}

/* Slow path of curlwp_enter(): bind an implicit lwp of pid 1. */
struct lwp *
lwp_enter(void)
{
	struct lwp *l;

	if (__predict_false(initproc == NULL))
		return NULL;
	mutex_enter(&implicit_lock);
	l = implicit_pool;
	if (l != NULL)
		implicit_pool = l->l_freenext;
	mutex_exit(&implicit_lock);
	if (l == NULL && lwp_create(initproc, 0, LW_IMPLICIT, &l) != 0)
		return NULL;
	lwp_bind(l);
	if (l->l_cred != atomic_load_relaxed(&initproc->p_cred))
		lwp_cred_refresh(l);
	return l;
}

/* Upcall: a host thread exits with `l' still set (already cleared). */
void rump_hostthread_exit(struct lwp *l);
void
rump_hostthread_exit(struct lwp *l)
{
	int64_t sec;
	long nsec;

	/* The thread's CPU time is the lwp's from now on. */
	if (rumpuser_clock_thread(0, &sec, &nsec) == 0)
		atomic_store_relaxed(&l->l_cpufinal,
				     (uint64_t)(sec * 1000000000LL + nsec));
	atomic_store_relaxed(&l->l_hostclk, 0);
	lwp_release(l);
	if (l->l_flags & LW_IMPLICIT)
		lwp_destroy(l);
	/* A dedicated lwp persists until released (rump_lwproc(3)). */
}

/* Make `l' the calling thread's context, as rump_lwproc_switch does. */
static inline __attribute__((always_inline)) void
lwp_switch(struct lwp *l)
{
	/* One hypercall for CLEAR and SET, before the claim: if that
	 * fails we panic, and nothing else reads this thread's curlwp. */
	struct lwp *old = rumpuser_curlwp_exchange(l);
	int64_t me;

	if (__predict_false(old == l))
		return; /* switching to the current lwp */
	/* Our host handle.  If we hold `old' by its bias we are its
	 * owner (lwp_release): its l_bias is the handle, for free. */
	if (old != NULL &&
	    atomic_load_relaxed(&old->l_biasrun) == LWP_BIAS_HELD)
		me = old->l_bias;
	else
		me = hostthread_self();
	if (l != NULL) {
		lwp_claim(l, me);
		atomic_store_relaxed(&l->l_hostclk, me);
	}
	if (old != NULL) {
		lwp_release(old);
		if (__predict_false(old->l_flags & LW_IMPLICIT))
			implicit_put(old);
	}
}

static void __attribute__((noinline, cold)) not_inited(const char *fn)
{
	panic("%s: rump_init() has not been called", fn);
}

static inline void
check_inited(const char *fn)
{
	if (__predict_false(initproc == NULL))
		not_inited(fn);
}

RUMP_API int
rump_lwproc_rfork(int flags)
{
	struct proc *parent, *p;
	struct lwp *cur, *l;

	if (flags & ~(RUMP_RFFDG | RUMP_RFCFDG))
		return EINVAL;
	if ((flags & (RUMP_RFFDG | RUMP_RFCFDG)) == (RUMP_RFFDG | RUMP_RFCFDG))
		return EINVAL;
	if ((cur = curlwp_enter()) == NULL)
		return initproc == NULL ? ENXIO : ENOMEM;
	parent = cur->l_proc;

	if ((p = proc_alloc()) == NULL)
		return ENOMEM;
	if (flags & RUMP_RFCFDG)
		p->p_fd = fd_create();
	else if (flags & RUMP_RFFDG)
		p->p_fd = fd_copy(parent->p_fd);
	else {
		p->p_fd = parent->p_fd;
		fd_hold(p->p_fd);
	}
	if (p->p_fd == NULL) {
		proc_free(p);
		return ENOMEM;
	}
	mutex_enter(&parent->p_lock);
	p->p_cred = parent->p_cred;
	cred_hold(p->p_cred);
	p->p_limit = parent->p_limit;
	p->p_umask = parent->p_umask;
	mutex_exit(&parent->p_lock);
	vfs_proc_fork(parent, p);
	kstrlcpy(p->p_comm, parent->p_comm[0] ? parent->p_comm : "rumproc",
		 COMM_LEN);

	/* Publish the process and its first lwp in one step, so nobody
	 * can see it without an lwp. */
	if ((l = kmem_zalloc(sizeof(*l))) == NULL) {
		proc_destroy(p);
		return ENOMEM;
	}
	lwp_bias_new(l);
	sig_proc_fork(p, parent, cur, l);
	proc_lock_enter();
	p->p_pid = pid_alloc_locked();
	if (p->p_pid == 0) {
		proc_lock_exit();
		kmem_free(l, sizeof(*l));
		proc_destroy(p);
		return EAGAIN;
	}
	p->p_pptr = parent;
	p->p_ppid = parent->p_pid;
	p->p_pgid = parent->p_pgid;
	p->p_sid = parent->p_sid;
	p->p_sibling = parent->p_children;
	parent->p_children = p;
	p->p_next = allproc;
	if (allproc != NULL)
		allproc->p_prev = p;
	allproc = p;
	pidtab[p->p_pid].proc = p;
	lwp_attach_locked(p, l, true);
	proc_lock_exit();
	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, l);
	lwp_switch(l);
	return 0;
}

RUMP_API int
rump_lwproc_newlwp(int pid)
{
	struct lwp *l;
	int error;

	if (curlwp_enter() == NULL)
		return initproc == NULL ? ENXIO : ENOMEM;
	if ((error = lwp_create(NULL, pid, 0, &l)) != 0)
		return error;
	lwp_switch(l);
	return 0;
}

RUMP_API void
rump_lwproc_switch(struct lwp *l)
{
	check_inited("rump_lwproc_switch");
	lwp_switch(l);
}

RUMP_API void
rump_lwproc_releaselwp(void)
{
	struct lwp *l = rumpuser_curlwp();

	check_inited("rump_lwproc_releaselwp");
	if (l == NULL || (l->l_flags & LW_IMPLICIT))
		panic("rump_lwproc_releaselwp: no dedicated curlwp to release "
		      "(the caller is in an implicit context)");
	rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, l);
	lwp_release(l);
	lwp_destroy(l);
}

RUMP_API struct lwp *
rump_lwproc_curlwp(void)
{
	struct lwp *l = rumpuser_curlwp();

	return l != NULL && !(l->l_flags & LW_IMPLICIT) ? l : NULL;
}

/* rump_pub_* are the same functions under NetBSD's public names. */
RUMP_API int rump_pub_lwproc_rfork(int)
	__attribute__((alias("rump_lwproc_rfork")));
RUMP_API int rump_pub_lwproc_newlwp(int)
	__attribute__((alias("rump_lwproc_newlwp")));
RUMP_API void rump_pub_lwproc_switch(struct lwp *)
	__attribute__((alias("rump_lwproc_switch")));
RUMP_API void rump_pub_lwproc_releaselwp(void)
	__attribute__((alias("rump_lwproc_releaselwp")));
RUMP_API struct lwp *rump_pub_lwproc_curlwp(void)
	__attribute__((alias("rump_lwproc_curlwp")));

/*
 * proc0 (pid 0, the kernel, with lwp0) and init (pid 1, root, the parent
 * of implicit contexts, kept alive by a permanent lwp that is never
 * bound).
 */
int
proc_bootstrap(void)
{
	struct kauth_cred *cr;
	struct proc *p;
	struct lwp *l;
	int error;

	mutex_init(&proc_lock);
	mutex_init(&implicit_lock);
	mutex_init(&proc_cache_lock);
	/* Without the host's barrier, every claim takes l_running. */
	lwp_biasing = rumpuser_membar_threads() == 0;
	if ((cr = cred_alloc_root()) == NULL)
		return ENOMEM;
	proc0.p_pid = 0;
	proc0.p_pptr = &proc0;
	proc0.p_cred = cr;
	proc0.p_fd = fd_create();
	if (proc0.p_fd == NULL)
		return ENOMEM;
	mutex_init(&proc0.p_lock);
	plimit_init(&proc0.p_limit);
	proc0.p_umask = 022;
	kstrlcpy(proc0.p_comm, "kernel", COMM_LEN);
	pidtab[0].proc = &proc0;
	allproc = &proc0;
	lwp0.l_proc = &proc0;
	lwp0.l_lid = 0;
	lwp0.l_flags = LW_SYSTEM;
	lwp0.l_cred = cr;
	cred_hold(cr);
	proc0.p_lwps = &lwp0;
	proc0.p_nlwps = 1;
	sig_proc_fork(&proc0, NULL, NULL, &lwp0);
	rumpuser_curlwpop(RUMPUSER_LWP_CREATE, &lwp0);

	/* init is forked from proc0 while lwp0 is current, with a clean
	 * descriptor table, and keeps its first lwp forever. */
	lwp_bind(&lwp0);
	error = rump_lwproc_rfork(RUMP_RFCFDG);
	if (error == 0) {
		l = rumpuser_curlwp();
		p = l->l_proc;
		kstrlcpy(p->p_comm, "init", COMM_LEN);
		lwp_unbind(l);
		initproc = p;
	} else {
		lwp_unbind(&lwp0);
	}
	return error;
}
