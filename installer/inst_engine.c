/*
 * The install engine (inst_engine.h).  Each step is a function of the
 * context; the context records what is mounted so a failure can undo it,
 * and in a dry run the helpers print what they would do instead.
 */
#include "installer/inst_engine.h"
#include "installer/inst_run.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_MOUNTS 4

struct ctx {
	const struct inst_plan *plan;
	const struct inst_opts *o;
	struct inst_progress *p;
	struct inst_sys sys;
	char part[INST_NPARTS][64];
	char target[64];
	char mounts[MAX_MOUNTS][PATH_MAX];
	int n_mounts;
	int touched;              /* the disk has been written to */
	char *err;
	size_t errlen;
};

/* --- planning -------------------------------------------------------------- */

static int pick_disk(const struct answer *a, const struct inst_opts *o, struct inst_disk *out,
		     char *err, size_t errlen)
{
	struct inst_disk *d;
	struct answer_disk *ad;
	size_t n, i;
	int rc;

	if ((rc = inst_disks_list(o->sysfs, &d, &n, err, errlen)) < 0)
		return rc;
	ad = xcalloc(n ? n : 1, sizeof(*ad));
	for (i = 0; i < n; i++)
		ad[i] = (struct answer_disk){ d[i].name, d[i].model, d[i].serial, d[i].size };
	rc = answer_disk_pick(a, ad, n, err, errlen);
	if (rc >= 0) {
		*out = d[rc];
		rc = 0;
	}
	free(ad);
	free(d);
	return rc;
}

static int pick_nic(const struct answer *a, const struct inst_opts *o, struct inst_nic *out,
		    char *err, size_t errlen)
{
	struct inst_nic *v;
	struct answer_nic *an;
	size_t n, i;
	int rc;

	if ((rc = inst_nics_list(o->sysfs, &v, &n, err, errlen)) < 0)
		return rc;
	an = xcalloc(n ? n : 1, sizeof(*an));
	for (i = 0; i < n; i++) {
		an[i].name = v[i].name;
		memcpy(an[i].mac, v[i].mac, 6);
	}
	rc = answer_nic_pick(a, an, n, err, errlen);
	if (rc >= 0) {
		*out = v[rc];
		rc = 0;
	}
	free(an);
	free(v);
	return rc;
}

/* 1 when dev is disk or one of its partitions. */
static int on_disk(const char *dev, const char *disk)
{
	size_t n = strlen(disk);

	return !strncmp(dev, disk, n) &&
	       (dev[n] == '\0' || (dev[n] >= '0' && dev[n] <= '9') || dev[n] == 'p');
}

static int disk_in_use(const char *disk, char *err, size_t errlen)
{
	static const char *const tables[] = { "/proc/self/mounts", "/proc/swaps" };
	char line[1024], dev[512], where[512];
	size_t i;
	FILE *f;

	for (i = 0; i < 2; i++) {
		if (!(f = fopen(tables[i], "re")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%511s %511s", dev, where) != 2 || !on_disk(dev, disk))
				continue;
			fclose(f);
			err_set(err, errlen, "the disk %s is in use: %s %s %s; it cannot be the target",
				disk, dev, i ? "is swap" : "is mounted on", i ? "" : where);
			return -EBUSY;
		}
		fclose(f);
	}
	return 0;
}

static int need_file(const char *what, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(err, errlen, "%s %s is missing: %s", what, path,
			errno ? strerror(errno) : "not a file");
		return -ENOENT;
	}
	return 0;
}

int inst_plan(const struct answer *a, const struct inst_opts *o, struct inst_plan *plan,
	      char *err, size_t errlen)
{
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->a = a;
	if ((rc = pick_disk(a, o, &plan->disk, err, errlen)) < 0 ||
	    (rc = pick_nic(a, o, &plan->nic, err, errlen)) < 0 ||
	    (rc = inst_layout_compute(plan->disk.size, &plan->layout, err, errlen)) < 0 ||
	    (rc = disk_in_use(plan->disk.path, err, errlen)) < 0)
		return rc;
	if ((rc = need_file("the system to install", o->source, "filesystem.squashfs", err, errlen)) < 0 ||
	    (rc = need_file("the kernel", o->source, "vmlinuz", err, errlen)) < 0 ||
	    (rc = need_file("the initrd", o->source, "initrd.img", err, errlen)) < 0)
		return rc;
	if (a->first_boot_script[0] &&
	    (rc = need_file("[first-boot] script", o->medium, a->first_boot_script, err, errlen)) < 0)
		return rc;
	if (strcmp(a->timezone, "UTC") &&
	    (rc = need_file("the time zone", o->zoneinfo, a->timezone, err, errlen)) < 0)
		return rc;
	return 0;
}

