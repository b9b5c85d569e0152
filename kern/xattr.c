/*
 * xattr.c: the extended-attribute store (xattr.h).  An array of entries
 * sorted by name, greatest first, found by binary search: inodes have a
 * few attributes, and the order is the listing order.
 */
#include "xattr.h"

struct xattr_ent {
	size_t xe_vlen;
	size_t xe_nlen; /* without the NUL */
	char xe_data[]; /* name, NUL, value */
};

#define XE_SIZE(nlen, vlen) (sizeof(struct xattr_ent) + (nlen) + 1 + (vlen))

static bool
is_trusted(const char *name)
{
	return kstrncmp(name, "trusted.", 8) == 0;
}

void
xattrs_init(struct xattrs *xs)
{
	rw_init(&xs->xs_lock);
	xs->xs_ents = NULL;
	xs->xs_n = xs->xs_cap = 0;
}

static void
ent_free(struct xattr_ent *e)
{
	kmem_free(e, XE_SIZE(e->xe_nlen, e->xe_vlen));
}

size_t
xattrs_fini(struct xattrs *xs)
{
	size_t space = 0;

	for (unsigned i = 0; i < xs->xs_n; i++) {
		struct xattr_ent *e = xs->xs_ents[i];

		space += xattr_space(e->xe_data, e->xe_vlen);
		ent_free(e);
	}
	if (xs->xs_ents != NULL)
		kmem_free(xs->xs_ents, xs->xs_cap * sizeof(*xs->xs_ents));
	rw_destroy(&xs->xs_lock);
	return space;
}

/* The index of `name', or of where it would go (*found false). */
static unsigned
find(const struct xattrs *xs, const char *name, bool *found)
{
	unsigned lo = 0, hi = xs->xs_n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = kstrcmp(xs->xs_ents[mid]->xe_data, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c > 0) /* greater names come first */
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static int
do_get(struct xattrs *xs, struct xattr_req *rq)
{
	struct xattr_ent *e;
	bool found;
	unsigned i;
	int error = 0;

	rw_enter_read(&xs->xs_lock);
	i = find(xs, rq->xr_name, &found);
	if (!found) {
		error = ENODATA;
	} else {
		e = xs->xs_ents[i];
		rq->xr_len = e->xe_vlen;
		if (rq->xr_size != 0) {
			if (rq->xr_size < e->xe_vlen)
				error = ERANGE;
			else
				memcpy(rq->xr_buf, e->xe_data + e->xe_nlen + 1,
				       e->xe_vlen);
		}
	}
	rw_exit(&xs->xs_lock);
	return error;
}

static int
do_list(struct xattrs *xs, struct xattr_req *rq)
{
	char *p = rq->xr_buf;
	size_t len = 0;

	rw_enter_read(&xs->xs_lock);
	for (unsigned i = 0; i < xs->xs_n; i++) {
		struct xattr_ent *e = xs->xs_ents[i];

		if (!rq->xr_trusted && is_trusted(e->xe_data))
			continue;
		if (rq->xr_size != 0 && len + e->xe_nlen + 1 <= rq->xr_size)
			memcpy(p + len, e->xe_data, e->xe_nlen + 1);
		len += e->xe_nlen + 1;
	}
	rw_exit(&xs->xs_lock);
	rq->xr_len = len;
	return rq->xr_size != 0 && len > rq->xr_size ? ERANGE : 0;
}

/* Make room for one more entry (write lock held). */
static int
grow(struct xattrs *xs)
{
	unsigned ncap = xs->xs_cap == 0 ? 4 : xs->xs_cap * 2;
	struct xattr_ent **n;

	if (xs->xs_n < xs->xs_cap)
		return 0;
	if ((n = kmem_alloc(ncap * sizeof(*n))) == NULL)
		return ENOMEM;
	if (xs->xs_n != 0)
		memcpy(n, xs->xs_ents, xs->xs_n * sizeof(*n));
	if (xs->xs_ents != NULL)
		kmem_free(xs->xs_ents, xs->xs_cap * sizeof(*n));
	xs->xs_ents = n;
	xs->xs_cap = ncap;
	return 0;
}

static int
do_set(struct xattrs *xs, struct xattr_req *rq, size_t *freedp)
{
	size_t nlen = kstrlen(rq->xr_name);
	struct xattr_ent *e = NULL, *old;
	bool found;
	unsigned i;
	int error = 0;

	if (rq->xr_op == XOP_SET) {
		/* Made before the lock: the copy may be 64 KiB. */
		if ((e = kmem_alloc(XE_SIZE(nlen, rq->xr_size))) == NULL)
			return ENOMEM;
		e->xe_nlen = nlen;
		e->xe_vlen = rq->xr_size;
		memcpy(e->xe_data, rq->xr_name, nlen + 1);
		if (rq->xr_size != 0)
			memcpy(e->xe_data + nlen + 1, rq->xr_buf, rq->xr_size);
	}
	rw_enter_write(&xs->xs_lock);
	i = find(xs, rq->xr_name, &found);
	if (found && rq->xr_op == XOP_SET && (rq->xr_flags & XATTR_CREATE_))
		error = EEXIST;
	else if (!found &&
		 (rq->xr_op == XOP_REMOVE || (rq->xr_flags & XATTR_REPLACE_)))
		error = ENODATA;
	else if (!found)
		error = grow(xs);
	if (error != 0) {
		rw_exit(&xs->xs_lock);
		if (e != NULL)
			ent_free(e);
		return error;
	}
	old = found ? xs->xs_ents[i] : NULL;
	if (e != NULL && found) {
		xs->xs_ents[i] = e;
	} else if (e != NULL) {
		memmove(&xs->xs_ents[i + 1], &xs->xs_ents[i],
			(xs->xs_n - i) * sizeof(*xs->xs_ents));
		xs->xs_ents[i] = e;
		xs->xs_n++;
	} else {
		memmove(&xs->xs_ents[i], &xs->xs_ents[i + 1],
			(xs->xs_n - i - 1) * sizeof(*xs->xs_ents));
		xs->xs_n--;
	}
	rw_exit(&xs->xs_lock);
	if (freedp != NULL)
		*freedp = old != NULL ? xattr_space(old->xe_data, old->xe_vlen)
				      : 0;
	if (old != NULL)
		ent_free(old);
	return 0;
}

int
xattr_tmpfs_name(const char *name)
{
	static const char *const prefixes[] = { "user.", "trusted.",
						"security." };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = kstrlen(prefixes[i]);

		if (kstrncmp(name, prefixes[i], n) == 0)
			return name[n] == '\0' ? EINVAL : 0;
	}
	return EOPNOTSUPP;
}

