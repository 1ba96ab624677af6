import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";

/**
 * The README's API walkthrough, run verbatim (only the host and admin token swapped for
 * this stack's) in order, each answer compared with the one the README shows. Ids, times,
 * access tokens and request ids differ per run and are compared by shape. The steps are one
 * shell session, as a reader runs them: a variable a step sets (`ALICE=$(...)`, a customer's
 * token) is there in the steps after it.
 */

interface Step {
  command: string;
  expected: string;
  kind: "json" | "http";
}

function walkthrough(): Step[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme
    .split("<!-- walkthrough:start -->")[1]
    ?.split("<!-- walkthrough:end -->")[0];
  if (!section) throw new Error("README has no walkthrough section");
  const blocks = [...section.matchAll(/```(sh|json|http)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    text: m[2]!,
  }));
  const steps: Step[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const answer = blocks[i + 1];
    if (block.lang !== "sh") continue;
    if (!answer || answer.lang === "sh")
      throw new Error(`README command without an answer: ${block.text}`);
    steps.push({
      command: block.text.trim(),
      expected: answer.text.trim(),
      kind: answer.lang as "json" | "http",
    });
  }
  return steps;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;
/** A JWT (three base64url parts, the first a JSON header): a customer's access token. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const normalize = (text: string) =>
  text.replace(UUID, "<id>").replace(ISO_TIME, "<time>").replace(JWT, "<jwt>");

/** The shell variables the steps assign (`NAME=` at a command's start). */
const assigned = (command: string) =>
  [...command.matchAll(/(?:^|[;&|(]\s*)([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1] as string);

/** JSON documents in an answer, one per line (a step may print several). */
const jsonDocuments = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(normalize(line)));

function headersOf(text: string): Map<string, string> {
  const head = text.split(/\r?\n\r?\n/)[0] ?? "";
  return new Map(
    head
      .split(/\r?\n/)
      .slice(1)
      .map((line) => [
        line.slice(0, line.indexOf(":")).toLowerCase(),
        normalize(line.slice(line.indexOf(":") + 1).trim()),
      ]),
  );
}

describe("README walkthrough", () => {
  const baseUrl = inject("baseUrl");
  const adminToken = inject("adminToken");
  const steps = walkthrough();
  // The session's variables, written after each step and read before the next.
  const dir = mkdtempSync(join(tmpdir(), "edge-saga-readme-"));
  const session = join(dir, "session.sh");
  const carried = new Set<string>();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has commands to run", () => {
    expect(steps.length).toBeGreaterThanOrEqual(15);
  });

  for (const [index, step] of steps.entries()) {
    it(`step ${index + 1}: ${step.command.slice(0, 90)}`, () => {
      const command = step.command
        .replaceAll("http://localhost:8787", baseUrl)
        .replaceAll("Bearer dev-admin-token", `Bearer ${adminToken}`);
      for (const name of assigned(command)) carried.add(name);
      const script = [
        `[ -f '${session}' ] && . '${session}'`,
        command,
        "status=$?",
        carried.size ? `declare -p ${[...carried].join(" ")} > '${session}' 2>/dev/null` : ":",
        "exit $status",
      ].join("\n");
      const output = execFileSync("bash", ["-c", script], { encoding: "utf8", timeout: 30_000 });
      expect(jsonDocuments(output)).toEqual(jsonDocuments(step.expected));
      if (step.kind === "http") {
        expect(output.split("\n")[0]?.trim()).toBe(step.expected.split("\n")[0]?.trim());
        const actual = headersOf(output);
        for (const [name, value] of headersOf(step.expected)) {
          if (name === "x-request-id") expect(actual.get(name)).toMatch(/\S/);
          else expect(actual.get(name), `header ${name}`).toBe(value);
        }
      }
    });
  }
});
