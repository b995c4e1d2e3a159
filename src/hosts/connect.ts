import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { MAX_KEY_FILE_BYTES, unusableFileReason } from "../input-files.js";
import {
  GLOBAL_KNOWN_HOSTS_FILES,
  loadSshConfig,
  type ResolvedSshConfig,
  resolveSshConfig,
  type UnsupportedDirective,
} from "../ssh/config.js";
import {
  checkHostKeyInFiles,
  fingerprintSha256,
  formatKnownHostsLine,
  type HostKeyFileCheck,
  type KnownHostsFile,
  knownKeyTypes,
} from "../ssh/known-hosts.js";
import { parseSshTarget, type SshTarget } from "../ssh/target.js";
import { LocalTransport } from "./local.js";
import { type HostKeyVerdict, type SshEndpoint, SshTransport } from "./ssh.js";
import type { Transport } from "./transport.js";

export interface ConnectOptions {
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey: boolean;
  sshConfig?: string;
  /** System-wide known_hosts files where ssh_config names none; default GLOBAL_KNOWN_HOSTS_FILES. */
  globalKnownHostsFiles?: readonly string[];
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** Resolve an `--ssh` value the way OpenSSH would: the target, then ssh_config, then defaults. */
export async function resolveEndpoint(
  value: string,
  options: ConnectOptions,
): Promise<SshEndpoint> {
  const target = parseSshTarget(value);
  const config = await readSshConfig(target, options);
  const host = config?.hostName ?? target.host;
  const port = target.port ?? config?.port ?? 22;
  const user = target.user ?? config?.user ?? userInfo().username;
  const keyPaths = options.identity
    ? [options.identity]
    : config?.identityFiles.length
      ? config.identityFiles
      : DEFAULT_KEYS.map((name) => join(homedir(), ".ssh", name));
  const privateKeys: SshEndpoint["privateKeys"] = [];
  for (const path of keyPaths) {
    // An IdentityFile of ssh_config is read only when it is a regular file of a key's size.
    const unusable = unusableFileReason(path, { maxBytes: MAX_KEY_FILE_BYTES });
    const text = unusable ? undefined : await readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined) privateKeys.push({ path, text });
    else if (options.identity) throw new UsageError(`cannot read the SSH key ${path}`);
  }
  const knownHosts = await readKnownHosts(options, config);
  const strict = config?.strictHostKeyChecking;
  const acceptNew = options.acceptNewHostKey || strict === "no" || strict === "accept-new";
  const knownText = knownHosts.files
    .map(({ text }) => (text.endsWith("\n") || text === "" ? text : `${text}\n`))
    .join("");
  return {
    host,
    port,
    user,
    privateKeys,
    agent: config?.identitiesOnly ? undefined : process.env.SSH_AUTH_SOCK || undefined,
    preferredHostKeyAlgorithms: hostKeyAlgorithmsFor(knownKeyTypes(knownText, host, port)),
    verifyHostKey: (keyType, blob) =>
      verifyHostKey(knownHosts, host, port, keyType, blob, acceptNew),
  };
}

/** The ssh_config settings for the target; none when no config file is given or found. */
async function readSshConfig(
  target: SshTarget,
  options: ConnectOptions,
): Promise<ResolvedSshConfig | undefined> {
  const configPath = options.sshConfig ?? join(homedir(), ".ssh", "config");
  if (!options.sshConfig && !existsSync(configPath)) return undefined;
  const config = resolveSshConfig(await loadSshConfig(configPath), target.host, {
    user: target.user,
    port: target.port,
  });
  const unsupported = config.unsupported[0];
  if (unsupported) throw new UsageError(unsupportedMessage(unsupported, target.host));
  return config;
}

function unsupportedMessage(directive: UnsupportedDirective, host: string): string {
  const { keyword, file, line } = directive;
  if (keyword === "match") {
    const match = ["Match", ...(directive.args ?? [])].join(" ");
    return `${file}:${line}: ${match} is not supported by vla-provision; ssh(1) evaluates Match for every connection, so what this config means for any host is uncertain. Pass --ssh-config /dev/null and connect with --ssh user@host:port`;
  }
  // Connecting directly where the user's config routes elsewhere would be a surprise.
  return `${file}:${line}: ${keyword} for ${host} is not supported by vla-provision; connect with --ssh user@host:port directly`;
}

function hostKeyAlgorithmsFor(types: string[]): string[] {
  return types.flatMap((type) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type],
  );
}

