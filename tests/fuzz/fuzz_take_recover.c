/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: crash recovery of take files (take_file_recover(),
 * src/io/take_file_recover.c), the header walk of `redlight recover`.
 * The input is the file a crash (or anything else) left: written to the
 * scratch directory and recovered in place. A refusal must name the
 * file. A file recovered must stay recovered (a second pass changes
 * nothing and finds the same frames), and where libsndfile reads the
 * result it must find exactly the frames recovery said are there: the
 * promise of `redlight recover` is every whole frame on disk, readable.
 */
#include "fuzz_util.h"

#include "redlight/take_file.h"

#include <inttypes.h>
#include <sndfile.h>

static char path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof path, "01-take.wav");
	return 0;
}

/* libsndfile's frame count of the recovered file; -1 if it refuses. */
static sf_count_t sndfile_frames(void)
{
	SF_INFO info = { 0 };
	SNDFILE *sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return -1;
	sf_close(sf);
	return info.frames;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_write_file(path, data, size);
	struct take_file_recovery rec, again;
	struct error err;
	error_clear(&err);
	if (take_file_recover(path, &rec, &err) != RL_OK) {
		if (!strstr(err.message, path))
			FUZZ_FAIL("the error does not name the file: '%s'",
			          err.message);
		return 0;
	}
	if (take_file_recover(path, &again, &err) != RL_OK)
		FUZZ_FAIL("a recovered file fails a second recovery: %s",
		          err.message);
	if (again.repaired || again.frames_on_disk != rec.frames_on_disk)
		FUZZ_FAIL("a second recovery %s (%" PRIu64 " frames, then %"
		          PRIu64 ")", again.repaired ? "repaired it again"
		                                     : "found other frames",
		          rec.frames_on_disk, again.frames_on_disk);
	sf_count_t frames = sndfile_frames();
	if (frames >= 0 && (uint64_t)frames != rec.frames_on_disk)
		FUZZ_FAIL("recovered %" PRIu64 " frames, libsndfile reads %"
		          PRId64, rec.frames_on_disk, (int64_t)frames);
	return 0;
}
