/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: session templates (`redlight new --template FILE`,
 * src/cli/cli_template.c). The input is the template file. A refusal
 * must name the file and its line. A template that is accepted must
 * make a session, as `redlight new` does (control_open_offline() and
 * action_track_add() per track), that opens again with exactly the
 * template's tracks, names and ports.
 */
#include "fuzz_util.h"

#include "cli_template.h"

#include "redlight/session.h"

static char template_file[512];
static char session_dir[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(template_file, sizeof template_file, "in.tpl");
	fuzz_path(session_dir, sizeof session_dir, "session");
	return 0;
}

/* The session made from t has t's tracks, in order. */
static void check_session(const struct cli_template *t)
{
	struct session *s = NULL;
	struct error err;
	if (session_open(session_dir, &s, &err) != RL_OK)
		FUZZ_FAIL("the session made from the template does not open: "
		          "%s", err.message);
	if (s->track_count != t->count)
		FUZZ_FAIL("%zu tracks in the template, %zu in the session",
		          t->count, s->track_count);
	for (size_t i = 0; i < t->count; i++) {
		const struct session_track *tr = &s->tracks[i];
		const struct cli_template_track *want = &t->tracks[i];
		if (strcmp(tr->name, want->name) ||
		    strcmp(tr->source, want->port) ||
		    strcmp(tr->source_right, want->port_right))
			FUZZ_FAIL("track %zu is '%s' on '%s' '%s', the "
			          "template said '%s' on '%s' '%s'", i + 1,
			          tr->name, tr->source, tr->source_right,
			          want->name,
			          want->port, want->port_right);
	}
	session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(template_file, data, size);
	struct cli_template t = { .count = 0 };
	struct error err;
	error_clear(&err);
	if (cli_template_load_file(template_file, &t, &err) != RL_OK) {
		if (t.count || t.tracks)
			FUZZ_FAIL("tracks kept after the error '%s'",
			          err.message);
		char where[600];
		snprintf(where, sizeof where, "%s:", template_file);
		if (strncmp(err.message, where, strlen(where)))
			FUZZ_FAIL("the error does not name the file: '%s'",
			          err.message);
		return 0;
	}
	fuzz_rm_rf(session_dir);
	if (mkdir(session_dir, 0755) != 0)
		FUZZ_FAIL("mkdir %s: %s", session_dir, strerror(errno));
	if (cli_template_write_session(session_dir, &t, &err) != RL_OK)
		FUZZ_FAIL("a template that was read makes no session: %s",
		          err.message);
	check_session(&t);
	cli_template_free(&t);
	return 0;
}
