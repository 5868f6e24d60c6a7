/*
 * Tests for the Networks screen's models (tui/console_net.h): the table
 * (sorting, a selection that follows a name, counts, cells and the layout
 * at 80 columns), the details (rows, items, each NIC's lease taken from
 * the VM model, scrolling), and the three forms (checks as typed with
 * croftd's words, fields that do not apply to a mode, the request args,
 * croftd's refusal focusing its field), and a form drawn at 80x19 (the
 * body of an 80x24 console) under newterm() on /dev/null.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tui/console_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON at %d: %s", e.position, e.text);
	return j;
}

static const char *NETS =
	"[{\"name\":\"wan\",\"mode\":\"nat\",\"subnet\":\"10.73.0.0/24\",\"gateway\":\"10.73.0.1\","
	"  \"dhcp_first\":\"10.73.0.2\",\"dhcp_last\":\"10.73.0.254\",\"uplink\":\"eth0\","
	"  \"bridge\":\"croftbr1\","
	"  \"nics\":[{\"vm\":\"web\",\"mac\":\"52:54:00:00:00:01\",\"address\":\"10.73.0.2\"},"
	"          {\"vm\":\"db\",\"mac\":\"52:54:00:00:00:02\",\"address\":\"10.73.0.3\"},"
	"          {\"vm\":\"web\",\"mac\":\"52:54:00:00:00:03\",\"address\":\"10.73.0.4\"}],"
	"  \"forwards\":[{\"net\":\"wan\",\"proto\":\"tcp\",\"host_port\":8080,\"vm\":\"web\","
	"               \"port\":80,\"address\":\"10.73.0.2\"}]},"
	" {\"name\":\"br\",\"mode\":\"bridged\",\"subnet\":null,\"uplink\":\"lan1\","
	"  \"bridge\":\"croftbr3\",\"nics\":[],\"forwards\":[]},"
	" {\"name\":\"lab\",\"mode\":\"host-only\",\"subnet\":\"10.73.1.0/24\",\"uplink\":null,"
	"  \"bridge\":\"croftbr2\",\"nics\":[],\"forwards\":[]}]";

static const char *VMS =
	"[{\"name\":\"web\",\"state\":\"running\",\"pid\":42,"
	"  \"nics\":[{\"net\":\"wan\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.73.0.2\"},"
	"           {\"net\":\"wan\",\"mac\":\"52:54:00:00:00:03\",\"ip\":null}]},"
	" {\"name\":\"db\",\"state\":\"stopped\",\"nics\":[{\"net\":\"wan\",\"mac\":\"52:54:00:00:00:02\",\"ip\":null}]}]";

/* --- the table ---------------------------------------------------------- */

static void test_list_sorted_counted(void **state)
{
	struct cnet_list l;
	json_t *nets = load(NETS);
	const struct cnet *n;
	char buf[128];

	(void)state;
	cnet_list_init(&l);
	assert_false(l.loaded);
	cnet_list_update(&l, nets);
	assert_true(l.loaded);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.nets[0].name, "br");
	assert_string_equal(l.nets[1].name, "lab");
	assert_string_equal(l.nets[2].name, "wan");
	n = cnet_list_find(&l, "wan");
	assert_non_null(n);
	assert_int_equal(n->guests, 2);           /* web twice, db */
	assert_int_equal(n->nics, 3);
	assert_int_equal(n->forwards, 1);
	assert_string_equal(cnet_users(n->json, buf, sizeof(buf)), "web, db");
	assert_string_equal(cnet_users(cnet_list_find(&l, "lab")->json, buf, sizeof(buf)), "");
	assert_null(cnet_list_find(&l, "nope"));
	/* a short buffer is cut, never overrun */
	assert_int_equal(strlen(cnet_users(n->json, buf, 5)), 4);
	json_decref(nets);
	cnet_list_free(&l);
}

