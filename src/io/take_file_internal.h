/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the files of the take_file module share and nobody else needs:
 * little-endian fields, whole-buffer pread/pwrite and the walk over a
 * WAV/RF64 file's chunks up to 'data' (take_file_layout.c). The writer
 * (take_file.c) uses the walk to find the size fields it refreshes
 * cheaply; crash recovery (take_file_recover.c) to find what to repair.
 * The public API is redlight/take_file.h.
 *
 * Threads: non-RT only, like the whole module: the disk writer, and the
 * main thread for recovery. Never the JACK process thread.
 */
#ifndef REDLIGHT_TAKE_FILE_INTERNAL_H
#define REDLIGHT_TAKE_FILE_INTERNAL_H

#include "redlight/take_file.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RIFF_U32_MAX 0xFFFFFFFFu

/* strerror() is not thread-safe; the disk writer and UI may both fail. */
static inline const char *errno_text(int errnum, char *buf, size_t size)
{
	return strerror_r(errnum, buf, size);
}

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16)
	       | ((uint32_t)p[3] << 24);
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/** A chunk id is four printable ASCII characters ("fmt ", "LIST"). */
static inline bool chunk_id_printable(const uint8_t *p)
{
	for (int i = 0; i < 4; i++) {
		if (p[i] < 0x20 || p[i] > 0x7E)
			return false;
	}
	return true;
}

static inline bool id_is(const uint8_t *p, const char *id)
{
	return memcmp(p, id, 4) == 0;
}

/* What the chunk walk found.  Offsets are of the chunk header. */
struct wav_layout {
	bool rf64;
	uint32_t riff_size;
	uint16_t block_align;
	bool have_fmt;
	bool have_ds64;
	uint64_t ds64_pos;
	uint64_t ds64_riff, ds64_data, ds64_frames;
	bool have_fact;
	uint64_t fact_pos;
	uint32_t fact_frames;
	uint64_t data_pos;    /* 'data' chunk header */
	uint32_t data_size32;
};

/** Read exactly n bytes at off: 1 ok, 0 short (end of file), -1 errno. */
int take_file_read_at(int fd, void *buf, size_t n, uint64_t off);

/** Write all n bytes at off (retrying short writes): 0 ok, -1 errno. */
int take_file_write_at(int fd, const void *buf, size_t n, uint64_t off);

/**
 * Walk the chunks of the WAV/RF64 file open as fd (file_size bytes long,
 * path for messages) up to its 'data' chunk, whose size is not trusted.
 * RL_ERR_FORMAT with the byte offset at fault if it is not a WAV/RF64
 * file, has no fmt or data chunk, or is RF64 without ds64; err may be
 * NULL.
 */
enum rl_status take_file_parse_layout(int fd, const char *path,
                                      uint64_t file_size,
                                      struct wav_layout *lay,
                                      struct error *err);

#endif
