/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading a take file's structure by hand: exact pread/pwrite and the
 * walk over a WAV/RF64 file's chunks up to 'data' (struct wav_layout in
 * take_file_internal.h). Shared by the writer's cheap header refresh
 * (take_file.c) and crash recovery (take_file_recover.c), which must not
 * trust libsndfile's view of a file a crash left behind.
 *
 * Threads: non-RT only: the disk writer (header refresh) and whoever runs
 * recovery (the main thread under `redlight recover`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "take_file_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int take_file_read_at(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return 0;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 1;
}

int take_file_write_at(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = pwrite(fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* WAVE_FORMAT_EXTENSIBLE's sub-format GUID after its first two bytes
 * (the format tag): 0000-0010-8000-00aa00389b71. */
static const uint8_t guid_tail[14] = {
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
	0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
};

/* PCM or IEEE float, plain or WAVE_FORMAT_EXTENSIBLE (fmt body in buf,
 * `size` bytes of it, at least 16): what libsndfile writes for redlight.
 * Another encoding (A-law, ADPCM, ...) has frames this walk does not
 * know: repairing its sizes by block align could cut real audio. */
static bool known_encoding(const uint8_t *buf, uint32_t size)
{
	unsigned tag = get_le16(buf);
	if (tag == 0xFFFE && size >= 40) {
		tag = get_le16(buf + 24);
		if (memcmp(buf + 26, guid_tail, sizeof guid_tail))
			return false;
	}
	return tag == 1 || tag == 3;
}

/* The fmt chunk of `size` bytes at pos: its frame size, checked. */
static enum rl_status parse_fmt(int fd, const char *path, uint64_t file_size,
                                uint64_t pos, uint32_t size,
                                struct wav_layout *lay, struct error *err)
{
	uint8_t buf[40];
	size_t want = size >= 40 ? 40 : 16;
	if (size < 16 || file_size - pos - 8 < want
	    || take_file_read_at(fd, buf, want, pos + 8) != 1)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: truncated fmt chunk at byte %llu", path,
		                 (unsigned long long)pos);
	if (!known_encoding(buf, size))
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: not PCM or float audio (fmt format "
		                 "0x%04x): not a take file to repair", path,
		                 (unsigned)get_le16(buf));
	lay->block_align = get_le16(buf + 12);
	if (lay->block_align == 0)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: fmt chunk has block align 0", path);
	/* A frame is channels x whole bytes per sample. A crash never
	 * touches fmt (written once, first): another frame size is a
	 * damaged header, and sizes cut to it would cut real audio (found
	 * by tests/fuzz/fuzz_take_recover.c). */
	unsigned channels = get_le16(buf + 2);
	unsigned bits = get_le16(buf + 14);
	if (channels == 0 || bits == 0 ||
	    lay->block_align != channels * ((bits + 7) / 8))
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: fmt chunk is damaged: %u channels of %u "
		                 "bits are not frames of %u bytes", path,
		                 channels, bits, (unsigned)lay->block_align);
	lay->have_fmt = true;
	return RL_OK;
}

enum rl_status take_file_parse_layout(int fd, const char *path,
                                      uint64_t file_size,
                                      struct wav_layout *lay,
                                      struct error *err)
{
	uint8_t hdr[12];
	uint8_t buf[28];
	uint64_t pos = 12;
	char ebuf[128];
	int r;

	memset(lay, 0, sizeof *lay);
	r = take_file_read_at(fd, hdr, 12, 0);
	if (r < 0) {
		int e = errno;
		return error_set(err, RL_ERR_IO, "%s: read: %s", path,
		                 errno_text(e, ebuf, sizeof ebuf));
	}
	if (r == 0 || !(id_is(hdr, "RIFF") || id_is(hdr, "RF64"))
	    || !id_is(hdr + 8, "WAVE"))
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: not a WAV/RF64 file", path);
	lay->rf64 = id_is(hdr, "RF64");
	lay->riff_size = get_le32(hdr + 4);

