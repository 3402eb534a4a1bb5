/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: positions as users type them (`--start`, `--punch`, `--loop`,
 * locate and markers from the UI and OSC): control_parse_position() --
 * bars, bar|beat|tick, seconds, frames, sections, markers -- and the
 * ranges of actions_range_bounds() ("START:END" or a section). The input
 * is the text (up to a NUL).
 *
 * Two sessions, opened as the shell's commands open them
 * (control_open_offline()): one that has run, with a tempo map of
 * sections, ramps, meter changes and a tempo list, and markers; one
 * that never ran, so it has no map and only frames and markers are
 * positions. Promises checked: a bar number alone is beat 1 of that bar;
 * a range ends after it starts; and a name the marker rules accept can
 * be added as a marker and then found by its name (unless a section has
 * it), the marker's own frame.
 */
#include "fuzz_util.h"

#include "actions_internal.h"

#include "redlight/actions.h"
#include "redlight/control.h"
#include "redlight/session.h"
#include "redlight/tempo_map.h"

#include <inttypes.h>

static const char song_map[] =
	"# sections, ramps, meter changes, a pattern and a tempo list\n"
	"intro:    2 120\n"
	"verse1:   4 120 X.x.\n"
	"          2 120-140 X.x.\n"
	"chorus1:  4 140\n"
	"bridge:   2 3/4 140 0.5\n"
	"solo:     1 3/4 100,110,120\n"
	"verse2:   2 7/8 96 Xx.xx.x\n"
	"outro:    2 140-80\n";

static struct control *with_map;
static struct control *no_map;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A session in the scratch directory: `rate` (0: never ran), the song's
 * map if `map`, three markers. */
static struct control *open_session(const char *name, uint32_t rate,
                                    bool map)
{
	char dir[512], path[600];
	fuzz_path(dir, sizeof dir, name);
	struct session *s = NULL;
	struct error err;
	if (session_open(dir, &s, &err) != RL_OK)
		FUZZ_FAIL("session %s: %s", dir, err.message);
	s->sample_rate = rate;
	static const struct {
		const char *name;
		uint64_t frame;
	} markers[] = { { "top", 0 }, { "drop", 1000000 }, { "verse1", 5 } };
	for (size_t i = 0; i < 3; i++)
		if (session_add_marker(s, markers[i].frame, markers[i].name, 0,
		                       NULL, &err) != RL_OK)
			FUZZ_FAIL("marker %s: %s", markers[i].name,
			          err.message);
	if (session_save(s, &err) != RL_OK)
		FUZZ_FAIL("save %s: %s", dir, err.message);
	session_free(s);
	if (map) {
		snprintf(path, sizeof path, "%s/tempo.map", dir);
		fuzz_write_file(path, song_map, strlen(song_map));
	}
	struct control *c = NULL;
	if (control_open_offline(dir, "fuzz", CONTROL_EXISTING, &c, &err) !=
	    RL_OK)
		FUZZ_FAIL("control_open_offline %s: %s", dir, err.message);
	if ((control_tempo_map(c) != NULL) != map)
		FUZZ_FAIL("session %s: the tempo map is %s", dir,
		          map ? "missing" : "there");
	return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	with_map = open_session("song", 48000, true);
	no_map = open_session("new", 0, false);
	return 0;
}

/* "17": beat 1 of bar 17, tick 0. */
static void check_bar(const char *text, int64_t frame)
{
	size_t n = strspn(text, "0123456789");
	if (n == 0 || text[n] || n > 15)
		return;
	long long bar = atoll(text);
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(control_tempo_map(with_map), frame, &bbt);
	if (bbt.bar != bar || bbt.beat != 1 || bbt.tick != 0)
		FUZZ_FAIL("'%s' is frame %" PRId64 ", which is %" PRId64
		          "|%d|%d", text, frame, bbt.bar, bbt.beat, bbt.tick);
}

/* A name the rules accept is a marker that can be found by its name. */
static void check_marker(const char *text)
{
	struct error err;
	if (session_check_marker_name(control_session(with_map), text,
	                              &err) != RL_OK)
		return;
	if (action_marker_add(with_map, text, "3", &err) != RL_OK)
		FUZZ_FAIL("marker name '%s' was accepted, adding it failed: %s",
		          text, err.message);
	int64_t want = 0, frame = 0;
	if (control_parse_position(with_map, "3", &want, &err) != RL_OK)
		FUZZ_FAIL("bar 3: %s", err.message);
	bool section = tempo_map_section_frame(control_tempo_map(with_map),
	                                       text, &frame, NULL) == RL_OK;
	if (control_parse_position(with_map, text, &frame, &err) != RL_OK)
		FUZZ_FAIL("marker '%s' cannot be found by its name: %s", text,
		          err.message);
	if (!section && frame != want)
		FUZZ_FAIL("marker '%s' is at %" PRId64 ", its name says %"
		          PRId64, text, want, frame);
	if (control_parse_position(no_map, text, &frame, &err) == RL_OK)
		FUZZ_FAIL("'%s' is a position without a map or marker", text);
	if (action_marker_remove(with_map, text, &err) != RL_OK)
		FUZZ_FAIL("marker '%s' cannot be removed: %s", text,
		          err.message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct error err;
	int64_t frame = 0, a = 0, b = 0;
	control_lock(with_map);
	if (control_parse_position(with_map, text, &frame, &err) == RL_OK)
		check_bar(text, frame);
	if (actions_range_bounds(with_map, "loop", text, NULL, &a, &b,
	                         &err) == RL_OK && b <= a)
		FUZZ_FAIL("range '%s' is %" PRId64 " to %" PRId64, text, a, b);
	control_unlock(with_map);
	control_lock(no_map);
	(void)control_parse_position(no_map, text, &frame, &err);
	(void)actions_range_bounds(no_map, "punch", text, NULL, &a, &b, &err);
	control_unlock(no_map);
	check_marker(text);
	free(text);
	return 0;
}
