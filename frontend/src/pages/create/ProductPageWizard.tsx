// /create/page: a product-detail page in four steps: product → category → templates (a set,
// the default one marked, or an own ordered list) → block images on/off and create. Then the
// job's progress, and the page itself when it is ready.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";

import { useConfig } from "../../api/config";
import { useCategories, useCategoryTemplates, useTemplateSets, useTemplateSetPreview } from "../../api/create";
import type { Job } from "../../api/jobs";
import type { TemplateListItem, TemplateSet } from "../../api/types";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { useI18n } from "../../i18n";
import styles from "./Create.module.css";
import { CreateHeader, Field, FromJobNotice, JobPanel, SubmitArea } from "./parts";
import { TemplateOrder, type OrderedTemplate } from "./TemplateOrder";
import { paramText, useFromJob } from "./useFromJob";
import { useJobSubmit, type FieldErrors } from "./useJobSubmit";

const STEPS = ["info", "category", "templates", "create"] as const;
type Step = (typeof STEPS)[number];
const FALLBACK_INFO_MAX = 20_000;

const FIELDS = {
  product_name: "page-name",
  product_info: "page-info",
  category_id: "page-category",
  template_set_id: "page-set",
  template_ids: "page-templates",
  with_images: "page-images",
  language: "page-language",
};
const FIELD_STEP: Record<string, Step> = {
  product_name: "info",
  product_info: "info",
  category_id: "category",
  template_set_id: "templates",
  template_ids: "templates",
  with_images: "create",
  language: "create",
};

function setTemplates(set: TemplateSet): { id: number; name: string }[] {
  return [...set.items]
    .sort((a, b) => a.position - b.position)
    .map((item) => ({ id: Number(item.template.id), name: String(item.template.name ?? "") }));
}

/**
 * The preview's own CSP allows images from 'self', which an opaque-origin (sandboxed srcdoc)
 * document cannot match: name this origin, which is what 'self' meant, so sample images show.
 */
export function previewDocument(html: string, origin: string): string {
  return html.replace(/img-src 'self'/g, `img-src 'self' ${origin}`);
}

function SetPreview({ set }: { set: TemplateSet }) {
  const { t } = useI18n();
  const preview = useTemplateSetPreview(set.id);
  if (preview.isPending) return <Skeleton height="320px" />;
  if (preview.error) return <ErrorNotice error={preview.error} onRetry={() => void preview.refetch()} />;
  return (
    <iframe
      className={styles.previewFrame}
      title={t("page.previewTitle", { name: set.name })}
      sandbox=""
      referrerPolicy="no-referrer"
      srcDoc={previewDocument(preview.data, window.location.origin)}
    />
  );
}

