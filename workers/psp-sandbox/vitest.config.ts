import { statelessTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

// Faults on for the fault tests (a plan arms them; none is set elsewhere).
export default statelessTestConfig("psp-sandbox", { bindings: { FAULTS_ENABLED: "true" } });
