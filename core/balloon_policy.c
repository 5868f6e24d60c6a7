/*
 * The automatic balloon policy (balloon_policy.h says how it decides).
 * Sizes are MiB throughout; the guests' own figures arrive in bytes.
 */
#include "core/balloon_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024ULL * 1024ULL)

/* What one step works out for a VM before anything is granted. */
struct bp_work {
	int eligible, swapping, held;
	uint64_t cur, used, want, grow_to;
	uint64_t need, spare, take, give;
	double swapin_mib_ps, majflt_ps;
};

char *bp_mib_text(uint64_t mib, char *buf, size_t buflen)
{
	if (mib >= 1024)
		snprintf(buf, buflen, "%.1fG", (double)mib / 1024.0);
	else
		snprintf(buf, buflen, "%lluM", (unsigned long long)mib);
	return buf;
}

uint64_t bp_guest_used_mib(uint64_t total, uint64_t available, uint64_t actual_mib,
			   uint64_t max_mib)
{
	(void)max_mib;
	/* what the balloon leaves the guest less what it could free at once:
	 * right whether or not its MemTotal counts the balloon's pages
	 * (deflate-on-oom) and with the memory its kernel keeps for itself */
	if (actual_mib)
		return actual_mib > available / MIB ? actual_mib - available / MIB : 0;
	return total > available ? (total - available) / MIB : 0;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	if (v < lo)
		v = lo;
	return v > hi ? hi : v;
}

static uint64_t cushion_of(uint64_t used)
{
	return used / 4 > BP_CUSHION_MIN_MIB ? used / 4 : BP_CUSHION_MIN_MIB;
}

/* Swap-in and major-fault rates since the previous reading; the state
 * moves on only when the guest updated its figures. */
static void rates(const struct bp_vm *v, struct bp_state *s, struct bp_work *w)
{
	int64_t dt = v->stats_ms - s->prev_ms;

	w->swapin_mib_ps = w->majflt_ps = 0;
	if (s->prev_ms && dt > 0) {
		if (v->swap_in != UINT64_MAX && v->swap_in >= s->prev_swap_in)
			w->swapin_mib_ps = (double)(v->swap_in - s->prev_swap_in) / MIB * 1000.0 / (double)dt;
		if (v->major_faults != UINT64_MAX && v->major_faults >= s->prev_major)
			w->majflt_ps = (double)(v->major_faults - s->prev_major) * 1000.0 / (double)dt;
	}
	if (!s->prev_ms || dt > 0) {
		s->prev_ms = v->stats_ms;
		s->prev_swap_in = v->swap_in == UINT64_MAX ? 0 : v->swap_in;
		s->prev_major = v->major_faults == UINT64_MAX ? 0 : v->major_faults;
	}
}

static enum bp_skip skip_of(const struct bp_vm *v)
{
	if (v->fixed)
		return BP_FIXED;
	if (!v->balloon)
		return BP_NO_DRIVER;
	if (!v->stats || v->total == UINT64_MAX || v->available == UINT64_MAX)
		return BP_NO_STATS;
	return v->stale ? BP_STALE : BP_OK;
}

static void assess(const struct bp_vm *v, struct bp_state *s, int64_t now_ms, struct bp_work *w)
{
	uint64_t cushion, bump;

	memset(w, 0, sizeof(*w));
	w->cur = v->fixed ? v->target_mib : clamp(v->target_mib, v->min_mib, v->max_mib);
	w->grow_to = w->cur;
	if (skip_of(v) != BP_OK)
		return;
	w->eligible = 1;
	rates(v, s, w);
	w->used = bp_guest_used_mib(v->total, v->available, v->actual_mib, v->max_mib);
	cushion = cushion_of(w->used);
	w->want = clamp(w->used + cushion, v->min_mib, v->max_mib);
	w->swapping = w->swapin_mib_ps >= BP_SWAPIN_MIB_PS || w->majflt_ps >= BP_MAJFLT_PS;
	if (w->swapping) {
		bump = w->cur / 4 > cushion ? w->cur / 4 : cushion;
		w->grow_to = clamp(w->cur + bump > w->want ? w->cur + bump : w->want,
				   v->min_mib, v->max_mib);
		s->hold_until_ms = now_ms + BP_HOLD_MS;
	} else if (w->cur < w->used + cushion / 2) {
		w->grow_to = w->want;
	}
	if (w->grow_to > w->cur)
		w->need = w->grow_to - w->cur;
	w->held = now_ms < s->hold_until_ms;
	if (!w->need && !w->held && w->cur > w->want)
		w->spare = w->cur - w->want;
}

/* A change under BP_MIN_CHANGE_MIB is not made (hysteresis), so a take
 * that small is moved to the guests already giving, most left first;
 * what none of them can give is not taken.  Returns how much less was
 * taken. */