interface KnownHosts {
  /** Every file consulted, as ssh(1) orders them: the user's, then the system-wide ones. */
  files: KnownHostsFile[];
  /** Where a new key is recorded: the first user file (/dev/null when there is none). */
  recordIn: KnownHostsFile;
  hashNames: boolean;
}

async function readKnownHosts(
  options: ConnectOptions,
  config: ResolvedSshConfig | undefined,
): Promise<KnownHosts> {
  const userPaths = options.knownHosts
    ? [options.knownHosts]
    : (config?.userKnownHostsFiles ?? [join(homedir(), ".ssh", "known_hosts")]);
  // Even with --known-hosts: ssh(1)'s -o UserKnownHostsFile leaves GlobalKnownHostsFile in force.
  const globalPaths =
    config?.globalKnownHostsFiles ?? options.globalKnownHostsFiles ?? GLOBAL_KNOWN_HOSTS_FILES;
  const userFiles = await readKnownHostsFiles(userPaths);
  return {
    files: [...userFiles, ...(await readKnownHostsFiles(globalPaths))],
    recordIn: userFiles[0] ?? { path: "/dev/null", text: "" },
    hashNames: config?.hashKnownHosts ?? false,
  };
}

/** The files' texts; a file that cannot be read counts as empty, as in ssh(1). */
function readKnownHostsFiles(paths: readonly string[]): Promise<KnownHostsFile[]> {
  return Promise.all(
    paths.map(async (path) => ({ path, text: await readFile(path, "utf8").catch(() => "") })),
  );
}

function verifyHostKey(
  knownHosts: KnownHosts,
  host: string,
  port: number,
  keyType: string,
  blob: Buffer,
  acceptNew: boolean,
): HostKeyVerdict {
  const { files, recordIn, hashNames } = knownHosts;
  const check = checkHostKeyInFiles(files, host, port, keyType, blob.toString("base64"));
  const name = port === 22 ? host : `[${host}]:${port}`;
  const fingerprint = fingerprintSha256(blob);
  switch (check.status) {
    case "match":
      return { accept: true };
    case "revoked":
      return {
        accept: false,
        refusal: `the host key of ${name} (${fingerprint}) is marked @revoked in ${check.file} (line ${check.line})`,
      };
    case "changed":
      return {
        accept: false,
        refusal: changedKeyRefusal(name, `${keyType} ${fingerprint}`, check),
      };
    case "unknown": {
      if (!acceptNew) {
        const consulted = files.map((file) => file.path).join(", ") || "no known_hosts file";
        return {
          accept: false,
          refusal: `the host key of ${name} is not known (${keyType} ${fingerprint}, not in ${consulted}). Check the fingerprint, then pass --accept-new-host-key to record it, or add it with ssh-keyscan.`,
        };
      }
      const line = formatKnownHostsLine(host, port, keyType, blob, { hash: hashNames });
      recordHostKey(recordIn.path, recordIn.text, line);
      return { accept: true };
    }
  }
}

/** Names each file and line that records another key, and how to remove those entries. */
function changedKeyRefusal(
  name: string,
  presented: string,
  { records }: Extract<HostKeyFileCheck, { status: "changed" }>,
): string {
  const recorded = records
    .map(({ file, line, fingerprint }) => `${file} (line ${line}) records ${fingerprint}`)
    .join(", ");
  const removals = [...new Set(records.map(({ file }) => file))]
    .map((file) => `ssh-keygen -f '${file}' -R '${name}'`)
    .join(", then ");
  return `HOST KEY CHANGED for ${name}: it presented ${presented}, but ${recorded}. Refusing to connect: this can be an attack. If the host was reinstalled, remove the old entry (${removals}) and connect again.`;
}

function recordHostKey(file: string, knownText: string, line: string): void {
  if (file === "/dev/null") return;
  const separator = knownText === "" || knownText.endsWith("\n") ? "" : "\n";
  // ssh2's verifier is synchronous; the write is queued and finishes long before the session ends.
  void mkdir(dirname(file), { recursive: true, mode: 0o700 })
    .then(() => appendFile(file, `${separator}${line}\n`, { mode: 0o600 }))
    .catch((error) =>
      process.stderr.write(`warning: could not record the host key in ${file}: ${error}\n`),
    );
}

export async function openTransport(
  ssh: string | undefined,
  options: ConnectOptions,
): Promise<Transport> {
  if (!ssh) return new LocalTransport();
  return SshTransport.connect(await resolveEndpoint(ssh, options));
}
