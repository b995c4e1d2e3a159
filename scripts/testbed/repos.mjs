// `repos`: the stand-in apt repositories, cached by a hash of their inputs.
//   docker/linux/{debian,ubuntu}/   the layout of download.docker.com/linux/{debian,ubuntu}
//   nvidia/libnvidia-container/     the layout of nvidia.github.io/libnvidia-container
// The Docker packages repackage Debian 12's docker.io, containerd and runc, so a real dockerd runs
// on the hosts, and Debian 13's docker-compose (Compose v2) as docker-compose-plugin; the NVIDIA
// packages are test doubles that keep nvidia-ctk's documented interface.
import fs from "node:fs";
import path from "node:path";
import { buildDeb } from "./debpkg.mjs";
import { ensureDebs } from "./debs.mjs";
import { ensureSigningKey, signRelease, stopGpgAgent } from "./keys.mjs";
import { assetsDir, paths } from "./paths.mjs";
import { $, hashInputs, log, readStamp, timed, writeStamp } from "./proc.mjs";

const dockerAssets = path.join(assetsDir, "repos", "docker");
const nvidiaAssets = path.join(assetsDir, "repos", "nvidia");

/** Debian's packages whose binaries the stand-in Docker packages carry. */
export const SOURCE_DEBS = ["docker.io", "containerd", "runc", "tini"];

export const DOCKER_DISTROS = [
  { id: "debian", codename: "bookworm", suffix: "debian.12~bookworm" },
  { id: "ubuntu", codename: "noble", suffix: "ubuntu.24.04~noble" },
];
/** docker-ce and docker-ce-cli come in two versions (same binaries) so pinning can be tested. */
export const DOCKER_VERSIONS = ["20.10.24", "20.10.25"];
export const CONTAINERD_VERSION = "1.6.20-1";
export const BUILDX_VERSION = "0.10.5";
/** docker-compose-plugin carries the Compose v2 binary of this Debian release's docker-compose. */
export const COMPOSE_SOURCE = { name: "docker-compose", suite: "trixie" };
export const NVIDIA_VERSIONS = ["1.17.8-1", "1.18.0-1"];

const STAND_IN = "Test-bed stand-in built by the vla-provision test bed from Debian 12's packages:";
const DOCKER_MAINTAINER = "Docker <support@docker.com>";
const NVIDIA_MAINTAINER = "NVIDIA CORPORATION <cudatools@nvidia.com>";

export function reposHash(fingerprints) {
  return hashInputs([
    "repos v1",
    ...fingerprints,
    SOURCE_DEBS.join(","),
    `${COMPOSE_SOURCE.name}@${COMPOSE_SOURCE.suite}`,
    `file:${path.join(import.meta.dirname, "repos.mjs")}`,
    `file:${path.join(import.meta.dirname, "debpkg.mjs")}`,
    `file:${path.join(assetsDir, "repos")}`,
  ]).slice(0, 12);
}

function fill(template, values) {
  return Object.entries(values).reduce((text, [k, v]) => text.replaceAll(`@${k}@`, v), template);
}

function asset(dir, name, values = {}) {
  return fill(fs.readFileSync(path.join(dir, name), "utf8"), values);
}

async function unpack(deb, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await $`dpkg-deb -x ${deb} ${dir}`;
  return dir;
}

/** Trees of Debian's docker.io, containerd, runc and tini, unpacked. */
async function sourceTrees() {
  const [dockerIo, containerd, runc, tini] = await ensureDebs(SOURCE_DEBS);
  const base = path.join(paths.build, "src-debs");
  const [compose] = await ensureDebs([COMPOSE_SOURCE.name], { suite: COMPOSE_SOURCE.suite });
  // "2.26.1-4" -> "2.26.1"
  const composeVersion = (await $`dpkg-deb -f ${compose} Version`).stdout
    .trim()
    .replace(/^\d+:/, "")
    .replace(/-[^-]*$/, "");
  return {
    compose: await unpack(compose, path.join(base, "docker-compose")),
    composeVersion,
    dockerIo: await unpack(dockerIo, path.join(base, "docker.io")),
    containerd: await unpack(containerd, path.join(base, "containerd")),
    runc: await unpack(runc, path.join(base, "runc")),
    tini: await unpack(tini, path.join(base, "tini")),
  };
}

