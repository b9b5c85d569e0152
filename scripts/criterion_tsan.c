/*
 * criterion_tsan.c: linked into the test binaries of a ThreadSanitizer
 * build (SANITIZE=thread), and only there.
 *
 * Criterion's sandbox keeps a shared arena at an address it draws with
 * rand_r(): 0x200000000000 + (r & 0x3fffff) * 16 MiB, taking the first
 * draw that is not mapped yet.  ThreadSanitizer maps nearly all of that
 * range (shadow, meta data and guard areas), so every draw fails and the
 * binary aborts with "Could not initialize inheritable arena".
 *
 * A rand_r() defined in the executable is the one the shared libraries
 * bind to, so this one returns draws that put the arena in
 * [0x566000000000, 0x568000000000): memory that ThreadSanitizer leaves to
 * the application, above where the kernel places PIE executables and
 * their heap (with up to 28 bits of mmap randomisation, or none).  The
 * higher bits stay pseudo-random for any other caller.
 */
#include <stdint.h>
#include <stdlib.h>

int
rand_r(unsigned int *seed)
{
	uint32_t x = *seed * 1103515245u + 12345u;

	*seed = x;
	/* bits 0-21: the arena slot, bits 22-30: noise for other callers */
	return (int)((((x >> 16) & 0x1ff) << 22) |
		     (0x366000u + ((x >> 3) & 0x1fff)));
}
