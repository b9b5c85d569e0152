/* sys_umask.c: the file mode creation mask, one per process. */
#include "proc.h"
#include "syscall.h"

/* umask: store mask's permission bits, return the old mask.  p_lock
 * orders concurrent umask calls of one process's lwps; readers elsewhere
 * load p_umask atomically. */
long
sys_umask(struct lwp *l, mode_t mask)
{
	struct proc *p = l->l_proc;
	mode_t old;

	mutex_enter(&p->p_lock);
	old = p->p_umask;
	atomic_store_relaxed(&p->p_umask, mask & 0777);
	mutex_exit(&p->p_lock);
	return old;
}
