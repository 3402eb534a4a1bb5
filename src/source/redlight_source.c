/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * redlight-source: a JACK client that plays a known signal on N output
 * ports. The end-to-end tests and the benchmark record it and prove the
 * files exact (the frame-counter signals, see sim_source.h); the demo
 * records the simulated band so the meters have something to show.
 *
 * The process callback only fills buffers: every allocation, port and
 * generator is set up before jack_activate(). The main thread waits for
 * SIGINT/SIGTERM, the --seconds limit or the server going away.
 */
#include "redlight/realtime.h"
#include "redlight/sim_source.h"

#include <jack/jack.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROG "redlight-source"
#define MAX_CHANNELS 1024

enum signal_kind {
	SIGNAL_COUNTER,
	SIGNAL_COUNTER16,
	SIGNAL_BAND,
	SIGNAL_SILENCE,
	SIGNAL_FULLSCALE,
};

struct options {
	const char *name;
	unsigned channels; /* 0 = default for the signal */
	enum signal_kind signal;
	const char *port_prefix; /* NULL = default for the signal */
	const char *ready_file;
	double seconds;          /* <= 0: run until a signal */
	unsigned long stall_every, stall_us; /* --stall, 0: never */
};

struct source {
	jack_client_t *client;
	unsigned channels;
	enum signal_kind signal;
	jack_port_t **ports;
	float **buffers;       /* this cycle's port buffers, for sim_band_fill */
	struct sim_band *band;
	uint32_t half_period;  /* fullscale square wave */

	/* Audio-thread state: JACK frame time of this cycle's first frame. */
	uint64_t frame;
	/* --stall: every stall_every-th cycle overruns by stall_us. */
	unsigned long stall_every, stall_us, cycles;

	/* Set by the JACK shutdown callback, read by main. */
	atomic_bool server_gone;
	char gone_reason[256];
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: " PROG " [--name CLIENT] [--channels N]\n"
	        "       [--signal counter|counter16|band|silence|fullscale]\n"
	        "       [--port-prefix PREFIX] [--ready-file PATH] [--seconds S]\n"
	        "\n"
	        "Plays a test signal on N JACK output ports PREFIX_1..PREFIX_N\n"
	        "(default out_1..out_N; with --signal band the instrument names).\n"
	        "  --name CLIENT       exact JACK client name (default " PROG ")\n"
	        "  --channels N        output ports (default 2, band: 9)\n"
	        "  --signal KIND       counter: 24-bit frame counter (default)\n"
	        "                      counter16: 16-bit frame counter\n"
	        "                      band: simulated band, 120 BPM\n"
	        "                      silence: digital zero\n"
	        "                      fullscale: +-1.0 square wave, 1 kHz\n"
	        "  --port-prefix P     port names P_1..P_N\n"
	        "  --ready-file PATH   written (atomically) once the client runs\n"
	        "  --seconds S         stop after S seconds (default: until\n"
	        "                      SIGINT/SIGTERM)\n"
	        "  --stall EVERY:US    tests only: every EVERY-th cycle, spin US\n"
	        "                      microseconds after reading JACK's clock,\n"
	        "                      as a thread the OS preempted would\n");
}

/* One line on stderr, the program's only way of reporting an error. */
__attribute__((format(printf, 1, 2)))
static void fail_line(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	char *end;

	if (!text || !*text || *text == '-' || *text == '+')
		return false;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_signal(const char *text, enum signal_kind *out)
{
	static const struct {
		const char *name;
		enum signal_kind kind;
	} kinds[] = {
		{ "counter", SIGNAL_COUNTER },
		{ "counter16", SIGNAL_COUNTER16 },
		{ "band", SIGNAL_BAND },
		{ "silence", SIGNAL_SILENCE },
		{ "fullscale", SIGNAL_FULLSCALE },
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(text, kinds[i].name) == 0) {
			*out = kinds[i].kind;
			return true;
		}
	}
	return false;
}