/* --- the helpers: do it, or say it in a dry run ---------------------------- */

static int run(struct ctx *c, const char *const argv[], const char *input)
{
	char line[1024];

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "run: %s\n", inst_argv_str(argv, line, sizeof(line)));
		if (input)
			fprintf(c->o->plan_out, "%s", input);
		return 0;
	}
	return inst_run(argv, input, NULL, 0, c->err, c->errlen);
}

static int mkdirs(struct ctx *c, const char *path, mode_t mode)
{
	char tmp[PATH_MAX], *s;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (s = tmp + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char keep = *s;

		*s = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
			int e = errno;

			err_set(c->err, c->errlen, "cannot make the directory %s: %s", tmp, strerror(e));
			return -e;
		}
		*s = keep;
		if (!keep)
			return 0;
	}
}

/* Write text to path inside the target (parents made, a symlink there is
 * replaced). */
static int put(struct ctx *c, const char *path, const char *text, mode_t mode)
{
	char full[PATH_MAX], dir[PATH_MAX], *slash;
	size_t len = strlen(text);
	int fd, rc;

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "write: %s (%04o, %zu bytes)\n", path, (unsigned)mode, len);
		return 0;
	}
	snprintf(full, sizeof(full), "%s%s", c->target, path);
	snprintf(dir, sizeof(dir), "%s", full);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if ((rc = mkdirs(c, dir, 0755)) < 0)
		return rc;
	unlink(full);
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0 || close(fd) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		err_set(c->err, c->errlen, "cannot write %s: %s", full, strerror(e));
		return -e;
	}
	return 0;
}

static int mount_at(struct ctx *c, const char *dev, const char *rel, const char *fstype)
{
	char where[PATH_MAX];
	int rc;

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "mount: %s on %s (%s)\n", dev, *rel ? rel : "/", fstype);
		return 0;
	}
	snprintf(where, sizeof(where), "%s%s", c->target, rel);
	if ((rc = mkdirs(c, where, 0755)) < 0)
		return rc;
	if (mount(dev, where, fstype, 0, NULL) < 0) {
		int e = errno;

		err_set(c->err, c->errlen, "cannot mount %s (%s) on %s: %s", dev, fstype, where,
			strerror(e));
		return -e;
	}
	snprintf(c->mounts[c->n_mounts++], PATH_MAX, "%s", where);
	return 0;
}

static void unmount_all(struct ctx *c)
{
	while (c->n_mounts > 0) {
		const char *m = c->mounts[--c->n_mounts];

		if (umount(m) < 0)
			umount2(m, MNT_DETACH);
	}
	if (c->target[0] && !c->o->dry_run)
		rmdir(c->target);
}

static void random_uuid(char *out, size_t len)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/uuid", "re");

	if (!f || !fgets(buf, sizeof(buf), f))
		snprintf(buf, sizeof(buf), "%08lx-0000-4000-8000-%012lx", (unsigned long)time(NULL),
			 (unsigned long)getpid());
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf);
}

/* --- the steps ------------------------------------------------------------- */

static int step_partition(struct ctx *c)
{
	const char *disk = c->plan->disk.path;
	const char *wipe[] = { "wipefs", "--all", "--quiet", disk, NULL };
	const char *sfdisk[] = { "sfdisk", "--quiet", "--wipe", "always", "--wipe-partitions", "always",
				 disk, NULL };
	char *script = inst_layout_sfdisk(&c->plan->layout);
	struct stat st;
	int rc, i, tries;

	c->touched = 1;
	rc = run(c, wipe, NULL);
	if (rc == 0)
		rc = run(c, sfdisk, script);
	free(script);
	if (rc < 0 || c->o->dry_run)
		return rc;
	/* devtmpfs makes the partitions' nodes once the kernel has re-read
	 * the table; wait for them (udev may be a moment behind). */
	for (i = 0; i < INST_NPARTS; i++)
		for (tries = 0; stat(c->part[i], &st) < 0; tries++) {
			if (tries == 20) {
				/* a kernel that did not parse the new table (loop
				 * devices on some kernels): add them by hand */
				const char *partx[] = { "partx", "--add", disk, NULL };

				if ((rc = run(c, partx, NULL)) < 0)
					return rc;
			}
			if (tries >= 100) {
				err_set(c->err, c->errlen, "the partition %s did not appear after the "
					"disk was partitioned", c->part[i]);
				return -ENODEV;
			}
			usleep(100000);
		}
	return 0;
}

