/*
 * The strict JSON scanner (jscan.h).
 */
#include "core/jscan.h"

#include <errno.h>
#include <string.h>

static const char *ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int cont(const char *p, const char *end, size_t i)
{
	return p + i < end && ((unsigned char)p[i] & 0xc0) == 0x80;
}

/* The length of the UTF-8 sequence at p, 0 when it is not one (overlong
 * forms, surrogates and code points above U+10FFFF are not). */
static size_t utf8_len(const char *p, const char *end)
{
	unsigned char c = (unsigned char)p[0], d = p + 1 < end ? (unsigned char)p[1] : 0;

	if (c >= 0xc2 && c <= 0xdf)
		return cont(p, end, 1) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d > 0x9f))
			return 0;
		return cont(p, end, 1) && cont(p, end, 2) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((c == 0xf0 && d < 0x90) || (c == 0xf4 && d > 0x8f))
			return 0;
		return cont(p, end, 1) && cont(p, end, 2) && cont(p, end, 3) ? 4 : 0;
	}
	return 0;
}

/* The bytes a string's check must look at: the quote, the backslash,
 * control characters and the start of a UTF-8 sequence.  The rest are
 * stepped over by a loop whose next step does not wait for the byte it
 * loaded (most of a QMP answer is plain ASCII in strings). */
static int str_special(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

static const char *plain_run(const char *p, const char *end)
{
	while (p < end && !str_special((unsigned char)*p))
		p++;
	return p;
}

/* p at the opening quote: past the closing one, or NULL. */
static const char *string(const char *p, const char *end)
{
	for (p++; p < end;) {
		unsigned char c;
		size_t n;

		if ((p = plain_run(p, end)) >= end)
			break;
		c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			if (*p == 'u') {
				if (end - p < 5 || !hex(p[1]) || !hex(p[2]) || !hex(p[3]) || !hex(p[4]))
					return NULL;
				p += 5;
			} else if (strchr("\"\\/bfnrt", *p) && *p) {
				p++;
			} else {
				return NULL;
			}
			continue;
		}
		n = utf8_len(p, end);
		if (!n)
			return NULL;
		p += n;
	}
	return NULL;
}

static const char *digits(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > s ? p : NULL;
}

static const char *number(const char *p, const char *end)
{
	if (*p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = digits(p, end)))
			return NULL;
	}
	return p;
}

static const char *literal(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && !memcmp(p, word, n) ? p + n : NULL;
}

static const char *value(const char *p, const char *end, int depth);

/* An object or array at p (its opener); members are "key": value. */
static const char *container(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';

	if (depth >= JSCAN_MAX_DEPTH)
		return NULL;
	p = ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p >= end || *p != '"' || !(p = string(p, end)))
				return NULL;
			p = ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		if (!(p = value(p, end, depth + 1)))
			return NULL;
		p = ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = ws(p + 1, end);
	}
}

static const char *value(const char *p, const char *end, int depth)
{
	p = ws(p, end);
	if (p >= end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return container(p, end, depth);
	case '"':
		return string(p, end);
	case 't':
		return literal(p, end, "true");
	case 'f':
		return literal(p, end, "false");
	case 'n':
		return literal(p, end, "null");
	default:
		return *p == '-' || (*p >= '0' && *p <= '9') ? number(p, end) : NULL;
	}
}

const char *jscan_value(const char *s, const char *end)
{
	return s && end && s <= end ? value(s, end, 0) : NULL;
}

int jscan_whole(const char *s, const char *end, struct jscan_span *v)
{
	const char *b, *e;

	if (!s || !end || s > end)
		return -EINVAL;
	b = ws(s, end);
	e = value(b, end, 0);
	if (!e || ws(e, end) != end)
		return -EINVAL;
	v->p = b;
	v->n = (size_t)(e - b);
	return 0;
}

/* In a checked string, p past its opening quote: the closing quote (or
 * end, for text that was not checked). */
