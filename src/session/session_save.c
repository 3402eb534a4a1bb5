/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Writing session.json: its text (session_json.c) written atomically
 * (temp file in the same directory, fsync, rename, fsync of the
 * directory), on the caller's thread or on the session's saver thread.
 *
 * Why a saver thread: the live recorder saves on its control thread,
 * under control_lock(), which every front-end's action takes -- the
 * record and stop of the next take too. A session of 1000 takes is 9 MB
 * of session.json, and the write, fsync and rename took 30 ms on a
 * healthy disk and have no bound on a slow or failing one. With the
 * saver, a save on the paths of a take (its entry before it starts, its
 * end, its markers, the levels) hands the text over and returns; the
 * thread writes it, and a newer text replaces one not written yet (it
 * holds everything the older one did). Saves that wait for the result
 * (session_save()) go through the same thread, so texts reach the disk
 * in the order they were made.
 */
#include "session_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum rl_status save_error(const char *file, const char *what,
                                 const char *path, int errnum,
                                 struct error *err)
{
	return error_set(err, rl_status_from_errno(errnum),
	                 "cannot save %s: %s %s: %s", file, what, path,
	                 strerror(errnum));
}

/* text (len bytes and a newline) becomes dir's session.json, `file`. */
static enum rl_status write_text(const char *dir, const char *file,
                                 const char *text, size_t text_len,
                                 struct error *err)
{
	char tmp[PATH_BUF + 32];
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", file, (long)getpid());

	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST) {
		/* Only a process with our pid uses this name, so an existing
		 * one was left by a crash of an earlier process that had the
		 * same pid: a half-written copy, never anyone's data. */
		if (unlink(tmp) == 0)
			fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			          0666);
	}
	if (fd < 0)
		return save_error(file, "cannot create", tmp, errno, err);

	int e = 0;
	const char *what = NULL;
	if (write_all(fd, text, text_len) != 0 ||
	    write_all(fd, "\n", 1) != 0) {
		e = errno;
		what = "cannot write";
	} else if (fsync(fd) != 0) {
		e = errno;
		what = "cannot fsync";
	}
	/* close() can report a deferred write error (NFS, quota): the data
	 * is not known to be on disk then, so it fails the save too. */
	if (close(fd) != 0 && !what) {
		e = errno;
		what = "cannot close";
	}
	if (!what && rename(tmp, file) != 0) {
		e = errno;
		what = "cannot rename";
	}
	if (what) {
		enum rl_status rc = save_error(file, what, tmp, e, err);
		unlink(tmp);
		return rc;
	}

	/* The rename is only durable once the directory entry is: without
	 * this a power cut can bring back the old session.json. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return save_error(file, "cannot open directory", dir, errno,
		                  err);
	/* Some file systems cannot fsync a directory (EINVAL); the rename
	 * is then as durable as they make it, which is not our error. */
	if (fsync(dfd) != 0 && errno != EINVAL) {
		e = errno;
		close(dfd);
		return save_error(file, "cannot fsync directory", dir, e,
		                  err);
	}
	close(dfd);
	return RL_OK;
}

/* ---------------------------------------------------------------------- */
/* The saver thread                                                       */

struct session_saver {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* to the thread: a text, or stop */
	pthread_cond_t done; /* from the thread: a write is over */
	char *dir, *file;
	/* Under lock: */
	char *text;          /* the newest text not taken yet, or NULL */
	size_t text_len;
	uint64_t text_seq;
	uint64_t made;       /* the newest save's number */
	uint64_t tried;      /* every save up to this one is over ... */
	uint64_t written;    /* ... and up to this one on disk */
	uint64_t failures;   /* writes that failed, and of them told */
	uint64_t failures_told;
	bool failing;        /* the last write failed */
	struct error error;  /* the last failure */
	bool stop;
};

static void *saver_main(void *arg)
{
	struct session_saver *sv = arg;
	pthread_mutex_lock(&sv->lock);
	for (;;) {
		while (!sv->text && !sv->stop)
			pthread_cond_wait(&sv->wake, &sv->lock);
		if (!sv->text)
			break; /* stopping, and everything given is written */
		char *text = sv->text;
		size_t len = sv->text_len;
		uint64_t seq = sv->text_seq;
		sv->text = NULL;
		pthread_mutex_unlock(&sv->lock);
		struct error e;
		enum rl_status st = write_text(sv->dir, sv->file, text, len, &e);
		free(text);
		pthread_mutex_lock(&sv->lock);
		sv->tried = seq;
		sv->failing = st != RL_OK;
		if (st == RL_OK) {
			sv->written = seq;
		} else {
			sv->failures++;
			sv->error = e;
		}
		pthread_cond_broadcast(&sv->done);
	}
	pthread_mutex_unlock(&sv->lock);
	return NULL;
}

enum rl_status session_saver_start(struct session *s, struct error *err)
{
	if (!s || !s->store)
		return error_set(err, RL_ERR_INVALID,
		                 "session_saver_start: no session");
	if (s->store->saver)
		return RL_OK;
	struct session_saver *sv = calloc(1, sizeof *sv);
	char file[PATH_BUF];
	session_file_path(s, file, sizeof file);
	if (sv) {
		sv->dir = strdup(s->dir);
		sv->file = strdup(file);
	}
	if (!sv || !sv->dir || !sv->file) {
		if (sv) {
			free(sv->dir);
			free(sv->file);
		}
		free(sv);
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&sv->lock, NULL);
	pthread_cond_init(&sv->wake, NULL);
	pthread_cond_init(&sv->done, NULL);
	int rc = pthread_create(&sv->thread, NULL, saver_main, sv);
	if (rc != 0) {
		pthread_cond_destroy(&sv->done);
		pthread_cond_destroy(&sv->wake);
		pthread_mutex_destroy(&sv->lock);
		free(sv->dir);
		free(sv->file);
		free(sv);
		return error_set(err, rl_status_from_errno(rc),
		                 "cannot start the thread that saves %s: %s",
		                 file, strerror(rc));
	}
	pthread_setname_np(sv->thread, "rl-save");
	s->store->saver = sv;
	return RL_OK;
}

