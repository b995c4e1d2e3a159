import { createHash } from "node:crypto";

/**
 * Just enough OpenPGP (RFC 4880) to verify a repository key before apt trusts it: dearmor,
 * primary-key fingerprint, and whether the key can still sign (expiry of the key and its sub-keys).
 * No gpg is needed on the host.
 */

export interface PublicKeyInfo {
  fingerprint: string;
  createdAt: Date;
  /** When the primary key expires, if its newest self-signature says so. */
  expiresAt?: Date;
  subkeys: { fingerprint: string; createdAt: Date; expiresAt?: Date; revoked: boolean }[];
}

const ARMOR_BLOCK =
  /-----BEGIN PGP PUBLIC KEY BLOCK-----([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/;

export function isArmored(data: Buffer): boolean {
  return data.subarray(0, 64).toString("latin1").includes("-----BEGIN PGP");
}

/** The binary packets of an ASCII-armored key (headers and the CRC line dropped). */
export function dearmor(text: string): Buffer {
  const block = ARMOR_BLOCK.exec(text);
  if (!block?.[1]) throw new Error("not an ASCII-armored OpenPGP public key");
  const lines = block[1].split(/\r?\n/).map((l) => l.trim());
  const blank = lines.indexOf("", 1);
  const body = (blank >= 0 ? lines.slice(blank + 1) : lines).filter(
    (l) => l && !l.startsWith("=") && !l.includes(":"),
  );
  return Buffer.from(body.join(""), "base64");
}

interface Packet {
  tag: number;
  body: Buffer;
}

function readPackets(data: Buffer): Packet[] {
  const packets: Packet[] = [];
  let pos = 0;
  while (pos < data.length) {
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
    packets.push({ tag, body: data.subarray(pos, pos + length) });
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

/** Read the primary key (the first one in the data) and its sub-keys. */
export function readPublicKey(data: Buffer): PublicKeyInfo {
  const packets = readPackets(isArmored(data) ? dearmor(data.toString("latin1")) : data);
  const primary = packets[0];
  if (primary?.tag !== 6) throw new Error("no OpenPGP public key found");
  const created = (body: Buffer) => new Date(body.readUInt32BE(1) * 1000);
  const info: PublicKeyInfo = {
    fingerprint: keyFingerprint(primary.body),
    createdAt: created(primary.body),
    subkeys: [],
  };
  let newestSelfSig = -1;
  let current: PublicKeyInfo["subkeys"][number] | undefined;
  let newestBinding = -1;
  for (const packet of packets.slice(1)) {
    if (packet.tag === 6) break; // a second key in the same file: not ours to judge
    if (packet.tag === 14) {
      current = {
        fingerprint: keyFingerprint(packet.body),
        createdAt: created(packet.body),
        revoked: false,
      };
      info.subkeys.push(current);
      newestBinding = -1;
    }
    if (packet.tag !== 2) continue;
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
