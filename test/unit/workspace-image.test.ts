/** The workspace's PyTorch image: chosen from the GPUs and the driver, on real captures. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  classifyGpuState,
  type Gpu,
  parseQueryGpu,
  QUERY_GPU_FIELDS,
} from "../../src/facts/gpu.js";
import { decideWorkspace, type HostView } from "../../src/workspace/decisions.js";
import { checkWorkspaceOptions, type RawWorkspaceOptions } from "../../src/workspace/options.js";
import {
  choosePytorchImage,
  DEFAULT_PYTORCH_IMAGE,
  hasKernelsFor,
  imageProblems,
  PYTORCH_IMAGES,
  pytorchImageTag,
} from "../../src/workspace/pytorch-images.js";

const ROOT = resolve(import.meta.dirname, "../..");

/** The real H100 host's capture (test/fixtures/gpu), reduced to the five fields the tool queries. */
function realH100(): Gpu[] {
  const [index, name, , driver, cc, memory] = readFileSync(
    resolve(ROOT, "test/fixtures/gpu/query-gpu.csv"),
    "utf8",
  )
    .trim()
    .split(", ");
  return parseQueryGpu([index, name, driver, cc, memory].join(", "));
}

/** What the test bed's nvidia-smi double (an RTX 5090 on 580.95.05) prints for the tool's query. */
function testbedRtx5090(): Gpu[] {
  const output = execFileSync(
    "sh",
    [
      resolve(ROOT, "scripts/testbed/assets/host/nvidia-smi"),
      `--query-gpu=${QUERY_GPU_FIELDS}`,
      "--format=csv,noheader",
    ],
    { encoding: "utf8" },
  );
  return parseQueryGpu(output);
}

const gpu = (name: string, driverVersion: string, computeCapability: string, index = 0): Gpu => ({
  index,
  name,
  driverVersion,
  computeCapability,
  memoryMiB: 24_000,
});

const tag = (torch: string, cuda: string) => pytorchImageTag(torch, cuda);

describe("the PyTorch image table", () => {
  it("names real tags, newest first, each with the driver its CUDA needs", () => {
    expect(PYTORCH_IMAGES.length).toBeGreaterThan(5);
    for (const entry of PYTORCH_IMAGES) {
      expect(entry.image).toMatch(/^pytorch\/pytorch:\d+\.\d+\.\d+-cuda\d+\.\d+-cudnn9-runtime$/);
      expect(entry.minDriver).toMatch(/^\d+\.\d+/);
    }
    expect(PYTORCH_IMAGES.map((e) => e.image)).toContain(tag("2.5.1", "12.4"));
  });

  it("knows which builds have Blackwell (compute capability 12.0) kernels", () => {
    const archsOf = (image: string) => PYTORCH_IMAGES.find((e) => e.image === image)?.archs ?? [];
    expect(hasKernelsFor(archsOf(tag("2.5.1", "12.4")), "12.0")).toBe(false);
    expect(hasKernelsFor(archsOf(tag("2.7.0", "12.8")), "12.0")).toBe(true);
    // Binary compatibility within a major version: sm_86 kernels serve an RTX 4090 (8.9).
    expect(hasKernelsFor(["8.0", "8.6"], "8.9")).toBe(true);
    expect(hasKernelsFor(["9.0"], "10.0")).toBe(false);
    expect(hasKernelsFor(["8.6"], "8.0")).toBe(false);
  });
});

describe("choosePytorchImage", () => {
  it("the real H100 host (driver 580.159.04, 9.0): the newest build, CUDA 13.0", () => {
    const gpus = realH100();
    expect(gpus).toHaveLength(1);
    expect(choosePytorchImage(gpus)).toEqual({
      ok: true,
      image: tag("2.11.0", "13.0"),
      reason:
        "NVIDIA H100 80GB HBM3 (compute capability 9.0), driver 580.159.04: the newest PyTorch build with kernels for every GPU whose CUDA 13.0 the driver runs",
    });
  });

  it("the test bed's RTX 5090 (12.0, driver 580.95.05): a CUDA 13.0 build with sm_120", () => {
    const gpus = testbedRtx5090();
    expect(gpus[0]?.computeCapability).toBe("12.0");
    expect(choosePytorchImage(gpus)).toMatchObject({ ok: true, image: tag("2.11.0", "13.0") });
  });

  it("an RTX 5090 on a 570 driver: CUDA 12.8, the first CUDA with Blackwell kernels", () => {
    expect(
      choosePytorchImage([gpu("NVIDIA GeForce RTX 5090", "570.124.06", "12.0")]),
    ).toMatchObject({ ok: true, image: tag("2.11.0", "12.8") });
  });

  it("an RTX 5090 on a 565 driver: no image fits, and the error says which driver would", () => {
    const choice = choosePytorchImage([gpu("NVIDIA GeForce RTX 5090", "565.57.01", "12.0")]);
    expect(choice.ok).toBe(false);
    expect(!choice.ok && choice.error).toContain("need driver >= 570.26");
  });

  it("older GPUs get a build that still has their kernels", () => {
    // V100 (7.0): 2.11 dropped sm_70; 2.10's CUDA 12.8 build keeps it.
    expect(choosePytorchImage([gpu("Tesla V100-SXM2-32GB", "580.95.05", "7.0")])).toMatchObject({
      image: tag("2.10.0", "12.8"),
    });
    // A GTX 1080 (6.1): 2.10's CUDA 12.6 build on a 560 driver; below that, 2.7's CUDA 11.8 build.
    expect(choosePytorchImage([gpu("NVIDIA GeForce GTX 1080", "560.35.03", "6.1")])).toMatchObject({
      image: tag("2.10.0", "12.6"),
    });
    expect(choosePytorchImage([gpu("NVIDIA GeForce GTX 1080", "550.54.15", "6.1")])).toMatchObject({
      image: tag("2.7.1", "11.8"),
    });
    // A 535 driver (CUDA 12.2) runs only the CUDA 11.8 build.
    expect(choosePytorchImage([gpu("NVIDIA A100-SXM4-80GB", "535.104.05", "8.0")])).toMatchObject({
      image: tag("2.7.1", "11.8"),
    });
  });

  it("several GPUs: the image fits the lowest driver and every compute capability", () => {
    const gpus = [
      gpu("NVIDIA A100-SXM4-80GB", "580.95.05", "8.0", 0),
      gpu("NVIDIA GeForce RTX 5090", "570.124.06", "12.0", 1),
    ];
    expect(choosePytorchImage(gpus)).toMatchObject({ ok: true, image: tag("2.11.0", "12.8") });
  });
});

