/*
 * The Networks screen's models (console_networks.c shows them and sends
 * their requests).  No I/O, and no drawing but cform_draw(), so every
 * behaviour is unit-tested.
 *
 *   cnet_list    net.list's networks in name order, with a selection that
 *                follows a network by name across refreshes (a row that
 *                vanishes leaves the cursor on the same row number), and
 *                the table's columns: NAME MODE SUBNET/UPLINK BRIDGE
 *                GUESTS FORWARDS, fitted to a width by ctable_layout().
 *                (console_netlist.c)
 *   cnet_detail  one network as the rows of its details view: a summary,
 *                its port forwards, the NICs on it with the lease the VM
 *                model knows (vm.list's nics[].ip).  Forwards and NICs are
 *                the items a cursor selects.  (console_netlist.c)
 *   cform        the small forms: a new network (Name, Mode, Subnet,
 *                Uplink, DHCP range), a port forward on a network (Proto,
 *                Host port, VM, Guest port) and a NIC on a network (VM,
 *                Address, MAC, VLAN, Rate).  Fields are checked as they
 *                are typed, with croftd's words where the check needs no
 *                host (names by common/validate.h; CIDR, range, address,
 *                MAC and number syntax; which fields a mode takes).  What
 *                needs the host or the other networks (overlaps, uplinks
 *                that exist, ports in use) is croftd's to refuse; its
 *                message goes back into the form, which keeps the input
 *                and focuses the field the message is about.
 *                (console_netform.c, which also draws a form)
 *
 * Ownership: lists and details own what they hold (json references
 * included) until their _free/_clear; functions that take json_t
 * arguments borrow them.
 */
#ifndef CROFT_TUI_CONSOLE_NET_H
#define CROFT_TUI_CONSOLE_NET_H

#include <curses.h>
#include <jansson.h>
#include <stddef.h>

#include "tui/console_model.h"
#include "tui/console_table.h"
#include "tui/tui_theme.h"

#define CNET_NAME_LEN 64

/* --- the table ---------------------------------------------------------- */

struct cnet {
	char name[CNET_NAME_LEN];
	char mode[16];
	size_t guests;                 /* distinct VMs with a NIC on it */
	size_t nics, forwards;
	json_t *json;                  /* the network object (owned) */
};

struct cnet_list {
	struct cnet *nets;             /* by name */
	size_t n;
	size_t sel, top;               /* selected row, first row shown */
	char selected[CNET_NAME_LEN];  /* "" = none */
	int loaded;                    /* a net.list answer is in */
};

void cnet_list_init(struct cnet_list *l);
void cnet_list_free(struct cnet_list *l);
/* Replace the networks with net.list's "networks" array (borrowed). */
void cnet_list_update(struct cnet_list *l, const json_t *networks);
/* Forget them (no connection); the selected name is kept. */
void cnet_list_clear(struct cnet_list *l);
void cnet_list_move(struct cnet_list *l, long delta);
void cnet_list_home(struct cnet_list *l);
void cnet_list_end(struct cnet_list *l);
void cnet_list_select_row(struct cnet_list *l, size_t row);
/* 0, or -ENOENT (the name is remembered: it may come with the next
 * update). */
int cnet_list_select(struct cnet_list *l, const char *name);
const struct cnet *cnet_list_selected(const struct cnet_list *l);
const struct cnet *cnet_list_find(const struct cnet_list *l, const char *name);
void cnet_list_scroll(struct cnet_list *l, size_t height);

/* The table's columns; cells take a const struct cnet *. */
extern const struct ctable_col cnet_cols[];
extern const size_t cnet_ncols;

/* Distinct VM names with a NIC on the network object net, in the order of
 * its "nics", joined by ", " into buf ("" when none). */
char *cnet_users(const json_t *net, char *buf, size_t len);

/* --- the details ---------------------------------------------------------- */

enum cnet_row_kind {
	CNET_ROW_TEXT,                 /* the summary */
	CNET_ROW_BLANK,
	CNET_ROW_TITLE,                /* "PORT FORWARDS (2)" */
	CNET_ROW_HEAD,                 /* column titles */
	CNET_ROW_NOTE,                 /* "None. Press n ..." */
	CNET_ROW_FWD,
	CNET_ROW_NIC,
};

#define CNET_ROW_LEN 512

struct cnet_row {
	enum cnet_row_kind kind;
	long item;                     /* FWD, NIC: the item number; else -1 */
	char text[CNET_ROW_LEN];       /* formatted for the width */
};

struct cnet_detail {
	struct cnet_row *rows;
	size_t n;
	size_t nfwd, nnic;             /* items: forwards 0..nfwd-1, then NICs */
};

