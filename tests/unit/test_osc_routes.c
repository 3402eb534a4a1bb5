/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC address space: the route table (lookup, roles, specs that the
 * generic step can read, aliases sharing a handler, REAPER's action
 * numbers), the generic step that checks a message against a route's
 * spec (on messages built and decoded by liblo, as the server gets
 * them), and doc/osc.md (argv[1]) against the table: every route with
 * the argument text its spec renders, and no other.
 */
#include "osc_address.h"
#include "osc_routes.h"

#include "check.h"
#include "osc_message.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The route whose pattern is exactly `pattern`, or NULL. */
static const struct osc_route *route_of(const char *pattern)
{
	size_t n;
	const struct osc_route *all = osc_routes(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(all[i].pattern, pattern))
			return &all[i];
	return NULL;
}

static bool found(const struct osc_route *r, const char *pattern)
{
	return r && !strcmp(r->pattern, pattern);
}

/* Arguments of a spec, and of those the ones in the message. */
static size_t spec_len(const struct osc_arg *a, size_t *in_message)
{
	size_t n = 0, m = 0;
	for (; a && a[n].kind != OSC_ARG_END; n++)
		m += !a[n].in_path;
	if (in_message)
		*in_message = m;
	return n;
}

static bool is_button(const struct osc_arg *a)
{
	return a->kind == OSC_ARG_TRIGGER || a->kind == OSC_ARG_TRIGGER_TEXT;
}

/* A spec the generic step can read: path components first, one per
 * '*'; a button alone in the message; optional ones last. */
static void check_spec(const struct osc_route *r)
{
	size_t in_msg, n = spec_len(r->args, &in_msg);
	size_t stars = 0;
	for (const char *p = r->pattern; *p; p++)
		stars += *p == '*';
	bool ok = n <= OSC_ARGS_MAX && r->handler;
	bool optional = false;
	for (size_t k = 0; k < n; k++) {
		const struct osc_arg *a = &r->args[k];
		ok = ok && a->name && a->name[0];
		if (a->in_path) {
			ok = ok && k < stars &&
			     (a->kind == OSC_ARG_TRACK || a->kind == OSC_ARG_INT);
			continue;
		}
		ok = ok && k >= stars;
		ok = ok && (!is_button(a) || in_msg == 1);
		ok = ok && (!a->rest || (a->kind == OSC_ARG_ANY && k == n - 1));
		ok = ok && (!optional || a->optional || a->rest);
		optional = optional || a->optional;
		if (a->kind == OSC_ARG_INT || a->kind == OSC_ARG_NUMBER ||
		    a->kind == OSC_ARG_POSITION)
			ok = ok && a->min <= a->max;
	}
	ok = ok && (n - in_msg) == stars;
	if (!ok)
		fprintf(stderr, "route %s: a spec the generic step cannot "
		        "read\n", r->pattern);
	CHECK(ok);
}

static void test_routes(void)
{
	char cap[64];
	const struct osc_route *r;
	r = osc_route_lookup("/redlight/record", cap, sizeof cap);
	CHECK(found(r, "/redlight/record") && r->role == OSC_ACCESS_CONTROL);
	r = osc_route_lookup("/redlight/ping", cap, sizeof cap);
	CHECK(found(r, "/redlight/ping") && r->role == OSC_ACCESS_READ_ONLY);
	r = osc_route_lookup("/redlight/track/3/arm", cap, sizeof cap);
	CHECK(found(r, "/redlight/track/*/arm") && !strcmp(cap, "3"));
	r = osc_route_lookup("/redlight/track/vox/cue", cap, sizeof cap);
	CHECK(found(r, "/redlight/track/*/cue") && !strcmp(cap, "vox"));
	r = osc_route_lookup("/redlight/track/arm", cap, sizeof cap);
	CHECK(found(r, "/redlight/track/arm"));
	r = osc_route_lookup("/track/12/recarm", cap, sizeof cap);
	CHECK(found(r, "/track/*/recarm") && !strcmp(cap, "12"));
	r = osc_route_lookup("/track/12/recarm/toggle", cap, sizeof cap);
	CHECK(found(r, "/track/*/recarm/toggle") && !strcmp(cap, "12"));
	r = osc_route_lookup("/strip/recenable/4", cap, sizeof cap);
	CHECK(found(r, "/strip/recenable/*") && !strcmp(cap, "4"));
	r = osc_route_lookup("/strip/recenable", cap, sizeof cap);
	CHECK(found(r, "/strip/recenable"));
	r = osc_route_lookup("/action/40157", cap, sizeof cap);
	CHECK(found(r, "/action/*") && !strcmp(cap, "40157"));
	r = osc_route_lookup("/set_surface", cap, sizeof cap);
	CHECK(found(r, "/set_surface") && r->role == OSC_ACCESS_READ_ONLY);
	CHECK(osc_route_lookup("/redlight/nope", cap, sizeof cap) == NULL);
	CHECK(osc_route_lookup("/redlight/record/", cap, sizeof cap) == NULL);
	CHECK(osc_route_lookup("/redlight/track//arm", cap, sizeof cap) ==
	      NULL);
	CHECK(osc_route_lookup("/redlight/track/1/2/arm", cap, sizeof cap) ==
	      NULL);
	CHECK(osc_route_lookup("/track/1/recarm/x", cap, sizeof cap) == NULL);
	CHECK(osc_route_lookup("", cap, sizeof cap) == NULL);
	CHECK(osc_route_lookup("/", cap, sizeof cap) == NULL);
	/* A component longer than the capture does not match. */
	char small[4];
	CHECK(osc_route_lookup("/track/12345/recarm", small, sizeof small) ==
	      NULL);

	struct error err;
	CHECK(osc_address_check_path("/redlight/record", &err) == RL_OK);
	CHECK(osc_address_check_path("redlight", &err) == RL_ERR_INVALID);
	CHECK(osc_address_check_path("/track/*/recarm", &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "patterns") != NULL);
	CHECK(osc_address_check_path("/a b", &err) == RL_ERR_INVALID);
	CHECK(osc_address_check_path("/track/{1,2}/recarm", &err) ==
	      RL_ERR_INVALID);
}

