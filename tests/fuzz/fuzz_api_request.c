/*
 * Fuzz target for the API request front end: a line is parsed, its op looked
 * up and its arguments checked against the op's schema, exactly as the
 * server does before any handler runs.  Whatever passes must have the shape
 * the handlers rely on: a string op, an object args, and every required
 * argument present with its declared type.
 */
#include "core/api_ops.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const char *s, size_t len)
{
	struct api_request req;
	const struct api_op *op;
	const struct api_arg *a;
	char err[512];

	err[0] = '\0';
	if (api_request_parse(s, len, &req, err, sizeof(err)) < 0) {
		if (!err[0])
			abort();
		api_request_clear(&req);
		return;
	}
	if (!req.op || !json_is_object(req.args))
		abort();
	op = api_op_find(req.op);
	if (op && api_args_check(op, req.args, err, sizeof(err)) == 0) {
		for (a = op->args; a->name; a++) {
			json_t *v = json_object_get(req.args, a->name);

			if ((a->flags & ARG_REQUIRED) && !v)
				abort();
			if (v && a->type == ARG_STRING && !json_is_string(v) && !json_is_null(v))
				abort();
			if (v && a->type == ARG_INT && !json_is_integer(v) && !json_is_null(v))
				abort();
		}
	}
	api_request_clear(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	fuzz_request(copy, size);
	free(copy);
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *fuzz_seeds[] = {
	"{\"id\":1,\"op\":\"hello\",\"args\":{\"version\":1,\"client\":\"croft\"}}",
	"{\"id\":2,\"op\":\"vm.create\",\"args\":{\"name\":\"web\",\"vcpus\":2,\"memory_mib\":1024,\"disks\":[{\"size_bytes\":1073741824}],\"boot\":\"cdrom,disk\",\"cdrom\":\"/x.iso\"}}",
	"{\"id\":\"a\",\"op\":\"vm.edit\",\"args\":{\"name\":\"web\",\"cdrom\":null,\"memory_mib\":512}}",
	"{\"id\":3,\"op\":\"vm.shutdown\",\"args\":{\"name\":\"web\",\"timeout_s\":10,\"force\":true}}",
	"{\"op\":\"vm.list\"}",
	"{\"id\":4,\"op\":\"vm.delete\",\"args\":{\"name\":\"x\",\"keep_disks\":true}}",
	"[1,2,3]",
	"{\"id\":1.5,\"op\":7}",
};
#include "fuzz_main.inc"
#endif
