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

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tui/cli.h"
#include "tests/unit/testlib_cli.h"

/* ---- parsers ---- */

static const struct tl_parse_case net_create_cases[] = {
	{ { "lan", "--mode", "nat" }, .args = "{\"mode\":\"nat\",\"name\":\"lan\"}" },
	{ { "br", "--mode", "bridged", "--uplink", "eth1" },
	  .args = "{\"mode\":\"bridged\",\"name\":\"br\",\"uplink\":\"eth1\"}" },
	{ { "lan" }, .err = "net create needs --mode nat|host-only|bridged" },
	{ { "--mode", "nat" }, .err = "net create needs a network name" },
	{ { "lan", "--mode", "routed" },
	  .err = "--mode must be nat, host-only or bridged, not 'routed'" },
	{ { "lan", "--mode", "nat", "--mode", "nat" },
	  .err = "--mode is given more than once" },
	{ { "lan", "lan2", "--mode", "nat" },
	  .err = "unexpected argument 'lan2' for 'net create'" },
	{ { "-lan", "--mode", "nat" }, .err = "unknown option '-lan' for 'net create'" },
	{ { "a/b", "--mode", "nat" },
	  .err = "network name 'a/b' contains '/'; use letters, digits, '-', '_' and '.'" },
	{ { "lan", "--mode" }, .err = "--mode needs nat, host-only or bridged" },
	{ { "lan", "--mode", "nat", "--gateway", "x" },
	  .err = "unknown option '--gateway' for 'net create'" },
	{ { "lan", "--mode", "nat", "--subnet", "" }, .err = "--subnet needs a value" },
	{ { "lan", "--mode", "nat", "--host-access", "on" },
	  .args = "{\"host_access\":true,\"mode\":\"nat\",\"name\":\"lan\"}" },
	{ { "lan", "--mode", "nat", "--host-access", "yes" },
	  .err = "--host-access must be on or off, not 'yes'" },
};

static const struct tl_parse_case net_edit_cases[] = {
	{ { "lan", "--host-access", "on" }, .args = "{\"host_access\":true,\"name\":\"lan\"}" },
	{ { "lan", "--host-access=off" }, .args = "{\"host_access\":false,\"name\":\"lan\"}" },
	{ { "lan" }, .err = "net edit needs --host-access on|off" },
	{ { "lan", "--host-access", "1" }, .err = "--host-access must be on or off, not '1'" },
	{ { "lan", "--host-access", "on", "--host-access", "off" },
	  .err = "--host-access is given more than once" },
	{ { "lan", "--mode", "nat" }, .err = "unknown option '--mode' for 'net edit'" },
};

static void test_parse_net_edit(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_net_edit, "net edit", net_edit_cases);
}

static void test_parse_net_create(void **state)
{
	struct tl_parsed p;

	(void)state;
	TL_PARSE_CASES(cli_parse_net_create, "net create", net_create_cases);
	TL_PARSE(&p, cli_parse_net_create, "net create", "--mode=host-only", "lab", "--subnet",
		 "10.1.0.0/24", "--dhcp-range", "10.1.0.10-10.1.0.20", "--json");
	assert_int_equal(p.g.json, 1);
	tl_parsed_args(&p, "{\"dhcp_range\":\"10.1.0.10-10.1.0.20\",\"mode\":\"host-only\","
		       "\"name\":\"lab\",\"subnet\":\"10.1.0.0/24\"}");
	/* --help needs nothing else */
	TL_PARSE(&p, cli_parse_net_create, "net create", "--help");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.g.help, 1);
	json_decref(p.args);
}

static const struct tl_parse_case net_info_cases[] = {
	{ { "lan" }, .args = "{\"name\":\"lan\"}" },
	{ { "lan", "--force" }, .err = "unknown option '--force' for 'net info'" },
};

static const struct tl_parse_case net_delete_cases[] = {
	{ { "lan", "--force" }, .args = "{\"force\":true,\"name\":\"lan\"}" },
	{ { "lan" }, .args = "{\"name\":\"lan\"}" },
	{ { "--force" }, .err = "net delete needs a network name" },
};

