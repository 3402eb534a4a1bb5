/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for take_file: exact sample round trips through libsndfile,
 * bext fields, no-overwrite, header refresh, truncation, peak/clip
 * counting, short writes and crash recovery (including the RIFF -> RF64
 * switch, exercised on a sparse file instead of writing 4 GB).
 *
 * Standalone program: prints every failed check as file:line and exits
 * non-zero if any failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* truncate, pread */
#endif

#include "check.h"
#include "redlight/take_file.h"

#include <sndfile.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char test_dir[64];

static void test_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", test_dir, name);
}

static struct take_file_info make_info(const char *path,
                                       enum take_format format,
                                       uint32_t channels)
{
	struct take_file_info info = {
		.path = path,
		.sample_rate = 48000,
		.channels = channels,
		.format = format,
		.time_reference = 0,
		.description = "test take",
		.originator_reference = NULL,
	};
	return info;
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Whole file into a malloc'd buffer; *size gets its length. */
static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*size = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0
	    && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
			*size = (size_t)n;
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static int spit(const char *path, const void *data, size_t size, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, size);
	close(fd);
	return w == (ssize_t)size ? 0 : -1;
}

/* A crash "snapshot": the bytes a file holds at this moment. */
static int copy_file(const char *src, const char *dst)
{
	size_t size;
	unsigned char *buf = slurp(src, &size);
	int r;

	if (!buf)
		return -1;
	r = spit(dst, buf, size, O_EXCL);
	free(buf);
	return r;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16)
	       | ((uint32_t)p[3] << 24);
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static int read_at(const char *path, void *buf, size_t n, off_t off)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = pread(fd, buf, n, off);
	close(fd);
	return r == (ssize_t)n ? 0 : -1;
}

/* Offset of the first audio byte: found by walking the chunks. */
static long long data_offset(const char *path)
{
	unsigned char h[8];
	long long pos = 12;

	for (int i = 0; i < 32; i++) {
		if (read_at(path, h, 8, pos) != 0)
			return -1;
		if (memcmp(h, "data", 4) == 0)
			return pos + 8;
		pos += 8 + (long long)le32(h + 4) + (le32(h + 4) & 1);
	}
	return -1;
}

/* Sample value for frame i, channel c of the test signals below: exact
 * on a 2^-15 grid, so it survives every format. */
static float test_sample(uint64_t i, uint32_t c)
{
	long k = (long)((i * 7919u + c * 104729u) % 65536u) - 32768;
	return (float)k / 32768.0f;
}

static void fill(float *buf, uint64_t first, size_t nframes, uint32_t ch)
{
	for (size_t i = 0; i < nframes; i++)
		for (uint32_t c = 0; c < ch; c++)
			buf[i * ch + c] = test_sample(first + i, c);
}

/* Read the whole file back as float and compare with test_sample(). */
static void check_test_signal(const char *path, uint64_t frames,
                              uint32_t channels, int line)
{
	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	long long bad = 0;

	check_count++;
	if (!sf) {
		fprintf(stderr, "%s:%d: sf_open(%s): %s\n", __FILE__, line,
		        path, sf_strerror(NULL));
		check_failures++;
		return;
	}
	if ((uint64_t)si.frames != frames
	    || (uint32_t)si.channels != channels) {
		fprintf(stderr, "%s:%d: %s: %lld frames x %d channels, "
		        "expected %llu x %u\n", __FILE__, line, path,
		        (long long)si.frames, si.channels,
		        (unsigned long long)frames, channels);
		check_failures++;
		sf_close(sf);
		return;
	}
	float *buf = malloc(sizeof(float) * 4096 * channels);
	uint64_t done = 0;
	while (buf && done < frames) {
		sf_count_t n = sf_readf_float(sf, buf, 4096);
		if (n <= 0)
			break;
		for (sf_count_t i = 0; i < n; i++)
			for (uint32_t c = 0; c < channels; c++)
				if (buf[i * channels + c]
				    != test_sample(done + (uint64_t)i, c))
					bad++;
		done += (uint64_t)n;
	}
	if (done != frames || bad) {
		fprintf(stderr, "%s:%d: %s: read %llu of %llu frames, %lld "
		        "wrong samples\n", __FILE__, line, path,
		        (unsigned long long)done, (unsigned long long)frames,
		        bad);
		check_failures++;
	}
	free(buf);
	sf_close(sf);
}

/* Write frames [first, first + n) of the test signal. */
static enum rl_status write_signal(struct take_file *tf, uint64_t first,
                                   size_t n, uint32_t ch, struct error *err)
{
	float *buf = malloc(sizeof(float) * n * ch);
	enum rl_status st;

	if (!buf)
		return RL_ERR_NOMEM;
	fill(buf, first, n, ch);
	st = take_file_write(tf, buf, n, err);
	free(buf);
	return st;
}

/* ---------------------------------------------------------------------- */