static int step_mkfs(struct ctx *c)
{
	const char *fs = c->plan->a->disk.filesystem[0] ? c->plan->a->disk.filesystem : "ext4";
	char volid[9], mkfs[16], uuidopt[64];
	const char *esp[] = { "mkfs.fat", "-F", "32", "-n", "CROFT-ESP", "-i", volid,
			      c->part[INST_PART_ESP], NULL };
	const char *ext[] = { mkfs, "-F", "-q", "-L", NULL, "-U", NULL, NULL, NULL };
	const char *xfs[] = { mkfs, "-f", "-q", "-L", NULL, "-m", uuidopt, NULL, NULL };
	const char **argv = strcmp(fs, "xfs") ? ext : xfs;
	int rc, i;

	snprintf(volid, sizeof(volid), "%.4s%.4s", c->sys.esp_uuid, c->sys.esp_uuid + 5);
	snprintf(mkfs, sizeof(mkfs), "mkfs.%s", fs);
	if ((rc = run(c, esp, NULL)) < 0)
		return rc;
	for (i = INST_PART_ROOT; i <= INST_PART_DATA; i++) {
		const char *uuid = i == INST_PART_ROOT ? c->sys.root_uuid : c->sys.data_uuid;

		argv[4] = i == INST_PART_ROOT ? "croft-root" : "croft-data";
		argv[6] = argv == ext ? uuid : uuidopt;
		snprintf(uuidopt, sizeof(uuidopt), "uuid=%s", uuid);
		argv[7] = c->part[i];
		if ((rc = run(c, argv, NULL)) < 0)
			return rc;
	}
	return 0;
}

static int step_unpack(struct ctx *c)
{
	const char *fs = c->plan->a->disk.filesystem[0] ? c->plan->a->disk.filesystem : "ext4";
	char src[PATH_MAX];
	const char *unsq[] = { "unsquashfs", "-f", "-no-progress", "-d", c->target, src, NULL };
	int rc;

	snprintf(src, sizeof(src), "%s/filesystem.squashfs", c->o->source);
	if ((rc = mount_at(c, c->part[INST_PART_ROOT], "", fs)) < 0 || (rc = run(c, unsq, NULL)) < 0)
		return rc;
	return 0;
}

static int step_mount_rest(struct ctx *c)
{
	const char *fs = c->plan->a->disk.filesystem[0] ? c->plan->a->disk.filesystem : "ext4";
	int rc;

	/* the ESP holds only GRUB's EFI image: without a boot loader (tests)
	 * it is made but not filled */
	if (!c->o->no_bootloader &&
	    (rc = mount_at(c, c->part[INST_PART_ESP], "/boot/efi", "vfat")) < 0)
		return rc;
	return mount_at(c, c->part[INST_PART_DATA], "/var/lib/croft/pools", fs);
}

/* The kernel release: the one directory in the target's /lib/modules. */
static int find_kver(struct ctx *c)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (c->o->dry_run) {
		snprintf(c->sys.kver, sizeof(c->sys.kver), "KVER");
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/lib/modules", c->target);
	if (!(d = opendir(dir))) {
		err_set(c->err, c->errlen, "the unpacked system has no %s: %s", dir, strerror(errno));
		return -ENOENT;
	}
	c->sys.kver[0] = '\0';
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strlen(de->d_name) < sizeof(c->sys.kver))
			snprintf(c->sys.kver, sizeof(c->sys.kver), "%s", de->d_name);
	closedir(d);
	if (!c->sys.kver[0]) {
		err_set(c->err, c->errlen, "the unpacked system has no kernel modules in %s", dir);
		return -ENOENT;
	}
	return 0;
}

