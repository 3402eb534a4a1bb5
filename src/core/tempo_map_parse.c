/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading a tempo map: klick's text format (see doc/tempo-map.md and
 * redlight/tempo_map.h) into the entries of a struct tempo_map, with
 * klick's rules and one error message per refusal that names the file,
 * line and column ("song.map:3:12: expected ..."). The entries' exact
 * start times are summed here; everything the map answers afterwards is
 * in tempo_map.c.
 *
 * Threads: non-RT only (it allocates and reads files): the control and
 * main threads when a session or a command loads its map, and the
 * offline tools. Nothing here is reachable from the JACK process thread.
 */
#include "tempo_map_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* tempo_map_load refuses bigger files: a tempo map is a few kB of text. */
#define MAX_FILE_BYTES (4u << 20)

/* ---------------------------------------------------------------------- */
/* Tokens and messages                                                    */

struct parser {
	const char *name;
	int32_t line;
	const char *ls; /* line start (columns count from here) */
	const char *le; /* line end, without "\r\n" */
	struct error *err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_' || c == '-';
}

static const char *skip_blanks(const char *p, const char *le)
{
	while (p < le && is_blank(*p))
		p++;
	return p;
}

/* End of the token at p: up to a blank, a comment or the end. */
static const char *token_end(const char *p, const char *le)
{
	while (p < le && !is_blank(*p) && *p != '#')
		p++;
	return p;
}

static bool at_end(const char *p, const char *le)
{
	return p == le || *p == '#';
}

/* Room for a described token: 40 bytes shown, each up to 4 chars. */
#define FOUND_SIZE 192

/* "'TOKEN'" for messages, bytes outside printable ASCII as \xNN, cut
 * after 40 bytes; "end of line" if there is no token. */
static void describe(const char *p, const char *le, char *buf)
{
	if (at_end(p, le)) {
		snprintf(buf, FOUND_SIZE, "end of line");
		return;
	}
	const char *end = token_end(p, le);
	size_t n = 0;
	buf[n++] = '\'';
	for (int shown = 0; p < end; p++, shown++) {
		unsigned char c = (unsigned char)*p;
		if (shown == 40) {
			memcpy(buf + n, "...", 3);
			n += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, FOUND_SIZE - n,
			                      "\\x%02x", c);
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

__attribute__((format(printf, 3, 4)))
static enum rl_status fail(const struct parser *ps, const char *at,
                           const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return error_set(ps->err, RL_ERR_FORMAT, "%s:%" PRId32 ":%td: %s",
	                 ps->name, ps->line, at - ps->ls + 1, text);
}

/* "expected WHAT, found 'TOKEN'" with the column of the token. */
static enum rl_status expected(const struct parser *ps, const char *at,
                               const char *what)
{
	char found[FOUND_SIZE];
	describe(at, ps->le, found);
	return fail(ps, at, "expected %s, found %s", what, found);
}

/* "WHAT, found 'NUMBER'" for a number [at, end) out of range. */
static enum rl_status out_of_range(const struct parser *ps, const char *at,
                                   const char *end, const char *what)
{
	char found[FOUND_SIZE];
	describe(at, end, found);
	return fail(ps, at, "%s, found %s", what, found);
}

/* INT: one or more digits. Saturates (at 2^40, far above every limit)
 * instead of wrapping. */
static bool lex_uint(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	if (p == end || !is_digit(*p))
		return false;
	for (; p < end && is_digit(*p); p++) {
		if (v < (UINT64_C(1) << 40))
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*pp = p;
	*out = v;
	return true;
}

/* FLOAT as klick has it: digits [. digits*] | . digits. No sign, no
 * exponent, no locale (strtod would read "120,5" in some locales and stop
 * at "120.5" in others). Up to 18 significant digits are kept, the value
 * is one correctly rounded division for any sane input. */
static bool lex_float(const char **pp, const char *end, double *out)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
		1e21, 1e22,
	};
	const char *p = *pp;
	uint64_t mant = 0;
	long exp10 = 0;
	int sig = 0;
	bool digits = false;

	for (; p < end && is_digit(*p); p++) {
		digits = true;
		if (sig < 18) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			sig += mant != 0;
		} else {
			exp10++;
		}
	}
	if (p < end && *p == '.') {
		const char *frac = p + 1;
		const char *q = frac;
		for (; q < end && is_digit(*q); q++) {
			if (sig < 18) {
				mant = mant * 10 + (uint64_t)(*q - '0');
				sig += mant != 0;
				exp10--;
			}
		}
		if (!digits && q == frac)
			return false; /* a lone '.' */
		digits = true;
		p = q;
	}
	if (!digits)
		return false;

	double v = (double)mant;
	if (mant == 0)
		v = 0.0;
	else if (exp10 > 22)
		v = HUGE_VAL;
	else if (exp10 >= 0)
		v *= pow10[exp10];
	else if (exp10 >= -22)
		v /= pow10[-exp10];
	else
		v = v / 1e22 / pow(10.0, (double)(-exp10 - 22));
	*pp = p;
	*out = v;
	return true;
}

