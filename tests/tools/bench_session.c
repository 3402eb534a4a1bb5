/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench-session DIR [--takes N]: what session.json costs in a big
 * session (scripts/bench --long-session-only; DIR is a scratch copy,
 * it is written to). Prints, in ms:
 *   open:  session_open() + session_free(), median of 5;
 *   first save: the first save after opening (every take's text made);
 *   per take: N takes added one after the other as the recorder adds
 *     them (a copy of the newest, one number up), each saved with
 *     session_save_later() -- what the control thread spends (the text,
 *     handed to the saver) and then how long the saver thread's write
 *     took (write, fsync, rename, fsync of the directory) -- median and
 *     max of each.
 */
#include "redlight/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n ? v[n / 2] : 0;
}

static int fail(const struct error *err)
{
	fprintf(stderr, "bench-session: %s\n", err->message);
	return 1;
}

int main(int argc, char **argv)
{
	int takes = 20;
	if (argc == 4 && !strcmp(argv[2], "--takes"))
		takes = atoi(argv[3]);
	if ((argc != 2 && argc != 4) || takes < 1 || takes > 1000) {
		fputs("usage: bench-session DIR [--takes N]\n", stderr);
		return 2;
	}
	struct error err;
	struct session *s = NULL;
	double open_ms[5];
	for (int i = 0; i < 5; i++) {
		double t0 = now_ms();
		if (session_open(argv[1], &s, &err) != RL_OK)
			return fail(&err);
		size_t n = s->take_count;
		session_free(s);
		open_ms[i] = now_ms() - t0;
		if (i == 0)
			printf("session: %zu takes\n", n);
	}
	printf("open: %.1f ms\n", median(open_ms, 5));

	if (session_open(argv[1], &s, &err) != RL_OK ||
	    session_saver_start(s, &err) != RL_OK)
		return fail(&err);
	if (!s->take_count) {
		fputs("bench-session: the session has no take\n", stderr);
		session_free(s);
		return 1;
	}
	double t0 = now_ms();
	if (session_save(s, &err) != RL_OK)
		return fail(&err);
	printf("first save: %.1f ms (every take's text made, written)\n",
	       now_ms() - t0);

	double *control = calloc((size_t)takes, sizeof *control);
	double *write = calloc((size_t)takes, sizeof *write);
	double cmax = 0, wmax = 0;
	for (int i = 0; control && write && i < takes; i++) {
		struct session_take t = s->takes[s->take_count - 1];
		t.number++;
		t.discarded = false;
		t.trash_dir[0] = '\0';
		for (size_t k = 0; k < t.file_count; k++)
			t.files[k].keeper = false;
		/* session_put_take() copies it: the newest's arrays are only
		 * read. The keeper flags are put back below. */
		struct session_take_file *files = t.files;
		t.files = malloc(t.file_count * sizeof *files);
		if (!t.files)
			break;
		memcpy(t.files, s->takes[s->take_count - 1].files,
		       t.file_count * sizeof *files);
		for (size_t k = 0; k < t.file_count; k++) {
			t.files[k].keeper = false;
			snprintf(t.files[k].path, sizeof t.files[k].path,
			         "takes/%03u/%02u-x.wav", t.number,
			         t.files[k].track);
		}
		double a = now_ms();
		uint64_t seq;
		if (session_put_take(s, &t, &err) != RL_OK ||
		    session_save_later(s, &seq, &err) != RL_OK)
			return fail(&err);
		double b = now_ms();
		session_save_wait(s, seq, 60000);
		double c = now_ms();
		free(t.files);
		if (session_save_failed(s, &err))
			return fail(&err);
		control[i] = b - a;
		write[i] = c - b;
		cmax = control[i] > cmax ? control[i] : cmax;
		wmax = write[i] > wmax ? write[i] : wmax;
	}
	printf("per take (%d takes added): control thread median %.2f ms, "
	       "max %.2f ms; saver's write median %.1f ms, max %.1f ms\n",
	       takes, median(control, takes), cmax, median(write, takes),
	       wmax);
	free(control);
	free(write);
	session_free(s);
	return 0;
}
