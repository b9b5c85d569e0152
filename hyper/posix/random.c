/*
 * random.c: entropy from the host kernel's getrandom(2).
 *
 * Linux's pool is a CSPRNG seeded from hardware sources; GRND_RANDOM
 * adds nothing since Linux 5.6, so HARD needs no flag of its own.
 */
#include <errno.h>
#include <sys/random.h>

#include "rumpuser_int.h"

RUMPUSER_API int
rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp)
{
	unsigned int hostflags = 0;
	ssize_t n;

	if (flags & ~(RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT))
		return EINVAL;
	if (flags & RUMPUSER_RANDOM_NOWAIT)
		hostflags |= GRND_NONBLOCK;
	/* EAGAIN (NOWAIT before the pool is ready) goes to the caller. */
	while ((n = getrandom(buf, buflen, hostflags)) < 0)
		if (errno != EINTR)
			return errno;
	*retp = (size_t)n;
	return 0;
}
