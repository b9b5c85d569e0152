/*
 * param.c: rumpuser_getparam, the kernel's configuration from the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rumpuser_int.h"

/* Copy `val' with its NUL, or ENOMEM when it does not fit. */
static int
put(void *buf, size_t buflen, const char *val)
{
	size_t len = strlen(val);

	if (len >= buflen)
		return ENOMEM;
	memcpy(buf, val, len + 1);
	return 0;
}

static int
param_ncpu(void *buf, size_t buflen)
{
	const char *val = getenv("RUMP_NCPU");
	char tmp[32];
	long n;

	if (val == NULL)
		return put(buf, buflen, "2");
	if (strcmp(val, "host") == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		snprintf(tmp, sizeof(tmp), "%ld", n > 0 ? n : 1);
		return put(buf, buflen, tmp);
	}
	return put(buf, buflen, val);
}

/* Unique per instance on this host: the pid, and the host's name. */
static int
param_hostname(void *buf, size_t buflen)
{
	char host[256], tmp[300];

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		snprintf(tmp, sizeof(tmp), "rump-%05d.%s", (int)getpid(), host);
	} else {
		snprintf(tmp, sizeof(tmp), "rump-%05d", (int)getpid());
	}
	return put(buf, buflen, tmp);
}

RUMPUSER_API int
rumpuser_getparam(const char *name, void *buf, size_t buflen)
{
	const char *val;

	if (strcmp(name, RUMPUSER_PARAM_NCPU) == 0)
		return param_ncpu(buf, buflen);
	if (strcmp(name, RUMPUSER_PARAM_HOSTNAME) == 0)
		return param_hostname(buf, buflen);
	/* "_" names are the layer's own: only the two above exist. */
	if (name[0] == '_')
		return EINVAL;
	if ((val = getenv(name)) == NULL)
		return ENOENT;
	return put(buf, buflen, val);
}
