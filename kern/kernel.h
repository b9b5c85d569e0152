/*
 * kernel.h: what every kernel source needs: errno values, branch hints,
 * atomics, panic and printf, kernel memory, copyin/copyout.
 */
#ifndef RUMP_KERN_KERNEL_H
#define RUMP_KERN_KERNEL_H

#include <stdarg.h>
#include <linux/errno.h>
#include <rump/rumpuser.h>

#include "types.h"

#define __predict_true(x) __builtin_expect(!!(x), 1)
#define __predict_false(x) __builtin_expect(!!(x), 0)
#define __unused __attribute__((unused))
#define __printflike(a, b) __attribute__((format(printf, a, b)))
#define __dead __attribute__((noreturn))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Linux's PATH_MAX: the size of a path buffer (vfs path_alloc). */
#define PATH_MAX_ 4096

/* memcpy and friends are the compiler's freestanding contract. */
#define memcpy __builtin_memcpy
#define memmove __builtin_memmove
#define memset __builtin_memset
#define memcmp __builtin_memcmp

/* Atomics: thin names over the compiler builtins. */
#define atomic_load_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_store_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_inc(p) __atomic_add_fetch((p), 1, __ATOMIC_RELAXED)
/* Returns the new value; acq_rel so the last reference sees all writes. */
#define atomic_dec(p) __atomic_sub_fetch((p), 1, __ATOMIC_ACQ_REL)

/* panic: print "panic: <message>" and abort the host (rumpuser_exit). */
void panic(const char *fmt, ...) __printflike(1, 2) __dead;
#define KASSERT(e)                                                             \
	do {                                                                   \
		if (__predict_false(!(e)))                                     \
			panic("kernel assertion \"%s\" failed: %s:%d", #e,     \
			      __FILE__, __LINE__);                             \
	} while (0)

/* kprintf: formatted output to the console (rumpuser_putchar). */
void kprintf(const char *fmt, ...) __printflike(1, 2);
/* ksnprintf: formatting into a buffer: %d %i %u %x %o %p %s %c %% with l, ll, z and
 * width/zero-pad/left-justify/precision for strings.  Returns the length
 * that would have been written, as C's snprintf does. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printflike(3, 4);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* String helpers, named apart from libc's so a client never binds to them. */
size_t kstrlen(const char *s);
size_t kstrnlen(const char *s, size_t max);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates; returns kstrlen(src). */
size_t kstrlcpy(char *dst, const char *src, size_t size);

/*
 * Kernel memory.  kmem_alloc/kmem_zalloc return NULL when the host is out
 * of memory; kmem_free takes the size that was allocated.  Freed blocks
 * of a power-of-two size from KMEM_KEEP_MIN to KMEM_KEEP_MAX are kept
 * for reuse, up to KMEM_KEEP_BYTES in all (kmem.c says why);
 * kmem_reclaim gives them back to the host and returns how many bytes
 * went, kmem_kept says how many are kept.  kmem_bootstrap comes first at
 * boot.  Callable with any lock held; kmem's own lock is a leaf.
 */
#define KMEM_KEEP_MINSHIFT 16 /* 64 KiB */
#define KMEM_KEEP_MAXSHIFT 26 /* 64 MiB */
#define KMEM_KEEP_MIN ((size_t)1 << KMEM_KEEP_MINSHIFT)
#define KMEM_KEEP_MAX ((size_t)1 << KMEM_KEEP_MAXSHIFT)
#define KMEM_KEEP_BYTES ((size_t)64 << 20)
void kmem_bootstrap(void);
void *kmem_alloc(size_t size);
void *kmem_zalloc(size_t size);
void kmem_free(void *p, size_t size);
size_t kmem_reclaim(void);
size_t kmem_kept(void);

/*
 * User memory.  A handler never dereferences a user pointer.  Each
 * returns 0 or EFAULT (bad address); copyinstr also ENAMETOOLONG when no
 * NUL is found within `len' bytes, and stores the copied length
 * including the NUL in *done.
 */
int copyin(const void *uaddr, void *kaddr, size_t len);
int copyout(const void *kaddr, void *uaddr, size_t len);
int copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done);
/*
 * The user address of `member' of element i of the user array `uarr',
 * for copyin/copyout.  `&uarr[i].member' would be C's pointer arithmetic
 * on what may be NULL or misaligned (undefined); this is plain address
 * arithmetic, and the copy says EFAULT.
 */
#define UADDR_OF(uarr, i, member)                                              \
	((void *)((uintptr_t)(uarr) + (uintptr_t)(i) * sizeof(*(uarr)) +       \
		  offsetof(__typeof__(*(uarr)), member)))

/*
 * Linux's internal restart codes.  A handler whose sleep was interrupted
 * returns one of these (negated); the syscall exit path turns it into a
 * restart or -EINTR and never lets it reach the caller:
 *   ERESTARTSYS            restart if the handler has SA_RESTART
 *                          (read, write, accept, connect, open of a FIFO..)
 *   ERESTARTNOINTR         always restart
 *   ERESTARTNOHAND         restart only if no handler ran
 *   ERESTART_RESTARTBLOCK  restart through the lwp's restart block
 * Calls that never restart (nanosleep, poll, select, epoll_wait,
 * sigtimedwait) return -EINTR directly.
 */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

static inline bool
errno_is_restart(long ret)
{
	return (unsigned long)ret + ERESTART_RESTARTBLOCK <=
	       ERESTART_RESTARTBLOCK - ERESTARTSYS;
}

#endif /* RUMP_KERN_KERNEL_H */
