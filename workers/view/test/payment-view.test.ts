import { type Envelope, newId } from "@edge-saga/shared";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import {
  foldPayment,
  PAYMENT_RANK,
  PAYMENT_STATUSES,
  type PaymentEventType,
  type PaymentStatus,
  paymentStatusOf,
} from "../src/domain/order-history";
import { deliverAll, event, history, rebuild, storedOrders } from "./helpers";

const lamp = { sku: "lamp", quantity: 2, unitPriceCents: 4500 };

function placed(orderId: string, customerId: string, pointsToRedeem = 0): Envelope {
  return event("OrderPlaced", "order", orderId, {
    orderId,
    customerId,
    items: [lamp],
    totalCents: 9000,
    pointsToRedeem,
  });
}

function paid(type: PaymentEventType, orderId: string, amountCents: number): Envelope {
  return event(type, "payment", orderId, {
    orderId,
    amountCents,
    ...(type === "PaymentDeclined" ? { reason: "card_declined" } : {}),
  });
}

/** Every life a correct payment service gives an order's payment, and what the view must show. */
const LIVES: {
  name: string;
  steps: [PaymentEventType, number][];
  shows: { status: PaymentStatus; amountCents: number | null };
}[] = [
  {
    name: "authorized, captured, refunded",
    steps: [
      ["PaymentAuthorized", 8500],
      ["PaymentCaptured", 8500],
      ["PaymentRefunded", 8500],
    ],
    shows: { status: "REFUNDED", amountCents: 8500 },
  },
  {
    name: "authorized, captured",
    steps: [
      ["PaymentAuthorized", 8500],
      ["PaymentCaptured", 8500],
    ],
    shows: { status: "CAPTURED", amountCents: 8500 },
  },
  {
    name: "authorized, voided",
    steps: [
      ["PaymentAuthorized", 8500],
      ["PaymentVoided", 8500],
    ],
    shows: { status: "VOIDED", amountCents: 8500 },
  },
  {
    name: "authorized",
    steps: [["PaymentAuthorized", 8500]],
    shows: { status: "AUTHORIZED", amountCents: 8500 },
  },
  {
    name: "declined",
    steps: [["PaymentDeclined", 8500]],
    shows: { status: "DECLINED", amountCents: 8500 },
  },
  {
    name: "nothing to pay (points cover the total)",
    steps: [["PaymentAuthorized", 0]],
    shows: { status: "NOT_REQUIRED", amountCents: 0 },
  },
];

/**
 * `events`, each sent 1-3 times, in any order, cut into batches of 1-4: what an at-least-once
 * queue with retries and re-sends may deliver.
 */
const deliveryOf = (events: Envelope[]): fc.Arbitrary<Envelope[][]> =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length })
    .chain((copies) => {
      const sent = events.flatMap((e, i) =>
        Array.from({ length: copies[i] ?? 1 }, () => structuredClone(e)),
      );
      return fc.tuple(
        fc.shuffledSubarray(sent, { minLength: sent.length, maxLength: sent.length }),
        fc.array(fc.integer({ min: 1, max: 4 }), {
          minLength: sent.length,
          maxLength: sent.length,
        }),
      );
    })
    .map(([order, sizes]) => {
      const batches: Envelope[][] = [];
      for (let i = 0, b = 0; i < order.length; b++) {
        const size = sizes[b] ?? 1;
        batches.push(order.slice(i, i + size));
        i += size;
      }
      return batches;
    });

async function deliverBatches(batches: Envelope[][]): Promise<void> {
  await rebuild();
  for (const batch of batches) await deliverAll(batch);
}

describe("view: payment status rules (pure)", () => {
  it("ranks every status differently, each step of every life above the one before", () => {
    expect(new Set(Object.values(PAYMENT_RANK)).size).toBe(PAYMENT_STATUSES.length);
    for (const life of LIVES) {
      const ranks = life.steps.map(([type, amount]) => PAYMENT_RANK[paymentStatusOf(type, amount)]);
      expect(ranks, life.name).toEqual([...ranks].sort((a, b) => a - b));
      expect(new Set(ranks).size, life.name).toBe(ranks.length);
      expect(Math.min(...ranks), life.name).toBeGreaterThan(PAYMENT_RANK.PENDING);
    }
  });

  it("an authorization of 0 cents is NOT_REQUIRED, of more an AUTHORIZED hold", () => {
    expect(paymentStatusOf("PaymentAuthorized", 0)).toBe("NOT_REQUIRED");
    expect(paymentStatusOf("PaymentAuthorized", 1)).toBe("AUTHORIZED");
    expect(paymentStatusOf("PaymentDeclined", 0)).toBe("DECLINED");
  });

  it("folds any sequence of reports to the same status as any reordering of it", () => {
    const seen = fc.array(fc.constantFrom(...PAYMENT_STATUSES), { maxLength: 12 });
    fc.assert(
      fc.property(
        seen.chain((s) =>
          fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length })),
        ),
        ([inOrder, shuffled]) => {
          expect(foldPayment(shuffled)).toBe(foldPayment(inOrder));
          expect(foldPayment([...inOrder, ...inOrder])).toBe(foldPayment(inOrder));
        },
      ),
    );
    expect(foldPayment([])).toBe("PENDING");
  });
});

