/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * osc-client: the OSC client of the end-to-end tests and the benchmark,
 * built on liblo like a tablet app's OSC stack: it receives with a
 * lo_server (so it sees our feedback exactly as liblo decodes it) and
 * sends from that server's socket (so replies come back to it).
 *
 *   osc-client watch HOST PORT SECONDS [--subscribe OPTIONS]
 *              [--ardour FEEDBACK] [--no-pong] [--unsubscribe-after S]
 *       Listen on a port of its own for SECONDS, print every message
 *       received as "path types value..." (one line, flushed); with
 *       --subscribe send /redlight/subscribe OPTIONS first, with
 *       --ardour /set_surface 0 0 FEEDBACK 0; answer /redlight/ping with
 *       /redlight/pong unless --no-pong; --unsubscribe-after sends
 *       /redlight/unsubscribe then, and prints "# unsubscribed".
 *   osc-client rtt HOST PORT COUNT ping|query
 *       COUNT round trips, one at a time; prints
 *       "rtt ping: n=COUNT median=...us p99=...us max=...us".
 *   osc-client flood HOST PORT SECONDS RATE
 *       RATE packets a second for SECONDS, a mix of valid questions,
 *       refused commands, unknown paths, wrong types and garbage bytes;
 *       prints "flood: sent N packets".
 *   osc-client garbage HOST PORT [GAP_MS]
 *       One of each kind of malformed packet (GAP_MS apart, default 2),
 *       then "garbage: sent N".
 *   osc-client clients HOST PORT N SECONDS OPTIONS
 *       N subscribed clients (separate sockets) answering pings for
 *       SECONDS; prints "clients: N received M messages (R per client
 *       per second)".
 *   osc-client send [--from ADDR] [--expect PATH] HOST PORT PATH [ARG...]
 *       One message from a socket bound to ADDR (default any), each
 *       ARG "i:3", "h:96000", "f:-6", "s:text", "T" or "F"; with
 *       --expect wait up to a second for a reply with that path, print
 *       it as "path types value..." and exit 0, or exit 3 if none came.
 *   osc-client record-latency HOST PORT TAKES SECONDS
 *       TAKES times: read JACK's frame time, send /redlight/record,
 *       record SECONDS, send /redlight/stop, wait for the take to be
 *       finished (feedback); prints "sent_frame F take N" per take (the
 *       bench compares F with the take's first source frame).
 *
 * Exit status 0, or 1 with a line on stderr.
 */
#include <jack/jack.h>
#include <lo/lo.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "osc-client"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, const char *what)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	exit(1);
}

static void on_lo_error(int num, const char *msg, const char *where)
{
	fprintf(stderr, PROG ": liblo error %d: %s (%s)\n", num, msg,
	        where ? where : "");
}

/* A liblo server on a free port, and the recorder's address. */
struct peer {
	lo_server srv;
	lo_address to;
	/* What the handler saw. */
	FILE *print;
	bool pong;
	bool answer_pings;
	uint64_t received;
	bool got_pong, got_query_end;
	int32_t recording;        /* -1: not heard */
	int32_t take_now;         /* the take recording, 0: none */
	int32_t last_take;
};

static int print_arg(char *buf, size_t size, char t, lo_arg *a)
{
	/* memcpy: arguments are 4-byte aligned in the packet. */
	int32_t i;
	int64_t h;
	float f;
	double d;
	switch (t) {
	case 'i': memcpy(&i, a, 4); return snprintf(buf, size, " %d", i);
	case 'h': memcpy(&h, a, 8);
		return snprintf(buf, size, " %" PRId64, h);
	case 'f': memcpy(&f, a, 4); return snprintf(buf, size, " %g", f);
	case 'd': memcpy(&d, a, 8); return snprintf(buf, size, " %g", d);
	case 's': case 'S':
		return snprintf(buf, size, " \"%s\"", (const char *)a);
	case 'T': return snprintf(buf, size, " true");
	case 'F': return snprintf(buf, size, " false");
	}
	return snprintf(buf, size, " ?");
}

