/**
 * Every step, without a host: facts captured on test-bed hosts (test/fixtures/steps, see its
 * README) and options in, the step's plan out — for a fresh host, a provisioned one and one that is
 * partly done.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { Action } from "../../src/actions/types.js";
import { type Decisions, initialDecisions } from "../../src/decisions.js";
import type { PlanContext, Step, StepPlan } from "../../src/engine/step.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import type { ProvisionOptions } from "../../src/options.js";
import { PIPELINE, STEPS } from "../../tasks/index.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/steps");
const PROBES = resolve(import.meta.dirname, "../fixtures/probe");

type Capture =
  | "debian12-fresh"
  | "debian12-done"
  | "debian12-partly"
  | "debian12-gpu-fresh"
  | "debian12-gpu-done";

function facts(capture: Capture, extraSections = ""): Facts {
  const text = readFileSync(resolve(FIXTURES, `${capture}.probe.txt`), "utf8");
  return parseProbe(`${text}\n${extraSections}`, "ops");
}

/** The options the capture's host was provisioned with (its stand-in repositories and keys). */
function options(capture: Capture, extra: Partial<ProvisionOptions> = {}): ProvisionOptions {
  const variant = capture.startsWith("debian12-gpu") ? "debian12-gpu" : "debian12";
  const args: string[] = JSON.parse(
    readFileSync(resolve(FIXTURES, `${variant}.args.json`), "utf8"),
  );
  const value = (flag: string) => args[args.indexOf(flag) + 1] ?? "";
  return {
    ...TEST_OPTIONS,
    verify: true,
    dockerRepo: value("--docker-repo"),
    dockerKeyFingerprint: value("--docker-key-fingerprint"),
    nvidiaRepo: value("--nvidia-repo"),
    nvidiaKeyFingerprint: value("--nvidia-key-fingerprint"),
    registryMirrors: [value("--registry-mirror")],
    ...extra,
  };
}

const REPO = "http://127.0.0.1:8080";

function context(
  capture: Capture,
  extra: {
    options?: Partial<ProvisionOptions>;
    facts?: Facts;
    decisions?: Partial<Decisions>;
  } = {},
): PlanContext {
  const ctx = {
    facts: extra.facts ?? facts(capture),
    options: options(capture, extra.options),
    decisions: { ...initialDecisions("ops"), ...extra.decisions },
  };
  return ctx;
}

