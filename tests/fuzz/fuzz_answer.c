/*
 * Fuzz target for the installer's answer-file parser (installer/answer.c):
 * the file comes from a USB stick or an ISO anyone may have edited.
 * Checked: it returns 0 or -EINVAL; on -EINVAL at least one problem is
 * listed and each is NUL-terminated and names a line inside the input (or
 * none); on 0 nothing is listed and what is required is there.  Every
 * input is also tried as the filters' answer against a fixed set of disks.
 */
#include "installer/answer.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct answer_disk disks[] = {
		{ "sda", "Samsung SSD 870", "S4EWNX0R123", 500ull << 30 },
		{ "vda", NULL, NULL, 8ull << 30 },
	};
	static const struct answer_nic nics[] = { { "enp1s0", { 0x52, 0x54, 0, 0, 0, 1 } } };
	struct answer *a = malloc(sizeof(*a));
	char err[512];
	size_t i, lines = 1;
	int rc;

	if (!a)
		abort();
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = answer_parse((const char *)data, size, a, err, sizeof(err));
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (!memchr(err, '\0', sizeof(err)))
		abort();
	if (rc == 0) {
		if (a->n_errors || !a->hostname[0] || !a->timezone[0] ||
		    (!a->root_password_hashed[0] && !a->n_ssh_keys) || !a->net.source)
			abort();
		answer_disk_pick(a, disks, 2, err, sizeof(err));
		answer_nic_pick(a, nics, 1, err, sizeof(err));
	} else {
		if (a->n_errors == 0 || a->n_errors > ANSWER_MAX_ERRORS)
			abort();
		for (i = 0; i < a->n_errors; i++) {
			if (!memchr(a->errors[i].msg, '\0', sizeof(a->errors[i].msg)))
				abort();
			if (a->errors[i].line < 0 || (size_t)a->errors[i].line > lines)
				abort();
		}
	}
	free(a);
	return 0;
}

#ifndef CROFT_LIBFUZZER
static const char *const fuzz_seeds[] = {
	"[global]\nhostname = box\ntimezone = Europe/Berlin\nroot-password-hashed = "
	"$y$j9T$F5Jx5fExrKuPp53xLKQ..1$6GEG2apPEcnFNhAjE3.8C2cAJxFnn.32taGYuQU1V8D\n"
	"[network]\nsource = dhcp\n[disk]\nfilter-model = QEMU*\n",
	"[global]\nhostname = croft.home.example\ntimezone = UTC\nroot-ssh-key = ssh-ed25519 "
	"AAAAC3NzaC1lZDI1NTE5AAAAIP4K9ySMGK0yOkr6bFUWDpjfwIRFf1GJ8UlnXzRVZ5vE admin@laptop\n"
	"[network]\nsource = static\ncidr = 192.168.1.10/24\ngateway = 192.168.1.1\n"
	"dns = 192.168.1.1, 9.9.9.9\ninterface-mac = 52:54:00:AB:cd:01\n[disk]\n"
	"filter-serial = S4EW*\nfilter-size = 100G-2T\nfilesystem = xfs\n[first-boot]\n"
	"script = /croft/first-boot.sh\n",
	"[global]\nroot-password-hashed = $2b$12$593TG.y6xyHQm0a.VPOQDevcvWSnD0ln2fqmXMRSDi07EWMrf87rK\n"
	"[disks]\nx=1\n  continued\n[network\nsource=\"dhcp\"\n",
	"hostname = box\n[global]\nroot-password-hashed = $6$rounds=5000$s$x\n[disk]\nfilter-size=-1T\n",
};

#include "fuzz_main.inc"
#endif
