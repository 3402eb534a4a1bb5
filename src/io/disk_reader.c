/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The disk reader. Three parties share a struct disk_reader:
 *
 * - the audio thread (the REALTIME functions) consumes the rings and owns
 *   the `a_*` fields and struct astream's plain fields;
 * - the reader thread (reader_main) produces into the rings and owns the
 *   open files (struct rstream) and the scratch buffers;
 * - the control thread hands new files to the reader through `pending`,
 *   under `lock`, which the audio thread never takes.
 *
 * Epochs. A locate is a request: (req_seq, req_frame) written by the audio
 * thread as a little seqlock. req_seq is even when the request is
 * complete and odd while the audio thread is between its two stores; each
 * locate adds 2, and that even number names the epoch. The reader serves
 * the newest complete request it sees: it empties the rings, repositions
 * every stream, prefills, and publishes ready_seq = the epoch (release).
 * The audio thread is ready when ready_seq equals its own epoch, so a
 * stale epoch can never be taken for the current one, whatever the reader
 * publishes and whenever.
 *
 * Startup: the reader is created with an implicit request for frame 0
 * (epoch FIRST_SEQ) already made, so disk_reader_position() is 0 and
 * disk_reader_ready() turns true once the rings are prefilled (with
 * silence: no stream has a file yet) without anyone calling
 * disk_reader_locate().
 */
#include "redlight/disk_reader.h"

#include "redlight/ring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <samplerate.h>
#include <sched.h>
#include <semaphore.h>
#include <sndfile.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The reader wakes by itself this often, even if nobody posts. */
#define WAIT_MS 50
/* Frames the reader renders and writes into a ring at a time: big enough
 * for few system calls, small enough to notice a new locate quickly. */
#define BLOCK_FRAMES 8192
/* Interleaved floats per sf_readf_float() call (any channel count). */
#define SCRATCH_SAMPLES 65536
/* Input frames per step of disk_reader_import(): memory stays bounded
 * however long the file is. */
#define IMPORT_FRAMES 16384
#define MIN_RING_FRAMES 64
/* The implicit locate to frame 0 that a new reader starts with. */
#define FIRST_SEQ 2u
#define CACHE_LINE 64

/* A file placed on the timeline, as the reader thread plays it. */
struct source {
	SNDFILE *sf;  /* NULL: the stream is silence */
	char *path;   /* for messages */
	int channels;
	int64_t frames;
	int64_t offset; /* timeline frame of file frame 0 */
	bool reported;  /* a read error was printed already */
};

/* A change made by the control thread, waiting for the next locate. */
struct pending {
	bool changed;
	struct source src;
	_Atomic bool has_file; /* what the last set/clear said, for stats */
};

/* Reader-thread state of one stream. */
struct rstream {
	struct source src;
	int64_t pos;      /* timeline frame of the next frame into the ring */
	int64_t file_pos; /* the file's read cursor; -1: unknown, seek first */
};

/* Audio-thread state of one stream (own cache line: the audio thread
 * writes it every cycle, nobody else does). */
struct astream {
	alignas(CACHE_LINE) struct ring *ring; /* floats; fixed after _new */
	int64_t pos;      /* timeline frame the next read starts at */
	uint64_t played;  /* frames read since the last locate */
	uint64_t skip;    /* frames played as silence, still to arrive */
	bool dry;         /* the last read came up short */
	/* No file in this epoch: it plays silence without its ring, and
	 * the reader leaves the ring alone (a session's tracks that have
	 * nothing to play yet cost neither thread anything). Written by
	 * the reader in begin_epoch(), when the audio thread keeps off the
	 * rings; read by the audio thread once the epoch is ready. */
	bool silent;
	uint64_t underrun_frames, underruns;
	_Atomic uint64_t pub_underrun_frames, pub_underruns;
};

struct disk_reader {
	uint32_t count;
	uint32_t rate;
	size_t capacity;    /* frames a ring holds (ring_frames rounded up) */
	size_t prefill;
	size_t wake_frames; /* play this much, then wake the reader */
	struct astream *streams;
	struct ring **rings;  /* the streams' rings, one block */

	pthread_t thread;
	sem_t wake;
	_Atomic bool quit;

	pthread_mutex_t lock; /* guards pending[].changed and .src */
	struct pending *pending;

	/* Reader thread only. */
	struct rstream *rs;
	float *mono;    /* BLOCK_FRAMES */
	float *scratch; /* SCRATCH_SAMPLES */
	uint64_t served; /* epoch being filled or filled */
	bool published;  /* ready_seq == served */

