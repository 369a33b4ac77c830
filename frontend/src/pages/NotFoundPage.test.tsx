import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { renderWithApp } from "../shell/testing";
import NotFoundPage from "./NotFoundPage";

describe("an unknown route", () => {
  it("says so in a page heading and offers the way back, in both languages", () => {
    const { unmount } = renderWithApp(<NotFoundPage />, { route: "/no-such-page" });
    expect(screen.getByRole("heading", { level: 1, name: "페이지를 찾을 수 없습니다" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "처음으로" })).toHaveAttribute("href", "/");
    expect(screen.getByRole("link", { name: "작업 목록" })).toHaveAttribute("href", "/jobs");
    unmount();
    renderWithApp(<NotFoundPage />, { route: "/no-such-page", language: "en" });
    expect(screen.getByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
  });
});