function exe(src, dest) {
  return { src, dest, mode: 0o755 };
}

/** The package definitions of Docker's repository for one distribution. */
function dockerPackages(src, distro) {
  const v = (upstream) => `5:${upstream}-1~${distro.suffix}`;
  const pkgs = [];
  const debianSource = "docker.io, containerd and runc";
  pkgs.push({
    name: "containerd.io",
    version: CONTAINERD_VERSION,
    maintainer: "Containerd team <help@containerd.io>",
    homepage: "https://containerd.io",
    description: `An open and reliable container runtime
${STAND_IN} the binaries of Debian 12's containerd and runc.
Do not install it outside the test bed.`,
    fields: {
      Depends: "libc6 (>= 2.34), libseccomp2 (>= 2.5.0)",
      Conflicts: "containerd, runc",
      Replaces: "containerd, runc",
      Provides: "containerd, runc",
    },
    files: [
      ...[
        "containerd",
        "containerd-shim",
        "containerd-shim-runc-v1",
        "containerd-shim-runc-v2",
        "ctr",
      ].map((b) => exe(path.join(src.containerd, "usr/bin", b), `usr/bin/${b}`)),
      exe(path.join(src.runc, "usr/sbin/runc"), "usr/bin/runc"),
      {
        src: path.join(src.containerd, "lib/systemd/system/containerd.service"),
        dest: "lib/systemd/system/containerd.service",
      },
      {
        src: path.join(dockerAssets, "containerd-config.toml"),
        dest: "etc/containerd/config.toml",
      },
    ],
    conffiles: ["/etc/containerd/config.toml"],
    scripts: {
      postinst: asset(dockerAssets, "containerd.io.postinst"),
      prerm: asset(dockerAssets, "service.prerm", { UNITS: "'containerd.service'" }),
      postrm: asset(dockerAssets, "service.postrm", { UNITS: "'containerd.service'" }),
    },
  });
  for (const upstream of DOCKER_VERSIONS) {
    pkgs.push({
      name: "docker-ce-cli",
      version: v(upstream),
      maintainer: DOCKER_MAINTAINER,
      homepage: "https://www.docker.com",
      description: `Docker CLI: the open-source application container engine
${STAND_IN} the docker client of Debian 12's docker.io (${upstream} in name only).
Do not install it outside the test bed.`,
      fields: {
        Depends: "libc6 (>= 2.34)",
        Recommends: "docker-buildx-plugin, docker-compose-plugin",
        Conflicts: "docker (<< 1.5~), docker-engine, docker.io",
        Replaces: "docker-ce (<< 5:0), docker-engine, docker.io",
        Breaks: "docker-ce (<< 5:0)",
      },
      files: [exe(path.join(src.dockerIo, "usr/bin/docker"), "usr/bin/docker")],
    });
    pkgs.push({
      name: "docker-ce",
      version: v(upstream),
      maintainer: DOCKER_MAINTAINER,
      homepage: "https://www.docker.com",
      description: `Docker: the open-source application container engine
${STAND_IN} dockerd of Debian 12's ${debianSource} (${upstream} in name only).
Do not install it outside the test bed.`,
      fields: {
        Depends:
          "containerd.io (>= 1.6.4), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0), libc6 (>= 2.34), libdevmapper1.02.1 (>= 2:1.02.97), libsystemd0",
        Recommends: "ca-certificates, pigz, procps, xz-utils",
        Conflicts:
          "docker (<< 1.5~), docker-engine, docker-engine-cs, docker.io, lxc-docker, lxc-docker-virtual-package",
        Replaces: "docker-engine, docker.io",
      },
      files: [
        exe(path.join(src.dockerIo, "usr/sbin/dockerd"), "usr/bin/dockerd"),
        exe(path.join(src.dockerIo, "usr/sbin/docker-proxy"), "usr/bin/docker-proxy"),
        exe(path.join(src.tini, "usr/bin/tini-static"), "usr/bin/docker-init"),
        {
          src: path.join(dockerAssets, "docker.service"),
          dest: "lib/systemd/system/docker.service",
        },
        { src: path.join(dockerAssets, "docker.socket"), dest: "lib/systemd/system/docker.socket" },
        { src: path.join(dockerAssets, "docker.init"), dest: "etc/init.d/docker", mode: 0o755 },
        { src: path.join(dockerAssets, "docker.default"), dest: "etc/default/docker" },
      ],
      conffiles: ["/etc/default/docker", "/etc/init.d/docker"],
      scripts: {
        postinst: asset(dockerAssets, "docker-ce.postinst"),
        prerm: asset(dockerAssets, "service.prerm", { UNITS: "'docker.service' 'docker.socket'" }),
        postrm: asset(dockerAssets, "service.postrm", {
          UNITS: "'docker.service' 'docker.socket'",
        }),
      },
    });
  }
  pkgs.push({
    name: "docker-compose-plugin",
    version: `${src.composeVersion}-1~${distro.suffix}`,
    maintainer: DOCKER_MAINTAINER,
    homepage: "https://www.docker.com",
    description: `Docker Compose (V2) plugin for the Docker CLI
Test-bed stand-in built by the vla-provision test bed: the Compose v2 binary of Debian 13's
docker-compose ${src.composeVersion}, at the path Docker's package puts it.
Do not install it outside the test bed.`,
    fields: { Depends: "libc6 (>= 2.34)", Enhances: "docker-ce-cli" },
    files: [
      exe(
        path.join(src.compose, "usr/libexec/docker/cli-plugins/docker-compose"),
        "usr/libexec/docker/cli-plugins/docker-compose",
      ),
    ],
  });
  const plugins = [
    {
      name: "docker-buildx-plugin",
      plugin: "buildx",
      upstream: BUILDX_VERSION,
      short: "Docker Buildx",
      versionLine: `github.com/docker/buildx v${BUILDX_VERSION} 0000000`,
    },
  ];
  for (const p of plugins) {
    pkgs.push({
      name: p.name,
      version: `${p.upstream}-1~${distro.suffix}`,
      maintainer: DOCKER_MAINTAINER,
      homepage: "https://www.docker.com",
      description: `${p.short} plugin for the Docker CLI (TEST DOUBLE)
Test-bed stand-in built by the vla-provision test bed: Debian 12 has no ${p.short} v2 to
repackage, so this ships a test double that answers the Docker CLI plugin metadata protocol and
'docker ${p.plugin} version' only. Do not install it outside the test bed.`,
      fields: { Depends: "", Enhances: "docker-ce-cli" },
      files: [
        {
          dest: `usr/libexec/docker/cli-plugins/docker-${p.plugin}`,
          mode: 0o755,
          content: asset(dockerAssets, "cli-plugin", {
            NAME: p.plugin,
            PACKAGE: p.name,
            VERSION: p.upstream,
            SHORT: p.short,
            VERSION_LINE: p.versionLine,
          }),
        },
      ],
    });
  }
  return pkgs;
}

