/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The test JACK backend (test_backend.h): jack_backend.h implemented with
 * a thread that calls engine_process() the way JACK's process callback
 * does, on plain buffers. What JACK would decide (which ports exist, their
 * latencies, when cycles run, when the server goes away) the test decides.
 */
#include "test_backend.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tb_source {
	char *name;
	uint32_t capture_latency;
	float (*signal)(uint32_t source, uint64_t frame);
};

struct jack_backend {
	char *client_name;
	uint32_t sample_rate, period;
	unsigned cycle_us;
	uint32_t playback_latency;
	struct tb_source *sources;
	size_t source_count;
	char **sinks;
	size_t sink_count;

	struct engine *engine;
	size_t port_count;
	char **port_names;
	_Atomic int *port_source;  /* per track: source index, -1 none */
	float *in_data;
	const float **in_bufs;
	size_t output_count;
	char **output_names;
	float *out_data;
	float **out_bufs;
	float *cycle_peak;         /* the thread's, per output */

	_Atomic int transport_mode;
	_Atomic bool transport_rolling;
	_Atomic int64_t transport_frame;

	pthread_t thread;
	bool thread_started;
	/* The cycle thread and the test meet here. */
	pthread_mutex_t lock;
	pthread_cond_t cond;       /* CLOCK_MONOTONIC */
	bool paused, in_cycle, quit;
	uint64_t cycles;
	float *out_peak;           /* per output, under lock */
	_Atomic uint64_t frames;

	_Atomic bool dead;
	char dead_reason[256];     /* written before `dead` is released */
};

static struct test_backend_config next_config;
static struct jack_backend *last_opened;
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;

void test_backend_configure(const struct test_backend_config *config)
{
	next_config = *config;
}

struct jack_backend *test_backend_last(void)
{
	pthread_mutex_lock(&last_lock);
	struct jack_backend *jb = last_opened;
	pthread_mutex_unlock(&last_lock);
	return jb;
}

float test_backend_counter(uint32_t source, uint64_t frame)
{
	uint64_t k = (frame + (uint64_t)source * 1000003u) %
	             TEST_BACKEND_COUNTER_SPAN + 1;
	return (float)k / 8388608.0f;
}

