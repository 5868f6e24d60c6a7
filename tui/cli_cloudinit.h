/*
 * cloud-init input on the client side (cli_cloudinit.c): the --cloud-init
 * option of vm create and vm edit, and the files the CLI and the console
 * read for it (ssh public keys, user data) with the rights of the user
 * running them, so croftd receives content, never a path.
 */
#ifndef CROFT_CLI_CLOUDINIT_H
#define CROFT_CLI_CLOUDINIT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* The regular text file at path, at most max bytes, into *out
 * (malloc'd); what names it in messages.  0 or -errno with err. */
int cli_cloudinit_read(const char *what, const char *path, size_t max, char **out,
		       char *err, size_t errlen);
/* val is a public key line (appended to keys) or a file of them, one a
 * line ('#' lines and blank ones skipped).  0 or -errno with err. */
int cli_cloudinit_add_keys(const char *val, json_t *keys, char *err, size_t errlen);
/* The --cloud-init value as the API's cloud_init object (*out, new
 * reference), judged by common/cloudinit.h; "off" is JSON null when edit.
 * 0 or -errno with err. */
int cli_cloudinit_parse(const char *val, int edit, json_t **out, char *err, size_t errlen);

/* The "cloud-init" line of vm info for the vm's cloud_init member. */
void cli_format_cloudinit(FILE *f, const json_t *ci);

#endif
