/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * click: two immutable sounds and a stateless renderer that places them on
 * the tempo map's onset frames.
 *
 * Everything that can be slow (synthesis, file reading, resampling, page
 * faults) happens in the constructors. click_render() only walks the map's
 * beats with tempo_map_next_beat() and adds samples: plain arithmetic on
 * memory that was written (so faulted in) and, if the limit allows,
 * mlock()ed at construction.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "redlight/click.h"

#include <samplerate.h>
#include <sndfile.h>

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Index of a sound in struct click. */
enum { SOUND_NORMAL = 0, SOUND_ACCENT = 1 };

/* Peaks of the built-in sounds (see click.h): -6 dBFS and about -9 dBFS. */
#define ACCENT_PEAK 0.5
#define NORMAL_PEAK 0.35

/* Fade at the end of every built-in sound: long enough that cutting a
 * decaying tone does not click, short against the sound. */
#define FADE_SECONDS 0.002

/* Level of the normal beat when one file serves both: -3 dB. */
#define NORMAL_FROM_ACCENT_DB (-3.0)

/* Sample rates accepted: everything JACK runs at, and a bound that keeps
 * a 2 s file sound far from any size overflow. */
#define RATE_MIN 1000u
#define RATE_MAX 1536000u

struct click {
	/* The struct and both sounds live in one page-aligned block of
	 * `bytes` bytes, starting with the struct: the audio thread touches
	 * nothing else, and it can be mlock()ed without locking (and later
	 * unlocking) pages that other objects share. */
	size_t bytes;
	bool locked;
	const float *sound[2]; /* SOUND_NORMAL, SOUND_ACCENT */
	size_t len[2];
	size_t length;         /* max(len[0], len[1]) */
};

/* Where the sounds start in the block: after the struct, cache-line
 * aligned. */
#define SOUNDS_OFFSET ((sizeof(struct click) + 63) / 64 * 64)

static const char *const builtin_names[CLICK_BUILTIN_COUNT] = {
	[CLICK_BEEP] = "beep",
	[CLICK_SQUARE] = "square",
	[CLICK_WOOD] = "wood",
};

/* ---------------------------------------------------------------------- */
/* Construction helpers */

static enum rl_status check_rate(uint32_t rate, struct error *err)
{
	if (rate < RATE_MIN || rate > RATE_MAX)
		return error_set(err, RL_ERR_INVALID,
		                 "click: sample rate %u out of range (%u..%u)",
		                 rate, RATE_MIN, RATE_MAX);
	return RL_OK;
}

/*
 * A click with room for two sounds of the given lengths, zeroed (which
 * faults every page in now rather than on the audio thread) and locked if
 * the memlock limit allows. The caller fills the sounds in.
 */
static enum rl_status click_alloc(size_t normal_len, size_t accent_len,
                                  struct click **out,
                                  float **normal, float **accent,
                                  struct error *err)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t align = page > 0 ? (size_t)page : 4096;
	size_t samples = normal_len + accent_len;
	size_t bytes = SOUNDS_OFFSET + samples * sizeof(float);
	void *block = NULL;

	bytes = (bytes + align - 1) / align * align;
	if (posix_memalign(&block, align, bytes) != 0)
		return error_set(err, RL_ERR_NOMEM,
		                 "click: cannot allocate %zu frames of sound",
		                 samples);
	memset(block, 0, bytes);
	struct click *c = block;
	float *sounds = (float *)block + SOUNDS_OFFSET / sizeof(float);
	c->bytes = bytes;
	c->locked = mlock(block, bytes) == 0;
	c->len[SOUND_NORMAL] = normal_len;
	c->len[SOUND_ACCENT] = accent_len;
	c->length = normal_len > accent_len ? normal_len : accent_len;
	*normal = sounds;
	*accent = sounds + normal_len;
	c->sound[SOUND_NORMAL] = *normal;
	c->sound[SOUND_ACCENT] = *accent;
	*out = c;
	return RL_OK;
}

