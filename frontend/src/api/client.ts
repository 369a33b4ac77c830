// The one way the app talks to the platform: same-origin requests with Django's session cookie
// and its CSRF token (never an Authorization header: a stale one would turn a valid session into
// a 401). Every failure becomes an ApiError carrying the platform's error body and request id.

export type ApiErrorBody = {
  code: string;
  message: string;
  fields?: Record<string, unknown>;
  // Figures some codes carry: queue_full → limit, waiting; storage_quota_exceeded → used_bytes, quota_bytes.
  [extra: string]: unknown;
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: ApiErrorBody;
  readonly requestId: string | null;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, body: ApiErrorBody, requestId: string | null, retryAfter: string | null) {
    super(body.message || body.code);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.body = body;
    this.requestId = requestId;
    const seconds = retryAfter == null ? NaN : Number(retryAfter);
    this.retryAfterSeconds = Number.isFinite(seconds) ? seconds : null;
  }

  /** Messages for one field, e.g. fieldErrors("prompt"). */
  fieldErrors(name: string): string[] {
    return flattenMessages(this.body.fields?.[name]);
  }
}

/** DRF nests errors per list item or key (`{"ids": {"0": ["Must be a valid UUID."]}}`): flatten. */
function flattenMessages(value: unknown): string[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value.flatMap(flattenMessages);
  if (typeof value === "object") return Object.values(value as Record<string, unknown>).flatMap(flattenMessages);
  return [String(value)];
}

/** Network failures (offline, DNS, server gone) are ApiErrors too, with status 0. */
function networkError(): ApiError {
  return new ApiError(0, { code: "network_error", message: "network error" }, null, null);
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

let currentLanguage = "ko";
/** The i18n layer tells the client the user's language, sent as Accept-Language. */
export function setApiLanguage(language: string): void {
  currentLanguage = language;
}

/** Called on any 401 (session expired or signed out elsewhere); the auth layer sets it. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export type RequestOptions = {
  method?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Don't call the 401 handler (sign-in itself, the "who am I" probe). */
  quiet401?: boolean;
};

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function buildHeaders(method: string, options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Accept-Language": currentLanguage,
    ...options.headers,
  };
  if (UNSAFE.has(method)) headers["X-CSRFToken"] = csrfToken();
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  return headers;
}

async function parseError(response: Response): Promise<ApiError> {
  let body: ApiErrorBody;
  try {
    const data = await response.json();
    body = data && typeof data === "object" && "code" in data
      ? (data as ApiErrorBody)
      : { code: `http_${response.status}`, message: response.statusText, ...(data ?? {}) };
  } catch {
    body = { code: `http_${response.status}`, message: response.statusText };
  }
  return new ApiError(
    response.status,
    body,
    response.headers.get("X-Request-ID"),
    response.headers.get("Retry-After"),
  );
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? (options.json !== undefined || options.form ? "POST" : "GET")).toUpperCase();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: buildHeaders(method, options),
      body: options.form ?? (options.json !== undefined ? JSON.stringify(options.json) : undefined),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw networkError();
  }
  if (!response.ok) {
    const error = await parseError(response);
    if (response.status === 401 && !options.quiet401) onUnauthorized?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("Content-Type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>(path, { ...options, method: "GET" }),
  post: <T>(path: string, json?: unknown, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "POST", json: json ?? {} }),
  put: <T>(path: string, json: unknown, options?: RequestOptions) => request<T>(path, { ...options, method: "PUT", json }),
  patch: <T>(path: string, json: unknown, options?: RequestOptions) =>
    request<T>(path, { ...options, method: "PATCH", json }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>(path, { ...options, method: "DELETE" }),
};

/** Query-string helper that drops empty values: qs({status: "queued,running", page: 2}). */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export type UploadProgress = { loaded: number; total: number };

/**
 * Multipart POST with upload progress (fetch cannot report it): used for job inputs and gallery
 * uploads. Same headers, same errors as request().
 */
export function upload<T>(
  path: string,
  form: FormData,
  options: { headers?: Record<string, string>; onProgress?: (p: UploadProgress) => void; signal?: AbortSignal } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(buildHeaders("POST", { headers: options.headers }))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.({ loaded: event.loaded, total: event.total });
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    xhr.onload = () => {
      const headers = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const index = line.indexOf(":");
        if (index > 0) headers.append(line.slice(0, index).trim(), line.slice(index + 1).trim());
      }
      const response = new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers });
      if (!response.ok) {
        void parseError(response).then((error) => {
          if (xhr.status === 401) onUnauthorized?.();
          reject(error);
        });
        return;
      }
      if (xhr.status === 204) resolve(undefined as T);
      else response.json().then((data) => resolve(data as T), reject);
    };
    options.signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(form);
  });
}

/** A fresh Idempotency-Key for one user intent (kept across retries of the same submit). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