static void test_list_selection_follows_name(void **state)
{
	struct cnet_list l;
	json_t *nets = load(NETS), *fewer;

	(void)state;
	cnet_list_init(&l);
	/* a name chosen before it exists is kept for the update */
	assert_int_equal(cnet_list_select(&l, "lab"), -ENOENT);
	cnet_list_update(&l, nets);
	assert_string_equal(cnet_list_selected(&l)->name, "lab");
	cnet_list_move(&l, 1);
	assert_string_equal(cnet_list_selected(&l)->name, "wan");
	cnet_list_move(&l, 5);                    /* clamped */
	assert_string_equal(cnet_list_selected(&l)->name, "wan");
	cnet_list_home(&l);
	assert_string_equal(cnet_list_selected(&l)->name, "br");
	cnet_list_end(&l);
	assert_int_equal(l.sel, 2);
	/* the same networks in another order: the selection stays on wan */
	cnet_list_select(&l, "lab");
	fewer = json_array();
	json_array_append(fewer, json_array_get(nets, 2));   /* lab */
	json_array_append(fewer, json_array_get(nets, 0));   /* wan */
	cnet_list_update(&l, fewer);
	assert_string_equal(cnet_list_selected(&l)->name, "lab");
	/* lab goes away: the cursor stays on its row (now wan) */
	json_array_remove(fewer, 0);
	cnet_list_update(&l, fewer);
	assert_string_equal(cnet_list_selected(&l)->name, "wan");
	/* cleared (no connection): nothing selected, the name is kept */
	cnet_list_clear(&l);
	assert_null(cnet_list_selected(&l));
	assert_false(l.loaded);
	cnet_list_update(&l, nets);
	assert_string_equal(cnet_list_selected(&l)->name, "wan");
	json_decref(fewer);
	json_decref(nets);
	cnet_list_free(&l);
}

static void test_list_scroll(void **state)
{
	struct cnet_list l;
	json_t *nets = json_array();
	char name[16];
	int i;

	(void)state;
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		json_array_append_new(nets, json_pack("{s:s,s:s}", "name", name, "mode", "nat"));
	}
	cnet_list_init(&l);
	cnet_list_update(&l, nets);
	cnet_list_select(&l, "n20");
	cnet_list_scroll(&l, 10);
	assert_int_equal(l.top, 11);
	cnet_list_home(&l);
	cnet_list_scroll(&l, 10);
	assert_int_equal(l.top, 0);
	cnet_list_end(&l);
	cnet_list_scroll(&l, 10);
	assert_int_equal(l.top, 20);
	cnet_list_scroll(&l, 100);
	assert_int_equal(l.top, 0);
	json_decref(nets);
	cnet_list_free(&l);
}

static void test_cells_and_layout(void **state)
{
	struct cnet_list l;
	json_t *nets = load(NETS);
	int w[CTABLE_MAX_COLS], total = 0;
	char buf[128];
	size_t i;

	(void)state;
	cnet_list_init(&l);
	cnet_list_update(&l, nets);
	assert_string_equal(cnet_cols[2].title, "SUBNET/UPLINK");
	cnet_cols[2].cell(cnet_list_find(&l, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "10.73.0.0/24 via eth0");
	cnet_cols[2].cell(cnet_list_find(&l, "lab"), buf, sizeof(buf));
	assert_string_equal(buf, "10.73.1.0/24");
	cnet_cols[2].cell(cnet_list_find(&l, "br"), buf, sizeof(buf));
	assert_string_equal(buf, "lan1");
	cnet_cols[4].cell(cnet_list_find(&l, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "2");
	cnet_cols[5].cell(cnet_list_find(&l, "wan"), buf, sizeof(buf));
	assert_string_equal(buf, "1");
	cnet_cols[3].cell(cnet_list_find(&l, "br"), buf, sizeof(buf));
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
	json_decref(nets);
	cnet_list_free(&l);
}

/* --- the details ----------------------------------------------------------- */

static int find_row(const struct cnet_detail *d, const char *s)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strstr(d->rows[i].text, s))
			return (int)i;
	return -1;
}

