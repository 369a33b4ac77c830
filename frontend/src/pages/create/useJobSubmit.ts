// Submitting a job, the same way on every create page:
//   validate in the browser → preflight (block with its reason) → POST with an Idempotency-Key.
// One key per user intent: it is made on the first click and reused for every re-send of the
// same form (a network retry, a wait after `throttled`, the automatic submit once the queue has
// room), so the platform makes at most one paid job however often the request goes out. A
// changed form is a new intent with a new key; a 202 ends the intent.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import { useMe } from "../../api/auth";
import { ApiError, idempotencyKey } from "../../api/client";
import {
  blockingReasons,
  countActiveJobs,
  queueHasRoom,
  fetchPreflight,
  sendJob,
  type CreateKind,
  type PreflightReason,
  type QueueCounts,
  type SubmitBody,
} from "../../api/create";
import { invalidateJobs, type Job } from "../../api/jobs";
import { useToasts } from "../../components/Toast";
import { useI18n } from "../../i18n";
import { useQueueDrawer } from "../../shell/queueDrawer";

/** Waits before re-sending after a network failure (same key each time). */
export const NETWORK_RETRY_DELAYS_MS = [1_000, 3_000, 6_000];
const MAX_THROTTLE_WAITS = 3;
export const WAITING_POLL_MS = 2_000;
const DOUBLE_CLICK_MS = 1_500;

export type SubmitState =
  | { phase: "idle" }
  | { phase: "checking" }
  | { phase: "sending"; progress: number | null }
  | { phase: "retrying"; attempt: number; max: number }
  | { phase: "throttled"; seconds: number }
  | { phase: "blocked"; reasons: PreflightReason[] }
  | {
      phase: "queue_full";
      limit: number | null;
      waiting: number | null;
      running: number | null;
      maxConcurrent: number | null;
      error: ApiError;
    }
  | { phase: "quota"; error: ApiError }
  | { phase: "invalid"; error: ApiError | null }
  | { phase: "error"; error: unknown }
  | { phase: "accepted"; job: Job };

export type FieldErrors = Record<string, string>;

export type JobSubmitOptions = {
  kind: CreateKind;
  /** Everything that makes the request what it is; a different value means a new intent. */
  signature: string;
  /** Checks in the browser: field name → message. Empty: go ahead. */
  validate: () => FieldErrors;
  /** The request body, built again for each send from the same values. */
  build: () => SubmitBody;
  /** Field names in page order → the id of the element to focus when that field is wrong. */
  fields: Record<string, string>;
  onAccepted?: (job: Job) => void;
};

const sleep = (ms: number) => new Promise((resolve) => window.setTimeout(resolve, ms));

