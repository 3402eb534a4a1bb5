/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * json_out.c: see json_out.h. Each function appends to one buffer that
 * doubles when full; the first failure sticks and later calls do nothing.
 */
#include "json_out.h"

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_out_init(struct json_out *o)
{
	*o = (struct json_out){ .empty[0] = true };
}

void json_out_init_at(struct json_out *o, int depth)
{
	json_out_init(o);
	if (depth < 0 || depth >= JSON_OUT_DEPTH)
		o->failed = true;
	else
		o->depth = depth;
}

void json_out_cleanup(struct json_out *o)
{
	free(o->buf);
	json_out_init(o);
}

static bool reserve(struct json_out *o, size_t more)
{
	if (o->failed)
		return false;
	if (o->len + more + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 65536;
	while (cap < o->len + more + 1)
		cap *= 2;
	char *buf = realloc(o->buf, cap);
	if (!buf) {
		o->failed = true;
		return false;
	}
	o->buf = buf;
	o->cap = cap;
	return true;
}

static void put(struct json_out *o, const void *text, size_t n)
{
	if (!reserve(o, n))
		return;
	memcpy(o->buf + o->len, text, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_char(struct json_out *o, char c)
{
	put(o, &c, 1);
}

/* A line break and two spaces per level, as JSON_INDENT(2). */
static void newline(struct json_out *o, int depth)
{
	size_t n = 1 + 2 * (size_t)depth;
	if (!reserve(o, n))
		return;
	o->buf[o->len] = '\n';
	memset(o->buf + o->len + 1, ' ', n - 1);
	o->len += n;
	o->buf[o->len] = '\0';
}

void json_out_member(struct json_out *o, const char *key)
{
	if (!o->empty[o->depth])
		put_char(o, ',');
	o->empty[o->depth] = false;
	if (o->depth > 0)
		newline(o, o->depth);
	if (key) {
		json_out_string(o, key);
		put(o, ": ", 2);
	}
}

void json_out_open(struct json_out *o, char bracket)
{
	if (o->depth + 1 >= JSON_OUT_DEPTH) {
		o->failed = true;
		return;
	}
	put_char(o, bracket);
	o->empty[++o->depth] = true;
}

void json_out_close(struct json_out *o, char bracket)
{
	if (o->depth == 0) {
		o->failed = true;
		return;
	}
	if (!o->empty[o->depth])
		newline(o, o->depth - 1);
	o->depth--;
	put_char(o, bracket);
}

void json_out_uint(struct json_out *o, uint64_t v)
{
	char text[24];
	size_t i = sizeof text;
	do {
		text[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, text + i, sizeof text - i);
}

void json_out_int(struct json_out *o, int64_t v)
{
	if (v < 0) {
		put_char(o, '-');
		json_out_uint(o, (uint64_t)0 - (uint64_t)v);
	} else {
		json_out_uint(o, (uint64_t)v);
	}
}

/* jansson 2.14's jsonp_dtostr() without dtoa: "%.17g", the locale's
 * decimal point made '.', ".0" added when there is neither '.' nor an
 * exponent (so it reads back as a real), and the exponent without '+'
 * or leading zeros ("1e20", "1e-5"). */
void json_out_real(struct json_out *o, double v)
{
	char text[40];
	int n = snprintf(text, sizeof text, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof text - 3) {
		o->failed = true;
		return;
	}
	size_t len = (size_t)n;
	char point = localeconv()->decimal_point[0];
	char *p = point && point != '.' ? strchr(text, point) : NULL;
	if (p)
		*p = '.';
	if (!strchr(text, '.') && !strchr(text, 'e')) {
		memcpy(text + len, ".0", 3);
		len += 2;
	}
	char *start = strchr(text, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len + 1 - (size_t)(end - text));
			len -= (size_t)(end - start);
		}
	}
	put(o, text, len);
}

void json_out_string(struct json_out *o, const char *str)
{
	put_char(o, '"');
	const char *run = str;
	for (const char *p = str;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, run, (size_t)(p - run));
		if (!c)
			break;
		char esc[8];
		switch (c) {
		case '"':  put(o, "\\\"", 2); break;
		case '\\': put(o, "\\\\", 2); break;
		case '\b': put(o, "\\b", 2); break;
		case '\f': put(o, "\\f", 2); break;
		case '\n': put(o, "\\n", 2); break;
		case '\r': put(o, "\\r", 2); break;
		case '\t': put(o, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", c);
			put(o, esc, 6);
		}
		run = p + 1;
	}
	put_char(o, '"');
}

void json_out_bool(struct json_out *o, bool v)
{
	if (v)
		put(o, "true", 4);
	else
		put(o, "false", 5);
}

void json_out_raw(struct json_out *o, const void *p, size_t n)
{
	put(o, p, n);
}

void json_out_null(struct json_out *o)
{
	put(o, "null", 4);
}
