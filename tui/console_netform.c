/*
 * The Networks screen's forms (console_net.h), three field tables on the
 * form engine (tui/form.h): a new network, a port forward, a NIC.  The
 * engine types the numbers (ports, VLAN, rate); the checks here add what
 * needs no host, by croftd's own rules and in its words: names
 * (common/validate.h), subnets, DHCP ranges and their place in a given
 * subnet, uplinks, IPv4 addresses and MACs (common/addr.h).  A field that
 * does not fit the network's mode (a bridged network's subnet, a VLAN on
 * a nat network) says why instead of taking input.
 */
#include "tui/console_net.h"
#include "common/addr.h"
#include "common/json_get.h"
#include "common/validate.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PORT_MAX 65535
#define VLAN_MAX 4094             /* croftd's limits (core/net_state.h) */
#define RATE_MAX_MBIT 100000

static const char *const modes[] = { "nat", "host-only", "bridged", NULL };
static const char *const protos[] = { "tcp", "udp", NULL };
static const char *const off_on[] = { "off", "on", NULL };

static const struct form_spec net_spec, fwd_spec, nic_spec;

/* The network's mode: the form's choice, or the NIC form's network's. */
static int is_mode(const struct form *f, const char *mode)
{
	if (form_spec(f) == &net_spec)
		return !strcmp(form_choice(f, CF_NET_MODE, form_chosen(f, CF_NET_MODE)), mode);
	return form_ctx(f) && !strcmp(form_ctx(f), mode);
}

/* --- checks ------------------------------------------------------------------ */

static int check_net_name(struct form *f, size_t id, char *msg, size_t len)
{
	return name_check("network", form_text(f, id), msg, len);
}

static int check_subnet(struct form *f, size_t id, char *msg, size_t len)
{
	struct in_addr net;
	uint32_t prefix;

	return *form_text(f, id) ? addr_cidr_parse(form_text(f, id), &net, &prefix, msg, len) : 0;
}

static int check_uplink(struct form *f, size_t id, char *msg, size_t len)
{
	if (*form_text(f, id))
		return addr_uplink_check(form_text(f, id), msg, len);
	if (!is_mode(f, "bridged"))
		return 0;
	err_set(msg, len, "a bridged network needs an uplink: the NIC to enslave to its bridge");
	return -EINVAL;
}

static int check_range(struct form *f, size_t id, char *msg, size_t len)
{
	const char *subnet = form_text(f, CF_NET_SUBNET);
	struct netd_net n = { 0 };
	struct in_addr first, last;

	if (!*form_text(f, id))
		return 0;
	if (addr_range_parse(form_text(f, id), &first, &last, msg, len) < 0)
		return -EINVAL;
	/* the rest needs the subnet; without one croftd picks it */
	if (!*subnet || addr_cidr_parse(subnet, &n.subnet, &n.prefix, NULL, 0) < 0)
		return 0;
	addr_net_defaults(&n);
	n.dhcp_first = first;
	n.dhcp_last = last;
	return addr_range_check(&n, msg, len);
}

static int check_ip(struct form *f, size_t id, char *msg, size_t len)
{
	struct in_addr a;

	return *form_text(f, id) ? addr_parse("address", form_text(f, id), &a, msg, len) : 0;
}

static int check_mac(struct form *f, size_t id, char *msg, size_t len)
{
	uint8_t mac[6];

	return *form_text(f, id) ? addr_mac_parse(form_text(f, id), mac, msg, len) : 0;
}

/* --- when a field applies ------------------------------------------------------- */

static const char *bridged_no_subnet(const struct form *f)
{
	return is_mode(f, "bridged") ? "n/a: bridged networks get addresses from the LAN" : NULL;
}

static const char *hostonly_no_uplink(const struct form *f)
{
	return is_mode(f, "host-only") ? "n/a: host-only networks have no uplink" : NULL;
}

static const char *vlan_needs_bridged(const struct form *f)
{
	return is_mode(f, "bridged") ? NULL : "n/a: VLANs need a bridged network";
}

static const char *bridged_no_host_access(const struct form *f)
{
	return is_mode(f, "bridged") ? "n/a: a bridged network's guests reach the host through the LAN"
		: NULL;
}