int
xattr_sockfs_request(struct xattr_req *rq, const char *proto)
{
	static const char pname[] = "system.sockprotoname";
	size_t len;

	if (rq->xr_op == XOP_LIST ||
	    (rq->xr_op == XOP_GET && kstrcmp(rq->xr_name, pname) == 0)) {
		len = rq->xr_op == XOP_LIST ? sizeof(pname)
					    : kstrlen(proto) + 1;
		rq->xr_len = len;
		if (rq->xr_size != 0 && rq->xr_size < len)
			return ERANGE;
		if (rq->xr_size != 0)
			memcpy(rq->xr_buf,
			       rq->xr_op == XOP_LIST ? pname : proto, len);
		return 0;
	}
	if (kstrncmp(rq->xr_name, "security.", 9) == 0) {
		if (rq->xr_name[9] == '\0')
			return EINVAL;
		return rq->xr_op == XOP_REMOVE ? EAGAIN : EOPNOTSUPP;
	}
	return EOPNOTSUPP;
}

size_t
xattrs_killpriv(struct xattrs *xs)
{
	struct xattr_req rq = { .xr_op = XOP_REMOVE,
				.xr_name = "security.capability" };
	size_t freed = 0;
	bool found;

	/* Writes are many, capabilities few: look before taking the
	 * write lock. */
	rw_enter_read(&xs->xs_lock);
	(void)find(xs, rq.xr_name, &found);
	rw_exit(&xs->xs_lock);
	if (!found || do_set(xs, &rq, &freed) != 0)
		return 0;
	return freed;
}

int
xattrs_request(struct xattrs *xs, struct xattr_req *rq, size_t *freedp)
{
	if (freedp != NULL)
		*freedp = 0;
	switch (rq->xr_op) {
	case XOP_GET:
		return do_get(xs, rq);
	case XOP_LIST:
		return do_list(xs, rq);
	default:
		return do_set(xs, rq, freedp);
	}
}
