/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The OSC front-end's pure parts: allow-lists and roles, the log-line
 * limiter, the argument checks (on messages built and decoded by liblo,
 * as the server gets them), and feedback diffs in each dialect. The
 * route table, the generic step and doc/osc.md: test_osc_routes.c.
 */
#include "osc_access.h"
#include "osc_address.h"
#include "osc_feedback.h"

#include "check.h"
#include "osc_message.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sockaddr_storage addr_of(const char *text, uint16_t port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&ss;
	if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
	} else {
		fprintf(stderr, "bad test address %s\n", text);
		abort();
	}
	return ss;
}

static bool in_list(const struct osc_access_list *l, const char *text)
{
	struct sockaddr_storage ss = addr_of(text, 9000);
	return osc_access_list_match(l, (const struct sockaddr *)&ss);
}

static void test_lists(void)
{
	struct osc_access_list l;
	osc_access_list_default(&l);
	CHECK(in_list(&l, "127.0.0.1"));
	CHECK(in_list(&l, "127.255.0.9"));
	CHECK(in_list(&l, "::1"));
	CHECK(in_list(&l, "10.20.30.40"));
	CHECK(in_list(&l, "172.16.0.1"));
	CHECK(in_list(&l, "172.31.255.254"));
	CHECK(!in_list(&l, "172.32.0.1"));
	CHECK(!in_list(&l, "172.15.255.255"));
	CHECK(in_list(&l, "192.168.1.77"));
	CHECK(!in_list(&l, "192.169.1.77"));
	CHECK(in_list(&l, "169.254.3.4"));
	CHECK(!in_list(&l, "8.8.8.8"));
	CHECK(in_list(&l, "fe80::1234"));
	CHECK(in_list(&l, "fd12:3456::1"));
	CHECK(!in_list(&l, "2001:db8::1"));
	/* A dual-stack socket shows IPv4 senders as mapped addresses. */
	CHECK(in_list(&l, "::ffff:192.168.4.5"));
	CHECK(!in_list(&l, "::ffff:8.8.4.4"));

	struct error err;
	CHECK(osc_access_list_parse("--osc-allow", " 192.168.1.0/24 , 10.0.0.5,"
	                            "fd00::/8", &l, &err) == RL_OK);
	CHECK(in_list(&l, "192.168.1.200"));
	CHECK(!in_list(&l, "192.168.2.1"));
	CHECK(in_list(&l, "10.0.0.5"));
	CHECK(!in_list(&l, "10.0.0.6"));
	CHECK(in_list(&l, "fd99::1"));
	CHECK(!in_list(&l, "127.0.0.1"));
	/* Host bits in a network are ignored, not an error. */
	CHECK(osc_access_list_parse("x", "192.168.1.77/24", &l, &err) == RL_OK);
	CHECK(in_list(&l, "192.168.1.1"));
	CHECK(osc_access_list_parse("x", "10.1.2.3/0", &l, &err) == RL_OK);
	CHECK(in_list(&l, "8.8.8.8"));
	CHECK(!in_list(&l, "2001:db8::1"));
	CHECK(osc_access_list_parse("x", "any", &l, &err) == RL_OK);
	CHECK(in_list(&l, "8.8.8.8") && in_list(&l, "2001:db8::1"));
	CHECK(osc_access_list_parse("x", "none", &l, &err) == RL_OK);
	CHECK(l.count == 0 && !in_list(&l, "127.0.0.1"));
	CHECK(osc_access_list_parse("x", "loopback", &l, &err) == RL_OK);
	CHECK(in_list(&l, "127.0.0.1") && !in_list(&l, "10.0.0.1"));

	static const char *const bad[] = {
		"", "tablet.local", "10.0.0.0/33", "::/129", "10.0.0.1/",
		"10.0.0.1/x", "1.2.3.4,,5.6.7.8", "1.2.3", "10.0.0.0/-1",
		"/8", "300.1.1.1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		error_clear(&err);
		CHECK(osc_access_list_parse("--osc-allow", bad[i], &l, &err) ==
		      RL_ERR_INVALID);
		CHECK(l.count == 0);
		CHECK(strstr(err.message, "--osc-allow") != NULL);
	}
	osc_access_list_parse("--osc-allow", "tablet.local", &l, &err);
	CHECK(strstr(err.message, "'tablet.local' is not an address") != NULL);
	osc_access_list_parse("--osc-allow", "10.0.0.0/33", &l, &err);
	CHECK(strstr(err.message, "0 to 32") != NULL);
}

