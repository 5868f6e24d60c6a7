/*
 * The network domain: the rules of croft's networks, guest NICs and port
 * forwards, and the changes that follow from them.  Each operation takes a
 * parsed request (plain structs, no JSON), checks all of it (names, modes,
 * addresses, ports, what other networks and NICs already use, what
 * croft-netd says of the host) and only then changes anything, in one
 * transaction of the store and netd's state (net_state_apply).  A refusal
 * is -errno with a PROTO_E_* code and a message naming the problem, and
 * nothing changed.
 *
 * On a running VM a NIC change also goes through QEMU, and finishes later:
 *   add:    store + netd (the tap appears) -> hot-plug; a failed plug takes
 *           the NIC out of the store and netd again.
 *   remove: hot-unplug (the guest must let go) -> store + netd; if that
 *           fails the NIC is plugged back.
 * net_delete with force unplugs every NIC on the network from running VMs
 * one after another, then deletes the network with its NICs and forwards;
 * a failure on the way plugs back what was unplugged.
 *
 * Every side effect (the store, croft-netd, the VMs and QEMU, randomness,
 * the clock) goes through struct net_sys, so unit tests run every rule
 * without a socket, croft-netd or QEMU.  net.c has the networks,
 * net_nic.c the NICs, net_forward.c the forwards, net_sys.c croftd's
 * side effects.
 */
#ifndef CROFT_NET_H
#define CROFT_NET_H

#include "core/net_state.h"
#include "core/vm.h"
#include "common/netd_proto.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct croftd;

/* One change of the store; the apply of struct net_sys makes it together
 * with netd's state. */
enum net_change_op {
	NET_CHANGE_NET_ADD,          /* net: inserted, net->id filled in */
	NET_CHANGE_NET_DELETE,       /* id: with its NICs and their forwards */
	NET_CHANGE_NET_EDIT,         /* net: id's settings as they are to be */
	NET_CHANGE_NIC_ADD,          /* nic: inserted, nic->id filled in */
	NET_CHANGE_NIC_DELETE,       /* id: with the forwards to it */
	NET_CHANGE_FWD_ADD,          /* fwd: inserted, fwd->id filled in */
	NET_CHANGE_FWD_DELETE,       /* id */
};

struct net_change {
	enum net_change_op op;
	struct store_net *net;
	struct store_nic *nic;
	struct store_fwd *fwd;
	int64_t id;
};

/* The side effects of the domain; every call gets net_env.ctx.  Errors are
 * 0 or -errno with err set (and *code where there is one). */
struct net_sys {
	/* Rows of the store, owned by the caller (store_*_list_free); a
	 * non-zero vm_id, net_id or nic_id filters. */
	int (*nets)(void *ctx, struct store_net **out, size_t *n, char *err, size_t errlen);
	int (*nics)(void *ctx, int64_t vm_id, int64_t net_id, struct store_nic **out, size_t *n,
		    char *err, size_t errlen);
	int (*fwds)(void *ctx, int64_t net_id, int64_t nic_id, struct store_fwd **out, size_t *n,
		    char *err, size_t errlen);
	/* The change in the store and netd together, or neither
	 * (net_state_apply's contract). */
	int (*apply)(void *ctx, struct net_change *ch, const char **code, char *err, size_t errlen);
	/* croft-netd, with netd_client.h's contracts: reachable; CHECK_NET; the
	 * default route's interface into ifname (NETD_IFNAME_LEN). */
	int (*netd_ensure)(void *ctx, char *err, size_t errlen);
	int (*check_net)(void *ctx, const struct netd_net *n, char *err, size_t errlen);
	int (*default_uplink)(void *ctx, char *ifname, char *err, size_t errlen);
	/* The defined VM with this store id, or NULL. */
	struct vm *(*vm_by_id)(void *ctx, int64_t id);
	/* QEMU, with vm_nic.h's contracts. */
	int (*plug)(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		    void *data, const char **code, char *err, size_t errlen);
	int (*unplug)(void *ctx, struct vm *vm, const struct store_nic *nic, vm_done_cb cb,
		      void *data, const char **code, char *err, size_t errlen);
	void (*replug)(void *ctx, struct vm *vm, const struct store_nic *nic);
	/* Random bytes for MACs; the time (unix seconds) a network is created. */
	net_random_fn random;
	int64_t (*now)(void *ctx);
};

/* Copied by the operations that finish later. */
struct net_env {
	const struct net_sys *sys;
	void *ctx;
};

/* croftd's side effects (net_sys.c): d's store, netd client and VMs. */
void net_env_daemon(struct net_env *env, struct croftd *d);
/* The store's part of a change (net_sys.c), inside net_state_apply's
 * batch: 0, or -errno with *code and err. */
int net_change_store(struct store *st, const struct net_change *ch, const char **code,
		     char *err, size_t errlen);

