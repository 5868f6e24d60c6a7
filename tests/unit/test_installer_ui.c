/*
 * Tests for the attended installer's pure parts (installer/ui_model.c,
 * ui_zones.c, ui_forms.c): the answer file written from the answers and
 * read back by answer_parse() (static and DHCP, a password hash and a key,
 * disks whose serial and model hold glob and INI characters, two disks
 * that cannot be told apart), the layout rows shown for a disk, the
 * engine's disk and NIC lists (good and bad JSON), the partitions of a
 * disk in a fake sysfs, the progress lines, the yescrypt hash, the time
 * zones of a fake zoneinfo tree, and the form screens' fields checked as
 * they are typed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testlib.h"
#include "tests/unit/testlib_tui.h"
#include "installer/ui.h"
#include "installer/ui_app.h"
#include "installer/ui_engine.h"
#include "common/addr.h"
#include "common/xalloc.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY_ED "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP4K9ySMGK0yOkr6bFUWDpjfwIRFf1GJ8UlnXzRVZ5vE admin@laptop"

static struct ui_disk disks[3];
static struct ui_nic nics[2];

static void fixtures(struct ui_answers *u)
{
	char why[64];

	memset(disks, 0, sizeof(disks));
	memset(nics, 0, sizeof(nics));
	snprintf(disks[0].name, sizeof(disks[0].name), "sda");
	snprintf(disks[0].path, sizeof(disks[0].path), "/dev/sda");
	snprintf(disks[0].model, sizeof(disks[0].model), "QEMU HARDDISK");
	snprintf(disks[0].serial, sizeof(disks[0].serial), "QM00001");
	disks[0].size = 20ull << 30;
	snprintf(disks[1].name, sizeof(disks[1].name), "sdb");
	snprintf(disks[1].path, sizeof(disks[1].path), "/dev/sdb");
	snprintf(disks[1].model, sizeof(disks[1].model), "QEMU HARDDISK");
	snprintf(disks[1].serial, sizeof(disks[1].serial), "QM00002");
	disks[1].size = 20ull << 30;
	snprintf(disks[2].name, sizeof(disks[2].name), "nvme0n1");
	snprintf(disks[2].path, sizeof(disks[2].path), "/dev/nvme0n1");
	snprintf(disks[2].model, sizeof(disks[2].model), " WD*Blue [SN570];x #1 ");
	snprintf(disks[2].serial, sizeof(disks[2].serial), "S?N\\1 ");
	disks[2].size = 500107862528ull;   /* not a whole number of KiB: 488386584.5 K */
	snprintf(nics[0].name, sizeof(nics[0].name), "enp1s0");
	assert_int_equal(addr_mac_parse("52:54:00:12:34:56", nics[0].mac, why, sizeof(why)), 0);
	snprintf(nics[1].name, sizeof(nics[1].name), "enp2s0");
	assert_int_equal(addr_mac_parse("52:54:00:ab:cd:ef", nics[1].mac, why, sizeof(why)), 0);
	ui_answers_init(u);
	snprintf(u->hostname, sizeof(u->hostname), "croft1");
	snprintf(u->timezone, sizeof(u->timezone), "Europe/Berlin");
}

static struct answer *parse_back(const char *text)
{
	struct answer *a = xcalloc(1, sizeof(*a));
	char err[512];

	if (answer_parse(text, strlen(text), a, err, sizeof(err)) < 0)
		fail_msg("the answer file does not parse: %s\n%s", err, text);
	return a;
}

static int pick_disk(const struct answer *a)
{
	struct answer_disk ad[3];
	char err[256];
	size_t i;

	for (i = 0; i < 3; i++)
		ad[i] = (struct answer_disk){ disks[i].name, disks[i].model, disks[i].serial,
					      disks[i].size };
	return answer_disk_pick(a, ad, 3, err, sizeof(err));
}

/* --- the answer file -------------------------------------------------------- */

