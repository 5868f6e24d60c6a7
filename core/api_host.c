/*
 * host.* ops: what the host is and how guests are accelerated.  Changing
 * "accel" re-probes /dev/kvm, stores the setting and applies to the next
 * guest started.  "allow_path" and "disallow_path" change which host paths
 * outside the pools VMs may use (pools.h); only root may.  So is
 * "ram-snapshot-fast" root's (vm_uffd.h: whether QEMUs started from now on
 * hold /dev/userfaultfd).
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/balloon.h"
#include "core/daemon.h"
#include "core/host.h"
#include "core/model.h"
#include "core/pools.h"
#include "core/metrics_http.h"
#include "core/monitor.h"
#include "core/vm.h"
#include "core/vm_uffd.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *pools_json(const struct pools *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < pools_count(p); i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "name", pools_name(p, i),
						   "dir", pools_dir(p, i)));
	return a;
}

static json_t *allowed_json(const struct pools *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < pools_allowed_count(p); i++)
		json_array_append_new(a, json_string(pools_allowed(p, i)));
	return a;
}

/* From the model's last host sample: no /proc. */
static json_t *host_json(struct croftd *d)
{
	static const struct model_host none;
	const struct model_host *h = d->model ? &d->model->host : &none;
	const struct host_mem hm = h->mem;
	char hostname[256] = "";
	int total = 0, running = 0, vcpus_running = 0;
	struct vm *vm;
	json_t *o;

	gethostname(hostname, sizeof(hostname) - 1);
	for (vm = d->vms; vm; vm = vm->next) {
		if (vm->deleted)
			continue;
		total++;
		if (vm->pid > 0) {
			running++;
			vcpus_running += (int)vm->spec.vcpus;
		}
	}
	o = json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,"
			 "s:{s:s,s:s,s:s,s:s,s:b},s:{s:s,s:s},s:s,s:s,s:s,s:i,s:i}",
			 "hostname", hostname, "version", CROFT_VERSION,
			 "cpus", (int)(h->cpus ? h->cpus : 1),
			 "memory_total_mib", (json_int_t)(hm.total_kib / 1024),
			 "memory_available_mib", (json_int_t)(hm.available_kib / 1024),
			 "swap_total_mib", (json_int_t)(hm.swap_total_kib / 1024),
			 "swap_free_mib", (json_int_t)(hm.swap_free_kib / 1024),
			 "accel", "setting", d->accel.setting, "source", d->accel.source,
			 "effective", d->accel.effective, "reason", d->accel.reason,
			 "usable", d->accel.usable,
			 "qemu", "binary", d->qemu_binary, "version", d->qemu_version,
			 "qemu_user", d->qemu_user, "state_dir", d->state_dir, "run_dir", d->run_dir,
			 "vms_total", total, "vms_running", running);
	json_object_set_new(o, "vcpus_running", json_integer(vcpus_running));
	json_object_set_new(o, "pools", pools_json(d->pools));
	json_object_set_new(o, "allowed_paths", allowed_json(d->pools));
	/* Each VM's QEMU uid (vm_uid.h), and what those users cannot reach. */
	if (d->drop_privs)
		json_object_set_new(o, "qemu_uids", json_pack("{s:I,s:I}", "first",
				    (json_int_t)d->vm_uid_base, "count", (json_int_t)d->vm_id_count));
	json_object_set_new(o, "qemu_access", d->qemu_access[0] ? json_string(d->qemu_access)
								 : json_null());
	json_object_set_new(o, "ram_snapshot_fast", json_pack("{s:s,s:b,s:o}", "setting",
			    vm_uffd_setting_on(d) ? "on" : "off", "device",
			    access(VM_UFFD_DEVICE, F_OK) == 0, "library", vm_uffd_shim()
			    ? json_string(vm_uffd_shim()) : json_null()));
	json_object_set_new(o, "cpu_busy_jiffies", json_integer((json_int_t)h->cpu_busy));
	json_object_set_new(o, "cpu_total_jiffies", json_integer((json_int_t)h->cpu_total));
	return o;
}

static void op_host_info(struct api_req *r, json_t *args)
{
	(void)args;
	api_req_ok(r, host_json(api_req_daemon(r)));
}

/* allow-path / disallow-path: only root (or croftd's own user when it
 * does not run as root), never a croft-group member.  The list is saved
 * before it is used, and restored when the store refuses. */
