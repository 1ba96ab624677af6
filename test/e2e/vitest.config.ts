import { defineConfig } from "vitest/config";
import { e2eProject } from "./e2e-project.ts";

export default defineConfig({ test: e2eProject("e2e") });
