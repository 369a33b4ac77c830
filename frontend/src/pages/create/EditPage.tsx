// /create/edit: an image (from the gallery, an upload or a URL) changed by a prompt in any
// language. The job shows the English prompt the model got, and the result is compared with the
// original on a before/after slider. Opened from a product page (?page=<id>&block=<index>), the
// result can go straight back into that block.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useCallback, useId, useMemo, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";

import { applyImageToBlock, fetchGalleryImage } from "../../api/create";
import { useConfig } from "../../api/config";
import type { Job } from "../../api/jobs";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useToasts } from "../../components/Toast";
import { useI18n } from "../../i18n";
import type { PreparedImage } from "../../lib/imageFile";
import { BeforeAfter } from "./BeforeAfter";
import styles from "./Create.module.css";
import { GalleryPicker } from "./GalleryPicker";
import {
  AspectRatioField,
  CreateHeader,
  FALLBACK_ASPECT_RATIOS,
  FALLBACK_PROMPT_MAX,
  Field,
  fileSignature,
  FormatField,
  FromJobNotice,
  imageLimits,
  ImageSlot,
  JobPanel,
  PromptField,
  ResultImages,
  seedError,
  SeedField,
  SubmitArea,
  useObjectUrl,
} from "./parts";
import { paramText, useFromJob } from "./useFromJob";
import { useJobSubmit, type FieldErrors } from "./useJobSubmit";

type Source = "gallery" | "upload" | "url";
type Picked = { id: string; url: string; thumbnail_url: string; width?: number | null; height?: number | null };

const FIELDS = {
  image_id: "edit-pick",
  image: "edit-upload",
  image_url: "edit-url",
  prompt: "edit-prompt",
  aspect_ratio: "edit-aspect",
  seed: "edit-seed",
};

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function Translation({ job }: { job: Job }) {
  const { t } = useI18n();
  const translation = job.translation;
  if (!translation) return null;
  return (
    <div className="stack" style={{ gap: ".25rem" }}>
      <p className={styles.translation}>{t("edit.translation", { text: translation.text })}</p>
      <p className="field-hint">
        {translation.translated ? t("edit.translatedFrom", { language: translation.source_language }) : t("edit.notTranslated")}
      </p>
    </div>
  );
}