static int32_t int_arg(const char *types, lo_arg **argv, int i)
{
	int32_t v = 0;
	float f;
	if (types[i] == 'i')
		memcpy(&v, argv[i], 4);
	else if (types[i] == 'f') {
		memcpy(&f, argv[i], 4);
		v = (int32_t)f;
	}
	return v;
}

static int on_message(const char *path, const char *types, lo_arg **argv,
                      int argc, lo_message msg, void *user)
{
	struct peer *p = user;
	p->received++;
	if (p->print) {
		char line[1024];
		int at = snprintf(line, sizeof line, "%s %s", path, types);
		for (int i = 0; i < argc && at < (int)sizeof line - 80; i++)
			at += print_arg(line + at, sizeof line - (size_t)at,
			                types[i], argv[i]);
		fprintf(p->print, "%s\n", line);
		fflush(p->print);
	}
	if (!strcmp(path, "/redlight/ping") && p->answer_pings) {
		lo_message m = lo_message_new();
		if (argc == 1 && types[0] == 'i')
			lo_message_add_int32(m, int_arg(types, argv, 0));
		lo_send_message_from(p->to, p->srv, "/redlight/pong", m);
		lo_message_free(m);
	} else if (!strcmp(path, "/redlight/pong")) {
		p->got_pong = true;
	} else if (!strcmp(path, "/redlight/query/end")) {
		p->got_query_end = true;
	} else if (!strcmp(path, "/redlight/recording") && argc == 1) {
		p->recording = int_arg(types, argv, 0);
	} else if (!strcmp(path, "/redlight/take") && argc == 1) {
		p->take_now = int_arg(types, argv, 0);
	} else if (!strcmp(path, "/redlight/take/last") && argc == 1) {
		p->last_take = int_arg(types, argv, 0);
	}
	(void)msg;
	return 0;
}

static void peer_open(struct peer *p, const char *host, const char *port)
{
	memset(p, 0, sizeof *p);
	p->recording = -1;
	p->last_take = -1;
	p->answer_pings = true;
	p->srv = lo_server_new_with_proto(NULL, LO_UDP, on_lo_error);
	if (!p->srv)
		die("cannot open a UDP port%s", "");
	lo_server_add_method(p->srv, NULL, NULL, on_message, p);
	p->to = lo_address_new(host, port);
	if (!p->to)
		die("bad address %s", host);
}

static void peer_close(struct peer *p)
{
	lo_address_free(p->to);
	lo_server_free(p->srv);
}

static void send0(struct peer *p, const char *path)
{
	lo_message m = lo_message_new();
	lo_send_message_from(p->to, p->srv, path, m);
	lo_message_free(m);
}

static void send_s(struct peer *p, const char *path, const char *s)
{
	lo_message m = lo_message_new();
	lo_message_add_string(m, s);
	lo_send_message_from(p->to, p->srv, path, m);
	lo_message_free(m);
}

/* Receive for up to `secs`, or until *flag. */
static void pump(struct peer *p, double secs, const bool *flag)
{
	double end = now_s() + secs;
	while ((!flag || !*flag) && now_s() < end) {
		double left = end - now_s();
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
		lo_server_recv_noblock(p->srv, ms);
	}
}

