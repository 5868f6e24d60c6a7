/*
 * A VM at run time: its stored spec plus what croftd knows about its QEMU
 * process (pid, pidfd, QMP client) and the state machine
 *
 *   stopped/crashed --start--> starting --QMP ready--> running <--> paused
 *   running --shutdown--> shutting-down --guest powers off--> stopped
 *   any live state --QEMU exits--> stopped (expected) | crashed (not)
 *
 * Every transition is written to the store (so a restarted croftd knows
 * what to expect) and broadcast as a "vm.state" event with its reason.
 * Operations that finish later (start, shutdown, stop) take a completion
 * callback; it runs exactly once, with an error code and message or NULL.
 */
#ifndef CROFT_VM_H
#define CROFT_VM_H

#include "store/store.h"
#include "core/agent.h"

#include <stdint.h>
#include <sys/types.h>

struct croftd;
struct qmp;
struct job_exec;
struct loop_timer;
struct vm;
struct vm_nic_op;
struct vm_serial;
struct vm_serial_log;
struct vmstate_load;
struct vmstate_save;

enum vm_state {
	VM_STOPPED,
	VM_STARTING,
	VM_RUNNING,
	VM_PAUSED,
	VM_SHUTTING_DOWN,
	VM_CRASHED,
};

/* err_code is a PROTO_E_* string; NULL for success. */
typedef void (*vm_done_cb)(struct vm *vm, const char *err_code, const char *err_msg, void *data);

struct vm_waiter {
	vm_done_cb cb;
	void *data;
	struct vm_waiter *next;
};

struct vm {
	struct croftd *d;
	struct store_vm spec;
	enum vm_state state;
	char reason[48];

	pid_t pid;                   /* QEMU, 0 when none */
	int pidfd;                   /* -1 when none */
	struct qmp *qmp;
	int64_t started_at;          /* CLOCK_REALTIME seconds, 0 unless live */
	int64_t uid_slot;            /* its slot of the QEMU uid range; -1: none */
	struct vm_serial *serial;    /* the relay of its serial console, when live */
	struct vm_serial_log *log;   /* its capped serial.log (vm_serial.h) */
	struct job_exec *child;      /* QEMU, when this croftd started it (else pidfd) */
	int out_fd;                  /* the child's stdout+stderr pipe, or -1 */
	struct vm_serial_log *qemu_log;  /* what the child printed (qemu.log, capped) */
	char *start_output;          /* the start of it, for a failed start */
	size_t start_output_len;
	int qmp_listen_fd;           /* starting: croftd's copy of the QMP listener; -1 */

	struct loop_timer *timer;    /* start or shutdown deadline */
	struct loop_timer *qmp_retry;/* reconnect QMP to a live QEMU */

	int expect_exit;             /* we asked QEMU to quit */
	char exit_reason[48];        /* reason to record when it does */
	char state_detail[768];      /* the full text of why, for the next state
				      * change's event (then cleared) */
	int shutdown_force;
	struct vm_waiter *start_waiters;
	struct vm_waiter *stop_waiters;    /* shutdown/stop: wait for exit */

	int user_action;             /* a pause/resume we sent is in flight */
	char *pause_pool;            /* paused because this pool is full (vm_pool_full.h) */
	char *pause_volume;          /* the volume QEMU could not write then */
	int auto_resuming;           /* the pool watch sent "cont" */
	struct vm_nic_op *nic_op;    /* a NIC hot-plug/unplug in flight (vm_nic.c) */
	struct vm_agent_conv *agent_conv;  /* a guest agent conversation (vm_agent.c) */
	struct loop_timer *agent_poll;     /* the next poll of the guest agent */
	struct loop_timer *agent_fallback; /* shutdown: try the agent then */
	int shutdown_acpi;           /* this shutdown pressed the power button */
	struct agent_guest guest;    /* what the guest agent said last */
	struct vm_display *display;  /* an open display session (vm_display.c) */
	struct vm_screen_state *screen;  /* text screen reads (vm_screen.c) */
	int64_t guest_at;            /* CLOCK_REALTIME seconds of that; 0: nothing */
	int incoming_fd;             /* starting from a saved state (vmstate.h), or -1 */
	struct vmstate_save *vmstate_save;  /* its RAM being saved (vmstate.c) */
	struct vmstate_load *vmstate_load;  /* starting: its RAM being loaded */
	int vmstate_cut;             /* a RAM save croftd's end cut short may
				      * have left the guest stopped (vm_qemu.c) */
	int uffd;                    /* its QEMU holds /dev/userfaultfd (vm_uffd.h) */
	char uffd_why[256];          /* ... or why it does not */
	char bg_refused[256];        /* why its QEMU refused a background save; until it restarts */
	int busy;                    /* inside callbacks that may remove it */
	int deleted;                 /* removed; freed when its QEMU is gone */
	struct vm *next;
};

