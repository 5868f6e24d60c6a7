/*
 * The install lock (inst_lock.h): flock on a file in /run, the holder's
 * name inside it.
 */
#include "installer/inst_lock.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static const char *lock_path(void)
{
	const char *v = getenv("CROFT_INSTALL_LOCK");

	return v && *v ? v : INST_LOCK_PATH;
}

/* Who holds the lock, from the file (one line), in buf. */
static void lock_holder(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n <= 0) {
		snprintf(buf, len, "another installer");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, len, "another installer");
}

int inst_lock(const char *who, char *err, size_t errlen)
{
	const char *path = lock_path();
	char holder[256];
	size_t len = strlen(who);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), e;

	if (fd < 0) {
		e = errno;
		err_set(err, errlen, "cannot open the install lock %s: %s", path, strerror(e));
		return -e;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e == EWOULDBLOCK) {
			lock_holder(fd, holder, sizeof(holder));
			err_set(err, errlen, "another install is running: %s is installing "
				"(lock %s); this one writes nothing", holder, path);
			e = EBUSY;
		} else {
			err_set(err, errlen, "cannot lock %s: %s", path, strerror(e));
		}
		close(fd);
		return -e;
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, who, len, 0) != (ssize_t)len ||
	    pwrite(fd, "\n", 1, (off_t)len) != 1) {
		e = errno;
		err_set(err, errlen, "cannot write the install lock %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* tty_nr (the 7th field of /proc/self/stat, after the command's closing
 * parenthesis) as a device name: the virtual consoles (major 4, minors
 * 1-63), the serial ports (major 4, from 64) and pseudo-terminals (majors
 * 136-143). */
const char *inst_console(char *buf, size_t len)
{
	char stat[1024], *p;
	unsigned major, minor;
	size_t n;
	long tty = 0;
	FILE *f = fopen("/proc/self/stat", "re");

	if (!f)
		return NULL;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %ld", &tty) != 1 || tty <= 0)
		return NULL;
	major = ((unsigned long)tty >> 8) & 0xfff;
	minor = ((unsigned long)tty & 0xff) | (((unsigned long)tty >> 12) & 0xfff00);
	if (major == 4 && minor < 64)
		snprintf(buf, len, "/dev/tty%u", minor);
	else if (major == 4)
		snprintf(buf, len, "/dev/ttyS%u", minor - 64);
	else if (major >= 136 && major <= 143)
		snprintf(buf, len, "/dev/pts/%u", (major - 136) * 256 + minor);
	else
		snprintf(buf, len, "the terminal %u:%u", major, minor);
	return buf;
}
