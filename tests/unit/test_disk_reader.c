/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * disk_reader with its real thread and real files, no JACK: this thread
 * plays the audio thread (locate, wait for ready, read cycles of 1..1024
 * frames). The test files encode their frame number in every sample, so
 * every sample played proves its place on the timeline: it must be the
 * file's sample at (timeline frame - offset), silence outside the file,
 * or — only where the ring ran dry — silence that the underrun counters
 * account for exactly.
 * The TSan suite runs this to check the epoch protocol and the rings.
 */
#include "check.h"
#include "redlight/disk_reader.h"

#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RATE 48000
#define FILE_FRAMES 480000 /* 10 s */
#define MAX_STREAMS 4

static char dir[256];
static char mono_path[512], stereo_path[512], rate44_path[512];
static unsigned seed = 12345;

static unsigned rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

/* Sample code of file frame n: exact in float, never zero, different for
 * every frame of the files used here. */
static float code(int64_t n)
{
	return (float)(n % 8388607 + 1) / 8388608.0f;
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/* Mono: code(n). Stereo: two channels whose average is code(n) exactly
 * (neither channel alone, nor their sum, is). */
static void gen_mono(int64_t n, float *frame) { frame[0] = code(n); }
static void gen_stereo(int64_t n, float *frame)
{
	frame[0] = 2.0f * code(n) - 0.5f;
	frame[1] = 0.5f;
}
static void gen_sine(int64_t n, float *frame)
{
	frame[0] = 0.5f * (float)sin(2.0 * M_PI * 1000.0 * (double)n / 44100.0);
}

static bool write_wav(const char *path, int rate, int channels, int64_t frames,
                      void (*gen)(int64_t, float *))
{
	SF_INFO info = { .samplerate = rate, .channels = channels,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf)
		return false;
	static float buf[4096 * 2];
	bool ok = true;
	for (int64_t at = 0; at < frames && ok; at += 4096) {
		int64_t n = frames - at < 4096 ? frames - at : 4096;
		for (int64_t k = 0; k < n; k++)
			gen(at + k, buf + k * channels);
		ok = sf_writef_float(sf, buf, n) == n;
	}
	return sf_close(sf) == 0 && ok;
}

/* What a stream holds on the timeline. */
struct placed {
	bool has;
	int64_t offset, frames;
};

static float expect(const struct placed *p, int64_t t)
{
	if (!p->has)
		return 0.0f;
	int64_t ff = t - p->offset;
	return ff >= 0 && ff < p->frames ? code(ff) : 0.0f;
}

struct tally {
	uint64_t bad;   /* neither the right sample nor silence */
	uint64_t zeros; /* silence where the file has a (non-zero) sample */
	uint64_t dry_spells; /* reads with such silence after one without */
};

/* Whether the last read of each stream had silence inside its file;
 * a locate starts afresh. */
static bool prev_dry[MAX_STREAMS];

static bool wait_ready(struct disk_reader *r)
{
	for (int i = 0; i < 100000; i++) {
		if (disk_reader_ready(r))
			return true;
		nap_us(100);
	}
	return false;
}

/*
 * Wait (up to 10 s) until stream i has n frames ready. The loop tests play
 * hundreds of times faster than real time to cover many passes; what they
 * check is where the frames come from, not whether the reader keeps up at
 * that speed (a TSan run on a busy host did not), which the underrun tests
 * and the playback benchmark measure.
 */
static void wait_fill(struct disk_reader *r, uint32_t i, size_t n)
{
	for (int k = 0; k < 100000; k++) {
		struct disk_reader_stats s;
		disk_reader_stats(r, i, &s);
		if (s.ring_fill >= n)
			return;
		nap_us(100);
	}
}

/*
 * Play `total` frames in cycles of 1..max_cycle frames, every stream the
 * same count; streams in skip_mask are skipped (not read) every third
 * cycle. nap: microseconds between cycles (0: as fast as possible).
 */
static void play(struct disk_reader *r, const struct placed *pl, uint32_t count,
                 uint64_t total, uint32_t max_cycle, long nap,
                 unsigned skip_mask, struct tally *t)
{
	static float buf[1024];
	int64_t pos = disk_reader_position(r);
	uint64_t done = 0, cycles = 0, pos_wrong = 0;
	while (done < total) {
		uint32_t n = 1 + rnd() % max_cycle;
		if (n > total - done)
			n = (uint32_t)(total - done);
		if (disk_reader_position(r) != pos)
			pos_wrong++;
		for (uint32_t i = 0; i < count; i++) {
			if ((skip_mask >> i & 1u) && cycles % 3 == 1) {
				disk_reader_skip(r, i, n);
				continue;
			}
			for (uint32_t k = 0; k < n; k++)
				buf[k] = -1.0f; /* read must overwrite */
			disk_reader_read(r, i, buf, n);
			uint64_t zeros_before = t[i].zeros;
			for (uint32_t k = 0; k < n; k++) {
				float want = expect(&pl[i], pos + k);
				if (buf[k] == want)
					continue;
				if (buf[k] == 0.0f) {
					t[i].zeros++;
					continue;
				}
				if (t[i].bad++ == 0)
					fprintf(stderr, "stream %u at %lld: got %.9g "
					        "want %.9g\n", i,
					        (long long)(pos + k), buf[k], want);
			}
			bool dry = t[i].zeros > zeros_before;
			t[i].dry_spells += dry && !prev_dry[i];
			prev_dry[i] = dry;
		}
		pos += n;
		done += n;
		cycles++;
		if (nap)
			nap_us(nap);
	}
	CHECK_EQ_U64(pos_wrong, 0);
	CHECK(disk_reader_position(r) == pos);
}

static void stats_of(struct disk_reader *r, uint32_t count,
                     struct disk_reader_stats *s)
{
	for (uint32_t i = 0; i < count; i++)
		disk_reader_stats(r, i, &s[i]);
}

/* Locate, wait for ready, and check the position and the prefill. */
static void locate(struct disk_reader *r, int64_t frame, size_t prefill)
{
	disk_reader_locate(r, frame);
	memset(prev_dry, 0, sizeof prev_dry);
	CHECK(disk_reader_position(r) == frame);
	CHECK(wait_ready(r));
	CHECK(disk_reader_position(r) == frame);
	for (uint32_t i = 0; i < disk_reader_stream_count(r); i++) {
		struct disk_reader_stats s;
		disk_reader_stats(r, i, &s);
		/* A stream without a file plays silence without its ring. */
		CHECK(s.ring_fill >= prefill || (!s.has_file && !s.ring_fill));
	}
}

/* Before any locate: position 0, ready once prefilled, silence. A stream
 * set now plays only from the next locate on. */
static void test_startup(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 2 };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	CHECK_EQ_U64(disk_reader_stream_count(r), 2);
	CHECK(disk_reader_position(r) == 0);
	CHECK(wait_ready(r));
	struct disk_reader_stats s;
	disk_reader_stats(r, 0, &s);
	/* No file: silence, and nothing in the ring to make it. */
	CHECK_EQ_U64(s.ring_fill, 0);
	CHECK(!s.has_file);

	struct placed none[2] = { { 0 }, { 0 } };
	struct tally t[2] = { { 0 } };
	play(r, none, 2, 5000, 1024, 0, 0, t);
	CHECK_EQ_U64(t[0].bad + t[1].bad, 0);
	CHECK(disk_reader_position(r) == 5000);

	CHECK(disk_reader_set_stream(r, 0, mono_path, 0, &err) == RL_OK);
	disk_reader_stats(r, 0, &s);
	CHECK(s.has_file);
	/* Not yet: the file comes in at the next locate. */
	play(r, none, 2, 20000, 1024, 0, 0, t);
	CHECK_EQ_U64(t[0].bad + t[1].bad, 0);

	struct placed pl[2] = { { true, 0, FILE_FRAMES }, { 0 } };
	locate(r, 0, 2 * RATE);
	memset(t, 0, sizeof t);
	play(r, pl, 2, 30000, 1024, 0, 0, t);
	CHECK_EQ_U64(t[0].bad, 0);
	CHECK_EQ_U64(t[0].zeros, 0);
	CHECK_EQ_U64(t[1].bad, 0);
	disk_reader_free(r);
	disk_reader_free(NULL);
}

