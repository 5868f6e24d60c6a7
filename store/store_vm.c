/*
 * VMs and their disks: two tables, vms and disks (disks.vm_id references
 * vms.id, deleted with it).  A VM is written with its disks in one write
 * transaction; it is read with its disks inside one read transaction, so a
 * reader never sees a VM without the disks it was inserted with.
 *
 * store_vm_list() runs two queries, every VM ordered by name and every disk
 * ordered by (vm_id, idx), and hands each run of disks to its VM in C,
 * found by binary search on the VM ids: no query per VM.
 */
#include "store/store_internal.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VM_COLUMNS "id, name, uuid, vcpus, memory_mib, memory_min_mib, firmware, " \
	"boot, cdrom, kernel, initrd, append, state, state_reason, created, memory_shares, ksm, " \
	"agent, display, cloud_init, cloud_init_gen, template, tags"
enum {
	VC_ID, VC_NAME, VC_UUID, VC_VCPUS, VC_MEMORY, VC_MEMORY_MIN, VC_FIRMWARE,
	VC_BOOT, VC_CDROM, VC_KERNEL, VC_INITRD, VC_APPEND, VC_STATE,
	VC_STATE_REASON, VC_CREATED, VC_SHARES, VC_KSM, VC_AGENT, VC_DISPLAY,
	VC_CLOUD_INIT, VC_CLOUD_INIT_GEN, VC_TEMPLATE, VC_TAGS
};

#define DISK_COLUMNS "id, vm_id, idx, path, format, size_bytes, owned, bus"
enum { DC_ID, DC_VM_ID, DC_IDX, DC_PATH, DC_FORMAT, DC_SIZE, DC_OWNED, DC_BUS };

/* Parameters ?1..?14 of the insert and the update, in VM_COLUMNS order
 * without id; the update's ?15 is the id; ?16 and ?17 are memory_shares
 * and ksm, ?18 and ?19 agent and display, ?20 and ?21 cloud_init and its
 * generation, ?22 template, ?23 tags. */
#define VM_FIELDS "name, uuid, vcpus, memory_mib, memory_min_mib, firmware, boot, " \
	"cdrom, kernel, initrd, append, state, state_reason, created, memory_shares, ksm, " \
	"agent, display, cloud_init, cloud_init_gen, template, tags"

static const char sql_vm_insert[] =
	"INSERT INTO vms (" VM_FIELDS ") VALUES "
	"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, COALESCE(?12, 'stopped'), ?13, ?14, ?16, ?17, "
	"?18, COALESCE(?19, 'std'), ?20, ?21, ?22, ?23)";
static const char sql_vm_update[] =
	"UPDATE vms SET name = ?1, uuid = ?2, vcpus = ?3, memory_mib = ?4, "
	"memory_min_mib = ?5, firmware = ?6, boot = ?7, cdrom = ?8, kernel = ?9, "
	"initrd = ?10, append = ?11, state = ?12, state_reason = ?13, created = ?14, "
	"memory_shares = ?16, ksm = ?17, agent = ?18, display = COALESCE(?19, 'std'), "
	"cloud_init = ?20, cloud_init_gen = ?21, template = ?22, tags = ?23 "
	"WHERE id = ?15";
static const char sql_vm_get[] =
	"SELECT " VM_COLUMNS " FROM vms WHERE name = ?1";
static const char sql_vm_list[] =
	"SELECT " VM_COLUMNS " FROM vms ORDER BY name";
static const char sql_vm_set_state[] =
	"UPDATE vms SET state = ?2, state_reason = ?3 WHERE id = ?1";
static const char sql_vm_delete[] =
	"DELETE FROM vms WHERE id = ?1";
static const char sql_disk_insert[] =
	"INSERT INTO disks (vm_id, idx, path, format, size_bytes, owned, bus) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_disks_of_vm[] =
	"SELECT " DISK_COLUMNS " FROM disks WHERE vm_id = ?1 ORDER BY idx";
static const char sql_disks_all[] =
	"SELECT " DISK_COLUMNS " FROM disks ORDER BY vm_id, idx";