static void test_format_helpers(void)
{
	struct error err = {0};
	enum take_format f = TAKE_FORMAT_FLOAT;

	CHECK(strcmp(take_format_name(TAKE_FORMAT_PCM24), "pcm24") == 0);
	CHECK(strcmp(take_format_name(TAKE_FORMAT_FLOAT), "float") == 0);
	CHECK(strcmp(take_format_name(TAKE_FORMAT_PCM16), "pcm16") == 0);
	CHECK_EQ(take_format_bytes(TAKE_FORMAT_PCM24), 3);
	CHECK_EQ(take_format_bytes(TAKE_FORMAT_FLOAT), 4);
	CHECK_EQ(take_format_bytes(TAKE_FORMAT_PCM16), 2);

	CHECK_EQ(take_format_parse("pcm24", &f, &err), RL_OK);
	CHECK_EQ(f, TAKE_FORMAT_PCM24);
	CHECK_EQ(take_format_parse("float", &f, &err), RL_OK);
	CHECK_EQ(f, TAKE_FORMAT_FLOAT);
	CHECK_EQ(take_format_parse("pcm16", &f, &err), RL_OK);
	CHECK_EQ(f, TAKE_FORMAT_PCM16);
	CHECK_EQ(take_format_parse("mp3", &f, &err), RL_ERR_INVALID);
	CHECK_EQ(err.status, RL_ERR_INVALID);
	CHECK(strstr(err.message, "mp3") != NULL);
	CHECK_EQ(f, TAKE_FORMAT_PCM16);
	CHECK_EQ(take_format_parse(NULL, &f, NULL), RL_ERR_INVALID);
}

/*
 * Every PCM code k, written as the float k / 2^(bits-1), must come back as
 * exactly k (read as int: k << (32 - bits)).  This only holds because
 * take_file turns on libsndfile's clipping, which switches its scale
 * factor from 0x7FFFFF to 2^31.
 */
static void check_exact_pcm(enum take_format format, int bits)
{
	struct error err = {0};
	char path[128];
	const long codes = 1L << bits;
	const float scale = (float)(1L << (bits - 1));
	const long long mult = 1LL << (32 - bits);
	enum { CHUNK = 65536 };
	float *fbuf = malloc(sizeof(float) * CHUNK);
	int *ibuf = malloc(sizeof(int) * CHUNK);
	struct take_file *tf = NULL;
	long long bad = 0;

	snprintf(path, sizeof path, "%s/exact-%s.wav", test_dir,
	         take_format_name(format));
	struct take_file_info info = make_info(path, format, 1);
	REQUIRE(fbuf && ibuf);
	if (take_file_create(&info, &tf, &err) != RL_OK) {
		fprintf(stderr, "%s:%d: create: %s\n", __FILE__, __LINE__,
		        err.message);
		check_failures++;
		goto out;
	}
	for (long base = 0; base < codes; base += CHUNK) {
		long n = codes - base < CHUNK ? codes - base : CHUNK;
		for (long i = 0; i < n; i++)
			fbuf[i] = (float)(base + i - codes / 2) / scale;
		CHECK_EQ(take_file_write(tf, fbuf, (size_t)n, &err), RL_OK);
	}
	CHECK_EQ(take_file_frames(tf), codes);
	CHECK_EQ(take_file_close(tf, &err), RL_OK);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	CHECK(sf != NULL);
	if (!sf)
		goto out;
	CHECK_EQ(si.frames, codes);
	/* RF64 with auto-downgrade reads back as a WAVE_FORMAT_EXTENSIBLE
	 * RIFF file. */
	const int codec = bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16;
	CHECK_EQ(si.format, SF_FORMAT_WAVEX | codec);
	for (long base = 0; base < codes; base += CHUNK) {
		sf_count_t n = sf_readf_int(sf, ibuf, CHUNK);
		if (n <= 0)
			break;
		for (sf_count_t i = 0; i < n; i++) {
			long long k = base + i - codes / 2;
			if ((long long)ibuf[i] != k * mult) {
				if (bad < 3)
					fprintf(stderr, "%s:%d: %s: code %lld "
					        "read back as %lld\n", __FILE__,
					        __LINE__, path, k,
					        (long long)ibuf[i] / mult);
				bad++;
			}
		}
	}
	CHECK_EQ(bad, 0);
	sf_close(sf);
out:
	free(fbuf);
	free(ibuf);
}

static void test_exact_pcm24(void)
{
	check_exact_pcm(TAKE_FORMAT_PCM24, 24);
}

static void test_exact_pcm16(void)
{
	check_exact_pcm(TAKE_FORMAT_PCM16, 16);
}

