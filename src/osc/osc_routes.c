/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC address space, one route a line (doc/osc.md): path, who may
 * send it, its arguments, its handler. The handler of a user action
 * calls that action (actions.h) and nothing else: the arguments were
 * checked against the spec before (osc_address_parse()), tracks were
 * found by action_find_track(), and what the action decides -- its
 * refusals included -- is what the terminal UI's keys get too.
 * Runs on the OSC thread only.
 */
#include "osc_internal.h"

#include "redlight/actions.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- the actions' handlers: one action call each ---------------------- */

#define HANDLER(name)                                                  \
	static enum rl_status name(struct osc_request *r,              \
	                           const struct osc_value *v           \
	                           __attribute__((unused)),            \
	                           struct error *err)

HANDLER(play)
{
	return action_play(r->s->c, err);
}

HANDLER(stop)
{
	return action_stop(r->s->c, err);
}

HANDLER(toggle_roll)
{
	return action_toggle_roll(r->s->c, err);
}

HANDLER(record)
{
	return action_record(r->s->c, err);
}

HANDLER(record_toggle)
{
	return action_record_toggle(r->s->c, err);
}

/* [on]: no switch toggles. */
HANDLER(record_ready)
{
	if (!v[0].given)
		return action_record_ready_toggle(r->s->c, err);
	return action_record_ready(r->s->c, v[0].on, err);
}

HANDLER(record_ready_toggle)
{
	return action_record_ready_toggle(r->s->c, err);
}

/* [on]: no switch toggles. */
HANDLER(punch)
{
	if (!v[0].given)
		return action_punch_toggle(r->s->c, err);
	return action_punch(r->s->c, v[0].on, err);
}

/* A button: at the play head; a string: a position as typed. */
HANDLER(punch_in)
{
	return action_punch_in(r->s->c, v[0].text, err);
}

HANDLER(punch_out)
{
	return action_punch_out(r->s->c, v[0].text, err);
}

HANDLER(punch_range)
{
	return action_punch_set(r->s->c, v[0].text, v[1].text, err);
}

HANDLER(punch_clear)
{
	return action_punch_clear(r->s->c, err);
}

HANDLER(punch_in_toggle)
{
	return action_punch_in_toggle(r->s->c, err);
}

HANDLER(punch_out_toggle)
{
	return action_punch_out_toggle(r->s->c, err);
}

HANDLER(loop_start)
{
	return action_loop_start(r->s->c, v[0].text, err);
}

HANDLER(loop_end)
{
	return action_loop_end(r->s->c, v[0].text, err);
}

HANDLER(loop_clear)
{
	return action_loop_clear(r->s->c, err);
}

HANDLER(record_punch)
{
	return action_record_punch(r->s->c, v[0].text, v[1].text, err);
}

HANDLER(stop_after_pass)
{
	return action_stop_after_pass(r->s->c, err);
}

HANDLER(new_take)
{
	return action_new_take(r->s->c, err);
}

/* No name (a button): "marker N". */
HANDLER(marker)
{
	return action_marker(r->s->c, v[0].text, err);
}

/* Markers by name; no position: the play head. */
HANDLER(marker_add)
{
	return action_marker_add(r->s->c, v[0].text, v[1].text, err);
}

HANDLER(marker_move)
{
	return action_marker_move(r->s->c, v[0].text, v[1].text, err);
}

HANDLER(marker_rename)
{
	return action_marker_rename(r->s->c, v[0].text, v[1].text, err);
}

HANDLER(marker_remove)
{
	return action_marker_remove(r->s->c, v[0].text, err);
}

/* A number is a timeline frame, a string a position as typed. */
HANDLER(locate)
{
	if (v[0].text)
		return action_locate(r->s->c, v[0].text, err);
	return action_locate_frame(r->s->c, v[0].i, false, err);
}

/* Ardour's: a frame, then roll if asked. */
HANDLER(locate_frame)
{
	return action_locate_frame(r->s->c, v[0].i, v[1].on, err);
}

