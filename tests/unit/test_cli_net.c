/*
 * Unit tests of the CLI's networking commands: the parsers (argv to the
 * request's args, or the message of a usage error), the formatters (canned
 * API JSON to text), the three-word dispatch and help ("croft net forward
 * add"), and the runners against a fake croftd that answers each op with
 * a canned result, so --json output can be checked for shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tui/cli.h"
#include "tests/unit/testlib.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("'%s' does not contain '%s'", hay ? hay : "(null)", needle);
}

/* ---- parsers ---- */

struct parsed {
	int r;
	json_t *args;
	char err[512];
	struct cli_opts g;
};

static void parse(struct parsed *p, cli_parse_fn fn, const char *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->r = fn(cmd, argc, argv, &p->g, &p->args, p->err, sizeof(p->err));
}

#define PARSE(p, fn, cmd, ...) parse(p, fn, cmd, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void args_are(struct parsed *p, const char *want)
{
	char *got;

	if (p->r != 0)
		fail_msg("parse failed: %s", p->err);
	got = json_dumps(p->args, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(got, want);
	free(got);
	json_decref(p->args);
}

static void refused(struct parsed *p, const char *msg)
{
	assert_int_equal(p->r, -EINVAL);
	assert_null(p->args);
	assert_contains(p->err, msg);
}

static void test_parse_net_create(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode", "nat");
	args_are(&p, "{\"mode\":\"nat\",\"name\":\"lan\"}");
	PARSE(&p, cli_parse_net_create, "net create", "--mode=host-only", "lab", "--subnet",
	       "10.1.0.0/24", "--dhcp-range", "10.1.0.10-10.1.0.20", "--json");
	args_are(&p, "{\"dhcp_range\":\"10.1.0.10-10.1.0.20\",\"mode\":\"host-only\","
		 "\"name\":\"lab\",\"subnet\":\"10.1.0.0/24\"}");
	assert_int_equal(p.g.json, 1);
	PARSE(&p, cli_parse_net_create, "net create", "br", "--mode", "bridged", "--uplink", "eth1");
	args_are(&p, "{\"mode\":\"bridged\",\"name\":\"br\",\"uplink\":\"eth1\"}");

	PARSE(&p, cli_parse_net_create, "net create", "lan");
	refused(&p, "net create needs --mode nat|host-only|bridged");
	PARSE(&p, cli_parse_net_create, "net create", "--mode", "nat");
	refused(&p, "net create needs a network name");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode", "routed");
	refused(&p, "--mode must be nat, host-only or bridged, not 'routed'");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode", "nat", "--mode", "nat");
	refused(&p, "--mode is given more than once");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "lan2", "--mode", "nat");
	refused(&p, "unexpected argument 'lan2' for 'net create'");
	PARSE(&p, cli_parse_net_create, "net create", "-lan", "--mode", "nat");
	refused(&p, "unknown option '-lan'");
	PARSE(&p, cli_parse_net_create, "net create", "a/b", "--mode", "nat");
	refused(&p, "network name 'a/b' contains '/'");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode");
	refused(&p, "--mode needs nat, host-only or bridged");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode", "nat", "--gateway", "x");
	refused(&p, "unknown option '--gateway' for 'net create'");
	PARSE(&p, cli_parse_net_create, "net create", "lan", "--mode", "nat", "--subnet", "");
	refused(&p, "--subnet needs a value");
	/* --help needs nothing else */
	PARSE(&p, cli_parse_net_create, "net create", "--help");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.g.help, 1);
	json_decref(p.args);
}

static void test_parse_net_name_delete(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, cli_parse_net_name, "net info", "lan");
	args_are(&p, "{\"name\":\"lan\"}");
	PARSE(&p, cli_parse_net_delete, "net delete", "lan", "--force");
	args_are(&p, "{\"force\":true,\"name\":\"lan\"}");
	PARSE(&p, cli_parse_net_delete, "net delete", "lan");
	args_are(&p, "{\"name\":\"lan\"}");
	PARSE(&p, cli_parse_net_delete, "net delete", "--force");
	refused(&p, "net delete needs a network name");
	PARSE(&p, cli_parse_net_name, "net info", "lan", "--force");
	refused(&p, "unknown option '--force' for 'net info'");
}

