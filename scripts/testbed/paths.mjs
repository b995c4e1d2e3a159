// Where the test bed keeps what it generates. Everything lives under one git-ignored directory
// (.testbed/ at the repository root, or $VLA_TESTBED_DIR), so deleting it resets the test bed.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const scriptsDir = path.dirname(fileURLToPath(import.meta.url));
export const assetsDir = path.join(scriptsDir, "assets");
export const repoRoot = path.resolve(scriptsDir, "..", "..");
export const testbedDir = path.resolve(
  process.env.VLA_TESTBED_DIR || path.join(repoRoot, ".testbed"),
);

export const paths = {
  root: testbedDir,
  /** debootstrapped trees, docker build contexts, package staging trees */
  build: path.join(testbedDir, "build"),
  /** .debs downloaded from Debian with apt-get download */
  cache: path.join(testbedDir, "cache"),
  /** the SSH client key, the repository signing keys, lab's password */
  keys: path.join(testbedDir, "keys"),
  /** the stand-in repositories, mounted read-only into every host */
  repos: path.join(testbedDir, "repos"),
  /** the Distribution registry's storage, mounted read-only into every host */
  registry: path.join(testbedDir, "registry"),
  /** one directory per started host: known_hosts, the host's /var/lib/docker */
  hosts: path.join(testbedDir, "hosts"),
  /** cache stamps: which input hash each step last built */
  state: path.join(testbedDir, "state"),
  lock: path.join(testbedDir, "setup.lock"),
};

/** Label put on every container and image the test bed makes; `down` finds them by it. */
export const LABEL = "vla-provision.testbed";
export const IMAGE_PREFIX = "vla-testbed";