	/* Written by the audio thread, read by the reader. */
	alignas(CACHE_LINE) _Atomic uint64_t req_seq;
	_Atomic int64_t req_frame;
	_Atomic int64_t req_loop_start, req_loop_end; /* end <= start: none */
	/* Reader thread: the loop of the epoch being served. */
	int64_t loop_start, loop_end;
	/* Written by the reader, read by the audio thread. */
	alignas(CACHE_LINE) _Atomic uint64_t ready_seq;
	/* Audio thread only. */
	alignas(CACHE_LINE) uint64_t a_seq; /* epoch of the last locate */
	bool a_ready;    /* ready_seq == a_seq was seen */
	int64_t a_pos;   /* furthest stream position of this epoch */
	int64_t a_loop_start, a_loop_end; /* the epoch's loop */
	uint64_t a_played; /* frames consumed (furthest stream), monotonic */
	uint64_t a_woke;   /* a_played when the reader was last woken */
};

static void source_close(struct source *s)
{
	if (s->sf)
		sf_close(s->sf);
	free(s->path);
	*s = (struct source){ 0 };
}

/* ---- reader thread ---------------------------------------------------- */

/* A newer request than the epoch being served, or the end. */
static bool interrupted(struct disk_reader *r)
{
	return atomic_load_explicit(&r->quit, memory_order_relaxed) ||
	       atomic_load_explicit(&r->req_seq, memory_order_relaxed) !=
	               r->served;
}

/*
 * Read the newest request seqlock-style. The audio thread stores req_seq
 * odd (relaxed), req_frame (release: whoever sees the new frame also sees
 * the odd seq), then req_seq even (release). So if the frame we read is
 * newer than the seq we read first, the second read of seq differs from
 * the first. Returns false while a store is in progress (odd or changed);
 * the caller retries.
 */
static bool read_request(struct disk_reader *r, uint64_t *seq, int64_t *frame,
                         int64_t *loop_start, int64_t *loop_end)
{
	uint64_t s1 = atomic_load_explicit(&r->req_seq, memory_order_acquire);
	if (s1 & 1u)
		return false;
	int64_t ls = atomic_load_explicit(&r->req_loop_start,
	                                  memory_order_acquire);
	int64_t le = atomic_load_explicit(&r->req_loop_end,
	                                  memory_order_acquire);
	int64_t f = atomic_load_explicit(&r->req_frame, memory_order_acquire);
	uint64_t s2 = atomic_load_explicit(&r->req_seq, memory_order_relaxed);
	if (s1 != s2)
		return false;
	*seq = s1;
	*frame = f;
	*loop_start = ls;
	*loop_end = le;
	return true;
}

/* Take over what the control thread set since the last locate. */
static void apply_pending(struct disk_reader *r)
{
	pthread_mutex_lock(&r->lock);
	for (uint32_t i = 0; i < r->count; i++) {
		struct pending *p = &r->pending[i];
		if (!p->changed)
			continue;
		source_close(&r->rs[i].src);
		r->rs[i].src = p->src;
		p->src = (struct source){ 0 };
		p->changed = false;
	}
	pthread_mutex_unlock(&r->lock);
}

static void begin_epoch(struct disk_reader *r, uint64_t seq, int64_t frame,
                        int64_t loop_start, int64_t loop_end)
{
	/* A loop matters only to a play that reaches its end from before:
	 * started past the loop, the play runs straight on. */
	bool looping = loop_end > loop_start && frame < loop_end;
	r->loop_start = looping ? loop_start : 0;
	r->loop_end = looping ? loop_end : 0;
	/* The implicit startup epoch takes no changes: a stream set right
	 * after _new must wait for a real locate like any other, whether
	 * or not the thread has come this far yet. */
	if (seq != FIRST_SEQ)
		apply_pending(r);
	for (uint32_t i = 0; i < r->count; i++) {
		/* Empty the ring by playing the consumer's part for a moment.
		 * Safe: after disk_reader_locate() the audio thread does not
		 * touch the rings until it sees ready_seq == seq, which we
		 * publish only after this; and its last ring operations
		 * happen before its release store of req_seq, which we have
		 * acquired (read_request), so its read_pos is visible here
		 * and our store is visible to it through ready_seq. */
		struct ring *ring = r->streams[i].ring;
		ring_read_advance(ring, ring_read_space(ring));
		r->rs[i].pos = frame;
		r->rs[i].file_pos = -1;
		r->streams[i].silent = r->rs[i].src.sf == NULL;
	}
	r->served = seq;
	r->published = false;
}

