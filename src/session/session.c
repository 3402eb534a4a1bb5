/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The session itself: open (creating the directory, takes/ and trash/, or
 * loading session.json), free, the default settings, and the track list
 * (find, add). Reading and writing session.json are session_load.c and
 * session_save.c; takes are session_takes.c, comps session_comps.c, track
 * edits session_tracks.c. Control / main thread only.
 */
#include "session_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------------- */
/* Small helpers                                                          */

/* jansson refuses (and would never load back) strings that are not valid
 * UTF-8, so names are checked when they enter the session rather than when
 * a save fails much later. Same rules as jansson: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	while (*p) {
		unsigned long c = *p;
		unsigned long min;
		int n;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < n; i++, p++) {
			/* also stops at the terminating NUL */
			if ((*p & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (*p & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
	}
	return true;
}

bool session_utf8_valid(const char *text)
{
	return text && utf8_valid(text);
}

void session_file_path(const struct session *s, char *out, size_t size)
{
	snprintf(out, size, "%s/" SESSION_FILE, s->dir);
}

/* ---------------------------------------------------------------------- */
/* Lifetime and settings                                                  */

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->take_count; i++)
		session_take_cleanup(&s->takes[i]);
	free(s->takes);
	for (size_t i = 0; i < s->comp_count; i++)
		session_comp_cleanup(&s->comps[i]);
	free(s->comps);
	free(s->markers);
	free(s->tracks);
	/* The saver thread writes the texts it was given before it ends:
	 * a session freed right after a save still gets its file. */
	session_store_free(s);
	free(s);
}

void session_settings_init(struct session_settings *st)
{
	*st = (struct session_settings){
		.click = true,
		.count_in_click = true,
		.tempo_bpm = 120.0,
		.meter_beats = 4,
		.meter_denominator = 4,
		.punch_in = SESSION_NO_FRAME,
		.punch_out = SESSION_NO_FRAME,
	};
	snprintf(st->click_sound, sizeof st->click_sound, "beep");
	snprintf(st->jack_transport, sizeof st->jack_transport, "internal");
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                */

static enum rl_status make_session_dir(const char *dir, struct error *err)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return RL_OK;
	int e = errno;
	if (e == EEXIST) {
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			return RL_OK;
		return error_set(err, RL_ERR_INVALID,
		                 "cannot use %s as a session directory: it "
		                 "exists and is not a directory", dir);
	}
	if (e == ENOENT) {
		/* Only the last component is created: a typo in the parent
		 * should not silently grow a tree somewhere else. */
		char parent[PATH_BUF];
		snprintf(parent, sizeof parent, "%s", dir);
		char *slash = strrchr(parent, '/');
		if (!slash)
			snprintf(parent, sizeof parent, ".");
		else if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "cannot create session directory %s: parent "
		                 "directory %s does not exist", dir, parent);
	}
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create session directory %s: %s", dir,
	                 strerror(e));
}

enum rl_status session_make_subdir(const struct session *s, const char *name,
                                   struct error *err)
{
	char path[PATH_BUF];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	if (mkdir(path, 0777) == 0)
		return RL_OK;
	int e = errno;
	if (e == EEXIST) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return RL_OK;
		return error_set(err, RL_ERR_INVALID,
		                 "%s exists and is not a directory", path);
	}
	return error_set(err, rl_status_from_errno(e),
	                 "cannot create directory %s: %s", path, strerror(e));
}

enum rl_status session_open(const char *dir, struct session **out,
                            struct error *err)
{
	enum rl_status rc;

	if (out)
		*out = NULL;
	if (!dir || !dir[0] || !out)
		return error_set(err, RL_ERR_INVALID,
		                 "session_open: no session directory given");
	size_t len = strlen(dir);
	/* "dir/" and "dir" are the same directory; dropping the slash keeps
	 * every path built from it free of "//". */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= SESSION_PATH_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "session directory path too long (%zu bytes, "
		                 "at most %d)", len, SESSION_PATH_MAX - 1);

	struct session *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, RL_ERR_NOMEM, "%.*s: out of memory",
		                 (int)len, dir);
	memcpy(s->dir, dir, len);
	s->dir[len] = '\0';
	session_settings_init(&s->settings);
	s->format = TAKE_FORMAT_PCM24;
	s->store = calloc(1, sizeof *s->store);
	if (!s->store) {
		free(s);
		return error_set(err, RL_ERR_NOMEM, "%.*s: out of memory",
		                 (int)len, dir);
	}

	if ((rc = make_session_dir(s->dir, err)))
		goto fail;

	char file[PATH_BUF];
	session_file_path(s, file, sizeof file);
	bool fresh = false;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* Loading comes before creating takes/ and trash/ so that a
		 * session.json we cannot read leaves the directory exactly
		 * as it was. */
		if ((rc = session_load_file(s, file, fd, err)))
			goto fail;
	} else if (errno == ENOENT) {
		fresh = true;
	} else {
		int e = errno;
		rc = error_set(err, rl_status_from_errno(e),
		               "cannot open %s: %s", file, strerror(e));
		goto fail;
	}

	if ((rc = session_make_subdir(s, "takes", err)) ||
	    (rc = session_make_subdir(s, "trash", err)))
		goto fail;
	if (fresh && (rc = session_save(s, err)))
		goto fail;

	*out = s;
	return RL_OK;

fail:
	session_free(s);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Tracks                                                                 */

int session_find_track(const struct session *s, const char *name)
{
	if (!s || !name)
		return -1;
	for (size_t i = 0; i < s->track_count; i++) {
		if (strcmp(s->tracks[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

enum rl_status session_add_track(struct session *s, const char *name,
                                 const char *source, size_t *index,
                                 struct error *err)
{
	if (!s || !name || !name[0])
		return error_set(err, RL_ERR_INVALID,
		                 "a track needs a name");
	if (!source)
		source = "";
	if (strlen(name) >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "track name \"%.*s...\" is longer than %d "
		                 "bytes", 20, name, SESSION_NAME_MAX - 1);
	if (!utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "track name is not valid UTF-8");
	if (strlen(source) >= SESSION_PORT_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "source of track \"%s\" is longer than %d "
		                 "bytes", name, SESSION_PORT_MAX - 1);
	if (!utf8_valid(source))
		return error_set(err, RL_ERR_INVALID,
		                 "source of track \"%s\" is not valid UTF-8",
		                 name);
	if (session_find_track(s, name) >= 0)
		return error_set(err, RL_ERR_EXISTS,
		                 "there is already a track named \"%s\"", name);
	/* Track numbers are positions + 1 and appear in JSON as integers
	 * (and as "%02u" in file names), so stay well inside uint32. */
	if (s->track_count >= UINT32_MAX - 1)
		return error_set(err, RL_ERR_INVALID, "too many tracks");

	struct session_track *tracks =
		realloc(s->tracks, (s->track_count + 1) * sizeof *tracks);
	if (!tracks)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot add track \"%s\": out of memory", name);
	s->tracks = tracks;
	struct session_track *t = &tracks[s->track_count];
	memset(t, 0, sizeof *t);
	strcpy(t->name, name);
	strcpy(t->source, source);
	if (index)
		*index = s->track_count;
	s->track_count++;
	return RL_OK;
}
