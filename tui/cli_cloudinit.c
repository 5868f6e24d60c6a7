/*
 * --cloud-init for vm create and vm edit: "user=NAME,ssh-key=FILE|KEY,
 * password-hash=HASH,hostname=NAME,network=dhcp|static:A/P:GW[:DNS],
 * user-data=FILE" (any subset, ssh-key repeatable), or "off" on edit.
 * The CLI reads FILE arguments itself, with the rights of whoever runs
 * it, and sends their content: croftd never opens a path for cloud-init.
 * The settings are then judged by common/cloudinit.h, croftd's own rules,
 * so the CLI refuses with the words croftd would use.
 */
#include "tui/cli_cloudinit.h"
#include "tui/cli.h"
#include "common/cloudinit.h"
#include "common/json_get.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAX (256 * 1024)

/* The regular file fd (taken) into *out; path names it in messages. */
static int read_text(int fd, const char *what, const char *path, size_t max, char **out,
		     char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	char *buf = NULL;
	ssize_t n;
	int rc = -EINVAL;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err_set(err, errlen, "%s %s is not a regular file", what, path);
		goto out;
	}
	buf = xmalloc(max + 2);
	while (got <= max && (n = read(fd, buf + got, max + 1 - got)) > 0)
		got += (size_t)n;
	buf[got <= max ? got : max] = '\0';
	if (got > max) {
		err_set(err, errlen, "%s %s is larger than %zu bytes", what, path, max);
		rc = -E2BIG;
	} else if (strlen(buf) != got) {
		err_set(err, errlen, "%s %s is not text (it has a NUL byte)", what, path);
	} else {
		*out = buf;
		buf = NULL;
		rc = 0;
	}
out:
	free(buf);
	close(fd);
	return rc;
}

int cli_cloudinit_read(const char *what, const char *path, size_t max, char **out,
		       char *err, size_t errlen)
{
	const char *home = getenv("HOME");
	char *full = NULL;
	int fd, rc;

	*out = NULL;
	/* "ssh-key=~/.ssh/id.pub": the shell expands no tilde after '=' */
	if (!strncmp(path, "~/", 2) && home && *home)
		path = full = xasprintf("%s/%s", home, path + 2);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errlen, "cannot read %s %s: %s", what, path, strerror(-rc));
	} else {
		rc = read_text(fd, what, path, max, out, err, errlen);
	}
	free(full);
	return rc;
}

/* A key given inline: it starts with a key type word and a space. */
static int looks_like_key(const char *v)
{
	static const char *const prefixes[] = { "ssh-", "ecdsa-", "sk-" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(v, prefixes[i], strlen(prefixes[i])) && strchr(v, ' '))
			return 1;
	return 0;
}

int cli_cloudinit_add_keys(const char *val, json_t *keys, char *err, size_t errlen)
{
	char *text, *line, *save = NULL;
	int r, n = 0;

	if (looks_like_key(val)) {
		json_array_append_new(keys, json_string(val));
		return 0;
	}
	if ((r = cli_cloudinit_read("ssh key file", val, KEY_FILE_MAX, &text, err, errlen)) < 0)
		return r;
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		json_array_append_new(keys, json_string(line));
		n++;
	}
	free(text);
	if (!n) {
		err_set(err, errlen, "ssh key file %s holds no key", val);
		return -EINVAL;
	}
	return 0;
}

static const struct {
	const char *word;        /* on the command line */
	const char *member;      /* in the object */
} words[] = {
	{ "user", "user" }, { "ssh-key", "ssh_keys" }, { "password-hash", "password_hash" },
	{ "hostname", "hostname" }, { "network", "network" }, { "user-data", "user_data" },
};

static int take_one(const char *item, json_t *o, char *err, size_t errlen)
{
	const char *eq = strchr(item, '='), *val;
	size_t i, klen;
	char *text;
	int r;

	klen = eq ? (size_t)(eq - item) : strlen(item);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == klen && !strncmp(item, words[i].word, klen))
			break;
	if (i == sizeof(words) / sizeof(words[0])) {
		err_set(err, errlen, "'%.*s' is not a cloud-init setting; use user, ssh-key, password-hash, hostname, network and user-data (or off)",
			(int)klen, item);
		return -EINVAL;
	}
	if (!eq || !eq[1]) {
		err_set(err, errlen, "%s needs a value (%s=...)", words[i].word, words[i].word);
		return -EINVAL;
	}
	val = eq + 1;
	if (!strcmp(words[i].member, "ssh_keys"))
		return cli_cloudinit_add_keys(val, json_object_get(o, "ssh_keys"), err, errlen);
	if (json_object_get(o, words[i].member)) {
		err_set(err, errlen, "%s is given twice", words[i].word);
		return -EINVAL;
	}
	if (strcmp(words[i].member, "user_data")) {
		json_object_set_new(o, words[i].member, json_string(val));
		return 0;
	}
	r = cli_cloudinit_read("user-data file", val, CLOUDINIT_USER_DATA_MAX, &text, err, errlen);
	if (r < 0)
		return r;
	json_object_set_new(o, "user_data", json_string(text));
	free(text);
	return 0;
}

int cli_cloudinit_parse(const char *val, int edit, json_t **out, char *err, size_t errlen)
{
	char *buf, *item, *save = NULL, why[512];
	struct cloudinit ci;
	json_t *o;
	int r = 0;

	*out = NULL;
	if (!strcmp(val, "off")) {
		if (!edit) {
			err_set(err, errlen, "--cloud-init off is for vm edit; leave --cloud-init out instead");
			return -EINVAL;
		}
		*out = json_null();
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "ssh_keys", json_array());
	buf = xstrdup(val);
	for (item = strtok_r(buf, ",", &save); item && r == 0; item = strtok_r(NULL, ",", &save))
		if ((r = take_one(item, o, why, sizeof(why))) < 0)
			err_set(err, errlen, "--cloud-init: %s", why);
	free(buf);
	if (!json_array_size(json_object_get(o, "ssh_keys")))
		json_object_del(o, "ssh_keys");
	if (r == 0 && cloudinit_from_json(o, &ci, why, sizeof(why)) < 0) {
		err_set(err, errlen, "--cloud-init: %s", why);
		r = -EINVAL;
	}
	if (r < 0) {
		json_decref(o);
		return r;
	}
	cloudinit_clear(&ci);
	*out = o;
	return 0;
}

void cli_format_cloudinit(FILE *f, const json_t *ci)
{
	const char *ud = jget_str(ci, "user_data", NULL);
	size_t nkeys = json_array_size(jget(ci, "ssh_keys"));
	char buf[512];
	int n;

	if (!json_is_object(ci)) {
		cli_kv(f, "cloud-init", "off");
		return;
	}
	n = snprintf(buf, sizeof(buf), "user %s, %zu ssh key%s, %s, hostname %s, network %s",
		     jget_str(ci, "user", "(image default)"), nkeys, nkeys == 1 ? "" : "s",
		     jget_str(ci, "password_hash", NULL) ? "password set" : "no password",
		     jget_str(ci, "hostname", "(VM name)"), jget_str(ci, "network", "(image default)"));
	if (ud && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ", user-data %zu bytes", strlen(ud));
	cli_kv(f, "cloud-init", buf);
	cli_kv(f, "instance-id", jget_str(ci, "instance_id", "-"));
}