HANDLER(locate_seconds)
{
	return action_locate_seconds(r->s->c, v[0].x, err);
}

HANDLER(locate_bar)
{
	return action_locate_bar(r->s->c, v[0].i, err);
}

HANDLER(locate_section)
{
	return action_locate_section(r->s->c, v[0].text, err);
}

HANDLER(return_to_start)
{
	return action_return_to_start(r->s->c, err);
}

/* Ardour sends bars as a float. */
HANDLER(jump_bars)
{
	return action_jump_bars(r->s->c, llround(v[0].x), err);
}

HANDLER(next_section)
{
	return action_step_section(r->s->c, 1, err);
}

HANDLER(prev_section)
{
	return action_step_section(r->s->c, -1, err);
}

/* on [from] [to]: a range given is looped (one text: "START:END" or a
 * section); on alone loops the last range again; off keeps it. */
HANDLER(loop)
{
	if (v[0].on && v[1].given)
		return action_loop_range(r->s->c, v[1].text, v[2].text, err);
	return action_loop(r->s->c, v[0].on, err);
}

HANDLER(loop_toggle)
{
	return action_loop_toggle(r->s->c, err);
}

/* [on]: no switch toggles. */
HANDLER(click)
{
	if (!v[0].given)
		return action_click_toggle(r->s->c, err);
	return action_click(r->s->c, v[0].on, err);
}

HANDLER(click_toggle)
{
	return action_click_toggle(r->s->c, err);
}

HANDLER(click_level)
{
	return action_click_level(r->s->c, false, v[0].x, err);
}

HANDLER(cue_click)
{
	return action_click_level(r->s->c, true, v[0].x, err);
}

HANDLER(cue_scratch)
{
	return action_scratch_level(r->s->c, v[0].x, err);
}

/* take [track]: no track is every track the take has (track 0). */
HANDLER(take_keep)
{
	return action_take_keep(r->s->c, (uint32_t)v[0].i, v[1].track, err);
}

/* take [alone]: with the other tracks' keepers unless alone is 1. */
HANDLER(take_play)
{
	return action_take_play(r->s->c, (uint32_t)v[0].i,
	                        v[1].given && v[1].on, err);
}

HANDLER(take_rate)
{
	return action_take_rate(r->s->c, (uint32_t)v[0].i, (uint32_t)v[1].i,
	                        err);
}

HANDLER(take_note)
{
	return action_take_note(r->s->c, (uint32_t)v[0].i, v[1].text, err);
}

HANDLER(take_discard)
{
	return action_take_discard(r->s->c, (uint32_t)v[0].i, err);
}

HANDLER(take_restore)
{
	return action_take_restore(r->s->c, (uint32_t)v[0].i, err);
}

HANDLER(comp_use)
{
	return action_comp_use(r->s->c, (uint32_t)v[0].i, v[1].on, err);
}

/* track [on]: no switch toggles. */
HANDLER(arm)
{
	if (!v[1].given)
		return action_arm_toggle(r->s->c, v[0].track, err);
	return action_arm(r->s->c, v[0].track, v[1].on, err);
}

HANDLER(arm_toggle)
{
	return action_arm_toggle(r->s->c, v[0].track, err);
}

/* [on]: no switch arms all, or disarms all if all are armed. */
HANDLER(arm_all)
{
	return action_arm_all(r->s->c, v[0].given ? v[0].on : -1, err);
}

/* track on [dB]: 0 dB unless a level is given. */
HANDLER(monitor)
{
	return action_monitor(r->s->c, v[0].track, v[1].on,
	                      v[2].given ? v[2].x : 0.0, err);
}

HANDLER(track_cue)
{
	return action_track_cue(r->s->c, v[0].track, v[1].x, err);
}

HANDLER(reset_meters)
{
	return action_reset_meters(r->s->c, err);
}

/* REAPER's /action N and /action/N: the press of the route the number
 * stands for. */
HANDLER(reaper_action);

/* ---- the table -------------------------------------------------------- */

