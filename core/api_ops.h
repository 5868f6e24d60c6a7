/*
 * The op tables: one entry per API op with its argument schema and
 * handler, like tmux's cmd_entry, in a table beside its handlers (one per
 * api_*.c file, listed in api_op_tables).  Arguments are checked against
 * the schema before the handler runs, so handlers see only known keys of
 * the right JSON type; an argument the schema flags as naming a VM or a
 * network is also resolved first (api_req.h).  Request parsing and schema
 * checks are pure, for unit tests and fuzzing.
 */
#ifndef CROFT_API_OPS_H
#define CROFT_API_OPS_H

#include <jansson.h>
#include <stddef.h>

struct api_req;
struct croftd;
struct vm;

enum api_arg_type {
	ARG_STRING = 1,
	ARG_INT,
	ARG_BOOL,
	ARG_ARRAY,
	ARG_OBJECT,
};

#define ARG_REQUIRED 0x1
#define ARG_NULLABLE 0x2
#define ARG_VM       0x4   /* a string naming a VM: api_req_vm() */
#define ARG_NET      0x8   /* a string naming a network: api_req_net() */

struct api_arg {
	const char *name;
	enum api_arg_type type;
	int flags;
};

/* api_op.flags */
#define API_OP_READ 0x1               /* changes nothing: not in the audit trail */
#define API_OP_VM_JOBS 0x2            /* changes its VM or disks: refused while a job
				       * holds the VM (vm_busy.h) */

struct api_op {
	const char *name;
	void (*handler)(struct api_req *r, json_t *args);
	const struct api_arg *args;   /* terminated by { NULL } */
	int flags;                    /* API_OP_* */
};

const struct api_op *api_op_find(const char *name);
/* The op tables, each beside its handlers and terminated by an entry with
 * name NULL; the list ends with NULL. */
extern const struct api_op *const api_op_tables[];
extern const struct api_op api_server_ops[];   /* api_server.c: hello */
extern const struct api_op api_host_ops[];     /* api_host.c */
extern const struct api_op api_vm_ops[];       /* api_vm.c */
extern const struct api_op api_net_ops[];      /* api_net.c */
extern const struct api_op api_events_ops[];   /* events.c */
extern const struct api_op api_job_ops[];      /* api_job.c */
extern const struct api_op api_pool_ops[];     /* api_pool.c */
extern const struct api_op api_vol_ops[];      /* api_vol.c */
extern const struct api_op api_screen_ops[];   /* api_screen.c */
extern const struct api_op api_vol_io_ops[];   /* api_vol_io.c */
extern const struct api_op api_clone_ops[];    /* api_clone.c: vm.template, vm.clone */
extern const struct api_op api_sched_ops[];    /* api_sched.c: schedule.* */
extern const struct api_op api_snap_ops[];     /* api_snap.c: snap.* */
extern const struct api_op api_backup_ops[];   /* api_backup.c: backup.* */
/* The VM whose definition names path as a disk or its CD, or NULL (api_vol.c). */
const char *api_vol_user(struct croftd *d, const char *path);
/* The path (PATH_MAX) of the existing volume ref "POOL/NAME": 0, or
 * -EINVAL / -ENOENT with *code and err set. */
int api_vol_resolve(struct croftd *d, const char *ref, char *path, const char **code,
		    char *err, size_t errlen);
/* The volume the args "pool" (which exists) and "name" give, as vol.info
 * shows it, or NULL with the request answered (api_vol.c). */
struct api_req;
json_t *api_vol_find(struct api_req *r, json_t *args);

/* Schemas that more than one table uses. */
extern const struct api_arg api_args_none[];      /* no arguments */
extern const struct api_arg api_args_vm_name[];   /* "name": the VM the op is about */

/*
 * A parsed request line.  root owns everything; id is borrowed (NULL when
 * absent).  args is borrowed, never NULL after success ({} when absent).
 */
struct api_request {
	json_t *root;
	json_t *id;
	const char *op;
	json_t *args;
};

/* 0, or -EINVAL with err describing the problem.  On failure req->id may
 * still be set (so the error can carry it); call api_request_clear anyway. */
int api_request_parse(const char *line, size_t len, struct api_request *req,
		      char *err, size_t errlen);
void api_request_clear(struct api_request *req);
/* 0, or -EINVAL with err naming the argument. */
int api_args_check(const struct api_op *op, json_t *args, char *err, size_t errlen);

/* --- shared between the handler files ------------------------------------------ */

/* api_vm.c: the JSON shape of a VM, shared by every op that shows one. */
json_t *api_vm_json(const struct vm *vm);
/* The job object of a job not yet ended (api_job.c). */
struct job;
json_t *api_job_json(const struct job *j);

/* api_net.c: the "nics" array of a VM's JSON, from the model: "ip" is the
 * lease croft-netd reported at the last sample. */
json_t *api_vm_nics_json(const struct vm *vm);
/* vm.delete: before the store row goes, what goes with it
 * ({"nics_removed":[...],"forwards_removed":[...]}); after, tell netd. */
json_t *api_net_vm_deleting(struct croftd *d, const struct vm *vm);
void api_net_vm_deleted(struct croftd *d, const json_t *removed);

#endif
