// Error code → words in the user's language. The platform's own message (already localised by
// Accept-Language) is the fallback for a code the app does not know yet.
import { hasMessage, translate, type Language } from "../i18n";
import { ApiError } from "./client";

export type ErrorLike = { code: string; message?: string | null } | ApiError | Error | null | undefined;

export function errorCode(error: ErrorLike): string {
  if (!error) return "unknown";
  if (error instanceof ApiError) return error.code;
  if ("code" in error && typeof error.code === "string") return error.code;
  return "unknown";
}

export function errorMessage(error: ErrorLike, language: Language): string {
  const code = errorCode(error);
  const key = `error.${code}`;
  if (hasMessage(key)) return translate(language, key);
  const serverMessage = error && "message" in error ? error.message : null;
  return serverMessage || translate(language, "error.unknown");
}
