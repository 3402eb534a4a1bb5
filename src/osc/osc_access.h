/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc_access.h
 * Who may talk to the OSC server, and how often the server complains.
 *
 * - Address lists: the allow-list (who may control the recorder) and the
 *   read-only list (who may only watch: subscribe, query, ping), parsed
 *   from the command line's comma-separated text. A sender matching
 *   neither is ignored.
 * - A limiter for log lines: a flood of bad packets costs one line a
 *   second, with the count of what was left out.
 *
 * Everything here is plain data and pure functions (no sockets, no
 * threads), for any thread, so the unit tests can run it all.
 */
#ifndef REDLIGHT_OSC_ACCESS_H
#define REDLIGHT_OSC_ACCESS_H

#include "redlight/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Most networks one list holds (the keywords count as several). */
#define OSC_ACCESS_MAX_NETS 64

/** One network: an IPv4 (stored as IPv4-mapped IPv6) or IPv6 prefix. */
struct osc_access_net {
	uint8_t addr[16];  /**< network address, host bits zero */
	uint8_t prefix;    /**< 0..128, counted on the mapped form */
};

/** A list of networks; count == 0 matches nobody. */
struct osc_access_list {
	size_t count;
	struct osc_access_net nets[OSC_ACCESS_MAX_NETS];
};

/**
 * Parse `text`: comma-separated entries, each an address
 * ("192.168.1.20", "fd00::7"), a network ("10.0.0.0/8", "fe80::/10"), or
 * a keyword: "loopback" (127.0.0.0/8, ::1), "private" (10/8, 172.16/12,
 * 192.168/16, the link-local 169.254/16 and fe80::/10, and the unique
 * local fc00::/7), "any" (everyone) or "none" (nobody). Spaces around
 * entries are allowed. Errors (RL_ERR_INVALID) name the entry and the
 * forms that exist; *out is then empty. `what` names the list in the
 * message ("--osc-allow"). Any thread.
 */
enum rl_status osc_access_list_parse(const char *what, const char *text,
                                     struct osc_access_list *out,
                                     struct error *err);

/** The default allow-list: "loopback,private". Any thread. */
void osc_access_list_default(struct osc_access_list *out);

/**
 * True if the sender address sa (AF_INET or AF_INET6; an IPv4-mapped
 * IPv6 address counts as its IPv4 address) is in the list. Any thread.
 */
bool osc_access_list_match(const struct osc_access_list *l,
                           const struct sockaddr *sa);

/** What a sender may do. */
enum osc_access_role {
	OSC_ACCESS_DENIED = 0,   /**< not listed: ignored */
	OSC_ACCESS_READ_ONLY,    /**< feedback, query, ping only */
	OSC_ACCESS_CONTROL,      /**< everything */
};

/** The server's two lists. */
struct osc_access {
	struct osc_access_list allow;
	struct osc_access_list read_only;
};

/**
 * Both lists from the configuration's text (NULL allow: the default;
 * NULL read_only: none). Any thread.
 */
enum rl_status osc_access_init(struct osc_access *a, const char *allow,
                               const char *read_only, struct error *err);

/**
 * The role of sender sa: read-only if it is in the read-only list (so a
 * tablet inside an allowed network can still be made a viewer), else
 * control if it is in the allow-list, else denied. Any thread.
 */
enum osc_access_role osc_access_role(const struct osc_access *a,
                                     const struct sockaddr *sa);

/**
 * "127.0.0.1:9000" or "[fd00::7]:9000" for a sender (IPv4-mapped IPv6
 * shown as IPv4), for messages. Any thread.
 */
void osc_access_format(const struct sockaddr *sa, char *buf, size_t size);

/**
 * Rate limit for log lines: at most one line per `interval` seconds.
 * Zero-initialise, then set interval.
 */
struct osc_access_limiter {
	double interval;       /**< seconds between lines */
	double next;           /**< monotonic time the next line may go */
	uint64_t suppressed;   /**< lines left out since the last one */
	bool started;
};

/**
 * May a line go out now (`now`: monotonic seconds)? If so returns true
 * and sets *left_out to how many were suppressed since the previous line
 * (for "... and N more"), resetting the count; if not, counts this one
 * and returns false. Any thread (one limiter per thread).
 */
bool osc_access_limiter_allow(struct osc_access_limiter *l, double now,
                              uint64_t *left_out);

/**
 * Lines suppressed and not yet reported, if the interval since the last
 * line is over (returns 0 otherwise, or when nothing was suppressed):
 * the caller reports them ("N more bad messages ignored") so the log
 * always says how many there were. Resets the count and starts a new
 * interval when it returns non-zero. Any thread.
 */
uint64_t osc_access_limiter_flush(struct osc_access_limiter *l, double now);

#endif
