/*
 * The command table and dispatch.  cli_main() reads the global options up
 * to the first word, finds the noun, the middle word if the noun has
 * three-word commands of that name ("net forward"), and the verb in
 * cli_commands[], runs the entry's parser on the remaining words (usage
 * errors stop here, before any connection) and then its runner.  Help is generated from the same table,
 * so a command cannot exist without its usage line.
 */
#include "tui/cli.h"
#include "common/json_get.h"
#include "common/proto.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DETAILS_CREATE \
	"  --vcpus N            virtual CPUs (default 1)\n" \
	"  --memory SIZE        memory, required; K/M/G/T suffix, none means MiB\n" \
	"  --memory-min SIZE    the balloon never shrinks the guest below this\n" \
	"  --disk SIZE          a new thin disk of that size (repeatable)\n" \
	"  --disk PATH          an existing image, relative to this directory\n" \
	"  --disk POOL/NAME     an existing volume (when no such file is here)\n" \
	"  --cdrom ISO          attach an ISO image\n" \
	"  --boot LIST          boot order, e.g. cdrom,disk\n" \
	"  --firmware FW        bios or uefi\n" \
	"  --kernel FILE        boot this kernel directly (with --initrd, --append)\n" \
	"  --wait               follow the creation of its disks to the end, with a\n" \
	"                       progress bar on a terminal (the default)\n" \
	"  --no-wait            return at once and print the job's id\n"

#define DETAILS_EDIT \
	"  --vcpus N, --memory SIZE, --memory-min SIZE, --boot LIST, --firmware FW\n" \
	"                       as for vm create\n" \
	"  --cdrom ISO          insert an ISO image; --eject removes it\n" \
	"  --kernel FILE, --initrd FILE, --append STRING\n" \
	"                       direct kernel boot; an empty value removes it\n"

#define DETAILS_EVENTS \
	"  --since TIME         first the events kept since TIME: 30s, 10m, 2h, 3d ago;\n" \
	"                       a local YYYY-MM-DD, YYYY-MM-DD HH:MM or\n" \
	"                       YYYY-MM-DD HH:MM:SS; or unix seconds\n" \
	"  --no-follow          stop after that history\n" \
	"With --json each event is one JSON object on its own line.\n"

#define DETAILS_NET_CREATE \
	"  --mode MODE          nat: guests reach out through the host's uplink (NAT),\n" \
	"                       host-only: guests reach each other and the host only,\n" \
	"                       bridged: guests sit on the LAN of the uplink NIC\n" \
	"  --subnet CIDR        nat/host-only; default: the first free 10.73.N.0/24\n" \
	"  --uplink IFACE       nat: default the interface of the default route;\n" \
	"                       bridged: required, the NIC to enslave\n" \
	"  --dhcp-range A-B     nat/host-only; default: .2 to the last usable address\n" \
	"  --host-access on|off nat/host-only: on lets guests reach every service of\n" \
	"                       the host; off (default): only DHCP, DNS and ping\n"

#define DETAILS_NIC_ADD \
	"  --net NAME           the network (required)\n" \
	"  --mac MAC            default: a random, unused 52:54:00:xx:xx:xx\n" \
	"  --vlan N             1-4094, bridged networks only\n" \
	"  --rate MBIT          bandwidth limit each way, 1-100000 Mbit/s\n" \
	"  --ip ADDR            pin the guest's address (nat/host-only: default the\n" \
	"                       first free one of the DHCP range)\n"

static const char *const details_create = DETAILS_CREATE;
static const char *const details_edit = DETAILS_EDIT;
static const char *const details_events = DETAILS_EVENTS;
static const char *const details_net_create = DETAILS_NET_CREATE;
static const char *const details_nic_add = DETAILS_NIC_ADD;