static void test_float_roundtrip(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	const float in[] = {
		0.0f, 0.5f, -0.25f, 1e-7f, -3.14159f, 1.5f, -2.0f, 0.123456789f,
		1.0f, -1.0f, 1e30f, -1e-30f,
	};
	const size_t n = sizeof in / sizeof in[0];
	float back[sizeof in / sizeof in[0]];

	test_path(path, sizeof path, "float.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_FLOAT, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(take_file_write(tf, in, n, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(si.format, SF_FORMAT_WAVEX | SF_FORMAT_FLOAT);
	CHECK_EQ(si.frames, n);
	CHECK_EQ(sf_readf_float(sf, back, (sf_count_t)n), n);
	CHECK(memcmp(in, back, sizeof in) == 0);
	sf_close(sf);
}

static void test_stereo_and_silence(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	const float head[] = { 0.5f, -0.5f, 0.25f, -0.25f, 0.125f, -0.125f };
	const float tail[] = { 0.75f, -0.75f, 0.0625f, -0.0625f };
	const size_t silence = 5000; /* > one 2048-frame stereo chunk */

	test_path(path, sizeof path, "stereo.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 2);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(take_file_write(tf, head, 3, &err), &err);
	REQUIRE_OK(take_file_write_silence(tf, silence, &err), &err);
	REQUIRE_OK(take_file_write_silence(tf, 0, &err), &err);
	REQUIRE_OK(take_file_write(tf, tail, 2, &err), &err);
	CHECK_EQ(take_file_frames(tf), 3 + silence + 2);
	CHECK(take_file_peak(tf) == 0.75f);
	CHECK_EQ(take_file_clips(tf), 0);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(si.channels, 2);
	CHECK_EQ(si.frames, 3 + silence + 2);
	float *buf = calloc(2 * (3 + silence + 2), sizeof(float));
	REQUIRE(buf != NULL);
	CHECK_EQ(sf_readf_float(sf, buf, si.frames), si.frames);
	CHECK(memcmp(buf, head, sizeof head) == 0);
	size_t nonzero = 0;
	for (size_t i = 6; i < 6 + 2 * silence; i++)
		nonzero += buf[i] != 0.0f;
	CHECK_EQ(nonzero, 0);
	CHECK(memcmp(buf + 6 + 2 * silence, tail, sizeof tail) == 0);
	free(buf);
	sf_close(sf);
}

static void test_bext(void)
{
	struct error err = {0};
	char path[128];
	char desc[300];
	struct take_file *tf = NULL;
	SF_BROADCAST_INFO b;
	const uint64_t tref = (5ULL << 32) + 123456789ULL;

	/* 255 ASCII bytes, then a 2-byte character straddling byte 256:
	 * the cut must not split it. */
	memset(desc, 'a', 255);
	memcpy(desc + 255, "\xC3\xA9zzz", 6);

	test_path(path, sizeof path, "bext.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	info.time_reference = tref;
	info.description = desc;
	info.originator_reference = "session-42/take-7";
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 100, 1, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	memset(&b, 0, sizeof b);
	CHECK_EQ(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b),
	         SF_TRUE);
	sf_close(sf);

	CHECK(strncmp(b.originator, "redlight", sizeof b.originator) == 0);
	CHECK(strncmp(b.originator_reference, "session-42/take-7",
	              sizeof b.originator_reference) == 0);
	CHECK(memcmp(b.description, desc, 255) == 0);
	CHECK_EQ(b.description[255], 0);
	CHECK_EQ(b.time_reference_low, (uint32_t)tref);
	CHECK_EQ(b.time_reference_high, 5);
	CHECK(b.version >= 1);
	/* "YYYY-MM-DD" and "HH:MM:SS" */
	int shape = 1;
	for (int i = 0; i < 10; i++)
		shape &= (i == 4 || i == 7) ? b.origination_date[i] == '-'
		         : (b.origination_date[i] >= '0'
		            && b.origination_date[i] <= '9');
	for (int i = 0; i < 8; i++)
		shape &= (i == 2 || i == 5) ? b.origination_time[i] == ':'
		         : (b.origination_time[i] >= '0'
		            && b.origination_time[i] <= '9');
	CHECK(shape);
	CHECK(strstr(b.coding_history, "A=PCM,F=48000,W=24,M=mono,T=redlight")
	      != NULL);
	check_test_signal(path, 100, 1, __LINE__);

	/* Short description, no originator reference, float, stereo. */
	test_path(path, sizeof path, "bext2.wav");
	info = make_info(path, TAKE_FORMAT_FLOAT, 2);
	info.description = "Verse 2, take 3";
	info.time_reference = 96000;
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(si.frames, 0);
	memset(&b, 0, sizeof b);
	CHECK_EQ(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b),
	         SF_TRUE);
	sf_close(sf);
	CHECK(strcmp(b.description, "Verse 2, take 3") == 0);
	CHECK_EQ(b.originator_reference[0], 0);
	CHECK_EQ(b.time_reference_low, 96000);
	CHECK_EQ(b.time_reference_high, 0);
	CHECK(strstr(b.coding_history, "W=32,M=stereo,T=redlight") != NULL);
}

/* The disk writer creates files early and learns the start frame later. */
static void test_set_time_reference(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	SF_BROADCAST_INFO b;
	const uint64_t tref = (3ULL << 32) + 4242;

	test_path(path, sizeof path, "tref.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	info.time_reference = 1;
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(take_file_set_time_reference(tf, 99, &err), &err);
	REQUIRE_OK(take_file_set_time_reference(tf, tref, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 300, 1, &err), &err);
	CHECK_EQ(take_file_set_time_reference(tf, 5, &err), RL_ERR_STATE);
	CHECK(strstr(err.message, path) != NULL);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	check_test_signal(path, 300, 1, __LINE__);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	memset(&b, 0, sizeof b);
	CHECK_EQ(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b),
	         SF_TRUE);
	sf_close(sf);
	CHECK_EQ(b.time_reference_low, 4242);
	CHECK_EQ(b.time_reference_high, 3);
	CHECK(strcmp(b.description, "test take") == 0);
	CHECK(strncmp(b.originator, "redlight", sizeof b.originator) == 0);
	/* Re-sending the bext must not pile up coding history lines. */
	const char *first = strstr(b.coding_history, "T=redlight");
	CHECK(first != NULL && strstr(first + 1, "T=redlight") == NULL);
}

static void test_no_overwrite(void)
{
	struct error err = {0};
	char path[128];
	static char dummy;
	void *sentinel = &dummy;
	struct take_file *tf = sentinel; /* create must reset it to NULL */
	static const char precious[] = "precious bytes, not a take";
	size_t size;

	test_path(path, sizeof path, "existing.wav");
	REQUIRE(spit(path, precious, sizeof precious, O_EXCL) == 0);
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	CHECK_EQ(take_file_create(&info, &tf, &err), RL_ERR_EXISTS);
	CHECK(tf == NULL);
	CHECK_EQ(err.status, RL_ERR_EXISTS);
	CHECK(strstr(err.message, path) != NULL);
	unsigned char *now = slurp(path, &size);
	REQUIRE(now != NULL);
	CHECK_EQ(size, sizeof precious);
	CHECK(memcmp(now, precious, sizeof precious) == 0);
	free(now);

	/* A second create of a take that is still being written. */
	test_path(path, sizeof path, "twice.wav");
	info = make_info(path, TAKE_FORMAT_PCM16, 1);
	struct take_file *first = NULL, *second = NULL;
	REQUIRE_OK(take_file_create(&info, &first, &err), &err);
	REQUIRE_OK(write_signal(first, 0, 10, 1, &err), &err);
	CHECK_EQ(take_file_create(&info, &second, &err), RL_ERR_EXISTS);
	CHECK(second == NULL);
	REQUIRE_OK(take_file_close(first, &err), &err);
	check_test_signal(path, 10, 1, __LINE__);

	/* Invalid arguments, and close(NULL). */
	info = make_info(path, TAKE_FORMAT_PCM16, 0);
	CHECK_EQ(take_file_create(&info, &second, &err), RL_ERR_INVALID);
	info = make_info(path, (enum take_format)42, 1);
	CHECK_EQ(take_file_create(&info, &second, &err), RL_ERR_INVALID);
	CHECK_EQ(take_file_close(NULL, &err), RL_OK);
}

static void test_refresh_header(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;

	test_path(path, sizeof path, "refresh.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	CHECK(strcmp(take_file_path(tf), path) == 0);
	REQUIRE_OK(write_signal(tf, 0, 1000, 1, &err), &err);
	REQUIRE_OK(take_file_refresh_header(tf, &err), &err);
	/* A separate reader while the writer still has the file open. */
	check_test_signal(path, 1000, 1, __LINE__);
	REQUIRE_OK(write_signal(tf, 1000, 500, 1, &err), &err);
	REQUIRE_OK(take_file_refresh_header(tf, &err), &err);
	check_test_signal(path, 1500, 1, __LINE__);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	check_test_signal(path, 1500, 1, __LINE__);
}

static void test_truncate(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;

	test_path(path, sizeof path, "truncate.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 1000, 1, &err), &err);
	CHECK_EQ(take_file_truncate(tf, 1001, &err), RL_ERR_INVALID);
	CHECK(strstr(err.message, path) != NULL);
	CHECK_EQ(take_file_frames(tf), 1000);
	REQUIRE_OK(take_file_truncate(tf, 600, &err), &err);
	CHECK_EQ(take_file_frames(tf), 600);
	/* The header on disk follows at once, the file really is shorter. */
	check_test_signal(path, 600, 1, __LINE__);
	CHECK_EQ(file_size(path), data_offset(path) + 600 * 3);
	/* Writing continues right after the cut. */
	REQUIRE_OK(write_signal(tf, 600, 10, 1, &err), &err);
	CHECK_EQ(take_file_frames(tf), 610);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	check_test_signal(path, 610, 1, __LINE__);

	/* Stereo, down to zero frames. */
	test_path(path, sizeof path, "truncate0.wav");
	info = make_info(path, TAKE_FORMAT_PCM16, 2);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 77, 2, &err), &err);
	REQUIRE_OK(take_file_truncate(tf, 0, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 5, 2, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	check_test_signal(path, 5, 2, __LINE__);
}

struct clip_case {
	float x;
	int clip;
	long long code; /* expected sf_readf_int value (PCM only) */
};

static void check_clips(enum take_format format, const struct clip_case *c,
                        size_t n, float peak, const char *name)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	float in[64];
	int back[64];
	long long clips = 0;

	REQUIRE(n <= 64);
	for (size_t i = 0; i < n; i++) {
		in[i] = c[i].x;
		clips += c[i].clip;
	}
	test_path(path, sizeof path, name);
	struct take_file_info info = make_info(path, format, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	CHECK(take_file_peak(tf) == 0.0f);
	CHECK(isinf(take_file_peak_dbfs(take_file_peak(tf))));
	REQUIRE_OK(take_file_write(tf, in, n, &err), &err);
	CHECK(take_file_peak(tf) == peak);
	CHECK_EQ(take_file_clips(tf), clips);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	if (format == TAKE_FORMAT_FLOAT)
		return;
	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(sf_readf_int(sf, back, (sf_count_t)n), n);
	sf_close(sf);
	for (size_t i = 0; i < n; i++) {
		if ((long long)back[i] != c[i].code) {
			fprintf(stderr,
			        "%s:%d: %s: %.9g -> %d, expected %lld\n",
			        __FILE__, __LINE__, name, (double)c[i].x,
			        back[i], c[i].code);
			check_failures++;
		}
	}
}

/*
 * Round to nearest (half to even), NaN to 0, infinities clamped, in every
 * lane of the vector conversion and in its scalar tail: 43 samples, each
 * value in several places. NaN is no peak and no clip; an infinity is both.
 */
static void test_pcm24_rounding(void)
{
	const float q = 1.0f / 8388608.0f; /* one code */
	const long long max24 = 0x7FFFFFLL * 256, min24 = -0x800000LL * 256;
	const struct clip_case v[] = {
		{ NAN, 0, 0 }, { -NAN, 0, 0 }, { INFINITY, 1, max24 },
		{ -INFINITY, 1, min24 }, { 0.5f * q, 0, 0 },
		{ 1.5f * q, 0, 2 * 256 }, { 2.5f * q, 0, 2 * 256 },
		{ -1.5f * q, 0, -2 * 256 }, { -0.5f * q, 0, 0 },
		{ 0.75f * q, 0, 256 }, { 1.0f, 1, max24 }, { -1.0f, 1, min24 },
		{ 1e-40f, 0, 0 },
	};
	const size_t nv = sizeof v / sizeof v[0];
	struct clip_case cases[43];
	for (size_t i = 0; i < 43; i++)
		cases[i] = v[(i * 5) % nv];
	check_clips(TAKE_FORMAT_PCM24, cases, 43, INFINITY, "round24.wav");
}

static void test_peak_and_clips(void)
{
	const long long max24 = 0x7FFFFFLL * 256, min24 = -0x800000LL * 256;
	const struct clip_case pcm24[] = {
		{ 0.25f, 0, 0x200000LL * 256 },
		{ -0.5f, 0, -0x400000LL * 256 },
		{ 8388606.0f / 8388608.0f, 0, 8388606LL * 256 },
		{ 8388607.0f / 8388608.0f, 1, max24 },
		{ -8388607.0f / 8388608.0f, 1, -8388607LL * 256 },
		{ -1.0f, 1, min24 },
		{ 1.0f, 1, max24 },     /* clipped, not wrapped */
		{ 1.5f, 1, max24 },
		{ -2.0f, 1, min24 },
	};
	const long long max16 = 0x7FFFLL * 65536, min16 = -0x8000LL * 65536;
	const struct clip_case pcm16[] = {
		{ 0.5f, 0, 0x4000LL * 65536 },
		{ 32766.0f / 32768.0f, 0, 32766LL * 65536 },
		{ 32767.0f / 32768.0f, 1, max16 },
		{ -32767.0f / 32768.0f, 1, -32767LL * 65536 },
		{ -1.0f, 1, min16 },
		{ 1.25f, 1, max16 },
		{ -1.75f, 1, min16 },
	};
	const struct clip_case flt[] = {
		{ 0.5f, 0, 0 },
		{ 0.99999994f, 0, 0 }, /* largest float below 1 */
		{ 1.0f, 1, 0 },
		{ -1.0f, 1, 0 },
		{ 1.5f, 1, 0 },
		{ -0.25f, 0, 0 },
	};

	check_clips(TAKE_FORMAT_PCM24, pcm24, sizeof pcm24 / sizeof pcm24[0],
	            2.0f, "clip24.wav");
	check_clips(TAKE_FORMAT_PCM16, pcm16, sizeof pcm16 / sizeof pcm16[0],
	            1.75f, "clip16.wav");
	check_clips(TAKE_FORMAT_FLOAT, flt, sizeof flt / sizeof flt[0],
	            1.5f, "clipf.wav");

	CHECK(take_file_peak_dbfs(1.0f) == 0.0);
	CHECK(fabs(take_file_peak_dbfs(0.5f) - (-6.0206)) < 1e-3);
	CHECK(fabs(take_file_peak_dbfs(2.0f) - 6.0206) < 1e-3);
	CHECK(isinf(take_file_peak_dbfs(0.0f))
	      && take_file_peak_dbfs(0.0f) < 0);
}

/*
 * A short write, provoked with RLIMIT_FSIZE (EFBIG) since a full disk is
 * not at hand: the error names the path, only whole frames are counted,
 * the file is cut back to them, and writing works again afterwards.
 */
static void test_short_write(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	struct rlimit old, lim;

	test_path(path, sizeof path, "short.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 100, 1, &err), &err);
	REQUIRE_OK(take_file_refresh_header(tf, &err), &err);
	long long size = file_size(path);
	REQUIRE(size > 300);

	REQUIRE(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 50 * 3 + 2; /* 50 frames and a bit */
	REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	enum rl_status st = write_signal(tf, 100, 1000, 1, &err);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);

	CHECK_EQ(st, RL_ERR_IO);
	CHECK_EQ(err.status, RL_ERR_IO);
	CHECK(strstr(err.message, path) != NULL);
	CHECK(strstr(err.message, strerror(EFBIG)) != NULL);
	CHECK_EQ(take_file_frames(tf), 150);
	/* No partial frame left behind. */
	CHECK_EQ(file_size(path), data_offset(path) + 150 * 3);
	REQUIRE_OK(write_signal(tf, 150, 10, 1, &err), &err);
	CHECK_EQ(take_file_frames(tf), 160);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	check_test_signal(path, 160, 1, __LINE__);
}

/*
 * Crash simulation: snapshot the file while it is being written (header
 * refreshed at `refreshed` frames, `total` frames on disk), add a partial
 * frame, and recover the snapshot.
 */
static void check_recover_crash(enum take_format format, uint32_t ch,
                                bool refresh, const char *name)
{
	struct error err = {0};
	char path[128], crash[160];
	struct take_file *tf = NULL;
	struct take_file_recovery rec;
	const uint64_t refreshed = refresh ? 4000 : 0, total = 4000 + 1234;
	const size_t frame_bytes = take_format_bytes(format) * ch;

	test_path(path, sizeof path, name);
	snprintf(crash, sizeof crash, "%s.crash.wav", path);
	struct take_file_info info = make_info(path, format, ch);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 4000, ch, &err), &err);
	if (refresh)
		REQUIRE_OK(take_file_refresh_header(tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 4000, 1234, ch, &err), &err);
	REQUIRE(copy_file(path, crash) == 0);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	/* The crash cut the last frame short. */
	static const unsigned char partial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int fd = open(crash, O_WRONLY | O_APPEND);
	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, partial, frame_bytes - 1), frame_bytes - 1);
	close(fd);

	REQUIRE_OK(take_file_recover(crash, &rec, &err), &err);
	CHECK_EQ(rec.frames_in_header, refreshed);
	CHECK_EQ(rec.frames_on_disk, total);
	CHECK(rec.repaired);
	CHECK_EQ(file_size(crash), data_offset(crash) + total * frame_bytes);
	check_test_signal(crash, total, ch, __LINE__);

	/* bext survived untouched. */
	SF_INFO si = {0};
	SF_BROADCAST_INFO b;
	SNDFILE *sf = sf_open(crash, SFM_READ, &si);
	REQUIRE(sf != NULL);
	memset(&b, 0, sizeof b);
	CHECK_EQ(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b),
	         SF_TRUE);
	CHECK(strcmp(b.description, "test take") == 0);
	sf_close(sf);

	/* Second run: nothing to do, nothing touched. */
	size_t before_size, after_size;
	unsigned char *before = slurp(crash, &before_size);
	REQUIRE_OK(take_file_recover(crash, &rec, &err), &err);
	CHECK_EQ(rec.frames_in_header, total);
	CHECK_EQ(rec.frames_on_disk, total);
	CHECK(!rec.repaired);
	unsigned char *after = slurp(crash, &after_size);
	CHECK(before && after && before_size == after_size
	      && memcmp(before, after, before_size) == 0);
	free(before);
	free(after);

	/* The cleanly closed original needs nothing either. */
	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK_EQ(rec.frames_in_header, total);
	CHECK_EQ(rec.frames_on_disk, total);
	CHECK(!rec.repaired);
}

