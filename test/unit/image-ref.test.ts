import { describe, expect, it } from "vitest";
import { checkImageReference } from "../../src/image-ref.js";

const SHA256 = "a".repeat(64);
const SHA512 = "0123456789abcdef".repeat(8);

describe("checkImageReference", () => {
  it.each([
    ["hello-world", { path: "hello-world" }],
    [
      "nvidia/cuda:13.0.2-base-ubuntu24.04",
      { path: "nvidia/cuda", tag: "13.0.2-base-ubuntu24.04" },
    ],
    [
      "127.0.0.1:5000/library/hello-world",
      { domain: "127.0.0.1:5000", path: "library/hello-world" },
    ],
    [`nvidia/cuda@sha256:${SHA256}`, { path: "nvidia/cuda", digest: `sha256:${SHA256}` }],
    [
      `nvcr.io/nvidia/pytorch:25.01-py3@sha512:${SHA512}`,
      {
        domain: "nvcr.io",
        path: "nvidia/pytorch",
        tag: "25.01-py3",
        digest: `sha512:${SHA512}`,
      },
    ],
    ["localhost/my_image", { domain: "localhost", path: "my_image" }],
    ["localhost:5000/a__b/c-d--e/f.g", { domain: "localhost:5000", path: "a__b/c-d--e/f.g" }],
    ["[::1]:5000/hello-world:latest", { domain: "[::1]:5000", path: "hello-world", tag: "latest" }],
    ["Registry.Example.org/team/img", { domain: "Registry.Example.org", path: "team/img" }],
    ["localhost:5000", { path: "localhost", tag: "5000" }],
    [`img:_${"x".repeat(127)}`, { path: "img", tag: `_${"x".repeat(127)}` }],
  ])("accepts %s", (value, reference) => {
    expect(checkImageReference(value)).toEqual({ ok: true, reference });
  });

  it.each([
    ["", /empty/],
    ["NVIDIA/cuda", /must be lower-case/],
    ["nvidia/CUDA:12.8.0", /must be lower-case/],
    ["Hello-World", /must be lower-case/],
    ["nvidia/cuda:", /tag ""/],
    ["nvidia/cuda:-x", /tag "-x"/],
    [`nvidia/cuda:${"x".repeat(129)}`, /tag/],
    ["nvidia/cuda@sha256:abc", /sha256 digest must be 64 lower-case hex digits/],
    [`nvidia/cuda@sha256:${SHA256.toUpperCase()}`, /64 lower-case hex/],
    [`nvidia/cuda@sha512:${SHA256}`, /sha512 digest must be 128/],
    [`nvidia/cuda@md5:${"a".repeat(32)}`, /unsupported digest algorithm "md5"/],
    ["nvidia/cuda@latest", /a digest must be sha256:/],
    ["nvidia//cuda", /empty component/],
    ["nvidia/cuda/", /empty component/],
    ["/cuda", /empty component/],
    [":latest", /no repository name/],
    ["nvidia/cu--da_", /not a repository path component/],
    ["nvidia/cu...da", /not a repository path component/],
    ["nvidia/cuda latest", /whitespace/],
    ["nvidia/cuda\n--privileged", /whitespace/],
    ["-v/:/host", /not a repository path component/],
    ["bad_host.example:5000/x", /not a registry host/],
    ["host.example:port/x", /not a registry host/],
    [`example.org/${"a".repeat(250)}`, /longer than 255/],
  ])("refuses %j", (value, error) => {
    const checked = checkImageReference(value);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.error).toMatch(error);
  });
});
