/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/sim_source.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Frame counter --------------------------------------------------- */

REALTIME uint32_t sim_source_counter_period(enum sim_counter_bits bits)
{
	return bits == SIM_COUNTER_16 ? UINT32_C(1) << 14 : UINT32_C(1) << 22;
}

/* One LSB of the format the code is exact in: 2^-23 or 2^-15. */
REALTIME static float counter_scale(enum sim_counter_bits bits)
{
	return bits == SIM_COUNTER_16 ? 1.0f / 32768.0f : 1.0f / 8388608.0f;
}

REALTIME int32_t sim_source_counter_code(uint64_t frame, unsigned channel,
                                         enum sim_counter_bits bits)
{
	uint32_t period = sim_source_counter_period(bits);
	uint64_t mask = period - 1;
	uint64_t x = (frame + (uint64_t)channel * SIM_COUNTER_CHANNEL_STRIDE)
	             & mask;

	return (int32_t)x - (int32_t)(period / 2);
}

REALTIME void sim_source_counter_fill(float *out, size_t nframes,
                                      uint64_t first_frame, unsigned channel,
                                      enum sim_counter_bits bits)
{
	uint32_t period = sim_source_counter_period(bits);
	uint32_t mask = period - 1;
	int32_t half = (int32_t)(period / 2);
	float scale = counter_scale(bits);
	/* Step the code instead of recomputing it: the wrap is a mask. */
	uint32_t x = (uint32_t)((first_frame
	                         + (uint64_t)channel * SIM_COUNTER_CHANNEL_STRIDE)
	                        & mask);

	for (size_t i = 0; i < nframes; i++) {
		/* |code| <= 2^21 < 2^24: the conversion to float is exact, and
		 * so is the power-of-two scale. */
		out[i] = (float)((int32_t)x - half) * scale;
		x = (x + 1) & mask;
	}
}

REALTIME uint32_t sim_source_counter_decode(int32_t code, unsigned channel,
                                            enum sim_counter_bits bits)
{
	uint32_t period = sim_source_counter_period(bits);
	uint64_t mask = period - 1;
	uint64_t offset = ((uint64_t)channel * SIM_COUNTER_CHANNEL_STRIDE) & mask;
	/* Two's complement wrap makes the masked difference the modulo even
	 * when the intermediate value is negative. */
	uint64_t v = (uint64_t)((int64_t)code + (int64_t)(period / 2))
	             - offset;

	return (uint32_t)(v & mask);
}

REALTIME void sim_source_square_fill(float *out, size_t nframes,
                                     uint64_t first_frame,
                                     uint32_t half_period)
{
	if (half_period == 0)
		half_period = 1;
	uint64_t pos = first_frame % half_period;
	bool high = ((first_frame / half_period) & 1) == 0;

	for (size_t i = 0; i < nframes; i++) {
		out[i] = high ? 1.0f : -1.0f;
		if (++pos == half_period) {
			pos = 0;
			high = !high;
		}
	}
}

/* --- The band -------------------------------------------------------- */

enum instrument {
	INST_KICK,
	INST_SNARE,
	INST_HIHAT,
	INST_OH_L,
	INST_OH_R,
	INST_BASS,
	INST_GTR,
	INST_KEYS,
	INST_VOX,
	INST_COUNT
};

static const char *const instrument_names[INST_COUNT] = {
	"kick", "snare", "hihat", "oh-l", "oh-r", "bass-di", "gtr", "keys", "vox",
};

/* Linear peak level of each instrument: -6 dBFS for the kick down to about
 * -20 dBFS for the hat, like a raw multitrack before any mixing. */
static const float instrument_levels[INST_COUNT] = {
	0.50f, /* kick    -6 dBFS */
	0.30f, /* snare   about -8 dBFS (noise + tone can sum to 1.25) */
	0.10f, /* hihat  -20 dBFS */
	0.14f, /* oh-l   about -16 dBFS */
	0.13f, /* oh-r */
	0.35f, /* bass    -9 dBFS */
	0.20f, /* gtr    -14 dBFS */
	0.12f, /* keys   -18 dBFS */
	0.30f, /* vox    -10 dBFS */
};

