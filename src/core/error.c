/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "redlight/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

const char *rl_strerror(enum rl_status status)
{
	switch (status) {
	case RL_OK: return "success";
	case RL_ERR_NOMEM: return "out of memory";
	case RL_ERR_IO: return "input/output error";
	case RL_ERR_EXISTS: return "already exists";
	case RL_ERR_NOT_FOUND: return "not found";
	case RL_ERR_FORMAT: return "malformed file";
	case RL_ERR_INVALID: return "invalid argument";
	case RL_ERR_DISK_FULL: return "disk full";
	case RL_ERR_JACK: return "JACK error";
	case RL_ERR_LOCKED: return "session locked";
	case RL_ERR_STATE: return "not allowed now";
	case RL_ERR_SYSTEM: return "system error";
	}
	return "unknown error";
}

enum rl_status error_set(struct error *err, enum rl_status status,
                         const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->status = status;
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return status;
}

enum rl_status rl_status_from_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT: return RL_ERR_DISK_FULL;
	case EEXIST: return RL_ERR_EXISTS;
	case ENOENT: return RL_ERR_NOT_FOUND;
	case ENOMEM: return RL_ERR_NOMEM;
	default: return RL_ERR_IO;
	}
}

void error_clear(struct error *err)
{
	if (err) {
		err->status = RL_OK;
		err->message[0] = '\0';
	}
}