static void test_detail_rows(void **state)
{
	json_t *nets = load(NETS), *vms = load(VMS);
	struct cvm_list vl;
	struct cnet_detail d;
	const json_t *fw, *nic;
	size_t i;
	int r;

	(void)state;
	cvm_list_init(&vl);
	cvm_list_update(&vl, vms, 1000);
	cnet_detail_build(&d, json_array_get(nets, 0), &vl, 80);
	assert_int_equal(d.nfwd, 1);
	assert_int_equal(d.nnic, 3);
	assert_int_equal(cnet_detail_items(&d), 4);
	for (i = 0; i < d.n; i++)
		assert_true(strlen(d.rows[i].text) <= 80);
	assert_true(find_row(&d, "Network wan: nat, subnet 10.73.0.0/24, gateway 10.73.0.1") == 0);
	/* the summary wraps at the width, not cut */
	assert_true(find_row(&d, "10.73.0.254") >= 0);
	assert_true(find_row(&d, "masqueraded through eth0") >= 0);
	assert_true(find_row(&d, "PORT FORWARDS (1)") >= 0);
	assert_true(find_row(&d, "NICS ON THIS NETWORK (3)") >= 0);
	r = find_row(&d, "8080");
	assert_true(r >= 0);
	assert_int_equal(d.rows[r].kind, CNET_ROW_FWD);
	assert_int_equal(d.rows[r].item, 0);
	assert_non_null(strstr(d.rows[r].text, "tcp"));
	assert_non_null(strstr(d.rows[r].text, "web"));
	assert_non_null(strstr(d.rows[r].text, "10.73.0.2"));
	assert_int_equal(d.rows[r - 1].kind, CNET_ROW_HEAD);
	assert_non_null(strstr(d.rows[r - 1].text, "HOST PORT"));
	/* NIC rows: the lease from the VM model, the VM's state */
	r = find_row(&d, "52:54:00:00:00:01");
	assert_int_equal(d.rows[r].kind, CNET_ROW_NIC);
	assert_int_equal(d.rows[r].item, 1);
	assert_non_null(strstr(d.rows[r].text, "10.73.0.2"));
	assert_non_null(strstr(d.rows[r].text, "running"));
	r = find_row(&d, "52:54:00:00:00:02");
	assert_non_null(strstr(d.rows[r].text, "db"));
	assert_non_null(strstr(d.rows[r].text, "stopped"));
	/* no lease: "-", then the assigned address */
	assert_non_null(strstr(d.rows[r].text, "  -  "));
	assert_non_null(strstr(d.rows[r].text, "10.73.0.3"));
	assert_int_equal(cnet_detail_row_of(&d, 3), (size_t)find_row(&d, "52:54:00:00:00:03"));
	/* the items as objects */
	assert_int_equal(cnet_detail_item(json_array_get(nets, 0), 0, &fw, &nic), 0);
	assert_non_null(fw);
	assert_null(nic);
	assert_int_equal(json_integer_value(json_object_get(fw, "host_port")), 8080);
	assert_int_equal(cnet_detail_item(json_array_get(nets, 0), 2, &fw, &nic), 0);
	assert_null(fw);
	assert_string_equal(json_string_value(json_object_get(nic, "mac")), "52:54:00:00:00:02");
	assert_int_equal(cnet_detail_item(json_array_get(nets, 0), 4, &fw, &nic), -ENOENT);
	cnet_detail_free(&d);

	/* a host-only network without NICs: notes, no items */
	cnet_detail_build(&d, json_array_get(nets, 2), NULL, 80);
	assert_int_equal(cnet_detail_items(&d), 0);
	assert_true(find_row(&d, "port forwards need a nat network") >= 0);
	assert_true(find_row(&d, "Press a (F4)") >= 0);
	assert_int_equal(cnet_detail_scroll(&d, 0, 5, 3), 0);
	cnet_detail_free(&d);
	cvm_list_free(&vl);
	json_decref(vms);
	json_decref(nets);
}

static void test_detail_scroll(void **state)
{
	json_t *net = json_pack("{s:s,s:s,s:s,s:[],s:[]}", "name", "big", "mode", "nat", "subnet",
				"10.9.0.0/16", "nics", "forwards");
	struct cnet_detail d;
	char mac[32];
	size_t top, row, height = 10;
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(mac, sizeof(mac), "52:54:00:00:01:%02x", i);
		json_array_append_new(json_object_get(net, "nics"),
				      json_pack("{s:s,s:s}", "vm", "v", "mac", mac));
	}
	cnet_detail_build(&d, net, NULL, 100);
	assert_int_equal(cnet_detail_items(&d), 20);
	/* the last NIC: at the bottom */
	top = cnet_detail_scroll(&d, 19, height, 0);
	row = cnet_detail_row_of(&d, 19);
	assert_int_equal(row, d.n - 1);
	assert_int_equal(top, d.n - height);
	/* back to the first NIC: its table title and head come with it */
	top = cnet_detail_scroll(&d, 0, height, top);
	row = cnet_detail_row_of(&d, 0);
	assert_int_equal(top, row - 2);
	assert_int_equal(d.rows[top].kind, CNET_ROW_TITLE);
	/* an item in view keeps the top */
	assert_int_equal(cnet_detail_scroll(&d, 3, height, top), top);
	/* everything fits: from the top */
	assert_int_equal(cnet_detail_scroll(&d, 19, 200, 7), 0);
	cnet_detail_free(&d);
	json_decref(net);
}

