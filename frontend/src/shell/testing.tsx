// Test helpers for the shell, the jobs pages and the page view: a fake platform behind `fetch`
// (the browser app's network boundary), a job JSON factory, native <dialog> for jsdom, and a
// render with the app's providers.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { vi } from "vitest";

import type { Job } from "../api/jobs";
import { ToastProvider } from "../components/Toast";
import { I18nProvider, type Language } from "../i18n";
import { QueueDrawerProvider } from "./queueDrawer";

export type FakeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  json: Record<string, unknown> | null;
};
export type FakeResponse = { status?: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (request: FakeRequest) => FakeResponse | undefined;

export const ME = { id: 1, username: "demo", email: "", is_staff: false, limits: { max_queued: 3, max_concurrent: 1 } };

export function jobJson(overrides: Partial<Job> = {}): Job {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    kind: "ppl",
    status: "queued",
    provider: "local",
    params: { prompt: "Put the bottle on the wooden table", aspect_ratio: "4:3", output_format: "png" },
    created_at: "2026-12-02T04:00:00Z",
    started_at: null,
    finished_at: null,
    queue_position: 1,
    eta_seconds: 30,
    waiting_reason: "queue",
    progress: 0,
    retried_from: null,
    translation: null,
    error: null,
    result: null,
    inputs: [],
    inputs_expired: false,
    ...overrides,
  };
}

export function jobPage(results: Job[], more: Partial<{ has_next: boolean; next_cursor: string | null }> = {}) {
  return { results, page: 1, size: results.length, has_next: false, next_cursor: null, ...more };
}

/**
 * Answers the app's requests with `handler`, falling back to a signed-in user, a healthy
 * pre-flight and empty job lists. Returns every request seen, in order.
 */
export function installFakeServer(handler: Handler = () => undefined) {
  const requests: FakeRequest[] = [];
  const fallback = (request: FakeRequest): FakeResponse => {
    if (request.path === "/api/v1/auth/me") return { body: ME };
    if (request.path === "/api/v1/preflight") {
      return { body: { ok: true, kind: request.query.get("kind"), provider: "local", message: null, reasons: [] } };
    }
    if (request.method === "GET" && request.path === "/api/v1/jobs") return { body: jobPage([]) };
    return { status: 404, body: { code: "not_found", message: `no fake for ${request.method} ${request.path}` } };
  };
  vi.stubGlobal("fetch", async (input: string, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://app.test");
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const request: FakeRequest = {
      method: (init.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers,
      json: typeof init.body === "string" && init.body ? JSON.parse(init.body) : null,
    };
    requests.push(request);
    const response = handler(request) ?? fallback(request);
    const status = response.status ?? 200;
    const isText = typeof response.body === "string";
    return new Response(status === 204 ? null : isText ? (response.body as string) : JSON.stringify(response.body ?? {}), {
      status,
      headers: { "Content-Type": isText ? "text/html; charset=utf-8" : "application/json", "X-Request-ID": "req-from-header", ...response.headers },
    });
  });
  return requests;
}

/** jsdom has <dialog> but not showModal()/close(): enough of them for the app's dialogs. */
export function installDialogPolyfill() {
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & { showModal?: () => void; close?: () => void };
  if (typeof proto.showModal !== "function") {
    proto.showModal = function showModal(this: HTMLDialogElement) {
      this.setAttribute("open", "");
    };
  }
  if (typeof proto.close !== "function") {
    proto.close = function close(this: HTMLDialogElement) {
      this.removeAttribute("open");
      this.dispatchEvent(new Event("close"));
    };
  }
}

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{`${location.pathname}${location.search}`}</output>;
}

export function renderWithApp(
  ui: ReactElement,
  { route = "/", path = "*", language = "ko" as Language }: { route?: string; path?: string; language?: Language } = {},
) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <I18nProvider language={language}>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[route]}>
          <ToastProvider>
            <QueueDrawerProvider>
              <Routes>
                <Route path={path} element={ui} />
                {path !== "*" && <Route path="*" element={<p>elsewhere</p>} />}
              </Routes>
              <LocationProbe />
            </QueueDrawerProvider>
          </ToastProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </I18nProvider>,
  );
  return { ...result, client };
}
