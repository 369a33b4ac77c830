// /create/ppl: a product (input_image_2) composed into a scene (input_image_1).
import { useCallback, useMemo, useState } from "react";

import { useConfig } from "../../api/config";
import type { Job } from "../../api/jobs";
import { useI18n } from "../../i18n";
import type { PreparedImage } from "../../lib/imageFile";
import styles from "./Create.module.css";
import {
  AspectRatioField,
  CreateHeader,
  FALLBACK_ASPECT_RATIOS,
  FALLBACK_PROMPT_MAX,
  fileSignature,
  FormatField,
  FromJobNotice,
  imageLimits,
  ImageSlot,
  JobPanel,
  PromptField,
  ResultImages,
  SafetyField,
  seedError,
  SeedField,
  SubmitArea,
} from "./parts";
import { paramNumber, paramText, useFromJob } from "./useFromJob";
import { useJobSubmit, type FieldErrors } from "./useJobSubmit";

const FIELDS = {
  input_image_1: "ppl-scene",
  input_image_2: "ppl-product",
  prompt: "ppl-prompt",
  aspect_ratio: "ppl-aspect",
  safety_tolerance: "ppl-safety",
  seed: "ppl-seed",
};

export default function PplPage() {
  const { t, formatBytes } = useI18n();
  const config = useConfig().data;
  const promptMax = config?.prompt_max_length ?? FALLBACK_PROMPT_MAX;
  const safetyRange = config?.safety_tolerance?.ppl ?? { min: 0, max: 2, default: 2 };
  const [scene, setScene] = useState<PreparedImage | null>(null);
  const [product, setProduct] = useState<PreparedImage | null>(null);
  const [prompt, setPrompt] = useState("");
  const [aspectRatio, setAspectRatio] = useState("match_input_image");
  const [outputFormat, setOutputFormat] = useState("png");
  const [safety, setSafety] = useState<number | null>(null);
  const [seed, setSeed] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const safetyValue = safety ?? safetyRange.default;

  const fromStatus = useFromJob(useCallback((job: Job, images) => {
    setScene(images.input_image_1 ?? null);
    setProduct(images.input_image_2 ?? null);
    setPrompt(paramText(job, "prompt"));
    setAspectRatio(paramText(job, "aspect_ratio") || "match_input_image");
    setOutputFormat(paramText(job, "output_format") || "png");
    setSafety(paramNumber(job, "safety_tolerance"));
    setSeed(paramText(job, "seed"));
  }, []));

  const signature = JSON.stringify([fileSignature(scene), fileSignature(product), prompt.trim(), aspectRatio, outputFormat, safetyValue, seed]);
  const submit = useJobSubmit({
    kind: "ppl",
    signature,
    fields: FIELDS,
    validate: () => {
      const errors: FieldErrors = {};
      if (!scene) errors.input_image_1 = t("form.imageRequired");
      if (!product) errors.input_image_2 = t("form.imageRequired");
      if (!prompt.trim()) errors.prompt = t("form.promptRequired");
      else if (prompt.length > promptMax) errors.prompt = t("form.promptTooLong", { max: promptMax });
      const seedProblem = seedError(seed, t);
      if (seedProblem) errors.seed = seedProblem;
      return errors;
    },
    build: () => {
      const form = new FormData();
      form.set("prompt", prompt.trim());
      form.set("input_image_1", scene!.file, scene!.file.name);
      form.set("input_image_2", product!.file, product!.file.name);
      form.set("aspect_ratio", aspectRatio);
      form.set("output_format", outputFormat);
      form.set("safety_tolerance", String(safetyValue));
      if (seed) form.set("seed", seed);
      return { form };
    },
    onAccepted: (job) => setJobId(job.id),
  });

  const ratios = useMemo(() => config?.aspect_ratios ?? FALLBACK_ASPECT_RATIOS, [config]);
  const imageHint = t("ppl.imageHint", { max: formatBytes(imageLimits(config).maxBytes) });

  return (
    <div className={styles.page}>
      <CreateHeader title={t("ppl.title")} intro={t("ppl.intro")} />
      <FromJobNotice status={fromStatus} />
      <form
        className={styles.form}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit.submit();
        }}
      >
        <div className={styles.images}>
          <ImageSlot
            label={t("ppl.scene")}
            hint={imageHint}
            value={scene}
            onChange={(image) => { setScene(image); submit.clearFieldError("input_image_1"); }}
            error={submit.fieldError("input_image_1")}
            buttonId={FIELDS.input_image_1}
            disabled={submit.busy}
            config={config}
          />
          <button
            type="button"
            className={`btn ${styles.swap}`}
            onClick={() => { setScene(product); setProduct(scene); }}
            disabled={submit.busy || (!scene && !product)}
            aria-label={t("ppl.swap")}
            title={t("ppl.swap")}
          >
            <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M7 4 3 8l4 4M3 8h14M17 20l4-4-4-4M21 16H7" />
            </svg>
          </button>
          <ImageSlot
            label={t("ppl.product")}
            hint={imageHint}
            value={product}
            onChange={(image) => { setProduct(image); submit.clearFieldError("input_image_2"); }}
            error={submit.fieldError("input_image_2")}
            buttonId={FIELDS.input_image_2}
            disabled={submit.busy}
            config={config}
          />
        </div>
        <PromptField
          id={FIELDS.prompt}
          label={t("form.prompt")}
          value={prompt}
          onChange={(value) => { setPrompt(value); submit.clearFieldError("prompt"); }}
          max={promptMax}
          hint={t("ppl.promptHint")}
          error={submit.fieldError("prompt")}
        />
        <fieldset className={styles.fieldset}>
          <legend className={styles.legend}>{t("form.options")}</legend>
          <div className={styles.options}>
            <AspectRatioField id={FIELDS.aspect_ratio} value={aspectRatio} onChange={setAspectRatio} ratios={ratios} error={submit.fieldError("aspect_ratio")} />
            <FormatField value={outputFormat} onChange={setOutputFormat} formats={config?.output_formats ?? ["png", "jpg"]} />
            <SafetyField id={FIELDS.safety_tolerance} value={safetyValue} onChange={setSafety} range={safetyRange} error={submit.fieldError("safety_tolerance")} />
            <SeedField id={FIELDS.seed} value={seed} onChange={(value) => { setSeed(value); submit.clearFieldError("seed"); }} error={submit.fieldError("seed")} />
          </div>
        </fieldset>
        <SubmitArea submit={submit} label={t("form.submit")} />
      </form>
      {jobId && <JobPanel jobId={jobId}>{(job) => <ResultImages job={job} />}</JobPanel>}
    </div>
  );
}
