/*
 * The monitor's history in the store (schema version 4): bounded rings of
 * consolidated figures, one per owner (0: the host, else a VM's id) and
 * tier.  A row is (owner, tier, slot, t_ms, data): the slot is the bucket
 * number modulo the tier's size, so writing a bucket replaces the one a
 * ring's length before it and the table never grows past the slots every
 * owner's tiers have.  data is n pairs of 32-bit floats (average, maximum)
 * in the host's byte order, NaN for unknown.  A VM's rows go with it (a
 * trigger on the vms table).  The tiers and what the figures are belong
 * to croftd's history module (core/history.h); here they are numbers.
 */
#ifndef CROFT_STORE_HISTORY_H
#define CROFT_STORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_HISTORY_MAX_SERIES 16

struct store_history_row {
	int64_t owner;
	int tier;
	int64_t slot;
	int64_t t_ms;             /* the bucket's start */
	size_t n;                 /* figures, <= STORE_HISTORY_MAX_SERIES */
	float avg[STORE_HISTORY_MAX_SERIES];
	float max[STORE_HISTORY_MAX_SERIES];
};

/* Write rows[0..n) (each replacing its slot) in one transaction.  0, or
 * -EINVAL (a row out of range: nothing written) or -EIO. */
int store_history_put(struct store *st, const struct store_history_row *rows, size_t n);
/* owner's rows of tier with t_ms >= since_ms, oldest first (*out
 * malloc'd, NULL when none).  0 or -EIO. */
int store_history_get(struct store *st, int64_t owner, int tier, int64_t since_ms,
		      struct store_history_row **out, size_t *n);

#endif