/* Build the rows of network object net (borrowed) for width columns;
 * vms (may be NULL) supplies each NIC's lease and its VM's state. */
void cnet_detail_build(struct cnet_detail *d, const json_t *net, const struct cvm_list *vms,
		       int width);
void cnet_detail_free(struct cnet_detail *d);
size_t cnet_detail_items(const struct cnet_detail *d);
/* The row that shows item (or 0). */
size_t cnet_detail_row_of(const struct cnet_detail *d, size_t item);
/* The first row to show so that item's row (and, when they fit, the rows
 * above it down to the top) is inside height rows; top is the current
 * one, kept when it still shows the item. */
size_t cnet_detail_scroll(const struct cnet_detail *d, size_t item, size_t height, size_t top);
/* Item number item of net: its forward object or its NIC object
 * ({"vm","mac","address"}), the other NULL.  0, or -ENOENT. */
int cnet_detail_item(const json_t *net, size_t item, const json_t **fwd, const json_t **nic);

/* --- the forms ------------------------------------------------------------- */

enum cform_type { CFORM_NET, CFORM_FORWARD, CFORM_NIC };
enum cform_result { CFORM_CONTINUE = 0, CFORM_SUBMIT, CFORM_CANCEL };

/* Field numbers, per form type. */
enum { CF_NET_NAME, CF_NET_MODE, CF_NET_SUBNET, CF_NET_UPLINK, CF_NET_RANGE };
enum { CF_FWD_PROTO, CF_FWD_HOST_PORT, CF_FWD_VM, CF_FWD_GUEST_PORT };
enum { CF_NIC_VM, CF_NIC_IP, CF_NIC_MAC, CF_NIC_VLAN, CF_NIC_RATE };

struct cform;

/* A new-network form: mode nat, everything else empty (croftd's defaults). */
struct cform *cform_new_net(void);
/* A port forward on nat network net; vms: the VMs with a NIC on it (the
 * VM choice; at least one), copied. */
struct cform *cform_new_forward(const char *net, const char *const *vms, size_t nvms);
/* A NIC on network net of mode mode; vms: the VM choice (at least one),
 * copied; the choice starts on vm when it is among them. */
struct cform *cform_new_nic(const char *net, const char *mode, const char *const *vms,
			    size_t nvms, const char *vm);
void cform_free(struct cform *f);

enum cform_type cform_type(const struct cform *f);
/* The API op the form's args are for: net.create, net.forward.add,
 * vm.nic.add. */
const char *cform_op(const struct cform *f);
/* "New network", "New port forward on wan", "New NIC on wan". */
const char *cform_title(const struct cform *f);
/* The network a forward or NIC form is about ("" for a new network). */
const char *cform_net(const struct cform *f);

/* One key (getch() codes); returns enum cform_result.  SUBMIT only when
 * every field that applies is valid; otherwise focus goes to the first
 * invalid one and its message shows. */
int cform_key(struct cform *f, int ch);
/* New reference: the op's args; NULL while a field is invalid. */
json_t *cform_args(const struct cform *f);
/* croftd refused: show message (copied; NULL clears it) and focus the
 * field it is about, if any.  The input stays. */
void cform_set_error(struct cform *f, const char *message);

/* For drawing and tests. */
size_t cform_nfields(const struct cform *f);
const char *cform_label(const struct cform *f, size_t id);
int cform_is_choice(const struct cform *f, size_t id);
/* 0 when the field does not apply now (Subnet of a bridged network). */
int cform_applies(const struct cform *f, size_t id);
/* Why a field does not apply, for the form to show instead of a value. */
const char *cform_why_not(const struct cform *f, size_t id);
const char *cform_placeholder(const struct cform *f, size_t id);
const char *cform_text(const struct cform *f, size_t id);
size_t cform_cursor(const struct cform *f, size_t id);
size_t cform_nchoices(const struct cform *f, size_t id);
const char *cform_choice(const struct cform *f, size_t id, size_t k);
size_t cform_chosen(const struct cform *f, size_t id);
size_t cform_focus(const struct cform *f);
/* The field's message now (shown once the field is typed into, or after
 * a submit), or NULL. */
const char *cform_message(const struct cform *f, size_t id);
const char *cform_server_error(const struct cform *f);
/* The keys line for the focused field. */
const char *cform_help(const struct cform *f);

/* Draw f as a centred box in rows [top, top+height) of w, width columns
 * (fits an 80x24 console's body).  Only the box's cells are written; the
 * focused text field's cursor cell is shown inverted. */
void cform_draw(const struct cform *f, WINDOW *w, int top, int height, int width,
		const struct tui_theme *th);

#endif
