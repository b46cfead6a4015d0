// The event log panel (fixes G2/G6): event texts, newest at the bottom, at most 200 lines,
// each prefixed with its tick. Deltas carry `new_events` (the texts of that tick); a full
// frame seeds the log from its last-30 `events` when the log is empty or a new run started.
import { $, el } from './dom.js';
import { on } from './state.js';

const MAX_LINES = 200;

function atBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 24;
}

function append(list, tickLabel, text, seeded) {
  const row = el('li', { className: seeded ? 'seeded' : '' },
    el('span', { className: 'tick', text: tickLabel }),
    el('span', { className: 'text', text }));
  list.append(row);
}

function trim(list) {
  while (list.childElementCount > MAX_LINES) list.firstElementChild.remove();
}

export function initEventLog() {
  const list = $('event-log');
  on('log-seed', ({ lines, tick, newRun }) => {
    if (!newRun && list.childElementCount > 0) return;
    const stick = atBottom(list);
    if (newRun) {
      list.replaceChildren();
      append(list, '—', 'A new run started.', true);
    }
    // The tick of seeded lines is unknown: they happened at or before the frame's tick.
    const label = typeof tick === 'number' ? `≤${tick}` : '—';
    for (const text of lines) if (typeof text === 'string') append(list, label, text, true);
    trim(list);
    if (stick || newRun) list.scrollTop = list.scrollHeight;
  });
  on('log', ({ lines, tick }) => {
    const stick = atBottom(list);
    const label = typeof tick === 'number' ? String(tick) : '—';
    for (const text of lines) append(list, label, text, false);
    trim(list);
    if (stick) list.scrollTop = list.scrollHeight;
  });
}

/** Number of lines shown (for the debug hook). */
export function eventLogSize() {
  return $('event-log').childElementCount;
}
