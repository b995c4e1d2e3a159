// Secrets of one test-bed directory: the SSH client key, lab's sudo password, and the two signing
// keys of the stand-in repositories (Docker's, NVIDIA's). Made once, then reused.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { paths } from "./paths.mjs";
import { $ } from "./proc.mjs";

export const sshKeyPath = path.join(paths.keys, "id_ed25519");
const passwordPath = path.join(paths.keys, "lab-password");
export const gnupgHome = path.join(paths.keys, "gnupg");

export async function ensureSshKey() {
  if (!fs.existsSync(sshKeyPath)) {
    fs.mkdirSync(paths.keys, { recursive: true, mode: 0o700 });
    await $`ssh-keygen -q -t ed25519 -N ${""} -C ${"vla-provision test bed"} -f ${sshKeyPath}`;
  }
  fs.chmodSync(sshKeyPath, 0o600);
  return { privateKey: sshKeyPath, publicKey: fs.readFileSync(`${sshKeyPath}.pub`, "utf8").trim() };
}

/** lab's sudo password: random, made once per test-bed directory. */
export function labPassword() {
  if (!fs.existsSync(passwordPath)) {
    fs.mkdirSync(paths.keys, { recursive: true, mode: 0o700 });
    fs.writeFileSync(passwordPath, `${randomBytes(12).toString("base64url")}\n`, { mode: 0o600 });
  }
  return fs.readFileSync(passwordPath, "utf8").trim();
}

/** The signing keys of the stand-ins, by role. */
export const SIGNING_KEYS = {
  docker: {
    uid: "vla-provision test bed: Docker repository stand-in <docker-stand-in@testbed.invalid>",
    file: "docker",
  },
  nvidia: {
    uid: "vla-provision test bed: NVIDIA repository stand-in <nvidia-stand-in@testbed.invalid>",
    file: "nvidia",
  },
  /** Never signs anything: tests use it as "the wrong key". */
  other: {
    uid: "vla-provision test bed: unrelated key <unrelated@testbed.invalid>",
    file: "other",
  },
};

function gpg(args) {
  return $`gpg --batch --quiet --homedir ${gnupgHome} ${args}`;
}

/**
 * Makes (once) the signing key of `role` and returns its fingerprint and the paths of its public
 * key, ASCII-armored and binary (dearmored).
 */
export async function ensureSigningKey(role) {
  const { uid, file } = SIGNING_KEYS[role];
  fs.mkdirSync(gnupgHome, { recursive: true, mode: 0o700 });
  const armored = path.join(paths.keys, `${file}.asc`);
  const binary = path.join(paths.keys, `${file}.gpg`);
  const fprFile = path.join(paths.keys, `${file}.fingerprint`);
  if (!fs.existsSync(fprFile)) {
    await gpg(["--passphrase", "", "--quick-generate-key", uid, "rsa3072", "sign", "never"]);
    const listing = (await gpg(["--with-colons", "--fingerprint", uid])).stdout;
    const fpr = listing
      .split("\n")
      .find((l) => l.startsWith("fpr:"))
      ?.split(":")[9];
    if (!fpr) throw new Error(`no fingerprint for ${uid}`);
    fs.writeFileSync(armored, (await gpg(["--armor", "--export", fpr])).stdout);
    await gpg(["--yes", "--output", binary, "--export", fpr]);
    fs.writeFileSync(fprFile, `${fpr}\n`);
  }
  return { fingerprint: fs.readFileSync(fprFile, "utf8").trim(), armored, binary };
}

/** Stops the gpg-agent that key generation and signing started for the test bed's keyring. */
export async function stopGpgAgent() {
  if (fs.existsSync(gnupgHome)) await $`gpgconf --homedir ${gnupgHome} --kill all`.nothrow();
}

/** Signs a Release file the way apt repositories are signed: InRelease and Release.gpg. */
export async function signRelease(role, dir) {
  const { fingerprint } = await ensureSigningKey(role);
  const release = path.join(dir, "Release");
  const base = [
    "--yes",
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--local-user",
    fingerprint,
    "--digest-algo",
    "SHA512",
  ];
  await gpg([...base, "--clearsign", "--output", path.join(dir, "InRelease"), release]);
  await gpg([
    ...base,
    "--armor",
    "--detach-sign",
    "--output",
    path.join(dir, "Release.gpg"),
    release,
  ]);
}
