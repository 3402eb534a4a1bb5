/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * make-session DIR [--takes N] [--tracks T] [--frames F] [--orphans K]
 *              [--sparse]: a session as a week of tracking leaves it, for the long-session tests and
 * benchmark (tests/e2e/long_session.sh, scripts/bench
 * --long-session-only).
 *
 * T tracks out_1..out_T on redlight-source's ports, and N complete takes
 * of every track, each a real take folder takes/NNN/ with one small WAV
 * per track (F frames of 24-bit PCM with a bext time reference, what
 * the disk writer makes, only short) and an entry in session.json like
 * the recorder writes: peaks read from the samples, ratings, notes,
 * markers, xrun markers and dropped ranges here and there, one keeper
 * per track. Every 50th take is discarded (its folder in trash/, as
 * `redlight takes discard` leaves it), so the trash is not empty either.
 * With --sparse, only the takes redlight reads files of get them (the
 * tracks' keepers, the newest ten, the orphans); the others' folders are
 * empty: 32 000 small files take a busy disk half a minute to make, and
 * opening, listing and saving a session read none of them (the tests use
 * it; the benchmark has every file).
 * With --orphans, the last K takes have their folders and files but no
 * entry in session.json, as a crash between a take's start and the save
 * of its entry leaves them (`redlight recover` adopts them). Nothing is
 * random: the same arguments make the same session.
 *
 * session.json is written once, at the end, through session_save(): the
 * file is exactly what redlight would write. DIR must not hold a session
 * yet (nothing is overwritten). The WAVs are not fsynced: this is test
 * data, made in seconds rather than one fsync per file.
 */
#include "redlight/session.h"
#include "redlight/take_file.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define RATE 48000u

struct options {
	const char *dir;
	unsigned takes, tracks, frames, orphans;
	bool sparse;
};

static int usage(void)
{
	fputs("usage: make-session DIR [--takes N] [--tracks T] "
	      "[--frames F] [--orphans K] [--sparse]\n", stderr);
	return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .takes = 1000, .tracks = 32, .frames = 480 };
	for (int i = 1; i < argc; i++) {
		unsigned *v = !strcmp(argv[i], "--takes") ? &o->takes
		            : !strcmp(argv[i], "--tracks") ? &o->tracks
		            : !strcmp(argv[i], "--frames") ? &o->frames
		            : !strcmp(argv[i], "--orphans") ? &o->orphans
		            : NULL;
		if (!strcmp(argv[i], "--sparse")) {
			o->sparse = true;
		} else if (v && i + 1 < argc) {
			char *end;
			unsigned long n = strtoul(argv[++i], &end, 10);
			if (*end || (n == 0 && v != &o->takes &&
			             v != &o->orphans) || n > 100000)
				return usage();
			*v = (unsigned)n;
		} else if (!v && !o->dir && argv[i][0] != '-') {
			o->dir = argv[i];
		} else {
			return usage();
		}
	}
	return o->dir && o->orphans <= o->takes ? 0 : usage();
}

/* F frames of a quiet tone, louder on some tracks and takes, so peaks
 * and headroom flags differ as they would. Returns the linear peak. */
static float fill(float *buf, unsigned frames, unsigned take,
                  unsigned track)
{
	float amp = 0.05f + 0.9f * (float)((take * 7 + track * 13) % 17) / 17;
	float peak = 0;
	for (unsigned i = 0; i < frames; i++) {
		buf[i] = amp * sinf(2.0f * 3.14159265f * 220.0f * (float)(track + 1) *
		                    (float)i / RATE);
		peak = fabsf(buf[i]) > peak ? fabsf(buf[i]) : peak;
	}
	return peak;
}

