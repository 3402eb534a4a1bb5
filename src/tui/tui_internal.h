/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shared by src/tui/tui.c and the views src/tui/tui_*.c: the UI's own state and
 * the drawing helpers. Not a public header: nothing outside the tui
 * module includes it (the module's contract is include/redlight/tui.h).
 *
 * Thread: everything here runs on the UI thread, the only one that calls
 * curses. The views draw from the copy in struct tui_state, taken under
 * the control lock once a frame; they take the lock again only to send a
 * command (and to post what it refused).
 */
#ifndef REDLIGHT_TUI_INTERNAL_H
#define REDLIGHT_TUI_INTERNAL_H

#include "redlight/control.h"
#include "redlight/tui.h"
#include "tui_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if REDLIGHT_WIDE_CURSES
#define NCURSES_WIDECHAR 1
#else
#define NCURSES_WIDECHAR 0
#endif
#include <curses.h>

enum tui_view {
	TUI_VIEW_TRACKS = 0,
	TUI_VIEW_TAKES,
	TUI_VIEW_CUE,
	TUI_VIEW_LOG,
	TUI_VIEW_COUNT,
};

/* What a piece of text looks like; tui_attr() maps it to the terminal's
 * colours (or to bold/reverse without colour). */
enum tui_style {
	TUI_NORMAL = 0,
	TUI_DIM,
	TUI_BOLD,
	TUI_GREEN,
	TUI_YELLOW,
	TUI_RED,
	TUI_CYAN,
	TUI_TALLY,      /* white on red: the record tally */
	TUI_PLAYING,    /* black on green */
	TUI_COUNTING,   /* black on yellow: count-in */
	TUI_TITLE,      /* the bars at the top and bottom */
	TUI_SELECTED,   /* the cursor row */
	TUI_ARMED,      /* an armed track's R */
	TUI_CLIP,       /* the clip indicator */
	TUI_STYLE_COUNT,
};

/* One song section of the tempo map, for [ ] and loop-a-section. */
struct tui_section {
	char label[TEMPO_MAP_LABEL_MAX + 1];
	int64_t start, end; /* timeline frames, [start, end) */
};
#define TUI_SECTIONS_MAX 128

/* One file of a take, as the takes view shows it. */
struct tui_take_file {
	uint32_t track;
	char track_name[SESSION_NAME_MAX];
	double peak_dbfs;
	uint64_t clips;
	uint64_t dropped;
	unsigned flags;  /* SESSION_HEADROOM_* */
	bool keeper;
};

/* One take (a pass): its metadata and a run of files in ui->s.files. */
struct tui_take {
	uint32_t number;
	char started_at[40];
	uint64_t start_frame, length;
	uint32_t sample_rate;
	uint32_t rating;
	char note[SESSION_NOTE_MAX];
	bool discarded, complete, recovered;
	uint64_t xruns, dropped;
	size_t marker_count;
	char first_marker[SESSION_NAME_MAX];
	char end_reason[128];
	size_t file_first, file_count;
};

/* One rendered comp (keeper per section). */
struct tui_comp {
	uint32_t number, track, base_take;
	char track_name[SESSION_NAME_MAX];
	char pieces[160]; /* "verse1=2 chorus1=4" */
	uint64_t length;
	bool active;
};

/* A message as the UI keeps it: with the wall-clock time it arrived. */
struct tui_message {
	struct control_message m;
	time_t when;
};
#define TUI_MESSAGES_KEPT 200

/* The copy of the recorder's state one frame draws from. */
struct tui_state {
	struct control_status st;
	size_t track_count;        /* control_tracks()' count */
	size_t track_cap;
	struct control_track *tracks;
	uint32_t osc_clients;
	bool osc;                  /* an OSC server runs */
	/* Cue: the session's levels (control_settings()). */
	double click_out_db, cue_click_db, cue_scratch_db;
	bool has_scratch;
	char scratch[SESSION_NAME_MAX];
	uint32_t count_in_bars, pre_roll_bars; /* what `r` uses */
	char session_name[SESSION_NAME_MAX]; /* "session: NAME" */
	/* Loop and punch ranges as bar|beat, made under the lock (the map
	 * may be replaced between frames). */
	char loop_label[48], punch_label[48];
	bool punch_lit;            /* the punch label is on (else dim) */
	/* The song's sections, read once from the tempo map. */
	const struct tempo_map *map;
	size_t section_count;
	struct tui_section sections[TUI_SECTIONS_MAX];
	/* Takes and comps, copied only while the takes view shows them. */
	size_t take_count, take_cap;
	struct tui_take *takes;
	size_t file_count, file_cap;
	struct tui_take_file *files;
	size_t comp_count, comp_cap;
	struct tui_comp *comps;
	/* The timeline's markers, in frame order, copied every frame. */
	size_t marker_count, marker_cap;
	struct session_marker *markers;
	double takes_copied;       /* monotonic seconds, 0: never */
	uint32_t takes_seen_last;  /* st.last_take at that copy */
};

#define TUI_COMP_KEY 0x80000000u
/** Sections one comp can choose takes for in the UI. */
#define TUI_COMP_CHOICES_MAX 32

enum tui_modal_kind { TUI_MODAL_NONE = 0, TUI_MODAL_CONFIRM, TUI_MODAL_PROMPT };

struct tui;
typedef void (*tui_confirm_fn)(struct tui *ui, uint32_t arg);
typedef void (*tui_prompt_fn)(struct tui *ui, uint32_t arg, const char *text);

struct tui_modal {
	enum tui_modal_kind kind;
	char question[256];
	tui_confirm_fn on_yes;
	tui_prompt_fn on_text;
	uint32_t arg;
	char text[SESSION_NOTE_MAX];
	size_t len;                /* bytes of text */
};

/* What the track list drew in one screen row last frame, so the next
 * frame redraws only what changed (a moving meter is a few cells). */
struct tui_row_cache {
	bool valid;
	size_t track;              /* index into s.tracks */
	uint64_t static_hash;      /* everything but meter and peak text */
	int meter_units, hold_cell;
	char peak[8];
	bool clip;
};

struct tui {
	struct control *c;
	const struct tui_config *cfg;
	struct tui_state s;
	enum tui_view view;
	bool help;
	int help_scroll;
	/* The markers' list over the screen (`'`): its cursor, and the
	 * marker a question about one is for. */
	bool markers_open;
	size_t marker_sel, marker_top;
	char marker_target[SESSION_NAME_MAX];
	struct tui_modal modal;
	bool quit;                 /* leave the loop after this frame */
	bool utf8;                 /* the terminal takes UTF-8: blocks, stars */
	bool colour;
	int rows, cols;
	bool full_redraw;          /* next frame: erase and draw everything */
	bool body_dirty;           /* next frame: redraw the view's body */
	double body_drawn;         /* when a view other than the tracks
	                              last drew its body */
	double now;                /* monotonic seconds of this frame */

	/* Tracks view (also the track the cue view and `a`/`i` act on). */
	size_t track_sel, track_top;
	struct tui_row_cache *row_cache;
	size_t row_cache_len;
	int track_rows_drawn;      /* rows per column last frame */
	char track_range[40];      /* "tracks 1-18/256" when scrolled */
	uint64_t track_frame_key;  /* layout, scroll and size drawn last */
	int track_page_rows;       /* rows of one page, for PgUp/PgDn */
	int track_columns;
	/* Rows the tracks leave free on a tall terminal show the recent
	 * takes and messages; redrawn when this key changes. */
	bool panel_takes;          /* the panel wants the takes copied */
	uint64_t panel_key;
	/* Clip indicators: a track shows CLIP when its count passes the
	 * value `x` last reset it to (indexed like s.tracks). */
	uint64_t *clip_base;
	size_t clip_base_len;

	/* Takes view. The cursor is kept as what it is on (a take number,
	 * or a comp number | TUI_COMP_KEY; 0: the newest take), so a new
	 * take arriving at the top does not move it. */
	uint32_t take_sel_key;
	size_t take_top;
	uint32_t take_filter;      /* 0: every track, else a track number */
	bool takes_want_copy;      /* copy now, something changed */
	/* Keeper per section being put together for track comp_track:
	 * `s` chooses the take under the cursor for a section, `C`
	 * renders the comp (control_make_comp()). */
	uint32_t comp_track;
	size_t comp_count;
	uint32_t comp_takes[TUI_COMP_CHOICES_MAX];
	char comp_sections[TUI_COMP_CHOICES_MAX][TEMPO_MAP_LABEL_MAX + 1];

	/* Cue view. */
	size_t cue_sel, cue_top;

	/* Log view. */
	size_t log_top;
	bool log_follow;

	/* Messages received, newest last. */
	struct tui_message msgs[TUI_MESSAGES_KEPT];
	size_t msg_count, msg_head;
	uint64_t msg_seq;
	unsigned unseen_problems;  /* warnings and errors since the log
	                              view was last shown */
	/* The last control_poll() failure posted, so one failure is one line. */
	char poll_error[256];
};

/* ---- helpers in tui.c ------------------------------------------------- */

/** Attribute of a style on this terminal. UI thread. */
attr_t tui_attr(const struct tui *ui, enum tui_style style);

/** Attribute of a track colour ("red", "#rrggbb", ""), allocating a
 *  colour pair the first time. UI thread. */
attr_t tui_colour_attr(struct tui *ui, const char *colour);

/**
 * Draw UTF-8 text at (y, x) in at most width columns, cut at a character
 * boundary and padded with spaces to exactly width (width < 0: no pad, up
 * to the screen edge). Returns the columns advanced: the field's width
 * (cut at the screen edge), or with width < 0 the text's. UI thread.
 */
int tui_put(struct tui *ui, int y, int x, int width, attr_t attr,
            const char *text);

/** tui_put() of a printf-formatted text. UI thread. */
int tui_putf(struct tui *ui, int y, int x, int width, attr_t attr,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/**
 * Draw a level meter (dBFS -60..0, green, yellow from -18, red above -3)
 * of width cells (at most TUI_METER_MAX) at (y, x) with `units` lit
 * (tui_meter_units()) and the peak-hold mark in cell hold_cell (-1: none).
 * UI thread.
 */
#define TUI_METER_MAX 128
void tui_draw_meter(struct tui *ui, int y, int x, int width, int units,
                    int hold_cell);

/** Meter resolution on this terminal: 8 sub-cells with UTF-8 blocks,
 *  else 1. */
int tui_meter_sub(const struct tui *ui);

/** The styles' attributes and the track colours' pairs, once curses has
 *  started (tui_draw.c). UI thread. */
void tui_init_styles(struct tui *ui);

/** The meter's cells for this terminal (UTF-8 blocks or '#'), once the
 *  locale and curses are set up. UI thread. */
void tui_init_meter_cells(struct tui *ui);

/** One key (ch a character, or a KEY_* code when func): the open
 *  question's, the help's, the view's, else the keys every view shares
 *  (tui_keys.c). UI thread, without the control lock. */
void tui_handle_key(struct tui *ui, wint_t ch, bool func);

/**
 * Ask a yes/no question on the bottom line; on_yes(ui, arg) runs if the
 * engineer answers y. UI thread.
 */
void tui_confirm(struct tui *ui, tui_confirm_fn on_yes, uint32_t arg,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Make *array (of elem-byte items, *cap of them) hold at least `want`,
 *  doubling; false (unchanged) when memory is short. UI thread. */
bool tui_grow(void **array, size_t *cap, size_t want, size_t elem);

/**
 * Ask for a line of text on the bottom line, starting from `initial`
 * (NULL: empty); on_text(ui, arg, text) runs on Enter. UI thread.
 */
void tui_prompt(struct tui *ui, tui_prompt_fn on_text, uint32_t arg,
                const char *initial, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/**
 * A command the control API refused: post it as an error message (status
 * line, session log). Takes the control lock: call without it. UI thread.
 */
void tui_refused(struct tui *ui, const char *what, const struct error *err);

/** The result of an action (actions.h): nothing if st is RL_OK, else
 *  tui_refused(). Call without the control lock. UI thread. */
void tui_report(struct tui *ui, const char *what, enum rl_status st,
                const struct error *err);

/** The selected track, or NULL if there are none. UI thread. */
const struct control_track *tui_selected_track(const struct tui *ui);

/** Copy the takes and comps again at the next frame. UI thread. */
void tui_takes_changed(struct tui *ui);

/** Name of a track number ("7" if it has none). UI thread. */
const char *tui_track_name(const struct tui *ui, uint32_t number);

/* ---- views -------------------------------------------------------------
 * Every *_draw() draws into stdscr (the virtual screen); nothing reaches
 * the terminal until tui.c calls doupdate(). Every *_key() returns true
 * if the view used the key (else the global keys get it). */

/** Transport bar: state and tally, time, bar|beat|tick, section, tempo,
 *  meter, count-in, loop, punch, take. Two rows from y. */
void tui_transport_draw(struct tui *ui, int y);

/** Status line (disk, rings, xruns, drops, DSP, OSC) at y and the
 *  latest message at y + 1. */
void tui_status_draw(struct tui *ui, int y);

/** Track list with meters in rows [y, y + h); full: the screen was
 *  erased, draw everything (else only what changed since last frame). */
void tui_tracks_draw(struct tui *ui, int y, int h, bool full);
bool tui_tracks_key(struct tui *ui, int key);

/** Takes and comps. tui_takes_copy() runs under the control lock. */
void tui_takes_copy(struct tui *ui);
void tui_takes_draw(struct tui *ui, int y, int h);
/** The newest takes, one a row, in rows [y, y + h) (the tracks view's
 *  panel). */
void tui_takes_draw_recent(struct tui *ui, int y, int h);
bool tui_takes_key(struct tui *ui, int key);

/** The cue (headphone) mix. */
void tui_cue_draw(struct tui *ui, int y, int h);
bool tui_cue_key(struct tui *ui, int key);

/** Messages received, newest at the bottom. */
void tui_log_draw(struct tui *ui, int y, int h);
/** The newest messages, one a row, in rows [y, y + h). */
void tui_log_draw_recent(struct tui *ui, int y, int h);
bool tui_log_key(struct tui *ui, int key);

/** The markers (tui_markers.c): copied under the lock each frame; the
 *  ones around the play head drawn at (y, x) of the transport bar
 *  (returns the width used); the list over the screen and its keys
 *  (false: not one of its keys, the list closes). UI thread. */
void tui_markers_copy(struct tui *ui);
int tui_markers_draw_near(struct tui *ui, int y, int x);
void tui_markers_draw(struct tui *ui);
bool tui_markers_key(struct tui *ui, int key);

/** The help overlay, over whatever view is shown. */
void tui_help_draw(struct tui *ui);
bool tui_help_key(struct tui *ui, int key);

/** Keys of the views and the help overlay that are not curses KEY_*
 *  codes: tui.c reads wide characters and hands them over as ints. */
#define TUI_KEY_ESC 27
#define TUI_KEY_ENTER '\r'
#define TUI_CTRL(c) ((c) & 0x1f)

#endif
