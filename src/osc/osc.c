/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC server: one thread, one UDP socket, the clients, and the
 * feedback sender. The address space -- each path's role, arguments and
 * handler -- is the table in osc_routes.c (the user actions' handlers
 * are there, OSC's own in osc_handlers.c); the argument checks
 * osc_address.c; the feedback state and its differences osc_feedback.c.
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
 * state once and send each subscribed client its difference. Every
 * argument is checked before a handler runs, and an action holds the
 * control lock only for its own call: the lock is never the audio
 * thread's, so no number of messages can delay the recording -- they
 * only cost this thread's CPU, and the kernel drops what it cannot take.
 */
#include "osc_internal.h"

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

double osc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------- */
/* Log lines: one a second per kind, with the count of what was left out */

void osc_post_limited(struct osc_server *s, struct osc_access_limiter *l,
                      enum control_level level, const char *fmt, ...)
{
	uint64_t left_out;
	if (!osc_access_limiter_allow(l, osc_now(), &left_out))
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
bool osc_same_addr(const struct sockaddr_storage *a,
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

void osc_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)a)->sin_port = htons(port);
	else if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)a)->sin6_port = htons(port);
}

uint16_t osc_get_port(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)a)->sin_port);
	if (a->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)a)
		             ->sin6_port);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Sending: everything goes out through here                              */

