/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Offline renders from take files: the comp and the bounce.
 *
 * Both go the same way. Every argument and every source is checked first
 * (open, rate, channels, seekable), so a bad request never creates the
 * destination. Then the destination is created with O_EXCL and the output
 * is rendered in blocks of BLOCK_FRAMES: for each block, each source that
 * plays in it is read for exactly the frames it plays (sf_seek +
 * sf_readf_float), so memory is a few blocks whatever the length. Any
 * failure once the destination exists removes it: O_EXCL made it ours, and
 * a half-rendered file must not pass for a finished one.
 *
 * Discretising the crossfade. The header's x goes from 0 to 1 across a
 * fade of L frames; frame k (0 <= k < L) of the fade takes x at the
 * frame's centre, x = (k + 0.5) / L. The fade is then symmetric about its
 * boundary (gain_in at frame k equals gain_out at frame L - 1 - k), every
 * frame keeps gain_out² + gain_in² = 1, and no frame of the fade is pure
 * "out" or pure "in" (those are the frames just outside it). The fade's
 * frames are [B - L/2, B - L/2 + L) with integer division, which is the
 * header's [B - fade/2, B + fade/2) for an even length.
 */
#include "redlight/mixdown.h"

#include <sndfile.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Output frames rendered per step: big enough for few system calls, small
 * enough that a render of hundreds of tracks stays in the cache. */
#define BLOCK_FRAMES 8192
/* Interleaved floats per read of a source with more than one channel (a
 * 1024-channel file is still read 64 frames at a time). */
#define SCRATCH_SAMPLES 65536
/* Timeline positions and lengths are kept within ±2^60 so that no sum or
 * difference of two of them can overflow an int64_t. */
#define MAX_POS ((int64_t)1 << 60)
/* A plain WAV's sizes are 32 bits; past this the output is RF64. */
#define WAV_MAX_DATA_BYTES (UINT64_C(0xFFFFFFFF) - 65536)

/* Target peak window of a rough mix, dBFS (mixdown_report). */
#define TARGET_LOW_DBFS (-6.0)
#define TARGET_HIGH_DBFS (-3.0)

/* strerror() is not thread-safe and renders run on any non-RT thread. */
static const char *errno_text(int errnum, char *buf, size_t size)
{
	return strerror_r(errnum, buf, size);
}

static enum rl_status errno_error(struct error *err, int errnum,
                                  const char *path)
{
	char buf[128];
	return error_set(err, rl_status_from_errno(errnum), "%s: %s", path,
	                 errno_text(errnum, buf, sizeof buf));
}

static bool format_valid(enum take_format format)
{
	return format == TAKE_FORMAT_PCM24 || format == TAKE_FORMAT_FLOAT ||
	       format == TAKE_FORMAT_PCM16;
}

static int sf_subtype(enum take_format format)
{
	switch (format) {
	case TAKE_FORMAT_PCM24: return SF_FORMAT_PCM_24;
	case TAKE_FORMAT_FLOAT: return SF_FORMAT_FLOAT;
	case TAKE_FORMAT_PCM16: return SF_FORMAT_PCM_16;
	}
	return 0;
}

