/*
 * Unit tests of the networking tables (store/store_net.c) against real
 * sqlite files in a fresh mkdtemp directory per test: round trips, the
 * schema's refusals with their messages, the foreign-key cascades (a VM
 * takes its NICs and their forwards with it, a network refuses to go while
 * NICs use it), batches that commit or roll back as one, and the
 * migration of a schema-version-1 file written by the previous release.
 * A raw sqlite connection (testlib's tl_sql_*) checks what is on disk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/testlib.h"
#include "common/xalloc.h"
#include "store/store.h"

/* The two VMs every test starts with. */
static int64_t vm_a, vm_b;

static int setup(void **state)
{
	struct tl_store_file *f;

	if (tl_store_file_setup(state) < 0)
		return -1;
	f = *state;
	tl_store_file_open_or_fail(f);
	vm_a = tl_store_vm_or_fail(f->st, "web");
	vm_b = tl_store_vm_or_fail(f->st, "db");
	return 0;
}

/* ---- fixtures ---- */

static void make_nat(struct store_net *n, const char *name, int third)
{
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->mode = xstrdup("nat");
	n->subnet = xasprintf("10.73.%d.0", third);
	n->prefix = 24;
	n->gateway = xasprintf("10.73.%d.1", third);
	n->dhcp_first = xasprintf("10.73.%d.2", third);
	n->dhcp_last = xasprintf("10.73.%d.254", third);
	n->uplink = xstrdup("eth0");
	n->created = 1700000000;
}

static void make_bridged(struct store_net *n, const char *name, const char *uplink)
{
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->mode = xstrdup("bridged");
	n->uplink = xstrdup(uplink);
}

static int64_t net_ok(struct tl_store_file *f, struct store_net *n)
{
	int ret = store_net_insert(f->st, n, f->err, sizeof f->err);

	if (ret)
		fail_msg("store_net_insert %s: %d: %s", n->name, ret, f->err);
	assert_true(n->id > 0);
	return n->id;
}

static int64_t nic_ok(struct tl_store_file *f, int64_t vm, int64_t net, const char *mac,
		      const char *ip)
{
	struct store_nic nic = { 0 };
	int ret;

	nic.vm_id = vm;
	nic.net_id = net;
	nic.mac = (char *)mac;
	nic.ip = (char *)ip;
	ret = store_nic_insert(f->st, &nic, f->err, sizeof f->err);
	if (ret)
		fail_msg("store_nic_insert %s: %d: %s", mac, ret, f->err);
	return nic.id;
}

static int64_t fwd_ok(struct tl_store_file *f, int64_t net, int64_t nic, const char *proto,
		      uint32_t hport, uint32_t gport)
{
	struct store_fwd fw = { 0 };
	int ret;

	fw.net_id = net;
	fw.nic_id = nic;
	fw.proto = (char *)proto;
	fw.host_port = hport;
	fw.guest_port = gport;
	ret = store_fwd_insert(f->st, &fw, f->err, sizeof f->err);
	if (ret)
		fail_msg("store_fwd_insert %s/%u: %d: %s", proto, hport, ret, f->err);
	return fw.id;
}

/* ---- tests ---- */

static void test_schema_version(void **state)
{
	struct tl_store_file *f = *state;

	assert_true(STORE_SCHEMA_VERSION >= 2);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(tl_sql_int(f->path,
				    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
				    "AND name IN ('networks', 'nics', 'forwards')"), 3);
}

