/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC server: one thread, one UDP socket, the handlers of the
 * address space (osc_address.c) and the feedback sender
 * (osc_feedback.c).
 *
 * Why our own socket and not lo_server: liblo 0.31 (Debian 12) binds
 * every address (getaddrinfo(NULL, ..., AI_PASSIVE)), so --osc-bind
 * could not be honoured; it reports malformed packets through a global
 * callback with no context; and it allocates a lo_address per message.
 * liblo still does all of the OSC itself here: lo_message_deserialise()
 * validates and decodes every message (its checks are what stand
 * between a garbage packet and a handler), lo_message_* and
 * lo_message_serialise() build everything we send. Bundles we walk
 * ourselves (a length-prefixed list), checking every length first.
 *
 * The thread's loop: poll() the socket and a wake-up eventfd with a
 * timeout until the next feedback tick; read at most a batch of packets
 * per wake-up (a flood cannot starve the tick); every 100 ms build the
 * state once and send each subscribed client its difference. Handlers
 * validate every argument before they take the control lock, and hold
 * it only for the control call: the lock is never the audio thread's,
 * so no number of messages can delay the recording -- they only cost
 * this thread's CPU, and the kernel drops what it cannot take.
 */
#include "redlight/osc.h"

#include "redlight/osc_access.h"
#include "redlight/osc_address.h"
#include "redlight/osc_feedback.h"

#include <lo/lo.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/errqueue.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/** Largest packet taken; bigger ones are refused whole. A take's note
 *  (1023 bytes) fits many times over. */
#define OSC_MAX_PACKET 16384
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
	const struct osc_address_route *route;
	bool refused;               /* the control API said no */
	double now;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* Log lines: one a second per kind, with the count of what was left out */

__attribute__((format(printf, 4, 5)))
static void post_limited(struct osc_server *s, struct osc_access_limiter *l,
                         enum control_level level, const char *fmt, ...)
{
	uint64_t left_out;
	if (!osc_access_limiter_allow(l, now_seconds(), &left_out))
		return;
	char text[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	control_lock(s->c);
	if (left_out)
		control_post(s->c, level, "osc: %s (and %" PRIu64 " more since "
		             "the last such line)", text, left_out);
	else
		control_post(s->c, level, "osc: %s", text);
	control_unlock(s->c);
}

/* Bad input: never acted on, one line a second. */
#define BAD(s, ...) \
	post_limited((s), &(s)->bad_limit, CONTROL_WARNING, __VA_ARGS__)

static void flush_limits(struct osc_server *s, double now)
{
	uint64_t n = osc_access_limiter_flush(&s->bad_limit, now);
	uint64_t m = osc_access_limiter_flush(&s->refused_limit, now);
	if (!n && !m)
		return;
	control_lock(s->c);
	if (n)
		control_post(s->c, CONTROL_WARNING, "osc: %" PRIu64 " more bad "
		             "messages ignored", n);
	if (m)
		control_post(s->c, CONTROL_ERROR, "osc: %" PRIu64 " more "
		             "commands refused", m);
	control_unlock(s->c);
}

/* ---------------------------------------------------------------------- */
/* Addresses                                                              */

/* Same host and port? (Both come from this socket: same family.) */
static bool same_addr(const struct sockaddr_storage *a,
                      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a,
		                          *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr,
		               sizeof x->sin6_addr);
	}
	return false;
}

static void set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
}

/* ---------------------------------------------------------------------- */
/* Sending: everything goes out through here                              */

static void send_to(struct osc_server *s, const struct sockaddr_storage *to,
                    socklen_t len, const char *path, lo_message m)
{
	size_t size = lo_message_length(m, path);
	if (size == 0 || size > sizeof s->out)
		return;
	lo_message_serialise(m, path, s->out, &size);
	/* Best effort: a client whose buffer is full misses this update
	 * and gets the next difference; the thread never waits for one. */
	(void)sendto(s->fd, s->out, size, MSG_DONTWAIT | MSG_NOSIGNAL,
	             (const struct sockaddr *)to, len);
}

struct emit_ctx {
	struct osc_server *s;
	const struct sockaddr_storage *to;
	socklen_t len;
	size_t count;
};

static void emit_to(void *ctx, const char *path, lo_message m)
{
	struct emit_ctx *e = ctx;
	send_to(e->s, e->to, e->len, path, m);
	e->count++;
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                */

static void update_count(struct osc_server *s)
{
	uint32_t n = 0;
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++)
		n += s->clients[i].used;
	atomic_store_explicit(&s->client_count, n, memory_order_release);
}

static void drop_client(struct osc_server *s, struct osc_client *cl,
                        const char *why)
{
	control_lock(s->c);
	control_post(s->c, CONTROL_INFO, "osc: feedback to %s ended (%s)",
	             cl->who, why);
	control_unlock(s->c);
	osc_feedback_state_cleanup(&cl->last);
	cl->used = false;
	update_count(s);
}

static struct osc_client *find_client(struct osc_server *s,
                                      const struct sockaddr_storage *dest,
                                      enum osc_feedback_dialect dialect)
{
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (cl->used && cl->prefs.dialect == dialect &&
		    same_addr(&cl->dest, dest))
			return cl;
	}
	return NULL;
}

/* Subscribe (or re-subscribe: new preferences, everything sent again)
 * the sender of r, feedback to `port` (0: the port it sent from). */
static enum rl_status subscribe(struct osc_request *r,
                                const struct osc_feedback_prefs *prefs,
                                uint16_t port, double timeout,
                                struct error *err)
{
	struct osc_server *s = r->s;
	struct sockaddr_storage dest = *r->from;
	if (port)
		set_port(&dest, port);
	struct osc_client *cl = find_client(s, &dest, prefs->dialect);
	bool fresh = !cl;
	if (!cl) {
		for (size_t i = 0; i < OSC_MAX_CLIENTS && !cl; i++) {
			if (!s->clients[i].used)
				cl = &s->clients[i];
		}
		if (!cl)
			return error_set(err, RL_ERR_STATE, "already %d clients "
			                 "subscribed, the most there may be",
			                 OSC_MAX_CLIENTS);
		*cl = (struct osc_client){ .used = true };
		osc_feedback_state_init(&cl->last);
		cl->token = ++s->next_token;
	}
	cl->dest = dest;
	cl->dest_len = r->from_len;
	cl->origin = *r->from;
	cl->origin_len = r->from_len;
	cl->prefs = *prefs;
	cl->sent = false;
	cl->timeout = timeout;
	cl->last_heard = r->now;
	cl->next_ping = r->now + (timeout > 0 ? timeout / 4 : 1.0);
	osc_access_format((const struct sockaddr *)&dest, cl->who,
	                  sizeof cl->who);
	update_count(s);
	if (fresh) {
		static const char *const names[] = { "redlight", "Ardour",
		                                     "REAPER" };
		control_lock(s->c);
		control_post(s->c, CONTROL_INFO, "osc: %s subscribed (%s "
		             "feedback%s)", cl->who, names[prefs->dialect],
		             r->role == OSC_ACCESS_READ_ONLY ? ", read-only"
		                                             : "");
		control_unlock(s->c);
	}
	return RL_OK;
}

static enum rl_status unsubscribe(struct osc_request *r,
                                  enum osc_feedback_dialect dialect,
                                  uint16_t port, struct error *err)
{
	struct sockaddr_storage dest = *r->from;
	if (port)
		set_port(&dest, port);
	struct osc_client *cl = find_client(r->s, &dest, dialect);
	if (!cl)
		return error_set(err, RL_ERR_NOT_FOUND, "was not subscribed");
	drop_client(r->s, cl, "unsubscribed");
	return RL_OK;
}

/* Any message from a client proves it is there. */
static void heard_from(struct osc_server *s,
                       const struct sockaddr_storage *from, double now)
{
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (cl->used && (same_addr(&cl->origin, from) ||
		                 same_addr(&cl->dest, from)))
			cl->last_heard = now;
	}
}

/* ICMP said a feedback address does not exist (the app closed its
 * port, the host is gone): stop sending there at once. Linux queues
 * these on the socket with IP_RECVERR; msg_name is the address we had
 * sent to. */
