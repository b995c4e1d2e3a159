/**
 * known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): is the key a host presents the one on record?
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { matchSshPattern } from "./config.js";

export type HostKeyCheck =
  /** A plain entry for this host holds this very key. */
  | { status: "match"; line: number }
  /** No entry for this host holds a key of this type. */
  | { status: "unknown" }
  /** Entries for this host hold other keys of this type: refuse (`expected` are their fingerprints). */
  | { status: "changed"; expected: string[]; lines: number[] }
  /** An `@revoked` entry for this host holds this key: refuse, whatever else is recorded. */
  | { status: "revoked"; line: number };

interface KnownHostsEntry {
  marker?: "revoked" | "cert-authority";
  hostPatterns: string;
  keyType: string;
  key: Buffer;
  line: number;
}

/** The name known_hosts records a host under: `host`, or `[host]:port` when the port is not 22. */
export function knownHostsName(host: string, port = 22): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** Checks a presented host key (its type and base64 blob) against known_hosts text. */
export function checkHostKey(
  knownHostsText: string,
  host: string,
  port: number,
  keyType: string,
  keyBlobBase64: string,
): HostKeyCheck {
  const name = knownHostsName(host, port);
  const presented = Buffer.from(keyBlobBase64, "base64");
  const presentedType = keyTypeOfBlob(presented) ?? keyType;
  let match: number | undefined;
  const others: KnownHostsEntry[] = [];

  for (const entry of parseKnownHosts(knownHostsText)) {
    if (entry.marker === "cert-authority" || !hostMatches(entry.hostPatterns, name)) continue;
    const sameKey = entry.key.equals(presented);
    if (entry.marker === "revoked") {
      if (sameKey) return { status: "revoked", line: entry.line };
    } else if (sameKey) {
      match ??= entry.line;
    } else if (entry.keyType === presentedType) {
      others.push(entry);
    }
  }
  if (match !== undefined) return { status: "match", line: match };
  if (others.length > 0) {
    return {
      status: "changed",
      expected: others.map((entry) => fingerprintSha256(entry.key)),
      lines: others.map((entry) => entry.line),
    };
  }
  return { status: "unknown" };
}

export interface KnownHostsFile {
  path: string;
  text: string;
}

/** Where a known_hosts entry is, and for a changed key, the fingerprint of the key it holds. */
export type HostKeyFileCheck =
  | { status: "match"; file: string; line: number }
  | { status: "unknown" }
  | { status: "changed"; records: Array<{ file: string; line: number; fingerprint: string }> }
  | { status: "revoked"; file: string; line: number };

/**
 * checkHostKey over several files read as one, as ssh(1) reads its user and global known_hosts
 * files together: a revocation anywhere wins, then a match anywhere.
 */
export function checkHostKeyInFiles(
  files: KnownHostsFile[],
  host: string,
  port: number,
  keyType: string,
  keyBlobBase64: string,
): HostKeyFileCheck {
  let match: { file: string; line: number } | undefined;
  const records: Array<{ file: string; line: number; fingerprint: string }> = [];
  for (const { path, text } of files) {
    const check = checkHostKey(text, host, port, keyType, keyBlobBase64);
    if (check.status === "revoked") return { status: "revoked", file: path, line: check.line };
    if (check.status === "match") match ??= { file: path, line: check.line };
    if (check.status === "changed") {
      check.lines.forEach((line, i) => {
        records.push({ file: path, line, fingerprint: check.expected[i] as string });
      });
    }
  }
  if (match) return { status: "match", ...match };
  return records.length > 0 ? { status: "changed", records } : { status: "unknown" };
}

/**
 * The line to append for a newly accepted key, as ssh(1) writes it: the plain name, or with
 * `hash` (HashKnownHosts yes) `|1|salt|HMAC-SHA1(salt, name)` under a fresh 20-byte salt.
 */
export function formatKnownHostsLine(
  host: string,
  port: number,
  keyType: string,
  keyBlob: string | Buffer,
  { hash = false }: { hash?: boolean } = {},
): string {
  const base64 = typeof keyBlob === "string" ? keyBlob : keyBlob.toString("base64");
  const name = knownHostsName(host, port);
  return `${hash ? hashedName(name) : name} ${keyType} ${base64}`;
}

function hashedName(name: string): string {
  const salt = randomBytes(20);
  const hash = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${hash.toString("base64")}`;
}

/** `SHA256:<base64 without padding>`, as ssh-keygen -l and ssh(1)'s warnings print it. */
export function fingerprintSha256(keyBlob: string | Buffer): string {
  const bytes = typeof keyBlob === "string" ? Buffer.from(keyBlob, "base64") : keyBlob;
  return `SHA256:${createHash("sha256").update(bytes).digest("base64").replace(/=+$/, "")}`;
}

/** Entries of a known_hosts file; comments, blank and malformed lines are left out. */
function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith("#")) return;
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      if (fields[0] !== "@revoked" && fields[0] !== "@cert-authority") return;
      marker = fields[0] === "@revoked" ? "revoked" : "cert-authority";
      fields.shift();
    }
    const [hostPatterns, keyType, base64] = fields;
    if (!hostPatterns || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return;
    const key = Buffer.from(base64, "base64");
    if (keyTypeOfBlob(key) !== keyType) return;
    entries.push({ hostPatterns, keyType, key, line: index + 1, ...(marker ? { marker } : {}) });
  });
  return entries;
}

/** Host field against a name: one `|1|salt|hash` hashed name, or a comma list of patterns. */
function hostMatches(hostPatterns: string, name: string): boolean {
  if (hostPatterns.startsWith("|1|")) return hashedNameMatches(hostPatterns, name);
  let matched = false;
  for (const pattern of hostPatterns.toLowerCase().split(",")) {
    const negated = pattern.startsWith("!");
    if (!matchSshPattern(name, negated ? pattern.slice(1) : pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedNameMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split("|");
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The key type an SSH public key blob names in its first field, when the blob is well formed: a
 * run of length-prefixed fields (type, then the key's parts) that ends exactly at the end.
 */
function keyTypeOfBlob(blob: Buffer): string | undefined {
  const fields: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const type = fields[0]?.toString("latin1");
  return fields.length >= 2 && type && /^[a-z0-9@.-]{1,64}$/.test(type) ? type : undefined;
}

/** The key types known_hosts records for this host (to prefer those host key algorithms, as ssh(1) does). */
export function knownKeyTypes(knownHostsText: string, host: string, port = 22): string[] {
  const name = knownHostsName(host, port);
  const types = parseKnownHosts(knownHostsText)
    .filter((entry) => entry.marker === undefined && hostMatches(entry.hostPatterns, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}
