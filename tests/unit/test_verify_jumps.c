/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The verifier's own test, for the rules on where the source's counter
 * may jump: every end-to-end test and the benchmark trust verify-take to
 * tell an xrun upstream from a frame the recorder lost, so it must pass
 * what it should and fail what it should. Writes small synthetic takes
 * (three mono tracks of redlight-source's counter, bext like redlight's)
 * and runs the real verify-take on them.
 *
 * Usage: test_verify_jumps VERIFY_TAKE
 */
#include "check.h"
#include "redlight/sim_source.h"

#include <sndfile.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACKS 3
#define FRAMES 4096
#define PERIOD 32

static const char *verify;
/* Short enough for the file names below (else /tmp). */
static char dir[100];

/* A jump of the counter in one track: at frame `at` it moves on by
 * `by` frames more than it should. */
struct jump {
	int track; /* -1: every track */
	uint64_t at;
	uint64_t by;
};

static void write_take(const struct jump *jumps, size_t count)
{
	static float buf[FRAMES];
	for (int t = 0; t < TRACKS; t++) {
		uint64_t source = 1000; /* the source's clock at frame 0 */
		for (uint64_t i = 0; i < FRAMES; i++) {
			for (size_t j = 0; j < count; j++)
				if ((jumps[j].track < 0 || jumps[j].track == t) &&
				    jumps[j].at == i)
					source += jumps[j].by;
			sim_source_counter_fill(&buf[i], 1, source + i, (unsigned)t,
			                        SIM_COUNTER_24);
		}
		char path[128];
		snprintf(path, sizeof path, "%s/%02d-out_%d.wav", dir, t + 1, t + 1);
		SF_INFO info = { .samplerate = 48000, .channels = 1,
		                 .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24 };
		SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
		CHECK(sf != NULL);
		if (!sf)
			continue;
		SF_BROADCAST_INFO bi;
		memset(&bi, 0, sizeof bi);
		memcpy(bi.originator, "redlight", 8);
		CHECK(sf_command(sf, SFC_SET_BROADCAST_INFO, &bi, sizeof bi) == SF_TRUE);
		CHECK(sf_writef_float(sf, buf, FRAMES) == FRAMES);
		sf_close(sf);
	}
}

/* Run verify-take with the extra arguments (NULL-terminated); its exit
 * status, and its last line in `line`. */
static int run_verify(char *line, size_t size, ...)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)verify;
	va_list ap;
	va_start(ap, size);
	for (char *a; argc < 14 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc++] = dir;
	argv[argc] = NULL;

	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(verify, argv);
		_exit(127);
	}
	close(fds[1]);
	FILE *out = fdopen(fds[0], "r");
	line[0] = '\0';
	char buf[1024];
	while (out && fgets(buf, sizeof buf, out))
		snprintf(line, size, "%s", buf);
	if (out)
		fclose(out);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define EXPECT(rc_want, ...)                                                \
	do {                                                                \
		char line_[1024];                                           \
		int rc_ = run_verify(line_, sizeof line_, __VA_ARGS__, NULL); \
		if (rc_ != (rc_want))                                       \
			fprintf(stderr, "%s:%d: exit %d, want %d: %s",      \
			        __FILE__, __LINE__, rc_, rc_want, line_);   \
		CHECK(rc_ == (rc_want));                                    \
		strcpy(last, line_);                                        \
	} while (0)

static char last[1024];

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: test_verify_jumps VERIFY_TAKE\n", stderr);
		return 2;
	}
	verify = argv[1];
	if (!check_tmpdir(dir, sizeof dir, "verify_jumps"))
		return 1;

	/* Continuous: passes, strict or not. */
	write_take(NULL, 0);
	EXPECT(0, "--expect-tracks", "3");
	EXPECT(0, "--shared-jumps");
	CHECK(strstr(last, "shared_jumps=0 ") != NULL);

	/* One period jumped in every track at frame 1000, no marker. */
	struct jump all[] = { { -1, 1000, PERIOD } };
	write_take(all, 1);
	EXPECT(1, "--expect-tracks", "3");
	CHECK(strstr(last, "frame 1000") != NULL);
	/* On a marker, one period before it, one period after it. */
	EXPECT(0, "--jump-at", "1000");
	EXPECT(0, "--jump-at", "1032", "--jump-slack", "32");
	EXPECT(0, "--jump-at", "968", "--jump-slack", "32");
	/* Not two periods away, nor one period without the slack. */
	EXPECT(1, "--jump-at", "1064", "--jump-slack", "32");
	EXPECT(1, "--jump-at", "936", "--jump-slack", "32");
	EXPECT(1, "--jump-at", "1032");
	/* Shared by every track: accepted and counted. */
	EXPECT(0, "--shared-jumps");
	CHECK(strstr(last, "shared_jumps=1 ") != NULL);
	/* A marked jump is not counted as shared. */
	EXPECT(0, "--shared-jumps", "--jump-at", "1000");
	CHECK(strstr(last, "shared_jumps=0 ") != NULL);

	/* A block lost in one ring: a jump in one track only. */
	struct jump second[] = { { 1, 2000, PERIOD } };
	write_take(second, 1);
	EXPECT(1, "--shared-jumps");
	CHECK(strstr(last, "02-out_2.wav") != NULL);
	/* ... or only in the first track (the others lack it). */
	struct jump first[] = { { 0, 2000, PERIOD } };
	write_take(first, 1);
	EXPECT(1, "--shared-jumps");
	CHECK(strstr(last, "02-out_2.wav") != NULL);
	/* ... or in the last track only. */
	struct jump third[] = { { 2, 2000, PERIOD } };
	write_take(third, 1);
	EXPECT(1, "--shared-jumps");
	CHECK(strstr(last, "03-out_3.wav") != NULL);

	/* The same frame, a different size in one track. */
	struct jump sizes[] = { { 0, 1500, PERIOD }, { 1, 1500, PERIOD },
	                        { 2, 1500, 2 * PERIOD } };
	write_take(sizes, 3);
	EXPECT(1, "--shared-jumps");
	CHECK(strstr(last, "03-out_3.wav") != NULL);

	/* Two shared jumps and one of them marked. */
	struct jump two[] = { { -1, 700, PERIOD }, { -1, 3000, 3 * PERIOD } };
	write_take(two, 2);
	EXPECT(0, "--shared-jumps", "--jump-at", "3000");
	CHECK(strstr(last, "shared_jumps=1 ") != NULL);
	EXPECT(0, "--shared-jumps");
	CHECK(strstr(last, "shared_jumps=2 ") != NULL);

	check_rmtree(dir);
	return CHECK_DONE();
}
