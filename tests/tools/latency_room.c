/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * latency-room PLAYBACK CAPTURE [--name NAME] [--ready-file FILE]
 *
 * A stand-in for the world outside the sound card, for the latency
 * compensation test: what arrives on NAME:in (the performer's headphone
 * feed) comes back on NAME:out (the performer's microphone) exactly
 * PLAYBACK + CAPTURE frames later. Like a real interface it reports the
 * two halves through JACK's latency API as the two ends of the chain:
 * NAME:in is a sink with playback latency PLAYBACK, NAME:out a source
 * with capture latency CAPTURE, and neither figure propagates through it
 * (jack_latent_client instead reports its delay in both directions,
 * which would count it twice in a loop).
 *
 * Runs until SIGINT/SIGTERM. The ready file is written once the ports
 * exist and the client is active.
 */
#include <jack/jack.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static jack_port_t *in_port, *out_port;
static float *delay_line;
static jack_nframes_t delay, pos;
static jack_nframes_t playback_latency, capture_latency;
static volatile sig_atomic_t quit;

static int process(jack_nframes_t nframes, void *arg)
{
	(void)arg;
	const float *in = jack_port_get_buffer(in_port, nframes);
	float *out = jack_port_get_buffer(out_port, nframes);
	if (playback_latency + capture_latency == 0) {
		memcpy(out, in, nframes * sizeof *out);
		return 0;
	}
	for (jack_nframes_t i = 0; i < nframes; i++) {
		out[i] = delay_line[pos];
		delay_line[pos] = in[i];
		pos = (pos + 1) % delay;
	}
	return 0;
}

static void latency(jack_latency_callback_mode_t mode, void *arg)
{
	(void)arg;
	if (mode == JackPlaybackLatency) {
		jack_latency_range_t r = { playback_latency, playback_latency };
		jack_port_set_latency_range(in_port, mode, &r);
	} else {
		jack_latency_range_t r = { capture_latency, capture_latency };
		jack_port_set_latency_range(out_port, mode, &r);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

int main(int argc, char **argv)
{
	const char *name = "room", *ready = NULL;
	if (argc < 3) {
		fputs("usage: latency-room PLAYBACK CAPTURE [--name NAME] "
		      "[--ready-file FILE]\n", stderr);
		return 2;
	}
	playback_latency = (jack_nframes_t)strtoul(argv[1], NULL, 10);
	capture_latency = (jack_nframes_t)strtoul(argv[2], NULL, 10);
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--name"))
			name = argv[i + 1];
		else if (!strcmp(argv[i], "--ready-file"))
			ready = argv[i + 1];
	}
	delay = playback_latency + capture_latency;
	if (delay == 0)
		delay = 1; /* unused: process() passes straight through */
	delay_line = calloc(delay, sizeof *delay_line);
	jack_client_t *client = jack_client_open(name, JackNoStartServer, NULL);
	if (!client || !delay_line) {
		fprintf(stderr, "latency-room: cannot open JACK client\n");
		return 1;
	}
	in_port = jack_port_register(client, "in", JACK_DEFAULT_AUDIO_TYPE,
	                             JackPortIsInput | JackPortIsTerminal, 0);
	out_port = jack_port_register(client, "out", JACK_DEFAULT_AUDIO_TYPE,
	                              JackPortIsOutput | JackPortIsTerminal, 0);
	if (!in_port || !out_port ||
	    jack_set_process_callback(client, process, NULL) ||
	    jack_set_latency_callback(client, latency, NULL) ||
	    jack_activate(client)) {
		fprintf(stderr, "latency-room: cannot set up ports\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	while (!quit)
		usleep(50000);
	jack_deactivate(client);
	jack_client_close(client);
	free(delay_line);
	return 0;
}
