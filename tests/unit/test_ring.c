/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ring: sizing, wrap-around, all-or-nothing writes, and a two-thread
 * stream that TSan checks for ordering (the TSan suite runs this). */
#include "check.h"
#include "redlight/ring.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

static void test_sizing(void)
{
	struct ring *r = ring_new(1000);
	CHECK(r != NULL);
	CHECK_EQ_U64(r->size, 1024);
	CHECK_EQ_U64(ring_write_space(r), 1024);
	CHECK_EQ_U64(ring_read_space(r), 0);
	ring_free(r);
	r = ring_new(4096);
	CHECK_EQ_U64(r->size, 4096);
	ring_free(r);
	ring_free(NULL);
}

static void test_wrap(void)
{
	struct ring *r = ring_new(16);
	char out[16];
	/* Move the indices to 10 so the next write of 10 wraps. */
	CHECK(ring_write(r, "0123456789", 10));
	CHECK(ring_read(r, out, 10));
	CHECK(ring_write(r, "abcdefghij", 10));
	CHECK_EQ_U64(ring_read_space(r), 10);
	struct ring_region reg[2];
	ring_get_read_regions(r, reg);
	CHECK_EQ_U64(reg[0].len, 6);
	CHECK_EQ_U64(reg[1].len, 4);
	CHECK(memcmp(reg[0].data, "abcdef", 6) == 0);
	CHECK(memcmp(reg[1].data, "ghij", 4) == 0);
	CHECK(ring_peek(r, out, 10));
	CHECK(memcmp(out, "abcdefghij", 10) == 0);
	CHECK(ring_read(r, out, 10));
	CHECK(memcmp(out, "abcdefghij", 10) == 0);
	CHECK_EQ_U64(ring_read_space(r), 0);
	ring_free(r);
}

static void test_all_or_nothing(void)
{
	struct ring *r = ring_new(16);
	char buf[17] = { 0 };
	CHECK(!ring_write(r, buf, 17));
	CHECK_EQ_U64(ring_read_space(r), 0);
	CHECK(ring_write(r, buf, 16));
	CHECK_EQ_U64(ring_write_space(r), 0);
	CHECK(!ring_write(r, buf, 1));
	CHECK(!ring_read(r, buf, 17));
	CHECK_EQ_U64(ring_read_space(r), 16);
	ring_free(r);
}

#define STREAM_WORDS 2000000u

/* The producer side of the threaded tests: `streamed` writes with
 * ring_write_streamed() in 16-word blocks (the streaming path where they
 * are aligned), an odd 37-word one now and then to shift the alignment,
 * published every few blocks as the audio thread publishes once a cycle;
 * otherwise ring_write() in 37-word blocks, so every wrap position is hit. */
struct producer_args {
	struct ring *r;
	bool streamed;
};

static void *producer(void *arg)
{
	const struct producer_args *a = arg;
	uint32_t next = 0, turn = 0;
	uint32_t block[37];
	while (next < STREAM_WORDS) {
		turn++;
		uint32_t n = !a->streamed || turn % 50 == 0 ? 37 : 16;
		if (n > STREAM_WORDS - next)
			n = STREAM_WORDS - next;
		for (uint32_t i = 0; i < n; i++)
			block[i] = next + i;
		size_t bytes = n * sizeof(uint32_t);
		if (a->streamed ? ring_write_streamed(a->r, block, bytes)
		                : ring_write(a->r, block, bytes))
			next += n;
		if (a->streamed && (turn % 4 == 0 || next == STREAM_WORDS)) {
			ring_stream_fence();
			ring_publish(a->r);
		}
	}
	return NULL;
}

/* Two threads: every word arrives once, in order, either way of writing. */
static void test_threads(bool streamed)
{
	struct ring *r = ring_new(4096);
	struct producer_args args = { r, streamed };
	pthread_t th;
	pthread_create(&th, NULL, producer, &args);
	uint32_t expect = 0;
	int bad = 0;
	while (expect < STREAM_WORDS) {
		struct ring_region reg[2];
		ring_get_read_regions(r, reg);
		size_t total = 0;
		for (int i = 0; i < 2; i++) {
			size_t words = reg[i].len / sizeof(uint32_t);
			for (size_t k = 0; k < words; k++) {
				uint32_t v;
				memcpy(&v, reg[i].data + k * 4, 4);
				bad += v != expect++;
			}
			total += words * 4;
		}
		ring_read_advance(r, total);
	}
	pthread_join(th, NULL);
	CHECK(bad == 0);
	CHECK_EQ_U64(ring_read_space(r), 0);
	ring_free(r);
}

/* Streamed writes: invisible to the reader and counted against the space
 * until published; aligned whole lines (the streaming path), a wrap, and
 * an unaligned block (the ordinary copy) all arrive intact. */
