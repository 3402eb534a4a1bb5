/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * `redlight recover`: after a crash, make every take file readable in
 * full and mark the takes that were being recorded as recovered.
 */
#include "redlight/cli.h"
#include "redlight/session.h"
#include "redlight/session_lock.h"
#include "redlight/take_file.h"

#include <stdio.h>
#include <string.h>

/*
 * A crash leaves the session's lock behind. Clear it if its process is
 * really gone (checked again here); refuse while it runs. 0 or 1.
 */
static int clear_stale_lock(const char *dir)
{
	struct session_lock_info info;
	struct error err;
	enum rl_status st = session_lock_read(dir, &info, &err);
	if (st == RL_ERR_NOT_FOUND)
		return 0;
	bool readable = st == RL_OK;
	if (st != RL_OK && st != RL_ERR_FORMAT) {
		fprintf(stderr, "redlight: %s\n", err.message);
		return 1;
	}
	bool cleared = false;
	st = session_lock_clear_stale(dir, &cleared, &err);
	if (st == RL_ERR_LOCKED && readable) {
		/* Read again: the holder may have changed meanwhile. */
		if (session_lock_read(dir, &info, NULL) != RL_OK)
			readable = false;
		if (readable && !info.this_host)
			fprintf(stderr, "redlight: session %s in use by pid %ld "
			        "on host %s (redlight %s since %s): stop it first "
			        "(a process on another machine cannot be checked; "
			        "if it is gone, remove %s/%s)\n", dir,
			        (long)info.pid, info.host, info.what, info.since,
			        dir, SESSION_LOCK_FILE);
		else if (readable)
			fprintf(stderr, "redlight: session %s in use by pid %ld "
			        "(redlight %s since %s): stop it first\n", dir,
			        (long)info.pid, info.what, info.since);
	}
	if (st != RL_OK) {
		if (!(st == RL_ERR_LOCKED && readable))
			fprintf(stderr, "redlight: %s\n", err.message);
		return 1;
	}
	if (cleared && readable)
		fprintf(stderr, "redlight: cleared a stale lock left by pid %ld "
		        "(started %s)\n", (long)info.pid, info.since);
	else if (cleared)
		fprintf(stderr, "redlight: cleared an unreadable lock file "
		        "%s/%s\n", dir, SESSION_LOCK_FILE);
	return 0;
}

int cmd_recover(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: redlight recover SESSION_DIR\n", stderr);
		return 2;
	}
	struct session *s = NULL;
	struct session_lock *lock = NULL;
	struct error err;
	if (clear_stale_lock(argv[1]) != 0)
		return 1;
	if (session_open(argv[1], &s, &err) != RL_OK ||
	    session_lock_acquire(argv[1], "recover", &lock, &err) != RL_OK) {
		fprintf(stderr, "redlight: %s\n", err.message);
		session_free(s);
		return 1;
	}
	int status = 0;
	unsigned repaired_takes = 0;
	/* Folders of takes whose entry never reached session.json, 64 at
	 * a time (each call adopts what the ones before did not). */
	uint32_t adopted[64];
	size_t n_adopted = 64;
	while (n_adopted == 64) {
		if (session_adopt_take_dirs(s, adopted, 64, &n_adopted,
		                            &err) != RL_OK) {
			fprintf(stderr, "redlight: %s\n", err.message);
			status = 1;
		}
		for (size_t i = 0; i < n_adopted; i++) {
			const struct session_take *t =
				session_find_take(s, adopted[i]);
			printf("take %03u: not in session.json, adopted from "
			       "takes/%03u: %zu files, %llu frames on every "
			       "track\n", adopted[i], adopted[i],
			       t ? t->file_count : 0,
			       t ? (unsigned long long)t->length : 0ULL);
			repaired_takes++;
		}
	}
	for (size_t i = 0; i < s->take_count; i++) {
		struct session_take *t = &s->takes[i];
		if (t->complete)
			continue;
		uint64_t common = UINT64_MAX;
		unsigned repaired = 0;
		for (size_t k = 0; k < t->file_count; k++) {
			char path[SESSION_PATH_MAX + 8];
			snprintf(path, sizeof path, "%s/%s", s->dir,
			         t->files[k].path);
			struct take_file_recovery r;
			if (take_file_recover(path, &r, &err) != RL_OK) {
				fprintf(stderr, "redlight: %s\n", err.message);
				status = 1;
				continue;
			}
			repaired += r.repaired;
			if (r.frames_on_disk < common)
				common = r.frames_on_disk;
			session_scan_levels(path, &t->files[k]);
			printf("%s: %llu frames (header said %llu)%s\n", path,
			       (unsigned long long)r.frames_on_disk,
			       (unsigned long long)r.frames_in_header,
			       r.repaired ? ", repaired" : "");
		}
		/* Tracks were written one after the other, so after a crash
		 * their lengths differ by up to one drain block. Nothing is
		 * cut: the take's length is the part every track has. */
		t->length = common == UINT64_MAX ? 0 : common;
		t->complete = true;
		t->recovered = true;
		snprintf(t->end_reason, sizeof t->end_reason,
		         "recovered after a crash (%u files repaired)", repaired);
		printf("take %03u: recovered, %llu frames on every track\n",
		       t->number, (unsigned long long)t->length);
		repaired_takes++;
	}
	if (repaired_takes && session_save(s, &err) != RL_OK) {
		fprintf(stderr, "redlight: %s\n", err.message);
		status = 1;
	}
	if (!repaired_takes)
		printf("%s: nothing to recover\n", s->dir);
	session_free(s);
	session_lock_release(lock);
	return status;
}
