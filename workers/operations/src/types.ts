import { SAGA_SERVICES, type SagaService } from "@edge-saga/contracts";

/** The saga's services (order, inventory, rewards, payment): their traces and outboxes make a saga. */
export const SERVICES = SAGA_SERVICES;
export type ServiceName = SagaService;
/** Every Worker this one reads: the services plus the view (a read model, no outbox of its own). */
export type BoundService = ServiceName | "view";

/** Hono environment of the operations Worker. */
export interface OperationsEnv {
  Bindings: Env;
  Variables: { requestId: string };
}
