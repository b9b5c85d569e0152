/*
 * init.c: rump_init(), the boot of a kernel: the hypercall handshake,
 * parameters, then proc0 and init.
 */
#include <rump/rump.h>

#include "pgalloc.h"
#include "pool.h"
#include "proc.h"
#include "sigio.h"
#include "../vfs/vfs.h"
#include "../vfs/devfs/devfs.h"
#include "../vfs/hostfs/hostfs.h"
#include "syscall.h"

int ipc_init(void);

void rump_hostthread_exit(struct lwp *l);

static void
hyp_schedule(void)
{
	(void)curlwp_enter();
}

static void
hyp_unschedule(void)
{
}

/* No virtual CPUs and no big lock: nothing to release around a block. */
static void
hyp_backend_unschedule(int nlocks, int *countp, void *interlock)
{
	*countp = 0;
}

static void
hyp_backend_schedule(int nlocks, void *interlock)
{
}

static int
hyp_lwproc_rfork(void *priv, int flags, const char *comm)
{
	return ENXIO; /* remote clients arrive with sysproxy */
}

static int
hyp_syscall(int num, void *args, long *retval)
{
	return ENXIO;
}

static void
hyp_lwpexit(void)
{
}

static void
hyp_execnotify(const char *comm)
{
}

static int
hyp_getpid(void)
{
	struct lwp *l = curlwp_enter();

	return l != NULL ? l->l_proc->p_pid : -1;
}

static const struct rumpuser_hyperup hyperup = {
	.hyp_schedule = hyp_schedule,
	.hyp_unschedule = hyp_unschedule,
	.hyp_backend_unschedule = hyp_backend_unschedule,
	.hyp_backend_schedule = hyp_backend_schedule,
	.hyp_lwproc_switch = rump_lwproc_switch,
	.hyp_lwproc_release = rump_lwproc_releaselwp,
	.hyp_lwproc_rfork = hyp_lwproc_rfork,
	.hyp_lwproc_newlwp = rump_lwproc_newlwp,
	.hyp_lwproc_curlwp = rump_lwproc_curlwp,
	.hyp_syscall = hyp_syscall,
	.hyp_lwpexit = hyp_lwpexit,
	.hyp_execnotify = hyp_execnotify,
	.hyp_getpid = hyp_getpid,
	.hyp_hostthread_exit = rump_hostthread_exit,
};

/* A boolean parameter: set and not "0". */
static bool
param_true(const char *name)
{
	char buf[16];

	return rumpuser_getparam(name, buf, sizeof(buf)) == 0 &&
	       kstrcmp(buf, "0") != 0 && buf[0] != '\0';
}

static int boot_state; /* 0 not yet, 1 booting, 2 up; atomic */
static int boot_error;

static int
rump_boot(void)
{
	int error;

	if ((error = rumpuser_init(RUMPUSER_VERSION, &hyperup)) != 0)
		return error;
	syscall_trace = param_true("RUMP_TRACE");
	kmem_bootstrap();
	if ((error = pgalloc_init()) != 0)
		return error;
	pool_bootstrap();
	if ((error = proc_bootstrap()) != 0)
		return error;
	/* Subsystems, in dependency order; each returns 0 or an errno.
	 * Time and signals (callout thread) come first: later subsystems
	 * may arm timers. */
	/* [time and signals] */
	if ((error = sig_init()) != 0)
		return error;
	sigio_init();
	file_anon_init();
	/* [file systems: root tmpfs, /dev, console fds of init] */
	if ((error = vfs_init()) != 0)
		return error;
	/* devfs on /dev with init's console descriptors; hostfs and etfs */
	if ((error = devfs_init()) != 0 || (error = hostfs_init()) != 0 ||
	    (error = etfs_init()) != 0)
		return error;
	/* [ipc] */
	if ((error = ipc_init()) != 0)
		return error;
	return 0;
}

RUMP_API int
rump_init(void)
{
	int expect = 0;

	/* The first caller boots; concurrent callers wait for it. */
	if (__atomic_compare_exchange_n(&boot_state, &expect, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		boot_error = rump_boot();
		atomic_store_rel(&boot_state, boot_error == 0 ? 2 : 0);
		return boot_error;
	}
	while (atomic_load_acq(&boot_state) == 1)
		rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1000000);
	return atomic_load_acq(&boot_state) == 2 ? 0 : boot_error;
}
