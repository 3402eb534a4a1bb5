/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/control.h"

#include "redlight/click.h"
#include "redlight/comp.h"
#include "redlight/disk_reader.h"
#include "redlight/disk_writer.h"
#include "redlight/jack_backend.h"
#include "redlight/mixdown.h"
#include "redlight/session_lock.h"
#include "redlight/tempo_map.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* A RECORD's first take plus the queued ones (the engine queues 8). */
#define OPEN_TAKES_MAX 10
/* Numbers kept queued for loop passes while a loop records. */
#define LOOP_QUEUE 2

struct control {
	struct control_config config;
	char session_dir[SESSION_PATH_MAX];
	struct session *session;
	struct session_lock *lock; /* held from open to close */
	struct jack_backend *jb;
	struct engine *engine;
	struct disk_writer *writer;
	struct disk_reader *reader;
	/* Playback stream i + 1 plays the keeper of session track
	 * keeper_track[i]; stream 0 is the scratch. */
	size_t keeper_count;
	size_t *keeper_track;
	uint32_t *keeper_engine;  /* per stream: engine track or NO_TRACK */

	uint32_t track_count;     /* engine tracks */
	size_t *session_track;    /* engine track -> index in session */
	/* A stereo session track is two engine tracks: its left channel
	 * (channel 0) and its right (channel 1); partner[] links them
	 * (UINT32_MAX for a mono track). */
	uint8_t *channel;
	uint32_t *partner;
	bool *armed;
	/* Levels changed through the API and not saved yet; saved by
	 * control_poll() at most once a second (a fader dragged in the UI
	 * must not fsync session.json per step) and at close. */
	bool mix_dirty;
	struct timespec mix_saved;

	struct tempo_map *map;    /* the song's map; the engine reads it */
	struct click *click;

	/* Takes prepared (files created, in session.json) and not finished
	 * yet, in number order: the first RECORD's take, the numbers queued
	 * for loop passes and splits. The engine starts them in this order. */
	struct open_take {
		uint32_t number;
		bool started;
		uint64_t xruns_at_start;
		uint64_t correction;   /* latency correction prepared */
		/* The shift its markers were saved with while it records
		 * (see control_add_marker()). */
		bool have_marker_shift;
		uint64_t marker_shift;
	} open[OPEN_TAKES_MAX];
	size_t open_count;
	bool loop_on;
	int64_t loop_start, loop_end;
	int64_t located_to;       /* last LOCATE sent ... */
	uint64_t locate_seq;      /* ... and engine_commands_sent() after it */
	bool stop_sent;
	bool stop_after_pass_sent;
	uint64_t split_seq;       /* engine_commands_sent() after a NEW_TAKE */
	uint32_t takes_finished;  /* since control_open() */
	bool failure_handled;
	bool jack_dead_handled;
	/* Stall guard while stopping (see check_stalled()): the engine's
	 * cycle count last seen and when it last moved. */
	bool stall_watching;
	bool server_frozen;       /* the guard fired: never call JACK again */
	uint64_t stall_cycles;
	struct timespec stall_moved;
	bool have_last;
	struct control_take_summary last;
	/* Finished takes not yet collected by control_next_finished(). */
	struct control_take_summary finished[16];
	size_t finished_head, finished_count;
	bool have_marker;
	uint32_t marker_take;
	struct session_marker marker; /* the last one added */

	/* Front-ends (control_lock()). */
	pthread_mutex_t fe_lock;
	struct control_message msgs[CONTROL_MESSAGES_KEPT]; /* a ring */
	size_t msg_head, msg_count;
	uint64_t msg_seq;
	bool quiet;
	FILE *log;                /* SESSION/redlight.log, opened on use */
	bool streams_dirty;       /* keepers changed: reset when stopped */
	struct timespec disk_checked;
	double disk_bytes_free;
};

enum rl_status control_open(const struct control_config *config,
                            struct control **out, struct error *err)
{
	*out = NULL;
	struct control *c = calloc(1, sizeof *c);
	if (!c)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	c->config = *config;
	pthread_mutex_init(&c->fe_lock, NULL);
	c->disk_bytes_free = -1.0;
	if (!c->config.client_name)
		c->config.client_name = "redlight";
	if (c->config.buffer_seconds <= 0)
		c->config.buffer_seconds = 4.0;
	snprintf(c->session_dir, sizeof c->session_dir, "%s",
	         config->session_dir);
	c->config.session_dir = c->session_dir;
	/* The lock first, then session.json: an edit another process saved
	 * before we held the lock is what we read, never overwritten by our
	 * first save. The directory must exist for the lock file. */
	if (mkdir(c->session_dir, 0777) != 0 && errno != EEXIST)
		control_post(c, CONTROL_WARNING, "cannot create %s: %s",
		             c->session_dir, strerror(errno));
	enum rl_status st = session_lock_acquire(c->session_dir, "record",
	                                         &c->lock, err);
	if (st == RL_OK)
		st = session_open(c->session_dir, &c->session, err);
	if (st == RL_OK)
		st = jack_backend_open(c->config.client_name,
		                       c->config.server_name, &c->jb, err);
	if (st != RL_OK) {
		control_close(c);
		return st;
	}
	*out = c;
	return RL_OK;
}

enum rl_status control_find_sources(struct control *c, const char *regex,
                                    char ***names, size_t *count,
                                    struct error *err)
{
	return jack_backend_find_sources(c->jb, regex, names, count, err);
}

void control_free_names(char **names)
{
	jack_backend_free_names(names);
}

static enum rl_status apply_mix(struct control *c, struct error *err);
static bool stopped(const struct control *c, struct engine_snapshot *snap);
static enum rl_status send_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err);
static enum rl_status save_mix(struct control *c, bool force,
                               struct error *err);

/* The session track whose input is `port`, or -1; *channel: 1 if it is
 * that stereo track's right input. */
static int track_with_source(const struct session *s, const char *port,
                             uint8_t *channel)
{
	for (size_t i = 0; i < s->track_count; i++) {
		*channel = 0;
		if (!strcmp(s->tracks[i].source, port))
			return (int)i;
		*channel = 1;
		if (s->tracks[i].source_right[0] &&
		    !strcmp(s->tracks[i].source_right, port))
			return (int)i;
	}
	*channel = 0;
	return -1;
}

/* Link the two engine tracks of every stereo track; refuse a stereo
 * track with only one of its ports among the sources (it would record
 * half a stereo image without saying so). */
static enum rl_status pair_channels(struct control *c, size_t count,
                                    struct error *err)
{
	for (size_t i = 0; i < count; i++)
		c->partner[i] = UINT32_MAX;
	for (size_t i = 0; i < count; i++) {
		const struct session_track *tr =
			&c->session->tracks[c->session_track[i]];
		if (!tr->source_right[0] || c->partner[i] != UINT32_MAX)
			continue;
		for (size_t j = i + 1; j < count; j++) {
			if (c->session_track[j] == c->session_track[i] &&
			    c->channel[j] != c->channel[i]) {
				c->partner[i] = (uint32_t)j;
				c->partner[j] = (uint32_t)i;
				break;
			}
		}
		if (c->partner[i] == UINT32_MAX)
			return error_set(err, RL_ERR_NOT_FOUND,
			                 "track %s is stereo (%s + %s): record "
			                 "both of its ports, or make it mono "
			                 "(redlight tracks input)", tr->name,
			                 tr->source, tr->source_right);
	}
	return RL_OK;
}

/* Track name for a source port: the port's short name, or with its client
 * in front when two clients have ports of the same short name. */
static void track_name_for(const char *const *sources, size_t count,
                           size_t i, char *out, size_t size)
{
	const char *colon = strchr(sources[i], ':');
	const char *shortname = colon ? colon + 1 : sources[i];
	size_t same = 0;
	for (size_t j = 0; j < count; j++) {
		const char *cj = strchr(sources[j], ':');
		if (!strcmp(cj ? cj + 1 : sources[j], shortname))
			same++;
	}
	if (same <= 1) {
		snprintf(out, size, "%s", shortname);
		return;
	}
	snprintf(out, size, "%s", sources[i]);
	char *p = strchr(out, ':');
	if (p)
		*p = '-';
}

/* Copy a small text file to a path that must not exist yet. */
static enum rl_status copy_file_new(const char *from, const char *to,
                                    struct error *err)
{
	FILE *in = fopen(from, "rb");
	if (!in)
		return error_set(err, rl_status_from_errno(errno), "%s: %s",
		                 from, strerror(errno));
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!out) {
		enum rl_status st = error_set(err, rl_status_from_errno(errno),
		                              "%s: %s", to, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return st;
	}
	char buf[8192];
	size_t n;
	bool ok = true;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	ok &= !ferror(in);
	ok &= fflush(out) == 0 && fsync(fileno(out)) == 0;
	ok &= fclose(out) == 0;
	fclose(in);
	if (!ok)
		return error_set(err, RL_ERR_IO, "cannot copy %s to %s", from, to);
	return RL_OK;
}

/* The song's tempo map: --tempo-map, else SESSION/tempo.map, else the
 * simple map from --tempo/--meter (120 4/4). */