static void set_allowed(struct api_req *r, const char *path, int allow)
{
	struct croftd *d = api_req_daemon(r);
	int64_t uid = api_req_uid(r);
	char err[PATH_MAX + 128], *text;
	int rc;

	if (uid != 0 && uid != (int64_t)geteuid()) {
		api_req_err(r, PROTO_E_PERMISSION, "only root can %s host paths (croft host set %s)",
			    allow ? "allow" : "disallow", allow ? "allow-path" : "disallow-path");
		return;
	}
	rc = allow ? pools_allow(d->pools, path, err, sizeof(err))
		   : pools_disallow(d->pools, path, err, sizeof(err));
	if (rc < 0) {
		api_req_err(r, rc == -ENOENT ? PROTO_E_NOT_FOUND : rc == -EEXIST
			    ? PROTO_E_ALREADY_EXISTS : PROTO_E_INVALID_ARGUMENT, "%s", err);
		return;
	}
	text = pools_allowed_text(d->pools);
	rc = store_setting_set(d->store, POOLS_SETTING, text);
	free(text);
	if (rc < 0) {
		if (allow)
			pools_disallow(d->pools, path, err, sizeof(err));
		else
			pools_allow(d->pools, path, err, sizeof(err));
		api_req_err(r, PROTO_E_IO, "cannot save the allowed paths");
		return;
	}
	log_info("host: %s %s", allow ? "allowed" : "disallowed", path);
	api_req_ok(r, host_json(d));
}

/* The monitor's settings (monitor.h): checked, stored, applied. */
static void host_set_monitor(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	char err[256], *old = NULL;
	const char *key;
	int monitor_keys = 0;
	json_t *v;

	/* Where root's croftd listens is root's choice alone: a member could
	 * otherwise open the metrics to the LAN or take a privileged port. */
	if (json_object_get(args, "metrics-listen") && api_req_uid(r) != 0 &&
	    api_req_uid(r) != (int64_t)geteuid()) {
		api_req_err(r, PROTO_E_PERMISSION,
			    "only root can change where metrics are served (croft host set metrics-listen)");
		return;
	}
	/* Which processes get userfaultfd is root's choice, as the sysctl is. */
	if (json_object_get(args, VM_UFFD_SETTING) && api_req_uid(r) != 0 &&
	    api_req_uid(r) != (int64_t)geteuid()) {
		api_req_err(r, PROTO_E_PERMISSION, "only root can change whether QEMU gets "
			    "/dev/userfaultfd (croft host set %s)", VM_UFFD_SETTING);
		return;
	}
	json_object_foreach(args, key, v) {
		int rc = monitor_setting_check(key, json_string_value(v), err, sizeof(err));

		monitor_keys += rc > 0;
		if (rc == 0)
			rc = balloon_setting_check(d, key, json_string_value(v), err, sizeof(err));
		if (rc == 0)
			rc = vm_uffd_setting_check(key, json_string_value(v), err, sizeof(err));
		if (rc < 0) {
			api_req_err(r, PROTO_E_INVALID_ARGUMENT, "%s", err);
			return;
		}
	}
	if (json_object_get(args, "metrics-listen") &&
	    store_setting_get(d->store, "metrics-listen", &old) < 0)
		old = NULL;
	json_object_foreach(args, key, v) {
		if (store_setting_set(d->store, key, json_string_value(v)) < 0) {
			api_req_err(r, PROTO_E_IO, "cannot save the %s setting", key);
			return;
		}
		log_info("host: %s set to %s", key, json_string_value(v));
	}
	balloon_reconfigure(d);
	/* the balloon's settings alone leave /metrics as it is */
	if (monitor_keys && monitor_reconfigure(d, err, sizeof(err)) < 0) {
		char again[256];

		/* the address cannot be served: back to the one that was */
		store_setting_set(d->store, "metrics-listen", old ? old : METRICS_LISTEN_DEFAULT);
		if (monitor_reconfigure(d, again, sizeof(again)) < 0)
			log_warn("metrics: %s", again);
		api_req_err(r, PROTO_E_IO, "%s; metrics-listen stays %s", err,
			    old ? old : METRICS_LISTEN_DEFAULT);
		free(old);
		return;
	}
	free(old);
	api_req_ok(r, host_json(d));
}

