/*
 * One install at a time.  The live system starts the attended installer
 * on tty1 and on ttyS0 (and croft-install --auto may run): two of them
 * must never write the same disk.  Before anything is written the engine
 * takes an exclusive flock on a lock file in the live system's /run
 * (INST_LOCK_PATH; $CROFT_INSTALL_LOCK for tests) and writes who holds it
 * (e.g. "the installer on /dev/ttyS0 (pid 412)").  While another process
 * holds it, inst_lock() fails with -EBUSY and err names that holder.  The
 * lock lasts until the descriptor is closed, at the latest when the
 * process exits; the file itself stays (removing it would race).
 */
#ifndef CROFT_INSTALLER_INST_LOCK_H
#define CROFT_INSTALLER_INST_LOCK_H

#include <stddef.h>

#define INST_LOCK_PATH "/run/croft-install.lock"

/* Take the lock for who (one line): its descriptor, or -errno with err
 * naming the problem (-EBUSY: who holds it). */
int inst_lock(const char *who, char *err, size_t errlen);

/* This process's controlling terminal as "/dev/NAME" in buf (from
 * /proc/self/stat: the attended installer's engine runs with its stdin on
 * /dev/null), or NULL when it has none. */
const char *inst_console(char *buf, size_t len);

#endif