const struct cli_cmd cli_commands[] = {
	{ "vm", NULL, "create",
	  "NAME [--vcpus N] --memory SIZE [--memory-min SIZE] [--disk SIZE|PATH]... [--bus virtio-blk|virtio-scsi] "
	  "[--cdrom ISO] [--boot LIST] [--firmware bios|uefi] "
	  "[--kernel FILE [--initrd FILE] [--append STRING]] [--agent on|off] [--display none|std|virtio] "
	  "[--cloud-init user=NAME,ssh-key=FILE|KEY,password-hash=HASH,hostname=NAME,"
	  "network=dhcp|static:A/P:GW[:DNS],user-data=FILE] [--tag T]... [--wait|--no-wait]",
	  "Create a VM (stopped); --cloud-init gives it a cloud-init NoCloud seed (the CLI "
	  "reads the FILEs).", "vm.create", cli_parse_vm_create, cli_run_vm_create },
	{ "vm", NULL, "list", "", "List the VMs.", "vm.list", cli_parse_none, cli_run_vm_list },
	{ "vm", NULL, "info", "NAME", "Show a VM's configuration and state.", "vm.info",
	  cli_parse_name, cli_run_vm_info },
	{ "vm", NULL, "start", "NAME [--force]",
	  "Start a VM; --force starts it even when its memory-min does not fit the memory budget.",
	  "vm.start", cli_parse_vm_start, cli_run_vm_action },
	{ "vm", NULL, "stop", "NAME", "Stop a VM at once (like pulling the plug).", "vm.stop",
	  cli_parse_name, cli_run_vm_action },
	{ "vm", NULL, "shutdown", "NAME [--timeout SECS] [--force] [--agent]",
	  "Ask the guest to power off (the ACPI power button, then halfway through "
	  "SECS its guest agent; --agent asks the agent first); wait up to SECS "
	  "(default 60), then fail, or with --force stop it.", "vm.shutdown", cli_parse_vm_shutdown, cli_run_vm_action },
	{ "vm", NULL, "pause", "NAME", "Pause a running VM.", "vm.pause", cli_parse_name,
	  cli_run_vm_action },
	{ "vm", NULL, "resume", "NAME", "Resume a paused VM.", "vm.resume", cli_parse_name,
	  cli_run_vm_action },
	{ "vm", NULL, "reset", "NAME", "Reset a VM (like pressing its reset button).", "vm.reset",
	  cli_parse_name, cli_run_vm_action },
	{ "vm", NULL, "edit",
	  "NAME [--vcpus N] [--memory SIZE] [--memory-min SIZE] [--cdrom ISO | --eject] "
	  "[--boot LIST] [--firmware bios|uefi] [--kernel FILE] [--initrd FILE] "
	  "[--append STRING] [--memory-shares N] [--ksm on|off] [--agent on|off]"
	  " [--display none|std|virtio] [--cloud-init SETTINGS|off] [--tag T]...",
	  "Change a VM's configuration; --cloud-init replaces the cloud-init settings "
	  "(a new instance-id) or turns them off.", "vm.edit", cli_parse_vm_edit, cli_run_vm_action },
	{ "vm", NULL, "delete", "NAME [--keep-disks] [--force]",
	  "Delete a VM and the disks croft created for it; --keep-disks keeps them, "
	  "--force stops a running VM first.", "vm.delete", cli_parse_vm_delete,
	  cli_run_vm_delete },
	{ "vm", NULL, "template", "NAME",
	  "Make a stopped VM a template: read-only, its disks the base of linked clones.",
	  "vm.template", cli_parse_name, cli_run_vm_template },
	{ "vm", NULL, "clone", "SRC NEW [--linked | --full] [--pool POOL] [--wait|--no-wait]",
	  "Clone a VM: --linked (the default from a template) overlays the template's volumes, "
	  "--full copies every volume (a job) into --pool or the source's pool; the clone gets "
	  "a new uuid and new MACs.", "vm.clone", cli_parse_vm_clone, cli_run_vm_create },
	{ "snap", NULL, "create", "VM NAME [--ram] [--description TEXT] [--protected] [--no-wait]",
	  "Snapshot every disk of a VM at one instant (running or stopped; qcow2 disks); it "
	  "becomes a child of the current snapshot.", "snap.create", cli_parse_snap,
	  cli_run_snap_job },
	{ "snap", NULL, "list", "VM",
	  "Show a VM's snapshots as a tree: parent, children, the current one (*), time, RAM, "
	  "size, the guest's pause; warnings about the tree.", "snap.list", cli_parse_snap,
	  cli_run_snap_show },
	{ "snap", NULL, "info", "VM NAME", "Show one snapshot and its disks.", "snap.info",
	  cli_parse_snap, cli_run_snap_show },
	{ "snap", NULL, "revert", "VM NAME [--force] [--no-wait]",
	  "Put the VM's disks, UEFI variables and settings back to a snapshot; a running VM "
	  "needs --force (it restarts from the disks' state).", "snap.revert", cli_parse_snap,
	  cli_run_snap_job },
	{ "snap", NULL, "delete", "VM NAME [--no-wait]",
	  "Delete a snapshot (also while the VM runs); its children move up to its parent.",
	  "snap.delete", cli_parse_snap, cli_run_snap_job },
	{ "backup", NULL, "create", "VM --to POOL [--wait|--no-wait]",
	  "Back up every disk of a VM (at one instant, while it runs) and its definition "
	  "into another pool.", "backup.create", cli_parse_backup_create, cli_run_backup_job },
	{ "backup", NULL, "list", "[VM]", "List the backups (of one VM): when, where, size, "
	  "the last verify.", "backup.list", cli_parse_backup_list, cli_run_backup_list },
	{ "backup", NULL, "verify", "ID [--wait|--no-wait]",
	  "Check a backup's images (qemu-img check) and their content against the hash "
	  "recorded when it was made.", "backup.verify", cli_parse_backup_id, cli_run_backup_job },
	{ "backup", NULL, "restore", "ID [--as NEWNAME] [--pool POOL] [--force] [--wait|--no-wait]",
	  "Make a VM again from a backup, its disks copied into --pool or the pool they came "
	  "from; --as gives a new name (new uuid and MACs); --force replaces a stopped VM of "
	  "the same name.", "backup.restore", cli_parse_backup_restore, cli_run_backup_job },
	{ "backup", NULL, "delete", "ID", "Delete a backup and its files.", "backup.delete",
	  cli_parse_backup_id, cli_run_backup_delete },
	{ "vm", NULL, "console", "NAME",
	  "Attach to a VM's serial console; Ctrl-] detaches.", "vm.console",
	  cli_parse_name, cli_run_vm_console },
	{ "vm", NULL, "log", "NAME [--bytes SIZE] [--follow]",
	  "Print the end of a VM's serial console log (64K unless --bytes); --follow "
	  "keeps printing what the guest writes.", "vm.log", cli_parse_vm_log, cli_run_vm_log },
	{ "vm", NULL, "display", "NAME [--close] [--ttl SECS] [--port PORT]",
	  "Make a VM's screen reachable by a VNC viewer through an SSH tunnel for SECS "
	  "(default 600) with a one-time password, on 127.0.0.1:PORT (default: a free "
	  "port); --close ends it.", "vm.display",
	  cli_parse_vm_display, cli_run_vm_display },
	{ "vm", NULL, "screen", "NAME",
	  "Print a VM's screen as text while it is in a VGA text mode (BIOS, boot menus, "
	  "text installers, a Linux console); a graphics mode needs croft vm display.",
	  "vm.screen", cli_parse_name, cli_run_vm_screen },
	{ "vm", NULL, "sendkey", "NAME [KEY...] [--text STRING]",
	  "Press keys in a VM (QEMU's key names: ret, esc, spc, tab, up, f1, a, shift-a, "
	  "ctrl-alt-delete), then type STRING on a US keyboard.", "vm.sendkey",
	  cli_parse_vm_sendkey, cli_run_vm_sendkey },
	{ "vm", NULL, "agent", "NAME ping|info|fsfreeze-status",
	  "Ask a VM's guest agent: whether it answers, the guest's OS, host name and "
	  "addresses, or whether its filesystems are frozen.", "vm.agent", cli_parse_vm_agent,
	  cli_run_vm_agent },
	{ "vm", NULL, "stats", "NAME [--history 1h|24h|31d|1y]",
	  "Show a VM's CPU, CPU ready per vCPU, memory, disk and network figures; "
	  "--history adds the history (with --json).", "vm.stats", cli_parse_vm_stats,
	  cli_run_vm_stats },
	{ "vm", "nic", "add",
	  "VM --net NAME [--mac MAC] [--vlan N] [--rate MBIT] [--ip ADDR]",
	  "Give a VM a NIC on a network (hot-plugged into a running VM).", "vm.nic.add",
	  cli_parse_vm_nic_add, cli_run_vm_nic },
	{ "vm", "nic", "remove", "VM (--mac MAC | --net NAME)",
	  "Remove a NIC from a VM (hot-unplugged from a running VM), with the "
	  "forwards to it.", "vm.nic.remove", cli_parse_vm_nic_remove, cli_run_vm_nic },
	{ "vm", "nic", "list", "VM", "List a VM's NICs and their addresses.", "vm.nic.list",
	  cli_parse_name, cli_run_vm_nic_list },
	{ "net", NULL, "create",
	  "NAME --mode nat|host-only|bridged [--subnet CIDR] [--uplink IFACE] "
	  "[--dhcp-range FIRST-LAST] [--host-access on|off]",
	  "Create a network.", "net.create", cli_parse_net_create, cli_run_net_show },
	{ "net", NULL, "edit", "NAME --host-access on|off",
	  "Change a network: whether its guests reach every service of the host.",
	  "net.edit", cli_parse_net_edit, cli_run_net_show },
	{ "net", NULL, "list", "", "List the networks.", "net.list", cli_parse_none,
	  cli_run_net_list },
	{ "net", NULL, "info", "NAME", "Show a network, its NICs and port forwards.",
	  "net.info", cli_parse_net_name, cli_run_net_show },
	{ "net", NULL, "delete", "NAME [--force]",
	  "Delete a network; --force first removes the NICs on it.", "net.delete",
	  cli_parse_net_delete, cli_run_net_delete },
	{ "net", "forward", "add", "NET --proto tcp|udp --host-port P --to VM:PORT",
	  "Forward a port of the host to a guest on a nat network.", "net.forward.add",
	  cli_parse_fwd_add, cli_run_fwd },
	{ "net", "forward", "list", "NET", "List a network's port forwards.",
	  "net.forward.list", cli_parse_fwd_list, cli_run_fwd_list },
	{ "net", "forward", "remove", "NET --proto tcp|udp --host-port P",
	  "Remove a port forward.", "net.forward.remove", cli_parse_fwd_remove, cli_run_fwd },
	{ "pool", NULL, "create", "NAME --path DIR [--content images|iso]",
	  "Create a pool: a new or empty directory croftd gives to the QEMU user (root only).",
	  "pool.create", cli_parse_pool_create, cli_run_pool_show },
	{ "pool", NULL, "list", "", "List the pools: capacity, free, allocated, promised.",
	  "pool.list", cli_parse_none, cli_run_pool_list },
	{ "pool", NULL, "info", "NAME", "Show a pool's figures and its volumes.", "pool.info",
	  cli_parse_pool_name, cli_run_pool_show },
	{ "pool", NULL, "set", "NAME auto-resume on|off",
	  "Change a pool's settings: auto-resume resumes the guests a full pool paused once it has room again.",
	  "pool.set", cli_parse_pool_set, cli_run_pool_show },
	{ "pool", NULL, "delete", "NAME", "Delete an empty pool and its directory (root only).",
	  "pool.delete", cli_parse_pool_name, cli_run_pool_show },
	{ "vm", "disk", "attach", "VM POOL/NAME [--bus virtio-blk|virtio-scsi]",
	  "Hot-plug a volume into a running VM; it stays in the VM's definition.",
	  "vm.disk.attach", cli_parse_vm_disk, cli_run_vm_disk },
	{ "vm", "disk", "detach", "VM POOL/NAME",
	  "Hot-unplug a volume from a running VM and take it out of the VM's definition.",
	  "vm.disk.detach", cli_parse_vm_disk, cli_run_vm_disk },
	{ "vol", NULL, "create", "POOL/NAME --size SIZE [--format qcow2|raw] [--no-wait]",
	  "Create a volume: qcow2 thin (the default) or raw preallocated (a job).",
	  "vol.create", cli_parse_vol_create, cli_run_vol_create },
	{ "vol", NULL, "list", "[POOL]",
	  "List the volumes: format, virtual size, allocated bytes, the VM using each.",
	  "vol.list", cli_parse_vol_list, cli_run_vol_list },
	{ "vol", NULL, "info", "POOL/NAME", "Show a volume.", "vol.info", cli_parse_vol_ref,
	  cli_run_vol_show },
	{ "vol", NULL, "resize", "POOL/NAME --size SIZE [--no-wait]",
	  "Grow a volume: a job when no guest runs with it, online (block_resize) when one does.",
	  "vol.resize", cli_parse_vol_resize, cli_run_vol_create },
	{ "vol", NULL, "delete", "POOL/NAME", "Delete a volume no VM uses.", "vol.delete",
	  cli_parse_vol_ref, cli_run_vol_show },
	{ "vol", NULL, "import", "POOL/NAME --from FILE [--format qcow2|raw] [--no-wait]",
	  "Import an image file (vmdk, vdi, vhd, vhdx, qcow2 or raw, detected), converted to "
	  "qcow2 (the default) or raw; croftd reads FILE with your rights (a job).",
	  "vol.import", cli_parse_vol_import, cli_run_vol_create },
	{ "vol", NULL, "export", "POOL/NAME --to FILE [--format qcow2|raw|vmdk|vdi|vhd|vhdx] [--no-wait]",
	  "Export a volume no running VM uses into a new file, written with your rights (a job).",
	  "vol.export", cli_parse_vol_export, cli_run_vol_create },
	{ "iso", NULL, "import", "POOL/NAME --from FILE [--no-wait]",
	  "Copy an ISO 9660 image into an iso pool (e.g. iso/debian.iso), read with your rights "
	  "(a job).", "iso.import", cli_parse_iso_import, cli_run_vol_create },
	{ "schedule", NULL, "add",
	  "VM|--all|--tag T --at CALENDAR [--ram] [--backup-to POOL] [--keep-last N] "
	  "[--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] "
	  "[--keep-yearly N]",
	  "Snapshot (or with --backup-to, back up) a VM, every VM or the VMs tagged T at the "
	  "times of CALENDAR (Proxmox's calendar events: daily, 'mon..fri 02:00', '*:0/15', "
	  "'sat *-1..7 15:00'); after each run the schedule's own snapshots beyond the "
	  "retention (Proxmox Backup Server's prune rules; all 0 keeps everything) are deleted.",
	  "schedule.add", cli_parse_sched_add, cli_run_sched },
	{ "schedule", NULL, "set",
	  "ID [--all|--tag T] [--at CALENDAR] [--ram|--no-ram] [--backup-to POOL|--snapshots] "
	  "[--keep-... N]", "Change a schedule; what is not given stays.", "schedule.set",
	  cli_parse_sched_set, cli_run_sched },
	{ "schedule", NULL, "list", "[VM]",
	  "List the schedules (those that run on VM): next run, last run and its result.",
	  "schedule.list", cli_parse_sched_list, cli_run_sched },
	{ "schedule", NULL, "remove", "ID",
	  "Remove a schedule (its snapshots and backups stay).", "schedule.remove",
	  cli_parse_sched_id, cli_run_sched },
	{ "schedule", NULL, "run-now", "ID", "Run a schedule now, with its retention.",
	  "schedule.run-now", cli_parse_sched_id, cli_run_sched },
	{ "schedule", NULL, "simulate",
	  "--at CALENDAR [--days N] [--keep-last N] [--keep-hourly N] [--keep-daily N] "
	  "[--keep-weekly N] [--keep-monthly N] [--keep-yearly N]",
	  "Show which runs of CALENDAR over the last N days (default 30) the retention keeps, "
	  "and by which rule, like the PBS prune simulator.", "schedule.simulate",
	  cli_parse_sched_simulate, cli_run_sched },
	{ "host", NULL, "info", "", "Show the host: CPUs, memory, acceleration, QEMU, VMs.",
	  "host.info", cli_parse_none, cli_run_host_info },
	{ "host", NULL, "set", "accel auto|kvm|tcg | allow-path PATH | disallow-path PATH | metrics-listen ADDR:PORT|off | alert-... N | balloon on|off | memory-budget SIZE|auto | memory-reserve SIZE | balloon-interval-ms N | ksm auto|on|off",
	  "Change a host setting; allow-path lets VMs use a host file or directory outside the pools (root only); docs/operator.md lists the alert settings.",
	  "host.set",
	  cli_parse_host_set, cli_run_host_info },
	{ "host", NULL, "stats", "[--history 1h|24h|31d|1y]",
	  "Show the host's CPU (with steal), memory, swap, pressure, KSM and alerts; "
	  "--history adds the history (with --json).", "host.stats", cli_parse_host_stats,
	  cli_run_host_stats },
	{ "host", NULL, "memory", "",
	  "Show the memory budget, each VM's max, min, target, actual, guest-used and host RSS, "
	  "the balloon policy's last decision for each, and KSM.", "host.memory", cli_parse_none,
	  cli_run_host_memory },
	{ "metrics", NULL, NULL, "", "Print the Prometheus metrics croftd serves on /metrics.",
	  "metrics.get", cli_parse_none, cli_run_metrics },
	{ "job", NULL, "list", "[--all]",
	  "List the running and queued jobs and the recent ones; --all lists every job kept.",
	  "job.list", cli_parse_job_list, cli_run_job_list },
	{ "job", NULL, "info", "ID", "Show a job: its state, progress, error and result.",
	  "job.info", cli_parse_job_id, cli_run_job_info },
	{ "job", NULL, "cancel", "ID", "Cancel a queued or running job.", "job.cancel",
	  cli_parse_job_id, cli_run_job_cancel },
	{ "events", NULL, NULL, "[--since TIME] [--no-follow]",
	  "Print events (VM state changes, jobs, who did what) as they happen; with "
	  "--since, the history from TIME first.", "events.subscribe", cli_parse_events,
	  cli_run_events },
	{ "version", NULL, NULL, "", "Print the versions of croft and croftd.", "hello",
	  cli_parse_none, cli_run_version },
	{ "help", NULL, NULL, "[NOUN [SUB] [VERB]]", "Show usage.", NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

/* Two words (sub or verb) name the same thing: both NULL or equal. */
static int same_word(const char *a, const char *b)
{
	return !a == !b && (!a || !strcmp(a, b));
}

static const char *details_of(const struct cli_cmd *cmd)
{
	static const struct { const char *noun, *sub, *verb, *const *text; } details[] = {
		{ "vm", NULL, "create", &details_create },
		{ "vm", NULL, "edit", &details_edit },
		{ "net", NULL, "create", &details_net_create },
		{ "vm", "nic", "add", &details_nic_add },
		{ "events", NULL, NULL, &details_events },
	};
	size_t i;

	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++)
		if (!strcmp(cmd->noun, details[i].noun) && same_word(cmd->sub, details[i].sub) &&
		    same_word(cmd->verb, details[i].verb))
			return *details[i].text;
	return NULL;
}

static int noun_has_verbs(const char *noun);

static void usage_line(FILE *f, const char *prefix, const struct cli_cmd *cmd)
{
	fprintf(f, "%scroft %s%s%s%s%s%s%s\n", prefix, cmd->noun, cmd->sub ? " " : "",
		cmd->sub ? cmd->sub : "", cmd->verb ? " " : "", cmd->verb ? cmd->verb : "",
		*cmd->usage ? " " : "", cmd->usage);
}

static void usage_globals(FILE *f)
{
	fputs("\nOptions (before the command; --json also after its arguments):\n"
	      "  --socket PATH   croftd's socket (else $CROFT_SOCKET, else " CROFT_DEFAULT_SOCKET ")\n"
	      "  --json          print results as JSON\n"
	      "  -h, --help      show usage\n"
	      "\nSizes take a K, M, G or T suffix; a number alone means MiB.\n"
	      "Exit status: 0 success, 1 croftd reported an error, 2 usage error,\n"
	      "3 croftd could not be reached.\n", f);
}

/* Does cmd belong to the group sub (NULL: any group when verb is NULL, the
 * top level when verb is given)? */
static int in_group(const struct cli_cmd *cmd, const char *sub, const char *verb)
{
	if (sub)
		return cmd->sub && !strcmp(cmd->sub, sub);
	return !verb || !cmd->sub;
}

void cli_usage(FILE *f, const char *noun, const char *sub, const char *verb)
{
	const struct cli_cmd *cmd;
	int one = noun && (verb || !noun_has_verbs(noun));

	if (!noun)
		fputs("usage: croft [--socket PATH] [--json] COMMAND [ARGUMENTS]\n\nCommands:\n", f);
	for (cmd = cli_commands; cmd->noun; cmd++) {
		if (noun && strcmp(cmd->noun, noun))
			continue;
		if (!in_group(cmd, sub, verb))
			continue;
		if (verb && (!cmd->verb || strcmp(cmd->verb, verb)))
			continue;
		if (one) {
			const char *d = details_of(cmd);

			usage_line(f, "usage: ", cmd);
			fprintf(f, "\n%s\n", cmd->summary);
			if (d)
				fprintf(f, "\n%s", d);
		} else {
			usage_line(f, "  ", cmd);
			fprintf(f, "      %s\n", cmd->summary);
		}
	}
	if (!noun)
		usage_globals(f);
}

static int noun_known(const char *noun)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++)
		if (!strcmp(cmd->noun, noun))
			return 1;
	return 0;
}

