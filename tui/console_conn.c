/*
 * The console's connection to croftd and the models read over it.
 *
 * The main connection is subscribed to events and only carries quick calls
 * (the refresh, vm.console); connecting itself runs as an action on its
 * own thread (console_action.c), so the UI never waits for croftd.  The
 * VMs and the host are re-read every CONSOLE_REFRESH_MS; an event makes
 * that happen at once, so a guest powering itself off or another admin's
 * action shows within a second without a key press.  When the connection
 * breaks the VM list stays as last known, greyed and marked (an empty
 * screen would look like every VM had gone), the status line says why, and a connect is retried every second; on
 * success the console subscribes again and refreshes.
 */
#include "tui/console_screen.h"
#include "tui/picker.h"
#include "common/json_get.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void console_connect(struct console *c)
{
	if (c->api || c->connecting)
		return;
	if (console_action_start(c, CACTION_CONNECT, "events.subscribe", NULL,
				 CONSOLE_CALL_TIMEOUT_MS, NULL, NULL) == 0)
		c->connecting = 1;
	else
		c->next_retry_ms = console_now_ms() + CONSOLE_RETRY_MS;
}

static void disconnect(struct console *c, const struct api_error *e)
{
	size_t i;

	api_client_close(c->api);
	c->api = NULL;
	snprintf(c->conn_error, sizeof(c->conn_error), "lost the connection to croftd (%s) - reconnecting",
		 e && e->message[0] ? e->message : "connection closed");
	/* the VMs stay, greyed, as last known (console_draw.c) */
	c->lost_at = time(NULL);
	chost_clear(&c->host);
	cmon_free(&c->mon);
	json_decref(c->memory);
	c->memory = NULL;
	c->next_retry_ms = console_now_ms();
	for (i = 0; i < console_nscreens; i++)
		if (console_screens[i]->tick)
			console_screens[i]->tick(c, c->state[i]);
	c->dirty = 1;
}

void console_connected(struct console *c, struct api_client *api)
{
	c->connecting = 0;
	c->api = api;
	c->conn_error[0] = '\0';
	console_status(c, CSTATUS_OK, "%s croftd at %s",
		       c->ever_connected ? "Reconnected to" : "Connected to", c->socket);
	c->ever_connected = 1;
	c->need_refresh = 1;
}

void console_connect_failed(struct console *c, int err, const struct api_error *e)
{
	c->connecting = 0;
	if (err == -ENOENT || err == -ECONNREFUSED)
		snprintf(c->conn_error, sizeof(c->conn_error),
			 "croftd is not running (cannot connect to %s: %s) - retrying",
			 c->socket, strerror(-err));
	else
		snprintf(c->conn_error, sizeof(c->conn_error), "cannot use croftd: %s - retrying",
			 e && e->message[0] ? e->message : strerror(-err));
	c->next_retry_ms = console_now_ms() + CONSOLE_RETRY_MS;
	c->dirty = 1;
}

int console_call(struct console *c, const char *op, json_t *args, json_t **result,
		 int *fd_out, struct api_error *e)
{
	int r;

	if (result)
		*result = NULL;
	if (fd_out)
		*fd_out = -1;
	if (!c->api) {
		json_decref(args);
		snprintf(e->code, sizeof(e->code), "connection");
		snprintf(e->message, sizeof(e->message), "%.500s",
			 c->conn_error[0] ? c->conn_error : "not connected to croftd");
		return -ENOTCONN;
	}
	r = api_client_call(c->api, op, args, result, fd_out, e);
	if (r < 0 && r != -EPROTO)
		disconnect(c, e);
	return r;
}

/* The monitor's figures (host.stats), with the last hour's history when
 * the Host screen shows it and it is CMON_HISTORY_MS old.  A croftd
 * without the monitor leaves the model empty. */
