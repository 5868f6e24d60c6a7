/*
 * Networks, guest NICs and port forwards: the tables of schema version 2
 * (see the networking section of store.h).  The store keeps rows and
 * enforces what the schema can (uniqueness, ranges, references); it does
 * not know what an address means.
 *
 * These calls run on user actions, not in a hot path, so each prepares its
 * statement when it runs instead of using the handle's statement cache.
 * A call made of several statements runs inside a savepoint, which makes
 * it atomic by itself and a part of the caller's batch when there is one:
 * a batch is an ordinary write transaction (BEGIN IMMEDIATE), and
 * savepoints nest inside it.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NET_COLUMNS "id, name, mode, subnet, prefix, gateway, dhcp_first, dhcp_last, " \
	"uplink, created, host_access"
enum { NC_ID, NC_NAME, NC_MODE, NC_SUBNET, NC_PREFIX, NC_GATEWAY, NC_FIRST, NC_LAST,
       NC_UPLINK, NC_CREATED, NC_HOST_ACCESS };

#define NIC_COLUMNS "id, vm_id, net_id, mac, ip, vlan, rate_mbit"
enum { IC_ID, IC_VM, IC_NET, IC_MAC, IC_IP, IC_VLAN, IC_RATE };

#define FWD_COLUMNS "id, net_id, nic_id, proto, host_port, guest_port"
enum { FC_ID, FC_NET, FC_NIC, FC_PROTO, FC_HOST_PORT, FC_GUEST_PORT };

static const char sql_net_insert[] =
	"INSERT INTO networks (name, mode, subnet, prefix, gateway, dhcp_first, dhcp_last, "
	"uplink, created, host_access) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char sql_net_host_access[] =
	"UPDATE networks SET host_access = ?2 WHERE id = ?1";
static const char sql_net_get[] =
	"SELECT " NET_COLUMNS " FROM networks WHERE name = ?1";
static const char sql_net_get_id[] =
	"SELECT " NET_COLUMNS " FROM networks WHERE id = ?1";
static const char sql_net_list[] =
	"SELECT " NET_COLUMNS " FROM networks ORDER BY name";
static const char sql_net_delete[] =
	"DELETE FROM networks WHERE id = ?1";
static const char sql_nics_of_net_delete[] =
	"DELETE FROM nics WHERE net_id = ?1";
static const char sql_nic_insert[] =
	"INSERT INTO nics (vm_id, net_id, mac, ip, vlan, rate_mbit) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_nic_list[] =
	"SELECT " NIC_COLUMNS " FROM nics WHERE (?1 = 0 OR vm_id = ?1) "
	"AND (?2 = 0 OR net_id = ?2) ORDER BY id";
static const char sql_nic_delete[] =
	"DELETE FROM nics WHERE id = ?1";
static const char sql_fwd_insert[] =
	"INSERT INTO forwards (net_id, nic_id, proto, host_port, guest_port) "
	"VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_fwd_list[] =
	"SELECT " FWD_COLUMNS " FROM forwards WHERE (?1 = 0 OR net_id = ?1) "
	"AND (?2 = 0 OR nic_id = ?2) ORDER BY proto, host_port";
static const char sql_fwd_delete[] =
	"DELETE FROM forwards WHERE id = ?1";

/* --- plumbing -------------------------------------------------------------- */

/* 0 binds NULL: "none" for optional numbers. */
static int bind_opt_u32(sqlite3_stmt *s, int i, uint32_t v)
{
	return v ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

/* Run a one-row-per-id DELETE; -ENOENT when nothing matched. */
static int delete_by_id(struct store *st, const char *sql, int64_t id, const char *what)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = store_prepare(st, sql, &s, NULL, 0);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, NULL, 0, "cannot delete %s %lld", what, (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, NULL, 0, -ENOENT, "no %s with id %lld", what, (long long)id);
	sqlite3_finalize(s);
	return ret;
}

/* Every row of sql as structs of type t, with ?1 = a and ?2 = b where
 * sql has them; what names the rows in the message. */