static enum rl_status load_map(struct control *c, uint32_t rate,
                               struct error *err)
{
	char path[SESSION_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/tempo.map", c->session_dir);
	const char *file = c->config.tempo_map_path;
	if (!file && access(path, F_OK) == 0)
		file = path;
	if (file && file != path && access(path, F_OK) != 0) {
		/* The session keeps its song's map next to its scratch track:
		 * the first map given is copied in (never over another). */
		enum rl_status st = tempo_map_load(file, rate, &c->map, err);
		if (st == RL_OK)
			st = copy_file_new(file, path, err);
		return st;
	}
	if (file)
		return tempo_map_load(file, rate, &c->map, err);
	const struct session_settings *st = &c->session->settings;
	return tempo_map_new_simple(
		c->config.tempo_bpm > 0 ? c->config.tempo_bpm : st->tempo_bpm,
		c->config.meter_beats > 0 ? c->config.meter_beats
		                          : (int32_t)st->meter_beats,
		c->config.meter_denominator > 0
			? c->config.meter_denominator
			: (int32_t)st->meter_denominator,
		rate, &c->map, err);
}

static enum rl_status load_click(struct control *c, uint32_t rate,
                                 struct error *err)
{
	const char *spec = c->config.click_sound
	                   ? c->config.click_sound
	                   : c->session->settings.click_sound;
	enum click_builtin b;
	if (click_builtin_from_name(spec, &b, NULL) == RL_OK)
		return click_new_builtin(b, rate, &c->click, err);
	/* "ACCENT[,NORMAL]" sound files. */
	char accent[SESSION_PATH_MAX];
	snprintf(accent, sizeof accent, "%s", spec);
	char *comma = strchr(accent, ',');
	const char *normal = NULL;
	if (comma) {
		*comma = '\0';
		normal = comma + 1;
	}
	return click_new_from_files(accent, normal, rate, &c->click, err);
}

static enum rl_status load_map_and_click(struct control *c, uint32_t rate,
                                         struct error *err)
{
	enum rl_status st = load_map(c, rate, err);
	if (st == RL_OK)
		st = load_click(c, rate, err);
	if (st != RL_OK)
		return st;
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_SET_CLICK);
	cmd.map = c->map;
	cmd.click = c->click;
	return engine_send(c->engine, &cmd, err);
}

static enum rl_status send_simple(struct control *c, uint32_t type,
                                  uint32_t track, int64_t value, float level,
                                  struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_command cmd;
	engine_command_init(&cmd, type);
	cmd.track = track;
	cmd.value = value;
	cmd.level = level;
	return engine_send(c->engine, &cmd, err);
}

static bool jack_transport_on(const struct control *c)
{
	return c->config.transport != JACK_TRANSPORT_INTERNAL;
}

/* Move the transport: ours, or JACK's when we follow it. */
static enum rl_status send_locate(struct control *c, int64_t frame,
                                  struct error *err)
{
	if (jack_transport_on(c))
		/* Waits until JACK has moved: its position is the truth. */
		return jack_backend_transport_locate(c->jb, frame, err);
	enum rl_status st = send_simple(c, ENGINE_CMD_LOCATE, 0, frame, 0, err);
	if (st == RL_OK) {
		c->located_to = frame;
		c->locate_seq = engine_commands_sent(c->engine);
	}
	return st;
}

/* What session track si plays back: its active comp, else its keeper
 * take (session_playback_of()). */
static bool playback_of(const struct session *s, size_t si,
                        struct session_playback *pb)
{
	return session_playback_of(s, (uint32_t)(si + 1), pb);
}

/*
 * Every session track with a keeper (or a comp in use) plays it back on
 * play_<track>, so an overdub is heard against it: the tracks this run
 * does not record, and the recorded ones too, which are silent while
 * armed (ENGINE_NO_TRACK otherwise, see engine_config.stream_track) and
 * play as soon as the engineer disarms them. keeper_engine[i] is the
 * engine track (the left one of a stereo pair: armed as one) of keeper
 * i; a rec-safe track is never armed, so it always plays.
 */
static enum rl_status find_keepers(struct control *c, size_t count)
{
	c->keeper_track = calloc(c->session->track_count + 1,
	                         sizeof *c->keeper_track);
	c->keeper_engine = calloc(c->session->track_count + 2,
	                          sizeof *c->keeper_engine);
	if (!c->keeper_track || !c->keeper_engine)
		return RL_ERR_NOMEM;
	c->keeper_engine[0] = ENGINE_NO_TRACK; /* stream 0: the scratch */
	for (size_t si = 0; si < c->session->track_count; si++) {
		struct session_playback pb;
		if (!playback_of(c->session, si, &pb))
			continue;
		uint32_t engine_track = ENGINE_NO_TRACK;
		for (size_t i = count; i-- > 0;)
			if (c->session_track[i] == si)
				engine_track = (uint32_t)i;
		c->keeper_track[c->keeper_count++] = si;
		c->keeper_engine[c->keeper_count] = engine_track;
	}
	return RL_OK;
}

/* Open every stream's file: the scratch from the session's settings and
 * the keepers at their takes' positions. */
static enum rl_status set_streams(struct control *c, struct error *err)
{
	const struct session_settings *set = &c->session->settings;
	if (set->scratch[0]) {
		char path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
		snprintf(path, sizeof path, "%s/%s", c->session_dir, set->scratch);
		enum rl_status st = disk_reader_set_stream(c->reader, 0, path,
		                                           set->scratch_offset,
		                                           err);
		if (st != RL_OK)
			return st;
	}
	for (size_t i = 0; i < c->keeper_count; i++) {
		struct session_playback pb;
		if (!playback_of(c->session, c->keeper_track[i], &pb)) {
			/* Its take was discarded since the start. */
			disk_reader_clear_stream(c->reader, (uint32_t)(i + 1));
			continue;
		}
		char path[SESSION_PATH_MAX * 2 + 2];
		snprintf(path, sizeof path, "%s/%s", c->session_dir, pb.path);
		enum rl_status st = disk_reader_set_stream(
			c->reader, (uint32_t)(i + 1), path,
			(int64_t)pb.start_frame, err);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

/* Output port names of the streams: scratch_out, play_<track>... */
static char **stream_names(const struct control *c)
{
	size_t n = 1 + c->keeper_count;
	char **names = calloc(n + 1, sizeof *names);
	if (!names)
		return NULL;
	names[0] = strdup("scratch_out");
	for (size_t i = 0; names[0] && i < c->keeper_count; i++) {
		const char *tn = c->session->tracks[c->keeper_track[i]].name;
		size_t len = strlen(tn) + 6;
		names[i + 1] = malloc(len);
		if (!names[i + 1])
			break;
		snprintf(names[i + 1], len, "play_%s", tn);
	}
	for (size_t i = 0; i < n; i++) {
		if (!names[i]) {
			jack_backend_free_names(names);
			return NULL;
		}
	}
	return names;
}

enum rl_status control_start_with_sources(struct control *c,
                                          const char *const *sources,
                                          size_t count, struct error *err)
{
	if (count == 0)
		return error_set(err, RL_ERR_INVALID, "no tracks to record");
	if (c->engine)
		return error_set(err, RL_ERR_STATE, "already started");
	c->session_track = calloc(count, sizeof *c->session_track);
	c->channel = calloc(count, sizeof *c->channel);
	c->partner = calloc(count, sizeof *c->partner);
	c->armed = calloc(count, sizeof *c->armed);
	const char **names = calloc(count, sizeof *names);
	char (*namebuf)[SESSION_NAME_MAX] = calloc(count, sizeof *namebuf);
	enum rl_status st = RL_OK;
	if (!c->session_track || !c->channel || !c->partner || !c->armed ||
	    !names || !namebuf)
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; st == RL_OK && i < count; i++) {
		/* A session made from a template names its tracks (kick,
		 * snare...) and their ports: a port that is some track's
		 * input records into that track. */
		int idx = track_with_source(c->session, sources[i],
		                            &c->channel[i]);
		const struct session_track *st_tr =
			idx >= 0 ? &c->session->tracks[idx] : NULL;
		/* Port names in_<track>, in_<track>.L / .R for stereo. */
		if (st_tr && st_tr->source_right[0])
			snprintf(namebuf[i], sizeof namebuf[i], "%.*s.%c",
			         SESSION_NAME_MAX - 3, st_tr->name,
			         c->channel[i] ? 'R' : 'L');
		else if (st_tr)
			snprintf(namebuf[i], sizeof namebuf[i], "%s",
			         st_tr->name);
		else
			track_name_for(sources, count, i, namebuf[i],
			               sizeof namebuf[i]);
		names[i] = namebuf[i];
		if (st_tr) {
			c->session_track[i] = (size_t)idx;
		} else if ((idx = session_find_track(c->session,
		                                     namebuf[i])) >= 0 &&
		           !c->session->tracks[idx].source_right[0]) {
			/* A port named like a track records into it, as
			 * its (mono) input from now on. */
			struct session_track *tr = &c->session->tracks[idx];
			c->session_track[i] = (size_t)idx;
			snprintf(tr->source, sizeof tr->source, "%s",
			         sources[i]);
			tr->source_right[0] = '\0';
		} else if (idx >= 0) {
			/* Never turn a stereo track mono behind the
			 * engineer's back. */
			const struct session_track *tr = &c->session->tracks[idx];
			st = error_set(err, RL_ERR_EXISTS, "port %s is named "
			               "like stereo track %s, whose inputs are "
			               "%s + %s: record those, or give the track "
			               "new inputs (redlight tracks input)",
			               sources[i], tr->name, tr->source,
			               tr->source_right);
		} else {
			st = session_add_track(c->session, namebuf[i], sources[i],
			                       &c->session_track[i], err);
		}
	}
	if (st == RL_OK)
		st = pair_channels(c, count, err);
	uint32_t rate = jack_backend_sample_rate(c->jb);
	if (st == RL_OK && c->session->sample_rate &&
	    c->session->sample_rate != rate)
		control_post(c, CONTROL_WARNING, "session %s was recorded "
		             "at %u Hz, JACK runs at %u Hz", c->session_dir,
		             c->session->sample_rate, rate);
	if (st == RL_OK) {
		c->session->sample_rate = rate;
		c->session->format = c->config.format;
		st = session_save(c->session, err);
	}
	char **play_names = NULL;
	if (st == RL_OK && find_keepers(c, count) != RL_OK)
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	if (st == RL_OK) {
		struct disk_reader_config rc = {
			.sample_rate = rate,
			.stream_count = (uint32_t)(1 + c->keeper_count),
			.ring_frames = (size_t)(c->config.buffer_seconds * rate),
		};
		st = disk_reader_new(&rc, &c->reader, err);
	}
	if (st == RL_OK)
		st = set_streams(c, err);
	if (st == RL_OK && !(play_names = stream_names(c)))
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	if (st == RL_OK) {
		struct engine_config ec = {
			.track_count = (uint32_t)count,
			.sample_rate = rate,
			.ring_frames = (size_t)(c->config.buffer_seconds * rate),
			.pre_record_frames =
				(size_t)(c->config.pre_record_seconds * rate),
			.reader = c->reader,
			.stream_track = c->keeper_engine,
		};
		st = engine_new(&ec, &c->engine, err);
	}
	if (st == RL_OK) {
		c->track_count = (uint32_t)count;
		if (!engine_memory_locked(c->engine))
			control_post(c, CONTROL_WARNING, "could not lock the "
			             "record buffers in memory (raise the "
			             "memlock limit); page faults may cause "
			             "dropouts");
		char *dircopy = strdup(c->session_dir);
		struct disk_writer_config wc = {
			.format = c->config.format,
			.sample_rate = rate,
			.session_name = dircopy ? basename(dircopy) : "",
		};
		st = disk_writer_new(c->engine, &wc, &c->writer, err);
		free(dircopy);
	}
	if (st == RL_OK)
		st = load_map_and_click(c, rate, err);
	if (st == RL_OK)
		st = jack_backend_attach(c->jb, c->engine, names, count,
		                         (const char *const *)play_names,
		                         1 + c->keeper_count, err);
	/* The streams set above play from the first locate on. */
	if (st == RL_OK)
		st = send_simple(c, ENGINE_CMD_LOCATE, 0, 0, 0, err);
	if (st == RL_OK && c->config.transport != JACK_TRANSPORT_INTERNAL)
		st = jack_backend_set_transport(c->jb, c->config.transport, err);
	if (st == RL_OK)
		st = jack_backend_activate(c->jb, err);
	for (size_t i = 0; st == RL_OK && i < count; i++)
		st = jack_backend_connect(c->jb, (uint32_t)i, sources[i], err);
	/* Every track is armed except the rec-safe ones, which only play. */
	for (uint32_t i = 0; st == RL_OK && i < count; i++)
		if (!c->session->tracks[c->session_track[i]].rec_safe &&
		    c->channel[i] == 0)
			st = control_arm(c, i, true, err);
	if (st == RL_OK)
		st = apply_mix(c, err);
	jack_backend_free_names(play_names);
	free(names);
	free(namebuf);
	return st;
}

enum rl_status control_arm(struct control *c, uint32_t t, bool on,
                           struct error *err)
{
	if (t >= c->track_count)
		return error_set(err, RL_ERR_INVALID, "no track %u (have %u)",
		                 t + 1, c->track_count);
	if (on && c->session->tracks[c->session_track[t]].rec_safe)
		return error_set(err, RL_ERR_STATE,
		                 "track %s is rec-safe: it cannot be armed",
		                 c->session->tracks[c->session_track[t]].name);
	/* The set of files of a take is fixed when it starts. */
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE,
		                 "cannot change arming while recording");
	/* Both channels of a stereo track, or neither. */
	uint32_t both[2] = { t, c->partner[t] };
	enum rl_status st = RL_OK;
	for (int k = 0; k < 2 && st == RL_OK && both[k] != UINT32_MAX; k++) {
		struct engine_command cmd = { .type = ENGINE_CMD_ARM,
		                              .track = both[k], .value = on };
		st = engine_send(c->engine, &cmd, err);
		if (st == RL_OK)
			c->armed[both[k]] = on;
	}
	return st;
}

