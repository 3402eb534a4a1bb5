/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A real take past 4 GiB: write about 4.4 GiB of stereo pcm24 (the
 * default format) through take_file_write(), refreshing the header about
 * once a second of audio as the disk writer does, so libsndfile's switch
 * from RIFF to RF64 happens live inside take_file_refresh_header().
 *
 * - at refreshes spread over the take, and at every refresh from
 *   0xF0000000 bytes on (where take_file hands the refresh back to
 *   libsndfile) the file is opened with libsndfile while it is still
 *   being written: it must open, be WAVEX below 4 GiB and RF64 above,
 *   report exactly the frames written so far and hold the right samples
 *   at its end -- "a crash leaves a readable file" across the switch;
 * - right after the switch the raw header is checked (RF64, ds64 sizes,
 *   data chunk not moved) and take_file_recover() must find nothing to
 *   repair;
 * - after take_file_close(): RF64, exact frames, channels, rate, size,
 *   every sample of chunks at the start, across the 0xF0000000 and 4 GiB
 *   byte offsets, at the end and at pseudo-random places, the bext chunk
 *   (libsndfile and raw bytes), peak and clip count.
 *
 * The file lives in a mkdtemp directory on /dev/shm (tmpfs) and is
 * removed at the end, also when a check fails or a signal (timeout,
 * sanitizer abort) ends the test.  Less than 5 GiB free there is a
 * failure, not a skip.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "redlight/take_file.h"

#include "check.h"

#include <sndfile.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define RATE 48000u
#define CHANNELS 2u
#define FRAME_BYTES (3u * CHANNELS)
/* Frames per take_file_write() call. */
#define BLOCK 65536u
/* 4.36 GiB of samples; not a multiple of BLOCK, so the last write is
 * short. */
#define TOTAL_FRAMES 780000017ull
#define NEED_FREE (5ull << 30)
/* take_file's cheap header refresh stops here (refresh_sizes()). */
#define FAST_REFRESH_END 0xF0000000ull
#define FOUR_GIB (1ull << 32)
#define TIME_REF ((3ull << 32) + 123457ull)
#define DESCRIPTION "rf64 live take"

static char dir_path[] = "/dev/shm/redlight-rf64-live.XXXXXX";
static char file_path[sizeof dir_path + 16];
static volatile sig_atomic_t have_dir;

/* Only the test's own file and directory. */
static void remove_scratch(void)
{
	if (!have_dir)
		return;
	unlink(file_path);
	if (rmdir(dir_path) != 0)
		fprintf(stderr, "could not remove %s\n", dir_path);
	have_dir = 0;
}

/* meson's timeout (SIGTERM), ^C, a closed pipe, a sanitizer's abort:
 * 4 GiB of RAM must not stay behind in tmpfs.  unlink and rmdir are
 * async-signal-safe. */
