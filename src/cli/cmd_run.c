/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight SESSION_DIR`: the live recorder. Opens the session, starts the
 * recorder on the session tracks' inputs (or the ports given), starts the
 * OSC server, then hands the terminal to the UI -- or, --headless, runs a
 * plain loop for OSC-only use (under systemd) until SIGINT/SIGTERM.
 *
 * This is the main loop of the process: the UI calls control_poll() every
 * frame; the headless loop does it every 50 ms. Every control call here
 * is made under control_lock(): the OSC thread calls in too.
 */
#include "redlight/cli.h"
#include "redlight/control.h"
#include "redlight/osc.h"
#include "redlight/tui.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void run_usage(FILE *f)
{
	fputs("usage: redlight [run] SESSION_DIR [--inputs REGEX | --input PORT ...]\n"
	      "                [--headless] [--osc-port N | --no-osc]\n"
	      "                [--osc-bind ADDR] [--osc-allow LIST] [--osc-read-only LIST]\n"
	      "                [--format pcm24|float|pcm16] [--buffer-seconds S]\n"
	      "                [--client-name NAME] [--tempo-map FILE | --tempo BPM\n"
	      "                --meter N/D] [--click-sound SOUND] [--pre-record S]\n"
	      "                [--jack-transport internal|follow|master]\n"
	      "                [--cue-to PORT[,PORT]] [--click-to PORT] [--scratch FILE]\n"
	      "                [--scratch-offset POS]\n"
	      "Open the live recorder on SESSION_DIR: the terminal UI (or, with\n"
	      "--headless, OSC only). Without --inputs/--input the session's\n"
	      "tracks record from their own inputs (redlight tracks input).\n"
	      "OSC listens on UDP port 3819 (or the session's osc_port setting)\n"
	      "unless --osc-port or --no-osc.\n",
	      f);
}

struct run_options {
	struct control_config cfg;
	const char *regex;
	const char **inputs;
	size_t input_count;
	bool headless;
	bool osc;
	struct osc_config osc_cfg;
	const char *transport;
	const char *cue_to;
	const char *click_to;
	const char *scratch;
	const char *scratch_offset;
};

static int bad_value(const char *flag, const char *want, const char *value)
{
	return cli_usage_error(run_usage, "%s wants %s, not '%s'", flag, want,
	                       value);
}

static int parse_options(int argc, char **argv, struct run_options *o)
{
	static const struct option opts[] = {
		{ "inputs", required_argument, NULL, 'r' },
		{ "input", required_argument, NULL, 'i' },
		{ "headless", no_argument, NULL, 'H' },
		{ "osc-port", required_argument, NULL, 'p' },
		{ "no-osc", no_argument, NULL, 'O' },
		{ "osc-bind", required_argument, NULL, 'B' },
		{ "osc-allow", required_argument, NULL, 'A' },
		{ "osc-read-only", required_argument, NULL, 'R' },
		{ "format", required_argument, NULL, 'f' },
		{ "buffer-seconds", required_argument, NULL, 'b' },
		{ "client-name", required_argument, NULL, 'n' },
		{ "tempo-map", required_argument, NULL, 'M' },
		{ "tempo", required_argument, NULL, 'T' },
		{ "meter", required_argument, NULL, 'm' },
		{ "click-sound", required_argument, NULL, 'S' },
		{ "pre-record", required_argument, NULL, 'P' },
		{ "jack-transport", required_argument, NULL, 'J' },
		{ "cue-to", required_argument, NULL, 'Q' },
		{ "click-to", required_argument, NULL, 'C' },
		{ "scratch", required_argument, NULL, 'X' },
		{ "scratch-offset", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct error err;
	char *end;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:i:hH", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->regex = optarg; break;
		case 'i': {
			const char **grown = realloc(o->inputs,
			                             (o->input_count + 1) *
			                             sizeof *grown);
			if (!grown) {
				fputs("redlight: out of memory\n", stderr);
				return 1;
			}
			o->inputs = grown;
			o->inputs[o->input_count++] = optarg;
			break;
		}
		case 'H': o->headless = true; break;
		case 'p': {
			uint32_t port;
			if (!cli_parse_uint(optarg, 1, 65535, &port))
				return bad_value("--osc-port", "a UDP port 1-65535",
				                 optarg);
			o->osc_cfg.port = (uint16_t)port;
			break;
		}
		case 'O': o->osc = false; break;
		case 'B': o->osc_cfg.bind = optarg; break;
		case 'A': o->osc_cfg.allow = optarg; break;
		case 'R': o->osc_cfg.read_only = optarg; break;
		case 'f':
			if (take_format_parse(optarg, &o->cfg.format, &err) !=
			    RL_OK)
				return bad_value("--format", "pcm24, float or "
				                 "pcm16", optarg);
			break;
		case 'b':
			o->cfg.buffer_seconds = strtod(optarg, &end);
			if (*end || !(o->cfg.buffer_seconds >= 0.1 &&
			              o->cfg.buffer_seconds <= 600))
				return bad_value("--buffer-seconds", "0.1 to 600",
				                 optarg);
			break;
		case 'n': o->cfg.client_name = optarg; break;
		case 'M': o->cfg.tempo_map_path = optarg; break;
		case 'T':
			o->cfg.tempo_bpm = strtod(optarg, &end);
			if (*end || !(o->cfg.tempo_bpm > 0 &&
			              o->cfg.tempo_bpm <= 1000))
				return bad_value("--tempo", "BPM above 0 up to "
				                 "1000", optarg);
			break;
		case 'm':
			if (!cli_parse_meter(optarg, &o->cfg.meter_beats,
			                     &o->cfg.meter_denominator))
				return bad_value("--meter", "BEATS/DENOMINATOR "
				                 "like 4/4 or 7/8", optarg);
			break;
		case 'S': o->cfg.click_sound = optarg; break;
		case 'P':
			o->cfg.pre_record_seconds = strtod(optarg, &end);
			if (*end || !(o->cfg.pre_record_seconds >= 0 &&
			              o->cfg.pre_record_seconds <= 600))
				return bad_value("--pre-record", "0 to 600 seconds",
				                 optarg);
			break;
		case 'J': o->transport = optarg; break;
		case 'Q': o->cue_to = optarg; break;
		case 'C': o->click_to = optarg; break;
		case 'X': o->scratch = optarg; break;
		case 'o': o->scratch_offset = optarg; break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(run_usage, "%s", argc - optind
		                       ? "one SESSION_DIR, please"
		                       : "which session? (SESSION_DIR missing)");
	if (o->regex && o->input_count)
		return cli_usage_error(run_usage, "--inputs or --input, not "
		                       "both");
	o->cfg.session_dir = argv[optind];
	return -1;
}

/* Click and the outputs, as the session says; no take yet. */
static enum rl_status setup(struct control *ctl, const struct run_options *o,
                            struct error *err)
{
	enum rl_status st = control_set_click(ctl,
	                                      control_settings(ctl)->click, err);
	if (st == RL_OK)
		st = cli_setup_scratch(ctl, o->scratch, o->scratch_offset, err);
	if (st == RL_OK)
		st = cli_connect_outputs(ctl, o->click_to, o->cue_to, err);
	return st;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested)
		;
}

/* OSC only: poll until asked to stop, then stop a take cleanly. */
static int run_headless(struct control *ctl)
{
	while (!stop_requested) {
		/* Failures are the log's (control_post()); a JACK server
		 * that went away is waited for, and the recorder starts
		 * again when one runs (control_config.reconnect). */
		control_lock(ctl);
		control_poll(ctl, NULL);
		cli_print_finished(ctl);
		control_unlock(ctl);
		sleep_ms(50);
	}
	control_lock(ctl);
	if (control_busy(ctl)) {
		control_stop(ctl, 0, NULL);
		control_unlock(ctl);
		/* Not under the lock: finishing a take takes a while and the
		 * OSC thread should keep answering (it reports "stopping"). */
		for (;;) {
			control_lock(ctl);
			control_poll(ctl, NULL);
			cli_print_finished(ctl);
			bool busy = control_busy(ctl);
			control_unlock(ctl);
			if (!busy)
				break;
			sleep_ms(50);
		}
	} else {
		control_unlock(ctl);
	}
	return 0;
}

static uint32_t osc_clients(void *ctx)
{
	return ctx ? osc_server_clients(ctx) : 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_options o = {
		.cfg = { .format = TAKE_FORMAT_PCM24, .reconnect = true },
		.osc = true,
	};
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0) {
		free(o.inputs);
		return rc;
	}
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The terminal (or the ssh session) went away: stop as cleanly. */
	sigaction(SIGHUP, &sa, NULL);

	struct error err;
	struct control *ctl = NULL;
	struct osc_server *osc = NULL;
	char **names = NULL;
	enum rl_status st = control_open(&o.cfg, &ctl, &err);
	if (st == RL_OK)
		st = cli_set_transport_mode(ctl, o.transport, &err);
	const char *const *sources = NULL;
	size_t count = 0;
	if (st == RL_OK)
		st = cli_choose_sources(ctl, o.inputs, o.input_count, o.regex,
		                        CLI_NO_INPUTS_FAIL, &sources, &count,
		                        &names, &err);
	if (st == RL_OK)
		st = cli_start_recorder(ctl, sources, count, &err);
	control_free_names(names);
	if (st == RL_OK)
		st = setup(ctl, &o, &err);
	/* --osc-port, else the session's setting, else 3819. */
	if (st == RL_OK && o.osc && !o.osc_cfg.port)
		o.osc_cfg.port = (uint16_t)control_settings(ctl)->osc_port;
	if (st == RL_OK && o.osc)
		st = osc_server_new(ctl, &o.osc_cfg, &osc, &err);
	if (st != RL_OK) {
		fprintf(stderr, "redlight: %s\n", err.message);
		control_close(ctl);
		free(o.inputs);
		return 1;
	}
	if (osc && o.headless)
		fprintf(stderr, "redlight: %s: OSC on UDP port %u\n",
		        o.cfg.session_dir, osc_server_port(osc));

	if (o.headless) {
		rc = run_headless(ctl);
	} else {
		/* The UI owns the terminal: messages go to its status line
		 * and SESSION/redlight.log. */
		control_lock(ctl);
		control_set_quiet(ctl, true);
		control_unlock(ctl);
		struct tui_config tc = {
			.stop = &stop_requested,
			.osc_clients = osc ? osc_clients : NULL,
			.osc_ctx = osc,
		};
		rc = tui_run(ctl, &tc);
		control_lock(ctl);
		control_set_quiet(ctl, false);
		control_unlock(ctl);
	}
	/* OSC first: nothing may call in while the recorder shuts down. */
	osc_server_free(osc);
	control_close(ctl);
	free(o.inputs);
	return rc;
}
