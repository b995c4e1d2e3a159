import { describe, expect, it } from "vitest";
import {
  APT_GET,
  aptInstall,
  aptRemove,
  parseMadison,
  parsePackagesIndex,
} from "../../src/apt/apt.js";
import { resolveVersion, satisfiesRange, upstreamSemver } from "../../src/apt/versions.js";

describe("upstreamSemver", () => {
  it("reads Docker's current version scheme", () => {
    expect(upstreamSemver("5:27.5.1-1~ubuntu.24.04~noble")).toBe("27.5.1");
    expect(upstreamSemver("5:20.10.24-1~debian.12~bookworm")).toBe("20.10.24");
    expect(upstreamSemver("5:28.0.0~rc.1-1~debian.12~bookworm")).toBe("28.0.0-rc.1");
  });

  it("reads NVIDIA's and Debian's schemes", () => {
    expect(upstreamSemver("1.17.8-1")).toBe("1.17.8");
    expect(upstreamSemver("1.14.0~rc.2-1")).toBe("1.14.0-rc.2");
    expect(upstreamSemver("20.10.24+dfsg1-1+deb12u1+b6")).toBe("20.10.24");
    expect(upstreamSemver("2.8.3")).toBe("2.8.3");
  });

  it("reads Docker's 20.10 scheme with a packaging iteration and a hyphenated codename", () => {
    // What Docker published for Ubuntu 22.04 until 23.0: "5:20.10.14~3-0~ubuntu-jammy".
    expect(upstreamSemver("5:20.10.14~3-0~ubuntu-jammy")).toBe("20.10.14");
  });

  it("gives undefined for text without a version", () => {
    expect(upstreamSemver("garbage")).toBeUndefined();
  });
});

describe("satisfiesRange", () => {
  it("compares the upstream part", () => {
    expect(satisfiesRange("5:27.5.1-1~ubuntu.24.04~noble", "27.5")).toBe(true);
    expect(satisfiesRange("5:27.5.1-1~ubuntu.24.04~noble", ">=28")).toBe(false);
    expect(satisfiesRange("garbage", "*")).toBe(false);
  });
});

const OFFERED = [
  "5:27.5.1-1~debian.12~bookworm",
  "5:28.0.4-1~debian.12~bookworm",
  "5:28.1.1-1~debian.12~bookworm",
];

describe("resolveVersion", () => {
  it("picks the newest version in a major series", () => {
    expect(resolveVersion("docker-ce", "28", OFFERED)).toEqual({
      ok: true,
      version: "5:28.1.1-1~debian.12~bookworm",
    });
  });

  it("picks by tilde range and by exact version", () => {
    expect(resolveVersion("docker-ce", "~27.5", OFFERED)).toEqual({
      ok: true,
      version: "5:27.5.1-1~debian.12~bookworm",
    });
    expect(resolveVersion("docker-ce", "27.5.1", OFFERED)).toEqual({
      ok: true,
      version: "5:27.5.1-1~debian.12~bookworm",
    });
    expect(resolveVersion("docker-ce", "28.0.4", [...OFFERED].reverse())).toEqual({
      ok: true,
      version: "5:28.0.4-1~debian.12~bookworm",
    });
  });

  it("lists what is available when nothing matches", () => {
    expect(resolveVersion("docker-ce", "29", OFFERED)).toEqual({
      ok: false,
      error: 'no docker-ce version satisfies "29"; the repository offers: 28.1.1, 28.0.4, 27.5.1',
    });
    expect(resolveVersion("docker-ce", "29", [])).toEqual({
      ok: false,
      error: 'no docker-ce version satisfies "29"; the repository offers: none',
    });
  });

  it("does not offer a release candidate for a plain range", () => {
    const withRc = [...OFFERED, "5:29.0.0~rc.1-1~debian.12~bookworm"];
    expect(resolveVersion("docker-ce", "*", withRc)).toEqual({
      ok: true,
      version: "5:28.1.1-1~debian.12~bookworm",
    });
  });

  it("finds Docker 20.10 on Ubuntu 22.04", () => {
    expect(
      resolveVersion("docker-ce", "20.10", [
        "5:20.10.13~3-0~ubuntu-jammy",
        "5:20.10.14~3-0~ubuntu-jammy",
      ]),
    ).toEqual({ ok: true, version: "5:20.10.14~3-0~ubuntu-jammy" });
  });

  it("prefers the newer Debian revision of the same upstream version", () => {
    expect(
      resolveVersion("docker-ce", "27.5.1", [
        "5:27.5.1-1~debian.12~bookworm",
        "5:27.5.1-2~debian.12~bookworm",
      ]),
    ).toEqual({ ok: true, version: "5:27.5.1-2~debian.12~bookworm" });
  });
});

