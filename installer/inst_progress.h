/*
 * The install's progress protocol, for the attended front-end (and anyone
 * watching): one line per event on a descriptor,
 *
 *   progress PCT TEXT      PCT 0..100, TEXT one line
 *   error TEXT             the install failed (the last line before exit)
 *   done                   the install succeeded
 *
 * With no descriptor (fd -1) the same events go to stderr for people.
 */
#ifndef CROFT_INSTALLER_INST_PROGRESS_H
#define CROFT_INSTALLER_INST_PROGRESS_H

struct inst_progress {
	int fd;        /* -1: stderr, in words */
	int echo[2];   /* also in words on these (the unattended install's
	                * screen and serial line), -1 when unused */
	int last_pct;
};

void inst_progress_init(struct inst_progress *p, int fd);
void inst_progress_step(struct inst_progress *p, int pct, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void inst_progress_error(struct inst_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void inst_progress_done(struct inst_progress *p);

#endif
