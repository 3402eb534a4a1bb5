/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * json_out: JSON text written straight into a growing buffer, byte for
 * byte as jansson's json_dumps(JSON_INDENT(2) | JSON_PRESERVE_ORDER)
 * writes the same values (two spaces a level, "key": value, [] and {}
 * when empty, reals as "%.17g" with ".0" added to whole numbers).
 *
 * Why not jansson's tree: session.json of 1000 takes of 32 tracks is
 * 9 MB, and building then dumping a tree of 300 000 values took 300 to
 * 500 ms on the control thread at every save; writing the text directly
 * takes a tenth of that (doc/tuning.md, "Long sessions"). Reading stays
 * with jansson (session_load.c).
 *
 * Private to src/session/. Whoever owns the struct calls it; nothing is
 * shared between threads.
 */
#ifndef REDLIGHT_JSON_OUT_H
#define REDLIGHT_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_OUT_DEPTH 16

struct json_out {
	char *buf;     /* owned; NUL-terminated while !failed */
	size_t len, cap;
	bool failed;   /* out of memory, or nesting too deep */
	int depth;
	bool empty[JSON_OUT_DEPTH]; /* no member yet at this level */
};

/** An empty writer (no allocation until the first byte). */
void json_out_init(struct json_out *o);

/** An empty writer for a value that sits `depth` levels deep in the
 *  document it will be copied into (json_out_raw()). */
void json_out_init_at(struct json_out *o, int depth);

/** Free the buffer. */
void json_out_cleanup(struct json_out *o);

/**
 * Start a member: the comma and the line break before it, and `"key": `
 * inside an object (key NULL: an element of an array). Exactly one value
 * (or json_out_open()) must follow.
 */
void json_out_member(struct json_out *o, const char *key);

/** Open `{` or `[` as the current value; json_out_close() ends it. */
void json_out_open(struct json_out *o, char bracket);

/** Close the innermost object or array with `}` or `]`. */
void json_out_close(struct json_out *o, char bracket);

void json_out_uint(struct json_out *o, uint64_t v);
void json_out_int(struct json_out *o, int64_t v);
/** v must be finite: JSON has no NaN or infinity (callers check). */
void json_out_real(struct json_out *o, double v);
/** str must be valid UTF-8 (callers check); escaped as jansson does. */
void json_out_string(struct json_out *o, const char *str);
void json_out_bool(struct json_out *o, bool v);
/** n bytes as they are: a value written apart (json_out_init_at()), or
 *  any bytes when the writer serves as a plain buffer. */
void json_out_raw(struct json_out *o, const void *p, size_t n);
void json_out_null(struct json_out *o);

#endif
