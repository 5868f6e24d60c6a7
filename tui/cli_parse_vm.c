/*
 * Parsers of the vm commands that take options: create, edit, shutdown
 * and delete.  Each is a named command (cli_parse_named) with its own
 * option table; create and edit share the options that describe the VM.
 * Values are judged by common/validate.c, the same rules and words croftd
 * uses.  The only side effect is realpath(): file arguments are made
 * absolute against the CLI's directory, since croftd runs elsewhere.
 */
#include "tui/cli.h"
#include "tui/cli_cloudinit.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum opt_key {
	OPT_NONE = 0,
	OPT_VCPUS, OPT_MEMORY, OPT_MEMORY_MIN, OPT_DISK, OPT_CDROM, OPT_EJECT,
	OPT_BOOT, OPT_FIRMWARE, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_FORMAT, OPT_AGENT,
	OPT_DISPLAY, OPT_CLOSE, OPT_TEXT, OPT_PORT,
	OPT_TIMEOUT, OPT_FORCE, OPT_KEEP_DISKS, OPT_WAIT, OPT_NO_WAIT, OPT_BYTES, OPT_FOLLOW,
	OPT_SHARES, OPT_KSM, OPT_BUS, OPT_CLOUD_INIT, OPT_TAG,
	OPT_MAX
};

