// The centred notice toast (UI.md §4): success notices vanish after 1.5 s, selection and
// rally notices after 1.2 s; errors and other notices stay until replaced or hidden.
import { $ } from './dom.js';

const LIFETIME_MS = { success: 1500, select: 1200 };
let timer = 0;

/** kind: 'info' (stays), 'error' (stays), 'success' (1.5 s), 'select' (1.2 s). */
export function notice(text, kind = 'info') {
  const box = $('notice');
  box.textContent = String(text);
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(timer);
  const ms = LIFETIME_MS[kind];
  if (ms) timer = setTimeout(() => hideNotice(), ms);
}

/** Hides the notice; with `onlyText`, only if that exact text is showing. */
export function hideNotice(onlyText) {
  const box = $('notice');
  if (onlyText !== undefined && box.textContent !== onlyText) return;
  clearTimeout(timer);
  box.hidden = true;
}
