/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Take folders session.json does not name, made takes again from their
 * files (session_adopt_take_dirs(), for `redlight recover`).
 *
 * Why there can be one: a take's entry reaches session.json through the
 * saver thread right after the command that starts the take
 * (control_takes.c, session_save_later()), milliseconds later -- the
 * start does not wait for the disk. A crash in between, or a save that
 * failed, leaves takes/NNN/ with its files and no entry. The files say
 * everything the entry would: the folder its number, each file name its
 * track (TT-name.wav), the bext chunk where it starts and when it was
 * recorded, the WAV header its rate and format, the real length its
 * frames (take_file_recover() repairs the header first).
 *
 * Threads: the caller's (the main thread of `redlight recover`).
 */
#include "session_internal.h"

#include "redlight/take_file.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void session_scan_levels(const char *path, struct session_take_file *f)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return;
	float buf[4096];
	float peak = 0;
	uint64_t clips = 0;
	sf_count_t n;
	const float full = 8388607.0f / 8388608.0f;
	while ((n = sf_read_float(sf, buf, 4096)) > 0) {
		for (sf_count_t i = 0; i < n; i++) {
			float a = fabsf(buf[i]);
			peak = a > peak ? a : peak;
			clips += a >= full;
		}
	}
	sf_close(sf);
	f->peak_dbfs = take_file_peak_dbfs(peak);
	f->clips = clips;
}

/* "123" and nothing else: a take folder's name. */
static bool number_name(const char *name, uint32_t *out)
{
	char *end;
	if (name[0] < '0' || name[0] > '9')
		return false;
	unsigned long long n = strtoull(name, &end, 10);
	if (*end || n == 0 || n > UINT32_MAX)
		return false;
	*out = (uint32_t)n;
	return true;
}

/* "07-kick.wav": track 7, named kick. */
static bool take_file_name(const char *name, uint32_t *track, char *track_name)
{
	size_t len = strlen(name);
	char *end;
	if (len < 7 || strcmp(name + len - 4, ".wav") ||
	    name[0] < '0' || name[0] > '9')
		return false;
	unsigned long t = strtoul(name, &end, 10);
	if (*end != '-' || t == 0 || t > UINT32_MAX ||
	    (size_t)(name + len - 4 - (end + 1)) >= SESSION_NAME_MAX)
		return false;
	*track = (uint32_t)t;
	size_t n = (size_t)(name + len - 4 - (end + 1));
	memcpy(track_name, end + 1, n);
	track_name[n] = '\0';
	return true;
}

static int by_track(const void *a, const void *b)
{
	const struct session_take_file *x = a, *y = b;
	return (x->track > y->track) - (x->track < y->track);
}

static bool format_of(int sf_format, enum take_format *out)
{
	switch (sf_format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_24: *out = TAKE_FORMAT_PCM24; return true;
	case SF_FORMAT_PCM_16: *out = TAKE_FORMAT_PCM16; return true;
	case SF_FORMAT_FLOAT:  *out = TAKE_FORMAT_FLOAT; return true;
	default: return false;
	}
}

/* When the take was recorded: the bext date and time (local, as the
 * disk writer wrote them), else the file's last change. */
static void started_at(const char *path, const SF_BROADCAST_INFO *bext,
                       struct session_take *t)
{
	if (bext && bext->origination_date[0] >= '0' &&
	    bext->origination_date[0] <= '9') {
		snprintf(t->started_at, sizeof t->started_at, "%.10sT%.8s",
		         bext->origination_date, bext->origination_time);
		return;
	}
	struct stat st;
	struct tm tm;
	if (stat(path, &st) == 0 && localtime_r(&st.st_mtime, &tm))
		strftime(t->started_at, sizeof t->started_at,
		         "%Y-%m-%dT%H:%M:%S%z", &tm);
}

/* File k of the take in folder `dir`: repaired, then read for what the
 * entry says of it and of the take. */