/** The package definitions of NVIDIA's repository (test doubles). */
function nvidiaPackages() {
  const pkgs = [];
  for (const version of NVIDIA_VERSIONS) {
    const upstream = version.replace(/-\d+$/, "");
    const values = { VERSION: upstream, COMMIT: `testbed-${upstream.replaceAll(".", "")}` };
    const double = (what) => `${what} (TEST DOUBLE)
TEST DOUBLE built by the vla-provision test bed; it stands in for NVIDIA's package of this name
and does not drive a GPU. Do not install it outside the test bed.`;
    pkgs.push({
      name: "libnvidia-container1",
      version,
      maintainer: NVIDIA_MAINTAINER,
      homepage: "https://github.com/NVIDIA/libnvidia-container",
      section: "libs",
      description: double("NVIDIA container runtime library"),
      fields: { Depends: "libc6 (>= 2.34)" },
      files: [
        {
          dest: "usr/share/doc/libnvidia-container1/TEST-DOUBLE",
          content:
            "This package is a test double of the vla-provision test bed; it ships no library.\n",
        },
      ],
    });
    pkgs.push({
      name: "libnvidia-container-tools",
      version,
      maintainer: NVIDIA_MAINTAINER,
      homepage: "https://github.com/NVIDIA/libnvidia-container",
      section: "utils",
      description: double("NVIDIA container runtime library (command-line tools)"),
      fields: { Depends: `libnvidia-container1 (>= ${version}), libc6 (>= 2.34)` },
      files: [
        {
          dest: "usr/bin/nvidia-container-cli",
          mode: 0o755,
          content: asset(nvidiaAssets, "nvidia-container-cli", values),
        },
      ],
    });
    pkgs.push({
      name: "nvidia-container-toolkit-base",
      version,
      maintainer: NVIDIA_MAINTAINER,
      homepage: "https://github.com/NVIDIA/nvidia-container-toolkit",
      section: "utils",
      description: double("NVIDIA Container Toolkit Base"),
      fields: {
        Depends: "perl-base",
        Breaks: `nvidia-container-toolkit (<< ${version})`,
        Replaces: `nvidia-container-toolkit (<< ${version})`,
      },
      files: [
        {
          dest: "usr/bin/nvidia-ctk",
          mode: 0o755,
          content: asset(nvidiaAssets, "nvidia-ctk", values),
        },
        {
          dest: "usr/bin/nvidia-container-runtime",
          mode: 0o755,
          content: asset(nvidiaAssets, "nvidia-container-runtime", values),
        },
      ],
    });
    pkgs.push({
      name: "nvidia-container-toolkit",
      version,
      maintainer: NVIDIA_MAINTAINER,
      homepage: "https://github.com/NVIDIA/nvidia-container-toolkit",
      section: "utils",
      description: double("NVIDIA Container Toolkit"),
      fields: {
        Depends: `nvidia-container-toolkit-base (= ${version}), libnvidia-container-tools (>= ${version}), libnvidia-container-tools (<< 2.0.0), perl-base`,
      },
      files: [
        {
          dest: "usr/bin/nvidia-container-runtime-hook",
          mode: 0o755,
          content: asset(nvidiaAssets, "nvidia-container-runtime-hook", values),
        },
        { dest: "usr/bin/nvidia-container-toolkit", link: "nvidia-container-runtime-hook" },
      ],
    });
  }
  return pkgs;
}

