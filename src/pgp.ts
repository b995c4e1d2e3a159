import { createHash } from "node:crypto";

/**
 * Just enough OpenPGP (RFC 4880) to verify a repository key before apt trusts it: dearmor and armor,
 * splitting a key file into its keys, primary-key fingerprints, and whether a key can still sign
 * (expiry of the key and its sub-keys). No gpg is needed on the host.
 */

export interface PublicKeyInfo {
  fingerprint: string;
  createdAt: Date;
  /** When the primary key expires, if its newest self-signature says so. */
  expiresAt?: Date;
  subkeys: { fingerprint: string; createdAt: Date; expiresAt?: Date; revoked: boolean }[];
}

const BEGIN_PUBLIC_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const END_PUBLIC_KEY = "-----END PGP PUBLIC KEY BLOCK-----";
const ARMOR_BLOCKS =
  /-----BEGIN PGP PUBLIC KEY BLOCK-----([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/g;

export function isArmored(data: Buffer): boolean {
  return data.subarray(0, 64).toString("latin1").includes("-----BEGIN PGP");
}

/**
 * The binary packets of an ASCII-armored key (headers and the CRC line dropped). Several armored
 * blocks, as `cat a.asc b.asc` makes them, give their packets one after the other.
 */
export function dearmor(text: string): Buffer {
  const blocks = [...text.matchAll(ARMOR_BLOCKS)].map((match) => match[1] ?? "");
  if (blocks.length === 0) throw new Error("not an ASCII-armored OpenPGP public key");
  return Buffer.concat(blocks.map(armoredBody));
}

function armoredBody(block: string): Buffer {
  const lines = block.split(/\r?\n/).map((l) => l.trim());
  const blank = lines.indexOf("", 1);
  const body = (blank >= 0 ? lines.slice(blank + 1) : lines).filter(
    (l) => l && !l.startsWith("=") && !l.includes(":"),
  );
  return Buffer.from(body.join(""), "base64");
}

/** ASCII armor as `gpg --armor --export` writes it: no headers, 64-character lines, CRC-24. */
export function armor(binary: Buffer): string {
  const lines = binary.toString("base64").match(/.{1,64}/g) ?? [];
  return [BEGIN_PUBLIC_KEY, "", ...lines, `=${crc24Base64(binary)}`, END_PUBLIC_KEY, ""].join("\n");
}

/** RFC 4880 section 6.1: the armor checksum. */
function crc24Base64(data: Buffer): string {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]).toString("base64");
}

interface Packet {
  tag: number;
  body: Buffer;
  /** The whole packet as found, header included. */
  bytes: Buffer;
}

function readPackets(data: Buffer): Packet[] {
  const packets: Packet[] = [];
  let pos = 0;
  while (pos < data.length) {
    const start = pos;
    const header = data[pos++] ?? 0;
    if ((header & 0x80) === 0) throw new Error("invalid OpenPGP packet header");
    let tag: number;
    let length: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = data[pos++] ?? 0;
      if (first < 192) length = first;
      else if (first < 224) length = ((first - 192) << 8) + (data[pos++] ?? 0) + 192;
      else if (first === 255) {
        length = data.readUInt32BE(pos);
        pos += 4;
      } else throw new Error("partial-length packets are not used in public keys");
    } else {
      tag = (header >> 2) & 0x0f;
      const lengthType = header & 0x03;
      if (lengthType === 0) length = data[pos++] ?? 0;
      else if (lengthType === 1) {
        length = data.readUInt16BE(pos);
        pos += 2;
      } else if (lengthType === 2) {
        length = data.readUInt32BE(pos);
        pos += 4;
      } else length = data.length - pos;
    }
    if (pos + length > data.length) throw new Error("truncated OpenPGP packet");
    packets.push({
      tag,
      body: data.subarray(pos, pos + length),
      bytes: data.subarray(start, pos + length),
    });
    pos += length;
  }
  return packets;
}

function keyFingerprint(body: Buffer): string {
  const version = body[0];
  if (version === 4) {
    const prefix = Buffer.from([0x99, (body.length >> 8) & 0xff, body.length & 0xff]);
    return createHash("sha1").update(prefix).update(body).digest("hex").toUpperCase();
  }
  if (version === 5 || version === 6) {
    const prefix = Buffer.alloc(5);
    prefix[0] = version === 5 ? 0x9a : 0x9b;
    prefix.writeUInt32BE(body.length, 1);
    return createHash("sha256").update(prefix).update(body).digest("hex").toUpperCase();
  }
  throw new Error(`unsupported OpenPGP key version ${version}`);
}

interface SignatureInfo {
  type: number;
  createdAt?: number;
  keyExpiresAfter?: number;
}

function readSignature(body: Buffer): SignatureInfo | undefined {
  if (body[0] !== 4) return undefined;
  const type = body[1] ?? 0;
  const hashedLength = body.readUInt16BE(4);
  const info: SignatureInfo = { type };
  let pos = 6;
  const end = 6 + hashedLength;
  while (pos < end) {
    const first = body[pos++] ?? 0;
    let length: number;
    if (first < 192) length = first;
    else if (first < 255) length = ((first - 192) << 8) + (body[pos++] ?? 0) + 192;
    else {
      length = body.readUInt32BE(pos);
      pos += 4;
    }
    const subtype = (body[pos] ?? 0) & 0x7f;
    const value = body.subarray(pos + 1, pos + length);
    if (subtype === 2 && value.length >= 4) info.createdAt = value.readUInt32BE(0);
    if (subtype === 9 && value.length >= 4) info.keyExpiresAfter = value.readUInt32BE(0);
    pos += length;
  }
  return info;
}

