#!/usr/bin/env node
// The API's TypeScript types, generated from the OpenAPI schema that Django serves:
//   manage.py spectacular --format openapi-json  →  openapi-typescript  →  src/api/schema.d.ts
//
//   npm run api-types               regenerate src/api/schema.d.ts (commit it with the API change)
//   npm run api-types -- --check    exit 1 when the committed file is stale (CI runs this)
//
// The schema comes from the project's virtualenv (<repo>/.venv, made by scripts/run.sh or
// scripts/test.sh); set PYTHON to use another interpreter.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const frontend = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repo = path.dirname(frontend);
const target = path.join(frontend, "src", "api", "schema.d.ts");
const shown = path.relative(process.cwd(), target) || target;
const check = process.argv.includes("--check");

const unknown = process.argv.slice(2).filter((arg) => arg !== "--check");
if (unknown.length) fail(`unknown argument ${unknown.join(" ")} (only --check is understood)`);

const python =
  process.env.PYTHON ||
  path.join(repo, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
if (!process.env.PYTHON && !existsSync(python)) {
  fail(`no virtualenv at ${path.relative(process.cwd(), python)}: run scripts/test.sh once, or set PYTHON`);
}

const work = mkdtempSync(path.join(tmpdir(), "api-types-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const schema = path.join(work, "openapi.json");
const output = path.join(work, "schema.d.ts");
run(python, ["manage.py", "spectacular", "--format", "openapi-json", "--file", schema], repo,
  "manage.py spectacular failed");
const cli = path.join(frontend, "node_modules", "openapi-typescript", "bin", "cli.js");
if (!existsSync(cli)) fail("openapi-typescript is not installed: run `npm ci` in frontend/");
run(process.execPath, [cli, schema, "--output", output], frontend, "openapi-typescript failed");

const fresh = readFileSync(output, "utf8");
const committed = existsSync(target) ? readFileSync(target, "utf8") : null;
if (check) {
  if (committed !== fresh) {
    const where = committed === null ? "it does not exist" : firstDifference(committed, fresh);
    fail(
      `${shown} is stale: the API schema changed since it was generated (${where}).\n` +
        "Run `npm run api-types` in frontend/ and commit src/api/schema.d.ts.",
    );
  }
  console.log(`${shown} is up to date with the API schema.`);
} else if (committed === fresh) {
  console.log(`${shown} is already up to date.`);
} else {
  writeFileSync(target, fresh);
  console.log(`${shown} regenerated from the API schema.`);
}

function run(command, args, cwd, what) {
  try {
    // The tools' own chatter stays quiet; their errors and warnings are shown.
    execFileSync(command, args, { cwd, stdio: ["ignore", "ignore", "inherit"] });
  } catch (error) {
    fail(`${what} (${error.code === "ENOENT" ? `${command} not found` : `exit ${error.status}`})`);
  }
}

function firstDifference(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `first difference at line ${at + 1}: ${JSON.stringify((b[at] ?? "").trim())}`;
}

function fail(message) {
  console.error(`api-types: ${message}`);
  process.exit(1);
}