/* The reader thread has nobody to return an error to: say it once per
 * file on stderr and play silence for the rest of the file. */
static void report(struct source *src, const char *what)
{
	if (src->reported)
		return;
	src->reported = true;
	const char *why = sf_error(src->sf) != SF_ERR_NO_ERROR
	                          ? sf_strerror(src->sf)
	                          : "the file is shorter than its header says";
	fprintf(stderr, "redlight: %s: %s: %s (playing silence from here)\n",
	        src->path, what, why);
}

/* Frames [pos, pos + n) of stream s into r->mono (n <= BLOCK_FRAMES):
 * the file where it is on the timeline, silence elsewhere. */
static void render(struct disk_reader *r, struct rstream *s, size_t n)
{
	struct source *src = &s->src;
	size_t done = 0;
	while (done < n) {
		int64_t t = s->pos + (int64_t)done;
		size_t left = n - done;
		float *out = r->mono + done;
		if (!src->sf || t >= src->offset + src->frames) {
			memset(out, 0, left * sizeof *out);
			return;
		}
		if (t < src->offset) {
			int64_t z = src->offset - t;
			size_t k = z < (int64_t)left ? (size_t)z : left;
			memset(out, 0, k * sizeof *out);
			done += k;
			continue;
		}
		int64_t ff = t - src->offset;
		int64_t remain = src->frames - ff;
		size_t k = remain < (int64_t)left ? (size_t)remain : left;
		size_t ch = (size_t)src->channels;
		if (k > SCRATCH_SAMPLES / ch)
			k = SCRATCH_SAMPLES / ch;
		if (s->file_pos != ff) {
			if (sf_seek(src->sf, ff, SEEK_SET) != ff) {
				report(src, "cannot seek");
				src->frames = ff; /* the rest is silence */
				continue;
			}
			s->file_pos = ff;
		}
		float *dst = ch == 1 ? out : r->scratch;
		sf_count_t got = sf_readf_float(src->sf, dst, (sf_count_t)k);
		if (got < 0)
			got = 0;
		if (ch > 1) {
			float scale = 1.0f / (float)ch;
			for (sf_count_t j = 0; j < got; j++) {
				const float *frame = r->scratch + (size_t)j * ch;
				float sum = 0.0f;
				for (size_t c = 0; c < ch; c++)
					sum += frame[c];
				out[j] = sum * scale;
			}
		}
		s->file_pos += got;
		if ((size_t)got < k) {
			report(src, "cannot read");
			src->frames = ff + got;
		}
		done += (size_t)got;
	}
}

/*
 * Bring every ring up to `target` frames, a block per stream per pass so
 * all streams progress together. A ring at or above prefill is topped up
 * only once `min_write` frames fit (big reads). Returns false if a newer
 * request (or quit) interrupted it.
 */
static bool fill(struct disk_reader *r, size_t target, size_t min_write)
{
	for (;;) {
		bool wrote = false;
		for (uint32_t i = 0; i < r->count; i++) {
			if (r->streams[i].silent)
				continue;
			struct ring *ring = r->streams[i].ring;
			size_t have = r->capacity -
			              ring_write_space(ring) / sizeof(float);
			if (have >= target)
				continue;
			size_t n = target - have;
			if (n < min_write && have >= r->prefill)
				continue;
			if (n > BLOCK_FRAMES)
				n = BLOCK_FRAMES;
			/* In a loop the ring holds the frames in play order:
			 * up to the loop end, then from the loop start. */
			struct rstream *rs = &r->rs[i];
			bool looping = r->loop_end > r->loop_start;
			if (looping && rs->pos + (int64_t)n > r->loop_end)
				n = (size_t)(r->loop_end - rs->pos);
			render(r, rs, n);
			/* Cannot fail: we are the only writer and the space
			 * we measured can only have grown. */
			ring_write(ring, r->mono, n * sizeof(float));
			rs->pos += (int64_t)n;
			if (looping && rs->pos == r->loop_end) {
				rs->pos = r->loop_start;
				rs->file_pos = -1; /* seek back */
			}
			wrote = true;
			if (interrupted(r))
				return false;
		}
		if (!wrote)
			return true;
	}
}

static void wait_for_work(struct disk_reader *r)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += WAIT_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&r->wake, &ts) != 0 && errno == EINTR)
		;
	/* Several posts may have piled up; one pass serves them all. */
	while (sem_trywait(&r->wake) == 0)
		;
}

