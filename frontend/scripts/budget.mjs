// The web app's performance budget (issue 10, "Tests and figures"): prints each figure with its
// goal and one PASS/FAIL line per goal. A benchmark, not a CI test: `npm run budget`.
//
//   (a) the first route's JavaScript, gzipped: the entry script, its modulepreloads and the lazy
//       chunk of the route with that chunk's static imports (≤ 150 KB);
//   (b) a gallery of 10,000 images in Chromium: thumbnails requested on load and after scrolling
//       (no more than the visible ones plus one screen), and frame times while scrolling (judged
//       only when the machine is not busy with other work: load average ≤ 1 per core);
//   (c) a job's state change shows in the page within 2 s of the change in the database.
//
// It builds the app if the bundle is stale and starts its own platform (e2e/platform.mjs).
// Options: --jobs N (default 5) jobs for (c); --images N (default 10000) for (b).
import { chromium } from "@playwright/test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

import {
  buildAppIfStale,
  pngImage,
  prepareBase,
  removeBase,
  REPO_DIR,
  startPlatform,
} from "../e2e/platform.mjs";

const { values: options } = parseArgs({
  options: {
    jobs: { type: "string", default: "5" },
    images: { type: "string", default: "10000" },
  },
});

const GOAL_FIRST_ROUTE_KB = 150;
const GOAL_STATE_CHANGE_MS = 2000;
const APP_DIR = join(REPO_DIR, "static", "app");
const PASSWORD = "budget-Studio-pass-7421";
const results = [];

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const pct = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
};
function verdict(name, pass, figure) {
  results.push({ name, pass });
  console.log(`${pass ? "PASS" : "FAIL"}  ${name}: ${figure}`);
}

// --- (a) first route's JavaScript -------------------------------------------------------------

/** The app's JS files a chunk pulls in before it runs: itself and its static imports, transitively. */
function staticClosure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(join(APP_DIR, "assets", file), "utf8");
  // `import{a}from"./x.js"` and `import"./x.js"`; dynamic `import("./x.js")` loads later, on demand.
  for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*["'`]\.\/([\w.-]+\.js)["'`]/g)) {
    staticClosure(match[1], seen);
  }
  return seen;
}

function firstRouteJavaScript() {
  const html = readFileSync(join(APP_DIR, "index.html"), "utf8");
  const asset = (url) => url.replace(/^.*\/assets\//, "");
  const entry = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g)].map((m) => asset(m[1]));
  const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => asset(m[1]));
  const chunks = readdirJs();
  // A new visitor lands on /signin; a signed-in one on / → /create/ppl. Both must fit.
  const routes = [
    { path: "/signin", page: "SignInPage" },
    { path: "/create/ppl", page: "PplPage" },
  ];
  console.log("\n(a) the first route's JavaScript, gzipped (level 9, as a server would send it)");
  for (const route of routes) {
    const lazy = chunks.find((name) => name.startsWith(`${route.page}-`));
    if (!lazy) throw new Error(`no chunk for ${route.page} in static/app/assets`);
    const files = new Set();
    for (const file of [...entry, ...preloads, lazy]) for (const f of staticClosure(file)) files.add(f);
    let raw = 0;
    let gzipped = 0;
    for (const file of files) {
      const body = readFileSync(join(APP_DIR, "assets", file));
      raw += body.length;
      gzipped += gzipSync(body, { level: 9 }).length;
    }
    console.log(`      ${route.path}: ${[...files].join(", ")}: ${kb(raw)} raw`);
    verdict(`first route ${route.path} JS gzipped`, gzipped <= GOAL_FIRST_ROUTE_KB * 1024,
      `${kb(gzipped)} (goal ≤ ${GOAL_FIRST_ROUTE_KB} KB)`);
  }
}

function readdirJs() {
  return readdirSync(join(APP_DIR, "assets")).filter((name) => name.endsWith(".js"));
}

// --- browser helpers ---------------------------------------------------------------------------