const RELEASE_CONF = (fields) =>
  Object.entries(fields)
    .map(([k, v]) => `APT::FTPArchive::Release::${k} "${v}";`)
    .join("\n");

/** Packages, Packages.gz of one directory of .debs, relative to `cwd`. */
async function writePackages(cwd, debDir, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const packages = (await $({ cwd })`apt-ftparchive packages ${debDir}`).stdout;
  fs.writeFileSync(path.join(outDir, "Packages"), packages);
  await $`gzip -9nkf ${path.join(outDir, "Packages")}`;
}

async function writeRelease(dir, fields, role) {
  const conf = path.join(paths.build, `release-${role}.conf`);
  fs.writeFileSync(conf, `${RELEASE_CONF(fields)}\n`);
  const release = (await $({ cwd: dir })`apt-ftparchive -c ${conf} release .`).stdout;
  fs.writeFileSync(path.join(dir, "Release"), release);
  await signRelease(role, dir);
}

async function buildDockerRepo(out, src, keys) {
  const staging = path.join(paths.build, "pkg-staging");
  for (const distro of DOCKER_DISTROS) {
    const root = path.join(out, "docker", "linux", distro.id);
    const pool = path.join(root, "dists", distro.codename, "pool", "stable", "amd64");
    for (const pkg of dockerPackages(src, distro)) await buildDeb(pkg, staging, pool);
    const dist = path.join(root, "dists", distro.codename);
    // Docker's layout: Filename: dists/<codename>/pool/stable/amd64/<deb>, relative to the root.
    await writePackages(root, path.relative(root, pool), path.join(dist, "stable", "binary-amd64"));
    await writeRelease(
      dist,
      {
        Origin: "Docker",
        Label: "Docker CE",
        Suite: distro.codename,
        Codename: distro.codename,
        Architectures: "amd64",
        Components: "stable",
        Description: "vla-provision test bed: stand-in of Docker CE's repository",
      },
      "docker",
    );
    fs.copyFileSync(keys.docker.armored, path.join(root, "gpg"));
  }
}