static void *reader_main(void *arg)
{
	struct disk_reader *r = arg;
	while (!atomic_load_explicit(&r->quit, memory_order_relaxed)) {
		if (atomic_load_explicit(&r->req_seq, memory_order_relaxed) !=
		    r->served) {
			uint64_t seq;
			int64_t frame, ls, le;
			if (!read_request(r, &seq, &frame, &ls, &le)) {
				/* The audio thread is between its two
				 * stores: a few instructions. */
				sched_yield();
				continue;
			}
			begin_epoch(r, seq, frame, ls, le);
		}
		if (!r->published) {
			if (!fill(r, r->prefill, 0) || interrupted(r))
				continue; /* superseded: never publish it */
			atomic_store_explicit(&r->ready_seq, r->served,
			                      memory_order_release);
			r->published = true;
		}
		if (!fill(r, r->capacity, r->wake_frames))
			continue;
		wait_for_work(r);
	}
	return NULL;
}

/* ---- control thread --------------------------------------------------- */

static void free_parts(struct disk_reader *r)
{
	ring_free_set(r->rings, r->count);
	if (r->streams) {
		munlock(r->streams, r->count * sizeof *r->streams);
		free(r->streams);
	}
	if (r->rs) {
		for (uint32_t i = 0; i < r->count; i++)
			source_close(&r->rs[i].src);
		free(r->rs);
	}
	if (r->pending) {
		for (uint32_t i = 0; i < r->count; i++)
			source_close(&r->pending[i].src);
		free(r->pending);
	}
	free(r->mono);
	free(r->scratch);
	munlock(r, sizeof *r);
	free(r);
}

enum rl_status disk_reader_new(const struct disk_reader_config *config,
                               struct disk_reader **out, struct error *err)
{
	*out = NULL;
	if (config->sample_rate == 0)
		return error_set(err, RL_ERR_INVALID,
		                 "disk reader: need a sample rate");
	size_t ring_frames = config->ring_frames ? config->ring_frames
	                                         : 4 * (size_t)config->sample_rate;
	size_t prefill = config->prefill_frames ? config->prefill_frames
	                                        : ring_frames / 2;
	if (ring_frames < MIN_RING_FRAMES || prefill > ring_frames ||
	    ring_frames > SIZE_MAX / 2 / sizeof(float))
		return error_set(err, RL_ERR_INVALID,
		                 "disk reader: rings of %zu frames with a prefill "
		                 "of %zu: need at least %d frames and a prefill "
		                 "no larger than the ring", ring_frames, prefill,
		                 MIN_RING_FRAMES);

	/* The audio thread touches this struct: lock it like the rings. */
	size_t size = (sizeof(struct disk_reader) + CACHE_LINE - 1) /
	              CACHE_LINE * CACHE_LINE;
	struct disk_reader *r = aligned_alloc(CACHE_LINE, size);
	if (!r)
		return error_set(err, RL_ERR_NOMEM, "disk reader: out of memory");
	memset(r, 0, sizeof *r);
	uint32_t n = config->stream_count;
	r->count = n;
	r->rate = config->sample_rate;
	r->prefill = prefill;
	size_t slots = n ? n : 1;
	r->streams = aligned_alloc(CACHE_LINE, slots * sizeof *r->streams);
	r->rs = calloc(slots, sizeof *r->rs);
	r->pending = calloc(slots, sizeof *r->pending);
	r->mono = malloc(BLOCK_FRAMES * sizeof *r->mono);
	r->scratch = malloc(SCRATCH_SAMPLES * sizeof *r->scratch);
	bool ok = r->streams && r->rs && r->pending && r->mono && r->scratch;
	if (r->streams)
		memset(r->streams, 0, slots * sizeof *r->streams);
	/* One block for all rings (huge pages, see ring_new_set()). */
	if (ok) {
		r->rings = ring_new_set(n, ring_frames * sizeof(float));
		ok = r->rings != NULL;
	}
	for (uint32_t i = 0; ok && i < n; i++)
		r->streams[i].ring = r->rings[i];
	if (!ok) {
		free_parts(r);
		return error_set(err, RL_ERR_NOMEM,
		                 "disk reader: cannot allocate %u rings of %zu "
		                 "frames", n, ring_frames);
	}
	r->capacity = n ? r->streams[0].ring->size / sizeof(float)
	                : ring_frames;
	r->wake_frames = r->capacity / 4 < BLOCK_FRAMES ? r->capacity / 4
	                                                : BLOCK_FRAMES;
	mlock(r, sizeof *r);
	mlock(r->streams, slots * sizeof *r->streams);

