/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: tempo maps (klick's format, tempo_map_parse()). The input is
 * the file's text. A refusal must name the file (and its line); a map
 * that is accepted must answer every query without a sanitizer finding
 * and keep the promises of tempo_map.h on its own entries: each entry
 * starts on beat 1 of its first bar, tick 0, and bar|beat|tick and
 * frames convert back and forth to the same onset. Queries also go far
 * before and after the map (a position of ±9e15 frames is what
 * control_parse_position() lets through).
 *
 * The rate comes from the input's length, so the same text is tried at
 * several rates over a run without a format of its own.
 */
#include "fuzz_util.h"

#include "redlight/tempo_map.h"

#include <inttypes.h>

#define NAME "fuzz.map"

static void check_entry(const struct tempo_map *map, size_t i)
{
	struct tempo_map_entry_info e;
	tempo_map_entry(map, i, &e);
	if (e.bars < 1 || e.beats_per_bar < 1 || e.denominator < 1)
		FUZZ_FAIL("entry %zu (line %d): %d bars of %d/%d", i, e.line,
		          e.bars, e.beats_per_bar, e.denominator);
	if (e.end_frame < e.start_frame)
		FUZZ_FAIL("entry %zu (line %d) ends at %" PRId64 " before it "
		          "starts at %" PRId64, i, e.line, e.end_frame,
		          e.start_frame);
	if (tempo_map_bar_frame(map, e.first_bar) != e.start_frame)
		FUZZ_FAIL("entry %zu: bar %" PRId64 " at %" PRId64 ", the "
		          "entry starts at %" PRId64, i, e.first_bar,
		          tempo_map_bar_frame(map, e.first_bar), e.start_frame);
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, e.start_frame, &bbt);
	if (bbt.bar != e.first_bar || bbt.beat != 1 || bbt.tick != 0)
		FUZZ_FAIL("entry %zu starts at %" PRId64 "|%d|%d, not %" PRId64
		          "|1|0", i, bbt.bar, bbt.beat, bbt.tick, e.first_bar);
	int64_t frame = -1;
	if (tempo_map_bbt_to_frame(map, &bbt, &frame) != RL_OK ||
	    frame != e.start_frame)
		FUZZ_FAIL("entry %zu: %" PRId64 "|1|0 is frame %" PRId64 ", "
		          "not %" PRId64, i, bbt.bar, frame, e.start_frame);
	struct tempo_map_beat beat;
	tempo_map_beat_at(map, e.start_frame, &beat);
	if (beat.frame != e.start_frame || beat.entry != (int32_t)i)
		FUZZ_FAIL("entry %zu: the beat at its start is at %" PRId64
		          " (entry %d)", i, beat.frame, beat.entry);
	/* The last bar's last beat, and the first frame after the entry. */
	struct tempo_map_bbt last = {
		.bar = e.first_bar + e.bars - 1, .beat = e.beats_per_bar,
		.tick = TEMPO_MAP_TICKS_PER_BEAT - 1,
	};
	if (tempo_map_bbt_to_frame(map, &last, &frame) != RL_OK ||
	    frame >= e.end_frame || frame < e.start_frame)
		FUZZ_FAIL("entry %zu: its last tick is at %" PRId64 ", outside "
		          "[%" PRId64 ", %" PRId64 ")", i, frame, e.start_frame,
		          e.end_frame);
	(void)tempo_map_bpm_at(map, e.end_frame - 1);
	const char *sec = tempo_map_section_at(map, e.start_frame);
	if ((sec == NULL) != (e.section == NULL) ||
	    (sec && strcmp(sec, e.section)))
		FUZZ_FAIL("entry %zu: section '%s' at its start, not '%s'", i,
		          sec ? sec : "(none)",
		          e.section ? e.section : "(none)");
	if (e.label) {
		int64_t at = 0;
		if (tempo_map_section_frame(map, e.label, &at, NULL) != RL_OK ||
		    at > e.start_frame)
			FUZZ_FAIL("section '%s' (line %d) not found at or "
			          "before %" PRId64, e.label, e.line,
			          e.start_frame);
	}
}

/* Positions anywhere, including the far ends. */
static void check_far(const struct tempo_map *map)
{
	static const int64_t far[] = {
		-9000000000000000, -48000000, -1, 0, 1, 9000000000000000,
	};
	for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
		struct tempo_map_bbt bbt;
		struct tempo_map_beat beat;
		tempo_map_frame_to_bbt(map, far[i], &bbt);
		tempo_map_beat_at(map, far[i], &beat);
		tempo_map_next_beat(map, far[i], &beat);
		(void)tempo_map_bpm_at(map, far[i]);
		(void)tempo_map_section_at(map, far[i]);
		int64_t frame;
		(void)tempo_map_bbt_to_frame(map, &bbt, &frame);
	}
	int64_t end = tempo_map_end_frame(map);
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, end, &bbt);
	tempo_map_frame_to_bbt(map, end - 1, &bbt);
	(void)tempo_map_bar_frame(map, bbt.bar + 1000);
	(void)tempo_map_bar_frame(map, -1000);
}

/* The first beats one by one, as the click walks them. */
static void walk_beats(const struct tempo_map *map)
{
	struct tempo_map_beat b;
	int64_t at = -(int64_t)tempo_map_rate(map);
	tempo_map_next_beat(map, at, &b);
	for (int n = 0; n < 256; n++) {
		if (b.frame < at || b.next_frame <= b.frame)
			FUZZ_FAIL("beat at %" PRId64 " (next %" PRId64 ") "
			          "after a walk to %" PRId64, b.frame,
			          b.next_frame, at);
		at = b.next_frame;
		tempo_map_next_beat(map, at, &b);
		if (b.frame != at)
			FUZZ_FAIL("the beat after %" PRId64 " is at %" PRId64,
			          at, b.frame);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t rates[] = { 48000, 44100, 96000, 8000 };
	uint32_t rate = rates[size % 4];
	struct tempo_map *map = NULL;
	struct error err;
	error_clear(&err);
	if (tempo_map_parse((const char *)data, size, NAME, rate, &map,
	                    &err) != RL_OK) {
		if (map)
			FUZZ_FAIL("a map came back with the error '%s'",
			          err.message);
		if (strncmp(err.message, NAME ":", strlen(NAME) + 1))
			FUZZ_FAIL("the error does not name the file: '%s'",
			          err.message);
		return 0;
	}
	size_t n = tempo_map_entry_count(map);
	if (n == 0)
		FUZZ_FAIL("a map of no entries was accepted");
	for (size_t i = 0; i < n; i++)
		check_entry(map, i);
	check_far(map);
	walk_beats(map);
	tempo_map_free(map);
	return 0;
}