describe("view: payment column converges", () => {
  beforeEach(rebuild);

  for (const life of LIVES)
    it(`${life.name}: any order, any duplicates -> ${life.shows.status}`, async () => {
      const orderId = newId();
      const customerId = `cust-${orderId.slice(-6)}`;
      const events = [
        placed(orderId, customerId, life.shows.amountCents === 0 ? 9000 : 500),
        ...life.steps.map(([type, amount]) => paid(type, orderId, amount)),
      ];
      await deliverBatches([events]);
      const reference = await storedOrders();
      expect(reference).toHaveLength(1);
      expect(reference[0]?.payment).toEqual(life.shows);

      await fc.assert(
        fc.asyncProperty(deliveryOf(events), async (batches) => {
          await deliverBatches(batches);
          expect(await storedOrders()).toEqual(reference);
        }),
        { numRuns: 15 },
      );
      // Real deliveries through the consumer: slow on a loaded machine, never a speed check.
    }, 60_000);

  it("any set of payment reports, even ones a correct service never sends together, converges to the highest-ranked", async () => {
    const types: PaymentEventType[] = [
      "PaymentAuthorized",
      "PaymentDeclined",
      "PaymentCaptured",
      "PaymentVoided",
      "PaymentRefunded",
    ];
    const orderId = newId();
    const run = fc
      .tuple(fc.subarray(types, { minLength: 1 }), fc.constantFrom(0, 2500))
      .chain(([sent, amount]) =>
        deliveryOf(sent.map((type) => paid(type, orderId, amount))).map((batches) => ({
          sent,
          amount,
          batches,
        })),
      );
    await fc.assert(
      fc.asyncProperty(run, async ({ sent, amount, batches }) => {
        await deliverBatches(batches);
        const authorization = sent.some(
          (t) => t === "PaymentAuthorized" || t === "PaymentDeclined",
        );
        expect((await storedOrders()).map((o) => o.payment)).toEqual([
          {
            status: foldPayment(sent.map((t) => paymentStatusOf(t, amount))),
            amountCents: authorization ? amount : null,
          },
        ]);
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});

describe("view: the customer's orders show the payment", () => {
  beforeEach(rebuild);

  it("PENDING with no amount until a payment event arrives, then what it says", async () => {
    const orderId = newId();
    const free = newId();
    await deliverAll([placed(orderId, "dora", 500), placed(free, "dora", 9000)]);
    expect((await history("dora")).orders.map((o) => [o.id, o.payment])).toEqual([
      [free, { status: "PENDING", amountCents: null }],
      [orderId, { status: "PENDING", amountCents: null }],
    ]);

    await deliverAll([
      paid("PaymentAuthorized", orderId, 8500),
      paid("PaymentAuthorized", free, 0),
    ]);
    expect((await history("dora")).orders.map((o) => [o.id, o.payment])).toEqual([
      [free, { status: "NOT_REQUIRED", amountCents: 0 }],
      [orderId, { status: "AUTHORIZED", amountCents: 8500 }],
    ]);

    // A capture before the confirmation that caused it (reordered): shown at once.
    await deliverAll([paid("PaymentCaptured", orderId, 8500)]);
    const [, captured] = (await history("dora")).orders;
    expect(captured?.payment).toEqual({ status: "CAPTURED", amountCents: 8500 });
    expect(captured?.status).toBe("PENDING");
  });

  it("a payment event before OrderPlaced keeps the order unlisted but in the admin snapshot", async () => {
    const orderId = newId();
    await deliverAll([paid("PaymentDeclined", orderId, 8500)]);
    expect((await history("erin")).orders).toEqual([]);
    expect(await storedOrders()).toMatchObject([
      { id: orderId, createdAt: null, payment: { status: "DECLINED", amountCents: 8500 } },
    ]);
    await deliverAll([
      placed(orderId, "erin", 500),
      event("OrderRejected", "order", orderId, {
        orderId,
        customerId: "erin",
        reason: "PAYMENT_DECLINED",
      }),
    ]);
    expect((await history("erin")).orders).toMatchObject([
      {
        id: orderId,
        status: "REJECTED",
        rejectionReason: "PAYMENT_DECLINED",
        payment: { status: "DECLINED", amountCents: 8500 },
      },
    ]);
  });
});
