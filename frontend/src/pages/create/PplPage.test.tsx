import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import PplPage from "./PplPage";
import { installFakeServer, jobJson, pngFile, renderPage, type Handler } from "./testing";

// Whole flows with typing and polling: slow on a busy machine, not stuck.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup(handler: Handler, route = "/create/ppl") {
  const server = installFakeServer(handler);
  const user = userEvent.setup();
  renderPage(<PplPage />, { route, path: "/create/ppl" });
  return { server, user };
}

async function fillForm(user: ReturnType<typeof userEvent.setup>) {
  const [scene, product] = screen.getAllByTestId("dropzone-input");
  await user.upload(scene, pngFile("scene.png"));
  await user.upload(product, pngFile("product.png"));
  await waitFor(() => expect(screen.getAllByText(/800×600/)).toHaveLength(2));
  await user.type(screen.getByLabelText("프롬프트"), "Put the bottle on the wooden table");
}

const PPL = "/api/v1/jobs/ppl";
const accepted = { status: 202, body: jobJson() };

describe("PplPage", () => {
  it("sends the form as multipart with an Idempotency-Key and shows the job", async () => {
    const { server, user } = setup((r) => (r.method === "POST" && r.path === PPL ? accepted : undefined));
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));

    await waitFor(() => expect(screen.getByRole("heading", { name: "진행 상황" })).toBeInTheDocument());
    const [post] = server.posts(PPL);
    const form = post.body as FormData;
    expect(form.get("prompt")).toBe("Put the bottle on the wooden table");
    expect((form.get("input_image_1") as File).name).toBe("scene.png");
    expect((form.get("input_image_2") as File).name).toBe("product.png");
    expect(form.get("safety_tolerance")).toBe("2");
    expect(form.get("seed")).toBeNull();
    expect(post.headers["idempotency-key"]).toMatch(/[0-9a-f-]{36}/);
    // Preflight was asked first, for this kind.
    const preflight = server.requests.find((r) => r.path === "/api/v1/preflight");
    expect(preflight?.query.get("kind")).toBe("ppl");
    expect(screen.getByText("작업을 대기열에 넣었습니다.")).toBeInTheDocument();
  });

  it("swaps scene and product", async () => {
    const { server, user } = setup((r) => (r.method === "POST" && r.path === PPL ? accepted : undefined));
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "장면과 제품 바꾸기" }));
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    await waitFor(() => expect(server.posts(PPL)).toHaveLength(1));
    const form = server.posts(PPL)[0].body as FormData;
    expect((form.get("input_image_1") as File).name).toBe("product.png");
    expect((form.get("input_image_2") as File).name).toBe("scene.png");
  });

  it("checks in the browser first: nothing is sent without images and a prompt", async () => {
    const { server, user } = setup(() => undefined);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    const scene = document.getElementById("ppl-scene")!;
    expect(scene).toHaveAccessibleDescription(/이미지를 골라 주세요/);
    expect(document.getElementById("ppl-product")).toHaveAttribute("aria-invalid", "true");
    await waitFor(() => expect(scene).toHaveFocus());
    expect(screen.getByLabelText("프롬프트")).toHaveAttribute("aria-invalid", "true");
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("refuses a file that is not an image, with the reason on the drop zone", async () => {
    const { user } = setup(() => undefined);
    const [scene] = screen.getAllByTestId("dropzone-input");
    await user.upload(scene, new File(["hello"], "notes.png", { type: "image/png" }));
    expect(await screen.findByText("PNG, JPEG, WebP 이미지만 쓸 수 있습니다.")).toBeInTheDocument();
  });

  it("puts a 400's message on its field, marks it invalid and focuses it", async () => {
    const { user } = setup((r) =>
      r.method === "POST" && r.path === PPL
        ? { status: 400, body: { code: "invalid", message: "Invalid input.", fields: { prompt: ["이 필드의 글자 수가 2000 이하인지 확인하세요."] } } }
        : undefined,
    );
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    const prompt = screen.getByLabelText("프롬프트");
    await waitFor(() => expect(prompt).toHaveAttribute("aria-invalid", "true"));
    expect(prompt).toHaveAccessibleDescription(/이 필드의 글자 수가 2000 이하인지 확인하세요\./);
    await waitFor(() => expect(prompt).toHaveFocus());
    expect(screen.getByRole("alert", { name: "" })).toHaveTextContent("입력값을 확인하세요.");
  });

  it("blocks with preflight's reason and sends nothing", async () => {
    const { server, user } = setup((r) =>
      r.path === "/api/v1/preflight"
        ? { body: { ok: false, kind: "ppl", provider: "local", message: "No worker is running.", reasons: [{ code: "workers_down", message: "작업자가 실행 중이 아닙니다." }] } }
        : undefined,
    );
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    expect(await screen.findByText("작업자가 실행 중이 아닙니다.")).toBeInTheDocument();
    expect(screen.getByText("지금은 작업을 보낼 수 없습니다")).toBeInTheDocument();
    expect(server.posts(PPL)).toHaveLength(0);
  });

  it("on 429 queue_full shows the numbers, opens the queue drawer, and auto-submits with the same key once a place frees", async () => {
    let posts = 0;
    let polls = 0;
    const { server, user } = setup((r) => {
      if (r.method === "POST" && r.path === PPL) {
        posts += 1;
        return posts === 1
          ? { status: 429, body: { code: "queue_full", message: "대기열이 가득 찼습니다.", limit: 3, waiting: 3, running: 1, max_concurrent: 1 } }
          : accepted;
      }
      if (r.method === "GET" && r.path === "/api/v1/jobs" && r.query.get("status") === "queued,running") {
        polls += 1;
        // One running, three waiting; then the running one finishes and a waiting one starts.
        const waiting = polls === 1 ? 3 : 2;
        const results = [jobJson({ id: "running", status: "running" }), ...Array.from({ length: waiting }, (_, i) => jobJson({ id: `job-${i}` }))];
        return { body: { results, page: 1, size: 100, has_next: false, next_cursor: null } };
      }
      return undefined;
    });
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));

    const panel = await screen.findByRole("region", { name: "대기열이 가득 찼습니다" });
    expect(within(panel).getByText("대기 중인 작업 3/3개")).toBeInTheDocument();
    expect(screen.getByTestId("probe")).toHaveAttribute("data-drawer", "open");

    await user.click(within(panel).getByRole("switch", { name: "자리가 나면 자동 제출" }));
    await waitFor(() => expect(server.posts(PPL)).toHaveLength(2), { timeout: 5000 });
    const [first, second] = server.posts(PPL);
    expect(second.headers["idempotency-key"]).toBe(first.headers["idempotency-key"]);
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(await screen.findByRole("heading", { name: "진행 상황" })).toBeInTheDocument();
    expect(screen.queryByRole("region", { name: "대기열이 가득 찼습니다" })).not.toBeInTheDocument();
  });

  it("on 409 storage_quota_exceeded opens the quota dialog with the meter and a way to the trash", async () => {
    const { user } = setup((r) =>
      r.method === "POST" && r.path === PPL
        ? { status: 409, body: { code: "storage_quota_exceeded", message: "full", used_bytes: 524288000, quota_bytes: 524288000 } }
        : undefined,
    );
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    const dialog = await screen.findByRole("dialog", { name: "저장 공간이 부족합니다" });
    expect(within(dialog).getByRole("meter", { name: "저장 공간 사용량" })).toHaveAttribute("aria-valuetext", "500 MB 중 500 MB 사용 (100%)");
    expect(within(dialog).getByRole("link", { name: "휴지통으로 가기" })).toHaveAttribute("href", "/trash");
  });

  it("re-sends after a network failure with the same Idempotency-Key", async () => {
    let posts = 0;
    const { server, user } = setup((r) => {
      if (r.method === "POST" && r.path === PPL) {
        posts += 1;
        return posts === 1 ? "network" : accepted;
      }
      return undefined;
    });
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    expect(await screen.findByText(/연결이 끊겨 다시 보내는 중입니다/)).toBeInTheDocument();
    await waitFor(() => expect(server.posts(PPL)).toHaveLength(2), { timeout: 4000 });
    const [first, second] = server.posts(PPL);
    expect(second.headers["idempotency-key"]).toBe(first.headers["idempotency-key"]);
  });

  it("sends one job for a double click", async () => {
    const { server, user } = setup((r) => (r.method === "POST" && r.path === PPL ? accepted : undefined));
    await fillForm(user);
    await user.dblClick(screen.getByRole("button", { name: "생성하기" }));
    await screen.findByRole("heading", { name: "진행 상황" });
    expect(server.posts(PPL)).toHaveLength(1);
  });

  it("does not take a click right after a fast 202 for a second job", async () => {
    const { server, user } = setup((r) => (r.method === "POST" && r.path === PPL ? accepted : undefined));
    await fillForm(user);
    const button = screen.getByRole("button", { name: "생성하기" });
    await user.click(button);
    await screen.findByText("작업을 대기열에 넣었습니다.");
    await user.click(button);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.posts(PPL)).toHaveLength(1);
  });

  it("loads an earlier job's settings and inputs (?from=)", async () => {
    const earlier = jobJson({
      id: "22222222-2222-4222-8222-222222222222",
      status: "succeeded",
      params: { prompt: "On a marble counter", aspect_ratio: "4:3", output_format: "jpg", safety_tolerance: 1, seed: 42 },
      inputs: [
        { role: "input_image_1", image_id: null, url: "/api/v1/jobs/x/inputs/input_image_1", thumbnail_url: "" },
        { role: "input_image_2", image_id: null, url: "/api/v1/jobs/x/inputs/input_image_2", thumbnail_url: "" },
      ],
    });
    const { server, user } = setup((r) => {
      if (r.path === "/api/v1/jobs/22222222-2222-4222-8222-222222222222") return { body: earlier };
      if (r.path.startsWith("/api/v1/jobs/x/inputs/")) return { body: new Blob([pngFile().slice()], { type: "image/png" }) };
      if (r.method === "POST" && r.path === PPL) return accepted;
      return undefined;
    }, "/create/ppl?from=22222222-2222-4222-8222-222222222222");
    expect(await screen.findByText("이전 작업의 설정을 불러왔습니다.")).toBeInTheDocument();
    expect(screen.getByLabelText("프롬프트")).toHaveValue("On a marble counter");
    expect(screen.getByLabelText("화면 비율")).toHaveValue("4:3");
    expect(screen.getByLabelText("시드 (선택)")).toHaveValue("42");
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    await waitFor(() => expect(server.posts(PPL)).toHaveLength(1));
    const form = server.posts(PPL)[0].body as FormData;
    expect((form.get("input_image_1") as File).name).toBe("input_image_1.png");
    expect(form.get("output_format")).toBe("jpg");
    expect(form.get("safety_tolerance")).toBe("1");
    expect(form.get("seed")).toBe("42");
  });
});

