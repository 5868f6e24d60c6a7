/*
 * Accelerator choice.  The probe looks at /dev/kvm the way QEMU will see it:
 * after croftd drops to the QEMU user, so a device only root can open means
 * TCG for guests, not a failed start.
 */
#include "core/accel.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

int accel_valid(const char *s)
{
	return s && (!strcmp(s, "auto") || !strcmp(s, "kvm") || !strcmp(s, "tcg"));
}

void accel_decide(const char *setting, const char *env, const struct accel_probe *p,
		  struct accel_result *out)
{
	const char *want;

	memset(out, 0, sizeof(*out));
	if (env && *env) {
		want = env;
		snprintf(out->source, sizeof(out->source), "env");
	} else {
		want = accel_valid(setting) ? setting : "auto";
		snprintf(out->source, sizeof(out->source), "setting");
	}
	snprintf(out->setting, sizeof(out->setting), "%s", want);
	out->usable = 1;
	if (!strcmp(want, "tcg")) {
		snprintf(out->effective, sizeof(out->effective), "tcg");
		snprintf(out->reason, sizeof(out->reason),
			 "TCG (software emulation) as configured by %s",
			 !strcmp(out->source, "env") ? "CROFT_ACCEL" : "the host setting");
		return;
	}
	if (p->kvm_usable) {
		snprintf(out->effective, sizeof(out->effective), "kvm");
		snprintf(out->reason, sizeof(out->reason), "KVM: /dev/kvm is usable%s",
			 !strcmp(want, "auto") ? " (auto)" : "");
		return;
	}
	if (!strcmp(want, "kvm")) {
		snprintf(out->effective, sizeof(out->effective), "kvm");
		out->usable = 0;
		snprintf(out->reason, sizeof(out->reason),
			 "KVM was requested but is not usable: %s", p->why);
		return;
	}
	snprintf(out->effective, sizeof(out->effective), "tcg");
	snprintf(out->reason, sizeof(out->reason),
		 "warning: KVM is not usable (%s); guests run under TCG software emulation, much slower",
		 p->why);
}

static int in_groups(gid_t g, gid_t gid, const gid_t *groups, int ngroups)
{
	int i;

	if (g == gid)
		return 1;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

void accel_cpu_hypervisor(char *sig)
{
	sig[0] = '\0';
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;   /* no hypervisor bit: bare metal */
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
#endif
}

const char *accel_emulated_cpu(const char *sig)
{
	if (!strcmp(sig, "TCGTCGTCGTCG"))
		return "this machine is itself emulated by QEMU's TCG (CPUID says TCGTCGTCGTCG): "
		       "its KVM runs on software-emulated SVM, no faster than TCG and unreliable";
	return NULL;
}

void accel_probe(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		 struct accel_probe *p)
{
	const char *emulated;
	struct stat st;
	char sig[13];
	int fd, v;

	memset(p, 0, sizeof(*p));
	if (stat("/dev/kvm", &st) < 0) {
		snprintf(p->why, sizeof(p->why), "/dev/kvm does not exist (no KVM module, or virtualization disabled in firmware)");
		return;
	}
	p->kvm_exists = 1;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(p->why, sizeof(p->why), "cannot open /dev/kvm: %s", strerror(errno));
		return;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (v != KVM_API_VERSION) {
		snprintf(p->why, sizeof(p->why), "/dev/kvm answers API version %d, expected %d",
			 v, KVM_API_VERSION);
		return;
	}
	accel_cpu_hypervisor(sig);
	if ((emulated = accel_emulated_cpu(sig))) {
		snprintf(p->why, sizeof(p->why), "%s", emulated);
		return;
	}
	if (uid != 0) {
		int ok = (st.st_mode & S_IROTH && st.st_mode & S_IWOTH) ||
			 (st.st_uid == uid && (st.st_mode & S_IRUSR) && (st.st_mode & S_IWUSR)) ||
			 (in_groups(st.st_gid, gid, groups, ngroups) &&
			  (st.st_mode & S_IRGRP) && (st.st_mode & S_IWGRP));

		if (!ok) {
			struct passwd *pw = getpwuid(uid);
			struct group *gr = getgrgid(st.st_gid);
			char who[64];

			/* The per-VM uids have no passwd entry: name their range. */
			if (pw)
				snprintf(who, sizeof(who), "the QEMU user %s", pw->pw_name);
			else
				snprintf(who, sizeof(who), "the QEMU users (croft-qemu's range, uid %u)",
					 (unsigned)uid);
			snprintf(p->why, sizeof(p->why),
				 "/dev/kvm (mode %04o, group %s) cannot be opened by %s",
				 (unsigned)(st.st_mode & 07777), gr ? gr->gr_name : "?", who);
			return;
		}
	}
	p->kvm_usable = 1;
}
