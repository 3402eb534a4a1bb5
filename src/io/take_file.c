/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * take_file: writing one track's audio file of one take -- create it
 * (never over an existing file), the bext chunk, convert and write
 * samples, measure peaks and clips, refresh the header, truncate, close.
 *
 * Writing goes through libsndfile in its RF64 container with
 * SFC_RF64_AUTO_DOWNGRADE, which gives a plain RIFF/WAVE (extensible) file
 * whose first chunk is a 'JUNK' placeholder, so it can turn into RF64 by
 * itself past 4 GB.  Recovery after a crash is in take_file_recover.c, the
 * chunk walk both use in take_file_layout.c.
 *
 * Threads: the disk writer, one thread per take_file at a time (the
 * format names and take_file_peak_dbfs() from any thread). Never the
 * JACK process thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "take_file_internal.h"
#include "redlight/peak.h"

#include <sndfile.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* libsndfile refuses more channels than this (SF_MAX_CHANNELS). */
#define TAKE_FILE_MAX_CHANNELS 1024

/*
 * Frames per chunk of take_file_write_silence() times channels.  One
 * static zero buffer serves every file: mono writes 4096 frames per call,
 * wider files fewer, so silence never allocates.
 */
#define SILENCE_SAMPLES 16384

static const float silence[SILENCE_SAMPLES];

/* Samples converted per sf_write_raw() call (64 KiB of float). */
#define RAW_SAMPLES 16384

struct take_file {
	SNDFILE *sf;
	int fd;              /* ours: libsndfile was told not to close it */
	char *path;
	enum take_format format;
	uint32_t channels;
	uint64_t frames;     /* whole frames that reached the file */
	float peak;
	float clip_level;    /* |x| at or above this counts as a clip */
	uint64_t clips;
	bool written;        /* any frame ever reached the file */
	unsigned char *raw;  /* RAW_SAMPLES converted samples, see write_frames */
	/* Where the size fields are, for take_file_refresh_header(). */
	bool layout_read;
	bool fast_refresh;
	uint64_t data_pos;   /* 'data' chunk header */
	bool have_fact;
	uint64_t fact_pos;   /* 'fact' chunk header */
	/* Kept so take_file_set_time_reference() can re-send it unchanged:
	 * libsndfile rebuilds the coding history from what it is given. */
	SF_BROADCAST_INFO bext;
};

/* ---------------------------------------------------------------------- */
/* Formats */

const char *take_format_name(enum take_format format)
{
	switch (format) {
	case TAKE_FORMAT_PCM24: return "pcm24";
	case TAKE_FORMAT_FLOAT: return "float";
	case TAKE_FORMAT_PCM16: return "pcm16";
	}
	return "unknown";
}

enum rl_status take_format_parse(const char *text, enum take_format *out,
                                 struct error *err)
{
	static const enum take_format all[] = {
		TAKE_FORMAT_PCM24, TAKE_FORMAT_FLOAT, TAKE_FORMAT_PCM16,
	};

	if (text) {
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
			if (strcmp(text, take_format_name(all[i])) == 0) {
				if (out)
					*out = all[i];
				return RL_OK;
			}
		}
	}
	return error_set(err, RL_ERR_INVALID,
	                 "unknown sample format \"%s\" "
	                 "(expected pcm24, float or pcm16)",
	                 text ? text : "(null)");
}

unsigned take_format_bytes(enum take_format format)
{
	switch (format) {
	case TAKE_FORMAT_PCM24: return 3;
	case TAKE_FORMAT_FLOAT: return 4;
	case TAKE_FORMAT_PCM16: return 2;
	}
	return 0;
}

