/*
 * trace.c: RUMP_TRACE=1 prints every syscall with its arguments and
 * result on the host's stderr, in the manner of strace:
 *
 *   [pid 2 tid 2] write(3, 0x7ffc1c2f9a10, 5) = 5
 *   [pid 1 tid 3] open("/nope", 0x0, 0) = -1 ENOENT (No such file or directory)
 */
#include "errnames.h"
#include "proc.h"
#include "syscall.h"

#define TRACE_STRMAX 64

/* Append one argument to buf, formatted by its letter. */
static int
trace_arg(char *buf, size_t size, char fmt, long v)
{
	char str[TRACE_STRMAX + 1];
	size_t done;
	int error;

	switch (fmt) {
	case 's':
		error = copyinstr((const void *)v, str, sizeof(str), &done);
		if (error == 0)
			return ksnprintf(buf, size, "\"%s\"", str);
		if (error == ENAMETOOLONG) {
			str[TRACE_STRMAX] = '\0';
			return ksnprintf(buf, size, "\"%s\"...", str);
		}
		return ksnprintf(buf, size, "%p", (void *)v);
	case 'p':
		return v == 0 ? ksnprintf(buf, size, "NULL")
			      : ksnprintf(buf, size, "%p", (void *)v);
	case 'o':
		return ksnprintf(buf, size, "0%lo", v);
	case 'x':
		return ksnprintf(buf, size, "0x%lx", v);
	case 'u':
		return ksnprintf(buf, size, "%lu", v);
	default:
		return ksnprintf(buf, size, "%ld", v);
	}
}

long
syscall_traced(struct lwp *l, long nr, const long *args)
{
	const struct sysent *sy = &sysent[nr];
	char line[512];
	size_t n = 0;
	long rv;

	if (sy->sy_call == NULL) {
		rv = -ENOSYS;
		n += ksnprintf(line, sizeof(line),
			       "[pid %d tid %d] syscall_%ld(", l->l_proc->p_pid,
			       l->l_lid, nr);
	} else {
		n += ksnprintf(line, sizeof(line), "[pid %d tid %d] %s(",
			       l->l_proc->p_pid, l->l_lid, sy->sy_name);
		/* Arguments are shown as they were on entry. */
		for (int i = 0; sy->sy_argfmt[i] != '\0'; i++) {
			if (i > 0 && n < sizeof(line))
				n += ksnprintf(line + n, sizeof(line) - n,
					       ", ");
			if (n < sizeof(line))
				n += trace_arg(line + n, sizeof(line) - n,
					       sy->sy_argfmt[i], args[i]);
		}
		rv = syscall_exit(l, nr, args, sy->sy_call(l, args));
	}
	if (n < sizeof(line)) {
		if (rv < 0 && rv > -4096)
			ksnprintf(line + n, sizeof(line) - n, ") = -1 %s (%s)",
				  errno_name((int)-rv), errno_desc((int)-rv));
		else
			ksnprintf(line + n, sizeof(line) - n, ") = %ld", rv);
	}
	rumpuser_dprintf("%s\n", line);
	return rv;
}
