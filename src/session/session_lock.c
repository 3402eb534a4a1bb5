/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One process per session: SESSION/.redlight.lock names its holder.
 *
 * The file is created with O_EXCL (the atomic part) and then gets its one
 * line "<pid> <host> <since> <what>\n", fsynced. A reader may therefore
 * meet a lock file that is still empty for a moment: an unparsable lock
 * is read again for half a second before it is judged (stale).
 *
 * Whether the holder is alive is decided on this host only: the pid exists
 * (kill(pid, 0) succeeds or says EPERM) and /proc/<pid>/cmdline's argv[0]
 * is a redlight (basename starting with "redlight"), so a pid reused by
 * another program after a crash does not keep the session locked. When
 * that cannot be told (no /proc, cmdline not readable) the holder counts
 * as alive: a lock is only ever called stale when it certainly is.
 */
#include "redlight/session_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest lock file we read: the line is at most ~340 bytes. */
#define LOCK_READ_MAX 1024
/* Session directory path plus "/.redlight.lock.stale-<pid>". */
#define LOCK_PATH_BUF 4200
/* How often, and how far apart, an unparsable lock is read again. */
#define SETTLE_TRIES 10
#define SETTLE_MS 50

struct session_lock {
	char path[LOCK_PATH_BUF];
	pid_t pid;
	dev_t dev;
	ino_t ino;
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

/* dir without trailing slashes (as session_open() does), so paths built
 * from it have no "//" and messages name the directory as the user typed
 * it. */
static enum rl_status clean_dir(const char *dir, char *out, size_t size,
                                struct error *err)
{
	if (!dir || !dir[0])
		return error_set(err, RL_ERR_INVALID,
		                 "session lock: no session directory given");
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len + sizeof "/" SESSION_LOCK_FILE ".stale-4294967295" > size)
		return error_set(err, RL_ERR_INVALID,
		                 "session directory path too long (%zu bytes)",
		                 len);
	memcpy(out, dir, len);
	out[len] = '\0';
	return RL_OK;
}

static void lock_path(const char *dir, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", dir, SESSION_LOCK_FILE);
}

/* This machine's name as it appears in a lock file: one word. */
static void this_hostname(char *out, size_t size)
{
	if (gethostname(out, size) != 0 || !out[0])
		snprintf(out, size, "unknown-host");
	out[size - 1] = '\0';
	for (char *p = out; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '_';
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* Is pid a running redlight? See the top of the file. */
static bool process_is_redlight(pid_t pid)
{
	if (pid == getpid())
		return true;
	if (kill(pid, 0) != 0 && errno != EPERM)
		return false; /* ESRCH: no such process */
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Gone since kill(), unless /proc itself is missing. */
		if (errno == ENOENT || errno == ESRCH)
			return access("/proc/self/cmdline", R_OK) != 0;
		return true; /* cannot tell */
	}
	char buf[4096];
	ssize_t n;
	do {
		n = read(fd, buf, sizeof buf - 1);
	} while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return e != ESRCH;
	/* An empty cmdline: a zombie or a kernel thread, not a redlight. */
	buf[n] = '\0';
	const char *argv0 = buf;
	const char *slash = strrchr(argv0, '/');
	const char *base = slash ? slash + 1 : argv0;
	return strncmp(base, "redlight", 8) == 0;
}

/* One whitespace-free field of the lock line into out (size bytes with
 * the NUL). Returns the text after it or NULL. */
static const char *take_field(const char *p, char *out, size_t size)
{
	size_t n = strcspn(p, " \n");
	if (n == 0 || n >= size)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return p + n;
}

/* Parse "<pid> <host> <since> <what>\n". On failure says why. */
static bool parse_line(const char *buf, size_t len,
                       struct session_lock_info *info, const char **why)
{
	if (len == 0) {
		*why = "it is empty";
		return false;
	}
	if (strlen(buf) != len) {
		*why = "it contains a NUL byte";
		return false;
	}
	if (buf[len - 1] != '\n' || memchr(buf, '\n', len) != buf + len - 1) {
		*why = "expected one line ending in a newline";
		return false;
	}
	for (size_t i = 0; i < len - 1; i++) {
		if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f) {
			*why = "it contains control characters";
			return false;
		}
	}
	char pid_text[16];
	const char *p = take_field(buf, pid_text, sizeof pid_text);
	*why = "expected \"PID HOST SINCE WHAT\"";
	if (!p || *p != ' ')
		return false;
	p = take_field(p + 1, info->host, sizeof info->host);
	if (!p || *p != ' ')
		return false;
	p = take_field(p + 1, info->since, sizeof info->since);
	if (!p || *p != ' ')
		return false;
	p = take_field(p + 1, info->what, sizeof info->what);
	if (!p || *p != '\n')
		return false;
	char *end = NULL;
	errno = 0;
	long pid = strtol(pid_text, &end, 10);
	if (pid_text[0] < '1' || pid_text[0] > '9' || *end || errno ||
	    pid > 0x7fffffffL) {
		*why = "the pid is not a positive number";
		return false;
	}
	info->pid = (pid_t)pid;
	return true;
}

