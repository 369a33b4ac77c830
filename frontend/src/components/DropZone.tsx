// A place to drop files, operable without a mouse: a real button opens the file picker (Enter and
// Space work as on any button), files can be dragged onto the zone or pasted into it, and the
// hints (types, size) are tied to the button with aria-describedby so a screen reader reads them.
import { useId, useRef, useState, type ClipboardEvent, type DragEvent, type ReactNode } from "react";

import { useI18n } from "../i18n";
import styles from "./DropZone.module.css";

export type DropZoneProps = {
  label: string;
  accept: string;
  onFiles: (files: File[]) => void;
  multiple?: boolean;
  children?: ReactNode;
  disabled?: boolean;
  /** Shown under the zone (types, size…); read with the button. */
  hint?: ReactNode;
  /** An error about the chosen file(s), shown and announced. */
  error?: string | null;
  /** The button's id, e.g. to focus it when the server says the field is wrong. */
  buttonId?: string;
  /** The button's text; "파일 선택" / "Choose a file" by default. */
  buttonLabel?: string;
};

function accepts(file: File, accept: string): boolean {
  const rules = accept.split(",").map((rule) => rule.trim().toLowerCase()).filter(Boolean);
  if (!rules.length) return true;
  const type = file.type.toLowerCase();
  const name = file.name.toLowerCase();
  return rules.some((rule) =>
    rule.startsWith(".") ? name.endsWith(rule) : rule.endsWith("/*") ? type.startsWith(rule.slice(0, -1)) : type === rule,
  );
}

export function DropZone({ label, accept, onFiles, multiple = false, children, disabled = false, hint, error, buttonId, buttonLabel }: DropZoneProps) {
  const { t } = useI18n();
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const labelId = useId();
  const hintId = useId();
  const errorId = useId();
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;

  const deliver = (list: FileList | File[] | null | undefined) => {
    if (disabled || !list) return;
    const files = Array.from(list);
    if (!files.length) return;
    // A dropped file of another type still goes through (the caller says why it cannot be used),
    // but when several are dropped the accepted ones are preferred.
    const preferred = files.filter((file) => accepts(file, accept));
    const chosen = preferred.length ? preferred : files;
    onFiles(multiple ? chosen : chosen.slice(0, 1));
  };

  const onDragEnter = (event: DragEvent) => {
    if (disabled || !Array.from(event.dataTransfer?.types ?? []).includes("Files")) return;
    event.preventDefault();
    depth.current += 1;
    setDragging(true);
  };
  const onDragOver = (event: DragEvent) => {
    if (disabled) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    deliver(event.dataTransfer?.files);
  };
  const onPaste = (event: ClipboardEvent) => {
    const files = Array.from(event.clipboardData?.files ?? []);
    if (files.length) {
      event.preventDefault();
      deliver(files);
    }
  };

  return (
    <div
      className={`${styles.zone} ${dragging ? styles.dragging : ""} ${error ? styles.invalid : ""} ${disabled ? styles.disabled : ""}`}
      role="group"
      aria-labelledby={labelId}
      data-dragging={dragging || undefined}
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
      onPaste={onPaste}
    >
      <span id={labelId} className={styles.label}>{label}</span>
      {children && <div className={styles.content}>{children}</div>}
      <div className={styles.actions}>
        <button
          id={buttonId}
          type="button"
          className="btn btn-sm"
          disabled={disabled}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          onClick={() => inputRef.current?.click()}
        >
          {buttonLabel ?? t(multiple ? "dropzone.chooseFiles" : "dropzone.choose")}
        </button>
        <span className={styles.or} aria-hidden="true">{t("dropzone.orDrop")}</span>
      </div>
      {hint && <p id={hintId} className={`field-hint ${styles.hint}`}>{hint}</p>}
      {error && <p id={errorId} className={`field-error ${styles.hint}`} role="alert">{error}</p>}
      <input
        ref={inputRef}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        accept={accept}
        multiple={multiple}
        disabled={disabled}
        data-testid="dropzone-input"
        onChange={(event) => {
          deliver(event.target.files);
          event.target.value = ""; // choosing the same file again still fires
        }}
      />
    </div>
  );
}
