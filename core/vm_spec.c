/*
 * The rules of vm.create and vm.edit (vm_spec.h).  Each rule is a check
 * that sets the error code and message and returns -errno; create and edit
 * run them in a fixed order, so the first problem of a request is the one
 * reported.  A file must lie inside a pool or an allowed path, reached
 * without a symlink (vm_files.h); an image is then the same image under
 * any spelling of its path (hard links, "//" and "/./" included), because
 * identity is the device and inode croftd's descriptor gives.
 *
 * The real side effects (struct vm_spec_sys for croftd) are at the end.
 */
#include "core/vm_spec.h"
#include "core/vm_clone.h"
#include "core/balloon_policy.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/pool.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_files.h"
#include "common/cloudinit.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define SYS(env, fn, ...) ((env)->sys->fn((env)->ctx, __VA_ARGS__))

/* A file the VM uses: absolute, inside a pool or an allowed path (no
 * symlink below it), a regular file or an allowed block device
 * (vm_files.h).  A file outside every pool gets the same answer whether
 * it exists or not. */
static int check_file(const struct vm_spec_env *env, const char *what, const char *path,
		      struct stat *st, const char **code, char *err, size_t errlen)
{
	struct stat sb;
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (path[0] != '/') {
		err_set(err, errlen, "%s path '%s' must be absolute", what, path);
		return -EINVAL;
	}
	if ((rc = SYS(env, locate, path, st ? st : &sb)) < 0) {
		*code = vm_file_error(rc, what, path, err, errlen);
		return rc;
	}
	return 0;
}

static int check_boot(const char *boot, int has_cdrom, size_t ndisks, int has_kernel,
		      char *err, size_t errlen)
{
	char buf[64], *tok, *save = NULL;
	int seen_disk = 0, seen_cd = 0;

	if (!*boot || strlen(boot) >= sizeof(buf)) {
		err_set(err, errlen, "boot order '%s' is not valid; use disk, cdrom, cdrom,disk or disk,cdrom", boot);
		return -EINVAL;
	}
	strcpy(buf, boot);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int *seen = !strcmp(tok, "disk") ? &seen_disk : !strcmp(tok, "cdrom") ? &seen_cd : NULL;

		if (!seen) {
			err_set(err, errlen, "boot device '%s' is unknown; use disk and/or cdrom", tok);
			return -EINVAL;
		}
		if (*seen) {
			err_set(err, errlen, "boot device '%s' is listed twice", tok);
			return -EINVAL;
		}
		*seen = 1;
	}
	if (seen_cd && !has_cdrom) {
		err_set(err, errlen, "boot order '%s' names cdrom but the VM has no cdrom image", boot);
		return -EINVAL;
	}
	if (seen_disk && !ndisks && !has_kernel) {
		err_set(err, errlen, "boot order '%s' names disk but the VM has no disk (give it a disk, or boot from a cdrom or a kernel)",
			boot);
		return -EINVAL;
	}
	return 0;
}

static int check_display(const char *display, char *err, size_t errlen)
{
	if (strcmp(display, "none") && strcmp(display, "std") && strcmp(display, "virtio")) {
		err_set(err, errlen, "display '%s' is unknown; use none, std or virtio", display);
		return -EINVAL;
	}
	return 0;
}

static int check_firmware(const struct vm_spec_env *env, const char *fw, char *err, size_t errlen)
{
	if (strcmp(fw, "bios") && strcmp(fw, "uefi")) {
		err_set(err, errlen, "firmware '%s' is unknown; use bios or uefi", fw);
		return -EINVAL;
	}
	if (!strcmp(fw, "uefi") && !env->sys->ovmf_present(env->ctx)) {
		err_set(err, errlen, "firmware uefi needs OVMF, which is not installed (package ovmf)");
		return -ENOENT;
	}
	return 0;
}

