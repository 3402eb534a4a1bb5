/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify-take: prove that a take recorded from redlight-source's frame
 * counter signal is exact.
 *
 * Every sample of the counter signal encodes the source frame it was
 * played on (see sim_source.h), so a recording can be checked without
 * knowing anything about how it was made:
 * - within a file every frame is the previous one plus 1 (no frame lost,
 *   repeated or reordered, no gain, no dither: any of those breaks it);
 * - with --allow-dropped, a run of digital-zero frames is accepted where
 *   frames were lost, but only if it is exactly as long as the gap, so the
 *   track stays aligned with the others;
 * - every track starts on the same source frame, every file has the same
 *   length;
 * - each file carries a bext chunk written by redlight, whose time
 *   reference is printed (and checked with --expect-time-ref);
 * - the source frame that frame 0 of the take stands for is printed
 *   (first_source_frame) and checked with --expect-first-source-frame,
 *   so consecutive takes (a split, loop passes) can be proven to
 *   continue each other exactly: the next one's first source frame is
 *   this one's plus its length.
 *
 * Output: a line per file, then one summary line
 *   verify-take: OK tracks=N frames=F first_source_frame=n0
 *                [shared_jumps=J] padded_runs=R padded_frames=P
 * (on one line) and exit 0, or "verify-take: FAIL <reason>" and exit 1.
 * padded_* add up every file and channel. Usage errors exit 2.
 *
 * --unequal-lengths is for a take cut short by a crash, whose files end
 * wherever each one's last header refresh left it: the lengths may then
 * differ, everything else must still hold.
 */
#include "redlight/sim_source.h"

#include <sndfile.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "verify-take"
#define CHUNK_FRAMES 65536

struct channel_override {
	const char *file;
	bool is_silence;  /* --silent-from: `value` is a frame, else the
	                     --channel-of channel */
	uint64_t value;
	bool used;
};

struct options {
	enum sim_counter_bits bits;
	long long expect_tracks;     /* -1: not checked */
	long long expect_frames;     /* -1: not checked */
	long long min_frames;        /* -1: not checked */
	long long expect_time_ref;   /* -1: not checked */
	long long expect_first;      /* -1: not checked; modulo the period */
	bool allow_dropped;
	bool unequal_lengths;        /* a crashed take: files may differ */
	uint64_t *jumps;             /* --jump-at: frames where the counter
	                                may jump (the take's xrun markers) */
	size_t jump_count;
	uint64_t jump_slack;         /* --jump-slack: a jump may come this many
	                                frames before or after its marker */
	bool shared_jumps;           /* --shared-jumps */
	struct channel_override *overrides;
	size_t override_count;
	const char *dir;
};

/* One channel of one file, checked frame by frame. */
struct stream {
	unsigned source_channel;
	bool have_prev;
	uint32_t prev;          /* counter of the last data frame */
	bool have_start;
	uint32_t start;         /* counter the file's frame 0 stands for */
	uint64_t zero_start;    /* frame index where the zero run began */
	uint64_t zero_len;      /* 0: not in a zero run */
	uint64_t padded_runs;
	uint64_t padded_frames;
	bool is_reference;      /* --shared-jumps: the take's first channel */
	size_t shared_next;     /* --shared-jumps: next reference jump due */
};

/*
 * --shared-jumps: the unmarked jumps of the take's first channel (the
 * reference), which every other channel must repeat exactly. The source
 * writes one clock reading into all its channels, so a jump of that clock
 * is the same jump at the same frame everywhere; a recorder that lost or
 * repeated a block would do it in one ring, not in all of them alike.
 */
static struct {
	uint64_t *frame;
	long long *delta;
	size_t count, cap;
	bool have_reference;
} shared;

/* What one file turned out to be. */
struct file_result {
	char *name;
	unsigned track;
	unsigned base_channel;
	int channels;
	int samplerate;
	int64_t frames;
	uint32_t start;
	uint64_t time_ref;
	uint64_t padded_runs;
	uint64_t padded_frames;
};