export default function ProductPageWizard() {
  const { t, formatNumber } = useI18n();
  const navigate = useNavigate();
  const config = useConfig().data;
  const infoMax = config?.product_info_max_length ?? FALLBACK_INFO_MAX;
  const [step, setStep] = useState<Step>("info");
  const [productName, setProductName] = useState("");
  const [productInfo, setProductInfo] = useState("");
  const [categoryId, setCategoryId] = useState<number | null>(null);
  const [mode, setMode] = useState<"set" | "custom">("set");
  const [setId, setSetId] = useState<number | null>(null);
  const [order, setOrder] = useState<OrderedTemplate[]>([]);
  const [pendingIds, setPendingIds] = useState<number[] | null>(null);
  const [withImages, setWithImages] = useState(false);
  const [pageLanguage, setPageLanguage] = useState("");
  const [previewSetId, setPreviewSetId] = useState<number | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [stepErrors, setStepErrors] = useState<FieldErrors>({});
  const headingRef = useRef<HTMLHeadingElement>(null);
  const modeName = useId();
  const categoryName = useId();
  const setName = useId();

  const categories = useCategories();
  const sets = useTemplateSets(categoryId);
  const templates = useCategoryTemplates(categoryId);

  // The category's default set is chosen unless the user chose another.
  useEffect(() => {
    if (!sets.data || setId != null && sets.data.some((s) => s.id === setId)) return;
    const preferred = sets.data.find((s) => s.is_default) ?? sets.data[0];
    setSetId(preferred?.id ?? null);
    if (!sets.data.length) setMode("custom");
  }, [sets.data, setId]);

  // Template ids from an earlier job get their names once the category's templates are here.
  useEffect(() => {
    if (!pendingIds || !templates.data) return;
    const byId = new Map(templates.data.map((tpl) => [tpl.id, tpl]));
    setOrder(pendingIds.flatMap((id) => (byId.has(id) ? [{ id, name: byId.get(id)!.name }] : [])));
    setPendingIds(null);
  }, [pendingIds, templates.data]);

  const fromStatus = useFromJob(useCallback((job: Job) => {
    setProductName(paramText(job, "product_name"));
    setProductInfo(paramText(job, "product_info"));
    const category = Number(job.params?.category_id);
    if (Number.isInteger(category) && category > 0) setCategoryId(category);
    const set = Number(job.params?.template_set_id);
    const ids = job.params?.template_ids;
    if (Number.isInteger(set) && set > 0) {
      setMode("set");
      setSetId(set);
    } else if (Array.isArray(ids) && ids.length) {
      setMode("custom");
      setPendingIds(ids.map(Number));
    }
    setWithImages(job.params?.with_images === true);
    setPageLanguage(paramText(job, "language"));
  }, []));

  const validateStep = useCallback((which: Step): FieldErrors => {
    const errors: FieldErrors = {};
    if (which === "info") {
      if (!productInfo.trim()) errors.product_info = t("page.productInfoRequired");
      else if (productInfo.length > infoMax) errors.product_info = t("page.productInfoTooLong", { max: formatNumber(infoMax) });
    }
    if (which === "category" && categoryId == null) errors.category_id = t("page.categoryRequired");
    if (which === "templates") {
      if (mode === "set" && setId == null) errors.template_set_id = t("page.setRequired");
      if (mode === "custom" && order.length === 0) errors.template_ids = t("page.templatesRequired");
    }
    return errors;
  }, [productInfo, infoMax, categoryId, mode, setId, order, t, formatNumber]);

  const selectedSet = sets.data?.find((s) => s.id === setId) ?? null;
  const signature = JSON.stringify([productName.trim(), productInfo.trim(), categoryId, mode, setId, order.map((o) => o.id), withImages, pageLanguage]);
  const submit = useJobSubmit({
    kind: "page",
    signature,
    fields: FIELDS,
    validate: () => STEPS.reduce<FieldErrors>((all, which) => ({ ...all, ...validateStep(which) }), {}),
    build: () => ({
      json: {
        product_info: productInfo.trim(),
        ...(productName.trim() ? { product_name: productName.trim() } : {}),
        category_id: categoryId,
        ...(mode === "set" ? { template_set_id: setId } : { template_ids: order.map((o) => o.id) }),
        with_images: withImages,
        ...(pageLanguage ? { language: pageLanguage } : {}),
      },
    }),
    onAccepted: (job) => setJobId(job.id),
  });

  const fieldError = (name: string) => stepErrors[name] || submit.fieldError(name);
  const clear = (...names: string[]) => {
    for (const name of names) submit.clearFieldError(name);
    setStepErrors((errors) => Object.fromEntries(Object.entries(errors).filter(([name]) => !names.includes(name))));
  };

  const goTo = (next: Step) => {
    setStep(next);
    window.setTimeout(() => headingRef.current?.focus(), 0);
  };

  // Something wrong on an earlier step (in the browser or from the server): go there and focus it.
  const wrong = submit.state.phase === "invalid" ? STEPS.find((s) => Object.keys(FIELD_STEP).some((name) => FIELD_STEP[name] === s && submit.fieldError(name))) : undefined;
  useEffect(() => {
    if (!wrong) return;
    setStep(wrong);
    const name = Object.keys(FIELD_STEP).find((n) => FIELD_STEP[n] === wrong && submit.fieldError(n));
    window.setTimeout(() => document.getElementById(FIELDS[name as keyof typeof FIELDS])?.focus(), 0);
  }, [wrong, submit.state]); // once per invalid answer

  const next = () => {
    const errors = validateStep(step);
    setStepErrors(errors);
    const first = Object.keys(errors)[0];
    if (first) {
      document.getElementById(FIELDS[first as keyof typeof FIELDS])?.focus();
      return;
    }
    goTo(STEPS[STEPS.indexOf(step) + 1]);
  };

  const onResult = useCallback((job: Job) => {
    const page = job.result?.page;
    if (page?.id) navigate(`/pages/${page.id}`);
  }, [navigate]);

  const index = STEPS.indexOf(step);
  const available: TemplateListItem[] = useMemo(() => templates.data ?? [], [templates.data]);

  return (
    <div className={styles.page}>
      <CreateHeader title={t("page.title")} intro={t("page.intro")} />
      <FromJobNotice status={fromStatus} />
      <nav aria-label={t("page.stepsLabel")}>
        <ol className={styles.steps}>
          {STEPS.map((which, i) => (
            <li key={which} className={styles.stepItem} aria-current={which === step ? "step" : undefined} data-done={i < index || undefined}>
              <span className={styles.stepNumber} aria-hidden="true">{i + 1}</span>
              <span>{t(`page.step.${which}`)}</span>
            </li>
          ))}
        </ol>
      </nav>

      <form
        className={`card ${styles.form}`}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (step !== "create") next();
          else void submit.submit();
        }}
      >
        <h2 ref={headingRef} tabIndex={-1} className={styles.stepTitle}>
          <span className="visually-hidden">{t("page.stepOf", { current: index + 1, total: STEPS.length })}: </span>
          {t(`page.step.${step}`)}
        </h2>

        {step === "info" && (
          <>
            <Field id={FIELDS.product_name} label={t("page.productName")} hint={t("page.productNameHint")} error={fieldError("product_name")}>
              {(props) => <input {...props} type="text" maxLength={200} value={productName} onChange={(e) => setProductName(e.target.value)} />}
            </Field>
            <Field
              id={FIELDS.product_info}
              label={t("page.productInfo")}
              hint={t("page.productInfoHint")}
              error={fieldError("product_info")}
              counter={
                <span className={productInfo.length > infoMax ? styles.counterOver : undefined}>
                  {t("page.productInfoCount", { count: formatNumber(productInfo.length), max: formatNumber(infoMax) })}
                </span>
              }
            >
              {(props) => (
                <textarea
                  {...props}
                  rows={10}
                  required
                  value={productInfo}
                  onChange={(e) => {
                    setProductInfo(e.target.value);
                    clear("product_info");
                  }}
                />
              )}
            </Field>
          </>
        )}

        {step === "category" && (
          <fieldset className={styles.fieldset} aria-describedby={fieldError("category_id") ? "page-category-error" : undefined}>
            <legend className={styles.legend}>{t("page.category")}</legend>
            {categories.isPending && <Skeleton height="6rem" />}
            {categories.error && <ErrorNotice error={categories.error} onRetry={() => void categories.refetch()} />}
            {categories.data?.length === 0 && <EmptyState title={t("page.noCategories")} />}
            <div className={styles.choiceList}>
              {categories.data?.map((category, i) => (
                <label key={category.id} className={styles.choice}>
                  <input
                    id={i === 0 ? FIELDS.category_id : undefined}
                    type="radio"
                    name={categoryName}
                    checked={categoryId === category.id}
                    onChange={() => {
                      setCategoryId(category.id);
                      setSetId(null);
                      setOrder([]);
                      clear("category_id");
                    }}
                  />
                  <span>
                    <strong>{category.name}</strong>
                    {category.description && <span className="field-hint"> · {category.description}</span>}
                  </span>
                </label>
              ))}
            </div>
            {fieldError("category_id") && <p id="page-category-error" className="field-error">{fieldError("category_id")}</p>}
          </fieldset>
        )}

        {step === "templates" && (
          <>
            <fieldset className={styles.fieldset}>
              <legend className={styles.legend}>{t("page.mode")}</legend>
              <div className={styles.segmented}>
                {(["set", "custom"] as const).map((value) => (
                  <label key={value} className={styles.segment}>
                    <input type="radio" name={modeName} checked={mode === value} onChange={() => { setMode(value); clear("template_set_id", "template_ids"); }} />
                    <span>{t(`page.mode.${value}`)}</span>
                  </label>
                ))}
              </div>
            </fieldset>
            {mode === "set" && (
              <fieldset className={styles.fieldset} aria-describedby={fieldError("template_set_id") ? "page-set-error" : undefined}>
                <legend className={styles.legend}>{t("page.sets")}</legend>
                {sets.isPending && <Skeleton height="6rem" />}
                {sets.error && <ErrorNotice error={sets.error} onRetry={() => void sets.refetch()} />}
                {sets.data?.length === 0 && <p className="muted">{t("page.noSets")}</p>}
                <div className={styles.choiceList}>
                  {sets.data?.map((set, i) => (
                    <div key={set.id} className={styles.setRow}>
                      <label className={styles.choice}>
                        <input
                          id={i === 0 ? FIELDS.template_set_id : undefined}
                          type="radio"
                          name={setName}
                          checked={setId === set.id}
                          onChange={() => { setSetId(set.id); clear("template_set_id"); }}
                        />
                        <span>
                          <strong>{set.name}</strong>{" "}
                          {set.is_default && <span className="pill pill-succeeded">{t("page.default")}</span>}
                          <span className="field-hint"> · {t("page.setTemplates", { count: set.items.length })}: {setTemplates(set).map((tpl) => tpl.name).join(" → ")}</span>
                        </span>
                      </label>
                      <button
                        type="button"
                        className="btn btn-sm btn-ghost"
                        aria-expanded={previewSetId === set.id}
                        onClick={() => setPreviewSetId(previewSetId === set.id ? null : set.id)}
                      >
                        {t("page.preview")}
                      </button>
                      {previewSetId === set.id && <SetPreview set={set} />}
                    </div>
                  ))}
                </div>
                {fieldError("template_set_id") && <p id="page-set-error" className="field-error">{fieldError("template_set_id")}</p>}
              </fieldset>
            )}
            {mode === "custom" && (
              <TemplateOrder
                available={available}
                loading={templates.isPending}
                error={templates.error}
                order={order}
                onChange={(nextOrder) => {
                  setOrder(nextOrder);
                  clear("template_ids");
                }}
                listId={FIELDS.template_ids}
                fieldError={fieldError("template_ids")}
              />
            )}
          </>
        )}

        {step === "create" && (
          <>
            <div className={styles.switchField}>
              <label className={styles.toggle}>
                <input id={FIELDS.with_images} type="checkbox" role="switch" checked={withImages} onChange={(e) => setWithImages(e.target.checked)} aria-describedby="page-images-hint" />
                <span>{t("page.withImages")}</span>
              </label>
              <p id="page-images-hint" className="field-hint">{t("page.withImagesHint")}</p>
            </div>
            <Field id={FIELDS.language} label={t("page.language")} hint={t("page.languageHint")} error={fieldError("language")}>
              {(props) => (
                <select {...props} value={pageLanguage} onChange={(e) => setPageLanguage(e.target.value)}>
                  <option value="">{t("page.language.auto")}</option>
                  <option value="ko">한국어</option>
                  <option value="en">English</option>
                </select>
              )}
            </Field>
            <dl className={styles.summary}>
              <dt>{t("page.productInfo")}</dt>
              <dd>{productName.trim() || productInfo.trim().slice(0, 80)}</dd>
              <dt>{t("page.category")}</dt>
              <dd>{categories.data?.find((c) => c.id === categoryId)?.name ?? "—"}</dd>
              <dt>{t("page.summary.templates")}</dt>
              <dd>
                {mode === "set"
                  ? t("page.summary.set", { name: selectedSet?.name ?? "—" })
                  : `${t("page.summary.custom", { count: order.length })}: ${order.map((o) => o.name).join(" → ")}`}
              </dd>
            </dl>
          </>
        )}

        <div className={styles.wizardNav}>
          {index > 0 && (
            <button type="button" className="btn" onClick={() => goTo(STEPS[index - 1])} disabled={submit.busy}>
              {t("common.previous")}
            </button>
          )}
          {step !== "create" ? (
            <button type="submit" className="btn btn-primary">{t("common.next")}</button>
          ) : (
            <SubmitArea submit={submit} label={t("page.create")} />
          )}
        </div>
      </form>

      {jobId && (
        <JobPanel jobId={jobId} onResult={onResult}>
          {(job) => (job.status === "queued" || job.status === "running" ? <p className="muted">{t("page.working")}</p> : null)}
        </JobPanel>
      )}
    </div>
  );
}