async function signIn(page, username) {
  await page.goto("/signin");
  const csrf = (await page.context().cookies()).find((c) => c.name === "csrftoken")?.value ?? "";
  const response = await page.request.post("/api/v1/auth/session", {
    data: { username, password: PASSWORD },
    headers: { "X-CSRFToken": csrf },
  });
  if (response.status() !== 200) throw new Error(`sign-in: ${response.status()} ${await response.text()}`);
  // Django rotates the CSRF token when the session starts: the new one is what later writes need.
  return (await page.context().cookies()).find((c) => c.name === "csrftoken")?.value ?? "";
}

// --- (b) the gallery with 10,000 images --------------------------------------------------------

async function galleryScrolling(browser, platform, count) {
  console.log(`\n(b) /gallery with ${count.toLocaleString("en")} images`);
  const started = Date.now();
  await platform.seed("images", { username: "gallery", count });
  console.log(`      seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const context = await browser.newContext({ baseURL: platform.baseURL, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, "gallery");
  const thumbnails = new Set();
  let listRequests = 0;
  page.on("request", (request) => {
    const url = request.url();
    if (/\/api\/v1\/images\/[^/]+\/thumbnail/.test(url)) thumbnails.add(url);
    else if (/\/api\/v1\/images(\?|$)/.test(url)) listRequests += 1;
  });
  await page.goto("/gallery");
  await page.waitForFunction(
    () => [...document.images].filter((img) => img.src.includes("/thumbnail") && img.complete && img.naturalWidth > 0).length > 0,
    undefined,
    { timeout: 30_000 },
  );
  await page.waitForLoadState("networkidle");
  // The grid's geometry: thumbnails per row and the row pitch, from the tiles' boxes.
  const grid = await page.evaluate(() => {
    const boxes = [...document.images].filter((img) => img.src.includes("/thumbnail"))
      .map((img) => img.getBoundingClientRect()).filter((box) => box.width > 0);
    const tops = [...new Set(boxes.map((box) => Math.round(box.top + scrollY)))].sort((a, b) => a - b);
    const columns = boxes.filter((box) => Math.round(box.top + scrollY) === tops[0]).length;
    const visible = boxes.filter((box) => box.bottom > 0 && box.top < innerHeight).length;
    return { columns, pitch: tops[1] - tops[0], visible, height: innerHeight };
  });
  const screenOf = (pixels) => grid.columns * Math.ceil(pixels / grid.pitch);
  const onLoad = thumbnails.size;
  const loadAllowed = grid.visible + screenOf(grid.height);
  console.log(`      grid: ${grid.columns} per row, rows every ${grid.pitch}px; on load ${grid.visible} thumbnails ` +
    `visible, ${onLoad} requested, ${listRequests} list request(s)`);
  verdict("gallery thumbnails on load", onLoad <= loadAllowed,
    `${onLoad} requested for ${grid.visible} visible (goal ≤ visible + one screen = ${loadAllowed})`);

  // Scroll a few screens with the wheel, as a person would, recording frame times meanwhile.
  const screens = 5;
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.move(640, 500);
  for (let step = 0; step < screens * 6; step += 1) {
    await page.mouse.wheel(0, 900 / 6);
    await page.waitForTimeout(50);
  }
  await page.waitForTimeout(1500);
  await page.waitForLoadState("networkidle");
  const frames = await page.evaluate(() => {
    window.__stopFrames = true;
    return window.__frames.slice(1);
  });
  const scrolled = await page.evaluate(() => scrollY);
  // Everything that has been on screen (the first screen down to the last) plus one screen more.
  const allowed = screenOf(scrolled + grid.height) + grid.columns + screenOf(grid.height);
  console.log(`      scrolled ${scrolled}px (${(scrolled / grid.height).toFixed(1)} screens): ${thumbnails.size} thumbnails ` +
    `requested, ${listRequests} list request(s)`);
  verdict("gallery thumbnails after scrolling", scrolled >= grid.height && thumbnails.size <= allowed,
    `${thumbnails.size} requested (goal ≤ thumbnails that were on screen + one screen = ${allowed})`);
  const slow = frames.filter((ms) => ms > 50).length;
  console.log(`      load average while measuring: ${loadavg().map((n) => n.toFixed(2)).join(" ")} on ${cpus().length} cores`);
  console.log(`      frames while scrolling: ${frames.length}, p50 ${pct(frames, 0.5).toFixed(1)} ms, ` +
    `p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms, ${slow} over 50 ms`);
  const busy = loadavg()[0] / cpus().length;
  const figure = `p95 frame ${pct(frames, 0.95).toFixed(1)} ms (goal ≤ 50 ms in headless Chromium)`;
  if (busy > 1) {
    // Other processes own the CPUs: the frame times would measure them, not the page.
    console.log(`----  gallery scrolling frames: ${figure}; not judged, the machine is busy ` +
      `(load ${busy.toFixed(1)} per core); run again on an idle machine`);
  } else {
    verdict("gallery scrolling frames", pct(frames, 0.95) <= 50, figure);
  }
  await context.close();
}

// --- (c) a job's state change in the page ------------------------------------------------------

async function stateChangeLatency(browser, platform, jobs) {
  console.log(`\n(c) a job's state change in the page (${jobs} jobs, /jobs/:id open)`);
  const context = await browser.newContext({ baseURL: platform.baseURL });
  const page = await context.newPage();
  const csrf = await signIn(page, "jobs");
  const delays = [];
  for (let i = 0; i < jobs; i += 1) {
    const response = await page.request.post("/api/v1/jobs/goods", {
      multipart: {
        character_image: { name: "character.png", mimeType: "image/png", buffer: pngImage(400, 400, i) },
        goods_type: "mug",
      },
      headers: { "X-CSRFToken": csrf },
    });
    if (response.status() !== 202) throw new Error(`goods job: ${response.status()} ${await response.text()}`);
    const job = await response.json();
    await page.goto(`/jobs/${job.id}`);
    // The moment the page first shows the job as succeeded (its status pill).
    await page.evaluate(() => {
      window.__shownAt = null;
      const seen = () => document.querySelector(".pill-succeeded") !== null;
      if (seen()) window.__shownAt = Date.now();
      const observer = new MutationObserver(() => {
        if (window.__shownAt === null && seen()) {
          window.__shownAt = Date.now();
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.waitForFunction(() => window.__shownAt !== null, undefined, { timeout: 60_000 });
    const shownAt = await page.evaluate(() => window.__shownAt);
    const finished = await (await page.request.get(`/api/v1/jobs/${job.id}`)).json();
    if (finished.status !== "succeeded") throw new Error(`job ${job.id} ended ${finished.status}`);
    // finished_at is written in the same UPDATE as the status (one clock: this machine's).
    const delay = shownAt - Date.parse(finished.finished_at);
    delays.push(delay);
    console.log(`      job ${i + 1}: shown ${delay} ms after finished_at`);
  }
  verdict("job state change shown", Math.max(...delays) <= GOAL_STATE_CHANGE_MS,
    `p50 ${pct(delays, 0.5)} ms, max ${Math.max(...delays)} ms (goal ≤ ${GOAL_STATE_CHANGE_MS} ms)`);
  await context.close();
}

// --- main ---------------------------------------------------------------------------------------

async function main() {
  await buildAppIfStale();
  if (!existsSync(join(APP_DIR, "index.html"))) throw new Error("static/app/index.html is missing");
  firstRouteJavaScript();

  const base = await prepareBase();
  let platform;
  let browser;
  try {
    platform = await startPlatform({
      base,
      name: "budget",
      password: PASSWORD,
      users: [{ username: "gallery" }, { username: "jobs" }],
      env: { LOCAL_PROVIDER_DELAY_SECONDS: "1" },
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
    });
    await galleryScrolling(browser, platform, Number(options.images));
    await stateChangeLatency(browser, platform, Number(options.jobs));
  } finally {
    await browser?.close();
    await platform?.stop();
    removeBase(base);
  }
  const failed = results.filter((r) => !r.pass);
  console.log(`\n${results.length - failed.length}/${results.length} goals met` +
    (failed.length ? `; missed: ${failed.map((r) => r.name).join(", ")}` : ""));
  process.exitCode = failed.length ? 1 : 0;
}

await main();