uint64_t test_backend_counter_frame(uint32_t source, int32_t sample24)
{
	if (sample24 <= 0 || (uint32_t)sample24 > TEST_BACKEND_COUNTER_SPAN)
		return UINT64_MAX;
	uint64_t span = TEST_BACKEND_COUNTER_SPAN;
	uint64_t off = (uint64_t)source * 1000003u % span;
	return ((uint64_t)sample24 - 1 + span - off) % span;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

/* One process cycle, as jack_backend.c's on_process() runs it. */
static void cycle(struct jack_backend *jb)
{
	uint64_t f = atomic_load_explicit(&jb->frames, memory_order_relaxed);
	uint32_t n = jb->period;
	for (size_t t = 0; t < jb->port_count; t++) {
		float *buf = jb->in_data + t * n;
		int s = atomic_load_explicit(&jb->port_source[t],
		                             memory_order_acquire);
		if (s < 0) {
			memset(buf, 0, n * sizeof *buf);
			continue;
		}
		const struct tb_source *src = &jb->sources[s];
		for (uint32_t i = 0; i < n; i++)
			buf[i] = src->signal ? src->signal((uint32_t)s, f + i)
			                     : test_backend_counter((uint32_t)s,
			                                            f + i);
	}
	if (atomic_load(&jb->transport_mode) != JACK_TRANSPORT_INTERNAL) {
		bool rolling = atomic_load(&jb->transport_rolling);
		int64_t pos = atomic_load(&jb->transport_frame);
		engine_follow_transport(jb->engine, rolling, (uint32_t)pos);
		/* A locate in between wins over the roll. JACK's position is
		 * 32 bits: it rolls on past 2^32 - 1 to 0. */
		if (rolling)
			atomic_compare_exchange_strong(
				&jb->transport_frame, &pos,
				(int64_t)(uint32_t)(pos + n));
	}
	uint64_t t0 = now_ns();
	engine_process(jb->engine, jb->in_bufs, jb->out_bufs, n);
	uint64_t used = now_ns() - t0;
	engine_note_cycle_time(jb->engine, used,
	                       (uint64_t)n * 1000000000u / jb->sample_rate);
	for (size_t o = 0; o < jb->output_count; o++) {
		float peak = 0.0f;
		for (uint32_t i = 0; jb->out_bufs[o] && i < n; i++) {
			float a = fabsf(jb->out_bufs[o][i]);
			peak = a > peak ? a : peak;
		}
		jb->cycle_peak[o] = peak;
	}
	atomic_store_explicit(&jb->frames, f + n, memory_order_release);
}

static void *run(void *arg)
{
	struct jack_backend *jb = arg;
	uint64_t next = now_ns();
	pthread_mutex_lock(&jb->lock);
	for (;;) {
		while (jb->paused && !jb->quit)
			pthread_cond_wait(&jb->cond, &jb->lock);
		if (jb->quit)
			break;
		jb->in_cycle = true;
		pthread_mutex_unlock(&jb->lock);
		cycle(jb);
		pthread_mutex_lock(&jb->lock);
		for (size_t o = 0; o < jb->output_count; o++)
			if (jb->cycle_peak[o] > jb->out_peak[o])
				jb->out_peak[o] = jb->cycle_peak[o];
		jb->cycles++;
		jb->in_cycle = false;
		pthread_cond_broadcast(&jb->cond);
		if (!jb->cycle_us)
			continue;
		/* Paced like a driver: the next cycle one period after this
		 * one's start, or now if we fell behind (a frozen server
		 * that wakes up does not catch up in a burst either). */
		next += (uint64_t)jb->cycle_us * 1000u;
		uint64_t now = now_ns();
		if (next < now)
			next = now;
		struct timespec ts;
		ns_to_timespec(next, &ts);
		while (!jb->quit && !jb->paused) {
			if (pthread_cond_timedwait(&jb->cond, &jb->lock, &ts) ==
			    ETIMEDOUT)
				break;
		}
		if (jb->paused)
			next = now_ns(); /* resume paced from then */
	}
	pthread_mutex_unlock(&jb->lock);
	return NULL;
}

static char *dup_or_null(const char *s, bool *ok)
{
	char *d = strdup(s ? s : "");
	*ok &= d != NULL;
	return d;
}

static void free_strings(char **names, size_t count)
{
	for (size_t i = 0; names && i < count; i++)
		free(names[i]);
	free(names);
}

enum rl_status jack_backend_open(const char *client_name,
                                 const char *server_name,
                                 struct jack_backend **out, struct error *err)
{
	(void)server_name;
	*out = NULL;
	const struct test_backend_config *cf = &next_config;
	struct jack_backend *jb = calloc(1, sizeof *jb);
	if (!jb)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	bool ok = true;
	jb->client_name = dup_or_null(client_name, &ok);
	jb->sample_rate = cf->sample_rate ? cf->sample_rate : 48000;
	jb->period = cf->period ? cf->period : 256;
	jb->cycle_us = cf->cycle_us;
	jb->playback_latency = cf->playback_latency;
	jb->sources = calloc(cf->source_count + 1, sizeof *jb->sources);
	jb->sinks = calloc(cf->sink_count + 1, sizeof *jb->sinks);
	ok &= jb->sources && jb->sinks;
	for (size_t i = 0; ok && i < cf->source_count; i++) {
		jb->sources[i].name = dup_or_null(cf->sources[i].name, &ok);
		jb->sources[i].capture_latency = cf->sources[i].capture_latency;
		jb->sources[i].signal = cf->sources[i].signal;
		jb->source_count = i + 1;
	}
	for (size_t i = 0; ok && i < cf->sink_count; i++) {
		jb->sinks[i] = dup_or_null(cf->sinks[i], &ok);
		jb->sink_count = i + 1;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&jb->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&jb->lock, NULL);
	if (!ok) {
		jack_backend_free(jb);
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_lock(&last_lock);
	last_opened = jb;
	pthread_mutex_unlock(&last_lock);
	*out = jb;
	return RL_OK;
}

enum rl_status jack_backend_try_open(const char *client_name,
                                     const char *server_name,
                                     struct jack_backend **out,
                                     struct error *err)
{
	return jack_backend_open(client_name, server_name, out, err);
}

void jack_backend_free(struct jack_backend *jb)
{
	if (!jb)
		return;
	jack_backend_deactivate(jb);
	pthread_mutex_lock(&last_lock);
	if (last_opened == jb)
		last_opened = NULL;
	pthread_mutex_unlock(&last_lock);
	free(jb->client_name);
	for (size_t i = 0; i < jb->source_count; i++)
		free(jb->sources[i].name);
	free(jb->sources);
	free_strings(jb->sinks, jb->sink_count);
	free_strings(jb->port_names, jb->port_count);
	free(jb->port_source);
	free(jb->in_data);
	free(jb->in_bufs);
	free_strings(jb->output_names, jb->output_count);
	free(jb->out_data);
	free(jb->out_bufs);
	free(jb->cycle_peak);
	free(jb->out_peak);
	pthread_cond_destroy(&jb->cond);
	pthread_mutex_destroy(&jb->lock);
	free(jb);
}

uint32_t jack_backend_sample_rate(const struct jack_backend *jb)
{
	return jb->sample_rate;
}

uint32_t jack_backend_buffer_size(const struct jack_backend *jb)
{
	return jb->period;
}

double jack_backend_cpu_load(const struct jack_backend *jb)
{
	(void)jb;
	return 0.0;
}

enum rl_status jack_backend_find_sources(struct jack_backend *jb,
                                         const char *regex, char ***names,
                                         size_t *count, struct error *err)
{
	const char **ports = calloc(jb->source_count + 1, sizeof *ports);
	if (!ports)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < jb->source_count; i++)
		ports[i] = jb->sources[i].name;
	enum rl_status st = jack_backend_pick_sources(
		ports, jb->source_count, NULL, regex, names, count, err);
	free(ports);
	return st;
}

enum rl_status jack_backend_attach(struct jack_backend *jb, struct engine *e,
                                   const char *const *track_names,
                                   size_t count,
                                   const char *const *play_names,
                                   size_t play_count, struct error *err)
{
	if (jb->engine)
		return error_set(err, RL_ERR_STATE, "backend already attached");
	size_t n = jb->period;
	size_t outs = ENGINE_OUT_COUNT + play_count;
	jb->port_names = calloc(count + 1, sizeof *jb->port_names);
	jb->port_source = calloc(count + 1, sizeof *jb->port_source);
	jb->in_data = calloc((count + 1) * n, sizeof *jb->in_data);
	jb->in_bufs = calloc(count + 1, sizeof *jb->in_bufs);
	jb->output_names = calloc(outs, sizeof *jb->output_names);
	jb->out_data = calloc(outs * n, sizeof *jb->out_data);
	jb->out_bufs = calloc(outs, sizeof *jb->out_bufs);
	jb->cycle_peak = calloc(outs, sizeof *jb->cycle_peak);
	jb->out_peak = calloc(outs, sizeof *jb->out_peak);
	if (!jb->port_names || !jb->port_source || !jb->in_data ||
	    !jb->in_bufs || !jb->output_names || !jb->out_data ||
	    !jb->out_bufs || !jb->cycle_peak || !jb->out_peak)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t t = 0; t < count; t++) {
		size_t len = strlen(track_names[t]) + 4;
		if (!(jb->port_names[t] = malloc(len)))
			return error_set(err, RL_ERR_NOMEM, "out of memory");
		snprintf(jb->port_names[t], len, "in_%s", track_names[t]);
		atomic_init(&jb->port_source[t], -1);
		jb->in_bufs[t] = jb->in_data + t * n;
		jb->port_count = t + 1;
	}
	static const char *const out_names[ENGINE_OUT_COUNT] = {
		[ENGINE_OUT_CLICK] = "click_out",
		[ENGINE_OUT_CUE_L] = "cue_l",
		[ENGINE_OUT_CUE_R] = "cue_r",
	};
	for (size_t o = 0; o < outs; o++) {
		const char *name = o < ENGINE_OUT_COUNT
		                   ? out_names[o] : play_names[o - ENGINE_OUT_COUNT];
		jb->output_count = o + 1;
		if (!name)
			continue; /* kept for jack_backend_add_output() */
		if (!(jb->output_names[o] = strdup(name)))
			return error_set(err, RL_ERR_NOMEM, "out of memory");
		jb->out_bufs[o] = jb->out_data + o * n;
	}
	jb->engine = e;
	return RL_OK;
}

