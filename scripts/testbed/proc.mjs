// Small process, logging, hashing and locking helpers shared by the test-bed modules.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { $ } from "zx";

$.verbose = false;
$.quiet = true;

/** Progress goes to stderr: stdout carries only the JSON that `host` prints. */
export function log(...parts) {
  process.stderr.write(`[testbed] ${parts.join(" ")}\n`);
}

/** Runs `fn`, logs how long it took, and records the time under `name` in `timings`. */
export async function timed(name, fn, timings) {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    const seconds = (Date.now() - started) / 1000;
    if (timings) timings.push({ step: name, seconds });
    log(`${name}: ${seconds.toFixed(1)} s`);
  }
}

export async function sleep(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` until it returns a truthy value, at most `attempts` times and for at most
 * `timeoutMs` in all; throws `message` (with the last error) when it never succeeds.
 */
export async function waitFor(
  probe,
  { attempts = 120, timeoutMs = 120_000, intervalMs = 1000, message },
) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (let i = 0; i < attempts && Date.now() < deadline; i++) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = lastError
    ? `: ${String(lastError.message || lastError)
        .trim()
        .slice(-800)}`
    : "";
  throw new Error(`${message} (gave up after ${attempts} tries / ${timeoutMs / 1000} s)${detail}`);
}

/** sha256 over strings and files (a directory counts as all files below it, sorted). */
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export function hashInputs(inputs) {
  const hash = createHash("sha256");
  for (const input of inputs) {
    if (typeof input === "string" && input.startsWith("file:")) {
      for (const file of listFiles(input.slice(5))) {
        // Relative to the repository, so every checkout of the same sources shares the cache.
        hash.update(`${path.relative(REPO_ROOT, file)}\0`);
        hash.update(fs.readFileSync(file));
        hash.update("\0");
      }
    } else {
      hash.update(`${String(input)}\0`);
    }
  }
  return hash.digest("hex");
}

function listFiles(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return [target];
  return fs
    .readdirSync(target)
    .sort()
    .flatMap((entry) => listFiles(path.join(target, entry)));
}

/** Cache stamps: `readStamp(dir, "repos")` is the hash the last successful build recorded. */
export function readStamp(stateDir, step) {
  try {
    return fs.readFileSync(path.join(stateDir, `${step}.hash`), "utf8").trim();
  } catch {
    return "";
  }
}

export function writeStamp(stateDir, step, hash) {
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(path.join(stateDir, `${step}.hash`), `${hash}\n`);
}

/**
 * A directory lock so two test processes do not build the test bed at the same time. A lock whose
 * owner process is gone is taken over. Waits at most `timeoutMs`.
 */
export async function withLock(lockDir, fn, { timeoutMs = 20 * 60_000 } = {}) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (!lockOwnerAlive(lockDir)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`${lockDir} is still held after ${timeoutMs / 1000} s`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockOwnerAlive(lockDir) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
  } catch {
    return true; // being created right now
  }
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Debian archive for the test hosts: VLA_DEBIAN_MIRROR when set; else the one this machine's
 * apt uses (the first `URIs:` line of debian.sources, or a bookworm line of sources.list); else, on
 * a machine that is not Debian (a CI runner), debootstrap's own default archive.
 */
export function debianMirror() {
  if (process.env.VLA_DEBIAN_MIRROR) return process.env.VLA_DEBIAN_MIRROR;
  const sources = "/etc/apt/sources.list.d/debian.sources";
  if (fs.existsSync(sources)) {
    const line = fs
      .readFileSync(sources, "utf8")
      .split("\n")
      .find((l) => /^URIs:\s*\S/.test(l));
    if (line) return line.replace(/^URIs:\s*/, "").split(/\s+/)[0];
  }
  const list = "/etc/apt/sources.list";
  if (fs.existsSync(list)) {
    const m = fs.readFileSync(list, "utf8").match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m);
    if (m?.[1]) return m[1];
  }
  const debootstrap = "/usr/sbin/debootstrap";
  if (fs.existsSync(debootstrap)) {
    const m = fs.readFileSync(debootstrap, "utf8").match(/^DEF_MIRROR="([^"]+)"/m);
    if (m?.[1]) return m[1];
  }
  throw new Error(`no Debian archive: set VLA_DEBIAN_MIRROR, or install debootstrap`);
}

export { $ };