/* The timeline as the engine will have it once it has taken the commands
 * already sent: a record right after a locate starts from there. */
static int64_t timeline_of(const struct control *c,
                           const struct engine_snapshot *snap)
{
	if (c->config.transport != JACK_TRANSPORT_INTERNAL)
		return jack_backend_transport_frame(c->jb);
	return snap->commands_applied < c->locate_seq ? c->located_to
	                                               : snap->timeline;
}

/*
 * Reserve the next take number and make everything for it: the files of
 * every armed track (so an unwritable disk is an error now, not later),
 * its entry in session.json (so `redlight recover` finds it after a crash)
 * and its latency correction. `where` is the expected timeline position.
 */
static enum rl_status prepare_take(struct control *c, int64_t where,
                                   uint32_t *out, uint64_t *out_correction,
                                   struct error *err)
{
	uint32_t number;
	char take_dir[SESSION_PATH_MAX];
	enum rl_status st = session_reserve_take(c->session, &number, take_dir,
	                                         sizeof take_dir, err);
	if (st != RL_OK)
		return st;
	size_t armed = 0;
	for (uint32_t t = 0; t < c->track_count; t++)
		armed += c->armed[t];

	struct disk_writer_track *wt = calloc(armed, sizeof *wt);
	char (*paths)[SESSION_PATH_MAX] = calloc(armed, sizeof *paths);
	char (*rel)[SESSION_PATH_MAX] = calloc(armed, sizeof *rel);
	struct session_take take = { .number = number };
	take.files = calloc(armed, sizeof *take.files);
	if (!wt || !paths || !rel || !take.files) {
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
		goto out;
	}
	size_t k = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		/* A stereo track's right channel is in its left's file. */
		if (!c->armed[t] || c->channel[t] == 1)
			continue;
		size_t si = c->session_track[t];
		const struct session_track *tr = &c->session->tracks[si];
		session_take_file_relpath(number, (uint32_t)si + 1, tr->name,
		                          rel[k], sizeof rel[k]);
		snprintf(paths[k], sizeof paths[k], "%s/%s", c->session_dir,
		         rel[k]);
		wt[k] = (struct disk_writer_track){
			.engine_track = t, .number = (uint32_t)si + 1,
			.name = tr->name, .path = paths[k], .relpath = rel[k],
			.channels = c->partner[t] != UINT32_MAX ? 2 : 1,
			.engine_track_right = c->partner[t],
		};
		struct session_take_file *f = &take.files[k];
		f->track = (uint32_t)si + 1;
		snprintf(f->track_name, sizeof f->track_name, "%s", tr->name);
		snprintf(f->path, sizeof f->path, "%s", rel[k]);
		f->peak_dbfs = -INFINITY;
		k++;
	}
	take.file_count = k;
	/* Latency compensation: what the performer played in time with
	 * timeline frame T reaches us capture + playback latency later. One
	 * figure per take (the worst input) keeps its files aligned with each
	 * other. */
	jack_backend_recompute_latencies(c->jb);
	uint32_t capture = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		uint32_t l = c->armed[t] ? jack_backend_capture_latency(c->jb, t)
		                         : 0;
		capture = l > capture ? l : capture;
	}
	uint64_t correction = (uint64_t)capture +
	                      jack_backend_playback_latency(c->jb);
	*out_correction = correction;
	st = disk_writer_prepare_take(c->writer, number, wt, k, correction,
	                              err);
	if (st != RL_OK)
		goto out;
	/* The take is in session.json before a single frame is recorded, so
	 * `redlight recover` finds it after a crash. */
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(take.started_at, sizeof take.started_at, "%Y-%m-%dT%H:%M:%S%z",
	         &tm);
	take.start_frame = where > 0 ? (uint64_t)where : 0;
	take.sample_rate = engine_sample_rate(c->engine);
	take.format = c->config.format;
	take.complete = false;
	st = session_put_take(c->session, &take, err);
	if (st == RL_OK)
		st = session_save(c->session, err);
	if (st != RL_OK)
		disk_writer_cancel_take(c->writer, number);
out:
	if (st == RL_OK)
		*out = number;
	else
		session_trash_take_dir(c->session, number, NULL);
	free(wt);
	free(paths);
	free(rel);
	free(take.files);
	return st;
}

/*
 * A prepared take that will never start: the writer forgets it, its empty
 * directory goes to trash/ (redlight deletes nothing; the number is never
 * used again) and it leaves session.json.
 */