static const char *quote(const char *p, const char *end)
{
	for (;;) {
		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (p >= end || *p == '"')
			return p;
		if (end - p < 2)
			return end;
		p += 2;                      /* an escape: \" is no end */
	}
}

/* The characters skip stops at inside a container. */
static int structural(char c)
{
	return c == '"' || c == '{' || c == '[' || c == '}' || c == ']';
}

/* The end of the value at p inside a checked value (jscan_iter's
 * contract), found by matching strings and brackets only: the checking
 * was done once, by jscan_whole or jscan_value.  NULL when the text ends
 * inside a string or container (text that was not checked). */
static const char *skip(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		char c = *p++;

		if (c == '"') {
			if ((p = quote(p, end)) >= end)
				return NULL;
			p++;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (!depth)
				return p - 1;        /* a scalar ended by its container */
			depth--;
		} else if (!depth && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
			return p - 1;
		} else if (!depth) {
			continue;                    /* a scalar goes on */
		}
		if (!depth)
			return p;                    /* a string or container closed */
		while (p < end && !structural(*p))
			p++;                     /* numbers, literals, commas, white space */
	}
	return depth ? NULL : p;
}

int jscan_iter(struct jscan_it *it, struct jscan_span v)
{
	if (v.n < 2 || (v.p[0] != '{' && v.p[0] != '['))
		return -EINVAL;
	it->close = v.p[0] == '{' ? '}' : ']';
	it->p = v.p + 1;
	it->end = v.p + v.n;
	it->first = 1;
	return 0;
}

int jscan_next(struct jscan_it *it, struct jscan_span *key, struct jscan_span *val)
{
	const char *p = ws(it->p, it->end), *e;

	if (p >= it->end || *p == it->close)
		return 0;
	if (!it->first) {
		if (*p != ',')
			return 0;
		p = ws(p + 1, it->end);
	}
	it->first = 0;
	if (key)
		key->p = NULL, key->n = 0;
	if (it->close == '}') {
		if (p >= it->end || *p != '"' || (e = quote(p + 1, it->end)) >= it->end)
			return 0;
		e++;
		if (key)
			key->p = p, key->n = (size_t)(e - p);
		p = ws(e, it->end);
		if (p >= it->end || *p != ':')
			return 0;
		p = ws(p + 1, it->end);
	}
	if (p >= it->end || *p == ',' || *p == it->close || !(e = skip(p, it->end)) || e == p)
		return 0;
	val->p = p;
	val->n = (size_t)(e - p);
	it->p = e;
	return 1;
}

/* Compared a byte at a time, so a key that differs early (most do) costs
 * no strlen of name; a checked string holds no NUL to match name's end. */
int jscan_key_is(struct jscan_span key, const char *name)
{
	size_t i, n;

	if (!key.p || key.n < 2)
		return 0;
	n = key.n - 2;
	for (i = 0; i < n; i++)
		if (key.p[i + 1] != name[i])
			return 0;
	return name[n] == '\0';
}

int jscan_member(struct jscan_span v, const char *name, struct jscan_span *val)
{
	struct jscan_it it;
	struct jscan_span k;

	if (jscan_iter(&it, v) < 0 || it.close != '}')
		return 0;
	while (jscan_next(&it, &k, val))
		if (jscan_key_is(k, name))
			return 1;
	return 0;
}

int jscan_u64(struct jscan_span v, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (!v.n || (v.n > 1 && v.p[0] == '0'))
		return -EINVAL;
	for (i = 0; i < v.n; i++) {
		unsigned d = (unsigned)(v.p[i] - '0');

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return -EINVAL;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

int jscan_str(struct jscan_span v, char *buf, size_t len)
{
	size_t i, n;

	if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
		return -EINVAL;
	n = v.n - 2;
	if (n >= len)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (v.p[i + 1] < 0x20 || v.p[i + 1] > 0x7e || v.p[i + 1] == '\\' || v.p[i + 1] == '"')
			return -EINVAL;
	memcpy(buf, v.p + 1, n);
	buf[n] = '\0';
	return 0;
}