static void drain_errors(struct osc_server *s)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage to;
		char control_buf[512];
		char data[64];
		struct iovec iov = { data, sizeof data };
		struct msghdr mh = {
			.msg_name = &to, .msg_namelen = sizeof to,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control_buf,
			.msg_controllen = sizeof control_buf,
		};
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		int code = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if ((cm->cmsg_level == SOL_IP &&
			     cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == SOL_IPV6 &&
			     cm->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;
				memcpy(&ee, CMSG_DATA(cm), sizeof ee);
				code = (int)ee.ee_errno;
			}
		}
		if (code != ECONNREFUSED && code != EHOSTUNREACH &&
		    code != ENETUNREACH)
			continue;
		for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
			struct osc_client *cl = &s->clients[i];
			if (cl->used && same_addr(&cl->dest, &to))
				drop_client(s, cl, code == ECONNREFUSED
				                   ? "its port is closed"
				                   : "unreachable");
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Reading the recorder's state (under the lock, only copies)             */

/* control_tracks() into s->tracks, grown as needed. Locked. */
static size_t read_tracks(struct osc_server *s)
{
	size_t n = control_tracks(s->c, s->tracks, s->tracks_cap);
	if (n > s->tracks_cap) {
		size_t cap = n + 16;
		struct control_track *t = realloc(s->tracks, cap * sizeof *t);
		if (!t)
			return s->tracks_cap;
		s->tracks = t;
		s->tracks_cap = cap;
		n = control_tracks(s->c, s->tracks, s->tracks_cap);
	}
	return n;
}

/* ---------------------------------------------------------------------- */
/* Handlers                                                               */

/* Commands run under the lock; a failure here is the recorder refusing
 * a well-formed command (reported as such). */
typedef enum rl_status (*command_fn)(struct osc_request *r, void *arg,
                                     struct error *err);

static enum rl_status locked(struct osc_request *r, command_fn fn,
                             void *arg, struct error *err)
{
	control_lock(r->s->c);
	enum rl_status st = fn(r, arg, err);
	control_unlock(r->s->c);
	if (st != RL_OK)
		r->refused = true;
	return st;
}

static enum rl_status cmd_play(struct osc_request *r, void *a,
                               struct error *err)
{
	(void)a;
	return control_play(r->s->c, err);
}

static enum rl_status cmd_stop(struct osc_request *r, void *a,
                               struct error *err)
{
	(void)a;
	return control_stop(r->s->c, 0, err);
}

static enum rl_status cmd_record(struct osc_request *r, void *a,
                                 struct error *err)
{
	(void)a;
	return control_record_now(r->s->c, err);
}

static enum rl_status cmd_toggle_roll(struct osc_request *r, void *a,
                                      struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return st.transport == ENGINE_STOPPED ? control_play(r->s->c, err)
	                                      : control_stop(r->s->c, 0, err);
}

/* Ardour's record button, REAPER's /record: record if nothing is
 * pending, else stop (redlight has no "record off, keep rolling"). */
static enum rl_status cmd_record_toggle(struct osc_request *r, void *a,
                                        struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return st.record_armed ? control_stop(r->s->c, 0, err)
	                       : control_record_now(r->s->c, err);
}

static enum rl_status cmd_stop_after_pass(struct osc_request *r, void *a,
                                          struct error *err)
{
	(void)a;
	return control_stop_after_pass(r->s->c, err);
}

static enum rl_status cmd_start(struct osc_request *r, void *a,
                                struct error *err)
{
	(void)a;
	return control_return_to_start(r->s->c, err);
}

static enum rl_status cmd_new_take(struct osc_request *r, void *a,
                                   struct error *err)
{
	(void)a;
	return control_new_take(r->s->c, err);
}

static enum rl_status cmd_marker(struct osc_request *r, void *a,
                                 struct error *err)
{
	return control_add_marker(r->s->c, a, err);
}

static enum rl_status cmd_loop_toggle(struct osc_request *r, void *a,
                                      struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	if (st.loop_on)
		return control_loop(r->s->c, false, 0, 0, err);
	if (st.loop_end <= st.loop_start)
		return error_set(err, RL_ERR_STATE, "no loop range yet: send "
		                 "/redlight/loop 1 FROM TO once");
	return control_loop(r->s->c, true, st.loop_start, st.loop_end, err);
}

static enum rl_status cmd_click_toggle(struct osc_request *r, void *a,
                                       struct error *err)
{
	(void)a;
	struct control_status st;
	control_status(r->s->c, &st);
	return control_set_click(r->s->c, !st.click_on, err);
}

/* A button: act on press (no argument, 1), ignore the release (0). */
static enum rl_status trigger(struct osc_request *r, command_fn fn, void *a,
                              struct error *err)
{
	bool fire;
	enum rl_status st = osc_address_trigger(r->types, r->argv, r->argc,
	                                        &fire, err);
	if (st != RL_OK || !fire)
		return st;
	return locked(r, fn, a, err);
}

struct locate_arg {
	enum { BY_FRAME, BY_TEXT, BY_BAR, BY_SECTION, BY_JUMP } by;
	int64_t frame;
	const char *text;
	bool roll;
};

static enum rl_status cmd_locate(struct osc_request *r, void *a,
                                 struct error *err)
{
	struct locate_arg *l = a;
	struct control *c = r->s->c;
	enum rl_status st;
	switch (l->by) {
	case BY_FRAME:
		st = control_locate(c, l->frame, err);
		break;
	case BY_TEXT: {
		int64_t frame;
		st = control_parse_position(c, l->text, &frame, err);
		if (st == RL_OK)
			st = control_locate(c, frame, err);
		break;
	}
	case BY_BAR:
		st = control_locate_bar(c, l->frame, err);
		break;
	case BY_SECTION:
		st = control_locate_section(c, l->text, err);
		break;
	case BY_JUMP: {
		struct control_position pos;
		control_position(c, &pos);
		int64_t bar = pos.bbt.bar + l->frame;
		st = control_locate_bar(c, bar < 1 ? 1 : bar, err);
		break;
	}
	default:
		st = RL_ERR_INVALID;
	}
	if (st == RL_OK && l->roll)
		st = control_play(c, err);
	return st;
}

struct loop_arg {
	bool on;
	const char *from, *to;
};

static enum rl_status cmd_loop(struct osc_request *r, void *a,
                               struct error *err)
{
	struct loop_arg *l = a;
	struct control *c = r->s->c;
	if (!l->on)
		return control_loop(c, false, 0, 0, err);
	int64_t start, end;
	if (l->from) {
		enum rl_status st = control_parse_position(c, l->from, &start,
		                                           err);
		if (st == RL_OK)
			st = control_parse_position(c, l->to, &end, err);
		if (st != RL_OK)
			return st;
	} else {
		struct control_status s;
		control_status(c, &s);
		start = s.loop_start;
		end = s.loop_end;
		if (end <= start)
			return error_set(err, RL_ERR_STATE, "no loop range yet: "
			                 "give one (/redlight/loop 1 FROM TO)");
	}
	if (end <= start)
		return error_set(err, RL_ERR_INVALID, "the loop must end after "
		                 "it starts ('%s' to '%s')", l->from, l->to);
	return control_loop(c, true, start, end, err);
}

struct punch_arg {
	const char *from, *to;
};

static enum rl_status cmd_punch(struct osc_request *r, void *a,
                                struct error *err)
{
	struct punch_arg *p = a;
	struct control *c = r->s->c;
	struct control_record_options o;
	control_record_options_init(&o);
	const struct session_settings *set = control_settings(c);
	o.count_in_bars = set->count_in_bars;
	o.pre_roll_bars = set->pre_roll_bars;
	enum rl_status st = control_parse_position(c, p->from, &o.punch_in,
	                                           err);
	if (st == RL_OK && p->to[0])
		st = control_parse_position(c, p->to, &o.punch_out, err);
	if (st != RL_OK)
		return st;
	if (o.punch_out != ENGINE_NO_FRAME && o.punch_out <= o.punch_in)
		return error_set(err, RL_ERR_INVALID, "the punch-out ('%s') "
		                 "must come after the punch-in ('%s')", p->to,
		                 p->from);
	return control_record(c, &o, err);
}

struct level_arg {
	enum { LVL_CLICK_OUT, LVL_CUE_CLICK, LVL_CUE_SCRATCH } which;
	double db;
};

static enum rl_status cmd_level(struct osc_request *r, void *a,
                                struct error *err)
{
	struct level_arg *l = a;
	if (l->which == LVL_CUE_SCRATCH)
		return control_set_stream_level(r->s->c, 0, l->db, err);
	return control_set_click_level(r->s->c, l->which == LVL_CUE_CLICK,
	                               l->db, err);
}