static enum osc_access_role role_of(const struct osc_access *a,
                                    const char *text)
{
	struct sockaddr_storage ss = addr_of(text, 1234);
	return osc_access_role(a, (const struct sockaddr *)&ss);
}

static void test_roles(void)
{
	struct osc_access a;
	struct error err;
	CHECK(osc_access_init(&a, NULL, NULL, &err) == RL_OK);
	CHECK(role_of(&a, "127.0.0.1") == OSC_ACCESS_CONTROL);
	CHECK(role_of(&a, "8.8.8.8") == OSC_ACCESS_DENIED);
	CHECK(osc_access_init(&a, NULL, "192.168.1.50,10.9.0.0/16", &err) ==
	      RL_OK);
	CHECK(role_of(&a, "192.168.1.50") == OSC_ACCESS_READ_ONLY);
	CHECK(role_of(&a, "192.168.1.51") == OSC_ACCESS_CONTROL);
	CHECK(role_of(&a, "10.9.3.3") == OSC_ACCESS_READ_ONLY);
	/* A viewer outside the allow-list may still watch. */
	CHECK(osc_access_init(&a, "loopback", "203.0.113.7", &err) == RL_OK);
	CHECK(role_of(&a, "203.0.113.7") == OSC_ACCESS_READ_ONLY);
	CHECK(role_of(&a, "203.0.113.8") == OSC_ACCESS_DENIED);
	CHECK(role_of(&a, "192.168.1.1") == OSC_ACCESS_DENIED);
	CHECK(osc_access_init(&a, NULL, "nope", &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "--osc-read-only") != NULL);

	char buf[80];
	struct sockaddr_storage ss = addr_of("::ffff:10.0.0.2", 9001);
	osc_access_format((const struct sockaddr *)&ss, buf, sizeof buf);
	CHECK(!strcmp(buf, "10.0.0.2:9001"));
	ss = addr_of("fd00::7", 9002);
	osc_access_format((const struct sockaddr *)&ss, buf, sizeof buf);
	CHECK(!strcmp(buf, "[fd00::7]:9002"));
	ss = addr_of("127.0.0.1", 3819);
	osc_access_format((const struct sockaddr *)&ss, buf, sizeof buf);
	CHECK(!strcmp(buf, "127.0.0.1:3819"));
}

static void test_limiter(void)
{
	struct osc_access_limiter l = { .interval = 1.0 };
	uint64_t left;
	CHECK(osc_access_limiter_allow(&l, 100.0, &left) && left == 0);
	CHECK(!osc_access_limiter_allow(&l, 100.1, &left));
	CHECK(!osc_access_limiter_allow(&l, 100.5, &left));
	CHECK(!osc_access_limiter_allow(&l, 100.99, &left));
	CHECK(osc_access_limiter_flush(&l, 100.99) == 0); /* not yet */
	CHECK(osc_access_limiter_allow(&l, 101.0, &left));
	CHECK_EQ_U64(left, 3);
	for (int i = 0; i < 5000; i++)
		CHECK(!osc_access_limiter_allow(&l, 101.5, &left));
	CHECK_EQ_U64(osc_access_limiter_flush(&l, 102.0), 5000);
	CHECK_EQ_U64(osc_access_limiter_flush(&l, 103.5), 0);
	/* The flush started an interval: the next line waits for it. */
	struct osc_access_limiter m = { .interval = 1.0 };
	CHECK(osc_access_limiter_allow(&m, 0.0, &left));
	CHECK(!osc_access_limiter_allow(&m, 0.2, &left));
	CHECK_EQ_U64(osc_access_limiter_flush(&m, 1.2), 1);
	CHECK(!osc_access_limiter_allow(&m, 1.5, &left));
	CHECK(osc_access_limiter_allow(&m, 2.3, &left) && left == 1);
}