// Shaped like https://download.docker.com/linux/debian/dists/bookworm/stable/binary-amd64/Packages
// (checksum fields left out; the parser reads Package and Version only).
const PACKAGES = `Package: containerd.io
Architecture: amd64
Version: 1.7.27-1
Priority: optional
Section: devel
Maintainer: Containerd team <help@containerd.io>
Installed-Size: 117442
Provides: containerd, runc
Depends: libc6 (>= 2.34), libseccomp2 (>= 2.5.0)
Conflicts: containerd, runc
Replaces: containerd, runc
Filename: dists/bookworm/pool/stable/amd64/containerd.io_1.7.27-1_amd64.deb
Size: 30617704
Description: An open and reliable container runtime

Package: docker-ce
Architecture: amd64
Version: 5:27.5.1-1~debian.12~bookworm
Priority: optional
Section: admin
Maintainer: Docker <support@docker.com>
Installed-Size: 101844
Provides: docker-engine
Depends: containerd.io (>= 1.6.24), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0), libc6 (>= 2.34), libsystemd0
Recommends: apparmor, ca-certificates, git, iptables, libltdl7, pigz, procps, xz-utils
Suggests: aufs-tools, cgroupfs-mount | cgroup-lite
Conflicts: docker (<< 1.5~), docker-engine, docker.io
Replaces: docker-engine
Filename: dists/bookworm/pool/stable/amd64/docker-ce_27.5.1-1~debian.12~bookworm_amd64.deb
Size: 25767584
Homepage: https://www.docker.com
Description: Docker: the open-source application container engine
 Docker is a product for you to build, ship and run any application as a
 lightweight container
 .
 Docker containers are both hardware-agnostic and platform-agnostic.

Package: docker-ce
Architecture: amd64
Version: 5:28.1.1-1~debian.12~bookworm
Priority: optional
Section: admin
Maintainer: Docker <support@docker.com>
Installed-Size: 104052
Provides: docker-engine
Depends: containerd.io (>= 1.6.24), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0), libc6 (>= 2.34), libsystemd0
Filename: dists/bookworm/pool/stable/amd64/docker-ce_28.1.1-1~debian.12~bookworm_amd64.deb
Size: 26301928
Homepage: https://www.docker.com
Description: Docker: the open-source application container engine
 Docker is a product for you to build, ship and run any application as a
 lightweight container
`;

describe("parsePackagesIndex", () => {
  it("collects every version of every package, in index order", () => {
    expect([...parsePackagesIndex(PACKAGES)]).toEqual([
      ["containerd.io", ["1.7.27-1"]],
      ["docker-ce", ["5:27.5.1-1~debian.12~bookworm", "5:28.1.1-1~debian.12~bookworm"]],
    ]);
  });

  it("feeds resolveVersion", () => {
    const offered = parsePackagesIndex(PACKAGES).get("docker-ce") ?? [];
    expect(resolveVersion("docker-ce", "27", offered)).toEqual({
      ok: true,
      version: "5:27.5.1-1~debian.12~bookworm",
    });
  });

  it("gives an empty map for an empty index", () => {
    expect(parsePackagesIndex("").size).toBe(0);
  });
});

const MADISON = [
  " docker-ce | 5:28.1.1-1~ubuntu.24.04~noble | https://download.docker.com/linux/ubuntu noble/stable amd64 Packages",
  " docker-ce | 5:28.0.4-1~ubuntu.24.04~noble | https://download.docker.com/linux/ubuntu noble/stable amd64 Packages",
  " docker-ce | 5:27.5.1-1~ubuntu.24.04~noble | https://download.docker.com/linux/ubuntu noble/stable amd64 Packages",
  "docker-ce-cli | 5:28.1.1-1~ubuntu.24.04~noble | https://download.docker.com/linux/ubuntu noble/stable amd64 Packages",
  "",
].join("\n");

describe("parseMadison", () => {
  it("collects the versions per package, newest first as apt prints them", () => {
    expect([...parseMadison(MADISON)]).toEqual([
      [
        "docker-ce",
        [
          "5:28.1.1-1~ubuntu.24.04~noble",
          "5:28.0.4-1~ubuntu.24.04~noble",
          "5:27.5.1-1~ubuntu.24.04~noble",
        ],
      ],
      ["docker-ce-cli", ["5:28.1.1-1~ubuntu.24.04~noble"]],
    ]);
  });

  it("ignores lines that are not madison rows", () => {
    expect(parseMadison("N: Unable to locate package docker-ce\n").size).toBe(0);
  });
});

describe("apt-get command lines", () => {
  it("never asks and keeps changed config files", () => {
    expect(aptInstall(["docker-ce=5:28.1.1-1~debian.12~bookworm", "containerd.io"])).toBe(
      `${APT_GET} install --no-install-recommends 'docker-ce=5:28.1.1-1~debian.12~bookworm' containerd.io`,
    );
    expect(aptRemove(["docker.io"])).toBe(`${APT_GET} remove docker.io`);
    expect(APT_GET).toBe(
      "DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o APT::Status-Fd=1",
    );
  });
});