static void test_streamed(void)
{
	struct ring *r = ring_new(4096);
	unsigned char a[256], b[256], got[512];
	for (int i = 0; i < 256; i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)(255 - i);
	}
	CHECK(ring_write_streamed(r, a, sizeof a));
	CHECK(ring_write_streamed(r, b, sizeof b));
	CHECK_EQ_U64(ring_read_space(r), 0);
	CHECK_EQ_U64(ring_write_space(r), 4096 - 512);
	ring_stream_fence();
	ring_publish(r);
	ring_publish(r); /* nothing held: no-op */
	CHECK_EQ_U64(ring_read_space(r), 512);
	CHECK(ring_read(r, got, 512));
	CHECK(memcmp(got, a, 256) == 0 && memcmp(got + 256, b, 256) == 0);

	/* To 128 bytes before the end: the next 256 wrap, 128 a side. */
	unsigned char pad[4096 - 128 - 512];
	memset(pad, 7, sizeof pad);
	CHECK(ring_write(r, pad, sizeof pad));
	CHECK(ring_read(r, pad, sizeof pad));
	CHECK(ring_write_streamed(r, a, sizeof a));
	ring_stream_fence();
	ring_publish(r);
	struct ring_region reg[2];
	ring_get_read_regions(r, reg);
	CHECK_EQ_U64(reg[0].len, 128);
	CHECK_EQ_U64(reg[1].len, 128);
	CHECK(ring_read(r, got, 256));
	CHECK(memcmp(got, a, 256) == 0);

	/* Unaligned (at 128 + 4) and not whole lines. */
	CHECK(ring_write(r, "wxyz", 4));
	CHECK(ring_read(r, got, 4));
	CHECK(ring_write_streamed(r, b, 100));
	ring_stream_fence();
	ring_publish(r);
	CHECK(ring_read(r, got, 100));
	CHECK(memcmp(got, b, 100) == 0);

	/* All or nothing, held bytes included. */
	unsigned char big[4096 - 200];
	memset(big, 1, sizeof big);
	CHECK(ring_write_streamed(r, big, sizeof big));
	CHECK(!ring_write_streamed(r, a, sizeof a));
	CHECK_EQ_U64(ring_write_space(r), 200);
	CHECK(ring_write_streamed(r, a, 200));
	CHECK_EQ_U64(ring_write_space(r), 0);
	CHECK_EQ_U64(ring_read_space(r), 0);
	ring_stream_fence();
	ring_publish(r);
	CHECK_EQ_U64(ring_read_space(r), 4096);
	ring_free(r);
}

/* A set of rings in one block: each ring independent, none overlapping,
 * the block prepared once. */
static void test_ring_set(void)
{
	enum { N = 5 };
	struct ring **rs = ring_new_set(N, 3000); /* rounds up to 4096 */
	CHECK(rs != NULL);
	if (!rs)
		return;
	for (int i = 0; i < N; i++) {
		CHECK_EQ_U64(rs[i]->size, 4096);
		CHECK(!rs[i]->owns_buf);
		if (i > 0)
			CHECK(rs[i]->buf == rs[i - 1]->buf + 4096);
	}
	/* Fill every ring with its own bytes, then read them back. */
	unsigned char chunk[1000];
	for (int round = 0; round < 9; round++) {
		for (int i = 0; i < N; i++) {
			memset(chunk, 16 * i + round, sizeof chunk);
			CHECK(ring_write(rs[i], chunk, sizeof chunk));
		}
		for (int i = 0; i < N; i++) {
			unsigned char got[1000];
			CHECK(ring_read(rs[i], got, sizeof got));
			int bad = 0;
			for (size_t k = 0; k < sizeof got; k++)
				bad += got[k] != (unsigned char)(16 * i + round);
			CHECK(bad == 0);
		}
	}
	ring_free_set(rs, N);
	ring_free_set(NULL, 3);
	/* Huge sizes fail cleanly. */
	CHECK(ring_new_set(SIZE_MAX / 2, 1 << 20) == NULL);
}

/* The rings of a set start at different places in their pages, whole
 * cache lines apart, so that they do not all cross into a new page in the
 * same cycle; the data still goes round each ring intact. */
static void test_ring_set_stagger(void)
{
	enum { N = 70, SIZE = 8192, BLOCK = 256 };
	struct ring **rs = ring_new_set(N, SIZE);
	CHECK(rs != NULL);
	if (!rs)
		return;
	bool seen[4096 / 64] = { false };
	int distinct = 0;
	for (int i = 0; i < N; i++) {
		size_t at = atomic_load(&rs[i]->write_pos) % 4096;
		CHECK(at % 64 == 0);
		CHECK_EQ_U64(ring_read_space(rs[i]), 0);
		CHECK_EQ_U64(ring_write_space(rs[i]), SIZE);
		if (!seen[at / 64]) {
			seen[at / 64] = true;
			distinct++;
		}
	}
	CHECK(distinct == 4096 / 64);
	/* The blocks of one cycle that enter a page the ring's previous
	 * block did not touch: BLOCK / 64 of the 64 starting lines, so about
	 * a sixteenth of the rings, never all of them at once. */
	for (int cycle = 0; cycle < 3 * SIZE / BLOCK; cycle++) {
		int crossing = 0;
		unsigned char blk[BLOCK];
		for (int i = 0; i < N; i++) {
			size_t w = atomic_load(&rs[i]->write_pos);
			crossing += w % 4096 == 0 || w % 4096 + BLOCK > 4096;
			for (size_t k = 0; k < BLOCK; k++)
				blk[k] = (unsigned char)(i + cycle + k);
			CHECK(ring_write_streamed(rs[i], blk, BLOCK));
		}
		ring_stream_fence();
		for (int i = 0; i < N; i++)
			ring_publish(rs[i]);
		CHECK(crossing <= (N + 63) / 64 * (BLOCK / 64));
		for (int i = 0; i < N; i++) {
			unsigned char got[BLOCK];
			int bad = 0;
			CHECK(ring_read(rs[i], got, BLOCK));
			for (size_t k = 0; k < BLOCK; k++)
				bad += got[k] != (unsigned char)(i + cycle + k);
			CHECK(bad == 0);
		}
	}
	ring_free_set(rs, N);
}

int main(void)
{
	test_ring_set();
	test_ring_set_stagger();
	test_sizing();
	test_wrap();
	test_all_or_nothing();
	test_threads(false);
	test_streamed();
	test_threads(true);
	return CHECK_DONE();
}