/* Is word the middle word of some three-word command of noun? */
static int sub_known(const char *noun, const char *word)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; word && cmd->noun; cmd++)
		if (!strcmp(cmd->noun, noun) && cmd->sub && !strcmp(cmd->sub, word))
			return 1;
	return 0;
}

static const struct cli_cmd *find_cmd(const char *noun, const char *sub, const char *verb)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++) {
		if (strcmp(cmd->noun, noun))
			continue;
		if (!cmd->verb)
			return cmd;
		if (!cmd->sub != !sub || (sub && strcmp(cmd->sub, sub)))
			continue;
		if (verb && !strcmp(cmd->verb, verb))
			return cmd;
	}
	return NULL;
}

static int noun_has_verbs(const char *noun)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_commands; cmd->noun; cmd++)
		if (!strcmp(cmd->noun, noun))
			return cmd->verb != NULL;
	return 0;
}

/* The words that may follow "noun" (sub NULL: verbs and middle words) or
 * "noun sub", comma separated. */
static void verbs_of(const char *noun, const char *sub, char *buf, size_t len)
{
	const struct cli_cmd *cmd, *prev;
	size_t used = 0;

	buf[0] = '\0';
	for (cmd = cli_commands; cmd->noun; cmd++) {
		const char *word;
		int n, seen = 0;

		if (strcmp(cmd->noun, noun) || !cmd->verb)
			continue;
		if (sub && (!cmd->sub || strcmp(cmd->sub, sub)))
			continue;
		word = sub || !cmd->sub ? cmd->verb : cmd->sub;
		for (prev = cli_commands; prev < cmd && !seen; prev++)
			seen = !sub && cmd->sub && prev->sub && !strcmp(prev->noun, noun) &&
			       !strcmp(prev->sub, cmd->sub);
		if (seen)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", word);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/* Rendered whole, then written at once: json_dumpf writes token by token. */
void cli_print_json(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s) {
		fputs(s, f);
		free(s);
	}
	fputc('\n', f);
	fflush(f);
}

static void verror(struct cli_ctx *ctx, const char *code, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(ctx->err, "croft: %s\n", msg);
	if (ctx->opts.json) {
		json_t *j = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);

		cli_print_json(ctx->out, j);
		json_decref(j);
	}
}

