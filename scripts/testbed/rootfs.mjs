// The base root file system of every host image: Debian 12 from debootstrap (minbase), configured
// by assets/host/configure-base.sh. Cached in .testbed/build by a hash of its inputs.

import fs from "node:fs";
import path from "node:path";
import { debianAptOptions } from "./debian-apt.mjs";
import { ensureDebs } from "./debs.mjs";
import { assetsDir, paths } from "./paths.mjs";
import { $, debianMirror, hashInputs, log } from "./proc.mjs";

const hostAssets = path.join(assetsDir, "host");

/** Installed into the base tree by debootstrap (minbase adds only what these Depend on). */
export const BASE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "openssh-server",
  "sudo",
  "ca-certificates",
  "curl",
  "gnupg",
  "iproute2",
  "procps",
  "iptables",
  "kmod",
  "less",
  // What Debian's docker.io, containerd and runc Depend on (and Recommend, where cheap), so the
  // stand-in Docker packages install from the stand-in repository alone.
  "adduser",
  "lsb-base",
  "libdevmapper1.02.1",
  "libseccomp2",
  "libsystemd0",
  "pigz",
  "xz-utils",
];

/**
 * Debian's squid, a real HTTP proxy for the tests of --proxy. Its .debs, with those of everything
 * it needs beyond the base tree, are kept in every image under /opt/vla-testbed/debs/squid and NOT
 * installed: a test that wants a proxy installs them on its own host
 * (test/integration/_helpers/proxy.ts), so every other host stays a plain Debian host (no proxy
 * service, no perl beyond perl-base, which the nvidia-ctk test double must make do with).
 */
export const PROXY_PACKAGES = ["squid"];
export const PROXY_DEBS_DIR = "/opt/vla-testbed/debs/squid";

export function baseHash() {
  return hashInputs([
    "rootfs v1",
    debianMirror(),
    BASE_PACKAGES.join(","),
    PROXY_PACKAGES.join(","),
    `file:${path.join(import.meta.dirname, "rootfs.mjs")}`,
    `file:${path.join(hostAssets, "configure-base.sh")}`,
    `file:${path.join(hostAssets, "registry.yml")}`,
    `file:${path.join(hostAssets, "units", "vla-testbed-repos.service")}`,
    `file:${path.join(hostAssets, "units", "vla-testbed-registry.service")}`,
  ]).slice(0, 12);
}

/** debootstrap + configure-base.sh → a directory holding the base root file system. */
export async function baseRootfs(hash = baseHash()) {
  const dir = path.join(paths.build, `rootfs-debian12-${hash}`);
  if (fs.existsSync(path.join(dir, ".vla-testbed-complete"))) return dir;
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(paths.build, { recursive: true });
  const mirror = debianMirror();
  log(`debootstrap bookworm from ${mirror} (about a minute)`);
  const logFile = path.join(paths.build, "debootstrap.log");
  const result =
    await $`timeout 900 debootstrap --variant=minbase --include=${BASE_PACKAGES.join(",")} bookworm ${tmp} ${mirror} >${logFile} 2>&1`.nothrow();
  if (result.exitCode !== 0) {
    const tail = fs.readFileSync(logFile, "utf8").slice(-2000);
    throw new Error(`debootstrap failed (exit ${result.exitCode}), see ${logFile}:\n${tail}`);
  }
  // Test-bed services and their binaries live under /opt/vla-testbed, outside dpkg's view.
  const opt = path.join(tmp, "opt", "vla-testbed");
  fs.mkdirSync(path.join(opt, "bin"), { recursive: true });
  fs.copyFileSync("/bin/busybox", path.join(opt, "bin", "busybox"));
  fs.copyFileSync("/usr/bin/docker-registry", path.join(opt, "bin", "docker-registry"));
  fs.chmodSync(path.join(opt, "bin", "busybox"), 0o755);
  fs.chmodSync(path.join(opt, "bin", "docker-registry"), 0o755);
  fs.copyFileSync(path.join(hostAssets, "registry.yml"), path.join(opt, "registry.yml"));
  for (const unit of ["vla-testbed-repos.service", "vla-testbed-registry.service"]) {
    fs.copyFileSync(
      path.join(hostAssets, "units", unit),
      path.join(tmp, "etc/systemd/system", unit),
    );
  }
  fs.mkdirSync(path.join(tmp, "srv", "vla-testbed"), { recursive: true });
  await stageProxyDebs(tmp);
  fs.copyFileSync(
    path.join(hostAssets, "configure-base.sh"),
    path.join(tmp, "tmp", "configure-base.sh"),
  );
  await $`chroot ${tmp} /bin/sh /tmp/configure-base.sh`;
  fs.rmSync(path.join(tmp, "tmp", "configure-base.sh"));
  fs.writeFileSync(path.join(tmp, ".vla-testbed-complete"), `${hash}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  // Trees of earlier inputs are of no further use.
  for (const entry of fs.readdirSync(paths.build)) {
    if (/^rootfs-debian12-[0-9a-f]+$/.test(entry) && entry !== path.basename(dir)) {
      fs.rmSync(path.join(paths.build, entry), { recursive: true, force: true });
    }
  }
  return dir;
}

/**
 * The packages `apt-get install --no-install-recommends PROXY_PACKAGES` would install on `tree`
 * (Debian 12's apt lists, the tree's dpkg database), in apt's order: { name, version }.
 */
async function proxyClosure(tree) {
  const status = path.join(path.resolve(tree), "var", "lib", "dpkg", "status");
  const apt = await debianAptOptions();
  const simulate = () =>
    $`apt-get -s ${apt} -o Dir::State::status=${status} -o APT::Install-Recommends=false install ${PROXY_PACKAGES}`.nothrow();
  let result = await simulate();
  if (result.exitCode !== 0) {
    await $`timeout 300 apt-get update -o DPkg::Lock::Timeout=300 ${apt}`;
    result = await simulate();
  }
  if (result.exitCode !== 0)
    throw new Error(`apt-get -s install ${PROXY_PACKAGES.join(" ")}:\n${result.stderr}`);
  // "Inst perl-base [5.36.0-7+deb12u3] (5.36.0-7+deb12u4 Debian-Security:12/... [amd64])"
  const packages = [...result.stdout.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /gm)].map(
    (m) => ({ name: m[1].replace(/:.*$/, ""), version: m[2] }),
  );
  const names = packages.map((p) => p.name);
  if (!PROXY_PACKAGES.every((name) => names.includes(name)))
    throw new Error(`apt-get -s install ${PROXY_PACKAGES.join(" ")}:\n${result.stdout}`);
  return packages;
}

/** Copies the .debs of PROXY_PACKAGES and what they need into the tree (not installed). */
async function stageProxyDebs(tree) {
  const packages = await proxyClosure(tree);
  // A cached .deb of another version (the archive moved on) is fetched again.
  const cached = path.join(paths.cache, "debs");
  for (const { name, version } of packages) {
    const want = `${name}_${version.replace(":", "%3a")}_`;
    for (const file of fs.existsSync(cached) ? fs.readdirSync(cached) : []) {
      if (file.startsWith(`${name}_`) && file.endsWith(".deb") && !file.startsWith(want))
        fs.rmSync(path.join(cached, file));
    }
  }
  const debs = await ensureDebs(packages.map((p) => p.name));
  const dir = path.join(tree, PROXY_DEBS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  for (const deb of debs) fs.copyFileSync(deb, path.join(dir, path.basename(deb)));
  log(`staged ${debs.length} .debs for ${PROXY_PACKAGES.join(", ")} in ${PROXY_DEBS_DIR}`);
}
