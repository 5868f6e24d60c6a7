/*
 * Fuzz target for the strict JSON scanner (core/jscan.h), which reads
 * QEMU's answers in place.  Whatever jscan_whole() accepts, jansson must
 * accept as well (jscan is the stricter of the two, but for escapes that
 * it only checks the form of: \u0000 and lone surrogates, and numbers too
 * big for jansson), and every value
 * inside must walk: members and elements re-check on their own, and the
 * readers stay inside their spans.  The input sits in a buffer of its
 * exact size, so a read past it trips ASan.
 */
#include "core/jscan.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct jscan_span v, int depth)
{
	struct jscan_span k, val, again;
	struct jscan_it it;
	uint64_t x;
	char buf[64];

	if (depth > JSCAN_MAX_DEPTH + 1 || jscan_whole(v.p, v.p + v.n, &again) < 0 ||
	    again.p != v.p || again.n != v.n)
		abort();
	(void)jscan_u64(v, &x);
	if (jscan_str(v, buf, sizeof(buf)) == 0 && strlen(buf) + 2 != v.n)
		abort();
	if (jscan_iter(&it, v) < 0)
		return;
	while (jscan_next(&it, &k, &val)) {
		if (val.p < v.p || val.p + val.n > v.p + v.n)
			abort();
		if (k.p && (k.p < v.p || k.p + k.n > v.p + v.n || !jscan_key_is(k, "") != (k.n != 2)))
			abort();
		(void)jscan_member(v, "stats", &again);
		walk(val, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct jscan_span v;
	json_error_t e;
	json_t *j;

	if (jscan_whole(s, s + size, &v) < 0)
		return 0;
	walk(v, 0);
	if (!memmem(s, size, "\\u", 2)) {
		j = json_loadb(s, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		/* numbers jansson cannot hold (1e999) are JSON all the same */
		if (!j && !strstr(e.text, "too big") && !strstr(e.text, "overflow"))
			abort();             /* jscan took what jansson refuses */
		json_decref(j);
	}
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"[{\"device\": \"\", \"parent\": {\"node-name\": \"disk0-file\", \"stats\": {\"rd_bytes\": 0}}, "
	"\"stats\": {\"wr_total_time_ns\": 0, \"timed_stats\": [], \"account_invalid\": true, "
	"\"rd_bytes\": 2048, \"idle_time_ns\": 28380870396, \"rd_operations\": 4}, "
	"\"node-name\": \"disk0\", \"qdev\": \"/machine/peripheral/virtio-disk0/virtio-backend\"}]",
	"{\"stats\": {\"stat-htlb-pgalloc\": 0, \"stat-available-memory\": 64172032, "
	"\"stat-total-memory\": 98938880}, \"last-update\": 1796307748}",
	"{\"return\": [], \"id\": 7}\r\n",
	"[1, -0.5e-3, true, false, null, \"caf\xc3\xa9\", {\"a\": [[]]}]",
	"\"\\u00e9\\ud83d\\ude00\\n\"",
};

#include "fuzz_main.inc"
#endif