static bool format_valid(enum take_format format)
{
	return take_format_bytes(format) != 0;
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

/*
 * The smallest |x| that lands on the format's largest code.  With
 * SFC_SET_CLIPPING libsndfile scales by 2^31 and shifts (see
 * take_file_create), so (2^23 - 1) / 2^23 is exactly code 0x7FFFFF.
 * Both constants are exact in a float (24-bit mantissa).
 */
static float clip_level(enum take_format format)
{
	switch (format) {
	case TAKE_FORMAT_PCM24: return 8388607.0f / 8388608.0f;
	case TAKE_FORMAT_PCM16: return 32767.0f / 32768.0f;
	case TAKE_FORMAT_FLOAT: return 1.0f;
	}
	return 1.0f;
}

/* ---------------------------------------------------------------------- */
/* Helpers */

static bool is_disk_full_errno(int errnum)
{
	return errnum == ENOSPC || errnum == EDQUOT;
}

/*
 * Copy into a fixed-width bext text field.  These fields are NUL padded
 * but not NUL terminated when full.  Cutting is done on a UTF-8 character
 * boundary so a DAW never shows half a character at the end.
 */
static void copy_text_field(char *dst, size_t width, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n > width) {
		n = width;
		/* src[n] exists (strlen > width); back off while it continues
		 * a multi-byte character that started before the cut. */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memset(dst, 0, width);
	if (n > 0)
		memcpy(dst, src, n);
}

static enum rl_status apply_bext(struct take_file *tf, struct error *err)
{
	if (sf_command(tf->sf, SFC_SET_BROADCAST_INFO, &tf->bext,
	               (int)sizeof tf->bext) != SF_TRUE
	    || sf_error(tf->sf) != SF_ERR_NO_ERROR)
		return error_set(err, RL_ERR_IO,
		                 "%s: cannot write bext chunk: %s", tf->path,
		                 sf_strerror(tf->sf));
	return RL_OK;
}

static void set_time_reference(SF_BROADCAST_INFO *bext, uint64_t frame)
{
	bext->time_reference_low = (uint32_t)frame;
	bext->time_reference_high = (uint32_t)(frame >> 32);
}

static enum rl_status set_bext(struct take_file *tf,
                               const struct take_file_info *info,
                               struct error *err)
{
	SF_BROADCAST_INFO bext;
	char date[32];
	char clock[32];
	char mode[24];
	struct tm tm;
	time_t now = time(NULL);

	memset(&bext, 0, sizeof bext);
	copy_text_field(bext.description, sizeof bext.description,
	                info->description);
	copy_text_field(bext.originator, sizeof bext.originator, "redlight");
	copy_text_field(bext.originator_reference,
	                sizeof bext.originator_reference,
	                info->originator_reference);

	/* Origination date/time are local time by the BWF spec. The fields
	 * are exactly 10 and 8 characters with no terminator. */
	if (!localtime_r(&now, &tm))
		memset(&tm, 0, sizeof tm);
	if (strftime(date, sizeof date, "%Y-%m-%d", &tm) != 10)
		snprintf(date, sizeof date, "0000-00-00");
	if (strftime(clock, sizeof clock, "%H:%M:%S", &tm) != 8)
		snprintf(clock, sizeof clock, "00:00:00");
	memcpy(bext.origination_date, date, sizeof bext.origination_date);
	memcpy(bext.origination_time, clock, sizeof bext.origination_time);

	set_time_reference(&bext, info->time_reference);
	/* libsndfile 1.2 writes version 2 regardless (it always writes the
	 * v2 loudness fields, zero here); we ask for 1 as documented. */
	bext.version = 1;

	if (info->channels == 1)
		snprintf(mode, sizeof mode, "mono");
	else if (info->channels == 2)
		snprintf(mode, sizeof mode, "stereo");
	else
		snprintf(mode, sizeof mode, "%uchn", (unsigned)info->channels);
	/* libsndfile appends its own "...,T=libsndfile-x.y.z" line after ours
	 * and recomputes coding_history_size itself; we set it anyway. */
	snprintf(bext.coding_history, sizeof bext.coding_history,
	         "A=PCM,F=%u,W=%u,M=%s,T=redlight",
	         (unsigned)info->sample_rate,
	         take_format_bytes(info->format) * 8u, mode);
	bext.coding_history_size = (uint32_t)strlen(bext.coding_history);

	tf->bext = bext;
	return apply_bext(tf, err);
}

/* ---------------------------------------------------------------------- */
/* Writing */

/* What take_file_create() refuses in info, with the path in the message. */
static enum rl_status check_info(const struct take_file_info *info,
                                 struct error *err)
{
	if (!info || !info->path || !info->path[0])
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_create: no path");
	if (!format_valid(info->format))
		return error_set(err, RL_ERR_INVALID,
		                 "%s: invalid sample format %d", info->path,
		                 (int)info->format);
	if (info->sample_rate == 0 || info->sample_rate > INT_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: invalid sample rate %u", info->path,
		                 (unsigned)info->sample_rate);
	if (info->channels == 0 || info->channels > TAKE_FILE_MAX_CHANNELS)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: invalid channel count %u (1..%d)",
		                 info->path, (unsigned)info->channels,
		                 TAKE_FILE_MAX_CHANNELS);
	return RL_OK;
}

