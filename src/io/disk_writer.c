/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/disk_writer.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_MS 100
/* Frames per channel a stereo file stages before interleaving. */
#define STAGE_FRAMES 16384

struct wfile {
	uint32_t engine_track;
	uint32_t channels;
	uint32_t engine_tracks[DISK_WRITER_MAX_CHANNELS];
	/* A stereo file's channels come from two rings that the audio thread
	 * fills, and may drop from, independently (their free space differs
	 * for an instant while the writer drains them one after the other).
	 * Each channel is drained into its own staging buffer, gaps padded
	 * with silence there; frames both channels have are interleaved and
	 * written. staged[c]: frames of channel c staged beyond pos;
	 * gap_left[c]: frames of a gap still to pad. */
	float *stage;  /* STAGE_FRAMES per channel, one channel after another */
	float *inter;  /* STAGE_FRAMES * channels, interleaved */
	uint64_t staged[DISK_WRITER_MAX_CHANNELS];
	uint64_t gap_left[DISK_WRITER_MAX_CHANNELS];
	uint32_t number;
	char name[SESSION_NAME_MAX];
	char relpath[SESSION_PATH_MAX];
	struct take_file *tf;
	uint64_t pos; /* frames of the take's stream accounted for */
	uint64_t dropped;
	double peak_dbfs; /* final, taken just before closing */
	uint64_t clips;
	size_t range_count, range_cap;
	struct session_dropped_range *ranges;
	/* Where its source port was gone (silence recorded), timeline frames
	 * as `ranges`; `lost` while it is gone since `lost_at`. Rare: a
	 * ninth loss widens the last range rather than allocating. */
	bool lost;
	uint64_t lost_at;
	size_t no_input_count;
	struct session_dropped_range no_input[8];
};

struct wtake {
	struct wtake *next;
	uint32_t number;
	size_t count;
	struct wfile *files;
	bool started;
	uint64_t latency_correction; /* frames the take is moved earlier */
	uint64_t shift;              /* correction actually applied */
	uint64_t stream_base;        /* engine_captured_frames() at start */
	uint64_t pre;                /* pre-record frames before the stream */
	uint64_t start_frame;
	char started_at[40];
	bool length_known;
	uint64_t length;
	bool failed;
	char reason[sizeof(((struct error *)0)->message)];
	size_t marker_count, marker_cap;
	struct session_xrun_marker *markers;
};

struct result {
	struct result *next;
	struct session_take take;
};

struct disk_writer {
	struct engine *e;
	struct disk_writer_config config;
	char session_name[256];
	pthread_t thread;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t done;
	struct wtake *prepared_head, *prepared_tail;
	struct result *results_head, *results_tail;
	bool quit;
	bool force;
	uint64_t force_length;
	char force_reason[128];
	bool failed;
	struct error failure;
	unsigned unfinished; /* takes prepared and not yet finished */

	/* Writer thread only. */
	struct wtake *cur;
	struct timespec last_refresh;
};

static void wtake_free(struct wtake *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++) {
		take_file_close(t->files[i].tf, NULL);
		free(t->files[i].ranges);
		free(t->files[i].stage);
		free(t->files[i].inter);
	}
	free(t->files);
	free(t->markers);
	free(t);
}

