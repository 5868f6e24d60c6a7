/*
 * Parsers of the net and vm nic commands: argv in, the request's args out
 * (or a message naming the problem).  Each command is a table of options
 * walked by the shared scanner (cli_scan_args); what this file judges is
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
	K_NET, K_MAC, K_VLAN, K_RATE, K_IP,
};

/* One parse: the args object, and what its positional argument is. */
struct pctx {
	const char *cmdname;
	json_t *a;
	const char *what;        /* "network" or "VM": for name_check */
	const char *key;         /* the args key of the positional name */
	const struct cli_opt *opts;
};

static int set_once(json_t *a, const char *key, json_t *v, const char *opt,
		    char *err, size_t errlen)
{
	if (json_object_get(a, key)) {
		json_decref(v);
		err_set(err, errlen, "%s is given more than once", opt);
		return -EINVAL;
	}
	json_object_set_new(a, key, v);
	return 0;
}

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

static int take_int(struct pctx *p, const char *key, const char *opt, const char *val,
		    long lo, long hi, char *err, size_t errlen)
{
	long v;

	if (number(opt, val, lo, hi, &v, err, errlen) < 0)
		return -EINVAL;
	return set_once(p->a, key, json_integer(v), opt, err, errlen);
}

static int take_word(struct pctx *p, const char *key, const char *opt, const char *val,
		     const char *const *words, const char *list, char *err, size_t errlen)
{
	for (; *words; words++)
		if (!strcmp(*words, val))
			return set_once(p->a, key, json_string(val), opt, err, errlen);
	err_set(err, errlen, "%s must be %s, not '%s'", opt, list, val);
	return -EINVAL;
}

static int take_str(struct pctx *p, const char *key, const char *opt, const char *val,
		    char *err, size_t errlen)
{
	if (!*val) {
		err_set(err, errlen, "%s needs a value", opt);
		return -EINVAL;
	}
	return set_once(p->a, key, json_string(val), opt, err, errlen);
}

static const char *const modes[] = { "nat", "host-only", "bridged", NULL };
static const char *const protos[] = { "tcp", "udp", NULL };

