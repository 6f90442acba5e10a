// Siteimprove Alfa's ACT rules on pages serialised in the browser (crawler/engines.py).
//
//   node alfa.mjs NODE_MODULES RULES     then one JSON request per stdin line (RULES: "sia-r1,sia-r2,…"):
//   {"page": <Native.fromNode(document) JSON>, "device": <Device JSON>}  →  one JSON line of outcomes
//   node alfa.mjs NODE_MODULES RULES --list    prints the rules it runs: [{rule, criteria, levels}, …]
//
// One process serves a browser session's pages (Alfa's modules take about a second to load). It exits
// when stdin closes, so it never outlives the Python process that started it.
import { createInterface } from "node:readline";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = process.argv[2];
const load = (rel) => import(pathToFileURL(join(root, "@siteimprove", rel)).href);
const [{ Audit }, { Device }, { Node }, { Request, Response }, { Page }, alfa] = await Promise.all([
  load("alfa-act/dist/index.js"), load("alfa-device/dist/index.js"), load("alfa-dom/dist/index.js"),
  load("alfa-http/dist/index.js"), load("alfa-web/dist/index.js"), load("alfa-rules/dist/index.js"),
]);
const ruleId = (rule) => rule.uri.slice(rule.uri.lastIndexOf("/") + 1);  // …/rules/sia-r1 → sia-r1
const wanted = process.argv[3] ? new Set(process.argv[3].split(",")) : null;  // none named: all
const rules = [...alfa.Rules.values()].filter((rule) => !wanted || wanted.has(ruleId(rule)));
const MAX_TARGETS = 20;
// Alfa's requirements name WCAG criteria (level per WCAG version: the newest counts); the ACT rule ids
// are W3C's mapping, kept in crawler/engines.py
const META = new Map(rules.map((rule) => {
  const criteria = rule.requirements.filter((r) => r.constructor.name === "Criterion");
  return [rule, { criteria: criteria.map((c) => c.chapter), levels: criteria.map((c) => c.level.toJSON()[0]?.[0] ?? "") }];
}));

// The element's opening tag, as axe-core shows an element (never its text content).
function openingTag(node) {
  if (typeof node.attributes === "undefined" || typeof node.name !== "string") {
    return String(node).slice(0, 200);
  }
  const attrs = [...node.attributes].map((a) => ` ${a.name}="${String(a.value).slice(0, 120)}"`).join("");
  return `<${node.name}${attrs}>`.slice(0, 400);
}

function describe(target) {
  // a rule's target is a node, or a group of nodes (identical link names, r15/r41/r81)
  const nodes = typeof target?.path === "function" ? [target] : [...(target ?? [])].slice(0, 5);
  return nodes.map((n) => ({ selector: typeof n.path === "function" ? n.path() : "", html: openingTag(n) }));
}

function messages(outcome) {
  try {
    if (outcome.outcome === "cantTell") return [outcome.diagnostic.message];
    return [...outcome.expectations.values()].filter((r) => r.isErr()).map((r) => r.getErr().message);
  } catch {
    return [];
  }
}

async function audit(request) {
  const device = Device.from(request.device);
  const document = Node.from(request.page, device);
  const page = Page.of(Request.empty(), Response.empty(), document, device);
  const outcomes = await Audit.of(page, rules).evaluate();
  const byRule = new Map();
  for (const rule of rules) byRule.set(ruleId(rule), { rule: ruleId(rule), failed: [], cantTell: [], passed: 0, ...META.get(rule) });
  for (const outcome of outcomes) {
    const entry = byRule.get(ruleId(outcome.rule));
    const kind = outcome.outcome;
    if (kind === "passed") entry.passed += 1;
    if (kind !== "failed" && kind !== "cantTell") continue;
    entry[kind].push(entry[kind].length < MAX_TARGETS ? { nodes: describe(outcome.target), messages: messages(outcome) } : null);
  }
  return { rules: [...byRule.values()].filter((e) => e.failed.length || e.cantTell.length || e.passed) };
}

if (process.argv[4] === "--list") {
  process.stdout.write(JSON.stringify(rules.map((rule) => ({ rule: ruleId(rule), ...META.get(rule) }))) + "\n");
  process.exit(0);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let reply;
  try {
    reply = await audit(JSON.parse(line));
  } catch (error) {
    reply = { error: String(error?.stack ?? error).slice(0, 500) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
