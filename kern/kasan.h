/*
 * kasan.h: telling AddressSanitizer about memory the kernel manages
 * itself (pages in pgalloc chunks, pool objects, kmem's kept blocks).
 *
 * POISON marks a range unusable (a use is reported), UNPOISON usable
 * again; ROOT and UNROOT add and remove a mapping the leak checker must
 * scan for pointers to heap blocks.  Without ASan they compile away.
 */
#ifndef RUMP_KERN_KASAN_H
#define RUMP_KERN_KASAN_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
void __lsan_register_root_region(const void *p, size_t size);
void __lsan_unregister_root_region(const void *p, size_t size);
#define POISON(a, n) __asan_poison_memory_region((a), (n))
#define UNPOISON(a, n) __asan_unpoison_memory_region((a), (n))
#define ROOT(a, n) __lsan_register_root_region((a), (n))
#define UNROOT(a, n) __lsan_unregister_root_region((a), (n))
#else
#define POISON(a, n) ((void)(a), (void)(n))
#define UNPOISON(a, n) ((void)(a), (void)(n))
#define ROOT(a, n) ((void)(a), (void)(n))
#define UNROOT(a, n) ((void)(a), (void)(n))
#endif

#endif /* RUMP_KERN_KASAN_H */
