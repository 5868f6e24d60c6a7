/*
 * Which ports services of the host listen on, from /proc/net/tcp, tcp6,
 * udp and udp6 (read under a root directory, "/proc"; unit tests point it
 * at a fake tree).  A port forward that takes such a port hides the
 * service behind it: net.forward.add warns.  The line parser is pure.
 */
#ifndef CROFT_CORE_HOST_PORTS_H
#define CROFT_CORE_HOST_PORTS_H

#include <stddef.h>

/* One line of /proc/net/{tcp,udp}[6]: 1 when it is a listener (tcp:
 * state 0A LISTEN; udp: 07, a bound socket) on port, its local address
 * written to addr ("0.0.0.0", "::", "127.0.0.1"); 0 when not; -EINVAL for
 * the header or a line that does not parse. */
int host_ports_line(const char *line, int udp, unsigned port, char *addr, size_t addrlen);

/* Is port (udp or tcp) listened on, in IPv4 or IPv6?  1 with the first
 * listener's address in addr, 0 when not (or /proc cannot be read). */
int host_ports_listening(const char *root, int udp, unsigned port, char *addr, size_t addrlen);

#endif
