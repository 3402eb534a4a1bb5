/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Takes of a session: numbering (takes/NNN, reserved by mkdir), their
 * file names, the in-memory take list, moving a take to the trash and
 * back, and what the engineer says about a take (rating, note, markers,
 * keeper) and its headroom. Also the keeper and trash rules that loading
 * and saving session.json both check. Nothing here is ever deleted from
 * disk. Control / main thread only.
 */
#include "session_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Numbers and file names                                                 */

/* Parse a take number at the start of name. whole: the name must be only
 * digits. Numbers that do not fit a uint32_t are not take numbers this
 * program could ever hand out, so they are ignored rather than blocking
 * every further reservation. */
static bool parse_take_number(const char *name, bool whole, uint32_t *out)
{
	uint64_t n = 0;
	const char *p = name;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return false;
	}
	if (whole && *p)
		return false;
	*out = (uint32_t)n;
	return true;
}

enum rl_status session_scan_numbers(const char *dir, bool whole,
                                    uint32_t *max, struct error *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return RL_OK;
		int e = errno;
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read directory %s: %s", dir,
		                 strerror(e));
	}
	for (;;) {
		errno = 0;
		struct dirent *ent = readdir(d);
		if (!ent)
			break;
		uint32_t n;
		if (parse_take_number(ent->d_name, whole, &n) && n > *max)
			*max = n;
	}
	int e = errno;
	closedir(d);
	if (e)
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read directory %s: %s", dir,
		                 strerror(e));
	return RL_OK;
}

enum rl_status session_reserve_take(struct session *s, uint32_t *number,
                                    char *take_dir, size_t take_dir_size,
                                    struct error *err)
{
	char path[PATH_BUF];
	enum rl_status rc;
	uint32_t max = 0;

	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_reserve_take: no session");
	/* Checked before mkdir with the widest possible number, so a take
	 * directory is never created that the caller cannot be told of. */
	if (take_dir &&
	    take_dir_size < strlen(s->dir) + sizeof "/takes/4294967295")
		return error_set(err, RL_ERR_INVALID,
		                 "take directory buffer too small for %s/takes/",
		                 s->dir);

	for (size_t i = 0; i < s->take_count; i++) {
		if (s->takes[i].number > max)
			max = s->takes[i].number;
	}
	snprintf(path, sizeof path, "%s/takes", s->dir);
	if ((rc = session_scan_numbers(path, true, &max, err)))
		return rc;
	snprintf(path, sizeof path, "%s/trash", s->dir);
	if ((rc = session_scan_numbers(path, false, &max, err)))
		return rc;

	/* mkdir is the reservation: it either creates the directory or
	 * fails with EEXIST, atomically, so another process (or a take
	 * directory that appeared since the scan) can never share a number;
	 * we move on instead of reusing. */
	for (;;) {
		if (max == UINT32_MAX)
			return error_set(err, RL_ERR_INVALID,
			                 "%s: no take numbers left", s->dir);
		uint32_t n = max + 1;
		snprintf(path, sizeof path, "%s/takes/%03u", s->dir, n);
		if (mkdir(path, 0777) == 0) {
			if (number)
				*number = n;
			if (take_dir)
				snprintf(take_dir, take_dir_size, "%s", path);
			return RL_OK;
		}
		if (errno != EEXIST) {
			int e = errno;
			return error_set(err, rl_status_from_errno(e),
			                 "cannot create take directory %s: %s",
			                 path, strerror(e));
		}
		max = n;
	}
}

void session_file_safe_name(const char *track_name,
                            char name[SESSION_NAME_MAX])
{
	size_t len = track_name ? strlen(track_name) : 0;

	if (len >= SESSION_NAME_MAX) {
		len = SESSION_NAME_MAX - 1;
		/* do not cut a UTF-8 sequence in half */
		while (len > 0 && ((unsigned char)track_name[len] & 0xc0) == 0x80)
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)track_name[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' ||
		    (i == 0 && c == '.'))
			c = '_';
		name[i] = (char)c;
	}
	name[len] = '\0';
	if (len == 0)
		snprintf(name, SESSION_NAME_MAX, "track");
}