static int cmd_watch(int argc, char **argv)
{
	if (argc < 3)
		die("watch HOST PORT SECONDS [options]%s", "");
	struct peer p;
	peer_open(&p, argv[0], argv[1]);
	p.print = stdout;
	double secs = atof(argv[2]);
	double unsub_after = -1;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--subscribe") && i + 1 < argc) {
			const char *opts = argv[++i];
			if (*opts)
				send_s(&p, "/redlight/subscribe", opts);
			else
				send0(&p, "/redlight/subscribe");
		} else if (!strcmp(argv[i], "--ardour") && i + 1 < argc) {
			lo_message m = lo_message_new();
			lo_message_add_int32(m, 0);
			lo_message_add_int32(m, 0);
			lo_message_add_int32(m, atoi(argv[++i]));
			lo_message_add_int32(m, 0);
			lo_send_message_from(p.to, p.srv, "/set_surface", m);
			lo_message_free(m);
		} else if (!strcmp(argv[i], "--no-pong")) {
			p.answer_pings = false;
		} else if (!strcmp(argv[i], "--unsubscribe-after") &&
		           i + 1 < argc) {
			unsub_after = atof(argv[++i]);
		} else {
			die("watch: unknown option %s", argv[i]);
		}
	}
	printf("# listening on %d\n", lo_server_get_port(p.srv));
	fflush(stdout);
	if (unsub_after >= 0 && unsub_after < secs) {
		pump(&p, unsub_after, NULL);
		send0(&p, "/redlight/unsubscribe");
		printf("# unsubscribed\n");
		fflush(stdout);
		pump(&p, secs - unsub_after, NULL);
	} else {
		pump(&p, secs, NULL);
	}
	peer_close(&p);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmd_rtt(int argc, char **argv)
{
	if (argc != 4)
		die("rtt HOST PORT COUNT ping|query%s", "");
	struct peer p;
	peer_open(&p, argv[0], argv[1]);
	int count = atoi(argv[2]);
	bool query = !strcmp(argv[3], "query");
	if (count < 1)
		die("rtt: COUNT must be at least 1%s", "");
	double *t = calloc((size_t)count, sizeof *t);
	int lost = 0;
	for (int i = 0; i < count; i++) {
		bool *flag = query ? &p.got_query_end : &p.got_pong;
		*flag = false;
		double t0 = now_s();
		if (query) {
			send0(&p, "/redlight/query");
		} else {
			lo_message m = lo_message_new();
			lo_message_add_int32(m, i);
			lo_send_message_from(p.to, p.srv, "/redlight/ping", m);
			lo_message_free(m);
		}
		while (!*flag && now_s() - t0 < 1.0)
			lo_server_recv_noblock(p.srv, 100);
		if (!*flag) {
			lost++;
			t[i] = 1.0;
		} else {
			t[i] = now_s() - t0;
		}
		if (query) {
			/* Stay under the server's 20 queries a second. */
			double wait = 0.06 - (now_s() - t0);
			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
		}
	}
	qsort(t, (size_t)count, sizeof *t, cmp_double);
	printf("rtt %s: n=%d median=%.0fus p99=%.0fus max=%.0fus lost=%d\n",
	       argv[3], count, t[count / 2] * 1e6,
	       t[(int)((count - 1) * 0.99)] * 1e6, t[count - 1] * 1e6, lost);
	free(t);
	peer_close(&p);
	return lost ? 1 : 0;
}

/* Raw packets, for garbage liblo would never build. */
struct raw {
	int fd;
	struct sockaddr_storage to;
	socklen_t len;
};

