// Moving images to the trash and back, with the server's counts in a toast and, after a move to
// the trash, "실행 취소" that restores exactly the images that were moved.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";

import { changeImages, IMAGES_KEY, localMoves, removeFromLists, USAGE_KEY, type BulkOutcome } from "../../api/gallery";
import { errorMessage } from "../../api/errors";
import { useToasts } from "../../components/Toast";
import { useI18n, type I18n } from "../../i18n";

/** "12개를 휴지통으로 옮겼습니다 (이미 휴지통: 1)": what the server changed and what it did not. */
export function bulkMessage(
  t: I18n["t"],
  formatNumber: I18n["formatNumber"],
  kind: "trashed" | "restored",
  outcome: BulkOutcome,
): string {
  const main = t(`gallery.${kind}`, { count: formatNumber(outcome.changed.length) });
  const extras: string[] = [];
  if (outcome.unchanged.length) extras.push(t(`gallery.${kind}.unchanged`, { count: formatNumber(outcome.unchanged.length) }));
  if (outcome.not_found.length) extras.push(t("gallery.trashed.notFound", { count: formatNumber(outcome.not_found.length) }));
  if (outcome.notAttempted.length) {
    extras.push(t("gallery.trashed.notAttempted", { count: formatNumber(outcome.notAttempted.length) }));
  }
  return extras.length ? `${main} (${extras.join(", ")})` : main;
}

export function useImageActions() {
  const client = useQueryClient();
  const toasts = useToasts();
  const { t, language, formatNumber } = useI18n();
  const [busy, setBusy] = useState(false);

  const reportPartial = useCallback((outcome: BulkOutcome) => {
    if (outcome.error) toasts.push({ message: errorMessage(outcome.error as Error, language), tone: "error" });
  }, [toasts, language]);

  const sent = (ids: readonly string[], outcome: BulkOutcome) => {
    const skipped = new Set(outcome.notAttempted);
    return new Set(ids.filter((id) => !skipped.has(id)));
  };

  const restore = useCallback(async (ids: readonly string[]): Promise<BulkOutcome | null> => {
    setBusy(true);
    try {
      const outcome = await changeImages("restore", ids, localMoves(client));
      removeFromLists(client, sent(ids, outcome));
      // The gallery shows them again in their place (newest first): refetch it if it is on screen.
      void client.invalidateQueries({ queryKey: [...IMAGES_KEY, "active"] });
      toasts.push({ message: bulkMessage(t, formatNumber, "restored", outcome), tone: "success" });
      reportPartial(outcome);
      return outcome;
    } catch (error) {
      toasts.push({ message: errorMessage(error as Error, language), tone: "error" });
      return null;
    } finally {
      setBusy(false);
    }
  }, [client, toasts, t, formatNumber, language, reportPartial]);

  const moveToTrash = useCallback(async (ids: readonly string[]): Promise<BulkOutcome | null> => {
    setBusy(true);
    try {
      const outcome = await changeImages("delete", ids, localMoves(client));
      removeFromLists(client, sent(ids, outcome));
      const moved = [...outcome.changed];
      toasts.push({
        message: bulkMessage(t, formatNumber, "trashed", outcome),
        tone: "success",
        action: moved.length ? { label: t("gallery.undo"), onClick: () => void restore(moved) } : undefined,
      });
      reportPartial(outcome);
      return outcome;
    } catch (error) {
      toasts.push({ message: errorMessage(error as Error, language), tone: "error" });
      return null;
    } finally {
      setBusy(false);
      void client.invalidateQueries({ queryKey: USAGE_KEY });
    }
  }, [client, toasts, t, formatNumber, language, restore, reportPartial]);

  return { busy, moveToTrash, restore };
}