function step(id: string): Step {
  const found = STEPS.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

/** What the runner does with a step: skip it, or plan it. */
function planOf(id: string, ctx: PlanContext): StepPlan | { skipped: string } {
  const skipped = step(id).skipReason?.(ctx);
  return skipped ? { skipped } : step(id).plan(ctx);
}

function actionsOf(id: string, ctx: PlanContext): Action[] {
  const plan = planOf(id, ctx);
  if ("skipped" in plan || plan.done) throw new Error(`${id} has nothing to do`);
  return plan.actions;
}

const doneReason = (id: string, ctx: PlanContext) => {
  const plan = planOf(id, ctx);
  return "done" in plan && plan.done ? plan.reason : undefined;
};

describe("on a provisioned host every change step is done, with its reason", () => {
  it.each<Capture>(["debian12-done", "debian12-gpu-done"])("%s", (capture) => {
    const ctx = context(capture, { decisions: { cudaImage: { image: "cuda", reason: "r" } } });
    for (const s of STEPS.filter((s) => s.kind === "change")) {
      const plan = planOf(s.id, ctx);
      if ("skipped" in plan && s.id === "proxy-settings") {
        expect(plan.skipped).toBe("no proxy (--proxy, or https_proxy in a local run)");
      } else if ("skipped" in plan) {
        expect(capture, s.id).toBe("debian12-done");
        expect(plan.skipped).toBe("no NVIDIA GPU on this host");
      } else {
        expect(plan.done, s.id).toBe(true);
      }
    }
  });
});

describe("docker-conflicts", () => {
  it("fresh and provisioned: nothing to remove", () => {
    expect(doneReason("docker-conflicts", context("debian12-fresh"))).toBe(
      "no conflicting packages installed",
    );
  });

  it("docker.io installed: apt removes it, the collateral removal is set apart, /var/lib/docker kept", () => {
    const installed = [
      "@@vla dpkg",
      "ca-certificates\tii \t20230311+deb12u1",
      "curl\tii \t7.88.1-10+deb12u15",
      "docker.io\tii \t20.10.24+dfsg1-1+deb12u1+b6",
      "containerd\tii \t1.6.20~ds1-1+deb12u3",
      "runc\tii \t1.1.5+ds1-1+deb12u1",
      "@@vla-rc 0",
      readFileSync(resolve(PROBES, "debian12-apt-remove-collateral.sections.txt"), "utf8"),
    ].join("\n");
    const ctx = context("debian12-fresh", { facts: facts("debian12-fresh", installed) });
    expect(actionsOf("docker-conflicts", ctx)).toEqual([
      { kind: "apt-remove", packages: ["docker.io", "containerd", "runc"] },
      { kind: "note", text: "apt would remove: docker.io, containerd, runc" },
      {
        kind: "note",
        text: "apt would ALSO remove, as they depend on those (not conflicting packages): docker-clean",
      },
      { kind: "note", text: "/var/lib/docker (images, containers, volumes) is kept" },
    ]);
  });

  it("a snap Docker is removed only with --replace-snap-docker", () => {
    const snap = "@@vla snap-docker\nName    Version   Rev\ndocker  24.0.5    2915\n@@vla-rc 0";
    const withSnap = facts("debian12-fresh", snap);
    expect(doneReason("docker-conflicts", context("debian12-fresh", { facts: withSnap }))).toBe(
      "no conflicting packages installed",
    );
    const replace = context("debian12-fresh", {
      facts: withSnap,
      options: { replaceSnapDocker: true },
    });
    expect(actionsOf("docker-conflicts", replace)[0]).toEqual({
      kind: "snap-remove",
      snap: "docker",
    });
  });
});

describe("docker-prerequisites", () => {
  it("done where ca-certificates and curl are installed (every capture)", () => {
    expect(doneReason("docker-prerequisites", context("debian12-fresh"))).toBe(
      "ca-certificates and curl are installed",
    );
  });

  it("installs only what is missing, without recommends", () => {
    const noCurl = "@@vla dpkg\nca-certificates\tii \t20230311+deb12u1\n@@vla-rc 0";
    const ctx = context("debian12-fresh", { facts: facts("debian12-fresh", noCurl) });
    expect(actionsOf("docker-prerequisites", ctx)).toEqual([
      { kind: "apt-update" },
      {
        kind: "apt-install",
        packages: [{ name: "curl" }],
        noRecommends: true,
        allowDowngrades: false,
      },
    ]);
  });
});

describe("docker-key", () => {
  const install = (fingerprint: string): Action => ({
    kind: "install-key",
    url: `${REPO}/docker/linux/debian/gpg`,
    path: "/etc/apt/keyrings/docker.asc",
    fingerprint,
    store: "armored",
  });

  it("fresh: fetch, verify and write the key", () => {
    const ctx = context("debian12-fresh");
    expect(actionsOf("docker-key", ctx)).toEqual([install(ctx.options.dockerKeyFingerprint)]);
  });

  it("provisioned: done, naming the key", () => {
    const ctx = context("debian12-done");
    expect(doneReason("docker-key", ctx)).toMatch(/^\/etc\/apt\/keyrings\/docker\.asc holds key /);
  });

  it("partly: a keyring the probe could not read (mode 600) is fetched again", () => {
    const ctx = context("debian12-partly");
    expect(ctx.facts.keyrings.has("/etc/apt/keyrings/docker.asc")).toBe(false);
    expect(actionsOf("docker-key", ctx)).toEqual([install(ctx.options.dockerKeyFingerprint)]);
  });

  it("partly: the right key with another mode only gets its mode back", () => {
    const done = facts("debian12-done");
    const keyring = done.keyrings.get("/etc/apt/keyrings/docker.asc");
    if (!keyring) throw new Error("the capture has no keyring");
    done.keyrings.set("/etc/apt/keyrings/docker.asc", { ...keyring, mode: "640" });
    expect(actionsOf("docker-key", context("debian12-done", { facts: done }))).toEqual([
      { kind: "set-mode", path: "/etc/apt/keyrings/docker.asc", mode: "0644" },
    ]);
  });

  it("another fingerprint asked for: the keyring is replaced", () => {
    const other = "9DC858229FC7DD38854AE2D88D81803C0EBFCD88";
    const ctx = context("debian12-done", { options: { dockerKeyFingerprint: other } });
    expect(actionsOf("docker-key", ctx)).toEqual([install(other)]);
  });
});

describe("docker-source", () => {
  const content = [
    "Types: deb",
    `URIs: ${REPO}/docker/linux/debian`,
    "Suites: bookworm",
    "Components: stable",
    "Architectures: amd64",
    "Signed-By: /etc/apt/keyrings/docker.asc",
    "",
  ].join("\n");

  it("fresh: writes the deb822 source", () => {
    expect(actionsOf("docker-source", context("debian12-fresh"))).toEqual([
      {
        kind: "write-file",
        path: "/etc/apt/sources.list.d/docker.sources",
        content,
        mode: "0644",
        before: undefined,
      },
    ]);
  });

  it("provisioned: up to date", () => {
    expect(doneReason("docker-source", context("debian12-done"))).toBe(
      "/etc/apt/sources.list.d/docker.sources is up to date",
    );
  });

  it("partly: a second file for the same repository is backed up and removed", () => {
    expect(actionsOf("docker-source", context("debian12-partly"))).toEqual([
      {
        kind: "retire-file",
        path: "/etc/apt/sources.list.d/docker-old.list",
        reason: "same repository as /etc/apt/sources.list.d/docker.sources",
      },
    ]);
  });

  it("a mirror: the source is rewritten, the old content kept for the diff and the backup", () => {
    const ctx = context("debian12-done", {
      options: { dockerRepo: "https://mirror.example/docker-ce/linux" },
    });
    const [action] = actionsOf("docker-source", ctx);
    expect(action).toMatchObject({
      kind: "write-file",
      path: "/etc/apt/sources.list.d/docker.sources",
      before: content,
    });
    expect(action?.kind === "write-file" && action.content).toContain(
      "URIs: https://mirror.example/docker-ce/linux/debian",
    );
  });
});

describe("docker-packages", () => {
  const install = (packages: Array<{ name: string; version?: string; range?: string }>) => [
    { kind: "apt-update" },
    { kind: "apt-install", packages, noRecommends: false, allowDowngrades: false },
  ];
  const names = (n: string[]) => n.map((name) => ({ name }));
  const ALL = [
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "docker-buildx-plugin",
    "docker-compose-plugin",
  ];

  it("fresh: installs the five packages", () => {
    expect(actionsOf("docker-packages", context("debian12-fresh"))).toEqual(install(names(ALL)));
  });

  it("provisioned: done, with the installed versions", () => {
    expect(doneReason("docker-packages", context("debian12-done"))).toBe(
      "installed: docker-ce 5:20.10.25-1~debian.12~bookworm, docker-ce-cli 5:20.10.25-1~debian.12~bookworm",
    );
  });

  it("partly: a removed plugin brings the set back", () => {
    expect(actionsOf("docker-packages", context("debian12-partly"))).toEqual(install(names(ALL)));
  });

  it("a range preflight resolved pins docker-ce and docker-ce-cli to that exact version", () => {
    const ctx = context("debian12-done", {
      options: { dockerVersion: "20.10.24" },
      decisions: { versions: { "docker-ce": "5:20.10.24-1~debian.12~bookworm" } },
    });
    const version = "5:20.10.24-1~debian.12~bookworm";
    expect(actionsOf("docker-packages", ctx)).toEqual([
      { kind: "apt-update" },
      {
        kind: "apt-install",
        packages: [
          { name: "docker-ce", version },
          { name: "docker-ce-cli", version },
          ...names(ALL.slice(2)),
        ],
        noRecommends: false,
        allowDowngrades: true,
      },
    ]);
  });

  it("a range preflight could not resolve is left to apt's lists", () => {
    const ctx = context("debian12-fresh", { options: { dockerVersion: "^27" } });
    const [, installAction] = actionsOf("docker-packages", ctx);
    expect(installAction).toMatchObject({
      packages: [
        { name: "docker-ce", range: "^27" },
        { name: "docker-ce-cli", range: "^27" },
        ...names(ALL.slice(2)),
      ],
    });
  });

  it("installed versions inside the range are done", () => {
    const ctx = context("debian12-done", { options: { dockerVersion: "20.10.x" } });
    expect(doneReason("docker-packages", ctx)).toMatch(/satisfies "20\.10\.x"/);
  });
});

describe("docker-service", () => {
  it("fresh (systemd): enable and start", () => {
    expect(actionsOf("docker-service", context("debian12-fresh"))).toEqual([
      { kind: "start-docker", init: "systemd" },
    ]);
  });

  it("provisioned: enabled and running", () => {
    expect(doneReason("docker-service", context("debian12-done"))).toBe(
      "dockerd 20.10.24+dfsg1 is enabled and running",
    );
  });

  it("no systemd: the init script, and a notice that it will not start after a reboot", () => {
    const sysv = facts("debian12-fresh", "@@vla init\npid1=sh\nsystemd_booted=no\n@@vla-rc 0");
    const actions = actionsOf("docker-service", context("debian12-fresh", { facts: sysv }));
    expect(actions[0]).toEqual({ kind: "start-docker", init: "sysv" });
    expect(actions[1]).toMatchObject({ kind: "notice" });
  });
});

describe("docker-group", () => {
  const add = [
    { kind: "add-to-group", user: "ops", group: "docker" },
    {
      kind: "notice",
      text: "ops was added to the docker group: open a new login (or run `newgrp docker`) for shells to use docker without sudo",
    },
  ];

  it("fresh: adds ops (the group is created when missing)", () => {
    expect(actionsOf("docker-group", context("debian12-fresh"))).toEqual(add);
  });

  it("provisioned: ops is a member", () => {
    expect(doneReason("docker-group", context("debian12-done"))).toBe("ops is in the docker group");
  });

  it("partly: ops was taken out of the group again", () => {
    expect(actionsOf("docker-group", context("debian12-partly"))).toEqual(add);
  });

  it("root needs no group", () => {
    const ctx = context("debian12-fresh", { decisions: { targetUser: "root" } });
    expect(planOf("docker-group", ctx)).toEqual({ skipped: "root needs no docker group" });
  });
});

describe("daemon-settings", () => {
  it("fresh: writes a daemon.json with the mirror and log rotation, under the guard", () => {
    expect(actionsOf("daemon-settings", context("debian12-fresh"))).toEqual([
      {
        kind: "change-daemon-json",
        init: "systemd",
        before: "",
        beforeConfig: {},
        content: `${JSON.stringify(
          {
            "registry-mirrors": ["http://127.0.0.1:5000"],
            "log-driver": "json-file",
            "log-opts": { "max-size": "100m", "max-file": "3" },
          },
          null,
          2,
        )}\n`,
      },
    ]);
  });

  it("provisioned: has every setting", () => {
    expect(doneReason("daemon-settings", context("debian12-done"))).toBe(
      "/etc/docker/daemon.json has the settings asked for",
    );
  });

  it("partly: the user's keys are kept, their log driver too, and the mirror merged in", () => {
    expect(actionsOf("daemon-settings", context("debian12-partly"))).toEqual([
      {
        kind: "change-daemon-json",
        init: "systemd",
        before: '{"log-driver": "json-file"}\n',
        beforeConfig: { "log-driver": "json-file" },
        content:
          '{\n  "log-driver": "json-file",\n  "registry-mirrors": [\n    "http://127.0.0.1:5000"\n  ]\n}\n',
      },
    ]);
  });

  it("no mirror and --no-log-rotation: skipped", () => {
    const ctx = context("debian12-fresh", { options: { registryMirrors: [], logRotation: false } });
    expect(planOf("daemon-settings", ctx)).toEqual({
      skipped:
        "no dockerd settings asked for (--registry-mirror, --data-root; --no-log-rotation given)",
    });
  });

  it("--data-root on a fresh host: set in the same change", () => {
    const ctx = context("debian12-fresh", {
      options: { registryMirrors: [], logRotation: false, dataRoot: "/data/docker" },
    });
    expect(actionsOf("daemon-settings", ctx)).toMatchObject([
      { kind: "change-daemon-json", content: '{\n  "data-root": "/data/docker"\n}\n' },
    ]);
  });

  it("an unreadable daemon.json is never planned over", () => {
    const broken = facts("debian12-done", "@@vla daemon-json\n{ not json\n@@vla-rc 0");
    expect(() => planOf("daemon-settings", context("debian12-done", { facts: broken }))).toThrow(
      /daemon\.json: .*fix it by hand, nothing was changed/,
    );
  });
});

describe("the NVIDIA steps", () => {
  it("skip a host without a GPU, and with --no-nvidia", () => {
    for (const id of ["nvidia-key", "nvidia-source", "nvidia-packages", "nvidia-runtime"]) {
      expect(planOf(id, context("debian12-fresh"))).toEqual({
        skipped: "no NVIDIA GPU on this host",
      });
      expect(planOf(id, context("debian12-gpu-fresh", { options: { nvidia: false } }))).toEqual({
        skipped: "--no-nvidia",
      });
    }
  });

  it("fresh GPU host: key, source, packages, runtime through nvidia-ctk", () => {
    const ctx = context("debian12-gpu-fresh");
    expect(actionsOf("nvidia-key", ctx)).toEqual([
      {
        kind: "install-key",
        url: `${REPO}/nvidia/libnvidia-container/gpgkey`,
        path: "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
        fingerprint: ctx.options.nvidiaKeyFingerprint,
        store: "binary",
      },
    ]);
    expect(actionsOf("nvidia-source", ctx)).toEqual([
      {
        kind: "write-file",
        path: "/etc/apt/sources.list.d/nvidia-container-toolkit.list",
        content: `deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] ${REPO}/nvidia/libnvidia-container/stable/deb/$(ARCH) /\n`,
        mode: "0644",
        before: undefined,
      },
    ]);
    expect(actionsOf("nvidia-packages", ctx)).toEqual([
      { kind: "apt-update" },
      {
        kind: "apt-install",
        packages: [
          { name: "nvidia-container-toolkit" },
          { name: "nvidia-container-toolkit-base" },
          { name: "libnvidia-container-tools" },
          { name: "libnvidia-container1" },
        ],
        noRecommends: false,
        allowDowngrades: false,
      },
    ]);
    expect(actionsOf("nvidia-runtime", ctx)).toEqual([
      {
        kind: "change-daemon-json",
        init: "systemd",
        before: "",
        beforeConfig: {},
        content: "nvidia-ctk",
      },
    ]);
  });

  it("a --toolkit-version range pins all four packages to one version", () => {
    const version = "1.17.8-1";
    const ctx = context("debian12-gpu-done", {
      options: { toolkitVersion: "~1.17" },
      decisions: { versions: { "nvidia-container-toolkit": version } },
    });
    const [, install] = actionsOf("nvidia-packages", ctx);
    expect(install).toMatchObject({
      allowDowngrades: true,
      packages: [
        { name: "nvidia-container-toolkit", version },
        { name: "nvidia-container-toolkit-base", version },
        { name: "libnvidia-container-tools", version },
        { name: "libnvidia-container1", version },
      ],
    });
  });

  it("partly: registered in daemon.json but not loaded by dockerd: restart only", () => {
    const notLoaded = facts(
      "debian12-gpu-done",
      '@@vla docker-server\n20.10.24+dfsg1|{"runc":{"path":"runc"}}|[]\n@@vla-rc 0',
    );
    const ctx = context("debian12-gpu-done", { facts: notLoaded });
    expect(actionsOf("nvidia-runtime", ctx)).toEqual([{ kind: "restart-docker", init: "systemd" }]);
  });
});

describe("the verifications run every time", () => {
  it("hello-world as the target user", () => {
    for (const capture of ["debian12-fresh", "debian12-done"] as const) {
      expect(actionsOf("verify-hello", context(capture))).toEqual([
        {
          kind: "verify-container",
          user: "ops",
          image: "hello-world",
          gpus: false,
          command: [],
          expect: { text: "Hello from Docker!" },
        },
      ]);
    }
    const noVerify = context("debian12-done", { options: { verify: false } });
    expect(planOf("verify-hello", noVerify)).toEqual({ skipped: "--no-verify" });
  });

  it("the CUDA container must list exactly the host's GPUs, with the image preflight chose", () => {
    const cudaImage = { image: "nvidia/cuda:13.0.1-base-ubuntu24.04", reason: "why" };
    const ctx = context("debian12-gpu-done", { decisions: { cudaImage } });
    expect(actionsOf("verify-cuda", ctx)).toEqual([
      { kind: "note", text: "why" },
      {
        kind: "verify-container",
        user: "ops",
        image: cudaImage.image,
        gpus: true,
        command: ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
        expect: { gpuLines: ["NVIDIA GeForce RTX 5090, 580.95.05"] },
      },
    ]);
    expect(planOf("verify-cuda", context("debian12-fresh"))).toEqual({
      skipped: "no NVIDIA GPU on this host",
    });
  });
});

describe("proxy-settings", () => {
  const lab = { url: "http://proxy.lab:3128", noProxy: "localhost,127.0.0.1,::1" };
  const withProxy = (setting: typeof lab, from: "--proxy" | "your environment" = "--proxy") => ({
    proxy: { setting, from },
  });
  const sha = (text: string) => createHash("sha256").update(text).digest("hex");

  it("fresh: apt's file, dockerd's drop-in (then a reload and restart), the user's client config", () => {
    const actions = actionsOf(
      "proxy-settings",
      context("debian12-done", { decisions: withProxy(lab) }),
    );
    expect(actions.map((a) => a.kind)).toEqual([
      "write-file",
      "write-file",
      "write-file",
      "restart-docker",
      "set-json-key",
    ]);
    expect(actions[0]).toEqual({
      kind: "write-file",
      path: "/etc/apt/apt.conf.d/95vla-provision-proxy",
      mode: "0644",
      content: expect.stringContaining('Acquire::https::Proxy "http://proxy.lab:3128";'),
    });
    expect(actions[1]).toMatchObject({
      path: "/etc/systemd/system/docker.service.d/vla-provision-proxy.env",
      mode: "0644",
      content: expect.stringContaining("HTTPS_PROXY=http://proxy.lab:3128\n"),
    });
    // `systemctl show docker` prints Environment= to any user: the drop-in names the file only.
    expect(actions[2]).toMatchObject({
      path: "/etc/systemd/system/docker.service.d/vla-provision-proxy.conf",
      mode: "0644",
      content: expect.stringContaining(
        "EnvironmentFile=/etc/systemd/system/docker.service.d/vla-provision-proxy.env",
      ),
    });
    expect(actions[3]).toEqual({ kind: "restart-docker", init: "systemd", reloadUnits: true });
    expect(actions[4]).toEqual({
      kind: "set-json-key",
      path: "/home/ops/.docker/config.json",
      owner: "ops:",
      mode: "0600",
      keyPath: ["proxies", "default"],
      value: {
        httpProxy: "http://proxy.lab:3128",
        httpsProxy: "http://proxy.lab:3128",
        noProxy: "localhost,127.0.0.1,::1",
      },
    });
  });

  it("credentials: root-only files; a proxy on loopback: not for containers, with a notice", () => {
    const secret = { url: "http://vla:pw@127.0.0.1:7897", noProxy: "localhost" };
    const actions = actionsOf(
      "proxy-settings",
      context("debian12-done", { decisions: withProxy(secret) }),
    );
    expect(
      actions.filter((a) => a.kind === "write-file").map((a) => "mode" in a && a.mode),
    ).toEqual(["0600", "0600", "0644"]);
    expect(actions.some((a) => a.kind === "set-json-key")).toBe(false);
    const notice = actions.find((a) => a.kind === "notice");
    expect(notice).toMatchObject({
      text: expect.stringContaining("--proxy http://172.17.0.1:7897"),
    });
    expect(JSON.stringify(notice)).not.toContain("pw");
  });

  it("done when the files hold the proxy with the right mode and the client config has it", () => {
    const apt = [
      "// Written by vla-provision (--proxy); `vla-provision --proxy none` removes it.",
      'Acquire::http::Proxy "http://proxy.lab:3128";',
      'Acquire::https::Proxy "http://proxy.lab:3128";',
      "",
    ].join("\n");
    const env = [
      "HTTP_PROXY=http://proxy.lab:3128",
      "HTTPS_PROXY=http://proxy.lab:3128",
      "NO_PROXY=localhost,127.0.0.1,::1",
      "",
    ].join("\n");
    const dropIn = [
      "# Written by vla-provision (--proxy); `vla-provision --proxy none` removes it.",
      "[Service]",
      "EnvironmentFile=/etc/systemd/system/docker.service.d/vla-provision-proxy.env",
      "",
    ].join("\n");
    const config = JSON.stringify({
      auths: { "registry.lab": { auth: "c2VjcmV0" } },
      proxies: {
        default: {
          httpProxy: "http://proxy.lab:3128",
          httpsProxy: "http://proxy.lab:3128",
          noProxy: "localhost,127.0.0.1,::1",
        },
      },
    });
    const probe = (aptMode: string) =>
      [
        "@@vla proxy-files",
        `/etc/apt/apt.conf.d/95vla-provision-proxy\t${aptMode}\t${sha(apt)}`,
        `/etc/systemd/system/docker.service.d/vla-provision-proxy.conf\t644\t${sha(dropIn)}`,
        `/etc/systemd/system/docker.service.d/vla-provision-proxy.env\t644\t${sha(env)}`,
        "@@vla-rc 0",
        "@@vla docker-config",
        "path=/home/ops/.docker/config.json",
        "mode=600",
        "owner=ops:ops",
        `content=${Buffer.from(config).toString("base64")}`,
        "@@vla-rc 0",
      ].join("\n");
    const done = context("debian12-done", {
      facts: facts("debian12-done", probe("644")),
      decisions: withProxy(lab),
    });
    expect(doneReason("proxy-settings", done)).toBe(
      "apt, dockerd, ops's containers and builds use http://proxy.lab:3128",
    );
    // The registry credentials never reach the facts.
    expect(JSON.stringify(done.facts.dockerClientConfig)).not.toContain("c2VjcmV0");
    const wrongMode = context("debian12-done", {
      facts: facts("debian12-done", probe("666")),
      decisions: withProxy(lab),
    });
    expect(actionsOf("proxy-settings", wrongMode)).toEqual([
      expect.objectContaining({
        kind: "write-file",
        path: "/etc/apt/apt.conf.d/95vla-provision-proxy",
        mode: "0644",
      }),
    ]);
  });

  it("--proxy none retires the tool's files and restarts dockerd without its proxy", () => {
    const probe = [
      "@@vla proxy-files",
      "/etc/apt/apt.conf.d/95vla-provision-proxy\t600\tabc",
      "/etc/systemd/system/docker.service.d/vla-provision-proxy.conf\t600\tdef",
      "/etc/systemd/system/docker.service.d/vla-provision-proxy.env\t600\tghi",
      "@@vla-rc 0",
    ].join("\n");
    const ctx = context("debian12-done", {
      facts: facts("debian12-done", probe),
      decisions: { proxy: "remove" },
    });
    expect(actionsOf("proxy-settings", ctx)).toEqual([
      {
        kind: "retire-file",
        path: "/etc/apt/apt.conf.d/95vla-provision-proxy",
        reason: "--proxy none",
      },
      {
        kind: "retire-file",
        path: "/etc/systemd/system/docker.service.d/vla-provision-proxy.conf",
        reason: "--proxy none",
      },
      {
        kind: "retire-file",
        path: "/etc/systemd/system/docker.service.d/vla-provision-proxy.env",
        reason: "--proxy none",
      },
      { kind: "restart-docker", init: "systemd", reloadUnits: true },
    ]);
    expect(
      doneReason("proxy-settings", context("debian12-done", { decisions: { proxy: "remove" } })),
    ).toBe("the host holds no proxy setting of the tool's (--proxy none)");
  });

  it("a proxy from the environment of a local run is named in the plan", () => {
    const actions = actionsOf(
      "proxy-settings",
      context("debian12-done", { decisions: withProxy(lab, "your environment") }),
    );
    expect(actions[0]).toEqual({
      kind: "note",
      text: "the proxy http://proxy.lab:3128 comes from your environment (https_proxy/http_proxy); --proxy none keeps none",
    });
  });
});

describe("the pipeline's steps", () => {
  it("each has its id, kind and restart flag, in the pipeline's order", () => {
    expect(PIPELINE.steps).toBe(STEPS);
    expect(STEPS.map((s) => [s.id, s.kind, s.restartsDockerd === true])).toEqual([
      ["docker-conflicts", "change", true],
      ["docker-prerequisites", "change", false],
      ["docker-key", "change", false],
      ["docker-source", "change", false],
      ["docker-packages", "change", true],
      ["docker-service", "change", false],
      ["docker-group", "change", false],
      ["proxy-settings", "change", true],
      ["daemon-settings", "change", true],
      ["nvidia-key", "change", false],
      ["nvidia-source", "change", false],
      ["nvidia-packages", "change", false],
      ["nvidia-runtime", "change", true],
      ["verify-hello", "verify", false],
      ["verify-cuda", "verify", false],
    ]);
  });

  it("each has a title of its own, a sentence a person reads in the plan", () => {
    for (const s of STEPS) expect(s.title, s.id).toMatch(/^[A-Z][^\n]{15,}$/);
    expect(new Set(STEPS.map((s) => s.title)).size).toBe(STEPS.length);
  });

  it("proxy-settings is skipped, with the reason, when no proxy is asked for or found", () => {
    expect(planOf("proxy-settings", context("debian12-done"))).toEqual({
      skipped: "no proxy (--proxy, or https_proxy in a local run)",
    });
  });
});

describe("nvidia-source on a host with sources from older guides", () => {
  const extra = (path: string, line: string) =>
    [`@@vla apt-source ${path}`, line, "@@vla-rc 0"].join("\n");

  it("retires an entry for NVIDIA's repository (official, legacy or under it) kept elsewhere", () => {
    for (const line of [
      "deb https://nvidia.github.io/nvidia-docker/ubuntu22.04/$(ARCH) /",
      "deb https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /",
      "deb http://nvidia.github.io/nvidia-container-runtime/stable/deb/$(ARCH) /",
    ]) {
      const ctx = context("debian12-gpu-done", {
        facts: facts(
          "debian12-gpu-done",
          extra("/etc/apt/sources.list.d/nvidia-docker.list", line),
        ),
      });
      expect(actionsOf("nvidia-source", ctx), line).toEqual([
        expect.objectContaining({
          kind: "retire-file",
          path: "/etc/apt/sources.list.d/nvidia-docker.list",
        }),
      ]);
    }
  });

  it("leaves other projects under nvidia.github.io alone", () => {
    for (const line of [
      "deb https://nvidia.github.io/other-project/stable/deb/$(ARCH) /",
      "deb https://nvidia.github.io/libnvidia-container-tools/deb /",
      "deb https://mirror.example/nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /",
    ]) {
      const ctx = context("debian12-gpu-done", {
        facts: facts("debian12-gpu-done", extra("/etc/apt/sources.list.d/other.list", line)),
      });
      expect(planOf("nvidia-source", ctx), line).toMatchObject({ done: true });
    }
  });
});