static const char *host_access_hint(const struct form *f)
{
	(void)f;
	return "off: guests reach only DHCP, DNS and ping on the host";
}

static const char *uplink_hint(const struct form *f)
{
	return is_mode(f, "bridged") ? "required: the NIC to enslave" : "the default route's interface";
}

/* --- the tables -------------------------------------------------------------------- */

static const char *const w_net_name[] = { "network name", "a network named", NULL };
static const char *const w_mode[] = { "network mode", NULL };
static const char *const w_subnet[] = { "subnet", NULL };
static const char *const w_uplink[] = { "uplink", "enslave", NULL };
static const char *const w_range[] = { "DHCP range", "dhcp-range", NULL };
static const char *const w_host_access[] = { "host-access", "host access", NULL };
static const char *const w_proto[] = { "protocol", NULL };
static const char *const w_host_port[] = { "host port", "is already forwarded", NULL };
static const char *const w_guest_port[] = { "guest port", NULL };
static const char *const w_vm[] = { "no VM named", "VM '", "has no NIC on", NULL };
static const char *const w_ip[] = { "address", NULL };
static const char *const w_mac[] = { "MAC", NULL };
static const char *const w_vlan[] = { "VLAN", NULL };
static const char *const w_rate[] = { "rate", NULL };

static const struct form_field net_fields[] = {
	[CF_NET_NAME] = { .label = "Name", .key = "name", .kind = FORM_TEXT, .flags = FORM_REQUIRED,
			  .what = "network name", .check = check_net_name, .words = w_net_name },
	[CF_NET_MODE] = { .label = "Mode", .key = "mode", .kind = FORM_CHOICE, .choices = modes,
			  .words = w_mode },
	[CF_NET_SUBNET] = { .label = "Subnet", .key = "subnet", .kind = FORM_TEXT,
			    .placeholder = "a free 10.73.N.0/24", .check = check_subnet,
			    .why_not = bridged_no_subnet, .words = w_subnet },
	[CF_NET_UPLINK] = { .label = "Uplink", .key = "uplink", .kind = FORM_TEXT,
			    .hint = uplink_hint, .check = check_uplink,
			    .why_not = hostonly_no_uplink, .words = w_uplink },
	[CF_NET_RANGE] = { .label = "DHCP range", .key = "dhcp_range", .kind = FORM_TEXT,
			   .placeholder = ".2 to the last address", .check = check_range,
			   .why_not = bridged_no_subnet, .words = w_range },
	/* no key: net_args sends it as the boolean croftd takes */
	[CF_NET_HOST_ACCESS] = { .label = "Host access", .kind = FORM_CHOICE, .choices = off_on,
				 .hint = host_access_hint, .why_not = bridged_no_host_access,
				 .words = w_host_access },
};

static const struct form_field fwd_fields[] = {
	[CF_FWD_PROTO] = { .label = "Proto", .key = "proto", .kind = FORM_CHOICE, .choices = protos,
			   .words = w_proto },
	[CF_FWD_HOST_PORT] = { .label = "Host port", .key = "host_port", .kind = FORM_NUMBER,
			       .flags = FORM_REQUIRED, .what = "host port", .lo = 1, .hi = PORT_MAX,
			       .placeholder = "1-65535", .words = w_host_port },
	[CF_FWD_VM] = { .label = "VM", .key = "vm", .kind = FORM_CHOICE, .words = w_vm },
	[CF_FWD_GUEST_PORT] = { .label = "Guest port", .key = "port", .kind = FORM_NUMBER,
				.flags = FORM_REQUIRED, .what = "guest port", .lo = 1, .hi = PORT_MAX,
				.placeholder = "1-65535", .words = w_guest_port },
};

