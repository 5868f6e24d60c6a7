/*
 * bench/balloon_sim.c — croft's balloon policy (core/balloon_policy.c, the
 * real code) against a reimplementation of Proxmox's automatic ballooning
 * on the same input: a trace of what each guest uses, second by second.
 *
 * Input (stdin): a header line "budget MIB host MIB", one line per guest
 * "vm NAME MAX MIN", then one line per second "t USED1 USED2 ..." (MiB each
 * guest uses).  Every guest starts with its balloon at MAX.
 *
 * The world: a balloon moves toward its target at BALLOON_MIB_PS; a guest
 * reports statistics every second; a guest whose use exceeds what its
 * balloon leaves it is out of memory (counted once per second it lasts);
 * the host swaps what the guests have touched beyond the host's memory.
 *
 * croft: balloon_policy_step every 2 s.  Proxmox (pvestatd's
 * auto-ballooning, as documented): every 10 s, aim the host's used memory
 * at 80 % of its total; move each ballooned VM toward that by at most
 * 100 MiB per round, shrinking down to its minimum when over, growing back
 * up to its maximum when under, split by shares.
 *
 * Output: one line per policy, tab-separated: name, seconds from the
 * shortfall until the balloons fit the budget, MiB reclaimed per second
 * over that time, target changes, out-of-memory seconds, host swap
 * (MiB-seconds).
 */
#include "core/balloon_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXVM 16
#define MAXT 3600
#define BALLOON_MIB_PS 256.0
#define MIB (1024ULL * 1024ULL)

struct guest {
	char name[32];
	uint64_t max, min;
	double actual, target;
	double touched;                  /* the most it ever used: its RSS */
};

struct world {
	uint64_t budget, host;
	struct guest g[MAXVM];
	size_t n;
	unsigned used[MAXT][MAXVM];
	size_t nt;
};

struct result {
	double met_s, reclaim_ps;
	unsigned changes, oom_s;
	double swap_mib_s;
};

static int read_trace(struct world *w)
{
	char line[4096], *p, *end;
	size_t i;

	memset(w, 0, sizeof(*w));
	while (fgets(line, sizeof(line), stdin)) {
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
		} else if (!strncmp(line, "t ", 2) && w->nt < MAXT) {
			p = line + 2;
			for (i = 0; i < w->n; i++) {
				w->used[w->nt][i] = (unsigned)strtoul(p, &end, 10);
				if (end == p)
					return -1;
				p = end;
			}
			w->nt++;
		}
	}
	return w->n && w->nt ? 0 : -1;
}

static void reset(struct world *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		w->g[i].actual = w->g[i].target = (double)w->g[i].max;
		w->g[i].touched = 0;
	}
}

/* One second of the world: balloons move, guests use, OOM and swap. */
static void world_second(struct world *w, size_t t, struct result *r)
{
	double rss = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		struct guest *g = &w->g[i];
		double d = g->target - g->actual, u = w->used[t][i];

		if (d > BALLOON_MIB_PS)
			d = BALLOON_MIB_PS;
		if (d < -BALLOON_MIB_PS)
			d = -BALLOON_MIB_PS;
		g->actual += d;
		if (u > g->actual)
			r->oom_s++;
		if (u > g->touched)
			g->touched = u;
		/* a balloon takes touched pages back from the host */
		if (g->touched > g->actual)
			g->touched = g->actual;
		rss += g->touched;
	}
	if (rss > (double)w->host)
		r->swap_mib_s += rss - (double)w->host;
}

static double sum_actual(const struct world *w)
{
	double s = 0;
	size_t i;

	for (i = 0; i < w->n; i++)
		s += w->g[i].actual;
	return s;
}

static void croft_round(struct world *w, size_t t, struct bp_state *st, struct result *r)
{
	struct bp_host h = { .budget_mib = w->budget, .avail_mib = UINT64_MAX, .low_mib = 0,
			     .psi_some10 = 0, .swap_pages_ps = 0 };
	struct bp_vm v[MAXVM];
	struct bp_decision out[MAXVM];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < w->n; i++) {
		struct guest *g = &w->g[i];
		uint64_t u = w->used[t][i];

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
		/* MemTotal follows the balloon (no deflate-on-oom here) */
		v[i].total = (uint64_t)g->actual * MIB;
		v[i].available = (u < (uint64_t)g->actual ? (uint64_t)g->actual - u : 0) * MIB;
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

static void run(struct world *w, int croft, struct result *r)
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
		if (croft && t % 2 == 0)
			croft_round(w, t, st, r);
		if (!croft && t % 10 == 0)
			proxmox_round(w, r);
		world_second(w, t, r);
		if (r->met_s < 0 && sum_actual(w) <= (double)w->budget + 0.5) {
			r->met_s = (double)(t + 1);
			r->reclaim_ps = (start - sum_actual(w)) / r->met_s;
		}
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
	run(w, 1, &r);
	printf("croft\t%.0f\t%.0f\t%u\t%u\t%.0f\n", r.met_s, r.reclaim_ps, r.changes, r.oom_s,
	       r.swap_mib_s);
	run(w, 0, &r);
	printf("proxmox\t%.0f\t%.0f\t%u\t%u\t%.0f\n", r.met_s, r.reclaim_ps, r.changes, r.oom_s,
	       r.swap_mib_s);
	free(w);
	return 0;
}