/* ---------------------------------------------------------------------- */
/* One line: label, bars, meter, tempo, pattern, volume                   */

/* One tempo value in (0, MAX_TEMPO]. */
static enum rl_status tempo_value(const struct parser *ps, const char **pp,
                                  const char *end, const char *what,
                                  double *out)
{
	const char *at = *pp;
	if (!lex_float(pp, end, out))
		return expected(ps, at, what);
	if (!(*out > 0.0 && *out <= MAX_TEMPO)) {
		return out_of_range(ps, at, *pp,
		                    "expected a tempo greater than 0 and at "
		                    "most 1000 bpm");
	}
	return RL_OK;
}

#define WHAT_TEMPO "a tempo (120, 120-140 or 120,122,...)"

/* The tempo token [p, end): T, T1-T2 or T1,T2,... . A list's values go to
 * e->tempi (allocated here). */
static enum rl_status parse_tempo(const struct parser *ps, const char *p,
                                  const char *end, struct entry *e)
{
	const char *tok = p;
	enum rl_status rc = tempo_value(ps, &p, end, WHAT_TEMPO, &e->t1);
	if (rc)
		return rc;
	e->t2 = e->t1;
	e->kind = KIND_CONSTANT;

	if (p < end && *p == '-') {
		p++;
		rc = tempo_value(ps, &p, end,
		                 "the end tempo of a ramp after '-' (as in "
		                 "120-140)", &e->t2);
		if (rc)
			return rc;
		e->kind = KIND_RAMP;
	} else if (p < end && *p == ',') {
		/* Every value first (each error at its own column), then the
		 * count, as klick checks it; then store them. */
		const char *first = p;
		int64_t count = 1;
		double v;
		while (p < end && *p == ',') {
			p++;
			rc = tempo_value(ps, &p, end,
			                 "a tempo value after ',' (as in "
			                 "120,122,...)", &v);
			if (rc)
				return rc;
			count++;
		}
		if (p != end)
			return expected(ps, tok, WHAT_TEMPO);
		if (count != e->nbeats) {
			return fail(ps, tok,
			            "%" PRId64 " tempo values, the entry has %"
			            PRId64 " beats (%" PRId32 " bar%s of %"
			            PRId32 "/%" PRId32 ")", count, e->nbeats,
			            e->bars, e->bars == 1 ? "" : "s",
			            e->beats, e->denom);
		}
		/* tempi[count], then prefix[count + 1]. */
		e->tempi = malloc(((size_t)count * 2 + 1) * sizeof *e->tempi);
		if (!e->tempi)
			return error_set(ps->err, RL_ERR_NOMEM,
			                 "%s:%" PRId32 ": out of memory for %"
			                 PRId64 " tempo values", ps->name,
			                 ps->line, count);
		e->prefix = e->tempi + count;
		e->tempi[0] = e->t1;
		p = first;
		for (int64_t i = 1; i < count; i++) {
			p++;
			lex_float(&p, end, &e->tempi[i]);
		}
		e->t2 = e->tempi[count - 1];
		e->kind = KIND_LIST;
	}
	if (p != end)
		return expected(ps, tok, WHAT_TEMPO);
	return RL_OK;
}

/* The label, if the first token has a ':'. klick allows the bars right
 * after the colon ("intro:8 120"). Leaves *pp at the bars. */
