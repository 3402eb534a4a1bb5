/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit test of the test-signal generators. The frame-counter encoding is
 * what every end-to-end test trusts to prove a capture exact, so it is
 * checked here against the formula written out literally, for both bit
 * depths, channel offsets and the wrap at the period.
 */
#include "check.h"
#include "redlight/sim_source.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const enum sim_counter_bits all_bits[] = {
	SIM_COUNTER_24, SIM_COUNTER_16,
};

/* The contract as the design states it, independent of the implementation. */
static float reference_sample(uint64_t n, unsigned c, enum sim_counter_bits bits)
{
	if (bits == SIM_COUNTER_16) {
		int64_t k = (int64_t)((n + (uint64_t)c * 7919) % 16384) - 8192;
		return (float)k / 32768.0f;
	}
	int64_t k = (int64_t)((n + (uint64_t)c * 7919) % 4194304) - 2097152;
	return (float)k / 8388608.0f;
}

static double lsb_scale(enum sim_counter_bits bits)
{
	return bits == SIM_COUNTER_16 ? 32768.0 : 8388608.0;
}

static void test_period(void)
{
	CHECK_MSG(sim_source_counter_period(SIM_COUNTER_24) == 4194304u, "24-bit");
	CHECK_MSG(sim_source_counter_period(SIM_COUNTER_16) == 16384u, "16-bit");
}

static void test_round_trip(void)
{
	static const uint64_t frames[] = {
		0, 1, 2, 7918, 7919, 8191, 8192, 16383, 16384, 16385,
		2097151, 2097152, 4194303, 4194304, 4194305,
		UINT64_C(4294967295), UINT64_C(4294967296),
		UINT64_C(123456789012345), UINT64_MAX - 1, UINT64_MAX,
	};
	static const unsigned channels[] = { 0, 1, 2, 3, 7, 63, 529, 1000, 4096 };

	for (size_t b = 0; b < sizeof all_bits / sizeof all_bits[0]; b++) {
		enum sim_counter_bits bits = all_bits[b];
		uint32_t period = sim_source_counter_period(bits);
		for (size_t f = 0; f < sizeof frames / sizeof frames[0]; f++) {
			for (size_t ci = 0; ci < sizeof channels / sizeof channels[0];
			     ci++) {
				uint64_t n = frames[f];
				unsigned c = channels[ci];
				int32_t code = sim_source_counter_code(n, c, bits);
				CHECK_MSG(code >= -(int32_t)(period / 2)
				          && code < (int32_t)(period / 2),
				          "bits %d n %llu c %u code %d out of range",
				          bits, (unsigned long long)n, c, code);
				uint32_t back = sim_source_counter_decode(code, c, bits);
				CHECK_MSG(back == n % period,
				          "bits %d n %llu c %u: decoded %u, want %llu",
				          bits, (unsigned long long)n, c, back,
				          (unsigned long long)(n % period));
				/* A code read back modulo the period decodes the same. */
				CHECK_MSG(sim_source_counter_decode(code + (int32_t)period, c,
				                                    bits) == back,
				          "decode not modulo the period");

				float s;
				sim_source_counter_fill(&s, 1, n, c, bits);
				/* Only compare with the literal formula where the
				 * uint64 sum in it does not overflow. */
				if (n <= UINT64_MAX - (uint64_t)c * 7919) {
					float want = reference_sample(n, c, bits);
					CHECK_MSG(s == want, "bits %d n %llu c %u: %.9g != %.9g",
					          bits, (unsigned long long)n, c, (double)s,
					          (double)want);
				}
				CHECK_MSG((double)s * lsb_scale(bits) == (double)code,
				          "sample is not exactly code * lsb");
			}
		}
	}
}

