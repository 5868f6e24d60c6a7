/*
 * The per-VM QEMU uids (vm_uid.h): reading the reserved range, handing out
 * slots through the store, and the startup check that the QEMU users can
 * reach what they must.
 */
#include "core/vm_uid.h"
#include "core/daemon.h"
#include "core/job_exec.h"
#include "core/vm.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- the range ------------------------------------------------------------ */

static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	unsigned long long v = 0;
	size_t i;

	if (!n || n > 10)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int vm_uid_subid_parse(const char *text, const char *user, uid_t id, uint32_t *start,
		       uint32_t *count)
{
	char idstr[16];
	const char *line = text;

	snprintf(idstr, sizeof(idstr), "%u", (unsigned)id);
	while (line && *line) {
		const char *end = strchr(line, '\n'), *c1, *c2;
		size_t len = end ? (size_t)(end - line) : strlen(line);
		uint32_t s, n;

		c1 = memchr(line, ':', len);
		c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2 && ((user && (size_t)(c1 - line) == strlen(user) &&
			    !strncmp(line, user, (size_t)(c1 - line))) ||
			   ((size_t)(c1 - line) == strlen(idstr) &&
			    !strncmp(line, idstr, (size_t)(c1 - line)))) &&
		    parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &s) == 0 &&
		    parse_u32(c2 + 1, len - (size_t)(c2 + 1 - line), &n) == 0 && n > 0 &&
		    (uint64_t)s + n - 1 <= UINT32_MAX - 1 && s > 0) {
			*start = s;
			*count = n;
			return 0;
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

static int read_text(const char *path, char **out)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		r = -errno;
	else {
		buf[n] = '\0';
		*out = xstrdup(buf);
	}
	close(fd);
	return r;
}

int vm_uid_range_load(struct croftd *d, const char *subuid, const char *subgid,
		      const char *user, uid_t uid, char *err, size_t errlen)
{
	const char *paths[2] = { subuid, subgid };
	uint32_t start[2], count[2];
	char *text = NULL;
	int i, r;

	for (i = 0; i < 2; i++) {
		r = read_text(paths[i], &text);
		if (r == 0) {
			r = vm_uid_subid_parse(text, user, uid, &start[i], &count[i]);
			free(text);
			text = NULL;
		}
		if (r < 0) {
			err_set(err, errlen, "%s has no range for user %s, from which each VM's QEMU "
				"gets its own %s; create it with installer/setup-host.sh",
				paths[i], user, i ? "gid" : "uid");
			return -ENOENT;
		}
		if (start[i] < 65536) {
			err_set(err, errlen, "the range %u-%u of user %s in %s overlaps ordinary users; "
				"give it ids above 65535 (installer/setup-host.sh)", start[i],
				start[i] + count[i] - 1, user, paths[i]);
			return -EINVAL;
		}
	}
	d->vm_uid_base = (uid_t)start[0];
	d->vm_gid_base = (gid_t)start[1];
	d->vm_id_count = count[0] < count[1] ? count[0] : count[1];
	if (d->vm_id_count > VM_UID_SLOTS_MAX)
		d->vm_id_count = VM_UID_SLOTS_MAX;
	return 0;
}

/* --- slots ------------------------------------------------------------------ */

int vm_uid_assign(struct vm *vm, char *err, size_t errlen)
{
	struct croftd *d = vm->d;
	int64_t slot = -1, n = d->vm_id_count ? d->vm_id_count : VM_UID_SLOTS_MAX;
	int r;

	if (store_vm_uid_slot_get(d->store, vm->spec.id, &slot) == 0 && slot >= 0 && slot < n) {
		vm->uid_slot = slot;
		return 0;
	}
	r = store_vm_uid_slot_alloc(d->store, vm->spec.id, n, &slot, err, errlen);
	if (r < 0)
		return r;
	if (slot >= n) {
		/* The range shrank under a VM that had a slot beyond it. */
		err_set(err, errlen, "VM '%s' holds uid slot %lld, outside the %lld uids reserved "
			"for QEMU now; widen the range in /etc/subuid and /etc/subgid",
			vm->spec.name, (long long)slot, (long long)n);
		return -ERANGE;
	}
	vm->uid_slot = slot;
	return 0;
}