static void test_parse_forwards(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "8080", "--to", "web:80");
	args_are(&p, "{\"host_port\":8080,\"net\":\"lan\",\"port\":80,\"proto\":\"tcp\",\"vm\":\"web\"}");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--to=db:5432", "--proto=udp",
	       "--host-port=1");
	args_are(&p, "{\"host_port\":1,\"net\":\"lan\",\"port\":5432,\"proto\":\"udp\",\"vm\":\"db\"}");

	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "sctp", "--host-port",
	       "1", "--to", "web:1");
	refused(&p, "--proto must be tcp or udp, not 'sctp'");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "0", "--to", "web:1");
	refused(&p, "--host-port must be between 1 and 65535, not 0");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "65536", "--to", "web:1");
	refused(&p, "--host-port must be between 1 and 65535, not 65536");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "-1", "--to", "web:1");
	refused(&p, "--host-port needs a number, got '-1'");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "80", "--to", "web");
	refused(&p, "--to needs VM:PORT (e.g. web:80), got 'web'");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "80", "--to", ":80");
	refused(&p, "--to needs VM:PORT");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "80", "--to", "web:http");
	refused(&p, "--to port needs a number, got 'http'");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port",
	       "80", "--to", "we b:80");
	refused(&p, "VM name 'we b' contains ' '");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--to", "web:80");
	refused(&p, "net forward add needs --host-port PORT");
	PARSE(&p, cli_parse_fwd_add, "net forward add", "lan", "--proto", "tcp", "--host-port", "80");
	refused(&p, "net forward add needs --to VM:PORT");

	PARSE(&p, cli_parse_fwd_list, "net forward list", "lan");
	args_are(&p, "{\"net\":\"lan\"}");
	PARSE(&p, cli_parse_fwd_remove, "net forward remove", "lan", "--proto", "udp",
	       "--host-port", "53");
	args_are(&p, "{\"host_port\":53,\"net\":\"lan\",\"proto\":\"udp\"}");
	PARSE(&p, cli_parse_fwd_remove, "net forward remove", "lan", "--proto", "udp");
	refused(&p, "net forward remove needs --host-port PORT");
}

static void test_parse_nics(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "lan");
	args_are(&p, "{\"name\":\"web\",\"net\":\"lan\"}");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "br", "--mac",
	       "52:54:00:12:34:56", "--vlan", "4094", "--rate", "100000", "--ip", "192.168.1.9");
	args_are(&p, "{\"ip\":\"192.168.1.9\",\"mac\":\"52:54:00:12:34:56\",\"name\":\"web\","
		 "\"net\":\"br\",\"rate\":100000,\"vlan\":4094}");

	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web");
	refused(&p, "vm nic add needs --net NAME");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "--net", "lan");
	refused(&p, "vm nic add needs a VM name");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "br", "--vlan", "0");
	refused(&p, "--vlan must be between 1 and 4094, not 0");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "br", "--vlan", "5000");
	refused(&p, "--vlan must be between 1 and 4094, not 5000");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "br", "--rate", "0");
	refused(&p, "--rate must be between 1 and 100000, not 0");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "br", "--rate", "1G");
	refused(&p, "--rate needs a number, got '1G'");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "l an");
	refused(&p, "network name 'l an' contains ' '");
	PARSE(&p, cli_parse_vm_nic_add, "vm nic add", "web", "--net", "a", "--net", "b");
	refused(&p, "--net is given more than once");

	PARSE(&p, cli_parse_vm_nic_remove, "vm nic remove", "web", "--mac", "52:54:00:12:34:56");
	args_are(&p, "{\"mac\":\"52:54:00:12:34:56\",\"name\":\"web\"}");
	PARSE(&p, cli_parse_vm_nic_remove, "vm nic remove", "web", "--net", "lan");
	args_are(&p, "{\"name\":\"web\",\"net\":\"lan\"}");
	PARSE(&p, cli_parse_vm_nic_remove, "vm nic remove", "web");
	refused(&p, "vm nic remove needs either --mac MAC or --net NAME to say which NIC");
	PARSE(&p, cli_parse_vm_nic_remove, "vm nic remove", "web", "--net", "lan", "--mac", "x");
	refused(&p, "--mac and --net cannot be used together; give one");
}

/* ---- formatters ---- */

static const char net_lan[] =
	"{\"name\":\"lan\",\"mode\":\"nat\",\"subnet\":\"10.73.0.0/24\",\"gateway\":\"10.73.0.1\","
	"\"dhcp_first\":\"10.73.0.2\",\"dhcp_last\":\"10.73.0.254\",\"uplink\":\"eth0\","
	"\"bridge\":\"croftbr1\",\"created\":1700000000,"
	"\"nics\":[{\"vm\":\"web\",\"mac\":\"52:54:00:00:00:01\",\"address\":\"10.73.0.2\"}],"
	"\"forwards\":[{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\","
	"\"port\":80,\"address\":\"10.73.0.2\"}]}";
