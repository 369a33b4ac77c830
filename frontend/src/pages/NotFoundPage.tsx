// Any route the app does not know.
import { Link } from "react-router";

import { EmptyState } from "../components/EmptyState";
import { useI18n } from "../i18n";

export default function NotFoundPage() {
  const { t } = useI18n();
  return (
    <EmptyState
      title={t("notFound.title")}
      action={
        <div className="row">
          <Link className="btn btn-primary" to="/">{t("notFound.home")}</Link>
          <Link className="btn" to="/jobs">{t("notFound.jobs")}</Link>
        </div>
      }
    >
      <p>{t("notFound.body")}</p>
    </EmptyState>
  );
}
