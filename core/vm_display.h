/*
 * A VM's screen for a VNC viewer, for a limited time (croft vm display).
 *
 * QEMU's VNC server has no listener (-vnc none,password=on): croftd
 * listens on 127.0.0.1 (an ephemeral port), so the screen is reached only
 * from the host itself, in practice through an SSH tunnel.  Each accepted
 * connection is handed to QEMU over QMP (getfd with the socket, then
 * add_client protocol=vnc); QEMU asks for the VNC password, a fresh
 * random one set with set_password and expire_password.  When the time is
 * up, croftd closes the listener (the port stops answering) and QEMU's
 * password has expired with it; --close ends it early; the session ends
 * with the VM too.  Another display while one is open gives a new password
 * and deadline on the same port.
 */
#ifndef CROFT_VM_DISPLAY_H
#define CROFT_VM_DISPLAY_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define VM_DISPLAY_TTL_DEFAULT 600
#define VM_DISPLAY_TTL_MAX 86400

struct vm_display_info {
	unsigned port;
	char password[9];            /* 8 characters: VNC's limit */
	int64_t expires;             /* unix seconds */
};

/* rc 0 with the session's info, or a PROTO_E_* code and message. */
typedef void (*vm_display_cb)(struct vm *vm, const char *code, const char *msg,
			      const struct vm_display_info *info, void *data);

/* Open (or renew) the VM's display for ttl_s seconds, on 127.0.0.1:port
 * (0: a free port).  0 when under way (cb runs once QEMU took the
 * password), or -errno with *code and err set and cb not called
 * (-EADDRINUSE: the port is taken). */
int vm_display_open(struct vm *vm, unsigned ttl_s, unsigned port, vm_display_cb cb,
		    void *data, const char **code, char *err, size_t errlen);
/* End it (the listener closes, QEMU's password expires now).  0, or
 * -ENOENT when none is open. */
int vm_display_close(struct vm *vm);
/* QEMU is gone or the VM is freed: close without talking to QEMU. */
void vm_display_stop(struct vm *vm);

#endif