/*
 * Read and parse the lock file at path (dir for messages). Also returns
 * the file's identity in *st. NOT_FOUND if there is none.
 */
static enum rl_status read_lock(const char *dir, const char *path,
                                struct session_lock_info *info,
                                struct stat *st, struct error *err)
{
	memset(info, 0, sizeof *info);
	memset(st, 0, sizeof *st);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return error_set(err, RL_ERR_NOT_FOUND,
			                 "session %s has no lock file %s", dir,
			                 path);
		if (e == ELOOP) {
			if (lstat(path, st) != 0)
				memset(st, 0, sizeof *st);
			return error_set(err, RL_ERR_FORMAT,
			                 "lock file %s is a symbolic link, not "
			                 "a redlight lock", path);
		}
		return error_set(err, rl_status_from_errno(e),
		                 "cannot read lock file %s: %s", path,
		                 strerror(e));
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return error_set(err, RL_ERR_FORMAT,
		                 "lock file %s is not a regular file", path);
	}
	char buf[LOCK_READ_MAX + 1];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return error_set(err, rl_status_from_errno(e),
			                 "cannot read lock file %s: %s", path,
			                 strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	const char *why = NULL;
	if (len >= LOCK_READ_MAX) {
		why = "it is too long";
	} else if (!parse_line(buf, len, info, &why)) {
		memset(info, 0, sizeof *info);
	} else {
		char host[256];
		this_hostname(host, sizeof host);
		info->this_host = strcmp(host, info->host) == 0;
		/* A process on another machine cannot be checked. */
		info->alive = info->this_host && process_is_redlight(info->pid);
		return RL_OK;
	}
	return error_set(err, RL_ERR_FORMAT,
	                 "lock file %s is not a redlight lock: %s", path, why);
}

/* read_lock(), but an unparsable file is given a moment to be written:
 * its creator may be between open(O_EXCL) and write(). */
static enum rl_status read_settled(const char *dir, const char *path,
                                   struct session_lock_info *info,
                                   struct stat *st, struct error *err)
{
	enum rl_status rc = RL_OK;
	for (int i = 0; i < SETTLE_TRIES; i++) {
		if (i > 0)
			sleep_ms(SETTLE_MS);
		rc = read_lock(dir, path, info, st, err);
		if (rc != RL_ERR_FORMAT)
			return rc;
	}
	return rc;
}

static enum rl_status in_use_error(const char *dir,
                                   const struct session_lock_info *info,
                                   struct error *err)
{
	if (!info->this_host)
		return error_set(err, RL_ERR_LOCKED,
		                 "session %s is in use by redlight pid %ld on "
		                 "host %s (%s) since %s", dir, (long)info->pid,
		                 info->host, info->what, info->since);
	return error_set(err, RL_ERR_LOCKED,
	                 "session %s is in use by redlight pid %ld (%s) since "
	                 "%s", dir, (long)info->pid, info->what, info->since);
}

/* What session_lock_acquire() checks before it touches a file: a session
 * directory that exists (cleaned into dir, size bytes) and a purpose
 * that is one word. */
static enum rl_status check_acquire(const char *session_dir, const char *what,
                                    char *dir, size_t size,
                                    struct error *err)
{
	enum rl_status rc;