static void test_trigger(void)
{
	struct decoded d;
	struct error err;
	bool fire;

	decode(&d, lo_message_new());
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && fire);
	lo_message_free(d.m);
	decode(&d, msg_f(1.0f));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && fire);
	lo_message_free(d.m);
	decode(&d, msg_i(1));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && fire);
	lo_message_free(d.m);
	/* The release of a button: ignored, no error. */
	decode(&d, msg_f(0.0f));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && !fire);
	lo_message_free(d.m);
	decode(&d, msg_i(0));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && !fire);
	lo_message_free(d.m);
	lo_message m = lo_message_new();
	lo_message_add_true(m);
	decode(&d, m);
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && fire);
	lo_message_free(d.m);
	m = lo_message_new();
	lo_message_add_false(m);
	decode(&d, m);
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_OK && !fire);
	lo_message_free(d.m);

	decode(&d, msg_f(0.5f));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_ERR_INVALID && !fire);
	CHECK(strstr(err.message, "must be 0 or 1, got 0.5") != NULL);
	lo_message_free(d.m);
	decode(&d, msg_s("go"));
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_ERR_INVALID && !fire);
	CHECK(strstr(err.message, "got string") != NULL);
	lo_message_free(d.m);
	m = lo_message_new();
	lo_message_add_int32(m, 1);
	lo_message_add_int32(m, 1);
	decode(&d, m);
	CHECK(osc_address_trigger(d.types, d.argv, d.argc, &fire, &err) ==
	      RL_ERR_INVALID && !fire);
	lo_message_free(d.m);
}

static void test_args(void)
{
	struct decoded d;
	struct error err;
	int64_t v;
	double x;
	const char *s;
	char buf[64];
	bool b;

	decode(&d, msg_f(3.0f));
	CHECK(osc_address_int(d.types, d.argv, 0, "take", 0, 10, &v, &err) ==
	      RL_OK && v == 3);
	lo_message_free(d.m);
	decode(&d, msg_f(3.5f));
	CHECK(osc_address_int(d.types, d.argv, 0, "take", 0, 10, &v, &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "argument 1 (take) must be a whole number "
	                          "from 0 to 10, got 3.5") != NULL);
	lo_message_free(d.m);
	decode(&d, msg_i(7));
	CHECK(osc_address_int(d.types, d.argv, 0, "rating", 0, 5, &v, &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "got 7") != NULL);
	CHECK(osc_address_bool(d.types, d.argv, 0, "on", &b, &err) ==
	      RL_ERR_INVALID);
	CHECK(osc_address_number(d.types, d.argv, 0, "bars", -9, 9, &x,
	                         &err) == RL_OK && x == 7.0);
	CHECK(osc_address_number(d.types, d.argv, 0, "bars", -5, 5, &x,
	                         &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "argument 1 (bars) must be a number from -5 "
	                          "to 5, got 7") != NULL);
	CHECK(osc_address_text(d.types, d.argv, 0, "label", &s, &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "must be a string, got int32") != NULL);
	CHECK(osc_address_track(d.types, d.argv, 0, "track", buf, sizeof buf,
	                        &err) == RL_OK && !strcmp(buf, "7"));
	lo_message_free(d.m);
	lo_message m = lo_message_new();
	lo_message_add_int64(m, INT64_C(1) << 40);
	decode(&d, m);
	CHECK(osc_address_int(d.types, d.argv, 0, "frame", 0, INT64_C(1) << 48,
	                      &v, &err) == RL_OK && v == INT64_C(1) << 40);
	lo_message_free(d.m);
	m = lo_message_new();
	lo_message_add_double(m, NAN);
	decode(&d, m);
	CHECK(osc_address_number(d.types, d.argv, 0, "bars", -9, 9, &x,
	                         &err) == RL_ERR_INVALID);
	CHECK(osc_address_int(d.types, d.argv, 0, "bar", 1, 9, &v, &err) ==
	      RL_ERR_INVALID);
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) ==
	      RL_ERR_INVALID);
	lo_message_free(d.m);

	decode(&d, msg_s("vox"));
	CHECK(osc_address_track(d.types, d.argv, 0, "track", buf, sizeof buf,
	                        &err) == RL_OK && !strcmp(buf, "vox"));
	CHECK(osc_address_text(d.types, d.argv, 0, "label", &s, &err) ==
	      RL_OK && !strcmp(s, "vox"));
	CHECK(osc_address_int(d.types, d.argv, 0, "take", 0, 9, &v, &err) ==
	      RL_ERR_INVALID);
	lo_message_free(d.m);
	decode(&d, msg_s(""));
	CHECK(osc_address_track(d.types, d.argv, 0, "ssid", buf, sizeof buf,
	                        &err) == RL_ERR_INVALID);
	CHECK(strstr(err.message, "argument 1 (ssid) must be a track number "
	                          "or name") != NULL);
	lo_message_free(d.m);

	decode(&d, msg_f(-6.0f));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) == RL_OK &&
	      x == -6.0);
	lo_message_free(d.m);
	decode(&d, msg_f(6.5f));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "up to +6, got 6.5") != NULL);
	lo_message_free(d.m);
	decode(&d, msg_f(-200.0f));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) == RL_OK &&
	      isinf(x) && x < 0);
	lo_message_free(d.m);
	decode(&d, msg_f(-INFINITY));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) == RL_OK &&
	      isinf(x) && x < 0);
	lo_message_free(d.m);
	decode(&d, msg_s("off"));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) == RL_OK &&
	      isinf(x));
	lo_message_free(d.m);
	decode(&d, msg_s("loud"));
	CHECK(osc_address_level(d.types, d.argv, 0, "dB", &x, &err) ==
	      RL_ERR_INVALID);
	lo_message_free(d.m);

	CHECK(osc_address_count(2, 2, 2, "take rating", &err) == RL_OK);
	CHECK(osc_address_count(1, 2, 2, "take rating", &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "wants 2 arguments (take rating), got 1") !=
	      NULL);
	CHECK(osc_address_count(4, 1, 3, "on [from to]", &err) ==
	      RL_ERR_INVALID);
	CHECK(strstr(err.message, "wants 1 to 3 arguments") != NULL);
	CHECK(!strcmp(osc_address_type_name('b'), "blob"));
}

