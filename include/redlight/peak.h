/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file peak.h
 * Peak and clip scan of a block of samples: the engine's meters (every
 * track, every cycle) and each take file's peak and clip count (every
 * sample written) are the same loop, and the two biggest loops of a
 * recording after the copies.
 */
#ifndef REDLIGHT_PEAK_H
#define REDLIGHT_PEAK_H

#include "redlight/realtime.h"

#include <stddef.h>
#include <stdint.h>

/**
 * The largest |sample| of in[0..n) and, added to *clips, how many samples
 * have |sample| >= clip_level (a positive, finite level). NaN samples
 * are ignored by both. Any thread, real-time safe; nothing is kept.
 */
REALTIME float peak_scan(const float *in, size_t n, float clip_level,
                         uint64_t *clips);

#endif
