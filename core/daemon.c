/*
 * Daemon-wide decisions that more than one part of croftd makes: today the
 * choice of accelerator, taken at startup and again when host.set changes
 * the setting.
 */
#include "core/accel.h"
#include "core/daemon.h"
#include "common/log.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void croftd_accel_refresh(struct croftd *d)
{
	struct accel_probe p;
	char *setting = NULL;

	store_setting_get(d->store, "accel", &setting);
	/* As the QEMU users would open it: the range's first uid and group,
	 * with their supplementary group. */
	if (d->drop_privs && d->vm_id_count)
		accel_probe(d->vm_uid_base, d->vm_gid_base, d->vm_groups, d->vm_ngroups, &p);
	else
		accel_probe(d->drop_privs ? d->qemu_uid : geteuid(), d->qemu_gid, d->qemu_groups,
			    d->qemu_ngroups, &p);
	accel_decide(setting ? setting : "auto", d->accel_env, &p, &d->accel);
	free(setting);
	if (!strcmp(d->accel.effective, "tcg") && !strcmp(d->accel.setting, "auto"))
		/* the reason already says "warning: " for the console and CLI */
		log_warn("%s", !strncmp(d->accel.reason, "warning: ", 9) ? d->accel.reason + 9
									  : d->accel.reason);
	else
		log_info("acceleration: %s", d->accel.reason);
}