enum rl_status jack_backend_set_transport(struct jack_backend *jb,
                                          enum jack_transport_mode mode,
                                          struct error *err)
{
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_FOLLOW);
	cmd.value = mode != JACK_TRANSPORT_INTERNAL;
	enum rl_status st = engine_send(jb->engine, &cmd, err);
	if (st == RL_OK)
		atomic_store(&jb->transport_mode, (int)mode);
	return st;
}

void jack_backend_transport_start(struct jack_backend *jb)
{
	atomic_store(&jb->transport_rolling, true);
}

void jack_backend_transport_stop(struct jack_backend *jb)
{
	atomic_store(&jb->transport_rolling, false);
}

enum rl_status jack_backend_transport_locate(struct jack_backend *jb,
                                             int64_t frame, struct error *err)
{
	if (frame < 0 || frame > UINT32_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "JACK transport cannot go to frame %lld (0 to "
		                 "%u)", (long long)frame, UINT32_MAX);
	atomic_store(&jb->transport_frame, frame);
	return RL_OK;
}

int64_t jack_backend_transport_frame(struct jack_backend *jb)
{
	return atomic_load(&jb->transport_frame);
}

enum rl_status jack_backend_activate(struct jack_backend *jb,
                                     struct error *err)
{
	if (!jb->engine)
		return error_set(err, RL_ERR_STATE, "activate before attach");
	if (jb->thread_started || atomic_load(&jb->dead))
		return error_set(err, RL_ERR_JACK, "cannot activate JACK client");
	pthread_mutex_lock(&jb->lock);
	jb->quit = false;
	pthread_mutex_unlock(&jb->lock);
	int rc = pthread_create(&jb->thread, NULL, run, jb);
	if (rc != 0)
		return error_set(err, RL_ERR_SYSTEM, "cannot start the test "
		                 "backend's thread: %s", strerror(rc));
	jb->thread_started = true;
	return RL_OK;
}

