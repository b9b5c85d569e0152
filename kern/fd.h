/*
 * fd.h: per-process descriptor tables.
 *
 * A table is shared by reference between processes made with
 * rump_lwproc_rfork(0), copied for RUMP_RFFDG and new for RUMP_RFCFDG.
 * Its lock (fd_lock) is a leaf: nothing else is taken while it is held
 * except a file's reference count (atomic).
 */
#ifndef RUMP_KERN_FD_H
#define RUMP_KERN_FD_H

#include "kernel.h"

struct filedesc;

/* An empty table with one reference.  NULL when out of memory. */
struct filedesc *fd_create(void);
/* A copy (as fork(2) makes) with one reference: the same open files,
 * close-on-exec flags kept.  NULL when out of memory. */
struct filedesc *fd_copy(struct filedesc *fdp);
/* Another reference to a shared table. */
void fd_hold(struct filedesc *fdp);
/* Drop a reference; the last one closes every descriptor. */
void fd_release(struct filedesc *fdp);

#endif /* RUMP_KERN_FD_H */
