/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The seed corpus of the OSC fuzzer (corpus/osc/), made by liblo as a
 * tablet would send it: one well-formed message per route of the route
 * table, with arguments its spec accepts; one per REAPER action number;
 * and a few packets a real session sends (a bundle of record, marker,
 * new take and stop; a nested bundle; subscriptions with options).
 * Not a test: run it after adding routes, and commit what it wrote.
 *
 * Usage: build-fuzz/tests/fuzz/osc-seeds tests/fuzz/corpus/osc
 */
#include "osc_routes.h"

#include <lo/lo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *out_dir;

static void write_packet(const char *name, const void *data, size_t size)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* "/redlight/track/2/arm" -> "redlight-track-2-arm.osc" */
static void file_name(const char *path, const char *suffix, char *out,
                      size_t size)
{
	size_t j = 0;
	for (const char *p = path + 1; *p && j + 1 < size; p++)
		out[j++] = *p == '/' ? '-' : *p;
	snprintf(out + j, size - j, "%s.osc", suffix);
}

/* Serialise m to path into buf; returns the size. */
static size_t serialise(lo_message m, const char *path, unsigned char *buf,
                        size_t cap)
{
	size_t size = lo_message_length(m, path);
	if (size > cap) {
		fprintf(stderr, "%s: %zu bytes\n", path, size);
		exit(1);
	}
	lo_message_serialise(m, path, buf, &size);
	return size;
}

static void write_message(const char *path, const char *suffix,
                          lo_message m)
{
	unsigned char buf[4096];
	char name[256];
	size_t size = serialise(m, path, buf, sizeof buf);
	file_name(path, suffix, name, sizeof name);
	write_packet(name, buf, size);
	lo_message_free(m);
}

