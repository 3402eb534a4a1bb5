/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * @file osc.h
 * Remote control over OSC (liblo): the tablet at the drum kit.
 *
 * Thread: osc_server_new() starts a server thread of its own; its
 * handlers only validate a message and call the control API (between
 * control_lock() and control_unlock()); they never touch engine state.
 * Feedback to subscribed clients goes out from one place on that thread,
 * throttled. osc_server_free() and osc_server_clients() may be called
 * from any other thread.
 */
#ifndef REDLIGHT_OSC_H
#define REDLIGHT_OSC_H

#include "redlight/control.h"
#include "redlight/error.h"

#include <stdbool.h>
#include <stdint.h>

/** Default UDP port: the one tablet layouts made for Ardour use. */
#define OSC_DEFAULT_PORT 3819

struct osc_config {
	uint16_t port;          /**< 0: OSC_DEFAULT_PORT */
	const char *bind;       /**< address to bind, NULL: all */
	/** Comma-separated allow-list of client addresses or networks
	 *  ("192.168.1.0/24,10.0.0.5"); NULL: loopback and the private
	 *  networks. */
	const char *allow;
	/** Comma-separated addresses/networks that may only receive
	 *  feedback (read-only role); NULL: none. */
	const char *read_only;
};

struct osc_server;

/**
 * Bind and start the server thread for control c (which must outlive it).
 * A port that is taken is a clear error naming it. *out is the caller's
 * (osc_server_free()).
 */
enum rl_status osc_server_new(struct control *c, const struct osc_config *cfg,
                              struct osc_server **out, struct error *err);

/** Stop the thread and free. NULL is a no-op. */
void osc_server_free(struct osc_server *s);

/** Clients subscribed to feedback now. Any thread. */
uint32_t osc_server_clients(const struct osc_server *s);

/** The UDP port the server listens on. */
uint16_t osc_server_port(const struct osc_server *s);

#endif
