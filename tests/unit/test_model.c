/*
 * Tests for core/model.c: VMs kept by id, figures tied to the process they
 * came from, disks by path, DHCP leases mapped onto NICs (by network and
 * MAC, the newest winning) whichever of the two changes, NIC rows taken
 * from the store, the fake clock stamping each part, and a NULL model
 * that knows nothing and takes every update.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/model.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static struct model *new_model(void)
{
	tl_clock_set(TL_CLOCK_START_MS);
	return model_new(tl_clock_ms);
}

static struct model_proc proc(pid_t pid, uint64_t start, uint64_t cpu_ms)
{
	struct model_proc p = { .pid = pid, .start_ticks = start, .cpu_ms = cpu_ms,
				.rss_bytes = 4096 * 10 };
	return p;
}

static void test_vms_by_id(void **state)
{
	struct model *m = new_model();
	static const int64_t ids[] = { 50, 10, 30, 20, 40, 70, 60 };
	struct model_proc p = proc(100, 1, 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		model_proc_set(m, ids[i], &p);
	assert_int_equal(m->nvms, 7);
	for (i = 1; i < m->nvms; i++)
		assert_true(m->vms[i - 1]->id < m->vms[i]->id);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_int_equal(model_vm(m, ids[i])->id, ids[i]);
	assert_null(model_vm(m, 35));
	assert_null(model_vm(m, 5));
	assert_null(model_vm(m, 80));

	model_vm_forget(m, 30);
	model_vm_forget(m, 31);           /* unknown: nothing happens */
	assert_null(model_vm(m, 30));
	assert_int_equal(m->nvms, 6);
	assert_non_null(model_vm(m, 40));
	model_free(m);
}

static int keep_tens_of_twenty(int64_t id, void *data)
{
	(void)data;
	return id % 20 == 0;
}

static void test_retain(void **state)
{
	struct model *m = new_model();
	struct model_proc p = proc(100, 1, 1);
	int64_t id;

	(void)state;
	for (id = 10; id <= 80; id += 10)
		model_proc_set(m, id, &p);
	model_vm_retain(m, keep_tens_of_twenty, NULL);
	assert_int_equal(m->nvms, 4);
	assert_null(model_vm(m, 10));
	assert_non_null(model_vm(m, 20));
	assert_null(model_vm(m, 70));
	assert_non_null(model_vm(m, 80));
	model_free(m);
}

static void test_proc_belongs_to_its_pid(void **state)
{
	struct model *m = new_model();
	struct model_proc p = proc(4242, 777, 1500);
	const struct model_proc *got;

	(void)state;
	tl_clock_advance(1000);
	model_proc_set(m, 1, &p);
	got = model_proc_of(m, 1, 4242);
	assert_non_null(got);
	assert_int_equal(got->cpu_ms, 1500);
	assert_int_equal(got->start_ticks, 777);
	assert_int_equal(got->sampled_ms, TL_CLOCK_START_MS + 1000);
	/* another QEMU of the same VM, or no QEMU at all */
	assert_null(model_proc_of(m, 1, 4243));
	assert_null(model_proc_of(m, 1, 0));
	assert_null(model_proc_of(m, 2, 4242));

	model_proc_clear(m, 1);
	assert_null(model_proc_of(m, 1, 4242));
	model_proc_clear(m, 99);          /* unknown VM: nothing to clear */

	p.pid = 0;                        /* not a process: ignored */
	model_proc_set(m, 3, &p);
	assert_null(model_vm(m, 3));
	model_free(m);
}

static void test_balloon_belongs_to_its_pid(void **state)
{
	struct model *m = new_model();
	const struct model_balloon *b;

	(void)state;
	model_balloon_set(m, 7, 300, 512);
	tl_clock_advance(2000);
	model_balloon_set(m, 7, 301, 384);
	assert_null(model_balloon_of(m, 7, 300));
	b = model_balloon_of(m, 7, 301);
	assert_non_null(b);
	assert_int_equal(b->actual_mib, 384);
	assert_int_equal(b->sampled_ms, TL_CLOCK_START_MS + 2000);
	model_balloon_set(m, 8, 0, 100);
	assert_null(model_vm(m, 8));
	model_free(m);
}

static void test_disks_by_path(void **state)
{
	struct model *m = new_model();
	char *a = xstrdup("/pool/web-disk0.qcow2"), *b = xstrdup("/pool/web-disk1.raw");
	struct model_disk d[2] = {
		{ .path = a, .allocated_bytes = 196608, .sampled_ms = TL_CLOCK_START_MS },
		{ .path = b, .allocated_bytes = 0, .sampled_ms = 0 },
	};
	const struct model_disk *got;

	(void)state;
	model_disks_set(m, 1, d, 2);
	free(a);                          /* the model keeps its own copies */
	free(b);
	got = model_disk_of(m, 1, "/pool/web-disk0.qcow2");
	assert_non_null(got);
	assert_int_equal(got->allocated_bytes, 196608);
	got = model_disk_of(m, 1, "/pool/web-disk1.raw");
	assert_non_null(got);
	assert_int_equal(got->sampled_ms, 0);
	assert_null(model_disk_of(m, 1, "/pool/other.qcow2"));
	assert_null(model_disk_of(m, 2, "/pool/web-disk0.qcow2"));

	model_disks_set(m, 1, NULL, 0);
	assert_null(model_disk_of(m, 1, "/pool/web-disk0.qcow2"));
	assert_int_equal(model_vm(m, 1)->ndisks, 0);
	model_free(m);
}

