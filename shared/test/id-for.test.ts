import { describe, expect, it } from "vitest";
import { IdSchema } from "../src/envelope";
import { idFor } from "../src/ids/id-for";

describe("idFor", () => {
  it("gives the same UUID for the same name and another for another name", async () => {
    const id = await idFor("order:key-1");
    expect(id).toBe(await idFor("order:key-1"));
    expect(id).not.toBe(await idFor("order:key-2"));
    expect(id).not.toBe(await idFor("OrderPlaced:key-1"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(IdSchema.safeParse(id).success).toBe(true);
  });
});