static void iso_now(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* Record a failure of the take being written; the first one wins, since
 * later ones are usually consequences of it. */
static void fail_take(struct disk_writer *w, struct wtake *t,
                      const struct error *err)
{
	if (t->failed)
		return;
	t->failed = true;
	snprintf(t->reason, sizeof t->reason, "%s", err->message);
	pthread_mutex_lock(&w->lock);
	if (!w->failed) {
		w->failed = true;
		w->failure = *err;
	}
	pthread_mutex_unlock(&w->lock);
}

static void add_range(struct wfile *f, uint64_t start, uint64_t length)
{
	f->dropped += length;
	if (f->range_count > 0) {
		struct session_dropped_range *last = &f->ranges[f->range_count - 1];
		if (last->start + last->length == start) {
			last->length += length;
			return;
		}
	}
	if (f->range_count == f->range_cap) {
		size_t cap = f->range_cap ? f->range_cap * 2 : 8;
		void *p = realloc(f->ranges, cap * sizeof *f->ranges);
		if (!p)
			return; /* the total in f->dropped still counts */
		f->ranges = p;
		f->range_cap = cap;
	}
	f->ranges[f->range_count++] = (struct session_dropped_range){
		start, length };
}

static void add_marker(struct wtake *t, const struct engine_event *ev)
{
	if (t->marker_count == t->marker_cap) {
		size_t cap = t->marker_cap ? t->marker_cap * 2 : 8;
		void *p = realloc(t->markers, cap * sizeof *t->markers);
		if (!p)
			return;
		t->markers = p;
		t->marker_cap = cap;
	}
	t->markers[t->marker_count++] = (struct session_xrun_marker){
		ev->timeline_frame - t->shift, ev->length };
}

/* File f had no input from f->lost_at to `end`. */
static void close_no_input(struct wfile *f, uint64_t end)
{
	size_t cap = sizeof f->no_input / sizeof f->no_input[0];
	f->lost = false;
	if (end > f->lost_at && f->no_input_count < cap)
		f->no_input[f->no_input_count++] = (struct session_dropped_range){
			f->lost_at, end - f->lost_at };
	else if (end > f->lost_at)
		f->no_input[cap - 1].length = end - f->no_input[cap - 1].start;
}

/* ENGINE_EVENT_INPUT: the track of a file of take t lost its source port
 * (length 0) or got it back (1). */
static void note_input(struct wtake *t, const struct engine_event *ev)
{
	uint64_t frame = ev->timeline_frame > t->shift
	                 ? ev->timeline_frame - t->shift : 0;
	frame = frame > t->start_frame ? frame : t->start_frame;
	for (size_t i = 0; i < t->count; i++) {
		struct wfile *f = &t->files[i];
		if (f->engine_tracks[0] != ev->track &&
		    (f->channels < 2 || f->engine_tracks[1] != ev->track))
			continue;
		if (ev->length && f->lost)
			close_no_input(f, frame);
		else if (!ev->length && !f->lost)
			f->lost_at = frame;
		f->lost = !ev->length;
	}
}

/* Pad `n` frames of silence where the audio thread dropped them. */
static void pad(struct disk_writer *w, struct wtake *t, struct wfile *f,
                uint64_t n)
{
	struct error err;
	add_range(f, t->start_frame + t->pre + f->pos, n);
	if (!t->failed &&
	    take_file_write_silence(f->tf, (size_t)n, &err) != RL_OK)
		fail_take(w, t, &err);
	f->pos += n;
}

/*
 * The next gap record of this take, if any. A record of an earlier take
 * was queued after that take ended (its gap ring was full at the stop);
 * that take was padded to its length already, so it is dropped. Takes
 * start in number order; a later take's record waits.
 */
static bool peek_gap(struct ring *gaps, const struct wtake *t,
                     struct engine_gap *gap)
{
	while (ring_peek(gaps, gap, sizeof *gap)) {
		if (gap->take == t->number)
			return true;
		if (gap->take > t->number)
			return false;
		ring_read_advance(gaps, sizeof *gap);
	}
	return false;
}

/* Move whatever the ring holds for this file, up to `limit` frames of
 * the take's stream, into the file. */
static void drain_file(struct disk_writer *w, struct wtake *t,
                       struct wfile *f, uint64_t limit)
{
	struct ring *ring = engine_track_ring(w->e, f->engine_track);
	struct ring *gaps = engine_track_gaps(w->e, f->engine_track);
	while (f->pos < limit) {
		/* Samples first, then gaps: a gap is queued before the
		 * samples that follow it, so this order never lets us
		 * write those samples in the gap's place. */
		uint64_t avail = ring_read_space(ring) / sizeof(float);
		struct engine_gap gap;
		/* A later take's gap: every sample of this take comes
		 * before it. */
		bool has_gap = peek_gap(gaps, t, &gap);
		if (has_gap && gap.start <= f->pos) {
			ring_read_advance(gaps, sizeof gap);
			/* Whole: a gap record lies inside its take, and
			 * `limit` may be only what was published before we
			 * saw the record (its end can lie beyond). */
			uint64_t n = gap.length;
			if (t->length_known && n > t->length - f->pos)
				n = t->length - f->pos;
			pad(w, t, f, n);
			continue;
		}
		uint64_t n = avail;
		if (has_gap && gap.start - f->pos < n)
			n = gap.start - f->pos;
		if (n > limit - f->pos)
			n = limit - f->pos;
		if (n == 0)
			break;
		struct ring_region reg[2];
		ring_get_read_regions(ring, reg);
		uint64_t left = n;
		for (int i = 0; i < 2 && left > 0; i++) {
			uint64_t k = reg[i].len / sizeof(float);
			if (k > left)
				k = left;
			struct error err;
			if (!t->failed &&
			    take_file_write(f->tf, (const float *)(void *)reg[i].data,
			                    (size_t)k, &err) != RL_OK)
				fail_take(w, t, &err);
			left -= k;
		}
		ring_read_advance(ring, (size_t)n * sizeof(float));
		f->pos += n;
	}
}

/* Stage channel c of a stereo file: samples and padded gaps from its
 * ring, up to `limit` frames of the take's stream. */
static void stage_channel(struct disk_writer *w, struct wtake *t,
                          struct wfile *f, unsigned c, uint64_t limit)
{
	struct ring *ring = engine_track_ring(w->e, f->engine_tracks[c]);
	struct ring *gaps = engine_track_gaps(w->e, f->engine_tracks[c]);
	float *stage = f->stage + (size_t)c * STAGE_FRAMES;
	while (f->staged[c] < STAGE_FRAMES && f->pos + f->staged[c] < limit) {
		uint64_t cpos = f->pos + f->staged[c];
		uint64_t room = STAGE_FRAMES - f->staged[c];
		if (room > limit - cpos)
			room = limit - cpos;
		float *dst = stage + f->staged[c];
		if (f->gap_left[c] > 0) {
			uint64_t n = f->gap_left[c] < room ? f->gap_left[c] : room;
			memset(dst, 0, (size_t)n * sizeof *dst);
			/* Overlaps with the other channel's gaps are merged
			 * when the take finishes (merge_ranges()). */
			add_range(f, t->start_frame + t->pre + cpos, n);
			f->gap_left[c] -= n;
			f->staged[c] += n;
			continue;
		}
		/* Samples first, then gaps, as in drain_file(): a gap is
		 * queued before the samples that follow it. */
		uint64_t n = ring_read_space(ring) / sizeof(float);
		struct engine_gap gap;
		bool has_gap = peek_gap(gaps, t, &gap);
		if (has_gap && gap.start <= cpos) {
			ring_read_advance(gaps, sizeof gap);
			f->gap_left[c] = gap.length;
			continue;
		}
		if (has_gap && gap.start - cpos < n)
			n = gap.start - cpos;
		if (n > room)
			n = room;
		if (n == 0)
			break;
		ring_read(ring, dst, (size_t)n * sizeof(float));
		f->staged[c] += n;
	}
}

/* Interleave and write the first n staged frames of both channels. */
static void write_staged(struct disk_writer *w, struct wtake *t,
                         struct wfile *f, uint64_t n)
{
	for (uint64_t j = 0; j < n; j++) {
		f->inter[2 * j] = f->stage[j];
		f->inter[2 * j + 1] = f->stage[STAGE_FRAMES + j];
	}
	struct error err;
	if (!t->failed && take_file_write(f->tf, f->inter, (size_t)n, &err) !=
	                          RL_OK)
		fail_take(w, t, &err);
	for (unsigned c = 0; c < 2; c++) {
		float *stage = f->stage + (size_t)c * STAGE_FRAMES;
		memmove(stage, stage + n,
		        (size_t)(f->staged[c] - n) * sizeof *stage);
		f->staged[c] -= n;
	}
	f->pos += n;
}

/* drain_file() for a stereo file. */
static void drain_stereo(struct disk_writer *w, struct wtake *t,
                         struct wfile *f, uint64_t limit)
{
	for (;;) {
		stage_channel(w, t, f, 0, limit);
		stage_channel(w, t, f, 1, limit);
		uint64_t n = f->staged[0] < f->staged[1] ? f->staged[0]
		                                         : f->staged[1];
		if (n == 0)
			return;
		write_staged(w, t, f, n);
	}
}

/* The take ends at `length` but one channel got further than the other
 * (only when the audio thread died mid-cycle): the missing frames of the
 * shorter channel are silence, and said so, rather than the longer
 * channel's frames being thrown away. */
static void flush_stereo(struct disk_writer *w, struct wtake *t,
                         struct wfile *f)
{
	unsigned shorter = f->staged[0] < f->staged[1] ? 0 : 1;
	uint64_t have = f->staged[shorter], want = f->staged[1 - shorter];
	if (want == have)
		return;
	memset(f->stage + (size_t)shorter * STAGE_FRAMES + have, 0,
	       (size_t)(want - have) * sizeof(float));
	add_range(f, t->start_frame + t->pre + f->pos + have, want - have);
	f->staged[shorter] = want;
	write_staged(w, t, f, want);
}

static int cmp_range(const void *a, const void *b)
{
	uint64_t x = ((const struct session_dropped_range *)a)->start;
	uint64_t y = ((const struct session_dropped_range *)b)->start;
	return (x > y) - (x < y);
}

/* A stereo file's ranges come from both channels: sort, merge overlaps,
 * and count each missing frame once. */
static void merge_ranges(struct wfile *f)
{
	if (f->range_count == 0)
		return;
	qsort(f->ranges, f->range_count, sizeof *f->ranges, cmp_range);
	size_t out = 0;
	for (size_t i = 1; i < f->range_count; i++) {
		struct session_dropped_range *last = &f->ranges[out];
		const struct session_dropped_range *r = &f->ranges[i];
		if (r->start <= last->start + last->length) {
			uint64_t end = r->start + r->length;
			if (end > last->start + last->length)
				last->length = end - last->start;
		} else {
			f->ranges[++out] = *r;
		}
	}
	f->range_count = out + 1;
	f->dropped = 0;
	for (size_t i = 0; i < f->range_count; i++)
		f->dropped += f->ranges[i].length;
}

static void push_result(struct disk_writer *w, struct wtake *t)
{
	struct result *r = calloc(1, sizeof *r);
	struct session_take *st = r ? &r->take : NULL;
	if (r)
		st->files = calloc(t->count ? t->count : 1, sizeof *st->files);
	if (!r || !st->files) {
		free(r);
		fprintf(stderr, "redlight: out of memory reporting take %u\n",
		        t->number);
		pthread_mutex_lock(&w->lock);
		w->unfinished--;
		pthread_mutex_unlock(&w->lock);
		return;
	}
	st->number = t->number;
	snprintf(st->started_at, sizeof st->started_at, "%s", t->started_at);
	st->start_frame = t->start_frame;
	st->latency_correction = t->shift;
	st->length = t->length;
	st->sample_rate = w->config.sample_rate;
	st->format = w->config.format;
	st->complete = true;
	snprintf(st->end_reason, sizeof st->end_reason, "%s", t->reason);
	st->file_count = t->count;
	st->xrun_markers = t->markers; /* ownership moves */
	st->xrun_marker_count = t->marker_count;
	t->markers = NULL;
	t->marker_count = 0;
	for (size_t i = 0; i < t->count; i++) {
		struct wfile *f = &t->files[i];
		struct session_take_file *sf = &st->files[i];
		sf->track = f->number;
		snprintf(sf->track_name, sizeof sf->track_name, "%s", f->name);
		snprintf(sf->path, sizeof sf->path, "%s", f->relpath);
		sf->peak_dbfs = f->peak_dbfs;
		sf->clips = f->clips;
		sf->dropped_frames = f->dropped;
		if (f->lost)
			close_no_input(f, t->start_frame + t->length);
		sf->no_input_ranges = f->no_input_count
			? malloc(f->no_input_count * sizeof *f->no_input) : NULL;
		if (sf->no_input_ranges) {
			memcpy(sf->no_input_ranges, f->no_input,
			       f->no_input_count * sizeof *f->no_input);
			sf->no_input_range_count = f->no_input_count;
		}
		sf->dropped_ranges = f->ranges; /* ownership moves */
		sf->dropped_range_count = f->range_count;
		f->ranges = NULL;
		st->dropped_frames += f->dropped;
	}
	pthread_mutex_lock(&w->lock);
	if (w->results_tail)
		w->results_tail->next = r;
	else
		w->results_head = r;
	w->results_tail = r;
	w->unfinished--;
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->lock);
}

