/*
 * croft host memory: the memory budget, what each VM has of it (its
 * maximum, minimum, shares, the balloon's target and actual size, what the
 * guest uses, QEMU's RSS) and the balloon policy's last decision for each,
 * and what KSM shares.  --json prints host.memory's answer.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <stdio.h>
#include <string.h>

/* "1.5G", "512M", "-" for null */
static char *mib_text(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	long long m;

	if (!json_is_integer(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	m = (long long)json_integer_value(v);
	if (m >= 1024)
		snprintf(buf, len, "%.1fG", (double)m / 1024.0);
	else
		snprintf(buf, len, "%lldM", m);
	return buf;
}

void cli_format_host_memory(FILE *f, const json_t *s)
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	int header = 0;
	const json_t *vms = jget_arr(s, "vms"), *vm;
	size_t i;

	fprintf(f, "%-11s %s (%s), reserve %s, balloon policy %s every %lld ms\n", "Budget",
		mib_text(a, sizeof(a), s, "budget_mib"), jget_str(s, "budget_source", "?"),
		mib_text(b, sizeof(b), s, "reserve_mib"), jget_str(s, "balloon", "?"),
		jget_int(s, "interval_ms", 0));
	fprintf(f, "%-11s %s available of %s; running guests' targets %s, minimums %s\n", "Host",
		mib_text(a, sizeof(a), s, "host_available_mib"), mib_text(b, sizeof(b), s, "host_total_mib"),
		mib_text(c, sizeof(c), s, "guests_target_mib"), mib_text(d, sizeof(d), s, "guests_min_mib"));
	if (jget_bool(s, "ksm.known", 0))
		fprintf(f, "%-11s %s (run %lld), %lld pages shared, %lld sharing, %s saved\n", "KSM",
			jget_str(s, "ksm.mode", "?"), jget_int(s, "ksm.run", 0),
			jget_int(s, "ksm.pages_shared", 0), jget_int(s, "ksm.pages_sharing", 0),
			mib_text(a, sizeof(a), json_object_get(s, "ksm"), "saved_mib"));
	else
		fprintf(f, "%-11s not available on this kernel\n", "KSM");
	fprintf(f, "\n%-16s %-8s %7s %7s %6s %7s %7s %7s %7s %-9s\n", "NAME", "STATE", "MAX", "MIN",
		"SHARES", "TARGET", "ACTUAL", "USED", "RSS", "STATS");
	json_array_foreach(vms, i, vm) {
		fprintf(f, "%-16s %-8s %7s %7s %6lld %7s %7s %7s %7s %-9s\n", jget_str(vm, "name", "?"),
			jget_str(vm, "state", "?"), mib_text(a, sizeof(a), vm, "memory_mib"),
			mib_text(b, sizeof(b), vm, "memory_min_mib"), jget_int(vm, "memory_shares", 0),
			mib_text(c, sizeof(c), vm, "target_mib"), mib_text(d, sizeof(d), vm, "actual_mib"),
			mib_text(e, sizeof(e), vm, "guest_used_mib"), mib_text(g, sizeof(g), vm, "rss_mib"),
			jget_str(vm, "stats", "-"));
	}
	json_array_foreach(vms, i, vm) {
		const char *last = jget_str(vm, "last_decision", NULL);

		if (last)
			fprintf(f, "%s%s\n", header++ ? "" : "\nLast decisions:\n", last);
	}
}

int cli_run_host_memory(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	return cli_run_show(ctx, cmd, args, NULL, cli_format_host_memory);
}