/* --- the forms ---------------------------------------------------------------- */

static void keys(struct cform *f, const char *s)
{
	for (; *s; s++)
		assert_int_equal(cform_key(f, (unsigned char)*s), CFORM_CONTINUE);
}

static void wipe(struct cform *f)
{
	assert_int_equal(cform_key(f, KEY_END), CFORM_CONTINUE);
	assert_int_equal(cform_key(f, 21), CFORM_CONTINUE);      /* Ctrl-U */
}

static void focus(struct cform *f, size_t id)
{
	size_t guard = 0;

	while (cform_focus(f) != id && guard++ < 20)
		cform_key(f, '\t');
	assert_int_equal(cform_focus(f), id);
}

static void expect_msg(const struct cform *f, size_t id, const char *want)
{
	const char *m = cform_message(f, id);

	if (!m || !strstr(m, want))
		fail_msg("field %s: message '%s', wanted '%s'", cform_label(f, id), m ? m : "(none)",
			 want);
}

static void expect_args(const struct cform *f, const char *want)
{
	json_t *a = cform_args(f), *w = load(want);

	assert_non_null(a);
	if (!json_equal(a, w)) {
		char *s = json_dumps(a, JSON_SORT_KEYS);

		fail_msg("args %s, wanted %s", s, want);
	}
	json_decref(a);
	json_decref(w);
}

static void test_net_form_defaults(void **state)
{
	struct cform *f = cform_new_net();

	(void)state;
	assert_int_equal(cform_type(f), CFORM_NET);
	assert_string_equal(cform_op(f), "net.create");
	assert_string_equal(cform_title(f), "New network");
	assert_int_equal(cform_nfields(f), 5);
	assert_string_equal(cform_label(f, CF_NET_RANGE), "DHCP range");
	assert_true(cform_is_choice(f, CF_NET_MODE));
	assert_int_equal(cform_nchoices(f, CF_NET_MODE), 3);
	assert_string_equal(cform_choice(f, CF_NET_MODE, cform_chosen(f, CF_NET_MODE)), "nat");
	/* an empty name says so only after a submit */
	assert_null(cform_message(f, CF_NET_NAME));
	assert_null(cform_args(f));
	assert_int_equal(cform_key(f, '\n'), CFORM_CONTINUE);
	expect_msg(f, CF_NET_NAME, "network name is empty");
	keys(f, "lan");
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"name\":\"lan\",\"mode\":\"nat\"}");
	assert_int_equal(cform_key(f, 27), CFORM_CANCEL);
	cform_free(f);
}

