/*
 * Tests for the Networks screen's models (tui/console_net.h): the table
 * (parsing, sorting in a list panel, counts, users, cells and the layout
 * at 80 columns), the details (forward and NIC rows in the network's
 * order, each NIC's lease and state taken from the VM model, the summary
 * wrapped to a width, the layout that shares the body between the two
 * tables), and the three forms on the form engine (checks as typed with
 * croftd's words, fields that do not apply to a mode, the request args,
 * croftd's refusal focusing its field, the status line's words), and a
 * form drawn in the rows an 80x24 console gives it, under newterm() on
 * /dev/null.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"

#include "tests/unit/testlib_tui.h"
#include "tui/console_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *NETS =
	"[{\"name\":\"wan\",\"mode\":\"nat\",\"subnet\":\"10.73.0.0/24\",\"gateway\":\"10.73.0.1\","
	"  \"dhcp_first\":\"10.73.0.2\",\"dhcp_last\":\"10.73.0.254\",\"uplink\":\"eth0\","
	"  \"bridge\":\"croftbr1\","
	"  \"nics\":[{\"vm\":\"web\",\"mac\":\"52:54:00:00:00:09\",\"address\":\"10.73.0.2\"},"
	"          {\"vm\":\"db\",\"mac\":\"52:54:00:00:00:02\",\"address\":\"10.73.0.3\"},"
	"          {\"vm\":\"web\",\"mac\":\"52:54:00:00:00:03\",\"address\":\"10.73.0.4\"}],"
	"  \"forwards\":[{\"net\":\"wan\",\"proto\":\"udp\",\"host_port\":5353,\"vm\":\"db\","
	"               \"port\":53,\"address\":\"10.73.0.3\"},"
	"              {\"net\":\"wan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\","
	"               \"port\":80,\"address\":\"10.73.0.2\"}]},"
	" {\"name\":\"br\",\"mode\":\"bridged\",\"subnet\":null,\"uplink\":\"lan1\","
	"  \"bridge\":\"croftbr3\",\"nics\":[],\"forwards\":[]},"
	" {\"name\":\"lab\",\"mode\":\"host-only\",\"subnet\":\"10.73.1.0/24\",\"uplink\":null,"
	"  \"bridge\":\"croftbr2\",\"nics\":[],\"forwards\":[]},"
	" {\"mode\":\"nat\"}]";

static const char *VMS =
	"[{\"name\":\"web\",\"state\":\"running\",\"pid\":42,"
	"  \"nics\":[{\"net\":\"wan\",\"mac\":\"52:54:00:00:00:09\",\"ip\":\"10.73.0.2\"},"
	"           {\"net\":\"wan\",\"mac\":\"52:54:00:00:00:03\",\"ip\":null}]},"
	" {\"name\":\"db\",\"state\":\"stopped\",\"nics\":[{\"net\":\"wan\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null}]}]";

/* The networks in a panel, as the screen holds them. */
static void load_nets(struct panel *p)
{
	json_t *nets = tl_json(NETS);
	struct cnet *rows;
	size_t n;

	panel_init(p, &cnet_panel_ops);
	rows = cnet_parse_list(nets, &n);
	panel_set_rows(p, rows, n);
	json_decref(nets);
}

/* --- the table ---------------------------------------------------------- */

