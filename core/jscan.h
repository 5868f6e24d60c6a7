/*
 * A strict JSON scanner that reads values where they lie, allocating
 * nothing: for QMP answers read every sample (query-blockstats is 1.5 KB
 * of JSON per disk, and building a jansson tree of it cost 22 us a time).
 * jscan_value checks one value whole (RFC 8259: strings with their
 * escapes and no control characters, numbers, literals, nesting at most
 * JSCAN_MAX_DEPTH); the iterators and readers then walk a checked value.
 * Text that is not JSON, or deeper, is refused, never half read.
 */
#ifndef CROFT_JSCAN_H
#define CROFT_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#define JSCAN_MAX_DEPTH 32

/* A value's text: p[0..n). */
struct jscan_span {
	const char *p;
	size_t n;
};

/* The end of the one JSON value that starts at s (after white space), or
 * NULL when there is none, it is not JSON, or it nests too deep. */
const char *jscan_value(const char *s, const char *end);
/* The whole of [s, end) is one JSON value (white space around it
 * allowed): 0 and *v its text, or -EINVAL. */
int jscan_whole(const char *s, const char *end, struct jscan_span *v);

/* Members of an object or elements of an array, in order. */
struct jscan_it {
	const char *p, *end;
	char close;                  /* '}' or ']' */
	int first;
};
/* 0, or -EINVAL when v is not a checked object or array. */
int jscan_iter(struct jscan_it *it, struct jscan_span v);
/* 1 with the next member (key: its string with the quotes; NULL key for
 * arrays), 0 at the end. */
int jscan_next(struct jscan_it *it, struct jscan_span *key, struct jscan_span *val);

/* key (a checked string) is exactly "name" (no escapes). */
int jscan_key_is(struct jscan_span key, const char *name);
/* The member of object v called name: 1 and *val, or 0. */
int jscan_member(struct jscan_span v, const char *name, struct jscan_span *val);
/* v is a non-negative integer that fits: 0 and *out, else -EINVAL. */
int jscan_u64(struct jscan_span v, uint64_t *out);
/* v is a string of printable ASCII without escapes that fits in len
 * with its NUL: 0 and buf, else -EINVAL. */
int jscan_str(struct jscan_span v, char *buf, size_t len);

#endif