static void test_net_form_checks(void **state)
{
	struct cform *f = cform_new_net();

	(void)state;
	keys(f, "-bad");
	expect_msg(f, CF_NET_NAME, "network name '-bad' must start with a letter or a digit");
	wipe(f);
	keys(f, "a b");
	expect_msg(f, CF_NET_NAME, "contains ' '");
	wipe(f);
	keys(f, "lan");
	assert_null(cform_message(f, CF_NET_NAME));

	focus(f, CF_NET_SUBNET);
	keys(f, "10.0.0.5/24");
	expect_msg(f, CF_NET_SUBNET, "subnet '10.0.0.5/24' has host bits set; did you mean 10.0.0.0/24?");
	wipe(f);
	keys(f, "10.0.0.0/31");
	expect_msg(f, CF_NET_SUBNET, "the prefix must be between /8 and /30, not /31");
	wipe(f);
	keys(f, "127.0.0.0/8");
	expect_msg(f, CF_NET_SUBNET, "overlaps the loopback range 127.0.0.0/8");
	wipe(f);
	keys(f, "10.0.0/24");
	expect_msg(f, CF_NET_SUBNET, "must look like 10.73.0.0/24");
	wipe(f);
	keys(f, "10.9.0.0/24");
	assert_null(cform_message(f, CF_NET_SUBNET));

	focus(f, CF_NET_UPLINK);
	keys(f, "croftbr7");
	expect_msg(f, CF_NET_UPLINK, "uplink 'croftbr7' is one of croft's own interfaces");
	wipe(f);
	keys(f, "a very long name");
	expect_msg(f, CF_NET_UPLINK, "is not an interface name");
	wipe(f);
	keys(f, "eth0");

	focus(f, CF_NET_RANGE);
	keys(f, "10.9.0.50");
	expect_msg(f, CF_NET_RANGE, "must look like 10.73.0.100-10.73.0.200");
	keys(f, "-10.9.0.20");
	expect_msg(f, CF_NET_RANGE, "DHCP range 10.9.0.50-10.9.0.20 ends before it starts");
	wipe(f);
	keys(f, "10.9.1.2-10.9.1.9");
	expect_msg(f, CF_NET_RANGE, "is not inside the subnet 10.9.0.0/24");
	wipe(f);
	keys(f, "10.9.0.1-10.9.0.9");
	expect_msg(f, CF_NET_RANGE, "includes the gateway 10.9.0.1");
	wipe(f);
	keys(f, "10.9.0.2-10.9.0.255");
	expect_msg(f, CF_NET_RANGE, "includes the broadcast address 10.9.0.255");
	wipe(f);
	keys(f, "10.9.0.100-10.9.0.200");
	assert_null(cform_message(f, CF_NET_RANGE));
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"name\":\"lan\",\"mode\":\"nat\",\"subnet\":\"10.9.0.0/24\","
		       "\"uplink\":\"eth0\",\"dhcp_range\":\"10.9.0.100-10.9.0.200\"}");
	/* a submit with a bad field focuses it and sends nothing */
	focus(f, CF_NET_NAME);
	keys(f, "!");
	focus(f, CF_NET_RANGE);
	assert_int_equal(cform_key(f, KEY_ENTER), CFORM_CONTINUE);
	assert_int_equal(cform_focus(f), CF_NET_NAME);
	assert_null(cform_args(f));
	cform_free(f);
}

static void test_net_form_modes(void **state)
{
	struct cform *f = cform_new_net();

	(void)state;
	keys(f, "br");
	focus(f, CF_NET_MODE);
	assert_int_equal(cform_key(f, ' '), CFORM_CONTINUE);
	assert_string_equal(cform_choice(f, CF_NET_MODE, cform_chosen(f, CF_NET_MODE)), "host-only");
	assert_false(cform_applies(f, CF_NET_UPLINK));
	assert_non_null(strstr(cform_why_not(f, CF_NET_UPLINK), "host-only networks have no uplink"));
	/* Tab skips what does not apply */
	cform_key(f, '\t');
	assert_int_equal(cform_focus(f), CF_NET_SUBNET);
	cform_key(f, '\t');
	assert_int_equal(cform_focus(f), CF_NET_RANGE);
	cform_key(f, KEY_BTAB);
	cform_key(f, KEY_BTAB);
	assert_int_equal(cform_focus(f), CF_NET_MODE);
	assert_int_equal(cform_key(f, KEY_RIGHT), CFORM_CONTINUE);
	assert_string_equal(cform_choice(f, CF_NET_MODE, cform_chosen(f, CF_NET_MODE)), "bridged");
	assert_false(cform_applies(f, CF_NET_SUBNET));
	assert_false(cform_applies(f, CF_NET_RANGE));
	assert_true(cform_applies(f, CF_NET_UPLINK));
	assert_string_equal(cform_placeholder(f, CF_NET_UPLINK), "required: the NIC to enslave");
	/* bridged needs the uplink */
	assert_int_equal(cform_key(f, '\n'), CFORM_CONTINUE);
	assert_int_equal(cform_focus(f), CF_NET_UPLINK);
	expect_msg(f, CF_NET_UPLINK, "a bridged network needs an uplink");
	keys(f, "lan1");
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"name\":\"br\",\"mode\":\"bridged\",\"uplink\":\"lan1\"}");
	/* Left wraps back to nat, where the uplink is optional again */
	focus(f, CF_NET_MODE);
	cform_key(f, KEY_LEFT);
	cform_key(f, KEY_LEFT);
	assert_string_equal(cform_choice(f, CF_NET_MODE, cform_chosen(f, CF_NET_MODE)), "nat");
	assert_string_equal(cform_placeholder(f, CF_NET_UPLINK), "the default route's interface");
	cform_free(f);
}

