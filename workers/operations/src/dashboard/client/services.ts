import type { SagaService } from "@edge-saga/contracts";

/**
 * The saga's services in lane order (contracts' SAGA_SERVICES). Restated, not imported:
 * a value from contracts would bundle zod into the page (build.mjs refuses that).
 */
export const SERVICES: readonly SagaService[] = ["order", "inventory", "rewards", "payment"];