/* Many locates, positive and negative offsets, before, inside and past
 * the files, negative timeline frames. Each reads less than the prefill,
 * so no underrun is possible and every sample must be exact. Then
 * several seconds at four times real time. */
static void test_locates(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 2 };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	struct placed pl[2] = { { true, 12345, FILE_FRAMES },
	                        { true, -20000, FILE_FRAMES } };
	CHECK(disk_reader_set_stream(r, 0, mono_path, pl[0].offset, &err) == RL_OK);
	CHECK(disk_reader_set_stream(r, 1, mono_path, pl[1].offset, &err) == RL_OK);

	int64_t fixed[] = { 0, -5000, 12345, 12344, 12345 - 700, -20000,
	                    -19999, -100000, FILE_FRAMES - 20000 - 500,
	                    FILE_FRAMES + 12345 - 100, 900000, -10000000,
	                    FILE_FRAMES - 20000 };
	size_t nfixed = sizeof fixed / sizeof fixed[0];
	for (size_t k = 0; k < nfixed + 25; k++) {
		int64_t at = k < nfixed ? fixed[k]
		                        : (int64_t)(rnd() % 900000) - 200000;
		struct disk_reader_stats before[2], after[2];
		stats_of(r, 2, before);
		locate(r, at, 2 * RATE);
		struct tally t[2] = { { 0 } };
		play(r, pl, 2, 20000 + rnd() % 70000, 1024, 0, 0, t);
		stats_of(r, 2, after);
		for (int i = 0; i < 2; i++) {
			CHECK_EQ_U64(t[i].bad, 0);
			CHECK_EQ_U64(t[i].zeros, 0);
			CHECK_EQ_U64(after[i].underrun_frames,
			             before[i].underrun_frames);
		}
	}

	/* 6 s at ~4x real time: the ring (4 s) must be refilled on the
	 * way. Inside both files, so every silent sample is an underrun
	 * and must be counted as one. */
	struct disk_reader_stats before[2], after[2];
	stats_of(r, 2, before);
	locate(r, 13000, 2 * RATE);
	struct tally t[2] = { { 0 } };
	play(r, pl, 2, 6 * RATE, 1024, 2600, 0, t);
	stats_of(r, 2, after);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_U64(t[i].bad, 0);
		CHECK_EQ_U64(t[i].zeros, after[i].underrun_frames -
		                         before[i].underrun_frames);
		if (t[i].zeros)
			fprintf(stderr, "note: stream %d: %llu underrun frames "
			        "at 4x real time\n", i,
			        (unsigned long long)t[i].zeros);
	}
	disk_reader_free(r);
}