describe("PplPage when the platform says to slow down", () => {
  it("waits for Retry-After after a throttled 429, then re-sends with the same key", async () => {
    let posts = 0;
    const { server, user } = setup((r) => {
      if (r.method === "POST" && r.path === PPL) {
        posts += 1;
        return posts === 1
          ? { status: 429, body: { code: "throttled", message: "Request was throttled." }, headers: { "Retry-After": "1" } }
          : accepted;
      }
      return undefined;
    });
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    expect(await screen.findByText("요청이 많습니다. 1초 후에 자동으로 다시 보냅니다.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "생성하기" })).toBeDisabled();
    await waitFor(() => expect(server.posts(PPL)).toHaveLength(2), { timeout: 4000 });
    const [first, second] = server.posts(PPL);
    expect(second.headers["idempotency-key"]).toBe(first.headers["idempotency-key"]);
  });
});

describe("PplPage with a queue limit of 0", () => {
  it("explains that no job may wait, with the running figures", async () => {
    const { user } = setup((r) =>
      r.method === "POST" && r.path === PPL
        ? { status: 429, body: { code: "queue_full", message: "full", limit: 0, waiting: 0, running: 1, max_concurrent: 1 } }
        : undefined,
    );
    await fillForm(user);
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    const panel = await screen.findByRole("region", { name: "대기열이 가득 찼습니다" });
    expect(within(panel).getByText("실행 중인 작업 1/1개 · 대기할 수 있는 작업 없음")).toBeInTheDocument();
    expect(within(panel).queryByText(/대기 중인 작업 \d/)).not.toBeInTheDocument();
  });
});
