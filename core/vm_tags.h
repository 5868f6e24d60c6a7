/*
 * VM tags: short labels a VM carries (vm create/edit --tag) so a schedule
 * can name "every VM tagged T".  A tag is 1 to VM_TAG_LEN_MAX characters
 * of a-z, 0-9, '-', '_' and '.', starting with a letter or digit; a VM has
 * at most VM_TAGS_MAX.  The store keeps a VM's tags as one text: sorted,
 * without duplicates, ','-joined (NULL when it has none).
 */
#ifndef CROFT_VM_TAGS_H
#define CROFT_VM_TAGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define VM_TAGS_MAX 16
#define VM_TAG_LEN_MAX 32

/* 0, or -EINVAL with err naming the tag and what is wrong with it. */
int vm_tag_check(const char *tag, char *err, size_t errlen);
/* A JSON array of tags into the stored text (*out malloc'd, NULL for an
 * empty array): 0, or -EINVAL with err naming the bad element. */
int vm_tags_from_json(const json_t *arr, char **out, char *err, size_t errlen);
/* The stored text as a JSON array (new reference; [] for NULL). */
json_t *vm_tags_json(const char *tags);
/* Whether the stored text holds tag. */
bool vm_tags_has(const char *tags, const char *tag);

#endif
