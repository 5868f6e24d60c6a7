/*
 * The guest agent's protocol: line reassembly after the sync delimiter,
 * the reply parser and the readers of the few results croft shows.  Pure;
 * see agent.h.  Every string taken from a reply goes through agent_text,
 * which keeps printable ASCII only and cuts at the field's size.
 */
#include "core/agent.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void agent_rx_init(struct agent_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

void agent_rx_clear(struct agent_rx *rx)
{
	free(rx->buf);
	agent_rx_init(rx);
}

void agent_rx_expect_delimiter(struct agent_rx *rx)
{
	rx->len = 0;
	rx->want_delim = 1;
}

static int rx_append(struct agent_rx *rx, const char *p, size_t n)
{
	if (n > AGENT_LINE_MAX - rx->len)
		return -EMSGSIZE;
	if (!rx->buf)
		rx->buf = xmalloc(AGENT_LINE_MAX);
	memcpy(rx->buf + rx->len, p, n);
	rx->len += n;
	return 0;
}

int agent_rx_feed(struct agent_rx *rx, const char *data, size_t n, agent_line_fn line,
		  void *arg)
{
	size_t i = 0;
	int r;

	while (i < n) {
		const char *nl, *ff;
		size_t k;

		if (rx->want_delim) {
			ff = memchr(data + i, 0xff, n - i);
			if (!ff)
				return 0;
			i = (size_t)(ff - data) + 1;
			rx->want_delim = 0;
			rx->len = 0;
			continue;
		}
		nl = memchr(data + i, '\n', n - i);
		k = (nl ? (size_t)(nl - data) : n) - i;
		/* A stray delimiter is not part of any reply. */
		ff = memchr(data + i, 0xff, k);
		if (ff) {
			k = (size_t)(ff - data) - i;
			if ((r = rx_append(rx, data + i, k)) < 0)
				return r;
			i += k + 1;
			continue;
		}
		if ((r = rx_append(rx, data + i, k)) < 0)
			return r;
		i += k;
		if (!nl)
			return 0;
		i++;
		k = rx->len;
		rx->len = 0;
		if (k && rx->buf[k - 1] == '\r')
			k--;
		if (k == 0)
			continue;
		if ((r = line(rx->buf, k, arg)) != 0)
			return r;
	}
	return 0;
}

void agent_reply_clear(struct agent_reply *r)
{
	if (r->root)
		json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

int agent_parse_reply(const char *line, size_t len, struct agent_reply *out, char *err,
		      size_t errlen)
{
	json_error_t je;
	json_t *e, *c, *d;

	memset(out, 0, sizeof(*out));
	out->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!out->root) {
		err_set(err, errlen, "the guest agent sent something that is not JSON (%s)", je.text);
		return -EINVAL;
	}
	if (!json_is_object(out->root)) {
		err_set(err, errlen, "the guest agent sent JSON that is not an object");
		goto bad;
	}
	out->ret = json_object_get(out->root, "return");
	e = json_object_get(out->root, "error");
	if (out->ret && !e)
		return 0;
	if (!out->ret && json_is_object(e)) {
		c = json_object_get(e, "class");
		d = json_object_get(e, "desc");
		if ((c && !json_is_string(c)) || (d && !json_is_string(d))) {
			err_set(err, errlen, "the guest agent sent an error whose class or desc "
				"is not a string");
			goto bad;
		}
		out->err_class = c ? json_string_value(c) : "";
		out->err_desc = d ? json_string_value(d) : "";
		return 0;
	}
	err_set(err, errlen, "the guest agent sent an object with neither a return "
		"nor an error object");
bad:
	agent_reply_clear(out);
	return -EINVAL;
}

void agent_text(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < size; s++)
		if (*s >= 0x20 && *s < 0x7f)
			dst[i++] = *s;
	dst[i] = '\0';
}

static const char *member_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int agent_read_info(const json_t *ret, struct agent_guest *g, char *err, size_t errlen)
{
	const char *v = member_str(ret, "version");

	if (!v) {
		err_set(err, errlen, "guest-info: no version string in the reply");
		return -EINVAL;
	}
	agent_text(g->version, sizeof(g->version), v);
	return 0;
}

