// The content managers' admin in real Chromium, as the content manager (EDITOR_USER) on the main
// platform: a CSV import with a dry run first (three blocks and a set, in a category of their
// own), a template edited in the code editor with the live preview following (an error marks its
// line), the new set reordered with the keyboard buttons and the drag handle while its preview
// follows, and a marketer's generated page read in the admin. Each page is photographed at
// 1440×900 and 390×844.
import type { Locator, Page } from "@playwright/test";

import { apiPost, expect, signIn, test } from "./fixtures";
import { EDITOR_USER, PASSWORD } from "./users";

// Node's Buffer, which setInputFiles needs (the suite has no @types/node).
declare const Buffer: { from(text: string): Uint8Array };

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

const RUN = Date.now().toString(36);
const CATEGORY = `E2E Garden ${RUN}`;
const SET = `Garden page ${RUN}`;
const HTML = {
  hero: '<section class="e2e-hero">\n  <h2>{{ title }}</h2>\n  <p>{{ lead }}</p>\n</section>',
  perks: '<section class="e2e-perks">\n  <h2>{{ title }}</h2>\n  <ul>{% for f in features %}<li>{{ f }}</li>{% endfor %}</ul>\n</section>',
  specs: '<section class="e2e-specs">\n  <h2>{{ title }}</h2>\n  <dl>{% for s in specs %}<dt>{{ s.key }}</dt><dd>{{ s.value }}</dd>{% endfor %}</dl>\n</section>',
};

function csv(): string {
  const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
  const rows = [["Hero", "hero", HTML.hero], ["Perks", "features", HTML.perks], ["Specs", "specs", HTML.specs]];
  const lines = rows.map(([name, type, html]) => [`${name} ${RUN}`, type, CATEGORY, html].map(quote).join(","));
  return ["name,block_type,category,html", ...lines].join("\n");
}

async function adminSignIn(page: Page): Promise<void> {
  await page.goto("/admin/login/?next=/admin/");
  await page.locator("#id_username").fill(EDITOR_USER);
  await page.locator("#id_password").fill(PASSWORD);
  await page.locator("#login-form [type=submit]").click();
  await expect(page.locator("#content h1")).toBeVisible();
}

type Shot = (name: string) => Promise<void>;

/**
 * Full-page screenshots at 1440×900 and at 390×844, and with `preview`, one of the window
 * scrolled to the preview at each size too (a full-page capture leaves out-of-process frames,
 * as sandboxed previews are, blank). The page is left at desktop size.
 */