static enum rl_status cmd_click(struct osc_request *r, void *a,
                                struct error *err)
{
	return control_set_click(r->s->c, *(bool *)a, err);
}

/* Track commands: the track by number or name, resolved under the
 * lock (the session's names). */
struct track_arg {
	const char *text;
	enum { TR_ARM, TR_ARM_TOGGLE, TR_MONITOR, TR_CUE } what;
	bool on;
	double db;
};

static enum rl_status resolve_track(struct osc_request *r, const char *text,
                                    uint32_t *number, struct error *err)
{
	*number = control_find_track(r->s->c, text);
	if (*number)
		return RL_OK;
	size_t n = control_session(r->s->c)->track_count;
	return error_set(err, RL_ERR_NOT_FOUND, "no track '%s' (the session "
	                 "has %zu: give 1-%zu or a name)", text, n, n);
}

static enum rl_status cmd_track(struct osc_request *r, void *a,
                                struct error *err)
{
	struct track_arg *t = a;
	struct control *c = r->s->c;
	uint32_t number;
	enum rl_status st = resolve_track(r, t->text, &number, err);
	if (st != RL_OK)
		return st;
	switch (t->what) {
	case TR_ARM_TOGGLE: {
		size_t n = read_tracks(r->s);
		bool armed = number <= n && number <= r->s->tracks_cap &&
		             r->s->tracks[number - 1].armed;
		return control_arm_track(c, number, !armed, err);
	}
	case TR_ARM:
		return control_arm_track(c, number, t->on, err);
	case TR_MONITOR:
		return control_monitor_track(c, number, t->on, t->db, err);
	case TR_CUE:
		return control_set_track_cue(c, number, t->db, err);
	}
	return RL_ERR_INVALID;
}

/* Takes: 0 stands for the last take finished. */
struct take_arg {
	enum { TK_KEEP, TK_RATE, TK_NOTE, TK_DISCARD, TK_RESTORE,
	       TK_COMP } what;
	int64_t take;
	const char *track;   /* keep: NULL for every track */
	int64_t value;       /* rating, comp on */
	const char *text;
};

static enum rl_status cmd_take(struct osc_request *r, void *a,
                               struct error *err)
{
	struct take_arg *t = a;
	struct control *c = r->s->c;
	uint32_t take = (uint32_t)t->take;
	if (t->what != TK_COMP && take == 0) {
		struct control_status st;
		control_status(c, &st);
		take = st.last_take;
		if (!take)
			return error_set(err, RL_ERR_NOT_FOUND, "take 0 means the "
			                 "last take, and none has finished yet");
	}
	switch (t->what) {
	case TK_KEEP: {
		uint32_t track = 0;
		if (t->track) {
			enum rl_status st = resolve_track(r, t->track, &track,
			                                  err);
			if (st != RL_OK)
				return st;
		}
		return control_take_keep(c, take, track, err);
	}
	case TK_RATE:
		return control_take_rate(c, take, (uint32_t)t->value, err);
	case TK_NOTE:
		return control_take_note(c, take, t->text, err);
	case TK_DISCARD:
		return control_take_discard(c, take, err);
	case TK_RESTORE:
		return control_take_restore(c, take, err);
	case TK_COMP:
		return control_use_comp(c, take, t->value != 0, err);
	}
	return RL_ERR_INVALID;
}

/* ---------------------------------------------------------------------- */
/* Feedback requests                                                      */