/** Packet tags (RFC 4880 section 4.3) that make up a transferable public key (section 11.1). */
const TAG = {
  signature: 2,
  publicKey: 6,
  trust: 12,
  userId: 13,
  publicSubkey: 14,
  userAttribute: 17,
} as const;
const KEY_COMPONENT_TAGS: ReadonlySet<number> = new Set([
  TAG.signature,
  TAG.trust,
  TAG.userId,
  TAG.publicSubkey,
  TAG.userAttribute,
]);

/** A primary key packet and the packets that belong to it. */
type KeyPackets = [Packet, ...Packet[]];

/**
 * The packets of each transferable public key in the data: a primary key packet and everything up
 * to the next one. Any other packet (a secret key, say) is refused rather than carried along inside
 * a key, where gpg would read it as a key of its own.
 */
function keyPackets(data: Buffer): KeyPackets[] {
  const keys: KeyPackets[] = [];
  for (const packet of readPackets(isArmored(data) ? dearmor(data.toString("latin1")) : data)) {
    const current = keys.at(-1);
    if (packet.tag === TAG.publicKey) keys.push([packet]);
    else if (!KEY_COMPONENT_TAGS.has(packet.tag)) {
      throw new Error(`unexpected OpenPGP packet (tag ${packet.tag}) in a public key file`);
    } else if (!current) throw new Error("OpenPGP data does not start with a public key");
    else current.push(packet);
  }
  return keys;
}

export interface KeyBlock {
  /** The primary key's fingerprint. */
  fingerprint: string;
  /** The key's packets exactly as found, headers included, so its signatures stay valid. */
  bytes: Buffer;
}

/** Split key data (armored or binary) into its transferable public keys, in file order. */
export function splitKeys(data: Buffer): KeyBlock[] {
  return keyPackets(data).map((packets) => ({
    fingerprint: keyFingerprint(packets[0].body),
    bytes: Buffer.concat(packets.map((p) => p.bytes)),
  }));
}

export type KeySearch =
  | { found: true; bytes: Buffer; others: string[] }
  | { found: false; fingerprints: string[] };

/**
 * The packets of the key with this fingerprint alone, wherever it is in the data, and the
 * fingerprints of the other keys beside it; or, when it is absent, the fingerprints found.
 */
export function findKey(data: Buffer, fingerprint: string): KeySearch {
  const keys = splitKeys(data);
  if (keys.length === 0) throw new Error("no OpenPGP public key found");
  const expected = normalizeFingerprint(fingerprint);
  const match = keys.find((key) => key.fingerprint === expected);
  const others = keys.filter((key) => key !== match).map((key) => key.fingerprint);
  return match
    ? { found: true, bytes: match.bytes, others }
    : { found: false, fingerprints: others };
}

/** Read the primary key (the first one in the data) and its sub-keys. */
export function readPublicKey(data: Buffer): PublicKeyInfo {
  const [packets] = keyPackets(data);
  if (!packets) throw new Error("no OpenPGP public key found");
  return describeKey(packets);
}

function describeKey([primary, ...rest]: KeyPackets): PublicKeyInfo {
  const created = (body: Buffer) => new Date(body.readUInt32BE(1) * 1000);
  const info: PublicKeyInfo = {
    fingerprint: keyFingerprint(primary.body),
    createdAt: created(primary.body),
    subkeys: [],
  };
  let newestSelfSig = -1;
  let current: PublicKeyInfo["subkeys"][number] | undefined;
  let newestBinding = -1;
  for (const packet of rest) {
    if (packet.tag === TAG.publicSubkey) {
      current = {
        fingerprint: keyFingerprint(packet.body),
        createdAt: created(packet.body),
        revoked: false,
      };
      info.subkeys.push(current);
      newestBinding = -1;
    }
    if (packet.tag !== TAG.signature) continue;
    const sig = readSignature(packet.body);
    if (!sig) continue;
    const at = sig.createdAt ?? 0;
    if (!current && sig.type >= 0x10 && sig.type <= 0x13 && at >= newestSelfSig) {
      newestSelfSig = at;
      info.expiresAt = expiry(info.createdAt, sig.keyExpiresAfter);
    } else if (current && sig.type === 0x18 && at >= newestBinding) {
      newestBinding = at;
      current.expiresAt = expiry(current.createdAt, sig.keyExpiresAfter);
    } else if (current && sig.type === 0x28) {
      current.revoked = true;
    }
  }
  return info;
}

function expiry(created: Date, after: number | undefined): Date | undefined {
  return after ? new Date(created.getTime() + after * 1000) : undefined;
}

/** True when apt could no longer verify with this key: the primary or every sub-key has expired. */
export function isExpired(key: PublicKeyInfo, now = new Date()): boolean {
  if (key.expiresAt && key.expiresAt <= now) return true;
  if (key.subkeys.length === 0) return false;
  return key.subkeys.every((s) => s.revoked || (s.expiresAt !== undefined && s.expiresAt <= now));
}

/** "9DC8 5822 ..." or "0x9dc85822..." to "9DC858229FC7...". */
export function normalizeFingerprint(value: string): string {
  return value.replace(/^0x/i, "").replace(/\s+/g, "").toUpperCase();
}

export function isFingerprint(value: string): boolean {
  return /^([0-9A-F]{40}|[0-9A-F]{64})$/.test(normalizeFingerprint(value));
}

export function formatFingerprint(fpr: string): string {
  return (normalizeFingerprint(fpr).match(/.{1,4}/g) ?? []).join(" ");
}
