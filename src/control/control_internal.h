/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * control_internal.h: what the files of the control layer share -- struct
 * control and the few helpers one file offers the others. Private to
 * src/control/: front-ends include only redlight/control.h.
 *
 * The layer, one job per file:
 *   control.c           lifecycle: open, start (the session tracks of the
 *                       source ports, engine, disk writer and reader, the
 *                       tempo map and click, JACK), close
 *   control_takes.c     the take queue: arming, record, stop, loop passes,
 *                       splits, markers
 *   control_poll.c      control_poll(): finished takes, disk and JACK
 *                       failures, the stall guard, control_wait_idle()
 *   control_transport.c play, locate, the click, positions in song terms
 *   control_mix.c       the cue: what plays (scratch, keepers) and how
 *                       loud, input monitoring, saving the levels
 *   control_status.c    status, tracks and meters, engine queries, a
 *                       track by name or number (and arming it so)
 *   control_messages.c  the front-ends' lock and messages
 *   control_session.c   takes and comps edited from the front-ends
 *   control_inputs.c    track inputs whose ports come and go
 *   control_server.c    a JACK server that goes away and comes back
 *   control_ranges.c    record-ready, the punch range, the loop range
 *   control_listen.c    listen-back: a take played on its tracks, then
 *                       the keepers and the transport put back
 *
 * Threads: everything here runs on the control thread (control.h says
 * which that is). Nothing in src/control/ is reachable from the JACK
 * process callback, so nothing is REALTIME; the audio thread is only
 * reached through engine commands (engine_send()) and read through
 * engine_snapshot().
 */
#ifndef REDLIGHT_CONTROL_INTERNAL_H
#define REDLIGHT_CONTROL_INTERNAL_H

#include "redlight/control.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* A RECORD's first take plus the queued ones (the engine queues 8). */
#define OPEN_TAKES_MAX 10
/* Numbers kept queued for loop passes while a loop records. */
#define LOOP_QUEUE 2
/* Finished takes kept for control_next_finished(). */
#define FINISHED_KEPT 16

/* A finished take waiting for the saver to write it to session.json. */
struct unsaved_take {
	struct control_take_summary sum;
	uint64_t save; /* session_save_later()'s number, 0: none */
};

/* A take prepared (files created, in session.json) and not finished yet. */
struct open_take {
	uint32_t number;
	bool started;
	uint64_t xruns_at_start;
	uint64_t correction;   /* latency correction prepared */
	/* The shift its markers were saved with while it records
	 * (see control_add_marker()). */
	bool have_marker_shift;
	uint64_t marker_shift;
};

/* Where an engine track's input stands (control_inputs.c). */
enum control_input_state {
	CONTROL_INPUT_CONNECTED = 0,
	CONTROL_INPUT_MISSING,   /* its port is not there: connect when it
	                            appears */
	CONTROL_INPUT_UNPATCHED, /* the port is there but somebody
	                            disconnected it: theirs to patch again */
};

struct control_input {
	char source[SESSION_PORT_MAX]; /* the port it records */
	enum control_input_state state;
	bool rearm; /* disarmed (or never armed) for want of its input: arm
	               it when the input is back and nothing records */
};

/*
 * Fields are grouped by the file that writes them; the other files only
 * read them, unless a comment says otherwise.
 */
struct control {
	/* control.c: what control_open() and control_start_with_sources()
	 * make, freed by control_close(). */
	struct control_config config; /* .transport: control_transport.c */
	char session_dir[SESSION_PATH_MAX];
	struct session *session;  /* edited through session.h by every file */
	struct session_lock *lock; /* held from open to close */
	struct jack_backend *jb;
	struct engine *engine;
	struct disk_writer *writer;
	struct disk_reader *reader;
	uint32_t track_count;     /* engine tracks */
	size_t *session_track;    /* engine track -> index in session */
	/* A stereo session track is two engine tracks: its left channel
	 * (channel 0) and its right (channel 1); partner[] links them
	 * (UINT32_MAX for a mono track). */
	uint8_t *channel;
	uint32_t *partner;
	struct tempo_map *map;    /* the song's map; the engine reads it */
	struct click *click;

	/* control_mix.c: the cue. Playback stream i + 1 plays the keeper of
	 * session track keeper_track[i]; stream 0 is the scratch (set at
	 * start by control_find_keepers(); a track that gets something to
	 * play later gets the next stream then, control_refresh_streams()). */
	size_t keeper_count;
	size_t *keeper_track;
	uint32_t *keeper_engine;  /* per stream: engine track or NO_TRACK */
	/* Streams the reader and the port slots were made with: the
	 * scratch and one per session track, so no stream is ever
	 * allocated while the audio thread runs. */
	size_t stream_slots;
	/* Per stream: the track the engine mutes it by (keeper_engine, or
	 * NO_TRACK while it plays a take listened back to), as last sent. */
	uint32_t *stream_mute_sent;
	/* Levels changed through the API and not saved yet; saved by
	 * control_poll() at most once a second (a fader dragged in the UI
	 * must not fsync session.json per step) and at close. */
	bool mix_dirty;
	struct timespec mix_saved;
	/* Keepers or comps changed (control_session.c sets it): the streams
	 * are reset by control_poll() once the transport is stopped. */
	bool streams_dirty;

