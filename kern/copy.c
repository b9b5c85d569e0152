/*
 * copy.c: copyin, copyout and copyinstr for local callers.  The copies
 * go through the hypercall layer's fault-safe routines, so a bad user
 * pointer gives EFAULT and never crashes the kernel.  (Remote callers
 * will be served through sysproxy's copy hypercalls.)
 */
#include "kernel.h"

int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (len == 0)
		return 0;
	return rumpuser_ucopy(kaddr, uaddr, len);
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (len == 0)
		return 0;
	return rumpuser_ucopy(uaddr, kaddr, len);
}

int
copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done)
{
	size_t got = 0;
	int error;

	if (len == 0)
		return ENAMETOOLONG;
	error = rumpuser_ucopystr(kaddr, uaddr, len, &got);
	if (done != NULL)
		*done = got;
	return error;
}