/* The first failure (it explains the rest) and the latest (per file). */
static char failure[1024];
static char last_failure[1024];

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_failure, sizeof last_failure, fmt, ap);
	va_end(ap);
	if (!failure[0])
		memcpy(failure, last_failure, sizeof failure);
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: " PROG " [--bits 24|16] [--expect-tracks N] "
	        "[--expect-frames N]\n"
	        "       [--min-frames N] [--allow-dropped] "
	        "[--channel-of FILE=C ...] [--silent-from FILE=FRAME ...]\n"
	        "       [--expect-time-ref N] [--expect-first-source-frame N]\n"
	        "       [--unequal-lengths] [--jump-at FRAME ...] [--jump-slack N]\n"
	        "       [--shared-jumps]\n"
	        "       TAKE_DIR\n"
	        "\n"
	        "Checks that the TT-name.wav files in TAKE_DIR hold redlight-source's\n"
	        "frame counter without a lost, repeated or shifted frame, that all\n"
	        "tracks start on the same source frame and have the same length.\n"
	        "Track TT decodes as source channel TT-1 unless --channel-of says\n"
	        "otherwise. --allow-dropped accepts digital-zero padding exactly as\n"
	        "long as the frames it replaces. --unequal-lengths (a take cut\n"
	        "short by a crash) lets the files differ in length; --expect-frames\n"
	        "and --min-frames then hold for every file, frames= is the shortest.\n"
	        "--expect-first-source-frame N: frame 0 of every file holds source\n"
	        "frame N (modulo the counter's period), e.g. the previous take's\n"
	        "first_source_frame plus its frames for a take that continues it.\n"
	        "--silent-from FILE=FRAME: FILE holds the counter up to FRAME and\n"
	        "digital silence from there on (its source port went away).\n"
	        "--jump-at FRAME: the counter may jump at FRAME (an xrun marker);\n"
	        "--jump-slack N: or up to N frames before or after it (one period:\n"
	        "redlight and the source read JACK's clock at different moments of\n"
	        "a late cycle, see doc/architecture.md).\n"
	        "--shared-jumps: a jump with no marker is accepted when every channel\n"
	        "of every file has it, the same size at the same frame (the source's\n"
	        "clock read late under heavy host contention: upstream of the\n"
	        "recorder); the OK line counts them as shared_jumps=.\n");
}

static bool parse_ll(const char *text, long long *out)
{
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return false;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno || *end || v < 0)
		return false;
	*out = v;
	return true;
}

/* The option functions below return 0, or 2 after saying on stderr what
 * is wrong with the value. */

/* --bits 24|16. */
static int option_bits(const char *arg, struct options *o)
{
	if (strcmp(arg, "24") == 0) {
		o->bits = SIM_COUNTER_24;
	} else if (strcmp(arg, "16") == 0) {
		o->bits = SIM_COUNTER_16;
	} else {
		fprintf(stderr, PROG ": --bits must be 24 or 16, not '%s'\n",
		        arg);
		return 2;
	}
	return 0;
}

/* The options that take a non-negative number, by their getopt code:
 * --expect-tracks (t), --expect-frames (f), --min-frames (m),
 * --expect-time-ref (r), --expect-first-source-frame (F). */
static int option_number(int ch, const char *arg, struct options *o)
{
	long long v;
	if (!parse_ll(arg, &v)) {
		fprintf(stderr, PROG ": --%s: '%s' is not a non-negative "
		        "number\n", ch == 't' ? "expect-tracks"
		        : ch == 'f' ? "expect-frames"
		        : ch == 'm' ? "min-frames"
		        : ch == 'r' ? "expect-time-ref"
		        : "expect-first-source-frame",
		        arg);
		return 2;
	}
	if (ch == 't')
		o->expect_tracks = v;
	else if (ch == 'f')
		o->expect_frames = v;
	else if (ch == 'm')
		o->min_frames = v;
	else if (ch == 'r')
		o->expect_time_ref = v;
	else
		o->expect_first = v;
	return 0;
}

/* --jump-at FRAME, one more frame where the counter may jump (2 with
 * nothing said when there is no memory for it). */
static int option_jump_at(const char *arg, struct options *o)
{
	long long v;
	if (!parse_ll(arg, &v)) {
		fprintf(stderr, PROG ": --jump-at: '%s' is not a "
		        "frame number\n", arg);
		return 2;
	}
	uint64_t *p = realloc(o->jumps, (o->jump_count + 1) *
	                      sizeof *o->jumps);
	if (!p)
		return 2;
	o->jumps = p;
	o->jumps[o->jump_count++] = (uint64_t)v;
	return 0;
}

/* --jump-slack N. */
static int option_jump_slack(const char *arg, struct options *o)
{
	long long v;
	if (!parse_ll(arg, &v)) {
		fprintf(stderr, PROG ": --jump-slack: '%s' is not "
		        "a number of frames\n", arg);
		return 2;
	}
	o->jump_slack = (uint64_t)v;
	return 0;
}