static int check_host_fit(const struct vm_spec_env *env, uint64_t vcpus, uint64_t memory_mib,
			  char *err, size_t errlen)
{
	unsigned cpus = env->sys->host_cpus(env->ctx);
	struct host_mem hm;

	if (vcpus > cpus) {
		err_set(err, errlen, "vcpus (%llu) exceeds the host's %u CPUs",
			(unsigned long long)vcpus, cpus);
		return -EINVAL;
	}
	if (SYS(env, host_meminfo, &hm) == 0 && memory_mib > hm.total_kib / 1024) {
		char a[32], b[32];

		err_set(err, errlen, "memory (%s) exceeds the host's total memory (%s)",
			size_format(memory_mib << 20, a, sizeof(a)),
			size_format(hm.total_kib << 10, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

/* Memory and its floor as given (the floor already defaulted). */
static int check_memory(long long mem, long long memmin, char *err, size_t errlen)
{
	if (mem <= 0) {
		err_set(err, errlen, "memory must be a positive number of MiB");
		return -EINVAL;
	}
	if (memmin < 0) {
		err_set(err, errlen, "memory-min must not be negative");
		return -EINVAL;
	}
	return memory_check((uint64_t)mem, (uint64_t)memmin, err, errlen);
}

static int check_direct_boot(const struct vm_spec_env *env, const char *kernel,
			     const char *initrd, const char *append,
			     const char **code, char *err, size_t errlen)
{
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (!kernel && (initrd || append)) {
		err_set(err, errlen, "%s needs a kernel (--kernel)", initrd ? "initrd" : "append");
		return -EINVAL;
	}
	if (kernel && (rc = check_file(env, "kernel", kernel, NULL, code, err, errlen)) < 0)
		return rc;
	if (initrd && (rc = check_file(env, "initrd", initrd, NULL, code, err, errlen)) < 0)
		return rc;
	return 0;
}

/* Two paths name the same image when they are the same file. */
static int same_file(const struct vm_spec_env *env, const char *path, const struct stat *sb)
{
	struct stat sa;

	return SYS(env, stat, path, &sa) == 0 && sa.st_dev == sb->st_dev && sa.st_ino == sb->st_ino;
}

/* The VM that already has this image, or NULL. */
static const char *disk_owner(const struct vm_spec_env *env, const struct stat *st)
{
	const struct store_vm *vm;
	void *it = NULL;
	size_t i;

	while ((vm = env->sys->vm_next(env->ctx, &it)))
		for (i = 0; i < vm->ndisks; i++)
			if (same_file(env, vm->disks[i].path, st))
				return vm->name;
	return NULL;
}

static int vm_exists(const struct vm_spec_env *env, const char *name)
{
	const struct store_vm *vm;
	void *it = NULL;

	while ((vm = env->sys->vm_next(env->ctx, &it)))
		if (!strcmp(vm->name, name))
			return 1;
	return 0;
}

/* --- vm.create ------------------------------------------------------------ */

static int check_name(const struct vm_spec_env *env, const char *name,
		      const char **code, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	size_t need;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (name_check("VM", name, err, errlen) < 0)
		return -EINVAL;
	if (vm_exists(env, name)) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "a VM named '%s' already exists", name);
		return -EEXIST;
	}
	need = strlen(env->run_dir) + strlen("/vm/") + strlen(name) + strlen("/serial.sock");
	if (need >= sizeof(sa.sun_path)) {
		err_set(err, errlen, "VM name '%s' is too long for this run directory (%s): its sockets would exceed %zu bytes",
			name, env->run_dir, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Everything but the disks, in the order a user would fix them. */
static int create_settings(const struct vm_spec_env *env, const struct vm_spec_create *req,
			   struct store_vm *out, const char **code, char *err, size_t errlen)
{
	long long memmin = req->has_memory_min ? req->memory_min_mib : req->memory_mib;
	const char *fw = req->firmware ? req->firmware : "bios";
	const char *boot = req->boot;
	int rc;

	if ((rc = check_name(env, req->name, code, err, errlen)) < 0)
		return rc;
	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = vcpus_check(req->vcpus, err, errlen)) < 0 ||
	    (rc = check_memory(req->memory_mib, memmin, err, errlen)) < 0 ||
	    (rc = check_host_fit(env, (uint64_t)req->vcpus, (uint64_t)req->memory_mib, err, errlen)) < 0 ||
	    (rc = check_firmware(env, fw, err, errlen)) < 0 ||
	    (rc = check_display(req->display ? req->display : "std", err, errlen)) < 0)
		return rc;
	if (req->cdrom && (rc = check_file(env, "cdrom image", req->cdrom, NULL, code, err, errlen)) < 0)
		return rc;
	if (!boot)
		boot = !req->cdrom ? "disk" : req->ndisks ? "cdrom,disk" : "cdrom";
	if ((rc = check_direct_boot(env, req->kernel, req->initrd, req->append, code, err, errlen)) < 0)
		return rc;
	if ((rc = check_boot(boot, req->cdrom != NULL, req->ndisks, req->kernel != NULL, err, errlen)) < 0)
		return rc;
	if (req->ndisks > VM_SPEC_DISKS_MAX) {
		err_set(err, errlen, "a VM can have at most %d disks, not %zu", VM_SPEC_DISKS_MAX,
			req->ndisks);
		return -E2BIG;
	}
	out->name = xstrdup(req->name);
	out->vcpus = (uint32_t)req->vcpus;
	out->memory_mib = (uint64_t)req->memory_mib;
	out->memory_min_mib = (uint64_t)memmin;
	out->firmware = xstrdup(fw);
	out->boot = xstrdup(boot);
	out->cdrom = xstrdup_or_null(req->cdrom);
	out->kernel = xstrdup_or_null(req->kernel);
	out->initrd = xstrdup_or_null(req->initrd);
	out->append = xstrdup_or_null(req->append);
	out->agent = req->has_agent ? !!req->agent : 1;
	out->display = xstrdup(req->display ? req->display : "std");
	if (req->cloud_init) {
		out->cloud_init = xstrdup(req->cloud_init);
		out->cloud_init_gen = 1;
	}
	out->tags = xstrdup_or_null(req->tags);
	return 0;
}

static int plan_new_disk(const struct vm_spec_env *env, const char *name, size_t i,
			 const struct vm_spec_disk_req *dr, struct store_disk *sd,
			 const char **code, char *err, size_t errlen)
{
	const char *format = dr->format ? dr->format : "qcow2";
	struct stat st;
	int rc;

	*code = PROTO_E_INVALID_ARGUMENT;
	if (strcmp(format, "qcow2") && strcmp(format, "raw")) {
		err_set(err, errlen, "disk format '%s' is unknown; a new disk is qcow2 (thin) or raw (preallocated)",
			format);
		return -EINVAL;
	}
	if ((rc = disk_size_check(dr->size_bytes, err, errlen)) < 0)
		return rc;
	sd->size_bytes = dr->size_bytes;
	sd->path = xasprintf("%s/%s-disk%zu.%s", env->pool_dir, name, i, format);
	sd->format = xstrdup(format);
	sd->owned = 1;
	if (SYS(env, stat, sd->path, &st) == 0) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "disk image %s already exists in the pool (left by a VM deleted with --keep-disks?); attach it with --disk PATH or remove it",
			sd->path);
		return -EEXIST;
	}
	return 0;
}

/* An existing image: by its normalised path, once per VM, on no other VM. */
static int plan_attached_disk(const struct vm_spec_env *env, const struct store_vm *vm,
			      size_t i, const char *given, const char **code,
			      char *err, size_t errlen)
{
	struct store_disk *sd = &vm->disks[i];
	struct pool_image_info info;
	char real[PATH_MAX];
	const char *owner;
	struct stat st;
	size_t k;
	int rc;

	if ((rc = check_file(env, "disk image", given, &st, code, err, errlen)) < 0)
		return rc;
	if ((rc = pools_path_normalize(given, real, err, errlen)) < 0)
		return rc;
	sd->path = xstrdup(real);
	for (k = 0; k < i; k++) {
		if (same_file(env, vm->disks[k].path, &st)) {
			err_set(err, errlen, "disk image %s is given twice", sd->path);
			return -EINVAL;
		}
	}
	if ((owner = disk_owner(env, &st))) {
		*code = PROTO_E_INVALID_STATE;
		err_set(err, errlen, "disk image %s is already attached to VM '%s'", sd->path, owner);
		return -EBUSY;
	}
	if ((rc = SYS(env, image_info, sd->path, &info, err, errlen)) < 0) {
		/* -EPERM: the image names a file of its own (backing, data file) */
		*code = rc == -EPERM ? PROTO_E_PERMISSION : PROTO_E_INVALID_ARGUMENT;
		return rc;
	}
	sd->format = xstrdup(info.format);
	sd->size_bytes = info.virtual_size;
	return 0;
}

int vm_spec_create(const struct vm_spec_env *env, const struct vm_spec_create *req,
		   struct store_vm *out, const char **code, char *err, size_t errlen)
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = create_settings(env, req, out, code, err, errlen)) < 0)
		goto fail;
	out->disks = xcalloc(req->ndisks + 1, sizeof(*out->disks));
	out->ndisks = req->ndisks;
	for (i = 0; i < req->ndisks; i++) {
		const struct vm_spec_disk_req *dr = &req->disks[i];

		out->disks[i].idx = (uint32_t)i;
		rc = dr->path ? plan_attached_disk(env, out, i, dr->path, code, err, errlen)
			      : plan_new_disk(env, req->name, i, dr, &out->disks[i], code, err, errlen);
		if (rc < 0)
			goto fail;
		out->disks[i].scsi = dr->scsi;
	}
	return 0;
