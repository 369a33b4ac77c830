// /create/goods: a character image on one of eight goods (picture cards, one radio group).
import { useCallback, useMemo, useState } from "react";

import { useConfig } from "../../api/config";
import type { Job } from "../../api/jobs";
import { useI18n } from "../../i18n";
import type { PreparedImage } from "../../lib/imageFile";
import styles from "./Create.module.css";
import { GoodsIcon } from "./GoodsIcons";
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

export const GOODS_TYPES = ["mug", "t_shirt", "tote_bag", "phone_case", "keyring", "sticker", "poster", "cushion"];

const FIELDS = {
  character_image: "goods-character",
  goods_type: "goods-type-mug",
  prompt: "goods-prompt",
  aspect_ratio: "goods-aspect",
  safety_tolerance: "goods-safety",
  seed: "goods-seed",
};

export default function GoodsPage() {
  const { t, formatBytes } = useI18n();
  const config = useConfig().data;
  const promptMax = config?.prompt_max_length ?? FALLBACK_PROMPT_MAX;
  const safetyRange = config?.safety_tolerance?.goods ?? { min: 0, max: 6, default: 2 };
  const types = config?.goods_types?.length ? config.goods_types : GOODS_TYPES;
  const [character, setCharacter] = useState<PreparedImage | null>(null);
  const [goodsType, setGoodsType] = useState("mug");
  const [prompt, setPrompt] = useState("");
  const [aspectRatio, setAspectRatio] = useState("1:1");
  const [outputFormat, setOutputFormat] = useState("png");
  const [safety, setSafety] = useState<number | null>(null);
  const [seed, setSeed] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const safetyValue = safety ?? safetyRange.default;

  const fromStatus = useFromJob(useCallback((job: Job, images) => {
    setCharacter(images.character_image ?? null);
    setGoodsType(paramText(job, "goods_type") || "mug");
    setPrompt(paramText(job, "prompt"));
    setAspectRatio(paramText(job, "aspect_ratio") || "1:1");
    setOutputFormat(paramText(job, "output_format") || "png");
    setSafety(paramNumber(job, "safety_tolerance"));
    setSeed(paramText(job, "seed"));
  }, []));

  const fields = useMemo(() => ({ ...FIELDS, goods_type: `goods-type-${goodsType}` }), [goodsType]);
  const signature = JSON.stringify([fileSignature(character), goodsType, prompt.trim(), aspectRatio, outputFormat, safetyValue, seed]);
  const submit = useJobSubmit({
    kind: "goods",
    signature,
    fields,
    validate: () => {
      const errors: FieldErrors = {};
      if (!character) errors.character_image = t("form.imageRequired");
      if (prompt.length > promptMax) errors.prompt = t("form.promptTooLong", { max: promptMax });
      const seedProblem = seedError(seed, t);
      if (seedProblem) errors.seed = seedProblem;
      return errors;
    },
    build: () => {
      const form = new FormData();
      form.set("character_image", character!.file, character!.file.name);
      form.set("goods_type", goodsType);
      if (prompt.trim()) form.set("prompt", prompt.trim());
      form.set("aspect_ratio", aspectRatio);
      form.set("output_format", outputFormat);
      form.set("safety_tolerance", String(safetyValue));
      if (seed) form.set("seed", seed);
      return { form };
    },
    onAccepted: (job) => setJobId(job.id),
  });

  const ratios = useMemo(() => (config?.aspect_ratios ?? FALLBACK_ASPECT_RATIOS), [config]);
  const typeError = submit.fieldError("goods_type");

  return (
    <div className={styles.page}>
      <CreateHeader title={t("goods.title")} intro={t("goods.intro")} />
      <FromJobNotice status={fromStatus} />
      <form
        className={styles.form}
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit.submit();
        }}
      >
        <div className={styles.character}>
          <ImageSlot
            label={t("goods.character")}
            hint={t("goods.imageHint", { max: formatBytes(imageLimits(config).maxBytes) })}
            value={character}
            onChange={(image) => { setCharacter(image); submit.clearFieldError("character_image"); }}
            error={submit.fieldError("character_image")}
            buttonId={FIELDS.character_image}
            disabled={submit.busy}
            config={config}
          />
        </div>
        <fieldset className={styles.fieldset} aria-describedby={typeError ? "goods-type-error" : undefined}>
          <legend className={styles.legend}>{t("goods.type")}</legend>
          <div className={styles.cards}>
            {types.map((type) => (
              <label key={type} className={styles.card}>
                <input
                  id={`goods-type-${type}`}
                  type="radio"
                  name="goods_type"
                  value={type}
                  checked={goodsType === type}
                  disabled={submit.busy}
                  aria-invalid={typeError ? true : undefined}
                  onChange={() => setGoodsType(type)}
                />
                <span className={styles.cardFace}>
                  <GoodsIcon type={type} />
                  <span>{t(`goods.type.${type}`)}</span>
                </span>
              </label>
            ))}
          </div>
          {typeError && <p id="goods-type-error" className="field-error">{typeError}</p>}
        </fieldset>
        <PromptField
          id={FIELDS.prompt}
          label={t("goods.prompt")}
          value={prompt}
          onChange={(value) => { setPrompt(value); submit.clearFieldError("prompt"); }}
          max={promptMax}
          hint={t("goods.promptHint")}
          error={submit.fieldError("prompt")}
          required={false}
          rows={3}
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