/* Every file has its full length: cut to a common length if the take
 * failed, finalize, report. */
static void finish_take(struct disk_writer *w, struct wtake *t)
{
	/* From here on the take's length is the files' length: the
	 * pre-record frames and the stream. */
	t->length += t->pre;
	if (t->failed) {
		/* After a write error the files end wherever the disk gave
		 * out; cut them all to the frame the shortest one reached so
		 * the tracks of the take stay the same length. */
		uint64_t common = t->length;
		for (size_t i = 0; i < t->count; i++) {
			uint64_t n = take_file_frames(t->files[i].tf);
			common = n < common ? n : common;
		}
		for (size_t i = 0; i < t->count; i++) {
			struct error err;
			if (take_file_truncate(t->files[i].tf, common, &err) != RL_OK)
				fprintf(stderr, "redlight: %s\n", err.message);
		}
		t->length = common;
	}
	for (size_t i = 0; i < t->count; i++) {
		struct wfile *f = &t->files[i];
		f->peak_dbfs = take_file_peak_dbfs(take_file_peak(f->tf));
		f->clips = take_file_clips(f->tf);
		struct error err;
		if (take_file_close(f->tf, &err) != RL_OK && !t->failed) {
			t->failed = true;
			snprintf(t->reason, sizeof t->reason, "%s", err.message);
		}
		f->tf = NULL;
		if (f->channels == 2)
			merge_ranges(f);
		/* Only what is inside the (possibly cut) file counts: drop
		 * ranges past the cut, shorten one that straddles it. */
		uint64_t end = t->start_frame + t->length;
		while (f->range_count > 0 &&
		       f->ranges[f->range_count - 1].start >= end) {
			f->dropped -= f->ranges[f->range_count - 1].length;
			f->range_count--;
		}
		if (f->range_count > 0) {
			struct session_dropped_range *last =
				&f->ranges[f->range_count - 1];
			if (last->start + last->length > end) {
				f->dropped -= last->start + last->length - end;
				last->length = end - last->start;
			}
		}
	}
	push_result(w, t);
}

