/*
 * mem.c: the kernel's memory: the host's malloc and anonymous mmap.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rumpuser_int.h"

RUMPUSER_API int
rumpuser_malloc(size_t len, int alignment, void **memp)
{
	size_t align = (size_t)alignment;
	void *mem;
	int error;

	if (alignment < 0 || (align & (align - 1)) != 0)
		return EINVAL;
	/* malloc's own alignment needs no trip through memalign. */
	if (align <= _Alignof(max_align_t)) {
		if ((mem = malloc(len)) == NULL)
			return ENOMEM;
		*memp = mem;
		return 0;
	}
	/* posix_memalign wants a multiple of the pointer size. */
	if (align < sizeof(void *))
		align = sizeof(void *);
	if ((error = posix_memalign(&mem, align, len)) != 0)
		return error;
	*memp = mem;
	return 0;
}

RUMPUSER_API void
rumpuser_free(void *mem, size_t len)
{
	(void)len; /* the host allocator knows */
	free(mem);
}

/* Give back [addr, addr+len) of a mapping we trim; page multiples. */
static void
trim(uintptr_t addr, size_t len)
{
	if (len != 0 && munmap((void *)addr, len) != 0)
		RUMPUSER_DIE("munmap: %d", errno);
}

RUMPUSER_API int
rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec,
		  void **memp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), align, maplen;
	int prot = PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0);
	uintptr_t base, start;
	void *mem;

	if (size == 0 || alignbit < 0 || alignbit >= 48)
		return EINVAL;
	align = (size_t)1 << alignbit;
	size = (size + page - 1) & ~(page - 1);
	if (size == 0)
		return ENOMEM; /* the rounding wrapped */
	/*
	 * mmap only promises page alignment: for more, map `align' bytes
	 * too many and cut off the ends.
	 */
	maplen = align > page ? size + align : size;
	if (maplen < size)
		return ENOMEM;
	mem = mmap(prefaddr, maplen, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return errno;
	base = (uintptr_t)mem;
	start = align > page ? (base + align - 1) & ~(uintptr_t)(align - 1)
			     : base;
	trim(base, start - base);
	trim(start + size, base + maplen - (start + size));
#ifdef MADV_HUGEPAGE
	/* A whole, aligned 2 MiB region may be one huge page: one fault
	 * instead of 512.  Advice only; a host without THP ignores it. */
	if (alignbit >= 21 && (size & (((size_t)1 << 21) - 1)) == 0)
		(void)madvise((void *)start, size, MADV_HUGEPAGE);
#endif
	*memp = (void *)start;
	return 0;
}

RUMPUSER_API void
rumpuser_unmap(void *addr, size_t len)
{
	if (munmap(addr, len) != 0)
		RUMPUSER_DIE("munmap(%p, %zu): %d", addr, len, errno);
}
