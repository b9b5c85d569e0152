/*
 * acl.h: POSIX access control lists as Linux keeps them (its
 * fs/posix_acl.c semantics, our own code): the kernel's form of an ACL,
 * the xattr value form user space reads and writes
 * (system.posix_acl_access, system.posix_acl_default), and the rules:
 * what a valid ACL is, when one says no more than the mode, how an
 * access decision is made, what a new file inherits.
 *
 * An ACL is an immutable array of entries with a reference count:
 * whoever keeps one (a file system, for a node) hands out held
 * references, readers drop them with acl_rele.  Nothing here locks.
 *
 * The mode is the truth for three entries of an access ACL: USER_OBJ
 * is the owner bits, MASK (or GROUP_OBJ when there is no MASK) the
 * group bits, OTHER the other bits.  A kept access ACL's own values of
 * those entries are never read: every reader passes the current mode
 * (acl_to_xattr, acl_permission), so that chmod needs to touch no ACL
 * (Linux's posix_acl_chmod gives the same entries).  A default ACL is
 * kept and read as it was set.
 */
#ifndef RUMP_KERN_ACL_H
#define RUMP_KERN_ACL_H

#include "kernel.h"

struct kauth_cred;

/* Tags and permissions (Linux's values, also the xattr format's). */
#define ACL_USER_OBJ_ 0x01
#define ACL_USER_ 0x02
#define ACL_GROUP_OBJ_ 0x04
#define ACL_GROUP_ 0x08
#define ACL_MASK_ 0x10
#define ACL_OTHER_ 0x20
#define ACL_READ_ 0x04
#define ACL_WRITE_ 0x02
#define ACL_EXECUTE_ 0x01
#define ACL_UNDEFINED_ID_ 0xffffffffu

/* The two ACLs of a node. */
#define ACL_TYPE_ACCESS_ 0
#define ACL_TYPE_DEFAULT_ 1

/* The xattr names and the value's layout: a little-endian 32-bit
 * version (2), then 8-byte entries (le16 tag, le16 perm, le32 id). */
#define ACL_XATTR_ACCESS "system.posix_acl_access"
#define ACL_XATTR_DEFAULT "system.posix_acl_default"
#define ACL_XATTR_VERSION 2
#define ACL_XATTR_HDR 4
#define ACL_XATTR_ENT 8

struct acl_entry {
	uint16_t ae_tag;
	uint16_t ae_perm;
	uint32_t ae_id; /* ACL_USER_, ACL_GROUP_: the uid or gid */
};

struct acl {
	unsigned a_refs; /* atomic */
	unsigned a_count;
	struct acl_entry a_ent[];
};

/* A new ACL of `count' entries (uninitialised) with one reference;
 * NULL for ENOMEM. */
struct acl *acl_alloc(unsigned count);
/* Another reference (acl may be NULL: returns NULL). */
struct acl *acl_hold(struct acl *acl);
/* Drop a reference (acl may be NULL); the last frees. */
void acl_rele(struct acl *acl);

/* Which ACL an xattr name is: ACL_TYPE_ACCESS_, ACL_TYPE_DEFAULT_, or
 * -1 for a name that is no ACL's. */
int acl_xattr_type(const char *name);

/*
 * An xattr value as an ACL (Linux's posix_acl_from_xattr): *aclp gets
 * a new ACL, or NULL for no entries (a value of size 0 or a bare
 * header: the ACL is removed).  EINVAL: shorter than the header, not a
 * whole number of entries, an unknown tag, a named entry with the
 * undefined id; EOPNOTSUPP: another version; ENOMEM.  Nothing else is
 * checked here (acl_valid).
 */
int acl_from_xattr(const void *val, size_t size, struct acl **aclp);
/* The size of acl's xattr value. */
size_t acl_xattr_size(const struct acl *acl);
/* Write it into buf (acl_xattr_size bytes).  `access': an access ACL,
 * whose USER_OBJ, MASK (or GROUP_OBJ) and OTHER come from `mode'.  The
 * ids of entries that are no named user or group read as undefined. */
void acl_to_xattr(const struct acl *acl, bool access, mode_t mode, void *buf);

/*
 * Linux's posix_acl_valid: USER_OBJ, USERs, GROUP_OBJ, GROUPs, MASK,
 * OTHER in that order, exactly one of each *_OBJ and OTHER, at most one
 * MASK and one whenever there is a named entry, permissions within
 * rwx.  Named entries need not be sorted and may repeat an id (Linux
 * accepts both).  0 or EINVAL.
 */
int acl_valid(const struct acl *acl);

/*
 * Whether acl says more than a mode (Linux's posix_acl_equiv_mode):
 * returns true when it has a MASK or named entries; *modep's 0777 bits
 * become the ones acl gives (the MASK standing for the group's).
 */
bool acl_equiv_mode(const struct acl *acl, mode_t *modep);

/*
 * The access decision for a caller that is not the owner (Linux's
 * posix_acl_permission; the owner is decided on the mode before): a
 * named user entry matching the fsuid, else the owning group and named
 * groups the caller is in (one granting all of `want' suffices), all
 * bounded by the mask, else other.  `mode' gives the entries the mode
 * stands for (above), gid is the file's group.  0 or EACCES.
 */
int acl_permission(const struct acl *acl, mode_t mode, gid_t gid, int want,
		   const struct kauth_cred *cr);

/*
 * A new node in a directory with default ACL `dacl' (Linux's
 * posix_acl_create with posix_acl_create_masq): the requested mode
 * *modep and the ACL bound each other, and no umask is applied.  *modep
 * gets the resulting 0777 bits; *accp the node's access ACL, or NULL
 * when it would say no more than the mode.  0 or ENOMEM.
 */
int acl_create(const struct acl *dacl, mode_t *modep, struct acl **accp);

#endif /* RUMP_KERN_ACL_H */