/* Feedback: collect what a diff emits as "path types value..." lines. */
struct collected {
	size_t count;
	char lines[512][160];
};

static void collect(void *ctx, const char *path, lo_message m)
{
	struct collected *c = ctx;
	if (c->count >= 512)
		return;
	char *line = c->lines[c->count++];
	int at = snprintf(line, 160, "%s", path);
	const char *types = lo_message_get_types(m);
	lo_arg **argv = lo_message_get_argv(m);
	for (int i = 0; types[i] && at < 150; i++) {
		/* memcpy: the arguments are only 4-byte aligned. */
		int32_t iv;
		int64_t hv;
		float fv;
		switch (types[i]) {
		case 'i':
			memcpy(&iv, argv[i], sizeof iv);
			at += snprintf(line + at, 160 - (size_t)at, " i:%d", iv);
			break;
		case 'h':
			memcpy(&hv, argv[i], sizeof hv);
			at += snprintf(line + at, 160 - (size_t)at, " h:%lld",
			               (long long)hv);
			break;
		case 'f':
			memcpy(&fv, argv[i], sizeof fv);
			at += snprintf(line + at, 160 - (size_t)at, " f:%g", fv);
			break;
		case 's':
			at += snprintf(line + at, 160 - (size_t)at, " s:%s",
			               (const char *)argv[i]);
			break;
		default:
			at += snprintf(line + at, 160 - (size_t)at, " %c",
			               types[i]);
		}
	}
}

static bool has(const struct collected *c, const char *line)
{
	for (size_t i = 0; i < c->count; i++) {
		if (!strcmp(c->lines[i], line))
			return true;
	}
	return false;
}

static bool has_path(const struct collected *c, const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < c->count; i++) {
		if (!strncmp(c->lines[i], path, n) &&
		    (c->lines[i][n] == ' ' || c->lines[i][n] == '\0'))
			return true;
	}
	return false;
}

static void dump(const struct collected *c)
{
	for (size_t i = 0; i < c->count; i++)
		fprintf(stderr, "  %s\n", c->lines[i]);
}

static size_t diff(const struct osc_feedback_prefs *p,
                   const struct osc_feedback_state *old,
                   const struct osc_feedback_state *now,
                   struct collected *c)
{
	c->count = 0;
	return osc_feedback_diff(p, old, now, collect, c);
}