static bool pos_valid(int64_t pos)
{
	return pos > -MAX_POS && pos < MAX_POS;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- sources ---------------------------------------------------------- */

/* One input file, opened once however many pieces or tracks use it. */
struct source {
	const char *path; /* the caller's string */
	SNDFILE *sf;
	int channels;
	int64_t frames;
	int64_t pos;      /* the file's read cursor; -1: unknown, seek first */
};

struct sources {
	struct source *v;
	size_t count;
	float *scratch; /* SCRATCH_SAMPLES interleaved, for multi-channel */
};

static void sources_close(struct sources *set)
{
	for (size_t i = 0; i < set->count; i++)
		sf_close(set->v[i].sf);
	free(set->v);
	free(set->scratch);
	*set = (struct sources){ 0 };
}

/* Open `path` as a source at `rate`. Errors name the file. */
static enum rl_status source_open(struct source *s, const char *path,
                                  uint32_t rate, struct error *err)
{
	/* stat first so a missing file says "No such file" (NOT_FOUND), not
	 * libsndfile's vaguer text. */
	struct stat st;
	if (stat(path, &st) != 0)
		return errno_error(err, errno, path);
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: cannot read it as audio: %s", path,
		                 sf_strerror(NULL));
	enum rl_status status = RL_OK;
	if (info.samplerate != (int)rate)
		status = error_set(err, RL_ERR_FORMAT,
		                   "%s: its sample rate is %d Hz but the session "
		                   "runs at %u Hz; import it first to convert it",
		                   path, info.samplerate, rate);
	else if (info.channels < 1)
		status = error_set(err, RL_ERR_FORMAT, "%s: no channels", path);
	else if (!info.seekable)
		status = error_set(err, RL_ERR_FORMAT,
		                   "%s: not seekable (cannot read it in blocks)",
		                   path);
	else if (info.frames < 0 || info.frames >= MAX_POS)
		status = error_set(err, RL_ERR_FORMAT,
		                   "%s: bad length (%lld frames)", path,
		                   (long long)info.frames);
	if (status != RL_OK) {
		sf_close(sf);
		return status;
	}
	*s = (struct source){ .path = path, .sf = sf,
	                      .channels = info.channels,
	                      .frames = (int64_t)info.frames, .pos = 0 };
	return RL_OK;
}

/* The index of `path` in set, opening it if it is new. set->v has room for
 * every path the caller will add. */
static enum rl_status sources_add(struct sources *set, const char *path,
                                  uint32_t rate, size_t *index,
                                  struct error *err)
{
	for (size_t i = 0; i < set->count; i++) {
		if (strcmp(set->v[i].path, path) == 0) {
			*index = i;
			return RL_OK;
		}
	}
	enum rl_status st = source_open(&set->v[set->count], path, rate, err);
	if (st != RL_OK)
		return st;
	*index = set->count++;
	return RL_OK;
}

static enum rl_status sources_alloc(struct sources *set, size_t count,
                                    struct error *err)
{
	*set = (struct sources){ 0 };
	set->v = calloc(count, sizeof *set->v);
	set->scratch = malloc(SCRATCH_SAMPLES * sizeof *set->scratch);
	if (!set->v || !set->scratch) {
		sources_close(set);
		return error_set(err, RL_ERR_NOMEM,
		                 "mixdown: out of memory for %zu sources", count);
	}
	return RL_OK;
}

/*
 * File frames [at, at + n) of source s, mixed to mono (the average of its
 * channels, as import does), into out; frames the file does not have
 * (before 0, past its end) are silence. n <= BLOCK_FRAMES. With `right`
 * (and a stereo source), the left channel goes to out and the right to
 * `right` instead.
 */
