/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fuzzer: crash recovery of take files (take_file_recover(),
 * src/io/take_file_recover.c), the header walk of `redlight recover`.
 * The input is the file a crash (or anything else) left: written to the
 * scratch directory and recovered in place. A refusal must name the
 * file. Recovery may only rewrite the size fields (RIFF, data, fact,
 * ds64) and cut a trailing partial frame: every other byte stays. A file
 * recovered must stay recovered (a second pass changes nothing and finds
 * the same frames), and where it repaired a file libsndfile reads, that
 * must find exactly the frames recovery said are there: the promise of
 * `redlight recover` is every whole frame on disk, readable.
 */
#include "fuzz_util.h"

#include "take_file_internal.h"

#include "redlight/take_file.h"

#include <inttypes.h>
#include <sndfile.h>

static char path[512];
static char layout_path[512];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof path, "01-take.wav");
	fuzz_path(layout_path, sizeof layout_path, "original.wav");
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

/* Is byte i inside a size field recovery may rewrite? */
static bool size_field(const struct wav_layout *lay, size_t i)
{
	uint64_t fact = lay->have_fact ? 4 : 0;
	uint64_t ds64 = lay->have_ds64 ? 24 : 0;
	uint64_t fields[][2] = {
		{ 4, 4 },
		{ lay->data_pos + 4, 4 },
		{ lay->fact_pos + 8, fact },
		{ lay->ds64_pos + 8, ds64 },
	};
	for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
		if (i >= fields[k][0] && i < fields[k][0] + fields[k][1])
			return true;
	return false;
}

/* Only size fields changed, and at most a partial frame cut off. */
static void check_untouched(const uint8_t *data, size_t size,
                            const struct wav_layout *lay)
{
	size_t got_size = 0;
	char *got = fuzz_read_file(path, &got_size);
	if (!got)
		FUZZ_FAIL("cannot read back %s", path);
	if (got_size > size || size - got_size >= lay->block_align)
		FUZZ_FAIL("%zu bytes became %zu (frames of %u bytes)", size,
		          got_size, (unsigned)lay->block_align);
	for (size_t i = 0; i < got_size; i++)
		if ((uint8_t)got[i] != data[i] && !size_field(lay, i))
			FUZZ_FAIL("recovery changed byte %zu (0x%02x to "
			          "0x%02x), not a size field", i, data[i],
			          (uint8_t)got[i]);
	free(got);
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
	/* It was read as a take file: the same walk says what is whose. */
	struct wav_layout lay;
	fuzz_write_file(layout_path, data, size);
	int fd = open(layout_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || take_file_parse_layout(fd, layout_path, size, &lay,
	                                     &err) != RL_OK)
		FUZZ_FAIL("recovered, but its layout does not parse");
	close(fd);
	check_untouched(data, size, &lay);
	if (take_file_recover(path, &again, &err) != RL_OK)
		FUZZ_FAIL("a recovered file fails a second recovery: %s",
		          err.message);
	if (again.repaired || again.frames_on_disk != rec.frames_on_disk)
		FUZZ_FAIL("a second recovery %s (%" PRIu64 " frames, then %"
		          PRIu64 ")", again.repaired ? "repaired it again"
		                                     : "found other frames",
		          rec.frames_on_disk, again.frames_on_disk);
	/* A repaired file is one whose frames recovery vouches for; one
	 * left alone (intact, or a foreign file with chunks after its
	 * audio) is whatever its header says, to libsndfile too. */
	sf_count_t frames = rec.repaired ? sndfile_frames() : -1;
	if (frames >= 0 && (uint64_t)frames != rec.frames_on_disk)
		FUZZ_FAIL("recovered %" PRIu64 " frames, libsndfile reads %"
		          PRId64, rec.frames_on_disk, (int64_t)frames);
	return 0;
}
