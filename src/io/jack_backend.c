/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/jack_backend.h"

#include <errno.h>
#include <jack/jack.h>
#include <jack/transport.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "redlight/tempo_map.h"

struct jack_backend {
	jack_client_t *client;
	struct engine *engine;
	size_t port_count;
	jack_port_t **ports;
	const float **buffers; /* scratch for the process callback */
	size_t output_count;   /* ENGINE_OUT_COUNT + playback streams */
	/* A playback stream's port may be registered while we run
	 * (jack_backend_add_output()): the audio thread loads each with
	 * acquire and leaves a NULL one's buffer NULL. */
	jack_port_t *_Atomic *outputs;
	float **out_buffers;
	uint32_t sample_rate;
	_Atomic uint32_t buffer_size;
	bool active;
	/* Audio thread: JACK's frame clock from one cycle to the next. */
	struct engine_frame_clock clock;
	_Atomic int transport_mode; /* enum jack_transport_mode */
	bool measure_cputime;       /* REDLIGHT_CYCLE_CPUTIME=1 */
	_Atomic bool dead;
	char dead_reason[256]; /* written once before `dead` is released */
	/* Ports registered or gone, connections made or broken anywhere on
	 * the server: counted on JACK's notification thread, looked at by
	 * the control thread (jack_backend_graph_changes()). */
	_Atomic uint64_t graph_changes;
};

