/*
 * host_dir.h: removing a host directory tree a test made, without a
 * shell.
 */
#ifndef RUMP_TESTS_HOST_DIR_H
#define RUMP_TESTS_HOST_DIR_H

#include <ftw.h>
#include <stdio.h>

static inline int
host_rmtree_entry(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove `dir' and everything under it (symlinks are not followed);
 * 0, or -1 with errno set at the first entry that could not go. */
static inline int
host_rmtree(const char *dir)
{
	return nftw(dir, host_rmtree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A suite's teardown: remove `dir', and say so if that failed (a test
 * that already ended cannot fail for it). */
static inline void
host_rmtree_or_say(const char *dir)
{
	if (host_rmtree(dir) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

#endif