/* Returns 0, or the exit status (2 usage error; -1 = --help, exit 0). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "channels", required_argument, NULL, 'c' },
		{ "signal", required_argument, NULL, 's' },
		{ "port-prefix", required_argument, NULL, 'p' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 't' },
		{ "stall", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int ch;

	*o = (struct options){ .name = PROG, .signal = SIGNAL_COUNTER };
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "n:c:s:p:r:t:h", longopts,
	                         NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (!*optarg) {
				fail_line("--name: empty client name");
				return 2;
			}
			o->name = optarg;
			break;
		case 'c':
			if (!parse_uint(optarg, MAX_CHANNELS, &v) || v == 0) {
				fail_line("--channels: '%s' is not a number from 1 to %d",
				          optarg, MAX_CHANNELS);
				return 2;
			}
			o->channels = (unsigned)v;
			break;
		case 's':
			if (!parse_signal(optarg, &o->signal)) {
				fail_line("--signal: unknown signal '%s' (counter, "
				          "counter16, band, silence, fullscale)", optarg);
				return 2;
			}
			break;
		case 'p':
			if (!*optarg || strchr(optarg, ':')) {
				fail_line("--port-prefix: '%s' is empty or contains ':'",
				          optarg);
				return 2;
			}
			o->port_prefix = optarg;
			break;
		case 'r':
			o->ready_file = optarg;
			break;
		case 't':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->seconds > 0)
			    || !isfinite(o->seconds)) {
				fail_line("--seconds: '%s' is not a positive number",
				          optarg);
				return 2;
			}
			break;
		case 'S': {
			/* EVERY:US, both plain decimal numbers. */
			char every[32];
			const char *colon = strchr(optarg, ':');
			size_t len = colon ? (size_t)(colon - optarg) : 0;
			bool ok = colon && len < sizeof every;
			if (ok) {
				memcpy(every, optarg, len);
				every[len] = '\0';
				ok = parse_uint(every, 1000000, &o->stall_every) &&
				     o->stall_every > 0 &&
				     parse_uint(colon + 1, 10000000, &o->stall_us);
			}
			if (!ok) {
				fail_line("--stall: '%s' is not EVERY:MICROSECONDS",
				          optarg);
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return -1;
		default:
			fail_line("unknown option or missing value: %s "
			          "(see --help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fail_line("unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	if (o->channels == 0)
		o->channels = o->signal == SIGNAL_BAND ? 9 : 2;
	return 0;
}

/* --stall: spin (a busy client, never a sleep) on the vDSO clock. */
REALTIME static void stall(unsigned long us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((unsigned long)((b.tv_sec - a.tv_sec) * 1000000L +
	                       (b.tv_nsec - a.tv_nsec) / 1000) < us);
}

/*
 * The JACK process callback: one buffer fill per port, nothing else.
 * jack_port_get_buffer() is the documented RT-safe way to reach the port
 * memory; the generators are REALTIME themselves.
 */
REALTIME static int process(jack_nframes_t nframes, void *arg)
{
	struct source *s = arg;

	/* The counter is JACK's frame time, not a count of our own calls:
	 * a cycle the server skipped (an xrun) is then a jump in the
	 * signal, exactly where a real interface would have lost audio, and
	 * a recorder must show it as dropped frames at that place. */
	s->frame = jack_last_frame_time(s->client);
	if (s->stall_every && ++s->cycles % s->stall_every == 0)
		stall(s->stall_us);
	for (unsigned c = 0; c < s->channels; c++)
		s->buffers[c] = jack_port_get_buffer(s->ports[c], nframes);

	switch (s->signal) {
	case SIGNAL_COUNTER:
	case SIGNAL_COUNTER16: {
		enum sim_counter_bits bits = s->signal == SIGNAL_COUNTER16
		                             ? SIM_COUNTER_16 : SIM_COUNTER_24;
		for (unsigned c = 0; c < s->channels; c++)
			sim_source_counter_fill(s->buffers[c], nframes, s->frame, c,
			                        bits);
		break;
	}
	case SIGNAL_BAND:
		sim_band_fill(s->band, s->buffers, nframes);
		break;
	case SIGNAL_SILENCE:
		for (unsigned c = 0; c < s->channels; c++)
			memset(s->buffers[c], 0, nframes * sizeof(float));
		break;
	case SIGNAL_FULLSCALE:
		for (unsigned c = 0; c < s->channels; c++)
			sim_source_square_fill(s->buffers[c], nframes, s->frame,
			                       s->half_period);
		break;
	}
	return 0;
}

/* JACK thread, when the server closes us or dies. */
static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
	struct source *s = arg;

	(void)code;
	snprintf(s->gone_reason, sizeof s->gone_reason, "%s",
	         reason && *reason ? reason : "no reason given");
	atomic_store_explicit(&s->server_gone, true, memory_order_release);
}