async function buildNvidiaRepo(out, keys) {
  const root = path.join(out, "nvidia", "libnvidia-container");
  const flat = path.join(root, "stable", "deb", "amd64");
  const staging = path.join(paths.build, "pkg-staging");
  for (const pkg of nvidiaPackages()) await buildDeb(pkg, staging, flat);
  // A flat repository: `deb [signed-by=...] <repo>/stable/deb/$(ARCH) /`.
  const packages = (await $({ cwd: flat })`apt-ftparchive packages .`).stdout;
  fs.writeFileSync(path.join(flat, "Packages"), packages);
  await $`gzip -9nkf ${path.join(flat, "Packages")}`;
  await writeRelease(
    flat,
    {
      Origin: "https://nvidia.github.io/libnvidia-container/stable/deb",
      Label: "https://nvidia.github.io/libnvidia-container/stable/deb",
      Architectures: "amd64",
      Description: "vla-provision test bed: stand-in of NVIDIA's libnvidia-container repository",
    },
    "nvidia",
  );
  fs.copyFileSync(keys.nvidia.armored, path.join(root, "gpgkey"));
  fs.writeFileSync(
    path.join(root, "stable", "deb", "nvidia-container-toolkit.list"),
    "deb http://127.0.0.1:8080/nvidia/libnvidia-container/stable/deb/$(ARCH) /\n",
  );
}

/** Builds the stand-in repositories into .testbed/repos unless they are current. */
export async function repos({ timings } = {}) {
  try {
    return await buildRepos(timings);
  } finally {
    await stopGpgAgent();
  }
}

async function buildRepos(timings) {
  const keys = {
    docker: await ensureSigningKey("docker"),
    nvidia: await ensureSigningKey("nvidia"),
  };
  await ensureSigningKey("other");
  const hash = reposHash([keys.docker.fingerprint, keys.nvidia.fingerprint]);
  const done = fs.existsSync(path.join(paths.repos, "docker", "linux", "debian", "gpg"));
  if (done && readStamp(paths.state, "repos") === hash) {
    log(`repos up to date (${hash})`);
    return keys;
  }
  const src = await timed(
    "repos: fetch and unpack Debian's docker.io, containerd, runc, docker-compose",
    sourceTrees,
    timings,
  );
  // Built next to the live tree, then swapped in, so a half-built tree is never served.
  const tmp = `${paths.repos}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await timed("repos: Docker stand-in", () => buildDockerRepo(tmp, src, keys), timings);
  await timed("repos: NVIDIA stand-in", () => buildNvidiaRepo(tmp, keys), timings);
  fs.mkdirSync(paths.repos, { recursive: true });
  for (const top of ["docker", "nvidia"]) {
    fs.rmSync(path.join(paths.repos, top), { recursive: true, force: true });
    fs.renameSync(path.join(tmp, top), path.join(paths.repos, top));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(path.join(paths.build, "src-debs"), { recursive: true, force: true });
  writeStamp(paths.state, "repos", hash);
  log(`Docker stand-in key: ${keys.docker.fingerprint}`);
  log(`NVIDIA stand-in key: ${keys.nvidia.fingerprint}`);
  return keys;
}