static void base(struct control_status *st, struct control_track tr[3])
{
	memset(st, 0, sizeof *st);
	st->transport = ENGINE_STOPPED;
	st->sample_rate = 48000;
	st->pos.frame = 0;
	st->pos.bbt = (struct tempo_map_bbt){ 1, 1, 0 };
	snprintf(st->pos.section, sizeof st->pos.section, "intro");
	st->disk_seconds_left = 3725.6;
	st->armed_tracks = 2;
	st->loop_start = st->loop_end = ENGINE_NO_FRAME;
	st->punch.in = st->punch.out = ENGINE_NO_FRAME;
	memset(tr, 0, 3 * sizeof *tr);
	const char *names[3] = { "kick", "snare", "vox" };
	for (int i = 0; i < 3; i++) {
		tr[i].number = (uint32_t)i + 1;
		snprintf(tr[i].name, sizeof tr[i].name, "%s", names[i]);
		tr[i].has_input = i < 2;
		tr[i].armed = i < 2;
		tr[i].peak_dbfs = -INFINITY;
	}
}

/* What the steps of test_feedback share: the status and tracks fed in,
 * the state now (a) and as last sent (b), the prefs of redlight's own
 * dialect, and what the last diff sent (c). */
struct feedback_fixture {
	struct control_status st;
	struct control_track tr[3];
	struct osc_feedback_state a, b;
	struct osc_feedback_prefs p;
	struct collected *c;
};

/* The first state sends everything; the same state again, nothing. */
static void check_feedback_first(struct feedback_fixture *fx)
{
	struct control_status *st = &fx->st;
	struct control_track *tr = fx->tr;
	struct osc_feedback_state *a = &fx->a, *b = &fx->b;
	struct osc_feedback_prefs *p = &fx->p;
	struct collected *c = fx->c;
	struct error err;

	CHECK(osc_feedback_state_set(a, st, tr, 3, "/srv/sessions/band",
	                             &err) == RL_OK);
	CHECK(!strcmp(a->session_name, "band"));
	CHECK(a->disk_seconds == 3725);

	/* Everything, the first time. */
	size_t n = diff(p, NULL, a, c);
	CHECK(n == c->count && n > 20);
	CHECK(has(c, "/redlight/transport s:stopped"));
	CHECK(has(c, "/redlight/recording i:0"));
	CHECK(has(c, "/redlight/time s:00:00:00.000"));
	CHECK(has(c, "/redlight/bbt s:1|1|0"));
	CHECK(has(c, "/redlight/section s:intro"));
	CHECK(has(c, "/redlight/session s:band"));
	CHECK(has(c, "/redlight/armed i:2"));
	CHECK(has(c, "/redlight/tracks i:3"));
	CHECK(has(c, "/redlight/track/1/name s:kick"));
	CHECK(has(c, "/redlight/track/3/armed i:0"));
	CHECK(has(c, "/redlight/track/3/input i:0"));
	CHECK(has(c, "/redlight/disk f:3725"));
	CHECK(has(c, "/redlight/disk/str s:1:02:05"));
	CHECK(has(c, "/redlight/take i:0"));
	CHECK(!has_path(c, "/redlight/track/1/meter")); /* not asked for */
	CHECK(!has_path(c, "/redlight/error"));         /* none yet */

	/* Nothing changed: nothing sent. */
	CHECK(osc_feedback_state_copy(b, a, &err) == RL_OK);
	CHECK(diff(p, b, a, c) == 0);
}

/* Recording, a frame change too small to show, meters, errors: only
 * what changed is sent. */