void click_free(struct click *click)
{
	if (!click)
		return;
	if (click->locked)
		munlock(click, click->bytes);
	free(click);
}

/* ---------------------------------------------------------------------- */
/* Built-in sounds */

/* The parameters of one built-in sound at one level. */
struct synth {
	enum click_builtin kind;
	double freq;    /* tone or resonance, Hz */
	double seconds; /* length */
	double decay;   /* beep, square: decay time constant, s; wood: Q */
	double peak;    /* magnitude of the first sample */
	uint32_t seed;  /* wood: noise generator seed */
};

/* xorshift32: the wood noise must be the same on every run and machine. */
static uint32_t xorshift32(uint32_t *state)
{
	uint32_t x = *state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Uniform in [-1, 1). */
static double noise(uint32_t *state)
{
	return (double)xorshift32(state) / 2147483648.0 - 1.0;
}

/*
 * Raw wood strike into y[0..n-1] (scratch: r[0..n-1]): a stick hits a
 * block. The hit is an impulse followed by a short burst of noise (1 ms
 * decay); it excites the block's resonance, a two-pole band-pass (RBJ
 * cookbook, constant 0 dB peak gain) tuned to `freq`, whose ringing
 * decays smoothly with its own time constant Q/(pi f). The ringing is
 * scaled to 0.6 of the impulse, so the impulse stays the largest sample
 * and the tail is a clean decaying tone: no noisy dips that an onset
 * detector could mistake for a new hit.
 */
static void synth_wood(double *y, double *r, size_t n, double rate,
                       double freq, double q, uint32_t seed)
{
	double w0 = 2.0 * M_PI * freq / rate;
	double alpha = sin(w0) / (2.0 * q);
	double a0 = 1.0 + alpha;
	double b0 = alpha / a0, b2 = -alpha / a0;
	double a1 = -2.0 * cos(w0) / a0, a2 = (1.0 - alpha) / a0;
	double x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0, m = 0.0;
	uint32_t state = seed;
	size_t burst = (size_t)(0.004 * rate);

	for (size_t i = 0; i < n; i++) {
		double x = i == 0 ? 1.0 : 0.0;
		if (i < burst)
			x += 0.3 * noise(&state)
			     * exp(-(double)i / (0.001 * rate));
		double v = b0 * x + b2 * x2 - a1 * y1 - a2 * y2;
		x2 = x1;
		x1 = x;
		y2 = y1;
		y1 = v;
		y[i] = x;
		r[i] = v;
		if (fabs(v) > m)
			m = fabs(v);
	}
	for (size_t i = 0; m > 0.0 && i < n; i++)
		y[i] += 0.6 * r[i] / m;
}

/*
 * Render one built-in sound into out[0..n-1] (float) through a double
 * scratch buffer, so that its first sample is exactly `peak` and no other
 * sample is larger in magnitude (click.h promises onset detectors can rely
 * on the first sample).
 */
static void synth_render(const struct synth *s, double rate, float *out,
                         size_t n, double *y, double *scratch)
{
	size_t fade = (size_t)(FADE_SECONDS * rate);
	double w = 2.0 * M_PI * s->freq / rate;

	switch (s->kind) {
	case CLICK_BEEP:
		/* Cosine, not sine: it starts at its crest. */
		for (size_t i = 0; i < n; i++)
			y[i] = cos(w * (double)i)
			       * exp(-(double)i / (rate * s->decay));
		break;
	case CLICK_SQUARE:
		for (size_t i = 0; i < n; i++)
			y[i] = (cos(w * (double)i) >= 0.0 ? 1.0 : -1.0)
			       * exp(-(double)i / (rate * s->decay));
		break;
	case CLICK_WOOD:
	default:
		synth_wood(y, scratch, n, rate, s->freq, s->decay, s->seed);
		/* Ringing plus noise can, in principle, add up past the
		 * impulse; the first sample must stay the largest. */
		for (size_t i = 1; i < n; i++)
			if (fabs(y[i]) > fabs(y[0]))
				y[0] = y[0] < 0.0 ? -fabs(y[i]) : fabs(y[i]);
		break;
	}

	/* Linear fade over the last `fade` frames: the tail ends at zero. */
	if (fade > n / 2)
		fade = n / 2;
	for (size_t i = 0; i < fade; i++)
		y[n - 1 - i] *= (double)(i + 1) / (double)(fade + 1);

	double scale = s->peak / fabs(y[0]);
	float peak = (float)s->peak;
	for (size_t i = 0; i < n; i++) {
		float v = (float)(y[i] * scale);
		/* Rounding may not lift a tie above the first sample. */
		if (v > peak)
			v = peak;
		else if (v < -peak)
			v = -peak;
		out[i] = v;
	}
	out[0] = y[0] < 0.0 ? -peak : peak;
}

enum rl_status click_new_builtin(enum click_builtin sound, uint32_t rate,
                                 struct click **out, struct error *err)
{
	/* Accent: higher and a little longer than the normal beat. */
	static const struct synth table[CLICK_BUILTIN_COUNT][2] = {
		[CLICK_BEEP] = {
			{ CLICK_BEEP, 1320.0, 0.060, 0.015, NORMAL_PEAK, 0 },
			{ CLICK_BEEP, 1760.0, 0.070, 0.018, ACCENT_PEAK, 0 },
		},
		/* klick's square sounds: 500 Hz and 1 kHz. */
		[CLICK_SQUARE] = {
			{ CLICK_SQUARE, 500.0, 0.064, 0.020, NORMAL_PEAK, 0 },
			{ CLICK_SQUARE, 1000.0, 0.072, 0.022, ACCENT_PEAK, 0 },
		},
		[CLICK_WOOD] = {
			{ CLICK_WOOD, 900.0, 0.040, 20.0, NORMAL_PEAK,
			  0x9e3779b9u },
			{ CLICK_WOOD, 1250.0, 0.045, 25.0, ACCENT_PEAK,
			  0x2545f491u },
		},
	};

	*out = NULL;
	if ((unsigned)sound >= CLICK_BUILTIN_COUNT)
		return error_set(err, RL_ERR_INVALID,
		                 "click: no built-in sound number %d",
		                 (int)sound);
	enum rl_status st = check_rate(rate, err);
	if (st != RL_OK)
		return st;

	const struct synth *s = table[sound];
	size_t len[2];
	for (int k = 0; k < 2; k++) {
		len[k] = (size_t)(s[k].seconds * rate);
		if (len[k] < 1)
			len[k] = 1;
	}
	size_t longest = len[0] > len[1] ? len[0] : len[1];
	double *scratch = malloc(2 * longest * sizeof *scratch);
	struct click *c = NULL;
	float *normal, *accent;
	if (!scratch)
		return error_set(err, RL_ERR_NOMEM,
		                 "click: cannot allocate %zu frames",
		                 2 * longest);
	st = click_alloc(len[0], len[1], &c, &normal, &accent, err);
	if (st == RL_OK) {
		synth_render(&s[SOUND_NORMAL], rate, normal, len[0], scratch,
		             scratch + longest);
		synth_render(&s[SOUND_ACCENT], rate, accent, len[1], scratch,
		             scratch + longest);
		*out = c;
	}
	free(scratch);
	return st;
}

enum rl_status click_builtin_from_name(const char *name,
                                       enum click_builtin *out,
                                       struct error *err)
{
	for (int i = 0; name && i < CLICK_BUILTIN_COUNT; i++) {
		if (strcmp(name, builtin_names[i]) == 0) {
			if (out)
				*out = (enum click_builtin)i;
			return RL_OK;
		}
	}
	return error_set(err, RL_ERR_INVALID,
	                 "unknown click sound \"%s\" (expected %s, %s or %s)",
	                 name ? name : "(null)", builtin_names[CLICK_BEEP],
	                 builtin_names[CLICK_SQUARE],
	                 builtin_names[CLICK_WOOD]);
}

/* ---------------------------------------------------------------------- */
/* Sounds from files */

/* One decoded file: mono samples at the click's rate. */
struct file_sound {
	float *data;
	size_t len;
};

/*
 * Read `path` into a mono buffer at `rate`: channels averaged (a stereo
 * file with the same click on both sides keeps its level), converted
 * with libsamplerate's best converter if the file has another rate.
 */
static enum rl_status load_sound(const char *path, uint32_t rate,
                                 struct file_sound *out, struct error *err)
{
	SF_INFO info;
	struct stat stbuf;
	SNDFILE *sf;
	float *raw = NULL, *mono = NULL;
	enum rl_status st = RL_OK;
	size_t frames = 0;

	out->data = NULL;
	out->len = 0;
	/* libsndfile does not keep errno; ask the file system first so a
	 * missing file says so plainly. */
	if (stat(path, &stbuf) != 0) {
		int e = errno;
		char buf[128];
		return error_set(err, rl_status_from_errno(e),
		                 "%s: cannot read click sound: %s", path,
		                 strerror_r(e, buf, sizeof buf));
	}
	memset(&info, 0, sizeof info);
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return error_set(err, RL_ERR_FORMAT,
		                 "%s: cannot read click sound: %s", path,
		                 sf_strerror(NULL));
	if (info.channels < 1 || info.samplerate < 1) {
		st = error_set(err, RL_ERR_FORMAT,
		               "%s: click sound has %d channels at %d Hz", path,
		               info.channels, info.samplerate);
		goto done;
	}
	if (info.frames <= 0) {
		st = error_set(err, RL_ERR_FORMAT,
		               "%s: click sound is empty (no frames)", path);
		goto done;
	}
	if ((double)info.frames > CLICK_MAX_SECONDS * info.samplerate) {
		st = error_set(err, RL_ERR_INVALID,
		               "%s: click sound is %.2f s long, at most %.1f s "
		               "allowed", path,
		               (double)info.frames / info.samplerate,
		               CLICK_MAX_SECONDS);
		goto done;
	}

	/* At most 2 s at any libsndfile rate: no overflow below. */
	size_t channels = (size_t)info.channels;
	frames = (size_t)info.frames;
	raw = malloc(frames * channels * sizeof *raw);
	mono = malloc(frames * sizeof *mono);
	if (!raw || !mono) {
		st = error_set(err, RL_ERR_NOMEM,
		               "%s: cannot allocate %zu frames", path, frames);
		goto done;
	}
	sf_count_t got = sf_readf_float(sf, raw, (sf_count_t)frames);
	if (got <= 0) {
		st = error_set(err, RL_ERR_FORMAT,
		               "%s: cannot read click sound: %s", path,
		               got < 0 || sf_error(sf) ? sf_strerror(sf)
		                                       : "no frames");
		goto done;
	}
	/* A truncated file gives fewer frames than its header says. */
	frames = (size_t)got;
	for (size_t i = 0; i < frames; i++) {
		double sum = 0.0;
		for (size_t c = 0; c < channels; c++)
			sum += raw[i * channels + c];
		mono[i] = (float)(sum / (double)channels);
		if (!isfinite(mono[i])) {
			st = error_set(err, RL_ERR_FORMAT,
			               "%s: click sound has a non-finite "
			               "sample at frame %zu", path, i);
			goto done;
		}
	}

	if ((uint32_t)info.samplerate != rate) {
		double ratio = (double)rate / info.samplerate;
		size_t cap = (size_t)ceil((double)frames * ratio) + 16;
		float *conv = malloc(cap * sizeof *conv);
		if (!conv) {
			st = error_set(err, RL_ERR_NOMEM,
			               "%s: cannot allocate %zu frames", path,
			               cap);
			goto done;
		}
		SRC_DATA d = {
			.data_in = mono,
			.data_out = conv,
			.input_frames = (long)frames,
			.output_frames = (long)cap,
			.src_ratio = ratio,
		};
		int e = src_simple(&d, SRC_SINC_BEST_QUALITY, 1);
		if (e != 0 || d.output_frames_gen <= 0) {
			st = error_set(err, RL_ERR_FORMAT,
			               "%s: cannot convert click sound from %d "
			               "to %u Hz: %s", path, info.samplerate,
			               rate, e ? src_strerror(e)
			                       : "no output");
			free(conv);
			goto done;
		}
		free(mono);
		mono = conv;
		frames = (size_t)d.output_frames_gen;
	}
	out->data = mono;
	out->len = frames;
	mono = NULL;
done:
	free(raw);
	free(mono);
	sf_close(sf);
	return st;
}

enum rl_status click_new_from_files(const char *accent_path,
                                    const char *normal_path, uint32_t rate,
                                    struct click **out, struct error *err)
{
	struct file_sound accent = { 0 }, normal = { 0 };
	struct click *c = NULL;
	float *dst_normal, *dst_accent;

	*out = NULL;
	enum rl_status st = check_rate(rate, err);
	if (st != RL_OK)
		return st;
	if (!accent_path)
		return error_set(err, RL_ERR_INVALID,
		                 "click: no accent sound file given");
	st = load_sound(accent_path, rate, &accent, err);
	if (st == RL_OK && normal_path)
		st = load_sound(normal_path, rate, &normal, err);
	if (st == RL_OK) {
		size_t normal_len = normal_path ? normal.len : accent.len;
		st = click_alloc(normal_len, accent.len, &c, &dst_normal,
		                 &dst_accent, err);
	}
	if (st == RL_OK) {
		memcpy(dst_accent, accent.data, accent.len * sizeof(float));
		if (normal_path) {
			memcpy(dst_normal, normal.data,
			       normal.len * sizeof(float));
		} else {
			float g = (float)pow(10.0,
			                     NORMAL_FROM_ACCENT_DB / 20.0);
			for (size_t i = 0; i < accent.len; i++)
				dst_normal[i] = accent.data[i] * g;
		}
		*out = c;
	}
	free(accent.data);
	free(normal.data);
	return st;
}

/* ---------------------------------------------------------------------- */
/* Rendering */

REALTIME size_t click_length(const struct click *click)
{
	return click->length;
}

/*
 * out[i] += s[i] * volume for the part of a sound that starts at frame
 * `onset` and falls inside [frame, frame + nframes).
 */
REALTIME static void mix_sound(const float *s, size_t len, int64_t onset,
                               float volume, int64_t frame,
                               uint32_t nframes, float *out)
{
	int64_t from = onset > frame ? onset : frame;
	int64_t to = onset + (int64_t)len;
	if (to > frame + (int64_t)nframes)
		to = frame + (int64_t)nframes;
	for (int64_t x = from; x < to; x++)
		out[x - frame] += s[x - onset] * volume;
}

REALTIME void click_render(const struct click *click,
                           const struct tempo_map *map, int64_t frame,
                           uint32_t nframes, float gain, float *out)
{
	if (gain == 0.0f || nframes == 0)
		return;
	/* A beat whose onset is more than one sound length before the cycle
	 * has ended by then; the first one that may still sound starts at
	 * frame - length + 1. Beats are visited in onset order, so every
	 * output sample sums the same products in the same order whatever
	 * the cycle boundaries: the output is bit-identical. */
	int64_t end = frame + (int64_t)nframes;
	struct tempo_map_beat b;
	tempo_map_next_beat(map, frame - (int64_t)click->length + 1, &b);
	while (b.frame < end) {
		if (b.type != TEMPO_MAP_SILENT) {
			int k = b.type == TEMPO_MAP_ACCENT ? SOUND_ACCENT
			                                   : SOUND_NORMAL;
			float volume = b.volume * gain;
			if (volume != 0.0f)
				mix_sound(click->sound[k], click->len[k],
				          b.frame, volume, frame, nframes, out);
		}
		/* The map guarantees next_frame > frame; never spin if not. */
		if (b.next_frame <= b.frame)
			break;
		tempo_map_next_beat(map, b.next_frame, &b);
	}
}
