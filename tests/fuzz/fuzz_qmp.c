/*
 * Fuzz target for the QMP parser.  The input is parsed whole, then split on
 * newlines and each piece parsed as the client would see it.  Whatever
 * qmp_parse() accepts must have a consistent shape: the members the type
 * promises are set, and clearing the message releases everything.
 */
#include "core/qmp.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_qmp_check(const char *s, size_t len)
{
	struct qmp_msg m;
	char err[256];
	int r;

	err[0] = '\0';
	r = qmp_parse(s, len, &m, err, sizeof(err));
	if (r < 0) {
		if (r != -EINVAL || !err[0] || m.root)
			abort();
		return;
	}
	if (!json_is_object(m.root))
		abort();
	switch (m.type) {
	case QMP_MSG_GREETING:
		if (m.ver_major < 0 || m.ver_minor < 0 || m.ver_micro < 0)
			abort();
		break;
	case QMP_MSG_RETURN:
		if (!m.ret)
			abort();
		break;
	case QMP_MSG_ERROR:
		if (!m.err_class || !m.err_desc)
			abort();
		break;
	case QMP_MSG_EVENT:
		if (!m.event || (m.data && !json_is_object(m.data)))
			abort();
		break;
	default:
		abort();
	}
	qmp_msg_clear(&m);
	if (m.root)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *end = s + size;

	fuzz_qmp_check(s, size);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		/* a private copy so reads past the piece trip ASan */
		char *piece = malloc(len ? len : 1);

		if (!piece)
			abort();
		memcpy(piece, s, len);
		if (len && piece[len - 1] == '\r')
			fuzz_qmp_check(piece, len - 1);
		else
			fuzz_qmp_check(piece, len);
		free(piece);
		s += len + (nl ? 1 : 0);
	}
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
	"\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n",
	"{\"return\": {}, \"id\": 1}\r\n",
	"{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": 3}\r\n",
	"{\"return\": [{\"cpu-index\": 0, \"thread-id\": 1234, \"props\": {\"core-id\": 0}}], \"id\": 4}\r\n",
	"{\"id\": 4, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"}}\r\n",
	"{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid keyword 'x'\"}}\r\n",
	"{\"timestamp\": {\"seconds\": 1795423960, \"microseconds\": 849481}, \"event\": \"RESUME\"}\r\n",
	"{\"timestamp\": {\"seconds\": 1795423960, \"microseconds\": 849770}, \"event\": \"SHUTDOWN\", "
	"\"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n",
	"{\"return\": {}, \"id\": 2}\r\n{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n",
	"{\"return\": \"\\u00e9\\ud83d\\ude00 1e308 -9223372036854775808\", \"id\": -1}\n",
};

#include "fuzz_main.inc"
#endif