/* A spec: the arguments in order, OSC_ARG_END after the last. */
#define ARGS(...) ((const struct osc_arg[]){ __VA_ARGS__, \
                                             { .kind = OSC_ARG_END } })
/* One argument: kind, name, then what applies of OPT, REST, IN_PATH and
 * RANGE(min, max). */
#define ARG(k, ...) { .kind = OSC_ARG_##k, .name = __VA_ARGS__ }
#define OPT .optional = true
#define REST .rest = true
#define IN_PATH .in_path = true
#define RANGE(a, b) .min = (a), .max = (b)

#define NONE NULL
#define TRIGGER ARGS(ARG(TRIGGER, "trigger"))
#define TAKE ARG(INT, "take", RANGE(0, 999999))
#define TRACK ARG(TRACK, "track")
#define TRACK_IN_PATH ARG(TRACK, "track", IN_PATH)
#define DB ARG(LEVEL, "dB")
#define SURFACE(...) ARG(INT, __VA_ARGS__, RANGE(0, INT32_MAX))

/* Who may send it: any client we answer, or only those in control. */
#define ASK OSC_ACCESS_READ_ONLY
#define ACT OSC_ACCESS_CONTROL

/* By dialect, then as doc/osc.md lists them. Lookup is linear: about 80
 * short patterns, compared component by component, cost less than the
 * recvfrom() that brought the message. */
