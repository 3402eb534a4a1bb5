/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC address space and the argument checks. doc/osc.md documents
 * every route listed here; tests/unit/test_osc.c checks the two agree.
 */
#include "osc_address.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define R(p, i, w, a) { p, i, w, a }

/* Sorted by dialect, then as doc/osc.md lists them. Lookup is linear:
 * about 80 short patterns, compared component by component, costs less
 * than the recvfrom() that brought the message. */
static const struct osc_address_route routes[] = {
	/* redlight: session and feedback (read-only clients may use these) */
	R("/redlight/ping", OSC_PING, false, "[any]"),
	R("/redlight/pong", OSC_PONG, false, "[token]"),
	R("/redlight/query", OSC_QUERY, false, ""),
	R("/redlight/subscribe", OSC_SUBSCRIBE, false, "[port] [options]"),
	R("/redlight/unsubscribe", OSC_UNSUBSCRIBE, false, "[port]"),
	/* redlight: transport */
	R("/redlight/play", OSC_PLAY, true, "[1]"),
	R("/redlight/stop", OSC_STOP, true, "[1]"),
	R("/redlight/record", OSC_RECORD, true, "[1]"),
	R("/redlight/record/punch", OSC_RECORD_PUNCH, true, "from to"),
	R("/redlight/toggle_roll", OSC_TOGGLE_ROLL, true, "[1]"),
	R("/redlight/stop/after_pass", OSC_STOP_AFTER_PASS, true, "[1]"),
	R("/redlight/locate", OSC_LOCATE, true, "frame|position"),
	R("/redlight/locate/bar", OSC_LOCATE_BAR, true, "bar"),
	R("/redlight/locate/section", OSC_LOCATE_SECTION, true, "label"),
	R("/redlight/locate/start", OSC_LOCATE_START, true, "[1]"),
	R("/redlight/locate/jump", OSC_LOCATE_JUMP, true, "bars"),
	R("/redlight/locate/section/next", OSC_LOCATE_NEXT_SECTION, true, "[1]"),
	R("/redlight/locate/section/prev", OSC_LOCATE_PREV_SECTION, true, "[1]"),
	R("/redlight/loop", OSC_LOOP, true, "on [from to]"),
	R("/redlight/click", OSC_CLICK, true, "[on]"),
	R("/redlight/click/level", OSC_CLICK_LEVEL, true, "dB"),
	R("/redlight/cue/click", OSC_CUE_CLICK, true, "dB"),
	R("/redlight/cue/scratch", OSC_CUE_SCRATCH, true, "dB"),
	/* redlight: takes */
	R("/redlight/take/new", OSC_TAKE_NEW, true, "[1]"),
	R("/redlight/marker", OSC_MARKER, true, "[name]"),
	R("/redlight/take/keep", OSC_TAKE_KEEP, true, "take [track]"),
	R("/redlight/take/rate", OSC_TAKE_RATE, true, "take rating"),
	R("/redlight/take/note", OSC_TAKE_NOTE, true, "take text"),
	R("/redlight/take/discard", OSC_TAKE_DISCARD, true, "take"),
	R("/redlight/take/restore", OSC_TAKE_RESTORE, true, "take"),
	R("/redlight/comp/use", OSC_COMP_USE, true, "comp on"),
	/* redlight: tracks */
	R("/redlight/track/arm", OSC_TRACK_ARM, true, "track [on]"),
	R("/redlight/track/monitor", OSC_TRACK_MONITOR, true,
	  "track on [dB]"),
	R("/redlight/track/cue", OSC_TRACK_CUE, true, "track dB"),
	R("/redlight/arm/all", OSC_ARM_ALL, true, "[on]"),
	R("/redlight/meters/reset", OSC_METERS_RESET, true, "[1]"),
	R("/redlight/track/*/arm", OSC_TRACKN_ARM, true, "[on]"),
	R("/redlight/track/*/monitor", OSC_TRACKN_MONITOR, true, "on [dB]"),
	R("/redlight/track/*/cue", OSC_TRACKN_CUE, true, "dB"),
	/* Ardour: what tablet layouts made for it send */
	R("/transport_play", OSC_ARDOUR_PLAY, true, "[1]"),
	R("/transport_stop", OSC_ARDOUR_STOP, true, "[1]"),
	R("/toggle_roll", OSC_ARDOUR_TOGGLE_ROLL, true, "[1]"),
	R("/rec_enable_toggle", OSC_ARDOUR_REC_TOGGLE, true, "[1]"),
	R("/goto_start", OSC_ARDOUR_GOTO_START, true, "[1]"),
	R("/add_marker", OSC_ARDOUR_ADD_MARKER, true, "[1|name]"),
	R("/loop_toggle", OSC_ARDOUR_LOOP_TOGGLE, true, "[1]"),
	R("/toggle_click", OSC_ARDOUR_TOGGLE_CLICK, true, "[1]"),
	R("/jump_bars", OSC_ARDOUR_JUMP_BARS, true, "bars"),
	R("/locate", OSC_ARDOUR_LOCATE, true, "sample roll"),
	R("/strip/recenable", OSC_ARDOUR_RECENABLE, true, "ssid yn"),
	R("/strip/recenable/*", OSC_ARDOUR_RECENABLE_N, true, "yn"),
	R("/set_surface", OSC_ARDOUR_SET_SURFACE, false,
	  "bank_size strip_types feedback fadermode [send_page_size "
	  "plugin_page_size port linkset linkid]"),
	R("/set_surface/feedback", OSC_ARDOUR_SURFACE_FEEDBACK, false,
	  "feedback"),
	R("/set_surface/bank_size", OSC_ARDOUR_SURFACE_BANK_SIZE, false,
	  "bank_size"),
	R("/set_surface/port", OSC_ARDOUR_SURFACE_PORT, false, "port"),
	R("/set_surface/strip_types", OSC_ARDOUR_SURFACE_IGNORED, false,
	  "strip_types"),
	R("/set_surface/gainmode", OSC_ARDOUR_SURFACE_IGNORED, false,
	  "gainmode"),
	R("/set_surface/send_page_size", OSC_ARDOUR_SURFACE_IGNORED, false,
	  "size"),
	R("/set_surface/plugin_page_size", OSC_ARDOUR_SURFACE_IGNORED, false,
	  "size"),
	R("/refresh", OSC_ARDOUR_REFRESH, false, "[1]"),
	R("/transport_frame", OSC_ARDOUR_TRANSPORT_FRAME, false, ""),
	R("/transport_speed", OSC_ARDOUR_TRANSPORT_SPEED, false, ""),
	R("/record_enabled", OSC_ARDOUR_RECORD_ENABLED, false, ""),
	/* REAPER: the default pattern file's names */
	R("/play", OSC_REAPER_PLAY, true, "[1]"),
	R("/stop", OSC_REAPER_STOP, true, "[1]"),
	R("/record", OSC_REAPER_RECORD, true, "[1]"),
	R("/repeat", OSC_REAPER_REPEAT, true, "[1]"),
	R("/click", OSC_REAPER_CLICK, true, "[1]"),
	R("/track/*/recarm", OSC_REAPER_RECARM, true, "[0|1]"),
	R("/track/*/recarm/toggle", OSC_REAPER_RECARM_TOGGLE, true, "[1]"),
	R("/time", OSC_REAPER_TIME, true, "seconds"),
	R("/action", OSC_REAPER_ACTION, true, "action"),
	R("/action/*", OSC_REAPER_ACTION_N, true, "[1]"),
};