int cli_error(struct cli_ctx *ctx, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, code, fmt, ap);
	va_end(ap);
	return status;
}

/* A usage error, with the command's usage (if known) and the hint. */
static int usage_error(struct cli_ctx *ctx, const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(struct cli_ctx *ctx, const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ctx, "usage", fmt, ap);
	va_end(ap);
	if (cmd)
		usage_line(ctx->err, "usage: ", cmd);
	fputs("Run 'croft help' for all commands.\n", ctx->err);
	return CLI_EXIT_USAGE;
}

int cli_connect(struct cli_ctx *ctx, struct api_client **out)
{
	struct api_error e = { "", "" };
	int r;

	r = api_client_connect(api_client_socket_path(ctx->opts.socket), out, &e);
	if (r < 0)
		return cli_error(ctx, CLI_EXIT_CONNECT, e.code[0] ? e.code : "connection", "%s",
				 e.message[0] ? e.message : strerror(-r));
	return CLI_EXIT_OK;
}

/* The exit status of an api_client call's return r. */
static int call_status(struct cli_ctx *ctx, int r, const struct api_error *e0)
{
	const struct api_error *e = e0;

	if (r == -EPROTO)
		return cli_error(ctx, CLI_EXIT_ERROR, e->code, "%s", e->message);
	if (r == -EBADMSG && !strcmp(e->code, PROTO_E_INTERNAL))
		return cli_error(ctx, CLI_EXIT_ERROR, e->code, "%s", e->message);
	if (r < 0)
		return cli_error(ctx, CLI_EXIT_CONNECT, e->code[0] ? e->code : "connection", "%s",
				 e->message[0] ? e->message : strerror(-r));
	return CLI_EXIT_OK;
}

