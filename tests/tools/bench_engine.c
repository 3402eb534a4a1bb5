/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-engine TRACKS RATE PERIOD SECONDS: the engine's process cycle
 * alone, no JACK server, no scheduler noise from a dummy driver: this
 * thread plays the audio thread and a second thread drains the rings like
 * the disk writer (without writing files). Prints the cycle time as
 * median / p99 / max in microseconds and as a share of the period.
 * Used by scripts/bench; a benchmark, not a test.
 */
#include "redlight/engine.h"
#include "engine_cmd.h"

#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static atomic_bool done;

static void *drain(void *arg)
{
	struct engine *e = arg;
	uint32_t n = engine_track_count(e);
	while (!atomic_load(&done)) {
		/* Like the disk writer: drain only when the engine posts. */
		if (!engine_wait(e, 50))
			continue;
		struct engine_event ev;
		while (engine_next_event(e, &ev))
			;
		for (uint32_t t = 0; t < n; t++) {
			struct ring *r = engine_track_ring(e, t);
			ring_read_advance(r, ring_read_space(r));
		}
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fputs("usage: bench-engine TRACKS RATE PERIOD SECONDS [RING_SECONDS]\n",
		      stderr);
		return 2;
	}
	double ring_seconds = argc == 6 ? atof(argv[5]) : 4.0;
	uint32_t tracks = (uint32_t)atoi(argv[1]);
	uint32_t rate = (uint32_t)atoi(argv[2]);
	uint32_t period = (uint32_t)atoi(argv[3]);
	double seconds = atof(argv[4]);
	struct engine_config cfg = { .track_count = tracks, .sample_rate = rate,
	                             .ring_frames = (size_t)(rate * ring_seconds) };
	struct engine *e;
	struct error err;
	if (engine_new(&cfg, &e, &err) != RL_OK) {
		fprintf(stderr, "bench-engine: %s\n", err.message);
		return 1;
	}
	float *buf = calloc((size_t)tracks * period, sizeof *buf);
	const float **in = calloc(tracks, sizeof *in);
	size_t cycles = (size_t)(seconds * rate / period);
	uint64_t *ns = calloc(cycles, sizeof *ns);
	if (!buf || !in || !ns)
		return 1;
	for (uint32_t t = 0; t < tracks; t++) {
		in[t] = buf + (size_t)t * period;
		for (uint32_t i = 0; i < period; i++)
			buf[(size_t)t * period + i] = (float)((i * 7919 + t) % 1000) / 1000.0f - 0.5f;
		struct engine_command c = make_cmd(ENGINE_CMD_ARM, t, 1, 0, 0);
		engine_send(e, &c, NULL);
	}
	struct engine_command rec = make_cmd(ENGINE_CMD_RECORD, 0, 1, 0, 0);
	engine_send(e, &rec, NULL);
	pthread_t th;
	pthread_create(&th, NULL, drain, e);
	uint64_t period_ns = (uint64_t)period * 1000000000u / rate;
	struct rusage ru0, ru1;
	getrusage(RUSAGE_THREAD, &ru0);
	uint64_t next = now_ns();
	for (size_t c = 0; c < cycles; c++) {
		/* Every cycle's audio differs, as real audio does: identical
		 * pages invite the hypervisor to merge them (KSM) and then
		 * copy them again on the next write. */
		for (uint32_t t = 0; t < tracks; t++)
			buf[(size_t)t * period] = (float)c * 1e-6f;
		uint64_t t0 = now_ns();
		engine_process(e, in, NULL, period);
		ns[c] = now_ns() - t0;
		/* Pace like a real period so the drain thread keeps up the
		 * way the disk writer does. */
		next += period_ns;
		while (now_ns() < next)
			;
	}
	getrusage(RUSAGE_THREAD, &ru1);
	atomic_store(&done, true);
	engine_wake(e);
	pthread_join(th, NULL);
	struct engine_snapshot s;
	engine_snapshot(e, &s);
	if (getenv("BENCH_SLOW_TRACE")) {
		/* Where the slow cycles fall: periodic ones point at timer
		 * interrupts or a thread, not at the engine's own work. */
		size_t last = 0;
		for (size_t c = 0; c < cycles; c++)
			if (ns[c] > 3 * ns[cycles / 2]) {
				fprintf(stderr, "slow cycle %zu (+%zu): %.1f us\n", c,
				        c - last, ns[c] / 1000.0);
				last = c;
			}
	}
	qsort(ns, cycles, sizeof *ns, cmp_u64);
	double med = ns[cycles / 2] / 1000.0, p99 = ns[cycles * 99 / 100] / 1000.0,
	       max = ns[cycles - 1] / 1000.0, per = period_ns / 1000.0;
	printf("engine %u tracks @%u/%u: %zu cycles, median %.2f us (%.2f%%), "
	       "p99 %.2f us (%.2f%%), max %.2f us (%.2f%%), dropped %llu\n",
	       tracks, rate, period, cycles, med, 100 * med / per, p99,
	       100 * p99 / per, max, 100 * max / per,
	       (unsigned long long)s.dropped_frames);
	/* Page faults of the audio thread while it ran: each one is a
	 * trip into the kernel that a locked buffer would not need. */
	printf("   audio thread page faults while running: %ld minor, %ld major; "
	       "rings locked in memory: %s\n", ru1.ru_minflt - ru0.ru_minflt,
	       ru1.ru_majflt - ru0.ru_majflt,
	       engine_memory_locked(e) ? "yes" : "no (raise ulimit -l)");
	engine_free(e);
	free(buf);
	free(in);
	free(ns);
	return 0;
}
