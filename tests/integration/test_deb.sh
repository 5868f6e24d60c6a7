#!/bin/bash
# test_deb.sh — `make deb`: the croft package the Debian way (debian/).
#
#   - installer/build-deb.sh (make deb: dpkg-buildpackage -us -uc -b on a
#     copy of the tree) builds croft_VERSION-1_ARCH.deb, and lintian (when
#     installed) finds no error in it;
#   - dpkg-deb -I / -c: its name, version, dependencies and files (the
#     three binaries, man pages, both units, sysusers, tmpfiles, completion);
#   - dpkg-deb -x into a scratch root: the units order croft-netd before
#     croftd and signal only the main process (KillMode=process: stopping or
#     upgrading a daemon never stops a guest or dnsmasq), restart on failure,
#     and start the binaries that are in the package, which run;
#   - the postinst, run in a private mount namespace over a copy of /etc
#     with no croft accounts and an empty /run and /var/lib (this machine's
#     own are never touched): creates group croft, user croft-qemu (not in
#     croft), its 65536 per-VM ids in /etc/subuid and /etc/subgid clear of
#     every other range, /run/croft and /var/lib/croft 0711 root:croft, and
#     enables both units; run again (an upgrade) it changes nothing;
#   - bash completion from the package against a real croftd: commands from
#     `croft --help`, VM names from `croft --json vm list`.
# shellcheck shell=bash
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$ITEST_DIR/../.." && pwd)
VERSION=$(sed -n 's/^#define CROFT_VERSION "\(.*\)"/\1/p' "$REPO/common/proto.h")
ARCH=$(dpkg --print-architecture)

itest_setup

for tool in dpkg-buildpackage dh unshare; do
	command -v "$tool" >/dev/null || die "$tool missing (installer/install-deps.sh)"
done

t_begin "make deb builds croft_${VERSION}-1_$ARCH.deb"
installer_out=$("$REPO/installer/build-deb.sh" "$T/out" 2>&1) || fail "build-deb.sh failed: $installer_out"
DEB=$T/out/croft_${VERSION}-1_$ARCH.deb
[ -f "$DEB" ] || die "no $DEB: $(ls "$T/out")"
t_end

if command -v lintian >/dev/null; then
	t_begin "lintian finds no error"
	lintian --fail-on error --suppress-tags no-copyright-file "$DEB" >"$T/lintian.log" 2>&1 ||
		fail "lintian: $(grep '^E:' "$T/lintian.log" | head -10)"
	sed 's/^/  lintian: /' "$T/lintian.log"
	t_end
fi

t_begin "dpkg-deb -I: name, version, dependencies"
info=$(dpkg-deb -I "$DEB")
assert_contains "$info" "Package: croft"
assert_contains "$info" "Version: ${VERSION}-1"
for dep in qemu-system-x86 qemu-utils dnsmasq-base iproute2 libsqlite3 libjansson4 libnftnl11 libmnl0; do
	dpkg-deb -f "$DEB" Depends | grep -q "$dep" || fail "Depends lacks $dep: $(dpkg-deb -f "$DEB" Depends)"
done
t_end

t_begin "dpkg-deb -c: the files"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$T/files"
for f in /usr/sbin/croftd /usr/sbin/croft-netd /usr/bin/croft /usr/libexec/croft/setup-host \
	/usr/sbin/croft-install /usr/sbin/croft-installer \
	/usr/share/man/man8/croftd.8.gz /usr/share/man/man8/croft-netd.8.gz /usr/share/man/man1/croft.1.gz \
	/lib/systemd/system/croftd.service /lib/systemd/system/croft-netd.service \
	/usr/lib/sysusers.d/croft.conf /usr/lib/tmpfiles.d/croft.conf \
	/usr/share/bash-completion/completions/croft /usr/lib/croft/croft-qemu-uffd.so; do
	grep -qx "$f" "$T/files" || fail "the package lacks $f"
done
dpkg-deb -c "$DEB" >"$T/contents"
grep -q '^-rwxr-xr-x root/root .* ./usr/sbin/croftd$' "$T/contents" ||
	fail "croftd is not 0755 root:root: $(grep croftd$ "$T/contents")"