static void test_net_form_server_error(void **state)
{
	struct cform *f = cform_new_net();

	(void)state;
	keys(f, "lan2");
	focus(f, CF_NET_SUBNET);
	keys(f, "10.73.0.0/16");
	focus(f, CF_NET_NAME);
	cform_set_error(f, "subnet 10.73.0.0/16 overlaps network lan (10.73.0.0/24)");
	assert_string_equal(cform_server_error(f), "subnet 10.73.0.0/16 overlaps network lan (10.73.0.0/24)");
	assert_int_equal(cform_focus(f), CF_NET_SUBNET);
	/* the input stays */
	assert_string_equal(cform_text(f, CF_NET_NAME), "lan2");
	assert_string_equal(cform_text(f, CF_NET_SUBNET), "10.73.0.0/16");
	/* typing clears the refusal */
	cform_key(f, KEY_BACKSPACE);
	assert_null(cform_server_error(f));
	assert_string_equal(cform_text(f, CF_NET_SUBNET), "10.73.0.0/1");
	/* the earliest field word wins */
	cform_set_error(f, "DHCP range 10.1.0.10-10.1.0.50 is not inside the subnet 10.2.0.0/24");
	assert_int_equal(cform_focus(f), CF_NET_RANGE);
	cform_set_error(f, "a network named 'lan2' already exists");
	assert_int_equal(cform_focus(f), CF_NET_NAME);
	cform_set_error(f, "croft-netd is not running (no answer at /run/croft/netd.sock)");
	assert_int_equal(cform_focus(f), CF_NET_NAME);
	cform_set_error(f, NULL);
	assert_null(cform_server_error(f));
	cform_free(f);
}

static void test_text_editing(void **state)
{
	struct cform *f = cform_new_net();

	(void)state;
	keys(f, "lan");
	cform_key(f, KEY_LEFT);
	cform_key(f, KEY_LEFT);
	keys(f, "X");
	assert_string_equal(cform_text(f, CF_NET_NAME), "lXan");
	assert_int_equal(cform_cursor(f, CF_NET_NAME), 2);
	cform_key(f, KEY_HOME);
	cform_key(f, KEY_DC);
	assert_string_equal(cform_text(f, CF_NET_NAME), "Xan");
	cform_key(f, 5);                           /* Ctrl-E */
	cform_key(f, 127);
	assert_string_equal(cform_text(f, CF_NET_NAME), "Xa");
	cform_key(f, 1);                           /* Ctrl-A */
	cform_key(f, KEY_RIGHT);
	cform_key(f, 11);                          /* Ctrl-K */
	assert_string_equal(cform_text(f, CF_NET_NAME), "X");
	cform_key(f, 0x1234);                      /* not ASCII: ignored */
	assert_string_equal(cform_text(f, CF_NET_NAME), "X");
	cform_free(f);
}

static void test_forward_form(void **state)
{
	const char *vms[] = { "web", "db", "dns" };
	struct cform *f = cform_new_forward("wan", vms, 3);

	(void)state;
	assert_string_equal(cform_op(f), "net.forward.add");
	assert_string_equal(cform_title(f), "New port forward on wan");
	assert_string_equal(cform_net(f), "wan");
	assert_int_equal(cform_key(f, '\n'), CFORM_CONTINUE);
	assert_int_equal(cform_focus(f), CF_FWD_HOST_PORT);
	expect_msg(f, CF_FWD_HOST_PORT, "host port is required (1-65535)");
	keys(f, "0");
	expect_msg(f, CF_FWD_HOST_PORT, "host port must be between 1 and 65535, not 0");
	wipe(f);
	keys(f, "80x");
	expect_msg(f, CF_FWD_HOST_PORT, "host port must be a number between 1 and 65535, not '80x'");
	wipe(f);
	keys(f, "8080");
	focus(f, CF_FWD_VM);
	/* a letter picks the next VM starting with it */
	keys(f, "d");
	assert_string_equal(cform_choice(f, CF_FWD_VM, cform_chosen(f, CF_FWD_VM)), "db");
	keys(f, "d");
	assert_string_equal(cform_choice(f, CF_FWD_VM, cform_chosen(f, CF_FWD_VM)), "dns");
	keys(f, "w");
	assert_string_equal(cform_choice(f, CF_FWD_VM, cform_chosen(f, CF_FWD_VM)), "web");
	focus(f, CF_FWD_GUEST_PORT);
	keys(f, "65536");
	expect_msg(f, CF_FWD_GUEST_PORT, "guest port must be between 1 and 65535, not 65536");
	wipe(f);
	keys(f, "80");
	focus(f, CF_FWD_PROTO);
	cform_key(f, ' ');
	assert_int_equal(cform_key(f, '\r'), CFORM_SUBMIT);
	expect_args(f, "{\"net\":\"wan\",\"proto\":\"udp\",\"host_port\":8080,\"vm\":\"web\",\"port\":80}");
	cform_set_error(f, "udp port 8080 is already forwarded to db:53 on network wan");
	assert_int_equal(cform_focus(f), CF_FWD_HOST_PORT);
	cform_set_error(f, "guest port must be between 1 and 65535, not 0");
	assert_int_equal(cform_focus(f), CF_FWD_GUEST_PORT);
	cform_free(f);
}