/* --channel-of FILE=C or --silent-from FILE=FRAME, one more override.
 * The text is cut at the '=' and kept: the override points into it. */
static int option_per_file(char *arg, bool is_silence, struct options *o)
{
	long long v;
	/* The last '=' splits, so a file name may contain one. */
	char *eq = strrchr(arg, '=');
	if (!eq || eq == arg || !parse_ll(eq + 1, &v)
	    || (!is_silence && v > UINT32_MAX)) {
		fprintf(stderr, PROG ": %s wants FILE=%s, not '%s'\n",
		        is_silence ? "--silent-from" : "--channel-of",
		        is_silence ? "FRAME" : "CHANNEL (0-based)", arg);
		return 2;
	}
	struct channel_override *grown = realloc(o->overrides,
		(o->override_count + 1) * sizeof *grown);
	if (!grown) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	o->overrides = grown;
	*eq = '\0';
	/* Only the file's name counts; a path is cut to it. */
	const char *slash = strrchr(arg, '/');
	o->overrides[o->override_count++] = (struct channel_override){
		.file = slash ? slash + 1 : arg,
		.is_silence = is_silence,
		.value = (uint64_t)v,
	};
	return 0;
}

/* Returns 0 or the exit status (2 usage error; -1: --help). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "bits", required_argument, NULL, 'b' },
		{ "expect-tracks", required_argument, NULL, 't' },
		{ "expect-frames", required_argument, NULL, 'f' },
		{ "min-frames", required_argument, NULL, 'm' },
		{ "allow-dropped", no_argument, NULL, 'd' },
		{ "unequal-lengths", no_argument, NULL, 'u' },
		{ "jump-at", required_argument, NULL, 'j' },
		{ "jump-slack", required_argument, NULL, 'J' },
		{ "shared-jumps", no_argument, NULL, 's' },
		{ "channel-of", required_argument, NULL, 'c' },
		{ "silent-from", required_argument, NULL, 'z' },
		{ "expect-time-ref", required_argument, NULL, 'r' },
		{ "expect-first-source-frame", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*o = (struct options){
		.bits = SIM_COUNTER_24,
		.expect_tracks = -1,
		.expect_frames = -1,
		.min_frames = -1,
		.expect_time_ref = -1,
		.expect_first = -1,
	};
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int rc = 0;
		switch (ch) {
		case 'b':
			rc = option_bits(optarg, o);
			break;
		case 't':
		case 'f':
		case 'm':
		case 'r':
		case 'F':
			rc = option_number(ch, optarg, o);
			break;
		case 'd':
			o->allow_dropped = true;
			break;
		case 'u':
			o->unequal_lengths = true;
			break;
		case 'j':
			rc = option_jump_at(optarg, o);
			break;
		case 'J':
			rc = option_jump_slack(optarg, o);
			break;
		case 's':
			o->shared_jumps = true;
			break;
		case 'c':
		case 'z':
			rc = option_per_file(optarg, ch == 'z', o);
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fprintf(stderr, PROG ": unknown option or missing value: %s "
			        "(see --help)\n", argv[optind - 1]);
			return 2;
		}
		if (rc != 0)
			return rc;
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": %s (see --help)\n", optind >= argc
		        ? "missing TAKE_DIR" : "more than one TAKE_DIR");
		return 2;
	}
	o->dir = argv[optind];
	return 0;
}

/* "TT-name.wav": digits, a dash, anything, ".wav". The track number goes
 * to *track. */
static bool take_file_name(const char *name, unsigned *track)
{
	size_t len = strlen(name);
	size_t digits = 0;

	while (isdigit((unsigned char)name[digits]))
		digits++;
	if (digits == 0 || digits > 6 || name[digits] != '-')
		return false;
	if (len < digits + 1 + 4 || strcmp(name + len - 4, ".wav") != 0)
		return false;
	*track = (unsigned)strtoul(name, NULL, 10);
	return true;
}