	/* The implicit first locate (see the file comment). */
	atomic_init(&r->req_seq, FIRST_SEQ);
	atomic_init(&r->req_frame, 0);
	atomic_init(&r->ready_seq, 0);
	atomic_init(&r->quit, false);
	r->a_seq = FIRST_SEQ;
	r->served = 0;

	if (sem_init(&r->wake, 0, 0) != 0) {
		int e = errno;
		free_parts(r);
		return error_set(err, RL_ERR_SYSTEM,
		                 "disk reader: cannot create a semaphore: %s",
		                 strerror(e));
	}
	pthread_mutex_init(&r->lock, NULL);
	int rc = pthread_create(&r->thread, NULL, reader_main, r);
	if (rc != 0) {
		pthread_mutex_destroy(&r->lock);
		sem_destroy(&r->wake);
		free_parts(r);
		return error_set(err, RL_ERR_SYSTEM,
		                 "cannot start the disk reader thread: %s",
		                 strerror(rc));
	}
	*out = r;
	return RL_OK;
}

void disk_reader_free(struct disk_reader *r)
{
	if (!r)
		return;
	atomic_store_explicit(&r->quit, true, memory_order_relaxed);
	sem_post(&r->wake);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	sem_destroy(&r->wake);
	free_parts(r);
}

/*
 * How a change travels: the control thread opens and checks the file
 * here and parks it in pending[i] under the mutex (replacing, and closing,
 * a change not yet taken). The reader thread takes all parked changes
 * when it starts serving the next locate (apply_pending), before it
 * positions and prefills the streams, and closes the files they replace:
 * from then on it alone uses the handle.
 */
static void park(struct disk_reader *r, uint32_t i, struct source *src)
{
	struct source old = { 0 };
	pthread_mutex_lock(&r->lock);
	struct pending *p = &r->pending[i];
	if (p->changed)
		old = p->src;
	p->src = *src;
	p->changed = true;
	atomic_store_explicit(&p->has_file, src->sf != NULL,
	                      memory_order_relaxed);
	pthread_mutex_unlock(&r->lock);
	source_close(&old);
}

enum rl_status disk_reader_set_stream(struct disk_reader *r, uint32_t i,
                                      const char *path, int64_t offset,
                                      struct error *err)
{
	if (i >= r->count)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: stream %u does not exist (the reader has "
		                 "%u)", path, i, r->count);
	struct stat st;
	if (stat(path, &st) != 0) {
		int e = errno;
		return error_set(err, rl_status_from_errno(e), "%s: %s", path,
		                 strerror(e));
	}
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return error_set(err, RL_ERR_FORMAT, "%s: cannot read it as "
		                 "audio: %s", path, sf_strerror(NULL));
	enum rl_status status = RL_OK;
	if (info.samplerate != (int)r->rate)
		status = error_set(err, RL_ERR_FORMAT,
		                   "%s: sample rate is %d Hz but the session runs "
		                   "at %u Hz; import it first to convert it "
		                   "(disk_reader_import)", path, info.samplerate,
		                   r->rate);
	else if (info.channels < 1)
		status = error_set(err, RL_ERR_FORMAT, "%s: no channels", path);
	else if (!info.seekable)
		status = error_set(err, RL_ERR_FORMAT,
		                   "%s: not seekable (cannot locate in it)", path);
	else if (info.frames < 0 ||
	         (offset > 0 && info.frames > INT64_MAX / 2 - offset) ||
	         offset < INT64_MIN / 2)
		status = error_set(err, RL_ERR_INVALID,
		                   "%s: offset %lld is out of range", path,
		                   (long long)offset);
	char *copy = status == RL_OK ? strdup(path) : NULL;
	if (status == RL_OK && !copy)
		status = error_set(err, RL_ERR_NOMEM, "%s: out of memory", path);
	if (status != RL_OK) {
		sf_close(sf);
		return status;
	}
	struct source src = { .sf = sf, .path = copy,
	                      .channels = info.channels,
	                      .frames = (int64_t)info.frames,
	                      .offset = offset };
	park(r, i, &src);
	return RL_OK;
}

void disk_reader_clear_stream(struct disk_reader *r, uint32_t i)
{
	if (i >= r->count)
		return;
	struct source none = { 0 };
	park(r, i, &none);
}