static void check_feedback_changes(struct feedback_fixture *fx)
{
	struct control_status *st = &fx->st;
	struct control_track *tr = fx->tr;
	struct osc_feedback_state *a = &fx->a, *b = &fx->b;
	struct osc_feedback_prefs *p = &fx->p;
	struct collected *c = fx->c;
	struct error err;

	/* Recording take 4, rolling: only what changed. */
	st->transport = ENGINE_RECORDING;
	st->recording = st->record_armed = true;
	st->take = 4;
	st->pos.frame = 72000;
	st->pos.bbt = (struct tempo_map_bbt){ 1, 4, 0 };
	CHECK(osc_feedback_state_set(a, st, tr, 3, "band", &err) == RL_OK);
	diff(p, b, a, c);
	CHECK(has(c, "/redlight/transport s:recording"));
	CHECK(has(c, "/redlight/recording i:1"));
	CHECK(has(c, "/redlight/record/armed i:1"));
	CHECK(has(c, "/redlight/take i:4"));
	CHECK(has(c, "/redlight/time s:00:00:01.500"));
	CHECK(has(c, "/redlight/frame h:72000"));
	CHECK(has(c, "/redlight/bbt s:1|4|0"));
	CHECK(!has_path(c, "/redlight/section"));
	CHECK(!has_path(c, "/redlight/track/1/name"));
	CHECK(!has_path(c, "/redlight/disk"));
	CHECK(c->count == 7);
	if (c->count != 7)
		dump(c);

	/* A frame change too small for the time string sends nothing. */
	osc_feedback_state_copy(b, a, &err);
	st->pos.frame = 72010;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	CHECK(diff(p, b, a, c) == 0);

	/* Meters: quantised to 0.5 dB, silence is -200. */
	p->meters = true;
	tr[0].peak_dbfs = -12.1f;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	diff(p, b, a, c);
	CHECK(has(c, "/redlight/track/1/meter f:-12"));
	CHECK(!has_path(c, "/redlight/track/2/meter"));
	osc_feedback_state_copy(b, a, &err);
	tr[0].peak_dbfs = -12.2f;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	CHECK(diff(p, b, a, c) == 0);
	tr[0].peak_dbfs = -130.0f;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	diff(p, b, a, c);
	CHECK(has(c, "/redlight/track/1/meter f:-200"));
	p->meters = false;

	/* Errors: once per new one, counters saturate at int32. */
	osc_feedback_state_copy(b, a, &err);
	a->error_seq = 9;
	snprintf(a->error, sizeof a->error, "disk full on /srv");
	st->dropped_frames = UINT64_C(1) << 40;
	a->dropped = st->dropped_frames;
	diff(p, b, a, c);
	CHECK(has(c, "/redlight/error s:disk full on /srv"));
	CHECK(has(c, "/redlight/dropped i:2147483647"));
	CHECK(c->count == 2);
}

/* Ardour's dialect: the master section; strips in banks, positions;
 * the SSID in the path. */
static void check_feedback_ardour(struct feedback_fixture *fx)
{
	struct control_status *st = &fx->st;
	struct control_track *tr = fx->tr;
	struct osc_feedback_state *a = &fx->a;
	struct collected *c = fx->c;
	struct error err;

	/* Ardour, master section only: transport and record, no strips. */
	struct osc_feedback_prefs ar = { .dialect = OSC_FEEDBACK_ARDOUR,
	                                 .ardour_bits = OSC_ARDOUR_FB_MASTER };
	diff(&ar, NULL, a, c);
	CHECK(has(c, "/transport_play i:1"));
	CHECK(has(c, "/transport_stop i:0"));
	CHECK(has(c, "/rec_enable_toggle i:1"));
	CHECK(has(c, "/record_tally i:1"));
	CHECK(has(c, "/loop_toggle i:0"));
	CHECK(has(c, "/session_name s:band"));
	CHECK(has(c, "/toggle_punch_in i:0"));
	CHECK(has(c, "/toggle_punch_out i:0"));
	CHECK(!has_path(c, "/strip/name"));
	CHECK(!has_path(c, "/position/bbt"));
	CHECK(c->count == 8);
	/* Strips with the ssid as an argument, bank of 2, positions. */
	ar.ardour_bits = OSC_ARDOUR_FB_STRIP_BUTTONS | OSC_ARDOUR_FB_BBT |
	                 OSC_ARDOUR_FB_TIMECODE | OSC_ARDOUR_FB_TIME |
	                 OSC_ARDOUR_FB_SAMPLES | OSC_ARDOUR_FB_METER;
	ar.bank_size = 2;
	tr[1].peak_dbfs = -6.0f;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	diff(&ar, NULL, a, c);
	CHECK(has(c, "/strip/name i:1 s:kick"));
	CHECK(has(c, "/strip/recenable i:2 f:1"));
	CHECK(!has_path(c, "/strip/name i:3"));
	CHECK(has(c, "/strip/meter i:1 f:-193"));
	CHECK(has(c, "/strip/meter i:2 f:-6"));
	CHECK(has(c, "/position/bbt s:001|04|0000"));
	CHECK(has(c, "/position/smpte s:00:00:01:15"));
	CHECK(has(c, "/position/time s:00:00:01.500"));
	CHECK(has(c, "/position/samples s:72010"));
	CHECK(!has_path(c, "/transport_play"));
	/* SSID in the path. */
	ar.ardour_bits = OSC_ARDOUR_FB_STRIP_BUTTONS |
	                 OSC_ARDOUR_FB_SSID_IN_PATH;
	ar.bank_size = 0;
	diff(&ar, NULL, a, c);
	CHECK(has(c, "/strip/name/3 s:vox"));
	CHECK(has(c, "/strip/recenable/1 f:1"));
	CHECK(c->count == 6);
}