static int list_rows(struct store *st, const char *sql, int64_t a, int64_t b,
		     const struct store_rows *t, const char *what, void **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int nparams, rc = SQLITE_OK, ret;

	*out = NULL;
	*n = 0;
	ret = store_prepare(st, sql, &s, NULL, 0);
	if (ret)
		return ret;
	nparams = sqlite3_bind_parameter_count(s);
	if (nparams >= 1)
		rc = sqlite3_bind_int64(s, 1, a);
	if (rc == SQLITE_OK && nparams >= 2)
		rc = sqlite3_bind_int64(s, 2, b);
	if (rc == SQLITE_OK)
		rc = store_rows_read(s, t, out, n);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, NULL, 0, "%s: cannot list %s", st->path, what);
	return 0;
}

/* --- batches --------------------------------------------------------------- */

int store_batch_begin(struct store *st, char *err, size_t errlen)
{
	if (!sqlite3_get_autocommit(st->db))
		return store_fail(st, err, errlen, -EBUSY, "%s: a batch is already open", st->path);
	return store_tx_begin(st, 1, err, errlen);
}

int store_batch_commit(struct store *st, char *err, size_t errlen)
{
	return store_tx_commit(st, err, errlen);
}

void store_batch_rollback(struct store *st)
{
	store_tx_rollback(st);
}

/* --- networks -------------------------------------------------------------- */

static void net_from_row(sqlite3_stmt *s, void *row)
{
	struct store_net *n = row;

	n->id = sqlite3_column_int64(s, NC_ID);
	n->name = store_col_text(s, NC_NAME);
	n->mode = store_col_text(s, NC_MODE);
	n->subnet = store_col_text(s, NC_SUBNET);
	n->prefix = (uint32_t)sqlite3_column_int64(s, NC_PREFIX);
	n->gateway = store_col_text(s, NC_GATEWAY);
	n->dhcp_first = store_col_text(s, NC_FIRST);
	n->dhcp_last = store_col_text(s, NC_LAST);
	n->uplink = store_col_text(s, NC_UPLINK);
	n->created = sqlite3_column_int64(s, NC_CREATED);
	n->host_access = sqlite3_column_int(s, NC_HOST_ACCESS) != 0;
}

static void net_clear(void *row)
{
	store_net_clear(row);
}

static const struct store_rows net_rows = { sizeof(struct store_net), net_from_row, net_clear };

