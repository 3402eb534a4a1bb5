/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC server's own structures, shared by its files: osc.c (the
 * thread, the socket, packets, clients and feedback), osc_routes.c (the
 * address space: what each path does) and osc_handlers.c (the routes
 * that are OSC's own business: questions, subscriptions, surfaces).
 * Everything here runs on the OSC thread.
 */
#ifndef REDLIGHT_OSC_INTERNAL_H
#define REDLIGHT_OSC_INTERNAL_H

#include "redlight/osc.h"
#include "osc_access.h"
#include "osc_address.h"
#include "osc_routes.h"
#include "osc_feedback.h"

#include <lo/lo.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/** Largest packet taken; bigger ones are refused whole. A take's note
 *  (1023 bytes) fits many times over. */
#define OSC_MAX_PACKET 16384
/** Largest datagram we send when we pack feedback into bundles: under
 *  the 1472 bytes a 1500-byte Wi-Fi MTU carries without fragments (a
 *  lost fragment loses the whole datagram). */
#define OSC_DATAGRAM 1400
/** Packets read per wake-up before the loop looks at the clock. */
#define OSC_BATCH 256
/** Subscribed clients at most. */
#define OSC_MAX_CLIENTS 32
/** Feedback ticks per second (the issue's ~10 Hz). */
#define OSC_TICK_SECONDS 0.1
/** Our clients answer pings within this by default (seconds). */
#define OSC_DEFAULT_TIMEOUT 10.0
/** Full-state queries answered per second, over all clients: a query
 *  answers with a message per track and take, so a flood of them must
 *  not become a flood of replies. */
#define OSC_QUERIES_PER_SECOND 20
/** Bundles inside bundles, at most. */
#define OSC_BUNDLE_DEPTH 4

struct osc_client {
	bool used;
	struct sockaddr_storage dest;   /* where feedback goes */
	socklen_t dest_len;
	struct sockaddr_storage origin; /* where its subscription came from */
	socklen_t origin_len;
	struct osc_feedback_prefs prefs;
	bool single;                    /* one message per datagram */
	struct osc_feedback_state last; /* what it was last sent */
	bool sent;                      /* last is valid */
	int32_t token;                  /* its pings carry this */
	double timeout;                 /* seconds without an answer; 0: never */
	double last_heard;
	double next_ping;
	bool heartbeat;                 /* Ardour's /heartbeat value */
	char who[80];
};

struct osc_server {
	struct control *c;
	int fd;
	int wake_fd;
	uint16_t port;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	atomic_uint_fast32_t client_count;
	struct osc_access access;

	/* Thread-only from here. */
	struct osc_client clients[OSC_MAX_CLIENTS];
	int32_t next_token;
	struct osc_feedback_state state;
	struct control_track *tracks;
	size_t tracks_cap;
	uint64_t msg_seq;           /* the last control message seen */
	double next_tick;
	double next_heartbeat;
	double query_window;        /* start of the current second */
	unsigned queries;           /* answered in it */
	struct osc_access_limiter bad_limit;
	struct osc_access_limiter refused_limit;
	uint64_t packets, bad_packets;
	unsigned char buf[OSC_MAX_PACKET + 1];
	unsigned char out[OSC_MAX_PACKET];
};

/* One message being handled. */
struct osc_request {
	struct osc_server *s;
	const struct sockaddr_storage *from;
	socklen_t from_len;
	enum osc_access_role role;
	const char *who;
	const char *path;
	const char *types;
	lo_arg **argv;
	int argc;
	lo_message msg;
	char capture[SESSION_NAME_MAX];
	const struct osc_route *route;
	bool refused;               /* the control API said no */
	double now;
};

/*
 * Output to one address: messages packed into bundles of at most
 * OSC_DATAGRAM bytes (a bundle of one goes out as the plain message), so
 * the whole state of a 256-track session is a few dozen datagrams, not a
 * thousand that would overflow a tablet's socket buffer.
 */
struct osc_out {
	struct osc_server *s;
	const struct sockaddr_storage *to;
	socklen_t len;
	bool single;        /* no bundles: one message per datagram */
	size_t used;        /* bytes in buf; 0: no bundle started */
	unsigned count;     /* messages in buf */
	size_t sent;        /* messages added in all */
	unsigned char buf[OSC_DATAGRAM];
};

/** Monotonic seconds. */
double osc_now(void);

/**
 * The server without its socket and thread (fd -1: what it sends goes
 * nowhere): what osc_server_new() starts, and what the OSC fuzzer
 * (tests/fuzz/fuzz_osc.c) hands packets to on its own thread, in the
 * place of the server's. *out is the caller's (osc_server_free()).
 */
enum rl_status osc_server_prepare(struct control *c,
                                  const struct osc_config *cfg,
                                  struct osc_server **out, struct error *err);

/**
 * One packet of `len` bytes, received into s->buf (which has room for
 * a NUL after it), from `from`: checked, decoded by liblo, every message
 * (of a bundle, in order) routed and acted on. Bad input is logged and
 * counted, never acted on. The server's thread.
 */
void osc_handle_packet(struct osc_server *s, size_t len,
                       const struct sockaddr_storage *from,
                       socklen_t from_len, double now);

/** The feedback tick: each subscribed client its difference, pings,
 *  heartbeats, clients that stopped answering dropped. The server's
 *  thread. */
void osc_tick(struct osc_server *s, double now);

/** A log line through `l` (one a second; the count of those left out
 *  rides on the next). Takes the control lock. */
void osc_post_limited(struct osc_server *s, struct osc_access_limiter *l,
                      enum control_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** Bad input: never acted on, one line a second. */
#define OSC_BAD(s, ...) \
	osc_post_limited((s), &(s)->bad_limit, CONTROL_WARNING, __VA_ARGS__)

/** Same host and port? (Both from this socket: same family.) */
bool osc_same_addr(const struct sockaddr_storage *a,
                   const struct sockaddr_storage *b);

/** Replace the port of an address. */
void osc_set_port(struct sockaddr_storage *a, uint16_t port);

/** The port of an address. */
uint16_t osc_get_port(const struct sockaddr_storage *a);

/** One message in one datagram, now (best effort, never waits). */
void osc_send_to(struct osc_server *s, const struct sockaddr_storage *to,
                 socklen_t len, const char *path, lo_message m);

/** Start output to an address. */
void osc_out_init(struct osc_out *o, struct osc_server *s,
                  const struct sockaddr_storage *to, socklen_t len,
                  bool single);

/** Add a message (the caller still frees m). */
void osc_out_add(struct osc_out *o, const char *path, lo_message m);

/** osc_out_add() as an osc_feedback_emit callback (ctx: the osc_out). */
void osc_out_emit(void *ctx, const char *path, lo_message m);

/** Send what is pending. */
void osc_out_flush(struct osc_out *o);

/** The subscription of (dest, dialect), or NULL. */
struct osc_client *osc_find_client(struct osc_server *s,
                                   const struct sockaddr_storage *dest,
                                   enum osc_feedback_dialect dialect);

/** Subscribe the sender of r (or re-subscribe it: new preferences,
 *  everything sent again); feedback to `port` (0: the port it sent
 *  from); `timeout` seconds without an answer to a ping end it (0:
 *  never). */
enum rl_status osc_subscribe(struct osc_request *r,
                             const struct osc_feedback_prefs *prefs,
                             bool single, uint16_t port, double timeout,
                             struct error *err);

/** End the subscription of the sender of r in that dialect (at `port`,
 *  0: the port it sent from). RL_ERR_NOT_FOUND if there was none. */
enum rl_status osc_unsubscribe(struct osc_request *r,
                               enum osc_feedback_dialect dialect,
                               uint16_t port, struct error *err);

/** End a subscription, saying why in the log. */
void osc_drop_client(struct osc_server *s, struct osc_client *cl,
                     const char *why);

/** control_tracks() into s->tracks, grown as needed; under the lock. */
size_t osc_read_tracks(struct osc_server *s);

/** A query may be answered: at most OSC_QUERIES_PER_SECOND a second
 *  over all clients (RL_ERR_STATE says so otherwise). */
enum rl_status osc_query_allowed(struct osc_request *r, struct error *err);

/** The session's markers to o (osc_markers.c): /redlight/markers with
 *  their count, then one /redlight/marker/info each. Takes the control
 *  lock to copy them, sends without it. */
void osc_send_markers(struct osc_server *s, struct osc_out *o);

/** Act on a decoded message whose route r->route is known and allowed
 *  (osc_routes.c): check its arguments against the route's spec, find
 *  its tracks, run its handler. RL_OK, or why not; r->refused says
 *  whether the recorder refused (the message itself was fine). */
enum rl_status osc_dispatch(struct osc_request *r, struct error *err);

/*
 * The routes that are OSC's own business (osc_handlers.c), as
 * osc_route_handler: answers to the sender, subscriptions to feedback,
 * Ardour's surfaces. The table in osc_routes.c says which path runs
 * which, and with what arguments.
 */
enum rl_status osc_handle_ping(struct osc_request *r,
                               const struct osc_value *v, struct error *err);
enum rl_status osc_handle_pong(struct osc_request *r,
                               const struct osc_value *v, struct error *err);
enum rl_status osc_handle_query(struct osc_request *r,
                                const struct osc_value *v, struct error *err);
enum rl_status osc_handle_markers(struct osc_request *r,
                                  const struct osc_value *v,
                                  struct error *err);
enum rl_status osc_handle_subscribe(struct osc_request *r,
                                    const struct osc_value *v,
                                    struct error *err);
enum rl_status osc_handle_unsubscribe(struct osc_request *r,
                                      const struct osc_value *v,
                                      struct error *err);
enum rl_status osc_handle_set_surface(struct osc_request *r,
                                      const struct osc_value *v,
                                      struct error *err);
enum rl_status osc_handle_surface_feedback(struct osc_request *r,
                                           const struct osc_value *v,
                                           struct error *err);
enum rl_status osc_handle_surface_bank_size(struct osc_request *r,
                                            const struct osc_value *v,
                                            struct error *err);
enum rl_status osc_handle_surface_port(struct osc_request *r,
                                       const struct osc_value *v,
                                       struct error *err);
enum rl_status osc_handle_surface_ignored(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err);
enum rl_status osc_handle_refresh(struct osc_request *r,
                                  const struct osc_value *v,
                                  struct error *err);
enum rl_status osc_handle_transport_frame(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err);
enum rl_status osc_handle_transport_speed(struct osc_request *r,
                                          const struct osc_value *v,
                                          struct error *err);
enum rl_status osc_handle_record_enabled(struct osc_request *r,
                                         const struct osc_value *v,
                                         struct error *err);

#endif
