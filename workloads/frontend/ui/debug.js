// A minimal, read-only debug hook for the browser end-to-end test: `window.__sector`.
// It exposes counts and copies of the current frame; nothing on it changes the page.
import { inGameStage, state } from './state.js';
import { eventLogSize } from './eventlog.js';

export function installDebug(view) {
  const copy = (value) => JSON.parse(JSON.stringify(value));
  const hook = {
    get tick() {
      return state.frame ? state.frame.tick : null;
    },
    get connection() {
      return state.connection;
    },
    /** The live socket's subprotocol ('' for the original messages). */
    get protocol() {
      return state.protocol;
    },
    get systemsDrawn() {
      return view.systemsDrawn;
    },
    get redraws() {
      return view.redraws;
    },
    /** Milliseconds the last full redraw took. */
    get lastDrawMs() {
      return view.lastDrawMs;
    },
    get faction() {
      return state.faction;
    },
    get gameStage() {
      return inGameStage();
    },
    get origin() {
      return state.selection.origin;
    },
    get lastEventId() {
      return state.lastEventId;
    },
    get eventLogLines() {
      return eventLogSize();
    },
    /** CSS-pixel viewport position of a system, or null. */
    screenOf(id) {
      return view.screenOf(id);
    },
    systems() {
      return state.frame ? state.frame.systems.map((s) => ({ id: s.id, owner: s.owner, value: s.value, kind: s.kind })) : [];
    },
    fleets() {
      return state.frame ? copy(state.frame.fleets) : [];
    },
    lanes() {
      return state.frame ? copy(state.frame.lanes) : [];
    },
  };
  Object.defineProperty(window, '__sector', { value: Object.freeze(hook), writable: false, configurable: false });
}
