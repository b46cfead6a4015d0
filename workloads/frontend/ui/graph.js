// The lane graph: adjacency, breadth-first shortest paths and reachability. No DOM access.

/** Builds id → neighbour ids from `[a, b]` lane pairs (undirected). */
export function buildAdjacency(lanes) {
  const adj = new Map();
  const add = (a, b) => {
    let list = adj.get(a);
    if (!list) adj.set(a, (list = []));
    if (!list.includes(b)) list.push(b);
  };
  for (const lane of lanes || []) {
    if (!Array.isArray(lane) || lane.length < 2) continue;
    const [a, b] = lane;
    if (a === b) continue;
    add(a, b);
    add(b, a);
  }
  return adj;
}

/** Shortest lane path from `from` to `to` as a list of ids (both included), or null. */
export function shortestPath(adj, from, to) {
  if (from === to) return [from];
  const prev = new Map([[from, from]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const next of adj.get(node) || []) {
      if (prev.has(next)) continue;
      prev.set(next, node);
      if (next === to) {
        const path = [to];
        let cur = to;
        while (cur !== from) {
          cur = prev.get(cur);
          path.push(cur);
        }
        return path.reverse();
      }
      queue.push(next);
    }
  }
  return null;
}

/** Every id connected to `from` by lanes (including `from`). */
export function reachableFrom(adj, from) {
  const seen = new Set([from]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    for (const next of adj.get(queue[head]) || []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
