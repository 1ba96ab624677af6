import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

export default serviceTestConfig("__NAME__", import.meta.url);
