/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * json-get FILE PATH: print one value of a JSON file, for the end-to-end
 * tests. PATH is dot-separated keys and array indexes ("takes.0.length");
 * a final "#" prints an array's length. Exit 1 if the path is missing.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: json-get FILE PATH\n", stderr);
		return 2;
	}
	json_error_t jerr;
	json_t *root = json_load_file(argv[1], 0, &jerr);
	if (!root) {
		fprintf(stderr, "json-get: %s:%d:%d: %s\n", argv[1], jerr.line,
		        jerr.column, jerr.text);
		return 1;
	}
	char *path = strdup(argv[2]);
	json_t *v = root;
	for (char *tok = strtok(path, "."); tok && v; tok = strtok(NULL, ".")) {
		if (!strcmp(tok, "#") && json_is_array(v)) {
			printf("%zu\n", json_array_size(v));
			free(path);
			json_decref(root);
			return 0;
		}
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	int rc = 0;
	if (!v) {
		fprintf(stderr, "json-get: %s: no %s\n", argv[1], argv[2]);
		rc = 1;
	} else if (json_is_string(v)) {
		printf("%s\n", json_string_value(v));
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		printf("%s\n", s);
		free(s);
	}
	free(path);
	json_decref(root);
	return rc;
}
