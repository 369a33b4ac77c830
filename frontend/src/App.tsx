// Routes. Every page but sign-in is behind the session; pages load lazily so the first route's
// JavaScript stays small.
import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";

import { ME_KEY, RequireAuth } from "./api/auth";
import { setUnauthorizedHandler } from "./api/client";
import { PageSkeleton } from "./components/Skeleton";
import { Layout } from "./shell/Layout";
import { QueueDrawerProvider } from "./shell/queueDrawer";

const SignInPage = lazy(() => import("./pages/SignInPage"));
const PplPage = lazy(() => import("./pages/create/PplPage"));
const GoodsPage = lazy(() => import("./pages/create/GoodsPage"));
const EditPage = lazy(() => import("./pages/create/EditPage"));
const ProductPageWizard = lazy(() => import("./pages/create/ProductPageWizard"));
const JobsPage = lazy(() => import("./pages/jobs/JobsPage"));
const JobDetailPage = lazy(() => import("./pages/jobs/JobDetailPage"));
const PageViewPage = lazy(() => import("./pages/pages/PageViewPage"));
const GalleryPage = lazy(() => import("./pages/gallery/GalleryPage"));
const TrashPage = lazy(() => import("./pages/gallery/TrashPage"));
const AccountPage = lazy(() => import("./pages/account/AccountPage"));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage"));

/** A 401 anywhere (session expired, signed out in another tab) sends the user to sign in. */
function useUnauthorizedRedirect() {
  const navigate = useNavigate();
  const location = useLocation();
  const client = useQueryClient();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      client.setQueryData(ME_KEY, null);
      if (!location.pathname.startsWith("/signin")) {
        const next = encodeURIComponent(`${location.pathname}${location.search}`);
        navigate(`/signin?next=${next}`, { replace: true });
      }
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate, location, client]);
}

export function App() {
  useUnauthorizedRedirect();
  return (
    <Suspense fallback={<PageSkeleton />}>
      <Routes>
        <Route path="/signin" element={<SignInPage />} />
        <Route
          element={
            <RequireAuth fallback={<PageSkeleton />}>
              <QueueDrawerProvider>
                <Layout />
              </QueueDrawerProvider>
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/create/ppl" replace />} />
          <Route path="create" element={<Navigate to="/create/ppl" replace />} />
          <Route path="create/ppl" element={<PplPage />} />
          <Route path="create/goods" element={<GoodsPage />} />
          <Route path="create/edit" element={<EditPage />} />
          <Route path="create/page" element={<ProductPageWizard />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="jobs/:id" element={<JobDetailPage />} />
          <Route path="pages/:id" element={<PageViewPage />} />
          <Route path="gallery" element={<GalleryPage />} />
          <Route path="trash" element={<TrashPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
