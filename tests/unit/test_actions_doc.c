/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * doc/actions.md against the code: every action declared in
 * include/redlight/actions.h has a row, every row names a declared
 * action, and each of its key, OSC and command-line cells has a form or
 * says why not ("— reason"). The OSC paths a row names must be in
 * doc/osc.md, the options and sub-commands in doc/redlight.1.
 *
 * Usage: test_actions_doc ACTIONS_H ACTIONS_MD OSC_MD REDLIGHT_1
 */
#include "check.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACTIONS 128

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Names of "enum rl_status action_x(" declarations. */
static size_t declared_actions(const char *header, char names[][64])
{
	size_t n = 0;
	const char *p = header;
	while ((p = strstr(p, "\nenum rl_status action_")) && n < MAX_ACTIONS) {
		p += strlen("\nenum rl_status ");
		size_t len = strcspn(p, "(");
		snprintf(names[n++], 64, "%.*s", (int)len, p);
	}
	return n;
}

/* One table row split into its cells (trimmed, in place). */
static int split_row(char *line, char *cells[], int max)
{
	int n = 0;
	char *p = line + 1; /* after the leading '|' */
	while (n < max) {
		char *bar = strchr(p, '|');
		if (!bar)
			break;
		*bar = '\0';
		while (isspace((unsigned char)*p))
			p++;
		char *end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		cells[n++] = p;
		p = bar + 1;
	}
	return n;
}

/* A cell has a form (something in backticks before any dash) or a
 * reason: "— " and at least three words. */
static bool form_or_reason(const char *cell)
{
	if (!strncmp(cell, "\xe2\x80\x94", 3)) { /* an em dash */
		int words = 0;
		for (const char *p = cell + 3; *p; p++)
			if (!isspace((unsigned char)*p) &&
			    (p == cell + 3 || isspace((unsigned char)p[-1])))
				words++;
		return words >= 3;
	}
	return cell[0] == '`';
}

/* The backticked forms of a cell before its reason, one at a time. */
static const char *next_form(const char *p, char *out, size_t size)
{
	if (!strncmp(p, "\xe2\x80\x94", 3))
		return NULL; /* a reason: what it quotes is not a form */
	const char *a = strchr(p, '`');
	const char *dash = strstr(p, "\xe2\x80\x94");
	if (!a || (dash && dash < a))
		return NULL;
	const char *b = strchr(a + 1, '`');
	if (!b)
		return NULL;
	snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
	return b + 1;
}

static void check_osc_cell(const char *action, const char *cell,
                           const char *osc_md)
{
	char form[128], want[140];
	for (const char *p = cell; (p = next_form(p, form, sizeof form));) {
		snprintf(want, sizeof want, "| `%s`", form);
		if (form[0] != '/' || !strstr(osc_md, want)) {
			fprintf(stderr, "%s: OSC path %s is not in doc/osc.md\n",
			        action, form);
			check_failures++;
		}
	}
}

/* "--split-at" is "\-\-split\-at" in the man page; "redlight takes
 * keep" needs "takes" and "keep" there. */
static void check_cli_cell(const char *action, const char *cell,
                           const char *man)
{
	char form[128];
	for (const char *p = cell; (p = next_form(p, form, sizeof form));) {
		char *save = NULL;
		for (char *w = strtok_r(form, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			char esc[256] = "";
			size_t k = 0;
			for (const char *q = w; *q && k + 2 < sizeof esc; q++) {
				if (*q == '-')
					esc[k++] = '\\';
				esc[k++] = *q;
			}
			esc[k] = '\0';
			if (!strstr(man, esc)) {
				fprintf(stderr, "%s: '%s' is not in redlight.1\n",
				        action, w);
				check_failures++;
			}
		}
	}
}

static void check_rows(char *doc, char names[][64], size_t count,
                       bool *seen, const char *osc_md, const char *man)
{
	for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "| `action_", 10))
			continue;
		char *cells[8];
		int n = split_row(line, cells, 8);
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(cells[0] + 1,
		                                                 "`"),
		         cells[0] + 1);
		size_t i = 0;
		while (i < count && strcmp(names[i], name))
			i++;
		if (i == count) {
			fprintf(stderr, "doc/actions.md: %s is not in actions.h\n",
			        name);
			check_failures++;
			continue;
		}
		seen[i] = true;
		CHECK(n == 4);
		for (int k = 1; k < n; k++) {
			if (!form_or_reason(cells[k])) {
				fprintf(stderr, "%s: column %d has neither a form "
				        "nor a reason: '%s'\n", name, k + 1,
				        cells[k]);
				check_failures++;
			}
		}
		if (n == 4) {
			check_osc_cell(name, cells[2], osc_md);
			check_cli_cell(name, cells[3], man);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s ACTIONS_H ACTIONS_MD OSC_MD "
		        "REDLIGHT_1\n", argv[0]);
		return 2;
	}
	char *header = slurp(argv[1]), *doc = slurp(argv[2]);
	char *osc_md = slurp(argv[3]), *man = slurp(argv[4]);
	static char names[MAX_ACTIONS][64];
	size_t count = declared_actions(header, names);
	CHECK(count >= 30);
	bool seen[MAX_ACTIONS] = { false };
	check_rows(doc, names, count, seen, osc_md, man);
	for (size_t i = 0; i < count; i++) {
		if (!seen[i]) {
			fprintf(stderr, "%s has no row in doc/actions.md\n",
			        names[i]);
			check_failures++;
		}
	}
	/* The checks themselves: a cell with neither fails. */
	CHECK(!form_or_reason(""));
	CHECK(!form_or_reason("\xe2\x80\x94 none"));
	CHECK(form_or_reason("\xe2\x80\x94 the shell shows none"));
	CHECK(form_or_reason("`r`"));
	free(header);
	free(doc);
	free(osc_md);
	free(man);
	return CHECK_DONE();
}
