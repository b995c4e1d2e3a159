import { PROXY_VARIABLES } from "../hosts/host.js";
/**
 * The one batched probe: a POSIX sh script that prints every fact the steps need, in sections,
 * in ONE round trip. It runs as the login user; where passwordless sudo is available it reads the
 * root-only facts through `sudo -n`. Each section is `@@vla <name>` ... `@@vla-rc <code>`.
 * Arguments: $1 the account that will be added to the docker group, then the packages whose
 * dpkg state the steps read. Variables: $probe_details (1: also the docker client's version and
 * the images), $removal_candidates (packages whose removal apt is asked to simulate when installed).
 *
 * Every command that waits on a daemon (dockerd, snapd, systemd, nvidia-smi's driver, NSS lookups,
 * sudo) runs under `timeout`, so a frozen daemon costs at most PROBE_COMMAND_TIMEOUT_S seconds and
 * its section ends with exit code 124.
 */

/** How long one probe command may wait for a daemon before its section reports a timeout. */
export const PROBE_COMMAND_TIMEOUT_S = 10;

/** apt's simulation builds its cache (seconds on a big host) rather than waiting on a daemon. */
export const APT_SIMULATION_TIMEOUT_S = 30;

/** The exit code of coreutils `timeout` when it had to stop the command. */
export const TIMED_OUT = 124;

export const KEYRING_PATHS = [
  "/etc/apt/keyrings/docker.asc",
  "/etc/apt/keyrings/docker.gpg",
  "/usr/share/keyrings/docker-archive-keyring.gpg",
  "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
] as const;

export const APT_LOCK_FILES = [
  "/var/lib/dpkg/lock-frontend",
  "/var/lib/dpkg/lock",
  "/var/lib/apt/lists/lock",
  "/var/cache/apt/archives/lock",
] as const;

/** Prints `file<TAB>pid<TAB>command` for each process holding an apt/dpkg lock (read from /proc/locks, no root needed). */
export const LOCK_HOLDERS_SCRIPT = String.raw`for f in ${APT_LOCK_FILES.join(" ")}; do
  [ -e "$f" ] || continue
  ino=$(stat -c %i "$f")
  for pid in $(awk -v ino="$ino" '{ for (i = 1; i <= NF; i++) if ($i ~ ":" ino "$") print $(i-1) }' /proc/locks 2>/dev/null | sort -u); do
    printf '%s\t%s\t%s\n' "$f" "$pid" "$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"
  done
done`;

