/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the libFuzzer harnesses share: a scratch directory of their own
 * (removed at exit), writing an input into a file, removing a tree, and
 * FUZZ_FAIL for a broken promise (an abort: libFuzzer keeps the input
 * as a crash, like any other finding).
 *
 * The scratch directory is on /dev/shm when it can be: the parsers that
 * save (session.json) fsync, which costs nothing there and milliseconds
 * on a disk. Every harness is its own program: the helpers are static.
 */
#ifndef REDLIGHT_TESTS_FUZZ_UTIL_H
#define REDLIGHT_TESTS_FUZZ_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A promise the code under test broke: say which, and abort. */
#define FUZZ_FAIL(...)                                                     \
	do {                                                               \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);            \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		abort();                                                   \
	} while (0)

static char fuzz_root[256];

static int fuzz_rm_entry(const char *path, const struct stat *sb, int flag,
                         struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Remove a tree (the harness's own scratch only). */
static inline void fuzz_rm_rf(const char *path)
{
	nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_cleanup(void)
{
	if (fuzz_root[0])
		fuzz_rm_rf(fuzz_root);
}

/* The harness's scratch directory, made on first use. */
static inline const char *fuzz_tmpdir(void)
{
	if (fuzz_root[0])
		return fuzz_root;
	const char *base = getenv("FUZZ_TMPDIR");
	if (!base || !base[0])
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_root, sizeof fuzz_root, "%s/redlight-fuzz-XXXXXX",
	         base);
	if (!mkdtemp(fuzz_root)) {
		fprintf(stderr, "fuzz: cannot make %s: %s\n", fuzz_root,
		        strerror(errno));
		exit(1);
	}
	atexit(fuzz_cleanup);
	return fuzz_root;
}

/* path = the scratch directory / name. */
static inline void fuzz_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", fuzz_tmpdir(), name);
}

/* Write exactly these bytes into path (made or truncated). */
static inline void fuzz_write_file(const char *path, const void *data,
                                   size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", path,
		        strerror(errno));
		exit(1);
	}
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fuzz: writing %s: %s\n", path,
			        strerror(errno));
			exit(1);
		}
		p += n;
		size -= (size_t)n;
	}
	close(fd);
}

/* A whole file into a malloc'd buffer (NUL after it); NULL if unreadable. */
static inline char *fuzz_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *grown = realloc(buf, cap * 2 + 1);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (size)
		*size = n;
	return buf;
}

/* The input as a C string: a copy up to its first NUL (text a user
 * types or a packet carries has none). The caller frees it. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	const void *nul = memchr(data, '\0', size);
	size_t n = nul ? (size_t)((const uint8_t *)nul - data) : size;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
