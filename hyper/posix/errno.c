/*
 * errno.c: rumpuser_seterrno, the local system call wrappers' errno.
 */
#include <errno.h>

#include "rumpuser_int.h"

/* Linux numbers on both sides: no translation. */
RUMPUSER_API void
rumpuser_seterrno(int error)
{
	errno = error;
}
