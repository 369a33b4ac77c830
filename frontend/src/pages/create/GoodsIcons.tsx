// Small line drawings of the eight goods types for the picture cards (inline, no image files).
import type { ReactElement } from "react";

const paths: Record<string, ReactElement> = {
  mug: (
    <>
      <path d="M10 14h22v20a6 6 0 0 1-6 6H16a6 6 0 0 1-6-6z" />
      <path d="M32 18h3a5 5 0 0 1 0 10h-3" />
      <path d="M16 8c0 2 2 2 2 4M22 8c0 2 2 2 2 4" />
    </>
  ),
  t_shirt: <path d="M17 7l-9 5 4 8 4-2v22h16V18l4 2 4-8-9-5c-1 3-4 5-7 5s-6-2-7-5z" />,
  tote_bag: (
    <>
      <path d="M9 18h30l-3 24H12z" />
      <path d="M17 18v-4a7 7 0 0 1 14 0v4" />
    </>
  ),
  phone_case: (
    <>
      <rect x="14" y="5" width="20" height="38" rx="4" />
      <circle cx="20" cy="11" r="2" />
      <path d="M21 38h6" />
    </>
  ),
  keyring: (
    <>
      <circle cx="15" cy="14" r="7" />
      <path d="M20 19l4 4" />
      <rect x="22" y="22" width="18" height="20" rx="5" />
    </>
  ),
  sticker: (
    <>
      <path d="M8 8h32v20L28 40H8z" />
      <path d="M28 40V28h12" />
    </>
  ),
  poster: (
    <>
      <rect x="11" y="6" width="26" height="36" rx="1" />
      <path d="M15 32l6-8 5 5 3-3 4 6" />
      <circle cx="29" cy="15" r="3" />
    </>
  ),
  cushion: (
    <path d="M10 10c5 2 23 2 28 0-2 5-2 23 0 28-5-2-23-2-28 0 2-5 2-23 0-28z" />
  ),
};

export function GoodsIcon({ type }: { type: string }) {
  return (
    <svg viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round">
      {paths[type] ?? <rect x="8" y="8" width="32" height="32" rx="4" />}
    </svg>
  );
}
