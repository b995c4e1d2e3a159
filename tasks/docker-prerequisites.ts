import { installed } from "../src/apt/apt.js";
import { done, type Step, todo } from "../src/engine/step.js";

const PREREQUISITES = ["ca-certificates", "curl"];

export const dockerPrerequisites: Step = {
  id: "docker-prerequisites",
  title: "Install ca-certificates and curl",
  kind: "change",
  packages: PREREQUISITES,
  plan({ facts }) {
    const missing = PREREQUISITES.filter((name) => !installed(facts, name));
    if (missing.length === 0) return done("ca-certificates and curl are installed");
    return todo(
      { kind: "apt-update" },
      {
        kind: "apt-install",
        packages: missing.map((name) => ({ name })),
        noRecommends: true,
        allowDowngrades: false,
      },
    );
  },
};
