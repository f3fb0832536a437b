// One browser-history entry per navigation (loaded once per tab by ui/history.py).
//
// Streamlit 1.67 pushes two entries when a page link or st.switch_page opens a page
// with query parameters: first the new query string on the old path (page_info_changed),
// then the new path (navigation); parameters the page script then writes push more. Back
// then lands on a URL that mixes two pages (/?id=…, /paper?name=Google). Here, while a
// script run is in progress, every push after its first replaces instead, so each
// navigation leaves exactly one entry and Back/Forward return to the page and state
// (query parameters) that were showing. Streamlit itself already replaces, not pushes,
// while it restores a page from Back/Forward.
export default function () {
  if (window.__paperkgHistory) return;
  window.__paperkgHistory = true;
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  const app = () => document.querySelector("[data-testid=stApp]");
  // A push ends its run's window at the next idle moment, or after this long without one.
  const WINDOW_MS = 4000;
  let pushedAt = 0;

  window.history.pushState = function (state, title, url) {
    const now = Date.now();
    if (pushedAt && now - pushedAt < WINDOW_MS) {
      return replace(state, title, url);
    }
    pushedAt = now;
    return push(state, title, url);
  };
  const idle = () => app()?.getAttribute("data-test-script-state") === "notRunning";
  const watch = new MutationObserver(() => {
    if (idle()) pushedAt = 0;
  });
  const start = () => {
    const root = app();
    if (!root) return setTimeout(start, 100);
    watch.observe(root, { attributes: true, attributeFilter: ["data-test-script-state"] });
  };
  start();
}
