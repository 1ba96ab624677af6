import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

export default serviceTestConfig("inventory", import.meta.url);