/* The memory of a take_file, not its file. */
static void free_take_file(struct take_file *tf)
{
	free(tf->path);
	free(tf->raw);
	free(tf);
}

/* A take_file for info with all its memory and no file yet (fd -1). */
static enum rl_status alloc_take_file(const struct take_file_info *info,
                                      struct take_file **out,
                                      struct error *err)
{
	struct take_file *tf = calloc(1, sizeof *tf);
	if (!tf)
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory",
		                 info->path);
	tf->fd = -1;
	tf->format = info->format;
	tf->channels = info->channels;
	tf->clip_level = clip_level(info->format);
	tf->path = strdup(info->path);
	tf->raw = malloc(RAW_SAMPLES * sizeof(float));
	if (!tf->path || !tf->raw) {
		free_take_file(tf);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory",
		                 info->path);
	}
	*out = tf;
	return RL_OK;
}

/* O_EXCL is the whole "never overwrite a take" guarantee: sf_open()
 * would truncate an existing file. Read-write so the header refresh
 * can find its size fields (refresh_sizes()). */
static enum rl_status create_exclusive(struct take_file *tf,
                                       struct error *err)
{
	char ebuf[128];

	tf->fd = open(tf->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	              0644);
	if (tf->fd >= 0)
		return RL_OK;
	int e = errno;
	if (e == EEXIST)
		return error_set(err, RL_ERR_EXISTS,
		                 "%s: already exists, refusing to "
		                 "overwrite", tf->path);
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create %s: %s", tf->path,
	                 errno_text(e, ebuf, sizeof ebuf));
}

/* libsndfile on tf->fd, set up for a take: RF64 that stays plain WAV
 * below 4 GB, exact conversion, the bext chunk, and the complete header
 * on disk. On failure tf->sf may be open: the caller closes it. */
static enum rl_status start_sound_file(struct take_file *tf,
                                       const struct take_file_info *info,
                                       struct error *err)
{
	SF_INFO sfi;
	enum rl_status st;

	memset(&sfi, 0, sizeof sfi);
	sfi.samplerate = (int)info->sample_rate;
	sfi.channels = (int)info->channels;
	sfi.format = SF_FORMAT_RF64 | sf_subtype(info->format);
	/* close_desc = SF_FALSE: we keep the descriptor so take_file_close()
	 * can fsync *after* sf_close() wrote the final header, and so a
	 * failed sf_open_fd() leaves no doubt about who closes it. */
	tf->sf = sf_open_fd(tf->fd, SFM_WRITE, &sfi, SF_FALSE);
	if (!tf->sf)
		return error_set(err, RL_ERR_IO,
		                 "%s: cannot create sound file: %s", tf->path,
		                 sf_strerror(NULL));

	/* Plain WAV with a JUNK placeholder until the file passes 4 GB. */
	if (sf_command(tf->sf, SFC_RF64_AUTO_DOWNGRADE, NULL, SF_TRUE)
	    != SF_TRUE)
		return error_set(err, RL_ERR_IO,
		                 "%s: libsndfile refused RF64 auto downgrade",
		                 tf->path);

	/*
	 * Clipping matters for more than overload: without it libsndfile
	 * converts float to int by multiplying with 0x7FFFFF (0x7FFF), which
	 * is not exact -- k/2^23 comes back as k-1 for about half of all
	 * negative codes.  With clipping it multiplies by 2^31 and shifts,
	 * so every k/2^23 (k/2^15) lands exactly on code k, and values
	 * beyond full scale saturate instead of wrapping around.
	 */
	if (info->format != TAKE_FORMAT_FLOAT
	    && sf_command(tf->sf, SFC_SET_CLIPPING, NULL, SF_TRUE) != SF_TRUE)
		return error_set(err, RL_ERR_IO,
		                 "%s: libsndfile refused clipping", tf->path);

	/* bext must be set before the first sample is written. */
	st = set_bext(tf, info, err);
	if (st != RL_OK)
		return st;

