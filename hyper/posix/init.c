/*
 * init.c: rumpuser_init, the handshake between the kernel and this layer.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "rumpuser_int.h"

struct rumpuser_hyperup rumpuser__hyp;

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static int setup_error;

/*
 * Host state that must exist once per process however often init is
 * called: the thread-exit key of curlwp, the membarrier registration, the
 * fork handler of the CPU clock cache and the fault handler of ucopy.
 */
static void
setup(void)
{
	if ((setup_error = rumpuser__curlwp_init()) != 0)
		return;
	if ((setup_error = rumpuser__membar_init()) != 0)
		return;
	if ((setup_error = rumpuser__clock_init()) != 0)
		return;
	setup_error = rumpuser__ucopy_init();
}

RUMPUSER_API int
rumpuser_init(int version, const struct rumpuser_hyperup *hyp)
{
	/* A mismatch is the caller's to report: no abort here. */
	if (version != RUMPUSER_VERSION || hyp == NULL)
		return EINVAL;
	/* The kernel's table may be const or on its stack: keep a copy. */
	memcpy(&rumpuser__hyp, hyp, sizeof(rumpuser__hyp));
	pthread_once(&setup_once, setup);
	return setup_error;
}
