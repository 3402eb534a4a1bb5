/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The address space's machinery: pattern matching, the argument specs'
 * text and the generic step that checks a message against a spec, and
 * the checks of single arguments. The routes themselves are in
 * osc_routes.c.
 */
#include "osc_address.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool osc_address_match(const char *pattern, const char *path,
                       char *capture, size_t cap)
{
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (*p == '*') {
			size_t len = strcspn(s, "/");
			if (len == 0 || len >= cap)
				return false;
			memcpy(capture, s, len);
			capture[len] = '\0';
			s += len;
			p++;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

static bool is_button(const struct osc_arg *a)
{
	return a->kind == OSC_ARG_TRIGGER || a->kind == OSC_ARG_TRIGGER_TEXT;
}

const char *osc_address_args_text(const struct osc_arg *args, char *buf,
                                  size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t k = 0; args && args[k].kind != OSC_ARG_END; k++) {
		const struct osc_arg *a = &args[k];
		if (a->in_path || at >= size)
			continue;
		const char *sep = at ? " " : "";
		int n;
		if (a->kind == OSC_ARG_TRIGGER)
			n = snprintf(buf + at, size - at, "%strigger", sep);
		else if (a->kind == OSC_ARG_TRIGGER_TEXT)
			n = snprintf(buf + at, size - at, "%strigger or %s", sep,
			             a->name);
		else if (a->rest)
			n = snprintf(buf + at, size - at, "%s[%s...]", sep, a->name);
		else if (a->optional)
			n = snprintf(buf + at, size - at, "%s[%s]", sep, a->name);
		else
			n = snprintf(buf + at, size - at, "%s%s", sep, a->name);
		at += n > 0 ? (size_t)n : 0;
	}
	if (at == 0)
		snprintf(buf, size, "none");
	return buf;
}

enum rl_status osc_address_check_path(const char *path, struct error *err)
{
	if (path[0] != '/')
		return error_set(err, RL_ERR_INVALID, "an OSC address starts "
		                 "with '/', not '%.40s'", path);
	const char *bad = strpbrk(path, " #*,?[]{}");
	if (bad)
		return error_set(err, RL_ERR_INVALID, "'%.80s': OSC address "
		                 "patterns ('%c') are not accepted, only exact "
		                 "addresses", path, *bad);
	return RL_OK;
}

const char *osc_address_type_name(char t)
{
	switch (t) {
	case LO_INT32: return "int32";
	case LO_INT64: return "int64";
	case LO_FLOAT: return "float";
	case LO_DOUBLE: return "double";
	case LO_STRING: return "string";
	case LO_SYMBOL: return "symbol";
	case LO_BLOB: return "blob";
	case LO_CHAR: return "char";
	case LO_MIDI: return "MIDI";
	case LO_TIMETAG: return "timetag";
	case LO_TRUE: return "true";
	case LO_FALSE: return "false";
	case LO_NIL: return "nil";
	case LO_INFINITUM: return "infinitum";
	}
	return "unknown type";
}

enum rl_status osc_address_count(int argc, int min, int max,
                                 const char *args, struct error *err)
{
	if (argc >= min && argc <= max)
		return RL_OK;
	if (min == max)
		return error_set(err, RL_ERR_INVALID, "wants %d argument%s "
		                 "(%s), got %d", min, min == 1 ? "" : "s",
		                 args, argc);
	return error_set(err, RL_ERR_INVALID, "wants %d to %d arguments "
	                 "(%s), got %d", min, max, args, argc);
}

static bool numeric(char t)
{
	return t == LO_INT32 || t == LO_INT64 || t == LO_FLOAT ||
	       t == LO_DOUBLE;
}

/* liblo's arguments are 4-byte aligned inside the packet while lo_arg
 * (a union with 64-bit members) wants 8: read them by memcpy, never
 * through the union -- and from a void pointer, as a memcpy from a
 * lo_arg pointer may assume its alignment (clang's UBSan says so:
 * tests/fuzz/corpus/osc/bug-misaligned-lo-arg.osc). */
static int32_t arg_i32(const void *a)
{
	int32_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

static int64_t arg_i64(const void *a)
{
	int64_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

static double value_of(char t, const void *a)
{
	switch (t) {
	case LO_INT32: return arg_i32(a);
	case LO_INT64: return (double)arg_i64(a);
	case LO_FLOAT: {
		float f;
		memcpy(&f, a, sizeof f);
		return f;
	}
	case LO_DOUBLE: {
		double d;
		memcpy(&d, a, sizeof d);
		return d;
	}
	}
	return NAN;
}

/* "2.5", "7", "-inf" for a message. */
static void show_number(char t, const void *a, char *buf, size_t size)
{
	if (t == LO_INT32)
		snprintf(buf, size, "%d", arg_i32(a));
	else if (t == LO_INT64)
		snprintf(buf, size, "%lld", (long long)arg_i64(a));
	else
		snprintf(buf, size, "%g", value_of(t, a));
}

static enum rl_status wrong_type(char t, int i, const char *what,
                                 const char *want, struct error *err)
{
	return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be %s, "
	                 "got %s", i + 1, what, want, osc_address_type_name(t));
}

enum rl_status osc_address_trigger(const char *types, lo_arg **argv,
                                   int argc, bool *fire, struct error *err)
{
	*fire = false;
	if (argc == 0) {
		*fire = true;
		return RL_OK;
	}
	if (argc > 1)
		return error_set(err, RL_ERR_INVALID, "a button takes no "
		                 "argument or one (1 press, 0 release), got %d",
		                 argc);
	return osc_address_bool(types, argv, 0, "1 press, 0 release", fire,
	                        err);
}

enum rl_status osc_address_bool(const char *types, lo_arg **argv, int i,
                                const char *what, bool *out,
                                struct error *err)
{
	char t = types[i];
	if (t == LO_TRUE || t == LO_FALSE) {
		*out = t == LO_TRUE;
		return RL_OK;
	}
	if (!numeric(t))
		return wrong_type(t, i, what, "0 or 1", err);
	double v = value_of(t, argv[i]);
	if (v == 0.0 || v == 1.0) {
		*out = v == 1.0;
		return RL_OK;
	}
	char shown[32];
	show_number(t, argv[i], shown, sizeof shown);
	return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be 0 or "
	                 "1, got %s", i + 1, what, shown);
}

enum rl_status osc_address_int(const char *types, lo_arg **argv, int i,
                               const char *what, int64_t min, int64_t max,
                               int64_t *out, struct error *err)
{
	char t = types[i];
	char want[96];
	snprintf(want, sizeof want, "a whole number from %lld to %lld",
	         (long long)min, (long long)max);
	if (!numeric(t))
		return wrong_type(t, i, what, want, err);
	int64_t v;
	if (t == LO_INT32) {
		v = arg_i32(argv[i]);
	} else if (t == LO_INT64) {
		v = arg_i64(argv[i]);
	} else {
		double d = value_of(t, argv[i]);
		/* The range check below is exact only inside +-2^53; a float
		 * past it is out of every range we take anyway. */
		if (!isfinite(d) || d != floor(d) || fabs(d) > 9.0e15) {
			char shown[32];
			show_number(t, argv[i], shown, sizeof shown);
			return error_set(err, RL_ERR_INVALID, "argument %d (%s) "
			                 "must be %s, got %s", i + 1, what, want,
			                 shown);
		}
		v = (int64_t)d;
	}
	if (v < min || v > max)
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "%s, got %lld", i + 1, what, want,
		                 (long long)v);
	*out = v;
	return RL_OK;
}