static const char net_br[] =
	"{\"name\":\"br\",\"mode\":\"bridged\",\"subnet\":null,\"gateway\":null,\"dhcp_first\":null,"
	"\"dhcp_last\":null,\"uplink\":\"lan1\",\"bridge\":\"croftbr2\",\"created\":1,"
	"\"nics\":[],\"forwards\":[]}";

static void test_format_nets(void **state)
{
	char *out, *list;

	(void)state;
	list = malloc(strlen(net_lan) + strlen(net_br) + 4);
	sprintf(list, "[%s,%s]", net_br, net_lan);
	out = tl_print_json_text(cli_format_net_list, list);
	assert_string_equal(out,
		"NAME  MODE     SUBNET        UPLINK  BRIDGE    NICS  FORWARDS\n"
		"br    bridged  -             lan1    croftbr2     0         0\n"
		"lan   nat      10.73.0.0/24  eth0    croftbr1     1         1\n");
	free(out);
	free(list);
	out = tl_print_json_text(cli_format_net_list, "[]");
	assert_string_equal(out, "No networks. Create one with: croft net create NAME --mode nat\n");
	free(out);

	out = tl_print_json_text(cli_format_net_info, net_lan);
	assert_string_equal(out,
		"name:        lan\n"
		"mode:        nat\n"
		"subnet:      10.73.0.0/24\n"
		"gateway:     10.73.0.1\n"
		"dhcp:        10.73.0.2 - 10.73.0.254\n"
		"uplink:      eth0\n"
		"bridge:      croftbr1\n"
		"nics:\n"
		"  web 52:54:00:00:00:01 10.73.0.2\n"
		"forwards:\n"
		"  tcp port 8080 -> web:80 (10.73.0.2)\n");
	free(out);
	out = tl_print_json_text(cli_format_net_info, net_br);
	assert_contains(out, "subnet:      -\n");
	assert_contains(out, "dhcp:        -\n");
	assert_contains(out, "nics:        none\n");
	assert_contains(out, "forwards:    none\n");
	free(out);
	/* a newer croftd's object with fields missing or odd does not break it */
	out = tl_print_json_text(cli_format_net_info, "{\"name\":7}");
	assert_contains(out, "name:        -\n");
	free(out);

	out = tl_print_json_text(cli_format_net_delete,
		  "{\"name\":\"lan\",\"nics_removed\":[{\"vm\":\"web\",\"mac\":\"52:54:00:00:00:01\"}],"
		  "\"forwards_removed\":[{\"net\":\"lan\",\"proto\":\"udp\",\"host_port\":53,"
		  "\"vm\":\"web\",\"port\":53,\"address\":null}]}");
	assert_string_equal(out,
		"lan: deleted\n"
		"  removed NIC 52:54:00:00:00:01 of VM web\n"
		"  removed forward on lan: udp port 53 -> web:53\n");
	free(out);
}

static void fwd_added(FILE *f, const json_t *v)
{
	cli_format_fwd(f, "added", v);
}

static void test_format_forwards_nics(void **state)
{
	char *out;

	(void)state;
	out = tl_print_json_text(cli_format_fwd_list,
		  "[{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\",\"port\":80,"
		  "\"address\":\"10.73.0.2\"},{\"net\":\"lan\",\"proto\":\"udp\",\"host_port\":53,"
		  "\"vm\":\"dns\",\"port\":5353,\"address\":\"10.73.0.10\"}]");
	assert_string_equal(out,
		"PROTO  HOST-PORT  VM   PORT  ADDRESS\n"
		"tcp         8080  web    80  10.73.0.2\n"
		"udp           53  dns  5353  10.73.0.10\n");
	free(out);
	out = tl_print_json_text(cli_format_fwd_list, "[]");
	assert_contains(out, "No port forwards.");
	free(out);
	out = tl_print_json_text(fwd_added, "{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\","
		  "\"port\":80,\"address\":\"10.73.0.2\"}");
	assert_string_equal(out, "lan: tcp port 8080 -> web:80 (10.73.0.2) added\n");
	free(out);

	out = tl_print_json_text(cli_format_nic_list,
		  "[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.73.0.2\","
		  "\"address\":\"10.73.0.2\",\"vlan\":null,\"rate\":null,\"tap\":\"croftt1\","
		  "\"model\":\"virtio\"},{\"net\":\"br\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null,"
		  "\"address\":null,\"vlan\":10,\"rate\":100,\"tap\":\"croftt12\",\"model\":\"virtio\"}]");
	assert_string_equal(out,
		"NET  MAC                IP         ADDRESS    VLAN  RATE  TAP\n"
		"lan  52:54:00:00:00:01  10.73.0.2  10.73.0.2     -     -  croftt1\n"
		"br   52:54:00:00:00:02  -          -            10  100M  croftt12\n");
	free(out);
	out = tl_print_json_text(cli_format_nic_list, "[]");
	assert_string_equal(out, "No NICs. Add one with: croft vm nic add VM --net NAME\n");
	free(out);

	out = tl_print_json_text(cli_format_vm_nics,
		  "[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.73.0.2\","
		  "\"address\":\"10.73.0.2\",\"vlan\":null,\"rate\":null,\"tap\":\"croftt1\"},"
		  "{\"net\":\"br\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null,\"address\":null,"
		  "\"vlan\":10,\"rate\":100,\"tap\":\"croftt2\"}]");
	assert_string_equal(out,
		"nics:\n"
		"  0: 52:54:00:00:00:01 on lan, ip 10.73.0.2 (address 10.73.0.2), tap croftt1\n"
		"  1: 52:54:00:00:00:02 on br, ip -, vlan 10, 100 Mbit/s, tap croftt2\n");
	free(out);
	out = tl_print_json_text(cli_format_vm_nics, "[]");
	assert_string_equal(out, "nics:        none\n");
	free(out);
}

