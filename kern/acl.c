/*
 * acl.c: POSIX ACLs, their xattr form and their rules (acl.h).
 */
#include "acl.h"
#include "cred.h"

struct acl *
acl_alloc(unsigned count)
{
	struct acl *acl;

	acl = kmem_alloc(sizeof(*acl) + count * sizeof(acl->a_ent[0]));
	if (acl == NULL)
		return NULL;
	acl->a_refs = 1;
	acl->a_count = count;
	return acl;
}

struct acl *
acl_hold(struct acl *acl)
{
	if (acl != NULL)
		atomic_inc(&acl->a_refs);
	return acl;
}

void
acl_rele(struct acl *acl)
{
	if (acl != NULL && atomic_dec(&acl->a_refs) == 0)
		kmem_free(acl,
			  sizeof(*acl) + acl->a_count * sizeof(acl->a_ent[0]));
}

int
acl_xattr_type(const char *name)
{
	if (kstrcmp(name, ACL_XATTR_ACCESS) == 0)
		return ACL_TYPE_ACCESS_;
	if (kstrcmp(name, ACL_XATTR_DEFAULT) == 0)
		return ACL_TYPE_DEFAULT_;
	return -1;
}

static uint32_t
get_le(const unsigned char *p, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void
put_le(unsigned char *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

int
acl_from_xattr(const void *val, size_t size, struct acl **aclp)
{
	const unsigned char *p = val;
	struct acl *acl;
	size_t count;

	*aclp = NULL;
	if (size == 0)
		return 0;
	if (size < ACL_XATTR_HDR)
		return EINVAL;
	if (get_le(p, 4) != ACL_XATTR_VERSION)
		return EOPNOTSUPP;
	if ((size - ACL_XATTR_HDR) % ACL_XATTR_ENT != 0)
		return EINVAL;
	count = (size - ACL_XATTR_HDR) / ACL_XATTR_ENT;
	if (count == 0)
		return 0;
	if ((acl = acl_alloc((unsigned)count)) == NULL)
		return ENOMEM;
	p += ACL_XATTR_HDR;
	for (size_t i = 0; i < count; i++, p += ACL_XATTR_ENT) {
		struct acl_entry *e = &acl->a_ent[i];

		e->ae_tag = (uint16_t)get_le(p, 2);
		e->ae_perm = (uint16_t)get_le(p + 2, 2);
		e->ae_id = ACL_UNDEFINED_ID_;
		switch (e->ae_tag) {
		case ACL_USER_OBJ_:
		case ACL_GROUP_OBJ_:
		case ACL_MASK_:
		case ACL_OTHER_:
			break;
		case ACL_USER_:
		case ACL_GROUP_:
			/* An id that maps to no user (-1) is refused. */
			e->ae_id = get_le(p + 4, 4);
			if (e->ae_id != ACL_UNDEFINED_ID_)
				break;
			/* FALLTHROUGH */
		default:
			acl_rele(acl);
			return EINVAL;
		}
	}
	*aclp = acl;
	return 0;
}

size_t
acl_xattr_size(const struct acl *acl)
{
	return ACL_XATTR_HDR + (size_t)acl->a_count * ACL_XATTR_ENT;
}

/* Whether acl has a MASK entry. */
static bool
has_mask(const struct acl *acl)
{
	for (unsigned i = 0; i < acl->a_count; i++)
		if (acl->a_ent[i].ae_tag == ACL_MASK_)
			return true;
	return false;
}

/* An entry's permissions, those the mode stands for taken from it. */
static unsigned
entry_perm(const struct acl_entry *e, bool access, bool mask, mode_t mode)
{
	if (access) {
		switch (e->ae_tag) {
		case ACL_USER_OBJ_:
			return (mode >> 6) & 7;
		case ACL_MASK_:
			return (mode >> 3) & 7;
		case ACL_GROUP_OBJ_:
			if (!mask)
				return (mode >> 3) & 7;
			break;
		case ACL_OTHER_:
			return mode & 7;
		default:
			break;
		}
	}
	return e->ae_perm;
}

void
acl_to_xattr(const struct acl *acl, bool access, mode_t mode, void *buf)
{
	unsigned char *p = buf;
	bool mask = has_mask(acl);

	put_le(p, ACL_XATTR_VERSION, 4);
	p += ACL_XATTR_HDR;
	for (unsigned i = 0; i < acl->a_count; i++, p += ACL_XATTR_ENT) {
		const struct acl_entry *e = &acl->a_ent[i];
		bool named = e->ae_tag == ACL_USER_ || e->ae_tag == ACL_GROUP_;

		put_le(p, e->ae_tag, 2);
		put_le(p + 2, entry_perm(e, access, mask, mode), 2);
		put_le(p + 4, named ? e->ae_id : ACL_UNDEFINED_ID_, 4);
	}
}

int
acl_valid(const struct acl *acl)
{
	/* Where the walk is: the next entry may be the tag named, or one
	 * that may follow it; DONE after OTHER. */
	enum { S_UOBJ, S_USER, S_GROUP, S_OTHER, S_DONE } state = S_UOBJ;
	bool needmask = false;

	for (unsigned i = 0; i < acl->a_count; i++) {
		const struct acl_entry *e = &acl->a_ent[i];

		if (e->ae_perm & ~(ACL_READ_ | ACL_WRITE_ | ACL_EXECUTE_))
			return EINVAL;
		switch (e->ae_tag) {
		case ACL_USER_OBJ_:
			if (state != S_UOBJ)
				return EINVAL;
			state = S_USER;
			break;
		case ACL_USER_:
			if (state != S_USER)
				return EINVAL;
			needmask = true;
			break;
		case ACL_GROUP_OBJ_:
			if (state != S_USER)
				return EINVAL;
			state = S_GROUP;
			break;
		case ACL_GROUP_:
			if (state != S_GROUP)
				return EINVAL;
			needmask = true;
			break;
		case ACL_MASK_:
			if (state != S_GROUP)
				return EINVAL;
			state = S_OTHER;
			break;
		case ACL_OTHER_:
			if (state != S_OTHER &&
			    !(state == S_GROUP && !needmask))
				return EINVAL;
			state = S_DONE;
			break;
		default:
			return EINVAL;
		}
	}
	return state == S_DONE ? 0 : EINVAL;
}

bool
acl_equiv_mode(const struct acl *acl, mode_t *modep)
{
	mode_t mode = 0;
	bool notequiv = false;

	for (unsigned i = 0; i < acl->a_count; i++) {
		const struct acl_entry *e = &acl->a_ent[i];
		mode_t perm = e->ae_perm & 7;

		switch (e->ae_tag) {
		case ACL_USER_OBJ_:
			mode |= perm << 6;
			break;
		case ACL_GROUP_OBJ_:
			mode |= perm << 3;
			break;
		case ACL_OTHER_:
			mode |= perm;
			break;
		case ACL_MASK_:
			mode = (mode & ~(mode_t)070) | perm << 3;
			notequiv = true;
			break;
		default:
			notequiv = true;
			break;
		}
	}
	*modep = (*modep & ~(mode_t)0777) | mode;
	return notequiv;
}

/* The permissions an entry grants once the mask (if any, after it)
 * bounds them. */
static unsigned
masked(const struct acl *acl, unsigned i, unsigned perm, mode_t mode)
{
	for (unsigned j = i + 1; j < acl->a_count; j++)
		if (acl->a_ent[j].ae_tag == ACL_MASK_)
			return perm & ((mode >> 3) & 7);
	return perm;
}

int
acl_permission(const struct acl *acl, mode_t mode, gid_t gid, int want,
	       const struct kauth_cred *cr)
{
	bool mask = has_mask(acl), found = false;
	unsigned perm;

	want &= 7;
	for (unsigned i = 0; i < acl->a_count; i++) {
		const struct acl_entry *e = &acl->a_ent[i];

		perm = entry_perm(e, true, mask, mode);
		switch (e->ae_tag) {
		case ACL_USER_:
			if (e->ae_id == cr->cr_fsuid)
				return (masked(acl, i, perm, mode) & want) ==
						       (unsigned)want
					       ? 0
					       : EACCES;
			break;
		case ACL_GROUP_OBJ_:
		case ACL_GROUP_:
			if (!(e->ae_tag == ACL_GROUP_OBJ_
				      ? (cr->cr_fsgid == gid ||
					 cred_supplementary(cr, gid))
				      : (cr->cr_fsgid == e->ae_id ||
					 cred_supplementary(cr, e->ae_id))))
				break;
			found = true;
			if ((perm & want) == (unsigned)want)
				return (masked(acl, i, perm, mode) & want) ==
						       (unsigned)want
					       ? 0
					       : EACCES;
			break;
		case ACL_OTHER_:
			if (found)
				return EACCES;
			return (perm & want) == (unsigned)want ? 0 : EACCES;
		default:
			/* USER_OBJ: the owner was decided on the mode;
			 * MASK: read where it applies. */
			break;
		}
	}
	return EACCES;
}

int
acl_create(const struct acl *dacl, mode_t *modep, struct acl **accp)
{
	struct acl_entry *gobj = NULL, *mobj = NULL;
	mode_t mode = *modep;
	bool notequiv = false;
	struct acl *acl;

	*accp = NULL;
	if ((acl = acl_alloc(dacl->a_count)) == NULL)
		return ENOMEM;
	memcpy(acl->a_ent, dacl->a_ent, dacl->a_count * sizeof(acl->a_ent[0]));
	for (unsigned i = 0; i < acl->a_count; i++) {
		struct acl_entry *e = &acl->a_ent[i];

		switch (e->ae_tag) {
		case ACL_USER_OBJ_:
			e->ae_perm &= (mode >> 6) & 7;
			mode &= ((mode_t)e->ae_perm << 6) | ~(mode_t)0700;
			break;
		case ACL_GROUP_OBJ_:
			gobj = e;
			break;
		case ACL_MASK_:
			mobj = e;
			notequiv = true;
			break;
		case ACL_OTHER_:
			e->ae_perm &= mode & 7;
			mode &= (mode_t)e->ae_perm | ~(mode_t)07;
			break;
		default:
			notequiv = true;
			break;
		}
	}
	if (mobj == NULL)
		mobj = gobj;
	if (mobj != NULL) {
		mobj->ae_perm &= (mode >> 3) & 7;
		mode &= ((mode_t)mobj->ae_perm << 3) | ~(mode_t)070;
	}
	*modep = (*modep & ~(mode_t)0777) | (mode & 0777);
	if (notequiv)
		*accp = acl;
	else
		acl_rele(acl);
	return 0;
}
