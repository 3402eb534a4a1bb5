/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file sim_source.h
 * Test and demo signals for redlight-source: pure generators, no JACK, so
 * they can be unit tested and reused by benchmarks.
 *
 * The frame-counter signal is the contract every end-to-end test relies
 * on. Channel c at source frame n (frames since the source started) holds
 * the integer code
 *
 *     k = ((n + c * 7919) mod P) - P/2
 *
 * scaled to a sample: 24-bit mode P = 2^22, sample = k / 2^23; 16-bit mode
 * P = 2^14, sample = k / 2^15. Both are exact in float and in the PCM
 * format they are named after, so a file recorded without loss decodes back
 * to the exact frame counter, and any dropped, repeated or shifted frame is
 * visible. The channel offset (a prime) makes a swapped or duplicated port
 * visible too. The codes stay within half of full scale, so a capture that
 * clips or applies gain cannot pass either.
 *
 * Threads: every function marked REALTIME is safe on the JACK process
 * thread (no allocation, no locks, no system calls). sim_band_new() and
 * sim_band_free() are not; call them before activation / after close.
 */
#ifndef REDLIGHT_SIM_SOURCE_H
#define REDLIGHT_SIM_SOURCE_H

#include "redlight/realtime.h"

#include <stddef.h>
#include <stdint.h>

/** Channel offset of the frame-counter code: channel c is ahead by c*7919. */
#define SIM_COUNTER_CHANNEL_STRIDE 7919u

/** Resolution of the frame-counter code. */
enum sim_counter_bits {
	SIM_COUNTER_24 = 24, /**< period 2^22, exact in 24-bit PCM and float */
	SIM_COUNTER_16 = 16, /**< period 2^14, exact in 16-bit PCM */
};

/**
 * Period of the counter code in frames (2^22 or 2^14): decoding recovers
 * the frame counter modulo this. Any thread.
 */
REALTIME uint32_t sim_source_counter_period(enum sim_counter_bits bits);

/**
 * Integer code of channel `channel` at source frame `frame`, in
 * [-P/2, P/2). This is the value a 24-bit (or 16-bit) PCM file stores.
 * Any thread.
 */
REALTIME int32_t sim_source_counter_code(uint64_t frame, unsigned channel,
                                         enum sim_counter_bits bits);

/**
 * Fill out[0..nframes) with the frame-counter signal of one channel,
 * starting at source frame first_frame. Any thread, including the JACK
 * process thread; out is owned by the caller.
 */
REALTIME void sim_source_counter_fill(float *out, size_t nframes,
                                      uint64_t first_frame, unsigned channel,
                                      enum sim_counter_bits bits);

/**
 * Inverse of the encoding: the source frame counter modulo the period that
 * produced `code` on `channel`. The code is taken modulo the period, so
 * an out-of-range code still decodes (to a frame that will not fit the
 * sequence). Any thread.
 */
REALTIME uint32_t sim_source_counter_decode(int32_t code, unsigned channel,
                                            enum sim_counter_bits bits);

/**
 * Fill out[0..nframes) with a square wave at exactly +1.0 / -1.0 that
 * changes sign every half_period frames (counted from source frame 0), for
 * clip-meter tests. half_period 0 is taken as 1. Any thread.
 */
REALTIME void sim_source_square_fill(float *out, size_t nframes,
                                     uint64_t first_frame,
                                     uint32_t half_period);

/** The simulated band: a small drum kit, bass, guitar, keys and a singer. */
struct sim_band;

/**
 * Allocate a band of `channels` channels at `sample_rate`, with all state
 * the generator will ever need (no allocation afterwards). Channel i plays
 * instrument i modulo the instrument list (see sim_band_channel_name()).
 * Non-RT. Returns NULL if channels or sample_rate is 0 or memory is short;
 * the caller owns the result (sim_band_free()).
 */
struct sim_band *sim_band_new(unsigned channels, uint32_t sample_rate);

/**
 * Render the next nframes frames of every channel: outs[i] receives
 * channel i (nframes floats, owned by the caller; every pointer must be
 * valid). The band plays 120 BPM in 4/4, a four-bar loop, with peaks
 * between about -30 and -6 dBFS and every sample within [-1, 1].
 * Deterministic: the same band renders the same samples. JACK process
 * thread (or any single thread that owns the band).
 */
REALTIME void sim_band_fill(struct sim_band *band, float *const *outs,
                            size_t nframes);

/** Channels the band was created with. Any thread. */
unsigned sim_band_channels(const struct sim_band *band);

/** Free a band. sim_band_free(NULL) is a no-op. Non-RT. */
void sim_band_free(struct sim_band *band);

/**
 * Name of band channel `index` ("kick", "snare", "hihat", "oh-l", "oh-r",
 * "bass-di", "gtr", "keys", "vox", then "kick-2", "snare-2", ... for the
 * second round through the list), written into buf (always terminated,
 * cut to size). Returns buf. Any non-RT thread.
 */
const char *sim_band_channel_name(unsigned index, char *buf, size_t size);

#endif
