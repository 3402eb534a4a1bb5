/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Streaming stores where the CPU has them, except under ThreadSanitizer:
 * it does not see stores made by intrinsics, and the TSan suite is there
 * to check exactly these rings' data against their indices. */
#if defined(__SANITIZE_THREAD__)
#define RING_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RING_UNDER_TSAN 1
#endif
#endif
#if defined(__SSE2__) && !defined(RING_UNDER_TSAN)
#define RING_STREAMING 1
#include <emmintrin.h>
#endif
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

static size_t next_power_of_two(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/*
 * Make a ring buffer's memory ready for the audio thread.
 *
 * - Big blocks go on transparent huge pages where the kernel allows it
 *   (madvise mode): hundreds of tracks write into hundreds of rings, and
 *   with 4 KB pages the cycle in which they all cross a page boundary
 *   pays a TLB miss per track — under a hypervisor's nested paging a slow
 *   two-level page walk each.
 * - Every page must be resident before the process callback touches it:
 *   mlock() faults them all in; only if it is refused (memlock limit) do
 *   we touch every page ourselves.
 * - Every page gets content of its own. Under a hypervisor, identical
 *   (zero) pages may be shared or backed lazily by the host; the first
 *   write into one then costs a trip through the host in the middle of a
 *   cycle.
 * doc/tuning.md ("Realtime memory under a hypervisor") has the figures.
 *
 * Returns whether the memory is locked.
 */
static bool prepare_memory(char *buf, size_t size)
{
	if (size >= HUGE_PAGE)
		madvise(buf, size, MADV_HUGEPAGE); /* a hint: may fail */
	bool locked = mlock(buf, size) == 0;
	if (!locked)
		memset(buf, 0, size);
	long page = sysconf(_SC_PAGESIZE);
	size_t step = page > 0 ? (size_t)page : 4096;
	for (size_t off = 0; off < size; off += step) {
		uintptr_t tag = (uintptr_t)(buf + off);
		memcpy(buf + off, &tag, sizeof tag);
	}
	return locked;
}

static size_t alignment_for(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	return size >= HUGE_PAGE ? HUGE_PAGE : page > 0 ? (size_t)page : 4096;
}

static struct ring *ring_struct(char *buf, size_t size, bool owns,
                                size_t start)
{
	struct ring *r = aligned_alloc(RING_CACHE_LINE, sizeof *r);
	if (!r)
		return NULL;
	memset(r, 0, sizeof *r);
	r->buf = buf;
	r->size = size;
	r->mask = size - 1;
	r->owns_buf = owns;
	atomic_init(&r->write_pos, start);
	atomic_init(&r->read_pos, start);
	r->read_pos_cache = start;
	return r;
}

struct ring *ring_new(size_t min_bytes)
{
	size_t size = next_power_of_two(min_bytes < 2 ? 2 : min_bytes);
	char *buf = NULL;
	if (posix_memalign((void **)&buf, alignment_for(size), size) != 0)
		return NULL;
	struct ring *r = ring_struct(buf, size, true, 0);
	if (!r) {
		free(buf);
		return NULL;
	}
	r->locked = prepare_memory(buf, size);
	return r;
}

/*
 * Where ring i of a set starts: the rings of a set all advance by the same
 * block every cycle, and started at the same place in their pages they
 * would all cross into a new page in the same cycle — every 16th cycle at
 * 64 frames, a TLB miss per track in one cycle, which under a hypervisor
 * is a nested page walk each (the host may back the guest's huge pages
 * with small ones); doc/tuning.md has how often slow cycles fell on that
 * one phase before this. Starting ring i (i mod 64) cache lines into the ring
 * spreads the crossings evenly over the cycles. Whole cache lines keep the
 * streaming stores aligned (ring_write_streamed()).
 */
static size_t set_stagger(size_t i, size_t size)
{
	size_t page = 4096;
	if (size < 2 * page)
		return 0;
	return (i % (page / RING_CACHE_LINE)) * RING_CACHE_LINE;
}

struct ring **ring_new_set(size_t count, size_t min_bytes)
{
	size_t size = next_power_of_two(min_bytes < 2 ? 2 : min_bytes);
	if (count && (size > SIZE_MAX / count ||
	              count > SIZE_MAX / sizeof(struct ring *)))
		return NULL;
	struct ring **rings = calloc(count ? count : 1, sizeof *rings);
	char *block = NULL;
	if (!rings ||
	    posix_memalign((void **)&block, alignment_for(size * count),
	                   size * (count ? count : 1)) != 0) {
		free(rings);
		return NULL;
	}
	bool locked = prepare_memory(block, size * count);
	for (size_t i = 0; i < count; i++) {
		rings[i] = ring_struct(block + i * size, size, false,
		                       set_stagger(i, size));
		if (!rings[i]) {
			ring_free_set(rings, count);
			return NULL;
		}
		rings[i]->locked = locked;
	}
	/* The first ring frees the block (ring_free_set). */
	if (count == 0)
		free(block);
	return rings;
}

void ring_free_set(struct ring **rings, size_t count)
{
	if (!rings)
		return;
	char *block = count && rings[0] ? rings[0]->buf : NULL;
	size_t total = count && rings[0] ? rings[0]->size * count : 0;
	for (size_t i = 0; i < count; i++)
		free(rings[i]);
	if (block) {
		munlock(block, total);
		free(block);
	}
	free(rings);
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->owns_buf) {
		if (r->locked)
			munlock(r->buf, r->size);
		free(r->buf);
	}
	free(r);
}

