import { serviceTestConfig } from "../../shared/testing/service-vitest-config.ts";

export default serviceTestConfig("view", import.meta.url);
