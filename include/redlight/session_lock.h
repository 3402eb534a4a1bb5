/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file session_lock.h
 * One process per session: a lock file SESSION/.redlight.lock that names
 * the process holding it.
 *
 * The lock is a file created with O_EXCL holding one line:
 *     "<pid> <hostname> <ISO 8601 start time> <what>\n"
 * (what: "record", "takes", ...). A lock whose process is gone — the pid
 * does not exist on this host, or /proc/<pid>/cmdline is not a redlight —
 * is stale: left by a crash. A stale lock is reported, never silently
 * taken over: `redlight recover SESSION_DIR` clears it (after checking
 * again that its process is gone), because after a crash the take files
 * need recovering anyway.
 *
 * Threads: control thread / main thread only.
 */
#ifndef REDLIGHT_SESSION_LOCK_H
#define REDLIGHT_SESSION_LOCK_H

#include "redlight/error.h"

#include <stdbool.h>
#include <sys/types.h>

/** Name of the lock file inside the session directory. */
#define SESSION_LOCK_FILE ".redlight.lock"

struct session_lock;

/** What a lock file says. */
struct session_lock_info {
	pid_t pid;
	char host[256];
	char since[40];
	char what[32];
	bool alive;      /**< the process exists and is a redlight */
	bool this_host;  /**< written on this machine */
};

/**
 * Take the session's lock for `what`. The session directory must exist.
 * RL_ERR_LOCKED if another live redlight holds it ("session DIR is in use
 * by redlight pid N (record) since T") or if a stale lock is there ("DIR
 * has a stale lock from pid N (started T), which is no longer running —
 * did it crash? Run `redlight recover DIR` to repair its files and clear
 * the lock"). A lock written on another host is reported as in use (we
 * cannot check its process). Other errors name the path. On success the
 * caller owns *out (session_lock_release()).
 */
enum rl_status session_lock_acquire(const char *session_dir, const char *what,
                                    struct session_lock **out,
                                    struct error *err);

/** Remove our lock file and free. NULL is a no-op. */
void session_lock_release(struct session_lock *lock);

/**
 * Read the lock file of a session. RL_ERR_NOT_FOUND if there is none;
 * RL_ERR_FORMAT (naming the file) if it cannot be parsed — an unparsable
 * lock counts as stale for session_lock_clear_stale().
 */
enum rl_status session_lock_read(const char *session_dir,
                                 struct session_lock_info *out,
                                 struct error *err);

/**
 * Remove the lock file if it is stale (its process is gone, on this
 * host, or the file is unparsable). RL_OK also if there was no lock;
 * RL_ERR_LOCKED if its process is alive or it was written on another
 * host. *cleared says whether a stale lock was removed.
 */
enum rl_status session_lock_clear_stale(const char *session_dir,
                                        bool *cleared, struct error *err);

#endif
