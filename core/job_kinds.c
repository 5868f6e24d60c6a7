/*
 * The job kinds croftd knows, one entry each (job.h).  A row in the store
 * names its kind, so a kind keeps its name for good.
 */
#include "core/job.h"
#include "core/backup.h"
#include "core/job_disk.h"
#include "core/job_vol.h"
#include "core/job_vol_import.h"
#include "core/snap.h"
#include "core/vm_clone.h"
#include "core/vm_create.h"

const struct job_kind *const job_kinds[] = {
	&job_disk_kind,
	&vm_create_kind,
	&job_vol_resize_kind,
	&job_vol_import_kind,
	&job_iso_import_kind,
	&job_vol_export_kind,
	&vm_clone_kind,
	&snap_create_kind,
	&snap_revert_kind,
	&snap_delete_kind,
	&backup_create_kind,
	&backup_verify_kind,
	&backup_restore_kind,
	NULL,
};