static int copy_file(struct ctx *c, const char *from, const char *to)
{
	char dst[PATH_MAX + 64];
	const char *cp[] = { "cp", from, dst, NULL };

	snprintf(dst, sizeof(dst), "%s%s", c->o->dry_run ? "" : c->target, to);
	return run(c, cp, NULL);
}

static int step_kernel(struct ctx *c)
{
	char from[PATH_MAX], to[PATH_MAX];
	int rc;

	if ((rc = find_kver(c)) < 0)
		return rc;
	/* the live root is packed without its /boot */
	snprintf(to, sizeof(to), "%s/boot", c->target);
	if (!c->o->dry_run && (rc = mkdirs(c, to, 0755)) < 0)
		return rc;
	snprintf(from, sizeof(from), "%s/vmlinuz", c->o->source);
	snprintf(to, sizeof(to), "/boot/vmlinuz-%s", c->sys.kver);
	if ((rc = copy_file(c, from, to)) < 0)
		return rc;
	snprintf(from, sizeof(from), "%s/initrd.img", c->o->source);
	snprintf(to, sizeof(to), "/boot/initrd.img-%s", c->sys.kver);
	return copy_file(c, from, to);
}

/* Files only the live system has (its autologins, the installer's own
 * units), listed one a line in the live root's /etc/croft/live-only. */
static int drop_live_only(struct ctx *c)
{
	char path[PATH_MAX], line[PATH_MAX], full[PATH_MAX * 2];
	FILE *f;

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "remove: the files listed in /etc/croft/live-only\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/etc/croft/live-only", c->target);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '/' || strstr(line, ".."))
			continue;
		snprintf(full, sizeof(full), "%s%s", c->target, line);
		unlink(full);
	}
	fclose(f);
	unlink(path);
	return 0;
}

static int set_root_password(struct ctx *c)
{
	const char *hash = c->plan->a->root_password_hashed[0] ? c->plan->a->root_password_hashed : "*";
	char path[PATH_MAX], *old, *new;
	FILE *f;
	long n;
	int rc;

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "shadow: root's password %s\n",
			strcmp(hash, "*") ? "set to the answer's hash" : "locked (SSH keys only)");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/etc/shadow", c->target);
	if (!(f = fopen(path, "re")) || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		err_set(c->err, c->errlen, "cannot read %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -EIO;
	}
	old = xcalloc(1, (size_t)n + 1);
	if (fread(old, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(old);
		err_set(c->err, c->errlen, "cannot read %s", path);
		return -EIO;
	}
	fclose(f);
	new = inst_config_shadow(old, hash, c->err, c->errlen);
	free(old);
	if (!new)
		return -EINVAL;
	rc = put(c, "/etc/shadow", new, 0640);
	free(new);
	if (rc == 0 && chown(path, 0, 42) < 0)   /* group shadow */
		rc = 0;
	return rc;
}

static int set_links(struct ctx *c)
{
	char link[PATH_MAX], to[PATH_MAX], rsv[PATH_MAX];
	const struct answer *a = c->plan->a;

	if (c->o->dry_run) {
		fprintf(c->o->plan_out, "link: /etc/localtime -> /usr/share/zoneinfo/%s\n", a->timezone);
		return 0;
	}
	snprintf(link, sizeof(link), "%s/etc/localtime", c->target);
	snprintf(to, sizeof(to), "/usr/share/zoneinfo/%s", a->timezone);
	unlink(link);
	if (symlink(to, link) < 0) {
		err_set(c->err, c->errlen, "cannot link %s: %s", link, strerror(errno));
		return -errno;
	}
	/* With DHCP the resolver comes from systemd-resolved, when present. */
	snprintf(rsv, sizeof(rsv), "%s/lib/systemd/systemd-resolved", c->target);
	if (a->net.source != ANSWER_NET_STATIC && access(rsv, F_OK) == 0) {
		snprintf(link, sizeof(link), "%s/etc/resolv.conf", c->target);
		unlink(link);
		if (symlink("../run/systemd/resolve/resolv.conf", link) < 0) {
			err_set(c->err, c->errlen, "cannot link %s: %s", link, strerror(errno));
			return -errno;
		}
	}
	/* systemd makes a new machine id on the first boot */
	return put(c, "/etc/machine-id", "", 0444);
}

static int copy_first_boot(struct ctx *c)
{
	char from[PATH_MAX];
	int rc;

	if (!c->plan->a->first_boot_script[0])
		return 0;
	snprintf(from, sizeof(from), "%s/%s", c->o->medium, c->plan->a->first_boot_script);
	if (!c->o->dry_run) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/var/lib/croft-install", c->target);
		if ((rc = mkdirs(c, dir, 0700)) < 0)
			return rc;
	}
	if ((rc = copy_file(c, from, "/var/lib/croft-install/first-boot")) < 0)
		return rc;
	if (!c->o->dry_run) {
		char to[PATH_MAX];

		snprintf(to, sizeof(to), "%s/var/lib/croft-install/first-boot", c->target);
		chmod(to, 0700);
	}
	return 0;
}

