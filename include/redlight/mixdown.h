/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file mixdown.h
 * Offline rendering from take files (never real-time, never in place):
 * - the comp: one track assembled from several takes, a different take
 *   per song section, joined with short equal-power crossfades;
 * - the rough mix (bounce): every track's keeper or comp, with gain and
 *   pan, summed to a stereo file, with a peak/headroom report.
 *
 * Files are read with libsndfile (any format it reads; mono expected for
 * track files, more channels are mixed down) and written as new files
 * only: the destination is created with O_EXCL (RL_ERR_EXISTS if it
 * exists); a failed render removes its own partial output and touches
 * nothing else. Timeline positions are frames at the session's rate; every
 * source must be at that rate (RL_ERR_FORMAT naming the file otherwise).
 *
 * Threads: any non-RT thread. Memory is bounded (block processing), so a
 * ten-minute 48 kHz session of many tracks renders without loading files
 * whole.
 */
#ifndef REDLIGHT_MIXDOWN_H
#define REDLIGHT_MIXDOWN_H

#include "redlight/error.h"
#include "redlight/take_file.h"

#include <stddef.h>
#include <stdint.h>

/** One piece of a comp: take file `path` (its frame 0 at timeline frame
 *  `file_start`) supplies timeline frames [from, to). */
struct mixdown_piece {
	const char *path;
	int64_t file_start;
	int64_t from, to;
};

/**
 * Render a comp to `dest` (`format`, at `rate`; stereo if every take file
 * is stereo, else mono with multi-channel takes averaged): the pieces, sorted
 * by `from` and contiguous (each piece's `from` equals the previous `to`;
 * RL_ERR_INVALID otherwise), cover timeline frames [pieces[0].from,
 * pieces[n-1].to); the output's frame 0 is timeline frame pieces[0].from.
 * Where two pieces meet at frame B, an equal-power crossfade of
 * `fade_frames` centred on B (frames [B - fade/2, B + fade/2)) joins them:
 * gain_out = cos(x·π/2), gain_in = sin(x·π/2), x going from 0 to 1 across
 * the fade (so gain_out² + gain_in² = 1 and a signal present in both takes
 * keeps its level). The fade is shortened if a piece is shorter than it.
 * Frames a take does not have (before its start, after its end) are
 * silence. fade_frames 0: hard cuts. Returns RL_OK and the output's
 * length in *frames (may be NULL).
 */
enum rl_status mixdown_comp(const struct mixdown_piece *pieces, size_t count,
                            uint32_t rate, uint32_t fade_frames,
                            enum take_format format, const char *dest,
                            uint64_t *frames, struct error *err);

/** One track of a rough mix. */
struct mixdown_track {
	const char *name;     /**< for the report */
	const char *path;     /**< its keeper (or comp) file */
	int64_t file_start;   /**< timeline frame of the file's frame 0 */
	double gain_db;       /**< -INFINITY mutes */
	double pan;           /**< -1 left .. 0 centre .. +1 right */
};

/** What the bounce measured. */
struct mixdown_report {
	int64_t start, end;         /**< timeline frames rendered */
	double peak_dbfs[2];        /**< per channel, -INFINITY if silent */
	uint64_t clipped_samples;   /**< |x| >= 1.0 before writing */
	double target_low_dbfs;     /**< -6 */
	double target_high_dbfs;    /**< -3 */
	/** "ok" (peaks between -6 and -3 dBFS), "low" (below -6: room to
	 *  raise), "hot" (above -3), "clipped" (samples at or over 0 dBFS). */
	char verdict[16];
};

/**
 * Bounce: sum the tracks with constant-power pan (left = g·cos(θ), right =
 * g·sin(θ), θ = (pan+1)·π/4) into a stereo file `dest` (`format`: pcm24 or
 * float; RL_ERR_INVALID for others). A two-channel track file stays
 * stereo: its left channel goes left and its right right, and pan is a
 * balance (left = g·(1 - pan) for pan > 0, right = g·(1 + pan) for pan <
 * 0, the other side at g); other multi-channel files are averaged to mono
 * and panned. The output covers the union of the tracks' spans on the
 * timeline (the output's frame 0 is the earliest track start; its time
 * reference that frame). Nothing is normalised or
 * limited: the report says how hot it is. Returns RL_OK and fills *report.
 */
enum rl_status mixdown_bounce(const struct mixdown_track *tracks,
                              size_t count, uint32_t rate,
                              enum take_format format, const char *dest,
                              struct mixdown_report *report,
                              struct error *err);

/**
 * The mix's pan law for a mono source, shared by the bounce and the live
 * cue: constant power, left = g·cos θ, right = g·sin θ, θ = (pan+1)·π/4,
 * g from gain_db (-INFINITY: 0); the hard pans are exact. Any thread
 * (it calls cos/sin: not on the audio thread).
 */
void mixdown_pan_gains(double gain_db, double pan, float *left, float *right);

/**
 * A stereo source's pan, a balance: the side it moves away from is turned
 * down linearly, the other stays at g. Any thread, not the audio thread.
 */
void mixdown_balance_gains(double gain_db, double pan, float *left,
                           float *right);

#endif
