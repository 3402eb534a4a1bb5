/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for mixdown: comps and bounces of real WAV files (written
 * here with libsndfile), read back with libsndfile and compared frame by
 * frame with a model written from mixdown.h rather than from mixdown.c:
 *
 * - comp: the fade at boundary B is L = min(fade, both pieces' lengths)
 *   frames long, over [B - L/2, B - L/2 + L), and its frame k has
 *   x = (k + 0.5) / L, gain_out = cos(x·π/2), gain_in = sin(x·π/2);
 *   everywhere else a frame is its piece's take at (t - file_start), or
 *   silence where the take has no such frame;
 * - bounce: left = g·cos θ, right = g·sin θ, θ = (pan + 1)·π/4, summed.
 *
 * Sources are float WAVs and most renders are float, so outside the fades
 * the comparison is exact and inside them it is within float rounding
 * (TOL), far below what a misplaced or mis-shaped fade makes (moving x by
 * half a frame changes a gain by up to π/(4L) = 1.6e-3 for L = 480).
 *
 * Standalone: prints every failed check as file:line and exits non-zero
 * if any failed. Works in a fresh mkdtemp directory under $TMPDIR (or
 * /tmp), removed afterwards when all passed.
 */
#include "check.h"
#include "redlight/mixdown.h"

#include <sndfile.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define RATE 48000
#define FADE 480 /* 10 ms at RATE */
/* Float rounding of a rendered sample (a gain product and a sum of two,
 * each rounded to float) on signals within ±1. */
#define TOL 1e-6
#define MAX_PIECES 16
#define MAX_TRACKS 16

static char test_dir[256];

static void test_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", test_dir, name);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Count a wrong sample; print the first few so a failure says where. */
static void note_bad(long *bad, int line, const char *what, int64_t frame,
                     double got, double want)
{
	if ((*bad)++ < 4)
		fprintf(stderr, "%s:%d: %s: frame %lld is %.9g, expected "
		        "%.9g\n", __FILE__, line, what, (long long)frame, got,
		        want);
}

/* ---- test signals and take files ------------------------------------- */

/*
 * The ramps are exact in float (and in pcm24 and pcm16: a multiple of
 * 2^-14) and differ at every frame of a 4096-frame cycle, so a piece read
 * from the wrong file position shows; A is positive and B negative, so
 * the wrong take shows too.
 */
enum sig_kind { SIG_CONST, SIG_RAMP_A, SIG_RAMP_B, SIG_SINE };

struct sig {
	enum sig_kind kind;
	double level;          /* SIG_CONST's value, SIG_SINE's amplitude */
	double freq, phase;    /* SIG_SINE: Hz, radians */
};

static float sig_value(const struct sig *s, int64_t n)
{
	switch (s->kind) {
	case SIG_CONST:
		return (float)s->level;
	case SIG_RAMP_A:
		return 0.25f + (float)(n % 4096) / 16384.0f;
	case SIG_RAMP_B:
		return -0.25f - (float)((n * 7) % 4096) / 16384.0f;
	case SIG_SINE:
		return (float)(s->level * sin(2.0 * M_PI * s->freq *
		                              (double)n / RATE + s->phase));
	}
	return 0.0f;
}

static const struct sig RAMP_A = { SIG_RAMP_A, 0, 0, 0 };
static const struct sig RAMP_B = { SIG_RAMP_B, 0, 0, 0 };

static struct sig constant(double level)
{
	return (struct sig){ SIG_CONST, level, 0, 0 };
}

static struct sig sine(double amp, double freq, double phase)
{
	return (struct sig){ SIG_SINE, amp, freq, phase };
}

/* A take file and what a mono mixdown of it must read: its samples, or
 * for a multi-channel file the average of its channels. */
struct take {
	char path[512];
	int64_t frames;
	float *mono;
};

static bool write_wav(const char *path, int rate, int channels,
                      const float *data, int64_t frames)
{
	SF_INFO info = { .samplerate = rate, .channels = channels,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
		return false;
	}
	bool ok = sf_writef_float(sf, data, frames) == frames;
	return sf_close(sf) == 0 && ok;
}

/* Mono float take of `frames` frames of `s` at `rate`. */
static bool make_take_rate(struct take *tk, const char *name, int rate,
                           int64_t frames, struct sig s)
{
	test_path(tk->path, sizeof tk->path, name);
	tk->frames = frames;
	tk->mono = malloc(sizeof(float) * (size_t)(frames > 0 ? frames : 1));
	if (!tk->mono)
		return false;
	for (int64_t n = 0; n < frames; n++)
		tk->mono[n] = sig_value(&s, n);
	return write_wav(tk->path, rate, 1, tk->mono, frames);
}

static bool make_take(struct take *tk, const char *name, int64_t frames,
                      struct sig s)
{
	return make_take_rate(tk, name, RATE, frames, s);
}

/* Mono take of the given samples (ownership of `mono` passes to tk). */
static bool make_take_from(struct take *tk, const char *name, int64_t frames,
                           float *mono)
{
	test_path(tk->path, sizeof tk->path, name);
	tk->frames = frames;
	tk->mono = mono;
	return mono && write_wav(tk->path, RATE, 1, mono, frames);
}

static void take_free(struct take *tk)
{
	free(tk->mono);
	tk->mono = NULL;
}

/* Sample of a take placed with its frame 0 at timeline frame file_start:
 * silence where the take has no frame. */
static double take_at(const struct take *tk, int64_t file_start, int64_t t)
{
	int64_t n = t - file_start;
	return n >= 0 && n < tk->frames ? (double)tk->mono[n] : 0.0;
}

/* The whole file as interleaved floats (NULL if it cannot be read); *info
 * gets its format. */
static float *read_wav(const char *path, SF_INFO *info)
{
	memset(info, 0, sizeof *info);
	SNDFILE *sf = sf_open(path, SFM_READ, info);
	if (!sf) {
		fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
		return NULL;
	}
	size_t n = (size_t)info->frames * (size_t)info->channels;
	float *buf = malloc(sizeof(float) * (n ? n : 1));
	if (buf && sf_readf_float(sf, buf, info->frames) != info->frames) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		buf = NULL;
	}
	sf_close(sf);
	return buf;
}

/* The bext time reference, or false if the file has no bext chunk. */
static bool read_time_ref(const char *path, uint64_t *ref, char *originator,
                          size_t size)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return false;
	SF_BROADCAST_INFO b;
	memset(&b, 0, sizeof b);
	bool ok = sf_command(sf, SFC_GET_BROADCAST_INFO, &b, sizeof b) ==
	          SF_TRUE;
	sf_close(sf);
	*ref = ((uint64_t)b.time_reference_high << 32) | b.time_reference_low;
	if (originator)
		snprintf(originator, size, "%.*s", (int)sizeof b.originator,
		         b.originator);
	return ok;
}

/* Whole file bytes (NULL if unreadable). */
static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;
	*size = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			*size = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static bool write_bytes(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* Largest |x[j+1] - x[j]| over j in [lo, hi - 1), stride `step`. */
static double max_jump(const float *x, size_t step, int64_t lo, int64_t hi)
{
	double m = 0.0;
	for (int64_t j = lo; j + 1 < hi; j++) {
		double d = fabs((double)x[(j + 1) * (int64_t)step] -
		                (double)x[j * (int64_t)step]);
		if (d > m)
			m = d;
	}
	return m;
}

/* ---- comp: running it and its model ---------------------------------- */

/* A comp piece in terms of a take (the model needs its samples). */
struct cpiece {
	const struct take *take;
	int64_t file_start, from, to;
};

static enum rl_status run_comp(const struct cpiece *cp, size_t n,
                               uint32_t fade, enum take_format format,
                               const char *dest, uint64_t *frames,
                               struct error *err)
{
	struct mixdown_piece p[MAX_PIECES];
	for (size_t i = 0; i < n && i < MAX_PIECES; i++)
		p[i] = (struct mixdown_piece){ cp[i].take->path,
		                               cp[i].file_start, cp[i].from,
		                               cp[i].to };
	return mixdown_comp(p, n, RATE, fade, format, dest, frames, err);
}

/* Length of the fade at the boundary before piece i (i >= 1): shortened
 * to the shorter of the two pieces. */
static int64_t model_fade_len(const struct cpiece *p, size_t i, uint32_t fade)
{
	return min64((int64_t)fade, min64(p[i - 1].to - p[i - 1].from,
	                                  p[i].to - p[i].from));
}

/* The comp's value at timeline frame t; *fading says whether t is in a
 * fade. */
static double model_comp(const struct cpiece *p, size_t n, uint32_t fade,
                         int64_t t, bool *fading)
{
	for (size_t i = 1; i < n; i++) {
		int64_t len = model_fade_len(p, i, fade);
		int64_t lo = p[i].from - len / 2;
		if (t >= lo && t < lo + len) {
			double x = ((double)(t - lo) + 0.5) / (double)len;
			*fading = true;
			return cos(x * M_PI / 2.0) *
			               take_at(p[i - 1].take,
			                       p[i - 1].file_start, t) +
			       sin(x * M_PI / 2.0) *
			               take_at(p[i].take, p[i].file_start, t);
		}
	}
	*fading = false;
	for (size_t i = 0; i < n; i++)
		if (t >= p[i].from && t < p[i].to)
			return take_at(p[i].take, p[i].file_start, t);
	return 0.0;
}

/*
 * Read the comp at `path` back and compare its shape and every frame with
 * the model: outside the fades within tol_flat (0: the take's very
 * sample), inside within tol_fade. Counts one failure at `line` if any
 * frame is wrong; returns the number of wrong frames.
 */
static long check_comp(const char *path, const struct cpiece *p, size_t n,
                       uint32_t fade, double tol_flat, double tol_fade,
                       int line)
{
	SF_INFO info;
	float *out = read_wav(path, &info);
	CHECK_AT(out != NULL, __FILE__, line);
	if (!out)
		return -1;
	const int64_t start = p[0].from, end = p[n - 1].to;
	CHECK_AT(info.channels == 1, __FILE__, line);
	CHECK_AT(info.samplerate == RATE, __FILE__, line);
	CHECK_AT(info.frames == end - start, __FILE__, line);
	long bad = 0;
	for (int64_t j = 0; j < info.frames && info.channels == 1; j++) {
		bool fading;
		double want = model_comp(p, n, fade, start + j, &fading);
		double got = (double)out[j];
		bool ok = fading ? fabs(got - want) <= tol_fade
		          : tol_flat == 0.0 ? out[j] == (float)want
		          : fabs(got - want) <= tol_flat;
		if (!ok)
			note_bad(&bad, line, path, start + j, got, want);
	}
	CHECK_AT(bad == 0, __FILE__, line);
	free(out);
	return bad;
}

/* ---- bounce: running it and its model -------------------------------- */

struct btrack {
	const struct take *take;
	int64_t file_start;
	double gain_db, pan;
};

static enum rl_status run_bounce(const struct btrack *bt, size_t n,
                                 enum take_format format, const char *dest,
                                 struct mixdown_report *report,
                                 struct error *err)
{
	struct mixdown_track t[MAX_TRACKS];
	for (size_t i = 0; i < n && i < MAX_TRACKS; i++)
		t[i] = (struct mixdown_track){
			.name = bt[i].take->path, .path = bt[i].take->path,
			.file_start = bt[i].file_start,
			.gain_db = bt[i].gain_db, .pan = bt[i].pan,
		};
	return mixdown_bounce(t, n, RATE, format, dest, report, err);
}

/* The header's constant-power pan, straight from its formula. */
static void model_pan(double gain_db, double pan, double *left,
                      double *right)
{
	double g = gain_db == -INFINITY ? 0.0 : pow(10.0, gain_db / 20.0);
	double theta = (pan + 1.0) * M_PI / 4.0;
	*left = g * cos(theta);
	*right = g * sin(theta);
}

/* The timeline span a bounce must cover: the union of the non-empty
 * tracks' spans. */
static void model_span(const struct btrack *bt, size_t n, int64_t *start,
                       int64_t *end)
{
	*start = INT64_MAX;
	*end = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		if (bt[i].take->frames == 0)
			continue;
		*start = min64(*start, bt[i].file_start);
		*end = max64(*end, bt[i].file_start + bt[i].take->frames);
	}
}