static void refresh_monitor(struct console *c, int64_t now)
{
	struct api_error e = { "", "" };
	int hist = console_screens[c->cur] == &console_screen_host &&
		   now - c->mon.hist_ms >= CMON_HISTORY_MS;
	json_t *stats = NULL;

	if (console_call(c, "host.stats", hist ? json_pack("{s:s}", "history", "1h") : NULL,
			 &stats, NULL, &e) < 0)
		return;
	cmon_update(&c->mon, stats);
	if (hist)
		cmon_history(&c->mon, jget_obj(stats, "history"), now);
	json_decref(stats);
	/* the Memory panel and the VM list's MEM column (a croftd without
	 * host.memory leaves them to host.stats) */
	if (console_screens[c->cur] == &console_screen_host ||
	    console_screens[c->cur] == &console_screen_vms) {
		json_t *mem = NULL;

		if (console_call(c, "host.memory", NULL, &mem, NULL, &e) == 0) {
			json_decref(c->memory);
			c->memory = mem;
		}
	}
}

/* Re-read the VMs and the host. */
static void refresh_model(struct console *c)
{
	struct api_error e = { "", "" };
	json_t *vms = NULL, *host = NULL;
	int64_t now = console_now_ms();
	size_t i;

	c->need_refresh = 0;
	c->next_refresh_ms = now + CONSOLE_REFRESH_MS;
	if (!c->api)
		return;
	if (console_call(c, "vm.list", NULL, &vms, NULL, &e) < 0) {
		if (c->api)
			console_status(c, CSTATUS_ERROR, "vm.list: %s", e.message);
		return;
	}
	cvm_model_update(&c->vms, jget_arr(vms, "vms"), now);
	json_decref(vms);
	if (console_call(c, "host.info", NULL, &host, NULL, &e) < 0) {
		if (c->api)
			console_status(c, CSTATUS_ERROR, "host.info: %s", e.message);
	} else {
		chost_update(&c->host, host);
		picker_set_state_dir(c->host.state_dir);
		json_decref(host);
	}
	refresh_monitor(c, now);
	for (i = 0; i < console_nscreens; i++)
		if (console_screens[i]->tick)
			console_screens[i]->tick(c, c->state[i]);
	c->dirty = 1;
}

/* An event: the models follow at once where they can, every screen hears
 * of it, and the models are re-read, except after job.progress, which
 * comes several times a second and changes nothing they hold. */
static void handle_event(struct console *c, json_t *ev)
{
	const char *kind = jget_str(ev, "event", "");
	size_t i;

	if (!strcmp(kind, "vm.state"))
		cvm_model_set_state(&c->vms, jget_str(ev, "data.name", ""),
				    jget_str(ev, "data.state", ""));
	if (!strcmp(kind, "job.state"))
		console_then_job(c, jget(ev, "data"));
	for (i = 0; i < console_nscreens; i++)
		if (console_screens[i]->event)
			console_screens[i]->event(c, c->state[i], ev);
	if (strcmp(kind, "job.progress"))
		c->need_refresh = 1;
	c->dirty = 1;
}

static void drain_events(struct console *c)
{
	while (c->api) {
		struct api_error e = { "", "" };
		json_t *ev = NULL;
		int r = api_client_next_event(c->api, &ev, 0, &e);

		if (r == 0)
			break;
		if (r < 0) {
			disconnect(c, &e);
			break;
		}
		handle_event(c, ev);
		json_decref(ev);
	}
}

void console_conn_service(struct console *c, int readable)
{
	int64_t now;

	if (c->api && (readable || api_client_pending_events(c->api)))
		drain_events(c);
	now = console_now_ms();
	if (!c->api && !c->connecting && now >= c->next_retry_ms)
		console_connect(c);
	if (c->api && (c->need_refresh || now >= c->next_refresh_ms))
		refresh_model(c);
}

int console_timeout(struct console *c, int max)
{
	int64_t now = console_now_ms(), due;

	if (c->need_refresh || (c->api && api_client_pending_events(c->api)))
		return 0;
	due = c->api ? c->next_refresh_ms : (c->connecting ? now + max : c->next_retry_ms);
	if (due <= now)
		return 0;
	return due - now < max ? (int)(due - now) : max;
}
