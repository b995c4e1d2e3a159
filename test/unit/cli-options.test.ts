import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram, doctorErrorLines, main, type Plan } from "../../src/cli.js";
import type { Pipeline } from "../../src/engine/pipeline.js";

const dir = mkdtempSync(join(tmpdir(), "vla-cli-options-"));
const keyFile = join(dir, "id_ed25519");
writeFileSync(keyFile, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
const hugeFile = join(dir, "huge");
writeFileSync(hugeFile, Buffer.alloc(1024 * 1024 + 1));
const sshConfig = join(dir, "ssh_config");
writeFileSync(sshConfig, "Host aliased\n  User admin\n  Port 2222\n");
const me = userInfo().username;

/** The option parsing needs no step: an empty pipeline, handed on as it is. */
const NO_STEPS: Pipeline = { steps: [] };

/** Runs the CLI's entry point with a run function that only records what would run. */
async function cli(...args: string[]): Promise<{ code: number; plan?: Plan; stderr: string }> {
  const plans: Plan[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
  const code = await main(["node", "vla-provision", ...args], NO_STEPS, async (plan, pipeline) => {
    expect(pipeline).toBe(NO_STEPS);
    plans.push(plan);
    return 0;
  });
  vi.restoreAllMocks();
  return { code, plan: plans[0], stderr: stderr.join("") };
}

/** Exit 2, one line on stderr matching `message`, and nothing run. */
async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const { code, plan, stderr } = await cli(...args);
  expect(plan).toBeUndefined();
  expect(code).toBe(2);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(message);
}

async function expectPlan(...args: string[]): Promise<Plan> {
  const { code, plan, stderr } = await cli(...args);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  if (!plan) throw new Error("nothing would run");
  return plan;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("options before a subcommand", () => {
  it.each([[["--ssh", "h", "doctor"]], [["doctor", "--ssh", "h"]]])(
    "%j probes h, not this machine",
    async (args) => {
      const plan = await expectPlan(...args);
      expect(plan.command).toBe("doctor");
      expect(plan.targets).toEqual(["h"]);
    },
  );

  it("every kind of option given before doctor reaches it", async () => {
    const plan = await expectPlan(
      "--json",
      "--no-verify",
      "--apt-lock-timeout",
      "5",
      "--hello-image",
      "localhost:5000/hello",
      "-i",
      keyFile,
      "doctor",
    );
    expect(plan.options).toMatchObject({
      json: true,
      verify: false,
      aptLockWaitMs: 5000,
      helloImage: "localhost:5000/hello",
    });
    expect(plan.connect.identity).toBe(keyFile);
  });

  it("doctor's own value wins where both give one; repeatable options add up", async () => {
    const plan = await expectPlan(
      "--ssh-config",
      "/dev/null",
      "--hello-image",
      "before",
      "--ssh",
      "a",
      "--registry-mirror",
      "https://one.example",
      "doctor",
      "--hello-image",
      "after",
      "--ssh",
      "b",
      "--registry-mirror",
      "https://two.example",
    );
    expect(plan.options.helloImage).toBe("after");
    expect(plan.targets).toEqual(["a", "b"]);
    expect(plan.options.registryMirrors).toEqual(["https://one.example", "https://two.example"]);
  });

  it("doctor's defaults do not override a value given before it", async () => {
    const plan = await expectPlan("--apt-lock-timeout", "7", "doctor");
    expect(plan.options.aptLockWaitMs).toBe(7000);
  });

  it("a bad value given before doctor is refused like one given after it", async () => {
    await expectRefused(["--hello-image", "BAD", "doctor"], /--hello-image: "BAD"/);
    await expectRefused(["doctor", "--hello-image", "BAD"], /--hello-image: "BAD"/);
  });

  it("without a subcommand, provisioning gets the options", async () => {
    const plan = await expectPlan("--ssh", "h", "--dry-run");
    expect(plan.command).toBe("provision");
    expect(plan.targets).toEqual(["h"]);
    expect(plan.options.dryRun).toBe(true);
  });
});

describe("unknown commands and options", () => {
  it("names an unknown command", async () => {
    await expectRefused(["doctr"], /unknown command 'doctr'/);
    await expectRefused(["--dry-run", "doctr"], /unknown command 'doctr'/);
  });

  it("refuses an argument to doctor", async () => {
    await expectRefused(["doctor", "extra"], /too many arguments for 'doctor'/);
  });

  it("puts commander's suggestion on the same line", async () => {
    await expectRefused(["--dry-rn"], /unknown option '--dry-rn' \(Did you mean --dry-run\?\)/);
  });
});

describe("--registry-mirror", () => {
  it.each([
    ["https://user:secret@mirror.example.org", /user name or password/],
    ["https://token@mirror.example.org", /user name or password/],
    ["https://mirror.example.org/v2", /scheme, host and port only/],
    ["https://mirror.example.org?x=1", /query/],
    ["ftp://mirror.example.org", /only http/],
  ])("refuses %j", async (value, message) => {
    await expectRefused(["--registry-mirror", value], message);
  });

  it("accepts scheme, host and port, normalized", async () => {
    const plan = await expectPlan("--registry-mirror", "HTTPS://Mirror.Example.org:5000/");
    expect(plan.options.registryMirrors).toEqual(["https://mirror.example.org:5000"]);
  });
});

describe("image references", () => {
  it.each([
    ["--hello-image", "NVIDIA/hello", /must be lower-case/],
    ["--cuda-image", "nvidia/CUDA:12.8.0-base-ubuntu24.04", /must be lower-case/],
    ["--cuda-image", "nvidia/cuda@sha256:abc", /64 lower-case hex digits/],
    ["--cuda-image", "nvidia/cuda:-bad", /tag "-bad"/],
    ["--hello-image", "", /empty/],
  ])("%s %j is refused", async (flag, value, message) => {
    await expectRefused([flag, value], new RegExp(`${flag}: .*${message.source}`));
  });

  it("accepts registry, tag and digest", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const plan = await expectPlan(
      "--hello-image",
      "127.0.0.1:5000/library/hello-world",
      "--cuda-image",
      `nvidia/cuda@${digest}`,
    );
    expect(plan.options.helloImage).toBe("127.0.0.1:5000/library/hello-world");
    expect(plan.options.cudaImage).toBe(`nvidia/cuda@${digest}`);
    const tagged = await expectPlan("--cuda-image", "nvidia/cuda:13.0.2-base-ubuntu24.04");
    expect(tagged.options.cudaImage).toBe("nvidia/cuda:13.0.2-base-ubuntu24.04");
  });
});

describe("version ranges", () => {
  it.each([
    ["--docker-version", ""],
    ["--docker-version", "   "],
    ["--toolkit-version", ""],
    ["--toolkit-version", "not a range"],
  ])("%s %j is refused", async (flag, value) => {
    await expectRefused([flag, value], new RegExp(`${flag}: .* is not a semver range`));
  });

  it("accepts a range", async () => {
    const plan = await expectPlan("--docker-version", "~27.5", "--toolkit-version", "1.17");
    expect(plan.options).toMatchObject({ dockerVersion: "~27.5", toolkitVersion: "1.17" });
  });
});

describe("--apt-lock-timeout", () => {
  it.each(["", " ", "-1", "1.5", "1e3", "0x10", " 5", "86401", "9999999999"])(
    "%j is refused",
    async (value) => {
      await expectRefused(
        ["--apt-lock-timeout", value],
        /--apt-lock-timeout: .* is not a whole number of seconds in 0\.\.86400/,
      );
    },
  );

  it.each([
    ["0", 0],
    ["86400", 86_400_000],
  ])("%j is %i ms", async (value, ms) => {
    const plan = await expectPlan("--apt-lock-timeout", value);
    expect(plan.options.aptLockWaitMs).toBe(ms);
  });
});

describe("files named on the command line", () => {
  it.each([
    [["-i", "/dev/zero"], /-i: "\/dev\/zero" is not a regular file/],
    [["-i", "/dev/null"], /-i: "\/dev\/null" is not a regular file/],
    [["-i", join(dir, "missing")], /-i: .* does not exist/],
    [["-i", dir], /-i: .* is a directory/],
    [["-i", hugeFile], /-i: .* is larger than 1024 KiB/],
    [["-i", ""], /-i: "" is empty/],
    [["--known-hosts", "/dev/zero"], /--known-hosts: .* is not a regular file/],
    [["--known-hosts", dir, "--accept-new-host-key"], /--known-hosts: .* is a directory/],
    [
      ["--known-hosts", join(dir, "missing")],
      /--known-hosts: .* does not exist \(with --accept-new-host-key it is created\)/,
    ],
    [["--ssh-config", "/dev/zero"], /--ssh-config: .* is not a regular file/],
    [["--ssh-config", join(dir, "missing")], /--ssh-config: .* does not exist/],
    [["--ssh-config", dir], /--ssh-config: .* is a directory/],
  ])("%j is refused at once", async (args, message) => {
    await expectRefused(args, message);
  });

  it.skipIf(process.getuid?.() === 0)("refuses a file it cannot read", async () => {
    const locked = join(dir, "locked");
    writeFileSync(locked, "x", { mode: 0o000 });
    await expectRefused(["-i", locked], /-i: .* cannot be read/);
  });

  it("accepts a key file, /dev/null for known_hosts and ssh_config, a known_hosts to create", async () => {
    const plan = await expectPlan(
      "-i",
      keyFile,
      "--known-hosts",
      "/dev/null",
      "--ssh-config",
      "/dev/null",
    );
    expect(plan.connect).toMatchObject({ identity: keyFile, knownHosts: "/dev/null" });
    const creating = await expectPlan(
      "--known-hosts",
      join(dir, "new_known_hosts"),
      "--accept-new-host-key",
    );
    expect(creating.connect.knownHosts).toBe(join(dir, "new_known_hosts"));
  });
});

describe("the same host given twice runs once", () => {
  const targetsOf = async (...values: string[]) => {
    const plan = await expectPlan(
      "--ssh-config",
      sshConfig,
      ...values.flatMap((v) => ["--ssh", v]),
    );
    return plan;
  };

  it.each([
    [["h:22", "h"], ["h:22"]],
    [[`${me}@h`, "h"], [`${me}@h`]],
    [["GPU-01", "gpu-01:22"], ["GPU-01"]],
    [["[::1]:22", "::1", "0:0::1"], ["[::1]:22"]],
    [["aliased", "admin@aliased:2222"], ["aliased"]],
    [
      ["h", "h:2222", "other@h", "h2"],
      ["h", "h:2222", "other@h", "h2"],
    ],
    [
      ["aliased", "aliased:22", `${me}@aliased`],
      ["aliased", "aliased:22", `${me}@aliased`],
    ],
  ])("%j runs %j", async (values, expected) => {
    const plan = await targetsOf(...values);
    expect(plan.targets).toEqual(expected);
    expect(plan.options.notices).toHaveLength(values.length - expected.length);
  });

  it("says which value was dropped", async () => {
    const plan = await targetsOf("h:22", "h");
    expect(plan.options.notices).toEqual([
      '--ssh "h" reaches the same host as "h:22": it runs once',
    ]);
  });

  it("no --ssh is this machine", async () => {
    const plan = await expectPlan();
    expect(plan.targets).toEqual([undefined]);
  });
});

describe("doctor's errors", () => {
  it("are one line per failed host, for stderr", () => {
    expect(
      doctorErrorLines([
        { target: "ops@gpu-01", ok: true, exitCode: 0, commands: 1 },
        {
          target: "ops@127.0.0.1:1",
          ok: false,
          exitCode: 1,
          commands: 0,
          error: "cannot connect to ops@127.0.0.1:1: connect ECONNREFUSED\nmore",
        },
      ]),
    ).toEqual([
      "vla-provision: ops@127.0.0.1:1: cannot connect to ops@127.0.0.1:1: connect ECONNREFUSED",
    ]);
  });
});

describe("--help", () => {
  const help = buildProgram(() => {}).helpInformation();

  it("groups the options by what they are for, in this order", () => {
    const headings = [
      "Targets and SSH:",
      "What to install:",
      "Repositories and mirrors:",
      "Checks:",
      "Output and behaviour:",
      "Options:",
    ];
    const at = headings.map((heading) => help.indexOf(`\n${heading}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(help.slice(at[0], at[1])).toContain("--sudo-password-stdin");
    expect(help.slice(at[2], at[3])).toContain("--registry-mirror");
    expect(help.slice(at[4], at[5])).toContain("--dry-run");
  });

  it("has no line break inside the description's sentences", () => {
    const description = help.split("\n\n")[1] ?? "";
    expect(description.replaceAll("\n", " ")).toBe(
      "Turn an Ubuntu/Debian NVIDIA GPU machine into a ready Docker host for VLA model work: Docker CE, the docker group, the NVIDIA Container Toolkit, verified. Safe to run again: done steps are skipped.",
    );
  });
});

describe("dockerd's settings", () => {
  it.each(["data/docker", "", "/data/../etc", "~/docker"])(
    "--data-root %j is refused",
    async (value) => {
      await expectRefused(
        ["--data-root", value],
        /--data-root: .* is not an absolute directory path/,
      );
    },
  );

  it.each(["/", "/var/lib", "/etc", "/usr/"])(
    "--data-root %j is a system directory",
    async (value) => {
      await expectRefused(["--data-root", value], /--data-root: .* is a system directory/);
    },
  );

  it("takes a data root without its trailing slash, and log rotation is on unless turned off", async () => {
    const plan = await expectPlan("--data-root", "/data/docker/");
    expect(plan.options).toMatchObject({ dataRoot: "/data/docker", logRotation: true });
    expect((await expectPlan("--no-log-rotation")).options.logRotation).toBe(false);
  });
});

describe("--mirror", () => {
  it("sets both repository bases from the preset, keeping the upstream fingerprints", async () => {
    const plan = await expectPlan("--mirror", "ustc");
    expect(plan.options).toMatchObject({
      dockerRepo: "https://mirrors.ustc.edu.cn/docker-ce/linux",
      nvidiaRepo: "https://mirrors.ustc.edu.cn/libnvidia-container",
      dockerKeyFingerprint: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
      nvidiaKeyFingerprint: "C95B321B61E88C1809C4F759DDCAE044F796ECB0",
    });
  });

  it("leaves NVIDIA's own repository where the preset has no mirror of it", async () => {
    const plan = await expectPlan("--mirror", "tuna");
    expect(plan.options.dockerRepo).toBe("https://mirrors.tuna.tsinghua.edu.cn/docker-ce/linux");
    expect(plan.options.nvidiaRepo).toBe("https://nvidia.github.io/libnvidia-container");
  });

  it("an explicit --docker-repo or --nvidia-repo wins over the preset", async () => {
    const plan = await expectPlan(
      "--mirror",
      "ustc",
      "--docker-repo",
      "https://mirror.lab.example/docker/linux",
    );
    expect(plan.options.dockerRepo).toBe("https://mirror.lab.example/docker/linux");
    expect(plan.options.nvidiaRepo).toBe("https://mirrors.ustc.edu.cn/libnvidia-container");
  });

  it("an unknown preset is refused, naming the known ones", async () => {
    await expectRefused(
      ["--mirror", "nowhere"],
      /--mirror: unknown preset "nowhere" \(known: tuna, ustc, aliyun; --mirror list shows them\)/,
    );
  });

  it("--mirror list prints every preset with its URLs and source, and runs nothing", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const { code, plan } = await cli("--mirror", "list");
    expect(code).toBe(0);
    expect(plan).toBeUndefined();
    const text = written.join("");
    expect(text).toContain("ustc: ");
    expect(text).toContain("  --nvidia-repo https://mirrors.ustc.edu.cn/libnvidia-container");
    expect(text).toContain("  source: https://mirrors.tuna.tsinghua.edu.cn/help/docker-ce/");
  });

  it("presets of one's own come from the file VLA_PROVISION_MIRRORS names", async () => {
    const file = join(dir, "mirrors.json");
    writeFileSync(
      file,
      JSON.stringify({ lab: { dockerRepo: "http://apt.lab:8080/docker/linux" } }),
    );
    vi.stubEnv("VLA_PROVISION_MIRRORS", file);
    try {
      const plan = await expectPlan("--mirror", "lab");
      expect(plan.options.dockerRepo).toBe("http://apt.lab:8080/docker/linux");
      writeFileSync(file, JSON.stringify({ lab: { nvidiaRepo: 42 } }));
      await expectRefused(
        ["--mirror", "lab"],
        /--mirror: VLA_PROVISION_MIRRORS=.* needs a dockerRepo/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("--proxy and --no-proxy", () => {
  it("takes a proxy with the default bypass list, or with one given", async () => {
    expect((await expectPlan("--proxy", "http://127.0.0.1:7897")).options.proxy).toEqual({
      url: "http://127.0.0.1:7897",
      noProxy: "localhost,127.0.0.1,::1",
    });
    const plan = await expectPlan("--proxy", "http://p.lab:3128/", "--no-proxy", ".lab,10.0.0.0/8");
    expect(plan.options.proxy).toEqual({ url: "http://p.lab:3128", noProxy: ".lab,10.0.0.0/8" });
    expect((await expectPlan("--proxy", "none")).options.proxy).toBe("none");
  });

  it("a bad proxy URL is refused without echoing what could be its password", async () => {
    const { code, stderr } = await cli("--proxy", "ftp://vla:s3cret@p.lab:21");
    expect(code).toBe(2);
    expect(stderr).toMatch(/--proxy: "ftp:\/\/\[credentials\]@p\.lab:21" must start with http/);
    expect(stderr).not.toContain("s3cret");
  });

  it("--no-proxy needs a proxy, and makes no sense with --proxy none", async () => {
    await expectRefused(["--no-proxy", "localhost"], /--no-proxy needs --proxy/);
    await expectRefused(["--proxy", "none", "--no-proxy", "x"], /contradict/);
    await expectRefused(
      ["--proxy", "http://p:1", "--no-proxy", "a b"],
      /--no-proxy: .* comma-separated/,
    );
  });
});

describe("--move-data", () => {
  it("needs --data-root", async () => {
    await expectRefused(["--move-data"], /--move-data needs --data-root <dir>/);
    const plan = await expectPlan("--data-root", "/data/docker", "--move-data");
    expect(plan.options.moveData).toBe(true);
  });
});