	/* control_listen.c: listening back to a take (listen.take 0: not). */
	struct {
		uint32_t take;
		bool alone;         /* the other tracks' keepers silent */
		int64_t back_to;    /* where the transport was before */
		int64_t end;        /* timeline frame where the take ends */
		uint64_t play_seq;  /* engine_commands_sent() after its play */
		bool rolled;        /* seen rolling since */
		bool stop_sent;
	} listen;

	/* control_takes.c: the take queue. */
	bool *armed;              /* per engine track */
	/* Takes prepared and not finished yet, in number order: the first
	 * RECORD's take, the numbers queued for loop passes and splits. The
	 * engine starts them in this order. */
	struct open_take open[OPEN_TAKES_MAX];
	size_t open_count;
	bool loop_on;
	int64_t loop_start, loop_end; /* ENGINE_NO_FRAME: unset */
	bool stop_sent;           /* control_poll() clears it on a disk error */
	bool stop_after_pass_sent;
	uint64_t split_seq;       /* engine_commands_sent() after a NEW_TAKE */
	bool have_marker;
	uint32_t marker_take;
	struct session_marker marker; /* the last one added */

	/* control_inputs.c: per engine track; NULL before start. */
	struct control_input *inputs;
	uint64_t graph_seen;      /* jack_backend_graph_changes() looked at */
	struct timespec inputs_checked;

	/* control_server.c: what it takes to start the recorder again on a
	 * new server as it ran on the last one. start_sources is set by
	 * control_start_with_sources(), click_on by control_set_click(),
	 * links by control_connect_output(). */
	char **start_sources;
	size_t start_source_count;
	bool click_on;
	struct { enum engine_output output; char dest[SESSION_PORT_MAX]; }
		links[16];
	size_t link_count;
	bool server_lost;         /* waiting for a server to come back */
	struct timespec server_tried;

	/* control_ranges.c: record-ready (the punch range lives in the
	 * session's settings, the loop range above). */
	bool record_ready;

	/* control_transport.c */
	char map_error[256];      /* offline: why there is no map */
	int64_t located_to;       /* last LOCATE sent ... */
	uint64_t locate_seq;      /* ... and engine_commands_sent() after it */

	/* control_poll.c: failures and finished takes. */
	bool failure_handled;     /* control_record() clears it */
	bool jack_dead_handled;
	/* Stall guard while stopping (see check_stalled()): the engine's
	 * cycle count last seen and when it last moved. */
	bool stall_watching;
	bool server_frozen;       /* the guard fired: never call JACK again */
	uint64_t stall_cycles;
	struct timespec stall_moved;
	uint32_t takes_finished;  /* since control_open() */
	bool have_last;
	struct control_take_summary last;
	/* Finished takes not yet collected by control_next_finished(). */
	struct control_take_summary finished[FINISHED_KEPT];
	size_t finished_head, finished_count;
	/* Finished takes told once session.json holds them. */
	struct unsaved_take unsaved[FINISHED_KEPT];
	size_t unsaved_count;
	bool save_failing;        /* the saver's writes fail (check_saver()) */

	/* control_status.c: free space on the session's disk, statvfs at
	 * most once a second. */
	struct timespec disk_checked;
	double disk_bytes_free;   /* -1: not known yet */

	/* control_messages.c: front-ends (control_lock()). */
	pthread_mutex_t fe_lock;
	struct control_message msgs[CONTROL_MESSAGES_KEPT]; /* a ring */
	size_t msg_head, msg_count;
	uint64_t msg_seq;
	bool quiet;
	FILE *log;                /* SESSION/redlight.log, opened on use */
};

/* control.c */

/* Take the recorder down (engine, disk threads, JACK client, what the
 * run made) and leave the session open: control_close(), and a server
 * that went away (control_server.c). */
void control_free_recorder(struct control *c);

/* One engine command with a track, a value and a level; RL_ERR_STATE
 * before the recorder is started. */
enum rl_status control_send_simple(struct control *c, uint32_t type,
                                   uint32_t track, int64_t value, float level,
                                   struct error *err);

/* control_takes.c */

/* True while any take of a RECORD is prepared, recording or finishing. */
bool control_takes_open(const struct control *c);