static const struct osc_route routes[] = {
	/* redlight: session and feedback */
	{ "/redlight/ping", ASK, ARGS(ARG(ANY, "anything", REST)),
	  osc_handle_ping },
	{ "/redlight/pong", ASK,
	  ARGS(ARG(INT, "token", RANGE(INT32_MIN, INT32_MAX), OPT)),
	  osc_handle_pong },
	{ "/redlight/query", ASK, NONE, osc_handle_query },
	/* Port and options in either order: the handler reads them. */
	{ "/redlight/subscribe", ASK,
	  ARGS(ARG(ANY, "port", OPT), ARG(ANY, "options", OPT)),
	  osc_handle_subscribe },
	{ "/redlight/unsubscribe", ASK,
	  ARGS(ARG(INT, "port", RANGE(0, 65535), OPT)),
	  osc_handle_unsubscribe },
	/* redlight: transport */
	{ "/redlight/play", ACT, TRIGGER, play },
	{ "/redlight/stop", ACT, TRIGGER, stop },
	{ "/redlight/record", ACT, TRIGGER, record },
	{ "/redlight/record/punch", ACT,
	  ARGS(ARG(TEXT, "from"), ARG(TEXT, "to")), record_punch },
	{ "/redlight/toggle_roll", ACT, TRIGGER, toggle_roll },
	{ "/redlight/record/ready", ACT, ARGS(ARG(BOOL, "on", OPT)),
	  record_ready },
	{ "/redlight/punch", ACT, ARGS(ARG(BOOL, "on", OPT)), punch },
	{ "/redlight/punch/in", ACT, ARGS(ARG(TRIGGER_TEXT, "position")),
	  punch_in },
	{ "/redlight/punch/out", ACT, ARGS(ARG(TRIGGER_TEXT, "position")),
	  punch_out },
	{ "/redlight/punch/range", ACT,
	  ARGS(ARG(TEXT, "from"), ARG(TEXT, "to", OPT)), punch_range },
	{ "/redlight/punch/clear", ACT, TRIGGER, punch_clear },
	{ "/redlight/stop/after_pass", ACT, TRIGGER, stop_after_pass },
	{ "/redlight/locate", ACT,
	  ARGS(ARG(POSITION, "position",
	           RANGE(-(INT64_C(1) << 40), INT64_C(1) << 48))),
	  locate },
	{ "/redlight/locate/bar", ACT,
	  ARGS(ARG(INT, "bar", RANGE(1, 1000000))), locate_bar },
	{ "/redlight/locate/section", ACT, ARGS(ARG(TEXT, "label")),
	  locate_section },
	{ "/redlight/locate/start", ACT, TRIGGER, return_to_start },
	{ "/redlight/locate/jump", ACT,
	  ARGS(ARG(NUMBER, "bars", RANGE(-100000, 100000))), jump_bars },
	{ "/redlight/locate/section/next", ACT, TRIGGER, next_section },
	{ "/redlight/locate/section/prev", ACT, TRIGGER, prev_section },
	{ "/redlight/loop", ACT,
	  ARGS(ARG(BOOL, "on"), ARG(TEXT, "from", OPT), ARG(TEXT, "to", OPT)),
	  loop },
	{ "/redlight/loop/start", ACT, ARGS(ARG(TRIGGER_TEXT, "position")),
	  loop_start },
	{ "/redlight/loop/end", ACT, ARGS(ARG(TRIGGER_TEXT, "position")),
	  loop_end },
	{ "/redlight/loop/clear", ACT, TRIGGER, loop_clear },
	{ "/redlight/click", ACT, ARGS(ARG(BOOL, "on", OPT)), click },
	{ "/redlight/click/level", ACT, ARGS(DB), click_level },
	{ "/redlight/cue/click", ACT, ARGS(DB), cue_click },
	{ "/redlight/cue/scratch", ACT, ARGS(DB), cue_scratch },
	/* redlight: takes */
	{ "/redlight/take/new", ACT, TRIGGER, new_take },
	{ "/redlight/marker", ACT, ARGS(ARG(TRIGGER_TEXT, "name")), marker },
	/* redlight: the timeline's markers */
	{ "/redlight/markers", ASK, NONE, osc_handle_markers },
	{ "/redlight/marker/add", ACT,
	  ARGS(ARG(TEXT, "name"), ARG(TEXT, "position", OPT)), marker_add },
	{ "/redlight/marker/move", ACT,
	  ARGS(ARG(TEXT, "name"), ARG(TEXT, "position", OPT)), marker_move },
	{ "/redlight/marker/rename", ACT,
	  ARGS(ARG(TEXT, "name"), ARG(TEXT, "new_name")), marker_rename },
	{ "/redlight/marker/remove", ACT, ARGS(ARG(TEXT, "name")),
	  marker_remove },
	{ "/redlight/take/keep", ACT, ARGS(TAKE, ARG(TRACK, "track", OPT)),
	  take_keep },
	{ "/redlight/take/rate", ACT,
	  ARGS(TAKE, ARG(INT, "rating", RANGE(0, SESSION_RATING_MAX))),
	  take_rate },
	{ "/redlight/take/note", ACT, ARGS(TAKE, ARG(TEXT, "text")),
	  take_note },
	{ "/redlight/take/discard", ACT, ARGS(TAKE), take_discard },
	{ "/redlight/take/restore", ACT, ARGS(TAKE), take_restore },
	{ "/redlight/take/play", ACT, ARGS(TAKE, ARG(BOOL, "alone", OPT)),
	  take_play },
	{ "/redlight/comp/use", ACT,
	  ARGS(ARG(INT, "comp", RANGE(1, 999999)), ARG(BOOL, "on")),
	  comp_use },
	/* redlight: tracks, in an argument or in the path */
	{ "/redlight/track/arm", ACT, ARGS(TRACK, ARG(BOOL, "on", OPT)), arm },
	{ "/redlight/track/monitor", ACT,
	  ARGS(TRACK, ARG(BOOL, "on"), ARG(LEVEL, "dB", OPT)), monitor },
	{ "/redlight/track/cue", ACT, ARGS(TRACK, DB), track_cue },
	{ "/redlight/meters/reset", ACT, TRIGGER, reset_meters },
	{ "/redlight/arm/all", ACT, ARGS(ARG(BOOL, "on", OPT)), arm_all },
	{ "/redlight/track/*/arm", ACT,
	  ARGS(TRACK_IN_PATH, ARG(BOOL, "on", OPT)), arm },
	{ "/redlight/track/*/monitor", ACT,
	  ARGS(TRACK_IN_PATH, ARG(BOOL, "on"), ARG(LEVEL, "dB", OPT)),
	  monitor },
	{ "/redlight/track/*/cue", ACT, ARGS(TRACK_IN_PATH, DB), track_cue },
	/* Ardour: what tablet layouts made for it send */
	{ "/transport_play", ACT, TRIGGER, play },
	{ "/transport_stop", ACT, TRIGGER, stop },
	{ "/toggle_roll", ACT, TRIGGER, toggle_roll },
	{ "/rec_enable_toggle", ACT, TRIGGER, record_ready_toggle },
	{ "/toggle_punch_in", ACT, TRIGGER, punch_in_toggle },
	{ "/toggle_punch_out", ACT, TRIGGER, punch_out_toggle },
	{ "/goto_start", ACT, TRIGGER, return_to_start },
	{ "/add_marker", ACT, ARGS(ARG(TRIGGER_TEXT, "name")), marker },
	{ "/loop_toggle", ACT, TRIGGER, loop_toggle },
	{ "/toggle_click", ACT, TRIGGER, click_toggle },
	{ "/jump_bars", ACT,
	  ARGS(ARG(NUMBER, "bars", RANGE(-100000, 100000))), jump_bars },
	{ "/locate", ACT,
	  ARGS(ARG(INT, "sample", RANGE(0, INT64_C(1) << 48)),
	       ARG(BOOL, "roll", OPT)),
	  locate_frame },
	{ "/strip/recenable", ACT,
	  ARGS(ARG(TRACK, "ssid"), ARG(BOOL, "yn")), arm },
	{ "/strip/recenable/*", ACT,
	  ARGS(ARG(TRACK, "ssid", IN_PATH), ARG(BOOL, "yn", OPT)), arm },
	{ "/set_surface", ASK,
	  ARGS(SURFACE("bank_size"), SURFACE("strip_types", OPT),
	       SURFACE("feedback", OPT), SURFACE("fadermode", OPT),
	       SURFACE("send_page_size", OPT),
	       SURFACE("plugin_page_size", OPT), SURFACE("port", OPT),
	       SURFACE("linkset", OPT), SURFACE("linkid", OPT)),
	  osc_handle_set_surface },
	{ "/set_surface/feedback", ASK, ARGS(SURFACE("feedback")),
	  osc_handle_surface_feedback },
	{ "/set_surface/bank_size", ASK, ARGS(SURFACE("bank_size")),
	  osc_handle_surface_bank_size },
	{ "/set_surface/port", ASK,
	  ARGS(ARG(INT, "port", RANGE(0, 65535))), osc_handle_surface_port },
	{ "/set_surface/strip_types", ASK, ARGS(SURFACE("value")),
	  osc_handle_surface_ignored },
	{ "/set_surface/gainmode", ASK, ARGS(SURFACE("value")),
	  osc_handle_surface_ignored },
	{ "/set_surface/send_page_size", ASK, ARGS(SURFACE("value")),
	  osc_handle_surface_ignored },
	{ "/set_surface/plugin_page_size", ASK, ARGS(SURFACE("value")),
	  osc_handle_surface_ignored },
	{ "/refresh", ASK, TRIGGER, osc_handle_refresh },
	{ "/transport_frame", ASK, NONE, osc_handle_transport_frame },
	{ "/transport_speed", ASK, NONE, osc_handle_transport_speed },
	{ "/record_enabled", ASK, NONE, osc_handle_record_enabled },
	/* REAPER: the default pattern file's names */
	{ "/play", ACT, TRIGGER, play },
	{ "/stop", ACT, TRIGGER, stop },
	{ "/record", ACT, TRIGGER, record_toggle },
	{ "/repeat", ACT, TRIGGER, loop_toggle },
	{ "/click", ACT, TRIGGER, click_toggle },
	{ "/track/*/recarm", ACT,
	  ARGS(TRACK_IN_PATH, ARG(BOOL, "on", OPT)), arm },
	{ "/track/*/recarm/toggle", ACT,
	  ARGS(TRACK_IN_PATH, ARG(TRIGGER, "trigger")), arm_toggle },
	{ "/time", ACT, ARGS(ARG(NUMBER, "seconds", RANGE(0, 10000000))),
	  locate_seconds },
	{ "/action", ACT, ARGS(ARG(INT, "action", RANGE(0, INT32_MAX))),
	  reaper_action },
	{ "/action/*", ACT,
	  ARGS(ARG(INT, "action", RANGE(0, INT32_MAX), IN_PATH),
	       ARG(TRIGGER, "trigger")),
	  reaper_action },
};

