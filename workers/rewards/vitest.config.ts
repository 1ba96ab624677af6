import { serviceTestConfig } from "../../shared/testing/service-vitest-config.ts";

export default serviceTestConfig("rewards", import.meta.url);