static void test_recover_crash(void)
{
	check_recover_crash(TAKE_FORMAT_PCM24, 1, true, "crash24.wav");
	check_recover_crash(TAKE_FORMAT_PCM16, 2, true, "crash16.wav");
	check_recover_crash(TAKE_FORMAT_FLOAT, 1, true, "crashf.wav");
	/* Crash before the first refresh: the header still says 0 frames. */
	check_recover_crash(TAKE_FORMAT_PCM24, 2, false, "crash-norefresh.wav");
}

/* Header claims more than the file holds (cut by someone else). */
static void test_recover_shorter(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	struct take_file_recovery rec;

	test_path(path, sizeof path, "shorter.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 1000, 1, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);
	REQUIRE(truncate(path, data_offset(path) + 700 * 3 + 1) == 0);

	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK_EQ(rec.frames_in_header, 1000);
	CHECK_EQ(rec.frames_on_disk, 700);
	CHECK(rec.repaired);
	check_test_signal(path, 700, 1, __LINE__);
}

static void test_recover_errors(void)
{
	struct error err = {0};
	char path[128];
	struct take_file_recovery rec = { 1, 2, true };

	test_path(path, sizeof path, "notes.txt");
	static const char text[] = "these are not the samples you are "
	                           "looking for\n";
	REQUIRE(spit(path, text, sizeof text - 1, O_EXCL) == 0);
	CHECK_EQ(take_file_recover(path, &rec, &err), RL_ERR_FORMAT);
	CHECK(strstr(err.message, path) != NULL);
	CHECK(strstr(err.message, "not a WAV/RF64 file") != NULL);
	CHECK(!rec.repaired);
	CHECK_EQ(file_size(path), sizeof text - 1);

	test_path(path, sizeof path, "empty.wav");
	REQUIRE(spit(path, "", 0, O_EXCL) == 0);
	CHECK_EQ(take_file_recover(path, &rec, &err), RL_ERR_FORMAT);
	CHECK(strstr(err.message, path) != NULL);

	test_path(path, sizeof path, "missing.wav");
	CHECK_EQ(take_file_recover(path, &rec, &err), RL_ERR_NOT_FOUND);
	CHECK(strstr(err.message, path) != NULL);

	/* RIFF/WAVE with a fmt chunk but no data chunk. */
	static const unsigned char nodata[] = {
		'R', 'I', 'F', 'F', 28, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0,
		1, 0, 1, 0, 0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0,
	};
	test_path(path, sizeof path, "nodata.wav");
	REQUIRE(spit(path, nodata, sizeof nodata, O_EXCL) == 0);
	CHECK_EQ(take_file_recover(path, &rec, &err), RL_ERR_FORMAT);
	CHECK(strstr(err.message, path) != NULL);
	CHECK(strstr(err.message, "no data chunk") != NULL);
	CHECK_EQ(file_size(path), sizeof nodata);

	/* An intact foreign WAV with a chunk after 'data' is left alone. */
	static const unsigned char list[] = {
		'R', 'I', 'F', 'F', 56, 0, 0, 0, 'W', 'A', 'V', 'E',
		'f', 'm', 't', ' ', 16, 0, 0, 0,
		1, 0, 1, 0, 0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0,
		'd', 'a', 't', 'a', 4, 0, 0, 0, 1, 0, 2, 0,
		'L', 'I', 'S', 'T', 4, 0, 0, 0, 'I', 'N', 'F', 'O',
	};
	test_path(path, sizeof path, "list.wav");
	REQUIRE(spit(path, list, sizeof list, O_EXCL) == 0);
	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK(!rec.repaired);
	CHECK_EQ(rec.frames_in_header, 2);
	CHECK_EQ(rec.frames_on_disk, 2);
	CHECK_EQ(file_size(path), sizeof list);
}

/* One damaged header: refused with `why`, the file left as it was. */
static void check_damaged(const char *name, const unsigned char *bytes,
                          size_t size, const char *why)
{
	struct error err = {0};
	struct take_file_recovery rec;
	char path[128];
	test_path(path, sizeof path, name);
	REQUIRE(spit(path, bytes, size, O_EXCL) == 0);
	CHECK_EQ(take_file_recover(path, &rec, &err), RL_ERR_FORMAT);
	CHECK(strstr(err.message, path) != NULL);
	CHECK_MSG(strstr(err.message, why) != NULL, "%s", err.message);
	CHECK(!rec.repaired);
	CHECK_EQ(file_size(path), size);
}

/* Headers a crash cannot make (fmt is written once, first; chunks have
 * names): repairing their sizes could cut real audio, so they are
 * refused, each found by tests/fuzz/fuzz_take_recover.c. The data size
 * of each is stale (0), as after a crash. */
static void test_recover_damaged(void)
{
#define HDR(fmt_tag, bits, align) \
	'R', 'I', 'F', 'F', 36, 0, 0, 0, 'W', 'A', 'V', 'E', \
	'f', 'm', 't', ' ', 16, 0, 0, 0, \
	fmt_tag, 0, 1, 0, 0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, align, 0, bits, 0
#define DATA 'd', 'a', 't', 'a', 0, 0, 0, 0, 1, 2, 3, 4, 5, 6
	static const unsigned char bits_vs_align[] = { HDR(1, 25, 3), DATA };
	check_damaged("bits.wav", bits_vs_align, sizeof bits_vs_align,
	              "1 channels of 25 bits are not frames of 3 bytes");
	static const unsigned char alaw[] = { HDR(6, 8, 1), DATA };
	check_damaged("alaw.wav", alaw, sizeof alaw,
	              "not PCM or float audio (fmt format 0x0006)");
	static const unsigned char two_facts[] = {
		HDR(1, 16, 2),
		'f', 'a', 'c', 't', 4, 0, 0, 0, 0, 0, 0, 0,
		'f', 'a', 'c', 't', 4, 0, 0, 0, 0, 0, 0, 0, DATA,
	};
	check_damaged("facts.wav", two_facts, sizeof two_facts,
	              "a second 'fact' chunk at byte 48");
	static const unsigned char unnamed[] = {
		HDR(1, 16, 2), 0, 0, 0, 0, 0, 0, 0, 0, DATA,
	};
	check_damaged("unnamed.wav", unnamed, sizeof unnamed,
	              "the chunk at byte 36 has no name");
	static const unsigned char table[] = {
		'R', 'F', '6', '4', 0xff, 0xff, 0xff, 0xff,
		'W', 'A', 'V', 'E',
		'd', 's', '6', '4', 28, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 123, 0, 0, 0,
		'f', 'm', 't', ' ', 16, 0, 0, 0,
		1, 0, 1, 0, 0x80, 0xBB, 0, 0, 0, 0x77, 1, 0, 2, 0, 16, 0,
		'd', 'a', 't', 'a', 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4,
	};
	check_damaged("table.wav", table, sizeof table,
	              "ds64 chunk is damaged: a table of 123 entries");
#undef HDR
#undef DATA
}

/*
 * RIFF -> RF64 without writing 4 GB: extend a real take file sparsely past
 * 4 GiB (as if the writer crashed there before libsndfile switched the
 * header) and let recover convert it.
 */
static void test_recover_rf64(void)
{
	struct error err = {0};
	char path[128];
	struct take_file *tf = NULL;
	struct take_file_recovery rec;
	unsigned char h[64];

	test_path(path, sizeof path, "huge.wav");
	struct take_file_info info = make_info(path, TAKE_FORMAT_PCM24, 1);
	info.time_reference = (1ULL << 33) + 7;
	REQUIRE_OK(take_file_create(&info, &tf, &err), &err);
	REQUIRE_OK(write_signal(tf, 0, 1000, 1, &err), &err);
	REQUIRE_OK(take_file_close(tf, &err), &err);

	const long long doff = data_offset(path);
	REQUIRE(doff > 0);
	const long long size = (1LL << 32) + 1001; /* partial frame at end */
	const long long frames = (size - doff) / 3;
	REQUIRE(truncate(path, size) == 0);

	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK_EQ(rec.frames_in_header, 1000);
	CHECK_EQ(rec.frames_on_disk, frames);
	CHECK(rec.repaired);
	CHECK_EQ(file_size(path), doff + frames * 3);
	CHECK_EQ(data_offset(path), doff);

	REQUIRE(read_at(path, h, 48, 0) == 0);
	CHECK(memcmp(h, "RF64", 4) == 0);
	CHECK_EQ(le32(h + 4), 0xFFFFFFFFu);
	CHECK(memcmp(h + 8, "WAVE", 4) == 0);
	CHECK(memcmp(h + 12, "ds64", 4) == 0);
	CHECK_EQ(le32(h + 16), 28);
	CHECK_EQ(le64(h + 20), doff + frames * 3 - 8);
	CHECK_EQ(le64(h + 28), frames * 3);
	CHECK_EQ(le64(h + 36), frames);
	REQUIRE(read_at(path, h, 8, doff - 8) == 0);
	CHECK(memcmp(h, "data", 4) == 0);
	CHECK_EQ(le32(h + 4), 0xFFFFFFFFu);

	SF_INFO si = {0};
	SNDFILE *sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(si.format, SF_FORMAT_RF64 | SF_FORMAT_PCM_24);
	CHECK_EQ(si.frames, frames);
	float head[1000], tail[4] = { 1, 1, 1, 1 };
	CHECK_EQ(sf_readf_float(sf, head, 1000), 1000);
	long bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += head[i] != test_sample((uint64_t)i, 0);
	CHECK_EQ(bad, 0);
	CHECK_EQ(sf_seek(sf, frames - 4, SEEK_SET), frames - 4);
	CHECK_EQ(sf_readf_float(sf, tail, 4), 4);
	CHECK(tail[0] == 0 && tail[1] == 0 && tail[2] == 0 && tail[3] == 0);
	SF_BROADCAST_INFO b;
	memset(&b, 0, sizeof b);
	CHECK_EQ(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b),
	         SF_TRUE);
	CHECK(strcmp(b.description, "test take") == 0);
	CHECK_EQ(b.time_reference_high, 2);
	CHECK_EQ(b.time_reference_low, 7);
	sf_close(sf);

	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK(!rec.repaired);
	CHECK_EQ(rec.frames_in_header, frames);

	/* An RF64 file that grew further: ds64 is patched in place. */
	REQUIRE(truncate(path, doff + frames * 3 + 100 * 3 + 2) == 0);
	REQUIRE_OK(take_file_recover(path, &rec, &err), &err);
	CHECK(rec.repaired);
	CHECK_EQ(rec.frames_in_header, frames);
	CHECK_EQ(rec.frames_on_disk, frames + 100);
	REQUIRE(read_at(path, h, 48, 0) == 0);
	CHECK_EQ(le64(h + 20), doff + (frames + 100) * 3 - 8);
	CHECK_EQ(le64(h + 28), (frames + 100) * 3);
	CHECK_EQ(le64(h + 36), frames + 100);
	sf = sf_open(path, SFM_READ, &si);
	REQUIRE(sf != NULL);
	CHECK_EQ(si.frames, frames + 100);
	sf_close(sf);

	unlink(path); /* sparse, but 4 GiB to anyone copying the dir */
}

