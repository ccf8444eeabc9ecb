// Path routing on the History API (`tuneton serve` answers index.html for any non-API path).
import { Store } from "./store";

export type Route =
  | { name: "home" } | { name: "search"; addTo: string | null } | { name: "track"; id: string }
  | { name: "playlist"; id: string } | { name: "now" } | { name: "queue" } | { name: "upload" }
  | { name: "album"; album: string } | { name: "artist"; artist: string };

export function parse(path: string, search = ""): Route {
  const [, first, second] = path.split("/");
  if (first === "search") return { name: "search", addTo: new URLSearchParams(search).get("add") };
  if (first === "track" && second) return { name: "track", id: decodeURIComponent(second) };
  if (first === "playlist" && second) return { name: "playlist", id: decodeURIComponent(second) };
  if (first === "album" && second) return { name: "album", album: decodeURIComponent(second) };
  if (first === "artist" && second) return { name: "artist", artist: decodeURIComponent(second) };
  if (first === "now") return { name: "now" };
  if (first === "queue") return { name: "queue" };
  if (first === "upload") return { name: "upload" };
  return { name: "home" };
}

export const route = new Store<{ route: Route; depth: number }>({ route: parse(location.pathname, location.search), depth: 0 });

export function navigate(path: string, replace = false): void {
  const depth = replace ? route.get().depth : route.get().depth + 1;
  if (replace) history.replaceState({ depth }, "", path);
  else history.pushState({ depth }, "", path);
  const target = new URL(path, location.origin);
  route.set({ route: parse(target.pathname, target.search), depth });
  window.scrollTo(0, 0);
}

export function back(): void {
  if (route.get().depth > 0) history.back();
  else navigate("/", true);
}

window.addEventListener("popstate", (e) => {
  route.set({ route: parse(location.pathname, location.search), depth: (e.state as { depth?: number } | null)?.depth ?? 0 });
});