describe("an image given with --image", () => {
  const rtx5090 = [gpu("NVIDIA GeForce RTX 5090", "580.95.05", "12.0")];

  it("the widely copied 2.5.1 image is known not to run on an RTX 5090", () => {
    const problems = imageProblems(tag("2.5.1", "12.4"), rtx5090);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("has no kernels for NVIDIA GeForce RTX 5090");
  });

  it("an image outside the table is judged by the CUDA its tag names, else not at all", () => {
    expect(imageProblems("nvcr.io/nvidia/pytorch:24.03-py3", rtx5090)).toEqual([]);
    expect(imageProblems("example.org/team/torch:2.4-cuda12.1", rtx5090)[0]).toContain("Blackwell");
    expect(
      imageProblems("example.org/team/torch:cuda13.0", [
        gpu("NVIDIA GeForce RTX 5090", "570.124.06", "12.0"),
      ]),
    ).toEqual([expect.stringContaining("needs driver >= 580.65.06")]);
  });
});

describe("the image decision", () => {
  const host = (gpuState: HostView["gpuState"]): HostView => ({
    gpuState,
    disks: [],
    user: "ops",
    home: "/home/ops",
    dir: "/home/ops/vla",
    uid: 1000,
    gid: 1000,
  });
  const ready = (gpus: Gpu[]): HostView["gpuState"] => ({
    kind: "ready",
    gpus,
    openKernelModule: true,
  });
  const options = (args: RawWorkspaceOptions = {}) => checkWorkspaceOptions(args, undefined);

  it("refuses an --image known not to run on the GPUs, unless --force", () => {
    const gpus = testbedRtx5090();
    const refused = decideWorkspace(options({ image: tag("2.5.1", "12.4") }), host(ready(gpus)));
    expect(refused.refusal).toMatch(
      /no kernels for NVIDIA GeForce RTX 5090.*--force writes it anyway/,
    );
    const forced = decideWorkspace(
      options({ image: tag("2.5.1", "12.4"), force: true }),
      host(ready(gpus)),
    );
    expect(forced.refusal).toBeUndefined();
    expect(forced.decisions.image).toBe(tag("2.5.1", "12.4"));
    expect(forced.warnings[0]).toContain("has no kernels");
  });

  it("without a GPU says why, and still picks the default build", () => {
    const none = decideWorkspace(options(), host({ kind: "none" }));
    expect(none.refusal).toBeUndefined();
    expect(none.decisions.image).toBe(DEFAULT_PYTORCH_IMAGE.image);
    expect(DEFAULT_PYTORCH_IMAGE.cuda).toBe("12.8");
    expect(none.reasons.image).toMatch(/^no NVIDIA GPU seen/);
    // A GPU without a working driver is no GPU to fit either.
    const noDriver = classifyGpuState({
      nvidiaSmiPresent: false,
      queryExitCode: 127,
      queryOutput: "",
      lspciNvidia: ["01:00.0 VGA compatible controller [0300]: NVIDIA Corporation [10de:2b85]"],
    });
    const decided = decideWorkspace(options(), host(noDriver));
    expect(decided.reasons.image).toMatch(/^No working NVIDIA driver: lspci sees/);
    expect(decided.decisions.image).toBe(DEFAULT_PYTORCH_IMAGE.image);
  });

  it("refuses a host whose GPUs no known image runs on", () => {
    const old = decideWorkspace(
      options(),
      host(ready([gpu("NVIDIA GeForce RTX 5090", "565.57.01", "12.0")])),
    );
    expect(old.refusal).toContain("driver >= 570.26");
  });
});
