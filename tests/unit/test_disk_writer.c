/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * disk_writer with a real engine and a real writer thread, no JACK: this
 * thread plays the audio thread. Takes start and stop inside cycles, one
 * right after another; the rings are small so the writer sometimes falls
 * behind. Whatever the timing, each file must be exactly the take's
 * length, each frame either the right sample or padding inside a
 * reported dropped range, and the reported ranges must add up. Odd takes
 * record tracks 1 and 2 as one stereo file: the two rings fill and drop
 * independently, and the file must still interleave the right frames.
 * The TSan suite runs this to check the ring and event ordering.
 */
#include "check.h"
#include "redlight/disk_writer.h"
#include "engine_cmd.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


#define TRACKS 4
#define RATE 48000

static float inbuf[TRACKS][512];
static const float *inputs[TRACKS];
static uint64_t clock_frame;

/* Sample code for frame f on track t: exact in 24-bit, never zero. */
static float code(uint64_t f, int t)
{
	int32_t k = (int32_t)((f + (uint64_t)t * 1000) % 2000000) + 1000;
	return (float)k / 8388608.0f;
}

static void cycle(struct engine *e, uint32_t n)
{
	for (int t = 0; t < TRACKS; t++)
		for (uint32_t i = 0; i < n; i++)
			inbuf[t][i] = code(clock_frame + i, t);
	engine_process(e, inputs, NULL, n);
	clock_frame += n;
}

static void nap_us(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

/* Check one finished take against what the "audio thread" produced. A
 * file of track number N holds engine track N-1 (and N for its right
 * channel). */
static void check_take(const char *dir, const struct session_take *take,
                       uint64_t start_clock, uint64_t length)
{
	CHECK_EQ_U64(take->length, length);
	for (size_t i = 0; i < take->file_count; i++) {
		const struct session_take_file *f = &take->files[i];
		int t = (int)f->track - 1;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, f->path);
		SF_INFO info = { 0 };
		SNDFILE *sf = sf_open(path, SFM_READ, &info);
		CHECK(sf != NULL);
		if (!sf)
			continue;
		if ((uint64_t)info.frames != length)
			fprintf(stderr, "take %u %s: %lld frames, want %llu\n",
			        take->number, f->path, (long long)info.frames,
			        (unsigned long long)length);
		CHECK_EQ_U64(info.frames, length);
		int ch = info.channels;
		int *data = malloc(sizeof(int) * (length ? length : 1) * (size_t)ch);
		CHECK_EQ_U64(sf_readf_int(sf, data, (sf_count_t)length), length);
		sf_close(sf);
		uint64_t padded = 0, bad = 0;
		for (uint64_t k = 0; k < length; k++) {
			bool in_range = false;
			for (size_t r = 0; r < f->dropped_range_count; r++) {
				uint64_t s = f->dropped_ranges[r].start - take->start_frame;
				if (k >= s && k < s + f->dropped_ranges[r].length)
					in_range = true;
			}
			bool pad = false;
			for (int c = 0; c < ch; c++) {
				int32_t got = data[k * (uint64_t)ch + (uint64_t)c] >> 8;
				int32_t want = (int32_t)lrintf(
					code(start_clock + k, t + c) * 8388608.0f);
				if (got == want)
					continue;
				if (got == 0 && in_range)
					pad = true;
				else if (bad++ == 0)
					fprintf(stderr, "take %u %s ch %d: first "
					        "wrong frame %llu: %d, want %d\n",
					        take->number, f->path, c,
					        (unsigned long long)k, got, want);
			}
			padded += pad;
		}
		free(data);
		if (bad || padded != f->dropped_frames)
			fprintf(stderr, "take %u file %s (%d channels): %llu "
			        "frames wrong, %llu padded, %llu dropped in %zu "
			        "ranges\n", take->number, f->path, ch,
			        (unsigned long long)bad,
			        (unsigned long long)padded,
			        (unsigned long long)f->dropped_frames,
			        f->dropped_range_count);
		CHECK_EQ_U64(bad, 0);
		CHECK_EQ_U64(padded, f->dropped_frames);
	}
}