static enum rl_status unprepare_take(struct control *c, uint32_t number)
{
	struct error err;
	if (!disk_writer_cancel_take(c->writer, number))
		return RL_ERR_STATE; /* it started after all: it will finish */
	session_remove_take(c->session, number);
	enum rl_status st = session_trash_take_dir(c->session, number, &err);
	if (st == RL_OK)
		st = session_save(c->session, &err);
	if (st != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", err.message);
	return RL_OK;
}

/* Prepare `count` more takes and queue their numbers in the engine for
 * the next loop passes or splits. */
static enum rl_status queue_takes(struct control *c, size_t count,
                                  struct error *err)
{
	for (size_t i = 0; i < count; i++) {
		if (c->open_count >= OPEN_TAKES_MAX)
			return RL_OK;
		struct engine_snapshot snap;
		engine_snapshot(c->engine, &snap);
		uint32_t number;
		uint64_t correction = 0;
		enum rl_status st = prepare_take(c, c->loop_on ? c->loop_start
		                                              : snap.timeline,
		                                 &number, &correction, err);
		if (st == RL_OK)
			st = send_simple(c, ENGINE_CMD_QUEUE_TAKE, 0, number, 0,
			                 err);
		if (st != RL_OK)
			return st;
		c->open[c->open_count++] = (struct open_take){
			.number = number, .correction = correction };
	}
	return RL_OK;
}

void control_record_options_init(struct control_record_options *o)
{
	*o = (struct control_record_options){
		.punch_in = ENGINE_NO_FRAME,
		.punch_out = ENGINE_NO_FRAME,
		.count_in_click = -1,
	};
}

/* Frame of the same position `bars` bars earlier (pre-roll). */
static int64_t bars_before(const struct tempo_map *map, int64_t frame,
                           uint32_t bars)
{
	struct tempo_map_bbt bbt;
	tempo_map_frame_to_bbt(map, frame, &bbt);
	int64_t bar_start = tempo_map_bar_frame(map, bbt.bar);
	return tempo_map_bar_frame(map, bbt.bar - (int64_t)bars) +
	       (frame - bar_start);
}

/* A count-in of `bars` bars at the tempo and meter of `frame`: its own
 * little map, rendered from its frame 0 while the timeline waits. */
static enum rl_status count_in_map(const struct control *c, int64_t frame,
                                   uint32_t bars, struct tempo_map **out,
                                   uint64_t *frames, struct error *err)
{
	struct tempo_map_beat beat;
	tempo_map_beat_at(c->map, frame, &beat);
	double bpm = tempo_map_bpm_at(c->map, frame);
	enum rl_status st = tempo_map_new_simple(
		bpm, beat.beats_per_bar, beat.denominator,
		tempo_map_rate(c->map), out, err);
	if (st == RL_OK)
		*frames = (uint64_t)tempo_map_bar_frame(*out, 1 + (int64_t)bars);
	return st;
}

enum rl_status control_record(struct control *c,
                              const struct control_record_options *opt,
                              struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE, "already recording");
	char reason[256];
	if (jack_backend_dead(c->jb, reason, sizeof reason))
		return error_set(err, RL_ERR_JACK, "%s", reason);
	size_t armed = 0;
	for (uint32_t t = 0; t < c->track_count; t++)
		armed += c->armed[t];
	if (armed == 0)
		return error_set(err, RL_ERR_STATE, "no track is armed");
	if (opt->punch_in != ENGINE_NO_FRAME &&
	    opt->punch_out != ENGINE_NO_FRAME &&
	    opt->punch_out <= opt->punch_in)
		return error_set(err, RL_ERR_INVALID,
		                 "punch-out (frame %lld) must come after "
		                 "punch-in (frame %lld)",
		                 (long long)opt->punch_out,
		                 (long long)opt->punch_in);
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	int64_t punch_in = opt->punch_in;
	int64_t here = timeline_of(c, &snap);
	int64_t record_point = punch_in != ENGINE_NO_FRAME ? punch_in : here;
	bool locate_first = false;
	int64_t roll_from = here;
	if (opt->pre_roll_bars && snap.transport == ENGINE_STOPPED) {
		roll_from = bars_before(c->map, record_point, opt->pre_roll_bars);
		locate_first = true;
		if (punch_in == ENGINE_NO_FRAME)
			punch_in = record_point;
	}
	if (opt->count_in_bars && c->config.transport != JACK_TRANSPORT_INTERNAL)
		return error_set(err, RL_ERR_STATE,
		                 "a count-in needs redlight's own transport: JACK "
		                 "transport starts rolling at once (use pre-roll)");
	struct tempo_map *cmap = NULL;
	uint64_t count_frames = 0;
	if (opt->count_in_bars && snap.transport == ENGINE_STOPPED) {
		enum rl_status st = count_in_map(c, roll_from, opt->count_in_bars,
		                                 &cmap, &count_frames, err);
		if (st != RL_OK)
			return st;
	}

	uint32_t number;
	uint64_t correction = 0;
	enum rl_status st = prepare_take(c, record_point, &number, &correction,
	                                 err);
	if (st != RL_OK) {
		tempo_map_free(cmap);
		return st;
	}
	if (locate_first)
		st = send_locate(c, roll_from, err);
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_RECORD);
	cmd.value = number;
	cmd.at = opt->at;
	cmd.length = opt->length;
	cmd.punch_in = punch_in;
	cmd.punch_out = opt->punch_out;
	cmd.count_in = count_frames;
	cmd.map = cmap;
	/* The count-in clicks even with the click off, unless the session
	 * (or this record) asks for a silent one: the timeline is held all
	 * the same, the performer counts along with the scratch or a cue. */
	bool count_in_clicks = opt->count_in_click >= 0
	                       ? opt->count_in_click != 0
	                       : c->session->settings.count_in_click;
	cmd.silent_count_in = !count_in_clicks;
	if (st == RL_OK)
		st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK && c->config.transport == JACK_TRANSPORT_MASTER)
		jack_backend_transport_start(c->jb); /* we are the master */
	if (st == RL_OK) {
		cmap = NULL; /* the engine's now; it comes back retired */
		c->open[0] = (struct open_take){ .number = number,
		                                 .correction = correction };
		c->open_count = 1;
		c->stop_sent = false;
		c->stop_after_pass_sent = false;
		c->failure_handled = false;
		/* Loop passes each need a take of their own. */
		if (c->loop_on)
			st = queue_takes(c, LOOP_QUEUE, err);
	} else {
		unprepare_take(c, number);
	}
	tempo_map_free(cmap);
	return st;
}

/* True while any take of a RECORD is prepared, recording or finishing. */
static bool takes_open(const struct control *c)
{
	return c->open_count > 0;
}

static void forget_open(struct control *c, size_t i)
{
	memmove(&c->open[i], &c->open[i + 1],
	        (c->open_count - i - 1) * sizeof c->open[0]);
	c->open_count--;
}

enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err)
{
	if (!c->engine)
		return RL_OK;
	if (takes_open(c) && c->stop_sent)
		return RL_OK;
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_STOP);
	cmd.at = at;
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st != RL_OK)
		return st;
	/* The take ends on our frame; JACK's transport stops at its next
	 * cycle (and the engine, following it, stays stopped). */
	if (c->config.transport == JACK_TRANSPORT_MASTER)
		jack_backend_transport_stop(c->jb);
	if (takes_open(c))
		c->stop_sent = true;
	return st;
}

enum rl_status control_stop_after_pass(struct control *c, struct error *err)
{
	if (!c->engine || !c->loop_on)
		return error_set(err, RL_ERR_STATE, "not looping");
	if (c->stop_sent || c->stop_after_pass_sent)
		return RL_OK;
	enum rl_status st = send_simple(c, ENGINE_CMD_STOP, 0, 1, 0, err);
	if (st == RL_OK && takes_open(c))
		c->stop_after_pass_sent = true;
	return st;
}

enum rl_status control_new_take(struct control *c, struct error *err)
{
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	if (snap.transport != ENGINE_RECORDING)
		return error_set(err, RL_ERR_STATE,
		                 "a new take needs a take recording");
	/* A split still on its way happens on the next cycle, which is when
	 * this one would: they are one split. Sending a second could land a
	 * cycle later, with no number queued for it, and end the recording. */
	if (snap.commands_applied < c->split_seq)
		return RL_OK;
	/* The split takes the next queued number: make sure there is one. */
	size_t unstarted = 0;
	for (size_t i = 0; i < c->open_count; i++)
		unstarted += !c->open[i].started &&
		             c->open[i].number > snap.last_started_take;
	enum rl_status st = RL_OK;
	if (unstarted == 0)
		st = queue_takes(c, 1, err);
	if (st == RL_OK)
		st = send_simple(c, ENGINE_CMD_NEW_TAKE, 0, 0, 0, err);
	if (st == RL_OK)
		c->split_seq = engine_commands_sent(c->engine);
	return st;
}

/* Markers in the whole session, for the next default name. */
static size_t session_marker_count(const struct session *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->take_count; i++)
		n += s->takes[i].marker_count;
	return n;
}

enum rl_status control_add_marker(struct control *c, const char *name,
                                  struct error *err)
{
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	struct open_take *ot = NULL;
	for (size_t i = 0; snap.transport == ENGINE_RECORDING && snap.take &&
	                   i < c->open_count; i++)
		if (c->open[i].number == snap.take)
			ot = &c->open[i];
	if (!ot)
		return error_set(err, RL_ERR_STATE,
		                 "a marker needs a take recording");
	/* The take's files hold, at timeline frame start_frame + k, what
	 * arrived k frames after the take started (the writer moved it
	 * earlier by the latency correction, never before timeline 0): the
	 * frame arriving now is the transport position less that shift.
	 * The writer decides the shift from the exact start frame; until the
	 * take is finished this uses the start the snapshot shows, and
	 * keep_markers() settles the difference, if any. */
	if (!ot->have_marker_shift) {
		uint64_t timeline = snap.timeline > 0 ? (uint64_t)snap.timeline : 0;
		uint64_t started = timeline > snap.take_frames
		                   ? timeline - snap.take_frames : 0;
		ot->marker_shift = ot->correction < started ? ot->correction
		                                           : started;
		ot->have_marker_shift = true;
	}
	uint64_t frame = snap.timeline > (int64_t)ot->marker_shift
	                 ? (uint64_t)snap.timeline - ot->marker_shift : 0;
	char def[SESSION_NAME_MAX];
	if (!name || !name[0]) {
		snprintf(def, sizeof def, "marker %zu",
		         session_marker_count(c->session) + 1);
		name = def;
	}
	/* Into the take's entry in session.json at once, so a crash keeps
	 * it (`redlight recover` completes that entry). */
	enum rl_status st = session_take_add_marker(c->session, ot->number,
	                                            frame, name, err);
	if (st != RL_OK)
		return st;
	c->have_marker = true;
	c->marker_take = ot->number;
	c->marker.frame = frame;
	snprintf(c->marker.name, sizeof c->marker.name, "%s", name);
	return session_save(c->session, err);
}

bool control_last_marker(const struct control *c, uint32_t *take,
                         struct session_marker *out)
{
	if (!c->have_marker)
		return false;
	if (take)
		*take = c->marker_take;
	if (out)
		*out = c->marker;
	return true;
}

/*
 * The finished take replaces its entry in session.json: bring along the
 * markers saved into that entry while it recorded, now on the shift the
 * writer really applied (`shift` is the one they were saved with).
 */
static void keep_markers(struct control *c, struct session_take *take,
                         uint64_t shift)
{
	const struct session_take *rec = session_find_take(c->session,
	                                                   take->number);
	if (!rec || rec->marker_count == 0 || take->markers)
		return;
	take->markers = malloc(rec->marker_count * sizeof *take->markers);
	if (!take->markers) {
		control_post(c, CONTROL_ERROR, "out of memory: the markers "
		             "of take %u are lost", take->number);
		return;
	}
	take->marker_count = rec->marker_count;
	uint64_t end = take->start_frame + take->length;
	for (size_t i = 0; i < rec->marker_count; i++) {
		struct session_marker m = rec->markers[i];
		m.frame = m.frame + shift >= take->latency_correction
		          ? m.frame + shift - take->latency_correction : 0;
		/* On one of the take's frames, even if it was cut short after
		 * a failure: a marker belongs to the take it was set in. */
		uint64_t last = take->length ? end - 1 : end;
		m.frame = m.frame < take->start_frame ? take->start_frame
		          : m.frame > last ? last : m.frame;
		take->markers[i] = m;
	}
}