/* A text the handler of an argument called `name` can use. */
static const char *text_for(const char *name)
{
	if (strstr(name, "position") || !strcmp(name, "from") ||
	    !strcmp(name, "to"))
		return "9";
	if (!strcmp(name, "label"))
		return "verse1";
	if (!strcmp(name, "name"))
		return "solo";
	if (!strcmp(name, "new_name"))
		return "solo 2";
	return "a note";
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* One argument of kind a->kind, as a tablet sends it. */
static void add_arg(lo_message m, const struct osc_arg *a)
{
	switch (a->kind) {
	case OSC_ARG_TRIGGER:
	case OSC_ARG_BOOL:
		lo_message_add_int32(m, 1);
		break;
	case OSC_ARG_TRIGGER_TEXT:
	case OSC_ARG_TEXT:
		lo_message_add_string(m, text_for(a->name));
		break;
	case OSC_ARG_INT:
		lo_message_add_int32(m, (int32_t)clamp(2, a->min, a->max));
		break;
	case OSC_ARG_NUMBER:
		lo_message_add_float(m, (float)clamp(2, a->min, a->max));
		break;
	case OSC_ARG_LEVEL:
		lo_message_add_float(m, -6.0f);
		break;
	case OSC_ARG_TRACK:
		lo_message_add_string(m, "capture_1");
		break;
	case OSC_ARG_POSITION:
		lo_message_add_string(m, "chorus1");
		break;
	case OSC_ARG_ANY:
	case OSC_ARG_END:
		lo_message_add_int32(m, 9001);
		break;
	}
}

/* The route's path with its '*' filled in. */
static void fill_path(const struct osc_route *r, const char *star,
                      char *out, size_t size)
{
	const char *at = strchr(r->pattern, '*');
	if (!at) {
		snprintf(out, size, "%s", r->pattern);
		return;
	}
	snprintf(out, size, "%.*s%s%s", (int)(at - r->pattern), r->pattern,
	         star, at + 1);
}

static void route_seeds(void)
{
	size_t n;
	const struct osc_route *all = osc_routes(&n);
	for (size_t i = 0; i < n; i++) {
		const struct osc_route *r = &all[i];
		char path[256];
		bool action = !strncmp(r->pattern, "/action", 7);
		fill_path(r, action ? "40157" : "2", path, sizeof path);
		lo_message m = lo_message_new();
		for (const struct osc_arg *a = r->args;
		     a && a->kind != OSC_ARG_END; a++) {
			if (a->in_path)
				continue;
			if (action && a->kind == OSC_ARG_INT)
				lo_message_add_int32(m, 1007);
			else
				add_arg(m, a);
		}
		write_message(path, "", m);
	}
	size_t na;
	const struct osc_reaper_action *acts = osc_reaper_actions(&na);
	for (size_t i = 0; i < na; i++) {
		char suffix[32];
		snprintf(suffix, sizeof suffix, "-%d", acts[i].number);
		lo_message m = lo_message_new();
		lo_message_add_int32(m, acts[i].number);
		write_message("/action", suffix, m);
	}
}

/* One element of a bundle: its size, then its bytes. */
static void append(unsigned char *buf, size_t *used, const void *data,
                   size_t size)
{
	buf[*used] = (unsigned char)(size >> 24);
	buf[*used + 1] = (unsigned char)(size >> 16);
	buf[*used + 2] = (unsigned char)(size >> 8);
	buf[*used + 3] = (unsigned char)size;
	memcpy(buf + *used + 4, data, size);
	*used += 4 + size;
}

/* A bundle of (path, message) pairs, messages freed. */
static size_t bundle(unsigned char *buf, size_t count,
                     const char *const *paths, lo_message *msgs)
{
	unsigned char one[1024];
	memcpy(buf, "#bundle\0\0\0\0\0\0\0\0\1", 16);
	size_t used = 16;
	for (size_t i = 0; i < count; i++) {
		append(buf, &used, one,
		       serialise(msgs[i], paths[i], one, sizeof one));
		lo_message_free(msgs[i]);
	}
	return used;
}

static void session_seeds(void)
{
	unsigned char buf[4096], inner[2048], one[1024];
	static const char *const take[] = {
		"/redlight/record", "/redlight/marker", "/redlight/take/new",
		"/redlight/stop",
	};
	lo_message msgs[4];
	for (size_t i = 0; i < 4; i++)
		msgs[i] = lo_message_new();
	lo_message_add_string(msgs[1], "first chorus");
	write_packet("bundle-take.osc", buf, bundle(buf, 4, take, msgs));

	/* A bundle inside a bundle: the locate, then play. */
	static const char *const locate[] = { "/redlight/locate" };
	msgs[0] = lo_message_new();
	lo_message_add_string(msgs[0], "verse1");
	size_t in = bundle(inner, 1, locate, msgs);
	memcpy(buf, "#bundle\0\0\0\0\0\0\0\0\1", 16);
	size_t used = 16;
	append(buf, &used, inner, in);
	lo_message m = lo_message_new();
	append(buf, &used, one, serialise(m, "/redlight/play", one,
	                                  sizeof one));
	lo_message_free(m);
	write_packet("bundle-nested.osc", buf, used);

	/* Subscriptions as the apps send them. */
	m = lo_message_new();
	lo_message_add_int32(m, 9000);
	lo_message_add_string(m, "single,messages,level_db");
	write_message("/redlight/subscribe", "-options", m);
	m = lo_message_new();
	for (int i = 0; i < 9; i++)
		lo_message_add_int32(m, i == 0 ? 8 : i == 2 ? 8191 : 0);
	write_message("/set_surface", "-ardour", m);
	m = lo_message_new();
	lo_message_add_double(m, 1.5);
	lo_message_add_true(m);
	lo_message_add_string(m, "x");
	lo_message_add_int64(m, 48000);
	write_message("/redlight/ping", "-types", m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: osc-seeds DIR\n", stderr);
		return 2;
	}
	out_dir = argv[1];
	route_seeds();
	session_seeds();
	return 0;
}
