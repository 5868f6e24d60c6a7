/*
 * The Storage screen's forms and the Host screen's memory settings
 * (console_storage.h), as field tables on the form engine (tui/form.h).
 * Names and sizes are judged by croftd's rules (common/validate.h); what
 * needs the host (a path that is not a directory, a pool inside another,
 * root only, a source image croftd cannot read, a budget larger than the
 * host) is croftd's to refuse, and its message goes back into the form
 * as it is.
 */
#include "tui/console_storage.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const contents[] = { "images", "iso", NULL };
static const char *const formats[] = { "qcow2", "raw", NULL };
static const char *const import_formats[] = { "qcow2", "raw", NULL };
static const char *const on_off[] = { "on", "off", NULL };

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* --- checks ------------------------------------------------------------------ */

static int check_pool_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("pool", form_text(f, id), msg, len);
}

static int check_vol_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("volume", form_text(f, id), msg, len);
}

static int check_abs(struct form *f, size_t id, char *msg, size_t len)
{
	const char *p = form_text(f, id);

	if (*p != '/' || strstr(p, "/../") || !strcmp(p + (strlen(p) >= 3 ? strlen(p) - 3 : 0), "/..")) {
		err_set(msg, len, "path '%s' must be absolute", p);
		return -EINVAL;
	}
	return 0;
}

static int check_disk_size(struct form *f, size_t id, char *msg, size_t len)
{
	return disk_size_check(form_size(f, id), msg, len);
}

/* Grow only, a multiple of 512, in croftd's words. */
static int check_grow(struct form *f, size_t id, char *msg, size_t len)
{
	const long long *was = form_ctx(f);
	uint64_t want = form_size(f, id);

	if (disk_size_check(want, msg, len) < 0)
		return -EINVAL;
	if (want % 512) {
		err_set(msg, len, "size_bytes must be a multiple of 512");
		return -EINVAL;
	}
	if (was && *was >= 0 && want <= (uint64_t)*was) {
		char a[24], b[24];

		err_set(msg, len, "the volume is %s; it can only grow (asked for %s)",
			size_format((uint64_t)*was, a, sizeof(a)), size_format(want, b, sizeof(b)));
		return -EINVAL;
	}
	return 0;
}

/* A size, or auto (the budget), as host.set takes it. */
static int check_mem_size(struct form *f, size_t id, char *msg, size_t len)
{
	const char *t = form_text(f, id);
	uint64_t bytes;

	if (!*t || (id == CF_HMEM_BUDGET && !strcmp(t, "auto")))
		return 0;
	if (size_parse(t, &bytes, msg, len) < 0)
		return -EINVAL;
	return 0;
}

/* --- the tables ---------------------------------------------------------------- */

static const char *const w_pool_name[] = { "pool name", "a pool named", "only root", NULL };
static const char *const w_path[] = { "path", "directory", "inside", "symlink", "nest", NULL };
static const char *const w_content[] = { "content", NULL };
static const char *const w_vol_name[] = { "volume name", "already exists", NULL };
static const char *const w_size[] = { "size", NULL };
static const char *const w_format[] = { "format", NULL };
static const char *const w_from[] = { "source", "from", "cannot read", "not a regular file",
				      NULL };
static const char *const w_vm[] = { "VM", "attached", NULL };
static const char *const w_budget[] = { "memory-budget", NULL };
static const char *const w_reserve[] = { "memory-reserve", NULL };
static const char *const w_balloon[] = { "balloon", NULL };

static const struct form_field pool_fields[] = {
	[CF_POOL_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT,
			   .flags = FORM_REQUIRED, .what = "pool name", .placeholder = "e.g. fast",
			   .check = check_pool_name, .words = w_pool_name },
	[CF_POOL_PATH] = { .label = "Directory", .key = "path", .kind = FORM_TEXT,
			   .flags = FORM_REQUIRED, .what = "path",
			   .placeholder = "new or empty, e.g. /srv/fast", .check = check_abs,
			   .words = w_path },
	[CF_POOL_CONTENT] = { .label = "Content", .key = "content", .kind = FORM_CHOICE,
			      .choices = contents, .words = w_content },
};

static const struct form_field vol_fields[] = {
	[CF_VOL_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
			  .what = "volume name", .placeholder = "e.g. data",
			  .check = check_vol_name, .words = w_vol_name },
	[CF_VOL_SIZE] = { .label = "Size", .kind = FORM_SIZE, .flags = FORM_REQUIRED,
			  .what = "size", .placeholder = "e.g. 20G", .check = check_disk_size,
			  .words = w_size },
	[CF_VOL_FORMAT] = { .label = "Format", .key = "format", .kind = FORM_CHOICE,
			    .choices = formats, .words = w_format },
};