void disk_reader_stats(const struct disk_reader *r, uint32_t i,
                       struct disk_reader_stats *out)
{
	*out = (struct disk_reader_stats){ 0 };
	if (i >= r->count)
		return;
	const struct astream *s = &r->streams[i];
	out->underrun_frames = atomic_load_explicit(&s->pub_underrun_frames,
	                                            memory_order_relaxed);
	out->underruns = atomic_load_explicit(&s->pub_underruns,
	                                      memory_order_relaxed);
	out->ring_fill = ring_read_space(s->ring) / sizeof(float);
	out->has_file = atomic_load_explicit(&r->pending[i].has_file,
	                                     memory_order_relaxed);
}

/* ---- import ----------------------------------------------------------- */

struct import {
	const char *src_path, *dest_path;
	SNDFILE *in, *out;
	int channels;
	float *in_buf;  /* IMPORT_FRAMES * channels */
	float *mono;    /* IMPORT_FRAMES */
	float *out_buf; /* out_cap */
	size_t out_cap;
	SRC_STATE *src;
};

static enum rl_status write_out(struct import *im, const float *buf,
                                size_t n, struct error *err)
{
	if (n == 0)
		return RL_OK;
	sf_count_t done = sf_writef_float(im->out, buf, (sf_count_t)n);
	if (done != (sf_count_t)n) {
		int e = errno;
		enum rl_status st = (e == ENOSPC || e == EDQUOT)
		                            ? RL_ERR_DISK_FULL : RL_ERR_IO;
		return error_set(err, st, "%s: cannot write: %s", im->dest_path,
		                 sf_strerror(im->out));
	}
	return RL_OK;
}

/* Next chunk of the source, mixed to mono into im->mono; 0 at the end. */
static enum rl_status read_mono(struct import *im, size_t *got,
                                struct error *err)
{
	sf_count_t n = sf_readf_float(im->in, im->in_buf, IMPORT_FRAMES);
	if (n <= 0) {
		*got = 0;
		if (sf_error(im->in) != SF_ERR_NO_ERROR)
			return error_set(err, RL_ERR_IO, "%s: cannot read: %s",
			                 im->src_path, sf_strerror(im->in));
		return RL_OK;
	}
	size_t ch = (size_t)im->channels;
	if (ch == 1) {
		memcpy(im->mono, im->in_buf, (size_t)n * sizeof(float));
	} else {
		float scale = 1.0f / (float)ch;
		for (sf_count_t j = 0; j < n; j++) {
			const float *frame = im->in_buf + (size_t)j * ch;
			float sum = 0.0f;
			for (size_t c = 0; c < ch; c++)
				sum += frame[c];
			im->mono[j] = sum * scale;
		}
	}
	*got = (size_t)n;
	return RL_OK;
}

static enum rl_status copy_all(struct import *im, struct error *err)
{
	for (;;) {
		size_t n;
		enum rl_status st = read_mono(im, &n, err);
		if (st != RL_OK)
			return st;
		if (n == 0)
			return RL_OK;
		if ((st = write_out(im, im->mono, n, err)) != RL_OK)
			return st;
	}
}

/* Through libsamplerate a chunk at a time; end_of_input flushes the
 * filter's tail at the end. */
static enum rl_status convert_all(struct import *im, double ratio,
                                  struct error *err)
{
	size_t in_len = 0, in_at = 0;
	bool eof = false;
	for (;;) {
		if (in_len == 0 && !eof) {
			enum rl_status st = read_mono(im, &in_len, err);
			if (st != RL_OK)
				return st;
			in_at = 0;
			eof = in_len == 0;
		}
		SRC_DATA d = {
			.data_in = im->mono + in_at,
			.input_frames = (long)in_len,
			.data_out = im->out_buf,
			.output_frames = (long)im->out_cap,
			.end_of_input = eof,
			.src_ratio = ratio,
		};
		int e = src_process(im->src, &d);
		if (e != 0)
			return error_set(err, RL_ERR_IO, "%s: resampling failed: "
			                 "%s", im->src_path, src_strerror(e));
		in_at += (size_t)d.input_frames_used;
		in_len -= (size_t)d.input_frames_used;
		enum rl_status st = write_out(im, im->out_buf,
		                              (size_t)d.output_frames_gen, err);
		if (st != RL_OK)
			return st;
		if (d.input_frames_used == 0 && d.output_frames_gen == 0) {
			if (eof && in_len == 0)
				return RL_OK; /* the tail is out */
			return error_set(err, RL_ERR_IO,
			                 "%s: resampler made no progress",
			                 im->src_path);
		}
	}
}