#define SIM_BAND_MAX_CHANNELS 65536u
#define BARS_IN_LOOP 4
#define EIGHTHS_IN_BAR 8

/* I - vi - IV - V in C, one chord per bar: MIDI root note (octave 3) and
 * whether the chord is minor. */
static const int chord_root[BARS_IN_LOOP] = { 48, 45, 41, 43 };
static const bool chord_minor[BARS_IN_LOOP] = { false, true, false, false };
/* Bass on eighths: root, root, octave, root | root, root, fifth, octave. */
static const int bass_pattern[EIGHTHS_IN_BAR] = { 0, 0, 12, 0, 0, 0, 7, 12 };
/* Singer, one MIDI note per beat over the four bars; 0 is a rest. */
static const int vox_melody[BARS_IN_LOOP * 4] = {
	64, 67, 69, 67,
	64, 0, 60, 62,
	65, 69, 67, 65,
	62, 0, 0, 0,
};

struct voice {
	enum instrument kind;
	float level;
	uint64_t rng;    /* xorshift64 state, never 0 */
	double phase[3]; /* oscillator phases in cycles, [0, 1) */
	float env;       /* main envelope */
	float env2;      /* second envelope (pitch sweep, tone, ride) */
	float env3;      /* third envelope (snare bleed) */
	float decay;     /* current per-sample decay of env */
	float hp_prev;   /* last noise value, for the first-difference high pass */
	float freq;      /* gliding pitch of the singer */
};

struct sim_band {
	unsigned channels;
	uint32_t sample_rate;
	float inv_rate;

	/* Musical position of the next frame to render. */
	uint64_t eighth_index;
	uint32_t in_eighth;
	uint32_t eighth_frames;

	/* Per-sample decay factors exp(-1 / (tau * rate)), and one-pole
	 * smoothing coefficients 1 - exp(...), computed up front because
	 * expf() per sample would be wasted work. */
	float dk_kick, dk_sweep, dk_snare, dk_tone, dk_hat, dk_open_hat;
	float dk_crash, dk_bass, dk_gtr;
	float sm_pad, sm_gate, sm_glide;

	/* Pitches, precomputed so the audio thread never calls powf(). */
	float bass_freq[BARS_IN_LOOP][EIGHTHS_IN_BAR];
	float gtr_freq[BARS_IN_LOOP][EIGHTHS_IN_BAR];
	float pad_freq[BARS_IN_LOOP][3];
	float vox_freq[BARS_IN_LOOP * 4];

	struct voice voices[]; /* one per channel */
};

/* Where in the song a frame is. */
struct song_pos {
	bool onset;        /* first frame of an eighth note */
	unsigned eighth;   /* 0..7 within the bar */
	unsigned bar;      /* 0..3 within the loop */
	uint32_t in_beat;  /* frames since the beat started */
};

static float midi_hz(int note)
{
	return 440.0f * powf(2.0f, (float)(note - 69) / 12.0f);
}

static float decay_factor(double tau_seconds, uint32_t rate)
{
	return (float)exp(-1.0 / (tau_seconds * rate));
}

static float smooth_coefficient(double tau_seconds, uint32_t rate)
{
	return 1.0f - decay_factor(tau_seconds, rate);
}

REALTIME static float noise(struct voice *v)
{
	/* xorshift64 (Marsaglia): deterministic, allocation-free, and good
	 * enough to sound like a cymbal. */
	uint64_t x = v->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	v->rng = x;
	return (float)(int32_t)(uint32_t)(x >> 32) * (1.0f / 2147483648.0f);
}

/* First difference of white noise: a cheap high pass for hats and cymbals. */
REALTIME static float bright_noise(struct voice *v)
{
	float n = noise(v);
	float h = 0.5f * (n - v->hp_prev);
	v->hp_prev = n;
	return h;
}