static void on_signal(int sig)
{
	if (have_dir) {
		unlink(file_path);
		rmdir(dir_path);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * The position code.  Channel 0 holds frame bits 0..23, channel 1 bits
 * 12..35 (xor a constant so it is not nearly constant and never reaches
 * full scale), so any frame of the take is told apart from every other.
 * Both are 24-bit codes k, written as k / 2^23: exact in pcm24.
 */
static int32_t code0(uint64_t f)
{
	return (int32_t)(f & 0xFFFFFFu) - 0x800000;
}

static int32_t code1(uint64_t f)
{
	return (int32_t)(((f >> 12) ^ 0x5A5A5Au) & 0xFFFFFFu) - 0x800000;
}

/* The frame a pair of codes stands for (for messages). */
static uint64_t decode(int32_t c0, int32_t c1)
{
	uint64_t lo = (uint64_t)(c0 + 0x800000);
	uint64_t hi = (uint64_t)(c1 + 0x800000) ^ 0x5A5A5Au;
	return (hi << 12) | (lo & 0xFFFu);
}

static void fill(float *buf, uint64_t first, size_t n)
{
	const float scale = 1.0f / 8388608.0f;

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = (float)code0(first + i) * scale;
		buf[2 * i + 1] = (float)code1(first + i) * scale;
	}
}

/* Frames f < n with f mod 2^24 == r. */
static uint64_t count_residue(uint64_t n, uint64_t r)
{
	return n > r ? (n - 1 - r) / (1ull << 24) + 1 : 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

static bool read_at(const char *path, void *buf, size_t n, uint64_t off)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return false;
	r = pread(fd, buf, n, (off_t)off);
	close(fd);
	return r == (ssize_t)n;
}

/* Offset of a chunk's header, found by walking the chunks (the data
 * chunk's 32-bit size is not followed: it is the last chunk). */
static uint64_t chunk_pos(const char *path, const char *id)
{
	unsigned char h[8];
	uint64_t pos = 12;

	for (int i = 0; i < 32; i++) {
		if (!read_at(path, h, 8, pos))
			return 0;
		if (memcmp(h, id, 4) == 0)
			return pos;
		if (memcmp(h, "data", 4) == 0)
			return 0;
		pos += 8 + (uint64_t)le32(h + 4) + (le32(h + 4) & 1);
	}
	return 0;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/*
 * Read frames [first, first + n) with libsndfile and compare every sample
 * with the position code.  Returns the number of wrong samples (or n * 2
 * when the seek or read fails).
 */
static uint64_t check_frames(SNDFILE *sf, uint64_t first, size_t n,
                             int32_t *ibuf, const char *what)
{
	uint64_t bad = 0;

	if (sf_seek(sf, (sf_count_t)first, SEEK_SET) != (sf_count_t)first) {
		fprintf(stderr, "%s: seek to frame %llu failed: %s\n", what,
		        (unsigned long long)first, sf_strerror(sf));
		return 2 * n;
	}
	sf_count_t got = sf_readf_int(sf, ibuf, (sf_count_t)n);
	if (got != (sf_count_t)n) {
		fprintf(stderr, "%s: read %lld of %zu frames at %llu\n", what,
		        (long long)got, n, (unsigned long long)first);
		return 2 * n;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t f = first + i;
		/* libsndfile returns pcm24 code k as k * 256. */
		int32_t a = ibuf[2 * i] / 256, b = ibuf[2 * i + 1] / 256;
		bool ok = ibuf[2 * i] == code0(f) * 256
		          && ibuf[2 * i + 1] == code1(f) * 256;
		if (!ok) {
			if (bad < 3)
				fprintf(stderr, "%s: frame %llu holds frame "
				        "%llu (codes %d %d)\n", what,
				        (unsigned long long)f,
				        (unsigned long long)decode(a, b),
				        (int)a, (int)b);
			bad++;
		}
	}
	return bad;
}

/* What the file says while it is still being written. */
static void check_live(uint64_t frames, uint64_t data_off, int32_t *ibuf)
{
	SF_INFO si = {0};
	SNDFILE *sf = sf_open(file_path, SFM_READ, &si);
	uint64_t size = data_off + frames * FRAME_BYTES;

	if (!sf) {
		fprintf(stderr, "live open at %llu frames (%llu bytes): %s\n",
		        (unsigned long long)frames, (unsigned long long)size,
		        sf_strerror(NULL));
		check_failures++;
		return;
	}
	/* libsndfile switches once the file reaches 0xFFFFFFFF bytes. */
	int want = size < 0xFFFFFFFFull ? SF_FORMAT_WAVEX : SF_FORMAT_RF64;
	if ((si.format & SF_FORMAT_TYPEMASK) != want
	    || (si.format & SF_FORMAT_SUBMASK) != SF_FORMAT_PCM_24
	    || (uint64_t)si.frames != frames || si.channels != (int)CHANNELS
	    || si.samplerate != (int)RATE) {
		fprintf(stderr, "live open at %llu frames (%llu bytes): "
		        "format 0x%x (want 0x%x), %lld frames, %d ch, %d Hz\n",
		        (unsigned long long)frames, (unsigned long long)size,
		        (unsigned)si.format,
		        (unsigned)(want | SF_FORMAT_PCM_24),
		        (long long)si.frames, si.channels, si.samplerate);
		check_failures++;
	} else {
		size_t n = frames < 4096 ? (size_t)frames : 4096;
		CHECK_EQ_U64(check_frames(sf, frames - n, n, ibuf,
		                          "live tail"), 0);
	}
	sf_close(sf);
}

/* Right after the switch: the header as bytes, and recover agrees. */
static void check_switched(uint64_t frames, uint64_t data_off)
{
	unsigned char h[48];
	struct take_file_recovery rec;
	struct error err = {0};
	const uint64_t bytes = frames * FRAME_BYTES;

	printf("RF64 switch seen at frame %llu (%llu bytes)\n",
	       (unsigned long long)frames,
	       (unsigned long long)(data_off + bytes));
	CHECK(read_at(file_path, h, sizeof h, 0));
	CHECK(memcmp(h, "RF64", 4) == 0);
	CHECK_EQ_U64(le32(h + 4), 0xFFFFFFFFu);
	CHECK(memcmp(h + 8, "WAVE", 4) == 0);
	CHECK(memcmp(h + 12, "ds64", 4) == 0);
	CHECK_EQ_U64(le64(h + 20), data_off + bytes - 8);
	CHECK_EQ_U64(le64(h + 28), bytes);
	CHECK_EQ_U64(le64(h + 36), frames);
	/* The audio did not move: ds64 took the JUNK placeholder's room. */
	CHECK_EQ_U64(chunk_pos(file_path, "data") + 8, data_off);
	CHECK(read_at(file_path, h, 8, data_off - 8));
	CHECK(memcmp(h, "data", 4) == 0);
	CHECK_EQ_U64(le32(h + 4), 0xFFFFFFFFu);
	/* A crash now: recovery must see an intact file, not repair it. */
	CHECK(take_file_recover(file_path, &rec, &err) == RL_OK);
	CHECK(!rec.repaired);
	CHECK_EQ_U64(rec.frames_in_header, frames);
	CHECK_EQ_U64(rec.frames_on_disk, frames);
}

static bool write_take(float *buf, int32_t *ibuf, uint64_t *data_off_out)
{
	struct error err = {0};
	struct take_file *tf = NULL;
	struct take_file_info info = {
		.path = file_path,
		.sample_rate = RATE,
		.channels = CHANNELS,
		.format = TAKE_FORMAT_PCM24,
		.time_reference = TIME_REF,
		.description = DESCRIPTION,
		.originator_reference = "rf64-live",
	};
	uint64_t since_refresh = 0, refreshes = 0, live_checks = 0;
	bool switched = false;
	unsigned char magic[4];
	double in_api = 0, t0 = now_s();

	if (take_file_create(&info, &tf, &err) != RL_OK) {
		fprintf(stderr, "take_file_create: %s\n", err.message);
		check_failures++;
		return false;
	}
	const uint64_t data_off = chunk_pos(file_path, "data") + 8;
	CHECK(data_off > 8);
	CHECK(read_at(file_path, magic, 4, 0)
	      && memcmp(magic, "RIFF", 4) == 0);
	*data_off_out = data_off;

	for (uint64_t first = 0; first < TOTAL_FRAMES;) {
		size_t n = TOTAL_FRAMES - first < BLOCK
		           ? (size_t)(TOTAL_FRAMES - first) : BLOCK;
		fill(buf, first, n);
		double t = now_s();
		enum rl_status st = take_file_write(tf, buf, n, &err);
		in_api += now_s() - t;
		if (st != RL_OK) {
			fprintf(stderr, "take_file_write at frame %llu: %s\n",
			        (unsigned long long)first, err.message);
			check_failures++;
			take_file_close(tf, &err);
			return false;
		}
		first += n;
		since_refresh += n;
		if (since_refresh < RATE && first < TOTAL_FRAMES)
			continue;

		/* About once a second of audio, as the disk writer does. */
		since_refresh = 0;
		t = now_s();
		st = take_file_refresh_header(tf, &err);
		in_api += now_s() - t;
		if (st != RL_OK) {
			fprintf(stderr, "take_file_refresh_header at frame "
			        "%llu: %s\n", (unsigned long long)first,
			        err.message);
			check_failures++;
			take_file_close(tf, &err);
			return false;
		}
		refreshes++;
		CHECK_EQ_U64(take_file_frames(tf), first);
		uint64_t end = data_off + first * FRAME_BYTES;
		if (end >= FOUR_GIB && !switched) {
			check_switched(first, data_off);
			switched = true;
		}
		/* Every refresh from shortly before the hand-over to
		 * libsndfile's refresh on (about 1800), and now and then
		 * before that. */
		if (end >= FAST_REFRESH_END - (64u << 20)
		    || refreshes % 1024 == 1) {
			check_live(first, data_off, ibuf);
			live_checks++;
		}
	}
	CHECK(switched);
	CHECK_EQ_U64(take_file_frames(tf), TOTAL_FRAMES);
	CHECK(take_file_peak(tf) == 1.0f);
	/* Channel 0 passes through -2^23, -2^23 + 1 and 2^23 - 1 once per
	 * 2^24 frames: all three are clips (|x| >= (2^23 - 1) / 2^23, as in
	 * test_take_file's clip cases); channel 1 never gets near. */
	CHECK_EQ_U64(take_file_clips(tf),
	             count_residue(TOTAL_FRAMES, 0)
	             + count_residue(TOTAL_FRAMES, 1)
	             + count_residue(TOTAL_FRAMES, 0xFFFFFF));

	double t = now_s();
	enum rl_status st = take_file_close(tf, &err);
	in_api += now_s() - t;
	double wall = now_s() - t0;
	if (st != RL_OK) {
		fprintf(stderr, "take_file_close: %s\n", err.message);
		check_failures++;
		return false;
	}
	double mb = (double)(TOTAL_FRAMES * FRAME_BYTES) / 1e6;
	printf("wrote %.0f MB (%llu frames, %llu header refreshes, %llu "
	       "live opens): %.1f s in take_file calls = %.0f MB/s; %.1f s "
	       "with pattern and live checks = %.0f MB/s\n", mb,
	       (unsigned long long)TOTAL_FRAMES,
	       (unsigned long long)refreshes,
	       (unsigned long long)live_checks, in_api, mb / in_api, wall,
	       mb / wall);
	return true;
}

static void check_final(uint64_t data_off, int32_t *ibuf)
{
	SF_INFO si = {0};
	SNDFILE *sf = sf_open(file_path, SFM_READ, &si);

	CHECK_EQ_U64(file_size(file_path),
	             data_off + TOTAL_FRAMES * FRAME_BYTES);
	if (!sf) {
		fprintf(stderr, "sf_open %s: %s\n", file_path,
		        sf_strerror(NULL));
		check_failures++;
		return;
	}
	CHECK_EQ_U64(si.format, SF_FORMAT_RF64 | SF_FORMAT_PCM_24);
	CHECK_EQ_U64(si.frames, TOTAL_FRAMES);
	CHECK_EQ_U64(si.channels, CHANNELS);
	CHECK_EQ_U64(si.samplerate, RATE);

	/* The frame holding byte offset `at` of the file, and chunks of
	 * BLOCK frames centred on it. */
	const uint64_t at_fast = (FAST_REFRESH_END - data_off) / FRAME_BYTES;
	const uint64_t at_4g = (FOUR_GIB - data_off) / FRAME_BYTES;
	const uint64_t at_riff = (0xFFFFFFFFull - data_off) / FRAME_BYTES;
	struct { const char *what; uint64_t first; } chunk[] = {
		{ "start", 0 },
		{ "0xF0000000", at_fast - BLOCK / 2 },
		{ "0xFFFFFFFF", at_riff - BLOCK / 2 },
		{ "4 GiB", at_4g - BLOCK / 2 },
		{ "end", TOTAL_FRAMES - BLOCK },
	};
	for (size_t i = 0; i < sizeof chunk / sizeof chunk[0]; i++)
		CHECK_EQ_U64(check_frames(sf, chunk[i].first, BLOCK, ibuf,
		                          chunk[i].what), 0);

	/* Pseudo-random places (fixed seed: a failure repeats). */
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 24; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t first = x % (TOTAL_FRAMES - 4096);
		CHECK_EQ_U64(check_frames(sf, first, 4096, ibuf, "random"), 0);
	}
	/* Nothing after the last frame. */
	CHECK_EQ_U64(sf_seek(sf, (sf_count_t)TOTAL_FRAMES - 1, SEEK_SET),
	             TOTAL_FRAMES - 1);
	CHECK_EQ_U64(sf_readf_int(sf, ibuf, 16), 1);

	/* libsndfile reads bext from RF64 too. */
	SF_BROADCAST_INFO b;
	memset(&b, 0, sizeof b);
	CHECK(sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b)
	      == SF_TRUE);
	CHECK(strcmp(b.description, DESCRIPTION) == 0);
	CHECK(strncmp(b.originator, "redlight", sizeof b.originator) == 0);
	CHECK(strcmp(b.originator_reference, "rf64-live") == 0);
	CHECK_EQ_U64(b.time_reference_low, (uint32_t)TIME_REF);
	CHECK_EQ_U64(b.time_reference_high, (uint32_t)(TIME_REF >> 32));
	sf_close(sf);

	/* And as bytes: TimeReference is at offset 338 of the bext payload
	 * (Description 256, Originator 32, OriginatorReference 32,
	 * OriginationDate 10, OriginationTime 8). */
	unsigned char h[48];
	uint64_t bext = chunk_pos(file_path, "bext");
	CHECK(bext != 0);
	CHECK(read_at(file_path, h, 8, bext + 8 + 338));
	CHECK_EQ_U64(le64(h), TIME_REF);
	CHECK(read_at(file_path, h, sizeof DESCRIPTION, bext + 8));
	CHECK(memcmp(h, DESCRIPTION, sizeof DESCRIPTION) == 0);

	/* The final header: RF64 sizes, data in place. */
	const uint64_t bytes = TOTAL_FRAMES * FRAME_BYTES;
	CHECK(read_at(file_path, h, sizeof h, 0));
	CHECK(memcmp(h, "RF64", 4) == 0 && memcmp(h + 12, "ds64", 4) == 0);
	CHECK_EQ_U64(le64(h + 20), data_off + bytes - 8);
	CHECK_EQ_U64(le64(h + 28), bytes);
	CHECK_EQ_U64(le64(h + 36), TOTAL_FRAMES);
	CHECK_EQ_U64(chunk_pos(file_path, "data") + 8, data_off);

	struct take_file_recovery rec;
	struct error err = {0};
	CHECK(take_file_recover(file_path, &rec, &err) == RL_OK);
	CHECK(!rec.repaired);
	CHECK_EQ_U64(rec.frames_in_header, TOTAL_FRAMES);
	CHECK_EQ_U64(rec.frames_on_disk, TOTAL_FRAMES);
}

