/*
 * dirtab.c: a tmpfs directory's entries (see dirtab.h).
 */
#include "kernel.h"
#include "dirtab.h"

#define INDEX_MIN 8u /* slots in the smallest index */
/*
 * A removal shrinks the index once fewer than one slot in
 * INDEX_SHRINK_RATIO is used, straight to the size that leaves it a
 * quarter full.  Halving at one in eight rehashed most of a large
 * directory's entries again while `rm' emptied it, each to a random
 * slot of an index larger than the caches.
 */
#define INDEX_SHRINK_RATIO 32u
#define INDEX_SHRINK_MIN 64u /* smaller indexes are left as they are */

/*
 * Names that differ only in their last byte get neighbouring home slots:
 * names made and used in sequence (f1230, f1231, ...) then share cache
 * lines in the index, as they share them in the entry array.  The rest
 * of the name is hashed (FNV-1a, then mixed so the low bits depend on
 * every byte).
 */
uint32_t
dirtab_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	if (len == 0)
		return h;
	for (size_t i = 0; i < len - 1; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h + (unsigned char)name[len - 1];
}

void
dirtab_init(struct dirtab *dt)
{
	dt->dt_chunk = NULL;
	dt->dt_slot = NULL;
	dt->dt_mask = 0;
	dt->dt_end = 0;
	dt->dt_free = DIRTAB_NOPLACE;
	atomic_store_relaxed(&dt->dt_count, 0);
	atomic_store_relaxed(&dt->dt_hint, 0);
	dt->dt_seq = 0;
}

/* Chunk k holds places [4 * (2^k - 1), 4 * (2^(k+1) - 1)). */
static unsigned
chunk_of(uint32_t place)
{
	return (unsigned)(31 - __builtin_clz(place + 4)) - 2;
}

static size_t
chunk_size(unsigned k)
{
	return sizeof(struct tmpfs_dirent) * (4u << k);
}

static struct tmpfs_dirent *
entry_at(const struct dirtab *dt, uint32_t place)
{
	unsigned k = chunk_of(place);

	return &dt->dt_chunk[k][place + 4 - (4u << k)];
}

static uint64_t
slot_value(const struct tmpfs_dirent *de)
{
	return (uint64_t)de->td_hash << 32 | (de->td_place + 1);
}

void
dirtab_fini(struct dirtab *dt)
{
	struct tmpfs_dirent *de;

	/* Removals free long names: an emptied table has none to look
	 * for, and a large one is cold by the time its last name goes. */
	for (uint32_t i = 0; dt->dt_count > 0 && i < dt->dt_end; i++) {
		de = entry_at(dt, i);
		if (de->td_node != NULL && de->td_len > DIRTAB_SHORTNAME)
			kmem_free(de->td_long, de->td_len);
	}
	if (dt->dt_chunk != NULL) {
		for (unsigned k = 0; k < DIRTAB_NCHUNK; k++)
			if (dt->dt_chunk[k] != NULL)
				kmem_free(dt->dt_chunk[k], chunk_size(k));
		kmem_free(dt->dt_chunk, sizeof(void *) * DIRTAB_NCHUNK);
	}
	if (dt->dt_slot != NULL)
		kmem_free(dt->dt_slot, sizeof(uint64_t) * (dt->dt_mask + 1));
	dirtab_init(dt);
}

static bool
entry_is(const struct tmpfs_dirent *de, const char *name, size_t len,
	 uint32_t hash)
{
	return de->td_node != NULL && de->td_hash == hash &&
	       de->td_len == len && memcmp(dirtab_name(de), name, len) == 0;
}

/* The hint that expects the place after `place' (down: before). */
static uint32_t
hint_after(uint32_t place, bool down)
{
	if (!down)
		return (place + 1) | DIRTAB_HINT_SEQ;
	return place > 0 ? (place - 1) | DIRTAB_HINT_SEQ | DIRTAB_HINT_DOWN : 0;
}

/*
 * Remember where `de' was found; `hint' is the hint the lookup read.
 * The table's line is shared by every reader of the directory, so
 * lookups in no order must not write it each time: a sequence starts
 * only at a place that is a multiple of DIRTAB_HINT_START (an in-order
 * walk arms the hint within that many names), and an armed hint that
 * missed is disarmed once.  A find two places from the hint, on the
 * far side of the last one found, turns the sequence round (readdir
 * lists from the highest place down).
 */
static void
hint_learn(struct dirtab *dt, uint32_t hint, const struct tmpfs_dirent *de)
{
	uint32_t place = de->td_place, hp = hint & DIRTAB_HINT_PLACE, next;
	bool down = (hint & DIRTAB_HINT_DOWN) != 0;

	if (hp == place)
		next = hint_after(place, down);
	else if (!down && place + 2 == hp)
		next = hint_after(place, true);
	else if (down && place == hp + 2)
		next = hint_after(place, false);
	else if ((hint & DIRTAB_HINT_SEQ) || place % DIRTAB_HINT_START == 0)
		next = place + 1;
	else
		return;
	if (next != hint)
		atomic_store_relaxed(&dt->dt_hint, next);
}