static void test_list_sorted_counted(void **state)
{
	struct panel p;
	const struct cnet *n;
	const char *names[4];
	char buf[128];

	(void)state;
	load_nets(&p);
	assert_true(p.loaded);
	assert_int_equal(panel_count(&p), 3);         /* the one without a name is skipped */
	assert_string_equal(((const struct cnet *)panel_row(&p, 0))->name, "br");
	assert_string_equal(((const struct cnet *)panel_row(&p, 1))->name, "lab");
	assert_string_equal(((const struct cnet *)panel_row(&p, 2))->name, "wan");
	n = panel_find(&p, "wan");
	assert_non_null(n);
	assert_int_equal(n->guests, 2);               /* web twice, db */
	assert_int_equal(n->nnics, 3);
	assert_int_equal(n->nfwds, 2);
	assert_string_equal(n->gateway, "10.73.0.1");
	assert_int_equal(cnet_users(n, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "web, db");
	assert_int_equal(cnet_user_names(n, names, 4), 2);
	assert_string_equal(names[1], "db");
	assert_int_equal(cnet_users(panel_find(&p, "lab"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_null(panel_find(&p, "nope"));
	/* a short buffer is cut, never overrun */
	cnet_users(n, buf, 5);
	assert_int_equal(strlen(buf), 4);
	/* the selection follows a name across a new reading */
	panel_select(&p, "lab");
	panel_clear(&p);
	assert_null(panel_selected(&p));
	panel_free(&p);
	load_nets(&p);
	panel_select(&p, "wan");
	assert_string_equal(((const struct cnet *)panel_selected(&p))->name, "wan");
	panel_free(&p);
}

static void test_cells_and_layout(void **state)
{
	struct panel p;
	int w[CTABLE_MAX_COLS], total = 0;
	char buf[128];
	size_t i;

	(void)state;
	load_nets(&p);
	assert_string_equal(cnet_cols[2].title, "SUBNET/UPLINK");
	ctable_cell(&cnet_cols[2], panel_find(&p, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "10.73.0.0/24 via eth0");
	ctable_cell(&cnet_cols[2], panel_find(&p, "lab"), buf, sizeof(buf));
	assert_string_equal(buf, "10.73.1.0/24");
	ctable_cell(&cnet_cols[2], panel_find(&p, "br"), buf, sizeof(buf));
	assert_string_equal(buf, "lan1");
	ctable_cell(&cnet_cols[4], panel_find(&p, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "2");
	ctable_cell(&cnet_cols[5], panel_find(&p, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "2");
	ctable_cell(&cnet_cols[3], panel_find(&p, "br"), buf, sizeof(buf));
	assert_string_equal(buf, "croftbr3");
	/* every column fits at 80, and "SUBNET via UPLINK" is not cut */
	assert_int_equal(ctable_layout(cnet_cols, cnet_ncols, 80, w), cnet_ncols);
	for (i = 0; i < cnet_ncols; i++)
		total += w[i] + (i ? CTABLE_GAP : 0);
	assert_true(total <= 80);
	assert_true(w[2] >= (int)strlen("10.73.100.0/24 via uplink0"));
	/* narrow: FORWARDS goes first */
	assert_true(ctable_layout(cnet_cols, cnet_ncols, 60, w) < cnet_ncols);
	assert_int_equal(w[cnet_ncols - 1], 0);
	panel_free(&p);
}

/* --- the details ----------------------------------------------------------- */

static void test_detail_rows(void **state)
{
	json_t *vms = tl_json(VMS);
	struct cvm_model m;
	struct panel p, fw, nics;
	const struct cnet *n;
	const struct cnet_nic *nic;
	char buf[128];

	(void)state;
	cvm_model_init(&m);
	cvm_model_update(&m, vms, 1000);
	load_nets(&p);
	n = panel_find(&p, "wan");
	panel_init(&fw, &cnet_fwd_ops);
	panel_init(&nics, &cnet_nic_ops);
	panel_set_rows(&fw, cnet_fwd_rows(n), n->nfwds);
	panel_set_rows(&nics, cnet_nic_rows(n, &m), n->nnics);
	/* the network's own order, not the keys' */
	assert_int_equal(((const struct cnet_fwd *)panel_row(&fw, 0))->host_port, 5353);
	assert_int_equal(((const struct cnet_fwd *)panel_row(&fw, 1))->host_port, 8080);
	assert_string_equal(((const struct cnet_nic *)panel_row(&nics, 0))->mac, "52:54:00:00:00:09");
	assert_string_equal(((const struct cnet_nic *)panel_row(&nics, 2))->mac, "52:54:00:00:00:03");
	/* a NIC's lease and its VM's state come from the VM model */
	nic = panel_row(&nics, 0);
	assert_string_equal(nic->ip, "10.73.0.2");
	assert_string_equal(nic->state, "running");
	nic = panel_row(&nics, 1);
	assert_string_equal(nic->vm, "db");
	assert_string_equal(nic->ip, "");
	assert_string_equal(nic->state, "stopped");
	ctable_cell(&cnet_nic_cols[2], nic, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	ctable_cell(&cnet_nic_cols[3], nic, buf, sizeof(buf));
	assert_string_equal(buf, "10.73.0.3");
	ctable_cell(&cnet_fwd_cols[4], panel_row(&fw, 1), buf, sizeof(buf));
	assert_string_equal(buf, "10.73.0.2");
	assert_string_equal(cnet_fwd_cols[1].title, "HOST PORT");
	/* the selection follows a NIC by MAC when the rows come again */
	panel_select(&nics, "52:54:00:00:00:03");
	panel_set_rows(&nics, cnet_nic_rows(n, NULL), n->nnics);
	assert_string_equal(((const struct cnet_nic *)panel_selected(&nics))->mac,
			    "52:54:00:00:00:03");
	assert_string_equal(((const struct cnet_nic *)panel_selected(&nics))->state, "");
	/* a network without forwards or NICs has no rows */
	assert_null(cnet_fwd_rows(panel_find(&p, "lab")));
	assert_null(cnet_nic_rows(panel_find(&p, "lab"), &m));
	panel_free(&fw);
	panel_free(&nics);
	panel_free(&p);
	cvm_model_free(&m);
	json_decref(vms);
}

static void test_detail_summary(void **state)
{
	char lines[CNET_SUMMARY_MAX][CNET_ROW_LEN];
	struct panel p;
	int n, i;

	(void)state;
	load_nets(&p);
	n = cnet_summary(panel_find(&p, "wan"), 80, lines);
	assert_true(n >= 2);
	assert_non_null(strstr(lines[0], "Network wan: nat, subnet 10.73.0.0/24, gateway 10.73.0.1"));
	for (i = 0; i < n; i++)
		assert_true(strlen(lines[i]) <= 80);
	/* wrapped at the width, not cut; continuation lines indented */
	assert_non_null(strstr(lines[1], "10.73.0.254"));
	assert_true(lines[1][0] == ' ' && lines[1][1] == ' ');
	assert_non_null(strstr(lines[n - 1], "masqueraded through eth0"));
	n = cnet_summary(panel_find(&p, "br"), 80, lines);
	assert_int_equal(n, 2);
	assert_string_equal(lines[0], "Network br: bridged");
	assert_non_null(strstr(lines[1], "Bridge croftbr3 enslaves lan1"));
	n = cnet_summary(panel_find(&p, "lab"), 80, lines);
	assert_non_null(strstr(lines[1], "guests reach each other and the host only"));
	panel_free(&p);
}

static void test_detail_layout(void **state)
{
	struct cnet_layout l;

	(void)state;
	/* everything fits: all rows, tables one after the other */
	cnet_layout(19, 2, 1, 3, &l);
	assert_int_equal(l.fwd_title, 3);
	assert_int_equal(l.fwd_head, 4);
	assert_int_equal(l.fwd_rows, 1);
	assert_int_equal(l.nic_title, 4 + 1 + 1 + 1);
	assert_int_equal(l.nic_head, l.nic_title + 1);
	assert_int_equal(l.nic_rows, 3);
	assert_true(l.nic_head + l.nic_rows < 19);
	/* no forwards: their note takes the head's row */
	cnet_layout(19, 2, 0, 3, &l);
	assert_int_equal(l.fwd_rows, 0);
	assert_int_equal(l.nic_title, l.fwd_head + 2);
	/* too many NICs: the forwards keep theirs, the NICs take the rest */
	cnet_layout(19, 2, 2, 40, &l);
	assert_int_equal(l.fwd_rows, 2);
	assert_int_equal(l.nic_rows, 19 - 2 - 6 - 2);
	assert_int_equal(l.nic_head + l.nic_rows, 18);
	/* both too long: half each */
	cnet_layout(20, 2, 30, 30, &l);
	assert_int_equal(l.fwd_rows + l.nic_rows, 20 - 2 - 6);
	assert_int_equal(l.fwd_rows, 6);
	/* many forwards, few NICs: the NICs keep theirs */
	cnet_layout(20, 2, 30, 2, &l);
	assert_int_equal(l.nic_rows, 2);
	assert_int_equal(l.fwd_rows, 10);
	/* no room at all: no rows, never negative */
	cnet_layout(4, 2, 5, 5, &l);
	assert_int_equal(l.fwd_rows, 0);
	assert_int_equal(l.nic_rows, 0);
}

/* --- the forms ---------------------------------------------------------------- */

static void test_net_form_defaults(void **state)
{
	struct form *f = netform_new_net();

	(void)state;
	assert_string_equal(form_op(f), "net.create");
	assert_string_equal(form_title(f), "New network");
	assert_int_equal(form_nfields(f), 6);
	assert_string_equal(form_label(f, CF_NET_RANGE), "DHCP range");
	assert_string_equal(form_label(f, CF_NET_HOST_ACCESS), "Host access");
	assert_string_equal(form_choice(f, CF_NET_HOST_ACCESS, form_chosen(f, CF_NET_HOST_ACCESS)),
			    "off");
	assert_true(form_kind(f, CF_NET_MODE) == FORM_CHOICE);
	assert_int_equal(form_nchoices(f, CF_NET_MODE), 3);
	assert_string_equal(form_choice(f, CF_NET_MODE, form_chosen(f, CF_NET_MODE)), "nat");
	/* an empty name says so only after a submit */
	assert_null(form_message(f, CF_NET_NAME));
	assert_null(form_args(f));
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	tl_form_expect_msg(f, CF_NET_NAME, "network name is empty");
	tl_form_keys(f, "lan");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"lan\",\"mode\":\"nat\"}");
	assert_int_equal(form_key(f, 27), FORM_CANCEL);
	form_free(f);

	/* host access on goes as a boolean; a bridged network has none */
	f = netform_new_net();
	form_set_text(f, CF_NET_NAME, "lab");
	form_set_choice(f, CF_NET_HOST_ACCESS, 1);
	form_ready(f);
	tl_form_expect_args(f, "{\"name\":\"lab\",\"mode\":\"nat\",\"host_access\":true}");
	assert_int_equal(form_choose(f, CF_NET_MODE, "bridged"), 0);
	form_set_text(f, CF_NET_UPLINK, "lan1");
	form_ready(f);
	assert_non_null(strstr(form_why_not(f, CF_NET_HOST_ACCESS), "n/a: a bridged network"));
	tl_form_expect_args(f, "{\"name\":\"lab\",\"mode\":\"bridged\",\"uplink\":\"lan1\"}");
	form_free(f);
}

/* Checks as typed, in croftd's words (common/validate.h, common/addr.h). */
static void test_net_form_checks(void **state)
{
	static const struct tl_form_case cases[] = {
		{ CF_NET_NAME, "-bad", "network name '-bad' must start with a letter or a digit" },
		{ CF_NET_NAME, "a b", "contains ' '" },
		{ CF_NET_NAME, "lan", NULL },
		{ CF_NET_SUBNET, "10.0.0.5/24",
		  "subnet '10.0.0.5/24' has host bits set; did you mean 10.0.0.0/24?" },
		{ CF_NET_SUBNET, "10.0.0.0/31", "the prefix must be between /8 and /30, not /31" },
		{ CF_NET_SUBNET, "127.0.0.0/8", "overlaps the loopback range 127.0.0.0/8" },
		{ CF_NET_SUBNET, "10.0.0/24", "must look like 10.73.0.0/24" },
		{ CF_NET_SUBNET, "10.9.0.0/24", NULL },
		{ CF_NET_UPLINK, "croftbr7", "uplink 'croftbr7' is one of croft's own interfaces" },
		{ CF_NET_UPLINK, "a very long name", "is not an interface name" },
		{ CF_NET_UPLINK, "eth0", NULL },
		{ CF_NET_RANGE, "10.9.0.50", "must look like 10.73.0.100-10.73.0.200" },
		{ CF_NET_RANGE, "10.9.0.50-10.9.0.20",
		  "DHCP range 10.9.0.50-10.9.0.20 ends before it starts" },
		{ CF_NET_RANGE, "10.9.1.2-10.9.1.9", "is not inside the subnet 10.9.0.0/24" },
		{ CF_NET_RANGE, "10.9.0.1-10.9.0.9", "includes the gateway 10.9.0.1" },
		{ CF_NET_RANGE, "10.9.0.2-10.9.0.255", "includes the broadcast address 10.9.0.255" },
		{ CF_NET_RANGE, "10.9.0.100-10.9.0.200", NULL },
	};
	struct form *f = netform_new_net();

	(void)state;
	tl_form_cases(f, cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"lan\",\"mode\":\"nat\",\"subnet\":\"10.9.0.0/24\","
			       "\"uplink\":\"eth0\",\"dhcp_range\":\"10.9.0.100-10.9.0.200\"}");
	/* a submit with a bad field focuses it and sends nothing */
	tl_form_focus(f, CF_NET_NAME);
	tl_form_keys(f, "!");
	tl_form_focus(f, CF_NET_RANGE);
	assert_int_equal(form_key(f, KEY_ENTER), FORM_CONTINUE);
	assert_int_equal(form_focus(f), CF_NET_NAME);
	assert_null(form_args(f));
	form_free(f);
}

static void test_net_form_modes(void **state)
{
	struct form *f = netform_new_net();

	(void)state;
	tl_form_keys(f, "br");
	tl_form_focus(f, CF_NET_MODE);
	assert_int_equal(form_key(f, ' '), FORM_CONTINUE);
	assert_string_equal(form_choice(f, CF_NET_MODE, form_chosen(f, CF_NET_MODE)), "host-only");
	assert_false(form_active(f, CF_NET_UPLINK));
	assert_non_null(strstr(form_why_not(f, CF_NET_UPLINK), "host-only networks have no uplink"));
	/* Tab skips what does not apply */
	form_key(f, '\t');
	assert_int_equal(form_focus(f), CF_NET_SUBNET);
	form_key(f, '\t');
	assert_int_equal(form_focus(f), CF_NET_RANGE);
	form_key(f, KEY_BTAB);
	form_key(f, KEY_BTAB);
	assert_int_equal(form_focus(f), CF_NET_MODE);
	assert_int_equal(form_key(f, KEY_RIGHT), FORM_CONTINUE);
	assert_string_equal(form_choice(f, CF_NET_MODE, form_chosen(f, CF_NET_MODE)), "bridged");
	assert_false(form_active(f, CF_NET_SUBNET));
	assert_false(form_active(f, CF_NET_RANGE));
	assert_true(form_active(f, CF_NET_UPLINK));
	assert_string_equal(form_placeholder(f, CF_NET_UPLINK), "required: the NIC to enslave");
	/* bridged needs the uplink */
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(form_focus(f), CF_NET_UPLINK);
	tl_form_expect_msg(f, CF_NET_UPLINK, "a bridged network needs an uplink");
	tl_form_keys(f, "lan1");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"name\":\"br\",\"mode\":\"bridged\",\"uplink\":\"lan1\"}");
	/* Left wraps back to nat, where the uplink is optional again */
	tl_form_focus(f, CF_NET_MODE);
	form_key(f, KEY_LEFT);
	form_key(f, KEY_LEFT);
	assert_string_equal(form_choice(f, CF_NET_MODE, form_chosen(f, CF_NET_MODE)), "nat");
	assert_string_equal(form_placeholder(f, CF_NET_UPLINK), "the default route's interface");
	form_free(f);
}

/* croftd's refusals focus the field they are about: the words of each
 * form's fields. */
static void test_refusal_words(void **state)
{
	static const char *const vms[] = { "db", "web" };
	static const struct {
		int form;               /* 0 network, 1 forward, 2 NIC */
		const char *msg;
		long field;
	} cases[] = {
		{ 0, "subnet 10.73.0.0/16 overlaps network lan (10.73.0.0/24)", CF_NET_SUBNET },
		{ 0, "DHCP range 10.1.0.10-10.1.0.50 is not inside the subnet 10.2.0.0/24",
		  CF_NET_RANGE },
		{ 0, "a network named 'lan2' already exists", CF_NET_NAME },
		{ 0, "uplink 'eth9' does not exist", CF_NET_UPLINK },
		{ 0, "croft-netd is not running (no answer at /run/croft/netd.sock)", -1 },
		{ 1, "udp port 8080 is already forwarded to db:53 on network wan", CF_FWD_HOST_PORT },
		{ 1, "guest port must be between 1 and 65535, not 0", CF_FWD_GUEST_PORT },
		{ 1, "VM 'db' has no NIC on network wan", CF_FWD_VM },
		{ 2, "address 10.73.0.50 is already used by VM db on network wan", CF_NIC_IP },
		{ 2, "MAC 52:54:00:ab:cd:ef is already used by VM db", CF_NIC_MAC },
		{ 2, "no VM named 'x'", CF_NIC_VM },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct form *f = cases[i].form == 0 ? netform_new_net()
			       : cases[i].form == 1 ? netform_new_forward("wan", vms, 2)
						    : netform_new_nic("br", "bridged", vms, 2, NULL);

		if (form_field_of_message(f, cases[i].msg) != cases[i].field)
			fail_msg("'%s': field %ld, wanted %ld", cases[i].msg,
				 form_field_of_message(f, cases[i].msg), cases[i].field);
		form_free(f);
	}
}

static void test_forward_form(void **state)
{
	static const struct tl_form_case cases[] = {
		{ CF_FWD_HOST_PORT, "0", "host port must be between 1 and 65535, not 0" },
		{ CF_FWD_HOST_PORT, "80x", "host port needs a number, got '80x'" },
		{ CF_FWD_HOST_PORT, "8080", NULL },
		{ CF_FWD_GUEST_PORT, "65536", "guest port must be between 1 and 65535, not 65536" },
		{ CF_FWD_GUEST_PORT, "80", NULL },
	};
	const char *vms[] = { "web", "db", "dns" };
	struct form *f = netform_new_forward("wan", vms, 3);

	(void)state;
	assert_string_equal(form_op(f), "net.forward.add");
	assert_string_equal(form_title(f), "New port forward on wan");
	assert_string_equal(form_subject(f), "wan");
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_int_equal(form_focus(f), CF_FWD_HOST_PORT);
	tl_form_expect_msg(f, CF_FWD_HOST_PORT, "host port needs a number (1-65535)");
	tl_form_cases(f, cases, sizeof(cases) / sizeof(cases[0]));
	/* the VM choice: the VMs on the network, in their order */
	assert_int_equal(form_nchoices(f, CF_FWD_VM), 3);
	assert_string_equal(form_choice(f, CF_FWD_VM, 2), "dns");
	assert_string_equal(form_choice(f, CF_FWD_VM, form_chosen(f, CF_FWD_VM)), "web");
	tl_form_focus(f, CF_FWD_PROTO);
	form_key(f, ' ');
	assert_int_equal(form_key(f, '\r'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"net\":\"wan\",\"proto\":\"udp\",\"host_port\":8080,\"vm\":\"web\",\"port\":80}");
	form_free(f);
}

static void test_nic_form(void **state)
{
	static const struct tl_form_case cases[] = {
		{ CF_NIC_IP, "10.73.0.300",
		  "address '10.73.0.300' is not an IPv4 address (e.g. 10.73.0.5)" },
		{ CF_NIC_IP, "10.73.0.50", NULL },
		{ CF_NIC_MAC, "zz", "MAC 'zz' must look like 52:54:00:12:34:56" },
		{ CF_NIC_MAC, "01:00:5e:00:00:01", "is a multicast address" },
		{ CF_NIC_MAC, "00:00:00:00:00:00", "is all zero" },
		{ CF_NIC_MAC, "52-54-00-AB-CD-EF", NULL },
		{ CF_NIC_RATE, "0", "rate (Mbit/s) must be between 1 and 100000, not 0" },
		{ CF_NIC_RATE, "100", NULL },
	};
	const char *vms[] = { "db", "web" };
	struct form *f = netform_new_nic("wan", "nat", vms, 2, "web");

	(void)state;
	assert_string_equal(form_op(f), "vm.nic.add");
	assert_string_equal(form_title(f), "New NIC on wan");
	assert_string_equal(form_choice(f, CF_NIC_VM, form_chosen(f, CF_NIC_VM)), "web");
	assert_false(form_active(f, CF_NIC_VLAN));
	assert_non_null(strstr(form_why_not(f, CF_NIC_VLAN), "VLANs need a bridged network"));
	/* nothing typed: the defaults */
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"net\":\"wan\",\"name\":\"web\"}");
	tl_form_cases(f, cases, sizeof(cases) / sizeof(cases[0]));
	/* Tab skips VLAN on a nat network */
	tl_form_focus(f, CF_NIC_MAC);
	form_key(f, '\t');
	assert_int_equal(form_focus(f), CF_NIC_RATE);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"net\":\"wan\",\"name\":\"web\",\"ip\":\"10.73.0.50\","
		       "\"mac\":\"52-54-00-AB-CD-EF\",\"rate\":100}");
	form_free(f);

	/* bridged: VLAN applies, 1-4094 */
	f = netform_new_nic("br", "bridged", vms, 2, "nobody");
	assert_string_equal(form_choice(f, CF_NIC_VM, form_chosen(f, CF_NIC_VM)), "db");
	assert_true(form_active(f, CF_NIC_VLAN));
	tl_form_focus(f, CF_NIC_VLAN);
	tl_form_keys(f, "4095");
	tl_form_expect_msg(f, CF_NIC_VLAN, "VLAN must be between 1 and 4094, not 4095");
	form_key(f, KEY_BACKSPACE);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	tl_form_expect_args(f, "{\"net\":\"br\",\"name\":\"db\",\"vlan\":409}");
	form_free(f);
}

/* --- drawing ------------------------------------------------------------------- */

/* Draw f in rows [top, top+height) of pad, as the console gives a form its
 * window. */
static void draw_in(const struct form *f, WINDOW *pad, int top, int height, int width,
		    const struct tui_theme *th)
{
	WINDOW *sub = subpad(pad, height, width, top, 0);

	assert_non_null(sub);
	form_draw(f, sub, th);
	delwin(sub);
}

static void test_draw_80x19(void **state)
{
	WINDOW *pad = newpad(24, 80);
	struct form *f = netform_new_net();
	int y, x, i, cols[5];

	(void)state;
	assert_non_null(pad);
	tl_form_keys(f, "-bad");
	/* the body of an 80x24 console: rows 3-21 */
	draw_in(f, pad, 3, 19, 80, &tl_theme);
	for (i = 0; i < 5; i++) {
		y = tl_win_find(pad, form_label(f, (size_t)i), &cols[i]);
		assert_true(y >= 3 && y < 22);
		assert_int_equal(cols[i], cols[0]);
	}
	assert_true(tl_win_find(pad, "New network", NULL) >= 3);
	assert_true(tl_win_find(pad, "(*) nat  ( ) host-only  ( ) bridged", NULL) >= 0);
	assert_true(tl_win_find(pad, "a free 10.73.N.0/24", NULL) >= 0);
	assert_true(tl_win_find(pad, "network name '-bad' must start with a letter or a digit", NULL) >= 0);
	assert_true(tl_win_find(pad, "Enter submit", NULL) >= 0);
	/* the invalid field is flagged after its label */
	y = tl_win_find(pad, "Name", &x);
	assert_int_equal((char)(mvwinch(pad, y, x + 15) & A_CHARTEXT), '!');
	/* nothing outside the body */
	for (y = 0; y < 24; y += 23)
		for (x = 0; x < 80; x++)
			assert_int_equal((char)(mvwinch(pad, y, x) & A_CHARTEXT), ' ');
	/* croftd's refusal replaces the message */
	form_set_error(f, "a network named 'x' already exists");
	werase(pad);
	draw_in(f, pad, 3, 19, 80, &tl_theme);
	assert_true(tl_win_find(pad, "a network named 'x' already exists", NULL) >= 0);
	/* bridged: the fields that do not apply say why */
	form_key(f, '\t');
	form_key(f, ' ');
	form_key(f, ' ');
	werase(pad);
	draw_in(f, pad, 3, 19, 80, &tl_theme);
	assert_true(tl_win_find(pad, "n/a: bridged networks get addresses from the LAN", NULL) >= 0);
	/* too small to draw: nothing, no crash */
	werase(pad);
	draw_in(f, pad, 0, 4, 20, &tl_theme);
	form_free(f);
	delwin(pad);
}

/* The status line's words for each form's args. */
static void test_describe(void **state)
{
	json_t *a;
	char progress[300], done[300];

	(void)state;
	a = tl_json("{\"name\":\"lan\",\"mode\":\"nat\"}");
	netform_describe_net(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Creating network lan");
	assert_string_equal(done, "Created network lan");
	json_decref(a);
	a = tl_json("{\"net\":\"wan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\",\"port\":80}");
	netform_describe_forward(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Forwarding tcp port 8080 to web:80 on wan");
	assert_string_equal(done, "Forwarded tcp port 8080 to web:80 on wan");
	json_decref(a);
	a = tl_json("{\"net\":\"wan\",\"name\":\"db\"}");
	netform_describe_nic(a, progress, done, sizeof(progress));
	assert_string_equal(progress, "Adding a NIC on wan for db");
	assert_string_equal(done, "Added a NIC on wan for db");
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_sorted_counted),
		cmocka_unit_test(test_cells_and_layout),
		cmocka_unit_test(test_detail_rows),
		cmocka_unit_test(test_detail_summary),
		cmocka_unit_test(test_detail_layout),
		cmocka_unit_test(test_net_form_defaults),
		cmocka_unit_test(test_net_form_checks),
		cmocka_unit_test(test_net_form_modes),
		cmocka_unit_test(test_refusal_words),
		cmocka_unit_test(test_forward_form),
		cmocka_unit_test(test_nic_form),
		cmocka_unit_test(test_describe),
		cmocka_unit_test_setup_teardown(test_draw_80x19, tl_term_setup, tl_term_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
