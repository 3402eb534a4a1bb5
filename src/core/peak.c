/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/peak.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* The magnitude bits of a float (sign cleared): they order like the
 * magnitudes themselves when read as integers; above infinity's is NaN. */
static uint32_t magnitude_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u & 0x7fffffffu;
}

static float bits_float(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

/* The scalar loop: the tail of a block, and all of it where there is no
 * SIMD path. */
static void scan_scalar(const float *in, size_t n, uint32_t clip_bits,
                        uint32_t *peak, uint64_t *count)
{
	const uint32_t inf = 0x7f800000u;
	for (size_t i = 0; i < n; i++) {
		uint32_t b = magnitude_bits(in[i]);
		if (b > inf)
			continue;
		*peak = b > *peak ? b : *peak;
		*count += b >= clip_bits;
	}
}

#if defined(__SSE2__)
/*
 * Every x86-64 has SSE2. maxps returns its second operand when either is
 * NaN, so with the sample first a NaN never becomes the peak, and an
 * ordered compare never counts it as a clip: five instructions per four
 * samples, no NaN masking. Two accumulators, eight samples a turn, so the
 * max chain does not wait on itself. This loop runs for every track every
 * cycle on the audio thread and for every sample the disk writer writes;
 * it was 60 % of the engine's instructions as integer compares.
 */
REALTIME float peak_scan(const float *in, size_t n, float clip_level,
                         uint64_t *clips)
{
	const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
	const __m128 clip = _mm_set1_ps(clip_level);
	__m128 p0 = _mm_setzero_ps(), p1 = _mm_setzero_ps();
	__m128i c0 = _mm_setzero_si128(), c1 = _mm_setzero_si128();
	size_t i = 0;
	/* Lane counters stay below 2^31: blocks are at most a few MB. */
	for (; i + 8 <= n; i += 8) {
		__m128 a = _mm_and_ps(_mm_loadu_ps(in + i), abs_mask);
		__m128 b = _mm_and_ps(_mm_loadu_ps(in + i + 4), abs_mask);
		p0 = _mm_max_ps(a, p0);
		p1 = _mm_max_ps(b, p1);
		c0 = _mm_sub_epi32(c0, _mm_castps_si128(_mm_cmpge_ps(a, clip)));
		c1 = _mm_sub_epi32(c1, _mm_castps_si128(_mm_cmpge_ps(b, clip)));
	}
	if (i + 4 <= n) {
		__m128 a = _mm_and_ps(_mm_loadu_ps(in + i), abs_mask);
		p0 = _mm_max_ps(a, p0);
		c0 = _mm_sub_epi32(c0, _mm_castps_si128(_mm_cmpge_ps(a, clip)));
		i += 4;
	}
	/* Across the lanes: their peaks are neither NaN nor negative, so a
	 * float max is exact; a few shuffles, not a loop per lane. */
	__m128 p = _mm_max_ps(p0, p1);
	p = _mm_max_ps(p, _mm_movehl_ps(p, p));
	p = _mm_max_ss(p, _mm_shuffle_ps(p, p, 1));
	__m128i c = _mm_add_epi32(c0, c1);
	c = _mm_add_epi32(c, _mm_shuffle_epi32(c, 0x4e));
	c = _mm_add_epi32(c, _mm_shuffle_epi32(c, 0xb1));
	uint32_t peak = magnitude_bits(_mm_cvtss_f32(p));
	uint64_t count = (uint32_t)_mm_cvtsi128_si32(c);
	scan_scalar(in + i, n - i, magnitude_bits(clip_level), &peak, &count);
	*clips += count;
	return bits_float(peak);
}
#else
/*
 * Elsewhere (NEON, ...): the compiler's portable vector types, integer
 * compares on the magnitude bits, which every SIMD set has.
 */
typedef int32_t v4i32 __attribute__((vector_size(16)));

REALTIME float peak_scan(const float *in, size_t n, float clip_level,
                         uint64_t *clips)
{
	const int32_t inf = 0x7f800000;
	const int32_t clip_bits = (int32_t)magnitude_bits(clip_level);
	v4i32 vpeak = { 0 }, vclips = { 0 };
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		v4i32 b;
		memcpy(&b, in + i, sizeof b);
		b &= 0x7fffffff;
		b &= b <= inf;                  /* NaN -> 0 */
		v4i32 more = b > vpeak;         /* lanes: -1 or 0 */
		vpeak = (b & more) | (vpeak & ~more);
		vclips -= b >= clip_bits;
	}
	uint32_t peak = 0;
	uint64_t count = 0;
	for (int k = 0; k < 4; k++) {
		peak = (uint32_t)vpeak[k] > peak ? (uint32_t)vpeak[k] : peak;
		count += (uint64_t)vclips[k];
	}
	scan_scalar(in + i, n - i, (uint32_t)clip_bits, &peak, &count);
	*clips += count;
	return bits_float(peak);
}
#endif
