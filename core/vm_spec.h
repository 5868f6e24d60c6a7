/*
 * The rules of a VM's definition: what vm.create accepts and what vm.edit
 * may change.  Both take a parsed request (plain structs, no JSON) and give
 * either the VM's complete definition or a PROTO_E_* code with a message
 * naming the problem.  Nothing is changed here: vm_spec_create() plans
 * (the settings with their defaults, the disk images to make in the pool
 * with format and size, the images to attach read with qemu-img info) and
 * vm_spec_edit() computes the next definition and whether a running VM
 * must reach it through its balloon.  Making the files and writing the
 * store is the caller's (vm_define.h), so that part can become a job.
 *
 * Everything the rules look at outside the request (files, qemu-img info,
 * the host's CPUs and memory, whether OVMF is installed, the other VMs and
 * their disks) goes through struct vm_spec_sys, so unit tests run every
 * rule on fakes.
 */
#ifndef CROFT_VM_SPEC_H
#define CROFT_VM_SPEC_H

#include "store/store.h"

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/pool.h"

struct cloudinit;
struct croftd;
struct host_mem;

#define VM_SPEC_DISKS_MAX 16

/* The side effects of the rules; every call gets vm_spec_env.ctx. */
struct vm_spec_sys {
	/* stat(2) of a defined VM's disk (croft's own paths): 0 or -errno. */
	int (*stat)(void *ctx, const char *path, struct stat *st);
	/* A file a VM would use, opened and closed again as vm_file_open()
	 * (vm_files.h) does: 0 with *st, or its -errno (-EPERM outside
	 * every pool and allowed path, -ENOENT, -ELOOP, -ENODEV...). */
	int (*locate)(void *ctx, const char *path, struct stat *st);
	/* What the image's header and qemu-img said of it (read beforehand). */
	int (*image_info)(void *ctx, const char *path, struct pool_image_info *info,
			  char *err, size_t errlen);
	unsigned (*host_cpus)(void *ctx);
	/* 0, or -errno when the host's memory is unknown (it is not checked). */
	int (*host_meminfo)(void *ctx, struct host_mem *m);
	/* 1 when OVMF (code and variable template) is installed. */
	int (*ovmf_present)(void *ctx);
	/* The defined VMs one after another: call with *it NULL for the first;
	 * NULL after the last.  Specs are borrowed. */
	const struct store_vm *(*vm_next)(void *ctx, void **it);
};

struct vm_spec_env {
	const struct vm_spec_sys *sys;
	void *ctx;
	const char *pool_dir;        /* where new disk images go */
	const char *run_dir;         /* a VM's sockets go to run_dir/vm/<name>/ */
};

/* What qemu-img info said of an image, read before the rules run (qemu-img
 * runs as a child on the loop, so the rules cannot wait for it). */
struct vm_spec_image {
	char *path;                  /* the normalised path, as the rules ask for it */
	int rc;                      /* 0, or -errno with err */
	struct pool_image_info info;
	char err[512];
};

/* croftd's: the real files and host, d's VMs, pool and run directory, and
 * images[0..nimages) for qemu-img info (an image not among them is an
 * error).  env borrows ctx (its storage), d and images. */
struct vm_spec_daemon {
	struct croftd *d;
	const struct vm_spec_image *images;
	size_t nimages;
};
void vm_spec_env_daemon(struct vm_spec_env *env, struct vm_spec_daemon *ctx, struct croftd *d,
			const struct vm_spec_image *images, size_t nimages);

/* --- vm.create ------------------------------------------------------------ */

/* One disk: a new image of size_bytes in the pool (path NULL) in format
 * ("qcow2", thin, the default; or "raw", preallocated), or the existing
 * image at path (size_bytes 0, format NULL). */
struct vm_spec_disk_req {
	uint64_t size_bytes;
	const char *path;
	const char *format;
	int scsi;                    /* on the virtio-scsi bus (else virtio-blk) */
};

/* Strings are borrowed; NULL means not given. */
struct vm_spec_create {
	const char *name;
	long long vcpus;
	long long memory_mib;
	int has_memory_min;
	long long memory_min_mib;
	const char *cdrom;
	const char *boot;            /* default: disk, cdrom,disk or cdrom */
	const char *firmware;        /* default: bios */
	const char *kernel;
	const char *initrd;
	const char *append;
	const char *display;         /* default: std */
	int has_agent;               /* default: a guest agent channel */
	int agent;
	const struct vm_spec_disk_req *disks;
	size_t ndisks;
	const char *cloud_init;      /* settings judged already, as cloudinit_to_text()
				      * wrote them; NULL: none */
	const char *tags;            /* judged already (vm_tags_from_json); NULL: none */
};

