/*
 * A guest's serial console, held by croftd.  croftd keeps the one
 * connection to QEMU's serial socket and does two things with it:
 *
 *   - everything the guest prints goes to serial.log, which croftd writes
 *     in the VM's root-owned run directory and caps: past the cap the file
 *     becomes serial.log.1 (replacing the older copy) and a new one starts,
 *     so a guest flooding its serial port holds at most twice the cap;
 *   - console clients (vm.console) each get one end of a socketpair, and
 *     the relay copies both ways on the loop.  Each client has a bounded
 *     ring of output: a client that does not read loses the oldest output
 *     and never stalls croftd or QEMU.  Input from clients goes to QEMU
 *     through one bounded buffer; while it is full the clients are not read.
 *     At most VM_SERIAL_CLIENTS_MAX clients at once.
 *
 * Positions in the log are offsets in the stream of everything the log
 * has held since croftd started: serial.log.1 ends where serial.log begins
 * (log->base).  vm.log reads by position, so a follower keeps its place
 * across a rotation.
 */
#ifndef CROFT_VM_SERIAL_H
#define CROFT_VM_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct loop;

#define VM_SERIAL_LOG_MAX_DEFAULT (1u << 20)
#define VM_SERIAL_LOG_MAX_MIN (16u << 10)
#define VM_SERIAL_LOG_MAX_MAX (64u << 20)
#define VM_SERIAL_CLIENTS_MAX 4
#define VM_SERIAL_CLIENT_BUF (64u << 10)    /* output kept per client */
#define VM_SERIAL_INPUT_BUF (4u << 10)      /* input waiting for QEMU */

/* --- the capped log --------------------------------------------------------- */

struct vm_serial_log {
	char *path;              /* .../serial.log */
	char *path1;             /* .../serial.log.1 */
	int fd;                  /* open for appending, or -1 */
	uint64_t size;           /* of serial.log */
	uint64_t base;           /* stream position of serial.log's first byte */
	uint64_t max;            /* cap of each file */
};

/* A log for path (path.1 its rotated copy), sizes taken from the files.
 * Never fails: a missing file is empty. */
struct vm_serial_log *vm_serial_log_new(const char *path, uint64_t max);
void vm_serial_log_free(struct vm_serial_log *log);
/* Close the file until the next write (when its VM stops). */
void vm_serial_log_close(struct vm_serial_log *log);
/* Append, rotating first when the cap would be passed (a write larger than
 * the cap keeps its last max bytes); n == 0 creates the file.  0 or -errno. */
int vm_serial_log_write(struct vm_serial_log *log, const void *buf, size_t n);
/* serial.log becomes serial.log.1 now (at a VM's start). */
void vm_serial_log_rotate(struct vm_serial_log *log);
/* Up to limit bytes of the log: those after position after, or when after
 * is negative the last limit bytes.  *start and *end are the positions of
 * what was read (*end is the log's end).  *out is malloc'd (NUL-terminated,
 * may be empty).  0 or -errno. */
int vm_serial_log_read(struct vm_serial_log *log, int64_t after, size_t limit, char **out,
		       size_t *len, uint64_t *start, uint64_t *end);

/* --- the relay ---------------------------------------------------------------- */

struct vm_serial;

/* Called once when QEMU's side of the connection ends (EOF or error); the
 * relay has closed its clients and may be freed from the callback. */
typedef void (*vm_serial_closed_fn)(struct vm_serial *s, void *data);

/* Relay qemu_fd (connected, taken on every path) into log (borrowed; may
 * be NULL) and to clients.  NULL when the fd cannot be watched. */
struct vm_serial *vm_serial_new(struct loop *l, int qemu_fd, struct vm_serial_log *log,
				vm_serial_closed_fn closed, void *data);
void vm_serial_free(struct vm_serial *s);
/* A new client: *fd is the caller's end of a socketpair (close-on-exec,
 * blocking, to hand to a console).  0, -EBUSY when VM_SERIAL_CLIENTS_MAX are
 * connected, or -errno. */
int vm_serial_client_add(struct vm_serial *s, int *fd);
size_t vm_serial_clients(const struct vm_serial *s);
/* Output dropped so far because clients did not keep up (for tests). */
uint64_t vm_serial_dropped(const struct vm_serial *s);

#endif
