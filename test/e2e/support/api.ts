import { inject } from "vitest";
import { ApiClient } from "../../../scripts/lib/api-client";

/** The API of the stack the global setup started. */
export const api = new ApiClient(inject("baseUrl"), inject("adminToken"));
