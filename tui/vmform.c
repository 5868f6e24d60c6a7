/*
 * The VM forms (vmform.h): a create form from the defaults, an edit form
 * from a vm.info result, and the args of each.  An edit sends only what
 * changed, and the memory floor as vm.edit would otherwise leave it: a
 * floor that was all of memory follows memory.
 */
#include "tui/vmform.h"
#include "tui/vmform_cloudinit.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *create_args(const struct form *f);
static json_t *edit_args(const struct form *f);
static void free_ctx(void *p);

/* title, note, op, Enter's verb, subject key, fields, args, ctx */
static const struct form_spec create_spec = {
	"New VM", "Sizes like 512M or 2G (a bare number is MiB); paths are absolute",
	"vm.create", "create", NULL, vmform_fields, VMFORM_NFIELDS, create_args, free_ctx,
};
static const struct form_spec edit_spec = {
	"Edit VM %s", "The name and the disks stay; sizes like 512M or 2G (a bare number is MiB)",
	"vm.edit", "save", NULL, vmform_fields, VMFORM_NFIELDS, edit_args, free_ctx,
};

static void free_ctx(void *p)
{
	struct vmform_ctx *c = p;

	free(c->orig.name);
	free(c->orig.firmware);
	free(c->orig.boot);
	free(c->orig.cdrom);
	free(c->orig.kernel);
	free(c->orig.initrd);
	free(c->orig.append);
	json_decref(c->ci);
	json_decref(c->ci_orig);
	free(c);
}

int vmform_is_edit(const struct form *f)
{
	return form_spec(f) == &edit_spec;
}

const char *vmform_boot(const struct form *f)
{
	return ((const struct vmform_ctx *)form_ctx(f))->boot;
}

/* "none", then nets. */
static void set_networks(struct form *f, const char *const *nets, size_t n)
{
	const char **choices = xcalloc(n + 1, sizeof(*choices));
	size_t i;

	choices[0] = "none";
	for (i = 0; i < n; i++)
		choices[i + 1] = nets[i];
	form_set_choices(f, VMFORM_NETWORK, choices, n + 1);
	free(choices);
}

struct form *vmform_new_create(const char *const *nets, size_t n)
{
	struct form *f = form_new(&create_spec, NULL);

	form_set_ctx(f, xcalloc(1, sizeof(struct vmform_ctx)));
	form_set_text(f, VMFORM_VCPUS, "1");
	form_set_text(f, VMFORM_MEMORY, "1G");
	form_set_text(f, VMFORM_SHARES, "1000");
	form_set_text(f, VMFORM_DISK_SIZE, "8G");
	set_networks(f, nets, n);
	/* a VM on a network is what most want: the first one */
	form_set_choice(f, VMFORM_NETWORK, n ? 1 : 0);
	vmform_cloudinit_note(f);
	form_ready(f);
	return f;
}

