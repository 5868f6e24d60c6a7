/*
 * The "backup.restore" job (backup.h): a VM again from a backup.
 *
 * Each image is copied by qemu-img convert (as the QEMU user, its source
 * pinned as a qcow2 without backing) into a new volume of the target pool
 * (the backup's source pool unless --pool), "<name>-disk<i>.qcow2", each
 * recorded first so a failure leaves nothing.  Then the VM is defined from
 * the stored definition with those volumes as its disks (owned), its UEFI
 * variable store is the backup's, and its NICs are added again on the
 * networks of the same names: with the same MACs and uuid when it is
 * restored under its own name, with new ones under another (--as).
 *
 * Over an existing VM (its own name, stopped, --force): the new volumes
 * are made beside its disks first ("<name>-disk<i>-<stamp>.qcow2"); when
 * all exist, the old VM's rows are swapped for the restored one's in one
 * store transaction (vm_define_replace), and only then are the old VM's
 * files and disks removed.  Any failure before leaves the old VM as it
 * was (the job removes the new volumes).
 */
#include "core/backup.h"
#include "core/vm_busy.h"
#include "core/backup_internal.h"
#include "core/api_ops.h"
#include "core/bus.h"
#include "core/daemon.h"
#include "core/job_disk.h"
#include "core/job_exec.h"
#include "core/net.h"
#include "core/pools.h"
#include "core/vm.h"
#include "core/vm_clone.h"
#include "core/vm_cloudinit.h"
#include "core/vm_create.h"
#include "core/vm_define.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/validate.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "store/store_backup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* --- the VM ---------------------------------------------------------------------------- */

/* The VM being restored over, now replaced by spec (taken) in one store
 * transaction (vm_define_replace); only then its own disks go.  On a
 * failure it is as it was. */
static int replace_old(struct job *j, struct vm *old, struct store_vm *spec, struct vm **out,
		       char *err, size_t errlen)
{
	struct croftd *d = job_daemon(j);
	struct store_vm was;
	const char *code;
	json_t *net = api_net_vm_deleting(d, old);
	size_t i;
	int rc;

	if ((rc = vm_define_replace(d, old, spec, &was, out, &code, err, errlen)) < 0) {
		json_decref(net);
		return rc;
	}
	for (i = 0; i < was.ndisks; i++)
		if (was.disks[i].owned && unlink(was.disks[i].path) < 0 && errno != ENOENT)
			log_warn("VM %s: cannot remove %s: %s", was.name, was.disks[i].path,
				 strerror(errno));
	api_net_vm_deleted(d, net);
	json_decref(net);
	log_info("VM %s: replaced by the restore of a backup", was.name);
	store_vm_clear(&was);
	return 0;
}

static void nic_added(void *data, const char *code, const char *msg,
		      const struct net_nic_result *res)
{
	(void)data;
	(void)res;
	if (code)
		log_warn("restore: NIC not added: %s", msg);
}

/* The NICs the definition lists, on the networks of those names; the
 * names of networks that are gone into skipped. */
static void add_nics(struct job *j, struct vm *vm, json_t *skipped)
{
	struct croftd *d = job_daemon(j);
	int new_macs = json_is_true(json_object_get(job_args(j), "new_macs"));
	const json_t *nics = json_object_get(json_object_get(job_args(j), "config"), "nics"), *n;
	struct net_env env;
	const char *code;
	char err[512];
	size_t i;

	net_env_daemon(&env, d);
	json_array_foreach(nics, i, n) {
		const char *netname = backup_dstr(n, "network");
		struct store_net net;
		long long vlan = json_integer_value(json_object_get(n, "vlan"));
		long long rate = json_integer_value(json_object_get(n, "rate_mbit"));
		struct net_nic_add_req req = {
			.vm = vm, .net = &net, .mac = new_macs ? NULL : backup_dstr(n, "mac"),
			.has_vlan = vlan != 0, .vlan = vlan, .has_rate = rate != 0, .rate = rate,
		};

		if (!netname || store_net_get(d->store, netname, &net) < 0) {
			json_array_append_new(skipped, json_string(netname ? netname : "?"));
			continue;
		}
		if (net_nic_add(&env, &req, nic_added, NULL, &code, err, sizeof(err)) < 0) {
			log_warn("VM %s: NIC on %s not restored: %s", vm->spec.name, netname, err);
			json_array_append_new(skipped, json_string(netname));
		}
		store_net_clear(&net);
	}
	if (json_array_size(nics))
		bus_publish(d->bus, "vm.changed", vm->spec.name, BUS_QUIET, json_pack("{s:s}", "name",
			    vm->spec.name), "VM %s: NICs changed", vm->spec.name);
}