int cli_call(struct cli_ctx *ctx, struct api_client *c, const char *op, json_t *args,
	     json_t **result, int *fd_out)
{
	struct api_error e = { "", "" };

	return call_status(ctx, api_client_call(c, op, args, result, fd_out, &e), &e);
}

/* --json of a listing: the array is relayed as croftd sent it. */
static int show_text(struct cli_ctx *ctx, const char *op, json_t *args, const char *key)
{
	struct api_error e = { "", "" };
	struct api_client *c = NULL;
	char *text = NULL;
	int status;

	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	status = call_status(ctx, api_client_call_text(c, op, json_incref(args), key, &text, &e),
			     &e);
	api_client_close(c);
	if (status == CLI_EXIT_OK) {
		fputs(text, ctx->out);
		fputc('\n', ctx->out);
		fflush(ctx->out);
	}
	free(text);
	return status;
}

int cli_call_once(struct cli_ctx *ctx, const char *op, json_t *args, json_t **result,
		  int timeout_ms)
{
	struct api_client *c = NULL;
	int status;

	*result = NULL;
	status = cli_connect(ctx, &c);
	if (status != CLI_EXIT_OK)
		return status;
	if (timeout_ms)
		api_client_set_timeout(c, timeout_ms);
	status = cli_call(ctx, c, op, json_incref(args), result, NULL);
	api_client_close(c);
	return status;
}