static struct model_nic nic(int64_t id, int64_t net_id, const char *net, const char *mac,
			    const char *ip)
{
	struct store_nic s = { .id = id, .net_id = net_id, .mac = (char *)mac, .ip = (char *)ip,
			       .vlan = 0, .rate_mbit = 0 };
	struct model_nic n;

	model_nic_from_store(&n, &s, net);
	return n;
}

static struct netd_lease lease(uint32_t net_id, const char *mac, const char *ip, int64_t expires)
{
	struct netd_lease l;

	memset(&l, 0, sizeof(l));
	l.net_id = net_id;
	sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &l.mac[0], &l.mac[1], &l.mac[2], &l.mac[3],
	       &l.mac[4], &l.mac[5]);
	inet_pton(AF_INET, ip, &l.ip);
	l.expires = expires;
	return l;
}

static const char *lease_ip(const struct model *m, int64_t vm, size_t i, char *buf)
{
	const struct model_vm *v = model_vm(m, vm);

	assert_non_null(v);
	assert_true(i < v->nnics);
	if (!v->nics[i].lease.s_addr)
		return "none";
	return inet_ntop(AF_INET, &v->nics[i].lease, buf, INET_ADDRSTRLEN);
}

static void test_leases_mapped_to_nics(void **state)
{
	struct model *m = new_model();
	struct model_nic web[2] = {
		nic(11, 1, "lan", "52:54:00:00:00:01", "10.73.1.10"),
		nic(12, 2, "dmz", "52:54:00:00:00:02", NULL),
	};
	struct model_nic db[1] = { nic(21, 1, "lan", "52:54:00:00:00:03", NULL) };
	struct netd_lease *l = xcalloc(6, sizeof(*l));
	char buf[INET_ADDRSTRLEN];

	(void)state;
	model_nics_set(m, 1, web, 2);     /* NICs before any lease */
	assert_string_equal(lease_ip(m, 1, 0, buf), "none");
	/* web's first NIC: an old lease, a newer one, and its MAC on another network */
	l[0] = lease(1, "52:54:00:00:00:01", "10.73.1.50", 1767229200);
	l[1] = lease(1, "52:54:00:00:00:01", "10.73.1.10", 1767232800);
	l[2] = lease(2, "52:54:00:00:00:01", "10.73.2.99", 0);
	/* web's second NIC: an infinite lease beats a later expiry */
	l[3] = lease(2, "52:54:00:00:00:02", "10.73.2.20", 0);
	l[4] = lease(2, "52:54:00:00:00:02", "10.73.2.21", 1767300000);
	/* db: a lease without an address does not count */
	l[5] = lease(1, "52:54:00:00:00:03", "0.0.0.0", 1767300000);
	tl_clock_advance(500);
	model_leases_take(m, l, 6);
	assert_int_equal(m->leases_ms, TL_CLOCK_START_MS + 500);
	assert_string_equal(lease_ip(m, 1, 0, buf), "10.73.1.10");
	assert_int_equal(model_vm(m, 1)->nics[0].lease_expires, 1767232800);
	assert_string_equal(lease_ip(m, 1, 1, buf), "10.73.2.20");

	model_nics_set(m, 2, db, 1);      /* NICs after the leases */
	assert_string_equal(lease_ip(m, 2, 0, buf), "none");
	l = xcalloc(1, sizeof(*l));
	l[0] = lease(1, "52:54:00:00:00:03", "10.73.1.30", 0);
	model_leases_take(m, l, 1);       /* new leases: the old ones are gone */
	assert_string_equal(lease_ip(m, 2, 0, buf), "10.73.1.30");
	assert_string_equal(lease_ip(m, 1, 0, buf), "none");
	assert_string_equal(lease_ip(m, 1, 1, buf), "none");

	model_leases_take(m, NULL, 0);
	assert_string_equal(lease_ip(m, 2, 0, buf), "none");
	model_free(m);
}