static void take_finished(struct control *c, struct session_take *take)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	uint64_t shift = take->latency_correction;
	for (size_t i = 0; i < c->open_count; i++) {
		if (c->open[i].number != take->number)
			continue;
		take->xruns = snap.xruns - c->open[i].xruns_at_start;
		if (c->open[i].have_marker_shift)
			shift = c->open[i].marker_shift;
		forget_open(c, i);
		break;
	}
	keep_markers(c, take, shift);
	c->have_last = true;
	c->last = (struct control_take_summary){
		.number = take->number,
		.tracks = (uint32_t)take->file_count,
		.frames = take->length,
		.dropped_frames = take->dropped_frames,
		.xruns = take->xruns,
	};
	snprintf(c->last.dir, sizeof c->last.dir, "%s/takes/%03u",
	         c->session_dir, take->number);
	snprintf(c->last.end_reason, sizeof c->last.end_reason, "%s",
	         take->end_reason);
	c->takes_finished++;
	if (c->finished_count == 16) { /* nobody collects: keep the newest */
		c->finished_head = (c->finished_head + 1) % 16;
		c->finished_count--;
	}
	c->finished[(c->finished_head + c->finished_count++) % 16] = c->last;
}

/* Free what the audio thread has let go of (count-in maps, replaced maps
 * and sounds), unless it is still ours. */
static void collect_retired(struct control *c)
{
	const struct tempo_map *map;
	const struct click *click;
	while (engine_next_retired(c->engine, &map, &click)) {
		if (map && map != c->map)
			tempo_map_free((struct tempo_map *)map);
		if (click && click != c->click)
			click_free((struct click *)click);
	}
}

/*
 * Follow the RECORD: note which open takes have started (the engine
 * starts them in number order), keep numbers queued while a loop records,
 * and once the engine has seen every command we sent and recording is
 * over, cancel the takes it will never start (stopped before the
 * punch-in, or queued for passes that did not happen).
 */
static enum rl_status track_open_takes(struct control *c, struct error *err)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	for (size_t i = 0; i < c->open_count; i++) {
		if (!c->open[i].started &&
		    c->open[i].number <= snap.last_started_take) {
			c->open[i].started = true;
			c->open[i].xruns_at_start = snap.xruns;
		}
	}
	bool all_applied = snap.commands_applied >= engine_commands_sent(c->engine);
	if (snap.record_enabled && c->loop_on && !c->stop_sent &&
	    all_applied && snap.takes_queued < LOOP_QUEUE)
		return queue_takes(c, LOOP_QUEUE - snap.takes_queued, err);
	if (!all_applied || snap.record_enabled ||
	    snap.transport == ENGINE_COUNT_IN)
		return RL_OK;
	enum rl_status result = RL_OK;
	for (size_t i = 0; i < c->open_count;) {
		if (c->open[i].started) {
			i++;
			continue;
		}
		if (unprepare_take(c, c->open[i].number) != RL_OK) {
			c->open[i].started = true; /* it did: it will finish */
			i++;
			continue;
		}
		forget_open(c, i);
	}
	return result;
}

/*
 * The audio thread is gone (the server died, or froze under a pending
 * stop: should it wake, the engine stops before it starts another take):
 * the take it was recording is cut where it got to, and the numbers
 * queued for later loop passes or splits will never start. Cancel those
 * now, as a stop does once the engine has seen it; the writer only ends
 * the take it records, and they would keep the recorder busy for ever.
 * Before the writer is forced, so it cannot race us for them. A RECORD
 * none of whose takes started is left to the writer (it ends them empty,
 * with the reason).
 */
static void cancel_never_started(struct control *c,
                                 const struct engine_snapshot *snap)
{
	bool any_started = false;
	for (size_t i = 0; i < c->open_count; i++) {
		if (c->open[i].number <= snap->last_started_take)
			c->open[i].started = true;
		any_started |= c->open[i].started;
	}
	for (size_t i = 0; any_started && i < c->open_count;) {
		if (c->open[i].started) {
			i++;
			continue;
		}
		if (unprepare_take(c, c->open[i].number) != RL_OK) {
			c->open[i].started = true; /* it did: it will finish */
			i++;
			continue;
		}
		forget_open(c, i);
	}
}

/*
 * A stop was asked for and JACK has not run our process callback for
 * CONTROL_STALL_MS: the server is frozen (stopped, hung driver, a
 * debugger) without having died, so neither the stop nor a shutdown
 * callback will ever come. Waiting would keep the take's files open
 * forever and the recorder from exiting; instead the take is finished
 * at the last length the audio thread published, like a dead server,
 * and the engineer is told why. Only while stopping: a stalled server
 * that recovers before anybody asks to stop loses nothing, and a take
 * must not be cut under a server that is only slow.
 */
static bool check_stalled(struct control *c, char *reason, size_t size)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A stop where the loop pass ends is a stop asked for too: a frozen
	 * server never reaches the loop's end either. */
	bool stopping = c->stop_sent || c->stop_after_pass_sent;
	if (!stopping || snap.cycles != c->stall_cycles ||
	    !c->stall_watching) {
		c->stall_watching = stopping;
		c->stall_cycles = snap.cycles;
		c->stall_moved = now;
		return false;
	}
	double ms = (now.tv_sec - c->stall_moved.tv_sec) * 1e3 +
	            (now.tv_nsec - c->stall_moved.tv_nsec) / 1e6;
	if (ms < CONTROL_STALL_MS)
		return false;
	snprintf(reason, size,
	         "JACK stopped running redlight's audio for %.1f s while a "
	         "stop was pending (server frozen?): the take ends at the "
	         "%llu frames that reached the recorder", ms / 1e3,
	         (unsigned long long)snap.take_frames);
	return true;
}

enum rl_status control_poll(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	if (!c->engine)
		return RL_OK;
	collect_retired(c);
	if (takes_open(c))
		result = track_open_takes(c, err);
	char reason[256];
	if (takes_open(c) && !c->jack_dead_handled &&
	    (jack_backend_dead(c->jb, reason, sizeof reason) ||
	     check_stalled(c, reason, sizeof reason))) {
		/* The audio thread is gone: everything it published is in
		 * the rings; finish the take at the last published length. */
		struct engine_snapshot snap;
		engine_snapshot(c->engine, &snap);
		cancel_never_started(c, &snap);
		disk_writer_force_stop(c->writer, snap.take_frames, reason);
		c->jack_dead_handled = true;
		c->server_frozen = !jack_backend_dead(c->jb, NULL, 0);
		result = error_set(err, RL_ERR_JACK, "%s", reason);
	}
	struct error werr;
	if (takes_open(c) && !c->failure_handled &&
	    disk_writer_failed(c->writer, &werr)) {
		/* Stop now, even if a stop at a later frame is pending. */
		c->failure_handled = true;
		c->stop_sent = false;
		control_stop(c, 0, NULL);
		if (result == RL_OK) {
			if (err)
				*err = werr;
			result = werr.status;
		}
	}
	struct session_take take;
	while (disk_writer_poll(c->writer, &take)) {
		take_finished(c, &take);
		struct error serr;
		if (session_put_take(c->session, &take, &serr) != RL_OK ||
		    session_save(c->session, &serr) != RL_OK) {
			if (result == RL_OK) {
				if (err)
					*err = serr;
				result = serr.status;
			}
		}
		session_take_cleanup(&take);
	}
	struct engine_snapshot ssnap;
	if (c->streams_dirty && stopped(c, &ssnap)) {
		/* What the tracks play changed (a keeper, a comp): take it
		 * from where the transport stands. */
		struct error serr;
		c->streams_dirty = false;
		enum rl_status st = set_streams(c, &serr);
		if (st == RL_OK)
			st = control_locate(c, ssnap.timeline, &serr);
		if (st != RL_OK)
			control_post(c, CONTROL_ERROR, "%s", serr.message);
	}
	struct error merr;
	if (save_mix(c, false, &merr) != RL_OK && result == RL_OK) {
		if (err)
			*err = merr;
		result = merr.status;
	}
	return result;
}

enum rl_status control_wait_idle(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	while (c->writer && takes_open(c)) {
		disk_writer_wait(c->writer, 200);
		struct error e2;
		enum rl_status st = control_poll(c, &e2);
		if (st != RL_OK && result == RL_OK) {
			result = st;
			if (err)
				*err = e2;
		}
	}
	return result;
}

bool control_busy(struct control *c)
{
	return takes_open(c);
}

bool control_next_finished(struct control *c,
                           struct control_take_summary *out)
{
	if (!c->finished_count)
		return false;
	*out = c->finished[c->finished_head];
	c->finished_head = (c->finished_head + 1) % 16;
	c->finished_count--;
	return true;
}

uint32_t control_takes_finished(const struct control *c)
{
	return c->takes_finished;
}

bool control_last_take(const struct control *c,
                       struct control_take_summary *out)
{
	if (c->have_last)
		*out = c->last;
	return c->have_last;
}

void control_snapshot(const struct control *c, struct engine_snapshot *out)
{
	if (c->engine)
		engine_snapshot(c->engine, out);
	else
		memset(out, 0, sizeof *out);
}

void control_cycle_stats(const struct control *c,
                         struct engine_cycle_stats *out)
{
	if (c->engine)
		engine_cycle_stats(c->engine, out);
	else
		memset(out, 0, sizeof *out);
}

enum rl_status control_loop(struct control *c, bool on, int64_t start,
                            int64_t end, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE,
		                 "cannot change the loop while recording");
	if (on && (end <= start || start < 0))
		return error_set(err, RL_ERR_INVALID,
		                 "loop from frame %lld to %lld: the end must come "
		                 "after the start, and the start at or after 0",
		                 (long long)start, (long long)end);
	struct engine_command cmd;
	engine_command_init(&cmd, ENGINE_CMD_LOOP);
	cmd.value = on;
	cmd.punch_in = start;
	cmd.punch_out = end;
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK) {
		c->loop_on = on;
		c->loop_start = start;
		c->loop_end = end;
	}
	return st;
}

