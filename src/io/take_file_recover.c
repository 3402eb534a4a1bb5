/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Crash recovery of take files (take_file_recover()): rebuild the size
 * fields of a WAV/RF64 file from its real length, whole frames only, and
 * turn a RIFF file that grew past 4 GB into RF64 in place. Done by hand
 * with pread/pwrite, because the point is to fix exactly the header
 * fields libsndfile could not refresh, without trusting anything but the
 * file's real length.
 *
 * Threads: any non-RT thread; in practice the main thread of
 * `redlight recover`. Never the JACK process thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "take_file_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* More than any sane header; bounds the buffer for RF64 conversion. */
#define MAX_HEADER_BYTES (1u << 20)

/*
 * True if [pos, end) is nothing but well-formed chunks (a LIST or iXML
 * after the audio, as other programs write).  take_file never writes
 * anything after 'data', so for our files the bytes beyond the header's
 * data size are audio written after the last header refresh -- but a
 * foreign, intact file must not have its trailing chunks eaten.
 */
static bool trailing_chunks(int fd, uint64_t pos, uint64_t end)
{
	uint8_t hdr[8];

	if (pos >= end)
		return false;
	while (pos < end) {
		uint64_t size;
		if (end - pos < 8 || take_file_read_at(fd, hdr, 8, pos) != 1)
			return false;
		if (!chunk_id_printable(hdr))
			return false;
		size = get_le32(hdr + 4);
		pos += 8 + size + (size & 1);
		/* A last chunk may lack its pad byte. */
		if (pos == end + 1 && (size & 1))
			return true;
	}
	return pos == end;
}

/*
 * Build the RF64 header that replaces [0, data_pos + 8) of a RIFF file
 * that grew past 4 GB.  The data must not move, so the new header has to
 * fit exactly in the old one's bytes: ds64 (36 bytes) takes the place of
 * the JUNK placeholder (libsndfile's is 32 bytes) plus the fact chunk
 * (12), which RF64 does not need.  Any bytes left over become a 'PAD '
 * chunk, as libsndfile itself does when it switches to RF64.
 */
static enum rl_status build_rf64_header(int fd, const char *path,
                                        const struct wav_layout *lay,
                                        uint64_t new_size, uint64_t new_data,
                                        uint64_t new_frames, uint8_t **out,
                                        size_t *out_len, struct error *err)
{
	size_t hlen = (size_t)lay->data_pos + 8;
	uint8_t *old;
	uint8_t *neu;
	size_t in = 12;
	size_t o = 0;

	if (lay->data_pos > MAX_HEADER_BYTES)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: header too large (%llu bytes)", path,
		                 (unsigned long long)lay->data_pos);
	old = malloc(hlen);
	neu = calloc(1, hlen);
	if (!old || !neu) {
		free(old);
		free(neu);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", path);
	}
	if (take_file_read_at(fd, old, hlen, 0) != 1) {
		free(old);
		free(neu);
		return error_set(err, RL_ERR_IO, "%s: cannot re-read header",
		                 path);
	}

	memcpy(neu, "RF64", 4);
	put_le32(neu + 4, RIFF_U32_MAX);
	memcpy(neu + 8, "WAVE", 4);
	memcpy(neu + 12, "ds64", 4);
	put_le32(neu + 16, 28);
	put_le64(neu + 20, new_size - 8);
	put_le64(neu + 28, new_data);
	put_le64(neu + 36, new_frames);
	put_le32(neu + 44, 0); /* table length: no other chunk is > 4 GB */
	o = 48;

	while (in < lay->data_pos) {
		uint32_t size = get_le32(old + in + 4);
		size_t total = 8 + (size_t)size + (size & 1);
		const uint8_t *id = old + in;

		if (in + total > lay->data_pos)
			total = (size_t)lay->data_pos - in;
		if (!(id_is(id, "JUNK") || id_is(id, "junk")
		      || id_is(id, "PAD ") || id_is(id, "fact")
		      || id_is(id, "ds64"))) {
			if (o + total > lay->data_pos) {
				o = SIZE_MAX;
				break;
			}
			memcpy(neu + o, id, total);
			o += total;
		}
		in += total;
	}

	size_t gap = o == SIZE_MAX ? 0 : (size_t)lay->data_pos - o;
	if (o == SIZE_MAX || (gap > 0 && gap < 8)) {
		free(old);
		free(neu);
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: data passes 4 GB but the header has no "
		                 "room for an RF64 ds64 chunk", path);
	}
	if (gap >= 8) {
		memcpy(neu + o, "PAD ", 4);
		put_le32(neu + o + 4, (uint32_t)(gap - 8));
		/* payload already zero (calloc) */
	}
	memcpy(neu + lay->data_pos, "data", 4);
	put_le32(neu + lay->data_pos + 4, RIFF_U32_MAX);

	free(old);
	*out = neu;
	*out_len = hlen;
	return RL_OK;
}

/*
 * Write the planned header fields.  The file is first cut to whole frames:
 * if we die halfway, running recover again finds the same answer.
 * Returns 0 or an errno value.
 */