export const PROBE_SCRIPT = String.raw`
user="$1"
shift
section() { printf '\n@@vla %s\n' "$1"; }
rc() { printf '\n@@vla-rc %s\n' "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }
# $probe_only: the sections to read (identity always), space-separated; empty reads every section.
want() { case " ${"$"}{probe_only:-$1} " in *" $1 "*) return 0;; esac; return 1; }
server_rc=127
# timeout exits 137 when its command needed SIGKILL: that timed out too.
settle() { if [ "$1" = 137 ]; then return 124; fi; return "$1"; }
bounded() { timeout -k 2 __TIMEOUT__ "$@"; settle $?; }
# sudo outside, so timeout stops the command itself (sudo -n itself is checked, bounded, in identity).
bounded_root() { $SUDO timeout -k 2 __TIMEOUT__ "$@"; settle $?; }
bounded_apt() { timeout -k 2 __APT_TIMEOUT__ "$@"; settle $?; }
# A GPU stuck in the driver can leave nvidia-smi unkillable (D state), and then timeout waits for
# it forever: run it in the background into a file and stop waiting once the bound has passed.
gpu_query() {
  tmp=$(mktemp 2>/dev/null) || { query_out=$(bounded nvidia-smi "$@" 2>&1); query_rc=$?; return; }
  # Redirected in a subshell: a function call's own redirections would keep the probe's stdout open.
  ( exec >"$tmp" 2>&1 </dev/null; bounded nvidia-smi "$@" ) &
  query_pid=$!
  ticks=0
  while kill -0 "$query_pid" 2>/dev/null && [ "$ticks" -lt __GPU_WAIT_TICKS__ ]; do sleep 0.05; ticks=$((ticks + 1)); done
  if kill -0 "$query_pid" 2>/dev/null; then query_rc=124; else wait "$query_pid"; query_rc=$?; fi
  query_out=$(cat "$tmp"); rm -f "$tmp"
}
SUDO=""
section identity
uid=$(id -u); printf 'uid=%s\nuser=%s\n' "$uid" "$(id -un)"
if [ "$uid" != 0 ]; then
  if have sudo; then
    printf 'sudo=present\n'
    if bounded sudo -n true >/dev/null 2>&1; then printf 'sudo_nopasswd=yes\n'; SUDO="sudo -n"; else printf 'sudo_nopasswd=no\n'; fi
  else
    printf 'sudo=absent\n'
  fi
fi
rc 0
if want proxy-env; then
section proxy-env
for name in __PROXY_VARIABLES__; do
  eval "value=\${$name-}"
  [ -n "$value" ] && printf '%s=%s\n' "$name" "$value"
done
rc 0
fi
if want os-release; then
section os-release
cat /etc/os-release 2>/dev/null; rc $?
fi
if want arch; then
section arch
{ dpkg --print-architecture 2>/dev/null || echo unknown; uname -m; }; rc 0
fi
if want init; then
section init
printf 'pid1=%s\n' "$(cat /proc/1/comm 2>/dev/null)"
if [ -d /run/systemd/system ]; then printf 'systemd_booted=yes\n'; else printf 'systemd_booted=no\n'; fi
if have systemctl && [ -d /run/systemd/system ]; then
  printf 'system_state=%s\n' "$(bounded systemctl is-system-running 2>/dev/null)"
  printf 'docker_active=%s\n' "$(bounded systemctl is-active docker 2>/dev/null)"
  printf 'docker_enabled=%s\n' "$(bounded systemctl is-enabled docker 2>/dev/null)"
fi
[ -x /etc/init.d/docker ] && printf 'docker_initscript=yes\n'
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
if [ -n "$pid" ]; then printf 'dockerd_pid=%s\ndockerd_started=%s\n' "$pid" "$(ps -o lstart= -p "$pid" 2>/dev/null)"; fi
rc 0
fi
if want dpkg; then
section dpkg
[ $# -gt 0 ] && dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\t${"$"}{Version}\n' "$@" 2>/dev/null; rc 0
fi
if want dpkg-audit; then
section dpkg-audit
bounded dpkg --audit 2>&1; rc $?
fi
if want dpkg-journal; then
section dpkg-journal
ls -A /var/lib/dpkg/updates 2>/dev/null | grep -E '^[0-9]+$'; rc 0
fi
if want apt-remove; then
section apt-remove
removable=""
[ -n "$removal_candidates" ] && removable=$(dpkg-query -W -f='${"$"}{Package}\t${"$"}{db:Status-Abbrev}\n' $removal_candidates 2>/dev/null | awk -F'\t' '$2 ~ /^[hi]i/ { print $1 }')
if [ -n "$removable" ]; then
  # No locking: as root a simulation would otherwise take (or fail on) the dpkg lock.
  bounded_apt env LC_ALL=C apt-get -s -q -o Debug::NoLocking=true remove $removable 2>&1; rc $?
else rc 127; fi
fi
if want snap-docker; then
section snap-docker
if have snap; then bounded snap list docker 2>/dev/null; rc $?; else rc 127; fi
fi
if want docker-client; then
section docker-client
if [ "$probe_details" = 1 ] && have docker; then bounded docker --version 2>/dev/null; rc $?; else rc 127; fi
fi
if want docker-server; then
section docker-server
if have docker; then
  bounded_root docker info --format '{{.ServerVersion}}|{{json .Runtimes}}|{{json .RegistryConfig.Mirrors}}' 2>&1
  server_rc=$?
fi
rc $server_rc
fi
if want docker-containers; then
section docker-containers
if [ "$server_rc" = 0 ]; then bounded_root docker ps --format '{{.Names}}' 2>/dev/null; rc $?; else rc 127; fi
fi
if want docker-images; then
section docker-images
if [ "$probe_details" = 1 ] && [ "$server_rc" = 0 ] && { [ "$uid" = 0 ] || [ -n "$SUDO" ]; }; then bounded_root docker image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null; rc $?; else rc 127; fi
fi
if want docker-group; then
section docker-group
bounded getent group docker; rc $?
fi
if want target-user; then
section target-user
if [ -n "$user" ]; then bounded getent passwd "$user" >/dev/null && bounded id -nG "$user"; rc $?; else rc 2; fi
fi
if want daemon-json; then
section daemon-json
if [ -e /etc/docker/daemon.json ]; then
  if [ -r /etc/docker/daemon.json ]; then cat /etc/docker/daemon.json; rc $?; else $SUDO cat /etc/docker/daemon.json; rc $?; fi
else rc 3; fi
fi
if want apt-sources; then
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  section "apt-source $f"; cat "$f"; rc $?
done
fi
if want keyrings; then
for f in __KEYRINGS__; do
  [ -f "$f" ] || continue
  section "keyring $f"; printf 'mode=%s\n' "$(stat -c %a "$f")"; base64 -w0 "$f"; rc $?
done
fi
if want gpu; then
section gpu
if have nvidia-smi; then
  printf 'nvidia_smi=present\n'
  gpu_query --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv,noheader
  printf 'query_rc=%s\n' "$query_rc"
  printf '%s\n' "$query_out" | sed 's/^/query: /'
else printf 'nvidia_smi=absent\n'; fi
if [ -r /proc/driver/nvidia/version ]; then sed 's/^/proc: /' /proc/driver/nvidia/version; fi
if have lspci; then printf 'lspci=present\n'; lspci -nn 2>/dev/null | grep -Ei '\[10de:[0-9a-f]{4}\]' | grep -Ei 'vga|3d|display' | sed 's/^/pci: /'; else printf 'lspci=absent\n'; fi
rc 0
fi
if want nvidia-ctk; then
section nvidia-ctk
if have nvidia-ctk; then nvidia-ctk --version 2>&1; rc $?; else rc 127; fi
fi
if want apt-locks; then
section apt-locks
__LOCK_HOLDERS__
rc 0
fi
if want disk; then
section disk
bounded df -Pk /var/lib /var/cache/apt 2>/dev/null | awk 'NR > 1 { print $6 "\t" $4 }'; rc 0
fi
`
  .replaceAll("__TIMEOUT__", String(PROBE_COMMAND_TIMEOUT_S))
  .replace("__APT_TIMEOUT__", String(APT_SIMULATION_TIMEOUT_S))
  // Ticks of 0.05 s: the background nvidia-smi gets its bound, timeout's -k grace, and one second more.
  .replace("__GPU_WAIT_TICKS__", String((PROBE_COMMAND_TIMEOUT_S + 3) * 20))
  .replace("__PROXY_VARIABLES__", PROXY_VARIABLES.join(" "))
  .replace("__KEYRINGS__", KEYRING_PATHS.join(" "))
  .replace("__LOCK_HOLDERS__", LOCK_HOLDERS_SCRIPT);

/** The probe's sections a partial probe can ask for (identity is always read). */
export const PROBE_SECTIONS = [
  "proxy-env",
  "os-release",
  "arch",
  "init",
  "dpkg",
  "dpkg-audit",
  "dpkg-journal",
  "apt-remove",
  "snap-docker",
  "docker-client",
  "docker-server",
  "docker-containers",
  "docker-images",
  "docker-group",
  "target-user",
  "daemon-json",
  "apt-sources",
  "keyrings",
  "gpu",
  "nvidia-ctk",
  "apt-locks",
  "disk",
] as const;

export type ProbeSection = (typeof PROBE_SECTIONS)[number];