int cli_run_show(struct cli_ctx *ctx, const struct cli_cmd *cmd, json_t *args,
		 const char *key, void (*format)(FILE *, const json_t *))
{
	const json_t *show;
	json_t *res;
	int status;

	if (key && ctx->opts.json)
		return show_text(ctx, cmd->op, args, key);
	status = cli_call_once(ctx, cmd->op, args, &res, 0);
	if (status != CLI_EXIT_OK)
		return status;
	show = key ? jget_arr(res, key) : res;
	if (!show)
		status = cli_error(ctx, CLI_EXIT_ERROR, "internal",
				   "croftd's %s reply has no '%s' array", cmd->op, key);
	else if (ctx->opts.json)
		cli_print_json(ctx->out, show);
	else
		format(ctx->out, show);
	json_decref(res);
	return status;
}

static int run_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *noun = argc > 0 ? argv[0] : NULL;
	const char *sub = NULL, *verb = argc > 1 ? argv[1] : NULL;
	int words = 2;

	if (noun && verb && sub_known(noun, verb)) {
		sub = verb;
		verb = argc > 2 ? argv[2] : NULL;
		words = 3;
	}
	if (argc > words)
		return usage_error(ctx, find_cmd("help", NULL, NULL),
				   "unexpected argument '%s' for 'help'", argv[words]);
	if (noun && !noun_known(noun))
		return usage_error(ctx, NULL, "unknown command '%s'", noun);
	if (verb && (!noun_has_verbs(noun) || !find_cmd(noun, sub, verb)))
		return usage_error(ctx, NULL, "unknown command '%s%s%s %s'", noun, sub ? " " : "",
				   sub ? sub : "", verb);
	cli_usage(ctx->out, noun, sub, verb);
	return CLI_EXIT_OK;
}

