/*
 * What the supervisor (dnsmasq.c) and its instances' processes
 * (dnsmasq_proc.c) share and nobody else sees.  An instance serves one
 * network; it is running while it has a pidfd.
 */
#ifndef CROFT_DNSMASQ_INTERNAL_H
#define CROFT_DNSMASQ_INTERNAL_H

#include "netd/dnsmasq.h"

#include <stdint.h>
#include <sys/types.h>

struct loop_timer;

struct dnsmasq_inst {
	uint32_t net_id;
	char name[NETD_NAME_LEN];
	struct dnsmasq_files files;
	pid_t pid;                   /* 0 = not running */
	int pidfd;                   /* -1 = not running */
	int child;                   /* ours to waitpid */
	unsigned fails;
	uint64_t started;
	struct loop_timer *timer;    /* pending restart */
	int wanted;
	struct dnsmasq_sup *sup;
	struct dnsmasq_inst *next;
};

struct dnsmasq_sup {
	struct loop *loop;
	char *run_dir;
	char *net_dir;
	char *binary;
	char *user;
	char *group;
	/* adoption's expectations (dnsmasq_adoptable) */
	char *proc_root;             /* "/proc" */
	char *exe;                   /* binary, symlinks resolved */
	uid_t uid;                   /* user's uid */
	struct dnsmasq_inst *list;
};

/* Start in's dnsmasq and watch it.  0, or -errno with err. */
int dnsmasq_inst_start(struct dnsmasq_inst *in, char *err, size_t errlen);
/* SIGTERM (SIGKILL if ignored), wait, stop watching; cancels a pending
 * restart. */
void dnsmasq_inst_stop(struct dnsmasq_inst *in);
/* Start again after the back-off delay. */
void dnsmasq_inst_restart_later(struct dnsmasq_inst *in);
/* Watch a dnsmasq a previous netd left running for in's network, if any. */
void dnsmasq_inst_adopt(struct dnsmasq_inst *in);
/* 1 once the running dnsmasq has installed its SIGHUP handler (one just
 * exec'ed would die of the signal). */
int dnsmasq_inst_can_hup(const struct dnsmasq_inst *in);
/* Have it reread its hosts file. */
void dnsmasq_inst_hup(struct dnsmasq_inst *in);

#endif