void control_set_transport_mode(struct control *c,
                                enum jack_transport_mode mode)
{
	c->config.transport = mode;
}

enum rl_status control_play(struct control *c, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (jack_transport_on(c)) {
		jack_backend_transport_start(c->jb);
		return RL_OK;
	}
	return send_simple(c, ENGINE_CMD_PLAY, 0, 0, 0, err);
}


enum rl_status control_locate(struct control *c, int64_t frame,
                              struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	/* A take is one continuous stretch of the timeline. */
	if (snap.transport == ENGINE_RECORDING)
		return error_set(err, RL_ERR_STATE,
		                 "cannot locate while recording (stop first)");
	return send_locate(c, frame, err);
}

enum rl_status control_locate_bar(struct control *c, int64_t bar,
                                  struct error *err)
{
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (bar < 1)
		return error_set(err, RL_ERR_INVALID,
		                 "bars count from 1 (got %lld)", (long long)bar);
	return control_locate(c, tempo_map_bar_frame(c->map, bar), err);
}

enum rl_status control_locate_section(struct control *c, const char *label,
                                      struct error *err)
{
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	int64_t frame;
	enum rl_status st = tempo_map_section_frame(c->map, label, &frame, err);
	if (st != RL_OK)
		return st;
	return control_locate(c, frame, err);
}

enum rl_status control_return_to_start(struct control *c, struct error *err)
{
	return control_locate(c, 0, err);
}

enum rl_status control_set_click(struct control *c, bool on,
                                 struct error *err)
{
	return send_simple(c, ENGINE_CMD_CLICK_ON, 0, on, 0, err);
}

/* dB to gain; -inf mutes; nothing louder than +6 dB. */
static enum rl_status db_to_gain(double db, float *gain, struct error *err)
{
	if (isnan(db) || db > SESSION_CUE_MAX_DB)
		return error_set(err, RL_ERR_INVALID,
		                 "level %.1f dB: want -inf to +6 dB", db);
	*gain = isinf(db) ? 0.0f : (float)pow(10.0, db / 20.0);
	return RL_OK;
}

static enum rl_status send_click_level(struct control *c, bool cue,
                                       double db, struct error *err)
{
	float gain = 0.0f;
	enum rl_status st = db_to_gain(db, &gain, err);
	if (st != RL_OK)
		return st;
	return send_simple(c, ENGINE_CMD_SET_LEVEL,
	                   cue ? ENGINE_LEVEL_CUE_CLICK : ENGINE_LEVEL_CLICK,
	                   0, gain, err);
}

enum rl_status control_set_click_level(struct control *c, bool cue,
                                       double db, struct error *err)
{
	enum rl_status st = send_click_level(c, cue, db, err);
	if (st == RL_OK) {
		struct session_settings *set = &c->session->settings;
		*(cue ? &set->cue_click_db : &set->click_level_db) = db;
		c->mix_dirty = true;
	}
	return st;
}

/* A command with a gain for each side of the cue. */
static enum rl_status send_cue_gains(struct control *c, uint32_t type,
                                     uint32_t index, float left, float right,
                                     struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	struct engine_command cmd;
	engine_command_init(&cmd, type);
	cmd.track = index;
	cmd.level = left;
	cmd.level_right = right;
	return engine_send(c->engine, &cmd, err);
}

/* Monitoring of engine track t and its stereo partner, placed in the cue
 * by the track's pan as in the bounce: a mono input with the pan law, a
 * stereo pair side by side with pan as a balance. */
static enum rl_status send_monitor(struct control *c, uint32_t t, bool on,
                                   double db, struct error *err)
{
	if (on) {
		float gain = 0.0f;
		enum rl_status st = db_to_gain(db, &gain, err);
		if (st != RL_OK)
			return st;
	}
	double pan = c->session->tracks[c->session_track[t]].pan;
	double level = on ? db : -INFINITY;
	float l = 0.0f, r = 0.0f;
	if (c->partner[t] == UINT32_MAX) {
		mixdown_pan_gains(level, pan, &l, &r);
		return send_cue_gains(c, ENGINE_CMD_MONITOR, t, l, r, err);
	}
	mixdown_balance_gains(level, pan, &l, &r);
	uint32_t left = c->channel[t] ? c->partner[t] : t;
	uint32_t right = c->channel[t] ? t : c->partner[t];
	enum rl_status st = send_cue_gains(c, ENGINE_CMD_MONITOR, left, l,
	                                   0.0f, err);
	if (st == RL_OK)
		st = send_cue_gains(c, ENGINE_CMD_MONITOR, right, 0.0f, r,
		                    err);
	return st;
}

enum rl_status control_monitor(struct control *c, uint32_t t, bool on,
                               double db, struct error *err)
{
	if (t >= c->track_count)
		return error_set(err, RL_ERR_INVALID, "no track %u (have %u)",
		                 t + 1, c->track_count);
	enum rl_status st = send_monitor(c, t, on, db, err);
	if (st == RL_OK) {
		struct session_track *tr =
			&c->session->tracks[c->session_track[t]];
		tr->monitor = on && !isinf(db);
		if (tr->monitor)
			tr->monitor_db = db;
		c->mix_dirty = true;
	}
	return st;
}

/* Started, transport stopped, nothing recording: streams may change. */
static bool stopped(const struct control *c, struct engine_snapshot *snap)
{
	if (!c->reader)
		return false;
	engine_snapshot(c->engine, snap);
	return snap->transport == ENGINE_STOPPED && c->open_count == 0;
}

/* Play session file `name` as the scratch from timeline frame `offset`,
 * remember it in the settings, and relocate so the reader takes it. */
static enum rl_status play_scratch(struct control *c, const char *name,
                                   int64_t offset,
                                   const struct engine_snapshot *snap,
                                   struct error *err)
{
	char path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", c->session_dir, name);
	enum rl_status st = disk_reader_set_stream(c->reader, 0, path, offset,
	                                           err);
	if (st != RL_OK)
		return st;
	struct session_settings *set = &c->session->settings;
	snprintf(set->scratch, sizeof set->scratch, "%s", name);
	set->scratch_offset = offset;
	st = session_save(c->session, err);
	if (st == RL_OK)
		st = send_simple(c, ENGINE_CMD_LOCATE, 0, timeline_of(c, snap), 0,
		                 err);
	return st;
}

enum rl_status control_set_scratch(struct control *c, const char *file,
                                   int64_t offset, struct error *err)
{
	struct engine_snapshot snap;
	if (!stopped(c, &snap))
		return error_set(err, RL_ERR_STATE,
		                 "stop the transport to change the scratch track");
	char name[SESSION_NAME_MAX], path[SESSION_PATH_MAX + SESSION_NAME_MAX + 2];
	/* Imported once into the session (converted to the session's rate
	 * if needed), under a name never used before: nothing overwritten. */
	enum rl_status st = RL_ERR_EXISTS;
	for (int i = 1; st == RL_ERR_EXISTS && i < 1000; i++) {
		if (i == 1)
			snprintf(name, sizeof name, "scratch.wav");
		else
			snprintf(name, sizeof name, "scratch-%d.wav", i);
		snprintf(path, sizeof path, "%s/%s", c->session_dir, name);
		st = disk_reader_import(file, path, control_sample_rate(c), err);
	}
	if (st != RL_OK)
		return st;
	return play_scratch(c, name, offset, &snap, err);
}

enum rl_status control_set_scratch_offset(struct control *c, int64_t offset,
                                          struct error *err)
{
	struct session_settings *set = &c->session->settings;
	if (!set->scratch[0])
		return error_set(err, RL_ERR_STATE, "the session has no scratch "
		                 "track");
	struct engine_snapshot snap;
	if (!stopped(c, &snap))
		return error_set(err, RL_ERR_STATE,
		                 "stop the transport to move the scratch track");
	char name[SESSION_NAME_MAX];
	snprintf(name, sizeof name, "%s", set->scratch);
	return play_scratch(c, name, offset, &snap, err);
}

static enum rl_status send_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err)
{
	if (!c->reader || stream > c->keeper_count)
		return error_set(err, RL_ERR_INVALID, "no playback stream %u",
		                 stream);
	float gain = 0.0f;
	enum rl_status st = db_to_gain(db, &gain, err);
	if (st != RL_OK)
		return st;
	if (stream == 0) /* the scratch, in the centre at its level */
		return send_cue_gains(c, ENGINE_CMD_STREAM_LEVEL, 0, gain, gain,
		                      err);
	/* A keeper where the track's pan puts it in the bounce (a stereo
	 * keeper plays as its channels' average: a mono source). */
	float l = 0.0f, r = 0.0f;
	mixdown_pan_gains(db, c->session->tracks[c->keeper_track[stream - 1]].pan,
	                  &l, &r);
	return send_cue_gains(c, ENGINE_CMD_STREAM_LEVEL, stream, l, r, err);
}

enum rl_status control_set_stream_level(struct control *c, uint32_t stream,
                                        double db, struct error *err)
{
	enum rl_status st = send_stream_level(c, stream, db, err);
	if (st == RL_OK) {
		if (stream == 0)
			c->session->settings.cue_scratch_db = db;
		else
			c->session->tracks[c->keeper_track[stream - 1]].cue_db = db;
		c->mix_dirty = true;
	}
	return st;
}

/* The session's mix (click, cue, monitoring) into the engine, or this
 * run's levels from the config where it has them. Not remembered: it
 * is what the session says, or a one-run override. */
