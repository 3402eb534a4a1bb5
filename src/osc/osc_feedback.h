/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc_feedback.h
 * What OSC clients are told: the recorder's state as a client sees it,
 * and the messages that carry the difference between two such states, in
 * each dialect (redlight's own paths, Ardour's, REAPER's).
 *
 * The server builds one state from control_status() and control_tracks()
 * about ten times a second, keeps for each subscribed client the state
 * it last sent it, and sends only what differs (osc_feedback_diff()):
 * rolling, that is the time strings; armed tracks and the take number
 * when they change. Values are quantised where a client could not tell
 * the difference (meters to 0.5 dB, disk time to seconds), so noise does
 * not turn into traffic.
 *
 * Plain data and pure functions: any thread (one state per thread).
 */
#ifndef REDLIGHT_OSC_FEEDBACK_H
#define REDLIGHT_OSC_FEEDBACK_H

#include "redlight/control.h"
#include "redlight/error.h"

#include <lo/lo.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Which paths a client understands. */
enum osc_feedback_dialect {
	OSC_FEEDBACK_REDLIGHT = 0, /**< /redlight/... (doc/osc.md) */
	OSC_FEEDBACK_ARDOUR,       /**< Ardour's, chosen by feedback bits */
	OSC_FEEDBACK_REAPER,       /**< REAPER's default pattern names */
};

/* Ardour's /set_surface feedback bits (Ardour's manual numbers them by
 * value). */
#define OSC_ARDOUR_FB_STRIP_BUTTONS 1u    /**< /strip/name, /strip/recenable */
#define OSC_ARDOUR_FB_SSID_IN_PATH  4u    /**< /strip/recenable/SSID */
#define OSC_ARDOUR_FB_HEARTBEAT     8u    /**< /heartbeat, once a second */
#define OSC_ARDOUR_FB_MASTER        16u   /**< transport, record, loop,
                                               punch */
#define OSC_ARDOUR_FB_BBT           32u   /**< /position/bbt */
#define OSC_ARDOUR_FB_TIMECODE      64u   /**< /position/smpte */
#define OSC_ARDOUR_FB_METER         128u  /**< /strip/meter in dB */
#define OSC_ARDOUR_FB_METER_LED     256u  /**< /strip/meter as LED bits */
#define OSC_ARDOUR_FB_SIGNAL        512u  /**< /strip/signal */
#define OSC_ARDOUR_FB_SAMPLES       1024u /**< /position/samples */
#define OSC_ARDOUR_FB_TIME          2048u /**< /position/time */

/** What one client asked for. */
struct osc_feedback_prefs {
	enum osc_feedback_dialect dialect;
	bool meters;             /**< redlight/REAPER: per-track meters */
	uint32_t ardour_bits;    /**< Ardour: OSC_ARDOUR_FB_* */
	uint32_t bank_size;      /**< Ardour: strips 1..bank_size (0: all) */
};

/** Meter value meaning "no signal" (below -120 dBFS, or silence). */
#define OSC_FEEDBACK_SILENT INT16_MIN

/** One track as feedback shows it. */
struct osc_feedback_track {
	char name[SESSION_NAME_MAX];
	bool armed;
	bool has_input;
	int16_t meter_half_db;   /**< peak in 0.5 dB steps, or SILENT */
};

/** The recorder as a client sees it. */
struct osc_feedback_state {
	bool server_lost;           /**< no JACK server: waiting for one */
	enum engine_transport transport;
	bool recording;          /**< the tally: a take records now */
	bool record_armed;       /**< a record is pending or recording */
	bool record_ready;       /**< record-ready: play records */
	bool click_on, loop_on;
	struct control_punch punch; /**< the punch range (ENGINE_NO_FRAME:
	                                 an end unset) */
	int64_t loop_start, loop_end; /**< the loop range, likewise */
	uint32_t take;           /**< recording now, 0 if none */
	uint32_t last_take;
	uint32_t count_in_beats;
	uint32_t armed_tracks;
	int64_t frame;           /**< timeline frame */
	uint32_t sample_rate;
	struct tempo_map_bbt bbt;
	char section[TEMPO_MAP_LABEL_MAX + 1];
	char session_name[SESSION_NAME_MAX];
	int64_t disk_seconds;    /**< whole seconds left, -1: no limit */
	uint64_t xruns, dropped, underruns;
	uint64_t error_seq;      /**< of the latest error message, 0: none */
	char error[256];
	size_t track_count;
	size_t track_cap;
	struct osc_feedback_track *tracks; /**< owned */
};

/** An empty state (nothing sent yet). */
void osc_feedback_state_init(struct osc_feedback_state *s);

/** Free the track array. */
void osc_feedback_state_cleanup(struct osc_feedback_state *s);

/**
 * Fill s from a status and the tracks (as control_status() and
 * control_tracks() return them) and the session directory (its last
 * component is the session name). Grows the track array if needed
 * (RL_ERR_NOMEM, s unchanged in its tracks). Leaves error_seq/error.
 */
enum rl_status osc_feedback_state_set(struct osc_feedback_state *s,
                                      const struct control_status *st,
                                      const struct control_track *tracks,
                                      size_t count, const char *session_dir,
                                      struct error *err);

/** dst = src (dst's array grown as needed). */
enum rl_status osc_feedback_state_copy(struct osc_feedback_state *dst,
                                       const struct osc_feedback_state *src,
                                       struct error *err);

/**
 * Receives each message: the path and a message it must not keep (the
 * diff frees it after the call).
 */
typedef void (*osc_feedback_emit)(void *ctx, const char *path,
                                  lo_message m);

/**
 * Emit the messages that bring a client holding state `old` (NULL:
 * nothing yet -- everything is sent) to state `now`, in the client's
 * dialect. Returns how many it emitted (0 when nothing changed).
 */
size_t osc_feedback_diff(const struct osc_feedback_prefs *prefs,
                         const struct osc_feedback_state *old,
                         const struct osc_feedback_state *now,
                         osc_feedback_emit emit, void *ctx);

/** "00:01:23.456" ("-00:00:01.500" before 0) for frame at rate. */
void osc_feedback_time_string(int64_t frame, uint32_t rate, char *buf,
                              size_t size);

/** "hh:mm:ss:ff" at 30 frames per second (Ardour's /position/smpte). */
void osc_feedback_timecode_string(int64_t frame, uint32_t rate, char *buf,
                                  size_t size);

/** Name of a transport state: "stopped", "rolling", "recording",
 *  "count-in". */
const char *osc_feedback_transport_name(enum engine_transport t);

#endif