export default function EditPage() {
  const { t, formatBytes } = useI18n();
  const toasts = useToasts();
  const navigate = useNavigate();
  const config = useConfig().data;
  const [params] = useSearchParams();
  const preselect = params.get("image_id");
  const pageId = params.get("page");
  const blockText = params.get("block");
  const block = blockText != null && /^\d+$/.test(blockText) ? Number(blockText) : null;
  const promptMax = config?.prompt_max_length ?? FALLBACK_PROMPT_MAX;

  const [source, setSource] = useState<Source>(preselect ? "gallery" : "upload");
  const [picked, setPicked] = useState<Picked | null>(null);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [upload, setUpload] = useState<PreparedImage | null>(null);
  const [url, setUrl] = useState("");
  const [prompt, setPrompt] = useState("");
  const [aspectRatio, setAspectRatio] = useState("match_input_image");
  const [outputFormat, setOutputFormat] = useState("png");
  const [seed, setSeed] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const uploadPreview = useObjectUrl(upload?.file);
  const sourceName = useId();

  // ?image_id=<id> (the gallery's "편집"): that image, preselected.
  const preselected = useQuery({
    queryKey: ["gallery", "image", preselect],
    queryFn: ({ signal }) => fetchGalleryImage(preselect!, signal),
    enabled: Boolean(preselect),
    staleTime: 60_000,
  });
  const chosen: Picked | null = picked ?? (preselected.data ?? null);

  const fromStatus = useFromJob(useCallback((job: Job, images, inputs) => {
    const input = inputs.find((i) => i.role === "image") ?? inputs[0];
    if (input?.image_id && input.url) {
      setSource("gallery");
      setPicked({ id: input.image_id, url: input.url, thumbnail_url: input.thumbnail_url ?? "", width: input.width, height: input.height });
    } else if (images.image) {
      setSource("upload");
      setUpload(images.image);
    }
    setPrompt(paramText(job, "prompt"));
    setAspectRatio(paramText(job, "aspect_ratio") || "match_input_image");
    setOutputFormat(paramText(job, "output_format") || "png");
    setSeed(paramText(job, "seed"));
  }, []), { keepImageIds: true });

  const signature = JSON.stringify([
    source,
    source === "gallery" ? chosen?.id : source === "upload" ? fileSignature(upload) : url.trim(),
    prompt.trim(),
    aspectRatio,
    outputFormat,
    seed,
  ]);
  const submit = useJobSubmit({
    kind: "edit",
    signature,
    fields: FIELDS,
    validate: () => {
      const errors: FieldErrors = {};
      if (source === "gallery" && !chosen) errors.image_id = t("edit.sourceRequired");
      if (source === "upload" && !upload) errors.image = t("form.imageRequired");
      if (source === "url" && !isHttpUrl(url.trim())) errors.image_url = t("edit.urlInvalid");
      if (!prompt.trim()) errors.prompt = t("form.promptRequired");
      else if (prompt.length > promptMax) errors.prompt = t("form.promptTooLong", { max: promptMax });
      const seedProblem = seedError(seed, t);
      if (seedProblem) errors.seed = seedProblem;
      return errors;
    },
    build: () => {
      const common: Record<string, unknown> = { prompt: prompt.trim(), aspect_ratio: aspectRatio, output_format: outputFormat };
      if (seed) common.seed = Number(seed);
      if (source === "upload") {
        const form = new FormData();
        for (const [name, value] of Object.entries(common)) form.set(name, String(value));
        form.set("image", upload!.file, upload!.file.name);
        return { form };
      }
      return { json: source === "gallery" ? { ...common, image_id: chosen!.id } : { ...common, image_url: url.trim() } };
    },
    onAccepted: (job) => setJobId(job.id),
  });

  const apply = useMutation({
    mutationFn: (imageId: string) => applyImageToBlock(pageId!, block!, imageId),
    onSuccess: () => {
      toasts.push({ message: t("edit.applied"), tone: "success" });
      navigate(`/pages/${pageId}`);
    },
  });

  const ratios = useMemo(() => config?.aspect_ratios ?? FALLBACK_ASPECT_RATIOS, [config]);
  const localBefore = source === "gallery" ? chosen?.url : source === "upload" ? uploadPreview : url.trim() || null;

  const renderResult = (job: Job) => {
    const result = job.result?.images?.[0];
    const before = job.inputs?.find((i) => i.role === "image")?.url ?? localBefore;
    return (
      <>
        <Translation job={job} />
        {result && before ? (
          <BeforeAfter before={before} after={result.url} width={result.width} height={result.height} />
        ) : (
          <ResultImages job={job} />
        )}
        {result && before && (
          <div className="row">
            <a className="btn btn-sm" href={result.url} download>{t("job.download")}</a>
          </div>
        )}
        {result && pageId && block != null && (
          <div className="row">
            <button type="button" className="btn btn-primary" disabled={apply.isPending} onClick={() => apply.mutate(result.id)}>
              {t("edit.applyToPage")}
            </button>
            {apply.error && <ErrorNotice error={apply.error} />}
          </div>
        )}
      </>
    );
  };

  return (
    <div className={styles.page}>
      <CreateHeader title={t("edit.title")} intro={t("edit.intro")} />
      {pageId && block != null && <p className="muted">{t("edit.forBlock", { block: block + 1 })}</p>}
      <FromJobNotice status={fromStatus} />
      <form
        className={styles.form}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit.submit();
        }}
      >
        <fieldset className={styles.fieldset}>
          <legend className={styles.legend}>{t("edit.source")}</legend>
          <div className={`${styles.segmented} ${styles.sourceTabs}`}>
            {(["gallery", "upload", "url"] as const).map((value) => (
              <label key={value} className={styles.segment}>
                <input type="radio" name={sourceName} value={value} checked={source === value} disabled={submit.busy} onChange={() => setSource(value)} />
                <span>{t(`edit.source.${value}`)}</span>
              </label>
            ))}
          </div>

          {source === "gallery" && (
            <div className={styles.chosen}>
              {chosen && <img src={chosen.thumbnail_url || chosen.url} alt={t("image.previewAlt", { label: t("edit.source") })} />}
              <button
                id={FIELDS.image_id}
                type="button"
                className="btn"
                onClick={() => setPickerOpen(true)}
                disabled={submit.busy}
                aria-invalid={submit.fieldError("image_id") ? true : undefined}
                aria-describedby={submit.fieldError("image_id") ? "edit-pick-error" : undefined}
              >
                {chosen ? t("edit.pickAnother") : t("edit.pick")}
              </button>
              {submit.fieldError("image_id") && <p id="edit-pick-error" className="field-error">{submit.fieldError("image_id")}</p>}
              {preselected.error && <ErrorNotice error={preselected.error} />}
            </div>
          )}
          {source === "upload" && (
            <div className={styles.character}>
              <ImageSlot
                label={t("edit.upload")}
                hint={t("edit.imageHint", { max: formatBytes(imageLimits(config).maxBytes) })}
                value={upload}
                onChange={(image) => { setUpload(image); submit.clearFieldError("image"); }}
                error={submit.fieldError("image")}
                buttonId={FIELDS.image}
                disabled={submit.busy}
                config={config}
              />
            </div>
          )}
          {source === "url" && (
            <Field id={FIELDS.image_url} label={t("edit.url")} hint={t("edit.urlHint")} error={submit.fieldError("image_url")}>
              {(props) => (
                <input
                  {...props}
                  type="url"
                  inputMode="url"
                  autoComplete="off"
                  placeholder="https://"
                  value={url}
                  disabled={submit.busy}
                  onChange={(event) => { setUrl(event.target.value); submit.clearFieldError("image_url"); }}
                />
              )}
            </Field>
          )}
        </fieldset>
        <PromptField
          id={FIELDS.prompt}
          label={t("form.prompt")}
          value={prompt}
          onChange={(value) => { setPrompt(value); submit.clearFieldError("prompt"); }}
          max={promptMax}
          hint={t("edit.promptHint")}
          error={submit.fieldError("prompt")}
        />
        <fieldset className={styles.fieldset}>
          <legend className={styles.legend}>{t("form.options")}</legend>
          <div className={styles.options}>
            <AspectRatioField id={FIELDS.aspect_ratio} value={aspectRatio} onChange={setAspectRatio} ratios={ratios} error={submit.fieldError("aspect_ratio")} />
            <FormatField value={outputFormat} onChange={setOutputFormat} formats={config?.output_formats ?? ["png", "jpg"]} />
            <SeedField id={FIELDS.seed} value={seed} onChange={(value) => { setSeed(value); submit.clearFieldError("seed"); }} error={submit.fieldError("seed")} />
          </div>
        </fieldset>
        <SubmitArea submit={submit} label={t("form.submit")} />
      </form>
      {jobId && <JobPanel jobId={jobId}>{renderResult}</JobPanel>}
      <GalleryPicker
        open={pickerOpen}
        onClose={() => setPickerOpen(false)}
        selectedId={chosen?.id ?? null}
        onPick={(image) => { setPicked(image); submit.clearFieldError("image_id"); }}
      />
    </div>
  );
}