static void op_host_set(struct api_req *r, json_t *args)
{
	struct croftd *d = api_req_daemon(r);
	const char *accel = json_string_value(json_object_get(args, "accel"));
	const char *allow = json_string_value(json_object_get(args, "allow_path"));
	const char *disallow = json_string_value(json_object_get(args, "disallow_path"));

	if (allow || disallow) {
		if (accel || json_object_size(args) != 1) {
			api_req_err(r, PROTO_E_INVALID_ARGUMENT, "host.set changes one host path at a time");
			return;
		}
		set_allowed(r, allow ? allow : disallow, allow != NULL);
		return;
	}
	if (!accel && json_object_size(args)) {
		host_set_monitor(r, args);
		return;
	}
	if (!accel || json_object_size(args) != 1) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "host.set needs a setting to change "
			    "(accel, allow_path, disallow_path, %s, balloon, memory-budget, memory-reserve, "
			    "balloon-interval-ms, ksm, %s)", monitor_setting_names(), VM_UFFD_SETTING);
		return;
	}
	if (!accel_valid(accel)) {
		api_req_err(r, PROTO_E_INVALID_ARGUMENT, "accel '%s' is not one of auto, kvm, tcg", accel);
		return;
	}
	if (store_setting_set(d->store, "accel", accel) < 0) {
		api_req_err(r, PROTO_E_IO, "cannot save the accel setting");
		return;
	}
	croftd_accel_refresh(d);
	log_info("host: accel set to %s (%s)", accel, d->accel.reason);
	api_req_ok(r, host_json(d));
}

static void op_host_stats(struct api_req *r, json_t *args)
{
	const char *range = json_string_value(json_object_get(args, "history"));
	const char *code = PROTO_E_INTERNAL;
	char err[256];
	json_t *res = monitor_host_json(api_req_daemon(r), range, &code, err, sizeof(err));

	if (!res)
		api_req_err(r, code, "%s", err);
	else
		api_req_ok(r, res);
}

static void op_host_memory(struct api_req *r, json_t *args)
{
	(void)args;
	api_req_ok(r, balloon_host_json(api_req_daemon(r)));
}

static void op_metrics_get(struct api_req *r, json_t *args)
{
	char *text = monitor_metrics_text(api_req_daemon(r));

	(void)args;
	api_req_ok(r, json_pack("{s:s}", "text", text));
	free(text);
}

static const struct api_arg args_host_set[] = {
	{ "accel", ARG_STRING, 0 }, { "allow_path", ARG_STRING, 0 },
	{ "disallow_path", ARG_STRING, 0 },
	{ "metrics-listen", ARG_STRING, 0 },
	{ "alert-ready-warn-pct", ARG_STRING, 0 },
	{ "alert-ready-crit-pct", ARG_STRING, 0 },
	{ "alert-ready-window-s", ARG_STRING, 0 },
	{ "alert-swap-pages-per-s", ARG_STRING, 0 },
	{ "alert-swap-window-s", ARG_STRING, 0 },
	{ "alert-pressure-pct", ARG_STRING, 0 },
	{ "alert-pressure-window-s", ARG_STRING, 0 },
	{ "alert-latency-factor", ARG_STRING, 0 },
	{ "alert-latency-min-ms", ARG_STRING, 0 },
	{ "alert-latency-window-s", ARG_STRING, 0 },
	{ "balloon", ARG_STRING, 0 },
	{ "memory-budget", ARG_STRING, 0 },
	{ "memory-reserve", ARG_STRING, 0 },
	{ "balloon-interval-ms", ARG_STRING, 0 },
	{ "ksm", ARG_STRING, 0 },
	{ VM_UFFD_SETTING, ARG_STRING, 0 },
	{ NULL, 0, 0 } };
static const struct api_arg args_host_stats[] = {
	{ "history", ARG_STRING, 0 }, { NULL, 0, 0 } };

const struct api_op api_host_ops[] = {
	{ "host.info", op_host_info, api_args_none, API_OP_READ },
	{ "host.set",  op_host_set,  args_host_set, 0 },
	{ "host.stats", op_host_stats, args_host_stats, API_OP_READ },
	{ "host.memory", op_host_memory, api_args_none, API_OP_READ },
	{ "metrics.get", op_metrics_get, api_args_none, API_OP_READ },
	{ NULL, NULL, NULL, 0 },
};