static int write_wav(const char *path, const float *buf, unsigned frames,
                     uint64_t time_reference, const struct tm *when)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		fprintf(stderr, "make-session: %s exists: not overwritten\n",
		        path);
		return -1;
	}
	SF_INFO info = { .samplerate = RATE, .channels = 1,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, "make-session: %s: %s\n", path,
		        sf_strerror(NULL));
		return -1;
	}
	SF_BROADCAST_INFO bext;
	memset(&bext, 0, sizeof bext);
	snprintf(bext.description, sizeof bext.description, "%s",
	         "make-session");
	memcpy(bext.originator, "redlight", 8);
	char date[16], clock[16];
	strftime(date, sizeof date, "%Y-%m-%d", when);
	strftime(clock, sizeof clock, "%H:%M:%S", when);
	memcpy(bext.origination_date, date, sizeof bext.origination_date);
	memcpy(bext.origination_time, clock, sizeof bext.origination_time);
	bext.time_reference_low = (uint32_t)time_reference;
	bext.time_reference_high = (uint32_t)(time_reference >> 32);
	bext.version = 1;
	sf_command(sf, SFC_SET_BROADCAST_INFO, &bext, sizeof bext);
	sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	int rc = sf_writef_float(sf, buf, frames) == (sf_count_t)frames ? 0 : -1;
	if (rc)
		fprintf(stderr, "make-session: %s: %s\n", path, sf_strerror(sf));
	if (sf_close(sf) != 0)
		rc = -1;
	return rc;
}

