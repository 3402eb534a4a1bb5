/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OSC messages for the OSC unit tests, as the server sees them: built
 * by liblo, serialised, and decoded again. */
#ifndef REDLIGHT_TESTS_OSC_MESSAGE_H
#define REDLIGHT_TESTS_OSC_MESSAGE_H

#include <lo/lo.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A message as the server sees it: built, serialised, decoded. */
struct decoded {
	lo_message m;
	const char *types;
	lo_arg **argv;
	int argc;
	unsigned char raw[512];
};

static inline void decode(struct decoded *d, lo_message built)
{
	size_t size = sizeof d->raw;
	lo_message_serialise(built, "/x", d->raw, &size);
	lo_message_free(built);
	int res = 0;
	d->m = lo_message_deserialise(d->raw, size, &res);
	if (!d->m) {
		fprintf(stderr, "deserialise failed: %d\n", res);
		abort();
	}
	d->types = lo_message_get_types(d->m);
	d->argv = lo_message_get_argv(d->m);
	d->argc = lo_message_get_argc(d->m);
}

static inline lo_message msg_i(int32_t v)
{
	lo_message m = lo_message_new();
	lo_message_add_int32(m, v);
	return m;
}

static inline lo_message msg_f(float v)
{
	lo_message m = lo_message_new();
	lo_message_add_float(m, v);
	return m;
}

static inline lo_message msg_s(const char *v)
{
	lo_message m = lo_message_new();
	lo_message_add_string(m, v);
	return m;
}

#endif