/* REAPER's action numbers, each the press of a button route. */
static const struct osc_reaper_action reaper_actions[] = {
	{ 1007, "/play", "play" },
	{ 1016, "/stop", "stop" },
	{ 1013, "/record", "record" },
	{ 40042, "/redlight/locate/start", "go to start" },
	{ 40157, "/redlight/marker", "insert marker" },
	{ 1068, "/repeat", "toggle repeat" },
	{ 40364, "/click", "toggle metronome" },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

const struct osc_route *osc_routes(size_t *count)
{
	*count = COUNT(routes);
	return routes;
}

const struct osc_reaper_action *osc_reaper_actions(size_t *count)
{
	*count = COUNT(reaper_actions);
	return reaper_actions;
}

const struct osc_route *osc_route_lookup(const char *path, char *capture,
                                         size_t cap)
{
	char dummy[1];
	if (!capture || cap == 0) {
		capture = dummy;
		cap = 0;
	}
	for (size_t i = 0; i < COUNT(routes); i++) {
		bool wild = strchr(routes[i].pattern, '*') != NULL;
		if (wild && cap == 0)
			continue;
		if (osc_address_match(routes[i].pattern, path, capture, cap))
			return &routes[i];
	}
	return NULL;
}

HANDLER(reaper_action)
{
	for (size_t i = 0; i < COUNT(reaper_actions); i++) {
		if (reaper_actions[i].number != v[0].i)
			continue;
		r->route = osc_route_lookup(reaper_actions[i].pattern, NULL, 0);
		r->argc = 0; /* the action itself is the press */
		return osc_dispatch(r, err);
	}
	char known[256];
	size_t at = 0;
	for (size_t i = 0; i < COUNT(reaper_actions) && at < sizeof known;
	     i++) {
		int n = snprintf(known + at, sizeof known - at, "%s%d %s",
		                 i ? ", " : "", reaper_actions[i].number,
		                 reaper_actions[i].what);
		at += n > 0 ? (size_t)n : 0;
	}
	r->refused = false; /* a number we do not know: the message's fault */
	return error_set(err, RL_ERR_INVALID, "REAPER action %" PRId64 " is "
	                 "not one redlight knows (%s)", v[0].i, known);
}

/* ---- dispatch --------------------------------------------------------- */

/* Tracks by number or name, as the session has them now. */
static enum rl_status find_tracks(struct osc_request *r,
                                  const struct osc_arg *args,
                                  struct osc_value *v, struct error *err)
{
	for (size_t k = 0; args && args[k].kind != OSC_ARG_END; k++) {
		if (args[k].kind != OSC_ARG_TRACK || !v[k].given)
			continue;
		enum rl_status st = action_find_track(r->s->c, v[k].text,
		                                      &v[k].track, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

enum rl_status osc_dispatch(struct osc_request *r, struct error *err)
{
	const struct osc_route *route = r->route;
	struct osc_value v[OSC_ARGS_MAX];
	bool act;
	enum rl_status st = osc_address_parse(route->args, r->capture,
	                                      r->types, r->argv, r->argc, v,
	                                      &act, err);
	if (st != RL_OK || !act)
		return st; /* bad input, or a button's release */
	/* The message is well-formed: from here an action that fails is
	 * the recorder refusing it ("not while recording", no such track),
	 * which the log tells apart from bad input. */
	r->refused = route->role == OSC_ACCESS_CONTROL;
	st = find_tracks(r, route->args, v, err);
	if (st == RL_OK)
		st = route->handler(r, v, err);
	if (st == RL_OK)
		r->refused = false;
	return st;
}
