/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clock_wrap: an LD_PRELOAD shim that moves a day of JACK uptime into a
 * test. JACK's frame clock and transport position are 32 bits and wrap
 * after 2^32 frames, 24.8 hours at 48 kHz; a real jackd is not kept up
 * that long in CI, so this shim shows the preloaded process (redlight)
 * both clocks shifted by a constant, chosen at its first call so that
 * they wrap CLOCK_WRAP_IN frames later. Everything else stays real: the
 * server, the source (which reads the real clock), the audio.
 *
 * Environment:
 *   CLOCK_WRAP_IN         frames after the first call at which the clock
 *                         wraps (default 96000)
 *   CLOCK_WRAP_TRANSPORT  1: the transport position too (shifted so that
 *                         it wraps CLOCK_WRAP_IN frames after the
 *                         position of the first query); a locate through
 *                         the shim is shifted back
 *   CLOCK_WRAP_LOG        a file the shim writes at exit, a line for the
 *                         clock and one for the position: the real value
 *                         at the first call, the first and the last one
 *                         shown, and whether what was shown wrapped
 *                         ("clock real R first F last L wrapped 1")
 *
 * The calls are made on JACK's process thread: no allocation, lock or
 * system call there (RealtimeSanitizer builds run this too). The real
 * functions are found and the environment read before main().
 */
#include <dlfcn.h>
#include <jack/jack.h>
#include <jack/transport.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef jack_nframes_t (*frame_fn)(const jack_client_t *);
typedef jack_transport_state_t (*query_fn)(const jack_client_t *,
                                           jack_position_t *);
typedef int (*locate_fn)(jack_client_t *, jack_nframes_t);

static frame_fn real_last_frame_time, real_frame_time;
static query_fn real_transport_query;
static locate_fn real_transport_locate;

static uint32_t wrap_in = 96000;
static bool shift_transport;

/* What the process was shown: the real value at the first call, the
 * first and the last value shown, and whether one came far below the one
 * before (a wrap, not a relocation back). */
struct seen {
	_Atomic int state; /* 0: nothing seen, 1: being set, 2: set */
	_Atomic uint32_t shift, real, first, last;
	_Atomic bool wrapped;
};
static struct seen clock_seen, position_seen;

static void *next_symbol(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);
	if (!sym) {
		fprintf(stderr, "clock_wrap: no %s\n", name);
		abort();
	}
	return sym;
}

/* dlsym's void * to a function pointer through memcpy (-Wpedantic). */
#define RESOLVE(var, name)                                                 \
	do {                                                               \
		void *sym_ = next_symbol(name);                            \
		memcpy(&var, &sym_, sizeof var);                           \
	} while (0)

__attribute__((constructor)) static void clock_wrap_init(void)
{
	RESOLVE(real_last_frame_time, "jack_last_frame_time");
	RESOLVE(real_frame_time, "jack_frame_time");
	RESOLVE(real_transport_query, "jack_transport_query");
	RESOLVE(real_transport_locate, "jack_transport_locate");
	const char *in = getenv("CLOCK_WRAP_IN");
	if (in && *in)
		wrap_in = (uint32_t)strtoul(in, NULL, 10);
	const char *tp = getenv("CLOCK_WRAP_TRANSPORT");
	shift_transport = tp && !strcmp(tp, "1");
}

/* real as shown: shifted so that the first value shown is 2^32 -
 * wrap_in. The first call may come from any thread: compare-and-swap. */
static uint32_t shown(uint32_t real, struct seen *w)
{
	int state = 0;
	if (atomic_compare_exchange_strong(&w->state, &state, 1)) {
		uint32_t s = 0u - wrap_in - real; /* modulo 2^32 */
		atomic_store(&w->shift, s);
		atomic_store(&w->real, real);
		atomic_store(&w->first, real + s);
		atomic_store(&w->last, real + s);
		atomic_store(&w->state, 2);
	}
	while (atomic_load(&w->state) != 2)
		; /* another thread is setting it: a few instructions */
	uint32_t v = real + atomic_load(&w->shift);
	uint32_t last = atomic_load(&w->last);
	if (v < last && last - v > UINT32_MAX / 2)
		atomic_store(&w->wrapped, true);
	atomic_store(&w->last, v);
	return v;
}

jack_nframes_t jack_last_frame_time(const jack_client_t *client)
{
	return shown(real_last_frame_time(client), &clock_seen);
}

jack_nframes_t jack_frame_time(const jack_client_t *client)
{
	return shown(real_frame_time(client), &clock_seen);
}

jack_transport_state_t jack_transport_query(const jack_client_t *client,
                                            jack_position_t *pos)
{
	jack_transport_state_t st = real_transport_query(client, pos);
	if (shift_transport && pos)
		pos->frame = shown(pos->frame, &position_seen);
	return st;
}

int jack_transport_locate(jack_client_t *client, jack_nframes_t frame)
{
	if (shift_transport && atomic_load(&position_seen.state) == 2)
		frame -= atomic_load(&position_seen.shift);
	return real_transport_locate(client, frame);
}

static void report(FILE *f, const char *what, struct seen *w)
{
	fprintf(f, "%s real %u first %u last %u wrapped %d\n", what,
	        (unsigned)atomic_load(&w->real),
	        (unsigned)atomic_load(&w->first),
	        (unsigned)atomic_load(&w->last),
	        (int)atomic_load(&w->wrapped));
}

__attribute__((destructor)) static void clock_wrap_report(void)
{
	const char *path = getenv("CLOCK_WRAP_LOG");
	FILE *f = path && *path ? fopen(path, "w") : NULL;
	if (!f)
		return;
	report(f, "clock", &clock_seen);
	if (shift_transport)
		report(f, "position", &position_seen);
	fclose(f);
}