uid_t vm_uid_of(const struct vm *vm)
{
	if (!vm->d->drop_privs)
		return geteuid();
	if (vm->uid_slot < 0)
		return (uid_t)-1;
	return vm->d->vm_uid_base + (uid_t)vm->uid_slot;
}

gid_t vm_gid_of(const struct vm *vm)
{
	if (!vm->d->drop_privs)
		return getegid();
	if (vm->uid_slot < 0)
		return (gid_t)-1;
	return vm->d->vm_gid_base + (gid_t)vm->uid_slot;
}

void vm_uid_creds(const struct vm *vm, struct job_exec_creds *out)
{
	*out = (struct job_exec_creds){
		.uid = vm_uid_of(vm), .gid = vm_gid_of(vm),
		.groups = vm->d->vm_groups, .ngroups = (size_t)vm->d->vm_ngroups,
	};
}

void vm_uid_user(const struct vm *vm, char *buf, size_t len)
{
	if (!vm->d->drop_privs)
		snprintf(buf, len, "%s", vm->d->qemu_user);
	else
		snprintf(buf, len, "%s:%lld (uid %u)", VM_UID_RANGE_USER, (long long)vm->uid_slot,
			 (unsigned)vm_uid_of(vm));
}

/* --- reach ----------------------------------------------------------------- */

static int in_groups(gid_t g, gid_t gid, const gid_t *groups, size_t n)
{
	size_t i;

	if (g == gid)
		return 1;
	for (i = 0; i < n; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* The permission bits (r=4, w=2, x=1) st grants this user. */
static int granted(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, size_t n)
{
	if (uid == 0)
		return 7;
	if (st->st_uid == uid)
		return (st->st_mode >> 6) & 7;
	if (in_groups(st->st_gid, gid, groups, n))
		return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

int vm_uid_can_reach(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
		     size_t ngroups, int need, char *err, size_t errlen)
{
	char real[PATH_MAX], *p;
	struct stat st;
	int want;

	if (!realpath(path, real)) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	/* Every directory above the last component needs search (x). */
	for (p = real + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (stat(real, &st) < 0) {
			err_set(err, errlen, "%s: %s", real, strerror(errno));
			return -errno;
		}
		want = c == '\0' ? ((need & R_OK ? 4 : 0) | (need & W_OK ? 2 : 0) |
				    (S_ISDIR(st.st_mode) && !need ? 1 : 0))
				 : 1;
		if ((granted(&st, uid, gid, groups, ngroups) & want) != want) {
			err_set(err, errlen, "%s (mode %04o, owner %u:%u)", real,
				(unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
				(unsigned)st.st_gid);
			return -EACCES;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

void vm_uid_check_access(struct croftd *d)
{
	const char *dirs[][2] = { { d->run_dir, "run" }, { d->state_dir, "state" } };
	char why[400] = "";
	uid_t uid = d->vm_uid_base;
	gid_t gid = d->vm_gid_base;
	unsigned last = (unsigned)(uid + d->vm_id_count - 1);
	size_t i;

	d->qemu_access[0] = '\0';
	if (!d->drop_privs)
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !d->qemu_access[0]; i++)
		if (vm_uid_can_reach(dirs[i][0], uid, gid, d->vm_groups, (size_t)d->vm_ngroups, 0,
				     why, sizeof(why)) < 0)
			snprintf(d->qemu_access, sizeof(d->qemu_access),
				 "the QEMU users (uids %u-%u) cannot reach the %s directory: %s",
				 (unsigned)uid, last, dirs[i][1], why);
	if (!d->qemu_access[0] && strcmp(d->accel.setting, "tcg") &&
	    access("/dev/kvm", F_OK) == 0 &&
	    vm_uid_can_reach("/dev/kvm", uid, gid, d->vm_groups, (size_t)d->vm_ngroups,
			     R_OK | W_OK, why, sizeof(why)) < 0)
		snprintf(d->qemu_access, sizeof(d->qemu_access),
			 "the QEMU users (uids %u-%u) cannot open /dev/kvm: %s; run installer/setup-host.sh",
			 (unsigned)uid, last, why);
	if (d->qemu_access[0])
		log_warn("%s", d->qemu_access);
}
