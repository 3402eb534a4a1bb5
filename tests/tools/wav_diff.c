/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wav-diff A.wav FROM_A B.wav FROM_B FRAMES [TOLERANCE [SCALE]]
 *
 * Compare FRAMES frames of mono file A starting at frame FROM_A with file
 * B starting at FROM_B, sample by sample (read as float). Frames before 0
 * or past the end of a file read as silence, so an offset comparison can
 * start before a file does. Exit 0 if every pair differs by at most
 * TOLERANCE (default 0: bit-identical) after B is multiplied by SCALE
 * (default 1: a level in a mix), else print the first mismatches
 * and exit 1. The end-to-end tests use it to prove that what redlight
 * played and recorded back is exactly what the tempo map says, shifted by
 * a known number of frames.
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

struct mono {
	float *data;
	long long frames;
};

static int load(const char *path, struct mono *m)
{
	SF_INFO info = { 0 };
	SNDFILE *f = sf_open(path, SFM_READ, &info);
	if (!f) {
		fprintf(stderr, "wav-diff: %s: %s\n", path, sf_strerror(NULL));
		return -1;
	}
	if (info.channels != 1) {
		fprintf(stderr, "wav-diff: %s: %d channels, want mono\n", path,
		        info.channels);
		sf_close(f);
		return -1;
	}
	m->frames = info.frames;
	m->data = malloc(((size_t)info.frames + 1) * sizeof *m->data);
	if (!m->data || sf_readf_float(f, m->data, info.frames) != info.frames) {
		fprintf(stderr, "wav-diff: %s: short read\n", path);
		sf_close(f);
		return -1;
	}
	sf_close(f);
	return 0;
}

static float at(const struct mono *m, long long i)
{
	return i >= 0 && i < m->frames ? m->data[i] : 0.0f;
}

int main(int argc, char **argv)
{
	if (argc < 6 || argc > 8) {
		fputs("usage: wav-diff A.wav FROM_A B.wav FROM_B FRAMES "
		      "[TOLERANCE [SCALE]]\n", stderr);
		return 2;
	}
	struct mono a = { 0 }, b = { 0 };
	if (load(argv[1], &a) || load(argv[3], &b))
		return 2;
	long long from_a = atoll(argv[2]), from_b = atoll(argv[4]);
	long long frames = atoll(argv[5]);
	double tol = argc >= 7 ? atof(argv[6]) : 0.0;
	double scale = argc == 8 ? atof(argv[7]) : 1.0;
	long long bad = 0, nonzero = 0;
	for (long long i = 0; i < frames; i++) {
		float x = at(&a, from_a + i);
		float y = (float)(at(&b, from_b + i) * scale);
		nonzero += x != 0.0f;
		if (fabs((double)x - (double)y) > tol) {
			if (bad < 5)
				fprintf(stderr, "wav-diff: frame %lld: %s[%lld] = "
				        "%.9g, %s[%lld] = %.9g\n", i, argv[1],
				        from_a + i, x, argv[3], from_b + i, y);
			bad++;
		}
	}
	printf("%lld frames compared, %lld differ, %lld non-zero in %s\n",
	       frames, bad, nonzero, argv[1]);
	free(a.data);
	free(b.data);
	/* Comparing silence with silence proves nothing. */
	return bad == 0 && nonzero > 0 ? 0 : 1;
}