/*
 * libjack reports trouble in several lines of its own (a failed open, the
 * server going away, closing a dead client). The contract of this program
 * is one line per error, so they are swallowed; the first one is kept for
 * the message when jack_client_open() fails for an unexpected reason.
 * Only main writes it, while opening; once the client is open, calls from
 * JACK threads leave it alone.
 */
static char jack_first_error[256];
static atomic_bool jack_opened;

static void jack_error_quiet(const char *msg)
{
	if (atomic_load_explicit(&jack_opened, memory_order_acquire))
		return;
	if (!jack_first_error[0])
		snprintf(jack_first_error, sizeof jack_first_error, "%s", msg);
}

static void jack_info_quiet(const char *msg)
{
	(void)msg;
}

/*
 * jackd2 answers a taken name with JackServerError, not JackNameNotUnique,
 * so ask the server with a throw-away client whether the name exists: that
 * is the one failure a test run is likely to hit (a source left running).
 */
static void explain_open_failure(const char *name, jack_status_t status)
{
	const char *server = getenv("JACK_DEFAULT_SERVER");
	jack_status_t probe_status = 0;
	jack_client_t *probe;
	char *uuid = NULL;

	if (status & JackNameNotUnique) {
		fail_line("JACK client name '%s' is already in use", name);
		return;
	}
	probe = jack_client_open(PROG "-probe", JackNoStartServer, &probe_status);
	if (!probe) {
		fail_line("cannot connect to the JACK server '%s' (is jackd "
		          "running?)", server ? server : "default");
		return;
	}
	uuid = jack_get_uuid_for_client_name(probe, name);
	if (uuid)
		fail_line("JACK client name '%s' is already in use", name);
	else
		fail_line("jack_client_open('%s') failed (status 0x%x)%s%s", name,
		          (unsigned)status, jack_first_error[0] ? ": " : "",
		          jack_first_error);
	jack_free(uuid);
	jack_client_close(probe);
}

static int open_client(struct source *s, const char *name)
{
	jack_status_t status = 0;
	int max_name = jack_client_name_size() - 1;

	if ((int)strlen(name) > max_name) {
		fail_line("client name '%s' is longer than JACK's limit of %d "
		          "characters", name, max_name);
		return 2;
	}
	jack_set_error_function(jack_error_quiet);
	jack_set_info_function(jack_info_quiet);
	/* Exact name: the tests address ports by "name:out_1", so a renamed
	 * client would silently record something else. No server start: a
	 * test must never end up on a default server with real hardware. */
	s->client = jack_client_open(name, JackNoStartServer | JackUseExactName,
	                             &status);
	if (!s->client) {
		explain_open_failure(name, status);
		return 1;
	}
	atomic_store_explicit(&jack_opened, true, memory_order_release);
	return 0;
}

static int register_ports(struct source *s, const struct options *o)
{
	size_t max_port = (size_t)jack_port_name_size() - 1
	                  - strlen(jack_get_client_name(s->client)) - 1;
	char name[512];

	for (unsigned c = 0; c < s->channels; c++) {
		if (o->port_prefix)
			snprintf(name, sizeof name, "%s_%u", o->port_prefix, c + 1);
		else if (s->signal == SIGNAL_BAND)
			sim_band_channel_name(c, name, sizeof name);
		else
			snprintf(name, sizeof name, "out_%u", c + 1);
		if (strlen(name) > max_port) {
			fail_line("port name '%s' is longer than JACK allows (%zu)",
			          name, max_port);
			return 2;
		}
		s->ports[c] = jack_port_register(s->client, name,
		                                 JACK_DEFAULT_AUDIO_TYPE,
		                                 JackPortIsOutput
		                                 | JackPortIsTerminal, 0);
		if (!s->ports[c]) {
			fail_line("cannot register JACK port '%s:%s'",
			          jack_get_client_name(s->client), name);
			return 1;
		}
	}
	return 0;
}

/*
 * Tell a waiting test that the ports exist and the signal flows: client
 * name, sample rate, then one full port name per line. Written to a temp
 * file and renamed, so a reader never sees half of it.
 */