static int compare_results(const void *a, const void *b)
{
	const struct file_result *x = a, *y = b;

	if (x->track != y->track)
		return x->track < y->track ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* All take files of the directory, sorted by track number. */
static int list_files(const char *dir, struct file_result **out, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct file_result *files = NULL;
	size_t n = 0;

	if (!d) {
		fail("cannot open take directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		unsigned track;
		if (!take_file_name(de->d_name, &track))
			continue;
		struct file_result *grown = realloc(files, (n + 1) * sizeof *grown);
		char *name = strdup(de->d_name);
		if (!grown || !name) {
			free(grown ? grown : files);
			free(name);
			closedir(d);
			fail("out of memory");
			return -1;
		}
		files = grown;
		files[n++] = (struct file_result){ .name = name, .track = track };
	}
	closedir(d);
	if (n)
		qsort(files, n, sizeof *files, compare_results);
	*out = files;
	*count = n;
	return 0;
}

/*
 * The decoding restated from the contract in sim_source.h rather than
 * linked from the generator: a verifier that shared the generator's code
 * could not catch a mistake made the same way on both sides
 * (test_sim_source pins the generator to the written formula).
 */
static uint32_t counter_period(enum sim_counter_bits bits)
{
	return bits == SIM_COUNTER_16 ? UINT32_C(1) << 14 : UINT32_C(1) << 22;
}

/* Source frame counter (mod period) that code k stands for on channel c:
 * n = (k + P/2 - c * stride) mod P. */
static uint32_t counter_decode(int32_t code, unsigned channel,
                               enum sim_counter_bits bits)
{
	uint32_t period = counter_period(bits);
	uint64_t offset = (uint64_t)channel * SIM_COUNTER_CHANNEL_STRIDE;
	int64_t n = ((int64_t)code + period / 2 - (int64_t)(offset % period))
	            % period;

	return (uint32_t)(n < 0 ? n + period : n);
}

/* The code channel c carries at counter n (mod period). */
static int32_t counter_code(uint32_t n, unsigned channel,
                            enum sim_counter_bits bits)
{
	uint32_t period = counter_period(bits);
	uint64_t x = ((uint64_t)n + (uint64_t)channel * SIM_COUNTER_CHANNEL_STRIDE)
	             % period;

	return (int32_t)x - (int32_t)(period / 2);
}

static uint32_t period_mask(const struct options *o)
{
	return counter_period(o->bits) - 1;
}

/* Signed distance b - a on the counter circle, for readable messages. */
static long long circle_diff(uint32_t a, uint32_t b, const struct options *o)
{
	uint32_t period = counter_period(o->bits);
	uint32_t d = (b - a) & (period - 1);

	return d >= period / 2 ? (long long)d - period : (long long)d;
}

/*
 * A run of zero frames ended at frame `at` by a frame decoding to `got`.
 * Decide whether it was padding of the right length. Returns false (and
 * records why) if not.
 */
static bool end_zero_run(struct stream *st, const struct file_result *fr,
                         int ch, uint64_t at, uint32_t got,
                         const struct options *o)
{
	uint32_t mask = period_mask(o);
	uint32_t zero_counter = counter_decode(0, st->source_channel, o->bits);
	uint64_t len = st->zero_len;

	st->zero_len = 0;
	if (!st->have_prev) {
		/* Leading zeros: nothing before them to compare with, but the
		 * first data frame still fixes where frame 0 of the file is.
		 * A single zero that is simply the frame before is data. */
		st->have_prev = true;
		st->have_start = true;
		st->start = (got - (uint32_t)at) & mask;
		st->prev = got;
		if (len == 1 && zero_counter == ((got - 1) & mask))
			return true;
		st->padded_runs++;
		st->padded_frames += len;
		return true;
	}

	uint32_t want = (uint32_t)((st->prev + len + 1) & mask);
	if (got != want) {
		fail("%s channel %d: %" PRIu64 " zero frames from frame %" PRIu64
		     " are not padding of a gap: at frame %" PRIu64 " the counter "
		     "is %" PRIu32 ", expected %" PRIu32 " (off by %lld frames)",
		     fr->name, ch, len, st->zero_start, at, got, want,
		     circle_diff(want, got, o));
		return false;
	}
	/* Where the lost stretch ends exactly before the one frame whose code
	 * is 0, that frame may be data or padding: it reads the same either
	 * way, so the whole run counts as padding. */
	st->prev = got;
	st->padded_runs++;
	st->padded_frames += len;
	return true;
}

/*
 * One frame of one channel. Returns false at the first violation.
 */
/*
 * --shared-jumps: an unmarked jump by `delta` at frame i. The reference
 * channel records it; every other channel must have the reference's next
 * jump, here. False with a failure set when it does not.
 */
static bool shared_jump(struct stream *st, const struct file_result *fr,
                        int ch, uint64_t i, long long delta)
{
	if (st->is_reference) {
		if (shared.count == shared.cap) {
			size_t cap = shared.cap ? 2 * shared.cap : 64;
			uint64_t *f = realloc(shared.frame, cap * sizeof *f);
			if (f)
				shared.frame = f;
			long long *d = realloc(shared.delta, cap * sizeof *d);
			if (d)
				shared.delta = d;
			if (!f || !d) {
				fail("out of memory");
				return false;
			}
			shared.cap = cap;
		}
		shared.frame[shared.count] = i;
		shared.delta[shared.count++] = delta;
		st->shared_next = shared.count;
		return true;
	}
	size_t k = st->shared_next;
	if (k < shared.count && shared.frame[k] == i && shared.delta[k] == delta) {
		st->shared_next++;
		return true;
	}
	if (k < shared.count)
		fail("%s channel %d frame %" PRIu64 ": off by %lld frames with no "
		     "xrun marker, and not the jump every track shares (the first "
		     "track's next one is at frame %" PRIu64 ", by %lld)",
		     fr->name, ch, i, delta, shared.frame[k], shared.delta[k]);
	else
		fail("%s channel %d frame %" PRIu64 ": off by %lld frames with no "
		     "xrun marker, and the first track has no such jump",
		     fr->name, ch, i, delta);
	return false;
}

static bool check_frame(struct stream *st, const struct file_result *fr,
                        int ch, uint64_t i, int32_t code,
                        const struct options *o)
{
	uint32_t mask = period_mask(o);

	if (st->zero_len) {
		if (code == 0) {
			st->zero_len++;
			return true;
		}
		return end_zero_run(st, fr, ch, i,
		                    counter_decode(code, st->source_channel, o->bits),
		                    o);
	}

	uint32_t got = counter_decode(code, st->source_channel, o->bits);
	if (!st->have_prev) {
		if (code == 0 && o->allow_dropped) {
			st->zero_start = i;
			st->zero_len = 1;
			return true;
		}
		st->have_prev = true;
		st->have_start = true;
		st->start = (got - (uint32_t)i) & mask;
		st->prev = got;
		return true;
	}

	uint32_t want = (st->prev + 1) & mask;
	if (got == want) {
		st->prev = got;
		return true;
	}
	/* The recorder marked an xrun here: the source may have moved on
	 * (or back) by any amount; the sequence restarts from this frame. */
	for (size_t j = 0; code != 0 && j < o->jump_count; j++) {
		if (i + o->jump_slack >= o->jumps[j] &&
		    i <= o->jumps[j] + o->jump_slack) {
			st->prev = got;
			return true;
		}
	}
	if (code != 0 && o->shared_jumps) {
		if (!shared_jump(st, fr, ch, i, circle_diff(want, got, o)))
			return false; /* it said why */
		st->prev = got;
		return true;
	}
	/* Continuity came first: only a zero that breaks it is padding. */
	if (code == 0 && o->allow_dropped) {
		st->zero_start = i;
		st->zero_len = 1;
		return true;
	}
	if (code == 0)
		fail("%s channel %d frame %" PRIu64 ": expected counter %" PRIu32
		     ", got digital silence (dropped frames? see --allow-dropped)",
		     fr->name, ch, i, want);
	else
		fail("%s channel %d frame %" PRIu64 ": expected counter %" PRIu32
		     " (code %" PRId32 "), got %" PRIu32 " (code %" PRId32
		     ", off by %lld frames)",
		     fr->name, ch, i, want,
		     counter_code(want, st->source_channel, o->bits),
		     got, code, circle_diff(want, got, o));
	return false;
}

/* End of file: a zero run still open is padding at the end of the take. */
static bool finish_stream(struct stream *st, const struct file_result *fr,
                          int ch)
{
	if (st->zero_len) {
		if (!st->have_prev) {
			fail("%s channel %d is digital silence from start to end: "
			     "no counter to check", fr->name, ch);
			return false;
		}
		st->padded_runs++;
		st->padded_frames += st->zero_len;
		st->zero_len = 0;
	}
	if (!st->have_start) {
		fail("%s channel %d has no frames", fr->name, ch);
		return false;
	}
	if (!st->is_reference && st->shared_next < shared.count) {
		fail("%s channel %d: no jump at frame %" PRIu64 " (by %lld), which "
		     "the first track has with no xrun marker", fr->name, ch,
		     shared.frame[st->shared_next], shared.delta[st->shared_next]);
		return false;
	}
	return true;
}

/*
 * Turn a chunk of samples into codes. Integer formats must have the bits
 * below the code's LSB clear; float files must hold exact multiples of the
 * LSB: anything else means the samples were changed on the way.
 */
static bool read_codes(SNDFILE *sf, bool is_float, int *ibuf, float *fbuf,
                       sf_count_t frames, int channels, int32_t *codes,
                       const struct file_result *fr, uint64_t first_frame,
                       const struct options *o, sf_count_t *got)
{
	int shift = o->bits == SIM_COUNTER_16 ? 16 : 8;
	double scale = o->bits == SIM_COUNTER_16 ? 32768.0 : 8388608.0;
	int32_t half = (int32_t)counter_period(o->bits) / 2;
	sf_count_t n;

	if (is_float)
		n = sf_readf_float(sf, fbuf, frames);
	else
		n = sf_readf_int(sf, ibuf, frames);
	*got = n;
	for (sf_count_t i = 0; i < n * channels; i++) {
		uint64_t frame = first_frame + (uint64_t)(i / channels);
		int ch = (int)(i % channels);
		if (is_float) {
			double x = (double)fbuf[i] * scale;
			if (!(x == floor(x)) || x < -half || x >= half) {
				fail("%s channel %d frame %" PRIu64 ": sample %.9g is "
				     "not a %d-bit counter code", fr->name, ch, frame,
				     (double)fbuf[i], o->bits);
				return false;
			}
			codes[i] = (int32_t)x;
		} else {
			int v = ibuf[i];
			/* libsndfile left-justifies PCM into 32 bits. */
			if (v & ((1 << shift) - 1)) {
				fail("%s channel %d frame %" PRIu64 ": sample 0x%08x has "
				     "bits below the %d-bit code", fr->name, ch, frame,
				     (unsigned)v, o->bits);
				return false;
			}
			codes[i] = v >> shift; /* arithmetic: keeps the sign */
			if (codes[i] < -half || codes[i] >= half) {
				fail("%s channel %d frame %" PRIu64 ": code %" PRId32
				     " is outside the %d-bit counter range", fr->name,
				     ch, frame, codes[i], o->bits);
				return false;
			}
		}
	}
	return true;
}

static bool check_bext(SNDFILE *sf, struct file_result *fr,
                       const struct options *o)
{
	SF_BROADCAST_INFO bi;
	static const char want[] = "redlight";

	memset(&bi, 0, sizeof bi);
	if (sf_command(sf, SFC_GET_BROADCAST_INFO, &bi, sizeof bi) != SF_TRUE) {
		fail("%s has no bext chunk", fr->name);
		return false;
	}
	/* The field is fixed-width and need not be terminated. */
	size_t len = strnlen(bi.originator, sizeof bi.originator);
	if (len != sizeof want - 1 || memcmp(bi.originator, want, len) != 0) {
		fail("%s: bext originator is '%.*s', expected '%s'", fr->name,
		     (int)len, bi.originator, want);
		return false;
	}
	fr->time_ref = ((uint64_t)bi.time_reference_high << 32)
	               | bi.time_reference_low;
	if (o->expect_time_ref >= 0
	    && fr->time_ref != (uint64_t)o->expect_time_ref) {
		fail("%s: bext time reference is %" PRIu64 ", expected %lld",
		     fr->name, fr->time_ref, o->expect_time_ref);
		return false;
	}
	return true;
}

static unsigned base_channel(const char *name, unsigned track,
                             struct options *o)
{
	for (size_t i = 0; i < o->override_count; i++) {
		if (!o->overrides[i].is_silence &&
		    strcmp(o->overrides[i].file, name) == 0) {
			o->overrides[i].used = true;
			return (unsigned)o->overrides[i].value;
		}
	}
	return track ? track - 1 : 0;
}

/* --silent-from of file `name`: the frame its silence starts at. */
static uint64_t silent_from(const char *name, struct options *o)
{
	for (size_t i = 0; i < o->override_count; i++) {
		if (o->overrides[i].is_silence &&
		    strcmp(o->overrides[i].file, name) == 0) {
			o->overrides[i].used = true;
			return o->overrides[i].value;
		}
	}
	return UINT64_MAX;
}

/* Check one file completely. Returns false at its first problem. */
static bool check_file(const char *dir, struct file_result *fr,
                       struct options *o)
{
	size_t plen = strlen(dir) + strlen(fr->name) + 2;
	char *path = malloc(plen);
	SF_INFO info;
	SNDFILE *sf = NULL;
	struct stream *streams = NULL;
	int *ibuf = NULL;
	float *fbuf = NULL;
	int32_t *codes = NULL;
	bool ok = false;

	if (!path) {
		fail("out of memory");
		return false;
	}
	snprintf(path, plen, "%s/%s", dir, fr->name);
	memset(&info, 0, sizeof info);
	sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		fail("cannot open %s: %s", path, sf_strerror(NULL));
		goto out;
	}
	fr->channels = info.channels;
	fr->samplerate = info.samplerate;
	fr->frames = info.frames;
	fr->base_channel = base_channel(fr->name, fr->track, o);

	if (!check_bext(sf, fr, o))
		goto out;

	int subtype = info.format & SF_FORMAT_SUBMASK;
	bool is_float = subtype == SF_FORMAT_FLOAT || subtype == SF_FORMAT_DOUBLE;
	if (subtype == SF_FORMAT_PCM_16 && o->bits != SIM_COUNTER_16) {
		fail("%s is 16-bit PCM: it cannot hold the 24-bit counter "
		     "(record --signal counter16 and check with --bits 16)",
		     fr->name);
		goto out;
	}
	if (!is_float && subtype != SF_FORMAT_PCM_16
	    && subtype != SF_FORMAT_PCM_24 && subtype != SF_FORMAT_PCM_32) {
		fail("%s: sample format 0x%x is not PCM 16/24/32 or float",
		     fr->name, (unsigned)subtype);
		goto out;
	}

	size_t chans = (size_t)info.channels;
	streams = calloc(chans, sizeof *streams);
	codes = malloc(CHUNK_FRAMES * chans * sizeof *codes);
	if (is_float)
		fbuf = malloc(CHUNK_FRAMES * chans * sizeof *fbuf);
	else
		ibuf = malloc(CHUNK_FRAMES * chans * sizeof *ibuf);
	if (!streams || !codes || (!fbuf && !ibuf)) {
		fail("out of memory");
		goto out;
	}
	for (size_t c = 0; c < chans; c++)
		streams[c].source_channel = fr->base_channel + (unsigned)c;
	if (!shared.have_reference) {
		/* Channels are checked frame by frame in order, so the
		 * reference's jump at a frame is known before the others'. */
		streams[0].is_reference = true;
		shared.have_reference = true;
	}

	uint64_t pos = 0, silence = silent_from(fr->name, o);
	for (;;) {
		sf_count_t n;
		if (!read_codes(sf, is_float, ibuf, fbuf, CHUNK_FRAMES, info.channels,
		                codes, fr, pos, o, &n))
			goto out;
		if (n <= 0)
			break;
		for (sf_count_t f = 0; f < n; f++) {
			for (size_t c = 0; pos + (uint64_t)f >= silence &&
			                   c < chans; c++) {
				if (codes[(size_t)f * chans + c] != 0) {
					fail("%s: frame %" PRIu64 " is not silent",
					     fr->name, pos + (uint64_t)f);
					goto out;
				}
			}
			for (size_t c = 0; pos + (uint64_t)f < silence &&
			                   c < chans; c++) {
				if (!check_frame(&streams[c], fr, (int)c, pos + (uint64_t)f,
				                 codes[(size_t)f * chans + c], o))
					goto out;
			}
		}
		pos += (uint64_t)n;
	}
	if (pos != (uint64_t)info.frames) {
		fail("%s: header says %" PRId64 " frames, only %" PRIu64
		     " could be read", fr->name, (int64_t)info.frames, pos);
		goto out;
	}
	for (size_t c = 0; c < chans; c++) {
		if (!finish_stream(&streams[c], fr, (int)c))
			goto out;
		if (streams[c].start != streams[0].start) {
			fail("%s: channel %zu starts at source frame %" PRIu32
			     ", channel 0 at %" PRIu32, fr->name, c, streams[c].start,
			     streams[0].start);
			goto out;
		}
		fr->padded_runs += streams[c].padded_runs;
		fr->padded_frames += streams[c].padded_frames;
	}
	fr->start = streams[0].start;
	ok = true;

out:
	if (sf)
		sf_close(sf);
	free(codes);
	free(ibuf);
	free(fbuf);
	free(streams);
	free(path);
	return ok;
}

/* Everything that must agree between the files of one take. */
static void check_take(const struct file_result *files, size_t count,
                       const struct options *o)
{
	const struct file_result *first = &files[0];

	for (size_t i = 1; i < count; i++) {
		const struct file_result *fr = &files[i];
		if (fr->frames != first->frames && !o->unequal_lengths)
			fail("lengths differ: %s has %" PRId64 " frames, %s has %"
			     PRId64, first->name, (int64_t)first->frames, fr->name,
			     (int64_t)fr->frames);
		else if (fr->start != first->start)
			fail("tracks do not start on the same frame: %s starts at "
			     "source frame %" PRIu32 ", %s at %" PRIu32 " (%+lld "
			     "frames)", first->name, first->start, fr->name, fr->start,
			     circle_diff(first->start, fr->start, o));
		else if (fr->samplerate != first->samplerate)
			fail("sample rates differ: %s %d Hz, %s %d Hz", first->name,
			     first->samplerate, fr->name, fr->samplerate);
		else if (fr->time_ref != first->time_ref)
			fail("bext time references differ: %s %" PRIu64 ", %s %"
			     PRIu64, first->name, first->time_ref, fr->name,
			     fr->time_ref);
	}
	if (o->expect_tracks >= 0 && (long long)count != o->expect_tracks)
		fail("%zu tracks, expected %lld", count, o->expect_tracks);
	if (o->expect_first >= 0) {
		uint32_t want = (uint32_t)((unsigned long long)o->expect_first
		                           & period_mask(o));
		if (first->start != want)
			fail("%s starts at source frame %" PRIu32 ", expected %"
			     PRIu32 " (off by %lld frames)", first->name,
			     first->start, want, circle_diff(want, first->start, o));
	}
	/* Per file, so the checks mean the same with --unequal-lengths. */
	for (size_t i = 0; i < count; i++) {
		const struct file_result *fr = &files[i];
		if (o->expect_frames >= 0 && fr->frames != o->expect_frames)
			fail("%s has %" PRId64 " frames, expected %lld", fr->name,
			     (int64_t)fr->frames, o->expect_frames);
		if (o->min_frames >= 0 && fr->frames < o->min_frames)
			fail("%s has %" PRId64 " frames, expected at least %lld",
			     fr->name, (int64_t)fr->frames, o->min_frames);
	}
}

/* The shortest file: with equal lengths simply the length of the take. */
static int64_t shortest(const struct file_result *files, size_t count)
{
	int64_t n = files[0].frames;

	for (size_t i = 1; i < count; i++)
		if (files[i].frames < n)
			n = files[i].frames;
	return n;
}

int main(int argc, char **argv)
{
	struct options o;
	struct file_result *files = NULL;
	size_t count = 0;
	uint64_t runs = 0, padded = 0;
	int rc = parse_options(argc, argv, &o);

	if (rc) {
		free(o.overrides);
		free(o.jumps);
		return rc < 0 ? 0 : rc;
	}

	if (list_files(o.dir, &files, &count) == 0 && count == 0)
		fail("no TT-name.wav files in %s", o.dir);

	for (size_t i = 0; i < count; i++) {
		struct file_result *fr = &files[i];
		if (!check_file(o.dir, fr, &o)) {
			printf(PROG ": %s\n", last_failure);
			continue;
		}
		/* The take-wide fields first, so only the summary line ends
		 * with padded_frames= (scripts grep for it). */
		printf(PROG ": %s: frames=%" PRId64 " first_source_frame=%" PRIu32
		       " padded_runs=%" PRIu64 " padded_frames=%" PRIu64
		       " channels=%d source_channel=%u time_reference=%" PRIu64 "\n",
		       fr->name, (int64_t)fr->frames, fr->start, fr->padded_runs,
		       fr->padded_frames, fr->channels, fr->base_channel,
		       fr->time_ref);
		runs += fr->padded_runs;
		padded += fr->padded_frames;
	}
	for (size_t i = 0; i < o.override_count; i++) {
		if (!o.overrides[i].used)
			fail("%s %s: no such take file",
			     o.overrides[i].is_silence ? "--silent-from"
			                               : "--channel-of",
			     o.overrides[i].file);
	}
	if (!failure[0])
		check_take(files, count, &o);

	if (failure[0]) {
		printf(PROG ": FAIL %s\n", failure);
		rc = 1;
	} else {
		printf(PROG ": OK tracks=%zu frames=%" PRId64 " first_source_frame=%"
		       PRIu32, count, shortest(files, count), files[0].start);
		if (o.shared_jumps)
			printf(" shared_jumps=%zu", shared.count);
		printf(" padded_runs=%" PRIu64 " padded_frames=%" PRIu64 "\n", runs,
		       padded);
	}
	for (size_t i = 0; i < count; i++)
		free(files[i].name);
	free(files);
	free(o.overrides);
	free(o.jumps);
	free(shared.frame);
	free(shared.delta);
	return rc;
}
