import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { fakeServer, renderPage, usage, type Reply } from "../gallery/testing";
import AccountPage from "./AccountPage";
import { usageLevel } from "./UsageMeter";

const ME = { id: 7, username: "demo", email: "demo@example.com", is_staff: false, limits: { max_queued: 3, max_concurrent: 1 } };
const MB = 1024 * 1024;

function accountServer({ storage = usage(), password }: { storage?: unknown; password?: (body: unknown) => Reply } = {}) {
  return fakeServer((call) => {
    if (call.path === "/api/v1/auth/me") return { body: ME };
    if (call.path === "/api/v1/images/usage") return { body: storage };
    if (call.path === "/api/v1/auth/password") return password?.(call.body) ?? { status: 204 };
    if (call.path === "/api/v1/auth/session" && call.method === "DELETE") return { status: 204 };
    return undefined;
  });
}

const renderAccount = () => renderPage(<AccountPage />, { route: "/account", path: "/account" });

describe("the account page", () => {
  afterEach(() => vi.unstubAllGlobals());

  test("shows the job limits that apply", async () => {
    accountServer();
    renderAccount();
    const limits = await screen.findByRole("region", { name: "작업 한도" });
    expect(await within(limits).findByText("최대 3개")).toBeInTheDocument();
    expect(within(limits).getByText("최대 1개")).toBeInTheDocument();
    expect(screen.getByText("demo 계정으로 로그인했습니다 · demo@example.com")).toBeInTheDocument();
  });

  test("the storage meter speaks its figures, warns near the quota and leads to the trash", async () => {
    accountServer({ storage: usage({ used_bytes: 95 * MB, quota_bytes: 100 * MB, images: { active: 40, trash: 12 } }) });
    renderAccount();
    const meter = await screen.findByRole("meter", { name: "저장 공간 사용량" });
    expect(meter).toHaveAttribute("aria-valuetext", "100 MB 중 95 MB 사용 (95%)");
    expect(meter).toHaveAttribute("aria-valuenow", String(95 * MB));
    expect(screen.getByText(/저장 공간이 거의 찼습니다/)).toBeInTheDocument();
    expect(screen.getByText("갤러리 40개 · 휴지통 12개")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "휴지통 열기" })).toHaveAttribute("href", "/trash");
  });

  test("over the quota the page says so as an alert", async () => {
    accountServer({ storage: usage({ used_bytes: 120 * MB, quota_bytes: 100 * MB, is_over_quota: true }) });
    renderAccount();
    expect(await screen.findByRole("alert")).toHaveTextContent("저장 공간을 모두 썼습니다");
    expect(screen.getByRole("meter")).toHaveAttribute("aria-valuenow", String(100 * MB));
  });

  test("without a quota the storage is shown as used, with no meter", async () => {
    accountServer({ storage: usage({ used_bytes: 3 * MB, quota_bytes: null, available_bytes: null }) });
    renderAccount();
    expect(await screen.findByText("3 MB 사용 중 (제한 없음)")).toBeInTheDocument();
    expect(screen.queryByRole("meter")).not.toBeInTheDocument();
  });

  test("a little storage used reads as under one per cent", async () => {
    accountServer({ storage: usage({ used_bytes: 96 * 1024, quota_bytes: 1024 * MB }) });
    renderAccount();
    expect(await screen.findByRole("meter")).toHaveAttribute("aria-valuetext", "1 GB 중 96 KB 사용 (<1%)");
  });

  test("usage levels", () => {
    expect(usageLevel({ used_bytes: 10, quota_bytes: 100, is_over_quota: false })).toBe("ok");
    expect(usageLevel({ used_bytes: 90, quota_bytes: 100, is_over_quota: false })).toBe("near");
    expect(usageLevel({ used_bytes: 100, quota_bytes: 100, is_over_quota: false })).toBe("over");
    expect(usageLevel({ used_bytes: 5, quota_bytes: null, is_over_quota: false })).toBe("ok");
  });

  test("the new password must be typed the same twice before anything is sent", async () => {
    const server = accountServer();
    const user = userEvent.setup();
    renderAccount();
    await user.type(await screen.findByLabelText("현재 비밀번호"), "old-secret");
    await user.type(screen.getByLabelText("새 비밀번호"), "new-secret-1");
    await user.type(screen.getByLabelText("새 비밀번호 확인"), "new-secret-2");
    await user.click(screen.getByRole("button", { name: "비밀번호 변경" }));
    expect(screen.getByText("새 비밀번호가 서로 다릅니다.")).toBeInTheDocument();
    expect(screen.getByLabelText("새 비밀번호 확인")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("새 비밀번호 확인")).toHaveFocus();
    expect(server.requests("POST", "/api/v1/auth/password")).toHaveLength(0);
  });

  test("the server's 400 puts its message on the field", async () => {
    const server = accountServer({
      password: () => ({
        status: 400,
        body: { code: "invalid_input", message: "old_password: …", fields: { old_password: ["현재 비밀번호가 올바르지 않습니다."] } },
      }),
    });
    const user = userEvent.setup();
    renderAccount();
    await user.type(await screen.findByLabelText("현재 비밀번호"), "wrong");
    await user.type(screen.getByLabelText("새 비밀번호"), "new-secret-1");
    await user.type(screen.getByLabelText("새 비밀번호 확인"), "new-secret-1");
    await user.click(screen.getByRole("button", { name: "비밀번호 변경" }));
    expect(await screen.findByText("현재 비밀번호가 올바르지 않습니다.")).toBeInTheDocument();
    expect(screen.getByLabelText("현재 비밀번호")).toHaveAttribute("aria-invalid", "true");
    expect(server.requests("POST", "/api/v1/auth/password")[0].body).toEqual({ old_password: "wrong", new_password: "new-secret-1" });
  });

  test("a changed password is confirmed and the fields are cleared", async () => {
    accountServer();
    const user = userEvent.setup();
    renderAccount();
    await user.type(await screen.findByLabelText("현재 비밀번호"), "old-secret");
    await user.type(screen.getByLabelText("새 비밀번호"), "new-secret-1");
    await user.type(screen.getByLabelText("새 비밀번호 확인"), "new-secret-1");
    await user.click(screen.getByRole("button", { name: "비밀번호 변경" }));
    expect(await screen.findByText("비밀번호를 변경했습니다.")).toBeInTheDocument();
    expect(screen.getByLabelText("현재 비밀번호")).toHaveValue("");
  });

  test("switching the language changes the page at once", async () => {
    accountServer();
    renderAccount();
    fireEvent.click(await screen.findByRole("radio", { name: "English" }));
    expect(await screen.findByRole("heading", { name: "Account" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "English" })).toBeChecked();
    expect(localStorage.getItem("ppl-studio.language")).toBe("en");
    fireEvent.click(screen.getByRole("radio", { name: "한국어" }));
    expect(await screen.findByRole("heading", { name: "계정" })).toBeInTheDocument();
  });

  test("signing out ends the session and goes to the sign-in page", async () => {
    const server = accountServer();
    renderAccount();
    fireEvent.click(await screen.findByRole("button", { name: "로그아웃" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/signin"));
    expect(server.requests("DELETE", "/api/v1/auth/session")).toHaveLength(1);
  });
});
