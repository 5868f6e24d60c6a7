/*
 * dnsmasq's lease files: one lease per line, "EXPIRY MAC IP HOSTNAME
 * CLIENTID" (expiry in unix seconds, 0 = infinite; hostname "*" = none).
 * Lines that do not have that shape (IPv6 "duid" lines, non-Ethernet
 * hardware addresses, garbage) are skipped, never fatal.
 */
#ifndef CROFT_LEASES_H
#define CROFT_LEASES_H

#include "common/netd_proto.h"

#include <stddef.h>
#include <stdint.h>

#define LEASES_MAX 65536     /* per answer; more are dropped */

/* Append the leases in text (network net_id) to *out and *n (realloc'ed; the
 * caller frees *out).  Returns the number of skipped lines. */
size_t leases_parse(const char *text, uint32_t net_id, struct netd_lease **out, size_t *n);

/* Every <run_dir>/net/<id>/leases.  0 or -errno (a missing net/ is no
 * error: no leases). */
int leases_read_all(const char *run_dir, struct netd_lease **out, size_t *n,
		    char *err, size_t errlen);

#endif