# QEMU's preload library, at the path croftd was built with (core/vm_uffd.h)
grep -q '^-rw-r--r-- root/root .* ./usr/lib/croft/croft-qemu-uffd.so$' "$T/contents" ||
	fail "croft-qemu-uffd.so is not 0644 root:root: $(grep uffd "$T/contents")"
t_end

# in_scratch CMD ARGS... — run CMD in a private mount namespace: /etc is a
# copy ($T/etc), /run and /var/lib are empty tmpfs, and /usr is the
# package's /usr over this machine's.  Nothing outside $T is changed.
in_scratch() {
	[ -d "$T/etc" ] || cp -a /etc "$T/etc"
	unshare --mount --propagation private bash -c '
		set -e
		mount --bind "$T/etc" /etc
		mount -t tmpfs -o mode=0755 tmpfs /run
		mount -t tmpfs -o mode=0755 tmpfs /var/lib
		mount -t overlay overlay -o "lowerdir=$T/usr:/usr" /usr
		mkdir -p /var/lib/dpkg
		"$@"
		if [ -n "${STAT_DIRS:-}" ]; then stat -c "%n %a %U:%G" /run/croft /var/lib/croft >"$STAT_DIRS"; fi
	' in_scratch "$@"
}

run_postinst() {
	STAT_DIRS=$T/dirs DPKG_MAINTSCRIPT_PACKAGE=croft DPKG_MAINTSCRIPT_NAME=postinst \
		in_scratch "$T/ctl/postinst" "$@"
}

R=$T/root
t_begin "scratch root: units order croft-netd first, KillMode=process, restart"
dpkg-deb -x "$DEB" "$R" || fail "dpkg-deb -x"
# the package's /usr, and its /lib where /lib is /usr/lib here (usrmerge)
cp -a "$R/usr" "$T/usr"
if [ -L /lib ] && [ -d "$R/lib" ]; then cp -a "$R/lib/." "$T/usr/lib/"; fi
U=$R/lib/systemd/system
for u in croftd croft-netd; do
	grep -qx 'KillMode=process' "$U/$u.service" || fail "$u.service: no KillMode=process"
	grep -qx 'Restart=on-failure' "$U/$u.service" || fail "$u.service: no Restart=on-failure"
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$U/$u.service")
	[ -x "$R$exe" ] || fail "$u.service starts $exe, which the package lacks"
	out=$("$R$exe" --version 2>&1) || fail "$exe --version failed: $out"
	assert_contains "$out" "$VERSION"
	grep -q -- '--foreground' "$U/$u.service" || fail "$u.service: not --foreground"