	if ((rc = clean_dir(session_dir, dir, size, err)))
		return rc;
	struct session_lock_info probe;
	if (!what || !what[0] || strlen(what) >= sizeof probe.what ||
	    what[strcspn(what, " \t\r\n\v\f")])
		return error_set(err, RL_ERR_INVALID,
		                 "session lock of %s: bad purpose \"%s\"", dir,
		                 what ? what : "");
	struct stat st;
	if (stat(dir, &st) != 0) {
		int e = errno;
		if (e == ENOENT)
			return error_set(err, RL_ERR_NOT_FOUND,
			                 "cannot lock session %s: the directory "
			                 "does not exist", dir);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot lock session %s: %s", dir,
		                 strerror(e));
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, RL_ERR_INVALID,
		                 "cannot lock session %s: not a directory", dir);
	return RL_OK;
}

/* Give the lock file just created as fd (at path, in dir) its line and
 * put it on disk; lock learns the file's identity. fd is closed either
 * way; on failure the file is removed again. */
static enum rl_status write_lock_file(int fd, const char *dir,
                                      const char *path, const char *what,
                                      struct session_lock *lock,
                                      struct error *err)
{
	char host[256], since[40], line[512];
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S%z", &tm);
	this_hostname(host, sizeof host);
	int n = snprintf(line, sizeof line, "%ld %s %s %s\n",
	                 (long)lock->pid, host, since, what);
	bool ok = n > 0 && (size_t)n < sizeof line &&
	          write_all(fd, line, (size_t)n);
	int e = errno;
	if (ok && fsync(fd) != 0) {
		ok = false;
		e = errno;
	}
	if (ok && fstat(fd, &st) != 0) {
		ok = false;
		e = errno;
	}
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		unlink(path);
		return error_set(err, rl_status_from_errno(e),
		                 "cannot write lock file %s of session %s: %s",
		                 path, dir, strerror(e));
	}
	lock->dev = st.st_dev;
	lock->ino = st.st_ino;
	return RL_OK;
}

/* Why the lock file found at path keeps session dir from being locked:
 * held by a live redlight (or one on another host), stale, or unreadable.
 * RL_ERR_NOT_FOUND, err untouched, if it has gone meanwhile: try again. */
static enum rl_status existing_lock_error(const char *dir, const char *path,
                                          struct error *err)
{
	struct session_lock_info info;
	struct stat st;
	struct error rerr;
	enum rl_status rc = read_settled(dir, path, &info, &st, &rerr);

	if (rc == RL_ERR_NOT_FOUND)
		return rc;
	if (rc == RL_ERR_FORMAT)
		return error_set(err, RL_ERR_LOCKED,
		                 "%s has a stale lock that cannot be read (%s) "
		                 "— did redlight crash? Run `redlight recover "
		                 "%s` to repair its files and clear the lock",
		                 dir, rerr.message, dir);
	if (rc != RL_OK)
		return error_set(err, rc, "%s", rerr.message);
	if (info.alive || !info.this_host)
		return in_use_error(dir, &info, err);
	return error_set(err, RL_ERR_LOCKED,
	                 "%s has a stale lock from pid %ld (started %s), "
	                 "which is no longer running — did it crash? Run "
	                 "`redlight recover %s` to repair its files and "
	                 "clear the lock", dir, (long)info.pid, info.since,
	                 dir);
}

/* ---------------------------------------------------------------------- */
/* API                                                                    */

enum rl_status session_lock_acquire(const char *session_dir, const char *what,
                                    struct session_lock **out,
                                    struct error *err)
{
	char dir[LOCK_PATH_BUF], path[LOCK_PATH_BUF];
	enum rl_status rc;

	if (out)
		*out = NULL;
	if (!out)
		return error_set(err, RL_ERR_INVALID,
		                 "session_lock_acquire: no output given");
	if ((rc = check_acquire(session_dir, what, dir, sizeof dir, err)))
		return rc;
	lock_path(dir, path, sizeof path);

	struct session_lock *lock = calloc(1, sizeof *lock);
	if (!lock)
		return error_set(err, RL_ERR_NOMEM, "%s: out of memory", path);
	snprintf(lock->path, sizeof lock->path, "%s", path);
	lock->pid = getpid();

