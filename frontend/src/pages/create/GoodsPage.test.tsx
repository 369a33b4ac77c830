import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import GoodsPage from "./GoodsPage";
import { installFakeServer, jobJson, pngFile, renderPage } from "./testing";

// Whole flows with typing and polling: slow on a busy machine, not stuck.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

describe("GoodsPage", () => {
  it("offers the eight goods as a radio group and sends the chosen one", async () => {
    const server = installFakeServer((r) => (r.method === "POST" && r.path === "/api/v1/jobs/goods" ? { status: 202, body: jobJson({ kind: "goods" }) } : undefined));
    const user = userEvent.setup();
    renderPage(<GoodsPage />, { route: "/create/goods", path: "/create/goods", language: "en" });

    const group = screen.getByRole("group", { name: "Goods type" });
    const radios = Array.from(group.querySelectorAll('input[type="radio"]'));
    expect(radios).toHaveLength(8);
    expect(screen.getByRole("radio", { name: "Mug" })).toBeChecked();
    // Arrow keys move within the group, as in any radio group.
    screen.getByRole("radio", { name: "Mug" }).focus();
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("radio", { name: "T-shirt" })).toBeChecked();
    await user.click(screen.getByRole("radio", { name: "Cushion" }));

    await user.upload(screen.getByTestId("dropzone-input"), pngFile("character.png"));
    await screen.findByText(/800×600/);
    await user.click(screen.getByRole("button", { name: "Generate" }));

    await waitFor(() => expect(server.posts("/api/v1/jobs/goods")).toHaveLength(1));
    const form = server.posts("/api/v1/jobs/goods")[0].body as FormData;
    expect(form.get("goods_type")).toBe("cushion");
    expect((form.get("character_image") as File).name).toBe("character.png");
    expect(form.get("prompt")).toBeNull(); // optional, left out when empty
    expect(form.get("aspect_ratio")).toBe("1:1");
  });

  it("offers safety 0–6 with what the level means", async () => {
    installFakeServer(() => undefined);
    renderPage(<GoodsPage />, { route: "/create/goods", path: "/create/goods", language: "en" });
    const slider = screen.getByRole("slider", { name: "Safety level" });
    await waitFor(() => expect(slider).toHaveAttribute("max", "6"));
    expect(slider).toHaveAccessibleDescription(/Default: right for everyday commercial images/);
    fireEvent.change(slider, { target: { value: "0" } });
    expect(slider).toHaveAccessibleDescription(/Strictest/);
    fireEvent.change(slider, { target: { value: "6" } });
    expect(slider).toHaveAccessibleDescription(/Most permissive/);
  });
});