REALTIME static uint64_t now_ns(void)
{
	struct timespec ts;
	/* vDSO on Linux: no system call, safe on the audio thread. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The thread's CPU time. Not in the vDSO: a system call, so only in the
 * benchmark's measurement mode, where the point is to tell the cycle's
 * own cost from the time a VM or the kernel took the CPU away.
 */
REALTIME static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

REALTIME static int on_process(jack_nframes_t nframes, void *arg)
{
	struct jack_backend *jb = arg;
	/* The CPU-time reading (a system call) stays outside the wall-clock
	 * figure: that one is the cycle as it runs without measurement. */
	uint64_t c0 = jb->measure_cputime ? thread_cpu_ns() : 0;
	uint32_t w0 = jb->measure_cputime ? engine_writer_epoch(jb->engine) : 0;
	uint64_t t0 = now_ns();
	/* After an xrun JACK's frame clock jumps (the driver resets it to
	 * wall time, or we ran late and read the next cycle's time). Mark
	 * the place in the take; see engine_mark_xrun() for why the audio
	 * itself is left alone. The clock is 32 bits and wraps after 24.8
	 * hours at 48 kHz: engine_clock_jumped() compares modulo 2^32. */
	uint32_t jump = 0;
	if (engine_clock_jumped(&jb->clock, jack_last_frame_time(jb->client),
	                        nframes, jb->sample_rate, &jump))
		engine_mark_xrun(jb->engine, jump);
	if (atomic_load_explicit(&jb->transport_mode, memory_order_relaxed) !=
	    JACK_TRANSPORT_INTERNAL) {
		/* Realtime-safe by JACK's API contract (a lock-free read of
		 * the server's transport state). */
		jack_position_t pos;
		jack_transport_state_t st = jack_transport_query(jb->client, &pos);
		engine_follow_transport(jb->engine, st == JackTransportRolling,
		                        pos.frame);
	}
	/* Measurement mode: where the cycle went. The lookups are JACK's
	 * (its port table in shared memory; every client pays them), the
	 * rest is ours. Two vDSO clock reads (tens of ns) inside the
	 * wall-clock figure. */
	uint64_t tp = jb->measure_cputime ? now_ns() : 0;
	for (size_t i = 0; i < jb->port_count; i++)
		jb->buffers[i] = jack_port_get_buffer(jb->ports[i], nframes);
	for (size_t o = 0; o < jb->output_count; o++) {
		jack_port_t *port = atomic_load_explicit(&jb->outputs[o],
		                                         memory_order_acquire);
		jb->out_buffers[o] = port ? jack_port_get_buffer(port, nframes)
		                          : NULL;
	}
	uint64_t te = jb->measure_cputime ? now_ns() : 0;
	engine_process(jb->engine, jb->buffers, jb->out_buffers, nframes);
	uint64_t t1 = now_ns();
	uint64_t period = (uint64_t)nframes * 1000000000u / jb->sample_rate;
	uint64_t used = t1 - t0;
	engine_note_cycle_time(jb->engine, used, period);
	if (jb->measure_cputime) {
		engine_note_cycle_overlap(jb->engine, used, period, w0);
		engine_note_cycle_part(jb->engine, ENGINE_PART_PORTS, te - tp,
		                       period);
		engine_note_cycle_part(jb->engine, ENGINE_PART_PROCESS, t1 - te,
		                       period);
		engine_note_cycle_part(jb->engine, ENGINE_PART_CPU,
		                       thread_cpu_ns() - c0, period);
	}
	return 0;
}

/*
 * Without this callback JACK assumes every output depends on every input
 * and would add our inputs' capture latency to our outputs (and the other
 * way round) — wrong for a recorder whose outputs (click, cue) are made
 * here. Our inputs end here (playback latency 0) and our outputs start
 * here (capture latency 0).
 */
static void on_latency(jack_latency_callback_mode_t mode, void *arg)
{
	struct jack_backend *jb = arg;
	jack_latency_range_t zero = { 0, 0 };
	if (mode == JackPlaybackLatency) {
		for (size_t i = 0; i < jb->port_count; i++)
			jack_port_set_latency_range(jb->ports[i], mode, &zero);
	} else {
		for (size_t o = 0; o < jb->output_count; o++) {
			jack_port_t *port = atomic_load(&jb->outputs[o]);
			if (port)
				jack_port_set_latency_range(port, mode, &zero);
		}
	}
}

/* Timebase master: bar|beat|tick and tempo of pos->frame from the tempo
 * map, for every client that shows or follows musical time. */
REALTIME static void on_timebase(jack_transport_state_t state,
                                 jack_nframes_t nframes, jack_position_t *pos,
                                 int new_pos, void *arg)
{
	struct jack_backend *jb = arg;
	(void)state;
	(void)nframes;
	(void)new_pos;
	struct tempo_map_bbt bbt;
	struct tempo_map_beat beat;
	double bpm;
	/* JACK's position is 32 bits; the song's time goes on past its
	 * wrap as redlight's timeline does. */
	if (!engine_position_at(jb->engine,
	                        engine_timeline_of(jb->engine, pos->frame),
	                        &bbt, &beat, &bpm)) {
		pos->valid = 0;
		return;
	}
	pos->valid = JackPositionBBT;
	pos->bar = (int32_t)bbt.bar;
	pos->beat = bbt.beat;
	pos->tick = bbt.tick;
	pos->ticks_per_beat = TEMPO_MAP_TICKS_PER_BEAT;
	pos->beats_per_bar = (float)beat.beats_per_bar;
	pos->beat_type = (float)beat.denominator;
	/* JACK's tempo is in beats of beat_type per minute; the map's in
	 * quarter notes (klick's convention). */
	pos->beats_per_minute = bpm * beat.denominator / 4.0;
	pos->bar_start_tick = (double)(bbt.bar - 1) * beat.beats_per_bar *
	                      TEMPO_MAP_TICKS_PER_BEAT;
}

static int on_xrun(void *arg)
{
	struct jack_backend *jb = arg;
	if (jb->engine)
		engine_note_xrun(jb->engine);
	return 0;
}

static int on_buffer_size(jack_nframes_t nframes, void *arg)
{
	struct jack_backend *jb = arg;
	/* The engine copies whatever a cycle brings; nothing to resize. */
	atomic_store(&jb->buffer_size, nframes);
	return 0;
}

static int on_sample_rate(jack_nframes_t rate, void *arg)
{
	struct jack_backend *jb = arg;
	if (jb->sample_rate && rate != jb->sample_rate && !atomic_load(&jb->dead)) {
		/* Files of a take cannot change rate: treat like a shutdown. */
		snprintf(jb->dead_reason, sizeof jb->dead_reason,
		         "JACK sample rate changed from %u to %u Hz",
		         jb->sample_rate, rate);
		atomic_store(&jb->dead, true);
	}
	return 0;
}

/* Notification thread: only count; the control thread does the work. */
static void on_port_registration(jack_port_id_t port, int registered,
                                 void *arg)
{
	struct jack_backend *jb = arg;
	(void)port;
	(void)registered;
	atomic_fetch_add(&jb->graph_changes, 1);
}

static void on_port_connect(jack_port_id_t a, jack_port_id_t b, int connect,
                            void *arg)
{
	struct jack_backend *jb = arg;
	(void)a;
	(void)b;
	(void)connect;
	atomic_fetch_add(&jb->graph_changes, 1);
}

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct jack_backend *jb = arg;
	(void)code;
	snprintf(jb->dead_reason, sizeof jb->dead_reason,
	         "JACK server stopped: %s", reason && *reason ? reason : "no reason given");
	atomic_store(&jb->dead, true);
	if (jb->engine)
		engine_wake(jb->engine);
}

