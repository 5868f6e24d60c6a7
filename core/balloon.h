/*
 * The balloon service: every balloon-interval-ms it gives the balloon
 * policy (balloon_policy.h) what the model knows of the host and of each
 * running guest, moves the balloons it decides on (QMP "balloon", without
 * waiting) and publishes each change as a "vm.balloon" event whose
 * message is the policy's reason; guests the policy leaves alone (no
 * driver, stale statistics) are said to be once, when that starts.  It
 * also tunes KSM (ksm.h) by the host's memory pressure.
 *
 * Host settings, read at start and again after host.set:
 *   balloon               on | off                         on
 *   memory-budget         SIZE: what the guests may have    MemTotal - reserve
 *   memory-reserve        SIZE: kept for the host           1G
 *   balloon-interval-ms   500 .. 60000                      2000
 *   ksm                   auto | on | off                   auto
 * "off" leaves every balloon where it is: targets then change only by
 * hand (croft vm edit --memory on a running VM).
 *
 * A VM whose memory_min does not fit what the budget leaves beside the
 * running guests' minimums is refused at start (balloon_start_check)
 * unless the start was forced (balloon_start_force).
 */
#ifndef CROFT_BALLOON_H
#define CROFT_BALLOON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct vm;

#define BALLOON_INTERVAL_DEFAULT_MS 2000
#define BALLOON_RESERVE_DEFAULT_MIB 1024

int balloon_init(struct croftd *d, char *err, size_t errlen);
void balloon_fini(struct croftd *d);
uint64_t balloon_tick(struct croftd *d);

/* Is key a balloon setting?  1 when it is and value is valid for it now
 * (a budget within the host and above the running guests' minimums, a
 * reserve that leaves something), 0 when it is not one of them, -EINVAL
 * with err when value is bad. */
int balloon_setting_check(struct croftd *d, const char *key, const char *value,
			  char *err, size_t errlen);
/* Read the settings again (after host.set). */
void balloon_reconfigure(struct croftd *d);

/* The budget in force, MiB. */
uint64_t balloon_budget_mib(struct croftd *d);

/* The next start of VM id skips the budget check. */
void balloon_start_force(struct croftd *d, int64_t id);
/* 0, or -ENOSPC with *code and err giving the numbers. */
int balloon_start_check(struct vm *vm, const char **code, char *err, size_t errlen);

/* The seam unit tests use to see the balloons moved instead of QEMU:
 * vm_set_balloon's signature; NULL puts vm_set_balloon back. */
typedef int (*balloon_set_fn)(struct vm *vm, uint64_t target_mib,
			      void (*cb)(struct vm *, const char *, const char *, void *),
			      void *data, const char **code, char *err, size_t errlen);
void balloon_seam_set(struct croftd *d, balloon_set_fn fn);

/* host.memory: the budget, the settings, KSM, and per VM its max, min,
 * shares, target, actual, guest-used, host RSS and last decision. */
json_t *balloon_host_json(struct croftd *d);

#endif