fail:
	store_vm_clear(out);
	return rc;
}

/* --- vm.edit ---------------------------------------------------------------- */

#define FIELD(key, bit, type, member) \
	{ key, bit, type, offsetof(struct vm_spec_edit, member) }

const struct vm_spec_field vm_spec_edit_fields[] = {
	FIELD("vcpus",          VM_SPEC_VCPUS,      1, vcpus),
	FIELD("memory_mib",     VM_SPEC_MEMORY,     1, memory_mib),
	FIELD("memory_min_mib", VM_SPEC_MEMORY_MIN, 1, memory_min_mib),
	FIELD("cdrom",          VM_SPEC_CDROM,      0, cdrom),
	FIELD("boot",           VM_SPEC_BOOT,       0, boot),
	FIELD("firmware",       VM_SPEC_FIRMWARE,   0, firmware),
	FIELD("kernel",         VM_SPEC_KERNEL,     0, kernel),
	FIELD("initrd",         VM_SPEC_INITRD,     0, initrd),
	FIELD("append",         VM_SPEC_APPEND,     0, append),
	FIELD("memory_shares",  VM_SPEC_SHARES,     1, memory_shares),
	FIELD("ksm",            VM_SPEC_KSM,        0, ksm),
	FIELD("agent",          VM_SPEC_AGENT,      2, agent),
	FIELD("display",        VM_SPEC_DISPLAY,    0, display),
	FIELD("cloud_init",     VM_SPEC_CLOUD_INIT, 3, cloud_init),
	FIELD("tags",           VM_SPEC_TAGS,       4, tags),
	{ NULL, 0, 0, 0 },
};