/* Follow the RECORD from control_poll(): started takes, numbers queued
 * for loop passes, takes that will never start cancelled. */
enum rl_status control_track_open_takes(struct control *c, struct error *err);

/* The writer finished `take`: it leaves the open takes, with its xruns
 * and the markers set while it recorded. */
void control_end_open_take(struct control *c, struct session_take *take);

/*
 * The audio thread is gone (the server died, or froze under a pending
 * stop: should it wake, the engine stops before it starts another take):
 * the take it was recording is cut where it got to, and the numbers
 * queued for later loop passes or splits will never start. Cancel those
 * now, as a stop does once the engine has seen it; the writer only ends
 * the take it records, and they would keep the recorder busy for ever.
 * Call before the writer is forced, so it cannot race us for them. A
 * RECORD none of whose takes started is left to the writer (it ends them
 * empty, with the reason).
 */
void control_cancel_never_started(struct control *c,
                                  const struct engine_snapshot *snap);

/* control_inputs.c */

/* Remember the port each of `count` engine tracks records. */
enum rl_status control_inputs_init(struct control *c,
                                   const char *const *sources, size_t count,
                                   struct error *err);

/* Connect every track to its port (after activation); a port that is not
 * there is a warning, not an error: the track waits for it unarmed. */
enum rl_status control_connect_inputs(struct control *c, struct error *err);

/* True while engine track t (or its stereo partner) records no port. */
bool control_input_absent(const struct control *c, uint32_t t);

/* Follow ports that came or went (control_poll()). */
void control_follow_inputs(struct control *c);

/* control_server.c */

/* Keep what a restart needs: the ports (at the first start), the
 * outputs' connections. */
enum rl_status control_keep_sources(struct control *c,
                                    const char *const *sources,
                                    size_t count, struct error *err);
void control_keep_link(struct control *c, enum engine_output output,
                       const char *dest);

/* The server went away: once the take is finished take the recorder
 * down; then try a new server once a second (control_poll()). */
void control_follow_server(struct control *c);

/* control_poll.c */

/* Free what the audio thread has let go of (control_close() too). */
void control_collect_retired(struct control *c);

/* control_transport.c */

/* A session opened without the recorder reads positions with the
 * session's own tempo map (at its last rate), if it can be had; else
 * map_error says why. */
void control_load_offline_map(struct control *c);

/* Move the transport (ours, or JACK's when we follow it). */
enum rl_status control_send_locate(struct control *c, int64_t frame,
                                   struct error *err);

/* The timeline as the engine will have it once it has taken the commands
 * already sent. */
int64_t control_timeline_of(const struct control *c,
                            const struct engine_snapshot *snap);

/* control_mix.c */

/* Which session tracks play back a keeper or comp, for `count` engine
 * tracks (at start). RL_ERR_NOMEM only. */
enum rl_status control_find_keepers(struct control *c, size_t count);

/* Open every stream's file: the scratch and the keepers. */
enum rl_status control_set_streams(struct control *c, struct error *err);

/* Output port names of the stream_slots streams, NULL for a slot
 * without a port yet (control_free_stream_names()); NULL if out of
 * memory. */
char **control_stream_names(const struct control *c);
void control_free_stream_names(const struct control *c, char **names);

/* What the tracks play changed (a keeper, a comp, a take finished or
 * discarded, a listen-back): give every track that has something to
 * play its stream and port, point the streams at their files, and
 * locate at once if stopped (heard from the next play), else at the
 * next locate or stop (streams_dirty). No-op without the recorder. */
enum rl_status control_refresh_streams(struct control *c, struct error *err);

/* The session's mix, or this run's levels, into the engine (at start). */
enum rl_status control_apply_mix(struct control *c, struct error *err);

/* Save changed levels: at most once a second, or now with force. */
enum rl_status control_save_mix(struct control *c, bool force,
                                struct error *err);

/* Started, transport stopped, nothing recording: the streams may change.
 * Once started, *snap is the snapshot it looked at. */
bool control_stopped(const struct control *c, struct engine_snapshot *snap);

/* control_listen.c */

/* The file session track si plays while a take is listened back to:
 * *pb and true if the take has a file of it; false otherwise, *silent
 * then says whether the track is silent (listening alone). */
bool control_listen_playback(const struct control *c, size_t si,
                             struct session_playback *pb, bool *silent);

/* From control_poll(): stop at the take's end, and once stopped put the
 * keepers back and return the transport to where it was. */
void control_listen_poll(struct control *c);

/* control_status.c */

/* The engine track of session track `number` (from 1), or an error
 * saying why there is none. */
enum rl_status control_input_of(const struct control *c, uint32_t number,
                                uint32_t *t, struct error *err);

#endif