static void test_net_round_trip(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n, b, got, *list;
	size_t cnt;

	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	make_bridged(&b, "br", "lan1");
	net_ok(f, &b);
	assert_int_equal(store_net_get(f->st, "lan", &got), 0);
	assert_int_equal(got.id, n.id);
	assert_string_equal(got.mode, "nat");
	assert_string_equal(got.subnet, "10.73.0.0");
	assert_int_equal(got.prefix, 24);
	assert_string_equal(got.gateway, "10.73.0.1");
	assert_string_equal(got.dhcp_first, "10.73.0.2");
	assert_string_equal(got.dhcp_last, "10.73.0.254");
	assert_string_equal(got.uplink, "eth0");
	assert_int_equal(got.created, 1700000000);
	assert_int_equal(got.host_access, 0);
	store_net_clear(&got);

	/* host_access: stored, changed, refused for an id that is not there */
	assert_int_equal(store_net_set_host_access(f->st, n.id, 1, f->err, sizeof f->err), 0);
	assert_int_equal(store_net_get(f->st, "lan", &got), 0);
	assert_int_equal(got.host_access, 1);
	store_net_clear(&got);
	assert_int_equal(store_net_set_host_access(f->st, n.id, 0, f->err, sizeof f->err), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT host_access FROM networks WHERE name = 'lan'"), 0);
	assert_int_equal(store_net_set_host_access(f->st, 999, 1, f->err, sizeof f->err), -ENOENT);
	tl_assert_contains(f->err, "no network with id 999");

	assert_int_equal(store_net_get_id(f->st, b.id, &got), 0);
	assert_string_equal(got.name, "br");
	assert_null(got.subnet);
	assert_null(got.gateway);
	assert_int_equal(got.prefix, 0);
	assert_string_equal(got.uplink, "lan1");
	store_net_clear(&got);

	assert_int_equal(store_net_list(f->st, &list, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_string_equal(list[0].name, "br");      /* by name */
	assert_string_equal(list[1].name, "lan");
	store_net_list_free(list, cnt);

	assert_int_equal(store_net_get(f->st, "nope", &got), -ENOENT);
	tl_assert_contains(store_last_error(f->st), "no network named 'nope'");
	assert_int_equal(store_net_get_id(f->st, 999, &got), -ENOENT);
	store_net_clear(&n);
	store_net_clear(&b);
}

static void test_net_refusals(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n, m;

	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	make_nat(&m, "lan", 1);
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "a network named 'lan' already exists");
	store_net_clear(&m);

	make_bridged(&m, "b1", "lan1");
	net_ok(f, &m);
	store_net_clear(&m);
	make_bridged(&m, "b2", "lan1");
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "lan1 is already the uplink of another bridged network");
	store_net_clear(&m);

	/* the schema's checks */
	make_nat(&m, "bad", 2);
	free(m.mode);
	m.mode = xstrdup("routed");
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "mode_nat_host_only_or_bridged");
	m.mode[0] = 'n';
	strcpy(m.mode, "nat");
	m.prefix = 31;
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "prefix_8_to_30");
	m.prefix = 24;
	free(m.mode);
	m.mode = xstrdup("host-only");
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "host_only_has_no_uplink");
	free(m.mode);
	m.mode = xstrdup("bridged");
	assert_int_equal(store_net_insert(f->st, &m, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "bridged_has_uplink_and_no_subnet");
	store_net_clear(&m);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 2);
	store_net_clear(&n);
}

