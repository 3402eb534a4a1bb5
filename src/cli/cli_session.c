/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the shell sub-commands that read or edit an existing session
 * (takes, tracks, comp, bounce) share: opening without ever creating a
 * session, the lock around a change, and the argument forms they all
 * accept. At the end, what the two that run the recorder (record and
 * run) share: the options they both take, read the same way, which ports
 * they record (the session tracks' own inputs unless told), and saying
 * which tracks starting the recorder added.
 */
#include "redlight/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_fail(const struct error *err)
{
	fprintf(stderr, "redlight: %s\n", err->message);
	return 1;
}

bool cli_parse_uint(const char *text, uint32_t min, uint32_t max,
                    uint32_t *out)
{
	uint64_t n = 0;
	if (!text[0])
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return false;
	}
	if (n < min)
		return false;
	*out = (uint32_t)n;
	return true;
}

/* session_open() would create a session in a mistyped directory: these
 * commands only ever open one that exists. */
static int check_session(const char *dir)
{
	char path[SESSION_PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof path, "%s/session.json", dir);
	if (stat(path, &st) == 0)
		return 0;
	int e = errno;
	if (e == ENOENT || e == ENOTDIR)
		fprintf(stderr, "redlight: %s is not a redlight session (no "
		        "%s)\n", dir, path);
	else
		fprintf(stderr, "redlight: cannot read %s: %s\n", path,
		        strerror(e));
	return 1;
}

int cli_open_session(const char *dir, struct session **s)
{
	struct error err;
	*s = NULL;
	if (check_session(dir))
		return 1;
	if (session_open(dir, s, &err) != RL_OK)
		return cli_fail(&err);
	return 0;
}

int cli_open_offline(const char *dir, const char *who, struct control **ctl)
{
	struct error err;
	if (control_open_offline(dir, who, CONTROL_EXISTING, ctl, &err) !=
	    RL_OK)
		return cli_fail(&err);
	return 0;
}