/* VM:PORT -> args vm and port. */
static int take_to(struct pctx *p, const char *val, char *err, size_t errlen)
{
	const char *colon = strrchr(val, ':');
	char vm[NAME_MAX_LEN + 2];
	size_t len;
	long port;

	if (json_object_get(p->a, "vm")) {
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
	json_object_set_new(p->a, "vm", json_string(vm));
	json_object_set_new(p->a, "port", json_integer(port));
	return 0;
}

static int on_arg(void *ctx, int key, const char *opt, const char *val, char *err, size_t errlen)
{
	struct pctx *p = ctx;

	switch (key) {
	case 0:
		if (json_object_get(p->a, p->key)) {
			err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
			return -EINVAL;
		}
		if (name_check(p->what, val, err, errlen) < 0)
			return -EINVAL;
		json_object_set_new(p->a, p->key, json_string(val));
		return 0;
	case K_MODE:
		return take_word(p, "mode", opt, val, modes, "nat, host-only or bridged", err, errlen);
	case K_SUBNET:
		return take_str(p, "subnet", opt, val, err, errlen);
	case K_UPLINK:
		return take_str(p, "uplink", opt, val, err, errlen);
	case K_RANGE:
		return take_str(p, "dhcp_range", opt, val, err, errlen);
	case K_FORCE:
		json_object_set_new(p->a, "force", json_true());
		return 0;
	case K_PROTO:
		return take_word(p, "proto", opt, val, protos, "tcp or udp", err, errlen);
	case K_HOST_PORT:
		return take_int(p, "host_port", opt, val, 1, 65535, err, errlen);
	case K_TO:
		return take_to(p, val, err, errlen);
	case K_NET:
		if (name_check("network", val, err, errlen) < 0)
			return -EINVAL;
		return set_once(p->a, "net", json_string(val), opt, err, errlen);
	case K_MAC:
		return take_str(p, "mac", opt, val, err, errlen);
	case K_VLAN:
		return take_int(p, "vlan", opt, val, 1, 4094, err, errlen);
	case K_RATE:
		return take_int(p, "rate", opt, val, 1, 100000, err, errlen);
	case K_IP:
		return take_str(p, "ip", opt, val, err, errlen);
	}
	err_set(err, errlen, "%s is not handled", opt);
	return -EINVAL;
}

/*
 * Scan argv into a fresh args object; then, unless --help was asked for,
 * require the positional name and each of need[] (args keys, with the
 * option that sets them).
 */
struct need {
	const char *key;
	const char *opt;
};

static int parse(struct pctx *p, int argc, char **argv, struct cli_opts *g,
		 const struct need *need, json_t **args, char *err, size_t errlen)
{
	int r;

	p->a = json_object();
	r = cli_scan_args(p->cmdname, argc, argv, g, p->opts, on_arg, p, err, errlen);
	if (r < 0)
		goto fail;
	if (g->help)
		goto done;
	r = -EINVAL;
	if (!json_object_get(p->a, p->key)) {
		err_set(err, errlen, "%s needs a %s name", p->cmdname, p->what);
		goto fail;
	}
	for (; need && need->key; need++) {
		if (!json_object_get(p->a, need->key)) {
			err_set(err, errlen, "%s needs %s", p->cmdname, need->opt);
			goto fail;
		}
	}
done:
	*args = p->a;
	return 0;
fail:
	json_decref(p->a);
	*args = NULL;
	return r;
}

static const struct cli_opt create_opts[] = {
	{ "--mode", K_MODE, "nat, host-only or bridged" },
	{ "--subnet", K_SUBNET, "a subnet such as 10.73.5.0/24" },
	{ "--uplink", K_UPLINK, "an interface name" },
	{ "--dhcp-range", K_RANGE, "FIRST-LAST (e.g. 10.73.5.100-10.73.5.200)" },
	{ NULL, 0, NULL },
};

int cli_parse_net_create(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	static const struct need need[] = {
		{ "mode", "--mode nat|host-only|bridged" }, { NULL, NULL } };
	struct pctx p = { cmdname, NULL, "network", "name", create_opts };

	return parse(&p, argc, argv, g, need, args, err, errlen);
}

static const struct cli_opt no_opts[] = { { NULL, 0, NULL } };

int cli_parse_net_name(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct pctx p = { cmdname, NULL, "network", "name", no_opts };

	return parse(&p, argc, argv, g, NULL, args, err, errlen);
}

static const struct cli_opt delete_opts[] = {
	{ "--force", K_FORCE, NULL },
	{ NULL, 0, NULL },
};

int cli_parse_net_delete(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	struct pctx p = { cmdname, NULL, "network", "name", delete_opts };

	return parse(&p, argc, argv, g, NULL, args, err, errlen);
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
	static const struct need need[] = {
		{ "proto", "--proto tcp|udp" }, { "host_port", "--host-port PORT" },
		{ "vm", "--to VM:PORT" }, { NULL, NULL } };
	struct pctx p = { cmdname, NULL, "network", "net", fwd_add_opts };

	return parse(&p, argc, argv, g, need, args, err, errlen);
}

int cli_parse_fwd_list(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct pctx p = { cmdname, NULL, "network", "net", no_opts };

	return parse(&p, argc, argv, g, NULL, args, err, errlen);
}

static const struct cli_opt fwd_remove_opts[] = {
	{ "--proto", K_PROTO, "tcp or udp" },
	{ "--host-port", K_HOST_PORT, "a port number" },
	{ NULL, 0, NULL },
};

int cli_parse_fwd_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	static const struct need need[] = {
		{ "proto", "--proto tcp|udp" }, { "host_port", "--host-port PORT" },
		{ NULL, NULL } };
	struct pctx p = { cmdname, NULL, "network", "net", fwd_remove_opts };

	return parse(&p, argc, argv, g, need, args, err, errlen);
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
	static const struct need need[] = { { "net", "--net NAME" }, { NULL, NULL } };
	struct pctx p = { cmdname, NULL, "VM", "name", nic_add_opts };

	return parse(&p, argc, argv, g, need, args, err, errlen);
}

static const struct cli_opt nic_remove_opts[] = {
	{ "--net", K_NET, "a network name" },
	{ "--mac", K_MAC, "a MAC address" },
	{ NULL, 0, NULL },
};

int cli_parse_vm_nic_remove(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			    json_t **args, char *err, size_t errlen)
{
	struct pctx p = { cmdname, NULL, "VM", "name", nic_remove_opts };
	int r;

	r = parse(&p, argc, argv, g, NULL, args, err, errlen);
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
