/*
 * Jobs as the CLI shows them.  A job is read once from the API's JOB
 * object into struct cli_job, which job.progress and job.state events then
 * update (cli_job_apply); the progress line is computed from that model
 * alone.  The job table and the job info block read JOB objects directly,
 * with "-" for what is absent or null.  Time left is computed from the
 * rate when there is one (events carry no eta), else taken from eta_s.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/validate.h"

#include <stdlib.h>
#include <string.h>

#define BAR_MIN 10
#define BAR_MAX 40

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

void cli_job_read(struct cli_job *j, const json_t *job)
{
	memset(j, 0, sizeof(*j));
	j->id = jget_int(job, "id", json_is_integer(job) ? json_integer_value(job) : 0);
	copy(j->kind, sizeof(j->kind), jget_str(job, "kind", "job"));
	copy(j->target, sizeof(j->target), jget_str(job, "target", NULL));
	copy(j->state, sizeof(j->state), jget_str(job, "state", "queued"));
	copy(j->error, sizeof(j->error), jget_str(job, "error", NULL));
	j->done = jget_int(job, "done", 0);
	j->total = jget_int(job, "total", 0);
	j->rate = jget_num(job, "rate", -1);
	j->eta_s = jget_int(job, "eta_s", -1);
}

int cli_job_apply(struct cli_job *j, const json_t *ev)
{
	const char *kind = jget_str(ev, "event", "");

	if (jget_int(ev, "data.id", -1) != j->id)
		return 0;
	if (!strcmp(kind, "job.progress")) {
		long long done = jget_int(ev, "data.done", j->done);

		/* a tick queued before job.info answered is older than its figures */
		if (done < j->done)
			return 1;
		j->done = done;
		j->total = jget_int(ev, "data.total", j->total);
		j->rate = jget_num(ev, "data.rate", -1);
		j->eta_s = -1;
		return 1;
	}
	if (!strcmp(kind, "job.state")) {
		copy(j->state, sizeof(j->state), jget_str(ev, "data.state", j->state));
		copy(j->error, sizeof(j->error), jget_str(ev, "data.error", NULL));
		return 1;
	}
	return 0;
}

int cli_job_ended(const struct cli_job *j)
{
	return !strcmp(j->state, "done") || !strcmp(j->state, "failed") ||
	       !strcmp(j->state, "cancelled");
}

