/*
 * Model structs read from the API's JSON by a table: one row per member,
 * naming its JSON path (common/json_get.h's dotted paths), its type and
 * its default, so a model's parser is a table and one call instead of a
 * getter per member.  Members are char arrays (JF_STR, cut to their
 * size), long long (JF_INT), int (JF_BOOL) and double (JF_NUM); a member
 * that is absent, null or of another type takes the default ("" for
 * strings).
 */
#ifndef CROFT_TUI_JFIELDS_H
#define CROFT_TUI_JFIELDS_H

#include <jansson.h>
#include <stddef.h>

enum jfield_type { JF_STR, JF_INT, JF_BOOL, JF_NUM };

struct jfield {
	const char *path;
	enum jfield_type type;
	size_t off, size;
	double dflt;
};

#define JF_STR(t, m, path) { path, JF_STR, offsetof(t, m), sizeof(((t *)0)->m), 0 }
#define JF_INT(t, m, path, dflt) { path, JF_INT, offsetof(t, m), sizeof(long long), dflt }
#define JF_BOOL(t, m, path, dflt) { path, JF_BOOL, offsetof(t, m), sizeof(int), dflt }
#define JF_NUM(t, m, path, dflt) { path, JF_NUM, offsetof(t, m), sizeof(double), dflt }
#define JF_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Fill the members of dst that table[0..n) lists from o (borrowed). */
void jfields_read(const json_t *o, void *dst, const struct jfield *table, size_t n);
/* Each element of the array arr (borrowed; not an array: none) read into
 * a struct of size bytes: a malloc'd array of *count of them (one more,
 * zeroed, at the end, so it is never NULL). */
void *jfields_rows(const json_t *arr, size_t size, const struct jfield *table, size_t n,
		   size_t *count);

#endif