static int enable_units(struct ctx *c)
{
	char root[PATH_MAX];
	const char *on[] = { "systemctl", "--quiet", root, "enable", "croft-netd.service",
			     "croftd.service", "systemd-networkd.service", "ssh.service",
			     "serial-getty@ttyS0.service", NULL, NULL };
	const char *off[] = { "systemctl", "--quiet", root, "disable", "networking.service", NULL };
	char rsv[PATH_MAX];
	int rc;

	snprintf(root, sizeof(root), "--root=%s", c->o->dry_run ? "TARGET" : c->target);
	if (c->plan->a->first_boot_script[0])
		on[9] = "croft-first-boot.service";
	if ((rc = run(c, on, NULL)) < 0)
		return rc;
	snprintf(rsv, sizeof(rsv), "%s/lib/systemd/system/systemd-resolved.service", c->target);
	if (!c->o->dry_run && access(rsv, F_OK) == 0) {
		const char *res[] = { "systemctl", "--quiet", root, "enable", "systemd-resolved.service", NULL };

		if ((rc = run(c, res, NULL)) < 0)
			return rc;
	}
	/* ifupdown would fight networkd over the NIC; not every root has it */
	snprintf(rsv, sizeof(rsv), "%s/lib/systemd/system/networking.service", c->target);
	if (c->o->dry_run || access(rsv, F_OK) == 0)
		return run(c, off, NULL);
	return 0;
}

static int step_configure(struct ctx *c)
{
	struct inst_file *f;
	size_t n, i;
	int rc = 0;

	inst_config_files(&c->sys, &f, &n);
	for (i = 0; i < n && rc == 0; i++)
		rc = put(c, f[i].path, f[i].text, f[i].mode);
	inst_config_files_free(f, n);
	if (rc == 0)
		rc = put(c, "/etc/systemd/system/systemd-networkd-wait-online.service.d/croft.conf",
			 "# croft: online once any link is; a port of croftbr0 never is by itself\n"
			 "[Service]\nExecStart=\n"
			 "ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=30\n", 0644);
	if (rc == 0)
		rc = drop_live_only(c);
	if (rc == 0)
		rc = set_root_password(c);
	if (rc == 0)
		rc = set_links(c);
	if (rc == 0)
		rc = copy_first_boot(c);
	if (rc == 0)
		rc = enable_units(c);
	return rc;
}

static int step_bootloader(struct ctx *c)
{
	char boot[PATH_MAX], efi[PATH_MAX];
	const char *bios[] = { "grub-install", "--target=i386-pc", boot, c->plan->disk.path, NULL };
	const char *uefi[] = { "grub-install", "--target=x86_64-efi", efi, boot, "--removable",
			       "--no-nvram", NULL };
	int rc;

	if (c->o->no_bootloader) {
		if (c->o->dry_run)
			fprintf(c->o->plan_out, "bootloader: skipped (--no-bootloader)\n");
		return 0;
	}
	snprintf(boot, sizeof(boot), "--boot-directory=%s/boot", c->o->dry_run ? "TARGET" : c->target);
	snprintf(efi, sizeof(efi), "--efi-directory=%s/boot/efi", c->o->dry_run ? "TARGET" : c->target);
	if ((rc = run(c, bios, NULL)) < 0)
		return rc;
	return run(c, uefi, NULL);
}