enum rl_status osc_address_number(const char *types, lo_arg **argv, int i,
                                  const char *what, double min, double max,
                                  double *out, struct error *err)
{
	char t = types[i];
	if (!numeric(t))
		return wrong_type(t, i, what, "a number", err);
	double v = value_of(t, argv[i]);
	if (!(v >= min && v <= max))
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "a number from %g to %g, got %g", i + 1, what,
		                 min, max, v);
	*out = v;
	return RL_OK;
}

enum rl_status osc_address_level(const char *types, lo_arg **argv, int i,
                                 const char *what, double *db,
                                 struct error *err)
{
	char t = types[i];
	if (t == LO_STRING || t == LO_SYMBOL) {
		const char *s = (const char *)argv[i];
		if (!strcmp(s, "-inf") || !strcmp(s, "off")) {
			*db = -INFINITY;
			return RL_OK;
		}
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "a level in dB up to +6, or \"-inf\"/\"off\", "
		                 "not \"%.40s\"", i + 1, what, s);
	}
	if (!numeric(t))
		return wrong_type(t, i, what, "a level in dB up to +6", err);
	double v = value_of(t, argv[i]);
	if (isnan(v) || v > 6.0) {
		char shown[32];
		show_number(t, argv[i], shown, sizeof shown);
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "a level in dB up to +6, got %s", i + 1, what,
		                 shown);
	}
	*db = v <= -144.0 ? -INFINITY : v;
	return RL_OK;
}