/* A locate while the reader is still filling for the previous one: the
 * data after ready must belong to the newest. Prefill = the whole ring
 * of four streams, so the reader is often caught mid-fill. */
static void test_supersede(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 4,
	                                .ring_frames = 4 * RATE,
	                                .prefill_frames = 4 * RATE };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	struct placed pl[4];
	for (uint32_t i = 0; i < 4; i++) {
		pl[i] = (struct placed){ true, (int64_t)i * 1000 - 1500,
		                         FILE_FRAMES };
		CHECK(disk_reader_set_stream(r, i, mono_path, pl[i].offset,
		                             &err) == RL_OK);
	}
	for (int k = 0; k < 30; k++) {
		int64_t a = (int64_t)(rnd() % 400000) - 50000;
		int64_t b = (int64_t)(rnd() % 400000) - 50000;
		disk_reader_locate(r, a);
		nap_us(k % 5 == 0 ? 0 : (long)(rnd() % 4000));
		if (k % 3 == 0) {
			disk_reader_locate(r, a + 777);
			nap_us((long)(rnd() % 500));
		}
		disk_reader_locate(r, b);
		CHECK(wait_ready(r));
		CHECK(disk_reader_position(r) == b);
		struct tally t[4] = { { 0 } };
		play(r, pl, 4, 24000, 1024, 0, 0, t);
		for (int i = 0; i < 4; i++) {
			CHECK_EQ_U64(t[i].bad, 0);
			CHECK_EQ_U64(t[i].zeros, 0);
		}
	}
	disk_reader_free(r);
}

