// Starts the real platform for the end-to-end tests and the performance budget: gunicorn and the
// django-q2 workers as child processes, in production mode (DEBUG off) on a free loopback port,
// with their own SQLite database and output folder in a temporary directory. Plain JavaScript so
// that both Playwright and `npm run budget` (plain Node) can use it; types in platform.d.mts.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { crc32, deflateSync } from "node:zlib";

const run = promisify(execFile);

export const FRONTEND_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = resolve(FRONTEND_DIR, "..");
const PYTHON = join(REPO_DIR, ".venv", "bin", "python");
const GUNICORN = join(REPO_DIR, ".venv", "bin", "gunicorn");
const APP_INDEX = join(REPO_DIR, "static", "app", "index.html");

/** The settings every platform of the suite runs with (names from config/settings.py). */
const BASE_ENV = {
  DEBUG: "false",
  REQUIRE_SECRET_KEY: "true",
  ALLOWED_HOSTS: "127.0.0.1,localhost",
  HOST: "127.0.0.1",
  // Plain http on loopback: cookies without Secure, no redirect to https (the defaults, said aloud
  // so a developer's .env cannot turn them on).
  HTTPS: "off",
  SECURE_COOKIES: "false",
  SECURE_SSL_REDIRECT: "false",
  HSTS_SECONDS: "0",
  // The suite creates jobs and uploads faster than a person would.
  THROTTLE_JOBS_PER_MINUTE: "600",
  THROTTLE_UPLOADS_PER_MINUTE: "600",
  THROTTLE_IMPORTS_PER_MINUTE: "600",
  Q_BROKER: "orm",
  LLM_PROVIDER: "local",
  PPL_PROVIDER: "local",
  GOODS_PROVIDER: "local",
  EDIT_PROVIDER: "local",
  PAGE_IMAGE_PROVIDER: "local",
  LOCAL_PROVIDER_DELAY_SECONDS: "1",
  MAX_PER_USER_QUEUE: "3",
  MAX_PER_USER_CONCURRENT: "1",
  STORAGE_BACKEND: "local",
  CACHE_URL: "",
  HEALTHZ_DISK_MIN_FREE_MB: "0",
  WEB_CONCURRENCY: "2",
  WEB_THREADS: "8",
  LOG_FORMAT: "text",
  LOG_LEVEL: "WARNING",
  ACCESS_LOG_LEVEL: "WARNING",
  PYTHONUNBUFFERED: "1",
};

/** A free TCP port on loopback (the OS picks one). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function newestMtime(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Build the app into static/app/ when it is missing or older than its sources. */
export async function buildAppIfStale(log = console.log) {
  const sources = ["src", "index.html", "vite.config.ts", "package-lock.json"].map((p) => join(FRONTEND_DIR, p));
  const built = existsSync(APP_INDEX) ? statSync(APP_INDEX).mtimeMs : 0;
  if (built && sources.every((p) => !existsSync(p) || newestMtime(p) <= built)) return false;
  log("building the web app (npx vite build) ...");
  await run("npx", ["vite", "build", "--logLevel", "warn"], { cwd: FRONTEND_DIR, maxBuffer: 32 * 1024 * 1024 });
  return true;
}

async function python(args, env, options = {}) {
  try {
    const { stdout } = await run(PYTHON, args, { cwd: REPO_DIR, env, maxBuffer: 64 * 1024 * 1024, ...options });
    return stdout;
  } catch (error) {
    throw new Error(`${args.slice(0, 3).join(" ")} failed:\n${error.stderr || error.message}`);
  }
}

/**
 * Shared ground for every platform of one run: a temp directory, a migrated template database
 * (copied per platform, so migrations run once) and the collected static files.
 */
