/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * transport-ctl: drive and inspect JACK's transport from the tests.
 *
 *   transport-ctl start | stop | locate FRAME
 *   transport-ctl wait-rolling SECONDS     exit 0 once it rolls
 *   transport-ctl check-bbt MAPFILE SECONDS
 *
 * check-bbt watches the transport for SECONDS while it rolls and checks
 * every position the timebase master publishes against the tempo map
 * itself: bar, beat, tick, meter and tempo must be exactly what
 * tempo_map says for that frame. Prints "N positions, M mismatches" and
 * exits 1 on any mismatch or if fewer than 10 BBT positions were seen.
 */
#include "redlight/tempo_map.h"

#include <jack/jack.h>
#include <jack/transport.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int check_bbt(jack_client_t *client, const char *mapfile,
                     double seconds)
{
	struct tempo_map *map = NULL;
	struct error err;
	if (tempo_map_load(mapfile, jack_get_sample_rate(client), &map,
	                   &err) != RL_OK) {
		fprintf(stderr, "transport-ctl: %s\n", err.message);
		return 1;
	}
	long seen = 0, bad = 0;
	jack_nframes_t last = UINT32_MAX;
	for (long i = 0; i < (long)(seconds * 100); i++, nap_ms(10)) {
		jack_position_t pos;
		if (jack_transport_query(client, &pos) != JackTransportRolling ||
		    !(pos.valid & JackPositionBBT) || pos.frame == last)
			continue;
		last = pos.frame;
		seen++;
		struct tempo_map_bbt bbt;
		struct tempo_map_beat beat;
		tempo_map_frame_to_bbt(map, pos.frame, &bbt);
		tempo_map_beat_at(map, pos.frame, &beat);
		double bpm = tempo_map_bpm_at(map, pos.frame) *
		             beat.denominator / 4.0;
		bool ok = pos.bar == bbt.bar && pos.beat == bbt.beat &&
		          pos.tick == bbt.tick &&
		          pos.beats_per_bar == (float)beat.beats_per_bar &&
		          pos.beat_type == (float)beat.denominator &&
		          fabs(pos.beats_per_minute - bpm) <= 1e-9 * bpm &&
		          pos.ticks_per_beat == TEMPO_MAP_TICKS_PER_BEAT;
		if (!ok) {
			if (bad < 5)
				fprintf(stderr, "transport-ctl: frame %u: JACK says "
				        "%d|%d|%d %g/%g %.6f bpm, the map %lld|%d|%d "
				        "%d/%d %.6f bpm\n", pos.frame, pos.bar,
				        pos.beat, pos.tick, pos.beats_per_bar,
				        pos.beat_type, pos.beats_per_minute,
				        (long long)bbt.bar, bbt.beat, bbt.tick,
				        beat.beats_per_bar, beat.denominator, bpm);
			bad++;
		}
	}
	tempo_map_free(map);
	printf("%ld positions, %ld mismatches\n", seen, bad);
	return bad == 0 && seen >= 10 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: transport-ctl start|stop|locate FRAME|"
		      "wait-rolling S|check-bbt MAP S\n", stderr);
		return 2;
	}
	jack_client_t *client = jack_client_open("transport-ctl",
	                                         JackNoStartServer, NULL);
	if (!client) {
		fputs("transport-ctl: no JACK server\n", stderr);
		return 1;
	}
	int rc = 0;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "start")) {
		jack_transport_start(client);
	} else if (!strcmp(cmd, "stop")) {
		jack_transport_stop(client);
	} else if (!strcmp(cmd, "locate") && argc == 3) {
		rc = jack_transport_locate(client,
		                           (jack_nframes_t)strtoul(argv[2], NULL, 10))
		     ? 1 : 0;
	} else if (!strcmp(cmd, "wait-rolling") && argc == 3) {
		rc = 1;
		for (long i = 0; i < (long)(atof(argv[2]) * 100) && rc; i++) {
			if (jack_transport_query(client, NULL) == JackTransportRolling)
				rc = 0;
			else
				nap_ms(10);
		}
	} else if (!strcmp(cmd, "check-bbt") && argc == 4) {
		rc = check_bbt(client, argv[2], atof(argv[3]));
	} else {
		fprintf(stderr, "transport-ctl: bad command '%s'\n", cmd);
		rc = 2;
	}
	jack_client_close(client);
	return rc;
}