static struct wtake *pop_prepared(struct disk_writer *w, uint32_t number)
{
	pthread_mutex_lock(&w->lock);
	struct wtake *t = w->prepared_head;
	if (t && t->number == number) {
		w->prepared_head = t->next;
		if (!w->prepared_head)
			w->prepared_tail = NULL;
		t->next = NULL;
	} else {
		t = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return t;
}

/* The pre-record frames of every file, from the engine's history, then
 * hand the history back to the audio thread. */
static void write_history(struct disk_writer *w, struct wtake *t,
                          const struct engine_event *ev)
{
	if (ev->pre_frames == 0)
		return;
	for (size_t i = 0; i < t->count && t->pre > 0; i++) {
		struct wfile *f = &t->files[i];
		size_t size;
		const float *h = engine_track_history(w->e, f->engine_track,
		                                      &size);
		const float *hr = f->channels == 2
		                  ? engine_track_history(w->e,
		                                         f->engine_tracks[1],
		                                         &size)
		                  : NULL;
		if (!h || (f->channels == 2 && !hr))
			break;
		uint64_t from = ev->history_end - t->pre;
		uint64_t left = t->pre;
		while (left > 0 && !t->failed) {
			size_t at = (size_t)(from & (size - 1));
			size_t n = size - at < left ? size - at : (size_t)left;
			struct error err;
			const float *src = h + at;
			if (hr) {
				/* Both histories hold the same frames. */
				n = n < STAGE_FRAMES ? n : STAGE_FRAMES;
				for (size_t j = 0; j < n; j++) {
					f->inter[2 * j] = h[at + j];
					f->inter[2 * j + 1] = hr[at + j];
				}
				src = f->inter;
			}
			if (take_file_write(f->tf, src, n, &err) != RL_OK)
				fail_take(w, t, &err);
			from += n;
			left -= n;
		}
	}
	engine_history_release(w->e);
}

static void start_take(struct disk_writer *w, const struct engine_event *ev)
{
	struct wtake *t = pop_prepared(w, ev->take);
	if (!t) {
		/* Cannot happen while the control API keeps its order;
		 * if it does, say so loudly instead of writing nowhere. */
		struct error err;
		error_set(&err, RL_ERR_STATE,
		          "take %u started without prepared files", ev->take);
		t = calloc(1, sizeof *t);
		if (!t)
			return;
		t->number = ev->take;
		fail_take(w, t, &err);
	}
	t->started = true;
	t->stream_base = ev->stream_base;
	/* Latency compensation: the audio of timeline frame T reached us
	 * capture + playback latency later, so the take belongs that much
	 * earlier; a file cannot start before timeline 0. */
	t->shift = ev->timeline_frame < t->latency_correction
	           ? ev->timeline_frame : t->latency_correction;
	/* Pre-record: the take begins with the frames before the record
	 * press, placed before its start on the timeline. Frames that would
	 * fall before timeline 0 have no place and are not kept. */
	uint64_t at = ev->timeline_frame - t->shift;
	t->pre = ev->pre_frames < at ? ev->pre_frames : at;
	t->start_frame = at - t->pre;
	iso_now(t->started_at, sizeof t->started_at);
	size_t channels = 0;
	for (size_t i = 0; i < t->count; i++)
		channels += t->files[i].channels;
	if (ev->track_count != channels) {
		struct error err;
		error_set(&err, RL_ERR_STATE,
		          "take %u: %u tracks armed in the engine but %zu "
		          "channels prepared", t->number, ev->track_count,
		          channels);
		fail_take(w, t, &err);
	}
	for (size_t i = 0; i < t->count; i++) {
		struct error err;
		if (take_file_set_time_reference(t->files[i].tf,
		                                 t->start_frame, &err) != RL_OK)
			fail_take(w, t, &err);
	}
	write_history(w, t, ev);
	w->cur = t;
}

static void refresh_headers(struct disk_writer *w)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (now.tv_sec - w->last_refresh.tv_sec) * 1000 +
	             (now.tv_nsec - w->last_refresh.tv_nsec) / 1000000;
	if (ms < (int64_t)w->config.header_refresh_ms)
		return;
	w->last_refresh = now;
	struct wtake *t = w->cur;
	if (!t || t->failed)
		return;
	for (size_t i = 0; i < t->count; i++) {
		struct error err;
		if (take_file_refresh_header(t->files[i].tf, &err) != RL_OK)
			fail_take(w, t, &err);
	}
}

