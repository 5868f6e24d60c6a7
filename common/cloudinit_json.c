/*
 * cloud-init settings as a JSON object (cloudinit.h): judged member by
 * member with the rules of cloudinit.c, and written back in one fixed
 * member order, so the text the store keeps is canonical.
 */
#include "common/cloudinit.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const members[] = {
	"user", "ssh_keys", "password_hash", "hostname", "network", "user_data",
};

/* A string member, judged by check; NULL when absent. */
static int take_str(const json_t *o, const char *key, char **dst,
		    int (*check)(const char *, char *, size_t), char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	char why[512];

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		err_set(err, errlen, "cloud_init.%s must be a string", key);
		return -EINVAL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		err_set(err, errlen, "cloud_init.%s has a NUL character", key);
		return -EINVAL;
	}
	if (check && check(json_string_value(v), why, sizeof(why)) < 0) {
		err_set(err, errlen, "%s", why);
		return -EINVAL;
	}
	*dst = xstrdup(json_string_value(v));
	return 0;
}

static int network_check(const char *s, char *err, size_t errlen)
{
	struct cloudinit_net n;

	return cloudinit_network_parse(s, &n, err, errlen);
}

static int keys_take(const json_t *o, struct cloudinit *c, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, "ssh_keys"), *k;
	char why[512];
	size_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		err_set(err, errlen, "cloud_init.ssh_keys must be an array of strings");
		return -EINVAL;
	}
	if (json_array_size(v) > CLOUDINIT_KEYS_MAX) {
		err_set(err, errlen, "cloud_init has %zu ssh keys; the limit is %d", json_array_size(v),
			CLOUDINIT_KEYS_MAX);
		return -E2BIG;
	}
	c->ssh_keys = xcalloc(json_array_size(v) + 1, sizeof(*c->ssh_keys));
	json_array_foreach(v, i, k) {
		if (!json_is_string(k)) {
			err_set(err, errlen, "cloud_init.ssh_keys[%zu] must be a string", i);
			return -EINVAL;
		}
		if (cloudinit_ssh_key_check(json_string_value(k), why, sizeof(why)) < 0) {
			err_set(err, errlen, "ssh_keys[%zu]: %s", i, why);
			return -EINVAL;
		}
		c->ssh_keys[c->nkeys++] = xstrdup(json_string_value(k));
	}
	return 0;
}

static int user_data_take(const json_t *o, struct cloudinit *c, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, "user_data");

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		err_set(err, errlen, "cloud_init.user_data must be a string");
		return -EINVAL;
	}
	if (cloudinit_user_data_check(json_string_value(v), json_string_length(v), err, errlen) < 0)
		return -EINVAL;
	c->user_data = xstrdup(json_string_value(v));
	return 0;
}

int cloudinit_from_json(const json_t *o, struct cloudinit *out, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o)) {
		err_set(err, errlen, "cloud_init must be an object (or null to turn it off)");
		return -EINVAL;
	}
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (!strcmp(key, members[i]))
				break;
		if (i == sizeof(members) / sizeof(members[0])) {
			err_set(err, errlen, "cloud_init has an unknown member \"%s\" (known: user, ssh_keys, password_hash, hostname, network, user_data)",
				key);
			return -EINVAL;
		}
	}
	if (take_str(o, "user", &out->user, cloudinit_user_check, err, errlen) < 0 ||
	    (rc = keys_take(o, out, err, errlen)) < 0 ||
	    (rc = take_str(o, "password_hash", &out->password_hash, cloudinit_password_hash_check,
			   err, errlen)) < 0 ||
	    (rc = take_str(o, "hostname", &out->hostname, cloudinit_hostname_check, err, errlen)) < 0 ||
	    (rc = take_str(o, "network", &out->network, network_check, err, errlen)) < 0 ||
	    (rc = user_data_take(o, out, err, errlen)) < 0)
		goto fail;
	rc = -EINVAL;
	if (out->password_hash && !out->user) {
		err_set(err, errlen, "password-hash needs a user (user=NAME) to set it for");
		goto fail;
	}
	if (!out->user && !out->nkeys && !out->hostname && !out->network && !out->user_data) {
		err_set(err, errlen, "cloud-init needs at least one of user, ssh-key, password-hash, hostname, network and user-data");
		goto fail;
	}
	return 0;
fail:
	cloudinit_clear(out);
	return rc < 0 ? rc : -EINVAL;
}

json_t *cloudinit_to_json(const struct cloudinit *c)
{
	json_t *o = json_object();
	size_t i;

	if (c->user)
		json_object_set_new(o, "user", json_string(c->user));
	if (c->nkeys) {
		json_t *a = json_array();

		for (i = 0; i < c->nkeys; i++)
			json_array_append_new(a, json_string(c->ssh_keys[i]));
		json_object_set_new(o, "ssh_keys", a);
	}
	if (c->password_hash)
		json_object_set_new(o, "password_hash", json_string(c->password_hash));
	if (c->hostname)
		json_object_set_new(o, "hostname", json_string(c->hostname));
	if (c->network)
		json_object_set_new(o, "network", json_string(c->network));
	if (c->user_data)
		json_object_set_new(o, "user_data", json_string(c->user_data));
	return o;
}

char *cloudinit_to_text(const struct cloudinit *c)
{
	json_t *o = cloudinit_to_json(c);
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *out = xstrdup(s);

	free(s);
	json_decref(o);
	return out;
}

int cloudinit_from_text(const char *text, struct cloudinit *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!o) {
		err_set(err, errlen, "stored cloud-init settings are not JSON: %s", je.text);
		return -EINVAL;
	}
	rc = cloudinit_from_json(o, out, err, errlen);
	json_decref(o);
	return rc;
}

void cloudinit_clear(struct cloudinit *c)
{
	size_t i;

	free(c->user);
	for (i = 0; i < c->nkeys; i++)
		free(c->ssh_keys[i]);
	free(c->ssh_keys);
	free(c->password_hash);
	free(c->hostname);
	free(c->network);
	free(c->user_data);
	memset(c, 0, sizeof(*c));
}
