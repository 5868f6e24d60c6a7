/*
 * Running the tools the install needs (sfdisk, mkfs, unsquashfs,
 * grub-install): fork and exec with an argument vector (never a shell),
 * optional text on stdin, stdout and stderr collected so a failure can say
 * what the tool said.
 */
#ifndef CROFT_INSTALLER_INST_RUN_H
#define CROFT_INSTALLER_INST_RUN_H

#include <stddef.h>

/* Run argv[0] (looked up in PATH) with input (or NULL) on stdin.  0 when it
 * exits 0; else -EIO (or -errno when it cannot be started) with err naming
 * the command, its exit status and the last line it printed.  out, when
 * not NULL, receives the start of what it printed (NUL-terminated). */
int inst_run(const char *const argv[], const char *input, char *out, size_t outlen,
	     char *err, size_t errlen);

/* argv as one line for plans and messages, in buf. */
const char *inst_argv_str(const char *const argv[], char *buf, size_t len);

#endif