/*
 * The audio thread is gone and no take is recording: takes prepared but
 * never started (the server died between "record" and the next cycle)
 * end here, empty, with the reason, so nobody waits for them forever.
 */
static void finish_unstarted(struct disk_writer *w)
{
	pthread_mutex_lock(&w->lock);
	struct wtake *t = w->prepared_head;
	w->prepared_head = w->prepared_tail = NULL;
	char reason[sizeof w->force_reason];
	snprintf(reason, sizeof reason, "%s", w->force_reason);
	w->force = false;
	pthread_mutex_unlock(&w->lock);
	while (t) {
		struct wtake *next = t->next;
		snprintf(t->reason, sizeof t->reason, "%s", reason);
		iso_now(t->started_at, sizeof t->started_at);
		finish_take(w, t);
		wtake_free(t);
		t = next;
	}
}

/* Everything the writer can do right now, in stream order. */
static void service(struct disk_writer *w)
{
	for (;;) {
		struct engine_event ev;
		if (!w->cur) {
			if (!engine_next_event(w->e, &ev)) {
				pthread_mutex_lock(&w->lock);
				bool force = w->force;
				pthread_mutex_unlock(&w->lock);
				if (force)
					finish_unstarted(w);
				return;
			}
			if (ev.type == ENGINE_EVENT_TAKE_START)
				start_take(w, &ev);
			continue;
		}
		struct wtake *t = w->cur;
		uint64_t published = UINT64_MAX;
		if (!t->length_known) {
			/* Read the stop before draining: the audio thread
			 * queued it after the take's last samples. Markers
			 * come before it. Without it, drain only what the
			 * engine has published of this take, loaded first:
			 * had the take ended by then, its stop would be
			 * visible below, and the rings may already hold the
			 * next take's samples after this one's. */
			published = engine_captured_frames(w->e) -
			            t->stream_base;
			bool stopped = false;
			while (!stopped && engine_next_event(w->e, &ev)) {
				if (ev.type == ENGINE_EVENT_XRUN)
					add_marker(t, &ev);
				else if (ev.type == ENGINE_EVENT_INPUT)
					note_input(t, &ev);
				else if (ev.type == ENGINE_EVENT_TAKE_STOP)
					stopped = true;
			}
			if (stopped) {
				t->length_known = true;
				t->length = ev.length;
			} else {
				pthread_mutex_lock(&w->lock);
				if (w->force) {
					t->length_known = true;
					t->length = w->force_length;
					snprintf(t->reason, sizeof t->reason, "%s",
					         w->force_reason);
					w->force = false;
				}
				pthread_mutex_unlock(&w->lock);
			}
		}
		uint64_t limit = t->length_known ? t->length : published;
		for (size_t i = 0; i < t->count; i++) {
			struct wfile *f = &t->files[i];
			if (f->channels == 2)
				drain_stereo(w, t, f, limit);
			else
				drain_file(w, t, f, limit);
			if (t->length_known && f->channels == 2)
				flush_stereo(w, t, f);
			if (t->length_known && f->pos < t->length)
				pad(w, t, f, t->length - f->pos);
		}
		if (!t->length_known)
			return;
		w->cur = NULL;
		finish_take(w, t);
		wtake_free(t);
	}
}

