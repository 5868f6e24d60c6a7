/*
 * Persistent tap devices for guest NICs, made with /dev/net/tun ioctls
 * (there is no rtnetlink way to create one with an owner): IFF_TAP |
 * IFF_NO_PI | IFF_VNET_HDR, owned by the QEMU user, persistent, so the
 * device outlives netd's file descriptor and QEMU opens it by name.
 * Deleting a tap is an ordinary RTM_DELLINK (nl_build_link_del).
 */
#ifndef CROFT_TAP_H
#define CROFT_TAP_H

#include <stddef.h>
#include <stdint.h>

/* Create tap name owned by owner_uid.  0 or -errno with err set. */
int tap_create(const char *name, uint32_t owner_uid, char *err, size_t errlen);

#endif
