/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jack-floor PATTERN SECONDS: the floor under any recorder's cycle time
 * on this machine. A JACK client that does what every recorder must and
 * nothing more: one input port per output port matching PATTERN
 * (jack_get_ports' regular expression), connected to it, and in every
 * cycle it gets every port's buffer and reads every sample of it. It
 * times its process callback exactly as redlight's backend times its own
 * (CLOCK_MONOTONIC at entry and exit) and after SECONDS prints
 *
 *   floor: N inputs, C cycles, median M%, p99 P%, max X% of the period
 *
 * Used by scripts/bench next to redlight's own figures: whatever part of
 * a p99 this client has too is the server, the scheduler and the host,
 * not the recorder. A benchmark tool, not a test.
 */
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static jack_client_t *client;
static jack_port_t **ports;
static size_t port_count;
static uint32_t *cycle_ns; /* one per cycle, preallocated */
static size_t cycle_cap;
static atomic_bool counting;   /* set once every connection is made */
static atomic_bool server_gone;
static _Atomic size_t cycles;  /* written by the audio thread only */
static volatile float sink;    /* keeps the reads from being optimized out */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int process(jack_nframes_t nframes, void *arg)
{
	(void)arg;
	uint64_t t0 = now_ns();
	float acc = 0.0f;
	for (size_t p = 0; p < port_count; p++) {
		const float *in = jack_port_get_buffer(ports[p], nframes);
		for (jack_nframes_t i = 0; i < nframes; i++)
			acc += in[i];
	}
	sink = acc;
	uint64_t dt = now_ns() - t0;
	size_t c = atomic_load_explicit(&cycles, memory_order_relaxed);
	if (atomic_load_explicit(&counting, memory_order_relaxed) &&
	    c < cycle_cap) {
		cycle_ns[c] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
		atomic_store_explicit(&cycles, c + 1, memory_order_release);
	}
	return 0;
}

static void on_shutdown(void *arg)
{
	(void)arg;
	atomic_store(&server_gone, true);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: jack-floor PATTERN SECONDS\n", stderr);
		return 2;
	}
	double seconds = atof(argv[2]);
	client = jack_client_open("jack-floor", JackNoStartServer, NULL);
	if (!client) {
		fputs("jack-floor: no JACK server\n", stderr);
		return 1;
	}
	const char **sources = jack_get_ports(client, argv[1],
	                                      JACK_DEFAULT_AUDIO_TYPE,
	                                      JackPortIsOutput);
	while (sources && sources[port_count])
		port_count++;
	if (port_count == 0) {
		fprintf(stderr, "jack-floor: no output port matches '%s'\n", argv[1]);
		return 1;
	}
	jack_nframes_t rate = jack_get_sample_rate(client);
	jack_nframes_t period = jack_get_buffer_size(client);
	cycle_cap = (size_t)(seconds * rate / period) + 1;
	ports = calloc(port_count, sizeof *ports);
	cycle_ns = calloc(cycle_cap, sizeof *cycle_ns);
	if (!ports || !cycle_ns) {
		fputs("jack-floor: out of memory\n", stderr);
		return 1;
	}
	for (size_t p = 0; p < port_count; p++) {
		char name[32];
		snprintf(name, sizeof name, "in_%zu", p + 1);
		ports[p] = jack_port_register(client, name, JACK_DEFAULT_AUDIO_TYPE,
		                              JackPortIsInput, 0);
		if (!ports[p]) {
			fprintf(stderr, "jack-floor: cannot register %s\n", name);
			return 1;
		}
	}
	/* As redlight does: nothing the callback touches may page-fault. */
	memset(cycle_ns, 0, cycle_cap * sizeof *cycle_ns);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	jack_set_process_callback(client, process, NULL);
	jack_on_shutdown(client, on_shutdown, NULL);
	if (jack_activate(client) != 0) {
		fputs("jack-floor: cannot activate\n", stderr);
		return 1;
	}
	for (size_t p = 0; p < port_count; p++) {
		if (jack_connect(client, sources[p], jack_port_name(ports[p])) != 0) {
			fprintf(stderr, "jack-floor: cannot connect %s\n", sources[p]);
			return 1;
		}
	}
	jack_free(sources);
	/* Count from the first cycle with every connection made. */
	atomic_store(&counting, true);
	while (atomic_load_explicit(&cycles, memory_order_acquire) < cycle_cap) {
		if (atomic_load(&server_gone)) {
			fputs("jack-floor: the JACK server went away\n", stderr);
			return 1;
		}
		usleep(20000);
	}
	jack_deactivate(client);
	jack_client_close(client);

	qsort(cycle_ns, cycle_cap, sizeof *cycle_ns, cmp_u32);
	double period_ns = (double)period * 1e9 / rate;
	double med = cycle_ns[cycle_cap / 2] * 100.0 / period_ns;
	double p99 = cycle_ns[(size_t)((double)cycle_cap * 0.99)] * 100.0 / period_ns;
	double max = cycle_ns[cycle_cap - 1] * 100.0 / period_ns;
	printf("floor: %zu inputs, %zu cycles, median %.2f%%, p99 %.2f%%, "
	       "max %.2f%% of the period\n",
	       port_count, cycle_cap, med, p99, max);
	return 0;
}
