// Test helpers for the gallery, trash and account pages: the app's providers around a page, and a
// fake platform at the fetch boundary that records every request.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { configure, render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";

import type { GalleryImage } from "../../api/types";
import { ToastProvider } from "../../components/Toast";
import { I18nProvider, type Language } from "../../i18n";

// The machine running the tests may be busy: give async queries room before calling it a failure.
configure({ asyncUtilTimeout: 5000 });

export type Call = { method: string; path: string; query: URLSearchParams; body: unknown };
export type Reply = { status?: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (call: Call) => Reply | undefined;

/** Replace fetch with `handler`; an unhandled request fails the test loudly (404 + recorded). */
export function fakeServer(handler: Handler) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://testserver");
    const method = (init?.method ?? "GET").toUpperCase();
    const raw = init?.body;
    const call: Call = {
      method,
      path: url.pathname,
      query: url.searchParams,
      body: typeof raw === "string" ? JSON.parse(raw) : raw ?? null,
    };
    calls.push(call);
    const reply = handler(call) ?? { status: 404, body: { code: "not_found", message: `no fake for ${method} ${url.pathname}` } };
    const status = reply.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(reply.body ?? {}), {
      status,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    calls,
    requests: (method: string, path: string) => calls.filter((call) => call.method === method && call.path === path),
  };
}

/**
 * XMLHttpRequest (what upload() uses for its progress events) answering from `handler`: one
 * progress event at half way, then the reply.
 */
export function fakeUploads(handler: (path: string, form: FormData) => Reply) {
  const sent: { path: string; form: FormData }[] = [];
  class FakeXhr {
    upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
    status = 0;
    responseText = "";
    withCredentials = false;
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private path = "";
    open(_method: string, path: string) {
      this.path = path;
    }
    setRequestHeader() {}
    getAllResponseHeaders() {
      return "content-type: application/json\r\n";
    }
    abort() {
      this.onabort?.();
    }
    send(form: FormData) {
      sent.push({ path: this.path, form });
      setTimeout(() => {
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
        const reply = handler(this.path, form);
        this.status = reply.status ?? 200;
        this.responseText = JSON.stringify(reply.body ?? {});
        this.onload?.();
      }, 0);
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  return { sent };
}

/** A PNG file by its first bytes (what the browser-side check reads). */
export function pngFile(name: string, size = 2048): File {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new File([bytes], name, { type: "image/png" });
}

let counter = 0;
/** An image as the API lists it; ids sort newest first like the server's. */
export function makeImage(overrides: Partial<GalleryImage> = {}): GalleryImage {
  counter += 1;
  const id = overrides.id ?? `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`;
  return {
    id,
    source: "ppl",
    width: 1024,
    height: 768,
    format: "png",
    size_bytes: 1024 * 1024,
    sha256: "0".repeat(64),
    prompt: "",
    job_id: null,
    created_at: "2026-12-01T10:00:00Z",
    deleted_at: null,
    is_deleted: false,
    url: `http://testserver/api/v1/images/${id}/file`,
    thumbnail_url: `http://testserver/api/v1/images/${id}/thumbnail`,
    ...overrides,
  };
}

export function makeImages(count: number, overrides: Partial<GalleryImage> = {}): GalleryImage[] {
  return Array.from({ length: count }, () => makeImage(overrides));
}

export function page(results: GalleryImage[], nextCursor: string | null = null) {
  return { results, page: 1, size: results.length, has_next: nextCursor != null, next_cursor: nextCursor };
}

export const CONFIG = {
  max_upload_bytes: 5 * 1024 * 1024,
  max_image_pixels: 40_000_000,
  max_image_side: 1024,
  aspect_ratios: [],
  output_formats: ["png", "jpg"],
  goods_types: [],
  safety_tolerance: {},
  prompt_max_length: 2000,
  product_info_max_length: 2000,
  job_timeout_seconds: 300,
  trash_retention_days: 30,
  languages: ["ko", "en"],
};

export function usage(overrides: Record<string, unknown> = {}) {
  return {
    used_bytes: 50 * 1024 * 1024,
    quota_bytes: 1024 * 1024 * 1024,
    available_bytes: 974 * 1024 * 1024,
    is_over_quota: false,
    images: { active: 3, trash: 0 },
    trash_retention_days: 30,
    ...overrides,
  };
}

function Where() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

/**
 * What jsdom lacks: showModal() (open the <dialog> the way a browser would, enough for the tests)
 * and window.scrollTo (the virtualiser restores the scroll position on mount).
 */
export function installDomPolyfills() {
  window.scrollTo = () => undefined;
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & { __polyfilled?: boolean };
  if (proto.__polyfilled) return;
  proto.__polyfilled = true;
  proto.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  proto.close = function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
}

export function renderPage(ui: ReactElement, { route, path, language = "ko" }: { route: string; path: string; language?: Language }) {
  installDomPolyfills();
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  const result = render(
    <QueryClientProvider client={client}>
      <I18nProvider language={language}>
        <ToastProvider>
          <MemoryRouter initialEntries={[route]}>
            <Routes>
              <Route path={path} element={<>{ui}<Where /></>} />
              <Route path="*" element={<Where />} />
            </Routes>
          </MemoryRouter>
        </ToastProvider>
      </I18nProvider>
    </QueryClientProvider>,
  );
  return { ...result, client };
}