void jack_backend_deactivate(struct jack_backend *jb)
{
	if (!jb->thread_started)
		return;
	pthread_mutex_lock(&jb->lock);
	jb->quit = true;
	pthread_cond_broadcast(&jb->cond);
	pthread_mutex_unlock(&jb->lock);
	pthread_join(jb->thread, NULL);
	jb->thread_started = false;
}

static int find_source(const struct jack_backend *jb, const char *name)
{
	for (size_t i = 0; i < jb->source_count; i++)
		if (!strcmp(jb->sources[i].name, name))
			return (int)i;
	return -1;
}

enum rl_status jack_backend_connect(struct jack_backend *jb, uint32_t t,
                                    const char *source, struct error *err)
{
	if (t >= jb->port_count)
		return error_set(err, RL_ERR_INVALID, "no track %u", t + 1);
	int s = find_source(jb, source);
	if (s < 0)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "JACK port '%s' does not exist", source);
	atomic_store_explicit(&jb->port_source[t], s, memory_order_release);
	return RL_OK;
}

bool jack_backend_port_exists(struct jack_backend *jb, const char *name)
{
	return find_source(jb, name) >= 0;
}

bool jack_backend_input_connected(struct jack_backend *jb, uint32_t t,
                                  const char *source)
{
	int s = find_source(jb, source);
	return t < jb->port_count && s >= 0 &&
	       atomic_load(&jb->port_source[t]) == s;
}

/* The fake's ports never come or go. */
uint64_t jack_backend_graph_changes(struct jack_backend *jb)
{
	(void)jb;
	return 0;
}

uint32_t jack_backend_capture_latency(struct jack_backend *jb, uint32_t t)
{
	if (t >= jb->port_count)
		return 0;
	int s = atomic_load(&jb->port_source[t]);
	return s < 0 ? 0 : jb->sources[s].capture_latency;
}

uint32_t jack_backend_playback_latency(struct jack_backend *jb)
{
	return jb->playback_latency;
}

void jack_backend_recompute_latencies(struct jack_backend *jb)
{
	(void)jb; /* the latencies are the configured ones, always current */
}

enum rl_status jack_backend_connect_output(struct jack_backend *jb,
                                           enum engine_output output,
                                           const char *dest,
                                           struct error *err)
{
	if ((int)output < 0 || (size_t)output >= jb->output_count)
		return error_set(err, RL_ERR_INVALID, "no such output");
	for (size_t i = 0; i < jb->sink_count; i++)
		if (!strcmp(jb->sinks[i], dest))
			return RL_OK;
	return error_set(err, RL_ERR_NOT_FOUND,
	                 "JACK port '%s' does not exist", dest);
}