/* Every route: its role, a spec the generic step can read, and its
 * pattern finding itself. */
static void test_route_table(void)
{
	char cap[64];
	/* Read-only clients may ask and watch, never act. */
	static const char *const watch[] = {
		"/redlight/ping", "/redlight/pong", "/redlight/query",
		"/redlight/markers",
		"/redlight/subscribe", "/redlight/unsubscribe", "/refresh",
		"/transport_frame", "/transport_speed", "/record_enabled",
	};
	size_t n;
	const struct osc_route *all = osc_routes(&n);
	CHECK(n > 60);
	for (size_t i = 0; i < n; i++) {
		bool w = !strncmp(all[i].pattern, "/set_surface", 12);
		for (size_t k = 0; k < sizeof watch / sizeof *watch; k++)
			w = w || !strcmp(all[i].pattern, watch[k]);
		enum osc_access_role want = w ? OSC_ACCESS_READ_ONLY
		                              : OSC_ACCESS_CONTROL;
		if (all[i].role != want)
			fprintf(stderr, "route %s: role %d\n", all[i].pattern,
			        all[i].role);
		CHECK(all[i].role == want);
		check_spec(&all[i]);
		/* Each pattern finds itself (with a track for the '*'). */
		char path[128];
		const char *star = strchr(all[i].pattern, '*');
		if (star)
			snprintf(path, sizeof path, "%.*s7%s",
			         (int)(star - all[i].pattern), all[i].pattern,
			         star + 1);
		else
			snprintf(path, sizeof path, "%s", all[i].pattern);
		CHECK(osc_route_lookup(path, cap, sizeof cap) == &all[i]);
	}
}

/* Aliases are the same action: one handler; REAPER's action numbers
 * are presses of button routes; argument texts come from the spec. */
