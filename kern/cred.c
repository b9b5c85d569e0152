/* cred.c: reference-counted, copy-on-write credentials (cred.h). */
#include "cred.h"

static struct kauth_cred *
cred_new(int ngroups)
{
	struct kauth_cred *cr = kmem_zalloc(sizeof(*cr));

	if (cr == NULL)
		return NULL;
	if (ngroups > 0) {
		cr->cr_groups = kmem_alloc(sizeof(gid_t) * (size_t)ngroups);
		if (cr->cr_groups == NULL) {
			kmem_free(cr, sizeof(*cr));
			return NULL;
		}
	}
	cr->cr_ngroups = ngroups;
	cr->cr_refcnt = 1;
	return cr;
}

struct kauth_cred *
cred_alloc_root(void)
{
	return cred_new(0);
}

struct kauth_cred *
cred_dup(const struct kauth_cred *cr, int ngroups)
{
	struct kauth_cred *n;

	n = cred_new(ngroups < 0 ? cr->cr_ngroups : ngroups);
	if (n == NULL)
		return NULL;
	n->cr_uid = cr->cr_uid;
	n->cr_euid = cr->cr_euid;
	n->cr_suid = cr->cr_suid;
	n->cr_fsuid = cr->cr_fsuid;
	n->cr_gid = cr->cr_gid;
	n->cr_egid = cr->cr_egid;
	n->cr_sgid = cr->cr_sgid;
	n->cr_fsgid = cr->cr_fsgid;
	if (ngroups < 0 && cr->cr_ngroups > 0)
		memcpy(n->cr_groups, cr->cr_groups,
		       sizeof(gid_t) * (size_t)cr->cr_ngroups);
	return n;
}

void
cred_hold(struct kauth_cred *cr)
{
	atomic_inc(&cr->cr_refcnt);
}

void
cred_free(struct kauth_cred *cr)
{
	if (atomic_dec(&cr->cr_refcnt) != 0)
		return;
	if (cr->cr_ngroups > 0)
		kmem_free(cr->cr_groups,
			  sizeof(gid_t) * (size_t)cr->cr_ngroups);
	kmem_free(cr, sizeof(*cr));
}

bool
cred_groupmember(const struct kauth_cred *cr, gid_t gid)
{
	return cr->cr_egid == gid || cred_supplementary(cr, gid);
}

bool
cred_supplementary(const struct kauth_cred *cr, gid_t gid)
{
	int lo = 0, hi = cr->cr_ngroups - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (cr->cr_groups[mid] == gid)
			return true;
		if (cr->cr_groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}
