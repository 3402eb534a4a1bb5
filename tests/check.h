/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Minimal assertions for the unit tests: report every failure with its
 * place, keep going, and make the exit status say whether any failed. */
#ifndef REDLIGHT_TESTS_CHECK_H
#define REDLIGHT_TESTS_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
			        __FILE__, __LINE__, #cond);                \
			check_failures++;                                  \
		}                                                          \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                 \
	do {                                                               \
		unsigned long long a_ = (unsigned long long)(a);           \
		unsigned long long b_ = (unsigned long long)(b);           \
		if (a_ != b_) {                                            \
			fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu\n", \
			        __FILE__, __LINE__, #a, #b, a_, b_);       \
			check_failures++;                                  \
		}                                                          \
	} while (0)

#define CHECK_DONE()                                                       \
	(check_failures ? (fprintf(stderr, "%d check(s) failed\n",         \
	                           check_failures), 1) : 0)

#endif
