/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests for the session lock: acquire/release, a lock held by this
 * process, stale locks (dead pid, pid reused by another program,
 * unparsable file), a live redlight elsewhere, another host's lock, and
 * that release never removes a lock that is not ours.
 * Standalone: exits non-zero if any check fails. Works in a fresh mkdtemp
 * directory under $TMPDIR (or /tmp), removed afterwards when all passed.
 */
#include "check.h"
#include "redlight/session_lock.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char root[512];
static char host[256];

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

/* A fresh session directory root/name. */
static void make_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", root, name);
	if (mkdir(out, 0777) != 0) {
		perror(out);
		exit(2);
	}
}

static void lock_file_of(char *out, size_t size, const char *dir)
{
	snprintf(out, size, "%s/%s", dir, SESSION_LOCK_FILE);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void read_text(const char *path, char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* Write a lock file for pid on host. */
static void write_lock(const char *dir, long pid, const char *on_host)
{
	char path[600], line[600];
	lock_file_of(path, sizeof path, dir);
	snprintf(line, sizeof line, "%ld %s 2026-11-22T10:00:00+0100 record\n",
	         pid, on_host);
	write_text(path, line);
}

/* The pid of a process that has exited and been reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* A child running `sleep 60` with argv[0] given; wait until its exec has
 * happened (its cmdline shows argv0). */
static pid_t sleeper(const char *argv0)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		execlp("sleep", argv0, "60", (char *)NULL);
		_exit(127);
	}
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	for (int i = 0; i < 500; i++) {
		read_text(path, buf, sizeof buf);
		if (!strcmp(buf, argv0))
			return pid;
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "sleeper %s did not start\n", argv0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	exit(2);
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */

static void test_acquire_release(void)
{
	char dir[600], path[700], text[1024], pidtext[32];
	struct error err = { 0 };
	struct session_lock *lock = NULL, *second = NULL;
	struct session_lock_info info;

	make_dir(dir, sizeof dir, "plain");
	lock_file_of(path, sizeof path, dir);
	snprintf(pidtext, sizeof pidtext, "pid %ld", (long)getpid());

	CHECK_STATUS(session_lock_read(dir, &info, &err), RL_ERR_NOT_FOUND,
	             &err);
	CHECK_OK(session_lock_acquire(dir, "record", &lock, &err), &err);
	CHECK(lock != NULL);
	CHECK(exists(path));

	/* The one line: "<pid> <host> <since> <what>\n". */
	read_text(path, text, sizeof text);
	char want_start[320];
	snprintf(want_start, sizeof want_start, "%ld %s ", (long)getpid(),
	         host);
	CHECK(!strncmp(text, want_start, strlen(want_start)));
	CHECK(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	CHECK(strstr(text, " record\n") != NULL);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(info.pid == getpid());
	CHECK_STR(info.host, host);
	CHECK_STR(info.what, "record");
	CHECK(strlen(info.since) >= 19 && info.since[4] == '-' &&
	      info.since[10] == 'T');
	CHECK(info.alive);
	CHECK(info.this_host);

	/* Our own lock counts as in use, even though this test program is
	 * not called redlight. */
	CHECK_STATUS(session_lock_acquire(dir, "takes", &second, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(second == NULL);
	CHECK_CONTAINS(err.message, "in use by redlight");
	CHECK_CONTAINS(err.message, pidtext);
	CHECK_CONTAINS(err.message, dir);
	CHECK_CONTAINS(err.message, "(record)");
	CHECK_CONTAINS(err.message, info.since);

	/* clear_stale leaves a live lock alone. */
	bool cleared = true;
	CHECK_STATUS(session_lock_clear_stale(dir, &cleared, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(!cleared);
	CHECK_CONTAINS(err.message, pidtext);
	CHECK(exists(path));

	session_lock_release(lock);
	CHECK(!exists(path));
	session_lock_release(NULL);

	/* Free again; "dir/" is the same directory. */
	char slashed[620];
	snprintf(slashed, sizeof slashed, "%s/", dir);
	CHECK_OK(session_lock_acquire(slashed, "new", &lock, &err), &err);
	CHECK(exists(path));
	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK_STR(info.what, "new");
	session_lock_release(lock);
	CHECK(!exists(path));

	/* A purpose must be one word. */
	lock = NULL;
	CHECK_STATUS(session_lock_acquire(dir, "two words", &lock, &err),
	             RL_ERR_INVALID, &err);
	CHECK_STATUS(session_lock_acquire(dir, "", &lock, &err),
	             RL_ERR_INVALID, &err);
	CHECK(lock == NULL);
	CHECK(!exists(path));
}

static void test_dead_pid_is_stale(void)
{
	char dir[600], path[700], pidtext[64];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;

	make_dir(dir, sizeof dir, "dead");
	lock_file_of(path, sizeof path, dir);
	pid_t pid = dead_pid();
	snprintf(pidtext, sizeof pidtext, "pid %ld", (long)pid);
	write_lock(dir, pid, host);

	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(info.pid == pid);
	CHECK(!info.alive);
	CHECK(info.this_host);
	CHECK_STR(info.since, "2026-11-22T10:00:00+0100");

	/* Reported, never taken over. */
	CHECK_STATUS(session_lock_acquire(dir, "record", &lock, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(lock == NULL);
	CHECK_CONTAINS(err.message, "stale");
	CHECK_CONTAINS(err.message, "redlight recover");
	CHECK_CONTAINS(err.message, pidtext);
	CHECK_CONTAINS(err.message, dir);
	CHECK_CONTAINS(err.message, "2026-11-22T10:00:00+0100");
	CHECK(exists(path));

	bool cleared = false;
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(cleared);
	CHECK(!exists(path));
	/* Nothing left behind by the clearing (no ".stale-" file). */
	char moved[760];
	snprintf(moved, sizeof moved, "%s.stale-%ld", path, (long)getpid());
	CHECK(!exists(moved));
	/* No lock: fine, nothing cleared. */
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(!cleared);

	CHECK_OK(session_lock_acquire(dir, "record", &lock, &err), &err);
	session_lock_release(lock);
	CHECK(!exists(path));
}

/* After a crash the pid may belong to another program by now. */
static void test_reused_pid_is_stale(void)
{
	char dir[600], path[700];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;

	make_dir(dir, sizeof dir, "reused");
	lock_file_of(path, sizeof path, dir);
	pid_t pid = sleeper("sleep");
	write_lock(dir, pid, host);

	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(info.pid == pid);
	CHECK(!info.alive);
	CHECK_STATUS(session_lock_acquire(dir, "record", &lock, &err),
	             RL_ERR_LOCKED, &err);
	CHECK_CONTAINS(err.message, "stale");
	CHECK_CONTAINS(err.message, "redlight recover");
	bool cleared = false;
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(cleared);
	CHECK(!exists(path));
	stop_child(pid);
}

/* A live process whose argv[0] is a redlight holds the lock. */
static void test_live_redlight_holds(void)
{
	char dir[600], path[700], pidtext[64];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;

	make_dir(dir, sizeof dir, "live");
	lock_file_of(path, sizeof path, dir);
	pid_t pid = sleeper("/usr/local/bin/redlight");
	snprintf(pidtext, sizeof pidtext, "redlight pid %ld", (long)pid);
	write_lock(dir, pid, host);

	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(info.alive);
	CHECK(info.this_host);
	CHECK_STATUS(session_lock_acquire(dir, "record", &lock, &err),
	             RL_ERR_LOCKED, &err);
	CHECK_CONTAINS(err.message, "in use by");
	CHECK_CONTAINS(err.message, pidtext);
	CHECK(!strstr(err.message, "stale"));
	bool cleared = true;
	CHECK_STATUS(session_lock_clear_stale(dir, &cleared, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(!cleared);
	CHECK(exists(path));

	/* Once it is gone, the same lock is stale. */
	stop_child(pid);
	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(!info.alive);
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(cleared);
	CHECK(!exists(path));
}

static void test_other_host(void)
{
	char dir[600], path[700];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;
	const char *other = "not-this-machine.example";

	make_dir(dir, sizeof dir, "otherhost");
	lock_file_of(path, sizeof path, dir);
	/* A pid that is dead here says nothing about the other machine. */
	pid_t pid = dead_pid();
	write_lock(dir, pid, other);

	CHECK_OK(session_lock_read(dir, &info, &err), &err);
	CHECK(!info.this_host);
	CHECK(!info.alive);
	CHECK_STR(info.host, other);
	CHECK_STATUS(session_lock_acquire(dir, "record", &lock, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(lock == NULL);
	CHECK_CONTAINS(err.message, "in use by redlight");
	CHECK_CONTAINS(err.message, other);
	bool cleared = true;
	CHECK_STATUS(session_lock_clear_stale(dir, &cleared, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(!cleared);
	CHECK_CONTAINS(err.message, other);
	CHECK(exists(path));
}

static void test_unparsable(void)
{
	static const char *const bad[] = {
		"garbage\n",
		"",
		"123 host 2026-11-22T10:00:00+0100\n",       /* 3 fields */
		"123 host 2026-11-22T10:00:00+0100 record",   /* no newline */
		"0 host 2026-11-22T10:00:00+0100 record\n",   /* pid 0 */
		"-5 host 2026-11-22T10:00:00+0100 record\n",
		"12x host 2026-11-22T10:00:00+0100 record\n",
		"123 host 2026-11-22T10:00:00+0100 record extra\n",
		"123  host 2026-11-22T10:00:00+0100 record\n",
		"123 host 2026-11-22T10:00:00+0100 record\n456 h s w\n",
		"99999999999999999999 host 2026 record\n",
	};
	char dir[600], path[700];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;

	make_dir(dir, sizeof dir, "unparsable");
	lock_file_of(path, sizeof path, dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(path, bad[i]);
		CHECK_STATUS(session_lock_read(dir, &info, &err),
		             RL_ERR_FORMAT, &err);
		CHECK_CONTAINS(err.message, path);
	}

	write_text(path, "garbage\n");
	CHECK_STATUS(session_lock_acquire(dir, "record", &lock, &err),
	             RL_ERR_LOCKED, &err);
	CHECK(lock == NULL);
	CHECK_CONTAINS(err.message, "stale");
	CHECK_CONTAINS(err.message, "redlight recover");
	CHECK_CONTAINS(err.message, path);
	CHECK(exists(path));
	bool cleared = false;
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(cleared);
	CHECK(!exists(path));

	/* A lock file that is a directory is reported, not removed. */
	CHECK(mkdir(path, 0777) == 0);
	CHECK_STATUS(session_lock_read(dir, &info, &err), RL_ERR_FORMAT, &err);
	CHECK_CONTAINS(err.message, path);
	CHECK(session_lock_clear_stale(dir, &cleared, &err) != RL_OK);
	CHECK(!cleared);
	CHECK(exists(path));
	rmdir(path);
}

/* Release removes only a lock file that is still ours. */
static void test_release_keeps_others(void)
{
	char dir[600], path[700], text[1024];
	struct error err = { 0 };
	struct session_lock *lock = NULL;

	make_dir(dir, sizeof dir, "others");
	lock_file_of(path, sizeof path, dir);
	pid_t other = dead_pid();
	char want[600];
	snprintf(want, sizeof want, "%ld %s 2026-11-22T10:00:00+0100 record\n",
	         (long)other, host);

	/* Overwritten in place with another pid. */
	CHECK_OK(session_lock_acquire(dir, "record", &lock, &err), &err);
	write_lock(dir, other, host);
	session_lock_release(lock);
	CHECK(exists(path));
	read_text(path, text, sizeof text);
	CHECK_STR(text, want);
	unlink(path);

	/* Cleared (by hand) and taken by someone else. */
	CHECK_OK(session_lock_acquire(dir, "record", &lock, &err), &err);
	unlink(path);
	write_lock(dir, other, host);
	session_lock_release(lock);
	CHECK(exists(path));
	read_text(path, text, sizeof text);
	CHECK_STR(text, want);
	unlink(path);

	/* Gone altogether: release is still fine. */
	CHECK_OK(session_lock_acquire(dir, "record", &lock, &err), &err);
	unlink(path);
	session_lock_release(lock);
	CHECK(!exists(path));
}

static void test_missing_dir(void)
{
	char dir[600], file[600];
	struct error err = { 0 };
	struct session_lock *lock = NULL;
	struct session_lock_info info;

	snprintf(dir, sizeof dir, "%s/no-such-session", root);
	CHECK(session_lock_acquire(dir, "record", &lock, &err) != RL_OK);
	CHECK(lock == NULL);
	CHECK_CONTAINS(err.message, dir);
	CHECK(!exists(dir));
	CHECK_STATUS(session_lock_read(dir, &info, &err), RL_ERR_NOT_FOUND,
	             &err);
	bool cleared = true;
	CHECK_OK(session_lock_clear_stale(dir, &cleared, &err), &err);
	CHECK(!cleared);

	snprintf(file, sizeof file, "%s/a-file", root);
	write_text(file, "x");
	CHECK(session_lock_acquire(file, "record", &lock, &err) != RL_OK);
	CHECK(lock == NULL);
	CHECK_CONTAINS(err.message, file);

	CHECK_STATUS(session_lock_acquire("", "record", &lock, &err),
	             RL_ERR_INVALID, &err);
}

int main(void)
{
	if (!check_tmpdir(root, sizeof root, "lock"))
		return 2;
	if (gethostname(host, sizeof host) != 0) {
		perror("gethostname");
		return 2;
	}
	host[sizeof host - 1] = '\0';

	test_acquire_release();
	test_dead_pid_is_stale();
	test_reused_pid_is_stale();
	test_live_redlight_holds();
	test_other_host();
	test_unparsable();
	test_release_keeps_others();
	test_missing_dir();

	if (check_failures) {
		fprintf(stderr, "test_session_lock: %d of %d checks failed "
		        "(files kept in %s)\n", check_failures, check_count,
		        root);
		return 1;
	}
	check_rmtree(root);
	printf("test_session_lock: all %d checks passed\n", check_count);
	return 0;
}