/* The name of the VM with this store id, "?" when there is none. */
const char *net_vm_name(const struct net_env *env, int64_t vm_id);

/* --- networks (net.c) ------------------------------------------------------ */

/* Strings are borrowed; NULL means not given. */
struct net_create_req {
	const char *name;
	const char *mode;            /* "nat" | "host-only" | "bridged" */
	const char *subnet;          /* nat, host-only: "A.B.C.D/P"; default 10.73.N.0/24 */
	const char *uplink;          /* nat: default the default route's; bridged: required */
	const char *dhcp_range;      /* nat, host-only: "FIRST-LAST" */
	int host_access;             /* nat, host-only: 1 = guests reach every
	                              * host service; 0 or -1 (not given): only
	                              * DHCP, DNS, ping and ND */
};

/* Create a network.  0 with *out the stored network (the caller clears
 * it), or -errno with *code and err. */
int net_create(const struct net_env *env, const struct net_create_req *req,
	       struct store_net *out, const char **code, char *err, size_t errlen);

/* A change of a network's settings: only host_access so far (-1 = keep). */
struct net_edit_req {
	int host_access;
};

/* Change *net (borrowed; updated on success) as req says.  0 (also when
 * nothing changes), or -errno with *code and err, and nothing changed. */
int net_edit(const struct net_env *env, struct store_net *net, const struct net_edit_req *req,
	     const char **code, char *err, size_t errlen);

/* What went with a deleted network, borrowed for the callback. */
struct net_delete_result {
	const struct store_net *net;
	const struct store_nic *nics;        /* in the order they were added */
	size_t n_nics;
	const struct store_fwd *fwds;
	size_t n_fwds;
};

/* code is NULL on success (res set), else a PROTO_E_* with msg (res NULL). */
typedef void (*net_delete_done_fn)(void *data, const char *code, const char *msg,
				   const struct net_delete_result *res);

/* Delete *net (taken on every path; zeroed).  A network with NICs needs
 * force, which unplugs them from running VMs first.  0 when accepted: done
 * runs exactly once, now or later; else -errno with *code and err and done
 * never runs. */
int net_delete(const struct net_env *env, struct store_net *net, int force,
	       net_delete_done_fn done, void *data, const char **code, char *err, size_t errlen);

/* --- port forwards (net_forward.c) ------------------------------------------ */

struct net_fwd_req {
	const struct store_net *net; /* borrowed */
	struct vm *vm;               /* add: the VM traffic goes to */
	const char *proto;           /* "tcp" | "udp" */
	long long host_port;
	long long port;              /* add: the guest's port */
};

/* A forward and the NIC it goes to (nic.id 0 when that is unknown). */
struct net_fwd_result {
	struct store_fwd fwd;
	struct store_nic nic;
};
void net_fwd_result_clear(struct net_fwd_result *res);

/* 0 with *res the new or removed forward (the caller clears it), or
 * -errno with *code and err. */
int net_fwd_add(const struct net_env *env, const struct net_fwd_req *req,
		struct net_fwd_result *res, const char **code, char *err, size_t errlen);
int net_fwd_remove(const struct net_env *env, const struct net_fwd_req *req,
		   struct net_fwd_result *res, const char **code, char *err, size_t errlen);

/* --- guest NICs (net_nic.c) -------------------------------------------------- */

/* Borrowed; NULL and has_* 0 mean not given. */
struct net_nic_add_req {
	struct vm *vm;
	const struct store_net *net;
	const char *mac;             /* default: a random unused 52:54:00:xx:xx:xx */
	const char *ip;              /* default on nat/host-only: the first free address */
	int has_vlan;
	long long vlan;
	int has_rate;
	long long rate;              /* Mbit/s */
};

/* Exactly one of mac and net says which NIC. */
struct net_nic_remove_req {
	struct vm *vm;
	const char *mac;
	const struct store_net *net;
};

/* The NIC added or removed, borrowed for the callback. */
struct net_nic_result {
	struct vm *vm;
	const struct store_nic *nic;
	const struct store_fwd *fwds;        /* remove: the forwards that went with it */
	size_t n_fwds;
};

/* code is NULL on success (res set), else a PROTO_E_* with msg (res NULL). */
typedef void (*net_nic_done_fn)(void *data, const char *code, const char *msg,
				const struct net_nic_result *res);

/* Add or remove a NIC, hot-plugging on a live VM.  0 when accepted: done
 * runs exactly once, now or later; else -errno with *code and err and done
 * never runs. */
int net_nic_add(const struct net_env *env, const struct net_nic_add_req *req,
		net_nic_done_fn done, void *data, const char **code, char *err, size_t errlen);
int net_nic_remove(const struct net_env *env, const struct net_nic_remove_req *req,
		   net_nic_done_fn done, void *data, const char **code, char *err, size_t errlen);

#endif
