/*
 * The protocol between croftd and croft-netd: fixed-size binary messages
 * over a unix SOCK_SEQPACKET socket at <run-dir>/netd.sock (mode 0600; netd
 * accepts only uid 0 or its own uid, checked with SO_PEERCRED).  Every
 * message is exactly one struct netd_msg in one packet, so there is no
 * framing to get wrong and no length to trust.
 *
 * Model: croftd owns the desired state (the store); netd owns the kernel.
 * croftd sends the WHOLE desired state as
 *
 *     STATE_BEGIN, STATE_NET x n, STATE_NIC x m, STATE_FWD x k, STATE_COMMIT
 *
 * and netd answers the COMMIT with one REPLY after it has reconciled the
 * kernel to exactly that state: links (bridges, taps, VLAN filtering),
 * addresses, the nftables tables "inet croft" and "bridge croft" (replaced
 * in one atomic batch), and one dnsmasq per nat/host-only network.  Nothing
 * in the state refers to a kernel object by a free-form name: netd derives
 * every interface name from ids (netd_bridge_name(), netd_tap_name()), and
 * refuses to touch any link whose name does not start with NETD_IFPREFIX
 * (apart from enslaving a bridged network's uplink).  A state that fails
 * validation changes nothing.  Sending the same state twice is a no-op.
 *
 * Other requests (each answered by one REPLY, LEASES by LEASE* then END):
 *   HELLO        version check; the first message on a connection.
 *   CHECK_NET    would this network fit the host?  (subnet clashes with a
 *                non-croft route or address, uplink missing or enslaved
 *                elsewhere, uplink has addresses in bridged mode).
 *   DEFAULT_UPLINK   REPLY.text = ifname of the IPv4 default route.
 *   LEASES       every DHCP lease of every croft network.
 *
 * REPLY.status is 0 or -errno; REPLY.text is a message for a human that
 * names the problem ("subnet 10.0.0.0/24 overlaps the host route
 * 10.0.0.0/16 on eth1").
 *
 * All integers are host byte order (both ends are on one machine);
 * addresses are struct in_addr (network byte order, as the kernel wants).
 */
#ifndef CROFT_NETD_PROTO_H
#define CROFT_NETD_PROTO_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>

#define NETD_PROTO_VERSION 2
#define NETD_SOCK_NAME "netd.sock"          /* in the run dir */

/* Every link netd creates starts with this; the nft tables are both named
 * NETD_NFT_TABLE ("inet croft", "bridge croft"). */
#define NETD_IFPREFIX "croft"
/* The appliance's management bridge (made by croft-install, run by
 * systemd-networkd, carrying the host's address): it has croft's prefix but
 * is the host's, never netd's (network ids start at 1). */
#define NETD_HOST_BRIDGE "croftbr0"
#define NETD_NFT_TABLE "croft"

#define NETD_NAME_LEN 64     /* network / VM names, NUL-terminated */
#define NETD_IFNAME_LEN 16   /* IFNAMSIZ */
#define NETD_TEXT_LEN 512

/* Upper bounds netd enforces on one state. */
#define NETD_MAX_NETS 256
#define NETD_MAX_NICS 4096
#define NETD_MAX_FWDS 4096

enum netd_msg_type {
	NETD_MSG_HELLO = 1,
	NETD_MSG_STATE_BEGIN,
	NETD_MSG_STATE_NET,
	NETD_MSG_STATE_NIC,
	NETD_MSG_STATE_FWD,
	NETD_MSG_STATE_COMMIT,
	NETD_MSG_CHECK_NET,
	NETD_MSG_DEFAULT_UPLINK,
	NETD_MSG_LEASES,
	NETD_MSG_REPLY,
	NETD_MSG_LEASE,
	NETD_MSG_END,
};

enum netd_mode {
	NETD_MODE_NAT = 1,
	NETD_MODE_HOSTONLY = 2,
	NETD_MODE_BRIDGED = 3,
};