int agent_read_osinfo(const json_t *ret, struct agent_guest *g, char *err, size_t errlen)
{
	const char *name, *kernel;

	if (!json_is_object(ret)) {
		err_set(err, errlen, "guest-get-osinfo: the reply is not an object");
		return -EINVAL;
	}
	name = member_str(ret, "pretty-name");
	if (!name)
		name = member_str(ret, "name");
	kernel = member_str(ret, "kernel-release");
	agent_text(g->os, sizeof(g->os), name ? name : "");
	agent_text(g->kernel, sizeof(g->kernel), kernel ? kernel : "");
	return 0;
}

int agent_read_hostname(const json_t *ret, struct agent_guest *g, char *err, size_t errlen)
{
	const char *h = member_str(ret, "host-name");

	if (!h) {
		err_set(err, errlen, "guest-get-host-name: no host-name string in the reply");
		return -EINVAL;
	}
	agent_text(g->hostname, sizeof(g->hostname), h);
	return 0;
}

/* "ADDR/PREFIX" of one ip-addresses entry into out; 0, or -1 to skip it
 * (malformed, loopback or link-local IPv6). */
static int addr_text(const json_t *a, char *out, size_t size)
{
	const char *type = member_str(a, "ip-address-type");
	const char *ip = member_str(a, "ip-address");
	json_t *p = json_object_get(a, "prefix");
	char ipbuf[48];

	if (!type || !ip || !json_is_integer(p) || json_integer_value(p) < 0 ||
	    json_integer_value(p) > 128)
		return -1;
	if (strcmp(type, "ipv4") && strcmp(type, "ipv6"))
		return -1;
	agent_text(ipbuf, sizeof(ipbuf), ip);
	if (!ipbuf[0] || !strncmp(ipbuf, "127.", 4) || !strcmp(ipbuf, "::1") ||
	    !strncmp(ipbuf, "fe80:", 5))
		return -1;
	snprintf(out, size, "%s/%d", ipbuf, (int)json_integer_value(p));
	return 0;
}

int agent_read_interfaces(const json_t *ret, struct agent_guest *g, char *err, size_t errlen)
{
	size_t i, j;
	json_t *ifc, *a, *addrs;

	if (!json_is_array(ret)) {
		err_set(err, errlen, "guest-network-get-interfaces: the reply is not an array");
		return -EINVAL;
	}
	g->naddrs = 0;
	json_array_foreach(ret, i, ifc) {
		addrs = json_object_get(ifc, "ip-addresses");
		if (!json_is_array(addrs))
			continue;
		json_array_foreach(addrs, j, a) {
			if (g->naddrs == AGENT_ADDRS_MAX)
				return 0;
			if (addr_text(a, g->addrs[g->naddrs], sizeof(g->addrs[0])) == 0)
				g->naddrs++;
		}
	}
	return 0;
}

int agent_read_fsfreeze(const json_t *ret, struct agent_guest *g, char *err, size_t errlen)
{
	const char *s = json_string_value(ret);

	if (s && !strcmp(s, "frozen"))
		g->fsfreeze = 1;
	else if (s && !strcmp(s, "thawed"))
		g->fsfreeze = 0;
	else {
		err_set(err, errlen, "guest-fsfreeze-status: the reply is neither \"frozen\" "
			"nor \"thawed\"");
		return -EINVAL;
	}
	return 0;
}

char *agent_command_line(const char *command, const json_t *args)
{
	json_t *o = json_object();
	char *s, *line;

	json_object_set_new(o, "execute", json_string(command));
	if (args)
		json_object_set(o, "arguments", (json_t *)args);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		abort();
	line = xasprintf("%s\n", s);
	free(s);
	return line;
}

char *agent_sync_line(uint32_t id)
{
	/* The leading 0xff makes an agent drop a half-read request. */
	return xasprintf("\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%u}}\n",
			 (unsigned)id);
}

int agent_reply_is_sync(const struct agent_reply *r, uint32_t id)
{
	return r->ret && json_is_integer(r->ret) && json_integer_value(r->ret) == (json_int_t)id;
}
