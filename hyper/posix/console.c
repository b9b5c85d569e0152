/*
 * console.c: console output, debug output and the end of the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rumpuser_int.h"

RUMPUSER_API void
rumpuser_putchar(int ch)
{
	/* Kernel printf goes through here byte by byte: flush per line. */
	putchar(ch);
	if (ch == '\n')
		fflush(stdout);
}

/*
 * Straight to stderr with one write(2): no stdio lock, so it is usable
 * in any state, and a line from one thread is never split by another's.
 */
RUMPUSER_API void
rumpuser_dprintf(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (char *p = buf; n > 0;) {
		ssize_t w = write(STDERR_FILENO, p, (size_t)n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		n -= (int)w;
	}
}

RUMPUSER_API void
rumpuser_exit(int value)
{
	if (value == RUMPUSER_PANIC) {
		fprintf(stderr, "halted\n");
		abort(); /* the core dump is the panic's record */
	}
	exit(value);
}

void
rumpuser__die(const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rumpuser: %s: ", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
