/*
 * Per-link kernel settings on croft's links.  A guest must never configure
 * the host: no link of croft's accepts router advertisements, autoconfigures
 * an IPv6 address or takes a redirect, and a tap (a bridge port, which needs
 * no address at all) has IPv6 off.  IPv4 forwarding is switched on per link,
 * on a nat network's bridge and its uplink only (the kernel forwards a
 * packet when the link it came in on forwards); IPv6 is never forwarded,
 * so its global switch is left alone.
 *
 * Each setting is a file under <root>/net/ipv{4,6}/conf/<ifname>/; one is
 * written only when it holds another value.  A kernel without IPv6 (no
 * <root>/net/ipv6) has nothing to switch off there.
 */
#include "netd/link_conf.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct link_setting {
	const char *family;      /* "ipv4" or "ipv6" */
	const char *key;
	char value;
	unsigned kinds;          /* LINK_CONF_* it applies to */
};

#define ALL (LINK_CONF_BRIDGE | LINK_CONF_NAT_BRIDGE | LINK_CONF_TAP)

static const struct link_setting settings[] = {
	{ "ipv6", "accept_ra", '0', ALL },
	{ "ipv6", "autoconf", '0', ALL },
	{ "ipv6", "accept_redirects", '0', ALL },
	{ "ipv4", "accept_redirects", '0', ALL },
	{ "ipv6", "disable_ipv6", '1', LINK_CONF_TAP },
	{ "ipv4", "forwarding", '1', LINK_CONF_NAT_BRIDGE | LINK_CONF_UPLINK },
};

static int has_ipv6(const char *root)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/net/ipv6", root);
	return stat(path, &sb) == 0;
}

/* Make one file hold value: 1 when it was changed, 0 when it already did,
 * or -errno with err. */
static int set_one(const char *path, char value, char *err, size_t errlen)
{
	char cur = 0, buf[2] = { value, '\n' };
	int fd = open(path, O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (read(fd, &cur, 1) == 1 && cur == value)
		goto out;
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		rc = -errno;
		err_set(err, errlen, "cannot set %s to %c: %s", path, value, strerror(-rc));
		goto out;
	}
	rc = 1;
out:
	close(fd);
	return rc;
}

int link_conf_apply(const char *root, const char *ifname, unsigned kind, char *err,
		    size_t errlen)
{
	char path[256];
	int v6 = has_ipv6(root), rc;
	size_t i;

	if (!ifname[0] || strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, "..")) {
		err_set(err, errlen, "cannot configure a link named \"%s\"", ifname);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct link_setting *s = &settings[i];

		if (!(s->kinds & kind) || (!v6 && !strcmp(s->family, "ipv6")))
			continue;
		snprintf(path, sizeof(path), "%s/net/%s/conf/%s/%s", root, s->family, ifname, s->key);
		rc = set_one(path, s->value, err, errlen);
		if (rc < 0)
			return rc;
		if (rc > 0)
			log_info("%s: %s %s = %c", ifname, s->family, s->key, s->value);
	}
	return 0;
}
