/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Session templates (cli_template.h): the built-in ones, template files
 * read line by line with every mistake named by FILE:LINE, and a new
 * session made from one. `redlight new` uses them; so does the fuzzer of
 * tests/fuzz/fuzz_template.c.
 */
#include "cli_template.h"

#include "redlight/actions.h"
#include "redlight/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static const struct {
	const char *name;
	const char *port;
} band_tracks[] = {
	{ "kick", "system:capture_1" },   { "snare", "system:capture_2" },
	{ "hihat", "system:capture_3" },  { "tom1", "system:capture_4" },
	{ "tom2", "system:capture_5" },   { "oh-l", "system:capture_6" },
	{ "oh-r", "system:capture_7" },   { "bass-di", "system:capture_8" },
	{ "gtr", "system:capture_9" },    { "keys", "system:capture_10" },
	{ "vox", "system:capture_11" },
};

void cli_template_free(struct cli_template *t)
{
	free(t->tracks);
	t->tracks = NULL;
	t->count = 0;
}

static bool valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CLI_TEMPLATE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      ch == '-'))
			return false;
	}
	return true;
}

static enum rl_status template_add(struct cli_template *t, const char *name,
                                   const char *port, const char *port_right,
                                   unsigned line, const char *file,
                                   struct error *err)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct cli_template_track *o = &t->tracks[i];
		if (!strcmp(o->name, name))
			return error_set(err, RL_ERR_FORMAT,
			                 "%s:%u: duplicate track name '%s' "
			                 "(first on line %u)", file, line, name,
			                 o->line);
		/* The recorder routes a port to one track: a second track
		 * on it would never record. */
		const char *mine[2] = { port, port_right };
		for (int k = 0; k < 2; k++) {
			if (mine[k] && mine[k][0] &&
			    (!strcmp(o->port, mine[k]) ||
			     !strcmp(o->port_right, mine[k])))
				return error_set(err, RL_ERR_FORMAT,
				                 "%s:%u: port %s of track '%s' is "
				                 "already the input of '%s' (line "
				                 "%u)", file, line, mine[k], name,
				                 o->name, o->line);
		}
	}
	struct cli_template_track *grown =
		realloc(t->tracks, (t->count + 1) * sizeof *grown);
	if (!grown)
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", file);
	t->tracks = grown;
	struct cli_template_track *tr = &t->tracks[t->count++];
	snprintf(tr->name, sizeof tr->name, "%s", name);
	snprintf(tr->port, sizeof tr->port, "%s", port ? port : "");
	snprintf(tr->port_right, sizeof tr->port_right, "%s",
	         port_right ? port_right : "");
	tr->line = line;
	return RL_OK;
}

/*
 * Split one template line into at most 3 fields (a fourth one is an
 * error): words separated by blanks, a field may be in double quotes, '#'
 * outside quotes starts a comment. Modifies line. Returns the number of
 * fields, or -1 with *why set.
 */
static int split_line(char *line, char *fields[4], const char **why)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == 4) {
			*why = "too many fields (expected NAME [PORT [RIGHT_PORT]])";
			return -1;
		}
		if (*p == '"') {
			char *end = strchr(p + 1, '"');
			if (!end) {
				*why = "missing closing '\"'";
				return -1;
			}
			fields[n++] = p + 1;
			*end = '\0';
			p = end + 1;
			if (*p && *p != ' ' && *p != '\t' && *p != '#') {
				*why = "text right after a closing '\"'";
				return -1;
			}
			continue;
		}
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '#' && *p != '"')
			p++;
		if (*p == '"') {
			*why = "'\"' inside a field (quote the whole port)";
			return -1;
		}
		if (*p == '#') {
			*p = '\0';
			return n;
		}
		if (*p)
			*p++ = '\0';
	}
}

/* A JACK port name CLIENT:PORT as a template may give it: what a
 * track's input may be (the session's rule, so that a template that
 * reads well never fails halfway through making the session). */
static bool port_ok(const char *port)
{
	return session_port_name_valid(port);
}

