/*
 * The guest agent client: one conversation at a time per VM, each on a
 * fresh non-blocking connection to agent.sock, watched on croftd's loop
 * with a deadline and a read budget (vm_agent.h).  The requests (the sync
 * and every command) are written at once: they are a few hundred bytes on
 * a new connection's empty buffer, so a short write is an error, not a
 * reason to wait.  The agent answers them in order.
 */
#include "core/vm_agent.h"
#include "core/vm.h"
#include "core/daemon.h"
#include "core/vm_spawn.h"
#include "core/vm_uid.h"
#include "core/qmp.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define AGENT_READ_CHUNK 16384
#define AGENT_READS_PER_WAKEUP 4

struct vm_agent_conv {
	struct vm *vm;
	int fd;
	struct agent_rx rx;
	uint32_t sync_id;
	int synced;
	size_t n;                    /* commands sent */
	int last_noreply;            /* the last one is guest-shutdown: no reply */
	json_t *names;               /* the commands, for messages */
	json_t *results;
	size_t got;                  /* bytes read so far */
	unsigned timeout_ms;
	struct loop_timer *timer;
	vm_agent_cb cb;
	void *data;
	char err[512];
};

const char *const vm_agent_info_cmds[] = {
	"guest-info", "guest-get-osinfo", "guest-get-host-name", "guest-network-get-interfaces",
};

static uint32_t next_sync_id;

static void conv_free(struct vm_agent_conv *c)
{
	struct loop *l = c->vm->d->loop;

	if (c->timer)
		loop_timer_cancel(l, c->timer);
	if (c->fd >= 0) {
		loop_del(l, c->fd);
		close(c->fd);
	}
	agent_rx_clear(&c->rx);
	if (c->results)
		json_decref(c->results);
	if (c->names)
		json_decref(c->names);
	free(c);
}

/* End the conversation: rc and (for rc < 0) c->err go to its callback. */
static void conv_end(struct vm_agent_conv *c, int rc)
{
	struct vm *vm = c->vm;

	vm->agent_conv = NULL;
	if (rc < 0)
		log_debug("VM %s: guest agent: %s", vm->spec.name, c->err);
	if (c->cb)
		c->cb(vm, rc, rc < 0 ? NULL : c->results, rc < 0 ? c->err : NULL, c->data);
	conv_free(c);
}

/* One line from the agent: 0 to read on, 1 when the conversation is over
 * (c->err set for a failure, c->got set to SIZE_MAX on success). */
static int conv_line(const char *line, size_t len, void *arg)
{
	struct vm_agent_conv *c = arg;
	struct agent_reply r;
	char why[256], cls[64], desc[200];

	if (agent_parse_reply(line, len, &r, why, sizeof(why)) < 0) {
		err_set(c->err, sizeof(c->err), "%s", why);
		return 1;
	}
	if (!c->synced) {
		/* Anything before the answer to our sync is stale. */
		c->synced = agent_reply_is_sync(&r, c->sync_id);
		agent_reply_clear(&r);
		if (c->synced && c->last_noreply && c->n == 1) {
			c->got = SIZE_MAX;
			return 1;
		}
		return 0;
	}
	if (!r.ret) {
		agent_text(cls, sizeof(cls), r.err_class);
		agent_text(desc, sizeof(desc), r.err_desc);
		err_set(c->err, sizeof(c->err), "the guest agent refused %s: %s: %s",
			json_string_value(json_array_get(c->names, json_array_size(c->results))),
			cls, desc);
		agent_reply_clear(&r);
		return 1;
	}
	json_array_append(c->results, r.ret);
	agent_reply_clear(&r);
	if (json_array_size(c->results) == c->n - (size_t)c->last_noreply) {
		c->got = SIZE_MAX;
		return 1;
	}
	return 0;
}

static void conv_readable(struct loop *l, int fd, uint32_t events, void *data)
{
	struct vm_agent_conv *c = data;
	char buf[AGENT_READ_CHUNK];
	int i, r;

	(void)l;
	(void)events;
	for (i = 0; i < AGENT_READS_PER_WAKEUP; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			err_set(c->err, sizeof(c->err), "cannot read from the guest agent socket: %s",
				strerror(errno));
			conv_end(c, -EIO);
			return;
		}
		if (n == 0) {
			err_set(c->err, sizeof(c->err), "QEMU closed the guest agent socket");
			conv_end(c, -EIO);
			return;
		}
		c->got += (size_t)n;
		if (c->got > VM_AGENT_READ_MAX) {
			err_set(c->err, sizeof(c->err), "the guest agent sent more than %d KiB; "
				"not reading more", VM_AGENT_READ_MAX / 1024);
			conv_end(c, -EMSGSIZE);
			return;
		}
		r = agent_rx_feed(&c->rx, buf, (size_t)n, conv_line, c);
		if (r == -EMSGSIZE) {
			err_set(c->err, sizeof(c->err), "the guest agent sent a line longer than "
				"%d KiB", AGENT_LINE_MAX / 1024);
			conv_end(c, -EMSGSIZE);
			return;
		}
		if (r) {
			conv_end(c, c->got == SIZE_MAX ? 0 : -EPROTO);
			return;
		}
	}
}