#define EDIT_LIVE (VM_SPEC_MEMORY | VM_SPEC_MEMORY_MIN | VM_SPEC_SHARES | VM_SPEC_CLOUD_INIT | \
		   VM_SPEC_TAGS)

static int check_live_keys(const struct store_vm *cur, const char *live_state, unsigned set,
			   char *err, size_t errlen)
{
	const struct vm_spec_field *f;

	for (f = vm_spec_edit_fields; f->key; f++) {
		if ((set & f->bit) && !(f->bit & EDIT_LIVE)) {
			err_set(err, errlen, "VM '%s' is %s; stop it to change %s (only memory changes live)",
				cur->name, live_state, f->key);
			return -EBUSY;
		}
	}
	return 0;
}

/* An optional file: NULL or "" takes it away. */
static void edit_str(char **dst, unsigned set, unsigned bit, const char *v)
{
	if (!(set & bit))
		return;
	free(*dst);
	*dst = v && *v ? xstrdup(v) : NULL;
}

static int edit_sizes(const struct vm_spec_env *env, const struct store_vm *cur,
		      const struct vm_spec_edit *req, int live, struct store_vm *next,
		      char *err, size_t errlen)
{
	long long mem = (req->set & VM_SPEC_MEMORY) ? req->memory_mib : (long long)cur->memory_mib;
	long long memmin = (long long)cur->memory_min_mib;
	int rc;

	if (live && (req->set & VM_SPEC_MEMORY)) {
		/* a balloon target (edit_live_memory): in range, the rest stays */
		if ((rc = check_memory(mem, 0, err, errlen)) < 0)
			return rc;
		mem = (long long)cur->memory_mib;
	}

	if (req->set & VM_SPEC_VCPUS) {
		if ((rc = vcpus_check(req->vcpus, err, errlen)) < 0)
			return rc;
		next->vcpus = (uint32_t)req->vcpus;
	}
	if (req->set & VM_SPEC_MEMORY_MIN)
		memmin = req->memory_min_mib;
	else if (!live && (req->set & VM_SPEC_MEMORY) && cur->memory_min_mib == cur->memory_mib)
		memmin = mem;        /* a floor that was simply "all of it" follows */
	if ((rc = check_memory(mem, memmin, err, errlen)) < 0)
		return rc;
	next->memory_mib = (uint64_t)mem;
	next->memory_min_mib = (uint64_t)memmin;
	return check_host_fit(env, next->vcpus, next->memory_mib, err, errlen);
}

