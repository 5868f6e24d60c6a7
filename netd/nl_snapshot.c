/*
 * Kernel snapshots.  Arrays grow by doubling; a capacity of zero means
 * "nothing allocated yet" and the next append allocates.  Capacities are
 * not stored: an array is reallocated when its count hits a power of two.
 */
#include "netd/nl_snapshot.h"
#include "netd/nl_build.h"
#include "netd/nl_sock.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *arr, size_t n, size_t size)
{
	/* n entries in use; make room for one more when n is 0 or a power of 2 */
	if (n == 0)
		return xrealloc(arr, 4 * size);
	if (n >= 4 && (n & (n - 1)) == 0)
		return xrealloc(arr, 2 * n * size);
	return arr;
}

#define APPEND(arr, n) ((arr) = grow((arr), (n), sizeof(*(arr))), \
			memset(&(arr)[(n)], 0, sizeof(*(arr))), &(arr)[(n)++])

struct nl_link *nl_snapshot_add_link(struct nl_snapshot *snap)
{
	return APPEND(snap->links, snap->n_links);
}

struct nl_addr *nl_snapshot_add_addr(struct nl_snapshot *snap)
{
	return APPEND(snap->addrs, snap->n_addrs);
}

struct nl_route *nl_snapshot_add_route(struct nl_snapshot *snap)
{
	return APPEND(snap->routes, snap->n_routes);
}

struct nl_vlans *nl_snapshot_add_vlans(struct nl_snapshot *snap)
{
	return APPEND(snap->vlans, snap->n_vlans);
}

void nl_snapshot_clear(struct nl_snapshot *snap)
{
	free(snap->links);
	free(snap->addrs);
	free(snap->routes);
	free(snap->vlans);
	memset(snap, 0, sizeof(*snap));
}

const struct nl_link *nl_snapshot_link(const struct nl_snapshot *snap, const char *name)
{
	size_t i;

	for (i = 0; i < snap->n_links; i++)
		if (!strcmp(snap->links[i].name, name))
			return &snap->links[i];
	return NULL;
}

const struct nl_link *nl_snapshot_link_at(const struct nl_snapshot *snap, int ifindex)
{
	size_t i;

	for (i = 0; i < snap->n_links; i++)
		if (snap->links[i].ifindex == ifindex)
			return &snap->links[i];
	return NULL;
}

const struct nl_vlans *nl_snapshot_vlans(const struct nl_snapshot *snap, int ifindex)
{
	size_t i;

	for (i = 0; i < snap->n_vlans; i++)
		if (snap->vlans[i].ifindex == ifindex)
			return &snap->vlans[i];
	return NULL;
}

/* A parsed object fills the entry just appended to an array of *n; one
 * that is not croft's business (-ENOENT) or did not parse drops it again. */
static int keep_parsed(int rc, size_t *n)
{
	if (rc < 0)
		(*n)--;
	return rc == -ENOENT ? 0 : rc;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_snapshot *snap = data;

	return keep_parsed(nl_parse_link(nlh, nl_snapshot_add_link(snap)), &snap->n_links);
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_snapshot *snap = data;

	return keep_parsed(nl_parse_addr(nlh, nl_snapshot_add_addr(snap)), &snap->n_addrs);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_snapshot *snap = data;

	return keep_parsed(nl_parse_route(nlh, nl_snapshot_add_route(snap)), &snap->n_routes);
}

static int vlans_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_snapshot *snap = data;

	return keep_parsed(nl_parse_vlans(nlh, nl_snapshot_add_vlans(snap)), &snap->n_vlans);
}

static const struct {
	enum nl_dump what;
	nl_dump_cb cb;
	const char *name;
} dumps[] = {
	{ NL_DUMP_LINKS, link_cb, "list links" },
	{ NL_DUMP_ADDRS, addr_cb, "list IPv4 addresses" },
	{ NL_DUMP_ROUTES, route_cb, "list IPv4 routes" },
	{ NL_DUMP_VLANS, vlans_cb, "list bridge VLANs" },
};

int nl_snapshot_take(struct nl_sock *s, struct nl_snapshot *snap, char *err, size_t errlen)
{
	char buf[NL_BUFSZ];
	int attempt, rc = 0;
	size_t i;

	for (attempt = 0; attempt < 5; attempt++) {
		nl_snapshot_clear(snap);
		for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
			struct nlmsghdr *req = nl_build_dump(buf, nl_sock_seq(s), dumps[i].what);

			rc = nl_sock_dump(s, req, dumps[i].cb, snap, dumps[i].name, err, errlen);
			if (rc < 0)
				break;
		}
		if (rc != -EAGAIN)
			break;
	}
	if (rc < 0)
		nl_snapshot_clear(snap);
	return rc;
}
