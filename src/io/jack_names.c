/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the JACK backend does with names that needs no JACK: the natural
 * order of port names, choosing source ports by regular expression, the
 * transport mode's name. The real backend (jack_backend.c) and the unit
 * tests' backend (tests/unit/test_backend.c) both use it. Any non-RT
 * thread.
 */
#include "redlight/jack_backend.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

int jack_backend_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			/* Compare digit runs by value: skip leading zeros,
			 * longer run is bigger, then lexically. */
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int cmp_names(const void *x, const void *y)
{
	return jack_backend_natural_cmp(*(char *const *)x, *(char *const *)y);
}

/* Is `port` one of client `self`'s ("self:...")? */
static bool port_of(const char *port, const char *self)
{
	size_t len = self ? strlen(self) : 0;
	return self && !strncmp(port, self, len) && port[len] == ':';
}

enum rl_status jack_backend_pick_sources(const char *const *ports, size_t n,
                                         const char *self, const char *regex,
                                         char ***names, size_t *count,
                                         struct error *err)
{
	*names = NULL;
	*count = 0;
	regex_t re;
	if (regex) {
		int rc = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char msg[128];
			regerror(rc, &re, msg, sizeof msg);
			return error_set(err, RL_ERR_INVALID,
			                 "bad --inputs regex '%s': %s", regex, msg);
		}
	}
	char **out = calloc(n + 1, sizeof *out);
	size_t k = 0;
	for (size_t i = 0; out && i < n; i++) {
		/* Never record our own outputs by accident. */
		if (port_of(ports[i], self))
			continue;
		if (regex && regexec(&re, ports[i], 0, NULL, 0) != 0)
			continue;
		if (!(out[k] = strdup(ports[i]))) {
			jack_backend_free_names(out);
			out = NULL;
			break;
		}
		k++;
	}
	if (regex)
		regfree(&re);
	if (!out)
		return error_set(err, RL_ERR_NOMEM, "out of memory");
	qsort(out, k, sizeof *out, cmp_names);
	*names = out;
	*count = k;
	return RL_OK;
}

void jack_backend_free_names(char **names)
{
	if (!names)
		return;
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

enum rl_status jack_transport_mode_parse(const char *text,
                                         enum jack_transport_mode *out,
                                         struct error *err)
{
	static const char *const modes[] = { "internal", "follow", "master" };
	for (int i = 0; i < 3; i++) {
		if (!strcmp(text, modes[i])) {
			*out = (enum jack_transport_mode)i;
			return RL_OK;
		}
	}
	return error_set(err, RL_ERR_INVALID,
	                 "JACK transport mode '%s': want internal, follow or "
	                 "master", text);
}
