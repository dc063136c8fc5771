import { lazy, Suspense } from 'react';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { BrowserRouter, Navigate, Route, Routes, useInRouterContext } from 'react-router-dom-v5-compat';
import { ROUTES } from '../../constants';
import type { AppJsonData } from '../../types';

// Each page is its own chunk, fetched the first time it is visited (as in Grafana's app plugin examples).
const IncidentsPage = lazy(() => import('../IncidentsPage/IncidentsPage'));
const IncidentPage = lazy(() => import('../IncidentPage/IncidentPage'));
const OnCallPage = lazy(() => import('../OnCallPage/OnCallPage'));
const ReportsPage = lazy(() => import('../ReportsPage/ReportsPage'));
const MaintenancePage = lazy(() => import('../MaintenancePage/MaintenancePage'));
const PostmortemPage = lazy(() => import('../PostmortemPage/PostmortemPage'));

/**
 * Absolute paths: valid below Grafana's `/a/<plugin id>/*` route and equally at the top of a bare router
 * (the browser harness), since each starts with the parent route's path.
 */
function Pages() {
  return (
    <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
      <Routes>
        <Route path={ROUTES.incidents} element={<IncidentsPage />} />
        <Route path={ROUTES.incident(':id')} element={<IncidentPage />} />
        <Route path={ROUTES.postmortem(':id')} element={<PostmortemPage />} />
        <Route path={ROUTES.oncall} element={<OnCallPage />} />
        <Route path={ROUTES.reports} element={<ReportsPage />} />
        <Route path={ROUTES.maintenance} element={<MaintenancePage />} />
        <Route path="*" element={<Navigate to={ROUTES.incidents} replace />} />
      </Routes>
    </Suspense>
  );
}

/** React Router v7's behaviour, which Grafana's own router has opted into. */
export const ROUTER_FUTURE = { v7_startTransition: true, v7_relativeSplatPath: true };

export function App(_props: AppRootProps<AppJsonData>) {
  // Grafana renders the app inside its router; anywhere else (a plain React root) it brings its own.
  return useInRouterContext() ? (
    <Pages />
  ) : (
    <BrowserRouter future={ROUTER_FUTURE}>
      <Pages />
    </BrowserRouter>
  );
}

export default App;
