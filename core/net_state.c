/*
 * croftd's choices for networks (a free address, a fresh MAC), the desired
 * state built from the store, and the store-plus-netd transaction (see
 * net_state.h).  Every address and MAC is parsed and judged by
 * common/addr.h; what is here is policy, not rules.
 */
#include "core/net_state.h"
#include "core/daemon.h"
#include "core/netd_client.h"
#include "core/vm.h"
#include "core/vm_uid.h"
#include "common/addr.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define MAC_TRIES 1000

/* --- names -------------------------------------------------------------------- */

struct word {
	uint32_t v;
	const char *name;
};

static const struct word modes[] = {
	{ NETD_MODE_NAT, "nat" },
	{ NETD_MODE_HOSTONLY, "host-only" },
	{ NETD_MODE_BRIDGED, "bridged" },
	{ 0, NULL },
};

static const struct word protos[] = {
	{ NETD_L4_TCP, "tcp" },
	{ NETD_L4_UDP, "udp" },
	{ 0, NULL },
};

/* The value words gives s (may be NULL): 0, or -EINVAL. */
static int word_value(const struct word *w, const char *s, uint32_t *v)
{
	for (; s && w->name; w++) {
		if (!strcmp(s, w->name)) {
			*v = w->v;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *word_name(const struct word *w, uint32_t v)
{
	for (; w->name; w++)
		if (w->v == v)
			return w->name;
	return "?";
}

int net_mode_parse(const char *s, uint32_t *mode, char *err, size_t errlen)
{
	if (word_value(modes, s, mode) == 0)
		return 0;
	err_set(err, errlen, "network mode '%s' is unknown; use nat, host-only or bridged",
		s ? s : "");
	return -EINVAL;
}

const char *net_mode_name(uint32_t mode)
{
	return word_name(modes, mode);
}

int net_proto_parse(const char *s, uint32_t *proto, char *err, size_t errlen)
{
	if (word_value(protos, s, proto) == 0)
		return 0;
	err_set(err, errlen, "protocol '%s' is unknown; use tcp or udp", s ? s : "");
	return -EINVAL;
}

const char *net_proto_name(uint32_t proto)
{
	return word_name(protos, proto);
}

/* --- policy: what croftd picks when the user does not say ------------------ */

int net_ip_alloc(const struct netd_net *n, const struct in_addr *used, size_t nused,
		 struct in_addr *out, char *err, size_t errlen)
{
	uint32_t v, last = addr_h(n->dhcp_last);
	char f[ADDR_STRLEN], l[ADDR_STRLEN];
	size_t i;

	for (v = addr_h(n->dhcp_first); v <= last; v++) {
		for (i = 0; i < nused; i++)
			if (addr_h(used[i]) == v)
				break;
		if (i == nused) {
			*out = addr_of(v);
			return 0;
		}
		if (v == 0xffffffffu)
			break;
	}
	err_set(err, errlen, "network %s has no free address left in its DHCP range %s-%s",
		n->name, addr_str(n->dhcp_first, f), addr_str(n->dhcp_last, l));
	return -ENOSPC;
}

int net_random_bytes(void *buf, size_t len)
{
	ssize_t n;

	do
		n = getrandom(buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int net_mac_generate(uint8_t mac[6], const uint8_t (*used)[6], size_t nused,
		     net_random_fn rnd, char *err, size_t errlen)
{
	int tries, r;
	size_t i;

	for (tries = 0; tries < MAC_TRIES; tries++) {
		mac[0] = 0x52;          /* QEMU's locally administered prefix */
		mac[1] = 0x54;
		mac[2] = 0x00;
		r = rnd(mac + 3, 3);
		if (r < 0) {
			err_set(err, errlen, "cannot get random bytes for a MAC: %s", strerror(-r));
			return r;
		}
		if (!mac[3] && !mac[4] && !mac[5])
			continue;
		for (i = 0; i < nused; i++)
			if (!memcmp(used[i], mac, 6))
				break;
		if (i == nused)
			return 0;
	}
	err_set(err, errlen, "cannot find an unused MAC address after %d tries", MAC_TRIES);
	return -EAGAIN;
}

/* --- the desired state --------------------------------------------------------- */

void net_state_clear(struct net_state *s)
{
	if (!s)
		return;
	free(s->nets);
	free(s->nics);
	free(s->fwds);
	memset(s, 0, sizeof(*s));
}

static int copy_name(char *dst, size_t len, const char *src, const char *what,
		     char *err, size_t errlen)
{
	if (!src || strlen(src) >= len) {
		err_set(err, errlen, "%s '%s' does not fit the netd protocol", what,
			src ? src : "(none)");
		return -EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int net_from_store(const struct store_net *sn, struct netd_net *out, char *err, size_t errlen)
{
	char what[96];

	memset(out, 0, sizeof(*out));
	if (sn->id <= 0 || sn->id > UINT32_MAX) {
		err_set(err, errlen, "network '%s' has an id (%lld) netd cannot name",
			sn->name, (long long)sn->id);
		return -EINVAL;
	}
	out->id = (uint32_t)sn->id;
	if (copy_name(out->name, sizeof(out->name), sn->name, "network name", err, errlen) < 0 ||
	    net_mode_parse(sn->mode, &out->mode, err, errlen) < 0)
		return -EINVAL;
	if (sn->uplink &&
	    copy_name(out->uplink, sizeof(out->uplink), sn->uplink, "uplink", err, errlen) < 0)
		return -EINVAL;
	if (out->mode == NETD_MODE_BRIDGED)
		return 0;
	out->host_access = sn->host_access ? 1 : 0;
	snprintf(what, sizeof(what), "network %s: stored subnet", sn->name);
	out->prefix = sn->prefix;
	if (addr_parse(what, sn->subnet, &out->subnet, err, errlen) < 0 ||
	    addr_parse(what, sn->gateway, &out->gateway, err, errlen) < 0 ||
	    addr_parse(what, sn->dhcp_first, &out->dhcp_first, err, errlen) < 0 ||
	    addr_parse(what, sn->dhcp_last, &out->dhcp_last, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static const struct netd_net *find_net(const struct net_state *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->n_nets; i++)
		if (s->nets[i].id == id)
			return &s->nets[i];
	return NULL;
}

int net_state_build(struct store *st, uint32_t owner_uid, net_vm_name_fn vm_name,
		    void *ctx, struct net_state *out, char *err, size_t errlen)
{
	struct store_net *nets = NULL;
	struct store_nic *nics = NULL;
	struct store_fwd *fwds = NULL;
	size_t nn = 0, ni = 0, nf = 0, i, j;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = store_net_list(st, &nets, &nn)) < 0 ||
	    (r = store_nic_list(st, 0, 0, &nics, &ni)) < 0 ||
	    (r = store_fwd_list(st, 0, 0, &fwds, &nf)) < 0) {
		err_set(err, errlen, "%s", store_last_error(st));
		goto out;
	}
	out->nets = xcalloc(nn + 1, sizeof(*out->nets));
	out->nics = xcalloc(ni + 1, sizeof(*out->nics));
	out->fwds = xcalloc(nf + 1, sizeof(*out->fwds));
	for (i = 0; i < nn; i++) {
		r = net_from_store(&nets[i], &out->nets[out->n_nets], err, errlen);
		if (r < 0)
			goto out;
		out->n_nets++;
	}
	for (i = 0; i < ni; i++) {
		struct netd_nic *n = &out->nics[out->n_nics];
		const char *vm = vm_name ? vm_name(ctx, nics[i].vm_id) : NULL;

		n->id = (uint32_t)nics[i].id;
		n->net_id = (uint32_t)nics[i].net_id;
		n->vlan = (uint16_t)nics[i].vlan;
		n->rate_mbit = nics[i].rate_mbit;
		n->owner_uid = owner_uid;
		snprintf(n->vm, sizeof(n->vm), "%s", vm ? vm : "");
		r = -EINVAL;
		if (nics[i].id <= 0 || nics[i].id > UINT32_MAX) {
			err_set(err, errlen, "NIC %s has an id netd cannot name", nics[i].mac);
			goto out;
		}
		if (addr_mac_parse(nics[i].mac, n->mac, err, errlen) < 0)
			goto out;
		if (nics[i].ip && addr_parse("stored NIC address", nics[i].ip, &n->ip,
						 err, errlen) < 0)
			goto out;
		out->n_nics++;
	}
	for (i = 0; i < nf; i++) {
		struct netd_fwd *f = &out->fwds[out->n_fwds];
		const struct netd_nic *target = NULL;

		for (j = 0; j < out->n_nics; j++)
			if (out->nics[j].id == fwds[i].nic_id)
				target = &out->nics[j];
		r = -EINVAL;
		if (!target || target->net_id != fwds[i].net_id || !target->ip.s_addr ||
		    !find_net(out, fwds[i].net_id)) {
			err_set(err, errlen, "the forward of %s port %u points at no address on its network",
				fwds[i].proto, fwds[i].host_port);
			goto out;
		}
		f->id = (uint32_t)fwds[i].id;
		f->net_id = (uint32_t)fwds[i].net_id;
		f->host_port = (uint16_t)fwds[i].host_port;
		f->guest_port = (uint16_t)fwds[i].guest_port;
		f->guest_ip = target->ip;
		if (net_proto_parse(fwds[i].proto, &f->proto, err, errlen) < 0)
			goto out;
		out->n_fwds++;
	}
	r = 0;
out:
	if (r < 0)
		net_state_clear(out);
	store_net_list_free(nets, nn);
	store_nic_list_free(nics, ni);
	store_fwd_list_free(fwds, nf);
	return r;
}

/* --- croftd's transaction ------------------------------------------------------ */

uint32_t net_owner_uid(const struct croftd *d)
{
	return d->drop_privs ? (uint32_t)d->qemu_uid : (uint32_t)geteuid();
}

static const char *vm_name_of(void *ctx, int64_t vm_id)
{
	struct croftd *d = ctx;
	struct vm *vm;

	for (vm = d->vms; vm; vm = vm->next)
		if (!vm->deleted && vm->spec.id == vm_id)
			return vm->spec.name;
	return NULL;
}

int net_state_of_daemon(void *data, struct net_state *out, char *err, size_t errlen)
{
	struct croftd *d = data;
	size_t i;
	int r;

	r = net_state_build(d->store, net_owner_uid(d), vm_name_of, d, out, err, errlen);
	/* Each tap belongs to its own VM's QEMU uid alone. */
	for (i = 0; r == 0 && i < out->n_nics; i++) {
		struct vm *vm = out->nics[i].vm[0] ? vm_find(d, out->nics[i].vm) : NULL;

		if (vm && vm_uid_of(vm) != (uid_t)-1)
			out->nics[i].owner_uid = (uint32_t)vm_uid_of(vm);
	}
	return r;
}

const char *net_netd_code(int r)
{
	switch (r) {
	case -ENOTCONN:
	case -ECONNRESET:
		return PROTO_E_UNAVAILABLE;
	case -ETIMEDOUT:
		return PROTO_E_TIMEOUT;
	case -EPROTO:
	case -EIO:
	case -ENOMEM:
		return PROTO_E_IO;
	default:
		return PROTO_E_INVALID_ARGUMENT;   /* the state does not fit the host */
	}
}

int net_state_push(struct croftd *d, const char **code, char *err, size_t errlen)
{
	struct net_state s;
	int r;

	r = net_state_of_daemon(d, &s, err, errlen);
	if (r < 0) {
		*code = PROTO_E_INTERNAL;
		return r;
	}
	r = netd_client_push(d->netd, &s, err, errlen);
	net_state_clear(&s);
	if (r < 0)
		*code = net_netd_code(r);
	return r;
}

int net_state_apply(struct croftd *d, net_change_fn change, void *ctx,
		    const char **code, char *err, size_t errlen)
{
	char again[NETD_TEXT_LEN];
	const char *ignored;
	int r;

	r = netd_client_ensure(d->netd, err, errlen);
	if (r < 0) {
		*code = net_netd_code(r);
		return r;
	}
	r = store_batch_begin(d->store, err, errlen);
	if (r < 0) {
		*code = PROTO_E_IO;
		return r;
	}
	r = change(d, ctx, code, err, errlen);
	if (r < 0) {
		store_batch_rollback(d->store);
		return r;
	}
	r = net_state_push(d, code, err, errlen);
	if (r == 0) {
		r = store_batch_commit(d->store, err, errlen);
		if (r == 0)
			return 0;
		*code = PROTO_E_IO;
	}
	/* Undo: the store first, then netd back to the state it stands for. */
	store_batch_rollback(d->store);
	if (netd_client_connected(d->netd) &&
	    net_state_push(d, &ignored, again, sizeof(again)) < 0)
		log_err("croft-netd: cannot restore the previous network state: %s", again);
	return r;
}