static void test_nic_from_store(void **state)
{
	struct store_nic s = { .id = 5, .vm_id = 1, .net_id = 3, .mac = (char *)"52:54:00:ab:cd:ef",
			       .ip = (char *)"10.73.3.7", .vlan = 12, .rate_mbit = 100 };
	struct model *m = new_model();
	struct netd_lease *l = xcalloc(1, sizeof(*l));
	struct model_nic n;

	(void)state;
	model_nic_from_store(&n, &s, "lan");
	assert_int_equal(n.id, 5);
	assert_int_equal(n.net_id, 3);
	assert_string_equal(n.net, "lan");
	assert_string_equal(n.mac, "52:54:00:ab:cd:ef");
	assert_true(n.mac_ok);
	assert_int_equal(n.mac_bin[5], 0xef);
	assert_string_equal(n.address, "10.73.3.7");
	assert_int_equal(n.vlan, 12);
	assert_int_equal(n.rate_mbit, 100);
	assert_int_equal(n.lease.s_addr, 0);

	l[0] = lease(3, "52:54:00:ab:cd:ef", "10.73.3.7", 0);
	model_leases_take(m, l, 1);
	model_nic_map(m, &n);
	assert_int_equal(n.lease.s_addr, l[0].ip.s_addr);

	/* a network gone, no address, a MAC that does not parse */
	s.ip = NULL;
	s.mac = (char *)"garbage";
	model_nic_from_store(&n, &s, NULL);
	assert_string_equal(n.net, "?");
	assert_string_equal(n.address, "");
	assert_false(n.mac_ok);
	model_nic_map(m, &n);
	assert_int_equal(n.lease.s_addr, 0);
	model_free(m);
}

static void test_host_stamped(void **state)
{
	struct model *m = new_model();
	struct model_host h = { .cpus = 4, .cpu_busy = 100, .cpu_total = 400,
				.mem = { .total_kib = 8 << 20, .available_kib = 6 << 20 },
				.load = { 0.5, 0.25, 0.125 }, .uptime_ms = 3600000 };

	(void)state;
	assert_int_equal(m->host.sampled_ms, 0);
	tl_clock_advance(2000);
	model_host_set(m, &h);
	assert_int_equal(m->host.sampled_ms, TL_CLOCK_START_MS + 2000);
	assert_int_equal(m->host.cpus, 4);
	assert_int_equal(m->host.mem.available_kib, 6 << 20);
	assert_int_equal(m->host.uptime_ms, 3600000);
	assert_int_equal(model_now_ms(m), TL_CLOCK_START_MS + 2000);
	model_free(m);
}

static void test_rendered_text(void **state)
{
	struct model *m = new_model();
	struct model_proc p = proc(10, 1, 1);
	struct model_host h = { .cpus = 1 };

	(void)state;
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("{\"vms\":[]}"));
	assert_string_equal(model_text_get(m, 1), "{\"vms\":[]}");
	assert_null(model_text_get(m, 2));           /* the renderer's key moved */
	model_host_set(m, &h);                        /* the model moved */
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("a"));
	model_proc_set(m, 3, &p);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("b"));
	model_proc_clear(m, 99);                      /* nothing to clear: still good */
	assert_string_equal(model_text_get(m, 1), "b");
	model_proc_clear(m, 3);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("c"));
	model_balloon_set(m, 3, 10, 64);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("d"));
	model_disks_set(m, 3, NULL, 0);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("e"));
	model_leases_take(m, NULL, 0);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("f"));
	model_vm_forget(m, 3);
	assert_null(model_text_get(m, 1));
	model_text_take(m, 1, xstrdup("g"));          /* freed with the model */
	model_free(m);
}

static void test_no_model(void **state)
{
	struct model_proc p = proc(1, 1, 1);
	struct model_host h = { 0 };
	struct model_nic n = nic(1, 1, "lan", "52:54:00:00:00:01", NULL);
	uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };

	(void)state;
	model_host_set(NULL, &h);
	model_proc_set(NULL, 1, &p);
	model_proc_clear(NULL, 1);
	model_balloon_set(NULL, 1, 1, 1);
	model_disks_set(NULL, 1, NULL, 0);
	model_nics_set(NULL, 1, &n, 1);
	model_leases_take(NULL, xcalloc(1, sizeof(struct netd_lease)), 1);
	model_vm_forget(NULL, 1);
	model_vm_retain(NULL, keep_tens_of_twenty, NULL);
	model_nic_map(NULL, &n);
	assert_null(model_vm(NULL, 1));
	assert_null(model_proc_of(NULL, 1, 1));
	assert_null(model_balloon_of(NULL, 1, 1));
	assert_null(model_disk_of(NULL, 1, "/x"));
	assert_null(model_lease_find(NULL, 1, mac));
	model_text_take(NULL, 1, xstrdup("freed"));
	assert_null(model_text_get(NULL, 1));
	model_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vms_by_id),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_proc_belongs_to_its_pid),
		cmocka_unit_test(test_balloon_belongs_to_its_pid),
		cmocka_unit_test(test_disks_by_path),
		cmocka_unit_test(test_leases_mapped_to_nics),
		cmocka_unit_test(test_nic_from_store),
		cmocka_unit_test(test_host_stamped),
		cmocka_unit_test(test_rendered_text),
		cmocka_unit_test(test_no_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
