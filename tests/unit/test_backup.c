/*
 * backup tests: the pure rules (core/backup_spec.c) — the directory
 * stamp, a VM's definition through config.json and back (every field,
 * damaged definitions refused naming the field), the hash sha256sum
 * prints, the room check — and the backups table (store/store_backup.c):
 * a row round-trips, lists by VM, is found by its job, records a verify,
 * and the schema refuses a method it does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "core/backup.h"
#include "store/store.h"
#include "store/store_backup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_stamp(void **state)
{
	char s[32];

	(void)state;
	backup_stamp(1773454500, s, sizeof(s));      /* 2026-03-14 02:15:00 UTC */
	assert_string_equal(s, "20260314T021500Z");
	backup_stamp(0, s, sizeof(s));
	assert_string_equal(s, "19700101T000000Z");
}

static void spec_fill(struct store_vm *v, struct store_disk *disks)
{
	memset(v, 0, sizeof(*v));
	v->name = "web";
	v->uuid = "00000000-0000-4000-8000-000000000001";
	v->vcpus = 2;
	v->memory_mib = 1024;
	v->memory_min_mib = 512;
	v->memory_shares = 2000;
	v->ksm_off = 1;
	v->firmware = "uefi";
	v->boot = "cdrom,disk";
	v->cdrom = "/srv/iso/x.iso";
	v->append = "console=ttyS0";
	v->agent = 1;
	v->display = "virtio";
	v->cloud_init = "{\"user\":\"bob\"}";
	v->cloud_init_gen = 3;
	disks[0] = (struct store_disk){ .idx = 0, .path = "/p/web-disk0.qcow2", .format = "qcow2",
					.size_bytes = 1 << 30, .owned = 1 };
	disks[1] = (struct store_disk){ .idx = 2, .path = "/p/data.raw", .format = "raw",
					.size_bytes = 4096, .scsi = 1 };
	v->disks = disks;
	v->ndisks = 2;
}

static void test_config_round_trip(void **state)
{
	struct store_disk disks[2];
	struct store_vm in, out;
	char err[256];
	json_t *c;

	(void)state;
	spec_fill(&in, disks);
	c = backup_config_json(&in, json_pack("[{s:s,s:s,s:i,s:i}]", "network", "lan", "mac",
					      "52:54:00:00:00:01", "vlan", 0, "rate_mbit", 0));
	assert_int_equal(json_integer_value(json_object_get(c, "format")), 1);
	assert_int_equal(json_array_size(json_object_get(c, "nics")), 1);
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), 0);
	assert_string_equal(out.name, "web");
	assert_string_equal(out.uuid, in.uuid);
	assert_int_equal(out.vcpus, 2);
	assert_int_equal(out.memory_mib, 1024);
	assert_int_equal(out.memory_min_mib, 512);
	assert_int_equal(out.memory_shares, 2000);
	assert_int_equal(out.ksm_off, 1);
	assert_string_equal(out.firmware, "uefi");
	assert_string_equal(out.boot, "cdrom,disk");
	assert_string_equal(out.cdrom, "/srv/iso/x.iso");
	assert_null(out.kernel);
	assert_string_equal(out.append, "console=ttyS0");
	assert_int_equal(out.agent, 1);
	assert_string_equal(out.display, "virtio");
	assert_string_equal(out.cloud_init, "{\"user\":\"bob\"}");
	assert_int_equal(out.cloud_init_gen, 3);
	assert_int_equal(out.ndisks, 2);
	assert_int_equal(out.disks[1].idx, 2);
	assert_string_equal(out.disks[1].path, "/p/data.raw");
	assert_string_equal(out.disks[1].format, "raw");
	assert_int_equal(out.disks[0].size_bytes, 1 << 30);
	assert_int_equal(out.disks[0].owned, 1);
	assert_int_equal(out.disks[1].scsi, 1);
	store_vm_clear(&out);
	json_decref(c);
}

static void test_config_damaged(void **state)
{
	struct store_disk disks[2];
	struct store_vm in, out;
	char err[256];
	json_t *c, *vm;

	(void)state;
	spec_fill(&in, disks);
	c = backup_config_json(&in, NULL);
	vm = json_object_get(c, "vm");
	json_object_set_new(vm, "vcpus", json_integer(0));
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'vcpus'"));
	json_object_set_new(vm, "vcpus", json_integer(1));
	json_object_del(json_array_get(json_object_get(vm, "disks"), 1), "path");
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "disk 1"));
	assert_null(out.name);
	json_object_del(c, "vm");
	assert_int_equal(backup_config_spec(c, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "damaged"));
	json_decref(c);
}

