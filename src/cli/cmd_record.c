/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight record`: headless capture of one take. Everything goes
 * through the control API, exactly as the UI and OSC will.
 *
 * Three parts, in this order in the file:
 * - parse: argv into a struct record_args; a bad value or a bad usage is
 *   exit status 2 before anything touches JACK or the session;
 * - run: open the recorder, set the take up, record until the duration,
 *   the last pass or a signal ends it, then stop and wait for the files;
 * - report: the summary line of each take, and --stats.
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

/* ---------------------------------------------------------------------- */
/* Parse                                                                  */

/* --split-at and --marker-at: something to do so long after recording
 * started. */
struct timed_action {
	double at;          /* seconds after the first take started */
	bool split;         /* else a marker */
	const char *name;   /* the marker's, NULL: "marker N" */
	size_t order;       /* on the command line, for a stable sort */
};

/* Every option of `redlight record`, as given (strings point into argv). */
struct record_args {
	/* What the recorder opens with: session, format, tempo, levels. */
	struct control_config cfg;
	double duration;            /* seconds, 0: until stopped */
	const char *regex;          /* --inputs, NULL: every output port */
	const char **inputs;        /* --input, input_count of them */
	size_t input_count;
	struct timed_action *actions; /* sorted by time after parsing */
	size_t action_count;
	bool stats;
	int click;                  /* -1: the session's setting */
	const char *click_to, *cue_to;
	const char *start, *punch, *loop;
	const char *transport;      /* NULL: the session's setting */
	const char *scratch, *scratch_offset;
	double wait_seconds;
	long passes;                /* 0: as many as the loop makes */
	long count_in, pre_roll;    /* -1: the session's setting */
	int count_in_click;         /* -1: the session's setting */
};

/* What one option did to the parse. */
enum option_result {
	OPTION_TAKEN,   /* a good value, stored */
	OPTION_BAD,     /* a bad value, said on stderr: exit status 2 */
	OPTION_OTHER,   /* not one of this group's options */
};

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
	      "Without --inputs/--input: the session tracks' own inputs (armed unless\n"
	      "     rec-safe), or every output port if no track has an input yet\n"
	      "POS: bar (17), bar|beat|tick (17|3|0), seconds (12.5s), frames (48000f)\n"
	      "     a section of the tempo map (chorus1) or a marker (redlight markers)\n"
	      "TIME: seconds after the first take started. --split-at starts a new\n"
	      "     take there (like SIGUSR1: no gap, no overlap); --marker-at adds a\n"
	      "     marker to the take recording (like SIGUSR2; default name \"marker N\")\n",
	      stderr);
}

/* "redlight: FLAG wants WANT, not 'VALUE'": every bad value is said so. */
static enum option_result bad_value(const char *flag, const char *want,
                                    const char *value)
{
	fprintf(stderr, "redlight: %s wants %s, not '%s'\n", flag, want, value);
	return OPTION_BAD;
}

/* All of text as a number in strtod()'s forms ("0.5", "-inf"). */
static bool parse_number(const char *text, double *out)
{
	char *end = NULL;
	*out = strtod(text, &end);
	/* "nan" reads as a number but is none: every use compares it. */
	return end && !*end && !isnan(*out);
}

/* All of text as a decimal whole number. */
static bool parse_long(const char *text, long *out)
{
	char *end = NULL;
	*out = strtol(text, &end, 10);
	return end && !*end;
}

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

/* A cue level: dB up to +6, -inf for silence. */
static enum option_result parse_level(const char *flag, const char *arg,
                                      bool *has, double *db)
{
	if (!parse_number(arg, db) || *db > 6)
		return bad_value(flag, "dB up to +6 (or -inf)", arg);
	*has = true;
	return OPTION_TAKEN;
}

/* The options that configure the recorder itself (struct control_config):
 * its files, its tempo map and click, its levels. Level flags are for
 * this run only: the session keeps its own. */
static enum option_result parse_recorder_option(int c, const char *arg,
                                                struct control_config *cfg)
{
	struct error err;
	switch (c) {
	case 'f':
		if (take_format_parse(arg, &cfg->format, &err) != RL_OK) {
			fprintf(stderr, "redlight: %s\n", err.message);
			return OPTION_BAD;
		}
		return OPTION_TAKEN;
	case 'b':
		if (!parse_number(arg, &cfg->buffer_seconds) ||
		    cfg->buffer_seconds < 0.1 || cfg->buffer_seconds > 600)
			return bad_value("--buffer-seconds", "0.1 to 600", arg);
		return OPTION_TAKEN;
	case 'n': cfg->client_name = arg; return OPTION_TAKEN;
	case 'M': cfg->tempo_map_path = arg; return OPTION_TAKEN;
	case 'T':
		if (!parse_number(arg, &cfg->tempo_bpm) ||
		    !(cfg->tempo_bpm > 0) || cfg->tempo_bpm > 1000)
			return bad_value("--tempo", "beats per minute (0 to 1000)",
			                 arg);
		return OPTION_TAKEN;
	case 'm':
		if (!cli_parse_meter(arg, &cfg->meter_beats,
		                     &cfg->meter_denominator))
			return bad_value("--meter", "BEATS/DENOMINATOR like 4/4 "
			                 "or 7/8", arg);
		return OPTION_TAKEN;
	case 'S': cfg->click_sound = arg; return OPTION_TAKEN;
	case 'L':
		cfg->has_click_level = true;
		if (!parse_number(arg, &cfg->click_level_db) ||
		    cfg->click_level_db > 6)
			return bad_value("--click-level", "dB up to +6", arg);
		return OPTION_TAKEN;
	case 'Y':
		return parse_level("--scratch-level", arg,
		                   &cfg->has_scratch_level,
		                   &cfg->scratch_level_db);
	case 'K':
		return parse_level("--keeper-level", arg, &cfg->has_keeper_level,
		                   &cfg->keeper_level_db);
	case 'o': cfg->monitor_all = true; return OPTION_TAKEN;
	case 'R':
		if (!parse_number(arg, &cfg->pre_record_seconds) ||
		    cfg->pre_record_seconds < 0 || cfg->pre_record_seconds > 60)
			return bad_value("--pre-record", "0 to 60 seconds", arg);
		return OPTION_TAKEN;
	default:
		return OPTION_OTHER;
	}
}

/* --count-in and --pre-roll: whole bars, 0 to 64. */
static enum option_result parse_bars(const char *flag, const char *arg,
                                     long *bars)
{
	if (!parse_long(arg, bars) || *bars < 0 || *bars > 64)
		return bad_value(flag, "0 to 64 bars", arg);
	return OPTION_TAKEN;
}

/* --split-at TIME and --marker-at TIME[=NAME], in command-line order
 * until parse_record_args() sorts them. */
static enum option_result parse_timed_action(int c, char *arg,
                                             struct record_args *a)
{
	struct timed_action *t = &a->actions[a->action_count];
	if (!parse_action(arg, c == 'G', t)) {
		fprintf(stderr, "redlight: --%s wants seconds >= 0%s, not '%s'\n",
		        c == 'G' ? "split-at" : "marker-at",
		        c == 'G' ? "" : " and an optional =NAME of at most 63 "
		        "bytes", arg);
		return OPTION_BAD;
	}
	t->order = a->action_count++;
	return OPTION_TAKEN;
}

/* The options about the take: its sources, length, transport, click
 * and outputs, what happens during it. */
static enum option_result parse_take_option(int c, char *arg,
                                            struct record_args *a)
{
	switch (c) {
	case 'd':
		if (!parse_number(arg, &a->duration) || a->duration <= 0)
			return bad_value("--duration", "seconds > 0", arg);
		return OPTION_TAKEN;
	case 'r': a->regex = arg; return OPTION_TAKEN;
	case 'i': a->inputs[a->input_count++] = arg; return OPTION_TAKEN;
	case 's': a->stats = true; return OPTION_TAKEN;
	case 'c': a->click = 1; return OPTION_TAKEN;
	case 'N': a->click = 0; return OPTION_TAKEN;
	case 'C': a->click_to = arg; return OPTION_TAKEN;
	case 'Q': a->cue_to = arg; return OPTION_TAKEN;
	case 'Z':
		if (strcmp(arg, "on") && strcmp(arg, "off"))
			return bad_value("--count-in-click", "on or off", arg);
		a->count_in_click = !strcmp(arg, "on");
		return OPTION_TAKEN;
	case 'I': return parse_bars("--count-in", arg, &a->count_in);
	case 'P': return parse_bars("--pre-roll", arg, &a->pre_roll);
	case 'A': a->start = arg; return OPTION_TAKEN;
	case 'p': a->punch = arg; return OPTION_TAKEN;
	case 'J': a->transport = arg; return OPTION_TAKEN;
	case 'l': a->loop = arg; return OPTION_TAKEN;
	case 'X': a->scratch = arg; return OPTION_TAKEN;
	case 'O': a->scratch_offset = arg; return OPTION_TAKEN;
	case 'W':
		if (!parse_number(arg, &a->wait_seconds) ||
		    a->wait_seconds < 0 || a->wait_seconds > 3600)
			return bad_value("--wait", "0 to 3600 seconds", arg);
		return OPTION_TAKEN;
	case 'x':
		if (!parse_long(arg, &a->passes) || a->passes < 1 ||
		    a->passes > 1000)
			return bad_value("--passes", "1 to 1000", arg);
		return OPTION_TAKEN;
	case 'G':
	case 'k':
		return parse_timed_action(c, arg, a);
	default:
		return OPTION_OTHER;
	}
}

/* Defaults, and room for the repeatable options: each takes an argument,
 * so there are never more than argc of them. False: out of memory. */
static bool record_args_init(struct record_args *a, int argc)
{
	*a = (struct record_args){
		.cfg = { .format = TAKE_FORMAT_PCM24 },
		.click = -1,
		.count_in = -1,
		.pre_roll = -1,
		.count_in_click = -1,
	};
	a->inputs = calloc((size_t)argc + 1, sizeof *a->inputs);
	a->actions = calloc((size_t)argc + 1, sizeof *a->actions);
	return a->inputs && a->actions;
}

static void record_args_cleanup(struct record_args *a)
{
	free(a->inputs);
	free(a->actions);
}

/* argv into *a (initialised by record_args_init()). Returns -1 to go on
 * and record, else the exit status: 0 after --help, 2 for bad usage. */
static int parse_record_args(int argc, char **argv, struct record_args *a)
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
	int c;
	while ((c = getopt_long(argc, argv, "d:r:i:f:b:n:shM:T:m:cNS:L:C:Q:oI:Z:P:A:p:J:l:x:X:O:Y:K:R:W:G:k:", opts, NULL)) != -1) {
		if (c == 'h') {
			record_usage();
			return 0;
		}
		enum option_result r = parse_recorder_option(c, optarg,
		                                             &a->cfg);
		if (r == OPTION_OTHER)
			r = parse_take_option(c, optarg, a);
		if (r == OPTION_BAD)
			return 2;
		if (r == OPTION_OTHER) { /* getopt's '?': unknown, no value */
			record_usage();
			return 2;
		}
	}
	if (optind != argc - 1 || (a->regex && a->input_count)) {
		record_usage();
		return 2;
	}
	if (a->action_count)
		qsort(a->actions, a->action_count, sizeof *a->actions,
		      compare_actions);
	a->cfg.session_dir = argv[optind];
	return -1;
}

/* ---------------------------------------------------------------------- */
/* Run                                                                    */

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

/* SIGINT/SIGTERM stop the take; SIGUSR1 splits it, SIGUSR2 marks it.
 * Installed before anything can take a while: a script may signal as
 * soon as it started us, and SIGUSR1/2 would otherwise end the process. */
static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* SA_RESTART: a split asked for early must not make a blocking
	 * call inside libjack fail with EINTR. */
	struct sigaction su = { .sa_handler = on_usr_signal,
	                        .sa_flags = SA_RESTART };
	sigemptyset(&su.sa_mask);
	sigaction(SIGUSR1, &su, NULL);
	sigaction(SIGUSR2, &su, NULL);
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

/* One line per marker added, to find it in the take later. */
static void add_marker(struct control *ctl, const char *name)
{
	struct error err;
	enum rl_status st = control_add_marker(ctl, name, &err);
	struct session_marker m;
	uint32_t take;
	if (st == RL_OK && control_last_marker(ctl, &take, &m)) {
		/* Between takes it marks the timeline alone. */
		char in_take[32] = "";
		if (take)
			snprintf(in_take, sizeof in_take, "take %03u, ", take);
		printf("marker \"%s\": %stimeline frame %llu (%.3f s)\n",
		       m.name, in_take, (unsigned long long)m.frame,
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

/* Open the session, choose the JACK transport mode (needed before the
 * recorder starts), find the ports -- the session tracks' own inputs, as
 * `redlight SESSION_DIR` records them, unless --inputs/--input say, or
 * every output port if no track has an input -- and start the recorder
 * on them: one track per port, armed unless rec-safe, no take yet.
 * *ctl is the caller's to close, also after an error. */
static enum rl_status start_recorder(const struct record_args *a,
                                     struct control **ctl,
                                     struct error *err)
{
	enum rl_status st = control_open(&a->cfg, ctl, err);
	if (st == RL_OK)
		st = cli_set_transport_mode(*ctl, a->transport, err);
	const char *const *sources = NULL;
	size_t count = 0;
	char **names = NULL;
	if (st == RL_OK)
		st = cli_choose_sources(*ctl, a->inputs, a->input_count,
		                        a->regex, CLI_NO_INPUTS_RECORD_ALL,
		                        &sources, &count, &names, err);
	if (st == RL_OK)
		st = cli_start_recorder(*ctl, sources, count, err);
	control_free_names(names);
	return st;
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

/* Everything the take needs before it starts: scratch, click, outputs,
 * start position, loop, and *ro for control_record(). Flags override
 * the session's settings for this run only. */
static enum rl_status set_up_take(struct control *ctl,
                                  const struct record_args *a,
                                  struct control_record_options *ro,
                                  struct error *err)
{
	const struct session_settings *set = control_settings(ctl);
	bool click = a->click < 0 ? set->click : a->click;
	long count_in = a->count_in < 0 ? (long)set->count_in_bars
	                                : a->count_in;
	long pre_roll = a->pre_roll < 0 ? (long)set->pre_roll_bars
	                                : a->pre_roll;
	enum rl_status st = cli_setup_scratch(ctl, a->scratch,
	                                      a->scratch_offset, err);
	if (st == RL_OK)
		st = setup_transport(ctl, click, a->click_to, a->cue_to,
		                     a->start, err);
	if (st != RL_OK)
		return st;
	/* The engine stops the take exactly `duration` after the frame it
	 * started on, however long creating the files took. */
	control_record_options_init(ro);
	ro->length = (uint64_t)(a->duration * control_sample_rate(ctl) + 0.5);
	ro->count_in_bars = (uint32_t)count_in;
	ro->count_in_click = a->count_in_click;
	ro->pre_roll_bars = (uint32_t)pre_roll;
	if (a->punch)
		st = parse_punch(ctl, a->punch, ro, err);
	/* A loop take starts at the loop start, unless --start or a
	 * pre-roll says where. */
	if (st == RL_OK && a->loop)
		st = setup_loop(ctl, a->loop, !a->start && !pre_roll, err);
	return st;
}

/* Set the take up, let the recorder run for --wait (meters, pre-record:
 * as when the engineer presses record a while after opening), then
 * start recording. */
static enum rl_status start_take(struct control *ctl,
                                 const struct record_args *a,
                                 struct error *err)
{
	struct control_record_options ro;
	enum rl_status st = set_up_take(ctl, a, &ro, err);
	if (st != RL_OK)
		return st;
	for (long ms = (long)(a->wait_seconds * 1000); ms > 0 && !stop_requested;
	     ms -= 50)
		sleep_ms(ms < 50 ? ms : 50);
	return control_record(ctl, &ro, err);
}

/* Where the record loop is: --split-at and --marker-at count from the
 * engine clock frame the first take started on. */
struct record_progress {
	bool started;          /* the first take is recording */
	uint64_t start_clock;  /* its first frame on the engine clock */
	uint32_t shown_take;   /* the last "recording take NNN" line */
	size_t next_action;    /* the next --split-at/--marker-at due */
	double rate;
};

/* How long to sleep before the next look: 20 ms, or less so that the
 * next timed action lands within about a JACK period of its time. */
static long ms_to_next_look(struct control *ctl, const struct record_args *a,
                            const struct record_progress *p)
{
	if (!p->started || p->next_action >= a->action_count)
		return 20;
	struct engine_snapshot snap;
	control_snapshot(ctl, &snap);
	double left = p->start_clock + a->actions[p->next_action].at * p->rate -
	              (double)snap.clock;
	long ms = left < p->rate / 50 ? (long)(left * 1000 / p->rate) : 20;
	return ms < 1 ? 1 : ms;
}

/* Note the first take's start, and say when a take starts: scripts wait
 * for the "recording take NNN" line before they signal. */
static void note_recording(const struct engine_snapshot *snap,
                           struct record_progress *p)
{
	if (snap->transport != ENGINE_RECORDING || !snap->take)
		return;
	if (!p->started) {
		p->started = true;
		p->start_clock = snap->clock > snap->take_frames
		                 ? snap->clock - snap->take_frames : 0;
	}
	if (snap->take != p->shown_take) {
		p->shown_take = snap->take;
		printf("recording take %03u\n", snap->take);
		fflush(stdout);
	}
}

/* The --split-at and --marker-at actions whose time has come. */
static void run_due_actions(struct control *ctl, const struct record_args *a,
                            const struct engine_snapshot *snap,
                            struct record_progress *p)
{
	while (p->started && p->next_action < a->action_count &&
	       (double)snap->clock >=
	       p->start_clock + a->actions[p->next_action].at * p->rate) {
		const struct timed_action *t = &a->actions[p->next_action++];
		if (t->split)
			new_take(ctl);
		else
			add_marker(ctl, t->name);
	}
}

/* The SIGUSR1 and SIGUSR2 the handlers counted: new takes, markers. */
static void act_on_user_signals(struct control *ctl)
{
	if (atomic_exchange(&split_requests, 0))
		new_take(ctl);
	for (unsigned n = atomic_exchange(&marker_requests, 0); n > 0; n--)
		add_marker(ctl, NULL);
}

/* The main loop while the recorder is busy: timed actions, signals,
 * --passes, and control_poll() (which finishes takes and reports disk
 * or JACK failures). Returns the first failure; the take may still be
 * open then. */
static enum rl_status record_until_done(struct control *ctl,
                                        const struct record_args *a,
                                        struct error *err)
{
	struct record_progress p = { .rate = control_sample_rate(ctl) };
	while (control_busy(ctl)) {
		sleep_ms(ms_to_next_look(ctl, a, &p));
		struct engine_snapshot snap;
		control_snapshot(ctl, &snap);
		note_recording(&snap, &p);
		run_due_actions(ctl, a, &snap, &p);
		act_on_user_signals(ctl);
		/* --passes: stop when that many loop passes are recorded. */
		if (a->passes &&
		    control_takes_finished(ctl) + 1 >= (uint32_t)a->passes)
			control_stop_after_pass(ctl, NULL);
		if (stop_requested) {
			stop_requested = 0;
			control_stop(ctl, 0, NULL);
		}
		enum rl_status st = control_poll(ctl, err);
		cli_print_finished(ctl);
		if (st != RL_OK)
			return st;
	}
	return RL_OK;
}

/* Stop and wait until every file is finished, whatever went wrong
 * before: the files come first, then saying why. Returns st, or the
 * stop's own failure if st was RL_OK. */
static enum rl_status finish_takes(struct control *ctl, enum rl_status st,
                                   struct error *err)
{
	control_stop(ctl, 0, NULL);
	struct error err2;
	enum rl_status st2 = control_wait_idle(ctl, &err2);
	if (st == RL_OK && st2 != RL_OK) {
		st = st2;
		*err = err2;
	}
	return st;
}

/* ---------------------------------------------------------------------- */
/* Report                                                                 */

/* --stats: how the audio thread's cycles went, as parts of the period,
 * and the playback streams. */
static void print_cycle_stats(struct control *ctl)
{
	struct engine_cycle_stats cs;
	control_cycle_stats(ctl, &cs);
	printf("cycle: %llu cycles, median %.2f%%, p99 %.2f%%, max %.2f%% "
	       "(%.1f us) of the period\n", (unsigned long long)cs.cycles,
	       cs.median_pct, cs.p99_pct, cs.max_pct, cs.max_us);
	printf("cycle tail: p90 %.2f%%, p95 %.2f%%, p99 %.2f%%, "
	       "p99.9 %.2f%% of the period\n", cs.p90_pct, cs.p95_pct,
	       cs.p99_pct, cs.p999_pct);
	/* The parts below are only measured in measurement mode. */
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

/* The summary lines of the takes not reported yet, and why there is
 * none if the run stopped before its punch-in. */
static void report_takes(struct control *ctl, enum rl_status st, bool stats)
{
	cli_print_finished(ctl);
	if (control_takes_finished(ctl) == 0 && st == RL_OK)
		printf("no take recorded: stopped before the punch-in\n");
	if (stats)
		print_cycle_stats(ctl);
	fflush(stdout);
}

/* Run, then report. A failure before the take started is only said; one
 * during it is said after the summary of what was recorded. */
static int record_and_report(const struct record_args *a)
{
	struct control *ctl = NULL;
	struct error err = { 0 };
	raise_fd_limit();
	install_signal_handlers();
	enum rl_status st = start_recorder(a, &ctl, &err);
	if (st == RL_OK)
		st = start_take(ctl, a, &err);
	if (st == RL_OK) {
		st = record_until_done(ctl, a, &err);
		st = finish_takes(ctl, st, &err);
		report_takes(ctl, st, a->stats);
	}
	control_close(ctl);
	return st == RL_OK ? 0 : fail(&err);
}

int cmd_record(int argc, char **argv)
{
	struct record_args a;
	int rc = 1; /* out of memory */
	if (record_args_init(&a, argc))
		rc = parse_record_args(argc, argv, &a);
	if (rc < 0)
		rc = record_and_report(&a);
	record_args_cleanup(&a);
	return rc;
}
