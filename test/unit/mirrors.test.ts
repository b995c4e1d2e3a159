import { describe, expect, it } from "vitest";
import { MIRROR_PRESETS } from "../../src/mirrors.js";
import { checkUrl } from "../../src/url.js";

describe("the mirror presets", () => {
  it.each(Object.entries(MIRROR_PRESETS))(
    "%s: https, the upstream layout, and a source",
    (_name, preset) => {
      expect(preset.dockerRepo ?? preset.nvidiaRepo).toBeDefined();
      if (preset.dockerRepo) {
        expect(preset.dockerRepo).toMatch(/^https:\/\/[^/]+\/docker-ce\/linux$/);
        expect(checkUrl(preset.dockerRepo, { path: true })).toMatchObject({
          ok: true,
          url: preset.dockerRepo,
        });
      }
      if (preset.nvidiaRepo) {
        expect(preset.nvidiaRepo).toMatch(/^https:\/\/[^/]+\/libnvidia-container$/);
        expect(checkUrl(preset.nvidiaRepo, { path: true })).toMatchObject({
          ok: true,
          url: preset.nvidiaRepo,
        });
      }
      expect(preset.source).toMatch(/^https:\/\//);
    },
  );
});