static enum rl_status source_read2(struct sources *set, struct source *s,
                                   int64_t at, size_t n, float *out,
                                   float *right, struct error *err)
{
	size_t done = 0;
	if (right && s->channels != 2)
		right = NULL;
	if (at < 0) {
		done = (size_t)min64((int64_t)n, -at);
		memset(out, 0, done * sizeof *out);
		if (right)
			memset(right, 0, done * sizeof *right);
	}
	int64_t pos = at + (int64_t)done;
	size_t avail = pos < s->frames
	                       ? (size_t)min64((int64_t)(n - done),
	                                       s->frames - pos)
	                       : 0;
	if (avail > 0 && s->pos != pos) {
		if (sf_seek(s->sf, pos, SEEK_SET) != pos) {
			s->pos = -1;
			return error_set(err, RL_ERR_IO,
			                 "%s: cannot seek to frame %lld: %s",
			                 s->path, (long long)pos,
			                 sf_strerror(s->sf));
		}
		s->pos = pos;
	}
	size_t ch = (size_t)s->channels;
	size_t step = ch == 1 ? avail : SCRATCH_SAMPLES / ch;
	while (avail > 0) {
		size_t want = avail < step ? avail : step;
		float *dst = out + done;
		float *buf = ch == 1 ? dst : set->scratch;
		sf_count_t got = sf_readf_float(s->sf, buf, (sf_count_t)want);
		if (got != (sf_count_t)want) {
			int64_t where = s->pos + (got > 0 ? got : 0);
			s->pos = -1;
			return error_set(err, RL_ERR_IO,
			                 "%s: cannot read frame %lld: %s", s->path,
			                 (long long)where,
			                 sf_error(s->sf) != SF_ERR_NO_ERROR
			                         ? sf_strerror(s->sf)
			                         : "the file is shorter than its "
			                           "header says");
		}
		if (right) {
			for (size_t j = 0; j < want; j++) {
				dst[j] = buf[2 * j];
				right[done + j] = buf[2 * j + 1];
			}
		} else if (ch > 1) {
			float scale = 1.0f / (float)ch;
			for (size_t j = 0; j < want; j++) {
				const float *frame = buf + j * ch;
				float sum = 0.0f;
				for (size_t c = 0; c < ch; c++)
					sum += frame[c];
				dst[j] = sum * scale;
			}
		}
		s->pos += (int64_t)want;
		done += want;
		avail -= want;
	}
	memset(out + done, 0, (n - done) * sizeof *out);
	if (right)
		memset(right + done, 0, (n - done) * sizeof *right);
	return RL_OK;
}


/* ---- the destination -------------------------------------------------- */

struct output {
	const char *path;
	int fd; /* ours: libsndfile is told not to close it */
	SNDFILE *sf;
};

/*
 * Create `path` exclusively as a WAV of `frames` frames (RF64 if that is
 * past 4 GB: the length is known up front, so no auto downgrade is
 * needed), with a bext chunk whose time reference is timeline frame
 * `time_ref` (0 if that is before the timeline's start: it is unsigned).
 * Integer formats clip: a sum over full scale saturates instead of
 * wrapping around to the other sign.
 */
static enum rl_status output_create(struct output *o, const char *path,
                                    uint32_t rate, int channels,
                                    enum take_format format, uint64_t frames,
                                    int64_t time_ref, struct error *err)
{
	*o = (struct output){ .path = path, .fd = -1 };
	o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		int e = errno;
		if (e == EEXIST)
			return error_set(err, RL_ERR_EXISTS, "%s: already exists; "
			                 "not overwriting it", path);
		return errno_error(err, e, path);
	}
	uint64_t bytes = frames * (uint64_t)channels * take_format_bytes(format);
	SF_INFO info = {
		.samplerate = (int)rate, .channels = channels,
		.format = (bytes > WAV_MAX_DATA_BYTES ? SF_FORMAT_RF64
		                                      : SF_FORMAT_WAV) |
		          sf_subtype(format),
	};
	enum rl_status status = RL_OK;
	o->sf = sf_open_fd(o->fd, SFM_WRITE, &info, SF_FALSE);
	if (!o->sf) {
		status = error_set(err, RL_ERR_IO, "%s: cannot write a WAV "
		                   "file: %s", path, sf_strerror(NULL));
	} else if (format != TAKE_FORMAT_FLOAT &&
	           sf_command(o->sf, SFC_SET_CLIPPING, NULL, SF_TRUE) !=
	                   SF_TRUE) {
		status = error_set(err, RL_ERR_IO,
		                   "%s: libsndfile refused clipping", path);
	} else {
		/* Before the first sample: bext goes in the header. */
		SF_BROADCAST_INFO bext;
		memset(&bext, 0, sizeof bext);
		memcpy(bext.originator, "redlight", 8);
		uint64_t ref = time_ref > 0 ? (uint64_t)time_ref : 0;
		bext.time_reference_low = (uint32_t)ref;
		bext.time_reference_high = (uint32_t)(ref >> 32);
		bext.version = 1;
		if (sf_command(o->sf, SFC_SET_BROADCAST_INFO, &bext,
		               (int)sizeof bext) != SF_TRUE)
			status = error_set(err, RL_ERR_IO, "%s: cannot write the "
			                   "bext chunk: %s", path,
			                   sf_strerror(o->sf));
	}
	if (status != RL_OK) {
		if (o->sf)
			sf_close(o->sf);
		close(o->fd);
		unlink(path); /* ours: O_EXCL created it */
		*o = (struct output){ .fd = -1 };
	}
	return status;
}

