/*
 * sys_cred.c: user and group ids: get/set of the real, effective, saved
 * and filesystem ids, and the supplementary groups.
 *
 * The permission rules are Linux's, with our privilege model: a process
 * holds CAP_SETUID and CAP_SETGID iff its effective uid is 0
 * (cred_privileged), judged on the credential before the change.
 *
 * Credentials are copy on write (cred.h): a change builds a new
 * credential with cred_dup and installs it with proc_setcred, so a
 * process that shared the old one (after rfork) keeps it.  setid_lock
 * serialises changes, so that each is checked against, and applied to,
 * the process's current credential even when two of its lwps change ids
 * at once.  Lock order: setid_lock > p_lock (proc_setcred takes p_lock);
 * it is never taken with proc_lock or p_lock held.
 */
#include "cred.h"
#include "proc.h"
#include "syscall.h"

#define NOCHANGE ((unsigned)-1) /* "leave this id alone"; never an id */

/* One kind of id (uid or gid) of a credential, all four flavours. */
struct ids {
	unsigned r, e, s, fs;
};

enum idkind { ID_USER, ID_GROUP };

static void
ids_get(const struct kauth_cred *cr, enum idkind kind, struct ids *v)
{
	if (kind == ID_USER)
		*v = (struct ids){ cr->cr_uid, cr->cr_euid, cr->cr_suid,
				   cr->cr_fsuid };
	else
		*v = (struct ids){ cr->cr_gid, cr->cr_egid, cr->cr_sgid,
				   cr->cr_fsgid };
}

static void
ids_put(struct kauth_cred *cr, enum idkind kind, const struct ids *v)
{
	if (kind == ID_USER) {
		cr->cr_uid = v->r;
		cr->cr_euid = v->e;
		cr->cr_suid = v->s;
		cr->cr_fsuid = v->fs;
	} else {
		cr->cr_gid = v->r;
		cr->cr_egid = v->e;
		cr->cr_sgid = v->s;
		cr->cr_fsgid = v->fs;
	}
}

static bool
ids_equal(const struct ids *a, const struct ids *b)
{
	return a->r == b->r && a->e == b->e && a->s == b->s && a->fs == b->fs;
}

/* Whether id is one of the real, effective or saved ids. */
static bool
ids_res_member(const struct ids *v, unsigned id)
{
	return id == v->r || id == v->e || id == v->s;
}

/*
 * An id rule: from the old ids, the caller's privilege and the syscall's
 * arguments, compute the new ids in *nv (preset to *old).  Returns 0 or
 * an errno; on error nothing changes.
 */
typedef int (*idrule_t)(const struct ids *old, bool priv, const unsigned *arg,
			struct ids *nv);

/* setuid(id): privileged sets all four; else id must be the real or
 * saved id and only the effective (and fs) id changes. */
static int
rule_setid(const struct ids *old, bool priv, const unsigned *arg,
	   struct ids *nv)
{
	unsigned id = arg[0];

	if (id == NOCHANGE)
		return EINVAL; /* -1 is not a valid id here */
	if (priv)
		nv->r = nv->s = id;
	else if (id != old->r && id != old->s)
		return EPERM;
	nv->e = nv->fs = id;
	return 0;
}

/* setreuid(r, e): unprivileged, r must be the real or effective id and e
 * one of real, effective, saved.  The saved id follows the new effective
 * id when the real id is set or the effective one leaves the old real. */
static int
rule_setreid(const struct ids *old, bool priv, const unsigned *arg,
	     struct ids *nv)
{
	unsigned r = arg[0], e = arg[1];

	if (r != NOCHANGE) {
		if (!priv && r != old->r && r != old->e)
			return EPERM;
		nv->r = r;
	}
	if (e != NOCHANGE) {
		if (!priv && !ids_res_member(old, e))
			return EPERM;
		nv->e = e;
	}
	if (r != NOCHANGE || (e != NOCHANGE && e != old->r))
		nv->s = nv->e;
	nv->fs = nv->e;
	return 0;
}

/* setresuid(r, e, s): unprivileged, each new id must be one of the old
 * real, effective, saved ids. */
static int
rule_setresid(const struct ids *old, bool priv, const unsigned *arg,
	      struct ids *nv)
{
	unsigned r = arg[0], e = arg[1], s = arg[2];

	/* Linux returns early when nothing would change, leaving an fs id
	 * set by setfsuid alone (it is reset only when e is given). */
	if ((r == NOCHANGE || r == old->r) &&
	    (e == NOCHANGE || (e == old->e && e == old->fs)) &&
	    (s == NOCHANGE || s == old->s))
		return 0;
	if (!priv && ((r != NOCHANGE && !ids_res_member(old, r)) ||
		      (e != NOCHANGE && !ids_res_member(old, e)) ||
		      (s != NOCHANGE && !ids_res_member(old, s))))
		return EPERM;
	if (r != NOCHANGE)
		nv->r = r;
	if (e != NOCHANGE)
		nv->e = e;
	if (s != NOCHANGE)
		nv->s = s;
	nv->fs = nv->e;
	return 0;
}