static int write_ready_file(const struct source *s, const char *path)
{
	size_t len = strlen(path) + 32;
	char *tmp = malloc(len);
	FILE *f;

	if (!tmp) {
		fail_line("out of memory");
		return 1;
	}
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		fail_line("cannot create ready file '%s': %s", tmp, strerror(errno));
		free(tmp);
		return 1;
	}
	fprintf(f, "client %s\n", jack_get_client_name(s->client));
	fprintf(f, "sample_rate %u\n", (unsigned)jack_get_sample_rate(s->client));
	for (unsigned c = 0; c < s->channels; c++)
		fprintf(f, "port %s\n", jack_port_name(s->ports[c]));
	bool ok = !ferror(f);
	if (fclose(f) != 0)
		ok = false;
	if (!ok || rename(tmp, path) != 0) {
		fail_line("cannot write ready file '%s': %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return 1;
	}
	free(tmp);
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Only there so SIGINT/SIGTERM are not ignored when inherited as ignored
 * (a background job of a non-interactive shell): sigtimedwait() takes them
 * while they are blocked, so this never runs. */
static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Wait for SIGINT/SIGTERM, the deadline or the server going away. Returns
 * the exit status.
 */
static int run(struct source *s, const sigset_t *stop_signals, double seconds)
{
	double deadline = seconds > 0 ? now_seconds() + seconds : 0;

	for (;;) {
		/* A short timeout so the shutdown flag and deadline are seen
		 * promptly without a wake-up mechanism from the JACK thread. */
		struct timespec tick = { .tv_sec = 0, .tv_nsec = 50 * 1000 * 1000 };
		if (sigtimedwait(stop_signals, NULL, &tick) > 0)
			return 0;
		if (atomic_load_explicit(&s->server_gone, memory_order_acquire)) {
			fail_line("the JACK server shut down: %s", s->gone_reason);
			return 1;
		}
		if (deadline > 0 && now_seconds() >= deadline)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct source s = { 0 };
	sigset_t stop_signals;
	int rc = parse_options(argc, argv, &o);

	if (rc)
		return rc < 0 ? 0 : rc;

	/* Block the stop signals before libjack starts threads: they inherit
	 * the mask, so no signal ever lands on the audio thread, and main
	 * takes them synchronously with sigtimedwait(). */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	s.channels = o.channels;
	s.signal = o.signal;
	atomic_init(&s.server_gone, false);
	s.ports = calloc(s.channels, sizeof *s.ports);
	s.buffers = calloc(s.channels, sizeof *s.buffers);
	if (!s.ports || !s.buffers) {
		fail_line("out of memory");
		rc = 1;
		goto out;
	}

	rc = open_client(&s, o.name);
	if (rc)
		goto out;

	uint32_t rate = jack_get_sample_rate(s.client);
	s.half_period = rate / 2000 ? rate / 2000 : 1; /* 1 kHz */
	s.stall_every = o.stall_every;
	s.stall_us = o.stall_us;
	if (s.signal == SIGNAL_BAND) {
		s.band = sim_band_new(s.channels, rate);
		if (!s.band) {
			fail_line("cannot create the band (%u channels at %u Hz)",
			          s.channels, (unsigned)rate);
			rc = 1;
			goto out;
		}
	}
	rc = register_ports(&s, &o);
	if (rc)
		goto out;
	if (jack_set_process_callback(s.client, process, &s) != 0) {
		fail_line("cannot set the JACK process callback");
		rc = 1;
		goto out;
	}
	jack_on_info_shutdown(s.client, on_shutdown, &s);

	/* Best effort, like the recorder: keep what the audio thread touches
	 * out of swap. Without the privilege the signal still plays, a page
	 * fault just costs a cycle its deadline on a loaded machine. */
	(void)mlockall(MCL_CURRENT);

	if (jack_activate(s.client) != 0) {
		fail_line("cannot activate JACK client '%s'",
		          jack_get_client_name(s.client));
		rc = 1;
		goto out;
	}
	if (o.ready_file) {
		rc = write_ready_file(&s, o.ready_file);
		if (rc)
			goto out;
	}
	rc = run(&s, &stop_signals, o.seconds);

out:
	if (s.client) {
		/* After a server shutdown the client is dead, but closing it
		 * still frees libjack's side of it. */
		if (!atomic_load(&s.server_gone))
			jack_deactivate(s.client);
		jack_client_close(s.client);
	}
	sim_band_free(s.band);
	free(s.buffers);
	free(s.ports);
	return rc;
}
