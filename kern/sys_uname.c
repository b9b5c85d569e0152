/*
 * sys_uname.c: uname, the kernel's identity.  rumpkit names itself, not
 * its host; the node name is the hypercall layer's
 * RUMPUSER_PARAM_HOSTNAME, unique per kernel instance on a host.
 */
#include <linux/utsname.h>

#include "syscall.h"

#define UTS_LEN (__NEW_UTS_LEN + 1)
#define NODENAME_FALLBACK "rumpkit"
/* The parameter is "rump-<pid>.<host name>": room for a host name of
 * 255 bytes; what does not fit in a node name is cut, as sethostname
 * would refuse it. */
#define HOSTPARAM_LEN 320

/* The node name, read on first use and then fixed for the kernel's
 * life.  NULL until published. */
static char *nodename;

/* The node name from the hypercall layer into buf[UTS_LEN]. */
static void
nodename_read(char *buf)
{
	char param[HOSTPARAM_LEN];

	if (rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, param, sizeof(param)) ==
		    0 &&
	    param[0] != '\0')
		kstrlcpy(buf, param, UTS_LEN);
	else
		kstrlcpy(buf, NODENAME_FALLBACK, UTS_LEN);
}

/*
 * Copy the node name into buf[UTS_LEN], publishing it on first use.
 * Racing first callers each read the parameter; the first to publish
 * wins and the others free their copy, so there is no lock and no boot
 * hook.  Out of memory, the name is read again next time.
 */
static void
nodename_get(char *buf)
{
	char *cur = atomic_load_acq(&nodename), *expect = NULL, *mine;

	if (__predict_true(cur != NULL)) {
		kstrlcpy(buf, cur, UTS_LEN);
		return;
	}
	nodename_read(buf);
	if ((mine = kmem_alloc(UTS_LEN)) == NULL)
		return;
	kstrlcpy(mine, buf, UTS_LEN);
	if (!__atomic_compare_exchange_n(&nodename, &expect, mine, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		kmem_free(mine, UTS_LEN);
}

/* uname: Linux's struct new_utsname, six fields of 65 bytes. */
long
sys_uname(struct lwp *l, struct utsname *buf)
{
	struct new_utsname u;

	/* Zeroed, so no kernel stack bytes leak past the strings. */
	memset(&u, 0, sizeof(u));
	kstrlcpy(u.sysname, "rumpkit", sizeof(u.sysname));
	nodename_get(u.nodename);
	kstrlcpy(u.release, "0.1.0", sizeof(u.release));
	kstrlcpy(u.version, "#1 rumpkit", sizeof(u.version));
	kstrlcpy(u.machine, "x86_64", sizeof(u.machine));
	kstrlcpy(u.domainname, "(none)", sizeof(u.domainname));
	if (copyout(&u, buf, sizeof(u)) != 0)
		return -EFAULT;
	return 0;
}
