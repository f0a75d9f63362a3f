// Small DOM helpers: elements built from data (text is always set as text, never parsed as HTML).

import type { Failure } from "./errors";

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  element.append(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
  return element;
}

/** A hash in full, in a monospace span that wraps. */
export function hash(value: string): HTMLElement {
  return h("code", {}, value);
}

export function badge(text: string, tone = text): HTMLElement {
  return h("span", { class: `badge ${tone}` }, text);
}

/** A definition list of label–value pairs. */
export function facts(rows: [string, Child | Child[]][]): HTMLElement {
  const list = h("dl", { class: "facts" });
  for (const [label, value] of rows) {
    list.append(h("dt", {}, label), h("dd", {}, ...(Array.isArray(value) ? value : [value])));
  }
  return list;
}

export function errorBox(f: Failure): HTMLElement {
  return h(
    "div",
    { class: "notice error", role: "alert", "data-kind": f.kind },
    h("h2", {}, f.title),
    h("p", {}, f.message),
  );
}

export function table(headings: string[], rows: Child[][], caption?: string): HTMLElement {
  return h(
    "div",
    { class: "table" },
    h(
      "table",
      {},
      caption ? h("caption", { class: "proven" }, caption) : null,
      h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
    ),
  );
}

/** Replaces what `main` shows and moves focus to its heading, for keyboard and screen readers. */
export function show(main: HTMLElement, ...children: Child[]): void {
  main.replaceChildren(
    ...children
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === "number" ? String(c) : c)),
  );
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