/* setfsuid(id): allowed when privileged or id is one of the four ids;
 * a refusal is silent (the caller learns it from the return value). */
static int
rule_setfsid(const struct ids *old, bool priv, const unsigned *arg,
	     struct ids *nv)
{
	unsigned id = arg[0];

	if (id == NOCHANGE)
		return 0;
	if (priv || ids_res_member(old, id) || id == old->fs)
		nv->fs = id;
	return 0;
}

static kmutex_t setid_lock;

/* setid_lock, created on first use: whoever publishes first wins and a
 * loser destroys its own, so no boot hook and no spinning. */
static kmutex_t *
setid_lock_get(void)
{
	struct rumpuser_mtx *expect = NULL;
	kmutex_t mine;

	if (__predict_true(atomic_load_acq(&setid_lock.mtx) != NULL))
		return &setid_lock;
	mutex_init(&mine);
	if (!__atomic_compare_exchange_n(&setid_lock.mtx, &expect, mine.mtx,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		mutex_destroy(&mine);
	return &setid_lock;
}

/* The process's current credential, with a reference for the caller.
 * (Not l_cred: another lwp of the process may have changed it since
 * this syscall began.) */
static struct kauth_cred *
proc_cred_hold(struct proc *p)
{
	struct kauth_cred *cr;

	mutex_enter(&p->p_lock);
	cr = p->p_cred;
	cred_hold(cr);
	mutex_exit(&p->p_lock);
	return cr;
}

/*
 * Apply `rule' to the ids of `kind' of l's process.  *oldfs (if not NULL)
 * gets the fs id before the call.  Returns 0 or an errno.
 */
static int
setids(struct lwp *l, enum idkind kind, idrule_t rule, const unsigned *arg,
       unsigned *oldfs)
{
	struct proc *p = l->l_proc;
	kmutex_t *lock = setid_lock_get();
	struct kauth_cred *cur, *cr;
	struct ids old, nv;
	int error;

	mutex_enter(lock);
	cur = proc_cred_hold(p);
	ids_get(cur, kind, &old);
	nv = old;
	if (oldfs != NULL)
		*oldfs = old.fs;
	error = rule(&old, cred_privileged(cur), arg, &nv);
	if (error == 0 && !ids_equal(&old, &nv)) {
		if ((cr = cred_dup(cur, -1)) == NULL) {
			error = ENOMEM;
		} else {
			ids_put(cr, kind, &nv);
			proc_setcred(p, l, cr);
		}
	}
	mutex_exit(lock);
	cred_free(cur);
	return error;
}

long
sys_getuid(struct lwp *l)
{
	return l->l_cred->cr_uid;
}

long
sys_geteuid(struct lwp *l)
{
	return l->l_cred->cr_euid;
}

long
sys_getgid(struct lwp *l)
{
	return l->l_cred->cr_gid;
}

long
sys_getegid(struct lwp *l)
{
	return l->l_cred->cr_egid;
}

/* Copy out three ids one by one, as Linux does: on a fault the ones
 * before it are already written. */
static long
copyout_ids(unsigned a, unsigned b, unsigned c, void *pa, void *pb, void *pc)
{
	if (copyout(&a, pa, sizeof(a)) != 0 ||
	    copyout(&b, pb, sizeof(b)) != 0 || copyout(&c, pc, sizeof(c)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_getresuid(struct lwp *l, uid_t *ruid, uid_t *euid, uid_t *suid)
{
	const struct kauth_cred *cr = l->l_cred;

	return copyout_ids(cr->cr_uid, cr->cr_euid, cr->cr_suid, ruid, euid,
			   suid);
}

long
sys_getresgid(struct lwp *l, gid_t *rgid, gid_t *egid, gid_t *sgid)
{
	const struct kauth_cred *cr = l->l_cred;

	return copyout_ids(cr->cr_gid, cr->cr_egid, cr->cr_sgid, rgid, egid,
			   sgid);
}

long
sys_setuid(struct lwp *l, uid_t uid)
{
	unsigned arg[1] = { uid };

	return -setids(l, ID_USER, rule_setid, arg, NULL);
}

long
sys_setgid(struct lwp *l, gid_t gid)
{
	unsigned arg[1] = { gid };

	return -setids(l, ID_GROUP, rule_setid, arg, NULL);
}

long
sys_setreuid(struct lwp *l, uid_t ruid, uid_t euid)
{
	unsigned arg[2] = { ruid, euid };

	return -setids(l, ID_USER, rule_setreid, arg, NULL);
}

long
sys_setregid(struct lwp *l, gid_t rgid, gid_t egid)
{
	unsigned arg[2] = { rgid, egid };

	return -setids(l, ID_GROUP, rule_setreid, arg, NULL);
}

long
sys_setresuid(struct lwp *l, uid_t ruid, uid_t euid, uid_t suid)
{
	unsigned arg[3] = { ruid, euid, suid };

	return -setids(l, ID_USER, rule_setresid, arg, NULL);
}

long
sys_setresgid(struct lwp *l, gid_t rgid, gid_t egid, gid_t sgid)
{
	unsigned arg[3] = { rgid, egid, sgid };

	return -setids(l, ID_GROUP, rule_setresid, arg, NULL);
}

/* setfsuid and setfsgid return the old fs id whatever happens; out of
 * memory, the id simply stays. */
long
sys_setfsuid(struct lwp *l, uid_t uid)
{
	unsigned arg[1] = { uid }, oldfs;

	(void)setids(l, ID_USER, rule_setfsid, arg, &oldfs);
	return oldfs;
}

long
sys_setfsgid(struct lwp *l, gid_t gid)
{
	unsigned arg[1] = { gid }, oldfs;

	(void)setids(l, ID_GROUP, rule_setfsid, arg, &oldfs);
	return oldfs;
}

long
sys_getgroups(struct lwp *l, int size, gid_t *list)
{
	const struct kauth_cred *cr = l->l_cred;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return cr->cr_ngroups;
	if (size < cr->cr_ngroups)
		return -EINVAL;
	if (copyout(cr->cr_groups, list,
		    sizeof(gid_t) * (size_t)cr->cr_ngroups) != 0)
		return -EFAULT;
	return cr->cr_ngroups;
}

/* Move g[i] down the max-heap g[0..n) until its children are smaller. */
static void
heap_siftdown(gid_t *g, int i, int n)
{
	for (;;) {
		int c = 2 * i + 1;
		gid_t t;

		if (c >= n)
			return;
		if (c + 1 < n && g[c + 1] > g[c])
			c++;
		if (g[i] >= g[c])
			return;
		t = g[i];
		g[i] = g[c];
		g[c] = t;
		i = c;
	}
}

/* Heapsort, ascending: in place and n log n even for NGROUPS_MAX
 * entries.  Duplicates are kept, as Linux keeps them. */
static void
groups_sort(gid_t *g, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		heap_siftdown(g, i, n);
	for (int end = n - 1; end > 0; end--) {
		gid_t t = g[0];

		g[0] = g[end];
		g[end] = t;
		heap_siftdown(g, 0, end);
	}
}

/* Make gids[0..n) (sorted and checked) the supplementary groups of l's
 * process, its ids as they are now.  Returns 0, EPERM or ENOMEM. */
static int
groups_install(struct lwp *l, const gid_t *gids, int n)
{
	struct proc *p = l->l_proc;
	kmutex_t *lock = setid_lock_get();
	struct kauth_cred *cur, *cr;
	int error = 0;

	mutex_enter(lock);
	cur = proc_cred_hold(p);
	if (!cred_privileged(cur)) {
		error = EPERM;
	} else if ((cr = cred_dup(cur, n)) == NULL) {
		error = ENOMEM;
	} else {
		if (n > 0)
			memcpy(cr->cr_groups, gids, sizeof(gid_t) * (size_t)n);
		proc_setcred(p, l, cr);
	}
	mutex_exit(lock);
	cred_free(cur);
	return error;
}

/*
 * setgroups: privileged only (checked first, as Linux does), at most
 * NGROUPS_MAX entries, none of them -1.  The list is read before
 * setid_lock is taken, so a slow copyin (a remote client) holds up no
 * other id change; privilege is checked again when installing.
 */
long
sys_setgroups(struct lwp *l, int size, const gid_t *list)
{
	size_t len = sizeof(gid_t) * (size_t)size;
	gid_t *gids = NULL;
	int error = 0;

	if (!cred_privileged(l->l_cred))
		return -EPERM;
	if ((unsigned)size > NGROUPS_MAX)
		return -EINVAL;
	if (size > 0 && (gids = kmem_alloc(len)) == NULL)
		return -ENOMEM;
	if (copyin(list, gids, len) != 0)
		error = EFAULT;
	for (int i = 0; error == 0 && i < size; i++)
		if (gids[i] == NOCHANGE)
			error = EINVAL;
	if (error == 0) {
		groups_sort(gids, size);
		error = groups_install(l, gids, size);
	}
	if (gids != NULL)
		kmem_free(gids, len);
	return -error;
}