REALTIME static float osc(double *phase, float hz, float inv_rate)
{
	double p = *phase;
	float s = sinf(6.28318530718f * (float)p);
	p += (double)hz * inv_rate;
	if (p >= 1.0) /* one step is < 1 cycle: every pitch is below Nyquist */
		p -= 1.0;
	*phase = p;
	return s;
}

/* A plucked tone with a few harmonics, normalised to peak <= 1. */
REALTIME static float harmonic_osc(double *phase, float hz, float inv_rate,
                                   float h2, float h3)
{
	float x = 6.28318530718f * (float)*phase;
	float s = (sinf(x) + h2 * sinf(2.0f * x) + h3 * sinf(3.0f * x))
	          / (1.0f + h2 + h3);
	double p = *phase + (double)hz * inv_rate;
	if (p >= 1.0) /* one step is < 1 cycle: every pitch is below Nyquist */
		p -= 1.0;
	*phase = p;
	return s;
}

REALTIME static float play_kick(const struct sim_band *b, struct voice *v,
                                const struct song_pos *sp)
{
	/* Beats 1 and 3, plus a push on the "and" of 3 in the last bar. */
	if (sp->onset && (sp->eighth == 0 || sp->eighth == 4
	                  || (sp->bar == 3 && sp->eighth == 5))) {
		v->env = 1.0f;
		v->env2 = 1.0f;
		v->phase[0] = 0.0;
	}
	/* The pitch drops from ~150 Hz to 48 Hz: the "thump". */
	float s = osc(&v->phase[0], 48.0f + 100.0f * v->env2, b->inv_rate)
	          * v->env;
	v->env *= b->dk_kick;
	v->env2 *= b->dk_sweep;
	return s;
}

REALTIME static float play_snare(const struct sim_band *b, struct voice *v,
                                 const struct song_pos *sp)
{
	if (sp->onset && (sp->eighth == 2 || sp->eighth == 6)) {
		v->env = 1.0f;
		v->env2 = 1.0f;
		v->phase[0] = 0.0;
	} else if (sp->onset && sp->bar == 3 && sp->eighth == 7) {
		v->env = 0.3f; /* ghost note into the turnaround */
		v->env2 = 0.3f;
	}
	float s = 0.75f * noise(v) * v->env
	          + 0.5f * osc(&v->phase[0], 190.0f, b->inv_rate) * v->env2;
	v->env *= b->dk_snare;
	v->env2 *= b->dk_tone;
	return s;
}

REALTIME static float play_hihat(const struct sim_band *b, struct voice *v,
                                 const struct song_pos *sp)
{
	if (sp->onset) {
		v->env = (sp->eighth & 1) ? 0.6f : 1.0f;
		/* Open hat on the last eighth of the bar. */
		v->decay = sp->eighth == 7 ? b->dk_open_hat : b->dk_hat;
	}
	float s = bright_noise(v) * v->env;
	v->env *= v->decay;
	return s;
}

REALTIME static float play_overhead(const struct sim_band *b, struct voice *v,
                                    const struct song_pos *sp)
{
	if (sp->onset) {
		/* Crash at the top of the loop (the right side also on bar 3). */
		if (sp->eighth == 0 && (sp->bar == 0
		                        || (v->kind == INST_OH_R && sp->bar == 2)))
			v->env = 1.0f;
		v->env2 = 0.35f; /* ride/hat bleed on every eighth */
		if (sp->eighth == 2 || sp->eighth == 6)
			v->env3 = 0.5f; /* snare bleed */
	}
	float s = bright_noise(v) * (0.6f * v->env + v->env2)
	          + 0.4f * noise(v) * v->env3;
	v->env *= b->dk_crash;
	v->env2 *= b->dk_hat;
	v->env3 *= b->dk_snare;
	/* Peak stays <= 0.95 + 0.2, scaled by the level below 0.17. */
	return s;
}

REALTIME static float play_bass(const struct sim_band *b, struct voice *v,
                                const struct song_pos *sp)
{
	if (sp->onset)
		v->env = 1.0f;
	float s = harmonic_osc(&v->phase[0], b->bass_freq[sp->bar][sp->eighth],
	                       b->inv_rate, 0.5f, 0.25f) * v->env;
	v->env *= b->dk_bass;
	return s;
}