void session_take_file_relpath(uint32_t take_number, uint32_t track_number,
                               const char *track_name, char *out,
                               size_t out_size)
{
	char name[SESSION_NAME_MAX];

	if (!out || out_size == 0)
		return;
	session_file_safe_name(track_name, name);
	snprintf(out, out_size, "takes/%03u/%02u-%s.wav", take_number,
	         track_number, name);
}

/* ---------------------------------------------------------------------- */
/* The take list                                                          */

void session_take_cleanup(struct session_take *take)
{
	if (!take)
		return;
	for (size_t i = 0; i < take->file_count; i++) {
		free(take->files[i].dropped_ranges);
		take->files[i].dropped_ranges = NULL;
		take->files[i].dropped_range_count = 0;
		free(take->files[i].no_input_ranges);
		take->files[i].no_input_ranges = NULL;
		take->files[i].no_input_range_count = 0;
	}
	free(take->files);
	take->files = NULL;
	take->file_count = 0;
	free(take->xrun_markers);
	take->xrun_markers = NULL;
	take->xrun_marker_count = 0;
	free(take->markers);
	take->markers = NULL;
	take->marker_count = 0;
}

/* Deep copy; on failure dst owns nothing. Strings are re-terminated so a
 * caller's unterminated array can never make a later save read past it. */
/* A copy of n ranges into *dst (NULL for none); true if out of memory. */
static bool copy_ranges(struct session_dropped_range **dst, size_t *count,
                        const struct session_dropped_range *src, size_t n)
{
	if (n == 0)
		return false;
	*dst = malloc(n * sizeof **dst);
	if (!*dst)
		return true;
	memcpy(*dst, src, n * sizeof **dst);
	*count = n;
	return false;
}

static enum rl_status copy_take(struct session_take *dst,
                                const struct session_take *src)
{
	*dst = *src;
	dst->files = NULL;
	dst->file_count = 0;
	dst->xrun_markers = NULL;
	dst->xrun_marker_count = 0;
	dst->markers = NULL;
	dst->marker_count = 0;
	dst->started_at[sizeof dst->started_at - 1] = '\0';
	dst->end_reason[sizeof dst->end_reason - 1] = '\0';
	dst->note[sizeof dst->note - 1] = '\0';
	dst->trash_dir[sizeof dst->trash_dir - 1] = '\0';
	if (src->marker_count) {
		dst->markers = malloc(src->marker_count * sizeof *dst->markers);
		if (!dst->markers)
			return RL_ERR_NOMEM;
		memcpy(dst->markers, src->markers,
		       src->marker_count * sizeof *dst->markers);
		dst->marker_count = src->marker_count;
		for (size_t i = 0; i < dst->marker_count; i++)
			dst->markers[i].name[sizeof dst->markers[i].name - 1] =
				'\0';
	}
	if (src->xrun_marker_count) {
		dst->xrun_markers = malloc(src->xrun_marker_count *
		                           sizeof *dst->xrun_markers);
		if (!dst->xrun_markers) {
			session_take_cleanup(dst);
			return RL_ERR_NOMEM;
		}
		memcpy(dst->xrun_markers, src->xrun_markers,
		       src->xrun_marker_count * sizeof *dst->xrun_markers);
		dst->xrun_marker_count = src->xrun_marker_count;
	}
	if (src->file_count == 0)
		return RL_OK;

	dst->files = calloc(src->file_count, sizeof *dst->files);
	if (!dst->files) {
		session_take_cleanup(dst);
		return RL_ERR_NOMEM;
	}
	dst->file_count = src->file_count;
	for (size_t i = 0; i < src->file_count; i++) {
		const struct session_take_file *sf = &src->files[i];
		struct session_take_file *df = &dst->files[i];

		*df = *sf;
		df->track_name[sizeof df->track_name - 1] = '\0';
		df->path[sizeof df->path - 1] = '\0';
		df->dropped_ranges = NULL;
		df->dropped_range_count = 0;
		df->no_input_ranges = NULL;
		df->no_input_range_count = 0;
		if (copy_ranges(&df->dropped_ranges, &df->dropped_range_count,
		                sf->dropped_ranges, sf->dropped_range_count) ||
		    copy_ranges(&df->no_input_ranges,
		                &df->no_input_range_count, sf->no_input_ranges,
		                sf->no_input_range_count)) {
			session_take_cleanup(dst);
			return RL_ERR_NOMEM;
		}
	}
	return RL_OK;
}

