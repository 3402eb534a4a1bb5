/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc_routes.h
 * The OSC address space (doc/osc.md) as one table: each route is a path
 * pattern, the role a client needs to send it, the spec of its
 * arguments and its handler. Three dialects share it: redlight's own
 * paths under /redlight/, the subset of Ardour's paths that tablet
 * layouts made for Ardour send, and REAPER's default names; an alias is
 * a route of its own with the same handler. A '*' in a pattern stands
 * for one path component (a track number or name, an action number),
 * which lookup hands back.
 *
 * A handler of a user action is one call of one action (actions.h) and
 * nothing else; the handlers of OSC's own business (ping, query,
 * subscriptions, Ardour's surfaces) are in osc_handlers.c.
 * tests/unit/test_osc.c reads the table against doc/osc.md: every route
 * with the argument text its spec renders, and no other.
 */
#ifndef REDLIGHT_OSC_ROUTES_H
#define REDLIGHT_OSC_ROUTES_H

#include "osc_access.h"
#include "osc_address.h"

#include <stddef.h>

struct osc_request;

/** What a route does with its checked arguments (v[i] for args[i]).
 *  On the OSC thread, without the control lock. */
typedef enum rl_status (*osc_route_handler)(struct osc_request *r,
                                            const struct osc_value *v,
                                            struct error *err);

/** One path of the address space. */
struct osc_route {
	const char *pattern;        /**< "/redlight/track/STAR/arm" with '*' */
	enum osc_access_role role;  /**< who may send it: READ_ONLY (ask,
	                                 watch) or CONTROL (act) */
	const struct osc_arg *args; /**< its spec, OSC_ARG_END last; NULL:
	                                 no argument */
	osc_route_handler handler;
};

/** REAPER's action numbers that /action N (and /action/N) run: each is
 *  the press of a button route. */
struct osc_reaper_action {
	int number;
	const char *pattern;        /**< the route it runs */
	const char *what;           /**< "play", for messages and docs */
};

/**
 * The route of `path`, or NULL if there is none. If the pattern has a
 * '*', the component it matched is copied into capture (cap bytes,
 * NUL-terminated; a component that does not fit fails the match).
 * Any thread.
 */
const struct osc_route *osc_route_lookup(const char *path, char *capture,
                                         size_t cap);

/** Every route, for tests and documentation checks; *count entries. */
const struct osc_route *osc_routes(size_t *count);

/** Every REAPER action number known; *count entries. */
const struct osc_reaper_action *osc_reaper_actions(size_t *count);

#endif
