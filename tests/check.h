/*
 * check.h: the assertions every suite uses on a call's result.
 *
 *	FAILS(rump_sys_close(-1), EBADF);   must return -1 with errno EBADF
 *	RETURNS(rump_sys_dup(0), 3);        must return 3
 *
 * errno is cleared first, and a failure names the expression, what it
 * returned and errno.
 */
#ifndef RUMP_TESTS_CHECK_H
#define RUMP_TESTS_CHECK_H

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

/* expr must fail with errno `err'. */
#define FAILS(expr, err)                                                       \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(expr);                                        \
		int e_ = errno;                                                \
		cr_assert_eq(r_, -1, "%s = %ld, expected -1 (%s)", #expr, r_,  \
			     strerror(err));                                   \
		cr_assert_eq(e_, (err), "%s: errno %d (%s), expected %s",      \
			     #expr, e_, strerror(e_), strerror(err));          \
	} while (0)

/* expr must return `val'. */
#define RETURNS(expr, val)                                                     \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(expr);                                        \
		cr_assert_eq(r_, (long)(val),                                  \
			     "%s = %ld (errno %s), expected %ld", #expr, r_,   \
			     strerror(errno), (long)(val));                    \
	} while (0)

#endif /* RUMP_TESTS_CHECK_H */