static const struct form_field import_fields[] = {
	[CF_IMP_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
			  .what = "volume name", .placeholder = "e.g. debian",
			  .check = check_vol_name, .words = w_vol_name },
	[CF_IMP_FROM] = { .label = "From file", .key = "from", .kind = FORM_PATH,
			  .flags = FORM_REQUIRED, .what = "source image", .picker = PICKER_IMAGE,
			  .placeholder = "F3 or Ctrl-O to browse", .words = w_from },
	[CF_IMP_FORMAT] = { .label = "Convert to", .key = "format", .kind = FORM_CHOICE,
			    .choices = import_formats, .words = w_format },
};

static const struct form_field resize_fields[] = {
	[CF_RSZ_SIZE] = { .label = "New size", .kind = FORM_SIZE, .flags = FORM_REQUIRED,
			  .what = "size", .placeholder = "larger than now", .check = check_grow,
			  .words = w_size },
};

static const struct form_field attach_fields[] = {
	[CF_ATT_VM] = { .label = "VM", .key = "name", .kind = FORM_CHOICE, .words = w_vm },
};

static const struct form_field hmem_fields[] = {
	[CF_HMEM_BUDGET] = { .label = "Memory budget", .kind = FORM_TEXT, .what = "memory-budget",
			     .placeholder = "auto: host memory less the reserve",
			     .check = check_mem_size, .words = w_budget },
	[CF_HMEM_RESERVE] = { .label = "Host reserve", .kind = FORM_TEXT, .what = "memory-reserve",
			      .placeholder = "e.g. 1G", .check = check_mem_size,
			      .words = w_reserve },
	[CF_HMEM_BALLOON] = { .label = "Balloon policy", .kind = FORM_CHOICE, .choices = on_off,
			      .words = w_balloon },
};

/* --- args ---------------------------------------------------------------------- */

static const char *chosen(const struct form *f, size_t id)
{
	return form_choice(f, id, form_chosen(f, id));
}

static json_t *pool_args(const struct form *f)
{
	return json_pack("{s:s,s:s,s:s}", "name", form_text(f, CF_POOL_NAME),
			 "path", form_text(f, CF_POOL_PATH), "content", chosen(f, CF_POOL_CONTENT));
}

static json_t *vol_args(const struct form *f)
{
	return json_pack("{s:s,s:s,s:I,s:s}", "pool", form_subject(f), "name",
			 form_text(f, CF_VOL_NAME), "size_bytes",
			 (json_int_t)form_size(f, CF_VOL_SIZE), "format", chosen(f, CF_VOL_FORMAT));
}

static json_t *import_args(const struct form *f)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "pool", form_subject(f), "name",
			 form_text(f, CF_IMP_NAME), "from", form_text(f, CF_IMP_FROM), "format",
			 chosen(f, CF_IMP_FORMAT));
}

/* The subject is "POOL/NAME". */
static json_t *resize_args(const struct form *f)
{
	const char *s = form_subject(f), *slash = strchr(s, '/');
	json_t *a = json_pack("{s:s%,s:s,s:I}", "pool", s, (size_t)(slash ? slash - s : 0),
			      "name", slash ? slash + 1 : "", "size_bytes",
			      (json_int_t)form_size(f, CF_RSZ_SIZE));

	return a;
}

static json_t *attach_args(const struct form *f)
{
	return json_pack("{s:s,s:s}", "name", chosen(f, CF_ATT_VM), "volume", form_subject(f));
}

/* What host.memory said, to send only what changed. */
struct hmem_was {
	char budget[32], reserve[32], balloon[8];
};

static json_t *hmem_args(const struct form *f)
{
	const struct hmem_was *was = form_ctx(f);
	const char *budget = form_text(f, CF_HMEM_BUDGET), *reserve = form_text(f, CF_HMEM_RESERVE);
	json_t *a = json_object();

	if (!*budget)
		budget = "auto";
	if (strcmp(budget, was->budget))
		json_object_set_new(a, "memory-budget", json_string(budget));
	if (*reserve && strcmp(reserve, was->reserve))
		json_object_set_new(a, "memory-reserve", json_string(reserve));
	if (strcmp(chosen(f, CF_HMEM_BALLOON), was->balloon))
		json_object_set_new(a, "balloon", json_string(chosen(f, CF_HMEM_BALLOON)));
	return a;
}

/* title, note, op, Enter's verb, subject key, fields, args, ctx */
static const struct form_spec pool_spec = {
	"New pool", "Root only: a pool is a place QEMU's files may live", "pool.create", "create",
	NULL, pool_fields, NFIELDS(pool_fields), pool_args, NULL,
};
static const struct form_spec vol_spec = {
	"New volume in %s", "qcow2 is thin (instant); raw writes every byte (space guaranteed)",
	"vol.create", "create", NULL, vol_fields, NFIELDS(vol_fields), vol_args, NULL,
};
static const struct form_spec import_spec = {
	"Import an image into %s", "vmdk, vdi, vhd(x), qcow2 or raw, read with your rights; a job",
	"vol.import", "import", NULL, import_fields, NFIELDS(import_fields), import_args, NULL,
};
static const struct form_spec resize_spec = {
	"Resize %s", "Grow only; a running guest sees the new size at once", "vol.resize", "resize",
	NULL, resize_fields, NFIELDS(resize_fields), resize_args, free,
};
static const struct form_spec attach_spec = {
	"Attach %s to a VM", "Hot-plugged into the running guest (virtio-blk)", "vm.disk.attach",
	"attach", NULL, attach_fields, NFIELDS(attach_fields), attach_args, NULL,
};
static const struct form_spec hmem_spec = {
	"Host memory", "Sizes like 6G or 512M; what croftd refuses is shown as it says it",
	"host.set", "save", NULL, hmem_fields, NFIELDS(hmem_fields), hmem_args, free,
};