static uint64_t small_takes_moved(struct bp_work *w, size_t n)
{
	uint64_t moved = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (w[i].take && w[i].take < BP_MIN_CHANGE_MIB) {
			moved += w[i].take;
			w[i].take = 0;
		}
	}
	while (moved) {
		size_t best = n;

		for (i = 0; i < n; i++)
			if (w[i].take && w[i].spare > w[i].take &&
			    (best == n || w[i].spare - w[i].take > w[best].spare - w[best].take))
				best = i;
		for (i = 0; best == n && i < n; i++)
			if (w[i].spare - w[i].take >= moved && moved >= BP_MIN_CHANGE_MIB)
				best = i;            /* none gives yet: one that can give it all */
		if (best == n)
			break;
		{
			uint64_t t = w[best].spare - w[best].take;

			if (t > moved)
				t = moved;
			w[best].take += t;
			moved -= t;
		}
	}
	return moved;
}

/* Take up to amount from the guests with the most to spare, most first:
 * the one with the most gives until it is level with the next, then both
 * give alike, and so on down.  A balloon gives memory back at its guest's
 * pace, so a shortfall spread over several guests is met sooner than one
 * taken from a single guest, and the guest with the most to spare still
 * gives first and most. */
static uint64_t reclaim(struct bp_work *w, size_t n, uint64_t amount)
{
	uint64_t taken = 0;

	while (taken < amount) {
		uint64_t top = 0, next = 0, each, extra, want = amount - taken;
		size_t i, k = 0;

		for (i = 0; i < n; i++) {
			uint64_t left = w[i].spare - w[i].take;

			if (left > top) {
				next = top;
				top = left;
				k = 1;
			} else if (left == top && left) {
				k++;
			} else if (left > next) {
				next = left;
			}
		}
		if (!top)
			break;
		/* the k at the top come down to next, or share what is left */
		each = top - next;
		extra = 0;
		if (each * k > want) {
			/* shared by as many as can each give a change worth making */
			if (k > want / BP_MIN_CHANGE_MIB)
				k = want / BP_MIN_CHANGE_MIB ? want / BP_MIN_CHANGE_MIB : 1;
			each = want / k;
			extra = want % k;
		}
		for (i = 0; i < n && k; i++) {
			if (w[i].spare - w[i].take != top)
				continue;
			k--;
			w[i].take += each + (extra ? 1 : 0);
			taken += each + (extra ? 1 : 0);
			if (extra)
				extra--;
		}
	}
	return taken - small_takes_moved(w, n);
}

/* Give pool to the needy guests: all of it when it covers every need,
 * else split by shares (water-filling: a guest's part beyond its need goes
 * to the others). */
static void grant(struct bp_work *w, const struct bp_vm *v, size_t n, uint64_t pool)
{
	for (;;) {
		uint64_t shares = 0, given = 0;
		size_t i;

		for (i = 0; i < n; i++)
			if (w[i].need > w[i].give)
				shares += v[i].shares ? v[i].shares : 1;
		if (!shares || !pool)
			return;
		for (i = 0; i < n; i++) {
			uint64_t left = w[i].need - w[i].give, part;

			if (w[i].need <= w[i].give)
				continue;
			part = pool * (v[i].shares ? v[i].shares : 1) / shares;
			if (part > left)
				part = left;
			w[i].give += part;
			given += part;
		}
		if (!given)
			return;
		pool -= given;
	}
}

/* "db and mail", "db, mail and 3 more" */
static void names_of(const struct bp_vm *v, const struct bp_work *w, size_t n, size_t self,
		     char *buf, size_t buflen)
{
	size_t i, count = 0, shown = 0, len;

	buf[0] = 0;
	for (i = 0; i < n; i++)
		if (i != self && w[i].need)
			count++;
	for (i = 0; i < n && shown < 3; i++) {
		if (i == self || !w[i].need)
			continue;
		len = strlen(buf);
		snprintf(buf + len, buflen - len, "%s%s", shown == 0 ? "" :
			 (shown + 1 == count || shown == 2) ? " and " : ", ", v[i].name);
		shown++;
	}
	if (count > shown) {
		len = strlen(buf);
		snprintf(buf + len, buflen - len, " and %zu more", count - shown);
	}
}

static void reason_skip(const struct bp_vm *v, enum bp_skip skip, struct bp_decision *d)
{
	static const char *why[] = {
		[BP_NO_DRIVER] = "no balloon driver in the guest",
		[BP_NO_STATS] = "the guest reports no memory statistics",
		[BP_STALE] = "the guest's memory statistics are stale",
		[BP_FIXED] = "its memory-min equals its memory: not ballooned automatically",
	};

	snprintf(d->reason, sizeof(d->reason), "%s: balloon left at %lluM (%s)", v->name,
		 (unsigned long long)d->from_mib, why[skip]);
}

static void reason_change(const struct bp_host *h, const struct bp_vm *v, const struct bp_work *w,
			  size_t n, size_t i, uint64_t demand, int host_short,
			  struct bp_decision *d)
{
	char a[16], b[16], c[16], e[16], names[160], why[400];
	uint64_t inside = w[i].cur > w[i].used ? w[i].cur - w[i].used : 0;