static void test_format_vm_ip(void **state)
{
	json_t *vm;
	char *out;

	(void)state;
	vm = json_loads("{\"nics\":[{\"ip\":\"10.73.0.9\"},{\"ip\":\"10.1.1.1\"}]}", 0, NULL);
	assert_string_equal(cli_vm_first_ip(vm), "10.73.0.9");
	json_decref(vm);
	vm = json_loads("{\"nics\":[{\"ip\":null}]}", 0, NULL);
	assert_string_equal(cli_vm_first_ip(vm), "-");
	json_decref(vm);
	vm = json_loads("{\"name\":\"old\"}", 0, NULL);
	assert_string_equal(cli_vm_first_ip(vm), "-");
	json_decref(vm);

	out = tl_print_json_text(cli_format_vm_list,
		  "[{\"name\":\"web\",\"state\":\"running\",\"vcpus\":1,\"memory_mib\":256,"
		  "\"memory_min_mib\":256,\"pid\":42,\"uptime_s\":5,"
		  "\"nics\":[{\"ip\":\"10.73.0.9\"}]}]");
	assert_string_equal(out,
		"NAME  STATE    VCPUS  MEMORY   MIN  PID  UPTIME  IP\n"
		"web   running      1    256M  256M   42      5s  10.73.0.9\n");
	free(out);
	out = tl_print_json_text(cli_format_vm_info, "{\"name\":\"web\",\"nics\":[],\"disks\":[]}");
	assert_contains(out, "nics:        none\n");
	free(out);
	out = tl_print_json_text(cli_format_vm_delete, "{\"name\":\"web\",\"disks_removed\":[],\"disks_kept\":[],"
		  "\"nics_removed\":[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\"}],"
		  "\"forwards_removed\":[]}");
	assert_string_equal(out, "web: deleted\n  removed NIC 52:54:00:00:00:01 on network lan\n");
	free(out);
}

/* ---- dispatch and help ---- */

#define RUN(r, ...) tl_run_main(r, cli_main, ARGC("croft", __VA_ARGS__), ARGV("croft", __VA_ARGS__))