/* The entry and the files of take `n`. */
static int make_take(struct session *s, const struct options *o,
                     unsigned n, float *buf, struct session_take *t,
                     struct session_dropped_range *ranges)
{
	uint32_t number;
	char dir[SESSION_PATH_MAX];
	struct error err;
	if (session_reserve_take(s, &number, dir, sizeof dir, &err) != RL_OK) {
		fprintf(stderr, "make-session: %s\n", err.message);
		return -1;
	}
	/* A take every 90 s of a week of sessions, 3 minutes apart on the
	 * timeline (songs start over, so positions repeat). */
	time_t when = (time_t)1740823200 + (time_t)n * 90;
	struct tm tm;
	gmtime_r(&when, &tm);
	memset(t->files, 0, o->tracks * sizeof *t->files);
	struct session_take_file *files = t->files;
	struct session_xrun_marker *xm = t->xrun_markers;
	struct session_marker *mk = t->markers;
	*t = (struct session_take){
		.number = number, .sample_rate = RATE,
		.start_frame = (uint64_t)(n % 20) * 180 * RATE,
		.length = o->frames, .format = TAKE_FORMAT_PCM24,
		.complete = true, .rating = n % 3 ? 0 : n % 6,
		.latency_correction = 512, .files = files,
		.file_count = o->tracks,
	};
	strftime(t->started_at, sizeof t->started_at, "%Y-%m-%dT%H:%M:%S+0000",
	         &tm);
	if (n % 10 == 0)
		snprintf(t->note, sizeof t->note, "take %u: %s", number,
		         n % 20 ? "good energy, pitchy chorus" : "keeper?");
	if (n % 7 == 0) {
		*xm = (struct session_xrun_marker){ t->start_frame + 100, 256 };
		t->xrun_markers = xm;
		t->xrun_marker_count = 1;
		t->xruns = 1;
	}
	if (n % 5 == 0) {
		*mk = (struct session_marker){ .frame = t->start_frame + 10 };
		snprintf(mk->name, sizeof mk->name, "idea %u", number);
		t->markers = mk;
		t->marker_count = 1;
	}
	for (unsigned k = 0; k < o->tracks; k++) {
		struct session_take_file *f = &files[k];
		f->track = k + 1;
		snprintf(f->track_name, sizeof f->track_name, "out_%u", k + 1);
		session_take_file_relpath(number, k + 1, f->track_name,
		                          f->path, sizeof f->path);
		float peak = fill(buf, o->frames, n, k);
		f->peak_dbfs = take_file_peak_dbfs(peak);
		/* Track k's keeper is take k + 1. */
		f->keeper = n == k + 1;
		if (n % 13 == 0 && k == n % o->tracks) {
			ranges[k] = (struct session_dropped_range){
				t->start_frame + 64, 64 };
			f->dropped_ranges = &ranges[k];
			f->dropped_range_count = 1;
			f->dropped_frames = 64;
			t->dropped_frames += 64;
		}
		char path[2 * SESSION_PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", s->dir, f->path);
		if (!o->sparse || n <= o->tracks || n + 10 > o->takes)
			if (write_wav(path, buf, o->frames, t->start_frame,
			              &tm) != 0)
				return -1;
	}
	/* Every 50th to the trash, not one that will be an orphan. */
	if (n % 50 == 0 && n > o->tracks && n <= o->takes - o->orphans) {
		char rel[SESSION_NAME_MAX];
		if (session_trash_take_dir_to(s, number, rel, sizeof rel,
		                              &err) != RL_OK) {
			fprintf(stderr, "make-session: %s\n", err.message);
			return -1;
		}
		t->discarded = true;
		snprintf(t->trash_dir, sizeof t->trash_dir, "%s", rel);
	}
	if (session_put_take(s, t, &err) != RL_OK) {
		fprintf(stderr, "make-session: %s\n", err.message);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	char file[SESSION_PATH_MAX + 16];
	snprintf(file, sizeof file, "%s/session.json", o.dir);
	struct stat st;
	if (stat(file, &st) == 0) {
		fprintf(stderr, "make-session: %s exists: not overwritten\n",
		        file);
		return 1;
	}
	struct session *s;
	struct error err;
	if (session_open(o.dir, &s, &err) != RL_OK) {
		fprintf(stderr, "make-session: %s\n", err.message);
		return 1;
	}
	s->sample_rate = RATE; /* as after its first take */
	for (unsigned k = 0; k < o.tracks; k++) {
		char name[SESSION_NAME_MAX], source[64];
		snprintf(name, sizeof name, "out_%u", k + 1);
		snprintf(source, sizeof source, "redlight-source:out_%u", k + 1);
		if (session_add_track(s, name, source, NULL, &err) != RL_OK) {
			fprintf(stderr, "make-session: %s\n", err.message);
			session_free(s);
			return 1;
		}
	}
	float *buf = malloc(o.frames * sizeof *buf);
	struct session_take t = {
		.files = malloc(o.tracks * sizeof *t.files),
		.xrun_markers = malloc(sizeof *t.xrun_markers),
		.markers = malloc(sizeof *t.markers),
	};
	struct session_dropped_range *ranges = malloc(o.tracks *
	                                              sizeof *ranges);
	struct session_take_file *files = t.files;
	struct session_xrun_marker *xm = t.xrun_markers;
	struct session_marker *mk = t.markers;
	rc = buf && files && xm && mk && ranges ? 0 : 1;
	for (unsigned n = 1; rc == 0 && n <= o.takes; n++) {
		t.files = files;
		t.xrun_markers = xm;
		t.markers = mk;
		rc = make_take(s, &o, n, buf, &t, ranges) ? 1 : 0;
	}
	/* The session's timeline markers: the takes' ones, as recording
	 * leaves them. */
	for (size_t i = 0; rc == 0 && i < s->take_count; i++) {
		const struct session_take *tk = &s->takes[i];
		for (size_t m = 0; m < tk->marker_count; m++)
			if (session_add_marker(s, tk->markers[m].frame,
			                       tk->markers[m].name, tk->number,
			                       NULL, &err) != RL_OK) {
				fprintf(stderr, "make-session: %s\n",
				        err.message);
				rc = 1;
			}
	}
	/* The newest ones' entries never saved: folders only. */
	for (unsigned k = 0; rc == 0 && k < o.orphans; k++) {
		uint32_t n = s->takes[s->take_count - 1].number;
		for (size_t m = s->marker_count; m-- > 0;)
			if (s->markers[m].take == n)
				session_remove_marker(s, m, NULL);
		session_remove_take(s, n);
	}
	if (rc == 0 && session_save(s, &err) != RL_OK) {
		fprintf(stderr, "make-session: %s\n", err.message);
		rc = 1;
	}
	if (rc == 0)
		printf("%s: %zu takes of %u tracks\n", o.dir, s->take_count,
		       o.tracks);
	free(buf);
	free(files);
	free(xm);
	free(mk);
	free(ranges);
	session_free(s);
	return rc;
}
