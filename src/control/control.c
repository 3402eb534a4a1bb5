/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control layer's lifecycle: control_open() takes the session's lock,
 * reads session.json and connects to JACK; control_start_with_sources()
 * finds or makes a session track for every source port, builds the engine,
 * the disk writer and reader, loads the tempo map and the click, and wires
 * it all to JACK; control_close() takes it down in order. The other files
 * of src/control/ work on what is made here (control_internal.h).
 */
#include "control_internal.h"

#include "redlight/click.h"
#include "redlight/disk_reader.h"
#include "redlight/disk_writer.h"
#include "redlight/jack_backend.h"
#include "redlight/session_lock.h"
#include "redlight/tempo_map.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	c->loop_start = c->loop_end = ENGINE_NO_FRAME; /* no range yet */
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
	/* The recorder's saves go through a thread of their own, so none
	 * holds up a take's start or stop (session_save_later()). */
	if (st == RL_OK)
		st = session_saver_start(c->session, err);
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

/* CONTROL_EXISTING: session.json must be there; CONTROL_NEW: it must
 * not (checked again under the lock: nobody made it meanwhile). */
static enum rl_status check_session_file(const char *dir,
                                         enum control_offline mode,
                                         struct error *err)
{
	char path[SESSION_PATH_MAX + 32];
	struct stat st;
	snprintf(path, sizeof path, "%s/session.json", dir);
	bool there = stat(path, &st) == 0;
	int e = errno;
	if (mode == CONTROL_NEW && there)
		return error_set(err, RL_ERR_EXISTS, "%s is already a session "
		                 "(it has a session.json); not touching it", dir);
	if (mode == CONTROL_EXISTING && !there && (e == ENOENT || e == ENOTDIR))
		return error_set(err, RL_ERR_NOT_FOUND, "%s is not a redlight "
		                 "session (no %s)", dir, path);
	if (mode == CONTROL_EXISTING && !there)
		return error_set(err, RL_ERR_IO, "cannot read %s: %s", path,
		                 strerror(e));
	return RL_OK;
}

enum rl_status control_open_offline(const char *dir, const char *who,
                                    enum control_offline mode,
                                    struct control **out, struct error *err)
{
	*out = NULL;
	enum rl_status st = RL_OK;
	if (mode == CONTROL_EXISTING)
		st = check_session_file(dir, mode, err);
	if (st != RL_OK)
		return st;
	struct control *c = calloc(1, sizeof *c);
	if (!c)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&c->fe_lock, NULL);
	c->disk_bytes_free = -1.0;
	c->loop_start = c->loop_end = ENGINE_NO_FRAME; /* no range yet */
	snprintf(c->session_dir, sizeof c->session_dir, "%s", dir);
	c->config.session_dir = c->session_dir;
	st = session_lock_acquire(c->session_dir, who, &c->lock, err);
	if (st == RL_OK)
		st = check_session_file(c->session_dir, mode, err);
	/* A new session.json is written by session_open() itself. */
	if (st == RL_OK)
		st = session_open(c->session_dir, &c->session, err);
	if (st == RL_OK)
		control_load_offline_map(c);
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