/*
 * Check req against every rule and fill *out with the VM to define: its
 * settings with the defaults applied (memory_min equal to memory), and its
 * disks in order: attached images by their normalised path, format and
 * virtual size; new ones (owned) at <pool>/<name>-disk<i>.<format>, in
 * the format and size asked, to be made by the caller.  id, uuid, state and
 * created are left for the caller.  0, or -errno with *code (PROTO_E_*)
 * and err set and *out empty.  store_vm_clear(out) frees it.
 */
int vm_spec_create(const struct vm_spec_env *env, const struct vm_spec_create *req,
		   struct store_vm *out, const char **code, char *err, size_t errlen);

/* --- vm.edit ---------------------------------------------------------------- */

/* vm_spec_edit.set: the settings the edit gives. */
#define VM_SPEC_VCPUS        0x001
#define VM_SPEC_MEMORY       0x002
#define VM_SPEC_MEMORY_MIN   0x004
#define VM_SPEC_CDROM        0x008
#define VM_SPEC_BOOT         0x010
#define VM_SPEC_FIRMWARE     0x020
#define VM_SPEC_KERNEL       0x040
#define VM_SPEC_INITRD       0x080
#define VM_SPEC_APPEND       0x100
#define VM_SPEC_SHARES       0x200   /* memory_shares: the balloon policy's weight */
#define VM_SPEC_KSM          0x400   /* ksm: "on" | "off" (QEMU mem-merge) */
#define VM_SPEC_AGENT        0x800
#define VM_SPEC_DISPLAY      0x1000
#define VM_SPEC_CLOUD_INIT   0x2000
#define VM_SPEC_TAGS         0x4000  /* judged already (vm_tags_from_json); NULL: none */

/* Strings are borrowed.  A cdrom, kernel, initrd or append that is set to
 * NULL or "" is taken away; boot and firmware, when set, are not NULL. */
struct vm_spec_edit {
	unsigned set;
	long long vcpus;
	long long memory_mib;
	long long memory_min_mib;
	const char *cdrom;
	const char *boot;
	const char *firmware;
	const char *kernel;
	const char *initrd;
	const char *append;
	long long memory_shares;
	const char *ksm;
	long long agent;             /* 0 or 1 */
	const char *display;
	const struct cloudinit *cloud_init;  /* judged already; NULL: turn it off */
	const char *tags;
};

/* The settings an edit can give, by the names the API gives them; ends
 * with key NULL. */
struct vm_spec_field {
	const char *key;             /* "vcpus", "memory_mib", "cdrom", ... */
	unsigned bit;                /* VM_SPEC_* */
	int is_int;                  /* a long long (2: from a JSON boolean), else a
				      * const char * (3: an object the handler judges
				      * into a const struct cloudinit *; 4: an array
				      * the handler judges into a const char *) */
	size_t off;                  /* of the value in struct vm_spec_edit */
};
extern const struct vm_spec_field vm_spec_edit_fields[];

struct vm_spec_edit_plan {
	struct store_vm next;        /* the whole new definition (owned) */
	int balloon;                 /* running: move the balloon to balloon_mib first */
	uint64_t balloon_mib;        /* its target, at most next.memory_mib */
	int uefi_vars;               /* the firmware becomes uefi: make the VM's variable store */
};

/*
 * Check an edit of cur.  live_state is the state name of a VM whose QEMU
 * runs, NULL when it does not.  Live, only memory changes: a new memory
 * size becomes the balloon's target (balloon, balloon_mib), up to the
 * configured maximum, which stays, as does the floor unless it is set.  Beyond what is set: a memory floor equal to memory follows a new
 * memory size; taking the cdrom away drops it from the boot order (which
 * becomes "disk") unless the edit sets one.  0 with *out filled, or
 * -errno with *code and err set and *out empty.  cloud-init settings
 * change live too (the guest reads its seed at its next boot); a change
 * bumps next.cloud_init_gen, so the seed names a new instance.
 */
int vm_spec_edit(const struct vm_spec_env *env, const struct store_vm *cur,
		 const char *live_state, const struct vm_spec_edit *req,
		 struct vm_spec_edit_plan *out, const char **code, char *err, size_t errlen);
void vm_spec_edit_plan_clear(struct vm_spec_edit_plan *p);

/* vm_spec_json.c: the whole definition as a JSON object (new reference),
 * and back into *out (zeroed first; store_vm_clear it): 0, or -EINVAL
 * with err naming the member that is missing or wrong. */
json_t *vm_spec_json(const struct store_vm *s);
int vm_spec_from_json(const json_t *vm, struct store_vm *out, char *err, size_t errlen);

#endif