/*
 * In a sequence, the next lookup will likely want the entry after
 * `place': start loading its node, which a directory larger than the
 * caches holds only in memory, while the caller uses this one.
 */
static void
prefetch_next_node(const struct dirtab *dt, uint32_t place, bool down)
{
	const char *node;

	if (down ? place == 0 : place + 1 >= dt->dt_end)
		return;
	node = (const char *)entry_at(dt, down ? place - 1 : place + 1)
		       ->td_node;
	if (node == NULL)
		return;
	for (size_t off = 0; off < DIRTAB_NODE_SIZE; off += 64)
		__builtin_prefetch(node + off, 1);
}

struct tmpfs_dirent *
dirtab_find(struct dirtab *dt, const char *name, size_t len, uint32_t hash)
{
	uint32_t hint = atomic_load_relaxed(&dt->dt_hint), place, last;
	struct tmpfs_dirent *de;
	bool down;
	uint64_t v;

	if (dt->dt_slot == NULL)
		return NULL;
	place = hint & DIRTAB_HINT_PLACE;
	down = (hint & DIRTAB_HINT_DOWN) != 0;
	if ((hint & DIRTAB_HINT_SEQ) && place < dt->dt_end &&
	    entry_is(de = entry_at(dt, place), name, len, hash)) {
		hint_learn(dt, hint, de);
		prefetch_next_node(dt, place, down);
		return de;
	}
	/*
	 * The entry the sequence found last: a removal or rename looks its
	 * name up again under the directory's write lock.  The hint stays
	 * as it is, so the sequence goes on.
	 */
	last = down ? place + 1 : place - 1; /* place 0 going up: none */
	if ((hint & DIRTAB_HINT_SEQ) && (down || place > 0) &&
	    last < dt->dt_end &&
	    entry_is(de = entry_at(dt, last), name, len, hash))
		return de;
	for (uint32_t s = hash & dt->dt_mask; (v = dt->dt_slot[s]) != 0;
	     s = (s + 1) & dt->dt_mask) {
		if ((uint32_t)(v >> 32) != hash)
			continue;
		de = entry_at(dt, (uint32_t)v - 1);
		if (de->td_len == len &&
		    memcmp(dirtab_name(de), name, len) == 0) {
			hint_learn(dt, hint, de);
			return de;
		}
	}
	return NULL;
}

static void
slot_put(uint64_t *slot, uint32_t mask, uint64_t v)
{
	uint32_t s = (uint32_t)(v >> 32) & mask;

	while (slot[s] != 0)
		s = (s + 1) & mask;
	slot[s] = v;
}

/* Rebuild the index with `n' slots (a power of 2): 0 or ENOMEM. */
static int
index_resize(struct dirtab *dt, uint32_t n)
{
	uint64_t *slot = kmem_zalloc(sizeof(uint64_t) * n);

	if (slot == NULL)
		return ENOMEM;
	if (dt->dt_slot != NULL) {
		for (uint32_t s = 0; s <= dt->dt_mask; s++)
			if (dt->dt_slot[s] != 0)
				slot_put(slot, n - 1, dt->dt_slot[s]);
		kmem_free(dt->dt_slot, sizeof(uint64_t) * (dt->dt_mask + 1));
	}
	dt->dt_slot = slot;
	dt->dt_mask = n - 1;
	return 0;
}

/* The index size for n entries after a shrink: a quarter full. */
static uint32_t
index_fit(uint32_t n)
{
	uint32_t size = INDEX_MIN;

	while ((uint64_t)size < (uint64_t)n * 4)
		size *= 2;
	return size;
}

/* A free place, its chunk allocated: 0, ENOMEM or ENOSPC. */
static int
place_get(struct dirtab *dt, uint32_t *placep)
{
	unsigned k;

	if (dt->dt_free != DIRTAB_NOPLACE) {
		*placep = dt->dt_free;
		return 0;
	}
	if (dt->dt_end == DIRTAB_MAXPLACES)
		return ENOSPC;
	if (dt->dt_chunk == NULL &&
	    (dt->dt_chunk = kmem_zalloc(sizeof(void *) * DIRTAB_NCHUNK)) ==
		    NULL)
		return ENOMEM;
	k = chunk_of(dt->dt_end);
	if (dt->dt_chunk[k] == NULL &&
	    (dt->dt_chunk[k] = kmem_alloc(chunk_size(k))) == NULL)
		return ENOMEM;
	*placep = dt->dt_end;
	return 0;
}

/* The next addition's number; at the limit every entry becomes 0. */
static uint32_t
seq_next(struct dirtab *dt)
{
	if (dt->dt_seq == DIRTAB_SEQ_MAX) {
		for (uint32_t i = 0; i < dt->dt_end; i++)
			entry_at(dt, i)->td_seq = 0;
		dt->dt_seq = 0;
	}
	return ++dt->dt_seq;
}

