/*
 * The QEMU command line of a VM, built by a pure function from its spec
 * (no I/O, no globals, no clock), so it can be golden-tested.  QEMU gets
 * no path to write: its QMP and serial sockets arrive as listening fds
 * (spec->qmp_fd, serial_fd, the numbers they have in QEMU), VNC has no
 * listener (-vnc none), and it starts paused (-S) until croftd has
 * connected (qemu_cmdline.c).  The guest agent's channel is a listening
 * fd too (spec->agent_fd), which croftd connects to (vm_agent.c).
 *
 * NICs are virtio-net-pci devices, each on its own pcie-root-port so it
 * can be unplugged while the guest runs; the ports (nicport0..N-1, after
 * every other device so adding them moves nothing) include spare ones for
 * NICs hot-plugged later.  Each NIC uses a tap croft-netd created:
 * netdev net<id> on tap croftt<id>, device nic<id>, where id is the NIC's
 * store id.
 */
#ifndef CROFT_QEMU_CMDLINE_H
#define CROFT_QEMU_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

struct qemu_disk {
	const char *path;
	const char *format;      /* "qcow2", "raw", ... */
	int readonly;
	const struct qemu_disk *backing;  /* a qcow2's backing file (read-only), or NULL */
	int scsi;                /* a scsi-hd on the VM's virtio-scsi controller (else virtio-blk) */
};

/* A descriptor QEMU inherited, put in an fd set: -add-fd fd=N,set=M,opaque=...;
 * a blockdev reaches it as "/dev/fdset/M". */
struct qemu_add_fd {
	int fd;
	unsigned set;
	const char *opaque;
};

struct qemu_nic {
	uint32_t id;             /* store id: netdev net<id>, device nic<id> */
	const char *ifname;      /* the tap, croftt<id> */
	const char *mac;         /* "52:54:00:12:34:56" */
};

#define QEMU_NIC_PORTS_MAX 8      /* PCIe ports for NICs, present and spare */
#define QEMU_NIC_PORTS_SPARE 4    /* free ports beyond the NICs at start */

#define QEMU_DISK_PORTS 4         /* PCIe ports for disks hot-plugged later */
#define QEMU_SCSI_ID "scsi0"      /* the virtio-scsi controller: one per VM, when needed */

/* Ports a VM starting with n NICs gets: n + spare, at most the maximum. */
unsigned qemu_nic_ports(size_t n);

struct qemu_spec {
	const char *qemu_binary; /* e.g. "qemu-system-x86_64" */
	const char *name;
	const char *uuid;
	unsigned vcpus;
	uint64_t memory_mib;
	const char *accel;       /* resolved: "kvm" or "tcg" */
	const char *firmware;    /* "bios" or "uefi" */
	const char *ovmf_code;   /* uefi: read-only code image */
	const char *ovmf_vars;   /* uefi: this VM's writable vars copy */
	const char *boot;        /* "disk", "cdrom", "cdrom,disk", "disk,cdrom" */
	const char *display;     /* "none", "std" (NULL: std VGA) or "virtio" */
	const struct qemu_disk *disks;
	size_t ndisks;
	const char *cdrom;       /* NULL: no CD drive */
	const char *seed;        /* the cloud-init seed, a read-only CD drive on the
				  * second AHCI port (volume "cidata"); NULL: none */
	const char *kernel;      /* NULL unless direct kernel boot */
	const char *initrd;
	const char *append;
	int qmp_fd;              /* fd numbers in QEMU (>= 3) of croftd's */
	int serial_fd;           /* listening QMP and serial sockets */
	int agent_fd;            /* the guest agent's listening socket, or 0: no
				  * agent channel (virtio-serial port
				  * org.qemu.guest_agent.0, after the balloon) */
	const struct qemu_add_fd *add_fds;  /* fd sets, before every -blockdev */
	size_t nadd_fds;
	const struct qemu_nic *nics;  /* in order: NIC i sits on nicport<i> */
	size_t nnics;
	unsigned nic_ports;      /* pcie-root-ports for NICs, >= nnics */
	unsigned disk_ports;     /* free pcie-root-ports diskport<k> for hot-plugged disks */
	int vhost;               /* vhost-net for the taps */
	int ksm_off;             /* mem-merge=off: KSM may not merge its memory */
	int incoming;            /* -incoming defer: the guest's state comes over
				  * QMP (migrate-incoming) instead of a boot */
};

/* On success *argv is a NULL-terminated malloc'd vector (free with
 * qemu_cmdline_free) and *argc its length.  -EINVAL with err naming the
 * problem for a spec that cannot be expressed (unknown boot device, uefi
 * without vars, ...). */
int qemu_cmdline_build(const struct qemu_spec *spec, char ***argv, size_t *argc,
		       char *err, size_t errlen);
void qemu_cmdline_free(char **argv);

/* The argument of -name for a VM called name ("guest=NAME,debug-threads=on"
 * with ',' doubled): how croftd recognises its QEMU in /proc.  malloc'd. */
char *qemu_cmdline_name_arg(const char *name);

#endif