static int apply_repair(int fd, const struct wav_layout *lay,
                        uint64_t file_size, uint64_t new_size,
                        uint64_t new_data, uint64_t new_frames,
                        const uint8_t *rf64_hdr, size_t rf64_len)
{
	uint8_t b[24];

	if (new_size != file_size && ftruncate(fd, (off_t)new_size) != 0)
		return errno;

	if (rf64_hdr) {
		/* RIFF -> RF64: the whole header at once (fact dropped). */
		if (take_file_write_at(fd, rf64_hdr, rf64_len, 0) != 0)
			return errno;
	} else if (lay->rf64) {
		put_le64(b, new_size - 8);
		put_le64(b + 8, new_data);
		put_le64(b + 16, new_frames);
		if (take_file_write_at(fd, b, 24, lay->ds64_pos + 8) != 0)
			return errno;
		put_le32(b, RIFF_U32_MAX);
		if (take_file_write_at(fd, b, 4, 4) != 0
		    || take_file_write_at(fd, b, 4, lay->data_pos + 4) != 0)
			return errno;
	} else {
		put_le32(b, (uint32_t)(new_size - 8));
		if (take_file_write_at(fd, b, 4, 4) != 0)
			return errno;
		put_le32(b, (uint32_t)new_data);
		if (take_file_write_at(fd, b, 4, lay->data_pos + 4) != 0)
			return errno;
	}
	if (!rf64_hdr && lay->have_fact) {
		put_le32(b, new_frames > RIFF_U32_MAX ? RIFF_U32_MAX
		                                      : (uint32_t)new_frames);
		if (take_file_write_at(fd, b, 4, lay->fact_pos + 8) != 0)
			return errno;
	}
	if (fsync(fd) != 0)
		return errno;
	return 0;
}

static enum rl_status recover_fd(int fd, const char *path, bool writable,
                                 struct take_file_recovery *rec,
                                 struct error *err)
{
	struct wav_layout lay;
	struct stat stbuf;
	enum rl_status st;
	char ebuf[128];
	uint64_t file_size, ba, data_off, avail, hdr_data, start;
	uint64_t new_frames, new_data, new_size;
	uint32_t fact_want;
	uint8_t *rf64_hdr = NULL;
	size_t rf64_len = 0;
	bool to_rf64, need;
	int werr;

	if (fstat(fd, &stbuf) != 0) {
		int e = errno;
		return error_set(err, RL_ERR_IO, "%s: stat: %s", path,
		                 errno_text(e, ebuf, sizeof ebuf));
	}
	if (!S_ISREG(stbuf.st_mode))
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: not a WAV/RF64 file (not a regular file)",
		                 path);
	file_size = (uint64_t)stbuf.st_size;

	st = take_file_parse_layout(fd, path, file_size, &lay, err);
	if (st != RL_OK)
		return st;

	ba = lay.block_align;
	data_off = lay.data_pos + 8;
	avail = file_size - data_off;
	hdr_data = (lay.rf64 && lay.data_size32 == RIFF_U32_MAX)
	           ? lay.ds64_data : lay.data_size32;
	rec->frames_in_header = hdr_data / ba;
	rec->frames_on_disk = avail / ba;

	/* An intact foreign file with chunks (or just the RIFF pad byte)
	 * after 'data': leave it alone. */
	start = data_off + hdr_data + (hdr_data & 1);
	if (hdr_data < avail && hdr_data % ba == 0
	    && (((hdr_data & 1) && start == file_size)
	        || trailing_chunks(fd, start, file_size))) {
		rec->frames_on_disk = rec->frames_in_header;
		return RL_OK;
	}

	new_frames = rec->frames_on_disk;
	new_data = new_frames * ba;
	new_size = data_off + new_data;
	/* Same threshold as libsndfile's own switch to RF64. */
	to_rf64 = !lay.rf64 && new_size >= RIFF_U32_MAX;
	fact_want = new_frames > RIFF_U32_MAX ? RIFF_U32_MAX
	                                      : (uint32_t)new_frames;

	need = new_size != file_size || to_rf64
	       || (lay.have_fact && lay.fact_frames != fact_want);
	if (lay.rf64)
		need = need || lay.riff_size != RIFF_U32_MAX
		       || lay.data_size32 != RIFF_U32_MAX
		       || lay.ds64_riff != new_size - 8
		       || lay.ds64_data != new_data
		       || lay.ds64_frames != new_frames;
	else
		need = need || lay.riff_size != new_size - 8
		       || lay.data_size32 != new_data;
	if (!need)
		return RL_OK;
	if (!writable)
		return error_set(err, RL_ERR_IO,
		                 "%s: header needs repair but the file is "
		                 "read-only", path);

	if (to_rf64) {
		/* Plan everything before touching the file. */
		st = build_rf64_header(fd, path, &lay, new_size, new_data,
		                       new_frames, &rf64_hdr, &rf64_len, err);
		if (st != RL_OK)
			return st;
	}
	werr = apply_repair(fd, &lay, file_size, new_size, new_data,
	                    new_frames, rf64_hdr, rf64_len);
	free(rf64_hdr);
	if (werr)
		return error_set(err, rl_status_from_errno(werr),
		                 "%s: repairing header: %s", path,
		                 errno_text(werr, ebuf, sizeof ebuf));
	rec->repaired = true;
	return RL_OK;
}

enum rl_status take_file_recover(const char *path,
                                 struct take_file_recovery *out,
                                 struct error *err)
{
	struct take_file_recovery rec = {0};
	enum rl_status st;
	char ebuf[128];
	bool writable = true;
	int fd;

	if (out)
		*out = rec;
	if (!path || !path[0])
		return error_set(err, RL_ERR_INVALID,
		                 "take_file_recover: no path");

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		/* An intact read-only file is fine; we only need to write
		 * if it turns out to need repair. */
		writable = false;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;
		return error_set(err, rl_status_from_errno(e),
		                 "cannot open %s: %s", path,
		                 errno_text(e, ebuf, sizeof ebuf));
	}
	st = recover_fd(fd, path, writable, &rec, err);
	close(fd);
	if (out)
		*out = rec;
	return st;
}
