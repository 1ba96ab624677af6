/** How the demo prints: colours, service tags, and the timed steps of a journey. */

import { styleText } from "node:util";

export type Service = "you" | "order" | "inventory" | "rewards" | "payment";

export class Out {
  constructor(
    private readonly write: (text: string) => void,
    readonly color: boolean,
  ) {}

  private paint = (format: Parameters<typeof styleText>[0]) => (text: string) =>
    this.color ? styleText(format, text) : text;
  bold = this.paint("bold");
  dim = this.paint("dim");
  red = this.paint("red");
  green = this.paint("green");
  yellow = this.paint("yellow");
  blue = this.paint("blue");
  magenta = this.paint("magenta");
  cyan = this.paint("cyan");

  line(text = "") {
    this.write(`${text}\n`);
  }

  tag(service: Service): string {
    const text = `[${service}]`.padEnd(11);
    switch (service) {
      case "order":
        return this.cyan(text);
      case "inventory":
        return this.yellow(text);
      case "rewards":
        return this.magenta(text);
      case "payment":
        return this.green(text);
      default:
        return this.blue(text);
    }
  }

  status(status: string): string {
    if (status === "CONFIRMED") return this.green(status);
    if (status === "REJECTED") return this.red(status);
    if (status === "CANCELLED") return this.yellow(status);
    return status;
  }

  /** One step of a journey: when (ms since the order was placed), who, what. */
  step(ms: number, service: Service, text: string, observed = false) {
    const when = `${observed ? "~" : "+"}${String(Math.max(0, Math.round(ms))).padStart(5)} ms`;
    this.line(`    ${this.dim(when)}  ${this.tag(service)} ${text}`);
  }
}

/** Indent of a step's second line: under the status column (4 + 9 + 2 + 11 + 1 columns). */
export const CONTINUATION = `${" ".repeat(27)}↳ `;

export const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** ANSI colours only on a terminal, unless NO_COLOR or FORCE_COLOR says otherwise. */
export function defaultColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return process.stdout.isTTY === true;
}