static enum rl_status parse_subscribe(struct osc_request *r,
                                      struct osc_feedback_prefs *p,
                                      uint16_t *port, double *timeout,
                                      struct error *err)
{
	*p = (struct osc_feedback_prefs){ .dialect = OSC_FEEDBACK_REDLIGHT };
	*port = 0;
	*timeout = OSC_DEFAULT_TIMEOUT;
	enum rl_status st = osc_address_count(r->argc, 0, 2, "[port] "
	                                      "[options]", err);
	for (int i = 0; st == RL_OK && i < r->argc; i++) {
		char t = r->types[i];
		if (t == LO_STRING || t == LO_SYMBOL) {
			char opts[256];
			snprintf(opts, sizeof opts, "%s", (const char *)r->argv[i]);
			char *save = NULL;
			for (char *tok = strtok_r(opts, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				char *end;
				if (!strcmp(tok, "meters")) {
					p->meters = true;
				} else if (!strcmp(tok, "reaper")) {
					p->dialect = OSC_FEEDBACK_REAPER;
				} else if (!strncmp(tok, "timeout=", 8) &&
				           (*timeout = strtod(tok + 8, &end),
				            end != tok + 8 && !*end &&
				            *timeout >= 0 && *timeout <= 86400)) {
					/* 0: until unsubscribed or the port
					 * closes */
				} else {
					return error_set(err, RL_ERR_INVALID,
					                 "unknown option '%s' (meters, "
					                 "reaper, timeout=SECONDS)",
					                 tok);
				}
			}
		} else {
			int64_t v;
			st = osc_address_int(r->types, r->argv, i, "port", 0,
			                     65535, &v, err);
			*port = (uint16_t)v;
		}
	}
	return st;
}

/* Ardour's /set_surface with up to nine numbers; only feedback (3rd)
 * and port (7th) matter here, bank_size limits the strips. */
static enum rl_status set_surface(struct osc_request *r, int which,
                                  struct error *err)
{
	struct osc_server *s = r->s;
	int64_t v[9] = { 0 };
	enum rl_status st = osc_address_count(r->argc, 1, which < 0 ? 9 : 1,
	                                      r->route->args, err);
	for (int i = 0; st == RL_OK && i < r->argc; i++)
		st = osc_address_int(r->types, r->argv, i, "value", 0,
		                     INT32_MAX, &v[i], err);
	if (st != RL_OK)
		return st;
	struct osc_client *cl = find_client(s, r->from, OSC_FEEDBACK_ARDOUR);
	if (!cl) {
		/* Feedback may go to another port of the sender. */
		for (size_t i = 0; i < OSC_MAX_CLIENTS && !cl; i++) {
			struct osc_client *x = &s->clients[i];
			if (x->used && x->prefs.dialect == OSC_FEEDBACK_ARDOUR &&
			    same_addr(&x->origin, r->from))
				cl = x;
		}
	}
	struct osc_feedback_prefs p = { .dialect = OSC_FEEDBACK_ARDOUR };
	uint16_t port = 0;
	if (cl) {
		p = cl->prefs;
		port = ntohs(cl->dest.ss_family == AF_INET
		             ? ((struct sockaddr_in *)(void *)&cl->dest)->sin_port
		             : ((struct sockaddr_in6 *)(void *)&cl->dest)->sin6_port);
	}
	if (which < 0) {
		p.bank_size = (uint32_t)v[0];
		p.ardour_bits = r->argc > 2 ? (uint32_t)v[2] : 0;
		if (r->argc > 6)
			port = v[6] > 65535 ? 0 : (uint16_t)v[6];
	} else if (which == OSC_ARDOUR_SURFACE_FEEDBACK) {
		p.ardour_bits = (uint32_t)v[0];
	} else if (which == OSC_ARDOUR_SURFACE_BANK_SIZE) {
		p.bank_size = (uint32_t)v[0];
	} else if (which == OSC_ARDOUR_SURFACE_PORT) {
		if (v[0] > 65535)
			return error_set(err, RL_ERR_INVALID, "port must be 0 to "
			                 "65535, got %" PRId64, v[0]);
		port = (uint16_t)v[0];
		if (cl)
			drop_client(s, cl, "moved to another port");
		cl = NULL;
	}
	if (p.ardour_bits == 0) {
		/* Ardour: feedback 0 is a surface that wants nothing. */
		if (cl)
			drop_client(s, cl, "feedback set to 0");
		return RL_OK;
	}
	/* Ardour surfaces never answer pings: they stay until feedback 0,
	 * or until ICMP says their port is closed. */
	return subscribe(r, &p, port, 0.0, err);
}

/* A whole state in one go (query): redlight's paths, with meters and
 * what feedback leaves out. */
struct query_take {
	uint32_t number, tracks, rating;
	uint64_t start, length;
	bool discarded, complete;
	char note[SESSION_NOTE_MAX];
};

static void send_query(struct osc_request *r)
{
	struct osc_server *s = r->s;
	struct control *c = s->c;
	struct osc_feedback_state state;
	osc_feedback_state_init(&state);
	struct control_status st;
	struct session_settings set;
	struct query_take *takes = NULL;
	size_t take_count = 0;
	char (*sections)[TEMPO_MAP_LABEL_MAX + 1] = NULL;
	size_t section_count = 0;
	char dir[SESSION_PATH_MAX];

	control_lock(c);
	control_status(c, &st);
	size_t n = read_tracks(s);
	set = *control_settings(c);
	const struct session *ses = control_session(c);
	snprintf(dir, sizeof dir, "%s", ses->dir);
	takes = calloc(ses->take_count ? ses->take_count : 1, sizeof *takes);
	for (size_t i = 0; takes && i < ses->take_count; i++) {
		const struct session_take *t = &ses->takes[i];
		takes[i] = (struct query_take){
			.number = t->number, .tracks = (uint32_t)t->file_count,
			.rating = t->rating, .start = t->start_frame,
			.length = t->length, .discarded = t->discarded,
			.complete = t->complete,
		};
		snprintf(takes[i].note, sizeof takes[i].note, "%s", t->note);
		take_count++;
	}
	const struct tempo_map *map = control_tempo_map(c);
	size_t entries = map ? tempo_map_entry_count(map) : 0;
	sections = calloc(entries ? entries : 1, sizeof *sections);
	for (size_t i = 0; sections && i < entries; i++) {
		struct tempo_map_entry_info e;
		tempo_map_entry(map, i, &e);
		if (e.label)
			snprintf(sections[section_count++], sizeof *sections,
			         "%s", e.label);
	}
	control_unlock(c);

	struct emit_ctx e = { s, r->from, r->from_len, 0 };
	struct osc_feedback_prefs prefs = { .dialect = OSC_FEEDBACK_REDLIGHT,
	                                    .meters = true };
	if (osc_feedback_state_set(&state, &st, s->tracks, n, dir, NULL) ==
	    RL_OK) {
		state.error_seq = s->state.error_seq;
		snprintf(state.error, sizeof state.error, "%s", s->state.error);
		osc_feedback_diff(&prefs, NULL, &state, emit_to, &e);
	}
	char path[96];
	lo_message m;
#define SEND(p, ...)                                                     \
	do {                                                             \
		if ((m = lo_message_new())) {                            \
			__VA_ARGS__;                                     \
			emit_to(&e, (p), m);                             \
			lo_message_free(m);                              \
		}                                                        \
	} while (0)
	SEND("/redlight/rate", lo_message_add_int32(m, (int32_t)st.sample_rate));
	SEND("/redlight/buffer", lo_message_add_int32(m, (int32_t)st.buffer_size));
	SEND("/redlight/dsp", lo_message_add_float(m, (float)st.dsp_load_pct));
	SEND("/redlight/ring", lo_message_add_float(m, (float)st.ring_fill_pct));
	SEND("/redlight/loop/range", lo_message_add_int64(m, st.loop_start);
	     lo_message_add_int64(m, st.loop_end));
	SEND("/redlight/punch",
	     lo_message_add_int64(m, st.punch_in == ENGINE_NO_FRAME ? -1
	                                                            : st.punch_in);
	     lo_message_add_int64(m, st.punch_out == ENGINE_NO_FRAME ? -1
	                                                             : st.punch_out));
	SEND("/redlight/settings/count_in",
	     lo_message_add_int32(m, (int32_t)set.count_in_bars));
	SEND("/redlight/settings/pre_roll",
	     lo_message_add_int32(m, (int32_t)set.pre_roll_bars));
	SEND("/redlight/cue/click/level",
	     lo_message_add_float(m, isfinite(set.cue_click_db)
	                              ? (float)set.cue_click_db : -200.0f));
	SEND("/redlight/click/level/db",
	     lo_message_add_float(m, isfinite(set.click_level_db)
	                              ? (float)set.click_level_db : -200.0f));
	SEND("/redlight/cue/scratch/level",
	     lo_message_add_float(m, isfinite(set.cue_scratch_db)
	                              ? (float)set.cue_scratch_db : -200.0f));
	for (size_t i = 0; i < n; i++) {
		const struct control_track *t = &s->tracks[i];
		snprintf(path, sizeof path, "/redlight/track/%u/info", t->number);
		SEND(path, lo_message_add_int32(m, t->rec_safe);
		     lo_message_add_int32(m, t->monitor);
		     lo_message_add_float(m, isfinite(t->monitor_db)
		                              ? (float)t->monitor_db : -200.0f);
		     lo_message_add_float(m, isfinite(t->cue_db)
		                              ? (float)t->cue_db : -200.0f);
		     lo_message_add_int32(m, (int32_t)t->keeper_take);
		     lo_message_add_string(m, t->group));
	}
	SEND("/redlight/sections", for (size_t i = 0; i < section_count; i++)
	             lo_message_add_string(m, sections[i]));
	SEND("/redlight/takes", lo_message_add_int32(m, (int32_t)take_count));
	for (size_t i = 0; i < take_count; i++) {
		const struct query_take *t = &takes[i];
		SEND("/redlight/take/info",
		     lo_message_add_int32(m, (int32_t)t->number);
		     lo_message_add_int64(m, (int64_t)t->start);
		     lo_message_add_int64(m, (int64_t)t->length);
		     lo_message_add_int32(m, (int32_t)t->tracks);
		     lo_message_add_int32(m, (int32_t)t->rating);
		     lo_message_add_int32(m, t->discarded);
		     lo_message_add_int32(m, t->complete);
		     lo_message_add_string(m, t->note));
	}
	SEND("/redlight/query/end", lo_message_add_int32(m, (int32_t)e.count));
#undef SEND
	free(takes);
	free(sections);
	osc_feedback_state_cleanup(&state);
}

/* ---------------------------------------------------------------------- */
/* Dispatch                                                               */

static const struct {
	int action;
	enum osc_address_id as;
} reaper_actions[] = {
	{ 1007, OSC_PLAY }, { 1016, OSC_STOP }, { 1013, OSC_REAPER_RECORD },
	{ 40042, OSC_LOCATE_START }, { 40157, OSC_MARKER },
	{ 1068, OSC_REAPER_REPEAT }, { 40364, OSC_REAPER_CLICK },
};

static enum rl_status dispatch(struct osc_request *r, enum osc_address_id id,
                               struct error *err);

static enum rl_status reaper_action(struct osc_request *r, int64_t action,
                                    struct error *err)
{
	for (size_t i = 0; i < sizeof reaper_actions / sizeof *reaper_actions;
	     i++) {
		if (reaper_actions[i].action == action) {
			r->argc = 0; /* the action itself is the press */
			return dispatch(r, reaper_actions[i].as, err);
		}
	}
	return error_set(err, RL_ERR_INVALID, "REAPER action %" PRId64 " is "
	                 "not one redlight knows (1007 play, 1016 stop, 1013 "
	                 "record, 40042 go to start, 40157 marker, 1068 "
	                 "repeat, 40364 metronome)", action);
}

static enum rl_status dispatch(struct osc_request *r, enum osc_address_id id,
                               struct error *err)
{
	struct osc_server *s = r->s;
	const char *ty = r->types;
	lo_arg **av = r->argv;
	int ac = r->argc;
	const char *args = r->route->args;
	enum rl_status st = RL_OK;
	switch (id) {
	case OSC_PING: {
		/* The pong carries back whatever the ping carried: a client
		 * can match answers to its questions. */
		send_to(s, r->from, r->from_len, "/redlight/pong", r->msg);
		return RL_OK;
	}
	case OSC_PONG: {
		/* heard_from() has already counted an answer from the
		 * subscriber's own address; the token finds one that answers
		 * from another port. */
		int64_t token;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK ||
		    ac == 0)
			return st;
		if ((st = osc_address_int(ty, av, 0, "token", INT32_MIN,
		                          INT32_MAX, &token, err)) != RL_OK)
			return st;
		for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
			struct osc_client *cl = &s->clients[i];
			if (cl->used && cl->token == token)
				cl->last_heard = r->now;
		}
		return RL_OK;
	}
	case OSC_QUERY:
		if ((st = osc_address_count(ac, 0, 0, "none", err)) != RL_OK)
			return st;
		if (r->now - s->query_window >= 1.0) {
			s->query_window = r->now;
			s->queries = 0;
		}
		if (++s->queries > OSC_QUERIES_PER_SECOND)
			return error_set(err, RL_ERR_STATE, "more than %d "
			                 "queries a second: this one is not "
			                 "answered", OSC_QUERIES_PER_SECOND);
		send_query(r);
		return RL_OK;
	case OSC_SUBSCRIBE: {
		struct osc_feedback_prefs p;
		uint16_t port;
		double timeout;
		st = parse_subscribe(r, &p, &port, &timeout, err);
		return st == RL_OK ? subscribe(r, &p, port, timeout, err) : st;
	}
	case OSC_UNSUBSCRIBE: {
		int64_t port = 0;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK ||
		    (ac && (st = osc_address_int(ty, av, 0, "port", 0, 65535,
		                                 &port, err)) != RL_OK))
			return st;
		/* Either dialect /redlight/subscribe gave it. */
		st = unsubscribe(r, OSC_FEEDBACK_REDLIGHT, (uint16_t)port, err);
		if (st != RL_OK)
			st = unsubscribe(r, OSC_FEEDBACK_REAPER, (uint16_t)port,
			                 err);
		return st;
	}

	case OSC_PLAY:
	case OSC_ARDOUR_PLAY:
	case OSC_REAPER_PLAY:
		return trigger(r, cmd_play, NULL, err);
	case OSC_STOP:
	case OSC_ARDOUR_STOP:
	case OSC_REAPER_STOP:
		return trigger(r, cmd_stop, NULL, err);
	case OSC_RECORD:
		return trigger(r, cmd_record, NULL, err);
	case OSC_ARDOUR_REC_TOGGLE:
	case OSC_REAPER_RECORD:
		return trigger(r, cmd_record_toggle, NULL, err);
	case OSC_TOGGLE_ROLL:
	case OSC_ARDOUR_TOGGLE_ROLL:
		return trigger(r, cmd_toggle_roll, NULL, err);
	case OSC_STOP_AFTER_PASS:
		return trigger(r, cmd_stop_after_pass, NULL, err);
	case OSC_LOCATE_START:
	case OSC_ARDOUR_GOTO_START:
		return trigger(r, cmd_start, NULL, err);
	case OSC_TAKE_NEW:
		return trigger(r, cmd_new_take, NULL, err);
	case OSC_ARDOUR_LOOP_TOGGLE:
	case OSC_REAPER_REPEAT:
		return trigger(r, cmd_loop_toggle, NULL, err);
	case OSC_ARDOUR_TOGGLE_CLICK:
	case OSC_REAPER_CLICK:
		return trigger(r, cmd_click_toggle, NULL, err);

	case OSC_MARKER:
	case OSC_ARDOUR_ADD_MARKER: {
		/* A name, or a button (no argument, 1 press, 0 release). */
		if (ac == 1 && (ty[0] == LO_STRING || ty[0] == LO_SYMBOL)) {
			const char *name = (const char *)av[0];
			return locked(r, cmd_marker, (void *)name, err);
		}
		return trigger(r, cmd_marker, NULL, err);
	}

	case OSC_RECORD_PUNCH: {
		struct punch_arg p;
		if ((st = osc_address_count(ac, 2, 2, args, err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 0, "from", &p.from,
		                           err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 1, "to", &p.to, err)) != RL_OK)
			return st;
		return locked(r, cmd_punch, &p, err);
	}
	case OSC_LOCATE: {
		struct locate_arg l = { .by = BY_FRAME };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK)
			return st;
		if (ty[0] == LO_STRING || ty[0] == LO_SYMBOL) {
			l.by = BY_TEXT;
			l.text = (const char *)av[0];
		} else if ((st = osc_address_int(ty, av, 0, "frame",
		                                 -(INT64_C(1) << 40),
		                                 INT64_C(1) << 48, &l.frame,
		                                 err)) != RL_OK) {
			return st;
		}
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_BAR: {
		struct locate_arg l = { .by = BY_BAR };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "bar", 1, 1000000, &l.frame,
		                          err)) != RL_OK)
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_SECTION: {
		struct locate_arg l = { .by = BY_SECTION };
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_text(ty, av, 0, "label", &l.text,
		                           err)) != RL_OK)
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOCATE_JUMP:
	case OSC_ARDOUR_JUMP_BARS: {
		struct locate_arg l = { .by = BY_JUMP };
		double bars;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_number(ty, av, 0, "bars", &bars,
		                             err)) != RL_OK)
			return st;
		if (fabs(bars) > 100000)
			return error_set(err, RL_ERR_INVALID, "argument 1 (bars) "
			                 "must be within +-100000, got %g", bars);
		l.frame = (int64_t)llround(bars);
		if (l.frame == 0)
			return RL_OK;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_ARDOUR_LOCATE: {
		struct locate_arg l = { .by = BY_FRAME };
		if ((st = osc_address_count(ac, 1, 2, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "sample", 0,
		                          INT64_C(1) << 48, &l.frame,
		                          err)) != RL_OK ||
		    (ac > 1 && (st = osc_address_bool(ty, av, 1, "roll", &l.roll,
		                                      err)) != RL_OK))
			return st;
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_REAPER_TIME: {
		struct locate_arg l = { .by = BY_FRAME };
		double secs;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_number(ty, av, 0, "seconds", &secs,
		                             err)) != RL_OK)
			return st;
		if (secs < 0 || secs > 1e7)
			return error_set(err, RL_ERR_INVALID, "argument 1 "
			                 "(seconds) must be 0 to 10000000, got %g",
			                 secs);
		control_lock(s->c);
		uint32_t rate = control_sample_rate(s->c);
		control_unlock(s->c);
		l.frame = (int64_t)llround(secs * rate);
		return locked(r, cmd_locate, &l, err);
	}
	case OSC_LOOP: {
		struct loop_arg l = { 0 };
		if ((st = osc_address_count(ac, 1, 3, args, err)) != RL_OK ||
		    (st = osc_address_bool(ty, av, 0, "on", &l.on, err)) != RL_OK)
			return st;
		if (ac == 2)
			return error_set(err, RL_ERR_INVALID, "a loop range is two "
			                 "positions, FROM and TO; got one");
		if (ac == 3 &&
		    ((st = osc_address_text(ty, av, 1, "from", &l.from,
		                            err)) != RL_OK ||
		     (st = osc_address_text(ty, av, 2, "to", &l.to,
		                            err)) != RL_OK))
			return st;
		return locked(r, cmd_loop, &l, err);
	}
	case OSC_CLICK: {
		bool on;
		if ((st = osc_address_count(ac, 0, 1, args, err)) != RL_OK)
			return st;
		if (ac == 0)
			return locked(r, cmd_click_toggle, NULL, err);
		if ((st = osc_address_bool(ty, av, 0, "on", &on, err)) != RL_OK)
			return st;
		return locked(r, cmd_click, &on, err);
	}
	case OSC_CLICK_LEVEL:
	case OSC_CUE_CLICK:
	case OSC_CUE_SCRATCH: {
		struct level_arg l = {
			.which = id == OSC_CLICK_LEVEL ? LVL_CLICK_OUT
			         : id == OSC_CUE_CLICK ? LVL_CUE_CLICK
			                               : LVL_CUE_SCRATCH,
		};
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_level(ty, av, 0, "dB", &l.db,
		                            err)) != RL_OK)
			return st;
		return locked(r, cmd_level, &l, err);
	}

	case OSC_TAKE_KEEP:
	case OSC_TAKE_RATE:
	case OSC_TAKE_NOTE:
	case OSC_TAKE_DISCARD:
	case OSC_TAKE_RESTORE:
	case OSC_COMP_USE: {
		struct take_arg t = { 0 };
		char track[SESSION_NAME_MAX];
		int min = 1, max = 1;
		switch (id) {
		case OSC_TAKE_KEEP: t.what = TK_KEEP; max = 2; break;
		case OSC_TAKE_RATE: t.what = TK_RATE; min = max = 2; break;
		case OSC_TAKE_NOTE: t.what = TK_NOTE; min = max = 2; break;
		case OSC_TAKE_DISCARD: t.what = TK_DISCARD; break;
		case OSC_TAKE_RESTORE: t.what = TK_RESTORE; break;
		default: t.what = TK_COMP; min = max = 2; break;
		}
		if ((st = osc_address_count(ac, min, max, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, t.what == TK_COMP ? "comp"
		                                                       : "take",
		                          t.what == TK_COMP ? 1 : 0, 999999,
		                          &t.take, err)) != RL_OK)
			return st;
		if (t.what == TK_KEEP && ac == 2) {
			if ((st = osc_address_track(ty, av, 1, track, sizeof track,
			                            err)) != RL_OK)
				return st;
			t.track = track;
		} else if (t.what == TK_RATE) {
			st = osc_address_int(ty, av, 1, "rating", 0,
			                     SESSION_RATING_MAX, &t.value, err);
		} else if (t.what == TK_NOTE) {
			st = osc_address_text(ty, av, 1, "text", &t.text, err);
		} else if (t.what == TK_COMP) {
			bool on;
			st = osc_address_bool(ty, av, 1, "on", &on, err);
			t.value = on;
		}
		if (st != RL_OK)
			return st;
		return locked(r, cmd_take, &t, err);
	}

	case OSC_TRACK_ARM:
	case OSC_TRACK_MONITOR:
	case OSC_TRACK_CUE:
	case OSC_TRACKN_ARM:
	case OSC_TRACKN_MONITOR:
	case OSC_TRACKN_CUE:
	case OSC_ARDOUR_RECENABLE:
	case OSC_ARDOUR_RECENABLE_N:
	case OSC_REAPER_RECARM:
	case OSC_REAPER_RECARM_TOGGLE: {
		/* Where the track is: first argument, or in the path. */
		char track[SESSION_NAME_MAX];
		bool in_path = id == OSC_TRACKN_ARM || id == OSC_TRACKN_MONITOR ||
		               id == OSC_TRACKN_CUE ||
		               id == OSC_ARDOUR_RECENABLE_N ||
		               id == OSC_REAPER_RECARM ||
		               id == OSC_REAPER_RECARM_TOGGLE;
		int first = in_path ? 0 : 1;
		struct track_arg t = { .text = track };
		if (in_path) {
			snprintf(track, sizeof track, "%s", r->capture);
		} else {
			if (ac < 1)
				return osc_address_count(ac, 1, 3, args, err);
			if ((st = osc_address_track(ty, av, 0, track,
			                            sizeof track, err)) != RL_OK)
				return st;
		}
		int rest = ac - first;
		switch (id) {
		case OSC_REAPER_RECARM_TOGGLE: {
			bool fire;
			if ((st = osc_address_trigger(ty, av, ac, &fire,
			                              err)) != RL_OK || !fire)
				return st;
			t.what = TR_ARM_TOGGLE;
			break;
		}
		case OSC_TRACK_ARM:
		case OSC_TRACKN_ARM:
		case OSC_ARDOUR_RECENABLE:
		case OSC_ARDOUR_RECENABLE_N:
		case OSC_REAPER_RECARM:
			if ((st = osc_address_count(ac, first, first + 1, args,
			                            err)) != RL_OK)
				return st;
			if (id == OSC_ARDOUR_RECENABLE && rest == 0)
				return osc_address_count(ac, 2, 2, args, err);
			t.what = TR_ARM_TOGGLE;
			if (rest == 1) {
				if ((st = osc_address_bool(ty, av, first, "on",
				                           &t.on, err)) != RL_OK)
					return st;
				t.what = TR_ARM;
			}
			break;
		case OSC_TRACK_MONITOR:
		case OSC_TRACKN_MONITOR:
			if ((st = osc_address_count(ac, first + 1, first + 2,
			                            args, err)) != RL_OK ||
			    (st = osc_address_bool(ty, av, first, "on", &t.on,
			                           err)) != RL_OK)
				return st;
			t.what = TR_MONITOR;
			if (rest == 2 &&
			    (st = osc_address_level(ty, av, first + 1, "dB",
			                            &t.db, err)) != RL_OK)
				return st;
			break;
		default: /* cue */
			if ((st = osc_address_count(ac, first + 1, first + 1,
			                            args, err)) != RL_OK ||
			    (st = osc_address_level(ty, av, first, "dB", &t.db,
			                            err)) != RL_OK)
				return st;
			t.what = TR_CUE;
			break;
		}
		return locked(r, cmd_track, &t, err);
	}

	case OSC_ARDOUR_SET_SURFACE:
		return set_surface(r, -1, err);
	case OSC_ARDOUR_SURFACE_FEEDBACK:
	case OSC_ARDOUR_SURFACE_BANK_SIZE:
	case OSC_ARDOUR_SURFACE_PORT:
		return set_surface(r, (int)id, err);
	case OSC_ARDOUR_SURFACE_IGNORED: {
		/* Accepted so Ardour layouts connect without a complaint;
		 * nothing here depends on them. */
		int64_t v;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK)
			return st;
		return osc_address_int(ty, av, 0, "value", 0, INT32_MAX, &v, err);
	}
	case OSC_ARDOUR_REFRESH: {
		bool fire;
		if ((st = osc_address_trigger(ty, av, ac, &fire, err)) != RL_OK ||
		    !fire)
			return st;
		for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
			struct osc_client *cl = &s->clients[i];
			if (cl->used && (same_addr(&cl->origin, r->from) ||
			                 same_addr(&cl->dest, r->from)))
				cl->sent = false; /* everything again */
		}
		return RL_OK;
	}
	case OSC_ARDOUR_TRANSPORT_FRAME:
	case OSC_ARDOUR_TRANSPORT_SPEED:
	case OSC_ARDOUR_RECORD_ENABLED: {
		if ((st = osc_address_count(ac, 0, 0, "none", err)) != RL_OK)
			return st;
		struct control_status cs;
		control_lock(s->c);
		control_status(s->c, &cs);
		control_unlock(s->c);
		lo_message m = lo_message_new();
		if (!m)
			return RL_OK;
		if (id == OSC_ARDOUR_TRANSPORT_FRAME)
			lo_message_add_int64(m, cs.pos.frame);
		else if (id == OSC_ARDOUR_TRANSPORT_SPEED)
			lo_message_add_float(m, cs.transport == ENGINE_STOPPED
			                        ? 0.0f : 1.0f);
		else
			lo_message_add_int32(m, cs.record_armed);
		send_to(s, r->from, r->from_len, r->route->pattern, m);
		lo_message_free(m);
		return RL_OK;
	}
	case OSC_REAPER_ACTION: {
		int64_t action;
		if ((st = osc_address_count(ac, 1, 1, args, err)) != RL_OK ||
		    (st = osc_address_int(ty, av, 0, "action", 0, INT32_MAX,
		                          &action, err)) != RL_OK)
			return st;
		return reaper_action(r, action, err);
	}
	case OSC_REAPER_ACTION_N: {
		char *end;
		long long action = strtoll(r->capture, &end, 10);
		if (*end || r->capture[0] < '0' || r->capture[0] > '9')
			return error_set(err, RL_ERR_INVALID, "'%s' is not a "
			                 "REAPER action number", r->capture);
		bool fire;
		if ((st = osc_address_trigger(ty, av, ac, &fire, err)) != RL_OK ||
		    !fire)
			return st;
		return reaper_action(r, action, err);
	}
	}
	return error_set(err, RL_ERR_INVALID, "no handler");
}