/* Digits only, no sign, no spaces; -EINVAL otherwise. */
static int parse_count(const char *s, long long *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int check_boot(const char *list, char *err, size_t errlen)
{
	static const char *const devices[] = { "cdrom", "disk" };
	const char *p = list;
	unsigned seen = 0;

	if (!*list) {
		err_set(err, errlen, "--boot needs a list such as cdrom,disk");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
			if (strlen(devices[i]) == len && !strncmp(devices[i], p, len))
				break;
		if (i == sizeof(devices) / sizeof(devices[0])) {
			err_set(err, errlen, "--boot: unknown boot device '%.*s'; use cdrom and/or disk",
				(int)len, p);
			return -EINVAL;
		}
		if (seen & (1u << i)) {
			err_set(err, errlen, "--boot: '%s' appears twice", devices[i]);
			return -EINVAL;
		}
		seen |= 1u << i;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p) {
				err_set(err, errlen, "--boot: list '%s' ends with a comma", list);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_firmware(const char *fw, char *err, size_t errlen)
{
	if (strcmp(fw, "bios") && strcmp(fw, "uefi")) {
		err_set(err, errlen, "--firmware must be bios or uefi, not '%s'", fw);
		return -EINVAL;
	}
	return 0;
}

/* POOL/NAME: two valid names around one '/'. */
static int is_volume_ref(const char *val)
{
	json_t *a = json_object();
	char why[256];
	int ok = val[0] != '/' && strchr(val, '/') == strrchr(val, '/') &&
		 cli_vol_ref(val, a, why, sizeof(why)) == 0;

	json_decref(a);
	return ok;
}

static int parse_disk(const char *val, json_t *disks, char *err, size_t errlen)
{
	char why[256];
	uint64_t bytes;
	char *abs;
	int r;

	if (size_looks_like(val)) {
		if (size_parse(val, &bytes, why, sizeof(why)) < 0 ||
		    disk_size_check(bytes, why, sizeof(why)) < 0) {
			err_set(err, errlen, "--disk: %s", why);
			return -EINVAL;
		}
		json_array_append_new(disks, json_pack("{s:I}", "size_bytes", (json_int_t)bytes));
		return 0;
	}
	r = cli_abs_path("disk image", val, &abs, err, errlen);
	if (r == -ENOENT && is_volume_ref(val)) {
		/* no such file here: POOL/NAME names a volume */
		json_array_append_new(disks, json_pack("{s:s}", "volume", val));
		return 0;
	}
	if (r == -ENOENT && !strchr(val, '/'))
		err_set(err, errlen, "disk image '%s' does not exist (for a new disk give a size such as 10G)",
			val);
	if (r < 0)
		return r;
	json_array_append_new(disks, json_pack("{s:s}", "path", abs));
	free(abs);
	return 0;
}

/* Options shared by create and edit that map one-to-one onto an arg. */
static int take_common(int key, const char *opt, const char *val, json_t *a, int edit,
		       char *err, size_t errlen)
{
	static const struct { int key; const char *arg; const char *what; } files[] = {
		{ OPT_CDROM, "cdrom", "cdrom image" },
		{ OPT_KERNEL, "kernel", "kernel" },
		{ OPT_INITRD, "initrd", "initrd" },
	};
	char *abs;
	size_t i;
	int r;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i].key != key)
			continue;
		if (edit && !*val && key != OPT_CDROM)
			return cli_set_once(a, files[i].arg, json_null(), opt, err, errlen);
		r = cli_abs_path(files[i].what, val, &abs, err, errlen);
		if (r < 0)
			return r;
		r = cli_set_once(a, files[i].arg, json_string(abs), opt, err, errlen);
		free(abs);
		return r;
	}
	switch (key) {
	case OPT_BOOT:
		if (check_boot(val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(a, "boot", json_string(val), opt, err, errlen);
	case OPT_FIRMWARE:
		if (check_firmware(val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(a, "firmware", json_string(val), opt, err, errlen);
	case OPT_DISPLAY:
		if (strcmp(val, "none") && strcmp(val, "std") && strcmp(val, "virtio")) {
			err_set(err, errlen, "--display must be none, std or virtio, not '%s'", val);
			return -EINVAL;
		}
		return cli_set_once(a, "display", json_string(val), opt, err, errlen);
	case OPT_AGENT:
		if (strcmp(val, "on") && strcmp(val, "off")) {
			err_set(err, errlen, "--agent must be on or off, not '%s'", val);
			return -EINVAL;
		}
		return cli_set_once(a, "agent", json_boolean(!strcmp(val, "on")), opt, err, errlen);
	case OPT_CLOUD_INIT: {
		json_t *ci;

		if (cli_cloudinit_parse(val, edit, &ci, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(a, "cloud_init", ci, opt, err, errlen);
	}
	case OPT_TAG: {
		/* Several --tag add up; edit replaces the VM's tags, '' clears them. */
		json_t *tags = json_object_get(a, "tags");

		if (!tags)
			json_object_set_new(a, "tags", tags = json_array());
		if (!*val && !edit) {
			err_set(err, errlen, "%s needs a tag", opt);
			return -EINVAL;
		}
		if (*val)
			json_array_append_new(tags, json_string(val));
		return 0;
	}
	case OPT_APPEND:
		return cli_set_once(a, "append", edit && !*val ? json_null() : json_string(val),
				opt, err, errlen);
	case OPT_VCPUS: {
		long long n;

		if (parse_count(val, &n) < 0) {
			err_set(err, errlen, "%s needs a number, got '%s'", opt, val);
			return -EINVAL;
		}
		if (vcpus_check(n, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(a, "vcpus", json_integer(n), opt, err, errlen);
	}
	case OPT_MEMORY:
	case OPT_MEMORY_MIN: {
		uint64_t mib;

		if (cli_parse_mib(opt, val, &mib, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(a, key == OPT_MEMORY ? "memory_mib" : "memory_min_mib",
				json_integer((json_int_t)mib), opt, err, errlen);
	}
	}
	err_set(err, errlen, "%s is not handled", opt);
	return -EINVAL;
}

/* With only --memory-min, check it against the largest memory allowed;
 * croftd checks it against the VM's memory. */
static int check_memory(json_t *a, char *err, size_t errlen)
{
	json_t *mem = json_object_get(a, "memory_mib");
	json_t *min = json_object_get(a, "memory_min_mib");
	uint64_t m, mn;

	if (!mem && !min)
		return 0;
	m = mem ? (uint64_t)json_integer_value(mem) : MEMORY_MAX_MIB;
	mn = min ? (uint64_t)json_integer_value(min) : 0;
	return memory_check(m, mn, err, errlen);
}

static const struct cli_opt create_specs[] = {
	{ "--vcpus", OPT_VCPUS, "a number" },
	{ "--memory", OPT_MEMORY, "a size (e.g. 2G)" },
	{ "--memory-min", OPT_MEMORY_MIN, "a size (e.g. 512M)" },
	{ "--disk", OPT_DISK, "a size (e.g. 20G) or an image path" },
	{ "--format", OPT_FORMAT, "qcow2 or raw" },
	{ "--bus", OPT_BUS, "virtio-blk or virtio-scsi" },
	{ "--cdrom", OPT_CDROM, "an ISO image path" },
	{ "--boot", OPT_BOOT, "a list such as cdrom,disk" },
	{ "--firmware", OPT_FIRMWARE, "bios or uefi" },
	{ "--kernel", OPT_KERNEL, "a kernel image path" },
	{ "--initrd", OPT_INITRD, "an initrd path" },
	{ "--append", OPT_APPEND, "a kernel command line" },
	{ "--agent", OPT_AGENT, "on or off" },
	{ "--display", OPT_DISPLAY, "none, std or virtio" },
	{ "--cloud-init", OPT_CLOUD_INIT, "user=NAME,ssh-key=FILE|KEY,password-hash=HASH,hostname=NAME,network=dhcp|static:A/P:GW[:DNS],user-data=FILE" },
	{ "--tag", OPT_TAG, "a tag (several allowed)" },
	{ "--wait", OPT_WAIT, NULL },
	{ "--no-wait", OPT_NO_WAIT, NULL },
	{ NULL, 0, NULL },
};

/* --format: the format of every new disk (--disk SIZE). */
static int apply_format(const char *format, json_t *disks, char *err, size_t errlen)
{
	size_t i, n = 0;
	json_t *d;

	if (!format)
		return 0;
	if (strcmp(format, "qcow2") && strcmp(format, "raw")) {
		err_set(err, errlen, "--format: '%s' is not qcow2 (thin) or raw (preallocated)", format);
		return -EINVAL;
	}
	json_array_foreach(disks, i, d) {
		if (json_object_get(d, "size_bytes")) {
			json_object_set_new(d, "format", json_string(format));
			n++;
		}
	}
	if (!n) {
		err_set(err, errlen, "--format applies to new disks (--disk SIZE), and there is none");
		return -EINVAL;
	}
	return 0;
}

/* --bus: the bus of every disk. */
static int apply_bus(const char *bus, json_t *disks, char *err, size_t errlen)
{
	size_t i;
	json_t *d;

	if (!bus)
		return 0;
	if (strcmp(bus, "virtio-blk") && strcmp(bus, "virtio-scsi")) {
		err_set(err, errlen, "--bus must be virtio-blk or virtio-scsi, not '%s'", bus);
		return -EINVAL;
	}
	if (!json_array_size(disks)) {
		err_set(err, errlen, "--bus applies to the VM's disks (--disk), and there is none");
		return -EINVAL;
	}
	json_array_foreach(disks, i, d)
		json_object_set_new(d, "bus", json_string(bus));
	return 0;
}

/* What create collects besides args. */
struct create {
	json_t *disks;
	const char *format;
	const char *bus;
};

static int take_create(struct cli_named *n, int key, const char *opt, const char *val,
		       char *err, size_t errlen)
{
	struct create *cr = n->ctx;

	switch (key) {
	case OPT_DISK:
		return parse_disk(val, cr->disks, err, errlen);
	case OPT_FORMAT:
		cr->format = val;
		return 0;
	case OPT_BUS:
		cr->bus = val;
		return 0;
	case OPT_WAIT:
	case OPT_NO_WAIT:
		n->g->no_wait = key == OPT_NO_WAIT;
		return 0;
	}
	return take_common(key, opt, val, n->a, 0, err, errlen);
}

int cli_parse_vm_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = {
		{ "memory_mib", "--memory SIZE (e.g. --memory 1G)" }, { NULL, NULL } };
	struct create cr = { json_array(), NULL, NULL };
	struct cli_named n = { .what = "VM", .key = "name", .opts = create_specs,
			       .need = need, .take = take_create, .ctx = &cr };
	json_t *a;
	int r;

	r = cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
	if (r < 0 || g->help)
		goto done;
	a = *args;
	r = -EINVAL;
	if (!json_object_get(a, "vcpus"))
		json_object_set_new(a, "vcpus", json_integer(1));
	if (check_memory(a, err, errlen) < 0)
		goto fail;
	if (!json_object_get(a, "kernel") &&
	    (json_object_get(a, "initrd") || json_object_get(a, "append"))) {
		err_set(err, errlen, "%s needs --kernel", json_object_get(a, "initrd") ?
			"--initrd" : "--append");
		goto fail;
	}
	if (apply_format(cr.format, cr.disks, err, errlen) < 0 ||
	    apply_bus(cr.bus, cr.disks, err, errlen) < 0)
		goto fail;
	if (json_array_size(cr.disks))
		json_object_set(a, "disks", cr.disks);
	r = 0;
done:
	json_decref(cr.disks);
	return r;
fail:
	json_decref(cr.disks);
	json_decref(*args);
	*args = NULL;
	return r;
}

static const struct cli_opt edit_specs[] = {
	{ "--vcpus", OPT_VCPUS, "a number" },
	{ "--memory", OPT_MEMORY, "a size (e.g. 2G)" },
	{ "--memory-min", OPT_MEMORY_MIN, "a size (e.g. 512M)" },
	{ "--cdrom", OPT_CDROM, "an ISO image path" },
	{ "--eject", OPT_EJECT, NULL },
	{ "--boot", OPT_BOOT, "a list such as cdrom,disk" },
	{ "--firmware", OPT_FIRMWARE, "bios or uefi" },
	{ "--kernel", OPT_KERNEL, "a kernel image path ('' to remove)" },
	{ "--initrd", OPT_INITRD, "an initrd path ('' to remove)" },
	{ "--append", OPT_APPEND, "a kernel command line ('' to remove)" },
	{ "--memory-shares", OPT_SHARES, "a number from 1 to 50000" },
	{ "--ksm", OPT_KSM, "on or off" },
	{ "--agent", OPT_AGENT, "on or off" },
	{ "--display", OPT_DISPLAY, "none, std or virtio" },
	{ "--cloud-init", OPT_CLOUD_INIT, "user=NAME,ssh-key=FILE|KEY,... or off" },
	{ "--tag", OPT_TAG, "a tag (several allowed; they replace the VM's; '' clears)" },
	{ NULL, 0, NULL },
};

/* What edit collects besides args. */
struct edit {
	int eject, cdrom;
};

static int take_edit(struct cli_named *n, int key, const char *opt, const char *val,
		     char *err, size_t errlen)
{
	struct edit *ed = n->ctx;

	if (key == OPT_EJECT) {
		ed->eject = 1;
		return 0;
	}
	if (key == OPT_SHARES) {
		long long v;

		if (parse_count(val, &v) < 0 || v < 1 || v > 50000) {
			err_set(err, errlen, "%s must be a number from 1 to 50000, not '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(n->a, "memory_shares", json_integer(v), opt, err, errlen);
	}
	if (key == OPT_KSM) {
		if (strcmp(val, "on") && strcmp(val, "off")) {
			err_set(err, errlen, "%s must be on or off, not '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(n->a, "ksm", json_string(val), opt, err, errlen);
	}
	ed->cdrom |= key == OPT_CDROM;
	return take_common(key, opt, val, n->a, 1, err, errlen);
}

int cli_parse_vm_edit(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen)
{
	struct edit ed = { 0, 0 };
	struct cli_named n = { .what = "VM", .key = "name", .opts = edit_specs,
			       .take = take_edit, .ctx = &ed };
	json_t *a;
	int r;

	r = cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
	if (r < 0 || g->help)
		return r;
	a = *args;
	if (ed.eject && ed.cdrom) {
		err_set(err, errlen, "--cdrom and --eject cannot be used together");
		goto fail;
	}
	if (ed.eject)
		json_object_set_new(a, "cdrom", json_null());
	if (json_object_size(a) < 2) {
		err_set(err, errlen, "%s needs at least one change (e.g. --memory 2G)", cmdname);
		goto fail;
	}
	if (check_memory(a, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	json_decref(a);
	*args = NULL;
	return -EINVAL;
}

static const struct cli_opt shutdown_specs[] = {
	{ "--timeout", OPT_TIMEOUT, "a number of seconds" },
	{ "--force", OPT_FORCE, NULL },
	{ "--agent", OPT_AGENT, NULL },
	{ NULL, 0, NULL },
};

#define SHUTDOWN_TIMEOUT_MAX 86400

static int take_shutdown(struct cli_named *n, int key, const char *opt, const char *val,
			 char *err, size_t errlen)
{
	long long secs;

	if (key == OPT_FORCE || key == OPT_AGENT) {
		json_object_set_new(n->a, key == OPT_FORCE ? "force" : "agent", json_true());
		return 0;
	}
	if (parse_count(val, &secs) < 0) {
		err_set(err, errlen, "--timeout needs a number of seconds, got '%s'", val);
		return -EINVAL;
	}
	if (secs > SHUTDOWN_TIMEOUT_MAX) {
		err_set(err, errlen, "--timeout must be at most %d seconds, not %lld",
			SHUTDOWN_TIMEOUT_MAX, secs);
		return -EINVAL;
	}
	return cli_set_once(n->a, "timeout_s", json_integer(secs), opt, err, errlen);
}

int cli_parse_vm_shutdown(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			  json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = shutdown_specs,
			       .take = take_shutdown };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static int take_delete(struct cli_named *n, int key, const char *opt, const char *val,
		       char *err, size_t errlen);

static const struct cli_opt start_specs[] = {
	{ "--force", OPT_FORCE, NULL },
	{ NULL, 0, NULL },
};

/* vm start [--force]: --force starts it even when its memory-min does not
 * fit the memory budget. */
int cli_parse_vm_start(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = start_specs,
			       .take = take_delete };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt delete_specs[] = {
	{ "--keep-disks", OPT_KEEP_DISKS, NULL },
	{ "--force", OPT_FORCE, NULL },
	{ NULL, 0, NULL },
};

static int take_delete(struct cli_named *n, int key, const char *opt, const char *val,
		       char *err, size_t errlen)
{
	(void)opt;
	(void)val;
	(void)err;
	(void)errlen;
	json_object_set_new(n->a, key == OPT_FORCE ? "force" : "keep_disks", json_true());
	return 0;
}

int cli_parse_vm_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = delete_specs,
			       .take = take_delete };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt log_specs[] = {
	{ "--bytes", OPT_BYTES, "a size (e.g. 64K)" },
	{ "--follow", OPT_FOLLOW, NULL },
	{ "-f", OPT_FOLLOW, NULL },
	{ NULL, 0, NULL },
};

#define LOG_BYTES_MAX (64ULL << 20)

static int take_log(struct cli_named *n, int key, const char *opt, const char *val,
		    char *err, size_t errlen)
{
	uint64_t bytes;
	char why[128];

	if (key == OPT_FOLLOW) {
		json_object_set_new(n->a, "follow", json_true());
		return 0;
	}
	if (size_parse(val, &bytes, why, sizeof(why)) < 0 || bytes == 0 || bytes > LOG_BYTES_MAX) {
		err_set(err, errlen, "--bytes needs a size from 1 to 64M (e.g. 64K), got '%s'", val);
		return -EINVAL;
	}
	return cli_set_once(n->a, "bytes", json_integer((json_int_t)bytes), opt, err, errlen);
}

int cli_parse_vm_log(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		     json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = log_specs, .take = take_log };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

int cli_parse_vm_agent(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	const char *pos[2] = { NULL, NULL };
	int r, n = 0;

	r = cli_parse_two_positionals(cmdname, argc, argv, g, pos, &n, args, err, errlen);
	if (r != 0)
		return r < 0 ? r : 0;
	if (n < 2) {
		err_set(err, errlen, "%s needs a VM name and ping, info or fsfreeze-status", cmdname);
		return -EINVAL;
	}
	if (name_check("VM", pos[0], err, errlen) < 0)
		return -EINVAL;
	if (strcmp(pos[1], "ping") && strcmp(pos[1], "info") && strcmp(pos[1], "fsfreeze-status")) {
		err_set(err, errlen, "unknown guest agent command '%s'; use ping, info or "
			"fsfreeze-status", pos[1]);
		return -EINVAL;
	}
	*args = json_pack("{s:s,s:s}", "name", pos[0], "command", pos[1]);
	return 0;
}

static const struct cli_opt display_specs[] = {
	{ "--close", OPT_CLOSE, NULL },
	{ "--ttl", OPT_TIMEOUT, "a number of seconds" },
	{ "--port", OPT_PORT, "a TCP port on 127.0.0.1" },
	{ NULL, 0, NULL },
};

static int take_display(struct cli_named *n, int key, const char *opt, const char *val,
			char *err, size_t errlen)
{
	long long secs;

	if (key == OPT_CLOSE) {
		json_object_set_new(n->a, "close", json_true());
		return 0;
	}
	if (key == OPT_PORT) {
		if (parse_count(val, &secs) < 0 || secs < 1024 || secs > 65535) {
			err_set(err, errlen, "--port needs a port from 1024 to 65535, got '%s'", val);
			return -EINVAL;
		}
		return cli_set_once(n->a, "port", json_integer(secs), opt, err, errlen);
	}
	if (parse_count(val, &secs) < 0 || secs < 10 || secs > 86400) {
		err_set(err, errlen, "--ttl needs a number of seconds from 10 to 86400, got '%s'", val);
		return -EINVAL;
	}
	return cli_set_once(n->a, "ttl_s", json_integer(secs), opt, err, errlen);
}

int cli_parse_vm_display(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = display_specs,
			       .take = take_display };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

/* vm sendkey NAME [KEY...] [--text STRING]: the first positional is the
 * VM, the others key combinations (checked by croftd against QEMU's names). */
static const struct cli_opt sendkey_specs[] = {
	{ "--text", OPT_TEXT, "the text to type" },
	{ NULL, 0, NULL },
};

static int take_sendkey(void *ctx, int key, const char *opt, const char *val, char *err,
			size_t errlen)
{
	json_t *a = ctx, *keys = json_object_get(a, "keys");

	if (key == OPT_TEXT)
		return cli_set_once(a, "text", json_string(val), opt, err, errlen);
	if (!json_object_get(a, "name")) {
		if (name_check("VM", val, err, errlen) < 0)
			return -EINVAL;
		json_object_set_new(a, "name", json_string(val));
		return 0;
	}
	if (!*val || strlen(val) > 64) {
		err_set(err, errlen, "a key must be 1 to 64 characters, like ret or ctrl-alt-delete");
		return -EINVAL;
	}
	if (!keys) {
		keys = json_array();
		json_object_set_new(a, "keys", keys);
	}
	json_array_append_new(keys, json_string(val));
	return 0;
}

int cli_parse_vm_sendkey(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	json_t *a = json_object();
	int r = cli_scan_args(cmdname, argc, argv, g, sendkey_specs, take_sendkey, a, err, errlen);

	if (r < 0)
		goto fail;
	r = -EINVAL;
	if (!g->help && !json_object_get(a, "name")) {
		err_set(err, errlen, "%s needs a VM name", cmdname);
		goto fail;
	}
	if (!g->help && !json_object_get(a, "keys") && !json_object_get(a, "text")) {
		err_set(err, errlen, "%s needs keys (like ret or ctrl-alt-delete) or --text", cmdname);
		goto fail;
	}
	*args = a;
	return 0;
fail:
	json_decref(a);
	return r;
}
