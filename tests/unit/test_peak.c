/* SPDX-License-Identifier: GPL-3.0-or-later */
/* peak: the SIMD scan against a plain reference on every length 0..70 and
 * every start alignment, with NaN, infinities, -0, denormals and samples
 * exactly at, just under and over the clip level. */
#include "check.h"
#include "redlight/peak.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The contract of peak.h, written the obvious way. */
static float reference(const float *in, size_t n, float clip_level,
                       uint64_t *clips)
{
	float peak = 0.0f;
	for (size_t i = 0; i < n; i++) {
		if (isnan(in[i]))
			continue;
		float a = fabsf(in[i]);
		if (a > peak)
			peak = a;
		if (a >= clip_level)
			(*clips)++;
	}
	return peak;
}

static uint32_t bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float special(uint32_t r, float clip_level)
{
	switch (r % 12) {
	case 0: return NAN;
	case 1: return -NAN;
	case 2: return INFINITY;
	case 3: return -INFINITY;
	case 4: return -0.0f;
	case 5: return 1e-40f; /* denormal */
	case 6: return clip_level;
	case 7: return -clip_level;
	case 8: return nextafterf(clip_level, 0.0f);
	case 9: return -nextafterf(clip_level, 2.0f);
	case 10: return 1.5f;
	default: return -1.0f;
	}
}

static void compare(const float *in, size_t n, float clip_level,
                    const char *what, size_t a, size_t b)
{
	uint64_t want_clips = 7, got_clips = 7; /* added to, not set */
	float want = reference(in, n, clip_level, &want_clips);
	float got = peak_scan(in, n, clip_level, &got_clips);
	if (bits(want) != bits(got) || want_clips != got_clips) {
		fprintf(stderr, "%s %zu/%zu n=%zu: peak %g (want %g), clips %llu "
		        "(want %llu)\n", what, a, b, n, (double)got,
		        (double)want, (unsigned long long)got_clips,
		        (unsigned long long)want_clips);
		check_failures++;
	}
}

int main(void)
{
	enum { MAX = 70, ROUNDS = 200 };
	float buf[MAX + 8];
	const float clip_level = 0.999f;
	uint32_t seed = 12345;
	for (size_t round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < MAX + 8; i++) {
			seed = seed * 1664525u + 1013904223u;
			/* Mostly audio in (-1, 1), some specials. */
			buf[i] = (seed >> 28) == 0
			         ? special(seed >> 8, clip_level)
			         : ((float)(seed >> 8) / 16777216.0f) * 2.0f - 1.0f;
		}
		for (size_t off = 0; off < 4; off++)
			for (size_t n = 0; n + off <= MAX; n++)
				compare(buf + off, n, clip_level, "random", round,
				        off);
	}
	/* Each special alone in a block of silence, at every place: a NaN
	 * is no peak and no clip, an infinity is both. */
	for (uint32_t s = 0; s < 12; s++)
		for (size_t at = 0; at < 19; at++) {
			float block[19] = { 0 };
			block[at] = special(s, clip_level);
			compare(block, 19, clip_level, "special", s, at);
		}
	/* Silence is peak 0, no clip; all NaN likewise. */
	float zeros[33] = { 0 }, nans[33];
	for (size_t i = 0; i < 33; i++)
		nans[i] = NAN;
	uint64_t clips = 0;
	CHECK(peak_scan(zeros, 33, clip_level, &clips) == 0.0f && clips == 0);
	CHECK(peak_scan(nans, 33, clip_level, &clips) == 0.0f && clips == 0);
	/* Full scale, every sample: all clip. */
	float full[33];
	for (size_t i = 0; i < 33; i++)
		full[i] = i % 2 ? 1.0f : -1.0f;
	CHECK(peak_scan(full, 33, clip_level, &clips) == 1.0f);
	CHECK_EQ_U64(clips, 33);
	return CHECK_DONE();
}