enum rl_status control_send_simple(struct control *c, uint32_t type,
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

/*
 * The session track source port i records into, and the name of its
 * JACK input port (`name`, of `size`): in_<track>, in_<track>.L / .R for
 * stereo. Sets c->session_track[i] and c->channel[i]; may add a session
 * track, or make a port named like a mono track that track's input.
 */
static enum rl_status track_for_source(struct control *c,
                                       const char *const *sources,
                                       size_t count, size_t i, char *name,
                                       size_t size, struct error *err)
{
	/* A session made from a template names its tracks (kick,
	 * snare...) and their ports: a port that is some track's
	 * input records into that track. */
	int idx = track_with_source(c->session, sources[i], &c->channel[i]);
	const struct session_track *st_tr =
		idx >= 0 ? &c->session->tracks[idx] : NULL;
	/* Port names in_<track>, in_<track>.L / .R for stereo. */
	if (st_tr && st_tr->source_right[0])
		snprintf(name, size, "%.*s.%c", SESSION_NAME_MAX - 3,
		         st_tr->name, c->channel[i] ? 'R' : 'L');
	else if (st_tr)
		snprintf(name, size, "%s", st_tr->name);
	else
		track_name_for(sources, count, i, name, size);
	if (st_tr) {
		c->session_track[i] = (size_t)idx;
	} else if ((idx = session_find_track(c->session, name)) >= 0 &&
	           !c->session->tracks[idx].source_right[0]) {
		/* A port named like a track records into it, as its (mono)
		 * input from now on. */
		struct session_track *tr = &c->session->tracks[idx];
		c->session_track[i] = (size_t)idx;
		snprintf(tr->source, sizeof tr->source, "%s", sources[i]);
		tr->source_right[0] = '\0';
	} else if (idx >= 0) {
		/* Never turn a stereo track mono behind the engineer's
		 * back. */
		const struct session_track *tr = &c->session->tracks[idx];
		return error_set(err, RL_ERR_EXISTS, "port %s is named like "
		                 "stereo track %s, whose inputs are %s + %s: "
		                 "record those, or give the track new inputs "
		                 "(redlight tracks input)", sources[i],
		                 tr->name, tr->source, tr->source_right);
	} else {
		return session_add_track(c->session, name, sources[i],
		                         &c->session_track[i], err);
	}
	return RL_OK;
}

/* The session records at JACK's rate in the configured format from now
 * on: say so if it was recorded at another rate, and save it. */
static enum rl_status save_session_format(struct control *c, uint32_t rate,
                                          struct error *err)
{
	if (c->session->sample_rate && c->session->sample_rate != rate)
		control_post(c, CONTROL_WARNING, "session %s was recorded "
		             "at %u Hz, JACK runs at %u Hz", c->session_dir,
		             c->session->sample_rate, rate);
	c->session->sample_rate = rate;
	c->session->format = c->config.format;
	return session_save(c->session, err);
}

/* The playback side: which tracks play a keeper, the disk reader with a
 * stream for the scratch and for every session track (one that has
 * nothing to play yet may get a keeper while we run), and the port names
 * in *play_names (control_free_stream_names()). */
static enum rl_status open_playback(struct control *c, size_t count,
                                    uint32_t rate, char ***play_names,
                                    struct error *err)
{
	enum rl_status st = RL_OK;
	if (control_find_keepers(c, count) != RL_OK)
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	if (st == RL_OK) {
		struct disk_reader_config rc = {
			.sample_rate = rate,
			.stream_count = (uint32_t)c->stream_slots,
			.ring_frames = (size_t)(c->config.buffer_seconds * rate),
		};
		st = disk_reader_new(&rc, &c->reader, err);
	}
	if (st == RL_OK)
		st = control_set_streams(c, err);
	if (st == RL_OK && !(*play_names = control_stream_names(c)))
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	return st;
}

/* The recording side: the engine for `count` tracks (rings locked in
 * memory if the limit allows) and the disk writer draining it. */
static enum rl_status open_recorder(struct control *c, size_t count,
                                    uint32_t rate, struct error *err)
{
	struct engine_config ec = {
		.track_count = (uint32_t)count,
		.sample_rate = rate,
		.ring_frames = (size_t)(c->config.buffer_seconds * rate),
		.pre_record_frames =
			(size_t)(c->config.pre_record_seconds * rate),
		.reader = c->reader,
		.stream_track = c->keeper_engine,
	};
	enum rl_status st = engine_new(&ec, &c->engine, err);
	if (st != RL_OK)
		return st;
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
	return st;
}

/* Give the engine to JACK (input ports `names`, the playback ports) and
 * set it going: the first locate, the transport mode, activation, the
 * sources connected (control_inputs_init() has them), the tracks armed,
 * the session's mix. */
static enum rl_status start_jack(struct control *c,
                                 const char *const *names, size_t count,
                                 char **play_names, struct error *err)
{
	enum rl_status st = jack_backend_attach(
		c->jb, c->engine, names, count,
		(const char *const *)play_names, c->stream_slots, err);
	/* The streams (open_playback()) play from the first locate on. */
	if (st == RL_OK)
		st = control_send_simple(c, ENGINE_CMD_LOCATE, 0, 0, 0, err);
	if (st == RL_OK && c->config.transport != JACK_TRANSPORT_INTERNAL)
		st = jack_backend_set_transport(c->jb, c->config.transport, err);
	if (st == RL_OK)
		st = jack_backend_activate(c->jb, err);
	if (st == RL_OK)
		st = control_connect_inputs(c, err);
	/* Every track is armed except the rec-safe ones, which only play,
	 * and those without their input yet (armed when it comes). */
	for (uint32_t i = 0; st == RL_OK && i < count; i++)
		if (!c->session->tracks[c->session_track[i]].rec_safe &&
		    c->channel[i] == 0 && !control_input_absent(c, i))
			st = control_arm(c, i, true, err);
	if (st == RL_OK)
		st = control_apply_mix(c, err);
	return st;
}

enum rl_status control_start_with_sources(struct control *c,
                                          const char *const *sources,
                                          size_t count, struct error *err)
{
	if (count == 0)
		return error_set(err, RL_ERR_INVALID, "no tracks to record");
	if (c->engine)
		return error_set(err, RL_ERR_STATE, "already started");
	if (!c->jb)
		return error_set(err, RL_ERR_JACK, "no JACK server");
	enum rl_status kst = control_keep_sources(c, sources, count, err);
	if (kst != RL_OK)
		return kst;
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
		names[i] = namebuf[i];
		st = track_for_source(c, sources, count, i, namebuf[i],
		                      sizeof namebuf[i], err);
	}
	if (st == RL_OK)
		st = pair_channels(c, count, err);
	if (st == RL_OK)
		st = control_inputs_init(c, sources, count, err);
	uint32_t rate = jack_backend_sample_rate(c->jb);
	if (st == RL_OK)
		st = save_session_format(c, rate, err);
	char **play_names = NULL;
	if (st == RL_OK)
		st = open_playback(c, count, rate, &play_names, err);
	if (st == RL_OK)
		st = open_recorder(c, count, rate, err);
	if (st == RL_OK)
		st = load_map_and_click(c, rate, err);
	if (st == RL_OK)
		st = start_jack(c, names, count, play_names, err);
	control_free_stream_names(c, play_names);
	free(names);
	free(namebuf);
	return st;
}

