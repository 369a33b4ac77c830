// Test helpers for the create pages: a fake platform behind fetch and XMLHttpRequest (the app's
// only ways out), a stand-in image codec (jsdom cannot decode or draw), and a render with the
// app's providers.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { configure, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { vi } from "vitest";

import type { Job } from "../../api/jobs";
import { ToastProvider } from "../../components/Toast";
import { I18nProvider, type Language } from "../../i18n";
import { ImageCodecContext, type ImageCodec } from "../../lib/imageFile";
import { QueueDrawerProvider, useQueueDrawer } from "../../shell/queueDrawer";
import { jobJson as shellJobJson } from "../../shell/testing";

export type FakeRequest = {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: FormData | Record<string, unknown> | null;
};
export type FakeResponse = { status?: number; body?: unknown; headers?: Record<string, string> } | "network";
export type Handler = (request: FakeRequest) => FakeResponse | undefined | Promise<FakeResponse | undefined>;

export const CONFIG = {
  max_upload_bytes: 5 * 1024 * 1024,
  max_image_pixels: 40_000_000,
  max_image_side: 1024,
  aspect_ratios: ["match_input_image", "1:1", "4:3", "16:9"],
  output_formats: ["png", "jpg"],
  goods_types: ["mug", "t_shirt", "tote_bag", "phone_case", "keyring", "sticker", "poster", "cushion"],
  safety_tolerance: { ppl: { min: 0, max: 2, default: 2 }, goods: { min: 0, max: 6, default: 2 } },
  prompt_max_length: 2000,
  product_info_max_length: 20000,
  job_timeout_seconds: 600,
  trash_retention_days: 30,
  languages: ["ko", "en"],
};

/** The shell's job fixture, with no settings unless a test gives them. */
export function jobJson(overrides: Record<string, unknown> = {}) {
  return shellJobJson({ params: {}, ...overrides } as Partial<Job>);
}

// Flows here chain several requests and an image check; on a busy CI machine they take longer than
// Testing Library's default second to appear.
configure({ asyncUtilTimeout: 5_000 });

// jsdom's Blob is not Node's: hand Response the bytes.
function blobBytes(blob: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

// jsdom has <dialog> but not showModal()/close(): enough of them for the Dialog component.
if (typeof HTMLDialogElement !== "undefined" && !HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
}

/** Answers the app's requests with `handler`; the defaults cover config, preflight and polling. */
export function installFakeServer(handler: Handler) {
  const requests: FakeRequest[] = [];

  const answer = async (request: FakeRequest): Promise<FakeResponse> => {
    requests.push(request);
    const custom = await handler(request);
    if (custom) return custom;
    if (request.path === "/api/v1/config") return { body: CONFIG };
    if (request.path === "/api/v1/preflight") return { body: { ok: true, kind: request.query.get("kind"), provider: "local", message: null, reasons: [] } };
    if (request.path === "/api/v1/auth/me") return { body: { id: 1, username: "demo", email: "", is_staff: false, limits: { max_queued: 3, max_concurrent: 1 } } };
    if (request.method === "GET" && /^\/api\/v1\/jobs\/[\w-]+$/.test(request.path)) {
      return { body: jobJson({ id: request.path.split("/").pop() }) };
    }
    return { status: 404, body: { code: "not_found", message: `no fake for ${request.method} ${request.path}` } };
  };

  const parse = (url: string, method: string, headers: Record<string, string>, body: unknown): FakeRequest => {
    const parsed = new URL(url, "http://app.test");
    let parsedBody: FakeRequest["body"] = null;
    if (body instanceof FormData) parsedBody = body;
    else if (typeof body === "string" && body) parsedBody = JSON.parse(body);
    return { method, url, path: parsed.pathname, query: parsed.searchParams, headers, body: parsedBody };
  };

  const headersOf = (response: Exclude<FakeResponse, "network">, body: unknown) => ({
    "Content-Type": body instanceof Blob ? body.type : typeof body === "string" ? "text/html; charset=utf-8" : "application/json",
    "X-Request-ID": "req-test",
    ...response.headers,
  });

  vi.stubGlobal("fetch", async (input: string, init: RequestInit = {}) => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const response = await answer(parse(String(input), (init.method ?? "GET").toUpperCase(), headers, init.body));
    if (response === "network") throw new TypeError("Failed to fetch");
    const status = response.status ?? 200;
    const body = response.body;
    const payload = status === 204 ? null : body instanceof Blob ? await blobBytes(body) : typeof body === "string" ? body : JSON.stringify(body ?? {});
    return new Response(payload, { status, headers: headersOf(response, body) });
  });

  class FakeXhr {
    status = 0;
    responseText = "";
    withCredentials = false;
    upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private method = "GET";
    private url = "";
    private headers: Record<string, string> = {};
    private responseHeaders: Record<string, string> = {};
    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }
    setRequestHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    }
    getAllResponseHeaders() {
      return Object.entries(this.responseHeaders).map(([k, v]) => `${k}: ${v}`).join("\r\n");
    }
    abort() {
      this.onabort?.();
    }
    send(body: unknown) {
      void (async () => {
        const response = await answer(parse(this.url, this.method, this.headers, body));
        if (response === "network") {
          this.onerror?.();
          return;
        }
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
        this.status = response.status ?? 200;
        this.responseText = this.status === 204 ? "" : JSON.stringify(response.body ?? {});
        this.responseHeaders = headersOf(response, response.body);
        this.onload?.();
      })();
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXhr);

  return {
    requests,
    posts: (path: string) => requests.filter((r) => r.method === "POST" && r.path === path),
  };
}

/** A codec that "decodes" every image to `width`×`height`, opaque. */
export function fakeCodec(width = 800, height = 600): ImageCodec {
  return {
    decode: async () => ({
      width,
      height,
      hasAlpha: () => false,
      encode: async (_w, _h, type) => new Blob([new Uint8Array(100)], { type }),
    }),
  };
}

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
export function pngFile(name = "image.png", size = 2048): File {
  const bytes = new Uint8Array(size);
  bytes.set(PNG_HEAD);
  return new File([bytes], name, { type: "image/png" });
}

function Probe() {
  const location = useLocation();
  const drawer = useQueueDrawer();
  return (
    <div data-testid="probe" data-path={`${location.pathname}${location.search}`} data-drawer={drawer.isOpen ? "open" : "closed"} />
  );
}

export function renderPage(element: ReactElement, { route, path, language = "ko", codec = fakeCodec() }: { route: string; path: string; language?: Language; codec?: ImageCodec }) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <I18nProvider language={language}>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[route]}>
          <ToastProvider>
            <QueueDrawerProvider>
              <ImageCodecContext.Provider value={codec}>
                <Probe />
                <Routes>
                  <Route path={path} element={element} />
                  <Route path="*" element={<p>elsewhere</p>} />
                </Routes>
              </ImageCodecContext.Provider>
            </QueueDrawerProvider>
          </ToastProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </I18nProvider>,
  );
}
