/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/peak.h"

#include <string.h>

/*
 * Four samples at a time in the compiler's portable vector types (SSE2,
 * NEON...: no intrinsics, no -O3). The magnitude bits of a float (sign
 * cleared) order like the floats themselves when read as signed
 * integers, and signed integer compares are in every SIMD set, where a
 * float max is not without fast-math. Bits above infinity's are NaN.
 */
typedef int32_t v4i32 __attribute__((vector_size(16)));

static int32_t magnitude_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return (int32_t)(u & 0x7fffffffu);
}

REALTIME float peak_scan(const float *in, size_t n, float clip_level,
                         uint64_t *clips)
{
	const int32_t inf = 0x7f800000;
	const int32_t clip_bits = magnitude_bits(clip_level);
	v4i32 vpeak = { 0 }, vclips = { 0 };
	size_t i = 0;
	/* Lane counters stay below 2^31: blocks are at most a few MB. */
	for (; i + 4 <= n; i += 4) {
		v4i32 b;
		memcpy(&b, in + i, sizeof b);
		b &= 0x7fffffff;
		b &= b <= inf;                  /* NaN -> 0 */
		v4i32 more = b > vpeak;         /* lanes: -1 or 0 */
		vpeak = (b & more) | (vpeak & ~more);
		vclips -= b >= clip_bits;
	}
	int32_t peak = 0;
	int64_t count = 0;
	for (int k = 0; k < 4; k++) {
		peak = vpeak[k] > peak ? vpeak[k] : peak;
		count += vclips[k];
	}
	for (; i < n; i++) {
		int32_t b = magnitude_bits(in[i]);
		if (b > inf)
			continue;
		peak = b > peak ? b : peak;
		count += b >= clip_bits;
	}
	*clips += (uint64_t)count;
	uint32_t u = (uint32_t)peak;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}
