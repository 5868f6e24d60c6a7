/*
 * bench/balloon_sim.c — croft's balloon policy (core/balloon_policy.c, the
 * real code) against a reimplementation of Proxmox's automatic ballooning
 * on the same recorded inputs (bench/balloon_record.sh records them from
 * real TCG guests; bench/balloon_trace.txt is the committed recording).
 *
 * Input (stdin), lines starting with '#' are comments:
 *   budget MIB host MIB          the guests' budget; the host's memory
 *   vm NAME MAX MIN              one per guest, in column order
 *   speed inflate MIBPS deflate MIBPS
 *                                how fast one balloon moved, measured
 *                                with all the guests' moving at once
 *   t SEC AVAIL PSI SWIN SWOUT  then per guest USED TOTAL CACHES SWAPIN
 *                                MAJFLT ACTUAL ("-" for each when the
 *                                guest reported nothing that second)
 * A "t" line is a second of the recording: the host's MemAvailable (MiB),
 * memory pressure (some avg10, %) and swap pages in/out per second; per
 * guest what it used (MiB: the balloon's size less its MemAvailable, as
 * the policy computes it), its MemTotal, disk caches, swap-in (MiB/s) and
 * major faults per second, and the balloon's recorded size (not used:
 * each policy moves its own).  Every guest starts with its balloon at MAX.
 *
 * The world: a balloon moves toward its target at the recorded speeds; a
 * guest reports statistics every second (MemTotal as recorded, since the
 * balloon deflates on OOM and so does not shrink it; MemAvailable is what
 * the balloon leaves it less what it uses); a guest whose use exceeds
 * what its balloon leaves it is out of memory (counted once per second it
 * lasts); the host swaps what the guests have touched beyond the host's
 * memory, and its MemAvailable is what they leave of it.  Pressure and
 * swap rates are the recorded host's.
 *
 * croft: balloon_policy_step every 2 s.  Proxmox (pvestatd's
 * auto-ballooning, as documented): every 10 s, aim the host's used memory
 * at 80 % of its total; move each ballooned VM toward that by at most
 * 100 MiB per round, shrinking down to its minimum when over, growing back
 * up to its maximum when under, split by shares.
 *
 * Output: one line per policy, tab-separated: name, seconds from the
 * shortfall until the balloons fit the budget (to 0.1 s: balloons move in
 * tenths of a second; the trace's figures change by the second), MiB
 * reclaimed per second
 * over that time, target changes, out-of-memory seconds, host swap
 * (MiB-seconds).  A last line, "floor", is no policy: the fastest the
 * recorded balloons can give the shortfall (all of them asked at the
 * first second for equal parts, which they finish together).
 */
#include "core/balloon_policy.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXVM 16
#define MAXT 3600
#define MIB (1024ULL * 1024ULL)
#define SUBSTEPS 10                      /* balloons move in tenths of a second */

struct guest {
	char name[32];
	uint64_t max, min;
	double actual, target;
	double touched;                  /* the most it ever used: its RSS */
	uint64_t swap_in, majflt;        /* counters the guest reports */
};

/* One second of a guest, as recorded. */
struct gsec {
	double used, total, swapin_ps, majflt_ps;
	int known;
};

struct hsec {
	double psi, swap_ps;
};

struct world {
	uint64_t budget, host;
	double inflate_ps, deflate_ps;
	struct guest g[MAXVM];
	size_t n;
	struct gsec sec[MAXT][MAXVM];
	struct hsec host_sec[MAXT];
	size_t nt;
};

struct result {
	double met_s, reclaim_ps;
	unsigned changes, oom_s;
	double swap_mib_s;
};

/* One guest's six columns; "-" for each when it reported nothing (the
 * second before is carried on). */
static int read_guest(char **p, struct gsec *out, const struct gsec *prev)
{
	double v[6];
	char *end;
	int k;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '-') {
		for (k = 0; k < 6; k++) {
			while (**p == ' ' || **p == '\t')
				(*p)++;
			if (**p != '-')
				return -1;
			(*p)++;
		}
		if (prev)
			*out = *prev;
		return 0;
	}
	for (k = 0; k < 6; k++) {
		v[k] = strtod(*p, &end);
		if (end == *p)
			return -1;
		*p = end;
	}
	out->used = v[0];
	out->total = v[1];
	out->swapin_ps = v[3];
	out->majflt_ps = v[4];
	out->known = 1;
	return 0;
}