const struct osc_address_route *osc_address_routes(size_t *count)
{
	*count = sizeof routes / sizeof routes[0];
	return routes;
}

/* Does path match pattern, '*' standing for one non-empty component? */
static bool match(const char *pattern, const char *path, char *capture,
                  size_t cap)
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

const struct osc_address_route *osc_address_lookup(const char *path,
                                                   char *capture,
                                                   size_t cap)
{
	char dummy[1];
	if (!capture || cap == 0) {
		capture = dummy;
		cap = 0;
	}
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		bool wild = strchr(routes[i].pattern, '*') != NULL;
		if (wild && cap == 0)
			continue;
		if (match(routes[i].pattern, path, capture, cap))
			return &routes[i];
	}
	return NULL;
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
 * through the union. */
static int32_t arg_i32(const lo_arg *a)
{
	int32_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

static int64_t arg_i64(const lo_arg *a)
{
	int64_t v;
	memcpy(&v, a, sizeof v);
	return v;
}

static double value_of(char t, const lo_arg *a)
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
static void show_number(char t, const lo_arg *a, char *buf, size_t size)
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
                                  const char *what, double *out,
                                  struct error *err)
{
	char t = types[i];
	if (!numeric(t))
		return wrong_type(t, i, what, "a number", err);
	double v = value_of(t, argv[i]);
	if (!isfinite(v))
		return error_set(err, RL_ERR_INVALID, "argument %d (%s) must be "
		                 "a finite number, got %g", i + 1, what, v);
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
                                 char *buf, size_t size, struct error *err)
{
	char t = types[i];
	if (t == LO_STRING || t == LO_SYMBOL) {
		const char *s = (const char *)argv[i];
		if (!s[0] || strlen(s) >= size)
			return error_set(err, RL_ERR_INVALID, "argument %d "
			                 "(track) must be a track number or name, "
			                 "got \"%.40s\"", i + 1, s);
		snprintf(buf, size, "%s", s);
		return RL_OK;
	}
	int64_t n;
	if (osc_address_int(types, argv, i, "track", 1, UINT32_MAX, &n,
	                    NULL) != RL_OK) {
		char shown[32] = "";
		if (numeric(t))
			show_number(t, argv[i], shown, sizeof shown);
		return error_set(err, RL_ERR_INVALID, "argument %d (track) must "
		                 "be a track number (from 1) or name, got %s",
		                 i + 1, shown[0] ? shown
		                                 : osc_address_type_name(t));
	}
	snprintf(buf, size, "%lld", (long long)n);
	return RL_OK;
}