/* The balloon policy's settings: shares (live too) and KSM (at start). */
static int edit_balloon(const struct vm_spec_edit *req, struct store_vm *next,
			char *err, size_t errlen)
{
	if (req->set & VM_SPEC_SHARES) {
		if (req->memory_shares < BP_SHARES_MIN || req->memory_shares > BP_SHARES_MAX) {
			err_set(err, errlen, "memory-shares must be between %d and %d, not %lld",
				BP_SHARES_MIN, BP_SHARES_MAX, req->memory_shares);
			return -EINVAL;
		}
		next->memory_shares = (uint32_t)req->memory_shares;
	}
	if (req->set & VM_SPEC_KSM) {
		if (!req->ksm || (strcmp(req->ksm, "on") && strcmp(req->ksm, "off"))) {
			err_set(err, errlen, "ksm must be on or off, not '%s'", req->ksm ? req->ksm : "");
			return -EINVAL;
		}
		next->ksm_off = !strcmp(req->ksm, "off");
	}
	return 0;
}

/* New settings (or none) are a new generation, unless they are the same. */
static void edit_cloud_init(const struct vm_spec_edit *req, struct store_vm *next)
{
	char *text;

	if (!(req->set & VM_SPEC_CLOUD_INIT))
		return;
	text = req->cloud_init ? cloudinit_to_text(req->cloud_init) : NULL;
	if (!text == !next->cloud_init && (!text || !strcmp(text, next->cloud_init))) {
		free(text);
		return;
	}
	free(next->cloud_init);
	next->cloud_init = text;
	next->cloud_init_gen++;
}

static void edit_strings(const struct vm_spec_edit *req, struct store_vm *next)
{
	edit_str(&next->cdrom, req->set, VM_SPEC_CDROM, req->cdrom);
	edit_str(&next->kernel, req->set, VM_SPEC_KERNEL, req->kernel);
	edit_str(&next->initrd, req->set, VM_SPEC_INITRD, req->initrd);
	edit_str(&next->append, req->set, VM_SPEC_APPEND, req->append);
	edit_str(&next->tags, req->set, VM_SPEC_TAGS, req->tags);
	if (req->set & VM_SPEC_AGENT)
		next->agent = req->agent ? 1 : 0;
	if (req->set & VM_SPEC_DISPLAY) {
		free(next->display);
		next->display = xstrdup(req->display);
	}
	if (req->set & VM_SPEC_FIRMWARE) {
		free(next->firmware);
		next->firmware = xstrdup(req->firmware);
	}
	if (req->set & VM_SPEC_BOOT) {
		free(next->boot);
		next->boot = xstrdup(req->boot);
	} else if (!next->cdrom && strstr(next->boot, "cdrom")) {
		free(next->boot);
		next->boot = xstrdup("disk");     /* ejecting the CD drops it */
	}
}

/* A running VM's memory moves through the balloon: the new size is the
 * balloon's target, anywhere up to the configured maximum QEMU started
 * with; the configured memory and its floor stay (a floor may be set
 * live: it is configuration only). */
static int edit_live_memory(const struct store_vm *cur, const struct vm_spec_edit *req,
			    struct vm_spec_edit_plan *out, char *err, size_t errlen)
{
	char a[32], b[32];

	if (!(req->set & VM_SPEC_MEMORY))
		return 0;
	if ((uint64_t)req->memory_mib > cur->memory_mib) {
		err_set(err, errlen, "VM '%s' is running with at most %s; it can grow live up to that, not to %s (stop it to raise the maximum)",
			cur->name, size_format(cur->memory_mib << 20, a, sizeof(a)),
			size_format((uint64_t)req->memory_mib << 20, b, sizeof(b)));
		return -EBUSY;
	}
	out->next.memory_mib = cur->memory_mib;
	if (!(req->set & VM_SPEC_MEMORY_MIN))
		out->next.memory_min_mib = cur->memory_min_mib;
	out->balloon = 1;
	out->balloon_mib = (uint64_t)req->memory_mib;
	return 0;
}