/* MiB as the form takes it back: the largest unit that is exact. */
static void mib_text(uint64_t mib, char *buf, size_t len)
{
	if (mib && mib % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluT", (unsigned long long)(mib >> 20));
	else if (mib && mib % 1024 == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(mib >> 10));
	else if (mib)
		snprintf(buf, len, "%lluM", (unsigned long long)mib);
	else
		snprintf(buf, len, "0");
}

/* The disks are shown, not edited: the first created disk's size and the
 * first attached image's path. */
static void show_disks(struct form *f, struct vmform_orig *o, const json_t *disks)
{
	char size[32], buf[FORM_TEXT_MAX];
	const json_t *d;
	size_t i, n = json_array_size(disks);
	int size_done = 0, path_done = 0;

	json_array_foreach(disks, i, d) {
		if (jget_bool(d, "owned", 0) && !size_done) {
			size_format((uint64_t)jget_int(d, "size_bytes", 0), size, sizeof(size));
			if (n > 1)
				snprintf(buf, sizeof(buf), "%s (and %zu more disk%s)", size, n - 1,
					 n > 2 ? "s" : "");
			else
				snprintf(buf, sizeof(buf), "%s", size);
			form_set_text(f, VMFORM_DISK_SIZE, buf);
			size_done = 1;
		} else if (!jget_bool(d, "owned", 0) && !path_done) {
			form_set_text(f, VMFORM_IMAGE, jget_str(d, "path", ""));
			path_done = 1;
		}
	}
	o->ndisks = n;
}

static int vm_is_live(const json_t *vm)
{
	const char *state = jget_str(vm, "state", "stopped");

	if (json_is_integer(jget(vm, "pid")))
		return 1;
	return strcmp(state, "stopped") && strcmp(state, "crashed");
}

static void read_orig(struct vmform_orig *o, const json_t *vm)
{
	const char *cdrom = jget_str(vm, "cdrom", NULL);

	o->name = xstrdup(jget_str(vm, "name", ""));
	o->vcpus = jget_int(vm, "vcpus", 1);
	o->memory_mib = (uint64_t)jget_int(vm, "memory_mib", 0);
	o->memory_min_mib = (uint64_t)jget_int(vm, "memory_min_mib", (long long)o->memory_mib);
	o->shares = jget_int(vm, "memory_shares", 1000);
	o->ksm_off = !strcmp(jget_str(vm, "ksm", "on"), "off");
	o->firmware = xstrdup(jget_str(vm, "firmware", "bios"));
	o->boot = xstrdup(jget_str(vm, "boot", "disk"));
	o->cdrom = cdrom && *cdrom ? xstrdup(cdrom) : NULL;
	o->has_kernel = jget_str(vm, "kernel", NULL) != NULL;
	o->kernel = xstrdup_or_null(jget_str(vm, "kernel", NULL));
	o->initrd = xstrdup_or_null(jget_str(vm, "initrd", NULL));
	o->append = xstrdup_or_null(jget_str(vm, "append", NULL));
	o->live = vm_is_live(vm);
}

struct form *vmform_new_edit(const json_t *vm)
{
	struct vmform_ctx *c;
	struct vmform_orig *o;
	struct form *f;
	char buf[160];
	const char *net, *nets[1];
	size_t i;

	if (!json_is_object(vm) || !jget_str(vm, "name", NULL))
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->edit = 1;
	o = &c->orig;
	read_orig(o, vm);
	f = form_new(&edit_spec, o->name);
	form_set_ctx(f, c);
	form_set_text(f, VMFORM_NAME, o->name);
	snprintf(buf, sizeof(buf), "%lld", o->vcpus);
	form_set_text(f, VMFORM_VCPUS, buf);
	mib_text(o->memory_mib, buf, sizeof(buf));
	form_set_text(f, VMFORM_MEMORY, buf);
	/* A floor equal to memory is shown as "the same as memory". */
	if (o->memory_min_mib != o->memory_mib) {
		mib_text(o->memory_min_mib, buf, sizeof(buf));
		form_set_text(f, VMFORM_MEMORY_MIN, buf);
	}
	snprintf(buf, sizeof(buf), "%lld", o->shares);
	form_set_text(f, VMFORM_SHARES, buf);
	form_set_choice(f, VMFORM_KSM, o->ksm_off);
	show_disks(f, o, jget_arr(vm, "disks"));
	form_set_text(f, VMFORM_ISO, o->cdrom);
	form_choose(f, VMFORM_FIRMWARE, o->firmware);
	form_choose(f, VMFORM_BOOT, o->boot);
	form_set_text(f, VMFORM_KERNEL, o->kernel);
	form_set_text(f, VMFORM_INITRD, o->initrd);
	form_set_text(f, VMFORM_APPEND, o->append);
	if (json_is_object(jget(vm, "cloud_init"))) {
		c->ci = json_deep_copy(jget(vm, "cloud_init"));
		json_object_del(c->ci, "instance_id");
		c->ci_orig = json_deep_copy(c->ci);
	}
	/* the NICs are the Networks screen's (and vm nic ...): shown only */
	net = jget_str(json_array_get(jget_arr(vm, "nics"), 0), "net", NULL);
	snprintf(buf, sizeof(buf), "%s%s", net ? net : "none",
		 json_array_size(jget_arr(vm, "nics")) > 1 ? " (and more NICs)" : "");
	nets[0] = buf;
	set_networks(f, nets, 1);
	form_set_choice(f, VMFORM_NETWORK, 1);
	for (i = 0; i < VMFORM_NFIELDS; i++)
		form_set_readonly(f, i, i == VMFORM_NAME || i == VMFORM_DISK_SIZE || i == VMFORM_IMAGE ||
				  i == VMFORM_NETWORK ||
				  (o->live && i != VMFORM_MEMORY && i != VMFORM_MEMORY_MIN &&
				   i != VMFORM_SHARES));
	if (!o->live)
		vmform_cloudinit_note(f);
	if (o->live) {
		snprintf(buf, sizeof(buf),
			 "VM '%s' is running: only memory and shares can change until it is stopped",
			 o->name);
		form_set_note(f, buf, 1);
	}
	form_ready(f);
	return f;
}

/* --- args ----------------------------------------------------------------- */

static const char *chosen(const struct form *f, size_t id)
{
	return form_choice(f, id, form_chosen(f, id));
}

/* vm.create takes no shares or KSM: a vm.edit once the VM exists, when
 * they are not the defaults; NULL when they are. */
static json_t *memory_step(const struct form *f)
{
	const char *name = form_text(f, VMFORM_NAME);
	long long shares = form_number(f, VMFORM_SHARES);
	int ksm_off = form_chosen(f, VMFORM_KSM) == 1;
	char *progress, *done;
	json_t *step;

	if (shares == 1000 && !ksm_off)
		return NULL;
	progress = xasprintf("Setting %s's memory shares and KSM", name);
	done = xasprintf("%s has memory shares %lld, KSM %s", name, shares, ksm_off ? "off" : "on");
	step = json_pack("{s:s,s:{s:s,s:I,s:s},s:s,s:s}", "op", "vm.edit", "args", "name", name,
			 "memory_shares", (json_int_t)shares, "ksm", ksm_off ? "off" : "on",
			 "progress", progress, "done", done);
	free(progress);
	free(done);
	return step;
}

static json_t *create_args(const struct form *f)
{
	json_t *step = memory_step(f);
	json_t *a = json_pack("{s:s,s:I,s:I}", "name", form_text(f, VMFORM_NAME),
			      "vcpus", (json_int_t)form_number(f, VMFORM_VCPUS),
			      "memory_mib", (json_int_t)form_size(f, VMFORM_MEMORY));

	if (form_has(f, VMFORM_MEMORY_MIN))
		json_object_set_new(a, "memory_min_mib",
				    json_integer((json_int_t)form_size(f, VMFORM_MEMORY_MIN)));
	if (form_has(f, VMFORM_DISK_SIZE))
		json_object_set_new(a, "disks", json_pack("[{s:I}]", "size_bytes",
							  (json_int_t)form_size(f, VMFORM_DISK_SIZE)));
	else if (form_has(f, VMFORM_IMAGE))
		json_object_set_new(a, "disks", json_pack("[{s:s}]", "path",
							  form_text(f, VMFORM_IMAGE)));
	if (form_has(f, VMFORM_ISO))
		json_object_set_new(a, "cdrom", json_string(form_text(f, VMFORM_ISO)));
	json_object_set_new(a, "firmware", json_string(chosen(f, VMFORM_FIRMWARE)));
	if (form_active(f, VMFORM_BOOT) && form_chosen(f, VMFORM_BOOT) > 0)
		json_object_set_new(a, "boot", json_string(chosen(f, VMFORM_BOOT)));
	if (form_has(f, VMFORM_KERNEL))
		json_object_set_new(a, "kernel", json_string(form_text(f, VMFORM_KERNEL)));
	if (form_has(f, VMFORM_INITRD))
		json_object_set_new(a, "initrd", json_string(form_text(f, VMFORM_INITRD)));
	if (form_has(f, VMFORM_APPEND))
		json_object_set_new(a, "append", json_string(form_text(f, VMFORM_APPEND)));
	if (form_chosen(f, VMFORM_NETWORK) > 0) {
		/* the NIC is a second step, once the VM exists (console_action.c) */
		const char *net = chosen(f, VMFORM_NETWORK), *name = form_text(f, VMFORM_NAME);
		char *progress = xasprintf("Adding %s's NIC on %s", name, net);
		char *done = xasprintf("%s has a NIC on %s", name, net);

		json_t *nic = json_pack("{s:s,s:{s:s,s:s},s:s,s:s}", "op", "vm.nic.add", "args",
					"name", name, "net", net, "progress", progress, "done", done);

		/* the memory step rides on the NIC's (console_action.c) */
		if (step)
			json_object_set_new(json_object_get(nic, "args"), "_then", step);
		step = nic;
		free(progress);
		free(done);
	}
	if (step)
		json_object_set_new(a, "_then", step);
	vmform_cloudinit_args(f, 0, a);
	return a;
}

/* An optional string field against what the VM had: changed (1), with
 * the new value (NULL: taken away). */
static int str_changed(const struct form *f, size_t id, const char *was, const char **now)
{
	*now = form_has(f, id) ? form_text(f, id) : NULL;
	return form_active(f, id) && (!*now != !was || (*now && strcmp(*now, was)));
}

static json_t *edit_args(const struct form *f)
{
	const struct vmform_orig *o = &((const struct vmform_ctx *)form_ctx(f))->orig;
	json_t *a = json_pack("{s:s}", "name", o->name);
	uint64_t memory = form_size(f, VMFORM_MEMORY);
	const char *now;

	if (form_active(f, VMFORM_VCPUS) && form_number(f, VMFORM_VCPUS) != o->vcpus)
		json_object_set_new(a, "vcpus", json_integer(form_number(f, VMFORM_VCPUS)));
	if (form_active(f, VMFORM_MEMORY) && memory != o->memory_mib)
		json_object_set_new(a, "memory_mib", json_integer((json_int_t)memory));
	if (form_active(f, VMFORM_MEMORY_MIN)) {
		/* What vm.edit does to the floor when it is not given: a floor
		 * that was all of memory follows memory. */
		uint64_t kept = o->memory_min_mib == o->memory_mib ? memory : o->memory_min_mib;
		uint64_t want = form_has(f, VMFORM_MEMORY_MIN) ? form_size(f, VMFORM_MEMORY_MIN) : memory;

		if (want != kept)
			json_object_set_new(a, "memory_min_mib", json_integer((json_int_t)want));
	}
	if (form_active(f, VMFORM_SHARES) && form_number(f, VMFORM_SHARES) != o->shares)
		json_object_set_new(a, "memory_shares", json_integer(form_number(f, VMFORM_SHARES)));
	if (form_active(f, VMFORM_KSM) && (form_chosen(f, VMFORM_KSM) == 1) != o->ksm_off)
		json_object_set_new(a, "ksm", json_string(chosen(f, VMFORM_KSM)));
	if (form_active(f, VMFORM_ISO)) {
		const char *iso = form_has(f, VMFORM_ISO) ? form_text(f, VMFORM_ISO) : NULL;

		if (!iso != !o->cdrom || (iso && strcmp(iso, o->cdrom)))
			json_object_set_new(a, "cdrom", iso ? json_string(iso) : json_null());
	}
	if (form_active(f, VMFORM_FIRMWARE) && strcmp(chosen(f, VMFORM_FIRMWARE), o->firmware))
		json_object_set_new(a, "firmware", json_string(chosen(f, VMFORM_FIRMWARE)));
	if (form_active(f, VMFORM_BOOT) && form_chosen(f, VMFORM_BOOT) > 0 &&
	    strcmp(chosen(f, VMFORM_BOOT), o->boot))
		json_object_set_new(a, "boot", json_string(chosen(f, VMFORM_BOOT)));
	if (str_changed(f, VMFORM_KERNEL, o->kernel, &now))
		json_object_set_new(a, "kernel", now ? json_string(now) : json_null());
	if (str_changed(f, VMFORM_INITRD, o->initrd, &now))
		json_object_set_new(a, "initrd", now ? json_string(now) : json_null());
	if (str_changed(f, VMFORM_APPEND, o->append, &now))
		json_object_set_new(a, "append", now ? json_string(now) : json_null());
	vmform_cloudinit_args(f, 1, a);
	return a;
}