static void test_sum_parse(void **state)
{
	const char *good = "9131931e4f20a1a925e8c147efe59bdac91c1e0646315533177308bab6c67227";
	char hex[65], line[128];

	(void)state;
	snprintf(line, sizeof(line), "%s  /dev/fd/3\n", good);
	assert_int_equal(backup_sum_parse(line, hex), 0);
	assert_string_equal(hex, good);
	assert_int_equal(backup_sum_parse(good, hex), 0);
	assert_int_equal(backup_sum_parse("", hex), -EINVAL);
	assert_int_equal(backup_sum_parse("9131931E4f20", hex), -EINVAL);
	snprintf(line, sizeof(line), "%sab /dev/fd/3", good);
	assert_int_equal(backup_sum_parse(line, hex), -EINVAL);
}

static void test_room(void **state)
{
	char err[256];

	(void)state;
	/* 100 GiB pool: 5 GiB kept spare */
	assert_int_equal(backup_room_check("vault", 10ull << 30, 20ull << 30, 100ull << 30, err,
					   sizeof(err)), 0);
	assert_int_equal(backup_room_check("vault", 15ull << 30, 20ull << 30, 100ull << 30, err,
					   sizeof(err)), 0);
	assert_int_equal(backup_room_check("vault", (15ull << 30) + 1, 20ull << 30, 100ull << 30,
					   err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "pool 'vault' has not room enough"));
	assert_non_null(strstr(err, "15360 MiB"));
	assert_int_equal(backup_room_check("tiny", 1, 1ull << 20, 100ull << 20, err, sizeof(err)),
			 -ENOSPC);
	assert_non_null(strstr(err, "has 0 MiB free"));
}

static struct store_backup row(const char *vm, int64_t created, int64_t job)
{
	struct store_backup b = {
		.vm = (char *)vm, .vm_uuid = "u", .pool = "vault", .src_pool = "default",
		.created = created, .size = 4096, .method = "live", .frozen = 1,
		.config = "{\"format\":1}", .disks = "[{\"sha256\":\"x\"}]", .job = job,
	};
	static char dirs[4][64];
	static int k;

	snprintf(dirs[k % 4], sizeof(dirs[0]), "/v/.backups/%s/%lld", vm, (long long)created);
	b.dir = dirs[k++ % 4];
	return b;
}

static void test_store(void **state)
{
	struct tl_store_file *f = *state;
	struct store_backup a = row("web", 20, 7), b = row("db", 10, 8), c = row("web", 5, 9), got;
	struct store_backup *v;
	int64_t id;
	size_t n;

	tl_store_file_open_or_fail(f);
	c.schedule = 3;
	assert_int_equal(store_backup_add(f->st, &a, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_add(f->st, &b, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_add(f->st, &c, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_list(f->st, "web", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, c.id);               /* oldest first */
	assert_int_equal(v[0].schedule, 3);
	assert_int_equal(v[1].schedule, 0);
	assert_string_equal(v[1].method, "live");
	assert_int_equal(v[1].frozen, 1);
	assert_null(v[1].verify_result);
	store_backup_list_free(v, n);
	assert_int_equal(store_backup_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	store_backup_list_free(v, n);
	assert_int_equal(store_backup_by_job(f->st, 8, &id), 0);
	assert_int_equal(id, b.id);
	assert_int_equal(store_backup_by_job(f->st, 99, &id), -ENOENT);
	assert_int_equal(store_backup_set_verified(f->st, a.id, 1234, "ok", f->err,
						   sizeof(f->err)), 0);
	assert_int_equal(store_backup_get(f->st, a.id, &got), 0);
	assert_int_equal(got.verified, 1234);
	assert_string_equal(got.verify_result, "ok");
	assert_string_equal(got.disks, "[{\"sha256\":\"x\"}]");
	store_backup_clear(&got);
	assert_int_equal(store_backup_delete(f->st, a.id, f->err, sizeof(f->err)), 0);
	assert_int_equal(store_backup_get(f->st, a.id, &got), -ENOENT);
	assert_int_equal(store_backup_delete(f->st, a.id, f->err, sizeof(f->err)), -ENOENT);
	assert_non_null(strstr(f->err, "no backup"));
	a = row("x", 1, 10);
	a.method = "magic";
	assert_int_equal(store_backup_add(f->st, &a, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(tl_sql_int(f->path, "SELECT COUNT(*) FROM backups"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_config_round_trip),
		cmocka_unit_test(test_config_damaged),
		cmocka_unit_test(test_sum_parse),
		cmocka_unit_test(test_room),
		cmocka_unit_test_setup_teardown(test_store, tl_store_file_setup,
						tl_store_file_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
