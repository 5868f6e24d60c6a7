/*
 * The automatic balloon policy: a pure function from what croftd knows of
 * its host and guests (filled from the model by balloon.c) to a balloon
 * target per VM, each with the reason it reads in the log and the events.
 * No I/O and no clock of its own: the caller passes the time, and keeps
 * the per-VM state (bp_state) from one step to the next.
 *
 * How it decides, in one step:
 *   - A guest is left alone, and said to be, when it has no balloon
 *     driver (QEMU never reported a size) or its statistics are missing
 *     or stale.  A guest whose memory_min equals its memory (the default:
 *     no floor was set) is never ballooned by the policy; its target,
 *     whatever it is, counts against the budget.
 *   - Each other guest's need is what it uses (what the balloon leaves it
 *     less its MemAvailable: bp_guest_used_mib) plus a cushion (a quarter of that, at least
 *     BP_CUSHION_MIN_MIB), within [memory_min, memory].  A guest whose
 *     free room inside fell under half the cushion wants to grow back to
 *     the cushion; one that swaps in or takes major faults faster than
 *     BP_SWAPIN_MIB_PS / BP_MAJFLT_PS gets a quarter more at once, and is
 *     not shrunk again for BP_HOLD_MS.
 *   - When the guests' targets plus what they want to grow fit in the
 *     budget (less what the host itself is short of, when it is under
 *     pressure or swapping), every need is granted and nothing else moves:
 *     no pressure, no change.
 *   - Otherwise memory is taken from the guests with the most memory to
 *     spare above their need, most first (the one with the most gives
 *     until it is level with the next, then both alike: balloons move in
 *     parallel, each at its guest's pace), never below their need (so
 *     never below memory_min, and never into swapping).  What that frees
 *     goes to the needy guests, split by their shares when it is not
 *     enough for all.  When the host is short (pressure, swapping, or
 *     guests need memory) the whole shortfall is taken at once; when only
 *     the budget is exceeded it is taken in halves of at least
 *     BP_GENTLE_MIN_MIB, so a large shortfall takes a few steps.
 *   - Changes smaller than BP_MIN_CHANGE_MIB are not made (hysteresis:
 *     shrinking stops at the cushion and growth starts only below half of
 *     it, so a constant input settles and stays).
 */
#ifndef CROFT_BALLOON_POLICY_H
#define CROFT_BALLOON_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define BP_CUSHION_MIN_MIB 64
#define BP_MIN_CHANGE_MIB 8
#define BP_GENTLE_MIN_MIB 512
#define BP_SWAPIN_MIB_PS 1.0
#define BP_MAJFLT_PS 100.0
#define BP_HOLD_MS 30000
#define BP_HOST_PSI_PCT 10.0             /* memory some avg10 */
#define BP_SHARES_DEFAULT 1000
#define BP_SHARES_MIN 1
#define BP_SHARES_MAX 50000

struct bp_host {
	uint64_t budget_mib;             /* what the guests together may have */
	uint64_t avail_mib;              /* host MemAvailable; UINT64_MAX unknown */
	uint64_t low_mib;                /* the host is short below this */
	double psi_some10;               /* memory pressure %; < 0 unknown */
	double swap_pages_ps;            /* host swap-in + swap-out; < 0 unknown */
};

struct bp_vm {
	int64_t id;
	const char *name;
	uint64_t max_mib, min_mib;
	uint64_t target_mib;             /* the balloon's current target */
	uint64_t actual_mib;             /* what QEMU says the guest has now */
	int balloon;                     /* QEMU reported a balloon size */
	int fixed;                       /* memory_min == memory: not ballooned,
					  * its target counts as it is */
	unsigned shares;
	int stats;                       /* the guest reports statistics */
	int stale;
	int64_t stats_ms;                /* when the guest last updated them */
	uint64_t total, available;       /* bytes, as the guest says */
	uint64_t swap_in, major_faults;  /* since the guest booted */
};

/* Kept by the caller per VM between steps, zeroed for a new VM. */
struct bp_state {
	int64_t prev_ms;                 /* stats_ms of the previous reading */
	uint64_t prev_swap_in, prev_major;
	int64_t hold_until_ms;           /* not shrunk before this */
};

enum bp_skip { BP_OK, BP_NO_DRIVER, BP_NO_STATS, BP_STALE, BP_FIXED };

struct bp_decision {
	int64_t id;
	uint64_t from_mib, to_mib;       /* equal: no change */
	enum bp_skip skip;
	char reason[512];                /* set for a change and for a skip */
};

/* One step at now_ms over vms[0..n) with their state st[0..n) (updated);
 * out[0..n) gets a decision per VM.  Returns how many targets change. */
size_t balloon_policy_step(const struct bp_host *h, const struct bp_vm *vms,
			   struct bp_state *st, size_t n, int64_t now_ms,
			   struct bp_decision *out);

/* What a guest uses, MiB: what its balloon leaves it (actual_mib) less its
 * MemAvailable (bytes), so the balloon's pages are not its use even when
 * its MemTotal counts them (deflate-on-oom), and the memory its kernel
 * keeps outside MemTotal is; MemTotal less MemAvailable when actual_mib is
 * 0 (unknown).  max_mib is not used. */
uint64_t bp_guest_used_mib(uint64_t total, uint64_t available, uint64_t actual_mib,
			   uint64_t max_mib);

/* "1536M", "6.0G": how the reasons write sizes. */
char *bp_mib_text(uint64_t mib, char *buf, size_t buflen);

#endif
