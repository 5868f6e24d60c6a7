/*
 * Calls that may take long (vm.start waits for QEMU, vm.shutdown for the
 * guest) and connecting itself run off the main loop: each action gets a
 * thread and its own API connection, makes one blocking call with a
 * timeout, and writes its own pointer to c->notify.  The main loop reads
 * the pointer, joins the thread, and applies the result: the status line
 * shows croftd's answer, every screen's done() hears of it (a screen
 * follows up on its own actions: a form closes or shows the refusal), and
 * every action is followed by a refresh, so a failure never leaves the
 * screen showing a state the server does not have.  Threads share
 * nothing with the main loop while they run; the action struct is handed
 * over whole through the pipe.
 */
#include "tui/console_screen.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct console_action {
	struct console_action *next;
	enum console_action_kind kind;
	char *op;
	json_t *args;            /* stolen by the call */
	json_t *sent;            /* a copy of args, for the screens' done() */
	char *socket;
	int timeout_ms;
	char *progress, *done;
	int notify_fd;
	pthread_t thread;
	/* filled by the thread */
	int rc;
	json_t *result;
	struct api_error err;
	struct api_client *client;   /* CACTION_CONNECT: the new connection */
	/* started when this one succeeds: {"op","args","progress","done"} */
	json_t *then;
};

static void *action_thread(void *p)
{
	struct console_action *a = p;
	struct api_client *api = NULL;
	json_t *args = a->args;
	ssize_t n;

	a->args = NULL;
	a->rc = api_client_connect(a->socket, &api, &a->err);
	if (a->rc == 0) {
		api_client_set_timeout(api, a->timeout_ms);
		a->rc = api_client_call(api, a->op, args, &a->result, NULL, &a->err);
		args = NULL;
		if (a->rc == 0 && a->kind == CACTION_CONNECT) {
			a->client = api;
			api = NULL;
		}
		api_client_close(api);
	}
	json_decref(args);
	do {
		n = write(a->notify_fd, &a, sizeof(a));
	} while (n < 0 && errno == EINTR);
	return NULL;
}

static void action_free(struct console_action *a)
{
	json_decref(a->args);
	json_decref(a->sent);
	json_decref(a->result);
	json_decref(a->then);
	api_client_close(a->client);
	free(a->op);
	free(a->socket);
	free(a->progress);
	free(a->done);
	free(a);
}

int console_action_start(struct console *c, enum console_action_kind kind, const char *op,
			 json_t *args, int timeout_ms, const char *progress, const char *done)
{
	struct console_action *a = xcalloc(1, sizeof(*a));
	sigset_t all, old;
	int r;

	a->kind = kind;
	a->op = xstrdup(op);
	/* a form's follow-up step rides along, never to croftd */
	if (args && json_object_get(args, "_then")) {
		a->then = json_incref(json_object_get(args, "_then"));
		json_object_del(args, "_then");
	}
	a->args = args;
	a->sent = args ? json_deep_copy(args) : NULL;
	a->socket = xstrdup(c->socket);
	a->timeout_ms = timeout_ms;
	a->progress = xstrdup_or_null(progress);
	a->done = xstrdup_or_null(done);
	a->notify_fd = c->notify[1];
	/* signals belong to the main thread (its self-pipe) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&a->thread, NULL, action_thread, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		if (progress)
			console_status(c, CSTATUS_ERROR, "%s: cannot start a thread: %s", progress,
				       strerror(r));
		action_free(a);
		return -r;
	}
	a->next = c->actions;
	c->actions = a;
	if (kind == CACTION_FORM)
		c->form_action = a;
	if (progress)
		console_status(c, CSTATUS_PROGRESS, "%s...", progress);
	return 0;
}

size_t console_actions_inflight(const struct console *c)
{
	const struct console_action *a;
	size_t n = 0;

	for (a = c->actions; a; a = a->next)
		if (a->kind != CACTION_CONNECT)
			n++;
	return n;
}

static void then_start(struct console *c, const json_t *then, int timeout_ms)
{
	console_action_start(c, CACTION_PLAIN, jget_str(then, "op", ""),
			     json_deep_copy(jget(then, "args")), timeout_ms,
			     jget_str(then, "progress", NULL), jget_str(then, "done", NULL));
}

void console_then_job(struct console *c, const json_t *data)
{
	const char *state = jget_str(data, "state", "");

	if (!c->then || jget_int(data, "id", 0) != c->then_job || !strcmp(state, "queued") ||
	    !strcmp(state, "running"))
		return;
	if (!strcmp(state, "done"))
		then_start(c, c->then, CONSOLE_CALL_TIMEOUT_MS * 6);
	json_decref(c->then);
	c->then = NULL;
	c->then_job = 0;
}

static void finish(struct console *c, struct console_action *a)
{
	struct console_done d = { a->op, a->sent, a->rc, a->result, &a->err };
	size_t i;

	if (a->kind == CACTION_CONNECT) {
		if (a->rc == 0) {
			console_connected(c, a->client);
			a->client = NULL;
		} else {
			console_connect_failed(c, a->rc, &a->err);
		}
		return;
	}
	if (a->rc == 0)
		console_status(c, CSTATUS_OK, "%s", a->done ? a->done : "Done");
	else
		console_status(c, CSTATUS_ERROR, "%s failed: %s", a->progress ? a->progress : a->op,
			       a->err.message[0] ? a->err.message : strerror(-a->rc));
	if (a->kind == CACTION_FORM && c->form_action == a) {
		c->form_action = NULL;
		console_form_result(c, a->rc == 0,
				    a->err.message[0] ? a->err.message : strerror(-a->rc));
	}
	for (i = 0; i < console_nscreens; i++)
		if (console_screens[i]->done)
			console_screens[i]->done(c, c->state[i], &d);
	if (a->rc == 0 && a->then && jget_int(a->result, "job.id", 0)) {
		/* what the op made exists once its job is done (console_then_job) */
		json_decref(c->then);
		c->then = json_incref(a->then);
		c->then_job = jget_int(a->result, "job.id", 0);
	} else if (a->rc == 0 && a->then) {
		then_start(c, a->then, a->timeout_ms);
	}
	/* re-read what the server has, whatever happened */
	c->need_refresh = 1;
}

void console_actions_collect(struct console *c)
{
	struct console_action *a, **pp;
	ssize_t n;

	while ((n = read(c->notify[0], &a, sizeof(a))) == (ssize_t)sizeof(a)) {
		pthread_join(a->thread, NULL);
		for (pp = &c->actions; *pp; pp = &(*pp)->next) {
			if (*pp == a) {
				*pp = a->next;
				break;
			}
		}
		finish(c, a);
		action_free(a);
		/* the next in flight keeps showing its progress */
		if (c->status_kind != CSTATUS_ERROR) {
			struct console_action *b;

			for (b = c->actions; b; b = b->next) {
				if (b->progress && b->kind != CACTION_CONNECT) {
					char last[sizeof(c->status)];

					snprintf(last, sizeof(last), "%s", c->status);
					console_status(c, CSTATUS_PROGRESS, "%s... (%s)", b->progress,
						       last);
					break;
				}
			}
		}
		c->dirty = 1;
	}
}
