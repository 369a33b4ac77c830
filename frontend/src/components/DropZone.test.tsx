import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { I18nProvider } from "../i18n";
import { DropZone } from "./DropZone";

function renderZone(props: Partial<Parameters<typeof DropZone>[0]> = {}) {
  const onFiles = vi.fn();
  render(
    <I18nProvider language="en">
      <DropZone label="Scene image" accept="image/png,image/jpeg" onFiles={onFiles} hint="PNG or JPEG, at most 5 MB" {...props} />
    </I18nProvider>,
  );
  return onFiles;
}

const png = () => new File(["x"], "a.png", { type: "image/png" });

describe("DropZone", () => {
  it("opens the file picker from a real button, with the hints read along", async () => {
    renderZone();
    const button = screen.getByRole("button", { name: "Choose a file" });
    expect(button).toHaveAccessibleDescription("PNG or JPEG, at most 5 MB");
    const input = screen.getByTestId("dropzone-input") as HTMLInputElement;
    const click = vi.spyOn(input, "click");
    button.focus();
    await userEvent.keyboard("{Enter}");
    await userEvent.keyboard(" ");
    expect(click).toHaveBeenCalledTimes(2);
  });

  it("hands over a chosen file", async () => {
    const onFiles = renderZone();
    await userEvent.upload(screen.getByTestId("dropzone-input"), png());
    expect(onFiles).toHaveBeenCalledWith([expect.objectContaining({ name: "a.png" })]);
  });

  it("takes a dropped file, preferring accepted types, one unless multiple", () => {
    const onFiles = renderZone();
    const zone = screen.getByRole("group", { name: "Scene image" });
    const text = new File(["t"], "notes.txt", { type: "text/plain" });
    fireEvent.dragEnter(zone, { dataTransfer: { types: ["Files"], files: [text, png()] } });
    expect(zone).toHaveAttribute("data-dragging", "true");
    fireEvent.drop(zone, { dataTransfer: { types: ["Files"], files: [text, png(), png()] } });
    expect(onFiles).toHaveBeenCalledWith([expect.objectContaining({ name: "a.png" })]);
    expect(zone).not.toHaveAttribute("data-dragging");
  });

  it("shows an error tied to the button", () => {
    renderZone({ error: "Only PNG, JPEG and WebP images can be used." });
    const button = screen.getByRole("button", { name: "Choose a file" });
    expect(button).toHaveAttribute("aria-invalid", "true");
    expect(button).toHaveAccessibleDescription(/Only PNG, JPEG and WebP/);
  });

  it("ignores everything when disabled", () => {
    const onFiles = renderZone({ disabled: true });
    fireEvent.drop(screen.getByRole("group", { name: "Scene image" }), { dataTransfer: { types: ["Files"], files: [png()] } });
    expect(onFiles).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Choose a file" })).toBeDisabled();
  });
});
