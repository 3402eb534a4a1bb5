/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * slow_write: an LD_PRELOAD shim that makes the disk too slow.
 *
 * redlight promises that a disk which cannot keep up never disturbs the
 * audio thread: the rings fill, the engine counts the frames it had to
 * drop, the writer pads them with silence, and every track of the take
 * stays aligned. No real disk is reliably slow on demand, so this shim
 * sleeps in write()/pwrite()/writev() on the take files, and the
 * end-to-end test proves the promise with verify-take --allow-dropped.
 *
 * Environment:
 *   SLOW_WRITE_MATCH        substring of the file's path that selects it
 *                           (default "/takes/")
 *   SLOW_WRITE_US           microseconds to sleep per call (default 200000)
 *   SLOW_WRITE_AFTER_BYTES  only start sleeping once this many bytes went
 *                           to matching files (default 0), so a take can
 *                           start cleanly and then stall
 *
 * Usage: LD_PRELOAD=/path/to/slow_write.so redlight record ...
 *
 * Only the calls of the preloaded process's own code are seen: glibc's
 * stdio writes internally without going through these symbols, which is
 * fine because libsndfile uses write() directly.
 */

/* Define both pwrite and pwrite64 as themselves: with 64-bit file offsets
 * (meson's default) the headers would rename pwrite to pwrite64. */
#undef _FILE_OFFSET_BITS

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

static _Atomic(write_fn) real_write;
static _Atomic(pwrite_fn) real_pwrite;
static _Atomic(pwrite64_fn) real_pwrite64;
static _Atomic(writev_fn) real_writev;

/* Bytes written to matching files so far, across all threads. */
static _Atomic uint64_t matched_bytes;

/*
 * dlsym() returns a void *; converting it to a function pointer is what
 * POSIX requires to work, but ISO C does not define it, so go through
 * memcpy to stay quiet under -Wpedantic.
 */
static void *next_symbol(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	if (!sym)
		abort(); /* without the real call the process cannot go on */
	return sym;
}

#define RESOLVE(var, type, name)                                           \
	do {                                                               \
		if (!atomic_load_explicit(&var, memory_order_acquire)) {   \
			void *sym_ = next_symbol(name);                    \
			type fn_;                                          \
			memcpy(&fn_, &sym_, sizeof fn_);                   \
			atomic_store_explicit(&var, fn_,                   \
			                      memory_order_release);       \
		}                                                          \
	} while (0)

static unsigned long long env_number(const char *name, unsigned long long dflt)
{
	const char *text = getenv(name);
	char *end;

	if (!text || !*text)
		return dflt;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	return errno || *end ? dflt : v;
}

/*
 * Is fd a regular file whose path contains the match string? Checked on
 * every call rather than cached per fd, because an fd number is reused as
 * soon as it is closed and this is a test shim, not a fast path.
 */
static bool fd_matches(int fd)
{
	const char *match = getenv("SLOW_WRITE_MATCH");
	char link[64];
	char path[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!match || !*match)
		match = "/takes/";
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

/*
 * Sleep before a write to a matching file once the byte threshold is
 * passed. Returns whether the fd matched, so the caller counts its bytes.
 * errno is kept: the caller's write must see only its own.
 */
static bool maybe_stall(int fd)
{
	int saved = errno;
	bool match = fd_matches(fd);

	if (match && atomic_load(&matched_bytes)
	             >= env_number("SLOW_WRITE_AFTER_BYTES", 0)) {
		unsigned long long us = env_number("SLOW_WRITE_US", 200000);
		struct timespec ts = {
			.tv_sec = (time_t)(us / 1000000),
			.tv_nsec = (long)(us % 1000000) * 1000,
		};
		/* Sleep the whole time even if a signal interrupts it. */
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	errno = saved;
	return match;
}

static void count(bool match, ssize_t written)
{
	if (match && written > 0)
		atomic_fetch_add(&matched_bytes, (uint64_t)written);
}

/*
 * The interposed libc entry points, exported on purpose with libc's own
 * prototypes. Any thread of the preloaded process; each forwards to the
 * next definition (libc) after the stall, so the caller's data, return
 * value and errno are exactly libc's.
 */
ssize_t write(int fd, const void *buf, size_t len)
{
	RESOLVE(real_write, write_fn, "write");
	bool match = maybe_stall(fd);
	ssize_t r = atomic_load(&real_write)(fd, buf, len);
	count(match, r);
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset)
{
	RESOLVE(real_pwrite, pwrite_fn, "pwrite");
	bool match = maybe_stall(fd);
	ssize_t r = atomic_load(&real_pwrite)(fd, buf, len, offset);
	count(match, r);
	return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t offset)
{
	RESOLVE(real_pwrite64, pwrite64_fn, "pwrite64");
	bool match = maybe_stall(fd);
	ssize_t r = atomic_load(&real_pwrite64)(fd, buf, len, offset);
	count(match, r);
	return r;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	RESOLVE(real_writev, writev_fn, "writev");
	bool match = maybe_stall(fd);
	ssize_t r = atomic_load(&real_writev)(fd, iov, iovcnt);
	count(match, r);
	return r;
}
