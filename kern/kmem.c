/* kmem.c: kernel memory, from the host through rumpuser_malloc. */
#include "kernel.h"

void *
kmem_alloc(size_t size)
{
	void *p;

	if (rumpuser_malloc(size == 0 ? 1 : size, 0, &p) != 0)
		return NULL;
	return p;
}

void *
kmem_zalloc(size_t size)
{
	void *p = kmem_alloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
kmem_free(void *p, size_t size)
{
	if (p != NULL)
		rumpuser_free(p, size == 0 ? 1 : size);
}
