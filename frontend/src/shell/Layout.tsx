// The frame around every signed-in page: skip link, header (brand, navigation, the queue badge,
// language), the platform banner, <main id="main"> and the queue drawer. Below 1180 px the
// navigation folds into a 메뉴 disclosure button. While it is mounted (signed in), the live event
// stream is open.
import { useEffect, useId, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";

import { useMe } from "../api/auth";
import { useLiveEvents } from "../api/events";
import { useActiveJobs } from "../api/jobs";
import { useI18n } from "../i18n";
import { LanguageSwitch } from "./LanguageSwitch";
import styles from "./Layout.module.css";
import { PreflightBanner } from "./PreflightBanner";
import { QueuePanel } from "./QueuePanel";
import { useQueueDrawer } from "./queueDrawer";

const CREATE_LINKS = [
  { to: "/create/ppl", key: "shell.nav.ppl" },
  { to: "/create/goods", key: "shell.nav.goods" },
  { to: "/create/edit", key: "shell.nav.edit" },
  { to: "/create/page", key: "shell.nav.page" },
];
const MAIN_LINKS = [
  { to: "/jobs", key: "shell.nav.jobs" },
  { to: "/gallery", key: "shell.nav.gallery" },
  { to: "/trash", key: "shell.nav.trash" },
  { to: "/account", key: "shell.nav.account" },
];

/** "(2) PPL Studio" while two jobs are active. */
export function useActiveCountTitle(count: number, base = "PPL Studio") {
  useEffect(() => {
    document.title = count > 0 ? `(${count}) ${base}` : base;
  }, [count, base]);
}

export function Layout() {
  const { t } = useI18n();
  const me = useMe();
  useLiveEvents();
  const active = useActiveJobs();
  const drawer = useQueueDrawer();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const navId = useId();
  const createLabelId = useId();
  const count = active.data?.length ?? 0;
  useActiveCountTitle(count);

  // A followed link closes the phone menu and the drawer.
  const closeDrawer = useRef(drawer.close);
  closeDrawer.current = drawer.close;
  useEffect(() => {
    setMenuOpen(false);
    closeDrawer.current();
  }, [location.pathname]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setMenuOpen(false);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  const inCreate = location.pathname.startsWith("/create");
  const linkClass = ({ isActive }: { isActive: boolean }) => (isActive ? `${styles.link} ${styles.active}` : styles.link);

  return (
    <div className={styles.shell}>
      <a className={styles.skip} href="#main">{t("shell.skip")}</a>
      <header className={styles.header}>
        <div className={styles.bar}>
          <Link to="/" className={styles.brand} aria-label={t("shell.home")}>
            <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width="28" height="28" />
            <span>PPL Studio</span>
          </Link>

          <button
            type="button"
            className={`btn btn-ghost btn-sm ${styles.menuButton}`}
            aria-expanded={menuOpen}
            aria-controls={navId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
              {menuOpen
                ? <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
                : <path d="M4 7h16M4 12h16M4 17h16" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />}
            </svg>
            {t("shell.menu")}
          </button>

          <nav id={navId} className={`${styles.nav} ${menuOpen ? styles.navOpen : ""}`} aria-label={t("shell.nav.label")}>
            <div className={`${styles.group} ${inCreate ? styles.groupActive : ""}`}>
              <span id={createLabelId} className={styles.groupLabel}>{t("shell.nav.create")}</span>
              <ul className={styles.links} aria-labelledby={createLabelId}>
                {CREATE_LINKS.map((link) => (
                  <li key={link.to}><NavLink to={link.to} className={linkClass}>{t(link.key)}</NavLink></li>
                ))}
              </ul>
            </div>
            <ul className={`${styles.links} ${styles.mainLinks}`}>
              {MAIN_LINKS.map((link) => (
                <li key={link.to}><NavLink to={link.to} className={linkClass}>{t(link.key)}</NavLink></li>
              ))}
              {me.data?.is_staff && (
                <li><a href="/admin/" className={styles.link}>{t("shell.nav.admin")}</a></li>
              )}
            </ul>
            <LanguageSwitch className={styles.lang} />
          </nav>

          <div className={styles.tools}>
            <button
              type="button"
              className={`${styles.badge} ${count > 0 ? styles.busy : ""}`}
              aria-label={t("shell.queue.badge", { count })}
              aria-haspopup="dialog"
              aria-expanded={drawer.isOpen}
              onClick={drawer.toggle}
            >
              <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d="M4 6h16M4 12h10M4 18h7M17 14v6m-3-3h6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              </svg>
              <span className={styles.badgeLabel} aria-hidden="true">{t("shell.queue.badgeShort")}</span>
              <span className={styles.count} aria-hidden="true">{count}</span>
            </button>
          </div>
        </div>
      </header>
      <PreflightBanner />
      <main id="main" className={styles.main} tabIndex={-1}>
        <Outlet />
      </main>
      <QueuePanel />
    </div>
  );
}