static void vm_from_row(sqlite3_stmt *s, void *row)
{
	struct store_vm *vm = row;

	vm->id = sqlite3_column_int64(s, VC_ID);
	vm->name = store_col_text(s, VC_NAME);
	vm->uuid = store_col_text(s, VC_UUID);
	vm->vcpus = (uint32_t)sqlite3_column_int64(s, VC_VCPUS);
	vm->memory_mib = (uint64_t)sqlite3_column_int64(s, VC_MEMORY);
	vm->memory_min_mib = (uint64_t)sqlite3_column_int64(s, VC_MEMORY_MIN);
	vm->firmware = store_col_text(s, VC_FIRMWARE);
	vm->boot = store_col_text(s, VC_BOOT);
	vm->cdrom = store_col_text(s, VC_CDROM);
	vm->kernel = store_col_text(s, VC_KERNEL);
	vm->initrd = store_col_text(s, VC_INITRD);
	vm->append = store_col_text(s, VC_APPEND);
	vm->state = store_col_text(s, VC_STATE);
	vm->state_reason = store_col_text(s, VC_STATE_REASON);
	vm->created = sqlite3_column_int64(s, VC_CREATED);
	vm->memory_shares = (uint32_t)sqlite3_column_int64(s, VC_SHARES);
	vm->ksm_off = !sqlite3_column_int(s, VC_KSM);
	vm->agent = sqlite3_column_int(s, VC_AGENT);
	vm->display = store_col_text(s, VC_DISPLAY);
	vm->cloud_init = store_col_text(s, VC_CLOUD_INIT);
	vm->cloud_init_gen = (uint32_t)sqlite3_column_int64(s, VC_CLOUD_INIT_GEN);
	vm->is_template = sqlite3_column_int(s, VC_TEMPLATE);
	vm->tags = store_col_text(s, VC_TAGS);
}

static void vm_clear(void *row)
{
	store_vm_clear(row);
}

static const struct store_rows vm_rows = { sizeof(struct store_vm), vm_from_row, vm_clear };

static void disk_from_row(sqlite3_stmt *s, void *row)
{
	struct store_disk *d = row;

	d->id = sqlite3_column_int64(s, DC_ID);
	d->vm_id = sqlite3_column_int64(s, DC_VM_ID);
	d->idx = (uint32_t)sqlite3_column_int64(s, DC_IDX);
	d->path = store_col_text(s, DC_PATH);
	d->format = store_col_text(s, DC_FORMAT);
	d->size_bytes = (uint64_t)sqlite3_column_int64(s, DC_SIZE);
	d->owned = sqlite3_column_int(s, DC_OWNED);
	d->scsi = !strcmp((const char *)sqlite3_column_text(s, DC_BUS), "virtio-scsi");
}

static void disk_clear(void *row)
{
	store_disk_clear(row);
}

static const struct store_rows disk_rows = { sizeof(struct store_disk), disk_from_row,
					     disk_clear };

/* Text is bound SQLITE_STATIC: every caller resets before returning.  A
 * uint64 beyond INT64_MAX binds negative and fails the CHECKs. */
static int bind_vm(sqlite3_stmt *s, const struct store_vm *vm)
{
	return sqlite3_bind_text(s, 1, vm->name, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 2, vm->uuid, -1, SQLITE_STATIC) ||
	       sqlite3_bind_int64(s, 3, vm->vcpus) ||
	       sqlite3_bind_int64(s, 4, (sqlite3_int64)vm->memory_mib) ||
	       sqlite3_bind_int64(s, 5, (sqlite3_int64)vm->memory_min_mib) ||
	       sqlite3_bind_text(s, 6, vm->firmware, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 7, vm->boot, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 8, vm->cdrom, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 9, vm->kernel, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 10, vm->initrd, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 11, vm->append, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 12, vm->state, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 13, vm->state_reason, -1, SQLITE_STATIC) ||
	       sqlite3_bind_int64(s, 14, vm->created) ||
	       sqlite3_bind_int64(s, 16, vm->memory_shares ? vm->memory_shares : 1000) ||
	       sqlite3_bind_int(s, 17, !vm->ksm_off) ||
	       sqlite3_bind_int(s, 18, vm->agent ? 1 : 0) ||
	       sqlite3_bind_text(s, 19, vm->display, -1, SQLITE_STATIC) ||
	       sqlite3_bind_text(s, 20, vm->cloud_init, -1, SQLITE_STATIC) ||
	       sqlite3_bind_int64(s, 21, vm->cloud_init_gen) ||
	       sqlite3_bind_int(s, 22, vm->is_template ? 1 : 0) ||
	       sqlite3_bind_text(s, 23, vm->tags, -1, SQLITE_STATIC);
}