static enum rl_status output_write(struct output *o, const float *buf,
                                   size_t frames, struct error *err)
{
	sf_count_t done = sf_writef_float(o->sf, buf, (sf_count_t)frames);
	if (done != (sf_count_t)frames) {
		int e = errno;
		enum rl_status st = (e == ENOSPC || e == EDQUOT)
		                            ? RL_ERR_DISK_FULL : RL_ERR_IO;
		return error_set(err, st, "%s: cannot write: %s", o->path,
		                 sf_strerror(o->sf));
	}
	return RL_OK;
}

/* Final header, fsync, close; on any failure (status, or one here) the
 * file goes. Returns the first failure. */
static enum rl_status output_finish(struct output *o, enum rl_status status,
                                    struct error *err)
{
	if (sf_close(o->sf) != 0 && status == RL_OK)
		status = error_set(err, RL_ERR_IO, "%s: cannot finish the file",
		                   o->path);
	if (status == RL_OK && fsync(o->fd) != 0)
		status = errno_error(err, errno, o->path);
	if (close(o->fd) != 0 && status == RL_OK)
		status = errno_error(err, errno, o->path);
	if (status != RL_OK)
		unlink(o->path); /* ours: O_EXCL created it */
	*o = (struct output){ .fd = -1 };
	return status;
}

/* ---- comp ------------------------------------------------------------- */

/* A piece as rendered. */
struct comp_piece {
	size_t src;
	int64_t file_start;
	/* Frames where it is heard at all: its [from, to) widened by half
	 * of each crossfade it takes part in. */
	int64_t lo, hi;
	/* Its fade in [in_lo, in_hi) and fade out [out_lo, out_hi); empty
	 * (lo == hi) at a hard cut and at the comp's two ends. */
	int64_t in_lo, in_hi, out_lo, out_hi;
};

/* Gain of piece p at timeline frame t (within [p->lo, p->hi)). */
static double comp_gain(const struct comp_piece *p, int64_t t)
{
	if (t < p->in_hi) {
		double x = ((double)(t - p->in_lo) + 0.5) /
		           (double)(p->in_hi - p->in_lo);
		return sin(x * M_PI / 2.0);
	}
	if (t >= p->out_lo && p->out_hi > p->out_lo) {
		double x = ((double)(t - p->out_lo) + 0.5) /
		           (double)(p->out_hi - p->out_lo);
		return cos(x * M_PI / 2.0);
	}
	return 1.0;
}

