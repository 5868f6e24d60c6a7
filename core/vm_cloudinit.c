/*
 * The seed file of a VM (vm_cloudinit.h).  It is written whole to a
 * temporary name beside it (O_EXCL, O_NOFOLLOW, beneath the pool's
 * directory descriptor), handed to the QEMU base user, then renamed over
 * the old one, so a QEMU still running with the old seed keeps reading
 * the old file and a crash leaves no half-written seed under its name.
 * It is not synced: every start writes it again.
 */
#include "core/vm_cloudinit.h"
#include "core/ci_seed.h"
#include "core/daemon.h"
#include "core/vm.h"
#include "core/vm_files.h"
#include "common/cloudinit.h"
#include "common/log.h"
#include "common/proto.h"
#include "common/xalloc.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED_DIR ".cidata"
#define SEED_SUFFIX ".iso"

char *vm_cloudinit_seed_path(const struct croftd *d, const char *name)
{
	return xasprintf("%s/" SEED_DIR "/%s" SEED_SUFFIX, d->pool_dir, name);
}

/* The pool's seed directory (made when missing, croftd's and the QEMU
 * base user's alone): its descriptor, or -errno. */
static int seed_dir(struct croftd *d, int create)
{
	int pool = open(d->pool_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1, rc;

	if (pool < 0)
		return -errno;
	if (create && mkdirat(pool, SEED_DIR, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		goto out;
	}
	if ((fd = openat(pool, SEED_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	rc = fd;
	if (create && d->drop_privs && fchown(fd, d->qemu_uid, d->qemu_gid) < 0) {
		rc = -errno;
		close(fd);
	}
out:
	close(pool);
	return rc;
}

/* The MACs of the VM's NICs, in order (from the store). */
static void vm_macs(struct croftd *d, const struct store_vm *spec, struct store_nic **nics,
		    size_t *n, const char ***macs)
{
	size_t i;

	*nics = NULL;
	*n = 0;
	*macs = NULL;
	if (!spec->id || store_nic_list(d->store, spec->id, 0, nics, n) < 0)
		return;
	*macs = xcalloc(*n + 1, sizeof(**macs));
	for (i = 0; i < *n; i++)
		(*macs)[i] = (*nics)[i].mac;
}

static int seed_image(struct croftd *d, const struct store_vm *spec, unsigned char **img,
		      size_t *len, char *err, size_t errlen)
{
	struct ci_seed_vm vm = { spec->name, spec->uuid, spec->cloud_init_gen, NULL, 0 };
	struct cloudinit c;
	struct ci_seed s = { 0 };
	struct store_nic *nics;
	const char **macs;
	size_t n;
	int rc;

	if ((rc = cloudinit_from_text(spec->cloud_init, &c, err, errlen)) < 0)
		return rc;
	vm_macs(d, spec, &nics, &n, &macs);
	vm.macs = macs;
	vm.nmacs = n;
	if ((rc = ci_seed_build(&c, &vm, &s, err, errlen)) == 0)
		rc = ci_seed_image(&s, img, len, err, errlen);
	ci_seed_clear(&s);
	free(macs);
	store_nic_list_free(nics, n);
	cloudinit_clear(&c);
	return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* img into dir/name through tmp; *ro a read-only descriptor of it. */
static int seed_file(struct croftd *d, int dir, const char *name, const unsigned char *img,
		     size_t len, int *ro)
{
	char *tmp = xasprintf(".%s.tmp", name), self[64];
	int fd, rc = 0;

	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = write_all(fd, img, len)) < 0 ||
	    (d->drop_privs && fchown(fd, d->qemu_uid, d->qemu_gid) < 0 && (rc = -errno)))
		goto out;
	if (ro) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if ((*ro = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
			rc = -errno;
			goto out;
		}
	}
	if (renameat(dir, tmp, dir, name) < 0) {
		rc = -errno;
		if (ro) {
			close(*ro);
			*ro = -1;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlinkat(dir, tmp, 0);
	free(tmp);
	return rc;
}

int vm_cloudinit_seed_write(struct croftd *d, const struct store_vm *spec, int *fd,
			    char *err, size_t errlen)
{
	char *name = xasprintf("%s" SEED_SUFFIX, spec->name);
	unsigned char *img = NULL;
	size_t len = 0;
	int dir = -1, rc;

	if (fd)
		*fd = -1;
	if ((rc = seed_image(d, spec, &img, &len, err, errlen)) < 0)
		goto out;
	dir = seed_dir(d, 1);
	if (dir < 0 || (rc = seed_file(d, dir, name, img, len, fd)) < 0) {
		rc = dir < 0 ? dir : rc;
		err_set(err, errlen, "cannot write the cloud-init seed %s/" SEED_DIR "/%s: %s",
			d->pool_dir, name, strerror(-rc));
	}
out:
	if (dir >= 0)
		close(dir);
	free(img);
	free(name);
	return rc;
}

void vm_cloudinit_seed_remove(struct croftd *d, const char *name)
{
	char *file = xasprintf("%s" SEED_SUFFIX, name);
	int dir = seed_dir(d, 0);

	if (dir >= 0 && unlinkat(dir, file, 0) < 0 && errno != ENOENT)
		log_warn("VM %s: cannot remove its cloud-init seed %s/" SEED_DIR "/%s: %s", name,
			 d->pool_dir, file, strerror(errno));
	if (dir >= 0)
		close(dir);
	free(file);
}

int vm_cloudinit_attach(struct vm *vm, size_t base, struct vm_files_set *vf, const char **code,
			char *err, size_t errlen)
{
	int fd, rc;

	*code = PROTO_E_IO;
	if ((rc = vm_cloudinit_seed_write(vm->d, &vm->spec, &fd, err, errlen)) < 0)
		return rc;
	vm_files_add_seed(vf, base, fd);
	return 0;
}

void vm_cloudinit_edited(struct croftd *d, const struct store_vm *cur, const struct store_vm *next)
{
	char err[512];

	if (cur->cloud_init_gen == next->cloud_init_gen)
		return;
	if (!next->cloud_init)
		vm_cloudinit_seed_remove(d, cur->name);
	else if (vm_cloudinit_seed_write(d, next, NULL, err, sizeof(err)) < 0)
		log_warn("VM %s: %s (written again at its next start)", next->name, err);
}

json_t *vm_cloudinit_json(const struct store_vm *spec)
{
	json_t *o;
	char *iid;

	if (!spec->cloud_init || !(o = json_loads(spec->cloud_init, 0, NULL)))
		return json_null();
	iid = ci_seed_instance_id(spec->uuid, spec->cloud_init_gen);
	json_object_set_new(o, "instance_id", json_string(iid));
	free(iid);
	return o;
}