	/* Put the complete header (with bext) on disk now, so even a crash
	 * before the first refresh leaves a well-formed empty file. */
	sf_command(tf->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	if (sf_error(tf->sf) != SF_ERR_NO_ERROR)
		return error_set(err, RL_ERR_IO, "%s: cannot write header: %s",
		                 tf->path, sf_strerror(tf->sf));
	return RL_OK;
}

enum rl_status take_file_create(const struct take_file_info *info,
                                struct take_file **out, struct error *err)
{
	struct take_file *tf = NULL;
	enum rl_status st;

	if (!out)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_create: no output pointer");
	*out = NULL;
	st = check_info(info, err);
	if (st == RL_OK)
		st = alloc_take_file(info, &tf, err);
	if (st != RL_OK)
		return st;

	st = create_exclusive(tf, err);
	if (st != RL_OK) {
		free_take_file(tf);
		return st;
	}
	st = start_sound_file(tf, info, err);
	if (st != RL_OK) {
		if (tf->sf)
			sf_close(tf->sf);
		close(tf->fd);
		/* The file is ours (O_EXCL) and holds no audio yet; leaving
		 * it would only make a retry fail with "exists". */
		unlink(tf->path);
		free_take_file(tf);
		return st;
	}
	*out = tf;
	return RL_OK;
}

/*
 * libsndfile would accept a new bext after audio too (same size, header
 * rewritten in place), but a take whose start moves after its first
 * samples were written is a bug upstream, so refuse it.
 */
enum rl_status take_file_set_time_reference(struct take_file *tf,
                                            uint64_t time_reference,
                                            struct error *err)
{
	if (!tf)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_set_time_reference: no file");
	if (tf->written)
		return error_set(err, RL_ERR_STATE,
		                 "%s: cannot change the time reference after "
		                 "audio was written", tf->path);
	set_time_reference(&tf->bext, time_reference);
	return apply_bext(tf, err);
}

static void measure(struct take_file *tf, const float *samples, size_t count)
{
	float peak = peak_scan(samples, count, tf->clip_level, &tf->clips);
	if (peak > tf->peak)
		tf->peak = peak;
}

/*
 * Turn a short sf_writef_float() into a status.  libsndfile records the
 * failed write(2) as SF_ERR_SYSTEM with strerror text but does not promise
 * to keep errno, so both are consulted.
 */
static enum rl_status short_write_error(struct take_file *tf, int errnum,
                                        struct error *err)
{
	char ebuf[128];
	char sftext[256];
	const char *detail;
	bool full = is_disk_full_errno(errnum);

	snprintf(sftext, sizeof sftext, "%s", sf_strerror(tf->sf));
	if (!full && sf_error(tf->sf) == SF_ERR_SYSTEM) {
		full = strstr(sftext, errno_text(ENOSPC, ebuf, sizeof ebuf))
		       || strstr(sftext, errno_text(EDQUOT, ebuf, sizeof ebuf));
	}
	if (errnum != 0)
		detail = errno_text(errnum, ebuf, sizeof ebuf);
	else
		detail = sftext;

	if (full)
		return error_set(err, RL_ERR_DISK_FULL,
		                 "disk full writing %s after %llu frames: %s",
		                 tf->path, (unsigned long long)tf->frames,
		                 detail);
	return error_set(err, RL_ERR_IO,
	                 "write error on %s after %llu frames: %s", tf->path,
	                 (unsigned long long)tf->frames, detail);
}

/* Nearest code, clamped to the format's range: the same result as
 * libsndfile's conversion with SFC_SET_CLIPPING (exact for k / 2^23 and
 * k / 2^15), NaN becomes 0. Written as selects, not branches, so it
 * compiles to min/max/convert instructions without a jump per sample. */
static inline int32_t to_code(float x, float scale, float lo, float hi)
{
	float v = x * scale;
	v = v == v ? v : 0.0f;
	v = v > lo ? v : lo;
	v = v < hi ? v : hi;
	return (int32_t)lrintf(v);
}

#if defined(__SSE2__)
/*
 * to_code() four samples at a time, for the disk writer's biggest loop
 * (every sample of every track). cvtps2dq rounds in the current rounding
 * mode, to nearest like lrintf(); the NaN lanes are zeroed before the
 * clamp. The stores are as in convert(): one 4-byte store per sample.
 * Returns how many samples it converted (a multiple of 4).
 */
static size_t convert_pcm24_sse2(const float *in, size_t n,
                                 unsigned char *out)
{
	const __m128 scale = _mm_set1_ps(8388608.0f);
	const __m128 lo = _mm_set1_ps(-8388608.0f);
	const __m128 hi = _mm_set1_ps(8388607.0f);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m128 v = _mm_mul_ps(_mm_loadu_ps(in + i), scale);
		v = _mm_and_ps(v, _mm_cmpord_ps(v, v));
		v = _mm_min_ps(_mm_max_ps(v, lo), hi);
		uint32_t k[4];
		_mm_storeu_si128((__m128i *)(void *)k, _mm_cvtps_epi32(v));
		memcpy(out + 3 * i, &k[0], 4);
		memcpy(out + 3 * i + 3, &k[1], 4);
		memcpy(out + 3 * i + 6, &k[2], 4);
		memcpy(out + 3 * i + 9, &k[3], 4);
	}
	return i;
}
#endif

