/*
 * QEMU command line builder.  qemu_cmdline_build() validates a qemu_spec and
 * turns it into an argv vector; it does no I/O and reads no environment, so
 * the same spec always gives the same vector (golden-tested).
 *
 * Quoting follows how QEMU 7.2 parses each option:
 *   - QemuOpts values (-name) have ',' doubled;
 *   - -blockdev takes JSON, built with jansson, so paths need no quoting;
 *   - -kernel, -initrd and -append take their argument verbatim.
 *
 * Files reach QEMU as descriptors croftd opened (core/vm_files.h): the
 * spec's add_fds become -add-fd options ahead of the -blockdevs, whose
 * paths are then "/dev/fdset/M", and -kernel/-initrd name "/proc/self/fd/N".
 * A qcow2 format node gets "backing": the node of its backing file
 * (disk<i>-b1, -b2, ..., read-only, defined first) or null, so QEMU never
 * opens a backing file named inside an image.  A guest's own disk passes
 * discards down (discard=unmap) and turns zeroes it writes into holes
 * (detect-zeroes=unmap), so a trimming guest gives space back to a thin
 * pool; a full pool pauses it (werror=enospc) and a failed read is the
 * guest's to handle (rerror=report).
 *
 * A disk is a virtio-blk-pci device (virtio-disk<i>), or a scsi-hd
 * (scsi-disk<i>) on the VM's one virtio-scsi-pci controller (QEMU_SCSI_ID,
 * on the root bus, present only when a disk needs it).
 *
 * QEMU is croftd's child (no -daemonize, no pidfile) and starts paused
 * (-S): croftd connects to its QMP and serial sockets, which it made and
 * passes as listening fds (chardev fd=N; QEMU listens on them itself), and
 * then lets the guest run, so no early console output is lost.  VNC has no
 * listener at all (-vnc none) and asks for a password, which croftd sets
 * when a display is opened (vm_display.c): a viewer is handed to QEMU over
 * QMP (getfd, add_client).  The seccomp sandbox is the strict one: no fork or exec
 * (spawn), no setuid or setsid (elevateprivileges), no obsolete calls, no
 * scheduler or affinity changes.
 *
 * Boot order is expressed with bootindex only: the tokens of spec->boot are
 * walked in order, "disk" numbering every disk in array order and "cdrom"
 * the CD drive.  Devices not named get no bootindex.
 *
 * NICs come last: spec->nic_ports pcie-root-ports (chassis 1..N, their
 * PCI addresses chosen by QEMU after every other device's), then per NIC
 * a tap netdev (script=no: the tap exists already, QEMU only opens it) and
 * a virtio-net-pci on its port, without an option ROM (no PXE boot menu
 * entry, no ROM file QEMU's user must read).  After the NICs' ports come
 * spec->disk_ports empty ones, diskport<k>, for disks hot-plugged later
 * (q35's root bus takes no hot-plugged device).
 */
#include "core/qemu_cmdline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xalloc.h"

/* The strict sandbox; see the comment at the top. */
#define SANDBOX_OPTS \
	"on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

struct argvec {
	char **v;
	size_t n;
	size_t cap;
};

static void av_take(struct argvec *av, char *s)
{
	if (av->n + 2 > av->cap) {
		av->cap = av->cap ? av->cap * 2 : 64;
		av->v = xrealloc(av->v, av->cap * sizeof(*av->v));
	}
	av->v[av->n++] = s;
	av->v[av->n] = NULL;
}

static void av_add(struct argvec *av, const char *s)
{
	av_take(av, xstrdup(s));
}

