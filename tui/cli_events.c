/*
 * croft events: the persisted history from a point in time (--since), then
 * the live events, one per line (the event object itself with --json),
 * flushed after each line so the output can feed a pipe, until croftd
 * goes away.
 *
 * History and live events meet without a gap or a duplicate: the
 * connection subscribes first (croftd answers the newest seq so far,
 * last_seq) and then reads the history with events.list, which may
 * already hold events published after the subscription.  Those, and only
 * those, are also delivered live; their seqs are kept (sorted, since the
 * history is oldest first) and a live event with one of them is skipped.
 * Live events that are never persisted (job.progress) are not in the
 * history, so they are never skipped.
 */
#include "tui/cli.h"
#include "common/json_get.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HISTORY_MAX 10000          /* events.list's largest limit */

struct seen {
	long long *seq;          /* ascending */
	size_t n;
};

static int cmp_seq(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int seen_has(const struct seen *s, long long seq)
{
	return s->n && bsearch(&seq, s->seq, s->n, sizeof(*s->seq), cmp_seq) != NULL;
}

/* Print one event; CLI_EXIT_ERROR when the output is gone (a closed pipe). */
static int show(struct cli_ctx *ctx, const json_t *ev)
{
	if (ctx->opts.json)
		cli_print_json(ctx->out, ev);
	else
		cli_format_event(ctx->out, ev, time(NULL));
	if (fflush(ctx->out) != 0 || ferror(ctx->out))
		return CLI_EXIT_ERROR;
	return CLI_EXIT_OK;
}

/* The history since args.since_ms, printed; the seqs after last_seq go to
 * *seen.  An exit status. */
static int history(struct cli_ctx *ctx, struct api_client *c, const json_t *args,
		   long long last_seq, struct seen *seen)
{
	json_t *res = NULL, *q;
	const json_t *evs;
	size_t i;
	int status;

	q = json_pack("{s:I, s:i}", "since_ms", (json_int_t)jget_int(args, "since_ms", 0),
		      "limit", HISTORY_MAX);
	status = cli_call(ctx, c, "events.list", q, &res, NULL);
	if (status != CLI_EXIT_OK)
		return status;
	evs = jget_arr(res, "events");
	if (json_array_size(evs) == HISTORY_MAX)
		fprintf(ctx->err, "croft: note: only the newest %d events since then are shown\n",
			HISTORY_MAX);
	seen->seq = calloc(json_array_size(evs) + 1, sizeof(*seen->seq));
	if (!seen->seq) {
		json_decref(res);
		return cli_error(ctx, CLI_EXIT_ERROR, "internal", "out of memory");
	}
	for (i = 0; i < json_array_size(evs) && status == CLI_EXIT_OK; i++) {
		const json_t *ev = json_array_get(evs, i);
		long long seq = jget_int(ev, "seq", 0);

		if (seq > last_seq)
			seen->seq[seen->n++] = seq;
		status = show(ctx, ev);
	}
	qsort(seen->seq, seen->n, sizeof(*seen->seq), cmp_seq);
	json_decref(res);
	return status;
}

static int follow(struct cli_ctx *ctx, struct api_client *c, const struct seen *seen)
{
	struct api_error e = { "", "" };
	json_t *ev;
	int r, status = CLI_EXIT_OK;

	while (status == CLI_EXIT_OK) {
		r = api_client_next_event(c, &ev, -1, &e);
		if (r < 0)
			return cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection",
					 "%s", e.message[0] ? e.message : strerror(-r));
		if (r == 0)
			continue;
		if (!seen_has(seen, jget_int(ev, "seq", 0)))
			status = show(ctx, ev);
		json_decref(ev);
	}
	return status;
}

int cli_run_events(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args)
{
	struct api_client *c = NULL;
	struct seen seen = { NULL, 0 };
	json_t *res = NULL;
	long long last_seq = 0;
	int status, follow_live = !ctx->opts.no_follow;

	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	if (follow_live) {
		status = cli_call(ctx, c, cmd->op, NULL, &res, NULL);
		last_seq = jget_int(res, "last_seq", 0);
		json_decref(res);
	}
	if (status == CLI_EXIT_OK && jget(args, "since_ms"))
		status = history(ctx, c, args, last_seq, &seen);
	if (status == CLI_EXIT_OK && follow_live)
		status = follow(ctx, c, &seen);
	free(seen.seq);
	api_client_close(c);
	return status;
}