static void define_restored(struct job *j)
{
	struct croftd *d = job_daemon(j);
	json_t *a = job_args(j), *skipped = json_array();
	const char *vars = backup_dstr(a, "vars"), *code;
	struct store_vm spec;
	struct vm *vm, *old;
	char err[1024], *path;
	size_t i;

	if (backup_config_spec(json_object_get(a, "config"), &spec, err, sizeof(err)) < 0)
		goto fail;
	free(spec.name);
	spec.name = xstrdup(job_target(j));
	free(spec.uuid);
	spec.uuid = xstrdup(backup_dstr(a, "uuid"));
	for (i = 0; i < spec.ndisks && i < backup_ndisks(j); i++) {
		free(spec.disks[i].path);
		free(spec.disks[i].format);
		spec.disks[i].path = xstrdup(backup_dstr(backup_disk_at(j, i), "path"));
		spec.disks[i].format = xstrdup("qcow2");
		spec.disks[i].owned = 1;
	}
	old = json_is_true(json_object_get(a, "over")) ? vm_find(d, job_target(j)) : NULL;
	if (old ? replace_old(j, old, &spec, &vm, err, sizeof(err)) < 0
		: vm_define_create(d, &spec, &vm, &code, err, sizeof(err)) < 0)
		goto fail;
	if (vars && access(vars, F_OK) == 0) {
		path = vm_state_path(d, vm->spec.name, "OVMF_VARS.fd");
		unlink(path);
		if (backup_file_copy(vars, path, err, sizeof(err)) < 0)
			log_warn("VM %s: the backup's UEFI variables not restored: %s",
				 vm->spec.name, err);
		free(path);
	}
	add_nics(j, vm, skipped);
	log_info("VM %s: restored from backup %lld", vm->spec.name,
		 (long long)json_integer_value(json_object_get(a, "backup")));
	job_set_result(j, json_pack("{s:s,s:s,s:O,s:o}", "name", vm->spec.name, "uuid",
				    vm->spec.uuid, "backup", json_object_get(a, "backup"),
				    "networks_missing", skipped));
	job_done(j);
	return;
fail:
	json_decref(skipped);
	job_fail(j, "%s", err);
}

static int restore_start(struct job *j, char *err, size_t errlen)
{
	struct backup_run *run = job_priv(j);
	const json_t *dk;
	size_t i;

	(void)err;
	(void)errlen;
	run->tmp_fd = -1;
	run->dir_fd = -1;
	json_array_foreach(json_object_get(job_args(j), "disks"), i, dk)
		run->total += (uint64_t)json_integer_value(json_object_get(dk, "alloc"));
	job_progress(j, 0, run->total);
	backup_convert_all(j, define_restored);
	return 0;
}

/* Done when the VM in the store is the restored one: its uuid and, since
 * a VM restored over keeps its uuid, its first disk the job's. */
static enum job_recover restore_recover(struct job *j, char *why, size_t whylen)
{
	const char *first = backup_dstr(backup_disk_at(j, 0), "path");
	struct store_vm have = { 0 };
	int other;

