/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the shell sub-commands that read or edit an existing session
 * (takes, tracks, comp, bounce) share: opening without ever creating a
 * session, the lock around a change, and the argument forms they all
 * accept. At the end, what the two that run the recorder (record and
 * run) share: the options they both take, read the same way.
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
