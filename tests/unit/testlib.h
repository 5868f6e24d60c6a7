/*
 * The unit tests' shared harness: temporary directories and the tree
 * remover, small file helpers, a fake clock, a store in a temporary
 * directory with rows put in it, a fake croftd around it, and IPv4
 * addresses from text.  The fake of the network domain's side effects is
 * testlib_net.h's.  Fault seams of the modules under test (exec, the
 * clock, /proc, QMP) are the modules' own function tables; the fakes that
 * fill them for more than one test file live here.
 *
 * Functions named tl_*_or_fail end the running cmocka test on failure;
 * the others return -errno or NULL so setups can report failure.
 */
#ifndef CROFT_TESTLIB_H
#define CROFT_TESTLIB_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct croftd;
struct store;
struct vm;

/* A fresh directory /tmp/croft-test-<tag>-XXXXXX, its real path (malloc'd),
 * mode 0755 so an unprivileged user can reach what a test puts there.
 * NULL on failure. */
char *tl_tmpdir(const char *tag);
/* Remove path and everything below it, never following a link.  0 when
 * it is gone (or was never there), else -errno. */
int tl_rmtree(const char *path);

/* "dir/name", malloc'd. */
char *tl_path(const char *dir, const char *name);
/* Write text (creating or truncating, mode 0644): 0 or -errno.  The
 * _or_fail form takes a printf format. */
int tl_write_file(const char *path, const char *text);
void tl_write_file_or_fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The whole file, NUL-terminated (malloc'd), or NULL with errno set. */
char *tl_read_file(const char *path);

/* Fail the running test unless hay (may be NULL) contains needle. */
void tl_assert_contains(const char *hay, const char *needle);

/* A fake clock for modules that take one as a seam: starts at
 * TL_CLOCK_START (2026-01-01 00:00:00 UTC) and moves only when told. */
#define TL_CLOCK_START_MS 1767225600000LL
int64_t tl_clock_ms(void);
void tl_clock_set(int64_t ms);
void tl_clock_advance(int64_t ms);

/* A new store at dir/croft.db, migrated; fails the test on error. */
struct store *tl_store_open_or_fail(const char *dir);

/* Rows in a store, for tests of what reads them: each returns the new
 * row's id and fails the test when the store refuses it.  A VM: stopped,
 * 1 vCPU, 64 MiB, BIOS, no disks.  A network: with third, the subnet
 * 10.73.<third>.0/24, gateway .1, DHCP range .2-.254; without, none
 * (bridged).  uplink and ip may be NULL. */
int64_t tl_store_vm_or_fail(struct store *st, const char *name);
int64_t tl_store_net_or_fail(struct store *st, const char *name, const char *mode,
			     const char *third, const char *uplink);
int64_t tl_store_nic_or_fail(struct store *st, int64_t vm, int64_t net, const char *mac,
			     const char *ip, uint32_t vlan, uint32_t rate_mbit);
int64_t tl_store_fwd_or_fail(struct store *st, int64_t net, int64_t nic, const char *proto,
			     uint32_t host_port, uint32_t guest_port);

/* A dotted quad as struct in_addr (network order); fails the test when it
 * is not one. */
struct in_addr tl_ip4_or_fail(const char *dotted);
/* a as a dotted quad, in one of four static buffers used in turn: up to
 * four calls may share one expression. */
const char *tl_ip4_str(struct in_addr a);

/* A fake croftd for code that takes one: a store in dir, a bus on the fake
 * clock, state_dir dir/state, run_dir dir/run and pool_dir dir/state/pool
 * (created), no OVMF, no loop, netd or API server; QEMU's user is the
 * caller.  Fails the test on error.  tl_croftd_free() frees it, its VMs
 * and the store, and leaves dir to the caller. */
struct croftd *tl_croftd_new_or_fail(const char *dir);
void tl_croftd_free(struct croftd *d);
/* A stopped VM named name with the disks at the given paths (ending with
 * NULL), in d's list as if loaded; not in the store. */
struct vm *tl_croftd_vm_add(struct croftd *d, const char *name, const char *const *disks);

#endif
