/*
 * Tap creation: open the clone device, TUNSETIFF names and creates the
 * interface, TUNSETOWNER gives it to the QEMU user, TUNSETPERSIST keeps it
 * after our descriptor closes.  If any step fails the half-made device is
 * not persistent yet, so closing the descriptor removes it again.
 */
#include "netd/tap.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"

int tap_create(const char *name, uint32_t owner_uid, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, rc;

	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		err_set(err, errlen, "cannot create tap %s: name too long", name);
		return -EINVAL;
	}
	fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create tap %s: cannot open %s: %s", name, TUN_PATH,
			strerror(-rc));
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot create tap %s: %s", name, strerror(-rc));
		goto out;
	}
	if (ioctl(fd, TUNSETOWNER, (unsigned long)owner_uid) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot give tap %s to uid %u: %s", name, (unsigned)owner_uid,
			strerror(-rc));
		goto out;
	}
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot make tap %s persistent: %s", name, strerror(-rc));
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