static enum rl_status bad_port(const char *file, unsigned line,
                               const char *port, const char *track,
                               struct error *err)
{
	return error_set(err, RL_ERR_FORMAT,
	                 "%s:%u: bad port '%s' for track '%s': expected a "
	                 "JACK port name CLIENT:PORT (UTF-8, at most %d "
	                 "bytes)", file, line, port, track,
	                 SESSION_PORT_MAX - 1);
}

enum rl_status cli_template_load_file(const char *file,
                                      struct cli_template *t,
                                      struct error *err)
{
	FILE *f = fopen(file, "r");
	if (!f)
		return error_set(err, rl_status_from_errno(errno),
		                 "template %s: %s", file, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return error_set(err, RL_ERR_INVALID,
		                 "template %s is a directory", file);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	enum rl_status rc = RL_OK;
	while (rc == RL_OK && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		const char *why = NULL;
		if ((size_t)len != strlen(line)) {
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%u: NUL byte in the line", file,
			               lineno);
			break;
		}
		if (len > CLI_TEMPLATE_LINE_MAX) {
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%u: line longer than %d bytes", file,
			               lineno, CLI_TEMPLATE_LINE_MAX);
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		char *fields[4];
		int n = split_line(line, fields, &why);
		if (n < 0) {
			rc = error_set(err, RL_ERR_FORMAT, "%s:%u: %s", file,
			               lineno, why);
		} else if (n == 4) {
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%u: too many fields (expected NAME "
			               "[PORT [RIGHT_PORT]])", file, lineno);
		} else if (n == 0) {
			continue;
		} else if (!valid_name(fields[0])) {
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%u: bad track name '%s': use letters, "
			               "digits, '_', '.' and '-', at most %d "
			               "characters",
			               file, lineno, fields[0],
			               CLI_TEMPLATE_NAME_MAX);
		} else if (n >= 2 && !port_ok(fields[1])) {
			rc = bad_port(file, lineno, fields[1], fields[0], err);
		} else if (n == 3 && !port_ok(fields[2])) {
			rc = bad_port(file, lineno, fields[2], fields[0], err);
		} else if (n == 3 && !strcmp(fields[1], fields[2])) {
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%u: track '%s': the left and right "
			               "ports are both %s", file, lineno,
			               fields[0], fields[1]);
		} else {
			rc = template_add(t, fields[0], n >= 2 ? fields[1] : NULL,
			                  n == 3 ? fields[2] : NULL, lineno,
			                  file, err);
		}
	}
	if (rc == RL_OK && ferror(f))
		rc = error_set(err, RL_ERR_IO, "template %s: read error", file);
	free(line);
	fclose(f);
	if (rc != RL_OK)
		cli_template_free(t);
	return rc;
}

enum rl_status cli_template_load(const char *spec, struct cli_template *t,
                                 struct error *err)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", spec);
	if (!strchr(spec, '/') && !strcmp(spec, "empty"))
		return RL_OK;
	if (!strchr(spec, '/') && !strcmp(spec, "band")) {
		size_t n = sizeof band_tracks / sizeof band_tracks[0];
		for (size_t i = 0; i < n; i++) {
			enum rl_status rc = template_add(t, band_tracks[i].name,
			                                 band_tracks[i].port, NULL,
			                                 0, spec, err);
			if (rc != RL_OK) {
				cli_template_free(t);
				return rc;
			}
		}
		return RL_OK;
	}
	if (!strchr(spec, '/') && access(spec, F_OK) != 0)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "template '%s': not a built-in template (band, "
		                 "empty) and no such file", spec);
	return cli_template_load_file(spec, t, err);
}

enum rl_status cli_template_write_session(const char *dir,
                                          const struct cli_template *t,
                                          struct error *err)
{
	struct control *ctl = NULL;
	enum rl_status rc = control_open_offline(dir, "new", CONTROL_NEW, &ctl,
	                                         err);
	for (size_t i = 0; rc == RL_OK && i < t->count; i++) {
		struct control_track_change inputs = {
			.set_source = true,
			.source = t->tracks[i].port,
			.source_right = t->tracks[i].port_right,
		};
		uint32_t number;
		rc = action_track_add(ctl, t->tracks[i].name, &inputs, &number,
		                      err);
	}
	control_close(ctl);
	return rc;
}