static void test_parse_net_name_delete(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_net_name, "net info", net_info_cases);
	TL_PARSE_CASES(cli_parse_net_delete, "net delete", net_delete_cases);
}

static const struct tl_parse_case fwd_remove_cases[] = {
	{ { "lan", "--proto", "udp", "--host-port", "53" },
	  .args = "{\"host_port\":53,\"net\":\"lan\",\"proto\":\"udp\"}" },
	{ { "lan", "--proto", "udp" }, .err = "net forward remove needs --host-port PORT" },
};

static const struct tl_parse_case fwd_add_cases[] = {
	{ { "lan", "--proto", "tcp", "--host-port", "8080", "--to", "web:80" },
	  .args = "{\"host_port\":8080,\"net\":\"lan\",\"port\":80,\"proto\":\"tcp\",\"vm\":\"web\"}" },
	{ { "lan", "--to=db:5432", "--proto=udp", "--host-port=1" },
	  .args = "{\"host_port\":1,\"net\":\"lan\",\"port\":5432,\"proto\":\"udp\",\"vm\":\"db\"}" },
	{ { "lan", "--proto", "sctp", "--host-port", "1", "--to", "web:1" },
	  .err = "--proto must be tcp or udp, not 'sctp'" },
	{ { "lan", "--proto", "tcp", "--host-port", "0", "--to", "web:1" },
	  .err = "--host-port must be between 1 and 65535, not 0" },
	{ { "lan", "--proto", "tcp", "--host-port", "65536", "--to", "web:1" },
	  .err = "--host-port must be between 1 and 65535, not 65536" },
	{ { "lan", "--proto", "tcp", "--host-port", "-1", "--to", "web:1" },
	  .err = "--host-port needs a number, got '-1'" },
	{ { "lan", "--proto", "tcp", "--host-port", "80", "--to", "web" },
	  .err = "--to needs VM:PORT (e.g. web:80), got 'web'" },
	{ { "lan", "--proto", "tcp", "--host-port", "80", "--to", ":80" },
	  .err = "--to needs VM:PORT (e.g. web:80), got ':80'" },
	{ { "lan", "--proto", "tcp", "--host-port", "80", "--to", "web:http" },
	  .err = "--to port needs a number, got 'http'" },
	{ { "lan", "--proto", "tcp", "--host-port", "80", "--to", "we b:80" },
	  .err = "VM name 'we b' contains ' '; use letters, digits, '-', '_' and '.'" },
	{ { "lan", "--proto", "tcp", "--to", "web:80" },
	  .err = "net forward add needs --host-port PORT" },
	{ { "lan", "--proto", "tcp", "--host-port", "80" },
	  .err = "net forward add needs --to VM:PORT" },
};

static void test_parse_forwards(void **state)
{
	struct tl_parsed p;

	(void)state;
	TL_PARSE_CASES(cli_parse_fwd_add, "net forward add", fwd_add_cases);
	TL_PARSE(&p, cli_parse_fwd_list, "net forward list", "lan");
	tl_parsed_args(&p, "{\"net\":\"lan\"}");
	TL_PARSE_CASES(cli_parse_fwd_remove, "net forward remove", fwd_remove_cases);
}

static const struct tl_parse_case nic_remove_cases[] = {
	{ { "web", "--mac", "52:54:00:12:34:56" },
	  .args = "{\"mac\":\"52:54:00:12:34:56\",\"name\":\"web\"}" },
	{ { "web", "--net", "lan" }, .args = "{\"name\":\"web\",\"net\":\"lan\"}" },
	{ { "web" },
	  .err = "vm nic remove needs either --mac MAC or --net NAME to say which NIC" },
	{ { "web", "--net", "lan", "--mac", "x" },
	  .err = "--mac and --net cannot be used together; give one" },
};

