/*
 * VM tags (vm_tags.h): checked one by one, then sorted and joined.
 */
#include "core/vm_tags.h"

#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vm_tag_check(const char *tag, char *err, size_t errlen)
{
	size_t i, n = strlen(tag);

	if (!n) {
		err_set(err, errlen, "a tag cannot be empty");
		return -EINVAL;
	}
	if (n > VM_TAG_LEN_MAX) {
		err_set(err, errlen, "tag '%s' is longer than %d characters", tag, VM_TAG_LEN_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tag[i];

		if (islower(c) || isdigit(c) || (i && (c == '-' || c == '_' || c == '.')))
			continue;
		err_set(err, errlen, "tag '%s' may hold only a-z, 0-9, '-', '_' and '.', and starts "
			"with a letter or digit", tag);
		return -EINVAL;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vm_tags_from_json(const json_t *arr, char **out, char *err, size_t errlen)
{
	const char *v[VM_TAGS_MAX];
	size_t n = 0, i, len = 0;
	json_t *el;
	char *s;

	*out = NULL;
	if (!json_is_array(arr)) {
		err_set(err, errlen, "tags must be a list of strings");
		return -EINVAL;
	}
	json_array_foreach(arr, i, el) {
		if (!json_is_string(el)) {
			err_set(err, errlen, "tag %zu is not a string", i + 1);
			return -EINVAL;
		}
		if (vm_tag_check(json_string_value(el), err, errlen) < 0)
			return -EINVAL;
	}
	json_array_foreach(arr, i, el) {
		const char *t = json_string_value(el);
		size_t j;

		for (j = 0; j < n && strcmp(v[j], t); j++)
			;
		if (j < n)
			continue;
		if (n == VM_TAGS_MAX) {
			err_set(err, errlen, "a VM can have at most %d tags", VM_TAGS_MAX);
			return -EINVAL;
		}
		v[n++] = t;
		len += strlen(t) + 1;
	}
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_str);
	s = xcalloc(1, len);
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, v[i]);
	}
	*out = s;
	return 0;
}

json_t *vm_tags_json(const char *tags)
{
	json_t *a = json_array();
	const char *p = tags, *c;

	while (p && *p) {
		c = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, c ? (size_t)(c - p) : strlen(p)));
		p = c ? c + 1 : NULL;
	}
	return a;
}

bool vm_tags_has(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	const char *p = tags;

	while (p && *p) {
		if (!strncmp(p, tag, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}