static void test_channel_offset(void)
{
	for (size_t b = 0; b < sizeof all_bits / sizeof all_bits[0]; b++) {
		enum sim_counter_bits bits = all_bits[b];
		for (unsigned c = 0; c < 40; c++) {
			for (uint64_t n = 0; n < 100000; n += 997) {
				int32_t a = sim_source_counter_code(n, c, bits);
				int32_t z = sim_source_counter_code(n + c * 7919u, 0, bits);
				CHECK_MSG(a == z, "channel %u is not channel 0 ahead by "
				          "%u frames", c, c * 7919u);
				/* Different channels at the same frame differ: a
				 * swapped port cannot pass as the right one. */
				if (c > 0)
					CHECK_MSG(a != sim_source_counter_code(n, 0, bits),
					          "channel %u collides with channel 0", c);
			}
		}
	}
}

static void test_fill_wrap(void)
{
	enum { N = 3000 };
	static float buf[N];

	for (size_t b = 0; b < sizeof all_bits / sizeof all_bits[0]; b++) {
		enum sim_counter_bits bits = all_bits[b];
		uint32_t period = sim_source_counter_period(bits);
		for (unsigned c = 0; c < 4; c++) {
			/* Start so that channel c wraps in the middle of the block. */
			uint64_t start = (uint64_t)period * 5 - 1000
			                 - (uint64_t)c * 7919 % period;
			sim_source_counter_fill(buf, N, start, c, bits);
			bool wrapped = false;
			for (size_t i = 0; i < N; i++) {
				double scaled = (double)buf[i] * lsb_scale(bits);
				CHECK_MSG(scaled == floor(scaled), "not an integer code");
				int32_t code = (int32_t)scaled;
				CHECK_MSG(code == sim_source_counter_code(start + i, c, bits),
				          "fill differs from code at %zu", i);
				uint32_t n = sim_source_counter_decode(code, c, bits);
				CHECK_MSG(n == (start + i) % period, "decode at %zu", i);
				if (i > 0) {
					int32_t prev = (int32_t)((double)buf[i - 1]
					                         * lsb_scale(bits));
					if (code < prev) {
						wrapped = true;
						CHECK_MSG(prev == (int32_t)period / 2 - 1
						          && code == -(int32_t)period / 2,
						          "wrap goes from %d to %d", prev, code);
					} else {
						CHECK_MSG(code == prev + 1, "step %d -> %d",
						          prev, code);
					}
				}
			}
			CHECK_MSG(wrapped, "bits %d channel %u never wrapped", bits, c);
		}
	}

	/* Split fills continue exactly where the previous one stopped. */
	static float a[N], parts[N];
	sim_source_counter_fill(a, N, 4194000, 2, SIM_COUNTER_24);
	size_t done = 0;
	for (size_t step = 1; done < N; step = step * 3 + 1) {
		size_t n = step < N - done ? step : N - done;
		sim_source_counter_fill(parts + done, n, 4194000 + done, 2,
		                        SIM_COUNTER_24);
		done += n;
	}
	CHECK_MSG(memcmp(a, parts, sizeof a) == 0, "split fill differs");
}

static void test_square(void)
{
	enum { N = 500 };
	float buf[N];

	sim_source_square_fill(buf, N, 0, 24);
	for (size_t i = 0; i < N; i++)
		CHECK_MSG(buf[i] == (((i / 24) & 1) ? -1.0f : 1.0f), "square at %zu", i);
	/* A fill starting mid-period continues the same wave. */
	float tail[N];
	sim_source_square_fill(tail, N - 37, 37, 24);
	CHECK_MSG(memcmp(buf + 37, tail, (N - 37) * sizeof(float)) == 0,
	          "square not continuous");
}

