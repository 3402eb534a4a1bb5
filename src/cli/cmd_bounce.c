/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight bounce`: the rough mix. Every track that has something to
 * play (its active comp, else its keeper take) is mixed with its gain and
 * pan into a new stereo file, and the peaks are reported against the
 * usual target for a rough mix (peaks between -6 and -3 dBFS: loud enough
 * to judge, with room for a mastering engineer). Nothing is normalised or
 * limited, and no file is ever written over: the default name counts up
 * (bounces/bounce-001.wav, -002 ...), and -o FILE refuses an existing
 * FILE. Reads the session only, so it runs beside a recorder.
 */
#include "redlight/cli.h"
#include "redlight/mixdown.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void bounce_usage(FILE *f)
{
	fputs("usage: redlight bounce SESSION_DIR [-o FILE] "
	      "[--format pcm24|float]\n"
	      "Mix every track's comp or keeper take, with the track's gain and\n"
	      "pan (`redlight tracks set`), to a stereo WAV: by default\n"
	      "SESSION_DIR/bounces/bounce-NNN.wav (never over an existing "
	      "file).\n",
	      f);
}

static void db_text(double db, char *buf, size_t size)
{
	if (isfinite(db))
		snprintf(buf, size, "%.1f dBFS", db);
	else
		snprintf(buf, size, "-inf dBFS");
}

/* The tracks to mix and where their files are. paths[i] backs
 * tracks[i].path. Returns how many there are. */
static size_t gather(const struct session *s, struct mixdown_track *tracks,
                     char (*paths)[SESSION_PATH_MAX * 2])
{
	size_t n = 0;
	for (size_t i = 0; i < s->track_count; i++) {
		const struct session_track *tr = &s->tracks[i];
		struct session_playback pb;
		if (!session_playback_of(s, (uint32_t)i + 1, &pb)) {
			printf("  %-16s  nothing recorded: not in the mix\n",
			       tr->name);
			continue;
		}
		snprintf(paths[n], sizeof paths[n], "%s/%s", s->dir, pb.path);
		tracks[n] = (struct mixdown_track){
			.name = tr->name, .path = paths[n],
			.file_start = (int64_t)pb.start_frame,
			.gain_db = tr->gain_db, .pan = tr->pan,
		};
		char gain[32];
		if (isinf(tr->gain_db))
			snprintf(gain, sizeof gain, "muted");
		else
			snprintf(gain, sizeof gain, "%+.1f dB", tr->gain_db);
		char what[32];
		if (pb.comp)
			snprintf(what, sizeof what, "comp %03u", pb.comp);
		else
			snprintf(what, sizeof what, "take %03u", pb.take);
		printf("  %-16s  %s  %-9s pan %+.2f\n", tr->name, what, gain,
		       tr->pan);
		n++;
	}
	return n;
}

/* Render to -o FILE, or to the next free bounces/bounce-NNN.wav. */
static enum rl_status render(const struct session *s,
                             const struct mixdown_track *tracks, size_t n,
                             enum take_format format, const char *out,
                             char *dest, size_t dest_size,
                             struct mixdown_report *report,
                             struct error *err)
{
	if (out) {
		snprintf(dest, dest_size, "%s", out);
		return mixdown_bounce(tracks, n, s->sample_rate, format, dest,
		                      report, err);
	}
	char dir[SESSION_PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/bounces", s->dir);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return error_set(err, rl_status_from_errno(errno),
		                 "cannot create %s: %s", dir, strerror(errno));
	/* O_EXCL in the renderer is the reservation: a taken name moves on
	 * to the next number. */
	for (unsigned i = 1; i < 100000; i++) {
		snprintf(dest, dest_size, "%s/bounce-%03u.wav", dir, i);
		struct stat st;
		if (lstat(dest, &st) == 0)
			continue;
		enum rl_status rc = mixdown_bounce(tracks, n, s->sample_rate,
		                                   format, dest, report, err);
		if (rc != RL_ERR_EXISTS)
			return rc;
	}
	return error_set(err, RL_ERR_EXISTS, "%s: no bounce numbers left",
	                 dir);
}

int cmd_bounce(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	enum take_format format = TAKE_FORMAT_PCM24;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (take_format_parse(optarg, &format, NULL) != RL_OK ||
			    format == TAKE_FORMAT_PCM16)
				return cli_usage_error(bounce_usage, "--format: a bounce is pcm24 "
				                   "or float, not '%s'", optarg);
			break;
		case 'h':
			bounce_usage(stdout);
			return 0;
		default:
			bounce_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(bounce_usage, "%s", argc - optind
		                         ? "one SESSION_DIR, please"
		                         : "which session? (SESSION_DIR missing)");
	struct session *s;
	int rc = cli_open_session(argv[optind], &s);
	if (rc)
		return rc;

	struct mixdown_track *tracks = calloc(s->track_count + 1,
	                                      sizeof *tracks);
	char (*paths)[SESSION_PATH_MAX * 2] = calloc(s->track_count + 1,
	                                             sizeof *paths);
	struct error err;
	enum rl_status st = RL_OK;
	if (!tracks || !paths)
		st = error_set(&err, RL_ERR_NOMEM, "out of memory");
	size_t n = 0;
	if (st == RL_OK) {
		printf("bounce of %s:\n", s->dir);
		n = gather(s, tracks, paths);
		if (n == 0)
			st = error_set(&err, RL_ERR_STATE, "%s: no track has "
			               "anything to play: nothing to bounce",
			               s->dir);
	}
	char dest[SESSION_PATH_MAX * 2];
	struct mixdown_report r;
	if (st == RL_OK)
		st = render(s, tracks, n, format, out, dest, sizeof dest, &r,
		            &err);
	if (st == RL_OK) {
		char l[32], rr[32];
		db_text(r.peak_dbfs[0], l, sizeof l);
		db_text(r.peak_dbfs[1], rr, sizeof rr);
		double rate = s->sample_rate;
		printf("%s: %zu track%s, %.3f s from %.3f s (%lld frames), %s\n",
		       dest, n, n == 1 ? "" : "s",
		       (double)(r.end - r.start) / rate, (double)r.start / rate,
		       (long long)(r.end - r.start), take_format_name(format));
		printf("peak L %s, R %s: %s (target %.0f to %.0f dBFS)\n", l, rr,
		       r.verdict, r.target_low_dbfs, r.target_high_dbfs);
		if (!strcmp(r.verdict, "clipped"))
			fprintf(stderr, "redlight: warning: %llu samples at or "
			        "over 0 dBFS in %s: lower the track gains "
			        "(redlight tracks set SESSION TRACK gain=DB)\n",
			        (unsigned long long)r.clipped_samples, dest);
		else if (!strcmp(r.verdict, "hot"))
			fprintf(stderr, "redlight: warning: the mix peaks above "
			        "%.0f dBFS: little headroom left\n",
			        r.target_high_dbfs);
	}
	free(tracks);
	free(paths);
	session_free(s);
	return st == RL_OK ? 0 : cli_fail(&err);
}