/* Hand text over (the saver owns it now); its save number. */
static uint64_t submit(struct session_saver *sv, char *text, size_t len)
{
	pthread_mutex_lock(&sv->lock);
	free(sv->text); /* not written yet: this one holds all it did */
	sv->text = text;
	sv->text_len = len;
	uint64_t seq = sv->text_seq = ++sv->made;
	pthread_cond_signal(&sv->wake);
	pthread_mutex_unlock(&sv->lock);
	return seq;
}

/* Wait until save seq is over: RL_OK if it (or a newer one, which holds
 * everything it did) reached the disk, else the failure. */
static enum rl_status wait_written(struct session_saver *sv, uint64_t seq,
                                   struct error *err)
{
	pthread_mutex_lock(&sv->lock);
	while (sv->tried < seq)
		pthread_cond_wait(&sv->done, &sv->lock);
	enum rl_status st = RL_OK;
	if (sv->written < seq) {
		if (err)
			*err = sv->error;
		st = sv->error.status;
		/* The caller hears of it: not one for session_save_failed(). */
		sv->failures_told = sv->failures;
	}
	pthread_mutex_unlock(&sv->lock);
	return st;
}

void session_store_free(struct session *s)
{
	struct session_store *st = s->store;
	if (!st)
		return;
	struct session_saver *sv = st->saver;
	if (sv) {
		pthread_mutex_lock(&sv->lock);
		sv->stop = true;
		pthread_cond_signal(&sv->wake);
		pthread_mutex_unlock(&sv->lock);
		pthread_join(sv->thread, NULL);
		pthread_cond_destroy(&sv->done);
		pthread_cond_destroy(&sv->wake);
		pthread_mutex_destroy(&sv->lock);
		free(sv->dir);
		free(sv->file);
		free(sv);
	}
	session_json_cache_clear(&st->cache);
	free(st);
	s->store = NULL;
}

/* ---------------------------------------------------------------------- */
/* Saving                                                                 */

/* The text of s, with the store's cache if it has one. */
static enum rl_status make_text(const struct session *s, char *file,
                                size_t file_size, char **text, size_t *len,
                                struct error *err)
{
	if (!s)
		return error_set(err, RL_ERR_INVALID,
		                 "session_save: no session");
	session_file_path(s, file, file_size);
	return session_json_text(s, s->store ? &s->store->cache : NULL, file,
	                         text, len, err);
}

static struct session_saver *saver_of(const struct session *s)
{
	return s && s->store ? s->store->saver : NULL;
}

enum rl_status session_save(const struct session *s, struct error *err)
{
	char file[PATH_BUF];
	char *text;
	size_t len;
	enum rl_status st = make_text(s, file, sizeof file, &text, &len, err);
	if (st != RL_OK)
		return st;
	struct session_saver *sv = saver_of(s);
	if (sv)
		return wait_written(sv, submit(sv, text, len), err);
	st = write_text(s->dir, file, text, len, err);
	free(text);
	return st;
}

enum rl_status session_save_later(const struct session *s, uint64_t *seq,
                                  struct error *err)
{
	if (seq)
		*seq = 0;
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return session_save(s, err);
	char file[PATH_BUF];
	char *text;
	size_t len;
	enum rl_status st = make_text(s, file, sizeof file, &text, &len, err);
	if (st != RL_OK)
		return st;
	uint64_t n = submit(sv, text, len);
	if (seq)
		*seq = n;
	return RL_OK;
}

bool session_save_done(const struct session *s, uint64_t seq)
{
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return true;
	pthread_mutex_lock(&sv->lock);
	bool done = sv->tried >= seq;
	pthread_mutex_unlock(&sv->lock);
	return done;
}

bool session_save_wait(const struct session *s, uint64_t seq, int ms)
{
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return true;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sv->lock);
	while (sv->tried < seq &&
	       pthread_cond_timedwait(&sv->done, &sv->lock, &until) == 0)
		;
	bool done = sv->tried >= seq;
	pthread_mutex_unlock(&sv->lock);
	return done;
}

bool session_save_flush(const struct session *s, int ms)
{
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return true;
	pthread_mutex_lock(&sv->lock);
	uint64_t seq = sv->made;
	pthread_mutex_unlock(&sv->lock);
	return session_save_wait(s, seq, ms);
}

bool session_save_failed(const struct session *s, struct error *err)
{
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return false;
	pthread_mutex_lock(&sv->lock);
	bool news = sv->failures != sv->failures_told;
	if (news && err)
		*err = sv->error;
	sv->failures_told = sv->failures;
	pthread_mutex_unlock(&sv->lock);
	return news;
}

bool session_save_failing(const struct session *s)
{
	struct session_saver *sv = saver_of(s);
	if (!sv)
		return false;
	pthread_mutex_lock(&sv->lock);
	bool failing = sv->failing;
	pthread_mutex_unlock(&sv->lock);
	return failing;
}
