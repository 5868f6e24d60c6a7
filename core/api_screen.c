/*
 * The API of a guest's text screen and keyboard (vm_screen.h):
 *   vm.screen {name}                 the VGA text screen (or why there is
 *                                    none: a graphics mode)
 *   vm.sendkey {name, keys?, text?}  key combinations ("ret",
 *                                    "ctrl-alt-delete") and/or text typed
 *                                    on a US keyboard, keys first
 * Whoever may use a VM's serial console may use these.
 */
#include "core/api_ops.h"
#include "core/api_req.h"
#include "core/vm.h"
#include "core/vm_screen.h"
#include "common/proto.h"

#include <string.h>

static void screen_reply(struct vm *vm, const char *code, const char *msg, json_t *screen,
			 void *data)
{
	struct api_req *r = data;

	if (code) {
		api_req_err(r, code, "%s", msg);
		return;
	}
	screen = json_deep_copy(screen);
	json_object_set_new(screen, "name", json_string(vm->spec.name));
	api_req_ok(r, screen);
}

static void op_vm_screen(struct api_req *r, json_t *args)
{
	const char *code;
	char err[256];

	(void)args;
	if (vm_screen_read(api_req_vm(r), screen_reply, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
}

static void sent_reply(struct vm *vm, const char *code, const char *msg, json_t *screen,
		       void *data)
{
	struct api_req *r = data;

	(void)screen;
	if (code)
		api_req_err(r, code, "%s", msg);
	else
		api_req_ok(r, json_pack("{s:s}", "name", vm->spec.name));
}

static void op_vm_sendkey(struct api_req *r, json_t *args)
{
	json_t *keys = json_object_get(args, "keys"), *text = json_object_get(args, "text");
	json_t *combos = json_array();
	const char *code = PROTO_E_INVALID_ARGUMENT;
	char err[256];
	size_t i;

	if (!keys && !text) {
		api_req_err(r, code, "give keys (like [\"ret\"]) or text to type");
		goto out;
	}
	for (i = 0; keys && i < json_array_size(keys); i++) {
		if (!json_is_string(json_array_get(keys, i))) {
			api_req_err(r, code, "keys must be strings like \"ret\" or \"ctrl-alt-delete\"");
			goto out;
		}
		json_array_append(combos, json_array_get(keys, i));
	}
	if (text && strlen(json_string_value(text)) > VM_SCREEN_TEXT_MAX) {
		api_req_err(r, code, "at most %d characters of text at a time", VM_SCREEN_TEXT_MAX);
		goto out;
	}
	if (text && vm_screen_text_combos(json_string_value(text), combos, err, sizeof(err)) < 0) {
		api_req_err(r, code, "%s", err);
		goto out;
	}
	if (vm_screen_send(api_req_vm(r), combos, sent_reply, r, &code, err, sizeof(err)) < 0)
		api_req_err(r, code, "%s", err);
out:
	json_decref(combos);
}

static const struct api_arg args_vm_sendkey[] = {
	{ "name", ARG_STRING, ARG_REQUIRED | ARG_VM },
	{ "keys", ARG_ARRAY, 0 },
	{ "text", ARG_STRING, 0 },
	{ NULL, 0, 0 } };

const struct api_op api_screen_ops[] = {
	{ "vm.screen",  op_vm_screen,  api_args_vm_name, API_OP_READ },
	{ "vm.sendkey", op_vm_sendkey, args_vm_sendkey,  0 },
	{ NULL, NULL, NULL, 0 },
};