static void raw_open(struct raw *r, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		die("cannot resolve %s", host);
	memcpy(&r->to, ai->ai_addr, ai->ai_addrlen);
	r->len = ai->ai_addrlen;
	r->fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	freeaddrinfo(ai);
	if (r->fd < 0)
		die("socket: %s", strerror(errno));
	int big = 1 << 20;
	setsockopt(r->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
}

static void raw_send(struct raw *r, const void *data, size_t size)
{
	/* A full socket buffer drops the packet: that is what UDP does. */
	(void)sendto(r->fd, data, size, MSG_DONTWAIT,
	             (const struct sockaddr *)&r->to, r->len);
}

/* One serialised packet of the mix. */
struct packet {
	unsigned char data[2048];
	size_t size;
};

static void build(struct packet *pk, const char *path, lo_message m)
{
	pk->size = sizeof pk->data;
	if (lo_message_length(m, path) > sizeof pk->data)
		die("packet too big for %s", path);
	lo_message_serialise(m, path, pk->data, &pk->size);
	lo_message_free(m);
}

static lo_message mi(int32_t v)
{
	lo_message m = lo_message_new();
	lo_message_add_int32(m, v);
	return m;
}

static lo_message ms(const char *v)
{
	lo_message m = lo_message_new();
	lo_message_add_string(m, v);
	return m;
}

/* Malformed packets: each a different way of being wrong. */
static size_t garbage_set(struct packet *out)
{
	size_t n = 0;
	static const unsigned char junk[] = "\x00\x01\x02\xff\xfe garbage!!";
	memcpy(out[n].data, junk, 16);
	out[n++].size = 16;
	/* No type tag string. */
	memcpy(out[n].data, "/redlight/record\0\0\0\0", 20);
	out[n++].size = 20;
	/* Type tag says an int, the packet ends. */
	memcpy(out[n].data, "/redlight/take/rate\0,ii\0\0\0\0\x01", 28);
	out[n++].size = 28;
	/* Unknown type tag. */
	memcpy(out[n].data, "/redlight/play\0\0,Z\0\0", 20);
	out[n++].size = 20;
	/* Unterminated address filling the packet. */
	memset(out[n].data, 'a', 64);
	out[n].data[0] = '/';
	out[n++].size = 64;
	/* Not a multiple of 4. */
	memcpy(out[n].data, "/redlight/play\0\0,\0\0\0X", 21);
	out[n++].size = 21;
	/* A bundle whose element overruns it. */
	memcpy(out[n].data, "#bundle\0\0\0\0\0\0\0\0\x01\0\0\x01\0"
	                    "/redlight/stop\0\0,\0\0\0", 40);
	out[n++].size = 40;
	/* A bundle header cut short. */
	memcpy(out[n].data, "#bundle\0\0\0\0\0", 12);
	out[n++].size = 12;
	/* A string argument without its terminator. */
	memcpy(out[n].data, "/redlight/marker\0\0\0\0,s\0\0abcd", 28);
	out[n++].size = 28;
	/* Oversized: 20000 bytes of a valid-looking message. */
	return n;
}

static int cmd_garbage(int argc, char **argv)
{
	if (argc != 2 && argc != 3)
		die("garbage HOST PORT [GAP_MS]%s", "");
	useconds_t gap = argc == 3 ? (useconds_t)atoi(argv[2]) * 1000 : 2000;
	struct raw r;
	raw_open(&r, argv[0], argv[1]);
	struct packet set[16];
	size_t n = garbage_set(set);
	for (size_t i = 0; i < n; i++) {
		raw_send(&r, set[i].data, set[i].size);
		usleep(gap);
	}
	/* Oversized. */
	static unsigned char big[20000];
	memcpy(big, "/redlight/play\0\0,\0\0\0", 20);
	raw_send(&r, big, sizeof big);
	printf("garbage: sent %zu\n", n + 1);
	close(r.fd);
	return 0;
}

static int cmd_flood(int argc, char **argv)
{
	if (argc != 4)
		die("flood HOST PORT SECONDS RATE%s", "");
	struct raw r;
	raw_open(&r, argv[0], argv[1]);
	double secs = atof(argv[2]);
	double rate = atof(argv[3]);
	struct packet mix[64];
	size_t n = garbage_set(mix);
	/* Valid questions, and commands that are refused while a take
	 * records (record, locate, arm) or that only look: none of them
	 * may touch the recording. */
	build(&mix[n++], "/redlight/ping", mi(7));
	build(&mix[n++], "/redlight/ping", lo_message_new());
	build(&mix[n++], "/redlight/query", lo_message_new());
	build(&mix[n++], "/redlight/record", lo_message_new());
	build(&mix[n++], "/redlight/record", mi(0));
	build(&mix[n++], "/redlight/play", mi(0));
	build(&mix[n++], "/redlight/stop", mi(0));
	build(&mix[n++], "/redlight/locate", mi(48000));
	build(&mix[n++], "/redlight/track/1/arm", mi(0));
	build(&mix[n++], "/redlight/track/arm", ms("nosuch"));
	build(&mix[n++], "/redlight/take/rate", mi(1));
	build(&mix[n++], "/redlight/take/rate", ms("x"));
	build(&mix[n++], "/redlight/unknown/path", mi(1));
	build(&mix[n++], "/strip/recenable", mi(99));
	build(&mix[n++], "/track/999/recarm", mi(1));
	build(&mix[n++], "/rec_enable_toggle", mi(0));
	build(&mix[n++], "/transport_stop", mi(0));
	build(&mix[n++], "/redlight/loop", ms("on"));
	build(&mix[n++], "/record_enabled", lo_message_new());
	double start = now_s(), next = start;
	uint64_t sent = 0;
	while (now_s() - start < secs) {
		raw_send(&r, mix[sent % n].data, mix[sent % n].size);
		sent++;
		next += 1.0 / rate;
		double wait = next - now_s();
		if (wait > 0.0002) {
			struct timespec ts = { 0, (long)(wait * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
	printf("flood: sent %" PRIu64 " packets in %.1f s\n", sent,
	       now_s() - start);
	close(r.fd);
	return 0;
}

static int cmd_clients(int argc, char **argv)
{
	if (argc != 5)
		die("clients HOST PORT N SECONDS OPTIONS%s", "");
	int n = atoi(argv[2]);
	double secs = atof(argv[3]);
	if (n < 1 || n > 64)
		die("clients: N must be 1 to 64%s", "");
	struct peer *p = calloc((size_t)n, sizeof *p);
	struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
	for (int i = 0; i < n; i++) {
		peer_open(&p[i], argv[0], argv[1]);
		send_s(&p[i], "/redlight/subscribe", argv[4]);
		pfd[i].fd = lo_server_get_socket_fd(p[i].srv);
		pfd[i].events = POLLIN;
	}
	double start = now_s();
	while (now_s() - start < secs) {
		if (poll(pfd, (nfds_t)n, 50) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (pfd[i].revents & POLLIN)
				lo_server_recv_noblock(p[i].srv, 0);
		}
	}
	uint64_t total = 0;
	for (int i = 0; i < n; i++) {
		send0(&p[i], "/redlight/unsubscribe");
		total += p[i].received;
		peer_close(&p[i]);
	}
	printf("clients: %d received %" PRIu64 " messages (%.1f per client "
	       "per second)\n", n, total, (double)total / n / secs);
	free(p);
	free(pfd);
	return 0;
}

/* Print the message with path `expect` if the packet holds one (itself,
 * or inside a bundle, as the server packs its feedback). */
static bool find_message(unsigned char *p, size_t n, const char *expect)
{
	if (n >= 16 && !memcmp(p, "#bundle", 8)) {
		size_t at = 16;
		while (at + 4 <= n) {
			uint32_t size = (uint32_t)p[at] << 24 |
			                (uint32_t)p[at + 1] << 16 |
			                (uint32_t)p[at + 2] << 8 | p[at + 3];
			at += 4;
			if (size > n - at)
				return false;
			if (find_message(p + at, size, expect))
				return true;
			at += size;
		}
		return false;
	}
	if (n == 0 || p[0] != '/' || !memchr(p, 0, n) ||
	    strcmp((const char *)p, expect))
		return false;
	int res;
	lo_message got = lo_message_deserialise(p, n, &res);
	if (!got)
		return false;
	struct peer q = { .print = stdout };
	on_message((const char *)p, lo_message_get_types(got),
	           lo_message_get_argv(got), lo_message_get_argc(got), got, &q);
	lo_message_free(got);
	return true;
}

static int cmd_send(int argc, char **argv)
{
	const char *from = NULL, *expect = NULL;
	while (argc >= 2 && argv[0][0] == '-' && argv[0][1] == '-') {
		if (!strcmp(argv[0], "--from"))
			from = argv[1];
		else if (!strcmp(argv[0], "--expect"))
			expect = argv[1];
		else
			die("send: unknown option %s", argv[0]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 3)
		die("send [--from ADDR] [--expect PATH] HOST PORT PATH [ARG...]%s",
		    "");
	lo_message m = lo_message_new();
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "T"))
			lo_message_add_true(m);
		else if (!strcmp(a, "F"))
			lo_message_add_false(m);
		else if (!strncmp(a, "i:", 2))
			lo_message_add_int32(m, (int32_t)strtol(a + 2, NULL, 10));
		else if (!strncmp(a, "h:", 2))
			lo_message_add_int64(m, strtoll(a + 2, NULL, 10));
		else if (!strncmp(a, "f:", 2))
			lo_message_add_float(m, strtof(a + 2, NULL));
		else if (!strncmp(a, "s:", 2))
			lo_message_add_string(m, a + 2);
		else
			die("send: argument '%s' is not i:/h:/f:/s:/T/F", a);
	}
	struct raw r;
	raw_open(&r, argv[0], argv[1]);
	if (from) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		if (inet_pton(AF_INET, from, &a.sin_addr) != 1)
			die("send: --from %s is not an IPv4 address", from);
		if (bind(r.fd, (struct sockaddr *)&a, sizeof a) != 0)
			die("send: cannot bind %s", from);
	}
	struct packet pk;
	build(&pk, argv[2], m);
	raw_send(&r, pk.data, pk.size);
	if (!expect) {
		close(r.fd);
		return 0;
	}
	double t0 = now_s();
	while (now_s() - t0 < 1.0) {
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		unsigned char buf[65536];
		ssize_t n = recv(r.fd, buf, sizeof buf, 0);
		if (n > 0 && find_message(buf, (size_t)n, expect)) {
			close(r.fd);
			return 0;
		}
	}
	close(r.fd);
	return 3;
}

/* record-latency HOST PORT TAKES SECONDS [PAUSE]: TAKES takes of SECONDS
 * each, PAUSE seconds (default 0.3) after one is finished before the next
 * /redlight/record. Prints per take JACK's frame clock when /record and
 * /stop were sent: "sent_frame F take N stop_frame S". */
static int cmd_record_latency(int argc, char **argv)
{
	if (argc != 4 && argc != 5)
		die("record-latency HOST PORT TAKES SECONDS [PAUSE]%s", "");
	int takes = atoi(argv[2]);
	double secs = atof(argv[3]);
	double pause = argc == 5 ? atof(argv[4]) : 0.3;
	jack_status_t status;
	jack_client_t *jc = jack_client_open("osc-bench", JackNoStartServer,
	                                     &status);
	if (!jc)
		die("cannot connect to JACK%s", "");
	struct peer p;
	peer_open(&p, argv[0], argv[1]);
	send_s(&p, "/redlight/subscribe", "timeout=0");
	pump(&p, 0.5, NULL);
	for (int k = 0; k < takes; k++) {
		/* Which take this is comes from the feedback (/redlight/take
		 * while it records), so a late update of the one before can
		 * never be mistaken for it. */
		p.take_now = 0;
		jack_nframes_t sent = jack_frame_time(jc);
		send0(&p, "/redlight/record");
		double t0 = now_s();
		while (p.take_now == 0 && now_s() - t0 < 5.0)
			lo_server_recv_noblock(p.srv, 20);
		int32_t take = p.take_now;
		if (take == 0)
			die("the take did not start%s", "");
		pump(&p, secs, NULL);
		jack_nframes_t stop = jack_frame_time(jc);
		send0(&p, "/redlight/stop");
		t0 = now_s();
		while (p.last_take != take && now_s() - t0 < 10.0)
			lo_server_recv_noblock(p.srv, 50);
		if (p.last_take != take)
			die("a take never finished%s", "");
		printf("sent_frame %u take %d stop_frame %u\n", (unsigned)sent,
		       take, (unsigned)stop);
		fflush(stdout);
		pump(&p, pause, NULL);
	}
	send0(&p, "/redlight/unsubscribe");
	peer_close(&p);
	jack_client_close(jc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: " PROG " watch|rtt|flood|garbage|"
		        "clients|record-latency ... (see the source)\n");
		return 2;
	}
	const char *cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "watch"))
		return cmd_watch(argc, argv);
	if (!strcmp(cmd, "rtt"))
		return cmd_rtt(argc, argv);
	if (!strcmp(cmd, "flood"))
		return cmd_flood(argc, argv);
	if (!strcmp(cmd, "garbage"))
		return cmd_garbage(argc, argv);
	if (!strcmp(cmd, "clients"))
		return cmd_clients(argc, argv);
	if (!strcmp(cmd, "send"))
		return cmd_send(argc, argv);
	if (!strcmp(cmd, "record-latency"))
		return cmd_record_latency(argc, argv);
	fprintf(stderr, PROG ": unknown command %s\n", cmd);
	return 2;
}