static void av_addf(struct argvec *av, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void av_addf(struct argvec *av, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		abort();
	av_take(av, s);
}

static void av_add2(struct argvec *av, const char *opt, const char *val)
{
	av_add(av, opt);
	av_add(av, val);
}

/* A value inside a QemuOpts string: QEMU reads ",," as one ','. */
static char *opt_escape(const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *q;

	for (p = s; *p; p++)
		n += (*p == ',') ? 2 : 1;
	out = xmalloc(n + 1);
	for (p = s, q = out; *p; p++) {
		*q++ = *p;
		if (*p == ',')
			*q++ = ',';
	}
	*q = '\0';
	return out;
}

char *qemu_cmdline_name_arg(const char *name)
{
	char *esc = opt_escape(name), *arg = xasprintf("guest=%s,debug-threads=on", esc);

	free(esc);
	return arg;
}

/* Jansson only fails here when out of memory, which xalloc treats as fatal. */
static void jset(json_t *obj, const char *key, json_t *val)
{
	if (!val || json_object_set_new(obj, key, val))
		abort();
}

static void av_add_json(struct argvec *av, const char *opt, const json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	if (!s)
		abort();
	av_add(av, opt);
	av_take(av, s);
}

/* One -blockdev pair: a "file" protocol node NAME-file under a format node
 * NAME.  A path or format that is not valid UTF-8 cannot be put in JSON and
 * gives -EINVAL. */
static int add_blockdev(struct argvec *av, const char *name, const char *path,
			const char *format, int readonly, int discard, const char *backing,
			char *err, size_t errlen)
{
	char *file_node = xasprintf("%s-file", name);
	json_t *file = NULL, *fmt = NULL;
	int rc = -EINVAL;

	file = json_pack("{s:s, s:s, s:s}", "driver", "file",
			 "filename", path, "node-name", file_node);
	fmt = json_pack("{s:s, s:s, s:s}", "driver", format,
			"file", file_node, "node-name", name);
	if (!file || !fmt) {
		err_set(err, errlen, "%s: path or format is not valid UTF-8: %s",
			name, path);
		goto fail;
	}
	if (!strcmp(format, "qcow2"))       /* never a path from the image */
		jset(fmt, "backing", backing ? json_string(backing) : json_null());
	if (discard) {
		jset(file, "discard", json_string("unmap"));
		jset(fmt, "discard", json_string("unmap"));
		jset(fmt, "detect-zeroes", json_string("unmap"));
	}
	jset(file, "read-only", json_boolean(readonly));
	jset(fmt, "read-only", json_boolean(readonly));
	av_add_json(av, "-blockdev", file);
	av_add_json(av, "-blockdev", fmt);
	rc = 0;
fail:
	json_decref(fmt);
	json_decref(file);
	free(file_node);
	return rc;
}

/* A disk's backing chain, the deepest first (QEMU needs a node before the
 * node naming it as backing): NAME-b1 is d's backing file, NAME-b2 its
 * backing file's, and so on; each read-only. */
static int add_chain(struct argvec *av, const char *name, const struct qemu_disk *d,
		     unsigned depth, char *err, size_t errlen)
{
	char node[48], below[48];
	int rc;

	if (depth)
		snprintf(node, sizeof(node), "%s-b%u", name, depth);
	else
		snprintf(node, sizeof(node), "%s", name);
	snprintf(below, sizeof(below), "%s-b%u", name, depth + 1);
	if (d->backing && depth >= 16) {
		err_set(err, errlen, "%s: backing chain too long", name);
		return -EINVAL;
	}
	if (d->backing && (rc = add_chain(av, name, d->backing, depth + 1, err, errlen)) < 0)
		return rc;
	if (!d->path || !*d->path || !d->format || !*d->format) {
		err_set(err, errlen, "%s: backing file without path or format", node);
		return -EINVAL;
	}
	return add_blockdev(av, node, d->path, d->format, depth ? 1 : !!d->readonly, !depth,
			    d->backing ? below : NULL, err, errlen);
}

/* Parse spec->boot into bootindex bases: *disk_base numbers disk 0 (the
 * others follow), *cdrom_index the CD drive; 0 means not bootable. */
static int parse_boot(const struct qemu_spec *spec, int *disk_base,
		      int *cdrom_index, char *err, size_t errlen)
{
	const char *p = spec->boot, *end;
	int next = 1;
	size_t len;

	*disk_base = 0;
	*cdrom_index = 0;
	if (!p || !*p) {
		err_set(err, errlen, "boot order is empty");
		return -EINVAL;
	}
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 4 && !strncmp(p, "disk", 4)) {
			if (*disk_base) {
				err_set(err, errlen, "boot order '%s' names disk twice",
					spec->boot);
				return -EINVAL;
			}
			if (!spec->ndisks && !spec->kernel) {
				err_set(err, errlen,
					"boot order '%s' names disk but the VM has no disk",
					spec->boot);
				return -EINVAL;
			}
			*disk_base = next;
			next += (int)spec->ndisks;
		} else if (len == 5 && !strncmp(p, "cdrom", 5)) {
			if (*cdrom_index) {
				err_set(err, errlen, "boot order '%s' names cdrom twice",
					spec->boot);
				return -EINVAL;
			}
			if (!spec->cdrom) {
				err_set(err, errlen,
					"boot order '%s' names cdrom but the VM has no CD drive",
					spec->boot);
				return -EINVAL;
			}
			*cdrom_index = next++;
		} else {
			err_set(err, errlen,
				"unknown boot device '%.*s' in '%s' (expected disk or cdrom)",
				(int)len, p, spec->boot);
			return -EINVAL;
		}
		if (!end)
			return 0;
		p = end + 1;
	}
}

