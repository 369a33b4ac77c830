import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { installFakeServer, ME, renderWithApp, type FakeRequest } from "../shell/testing";
import SignInPage from "./SignInPage";

function serve(onSignIn: (request: FakeRequest) => { status?: number; body?: unknown; headers?: Record<string, string> }) {
  return installFakeServer((request) => {
    if (request.path === "/api/v1/auth/me") return { status: 401, body: { code: "not_authenticated", message: "no" } };
    if (request.method === "POST" && request.path === "/api/v1/auth/session") return onSignIn(request);
    return undefined;
  });
}

async function signIn(username = "demo", password = "secret", user = userEvent.setup()) {
  await user.type(await screen.findByLabelText("아이디"), username);
  await user.type(screen.getByLabelText("비밀번호"), password);
  await user.click(screen.getByRole("button", { name: "로그인" }));
}

beforeEach(() => vi.unstubAllGlobals());
afterEach(() => vi.useRealTimers());

describe("sign-in", () => {
  it("goes to ?next= after signing in", async () => {
    const requests = serve(() => ({ body: ME }));
    renderWithApp(<SignInPage />, { route: "/signin?next=%2Fjobs%3Fstatus%3Dfailed" });
    await signIn();
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/jobs?status=failed"));
    const sent = requests.find((r) => r.path === "/api/v1/auth/session")!;
    expect(sent.json).toEqual({ username: "demo", password: "secret" });
  });

  it("never follows a next that leaves the app", async () => {
    serve(() => ({ body: ME }));
    renderWithApp(<SignInPage />, { route: "/signin?next=%2F%2Fevil.example%2F" });
    await signIn();
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/$/));
  });

  it("says the credentials are wrong on a 401", async () => {
    serve(() => ({ status: 401, body: { code: "authentication_failed", message: "Invalid" } }));
    renderWithApp(<SignInPage />, { route: "/signin" });
    await signIn("demo", "nope");
    expect(await screen.findByRole("alert")).toHaveTextContent("아이디 또는 비밀번호가 올바르지 않습니다.");
    expect(screen.getByTestId("location")).toHaveTextContent("/signin");
  });

  it("shows the throttle message with the seconds from Retry-After, counting down", async () => {
    serve(() => ({ status: 429, body: { code: "throttled", message: "slow down" }, headers: { "Retry-After": "42" } }));
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderWithApp(<SignInPage />, { route: "/signin" });
    await signIn("demo", "secret", userEvent.setup({ advanceTimers: vi.advanceTimersByTime }));
    expect(await screen.findByRole("alert")).toHaveTextContent("로그인 시도가 너무 많습니다. 42초 후에 다시 시도하세요.");
    expect(screen.getByRole("button", { name: "로그인" })).toBeDisabled();

    act(() => vi.advanceTimersByTime(2_000));
    expect(screen.getByRole("alert")).toHaveTextContent(/4[01]초 후에 다시 시도하세요/);
    act(() => vi.advanceTimersByTime(45_000));
    expect(screen.getByRole("alert")).toHaveTextContent("이제 다시 로그인할 수 있습니다.");
    expect(screen.getByRole("button", { name: "로그인" })).toBeEnabled();
  });

  it("asks for both fields before sending anything", async () => {
    const requests = serve(() => ({ body: ME }));
    renderWithApp(<SignInPage />, { route: "/signin" });
    await userEvent.click(await screen.findByRole("button", { name: "로그인" }));
    expect(screen.getByRole("alert")).toHaveTextContent("아이디와 비밀번호를 입력하세요.");
    expect(screen.getByLabelText("아이디")).toHaveAttribute("aria-invalid", "true");
    expect(requests.some((r) => r.path === "/api/v1/auth/session")).toBe(false);
  });

  it("offers the language switch", async () => {
    serve(() => ({ body: ME }));
    renderWithApp(<SignInPage />, { route: "/signin" });
    await userEvent.click(await screen.findByRole("button", { name: "English" }));
    expect(await screen.findByLabelText("Username")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign in" })).toBeInTheDocument();
  });
});