REALTIME size_t ring_write_space(const struct ring *r)
{
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed) +
	           r->write_held;
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_acquire);
	return r->size - (w - rd);
}

REALTIME size_t ring_read_space(const struct ring *r)
{
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_acquire);
	size_t rd = atomic_load_explicit(&r->read_pos, memory_order_relaxed);
	return w - rd;
}

/*
 * Where the writer's next len bytes go, if they all fit: *w is the
 * writer's position, reg[0] up to the ring's end, reg[1] the rest from its
 * start (empty unless they wrap).
 */
REALTIME static bool write_regions(struct ring *r, size_t len, size_t *w,
                                   struct ring_region reg[2])
{
	*w = atomic_load_explicit(&r->write_pos, memory_order_relaxed) +
	     r->write_held;
	if (r->size - (*w - r->read_pos_cache) < len) {
		/* Acquire: the reader is done with the bytes it released. */
		r->read_pos_cache = atomic_load_explicit(&r->read_pos,
		                                         memory_order_acquire);
		if (r->size - (*w - r->read_pos_cache) < len)
			return false;
	}
	size_t at = *w & r->mask;
	size_t first = r->size - at < len ? r->size - at : len;
	reg[0] = (struct ring_region){ r->buf + at, first };
	reg[1] = (struct ring_region){ r->buf, len - first };
	return true;
}

REALTIME bool ring_write(struct ring *r, const void *src, size_t len)
{
	size_t w;
	struct ring_region reg[2];
	if (!write_regions(r, len, &w, reg))
		return false;
	memcpy(reg[0].data, src, reg[0].len);
	/* Mostly no wrap: skip the call. */
	if (reg[1].len)
		memcpy(reg[1].data, (const char *)src + reg[0].len, reg[1].len);
	/* Release: the bytes above are visible before the new index. */
	atomic_store_explicit(&r->write_pos, w + len, memory_order_release);
	return true;
}

#if defined(RING_STREAMING)
/*
 * 16-byte stores that bypass the cache, to a 16-byte aligned destination
 * in whole 64-byte lines (a partial line would be flushed in pieces);
 * anything else is an ordinary copy. An ordinary store first reads the
 * line it overwrites, and a ring is written where it was last written
 * seconds ago, in no cache (doc/tuning.md has what that cost).
 */
REALTIME static void copy_streamed(char *dst, const char *src, size_t len)
{
	if (((uintptr_t)dst & 15) != 0 || (len & 63) != 0) {
		memcpy(dst, src, len);
		return;
	}
	__m128i *d = (__m128i *)(void *)dst;
	for (size_t k = 0; k < len / 16; k += 4) {
		const char *s = src + k * 16;
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(const void *)(s + 48));
		_mm_stream_si128(d + k, a);
		_mm_stream_si128(d + k + 1, b);
		_mm_stream_si128(d + k + 2, c);
		_mm_stream_si128(d + k + 3, e);
	}
}

/* Streaming stores are weakly ordered, even on x86: only a store fence
 * puts them before the release store that publishes them. */
REALTIME void ring_stream_fence(void)
{
	_mm_sfence();
}
#else
REALTIME static void copy_streamed(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
}

/* Ordinary stores: ring_publish()'s release store orders them. */
REALTIME void ring_stream_fence(void) {}
#endif

REALTIME bool ring_write_streamed(struct ring *r, const void *src, size_t len)
{
	size_t w;
	struct ring_region reg[2];
	if (!write_regions(r, len, &w, reg))
		return false;
	copy_streamed(reg[0].data, src, reg[0].len);
	if (reg[1].len)
		copy_streamed(reg[1].data, (const char *)src + reg[0].len,
		              reg[1].len);
	r->write_held += len;
	return true;
}

REALTIME void ring_publish(struct ring *r)
{
	if (r->write_held == 0)
		return;
	size_t w = atomic_load_explicit(&r->write_pos, memory_order_relaxed);
	/* Release: after the caller's fence, the streamed bytes are visible
	 * before the new index. */
	atomic_store_explicit(&r->write_pos, w + r->write_held,
	                      memory_order_release);
	r->write_held = 0;
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
