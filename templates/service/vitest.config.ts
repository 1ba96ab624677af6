import { serviceTestConfig } from "../../shared/testing/service-vitest-config.ts";

export default serviceTestConfig("__NAME__", import.meta.url);