/* REAPER's names; stopping changes play and stop together. */
static void check_feedback_reaper(struct feedback_fixture *fx)
{
	struct control_status *st = &fx->st;
	struct control_track *tr = fx->tr;
	struct osc_feedback_state *a = &fx->a, *b = &fx->b;
	struct collected *c = fx->c;
	struct error err;

	/* REAPER's names. */
	struct osc_feedback_prefs rp = { .dialect = OSC_FEEDBACK_REAPER,
	                                 .meters = true };
	diff(&rp, NULL, a, c);
	CHECK(has(c, "/play f:1"));
	CHECK(has(c, "/stop f:0"));
	CHECK(has(c, "/record f:1"));
	CHECK(has(c, "/repeat f:0"));
	CHECK(has(c, "/time/str s:0:01.500"));
	CHECK(has(c, "/beat/str s:1.4.00"));
	CHECK(has(c, "/track/2/name s:snare"));
	CHECK(has(c, "/track/3/recarm f:0"));
	CHECK(has(c, "/track/2/vu f:0.9"));
	CHECK(has(c, "/track/1/vu f:0"));
	/* Stopping: play and stop change together. */
	osc_feedback_state_copy(b, a, &err);
	st->transport = ENGINE_STOPPED;
	st->recording = st->record_armed = false;
	osc_feedback_state_set(a, st, tr, 3, "band", &err);
	diff(&rp, b, a, c);
	CHECK(has(c, "/play f:0") && has(c, "/stop f:1") &&
	      has(c, "/record f:0"));
	CHECK(c->count == 3);
}

/* More tracks than the copy held: the new ones in full. */
static void check_feedback_more_tracks(struct feedback_fixture *fx)
{
	struct control_status *st = &fx->st;
	struct control_track *tr = fx->tr;
	struct osc_feedback_state *a = &fx->a, *b = &fx->b;
	struct osc_feedback_prefs *p = &fx->p;
	struct collected *c = fx->c;
	struct error err;

	struct control_track many[40];
	for (int i = 0; i < 40; i++) {
		many[i] = tr[i % 3];
		snprintf(many[i].name, sizeof many[i].name, "t%d", i + 1);
	}
	osc_feedback_state_copy(b, a, &err);
	CHECK(osc_feedback_state_set(a, st, many, 40, "band", &err) == RL_OK);
	diff(p, b, a, c);
	CHECK(has(c, "/redlight/tracks i:40"));
	CHECK(has(c, "/redlight/track/40/name s:t40"));
	CHECK(has(c, "/redlight/track/1/name s:t1"));
	osc_feedback_state_copy(b, a, &err);
	CHECK(b->track_count == 40 && diff(p, b, a, c) == 0);
}

/* The feedback of one status after another, each step from where the one
 * before left the state. */
static void test_feedback(void)
{
	struct feedback_fixture fx = {
		.p = { .dialect = OSC_FEEDBACK_REDLIGHT },
		.c = calloc(1, sizeof(struct collected)),
	};
	osc_feedback_state_init(&fx.a);
	osc_feedback_state_init(&fx.b);
	base(&fx.st, fx.tr);
	check_feedback_first(&fx);
	check_feedback_changes(&fx);
	check_feedback_ardour(&fx);
	check_feedback_reaper(&fx);
	check_feedback_more_tracks(&fx);
	osc_feedback_state_cleanup(&fx.a);
	osc_feedback_state_cleanup(&fx.b);
	free(fx.c);
}

