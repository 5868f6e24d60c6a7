/*
 * Port forwards: a host port (unique per protocol across every network)
 * to a port of a VM's first NIC on a nat network, and their removal by
 * protocol and host port.  See net.h.  The target address is the NIC's,
 * taken when netd's state is built, so a forward follows its NIC and goes
 * with it.
 */
#include "core/net.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

void net_fwd_result_clear(struct net_fwd_result *res)
{
	store_fwd_clear(&res->fwd);
	store_nic_clear(&res->nic);
}

static int port_check(long long v, const char *what, uint32_t *out, char *err, size_t errlen)
{
	if (v < 1 || v > 65535) {
		err_set(err, errlen, "%s must be between 1 and 65535, not %lld", what, v);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Copy of the NIC with this id into *out, when there is one. */
static void nic_copy(const struct store_nic *nics, size_t n, int64_t id, struct store_nic *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (nics[i].id != id)
			continue;
		*out = nics[i];
		out->mac = xstrdup(nics[i].mac);
		out->ip = nics[i].ip ? xstrdup(nics[i].ip) : NULL;
		return;
	}
}

/* "tcp port 8080 is already forwarded to web:80 on network lan", when a
 * forward of fw's protocol and host port exists. */
static int fwd_unique(const struct net_env *env, const struct store_fwd *fw,
		      char *err, size_t errlen)
{
	struct store_fwd *all = NULL;
	struct store_nic *nics = NULL, t = { 0 };
	struct store_net *nets = NULL;
	size_t na = 0, nn = 0, nnets = 0, i, j;
	int rc;

	if ((rc = env->sys->fwds(env->ctx, 0, 0, &all, &na, err, errlen)) < 0)
		return rc;
	for (i = 0; i < na && (all[i].host_port != fw->host_port ||
			       strcmp(all[i].proto, fw->proto)); i++)
		;
	if (i == na)
		goto out;
	if ((rc = env->sys->nics(env->ctx, 0, all[i].net_id, &nics, &nn, err, errlen)) < 0 ||
	    (rc = env->sys->nets(env->ctx, &nets, &nnets, err, errlen)) < 0)
		goto out;
	nic_copy(nics, nn, all[i].nic_id, &t);
	for (j = 0; j < nnets && nets[j].id != all[i].net_id; j++)
		;
	err_set(err, errlen, "%s port %u is already forwarded to %s:%u on network %s",
		fw->proto, fw->host_port, t.id ? net_vm_name(env, t.vm_id) : "?",
		all[i].guest_port, j < nnets ? nets[j].name : "?");
	store_nic_clear(&t);
	rc = -EEXIST;
out:
	store_fwd_list_free(all, na);
	store_nic_list_free(nics, nn);
	store_net_list_free(nets, nnets);
	return rc;
}

int net_fwd_add(const struct net_env *env, const struct net_fwd_req *req,
		struct net_fwd_result *res, const char **code, char *err, size_t errlen)
{
	const struct store_net *net = req->net;
	struct net_change ch = { .op = NET_CHANGE_FWD_ADD, .fwd = &res->fwd };
	struct store_nic *nics = NULL;
	size_t nn = 0;
	uint32_t p;
	int rc;

	memset(res, 0, sizeof(*res));
	*code = PROTO_E_INVALID_ARGUMENT;
	if (strcmp(net->mode, "nat")) {
		err_set(err, errlen, "port forwards need a nat network; %s is %s", net->name,
			net->mode);
		return -EINVAL;
	}
	if ((rc = net_proto_parse(req->proto, &p, err, errlen)) < 0 ||
	    (rc = port_check(req->host_port, "host port", &res->fwd.host_port, err, errlen)) < 0 ||
	    (rc = port_check(req->port, "guest port", &res->fwd.guest_port, err, errlen)) < 0)
		goto out;
	if ((rc = env->sys->nics(env->ctx, req->vm->spec.id, net->id, &nics, &nn,
				 err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto out;
	}
	if (!nn) {
		err_set(err, errlen, "VM %s has no NIC on network %s; add one with: croft vm nic add %s --net %s",
			req->vm->spec.name, net->name, req->vm->spec.name, net->name);
		rc = -ENOENT;
		goto out;
	}
	res->fwd.proto = xstrdup(req->proto);
	if ((rc = fwd_unique(env, &res->fwd, err, errlen)) < 0) {
		*code = rc == -EEXIST ? PROTO_E_ALREADY_EXISTS : PROTO_E_IO;
		goto out;
	}
	res->fwd.net_id = net->id;
	res->fwd.nic_id = nics[0].id;
	nic_copy(nics, nn, nics[0].id, &res->nic);
	rc = env->sys->apply(env->ctx, &ch, code, err, errlen);
out:
	if (rc < 0)
		net_fwd_result_clear(res);
	store_nic_list_free(nics, nn);
	return rc;
}

int net_fwd_remove(const struct net_env *env, const struct net_fwd_req *req,
		   struct net_fwd_result *res, const char **code, char *err, size_t errlen)
{
	const struct store_net *net = req->net;
	struct net_change ch = { .op = NET_CHANGE_FWD_DELETE };
	struct store_fwd *fwds = NULL;
	struct store_nic *nics = NULL;
	size_t nf = 0, nn = 0, i;
	uint32_t p, port;
	int rc;

	memset(res, 0, sizeof(*res));
	*code = PROTO_E_INVALID_ARGUMENT;
	if ((rc = net_proto_parse(req->proto, &p, err, errlen)) < 0 ||
	    (rc = port_check(req->host_port, "host port", &port, err, errlen)) < 0)
		return rc;
	if ((rc = env->sys->fwds(env->ctx, net->id, 0, &fwds, &nf, err, errlen)) < 0 ||
	    (rc = env->sys->nics(env->ctx, 0, net->id, &nics, &nn, err, errlen)) < 0) {
		*code = PROTO_E_IO;
		goto out;
	}
	for (i = 0; i < nf && (fwds[i].host_port != port || strcmp(fwds[i].proto, req->proto)); i++)
		;
	if (i == nf) {
		*code = PROTO_E_NOT_FOUND;
		err_set(err, errlen, "network %s has no %s forward of port %u", net->name,
			req->proto, port);
		rc = -ENOENT;
		goto out;
	}
	ch.id = fwds[i].id;
	if ((rc = env->sys->apply(env->ctx, &ch, code, err, errlen)) < 0)
		goto out;
	res->fwd = fwds[i];
	memset(&fwds[i], 0, sizeof(fwds[i]));
	nic_copy(nics, nn, res->fwd.nic_id, &res->nic);
out:
	store_fwd_list_free(fwds, nf);
	store_nic_list_free(nics, nn);
	return rc;
}
