/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * compare-onsets: do two click tracks put their clicks on the same
 * frames?
 *
 *   compare-onsets A.wav B.wav [--tolerance F | --delta LO:HI]
 *                  [--threshold T] [--min-silence N] [--print]
 *
 * An onset is the first sample with |x| > T (default 0.001, -60 dBFS)
 * after at least N samples (default: 1 ms at the file's rate) with
 * |x| <= T; the start of the file counts as silence. This finds the exact
 * onset frame of klick's sounds and of redlight's built-ins, because all
 * of them have their largest magnitude on the first sample (klick's
 * square starts at about 0.48 and stays there for its first half period;
 * resampled to 44.1 kHz it starts at about 0.42). A threshold rather than
 * "non-zero" keeps it robust to 16-bit quantisation and to quiet tails;
 * the silence run keeps a sine or noise sound's zero crossings from
 * counting as onsets. It assumes sounds do not overlap (beats further
 * apart than a sound plus N frames).
 *
 * The onsets are paired in order. The counts must be equal and every
 * delta B-A must lie in [-F, F] (default F = 0) or in [LO, HI]. Prints the
 * counts, a histogram of the deltas and the largest |delta|; --print also
 * lists every pair. Exit 0 if they agree, 1 if not, 2 on usage or read
 * errors.
 */
#include <sndfile.h>

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "compare-onsets"
#define CHUNK 65536
#define HIST_RANGE 8 /* histogram bins -8 .. +8, the rest counted apart */

struct onsets {
	int64_t *frame;
	size_t count, cap;
	int rate;
};

static bool push(struct onsets *o, int64_t frame)
{
	if (o->count == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 1024;
		int64_t *p = realloc(o->frame, cap * sizeof *p);
		if (!p)
			return false;
		o->frame = p;
		o->cap = cap;
	}
	o->frame[o->count++] = frame;
	return true;
}

/* Detect the onsets of a file (channels averaged). Returns 0 or 2. */
static int detect(const char *path, double threshold, long min_silence,
                  struct onsets *o)
{
	SF_INFO info;
	memset(&info, 0, sizeof info);
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		fprintf(stderr, PROG ": %s: %s\n", path, sf_strerror(NULL));
		return 2;
	}
	o->rate = info.samplerate;
	if (min_silence < 0)
		min_silence = info.samplerate / 1000;
	size_t ch = (size_t)info.channels;
	float *buf = malloc(CHUNK * ch * sizeof *buf);
	if (!buf) {
		sf_close(sf);
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	/* The start of the file counts as a long silence. */
	long quiet = min_silence;
	int64_t at = 0;
	sf_count_t got;
	int rc = 0;
	while (rc == 0 && (got = sf_readf_float(sf, buf, CHUNK)) > 0) {
		for (sf_count_t i = 0; i < got; i++, at++) {
			double x = 0.0;
			for (size_t c = 0; c < ch; c++)
				x += buf[(size_t)i * ch + c];
			x /= (double)ch;
			if (fabs(x) <= threshold) {
				if (quiet < min_silence)
					quiet++;
				continue;
			}
			if (quiet >= min_silence && !push(o, at)) {
				fprintf(stderr, PROG ": out of memory\n");
				rc = 2;
				break;
			}
			quiet = 0;
		}
	}
	if (rc == 0 && sf_error(sf) != SF_ERR_NO_ERROR) {
		fprintf(stderr, PROG ": %s: %s\n", path, sf_strerror(sf));
		rc = 2;
	}
	free(buf);
	sf_close(sf);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: " PROG " A.wav B.wav [--tolerance F | --delta LO:HI]\n"
	        "       [--threshold T] [--min-silence N] [--print]\n"
	        "Detect click onsets in both files and check that they pair "
	        "up with\nLO <= B-A <= HI frames (--tolerance F: -F..F; "
	        "default 0).\n");
}

static bool parse_long(const char *s, long *out)
{
	char *end;
	*out = strtol(s, &end, 10);
	return end != s && *end == '\0';
}

/* What the command line asks for. */
struct options {
	long lo, hi;        /* the deltas B-A allowed */
	long min_silence;   /* -1: 1 ms at the file's rate */
	double threshold;
	bool print;         /* list every pair */
	const char *pa, *pb;
};

/* Fill *opt from the command line. -1 when the files are to be
 * compared, else the exit status: 0 after --help, 2 on a usage error
 * (said on stderr). */