static void test_answer_static_round_trip(void **state)
{
	struct ui_answers u;
	struct answer *a;
	char err[512], buf[ADDR_CIDR_STRLEN], *text;

	(void)state;
	fixtures(&u);
	u.disk = 1;
	u.nic = 1;
	u.dhcp = 0;
	snprintf(u.cidr, sizeof(u.cidr), "192.168.1.10/24");
	snprintf(u.gateway, sizeof(u.gateway), "192.168.1.1");
	snprintf(u.dns, sizeof(u.dns), "1.1.1.1, 9.9.9.9");
	snprintf(u.fs, sizeof(u.fs), "xfs");
	assert_int_equal(ui_hash_password("correct horse", u.hash, sizeof(u.hash), err, sizeof(err)), 0);
	snprintf(u.ssh_key, sizeof(u.ssh_key), "%s", KEY_ED);
	text = ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err));
	assert_non_null(text);
	assert_null(strstr(text, "correct horse"));
	a = parse_back(text);
	assert_string_equal(a->hostname, "croft1");
	assert_string_equal(a->timezone, "Europe/Berlin");
	assert_string_equal(a->root_password_hashed, u.hash);
	assert_int_equal(a->n_ssh_keys, 1);
	assert_string_equal(a->root_ssh_keys[0], KEY_ED);
	assert_int_equal(a->net.source, ANSWER_NET_STATIC);
	assert_string_equal(addr_cidr_str(a->net.addr, a->net.prefix, buf), "192.168.1.10/24");
	assert_string_equal(addr_str(a->net.gateway, buf), "192.168.1.1");
	assert_int_equal(a->net.n_dns, 2);
	assert_string_equal(addr_str(a->net.dns[1], buf), "9.9.9.9");
	assert_true(a->net.has_mac);
	assert_memory_equal(a->net.mac, nics[1].mac, 6);
	assert_string_equal(a->disk.filesystem, "xfs");
	assert_int_equal(pick_disk(a), 1);
	assert_non_null(strstr(text, "filter-serial = QM00002\n"));
	assert_non_null(strstr(text, "filter-size = 20971520K-20971520K\n"));
	free(a);
	free(text);
}

static void test_answer_dhcp_key_only(void **state)
{
	struct ui_answers u;
	struct answer *a;
	char err[512], *text;

	(void)state;
	fixtures(&u);
	u.disk = 0;
	u.nic = 0;
	snprintf(u.ssh_key, sizeof(u.ssh_key), "%s", KEY_ED);
	text = ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err));
	assert_non_null(text);
	a = parse_back(text);
	assert_int_equal(a->net.source, ANSWER_NET_DHCP);
	assert_string_equal(a->root_password_hashed, "");
	assert_null(strstr(text, "cidr"));
	assert_null(strstr(text, "root-password-hashed"));
	assert_string_equal(a->disk.filesystem, "ext4");
	assert_memory_equal(a->net.mac, nics[0].mac, 6);
	assert_int_equal(pick_disk(a), 0);
	free(a);
	free(text);
}

/* A serial and model with glob characters, INI comment characters, spaces
 * at the ends and a size that is no whole number of KiB: still exactly
 * that disk. */
static void test_answer_odd_disk(void **state)
{
	struct ui_answers u;
	struct answer *a;
	char err[512], *text;

	(void)state;
	fixtures(&u);
	u.disk = 2;
	u.nic = 0;
	snprintf(u.ssh_key, sizeof(u.ssh_key), "%s", KEY_ED);
	text = ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err));
	assert_non_null(text);
	assert_non_null(strstr(text, "filter-model = ?WD\\*Blue \\[SN570\\]?x ?1?\n"));
	assert_non_null(strstr(text, "filter-serial = S\\?N\\\\1?\n"));
	assert_non_null(strstr(text, "filter-size = 488386584K-488386585K\n"));
	a = parse_back(text);
	assert_int_equal(pick_disk(a), 2);
	free(a);
	free(text);
}