static void test_nic_round_trip_and_refusals(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n, b;
	struct store_nic nic = { 0 }, *list;
	size_t cnt;
	int64_t a1, a2;

	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	make_bridged(&b, "br", "lan1");
	net_ok(f, &b);
	a1 = nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	nic.vm_id = vm_a;
	nic.net_id = b.id;
	nic.mac = xstrdup("52:54:00:00:00:02");
	nic.vlan = 42;
	nic.rate_mbit = 100;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), 0);
	a2 = nic.id;
	assert_true(a2 > a1);
	store_nic_clear(&nic);
	nic_ok(f, vm_b, n.id, "52:54:00:00:00:03", "10.73.0.3");

	assert_int_equal(store_nic_list(f->st, vm_a, 0, &list, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(list[0].id, a1);
	assert_string_equal(list[0].mac, "52:54:00:00:00:01");
	assert_string_equal(list[0].ip, "10.73.0.2");
	assert_int_equal(list[0].vlan, 0);
	assert_int_equal(list[0].rate_mbit, 0);
	assert_int_equal(list[1].id, a2);
	assert_null(list[1].ip);
	assert_int_equal(list[1].vlan, 42);
	assert_int_equal(list[1].rate_mbit, 100);
	store_nic_list_free(list, cnt);
	assert_int_equal(store_nic_list(f->st, 0, n.id, &list, &cnt), 0);
	assert_int_equal(cnt, 2);
	store_nic_list_free(list, cnt);
	assert_int_equal(store_nic_list(f->st, 0, 0, &list, &cnt), 0);
	assert_int_equal(cnt, 3);
	store_nic_list_free(list, cnt);

	/* unique MAC, unique address per network (NULL addresses may repeat) */
	nic.vm_id = vm_b;
	nic.net_id = n.id;
	nic.mac = "52:54:00:00:00:01";
	nic.ip = "10.73.0.9";
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "MAC 52:54:00:00:00:01 is already used");
	nic.mac = "52:54:00:00:00:09";
	nic.ip = "10.73.0.3";
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "address 10.73.0.3 is already used on this network");
	nic.net_id = b.id;
	nic.ip = NULL;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), 0);
	/* ranges, references */
	nic.mac = "52:54:00:00:00:0a";
	nic.vlan = 4095;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "vlan_1_to_4094");
	nic.vlan = 0;
	nic.rate_mbit = 100001;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -EINVAL);
	tl_assert_contains(f->err, "rate_1_to_100000");
	nic.rate_mbit = 0;
	nic.vm_id = 999;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -ENOENT);
	nic.vm_id = vm_a;
	nic.net_id = 999;
	assert_int_equal(store_nic_insert(f->st, &nic, f->err, sizeof f->err), -ENOENT);

	assert_int_equal(store_nic_delete(f->st, a2), 0);
	assert_int_equal(store_nic_delete(f->st, a2), -ENOENT);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 3);
	store_net_clear(&n);
	store_net_clear(&b);
}

static void test_ids_not_reused(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n;
	int64_t id, id2, nid;

	make_nat(&n, "lan", 0);
	nid = net_ok(f, &n);
	id = nic_ok(f, vm_a, nid, "52:54:00:00:00:01", "10.73.0.2");
	assert_int_equal(store_nic_delete(f->st, id), 0);
	id2 = nic_ok(f, vm_a, nid, "52:54:00:00:00:01", "10.73.0.2");
	assert_true(id2 > id);     /* tap croftt<id> never names two NICs */
	assert_int_equal(store_net_delete(f->st, nid, 1, f->err, sizeof f->err), 0);
	store_net_clear(&n);
	make_nat(&n, "lan", 0);
	assert_true(net_ok(f, &n) > nid);
	store_net_clear(&n);
}

