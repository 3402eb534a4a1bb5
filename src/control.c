/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/control.h"

#include "redlight/disk_writer.h"
#include "redlight/jack_backend.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct control {
	struct control_config config;
	char session_dir[SESSION_PATH_MAX];
	struct session *session;
	struct jack_backend *jb;
	struct engine *engine;
	struct disk_writer *writer;

	uint32_t track_count;     /* engine tracks */
	size_t *session_track;    /* engine track -> index in session */
	bool *armed;

	bool recording;           /* a take is recording or finishing */
	uint32_t take;
	uint64_t xruns_at_start;
	bool stop_sent;
	bool failure_handled;
	bool jack_dead_handled;
	bool have_last;
	struct control_take_summary last;
};

enum rl_status control_open(const struct control_config *config,
                            struct control **out, struct error *err)
{
	*out = NULL;
	struct control *c = calloc(1, sizeof *c);
	if (!c)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	c->config = *config;
	if (!c->config.client_name)
		c->config.client_name = "redlight";
	if (c->config.buffer_seconds <= 0)
		c->config.buffer_seconds = 4.0;
	snprintf(c->session_dir, sizeof c->session_dir, "%s",
	         config->session_dir);
	c->config.session_dir = c->session_dir;
	enum rl_status st = session_open(c->session_dir, &c->session, err);
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

enum rl_status control_start_with_sources(struct control *c,
                                          const char *const *sources,
                                          size_t count, struct error *err)
{
	if (count == 0)
		return error_set(err, RL_ERR_INVALID, "no tracks to record");
	if (c->engine)
		return error_set(err, RL_ERR_STATE, "already started");
	c->session_track = calloc(count, sizeof *c->session_track);
	c->armed = calloc(count, sizeof *c->armed);
	const char **names = calloc(count, sizeof *names);
	char (*namebuf)[SESSION_NAME_MAX] = calloc(count, sizeof *namebuf);
	enum rl_status st = RL_OK;
	if (!c->session_track || !c->armed || !names || !namebuf)
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
	for (size_t i = 0; st == RL_OK && i < count; i++) {
		track_name_for(sources, count, i, namebuf[i], sizeof namebuf[i]);
		names[i] = namebuf[i];
		int idx = session_find_track(c->session, namebuf[i]);
		if (idx >= 0) {
			c->session_track[i] = (size_t)idx;
			snprintf(c->session->tracks[idx].source,
			         sizeof c->session->tracks[idx].source, "%s",
			         sources[i]);
		} else {
			st = session_add_track(c->session, namebuf[i], sources[i],
			                       &c->session_track[i], err);
		}
	}
	uint32_t rate = jack_backend_sample_rate(c->jb);
	if (st == RL_OK && c->session->sample_rate &&
	    c->session->sample_rate != rate)
		fprintf(stderr, "redlight: note: session %s was recorded at %u Hz, "
		        "JACK runs at %u Hz\n", c->session_dir,
		        c->session->sample_rate, rate);
	if (st == RL_OK) {
		c->session->sample_rate = rate;
		c->session->format = c->config.format;
		st = session_save(c->session, err);
	}
	if (st == RL_OK) {
		struct engine_config ec = {
			.track_count = (uint32_t)count,
			.sample_rate = rate,
			.ring_frames = (size_t)(c->config.buffer_seconds * rate),
		};
		st = engine_new(&ec, &c->engine, err);
	}
	if (st == RL_OK) {
		c->track_count = (uint32_t)count;
		if (!engine_memory_locked(c->engine))
			fprintf(stderr, "redlight: warning: could not lock the "
			        "record buffers in memory (raise the memlock "
			        "limit); page faults may cause dropouts\n");
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
		st = jack_backend_attach(c->jb, c->engine, names, count, err);
	if (st == RL_OK)
		st = jack_backend_activate(c->jb, err);
	for (size_t i = 0; st == RL_OK && i < count; i++)
		st = jack_backend_connect(c->jb, (uint32_t)i, sources[i], err);
	for (uint32_t i = 0; st == RL_OK && i < count; i++)
		st = control_arm(c, i, true, err);
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
	/* The set of files of a take is fixed when it starts. */
	if (c->recording)
		return error_set(err, RL_ERR_STATE,
		                 "cannot change arming while recording");
	struct engine_command cmd = { .type = ENGINE_CMD_ARM, .track = t,
	                              .value = on };
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK)
		c->armed[t] = on;
	return st;
}

enum rl_status control_record(struct control *c, uint64_t at,
                              uint64_t length, struct error *err)
{
	if (!c->engine)
		return error_set(err, RL_ERR_STATE, "recorder not started");
	if (c->recording)
		return error_set(err, RL_ERR_STATE, "already recording");
	char reason[256];
	if (jack_backend_dead(c->jb, reason, sizeof reason))
		return error_set(err, RL_ERR_JACK, "%s", reason);
	size_t armed = 0;
	for (uint32_t t = 0; t < c->track_count; t++)
		armed += c->armed[t];
	if (armed == 0)
		return error_set(err, RL_ERR_STATE, "no track is armed");

	uint32_t number;
	char take_dir[SESSION_PATH_MAX];
	enum rl_status st = session_reserve_take(c->session, &number, take_dir,
	                                         sizeof take_dir, err);
	if (st != RL_OK)
		return st;

	struct disk_writer_track *wt = calloc(armed, sizeof *wt);
	char (*paths)[SESSION_PATH_MAX] = calloc(armed, sizeof *paths);
	char (*rel)[SESSION_PATH_MAX] = calloc(armed, sizeof *rel);
	struct session_take take = { .number = number };
	take.files = calloc(armed, sizeof *take.files);
	if (!wt || !paths || !rel || !take.files) {
		st = error_set(err, RL_ERR_NOMEM, "out of memory");
		goto out;
	}
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	size_t k = 0;
	for (uint32_t t = 0; t < c->track_count; t++) {
		if (!c->armed[t])
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
		};
		struct session_take_file *f = &take.files[k];
		f->track = (uint32_t)si + 1;
		snprintf(f->track_name, sizeof f->track_name, "%s", tr->name);
		snprintf(f->path, sizeof f->path, "%s", rel[k]);
		f->peak_dbfs = -INFINITY;
		k++;
	}
	take.file_count = k;
	st = disk_writer_prepare_take(c->writer, number, wt, k, err);
	if (st != RL_OK)
		goto out;
	/* The take is in session.json before a single frame is recorded, so
	 * `redlight recover` finds it after a crash. */
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(take.started_at, sizeof take.started_at, "%Y-%m-%dT%H:%M:%S%z",
	         &tm);
	take.start_frame = snap.timeline;
	take.sample_rate = engine_sample_rate(c->engine);
	take.format = c->config.format;
	take.complete = false;
	st = session_put_take(c->session, &take, err);
	if (st == RL_OK)
		st = session_save(c->session, err);
	if (st != RL_OK)
		goto out; /* files exist but stay empty; the writer frees them */
	struct engine_command cmd = { .type = ENGINE_CMD_RECORD,
	                              .value = number, .at = at,
	                              .length = length };
	st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK) {
		c->recording = true;
		c->take = number;
		c->stop_sent = false;
		c->failure_handled = false;
		c->xruns_at_start = snap.xruns;
	}
