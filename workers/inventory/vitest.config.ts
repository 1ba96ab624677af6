import { serviceTestConfig } from "../../shared/testing/service-vitest-config.ts";

export default serviceTestConfig("inventory", import.meta.url);