static int step_finish(struct ctx *c)
{
	if (!c->o->dry_run)
		sync();
	unmount_all(c);
	return 0;
}

/* On failure: undo the mounts, then take the partition table away so the
 * disk is plainly blank, not a system that half boots. */
static void fail_cleanup(struct ctx *c)
{
	const char *wipe[] = { "wipefs", "--all", "--quiet", c->plan->disk.path, NULL };
	char ignore[256];
	int i;

	unmount_all(c);
	if (!c->touched || c->o->dry_run)
		return;
	const char *partx[] = { "partx", "--delete", c->plan->disk.path, NULL };

	for (i = 0; i < INST_NPARTS; i++) {
		const char *part[] = { "wipefs", "--all", "--quiet", c->part[i], NULL };

		inst_run(part, NULL, NULL, 0, ignore, sizeof(ignore));
	}
	if (inst_run(wipe, NULL, NULL, 0, ignore, sizeof(ignore)) < 0)
		fprintf(stderr, "croft-install: wiping %s after the failure failed too: %s\n",
			c->plan->disk.path, ignore);
	inst_run(partx, NULL, NULL, 0, ignore, sizeof(ignore));
}

static const struct {
	int pct;
	const char *text;
	int (*fn)(struct ctx *c);
} steps[] = {
	{ 2, "partitioning %s", step_partition },
	{ 8, "making the file systems", step_mkfs },
	{ 12, "unpacking the system (the longest step)", step_unpack },
	{ 80, "mounting the EFI and data partitions", step_mount_rest },
	{ 82, "copying the kernel", step_kernel },
	{ 86, "configuring the system", step_configure },
	{ 90, "installing the boot loader (GRUB, BIOS and UEFI)", step_bootloader },
	{ 98, "finishing", step_finish },
};

int inst_execute(const struct inst_plan *plan, const struct inst_opts *o,
		 struct inst_progress *p, char *err, size_t errlen)
{
	struct ctx c = { .plan = plan, .o = o, .p = p, .err = err, .errlen = errlen };
	size_t i;
	int rc = 0;

	c.sys.a = plan->a;
	snprintf(c.sys.nic, sizeof(c.sys.nic), "%s", plan->nic.name);
	memcpy(c.sys.mac, plan->nic.mac, 6);
	random_uuid(c.sys.root_uuid, sizeof(c.sys.root_uuid));
	random_uuid(c.sys.data_uuid, sizeof(c.sys.data_uuid));
	{
		char u[37];

		random_uuid(u, sizeof(u));
		snprintf(c.sys.esp_uuid, sizeof(c.sys.esp_uuid), "%.4s-%.4s", u, u + 4);
		for (i = 0; c.sys.esp_uuid[i]; i++)
			if (c.sys.esp_uuid[i] >= 'a' && c.sys.esp_uuid[i] <= 'f')
				c.sys.esp_uuid[i] = (char)(c.sys.esp_uuid[i] - 'a' + 'A');
	}
	for (i = 0; i < INST_NPARTS; i++)
		inst_part_path(plan->disk.path, (int)i + 1, c.part[i], sizeof(c.part[i]));
	if (o->dry_run) {
		snprintf(c.target, sizeof(c.target), "TARGET");
	} else {
		snprintf(c.target, sizeof(c.target), "/run/croft-install.XXXXXX");
		if (!mkdtemp(c.target)) {
			err_set(err, errlen, "cannot make a mount point %s: %s", c.target, strerror(errno));
			inst_progress_error(p, "%s", err);
			return -errno;
		}
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		inst_progress_step(p, steps[i].pct, steps[i].text, plan->disk.path);
		if ((rc = steps[i].fn(&c)) < 0)
			break;
	}
	if (rc < 0) {
		char why[1024];

		snprintf(why, sizeof(why), "%s", err);
		fail_cleanup(&c);
		if (c.touched && !o->dry_run)
			err_set(err, errlen, "%s; the install stopped and %s was wiped (no partition "
				"table): nothing on it boots, fix the problem and install again",
				why, plan->disk.path);
		inst_progress_error(p, "%s", err);
		return rc;
	}
	inst_progress_step(p, 100, "installed on %s", plan->disk.path);
	inst_progress_done(p);
	return 0;
}