/* Like JACK: a port registered while the cycles run. The buffer is
 * handed over between two cycles, under the lock the cycle thread
 * takes around each one. */
enum rl_status jack_backend_add_output(struct jack_backend *jb,
                                       size_t stream, const char *name,
                                       struct error *err)
{
	size_t o = ENGINE_OUT_COUNT + stream;
	if (o >= jb->output_count)
		return error_set(err, RL_ERR_INVALID, "no room for playback port "
		                 "'%s' (stream %zu)", name, stream);
	if (jb->output_names[o])
		return RL_OK;
	char *copy = strdup(name);
	if (!copy)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&jb->lock);
	while (jb->in_cycle)
		pthread_cond_wait(&jb->cond, &jb->lock);
	jb->output_names[o] = copy;
	jb->out_bufs[o] = jb->out_data + o * jb->period;
	pthread_mutex_unlock(&jb->lock);
	return RL_OK;
}

const char *test_backend_output_name(struct jack_backend *jb, size_t output)
{
	pthread_mutex_lock(&jb->lock);
	const char *name = output < jb->output_count ? jb->output_names[output]
	                                             : NULL;
	pthread_mutex_unlock(&jb->lock);
	return name;
}

bool jack_backend_dead(struct jack_backend *jb, char *reason, size_t size)
{
	bool dead = atomic_load_explicit(&jb->dead, memory_order_acquire);
	if (dead && reason)
		snprintf(reason, size, "%s", jb->dead_reason);
	return dead;
}

/* ---------------------------------------------------------------------- */
/* The test's side                                                         */

void test_backend_pause(struct jack_backend *jb)
{
	pthread_mutex_lock(&jb->lock);
	jb->paused = true;
	pthread_cond_broadcast(&jb->cond);
	while (jb->in_cycle)
		pthread_cond_wait(&jb->cond, &jb->lock);
	pthread_mutex_unlock(&jb->lock);
}

void test_backend_resume(struct jack_backend *jb)
{
	pthread_mutex_lock(&jb->lock);
	jb->paused = false;
	pthread_cond_broadcast(&jb->cond);
	pthread_mutex_unlock(&jb->lock);
}

uint64_t test_backend_frames(struct jack_backend *jb)
{
	return atomic_load_explicit(&jb->frames, memory_order_acquire);
}

bool test_backend_wait_frames(struct jack_backend *jb, uint64_t frames,
                              unsigned timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct timespec ts;
	ns_to_timespec(deadline, &ts);
	pthread_mutex_lock(&jb->lock);
	while (test_backend_frames(jb) < frames && jb->thread_started &&
	       !jb->quit) {
		if (pthread_cond_timedwait(&jb->cond, &jb->lock, &ts) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&jb->lock);
	return test_backend_frames(jb) >= frames;
}

uint64_t test_backend_cycles(struct jack_backend *jb)
{
	pthread_mutex_lock(&jb->lock);
	uint64_t n = jb->cycles;
	pthread_mutex_unlock(&jb->lock);
	return n;
}

float test_backend_output_peak(struct jack_backend *jb, size_t output,
                               bool reset)
{
	pthread_mutex_lock(&jb->lock);
	float peak = 0.0f;
	if (output < jb->output_count) {
		peak = jb->out_peak[output];
		if (reset)
			jb->out_peak[output] = 0.0f;
	}
	pthread_mutex_unlock(&jb->lock);
	return peak;
}

const char *test_backend_port_name(struct jack_backend *jb, uint32_t t)
{
	return t < jb->port_count ? jb->port_names[t] : NULL;
}

int test_backend_port_source(struct jack_backend *jb, uint32_t t)
{
	return t < jb->port_count ? atomic_load(&jb->port_source[t]) : -1;
}

void test_backend_kill(struct jack_backend *jb, const char *reason)
{
	/* No cycle after the server is gone; then the shutdown callback. */
	jack_backend_deactivate(jb);
	snprintf(jb->dead_reason, sizeof jb->dead_reason,
	         "JACK server stopped: %s", reason && *reason ? reason
	                                                     : "no reason given");
	atomic_store_explicit(&jb->dead, true, memory_order_release);
	if (jb->engine)
		engine_wake(jb->engine);
}
