/*
 * Retention (prune.h).  Items are visited newest first through an index
 * sorted by time; each rule gets the set of periods that already hold a
 * kept item (sorted, searched by bisection) and the periods it has kept
 * so far.  A period is one int64 key of the item's local time per rule.
 */
#include "core/prune.h"

#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum mark { MARK_NONE, MARK_KEEP, MARK_DROP, MARK_PROTECTED };

static const char *const rule_names[] = {
	[PRUNE_LAST] = "keep-last", [PRUNE_HOURLY] = "keep-hourly",
	[PRUNE_DAILY] = "keep-daily", [PRUNE_WEEKLY] = "keep-weekly",
	[PRUNE_MONTHLY] = "keep-monthly", [PRUNE_YEARLY] = "keep-yearly",
	[PRUNE_ALL] = "keep-all", [PRUNE_PROTECTED] = "protected",
};

const char *prune_rule_name(enum prune_rule r)
{
	return r > PRUNE_REMOVE && r <= PRUNE_PROTECTED ? rule_names[r] : NULL;
}

static int64_t count_of(const struct prune_keep *k, enum prune_rule r)
{
	switch (r) {
	case PRUNE_LAST: return k->last;
	case PRUNE_HOURLY: return k->hourly;
	case PRUNE_DAILY: return k->daily;
	case PRUNE_WEEKLY: return k->weekly;
	case PRUNE_MONTHLY: return k->monthly;
	case PRUNE_YEARLY: return k->yearly;
	default: return 0;
	}
}

int prune_keep_check(const struct prune_keep *k, char *err, size_t errlen)
{
	enum prune_rule r;
	int64_t v;

	for (r = PRUNE_LAST; r <= PRUNE_YEARLY; r++) {
		v = count_of(k, r);
		if (v < 0) {
			snprintf(err, errlen, "%s %lld is negative (0 turns the rule off)",
				 rule_names[r], (long long)v);
			return -EINVAL;
		}
		if (v > PRUNE_KEEP_MAX) {
			snprintf(err, errlen, "%s %lld is more than %d", rule_names[r], (long long)v,
				 PRUNE_KEEP_MAX);
			return -EINVAL;
		}
	}
	return 0;
}

bool prune_keep_all(const struct prune_keep *k)
{
	enum prune_rule r;

	for (r = PRUNE_LAST; r <= PRUNE_YEARLY; r++)
		if (count_of(k, r))
			return false;
	return true;
}

/* ISO 8601 weeks in year y: 53 when it starts on a Thursday, or on a
 * Wednesday in a leap year. */
static int iso_weeks(int y)
{
	int p = (y + y / 4 - y / 100 + y / 400) % 7;
	int q = ((y - 1) + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) % 7;

	return p == 4 || q == 3 ? 53 : 52;
}

static int64_t period_key(enum prune_rule r, size_t idx, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t y, wd, week;

	if (r == PRUNE_LAST)
		return (int64_t)idx;
	localtime_r(&tt, &tm);
	y = tm.tm_year + 1900;
	switch (r) {
	case PRUNE_HOURLY:
		return ((y * 13 + tm.tm_mon) * 32 + tm.tm_mday) * 24 + tm.tm_hour;
	case PRUNE_DAILY:
		return (y * 13 + tm.tm_mon) * 32 + tm.tm_mday;
	case PRUNE_WEEKLY:
		wd = (tm.tm_wday + 6) % 7;
		week = (tm.tm_yday - wd + 10) / 7;
		if (week < 1)
			week = iso_weeks((int)--y);
		else if (week > iso_weeks((int)y))
			week = 1, y++;
		return y * 54 + week;
	case PRUNE_MONTHLY:
		return y * 13 + tm.tm_mon;
	default:
		return y;
	}
}

static const struct prune_item *sort_items;

/* Newest first; of two at the same time, the later in the array. */
static int newest_first(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t tx = sort_items[x].time, ty = sort_items[y].time;

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return x < y ? 1 : -1;
}

static int cmp_key(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void one_rule(struct prune_item *items, const size_t *order, enum mark *mark, size_t n,
		     enum prune_rule r, int64_t count, int64_t *keys)
{
	size_t i, j, nheld = 0, nkept = 0;
	int64_t key, *held = keys, *kept = keys + n;
	bool dup;

	for (i = 0; i < n; i++)
		if (mark[order[i]] == MARK_KEEP)
			held[nheld++] = period_key(r, order[i], items[order[i]].time);
	qsort(held, nheld, sizeof(*held), cmp_key);
	for (i = 0; i < n; i++) {
		size_t x = order[i];

		if (mark[x] != MARK_NONE)
			continue;
		if (items[x].protected_) {
			mark[x] = MARK_PROTECTED;
			continue;
		}
		key = period_key(r, x, items[x].time);
		if (bsearch(&key, held, nheld, sizeof(*held), cmp_key))
			continue;
		for (dup = false, j = nkept; j > 0 && !dup; j--)
			dup = kept[j - 1] == key;
		if (dup) {
			mark[x] = MARK_DROP;
			continue;
		}
		if ((int64_t)nkept >= count)
			break;
		kept[nkept++] = key;
		mark[x] = MARK_KEEP;
		items[x].rule = r;
	}
}

void prune_select(struct prune_item *items, size_t n, const struct prune_keep *k)
{
	enum mark *mark;
	size_t *order, i;
	int64_t *keys;
	enum prune_rule r;
	bool all = prune_keep_all(k);

	for (i = 0; i < n; i++) {
		items[i].keep = all;
		items[i].rule = items[i].protected_ ? PRUNE_PROTECTED : all ? PRUNE_ALL : PRUNE_REMOVE;
	}
	if (all || !n)
		return;
	mark = xcalloc(n, sizeof(*mark));
	order = xcalloc(n, sizeof(*order));
	keys = xcalloc(2 * n, sizeof(*keys));
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_items = items;
	qsort(order, n, sizeof(*order), newest_first);
	sort_items = NULL;
	for (r = PRUNE_LAST; r <= PRUNE_YEARLY; r++)
		if (count_of(k, r) > 0)
			one_rule(items, order, mark, n, r, count_of(k, r), keys);
	for (i = 0; i < n; i++)
		items[i].keep = mark[i] == MARK_KEEP || items[i].protected_;
	free(keys);
	free(order);
	free(mark);
}