static enum rl_status comp_check(const struct mixdown_piece *pieces,
                                 size_t count, uint32_t rate,
                                 enum take_format format, const char *dest,
                                 struct error *err)
{
	if (!dest || rate == 0 || !format_valid(format))
		return error_set(err, RL_ERR_INVALID,
		                 "comp: needs a destination, a rate and a format");
	if (count == 0 || !pieces)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: a comp needs at least one piece", dest);
	for (size_t i = 0; i < count; i++) {
		const struct mixdown_piece *p = &pieces[i];
		if (!p->path)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: comp piece %zu has no file", dest, i);
		if (!pos_valid(p->from) || !pos_valid(p->to) ||
		    !pos_valid(p->file_start))
			return error_set(err, RL_ERR_INVALID,
			                 "%s: comp piece %zu (%s) is out of range",
			                 dest, i, p->path);
		if (p->to <= p->from)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: comp piece %zu (%s) is empty: frames "
			                 "[%lld, %lld)", dest, i, p->path,
			                 (long long)p->from, (long long)p->to);
		if (i > 0 && p->from != pieces[i - 1].to)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: comp piece %zu (%s) starts at frame "
			                 "%lld but the piece before it ends at "
			                 "%lld: pieces must be sorted and "
			                 "contiguous", dest, i, p->path,
			                 (long long)p->from,
			                 (long long)pieces[i - 1].to);
	}
	if (pieces[count - 1].to - pieces[0].from >= MAX_POS)
		return error_set(err, RL_ERR_INVALID, "%s: the comp is too long",
		                 dest);
	return RL_OK;
}

/*
 * Lay out the fades. The fade at boundary B between pieces a and b is
 * min(fade_frames, len(a), len(b)) long: a piece then never holds more
 * than its own length of fades (ceil(L/2) of its fade in plus floor(L/2)
 * of its fade out), so at most two pieces sound at any frame, and no fade
 * reaches past the comp's ends.
 */
static void comp_layout(const struct mixdown_piece *pieces, size_t count,
                        uint32_t fade_frames, struct comp_piece *cp)
{
	for (size_t i = 0; i < count; i++) {
		cp[i].file_start = pieces[i].file_start;
		cp[i].lo = cp[i].in_lo = cp[i].in_hi = pieces[i].from;
		cp[i].hi = cp[i].out_lo = cp[i].out_hi = pieces[i].to;
	}
	for (size_t i = 1; i < count; i++) {
		int64_t len = min64((int64_t)fade_frames,
		                    min64(pieces[i - 1].to - pieces[i - 1].from,
		                          pieces[i].to - pieces[i].from));
		int64_t lo = pieces[i].from - len / 2;
		cp[i - 1].out_lo = lo;
		cp[i - 1].out_hi = cp[i - 1].hi = lo + len;
		cp[i].in_lo = cp[i].lo = lo;
		cp[i].in_hi = lo + len;
	}
}

/* ch: 1 (mono), or 2 when every take is stereo; mix holds ch * n
 * interleaved, tmp 2 * BLOCK_FRAMES. */