/* A small ring read much faster than real time runs dry: the missing
 * frames are silence, counted, and skipped when they arrive, so what
 * plays afterwards is still on the timeline. */
static void test_underrun(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 1,
	                                .ring_frames = 1024,
	                                .prefill_frames = 512 };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	struct placed pl = { true, 0, FILE_FRAMES };
	CHECK(disk_reader_set_stream(r, 0, mono_path, 0, &err) == RL_OK);
	locate(r, 1000, 512);

	/* One read of 4096 frames from a ring of 1024: at least 3072 of
	 * them cannot be there. */
	static float big[4096];
	disk_reader_read(r, 0, big, 4096);
	uint64_t zeros = 0, bad = 0;
	for (int64_t k = 0; k < 4096; k++) {
		if (big[k] == 0.0f)
			zeros++;
		else if (big[k] != expect(&pl, 1000 + k))
			bad++;
	}
	CHECK(zeros >= 3072);
	CHECK_EQ_U64(bad, 0);
	struct disk_reader_stats s;
	disk_reader_stats(r, 0, &s);
	CHECK_EQ_U64(s.underrun_frames, zeros);
	CHECK_EQ_U64(s.underruns, 1);
	CHECK(disk_reader_position(r) == 1000 + 4096);
	prev_dry[0] = true;

	/* As fast as possible, then slower than real time so the reader
	 * catches up (cycles of up to 64 frames every 2 ms). */
	struct tally t = { 0 };
	play(r, &pl, 1, 150000, 1024, 0, 0, &t);
	struct tally slow = { 0 };
	play(r, &pl, 1, 10000, 64, 2000, 0, &slow);
	struct tally tail = { 0 };
	play(r, &pl, 1, 5000, 64, 2000, 0, &tail);
	disk_reader_stats(r, 0, &s);
	CHECK_EQ_U64(t.bad + slow.bad + tail.bad, 0);
	CHECK_EQ_U64(zeros + t.zeros + slow.zeros + tail.zeros,
	             s.underrun_frames);
	CHECK_EQ_U64(tail.zeros, 0); /* refilled: all of it played, aligned */
	/* An underrun is a dry spell, not every short read in it. */
	CHECK_EQ_U64(s.underruns, 1 + t.dry_spells + slow.dry_spells +
	                          tail.dry_spells);
	fprintf(stderr, "note: underrun test: %llu frames in %llu underruns\n",
	        (unsigned long long)s.underrun_frames,
	        (unsigned long long)s.underruns);

	/* A locate starts clean: nothing owed from before (a big read has
	 * just left at least 3072 frames owed). */
	disk_reader_read(r, 0, big, 4096);
	locate(r, 300000, 512);
	memset(&t, 0, sizeof t);
	play(r, &pl, 1, 512, 64, 0, 0, &t);
	CHECK_EQ_U64(t.bad + t.zeros, 0);
	disk_reader_free(r);
}

/* Three streams, one cleared, one stereo and sometimes skipped instead of
 * read; changes wait for the next locate. */
