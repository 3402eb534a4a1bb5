/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc_address.h
 * The machinery of the OSC address space (doc/osc.md): matching a path
 * to a pattern, the declarative argument specs of the routes
 * (osc_routes.h holds the table) with the generic step that checks a
 * message against one, and the checks every argument goes through
 * before a handler acts on it.
 *
 * Pure functions over liblo's argument types: any thread; the unit tests
 * run them without a server.
 */
#ifndef REDLIGHT_OSC_ADDRESS_H
#define REDLIGHT_OSC_ADDRESS_H

#include "redlight/error.h"
#include "redlight/session.h"

#include <lo/lo.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What one argument may be (doc/osc.md, "Rules for every message"). */
enum osc_arg_kind {
	OSC_ARG_END = 0,      /**< ends a spec */
	OSC_ARG_TRIGGER,      /**< a button: no argument, or 1/true
	                           (press) or 0/false (release: nothing
	                           happens); the only message argument */
	OSC_ARG_TRIGGER_TEXT, /**< a button, or a string (value.text) */
	OSC_ARG_BOOL,         /**< a switch (value.on) */
	OSC_ARG_INT,          /**< a whole number in [min, max] (value.i) */
	OSC_ARG_NUMBER,       /**< a number in [min, max] (value.x) */
	OSC_ARG_LEVEL,        /**< dB, off as -INFINITY (value.x) */
	OSC_ARG_TEXT,         /**< a string (value.text) */
	OSC_ARG_TRACK,        /**< a track number or name (value.text;
	                           the server adds value.track) */
	OSC_ARG_POSITION,     /**< a frame number in [min, max] (value.i)
	                           or a position as text (value.text) */
	OSC_ARG_ANY,          /**< anything: the handler reads the message */
};

/**
 * One argument of a route. A route's spec is an array of these ended by
 * one of kind OSC_ARG_END; the text that messages and doc/osc.md show
 * (osc_address_args_text()) is made from it, so the two cannot drift.
 */
struct osc_arg {
	enum osc_arg_kind kind;
	const char *name;     /**< "take", "dB": in messages and docs */
	bool optional;        /**< may be left out (only at the end) */
	bool in_path;         /**< the component the pattern's '*' matched
	                           (a track, an action number), not a
	                           message argument */
	bool rest;            /**< OSC_ARG_ANY: any number of arguments */
	int64_t min, max;     /**< OSC_ARG_INT, _NUMBER, _POSITION */
};

/** Arguments of a route at most, path components included. */
#define OSC_ARGS_MAX 9

/** One argument as a handler gets it, checked against its osc_arg. */
struct osc_value {
	bool given;            /**< false: an optional one left out */
	bool on;               /**< OSC_ARG_BOOL */
	int64_t i;             /**< OSC_ARG_INT, a frame for _POSITION */
	double x;              /**< OSC_ARG_NUMBER, OSC_ARG_LEVEL */
	const char *text;      /**< TEXT, TRACK, POSITION as text, the
	                            string of TRIGGER_TEXT; else NULL. Points
	                            into the message or into buf. */
	uint32_t track;        /**< OSC_ARG_TRACK: the session's number,
	                            filled in by the server */
	char buf[SESSION_NAME_MAX];
};

/**
 * Does `path` match `pattern`, a '*' standing for one non-empty path
 * component? That component is copied into capture (cap bytes,
 * NUL-terminated); one that does not fit fails the match.
 */
bool osc_address_match(const char *pattern, const char *path,
                       char *capture, size_t cap);

/**
 * The arguments of a spec as users read them: names in order, "[name]"
 * for an optional one, "trigger" for a button, "[name...]" for any
 * number, "none" for none; the path's components are not arguments.
 * "take [track]", "on [from] [to]". Returns buf.
 */
const char *osc_address_args_text(const struct osc_arg *args, char *buf,
                                  size_t size);

/**
 * The generic step: check a message's arguments (types, argv, argc, as
 * liblo decoded them) and the path component `capture` against `args`,
 * and fill v[i] for each args[i] (v: OSC_ARGS_MAX entries). *act is
 * false for a button's release: nothing to do, and no error. Errors
 * (RL_ERR_INVALID) are the argument checks' below.
 */
enum rl_status osc_address_parse(const struct osc_arg *args,
                                 const char *capture, const char *types,
                                 lo_arg **argv, int argc,
                                 struct osc_value *v, bool *act,
                                 struct error *err);

/**
 * Is `path` an address a client may send? It must start with '/' and
 * contain no OSC pattern characters (' ', '#', '*', ',', '?', '[', ']',
 * '{', '}'): we act on exact addresses, never on wildcards that could
 * arm every track at once. RL_ERR_INVALID saying why.
 */
enum rl_status osc_address_check_path(const char *path, struct error *err);

/** "int32", "float", "string", ... for OSC type tag t. */
const char *osc_address_type_name(char t);

/*
 * Argument checks. i counts from 0; messages count from 1 ("argument 2
 * (take) must be ..."). Each returns RL_OK or RL_ERR_INVALID with one
 * line that says what was wanted and what came.
 */

/** argc within [min, max]. `args` describes them ("take rating"). */
enum rl_status osc_address_count(int argc, int min, int max,
                                 const char *args, struct error *err);

/**
 * A trigger (button): no argument, or one number or boolean. *fire is
 * true for none, 1 or true; false for 0 or false -- the button's
 * release, which is ignored without a word. Anything else is an error.
 */
enum rl_status osc_address_trigger(const char *types, lo_arg **argv,
                                   int argc, bool *fire, struct error *err);

/** A switch: 0/1 as any number type, or true/false. */
enum rl_status osc_address_bool(const char *types, lo_arg **argv, int i,
                                const char *what, bool *out,
                                struct error *err);

/** A whole number in [min, max]: int32, int64, or a float/double that
 *  is a whole number (TouchOSC sends floats). */
enum rl_status osc_address_int(const char *types, lo_arg **argv, int i,
                               const char *what, int64_t min, int64_t max,
                               int64_t *out, struct error *err);

/** A number of any numeric type in [min, max] (so never NaN). */
enum rl_status osc_address_number(const char *types, lo_arg **argv, int i,
                                  const char *what, double min, double max,
                                  double *out, struct error *err);

/**
 * A level in dB for the cue and click: a number up to +6, or -inf (off)
 * as a float, or the strings "-inf" / "off". Numbers at or below -144
 * are off too (a fader at the bottom).
 */
enum rl_status osc_address_level(const char *types, lo_arg **argv, int i,
                                 const char *what, double *db,
                                 struct error *err);

/** A string or symbol; *out points into the message. */
enum rl_status osc_address_text(const char *types, lo_arg **argv, int i,
                                const char *what, const char **out,
                                struct error *err);

/**
 * A track as a client names it: a number (any numeric type, written
 * into buf as "7") or a string (a name, or "7"); buf gets the text for
 * action_find_track().
 */
enum rl_status osc_address_track(const char *types, lo_arg **argv, int i,
                                 const char *what, char *buf, size_t size,
                                 struct error *err);

/**
 * A position: a whole number in [min, max] (a timeline frame, into
 * *frame; *text NULL) or a string as users type positions ("17|3",
 * "chorus1"; *text points into the message).
 */
enum rl_status osc_address_position(const char *types, lo_arg **argv,
                                    int i, const char *what, int64_t min,
                                    int64_t max, int64_t *frame,
                                    const char **text, struct error *err);

#endif