/* Index of the first take whose number is >= number (binary search over
 * the sorted array). */
static size_t take_lower_bound(const struct session *s, uint32_t number)
{
	size_t lo = 0, hi = s->take_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->takes[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum rl_status session_put_take(struct session *s,
                                const struct session_take *take,
                                struct error *err)
{
	if (!s || !take)
		return error_set(err, RL_ERR_INVALID,
		                 "session_put_take: no session or take");
	if (take->number == 0)
		return error_set(err, RL_ERR_INVALID,
		                 "take numbers start at 1");
	if (take->file_count > 0 && !take->files)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu files but no file array",
		                 take->number, take->file_count);
	if (take->marker_count > 0 && !take->markers)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu markers but no marker array",
		                 take->number, take->marker_count);
	if (take->xrun_marker_count > 0 && !take->xrun_markers)
		return error_set(err, RL_ERR_INVALID,
		                 "take %u: %zu xrun markers but no marker "
		                 "array", take->number, take->xrun_marker_count);
	for (size_t i = 0; i < take->file_count; i++) {
		if (take->files[i].dropped_range_count > 0 &&
		    !take->files[i].dropped_ranges)
			return error_set(err, RL_ERR_INVALID,
			                 "take %u, file %zu: dropped ranges "
			                 "counted but missing", take->number, i);
	}

	/* Copy first, so a failure leaves the session as it was. */
	struct session_take copy;
	if (copy_take(&copy, take) != RL_OK)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot store take %u: out of memory",
		                 take->number);

	size_t pos = take_lower_bound(s, take->number);
	if (pos < s->take_count && s->takes[pos].number == take->number) {
		session_take_cleanup(&s->takes[pos]);
		s->takes[pos] = copy;
		return RL_OK;
	}

	struct session_take *takes =
		realloc(s->takes, (s->take_count + 1) * sizeof *takes);
	if (!takes) {
		session_take_cleanup(&copy);
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot store take %u: out of memory",
		                 take->number);
	}
	s->takes = takes;
	memmove(&takes[pos + 1], &takes[pos],
	        (s->take_count - pos) * sizeof *takes);
	takes[pos] = copy;
	s->take_count++;
	return RL_OK;
}

struct session_take *session_find_take(struct session *s, uint32_t number)
{
	if (!s)
		return NULL;
	size_t pos = take_lower_bound(s, number);
	if (pos < s->take_count && s->takes[pos].number == number)
		return &s->takes[pos];
	return NULL;
}

void session_remove_take(struct session *s, uint32_t number)
{
	size_t pos = take_lower_bound(s, number);
	if (pos >= s->take_count || s->takes[pos].number != number)
		return;
	session_take_cleanup(&s->takes[pos]);
	memmove(&s->takes[pos], &s->takes[pos + 1],
	        (s->take_count - pos - 1) * sizeof *s->takes);
	s->take_count--;
}

/* ---------------------------------------------------------------------- */
/* The trash                                                              */

/* rename() that never replaces what is at `to`: plain rename() silently
 * replaces an empty directory. -1 with errno EEXIST if `to` exists. */
static int move_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: look, then move. Only a
	 * process creating `to` in between could be hurt, and no redlight
	 * process creates names under trash/ other than this way. */
	struct stat st;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

/* Make a directory entry change durable; best effort (the move is done,
 * and some file systems cannot fsync a directory). */
static void sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Sync takes/ and trash/ after moving a take between them. */
static void sync_take_dirs(const struct session *s)
{
	char path[PATH_BUF];
	snprintf(path, sizeof path, "%s/takes", s->dir);
	sync_dir(path);
	snprintf(path, sizeof path, "%s/trash", s->dir);
	sync_dir(path);
}

/* Undo a take's move when the save that was to record it failed: move `at`
 * back to `back`; if even that fails, err's message says where the
 * directory stays. */
