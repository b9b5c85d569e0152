/*
 * dirtab.h: the entries of one tmpfs directory.
 *
 * Entries live in places numbered from 0, held in chunks of doubling
 * size (4, 8, 16, ... places), so an entry never moves once made and its
 * place is its readdir position.  A removed entry's place goes to the
 * next entry added; everything is freed when the directory empties.
 *
 * Names are found through an open-addressed index (linear probing, at
 * most half full) whose slots hold the name's hash beside the place.  A
 * failed lookup reads only the index, a hit reads the one entry it
 * names, and entries made one after another sit side by side.  That is
 * what keeps the cost per lookup flat from 10,000 to 100,000 entries:
 * hash chains of separately allocated entries cost a cache miss a step
 * once the directory outgrows the caches.
 *
 * Locking: none of its own.  The directory's lock (tmpfs.c) covers the
 * table: dirtab_find and dirtab_next under a shared hold, dirtab_add and
 * dirtab_remove under an exclusive one.  dt_count may be read without
 * the lock (relaxed atomic), as stat does for a directory's size.
 */
#ifndef RUMPKIT_VFS_TMPFS_DIRTAB_H
#define RUMPKIT_VFS_TMPFS_DIRTAB_H

#include <stddef.h>
#include <stdint.h>

struct tmpfs_node;

#define DIRTAB_NOPLACE UINT32_MAX
#define DIRTAB_SHORTNAME 40 /* names up to this long are kept inline */
/* The bytes of a node that lookups in sequence load ahead (tmpfs.c
 * asserts a node is no larger). */
#define DIRTAB_NODE_SIZE 192
#define DIRTAB_NCHUNK 28 /* 4 * (2^28 - 1) places at most */
#define DIRTAB_MAXPLACES (4u * ((1u << DIRTAB_NCHUNK) - 1))

struct tmpfs_dirent {
	struct tmpfs_node *td_node; /* NULL: the place is free */
	union {
		uint32_t td_hash;     /* in use: dirtab_hash of the name */
		uint32_t td_nextfree; /* free: the next free place */
	};
	uint32_t td_place;
	uint16_t td_len;
	uint32_t td_seq; /* dt_seq when it was added (dirtab_seq) */
	union {
		char td_short[DIRTAB_SHORTNAME]; /* td_len <= SHORTNAME */
		char *td_long;
	};
};

/* Entries made one after another share lines: one per entry, no more. */
_Static_assert(sizeof(struct tmpfs_dirent) <= 64, "tmpfs_dirent outgrew 64");

struct dirtab {
	struct tmpfs_dirent **dt_chunk; /* DIRTAB_NCHUNK chunks, or NULL */
	uint64_t *dt_slot; /* dt_mask + 1 slots: hash << 32 | (place + 1) */
	uint32_t dt_mask;
	uint32_t dt_end;   /* places [0, dt_end) have been handed out */
	uint32_t dt_free;  /* the last place freed, or DIRTAB_NOPLACE */
	uint32_t dt_count; /* entries in use */
	/*
	 * Where the next lookup is likely to be: the place after the last
	 * one found (dirtab.c says which are remembered), or the place
	 * before it with DIRTAB_HINT_DOWN, with DIRTAB_HINT_SEQ set when
	 * that one was found where the hint said.  Only then is the place
	 * tried before the index, so names used in the order they were
	 * made (a loop over numbered files) or in readdir's (newest first:
	 * find, du, rm -r) cost no index access.  The last place found is
	 * tried too: a removal finds the name namei just found.  Relaxed
	 * atomic: lookups under the read lock update it; a stale hint is
	 * harmless because the entry is checked like any index candidate.
	 */
	uint32_t dt_hint;
	uint32_t dt_seq; /* the last td_seq handed out */
};

/* Sequence numbers stay at or below this (dirtab_add renumbers). */
#define DIRTAB_SEQ_MAX 0x7ffffffeu

#define DIRTAB_HINT_SEQ 0x80000000u   /* above every place */
#define DIRTAB_HINT_DOWN 0x40000000u  /* above every place too */
#define DIRTAB_HINT_PLACE 0x3fffffffu /* the place in a hint */
#define DIRTAB_HINT_START 16          /* where a sequence may start */
_Static_assert(DIRTAB_MAXPLACES <= DIRTAB_HINT_PLACE, "hint bits");

/* The name's hash: names differing only in their last byte get
 * neighbouring values, which keeps names used in sequence close in the
 * index; the other bytes are well mixed. */
uint32_t dirtab_hash(const char *name, size_t len);

/* An empty table; allocates nothing. */
void dirtab_init(struct dirtab *dt);

/* Free the table and the names of any entries left (their nodes are the
 * caller's); the table is empty afterwards. */
void dirtab_fini(struct dirtab *dt);

/* The entry named `name' (hash `hash'), or NULL.  Takes the table at
 * least shared; updates dt_hint. */
struct tmpfs_dirent *dirtab_find(struct dirtab *dt, const char *name,
				 size_t len, uint32_t hash);

/*
 * Add an entry naming `tn'; the name must not be in the table and is at
 * most 255 bytes.  Entries already in the table stay where they are.
 * Returns 0, ENOMEM (nothing changed) or ENOSPC (the table is full).
 */
int dirtab_add(struct dirtab *dt, const char *name, size_t len, uint32_t hash,
	       struct tmpfs_node *tn);

/* Remove an entry of the table; `de' is invalid afterwards. */
void dirtab_remove(struct dirtab *dt, struct tmpfs_dirent *de);

/*
 * Entries carry the number of their addition (td_seq), so a listing can
 * leave out what was added after it began: those entries have a td_seq
 * above the dirtab_seq it read then.  Numbers only grow, except that an
 * emptied table starts again and one that reaches DIRTAB_SEQ_MAX gives
 * every entry 0: either way a listing may then show names added after
 * it began (POSIX allows it) but never hides one that was there.
 */
static inline uint32_t
dirtab_seq(const struct dirtab *dt)
{
	return dt->dt_seq;
}

/* The first entry in use at a place >= *pos, with *pos set to its place;
 * or NULL, with *pos raised to dt_end if it was below. */
struct tmpfs_dirent *dirtab_next(const struct dirtab *dt, uint64_t *pos);
/* The last entry in use at a place below *bound, with *bound set to its
 * place; or NULL, with *bound set to 0.  (readdir lists newest first.) */
struct tmpfs_dirent *dirtab_prev(const struct dirtab *dt, uint64_t *bound);

static inline const char *
dirtab_name(const struct tmpfs_dirent *de)
{
	return de->td_len <= DIRTAB_SHORTNAME ? de->td_short : de->td_long;
}

#endif