static int read_trace(struct world *w)
{
	char line[4096], *p, *end;
	size_t i;

	memset(w, 0, sizeof(*w));
	while (fgets(line, sizeof(line), stdin)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strncmp(line, "budget ", 7)) {
			unsigned long long b, h;

			if (sscanf(line, "budget %llu host %llu", &b, &h) != 2)
				return -1;
			w->budget = b;
			w->host = h;
		} else if (!strncmp(line, "vm ", 3) && w->n < MAXVM) {
			struct guest *g = &w->g[w->n++];
			unsigned long long mx, mn;

			if (sscanf(line, "vm %31s %llu %llu", g->name, &mx, &mn) != 3)
				return -1;
			g->max = mx;
			g->min = mn;
		} else if (!strncmp(line, "speed ", 6)) {
			if (sscanf(line, "speed inflate %lf deflate %lf", &w->inflate_ps,
				   &w->deflate_ps) != 2 || w->inflate_ps <= 0 || w->deflate_ps <= 0)
				return -1;
		} else if (!strncmp(line, "t ", 2) && w->nt < MAXT) {
			struct hsec *h = &w->host_sec[w->nt];
			double v[5];
			int k;

			p = line + 2;
			for (k = 0; k < 5; k++) {
				v[k] = strtod(p, &end);
				if (end == p)
					return -1;
				p = end;
			}
			h->psi = v[2];
			h->swap_ps = v[3] + v[4];
			for (i = 0; i < w->n; i++)
				if (read_guest(&p, &w->sec[w->nt][i],
					       w->nt ? &w->sec[w->nt - 1][i] : NULL) < 0)
					return -1;
			w->nt++;
		}
	}
	if (!w->n || !w->nt || w->inflate_ps <= 0)
		return -1;
	for (i = 0; i < w->n; i++)
		if (!w->sec[0][i].known)
			return -1;               /* every guest reports from the start */
	return 0;
}

static void reset(struct world *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		w->g[i].actual = w->g[i].target = (double)w->g[i].max;
		w->g[i].touched = 0;
		w->g[i].swap_in = w->g[i].majflt = 0;
	}
}

/* The guests' RSS (what they touched) or balloons (actual), summed. */
static double sum_guests(const struct world *w, size_t off)
{
	double sum = 0, v;
	size_t i;

	for (i = 0; i < w->n; i++) {
		memcpy(&v, (const char *)&w->g[i] + off, sizeof(v));
		sum += v;
	}
	return sum;
}

static double guests_rss(const struct world *w)
{
	return sum_guests(w, offsetof(struct guest, touched));
}

static double sum_actual(const struct world *w)
{
	return sum_guests(w, offsetof(struct guest, actual));
}

/* One second of the world: balloons move (in tenths, so the moment the
 * budget is met is known to 0.1 s), guests use, OOM and swap. */
static void world_second(struct world *w, size_t t, double start, struct result *r)
{
	double rss;
	size_t i, k;

	for (k = 0; k < SUBSTEPS; k++) {
		for (i = 0; i < w->n; i++) {
			struct guest *g = &w->g[i];
			double d = g->target - g->actual;

			if (d > w->deflate_ps / SUBSTEPS)
				d = w->deflate_ps / SUBSTEPS;
			if (d < -w->inflate_ps / SUBSTEPS)
				d = -w->inflate_ps / SUBSTEPS;
			g->actual += d;
		}
		if (r->met_s < 0 && sum_actual(w) <= (double)w->budget + 0.5) {
			r->met_s = (double)t + (double)(k + 1) / SUBSTEPS;
			r->reclaim_ps = (start - sum_actual(w)) / r->met_s;
		}
	}
	for (i = 0; i < w->n; i++) {
		struct guest *g = &w->g[i];
		const struct gsec *gs = &w->sec[t][i];
		double u = gs->used;

		if (u > g->actual)
			r->oom_s++;
		if (u > g->touched)
			g->touched = u;
		/* a balloon takes touched pages back from the host */
		if (g->touched > g->actual)
			g->touched = g->actual;
		g->swap_in += (uint64_t)(gs->swapin_ps * (double)MIB);
		g->majflt += (uint64_t)gs->majflt_ps;
	}
	rss = guests_rss(w);
	if (rss > (double)w->host)
		r->swap_mib_s += rss - (double)w->host;
}