static void test_nic_form(void **state)
{
	const char *vms[] = { "db", "web" };
	struct cform *f = cform_new_nic("wan", "nat", vms, 2, "web");

	(void)state;
	assert_string_equal(cform_op(f), "vm.nic.add");
	assert_string_equal(cform_title(f), "New NIC on wan");
	assert_string_equal(cform_choice(f, CF_NIC_VM, cform_chosen(f, CF_NIC_VM)), "web");
	assert_false(cform_applies(f, CF_NIC_VLAN));
	assert_non_null(strstr(cform_why_not(f, CF_NIC_VLAN), "VLANs need a bridged network"));
	/* nothing typed: the defaults */
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"net\":\"wan\",\"name\":\"web\"}");
	focus(f, CF_NIC_IP);
	keys(f, "10.73.0.300");
	expect_msg(f, CF_NIC_IP, "address '10.73.0.300' is not an IPv4 address (e.g. 10.73.0.5)");
	wipe(f);
	keys(f, "10.73.0.50");
	focus(f, CF_NIC_MAC);
	keys(f, "zz");
	expect_msg(f, CF_NIC_MAC, "MAC 'zz' must look like 52:54:00:12:34:56");
	wipe(f);
	keys(f, "01:00:5e:00:00:01");
	expect_msg(f, CF_NIC_MAC, "is a multicast address");
	wipe(f);
	keys(f, "00:00:00:00:00:00");
	expect_msg(f, CF_NIC_MAC, "is all zero");
	wipe(f);
	keys(f, "52-54-00-AB-CD-EF");
	assert_null(cform_message(f, CF_NIC_MAC));
	/* Tab skips VLAN on a nat network */
	cform_key(f, '\t');
	assert_int_equal(cform_focus(f), CF_NIC_RATE);
	keys(f, "0");
	expect_msg(f, CF_NIC_RATE, "rate (Mbit/s) must be between 1 and 100000, not 0");
	wipe(f);
	keys(f, "100");
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"net\":\"wan\",\"name\":\"web\",\"ip\":\"10.73.0.50\","
		       "\"mac\":\"52-54-00-AB-CD-EF\",\"rate\":100}");
	cform_set_error(f, "address 10.73.0.50 is already used by VM db on network wan");
	assert_int_equal(cform_focus(f), CF_NIC_IP);
	cform_set_error(f, "MAC 52:54:00:ab:cd:ef is already used by VM db");
	assert_int_equal(cform_focus(f), CF_NIC_MAC);
	cform_free(f);

	/* bridged: VLAN applies, 1-4094 */
	f = cform_new_nic("br", "bridged", vms, 2, "nobody");
	assert_string_equal(cform_choice(f, CF_NIC_VM, cform_chosen(f, CF_NIC_VM)), "db");
	assert_true(cform_applies(f, CF_NIC_VLAN));
	focus(f, CF_NIC_VLAN);
	keys(f, "4095");
	expect_msg(f, CF_NIC_VLAN, "VLAN must be between 1 and 4094, not 4095");
	cform_key(f, KEY_BACKSPACE);
	assert_int_equal(cform_key(f, '\n'), CFORM_SUBMIT);
	expect_args(f, "{\"net\":\"br\",\"name\":\"db\",\"vlan\":409}");
	cform_free(f);
}

/* --- drawing ------------------------------------------------------------------- */