	/* Each round either creates the file or finds one; a lock released
	 * between the two is tried again. */
	for (int round = 0; round < 5; round++) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
		              0644);
		if (fd < 0 && errno != EEXIST) {
			int e = errno;
			free(lock);
			return error_set(err, rl_status_from_errno(e),
			                 "cannot create lock file %s of session "
			                 "%s: %s", path, dir, strerror(e));
		}
		if (fd >= 0) {
			rc = write_lock_file(fd, dir, path, what, lock, err);
			if (rc != RL_OK) {
				free(lock);
				return rc;
			}
			fsync_dir(dir);
			*out = lock;
			return RL_OK;
		}
		rc = existing_lock_error(dir, path, err);
		if (rc == RL_ERR_NOT_FOUND)
			continue;
		free(lock);
		return rc;
	}
	free(lock);
	return error_set(err, RL_ERR_LOCKED,
	                 "cannot lock session %s: its lock file %s keeps "
	                 "appearing and disappearing", dir, path);
}

void session_lock_release(struct session_lock *lock)
{
	if (!lock)
		return;
	/* Only our own lock file is removed: same pid in it, same file. */
	struct session_lock_info info;
	struct stat st;
	char dir[LOCK_PATH_BUF];
	snprintf(dir, sizeof dir, "%s", lock->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (read_lock(dir, lock->path, &info, &st, NULL) == RL_OK &&
	    info.pid == lock->pid && info.this_host &&
	    st.st_dev == lock->dev && st.st_ino == lock->ino)
		unlink(lock->path);
	free(lock);
}

enum rl_status session_lock_read(const char *session_dir,
                                 struct session_lock_info *out,
                                 struct error *err)
{
	char dir[LOCK_PATH_BUF], path[LOCK_PATH_BUF];
	enum rl_status rc;
	struct stat st;

	if (!out)
		return error_set(err, RL_ERR_INVALID,
		                 "session_lock_read: no output given");
	memset(out, 0, sizeof *out);
	if ((rc = clean_dir(session_dir, dir, sizeof dir, err)))
		return rc;
	lock_path(dir, path, sizeof path);
	return read_lock(dir, path, out, &st, err);
}

enum rl_status session_lock_clear_stale(const char *session_dir,
                                        bool *cleared, struct error *err)
{
	char dir[LOCK_PATH_BUF], path[LOCK_PATH_BUF], moved[LOCK_PATH_BUF];
	struct session_lock_info info;
	struct stat st, st2;
	struct error rerr;
	enum rl_status rc;

	if (cleared)
		*cleared = false;
	if ((rc = clean_dir(session_dir, dir, sizeof dir, err)))
		return rc;
	lock_path(dir, path, sizeof path);
	rc = read_settled(dir, path, &info, &st, &rerr);
	if (rc == RL_ERR_NOT_FOUND)
		return RL_OK;
	if (rc != RL_OK && rc != RL_ERR_FORMAT)
		return error_set(err, rc, "%s", rerr.message);
	/* An unparsable lock is stale, if it is a file (or a symbolic link)
	 * that can be told apart from one created meanwhile. */
	if (rc == RL_ERR_FORMAT &&
	    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return error_set(err, RL_ERR_FORMAT,
		                 "%s; remove it by hand", rerr.message);
	if (rc == RL_OK && !info.this_host)
		return error_set(err, RL_ERR_LOCKED,
		                 "session %s is locked by pid %ld on host %s "
		                 "(%s) since %s: redlight cannot check a process "
		                 "on another machine; if it is gone, remove %s",
		                 dir, (long)info.pid, info.host, info.what,
		                 info.since, path);
	if (rc == RL_OK && info.alive)
		return in_use_error(dir, &info, err);

	/* Move exactly the file judged stale out of the way, then check it
	 * is that one: a fresh lock that replaced it meanwhile goes back. */
	snprintf(moved, sizeof moved, "%s.stale-%ld", path, (long)getpid());
	if (rename(path, moved) != 0) {
		int e = errno;
		if (e == ENOENT)
			return RL_OK; /* someone else cleared it */
		return error_set(err, rl_status_from_errno(e),
		                 "cannot remove stale lock file %s of session "
		                 "%s: %s", path, dir, strerror(e));
	}
	if (lstat(moved, &st2) != 0 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		if (link(moved, path) == 0)
			unlink(moved);
		return error_set(err, RL_ERR_LOCKED,
		                 "session %s: its lock file %s changed while it "
		                 "was being cleared; try again", dir, path);
	}
	if (unlink(moved) != 0) {
		int e = errno;
		return error_set(err, rl_status_from_errno(e),
		                 "cannot remove stale lock file %s of session "
		                 "%s: %s", moved, dir, strerror(e));
	}
	fsync_dir(dir);
	if (cleared)
		*cleared = true;
	return RL_OK;
}