/* ---------------------------------------------------------------------- */
/* Packets                                                                */

static const char *lo_error_text(int code)
{
	switch (code) {
	case LO_EINVALIDPATH: return "the address is not a valid OSC string";
	case LO_ENOTYPE: return "no type tag string";
	case LO_EINVALIDTYPE: return "the type tag string is not valid";
	case LO_EBADTYPE: return "unknown type tag";
	case LO_ESIZE: return "the arguments do not fill the packet "
		              "(truncated or padded wrongly)";
	case LO_EINVALIDARG: return "an argument is not valid (truncated?)";
	case LO_ETERM: return "a string is not terminated";
	case LO_EPAD: return "bad padding";
	case LO_EALLOC: return "out of memory";
	}
	return "not an OSC message";
}

/* Printable copy of an address for a log line. */
static void show_path(const char *path, size_t len, char *out, size_t size)
{
	size_t j = 0;
	for (size_t i = 0; i < len && path[i] && j + 5 < size; i++) {
		unsigned char ch = (unsigned char)path[i];
		if (ch >= 0x20 && ch < 0x7f)
			out[j++] = (char)ch;
		else
			j += (size_t)snprintf(out + j, size - j, "\\x%02x", ch);
	}
	out[j] = '\0';
}

static void handle_message(struct osc_server *s, struct osc_request *r,
                           unsigned char *data, size_t len)
{
	char shown[96];
	const char *path = (const char *)data;
	if (data[0] != '/') {
		show_path(path, len < 16 ? len : 16, shown, sizeof shown);
		BAD(s, "ignored a packet from %s: not an OSC message or bundle "
		    "(it starts with '%s')", r->who, shown);
		s->bad_packets++;
		return;
	}
	if (!memchr(data, '\0', len)) {
		show_path(path, len < 48 ? len : 48, shown, sizeof shown);
		BAD(s, "ignored a packet from %s: address '%s...' is not "
		    "terminated (truncated?)", r->who, shown);
		s->bad_packets++;
		return;
	}
	struct error err;
	error_clear(&err);
	if (osc_address_check_path(path, &err) != RL_OK) {
		show_path(path, strlen(path), shown, sizeof shown);
		BAD(s, "ignored a packet from %s: %s", r->who, err.message);
		s->bad_packets++;
		return;
	}
	/* An unknown type tag would only be "invalid argument" from
	 * liblo: name it. */
	size_t at = (strlen(path) / 4 + 1) * 4;
	if (at < len && data[at] == ',') {
		const char *types = (const char *)data + at + 1;
		size_t tl = strnlen(types, len - at - 1);
		size_t bad = strspn(types, "ihfdsSbcmtTFNI");
		if (bad < tl) {
			BAD(s, "ignored %s from %s: unknown type tag '%c'", path,
			    r->who, types[bad] >= 0x20 && types[bad] < 0x7f
			            ? types[bad] : '?');
			s->bad_packets++;
			return;
		}
	}
	int res = 0;
	lo_message msg = lo_message_deserialise(data, len, &res);
	if (!msg) {
		show_path(path, strlen(path), shown, sizeof shown);
		BAD(s, "ignored %s from %s: malformed (%s)", shown, r->who,
		    lo_error_text(res));
		s->bad_packets++;
		return;
	}
	r->path = path;
	r->msg = msg;
	r->types = lo_message_get_types(msg);
	r->argc = lo_message_get_argc(msg);
	r->argv = lo_message_get_argv(msg);
	r->refused = false;
	r->route = osc_address_lookup(path, r->capture, sizeof r->capture);
	if (!r->route) {
		show_path(path, strlen(path), shown, sizeof shown);
		BAD(s, "ignored %s from %s: no such address (see "
		    "doc/osc.md)", shown, r->who);
		s->bad_packets++;
	} else if (r->route->writes && r->role != OSC_ACCESS_CONTROL) {
		BAD(s, "ignored %s from %s: that client is read-only "
		    "(--osc-read-only)", path, r->who);
		s->bad_packets++;
	} else if (dispatch(r, r->route->id, &err) != RL_OK) {
		if (r->refused) {
			post_limited(s, &s->refused_limit, CONTROL_ERROR,
			             "%s from %s refused: %s", path, r->who,
			             err.message);
		} else {
			BAD(s, "ignored %s from %s: %s", path, r->who,
			    err.message);
			s->bad_packets++;
		}
	}
	lo_message_free(msg);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Every element length of a bundle checked (recursively) before any
 * of it is acted on: a truncated bundle does nothing at all. */
static bool bundle_valid(const unsigned char *p, size_t len, int depth,
                         const char **why)
{
	if (len < 16 || memcmp(p, "#bundle", 8) != 0) {
		*why = "bundle header is cut short";
		return false;
	}
	if (depth >= OSC_BUNDLE_DEPTH) {
		*why = "bundles nested too deep";
		return false;
	}
	size_t at = 16;
	while (at < len) {
		if (len - at < 4) {
			*why = "bundle element length is cut short";
			return false;
		}
		uint32_t size = be32(p + at);
		at += 4;
		if (size == 0 || size % 4 || size > len - at) {
			*why = "bundle element overruns the packet (truncated?)";
			return false;
		}
		if (p[at] == '#' &&
		    !bundle_valid(p + at, size, depth + 1, why))
			return false;
		at += size;
	}
	return true;
}

/* Time tags are not honoured: a bundle acts at once, in order. */
static void handle_bundle(struct osc_server *s, struct osc_request *r,
                          unsigned char *p, size_t len)
{
	size_t at = 16;
	while (at < len) {
		uint32_t size = be32(p + at);
		at += 4;
		if (p[at] == '#')
			handle_bundle(s, r, p + at, size);
		else
			handle_message(s, r, p + at, size);
		at += size;
	}
}

static void handle_packet(struct osc_server *s, size_t len,
                          const struct sockaddr_storage *from,
                          socklen_t from_len, double now)
{
	char who[80];
	osc_access_format((const struct sockaddr *)from, who, sizeof who);
	s->packets++;
	enum osc_access_role role = osc_access_role(
		&s->access, (const struct sockaddr *)from);
	if (role == OSC_ACCESS_DENIED) {
		BAD(s, "ignored a packet from %s: not in the allow-list "
		    "(--osc-allow)", who);
		s->bad_packets++;
		return;
	}
	if (len > OSC_MAX_PACKET) {
		BAD(s, "ignored a packet of %zu bytes from %s: at most %d "
		    "are taken", len, who, OSC_MAX_PACKET);
		s->bad_packets++;
		return;
	}
	if (len == 0 || len % 4) {
		BAD(s, "ignored a packet of %zu bytes from %s: OSC packets "
		    "are a non-zero multiple of 4 bytes (truncated?)", len,
		    who);
		s->bad_packets++;
		return;
	}
	heard_from(s, from, now);
	struct osc_request r = {
		.s = s, .from = from, .from_len = from_len, .role = role,
		.who = who, .now = now,
	};
	s->buf[len] = '\0';
	if (s->buf[0] == '#') {
		const char *why = "";
		if (!bundle_valid(s->buf, len, 0, &why)) {
			BAD(s, "ignored a bundle from %s: %s", who, why);
			s->bad_packets++;
			return;
		}
		handle_bundle(s, &r, s->buf, len);
	} else {
		handle_message(s, &r, s->buf, len);
	}
}

/* ---------------------------------------------------------------------- */
/* Feedback tick                                                          */

static void send_messages(struct osc_server *s,
                          const struct control_message *msgs, size_t count)
{
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (!cl->used || cl->prefs.dialect != OSC_FEEDBACK_REDLIGHT)
			continue;
		for (size_t k = 0; k < count; k++) {
			lo_message m = lo_message_new();
			if (!m)
				continue;
			lo_message_add_int32(m, (int32_t)msgs[k].level);
			lo_message_add_string(m, msgs[k].text);
			send_to(s, &cl->dest, cl->dest_len, "/redlight/message",
			        m);
			lo_message_free(m);
		}
	}
}

