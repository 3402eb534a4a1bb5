/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file ring.h
 * Single-producer / single-consumer lock-free byte ring.
 *
 * Same shape as jack_ringbuffer_t (write space, read vectors, advance),
 * but the two indices are C11 atomics with release stores and acquire
 * loads. jack2's ring synchronises through `volatile size_t`, which is
 * correct on x86 only by accident of the memory model and which
 * ThreadSanitizer cannot see. redlight depends on the ordering: the disk
 * writer must never see a sample that was pushed after a gap record
 * without also seeing that gap record.
 *
 * One thread writes (ring_write*), one thread reads (ring_read*,
 * ring_peek). Creation and freeing happen outside the real-time period.
 */
#ifndef REDLIGHT_RING_H
#define REDLIGHT_RING_H

#include "redlight/realtime.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define RING_CACHE_LINE 64

/*
 * Each side's index lives on its own cache line, next to that side's
 * cached copy of the other index: the writer re-reads read_pos only when
 * its cached copy says the ring is full, so in steady state the two
 * threads do not bounce a cache line on every write (hundreds of tracks
 * per cycle).
 */
struct ring {
	char *buf;
	size_t size; /**< power of two */
	size_t mask;
	bool locked; /**< buf is mlock()ed */
	bool owns_buf; /**< false for the rings of a ring_new_set() */
	alignas(RING_CACHE_LINE) _Atomic size_t write_pos; /**< writer stores */
	size_t read_pos_cache;                             /**< writer's copy */
	size_t write_held; /**< streamed bytes not yet published (writer's) */
	alignas(RING_CACHE_LINE) _Atomic size_t read_pos;  /**< reader stores */
	char pad_[RING_CACHE_LINE - sizeof(size_t)];
};

/** A contiguous region of the ring (two of them describe a wrap). */
struct ring_region {
	char *data;
	size_t len;
};

/**
 * Allocate a ring of at least min_bytes (rounded up to a power of two),
 * touch every page so the RT thread never page-faults, and try to
 * mlock() it. An mlock failure is not fatal (ring->locked says whether it
 * worked; callers report it once). Returns NULL on allocation failure.
 * Non-RT. The caller owns the ring (ring_free()).
 */
struct ring *ring_new(size_t min_bytes);

/** Unlock and free. ring_free(NULL) is a no-op. Non-RT. */
void ring_free(struct ring *r);

/**
 * `count` rings of at least min_bytes each, in one block of memory
 * prepared as ring_new() prepares one (huge pages where the kernel allows
 * it, resident, locked if permitted): one track per ring, hundreds of
 * tracks, few TLB entries. Returns an array of count rings, or NULL (all
 * or nothing). Free with ring_free_set(), never ring_free(). Non-RT.
 */
struct ring **ring_new_set(size_t count, size_t min_bytes);

/** Free the rings of ring_new_set() and their block. NULL is a no-op. */
void ring_free_set(struct ring **rings, size_t count);

/** Bytes the writer may write now (held bytes count as written). Writer
 * thread. */
REALTIME size_t ring_write_space(const struct ring *r);

/** Bytes the reader may read now. Reader thread. */
REALTIME size_t ring_read_space(const struct ring *r);

/**
 * Copy len bytes in if they all fit, else copy nothing. Returns true if
 * written. Writer thread; real-time safe.
 */
REALTIME bool ring_write(struct ring *r, const void *src, size_t len);

/**
 * ring_write() for a writer that publishes later: the bytes go in with
 * streaming (non-temporal) stores where the CPU has them and the block
 * is aligned, so writing into memory that is not in the cache does not
 * first read it in, and they stay invisible to the reader until
 * ring_publish(). For the audio thread's copies: hundreds of rings, each
 * written where it was last written seconds ago, every cycle. Returns
 * true if written. Call ring_publish() before any ring_write() on the
 * same ring. Writer thread; real-time safe.
 */
REALTIME bool ring_write_streamed(struct ring *r, const void *src, size_t len);

/**
 * Order every streamed store made so far by this thread before its later
 * stores (one fence for any number of rings). Call once before the
 * ring_publish() calls that follow streamed writes. Real-time safe.
 */
REALTIME void ring_stream_fence(void);

/**
 * Make the bytes of ring_write_streamed() readable (release), after
 * ring_stream_fence(). A no-op if none are held. Writer thread.
 */
REALTIME void ring_publish(struct ring *r);

/**
 * Copy len bytes out if that many are there, else nothing. Returns true
 * if read. Reader thread.
 */
REALTIME bool ring_read(struct ring *r, void *dst, size_t len);

/** Like ring_read() but leaves the bytes in the ring. Reader thread. */
REALTIME bool ring_peek(const struct ring *r, void *dst, size_t len);

/**
 * Describe the readable bytes as up to two regions (the second is empty
 * unless the data wraps), so the reader can hand them to a writer call
 * without copying. Reader thread.
 */
REALTIME void ring_get_read_regions(const struct ring *r,
                                    struct ring_region regions[2]);

/** Consume len bytes (len <= ring_read_space()). Reader thread. */
REALTIME void ring_read_advance(struct ring *r, size_t len);

#endif
