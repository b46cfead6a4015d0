// Unit tests of the WebSocket message handling (live.js + state.js, no DOM needed):
// node --test workloads/frontend/e2e/live.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { handleMessage, inflate, isLean, subprotocols } from '../ui/live.js';
import { on, state } from '../ui/state.js';

const seen = { frames: [], logs: [], seeds: [], runEnds: [] };
on('frame', (e) => seen.frames.push(e));
on('log', (e) => seen.logs.push(e));
on('log-seed', (e) => seen.seeds.push(e));
on('run-end', (e) => seen.runEnds.push(e));

function snapshot(tick, extra = {}) {
  return {
    tick,
    tick_delay_ms: 300,
    generator_seed: 11,
    systems: [
      { id: 0, x: 0.2, y: 0.2, owner: 'F1', value: 2, kind: 'normal', heat: 0, is_besieged: false },
      { id: 1, x: 0.8, y: 0.7, owner: null, value: 5, kind: 'relic', heat: 0, is_besieged: false },
    ],
    lanes: [[0, 1]],
    fleets: [{ id: 1, owner: 'F1', system_id: 0, strength: 10, enroute_from: null, enroute_to: null, eta: 0 }],
    events: ['old line'],
    highlight_ids: [],
    factions: [{ id: 'F1', name: 'Empire', color: '#ff5555' }],
    ...extra,
  };
}

test('a delta before any full frame is dropped', () => {
  handleMessage({ type: 'delta', tick: 1, event_id: '100-0' });
  assert.equal(state.frame, null);
  assert.equal(state.lastEventId, null);
});

test('frames without systems are ignored', () => {
  handleMessage({ ...snapshot(0), systems: [], event_id: '100-1' });
  handleMessage({ type: 'snapshot', data: { tick: 0 }, event_id: '100-1' });
  assert.equal(state.frame, null);
});

test('a bare snapshot replaces the frame and seeds the log', () => {
  handleMessage({ ...snapshot(3), event_id: '100-2' });
  assert.equal(state.frame.tick, 3);
  assert.equal(state.lastEventId, '100-2');
  assert.deepEqual(seen.seeds.at(-1).lines, ['old line']);
});

test('deltas merge once, in order; duplicates and older ids are ignored', () => {
  const delta = {
    type: 'delta', tick: 4, tick_delay_ms: 300, event_id: '100-3',
    changed_systems: [{ owner: 'F1', id: 1 }],
    changed_fleets: [{ id: 1, owner: 'F1', system_id: null, strength: 10, enroute_from: 0, enroute_to: 1, eta: 2 }],
    highlight_ids: [1], events: ['old line', 'new line'], new_events: ['new line'], factions: snapshot(0).factions,
  };
  handleMessage(delta);
  assert.equal(state.frame.tick, 4);
  assert.equal(state.frame.systems[1].owner, 'F1');
  assert.equal(state.index.travelling.length, 1);
  assert.deepEqual(seen.logs.at(-1), { lines: ['new line'], tick: 4 });
  const logs = seen.logs.length;
  handleMessage(delta); // replayed after a reconnect
  handleMessage({ ...delta, tick: 2, event_id: '99-9' });
  assert.equal(state.frame.tick, 4);
  assert.equal(seen.logs.length, logs);
  assert.equal(seen.frames.at(-1).newRun, false);
});

test('an older keep-alive snapshot does not roll the frame back', () => {
  handleMessage({ ...snapshot(2), event_id: '100-1' });
  assert.equal(state.frame.tick, 4);
});

test('a resync snapshot always replaces the frame', () => {
  handleMessage({ type: 'snapshot', data: snapshot(9), event_id: '100-9', resync: true });
  assert.equal(state.frame.tick, 9);
  assert.equal(state.lastEventId, '100-9');
});

test('run_end then the next world is detected as a new run', () => {
  handleMessage({ type: 'run_end', winner: 'F1', winner_label: 'Empire', tick: 9, event_id: '101-0' });
  assert.equal(seen.runEnds.at(-1).winner_label, 'Empire');
  handleMessage({ type: 'snapshot', data: snapshot(0), event_id: '101-1' });
  assert.equal(seen.frames.at(-1).newRun, true);
  assert.equal(state.frame.tick, 0);
  assert.equal(seen.seeds.at(-1).newRun, true);
});

test('a tick going down is a new run even without run_end', () => {
  handleMessage({ type: 'delta', tick: 1, event_id: '101-2', new_events: [] });
  handleMessage({ type: 'delta', tick: 2, event_id: '101-3', new_events: [] });
  assert.equal(seen.frames.at(-1).newRun, false);
  handleMessage({ ...snapshot(0), event_id: '102-0' });
  assert.equal(seen.frames.at(-1).newRun, true);
});

test('deltas without new_events fall back to diffing the events window', () => {
  handleMessage({ type: 'delta', tick: 1, event_id: '102-1', events: ['old line', 'x', 'y'] });
  assert.deepEqual(seen.logs.at(-1), { lines: ['x', 'y'], tick: 1 });
});

test('lean deltas append their new events to the frame and the log', () => {
  handleMessage({ ...snapshot(20, { events: ['one', 'two'] }), event_id: '103-0' });
  handleMessage({ type: 'delta', tick: 21, event_id: '103-1', new_events: ['three'] }, true);
  assert.deepEqual(state.frame.events, ['one', 'two', 'three']);
  assert.deepEqual(seen.logs.at(-1), { lines: ['three'], tick: 21 });
  handleMessage({ type: 'delta', tick: 22, event_id: '103-2', changed_fleets: [{ id: 1, strength: 4 }] }, true);
  assert.deepEqual(state.frame.fleets[0], { ...snapshot(0).fleets[0], strength: 4 });
  assert.deepEqual(state.frame.events, ['one', 'two', 'three']);
  assert.equal(state.lastEventId, '103-2');
});

test('the lean subprotocols are offered, deflate first when the browser can inflate', () => {
  assert.deepEqual(subprotocols(true, true), ['sector.lean.deflate.v1', 'sector.lean.v1']);
  assert.deepEqual(subprotocols(true, false), ['sector.lean.v1']);
  assert.deepEqual(subprotocols(false, true), []);
  assert.equal(isLean('sector.lean.deflate.v1') && isLean('sector.lean.v1'), true);
  assert.equal(isLean(''), false);
});

test('binary messages are raw-deflated JSON', async () => {
  const text = JSON.stringify({ type: 'delta', tick: 1, new_events: ['x'.repeat(500)] });
  const deflated = deflateRawSync(Buffer.from(text));
  assert.ok(deflated.length < text.length / 5);
  const data = deflated.buffer.slice(deflated.byteOffset, deflated.byteOffset + deflated.length);
  assert.equal(await inflate(data), text);
});