enum rl_status osc_address_text(const char *types, lo_arg **argv, int i,
                                const char *what, const char **out,
                                struct error *err)
{
	char t = types[i];
	if (t != LO_STRING && t != LO_SYMBOL)
		return wrong_type(t, i, what, "a string", err);
	*out = (const char *)argv[i];
	return RL_OK;
}

enum rl_status osc_address_track(const char *types, lo_arg **argv, int i,
                                 const char *what, char *buf, size_t size,
                                 struct error *err)
{
	char t = types[i];
	if (t == LO_STRING || t == LO_SYMBOL) {
		const char *s = (const char *)argv[i];
		if (!s[0] || strlen(s) >= size)
			return error_set(err, RL_ERR_INVALID, "argument %d (%s) "
			                 "must be a track number or name, got "
			                 "\"%.40s\"", i + 1, what, s);
		snprintf(buf, size, "%s", s);
		return RL_OK;
	}
	int64_t n;
	if (osc_address_int(types, argv, i, what, 1, UINT32_MAX, &n,
	                    NULL) != RL_OK) {
		char shown[32] = "";
		if (numeric(t))
			show_number(t, argv[i], shown, sizeof shown);
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "a track number (from 1) or name, got %s", i + 1,
		                 what, shown[0] ? shown : osc_address_type_name(t));
	}
	snprintf(buf, size, "%lld", (long long)n);
	return RL_OK;
}

enum rl_status osc_address_position(const char *types, lo_arg **argv,
                                    int i, const char *what, int64_t min,
                                    int64_t max, int64_t *frame,
                                    const char **text, struct error *err)
{
	char t = types[i];
	*text = NULL;
	if (t == LO_STRING || t == LO_SYMBOL) {
		*text = (const char *)argv[i];
		return RL_OK;
	}
	if (!numeric(t))
		return wrong_type(t, i, what, "a frame number or a position "
		                  "(\"17|3\", \"chorus\")", err);
	return osc_address_int(types, argv, i, what, min, max, frame, err);
}

/* ---- the generic step ------------------------------------------------- */

/* The component the pattern's '*' matched: a track's number or name,
 * or a whole number (REAPER's action). */
static enum rl_status parse_path(const struct osc_arg *a, const char *capture,
                                 struct osc_value *v, struct error *err)
{
	if (a->kind == OSC_ARG_TRACK) {
		snprintf(v->buf, sizeof v->buf, "%s", capture);
		v->text = v->buf;
		return RL_OK;
	}
	char *end = NULL;
	long long n = capture[0] >= '0' && capture[0] <= '9'
	              ? strtoll(capture, &end, 10) : 0;
	if (!end || *end || n < a->min || n > a->max)
		return error_set(err, RL_ERR_INVALID, "the path's %s must be a "
		                 "whole number from %lld to %lld, got '%.40s'",
		                 a->name, (long long)a->min, (long long)a->max,
		                 capture);
	v->i = n;
	return RL_OK;
}