static void test_multi(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 3 };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	struct placed pl[3] = { { true, 500, FILE_FRAMES },
	                        { true, 0, FILE_FRAMES },
	                        { true, -7000, FILE_FRAMES } };
	CHECK(disk_reader_set_stream(r, 0, mono_path, 500, &err) == RL_OK);
	CHECK(disk_reader_set_stream(r, 1, mono_path, 0, &err) == RL_OK);
	CHECK(disk_reader_set_stream(r, 2, stereo_path, -7000, &err) == RL_OK);
	locate(r, 0, 2 * RATE);
	struct tally t[3] = { { 0 } };
	play(r, pl, 3, 40000, 1024, 0, 1u << 2, t);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(t[i].bad + t[i].zeros, 0);

	disk_reader_clear_stream(r, 1);
	disk_reader_clear_stream(r, 7); /* out of range: ignored */
	struct disk_reader_stats s[3];
	stats_of(r, 3, s);
	CHECK(s[0].has_file && !s[1].has_file && s[2].has_file);
	/* Still playing until the next locate. */
	memset(t, 0, sizeof t);
	play(r, pl, 3, 20000, 1024, 0, 1u << 2, t);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(t[i].bad + t[i].zeros, 0);

	pl[1].has = false;
	int64_t at[] = { 0, -9000, 250000, FILE_FRAMES - 7000 - 3000 };
	for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
		locate(r, at[k], 2 * RATE);
		memset(t, 0, sizeof t);
		play(r, pl, 3, 60000, 1024, 0, 1u << 2, t);
		for (int i = 0; i < 3; i++)
			CHECK_EQ_U64(t[i].bad + t[i].zeros, 0);
	}
	/* Silence really is silence (expect() says 0 for stream 1, and a
	 * wrong non-zero sample would count as bad): once more with the
	 * file set again, to see the change apply at the locate. */
	CHECK(disk_reader_set_stream(r, 1, stereo_path, 100, &err) == RL_OK);
	pl[1] = (struct placed){ true, 100, FILE_FRAMES };
	locate(r, 50, 2 * RATE);
	memset(t, 0, sizeof t);
	play(r, pl, 3, 30000, 1024, 0, 0, t);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(t[i].bad + t[i].zeros, 0);
	disk_reader_free(r);
}

static void test_errors(void)
{
	struct error err;
	struct disk_reader *r = (struct disk_reader *)&err; /* must be reset */
	struct disk_reader_config bad = { .sample_rate = 0, .stream_count = 1 };
	CHECK(disk_reader_new(&bad, &r, &err) == RL_ERR_INVALID);
	CHECK(r == NULL);
	bad = (struct disk_reader_config){ .sample_rate = RATE, .stream_count = 1,
	                                   .ring_frames = 1000,
	                                   .prefill_frames = 2000 };
	CHECK(disk_reader_new(&bad, &r, &err) == RL_ERR_INVALID);
	CHECK(r == NULL);

	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 2,
	                                .ring_frames = 4096 };
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	char missing[600];
	snprintf(missing, sizeof missing, "%s/no-such-file.wav", dir);
	CHECK(disk_reader_set_stream(r, 0, missing, 0, &err) == RL_ERR_NOT_FOUND);
	CHECK(err.status == RL_ERR_NOT_FOUND);
	CHECK(strstr(err.message, missing) != NULL);

	CHECK(disk_reader_set_stream(r, 0, rate44_path, 0, &err) == RL_ERR_FORMAT);
	CHECK(strstr(err.message, rate44_path) != NULL);
	CHECK(strstr(err.message, "44100") != NULL);
	CHECK(strstr(err.message, "48000") != NULL);
	CHECK(strstr(err.message, "import") != NULL);

	CHECK(disk_reader_set_stream(r, 2, mono_path, 0, &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "2") != NULL);

	char junk[600];
	snprintf(junk, sizeof junk, "%s/junk.wav", dir);
	FILE *f = fopen(junk, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("this is not audio\n", f);
		fclose(f);
	}
	CHECK(disk_reader_set_stream(r, 1, junk, 0, &err) == RL_ERR_FORMAT);
	CHECK(strstr(err.message, junk) != NULL);

	/* Nothing was set. */
	struct disk_reader_stats s;
	disk_reader_stats(r, 0, &s);
	CHECK(!s.has_file);
	disk_reader_stats(r, 1, &s);
	CHECK(!s.has_file);
	disk_reader_stats(r, 9, &s); /* out of range: zeros */
	CHECK(!s.has_file && s.ring_fill == 0);
	disk_reader_free(r);
}

static bool same_bytes(const char *path, const char *want, size_t len)
{
	char buf[256];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return n == len && memcmp(buf, want, len) == 0;
}