static void move_back(const struct session *s, const char *at,
                      const char *back, struct error *err)
{
	if (move_noreplace(at, back) == 0) {
		sync_take_dirs(s);
	} else if (err) {
		int e = errno;
		size_t len = strlen(err->message);
		snprintf(err->message + len, sizeof err->message - len,
		         "; the take's directory stays in %s (cannot "
		         "move it back: %s)", at, strerror(e));
	}
}

enum rl_status session_trash_take_dir_to(const struct session *s,
                                         uint32_t number, char *trash_dir,
                                         size_t trash_dir_size,
                                         struct error *err)
{
	char from[PATH_BUF], to[PATH_BUF + SESSION_NAME_MAX];
	char rel[SESSION_NAME_MAX];

	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_trash_take_dir: no session");
	if (trash_dir && trash_dir_size < sizeof "trash/4294967295-999")
		return error_set(err, RL_ERR_INVALID,
		                 "trash directory buffer too small");
	snprintf(from, sizeof from, "%s/takes/%03u", s->dir, number);
	/* Never replace anything already in the trash: the first free
	 * name wins, atomically. */
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(rel, sizeof rel, "trash/%03u", number);
		else
			snprintf(rel, sizeof rel, "trash/%03u-%d", number, i);
		snprintf(to, sizeof to, "%s/%s", s->dir, rel);
		if (move_noreplace(from, to) == 0) {
			sync_take_dirs(s);
			if (trash_dir)
				snprintf(trash_dir, trash_dir_size, "%s", rel);
			return RL_OK;
		}
		int e = errno;
		if (e != EEXIST && e != ENOTEMPTY)
			return error_set(err, rl_status_from_errno(e),
			                 "cannot move %s to %s: %s", from, to,
			                 strerror(e));
	}
	return error_set(err, RL_ERR_EXISTS,
	                 "cannot move %s to the trash: %s/trash/%03u and "
	                 "%03u-1 to %03u-999 all exist", from, s->dir, number,
	                 number, number);
}

enum rl_status session_trash_take_dir(const struct session *s,
                                      uint32_t number, struct error *err)
{
	return session_trash_take_dir_to(s, number, NULL, 0, err);
}

/* ---------------------------------------------------------------------- */
/* Rules that loading and saving both check                               */

bool session_trash_dir_valid(const char *dir)
{
	const char *name = dir + strlen("trash/");
	return strncmp(dir, "trash/", strlen("trash/")) == 0 && name[0] &&
	       !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* Keepers are few (one per track), so pairs of them are compared. */
bool session_find_keeper_fault(const struct session_take *takes, size_t n,
                               struct session_keeper_fault *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct session_take *t = &takes[i];
		for (size_t j = 0; j < t->file_count; j++) {
			const struct session_take_file *f = &t->files[j];
			if (!f->keeper)
				continue;
			*out = (struct session_keeper_fault){ .take = i, .file = j };
			if (t->discarded) {
				snprintf(out->text, sizeof out->text,
				         "take %u is discarded and cannot be a "
				         "keeper", t->number);
				return true;
			}
			for (size_t a = 0; a <= i; a++) {
				const struct session_take *u = &takes[a];
				size_t end = a == i ? j : u->file_count;
				for (size_t b = 0; b < end; b++) {
					if (!u->files[b].keeper ||
					    u->files[b].track != f->track)
						continue;
					snprintf(out->text, sizeof out->text,
					         "track %u already has a keeper "
					         "(takes[%zu].files[%zu], take "
					         "%u)", f->track, a, b,
					         u->number);
					return true;
				}
			}
		}
	}
	return false;
}

/* ---------------------------------------------------------------------- */
/* Take metadata                                                          */

static enum rl_status find_take_or_fail(struct session *s, uint32_t number,
                                        struct session_take **out,
                                        struct error *err)
{
	*out = NULL;
	if (!s)
		return error_set(err, RL_ERR_INVALID, "no session");
	*out = session_find_take(s, number);
	if (!*out)
		return error_set(err, RL_ERR_NOT_FOUND, "%s: no take %u",
		                 s->dir, number);
	return RL_OK;
}

/* The take's file of a track, or NULL. */
static struct session_take_file *file_of(const struct session_take *t,
                                         uint32_t track)
{
	for (size_t i = 0; i < t->file_count; i++) {
		if (t->files[i].track == track)
			return &t->files[i];
	}
	return NULL;
}

