/*
 * cred.h: credentials.  A credential is immutable once published and
 * reference counted: changing a process's ids makes a new one and swaps
 * p_cred under p_lock (copy on write), so a running syscall keeps a
 * consistent view through l_cred.
 */
#ifndef RUMP_KERN_CRED_H
#define RUMP_KERN_CRED_H

#include "kernel.h"

#define NGROUPS_MAX 65536

struct kauth_cred {
	unsigned cr_refcnt; /* atomic */
	uid_t cr_uid, cr_euid, cr_suid, cr_fsuid;
	gid_t cr_gid, cr_egid, cr_sgid, cr_fsgid;
	int cr_ngroups;
	gid_t *cr_groups; /* sorted ascending, as Linux keeps them */
};

/* A root credential (all ids 0, no groups).  NULL when out of memory. */
struct kauth_cred *cred_alloc_root(void);
/* A private copy of `cr' with one reference.  NULL when out of memory;
 * `ngroups' >= 0 sizes the group array for the caller to fill,
 * -1 copies cr's groups. */
struct kauth_cred *cred_dup(const struct kauth_cred *cr, int ngroups);
void cred_hold(struct kauth_cred *cr);
void cred_free(struct kauth_cred *cr); /* drops one reference */
/* Privileged: effective uid 0 (our model of CAP_SETUID and friends). */
static inline bool
cred_privileged(const struct kauth_cred *cr)
{
	return cr->cr_euid == 0;
}
/* The file-system capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_MKNOD): Linux takes
 * them away while the file-system uid is not 0 (even from an effective
 * uid 0) and gives them back when it is 0 again. */
static inline bool
cred_fs_privileged(const struct kauth_cred *cr)
{
	return cr->cr_fsuid == 0;
}
/* Whether gid is the effective gid or one of the supplementary groups. */
bool cred_groupmember(const struct kauth_cred *cr, gid_t gid);
/* Whether gid is one of the supplementary groups (kept sorted). */
bool cred_supplementary(const struct kauth_cred *cr, gid_t gid);

#endif /* RUMP_KERN_CRED_H */