static void tick(struct osc_server *s, double now)
{
	bool any = atomic_load_explicit(&s->client_count,
	                                memory_order_relaxed) > 0;
	struct control_status st = { 0 };
	struct control_message msgs[16];
	size_t msg_count = 0, n = 0;
	char dir[SESSION_PATH_MAX];

	control_lock(s->c);
	struct control_message m;
	while (control_next_message(s->c, s->msg_seq, &m)) {
		s->msg_seq = m.seq;
		if (m.level == CONTROL_ERROR) {
			s->state.error_seq = m.seq;
			snprintf(s->state.error, sizeof s->state.error, "%s",
			         m.text);
		}
		if (msg_count < sizeof msgs / sizeof *msgs)
			msgs[msg_count++] = m;
	}
	if (any) {
		control_status(s->c, &st);
		n = read_tracks(s);
		snprintf(dir, sizeof dir, "%s", control_session(s->c)->dir);
	}
	control_unlock(s->c);

	flush_limits(s, now);
	if (!any)
		return;
	if (osc_feedback_state_set(&s->state, &st, s->tracks, n, dir, NULL) !=
	    RL_OK)
		return;
	send_messages(s, msgs, msg_count);

	bool beat = now >= s->next_heartbeat;
	if (beat)
		s->next_heartbeat = now + 1.0;
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (!cl->used)
			continue;
		if (cl->timeout > 0 && now - cl->last_heard > cl->timeout) {
			drop_client(s, cl, "it stopped answering pings");
			continue;
		}
		struct emit_ctx e = { s, &cl->dest, cl->dest_len, 0 };
		osc_feedback_diff(&cl->prefs, cl->sent ? &cl->last : NULL,
		                  &s->state, emit_to, &e);
		if (osc_feedback_state_copy(&cl->last, &s->state, NULL) == RL_OK)
			cl->sent = true;
		lo_message pm;
		if (cl->timeout > 0 && now >= cl->next_ping &&
		    (pm = lo_message_new())) {
			lo_message_add_int32(pm, cl->token);
			send_to(s, &cl->dest, cl->dest_len, "/redlight/ping", pm);
			lo_message_free(pm);
			cl->next_ping = now + (cl->timeout / 4 < 0.5
			                       ? 0.5 : cl->timeout / 4);
		}
		if (beat && cl->prefs.dialect == OSC_FEEDBACK_ARDOUR &&
		    (cl->prefs.ardour_bits & OSC_ARDOUR_FB_HEARTBEAT) &&
		    (pm = lo_message_new())) {
			cl->heartbeat = !cl->heartbeat;
			lo_message_add_float(pm, cl->heartbeat ? 1.0f : 0.0f);
			send_to(s, &cl->dest, cl->dest_len, "/heartbeat", pm);
			lo_message_free(pm);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* The thread                                                             */

static void receive_batch(struct osc_server *s)
{
	for (int k = 0; k < OSC_BATCH; k++) {
		struct sockaddr_storage from;
		socklen_t from_len = sizeof from;
		ssize_t n = recvfrom(s->fd, s->buf, OSC_MAX_PACKET + 1,
		                     MSG_DONTWAIT | MSG_TRUNC,
		                     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH) {
				/* A pending ICMP error surfaced here. */
				drain_errors(s);
				continue;
			}
			return; /* EAGAIN: all read */
		}
		handle_packet(s, (size_t)n, &from, from_len, now_seconds());
	}
}

static void *server_main(void *arg)
{
	struct osc_server *s = arg;
	/* Signals are the main thread's (its handlers set flags the
	 * headless loop and the UI read). */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	double now = now_seconds();
	s->next_tick = now + OSC_TICK_SECONDS;
	s->next_heartbeat = now + 1.0;
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		now = now_seconds();
		double wait = s->next_tick - now;
		int timeout = wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
		struct pollfd pfd[2] = {
			{ .fd = s->fd, .events = POLLIN },
			{ .fd = s->wake_fd, .events = POLLIN },
		};
		int ready = poll(pfd, 2, timeout);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0 && (pfd[1].revents & POLLIN))
			break;
		if (ready > 0 && (pfd[0].revents & POLLERR))
			drain_errors(s);
		if (ready > 0 && (pfd[0].revents & POLLIN))
			receive_batch(s);
		now = now_seconds();
		if (now >= s->next_tick) {
			tick(s, now);
			s->next_tick += OSC_TICK_SECONDS;
			if (s->next_tick < now)
				s->next_tick = now + OSC_TICK_SECONDS;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle                                                              */

static enum rl_status open_socket(struct osc_server *s,
                                  const struct osc_config *cfg,
                                  struct error *err)
{
	uint16_t port = cfg->port ? cfg->port : OSC_DEFAULT_PORT;
	struct sockaddr_storage addr = { 0 };
	socklen_t addr_len;
	int family;
	if (cfg->bind) {
		char service[8];
		snprintf(service, sizeof service, "%u", port);
		struct addrinfo hints = { .ai_family = AF_UNSPEC,
		                          .ai_socktype = SOCK_DGRAM,
		                          .ai_flags = AI_PASSIVE |
		                                      AI_NUMERICSERV };
		struct addrinfo *ai = NULL;
		int rc = getaddrinfo(cfg->bind, service, &hints, &ai);
		if (rc != 0 || !ai)
			return error_set(err, RL_ERR_INVALID, "--osc-bind '%s': "
			                 "not an address of this machine (%s)",
			                 cfg->bind, gai_strerror(rc));
		memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
		addr_len = ai->ai_addrlen;
		family = ai->ai_family;
		freeaddrinfo(ai);
		s->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	} else {
		/* Dual stack: IPv6 and IPv4 tablets on one socket. */
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&addr;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons(port);
		addr_len = sizeof *a6;
		family = AF_INET6;
		s->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd >= 0) {
			int off = 0;
			setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			           sizeof off);
		} else if (errno == EAFNOSUPPORT) {
			struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&addr;
			memset(&addr, 0, sizeof addr);
			a4->sin_family = AF_INET;
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
			a4->sin_port = htons(port);
			addr_len = sizeof *a4;
			family = AF_INET;
			s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		}
	}
	if (s->fd < 0)
		return error_set(err, RL_ERR_SYSTEM, "OSC: cannot create a UDP "
		                 "socket: %s", strerror(errno));
	/* No SO_REUSEADDR: on UDP it would let two servers share the port
	 * and split the tablet's messages between them. */
	if (bind(s->fd, (struct sockaddr *)&addr, addr_len) != 0) {
		int e = errno;
		if (e == EADDRINUSE)
			return error_set(err, RL_ERR_EXISTS, "OSC: UDP port %u is "
			                 "already in use (another redlight, or "
			                 "Ardour?): choose another with --osc-port "
			                 "N, or --no-osc", port);
		if (e == EACCES)
			return error_set(err, RL_ERR_IO, "OSC: UDP port %u needs "
			                 "privileges: choose one above 1023 with "
			                 "--osc-port", port);
		if (e == EADDRNOTAVAIL)
			return error_set(err, RL_ERR_INVALID, "--osc-bind '%s': "
			                 "not an address of this machine",
			                 cfg->bind ? cfg->bind : "::");
		return error_set(err, RL_ERR_IO, "OSC: cannot bind UDP port %u: "
		                 "%s", port, strerror(e));
	}
	int on = 1;
	/* ICMP "port unreachable" for feedback we send: a client gone. */
	if (family == AF_INET6) {
		setsockopt(s->fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
		setsockopt(s->fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	} else {
		setsockopt(s->fd, SOL_IP, IP_RECVERR, &on, sizeof on);
	}
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof bound;
	s->port = port;
	if (getsockname(s->fd, (struct sockaddr *)&bound, &bound_len) == 0)
		s->port = ntohs(bound.ss_family == AF_INET
		                ? ((struct sockaddr_in *)(void *)&bound)->sin_port
		                : ((struct sockaddr_in6 *)(void *)&bound)->sin6_port);
	return RL_OK;
}

enum rl_status osc_server_new(struct control *c, const struct osc_config *cfg,
                              struct osc_server **out, struct error *err)
{
	*out = NULL;
	struct osc_config none = { 0 };
	if (!cfg)
		cfg = &none;
	struct osc_server *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, RL_ERR_NOMEM, "out of memory (OSC server)");
	s->c = c;
	s->fd = -1;
	s->wake_fd = -1;
	s->bad_limit.interval = 1.0;
	s->refused_limit.interval = 1.0;
	osc_feedback_state_init(&s->state);
	enum rl_status st = osc_access_init(&s->access, cfg->allow,
	                                    cfg->read_only, err);
	if (st == RL_OK)
		st = open_socket(s, cfg, err);
	if (st == RL_OK) {
		s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->wake_fd < 0)
			st = error_set(err, RL_ERR_SYSTEM, "OSC: eventfd: %s",
			               strerror(errno));
	}
	if (st == RL_OK) {
		/* Everything the recorder has said so far is not news. */
		control_lock(c);
		struct control_status cs;
		control_status(c, &cs);
		s->msg_seq = cs.message_seq;
		control_unlock(c);
		int rc = pthread_create(&s->thread, NULL, server_main, s);
		if (rc != 0)
			st = error_set(err, RL_ERR_SYSTEM, "OSC: cannot start its "
			               "thread: %s", strerror(rc));
		else
			s->thread_started = true;
	}
	if (st != RL_OK) {
		osc_server_free(s);
		return st;
	}
	pthread_setname_np(s->thread, "rl-osc");
	*out = s;
	return RL_OK;
}

void osc_server_free(struct osc_server *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		atomic_store_explicit(&s->stop, true, memory_order_release);
		uint64_t one = 1;
		if (write(s->wake_fd, &one, sizeof one) < 0) {
			/* The flag alone stops it within one tick. */
		}
		pthread_join(s->thread, NULL);
	}
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++)
		osc_feedback_state_cleanup(&s->clients[i].last);
	osc_feedback_state_cleanup(&s->state);
	free(s->tracks);
	if (s->fd >= 0)
		close(s->fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	free(s);
}

uint32_t osc_server_clients(const struct osc_server *s)
{
	return s ? (uint32_t)atomic_load_explicit(&s->client_count,
	                                          memory_order_acquire)
	         : 0;
}

uint16_t osc_server_port(const struct osc_server *s)
{
	return s ? s->port : 0;
}