/*
 * Read the bounce at `path` back and compare its shape, time reference
 * and every sample with the model within tol (plus 1e-12: the header's
 * formula leaves cos(π/2) = 6e-17 of a hard-right track on the left,
 * where the output rightly has 0). Counts one failure at
 * `line` if any sample is wrong; returns the number of wrong samples.
 */
static long check_bounce(const char *path, const struct btrack *bt,
                         size_t n, double tol, int line)
{
	int64_t start, end;
	model_span(bt, n, &start, &end);
	SF_INFO info;
	float *out = read_wav(path, &info);
	CHECK_AT(out != NULL, __FILE__, line);
	if (!out)
		return -1;
	CHECK_AT(info.channels == 2, __FILE__, line);
	CHECK_AT(info.samplerate == RATE, __FILE__, line);
	CHECK_AT(info.frames == end - start, __FILE__, line);
	uint64_t ref = UINT64_MAX;
	CHECK_AT(read_time_ref(path, &ref, NULL, 0), __FILE__, line);
	CHECK_AT(ref == (uint64_t)max64(start, 0), __FILE__, line);
	long bad = 0;
	for (int64_t j = 0; j < info.frames && info.channels == 2; j++) {
		double want[2] = { 0.0, 0.0 };
		for (size_t i = 0; i < n; i++) {
			double l, r;
			model_pan(bt[i].gain_db, bt[i].pan, &l, &r);
			double s = take_at(bt[i].take, bt[i].file_start,
			                   start + j);
			want[0] += l * s;
			want[1] += r * s;
		}
		for (int c = 0; c < 2; c++)
			if (!(fabs((double)out[2 * j + c] - want[c]) <=
			      tol + 1e-12))
				note_bad(&bad, line, c ? "right" : "left",
				         start + j, (double)out[2 * j + c],
				         want[c]);
	}
	CHECK_AT(bad == 0, __FILE__, line);
	free(out);
	return bad;
}

/* ---- comp tests -------------------------------------------------------- */

/*
 * Two constant takes, +0.5 and -0.25, cut at 2000 with a 480-frame fade:
 * frames [0, 1760) are exactly A, [2240, 4000) exactly B, and frame k of
 * [1760, 2240) is 0.5·cos(x·π/2) - 0.25·sin(x·π/2). Then each gain alone
 * (the other take silent), to see gain_out² + gain_in² = 1, the symmetry
 * and that no fade frame is pure "out" or pure "in".
 */
static void test_comp_crossfade(void)
{
	struct error err = { 0 };
	struct take a, b, z;
	char out1[512], out2[512], out3[512];
	uint64_t frames = 0;
	SF_INFO info;
	REQUIRE(make_take(&a, "xf-a.wav", 4000, constant(0.5)));
	REQUIRE(make_take(&b, "xf-b.wav", 4000, constant(-0.25)));
	REQUIRE(make_take(&z, "xf-zero.wav", 4000, constant(0.0)));
	test_path(out1, sizeof out1, "xf-ab.wav");
	test_path(out2, sizeof out2, "xf-az.wav");
	test_path(out3, sizeof out3, "xf-za.wav");

	const struct cpiece ab[] = { { &a, 0, 0, 2000 },
	                             { &b, 0, 2000, 4000 } };
	REQUIRE_OK(run_comp(ab, 2, FADE, TAKE_FORMAT_FLOAT, out1, &frames,
	                    &err), &err);
	CHECK_EQ_U64(frames, 4000);
	float *o = read_wav(out1, &info);
	REQUIRE(o != NULL);
	CHECK_EQ_U64(info.frames, 4000);
	CHECK_EQ_U64(info.channels, 1);
	CHECK_EQ_U64(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_FLOAT);
	long bad = 0;
	for (int64_t t = 0; t < 4000 && info.frames == 4000; t++) {
		double want;
		bool exact = true;
		if (t < 1760) {
			want = 0.5;
		} else if (t >= 2240) {
			want = -0.25;
		} else {
			double x = ((double)(t - 1760) + 0.5) / FADE;
			want = 0.5 * cos(x * M_PI / 2) -
			       0.25 * sin(x * M_PI / 2);
			exact = false;
		}
		if (exact ? o[t] != (float)want
		          : !(fabs((double)o[t] - want) <= TOL))
			note_bad(&bad, __LINE__, "A->B", t, o[t], want);
	}
	CHECK_EQ_U64(bad, 0);
	free(o);
	check_comp(out1, ab, 2, FADE, 0.0, TOL, __LINE__);

	/* Each gain alone: gain_out from A -> silence, gain_in from
	 * silence -> A. */
	const struct cpiece az[] = { { &a, 0, 0, 2000 },
	                             { &z, 0, 2000, 4000 } };
	const struct cpiece za[] = { { &z, 0, 0, 2000 },
	                             { &a, 0, 2000, 4000 } };
	REQUIRE_OK(run_comp(az, 2, FADE, TAKE_FORMAT_FLOAT, out2, NULL, &err),
	           &err);
	REQUIRE_OK(run_comp(za, 2, FADE, TAKE_FORMAT_FLOAT, out3, NULL, &err),
	           &err);
	SF_INFO i2, i3;
	float *fo = read_wav(out2, &i2), *fi = read_wav(out3, &i3);
	REQUIRE(fo && fi && i2.frames == 4000 && i3.frames == 4000);
	/* The frames just outside the fade are pure; the fade's own are
	 * not. */
	CHECK(fo[1759] == 0.5f && fo[1760] < 0.5f);
	CHECK(fo[2239] > 0.0f && fo[2240] == 0.0f);
	CHECK(fi[1759] == 0.0f && fi[1760] > 0.0f);
	CHECK(fi[2239] < 0.5f && fi[2240] == 0.5f);
	long bad_out = 0, bad_in = 0, bad_pow = 0, bad_sym = 0, bad_mono = 0;
	for (int k = 0; k < FADE; k++) {
		double x = (k + 0.5) / FADE;
		double go = fo[1760 + k] / 0.5, gi = fi[1760 + k] / 0.5;
		if (!(fabs(go - cos(x * M_PI / 2)) <= 2 * TOL))
			note_bad(&bad_out, __LINE__, "gain_out", k, go,
			         cos(x * M_PI / 2));
		if (!(fabs(gi - sin(x * M_PI / 2)) <= 2 * TOL))
			note_bad(&bad_in, __LINE__, "gain_in", k, gi,
			         sin(x * M_PI / 2));
		if (!(fabs(go * go + gi * gi - 1.0) <= 4 * TOL))
			note_bad(&bad_pow, __LINE__, "gain_out²+gain_in²", k,
			         go * go + gi * gi, 1.0);
		double mirror = fo[1760 + FADE - 1 - k] / 0.5;
		if (!(fabs(gi - mirror) <= 2 * TOL))
			note_bad(&bad_sym, __LINE__, "gain_in(k) vs "
			         "gain_out(L-1-k)", k, gi, mirror);
		if (k > 0 && !(fo[1760 + k] < fo[1760 + k - 1] &&
		               fi[1760 + k] > fi[1760 + k - 1]))
			note_bad(&bad_mono, __LINE__, "monotonic", k, go, gi);
	}
	CHECK_EQ_U64(bad_out, 0);
	CHECK_EQ_U64(bad_in, 0);
	CHECK_EQ_U64(bad_pow, 0);
	CHECK_EQ_U64(bad_sym, 0);
	CHECK_EQ_U64(bad_mono, 0);
	free(fo);
	free(fi);
	take_free(&a);
	take_free(&b);
	take_free(&z);
}

/*
 * Sample-level continuity of the same sine recorded twice. With equal
 * power on identical (fully correlated) takes the output is
 * y = g·s, g = cos u + sin u in [1, √2], u = x·π/2, so the level rises to
 * √2 mid-fade (as the header says: equal power keeps the level of
 * uncorrelated signals). The step between consecutive frames is then
 *   |Δy| <= g·|Δs| + |Δg|·|s| <= √2·S + A·π/(2L)
 * where S is the sine's own largest step, A its amplitude, and
 * |Δg| <= max|g'(u)|·Δu = 1·π/(2L). A frame dropped, doubled or given
 * no gain inside the fade would step by about A, far above that bound.
 */
