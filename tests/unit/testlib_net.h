/*
 * A fake of the network domain's side effects (struct net_sys, core/net.h)
 * for the unit tests of net.c, net_nic.c and net_forward.c.  The store is
 * real, in a temporary directory, and a change is made to it as croftd's
 * transaction makes it (net_change_store); croft-netd, the VMs and their
 * QEMU are played by the fake as the test sets its fields, and every call
 * is counted.  A hot-plug or unplug the domain starts stays pending until
 * the test finishes it with tl_net_finish(), as QEMU would answer later.
 *
 * One fake at a time: the MAC seam (net_random_fn) takes no context.
 */
#ifndef CROFT_TESTLIB_NET_H
#define CROFT_TESTLIB_NET_H

#include "core/net.h"

#include <stddef.h>
#include <stdint.h>

#define TL_NET_VMS 3                 /* "web", "db", "app" */

struct tl_net {
	char *dir;
	struct store *st;
	struct vm vm[TL_NET_VMS];        /* stopped, in the store; see tl_net_vm_live */
	struct net_env env;              /* the domain's env over this fake */

	/* croft-netd, as the test sets it */
	int netd_down;                   /* every netd call: -ENOTCONN */
	int check_rc;                    /* non-zero: CHECK_NET answers this */
	const char *host_route;          /* CIDR: CHECK_NET refuses subnets overlapping it */
	const char *default_uplink;      /* NULL: the host has no default route */
	int checks;                      /* CHECK_NET calls */

	/* the transaction */
	int apply_rc;                    /* non-zero: netd refuses every change with it */
	int applies;                     /* changes made */

	/* QEMU */
	int qemu_rc;                     /* non-zero: plug and unplug refuse at once */
	int plugs, unplugs, replugs;
	int64_t replugged[8];            /* the NICs put back, by id */
	struct {                         /* the plug or unplug QEMU has not answered */
		vm_done_cb cb;
		void *data;
		struct vm *vm;
		int64_t nic_id;
	} pending;

	/* MACs: the random seam serves rnd[rnd_off..rnd_len), then 1, 2, 3... */
	uint8_t rnd[30];
	size_t rnd_len, rnd_off;
	unsigned rnd_count;
};

/* A fresh fake (setup) and its end (teardown); 0 or -1 for cmocka. */
int tl_net_setup(void **state);
int tl_net_teardown(void **state);

/* Make VM i live in state s: a QEMU process, connected over QMP unless
 * qmp is 0. */
void tl_net_vm_live(struct tl_net *f, int i, enum vm_state s, int qmp);
/* Answer the pending plug or unplug: code NULL for success.  Fails the
 * test when none is pending. */
void tl_net_finish(struct tl_net *f, const char *code, const char *msg);

/* Rows of the fake's store. */
size_t tl_net_count_nets(struct tl_net *f);
size_t tl_net_count_nics(struct tl_net *f, int64_t vm_id, int64_t net_id);
size_t tl_net_count_fwds(struct tl_net *f, int64_t net_id);

#endif
