/*
 * The display session (vm_display.h): croftd's listener on 127.0.0.1, a
 * one-time VNC password in QEMU, and each viewer's socket passed to QEMU
 * with getfd and add_client.
 */
#include "core/vm_display.h"
#include "core/vm.h"
#include "core/daemon.h"
#include "core/qmp.h"
#include "common/loop.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct vm_display {
	struct vm *vm;
	int lfd;
	struct vm_display_info info;
	struct loop_timer *timer;
	unsigned clients;
};

struct open_call {
	struct vm *vm;
	struct vm_display_info info;
	vm_display_cb cb;
	void *data;
};

static void session_free(struct vm *vm)
{
	struct vm_display *s = vm->display;

	if (!s)
		return;
	if (s->timer)
		loop_timer_cancel(vm->d->loop, s->timer);
	if (s->lfd >= 0) {
		loop_del(vm->d->loop, s->lfd);
		close(s->lfd);
	}
	free(s);
	vm->display = NULL;
}

static void client_added(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct vm *vm = data;

	(void)q;
	if (m && m->type == QMP_MSG_ERROR)
		log_warn("VM %s: QEMU refused a VNC viewer: %s", vm->spec.name, m->err_desc);
	else if (m)
		log_info("VM %s: a VNC viewer connected", vm->spec.name);
}

static void accept_cb(struct loop *l, int fd, uint32_t events, void *data)
{
	struct vm_display *s = data;
	struct vm *vm = s->vm;
	int c, r;

	(void)l;
	(void)events;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		close(c);
		return;
	}
	r = qmp_command_fd(vm->qmp, "getfd", json_pack("{s:s}", "fdname", "croft-vnc"), c,
			   NULL, NULL);
	if (r < 0) {
		log_warn("VM %s: cannot hand a VNC viewer to QEMU: %s", vm->spec.name, strerror(-r));
		return;
	}
	qmp_command(vm->qmp, "add_client", json_pack("{s:s,s:s,s:b}", "protocol", "vnc",
						     "fdname", "croft-vnc", "skipauth", 0),
		    client_added, vm);
	s->clients++;
}

static void expire_cb(struct loop *l, struct loop_timer *t, void *data)
{
	struct vm_display *s = data;

	(void)l;
	(void)t;
	s->timer = NULL;
	log_info("VM %s: the display's time is up; closing 127.0.0.1:%u", s->vm->spec.name,
		 s->info.port);
	vm_display_close(s->vm);
}

/* Listen on 127.0.0.1:*port (0: an ephemeral port, then *port says which). */
static int listen_local(unsigned *port, int *out, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, r;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)*port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		r = -errno;
		if (r == -EADDRINUSE)
			err_set(err, errlen, "port %u on 127.0.0.1 is in use; choose another "
				"--port, or leave it out for a free one", *port);
		else
			err_set(err, errlen, "cannot listen on 127.0.0.1 for the display: %s",
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	*port = ntohs(sa.sin_port);
	*out = fd;
	return 0;
}

static int make_password(char *pw, size_t size)
{
	static const char chars[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[8];
	size_t i;

	if (size < 9 || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (i = 0; i < 8; i++)
		pw[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	pw[8] = '\0';
	return 0;
}

static void password_set(struct qmp *q, const struct qmp_msg *m, void *data)
{
	struct open_call *oc = data;
	struct vm *vm = oc->vm;

	(void)q;
	if (!m)
		oc->cb(vm, PROTO_E_QEMU, "QEMU went away before it took the password", NULL,
		       oc->data);
	else if (m->type == QMP_MSG_ERROR)
		oc->cb(vm, PROTO_E_QEMU, m->err_desc, NULL, oc->data);
	else if (!vm->display)
		oc->cb(vm, PROTO_E_INVALID_STATE, "the display was closed meanwhile", NULL, oc->data);
	else
		oc->cb(vm, NULL, NULL, &oc->info, oc->data);
	free(oc);
}

int vm_display_open(struct vm *vm, unsigned ttl_s, unsigned port, vm_display_cb cb,
		    void *data, const char **code, char *err, size_t errlen)
{
	struct vm_display *s = vm->display;
	struct open_call *oc;
	char when[32];
	int r;

	*code = PROTO_E_INVALID_STATE;
	if (vm->state != VM_RUNNING && vm->state != VM_PAUSED) {
		err_set(err, errlen, "VM '%s' is %s; its screen exists only while it runs",
			vm->spec.name, vm_state_name(vm->state));
		return -ENOTCONN;
	}
	if (vm->spec.display && !strcmp(vm->spec.display, "none")) {
		err_set(err, errlen, "VM '%s' has no display device (--display none)", vm->spec.name);
		return -EOPNOTSUPP;
	}
	if (!vm->qmp || !qmp_is_ready(vm->qmp)) {
		*code = PROTO_E_QEMU;
		err_set(err, errlen, "croftd is not connected to the QMP socket of VM '%s'",
			vm->spec.name);
		return -ENOTCONN;
	}
	if (s && port && port != s->info.port) {
		err_set(err, errlen, "the display of VM '%s' is open on port %u; close it first "
			"(--close) to use port %u", vm->spec.name, s->info.port, port);
		return -EBUSY;
	}
	if (!s) {
		s = xcalloc(1, sizeof(*s));
		s->vm = vm;
		s->info.port = port;
		*code = PROTO_E_IO;
		r = listen_local(&s->info.port, &s->lfd, err, errlen);
		if (r == 0 && loop_add(vm->d->loop, s->lfd, EPOLLIN, accept_cb, s) < 0) {
			r = -errno;
			err_set(err, errlen, "cannot watch the display listener: %s", strerror(errno));
			close(s->lfd);
		}
		if (r < 0) {
			if (r == -EADDRINUSE)
				*code = PROTO_E_BUSY;
			free(s);
			return r;
		}
		vm->display = s;
	}
	if (make_password(s->info.password, sizeof(s->info.password)) < 0) {
		*code = PROTO_E_INTERNAL;
		err_set(err, errlen, "cannot make a password: no random bytes");
		session_free(vm);
		return -EIO;
	}
	s->info.expires = (int64_t)time(NULL) + ttl_s;
	if (s->timer)
		loop_timer_cancel(vm->d->loop, s->timer);
	s->timer = loop_timer_add(vm->d->loop, (uint64_t)ttl_s * 1000, expire_cb, s);
	oc = xcalloc(1, sizeof(*oc));
	oc->vm = vm;
	oc->info = s->info;
	oc->cb = cb;
	oc->data = data;
	snprintf(when, sizeof(when), "+%u", ttl_s);
	qmp_command(vm->qmp, "set_password", json_pack("{s:s,s:s}", "protocol", "vnc",
						       "password", s->info.password), NULL, NULL);
	qmp_command(vm->qmp, "expire_password", json_pack("{s:s,s:s}", "protocol", "vnc",
							  "time", when), password_set, oc);
	log_info("VM %s: display on 127.0.0.1:%u for %u s", vm->spec.name, s->info.port, ttl_s);
	return 0;
}

int vm_display_close(struct vm *vm)
{
	if (!vm->display)
		return -ENOENT;
	session_free(vm);
	if (vm->qmp)
		qmp_command(vm->qmp, "expire_password", json_pack("{s:s,s:s}", "protocol", "vnc",
								  "time", "now"), NULL, NULL);
	return 0;
}

void vm_display_stop(struct vm *vm)
{
	session_free(vm);
}