enum rl_status jack_backend_open(const char *client_name,
                                 const char *server_name,
                                 struct jack_backend **out, struct error *err)
{
	*out = NULL;
	struct jack_backend *jb = calloc(1, sizeof *jb);
	if (!jb)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	jack_status_t status = 0;
	jack_options_t opts = JackNoStartServer;
	if (server_name)
		opts |= JackServerName;
	jb->client = jack_client_open(client_name, opts, &status, server_name);
	if (!jb->client) {
		free(jb);
		const char *srv = server_name ? server_name : getenv("JACK_DEFAULT_SERVER");
		if (status & JackServerFailed)
			return error_set(err, RL_ERR_JACK,
			                 "no JACK server running (server '%s'): start "
			                 "jackd first, or run scripts/demo",
			                 srv ? srv : "default");
		return error_set(err, RL_ERR_JACK,
		                 "cannot open JACK client '%s' (status 0x%x)",
		                 client_name, (unsigned)status);
	}
	jb->sample_rate = jack_get_sample_rate(jb->client);
	const char *m = getenv("REDLIGHT_CYCLE_CPUTIME");
	jb->measure_cputime = m && !strcmp(m, "1");
	atomic_store(&jb->buffer_size, jack_get_buffer_size(jb->client));
	jack_set_xrun_callback(jb->client, on_xrun, jb);
	jack_set_buffer_size_callback(jb->client, on_buffer_size, jb);
	jack_set_sample_rate_callback(jb->client, on_sample_rate, jb);
	jack_on_info_shutdown(jb->client, on_shutdown, jb);
	jack_set_port_registration_callback(jb->client, on_port_registration,
	                                    jb);
	jack_set_port_connect_callback(jb->client, on_port_connect, jb);
	*out = jb;
	return RL_OK;
}

