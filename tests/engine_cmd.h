/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Engine commands for the tests and benchmarks that drive the engine
 * directly. */
#ifndef REDLIGHT_TESTS_ENGINE_CMD_H
#define REDLIGHT_TESTS_ENGINE_CMD_H

#include "redlight/engine.h"

/* A command with no punch points or count-in. */
static inline struct engine_command make_cmd(uint32_t type, uint32_t track,
                                             int64_t value, uint64_t at,
                                             uint64_t length)
{
	struct engine_command c;
	engine_command_init(&c, type);
	c.track = track;
	c.value = value;
	c.at = at;
	c.length = length;
	return c;
}

#endif
