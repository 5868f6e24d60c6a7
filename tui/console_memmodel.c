/*
 * The Memory panel's lines (console_memmodel.h).
 */
#include "tui/console_memmodel.h"
#include "common/json_get.h"

#include <stdio.h>
#include <string.h>

static char *mib(char *buf, size_t len, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	long long m = (long long)json_integer_value(v);

	if (!json_is_integer(v))
		snprintf(buf, len, "-");
	else if (m >= 1024)
		snprintf(buf, len, "%.1fG", (double)m / 1024.0);
	else
		snprintf(buf, len, "%lldM", m);
	return buf;
}

size_t cmem_lines(const json_t *mem, struct cmem_line *out, size_t max)
{
	char a[32], b[32], c[32], d[32], e[32], f[32];
	const json_t *vm;
	size_t n = 0, i;

	if (!mem || !max)
		return 0;
	memset(out, 0, max * sizeof(*out));
	snprintf(out[n].label, sizeof(out[n].label), "Budget");
	snprintf(out[n].text, sizeof(out[n].text), "%s for guests (%s), running guests' targets %s, "
		 "minimums %s; balloon policy %s",
		 mib(a, sizeof(a), mem, "budget_mib"), jget_str(mem, "budget_source", "?"),
		 mib(b, sizeof(b), mem, "guests_target_mib"), mib(c, sizeof(c), mem, "guests_min_mib"),
		 jget_str(mem, "balloon", "?"));
	out[n].warn = jget_int(mem, "guests_target_mib", 0) > jget_int(mem, "budget_mib", 0);
	n++;
	if (n < max && jget_bool(mem, "ksm.known", 0)) {
		snprintf(out[n].label, sizeof(out[n].label), "KSM");
		snprintf(out[n].text, sizeof(out[n].text), "%s, %s, %lld pages shared, %s saved",
			 jget_str(mem, "ksm.mode", "?"), jget_int(mem, "ksm.run", 0) == 1 ? "running" : "idle",
			 jget_int(mem, "ksm.pages_shared", 0),
			 mib(a, sizeof(a), json_object_get(mem, "ksm"), "saved_mib"));
		n++;
	}
	json_array_foreach(json_object_get(mem, "vms"), i, vm) {
		const char *last = jget_str(vm, "last_decision", NULL), *stats = jget_str(vm, "stats", "-");

		if (n >= max)
			break;
		if (strcmp(jget_str(vm, "state", ""), "running"))
			continue;
		snprintf(out[n].label, sizeof(out[n].label), "%s", jget_str(vm, "name", "?"));
		snprintf(out[n].text, sizeof(out[n].text),
			 "balloon %s (target %s) of %s, min %s; guest uses %s, host RSS %s%s%s%s%s",
			 mib(a, sizeof(a), vm, "actual_mib"), mib(b, sizeof(b), vm, "target_mib"),
			 mib(c, sizeof(c), vm, "memory_mib"), mib(d, sizeof(d), vm, "memory_min_mib"),
			 mib(e, sizeof(e), vm, "guest_used_mib"), mib(f, sizeof(f), vm, "rss_mib"),
			 strcmp(stats, "ok") ? "; statistics: " : "", strcmp(stats, "ok") ? stats : "",
			 last ? "; last: " : "", last ? (strchr(last, '(') ? strchr(last, '(') : last) : "");
		out[n].warn = !strcmp(stats, "stale");
		n++;
	}
	return n;
}
