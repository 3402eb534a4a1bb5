/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * render-click: write the click of a tempo map file to a WAV file, the
 * way `klick -W` does, so the two can be compared (tests/e2e/
 * klick_compare.sh, tests/tools/compare_onsets.c).
 *
 *   render-click MAPFILE OUT.wav [--rate R] [--sound beep|square|wood]
 *
 * Renders timeline frames [0, tempo_map_end_frame + click_length) with
 * click_render() in JACK-sized cycles into a mono 32-bit float WAV at
 * rate R (default 48000, like klick -W). The default sound is square,
 * like klick's default (-s 0). Unlike klick, the last beat's sound is
 * never cut at the map's end. Exit 0; errors go to stderr with exit 1
 * (2 for usage errors).
 */
#include "redlight/click.h"
#include "redlight/tempo_map.h"

#include <sndfile.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "render-click"
#define CYCLE 1024

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: " PROG " MAPFILE OUT.wav [--rate R] "
	        "[--sound beep|square|wood]\n"
	        "Render the click of a tempo map (klick's format) from frame "
	        "0 to the\nmap's end plus one sound length into a mono float "
	        "WAV file.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "sound", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long rate = 48000;
	enum click_builtin sound = CLICK_SQUARE;
	struct error err;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'r':
			rate = strtoul(optarg, &end, 10);
			if (*end || rate == 0 || rate > 1536000) {
				fprintf(stderr, PROG ": bad rate '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 's':
			if (click_builtin_from_name(optarg, &sound, &err)
			    != RL_OK) {
				fprintf(stderr, PROG ": %s\n", err.message);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	const char *map_path = argv[optind], *out_path = argv[optind + 1];

	struct tempo_map *map = NULL;
	struct click *click = NULL;
	SNDFILE *sf = NULL;
	int rc = 1;

	if (tempo_map_load(map_path, (uint32_t)rate, &map, &err) != RL_OK
	    || click_new_builtin(sound, (uint32_t)rate, &click, &err)
	       != RL_OK) {
		fprintf(stderr, PROG ": %s\n", err.message);
		goto out;
	}
	int64_t end = tempo_map_end_frame(map);
	if (end == INT64_MAX) {
		fprintf(stderr, PROG ": %s: the map is endless\n", map_path);
		goto out;
	}
	end += (int64_t)click_length(click);

	SF_INFO info = { .samplerate = (int)rate, .channels = 1,
	                 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	sf = sf_open(out_path, SFM_WRITE, &info);
	if (!sf) {
		fprintf(stderr, PROG ": %s: %s\n", out_path,
		        sf_strerror(NULL));
		goto out;
	}
	float buf[CYCLE];
	for (int64_t f = 0; f < end; f += CYCLE) {
		uint32_t n = end - f < CYCLE ? (uint32_t)(end - f) : CYCLE;
		memset(buf, 0, sizeof buf);
		click_render(click, map, f, n, 1.0f, buf);
		if (sf_writef_float(sf, buf, n) != n) {
			fprintf(stderr, PROG ": %s: %s\n", out_path,
			        sf_strerror(sf));
			goto out;
		}
	}
	rc = 0;
out:
	if (sf && sf_close(sf) != 0 && rc == 0) {
		fprintf(stderr, PROG ": %s: cannot close\n", out_path);
		rc = 1;
	}
	click_free(click);
	tempo_map_free(map);
	return rc;
}