int store_net_insert(struct store *st, struct store_net *net, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (!net->name || !net->mode)
		return store_fail(st, err, errlen, -EINVAL, "a network needs a name and a mode");
	ret = store_prepare(st, sql_net_insert, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_text(s, 1, net->name, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 2, net->mode, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 3, net->subnet, -1, SQLITE_STATIC) ||
	    bind_opt_u32(s, 4, net->prefix) ||
	    sqlite3_bind_text(s, 5, net->gateway, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 6, net->dhcp_first, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 7, net->dhcp_last, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 8, net->uplink, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 9, net->created) ||
	    sqlite3_bind_int(s, 10, net->host_access != 0) ||
	    sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot store network '%s'", net->name);
		if (ret == -EEXIST && strstr(sqlite3_errmsg(st->db), "networks.uplink"))
			ret = store_fail(st, err, errlen, -EEXIST,
					 "%s is already the uplink of another bridged network",
					 net->uplink);
		else if (ret == -EEXIST)
			ret = store_fail(st, err, errlen, -EEXIST,
					 "a network named '%s' already exists", net->name);
		goto out;
	}
	net->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_net_set_host_access(struct store *st, int64_t id, int on, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = store_prepare(st, sql_net_host_access, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_bind_int(s, 2, on != 0) ||
	    sqlite3_step(s) != SQLITE_DONE)
		ret = store_db_fail(st, err, errlen, "cannot change network %lld", (long long)id);
	else if (sqlite3_changes(st->db) == 0)
		ret = store_fail(st, err, errlen, -ENOENT, "no network with id %lld", (long long)id);
	sqlite3_finalize(s);
	return ret;
}

static int net_get(struct store *st, const char *sql, const char *name, int64_t id,
		   struct store_net *out)
{
	sqlite3_stmt *s = NULL;
	int rc, ret;

	memset(out, 0, sizeof *out);
	ret = store_prepare(st, sql, &s, NULL, 0);
	if (ret)
		return ret;
	rc = name ? sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC)
		  : sqlite3_bind_int64(s, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		net_from_row(s, out);
	else if (rc == SQLITE_DONE && name)
		ret = store_fail(st, NULL, 0, -ENOENT, "no network named '%s'", name);
	else if (rc == SQLITE_DONE)
		ret = store_fail(st, NULL, 0, -ENOENT, "no network with id %lld", (long long)id);
	else
		ret = store_db_fail(st, NULL, 0, "%s: cannot read networks", st->path);
	sqlite3_finalize(s);
	return ret;
}

int store_net_get(struct store *st, const char *name, struct store_net *out)
{
	if (!name) {
		memset(out, 0, sizeof *out);
		return store_fail(st, NULL, 0, -EINVAL, "no network name given");
	}
	return net_get(st, sql_net_get, name, 0, out);
}

int store_net_get_id(struct store *st, int64_t id, struct store_net *out)
{
	return net_get(st, sql_net_get_id, NULL, id, out);
}

int store_net_list(struct store *st, struct store_net **out, size_t *n)
{
	void *rows;
	int ret = list_rows(st, sql_net_list, 0, 0, &net_rows, "networks", &rows, n);

	*out = rows;
	return ret;
}

int store_net_delete(struct store *st, int64_t id, int with_nics, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	ret = store_sp_begin(st, "store_net", err, errlen);
	if (ret)
		return ret;
	if (with_nics) {
		ret = store_prepare(st, sql_nics_of_net_delete, &s, err, errlen);
		if (ret)
			goto fail;
		if (sqlite3_bind_int64(s, 1, id) || sqlite3_step(s) != SQLITE_DONE) {
			ret = store_db_fail(st, err, errlen, "cannot delete the NICs of network %lld",
					    (long long)id);
			goto fail;
		}
		sqlite3_finalize(s);
		s = NULL;
	}
	ret = store_prepare(st, sql_net_delete, &s, err, errlen);
	if (ret)
		goto fail;
	if (sqlite3_bind_int64(s, 1, id) || sqlite3_step(s) != SQLITE_DONE) {
		/* A RESTRICT reference reports itself as a trigger. */
		int fk = strstr(sqlite3_errmsg(st->db), "FOREIGN KEY") != NULL;

		ret = store_db_fail(st, err, errlen, "cannot delete network %lld", (long long)id);
		if (fk)
			ret = store_fail(st, err, errlen, -EBUSY,
					 "network %lld is still used by NICs", (long long)id);
		goto fail;
	}
	if (sqlite3_changes(st->db) == 0) {
		ret = store_fail(st, err, errlen, -ENOENT, "no network with id %lld", (long long)id);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	ret = store_sp_release(st, "store_net", err, errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	sqlite3_finalize(s);
	store_sp_rollback(st, "store_net");
	return ret;
}

/* --- NICs ------------------------------------------------------------------ */

static void nic_from_row(sqlite3_stmt *s, void *row)
{
	struct store_nic *n = row;

	n->id = sqlite3_column_int64(s, IC_ID);
	n->vm_id = sqlite3_column_int64(s, IC_VM);
	n->net_id = sqlite3_column_int64(s, IC_NET);
	n->mac = store_col_text(s, IC_MAC);
	n->ip = store_col_text(s, IC_IP);
	n->vlan = (uint32_t)sqlite3_column_int64(s, IC_VLAN);
	n->rate_mbit = (uint32_t)sqlite3_column_int64(s, IC_RATE);
}

static void nic_clear(void *row)
{
	store_nic_clear(row);
}

static const struct store_rows nic_rows = { sizeof(struct store_nic), nic_from_row, nic_clear };

int store_nic_insert(struct store *st, struct store_nic *nic, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *msg;
	int ret;

	if (!nic->mac)
		return store_fail(st, err, errlen, -EINVAL, "a NIC needs a MAC address");
	ret = store_prepare(st, sql_nic_insert, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, nic->vm_id) ||
	    sqlite3_bind_int64(s, 2, nic->net_id) ||
	    sqlite3_bind_text(s, 3, nic->mac, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(s, 4, nic->ip, -1, SQLITE_STATIC) ||
	    bind_opt_u32(s, 5, nic->vlan) ||
	    bind_opt_u32(s, 6, nic->rate_mbit) ||
	    sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot store NIC %s", nic->mac);
		msg = sqlite3_errmsg(st->db);
		if (ret == -EEXIST && strstr(msg, "nics.mac"))
			ret = store_fail(st, err, errlen, -EEXIST, "MAC %s is already used",
					 nic->mac);
		else if (ret == -EEXIST)
			ret = store_fail(st, err, errlen, -EEXIST,
					 "address %s is already used on this network", nic->ip);
		else if (ret == -ENOENT)
			ret = store_fail(st, err, errlen, -ENOENT,
					 "no VM with id %lld or no network with id %lld",
					 (long long)nic->vm_id, (long long)nic->net_id);
		goto out;
	}
	nic->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_nic_list(struct store *st, int64_t vm_id, int64_t net_id,
		   struct store_nic **out, size_t *n)
{
	void *rows;
	int ret = list_rows(st, sql_nic_list, vm_id, net_id, &nic_rows, "NICs", &rows, n);

	*out = rows;
	return ret;
}

int store_nic_delete(struct store *st, int64_t id)
{
	return delete_by_id(st, sql_nic_delete, id, "NIC");
}

/* --- forwards -------------------------------------------------------------- */

static void fwd_from_row(sqlite3_stmt *s, void *row)
{
	struct store_fwd *f = row;

	f->id = sqlite3_column_int64(s, FC_ID);
	f->net_id = sqlite3_column_int64(s, FC_NET);
	f->nic_id = sqlite3_column_int64(s, FC_NIC);
	f->proto = store_col_text(s, FC_PROTO);
	f->host_port = (uint32_t)sqlite3_column_int64(s, FC_HOST_PORT);
	f->guest_port = (uint32_t)sqlite3_column_int64(s, FC_GUEST_PORT);
}

static void fwd_clear(void *row)
{
	store_fwd_clear(row);
}

static const struct store_rows fwd_rows = { sizeof(struct store_fwd), fwd_from_row, fwd_clear };

int store_fwd_insert(struct store *st, struct store_fwd *fwd, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int ret;

	if (!fwd->proto)
		return store_fail(st, err, errlen, -EINVAL, "a forward needs a protocol");
	ret = store_prepare(st, sql_fwd_insert, &s, err, errlen);
	if (ret)
		return ret;
	if (sqlite3_bind_int64(s, 1, fwd->net_id) ||
	    sqlite3_bind_int64(s, 2, fwd->nic_id) ||
	    sqlite3_bind_text(s, 3, fwd->proto, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(s, 4, fwd->host_port) ||
	    sqlite3_bind_int64(s, 5, fwd->guest_port) ||
	    sqlite3_step(s) != SQLITE_DONE) {
		ret = store_db_fail(st, err, errlen, "cannot store the forward of %s port %u",
				    fwd->proto, fwd->host_port);
		if (ret == -EEXIST)
			ret = store_fail(st, err, errlen, -EEXIST, "%s port %u is already forwarded",
					 fwd->proto, fwd->host_port);
		else if (ret == -ENOENT)
			ret = store_fail(st, err, errlen, -ENOENT,
					 "no network with id %lld or no NIC with id %lld",
					 (long long)fwd->net_id, (long long)fwd->nic_id);
		goto out;
	}
	fwd->id = sqlite3_last_insert_rowid(st->db);
out:
	sqlite3_finalize(s);
	return ret;
}

int store_fwd_list(struct store *st, int64_t net_id, int64_t nic_id,
		   struct store_fwd **out, size_t *n)
{
	void *rows;
	int ret = list_rows(st, sql_fwd_list, net_id, nic_id, &fwd_rows, "forwards", &rows, n);

	*out = rows;
	return ret;
}

int store_fwd_delete(struct store *st, int64_t id)
{
	return delete_by_id(st, sql_fwd_delete, id, "forward");
}

/* --- ownership ------------------------------------------------------------- */

void store_net_clear(struct store_net *net)
{
	if (!net)
		return;
	free(net->name);
	free(net->mode);
	free(net->subnet);
	free(net->gateway);
	free(net->dhcp_first);
	free(net->dhcp_last);
	free(net->uplink);
	memset(net, 0, sizeof *net);
}

void store_net_list_free(struct store_net *nets, size_t n)
{
	store_rows_free(&net_rows, nets, n);
}

void store_nic_clear(struct store_nic *nic)
{
	if (!nic)
		return;
	free(nic->mac);
	free(nic->ip);
	memset(nic, 0, sizeof *nic);
}

void store_nic_list_free(struct store_nic *nics, size_t n)
{
	store_rows_free(&nic_rows, nics, n);
}

void store_fwd_clear(struct store_fwd *fwd)
{
	if (!fwd)
		return;
	free(fwd->proto);
	memset(fwd, 0, sizeof *fwd);
}

void store_fwd_list_free(struct store_fwd *fwds, size_t n)
{
	store_rows_free(&fwd_rows, fwds, n);
}