/* After a failed write of vm: -errno and the message a user should see. */
static int vm_write_fail(struct store *st, const struct store_vm *vm,
			 char *err, size_t errlen)
{
	int ret;

	ret = store_db_fail(st, err, errlen, "cannot store VM '%s'", vm->name);
	if (ret != -EEXIST)
		return ret;
	if (strstr(sqlite3_errmsg(st->db), "vms.uuid"))
		return store_fail(st, err, errlen, -EEXIST,
				  "a VM with uuid %s already exists", vm->uuid);
	return store_fail(st, err, errlen, -EEXIST, "a VM named '%s' already exists",
			  vm->name);
}

/* vm_name only words the message; NULL when the caller knows only the id. */
static int disk_insert(struct store *st, int64_t vm_id, const char *vm_name,
		       const struct store_disk *d, int64_t *id,
		       char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ret;

	ret = store_stmt(st, STORE_STMT_DISK_INSERT, sql_disk_insert, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, vm_id) ||
	    sqlite3_bind_int64(s, 2, d->idx) ||
	    sqlite3_bind_text(s, 3, d->path, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 4, d->format, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 5, (sqlite3_int64)d->size_bytes) ||
	    sqlite3_bind_int(s, 6, d->owned ? 1 : 0) ||
	    sqlite3_bind_text(s, 7, d->scsi ? "virtio-scsi" : "virtio-blk", -1, SQLITE_STATIC) ||
	    sqlite3_step(s) != SQLITE_DONE) {
		if (vm_name)
			ret = store_db_fail(st, err, errlen, "cannot store disk %u of VM '%s'",
					    d->idx, vm_name);
		else
			ret = store_db_fail(st, err, errlen, "cannot store disk %u of VM %lld",
					    d->idx, (long long)vm_id);
		if (ret == -EEXIST && vm_name)
			ret = store_fail(st, err, errlen, -EEXIST,
					 "VM '%s' already has a disk at index %u", vm_name, d->idx);
		else if (ret == -EEXIST)
			ret = store_fail(st, err, errlen, -EEXIST,
					 "VM %lld already has a disk at index %u",
					 (long long)vm_id, d->idx);
		else if (ret == -ENOENT)
			ret = store_fail(st, err, errlen, -ENOENT, "no VM with id %lld",
					 (long long)vm_id);
		goto out;
	}
	*id = sqlite3_last_insert_rowid(st->db);
out:
	store_stmt_done(s);
	return ret;
}

/* Delete VM id in the open transaction. */
static int vm_delete_in_tx(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ret;

	ret = store_stmt(st, STORE_STMT_VM_DELETE, sql_vm_delete, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot delete VM %lld", (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no VM with id %lld", (long long)id);
	store_stmt_done(s);
	return ret;
}

int store_vm_insert(struct store *st, struct store_vm *vm, char *err, size_t errlen)
{
	return store_vm_replace(st, 0, vm, err, errlen);
}