enum rl_status control_connect_output(struct control *c,
                                      enum engine_output output,
                                      const char *dest, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	enum rl_status st = jack_backend_connect_output(c->jb, output, dest,
	                                                err);
	if (st == RL_OK)
		control_keep_link(c, output, dest);
	return st;
}

/* What control_close() leaves to a frozen JACK server (see there). Never
 * read: without `used` the compiler drops the stores, and LeakSanitizer
 * reports what is kept on purpose as leaked. */
static struct {
	void *jb, *engine, *reader, *map, *click;
} abandoned __attribute__((used));

void control_free_recorder(struct control *c)
{
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
			control_collect_retired(c);
		engine_free(c->engine);
		tempo_map_free(c->map);
		click_free(c->click);
	}
	c->jb = NULL;
	c->engine = NULL;
	c->writer = NULL;
	c->reader = NULL;
	c->map = NULL;
	c->click = NULL;
	free(c->keeper_track);
	free(c->keeper_engine);
	free(c->stream_mute_sent);
	free(c->session_track);
	free(c->channel);
	free(c->partner);
	free(c->armed);
	free(c->inputs);
	c->keeper_track = NULL;
	c->keeper_engine = NULL;
	c->session_track = NULL;
	c->channel = NULL;
	c->partner = NULL;
	c->armed = NULL;
	c->inputs = NULL;
	c->stream_mute_sent = NULL;
	c->keeper_count = 0;
	c->stream_slots = 0;
	c->track_count = 0;
	/* A listen-back does not outlive its recorder: the next one starts
	 * from the keepers. */
	memset(&c->listen, 0, sizeof c->listen);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	if (control_takes_open(c)) {
		control_stop(c, 0, NULL);
		control_wait_idle(c, NULL);
	}
	struct error merr;
	if (c->session && control_save_mix(c, true, &merr) != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", merr.message);
	/* The saver's last write failed: once more, before it is too late. */
	else if (c->session && (c->save_failing ||
	                        session_save_failing(c->session)) &&
	         session_save(c->session, &merr) != RL_OK)
		control_post(c, CONTROL_ERROR, "%s", merr.message);
	control_free_recorder(c);
	session_free(c->session);
	control_free_names(c->start_sources);
	/* Last: the session is the next process's once every file is
	 * finalized. */
	session_lock_release(c->lock);
	if (c->log)
		fclose(c->log);
	pthread_mutex_destroy(&c->fe_lock);
	free(c);
}