static enum rl_status parse_label(const struct parser *ps, const char **pp,
                                  struct entry *e)
{
	const char *le = ps->le;
	const char *p = *pp;
	const char *end = token_end(p, le);
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (!colon)
		return RL_OK;
	if (colon == p)
		return fail(ps, p, "expected a label before ':', "
		                   "found nothing");
	for (const char *q = p; q < colon; q++) {
		if (!is_label_char(*q)) {
			char label[FOUND_SIZE], found[FOUND_SIZE];
			describe(p, colon, label);
			describe(q, q + 1, found);
			return fail(ps, q,
			            "expected a letter, digit, '_' or '-' "
			            "in label %s, found %s", label, found);
		}
	}
	size_t len = (size_t)(colon - p);
	if (len > TEMPO_MAP_LABEL_MAX)
		return fail(ps, p,
		            "label is %zu characters long, at most %d "
		            "are allowed", len, TEMPO_MAP_LABEL_MAX);
	memcpy(e->label, p, len);
	e->label[len] = '\0';
	p = skip_blanks(colon + 1, le);
	if (at_end(p, le)) {
		char what[128];
		snprintf(what, sizeof what,
		         "the number of bars after label '%s'", e->label);
		return expected(ps, p, what);
	}
	*pp = p;
	return RL_OK;
}

/* The number of bars; the meter is 4/4 until one is given. Leaves *pp at
 * the next token. */
static enum rl_status parse_bars(const struct parser *ps, const char **pp,
                                 struct entry *e)
{
	const char *at = *pp;
	const char *p = at;
	const char *end = token_end(p, ps->le);
	uint64_t n;

	if (!lex_uint(&p, end, &n) || p != end)
		return expected(ps, at, "the number of bars (a whole number)");
	if (n < 1 || n > MAX_BARS)
		return out_of_range(ps, at, end,
		                    "expected a number of bars from 1 to 100000");
	e->bars = (int32_t)n;
	e->beats = 4;
	e->denom = 4;
	*pp = skip_blanks(p, ps->le);
	return RL_OK;
}

/* The meter, if the token at *pp has a '/' (3/4, 6/8). Leaves *pp at the
 * next token. */
static enum rl_status parse_meter(const struct parser *ps, const char **pp,
                                  struct entry *e)
{
	const char *le = ps->le;
	const char *p = *pp;
	const char *end = token_end(p, le);
	if (at_end(p, le) || !memchr(p, '/', (size_t)(end - p)))
		return RL_OK;

	const char *at = p;
	uint64_t beats, denom;
	if (!lex_uint(&p, end, &beats) || p == end || *p != '/')
		return expected(ps, at, "a meter like 3/4 or 6/8");
	const char *dat = ++p;
	if (!lex_uint(&p, end, &denom) || p != end)
		return expected(ps, at, "a meter like 3/4 or 6/8");
	if (beats < 1 || beats > MAX_BEATS)
		return out_of_range(ps, at, dat - 1,
		                    "expected 1 to 64 beats per bar");
	if (denom < 1 || denom > MAX_DENOMINATOR)
		return out_of_range(ps, dat, end,
		                    "expected a meter denominator from "
		                    "1 to 64");
	e->beats = (int32_t)beats;
	e->denom = (int32_t)denom;
	*pp = skip_blanks(p, le);
	return RL_OK;
}

/* The accent pattern (X, x and '.'; ".5" is a volume, not a pattern), or
 * the default one. *found says whether the line had one. Leaves *pp at
 * the next token. */
static enum rl_status parse_pattern(const struct parser *ps, const char **pp,
                                    struct entry *e, bool *found)
{
	const char *le = ps->le;
	const char *p = *pp;
	const char *end = token_end(p, le);

	tempo_map_default_pattern(e);
	*found = false;
	if (at_end(p, le) ||
	    !(*p == 'X' || *p == 'x' ||
	      (*p == '.' && !(p + 1 < end && is_digit(p[1])))))
		return RL_OK;

	const char *at = p;
	for (; p < end; p++) {
		if (*p != 'X' && *p != 'x' && *p != '.')
			return expected(ps, at,
			                "a pattern of 'X', 'x' and '.' "
			                "(like X.x.)");
	}
	if (end - at != e->beats)
		return fail(ps, at,
		            "pattern '%.*s' has %td beat%s, meter %"
		            PRId32 "/%" PRId32 " has %" PRId32,
		            (int)(end - at > 64 ? 64 : end - at), at,
		            end - at, end - at == 1 ? "" : "s",
		            e->beats, e->denom, e->beats);
	for (int i = 0; i < e->beats; i++)
		e->pattern[i] = at[i] == 'X' ? TEMPO_MAP_ACCENT
		              : at[i] == 'x' ? TEMPO_MAP_NORMAL
		                             : TEMPO_MAP_SILENT;
	*found = true;
	*pp = skip_blanks(end, le);
	return RL_OK;
}