static const struct tui_theme theme = {
	.normal = A_NORMAL, .title = A_BOLD, .tab = A_NORMAL, .tab_active = A_REVERSE,
	.label = A_BOLD, .selected = A_REVERSE, .input = A_UNDERLINE, .error = A_BOLD | A_UNDERLINE,
	.ok = A_BOLD, .warn = A_BOLD | A_REVERSE, .dim = A_DIM, .key = A_REVERSE,
	.keybar = A_NORMAL, .meter = A_BOLD, .colour = 0,
};

static SCREEN *screen;
static FILE *term_out, *term_in;

static int term_setup(void **state)
{
	(void)state;
	term_out = fopen("/dev/null", "w");
	term_in = fopen("/dev/null", "r");
	if (!term_out || !term_in)
		return -1;
	screen = newterm("xterm-256color", term_out, term_in);
	return screen ? 0 : -1;
}

static int term_teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(screen);
	fclose(term_out);
	fclose(term_in);
	return 0;
}

static int pad_find(WINDOW *w, const char *s, int *col)
{
	char buf[512], *p;
	int y, h, wd;

	getmaxyx(w, h, wd);
	(void)wd;
	for (y = 0; y < h; y++) {
		if (mvwinnstr(w, y, 0, buf, sizeof(buf) - 1) == ERR)
			continue;
		if ((p = strstr(buf, s))) {
			if (col)
				*col = (int)(p - buf);
			return y;
		}
	}
	return -1;
}

static void test_draw_80x19(void **state)
{
	WINDOW *pad = newpad(24, 80);
	struct cform *f = cform_new_net();
	int y, x, i, cols[5];

	(void)state;
	assert_non_null(pad);
	keys(f, "-bad");
	/* the body of an 80x24 console: rows 3-21 */
	cform_draw(f, pad, 3, 19, 80, &theme);
	for (i = 0; i < 5; i++) {
		y = pad_find(pad, cform_label(f, (size_t)i), &cols[i]);
		assert_true(y >= 3 && y < 22);
		assert_int_equal(cols[i], cols[0]);
	}
	assert_true(pad_find(pad, "New network", NULL) >= 3);
	assert_true(pad_find(pad, "(*) nat  ( ) host-only  ( ) bridged", NULL) >= 0);
	assert_true(pad_find(pad, "a free 10.73.N.0/24", NULL) >= 0);
	assert_true(pad_find(pad, "network name '-bad' must start with a letter or a digit", NULL) >= 0);
	assert_true(pad_find(pad, "Enter submit", NULL) >= 0);
	/* the invalid field is flagged after its label */
	y = pad_find(pad, "Name", &x);
	assert_int_equal((char)(mvwinch(pad, y, x + 15) & A_CHARTEXT), '!');
	/* nothing outside the body */
	for (y = 0; y < 24; y += 23)
		for (x = 0; x < 80; x++)
			assert_int_equal((char)(mvwinch(pad, y, x) & A_CHARTEXT), ' ');
	/* croftd's refusal replaces the message */
	cform_set_error(f, "a network named 'x' already exists");
	werase(pad);
	cform_draw(f, pad, 3, 19, 80, &theme);
	assert_true(pad_find(pad, "a network named 'x' already exists", NULL) >= 0);
	/* bridged: the fields that do not apply say why */
	cform_key(f, '\t');
	cform_key(f, ' ');
	cform_key(f, ' ');
	werase(pad);
	cform_draw(f, pad, 3, 19, 80, &theme);
	assert_true(pad_find(pad, "n/a: bridged networks get addresses from the LAN", NULL) >= 0);
	/* too small to draw: nothing, no crash */
	werase(pad);
	cform_draw(f, pad, 0, 4, 20, &theme);
	cform_free(f);
	delwin(pad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_sorted_counted),
		cmocka_unit_test(test_list_selection_follows_name),
		cmocka_unit_test(test_list_scroll),
		cmocka_unit_test(test_cells_and_layout),
		cmocka_unit_test(test_detail_rows),
		cmocka_unit_test(test_detail_scroll),
		cmocka_unit_test(test_net_form_defaults),
		cmocka_unit_test(test_net_form_checks),
		cmocka_unit_test(test_net_form_modes),
		cmocka_unit_test(test_net_form_server_error),
		cmocka_unit_test(test_text_editing),
		cmocka_unit_test(test_forward_form),
		cmocka_unit_test(test_nic_form),
		cmocka_unit_test_setup_teardown(test_draw_80x19, term_setup, term_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
