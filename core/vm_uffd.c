/*
 * The userfaultfd device handed to VMs' QEMUs (vm_uffd.h): the host
 * setting, opening the device for a start, finding the preload library,
 * and recognising an adopted QEMU that holds the device.
 */
#include "core/vm_uffd.h"
#include "core/daemon.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIM_NAME "croft-qemu-uffd.so"
#define ENVIRON_MAX 65536

const char *vm_uffd_shim(void)
{
	static char path[PATH_MAX];
	static int looked;
	char self[PATH_MAX];
	ssize_t n;

	if (looked)
		return path[0] ? path : NULL;
	looked = 1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/lib/%s", dirname(self), SHIM_NAME);
		if (access(path, R_OK) == 0)
			return path;
	}
	snprintf(path, sizeof(path), "%s", VM_UFFD_SHIM_PATH);
	if (access(path, R_OK) == 0)
		return path;
	path[0] = '\0';
	return NULL;
}

int vm_uffd_setting_on(struct croftd *d)
{
	char *v = NULL;
	int on = 1;

	if (d->store && store_setting_get(d->store, VM_UFFD_SETTING, &v) == 0 && v)
		on = strcmp(v, "off") != 0;
	free(v);
	return on;
}

int vm_uffd_open(struct croftd *d, int *fd, int *shim_fd, char *why, size_t whylen)
{
	const char *shim = vm_uffd_shim();
	int e;

	*fd = *shim_fd = -1;
	if (!vm_uffd_setting_on(d)) {
		snprintf(why, whylen, "the host setting %s is off", VM_UFFD_SETTING);
		return 0;
	}
	if (!shim) {
		snprintf(why, whylen, "croft's QEMU library %s is not installed (neither beside "
			 "croftd nor at %s)", SHIM_NAME, VM_UFFD_SHIM_PATH);
		return 0;
	}
	*fd = open(VM_UFFD_DEVICE, O_RDWR | O_CLOEXEC);
	if (*fd < 0) {
		e = errno;
		if (e == ENOENT)
			snprintf(why, whylen, "the kernel has no %s (Linux 6.1 or later has it)",
				 VM_UFFD_DEVICE);
		else
			snprintf(why, whylen, "cannot open %s: %s", VM_UFFD_DEVICE, strerror(e));
		if (e != ENOENT && geteuid() == 0)
			log_warn("%s", why);
		return 0;
	}
	*shim_fd = open(shim, O_RDONLY | O_CLOEXEC);
	if (*shim_fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", shim, strerror(errno));
		log_warn("%s", why);
		close(*fd);
		*fd = -1;
		return 0;
	}
	return 1;
}

int vm_uffd_setting_check(const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, VM_UFFD_SETTING))
		return 0;
	if (!value || (strcmp(value, "on") && strcmp(value, "off"))) {
		err_set(err, errlen, "%s must be on or off, not '%s'", VM_UFFD_SETTING,
			value ? value : "");
		return -EINVAL;
	}
	return 1;
}

/* The number CROFT_UFFD_FD= gives in the NUL-separated environment env,
 * or -1. */
static int env_fd(const char *env, size_t len)
{
	static const char key[] = VM_UFFD_ENV "=";
	size_t off = 0, klen = sizeof(key) - 1;

	while (off < len) {
		const char *e = env + off;
		size_t n = strnlen(e, len - off);

		if (n > klen && !memcmp(e, key, klen) && n - klen < 10 &&
		    strspn(e + klen, "0123456789") == n - klen)
			return atoi(e + klen);
		off += n + 1;
	}
	return -1;
}

int vm_uffd_held(const char *root, pid_t pid)
{
	char path[PATH_MAX], *env = xmalloc(ENVIRON_MAX);
	struct stat fst, dev;
	ssize_t n;
	int fd, num;

	snprintf(path, sizeof(path), "%s/%d/environ", root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, env, ENVIRON_MAX) : -1;
	if (fd >= 0)
		close(fd);
	num = n > 0 ? env_fd(env, (size_t)n) : -1;
	free(env);
	if (num < 0)
		return 0;
	/* the kernel's word on what that fd is, not QEMU's */
	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, (int)pid, num);
	return stat(path, &fst) == 0 && S_ISCHR(fst.st_mode) && stat(VM_UFFD_DEVICE, &dev) == 0 &&
	       S_ISCHR(dev.st_mode) && fst.st_rdev == dev.st_rdev;
}