static const struct tl_parse_case nic_add_cases[] = {
	{ { "web", "--net", "lan" }, .args = "{\"name\":\"web\",\"net\":\"lan\"}" },
	{ { "web", "--net", "br", "--mac", "52:54:00:12:34:56", "--vlan", "4094", "--rate", "100000",
	    "--ip", "192.168.1.9" },
	  .args = "{\"ip\":\"192.168.1.9\",\"mac\":\"52:54:00:12:34:56\",\"name\":\"web\","
		  "\"net\":\"br\",\"rate\":100000,\"vlan\":4094}" },
	{ { "web" }, .err = "vm nic add needs --net NAME" },
	{ { "--net", "lan" }, .err = "vm nic add needs a VM name" },
	{ { "web", "--net", "br", "--vlan", "0" },
	  .err = "--vlan must be between 1 and 4094, not 0" },
	{ { "web", "--net", "br", "--vlan", "5000" },
	  .err = "--vlan must be between 1 and 4094, not 5000" },
	{ { "web", "--net", "br", "--rate", "0" },
	  .err = "--rate must be between 1 and 100000, not 0" },
	{ { "web", "--net", "br", "--rate", "1G" }, .err = "--rate needs a number, got '1G'" },
	{ { "web", "--net", "l an" },
	  .err = "network name 'l an' contains ' '; use letters, digits, '-', '_' and '.'" },
	{ { "web", "--net", "a", "--net", "b" }, .err = "--net is given more than once" },
};

static void test_parse_nics(void **state)
{
	(void)state;
	TL_PARSE_CASES(cli_parse_vm_nic_add, "vm nic add", nic_add_cases);
	TL_PARSE_CASES(cli_parse_vm_nic_remove, "vm nic remove", nic_remove_cases);
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
	tl_expect_printed(cli_format_net_list, list,
			  "NAME  MODE     SUBNET        UPLINK  BRIDGE    NICS  FORWARDS\n"
			  "br    bridged  -             lan1    croftbr2     0         0\n"
			  "lan   nat      10.73.0.0/24  eth0    croftbr1     1         1\n");
	free(list);
	tl_expect_printed(cli_format_net_list, "[]",
			  "No networks. Create one with: croft net create NAME --mode nat\n");

	tl_expect_printed(cli_format_net_info, net_lan,
			  "name:        lan\n"
			  "mode:        nat\n"
			  "subnet:      10.73.0.0/24\n"
			  "gateway:     10.73.0.1\n"
			  "dhcp:        10.73.0.2 - 10.73.0.254\n"
			  "uplink:      eth0\n"
			  "bridge:      croftbr1\n"
			  "host access: off (DHCP, DNS and ping only)\n"
			  "nics:\n"
			  "  web 52:54:00:00:00:01 10.73.0.2\n"
			  "forwards:\n"
			  "  tcp port 8080 -> web:80 (10.73.0.2)\n");
	out = tl_print_json_text(cli_format_net_info, net_br);
	tl_assert_contains(out, "subnet:      -\n");
	tl_assert_contains(out, "dhcp:        -\n");
	tl_assert_contains(out, "nics:        none\n");
	tl_assert_contains(out, "forwards:    none\n");
	assert_null(strstr(out, "host access"));
	free(out);
	/* a newer croftd's object with fields missing or odd does not break it */
	out = tl_print_json_text(cli_format_net_info, "{\"name\":7}");
	tl_assert_contains(out, "name:        -\n");
	free(out);

	tl_expect_printed(cli_format_net_delete,
			  "{\"name\":\"lan\",\"nics_removed\":[{\"vm\":\"web\",\"mac\":\"52:54:00:00:00:01\"}],"
			  "\"forwards_removed\":[{\"net\":\"lan\",\"proto\":\"udp\",\"host_port\":53,"
			  "\"vm\":\"web\",\"port\":53,\"address\":null}]}",
			  "lan: deleted\n"
			  "  removed NIC 52:54:00:00:00:01 of VM web\n"
			  "  removed forward on lan: udp port 53 -> web:53\n");
}

static void fwd_added(FILE *f, const json_t *v)
{
	cli_format_fwd(f, "added", v);
}