const char *vm_state_name(enum vm_state s);

/* Load every VM from the store and adopt the QEMU processes that survived a
 * croftd restart.  0 or -errno. */
int vm_load_all(struct croftd *d);
struct vm *vm_find(struct croftd *d, const char *name);
/* Take a freshly inserted spec (moved into the VM; *spec is zeroed). */
struct vm *vm_add(struct croftd *d, struct store_vm *spec);
/* Forget a stopped VM (its store row must already be gone). */
void vm_remove(struct vm *vm);
void vm_free_all(struct croftd *d);

int vm_is_live(const struct vm *vm);   /* a QEMU process exists */
/* 1 when process pid in the proc tree at root ("/proc") is vm's QEMU: it
 * runs as the VM's uid with the VM's -uuid and -name (vm_qemu.c). */
int vm_pid_is_qemu(const struct vm *vm, const char *root, pid_t pid);

/* Lifecycle.  Each returns 0 when accepted (cb then runs later, exactly
 * once) or -errno with err_code/err set and cb not called. */
int vm_start(struct vm *vm, vm_done_cb cb, void *data, const char **code, char *err, size_t errlen);
/* vm_start, the guest going on from the state saved in state_fd (a file
 * vmstate_save wrote; taken on every path) instead of booting. */
int vm_start_from_state(struct vm *vm, int state_fd, vm_done_cb cb, void *data,
			const char **code, char *err, size_t errlen);
/* vm_shutdown's flags: stop QEMU at the timeout; ask the guest agent first. */
#define VM_SHUTDOWN_FORCE 1
#define VM_SHUTDOWN_AGENT 2
int vm_shutdown(struct vm *vm, unsigned timeout_s, int flags, vm_done_cb cb, void *data,
		const char **code, char *err, size_t errlen);
int vm_stop(struct vm *vm, const char *reason, vm_done_cb cb, void *data,
	    const char **code, char *err, size_t errlen);
/* pause, resume, reset, and a live balloon target: cb runs on QMP's reply. */
int vm_qmp_action(struct vm *vm, const char *action, vm_done_cb cb, void *data,
		  const char **code, char *err, size_t errlen);
int vm_set_balloon(struct vm *vm, uint64_t target_mib, vm_done_cb cb, void *data,
		   const char **code, char *err, size_t errlen);

/* Runtime paths (malloc'd). */
char *vm_run_path(const struct croftd *d, const char *name, const char *file);
char *vm_state_path(const struct croftd *d, const char *name, const char *file);

/* Remove a VM's run and state directories and what croft put in them
 * (sockets, pidfile, serial log, UEFI vars); disks are not touched. */
void vm_files_remove(struct croftd *d, const char *name);

/* Create the per-VM UEFI variable store from the OVMF template if absent. */
int vm_uefi_vars_ensure(struct croftd *d, const char *name, char *err, size_t errlen);
/* Give VM name a copy of VM from's variable store (its boot entries), for
 * a clone: 0 (also when from has none), or -errno with err set. */
int vm_uefi_vars_copy(struct croftd *d, const char *from, const char *name, char *err,
		      size_t errlen);

/* Copy croftd's own file from to a new file to (O_EXCL, 0600, synced);
 * a failure removes to.  0, or -errno with err set. */
int vm_state_file_copy(const char *from, const char *to, char *err, size_t errlen);

/* Exposed for the API: change state, persist, broadcast. */
void vm_set_state(struct vm *vm, enum vm_state s, const char *reason);

#endif