static void test_dispatch(void **state)
{
	static struct tl_run r;

	(void)state;
	RUN(&r, "net");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_contains(r.err, "croft: 'net' needs a command: create, list, info, delete, forward\n");
	RUN(&r, "net", "forward");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_contains(r.err, "croft: 'net forward' needs a command: add, list, remove\n");
	RUN(&r, "net", "forward", "drop");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_contains(r.err, "croft: unknown command 'net forward drop'; 'net forward' commands are: add, list, remove\n");
	RUN(&r, "vm", "nic");
	assert_contains(r.err, "croft: 'vm nic' needs a command: add, remove, list\n");
	RUN(&r, "vm", "nics");
	assert_contains(r.err, "croft: unknown command 'vm nics'");
	assert_contains(r.err, "commands are: create, list, info, start, stop, shutdown, pause, "
			"resume, reset, edit, delete, console, nic\n");
	/* a usage error names the three-word command and shows its usage */
	RUN(&r, "net", "forward", "add", "lan", "--proto", "tcp", "--host-port", "x", "--json");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_contains(r.err, "croft: --host-port needs a number, got 'x'\n");
	assert_contains(r.err, "usage: croft net forward add NET --proto tcp|udp --host-port P --to VM:PORT\n");
	assert_string_equal(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"--host-port needs a number, got 'x'\"}}\n");
	RUN(&r, "vm", "nic", "add", "web");
	assert_contains(r.err, "croft: vm nic add needs --net NAME\n");

	/* help at every level */
	RUN(&r, "help", "net");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "croft net create NAME --mode nat|host-only|bridged");
	assert_contains(r.out, "croft net forward remove NET --proto tcp|udp --host-port P");
	RUN(&r, "help", "net", "forward");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "croft net forward add");
	assert_true(strstr(r.out, "croft net create") == NULL);
	RUN(&r, "help", "net", "forward", "add");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: croft net forward add NET");
	RUN(&r, "help", "net", "forward", "add", "x");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	assert_contains(r.err, "unexpected argument 'x' for 'help'");
	RUN(&r, "help", "net", "forward", "nope");
	assert_contains(r.err, "unknown command 'net forward nope'");
	RUN(&r, "help", "vm", "start");
	assert_contains(r.out, "usage: croft vm start NAME");
	RUN(&r, "net", "forward", "--help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "croft net forward list NET");
	RUN(&r, "vm", "nic", "add", "--help");
	assert_int_equal(r.status, 0);
	assert_contains(r.out, "usage: croft vm nic add VM --net NAME");
	assert_contains(r.out, "--vlan N             1-4094, bridged networks only");
	RUN(&r, "net", "create", "--help");
	assert_contains(r.out, "--uplink IFACE       nat: default the interface of the default route;");
	RUN(&r, "help");
	assert_contains(r.out, "croft vm nic list VM\n");
	assert_contains(r.out, "croft net forward add NET");
}

/* ---- runners against a fake croftd ---- */

/* Run croft against the fake croftd API answering op with result (the JSON
 * text, or "!code:message" for an error). */
#define SERVED(r, op, result, ...) do { \
		const struct tl_step st_[] = { { op, NULL, result, NULL, 0, NULL }, { NULL } }; \
		tl_run_scripted(r, st_, cli_main, ARGC("croft", __VA_ARGS__), \
				ARGV("croft", __VA_ARGS__)); \
	} while (0)

static void test_runners(void **state)
{
	static struct tl_run r;

	(void)state;
	/* lists print the array itself with --json */
	SERVED(&r, "net.list", "{\"networks\":[{\"name\":\"lan\",\"mode\":\"nat\"}]}",
	       "net", "list", "--json");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[{\"name\":\"lan\",\"mode\":\"nat\"}]\n");

	SERVED(&r, "vm.nic.list",
	       "{\"name\":\"web\",\"nics\":[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\"}]}",
	       "vm", "nic", "list", "web", "--json");
	assert_string_equal(r.out, "[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\"}]\n");

	SERVED(&r, "net.forward.list", "{\"forwards\":[]}",
	       "net", "forward", "list", "lan");
	assert_contains(r.out, "No port forwards.");

	/* one-line confirmations */
	SERVED(&r, "net.create", "{\"name\":\"lan\",\"mode\":\"nat\",\"subnet\":\"10.73.0.0/24\","
	       "\"uplink\":\"eth0\",\"bridge\":\"croftbr1\"}",
	       "net", "create", "lan", "--mode", "nat");
	assert_string_equal(r.out, "lan: created (nat, subnet 10.73.0.0/24, uplink eth0, bridge croftbr1)\n");

	SERVED(&r, "vm.nic.add", "{\"name\":\"web\",\"nic\":{\"net\":\"lan\","
	       "\"mac\":\"52:54:00:00:00:09\",\"address\":\"10.73.0.9\"}}",
	       "vm", "nic", "add", "web", "--net", "lan");
	assert_string_equal(r.out, "web: added NIC 52:54:00:00:00:09 on network lan (address 10.73.0.9)\n");

	/* croftd's error: exit 1, its message and code */
	SERVED(&r, "net.delete",
	       "!unavailable:croft-netd is not running (no answer at /run/croft/netd.sock)",
	       "net", "delete", "lan", "--json");
	assert_int_equal(r.status, CLI_EXIT_ERROR);
	assert_contains(r.err, "croft: croft-netd is not running (no answer at /run/croft/netd.sock)\n");
	assert_contains(r.out, "\"code\":\"unavailable\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_net_create),
		cmocka_unit_test(test_parse_net_name_delete),
		cmocka_unit_test(test_parse_forwards),
		cmocka_unit_test(test_parse_nics),
		cmocka_unit_test(test_format_nets),
		cmocka_unit_test(test_format_forwards_nics),
		cmocka_unit_test(test_format_vm_ip),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_runners),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
