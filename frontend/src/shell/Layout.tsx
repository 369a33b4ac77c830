// Placeholder: the shell's owner replaces it (navigation, queue drawer, banners).
import { Outlet } from "react-router";

export function Layout() {
  return <main><Outlet /></main>;
}
