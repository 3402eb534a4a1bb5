/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file error.h
 * Status codes and the error record every fallible function fills in.
 *
 * Convention (zix/libsndfile style): a fallible function returns an
 * enum rl_status (RL_OK == 0) and, when the caller passed a struct error,
 * writes one human-readable line into it naming the file, port or message
 * at fault.  The message is written where the error happens, so it can
 * carry errno / sf_strerror / JACK details.  Only main() prints and exits.
 */
#ifndef REDLIGHT_ERROR_H
#define REDLIGHT_ERROR_H

#include <stddef.h>

enum rl_status {
	RL_OK = 0,
	RL_ERR_NOMEM,     /**< allocation failed */
	RL_ERR_IO,        /**< read/write/open failed (errno in message) */
	RL_ERR_EXISTS,    /**< refusing to overwrite something that exists */
	RL_ERR_NOT_FOUND, /**< file, port or item missing */
	RL_ERR_FORMAT,    /**< file content malformed (position in message) */
	RL_ERR_INVALID,   /**< bad argument or value */
	RL_ERR_DISK_FULL, /**< ENOSPC / EDQUOT while writing */
	RL_ERR_JACK,      /**< JACK server unavailable or refused */
	RL_ERR_LOCKED,    /**< session in use by another process */
	RL_ERR_STATE,     /**< operation not allowed in current state */
	RL_ERR_SYSTEM,    /**< other system call failure (thread, sem, mlock) */
};

/** One error: the status and a single line of text for a human. */
struct error {
	enum rl_status status;
	char message[768];
};

/**
 * Short constant description of a status ("disk full", ...).
 * Any thread; returns a static string.
 */
const char *rl_strerror(enum rl_status status);

/**
 * Record an error: sets err->status and formats err->message (printf
 * style). err may be NULL, in which case only the status is returned.
 * Returns status so callers can write `return error_set(err, ...)`.
 * Any non-RT thread (uses vsnprintf).
 */
enum rl_status error_set(struct error *err, enum rl_status status,
                         const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Map an errno value to a status (ENOSPC/EDQUOT -> RL_ERR_DISK_FULL,
 * EEXIST -> RL_ERR_EXISTS, ENOENT -> RL_ERR_NOT_FOUND, ENOMEM -> NOMEM,
 * anything else RL_ERR_IO). Any thread.
 */
enum rl_status rl_status_from_errno(int errnum);

/** Reset err to RL_OK with an empty message. err may be NULL. */
void error_clear(struct error *err);

#endif