/* Convert n samples to the file's little-endian sample format. */
static void convert(const struct take_file *tf, const float *in, size_t n,
                    unsigned char *out)
{
	switch (tf->format) {
	case TAKE_FORMAT_PCM24:
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* One 4-byte store per sample, the next sample overwriting
		 * the fourth byte: out has a sample of float's size per
		 * sample (tf->raw), so the last store stays inside it. */
		{
			size_t i = 0;
#if defined(__SSE2__)
			i = convert_pcm24_sse2(in, n, out);
#endif
			for (; i < n; i++) {
				uint32_t k = (uint32_t)to_code(in[i], 8388608.0f,
				                               -8388608.0f,
				                               8388607.0f);
				memcpy(out + 3 * i, &k, sizeof k);
			}
		}
#else
		for (size_t i = 0; i < n; i++) {
			uint32_t k = (uint32_t)to_code(in[i], 8388608.0f,
			                               -8388608.0f, 8388607.0f);
			out[3 * i] = (unsigned char)k;
			out[3 * i + 1] = (unsigned char)(k >> 8);
			out[3 * i + 2] = (unsigned char)(k >> 16);
		}
#endif
		break;
	case TAKE_FORMAT_PCM16:
		for (size_t i = 0; i < n; i++) {
			uint32_t k = (uint32_t)to_code(in[i], 32768.0f,
			                               -32768.0f, 32767.0f);
			out[2 * i] = (unsigned char)k;
			out[2 * i + 1] = (unsigned char)(k >> 8);
		}
		break;
	case TAKE_FORMAT_FLOAT:
		for (size_t i = 0; i < n; i++) {
			uint32_t u;
			memcpy(&u, &in[i], sizeof u);
			out[4 * i] = (unsigned char)u;
			out[4 * i + 1] = (unsigned char)(u >> 8);
			out[4 * i + 2] = (unsigned char)(u >> 16);
			out[4 * i + 3] = (unsigned char)(u >> 24);
		}
		break;
	}
}

/*
 * We convert ourselves and hand libsndfile whole blocks with
 * sf_write_raw(), which it writes with one write(2) and still counts
 * into the frame total and header. sf_writef_float() would convert
 * through an 8 KB internal buffer: one system call per 2730 frames per
 * track, which at 256 tracks cost more CPU than the conversion itself.
 */
static sf_count_t write_converted(struct take_file *tf, const float *data,
                                  sf_count_t frames)
{
	size_t bytes = take_format_bytes(tf->format);
	size_t chunk = RAW_SAMPLES / tf->channels;
	sf_count_t done = 0;
	while (done < frames) {
		size_t n = (size_t)(frames - done) < chunk
		           ? (size_t)(frames - done) : chunk;
		size_t samples = n * tf->channels;
		convert(tf, data + (size_t)done * tf->channels, samples, tf->raw);
		sf_count_t wrote = sf_write_raw(tf->sf, tf->raw,
		                                (sf_count_t)(samples * bytes));
		if (wrote < 0)
			wrote = 0;
		done += wrote / (sf_count_t)(bytes * tf->channels);
		if ((size_t)wrote != samples * bytes)
			break;
	}
	return done;
}

static enum rl_status write_frames(struct take_file *tf, const float *data,
                                   size_t nframes, bool is_silence,
                                   struct error *err)
{
	sf_count_t want = (sf_count_t)nframes;
	sf_count_t got;
	enum rl_status st;
	int errnum;

