/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the files of the session module share and nobody else needs:
 * session.c (open, free, the directory, settings, tracks), session_load.c
 * (reading session.json), session_save.c (writing it), session_takes.c
 * (take folders and take metadata) and session_comps.c (comp
 * bookkeeping). The public API is redlight/session.h. Control / main
 * thread only, like the rest of the module.
 */
#ifndef REDLIGHT_SESSION_INTERNAL_H
#define REDLIGHT_SESSION_INTERNAL_H

#include "redlight/session.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The version written to "redlight_session"; newer files are refused. */
#define SESSION_VERSION 1
#define SESSION_FILE "session.json"

/* Room for s->dir plus any name this module appends to it
 * ("/session.json.tmp-<pid>", "/takes/4294967295"). */
#define PATH_BUF (SESSION_PATH_MAX + 64)

/* ---------------------------------------------------------------------- */
/* The directory (session.c)                                              */

/** The path of s's session.json in out (size bytes). */
void session_file_path(const struct session *s, char *out, size_t size);

/**
 * Create the directory s->dir/name if it is not there yet (only that last
 * component). RL_ERR_INVALID if something else of that name is there.
 */
enum rl_status session_make_subdir(const struct session *s, const char *name,
                                   struct error *err);

/* ---------------------------------------------------------------------- */
/* Reading session.json (session_load.c)                                  */

/**
 * Parse session.json (already opened as fd, named path for messages) into
 * s, which holds the defaults. Takes ownership of fd. A refusal is one
 * RL_ERR_FORMAT line naming the file and line/column or the field at
 * fault; s may then be half-filled (session_free() cleans it up).
 */
enum rl_status session_load_file(struct session *s, const char *path, int fd,
                                 struct error *err);

/* ---------------------------------------------------------------------- */
/* Writing session.json (session_json.c: the text; session_save.c: the   */
/* file, and the saver thread)                                            */

/** One take's text in session.json as the last save wrote it, and its
 *  key: the exact bytes the text was made from. */
struct session_json_take {
	uint32_t number;
	char *key;
	size_t key_len;
	char *text;
	size_t text_len;
};

/** The takes' texts of the last save, in take-number order. */
struct session_json_cache {
	struct session_json_take *v;
	size_t n;
};

/** What the session module keeps beside a session (s->store). */
struct session_store {
	struct session_json_cache cache;
	struct session_saver *saver; /* NULL: saves write on the caller */
};

/**
 * session.json's text for s in *text (malloc'd, the caller frees it),
 * *len bytes without a final newline; `file` names it in messages. With
 * a cache, takes unchanged since the last save reuse their text from it
 * and the cache then holds this save's. A refusal (a field the loader
 * would refuse) is RL_ERR_INVALID naming the field.
 */
enum rl_status session_json_text(const struct session *s,
                                 struct session_json_cache *cache,
                                 const char *file, char **text, size_t *len,
                                 struct error *err);

/** Free every text the cache holds. */
void session_json_cache_clear(struct session_json_cache *cache);

/** Stop s's saver thread, if it runs, once it has written what it was
 *  given; free s->store. Called by session_free(). */
void session_store_free(struct session *s);

/* ---------------------------------------------------------------------- */
/* Takes: numbers, names and the rules that loading and saving both check */
/* (session_takes.c)                                                      */

/**
 * Raise *max to the highest take number found in dir. whole: names must
 * be all digits (takes/NNN); otherwise a leading number counts (trash/
 * holds "003" as well as "003-<why>"). A missing directory has no
 * numbers.
 */
enum rl_status session_scan_numbers(const char *dir, bool whole,
                                    uint32_t *max, struct error *err);

/**
 * A track name as a file name: characters that are unsafe there ('/',
 * control characters, a leading '.') become '_'; "track" if empty.
 */
void session_file_safe_name(const char *track_name,
                            char name[SESSION_NAME_MAX]);

/**
 * "trash/NAME" with NAME one plain directory entry: restoring moves this
 * directory back into takes/, so it must never reach outside trash/.
 */
bool session_trash_dir_valid(const char *dir);

/** The keeper rules across takes, broken at takes[take].files[file]. */
struct session_keeper_fault {
	size_t take, file;
	char text[160];
};

/**
 * At most one keeper per track in the whole session, and never a
 * discarded take. Shared by loading (a file that breaks them is refused)
 * and saving (so a file is never written that could not be loaded).
 * True, with *out filled in, at the first fault.
 */
bool session_find_keeper_fault(const struct session_take *takes, size_t n,
                               struct session_keeper_fault *out);

/* ---------------------------------------------------------------------- */
/* Comps (session_comps.c)                                                */

/**
 * A comp's file lives under comps/ and nowhere else: a hand-edited path
 * must not make playback or a bounce read an arbitrary file.
 */
bool session_comp_path_valid(const char *path);

/* ---------------------------------------------------------------------- */
/* Timeline markers (session_markers.c)                                   */

/** Put s->markers in frame order (stable: equal frames keep theirs). */
void session_sort_markers(struct session *s);

/**
 * The list of a session.json written before the timeline had markers:
 * every take's markers, with the take they were set in (names made
 * unique with session_marker_unique_name()), in frame order.
 */
enum rl_status session_markers_from_takes(struct session *s,
                                          struct error *err);

#endif
