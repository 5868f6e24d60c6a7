/*
 * Fuzz target for the guest agent's protocol (core/agent.c): the input is
 * what a hostile guest writes on its channel.  It goes through the line
 * reassembly in random-sized pieces (the first byte picks them), each line
 * through the reply parser, and each reply's "return" through every result
 * reader.  Whatever is accepted must be consistent: strings NUL-terminated
 * printable ASCII within their fields, no more addresses than the maximum.
 */
#include "core/agent.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == size)
		abort();
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			abort();
}

static int fuzz_line(const char *line, size_t len, void *arg)
{
	struct agent_reply r;
	struct agent_guest g;
	char err[256];
	size_t i;

	(void)arg;
	if (len == 0 || len > AGENT_LINE_MAX || memchr(line, '\n', len) || memchr(line, 0xff, len))
		abort();
	err[0] = '\0';
	if (agent_parse_reply(line, len, &r, err, sizeof(err)) < 0) {
		if (!err[0] || r.root)
			abort();
		return 0;
	}
	if (!r.ret && (!r.err_class || !r.err_desc))
		abort();
	memset(&g, 0, sizeof(g));
	g.fsfreeze = -1;
	if (r.ret) {
		agent_read_info(r.ret, &g, err, sizeof(err));
		agent_read_osinfo(r.ret, &g, err, sizeof(err));
		agent_read_hostname(r.ret, &g, err, sizeof(err));
		agent_read_interfaces(r.ret, &g, err, sizeof(err));
		agent_read_fsfreeze(r.ret, &g, err, sizeof(err));
		(void)agent_reply_is_sync(&r, 7);
	}
	check_text(g.version, sizeof(g.version));
	check_text(g.os, sizeof(g.os));
	check_text(g.kernel, sizeof(g.kernel));
	check_text(g.hostname, sizeof(g.hostname));
	if (g.naddrs > AGENT_ADDRS_MAX || g.fsfreeze < -1 || g.fsfreeze > 1)
		abort();
	for (i = 0; i < g.naddrs; i++)
		check_text(g.addrs[i], sizeof(g.addrs[i]));
	agent_reply_clear(&r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_rx rx;
	size_t step, off = 1;
	int r = 0;

	if (size == 0)
		return 0;
	step = (size_t)data[0] % 61 + 1;
	agent_rx_init(&rx);
	if (data[0] & 0x80)
		agent_rx_expect_delimiter(&rx);
	while (off < size && r == 0) {
		size_t n = size - off < step ? size - off : step;
		/* a private copy so reads past the piece trip ASan */
		char *piece = malloc(n);

		if (!piece)
			abort();
		memcpy(piece, data + off, n);
		r = agent_rx_feed(&rx, piece, n, fuzz_line, NULL);
		free(piece);
		if (r != 0 && r != -EMSGSIZE)
			abort();
		off += n;
	}
	agent_rx_clear(&rx);
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"\x85junk\xff{\"return\": 7}\n{\"return\": {\"version\": \"7.2.0\"}}\n",
	"\x03{\"return\": [{\"name\": \"eth0\", \"ip-addresses\": [{\"ip-address-type\": \"ipv4\", "
	"\"ip-address\": \"10.0.2.15\", \"prefix\": 24}]}]}\n",
	"\x10{\"return\": {\"pretty-name\": \"Debian\", \"kernel-release\": \"6.1\"}}\n"
	"{\"return\": {\"host-name\": \"web\"}}\n{\"return\": \"frozen\"}\n",
	"\x20{\"error\": {\"class\": \"GenericError\", \"desc\": \"disabled\"}}\r\n\n",
};

#include "fuzz_main.inc"
#endif