/* Message argument j for spec entry a. */
static enum rl_status parse_one(const struct osc_arg *a, const char *types,
                                lo_arg **argv, int j, struct osc_value *v,
                                struct error *err)
{
	switch (a->kind) {
	case OSC_ARG_BOOL:
		return osc_address_bool(types, argv, j, a->name, &v->on, err);
	case OSC_ARG_INT:
		return osc_address_int(types, argv, j, a->name, a->min, a->max,
		                       &v->i, err);
	case OSC_ARG_NUMBER:
		return osc_address_number(types, argv, j, a->name,
		                          (double)a->min, (double)a->max, &v->x,
		                          err);
	case OSC_ARG_LEVEL:
		return osc_address_level(types, argv, j, a->name, &v->x, err);
	case OSC_ARG_TEXT:
		return osc_address_text(types, argv, j, a->name, &v->text, err);
	case OSC_ARG_TRACK:
		v->text = v->buf;
		return osc_address_track(types, argv, j, a->name, v->buf,
		                         sizeof v->buf, err);
	case OSC_ARG_POSITION:
		return osc_address_position(types, argv, j, a->name, a->min,
		                            a->max, &v->i, &v->text, err);
	case OSC_ARG_ANY:
		return RL_OK;
	case OSC_ARG_END:
	case OSC_ARG_TRIGGER:
	case OSC_ARG_TRIGGER_TEXT:
		break;
	}
	return error_set(err, RL_ERR_INVALID, "argument %d (%s): no check for "
	                 "its kind", j + 1, a->name);
}

/* A button is the message's only argument: a string for TRIGGER_TEXT,
 * else a press or a release. */
static enum rl_status parse_button(const struct osc_arg *a, const char *types,
                                   lo_arg **argv, int argc,
                                   struct osc_value *v, bool *act,
                                   struct error *err)
{
	if (a->kind == OSC_ARG_TRIGGER_TEXT && argc == 1 &&
	    (types[0] == LO_STRING || types[0] == LO_SYMBOL)) {
		v->text = (const char *)argv[0];
		return RL_OK;
	}
	return osc_address_trigger(types, argv, argc, act, err);
}

enum rl_status osc_address_parse(const struct osc_arg *args,
                                 const char *capture, const char *types,
                                 lo_arg **argv, int argc,
                                 struct osc_value *v, bool *act,
                                 struct error *err)
{
	*act = true;
	int n = 0, min = 0, max = 0;
	bool button = false;
	for (; args && args[n].kind != OSC_ARG_END; n++) {
		memset(&v[n], 0, sizeof v[n]);
		const struct osc_arg *a = &args[n];
		if (a->in_path)
			continue;
		button = button || is_button(a);
		max = a->rest ? INT_MAX : max + 1;
		if (!a->optional && !a->rest && !is_button(a))
			min = max;
	}
	/* A button counts its arguments itself (none or one). */
	if (!button) {
		char text[256];
		enum rl_status st = osc_address_count(argc, min, max,
		                                      osc_address_args_text(
		                                              args, text,
		                                              sizeof text),
		                                      err);
		if (st != RL_OK)
			return st;
	}
	for (int k = 0, j = 0; k < n; k++) {
		const struct osc_arg *a = &args[k];
		enum rl_status st = RL_OK;
		if (a->in_path)
			st = parse_path(a, capture ? capture : "", &v[k], err);
		else if (is_button(a))
			st = parse_button(a, types, argv, argc, &v[k], act, err);
		else if (j >= argc)
			continue; /* an optional one left out */
		else if (a->rest)
			j = argc;
		else
			st = parse_one(a, types, argv, j++, &v[k], err);
		if (st != RL_OK)
			return st;
		v[k].given = true;
	}
	return RL_OK;
}
