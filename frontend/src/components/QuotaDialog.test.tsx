import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { beforeAll, describe, expect, it, vi } from "vitest";

import { ApiError } from "../api/client";
import { I18nProvider } from "../i18n";
import { QuotaDialog } from "./QuotaDialog";

beforeAll(() => {
  // jsdom has <dialog> without showModal()/close().
  HTMLDialogElement.prototype.showModal ??= function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
  HTMLDialogElement.prototype.close ??= function close(this: HTMLDialogElement) {
    this.removeAttribute("open");
  };
});

const quotaError = new ApiError(409, { code: "storage_quota_exceeded", message: "full", used_bytes: 90 * 2 ** 20, quota_bytes: 100 * 2 ** 20 }, "req-1", null);

function renderDialog(error: unknown, onClose = vi.fn()) {
  render(
    <I18nProvider language="en">
      <MemoryRouter>
        <QuotaDialog open onClose={onClose} error={error} />
      </MemoryRouter>
    </I18nProvider>,
  );
  return onClose;
}

describe("QuotaDialog", () => {
  it("shows the used/quota meter from the 409 body and a way to the trash", () => {
    renderDialog(quotaError);
    const dialog = screen.getByRole("dialog", { name: "Your storage is full" });
    const meter = within(dialog).getByRole("meter", { name: "Storage used" });
    expect(meter).toHaveAttribute("aria-valuetext", "90 MB of 100 MB used (90%)");
    expect(within(dialog).getByRole("link", { name: "Go to the trash" })).toHaveAttribute("href", "/trash");
  });

  it("reads the figures from a plain error body too, and closes", async () => {
    const onClose = renderDialog({ code: "storage_quota_exceeded", used_bytes: 2048, quota_bytes: 1024 });
    expect(screen.getByRole("meter")).toHaveAttribute("aria-valuetext", "2 KB of 1 KB used (100%)");
    await userEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(onClose).toHaveBeenCalled();
  });

  it("still explains and offers the trash when the figures are missing", () => {
    renderDialog(null);
    expect(screen.queryByRole("meter")).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to the trash" })).toBeInTheDocument();
  });
});