	errno = 0;
	got = write_converted(tf, data, want);
	errnum = errno;
	if (got > want)
		got = want;

	if (!is_silence)
		measure(tf, data, (size_t)got * tf->channels);
	tf->frames += (uint64_t)got;
	if (got > 0)
		tf->written = true;
	if (got == want)
		return RL_OK;

	st = short_write_error(tf, errnum, err);
	/*
	 * write(2) may have stored part of a frame (even part of a sample)
	 * before failing.  libsndfile counts only whole samples, and its
	 * file position is now off the frame grid: cut the file back to the
	 * whole frames we counted so the next write, the header and
	 * take_file_frames() all agree.  Shrinking never needs free space.
	 */
	sf_count_t keep = (sf_count_t)tf->frames;
	sf_command(tf->sf, SFC_FILE_TRUNCATE, &keep, (int)sizeof keep);
	return st;
}

enum rl_status take_file_write(struct take_file *tf, const float *frames,
                               size_t nframes, struct error *err)
{
	if (!tf)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_write: no file");
	if (nframes == 0)
		return RL_OK;
	if (!frames)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: write of %zu frames from NULL", tf->path,
		                 nframes);
	if (nframes > (size_t)(INT64_MAX / tf->channels))
		return error_set(err, RL_ERR_INVALID,
		                 "%s: write of %zu frames is too large",
		                 tf->path, nframes);
	return write_frames(tf, frames, nframes, false, err);
}

enum rl_status take_file_write_silence(struct take_file *tf, size_t nframes,
                                       struct error *err)
{
	size_t chunk;

	if (!tf)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_write_silence: no file");
	chunk = SILENCE_SAMPLES / tf->channels;
	while (nframes > 0) {
		size_t n = nframes < chunk ? nframes : chunk;
		enum rl_status st = write_frames(tf, silence, n, true, err);
		if (st != RL_OK)
			return st;
		nframes -= n;
	}
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* The header, truncation, closing */

/*
 * The cheap refresh: libsndfile's SFC_UPDATE_HEADER_NOW rewrites the whole
 * header (about twenty system calls); a reader only needs the RIFF size,
 * the data size and the fact count, three pwrite()s that leave libsndfile's
 * own file position alone. Below 4 GB only: past that libsndfile turns the
 * file into RF64, so we hand the refresh back to it. RL_ERR_STATE means
 * "use libsndfile's refresh".
 */
static enum rl_status refresh_sizes(struct take_file *tf, struct error *err)
{
	if (!tf->layout_read) {
		struct stat st;
		struct wav_layout lay;
		tf->layout_read = true;
		if (fstat(tf->fd, &st) == 0 &&
		    take_file_parse_layout(tf->fd, tf->path,
		                           (uint64_t)st.st_size, &lay,
		                           NULL) == RL_OK && !lay.rf64) {
			tf->fast_refresh = true;
			tf->data_pos = lay.data_pos;
			tf->have_fact = lay.have_fact;
			tf->fact_pos = lay.fact_pos;
		}
	}
	uint64_t bytes = tf->frames * tf->channels *
	                 take_format_bytes(tf->format);
	uint64_t end = tf->data_pos + 8 + bytes;
	if (!tf->fast_refresh || end >= 0xF0000000u) {
		tf->fast_refresh = false;
		return RL_ERR_STATE;
	}
	uint8_t b[4];
	int e = 0;
	put_le32(b, (uint32_t)(end - 8));
	if (take_file_write_at(tf->fd, b, 4, 4) != 0)
		e = errno;
	put_le32(b, (uint32_t)bytes);
	if (!e && take_file_write_at(tf->fd, b, 4, tf->data_pos + 4) != 0)
		e = errno;
	put_le32(b, (uint32_t)tf->frames);
	if (!e && tf->have_fact &&
	    take_file_write_at(tf->fd, b, 4, tf->fact_pos + 8) != 0)
		e = errno;
	if (e) {
		char ebuf[128];
		return error_set(err, rl_status_from_errno(e),
		                 "%s: cannot update header: %s", tf->path,
		                 errno_text(e, ebuf, sizeof ebuf));
	}
	return RL_OK;
}

/*
 * No fsync here on purpose: this runs every second for every track, and
 * take_file_recover() rebuilds the sizes from the real file length anyway.
 * What the refresh buys is a file that is readable as-is after a program
 * crash (the page cache survives that), without any repair.
 */
enum rl_status take_file_refresh_header(struct take_file *tf,
                                        struct error *err)
{
	if (!tf)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_refresh_header: no file");
	enum rl_status st = refresh_sizes(tf, err);
	if (st != RL_ERR_STATE)
		return st;
	/* The command's return value says nothing; errors land in sf_error
	 * (which every sf_command call clears first). */
	sf_command(tf->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	if (sf_error(tf->sf) != SF_ERR_NO_ERROR)
		return error_set(err, RL_ERR_IO, "%s: cannot update header: %s",
		                 tf->path, sf_strerror(tf->sf));
	return RL_OK;
}

/*
 * SFC_FILE_TRUNCATE works in SFM_WRITE (checked with libsndfile 1.2.0): it
 * seeks libsndfile's write position to the frame and ftruncate()s there,
 * so later writes continue from the cut.
 */
enum rl_status take_file_truncate(struct take_file *tf, uint64_t nframes,
                                  struct error *err)
{
	sf_count_t pos;
	char ebuf[128];

