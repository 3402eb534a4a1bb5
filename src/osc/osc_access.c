/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Address lists and the log-line limiter of the OSC server.
 *
 * Every network is kept in the IPv6 form, IPv4 ones as IPv4-mapped
 * addresses (::ffff:a.b.c.d, prefix + 96): the server's socket is dual
 * stack, so an IPv4 tablet arrives as a mapped address anyway, and one
 * comparison serves both families.
 */
#include "osc_access.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	                                   0, 0, 0xff, 0xff };

static void mask_host_bits(struct osc_access_net *n)
{
	for (unsigned bit = n->prefix; bit < 128; bit++)
		n->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

static bool add_net(struct osc_access_list *l, const uint8_t addr[16],
                    unsigned prefix)
{
	if (l->count >= OSC_ACCESS_MAX_NETS)
		return false;
	struct osc_access_net *n = &l->nets[l->count++];
	memcpy(n->addr, addr, 16);
	n->prefix = (uint8_t)prefix;
	mask_host_bits(n);
	return true;
}

static bool add_v4(struct osc_access_list *l, uint8_t a, uint8_t b,
                   unsigned prefix)
{
	uint8_t addr[16];
	memcpy(addr, mapped_prefix, 12);
	addr[12] = a;
	addr[13] = b;
	addr[14] = 0;
	addr[15] = 0;
	return add_net(l, addr, prefix + 96);
}

static bool add_v6(struct osc_access_list *l, const char *text,
                   unsigned prefix)
{
	uint8_t addr[16];
	if (inet_pton(AF_INET6, text, addr) != 1)
		return false;
	return add_net(l, addr, prefix);
}

static bool add_loopback(struct osc_access_list *l)
{
	return add_v4(l, 127, 0, 8) && add_v6(l, "::1", 128);
}

static bool add_private(struct osc_access_list *l)
{
	/* RFC 1918, the link-local ranges a tablet on an ad-hoc network
	 * gets, and IPv6 unique local addresses. */
	return add_v4(l, 10, 0, 8) && add_v4(l, 172, 16, 12) &&
	       add_v4(l, 192, 168, 16) && add_v4(l, 169, 254, 16) &&
	       add_v6(l, "fe80::", 10) && add_v6(l, "fc00::", 7);
}

void osc_access_list_default(struct osc_access_list *out)
{
	out->count = 0;
	add_loopback(out);
	add_private(out);
}

static const char forms[] =
	"an address (192.168.1.20, fd00::7), a network (10.0.0.0/8, "
	"fe80::/10), loopback, private, any or none";

/* One entry, trimmed, into l. */
static enum rl_status parse_entry(const char *what, const char *entry,
                                  struct osc_access_list *l,
                                  struct error *err)
{
	if (!strcmp(entry, "none"))
		return RL_OK;
	bool ok;
	if (!strcmp(entry, "loopback")) {
		ok = add_loopback(l);
	} else if (!strcmp(entry, "private")) {
		ok = add_private(l);
	} else if (!strcmp(entry, "any")) {
		static const uint8_t zero[16];
		ok = add_net(l, zero, 0);
	} else {
		char addr_text[64];
		const char *slash = strchr(entry, '/');
		size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
		if (alen == 0 || alen >= sizeof addr_text)
			return error_set(err, RL_ERR_INVALID, "%s: '%s' is not "
			                 "%s", what, entry, forms);
		memcpy(addr_text, entry, alen);
		addr_text[alen] = '\0';
		uint8_t addr[16];
		unsigned max;
		struct in_addr v4;
		if (inet_pton(AF_INET, addr_text, &v4) == 1) {
			memcpy(addr, mapped_prefix, 12);
			memcpy(addr + 12, &v4, 4);
			max = 32;
		} else if (inet_pton(AF_INET6, addr_text, addr) == 1) {
			max = 128;
		} else {
			return error_set(err, RL_ERR_INVALID, "%s: '%s' is not "
			                 "%s", what, entry, forms);
		}
		unsigned prefix = max;
		if (slash) {
			char *end;
			const char *p = slash + 1;
			unsigned long v = isdigit((unsigned char)*p)
			                  ? strtoul(p, &end, 10) : 0;
			if (!isdigit((unsigned char)*p) || *end || v > max)
				return error_set(err, RL_ERR_INVALID, "%s: '%s': "
				                 "the prefix length after '/' must "
				                 "be 0 to %u", what, entry, max);
			prefix = (unsigned)v;
		}
		ok = add_net(l, addr, max == 32 ? prefix + 96 : prefix);
	}
	if (!ok)
		return error_set(err, RL_ERR_INVALID, "%s: more than %d "
		                 "networks", what, OSC_ACCESS_MAX_NETS);
	return RL_OK;
}

enum rl_status osc_access_list_parse(const char *what, const char *text,
                                     struct osc_access_list *out,
                                     struct error *err)
{
	out->count = 0;
	const char *p = text;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		char entry[128];
		if (len == 0 || len >= sizeof entry) {
			out->count = 0;
			if (len == 0)
				return error_set(err, RL_ERR_INVALID, "%s: empty "
				                 "entry in '%s' (each entry is %s)",
				                 what, text, forms);
			return error_set(err, RL_ERR_INVALID, "%s: entry too long "
			                 "in '%s'", what, text);
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		enum rl_status st = parse_entry(what, entry, out, err);
		if (st != RL_OK) {
			out->count = 0;
			return st;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return RL_OK;
}

/* The sender as a 16-byte (mapped) address; false for other families. */
static bool sender_addr(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)
		                               (const void *)sa;
		memcpy(out, mapped_prefix, 12);
		memcpy(out + 12, &in->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)
		                                 (const void *)sa;
		memcpy(out, &in6->sin6_addr, 16);
		return true;
	}
	return false;
}

bool osc_access_list_match(const struct osc_access_list *l,
                           const struct sockaddr *sa)
{
	uint8_t a[16];
	if (!sender_addr(sa, a))
		return false;
	for (size_t i = 0; i < l->count; i++) {
		const struct osc_access_net *n = &l->nets[i];
		unsigned full = n->prefix / 8, rest = n->prefix % 8;
		if (memcmp(a, n->addr, full) != 0)
			continue;
		if (rest) {
			uint8_t mask = (uint8_t)(0xff00u >> rest);
			if ((a[full] & mask) != n->addr[full])
				continue;
		}
		return true;
	}
	return false;
}

enum rl_status osc_access_init(struct osc_access *a, const char *allow,
                               const char *read_only, struct error *err)
{
	a->read_only.count = 0;
	if (allow) {
		enum rl_status st = osc_access_list_parse("--osc-allow", allow,
		                                          &a->allow, err);
		if (st != RL_OK)
			return st;
	} else {
		osc_access_list_default(&a->allow);
	}
	if (read_only)
		return osc_access_list_parse("--osc-read-only", read_only,
		                             &a->read_only, err);
	return RL_OK;
}

enum osc_access_role osc_access_role(const struct osc_access *a,
                                     const struct sockaddr *sa)
{
	if (osc_access_list_match(&a->read_only, sa))
		return OSC_ACCESS_READ_ONLY;
	if (osc_access_list_match(&a->allow, sa))
		return OSC_ACCESS_CONTROL;
	return OSC_ACCESS_DENIED;
}

void osc_access_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)
		                               (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)
		                                 (const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;
		if (!memcmp(b, mapped_prefix, 12)) {
			inet_ntop(AF_INET, b + 12, host, sizeof host);
			snprintf(buf, size, "%s:%u", host,
			         ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, b, host, sizeof host);
			snprintf(buf, size, "[%s]:%u", host,
			         ntohs(in6->sin6_port));
		}
	} else {
		snprintf(buf, size, "(address family %d)", sa->sa_family);
	}
}

bool osc_access_limiter_allow(struct osc_access_limiter *l, double now,
                              uint64_t *left_out)
{
	if (!l->started || now >= l->next) {
		*left_out = l->suppressed;
		l->suppressed = 0;
		l->next = now + l->interval;
		l->started = true;
		return true;
	}
	l->suppressed++;
	return false;
}

uint64_t osc_access_limiter_flush(struct osc_access_limiter *l, double now)
{
	if (!l->suppressed || !l->started || now < l->next)
		return 0;
	uint64_t n = l->suppressed;
	l->suppressed = 0;
	l->next = now + l->interval;
	return n;
}