/* The volume, if any, and then the end of the line. pattern: whether a
 * pattern came before (the message names what else could be here). */
static enum rl_status parse_volume(const struct parser *ps, const char *p,
                                   struct entry *e, bool pattern)
{
	const char *le = ps->le;

	e->volume = 1.0f;
	if (at_end(p, le))
		return RL_OK;

	const char *at = p;
	const char *end = token_end(p, le);
	double v;
	if (!lex_float(&p, end, &v) || p != end)
		return expected(ps, at,
		                pattern ? "a volume (like 0.5) or end of "
		                          "line"
		                        : "a pattern (like X.x.), a volume "
		                          "(like 0.5) or end of line");
	if (v > MAX_VOLUME)
		return out_of_range(ps, at, end,
		                    "expected a volume from 0 to 10");
	e->volume = (float)v;
	p = skip_blanks(end, le);
	if (!at_end(p, le))
		return expected(ps, p,
		                "end of line (or a '#' comment) after the "
		                "volume");
	return RL_OK;
}

/* One line with an entry: "[label:] bars [meter] tempo [pattern] [volume]
 * [# comment]". *has_entry is false for blank and comment lines. Each
 * part's parser leaves p at the start of the next token. */
static enum rl_status parse_line(const struct parser *ps, struct entry *e,
                                 bool *has_entry)
{
	const char *le = ps->le;
	const char *p = skip_blanks(ps->ls, le);
	enum rl_status rc;

	*has_entry = false;
	if (at_end(p, le))
		return RL_OK;
	*has_entry = true;
	memset(e, 0, sizeof *e);
	e->line = ps->line;

	rc = parse_label(ps, &p, e);
	if (!rc)
		rc = parse_bars(ps, &p, e);
	if (!rc)
		rc = parse_meter(ps, &p, e);
	if (rc)
		return rc;
	e->nbeats = (int64_t)e->bars * e->beats;

	/* Tempo. */
	if (at_end(p, le))
		return expected(ps, p, WHAT_TEMPO);
	const char *end = token_end(p, le);
	rc = parse_tempo(ps, p, end, e);
	if (rc)
		return rc;
	p = skip_blanks(end, le);

	bool pattern;
	rc = parse_pattern(ps, &p, e, &pattern);
	if (rc)
		return rc;
	return parse_volume(ps, p, e, pattern);
}

/* ---------------------------------------------------------------------- */
/* The whole text, and the file                                           */

/* Control characters and NUL mean this is not a tempo map (a binary file,
 * a wrong path): say so with the position rather than a puzzling grammar
 * error. Comments may hold any other bytes (UTF-8, Latin-1). */
static enum rl_status check_text(const struct parser *ps)
{
	for (const char *q = ps->ls; q < ps->le; q++) {
		unsigned char c = (unsigned char)*q;
		if (c == 0)
			return fail(ps, q, "unexpected NUL byte (this is not a "
			                   "text file)");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, q, "unexpected control character 0x%02x "
			                   "(this is not a text file)", c);
	}
	return RL_OK;
}

static enum rl_status append(struct tempo_map *map, size_t *cap,
                             const struct entry *e)
{
	if (map->count == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct entry *grown = realloc(map->entries, n * sizeof *grown);
		if (!grown)
			return RL_ERR_NOMEM;
		map->entries = grown;
		*cap = n;
	}
	map->entries[map->count++] = *e;
	return RL_OK;
}

enum rl_status tempo_map_parse(const char *text, size_t length,
                               const char *name, uint32_t rate,
                               struct tempo_map **out, struct error *err)
{
	*out = NULL;
	if (!name)
		name = "tempo map";
	enum rl_status rc = tempo_map_check_rate(rate, err);
	if (rc)
		return rc;
	struct tempo_map *map = tempo_map_alloc(name, rate);
	if (!map)
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", name);