enum rl_status disk_reader_import(const char *src_path, const char *dest_path,
                                  uint32_t rate, struct error *err)
{
	if (rate == 0 || rate > 768000)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: cannot import at %u Hz", src_path, rate);
	struct stat st;
	if (stat(src_path, &st) != 0) {
		int e = errno;
		return error_set(err, rl_status_from_errno(e), "%s: %s",
		                 src_path, strerror(e));
	}
	struct import im = { .src_path = src_path, .dest_path = dest_path };
	SF_INFO in_info = { 0 };
	im.in = sf_open(src_path, SFM_READ, &in_info);
	if (!im.in)
		return error_set(err, RL_ERR_FORMAT, "%s: cannot read it as "
		                 "audio: %s", src_path, sf_strerror(NULL));
	im.channels = in_info.channels;
	double ratio = (double)rate / (double)in_info.samplerate;
	bool resample = in_info.samplerate != (int)rate;
	if (in_info.channels < 1 || in_info.samplerate <= 0 ||
	    (resample && !src_is_valid_ratio(ratio))) {
		sf_close(im.in);
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: cannot convert %d channel(s) at %d Hz to "
		                 "%u Hz", src_path, in_info.channels,
		                 in_info.samplerate, rate);
	}

	/* Never overwrite: O_EXCL makes "does it exist" and "create it" one
	 * step, so nothing can appear in between. */
	int fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = errno;
		sf_close(im.in);
		if (e == EEXIST)
			return error_set(err, RL_ERR_EXISTS, "%s: already exists; "
			                 "not overwriting it", dest_path);
		return error_set(err, rl_status_from_errno(e), "%s: %s",
		                 dest_path, strerror(e));
	}
	enum rl_status status = RL_OK;
	SF_INFO out_info = { .samplerate = (int)rate, .channels = 1,
	                     .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	/* SF_FALSE: we close fd ourselves, after fsync, on every path. */
	im.out = sf_open_fd(fd, SFM_WRITE, &out_info, SF_FALSE);
	if (!im.out)
		status = error_set(err, RL_ERR_IO, "%s: cannot write a WAV "
		                   "file: %s", dest_path, sf_strerror(NULL));
	if (status == RL_OK) {
		im.in_buf = malloc(IMPORT_FRAMES * (size_t)im.channels *
		                   sizeof(float));
		im.mono = malloc(IMPORT_FRAMES * sizeof(float));
		im.out_cap = resample ? (size_t)(IMPORT_FRAMES * ratio) + 1024 : 0;
		im.out_buf = resample ? malloc(im.out_cap * sizeof(float)) : NULL;
		int e = 0;
		im.src = resample ? src_new(SRC_SINC_BEST_QUALITY, 1, &e) : NULL;
		if (!im.in_buf || !im.mono || (resample && !im.out_buf))
			status = error_set(err, RL_ERR_NOMEM,
			                   "%s: out of memory converting it",
			                   src_path);
		else if (resample && !im.src)
			status = error_set(err, RL_ERR_NOMEM,
			                   "%s: cannot start the resampler: %s",
			                   src_path, src_strerror(e));
	}
	if (status == RL_OK)
		status = resample ? convert_all(&im, ratio, err)
		                  : copy_all(&im, err);
	if (im.out && sf_close(im.out) != 0 && status == RL_OK)
		status = error_set(err, RL_ERR_IO, "%s: cannot finish the file",
		                   dest_path);
	if (status == RL_OK && fsync(fd) != 0) {
		int e = errno;
		status = error_set(err, rl_status_from_errno(e), "%s: %s",
		                   dest_path, strerror(e));
	}
	if (close(fd) != 0 && status == RL_OK) {
		int e = errno;
		status = error_set(err, rl_status_from_errno(e), "%s: %s",
		                   dest_path, strerror(e));
	}
	if (status != RL_OK)
		unlink(dest_path); /* ours: O_EXCL created it */
	sf_close(im.in);
	if (im.src)
		src_delete(im.src);
	free(im.in_buf);
	free(im.mono);
	free(im.out_buf);
	return status;
}

/* ---- audio thread ----------------------------------------------------- */

REALTIME uint32_t disk_reader_stream_count(const struct disk_reader *r)
{
	return r->count;
}

REALTIME void disk_reader_locate(struct disk_reader *r, int64_t frame)
{
	disk_reader_locate_loop(r, frame, 0, 0);
}

