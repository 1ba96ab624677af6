/**
 * The bare saga of `npm run bench` (issue 25): the floor for this choreography. The same
 * participants and decisions as the services (participants.ts), wired by plain queue messages:
 * no kit, no outbox, no inbox, no receipts, no retries. Per saga: OrderPlaced to inventory,
 * rewards and payment (3 messages), their 3 answers to the order, OrderConfirmed or
 * OrderRejected to the 3, and PointsAwarded back to the order: 10 messages.
 * Routes: order-routes.ts.
 */
import { counts } from "./counted";
import { orderRoutes } from "./order-routes";
import {
  answer,
  authorizePayment,
  type Env as Databases,
  holdPoints,
  type Order,
  type Participant,
  pointsAwarded,
  reserveStock,
  settlePayment,
  settlePoints,
  settleStock,
} from "./participants";

interface Env extends Databases {
  ORDER_Q: Queue<Message>;
  INVENTORY_Q: Queue<Message>;
  REWARDS_Q: Queue<Message>;
  PAYMENT_Q: Queue<Message>;
}

type Message =
  | { type: "OrderPlaced"; order: Order }
  | { type: "OrderDecided"; order: Order; confirmed: boolean }
  | { type: "Answered"; orderId: string; who: Participant; ok: boolean }
  | { type: "PointsAwarded"; orderId: string };

const PARTICIPANTS = ["INVENTORY_Q", "REWARDS_Q", "PAYMENT_Q"] as const;

/** Sends what a batch produced, one sendBatch per destination queue. */
async function send(out: Map<Queue<Message>, Message[]>): Promise<void> {
  await Promise.all(
    [...out].map(([queue, messages]) => {
      counts.messagesSent += messages.length;
      return queue.sendBatch(messages.map((body) => ({ body })));
    }),
  );
}

function toParticipants(env: Env, message: Message): Map<Queue<Message>, Message[]> {
  return new Map(PARTICIPANTS.map((q) => [env[q], [message]]));
}

/** One participant's handling of one message: what it sends back. */
async function handle(env: Env, queue: string, m: Message): Promise<[Queue<Message>, Message][]> {
  const reply = (orderId: string, who: Participant, ok: boolean): [Queue<Message>, Message][] => [
    [env.ORDER_Q, { type: "Answered", orderId, who, ok }],
  ];
  if (queue.endsWith("-inventory")) {
    if (m.type === "OrderPlaced")
      return reply(m.order.id, "stock", await reserveStock(env, m.order));
    if (m.type === "OrderDecided") await settleStock(env, m.order.id, m.confirmed);
    return [];
  }
  if (queue.endsWith("-rewards")) {
    if (m.type === "OrderPlaced")
      return reply(m.order.id, "points_held", await holdPoints(env, m.order));
    if (m.type === "OrderDecided") {
      await settlePoints(env, m.order, m.confirmed);
      if (m.confirmed) return [[env.ORDER_Q, { type: "PointsAwarded", orderId: m.order.id }]];
    }
    return [];
  }
  if (queue.endsWith("-payment")) {
    if (m.type === "OrderPlaced")
      return reply(m.order.id, "payment", await authorizePayment(env, m.order));
    if (m.type === "OrderDecided") await settlePayment(env, m.order.id, m.confirmed);
    return [];
  }
  // The order.
  if (m.type === "Answered") {
    const decided = await answer(env, m.orderId, m.who, m.ok);
    if (!decided) return [];
    const message: Message = {
      type: "OrderDecided",
      order: decided.order,
      confirmed: decided.decided === "CONFIRMED",
    };
    return PARTICIPANTS.map((q) => [env[q], message]);
  }
  if (m.type === "PointsAwarded") await pointsAwarded(env, m.orderId);
  return [];
}

export default {
  fetch: (request, env) =>
    orderRoutes(request, env, (order) => send(toParticipants(env, { type: "OrderPlaced", order }))),

  async queue(batch: MessageBatch<Message>, env: Env): Promise<void> {
    counts.invocations.queueBatches++;
    counts.invocations.queueMessages += batch.messages.length;
    const replies = await Promise.all(batch.messages.map((m) => handle(env, batch.queue, m.body)));
    const out = new Map<Queue<Message>, Message[]>();
    for (const [queue, message] of replies.flat())
      out.set(queue, [...(out.get(queue) ?? []), message]);
    await send(out);
  },
} satisfies ExportedHandler<Env, Message>;