void osc_send_to(struct osc_server *s, const struct sockaddr_storage *to,
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

void osc_out_init(struct osc_out *o, struct osc_server *s,
                  const struct sockaddr_storage *to, socklen_t len,
                  bool single)
{
	o->s = s;
	o->to = to;
	o->len = len;
	o->single = single;
	o->used = 0;
	o->count = 0;
	o->sent = 0;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void osc_out_flush(struct osc_out *o)
{
	if (o->count == 1) {
		/* A bundle of one is just the message. */
		(void)sendto(o->s->fd, o->buf + 20, get_be32(o->buf + 16),
		             MSG_DONTWAIT | MSG_NOSIGNAL,
		             (const struct sockaddr *)o->to, o->len);
	} else if (o->count > 1) {
		(void)sendto(o->s->fd, o->buf, o->used,
		             MSG_DONTWAIT | MSG_NOSIGNAL,
		             (const struct sockaddr *)o->to, o->len);
	}
	o->used = 0;
	o->count = 0;
}

void osc_out_add(struct osc_out *o, const char *path, lo_message m)
{
	size_t size = lo_message_length(m, path);
	o->sent++;
	if (o->single || size + 20 > sizeof o->buf) {
		/* Too big for a bundle of ours (a long note): alone. */
		osc_out_flush(o);
		osc_send_to(o->s, o->to, o->len, path, m);
		return;
	}
	if (o->used + 4 + size > sizeof o->buf)
		osc_out_flush(o);
	if (o->used == 0) {
		/* "#bundle", then the time tag "immediately" (0, 1). */
		memcpy(o->buf, "#bundle\0\0\0\0\0\0\0\0\1", 16);
		o->used = 16;
	}
	put_be32(o->buf + o->used, (uint32_t)size);
	lo_message_serialise(m, path, o->buf + o->used + 4, &size);
	o->used += 4 + size;
	o->count++;
}

void osc_out_emit(void *ctx, const char *path, lo_message m)
{
	osc_out_add(ctx, path, m);
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

void osc_drop_client(struct osc_server *s, struct osc_client *cl,
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

struct osc_client *osc_find_client(struct osc_server *s,
                                   const struct sockaddr_storage *dest,
                                   enum osc_feedback_dialect dialect)
{
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (cl->used && cl->prefs.dialect == dialect &&
		    osc_same_addr(&cl->dest, dest))
			return cl;
	}
	return NULL;
}

enum rl_status osc_subscribe(struct osc_request *r,
                             const struct osc_feedback_prefs *prefs,
                             bool single, uint16_t port, double timeout,
                             struct error *err)
{
	struct osc_server *s = r->s;
	struct sockaddr_storage dest = *r->from;
	if (port)
		osc_set_port(&dest, port);
	struct osc_client *cl = osc_find_client(s, &dest, prefs->dialect);
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
	cl->single = single;
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

enum rl_status osc_unsubscribe(struct osc_request *r,
                               enum osc_feedback_dialect dialect,
                               uint16_t port, struct error *err)
{
	struct sockaddr_storage dest = *r->from;
	if (port)
		osc_set_port(&dest, port);
	struct osc_client *cl = osc_find_client(r->s, &dest, dialect);
	if (!cl)
		return error_set(err, RL_ERR_NOT_FOUND, "was not subscribed");
	osc_drop_client(r->s, cl, "unsubscribed");
	return RL_OK;
}

/* Any message from a client proves it is there. */
static void heard_from(struct osc_server *s,
                       const struct sockaddr_storage *from, double now)
{
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (cl->used && (osc_same_addr(&cl->origin, from) ||
		                 osc_same_addr(&cl->dest, from)))
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
			if (cl->used && osc_same_addr(&cl->dest, &to))
				osc_drop_client(s, cl, code == ECONNREFUSED
				                   ? "its port is closed"
				                   : "unreachable");
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Reading the recorder's state (under the lock, only copies)             */

/* control_tracks() into s->tracks, grown as needed. Locked. */
size_t osc_read_tracks(struct osc_server *s)
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
		/* Bytes, not text: it may not be text at all. */
		int at = 0;
		for (size_t i = 0; i < len && i < 8; i++)
			at += snprintf(shown + at, sizeof shown - (size_t)at,
			               "%s%02x", i ? " " : "", data[i]);
		OSC_BAD(s, "ignored a packet from %s: not an OSC message or bundle "
			"(it starts with %s)", r->who, shown);
		s->bad_packets++;
		return;
	}
	if (!memchr(data, '\0', len)) {
		show_path(path, len < 48 ? len : 48, shown, sizeof shown);
		OSC_BAD(s, "ignored a packet from %s: address '%s...' is not "
			"terminated (truncated?)", r->who, shown);
		s->bad_packets++;
		return;
	}
	struct error err;
	error_clear(&err);
	if (osc_address_check_path(path, &err) != RL_OK) {
		show_path(path, strlen(path), shown, sizeof shown);
		OSC_BAD(s, "ignored a packet from %s: %s", r->who, err.message);
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
			char tag = types[bad] >= 0x20 && types[bad] < 0x7f
			           ? types[bad] : '?';
			OSC_BAD(s, "ignored %s from %s: unknown type tag '%c'", path,
				r->who, tag);
			s->bad_packets++;
			return;
		}
	}
	int res = 0;
	lo_message msg = lo_message_deserialise(data, len, &res);
	if (!msg) {
		show_path(path, strlen(path), shown, sizeof shown);
		OSC_BAD(s, "ignored %s from %s: malformed (%s)", shown, r->who,
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
	r->route = osc_route_lookup(path, r->capture, sizeof r->capture);
	if (!r->route) {
		show_path(path, strlen(path), shown, sizeof shown);
		OSC_BAD(s, "ignored %s from %s: no such address (see "
			"doc/osc.md)", shown, r->who);
		s->bad_packets++;
	} else if (r->role < r->route->role) {
		OSC_BAD(s, "ignored %s from %s: that client is read-only "
			"(--osc-read-only)", path, r->who);
		s->bad_packets++;
	} else if (osc_dispatch(r, &err) != RL_OK) {
		if (r->refused) {
			osc_post_limited(s, &s->refused_limit, CONTROL_ERROR,
					 "%s from %s refused: %s", path, r->who,
					 err.message);
		} else {
			OSC_BAD(s, "ignored %s from %s: %s", path, r->who,
				err.message);
			s->bad_packets++;
		}
	}
	lo_message_free(msg);
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
		uint32_t size = get_be32(p + at);
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
		uint32_t size = get_be32(p + at);
		at += 4;
		if (p[at] == '#')
			handle_bundle(s, r, p + at, size);
		else
			handle_message(s, r, p + at, size);
		at += size;
	}
}

void osc_handle_packet(struct osc_server *s, size_t len,
                       const struct sockaddr_storage *from,
                       socklen_t from_len, double now)
{
	char who[80];
	osc_access_format((const struct sockaddr *)from, who, sizeof who);
	s->packets++;
	enum osc_access_role role = osc_access_role(
		&s->access, (const struct sockaddr *)from);
	if (role == OSC_ACCESS_DENIED) {
		OSC_BAD(s, "ignored a packet from %s: not in the allow-list "
			"(--osc-allow)", who);
		s->bad_packets++;
		return;
	}
	if (len > OSC_MAX_PACKET) {
		OSC_BAD(s, "ignored a packet of %zu bytes from %s: at most %d "
			"are taken", len, who, OSC_MAX_PACKET);
		s->bad_packets++;
		return;
	}
	if (len == 0 || len % 4) {
		OSC_BAD(s, "ignored a packet of %zu bytes from %s: OSC packets "
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
			OSC_BAD(s, "ignored a bundle from %s: %s", who, why);
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

void osc_tick(struct osc_server *s, double now)
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
		n = osc_read_tracks(s);
		snprintf(dir, sizeof dir, "%s", control_session(s->c)->dir);
	}
	control_unlock(s->c);

	flush_limits(s, now);
	if (!any)
		return;
	if (osc_feedback_state_set(&s->state, &st, s->tracks, n, dir, NULL) !=
	    RL_OK)
		return;

	bool beat = now >= s->next_heartbeat;
	if (beat)
		s->next_heartbeat = now + 1.0;
	for (size_t i = 0; i < OSC_MAX_CLIENTS; i++) {
		struct osc_client *cl = &s->clients[i];
		if (!cl->used)
			continue;
		if (cl->timeout > 0 && now - cl->last_heard > cl->timeout) {
			osc_drop_client(s, cl, "it stopped answering pings");
			continue;
		}
		/* Everything for this client this tick, in as few datagrams
		 * as it fits. */
		struct osc_out o;
		osc_out_init(&o, s, &cl->dest, cl->dest_len, cl->single);
		lo_message pm;
		for (size_t k = 0; cl->prefs.dialect == OSC_FEEDBACK_REDLIGHT &&
		                   k < msg_count; k++) {
			if (!(pm = lo_message_new()))
				continue;
			lo_message_add_int32(pm, (int32_t)msgs[k].level);
			lo_message_add_string(pm, msgs[k].text);
			osc_out_add(&o, "/redlight/message", pm);
			lo_message_free(pm);
		}
		osc_feedback_diff(&cl->prefs, cl->sent ? &cl->last : NULL,
		                  &s->state, osc_out_emit, &o);
		if (osc_feedback_state_copy(&cl->last, &s->state, NULL) == RL_OK)
			cl->sent = true;
		if (cl->timeout > 0 && now >= cl->next_ping &&
		    (pm = lo_message_new())) {
			lo_message_add_int32(pm, cl->token);
			osc_out_add(&o, "/redlight/ping", pm);
			lo_message_free(pm);
			cl->next_ping = now + (cl->timeout / 4 < 0.5
			                       ? 0.5 : cl->timeout / 4);
		}
		if (beat && cl->prefs.dialect == OSC_FEEDBACK_ARDOUR &&
		    (cl->prefs.ardour_bits & OSC_ARDOUR_FB_HEARTBEAT) &&
		    (pm = lo_message_new())) {
			cl->heartbeat = !cl->heartbeat;
			lo_message_add_float(pm, cl->heartbeat ? 1.0f : 0.0f);
			osc_out_add(&o, "/heartbeat", pm);
			lo_message_free(pm);
		}
		osc_out_flush(&o);
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
		osc_handle_packet(s, (size_t)n, &from, from_len, osc_now());
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

	double now = osc_now();
	s->next_tick = now + OSC_TICK_SECONDS;
	s->next_heartbeat = now + 1.0;
	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		now = osc_now();
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
		now = osc_now();
		if (now >= s->next_tick) {
			osc_tick(s, now);
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

enum rl_status osc_server_prepare(struct control *c,
                                  const struct osc_config *cfg,
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
	if (st != RL_OK) {
		osc_server_free(s);
		return st;
	}
	/* Everything the recorder has said so far is not news. */
	control_lock(c);
	struct control_status cs;
	control_status(c, &cs);
	s->msg_seq = cs.message_seq;
	control_unlock(c);
	*out = s;
	return RL_OK;
}

enum rl_status osc_server_new(struct control *c, const struct osc_config *cfg,
                              struct osc_server **out, struct error *err)
{
	struct osc_config none = { 0 };
	struct osc_server *s;
	if (!cfg)
		cfg = &none;
	enum rl_status st = osc_server_prepare(c, cfg, &s, err);
	if (st != RL_OK)
		return st;
	st = open_socket(s, cfg, err);
	if (st == RL_OK) {
		s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->wake_fd < 0)
			st = error_set(err, RL_ERR_SYSTEM, "OSC: eventfd: %s",
			               strerror(errno));
	}
	if (st == RL_OK) {
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
