/*
 * The progress protocol (inst_progress.h).  A TEXT never holds a newline
 * or another control byte, so a reader can split on lines; percentages
 * never go backwards.
 */
#include "installer/inst_progress.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void inst_progress_init(struct inst_progress *p, int fd)
{
	p->fd = fd;
	p->echo[0] = p->echo[1] = -1;
	p->last_pct = 0;
}

static void emit(struct inst_progress *p, const char *head, const char *human, const char *fmt,
		 va_list ap)
{
	char text[512], line[600];
	size_t i;
	int n;

	vsnprintf(text, sizeof(text), fmt, ap);
	for (i = 0; text[i]; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = ' ';
	for (i = 0; i < 2; i++)
		if (p->echo[i] >= 0)
			dprintf(p->echo[i], "%s%s\r\n", human, text);
	if (p->fd < 0)
		n = snprintf(line, sizeof(line), "%s%s\n", human, text);
	else
		n = snprintf(line, sizeof(line), "%s%s%s\n", head, *text ? " " : "", text);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(p->fd < 0 ? 2 : p->fd, line, (size_t)n) < 0)
		return;   /* the reader went away: the install goes on */
}

static void emit_args(struct inst_progress *p, const char *head, const char *human,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(p, head, human, fmt, ap);
	va_end(ap);
}

void inst_progress_step(struct inst_progress *p, int pct, const char *fmt, ...)
{
	char head[32], human[32], text[512];
	va_list ap;

	if (pct < p->last_pct)
		pct = p->last_pct;
	if (pct > 100)
		pct = 100;
	p->last_pct = pct;
	snprintf(head, sizeof(head), "progress %d", pct);
	snprintf(human, sizeof(human), "[%3d%%] ", pct);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	emit_args(p, head, human, "%s", text);
}

void inst_progress_error(struct inst_progress *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(p, "error", "croft-install: error: ", fmt, ap);
	va_end(ap);
}

void inst_progress_done(struct inst_progress *p)
{
	emit_args(p, "done", "croft-install: ", "%s", p->fd < 0 ? "done" : "");
}