done
grep -q '^After=.*croft-netd.service' "$U/croftd.service" || fail "croftd.service not After=croft-netd"
grep -q '^Wants=croft-netd.service' "$U/croftd.service" || fail "croftd.service does not want croft-netd"
if command -v systemd-analyze >/dev/null; then
	out=$(in_scratch systemd-analyze verify --man=no "$U/croft-netd.service" "$U/croftd.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
fi
t_end

t_begin "postinst: accounts, per-VM id range, directories, units enabled"
dpkg-deb -e "$DEB" "$T/ctl" || fail "dpkg-deb -e"
rm -rf "$T/etc"; cp -a /etc "$T/etc"
for f in passwd group shadow gshadow subuid subgid; do
	[ -f "$T/etc/$f" ] || continue
	sed -i '/^croft:/d; /^croft-qemu:/d' "$T/etc/$f"
	sed -i 's/\(:[^:]*\),croft-qemu$/\1/; s/:croft-qemu$/:/' "$T/etc/$f"
done
# another tool's range right at croft's default start: croft must move on
echo "someone:1879048192:65536" >>"$T/etc/subuid"
rm -f "$T/etc/systemd/system/multi-user.target.wants/croft"*.service
if ! run_postinst configure >"$T/postinst.log" 2>&1; then
	cat "$T/postinst.log"
	fail "postinst configure failed"
fi
grep -q '^croft:' "$T/etc/group" || fail "no group croft"
grep -q '^croft-qemu:' "$T/etc/passwd" || fail "no user croft-qemu"
grep '^croft:' "$T/etc/group" | grep -q croft-qemu && fail "croft-qemu is in group croft"
for f in subuid subgid; do
	line=$(grep '^croft-qemu:' "$T/etc/$f") || { fail "no croft-qemu range in /etc/$f"; continue; }
	count=${line##*:}
	assert_eq 65536 "$count"
	start=$(echo "$line" | cut -d: -f2)
	awk -F: -v s="$start" '$1 != "croft-qemu" && NF == 3 && $2 < s + 65536 && $2 + $3 > s { exit 1 }' \
		"$T/etc/$f" || fail "croft-qemu's range $line in $f overlaps another"
done
assert_ne 1879048192 "$(grep '^croft-qemu:' "$T/etc/subuid" | cut -d: -f2)"
assert_eq "/run/croft 711 root:croft
/var/lib/croft 711 root:croft" "$(cat "$T/dirs")"
for u in croftd croft-netd; do
	[ -L "$T/etc/systemd/system/multi-user.target.wants/$u.service" ] || fail "$u.service not enabled"
done
cp "$T/etc/passwd" "$T/passwd.1"; cp "$T/etc/subuid" "$T/subuid.1"; cp "$T/etc/subgid" "$T/subgid.1"
run_postinst configure "${VERSION}-1" >"$T/postinst2.log" 2>&1 || fail "postinst on upgrade failed: $(cat "$T/postinst2.log")"
cmp -s "$T/passwd.1" "$T/etc/passwd" || fail "upgrade changed /etc/passwd"
cmp -s "$T/subuid.1" "$T/etc/subuid" || fail "upgrade changed /etc/subuid"
cmp -s "$T/subgid.1" "$T/etc/subgid" || fail "upgrade changed /etc/subgid"
grep -c '^croft-qemu:' "$T/etc/subuid" | grep -qx 1 || fail "two croft-qemu ranges"
t_end

# complete WORDS... — COMPREPLY (one a line) for the command line WORDS,
# the cursor on the last word; with the package's croft and completion.
complete_words() {
	PATH=$R/usr/bin:$PATH bash -c '
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_croft
		printf "%s\n" "${COMPREPLY[@]}"' \
		"$R/usr/share/bash-completion/completions/croft" "$@"
}

t_begin "bash completion: commands and VM names from a running croftd"
bash -n "$R/usr/share/bash-completion/completions/croft" || fail "completion: syntax"
croft vm create web1 --memory 64M "${KARGS[@]}" >/dev/null || fail "create web1"
croft vm create web2 --memory 64M "${KARGS[@]}" >/dev/null || fail "create web2"
croft vm create db --memory 64M "${KARGS[@]}" >/dev/null || fail "create db"
assert_eq "version vm vol " "$(complete_words croft v | tr '\n' ' ')"
got=$(complete_words croft vm "" | tr '\n' ' ')
for w in create list start stop nic console log; do
	case " $got" in *" $w "*) ;; *) fail "croft vm <TAB> lacks $w: $got" ;; esac
done
assert_eq "add list remove " "$(complete_words croft net forward "" | sort | tr '\n' ' ')"
assert_eq "db web1 web2 " "$(complete_words croft vm start "" | sort | tr '\n' ' ')"
assert_eq "web1 web2 " "$(complete_words croft vm start we | sort | tr '\n' ' ')"
assert_eq "db " "$(complete_words croft vm nic add d | tr '\n' ' ')"
got=$(complete_words croft vm create x --f)
assert_eq "--firmware" "$got"
assert_eq bridged "$(complete_words croft net create x --mode b)"
# snapshot names of the VM typed; pools after backup create --to
croft vm create sv --memory 64M --disk 16M "${KARGS[@]}" >/dev/null || fail "create sv"
croft snap create sv before-upgrade >/dev/null || fail "snap create sv"
assert_eq "before-upgrade" "$(complete_words croft snap revert sv "")"
assert_eq "sv" "$(complete_words croft snap create s)"
assert_eq "default" "$(complete_words croft backup create sv --to d)"
# croftd gone: no names, no error
croftd_stop
assert_eq "" "$(complete_words croft vm start "" 2>&1)"
t_end