/* Reserve a take and prepare one file for it (track 1 "t1"). */
static uint32_t prepare_one(struct disk_writer *w, struct session *s,
                            const char *dir)
{
	struct error err;
	uint32_t number = 0;
	char tdir[8192], path[8192], rel[256];
	CHECK(session_reserve_take(s, &number, tdir, sizeof tdir, &err) == RL_OK);
	session_take_file_relpath(number, 1, "t1", rel, sizeof rel);
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	struct disk_writer_track tr = { .engine_track = 0, .number = 1,
	                                .name = "t1", .path = path,
	                                .relpath = rel };
	CHECK(disk_writer_prepare_take(w, number, &tr, 1, 0, &err) == RL_OK);
	return number;
}

enum { TAKES = 3 };

/* Record takes 1 to TAKES one after another, cycles of varying sizes
 * with naps between, the rings small enough to overflow at times. Odd
 * takes record tracks 1 and 2 as one stereo file; track 3 is never
 * armed. Where each take started on the clock, and its length, go to
 * starts and lengths. */
static void record_takes(struct engine *e, struct disk_writer *w,
                         struct session *s, const char *dir,
                         uint64_t starts[TAKES], uint64_t lengths[TAKES])
{
	struct error err;
	uint32_t sizes[] = { 64, 128, 37, 512, 256 };
	unsigned seed = 1;
	for (uint32_t n = 1; n <= TAKES; n++) {
		uint32_t number;
		char tdir[8192];
		CHECK(session_reserve_take(s, &number, tdir, sizeof tdir, &err) == RL_OK);
		struct disk_writer_track tr[TRACKS];
		char paths[TRACKS][8192], rel[TRACKS][256], name[TRACKS][16];
		size_t k = 0;
		bool stereo = n % 2 == 1;
		for (uint32_t t = 0; t < TRACKS; t++) {
			if (t == 2 || (stereo && t == 1))
				continue; /* not armed, or t1's right channel */
			snprintf(name[k], sizeof name[k], "t%u", t + 1);
			session_take_file_relpath(number, t + 1, name[k], rel[k],
			                          sizeof rel[k]);
			snprintf(paths[k], sizeof paths[k], "%s/%s", dir, rel[k]);
			tr[k] = (struct disk_writer_track){
				.engine_track = t, .number = t + 1,
				.name = name[k], .path = paths[k],
				.relpath = rel[k],
				.channels = stereo && t == 0 ? 2 : 1,
				.engine_track_right = 1,
			};
			k++;
		}
		/* Latency compensation: none, some, more than the timeline
		 * position (clamped at frame 0). */
		uint64_t corr = n == 1 ? 0 : n == 2 ? 300 : 1000000000;
		CHECK(disk_writer_prepare_take(w, number, tr, k, corr, &err) == RL_OK);
		/* Start and stop inside cycles; run ~1 s at varying rates so
		 * the 4096-frame rings sometimes overflow. */
		uint64_t start = clock_frame + 100 + n * 7;
		uint64_t stop = start + RATE - n * 1111;
		struct engine_command rc = make_cmd(ENGINE_CMD_RECORD, 0, number, start, 0);
		struct engine_command sc = make_cmd(ENGINE_CMD_STOP, 0, 0, stop, 0);
		engine_send(e, &rc, NULL);
		engine_send(e, &sc, NULL);
		while (clock_frame < stop + 512) {
			seed = seed * 1103515245 + 12345;
			cycle(e, sizes[(seed >> 16) % 5]);
			if ((seed >> 8) % 4 == 0)
				nap_us(200);
		}
		starts[n - 1] = start;
		lengths[n - 1] = stop - start;
	}
}

/* The writer reports the takes of record_takes in order, each with its
 * files exact and its latency correction and timeline position right;
 * then it is idle. */
