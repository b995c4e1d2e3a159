import { describe, expect, it } from "vitest";
import {
  configuredDataRoot,
  DEFAULT_NOFILE,
  engineMajor,
  LOG_ROTATION,
  mergeDaemonSettings,
} from "../../src/docker/daemon-settings.js";
import { dataRootContents } from "../../src/docker/data-root.js";
import type { Facts } from "../../src/facts/facts.js";

const NOTHING = { registryMirrors: [], logRotation: false };

describe("dockerd's settings, merged into daemon.json", () => {
  it("reads the engine's major version from dockerd and from dpkg", () => {
    expect(engineMajor("29.0.1")).toBe(29);
    expect(engineMajor("5:29.1.2-1~ubuntu.24.04~noble")).toBe(29);
    expect(engineMajor("5:20.10.25-1~debian.12~bookworm")).toBe(20);
    expect(engineMajor("20.10.24+dfsg1")).toBe(20);
    expect(engineMajor(undefined)).toBeUndefined();
    expect(engineMajor("garbage")).toBeUndefined();
  });

  it("adds log rotation only when the user set no log driver and no log options", () => {
    expect(mergeDaemonSettings({}, { ...NOTHING, logRotation: true }, "28.0.0").config).toEqual(
      LOG_ROTATION,
    );
    for (const own of [{ "log-driver": "local" }, { "log-opts": { "max-size": "5m" } }]) {
      const merged = mergeDaemonSettings(own, { ...NOTHING, logRotation: true }, "28.0.0");
      expect(merged).toEqual({ config: own, changes: [] });
    }
  });

  it("raises containers' open-file limit from Docker 29 on, unless the user set one", () => {
    const on29 = mergeDaemonSettings({ debug: true }, NOTHING, "29.0.0");
    expect(on29.config).toEqual({ debug: true, "default-ulimits": { nofile: DEFAULT_NOFILE } });
    expect(on29.changes).toEqual(["open files per container 1048576 (Docker 29+)"]);
    expect(mergeDaemonSettings({}, NOTHING, "28.5.2").changes).toEqual([]);
    expect(mergeDaemonSettings({}, NOTHING, undefined).changes).toEqual([]);
    const own = { "default-ulimits": { nofile: { Name: "nofile", Soft: 4096, Hard: 8192 } } };
    expect(mergeDaemonSettings(own, NOTHING, "29.0.0").config).toEqual(own);
    const memlock = { "default-ulimits": { memlock: { Name: "memlock", Soft: -1, Hard: -1 } } };
    expect(mergeDaemonSettings(memlock, NOTHING, "29.0.0").config["default-ulimits"]).toEqual({
      ...memlock["default-ulimits"],
      nofile: DEFAULT_NOFILE,
    });
  });

  it("sets the data root, replacing the old `graph` key, and is done once it is there", () => {
    const wanted = { ...NOTHING, dataRoot: "/data/docker" };
    expect(mergeDaemonSettings({ graph: "/srv/docker" }, wanted, "28.0.0").config).toEqual({
      "data-root": "/data/docker",
    });
    expect(mergeDaemonSettings({ "data-root": "/data/docker/" }, wanted, "28.0.0").changes).toEqual(
      [],
    );
    expect(configuredDataRoot({})).toBe("/var/lib/docker");
    expect(configuredDataRoot({ "data-root": "/big/docker//" })).toBe("/big/docker");
  });

  it("keeps every key it does not own, and changes nothing on a second merge", () => {
    const user = { "insecure-registries": ["lab:5000"], "log-level": "warn" };
    const wanted = {
      registryMirrors: ["http://127.0.0.1:5000"],
      logRotation: true,
      dataRoot: "/data/docker",
    };
    const first = mergeDaemonSettings(user, wanted, "29.0.0");
    expect(first.config).toMatchObject(user);
    expect(first.changes).toHaveLength(4);
    expect(mergeDaemonSettings(first.config, wanted, "29.0.0")).toEqual({
      config: first.config,
      changes: [],
    });
  });
});

describe("what the data root holds", () => {
  const facts = (docker: Partial<Facts["docker"]>, installed: string[] = []) =>
    ({
      docker: { runtimes: [], mirrors: [], images: [], runningContainers: [], ...docker },
      packages: new Map(installed.map((name) => [name, { name, installed: true, version: "1" }])),
    }) as unknown as Facts;

  it("counts images, containers and volumes; empty is empty", () => {
    const held = { serverVersion: "28.0.0", imageCount: 2, containerCount: 0, volumeCount: 1 };
    expect(dataRootContents(facts(held))).toBe("2 image(s), 1 volume(s)");
    expect(dataRootContents(facts({ ...held, imageCount: 0, volumeCount: 0 }))).toBe("");
  });

  it("cannot tell when dockerd is installed but silent, or the volumes could not be read", () => {
    expect(dataRootContents(facts({}, ["docker-ce"]))).toBeUndefined();
    expect(dataRootContents(facts({}, ["docker.io"]))).toBeUndefined();
    expect(dataRootContents(facts({}))).toBe("");
    expect(
      dataRootContents(facts({ serverVersion: "28.0.0", imageCount: 0, containerCount: 0 })),
    ).toBeUndefined();
  });
});