	for (;;) {
		uint32_t size;

		if (file_size - pos < 8)
			return error_set(err, RL_ERR_FORMAT,
			                 "%s: no data chunk", path);
		r = take_file_read_at(fd, hdr, 8, pos);
		if (r != 1) {
			int e = errno;
			return error_set(err, r < 0 ? RL_ERR_IO : RL_ERR_FORMAT,
			                 "%s: reading chunk at byte %llu: %s",
			                 path, (unsigned long long)pos,
			                 r < 0 ? errno_text(e, ebuf, sizeof ebuf)
			                       : "unexpected end of file");
		}
		size = get_le32(hdr + 4);
		/* Chunk ids are names: bytes that are not are damage, and
		 * readers differ on what comes after them (found by
		 * tests/fuzz/fuzz_take_recover.c). */
		if (!chunk_id_printable(hdr))
			return error_set(err, RL_ERR_FORMAT,
			                 "%s: damaged header: the chunk at byte "
			                 "%llu has no name", path,
			                 (unsigned long long)pos);

		if (id_is(hdr, "data")) {
			lay->data_pos = pos;
			lay->data_size32 = size;
			/* Our files end with 'data'; its size is the thing
			 * we do not trust, so stop here. */
			break;
		}

		/* One of each: a second fmt, fact or ds64 is not a file
		 * libsndfile wrote, and which one a reader believes is
		 * anybody's guess (found by tests/fuzz/fuzz_take_recover.c:
		 * the repair went into a second fact, libsndfile read the
		 * first). */
		if ((id_is(hdr, "fmt ") && lay->have_fmt) ||
		    (id_is(hdr, "fact") && lay->have_fact) ||
		    (id_is(hdr, "ds64") && lay->have_ds64))
			return error_set(err, RL_ERR_FORMAT,
			                 "%s: damaged header: a second '%.4s' "
			                 "chunk at byte %llu", path,
			                 (const char *)hdr,
			                 (unsigned long long)pos);

		if (id_is(hdr, "fmt ")) {
			enum rl_status st = parse_fmt(fd, path, file_size, pos,
			                              size, lay, err);
			if (st != RL_OK)
				return st;
		} else if (id_is(hdr, "ds64")) {
			if (size < 28 || file_size - pos - 8 < 28
			    || take_file_read_at(fd, buf, 28, pos + 8) != 1)
				return error_set(err, RL_ERR_FORMAT,
				                 "%s: truncated ds64 chunk at "
				                 "byte %llu", path,
				                 (unsigned long long)pos);
			/* Its table must fit it: libsndfile reads the table
			 * and looks for 'data' after it (found by
			 * tests/fuzz/fuzz_take_recover.c). */
			uint64_t table = get_le32(buf + 24);
			if (28 + 12 * table > size)
				return error_set(err, RL_ERR_FORMAT,
				                 "%s: ds64 chunk is damaged: "
				                 "a table of %llu entries in "
				                 "%u bytes", path,
				                 (unsigned long long)table,
				                 (unsigned)size);
			lay->have_ds64 = true;
			lay->ds64_pos = pos;
			lay->ds64_riff = get_le64(buf);
			lay->ds64_data = get_le64(buf + 8);
			lay->ds64_frames = get_le64(buf + 16);
		} else if (id_is(hdr, "fact") && size >= 4) {
			if (take_file_read_at(fd, buf, 4, pos + 8) != 1)
				return error_set(err, RL_ERR_FORMAT,
				                 "%s: truncated fact chunk", path);
			lay->have_fact = true;
			lay->fact_pos = pos;
			lay->fact_frames = get_le32(buf);
		}

		/* RIFF chunks are padded to even length. */
		uint64_t next = pos + 8 + (uint64_t)size + (size & 1);
		if (next > file_size)
			return error_set(err, RL_ERR_FORMAT,
			                 "%s: no data chunk (chunk at byte %llu "
			                 "runs past the end)", path,
			                 (unsigned long long)pos);
		pos = next;
	}

	if (!lay->have_fmt)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: no fmt chunk before the data chunk", path);
	if (lay->rf64 && !lay->have_ds64)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: RF64 file without ds64 chunk", path);
	return RL_OK;
}
