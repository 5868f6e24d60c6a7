/*
 * Each VM's QEMU runs as a uid and gid of its own, so one compromised QEMU
 * can open nothing of another VM's (files, sockets, taps).  The uids come
 * from a range croftd reserves: the first /etc/subuid and /etc/subgid
 * entries of the user croft-qemu (installer/setup-host.sh writes them).  A
 * VM holds one slot of the range, given at define time and kept in the
 * store (host-local, freed with the VM): its uid is the range's start plus
 * the slot, its gid likewise, and its only supplementary group is the group
 * of /dev/kvm when that group may open it.  No passwd entries are needed.
 *
 * When croftd does not run as root (a development run) every QEMU runs as
 * croftd's own user, as before; slots are still given so the store is the
 * same either way.
 */
#ifndef CROFT_VM_UID_H
#define CROFT_VM_UID_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct croftd;
struct vm;
struct job_exec_creds;

#define VM_UID_RANGE_USER "croft-qemu"
#define VM_UID_SLOTS_MAX 65536          /* more of a range is not used */

/* The first "user:start:count" line of a subordinate-id file (subuid(5))
 * that names user or its numeric id.  0 with *start and *count set, or
 * -ENOENT (no such line; malformed lines are skipped). */
int vm_uid_subid_parse(const char *text, const char *user, uid_t id, uint32_t *start,
		       uint32_t *count);

/* Read the range for user (uid) from subuid and subgid (paths) into
 * d->vm_uid_base, vm_gid_base and vm_id_count.  0, or -ENOENT/-EINVAL with
 * err saying how to set it up. */
int vm_uid_range_load(struct croftd *d, const char *subuid, const char *subgid,
		      const char *user, uid_t uid, char *err, size_t errlen);

/* Give vm a slot (from the store, or a new one).  0 or -errno with err set
 * (-ENOSPC: the range is full). */
int vm_uid_assign(struct vm *vm, char *err, size_t errlen);

/* The uid and gid vm's QEMU runs as: its slot's, or croftd's own without
 * root (and (uid_t)-1 for a VM that has no slot). */
uid_t vm_uid_of(const struct vm *vm);
gid_t vm_gid_of(const struct vm *vm);
/* vm's credentials for job_exec (groups point into d). */
void vm_uid_creds(const struct vm *vm, struct job_exec_creds *out);
/* "croft-qemu:SLOT (uid N)" or croftd's user name, for messages. */
void vm_uid_user(const struct vm *vm, char *buf, size_t len);

/* Can uid (gid, groups) reach path: search every directory on the way and,
 * when need is nonzero, access the last component with need (R_OK|W_OK)?
 * Decided from the modes and owners (stat), not by asking as that user.
 * 0, or -EACCES with err naming the first component that stops it. */
int vm_uid_can_reach(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
		     size_t ngroups, int need, char *err, size_t errlen);

/* At startup: can the QEMU users reach the run directory and, when KVM is
 * wanted, /dev/kvm?  Fills d->qemu_access ("" when they can) and logs. */
void vm_uid_check_access(struct croftd *d);

#endif