unsigned qemu_nic_ports(size_t n)
{
	size_t ports = n + QEMU_NIC_PORTS_SPARE;

	if (n >= QEMU_NIC_PORTS_MAX)
		return (unsigned)n;
	return (unsigned)(ports > QEMU_NIC_PORTS_MAX ? QEMU_NIC_PORTS_MAX : ports);
}

/* An interface name QEMU can take inside -netdev: 1-15 characters from
 * [A-Za-z0-9_.-]. */
static int ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < 16 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int mac_ok(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 17)
		return 0;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

static int check_nics(const struct qemu_spec *spec, char *err, size_t errlen)
{
	size_t i, j;

	if (spec->nnics && !spec->nics) {
		err_set(err, errlen, "%zu NICs announced but none given", spec->nnics);
		return -EINVAL;
	}
	if (spec->nic_ports > QEMU_NIC_PORTS_MAX) {
		err_set(err, errlen, "%u PCIe ports for NICs asked for; the most is %d",
			spec->nic_ports, QEMU_NIC_PORTS_MAX);
		return -EINVAL;
	}
	if (spec->nnics > spec->nic_ports) {
		err_set(err, errlen, "VM '%s' has %zu NICs but only %u PCIe ports for them",
			spec->name, spec->nnics, spec->nic_ports);
		return -EINVAL;
	}
	for (i = 0; i < spec->nnics; i++) {
		const struct qemu_nic *n = &spec->nics[i];

		if (!ifname_ok(n->ifname)) {
			err_set(err, errlen, "NIC %u: tap name '%s' is not an interface name",
				n->id, n->ifname ? n->ifname : "");
			return -EINVAL;
		}
		if (!mac_ok(n->mac)) {
			err_set(err, errlen, "NIC %u: MAC '%s' is not of the form 52:54:00:12:34:56",
				n->id, n->mac ? n->mac : "");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (spec->nics[j].id == n->id) {
				err_set(err, errlen, "NIC %u is given twice", n->id);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_spec(const struct qemu_spec *spec, char *err, size_t errlen)
{
	size_t i;

	if (!spec->qemu_binary || !*spec->qemu_binary) {
		err_set(err, errlen, "no QEMU binary given");
		return -EINVAL;
	}
	if (!spec->name || !*spec->name) {
		err_set(err, errlen, "VM has no name");
		return -EINVAL;
	}
	if (spec->qmp_fd < 3 || spec->serial_fd < 3 || spec->qmp_fd == spec->serial_fd) {
		err_set(err, errlen, "VM '%s' needs two distinct descriptors above 2 for its QMP "
			"and serial sockets (got %d and %d)", spec->name, spec->qmp_fd,
			spec->serial_fd);
		return -EINVAL;
	}
	if (spec->display && strcmp(spec->display, "none") && strcmp(spec->display, "std") &&
	    strcmp(spec->display, "virtio")) {
		err_set(err, errlen, "VM '%s': unknown display '%s'", spec->name, spec->display);
		return -EINVAL;
	}
	if (spec->agent_fd && (spec->agent_fd < 3 || spec->agent_fd == spec->qmp_fd ||
			       spec->agent_fd == spec->serial_fd)) {
		err_set(err, errlen, "VM '%s' needs a descriptor above 2 of its own for its guest "
			"agent socket (got %d)", spec->name, spec->agent_fd);
		return -EINVAL;
	}
	if (!spec->vcpus) {
		err_set(err, errlen, "VM '%s' needs at least one vCPU", spec->name);
		return -EINVAL;
	}
	if (!spec->memory_mib) {
		err_set(err, errlen, "VM '%s' needs memory", spec->name);
		return -EINVAL;
	}
	if (!spec->accel || (strcmp(spec->accel, "kvm") && strcmp(spec->accel, "tcg"))) {
		err_set(err, errlen, "unknown accelerator '%s' (expected kvm or tcg)",
			spec->accel ? spec->accel : "(none)");
		return -EINVAL;
	}
	if (!spec->firmware ||
	    (strcmp(spec->firmware, "bios") && strcmp(spec->firmware, "uefi"))) {
		err_set(err, errlen, "unknown firmware '%s' (expected bios or uefi)",
			spec->firmware ? spec->firmware : "(none)");
		return -EINVAL;
	}
	if (!strcmp(spec->firmware, "uefi") &&
	    (!spec->ovmf_code || !*spec->ovmf_code)) {
		err_set(err, errlen, "uefi firmware needs an OVMF code image");
		return -EINVAL;
	}
	if (!strcmp(spec->firmware, "uefi") &&
	    (!spec->ovmf_vars || !*spec->ovmf_vars)) {
		err_set(err, errlen, "uefi firmware needs an OVMF vars file");
		return -EINVAL;
	}
	if (spec->ndisks && !spec->disks) {
		err_set(err, errlen, "%zu disks announced but none given", spec->ndisks);
		return -EINVAL;
	}
	for (i = 0; i < spec->ndisks; i++) {
		if (!spec->disks[i].path || !*spec->disks[i].path) {
			err_set(err, errlen, "disk %zu has no path", i);
			return -EINVAL;
		}
		if (!spec->disks[i].format || !*spec->disks[i].format) {
			err_set(err, errlen, "disk %zu (%s) has no format", i,
				spec->disks[i].path);
			return -EINVAL;
		}
	}
	if (spec->cdrom && !*spec->cdrom) {
		err_set(err, errlen, "CD drive has an empty path");
		return -EINVAL;
	}
	if (spec->kernel && !*spec->kernel) {
		err_set(err, errlen, "kernel path is empty");
		return -EINVAL;
	}
	if (spec->append && !spec->kernel) {
		err_set(err, errlen, "a kernel command line needs a kernel");
		return -EINVAL;
	}
	if (spec->initrd && !spec->kernel) {
		err_set(err, errlen, "an initrd needs a kernel");
		return -EINVAL;
	}
	return check_nics(spec, err, errlen);
}

int qemu_cmdline_build(const struct qemu_spec *spec, char ***argv, size_t *argc,
		       char *err, size_t errlen)
{
	struct argvec av = { 0 };
	int uefi, disk_base, cdrom_index, rc;
	size_t i;

	*argv = NULL;
	*argc = 0;
	if ((rc = check_spec(spec, err, errlen)) < 0)
		return rc;
	if ((rc = parse_boot(spec, &disk_base, &cdrom_index, err, errlen)) < 0)
		return rc;
	uefi = !strcmp(spec->firmware, "uefi");

	av_add(&av, spec->qemu_binary);

	av_add(&av, "-name");
	av_take(&av, qemu_cmdline_name_arg(spec->name));
	if (spec->uuid)
		av_add2(&av, "-uuid", spec->uuid);
	av_add(&av, "-machine");
	av_addf(&av, "q35,accel=%s%s%s", spec->accel,
		uefi ? ",pflash0=pflash0,pflash1=pflash1" : "", spec->ksm_off ? ",mem-merge=off" : "");
	av_add2(&av, "-cpu", strcmp(spec->accel, "kvm") ? "max" : "host");
	av_add(&av, "-smp");
	av_addf(&av, "%u", spec->vcpus);
	av_add(&av, "-m");
	av_addf(&av, "%" PRIu64 "M", spec->memory_mib);
	av_add(&av, "-nodefaults");
	av_add(&av, "-no-user-config");
	av_add2(&av, "-display", "none");
	if (!spec->display || !strcmp(spec->display, "std"))
		av_add2(&av, "-device", "VGA");
	else if (!strcmp(spec->display, "virtio"))
		av_add2(&av, "-device", "virtio-vga");
	av_add2(&av, "-vnc", "none,password=on");
	av_add(&av, "-S");
	if (spec->incoming)
		av_add2(&av, "-incoming", "defer");

	av_add(&av, "-chardev");
	av_addf(&av, "socket,id=qmp,fd=%d,server=on,wait=off", spec->qmp_fd);
	av_add2(&av, "-mon", "chardev=qmp,mode=control");

	av_add(&av, "-chardev");
	av_addf(&av, "socket,id=serial0,fd=%d,server=on,wait=off", spec->serial_fd);
	av_add2(&av, "-serial", "chardev:serial0");

	av_add2(&av, "-device", "virtio-balloon-pci,id=balloon0,"
		"free-page-reporting=on,deflate-on-oom=on");
	if (spec->agent_fd) {
		av_add2(&av, "-device", "virtio-serial-pci,id=vserial0");
		av_add(&av, "-chardev");
		av_addf(&av, "socket,id=agent0,fd=%d,server=on,wait=off", spec->agent_fd);
		av_add2(&av, "-device", "virtserialport,bus=vserial0.0,chardev=agent0,"
			"name=org.qemu.guest_agent.0");
	}
	av_add(&av, "-no-shutdown");
	av_add2(&av, "-sandbox", SANDBOX_OPTS);
	av_add2(&av, "-msg", "timestamp=on");
	av_add2(&av, "-rtc", "base=utc");

	for (i = 0; i < spec->nadd_fds; i++) {
		char *s = opt_escape(spec->add_fds[i].opaque ? spec->add_fds[i].opaque : "");
		av_add(&av, "-add-fd");
		av_addf(&av, "fd=%d,set=%u,opaque=%s", spec->add_fds[i].fd, spec->add_fds[i].set, s);
		free(s);
	}

	if (uefi) {
		rc = add_blockdev(&av, "pflash0", spec->ovmf_code, "raw", 1, 0, NULL,
				  err, errlen);
		if (rc < 0)
			goto fail;
		rc = add_blockdev(&av, "pflash1", spec->ovmf_vars, "raw", 0, 0, NULL,
				  err, errlen);
		if (rc < 0)
			goto fail;
	}

	for (i = 0; i < spec->ndisks; i++) {
		if (spec->disks[i].scsi) {
			av_add2(&av, "-device", "virtio-scsi-pci,id=" QEMU_SCSI_ID);
			break;
		}
	}
	for (i = 0; i < spec->ndisks; i++) {
		const struct qemu_disk *d = &spec->disks[i];
		char node[32], boot[32] = "";

		snprintf(node, sizeof(node), "disk%zu", i);
		rc = add_chain(&av, node, d, 0, err, errlen);
		if (rc < 0)
			goto fail;
		if (disk_base)
			snprintf(boot, sizeof(boot), ",bootindex=%zu", (size_t)disk_base + i);
		av_add(&av, "-device");
		if (d->scsi)
			av_addf(&av, "scsi-hd,bus=" QEMU_SCSI_ID ".0,drive=%s,id=scsi-%s%s,"
				"write-cache=on,werror=enospc,rerror=report", node, node, boot);
		else
			av_addf(&av, "virtio-blk-pci,drive=%s,id=virtio-%s%s,"
				"write-cache=on,werror=enospc,rerror=report", node, node, boot);
	}

	if (spec->cdrom) {
		rc = add_blockdev(&av, "cdrom0", spec->cdrom, "raw", 1, 0, NULL,
				  err, errlen);
		if (rc < 0)
			goto fail;
		av_add(&av, "-device");
		if (cdrom_index)
			av_addf(&av, "ide-cd,bus=ide.0,drive=cdrom0,id=cdrom0,bootindex=%d",
				cdrom_index);
		else
			av_add(&av, "ide-cd,bus=ide.0,drive=cdrom0,id=cdrom0");
	}
	if (spec->seed) {
		rc = add_blockdev(&av, "cidata0", spec->seed, "raw", 1, 0, NULL, err, errlen);
		if (rc < 0)
			goto fail;
		av_add2(&av, "-device", "ide-cd,bus=ide.1,drive=cidata0,id=cidata0");
	}

	for (i = 0; i < spec->nic_ports; i++) {
		av_add(&av, "-device");
		av_addf(&av, "pcie-root-port,id=nicport%zu,bus=pcie.0,chassis=%zu", i, i + 1);
	}
	for (i = 0; i < spec->disk_ports; i++) {
		av_add(&av, "-device");
		av_addf(&av, "pcie-root-port,id=diskport%zu,bus=pcie.0,chassis=%zu", i,
			spec->nic_ports + i + 1);
	}
	for (i = 0; i < spec->nnics; i++) {
		const struct qemu_nic *n = &spec->nics[i];

		av_add(&av, "-netdev");
		av_addf(&av, "tap,id=net%u,ifname=%s,script=no,downscript=no,vhost=%s",
			n->id, n->ifname, spec->vhost ? "on" : "off");
		av_add(&av, "-device");
		av_addf(&av, "virtio-net-pci,netdev=net%u,id=nic%u,mac=%s,bus=nicport%zu,romfile=",
			n->id, n->id, n->mac, i);
	}

	if (spec->kernel) {
		av_add2(&av, "-kernel", spec->kernel);
		if (spec->initrd)
			av_add2(&av, "-initrd", spec->initrd);
		if (spec->append)
			av_add2(&av, "-append", spec->append);
	}

	*argv = av.v;
	*argc = av.n;
	return 0;

fail:
	qemu_cmdline_free(av.v);
	return rc;
}

void qemu_cmdline_free(char **argv)
{
	char **p;

	if (!argv)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}