static void test_format_forwards_nics(void **state)
{
	char *out;

	(void)state;
	tl_expect_printed(cli_format_fwd_list,
			  "[{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\",\"port\":80,"
			  "\"address\":\"10.73.0.2\"},{\"net\":\"lan\",\"proto\":\"udp\",\"host_port\":53,"
			  "\"vm\":\"dns\",\"port\":5353,\"address\":\"10.73.0.10\"}]",
			  "PROTO  HOST-PORT  VM   PORT  ADDRESS\n"
			  "tcp         8080  web    80  10.73.0.2\n"
			  "udp           53  dns  5353  10.73.0.10\n");
	out = tl_print_json_text(cli_format_fwd_list, "[]");
	tl_assert_contains(out, "No port forwards.");
	free(out);
	tl_expect_printed(fwd_added,
			  "{\"net\":\"lan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\","
			  "\"port\":80,\"address\":\"10.73.0.2\"}",
			  "lan: tcp port 8080 -> web:80 (10.73.0.2) added\n");

	tl_expect_printed(cli_format_nic_list,
			  "[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.73.0.2\","
			  "\"address\":\"10.73.0.2\",\"vlan\":null,\"rate\":null,\"tap\":\"croftt1\","
			  "\"model\":\"virtio\"},{\"net\":\"br\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null,"
			  "\"address\":null,\"vlan\":10,\"rate\":100,\"tap\":\"croftt12\",\"model\":\"virtio\"}]",
			  "NET  MAC                IP         ADDRESS    VLAN  RATE  TAP\n"
			  "lan  52:54:00:00:00:01  10.73.0.2  10.73.0.2     -     -  croftt1\n"
			  "br   52:54:00:00:00:02  -          -            10  100M  croftt12\n");
	tl_expect_printed(cli_format_nic_list, "[]",
			  "No NICs. Add one with: croft vm nic add VM --net NAME\n");

	tl_expect_printed(cli_format_vm_nics,
			  "[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.73.0.2\","
			  "\"address\":\"10.73.0.2\",\"vlan\":null,\"rate\":null,\"tap\":\"croftt1\"},"
			  "{\"net\":\"br\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null,\"address\":null,"
			  "\"vlan\":10,\"rate\":100,\"tap\":\"croftt2\"}]",
			  "nics:\n"
			  "  0: 52:54:00:00:00:01 on lan, ip 10.73.0.2 (address 10.73.0.2), tap croftt1\n"
			  "  1: 52:54:00:00:00:02 on br, ip -, vlan 10, 100 Mbit/s, tap croftt2\n");
	tl_expect_printed(cli_format_vm_nics, "[]", "nics:        none\n");
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

	tl_expect_printed(cli_format_vm_list,
			  "[{\"name\":\"web\",\"state\":\"running\",\"vcpus\":1,\"memory_mib\":256,"
			  "\"memory_min_mib\":256,\"pid\":42,\"uptime_s\":5,"
			  "\"nics\":[{\"ip\":\"10.73.0.9\"}]}]",
			  "NAME  STATE    VCPUS  MEMORY   MIN  PID  UPTIME  IP\n"
			  "web   running      1    256M  256M   42      5s  10.73.0.9\n");
	out = tl_print_json_text(cli_format_vm_info, "{\"name\":\"web\",\"nics\":[],\"disks\":[]}");
	tl_assert_contains(out, "nics:        none\n");
	free(out);
	tl_expect_printed(cli_format_vm_delete,
			  "{\"name\":\"web\",\"disks_removed\":[],\"disks_kept\":[],"
			  "\"nics_removed\":[{\"net\":\"lan\",\"mac\":\"52:54:00:00:00:01\"}],"
			  "\"forwards_removed\":[]}",
			  "web: deleted\n  removed NIC 52:54:00:00:00:01 on network lan\n");
}

/* ---- dispatch and help ---- */