	(void)why;
	(void)whylen;
	other = job_target(j) && store_vm_get(job_daemon(j)->store, job_target(j), &have) == 0 &&
		have.ndisks && first && strcmp(have.disks[0].path, first);
	store_vm_clear(&have);
	return other ? JOB_RECOVER_FAIL : vm_define_recover(j, backup_dstr(job_args(j), "uuid"));
}

const struct job_kind backup_restore_kind = {
	.name = "backup.restore",
	.priv_size = sizeof(struct backup_run),
	.start = restore_start,
	.recover = restore_recover,
};

/* --- queueing ------------------------------------------------------------------------ */

/* Who may the restored VM be: as (new, free) or the backup's own name
 * (free, or a stopped VM with force). *over: it replaces that VM. */
static int name_ok(struct croftd *d, const char *name, int as, int force, int *over,
		   const char **code, char *err, size_t errlen)
{
	struct vm *vm = vm_find(d, name);
	struct job *busy;
	int64_t pending;

	*over = 0;
	*code = PROTO_E_INVALID_ARGUMENT;
	if (name_check("VM", name, err, errlen) < 0)
		return -EINVAL;
	*code = PROTO_E_INVALID_STATE;
	if (vm && vm_busy_check(d, &vm->spec, code, err, errlen) < 0)
		return -EBUSY;
	if (!vm && (busy = job_running_for(d->jobs, name))) {
		*code = PROTO_E_BUSY;
		err_set(err, errlen, "VM '%s' has job %lld (%s) running; wait for it or cancel it",
			name, (long long)job_id(busy), job_kind_name(busy));
		return -EBUSY;
	}
	if ((pending = vm_create_pending(d, name)) || (pending = vm_clone_busy(d, name))) {
		err_set(err, errlen, "a VM named '%s' is being created (job %lld)", name,
			(long long)pending);
		return -EBUSY;
	}
	if (!vm)
		return 0;
	if (as) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "a VM named '%s' already exists; choose another name with --as",
			name);
		return -EEXIST;
	}
	if (vm_is_live(vm)) {
		err_set(err, errlen, "VM '%s' is %s: a backup is never restored over a running VM; "
			"stop it first (and give --force), or restore with --as NEWNAME", name,
			vm_state_name(vm->state));
		return -EBUSY;
	}
	if (!force) {
		*code = PROTO_E_ALREADY_EXISTS;
		err_set(err, errlen, "VM '%s' exists: --force replaces it (and its disks) with the "
			"backup, or restore with --as NEWNAME", name);
		return -EEXIST;
	}
	if (vm->spec.is_template) {
		err_set(err, errlen, "VM '%s' is a template and is not replaced", name);
		return -EPERM;
	}
	*over = 1;
	return 0;
}

/* The new volumes: [{"from","path","alloc","size_bytes"}]. */
static int plan_disks(const struct store_backup *b, const char *name, const char *pdir, int over,
		      json_t **out, uint64_t *need, const char **code, char *err, size_t errlen)
{
	json_t *disks = json_loads(b->disks, 0, NULL), *dk, *plan = json_array();
	char path[PATH_MAX + 64], stamp[32];
	struct stat st, sf;
	size_t i;

	backup_stamp(time(NULL), stamp, sizeof(stamp));
	json_array_foreach(disks, i, dk) {
		const char *from = backup_dstr(dk, "path");

		if (!from || lstat(from, &sf) < 0 || !S_ISREG(sf.st_mode)) {
			*code = PROTO_E_NOT_FOUND;
			err_set(err, errlen, "backup %lld lacks its image %s", (long long)b->id,
				from ? from : "?");
			goto fail;
		}
		if (over)
			snprintf(path, sizeof(path), "%s/%s-disk%zu-%s.qcow2", pdir, name, i, stamp);
		else
			snprintf(path, sizeof(path), "%s/%s-disk%zu.qcow2", pdir, name, i);
		if (lstat(path, &st) == 0) {
			*code = PROTO_E_ALREADY_EXISTS;
			err_set(err, errlen, "volume %s already exists", path);
			goto fail;
		}
		*need += (uint64_t)sf.st_blocks * 512;
		/* the image pinned: a qcow2 without backing */
		json_array_append_new(plan, json_pack("{s:s,s:s,s:s,s:I,s:O,s:{s:s,s:{s:s,s:s},s:n}}",
			"source", from, "from", from, "path", path, "alloc",
			(json_int_t)sf.st_blocks * 512, "size_bytes", json_object_get(dk, "size_bytes"),
			"chain", "driver", "qcow2", "file", "driver", "file", "filename", from,
			"backing"));
	}
	json_decref(disks);
	*out = plan;
	return 0;
fail:
	json_decref(disks);
	json_decref(plan);
	return strcmp(*code, PROTO_E_ALREADY_EXISTS) ? -ENOENT : -EEXIST;
}