static int parse_args(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "tolerance", required_argument, NULL, 't' },
		{ "delta", required_argument, NULL, 'd' },
		{ "threshold", required_argument, NULL, 'T' },
		{ "min-silence", required_argument, NULL, 'm' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*opt = (struct options){ .lo = 0, .hi = 0, .min_silence = -1,
	                         .threshold = 0.001, .print = false };
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 't':
			if (!parse_long(optarg, &opt->hi) || opt->hi < 0) {
				fprintf(stderr, PROG ": bad tolerance '%s'\n",
				        optarg);
				return 2;
			}
			opt->lo = -opt->hi;
			break;
		case 'd': {
			char *colon = strchr(optarg, ':');
			if (!colon) {
				fprintf(stderr, PROG ": --delta wants LO:HI\n");
				return 2;
			}
			*colon = '\0';
			if (!parse_long(optarg, &opt->lo) ||
			    !parse_long(colon + 1, &opt->hi) ||
			    opt->lo > opt->hi) {
				fprintf(stderr, PROG ": bad --delta\n");
				return 2;
			}
			break;
		}
		case 'T':
			opt->threshold = strtod(optarg, &end);
			if (*end || !(opt->threshold > 0.0)) {
				fprintf(stderr, PROG ": bad threshold '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'm':
			if (!parse_long(optarg, &opt->min_silence) ||
			    opt->min_silence < 1) {
				fprintf(stderr, PROG ": bad --min-silence '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'p':
			opt->print = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	opt->pa = argv[optind];
	opt->pb = argv[optind + 1];
	return -1;
}

/* The deltas B-A of the pairs: a histogram of -HIST_RANGE..HIST_RANGE
 * with the rest counted below and above, the largest |delta|, how many
 * lie outside lo..hi. */
struct deltas {
	size_t pairs;
	size_t hist[2 * HIST_RANGE + 1], below, above;
	size_t outside;
	int64_t max_abs;
};

/* Pair the onsets in order into *dl, naming the first ten outside
 * lo..hi on stderr and, with --print, listing every pair on stdout. */
static void pair_onsets(const struct onsets *a, const struct onsets *b,
                        const struct options *opt, struct deltas *dl)
{
	*dl = (struct deltas){ 0 };
	dl->pairs = a->count < b->count ? a->count : b->count;
	for (size_t i = 0; i < dl->pairs; i++) {
		int64_t d = b->frame[i] - a->frame[i];
		if (d < -HIST_RANGE)
			dl->below++;
		else if (d > HIST_RANGE)
			dl->above++;
		else
			dl->hist[d + HIST_RANGE]++;
		if (llabs(d) > dl->max_abs)
			dl->max_abs = llabs(d);
		bool bad = d < opt->lo || d > opt->hi;
		if (bad && dl->outside++ < 10)
			fprintf(stderr, PROG ": onset %zu: %s at %" PRId64
			        ", %s at %" PRId64 " (delta %+" PRId64 ")\n",
			        i, opt->pa, a->frame[i], opt->pb, b->frame[i],
			        d);
		if (opt->print)
			printf("%zu %" PRId64 " %" PRId64 " %+" PRId64 "\n", i,
			       a->frame[i], b->frame[i], d);
	}
}

/* Print the counts and the histogram, then the verdict: 0 if the files
 * agree, 1 (after saying why) if not. */
static int report(const struct onsets *a, const struct onsets *b,
                  const struct options *opt, const struct deltas *dl)
{
	printf(PROG ": %zu onsets in A, %zu in B at %d Hz; delta B-A:",
	       a->count, b->count, a->rate);
	if (dl->below)
		printf(" <%d x%zu", -HIST_RANGE, dl->below);
	for (int d = -HIST_RANGE; d <= HIST_RANGE; d++)
		if (dl->hist[d + HIST_RANGE])
			printf(" %+d x%zu", d, dl->hist[d + HIST_RANGE]);
	if (dl->above)
		printf(" >%d x%zu", HIST_RANGE, dl->above);
	printf("; max |delta| %" PRId64 "\n", dl->max_abs);
	if (a->count != b->count) {
		fprintf(stderr, PROG ": FAIL: %zu onsets in %s, %zu in %s\n",
		        a->count, opt->pa, b->count, opt->pb);
		if (dl->pairs < a->count)
			fprintf(stderr, PROG ": first unpaired in %s at %"
			        PRId64 "\n", opt->pa, a->frame[dl->pairs]);
		if (dl->pairs < b->count)
			fprintf(stderr, PROG ": first unpaired in %s at %"
			        PRId64 "\n", opt->pb, b->frame[dl->pairs]);
		return 1;
	}
	if (dl->outside) {
		fprintf(stderr, PROG ": FAIL: %zu onsets outside %ld..%ld\n",
		        dl->outside, opt->lo, opt->hi);
		return 1;
	}
	if (a->count == 0) {
		fprintf(stderr, PROG ": FAIL: no onsets\n");
		return 1;
	}
	printf(PROG ": OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt;
	int rc = parse_args(argc, argv, &opt);
	if (rc >= 0)
		return rc;

	struct onsets a = { 0 }, b = { 0 };
	rc = detect(opt.pa, opt.threshold, opt.min_silence, &a);
	if (rc == 0)
		rc = detect(opt.pb, opt.threshold, opt.min_silence, &b);
	if (rc == 0 && a.rate != b.rate) {
		fprintf(stderr, PROG ": %s is at %d Hz, %s at %d Hz\n", opt.pa,
		        a.rate, opt.pb, b.rate);
		rc = 2;
	}
	if (rc == 0) {
		struct deltas dl;
		pair_onsets(&a, &b, &opt, &dl);
		rc = report(&a, &b, &opt, &dl);
	}
	free(a.frame);
	free(b.frame);
	return rc;
}
