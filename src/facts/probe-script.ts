/**
 * The one batched probe: a POSIX sh script that prints every fact the steps need, in sections,
 * in ONE round trip, assembled from the section definitions under src/facts/probe/ (each section's
 * snippet beside its parser). It runs as the login user; where passwordless sudo is available it
 * reads the root-only facts through `sudo -n`. Each section is `@@vla <name>` ... `@@vla-rc <code>`.
 * Arguments: $1 the account that will be added to the docker group, then the packages whose
 * dpkg state the steps read. Variables: $probe_details (1: also the docker client's version and
 * the images), $removal_candidates (packages whose removal apt is asked to simulate when
 * installed), $probe_only (the sections to read; empty: all).
 */
import {
  aptLocks,
  aptRemove,
  aptSources,
  dpkg,
  dpkgAudit,
  dpkgJournal,
  keyrings,
  snapDocker,
} from "./probe/apt.js";
import { APT_SIMULATION_TIMEOUT_S, PROBE_COMMAND_TIMEOUT_S } from "./probe/constants.js";
import { containerLimits } from "./probe/container-limits.js";
import type { AnySectionDef } from "./probe/definition.js";
import { disks } from "./probe/disks.js";
import { daemonJson, docker, dockerGroup, targetUser } from "./probe/docker.js";
import { gpu, nvidiaCtk } from "./probe/gpu.js";
import { arch, disk, identity, init, osRelease, proxyEnv } from "./probe/host.js";
import { proxyFiles } from "./probe/proxy.js";

export {
  APT_LOCK_FILES,
  APT_SIMULATION_TIMEOUT_S,
  KEYRING_PATHS,
  LOCK_HOLDERS_SCRIPT,
  PROBE_COMMAND_TIMEOUT_S,
  TIMED_OUT,
} from "./probe/constants.js";

/** Every section after identity (which always runs first: it sets $SUDO), in the probe's order. */
export const SECTION_DEFS = [
  proxyEnv,
  osRelease,
  arch,
  init,
  dpkg,
  dpkgAudit,
  dpkgJournal,
  aptRemove,
  snapDocker,
  docker,
  dockerGroup,
  targetUser,
  daemonJson,
  aptSources,
  keyrings,
  proxyFiles,
  gpu,
  nvidiaCtk,
  aptLocks,
  disk,
  disks,
  containerLimits,
] as const satisfies readonly AnySectionDef[];

export { identity as IDENTITY_SECTION };

/** The sections a partial probe can ask for (identity is always read). */
export type ProbeSection = (typeof SECTION_DEFS)[number]["name"];
export const PROBE_SECTIONS: readonly ProbeSection[] = SECTION_DEFS.map((def) => def.name);

const PRELUDE = String.raw`
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
}`;

export const PROBE_SCRIPT = [
  PRELUDE,
  identity.script,
  ...SECTION_DEFS.map((def) => `if want ${def.name}; then${def.script}fi`),
  "",
]
  .join("\n")
  .replaceAll("__TIMEOUT__", String(PROBE_COMMAND_TIMEOUT_S))
  .replace("__APT_TIMEOUT__", String(APT_SIMULATION_TIMEOUT_S))
  // Ticks of 0.05 s: the background nvidia-smi gets its bound, timeout's -k grace, and one second more.
  .replace("__GPU_WAIT_TICKS__", String((PROBE_COMMAND_TIMEOUT_S + 3) * 20));
