/*
 * Telling systemd a daemon is ready (daemonize.h): sd_notify(3) from
 * libsystemd, for the Type=notify units of croftd and croft-netd.  Where
 * NOTIFY_SOCKET is unset (make run, the tests, a daemon started by hand)
 * sd_notify does nothing, and neither does this.  Its own file, so only
 * the two daemons link libsystemd.
 */
#include "common/daemonize.h"
#include "common/log.h"

#include <string.h>
#include <systemd/sd-daemon.h>

void daemon_notify_ready(const char *status)
{
	int rc = sd_notifyf(0, "READY=1\nSTATUS=%s", status);

	if (rc < 0)
		log_warn("cannot tell systemd this daemon is ready: %s", strerror(-rc));
}

void daemon_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
