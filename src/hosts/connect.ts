import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { UsageError } from "../errors.js";
import { loadSshConfig, type ResolvedSshConfig, resolveSshConfig } from "../ssh/config.js";
import {
  checkHostKey,
  fingerprintSha256,
  formatKnownHostsLine,
  knownKeyTypes,
} from "../ssh/known-hosts.js";
import { parseSshTarget } from "../ssh/target.js";
import { LocalTransport } from "./local.js";
import { type HostKeyVerdict, type SshEndpoint, SshTransport } from "./ssh.js";
import type { Transport } from "./transport.js";

export interface ConnectOptions {
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey: boolean;
  sshConfig?: string;
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** Resolve an `--ssh` value the way OpenSSH would: the target, then ssh_config, then defaults. */
export async function resolveEndpoint(
  value: string,
  options: ConnectOptions,
): Promise<SshEndpoint> {
  const target = parseSshTarget(value);
  const configPath = options.sshConfig ?? join(homedir(), ".ssh", "config");
  let config: ResolvedSshConfig | undefined;
  if (options.sshConfig || existsSync(configPath)) {
    const doc = await loadSshConfig(configPath);
    config = resolveSshConfig(doc, target.host, { user: target.user, port: target.port });
    const unsupported = config.unsupported[0];
    if (unsupported) {
      // Connecting directly where the user's config routes elsewhere would be a surprise.
      throw new UsageError(
        `${unsupported.file}:${unsupported.line}: ${unsupported.keyword} for ${target.host} is not supported by vla-provision; connect with --ssh user@host:port directly`,
      );
    }
  }
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
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined) privateKeys.push({ path, text });
    else if (options.identity) throw new UsageError(`cannot read the SSH key ${path}`);
  }
  // Like OpenSSH: every listed file is consulted, a new key is recorded in the first.
  const knownHostsFiles = options.knownHosts
    ? [options.knownHosts]
    : (config?.userKnownHostsFiles ?? [join(homedir(), ".ssh", "known_hosts")]);
  const knownHostsFile = knownHostsFiles[0] ?? "/dev/null";
  const strict = config?.strictHostKeyChecking;
  const acceptNew = options.acceptNewHostKey || strict === "no" || strict === "accept-new";
  const knownTexts = await Promise.all(
    knownHostsFiles.map((file) => readFile(file, "utf8").catch(() => "")),
  );
  const knownText = knownTexts
    .map((text) => (text.endsWith("\n") || text === "" ? text : `${text}\n`))
    .join("");
  return {
    host,
    port,
    user,
    privateKeys,
    agent: config?.identitiesOnly ? undefined : process.env.SSH_AUTH_SOCK || undefined,
    preferredHostKeyAlgorithms: hostKeyAlgorithmsFor(knownKeyTypes(knownText, host, port)),
    verifyHostKey: (keyType, blob) =>
      verifyHostKey(
        { knownText, file: knownHostsFile, fileText: knownTexts[0] ?? "" },
        host,
        port,
        keyType,
        blob,
        acceptNew,
      ),
  };
}

function hostKeyAlgorithmsFor(types: string[]): string[] {
  return types.flatMap((type) =>
    type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type],
  );
}

interface KnownHosts {
  /** Every known_hosts file's text, together. */
  knownText: string;
  /** The file a new key is recorded in, and its text. */
  file: string;
  fileText: string;
}

function verifyHostKey(
  { knownText, file, fileText }: KnownHosts,
  host: string,
  port: number,
  keyType: string,
  blob: Buffer,
  acceptNew: boolean,
): HostKeyVerdict {
  const check = checkHostKey(knownText, host, port, keyType, blob.toString("base64"));
  const name = port === 22 ? host : `[${host}]:${port}`;
  const fingerprint = fingerprintSha256(blob);
  switch (check.status) {
    case "match":
      return { accept: true };
    case "revoked":
      return {
        accept: false,
        refusal: `the host key of ${name} (${fingerprint}) is marked @revoked in ${file}`,
      };
    case "changed":
      return {
        accept: false,
        refusal: `HOST KEY CHANGED for ${name}: it presented ${keyType} ${fingerprint}, but ${file} (line ${check.lines.join(", ")}) records ${check.expected.join(", ")}. Refusing to connect: this can be an attack. If the host was reinstalled, remove the old entry (ssh-keygen -R '${name}') and connect again.`,
      };
    case "unknown":
      if (!acceptNew) {
        return {
          accept: false,
          refusal: `the host key of ${name} is not known (${keyType} ${fingerprint}, not in ${file}). Check the fingerprint, then pass --accept-new-host-key to record it, or add it with ssh-keyscan.`,
        };
      }
      recordHostKey(file, fileText, formatKnownHostsLine(host, port, keyType, blob));
      return { accept: true };
  }
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