int cli_usage_error(void (*usage)(FILE *f), const char *fmt, ...)
{
	va_list ap;
	fputs("redlight: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

int cli_print_json(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_INDENT(2) |
	                                JSON_PRESERVE_ORDER)
	                   : NULL;
	json_decref(value);
	if (!text) {
		fputs("redlight: out of memory\n", stderr);
		return 1;
	}
	puts(text);
	free(text);
	return 0;
}

/* One summary line per finished take (loop passes each make one). */
void cli_print_finished(struct control *ctl)
{
	struct control_take_summary sum;
	while (control_next_finished(ctl, &sum)) {
		double secs = (double)sum.frames / sum.sample_rate;
		printf("take %03u: %u tracks, %llu frames (%.3f s), %llu dropped "
		       "frames, %llu xruns, files in %s%s%s\n",
		       sum.number, sum.tracks, (unsigned long long)sum.frames,
		       secs, (unsigned long long)sum.dropped_frames,
		       (unsigned long long)sum.xruns, sum.dir,
		       sum.end_reason[0] ? "; stopped: " : "", sum.end_reason);
		fflush(stdout);
	}
}

enum rl_status cli_setup_scratch(struct control *ctl, const char *file,
                                 const char *offset, struct error *err)
{
	int64_t frame = control_settings(ctl)->scratch_offset;
	if (offset) {
		enum rl_status st = control_parse_position(ctl, offset, &frame,
		                                           err);
		if (st != RL_OK)
			return st;
	}
	if (file)
		return control_set_scratch(ctl, file, frame, err);
	if (offset)
		return control_set_scratch_offset(ctl, frame, err);
	return RL_OK;
}

enum rl_status cli_connect_outputs(struct control *ctl, const char *click_to,
                                   const char *cue_to, struct error *err)
{
	enum rl_status st = RL_OK;
	if (click_to)
		st = control_connect_output(ctl, ENGINE_OUT_CLICK, click_to, err);
	if (st == RL_OK && cue_to) {
		char buf[2 * SESSION_PORT_MAX];
		snprintf(buf, sizeof buf, "%s", cue_to);
		char *comma = strchr(buf, ',');
		if (comma)
			*comma = '\0';
		st = control_connect_output(ctl, ENGINE_OUT_CUE_L, buf, err);
		if (st == RL_OK && comma)
			st = control_connect_output(ctl, ENGINE_OUT_CUE_R,
			                            comma + 1, err);
	}
	return st;
}

bool cli_parse_meter(const char *text, int32_t *beats, int32_t *denominator)
{
	int b = 0, d = 0, used = 0;
	if (sscanf(text, "%d/%d%n", &b, &d, &used) != 2 || text[used] ||
	    b < 1 || b > 64 || d < 1 || d > 64)
		return false;
	*beats = b;
	*denominator = d;
	return true;
}

enum rl_status cli_set_transport_mode(struct control *ctl, const char *flag,
                                      struct error *err)
{
	enum jack_transport_mode mode;
	enum rl_status st = jack_transport_mode_parse(
		flag ? flag : control_settings(ctl)->jack_transport, &mode, err);
	if (st == RL_OK)
		control_set_transport_mode(ctl, mode);
	return st;
}

enum rl_status cli_find_sources(struct control *ctl, const char *const *inputs,
                                size_t input_count, const char *regex,
                                const char *const **sources, size_t *count,
                                char ***names, struct error *err)
{
	*names = NULL;
	if (input_count) {
		*sources = inputs;
		*count = input_count;
		return RL_OK;
	}
	enum rl_status st = control_find_sources(ctl, regex, names, count, err);
	if (st == RL_OK && *count == 0)
		st = error_set(err, RL_ERR_NOT_FOUND, "no JACK output port "
		               "matches '%s'", regex ? regex : ".*");
	*sources = (const char *const *)*names;
	return st;
}

/* The inputs of the session's tracks, in track order (a stereo track's
 * two ports, left first); *count 0 if no track has one. */
static enum rl_status track_sources(struct control *ctl, char ***names,
                                    size_t *count, struct error *err)
{
	const struct session *s = control_session(ctl);
	char **v = calloc(2 * s->track_count + 1, sizeof *v);
	size_t n = 0;
	bool ok = v != NULL;
	for (size_t i = 0; ok && i < s->track_count; i++) {
		const struct session_track *t = &s->tracks[i];
		if (t->source[0])
			ok = (v[n++] = strdup(t->source)) != NULL;
		if (ok && t->source_right[0])
			ok = (v[n++] = strdup(t->source_right)) != NULL;
	}
	if (!ok) {
		control_free_names(v);
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	}
	*names = v;
	*count = n;
	return RL_OK;
}

enum rl_status cli_choose_sources(struct control *ctl,
                                  const char *const *inputs,
                                  size_t input_count, const char *regex,
                                  enum cli_no_track_inputs none,
                                  const char *const **sources, size_t *count,
                                  char ***names, struct error *err)
{
	*names = NULL;
	if (input_count || regex)
		return cli_find_sources(ctl, inputs, input_count, regex,
		                        sources, count, names, err);
	enum rl_status st = track_sources(ctl, names, count, err);
	*sources = (const char *const *)*names;
	if (st != RL_OK || *count)
		return st;
	if (none == CLI_NO_INPUTS_RECORD_ALL) {
		control_free_names(*names);
		return cli_find_sources(ctl, NULL, 0, NULL, sources, count,
		                        names, err);
	}
	return error_set(err, RL_ERR_NOT_FOUND, "%s has no track inputs: "
	                 "give --inputs REGEX or --input PORT, or set them "
	                 "with `redlight tracks input`",
	                 control_session(ctl)->dir);
}

/* Say what starting the recorder did to the session's tracks: each track
 * it added (index `before` on), each earlier one whose input it set (a
 * port named like the track). `was` holds the earlier tracks' inputs.
 * On stderr, and in the log and the UI's status line: a session that
 * grows a track should never go unnoticed. */
static void report_track_changes(struct control *ctl,
                                 char (*was)[SESSION_PORT_MAX], size_t before)
{
	const struct session *s = control_session(ctl);
	char line[SESSION_NAME_MAX + 2 * SESSION_PORT_MAX + 64];
	for (size_t i = 0; i < s->track_count; i++) {
		const struct session_track *t = &s->tracks[i];
		if (i >= before)
			snprintf(line, sizeof line, "added track %zu '%s' for "
			         "port %s", i + 1, t->name, t->source);
		else if (strcmp(was[i], t->source))
			snprintf(line, sizeof line, "track %zu '%s' records "
			         "from port %s from now on (the port is named "
			         "like it)", i + 1, t->name, t->source);
		else
			continue;
		fprintf(stderr, "redlight: %s\n", line);
		control_post(ctl, CONTROL_INFO, "%s", line);
	}
}

enum rl_status cli_start_recorder(struct control *ctl,
                                  const char *const *sources, size_t count,
                                  struct error *err)
{
	const struct session *s = control_session(ctl);
	size_t before = s->track_count;
	char (*was)[SESSION_PORT_MAX] = calloc(before + 1, sizeof *was);
	if (!was)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < before; i++)
		memcpy(was[i], s->tracks[i].source, sizeof was[i]);
	enum rl_status st = control_start_with_sources(ctl, sources, count,
	                                               err);
	if (st == RL_OK)
		report_track_changes(ctl, was, before);
	free(was);
	return st;
}