static void test_answer_refused(void **state)
{
	struct ui_answers u;
	char err[512];

	(void)state;
	fixtures(&u);
	snprintf(u.ssh_key, sizeof(u.ssh_key), "%s", KEY_ED);
	/* nothing chosen */
	assert_null(ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err)));
	assert_string_equal(err, "no target disk chosen");
	/* two disks alike but for no serial: cannot be named */
	u.disk = 1;
	u.nic = 0;
	disks[0].serial[0] = disks[1].serial[0] = '\0';
	assert_null(ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "/dev/sdb cannot be told apart from the other disks by its "
				    "serial, model and size"));
	/* an SSH key whose comment the INI reader would cut */
	fixtures(&u);
	u.disk = 0;
	u.nic = 0;
	snprintf(u.ssh_key, sizeof(u.ssh_key), "%s ;x", KEY_ED);
	assert_null(ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err)));
	assert_string_equal(err, "the answer file would not say the same SSH key (a ';' or '#' "
			    "in its comment?); nothing was run");
	/* no login at all: answer_parse() says so */
	fixtures(&u);
	u.disk = 0;
	u.nic = 0;
	assert_null(ui_answer_text(&u, disks, 3, nics, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "[global] needs root-password-hashed or root-ssh-key"));
}

/* --- the layout shown -------------------------------------------------------- */

static void test_layout_lines(void **state)
{
	struct inst_layout l;
	char buf[128], err[128];

	(void)state;
	assert_int_equal(inst_layout_compute(20ull << 30, &l, err, sizeof(err)), 0);
	assert_string_equal(ui_layout_line(&l, 0, "ext4", buf, sizeof(buf)),
			    "1  BIOS boot                  1M  (GRUB, legacy BIOS)");
	assert_string_equal(ui_layout_line(&l, 1, "ext4", buf, sizeof(buf)),
			    "2  EFI system (FAT32)       512M  /boot/efi");
	assert_string_equal(ui_layout_line(&l, 2, "ext4", buf, sizeof(buf)),
			    "3  root (ext4)                5G  /");
	assert_string_equal(ui_layout_line(&l, 3, "xfs", buf, sizeof(buf)),
			    "4  croft data (xfs)        14.5G  /var/lib/croft/pools (VM disks, ISOs)");
	/* a 2 TB disk: the root stops at 32G */
	assert_int_equal(inst_layout_compute(2000398934016ull, &l, err, sizeof(err)), 0);
	assert_string_equal(ui_layout_line(&l, 2, "ext4", buf, sizeof(buf)),
			    "3  root (ext4)               32G  /");
	assert_string_equal(ui_layout_line(&l, 3, "ext4", buf, sizeof(buf)),
			    "4  croft data (ext4)        1.8T  /var/lib/croft/pools (VM disks, ISOs)");
	assert_int_equal(inst_layout_compute(4ull << 30, &l, err, sizeof(err)), -ENOSPC);
}

/* --- the engine's lists -------------------------------------------------------- */