	if (!tf)
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_truncate: no file");
	if (nframes > tf->frames)
		return error_set(err, RL_ERR_INVALID,
		                 "%s: cannot truncate to %llu frames, only %llu "
		                 "written", tf->path,
		                 (unsigned long long)nframes,
		                 (unsigned long long)tf->frames);

	pos = (sf_count_t)nframes;
	errno = 0;
	if (sf_command(tf->sf, SFC_FILE_TRUNCATE, &pos, (int)sizeof pos)
	    != 0) {
		int e = errno;
		return error_set(err, RL_ERR_IO,
		                 "%s: cannot truncate to %llu frames: %s",
		                 tf->path, (unsigned long long)nframes,
		                 e ? errno_text(e, ebuf, sizeof ebuf)
		                   : sf_strerror(tf->sf));
	}
	tf->frames = nframes;
	/* Peak and clip count keep what was measured on the cut samples:
	 * re-reading the file to recompute them is not worth it for the
	 * few frames a disk-full cut removes. */

	/* Make the on-disk header agree with the shorter file right away. */
	return take_file_refresh_header(tf, err);
}

uint64_t take_file_frames(const struct take_file *tf)
{
	return tf ? tf->frames : 0;
}

float take_file_peak(const struct take_file *tf)
{
	return tf ? tf->peak : 0.0f;
}

uint64_t take_file_clips(const struct take_file *tf)
{
	return tf ? tf->clips : 0;
}

const char *take_file_path(const struct take_file *tf)
{
	return tf ? tf->path : NULL;
}

enum rl_status take_file_close(struct take_file *tf, struct error *err)
{
	enum rl_status st = RL_OK;
	char ebuf[128];
	int r;

	if (!tf)
		return RL_OK;

	/* sf_close() rewrites the header too but swallows write errors;
	 * doing it first lets us report them. */
	sf_command(tf->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	if (sf_error(tf->sf) != SF_ERR_NO_ERROR)
		st = error_set(err, RL_ERR_IO, "%s: cannot write header: %s",
		               tf->path, sf_strerror(tf->sf));

	r = sf_close(tf->sf);
	if (r != 0 && st == RL_OK)
		st = error_set(err, RL_ERR_IO, "%s: closing: %s", tf->path,
		               sf_error_number(r));

	/* After sf_close(): its final header write is covered too. */
	if (fsync(tf->fd) != 0 && st == RL_OK) {
		int e = errno;
		st = error_set(err, rl_status_from_errno(e), "%s: fsync: %s",
		               tf->path, errno_text(e, ebuf, sizeof ebuf));
	}
	/* Delayed write errors (NFS, ...) show up at close(). */
	if (close(tf->fd) != 0 && st == RL_OK) {
		int e = errno;
		st = error_set(err, rl_status_from_errno(e), "%s: close: %s",
		               tf->path, errno_text(e, ebuf, sizeof ebuf));
	}

	free_take_file(tf);
	return st;
}

double take_file_peak_dbfs(float linear_peak)
{
	if (!(linear_peak > 0.0f))
		return -(double)INFINITY;
	return 20.0 * log10((double)linear_peak);
}