/* Is --json anywhere (before "--")?  Only to shape error output for a
 * command line that fails before its options are read. */
static int json_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "--json"))
			return 1;
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = { { NULL, 0, 0, 0, 0 }, stdout, stderr, isatty(STDERR_FILENO), NULL };
	const struct cli_cmd *cmd;
	json_t *args = NULL;
	char err[1024], cmdname[64];
	const char *noun;
	int i = 1, status;

	ctx.opts.json = json_wanted(argc, argv);
	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *a = argv[i++];

		if (!strcmp(a, "--json")) {
			ctx.opts.json = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			ctx.opts.help = 1;
		} else if (!strcmp(a, "--version")) {
			i--;
			argv[i] = (char *)"version";
			break;
		} else if (!strcmp(a, "--socket")) {
			if (i >= argc)
				return usage_error(&ctx, NULL, "--socket needs a path");
			ctx.opts.socket = argv[i++];
		} else if (!strncmp(a, "--socket=", 9)) {
			ctx.opts.socket = a + 9;
		} else {
			return usage_error(&ctx, NULL, "unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		if (ctx.opts.help) {
			cli_usage(ctx.out, NULL, NULL, NULL);
			return CLI_EXIT_OK;
		}
		cli_usage(ctx.err, NULL, NULL, NULL);
		return CLI_EXIT_USAGE;
	}
	noun = argv[i++];
	if (!strcmp(noun, "help"))
		return run_help(&ctx, argc - i, argv + i);
	if (!noun_known(noun))
		return usage_error(&ctx, NULL, "unknown command '%s'", noun);
	if (noun_has_verbs(noun)) {
		const char *sub = NULL, *verb = i < argc ? argv[i] : NULL;
		char verbs[256], group[64];

		/* "net forward add": a middle word, then the verb */
		if (sub_known(noun, verb)) {
			sub = verb;
			verb = ++i < argc ? argv[i] : NULL;
		}
		snprintf(group, sizeof(group), "%s%s%s", noun, sub ? " " : "", sub ? sub : "");
		if ((ctx.opts.help && !verb) ||
		    (verb && (!strcmp(verb, "--help") || !strcmp(verb, "-h")))) {
			cli_usage(ctx.out, noun, sub, NULL);
			return CLI_EXIT_OK;
		}
		verbs_of(noun, sub, verbs, sizeof(verbs));
		if (!verb)
			return usage_error(&ctx, NULL, "'%s' needs a command: %s", group, verbs);
		cmd = find_cmd(noun, sub, verb);
		if (!cmd)
			return usage_error(&ctx, NULL, "unknown command '%s %s'; '%s' commands are: %s",
					   group, verb, group, verbs);
		i++;
		snprintf(cmdname, sizeof(cmdname), "%s%s%s %s", cmd->noun, cmd->sub ? " " : "",
			 cmd->sub ? cmd->sub : "", cmd->verb);
	} else {
		cmd = find_cmd(noun, NULL, NULL);
		snprintf(cmdname, sizeof(cmdname), "%s", noun);
	}

	err[0] = '\0';
	if (cmd->parse(cmdname, argc - i, argv + i, &ctx.opts, &args, err, sizeof(err)) < 0)
		return usage_error(&ctx, cmd, "%s", err);
	if (ctx.opts.help) {
		json_decref(args);
		cli_usage(ctx.out, cmd->noun, cmd->sub, cmd->verb);
		return CLI_EXIT_OK;
	}
	status = cmd->run(&ctx, cmd, args);
	json_decref(args);
	return status;
}