/* libjack's own messages, as its default prints them. */
static void jack_says(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

static void jack_says_nothing(const char *msg)
{
	(void)msg;
}

enum rl_status jack_backend_try_open(const char *client_name,
                                     const char *server_name,
                                     struct jack_backend **out,
                                     struct error *err)
{
	/* Tried once a second while no server runs: libjack would print
	 * four lines of "cannot connect" each time. */
	jack_set_error_function(jack_says_nothing);
	jack_set_info_function(jack_says_nothing);
	enum rl_status st = jack_backend_open(client_name, server_name, out,
	                                      err);
	jack_set_error_function(jack_says);
	jack_set_info_function(jack_says);
	return st;
}

void jack_backend_free(struct jack_backend *jb)
{
	if (!jb)
		return;
	if (!atomic_load(&jb->dead)) {
		jack_backend_deactivate(jb);
		jack_client_close(jb->client);
	}
	/* After the server died the client is a zombie: jack_client_close
	 * may talk to a dead server; libjack frees it at exit. */
	if (jb->buffers)
		munlock(jb->buffers, jb->port_count * sizeof *jb->buffers);
	if (jb->out_buffers)
		munlock(jb->out_buffers, jb->output_count * sizeof *jb->out_buffers);
	free(jb->ports);
	free(jb->buffers);
	free((void *)jb->outputs);
	free(jb->out_buffers);
	free(jb);
}

uint32_t jack_backend_sample_rate(const struct jack_backend *jb)
{
	return jb->sample_rate;
}

uint32_t jack_backend_buffer_size(const struct jack_backend *jb)
{
	return atomic_load(&jb->buffer_size);
}

double jack_backend_cpu_load(const struct jack_backend *jb)
{
	return jb->client ? (double)jack_cpu_load(jb->client) : 0.0;
}

enum rl_status jack_backend_find_sources(struct jack_backend *jb,
                                         const char *regex, char ***names,
                                         size_t *count, struct error *err)
{
	const char **all = jack_get_ports(jb->client, NULL,
	                                  JACK_DEFAULT_AUDIO_TYPE,
	                                  JackPortIsOutput);
	size_t n = 0;
	for (size_t i = 0; all && all[i]; i++)
		n++;
	enum rl_status st = jack_backend_pick_sources(
		all, n, jack_get_client_name(jb->client), regex, names, count,
		err);
	jack_free(all);
	return st;
}

enum rl_status jack_backend_attach(struct jack_backend *jb, struct engine *e,
                                   const char *const *track_names,
                                   size_t count,
                                   const char *const *play_names,
                                   size_t play_count, struct error *err)
{
	jb->output_count = ENGINE_OUT_COUNT + play_count;
	jb->outputs = calloc(jb->output_count, sizeof *jb->outputs);
	for (size_t o = 0; jb->outputs && o < jb->output_count; o++)
		atomic_init(&jb->outputs[o], NULL);
	jb->out_buffers = calloc(jb->output_count, sizeof *jb->out_buffers);
	if (!jb->outputs || !jb->out_buffers)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	mlock(jb->out_buffers, jb->output_count * sizeof *jb->out_buffers);
	jb->ports = calloc(count ? count : 1, sizeof *jb->ports);
	jb->buffers = calloc(count ? count : 1, sizeof *jb->buffers);
	if (!jb->ports || !jb->buffers)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	mlock(jb->buffers, count * sizeof *jb->buffers);
	for (size_t i = 0; i < count; i++) {
		char name[320];
		snprintf(name, sizeof name, "in_%s", track_names[i]);
		jb->ports[i] = jack_port_register(jb->client, name,
		                                  JACK_DEFAULT_AUDIO_TYPE,
		                                  JackPortIsInput | JackPortIsTerminal,
		                                  0);
		if (!jb->ports[i])
			return error_set(err, RL_ERR_JACK,
			                 "cannot register JACK port '%s'", name);
	}
	static const char *const out_names[ENGINE_OUT_COUNT] = {
		[ENGINE_OUT_CLICK] = "click_out",
		[ENGINE_OUT_CUE_L] = "cue_l",
		[ENGINE_OUT_CUE_R] = "cue_r",
	};
	for (size_t o = 0; o < jb->output_count; o++) {
		const char *name = o < ENGINE_OUT_COUNT
		                   ? out_names[o] : play_names[o - ENGINE_OUT_COUNT];
		if (!name)
			continue; /* a slot for jack_backend_add_output() */
		jack_port_t *port = jack_port_register(jb->client, name,
		                                       JACK_DEFAULT_AUDIO_TYPE,
		                                       JackPortIsOutput, 0);
		if (!port)
			return error_set(err, RL_ERR_JACK,
			                 "cannot register JACK port '%s'", name);
		atomic_store(&jb->outputs[o], port);
	}
	jb->port_count = count;
	jb->engine = e;
	if (jack_set_latency_callback(jb->client, on_latency, jb) != 0)
		return error_set(err, RL_ERR_JACK,
		                 "cannot set the JACK latency callback");
	if (jack_set_process_callback(jb->client, on_process, jb) != 0)
		return error_set(err, RL_ERR_JACK,
		                 "cannot set the JACK process callback");
	return RL_OK;
}

enum rl_status jack_backend_activate(struct jack_backend *jb, struct error *err)
{
	if (jack_activate(jb->client) != 0)
		return error_set(err, RL_ERR_JACK, "cannot activate JACK client");
	jb->active = true;
	return RL_OK;
}

void jack_backend_deactivate(struct jack_backend *jb)
{
	if (jb->active && !atomic_load(&jb->dead))
		jack_deactivate(jb->client);
	jb->active = false;
}

enum rl_status jack_backend_connect(struct jack_backend *jb, uint32_t t,
                                    const char *source, struct error *err)
{
	if (t >= jb->port_count)
		return error_set(err, RL_ERR_INVALID, "no track %u", t + 1);
	if (!jack_port_by_name(jb->client, source))
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "JACK port '%s' does not exist", source);
	int rc = jack_connect(jb->client, source,
	                      jack_port_name(jb->ports[t]));
	if (rc != 0 && rc != EEXIST)
		return error_set(err, RL_ERR_JACK, "cannot connect '%s' to '%s'",
		                 source, jack_port_name(jb->ports[t]));
	return RL_OK;
}

bool jack_backend_port_exists(struct jack_backend *jb, const char *name)
{
	return jack_port_by_name(jb->client, name) != NULL;
}

bool jack_backend_input_connected(struct jack_backend *jb, uint32_t t,
                                  const char *source)
{
	return t < jb->port_count &&
	       jack_port_connected_to(jb->ports[t], source) > 0;
}

uint64_t jack_backend_graph_changes(struct jack_backend *jb)
{
	return atomic_load(&jb->graph_changes);
}

enum rl_status jack_backend_set_transport(struct jack_backend *jb,
                                          enum jack_transport_mode mode,
                                          struct error *err)
{
	if (mode == JACK_TRANSPORT_MASTER) {
		/* Conditional: never take the role from another master. */
		int rc = jack_set_timebase_callback(jb->client, 1, on_timebase,
		                                    jb);
		if (rc == EBUSY)
			return error_set(err, RL_ERR_JACK,
			                 "another JACK client is already the "
			                 "timebase master");
		if (rc != 0)
			return error_set(err, RL_ERR_JACK,
			                 "cannot become JACK timebase master");
	}
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
	jack_transport_start(jb->client);
}

