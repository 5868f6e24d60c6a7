/*
 * The monitor's commands: croft host stats, croft vm stats NAME (the live
 * figures, --history RANGE adds the consolidated history in --json) and
 * croft metrics (the Prometheus text croftd serves on /metrics).  The
 * human form prints what the sampler measured; "-" where it has no figure
 * yet (a first sample gives no rates).
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_HISTORY = 1 };

static const struct cli_opt stats_opts[] = {
	{ "--history", OPT_HISTORY, "RANGE" },
	{ NULL, 0, NULL },
};

static const char *const ranges[] = { "1h", "24h", "31d", "1y", NULL };

static int take_history(json_t *a, const char *opt, const char *val, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; ranges[i]; i++)
		if (!strcmp(val, ranges[i]))
			return cli_set_once(a, "history", json_string(val), opt, err, errlen);
	err_set(err, errlen, "%s must be 1h, 24h, 31d or 1y, not '%s'", opt, val);
	return -EINVAL;
}

static int take_vm_stats(struct cli_named *n, int key, const char *opt, const char *val, char *err,
			 size_t errlen)
{
	(void)key;
	return take_history(n->a, opt, val, err, errlen);
}

int cli_parse_vm_stats(const char *cmdname, int argc, char **argv, struct cli_opts *g,
		       json_t **args, char *err, size_t errlen)
{
	struct cli_named n = { .what = "VM", .key = "name", .opts = stats_opts,
			       .take = take_vm_stats };

	return cli_parse_named(&n, cmdname, argc, argv, g, args, err, errlen);
}

struct hparse {
	const char *cmdname;
	json_t *a;
};

static int take_host_stats(void *ctx, int key, const char *opt, const char *val, char *err,
			   size_t errlen)
{
	struct hparse *p = ctx;

	if (key == 0) {
		err_set(err, errlen, "unexpected argument '%s' for '%s'", val, p->cmdname);
		return -EINVAL;
	}
	return take_history(p->a, opt, val, err, errlen);
}

int cli_parse_host_stats(const char *cmdname, int argc, char **argv, struct cli_opts *g,
			 json_t **args, char *err, size_t errlen)
{
	struct hparse p = { cmdname, json_object() };
	int r = cli_scan_args(cmdname, argc, argv, g, stats_opts, take_host_stats, &p, err, errlen);

	if (r < 0) {
		json_decref(p.a);
		*args = NULL;
		return r;
	}
	*args = p.a;
	return 0;
}

/* --- printing ------------------------------------------------------------------ */