static void test_aliases(void)
{
	const struct osc_route *r;
	static const char *const same[][5] = {
		{ "/redlight/play", "/transport_play", "/play" },
		{ "/redlight/stop", "/transport_stop", "/stop" },
		{ "/redlight/toggle_roll", "/toggle_roll" },
		{ "/redlight/locate/start", "/goto_start" },
		{ "/redlight/marker", "/add_marker" },
		{ "/loop_toggle", "/repeat" },
		{ "/toggle_click", "/click" },
		{ "/redlight/locate/jump", "/jump_bars" },
		{ "/redlight/track/arm", "/redlight/track/*/arm",
		  "/strip/recenable", "/strip/recenable/*", "/track/*/recarm" },
		{ "/redlight/track/monitor", "/redlight/track/*/monitor" },
		{ "/redlight/track/cue", "/redlight/track/*/cue" },
		{ "/action", "/action/*" },
	};
	for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
		const struct osc_route *first = route_of(same[i][0]);
		CHECK(first != NULL);
		for (size_t k = 1; k < 5 && same[i][k]; k++) {
			const struct osc_route *other = route_of(same[i][k]);
			CHECK(first && other && other->handler == first->handler);
		}
	}

	/* Ardour's record button is record-ready; REAPER's records at
	 * once, as /redlight/record does when nothing records. */
	const struct osc_route *ardour = route_of("/rec_enable_toggle");
	const struct osc_route *reaper = route_of("/record");
	CHECK(ardour && reaper && ardour->handler != reaper->handler);

	/* REAPER's action numbers are presses of button routes. */
	size_t na;
	const struct osc_reaper_action *act = osc_reaper_actions(&na);
	CHECK(na >= 7);
	for (size_t i = 0; i < na; i++) {
		r = route_of(act[i].pattern);
		size_t in_msg = 0;
		spec_len(r ? r->args : NULL, &in_msg);
		bool button = r && in_msg == 1 && r->args[0].in_path == false &&
		              is_button(&r->args[0]);
		if (!button)
			fprintf(stderr, "REAPER action %d: %s is not a button "
			        "route\n", act[i].number, act[i].pattern);
		CHECK(button && r->role == OSC_ACCESS_CONTROL);
	}

	/* The argument text is made from the spec. */
	char text[256];
	CHECK(!strcmp(osc_address_args_text(route_of("/redlight/loop")->args,
	                                    text, sizeof text),
	              "on [from] [to]"));
	CHECK(!strcmp(osc_address_args_text(route_of("/redlight/play")->args,
	                                    text, sizeof text), "trigger"));
	CHECK(!strcmp(osc_address_args_text(route_of("/redlight/query")->args,
	                                    text, sizeof text), "none"));
	CHECK(!strcmp(osc_address_args_text(
	                      route_of("/redlight/track/*/monitor")->args,
	                      text, sizeof text), "on [dB]"));
	CHECK(!strcmp(osc_address_args_text(route_of("/add_marker")->args,
	                                    text, sizeof text),
	              "trigger or name"));
	CHECK(!strcmp(osc_address_args_text(route_of("/redlight/ping")->args,
	                                    text, sizeof text),
	              "[anything...]"));
	CHECK(!strcmp(osc_address_args_text(route_of("/action/*")->args,
	                                    text, sizeof text), "trigger"));
}

/* The generic step on message m (taken) for the route with `pattern`.
 * The values' text points into the message, kept until the next call
 * (or parse_done()). */
static struct decoded parsed;

static void parse_done(void)
{
	if (parsed.m)
		lo_message_free(parsed.m);
	parsed.m = NULL;
}

static enum rl_status parse_for(const char *pattern, const char *capture,
                                lo_message m, struct osc_value *v,
                                bool *act, struct error *err)
{
	parse_done();
	decode(&parsed, m);
	const struct osc_route *r = route_of(pattern);
	CHECK(r != NULL);
	error_clear(err);
	return osc_address_parse(r ? r->args : NULL, capture, parsed.types,
	                         parsed.argv, parsed.argc, v, act, err);
}

static lo_message msg_of(const char *types, ...)
{
	lo_message m = lo_message_new();
	va_list ap;
	va_start(ap, types);
	lo_message_add_varargs(m, types, ap);
	va_end(ap);
	return m;
}

static void test_parse(void)
{
	struct osc_value v[OSC_ARGS_MAX];
	struct error err;
	bool act;

	/* Values land where the spec has them, the optional ones marked. */
	CHECK(parse_for("/redlight/track/monitor", NULL,
	                msg_of("iif", 2, 1, -10.0, LO_ARGS_END), v, &act,
	                &err) == RL_OK && act);
	CHECK(!strcmp(v[0].text, "2") && v[1].on && v[2].given &&
	      v[2].x == -10.0);
	CHECK(parse_for("/redlight/track/*/monitor", "vox",
	                msg_of("T", LO_ARGS_END), v, &act,
	                &err) == RL_OK && act);
	CHECK(v[0].given && !strcmp(v[0].text, "vox") && v[1].on &&
	      !v[2].given);
	/* Counts, with the spec's text in the message. */
	CHECK(parse_for("/redlight/track/monitor", NULL, msg_i(2), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "wants 2 to 3 arguments (track on [dB]), "
	                          "got 1") != NULL);
	CHECK(parse_for("/redlight/take/rate", NULL, msg_i(1), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "wants 2 arguments (take rating), got 1") !=
	      NULL);
	CHECK(parse_for("/redlight/query", NULL, msg_i(1), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "wants 0 arguments (none), got 1") != NULL);
	CHECK(parse_for("/redlight/subscribe", NULL,
	                msg_of("sis", "meters", 9000, "x", LO_ARGS_END), v,
	                &act, &err) == RL_ERR_INVALID);
	CHECK(parse_for("/redlight/ping", NULL,
	                msg_of("isf", 1, "x", 2.0, LO_ARGS_END), v, &act,
	                &err) == RL_OK && act && v[0].given);
	/* Types and ranges: the argument checks' messages. */
	CHECK(parse_for("/redlight/take/rate", NULL,
	                msg_of("ii", 1, 7, LO_ARGS_END), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "argument 2 (rating) must be a whole number "
	                          "from 0 to 5, got 7") != NULL);
	CHECK(parse_for("/jump_bars", NULL, msg_f(200000.0f), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "(bars) must be a number from -100000 to "
	                          "100000") != NULL);
}