static void croft_round(struct world *w, size_t t, struct bp_state *st, struct result *r)
{
	double rss = guests_rss(w);
	struct bp_host h = { .budget_mib = w->budget,
			     .avail_mib = rss < (double)w->host ? (uint64_t)((double)w->host - rss) : 0,
			     /* as croftd: short below half the host's reserve */
			     .low_mib = w->host > w->budget ? (w->host - w->budget) / 2 : 0,
			     .psi_some10 = w->host_sec[t].psi,
			     .swap_pages_ps = w->host_sec[t].swap_ps };
	struct bp_vm v[MAXVM];
	struct bp_decision out[MAXVM];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < w->n; i++) {
		struct guest *g = &w->g[i];
		const struct gsec *gs = &w->sec[t][i];
		double avail = g->actual - gs->used;

		v[i].id = (int64_t)i + 1;
		v[i].name = g->name;
		v[i].max_mib = g->max;
		v[i].min_mib = g->min;
		v[i].target_mib = (uint64_t)g->target;
		v[i].actual_mib = (uint64_t)g->actual;
		v[i].balloon = 1;
		v[i].shares = BP_SHARES_DEFAULT;
		v[i].stats = 1;
		v[i].stats_ms = (int64_t)t * 1000 + 1;
		/* MemTotal as recorded (deflate-on-oom: the balloon does not
		 * shrink it); MemAvailable what the balloon leaves less use */
		v[i].total = (uint64_t)(gs->total * (double)MIB);
		v[i].available = avail > 0 ? (uint64_t)(avail * (double)MIB) : 0;
		v[i].swap_in = g->swap_in;
		v[i].major_faults = g->majflt;
	}
	balloon_policy_step(&h, v, st, w->n, (int64_t)t * 1000 + 1, out);
	for (i = 0; i < w->n; i++) {
		if (out[i].to_mib != out[i].from_mib) {
			w->g[i].target = (double)out[i].to_mib;
			r->changes++;
		}
	}
}

/* Proxmox: host used aimed at 80 % of the host, 100 MiB per VM per round. */
static void proxmox_round(struct world *w, struct result *r)
{
	double goal = 0.8 * (double)w->host, used = sum_actual(w), diff = goal - used;
	size_t i, movable = 0;

	for (i = 0; i < w->n; i++)
		if ((diff < 0 && w->g[i].target > (double)w->g[i].min) ||
		    (diff > 0 && w->g[i].target < (double)w->g[i].max))
			movable++;
	if (!movable || (diff > -1 && diff < 1))
		return;
	for (i = 0; i < w->n; i++) {
		struct guest *g = &w->g[i];
		double step = diff / (double)movable, t;

		if (step > 100)
			step = 100;
		if (step < -100)
			step = -100;
		t = g->target + step;
		if (t < (double)g->min)
			t = (double)g->min;
		if (t > (double)g->max)
			t = (double)g->max;
		if ((int)t != (int)g->target) {
			g->target = t;
			r->changes++;
		}
	}
}

/* The floor no policy can beat on this recording: at the first second
 * every balloon is asked for an equal part of the shortfall (they move at
 * the same recorded speed, so equal parts finish together) and never
 * asked anything else. */
static void floor_round(struct world *w)
{
	double excess = sum_actual(w) - (double)w->budget;
	size_t i;

	for (i = 0; i < w->n && excess > 0; i++)
		w->g[i].target = w->g[i].actual - excess / (double)w->n;
}

enum who { CROFT, PROXMOX, FLOOR };

static void run(struct world *w, enum who who, struct result *r)
{
	struct bp_state st[MAXVM];
	double start;
	size_t t;

	memset(r, 0, sizeof(*r));
	memset(st, 0, sizeof(st));
	reset(w);
	start = sum_actual(w);
	r->met_s = -1;
	for (t = 0; t < w->nt; t++) {
		if (who == CROFT && t % 2 == 0)
			croft_round(w, t, st, r);
		if (who == PROXMOX && t % 10 == 0)
			proxmox_round(w, r);
		if (who == FLOOR && t == 0)
			floor_round(w);
		world_second(w, t, start, r);
	}
}

int main(void)
{
	struct world *w = calloc(1, sizeof(*w));
	struct result r;

	if (!w || read_trace(w) < 0) {
		fprintf(stderr, "balloon_sim: bad trace on stdin\n");
		return 2;
	}
	run(w, CROFT, &r);
	printf("croft\t%.1f\t%.0f\t%u\t%u\t%.0f\n", r.met_s, r.reclaim_ps, r.changes, r.oom_s,
	       r.swap_mib_s);
	run(w, PROXMOX, &r);
	printf("proxmox\t%.1f\t%.0f\t%u\t%u\t%.0f\n", r.met_s, r.reclaim_ps, r.changes, r.oom_s,
	       r.swap_mib_s);
	run(w, FLOOR, &r);
	printf("floor\t%.1f\t%.0f\t-\t-\t-\n", r.met_s, r.reclaim_ps);
	free(w);
	return 0;
}
