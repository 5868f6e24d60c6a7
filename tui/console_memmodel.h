/*
 * The Host screen's Memory panel: host.memory's answer as text lines (the
 * budget and what the running guests' targets take of it, KSM, then a
 * line per running VM with its balloon's target and actual size against
 * its maximum, what the guest uses, QEMU's RSS and the balloon policy's
 * last decision).  Pure: unit-tested on hand-made answers.
 */
#ifndef CROFT_CONSOLE_MEMMODEL_H
#define CROFT_CONSOLE_MEMMODEL_H

#include <jansson.h>
#include <stddef.h>

#define CMEM_LINES 24
#define CMEM_TEXT 240

struct cmem_line {
	char label[20];
	char text[CMEM_TEXT];
	int warn;                    /* over the budget, stale statistics */
};

/* Fill out[0..max) from host.memory's result; returns the lines filled
 * (0 for NULL). */
size_t cmem_lines(const json_t *mem, struct cmem_line *out, size_t max);

#endif
