// Who is signed in. The session cookie is the credential; /api/v1/auth/me tells who it is.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";

import { api, ApiError } from "./client";
import type { Me } from "./types";

export const ME_KEY = ["me"] as const;

export function useMe() {
  return useQuery<Me | null, ApiError>({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await api.get<Me>("/api/v1/auth/me", { quiet401: true });
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: (count, error) => error.status === 0 && count < 3,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation<Me, ApiError, { username: string; password: string }>({
    mutationFn: (body) => api.post<Me>("/api/v1/auth/session", body, { quiet401: true }),
    onSuccess: (me) => {
      client.clear();
      client.setQueryData(ME_KEY, me);
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation<void, ApiError>({
    mutationFn: () => api.delete<void>("/api/v1/auth/session", { quiet401: true }),
    onSettled: () => {
      client.clear();
      client.setQueryData(ME_KEY, null);
    },
  });
}

/** Where to go after signing in: only paths inside the app, never another origin. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/signin")) return "/";
  return next;
}

/** Routes behind sign-in: an anonymous visitor goes to /signin and comes back afterwards. */
export function RequireAuth({ children, fallback }: { children: ReactNode; fallback: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <>{fallback}</>;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
