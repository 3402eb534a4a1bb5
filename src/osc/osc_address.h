/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc_address.h
 * The OSC address space (doc/osc.md): which paths exist, what each one
 * is for, whether it changes anything, and the checks every argument
 * goes through before a handler acts on it.
 *
 * Three dialects share the server: redlight's own paths under
 * /redlight/, the subset of Ardour's paths that tablet layouts made for
 * Ardour send, and REAPER's default names. A path is one table entry;
 * a '*' in a pattern stands for one path component (a track number or
 * name, an action number), which lookup hands back.
 *
 * Pure functions over liblo's argument types: any thread; the unit tests
 * run them without a server.
 */
#ifndef REDLIGHT_OSC_ADDRESS_H
#define REDLIGHT_OSC_ADDRESS_H

#include "redlight/error.h"

#include <lo/lo.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** What a path does (the server's handlers switch on it). */
enum osc_address_id {
	/* redlight: session, feedback */
	OSC_PING, OSC_PONG, OSC_QUERY, OSC_SUBSCRIBE, OSC_UNSUBSCRIBE,
	/* redlight: transport */
	OSC_PLAY, OSC_STOP, OSC_RECORD, OSC_RECORD_PUNCH, OSC_TOGGLE_ROLL,
	OSC_STOP_AFTER_PASS, OSC_LOCATE, OSC_LOCATE_BAR, OSC_LOCATE_SECTION,
	OSC_LOCATE_START, OSC_LOCATE_JUMP, OSC_LOCATE_NEXT_SECTION,
	OSC_LOCATE_PREV_SECTION, OSC_LOOP, OSC_CLICK,
	OSC_CLICK_LEVEL, OSC_CUE_CLICK, OSC_CUE_SCRATCH,
	/* redlight: takes */
	OSC_TAKE_NEW, OSC_MARKER, OSC_TAKE_KEEP, OSC_TAKE_RATE,
	OSC_TAKE_NOTE, OSC_TAKE_DISCARD, OSC_TAKE_RESTORE, OSC_COMP_USE,
	/* redlight: tracks (track in an argument, or in the path) */
	OSC_TRACK_ARM, OSC_TRACK_MONITOR, OSC_TRACK_CUE, OSC_ARM_ALL,
	OSC_METERS_RESET,
	OSC_TRACKN_ARM, OSC_TRACKN_MONITOR, OSC_TRACKN_CUE,
	/* Ardour */
	OSC_ARDOUR_PLAY, OSC_ARDOUR_STOP, OSC_ARDOUR_TOGGLE_ROLL,
	OSC_ARDOUR_REC_TOGGLE, OSC_ARDOUR_GOTO_START, OSC_ARDOUR_ADD_MARKER,
	OSC_ARDOUR_LOOP_TOGGLE, OSC_ARDOUR_TOGGLE_CLICK, OSC_ARDOUR_JUMP_BARS,
	OSC_ARDOUR_LOCATE, OSC_ARDOUR_RECENABLE, OSC_ARDOUR_RECENABLE_N,
	OSC_ARDOUR_SET_SURFACE, OSC_ARDOUR_SURFACE_FEEDBACK,
	OSC_ARDOUR_SURFACE_BANK_SIZE, OSC_ARDOUR_SURFACE_PORT,
	OSC_ARDOUR_SURFACE_IGNORED, OSC_ARDOUR_REFRESH,
	OSC_ARDOUR_TRANSPORT_FRAME, OSC_ARDOUR_TRANSPORT_SPEED,
	OSC_ARDOUR_RECORD_ENABLED,
	/* REAPER */
	OSC_REAPER_PLAY, OSC_REAPER_STOP, OSC_REAPER_RECORD,
	OSC_REAPER_REPEAT, OSC_REAPER_CLICK, OSC_REAPER_RECARM,
	OSC_REAPER_RECARM_TOGGLE, OSC_REAPER_TIME, OSC_REAPER_ACTION,
	OSC_REAPER_ACTION_N,
};

/** One path of the address space. */
struct osc_address_route {
	const char *pattern;     /**< "/redlight/track/STAR/arm" with '*' */
	enum osc_address_id id;
	bool writes;             /**< changes something: refused to
	                              read-only clients */
	const char *args;        /**< the arguments it takes, for messages
	                              ("[on]", "take rating") */
};

/**
 * The route of `path`, or NULL if there is none. If the pattern has a
 * '*', the component it matched is copied into capture (cap bytes,
 * NUL-terminated; a component that does not fit fails the match).
 */
const struct osc_address_route *osc_address_lookup(const char *path,
                                                   char *capture,
                                                   size_t cap);

/** Every route, for tests and documentation checks; *count entries. */
const struct osc_address_route *osc_address_routes(size_t *count);

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

/** A finite number of any numeric type. */
enum rl_status osc_address_number(const char *types, lo_arg **argv, int i,
                                  const char *what, double *out,
                                  struct error *err);

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
 * control_find_track().
 */
enum rl_status osc_address_track(const char *types, lo_arg **argv, int i,
                                 char *buf, size_t size, struct error *err);

#endif