	struct parser ps = { .name = name, .line = 0, .err = err };
	const char *p = text ? text : "";
	const char *end = p + (text ? length : 0);
	size_t cap = 0;
	double start_sec = 0.0, comp = 0.0; /* Neumaier sum of durations */
	int64_t bar = 1;

	/* A UTF-8 byte order mark some editors write: not part of line 1. */
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ps.line++;
		ps.ls = p;
		ps.le = nl ? nl : end;
		if (ps.le > ps.ls && ps.le[-1] == '\r')
			ps.le--; /* CRLF */
		p = nl ? nl + 1 : end;
		if (ps.line == INT32_MAX) {
			rc = fail(&ps, ps.ls, "too many lines");
			goto fail;
		}

		struct entry e = { .tempi = NULL };
		bool has_entry = false;
		rc = check_text(&ps);
		if (!rc)
			rc = parse_line(&ps, &e, &has_entry);
		if (rc) {
			if (has_entry)
				free(e.tempi);
			goto fail;
		}
		if (!has_entry)
			continue;

		e.first_bar = bar;
		bar += e.bars;
		e.start_sec = start_sec + comp;
		e.start_frame = to_frame(e.start_sec, rate);
		double dur = tempo_map_entry_prepare(&e);
		double t = start_sec + dur;
		if (fabs(start_sec) >= fabs(dur))
			comp += (start_sec - t) + dur;
		else
			comp += (dur - t) + start_sec;
		start_sec = t;
		if (!((start_sec + comp) * (double)rate <= MAX_MAP_FRAMES)) {
			free(e.tempi);
			rc = error_set(err, RL_ERR_FORMAT,
			               "%s:%" PRId32 ": the map is too long (more "
			               "than 2^53 frames at %" PRIu32 " Hz)", name,
			               ps.line, rate);
			goto fail;
		}
		if (append(map, &cap, &e)) {
			free(e.tempi);
			rc = error_set(err, RL_ERR_NOMEM, "%s: out of memory",
			               name);
			goto fail;
		}
	}
	if (map->count == 0) {
		rc = error_set(err, RL_ERR_FORMAT,
		               "%s: no entries (a tempo map needs at least one "
		               "line like '8 120')", name);
		goto fail;
	}

	/* Entry ends are the next entry's start: same double, same frame. */
	map->end_sec = start_sec + comp;
	map->end_frame = to_frame(map->end_sec, rate);
	for (size_t i = 0; i < map->count; i++)
		map->entries[i].end_frame = i + 1 < map->count
		                            ? map->entries[i + 1].start_frame
		                            : map->end_frame;
	tempo_map_finish(map);
	*out = map;
	return RL_OK;

fail:
	tempo_map_free(map);
	return rc;
}

enum rl_status tempo_map_load(const char *path, uint32_t rate,
                              struct tempo_map **out, struct error *err)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return error_set(err, e == ENOENT ? RL_ERR_NOT_FOUND : RL_ERR_IO,
		                 "%s: cannot open tempo map: %s", path,
		                 strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_set(err, RL_ERR_IO,
		                 "%s: cannot read tempo map: is a directory", path);
	}

	/* Read to the end whatever fstat says (pipes, /proc), one byte past
	 * the limit to know it was passed. */
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	enum rl_status rc = RL_OK;
	if (!buf) {
		close(fd);
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", path);
	}
	for (;;) {
		if (len == cap) {
			if (cap > MAX_FILE_BYTES) {
				rc = error_set(err, RL_ERR_FORMAT,
				               "%s: larger than %u MiB, not a "
				               "tempo map", path,
				               MAX_FILE_BYTES >> 20);
				break;
			}
			size_t ncap = cap * 2;
			if (ncap > MAX_FILE_BYTES + 1)
				ncap = MAX_FILE_BYTES + 1;
			char *grown = realloc(buf, ncap);
			if (!grown) {
				rc = error_set(err, RL_ERR_NOMEM,
				               "%s: out of memory", path);
				break;
			}
			buf = grown;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			rc = error_set(err, rl_status_from_errno(e),
			               "%s: cannot read tempo map: %s", path,
			               strerror(e));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc == RL_OK)
		rc = tempo_map_parse(buf, len, path, rate, out, err);
	free(buf);
	return rc;
}