int store_vm_replace(struct store *st, int64_t old_id, struct store_vm *vm, char *err,
		     size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int64_t vm_id, *ids = NULL;
	size_t i;
	int ret;

	if (!vm->name)
		return store_fail(st, err, errlen, -EINVAL, "a VM needs a name");
	if (vm->ndisks && !vm->disks)
		return store_fail(st, err, errlen, -EINVAL,
				  "VM '%s': %zu disks but no disk array", vm->name, vm->ndisks);
	ret = store_tx_begin(st, 1, err, errlen);
	if (ret)
		return ret;
	if (old_id && (ret = vm_delete_in_tx(st, old_id, err, errlen)))
		goto fail;
	ret = store_stmt(st, STORE_STMT_VM_INSERT, sql_vm_insert, &s, err, errlen);
	if (ret)
		goto fail;
	if (bind_vm(s, vm) || sqlite3_step(s) != SQLITE_DONE) {
		ret = vm_write_fail(st, vm, err, errlen);
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;
	vm_id = sqlite3_last_insert_rowid(st->db);

	ids = xcalloc(vm->ndisks, sizeof *ids);
	for (i = 0; i < vm->ndisks; i++) {
		ret = disk_insert(st, vm_id, vm->name, &vm->disks[i], &ids[i], err, errlen);
		if (ret)
			goto fail;
	}
	ret = store_tx_commit(st, err, errlen);
	if (ret)
		goto fail;

	/* Only a committed insert changes the caller's struct. */
	vm->id = vm_id;
	for (i = 0; i < vm->ndisks; i++) {
		vm->disks[i].id = ids[i];
		vm->disks[i].vm_id = vm_id;
	}
	if (!vm->state)
		vm->state = xstrdup("stopped");
	free(ids);
	return 0;
fail:
	store_stmt_done(s);
	store_tx_rollback(st);
	free(ids);
	return ret;
}

/* The disks of the VM with vm_id, or of every VM when it is 0 (ordered by
 * vm_id, idx), then the commit of the read transaction they are part of. */
static int read_disks_commit(struct store *st, int64_t vm_id,
			     struct store_disk **disks, size_t *n)
{
	sqlite3_stmt *s;
	void *rows = NULL;
	int ret;

	*n = 0;
	if (vm_id)
		ret = store_stmt(st, STORE_STMT_DISKS_OF_VM, sql_disks_of_vm, &s, NULL, 0);
	else
		ret = store_stmt(st, STORE_STMT_DISKS_ALL, sql_disks_all, &s, NULL, 0);
	if (ret)
		return ret;
	if ((vm_id && sqlite3_bind_int64(s, 1, vm_id) != SQLITE_OK) ||
	    store_rows_read(s, &disk_rows, &rows, n) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "%s: cannot read disks", st->path);
	*disks = rows;
	store_stmt_done(s);
	if (ret)
		return ret;
	return store_tx_commit(st, NULL, 0);
}

int store_vm_get(struct store *st, const char *name, struct store_vm *out)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	memset(out, 0, sizeof *out);
	if (!name)
		return store_fail(st, NULL, 0, -EINVAL, "no VM name given");
	ret = store_tx_begin(st, 0, NULL, 0);
	if (ret)
		return ret;
	ret = store_stmt(st, STORE_STMT_VM_GET, sql_vm_get, &s, NULL, 0);
	if (ret)
		goto fail;
	if (sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		ret = store_db_fail(st, NULL, 0, "%s: cannot read VM '%s'", st->path, name);
		goto fail;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		ret = store_fail(st, NULL, 0, -ENOENT, "no VM named '%s'", name);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		ret = store_db_fail(st, NULL, 0, "%s: cannot read VM '%s'", st->path, name);
		goto fail;
	}
	vm_from_row(s, out);
	store_stmt_done(s);
	s = NULL;
	ret = read_disks_commit(st, out->id, &out->disks, &out->ndisks);
	if (ret)
		goto fail;
	return 0;
fail:
	store_stmt_done(s);
	store_tx_rollback(st);
	store_vm_clear(out);
	return ret;
}

struct id_pos {
	int64_t id;
	size_t pos;
};