static void test_comp_no_click_same(void)
{
	struct error err = { 0 };
	struct take s1, s2;
	char out[512];
	const double amp = 0.5, freq = 100.0;
	REQUIRE(make_take(&s1, "same-1.wav", 48000, sine(amp, freq, 0.3)));
	REQUIRE(make_take(&s2, "same-2.wav", 48000, sine(amp, freq, 0.3)));
	test_path(out, sizeof out, "same.wav");
	const struct cpiece p[] = { { &s1, 0, 0, 24000 },
	                            { &s2, 0, 24000, 48000 } };
	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p, 2, FADE, 0.0, TOL, __LINE__);

	SF_INFO info;
	float *y = read_wav(out, &info);
	REQUIRE(y != NULL && info.frames == 48000);
	const int64_t lo = 24000 - FADE / 2, hi = lo + FADE;
	double slope = max_jump(s1.mono, 1, lo - 1, hi + 1);
	double bound = M_SQRT2 * slope + amp * M_PI / (2.0 * FADE) + TOL;
	double jump = max_jump(y, 1, lo - 1, hi + 1);
	CHECK(jump <= bound);
	if (jump > bound)
		fprintf(stderr, "  step %.6g > bound %.6g\n", jump, bound);
	/* The bound is meaningful: well under the amplitude. */
	CHECK(bound < amp / 20.0);
	/* Outside the fade it is the sine itself; inside, g·s with g
	 * between 1 and √2. */
	long bad = 0;
	for (int64_t t = 0; t < 48000; t++) {
		double s = s1.mono[t];
		if (t < lo || t >= hi) {
			if (y[t] != s1.mono[t])
				note_bad(&bad, __LINE__, "outside fade", t,
				         y[t], s);
		} else if (fabs(s) > 0.01) {
			double g = y[t] / s;
			if (!(g >= 1.0 - 1e-4 && g <= M_SQRT2 + 1e-4))
				note_bad(&bad, __LINE__, "fade gain", t, g,
				         1.2);
		}
	}
	CHECK_EQ_U64(bad, 0);
	free(y);
	take_free(&s1);
	take_free(&s2);
}

/*
 * Two different signals: the largest step between consecutive output
 * samples with a 480-frame fade must be far smaller than at a hard cut.
 * For y = c·a + s·b (c = cos u, s = sin u) the step is at most
 * √2·S + √2·A·π/(2L) (S the signals' largest own step, A their largest
 * magnitude): for constants ±0.5 that is 2.3e-3 against the cut's 1.0.
 */
static void test_comp_no_click_different(void)
{
	struct error err = { 0 };
	struct take pos, neg, s0, s90;
	char hard[512], soft[512];
	SF_INFO info;
	REQUIRE(make_take(&pos, "diff-pos.wav", 48000, constant(0.5)));
	REQUIRE(make_take(&neg, "diff-neg.wav", 48000, constant(-0.5)));
	test_path(hard, sizeof hard, "diff-hard.wav");
	test_path(soft, sizeof soft, "diff-soft.wav");
	const struct cpiece p[] = { { &pos, 0, 0, 24000 },
	                            { &neg, 0, 24000, 48000 } };
	REQUIRE_OK(run_comp(p, 2, 0, TAKE_FORMAT_FLOAT, hard, NULL, &err),
	           &err);
	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, soft, NULL, &err),
	           &err);
	check_comp(hard, p, 2, 0, 0.0, TOL, __LINE__);
	check_comp(soft, p, 2, FADE, 0.0, TOL, __LINE__);
	float *h = read_wav(hard, &info);
	REQUIRE(h != NULL && info.frames == 48000);
	float *f = read_wav(soft, &info);
	REQUIRE(f != NULL && info.frames == 48000);
	double jh = max_jump(h, 1, 0, 48000), jf = max_jump(f, 1, 0, 48000);
	/* The hard cut is exactly at the boundary. */
	CHECK(h[23999] == 0.5f && h[24000] == -0.5f);
	CHECK(jh == 1.0);
	CHECK(jf <= M_SQRT2 * 0.5 * M_PI / (2.0 * FADE) + TOL);
	CHECK(jf < jh / 100.0);
	free(h);
	free(f);

	/* Sines 90° apart: at the boundary (a whole number of cycles) one is
	 * at 0 and the other at its peak. */
	const double amp = 0.5, freq = 100.0;
	REQUIRE(make_take(&s0, "diff-s0.wav", 48000, sine(amp, freq, 0.0)));
	REQUIRE(make_take(&s90, "diff-s90.wav", 48000,
	                  sine(amp, freq, M_PI / 2)));
	test_path(hard, sizeof hard, "diff-sine-hard.wav");
	test_path(soft, sizeof soft, "diff-sine-soft.wav");
	const struct cpiece q[] = { { &s0, 0, 0, 24000 },
	                            { &s90, 0, 24000, 48000 } };
	REQUIRE_OK(run_comp(q, 2, 0, TAKE_FORMAT_FLOAT, hard, NULL, &err),
	           &err);
	REQUIRE_OK(run_comp(q, 2, FADE, TAKE_FORMAT_FLOAT, soft, NULL, &err),
	           &err);
	check_comp(soft, q, 2, FADE, 0.0, TOL, __LINE__);
	h = read_wav(hard, &info);
	REQUIRE(h != NULL && info.frames == 48000);
	f = read_wav(soft, &info);
	REQUIRE(f != NULL && info.frames == 48000);
	double slope = max_jump(s0.mono, 1, 0, 48000);
	jh = max_jump(h, 1, 23000, 25000);
	jf = max_jump(f, 1, 23000, 25000);
	CHECK(jh > 0.45);
	CHECK(jf <= M_SQRT2 * (slope + amp * M_PI / (2.0 * FADE)) + TOL);
	CHECK(jf < jh / 10.0);
	free(h);
	free(f);
	take_free(&pos);
	take_free(&neg);
	take_free(&s0);
	take_free(&s90);
}

/* fade 0: hard cuts exactly at the boundaries, every frame the take's own
 * sample; fade 1: one frame at the boundary, both at cos(π/4). */