static const struct form_field nic_fields[] = {
	[CF_NIC_VM] = { .label = "VM", .key = "name", .kind = FORM_CHOICE, .words = w_vm },
	[CF_NIC_IP] = { .label = "Address", .key = "ip", .kind = FORM_TEXT,
			.placeholder = "the next free one", .check = check_ip, .words = w_ip },
	[CF_NIC_MAC] = { .label = "MAC", .key = "mac", .kind = FORM_TEXT,
			 .placeholder = "random 52:54:00:xx:xx:xx", .check = check_mac, .words = w_mac },
	[CF_NIC_VLAN] = { .label = "VLAN", .key = "vlan", .kind = FORM_NUMBER, .what = "VLAN",
			  .lo = 1, .hi = VLAN_MAX, .placeholder = "untagged",
			  .why_not = vlan_needs_bridged, .words = w_vlan },
	[CF_NIC_RATE] = { .label = "Rate (Mbit/s)", .key = "rate", .kind = FORM_NUMBER,
			  .what = "rate (Mbit/s)", .lo = 1, .hi = RATE_MAX_MBIT,
			  .placeholder = "no limit", .words = w_rate },
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* The fields with a key as the form engine sends them, and host_access
 * (true) when it is on: off is croftd's default. */
static json_t *net_args(const struct form *f)
{
	json_t *a = json_object();
	size_t i;

	for (i = 0; i < NFIELDS(net_fields); i++) {
		if (!net_fields[i].key || !form_has(f, i))
			continue;
		json_object_set_new(a, net_fields[i].key, json_string(
			net_fields[i].kind == FORM_CHOICE ? form_choice(f, i, form_chosen(f, i))
							  : form_text(f, i)));
	}
	if (form_active(f, CF_NET_HOST_ACCESS) &&
	    !strcmp(form_choice(f, CF_NET_HOST_ACCESS, form_chosen(f, CF_NET_HOST_ACCESS)), "on"))
		json_object_set_new(a, "host_access", json_true());
	return a;
}

/* title, note, op, Enter's verb, subject key, fields, args, ctx */
static const struct form_spec net_spec = {
	"New network", "Empty fields take croftd's defaults", "net.create", "submit", NULL,
	net_fields, NFIELDS(net_fields), net_args, NULL,
};
static const struct form_spec fwd_spec = {
	"New port forward on %s", "The host's port, from outside and from the host, goes to the VM",
	"net.forward.add", "submit", "net", fwd_fields, NFIELDS(fwd_fields), NULL, NULL,
};
static const struct form_spec nic_spec = {
	"New NIC on %s", "A running VM gets it hot-plugged; empty fields take the defaults",
	"vm.nic.add", "submit", "net", nic_fields, NFIELDS(nic_fields), NULL, free,
};

/* --- the forms ----------------------------------------------------------------------- */

struct form *netform_new_net(void)
{
	struct form *f = form_new(&net_spec, NULL);

	form_ready(f);
	return f;
}

struct form *netform_new_forward(const char *net, const char *const *vms, size_t nvms)
{
	struct form *f = form_new(&fwd_spec, net);

	form_set_choices(f, CF_FWD_VM, vms, nvms);
	form_ready(f);
	return f;
}

struct form *netform_new_nic(const char *net, const char *mode, const char *const *vms,
			     size_t nvms, const char *vm)
{
	struct form *f = form_new(&nic_spec, net);

	form_set_ctx(f, xstrdup(mode ? mode : ""));
	form_set_choices(f, CF_NIC_VM, vms, nvms);
	form_choose(f, CF_NIC_VM, vm);
	form_ready(f);
	return f;
}

/* --- the status line --------------------------------------------------------------- */

static void say(char *progress, char *done, size_t len, const char *doing, const char *did,
		const char *what)
{
	snprintf(progress, len, "%s %s", doing, what);
	snprintf(done, len, "%s %s", did, what);
}

void netform_describe_net(const json_t *args, char *progress, char *done, size_t len)
{
	char what[128];

	snprintf(what, sizeof(what), "network %s", jget_str(args, "name", "?"));
	say(progress, done, len, "Creating", "Created", what);
}

void netform_describe_forward(const json_t *args, char *progress, char *done, size_t len)
{
	char what[256];

	snprintf(what, sizeof(what), "%s port %lld to %s:%lld on %s", jget_str(args, "proto", "?"),
		 jget_int(args, "host_port", 0), jget_str(args, "vm", "?"), jget_int(args, "port", 0),
		 jget_str(args, "net", "?"));
	say(progress, done, len, "Forwarding", "Forwarded", what);
}

void netform_describe_nic(const json_t *args, char *progress, char *done, size_t len)
{
	char what[256];

	snprintf(what, sizeof(what), "a NIC on %s for %s", jget_str(args, "net", "?"),
		 jget_str(args, "name", "?"));
	say(progress, done, len, "Adding", "Added", what);
}
