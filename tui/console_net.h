/*
 * The Networks screen's models (console_networks.c shows them and sends
 * their requests).  No I/O, no drawing, so every behaviour is unit-tested.
 *
 *   struct cnet  one network of net.list, parsed once per read, with its
 *                port forwards and the NICs on it: the rows of the screen's
 *                table (a list panel, cnet_panel_ops: by name) with the
 *                columns NAME MODE SUBNET/UPLINK BRIDGE GUESTS FORWARDS.
 *                (console_netlist.c)
 *   details      one network's forwards and NICs as the rows of two more
 *                list panels (each NIC with the lease and state the VM
 *                model knows), its summary lines, and the layout that
 *                shares the body between the two tables.
 *                (console_netlist.c)
 *   forms        a new network (Name, Mode, Subnet, Uplink, DHCP range), a
 *                port forward on a network (Proto, Host port, VM, Guest
 *                port) and a NIC on a network (VM, Address, MAC, VLAN,
 *                Rate), on the form engine (tui/form.h), checked with
 *                croftd's rules and words (common/validate.h,
 *                common/addr.h).  What needs the host or the other
 *                networks (overlaps, uplinks that exist, ports in use) is
 *                croftd's to refuse; its message goes back into the form.
 *                (console_netform.c)
 *
 * Ownership: a struct cnet owns its arrays (cnet_panel_ops frees them);
 * functions that take json_t arguments borrow them.
 */
#ifndef CROFT_TUI_CONSOLE_NET_H
#define CROFT_TUI_CONSOLE_NET_H

#include <jansson.h>
#include <stddef.h>

#include "tui/console_model.h"
#include "tui/console_table.h"
#include "tui/form.h"
#include "tui/panel.h"

#define CNET_NAME_LEN 64
#define CNET_ROW_LEN 512

/* --- the table ---------------------------------------------------------- */

struct cnet_fwd {
	size_t order;                  /* its place in the network's list */
	char proto[8];
	long long host_port;           /* -1: missing */
	char vm[CNET_NAME_LEN];
	long long port;
	char address[20];
};

struct cnet_nic {
	size_t order;
	char vm[CNET_NAME_LEN];
	char mac[24];
	char address[20];              /* assigned by croftd */
	char ip[48];                   /* the lease, from the VM model; "" none */
	char state[24];                /* its VM's, from the VM model; "" unknown */
};

struct cnet {
	char name[CNET_NAME_LEN];
	char mode[16];
	char subnet[24], gateway[20], dhcp_first[20], dhcp_last[20];
	char uplink[32], bridge[32];
	size_t guests;                 /* distinct VMs with a NIC on it */
	struct cnet_fwd *fwds;
	size_t nfwds;
	struct cnet_nic *nics;
	size_t nnics;
};

/* A network object of net.list: 0, or -EINVAL without a string name. */
int cnet_parse(struct cnet *n, const json_t *o);
void cnet_free(struct cnet *n);
/* net.list's "networks" (borrowed) as a malloc'd array of *n networks. */
struct cnet *cnet_parse_list(const json_t *networks, size_t *n);
/* Distinct VM names with a NIC on n, in the order of its NICs, joined by
 * ", " into buf ("" when none).  At most max names into names (may be
 * NULL); returns how many there are. */
size_t cnet_users(const struct cnet *n, char *buf, size_t len);
size_t cnet_user_names(const struct cnet *n, const char **names, size_t max);

extern const struct panel_ops cnet_panel_ops;
extern const struct ctable_col cnet_cols[];
extern const size_t cnet_ncols;

/* --- the details ---------------------------------------------------------- */

/* n's forwards and NICs as malloc'd rows (NULL when none); a NIC's lease
 * and state come from vms (may be NULL). */
struct cnet_fwd *cnet_fwd_rows(const struct cnet *n);
struct cnet_nic *cnet_nic_rows(const struct cnet *n, const struct cvm_model *vms);
extern const struct panel_ops cnet_fwd_ops, cnet_nic_ops;
extern const struct ctable_col cnet_fwd_cols[], cnet_nic_cols[];
extern const size_t cnet_fwd_ncols, cnet_nic_ncols;

#define CNET_SUMMARY_MAX 6
/* The summary lines of n wrapped to width: "Network wan: nat, subnet...",
 * then what its bridge does.  Returns how many (<= CNET_SUMMARY_MAX). */
int cnet_summary(const struct cnet *n, int width, char lines[][CNET_ROW_LEN]);

/* Where the details go in a body of height rows: the summary, a blank, the
 * forwards' title, their column titles (or a note) and rows, a blank, the
 * NICs' title, column titles (or a note) and rows.  Both tables get all
 * their rows when they fit; otherwise the rows are shared, a short table
 * keeping all of its own. */
struct cnet_layout {
	int fwd_title, fwd_head, fwd_rows;    /* body-relative rows; rows: how many */
	int nic_title, nic_head, nic_rows;
};
void cnet_layout(int height, int summary, size_t nfwd, size_t nnic, struct cnet_layout *l);

/* --- the forms ------------------------------------------------------------- */

enum { CF_NET_NAME, CF_NET_MODE, CF_NET_SUBNET, CF_NET_UPLINK, CF_NET_RANGE,
       CF_NET_HOST_ACCESS };
enum { CF_FWD_PROTO, CF_FWD_HOST_PORT, CF_FWD_VM, CF_FWD_GUEST_PORT };
enum { CF_NIC_VM, CF_NIC_IP, CF_NIC_MAC, CF_NIC_VLAN, CF_NIC_RATE };

/* A new network (net.create): mode nat, everything else empty (croftd's
 * defaults). */
struct form *netform_new_net(void);
/* A port forward on nat network net (net.forward.add); vms: the VMs with
 * a NIC on it (the VM choice; at least one). */
struct form *netform_new_forward(const char *net, const char *const *vms, size_t nvms);
/* A NIC on network net of mode mode (vm.nic.add); vms: the VM choice (at
 * least one); the choice starts on vm when it is among them. */
struct form *netform_new_nic(const char *net, const char *mode, const char *const *vms,
			     size_t nvms, const char *vm);
/* The status line's words for a form's args: "Creating network lan",
 * "Forwarding tcp port 8080 to web:80 on wan", "Adding a NIC on wan for
 * db", and their done forms (len bytes each). */
void netform_describe_net(const json_t *args, char *progress, char *done, size_t len);
void netform_describe_forward(const json_t *args, char *progress, char *done, size_t len);
void netform_describe_nic(const json_t *args, char *progress, char *done, size_t len);

#endif