int backup_restore(struct croftd *d, int64_t id, const char *as, const char *pool, int force,
		   struct job **out, const char **code, char *err, size_t errlen)
{
	struct store_backup b;
	const char *pname, *pdir, *name, *uuid;
	json_t *config = NULL, *disks = NULL;
	struct statvfs sv;
	uint64_t need = 0;
	char path[PATH_MAX + 64], newuuid[37];
	ssize_t pi;
	int over, rc;

	*code = PROTO_E_NOT_FOUND;
	if ((rc = store_backup_get(d->store, id, &b)) < 0) {
		err_set(err, errlen, "no backup %lld", (long long)id);
		return rc == -ENOENT ? -ENOENT : -EIO;
	}
	name = as ? as : b.vm;
	pname = pool ? pool : b.src_pool;
	if ((rc = name_ok(d, name, as != NULL, force, &over, code, err, errlen)) < 0)
		goto out;
	*code = PROTO_E_NOT_FOUND;
	rc = -ENOENT;
	pi = pname ? pools_index(d->pools, pname) : -1;
	if (pi < 0 || !(pdir = pools_dir_of(d->pools, pname))) {
		err_set(err, errlen, pname ? "no pool named '%s'" : "the backup's source pool is not "
			"known%s; give --pool", pname ? pname : "");
		goto out;
	}
	*code = PROTO_E_INVALID_ARGUMENT;
	rc = -EINVAL;
	if (pools_kind_at(d->pools, (size_t)pi) != POOLS_DISK) {
		err_set(err, errlen, "pool '%s' holds ISOs; restore into an images pool", pname);
		goto out;
	}
	config = json_loads(b.config, 0, NULL);
	if (!json_is_object(config)) {
		*code = PROTO_E_IO;
		err_set(err, errlen, "backup %lld's definition is damaged", (long long)id);
		goto out;
	}
	if ((rc = plan_disks(&b, name, pdir, over, &disks, &need, code, err, errlen)) < 0)
		goto out;
	*code = PROTO_E_INVALID_STATE;
	if (statvfs(pdir, &sv) == 0 &&
	    (rc = backup_room_check(pname, need, (uint64_t)sv.f_bavail * sv.f_frsize,
				    (uint64_t)sv.f_blocks * sv.f_frsize, err, errlen)) < 0)
		goto out;
	uuid = json_string_value(json_object_get(json_object_get(config, "vm"), "uuid"));
	if (as || !uuid || !*uuid) {
		vm_define_uuid(newuuid);
		uuid = newuuid;
	}
	snprintf(path, sizeof(path), "%s/OVMF_VARS.fd", b.dir);
	*code = PROTO_E_IO;
	rc = job_submit(d->jobs, backup_restore_kind.name, name,
			json_pack("{s:I,s:s,s:b,s:b,s:s,s:s*,s:O,s:O}", "backup", (json_int_t)id,
				  "uuid", uuid, "new_macs", as != NULL, "over", over, "pool", pname,
				  "vars", access(path, F_OK) == 0 ? path : NULL, "config", config,
				  "disks", disks),
			NULL, NULL, out, err, errlen);
out:
	json_decref(config);
	json_decref(disks);
	store_backup_clear(&b);
	return rc;
}
