import { serviceTestConfig } from "../../shared/testing/service-vitest-config.ts";

export default serviceTestConfig("payment", import.meta.url);
