/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file click.h
 * The click: an accent and a normal sound placed on the exact onset frame
 * of every beat of a tempo map.
 *
 * Rendering is stateless: the output for frames [f, f+n) depends only on
 * the map, the sounds and f. A sound that started in an earlier cycle
 * simply continues because click_render() also looks at the beats whose
 * onset lies up to one sound length before f. So locate, loop and xruns
 * need no click state, and a cycle renders the same samples whatever
 * cycles came before it.
 *
 * Sample of frame x = sum over beats b with b.frame <= x < b.frame + len:
 *     sound_b[x - b.frame] * b.volume * gain
 * where sound_b is the accent sound for 'X', the normal sound for 'x', and
 * nothing for '.'.
 *
 * Threads: click_new_*() and click_free() are non-RT (they allocate, read
 * files, resample). click_render() is REALTIME and may run on the audio
 * thread while other threads only read the click. The sounds are
 * immutable after construction.
 */
#ifndef REDLIGHT_CLICK_H
#define REDLIGHT_CLICK_H

#include "redlight/error.h"
#include "redlight/realtime.h"
#include "redlight/tempo_map.h"

#include <stddef.h>
#include <stdint.h>

/** Longest click sound accepted from a file, in seconds. */
#define CLICK_MAX_SECONDS 2.0

enum click_builtin {
	CLICK_BEEP = 0, /**< decaying sine, 1760 Hz accent / 1320 Hz normal */
	CLICK_SQUARE,   /**< decaying square wave, like klick's default */
	CLICK_WOOD,     /**< short band-limited noise burst, woodblock-like */
	CLICK_BUILTIN_COUNT,
};

struct click;

/**
 * Built-in sounds synthesised for `rate`. Every built-in sound has its
 * largest magnitude on its first sample (>= 0.25), so an onset detector
 * that looks for the first sample above a small threshold finds the exact
 * onset frame. Accent peak 0.5 (-6 dBFS), normal peak 0.35 (about -9 dBFS),
 * so click plus programme in a cue mix keeps headroom. Length <= 80 ms.
 * Non-RT; the caller owns *out (click_free()).
 */
enum rl_status click_new_builtin(enum click_builtin sound, uint32_t rate,
                                 struct click **out, struct error *err);

/**
 * Parse a built-in sound name ("beep", "square", "wood"). Returns
 * RL_ERR_INVALID listing the names if unknown. Any thread.
 */
enum rl_status click_builtin_from_name(const char *name,
                                       enum click_builtin *out,
                                       struct error *err);

/**
 * Sounds from audio files (anything libsndfile reads; several channels
 * are mixed down to mono). `normal_path` may be NULL: the accent sound is
 * then used for both, 3 dB quieter for normal beats. A file at another
 * sample rate is converted once with libsamplerate. Errors name the file:
 * unreadable, empty, longer than CLICK_MAX_SECONDS. Non-RT; the caller
 * owns *out.
 */
enum rl_status click_new_from_files(const char *accent_path,
                                    const char *normal_path, uint32_t rate,
                                    struct click **out, struct error *err);

/** Free. click_free(NULL) is a no-op. Non-RT. */
void click_free(struct click *click);

/** Length in frames of the longer of the two sounds. Any thread. */
REALTIME size_t click_length(const struct click *click);

/**
 * Add the click for frames [frame, frame + nframes) of `map`'s timeline to
 * out[0 .. nframes-1] (out is accumulated into, not overwritten), scaled
 * by `gain` (linear; 0 renders nothing and returns at once). Audio thread
 * (or any thread), REALTIME: no allocation, no locks.
 */
REALTIME void click_render(const struct click *click,
                           const struct tempo_map *map, int64_t frame,
                           uint32_t nframes, float gain, float *out);

#endif