REALTIME void disk_reader_locate_loop(struct disk_reader *r, int64_t frame,
                                      int64_t loop_start, int64_t loop_end)
{
	uint64_t seq = r->a_seq + 2;
	bool looping = loop_end > loop_start && frame < loop_end;
	/* Seqlock write (see read_request): odd, loop and frame, even. */
	atomic_store_explicit(&r->req_seq, seq - 1, memory_order_relaxed);
	atomic_store_explicit(&r->req_loop_start, loop_start,
	                      memory_order_release);
	atomic_store_explicit(&r->req_loop_end, loop_end, memory_order_release);
	atomic_store_explicit(&r->req_frame, frame, memory_order_release);
	atomic_store_explicit(&r->req_seq, seq, memory_order_release);
	r->a_seq = seq;
	r->a_ready = false;
	r->a_pos = frame;
	r->a_loop_start = looping ? loop_start : 0;
	r->a_loop_end = looping ? loop_end : 0;
	r->a_played = 0;
	r->a_woke = 0;
	for (uint32_t i = 0; i < r->count; i++) {
		struct astream *s = &r->streams[i];
		s->pos = frame;
		s->played = 0;
		s->skip = 0;
		s->dry = false;
	}
	sem_post(&r->wake);
}

REALTIME bool disk_reader_ready(struct disk_reader *r)
{
	if (r->a_ready)
		return true;
	/* Acquire: the reader's ring contents and its emptying of the
	 * rings (begin_epoch) are visible from here on. */
	if (atomic_load_explicit(&r->ready_seq, memory_order_acquire) !=
	    r->a_seq)
		return false;
	r->a_ready = true;
	return true;
}

REALTIME int64_t disk_reader_position(const struct disk_reader *r)
{
	return r->a_pos;
}

/* Take n frames of s's ring into out (NULL: drop them). Frames the ring
 * does not have yet play as silence and are owed: `skip` discards them
 * when they arrive, so the stream stays on the timeline. True if the
 * ring ran dry (wake the reader). */
REALTIME static bool take_from_ring(struct astream *s, float *out,
                                    uint32_t n)
{
	size_t avail = ring_read_space(s->ring) / sizeof(float);
	if (s->skip > 0) {
		size_t k = s->skip < avail ? (size_t)s->skip : avail;
		ring_read_advance(s->ring, k * sizeof(float));
		s->skip -= k;
		avail -= k;
	}
	size_t got = avail < n ? avail : n;
	if (got > 0) {
		if (out)
			ring_read(s->ring, out, got * sizeof(float));
		else
			ring_read_advance(s->ring, got * sizeof(float));
	}
	bool wake = false;
	if (got < n) {
		size_t missing = n - got;
		s->skip += missing;
		if (out) {
			memset(out + got, 0, missing * sizeof *out);
			s->underrun_frames += missing;
			atomic_store_explicit(&s->pub_underrun_frames,
			                      s->underrun_frames,
			                      memory_order_relaxed);
			if (!s->dry) {
				s->underruns++;
				atomic_store_explicit(&s->pub_underruns,
				                      s->underruns,
				                      memory_order_relaxed);
			}
		}
		s->dry = true;
		wake = true;
	} else {
		s->dry = false;
	}
	return wake;
}

/* Take n frames of s into out (NULL: drop them), and move it on. */
REALTIME static void consume(struct disk_reader *r, struct astream *s,
                             float *out, uint32_t n)
{
	bool wake = false;
	if (!s->silent)
		wake = take_from_ring(s, out, n);
	else if (out)
		memset(out, 0, n * sizeof *out);
	/* The engine cuts its cycles at the loop end, so a read ends on
	 * it at most, and the next one starts at the loop start. */
	s->played += n;
	s->pos += n;
	if (r->a_loop_end > r->a_loop_start && s->pos == r->a_loop_end)
		s->pos = r->a_loop_start;
	if (s->played > r->a_played) {
		r->a_played = s->played;
		r->a_pos = s->pos;
	}
	/* Wake the reader once per wake_frames of play (it then writes a
	 * big block), at once when a ring ran dry. */
	if (r->a_played - r->a_woke >= r->wake_frames) {
		r->a_woke = r->a_played;
		wake = true;
	}
	if (wake)
		sem_post(&r->wake);
}

REALTIME void disk_reader_read(struct disk_reader *r, uint32_t i, float *out,
                               uint32_t nframes)
{
	/* Outside the contract (a bad index, or not ready): play silence
	 * and keep off the rings, which the reader may be emptying. */
	if (i >= r->count || !disk_reader_ready(r)) {
		memset(out, 0, nframes * sizeof *out);
		return;
	}
	consume(r, &r->streams[i], out, nframes);
}

REALTIME void disk_reader_skip(struct disk_reader *r, uint32_t i,
                               uint32_t nframes)
{
	if (i >= r->count || !disk_reader_ready(r))
		return;
	consume(r, &r->streams[i], NULL, nframes);
}