static int id_pos_cmp(const void *a, const void *b)
{
	const struct id_pos *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Hand each run of disks (sorted by vm_id, idx) to its VM.  Moves the
 * strings; frees those of disks whose VM is missing (foreign keys make
 * that impossible, but the memory would leak). */
static void distribute_disks(struct store_vm *vms, size_t n,
			     struct store_disk *disks, size_t ndisks)
{
	struct id_pos *map, key, *hit;
	size_t i, j, k;

	map = xcalloc(n, sizeof *map);
	for (i = 0; i < n; i++) {
		map[i].id = vms[i].id;
		map[i].pos = i;
	}
	qsort(map, n, sizeof *map, id_pos_cmp);

	for (i = 0; i < ndisks; i = j) {
		for (j = i + 1; j < ndisks && disks[j].vm_id == disks[i].vm_id; j++)
			;
		key.id = disks[i].vm_id;
		hit = n ? bsearch(&key, map, n, sizeof *map, id_pos_cmp) : NULL;
		if (!hit) {
			for (k = i; k < j; k++)
				store_disk_clear(&disks[k]);
			continue;
		}
		vms[hit->pos].disks = xmalloc((j - i) * sizeof *disks);
		memcpy(vms[hit->pos].disks, &disks[i], (j - i) * sizeof *disks);
		vms[hit->pos].ndisks = j - i;
	}
	free(map);
}

int store_vm_list(struct store *st, struct store_vm **out, size_t *n)
{
	struct store_disk *disks = NULL;
	sqlite3_stmt *s = NULL;
	void *vms = NULL;
	size_t count = 0, ndisks = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_tx_begin(st, 0, NULL, 0);
	if (ret)
		return ret;
	ret = store_stmt(st, STORE_STMT_VM_LIST, sql_vm_list, &s, NULL, 0);
	if (ret)
		goto fail;
	if (store_rows_read(s, &vm_rows, &vms, &count) != SQLITE_DONE) {
		ret = store_db_fail(st, NULL, 0, "%s: cannot list VMs", st->path);
		goto fail;
	}
	store_stmt_done(s);
	s = NULL;
	ret = read_disks_commit(st, 0, &disks, &ndisks);
	if (ret)
		goto fail;

	distribute_disks(vms, count, disks, ndisks);
	free(disks);
	*out = vms;
	*n = count;
	return 0;
fail:
	store_stmt_done(s);
	store_tx_rollback(st);
	store_rows_free(&disk_rows, disks, ndisks);
	store_rows_free(&vm_rows, vms, count);
	return ret;
}

int store_vm_update(struct store *st, const struct store_vm *vm, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int ret;

	if (!vm->name)
		return store_fail(st, err, errlen, -EINVAL, "a VM needs a name");
	ret = store_stmt(st, STORE_STMT_VM_UPDATE, sql_vm_update, &s, err, errlen);
	if (ret)
		return ret;
	if (bind_vm(s, vm) || sqlite3_bind_int64(s, 15, vm->id) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = vm_write_fail(st, vm, err, errlen);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no VM with id %lld",
				 (long long)vm->id);
	store_stmt_done(s);
	return ret;
}

int store_vm_set_state(struct store *st, int64_t id, const char *state, const char *reason)
{
	sqlite3_stmt *s;
	int ret;

	ret = store_stmt(st, STORE_STMT_VM_SET_STATE, sql_vm_set_state, &s, NULL, 0);
	if (ret)
		return ret;
	store_sync_relaxed(st, 1);
	if (sqlite3_bind_int64(s, 1, id) ||
	    sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot record the state of VM %lld",
				    (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, NULL, 0, -ENOENT, "no VM with id %lld", (long long)id);
	store_stmt_done(s);
	store_sync_relaxed(st, 0);
	return ret;
}

int store_vm_delete(struct store *st, int64_t id)
{
	sqlite3_stmt *s;
	int ret;

	ret = store_stmt(st, STORE_STMT_VM_DELETE, sql_vm_delete, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot delete VM %lld", (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, NULL, 0, -ENOENT, "no VM with id %lld", (long long)id);
	store_stmt_done(s);
	return ret;
}

int store_disk_add(struct store *st, struct store_disk *d, char *err, size_t errlen)
{
	int64_t id = 0;
	int ret;

	ret = disk_insert(st, d->vm_id, NULL, d, &id, err, errlen);
	if (ret)
		return ret;
	d->id = id;
	return 0;
}