static void test_import(void)
{
	struct error err;
	char dest[600];

	/* 44100 -> 48000: the length scales, the 1 kHz sine stays 1 kHz
	 * (compared sample by sample with the ideal one at 48000, which
	 * also proves the converter adds no delay). */
	const int64_t n44 = 2 * 44100 + 123;
	snprintf(dest, sizeof dest, "%s/sine48.wav", dir);
	char sine44[600];
	snprintf(sine44, sizeof sine44, "%s/sine44.wav", dir);
	CHECK(write_wav(sine44, 44100, 1, n44, gen_sine));
	CHECK(disk_reader_import(sine44, dest, RATE, &err) == RL_OK);
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(dest, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		CHECK_EQ_U64(info.samplerate, RATE);
		CHECK_EQ_U64(info.channels, 1);
		CHECK_EQ_U64(info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
		double want = (double)n44 * RATE / 44100.0;
		CHECK(fabs((double)info.frames - want) <= 2.0);
		float *d = calloc((size_t)info.frames, sizeof *d);
		CHECK(d && sf_readf_float(sf, d, info.frames) == info.frames);
		double maxerr = 0.0;
		int64_t crossings = 0;
		for (int64_t k = 4800; d && k < info.frames - 4800; k++) {
			double ideal = 0.5 * sin(2.0 * M_PI * 1000.0 * (double)k /
			                         RATE);
			double e = fabs(d[k] - ideal);
			maxerr = e > maxerr ? e : maxerr;
			crossings += d[k - 1] < 0.0f && d[k] >= 0.0f;
		}
		fprintf(stderr, "note: import 44100->48000: max error %.3g, "
		        "%lld rising zero crossings\n", maxerr,
		        (long long)crossings);
		CHECK(maxerr < 1e-3);
		/* (frames - 9600) / 48 ms of 1 kHz */
		double expect_cross = (double)(info.frames - 9600) / RATE * 1000.0;
		CHECK(fabs((double)crossings - expect_cross) <= 1.0);
		free(d);
		sf_close(sf);
	}
	/* The imported file plays on a stream (its rate is right now). */
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 1,
	                                .ring_frames = 4096 };
	struct disk_reader *r = NULL;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	CHECK(r && disk_reader_set_stream(r, 0, dest, 0, &err) == RL_OK);
	disk_reader_free(r);

	/* Never overwrite: the destination stays byte for byte. */
	const char hello[] = "hello, do not touch";
	char keep[600];
	snprintf(keep, sizeof keep, "%s/keep.wav", dir);
	FILE *f = fopen(keep, "wb");
	CHECK(f != NULL);
	if (f) {
		fwrite(hello, 1, sizeof hello, f);
		fclose(f);
	}
	CHECK(disk_reader_import(sine44, keep, RATE, &err) == RL_ERR_EXISTS);
	CHECK(strstr(err.message, keep) != NULL);
	CHECK(same_bytes(keep, hello, sizeof hello));
	CHECK(disk_reader_import(mono_path, keep, RATE, &err) == RL_ERR_EXISTS);
	CHECK(same_bytes(keep, hello, sizeof hello));

	/* Stereo at the same rate: a copy, mixed down exactly. */
	snprintf(dest, sizeof dest, "%s/stereo-mono.wav", dir);
	CHECK(disk_reader_import(stereo_path, dest, RATE, &err) == RL_OK);
	info = (SF_INFO){ 0 };
	sf = sf_open(dest, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		CHECK_EQ_U64(info.channels, 1);
		CHECK_EQ_U64(info.samplerate, RATE);
		CHECK_EQ_U64(info.frames, FILE_FRAMES);
		float *d = calloc(FILE_FRAMES, sizeof *d);
		CHECK(d && sf_readf_float(sf, d, FILE_FRAMES) == FILE_FRAMES);
		uint64_t wrong = 0;
		for (int64_t k = 0; d && k < FILE_FRAMES; k++)
			wrong += d[k] != code(k);
		CHECK_EQ_U64(wrong, 0);
		free(d);
		sf_close(sf);
	}

	/* Stereo resampled: mono out, the right length. */
	char st44[600];
	snprintf(st44, sizeof st44, "%s/stereo44.wav", dir);
	CHECK(write_wav(st44, 44100, 2, 44100, gen_stereo));
	snprintf(dest, sizeof dest, "%s/stereo44-48.wav", dir);
	CHECK(disk_reader_import(st44, dest, RATE, &err) == RL_OK);
	info = (SF_INFO){ 0 };
	sf = sf_open(dest, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		CHECK_EQ_U64(info.channels, 1);
		CHECK(fabs((double)info.frames - RATE) <= 2.0);
		sf_close(sf);
	}

	/* A missing source names itself and creates nothing. */
	char missing[600];
	snprintf(missing, sizeof missing, "%s/nothing.flac", dir);
	snprintf(dest, sizeof dest, "%s/never.wav", dir);
	CHECK(disk_reader_import(missing, dest, RATE, &err) == RL_ERR_NOT_FOUND);
	CHECK(strstr(err.message, missing) != NULL);
	struct stat st;
	CHECK(stat(dest, &st) != 0);
	CHECK(disk_reader_import(mono_path, dest, 0, &err) == RL_ERR_INVALID);
	CHECK(stat(dest, &st) != 0);
}