static enum rl_status adopt_file(const struct session *s, const char *dir,
                                 struct session_take *t,
                                 struct session_take_file *f,
                                 struct error *err)
{
	char path[PATH_BUF + SESSION_FILE_PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", s->dir, f->path);
	struct take_file_recovery r;
	enum rl_status st = take_file_recover(path, &r, err);
	if (st != RL_OK)
		return st;
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return error_set(err, RL_ERR_FORMAT, "%s: %s", path,
		                 sf_strerror(NULL));
	SF_BROADCAST_INFO bext;
	memset(&bext, 0, sizeof bext);
	bool have_bext = sf_command(sf, SFC_GET_BROADCAST_INFO, &bext,
	                            sizeof bext) == SF_TRUE;
	sf_close(sf);
	enum take_format format;
	if (!format_of(info.format, &format))
		return error_set(err, RL_ERR_FORMAT, "%s: not a format redlight "
		                 "records (24-bit, 16-bit or float PCM)", path);
	uint64_t ref = have_bext ? (uint64_t)bext.time_reference_high << 32 |
	                           bext.time_reference_low : 0;
	if (f == t->files) {
		t->sample_rate = (uint32_t)info.samplerate;
		t->format = format;
		t->start_frame = ref;
		t->length = (uint64_t)info.frames;
		started_at(path, have_bext ? &bext : NULL, t);
	} else if ((uint32_t)info.samplerate != t->sample_rate ||
	           ref != t->start_frame) {
		return error_set(err, RL_ERR_FORMAT, "%s: another rate or "
		                 "start than the take's other files (%s)",
		                 path, dir);
	}
	/* Tracks were written one after the other: the take is what every
	 * track has (as `redlight recover` does for an incomplete take). */
	if ((uint64_t)info.frames < t->length)
		t->length = (uint64_t)info.frames;
	session_scan_levels(path, f);
	return RL_OK;
}

/* The files of takes/NNN as a take entry in *t (files owned: the caller
 * cleans it up). RL_ERR_NOT_FOUND if it holds no take file. */
static enum rl_status adopt_dir(const struct session *s, uint32_t number,
                                struct session_take *t, struct error *err)
{
	char dir[PATH_BUF];
	snprintf(dir, sizeof dir, "%s/takes/%03u", s->dir, number);
	DIR *d = opendir(dir);
	if (!d)
		return error_set(err, rl_status_from_errno(errno),
		                 "cannot read %s: %s", dir, strerror(errno));
	*t = (struct session_take){ .number = number, .complete = true,
	                            .recovered = true };
	size_t cap = 0;
	enum rl_status st = RL_OK;
	struct dirent *ent;
	while (st == RL_OK && (ent = readdir(d))) {
		uint32_t track;
		char name[SESSION_NAME_MAX];
		if (!take_file_name(ent->d_name, &track, name))
			continue;
		if (t->file_count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *p = realloc(t->files, ncap * sizeof *t->files);
			if (!p) {
				st = error_set(err, RL_ERR_NOMEM, "out of memory");
				break;
			}
			t->files = p;
			cap = ncap;
		}
		struct session_take_file *f = &t->files[t->file_count++];
		*f = (struct session_take_file){ .track = track,
		                                 .peak_dbfs = -INFINITY };
		/* Its track's name now, if that track is still there. */
		snprintf(f->track_name, sizeof f->track_name, "%s",
		         track <= s->track_count ? s->tracks[track - 1].name
		                                 : name);
		snprintf(f->path, sizeof f->path, "takes/%03u/%s", number,
		         ent->d_name);
	}
	closedir(d);
	if (st != RL_OK)
		return st;
	if (t->file_count == 0)
		return error_set(err, RL_ERR_NOT_FOUND, "%s holds no take file",
		                 dir);
	qsort(t->files, t->file_count, sizeof *t->files, by_track);
	t->length = UINT64_MAX;
	for (size_t k = 0; st == RL_OK && k < t->file_count; k++)
		st = adopt_file(s, dir, t, &t->files[k], err);
	snprintf(t->end_reason, sizeof t->end_reason, "recovered after a "
	         "crash: found in takes/%03u, not in session.json", number);
	return st;
}

enum rl_status session_adopt_take_dirs(struct session *s, uint32_t *numbers,
                                       size_t max, size_t *count,
                                       struct error *err)
{
	*count = 0;
	char dir[PATH_BUF];
	snprintf(dir, sizeof dir, "%s/takes", s->dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? RL_OK
		       : error_set(err, rl_status_from_errno(errno),
		                   "cannot read %s: %s", dir, strerror(errno));
	enum rl_status result = RL_OK;
	struct dirent *ent;
	while ((ent = readdir(d)) && *count < max) {
		uint32_t number;
		if (!number_name(ent->d_name, &number) ||
		    session_find_take(s, number))
			continue;
		struct session_take t;
		struct error e;
		enum rl_status st = adopt_dir(s, number, &t, &e);
		if (st == RL_OK)
			st = session_put_take(s, &t, &e);
		session_take_cleanup(&t);
		if (st == RL_OK)
			numbers[(*count)++] = number;
		else if (st != RL_ERR_NOT_FOUND && result == RL_OK)
			result = error_set(err, st, "%s", e.message);
	}
	closedir(d);
	return result;
}
