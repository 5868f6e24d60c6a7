/*
 * Typed reads of croftd's host settings (the store's string key/value
 * table) for the services that take a tunable at start: a value that is
 * not a number in range is reported once in the log and the default used,
 * so a bad setting never stops croftd.
 */
#ifndef CROFT_SETTINGS_H
#define CROFT_SETTINGS_H

#include <stdint.h>

struct store;

/* The setting key as an integer in [min, max]; dflt when it is unset or
 * not such a number. */
int64_t settings_int(struct store *st, const char *key, int64_t dflt, int64_t min, int64_t max);

#endif