REALTIME static float play_gtr(const struct sim_band *b, struct voice *v,
                               const struct song_pos *sp)
{
	if (sp->onset)
		v->env = 1.0f;
	float s = harmonic_osc(&v->phase[0], b->gtr_freq[sp->bar][sp->eighth],
	                       b->inv_rate, 0.3f, 0.15f) * v->env;
	v->env *= b->dk_gtr;
	return s;
}

REALTIME static float play_keys(const struct sim_band *b, struct voice *v,
                                const struct song_pos *sp)
{
	/* A pad: the chord swells back in at every bar line. */
	if (sp->onset && sp->eighth == 0)
		v->env *= 0.4f;
	v->env += (1.0f - v->env) * b->sm_pad;
	const float *f = b->pad_freq[sp->bar];
	float s = (osc(&v->phase[0], f[0], b->inv_rate)
	           + osc(&v->phase[1], f[1], b->inv_rate)
	           + osc(&v->phase[2], f[2], b->inv_rate)) * (1.0f / 3.0f);
	return s * v->env;
}

REALTIME static float play_vox(const struct sim_band *b, struct voice *v,
                               const struct song_pos *sp)
{
	unsigned beat = sp->bar * 4 + sp->eighth / 2;
	float target = b->vox_freq[beat];
	/* Breathe between notes: silent for the last 15 % of every beat. */
	uint32_t beat_frames = 2 * b->eighth_frames;
	bool sing = target > 0.0f && sp->in_beat < beat_frames - beat_frames / 7;

	if (target > 0.0f)
		v->freq += (target - v->freq) * b->sm_glide;
	v->env += ((sing ? 1.0f : 0.0f) - v->env) * b->sm_gate;
	/* 5.5 Hz vibrato, about +-30 cents. */
	float vib = osc(&v->phase[1], 5.5f, b->inv_rate);
	float f = v->freq * (1.0f + 0.018f * vib);
	float s = harmonic_osc(&v->phase[0], f, b->inv_rate, 0.2f, 0.05f);
	return s * v->env;
}

REALTIME static float play(const struct sim_band *b, struct voice *v,
                           const struct song_pos *sp)
{
	switch (v->kind) {
	case INST_KICK: return play_kick(b, v, sp);
	case INST_SNARE: return play_snare(b, v, sp);
	case INST_HIHAT: return play_hihat(b, v, sp);
	case INST_OH_L:
	case INST_OH_R: return play_overhead(b, v, sp);
	case INST_BASS: return play_bass(b, v, sp);
	case INST_GTR: return play_gtr(b, v, sp);
	case INST_KEYS: return play_keys(b, v, sp);
	case INST_VOX: return play_vox(b, v, sp);
	case INST_COUNT: break;
	}
	return 0.0f;
}

struct sim_band *sim_band_new(unsigned channels, uint32_t sample_rate)
{
	if (channels == 0 || sample_rate == 0)
		return NULL;
	/* Far beyond any JACK graph; keeps the size computation from wrapping
	 * on 32-bit systems. */
	if (channels > SIM_BAND_MAX_CHANNELS)
		return NULL;

	struct sim_band *b = calloc(1, sizeof *b + channels * sizeof b->voices[0]);
	if (!b)
		return NULL;

	b->channels = channels;
	b->sample_rate = sample_rate;
	b->inv_rate = 1.0f / (float)sample_rate;
	/* 120 BPM: an eighth note is a quarter of a second. */
	b->eighth_frames = sample_rate / 4 ? sample_rate / 4 : 1;