int main(void)
{
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "format_helpers", test_format_helpers },
		{ "exact_pcm24", test_exact_pcm24 },
		{ "exact_pcm16", test_exact_pcm16 },
		{ "float_roundtrip", test_float_roundtrip },
		{ "stereo_and_silence", test_stereo_and_silence },
		{ "bext", test_bext },
		{ "set_time_reference", test_set_time_reference },
		{ "no_overwrite", test_no_overwrite },
		{ "refresh_header", test_refresh_header },
		{ "truncate", test_truncate },
		{ "peak_and_clips", test_peak_and_clips },
		{ "pcm24_rounding", test_pcm24_rounding },
		{ "short_write", test_short_write },
		{ "recover_crash", test_recover_crash },
		{ "recover_shorter", test_recover_shorter },
		{ "recover_errors", test_recover_errors },
		{ "recover_damaged", test_recover_damaged },
		{ "recover_rf64", test_recover_rf64 },
	};

	if (!check_tmpdir(test_dir, sizeof test_dir, "take_file"))
		return 1;

	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int before = check_failures;
		tests[i].fn();
		printf("%-20s %s\n", tests[i].name,
		       check_failures == before ? "ok" : "FAILED");
	}

	if (check_failures) {
		fprintf(stderr, "%d of %d checks failed; files kept in %s\n",
		        check_failures, check_count, test_dir);
		return 1;
	}
	check_rmtree(test_dir);
	printf("all %d checks passed\n", check_count);
	return 0;
}
