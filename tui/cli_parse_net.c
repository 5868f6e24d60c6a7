/*
 * Parsers of the net and vm nic commands: argv in, the request's args out
 * (or a message naming the problem).  Each command names a network or a
 * VM (cli_parse_named) and has a table of options; what this file judges is
 * what needs no host: names (common/validate.h), the mode and protocol
 * words, numbers and their ranges, the VM:PORT shape, and which options
 * go together.  Addresses, subnets and MACs are judged by croftd alone,
 * with the host and the other networks in view.
 */
#include "tui/cli.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	K_MODE = 1, K_SUBNET, K_UPLINK, K_RANGE, K_FORCE, K_PROTO, K_HOST_PORT, K_TO,
	K_NET, K_MAC, K_VLAN, K_RATE, K_IP, K_HOST_ACCESS,
};

/* A decimal number lo..hi, digits only. */
static int number(const char *opt, const char *s, long lo, long hi, long *out,
		  char *err, size_t errlen)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9) {
		err_set(err, errlen, "%s needs a number, got '%s'", opt, s);
		return -EINVAL;
	}
	v = strtol(s, &end, 10);
	if (v < lo || v > hi) {
		err_set(err, errlen, "%s must be between %ld and %ld, not %ld", opt, lo, hi, v);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int take_int(struct cli_named *n, const char *key, const char *opt, const char *val,
		    long lo, long hi, char *err, size_t errlen)
{
	long v;

	if (number(opt, val, lo, hi, &v, err, errlen) < 0)
		return -EINVAL;
	return cli_set_once(n->a, key, json_integer(v), opt, err, errlen);
}

static int take_word(struct cli_named *n, const char *key, const char *opt, const char *val,
		     const char *const *words, const char *list, char *err, size_t errlen)
{
	for (; *words; words++)
		if (!strcmp(*words, val))
			return cli_set_once(n->a, key, json_string(val), opt, err, errlen);
	err_set(err, errlen, "%s must be %s, not '%s'", opt, list, val);
	return -EINVAL;
}

static int take_str(struct cli_named *n, const char *key, const char *opt, const char *val,
		    char *err, size_t errlen)
{
	if (!*val) {
		err_set(err, errlen, "%s needs a value", opt);
		return -EINVAL;
	}
	return cli_set_once(n->a, key, json_string(val), opt, err, errlen);
}

static const char *const modes[] = { "nat", "host-only", "bridged", NULL };
static const char *const protos[] = { "tcp", "udp", NULL };

/* VM:PORT -> args vm and port. */
static int take_to(struct cli_named *n, const char *val, char *err, size_t errlen)
{
	const char *colon = strrchr(val, ':');
	char vm[NAME_MAX_LEN + 2];
	size_t len;
	long port;

	if (json_object_get(n->a, "vm")) {
		err_set(err, errlen, "--to is given more than once");
		return -EINVAL;
	}
	len = colon ? (size_t)(colon - val) : 0;
	if (!colon || !len || !colon[1]) {
		err_set(err, errlen, "--to needs VM:PORT (e.g. web:80), got '%s'", val);
		return -EINVAL;
	}
	if (len >= sizeof(vm)) {
		err_set(err, errlen, "--to: VM name '%.*s...' is too long", 20, val);
		return -EINVAL;
	}
	memcpy(vm, val, len);
	vm[len] = '\0';
	if (name_check("VM", vm, err, errlen) < 0 ||
	    number("--to port", colon + 1, 1, 65535, &port, err, errlen) < 0)
		return -EINVAL;
	json_object_set_new(n->a, "vm", json_string(vm));
	json_object_set_new(n->a, "port", json_integer(port));
	return 0;
}

static int take_opt(struct cli_named *n, int key, const char *opt, const char *val,
		    char *err, size_t errlen)
{
	switch (key) {
	case K_MODE:
		return take_word(n, "mode", opt, val, modes, "nat, host-only or bridged", err, errlen);
	case K_SUBNET:
		return take_str(n, "subnet", opt, val, err, errlen);
	case K_UPLINK:
		return take_str(n, "uplink", opt, val, err, errlen);
	case K_RANGE:
		return take_str(n, "dhcp_range", opt, val, err, errlen);
	case K_FORCE:
		json_object_set_new(n->a, "force", json_true());
		return 0;
	case K_PROTO:
		return take_word(n, "proto", opt, val, protos, "tcp or udp", err, errlen);
	case K_HOST_PORT:
		return take_int(n, "host_port", opt, val, 1, 65535, err, errlen);
	case K_TO:
		return take_to(n, val, err, errlen);
	case K_NET:
		if (name_check("network", val, err, errlen) < 0)
			return -EINVAL;
		return cli_set_once(n->a, "net", json_string(val), opt, err, errlen);
	case K_MAC:
		return take_str(n, "mac", opt, val, err, errlen);
	case K_VLAN:
		return take_int(n, "vlan", opt, val, 1, 4094, err, errlen);
	case K_RATE:
		return take_int(n, "rate", opt, val, 1, 100000, err, errlen);
	case K_IP:
		return take_str(n, "ip", opt, val, err, errlen);
	case K_HOST_ACCESS:
		if (strcmp(val, "on") && strcmp(val, "off")) {
			err_set(err, errlen, "%s must be on or off, not '%s'", opt, val);
			return -EINVAL;
		}
		return cli_set_once(n->a, "host_access", json_boolean(!strcmp(val, "on")), opt,
				    err, errlen);
	}
	err_set(err, errlen, "%s is not handled", opt);
	return -EINVAL;
}

static const struct cli_opt create_opts[] = {
	{ "--mode", K_MODE, "nat, host-only or bridged" },
	{ "--subnet", K_SUBNET, "a subnet such as 10.73.5.0/24" },
	{ "--uplink", K_UPLINK, "an interface name" },
	{ "--dhcp-range", K_RANGE, "FIRST-LAST (e.g. 10.73.5.100-10.73.5.200)" },
	{ "--host-access", K_HOST_ACCESS, "on or off" },
	{ NULL, 0, NULL },
};

int cli_parse_net_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = {
		{ "mode", "--mode nat|host-only|bridged" }, { NULL, NULL } };
	struct cli_named n = { .what = "network", .key = "name", .opts = create_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt no_opts[] = { { NULL, 0, NULL } };

int cli_parse_net_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "network", .key = "name", .opts = no_opts,
			       .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt edit_opts[] = {
	{ "--host-access", K_HOST_ACCESS, "on or off" },
	{ NULL, 0, NULL },
};

int cli_parse_net_edit(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = {
		{ "host_access", "--host-access on|off" }, { NULL, NULL } };
	struct cli_named n = { .what = "network", .key = "name", .opts = edit_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt delete_opts[] = {
	{ "--force", K_FORCE, NULL },
	{ NULL, 0, NULL },
};

int cli_parse_net_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "network", .key = "name", .opts = delete_opts,
			       .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt fwd_add_opts[] = {
	{ "--proto", K_PROTO, "tcp or udp" },
	{ "--host-port", K_HOST_PORT, "a port number" },
	{ "--to", K_TO, "VM:PORT" },
	{ NULL, 0, NULL },
};

int cli_parse_fwd_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		      json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = {
		{ "proto", "--proto tcp|udp" }, { "host_port", "--host-port PORT" },
		{ "vm", "--to VM:PORT" }, { NULL, NULL } };
	struct cli_named n = { .what = "network", .key = "net", .opts = fwd_add_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

int cli_parse_fwd_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "network", .key = "net", .opts = no_opts,
			       .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt fwd_remove_opts[] = {
	{ "--proto", K_PROTO, "tcp or udp" },
	{ "--host-port", K_HOST_PORT, "a port number" },
	{ NULL, 0, NULL },
};

int cli_parse_fwd_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = {
		{ "proto", "--proto tcp|udp" }, { "host_port", "--host-port PORT" },
		{ NULL, NULL } };
	struct cli_named n = { .what = "network", .key = "net", .opts = fwd_remove_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt nic_add_opts[] = {
	{ "--net", K_NET, "a network name" },
	{ "--mac", K_MAC, "a MAC address (e.g. 52:54:00:12:34:56)" },
	{ "--vlan", K_VLAN, "a VLAN id (1-4094)" },
	{ "--rate", K_RATE, "a rate in Mbit/s" },
	{ "--ip", K_IP, "an IPv4 address" },
	{ NULL, 0, NULL },
};

int cli_parse_vm_nic_add(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	static const struct cli_need need[] = { { "net", "--net NAME" }, { NULL, NULL } };
	struct cli_named n = { .what = "VM", .key = "name", .opts = nic_add_opts,
			       .need = need, .take = take_opt };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

static const struct cli_opt nic_remove_opts[] = {
	{ "--net", K_NET, "a network name" },
	{ "--mac", K_MAC, "a MAC address" },
	{ NULL, 0, NULL },
};

int cli_parse_vm_nic_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			    json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = nic_remove_opts,
			       .take = take_opt };
	int r;

	r = cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
	if (r < 0 || g->help)
		return r;
	if (!json_object_get(*args, "mac") == !json_object_get(*args, "net")) {
		if (json_object_get(*args, "mac"))
			err_set(err, errlen, "--mac and --net cannot be used together; give one");
		else
			err_set(err, errlen, "%s needs either --mac MAC or --net NAME to say which NIC",
				cmdname);
		json_decref(*args);
		*args = NULL;
		return -EINVAL;
	}
	return 0;
}
