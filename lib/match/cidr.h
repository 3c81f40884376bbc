/* The `cidr` modifier: IPv4/IPv6 network membership. */
#ifndef SG_MATCH_CIDR_H
#define SG_MATCH_CIDR_H

#include <stddef.h>
#include <stdint.h>

typedef struct sg_cidr {
    uint8_t family;   /* 4 or 6 */
    uint8_t prefix;   /* 0..32 or 0..128 */
    uint8_t addr[16]; /* network address (IPv4 in the first 4 bytes) */
} sg_cidr;

/* Parses a rule value "10.0.0.0/8", "fe80::/10", or a bare address (= /32, /128).
 * Host bits must be zero ("192.168.1.1/24" is an error). 0 ok, 1 error with a
 * message in err. */
int sg_cidr_parse(const char *s, size_t len, sg_cidr *out, char *err, size_t errcap);

/* 1 if the event value s is an IP address inside the network. The value must be a
 * plain address: no port, no zone ("%eth0"), no brackets, no IPv4 leading zeros
 * ("010.1.1.1"), no prefix; IPv4-mapped IPv6 is not folded to IPv4. */
int sg_cidr_match(const sg_cidr *net, const char *s, size_t len);

/* Parses a whole string as one plain address with the same strict rules as
 * sg_cidr_match. Returns 4 or 6 (addr filled, IPv4 in the first 4 bytes, rest
 * zero), or 0 if s is not an address. */
int sg_ip_parse(const char *s, size_t len, uint8_t addr[16]);

/* Writes the network as "a.b.c.d/p" or in RFC 5952 form "fe80::/10" (NUL-terminated,
 * truncated to cap). Returns the untruncated length; 64 bytes always suffice. */
size_t sg_cidr_format(const sg_cidr *c, char *buf, size_t cap);

#endif
