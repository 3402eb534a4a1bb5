/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: session.json (session_open(), src/session/session_load.c). The
 * input is the file, written into a session directory of the harness's
 * own and opened as redlight opens it. A refusal must name the file. A
 * session that opens must also survive what redlight does next with it:
 * saved, it opens again, and saving that gives the very same bytes --
 * a session.json redlight wrote and cannot read back would lose the
 * session at the next start.
 */
#include "fuzz_util.h"

#include "redlight/session.h"

static char dir[512];
static char file[600];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(dir, sizeof dir, "session");
	snprintf(file, sizeof file, "%s/session.json", dir);
	if (mkdir(dir, 0755) != 0)
		FUZZ_FAIL("mkdir %s: %s", dir, strerror(errno));
	return 0;
}

/* Save s and read back what was written; the caller frees it. */
static char *save(struct session *s, size_t *size)
{
	struct error err;
	if (session_save(s, &err) != RL_OK)
		FUZZ_FAIL("a session that opened cannot be saved: %s",
		          err.message);
	char *text = fuzz_read_file(file, size);
	if (!text)
		FUZZ_FAIL("cannot read back %s", file);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(file, data, size);
	struct session *s = NULL;
	struct error err;
	error_clear(&err);
	if (session_open(dir, &s, &err) != RL_OK) {
		if (s)
			FUZZ_FAIL("a session came back with the error '%s'",
			          err.message);
		if (!strstr(err.message, "session.json"))
			FUZZ_FAIL("the error does not name the file: '%s'",
			          err.message);
		return 0;
	}
	size_t first_size, second_size;
	char *first = save(s, &first_size);
	session_free(s);
	s = NULL;
	if (session_open(dir, &s, &err) != RL_OK)
		FUZZ_FAIL("the session.json redlight saved does not open: "
		          "%s\n--- saved ---\n%s", err.message, first);
	char *second = save(s, &second_size);
	session_free(s);
	if (first_size != second_size || memcmp(first, second, first_size))
		FUZZ_FAIL("saving a saved session changed it\n--- first "
		          "---\n%s\n--- second ---\n%s", first, second);
	free(first);
	free(second);
	return 0;
}
