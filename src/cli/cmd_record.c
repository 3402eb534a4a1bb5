/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight record`: headless capture of one take. Everything goes
 * through the control API, exactly as the UI and OSC will.
 */
#include "redlight/cli.h"
#include "redlight/control.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
/* SIGUSR1 (new take) and SIGUSR2 (marker) requests not yet acted on. The
 * handlers only count: everything else happens in the main loop, outside
 * signal context. Lock-free atomics are async-signal-safe. */
static atomic_uint split_requests, marker_requests;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
               "the signal handlers need lock-free atomics");

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_usr_signal(int sig)
{
	atomic_fetch_add_explicit(sig == SIGUSR1 ? &split_requests
	                                         : &marker_requests,
	                          1, memory_order_relaxed);
}

/* --split-at and --marker-at: something to do so long after recording
 * started. */
struct timed_action {
	double at;          /* seconds after the first take started */
	bool split;         /* else a marker */
	const char *name;   /* the marker's, NULL: "marker N" */
	size_t order;       /* on the command line, for a stable sort */
};

static int compare_actions(const void *a, const void *b)
{
	const struct timed_action *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	/* A marker on the split point still belongs to the take before. */
	if (x->split != y->split)
		return x->split ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* "TIME" or "TIME=NAME" into *a; false if TIME is not seconds >= 0 or
 * the name is too long. */
static bool parse_action(char *text, bool split, struct timed_action *a)
{
	char *eq = split ? NULL : strchr(text, '=');
	if (eq)
		*eq = '\0';
	char *end = NULL;
	double at = strtod(text, &end);
	if (!end || end == text || *end || !(at >= 0) || at > 1e6)
		return false;
	if (eq && strlen(eq + 1) >= SESSION_NAME_MAX)
		return false;
	*a = (struct timed_action){ .at = at, .split = split,
	                            .name = eq && eq[1] ? eq + 1 : NULL };
	return true;
}

/* One line per marker added, to find it in the take later. */
static void add_marker(struct control *ctl, const char *name)
{
	struct error err;
	enum rl_status st = control_add_marker(ctl, name, &err);
	struct session_marker m;
	uint32_t take;
	if (st == RL_OK && control_last_marker(ctl, &take, &m)) {
		printf("marker \"%s\": take %03u, timeline frame %llu (%.3f s)\n",
		       m.name, take, (unsigned long long)m.frame,
		       (double)m.frame / control_sample_rate(ctl));
		fflush(stdout);
	}
	if (st != RL_OK)
		fprintf(stderr, "redlight: marker: %s\n", err.message);
}

static void new_take(struct control *ctl)
{
	struct error err;
	if (control_new_take(ctl, &err) != RL_OK)
		fprintf(stderr, "redlight: new take: %s\n", err.message);
}

static void record_usage(void)
{
	fputs("usage: redlight record [--duration SECONDS] [--inputs REGEX | --input PORT ...]\n"
	      "                       [--format pcm24|float|pcm16] [--buffer-seconds S]\n"
	      "                       [--tempo-map FILE | --tempo BPM --meter N/D]\n"
	      "                       [--click | --no-click] [--click-sound NAME|FILE[,FILE]]\n"
	      "                       [--click-level DB]\n"
	      "                       [--click-to PORT] [--cue-to PORT[,PORT]] [--monitor]\n"
	      "                       [--count-in BARS] [--count-in-click on|off]\n"
	      "                       [--pre-roll BARS] [--start POS]\n"
	      "                       [--punch IN:OUT] [--loop START:END [--passes N]]\n"
	      "                       [--scratch FILE] [--scratch-offset POS]\n"
	      "                       [--scratch-level DB] [--keeper-level DB]\n"
	      "                       [--pre-record SECONDS] [--wait SECONDS]\n"
	      "                       [--split-at TIME ...] [--marker-at TIME[=NAME] ...]\n"
	      "                       [--jack-transport internal|follow|master]\n"
	      "                       [--client-name NAME] [--stats] SESSION_DIR\n"
	      "POS: bar (17), bar|beat|tick (17|3|0), seconds (12.5s), frames (48000f)\n"
	      "     or a section of the tempo map (chorus1)\n"
	      "TIME: seconds after the first take started. --split-at starts a new\n"
	      "     take there (like SIGUSR1: no gap, no overlap); --marker-at adds a\n"
	      "     marker to the take recording (like SIGUSR2; default name \"marker N\")\n",
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

/* "A:B" loop range of positions. */
static enum rl_status setup_loop(struct control *ctl, const char *text,
                                 bool locate, struct error *err)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", text);
	char *colon = strchr(buf, ':');
	if (!colon || !buf[0] || !colon[1])
		return error_set(err, RL_ERR_INVALID,
		                 "--loop wants START:END positions (e.g. 9:17 or "
		                 "verse:chorus), not '%s'", text);
	*colon = '\0';
	int64_t a, b;
	enum rl_status st = control_parse_position(ctl, buf, &a, err);
	if (st == RL_OK)
		st = control_parse_position(ctl, colon + 1, &b, err);
	if (st == RL_OK)
		st = control_loop(ctl, true, a, b, err);
	/* Loop recording starts at the loop start unless told otherwise. */
	if (st == RL_OK && locate)
		st = control_locate(ctl, a, err);
	return st;
}

/* "IN:OUT" positions (either may be empty: open end). */
static enum rl_status parse_punch(struct control *ctl, const char *text,
                                  struct control_record_options *ro,
                                  struct error *err)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", text);
	char *colon = strchr(buf, ':');
	if (!colon)
		return error_set(err, RL_ERR_INVALID,
		                 "--punch wants IN:OUT positions (e.g. 9:17 or "
		                 "verse2:chorus2), not '%s'", text);
	*colon = '\0';
	enum rl_status st = RL_OK;
	if (*buf)
		st = control_parse_position(ctl, buf, &ro->punch_in, err);
	if (st == RL_OK && colon[1])
		st = control_parse_position(ctl, colon + 1, &ro->punch_out, err);
	return st;
}

/* Click, cue and start position for the take, all through the control
 * API as the UI and OSC do it. */
static enum rl_status setup_transport(struct control *ctl, bool click,
                                      const char *click_to,
                                      const char *cue_to, const char *start,
                                      struct error *err)
{
	enum rl_status st = control_set_click(ctl, click, err);
	if (st == RL_OK)
		st = cli_connect_outputs(ctl, click_to, cue_to, err);
	if (st == RL_OK && start) {
		int64_t frame;
		st = control_parse_position(ctl, start, &frame, err);
		if (st == RL_OK)
			st = control_locate(ctl, frame, err);
	}
	return st;
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
		{ "tempo-map", required_argument, NULL, 'M' },
		{ "tempo", required_argument, NULL, 'T' },
		{ "meter", required_argument, NULL, 'm' },
		{ "click", no_argument, NULL, 'c' },
		{ "no-click", no_argument, NULL, 'N' },
		{ "click-sound", required_argument, NULL, 'S' },
		{ "click-level", required_argument, NULL, 'L' },
		{ "click-to", required_argument, NULL, 'C' },
		{ "cue-to", required_argument, NULL, 'Q' },
		{ "monitor", no_argument, NULL, 'o' },
		{ "count-in", required_argument, NULL, 'I' },
		{ "count-in-click", required_argument, NULL, 'Z' },
		{ "pre-roll", required_argument, NULL, 'P' },
		{ "start", required_argument, NULL, 'A' },
		{ "punch", required_argument, NULL, 'p' },
		{ "jack-transport", required_argument, NULL, 'J' },
		{ "loop", required_argument, NULL, 'l' },
		{ "scratch", required_argument, NULL, 'X' },
		{ "scratch-offset", required_argument, NULL, 'O' },
		{ "scratch-level", required_argument, NULL, 'Y' },
		{ "pre-record", required_argument, NULL, 'R' },
		{ "wait", required_argument, NULL, 'W' },
		{ "keeper-level", required_argument, NULL, 'K' },
		{ "passes", required_argument, NULL, 'x' },
		{ "split-at", required_argument, NULL, 'G' },
		{ "marker-at", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double duration = 0;
	const char *regex = NULL;
	const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
	size_t input_count = 0;
	/* Each takes an argument: never more than argc of them. */
	struct timed_action *actions = calloc((size_t)argc + 1,
	                                      sizeof *actions);
	size_t action_count = 0;
	bool stats = false;
	int click = -1; /* -1: the session's setting */
	const char *click_to = NULL, *cue_to = NULL, *start = NULL;
	const char *punch = NULL;
	const char *transport = NULL; /* NULL: the session's setting */
	const char *loop = NULL;
	const char *scratch = NULL, *scratch_offset = NULL;
	double wait_seconds = 0.0;
	long passes = 0;
	long count_in = -1, pre_roll = -1;
	int count_in_click = -1; /* the session's setting */
	struct control_config cfg = { .format = TAKE_FORMAT_PCM24 };
	struct error err = { 0 };
	int c;
	if (!inputs || !actions) {
		free(inputs);
		free(actions);
		return 1;
	}
	while ((c = getopt_long(argc, argv, "d:r:i:f:b:n:shM:T:m:cNS:L:C:Q:oI:Z:P:A:p:J:l:x:X:O:Y:K:R:W:G:k:", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'd':
			duration = strtod(optarg, &end);
			if (!end || *end || duration <= 0) {
				fprintf(stderr, "redlight: --duration wants seconds > 0, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'r': regex = optarg; break;
		case 'i': inputs[input_count++] = optarg; break;
		case 'f':
			if (take_format_parse(optarg, &cfg.format, &err) != RL_OK) {
				free(inputs);
				free(actions);
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
				free(actions);
				return 2;
			}
			break;
		case 'n': cfg.client_name = optarg; break;
		case 's': stats = true; break;
		case 'M': cfg.tempo_map_path = optarg; break;
		case 'T':
			cfg.tempo_bpm = strtod(optarg, &end);
			if (!end || *end || !(cfg.tempo_bpm > 0) ||
			    cfg.tempo_bpm > 1000) {
				fprintf(stderr, "redlight: --tempo wants beats per minute (0 to 1000), not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'm': {
			int used = 0;
			if (sscanf(optarg, "%d/%d%n", &cfg.meter_beats,
			           &cfg.meter_denominator, &used) != 2 ||
			    optarg[used] || cfg.meter_beats < 1 ||
			    cfg.meter_beats > 64 || cfg.meter_denominator < 1 ||
			    cfg.meter_denominator > 64) {
				fprintf(stderr, "redlight: --meter wants BEATS/DENOMINATOR like 4/4 or 7/8, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		}
		case 'c': click = 1; break;
		case 'N': click = 0; break;
		case 'S': cfg.click_sound = optarg; break;
		case 'L':
			/* Level flags are for this run: the session keeps
			 * its own (control_config). */
			cfg.has_click_level = true;
			cfg.click_level_db = strtod(optarg, &end);
			if (!end || *end || cfg.click_level_db > 6) {
				fprintf(stderr, "redlight: --click-level wants dB up to +6, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'C': click_to = optarg; break;
		case 'Q': cue_to = optarg; break;
		case 'o': cfg.monitor_all = true; break;
		case 'Z':
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				fprintf(stderr, "redlight: --count-in-click wants on or off, not '%s'\n",
				        optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			count_in_click = !strcmp(optarg, "on");
			break;
		case 'I':
		case 'P': {
			long v = strtol(optarg, &end, 10);
			if (!end || *end || v < 0 || v > 64) {
				fprintf(stderr, "redlight: --%s wants 0 to 64 bars, not '%s'\n",
				        c == 'I' ? "count-in" : "pre-roll", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			*(c == 'I' ? &count_in : &pre_roll) = v;
			break;
		}
		case 'A': start = optarg; break;
		case 'p': punch = optarg; break;
		case 'J': transport = optarg; break;
		case 'l': loop = optarg; break;
		case 'X': scratch = optarg; break;
		case 'O': scratch_offset = optarg; break;
		case 'W':
			wait_seconds = strtod(optarg, &end);
			if (!end || *end || wait_seconds < 0 || wait_seconds > 3600) {
				fprintf(stderr, "redlight: --wait wants 0 to 3600 seconds, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'R':
			cfg.pre_record_seconds = strtod(optarg, &end);
			if (!end || *end || cfg.pre_record_seconds < 0 ||
			    cfg.pre_record_seconds > 60) {
				fprintf(stderr, "redlight: --pre-record wants 0 to 60 seconds, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'Y':
		case 'K': {
			double db = strtod(optarg, &end);
			if (!end || *end || db > 6) {
				fprintf(stderr, "redlight: --%s wants dB up to +6 (or -inf), not '%s'\n",
				        c == 'Y' ? "scratch-level" : "keeper-level", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			if (c == 'Y') {
				cfg.has_scratch_level = true;
				cfg.scratch_level_db = db;
			} else {
				cfg.has_keeper_level = true;
				cfg.keeper_level_db = db;
			}
			break;
		}
		case 'x':
			passes = strtol(optarg, &end, 10);
			if (!end || *end || passes < 1 || passes > 1000) {
				fprintf(stderr, "redlight: --passes wants 1 to 1000, not '%s'\n", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			break;
		case 'G':
		case 'k':
			if (!parse_action(optarg, c == 'G',
			                  &actions[action_count])) {
				fprintf(stderr, "redlight: --%s wants seconds >= 0%s, "
				        "not '%s'\n", c == 'G' ? "split-at" : "marker-at",
				        c == 'G' ? "" : " and an optional =NAME of at "
				        "most 63 bytes", optarg);
				free(inputs);
				free(actions);
				return 2;
			}
			actions[action_count].order = action_count;
			action_count++;
			break;
		case 'h':
			record_usage();
			free(inputs);
			free(actions);
			return 0;
		default:
			record_usage();
			free(inputs);
			free(actions);
			return 2;
		}
	}
	if (optind != argc - 1 || (regex && input_count)) {
		record_usage();
		free(inputs);
		free(actions);
		return 2;
	}
	if (action_count)
		qsort(actions, action_count, sizeof *actions, compare_actions);
	cfg.session_dir = argv[optind];
	raise_fd_limit();

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Before anything can take a while: a script may signal as soon as
	 * it started us, and SIGUSR1/2 would otherwise end the process. */
	/* SA_RESTART: a split asked for early must not make a blocking
	 * call inside libjack fail with EINTR. */
	struct sigaction su = { .sa_handler = on_usr_signal,
	                        .sa_flags = SA_RESTART };
	sigemptyset(&su.sa_mask);
	sigaction(SIGUSR1, &su, NULL);
	sigaction(SIGUSR2, &su, NULL);

	struct control *ctl = NULL;
	enum jack_transport_mode mode;
	if (control_open(&cfg, &ctl, &err) != RL_OK) {
		free(inputs);
		free(actions);
		return fail(&err);
	}
	char **found = NULL;
	size_t count = input_count;
	/* The JACK transport mode is needed before the recorder starts. */
	if (jack_transport_mode_parse(transport ? transport
	                                        : control_settings(ctl)->jack_transport,
	                              &mode, &err) != RL_OK) {
		control_close(ctl);
		free(inputs);
		free(actions);
		return fail(&err);
	}
	control_set_transport_mode(ctl, mode);
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

	/* Flags override the session's settings for this run. */
	const struct session_settings *set = control_settings(ctl);
	if (click < 0)
		click = set->click;
	if (count_in < 0)
		count_in = set->count_in_bars;
	if (pre_roll < 0)
		pre_roll = set->pre_roll_bars;
	if (cli_setup_scratch(ctl, scratch, scratch_offset, &err) != RL_OK)
		goto error;
	if (setup_transport(ctl, click, click_to, cue_to, start, &err) != RL_OK)
		goto error;

	/* The engine stops the take exactly `duration` after the frame it
	 * started on, however long creating the files took. */
	struct control_record_options ro;
	control_record_options_init(&ro);
	ro.length = (uint64_t)(duration * control_sample_rate(ctl) + 0.5);
	ro.count_in_bars = (uint32_t)count_in;
	ro.count_in_click = count_in_click;
	ro.pre_roll_bars = (uint32_t)pre_roll;
	if (punch && parse_punch(ctl, punch, &ro, &err) != RL_OK)
		goto error;
	if (loop && setup_loop(ctl, loop, !start && !pre_roll, &err) != RL_OK)
		goto error;
	/* --wait: the recorder runs (meters, pre-record) before the take,
	 * as when the engineer presses record a while after opening. */
	for (long ms = (long)(wait_seconds * 1000); ms > 0 && !stop_requested;
	     ms -= 50)
		sleep_ms(ms < 50 ? ms : 50);
	if (control_record(ctl, &ro, &err) != RL_OK)
		goto error;

	enum rl_status st = RL_OK;
	/* Engine clock frame the first take started on: --split-at and
	 * --marker-at count from there. */
	bool started = false;
	uint64_t start_clock = 0;
	uint32_t shown_take = 0;
	size_t next_action = 0;
	double rate = control_sample_rate(ctl);
	while (control_busy(ctl)) {
		struct engine_snapshot snap;
		long ms = 20;
		if (started && next_action < action_count) {
			/* Wake close to the next action, so it lands within
			 * about a JACK period of its time. */
			control_snapshot(ctl, &snap);
			double left = start_clock + actions[next_action].at * rate -
			              (double)snap.clock;
			ms = left < rate / 50 ? (long)(left * 1000 / rate) : 20;
			ms = ms < 1 ? 1 : ms;
		}
		sleep_ms(ms);
		control_snapshot(ctl, &snap);
		if (snap.transport == ENGINE_RECORDING && snap.take) {
			if (!started) {
				started = true;
				start_clock = snap.clock > snap.take_frames
				              ? snap.clock - snap.take_frames : 0;
			}
			/* Scripts wait for this line before they signal. */
			if (snap.take != shown_take) {
				shown_take = snap.take;
				printf("recording take %03u\n", snap.take);
				fflush(stdout);
			}
		}
		while (started && next_action < action_count &&
		       (double)snap.clock >=
		       start_clock + actions[next_action].at * rate) {
			const struct timed_action *a = &actions[next_action++];
			if (a->split)
				new_take(ctl);
			else
				add_marker(ctl, a->name);
		}
		if (atomic_exchange(&split_requests, 0))
			new_take(ctl);
		for (unsigned n = atomic_exchange(&marker_requests, 0); n > 0; n--)
			add_marker(ctl, NULL);
		/* --passes: stop when that many loop passes are recorded. */
		if (passes && control_takes_finished(ctl) + 1 >= (uint32_t)passes)
			control_stop_after_pass(ctl, NULL);
		if (stop_requested) {
			stop_requested = 0;
			control_stop(ctl, 0, NULL);
		}
		st = control_poll(ctl, &err);
		cli_print_finished(ctl);
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

	cli_print_finished(ctl);
	if (control_takes_finished(ctl) == 0 && st == RL_OK)
		printf("no take recorded: stopped before the punch-in\n");
	if (stats) {
		struct engine_cycle_stats cs;
		control_cycle_stats(ctl, &cs);
		printf("cycle: %llu cycles, median %.2f%%, p99 %.2f%%, max %.2f%% "
		       "(%.1f us) of the period\n", (unsigned long long)cs.cycles,
		       cs.median_pct, cs.p99_pct, cs.max_pct, cs.max_us);
		printf("cycle tail: p90 %.2f%%, p95 %.2f%%, p99 %.2f%%, "
		       "p99.9 %.2f%% of the period\n", cs.p90_pct, cs.p95_pct,
		       cs.p99_pct, cs.p999_pct);
		control_cycle_part_stats(ctl, ENGINE_PART_CPU, &cs);
		if (cs.cycles)
			printf("cycle cpu: median %.2f%%, p99 %.2f%%, max %.2f%% "
			       "(%.1f us) of the period (the thread's own CPU "
			       "time)\n", cs.median_pct, cs.p99_pct, cs.max_pct,
			       cs.max_us);
		struct engine_cycle_stats ports, own;
		control_cycle_part_stats(ctl, ENGINE_PART_PORTS, &ports);
		control_cycle_part_stats(ctl, ENGINE_PART_PROCESS, &own);
		if (ports.cycles)
			printf("cycle parts: JACK port buffers median %.2f%%, "
			       "p99 %.2f%%; engine median %.2f%%, p99 %.2f%% "
			       "of the period\n", ports.median_pct,
			       ports.p99_pct, own.median_pct, own.p99_pct);
		struct engine_cycle_stats in, out;
		control_cycle_writer_stats(ctl, &in, &out);
		if (in.cycles)
			printf("cycle writer: %llu cycles during its passes, "
			       "median %.2f%%, p99 %.2f%%, max %.2f%%; %llu "
			       "outside, median %.2f%%, p99 %.2f%%, max %.2f%%\n",
			       (unsigned long long)in.cycles, in.median_pct,
			       in.p99_pct, in.max_pct,
			       (unsigned long long)out.cycles, out.median_pct,
			       out.p99_pct, out.max_pct);
		printf("playback: %zu streams, %llu underrun frames\n",
		       1 + control_keeper_count(ctl),
		       (unsigned long long)control_playback_underruns(ctl));
	}
	fflush(stdout);
	control_free_names(found);
	control_close(ctl);
	free(inputs);
	free(actions);
	if (st != RL_OK)
		return fail(&err);
	return 0;

error:
	control_free_names(found);
	control_close(ctl);
	free(inputs);
	free(actions);
	return fail(&err);
}
