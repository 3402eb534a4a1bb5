/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file take_file.h
 * One audio file of one track of one take: a libsndfile wrapper that
 * writes Broadcast WAV (bext chunk) which becomes RF64 by itself past 4 GB,
 * keeps the header current so a crash leaves a readable file, and repairs
 * files a crash left behind.
 *
 * Thread: a take_file is used by one non-RT thread at a time (the disk
 * writer). Never call any of this from the JACK process callback.
 */
#ifndef REDLIGHT_TAKE_FILE_H
#define REDLIGHT_TAKE_FILE_H

#include "redlight/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Sample format of take files. */
enum take_format {
	TAKE_FORMAT_PCM24 = 0, /**< 24-bit integer PCM (default) */
	TAKE_FORMAT_FLOAT,     /**< 32-bit IEEE float */
	TAKE_FORMAT_PCM16,     /**< 16-bit integer PCM */
};

/** "pcm24", "float" or "pcm16". Any thread; static string. */
const char *take_format_name(enum take_format format);

/** Parse "pcm24" / "float" / "pcm16". RL_ERR_INVALID names the bad text. */
enum rl_status take_format_parse(const char *text, enum take_format *out,
                                 struct error *err);

/** Bytes one sample of this format takes on disk (3, 4 or 2). */
unsigned take_format_bytes(enum take_format format);

/** What to create. Strings are copied; the caller keeps ownership. */
struct take_file_info {
	const char *path;          /**< must not exist: never overwritten */
	uint32_t sample_rate;
	uint32_t channels;         /**< 1 for a mono track */
	enum take_format format;
	uint64_t time_reference;   /**< bext TimeReference: timeline frame of
	                                the take's first sample */
	const char *description;   /**< bext Description (cut to 256 bytes) */
	const char *originator_reference; /**< bext OriginatorReference or NULL */
};

struct take_file;

/**
 * Create a new take file exclusively (O_CREAT|O_EXCL: an existing file is
 * an RL_ERR_EXISTS error, never overwritten). The file is RF64 with
 * libsndfile's automatic downgrade, so it stays a plain WAV unless it
 * grows past 4 GB. Writes the bext chunk (originator "redlight",
 * origination date/time now in local time, the time reference and
 * description from info). On success *out owns the open file; the caller
 * must take_file_close() it.
 */
enum rl_status take_file_create(const struct take_file_info *info,
                                struct take_file **out, struct error *err);

/**
 * Set the bext TimeReference (timeline frame of the first sample) of a
 * file that has no audio written yet: the disk writer creates files before
 * the take starts and learns the start frame from the audio thread.
 * RL_ERR_STATE once frames have been written.
 */
enum rl_status take_file_set_time_reference(struct take_file *tf,
                                            uint64_t time_reference,
                                            struct error *err);

/**
 * Append nframes frames (interleaved when channels > 1). Also keeps the
 * file's running peak and clip count. On a short write (disk full) returns
 * RL_ERR_DISK_FULL/RL_ERR_IO naming the path; the frames that did reach
 * the file are counted in take_file_frames().
 */
enum rl_status take_file_write(struct take_file *tf, const float *frames,
                               size_t nframes, struct error *err);

/** Append nframes frames of digital silence (for dropped-frame padding). */
enum rl_status take_file_write_silence(struct take_file *tf, size_t nframes,
                                       struct error *err);

/**
 * Rewrite the header so the sizes on disk cover everything written so far
 * (libsndfile SFC_UPDATE_HEADER_NOW). The disk writer calls this at least
 * once a second, so a crash loses at most about a second.
 */
enum rl_status take_file_refresh_header(struct take_file *tf,
                                        struct error *err);

/**
 * Cut the file to exactly nframes frames (nframes <= take_file_frames()).
 * Used after a disk-full error so every track of the take ends on the
 * same frame.
 */
enum rl_status take_file_truncate(struct take_file *tf, uint64_t nframes,
                                  struct error *err);

/** Frames written so far (whole frames that reached the file). */
uint64_t take_file_frames(const struct take_file *tf);

/** Largest absolute sample value written so far (linear, 0 for silence). */
float take_file_peak(const struct take_file *tf);

/**
 * Samples written so far that were at or above full scale of the file's
 * format (|x| >= 1.0 for float; the largest code value for PCM: a sample
 * that converted to the format's maximum or minimum).
 */
uint64_t take_file_clips(const struct take_file *tf);

/** The path the file was created at (owned by tf). */
const char *take_file_path(const struct take_file *tf);

/**
 * Finalize and close: final header, fsync, close. Always frees tf, also
 * when it reports an error. take_file_close(NULL) is a no-op returning
 * RL_OK.
 */
enum rl_status take_file_close(struct take_file *tf, struct error *err);

/** Convert a linear peak to dBFS; 0 gives -INFINITY. */
double take_file_peak_dbfs(float linear_peak);

/** What take_file_recover() found and did. */
struct take_file_recovery {
	uint64_t frames_in_header; /**< frames the header claimed */
	uint64_t frames_on_disk;   /**< whole frames actually present */
	bool repaired;             /**< header fields were rewritten */
};

/**
 * Repair a WAV/RF64 file a crash left behind: the RIFF/RF64 and data sizes
 * (and fact chunk, and ds64 for RF64) are rewritten from the real file
 * length, whole frames only (a trailing partial frame is cut off). A file
 * past 4 GB gets an RF64 header. A file whose header already matches is
 * left untouched (repaired = false). Errors name the path and what is
 * wrong (e.g. "no data chunk"). Any non-RT thread.
 */
enum rl_status take_file_recover(const char *path,
                                 struct take_file_recovery *out,
                                 struct error *err);

#endif