void jack_backend_transport_stop(struct jack_backend *jb)
{
	jack_transport_stop(jb->client);
}

enum rl_status jack_backend_transport_locate(struct jack_backend *jb,
                                             int64_t frame, struct error *err)
{
	if (frame < 0 || frame > UINT32_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "JACK transport cannot go to frame %lld (0 to "
		                 "%u)", (long long)frame, UINT32_MAX);
	if (jack_transport_locate(jb->client, (jack_nframes_t)frame) != 0)
		return error_set(err, RL_ERR_JACK,
		                 "JACK refused to locate to frame %lld",
		                 (long long)frame);
	/* JACK moves at its next cycle; wait for it (a few periods at most)
	 * so a record right after a locate starts from the new place. */
	for (int i = 0; i < 200; i++) {
		jack_position_t pos;
		jack_transport_state_t st = jack_transport_query(jb->client, &pos);
		if (pos.frame == (jack_nframes_t)frame ||
		    st == JackTransportRolling)
			return RL_OK;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	return error_set(err, RL_ERR_JACK,
	                 "JACK transport did not move to frame %lld within 1 s",
	                 (long long)frame);
}

int64_t jack_backend_transport_frame(struct jack_backend *jb)
{
	jack_position_t pos;
	jack_transport_query(jb->client, &pos);
	return (int64_t)pos.frame;
}

uint32_t jack_backend_capture_latency(struct jack_backend *jb, uint32_t t)
{
	if (t >= jb->port_count)
		return 0;
	jack_latency_range_t r;
	jack_port_get_latency_range(jb->ports[t], JackCaptureLatency, &r);
	return r.max;
}

uint32_t jack_backend_playback_latency(struct jack_backend *jb)
{
	uint32_t worst = 0;
	for (size_t o = 0; o < jb->output_count; o++) {
		jack_port_t *port = atomic_load(&jb->outputs[o]);
		if (!port)
			continue;
		jack_latency_range_t r;
		jack_port_get_latency_range(port, JackPlaybackLatency, &r);
		worst = r.max > worst ? r.max : worst;
	}
	return worst;
}

void jack_backend_recompute_latencies(struct jack_backend *jb)
{
	jack_recompute_total_latencies(jb->client);
}

enum rl_status jack_backend_connect_output(struct jack_backend *jb,
                                           enum engine_output output,
                                           const char *dest, struct error *err)
{
	jack_port_t *port = (int)output >= 0 &&
	                    (size_t)output < jb->output_count
	                    ? atomic_load(&jb->outputs[output]) : NULL;
	if (!port)
		return error_set(err, RL_ERR_INVALID, "no such output");
	if (!jack_port_by_name(jb->client, dest))
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "JACK port '%s' does not exist", dest);
	const char *ours = jack_port_name(port);
	int rc = jack_connect(jb->client, ours, dest);
	if (rc != 0 && rc != EEXIST)
		return error_set(err, RL_ERR_JACK, "cannot connect '%s' to '%s'",
		                 ours, dest);
	return RL_OK;
}

/*
 * JACK lets a client register ports while it is active; only the
 * process callback must never do it. The port is published with a
 * release store after jack_port_register() returned, so the audio thread
 * that loads it (acquire) asks JACK for the buffer of a whole port.
 */
enum rl_status jack_backend_add_output(struct jack_backend *jb,
                                       size_t stream, const char *name,
                                       struct error *err)
{
	size_t o = ENGINE_OUT_COUNT + stream;
	if (!jb->outputs || o >= jb->output_count)
		return error_set(err, RL_ERR_INVALID, "no room for playback port "
		                 "'%s' (stream %zu)", name, stream);
	if (atomic_load(&jb->outputs[o]))
		return RL_OK;
	if (atomic_load(&jb->dead))
		return error_set(err, RL_ERR_JACK, "cannot register JACK port "
		                 "'%s': the server is gone", name);
	jack_port_t *port = jack_port_register(jb->client, name,
	                                       JACK_DEFAULT_AUDIO_TYPE,
	                                       JackPortIsOutput, 0);
	if (!port)
		return error_set(err, RL_ERR_JACK,
		                 "cannot register JACK port '%s'", name);
	atomic_store_explicit(&jb->outputs[o], port, memory_order_release);
	return RL_OK;
}

bool jack_backend_dead(struct jack_backend *jb, char *reason, size_t size)
{
	bool dead = atomic_load(&jb->dead);
	if (dead && reason)
		snprintf(reason, size, "%s", jb->dead_reason);
	return dead;
}
