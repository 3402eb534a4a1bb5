/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: OSC packets, through the very path a datagram takes in the
 * server (osc_handle_packet(): size checks, the bundle walk, the address
 * check, liblo's lo_message_deserialise(), the route table, the generic
 * argument step, the handlers and the actions they call), then one
 * feedback tick (subscriptions made by the input get their feedback
 * built and sent) and the control poll the recorder's main loop runs.
 * The input is one UDP datagram from a client on the loopback (allowed
 * to control).
 *
 * The recorder is real and started: control, engine, disk writer and
 * reader on the unit tests' test backend (tests/unit/test_backend.h),
 * whose thread runs the engine's cycles in real time on three frame-
 * counter sources -- no jackd. The session has the song's tempo map, so
 * positions with sections and bars mean something. The server is the
 * real one without its socket and thread (osc_server_prepare()): its
 * replies and feedback go nowhere (fd -1).
 *
 * After every packet the transport is stopped and the writer waited
 * for, so each input starts from a stopped recorder (takes, markers and
 * settings stay); once the session holds many takes and markers, the
 * whole recorder is made again in a fresh directory, so a long run does
 * not get slower and slower. A crash may still depend on an earlier
 * input: the state carried over is the session's.
 */
#include "fuzz_util.h"

#include "osc_internal.h"
#include "test_backend.h"

#include "redlight/actions.h"
#include "redlight/control.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#define RATE 48000
#define PERIOD 256
/* Recreate the recorder once its session holds this many takes plus
 * markers. */
#define REBUILD_AT 48

static const char song_map[] =
	"intro:    2 120\n"
	"verse1:   4 120 X.x.\n"
	"          2 120-140 X.x.\n"
	"chorus1:  4 140\n"
	"bridge:   2 3/4 140 0.5\n"
	"outro:    2 140-80\n";

static const struct test_source sources[] = {
	{ .name = "system:capture_1" },
	{ .name = "system:capture_2" },
	{ .name = "system:capture_3" },
};

static struct control *ctl;
static struct osc_server *server;
static struct sockaddr_storage from;
static socklen_t from_len;
static unsigned generation;
static char dir[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void start(void)
{
	char name[32], path[600];
	snprintf(name, sizeof name, "session-%u", generation++);
	fuzz_path(dir, sizeof dir, name);
	if (mkdir(dir, 0755) != 0)
		FUZZ_FAIL("mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/tempo.map", dir);
	fuzz_write_file(path, song_map, strlen(song_map));

	struct test_backend_config bc = {
		.sample_rate = RATE, .period = PERIOD,
		.cycle_us = PERIOD * 1000000 / RATE,
		.sources = sources, .source_count = 3,
	};
	test_backend_configure(&bc);
	struct control_config cc = {
		.session_dir = dir,
		.format = TAKE_FORMAT_PCM24,
		.buffer_seconds = 2.0,
	};
	struct error err;
	if (control_open(&cc, &ctl, &err) != RL_OK)
		FUZZ_FAIL("control_open: %s", err.message);
	control_set_quiet(ctl, true); /* the messages go to the log */
	const char *names[3] = { sources[0].name, sources[1].name,
		                 sources[2].name };
	if (control_start_with_sources(ctl, names, 3, &err) != RL_OK)
		FUZZ_FAIL("control_start_with_sources: %s", err.message);
	struct osc_config oc = { .read_only = "127.0.0.2" };
	if (osc_server_prepare(ctl, &oc, &server, &err) != RL_OK)
		FUZZ_FAIL("osc_server_prepare: %s", err.message);
}

static void stop(void)
{
	osc_server_free(server);
	server = NULL;
	control_close(ctl);
	ctl = NULL;
	fuzz_rm_rf(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A tablet on the loopback, as the dual-stack socket sees it: an
	 * IPv4-mapped IPv6 address. */
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)&from;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(9000);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a->sin6_addr);
	from_len = sizeof *a;
	start();
	atexit(stop);
	return 0;
}

/* Back to a stopped recorder with its files written; a fresh one once
 * the session has grown. */
static void settle(void)
{
	struct error err;
	(void)action_stop(ctl, &err);
	control_lock(ctl);
	control_wait_idle(ctl, NULL);
	control_poll(ctl, NULL);
	const struct session *s = control_session(ctl);
	bool grown = s->take_count + s->marker_count >= REBUILD_AT;
	control_unlock(ctl);
	if (grown) {
		stop();
		start();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* What recvfrom() leaves: the datagram, cut at the buffer's end
	 * (the length says how long it really was). */
	size_t copy = size < sizeof server->buf ? size : sizeof server->buf;
	memcpy(server->buf, data, copy);
	double now = osc_now();
	osc_handle_packet(server, size, &from, from_len, now);
	osc_tick(server, now);
	settle();
	return 0;
}
