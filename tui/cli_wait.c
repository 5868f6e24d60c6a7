/*
 * Following a job to its end (cli.h, "cli_wait.c").  The order closes the
 * race between an op's reply and the subscription: subscribe first, then
 * read the job with job.info; anything that happens after the
 * subscription arrives as an event, and anything before it is in
 * job.info's answer.  Events queued while job.info was answered may be
 * older than its figures; cli_job_apply() ignores progress that goes
 * backwards.
 *
 * The wait is a loop of api_client_next_event() with a short timeout, so
 * that Ctrl-C (a SIGINT handler that only sets a flag, installed for the
 * wait) is noticed within a tick, and so that the bar is redrawn at most
 * every REDRAW_MS.  The bar is one line on ctx->err, redrawn in place
 * ("\r", the line, erase to its end) and erased when the wait ends, so
 * what the command prints next starts on a clean line.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/proto.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define REDRAW_MS 100
#define TICK_MS 100
#define DEFAULT_WIDTH 80

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int term_width(FILE *f)
{
	struct winsize ws;
	int fd = fileno(f);

	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return DEFAULT_WIDTH;
}

struct bar {
	struct cli_ctx *ctx;
	int shown;               /* a line is on the terminal */
	int64_t drawn_ms;
};

static void bar_draw(struct bar *b, const struct cli_job *j, int force)
{
	char line[512];
	int64_t now;

	if (!b->ctx->tty)
		return;
	now = b->ctx->clock_ms ? b->ctx->clock_ms() : mono_ms();
	if (b->shown && !force && now - b->drawn_ms < REDRAW_MS)
		return;
	cli_format_progress(j, term_width(b->ctx->err), line, sizeof(line));
	fprintf(b->ctx->err, "\r%s\033[K", line);
	fflush(b->ctx->err);
	b->shown = 1;
	b->drawn_ms = now;
}

static void bar_erase(struct bar *b)
{
	if (!b->shown)
		return;
	fputs("\r\033[K", b->ctx->err);
	fflush(b->ctx->err);
	b->shown = 0;
}

/* Subscribe and read the job.  An exit status. */
static int start(struct cli_ctx *ctx, struct api_client *c, long long id, struct cli_job *j)
{
	json_t *res = NULL;
	int status;

	status = cli_call(ctx, c, "events.subscribe", NULL, NULL, NULL);
	if (status != CLI_EXIT_OK)
		return status;
	status = cli_call(ctx, c, "job.info", json_pack("{s:I}", "id", (json_int_t)id), &res, NULL);
	if (status != CLI_EXIT_OK)
		return status;
	cli_job_read(j, res);
	j->id = id;
	json_decref(res);
	return CLI_EXIT_OK;
}

/* Follow events until the job ends, Ctrl-C, or the connection ends. */
static int follow(struct cli_ctx *ctx, struct api_client *c, struct cli_job *j, struct bar *b)
{
	struct api_error e = { "", "" };
	char state[sizeof(j->state)];
	json_t *ev;
	int r;

	while (!cli_job_ended(j)) {
		bar_draw(b, j, 0);
		if (interrupted) {
			bar_erase(b);
			return cli_error(ctx, CLI_EXIT_INTERRUPTED, "interrupted",
					 "stopped waiting; job %lld keeps running (cancel it with: "
					 "croft job cancel %lld)", j->id, j->id);
		}
		r = api_client_next_event(c, &ev, TICK_MS, &e);
		if (r < 0) {
			bar_erase(b);
			return cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection",
					 "%s while waiting for job %lld (see: croft job info %lld)",
					 e.message[0] ? e.message : strerror(-r), j->id, j->id);
		}
		if (r == 0)
			continue;
		snprintf(state, sizeof(state), "%s", j->state);
		if (cli_job_apply(j, ev) && strcmp(state, j->state))
			bar_draw(b, j, 1);
		json_decref(ev);
	}
	bar_erase(b);
	return CLI_EXIT_OK;
}

int cli_job_wait(struct cli_ctx *ctx, struct api_client *c, long long id, struct cli_job *out)
{
	struct sigaction sa, old;
	struct bar b = { ctx, 0, 0 };
	struct cli_job j;
	int status;

	memset(&j, 0, sizeof(j));
	j.id = id;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	status = start(ctx, c, id, &j);
	if (status == CLI_EXIT_OK)
		status = follow(ctx, c, &j, &b);
	sigaction(SIGINT, &old, NULL);
	if (out)
		*out = j;
	if (status != CLI_EXIT_OK)
		return status;
	if (!strcmp(j.state, "failed"))
		return cli_error(ctx, CLI_EXIT_ERROR, "job_failed", "%s",
				 *j.error ? j.error : "the job failed without saying why");
	if (!strcmp(j.state, "cancelled"))
		return cli_error(ctx, CLI_EXIT_ERROR, "job_cancelled", "job %lld (%s%s%s) was cancelled",
				 j.id, j.kind, *j.target ? " " : "", j.target);
	return CLI_EXIT_OK;
}

int cli_job_follow(struct cli_ctx *ctx, struct api_client *c, const json_t *reply,
		   enum cli_job_how *how)
{
	const json_t *job = jget(reply, "job");
	struct cli_job j;

	*how = CLI_JOB_NONE;
	if (!json_is_object(job) && !json_is_integer(job))
		return CLI_EXIT_OK;
	cli_job_read(&j, job);
	if (ctx->opts.no_wait) {
		*how = CLI_JOB_DETACHED;
		if (ctx->opts.json)
			cli_print_json(ctx->out, reply);
		else
			fprintf(ctx->out, "%lld\n", j.id);
		return CLI_EXIT_OK;
	}
	*how = CLI_JOB_DONE;
	return cli_job_wait(ctx, c, j.id, NULL);
}

int cli_call_follow(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
		    struct api_client **c, json_t **res, enum cli_job_how *how)
{
	int status;

	*c = NULL;
	*res = NULL;
	*how = CLI_JOB_NONE;
	status = cli_connect(ctx, c);
	if (status == CLI_EXIT_OK)
		status = cli_call(ctx, *c, cmd->op, json_incref(args), res, NULL);
	if (status == CLI_EXIT_OK)
		status = cli_job_follow(ctx, *c, *res, how);
	return status;
}