	b->dk_kick = decay_factor(0.22, sample_rate);
	b->dk_sweep = decay_factor(0.035, sample_rate);
	b->dk_snare = decay_factor(0.11, sample_rate);
	b->dk_tone = decay_factor(0.05, sample_rate);
	b->dk_hat = decay_factor(0.035, sample_rate);
	b->dk_open_hat = decay_factor(0.25, sample_rate);
	b->dk_crash = decay_factor(1.4, sample_rate);
	b->dk_bass = decay_factor(0.35, sample_rate);
	b->dk_gtr = decay_factor(0.3, sample_rate);
	b->sm_pad = smooth_coefficient(0.25, sample_rate);
	b->sm_gate = smooth_coefficient(0.02, sample_rate);
	b->sm_glide = smooth_coefficient(0.03, sample_rate);

	/* Arpeggio over the chord: tones in semitones above the root. */
	for (unsigned bar = 0; bar < BARS_IN_LOOP; bar++) {
		int root = chord_root[bar];
		int third = chord_minor[bar] ? 3 : 4;
		const int arp[EIGHTHS_IN_BAR] = {
			12, 12 + third, 19, 24, 19, 12 + third, 12, 7,
		};
		for (unsigned e = 0; e < EIGHTHS_IN_BAR; e++) {
			b->bass_freq[bar][e] = midi_hz(root - 12 + bass_pattern[e]);
			b->gtr_freq[bar][e] = midi_hz(root + arp[e]);
		}
		b->pad_freq[bar][0] = midi_hz(root + 12);
		b->pad_freq[bar][1] = midi_hz(root + 12 + third);
		b->pad_freq[bar][2] = midi_hz(root + 19);
	}
	for (unsigned i = 0; i < BARS_IN_LOOP * 4; i++)
		b->vox_freq[i] = vox_melody[i] ? midi_hz(vox_melody[i]) : 0.0f;

	for (unsigned c = 0; c < channels; c++) {
		struct voice *v = &b->voices[c];
		v->kind = (enum instrument)(c % INST_COUNT);
		v->level = instrument_levels[v->kind];
		/* Distinct non-zero seeds so both overheads (and repeats of an
		 * instrument) are different signals. */
		v->rng = UINT64_C(0x9E3779B97F4A7C15)
		         ^ ((uint64_t)(c + 1) * UINT64_C(0xD1B54A32D192ED03));
		if (v->rng == 0)
			v->rng = 1;
		v->decay = b->dk_hat;
		v->freq = b->vox_freq[0];
	}
	return b;
}

REALTIME void sim_band_fill(struct sim_band *band, float *const *outs,
                            size_t nframes)
{
	for (unsigned c = 0; c < band->channels; c++) {
		struct voice *v = &band->voices[c];
		float *out = outs[c];
		/* Every channel walks the same stretch of song from the same
		 * start, so the band stays in time with itself. */
		uint64_t eighth_index = band->eighth_index;
		uint32_t in_eighth = band->in_eighth;

		for (size_t i = 0; i < nframes; i++) {
			struct song_pos sp = {
				.onset = in_eighth == 0,
				.eighth = (unsigned)(eighth_index % EIGHTHS_IN_BAR),
				.bar = (unsigned)((eighth_index / EIGHTHS_IN_BAR)
				                  % BARS_IN_LOOP),
				.in_beat = (uint32_t)(eighth_index & 1)
				           * band->eighth_frames + in_eighth,
			};
			out[i] = v->level * play(band, v, &sp);
			if (++in_eighth == band->eighth_frames) {
				in_eighth = 0;
				eighth_index++;
			}
		}
	}

	uint64_t pos = band->in_eighth + (uint64_t)nframes;
	band->eighth_index += pos / band->eighth_frames;
	band->in_eighth = (uint32_t)(pos % band->eighth_frames);
}

unsigned sim_band_channels(const struct sim_band *band)
{
	return band->channels;
}

void sim_band_free(struct sim_band *band)
{
	free(band);
}

const char *sim_band_channel_name(unsigned index, char *buf, size_t size)
{
	unsigned round = index / INST_COUNT;
	const char *base = instrument_names[index % INST_COUNT];

	if (size == 0)
		return buf;
	if (round == 0)
		snprintf(buf, size, "%s", base);
	else
		snprintf(buf, size, "%s-%u", base, round + 1);
	return buf;
}
