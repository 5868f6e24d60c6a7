/*
 * Choosing QEMU's accelerator.  The host setting (auto|kvm|tcg, stored in
 * settings as "accel") may be overridden by the environment (CROFT_ACCEL).
 * "auto" uses KVM when /dev/kvm is usable by the user QEMU runs as, and TCG
 * otherwise, with a warning that says why.  The decision is a pure function
 * of a probe so it can be unit-tested; accel_probe() reads the real host.
 */
#ifndef CROFT_ACCEL_H
#define CROFT_ACCEL_H

#include <stddef.h>
#include <sys/types.h>

struct accel_probe {
	int kvm_exists;          /* /dev/kvm present */
	int kvm_usable;          /* it opens and answers KVM_GET_API_VERSION,
	                            for the user QEMU runs as */
	char why[160];           /* when not usable: what is wrong */
};

struct accel_result {
	char setting[8];         /* auto | kvm | tcg, as configured */
	char source[8];          /* "setting" or "env" */
	char effective[8];       /* kvm | tcg */
	int usable;              /* 0 when kvm was demanded but is unusable */
	char reason[256];        /* one line for host info and the log */
};

/* 1 when s is auto, kvm or tcg. */
int accel_valid(const char *s);
void accel_decide(const char *setting, const char *env, const struct accel_probe *p,
		  struct accel_result *out);
/* The hypervisor's CPUID signature (leaf 0x40000000, 12 characters) when
 * the CPU says it runs under one, else "" (sig has 13 bytes). */
void accel_cpu_hypervisor(char *sig);
/* Why a /dev/kvm that opens still runs no guest usefully on a CPU with
 * this hypervisor signature, or NULL: QEMU's TCG ("TCGTCGTCGTCG") emulates
 * AMD SVM in software, so KVM loads inside it, but a guest of that KVM is
 * emulated twice over. */
const char *accel_emulated_cpu(const char *sig);
/* Probe /dev/kvm for a process with uid/gid/groups (uid 0: as is). */
void accel_probe(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		 struct accel_probe *p);

#endif
