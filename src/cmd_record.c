/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight record`: headless capture of one take. Everything goes
 * through the control API, exactly as the UI and OSC will.
 */
#include "redlight/cli.h"
#include "redlight/control.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void record_usage(void)
{
	fputs("usage: redlight record [--duration SECONDS] [--inputs REGEX | --input PORT ...]\n"
	      "                       [--format pcm24|float|pcm16] [--buffer-seconds S]\n"
	      "                       [--client-name NAME] [--stats] SESSION_DIR\n",
	      stderr);
}

/* Take files, JACK and the session lock all want descriptors: 256 tracks
 * must not fail on the default soft limit of 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int fail(const struct error *err)
{
	fprintf(stderr, "redlight: %s\n", err->message);
	return 1;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "inputs", required_argument, NULL, 'r' },
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "buffer-seconds", required_argument, NULL, 'b' },
		{ "client-name", required_argument, NULL, 'n' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double duration = 0;
	const char *regex = NULL;
	const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
	size_t input_count = 0;
	bool stats = false;
	struct control_config cfg = { .format = TAKE_FORMAT_PCM24 };
	struct error err = { 0 };
	int c;
	if (!inputs)
		return 1;
	while ((c = getopt_long(argc, argv, "d:r:i:f:b:n:sh", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'd':
			duration = strtod(optarg, &end);
			if (!end || *end || duration <= 0) {
				fprintf(stderr, "redlight: --duration wants seconds > 0, not '%s'\n", optarg);
				free(inputs);
				return 2;
			}
			break;
		case 'r': regex = optarg; break;
		case 'i': inputs[input_count++] = optarg; break;
		case 'f':
			if (take_format_parse(optarg, &cfg.format, &err) != RL_OK) {
				free(inputs);
				fprintf(stderr, "redlight: %s\n", err.message);
				return 2;
			}
			break;
		case 'b':
			cfg.buffer_seconds = strtod(optarg, &end);
			if (!end || *end || cfg.buffer_seconds < 0.1 ||
			    cfg.buffer_seconds > 600) {
				fprintf(stderr, "redlight: --buffer-seconds wants 0.1 to 600, not '%s'\n", optarg);
				free(inputs);
				return 2;
			}
			break;
		case 'n': cfg.client_name = optarg; break;
		case 's': stats = true; break;
		case 'h':
			record_usage();
			free(inputs);
			return 0;
		default:
			record_usage();
			free(inputs);
			return 2;
		}
	}
	if (optind != argc - 1 || (regex && input_count)) {
		record_usage();
		free(inputs);
		return 2;
	}
	cfg.session_dir = argv[optind];
	raise_fd_limit();

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct control *ctl = NULL;
	if (control_open(&cfg, &ctl, &err) != RL_OK) {
		free(inputs);
		return fail(&err);
	}
	char **found = NULL;
	size_t count = input_count;
	const char *const *sources = inputs;
	if (!input_count) {
		if (control_find_sources(ctl, regex, &found, &count, &err) != RL_OK)
			goto error;
		if (count == 0) {
			error_set(&err, RL_ERR_NOT_FOUND,
			          "no JACK output port matches '%s'",
			          regex ? regex : ".*");
			goto error;
		}
		sources = (const char *const *)found;
	}
	if (control_start_with_sources(ctl, sources, count, &err) != RL_OK)
		goto error;

	/* The engine stops the take exactly `duration` after the frame it
	 * started on, however long creating the files took. */
	uint64_t frames = (uint64_t)(duration * control_sample_rate(ctl) + 0.5);
	if (control_record(ctl, 0, frames, &err) != RL_OK)
		goto error;

	enum rl_status st = RL_OK;
	while (control_busy(ctl)) {
		sleep_ms(50);
		if (stop_requested) {
			stop_requested = 0;
			control_stop(ctl, 0, NULL);
		}
		st = control_poll(ctl, &err);
		if (st != RL_OK)
			break;
	}
	/* Whatever went wrong, finish the files before saying so. */
	control_stop(ctl, 0, NULL);
	struct error err2;
	enum rl_status st2 = control_wait_idle(ctl, &err2);
	if (st == RL_OK && st2 != RL_OK) {
		st = st2;
		err = err2;
	}

	struct control_take_summary sum;
	if (control_last_take(ctl, &sum)) {
		double secs = (double)sum.frames / control_sample_rate(ctl);
		printf("take %03u: %u tracks, %llu frames (%.3f s), %llu dropped "
		       "frames, %llu xruns, files in %s%s%s\n",
		       sum.number, sum.tracks, (unsigned long long)sum.frames,
		       secs, (unsigned long long)sum.dropped_frames,
		       (unsigned long long)sum.xruns, sum.dir,
		       sum.end_reason[0] ? "; stopped: " : "", sum.end_reason);
	}
	if (stats) {
		struct engine_cycle_stats cs;
		control_cycle_stats(ctl, &cs);
		printf("cycle: %llu cycles, median %.2f%%, p99 %.2f%%, max %.2f%% "
		       "(%.1f us) of the period\n", (unsigned long long)cs.cycles,
		       cs.median_pct, cs.p99_pct, cs.max_pct, cs.max_us);
	}
	fflush(stdout);
	control_free_names(found);
	control_close(ctl);
	free(inputs);
	if (st != RL_OK)
		return fail(&err);
	return 0;

error:
	control_free_names(found);
	control_close(ctl);
	free(inputs);
	return fail(&err);
}