	bp_mib_text(d->from_mib, a, sizeof(a));
	bp_mib_text(d->to_mib, b, sizeof(b));
	if (!w[i].eligible) {
		snprintf(why, sizeof(why), "%s", d->to_mib < d->from_mib ? "above its maximum" :
			 "below its minimum");
	} else if (d->to_mib < d->from_mib) {
		names_of(v, w, n, i, names, sizeof(names));
		bp_mib_text(h->budget_mib, c, sizeof(c));
		bp_mib_text(demand > h->budget_mib ? demand - h->budget_mib : 0, e, sizeof(e));
		snprintf(why, sizeof(why), "%s %s exceeded by %s; %s had %lluM available inside%s%s%s",
			 host_short ? "host is short of memory, budget" : "host budget", c, e,
			 v[i].name, (unsigned long long)inside, names[0] ? "; " : "", names,
			 names[0] ? (strstr(names, " and ") ? " are under pressure" : " is under pressure") : "");
	} else if (w[i].swapping) {
		snprintf(why, sizeof(why), "%s is swapping: %.1fM/s swapped in, %.0f major faults/s",
			 v[i].name, w[i].swapin_mib_ps, w[i].majflt_ps);
	} else if (w[i].cur < v[i].min_mib || d->from_mib < v[i].min_mib) {
		snprintf(why, sizeof(why), "below its minimum");
	} else {
		snprintf(why, sizeof(why), "%s had only %lluM available inside, using %lluM",
			 v[i].name, (unsigned long long)inside, (unsigned long long)w[i].used);
	}
	snprintf(d->reason, sizeof(d->reason), "%s: balloon %s -> %s (%s)", v[i].name, a, b, why);
}

static int host_is_short(const struct bp_host *h, uint64_t *short_mib)
{
	*short_mib = 0;
	if (h->avail_mib != UINT64_MAX && h->avail_mib < h->low_mib)
		*short_mib = h->low_mib - h->avail_mib;
	return *short_mib > 0 || h->psi_some10 >= BP_HOST_PSI_PCT || h->swap_pages_ps > 0;
}

size_t balloon_policy_step(const struct bp_host *h, const struct bp_vm *vms,
			   struct bp_state *st, size_t n, int64_t now_ms,
			   struct bp_decision *out)
{
	struct bp_work *w = calloc(n ? n : 1, sizeof(*w));
	uint64_t sum_cur = 0, total_need = 0, short_mib, demand, taken = 0, pool;
	int64_t room;
	int host_short = host_is_short(h, &short_mib), any_need;
	size_t i, changes = 0;

	if (!w)
		return 0;
	for (i = 0; i < n; i++) {
		assess(&vms[i], &st[i], now_ms, &w[i]);
		sum_cur += w[i].cur;
		total_need += w[i].need;
	}
	any_need = total_need > 0;
	/* what the budget leaves; the host's own shortfall is taken on top */
	room = (int64_t)h->budget_mib - (int64_t)sum_cur;
	demand = sum_cur + total_need + short_mib;
	if ((int64_t)total_need > room || short_mib) {
		uint64_t want = ((int64_t)total_need > room ? (uint64_t)((int64_t)total_need - room) : 0) +
				short_mib;

		if (!host_short && !any_need && want > BP_GENTLE_MIN_MIB) {
			uint64_t half = (want + 1) / 2;

			want = half > BP_GENTLE_MIN_MIB ? half : BP_GENTLE_MIN_MIB;
		}
		taken = reclaim(w, n, want);
	}
	room += (int64_t)taken - (int64_t)short_mib;
	pool = room > 0 ? (uint64_t)room : 0;
	if (pool > total_need)
		pool = total_need;
	grant(w, vms, n, pool);

	for (i = 0; i < n; i++) {
		struct bp_decision *d = &out[i];
		uint64_t to = w[i].cur - w[i].take + w[i].give;

		memset(d, 0, sizeof(*d));
		d->id = vms[i].id;
		d->from_mib = vms[i].target_mib;
		d->skip = skip_of(&vms[i]);
		if (d->skip != BP_OK && d->skip != BP_FIXED && vms[i].balloon) {
			/* a target outside [min, max] is still put right */
			to = w[i].cur;
		} else if (d->skip != BP_OK) {
			to = d->from_mib;
		}
		if (to != d->from_mib && (to < vms[i].min_mib || to > vms[i].max_mib ||
					  d->from_mib < vms[i].min_mib || d->from_mib > vms[i].max_mib ||
					  (to > d->from_mib ? to - d->from_mib : d->from_mib - to) >=
					  BP_MIN_CHANGE_MIB)) {
			d->to_mib = to;
			reason_change(h, vms, w, n, i, demand, host_short, d);
			changes++;
		} else {
			d->to_mib = d->from_mib;
			if (d->skip != BP_OK)
				reason_skip(&vms[i], d->skip, d);
		}
	}
	free(w);
	return changes;
}