/* --- the forms ----------------------------------------------------------------------- */

struct form *storeform_new_pool(void)
{
	struct form *f = form_new(&pool_spec, NULL);

	form_ready(f);
	return f;
}

struct form *storeform_new_volume(const char *pool)
{
	struct form *f = form_new(&vol_spec, pool);

	form_set_text(f, CF_VOL_SIZE, "8G");
	form_ready(f);
	return f;
}

struct form *storeform_import(const char *pool)
{
	struct form *f = form_new(&import_spec, pool);

	form_ready(f);
	return f;
}

struct form *storeform_resize(const char *pool, const char *name, long long virtual_bytes)
{
	char subject[320];
	long long *was = xcalloc(1, sizeof(*was));
	struct form *f;

	snprintf(subject, sizeof(subject), "%s/%s", pool, name);
	f = form_new(&resize_spec, subject);
	*was = virtual_bytes;
	form_set_ctx(f, was);
	form_ready(f);
	return f;
}

struct form *storeform_attach(const char *pool, const char *name, const char *const *vms,
			      size_t nvms)
{
	char subject[320];
	struct form *f;

	snprintf(subject, sizeof(subject), "%s/%s", pool, name);
	f = form_new(&attach_spec, subject);
	form_set_choices(f, CF_ATT_VM, vms, nvms);
	form_ready(f);
	return f;
}

/* MiB as the CLI takes it back: 1G, 1536M. */
static void mib_words(long long mib, char *buf, size_t len)
{
	if (mib > 0 && mib % 1024 == 0)
		snprintf(buf, len, "%lldG", mib / 1024);
	else
		snprintf(buf, len, "%lldM", mib > 0 ? mib : 0);
}

struct form *storeform_host_memory(const json_t *memory)
{
	struct hmem_was *was = xcalloc(1, sizeof(*was));
	struct form *f = form_new(&hmem_spec, NULL);

	snprintf(was->budget, sizeof(was->budget), "auto");
	if (!strcmp(jget_str(memory, "budget_source", "default"), "setting"))
		mib_words(jget_int(memory, "budget_mib", 0), was->budget, sizeof(was->budget));
	if (jget_int(memory, "reserve_mib", -1) >= 0)
		mib_words(jget_int(memory, "reserve_mib", 0), was->reserve, sizeof(was->reserve));
	snprintf(was->balloon, sizeof(was->balloon), "%s", jget_str(memory, "balloon", "on"));
	form_set_ctx(f, was);
	if (strcmp(was->budget, "auto"))
		form_set_text(f, CF_HMEM_BUDGET, was->budget);
	form_set_text(f, CF_HMEM_RESERVE, was->reserve);
	form_choose(f, CF_HMEM_BALLOON, was->balloon);
	form_ready(f);
	return f;
}

/* --- the status line --------------------------------------------------------------- */

void storeform_describe(const json_t *args, char *progress, char *done, size_t len)
{
	const char *pool = jget_str(args, "pool", "?"), *name = jget_str(args, "name", "?");

	if (jget(args, "from")) {
		snprintf(progress, len, "Importing %s into %s/%s", jget_str(args, "from", "?"), pool,
			 name);
		snprintf(done, len, "Import of %s/%s started (a job)", pool, name);
	} else if (jget(args, "size_bytes") && jget(args, "format")) {
		snprintf(progress, len, "Creating volume %s/%s", pool, name);
		snprintf(done, len, "Creating volume %s/%s (a job)", pool, name);
	} else if (jget(args, "size_bytes")) {
		char size[24];

		size_format((uint64_t)jget_int(args, "size_bytes", 0), size, sizeof(size));
		snprintf(progress, len, "Resizing %s/%s to %s", pool, name, size);
		snprintf(done, len, "Resized %s/%s to %s", pool, name, size);
	} else if (jget(args, "volume")) {
		snprintf(progress, len, "Attaching %s to %s", jget_str(args, "volume", "?"), name);
		snprintf(done, len, "Attached %s to %s", jget_str(args, "volume", "?"), name);
	} else if (jget(args, "path")) {
		snprintf(progress, len, "Creating pool %s", name);
		snprintf(done, len, "Created pool %s", name);
	} else {
		snprintf(progress, len, "Saving the host's memory settings");
		snprintf(done, len, "Saved the host's memory settings");
	}
}