static enum rl_status apply_mix(struct control *c, struct error *err)
{
	const struct session_settings *set = &c->session->settings;
	const struct control_config *cf = &c->config;
	enum rl_status st = send_click_level(
		c, false, cf->has_click_level ? cf->click_level_db
		                              : set->click_level_db, err);
	if (st == RL_OK)
		st = send_click_level(c, true, set->cue_click_db, err);
	if (st == RL_OK)
		st = send_stream_level(c, 0, cf->has_scratch_level
		                             ? cf->scratch_level_db
		                             : set->cue_scratch_db, err);
	for (size_t i = 0; st == RL_OK && i < c->keeper_count; i++) {
		const struct session_track *tr =
			&c->session->tracks[c->keeper_track[i]];
		st = send_stream_level(c, (uint32_t)(i + 1),
		                       cf->has_keeper_level ? cf->keeper_level_db
		                                            : tr->cue_db, err);
	}
	for (uint32_t t = 0; st == RL_OK && t < c->track_count; t++) {
		const struct session_track *tr =
			&c->session->tracks[c->session_track[t]];
		if (c->channel[t] == 0 && (cf->monitor_all || tr->monitor))
			st = send_monitor(c, t, true,
			                  cf->monitor_all ? 0.0 : tr->monitor_db,
			                  err);
	}
	return st;
}

/* Levels changed through the API go to session.json, at most once a
 * second (or now, with force). */
static enum rl_status save_mix(struct control *c, bool force,
                               struct error *err)
{
	if (!c->mix_dirty)
		return RL_OK;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double since = (double)(now.tv_sec - c->mix_saved.tv_sec) +
	               (double)(now.tv_nsec - c->mix_saved.tv_nsec) / 1e9;
	if (!force && since < 1.0)
		return RL_OK;
	c->mix_saved = now;
	enum rl_status st = session_save(c->session, err);
	if (st == RL_OK)
		c->mix_dirty = false; /* else tried again next time */
	return st;
}

size_t control_keeper_count(const struct control *c)
{
	return c->keeper_count;
}

const char *control_keeper_track(const struct control *c, size_t i)
{
	return i < c->keeper_count
	       ? c->session->tracks[c->keeper_track[i]].name : NULL;
}

enum rl_status control_parse_position(const struct control *c,
                                      const char *text, int64_t *frame,
                                      struct error *err)
{
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	char *end = NULL;
	size_t len = strlen(text);
	if (len > 1 && (text[len - 1] == 's' || text[len - 1] == 'f')) {
		errno = 0;
		double v = strtod(text, &end);
		if (end == text + len - 1 && errno == 0 && isfinite(v)) {
			double f = text[len - 1] == 's'
			           ? v * tempo_map_rate(c->map) : v;
			if (fabs(f) < 9e15) {
				*frame = (int64_t)llround(f);
				return RL_OK;
			}
		}
	}
	long long bar = 0, beat = 1, tick = 0;
	int used = 0;
	int n = sscanf(text, "%lld%n|%lld%n|%lld%n", &bar, &used, &beat, &used,
	               &tick, &used);
	if (n >= 1 && used == (int)len) {
		struct tempo_map_bbt bbt = { .bar = bar, .beat = (int32_t)beat,
		                             .tick = (int32_t)tick };
		if (bar < 1 || beat < 1 || beat > INT32_MAX || tick < 0 ||
		    tick >= TEMPO_MAP_TICKS_PER_BEAT ||
		    tempo_map_bbt_to_frame(c->map, &bbt, frame) != RL_OK)
			return error_set(err, RL_ERR_INVALID,
			                 "position '%s': no such bar|beat|tick "
			                 "in the tempo map", text);
		return RL_OK;
	}
	enum rl_status st = tempo_map_section_frame(c->map, text, frame, err);
	if (st == RL_ERR_NOT_FOUND && err) {
		char msg[sizeof err->message];
		snprintf(msg, sizeof msg, "%s", err->message);
		error_set(err, st, "position '%s' is not a bar (17), "
		          "bar|beat|tick (17|3|0), seconds (12.5s), frames "
		          "(48000f) or a section: %s", text, msg);
	}
	return st;
}

const struct session_settings *control_settings(const struct control *c)
{
	return &c->session->settings;
}

void control_position(const struct control *c, struct control_position *out)
{
	struct engine_snapshot snap;
	control_snapshot(c, &snap);
	memset(out, 0, sizeof *out);
	out->frame = snap.timeline;
	if (!c->map)
		return;
	struct tempo_map_beat beat;
	tempo_map_frame_to_bbt(c->map, snap.timeline, &out->bbt);
	tempo_map_beat_at(c->map, snap.timeline, &beat);
	out->beats_per_bar = beat.beats_per_bar;
	out->denominator = beat.denominator;
	out->bpm = tempo_map_bpm_at(c->map, snap.timeline);
	const char *sec = tempo_map_section_at(c->map, snap.timeline);
	snprintf(out->section, sizeof out->section, "%s", sec ? sec : "");
}

uint64_t control_playback_underruns(const struct control *c)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; c->reader && i <= c->keeper_count; i++) {
		struct disk_reader_stats st;
		disk_reader_stats(c->reader, i, &st);
		sum += st.underrun_frames;
	}
	return sum;
}

const struct tempo_map *control_tempo_map(const struct control *c)
{
	return c->map;
}

enum rl_status control_connect_output(struct control *c,
                                      enum engine_output output,
                                      const char *dest, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return jack_backend_connect_output(c->jb, output, dest, err);
}

void control_cycle_part_stats(const struct control *c,
                              enum engine_cycle_part part,
                              struct engine_cycle_stats *out)
{
	if (c->engine)
		engine_cycle_part_stats(c->engine, part, out);
	else
		memset(out, 0, sizeof *out);
}

void control_cycle_writer_stats(const struct control *c,
                                struct engine_cycle_stats *during,
                                struct engine_cycle_stats *outside)
{
	if (c->engine) {
		engine_cycle_writer_stats(c->engine, during, outside);
	} else {
		memset(during, 0, sizeof *during);
		memset(outside, 0, sizeof *outside);
	}
}

uint32_t control_sample_rate(const struct control *c)
{
	return jack_backend_sample_rate(c->jb);
}

/* What control_close() leaves to a frozen JACK server (see there). Never
 * read: without `used` the compiler drops the stores, and LeakSanitizer
 * reports what is kept on purpose as leaked. */
static struct {
	void *jb, *engine, *reader, *map, *click;
} abandoned __attribute__((used));

void control_close(struct control *c)
{
	if (!c)
		return;
	if (takes_open(c)) {
		control_stop(c, 0, NULL);
		control_wait_idle(c, NULL);
	}
	struct error merr;
	if (c->session && save_mix(c, true, &merr) != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", merr.message);
	if (c->server_frozen) {
		/* libjack has no timeout on requests to the server: closing
		 * the client of a frozen server blocks until it wakes, maybe
		 * never, and what its audio thread uses cannot be freed under
		 * a server that may still wake up. The files are finished;
		 * leave the client and the audio thread's memory to the
		 * process exit (kept reachable: this is on purpose). */
		abandoned.jb = c->jb;
		abandoned.engine = c->engine;
		abandoned.reader = c->reader;
		abandoned.map = c->map;
		abandoned.click = c->click;
		disk_writer_free(c->writer);
	} else {
		if (c->jb)
			jack_backend_deactivate(c->jb);
		disk_writer_free(c->writer);
		jack_backend_free(c->jb);
		disk_reader_free(c->reader);
		if (c->engine)
			collect_retired(c);
		engine_free(c->engine);
		tempo_map_free(c->map);
		click_free(c->click);
	}
	free(c->keeper_track);
	free(c->keeper_engine);
	session_free(c->session);
	free(c->session_track);
	free(c->channel);
	free(c->partner);
	free(c->armed);
	/* Last: the session is the next process's once every file is
	 * finalized. */
	session_lock_release(c->lock);
	if (c->log)
		fclose(c->log);
	pthread_mutex_destroy(&c->fe_lock);
	free(c);
}

/* ---------------------------------------------------------------------- */
/* Front-ends                                                             */

void control_lock(struct control *c)
{
	pthread_mutex_lock(&c->fe_lock);
}

void control_unlock(struct control *c)
{
	pthread_mutex_unlock(&c->fe_lock);
}

void control_set_quiet(struct control *c, bool quiet)
{
	c->quiet = quiet;
}

static const char *level_name(enum control_level level)
{
	switch (level) {
	case CONTROL_INFO: return "info";
	case CONTROL_WARNING: return "warning";
	case CONTROL_ERROR: return "error";
	}
	return "?";
}

void control_post(struct control *c, enum control_level level,
                  const char *fmt, ...)
{
	size_t at = (c->msg_head + c->msg_count) % CONTROL_MESSAGES_KEPT;
	if (c->msg_count == CONTROL_MESSAGES_KEPT)
		c->msg_head = (c->msg_head + 1) % CONTROL_MESSAGES_KEPT;
	else
		c->msg_count++;
	struct control_message *m = &c->msgs[at];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	va_end(ap);
	m->level = level;
	m->seq = ++c->msg_seq;

	/* The log outlives the screen: what the status line showed for a
	 * moment is there after the session. */
	if (!c->log) {
		char path[SESSION_PATH_MAX + 16];
		snprintf(path, sizeof path, "%s/redlight.log", c->session_dir);
		c->log = fopen(path, "ae");
	}
	if (c->log) {
		char when[40];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm);
		fprintf(c->log, "%s %s: %s\n", when, level_name(level),
		        m->text);
		fflush(c->log);
	}
	if (!c->quiet && level != CONTROL_INFO)
		fprintf(stderr, "redlight: %s%s\n",
		        level == CONTROL_WARNING ? "warning: " : "", m->text);
}

bool control_next_message(const struct control *c, uint64_t after,
                          struct control_message *out)
{
	for (size_t i = 0; i < c->msg_count; i++) {
		const struct control_message *m =
			&c->msgs[(c->msg_head + i) % CONTROL_MESSAGES_KEPT];
		if (m->seq > after) {
			*out = *m;
			return true;
		}
	}
	return false;
}

/* Engine track of session track index si (its left channel), or -1. */
static int64_t engine_track_of(const struct control *c, size_t si)
{
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (c->session_track[t] == si && c->channel[t] == 0)
			return t;
	}
	return -1;
}