/*
 * Record-ready and the ranges: Ardour's record button is lit by
 * record-ready alone (stopped, nothing pending) and stays lit from ready
 * to recording (no message in between); redlight's paths say -1 for an
 * end not set.
 */
static void test_feedback_ranges(void)
{
	struct control_status st;
	struct control_track tr[3];
	struct osc_feedback_state a, b;
	struct collected *c = calloc(1, sizeof *c);
	struct error err;
	osc_feedback_state_init(&a);
	osc_feedback_state_init(&b);
	base(&st, tr);
	struct osc_feedback_prefs ar = { .dialect = OSC_FEEDBACK_ARDOUR,
	                                 .ardour_bits = OSC_ARDOUR_FB_MASTER };
	struct osc_feedback_prefs rl = { .dialect = OSC_FEEDBACK_REDLIGHT };
	osc_feedback_state_set(&a, &st, tr, 3, "band", &err);
	diff(&ar, NULL, &a, c);
	CHECK(has(c, "/rec_enable_toggle i:0"));
	diff(&rl, NULL, &a, c);
	CHECK(has(c, "/redlight/record/ready i:0"));
	CHECK(has(c, "/redlight/punch/on i:0"));
	CHECK(has(c, "/redlight/punch/range h:-1 h:-1"));
	CHECK(has(c, "/redlight/loop/range h:-1 h:-1"));

	osc_feedback_state_copy(&b, &a, &err);
	st.record_ready = true;
	st.punch = (struct control_punch){ .in = 96000, .out = ENGINE_NO_FRAME,
	                                   .in_on = true };
	st.loop_start = 0;
	st.loop_end = 192000;
	osc_feedback_state_set(&a, &st, tr, 3, "band", &err);
	diff(&ar, &b, &a, c);
	CHECK(has(c, "/rec_enable_toggle i:1"));
	CHECK(has(c, "/toggle_punch_in i:1"));
	CHECK(!has_path(c, "/toggle_punch_out"));
	CHECK(c->count == 2);
	diff(&rl, &b, &a, c);
	CHECK(has(c, "/redlight/record/ready i:1"));
	CHECK(has(c, "/redlight/punch/on i:1"));
	CHECK(has(c, "/redlight/punch/range h:96000 h:-1"));
	CHECK(has(c, "/redlight/loop/range h:0 h:192000"));
	CHECK(c->count == 4);

	/* Play records: the button stays lit, the tally comes on. */
	osc_feedback_state_copy(&b, &a, &err);
	st.transport = ENGINE_RECORDING;
	st.recording = st.record_armed = true;
	osc_feedback_state_set(&a, &st, tr, 3, "band", &err);
	diff(&ar, &b, &a, c);
	CHECK(!has_path(c, "/rec_enable_toggle"));
	CHECK(has(c, "/record_tally i:1"));
	osc_feedback_state_cleanup(&a);
	osc_feedback_state_cleanup(&b);
	free(c);
}

/* Time, timecode and transport names as the feedback spells them. */
static void test_feedback_strings(void)
{
	char buf[32];
	osc_feedback_time_string(-72000, 48000, buf, sizeof buf);
	CHECK(!strcmp(buf, "-00:00:01.500"));
	osc_feedback_time_string(48000LL * 3723 + 24, 48000, buf, sizeof buf);
	CHECK(!strcmp(buf, "01:02:03.000"));
	osc_feedback_timecode_string(48000LL * 61 + 47999, 48000, buf,
	                             sizeof buf);
	CHECK(!strcmp(buf, "00:01:01:29"));
	CHECK(!strcmp(osc_feedback_transport_name(ENGINE_COUNT_IN),
	              "count-in"));
}

int main(void)
{
	test_lists();
	test_roles();
	test_limiter();
	test_trigger();
	test_args();
	test_feedback();
	test_feedback_ranges();
	test_feedback_strings();
	return CHECK_DONE();
}