enum netd_proto_l4 {
	NETD_L4_TCP = 6,
	NETD_L4_UDP = 17,
};

/* One network.  For nat and host-only: the bridge gets gateway/prefix,
 * dnsmasq serves dhcp_first..dhcp_last on it (and DNS for nat), and uplink
 * is where nat masquerades to.  For bridged: subnet/gateway/dhcp are zero,
 * uplink is the NIC enslaved to the bridge, and VLAN filtering is on.
 * host_access (nat and host-only only): 0 = guests reach the host only for
 * DHCP, DNS (nat), ping and neighbour discovery; 1 = every host service. */
struct netd_net {
	uint32_t id;                         /* store id; bridge croftbr<id> */
	uint32_t mode;                       /* enum netd_mode */
	char name[NETD_NAME_LEN];            /* for logs and dnsmasq's files */
	struct in_addr subnet;               /* network address */
	uint32_t prefix;                     /* 8..30 */
	struct in_addr gateway;              /* the host's address on the bridge */
	struct in_addr dhcp_first;
	struct in_addr dhcp_last;
	char uplink[NETD_IFNAME_LEN];        /* "" = none (host-only) */
	uint32_t host_access;                /* 0 or 1 */
};

/* One guest NIC: a persistent tap croftt<id> owned by owner_uid, attached
 * to its network's bridge.  ip is the address the guest may use (its
 * allocated or pinned lease; 0 on bridged networks unless pinned): dnsmasq
 * hands it out for mac, and the bridge table drops frames from the tap with
 * another source MAC or IPv4 address. */
struct netd_nic {
	uint32_t id;                         /* store id; tap croftt<id> */
	uint32_t net_id;
	uint8_t mac[6];
	uint16_t vlan;                       /* 0 = untagged; bridged only */
	struct in_addr ip;                   /* 0.0.0.0 = not known */
	uint32_t rate_mbit;                  /* 0 = unlimited, each direction */
	uint32_t owner_uid;                  /* QEMU's uid */
	char vm[NETD_NAME_LEN];              /* for logs and DHCP host names */
};

/* A port forward on a nat network: traffic to the host (any local address,
 * from outside or from the host itself) on host_port goes to ip:port. */
struct netd_fwd {
	uint32_t id;
	uint32_t net_id;
	uint32_t proto;                      /* enum netd_proto_l4 */
	uint16_t host_port;
	uint16_t guest_port;
	struct in_addr guest_ip;
};

struct netd_lease {
	uint32_t net_id;
	uint8_t mac[6];
	struct in_addr ip;
	int64_t expires;                     /* unix time, 0 = infinite */
	char hostname[NETD_NAME_LEN];
};

struct netd_msg {
	uint32_t type;                       /* enum netd_msg_type */
	uint32_t seq;                        /* echoed in the reply */
	union {
		struct { uint32_t version; } hello;
		struct { uint32_t nets, nics, fwds; } begin;  /* counts that follow */
		struct netd_net net;                 /* STATE_NET, CHECK_NET */
		struct netd_nic nic;
		struct netd_fwd fwd;
		struct netd_lease lease;
		struct {
			int32_t status;              /* 0 or -errno */
			char text[NETD_TEXT_LEN];
		} reply;
	} u;
};

/* Interface names, derived from ids on both sides.  buf holds
 * NETD_IFNAME_LEN.  Returns buf. */
static inline char *netd_bridge_name(uint32_t net_id, char *buf)
{
	snprintf(buf, NETD_IFNAME_LEN, NETD_IFPREFIX "br%u", (unsigned)net_id);
	return buf;
}

static inline char *netd_tap_name(uint32_t nic_id, char *buf)
{
	snprintf(buf, NETD_IFNAME_LEN, NETD_IFPREFIX "t%u", (unsigned)nic_id);
	return buf;
}

#endif
