/*
 * The files a VM's QEMU gets (disks, the CD image, kernel, initrd, UEFI
 * code and variables), opened by croftd and handed over as descriptors, so
 * QEMU never opens a path and croftd never opens, chowns or reads as root
 * a file of a croft user's choosing.
 *
 * A file must lie inside a pool or an allowed path (pools.h).  The root
 * itself is reached from "/" one component at a time, following a symlink
 * only in a directory only root can change (so /dev/disk/by-id/... works,
 * but a user owning a directory along an allowed path cannot redirect it).
 * croftd opens the file with O_PATH beneath that root with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) (or, on a kernel without openat2, one component at
 * a time with O_NOFOLLOW), so a symlink anywhere below the root is
 * refused and a FIFO is never opened for I/O; fstat must say a regular
 * file, or a block device whose own path an administrator allowed; only
 * then is it reopened for reading (and writing) through /proc/self/fd.
 *
 * Images are probed through that descriptor: a qcow2 header (magic
 * "QFI\xfb") gives the virtual size, its backing file and whether it has
 * an external data file, which is refused; a backing chain is followed
 * only inside the image's own pool, each layer opened the same way and
 * handed to QEMU read-only as its own node, so QEMU never opens a path
 * named in an image.  Other known image formats (vmdk, vdi, vhdx, vpc,
 * qed, luks...) are refused, anything else is raw.
 *
 * At start every file becomes a descriptor QEMU inherits: disks, the CD
 * and the UEFI code and variables as fd sets ("-add-fd fd=N,set=M" and
 * "/dev/fdset/M" in the blockdev; a writable disk's set holds a read-write
 * and a read-only descriptor, since QEMU picks the one whose access mode
 * it needs), kernel and initrd as sealed memfd copies named
 * "/proc/self/fd/N" (QEMU reads them with a plain open(), which through
 * /proc re-checks permissions; a memfd's inode is open to any uid and its
 * seals keep it unchanged).
 */
#ifndef CROFT_VM_FILES_H
#define CROFT_VM_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct croftd;
struct pools;
struct qemu_add_fd;
struct store_vm;

#define VM_FILE_WRITE 0x1        /* open for reading and writing */

struct vm_file {
	int fd;                  /* -1 when closed */
	struct stat st;
	int in_pool;             /* beneath a pool directory */
	int whole;               /* the path is itself an allowed path */
};

/*
 * Open path (absolute) for a VM as the top of this file says.  0 with *f,
 * or -errno with f->fd -1:
 *   -EINVAL   not absolute, "..", too long
 *   -EPERM    inside no pool and no allowed path (whether it exists or not)
 *   -ENOENT   not there (a component is missing or not a directory)
 *   -ELOOP    a symlink below the pool or allowed path
 *   -ENODEV   not a regular file (a directory, FIFO, socket, device)
 *   -ENOTBLK  a block device whose own path is not allowed
 * or what open(2) said.
 */
int vm_file_open(const struct pools *p, const char *path, unsigned flags, struct vm_file *f);
void vm_file_close(struct vm_file *f);
/* The message for vm_file_open's rc about a file the VM uses as what
 * ("disk image", "kernel"...), in err; returns the PROTO_E_* code. */
const char *vm_file_error(int rc, const char *what, const char *path, char *err, size_t errlen);

/* --- image headers ------------------------------------------------------------ */

struct vm_file_image {
	char format[8];          /* "qcow2" or "raw" */
	uint64_t virtual_size;
	char backing[1024];      /* the backing file a qcow2 names, or "" */
	char backing_format[8];  /* its format as the header says, or "" */
};

/* Judge the first n bytes of an image of size bytes (pure).  0 with *img
 * (a backing file named, not yet judged: see vm_file_chain_open), or
 * -EINVAL (another format, a damaged qcow2 header, a backing file name or
 * format croft cannot use) or -EPERM (an external data file) with err
 * naming the problem and what the header points at. */
int vm_file_image_parse(const unsigned char *buf, size_t n, uint64_t size,
			struct vm_file_image *img, char *err, size_t errlen);
/* Read f's header and parse it; err begins with path. */
int vm_file_image_probe(const struct vm_file *f, const char *path, struct vm_file_image *img,
			char *err, size_t errlen);

/* --- backing chains ------------------------------------------------------------------ */

#define VM_FILE_CHAIN_MAX 8      /* an image and its backing files */

struct vm_file_layer {
	char *path;              /* normalised */
	char format[8];          /* "qcow2" or "raw" */
	struct vm_file f;
};

struct vm_file_chain {
	struct vm_file_layer layers[VM_FILE_CHAIN_MAX];
	size_t n;                /* layers[0] is the image, then each backing file */
	uint64_t virtual_size;   /* the image's (0 for a pinned raw) */
};

/*
 * Open the disk image at path (flags) as vm_file_open does, judge its
 * header, and open every backing file its chain names, read-only: a
 * backing file must lie in the same pool as the image (a relative name is
 * taken from the directory of the image naming it; no symlink, no ".."),
 * be qcow2 or raw (as the naming header says, else as its own header
 * says), appear once, and the chain have at most VM_FILE_CHAIN_MAX images.
 * format is the image's format as stored (a raw one is not read), or NULL
 * to take its header's.  0 with *c, or -errno with *code and err set and
 * nothing open (-EPERM: a backing file outside the pool, or any backing
 * file for an image outside the pools).
 */
int vm_file_chain_open(const struct pools *p, const char *path, const char *format, unsigned flags,
		       struct vm_file_chain *c, const char **code, char *err, size_t errlen);
void vm_file_chain_close(struct vm_file_chain *c);

/* A sealed memfd holding a copy of fd's content (at most max bytes):
 * the memfd, or -errno with err set.  Copies are kept (a few, the least
 * recently used dropped) and shared: the same file, unchanged since (same
 * inode, size, mtime and ctime), gets another descriptor of the same
 * sealed copy, without copying again. */
int vm_file_sealed_copy(int fd, const char *name, uint64_t max, char *err, size_t errlen);

/* --- a VM's files at start ------------------------------------------------------- */

struct vm_files_set {
	int *fds;                    /* QEMU gets fds[i] as fd JOB_EXEC_PASS_FD(base + i) */
	size_t nfds;
	struct qemu_add_fd *add;     /* -add-fd for the fd sets */
	size_t nadd;
	struct qemu_disk *disks;     /* one per disk of the spec: chains[i][0] */
	struct qemu_disk **chains;   /* disk i and its backing files, "/dev/fdset/M" */
	size_t *nchain;
	size_t ndisks;
	char *cdrom, *kernel, *initrd, *ovmf_code, *ovmf_vars;   /* NULL when not used */
	char *seed;                  /* the cloud-init seed (vm_cloudinit.h), or NULL */
};

/* Open every file spec's QEMU needs (ovmf_code and ovmf_vars only for
 * uefi; vars is croftd's own per-VM copy) and describe them for the
 * command line; base is the index in the spawn's descriptor list where
 * these begin.  0, or -errno with *code and err set and nothing open. */
int vm_files_prepare(const struct pools *p, const struct store_vm *spec, const char *ovmf_code,
		     const char *ovmf_vars, size_t base, struct vm_files_set *out,
		     const char **code, char *err, size_t errlen);
void vm_files_set_clear(struct vm_files_set *s);
/* Add croftd's own read-only descriptor fd (taken) of the cloud-init seed
 * to s, after vm_files_prepare with the same base: s->seed. */
void vm_files_add_seed(struct vm_files_set *s, size_t base, int fd);

#endif