static void conv_timeout(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm_agent_conv *c = data;

	(void)l;
	(void)t;
	c->timer = NULL;
	if (!c->synced)
		err_set(c->err, sizeof(c->err), "no guest agent answered in VM '%s' within %u s "
			"(is qemu-guest-agent installed and running in the guest?)",
			c->vm->spec.name, c->timeout_ms / 1000);
	else
		err_set(c->err, sizeof(c->err), "the guest agent of VM '%s' answered %zu of %zu "
			"commands within %u s", c->vm->spec.name, json_array_size(c->results), c->n,
			c->timeout_ms / 1000);
	conv_end(c, -ETIMEDOUT);
}

static int conv_write(int fd, const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s);
	ssize_t n = write(fd, s, len);

	if (n == (ssize_t)len)
		return 0;
	err_set(err, errlen, "cannot write to the guest agent socket: %s",
		n < 0 ? strerror(errno) : "its buffer is full");
	return n < 0 ? -errno : -EAGAIN;
}

int vm_agent_run(struct vm *vm, const char *const *cmds, json_t *const *args, size_t n,
		 unsigned timeout_ms, vm_agent_cb cb, void *data, char *err, size_t errlen)
{
	struct vm_agent_conv *c;
	char *path, *line;
	size_t i;
	int fd, r;

	if (!vm->spec.agent) {
		err_set(err, errlen, "VM '%s' has no guest agent channel (it was turned off with "
			"--agent off)", vm->spec.name);
		return -EOPNOTSUPP;
	}
	if (vm->state != VM_RUNNING && vm->state != VM_PAUSED && vm->state != VM_SHUTTING_DOWN) {
		err_set(err, errlen, "VM '%s' is %s; its guest agent answers only while it runs",
			vm->spec.name, vm_state_name(vm->state));
		return -ENOTCONN;
	}
	if (vm->agent_conv) {
		err_set(err, errlen, "the guest agent of VM '%s' is busy with another request; "
			"try again", vm->spec.name);
		return -EBUSY;
	}
	path = vm_run_path(vm->d, vm->spec.name, "agent.sock");
	r = vm_sock_connect(path, vm->pid, vm_uid_of(vm), &fd, err, errlen);
	free(path);
	if (r == -EAGAIN)
		err_set(err, errlen, "the guest agent socket of VM '%s' is not ready", vm->spec.name);
	else if (r == -ENOENT)
		err_set(err, errlen, "VM '%s' was started without a guest agent channel; "
			"restart it to get one", vm->spec.name);
	if (r < 0)
		return r;
	c = xcalloc(1, sizeof(*c));
	c->vm = vm;
	c->fd = fd;
	c->n = n;
	c->last_noreply = n > 0 && !strcmp(cmds[n - 1], "guest-shutdown");
	c->results = json_array();
	c->names = json_array();
	c->timeout_ms = timeout_ms;
	c->sync_id = ++next_sync_id ^ (uint32_t)(loop_now_ms() << 8);
	agent_rx_init(&c->rx);
	agent_rx_expect_delimiter(&c->rx);
	line = agent_sync_line(c->sync_id);
	r = conv_write(fd, line, err, errlen);
	free(line);
	for (i = 0; r == 0 && i < n; i++) {
		json_array_append_new(c->names, json_string(cmds[i]));
		line = agent_command_line(cmds[i], args ? args[i] : NULL);
		r = conv_write(fd, line, err, errlen);
		free(line);
	}
	if (r == 0 && loop_add(vm->d->loop, fd, EPOLLIN, conv_readable, c) < 0) {
		r = -errno;
		err_set(err, errlen, "cannot watch the guest agent socket: %s", strerror(errno));
	}
	if (r < 0) {
		close(fd);
		c->fd = -1;
		conv_free(c);
		return r;
	}
	c->timer = loop_timer_add(vm->d->loop, timeout_ms, conv_timeout, c);
	c->cb = cb;
	c->data = data;
	vm->agent_conv = c;
	return 0;
}