int main(void)
{
	struct statvfs vfs;
	double t0 = now_s();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (statvfs("/dev/shm", &vfs) != 0) {
		perror("FAIL: statvfs /dev/shm (this test needs a tmpfs "
		       "there)");
		return 1;
	}
	unsigned long long avail = (unsigned long long)vfs.f_bavail
	                           * vfs.f_frsize;
	if (avail < NEED_FREE) {
		fprintf(stderr, "FAIL: /dev/shm has %.2f GiB free, this test "
		        "writes a 4.4 GiB take there and needs at least "
		        "%.0f GiB free\n", (double)avail / (1 << 30),
		        (double)NEED_FREE / (1 << 30));
		return 1;
	}
	if (!mkdtemp(dir_path)) {
		perror("FAIL: mkdtemp in /dev/shm");
		return 1;
	}
	snprintf(file_path, sizeof file_path, "%s/take.wav", dir_path);
	have_dir = 1;
	static const int sigs[] = {
		SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGABRT,
	};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], on_signal);

	float *buf = malloc(sizeof(float) * BLOCK * CHANNELS);
	int32_t *ibuf = malloc(sizeof(int32_t) * BLOCK * CHANNELS);
	uint64_t data_off = 0;
	CHECK(buf && ibuf);
	if (buf && ibuf && write_take(buf, ibuf, &data_off))
		check_final(data_off, ibuf);
	free(buf);
	free(ibuf);
	remove_scratch();
	printf("total %.1f s\n", now_s() - t0);
	return CHECK_DONE();
}
