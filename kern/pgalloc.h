/*
 * pgalloc.h: the kernel's allocator of 4 KiB data pages (file contents
 * of memfd and tmpfs, pipe buffers).
 *
 * Pages come from 2 MiB chunks mapped from the host with
 * rumpuser_anonmmap(), 2 MiB aligned, so the host may back a chunk with
 * one huge page: one fault instead of 512 when a large file is first
 * written.  Freed pages are kept on their chunk and reused; a chunk whose
 * pages are all free goes back to the host (rumpuser_unmap) once more
 * than PGALLOC_KEEP_CHUNKS empty chunks are cached.
 *
 * The first page of each chunk holds its descriptor, so finding a page's
 * chunk is a mask.  Under AddressSanitizer free pages are poisoned.
 *
 * Locking: one mutex, pgalloc_lock, a leaf: taken with any other lock
 * held and never held across a call out of this file.
 */
#ifndef RUMP_KERN_PGALLOC_H
#define RUMP_KERN_PGALLOC_H

#include "kernel.h"

#define PGALLOC_PAGESIZE 4096
#define PGALLOC_CHUNKSHIFT 21 /* 2 MiB */
#define PGALLOC_KEEP_CHUNKS 2

/* At boot, before any page is allocated.  Returns 0 or an errno. */
int pgalloc_init(void);

/* A page with undefined contents, or NULL when the host has no memory
 * even after the pools gave back their idle pages (pool_reclaim_all). */
void *page_alloc(void);

/* Give back a page from page_alloc() (NULL is ignored). */
void page_free(void *page);

/* Pages in use and chunks mapped, for tests and statistics. */
struct pgalloc_stats {
	uint64_t ps_inuse;  /* pages handed out */
	uint64_t ps_chunks; /* chunks mapped from the host */
	uint64_t ps_empty;  /* chunks with no page in use */
};
void pgalloc_stats(struct pgalloc_stats *st);

#endif /* RUMP_KERN_PGALLOC_H */