static void *writer_main(void *arg)
{
	struct disk_writer *w = arg;
	clock_gettime(CLOCK_MONOTONIC, &w->last_refresh);
	for (;;) {
		/* Drain only when the audio thread says there is a block
		 * worth writing (or a take started/stopped, or we are told to
		 * stop): every look at a ring's write index pulls its cache
		 * line away from the audio thread, which then pays a miss per
		 * track on its next cycle. Timeouts only refresh headers. */
		bool woken = engine_wait(w->e, WAIT_MS);
		engine_note_writer_busy(w->e, true);
		if (woken)
			service(w);
		refresh_headers(w);
		engine_note_writer_busy(w->e, false);
		pthread_mutex_lock(&w->lock);
		bool quit = w->quit && !w->cur && !w->force;
		pthread_mutex_unlock(&w->lock);
		if (quit)
			break;
	}
	service(w);
	return NULL;
}

enum rl_status disk_writer_new(struct engine *e,
                               const struct disk_writer_config *config,
                               struct disk_writer **out, struct error *err)
{
	*out = NULL;
	struct disk_writer *w = calloc(1, sizeof *w);
	if (!w)
		return error_set(err, RL_ERR_NOMEM, "disk writer: out of memory");
	w->e = e;
	w->config = *config;
	if (!w->config.header_refresh_ms)
		w->config.header_refresh_ms = 1000;
	snprintf(w->session_name, sizeof w->session_name, "%s",
	         config->session_name ? config->session_name : "");
	w->config.session_name = w->session_name;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->done, NULL);
	int rc = pthread_create(&w->thread, NULL, writer_main, w);
	if (rc != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->done);
		free(w);
		return error_set(err, RL_ERR_SYSTEM,
		                 "cannot start the disk writer thread: %s",
		                 strerror(rc));
	}
	*out = w;
	return RL_OK;
}