/* A figure or "-" when null/absent, with printf's precision and a unit. */
static const char *fig(char *buf, size_t len, const json_t *o, const char *path, const char *unit)
{
	const json_t *v = o;
	char *copy = xstrdup(path), *part, *save = NULL;

	for (part = strtok_r(copy, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_object_get(v, part);
	free(copy);
	if (!v || !json_is_number(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%s", json_number_value(v), unit);
	return buf;
}

/* 1536 -> "1.5G" from MiB. */
static const char *mib(char *buf, size_t len, double v)
{
	if (v >= 1024)
		snprintf(buf, len, "%.1fG", v / 1024);
	else
		snprintf(buf, len, "%.0fM", v);
	return buf;
}

/* bytes per second, "4.0 MB/s" */
static const char *rate(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	double d;

	if (!v || !json_is_number(v))
		return snprintf(buf, len, "-"), buf;
	d = json_number_value(v);
	if (d >= 1e9)
		snprintf(buf, len, "%.1f GB/s", d / 1e9);
	else if (d >= 1e6)
		snprintf(buf, len, "%.1f MB/s", d / 1e6);
	else if (d >= 1e3)
		snprintf(buf, len, "%.1f kB/s", d / 1e3);
	else
		snprintf(buf, len, "%.0f B/s", d);
	return buf;
}

static void print_alerts(FILE *f, const json_t *alerts)
{
	size_t i;
	json_t *a;

	if (!json_array_size(alerts)) {
		fprintf(f, "%-11s none\n", "Alerts");
		return;
	}
	json_array_foreach(alerts, i, a)
		fprintf(f, "%-11s %s: %s\n", i ? "" : "Alerts", jget_str(a, "level", "?"),
			jget_str(a, "message", ""));
}

void cli_format_host_stats(FILE *f, const json_t *s)
{
	char a[32], b[32], c[32], d[32], e[32];
	static const char *const psi[] = { "cpu", "memory", "io" };
	size_t i;

	fprintf(f, "%-11s %s  (user %s, system %s, iowait %s, steal %s)\n", "CPU",
		fig(a, sizeof(a), s, "cpu_pct", " %"), fig(b, sizeof(b), s, "cpu_modes_pct.user", ""),
		fig(c, sizeof(c), s, "cpu_modes_pct.system", ""),
		fig(d, sizeof(d), s, "cpu_modes_pct.iowait", ""),
		fig(e, sizeof(e), s, "cpu_modes_pct.steal", ""));
	{
		const json_t *l = jget_arr(s, "load");

		fprintf(f, "%-11s %.2f %.2f %.2f\n", "Load", json_number_value(json_array_get(l, 0)),
			json_number_value(json_array_get(l, 1)), json_number_value(json_array_get(l, 2)));
	}
	fprintf(f, "%-11s %s available of %s\n", "Memory",
		mib(a, sizeof(a), (double)jget_int(s, "memory.available_mib", 0)),
		mib(b, sizeof(b), (double)jget_int(s, "memory.total_mib", 0)));
	if (!jget_bool(s, "swap.configured", 0))
		fprintf(f, "%-11s no swap\n", "Swap");
	else
		fprintf(f, "%-11s %s used of %s, in %s out %s pages/s\n", "Swap",
			mib(a, sizeof(a), (double)jget_int(s, "swap.used_mib", 0)),
			mib(b, sizeof(b), (double)jget_int(s, "swap.total_mib", 0)),
			fig(c, sizeof(c), s, "swap.in_pages_per_s", ""),
			fig(d, sizeof(d), s, "swap.out_pages_per_s", ""));
	fprintf(f, "%-11s", "Pressure");
	for (i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "pressure.%s.some_avg10", psi[i]);
		fprintf(f, " %s %s", psi[i], fig(a, sizeof(a), s, path, "%"));
	}
	fprintf(f, "  (some, avg10)\n");
	if (jget_obj(s, "ksm"))
		fprintf(f, "%-11s run %lld, %lld pages sharing %lld\n", "KSM",
			jget_int(s, "ksm.run", 0), jget_int(s, "ksm.pages_sharing", 0),
			jget_int(s, "ksm.pages_shared", 0));
	if (jget_obj(s, "pool"))
		fprintf(f, "%-11s %s: %s allocated, %s free of %s\n", "Pool",
			jget_str(s, "pool.name", "default"),
			mib(a, sizeof(a), (double)jget_int(s, "pool.allocated_bytes", 0) / 1048576),
			mib(b, sizeof(b), (double)jget_int(s, "pool.available_bytes", 0) / 1048576),
			mib(c, sizeof(c), (double)jget_int(s, "pool.size_bytes", 0) / 1048576));
	print_alerts(f, json_object_get(s, "alerts"));
}

void cli_format_vm_stats(FILE *f, const json_t *s)
{
	char a[32], b[32], c[32], d[32];
	const json_t *v;
	size_t i;

	fprintf(f, "%-11s %s (%s)\n", "VM", jget_str(s, "name", "?"), jget_str(s, "state", "?"));
	if (!jget_bool(s, "running", 0)) {
		fprintf(f, "%-11s not running: no figures\n", "");
		return;
	}
	fprintf(f, "%-11s %s of one CPU, RSS %s\n", "CPU", fig(a, sizeof(a), s, "cpu_pct", " %"),
		mib(b, sizeof(b), (double)jget_int(s, "rss_mib", 0)));
	fprintf(f, "%-11s %s mean, %s max:", "Ready", fig(a, sizeof(a), s, "ready_pct", " %"),
		fig(b, sizeof(b), s, "ready_max_pct", " %"));
	json_array_foreach(json_object_get(s, "vcpus"), i, v)
		fprintf(f, " vcpu %lld %s", jget_int(v, "index", 0), fig(a, sizeof(a), v, "ready_pct", "%"));
	fputc('\n', f);
	fprintf(f, "%-11s max %s, balloon %s", "Memory",
		mib(a, sizeof(a), (double)jget_int(s, "memory.max_mib", 0)),
		jget_obj(s, "memory") && json_is_integer(json_object_get(jget_obj(s, "memory"), "balloon_mib"))
			? mib(b, sizeof(b), (double)jget_int(s, "memory.balloon_mib", 0)) : "-");
	if (jget_obj(s, "memory.guest")) {
		if (jget_bool(s, "memory.guest.stale", 0))
			fprintf(f, ", guest figures stale");
		else
			fprintf(f, ", guest uses %s of %s (%s available)",
				mib(c, sizeof(c), (double)jget_int(s, "memory.guest.used_mib", 0)),
				mib(d, sizeof(d), (double)jget_int(s, "memory.guest.total_mib", 0)),
				mib(a, sizeof(a), (double)jget_int(s, "memory.guest.available_mib", 0)));
	}
	fputc('\n', f);
	json_array_foreach(json_object_get(s, "disks"), i, v)
		fprintf(f, "%-11s %-8s read %s write %s, latency %s / %s\n", i ? "" : "Disks",
			jget_str(v, "device", "?"), rate(a, sizeof(a), v, "read_bytes_per_s"),
			rate(b, sizeof(b), v, "write_bytes_per_s"),
			fig(c, sizeof(c), v, "read_latency_ms", " ms"),
			fig(d, sizeof(d), v, "write_latency_ms", " ms"));
	json_array_foreach(json_object_get(s, "nics"), i, v)
		fprintf(f, "%-11s %-8s rx %s tx %s, drops %lld / %lld\n", i ? "" : "NICs",
			jget_str(v, "interface", "?"), rate(a, sizeof(a), v, "rx_bytes_per_s"),
			rate(b, sizeof(b), v, "tx_bytes_per_s"), jget_int(v, "rx_drops", 0),
			jget_int(v, "tx_drops", 0));
	print_alerts(f, json_object_get(s, "alerts"));
}

int cli_run_host_stats(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_host_stats);
}

int cli_run_vm_stats(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_vm_stats);
}

int cli_run_metrics(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	json_t *res = NULL;
	int status = cli_call_once(ctx, cmd->op, args, &res, 0);

	if (status != CLI_EXIT_OK)
		return status;
	if (ctx->opts.json)
		cli_print_json(ctx->out, res);
	else
		fputs(jget_str(res, "text", ""), ctx->out);
	json_decref(res);
	return CLI_EXIT_OK;
}