static void check_recorded_takes(struct disk_writer *w, const char *dir,
                                 const uint64_t starts[TAKES],
                                 const uint64_t lengths[TAKES])
{
	for (uint32_t n = 1; n <= TAKES; n++) {
		struct session_take take;
		bool got = false;
		for (int i = 0; i < 100 && !(got = disk_writer_poll(w, &take)); i++)
			disk_writer_wait(w, 100);
		CHECK(got);
		if (!got)
			break;
		CHECK_EQ_U64(take.number, n);
		CHECK_EQ_U64(take.file_count, n % 2 == 1 ? 2 : 3);
		CHECK(take.complete);
		check_take(dir, &take, starts[n - 1], lengths[n - 1]);
		/* Takes follow each other on the timeline. */
		uint64_t timeline = 0;
		for (uint32_t m = 1; m < n; m++)
			timeline += lengths[m - 1];
		uint64_t want = n == 1 ? 0 : n == 2 ? 300 : timeline;
		CHECK_EQ_U64(take.latency_correction, want);
		CHECK_EQ_U64(take.start_frame, timeline - want);
		session_take_cleanup(&take);
	}
	CHECK(!disk_writer_busy(w));
}

/* The server dies between "record" and the next cycle: the take was
 * prepared but never started. It must end, empty, with the reason. */
static void test_force_stop_unstarted(struct disk_writer *w, struct session *s,
                                      const char *dir)
{
	uint32_t number = prepare_one(w, s, dir);
	CHECK(disk_writer_busy(w));
	disk_writer_force_stop(w, 0, "JACK server stopped: test");
	struct session_take take;
	bool got = false;
	for (int i = 0; i < 50 && !(got = disk_writer_poll(w, &take)); i++)
		disk_writer_wait(w, 100);
	CHECK(got);
	if (got) {
		CHECK_EQ_U64(take.number, number);
		CHECK_EQ_U64(take.length, 0);
		CHECK(strstr(take.end_reason, "JACK server stopped") != NULL);
		session_take_cleanup(&take);
	}
	CHECK(!disk_writer_busy(w));
}

/* A prepared take the engine will never start can be cancelled; nothing
 * is reported for it. */
static void test_cancel_prepared(struct disk_writer *w, struct session *s,
                                 const char *dir)
{
	uint32_t number = prepare_one(w, s, dir);
	CHECK(disk_writer_busy(w));
	CHECK(disk_writer_cancel_take(w, number));
	CHECK(!disk_writer_cancel_take(w, number));
	CHECK(!disk_writer_busy(w));
	struct session_take take;
	CHECK(!disk_writer_wait(w, 200));
	CHECK(!disk_writer_poll(w, &take));
}

int main(void)
{
	char dir[256];
	if (!check_tmpdir(dir, sizeof dir, "disk_writer"))
		return 1;
	for (int t = 0; t < TRACKS; t++)
		inputs[t] = inbuf[t];
	struct session *s = NULL;
	struct error err;
	CHECK(session_open(dir, &s, &err) == RL_OK);

	struct engine_config ec = { .track_count = TRACKS, .sample_rate = RATE,
	                            .ring_frames = 4096, .gap_slots = 8 };
	struct engine *e = NULL;
	CHECK(engine_new(&ec, &e, &err) == RL_OK);
	struct disk_writer_config wc = { .format = TAKE_FORMAT_PCM24,
	                                 .sample_rate = RATE,
	                                 .session_name = "test",
	                                 .header_refresh_ms = 50 };
	struct disk_writer *w = NULL;
	CHECK(disk_writer_new(e, &wc, &w, &err) == RL_OK);
	for (uint32_t t = 0; t < TRACKS; t++) {
		struct engine_command c = make_cmd(ENGINE_CMD_ARM, t, t != 2, 0, 0);
		engine_send(e, &c, NULL);
	}

	uint64_t starts[TAKES], lengths[TAKES];
	record_takes(e, w, s, dir, starts, lengths);
	check_recorded_takes(w, dir, starts, lengths);
	test_force_stop_unstarted(w, s, dir);
	test_cancel_prepared(w, s, dir);

	disk_writer_free(w);
	engine_free(e);
	session_free(s);
	if (!check_failures)
		check_rmtree(dir);
	return CHECK_DONE();
}