void disk_writer_free(struct disk_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_mutex_unlock(&w->lock);
	engine_wake(w->e);
	pthread_join(w->thread, NULL);
	wtake_free(w->cur);
	while (w->prepared_head) {
		struct wtake *t = w->prepared_head;
		w->prepared_head = t->next;
		wtake_free(t);
	}
	while (w->results_head) {
		struct result *r = w->results_head;
		w->results_head = r->next;
		session_take_cleanup(&r->take);
		free(r);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->done);
	free(w);
}

enum rl_status disk_writer_prepare_take(struct disk_writer *w, uint32_t number,
                                        const struct disk_writer_track *tracks,
                                        size_t count,
                                        uint64_t latency_correction,
                                        struct error *err)
{
	struct wtake *t = calloc(1, sizeof *t);
	if (t)
		t->files = calloc(count ? count : 1, sizeof *t->files);
	if (!t || !t->files) {
		free(t);
		return error_set(err, RL_ERR_NOMEM, "take %u: out of memory",
		                 number);
	}
	t->number = number;
	t->latency_correction = latency_correction;
	for (size_t i = 0; i < count; i++) {
		struct wfile *f = &t->files[i];
		f->engine_track = tracks[i].engine_track;
		f->channels = tracks[i].channels == 2 ? 2 : 1;
		f->engine_tracks[0] = tracks[i].engine_track;
		f->engine_tracks[1] = tracks[i].engine_track_right;
		if (f->channels == 2) {
			f->stage = malloc(2 * STAGE_FRAMES * sizeof *f->stage);
			f->inter = malloc(2 * STAGE_FRAMES * sizeof *f->inter);
			if (!f->stage || !f->inter) {
				t->count = i + 1;
				wtake_free(t);
				return error_set(err, RL_ERR_NOMEM, "take %u: out "
				                 "of memory", number);
			}
		}
		f->number = tracks[i].number;
		snprintf(f->name, sizeof f->name, "%s", tracks[i].name);
		snprintf(f->relpath, sizeof f->relpath, "%s", tracks[i].relpath);
		char desc[256];
		snprintf(desc, sizeof desc, "session=%s track=%u:%s take=%u",
		         w->session_name, tracks[i].number, tracks[i].name,
		         number);
		struct take_file_info info = {
			.path = tracks[i].path,
			.sample_rate = w->config.sample_rate,
			.channels = f->channels,
			.format = w->config.format,
			.time_reference = 0,
			.description = desc,
		};
		enum rl_status st = take_file_create(&info, &f->tf, err);
		if (st != RL_OK) {
			t->count = i;
			wtake_free(t);
			return st;
		}
		t->count = i + 1;
	}
	pthread_mutex_lock(&w->lock);
	if (w->prepared_tail)
		w->prepared_tail->next = t;
	else
		w->prepared_head = t;
	w->prepared_tail = t;
	w->unfinished++;
	w->failed = false;
	pthread_mutex_unlock(&w->lock);
	return RL_OK;
}

