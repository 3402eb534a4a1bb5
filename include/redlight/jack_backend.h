/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file jack_backend.h
 * The JACK client: one input port per track (`in_<track name>`), the
 * outputs `click_out`, `cue_l` and `cue_r`, the process callback that
 * hands the port buffers to engine_process(), and
 * the xrun / shutdown / buffer-size / sample-rate callbacks.
 *
 * Threads: the process callback runs on JACK's real-time thread; the
 * other callbacks on JACK's notification thread and only touch atomics.
 * Everything else is for the main/control thread.
 */
#ifndef REDLIGHT_JACK_BACKEND_H
#define REDLIGHT_JACK_BACKEND_H

#include "redlight/engine.h"
#include "redlight/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jack_backend;

/** How redlight's transport relates to JACK's. */
enum jack_transport_mode {
	JACK_TRANSPORT_INTERNAL = 0, /**< ignore JACK transport (default) */
	JACK_TRANSPORT_FOLLOW,       /**< roll, stop and locate with it */
	JACK_TRANSPORT_MASTER,       /**< follow it and be timebase master:
	                                  publish bar|beat|tick and tempo from
	                                  the tempo map */
};

/** Parse "internal", "follow" or "master"; the error lists them. */
enum rl_status jack_transport_mode_parse(const char *text,
                                         enum jack_transport_mode *out,
                                         struct error *err);

/**
 * Connect to the JACK server (never starts one: JackNoStartServer) as
 * client `client_name`. server_name NULL means $JACK_DEFAULT_SERVER or
 * the default server. RL_ERR_JACK with a clear message if no server runs.
 * *out is owned by the caller (jack_backend_free()).
 */
enum rl_status jack_backend_open(const char *client_name,
                                 const char *server_name,
                                 struct jack_backend **out, struct error *err);

/** jack_backend_open() without libjack's messages on stderr when no
 *  server runs (waiting for one to come back). Control thread. */
enum rl_status jack_backend_try_open(const char *client_name,
                                     const char *server_name,
                                     struct jack_backend **out,
                                     struct error *err);

/** Close the client (deactivating first). NULL is a no-op. */
void jack_backend_free(struct jack_backend *jb);

uint32_t jack_backend_sample_rate(const struct jack_backend *jb);
uint32_t jack_backend_buffer_size(const struct jack_backend *jb);

/** JACK's DSP load in percent (jack_cpu_load()). Any non-RT thread. */
double jack_backend_cpu_load(const struct jack_backend *jb);

/**
 * Output ports of other clients whose full name matches the POSIX extended
 * regular expression `regex` (NULL = all), in natural order ("out_2"
 * before "out_10"). *names is a NULL-terminated array the caller frees with
 * jack_backend_free_names(). Audio ports only.
 */
enum rl_status jack_backend_find_sources(struct jack_backend *jb,
                                         const char *regex, char ***names,
                                         size_t *count, struct error *err);

/**
 * Of the `n` port names `ports`, those that match `regex` (NULL: all) and
 * are not client `self`'s (NULL: none skipped), copied in natural order
 * into *names as jack_backend_find_sources() returns them. For a backend;
 * needs no JACK (src/io/jack_names.c).
 */
enum rl_status jack_backend_pick_sources(const char *const *ports, size_t n,
                                         const char *self, const char *regex,
                                         char ***names, size_t *count,
                                         struct error *err);

/** Free an array from jack_backend_find_sources(). */
void jack_backend_free_names(char **names);

/**
 * Register one input port per track, `in_<name>`, the outputs click_out,
 * cue_l, cue_r and one output per playback stream (play_names, e.g.
 * "scratch_out", "play_bass"; a NULL name keeps the stream's slot for a
 * port registered later, jack_backend_add_output(): until then the
 * engine gets a NULL buffer for it), and bind engine e to the process
 * callback. Call once, before jack_backend_activate(). The backend does
 * not own e.
 */
enum rl_status jack_backend_attach(struct jack_backend *jb, struct engine *e,
                                   const char *const *track_names,
                                   size_t count,
                                   const char *const *play_names,
                                   size_t play_count, struct error *err);

