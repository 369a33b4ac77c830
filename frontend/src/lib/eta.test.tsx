import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Job } from "../api/jobs";
import { I18nProvider } from "../i18n";
import { EtaText } from "../pages/jobs/jobParts";
import { jobJson } from "../shell/testing";
import { etaRemaining } from "./eta";

describe("etaRemaining", () => {
  it("counts down from the ETA measured at fetch time and never goes below zero", () => {
    const fetchedAt = 1_000_000;
    expect(etaRemaining(10, fetchedAt, fetchedAt)).toBe(10);
    expect(etaRemaining(10, fetchedAt, fetchedAt + 3_000)).toBe(7);
    expect(etaRemaining(10, fetchedAt, fetchedAt + 9_500)).toBe(1);
    expect(etaRemaining(10, fetchedAt, fetchedAt + 60_000)).toBe(0);
  });
});

describe("the ETA on screen", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-12-02T05:00:00Z"));
  });
  afterEach(() => vi.useRealTimers());

  function show(job: Job, language: "ko" | "en" = "ko") {
    return render(
      <I18nProvider language={language}>
        <EtaText job={job} fetchedAt={Date.now()} />
      </I18nProvider>,
    );
  }

  it("ticks down every second between polls and says 곧 시작 at zero", () => {
    show(jobJson({ status: "queued", eta_seconds: 65 }));
    expect(screen.getByText("약 1분 5초 남음")).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(3_000));
    expect(screen.getByText("약 1분 2초 남음")).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(62_000));
    expect(screen.getByText("곧 시작")).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(30_000));
    expect(screen.getByText("곧 시작")).toBeInTheDocument();
  });

  it("says almost there in English once the time is up", () => {
    show(jobJson({ status: "queued", eta_seconds: 2 }), "en");
    expect(screen.getByText("about 2 s left")).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(2_000));
    expect(screen.getByText("almost there")).toBeInTheDocument();
  });

  it("restarts from a fresh ETA when a poll brings one", () => {
    const job = jobJson({ status: "running", eta_seconds: 20, queue_position: null, waiting_reason: null });
    const { rerender } = show(job);
    act(() => vi.advanceTimersByTime(5_000));
    expect(screen.getByText("약 15초 남음")).toBeInTheDocument();
    rerender(
      <I18nProvider language="ko">
        <EtaText job={{ ...job, eta_seconds: 40 }} fetchedAt={Date.now()} />
      </I18nProvider>,
    );
    expect(screen.getByText("약 40초 남음")).toBeInTheDocument();
  });

  it("shows nothing for a finished job", () => {
    const { container } = show(jobJson({ status: "succeeded", eta_seconds: null }));
    expect(container).toBeEmptyDOMElement();
  });
});
