/*
 * Table-driven reading of model structs (jfields.h).
 */
#include "tui/jfields.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <stdio.h>

void jfields_read(const json_t *o, void *dst, const struct jfield *table, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct jfield *f = &table[i];
		void *m = (char *)dst + f->off;

		switch (f->type) {
		case JF_STR:
			snprintf(m, f->size, "%s", jget_str(o, f->path, ""));
			break;
		case JF_INT:
			*(long long *)m = jget_int(o, f->path, (long long)f->dflt);
			break;
		case JF_BOOL:
			*(int *)m = jget_bool(o, f->path, (int)f->dflt);
			break;
		case JF_NUM:
			*(double *)m = jget_num(o, f->path, f->dflt);
			break;
		}
	}
}

void *jfields_rows(const json_t *arr, size_t size, const struct jfield *table, size_t n,
		   size_t *count)
{
	char *rows = xcalloc(json_array_size(arr) + 1, size);
	const json_t *o;
	size_t i;

	json_array_foreach(arr, i, o)
		jfields_read(o, rows + i * size, table, n);
	*count = json_array_size(arr);
	return rows;
}
