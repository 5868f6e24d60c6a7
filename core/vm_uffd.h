/*
 * The userfaultfd device for VMs' QEMUs: what lets an unprivileged QEMU 7.2
 * take RAM snapshots in the background (vmstate.h, "background-snapshot")
 * while the kernel keeps userfaultfd from every other unprivileged process
 * (vm.unprivileged_userfaultfd=0, Debian's default, which croft never
 * changes).
 *
 * Linux 6.1+ has /dev/userfaultfd (root's, 0600): a process holding an open
 * fd of it gets a userfaultfd for its own memory with USERFAULTFD_IOC_NEW,
 * whatever the sysctl says.  At a start croftd opens it as root and QEMU
 * inherits the fd, its number in CROFT_UFFD_FD, with the preload library
 * croft-qemu-uffd.so (preload/croft_qemu_uffd.c), which turns QEMU's
 * userfaultfd() into that ioctl.  The library too comes as a descriptor
 * croftd opened (LD_PRELOAD=/proc/self/fd/N), as QEMU's other files do, so
 * QEMU's user needs no path to it.  Nothing
 * else in QEMU changes: it is one more descriptor a compromised QEMU holds,
 * as it holds its disks.  The host setting "ram-snapshot-fast" (on by
 * default) turns it off for QEMUs started afterwards.
 *
 * The library is found beside croftd's executable first
 * (<dir of croftd>/lib/croft-qemu-uffd.so: a build directory, for make run
 * and the tests), then at its installed path VM_UFFD_SHIM_PATH.
 */
#ifndef CROFT_VM_UFFD_H
#define CROFT_VM_UFFD_H

#include <stddef.h>
#include <sys/types.h>

struct croftd;

#define VM_UFFD_SETTING "ram-snapshot-fast"
#define VM_UFFD_ENV "CROFT_UFFD_FD"
#define VM_UFFD_DEVICE "/dev/userfaultfd"
#ifndef VM_UFFD_SHIM_PATH
#define VM_UFFD_SHIM_PATH "/usr/lib/croft/croft-qemu-uffd.so"
#endif

/* The preload library's path, or NULL when neither place has it. */
const char *vm_uffd_shim(void);

/* For a QEMU about to start: 1 with *fd the device opened for it (O_RDWR)
 * and *shim_fd the library (read-only), both close-on-exec, which the
 * caller passes on and closes; 0 with why set and both -1 when QEMU goes
 * without (the setting is off, no device, no library, or one cannot be
 * opened: logged). */
int vm_uffd_open(struct croftd *d, int *fd, int *shim_fd, char *why, size_t whylen);

/* The host setting: on (the default) or off. */
int vm_uffd_setting_on(struct croftd *d);

/* The host setting: 0 when key is not "ram-snapshot-fast", 1 when value
 * is on or off, -EINVAL with err set otherwise. */
int vm_uffd_setting_check(const char *key, const char *value, char *err, size_t errlen);

/* A running QEMU found again after a croftd restart: 1 when process pid
 * under root ("/proc") holds the device at the fd its CROFT_UFFD_FD
 * names, else 0. */
int vm_uffd_held(const char *root, pid_t pid);

#endif