int vm_spec_edit(const struct vm_spec_env *env, const struct store_vm *cur,
		 const char *live_state, const struct vm_spec_edit *req,
		 struct vm_spec_edit_plan *out, const char **code, char *err, size_t errlen)
{
	struct store_vm *next = &out->next;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = vm_template_refuse(cur, "edited", code, err, errlen)) < 0)
		return rc;
	*code = PROTO_E_INVALID_STATE;
	if (live_state && (rc = check_live_keys(cur, live_state, req->set, err, errlen)) < 0)
		return rc;
	store_vm_copy(next, cur);
	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = edit_sizes(env, cur, req, live_state != NULL, next, err, errlen)) < 0 ||
	    (rc = edit_balloon(req, next, err, errlen)) < 0)
		goto fail;
	edit_strings(req, next);
	edit_cloud_init(req, next);
	if ((rc = check_firmware(env, next->firmware, err, errlen)) < 0 ||
	    (rc = check_display(next->display ? next->display : "std", err, errlen)) < 0 ||
	    (rc = check_boot(next->boot, next->cdrom != NULL, next->ndisks, next->kernel != NULL,
			     err, errlen)) < 0)
		goto fail;
	if ((req->set & VM_SPEC_CDROM) && next->cdrom &&
	    (rc = check_file(env, "cdrom image", next->cdrom, NULL, code, err, errlen)) < 0)
		goto fail;
	if ((rc = check_direct_boot(env, next->kernel, next->initrd, next->append, code,
				    err, errlen)) < 0)
		goto fail;
	out->uefi_vars = !strcmp(next->firmware, "uefi") && strcmp(cur->firmware, "uefi");
	*code = PROTO_E_INVALID_STATE;
	if (live_state && (rc = edit_live_memory(cur, req, out, err, errlen)) < 0)
		goto fail;
	return 0;
fail:
	vm_spec_edit_plan_clear(out);
	return rc;
}

void vm_spec_edit_plan_clear(struct vm_spec_edit_plan *p)
{
	store_vm_clear(&p->next);
	memset(p, 0, sizeof(*p));
}

/* --- croftd's side effects ------------------------------------------------------ */

static int sys_stat(void *ctx, const char *path, struct stat *st)
{
	(void)ctx;
	return stat(path, st) < 0 ? -errno : 0;
}

static int sys_locate(void *ctx, const char *path, struct stat *st)
{
	const struct croftd *d = ((const struct vm_spec_daemon *)ctx)->d;
	struct vm_file f;
	int rc = vm_file_open(d->pools, path, 0, &f);

	if (rc == 0)
		*st = f.st;
	vm_file_close(&f);
	return rc;
}

/* What qemu-img said of path when the caller read it beforehand. */
static int sys_image_info(void *ctx, const char *path, struct pool_image_info *info,
			  char *err, size_t errlen)
{
	const struct vm_spec_daemon *sd = ctx;
	const struct vm_spec_image *im = sd->images;
	size_t i;

	for (i = 0; i < sd->nimages; i++) {
		if (strcmp(im[i].path, path))
			continue;
		if (im[i].rc < 0) {
			err_set(err, errlen, "%s", im[i].err);
			return im[i].rc;
		}
		*info = im[i].info;
		return 0;
	}
	err_set(err, errlen, "disk image %s was not read with qemu-img before the check", path);
	return -EIO;
}

static unsigned sys_host_cpus(void *ctx)
{
	(void)ctx;
	return host_cpus();
}

static int sys_host_meminfo(void *ctx, struct host_mem *m)
{
	(void)ctx;
	return host_meminfo(m);
}

static int sys_ovmf_present(void *ctx)
{
	const struct croftd *d = ((const struct vm_spec_daemon *)ctx)->d;

	return d->ovmf_code && d->ovmf_vars;
}

static const struct store_vm *sys_vm_next(void *ctx, void **it)
{
	struct croftd *d = ((struct vm_spec_daemon *)ctx)->d;
	struct vm *vm = *it ? ((struct vm *)*it)->next : d->vms;

	while (vm && vm->deleted)
		vm = vm->next;
	*it = vm;
	return vm ? &vm->spec : NULL;
}

static const struct vm_spec_sys sys_daemon = {
	.stat = sys_stat,
	.locate = sys_locate,
	.image_info = sys_image_info,
	.host_cpus = sys_host_cpus,
	.host_meminfo = sys_host_meminfo,
	.ovmf_present = sys_ovmf_present,
	.vm_next = sys_vm_next,
};

void vm_spec_env_daemon(struct vm_spec_env *env, struct vm_spec_daemon *ctx, struct croftd *d,
			const struct vm_spec_image *images, size_t nimages)
{
	ctx->d = d;
	ctx->images = images;
	ctx->nimages = nimages;
	env->sys = &sys_daemon;
	env->ctx = ctx;
	env->pool_dir = d->pool_dir;
	env->run_dir = d->run_dir;
}
