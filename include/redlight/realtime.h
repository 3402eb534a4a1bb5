/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file realtime.h
 * The REALTIME marker for every function reachable from the JACK process
 * callback.
 *
 * On clang >= 20 it expands to the `nonblocking` function-effect attribute,
 * which RealtimeSanitizer (-fsanitize=realtime) enforces at run time: any
 * malloc, lock, blocking system call or other unsafe call made while such a
 * function is on the stack aborts the program with a stack trace.  On other
 * compilers it is documentation only.  Put it in front of the declaration
 * and the definition: `REALTIME void engine_process(...)`.
 */
#ifndef REDLIGHT_REALTIME_H
#define REDLIGHT_REALTIME_H

#if defined(__clang__) && __clang_major__ >= 20
#define REALTIME __attribute__((nonblocking))
#else
#define REALTIME
#endif

#endif
