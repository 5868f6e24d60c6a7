/*
 * The VM detail view, opened from the VMs screen (Enter on a VM): its CPU,
 * CPU ready per vCPU, memory as the guest sees it and as the host pays
 * for it, disk and NIC rates, its alerts, and sparklines over the last
 * hour or day (t switches).  It reads vm.stats every refresh, with the
 * history every CMON_HISTORY_MS or when the range changes.
 */
#ifndef CROFT_TUI_CONSOLE_VMDETAIL_H
#define CROFT_TUI_CONSOLE_VMDETAIL_H

#include <curses.h>

struct console;
struct cmon_detail;

/* Re-read d's VM from croftd. */
void console_vmdetail_refresh(struct console *c, struct cmon_detail *d);
void console_vmdetail_draw(struct console *c, const struct cmon_detail *d, WINDOW *w, int top,
			   int height, int width);

#endif