void disk_writer_force_stop(struct disk_writer *w, uint64_t length,
                            const char *reason)
{
	pthread_mutex_lock(&w->lock);
	w->force = true;
	w->force_length = length;
	snprintf(w->force_reason, sizeof w->force_reason, "%s",
	         reason ? reason : "");
	pthread_mutex_unlock(&w->lock);
	engine_wake(w->e);
}

bool disk_writer_cancel_take(struct disk_writer *w, uint32_t number)
{
	pthread_mutex_lock(&w->lock);
	struct wtake *prev = NULL, *t = w->prepared_head;
	while (t && t->number != number) {
		prev = t;
		t = t->next;
	}
	if (t) {
		if (prev)
			prev->next = t->next;
		else
			w->prepared_head = t->next;
		if (w->prepared_tail == t)
			w->prepared_tail = prev;
		w->unfinished--;
	}
	pthread_mutex_unlock(&w->lock);
	wtake_free(t);
	return t != NULL;
}

bool disk_writer_poll(struct disk_writer *w, struct session_take *out)
{
	pthread_mutex_lock(&w->lock);
	struct result *r = w->results_head;
	if (r) {
		w->results_head = r->next;
		if (!w->results_head)
			w->results_tail = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	if (!r)
		return false;
	*out = r->take;
	free(r);
	return true;
}

bool disk_writer_wait(struct disk_writer *w, unsigned timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->results_head) {
		if (pthread_cond_timedwait(&w->done, &w->lock, &ts) != 0)
			break;
	}
	bool ready = w->results_head != NULL;
	pthread_mutex_unlock(&w->lock);
	return ready;
}

bool disk_writer_failed(struct disk_writer *w, struct error *err)
{
	pthread_mutex_lock(&w->lock);
	bool failed = w->failed;
	if (failed && err)
		*err = w->failure;
	pthread_mutex_unlock(&w->lock);
	return failed;
}

bool disk_writer_busy(struct disk_writer *w)
{
	pthread_mutex_lock(&w->lock);
	bool busy = w->unfinished > 0;
	pthread_mutex_unlock(&w->lock);
	return busy;
}