static void test_forwards(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n, m;
	struct store_fwd fw = { 0 }, *list;
	size_t cnt;
	int64_t nic, nic2, f1;

	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	make_nat(&m, "lab", 1);
	net_ok(f, &m);
	nic = nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	nic2 = nic_ok(f, vm_b, m.id, "52:54:00:00:00:02", "10.73.1.2");
	f1 = fwd_ok(f, n.id, nic, "tcp", 8080, 80);
	fwd_ok(f, n.id, nic, "udp", 8080, 53);
	fwd_ok(f, m.id, nic2, "tcp", 2222, 22);

	assert_int_equal(store_fwd_list(f->st, n.id, 0, &list, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(list[0].id, f1);
	assert_string_equal(list[0].proto, "tcp");
	assert_int_equal(list[0].host_port, 8080);
	assert_int_equal(list[0].guest_port, 80);
	assert_int_equal(list[0].nic_id, nic);
	assert_string_equal(list[1].proto, "udp");
	store_fwd_list_free(list, cnt);
	assert_int_equal(store_fwd_list(f->st, 0, nic2, &list, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(list[0].host_port, 2222);
	store_fwd_list_free(list, cnt);

	/* one proto/host-port pair across all networks */
	fw.net_id = m.id;
	fw.nic_id = nic2;
	fw.proto = "tcp";
	fw.host_port = 8080;
	fw.guest_port = 80;
	assert_int_equal(store_fwd_insert(f->st, &fw, f->err, sizeof f->err), -EEXIST);
	tl_assert_contains(f->err, "tcp port 8080 is already forwarded");
	fw.host_port = 0;
	assert_int_equal(store_fwd_insert(f->st, &fw, f->err, sizeof f->err), -EINVAL);
	fw.host_port = 70000;
	assert_int_equal(store_fwd_insert(f->st, &fw, f->err, sizeof f->err), -EINVAL);
	fw.host_port = 9000;
	fw.proto = "sctp";
	assert_int_equal(store_fwd_insert(f->st, &fw, f->err, sizeof f->err), -EINVAL);
	fw.proto = "tcp";
	fw.nic_id = 999;
	assert_int_equal(store_fwd_insert(f->st, &fw, f->err, sizeof f->err), -ENOENT);

	assert_int_equal(store_fwd_delete(f->st, f1), 0);
	assert_int_equal(store_fwd_delete(f->st, f1), -ENOENT);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM forwards"), 2);
	store_net_clear(&n);
	store_net_clear(&m);
}

static void test_cascades(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n;
	int64_t nic_a, nic_b;

	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	nic_a = nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	nic_b = nic_ok(f, vm_b, n.id, "52:54:00:00:00:02", "10.73.0.3");
	fwd_ok(f, n.id, nic_a, "tcp", 80, 80);
	fwd_ok(f, n.id, nic_b, "tcp", 5432, 5432);

	/* deleting a NIC takes the forwards to it */
	assert_int_equal(store_nic_delete(f->st, nic_b), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM forwards"), 1);

	/* deleting a VM takes its NICs and their forwards */
	assert_int_equal(store_vm_delete(f->st, vm_a), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM forwards"), 0);

	/* a network refuses to go while NICs use it, unless with_nics */
	nic_b = nic_ok(f, vm_b, n.id, "52:54:00:00:00:02", "10.73.0.3");
	fwd_ok(f, n.id, nic_b, "udp", 53, 53);
	assert_int_equal(store_net_delete(f->st, n.id, 0, f->err, sizeof f->err), -EBUSY);
	tl_assert_contains(f->err, "still used by NICs");
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 1);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM forwards"), 1);
	assert_int_equal(store_net_delete(f->st, n.id, 1, f->err, sizeof f->err), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM forwards"), 0);
	assert_int_equal(store_net_delete(f->st, n.id, 1, f->err, sizeof f->err), -ENOENT);
	assert_int_equal(store_integrity_check(f->st, f->err, sizeof f->err), 0);
	store_net_clear(&n);
}

static void test_batch(void **state)
{
	struct tl_store_file *f = *state;
	struct store_net n;
	int64_t nic;

	/* rolled back: nothing of it stays, not even the ids */
	assert_int_equal(store_batch_begin(f->st, f->err, sizeof f->err), 0);
	assert_int_equal(store_batch_begin(f->st, f->err, sizeof f->err), -EBUSY);
	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	nic = nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	fwd_ok(f, n.id, nic, "tcp", 80, 80);
	/* a failing call inside the batch leaves the batch usable */
	assert_int_equal(store_net_delete(f->st, n.id, 0, f->err, sizeof f->err), -EBUSY);
	store_batch_rollback(f->st);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 0);
	store_net_clear(&n);

	/* committed: all of it, and not visible to others before */
	assert_int_equal(store_batch_begin(f->st, f->err, sizeof f->err), 0);
	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	nic = nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	assert_int_equal(store_net_delete(f->st, n.id, 1, f->err, sizeof f->err), 0);
	store_net_clear(&n);
	make_nat(&n, "lan", 0);
	net_ok(f, &n);
	nic_ok(f, vm_a, n.id, "52:54:00:00:00:01", "10.73.0.2");
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 0);
	assert_int_equal(store_batch_commit(f->st, f->err, sizeof f->err), 0);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM networks"), 1);
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 1);
	store_batch_rollback(f->st);      /* harmless without a batch */
	assert_int_equal(tl_sql_int(f->path, "SELECT count(*) FROM nics"), 1);
	store_net_clear(&n);
	(void)nic;
}

/* A file as the previous release (schema version 1) left it. */
static const char v1_schema[] =
	"CREATE TABLE vms ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL UNIQUE,"
	" vcpus INTEGER NOT NULL CONSTRAINT vcpus_at_least_1 CHECK (vcpus >= 1),"
	" memory_mib INTEGER NOT NULL CONSTRAINT memory_at_least_1 CHECK (memory_mib >= 1),"
	" memory_min_mib INTEGER NOT NULL CONSTRAINT memory_min_between_0_and_memory"
	"  CHECK (memory_min_mib >= 0 AND memory_min_mib <= memory_mib),"
	" firmware TEXT NOT NULL DEFAULT 'bios'"
	"  CONSTRAINT firmware_bios_or_uefi CHECK (firmware IN ('bios', 'uefi')),"
	" boot TEXT NOT NULL DEFAULT 'disk', cdrom TEXT, kernel TEXT, initrd TEXT, append TEXT,"
	" state TEXT NOT NULL DEFAULT 'stopped', state_reason TEXT,"
	" created INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE disks ("
	" id INTEGER PRIMARY KEY,"
	" vm_id INTEGER NOT NULL REFERENCES vms(id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL CONSTRAINT idx_not_negative CHECK (idx >= 0),"
	" path TEXT NOT NULL, format TEXT NOT NULL,"
	" size_bytes INTEGER NOT NULL CONSTRAINT size_not_negative CHECK (size_bytes >= 0),"
	" owned INTEGER NOT NULL DEFAULT 0 CONSTRAINT owned_0_or_1 CHECK (owned IN (0, 1)),"
	" UNIQUE (vm_id, idx)) STRICT;"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
	"PRAGMA application_id = 1129465428;"
	"INSERT INTO vms (name, uuid, vcpus, memory_mib, memory_min_mib) "
	" VALUES ('old', 'u-old', 1, 128, 128);"
	"INSERT INTO disks (vm_id, idx, path, format, size_bytes, owned) "
	" VALUES (1, 0, '/pool/old.qcow2', 'qcow2', 1048576, 1);"
	"INSERT INTO settings VALUES ('accel', 'tcg');"
	"PRAGMA user_version = 1;";

static void test_migrate_from_v1(void **state)
{
	struct tl_store_file *f = *state;
	struct store_vm vm;
	struct store_net n;
	char *v = NULL;

	store_close(f->st);
	f->st = NULL;
	unlink(f->path);
	tl_sql_exec(f->path, v1_schema);
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), 1);

	tl_store_file_open_or_fail(f);
	assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
	assert_int_equal(tl_sql_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* the old data survived */
	assert_int_equal(store_vm_get(f->st, "old", &vm), 0);
	assert_int_equal(vm.ndisks, 1);
	assert_string_equal(vm.disks[0].path, "/pool/old.qcow2");
	assert_int_equal(store_setting_get(f->st, "accel", &v), 0);
	assert_string_equal(v, "tcg");
	free(v);
	/* and the new tables work with it; host_access is off */
	make_nat(&n, "lan", 0);
	n.host_access = 1;
	net_ok(f, &n);
	assert_int_equal(tl_sql_int(f->path, "SELECT host_access FROM networks WHERE name = 'lan'"), 1);
	nic_ok(f, vm.id, n.id, "52:54:00:00:00:01", "10.73.0.2");
	assert_int_equal(store_integrity_check(f->st, f->err, sizeof f->err), 0);
	store_vm_clear(&vm);
	store_net_clear(&n);
}

int main(void)
{
	CMFixtureFunction teardown = tl_store_file_teardown;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nic_round_trip_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_not_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