enum rl_status session_take_set_rating(struct session *s, uint32_t number,
                                       uint32_t rating, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (rating > SESSION_RATING_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "a rating is 0 to %d, not %u",
		                 SESSION_RATING_MAX, rating);
	t->rating = rating;
	return RL_OK;
}

enum rl_status session_take_set_note(struct session *s, uint32_t number,
                                     const char *text, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!text)
		text = "";
	size_t len = strlen(text);
	if (len >= sizeof t->note)
		return error_set(err, RL_ERR_INVALID,
		                 "note for take %u is %zu bytes, at most %zu",
		                 number, len, sizeof t->note - 1);
	if (!session_utf8_valid(text))
		return error_set(err, RL_ERR_INVALID,
		                 "note for take %u is not valid UTF-8", number);
	memcpy(t->note, text, len + 1);
	return RL_OK;
}

enum rl_status session_take_add_marker(struct session *s, uint32_t number,
                                       uint64_t frame, const char *name,
                                       struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!name || !name[0])
		return error_set(err, RL_ERR_INVALID, "a marker needs a name");
	size_t len = strlen(name);
	if (len >= SESSION_NAME_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "marker name \"%.*s...\" is %zu bytes, at most "
		                 "%d", 20, name, len, SESSION_NAME_MAX - 1);
	if (!session_utf8_valid(name))
		return error_set(err, RL_ERR_INVALID,
		                 "marker name is not valid UTF-8");
	struct session_marker *m =
		realloc(t->markers, (t->marker_count + 1) * sizeof *m);
	if (!m)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot add a marker to take %u: out of memory",
		                 number);
	t->markers = m;
	m = &m[t->marker_count++];
	m->frame = frame;
	memcpy(m->name, name, len + 1);
	return RL_OK;
}

enum rl_status session_set_keeper(struct session *s, uint32_t number,
                                  uint32_t track_number, struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is discarded (in %s/%s): restore it "
		                 "before keeping it", number, s->dir,
		                 t->trash_dir);
	if (!t->complete)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not complete: it is still "
		                 "recording, or a crash cut it off (run "
		                 "`redlight recover %s` first)", number, s->dir);
	if (t->file_count == 0)
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "take %u has no files", number);
	if (track_number != 0 && !file_of(t, track_number)) {
		const char *name = track_number <= s->track_count
		                   ? s->tracks[track_number - 1].name : "";
		return error_set(err, RL_ERR_NOT_FOUND,
		                 "take %u has no file of track %u%s%s%s", number,
		                 track_number, name[0] ? " (" : "", name,
		                 name[0] ? ")" : "");
	}

	for (size_t i = 0; i < t->file_count; i++) {
		uint32_t track = t->files[i].track;
		if (track_number != 0 && track != track_number)
			continue;
		for (size_t k = 0; k < s->take_count; k++) {
			struct session_take *u = &s->takes[k];
			for (size_t j = 0; j < u->file_count; j++) {
				if (u->files[j].track == track)
					u->files[j].keeper = false;
			}
		}
		t->files[i].keeper = true;
		for (size_t c = 0; c < s->comp_count; c++) {
			if (s->comps[c].track == track)
				s->comps[c].active = false;
		}
	}
	return RL_OK;
}

const struct session_take *
session_keeper_of(const struct session *s, uint32_t track_number,
                  const struct session_take_file **file)
{
	if (file)
		*file = NULL;
	if (!s || track_number == 0)
		return NULL;
	/* The engineer's choice first, whatever it sounds like. */
	for (size_t k = 0; k < s->take_count; k++) {
		const struct session_take *t = &s->takes[k];
		const struct session_take_file *f = file_of(t, track_number);
		if (!t->discarded && f && f->keeper) {
			if (file)
				*file = f;
			return t;
		}
	}
	for (size_t k = s->take_count; k-- > 0;) {
		const struct session_take *t = &s->takes[k];
		if (t->discarded || !t->complete || t->length == 0)
			continue;
		const struct session_take_file *f = file_of(t, track_number);
		if (f) {
			if (file)
				*file = f;
			return t;
		}
	}
	return NULL;
}

