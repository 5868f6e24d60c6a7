#!/bin/sh
# api-seeds.sh — (re)write the seed corpus of fuzz_api (tests/fuzz/corpus/api/)
# from docs/api.md: every request line of its examples ("→ {...}" and
# "request  {...}") as a seed of its own, the example session as one seed,
# and one request per op that the examples do not show, naming the rows of
# fuzz_api's template store (VMs web and db, network lan), valid and broken
# (snapshots, schedules and backups among them), and two sessions where
# one request uses what the one before made.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/tests/fuzz/corpus/api"
rm -rf "$out"
mkdir -p "$out"

requests=$(sed -n -E 's/^(→ |request  )(\{"(id|op)".*)$/\2/p' "$root/docs/api.md")
i=0
printf '%s\n' "$requests" | while IFS= read -r line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$out/doc-$(printf %02d $i)"
done
printf '%s\n' "$requests" >"$out/doc-session"

i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$out/op-$(printf %02d $i)"
done <<'SEEDS'
{"id":1,"op":"vm.info","args":{"name":"web"}}
{"id":2,"op":"vm.create","args":{"name":"new","vcpus":2,"memory_mib":512,"memory_min_mib":256,"disks":[{"size_bytes":1073741824}],"boot":"disk","firmware":"bios"}}
{"id":3,"op":"vm.start","args":{"name":"db"}}
{"id":4,"op":"vm.stop","args":{"name":"web"}}
{"id":5,"op":"vm.pause","args":{"name":"web"}}
{"id":6,"op":"vm.resume","args":{"name":"web"}}
{"id":7,"op":"vm.reset","args":{"name":"web"}}
{"id":8,"op":"vm.delete","args":{"name":"db","keep_disks":true,"force":true}}
{"id":9,"op":"vm.edit","args":{"name":"db","cdrom":null,"boot":"cdrom,disk","kernel":"/nonexistent/vmlinuz"}}
{"id":10,"op":"vm.console","args":{"name":"web"}}
{"id":11,"op":"net.create","args":{"name":"lab","mode":"nat","subnet":"10.77.0.0/24","dhcp_range":"10.77.0.10-10.77.0.99"}}
{"id":12,"op":"net.create","args":{"name":"br","mode":"bridged","uplink":"eth0"}}
{"id":13,"op":"net.list"}
{"id":14,"op":"net.info","args":{"name":"lan"}}
{"id":15,"op":"net.delete","args":{"name":"lan","force":true}}
{"id":16,"op":"net.forward.add","args":{"net":"lan","proto":"tcp","host_port":8080,"vm":"web","port":80}}
{"id":17,"op":"net.forward.list","args":{"net":"lan"}}
{"id":18,"op":"net.forward.remove","args":{"net":"lan","proto":"udp","host_port":53}}
{"id":19,"op":"vm.nic.add","args":{"name":"db","net":"lan","mac":"52:54:00:aa:bb:cc","vlan":5,"rate":100,"ip":"10.73.5.20"}}
{"id":20,"op":"vm.nic.remove","args":{"name":"web","mac":"52:54:00:12:34:56"}}
{"id":21,"op":"vm.nic.list","args":{"name":"web"}}
{"id":22,"op":"job.list","args":{"all":true}}
{"id":23,"op":"job.info","args":{"id":1}}
{"id":24,"op":"job.cancel","args":{"id":1}}
{"id":25,"op":"host.info"}
{"id":26,"op":"host.set","args":{"accel":"tcg"}}
{"id":27,"op":"events.list","args":{"since_ms":0,"after":0,"limit":5}}
{"id":28,"op":"events.subscribe"}
{"id":29,"op":"vm.template","args":{"name":"db"}}
{"id":30,"op":"vm.clone","args":{"source":"db","name":"db2","mode":"full","pool":"default"}}
{"id":31,"op":"snap.create","args":{"vm":"db","name":"before","description":"x","protected":true}}
{"id":32,"op":"snap.create","args":{"vm":"db","name":"mem","ram":true}}
{"id":33,"op":"snap.create","args":{"vm":"web","name":"bad name/.."}}
{"id":34,"op":"snap.list","args":{"vm":"db"}}
{"id":35,"op":"snap.info","args":{"vm":"db","name":"nope"}}
{"id":36,"op":"snap.revert","args":{"vm":"db","name":"before","force":true}}
{"id":37,"op":"snap.delete","args":{"vm":"ghost","name":"before"}}
{"id":38,"op":"snap.estimate","args":{"vm":"web","ram":true}}
{"id":39,"op":"schedule.add","args":{"vm":"db","at":"mon..fri 02:00","ram":false,"keep_last":2,"keep_daily":7}}
{"id":40,"op":"schedule.add","args":{"tag":"prod","at":"*:0/15","backup_to":"default","keep_weekly":4}}
{"id":41,"op":"schedule.add","args":{"all":true,"vm":"db","at":"sat *-1..7 25:00","keep_last":-1}}
{"id":42,"op":"schedule.set","args":{"id":1,"at":"hourly","backup_to":null,"keep_yearly":3}}
{"id":43,"op":"schedule.list","args":{"vm":"db"}}
{"id":44,"op":"schedule.remove","args":{"id":99}}
{"id":45,"op":"schedule.run-now","args":{"id":1}}
{"id":46,"op":"schedule.simulate","args":{"at":"daily","days":60,"keep_last":3,"keep_weekly":4,"keep_monthly":2}}
{"id":47,"op":"schedule.simulate","args":{"at":"every day","days":100000}}
{"id":48,"op":"backup.create","args":{"vm":"db","to":"default","speed":1048576}}
{"id":49,"op":"backup.create","args":{"vm":"web","to":"nope","speed":-1}}
{"id":50,"op":"backup.list","args":{"vm":"db"}}
{"id":51,"op":"backup.verify","args":{"id":1}}
{"id":52,"op":"backup.restore","args":{"id":1,"as":"db restored","pool":"default","force":true}}
{"id":53,"op":"backup.delete","args":{"id":-5}}
SEEDS
# sessions: what one op makes, the next uses
printf '%s\n' '{"id":1,"op":"snap.create","args":{"vm":"db","name":"a"}}' \
	'{"id":2,"op":"snap.create","args":{"vm":"db","name":"b"}}' \
	'{"id":3,"op":"snap.list","args":{"vm":"db"}}' \
	'{"id":4,"op":"snap.revert","args":{"vm":"db","name":"a"}}' \
	'{"id":5,"op":"snap.delete","args":{"vm":"db","name":"b"}}' >"$out/op-session-snap"
printf '%s\n' '{"id":1,"op":"schedule.add","args":{"vm":"db","at":"daily","keep_last":1}}' \
	'{"id":2,"op":"schedule.run-now","args":{"id":1}}' \
	'{"id":3,"op":"schedule.set","args":{"id":1,"backup_to":"default"}}' \
	'{"id":4,"op":"schedule.list"}' \
	'{"id":5,"op":"schedule.remove","args":{"id":1}}' >"$out/op-session-sched"
echo "api-seeds: $(ls "$out" | wc -l) seeds in $out"
