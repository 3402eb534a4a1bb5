/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/ring.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t next_power_of_two(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

struct ring *ring_new(size_t min_bytes)
{
	struct ring *r = aligned_alloc(RING_CACHE_LINE, sizeof *r);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	r->size = next_power_of_two(min_bytes < 2 ? 2 : min_bytes);
	r->mask = r->size - 1;
	long page = sysconf(_SC_PAGESIZE);
	if (posix_memalign((void **)&r->buf, page > 0 ? (size_t)page : 4096,
	                   r->size) != 0) {
		free(r);
		return NULL;
	}
	/* Every page must be resident before the process callback touches
	 * it. mlock() faults them all in; only if it is refused (memlock
	 * limit) do we touch every page ourselves. */
	r->locked = mlock(r->buf, r->size) == 0;
	if (!r->locked)
		memset(r->buf, 0, r->size);
	atomic_init(&r->write_pos, 0);
	atomic_init(&r->read_pos, 0);
	return r;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->locked)
		munlock(r->buf, r->size);
	free(r->buf);
	free(r);
}

REALTIME size_t ring_write_space(const struct ring *r)
{
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed);
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_acquire);
	return r->size - (w - rd);
}

REALTIME size_t ring_read_space(const struct ring *r)
{
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
	return w - rd;
}

REALTIME bool ring_write(struct ring *r, const void *src, size_t len)
{
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed);
	if (r->size - (w - r->read_pos_cache) < len) {
		/* Acquire: the reader is done with the bytes it released. */
		r->read_pos_cache = atomic_load_explicit(&r->read_pos,
		                                         memory_order_acquire);
		if (r->size - (w - r->read_pos_cache) < len)
			return false;
	}
	size_t at = w & r->mask;
	size_t first = r->size - at;
	if (first > len)
		first = len;
	memcpy(r->buf + at, src, first);
	memcpy(r->buf, (const char *)src + first, len - first);
	/* Release: the bytes above are visible before the new index. */
	atomic_store_explicit(&r->write_pos, w + len, memory_order_release);
	return true;
}

REALTIME bool ring_peek(const struct ring *r, void *dst, size_t len)
{
	if (ring_read_space(r) < len)
		return false;
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
	size_t at = rd & r->mask;
	size_t first = r->size - at;
	if (first > len)
		first = len;
	memcpy(dst, r->buf + at, first);
	memcpy((char *)dst + first, r->buf, len - first);
	return true;
}

REALTIME bool ring_read(struct ring *r, void *dst, size_t len)
{
	if (!ring_peek(r, dst, len))
		return false;
	ring_read_advance(r, len);
	return true;
}

REALTIME void ring_get_read_regions(const struct ring *r,
                                    struct ring_region regions[2])
{
	size_t avail = ring_read_space(r);
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
	size_t at = rd & r->mask;
	size_t first = r->size - at;
	if (first > avail)
		first = avail;
	regions[0].data = r->buf + at;
	regions[0].len = first;
	regions[1].data = r->buf;
	regions[1].len = avail - first;
}

REALTIME void ring_read_advance(struct ring *r, size_t len)
{
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
	/* Release: our reads of the bytes finish before the writer may
	 * reuse them. */
	atomic_store_explicit(&r->read_pos, rd + len, memory_order_release);
}
