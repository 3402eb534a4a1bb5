/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The assertions and the temporary directory of every unit test, one
 * copy for all of them.
 *
 * A failed CHECK reports its place and what failed on stderr, and the
 * test keeps going: one run shows every failure. REQUIRE and REQUIRE_OK
 * leave the calling (void) function instead, where the checks after them
 * would crash. check_failures counts the failures (the exit status is
 * whether there were any: CHECK_DONE()), check_count every check made.
 *
 * The status checks (CHECK_OK, CHECK_STATUS, CHECK_FAILS, REQUIRE_OK)
 * take an enum rl_status expression and the struct error * it fills,
 * whose message is printed when the status is not the one wanted.
 *
 * Every test is its own program: the counters and helpers are static.
 */
#ifndef REDLIGHT_TESTS_CHECK_H
#define REDLIGHT_TESTS_CHECK_H

#include "redlight/error.h"

#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_failures;
static int check_count;

/* A check of cond reported at file:line (for helpers that check on
 * behalf of their caller). */
#define CHECK_AT(cond, file, line)                                         \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n", file, \
			        line, #cond);                              \
			check_failures++;                                  \
		}                                                          \
	} while (0)

#define CHECK(cond) CHECK_AT(cond, __FILE__, __LINE__)

/* CHECK with a printf-style account of what was found. */
#define CHECK_MSG(cond, ...)                                               \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s: ",       \
			        __FILE__, __LINE__, #cond);                \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* Like CHECK, but leaves the (void) test function: later checks would
 * crash. */
#define REQUIRE(cond)                                                      \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: requirement failed: %s\n", \
			        __FILE__, __LINE__, #cond);                \
			check_failures++;                                  \
			return;                                            \
		}                                                          \
	} while (0)

/* As REQUIRE, running the statement `cleanup` (control_close(c),
 * session_free(s)) before it leaves: what the test holds is let go. */