/**
 * Follow JACK's transport (and with MASTER become timebase master). Call
 * after jack_backend_attach(), before or after activation. RL_ERR_JACK if
 * another client is already the timebase master. Control thread.
 */
enum rl_status jack_backend_set_transport(struct jack_backend *jb,
                                          enum jack_transport_mode mode,
                                          struct error *err);

/** Start, stop, or locate JACK's transport (frame 0 to 2^32 - 1: JACK's
 *  position is 32 bits; a frame past it is refused, by name). Control
 *  thread. */
void jack_backend_transport_start(struct jack_backend *jb);
void jack_backend_transport_stop(struct jack_backend *jb);
enum rl_status jack_backend_transport_locate(struct jack_backend *jb,
                                             int64_t frame,
                                             struct error *err);

/** JACK transport's current position, 0 to 2^32 - 1 (it wraps; see
 *  engine_transport_frame()). Control thread. */
int64_t jack_backend_transport_frame(struct jack_backend *jb);

/** Start processing. Everything RT must be allocated before this. */
enum rl_status jack_backend_activate(struct jack_backend *jb,
                                     struct error *err);

/** Stop processing (the process callback will not run again). */
void jack_backend_deactivate(struct jack_backend *jb);

/**
 * Connect source port `source` to track t's input. RL_ERR_NOT_FOUND names
 * the missing port.
 */
enum rl_status jack_backend_connect(struct jack_backend *jb, uint32_t t,
                                    const char *source, struct error *err);

/** True if a port called `name` exists on the server. Control thread. */
bool jack_backend_port_exists(struct jack_backend *jb, const char *name);

/** True while `source` is connected to track t's input. Control thread. */
bool jack_backend_input_connected(struct jack_backend *jb, uint32_t t,
                                  const char *source);

/**
 * How many times ports have been registered or unregistered, or
 * connected or disconnected, on the server since jack_backend_open()
 * (JACK's port-registration and port-connect callbacks, which only count
 * this on JACK's notification thread). A control thread that saw another
 * figure last time looks at its ports again. Any non-RT thread.
 */
uint64_t jack_backend_graph_changes(struct jack_backend *jb);

/**
 * Latency compensation (JACK's latency API). Capture latency of track t's
 * input: how long after a sound reached the outside world it arrives here
 * (the upstream ports' figure, max of the range). Control thread.
 */
uint32_t jack_backend_capture_latency(struct jack_backend *jb, uint32_t t);

/**
 * Playback latency of what the performer hears: the largest of our
 * outputs' (click, cue) playback latencies. Control thread.
 */
uint32_t jack_backend_playback_latency(struct jack_backend *jb);

/** Ask the server to recompute latencies now (after connecting ports). */
void jack_backend_recompute_latencies(struct jack_backend *jb);

/**
 * Connect one of our outputs (click_out, cue_l, cue_r, or playback stream
 * i as ENGINE_OUT_COUNT + i) to `dest`.
 * RL_ERR_NOT_FOUND names a missing port. After jack_backend_attach().
 */
enum rl_status jack_backend_connect_output(struct jack_backend *jb,
                                           enum engine_output output,
                                           const char *dest,
                                           struct error *err);

/**
 * Register the output port `name` of playback stream `stream` (a slot
 * jack_backend_attach() kept with a NULL name), also while active: the
 * audio thread plays the stream on it from its next cycle. Nothing if
 * the stream has its port already. Control thread, never the audio
 * thread (JACK forbids registering from the process callback).
 */
enum rl_status jack_backend_add_output(struct jack_backend *jb,
                                       size_t stream, const char *name,
                                       struct error *err);

/**
 * True once the server has shut the client down; `reason` gets JACK's
 * message. Any non-RT thread.
 */
bool jack_backend_dead(struct jack_backend *jb, char *reason, size_t size);

/** Natural-order comparison of two port names (for qsort wrappers). */
int jack_backend_natural_cmp(const char *a, const char *b);

#endif
