/*
 * The snapshot tree as the store rows give it (snap.h): parents by id,
 * children found by scanning (a VM has tens of snapshots, not thousands),
 * the current path's depth and the rows as snap.list shows them.  Pure.
 */
#include "core/snap.h"

#include <string.h>

long snap_tree_find(const struct store_snap *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; id && i < n; i++)
		if (v[i].id == id)
			return (long)i;
	return -1;
}

size_t snap_tree_depth(const struct store_snap *v, size_t n)
{
	size_t i, depth = 0;
	long k = -1;

	for (i = 0; i < n && k < 0; i++)
		if (v[i].current)
			k = (long)i;
	/* a parent chain longer than n would be a cycle: stop there */
	while (k >= 0 && depth <= n) {
		depth++;
		k = snap_tree_find(v, n, v[k].parent_id);
	}
	return depth;
}

/* 1 when a was taken after b (time, then id). */
static int later(const struct store_snap *a, const struct store_snap *b)
{
	return a->created > b->created || (a->created == b->created && a->id > b->id);
}

uint64_t snap_tree_size(const struct store_snap *v, size_t n, size_t i, uint64_t now_alloc)
{
	uint64_t until = now_alloc;
	long next = -1;
	size_t k;

	/* the next one taken after i */
	for (k = 0; k < n; k++)
		if (later(&v[k], &v[i]) && (next < 0 || later(&v[next], &v[k])))
			next = (long)k;
	if (next >= 0)
		until = v[next].alloc;
	return until > v[i].alloc ? until - v[i].alloc : 0;
}

json_t *snap_tree_json(const struct store_snap *v, size_t n, size_t i, uint64_t now_alloc)
{
	const struct store_snap *s = &v[i];
	long p = snap_tree_find(v, n, s->parent_id);
	json_t *children = json_array();
	size_t k;

	for (k = 0; k < n; k++)
		if (v[k].parent_id && v[k].parent_id == s->id)
			json_array_append_new(children, json_string(v[k].name));
	return json_pack("{s:s,s:o,s:o,s:I,s:b,s:s,s:I,s:o,s:s,s:b,s:b,s:o,s:b}",
			 "name", s->name,
			 "parent", p >= 0 ? json_string(v[p].name) : json_null(),
			 "children", children,
			 "created", (json_int_t)s->created,
			 "ram", s->ram,
			 "description", s->description ? s->description : "",
			 "size", (json_int_t)snap_tree_size(v, n, i, now_alloc),
			 "pause_ms", s->pause_ms >= 0 ? json_real(s->pause_ms) : json_null(),
			 "method", s->method ? s->method : "stopped",
			 "frozen", s->frozen,
			 "protected", s->protected_,
			 "schedule", s->schedule_id ? json_integer((json_int_t)s->schedule_id)
						    : json_null(),
			 "current", s->current);
}

json_t *snap_tree_warnings(const struct store_snap *v, size_t n)
{
	json_t *w = json_array();
	size_t depth = snap_tree_depth(v, n);

	if (depth > SNAP_DEEP_WARN)
		json_array_append_new(w, json_sprintf("the current snapshot is %zu deep (more than "
						      "%d): each one keeps old data and slows the "
						      "disks; delete the ones you no longer need",
						      depth, SNAP_DEEP_WARN));
	return w;
}
