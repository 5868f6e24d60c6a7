/*
 * The in-memory model (model.h).  VMs sit in an array of pointers sorted by
 * store id, found by binary search; an update for an id the model does not
 * know yet adds it.  Leases are mapped onto NICs when either changes, so a
 * reader only copies what is there.
 */
#include "core/model.h"
#include "common/addr.h"
#include "core/net_state.h"
#include "common/loop.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct model *model_new(int64_t (*now_ms)(void))
{
	struct model *m = xcalloc(1, sizeof(*m));

	m->now_ms = now_ms ? now_ms : loop_wall_ms;
	return m;
}

static void disks_free(struct model_disk *disks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(disks[i].path);
	free(disks);
}

const char *const model_psi_names[MODEL_NPSI] = { "cpu", "memory", "io" };

static void vm_free(struct model_vm *v)
{
	disks_free(v->disks, v->ndisks);
	free(v->vcpus);
	free(v->blks);
	free(v->netstats);
	free(v->nics);
	free(v);
}

void model_free(struct model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nvms; i++)
		vm_free(m->vms[i]);
	free(m->vms);
	free(m->leases);
	free(m->text.text);
	free(m);
}

int64_t model_now_ms(const struct model *m)
{
	return m->now_ms();
}

/* Where id is, or where it would go; *found says which. */
static size_t vm_pos(const struct model *m, int64_t id, int *found)
{
	size_t lo = 0, hi = m->nvms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->vms[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->nvms && m->vms[lo]->id == id;
	return lo;
}

const struct model_vm *model_vm(const struct model *m, int64_t id)
{
	size_t i;
	int found;

	if (!m)
		return NULL;
	i = vm_pos(m, id, &found);
	return found ? m->vms[i] : NULL;
}

static struct model_vm *vm_ensure(struct model *m, int64_t id)
{
	struct model_vm *v;
	size_t i;
	int found;

	i = vm_pos(m, id, &found);
	if (found)
		return m->vms[i];
	if (m->nvms == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->vms = xrealloc(m->vms, m->cap * sizeof(*m->vms));
	}
	memmove(&m->vms[i + 1], &m->vms[i], (m->nvms - i) * sizeof(*m->vms));
	v = xcalloc(1, sizeof(*v));
	v->id = id;
	v->ready_pct = v->ready_max_pct = -1;
	v->proc.cpu_pct = -1;
	m->vms[i] = v;
	m->nvms++;
	return v;
}

const struct model_proc *model_proc_of(const struct model *m, int64_t id, pid_t pid)
{
	const struct model_vm *v = model_vm(m, id);

	return v && pid > 0 && v->proc.pid == pid ? &v->proc : NULL;
}

const struct model_balloon *model_balloon_of(const struct model *m, int64_t id, pid_t pid)
{
	const struct model_vm *v = model_vm(m, id);

	return v && pid > 0 && v->balloon.pid == pid ? &v->balloon : NULL;
}

const struct model_disk *model_disk_of(const struct model *m, int64_t id, const char *path)
{
	const struct model_vm *v = model_vm(m, id);
	size_t i;

	for (i = 0; v && i < v->ndisks; i++)
		if (!strcmp(v->disks[i].path, path))
			return &v->disks[i];
	return NULL;
}

const struct netd_lease *model_lease_find(const struct model *m, int64_t net_id,
					  const uint8_t mac[6])
{
	const struct netd_lease *best = NULL;
	size_t i;

	for (i = 0; m && i < m->nleases; i++) {
		const struct netd_lease *l = &m->leases[i];

		if ((int64_t)l->net_id != net_id || memcmp(l->mac, mac, 6) || !l->ip.s_addr)
			continue;
		if (!best || l->expires == 0 || (best->expires && l->expires > best->expires))
			best = l;
	}
	return best;
}

void model_nic_map(const struct model *m, struct model_nic *n)
{
	const struct netd_lease *l = n->mac_ok ? model_lease_find(m, n->net_id, n->mac_bin) : NULL;

	n->lease.s_addr = l ? l->ip.s_addr : 0;
	n->lease_expires = l ? l->expires : 0;
}

static void nics_map(const struct model *m, struct model_vm *v)
{
	size_t i;

	for (i = 0; i < v->nnics; i++)
		model_nic_map(m, &v->nics[i]);
}

void model_host_set(struct model *m, const struct model_host *h)
{
	if (!m)
		return;
	m->host = *h;
	m->host.sampled_ms = m->now_ms();
	m->gen++;
}

void model_proc_set(struct model *m, int64_t id, const struct model_proc *p)
{
	struct model_vm *v;

	if (!m || p->pid <= 0)
		return;
	v = vm_ensure(m, id);
	v->proc = *p;
	v->proc.sampled_ms = m->now_ms();
	m->gen++;
}

void model_proc_clear(struct model *m, int64_t id)
{
	struct model_vm *v = (struct model_vm *)model_vm(m, id);

	if (!v)
		return;
	memset(&v->proc, 0, sizeof(v->proc));
	v->proc.cpu_pct = -1;
	free(v->vcpus);
	v->vcpus = NULL;
	v->nvcpus = 0;
	v->vcpus_pid = 0;
	v->ready_pct = v->ready_max_pct = -1;
	free(v->blks);
	v->blks = NULL;
	v->nblks = 0;
	v->blks_pid = 0;
	free(v->netstats);
	v->netstats = NULL;
	v->nnetstats = 0;
	m->gen++;
}

/* A copy of n elements of size sz (at least one element allocated). */
static void *dup_array(const void *a, size_t n, size_t sz)
{
	void *p = xcalloc(n + 1, sz);

	if (n)
		memcpy(p, a, n * sz);
	return p;
}

void model_vcpus_set(struct model *m, int64_t id, pid_t pid, const struct model_vcpu *vc, size_t n)
{
	struct model_vm *v;
	double sum = 0, max = -1;
	size_t i, known = 0;

	if (!m || pid <= 0)
		return;
	v = vm_ensure(m, id);
	free(v->vcpus);
	v->vcpus = dup_array(vc, n, sizeof(*vc));
	v->nvcpus = n;
	v->vcpus_pid = pid;
	v->vcpus_ms = m->now_ms();
	for (i = 0; i < n; i++) {
		if (vc[i].ready_pct < 0)
			continue;
		known++;
		sum += vc[i].ready_pct;
		if (vc[i].ready_pct > max)
			max = vc[i].ready_pct;
	}
	v->ready_pct = known ? sum / (double)known : -1;
	v->ready_max_pct = known ? max : -1;
	m->gen++;
}

void model_guest_mem_set(struct model *m, int64_t id, pid_t pid, const struct model_guest_mem *g)
{
	struct model_vm *v;

	if (!m || pid <= 0)
		return;
	v = vm_ensure(m, id);
	if (v->balloon.pid != pid) {
		memset(&v->balloon, 0, sizeof(v->balloon));
		v->balloon.pid = pid;
	}
	v->balloon.guest = *g;
	v->balloon.guest.sampled_ms = m->now_ms();
	m->gen++;
}

void model_blks_set(struct model *m, int64_t id, pid_t pid, const struct model_blk *b, size_t n)
{
	struct model_vm *v;

	if (!m || pid <= 0)
		return;
	v = vm_ensure(m, id);
	free(v->blks);
	v->blks = dup_array(b, n, sizeof(*b));
	v->nblks = n;
	v->blks_pid = pid;
	v->blks_ms = m->now_ms();
	m->gen++;
}

void model_netstats_set(struct model *m, int64_t id, const struct model_netstat *s, size_t n)
{
	struct model_vm *v;

	if (!m)
		return;
	v = vm_ensure(m, id);
	free(v->netstats);
	v->netstats = dup_array(s, n, sizeof(*s));
	v->nnetstats = n;
	v->netstats_ms = m->now_ms();
	m->gen++;
}

const struct model_vcpu *model_vcpus_of(const struct model *m, int64_t id, pid_t pid, size_t *n)
{
	const struct model_vm *v = model_vm(m, id);

	*n = 0;
	if (!v || pid <= 0 || v->vcpus_pid != pid)
		return NULL;
	*n = v->nvcpus;
	return v->vcpus;
}

const struct model_blk *model_blks_of(const struct model *m, int64_t id, pid_t pid, size_t *n)
{
	const struct model_vm *v = model_vm(m, id);

	*n = 0;
	if (!v || pid <= 0 || v->blks_pid != pid)
		return NULL;
	*n = v->nblks;
	return v->blks;
}

void model_balloon_set(struct model *m, int64_t id, pid_t pid, uint64_t actual_mib)
{
	struct model_vm *v;

	if (!m || pid <= 0)
		return;
	v = vm_ensure(m, id);
	if (v->balloon.pid != pid)
		memset(&v->balloon.guest, 0, sizeof(v->balloon.guest));
	v->balloon.pid = pid;
	v->balloon.actual_mib = actual_mib;
	v->balloon.sampled_ms = m->now_ms();
	m->gen++;
}

void model_disks_set(struct model *m, int64_t id, const struct model_disk *disks, size_t n)
{
	struct model_vm *v;
	size_t i;

	if (!m)
		return;
	v = vm_ensure(m, id);
	disks_free(v->disks, v->ndisks);
	v->disks = xcalloc(n + 1, sizeof(*v->disks));
	for (i = 0; i < n; i++) {
		v->disks[i] = disks[i];
		v->disks[i].path = xstrdup(disks[i].path);
	}
	v->ndisks = n;
	m->gen++;
}

void model_nics_set(struct model *m, int64_t id, const struct model_nic *nics, size_t n)
{
	struct model_vm *v;

	if (!m)
		return;
	v = vm_ensure(m, id);
	free(v->nics);
	v->nics = xcalloc(n + 1, sizeof(*v->nics));
	if (n)
		memcpy(v->nics, nics, n * sizeof(*nics));
	v->nnics = n;
	v->nics_ms = m->now_ms();
	nics_map(m, v);
	m->gen++;
}

void model_leases_take(struct model *m, struct netd_lease *leases, size_t n)
{
	size_t i;

	if (!m) {
		free(leases);
		return;
	}
	free(m->leases);
	m->leases = leases;
	m->nleases = n;
	m->leases_ms = m->now_ms();
	for (i = 0; i < m->nvms; i++)
		nics_map(m, m->vms[i]);
	m->gen++;
}

void model_vm_forget(struct model *m, int64_t id)
{
	size_t i;
	int found;

	if (!m)
		return;
	i = vm_pos(m, id, &found);
	if (!found)
		return;
	vm_free(m->vms[i]);
	memmove(&m->vms[i], &m->vms[i + 1], (m->nvms - i - 1) * sizeof(*m->vms));
	m->nvms--;
	m->gen++;
}

void model_vm_retain(struct model *m, int (*keep)(int64_t id, void *data), void *data)
{
	size_t i, k = 0;

	if (!m)
		return;
	for (i = 0; i < m->nvms; i++) {
		if (keep(m->vms[i]->id, data))
			m->vms[k++] = m->vms[i];
		else
			vm_free(m->vms[i]);
	}
	m->nvms = k;
	m->gen++;
}

const char *model_text_get(const struct model *m, uint64_t key)
{
	return m && m->text.text && m->text.gen == m->gen && m->text.key == key ? m->text.text
										 : NULL;
}

void model_text_take(struct model *m, uint64_t key, char *text)
{
	if (!m) {
		free(text);
		return;
	}
	free(m->text.text);
	m->text.text = text;
	m->text.gen = m->gen;
	m->text.key = key;
}

void model_nic_from_store(struct model_nic *out, const struct store_nic *nic, const char *net)
{
	memset(out, 0, sizeof(*out));
	out->id = nic->id;
	out->net_id = nic->net_id;
	snprintf(out->net, sizeof(out->net), "%s", net ? net : "?");
	snprintf(out->mac, sizeof(out->mac), "%s", nic->mac ? nic->mac : "");
	out->mac_ok = nic->mac && addr_mac_parse(nic->mac, out->mac_bin, NULL, 0) == 0;
	snprintf(out->address, sizeof(out->address), "%s", nic->ip ? nic->ip : "");
	out->vlan = nic->vlan;
	out->rate_mbit = nic->rate_mbit;
}