static void test_lists_parse(void **state)
{
	struct ui_disk *d = NULL;
	struct ui_nic *n = NULL;
	size_t nd = 0, nn = 0;
	char err[256], buf[256];

	(void)state;
	assert_int_equal(ui_disks_parse("[{\"name\":\"sda\",\"path\":\"/dev/sda\",\"model\":\"QEMU HARDDISK\","
					"\"serial\":\"QM00001\",\"size\":21474836480,\"removable\":false,"
					"\"rotational\":true},{\"name\":\"sdb\",\"path\":\"/dev/sdb\","
					"\"model\":\"\",\"serial\":\"\",\"size\":16008609792,"
					"\"removable\":true,\"rotational\":false}]", &d, &nd, err,
					sizeof(err)), 0);
	assert_int_equal(nd, 2);
	assert_string_equal(ui_disk_describe(&d[0], buf, sizeof(buf)), "QEMU HARDDISK, 20G, serial QM00001");
	assert_string_equal(ui_disk_describe(&d[1], buf, sizeof(buf)),
			    "unknown model, 14.9G, no serial, removable");
	assert_true(d[0].rotational);
	free(d);
	assert_int_equal(ui_disks_parse("[]", &d, &nd, err, sizeof(err)), 0);
	assert_int_equal(nd, 0);
	free(d);
	assert_int_equal(ui_disks_parse("{\"name\":1}", &d, &nd, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "croft-install's disk list is not a JSON array");
	assert_int_equal(ui_disks_parse("[{\"name\":\"sda\",\"path\":\"sda\",\"size\":1}]", &d, &nd,
					err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "croft-install's disk 1 lacks a name, a path or a size");
	assert_int_equal(ui_disks_parse("oops", &d, &nd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is not a JSON array: "));

	assert_int_equal(ui_nics_parse("[{\"name\":\"enp1s0\",\"mac\":\"52:54:00:12:34:56\",\"carrier\":true,"
				       "\"driver\":\"virtio_net\"},{\"name\":\"eth1\",\"mac\":"
				       "\"52:54:00:AB:CD:EF\",\"carrier\":false,\"driver\":\"\"}]",
				       &n, &nn, err, sizeof(err)), 0);
	assert_int_equal(nn, 2);
	assert_string_equal(ui_nic_describe(&n[0], buf, sizeof(buf)),
			    "52:54:00:12:34:56, link up, virtio_net");
	assert_string_equal(ui_nic_describe(&n[1], buf, sizeof(buf)), "52:54:00:ab:cd:ef, no link");
	free(n);
	assert_int_equal(ui_nics_parse("[{\"name\":\"eth0\",\"mac\":\"nope\"}]", &n, &nn, err,
				       sizeof(err)), -EINVAL);
	assert_string_equal(err, "croft-install's NIC 1 lacks a name or a MAC");
}

/* mkdir -p */
static int mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void test_partitions(void **state)
{
	const char *dir = *state;
	char path[512];
	struct ui_disk d;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "sda");
	ui_disk_partitions(dir, &d);
	assert_int_equal(d.nparts, 0);
	assert_string_equal(d.parts, "");
	snprintf(path, sizeof(path), "%s/block/sda/sda10", dir);
	assert_int_equal(mkdirs(path), 0);
	snprintf(path, sizeof(path), "%s/block/sda/sda2", dir);
	assert_int_equal(mkdirs(path), 0);
	snprintf(path, sizeof(path), "%s/block/sda/queue", dir);
	assert_int_equal(mkdirs(path), 0);
	snprintf(path, sizeof(path), "%s/block/sda/sda10/size", dir);
	assert_int_equal(tl_write_file(path, "2048\n"), 0);
	snprintf(path, sizeof(path), "%s/block/sda/sda2/size", dir);
	assert_int_equal(tl_write_file(path, "1048576\n"), 0);
	ui_disk_partitions(dir, &d);
	assert_int_equal(d.nparts, 2);
	assert_string_equal(d.parts, "sda2 512M, sda10 1M");
}

/* --- progress and the hash ------------------------------------------------------- */

static void test_progress_parse(void **state)
{
	struct ui_progress p;

	(void)state;
	ui_progress_parse("progress 12 unpacking the system\n", &p);
	assert_int_equal(p.kind, UI_PROGRESS_STEP);
	assert_int_equal(p.pct, 12);
	assert_string_equal(p.text, "unpacking the system");
	ui_progress_parse("progress 100", &p);
	assert_int_equal(p.kind, UI_PROGRESS_STEP);
	assert_int_equal(p.pct, 100);
	assert_string_equal(p.text, "");
	ui_progress_parse("error line 7: unknown key 'hostnme' in [global]", &p);
	assert_int_equal(p.kind, UI_PROGRESS_ERROR);
	assert_string_equal(p.text, "line 7: unknown key 'hostnme' in [global]");
	ui_progress_parse("done\n", &p);
	assert_int_equal(p.kind, UI_PROGRESS_DONE);
	ui_progress_parse("progress 101 too far", &p);
	assert_int_equal(p.kind, UI_PROGRESS_OTHER);
	ui_progress_parse("progress x", &p);
	assert_int_equal(p.kind, UI_PROGRESS_OTHER);
	assert_string_equal(p.text, "progress x");
	ui_progress_parse("done later", &p);
	assert_int_equal(p.kind, UI_PROGRESS_OTHER);
}

static void test_hash_password(void **state)
{
	char h1[256], h2[256], err[256];
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));

	(void)state;
	assert_int_equal(ui_hash_password("correct horse", h1, sizeof(h1), err, sizeof(err)), 0);
	assert_int_equal(ui_hash_password("correct horse", h2, sizeof(h2), err, sizeof(err)), 0);
	assert_memory_equal(h1, "$y$", 3);
	assert_string_not_equal(h1, h2);   /* a fresh salt each time */
	assert_int_equal(answer_hash_check(h1, err, sizeof(err)), 0);
	assert_string_equal(crypt_rn("correct horse", h1, cd, sizeof(*cd)), h1);
	assert_string_not_equal(crypt_rn("correct horsf", h1, cd, sizeof(*cd)), h1);
	free(cd);
}

/* --- time zones ---------------------------------------------------------------- */

static void zone_file(const char *dir, const char *name, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(tl_write_file(path, text), 0);
}

static void test_zones(void **state)
{
	const char *dir = *state;
	char path[512], **z;
	size_t n;

	snprintf(path, sizeof(path), "%s/Europe", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/posix", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	zone_file(dir, "Europe/Berlin", "TZif2...");
	zone_file(dir, "Europe/Paris", "TZif2...");
	zone_file(dir, "UTC", "TZif2...");
	zone_file(dir, "posix/UTC", "TZif2...");
	zone_file(dir, "zone.tab", "# not a zone\n");
	zone_file(dir, "Factory", "TZif2...");
	zone_file(dir, "bad name", "TZif2...");
	snprintf(path, sizeof(path), "%s/Europe/Berlin", dir);
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(symlink("Europe/Berlin", "Etc-link"), 0);
	assert_int_equal(ui_zones_load(dir, &z, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(z[0], "Etc-link");
	assert_string_equal(z[1], "Europe/Berlin");
	assert_string_equal(z[2], "Europe/Paris");
	assert_string_equal(z[3], "UTC");
	ui_zones_free(z, n);
	assert_int_equal(chdir("/"), 0);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(ui_zones_load(path, &z, &n), -ENOENT);
}

/* --- the form screens' fields ------------------------------------------------------ */

static struct ui_app app;

static void type(struct form *f, const char *s)
{
	for (; *s; s++)
		form_key(f, (unsigned char)*s);
}

static void cut_all(struct form *f)
{
	form_key(f, 'U' & 0x1f);
}

static void test_form_hostname(void **state)
{
	struct form *f;

	(void)state;
	ui_app_init(&app);
	f = ui_form_open(&app, UI_HOSTNAME);
	type(f, "Box_1");
	assert_string_equal(form_message(f, 0),
			    "hostname 'Box_1': only lower-case letters, digits, '-' and '.'");
	cut_all(f);
	type(f, "-box");
	assert_string_equal(form_message(f, 0),
			    "hostname '-box': a part may not begin or end with '-'");
	cut_all(f);
	type(f, "box.home.arpa");
	assert_null(form_message(f, 0));
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	app.form = f;
	assert_int_equal(ui_form_take(&app, UI_HOSTNAME), 0);
	assert_string_equal(app.ans.hostname, "box.home.arpa");
	ui_app_free(&app);
}

static void test_form_address(void **state)
{
	struct form *f;

	(void)state;
	ui_app_init(&app);
	f = ui_form_open(&app, UI_ADDRESS);
	assert_string_equal(form_why_not(f, 1), "from DHCP");
	form_key(f, ' ');                  /* static */
	assert_null(form_why_not(f, 1));
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_string_equal(form_message(f, 1), "address is empty");
	type(f, "192.168.1.0/24");
	assert_string_equal(form_message(f, 1),
			    "address: 192.168.1.0 is the network's or its broadcast address, not a host's");
	cut_all(f);
	type(f, "192.168.1.10/24");
	assert_null(form_message(f, 1));
	form_key(f, '\t');
	type(f, "10.0.0.1");
	assert_string_equal(form_message(f, 2), "gateway is outside the address's subnet");
	cut_all(f);
	type(f, "192.168.1.10");
	assert_string_equal(form_message(f, 2), "gateway is the host's own address");
	cut_all(f);
	type(f, "192.168.1.1");
	form_key(f, '\t');
	type(f, "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4");
	assert_string_equal(form_message(f, 3), "dns: at most 3 servers");
	cut_all(f);
	type(f, "1.1.1.1 9.9.9.9");
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	app.form = f;
	assert_int_equal(ui_form_take(&app, UI_ADDRESS), 0);
	assert_int_equal(app.ans.dhcp, 0);
	assert_string_equal(app.ans.cidr, "192.168.1.10/24");
	assert_string_equal(app.ans.gateway, "192.168.1.1");
	assert_string_equal(app.ans.dns, "1.1.1.1 9.9.9.9");
	ui_app_free(&app);
}

static void test_form_login(void **state)
{
	struct form *f;

	(void)state;
	ui_app_init(&app);
	f = ui_form_open(&app, UI_LOGIN);
	app.form = f;
	assert_int_equal(form_key(f, '\n'), FORM_CONTINUE);
	assert_string_equal(form_message(f, 2),
			    "give a root password or an SSH key (else nobody can log in)");
	assert_int_equal(form_focus(f), 2);
	form_key(f, '\t');                 /* round to the password */
	type(f, "short");
	assert_string_equal(form_message(f, 0), "the password is too short (5 characters; at least 8)");
	cut_all(f);
	type(f, "correct horse");
	assert_null(form_message(f, 0));
	assert_string_equal(form_message(f, 1), "type the password again");
	form_key(f, '\t');
	type(f, "correct horsf");
	assert_string_equal(form_message(f, 1), "the two passwords differ");
	form_key(f, KEY_BACKSPACE);
	type(f, "e");
	assert_null(form_message(f, 1));
	assert_null(form_message(f, 2));
	form_key(f, '\t');
	type(f, "ssh-rsa AAAA");
	assert_string_equal(form_message(f, 2), "ssh key: the key's data is not a ssh-rsa key");
	cut_all(f);
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	assert_int_equal(ui_form_take(&app, UI_LOGIN), 0);
	assert_memory_equal(app.ans.hash, "$y$", 3);
	/* the form's copy of the password is gone */
	assert_string_equal(form_text(f, 0), "");
	assert_string_equal(form_text(f, 1), "");
	form_free(f);
	/* back on the screen with a hash kept: empty fields are fine */
	f = ui_form_open(&app, UI_LOGIN);
	app.form = f;
	assert_int_equal(form_key(f, '\n'), FORM_SUBMIT);
	assert_int_equal(ui_form_take(&app, UI_LOGIN), 0);
	assert_memory_equal(app.ans.hash, "$y$", 3);
	ui_app_free(&app);
}

/* The password is drawn as stars; Esc says "back". */
static void test_form_login_draw(void **state)
{
	WINDOW *pad = newpad(20, 80);
	struct form *f;

	(void)state;
	ui_app_init(&app);
	f = ui_form_open(&app, UI_LOGIN);
	type(f, "hunter22");
	form_draw(f, pad, &tl_theme);
	assert_true(tl_win_find(pad, "Root password    ********", NULL) >= 0);
	assert_int_equal(tl_win_find(pad, "hunter", NULL), -1);
	assert_true(tl_win_find(pad, "Enter next  Esc back", NULL) >= 0);
	form_free(f);
	delwin(pad);
	ui_app_free(&app);
}

/* --- the engine's process ----------------------------------------------------------- */

/* An engine: a shell script in dir with body. */
static char *engine(const char *dir, const char *body)
{
	char *path = tl_path(dir, "croft-install");

	assert_int_equal(tl_write_file(path, body), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static void steps_seen(void *ctx, const struct ui_progress *p)
{
	int *n = ctx;

	if (p->kind == UI_PROGRESS_STEP)
		(*n)++;
}

/* Service the engine until it has ended (10 s at most). */
static void run_to_end(struct ui_engine *e)
{
	struct pollfd pfd[2];
	int i, n;

	for (i = 0; i < 1000 && !e->finished; i++) {
		n = ui_engine_fds(e, pfd);
		if (n)
			poll(pfd, (nfds_t)n, 10);
		ui_engine_service(e);
	}
	assert_true(e->finished);
}

static void test_engine_capture(void **state)
{
	static const char *const args[] = { "--list-disks", "--json", NULL };
	char *path, *out = NULL, err[300];

	path = engine(*state, "#!/bin/sh\n[ \"$1 $2\" = '--list-disks --json' ] || exit 9\n"
		      "echo '[]'\necho 'a warning' >&2\n");
	assert_int_equal(ui_engine_capture(path, args, &out, err, sizeof(err)), 0);
	assert_string_equal(out, "[]\n");
	free(out);
	free(path);
	path = engine(*state, "#!/bin/sh\necho 'partial' \necho 'first' >&2\necho 'sysfs: no block dir' >&2\nexit 3\n");
	assert_int_equal(ui_engine_capture(path, args, &out, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "croft-install --list-disks exited with status 3: sysfs: no block dir"));
	free(path);
}

static void test_engine_run(void **state)
{
	char *path, err[300], answer[256];
	struct ui_engine e;
	int steps = 0;

	memset(&e, 0, sizeof(e));
	e.on_step = steps_seen;
	e.ctx = &steps;
	/* it checks its arguments and the private answer file, then reports */
	path = engine(*state, "#!/bin/sh\n"
		      "[ \"$1\" = --answer ] && [ \"$3 $4 $5 $6 $7\" = '--dry-run --source /src --progress-fd 3' ] || exit 9\n"
		      "[ \"$(stat -c %a \"$2\")\" = 600 ] && grep -q '^hostname = box' \"$2\" || exit 8\n"
		      "echo 'plan: ...'\necho 'progress 10 partitioning' >&3\n"
		      "echo 'progress 60 unpacking' >&3\necho -n done >&3\n");
	assert_int_equal(ui_engine_start(&e, path, "[global]\nhostname = box\n", 1, "/src", err,
					 sizeof(err)), 0);
	snprintf(answer, sizeof(answer), "%s", e.answer_path);
	assert_int_equal(access(answer, F_OK), 0);
	run_to_end(&e);
	assert_true(ui_engine_ok(&e));
	assert_int_equal(e.pct, 100);
	assert_string_equal(e.step, "unpacking");
	assert_int_equal(steps, 2);
	assert_int_equal(access(answer, F_OK), -1);   /* removed */
	free(path);

	/* an error line, and an exit without one */
	path = engine(*state, "#!/bin/sh\necho 'progress 5 x' >&3\necho \"error $2: line 3: bad\" >&3\nexit 1\n");
	assert_int_equal(ui_engine_start(&e, path, "x", 0, NULL, err, sizeof(err)), 0);
	run_to_end(&e);
	assert_false(ui_engine_ok(&e));
	assert_string_equal(e.error, "answer file: line 3: bad");
	free(path);
	path = engine(*state, "#!/bin/sh\necho 'progress 5 x' >&3\necho 'mkfs: device busy' >&2\nkill -9 $$\n");
	assert_int_equal(ui_engine_start(&e, path, "x", 0, NULL, err, sizeof(err)), 0);
	run_to_end(&e);
	assert_false(ui_engine_ok(&e));
	assert_string_equal(e.error, "croft-install was killed by signal 9: mkfs: device busy");
	free(path);
	path = engine(*state, "#!/bin/sh\necho 'progress 99 almost' >&3\n");
	assert_int_equal(ui_engine_start(&e, path, "x", 0, NULL, err, sizeof(err)), 0);
	run_to_end(&e);
	assert_false(ui_engine_ok(&e));
	assert_string_equal(e.error, "croft-install ended without saying 'done'");
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_static_round_trip),
		cmocka_unit_test(test_answer_dhcp_key_only),
		cmocka_unit_test(test_answer_odd_disk),
		cmocka_unit_test(test_answer_refused),
		cmocka_unit_test(test_layout_lines),
		cmocka_unit_test(test_lists_parse),
		cmocka_unit_test_setup_teardown(test_partitions, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_progress_parse),
		cmocka_unit_test(test_hash_password),
		cmocka_unit_test_setup_teardown(test_zones, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test(test_form_hostname),
		cmocka_unit_test(test_form_address),
		cmocka_unit_test(test_form_login),
		cmocka_unit_test_setup_teardown(test_form_login_draw, tl_term_setup, tl_term_teardown),
		cmocka_unit_test_setup_teardown(test_engine_capture, tl_tmpdir_setup, tl_tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_engine_run, tl_tmpdir_setup, tl_tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