static void test_band(void)
{
	enum { CHANNELS = 20, RATE = 48000, SECONDS = 8, BLOCK = 64 };
	struct sim_band *b1 = sim_band_new(CHANNELS, RATE);
	struct sim_band *b2 = sim_band_new(CHANNELS, RATE);
	CHECK_MSG(b1 && b2, "sim_band_new failed");
	if (!b1 || !b2) {
		sim_band_free(b1);
		sim_band_free(b2);
		return;
	}
	CHECK_MSG(sim_band_channels(b1) == CHANNELS, "channel count");

	float *mem1 = calloc((size_t)CHANNELS * BLOCK, sizeof(float));
	float *mem2 = calloc((size_t)CHANNELS * BLOCK, sizeof(float));
	float *o1[CHANNELS], *o2[CHANNELS];
	double peak[CHANNELS] = { 0 };
	double energy[CHANNELS] = { 0 };
	bool ok = true;
	for (unsigned c = 0; c < CHANNELS; c++) {
		o1[c] = mem1 + (size_t)c * BLOCK;
		o2[c] = mem2 + (size_t)c * BLOCK;
	}

	/* b1 renders in JACK-sized blocks, b2 in odd ones: a deterministic
	 * band must render the same samples either way. */
	size_t total = (size_t)RATE * SECONDS;
	for (size_t pos = 0; pos < total; pos += BLOCK) {
		sim_band_fill(b1, o1, BLOCK);
		for (unsigned c = 0; c < CHANNELS; c++) {
			for (size_t i = 0; i < BLOCK; i++) {
				float s = o1[c][i];
				if (!(s >= -1.0f && s <= 1.0f)) {
					ok = false;
					break;
				}
				if (fabs(s) > peak[c])
					peak[c] = fabs(s);
				energy[c] += (double)s * s;
			}
		}
		/* The same stretch from b2 in two odd pieces. */
		float *rest[CHANNELS];
		for (unsigned c = 0; c < CHANNELS; c++)
			rest[c] = o2[c] + 37;
		sim_band_fill(b2, o2, 37);
		sim_band_fill(b2, rest, BLOCK - 37);
		for (unsigned c = 0; c < CHANNELS; c++) {
			if (memcmp(o1[c], o2[c], BLOCK * sizeof(float)) != 0) {
				CHECK_MSG(false, "block size changes channel %u at %zu",
				          c, pos);
				break;
			}
		}
	}
	CHECK_MSG(ok, "a band sample is outside [-1, 1] or not finite");

	char name[32];
	for (unsigned c = 0; c < CHANNELS; c++) {
		double db = 20.0 * log10(peak[c] > 0 ? peak[c] : 1e-30);
		double rms = sqrt(energy[c] / (double)total);
		sim_band_channel_name(c, name, sizeof name);
		CHECK_MSG(db >= -32.0 && db <= -5.0,
		          "channel %u (%s) peak %.1f dBFS outside -32..-5", c, name, db);
		CHECK_MSG(rms > 0.001, "channel %u (%s) is nearly silent (rms %g)",
		          c, name, rms);
	}

	free(mem1);
	free(mem2);
	sim_band_free(b1);
	sim_band_free(b2);

	CHECK_MSG(sim_band_new(0, RATE) == NULL, "0 channels accepted");
	CHECK_MSG(sim_band_new(2, 0) == NULL, "0 Hz accepted");
	sim_band_free(NULL);
}

static void test_names(void)
{
	static const char *const want[] = {
		"kick", "snare", "hihat", "oh-l", "oh-r", "bass-di", "gtr", "keys",
		"vox", "kick-2", "snare-2",
	};
	char buf[32];

	for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
		sim_band_channel_name(i, buf, sizeof buf);
		CHECK_MSG(strcmp(buf, want[i]) == 0, "name %u is %s", i, buf);
	}
	sim_band_channel_name(9 * 3 + 8, buf, sizeof buf);
	CHECK_MSG(strcmp(buf, "vox-4") == 0, "name 35 is %s", buf);
	/* Cut to the buffer, always terminated. */
	char small[4];
	CHECK_MSG(sim_band_channel_name(5, small, sizeof small) == small, "returns buf");
	CHECK_MSG(strcmp(small, "bas") == 0, "cut name is %s", small);
}

int main(void)
{
	test_period();
	test_round_trip();
	test_channel_offset();
	test_fill_wrap();
	test_square();
	test_band();
	test_names();

	if (check_failures) {
		fprintf(stderr, "test_sim_source: %d check(s) failed\n", check_failures);
		return 1;
	}
	printf("test_sim_source: OK\n");
	return 0;
}
