/*
 * Volume jobs other than creating one (job_disk.h): "vol.resize", a
 * qemu-img resize (grow only) of a volume no running guest uses.  A
 * running guest's volume grows online instead (QMP block_resize, api_vol.c).
 */
#ifndef CROFT_JOB_VOL_H
#define CROFT_JOB_VOL_H

#include "core/job.h"

extern const struct job_kind job_vol_resize_kind;

#endif