export async function prepareBase({ log = console.log } = {}) {
  const root = mkdtempSync(join(tmpdir(), "studio-e2e-"));
  const env = {
    ...process.env,
    ...BASE_ENV,
    SECRET_KEY: randomBytes(32).toString("hex"),
    DATABASE_URL: `sqlite:///${join(root, "template.sqlite3")}`,
    OUTPUT_DIR: join(root, "template-outputs"),
    STATIC_ROOT: join(root, "static"),
  };
  log("migrating a template database and collecting static files ...");
  try {
    await Promise.all([
      python(["manage.py", "migrate", "--noinput", "-v0"], env),
      python(["manage.py", "collectstatic", "--noinput", "-v0"], env),
    ]);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return { root, template: join(root, "template.sqlite3"), staticRoot: join(root, "static") };
}

async function waitForHealth(baseURL, children, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    for (const child of children) {
      if (child.exitCode !== null) throw new Error(`${child.spawnargs.slice(0, 3).join(" ")} exited (${child.exitCode})`);
    }
    try {
      const response = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(3000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the platform at ${baseURL} did not become healthy: ${last}`);
}

const running = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
// A crash of the runner must not leave servers behind.
process.on("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

/**
 * Start one platform. `env` overrides the defaults (e.g. {JOB_TIMEOUT_SECONDS: "2"}); `users`
 * are created before it answers (see scripts/webapp_seed.py). Returns its address, its
 * directory, a seed() helper and stop().
 */
export async function startPlatform({ base, name, env: overrides = {}, users = [], password, log = console.log }) {
  const dir = join(base.root, name);
  mkdirSync(join(dir, "outputs"), { recursive: true });
  mkdirSync(join(dir, "worker"), { recursive: true });
  const database = join(dir, "studio.sqlite3");
  copyFileSync(base.template, database);
  const port = await freePort();
  const env = {
    ...process.env,
    ...BASE_ENV,
    ...overrides,
    SECRET_KEY: randomBytes(32).toString("hex"),
    DATABASE_URL: `sqlite:///${database}`,
    OUTPUT_DIR: join(dir, "outputs"),
    STATIC_ROOT: base.staticRoot,
    WORKER_STATE_DIR: join(dir, "worker"),
    PROMETHEUS_MULTIPROC_DIR: join(dir, "prometheus"),
    PORT: String(port),
  };
  const baseURL = `http://127.0.0.1:${port}`;
  const seed = async (command, args) =>
    JSON.parse(await python(["scripts/webapp_seed.py", command, JSON.stringify(args)], env));
  if (users.length) await seed("users", { password, users });

  const children = [];
  const spawnLogged = (label, command, args) => {
    const out = openSync(join(dir, `${label}.log`), "a");
    // detached: its own process group, so stop() ends gunicorn's and django-q2's children too.
    const child = spawn(command, args, { cwd: REPO_DIR, env, detached: true, stdio: ["ignore", out, out] });
    running.add(child);
    child.on("exit", () => running.delete(child));
    children.push(child);
  };
  spawnLogged("web", GUNICORN, ["-c", "deploy/gunicorn.conf.py", "config.asgi:application"]);
  spawnLogged("workers", PYTHON, ["manage.py", "runworkers"]);

  const stop = async () => {
    for (const child of children) killGroup(child, "SIGTERM");
    const gone = (child) =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((r) => child.once("exit", r));
    const timer = new Promise((r) => setTimeout(r, 8000, "timeout"));
    if ((await Promise.race([Promise.all(children.map(gone)), timer])) === "timeout") {
      for (const child of children) killGroup(child, "SIGKILL");
    }
    // The process groups may hold children that outlived their parent.
    for (const child of children) killGroup(child, "SIGKILL");
  };

  try {
    await waitForHealth(baseURL, children, 60_000);
  } catch (error) {
    await stop();
    const tail = (label) => {
      const lines = readFileSync(join(dir, `${label}.log`), "utf8").trimEnd().split("\n");
      return `--- ${label}.log (last lines) ---\n${lines.slice(-15).join("\n")}`;
    };
    throw new Error(`${error.message}\n${tail("web")}\n${tail("workers")}`);
  }
  log(`platform "${name}" on ${baseURL}`);
  return { name, baseURL, dir, env: overrides, seed, stop };
}

/** Remove the run's temp directory (after every platform has stopped). */
export function removeBase(base) {
  rmSync(base.root, { recursive: true, force: true });
}

/** The run's shared state (written by the global setup, read by the test workers). */
export function writeState(state) {
  const path = join(state.base.root, "state.json");
  writeFileSync(path, JSON.stringify(state));
  return path;
}

export function readState(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/**
 * Take the first user of `usernames` no other test has taken (a file created with O_EXCL is the
 * claim, so workers and restarted workers never share a user).
 */
export function claimUser(dir, usernames) {
  mkdirSync(join(dir, "claims"), { recursive: true });
  for (const username of usernames) {
    try {
      closeSync(openSync(join(dir, "claims", username), "wx"));
      return username;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
  }
  throw new Error(`every test user of ${dir} is taken; create more in the global setup`);
}

/**
 * A PNG picture (RGB, 8 bit) of width x height: a coloured background with a lighter disc, so
 * the platform's image checks see a real, decodable image. `hue` varies the colours.
 */
export function pngImage(width, height, hue = 0) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const [r0, g0, b0] = [(hue * 67) % 256, (120 + hue * 29) % 256, (200 + hue * 53) % 256];
  const cx = width / 2;
  const cy = height / 2;
  const radius = Math.min(width, height) / 3;
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
      const offset = row + 1 + x * 3;
      raw[offset] = inside ? 250 : r0;
      raw[offset + 1] = inside ? 240 : g0;
      raw[offset + 2] = inside ? 220 : b0;
    }
  }
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
