/*
 * Which job holds a VM (vm_busy.h): the runner's jobs are few, so each
 * check walks them all and asks the three ways a job can hold a VM.
 */
#include "core/vm_busy.h"
#include "core/daemon.h"
#include "core/vm_clone.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>

static int is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* j reads spec as a clone's source. */
static int clones(struct job *j, const struct store_vm *spec)
{
	return !strcmp(job_kind_name(j), vm_clone_kind.name) &&
	       is(json_string_value(json_object_get(job_args(j), "source")), spec->name);
}

/* j targets spec, reads it as a clone's source, or works on one of its disks. */
static int holds(struct job *j, const struct store_vm *spec)
{
	const char *path = json_string_value(json_object_get(job_args(j), "path"));
	size_t i;

	if (is(job_target(j), spec->name) || clones(j, spec))
		return 1;
	for (i = 0; path && i < spec->ndisks; i++)
		if (is(spec->disks[i].path, path))
			return 1;
	return 0;
}

struct job *vm_busy_job(struct croftd *d, const struct store_vm *spec)
{
	struct job *j;

	for (j = d->jobs ? job_runner_first(d->jobs) : NULL; j; j = job_next(j))
		if (holds(j, spec))
			return j;
	return NULL;
}

int vm_busy_check(struct croftd *d, const struct store_vm *spec, const char **code, char *err,
		  size_t errlen)
{
	struct job *j = vm_busy_job(d, spec);

	if (!j)
		return 0;
	*code = PROTO_E_BUSY;
	if (clones(j, spec))
		err_set(err, errlen, "VM '%s' is being cloned (job %lld); wait for it or cancel it",
			spec->name, (long long)job_id(j));
	else
		err_set(err, errlen, "VM '%s' has job %lld (%s) %s; wait for it or cancel it",
			spec->name, (long long)job_id(j), job_kind_name(j),
			job_state(j) == JOB_QUEUED ? "queued" : "running");
	return -EBUSY;
}
