/**
 * The saga as a Cloudflare Workflow (issue 25): the same participants and decisions as the
 * bare saga (bench/bare-saga/src/participants.ts), orchestrated by steps instead of
 * choreographed by messages. Steps: reserve stock, hold points, authorize payment, then confirm
 * (order, stock sold, payment captured, points awarded) or compensate (release what was taken,
 * reject). Compensation is plain steps: wrangler 4.86.0's local Workflows engine has no
 * `step.do` rollback option (it came later, behind the `workflows_step_rollback` flag).
 * Routes: the bare saga's (order-routes.ts), a Workflow instance per order.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { counts } from "../../bare-saga/src/counted";
import { orderRoutes } from "../../bare-saga/src/order-routes";
import {
  authorizePayment,
  type Env as Databases,
  decide,
  holdPoints,
  type Order,
  pointsAwarded,
  reserveStock,
  settlePayment,
  settlePoints,
  settleStock,
} from "../../bare-saga/src/participants";

interface Env extends Databases {
  SAGA: Workflow<Order>;
}

export class SagaWorkflow extends WorkflowEntrypoint<Env, Order> {
  override async run(event: Readonly<WorkflowEvent<Order>>, step: WorkflowStep): Promise<string> {
    counts.invocations.workflowRuns++;
    const o = event.payload as Order;
    const env = this.env;
    const counted = <T>(work: () => Promise<T>) => {
      counts.workflowSteps++;
      return work();
    };
    const stock = await step.do("reserve stock", () => counted(() => reserveStock(env, o)));
    const points = stock && (await step.do("hold points", () => counted(() => holdPoints(env, o))));
    const paid =
      points && (await step.do("authorize payment", () => counted(() => authorizePayment(env, o))));
    const confirmed = stock && points && paid;
    if (confirmed) {
      await step.do("confirm order", () => counted(() => decide(env, o.id, true)));
      await step.do("sell stock", () => counted(() => settleStock(env, o.id, true)));
      await step.do("capture payment", () => counted(() => settlePayment(env, o.id, true)));
      await step.do("award points", () =>
        counted(async () => {
          await settlePoints(env, o, true);
          await pointsAwarded(env, o.id);
        }),
      );
      return "CONFIRMED";
    }
    // Compensation: release only what was taken, then reject.
    if (paid) await step.do("void payment", () => counted(() => settlePayment(env, o.id, false)));
    if (points) await step.do("release points", () => counted(() => settlePoints(env, o, false)));
    if (stock) await step.do("release stock", () => counted(() => settleStock(env, o.id, false)));
    await step.do("reject order", () => counted(() => decide(env, o.id, false)));
    return "REJECTED";
  }
}

export default {
  fetch: (request, env) =>
    orderRoutes(request, env, (order) => env.SAGA.create({ id: order.id, params: order })),
} satisfies ExportedHandler<Env>;