#define REQUIRE_OR(cond, cleanup)                                          \
	do {                                                               \
		check_count++;                                             \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: requirement failed: %s\n", \
			        __FILE__, __LINE__, #cond);                \
			check_failures++;                                  \
			cleanup;                                           \
			return;                                            \
		}                                                          \
	} while (0)

/* Integers equal, compared as signed (CHECK_EQ) or unsigned 64-bit. */
#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long ck_a_ = (long long)(a), ck_b_ = (long long)(b);  \
		check_count++;                                             \
		if (ck_a_ != ck_b_) {                                      \
			fprintf(stderr, "%s:%d: check failed: %s == %s "   \
			        "(%lld != %lld)\n", __FILE__, __LINE__,    \
			        #a, #b, ck_a_, ck_b_);                     \
			check_failures++;                                  \
		}                                                          \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                 \
	do {                                                               \
		unsigned long long ck_a_ = (unsigned long long)(a);        \
		unsigned long long ck_b_ = (unsigned long long)(b);        \
		check_count++;                                             \
		if (ck_a_ != ck_b_) {                                      \
			fprintf(stderr, "%s:%d: %s == %s failed: %llu != " \
			        "%llu\n", __FILE__, __LINE__, #a, #b,      \
			        ck_a_, ck_b_);                             \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* |a - b| <= tol; NaN on either side fails. */
#define CHECK_NEAR(a, b, tol)                                              \
	do {                                                               \
		double ck_a_ = (double)(a), ck_b_ = (double)(b);           \
		check_count++;                                             \
		if (!(fabs(ck_a_ - ck_b_) <= (tol))) {                     \
			fprintf(stderr, "%s:%d: %s == %s failed: %.9g != " \
			        "%.9g (tolerance %g)\n", __FILE__,         \
			        __LINE__, #a, #b, ck_a_, ck_b_,            \
			        (double)(tol));                            \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* Equal strings; a NULL on either side fails. */
#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *ck_a_ = (a), *ck_b_ = (b);                     \
		check_count++;                                             \
		if (!ck_a_ || !ck_b_ || strcmp(ck_a_, ck_b_) != 0) {       \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected "   \
			        "\"%s\"\n", __FILE__, __LINE__, #a,        \
			        ck_a_ ? ck_a_ : "(null)",                  \
			        ck_b_ ? ck_b_ : "(null)");                 \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* hay contains needle; a NULL on either side fails. */
#define CHECK_CONTAINS(hay, needle)                                        \
	do {                                                               \
		const char *ck_h_ = (hay), *ck_n_ = (needle);              \
		check_count++;                                             \
		if (!ck_h_ || !ck_n_ || !strstr(ck_h_, ck_n_)) {           \
			fprintf(stderr, "%s:%d: \"%s\" does not contain "  \
			        "\"%s\"\n", __FILE__, __LINE__,            \
			        ck_h_ ? ck_h_ : "(null)",                  \
			        ck_n_ ? ck_n_ : "(null)");                 \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* Counts a check of status st (of the expression `expr`) and says why it
 * failed if it is not RL_OK; false then. For CHECK_OK and REQUIRE_OK. */
static inline bool check_ok_at(enum rl_status st, const char *expr,
                               const struct error *err, const char *file,
                               int line)
{
	check_count++;
	if (st == RL_OK)
		return true;
	fprintf(stderr, "%s:%d: %s failed: %s (%s)\n", file, line, expr,
	        rl_strerror(st), err->message);
	check_failures++;
	return false;
}

/* expr succeeds (RL_OK). */
#define CHECK_OK(expr, err) \
	((void)check_ok_at((expr), #expr, (err), __FILE__, __LINE__))

/* As CHECK_OK, but leaves the (void) test function. */
#define REQUIRE_OK(expr, err)                                              \
	do {                                                               \
		if (!check_ok_at((expr), #expr, (err), __FILE__, __LINE__)) \
			return;                                            \
	} while (0)

/* expr returns exactly want. The message is printed only for a failure
 * status: after RL_OK the struct error may never have been written. */
#define CHECK_STATUS(expr, want, err)                                      \
	do {                                                               \
		enum rl_status ck_st_ = (expr), ck_want_ = (want);         \
		check_count++;                                             \
		if (ck_st_ != ck_want_) {                                  \
			fprintf(stderr, "%s:%d: %s returned %s, expected " \
			        "%s (%s)\n", __FILE__, __LINE__, #expr,    \
			        rl_strerror(ck_st_), rl_strerror(ck_want_), \
			        ck_st_ != RL_OK ? (err)->message : "");    \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* expr fails with status want and a message containing text. */
#define CHECK_FAILS(expr, want, text, err)                                 \
	do {                                                               \
		enum rl_status ck_st_ = (expr), ck_want_ = (want);         \
		check_count++;                                             \
		if (ck_st_ != ck_want_ || !strstr((err)->message, (text))) { \
			fprintf(stderr, "%s:%d: %s: status %d \"%s\", want " \
			        "%d \"%s\"\n", __FILE__, __LINE__, #expr,  \
			        (int)ck_st_, ck_st_ ? (err)->message : "", \
			        (int)ck_want_, (text));                    \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* CHECK_FAILS with err's message emptied before the call, for a test
 * that checks refusal after refusal with one struct error: the message
 * an earlier call left (often the same words) cannot pass for this
 * one's. */
#define CHECK_REFUSED(expr, want, text, err)                               \
	do {                                                               \
		(err)->message[0] = '\0';                                  \
		CHECK_FAILS(expr, want, text, err);                        \
	} while (0)

/* The exit status of a test: 1 (after saying how many failed) or 0. */
#define CHECK_DONE()                                                       \
	(check_failures ? (fprintf(stderr, "%d check(s) failed\n",         \
	                           check_failures), 1) : 0)

/*
 * A new, empty directory $TMPDIR/redlight-test-TAG.XXXXXX (/tmp when
 * TMPDIR is unset, empty, or too long for buf) into buf. False, after
 * saying why on stderr, if it cannot be made. Remove it with
 * check_rmtree().
 */
static inline bool check_tmpdir(char *buf, size_t size, const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	int n = -1;
	if (tmp && *tmp)
		n = snprintf(buf, size, "%s/redlight-test-%s.XXXXXX", tmp, tag);
	if (n < 0 || (size_t)n >= size)
		n = snprintf(buf, size, "/tmp/redlight-test-%s.XXXXXX", tag);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "no room for a temporary directory named %s\n",
		        tag);
		return false;
	}
	if (!mkdtemp(buf)) {
		perror(buf);
		return false;
	}
	return true;
}

static inline int check_rmtree_entry(const char *path, const struct stat *st,
                                     int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove dir and everything in it, never following a symbolic link out
 * of it; only ever a directory of check_tmpdir(). 0, or -1 after saying
 * so on stderr. */
static inline int check_rmtree(const char *dir)
{
	if (nftw(dir, check_rmtree_entry, 16, FTW_DEPTH | FTW_PHYS) == 0)
		return 0;
	fprintf(stderr, "could not remove %s\n", dir);
	return -1;
}

#endif