int
dirtab_add(struct dirtab *dt, const char *name, size_t len, uint32_t hash,
	   struct tmpfs_node *tn)
{
	struct tmpfs_dirent *de;
	char *longname = NULL;
	uint32_t place;
	int error;

	/* Everything that can fail comes before the first change. */
	if ((error = place_get(dt, &place)) != 0)
		return error;
	if (dt->dt_slot == NULL || (dt->dt_count + 1) * 2 > dt->dt_mask + 1) {
		uint32_t n =
			dt->dt_slot == NULL ? INDEX_MIN : (dt->dt_mask + 1) * 2;

		if ((error = index_resize(dt, n)) != 0)
			return error;
	}
	if (len > DIRTAB_SHORTNAME && (longname = kmem_alloc(len)) == NULL)
		return ENOMEM;

	de = entry_at(dt, place);
	if (place == dt->dt_free)
		dt->dt_free = de->td_nextfree;
	else
		dt->dt_end++;
	de->td_node = tn;
	de->td_hash = hash;
	de->td_place = place;
	de->td_len = (uint16_t)len;
	de->td_seq = seq_next(dt);
	if (longname != NULL) {
		memcpy(longname, name, len);
		de->td_long = longname;
	} else {
		memcpy(de->td_short, name, len);
	}
	slot_put(dt->dt_slot, dt->dt_mask, slot_value(de));
	atomic_store_relaxed(&dt->dt_count, dt->dt_count + 1);
	return 0;
}

/*
 * Empty slot s and close the gap: a later slot in the same run moves
 * back when s lies between its home and where it sits, so every entry
 * stays reachable by probing from its home (no tombstones needed).
 */
static void
slot_delete(uint64_t *slot, uint32_t mask, uint32_t s)
{
	uint32_t j = s, home;

	for (;;) {
		j = (j + 1) & mask;
		if (slot[j] == 0)
			break;
		home = (uint32_t)(slot[j] >> 32) & mask;
		if (((j - home) & mask) >= ((j - s) & mask)) {
			slot[s] = slot[j];
			s = j;
		}
	}
	slot[s] = 0;
}

/*
 * Removals in a sequence (rm of a listed directory) find each entry by
 * the hint, but the index slot they must empty is anywhere: start
 * loading the next entry's slot while this removal finishes.
 */
static void
prefetch_next_slot(const struct dirtab *dt, uint32_t place)
{
	const struct tmpfs_dirent *next;

	if (place + 1 >= dt->dt_end)
		return;
	next = entry_at(dt, place + 1);
	if (next->td_node != NULL)
		__builtin_prefetch(&dt->dt_slot[next->td_hash & dt->dt_mask],
				   1);
}

void
dirtab_remove(struct dirtab *dt, struct tmpfs_dirent *de)
{
	uint64_t v = slot_value(de);
	uint32_t s = de->td_hash & dt->dt_mask;

	while (dt->dt_slot[s] != v)
		s = (s + 1) & dt->dt_mask;
	slot_delete(dt->dt_slot, dt->dt_mask, s);
	if (de->td_len > DIRTAB_SHORTNAME)
		kmem_free(de->td_long, de->td_len);
	prefetch_next_slot(dt, de->td_place);
	de->td_node = NULL;
	de->td_nextfree = dt->dt_free;
	dt->dt_free = de->td_place;
	atomic_store_relaxed(&dt->dt_count, dt->dt_count - 1);
	if (dt->dt_count == 0) {
		dirtab_fini(dt); /* an empty directory holds no memory */
	} else if (dt->dt_mask + 1 > INDEX_SHRINK_MIN &&
		   dt->dt_count * INDEX_SHRINK_RATIO < dt->dt_mask + 1) {
		/* Shrink a mostly empty index; keep it if memory is short. */
		(void)index_resize(dt, index_fit(dt->dt_count));
	}
}

struct tmpfs_dirent *
dirtab_next(const struct dirtab *dt, uint64_t *pos)
{
	struct tmpfs_dirent *de;

	for (uint64_t i = *pos; i < dt->dt_end; i++) {
		de = entry_at(dt, (uint32_t)i);
		if (de->td_node != NULL) {
			*pos = i;
			return de;
		}
	}
	if (*pos < dt->dt_end)
		*pos = dt->dt_end;
	return NULL;
}

struct tmpfs_dirent *
dirtab_prev(const struct dirtab *dt, uint64_t *bound)
{
	struct tmpfs_dirent *de;

	for (uint64_t i = MIN(*bound, (uint64_t)dt->dt_end); i-- > 0;) {
		de = entry_at(dt, (uint32_t)i);
		if (de->td_node != NULL) {
			*bound = i;
			return de;
		}
	}
	*bound = 0;
	return NULL;
}
