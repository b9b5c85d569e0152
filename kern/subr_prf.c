/*
 * subr_prf.c: the kernel's formatted output and panic.  The kernel may
 * not call the host's printf, so it formats for itself.
 */
#include "kernel.h"

struct fmtbuf {
	char *buf;
	size_t size, len; /* len counts what would have been written */
};

static void
put(struct fmtbuf *fb, char c)
{
	if (fb->len + 1 < fb->size)
		fb->buf[fb->len] = c;
	fb->len++;
}

static void
put_padded(struct fmtbuf *fb, const char *s, size_t n, int width, bool left,
	   char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(fb, pad);
	for (size_t i = 0; i < n; i++)
		put(fb, s[i]);
	if (left)
		while (fill-- > 0)
			put(fb, ' ');
}

/* Digits of v in `base', most significant first, into tmp; the length. */
static size_t
utoa(unsigned long long v, unsigned base, char *tmp)
{
	static const char digits[] = "0123456789abcdef";
	char rev[24];
	size_t n = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

static void
put_number(struct fmtbuf *fb, unsigned long long v, bool neg, unsigned base,
	   int width, bool left, char pad)
{
	char tmp[25];
	size_t n;

	if (neg && pad == '0') {
		put(fb, '-');
		width--;
		neg = false;
	}
	tmp[0] = '-';
	n = utoa(v, base, tmp + (neg ? 1 : 0)) + (neg ? 1 : 0);
	put_padded(fb, tmp, n, width, left, pad);
}

int
kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmtbuf fb = { buf, size, 0 };

	for (const char *p = fmt; *p != '\0'; p++) {
		bool left = false, neg;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;
		unsigned long long u;
		long long s;
		const char *str;

		if (*p != '%') {
			put(&fb, *p);
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				pad = '0';
			else
				break;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.')
			for (prec = 0, p++; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		for (; *p == 'l' || *p == 'z'; p++)
			lng = *p == 'z' ? 1 : lng + 1;
		switch (*p) {
		case 'd':
		case 'i':
			s = lng >= 2   ? va_arg(ap, long long)
			    : lng == 1 ? va_arg(ap, long)
				       : va_arg(ap, int);
			neg = s < 0;
			u = neg ? 0ULL - (unsigned long long)s
				: (unsigned long long)s;
			put_number(&fb, u, neg, 10, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'o':
			u = lng >= 2   ? va_arg(ap, unsigned long long)
			    : lng == 1 ? va_arg(ap, unsigned long)
				       : va_arg(ap, unsigned);
			put_number(&fb, u, false,
				   *p == 'u'   ? 10
				   : *p == 'x' ? 16
					       : 8,
				   width, left, pad);
			break;
		case 'p':
			put(&fb, '0');
			put(&fb, 'x');
			put_number(&fb, (uintptr_t)va_arg(ap, void *), false,
				   16, width, left, pad);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			put_padded(&fb, str,
				   prec >= 0 ? kstrnlen(str, (size_t)prec)
					     : kstrlen(str),
				   width, left, ' ');
			break;
		case 'c':
			put(&fb, (char)va_arg(ap, int));
			break;
		case '%':
			put(&fb, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			put(&fb, '%');
			put(&fb, *p);
			break;
		}
	}
	if (size > 0)
		buf[fb.len < size ? fb.len : size - 1] = '\0';
	return (int)fb.len;
}

int
ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void
kprintf(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (const char *c = line; *c != '\0'; c++)
		rumpuser_putchar(*c);
}

void
panic(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rumpuser_dprintf("panic: %s\n", msg);
	rumpuser_exit(RUMPUSER_PANIC);
}