static enum rl_status comp_render(struct sources *set,
                                  const struct comp_piece *cp, size_t count,
                                  int64_t start, int64_t end, size_t ch,
                                  struct output *out, float *mix, float *tmp,
                                  struct error *err)
{
	size_t first = 0; /* pieces before it are done */
	float *tmp_r = tmp + BLOCK_FRAMES;
	for (int64_t t0 = start; t0 < end; t0 += BLOCK_FRAMES) {
		int64_t t1 = min64(end, t0 + BLOCK_FRAMES);
		size_t n = (size_t)(t1 - t0);
		memset(mix, 0, ch * n * sizeof *mix);
		/* Both lo and hi grow with the index (see comp_layout). */
		while (first < count && cp[first].hi <= t0)
			first++;
		for (size_t i = first; i < count && cp[i].lo < t1; i++) {
			const struct comp_piece *p = &cp[i];
			int64_t a = max64(t0, p->lo), b = min64(t1, p->hi);
			if (a >= b)
				continue;
			size_t m = (size_t)(b - a);
			enum rl_status st = source_read2(
				set, &set->v[p->src], a - p->file_start, m, tmp,
				ch == 2 ? tmp_r : NULL, err);
			if (st != RL_OK)
				return st;
			float *dst = mix + ch * (size_t)(a - t0);
			bool fades = a < p->in_hi || b > p->out_lo;
			for (size_t j = 0; j < m; j++) {
				float g = fades ? (float)comp_gain(p, a + (int64_t)j)
				                : 1.0f;
				if (ch == 2) {
					dst[2 * j] += fades ? g * tmp[j] : tmp[j];
					dst[2 * j + 1] += fades ? g * tmp_r[j]
					                        : tmp_r[j];
				} else {
					dst[j] += fades ? (float)(comp_gain(
						p, a + (int64_t)j) * (double)tmp[j])
					                : tmp[j];
				}
			}
		}
		enum rl_status st = output_write(out, mix, n, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

enum rl_status mixdown_comp(const struct mixdown_piece *pieces, size_t count,
                            uint32_t rate, uint32_t fade_frames,
                            enum take_format format, const char *dest,
                            uint64_t *frames, struct error *err)
{
	if (frames)
		*frames = 0;
	enum rl_status st = comp_check(pieces, count, rate, format, dest, err);
	if (st != RL_OK)
		return st;
	struct sources set;
	if ((st = sources_alloc(&set, count, err)) != RL_OK)
		return st;
	struct comp_piece *cp = calloc(count, sizeof *cp);
	float *mix = malloc(2 * BLOCK_FRAMES * sizeof *mix);
	float *tmp = malloc(2 * BLOCK_FRAMES * sizeof *tmp);
	if (!cp || !mix || !tmp)
		st = error_set(err, RL_ERR_NOMEM, "%s: out of memory", dest);
	if (st == RL_OK)
		comp_layout(pieces, count, fade_frames, cp);
	for (size_t i = 0; i < count && st == RL_OK; i++)
		st = sources_add(&set, pieces[i].path, rate, &cp[i].src, err);
	/* A stereo track's takes make a stereo comp. */
	size_t ch = set.count > 0 ? 2 : 1;
	for (size_t i = 0; i < set.count; i++)
		if (set.v[i].channels != 2)
			ch = 1;

	int64_t start = pieces[0].from, end = pieces[count - 1].to;
	struct output out;
	if (st == RL_OK)
		st = output_create(&out, dest, rate, (int)ch, format,
		                   (uint64_t)(end - start), start, err);
	if (st == RL_OK) {
		st = comp_render(&set, cp, count, start, end, ch, &out, mix,
		                 tmp, err);
		st = output_finish(&out, st, err);
	}
	if (st == RL_OK && frames)
		*frames = (uint64_t)(end - start);
	sources_close(&set);
	free(cp);
	free(mix);
	free(tmp);
	return st;
}

/* ---- bounce ----------------------------------------------------------- */

/* A track as rendered. */
struct bounce_track {
	size_t src;
	int64_t lo, hi; /* its span on the timeline */
	float left, right;
	bool stereo;    /* a two-channel file: left to left, right to right */
	bool heard;     /* some gain is not 0: a muted track is not read */
};

static const char *track_label(const struct mixdown_track *t)
{
	return t->name ? t->name : t->path;
}

static enum rl_status bounce_check(const struct mixdown_track *tracks,
                                   size_t count, uint32_t rate,
                                   enum take_format format, const char *dest,
                                   struct error *err)
{
	if (!dest || rate == 0)
		return error_set(err, RL_ERR_INVALID,
		                 "bounce: needs a destination and a rate");
	if (format != TAKE_FORMAT_PCM24 && format != TAKE_FORMAT_FLOAT)
		return error_set(err, RL_ERR_INVALID, "%s: a bounce is pcm24 or "
		                 "float, not %s", dest,
		                 format_valid(format) ? take_format_name(format)
		                                      : "that");
	if (count == 0 || !tracks)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: a bounce needs at least one track", dest);
	for (size_t i = 0; i < count; i++) {
		const struct mixdown_track *t = &tracks[i];
		if (!t->path)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: track %zu (%s) has no file", dest, i,
			                 t->name ? t->name : "unnamed");
		if (!pos_valid(t->file_start))
			return error_set(err, RL_ERR_INVALID,
			                 "%s: track %s starts out of range", dest,
			                 track_label(t));
		/* -INFINITY is the one non-finite gain: it mutes. */
		if (isnan(t->gain_db) ||
		    (t->gain_db != -INFINITY &&
		     !isfinite(pow(10.0, t->gain_db / 20.0))))
			return error_set(err, RL_ERR_INVALID,
			                 "%s: track %s: gain %g dB is not a gain",
			                 dest, track_label(t), t->gain_db);
		if (!(t->pan >= -1.0 && t->pan <= 1.0))
			return error_set(err, RL_ERR_INVALID,
			                 "%s: track %s: pan %g is outside -1..+1",
			                 dest, track_label(t), t->pan);
	}
	return RL_OK;
}

/* A stereo track's pan is a balance (header): the side it moves away
 * from is turned down linearly, the other stays at the track's gain. */
void mixdown_balance_gains(double gain_db, double pan, float *left,
                          float *right)
{
	double g = gain_db == -INFINITY ? 0.0 : pow(10.0, gain_db / 20.0);
	*left = (float)(g * (pan > 0.0 ? 1.0 - pan : 1.0));
	*right = (float)(g * (pan < 0.0 ? 1.0 + pan : 1.0));
}

/* Constant-power pan (header): left = g·cos θ, right = g·sin θ. The hard
 * pans are exact, so a track panned hard left has nothing at all on the
 * right (cos(π/2) is 6e-17, not 0). */
void mixdown_pan_gains(double gain_db, double pan, float *left, float *right)
{
	double g = gain_db == -INFINITY ? 0.0 : pow(10.0, gain_db / 20.0);
	double theta = (pan + 1.0) * M_PI / 4.0;
	double l = pan <= -1.0 ? 1.0 : pan >= 1.0 ? 0.0 : cos(theta);
	double r = pan <= -1.0 ? 0.0 : pan >= 1.0 ? 1.0 : sin(theta);
	*left = (float)(g * l);
	*right = (float)(g * r);
}

struct meter {
	float peak[2];
	uint64_t clipped;
};

/* Peaks and overs of n stereo frames, as they are before conversion. */
static void meter_block(struct meter *m, const float *buf, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		for (size_t c = 0; c < 2; c++) {
			float a = fabsf(buf[2 * j + c]);
			if (a > m->peak[c])
				m->peak[c] = a;
			if (a >= 1.0f)
				m->clipped++;
		}
	}
}

static enum rl_status bounce_render(struct sources *set,
                                    const struct bounce_track *bt,
                                    size_t count, int64_t start, int64_t end,
                                    struct output *out, float *mix,
                                    float *tmp, struct meter *meter,
                                    struct error *err)
{
	float *tmp_r = tmp + BLOCK_FRAMES;
	for (int64_t t0 = start; t0 < end; t0 += BLOCK_FRAMES) {
		int64_t t1 = min64(end, t0 + BLOCK_FRAMES);
		size_t n = (size_t)(t1 - t0);
		memset(mix, 0, 2 * n * sizeof *mix);
		for (size_t i = 0; i < count; i++) {
			const struct bounce_track *t = &bt[i];
			int64_t a = max64(t0, t->lo), b = min64(t1, t->hi);
			if (!t->heard || a >= b)
				continue;
			size_t m = (size_t)(b - a);
			enum rl_status st = source_read2(
				set, &set->v[t->src], a - t->lo, m, tmp,
				t->stereo ? tmp_r : NULL, err);
			if (st != RL_OK)
				return st;
			float *dst = mix + 2 * (a - t0);
			const float *r = t->stereo ? tmp_r : tmp;
			for (size_t j = 0; j < m; j++) {
				dst[2 * j] += t->left * tmp[j];
				dst[2 * j + 1] += t->right * r[j];
			}
		}
		meter_block(meter, mix, n);
		enum rl_status st = output_write(out, mix, n, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

static void fill_report(struct mixdown_report *r, int64_t start, int64_t end,
                        const struct meter *m)
{
	*r = (struct mixdown_report){ .start = start, .end = end,
	                              .clipped_samples = m->clipped,
	                              .target_low_dbfs = TARGET_LOW_DBFS,
	                              .target_high_dbfs = TARGET_HIGH_DBFS };
	double top = -INFINITY;
	for (size_t c = 0; c < 2; c++) {
		r->peak_dbfs[c] = take_file_peak_dbfs(m->peak[c]);
		if (r->peak_dbfs[c] > top)
			top = r->peak_dbfs[c];
	}
	const char *verdict = m->clipped > 0 ? "clipped"
	                      : top > TARGET_HIGH_DBFS ? "hot"
	                      : top < TARGET_LOW_DBFS ? "low"
	                      : "ok";
	snprintf(r->verdict, sizeof r->verdict, "%s", verdict);
}

enum rl_status mixdown_bounce(const struct mixdown_track *tracks,
                              size_t count, uint32_t rate,
                              enum take_format format, const char *dest,
                              struct mixdown_report *report,
                              struct error *err)
{
	struct mixdown_report spare;
	if (!report)
		report = &spare;
	*report = (struct mixdown_report){
		.peak_dbfs = { -INFINITY, -INFINITY },
		.target_low_dbfs = TARGET_LOW_DBFS,
		.target_high_dbfs = TARGET_HIGH_DBFS,
	};
	enum rl_status st = bounce_check(tracks, count, rate, format, dest, err);
	if (st != RL_OK)
		return st;
	struct sources set;
	if ((st = sources_alloc(&set, count, err)) != RL_OK)
		return st;
	struct bounce_track *bt = calloc(count, sizeof *bt);
	float *mix = malloc(2 * BLOCK_FRAMES * sizeof *mix);
	float *tmp = malloc(2 * BLOCK_FRAMES * sizeof *tmp);
	if (!bt || !mix || !tmp)
		st = error_set(err, RL_ERR_NOMEM, "%s: out of memory", dest);

	/* The output covers the union of the spans (muted tracks' too: a
	 * mute changes the level, not the length). If every file is empty
	 * it is empty, placed at the earliest start. */
	int64_t start = INT64_MAX, end = INT64_MIN, first = INT64_MAX;
	for (size_t i = 0; i < count && st == RL_OK; i++) {
		const struct mixdown_track *t = &tracks[i];
		st = sources_add(&set, t->path, rate, &bt[i].src, err);
		if (st != RL_OK)
			break;
		bt[i].lo = t->file_start;
		bt[i].hi = t->file_start + set.v[bt[i].src].frames;
		bt[i].stereo = set.v[bt[i].src].channels == 2;
		if (bt[i].stereo)
			mixdown_balance_gains(t->gain_db, t->pan, &bt[i].left,
			              &bt[i].right);
		else
			mixdown_pan_gains(t->gain_db, t->pan, &bt[i].left,
			          &bt[i].right);
		bt[i].heard = bt[i].left != 0.0f || bt[i].right != 0.0f;
		first = min64(first, bt[i].lo);
		if (bt[i].hi > bt[i].lo) {
			start = min64(start, bt[i].lo);
			end = max64(end, bt[i].hi);
		}
	}
	if (start > end)
		start = end = first;

	struct meter meter = { .peak = { 0.0f, 0.0f } };
	struct output out;
	if (st == RL_OK)
		st = output_create(&out, dest, rate, 2, format,
		                   (uint64_t)(end - start), start, err);
	if (st == RL_OK) {
		st = bounce_render(&set, bt, count, start, end, &out, mix, tmp,
		                   &meter, err);
		st = output_finish(&out, st, err);
	}
	if (st == RL_OK)
		fill_report(report, start, end, &meter);
	sources_close(&set);
	free(bt);
	free(mix);
	free(tmp);
	return st;
}