static void test_comp_hard_cut(void)
{
	struct error err = { 0 };
	struct take a, b;
	char out[512];
	SF_INFO info;
	uint64_t frames = 0;
	REQUIRE(make_take(&a, "cut-a.wav", 12000, RAMP_A));
	REQUIRE(make_take(&b, "cut-b.wav", 12000, RAMP_B));
	test_path(out, sizeof out, "cut.wav");
	const struct cpiece p[] = { { &a, 0, 0, 5000 }, { &b, 0, 5000, 9000 },
	                            { &a, 0, 9000, 12000 } };
	REQUIRE_OK(run_comp(p, 3, 0, TAKE_FORMAT_FLOAT, out, &frames, &err),
	           &err);
	CHECK_EQ_U64(frames, 12000);
	/* No fades at all: tol_fade 0 would fail on any fade frame too. */
	check_comp(out, p, 3, 0, 0.0, 0.0, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 12000);
	CHECK(o[4999] == a.mono[4999] && o[5000] == b.mono[5000]);
	CHECK(o[8999] == b.mono[8999] && o[9000] == a.mono[9000]);
	free(o);

	test_path(out, sizeof out, "cut-fade1.wav");
	REQUIRE_OK(run_comp(p, 3, 1, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_comp(out, p, 3, 1, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 12000);
	CHECK(o[4999] == a.mono[4999] && o[5001] == b.mono[5001]);
	CHECK_NEAR(o[5000], M_SQRT1_2 * (a.mono[5000] + b.mono[5000]), TOL);
	free(o);
	take_free(&a);
	take_free(&b);
}

/*
 * A piece shorter than the fade: both fades around it are shortened to
 * its length and abut (it is never heard at full gain); odd lengths; a
 * first or last piece shorter than the fade (no fade reaches past the
 * comp's ends).
 */
static void test_comp_short_piece(void)
{
	struct error err = { 0 };
	struct take a, b, c;
	char out[512];
	SF_INFO info;
	REQUIRE(make_take(&a, "short-a.wav", 6000, constant(0.5)));
	REQUIRE(make_take(&b, "short-b.wav", 6000, constant(-0.25)));
	REQUIRE(make_take(&c, "short-c.wav", 6000, constant(0.125)));

	/* B is 100 frames: fades [2950, 3050) and [3050, 3150). */
	test_path(out, sizeof out, "short-100.wav");
	const struct cpiece p[] = { { &a, 0, 0, 3000 },
	                            { &b, 0, 3000, 3100 },
	                            { &c, 0, 3100, 6000 } };
	REQUIRE_OK(run_comp(p, 3, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p, 3, FADE, 0.0, TOL, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 6000);
	CHECK(o[2949] == 0.5f && o[2950] != 0.5f);
	CHECK(o[3149] != 0.125f && o[3150] == 0.125f);
	/* Last frame of the first fade and first of the second. */
	double x = 99.5 / 100.0;
	CHECK_NEAR(o[3049], 0.5 * cos(x * M_PI / 2) - 0.25 * sin(x * M_PI / 2),
	           TOL);
	x = 0.5 / 100.0;
	CHECK_NEAR(o[3050],
	           -0.25 * cos(x * M_PI / 2) + 0.125 * sin(x * M_PI / 2), TOL);
	long full = 0;
	for (int64_t t = 0; t < 6000; t++)
		full += o[t] == -0.25f;
	CHECK_EQ_U64(full, 0);
	/* Shortened, the fades are still smooth: at most
	 * sqrt(0.5² + 0.25²)·π/(2·100) per frame. */
	CHECK(max_jump(o, 1, 2940, 3160) <=
	      sqrt(0.5 * 0.5 + 0.25 * 0.25) * M_PI / 200.0 + TOL);
	free(o);

	/* Odd length 101: fades [2950, 3051) and [3051, 3152). */
	test_path(out, sizeof out, "short-101.wav");
	const struct cpiece q[] = { { &a, 0, 0, 3000 },
	                            { &b, 0, 3000, 3101 },
	                            { &c, 0, 3101, 6000 } };
	REQUIRE_OK(run_comp(q, 3, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, q, 3, FADE, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 6000);
	CHECK(o[2949] == 0.5f && o[2950] != 0.5f);
	CHECK(o[3151] != 0.125f && o[3152] == 0.125f);
	free(o);

	/* A first piece of 100 frames: fade [50, 150), frames 0..49 A. */
	test_path(out, sizeof out, "short-first.wav");
	const struct cpiece r[] = { { &a, 0, 0, 100 }, { &c, 0, 100, 6000 } };
	REQUIRE_OK(run_comp(r, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, r, 2, FADE, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 5900 + 100);
	CHECK(o[0] == 0.5f && o[49] == 0.5f && o[50] != 0.5f);
	CHECK(o[149] != 0.125f && o[150] == 0.125f);
	free(o);

	/* A last piece of 6 frames: fade [5991, 5997), 5997.. pure C. */
	test_path(out, sizeof out, "short-last.wav");
	const struct cpiece s[] = { { &a, 0, 0, 5994 }, { &c, 0, 5994, 6000 } };
	REQUIRE_OK(run_comp(s, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, s, 2, FADE, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 6000);
	CHECK(o[5990] == 0.5f && o[5991] != 0.5f);
	CHECK(o[5996] != 0.125f && o[5997] == 0.125f && o[5999] == 0.125f);
	free(o);

	/* A one-frame piece: both fades are one frame, at cos(pi/4), and
	 * abut; an odd fade length (7) elsewhere. */
	test_path(out, sizeof out, "short-one.wav");
	const struct cpiece u[] = { { &a, 0, 0, 3000 },
	                            { &b, 0, 3000, 3001 },
	                            { &c, 0, 3001, 6000 } };
	REQUIRE_OK(run_comp(u, 3, 7, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_comp(out, u, 3, 7, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 6000);
	CHECK(o[2999] == 0.5f);
	CHECK_NEAR(o[3000], M_SQRT1_2 * (0.5 - 0.25), TOL);
	CHECK_NEAR(o[3001], M_SQRT1_2 * (-0.25 + 0.125), TOL);
	CHECK(o[3002] == 0.125f);
	free(o);
	const struct cpiece w[] = { { &a, 0, 0, 3000 }, { &c, 0, 3000, 6000 } };
	test_path(out, sizeof out, "short-odd.wav");
	REQUIRE_OK(run_comp(w, 2, 7, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_comp(out, w, 2, 7, 0.0, TOL, __LINE__);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 6000);
	/* [B - 3, B + 4) */
	CHECK(o[2996] == 0.5f && o[2997] != 0.5f);
	CHECK(o[3003] != 0.125f && o[3004] == 0.125f);
	free(o);
	take_free(&a);
	take_free(&b);
	take_free(&c);
}

/*
 * Six pieces from three takes (one take used three times with different
 * file_starts), fades crossing the 8192-frame render blocks, one piece
 * shorter than the fade: every frame against the model.
 */
static void test_comp_many_pieces(void)
{
	struct error err = { 0 };
	struct take a, b, c;
	char out[512];
	uint64_t frames = 0;
	REQUIRE(make_take(&a, "many-a.wav", 50000, RAMP_A));
	REQUIRE(make_take(&b, "many-b.wav", 50000, RAMP_B));
	REQUIRE(make_take(&c, "many-c.wav", 50000, sine(0.4, 440.0, 1.0)));
	test_path(out, sizeof out, "many.wav");
	const struct cpiece p[] = {
		{ &a, 0, 0, 7000 },
		{ &b, -1000, 7000, 8300 },   /* fade [8060, 8540) */
		{ &a, 0, 8300, 20000 },
		{ &c, 500, 20000, 20300 },   /* shorter than the fade */
		{ &b, -1000, 20300, 33000 },
		{ &a, 2000, 33000, 40000 },
	};
	REQUIRE_OK(run_comp(p, 6, FADE, TAKE_FORMAT_FLOAT, out, &frames,
	                    &err), &err);
	CHECK_EQ_U64(frames, 40000);
	check_comp(out, p, 6, FADE, 0.0, TOL, __LINE__);

	/* The same with hard cuts, exact everywhere. */
	test_path(out, sizeof out, "many-cut.wav");
	REQUIRE_OK(run_comp(p, 6, 0, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_comp(out, p, 6, 0, 0.0, 0.0, __LINE__);
	take_free(&a);
	take_free(&b);
	take_free(&c);
}

/*
 * A piece whose take starts later than the piece (silence until it
 * does), a take that ends before its piece does (silence after), and a
 * take that ends inside the fade.
 */
static void test_comp_silence_outside_take(void)
{
	struct error err = { 0 };
	struct take a, b;
	char out[512];
	SF_INFO info;
	REQUIRE(make_take(&a, "gap-a.wav", 9900, RAMP_A));
	REQUIRE(make_take(&b, "gap-b.wav", 5000, RAMP_B));
	test_path(out, sizeof out, "gap.wav");
	/* A ends at 9900, inside the fade [9760, 10240); B is at
	 * [12000, 17000) on the timeline. */
	const struct cpiece p[] = { { &a, 0, 0, 10000 },
	                            { &b, 12000, 10000, 20000 } };
	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p, 2, FADE, 0.0, TOL, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 20000);
	long bad = 0;
	for (int64_t t = 0; t < 20000; t++) {
		double want;
		bool exact = true;
		if (t < 9760) {
			want = a.mono[t];
		} else if (t < 9900) {
			double x = ((double)(t - 9760) + 0.5) / FADE;
			want = cos(x * M_PI / 2) * a.mono[t];
			exact = false;
		} else if (t < 12000 || t >= 17000) {
			want = 0.0;
		} else {
			want = b.mono[t - 12000];
		}
		if (exact ? o[t] != (float)want
		          : !(fabs((double)o[t] - want) <= TOL))
			note_bad(&bad, __LINE__, "gap", t, o[t], want);
	}
	CHECK_EQ_U64(bad, 0);
	free(o);
	take_free(&a);
	take_free(&b);
}

/* file_start: a take's frame 0 at timeline frame N, before (pre-roll)
 * and after its piece's start. */
static void test_comp_file_start(void)
{
	struct error err = { 0 };
	struct take a, b;
	char out[512];
	SF_INFO info;
	REQUIRE(make_take(&a, "fs-a.wav", 5000, RAMP_A));
	REQUIRE(make_take(&b, "fs-b.wav", 5000, RAMP_B));
	test_path(out, sizeof out, "fs-cut.wav");
	const struct cpiece p[] = { { &a, -200, 0, 1000 },
	                            { &b, 700, 1000, 3000 } };
	REQUIRE_OK(run_comp(p, 2, 0, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_comp(out, p, 2, 0, 0.0, 0.0, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 3000);
	long bad = 0;
	for (int64_t t = 0; t < 3000; t++) {
		float want = t < 1000 ? a.mono[t + 200] : b.mono[t - 700];
		if (o[t] != want)
			note_bad(&bad, __LINE__, "file_start", t, o[t], want);
	}
	CHECK_EQ_U64(bad, 0);
	free(o);

	test_path(out, sizeof out, "fs-fade.wav");
	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p, 2, FADE, 0.0, TOL, __LINE__);
	take_free(&a);
	take_free(&b);
}

/* Output length, format and bext time reference (= pieces[0].from, 0 if
 * that is negative), with the output's frame 0 at pieces[0].from. */
static void test_comp_length_and_bext(void)
{
	struct error err = { 0 };
	struct take a, b;
	char out[512], orig[64];
	SF_INFO info;
	uint64_t frames = 0, ref = 0;
	REQUIRE(make_take(&a, "bext-a.wav", 20000, RAMP_A));
	REQUIRE(make_take(&b, "bext-b.wav", 20000, RAMP_B));

	test_path(out, sizeof out, "bext-96000.wav");
	const struct cpiece p[] = { { &a, 90000, 96000, 98000 },
	                            { &b, 96000, 98000, 101000 } };
	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, out, &frames,
	                    &err), &err);
	CHECK_EQ_U64(frames, 5000);
	check_comp(out, p, 2, FADE, 0.0, TOL, __LINE__);
	CHECK(read_time_ref(out, &ref, orig, sizeof orig));
	CHECK_EQ_U64(ref, 96000);
	CHECK(strcmp(orig, "redlight") == 0);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 5000);
	CHECK(o[0] == a.mono[6000]);
	CHECK(o[4999] == b.mono[101000 - 1 - 96000]);
	CHECK_EQ_U64(info.format & SF_FORMAT_TYPEMASK, SF_FORMAT_WAV);
	CHECK_EQ_U64(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_FLOAT);
	CHECK_EQ_U64(info.samplerate, RATE);
	free(o);

	/* Past 2^32: both halves of the reference. */
	const int64_t far = ((int64_t)1 << 32) + 5;
	test_path(out, sizeof out, "bext-far.wav");
	const struct cpiece q[] = { { &a, far - 5, far, far + 1000 } };
	REQUIRE_OK(run_comp(q, 1, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, q, 1, FADE, 0.0, 0.0, __LINE__);
	CHECK(read_time_ref(out, &ref, NULL, 0));
	CHECK_EQ_U64(ref >> 32, 1);
	CHECK_EQ_U64(ref & 0xFFFFFFFFu, 5);

	/* Before the timeline's start: reference 0, frame 0 still
	 * timeline -100. */
	test_path(out, sizeof out, "bext-neg.wav");
	const struct cpiece r[] = { { &a, -300, -100, 400 },
	                            { &b, 0, 400, 900 } };
	REQUIRE_OK(run_comp(r, 2, 0, TAKE_FORMAT_FLOAT, out, &frames, &err),
	           &err);
	CHECK_EQ_U64(frames, 1000);
	check_comp(out, r, 2, 0, 0.0, 0.0, __LINE__);
	CHECK(read_time_ref(out, &ref, NULL, 0));
	CHECK_EQ_U64(ref, 0);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 1000);
	CHECK(o[0] == a.mono[200]);
	CHECK(o[500] == b.mono[400]);
	free(o);
	take_free(&a);
	take_free(&b);
}

/*
 * Integer outputs: pcm24 and pcm16 keep the ramps (on a 2^-14 grid)
 * exactly at cuts and are within one step plus rounding in fades;
 * pcm24 clips a sample over full scale instead of wrapping it around.
 */
static void test_comp_formats(void)
{
	struct error err = { 0 };
	struct take a, b, hi, lo;
	char out[512];
	SF_INFO info;
	REQUIRE(make_take(&a, "fmt-a.wav", 10000, RAMP_A));
	REQUIRE(make_take(&b, "fmt-b.wav", 10000, RAMP_B));
	const struct cpiece p[] = { { &a, 0, 0, 5000 },
	                            { &b, 0, 5000, 10000 } };
	static const struct {
		enum take_format format;
		int subtype;
		double step;
	} fmts[] = {
		{ TAKE_FORMAT_PCM24, SF_FORMAT_PCM_24, 1.0 / 8388608.0 },
		{ TAKE_FORMAT_PCM16, SF_FORMAT_PCM_16, 1.0 / 32768.0 },
	};
	for (size_t i = 0; i < 2; i++) {
		char name[64];
		snprintf(name, sizeof name, "fmt-%s-cut.wav",
		         take_format_name(fmts[i].format));
		test_path(out, sizeof out, name);
		REQUIRE_OK(run_comp(p, 2, 0, fmts[i].format, out, NULL, &err),
		           &err);
		check_comp(out, p, 2, 0, 0.0, 0.0, __LINE__);
		float *o = read_wav(out, &info);
		REQUIRE(o != NULL);
		CHECK_EQ_U64(info.format & SF_FORMAT_SUBMASK, fmts[i].subtype);
		free(o);
		snprintf(name, sizeof name, "fmt-%s-fade.wav",
		         take_format_name(fmts[i].format));
		test_path(out, sizeof out, name);
		REQUIRE_OK(run_comp(p, 2, FADE, fmts[i].format, out, NULL,
		                    &err), &err);
		/* libsndfile with clipping on converts through a 32-bit
		 * integer and drops the low bits, so a fade sample may be
		 * up to one step under its value (floor, not nearest),
		 * plus float rounding of the render (< 1e-7 here). */
		check_comp(out, p, 2, FADE, 0.0, fmts[i].step + 1e-7,
		           __LINE__);
	}

	REQUIRE(make_take(&hi, "fmt-hi.wav", 1000, constant(1.5)));
	REQUIRE(make_take(&lo, "fmt-lo.wav", 1000, constant(-1.5)));
	test_path(out, sizeof out, "fmt-clip.wav");
	const struct cpiece q[] = { { &hi, 0, 0, 500 },
	                            { &lo, 0, 500, 1000 } };
	REQUIRE_OK(run_comp(q, 2, 0, TAKE_FORMAT_PCM24, out, NULL, &err), &err);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 1000);
	CHECK(o[0] > 0.9999f && o[0] <= 1.0f);
	CHECK(o[499] > 0.9999f && o[499] <= 1.0f);
	CHECK(o[500] < -0.9999f && o[500] >= -1.0f);
	CHECK(o[999] < -0.9999f && o[999] >= -1.0f);
	free(o);
	take_free(&a);
	take_free(&b);
	take_free(&hi);
	take_free(&lo);
}

/* What the steps of test_comp_errors share. */
struct comp_errors_fixture {
	struct take a, b, r44; /* ramps A and B; ramp A at 44100 Hz */
	char out[512];         /* the destination, never written */
	char missing[512];     /* a take that is not there */
	char text[512];        /* a file that is not audio */
	uint64_t frames;       /* as the last comp left it */
};

/* A gap, an overlap, the wrong order; empty and backwards pieces; no
 * pieces; no destination; no format. */
static void check_comp_bad_pieces(struct comp_errors_fixture *fx)
{
	struct error err = { 0 };
	const char *out = fx->out;
	struct take *a = &fx->a, *b = &fx->b;

	/* A gap, an overlap, the wrong order. */
	const struct cpiece gap[] = { { a, 0, 0, 1000 },
	                              { b, 0, 1001, 2000 } };
	CHECK_STATUS(run_comp(gap, 2, FADE, TAKE_FORMAT_FLOAT, out,
	                      &fx->frames, &err), RL_ERR_INVALID, &err);
	CHECK_EQ_U64(err.status, RL_ERR_INVALID);
	CHECK_CONTAINS(err.message, "contiguous");
	CHECK_EQ_U64(fx->frames, 0);
	CHECK(!exists(out));
	const struct cpiece overlap[] = { { a, 0, 0, 1000 },
	                                  { b, 0, 900, 2000 } };
	CHECK_STATUS(run_comp(overlap, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK(!exists(out));
	const struct cpiece unsorted[] = { { b, 0, 1000, 2000 },
	                                   { a, 0, 0, 1000 } };
	CHECK_STATUS(run_comp(unsorted, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK(!exists(out));

	/* Empty and backwards pieces; no pieces; no destination; no
	 * format. */
	const struct cpiece empty[] = { { a, 0, 0, 1000 },
	                                { b, 0, 1000, 1000 },
	                                { a, 0, 1000, 2000 } };
	CHECK_STATUS(run_comp(empty, 3, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK_CONTAINS(err.message, "empty");
	CHECK(!exists(out));
	const struct cpiece back[] = { { a, 0, 1000, 500 } };
	CHECK_STATUS(run_comp(back, 1, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK(!exists(out));
	CHECK_STATUS(run_comp(gap, 0, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK_STATUS(mixdown_comp(NULL, 2, RATE, FADE, TAKE_FORMAT_FLOAT, out,
	                          NULL, &err), RL_ERR_INVALID, &err);
	CHECK_STATUS(run_comp(back, 1, FADE, TAKE_FORMAT_FLOAT, NULL, NULL,
	                      &err), RL_ERR_INVALID, &err);
	const struct cpiece one[] = { { a, 0, 0, 1000 } };
	CHECK_STATUS(run_comp(one, 1, FADE, (enum take_format)99, out, NULL,
	                      &err), RL_ERR_INVALID, &err);
	CHECK(!exists(out));
}

/* A missing take (the second: the first opened fine); a take at another
 * rate; a file that is not audio. */
static void check_comp_bad_sources(struct comp_errors_fixture *fx)
{
	struct error err = { 0 };
	const char *out = fx->out, *missing = fx->missing;
	struct take *a = &fx->a;

	/* A missing take (the second: the first opened fine). */
	struct take gone = { .frames = 0, .mono = NULL };
	snprintf(gone.path, sizeof gone.path, "%s", missing);
	const struct cpiece miss[] = { { a, 0, 0, 1000 },
	                               { &gone, 0, 1000, 2000 } };
	fx->frames = 77;
	CHECK_STATUS(run_comp(miss, 2, FADE, TAKE_FORMAT_FLOAT, out,
	                      &fx->frames, &err), RL_ERR_NOT_FOUND, &err);
	CHECK_CONTAINS(err.message, missing);
	CHECK_EQ_U64(fx->frames, 0);
	CHECK(!exists(out));
	CHECK(!exists(missing));

	/* A take at another rate; a file that is not audio. */
	const struct cpiece rate[] = { { a, 0, 0, 1000 },
	                               { &fx->r44, 0, 1000, 2000 } };
	CHECK_STATUS(run_comp(rate, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_FORMAT, &err);
	CHECK_CONTAINS(err.message, fx->r44.path);
	CHECK_CONTAINS(err.message, "44100");
	CHECK(!exists(out));
	struct take notes = { .frames = 0, .mono = NULL };
	snprintf(notes.path, sizeof notes.path, "%s", fx->text);
	const struct cpiece junk[] = { { &notes, 0, 0, 1000 } };
	CHECK_STATUS(run_comp(junk, 1, FADE, TAKE_FORMAT_FLOAT, out, NULL,
	                      &err), RL_ERR_FORMAT, &err);
	CHECK_CONTAINS(err.message, fx->text);
	CHECK(!exists(out));
}

/* The destination exists: not a byte of it changes, also when the comp
 * would have failed anyway; writing over a source is refused the same
 * way; a destination in a directory that does not exist. */
static void check_comp_dest_kept(struct comp_errors_fixture *fx)
{
	struct error err = { 0 };
	const char *out = fx->out;
	struct take *a = &fx->a, *b = &fx->b;

	/* The destination exists: not a byte of it changes. */
	const char precious[] = "the only copy of the singer's best take";
	REQUIRE(write_bytes(out, precious));
	const struct cpiece ok[] = { { a, 0, 0, 2000 },
	                             { b, 0, 2000, 4000 } };
	CHECK_STATUS(run_comp(ok, 2, FADE, TAKE_FORMAT_FLOAT, out,
	                      &fx->frames, &err), RL_ERR_EXISTS, &err);
	CHECK_CONTAINS(err.message, out);
	CHECK_EQ_U64(fx->frames, 0);
	size_t size = 0;
	unsigned char *bytes = slurp(out, &size);
	CHECK(bytes != NULL && size == sizeof precious - 1 &&
	      memcmp(bytes, precious, size) == 0);
	free(bytes);
	/* ...also when the comp would have failed anyway. */
	const struct cpiece rate[] = { { a, 0, 0, 1000 },
	                               { &fx->r44, 0, 1000, 2000 } };
	CHECK(run_comp(rate, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err) !=
	      RL_OK);
	bytes = slurp(out, &size);
	CHECK(bytes != NULL && size == sizeof precious - 1 &&
	      memcmp(bytes, precious, size) == 0);
	free(bytes);
	/* Writing over a source is refused the same way. */
	CHECK_STATUS(run_comp(ok, 2, FADE, TAKE_FORMAT_FLOAT, a->path, NULL,
	                      &err), RL_ERR_EXISTS, &err);
	SF_INFO info;
	float *src = read_wav(a->path, &info);
	CHECK(src != NULL && info.frames == 4000 &&
	      memcmp(src, a->mono, 4000 * sizeof(float)) == 0);
	free(src);

	/* A destination in a directory that does not exist. */
	char nodir[600];
	snprintf(nodir, sizeof nodir, "%s/no-such-dir/out.wav", test_dir);
	CHECK_STATUS(run_comp(ok, 2, FADE, TAKE_FORMAT_FLOAT, nodir, NULL,
	                      &err), RL_ERR_NOT_FOUND, &err);
	CHECK_CONTAINS(err.message, nodir);
}

/* After all the errors, a good comp to a new name works. */
static void check_comp_after_errors(struct comp_errors_fixture *fx)
{
	struct error err = { 0 };
	char out[512];
	const struct cpiece ok[] = { { &fx->a, 0, 0, 2000 },
	                             { &fx->b, 0, 2000, 4000 } };
	test_path(out, sizeof out, "err-after.wav");
	REQUIRE_OK(run_comp(ok, 2, FADE, TAKE_FORMAT_FLOAT, out, &fx->frames,
	                    &err), &err);
	CHECK_EQ_U64(fx->frames, 4000);
	check_comp(out, ok, 2, FADE, 0.0, TOL, __LINE__);
}

/* A comp that fails must leave dest as it was: absent, or (when it
 * existed) byte for byte the same. The steps run in turn on the same
 * takes and destination. */
static void test_comp_errors(void)
{
	struct comp_errors_fixture fx = { .frames = 77 };
	REQUIRE(make_take(&fx.a, "err-a.wav", 4000, RAMP_A));
	REQUIRE(make_take(&fx.b, "err-b.wav", 4000, RAMP_B));
	REQUIRE(make_take_rate(&fx.r44, "err-44k.wav", 44100, 4000, RAMP_A));
	test_path(fx.out, sizeof fx.out, "err-out.wav");
	test_path(fx.missing, sizeof fx.missing, "err-missing.wav");
	test_path(fx.text, sizeof fx.text, "err-notes.txt");
	REQUIRE(write_bytes(fx.text, "not audio at all, just some words\n"));

	check_comp_bad_pieces(&fx);
	check_comp_bad_sources(&fx);
	check_comp_dest_kept(&fx);
	check_comp_after_errors(&fx);
	take_free(&fx.a);
	take_free(&fx.b);
	take_free(&fx.r44);
}

/* ---- multi-channel sources ------------------------------------------- */

/*
 * A source of `channels` channels whose average is exactly ramp A (channel
 * 0 is 0.125 above it, channel 1 0.125 below, the rest on it: no single
 * channel, nor their sum, is the average). tk->mono gets ramp A.
 */
static bool make_multi(struct take *tk, const char *name, int channels,
                       int64_t frames)
{
	size_t ch = (size_t)channels;
	float *data = malloc(sizeof(float) * ch * (size_t)frames);
	test_path(tk->path, sizeof tk->path, name);
	tk->frames = frames;
	tk->mono = malloc(sizeof(float) * (size_t)frames);
	if (!data || !tk->mono) {
		free(data);
		return false;
	}
	for (int64_t n = 0; n < frames; n++) {
		float c = sig_value(&RAMP_A, n);
		tk->mono[n] = c;
		for (size_t k = 0; k < ch; k++)
			data[(size_t)n * ch + k] = k == 0 ? c + 0.125f
			                           : k == 1 ? c - 0.125f : c;
	}
	bool ok = write_wav(tk->path, RATE, channels, data, frames);
	free(data);
	return ok;
}

static void test_multichannel(void)
{
	struct error err = { 0 };
	struct take st, tri, many, b;
	char out[512];
	struct mixdown_report rep;
	/* 40000 frames: several blocks; 16 channels: a block takes several
	 * scratch reads. */
	REQUIRE(make_multi(&st, "mc-2.wav", 2, 40000));
	REQUIRE(make_multi(&tri, "mc-3.wav", 3, 40000));
	REQUIRE(make_multi(&many, "mc-16.wav", 16, 40000));
	REQUIRE(make_take(&b, "mc-b.wav", 40000, RAMP_B));

	/* A stereo take makes a stereo comp: each side its channel. */
	test_path(out, sizeof out, "mc-2-comp.wav");
	const struct cpiece p2[] = { { &st, 0, 0, 40000 } };
	REQUIRE_OK(run_comp(p2, 1, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	{
		SF_INFO info;
		float *o = read_wav(out, &info);
		CHECK(o && info.channels == 2 && info.frames == 40000);
		long bad = 0;
		for (int64_t n = 0; o && n < info.frames; n++)
			if (o[2 * n] != st.mono[n] + 0.125f ||
			    o[2 * n + 1] != st.mono[n] - 0.125f)
				bad++;
		CHECK(bad == 0);
		free(o);
	}
	/* ... and a stereo take joined with a mono one averages both. */
	test_path(out, sizeof out, "mc-2b-comp.wav");
	const struct cpiece p2b[] = { { &st, 0, 0, 20000 },
	                              { &b, 0, 20000, 40000 } };
	REQUIRE_OK(run_comp(p2b, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p2b, 2, FADE, 0.0, TOL, __LINE__);
	/* 1/3 is not exact in float. */
	test_path(out, sizeof out, "mc-3-comp.wav");
	const struct cpiece p3[] = { { &tri, 0, 0, 40000 } };
	REQUIRE_OK(run_comp(p3, 1, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p3, 1, FADE, 2e-7, 2e-7, __LINE__);
	test_path(out, sizeof out, "mc-16-comp.wav");
	const struct cpiece p16[] = { { &many, -300, 0, 20000 },
	                              { &b, 0, 20000, 40000 } };
	REQUIRE_OK(run_comp(p16, 2, FADE, TAKE_FORMAT_FLOAT, out, NULL, &err),
	           &err);
	check_comp(out, p16, 2, FADE, 0.0, TOL, __LINE__);

	test_path(out, sizeof out, "mc-bounce.wav");
	const struct btrack t[] = { { &tri, 0, 0.0, -1.0 },
	                            { &many, 5000, 0.0, 1.0 } };
	REQUIRE_OK(run_bounce(t, 2, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	check_bounce(out, t, 2, 1e-7, __LINE__);

	/* A stereo track stays stereo: left to left, right to right, its
	 * pan a balance. Centre: both sides at the track's gain; +0.5: the
	 * left side at half, the right untouched; -1: the right side off. */
	static const double pans[] = { 0.0, 0.5, -1.0 };
	for (size_t k = 0; k < 3; k++) {
		char name[32];
		snprintf(name, sizeof name, "st-bounce-%zu.wav", k);
		test_path(out, sizeof out, name);
		const struct btrack ts[] = { { &st, 0, -6.0206, pans[k] } };
		REQUIRE_OK(run_bounce(ts, 1, TAKE_FORMAT_FLOAT, out, &rep, &err),
		           &err);
		SF_INFO info;
		float *o = read_wav(out, &info);
		CHECK(o && info.channels == 2 && info.frames == 40000);
		double gl = 0.5 * (pans[k] > 0 ? 1.0 - pans[k] : 1.0);
		double gr = 0.5 * (pans[k] < 0 ? 1.0 + pans[k] : 1.0);
		long bad = 0;
		for (int64_t n = 0; o && n < info.frames; n++) {
			double l = gl * (st.mono[n] + 0.125f);
			double r = gr * (st.mono[n] - 0.125f);
			if (fabs(o[2 * n] - l) > 1e-6 ||
			    fabs(o[2 * n + 1] - r) > 1e-6)
				bad++;
		}
		CHECK(bad == 0);
		free(o);
	}
	take_free(&st);
	take_free(&tri);
	take_free(&many);
	take_free(&b);
}

/* ---- bounce tests ----------------------------------------------------- */

/* Hard pans are exact (nothing at all on the other side); centre is
 * cos(π/4) on both; in between L² + R² = 1. */
static void test_bounce_pan(void)
{
	struct error err = { 0 };
	struct take s;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	REQUIRE(make_take(&s, "pan-src.wav", 10000, RAMP_A));

	static const double pans[] = { -1.0, 1.0, 0.0, 0.5, -0.5 };
	for (size_t i = 0; i < sizeof pans / sizeof pans[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "pan-%zu.wav", i);
		test_path(out, sizeof out, name);
		const struct btrack t[] = { { &s, 0, 0.0, pans[i] } };
		REQUIRE_OK(run_bounce(t, 1, TAKE_FORMAT_FLOAT, out, &rep,
		                      &err), &err);
		CHECK_EQ_U64(rep.start, 0);
		CHECK_EQ_U64(rep.end, 10000);
		check_bounce(out, t, 1, TOL, __LINE__);
		float *o = read_wav(out, &info);
		REQUIRE(o != NULL && info.frames == 10000 &&
		        info.channels == 2);
		CHECK_EQ_U64(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_FLOAT);
		double theta = (pans[i] + 1.0) * M_PI / 4.0;
		long bad = 0;
		for (int64_t j = 0; j < 10000; j++) {
			double l = o[2 * j], r = o[2 * j + 1], x = s.mono[j];
			bool ok;
			if (pans[i] == -1.0)
				ok = o[2 * j] == s.mono[j] &&
				     o[2 * j + 1] == 0.0f;
			else if (pans[i] == 1.0)
				ok = o[2 * j] == 0.0f &&
				     o[2 * j + 1] == s.mono[j];
			else
				ok = fabs(l - cos(theta) * x) <= TOL &&
				     fabs(r - sin(theta) * x) <= TOL &&
				     fabs(l * l + r * r - x * x) <= TOL;
			if (pans[i] == 0.0)
				ok = ok && fabs(l - M_SQRT1_2 * x) <= TOL &&
				     fabs(r - M_SQRT1_2 * x) <= TOL;
			if (!ok)
				note_bad(&bad, __LINE__, name, j, l, r);
		}
		CHECK_EQ_U64(bad, 0);
		free(o);
	}
	take_free(&s);
}

/* Gain in dB: -6.0206 halves, +6.0206 doubles, -20 is a tenth. */
static void test_bounce_gain(void)
{
	struct error err = { 0 };
	struct take s;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	REQUIRE(make_take(&s, "gain-src.wav", 10000, RAMP_A));
	static const struct { double db, factor; } gains[] = {
		{ -6.0206, 0.5 }, { 6.0206, 2.0 }, { -20.0, 0.1 },
	};
	for (size_t i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof name, "gain-%zu.wav", i);
		test_path(out, sizeof out, name);
		const struct btrack t[] = { { &s, 0, gains[i].db, -1.0 } };
		REQUIRE_OK(run_bounce(t, 1, TAKE_FORMAT_FLOAT, out, &rep,
		                      &err), &err);
		check_bounce(out, t, 1, TOL, __LINE__);
		float *o = read_wav(out, &info);
		REQUIRE(o != NULL && info.frames == 10000);
		long bad = 0;
		for (int64_t j = 0; j < 10000; j++) {
			double want = gains[i].factor * s.mono[j];
			/* 6.0206 dB is 2 to 6 significant digits. */
			if (!(fabs(o[2 * j] - want) <=
			      2e-6 * fabs(want) + TOL) ||
			    o[2 * j + 1] != 0.0f)
				note_bad(&bad, __LINE__, name, j, o[2 * j],
				         want);
		}
		CHECK_EQ_U64(bad, 0);
		/* Ramp A peaks at 0.5 - 2^-14. */
		CHECK_NEAR(rep.peak_dbfs[0],
		           20.0 * log10(gains[i].factor *
		                        (0.5 - 1.0 / 16384.0)), 0.01);
		CHECK(isinf(rep.peak_dbfs[1]) && rep.peak_dbfs[1] < 0);
		free(o);
	}
	take_free(&s);
}

/* Tracks sum, on both sides, wherever they overlap. */
static void test_bounce_sum(void)
{
	struct error err = { 0 };
	struct take a, b, c;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	REQUIRE(make_take(&a, "sum-a.wav", 20000, RAMP_A));
	REQUIRE(make_take(&b, "sum-b.wav", 20000, RAMP_B));
	REQUIRE(make_take(&c, "sum-c.wav", 20000, sine(0.3, 330.0, 0.0)));
	test_path(out, sizeof out, "sum.wav");
	const struct btrack t[] = { { &a, 0, 0.0, -1.0 },
	                            { &b, 0, 0.0, -1.0 },
	                            { &c, 0, -3.0, 0.0 },
	                            { &a, 0, -6.0206, 1.0 } };
	REQUIRE_OK(run_bounce(t, 4, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	check_bounce(out, t, 4, 4 * TOL, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 20000);
	const double gc = pow(10.0, -3.0 / 20.0) * M_SQRT1_2;
	long bad = 0;
	for (int64_t j = 0; j < 20000; j++) {
		double l = (double)a.mono[j] + b.mono[j] + gc * c.mono[j];
		double r = 0.5 * a.mono[j] + gc * c.mono[j];
		if (!(fabs(o[2 * j] - l) <= 4 * TOL &&
		      fabs(o[2 * j + 1] - r) <= 4 * TOL))
			note_bad(&bad, __LINE__, "sum", j, o[2 * j], l);
	}
	CHECK_EQ_U64(bad, 0);
	free(o);
	take_free(&a);
	take_free(&b);
	take_free(&c);
}

/* A muted track (gain -INFINITY) adds nothing, however loud, but the
 * output still covers its span, before and after the others. */
static void test_bounce_mute(void)
{
	struct error err = { 0 };
	struct take s, loud;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	REQUIRE(make_take(&s, "mute-src.wav", 10000, RAMP_A));
	REQUIRE(make_take(&loud, "mute-loud.wav", 30000, constant(0.9)));
	test_path(out, sizeof out, "mute.wav");
	const struct btrack t[] = { { &s, 0, 0.0, 0.0 },
	                            { &loud, -2000, -INFINITY, 0.3 } };
	REQUIRE_OK(run_bounce(t, 2, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.start, -2000);
	CHECK_EQ_U64(rep.end, 28000);
	check_bounce(out, t, 2, TOL, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 30000);
	long bad = 0;
	for (int64_t j = 0; j < 30000; j++) {
		int64_t n = j - 2000; /* s's frame */
		bool silent = n < 0 || n >= 10000;
		if (silent ? o[2 * j] != 0.0f || o[2 * j + 1] != 0.0f
		           : !(fabs(o[2 * j] - M_SQRT1_2 * s.mono[n]) <= TOL))
			note_bad(&bad, __LINE__, "mute", j, o[2 * j], 0.0);
	}
	CHECK_EQ_U64(bad, 0);
	/* The report hears only the unmuted track. */
	CHECK_NEAR(rep.peak_dbfs[0],
	           20.0 * log10(M_SQRT1_2 * (0.5 - 1.0 / 16384.0)), 0.01);
	CHECK_NEAR(rep.peak_dbfs[1], rep.peak_dbfs[0], 0.01);
	CHECK(strcmp(rep.verdict, "low") == 0);
	CHECK_EQ_U64(rep.clipped_samples, 0);
	free(o);

	/* Everything muted: silence of the whole span. */
	test_path(out, sizeof out, "mute-all.wav");
	const struct btrack u[] = { { &loud, 100, -INFINITY, -1.0 } };
	REQUIRE_OK(run_bounce(u, 1, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	check_bounce(out, u, 1, 0.0, __LINE__);
	CHECK(isinf(rep.peak_dbfs[0]) && rep.peak_dbfs[0] < 0);
	CHECK(isinf(rep.peak_dbfs[1]) && rep.peak_dbfs[1] < 0);
	CHECK_EQ_U64(rep.start, 100);
	CHECK_EQ_U64(rep.end, 30100);
	take_free(&s);
	take_free(&loud);
}

/*
 * Tracks at different positions: the output starts at the earliest start
 * (its time reference, 0 if negative) and covers the union, gaps
 * included; the same file on two tracks at different places; an empty
 * file adds no span.
 */
static void test_bounce_positions(void)
{
	struct error err = { 0 };
	struct take a, b, none;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	uint64_t ref = 0;
	REQUIRE(make_take(&a, "pos-a.wav", 10000, RAMP_A));
	REQUIRE(make_take(&b, "pos-b.wav", 5000, RAMP_B));
	REQUIRE(make_take(&none, "pos-empty.wav", 0, constant(0.0)));

	test_path(out, sizeof out, "pos-gap.wav");
	const struct btrack t[] = { { &a, 48000, 0.0, -1.0 },
	                            { &b, 40000, 0.0, 1.0 } };
	REQUIRE_OK(run_bounce(t, 2, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.start, 40000);
	CHECK_EQ_U64(rep.end, 58000);
	check_bounce(out, t, 2, 0.0, __LINE__);
	CHECK(read_time_ref(out, &ref, NULL, 0));
	CHECK_EQ_U64(ref, 40000);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 18000);
	CHECK(o[0] == 0.0f && o[1] == b.mono[0]);
	CHECK(o[2 * 4999 + 1] == b.mono[4999]);
	long loud = 0;
	for (int64_t j = 5000; j < 8000; j++)
		loud += o[2 * j] != 0.0f || o[2 * j + 1] != 0.0f;
	CHECK_EQ_U64(loud, 0);
	CHECK(o[2 * 8000] == a.mono[0] && o[2 * 8000 + 1] == 0.0f);
	CHECK(o[2 * 17999] == a.mono[9999]);
	free(o);

	/* Before the timeline's start, overlapping, across blocks. */
	test_path(out, sizeof out, "pos-neg.wav");
	const struct btrack u[] = { { &a, 500, 0.0, 0.0 },
	                            { &b, -1000, -6.0206, -0.3 } };
	REQUIRE_OK(run_bounce(u, 2, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.start, -1000);
	CHECK_EQ_U64(rep.end, 10500);
	check_bounce(out, u, 2, 2 * TOL, __LINE__);

	/* One file on two tracks, 3000 frames apart, reads interleaved
	 * block by block; and an empty file placed earliest adds no span. */
	test_path(out, sizeof out, "pos-same.wav");
	const struct btrack v[] = { { &a, 0, 0.0, -1.0 },
	                            { &a, 3000, 0.0, 1.0 },
	                            { &none, -5000, 0.0, 0.0 } };
	REQUIRE_OK(run_bounce(v, 3, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.start, 0);
	CHECK_EQ_U64(rep.end, 13000);
	check_bounce(out, v, 3, 0.0, __LINE__);

	/* Only an empty file: an empty output at its place. */
	test_path(out, sizeof out, "pos-empty-out.wav");
	const struct btrack w[] = { { &none, 1000, 0.0, 0.0 } };
	REQUIRE_OK(run_bounce(w, 1, TAKE_FORMAT_FLOAT, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.start, 1000);
	CHECK_EQ_U64(rep.end, 1000);
	o = read_wav(out, &info);
	CHECK(o != NULL && info.frames == 0 && info.channels == 2);
	free(o);
	take_free(&a);
	take_free(&b);
	take_free(&none);
}

/* Peaks per channel to 0.01 dB, the verdicts and the clipped count. */
static void test_bounce_report(void)
{
	struct error err = { 0 };
	struct take p, one, q, z;
	char out[512];
	struct mixdown_report rep;
	/* 0.3 everywhere but two frames at ±0.6. */
	float *pd = malloc(sizeof(float) * 20000);
	REQUIRE(pd != NULL);
	for (int n = 0; n < 20000; n++)
		pd[n] = 0.3f;
	pd[1234] = 0.6f;
	pd[15000] = -0.6f;
	REQUIRE(make_take_from(&p, "rep-p.wav", 20000, pd));
	/* 0.1 everywhere, one sample at exactly full scale. */
	float *od = malloc(sizeof(float) * 5000);
	REQUIRE(od != NULL);
	for (int n = 0; n < 5000; n++)
		od[n] = n == 4321 ? 1.0f : 0.1f;
	REQUIRE(make_take_from(&one, "rep-one.wav", 5000, od));
	/* 0.1 everywhere, 10 frames at 0.9. */
	float *qd = malloc(sizeof(float) * 9000);
	REQUIRE(qd != NULL);
	for (int n = 0; n < 9000; n++)
		qd[n] = n % 900 == 17 ? 0.9f : 0.1f;
	REQUIRE(make_take_from(&q, "rep-q.wav", 9000, qd));
	REQUIRE(make_take(&z, "rep-zero.wav", 3000, constant(0.0)));

	static const struct {
		const char *name;
		int take; /* 0 p, 1 one, 2 q, 3 z */
		double gain_db, pan;
		double peak[2]; /* linear, 0 for silent */
		const char *verdict;
		uint64_t clipped;
	} cases[] = {
		/* -4.44 dBFS */
		{ "ok", 0, 0.0, -1.0, { 0.6, 0.0 }, "ok", 0 },
		/* -7.45 dBFS on both */
		{ "low", 0, 0.0, 0.0, { 0.6 * M_SQRT1_2, 0.6 * M_SQRT1_2 },
		  "low", 0 },
		/* -0.44 dBFS on the right */
		{ "hot", 0, 4.0, 1.0, { 0.0, 0.951 }, "hot", 0 },
		/* +1.58 dBFS: the two ±0.6 frames clip */
		{ "clipped", 0, 6.0206, -1.0, { 1.2, 0.0 }, "clipped", 2 },
		/* 0 dBFS exactly is clipped */
		{ "full", 1, 0.0, -1.0, { 1.0, 0.0 }, "clipped", 1 },
		/* centre +6.02 dB: 0.9·√2 = 1.27 on both sides, 10 frames */
		{ "both", 2, 6.0206, 0.0, { 0.9 * M_SQRT2, 0.9 * M_SQRT2 },
		  "clipped", 20 },
		/* silence: no peak at all */
		{ "silent", 3, 0.0, 0.0, { 0.0, 0.0 }, "low", 0 },
	};
	const struct take *takes[] = { &p, &one, &q, &z };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "rep-%s.wav", cases[i].name);
		test_path(out, sizeof out, name);
		const struct btrack t[] = {
			{ takes[cases[i].take], 0, cases[i].gain_db,
			  cases[i].pan },
		};
		memset(&rep, 0, sizeof rep);
		REQUIRE_OK(run_bounce(t, 1, TAKE_FORMAT_FLOAT, out, &rep,
		                      &err), &err);
		for (int c = 0; c < 2; c++) {
			double lin = cases[i].peak[c];
			if (lin == 0.0) {
				CHECK(isinf(rep.peak_dbfs[c]) &&
				      rep.peak_dbfs[c] < 0);
			} else {
				double want = i == 2 ? 20.0 * log10(0.6) + 4.0
				                     : 20.0 * log10(lin);
				CHECK_NEAR(rep.peak_dbfs[c], want, 0.01);
			}
		}
		if (strcmp(rep.verdict, cases[i].verdict) != 0) {
			fprintf(stderr, "%s:%d: %s: verdict \"%s\", expected "
			        "\"%s\"\n", __FILE__, __LINE__, name,
			        rep.verdict, cases[i].verdict);
			check_failures++;
		}
		CHECK_EQ_U64(rep.clipped_samples, cases[i].clipped);
		CHECK_NEAR(rep.target_low_dbfs, -6.0, 0.0);
		CHECK_NEAR(rep.target_high_dbfs, -3.0, 0.0);
		/* Float output is not limited: the overs are in the file. */
		check_bounce(out, t, 1, 2 * TOL, __LINE__);
	}
	take_free(&p);
	take_free(&one);
	take_free(&q);
	take_free(&z);
}

/* pcm24: exact on its grid, clips a sum over full scale (never wraps it
 * to the other sign); pcm16 is refused. */
static void test_bounce_formats(void)
{
	struct error err = { 0 };
	struct take a, up, down;
	char out[512];
	struct mixdown_report rep;
	SF_INFO info;
	REQUIRE(make_take(&a, "bf-a.wav", 10000, RAMP_A));
	REQUIRE(make_take(&up, "bf-up.wav", 1000, constant(0.75)));
	REQUIRE(make_take(&down, "bf-down.wav", 1000, constant(-0.75)));

	test_path(out, sizeof out, "bf-grid.wav");
	const struct btrack t[] = { { &a, 0, 0.0, -1.0 } };
	REQUIRE_OK(run_bounce(t, 1, TAKE_FORMAT_PCM24, out, &rep, &err), &err);
	check_bounce(out, t, 1, 0.0, __LINE__);
	float *o = read_wav(out, &info);
	REQUIRE(o != NULL);
	CHECK_EQ_U64(info.format & SF_FORMAT_SUBMASK, SF_FORMAT_PCM_24);
	free(o);

	/* 0.75 + 0.75 = 1.5 on the left, -1.5 on the right. */
	test_path(out, sizeof out, "bf-clip.wav");
	const struct btrack u[] = { { &up, 0, 0.0, -1.0 },
	                            { &up, 0, 0.0, -1.0 },
	                            { &down, 0, 0.0, 1.0 },
	                            { &down, 0, 0.0, 1.0 } };
	REQUIRE_OK(run_bounce(u, 4, TAKE_FORMAT_PCM24, out, &rep, &err), &err);
	CHECK_EQ_U64(rep.clipped_samples, 2000);
	CHECK(strcmp(rep.verdict, "clipped") == 0);
	CHECK_NEAR(rep.peak_dbfs[0], 20.0 * log10(1.5), 0.01);
	CHECK_NEAR(rep.peak_dbfs[1], 20.0 * log10(1.5), 0.01);
	o = read_wav(out, &info);
	REQUIRE(o != NULL && info.frames == 1000);
	long bad = 0;
	for (int64_t j = 0; j < 1000; j++)
		if (!(o[2 * j] > 0.9999f && o[2 * j] <= 1.0f &&
		      o[2 * j + 1] < -0.9999f && o[2 * j + 1] >= -1.0f))
			note_bad(&bad, __LINE__, "clip", j, o[2 * j],
			         o[2 * j + 1]);
	CHECK_EQ_U64(bad, 0);
	free(o);

	test_path(out, sizeof out, "bf-pcm16.wav");
	CHECK_STATUS(run_bounce(t, 1, TAKE_FORMAT_PCM16, out, &rep, &err),
	             RL_ERR_INVALID, &err);
	CHECK_CONTAINS(err.message, "pcm16");
	CHECK(!exists(out));
	CHECK_STATUS(run_bounce(t, 1, (enum take_format)99, out, &rep, &err),
	             RL_ERR_INVALID, &err);
	CHECK(!exists(out));
	take_free(&a);
	take_free(&up);
	take_free(&down);
}

static void test_bounce_errors(void)
{
	struct error err = { 0 };
	struct take a, r44;
	char out[512], missing[512];
	struct mixdown_report rep;
	REQUIRE(make_take(&a, "be-a.wav", 4000, RAMP_A));
	REQUIRE(make_take_rate(&r44, "be-44k.wav", 44100, 4000, RAMP_A));
	test_path(out, sizeof out, "be-out.wav");
	test_path(missing, sizeof missing, "be-missing.wav");

	struct take gone = { .frames = 0, .mono = NULL };
	snprintf(gone.path, sizeof gone.path, "%s", missing);
	const struct btrack miss[] = { { &a, 0, 0.0, 0.0 },
	                               { &gone, 0, 0.0, 0.0 } };
	CHECK_STATUS(run_bounce(miss, 2, TAKE_FORMAT_FLOAT, out, &rep, &err),
	             RL_ERR_NOT_FOUND, &err);
	CHECK_CONTAINS(err.message, missing);
	CHECK(!exists(out));

	const struct btrack rate[] = { { &a, 0, 0.0, 0.0 },
	                               { &r44, 0, 0.0, 0.0 } };
	CHECK_STATUS(run_bounce(rate, 2, TAKE_FORMAT_FLOAT, out, &rep, &err),
	             RL_ERR_FORMAT, &err);
	CHECK_CONTAINS(err.message, r44.path);
	CHECK(!exists(out));

	const struct btrack pan[] = { { &a, 0, 0.0, 1.5 } };
	CHECK_STATUS(run_bounce(pan, 1, TAKE_FORMAT_FLOAT, out, &rep, &err),
	             RL_ERR_INVALID, &err);
	CHECK(!exists(out));
	const struct btrack nan_gain[] = { { &a, 0, NAN, 0.0 } };
	CHECK_STATUS(run_bounce(nan_gain, 1, TAKE_FORMAT_FLOAT, out, &rep,
	                        &err), RL_ERR_INVALID, &err);
	const struct btrack inf_gain[] = { { &a, 0, INFINITY, 0.0 } };
	CHECK_STATUS(run_bounce(inf_gain, 1, TAKE_FORMAT_FLOAT, out, &rep,
	                        &err), RL_ERR_INVALID, &err);
	CHECK(!exists(out));
	CHECK_STATUS(run_bounce(pan, 0, TAKE_FORMAT_FLOAT, out, &rep, &err),
	             RL_ERR_INVALID, &err);
	CHECK(!exists(out));

	const char precious[] = "yesterday's mix, the one the band liked";
	REQUIRE(write_bytes(out, precious));
	const struct btrack ok[] = { { &a, 0, 0.0, 0.0 } };
	CHECK_STATUS(run_bounce(ok, 1, TAKE_FORMAT_FLOAT, out, &rep, &err),
	             RL_ERR_EXISTS, &err);
	CHECK_CONTAINS(err.message, out);
	size_t size = 0;
	unsigned char *bytes = slurp(out, &size);
	CHECK(bytes != NULL && size == sizeof precious - 1 &&
	      memcmp(bytes, precious, size) == 0);
	free(bytes);

	/* The report may be NULL. */
	test_path(out, sizeof out, "be-after.wav");
	REQUIRE_OK(run_bounce(ok, 1, TAKE_FORMAT_FLOAT, out, NULL, &err), &err);
	check_bounce(out, ok, 1, TOL, __LINE__);
	take_free(&a);
	take_free(&r44);
}

/*
 * A render that fails once its destination exists (a write refused half
 * way: RLIMIT_FSIZE gives EFBIG, as a full disk would give ENOSPC) must
 * remove its partial output, so it cannot pass for a finished file; the
 * sources are untouched and the same render then works.
 */
static void test_failure_removes_output(void)
{
	struct error err = { 0 };
	struct take a, b;
	char comp[512], bounce[512];
	struct rlimit old, lim;
	struct mixdown_report rep;
	/* 100000 frames: 400 kB of float mono, 800 kB stereo. */
	REQUIRE(make_take(&a, "fail-a.wav", 100000, RAMP_A));
	REQUIRE(make_take(&b, "fail-b.wav", 100000, RAMP_B));
	test_path(comp, sizeof comp, "fail-comp.wav");
	test_path(bounce, sizeof bounce, "fail-bounce.wav");
	const struct cpiece p[] = { { &a, 0, 0, 50000 },
	                            { &b, 0, 50000, 100000 } };
	const struct btrack t[] = { { &a, 0, 0.0, -1.0 },
	                            { &b, 0, 0.0, 1.0 } };

	REQUIRE(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = 64 * 1024;
	REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	uint64_t frames = 77;
	enum rl_status sc = run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, comp,
	                             &frames, &err);
	struct error cerr = err;
	enum rl_status sb = run_bounce(t, 2, TAKE_FORMAT_PCM24, bounce, &rep,
	                               &err);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);

	CHECK(sc == RL_ERR_IO);
	CHECK_CONTAINS(cerr.message, comp);
	CHECK_EQ_U64(frames, 0);
	CHECK(!exists(comp));
	CHECK(sb == RL_ERR_IO);
	CHECK_CONTAINS(err.message, bounce);
	CHECK(!exists(bounce));
	SF_INFO info;
	float *src = read_wav(a.path, &info);
	CHECK(src != NULL && info.frames == 100000 &&
	      memcmp(src, a.mono, 100000 * sizeof(float)) == 0);
	free(src);

	REQUIRE_OK(run_comp(p, 2, FADE, TAKE_FORMAT_FLOAT, comp, &frames,
	                    &err), &err);
	CHECK_EQ_U64(frames, 100000);
	check_comp(comp, p, 2, FADE, 0.0, TOL, __LINE__);
	REQUIRE_OK(run_bounce(t, 2, TAKE_FORMAT_PCM24, bounce, &rep, &err),
	           &err);
	check_bounce(bounce, t, 2, 0.0, __LINE__);
	take_free(&a);
	take_free(&b);
}

/* ---------------------------------------------------------------------- */

int main(void)
{
	struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "comp_crossfade", test_comp_crossfade },
		{ "comp_no_click_same", test_comp_no_click_same },
		{ "comp_no_click_diff", test_comp_no_click_different },
		{ "comp_hard_cut", test_comp_hard_cut },
		{ "comp_short_piece", test_comp_short_piece },
		{ "comp_many_pieces", test_comp_many_pieces },
		{ "comp_outside_take", test_comp_silence_outside_take },
		{ "comp_file_start", test_comp_file_start },
		{ "comp_length_bext", test_comp_length_and_bext },
		{ "comp_formats", test_comp_formats },
		{ "comp_errors", test_comp_errors },
		{ "multichannel", test_multichannel },
		{ "bounce_pan", test_bounce_pan },
		{ "bounce_gain", test_bounce_gain },
		{ "bounce_sum", test_bounce_sum },
		{ "bounce_mute", test_bounce_mute },
		{ "bounce_positions", test_bounce_positions },
		{ "bounce_report", test_bounce_report },
		{ "bounce_formats", test_bounce_formats },
		{ "bounce_errors", test_bounce_errors },
		{ "failure_cleanup", test_failure_removes_output },
	};

	if (!check_tmpdir(test_dir, sizeof test_dir, "mixdown"))
		return 1;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		int before = check_failures;
		tests[i].fn();
		printf("%-20s %s\n", tests[i].name,
		       check_failures == before ? "ok" : "FAILED");
	}
	if (check_failures) {
		fprintf(stderr, "%d check(s) failed; files kept in %s\n",
		        check_failures, test_dir);
		return 1;
	}
	check_rmtree(test_dir);
	printf("all mixdown tests passed\n");
	return 0;
}
