/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight comp`: keeper per section from the shell. Making a comp
 * renders a new file and records it in session.json under the session
 * lock; listing only reads.
 */
#include "redlight/actions.h"
#include "redlight/cli.h"
#include "redlight/comp.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void comp_usage(FILE *f)
{
	fputs("usage: redlight comp SESSION_DIR TRACK SECTION=TAKE ... "
	      "[--base TAKE] [--fade MS]\n"
	      "       redlight comp list SESSION_DIR [--json]\n"
	      "       redlight comp use SESSION_DIR COMP\n"
	      "       redlight comp off SESSION_DIR COMP\n"
	      "SECTION: a section of the session's tempo map (verse1, chorus1);\n"
	      "TAKE plays there, the base take (default: the track's keeper)\n"
	      "everywhere else. Crossfades at the joins: --fade MS (default 10,\n"
	      "0 for hard cuts). The comp becomes what the track plays back and\n"
	      "bounces; `use`/`off` switch between it and the keeper take.\n",
	      f);
}

static double seconds(int64_t frames, uint32_t rate)
{
	return rate ? (double)frames / rate : 0.0;
}

/* Comp `number` of s, which an action just made or changed. */
static const struct session_comp *comp_of(const struct session *s,
                                          uint32_t number)
{
	for (size_t i = 0; i < s->comp_count; i++)
		if (s->comps[i].number == number)
			return &s->comps[i];
	return NULL;
}

static void print_comp(const struct session *s, const struct session_comp *c)
{
	const char *name = c->track <= s->track_count
	                   ? s->tracks[c->track - 1].name : "?";
	printf("comp %03u  %s  %s%s\n", c->number, name, c->path,
	       c->active ? "  [plays back]" : "");
	printf("  %s, start %.3f s, length %.3f s, base take %03u, "
	       "crossfades %.1f ms\n", c->created_at,
	       seconds((int64_t)c->start_frame, c->sample_rate),
	       seconds((int64_t)c->length, c->sample_rate), c->base_take,
	       c->sample_rate ? 1000.0 * c->fade_frames / c->sample_rate : 0.0);
	for (size_t i = 0; i < c->piece_count; i++) {
		const struct session_comp_piece *p = &c->pieces[i];
		printf("  %10.3f - %10.3f s  take %03u  %s\n",
		       seconds(p->from, c->sample_rate),
		       seconds(p->to, c->sample_rate), p->take,
		       p->section[0] ? p->section : "(base)");
	}
}

static json_t *comp_json(const struct session *s, const struct session_comp *c)
{
	json_t *pieces = json_array();
	for (size_t i = 0; pieces && i < c->piece_count; i++) {
		const struct session_comp_piece *p = &c->pieces[i];
		json_array_append_new(pieces, json_pack(
			"{s:s,s:i,s:I,s:I}", "section", p->section, "take",
			(int)p->take, "from", (json_int_t)p->from, "to",
			(json_int_t)p->to));
	}
	return json_pack("{s:i,s:i,s:s,s:s,s:s,s:I,s:I,s:i,s:i,s:b,s:o*}",
	                 "number", (int)c->number, "track", (int)c->track,
	                 "track_name", c->track <= s->track_count
	                               ? s->tracks[c->track - 1].name : "",
	                 "path", c->path, "created_at", c->created_at,
	                 "start_frame", (json_int_t)c->start_frame,
	                 "length", (json_int_t)c->length,
	                 "base_take", (int)c->base_take,
	                 "fade_frames", (int)c->fade_frames,
	                 "active", c->active, "pieces", pieces);
}

static int list_comps(int argc, char **argv)
{
	bool as_json = false;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = true;
		else if (!dir)
			dir = argv[i];
		else
			return cli_usage_error(comp_usage, "one SESSION_DIR, please");
	}
	if (!dir)
		return cli_usage_error(comp_usage, "which session? (SESSION_DIR missing)");
	struct session *s;
	int rc = cli_open_session(dir, &s);
	if (rc)
		return rc;
	if (as_json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < s->comp_count; i++)
			json_array_append_new(arr, comp_json(s, &s->comps[i]));
		char *text = arr ? json_dumps(arr, JSON_INDENT(2) |
		                              JSON_PRESERVE_ORDER) : NULL;
		json_decref(arr);
		if (text)
			puts(text);
		else
			fputs("redlight: out of memory\n", stderr);
		free(text);
		session_free(s);
		return text ? 0 : 1;
	}
	for (size_t i = 0; i < s->comp_count; i++)
		print_comp(s, &s->comps[i]);
	if (s->comp_count == 0)
		printf("%s: no comps\n", s->dir);
	session_free(s);
	return 0;
}

/* comp use|off SESSION_DIR COMP */
static int use_comp(int argc, char **argv, bool on)
{
	uint32_t number;
	if (argc != 3)
		return cli_usage_error(comp_usage, "%s SESSION_DIR COMP, please", argv[0]);
	if (!cli_parse_uint(argv[2], 1, UINT32_MAX, &number))
		return cli_usage_error(comp_usage, "'%s' is not a comp number", argv[2]);
	struct control *ctl;
	int rc = cli_open_offline(argv[1], "comp", &ctl);
	if (rc)
		return rc;
	struct error err;
	enum rl_status st = action_comp_use(ctl, number, on, &err);
	if (st == RL_OK) {
		const struct session *s = control_session(ctl);
		const char *name = s->tracks[comp_of(s, number)->track - 1].name;
		if (on)
			printf("comp %03u: %s plays it back\n", number, name);
		else
			printf("comp %03u: set aside, %s plays its keeper take\n",
			       number, name);
	}
	control_close(ctl);
	return st == RL_OK ? 0 : cli_fail(&err);
}

/* "verse1=3" */
static int parse_choice(const char *text, struct comp_choice *out,
                        char *label, size_t label_size)
{
	const char *eq = strrchr(text, '=');
	if (!eq || eq == text || (size_t)(eq - text) >= label_size)
		return cli_usage_error(comp_usage, "'%s' is not SECTION=TAKE", text);
	uint32_t take;
	if (!cli_parse_uint(eq + 1, 1, UINT32_MAX, &take))
		return cli_usage_error(comp_usage, "'%s': '%s' is not a take number", text,
		                   eq + 1);
	memcpy(label, text, (size_t)(eq - text));
	label[eq - text] = '\0';
	out->section = label;
	out->take = take;
	return 0;
}

static int make_comp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "fade", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t base = 0;
	double fade_ms = COMP_DEFAULT_FADE_MS;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "b:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!cli_parse_uint(optarg, 1, UINT32_MAX, &base))
				return cli_usage_error(comp_usage, "--base: '%s' is not a take "
				                   "number", optarg);
			break;
		case 'f': {
			char *end;
			fade_ms = strtod(optarg, &end);
			if (end == optarg || *end || !(fade_ms >= 0.0 &&
			                               fade_ms <= 1000.0))
				return cli_usage_error(comp_usage, "--fade: '%s' is not 0 to 1000 "
				                   "ms", optarg);
			break;
		}
		case 'h':
			comp_usage(stdout);
			return 0;
		default:
			comp_usage(stderr);
			return 2;
		}
	}
	/* getopt moves the options (before or after the choices) first. */
	int npos = argc - optind;
	if (npos < 2)
		return cli_usage_error(comp_usage, "redlight comp SESSION_DIR TRACK "
		                   "SECTION=TAKE ..., please");
	char **pos = argv + optind;
	size_t n = (size_t)npos - 2;
	struct comp_choice *choices = calloc(n ? n : 1, sizeof *choices);
	char (*labels)[TEMPO_MAP_LABEL_MAX + 1] = calloc(n ? n : 1,
	                                               sizeof *labels);
	int rc = (!choices || !labels) ? 1 : 0;
	if (rc)
		fputs("redlight: out of memory\n", stderr);
	for (size_t i = 0; !rc && i < n; i++)
		rc = parse_choice(pos[2 + i], &choices[i], labels[i],
		                  sizeof labels[i]);
	if (rc) {
		free(choices);
		free(labels);
		return rc;
	}

	struct control *ctl;
	if ((rc = cli_open_offline(pos[0], "comp", &ctl))) {
		free(choices);
		free(labels);
		return rc;
	}
	struct error err;
	uint32_t track = 0, number = 0;
	enum rl_status st = action_find_track(ctl, pos[1], &track, &err);
	if (st == RL_OK)
		st = action_comp_make(ctl, track, base, choices, n, fade_ms,
		                      &number, &err);
	if (st == RL_OK)
		print_comp(control_session(ctl),
		           comp_of(control_session(ctl), number));
	control_close(ctl);
	free(choices);
	free(labels);
	return st == RL_OK ? 0 : cli_fail(&err);
}

int cmd_comp(int argc, char **argv)
{
	if (argc < 2) {
		comp_usage(stderr);
		return 2;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		comp_usage(stdout);
		return 0;
	}
	/* A session directory called like a sub-command is reached as
	 * ./list. */
	if (!strcmp(sub, "list"))
		return list_comps(argc - 1, argv + 1);
	if (!strcmp(sub, "use"))
		return use_comp(argc - 1, argv + 1, true);
	if (!strcmp(sub, "off"))
		return use_comp(argc - 1, argv + 1, false);
	return make_comp(argc, argv);
}