function figure(body: Record<string, unknown>, name: string): number | null {
  const value = body[name];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function useJobSubmit({ kind, signature, validate, build, fields, onAccepted }: JobSubmitOptions) {
  const { t } = useI18n();
  const toasts = useToasts();
  const drawer = useQueueDrawer();
  const client = useQueryClient();
  const me = useMe();
  const [state, setState] = useState<SubmitState>({ phase: "idle" });
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [autoSubmit, setAutoSubmit] = useState(false);
  const intent = useRef<{ key: string; signature: string } | null>(null);
  const inFlight = useRef(false);
  const lastAccepted = useRef<{ signature: string; at: number } | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // The latest form, read when a send starts (the automatic submit happens later).
  const latest = useRef({ signature, validate, build, fields, onAccepted });
  latest.current = { signature, validate, build, fields, onAccepted };

  const focusFirst = useCallback((names: string[]) => {
    const first = Object.entries(latest.current.fields).find(([name]) => names.includes(name));
    if (!first) return;
    // After React has rendered the messages, so the field's description is read with it.
    window.setTimeout(() => document.getElementById(first[1])?.focus(), 0);
  }, []);

  const send = useCallback(async (key: string): Promise<Job> => {
    let networkFailures = 0;
    let throttleWaits = 0;
    for (;;) {
      try {
        return await sendJob(kind, latest.current.build(), {
          key,
          onProgress: ({ loaded, total }) => {
            if (mounted.current) setState({ phase: "sending", progress: total ? Math.round((loaded / total) * 100) : null });
          },
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 0 && networkFailures < NETWORK_RETRY_DELAYS_MS.length) {
          networkFailures += 1;
          setState({ phase: "retrying", attempt: networkFailures, max: NETWORK_RETRY_DELAYS_MS.length });
          await sleep(NETWORK_RETRY_DELAYS_MS[networkFailures - 1]);
          continue;
        }
        if (error.status === 429 && error.code !== "queue_full" && throttleWaits < MAX_THROTTLE_WAITS) {
          throttleWaits += 1;
          let seconds = Math.max(1, Math.ceil(error.retryAfterSeconds ?? 5));
          while (seconds > 0 && mounted.current) {
            setState({ phase: "throttled", seconds });
            await sleep(1_000);
            seconds -= 1;
          }
          continue;
        }
        throw error;
      }
    }
  }, [kind]);

  const submit = useCallback(async () => {
    if (inFlight.current) return; // a double click while sending
    const { signature: current, validate: check } = latest.current;
    // A double click whose second half lands just after a fast 202 is not a new intent.
    const previous = lastAccepted.current;
    if (previous && previous.signature === current && Date.now() - previous.at < DOUBLE_CLICK_MS) return;
    const errors = check();
    setClientErrors(errors);
    if (Object.keys(errors).length) {
      setState({ phase: "invalid", error: null });
      focusFirst(Object.keys(errors));
      return;
    }
    inFlight.current = true;
    if (!intent.current || intent.current.signature !== current) {
      intent.current = { key: idempotencyKey(), signature: current };
    }
    const key = intent.current.key;
    try {
      setState({ phase: "checking" });
      let answer = null;
      try {
        answer = await fetchPreflight(kind);
      } catch (error) {
        // Preflight is advice: when it cannot be asked, the POST still answers for itself.
        if (error instanceof ApiError && error.status === 401) throw error;
      }
      const reasons = answer ? blockingReasons(answer) : [];
      if (reasons.length) {
        setState({ phase: "blocked", reasons });
        return;
      }
      setState({ phase: "sending", progress: null });
      const job = await send(key);
      intent.current = null;
      lastAccepted.current = { signature: current, at: Date.now() };
      setAutoSubmit(false);
      setState({ phase: "accepted", job });
      toasts.push({ message: t("submit.accepted"), tone: "success" });
      void invalidateJobs(client);
      latest.current.onAccepted?.(job);
    } catch (error) {
      if (!(error instanceof ApiError)) {
        setState({ phase: "error", error });
      } else if (error.status === 429 && error.code === "queue_full") {
        const limit = figure(error.body, "limit") ?? me.data?.limits?.max_queued ?? null;
        const maxConcurrent = figure(error.body, "max_concurrent") ?? me.data?.limits?.max_concurrent ?? null;
        setState({
          phase: "queue_full",
          limit,
          waiting: figure(error.body, "waiting") ?? limit,
          running: figure(error.body, "running"),
          maxConcurrent,
          error,
        });
        drawer.open();
      } else if (error.status === 409 && error.code === "storage_quota_exceeded") {
        setState({ phase: "quota", error });
      } else if (error.status === 400) {
        setState({ phase: "invalid", error });
        focusFirst(Object.keys(error.body.fields ?? {}));
      } else {
        setState({ phase: "error", error });
      }
    } finally {
      inFlight.current = false;
    }
  }, [kind, send, focusFirst, toasts, t, client, me.data, drawer]);

  // "자리가 나면 자동 제출": while the queue is full and the toggle is on, count the waiting and
  // running jobs every ~2 s and submit again (same key) as soon as the platform would take it.
  const queueFull = state.phase === "queue_full" ? state : null;
  const watching = Boolean(queueFull && autoSubmit);
  const counts = useQuery<QueueCounts, ApiError>({
    queryKey: ["create", "queue-counts"],
    queryFn: ({ signal }) => countActiveJobs(signal),
    enabled: watching,
    refetchInterval: watching ? WAITING_POLL_MS : false,
    refetchIntervalInBackground: true, // the point is to submit while the user looks elsewhere
    staleTime: 0,
    gcTime: 0,
  });
  const countsNow = watching ? counts.data : undefined;
  const limitNow = queueFull?.limit;
  const maxConcurrentNow = queueFull?.maxConcurrent ?? null;
  const updatedAt = counts.dataUpdatedAt;
  const lastTrigger = useRef(0);
  useEffect(() => {
    if (countsNow == null || limitNow == null) return;
    // Each count triggers at most one submit (a cached count must not fire again).
    if (updatedAt <= lastTrigger.current) return;
    if (!queueHasRoom(countsNow, { limit: limitNow, maxConcurrent: maxConcurrentNow })) return;
    lastTrigger.current = updatedAt;
    void submit();
  }, [countsNow, limitNow, maxConcurrentNow, updatedAt, submit]);

  const fieldError = useCallback(
    (name: string): string | null => {
      if (clientErrors[name]) return clientErrors[name];
      if (state.phase === "invalid" && state.error) return state.error.fieldErrors(name)[0] ?? null;
      return null;
    },
    [clientErrors, state],
  );

  /** Server messages about fields the page does not show (they go in the general notice). */
  const otherErrors =
    state.phase === "invalid" && state.error
      ? Object.keys(state.error.body.fields ?? {})
          .filter((name) => !(name in fields))
          .flatMap((name) => state.error!.fieldErrors(name))
      : [];

  const busy = state.phase === "checking" || state.phase === "sending" || state.phase === "retrying" || state.phase === "throttled";

  return {
    state,
    busy,
    submit,
    fieldError,
    otherErrors,
    clearFieldError: (name: string) =>
      setClientErrors((errors) => {
        if (!(name in errors)) return errors;
        const next = { ...errors };
        delete next[name];
        return next;
      }),
    autoSubmit,
    setAutoSubmit,
    waitingNow: countsNow?.waiting ?? null,
    runningNow: countsNow?.running ?? null,
    dismiss: () => setState({ phase: "idle" }),
  };
}

export type JobSubmit = ReturnType<typeof useJobSubmit>;