out:
	free(wt);
	free(paths);
	free(rel);
	free(take.files);
	return st;
}

enum rl_status control_stop(struct control *c, uint64_t at,
                            struct error *err)
{
	if (!c->recording || c->stop_sent)
		return RL_OK;
	struct engine_command cmd = { .type = ENGINE_CMD_STOP, .at = at };
	enum rl_status st = engine_send(c->engine, &cmd, err);
	if (st == RL_OK)
		c->stop_sent = true;
	return st;
}

static void take_finished(struct control *c, struct session_take *take)
{
	struct engine_snapshot snap;
	engine_snapshot(c->engine, &snap);
	take->xruns = snap.xruns - c->xruns_at_start;
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
	if (take->number == c->take)
		c->recording = false;
}

enum rl_status control_poll(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	if (!c->engine)
		return RL_OK;
	char reason[256];
	if (c->recording && !c->jack_dead_handled &&
	    jack_backend_dead(c->jb, reason, sizeof reason)) {
		/* The audio thread is gone: everything it published is in
		 * the rings; finish the take at the last published length. */
		struct engine_snapshot snap;
		engine_snapshot(c->engine, &snap);
		disk_writer_force_stop(c->writer, snap.take_frames, reason);
		c->jack_dead_handled = true;
		result = error_set(err, RL_ERR_JACK, "%s", reason);
	}
	struct error werr;
	if (c->recording && !c->failure_handled &&
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
	return result;
}

enum rl_status control_wait_idle(struct control *c, struct error *err)
{
	enum rl_status result = RL_OK;
	while (c->writer && c->recording) {
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
	return c->recording;
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

uint32_t control_sample_rate(const struct control *c)
{
	return jack_backend_sample_rate(c->jb);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	if (c->recording) {
		control_stop(c, 0, NULL);
		control_wait_idle(c, NULL);
	}
	if (c->jb)
		jack_backend_deactivate(c->jb);
	disk_writer_free(c->writer);
	jack_backend_free(c->jb);
	engine_free(c->engine);
	session_free(c->session);
	free(c->session_track);
	free(c->armed);
	free(c);
}
