/*
 * Listening ports of the host (host_ports.h).
 */
#include "core/host_ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel prints an address as the hex of its bytes in host order per
 * 32-bit word: 8 digits for IPv4, 32 for IPv6. */
static int hex_addr(const char *hex, size_t n, char *out, size_t outlen)
{
	unsigned char b[16];
	size_t i, words = n / 8;

	if (n != 8 && n != 32)
		return -EINVAL;
	for (i = 0; i < words; i++) {
		char w[9];
		unsigned long v;
		char *end;

		memcpy(w, hex + i * 8, 8);
		w[8] = '\0';
		v = strtoul(w, &end, 16);
		if (*end)
			return -EINVAL;
		memcpy(b + i * 4, &(unsigned int){ (unsigned int)v }, 4);
	}
	if (!inet_ntop(n == 8 ? AF_INET : AF_INET6, b, out, (socklen_t)outlen))
		return -EINVAL;
	return 0;
}

int host_ports_line(const char *line, int udp, unsigned port, char *addr, size_t addrlen)
{
	char local[64], remote[64];
	unsigned st, p;
	const char *colon;
	int sl;

	if (sscanf(line, " %d: %63s %63s %x", &sl, local, remote, &st) != 4)
		return -EINVAL;
	colon = strchr(local, ':');
	if (!colon || sscanf(colon + 1, "%x", &p) != 1)
		return -EINVAL;
	if (p != port || st != (udp ? 0x07u : 0x0Au))
		return 0;
	if (hex_addr(local, (size_t)(colon - local), addr, addrlen) < 0)
		return -EINVAL;
	return 1;
}

int host_ports_listening(const char *root, int udp, unsigned port, char *addr, size_t addrlen)
{
	static const char *const files[2][2] = { { "net/tcp", "net/tcp6" },
						 { "net/udp", "net/udp6" } };
	int i, found = 0;

	for (i = 0; i < 2 && !found; i++) {
		char path[512], *line = NULL;
		size_t cap = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", root, files[udp ? 1 : 0][i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && getline(&line, &cap, f) > 0)
			found = host_ports_line(line, udp, port, addr, addrlen) == 1;
		free(line);
		fclose(f);
	}
	return found;
}