char *cli_format_left(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 3600)
		snprintf(buf, len, "%lld:%02lld", s / 60, s % 60);
	else
		snprintf(buf, len, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

/* Seconds left: from the rate, else what croftd estimated; -1 unknown. */
static long long seconds_left(const struct cli_job *j)
{
	if (j->rate > 0 && j->total > 0)
		return j->done >= j->total ? 0 : (long long)((double)(j->total - j->done) / j->rate + 0.999);
	return j->eta_s;
}

static int percent(const struct cli_job *j)
{
	if (j->total <= 0)
		return -1;
	if (j->done >= j->total)
		return 100;
	return (int)(j->done * 100 / j->total);
}

/* " 45%  4.5G/10G  120M/s  0:46 left", each part only when known. */
static void figures(const struct cli_job *j, char *buf, size_t len)
{
	char a[32], b[32], r[32], l[32];
	int pct = percent(j);
	long long left = seconds_left(j);
	size_t used = 0;

	buf[0] = '\0';
	if (pct >= 0)
		used += (size_t)snprintf(buf + used, len - used, " %3d%%  %s/%s", pct,
					 size_format((uint64_t)j->done, a, sizeof(a)),
					 size_format((uint64_t)j->total, b, sizeof(b)));
	else if (j->done > 0)
		used += (size_t)snprintf(buf + used, len - used, "  %s",
					 size_format((uint64_t)j->done, a, sizeof(a)));
	if (used < len && j->rate >= 0)
		used += (size_t)snprintf(buf + used, len - used, "  %s/s",
					 size_format((uint64_t)(j->rate + 0.5), r, sizeof(r)));
	if (used < len && left >= 0 && pct >= 0)
		snprintf(buf + used, len - used, "  %s left", cli_format_left(left, l, sizeof(l)));
}

void cli_format_progress(const struct cli_job *j, int width, char *buf, size_t len)
{
	char head[192], tail[160], bar[BAR_MAX + 1];
	int pct = percent(j), room, fill, i;

	snprintf(head, sizeof(head), "%s%s%s", j->kind, j->target[0] ? " " : "", j->target);
	if (strcmp(j->state, "running")) {
		snprintf(buf, len, "%s  %s", head, j->state);
	} else {
		figures(j, tail, sizeof(tail));
		room = width - 1 - (int)strlen(head) - (int)strlen(tail) - 3;
		if (pct < 0 || room < BAR_MIN) {
			snprintf(buf, len, "%s  running%s", head, tail);
		} else {
			if (room > BAR_MAX)
				room = BAR_MAX;
			fill = pct * room / 100;
			for (i = 0; i < room; i++)
				bar[i] = i < fill ? '#' : '.';
			bar[room] = '\0';
			snprintf(buf, len, "%s [%s]%s", head, bar, tail);
		}
	}
	/* never as wide as the terminal (a wrapped line cannot be redrawn):
	 * drop the figures that do not fit, or cut the line */
	if (width > 1 && strlen(buf) >= (size_t)width) {
		char *gap;

		buf[width - 1] = '\0';
		gap = strrchr(buf, ' ');
		while (gap && gap > buf + strlen(head) && gap[-1] != ' ')
			gap = memrchr(buf, ' ', (size_t)(gap - buf));
		if (gap && gap > buf + strlen(head))
			gap[-1] = '\0';
	}
}

/* "45% 4.5G/10G", "4.5G", or "-". */
static void progress_cell(const json_t *job, char *buf, size_t len)
{
	struct cli_job j;
	char a[32], b[32];
	int pct;

	cli_job_read(&j, job);
	pct = percent(&j);
	if (pct >= 0)
		snprintf(buf, len, "%d%% %s/%s", pct, size_format((uint64_t)j.done, a, sizeof(a)),
			 size_format((uint64_t)j.total, b, sizeof(b)));
	else if (j.done > 0)
		snprintf(buf, len, "%s", size_format((uint64_t)j.done, a, sizeof(a)));
	else
		snprintf(buf, len, "-");
}

static void rate_cell(const json_t *job, char *buf, size_t len)
{
	char r[32];

	if (jget_num(job, "rate", -1) < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/s",
			 size_format((uint64_t)(jget_num(job, "rate", 0) + 0.5), r, sizeof(r)));
}

static void ms_cell(const json_t *job, const char *key, const char *fmt, char *buf, size_t len)
{
	if (!json_is_integer(jget(job, key)))
		snprintf(buf, len, "-");
	else
		cli_format_time((time_t)(jget_int(job, key, 0) / 1000), fmt, buf, len);
}

static void job_row(const json_t *o, cli_row_t c)
{
	struct cli_job j;

	cli_job_read(&j, o);
	cli_int(o, "id", c[0], CLI_CELL);
	snprintf(c[1], CLI_CELL, "%s", cli_str(o, "kind"));
	snprintf(c[2], CLI_CELL, "%s", cli_str(o, "target"));
	snprintf(c[3], CLI_CELL, "%s", cli_str(o, "state"));
	progress_cell(o, c[4], CLI_CELL);
	rate_cell(o, c[5], CLI_CELL);
	cli_format_left(strcmp(j.state, "running") ? -1 : seconds_left(&j), c[6], CLI_CELL);
	snprintf(c[7], CLI_CELL, "%s", cli_str(o, "user"));
	ms_cell(o, "created_ms", "%Y-%m-%d %H:%M:%S", c[8], CLI_CELL);
}

void cli_format_job_list(FILE *f, const json_t *jobs)
{
	static const struct cli_col cols[] = {
		{ "ID", 1 }, { "KIND", 0 }, { "TARGET", 0 }, { "STATE", 0 }, { "PROGRESS", 1 },
		{ "RATE", 1 }, { "LEFT", 1 }, { "USER", 0 }, { "CREATED", 0 },
	};

	if (!json_array_size(jobs))
		fputs("No jobs. 'croft job list --all' also shows finished ones.\n", f);
	else
		cli_table(f, cols, 9, jobs, job_row);
}

void cli_format_job_info(FILE *f, const json_t *job)
{
	const json_t *result = jget_obj(job, "result");
	char buf[256], tmp[64];
	struct cli_job j;

	cli_job_read(&j, job);
	cli_kv(f, "id", cli_int(job, "id", tmp, sizeof(tmp)));
	cli_kv(f, "kind", cli_str(job, "kind"));
	cli_kv(f, "target", cli_str(job, "target"));
	cli_kv(f, "state", cli_str(job, "state"));
	if (*j.error)
		cli_kv(f, "error", j.error);
	progress_cell(job, buf, sizeof(buf));
	cli_kv(f, "progress", buf);
	rate_cell(job, buf, sizeof(buf));
	cli_kv(f, "rate", buf);
	cli_kv(f, "left", cli_format_left(strcmp(j.state, "running") ? -1 : seconds_left(&j),
					  buf, sizeof(buf)));
	if (json_is_integer(jget(job, "uid")))
		snprintf(buf, sizeof(buf), "%s (uid %s)", cli_str(job, "user"),
			 cli_int(job, "uid", tmp, sizeof(tmp)));
	else
		snprintf(buf, sizeof(buf), "%s", cli_str(job, "user"));
	cli_kv(f, "user", buf);
	ms_cell(job, "created_ms", "%Y-%m-%d %H:%M:%S %Z", buf, sizeof(buf));
	cli_kv(f, "created", buf);
	ms_cell(job, "started_ms", "%Y-%m-%d %H:%M:%S %Z", buf, sizeof(buf));
	cli_kv(f, "started", buf);
	ms_cell(job, "finished_ms", "%Y-%m-%d %H:%M:%S %Z", buf, sizeof(buf));
	cli_kv(f, "finished", buf);
	if (result) {
		char *text = json_dumps(result, JSON_COMPACT);

		cli_kv(f, "result", text ? text : "-");
		free(text);
	}
}
