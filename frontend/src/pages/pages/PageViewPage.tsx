// /pages/:id: a generated product page. The HTML (images inlined as data URLs) is shown in a
// sandboxed iframe — srcdoc with sandbox="" (no scripts, no same origin), never injected into
// the app's DOM — at desktop or phone width, scaled to fit. Each block with its provenance and
// a way to edit its image; "HTML 다운로드" saves the same self-contained document.
import { useQuery } from "@tanstack/react-query";
import { useLayoutEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";

import { api, ApiError } from "../../api/client";
import { errorMessage } from "../../api/errors";
import type { ProductPage } from "../../api/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { useToasts } from "../../components/Toast";
import { hasMessage, useI18n } from "../../i18n";
import { NotFoundScreen } from "../NotFoundPage";
import styles from "./PageViewPage.module.css";

export type PageBlock = {
  position?: number;
  template_id?: number;
  template_name?: string;
  block_type?: string;
  template_revision?: number;
  model?: string;
  seconds?: number;
  image_id?: string | null;
  [more: string]: unknown;
};

export const pageKeys = {
  detail: (id: string) => ["pages", "detail", id] as const,
  html: (id: string) => ["pages", "html", id] as const,
};

const WIDTHS = { desktop: 1024, phone: 390 } as const;
type Width = keyof typeof WIDTHS;

export function usePage(id: string | undefined) {
  return useQuery<ProductPage, ApiError>({
    queryKey: pageKeys.detail(id ?? ""),
    queryFn: ({ signal }) => api.get<ProductPage>(`/api/v1/pages/${encodeURIComponent(id!)}`, { signal }),
    enabled: Boolean(id),
    // A block's image may have just been swapped (/create/edit → back here): always ask again.
    refetchOnMount: "always",
  });
}

/** The page as one self-contained document (images as data URLs), as text. */
export function usePageHtml(id: string | undefined) {
  return useQuery<string, ApiError>({
    queryKey: pageKeys.html(id ?? ""),
    queryFn: ({ signal }) =>
      api.get<string>(`/api/v1/pages/${encodeURIComponent(id!)}/html?inline_images=1`, {
        signal,
        headers: { Accept: "text/html, application/json" },
      }),
    enabled: Boolean(id),
    refetchOnMount: "always",
    refetchOnWindowFocus: false, // a multi-megabyte document: not on every focus
  });
}

/** A file name from the page title: letters (any script), digits, dashes. */
export function htmlFileName(title: string): string {
  const base = title.normalize("NFC").replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  return `${base || "page"}.html`;
}

function downloadText(text: string, fileName: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/html;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export default function PageViewPage() {
  const { id } = useParams();
  const { t } = useI18n();
  const page = usePage(id);

  if (page.isPending) {
    return (
      <div className={styles.page} role="status" aria-live="polite">
        <span className="visually-hidden">{t("common.loading")}</span>
        <Skeleton width="50%" height="2rem" />
        <Skeleton height="24rem" radius="var(--radius)" />
      </div>
    );
  }
  if (page.isError) {
    if (page.error.status === 404 || page.error.status === 400) {
      return (
        <NotFoundScreen title={t("pageView.notFound.title")} actions={<Link className="btn btn-primary" to="/jobs">{t("pageView.backToJobs")}</Link>}>
          <p>{t("pageView.notFound.body")}</p>
        </NotFoundScreen>
      );
    }
    return <ErrorNotice error={page.error} onRetry={() => void page.refetch()} />;
  }
  return <PageView page={page.data} />;
}

function PageView({ page }: { page: ProductPage }) {
  const { t, language, formatDateTime } = useI18n();
  const html = usePageHtml(page.id);
  const toasts = useToasts();
  const [width, setWidth] = useState<Width>("desktop");
  const blocks = (page.blocks ?? []) as PageBlock[];

  const download = () => {
    if (html.data) downloadText(html.data, htmlFileName(page.title));
    else void html.refetch().then((result) => {
      if (result.data) downloadText(result.data, htmlFileName(page.title));
      else toasts.push({ tone: "error", message: result.error ? errorMessage(result.error, language) : t("pageView.downloadFailed") });
    });
  };

  return (
    <article className={styles.page}>
      <header className={styles.header}>
        <div>
          <h1 className={styles.h1}>{page.title || t("pageView.title")}</h1>
          <p className={styles.meta}>
            <span>{t("pageView.language")}: {hasMessage(`shell.lang.${page.language}`) ? t(`shell.lang.${page.language}`) : page.language}</span>
            <span>{t("pageView.createdAt")}: <time dateTime={page.created_at}>{formatDateTime(page.created_at)}</time></span>
          </p>
        </div>
        <div className={styles.download}>
          <button type="button" className="btn btn-primary" onClick={download} disabled={html.isFetching && !html.data}
            aria-describedby="page-download-hint">
            {t("pageView.download")}
          </button>
          <span id="page-download-hint" className="field-hint">{t("pageView.downloadHint")}</span>
        </div>
      </header>

      <div className={styles.columns}>
        <section className={styles.previewCard} aria-labelledby="page-preview">
          <div className={styles.previewHead}>
            <h2 id="page-preview" className={styles.h2}>{t("pageView.preview")}</h2>
            <div className={styles.switch} role="group" aria-label={t("pageView.width")}>
              {(Object.keys(WIDTHS) as Width[]).map((key) => (
                <button key={key} type="button" aria-pressed={width === key} className={styles.option} onClick={() => setWidth(key)}>
                  {t(`pageView.${key}`)}
                </button>
              ))}
            </div>
          </div>
          {html.isPending ? (
            <Skeleton height="32rem" radius="var(--radius)" />
          ) : html.isError ? (
            <ErrorNotice error={html.error} onRetry={() => void html.refetch()}>
              <p>{t("pageView.previewFailed")}</p>
            </ErrorNotice>
          ) : (
            <ScaledFrame html={html.data} width={WIDTHS[width]} title={t("pageView.previewFrame", { title: page.title })} />
          )}
        </section>

        <section className={styles.blocks} aria-labelledby="page-blocks">
          <h2 id="page-blocks" className={styles.h2}>{t("pageView.blocks", { count: blocks.length })}</h2>
          <ol className={styles.blockList}>
            {blocks.map((block, index) => (
              <BlockCard key={index} block={block} index={index} pageId={page.id} />
            ))}
          </ol>
        </section>
      </div>
    </article>
  );
}

/**
 * The page laid out at a fixed width (1024 or 390 px) and scaled down to the space there is. The
 * sandbox keeps us out of its document, so its height cannot be measured: the frame is a fixed
 * viewport that scrolls inside.
 */
function ScaledFrame({ html, width, title }: { html: string; width: number; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [available, setAvailable] = useState(width);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => setAvailable(element.clientWidth || width);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [width]);
  const scale = Math.min(1, available / width);
  // Three quarters of the window tall on screen, whatever the scale: a scaled-down desktop
  // layout shows more of the page instead of a shorter box.
  const shownHeight = Math.max(480, Math.round((typeof window === "undefined" ? 1000 : window.innerHeight) * 0.75));
  const height = Math.round(shownHeight / scale);
  return (
    <div ref={box} className={styles.frameBox} style={{ height: height * scale }}>
      <iframe
        className={styles.frame}
        title={title}
        sandbox=""
        srcDoc={html}
        referrerPolicy="no-referrer"
        style={{ width, height, transform: `scale(${scale})` }}
      />
    </div>
  );
}

function BlockCard({ block, index, pageId }: { block: PageBlock; index: number; pageId: string }) {
  const { t } = useI18n();
  const n = index + 1;
  const imageId = block.image_id ?? null;
  const editPath = imageId
    ? `/create/edit?image_id=${encodeURIComponent(imageId)}&page=${encodeURIComponent(pageId)}&block=${index}`
    : null;
  return (
    <li className={styles.block}>
      <h3 className={styles.blockTitle}>
        {t("pageView.block", { n })}
        {block.block_type && <span className="pill">{block.block_type}</span>}
      </h3>
      <dl className={styles.provenance}>
        <dt>{t("pageView.block.template")}</dt>
        <dd>{block.template_name ?? (block.template_id != null ? `#${block.template_id}` : "—")}</dd>
        <dt>{t("pageView.block.revision")}</dt>
        <dd>{block.template_revision ?? "—"}</dd>
        <dt>{t("pageView.block.model")}</dt>
        <dd>{block.model || "—"}</dd>
        <dt>{t("pageView.block.seconds")}</dt>
        <dd>{typeof block.seconds === "number" ? t("pageView.block.secondsValue", { seconds: block.seconds.toFixed(1) }) : "—"}</dd>
      </dl>
      {imageId ? (
        <div className={styles.blockImage}>
          <img src={`/api/v1/images/${encodeURIComponent(imageId)}/file`} alt={t("pageView.block.image")} loading="lazy" width={64} height={64} />
          <Link className="btn btn-sm" to={editPath!} aria-label={t("pageView.block.editImageOf", { n })}>{t("pageView.block.editImage")}</Link>
        </div>
      ) : (
        <p className={styles.noImage}>{t("pageView.block.noImage")}</p>
      )}
    </li>
  );
}