async function shots(page: Page, shot: Shot, name: string, preview?: Locator): Promise<void> {
  const info = test.info();
  for (const [size, prefix] of [[{ width: 1440, height: 900 }, ""], [{ width: 390, height: 844 }, "phone-"]] as const) {
    await page.setViewportSize(size);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBe(size.width);  // no sideways scroll
    await shot(`${prefix}admin-templates-${name}`);
    if (preview) {
      await preview.scrollIntoViewIfNeeded();
      const path = `${info.project.outputDir}/screenshots/${info.project.name}-${prefix}admin-templates-${name}-preview.png`;
      await info.attach(`${prefix}${name}-preview`, { body: await page.screenshot({ path }), contentType: "image/png" });
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** The section classes of the blocks the preview frame shows, in order ([] while it loads). */
async function previewOrder(frame: Locator): Promise<string[]> {
  return frame.contentFrame().locator("section").evaluateAll((nodes) => nodes.map((node) => node.className))
    .catch(() => []);  // the frame navigated away under the read: asked again by expect.poll
}

test("a content manager imports a CSV after a dry run", async ({ page, shot }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await adminSignIn(page);
  await page.goto("/admin/templates_app/template/");
  await page.getByRole("link", { name: "Import CSV or folder" }).click();
  await expect(page.locator("#content h1")).toHaveText("Import templates");

  await page.getByLabel("CSV or zip of a folder").setInputFiles({ name: "garden.csv", mimeType: "text/csv", buffer: Buffer.from(csv()) });
  await page.getByLabel("Create categories that do not exist").check();
  await page.getByLabel("Also make a template set named").fill(SET);
  await page.getByRole("button", { name: "Dry run" }).click();

  await expect(page.locator("[data-import-summary]")).toHaveText(
    `3 created, 0 updated, 0 skipped, 0 refused; the set “${SET}” would be made; nothing is saved yet.`);
  await expect(page.getByRole("heading", { name: "Would be created (3)" })).toBeVisible();
  await shots(page, shot, "import-dry-run");
  await page.getByRole("button", { name: "Import for real" }).click();
  await expect(page.locator(".messagelist .success")).toContainText("Imported garden.csv: 3 created, 0 updated, 0 skipped, 0 refused");
  await page.goto(`/admin/templates_app/templateset/?q=${encodeURIComponent(SET)}`);
  await expect(page.getByRole("link", { name: SET })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a template edit with the live preview, an error marked on its line", async ({ page, shot }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await adminSignIn(page);
  await page.goto(`/admin/templates_app/template/?q=${encodeURIComponent(`Hero ${RUN}`)}`);
  await page.getByRole("link", { name: `Hero ${RUN}`, exact: true }).click();

  const editor = page.locator(".cm-editor");
  await expect(editor).toBeVisible();
  await expect(editor.locator(".cm-lineNumbers .cm-gutterElement", { hasText: /^4$/ })).toBeVisible();
  await expect(page.locator("#id_html")).toBeHidden();  // the editor stands in for the textarea
  const frame = page.locator("#pp-preview");
  await expect(frame.contentFrame().locator("section.e2e-hero h2")).toBeVisible();

  // A loop that is never closed: the preview says so and the editor marks line 5.
  await editor.locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  const broken = "\n{% for x in features %}";
  await page.keyboard.type(broken);
  await expect(frame.contentFrame().getByText("The template cannot be previewed yet:")).toBeVisible();
  await expect(editor.locator(".cm-line.pp-error-line")).toHaveText("{% for x in features %}");
  await shots(page, shot, "template-error", frame);

  // Saved anyway: refused, and the form comes back with the line marked from its error.
  await page.getByLabel("Change note").fill("An unclosed loop");
  await page.locator('input[name="_continue"]').click();
  await expect(page.locator(".field-html .errorlist")).toContainText("line 5:");
  await expect(editor.locator(".cm-line.pp-error-line")).toHaveText("{% for x in features %}");

  await editor.locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  for (let i = 0; i < broken.length; i += 1) await page.keyboard.press("Backspace");
  await page.keyboard.type('\n<p class="e2e-note">Fresh from the editor</p>');
  await expect(frame.contentFrame().locator("p.e2e-note")).toHaveText("Fresh from the editor");
  await expect(editor.locator(".pp-error-line")).toHaveCount(0);

  // Full width, then a phone's width.
  const full = (await frame.boundingBox())!.width;
  expect(full).toBeGreaterThan(1000);
  await page.getByRole("button", { name: "Phone · 390" }).click();
  await expect.poll(() => frame.evaluate((node) => node.clientWidth)).toBe(390);
  await page.getByRole("button", { name: "Tablet · 768" }).click();
  await expect.poll(() => frame.evaluate((node) => node.clientWidth)).toBe(768);
  await shots(page, shot, "template-edit", frame);

  // The slots as a table: the hero's two slots, a description added to the first.
  await expect(page.locator('input[name="slots-0-name"]')).toHaveValue("title");
  await page.locator('textarea[name="slots-0-description"]').fill("The block's heading");

  await page.getByLabel("Change note").fill("A note under the hero");
  await page.locator('input[name="_continue"]').click();
  await expect(page.locator(".messagelist .success")).toBeVisible();
  await page.getByRole("link", { name: /2 revisions/ }).click();
  await expect(page.getByRole("cell", { name: "A note under the hero" })).toBeVisible();
  await page.getByRole("button", { name: "Compare the two revisions" }).click();
  await expect(page.locator('[data-field="HTML"] .add')).toContainText("Fresh from the editor");
  await expect(page.locator('[data-field="Slots"]')).toContainText("The block's heading");
  await shots(page, shot, "template-compare");
  expect(errors).toEqual([]);
});

test("a set reordered by keys and by its handle, the preview following", async ({ page, shot }) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await adminSignIn(page);
  await page.goto(`/admin/templates_app/templateset/?q=${encodeURIComponent(SET)}`);
  await page.getByRole("link", { name: SET }).click();

  const frame = page.locator("[data-set-preview] iframe");
  await expect.poll(() => previewOrder(frame)).toEqual(["e2e-hero", "e2e-perks", "e2e-specs"]);
  const rows = page.locator("#items-group tbody tr.form-row:not(.empty-form)");
  await expect(rows.first().locator(".pp-handle")).toBeVisible();
  // The picker offers this category's three templates only.
  await expect(rows.first().locator("select[name$='-template'] option:not([value=''])")).toHaveCount(3);

  // Hero moves down one with its button: Perks, Hero, Specs.
  await rows.first().getByRole("button", { name: "Move down" }).click();
  await expect(rows.nth(1).locator("input.pp-position")).toHaveValue("2");
  await expect.poll(() => previewOrder(frame)).toEqual(["e2e-perks", "e2e-hero", "e2e-specs"]);

  // Specs is dragged by its handle to the top: Specs, Perks, Hero.
  await rows.nth(2).locator(".pp-handle").dragTo(rows.nth(0), { targetPosition: { x: 20, y: 4 } });
  await expect.poll(() => previewOrder(frame)).toEqual(["e2e-specs", "e2e-perks", "e2e-hero"]);
  await shots(page, shot, "set-reorder", frame);

  await page.locator('input[name="_continue"]').click();
  await expect(page.locator(".messagelist .success")).toBeVisible();
  await expect.poll(() => previewOrder(frame)).toEqual(["e2e-specs", "e2e-perks", "e2e-hero"]);
  await expect(page.locator(".pp-warning")).toHaveCount(0);  // one category: no warning
  expect(errors).toEqual([]);
});

test("a content manager reads a marketer's generated page", async ({ page, browser, baseURL, account, shot }) => {
  // The marketer makes a page (through the API: the wizard has its own flow in page.spec.ts).
  await signIn(page, account);
  const categories = await (await page.request.get("/api/v1/categories")).json();
  const living = categories.results.find((category: { slug: string }) => category.slug === "living");
  const made = await apiPost(page, "/api/v1/jobs/product-page", { product_info: "Linen wide pants\nCool in summer.", category_id: living.id });
  expect(made.status, JSON.stringify(made.body)).toBe(202);
  let pageId = "";
  await expect.poll(async () => {
    const job = await (await page.request.get(`/api/v1/jobs/${made.body.id}`)).json();
    pageId = job.result?.page?.id ?? "";
    return job.status;
  }, { timeout: 60_000 }).toBe("succeeded");

  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });  // a session of its own
  const editor = await context.newPage();
  await adminSignIn(editor);
  await editor.goto("/admin/templates_app/page/");
  await editor.locator(`a[href$="/admin/templates_app/page/${pageId}/change/"]`).click();
  const frame = editor.locator(".pp-preview iframe");
  await expect(frame.contentFrame().locator("h1, h2").first()).toBeVisible();
  await expect(editor.locator('input[name="_save"]')).toHaveCount(0);  // read-only
  await shots(editor, (name) => shot(name, editor), "page", frame);
  await context.close();
});