static float meter_dbfs(float amplitude)
{
	return amplitude > 0.0f ? 20.0f * log10f(amplitude) : -INFINITY;
}

/* Free bytes on the session's disk; statvfs at most once a second. */
static double disk_bytes_free(struct control *c)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double since = (double)(now.tv_sec - c->disk_checked.tv_sec) +
	               (double)(now.tv_nsec - c->disk_checked.tv_nsec) / 1e9;
	if (c->disk_bytes_free < 0.0 || since >= 1.0) {
		struct statvfs vfs;
		c->disk_checked = now;
		if (statvfs(c->session_dir, &vfs) == 0)
			c->disk_bytes_free = (double)vfs.f_bavail *
			                     (double)vfs.f_frsize;
	}
	return c->disk_bytes_free;
}

void control_status(struct control *c, struct control_status *out)
{
	*out = (struct control_status){ .punch_in = ENGINE_NO_FRAME,
	                                .punch_out = ENGINE_NO_FRAME,
	                                .disk_seconds_left = INFINITY,
	                                .track_count =
	                                        (uint32_t)c->session->track_count,
	                                .message_seq = c->msg_seq };
	if (c->have_last)
		out->last_take = c->last.number;
	if (!c->engine)
		return;
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	out->transport = snap.transport;
	out->recording = snap.transport == ENGINE_RECORDING && snap.take != 0;
	out->record_armed = snap.record_enabled;
	out->take = snap.transport == ENGINE_RECORDING ? snap.take : 0;
	control_position(c, &out->pos);
	if (snap.count_in_left > 0 && out->pos.bpm > 0.0) {
		double beat = (double)engine_sample_rate(c->engine) * 60.0 /
		              out->pos.bpm * 4.0 /
		              (out->pos.denominator > 0 ? out->pos.denominator
		                                        : 4);
		out->count_in_beats = (uint32_t)ceil((double)snap.count_in_left /
		                                     beat);
	}
	out->click_on = snap.click_on;
	out->loop_on = snap.loop_on;
	out->loop_start = snap.loop_start;
	out->loop_end = snap.loop_end;
	if (snap.record_enabled) {
		out->punch_in = snap.punch_in;
		out->punch_out = snap.punch_out;
	}
	out->sample_rate = engine_sample_rate(c->engine);
	out->buffer_size = jack_backend_buffer_size(c->jb);
	out->xruns = snap.xruns;
	out->dropped_frames = snap.dropped_frames;
	out->playback_underruns = control_playback_underruns(c);
	out->dsp_load_pct = jack_backend_cpu_load(c->jb);
	uint64_t channels = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (!c->armed[t])
			continue;
		struct engine_meter m;
		engine_track_meter(c->engine, t, &m);
		double fill = m.ring_size ? 100.0 * (double)m.ring_fill /
		                            (double)m.ring_size : 0.0;
		if (fill > out->ring_fill_pct)
			out->ring_fill_pct = fill;
		channels++;
		if (c->channel[t] == 0)
			out->armed_tracks++;
	}
	double bytes = disk_bytes_free(c);
	double rate = (double)out->sample_rate * (double)channels *
	              take_format_bytes(c->config.format);
	if (channels > 0 && bytes >= 0.0 && rate > 0.0)
		out->disk_seconds_left = bytes / rate;
}

size_t control_tracks(struct control *c, struct control_track *out,
                      size_t max)
{
	const struct session *s = c->session;
	for (size_t i = 0; i < s->track_count && i < max; i++) {
		const struct session_track *tr = &s->tracks[i];
		struct control_track *o = &out[i];
		*o = (struct control_track){
			.number = (uint32_t)i + 1,
			.stereo = tr->source_right[0] != '\0',
			.rec_safe = tr->rec_safe,
			.monitor = tr->monitor,
			.monitor_db = tr->monitor_db,
			.cue_db = tr->cue_db,
			.peak_dbfs = -INFINITY,
			.hold_dbfs = -INFINITY,
		};
		snprintf(o->name, sizeof o->name, "%s", tr->name);
		snprintf(o->group, sizeof o->group, "%s", tr->group);
		snprintf(o->colour, sizeof o->colour, "%s", tr->colour);
		if (o->stereo)
			snprintf(o->source, sizeof o->source, "%s + %s",
			         tr->source, tr->source_right);
		else
			snprintf(o->source, sizeof o->source, "%s", tr->source);
		struct session_playback pb;
		if (session_playback_of(s, (uint32_t)i + 1, &pb)) {
			o->keeper_take = pb.take;
			o->comp = pb.comp;
		}
		int64_t t = c->engine ? engine_track_of(c, i) : -1;
		if (t < 0)
			continue;
		o->has_input = true;
		o->armed = c->armed[t];
		uint32_t both[2] = { (uint32_t)t, c->partner[t] };
		for (int k = 0; k < 2 && both[k] != UINT32_MAX; k++) {
			struct engine_meter m;
			engine_track_meter(c->engine, both[k], &m);
			float p = meter_dbfs(m.peak), h = meter_dbfs(m.hold);
			o->peak_dbfs = p > o->peak_dbfs ? p : o->peak_dbfs;
			o->hold_dbfs = h > o->hold_dbfs ? h : o->hold_dbfs;
			o->clips += m.clips;
			o->dropped = m.dropped > o->dropped ? m.dropped
			                                    : o->dropped;
		}
	}
	return s->track_count;
}

enum rl_status control_reset_meters(struct control *c, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return send_simple(c, ENGINE_CMD_RESET_METERS, 0, 0, 0, err);
}

uint32_t control_find_track(const struct control *c, const char *name)
{
	int idx = session_find_track(c->session, name);
	if (idx >= 0)
		return (uint32_t)idx + 1;
	char *end;
	unsigned long n = strtoul(name, &end, 10);
	if (name[0] >= '0' && name[0] <= '9' && !*end && n >= 1 &&
	    n <= c->session->track_count)
		return (uint32_t)n;
	return 0;
}

/* The engine track of session track `number`, or an error saying why
 * there is none. */
static enum rl_status input_of(const struct control *c, uint32_t number,
                               uint32_t *t, struct error *err)
{
	if (number == 0 || number > c->session->track_count)
		return error_set(err, RL_ERR_NOT_FOUND, "no track %u (the "
		                 "session has %zu)", number,
		                 c->session->track_count);
	int64_t e = c->engine ? engine_track_of(c, number - 1) : -1;
	if (e < 0)
		return error_set(err, RL_ERR_NOT_FOUND, "track %u (%s) has no "
		                 "input in this run", number,
		                 c->session->tracks[number - 1].name);
	*t = (uint32_t)e;
	return RL_OK;
}

enum rl_status control_arm_track(struct control *c, uint32_t number, bool on,
                                 struct error *err)
{
	uint32_t t = 0;
	enum rl_status st = input_of(c, number, &t, err);
	return st == RL_OK ? control_arm(c, t, on, err) : st;
}

enum rl_status control_monitor_track(struct control *c, uint32_t number,
                                     bool on, double db, struct error *err)
{
	uint32_t t = 0;
	enum rl_status st = input_of(c, number, &t, err);
	return st == RL_OK ? control_monitor(c, t, on, db, err) : st;
}

enum rl_status control_set_track_cue(struct control *c, uint32_t number,
                                     double db, struct error *err)
{
	enum rl_status st = session_set_track_cue(c->session, number - 1, db,
	                                          err);
	if (st != RL_OK)
		return st;
	c->mix_dirty = true;
	for (size_t i = 0; i < c->keeper_count; i++) {
		if (c->keeper_track[i] == number - 1)
			return send_stream_level(c, (uint32_t)(i + 1), db, err);
	}
	return RL_OK;
}

enum rl_status control_record_now(struct control *c, struct error *err)
{
	struct control_record_options o;
	control_record_options_init(&o);
	o.count_in_bars = c->session->settings.count_in_bars;
	o.pre_roll_bars = c->session->settings.pre_roll_bars;
	return control_record(c, &o, err);
}

const struct session *control_session(const struct control *c)
{
	return c->session;
}

/* A change to what tracks play: saved now, heard from the next stop. */
static enum rl_status playback_changed(struct control *c, enum rl_status st,
                                       struct error *err)
{
	if (st == RL_OK)
		st = session_save(c->session, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_take_keep(struct control *c, uint32_t take,
                                 uint32_t track_number, struct error *err)
{
	return playback_changed(c, session_set_keeper(c->session, take,
	                                              track_number, err), err);
}

enum rl_status control_take_rate(struct control *c, uint32_t take,
                                 uint32_t rating, struct error *err)
{
	enum rl_status st = session_take_set_rating(c->session, take, rating,
	                                            err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_take_note(struct control *c, uint32_t take,
                                 const char *text, struct error *err)
{
	enum rl_status st = session_take_set_note(c->session, take, text, err);
	return st == RL_OK ? session_save(c->session, err) : st;
}

enum rl_status control_take_discard(struct control *c, uint32_t take,
                                    struct error *err)
{
	/* session_discard_take() saves by itself. */
	enum rl_status st = session_discard_take(c->session, take, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_take_restore(struct control *c, uint32_t take,
                                    struct error *err)
{
	enum rl_status st = session_restore_take(c->session, take, err);
	if (st == RL_OK)
		c->streams_dirty = true;
	return st;
}

enum rl_status control_use_comp(struct control *c, uint32_t number, bool on,
                                struct error *err)
{
	return playback_changed(c, session_use_comp(c->session, number, on,
	                                            err), err);
}

enum rl_status control_make_comp(struct control *c, uint32_t track_number,
                                 uint32_t base_take,
                                 const struct comp_choice *choices,
                                 size_t count, double fade_ms,
                                 uint32_t *number, struct error *err)
{
	if (c->open_count > 0)
		return error_set(err, RL_ERR_STATE, "not while recording: a "
		                 "comp is rendered when the take is done");
	if (!c->map)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	return playback_changed(c, comp_make(c->session, c->map, track_number,
	                                     base_take, choices, count,
	                                     fade_ms, number, err), err);
}