static void test_dispatch(void **state)
{
	static struct tl_run r;

	(void)state;
	TL_CROFT(&r, "net");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	tl_assert_contains(r.err, "croft: 'net' needs a command: create, edit, list, info, delete, forward\n");
	TL_CROFT(&r, "net", "forward");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	tl_assert_contains(r.err, "croft: 'net forward' needs a command: add, list, remove\n");
	TL_CROFT(&r, "net", "forward", "drop");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	tl_assert_contains(r.err, "croft: unknown command 'net forward drop'; 'net forward' commands are: add, list, remove\n");
	TL_CROFT(&r, "vm", "nic");
	tl_assert_contains(r.err, "croft: 'vm nic' needs a command: add, remove, list\n");
	TL_CROFT(&r, "vm", "nics");
	tl_assert_contains(r.err, "croft: unknown command 'vm nics'");
	tl_assert_contains(r.err, "commands are: create, list, info, start, stop, shutdown, pause, "
			"resume, reset, edit, delete, console, log, display, screen, sendkey, agent, stats, nic, disk\n");
	/* a usage error names the three-word command and shows its usage */
	TL_CROFT(&r, "net", "forward", "add", "lan", "--proto", "tcp", "--host-port", "x", "--json");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	tl_assert_contains(r.err, "croft: --host-port needs a number, got 'x'\n");
	tl_assert_contains(r.err, "usage: croft net forward add NET --proto tcp|udp --host-port P --to VM:PORT\n");
	assert_string_equal(r.out, "{\"error\":{\"code\":\"usage\",\"message\":\"--host-port needs a number, got 'x'\"}}\n");
	TL_CROFT(&r, "vm", "nic", "add", "web");
	tl_assert_contains(r.err, "croft: vm nic add needs --net NAME\n");

	/* help at every level */
	TL_CROFT(&r, "help", "net");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "croft net create NAME --mode nat|host-only|bridged");
	tl_assert_contains(r.out, "croft net forward remove NET --proto tcp|udp --host-port P");
	TL_CROFT(&r, "help", "net", "forward");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "croft net forward add");
	assert_true(strstr(r.out, "croft net create") == NULL);
	TL_CROFT(&r, "help", "net", "forward", "add");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "usage: croft net forward add NET");
	TL_CROFT(&r, "help", "net", "forward", "add", "x");
	assert_int_equal(r.status, CLI_EXIT_USAGE);
	tl_assert_contains(r.err, "unexpected argument 'x' for 'help'");
	TL_CROFT(&r, "help", "net", "forward", "nope");
	tl_assert_contains(r.err, "unknown command 'net forward nope'");
	TL_CROFT(&r, "help", "vm", "start");
	tl_assert_contains(r.out, "usage: croft vm start NAME");
	TL_CROFT(&r, "net", "forward", "--help");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "croft net forward list NET");
	TL_CROFT(&r, "vm", "nic", "add", "--help");
	assert_int_equal(r.status, 0);
	tl_assert_contains(r.out, "usage: croft vm nic add VM --net NAME");
	tl_assert_contains(r.out, "--vlan N             1-4094, bridged networks only");
	TL_CROFT(&r, "net", "create", "--help");
	tl_assert_contains(r.out, "--uplink IFACE       nat: default the interface of the default route;");
	TL_CROFT(&r, "help");
	tl_assert_contains(r.out, "croft vm nic list VM\n");
	tl_assert_contains(r.out, "croft net forward add NET");
}

/* ---- runners against a fake croftd ---- */

/* Run croft against the fake croftd API answering op with result (the JSON
 * text, or "!code:message" for an error). */
#define SERVED(r, op, result, ...) do { \
		const struct tl_step st_[] = { { op, NULL, result, NULL, 0, NULL }, { NULL } }; \
		TL_CROFT_SCRIPTED(r, st_, __VA_ARGS__); \
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
	tl_assert_contains(r.out, "No port forwards.");

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
	tl_assert_contains(r.err, "croft: croft-netd is not running (no answer at /run/croft/netd.sock)\n");
	tl_assert_contains(r.out, "\"code\":\"unavailable\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_net_create),
		cmocka_unit_test(test_parse_net_edit),
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