enum rl_status session_discard_take(struct session *s, uint32_t number,
                                    struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is already discarded (in %s/%s)",
		                 number, s->dir, t->trash_dir);
	if (!t->complete)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not complete: it is still "
		                 "recording, or a crash cut it off (run "
		                 "`redlight recover %s` first)", number, s->dir);

	/* Remembered so a failed save can put everything back. */
	bool *was_keeper = calloc(t->file_count + 1, sizeof *was_keeper);
	if (!was_keeper)
		return error_set(err, RL_ERR_NOMEM,
		                 "cannot discard take %u: out of memory", number);
	char rel[SESSION_NAME_MAX];
	enum rl_status rc = session_trash_take_dir_to(s, number, rel,
	                                              sizeof rel, err);
	if (rc) {
		free(was_keeper);
		return rc;
	}
	t->discarded = true;
	snprintf(t->trash_dir, sizeof t->trash_dir, "%s", rel);
	for (size_t i = 0; i < t->file_count; i++) {
		was_keeper[i] = t->files[i].keeper;
		t->files[i].keeper = false;
	}
	rc = session_save(s, err);
	if (rc) {
		char from[PATH_BUF + SESSION_NAME_MAX], to[PATH_BUF];
		snprintf(from, sizeof from, "%s/%s", s->dir, rel);
		snprintf(to, sizeof to, "%s/takes/%03u", s->dir, number);
		move_back(s, from, to, err);
		t->discarded = false;
		t->trash_dir[0] = '\0';
		for (size_t i = 0; i < t->file_count; i++)
			t->files[i].keeper = was_keeper[i];
	}
	free(was_keeper);
	return rc;
}

enum rl_status session_restore_take(struct session *s, uint32_t number,
                                    struct error *err)
{
	struct session_take *t;
	enum rl_status frc = find_take_or_fail(s, number, &t, err);
	if (frc)
		return frc;
	if (!t->discarded)
		return error_set(err, RL_ERR_STATE,
		                 "take %u is not discarded", number);
	char from[PATH_BUF + SESSION_NAME_MAX], to[PATH_BUF];
	snprintf(from, sizeof from, "%s/%s", s->dir, t->trash_dir);
	snprintf(to, sizeof to, "%s/takes/%03u", s->dir, number);
	if (move_noreplace(from, to) != 0) {
		int e = errno;
		if (e == EEXIST || e == ENOTEMPTY)
			return error_set(err, RL_ERR_EXISTS,
			                 "cannot restore take %u: %s exists",
			                 number, to);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot restore take %u: cannot move %s to "
		                 "%s: %s", number, from, to, strerror(e));
	}
	sync_take_dirs(s);
	char rel[SESSION_NAME_MAX];
	memcpy(rel, t->trash_dir, sizeof rel);
	t->discarded = false;
	t->trash_dir[0] = '\0';
	enum rl_status rc = session_save(s, err);
	if (rc) {
		move_back(s, to, from, err);
		t->discarded = true;
		memcpy(t->trash_dir, rel, sizeof rel);
	}
	return rc;
}

unsigned session_headroom_flags(const struct session_take_file *f)
{
	unsigned flags = 0;
	if (!f)
		return 0;
	/* -INFINITY (silence) and NaN compare false: never hot. */
	if (f->peak_dbfs > SESSION_HOT_DBFS)
		flags |= SESSION_HEADROOM_HOT;
	if (f->clips > 0)
		flags |= SESSION_HEADROOM_CLIP;
	return flags;
}

size_t session_headroom(const struct session_take *t,
                        struct session_headroom *out, size_t max)
{
	if (!t)
		return 0;
	for (size_t i = 0; out && i < t->file_count && i < max; i++) {
		const struct session_take_file *f = &t->files[i];
		out[i] = (struct session_headroom){
			.track = f->track,
			.track_name = f->track_name,
			.peak_dbfs = f->peak_dbfs,
			.clips = f->clips,
			.flags = session_headroom_flags(f),
		};
	}
	return t->file_count;
}

const char *session_headroom_label(unsigned flags)
{
	if (flags & SESSION_HEADROOM_CLIP)
		return "clip";
	if (flags & SESSION_HEADROOM_HOT)
		return "hot";
	return "ok";
}
