/*
 * Retention: which of a set of snapshots (or backups) to keep, with
 * Proxmox Backup Server's prune rules.  The rules run in the order
 * keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly,
 * keep-yearly.  Walking the items newest first, a rule with count N keeps
 * the newest item of each of its periods (an hour, a day, an ISO week from
 * Monday, a month, a year of local time) until it has kept N periods;
 * keep-last's period is the item itself.  A period that already holds an
 * item an earlier rule kept is passed over and does not count; an item
 * that is not the newest of its period under a rule is dropped by that rule
 * and no later rule considers it (so a week kept by keep-weekly hides its
 * older days from keep-monthly, even those in an earlier month).
 * Protected items are kept and count for no rule.  All counts 0 keep
 * everything.  Pure apart from the time zone (localtime).
 */
#ifndef CROFT_PRUNE_H
#define CROFT_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRUNE_KEEP_MAX 1000000

enum prune_rule {
	PRUNE_REMOVE = 0,             /* not kept */
	PRUNE_LAST,
	PRUNE_HOURLY,
	PRUNE_DAILY,
	PRUNE_WEEKLY,
	PRUNE_MONTHLY,
	PRUNE_YEARLY,
	PRUNE_ALL,                    /* every count 0: everything stays */
	PRUNE_PROTECTED,
};

struct prune_keep {
	int64_t last, hourly, daily, weekly, monthly, yearly;
};

struct prune_item {
	int64_t time;                 /* unix seconds */
	bool protected_;
	/* out */
	bool keep;
	enum prune_rule rule;
};

/* Each count between 0 and PRUNE_KEEP_MAX: 0, or -EINVAL with err naming
 * the option ("keep-daily -1 is negative"). */
int prune_keep_check(const struct prune_keep *k, char *err, size_t errlen);
/* Whether every count is 0 (everything is kept). */
bool prune_keep_all(const struct prune_keep *k);

/* Decide keep and rule for each of the n items (in any order). */
void prune_select(struct prune_item *items, size_t n, const struct prune_keep *k);

/* "keep-last" .. "keep-yearly", "keep-all", "protected"; NULL for REMOVE. */
const char *prune_rule_name(enum prune_rule r);

#endif
