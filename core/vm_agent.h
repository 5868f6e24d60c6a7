/*
 * Talking to a VM's guest agent (qemu-guest-agent in the guest, on the
 * virtio-serial port org.qemu.guest_agent.0 whose host end is the
 * listening socket agent.sock croftd made and passed to QEMU).
 *
 * A conversation is a fresh connection (checked with SO_PEERCRED to be
 * the VM's QEMU), guest-sync-delimited with a new id, then the commands in
 * order; it ends when every reply is in, at the first error, or at its
 * deadline, and the connection is closed, so nothing a slow agent sends
 * late reaches the next one.  croftd's loop never waits: the socket is
 * non-blocking and watched, a conversation reads at most
 * VM_AGENT_READ_MAX bytes in all and AGENT_LINE_MAX per line, and the
 * agent's replies are parsed as untrusted input (agent.h).  One
 * conversation per VM at a time.
 *
 * While a VM with an agent runs, croftd asks it every VM_AGENT_POLL_MS for
 * its OS, host name and addresses (vm->guest), which vm.info and vm.list
 * show; nothing else waits for that.  A shutdown whose ACPI power button
 * the guest ignores falls back to guest-shutdown halfway to its timeout
 * (vm_agent_shutdown_fallback); vm.shutdown with agent asks the agent
 * first and presses the button only if the agent does not answer.
 */
#ifndef CROFT_VM_AGENT_H
#define CROFT_VM_AGENT_H

#include <jansson.h>
#include <stddef.h>

struct vm;

#define VM_AGENT_TIMEOUT_MS 5000
#define VM_AGENT_READ_MAX (1024 * 1024)
#define VM_AGENT_POLL_MS 30000

/* rc 0: results is an array of each command's "return" (borrowed for the
 * call).  rc < 0: err says why (no agent, timeout, garbage, an agent
 * error, the VM stopped). */
typedef void (*vm_agent_cb)(struct vm *vm, int rc, json_t *results, const char *err, void *data);

/* One conversation: cmds[0..n) are command names, args[i] their arguments
 * (args or args[i] may be NULL).  0 when under way (cb runs later, once),
 * or -errno with err set and cb not called (-EOPNOTSUPP: the VM has no
 * agent channel; -ENOTCONN: not running; -EBUSY: a conversation is under
 * way; another -errno: cannot connect). */
int vm_agent_run(struct vm *vm, const char *const *cmds, json_t *const *args, size_t n,
		 unsigned timeout_ms, vm_agent_cb cb, void *data, char *err, size_t errlen);

/* The commands of "info": guest-info, guest-get-osinfo, guest-get-host-name,
 * guest-network-get-interfaces; their results into vm->guest (what
 * answered; 0, or -EINVAL with err when a reply is malformed). */
extern const char *const vm_agent_info_cmds[];
#define VM_AGENT_INFO_NCMDS 4
int vm_agent_info_store(struct vm *vm, json_t *results, char *err, size_t errlen);

/* Ask the guest agent to power the guest off (guest-shutdown, which has
 * no reply: done once the agent answered the sync).  When that fails while
 * the VM is shutting down without ACPI tried (vm.shutdown with agent),
 * the ACPI power button is pressed instead.  0 or -errno as vm_agent_run. */
int vm_agent_shutdown(struct vm *vm, char *err, size_t errlen);
/* A shutdown by ACPI is under way: in ms, if the VM is still shutting
 * down, try the guest agent (when the VM has one). */
void vm_agent_shutdown_fallback(struct vm *vm, unsigned ms);

/* The VM is running: start polling its agent (when it has one). */
void vm_agent_running(struct vm *vm);
/* QEMU is gone or the VM is freed: end the conversation (its cb hears
 * "VM stopped"), stop polling, forget what the agent said. */
void vm_agent_stop(struct vm *vm);

#endif
