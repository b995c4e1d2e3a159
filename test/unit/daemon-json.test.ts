import { describe, expect, it } from "vitest";
import {
  type DaemonConfig,
  detectIndent,
  hasNvidiaRuntime,
  lostKeys,
  mergeRegistryMirrors,
  parseDaemonJson,
  renderDaemonJson,
} from "../../src/docker/daemon-json.js";

const USER_CONFIG = `{
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "3" },
    "default-address-pools": [{ "base": "172.80.0.0/16", "size": 24 }],
    "runtimes": { "crun": { "path": "/usr/bin/crun" } },
    "registry-mirrors": ["https://mirror.example.com/"],
    "features": { "buildkit": true },
    "x-unknown-key": 42
}
`;

function userConfig(): DaemonConfig {
  const parsed = parseDaemonJson(USER_CONFIG);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

// What `nvidia-ctk runtime configure --runtime=docker` adds.
const NVIDIA_RUNTIME = { path: "nvidia-container-runtime", args: [] };

describe("parseDaemonJson", () => {
  it("treats a missing file as an empty configuration", () => {
    expect(parseDaemonJson(undefined)).toEqual({ ok: true, value: {}, missing: true });
  });

  it("treats an empty file as an empty configuration", () => {
    expect(parseDaemonJson("  \n")).toEqual({ ok: true, value: {}, missing: false });
  });

  it("reports invalid JSON with where it broke", () => {
    const parsed = parseDaemonJson('{\n  "log-driver": "json-file",\n}\n');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(
      /^daemon\.json is not valid JSON: .*line 3 column 1/,
    );
  });

  it("refuses JSON that is not an object", () => {
    expect(parseDaemonJson('["a"]')).toEqual({
      ok: false,
      error: "daemon.json must hold a JSON object ({...})",
    });
  });
});

describe("mergeRegistryMirrors", () => {
  it("appends missing mirrors and keeps every other key", () => {
    const before = userConfig();
    const { changed, config } = mergeRegistryMirrors(before, ["https://mirror.gcr.io"]);
    expect(changed).toBe(true);
    expect(config).toEqual({
      ...before,
      "registry-mirrors": ["https://mirror.example.com/", "https://mirror.gcr.io"],
    });
    expect(lostKeys(before, config)).toEqual([]);
    expect(before["registry-mirrors"]).toEqual(["https://mirror.example.com/"]);
  });

  it("sees a mirror that differs only by a trailing slash as present", () => {
    const before = userConfig();
    expect(mergeRegistryMirrors(before, ["https://mirror.example.com"])).toEqual({
      changed: false,
      config: before,
    });
  });

  it("adds the key when there was none", () => {
    expect(mergeRegistryMirrors({}, ["https://a.example", "https://a.example/"])).toEqual({
      changed: true,
      config: { "registry-mirrors": ["https://a.example"] },
    });
  });
});

describe("hasNvidiaRuntime", () => {
  it("accepts the shape nvidia-ctk writes", () => {
    expect(hasNvidiaRuntime({ runtimes: { nvidia: NVIDIA_RUNTIME } })).toBe(true);
  });

  it("accepts the absolute path with runtimeArgs", () => {
    expect(
      hasNvidiaRuntime({
        runtimes: { nvidia: { path: "/usr/bin/nvidia-container-runtime", runtimeArgs: [] } },
      }),
    ).toBe(true);
  });

  it("rejects configurations without it", () => {
    expect(hasNvidiaRuntime({})).toBe(false);
    expect(hasNvidiaRuntime(userConfig())).toBe(false);
    expect(hasNvidiaRuntime({ runtimes: { nvidia: {} } })).toBe(false);
    expect(hasNvidiaRuntime({ runtimes: { nvidia: { path: "/usr/bin/runc" } } })).toBe(false);
  });
});

describe("lostKeys", () => {
  it("accepts nvidia-ctk's merge, which keeps nested objects and other runtimes", () => {
    const before = userConfig();
    const after = {
      ...before,
      runtimes: { crun: { path: "/usr/bin/crun" }, nvidia: NVIDIA_RUNTIME },
    };
    expect(lostKeys(before, after)).toEqual([]);
    expect(hasNvidiaRuntime(after)).toBe(true);
  });

  it("accepts a default-runtime the user did not have", () => {
    expect(lostKeys(userConfig(), { ...userConfig(), "default-runtime": "nvidia" })).toEqual([]);
  });

  it("catches dropped and changed keys, nested ones by their dotted path", () => {
    const { "x-unknown-key": _dropped, ...rest } = userConfig();
    const after = {
      ...rest,
      "log-opts": { "max-size": "10m" },
      "default-address-pools": [{ base: "172.80.0.0/16", size: 16 }],
      runtimes: { nvidia: NVIDIA_RUNTIME },
      "registry-mirrors": [],
    };
    expect(lostKeys(userConfig(), after)).toEqual([
      "log-opts.max-file",
      "default-address-pools",
      "runtimes.crun",
      "registry-mirrors",
      "x-unknown-key",
    ]);
  });

  it("counts a changed default-runtime the user had as lost", () => {
    expect(lostKeys({ "default-runtime": "crun" }, { "default-runtime": "nvidia" })).toEqual([
      "default-runtime",
    ]);
  });

  it("lets the tool rewrite runtimes.nvidia", () => {
    const before = {
      runtimes: { nvidia: { path: "/usr/bin/nvidia-container-runtime", runtimeArgs: [] } },
    };
    expect(lostKeys(before, { runtimes: { nvidia: NVIDIA_RUNTIME } })).toEqual([]);
  });
});

describe("renderDaemonJson", () => {
  it("keeps the file's four-space indentation and ends with a newline", () => {
    const text = renderDaemonJson(
      { "log-driver": "json-file", "log-opts": { "max-size": "10m" } },
      USER_CONFIG,
    );
    expect(text).toBe(
      '{\n    "log-driver": "json-file",\n    "log-opts": {\n        "max-size": "10m"\n    }\n}\n',
    );
  });

  it("uses two spaces for a new or one-line file", () => {
    expect(renderDaemonJson({ a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(renderDaemonJson({ a: 1 }, '{"a": 0}')).toBe('{\n  "a": 1\n}\n');
  });

  it("detects tabs", () => {
    expect(detectIndent('{\n\t"a": 1\n}\n')).toBe("\t");
  });

  it("round-trips a parsed file with its keys in order", () => {
    expect(renderDaemonJson(userConfig(), USER_CONFIG)).toBe(
      `${JSON.stringify(JSON.parse(USER_CONFIG), null, 4)}\n`,
    );
  });
});