/* The generic step on the kinds that take more than one form. */
static void test_parse_forms(void)
{
	struct osc_value v[OSC_ARGS_MAX];
	struct error err;
	bool act;

	/* A position is a frame or text. */
	lo_message m = lo_message_new();
	lo_message_add_int64(m, 48000);
	CHECK(parse_for("/redlight/locate", NULL, m, v, &act, &err) ==
	      RL_OK && v[0].i == 48000 && !v[0].text);
	CHECK(parse_for("/redlight/locate", NULL, msg_s("17|3"), v, &act,
	                &err) == RL_OK && !strcmp(v[0].text, "17|3"));
	CHECK(parse_for("/redlight/locate", NULL, msg_of("T", LO_ARGS_END),
	                v, &act, &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "(position) must be a frame number or a "
	                          "position") != NULL);
	/* Loop: a range as one text or two. */
	CHECK(parse_for("/redlight/loop", NULL,
	                msg_of("is", 1, "17:25", LO_ARGS_END), v, &act,
	                &err) == RL_OK && v[0].on && v[1].given &&
	      !strcmp(v[1].text, "17:25") && !v[2].given && !v[2].text);
	/* Buttons: a release does nothing, without a word. */
	CHECK(parse_for("/redlight/play", NULL, msg_f(0.0f), v, &act,
	                &err) == RL_OK && !act);
	CHECK(parse_for("/redlight/play", NULL, lo_message_new(), v, &act,
	                &err) == RL_OK && act);
	CHECK(parse_for("/redlight/record", NULL, msg_s("now"), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(parse_for("/add_marker", NULL, msg_s("verse"), v, &act,
	                &err) == RL_OK && act && !strcmp(v[0].text, "verse"));
	CHECK(parse_for("/add_marker", NULL, msg_i(1), v, &act, &err) ==
	      RL_OK && act && !v[0].text);
	CHECK(parse_for("/redlight/marker", NULL, msg_i(0), v, &act,
	                &err) == RL_OK && !act);
	/* Path components: a track's text, an action's number. */
	CHECK(parse_for("/action/*", "40157", lo_message_new(), v, &act,
	                &err) == RL_OK && act && v[0].i == 40157);
	CHECK(parse_for("/action/*", "4x", lo_message_new(), v, &act,
	                &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "the path's action must be a whole number "
	                          "from 0 to 2147483647, got '4x'") != NULL);
	CHECK(parse_for("/track/*/recarm/toggle", "drums", msg_i(1), v,
	                &act, &err) == RL_OK && act &&
	      !strcmp(v[0].text, "drums"));
	/* Ardour's set_surface: one to nine numbers. */
	CHECK(parse_for("/set_surface", NULL,
	                msg_of("iii", 0, 0, 49, LO_ARGS_END), v, &act,
	                &err) == RL_OK && v[2].given && v[2].i == 49 &&
	      !v[3].given);
	CHECK(parse_for("/set_surface", NULL, msg_s("x"), v, &act, &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "argument 1 (bank_size)") != NULL);
	parse_done();
}

/* A row of one of doc/osc.md's tables of paths a client sends. */
struct doc_row {
	int line;
	char path[128];      /* "/redlight/track/N/arm" */
	char args[256];      /* the arguments cell */
	char text[1024];     /* the whole row */
};

/* The cell after position p ("| x | y |"), trimmed, into out; returns
 * where the next one starts, or NULL. */
static const char *doc_cell(const char *p, char *out, size_t size)
{
	if (*p != '|')
		return NULL;
	p++;
	const char *end = strstr(p, " |");
	if (!end)
		return NULL;
	while (*p == ' ')
		p++;
	snprintf(out, size, "%.*s", (int)(end > p ? end - p : 0), p);
	return end + 1;
}

/* The rows of the route tables: those whose header reads "| path |
 * arguments | what it does"; the feedback tables ("meaning") list what
 * we send, not routes. */
static size_t doc_rows(const char *text, struct doc_row *rows, size_t cap)
{
	size_t n = 0;
	bool routes = false;
	int line = 0;
	for (const char *p = text; *p && n < cap;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		struct doc_row *r = &rows[n];
		snprintf(r->text, sizeof r->text, "%.*s", (int)len, p);
		r->line = ++line;
		p += eol ? len + 1 : len;
		if (r->text[0] != '|') {
			routes = false;
			continue;
		}
		if (!strncmp(r->text, "| path | arguments |", 20)) {
			routes = strstr(r->text, "| what it does") != NULL;
			continue;
		}
		if (!routes || !strncmp(r->text, "|---", 4))
			continue;
		char cell[256];
		const char *next = doc_cell(r->text, cell, sizeof cell);
		size_t cl = strlen(cell);
		if (!next || cl < 3 || cell[0] != '`' || cell[cl - 1] != '`' ||
		    !doc_cell(next, r->args, sizeof r->args)) {
			fprintf(stderr, "doc/osc.md:%d: a route table's row "
			        "without a `path` and arguments\n", r->line);
			CHECK(!"route rows readable");
			continue;
		}
		snprintf(r->path, sizeof r->path, "%.*s", (int)(cl - 2),
		         cell + 1);
		n++;
	}
	return n;
}

/* "/track/N/recarm" -> "/track/STAR/recarm": N as a whole component. */
static void doc_pattern(const char *path, char *out, size_t size)
{
	size_t at = 0;
	for (const char *p = path; *p && at + 1 < size; p++) {
		bool n = *p == 'N' && p[-1] == '/' && (p[1] == '/' || !p[1]);
		out[at++] = n ? '*' : *p;
	}
	out[at] = '\0';
}

/*
 * doc/osc.md and the route table agree: every route has one row in the
 * route tables (its '*' written N) whose arguments are the text its spec
 * renders, no row names a path the table lacks, and the /action row
 * lists REAPER's action numbers the server knows.
 */
static void test_doc(const char *path)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	CHECK(f != NULL);
	if (!f)
		return;
	static char text[200000];
	size_t len = fread(text, 1, sizeof text - 1, f);
	text[len] = '\0';
	fclose(f);
	static struct doc_row rows[256];
	size_t nrows = doc_rows(text, rows, 256);
	size_t n;
	const struct osc_route *all = osc_routes(&n);
	for (size_t i = 0; i < n; i++) {
		char want[128], args[256];
		osc_address_args_text(all[i].args, args, sizeof args);
		size_t seen = 0;
		for (size_t k = 0; k < nrows; k++) {
			doc_pattern(rows[k].path, want, sizeof want);
			if (strcmp(want, all[i].pattern))
				continue;
			seen++;
			if (strcmp(rows[k].args, args)) {
				fprintf(stderr, "doc/osc.md:%d: %s takes '%s', "
				        "its spec says '%s'\n", rows[k].line,
				        rows[k].path, rows[k].args, args);
				CHECK(!"documented arguments");
			}
		}
		if (seen != 1) {
			fprintf(stderr, "doc/osc.md has %zu rows for %s, want "
			        "one\n", seen, all[i].pattern);
			CHECK(!"route documented once");
		}
	}
	for (size_t k = 0; k < nrows; k++) {
		char want[128];
		doc_pattern(rows[k].path, want, sizeof want);
		if (!route_of(want)) {
			fprintf(stderr, "doc/osc.md:%d: %s is no route\n",
			        rows[k].line, rows[k].path);
			CHECK(!"documented route exists");
		}
	}
	size_t na;
	const struct osc_reaper_action *act = osc_reaper_actions(&na);
	for (size_t i = 0; i < na; i++) {
		char want[64];
		snprintf(want, sizeof want, "%d %s", act[i].number, act[i].what);
		bool listed = false;
		for (size_t k = 0; k < nrows; k++)
			listed = listed || (!strcmp(rows[k].path, "/action") &&
			                    strstr(rows[k].text, want));
		if (!listed)
			fprintf(stderr, "doc/osc.md: /action does not list "
			        "'%s'\n", want);
		CHECK(listed);
	}
}

int main(int argc, char **argv)
{
	test_routes();
	test_route_table();
	test_aliases();
	test_parse();
	test_parse_forms();
	test_doc(argc > 1 ? argv[1] : NULL);
	return CHECK_DONE();
}