int vm_agent_info_store(struct vm *vm, json_t *results, char *err, size_t errlen)
{
	struct agent_guest g = vm->guest;
	int r;

	if ((r = agent_read_info(json_array_get(results, 0), &g, err, errlen)) < 0 ||
	    (r = agent_read_osinfo(json_array_get(results, 1), &g, err, errlen)) < 0 ||
	    (r = agent_read_hostname(json_array_get(results, 2), &g, err, errlen)) < 0 ||
	    (r = agent_read_interfaces(json_array_get(results, 3), &g, err, errlen)) < 0)
		return r;
	vm->guest = g;
	vm->guest_at = time(NULL);
	return 0;
}

static void poll_arm(struct vm *vm);

static void poll_done(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	char why[256];

	(void)data;
	(void)err;
	if (rc == 0 && vm_agent_info_store(vm, results, why, sizeof(why)) < 0)
		log_debug("VM %s: guest agent: %s", vm->spec.name, why);
	poll_arm(vm);
}

static void poll_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;
	char err[512];

	(void)l;
	(void)t;
	vm->agent_poll = NULL;
	if (vm_agent_run(vm, vm_agent_info_cmds, NULL, VM_AGENT_INFO_NCMDS, VM_AGENT_TIMEOUT_MS,
			 poll_done, NULL, err, sizeof(err)) < 0)
		poll_arm(vm);
}

static void poll_arm(struct vm *vm)
{
	if (!vm->agent_poll && vm->spec.agent && vm_is_live(vm))
		vm->agent_poll = loop_timer_add(vm->d->loop, VM_AGENT_POLL_MS, poll_cb, vm);
}

void vm_agent_running(struct vm *vm)
{
	poll_arm(vm);
}

/* --- shutdown through the agent --------------------------------------------- */

static void shutdown_sent(struct vm *vm, int rc, json_t *results, const char *err, void *data)
{
	(void)results;
	(void)data;
	if (rc < 0)
		log_warn("VM %s: cannot shut down through the guest agent: %s", vm->spec.name, err);
	else
		log_info("VM %s: asked the guest agent to power off", vm->spec.name);
	if (rc < 0 && vm->state == VM_SHUTTING_DOWN && vm->qmp && !vm->shutdown_acpi) {
		/* --agent, and no agent: the power button after all. */
		vm->shutdown_acpi = 1;
		qmp_command(vm->qmp, "system_powerdown", NULL, NULL, NULL);
	}
}

int vm_agent_shutdown(struct vm *vm, char *err, size_t errlen)
{
	static const char *const cmd[] = { "guest-shutdown" };
	json_t *args = json_pack("{s:s}", "mode", "powerdown");
	json_t *const argv[] = { args };
	int r;

	r = vm_agent_run(vm, cmd, argv, 1, VM_AGENT_TIMEOUT_MS, shutdown_sent, NULL, err, errlen);
	json_decref(args);
	return r;
}

static void fallback_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm *vm = data;
	char err[512];

	(void)l;
	(void)t;
	vm->agent_fallback = NULL;
	if (vm->state != VM_SHUTTING_DOWN)
		return;
	log_info("VM %s: the guest ignores the ACPI power button; trying its guest agent",
		 vm->spec.name);
	if (vm_agent_shutdown(vm, err, sizeof(err)) < 0)
		log_warn("VM %s: cannot shut down through the guest agent: %s", vm->spec.name, err);
}

void vm_agent_shutdown_fallback(struct vm *vm, unsigned ms)
{
	if (!vm->spec.agent || vm->agent_fallback)
		return;
	vm->agent_fallback = loop_timer_add(vm->d->loop, ms, fallback_cb, vm);
}

void vm_agent_stop(struct vm *vm)
{
	struct vm_agent_conv *c = vm->agent_conv;

	if (vm->agent_fallback) {
		loop_timer_cancel(vm->d->loop, vm->agent_fallback);
		vm->agent_fallback = NULL;
	}
	if (vm->agent_poll) {
		loop_timer_cancel(vm->d->loop, vm->agent_poll);
		vm->agent_poll = NULL;
	}
	if (c) {
		c->cb = c->cb == poll_done || c->cb == shutdown_sent ? NULL : c->cb;
		err_set(c->err, sizeof(c->err), "VM '%s' stopped", vm->spec.name);
		conv_end(c, -ECONNRESET);
	}
	memset(&vm->guest, 0, sizeof(vm->guest));
	vm->guest.fsfreeze = -1;
	vm->guest_at = 0;
}
