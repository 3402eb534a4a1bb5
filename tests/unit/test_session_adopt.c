/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_adopt_take_dirs(): a take folder session.json does not name
 * (a crash between a take's start and the saver's write of its entry)
 * becomes a take again from its real take files: tracks from the file
 * names, start and date from bext, rate and format from the header, the
 * frames every track has; an empty folder or one without take files is
 * left alone; a folder with a file redlight could not have written is
 * reported by path and the others are adopted all the same.
 */
#include "check.h"

#include "redlight/session.h"
#include "redlight/take_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static char root[512];

/* A real take file (the disk writer's own writer) of `frames` frames. */
static void write_take_file(const char *dir, const char *name,
                            uint64_t time_reference, size_t frames)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct take_file_info info = {
		.path = path, .sample_rate = 48000, .channels = 1,
		.format = TAKE_FORMAT_PCM24, .time_reference = time_reference,
		.description = "test",
	};
	struct take_file *tf = NULL;
	struct error err;
	CHECK_OK(take_file_create(&info, &tf, &err), &err);
	if (!tf)
		return;
	float buf[1000];
	for (size_t i = 0; i < 1000; i++)
		buf[i] = 0.25f * (float)((i % 100) / 50.0 - 1.0);
	for (size_t done = 0; done < frames;) {
		size_t n = frames - done < 1000 ? frames - done : 1000;
		CHECK_OK(take_file_write(tf, buf, n, &err), &err);
		done += n;
	}
	CHECK_OK(take_file_close(tf, &err), &err);
}

static void make_dir(const char *base, const char *name, char *out,
                     size_t size)
{
	snprintf(out, size, "%s/%s", base, name);
	CHECK(mkdir(out, 0777) == 0);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_adopt(void)
{
	char dir[600], d[800];
	struct error err = { 0 };
	struct session *s = NULL;
	snprintf(dir, sizeof dir, "%s/adopt", root);
	CHECK_OK(session_open(dir, &s, &err), &err);
	REQUIRE(s);
	s->sample_rate = 48000;
	CHECK_OK(session_add_track(s, "kick", "system:capture_1", NULL, &err),
	         &err);
	CHECK_OK(session_add_track(s, "snare", "system:capture_2", NULL, &err),
	         &err);
	/* Take 1: in session.json already. */
	uint32_t n;
	CHECK_OK(session_reserve_take(s, &n, NULL, 0, &err), &err);
	struct session_take_file f1 = { .track = 1, .peak_dbfs = -6.0 };
	snprintf(f1.track_name, sizeof f1.track_name, "kick");
	snprintf(f1.path, sizeof f1.path, "takes/001/01-kick.wav");
	struct session_take t1 = { .number = 1, .length = 100,
	                           .sample_rate = 48000, .complete = true,
	                           .files = &f1, .file_count = 1 };
	snprintf(d, sizeof d, "%s/takes/001", dir);
	write_take_file(d, "01-kick.wav", 0, 100);
	CHECK_OK(session_put_take(s, &t1, &err), &err);
	CHECK_OK(session_save(s, &err), &err);

	/* Take 2: its folder and files, no entry; the tracks stopped a
	 * drain block apart, the second file named as an old track name. */
	make_dir(dir, "takes/002", d, sizeof d);
	write_take_file(d, "02-snare-old.wav", 96000, 4000);
	write_take_file(d, "01-kick.wav", 96000, 4800);
	write_text(d, "notes.txt", "not a take file\n");
	/* 3: empty. 4: no take file. 5: a take file that is not one. */
	make_dir(dir, "takes/003", d, sizeof d);
	make_dir(dir, "takes/004", d, sizeof d);
	write_text(d, "readme", "x\n");
	make_dir(dir, "takes/005", d, sizeof d);
	write_text(d, "01-kick.wav", "this is no WAV file at all\n");

	uint32_t got[8];
	size_t count = 99;
	enum rl_status st = session_adopt_take_dirs(s, got, 8, &count, &err);
	CHECK(st != RL_OK);
	CHECK_MSG(strstr(err.message, "takes/005/01-kick.wav"), "%s",
	          err.message);
	CHECK_EQ_U64(count, 1);
	CHECK_EQ_U64(count ? got[0] : 0, 2);
	CHECK(session_find_take(s, 3) == NULL);
	CHECK(session_find_take(s, 4) == NULL);
	CHECK(session_find_take(s, 5) == NULL);
	const struct session_take *t = session_find_take(s, 2);
	REQUIRE_OR(t, session_free(s));
	CHECK(t->complete && t->recovered && !t->discarded);
	CHECK(strstr(t->end_reason, "found in takes/002, not in "
	                            "session.json"));
	CHECK_EQ_U64(t->start_frame, 96000);
	CHECK_EQ_U64(t->length, 4000);
	CHECK_EQ_U64(t->sample_rate, 48000);
	CHECK(t->format == TAKE_FORMAT_PCM24);
	CHECK(t->started_at[0] >= '2' && strchr(t->started_at, 'T'));
	CHECK_EQ_U64(t->file_count, 2);
	if (t->file_count == 2) {
		CHECK_EQ_U64(t->files[0].track, 1);
		CHECK_STR(t->files[0].track_name, "kick");
		CHECK_STR(t->files[0].path, "takes/002/01-kick.wav");
		CHECK_EQ_U64(t->files[1].track, 2);
		CHECK_STR(t->files[1].track_name, "snare"); /* the track now */
		CHECK_STR(t->files[1].path, "takes/002/02-snare-old.wav");
		CHECK_NEAR(t->files[0].peak_dbfs, 20 * log10(0.25), 0.01);
		CHECK(!t->files[0].keeper && !t->files[1].keeper);
	}
	/* Saved and read back; a second pass finds nothing more. */
	CHECK_OK(session_save(s, &err), &err);
	session_free(s);
	s = NULL;
	CHECK_OK(session_open(dir, &s, &err), &err);
	REQUIRE(s);
	CHECK(session_find_take(s, 2) != NULL);
	CHECK(session_adopt_take_dirs(s, got, 8, &count, &err) != RL_OK);
	CHECK_EQ_U64(count, 0);
	session_free(s);
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "session_adopt"))
		return 2;
	test_adopt();
	if (check_failures) {
		fprintf(stderr, "test_session_adopt: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        root);
		return 1;
	}
	check_rmtree(root);
	printf("test_session_adopt: all %d checks passed\n", check_count);
	return 0;
}