/* A loop: the rings hold the frames in play order, so reads cut at the
 * loop end continue at the loop start without a gap, pass after pass,
 * including a loop that crosses the file's start and end. A play that
 * starts past the loop end runs straight on. */
static void test_loop(void)
{
	struct disk_reader_config c = { .sample_rate = RATE, .stream_count = 1,
	                                .ring_frames = 8192 };
	struct disk_reader *r = NULL;
	struct error err;
	CHECK(disk_reader_new(&c, &r, &err) == RL_OK);
	if (!r)
		return;
	struct placed pl = { true, 2000, FILE_FRAMES };
	CHECK(disk_reader_set_stream(r, 0, mono_path, pl.offset, &err) == RL_OK);
	int64_t ls = 1000, le = 2000 + 3000; /* starts before the file */
	disk_reader_locate_loop(r, 500, ls, le);
	CHECK(wait_ready(r));
	static float buf[700];
	int64_t t = 500;
	uint64_t bad = 0;
	for (int pass = 0; pass < 40; pass++) {
		while (t < le) {
			uint32_t n = 1 + rnd() % 700;
			if (t + n > le)
				n = (uint32_t)(le - t);
			wait_fill(r, 0, n);
			disk_reader_read(r, 0, buf, n);
			for (uint32_t k = 0; k < n; k++)
				bad += buf[k] != expect(&pl, t + k);
			t += n;
		}
		t = ls;
		CHECK(disk_reader_position(r) == ls);
	}
	CHECK_EQ_U64(bad, 0);
	struct disk_reader_stats st;
	disk_reader_stats(r, 0, &st);
	CHECK_EQ_U64(st.underrun_frames, 0);

	/* Started past the loop end: no wrap. */
	disk_reader_locate_loop(r, le + 100, ls, le);
	CHECK(wait_ready(r));
	t = le + 100;
	bad = 0;
	for (int i = 0; i < 20; i++) {
		wait_fill(r, 0, 500);
		disk_reader_read(r, 0, buf, 500);
		for (uint32_t k = 0; k < 500; k++)
			bad += buf[k] != expect(&pl, t + k);
		t += 500;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(disk_reader_position(r) == t);
	disk_reader_free(r);
}

int main(void)
{
	if (!check_tmpdir(dir, sizeof dir, "disk_reader"))
		return 1;
	snprintf(mono_path, sizeof mono_path, "%s/mono.wav", dir);
	snprintf(stereo_path, sizeof stereo_path, "%s/stereo.wav", dir);
	snprintf(rate44_path, sizeof rate44_path, "%s/rate44.wav", dir);
	CHECK(write_wav(mono_path, RATE, 1, FILE_FRAMES, gen_mono));
	CHECK(write_wav(stereo_path, RATE, 2, FILE_FRAMES, gen_stereo));
	CHECK(write_wav(rate44_path, 44100, 1, 44100, gen_mono));
	if (check_failures)
		return CHECK_DONE();

	test_startup();
	test_locates();
	test_supersede();
	test_underrun();
	test_multi();
	test_loop();
	test_errors();
	test_import();

	if (!check_failures)
		check_rmtree(dir);
	return CHECK_DONE();
}
