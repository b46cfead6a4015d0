//! Lane construction (GAME_RULES.md §4.4): Delaunay candidate edges, then a
//! degree-limited Kruskal spanning tree under a growing maximum lane length.
//!
//! Consumes no randomness. The output is canonical (lanes as sorted `(low, high)` pairs,
//! neighbour lists ascending) because the bot AI's tie-breaks depend on adjacency order.

use delaunator::{EMPTY, Point, next_halfedge, triangulate};

/// Factor applied to the maximum lane length after a failed attempt.
pub const LANE_LENGTH_GROWTH: f64 = 1.25;
/// Attempts stop once the maximum lane length exceeds this (plus [`CEILING_TOLERANCE`]).
pub const LANE_LENGTH_CEILING: f64 = 1.5;
/// Keeps an attempt at exactly the ceiling despite rounding in the repeated growth.
pub const CEILING_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LaneError {
    #[error("system {index} has a non-finite position ({x}, {y})")]
    InvalidPosition { index: usize, x: f64, y: f64 },
    #[error("{systems} systems are too many for 32-bit system ids")]
    TooManySystems { systems: usize },
    #[error(
        "maximum lane length must be a positive number no greater than {LANE_LENGTH_CEILING}, got {initial}"
    )]
    InvalidMaxLength { initial: f64 },
    #[error(
        "cannot connect {systems} systems with at most {max_degree} lanes per system: after {attempts} \
         attempts (maximum lane length up to {last_max_length:.4}) the lanes still form {components} \
         separate groups"
    )]
    Unconnected {
        systems: usize,
        max_degree: usize,
        attempts: usize,
        last_max_length: f64,
        components: usize,
    },
}

/// A candidate lane `(a, b)` with `a < b` and its squared Euclidean length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub length_squared: f64,
}

/// The lane network of a map.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneGraph {
    /// Every lane once as `(low, high)`, sorted.
    pub lanes: Vec<(u32, u32)>,
    /// Neighbours of each system, ascending.
    pub neighbors: Vec<Vec<u32>>,
    /// The maximum lane length of the successful attempt.
    pub max_length: f64,
}

/// Builds the lane tree for `points` (§4.4): at most `max_degree` lanes per system,
/// starting with lanes no longer than `initial_max_length` and relaxing the limit by
/// [`LANE_LENGTH_GROWTH`] while it stays within the ceiling.
pub fn build_lanes(
    points: &[(f64, f64)],
    max_degree: usize,
    initial_max_length: f64,
) -> Result<LaneGraph, LaneError> {
    // A negative or zero start would never grow past the ceiling (endless loop).
    if !(initial_max_length > 0.0 && initial_max_length <= LANE_LENGTH_CEILING + CEILING_TOLERANCE) {
        return Err(LaneError::InvalidMaxLength { initial: initial_max_length });
    }
    let candidates = candidate_edges(points)?;
    let n = points.len();
    if n <= 1 {
        // Nothing to connect: a lone system is trivially one network.
        return Ok(LaneGraph {
            lanes: Vec::new(),
            neighbors: vec![Vec::new(); n],
            max_length: initial_max_length,
        });
    }

    let mut forest = Forest::new(n);
    let mut max_length = initial_max_length;
    let mut attempts = 0;
    let mut last_max_length = max_length;
    let mut components = n;
    while max_length <= LANE_LENGTH_CEILING + CEILING_TOLERANCE {
        attempts += 1;
        last_max_length = max_length;
        // Candidates are sorted by length, so the allowed ones are a prefix.
        let limit = max_length * max_length;
        let allowed = candidates.partition_point(|c| c.length_squared <= limit);
        if allowed > 0 {
            components = forest.grow(&candidates[..allowed], max_degree);
            if components == 1 {
                return Ok(finish(n, &forest.lanes, max_length));
            }
        }
        max_length *= LANE_LENGTH_GROWTH;
    }
    Err(LaneError::Unconnected { systems: n, max_degree, attempts, last_max_length, components })
}

/// Candidate lanes (§4.4 step 1), sorted by ascending squared length, ties by `(a, b)`.
///
/// Delaunay triangle sides for three or more points; every pair for fewer. All-collinear
/// input has no triangles, so consecutive points along the line are joined instead.
/// Points the triangulation drops (exact or near duplicates) are joined to the point they
/// duplicate and to its Delaunay neighbours, so they can still be connected.
pub fn candidate_edges(points: &[(f64, f64)]) -> Result<Vec<Candidate>, LaneError> {
    let n = points.len();
    if u32::try_from(n).is_err() {
        return Err(LaneError::TooManySystems { systems: n });
    }
    if let Some((index, &(x, y))) =
        points.iter().enumerate().find(|(_, (x, y))| !x.is_finite() || !y.is_finite())
    {
        return Err(LaneError::InvalidPosition { index, x, y });
    }

    let pairs = if n < 3 {
        (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect()
    } else {
        let delaunay_points: Vec<Point> = points.iter().map(|&(x, y)| Point { x, y }).collect();
        let triangulation = triangulate(&delaunay_points);
        if triangulation.triangles.is_empty() {
            collinear_pairs(points)
        } else {
            delaunay_pairs(points, &triangulation.triangles, &triangulation.halfedges)
        }
    };

    let mut candidates: Vec<Candidate> = pairs
        .into_iter()
        .map(|(i, j)| {
            let (a, b) = if i < j { (i, j) } else { (j, i) };
            let dx = points[a].0 - points[b].0;
            let dy = points[a].1 - points[b].1;
            Candidate { a: a as u32, b: b as u32, length_squared: dx * dx + dy * dy }
        })
        .collect();
    candidates.sort_unstable_by(|p, q| {
        p.length_squared.total_cmp(&q.length_squared).then(p.a.cmp(&q.a)).then(p.b.cmp(&q.b))
    });
    // Equal pairs have equal lengths, so duplicates are adjacent after sorting.
    candidates.dedup_by(|p, q| p.a == q.a && p.b == q.b);
    Ok(candidates)
}

fn delaunay_pairs(points: &[(f64, f64)], triangles: &[usize], halfedges: &[usize]) -> Vec<(usize, usize)> {
    let n = points.len();
    let mut pairs = Vec::with_capacity(triangles.len() / 2 + n);
    let mut present = vec![false; n];
    for (e, &opposite) in halfedges.iter().enumerate() {
        present[triangles[e]] = true;
        // Interior sides have two half-edges; take each once. Hull sides have one.
        if opposite == EMPTY || e < opposite {
            pairs.push((triangles[e], triangles[next_halfedge(e)]));
        }
    }
    let missing: Vec<usize> = (0..n).filter(|&i| !present[i]).collect();
    if !missing.is_empty() {
        add_dropped_points(points, &present, &missing, &mut pairs);
    }
    pairs
}

/// Joins points the triangulation skipped to their nearest triangulated point (their
/// duplicate), to that point's neighbours, and to the previous dropped duplicate of the
/// same point, giving Kruskal several ways to attach them under the degree limit.
fn add_dropped_points(
    points: &[(f64, f64)],
    present: &[bool],
    missing: &[usize],
    pairs: &mut Vec<(usize, usize)>,
) {
    let n = points.len();
    let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in pairs.iter() {
        adjacency[a].push(b);
        adjacency[b].push(a);
    }
    let mut by_x: Vec<usize> = (0..n).filter(|&i| present[i]).collect();
    by_x.sort_unstable_by(|&i, &j| points[i].0.total_cmp(&points[j].0).then(i.cmp(&j)));

    let nearest = |m: usize, within: &[usize]| -> Option<usize> {
        let (x, y) = points[m];
        within.iter().copied().min_by(|&i, &j| {
            let di = (points[i].0 - x).powi(2) + (points[i].1 - y).powi(2);
            let dj = (points[j].0 - x).powi(2) + (points[j].1 - y).powi(2);
            di.total_cmp(&dj).then(i.cmp(&j))
        })
    };
    let mut last_dropped_at: Vec<Option<usize>> = vec![None; n];
    for &m in missing {
        // Near duplicates differ by a few ulps, so a narrow x window finds them; anything
        // else falls back to a full scan (dropped points are rare).
        let x = points[m].0;
        let lo = by_x.partition_point(|&i| points[i].0 < x - 1e-9);
        let hi = by_x.partition_point(|&i| points[i].0 <= x + 1e-9);
        let Some(representative) = nearest(m, &by_x[lo..hi]).or_else(|| nearest(m, &by_x)) else {
            continue;
        };
        pairs.push((m, representative));
        pairs.extend(adjacency[representative].iter().map(|&neighbor| (m, neighbor)));
        if let Some(previous) = last_dropped_at[representative].replace(m) {
            pairs.push((previous, m));
        }
    }
}

/// Consecutive points along the line; sorting by (x, y) walks a line in order, and any
/// duplicates end up next to each other.
fn collinear_pairs(points: &[(f64, f64)]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_unstable_by(|&i, &j| {
        points[i].0.total_cmp(&points[j].0).then(points[i].1.total_cmp(&points[j].1)).then(i.cmp(&j))
    });
    order.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Union–find (union by rank, path halving) plus degrees and the lanes of one attempt.
struct Forest {
    parent: Vec<u32>,
    rank: Vec<u8>,
    degree: Vec<usize>,
    lanes: Vec<(u32, u32)>,
}

impl Forest {
    fn new(n: usize) -> Self {
        let mut forest =
            Forest { parent: Vec::new(), rank: Vec::new(), degree: Vec::new(), lanes: Vec::with_capacity(n) };
        forest.clear(n);
        forest
    }

    fn clear(&mut self, n: usize) {
        self.parent.clear();
        self.parent.extend(0..n as u32);
        self.rank.clear();
        self.rank.resize(n, 0);
        self.degree.clear();
        self.degree.resize(n, 0);
        self.lanes.clear();
    }

    fn find(&mut self, mut v: u32) -> u32 {
        while self.parent[v as usize] != v {
            let grandparent = self.parent[self.parent[v as usize] as usize];
            self.parent[v as usize] = grandparent;
            v = grandparent;
        }
        v
    }

    /// One Kruskal attempt over `candidates` (already filtered and sorted); returns the
    /// number of components left.
    fn grow(&mut self, candidates: &[Candidate], max_degree: usize) -> usize {
        let n = self.parent.len();
        self.clear(n);
        let mut components = n;
        for c in candidates {
            if components == 1 {
                break;
            }
            if self.degree[c.a as usize] >= max_degree || self.degree[c.b as usize] >= max_degree {
                continue;
            }
            let (ra, rb) = (self.find(c.a), self.find(c.b));
            if ra == rb {
                continue;
            }
            match self.rank[ra as usize].cmp(&self.rank[rb as usize]) {
                std::cmp::Ordering::Less => self.parent[ra as usize] = rb,
                std::cmp::Ordering::Greater => self.parent[rb as usize] = ra,
                std::cmp::Ordering::Equal => {
                    self.parent[rb as usize] = ra;
                    self.rank[ra as usize] += 1;
                }
            }
            self.degree[c.a as usize] += 1;
            self.degree[c.b as usize] += 1;
            self.lanes.push((c.a, c.b));
            components -= 1;
        }
        components
    }
}

fn finish(n: usize, lanes: &[(u32, u32)], max_length: f64) -> LaneGraph {
    let mut lanes = lanes.to_vec();
    lanes.sort_unstable();
    // Appending in sorted lane order yields ascending lists: a system's lower neighbours
    // come from earlier lanes (x, v), its higher ones from its own lanes (v, y).
    let mut neighbors = vec![Vec::new(); n];
    for &(a, b) in &lanes {
        neighbors[a as usize].push(b);
        neighbors[b as usize].push(a);
    }
    LaneGraph { lanes, neighbors, max_length }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_spanning_tree(graph: &LaneGraph, n: usize, max_degree: usize) -> bool {
        if graph.lanes.len() + 1 != n.max(1) {
            return false;
        }
        let mut forest = Forest::new(n);
        let candidates: Vec<Candidate> =
            graph.lanes.iter().map(|&(a, b)| Candidate { a, b, length_squared: 0.0 }).collect();
        forest.grow(&candidates, usize::MAX) == 1
            && graph.neighbors.iter().all(|list| list.len() <= max_degree)
    }

    fn grid_points(side: usize) -> Vec<(f64, f64)> {
        (0..side * side).map(|i| ((i % side) as f64 * 0.1, (i / side) as f64 * 0.1)).collect()
    }

    #[test]
    fn fewer_than_three_points_use_every_pair() {
        assert!(build_lanes(&[], 3, 0.3).unwrap().lanes.is_empty());
        let one = build_lanes(&[(0.5, 0.5)], 3, 0.3).unwrap();
        assert_eq!(one.neighbors, vec![Vec::<u32>::new()]);
        let two = build_lanes(&[(0.9, 0.9), (0.1, 0.1)], 3, 0.3).unwrap();
        assert_eq!(two.lanes, vec![(0, 1)]);
        assert_eq!(two.neighbors, vec![vec![1], vec![0]]);
        // 0.3, 0.375, 0.46875, 0.5859, 0.7324, 0.9155, 1.1444: the diagonal (1.131) fits.
        assert!((two.max_length - 0.3 * 1.25f64.powi(6)).abs() < 1e-12);
    }

    #[test]
    fn collinear_points_form_a_path_along_the_line() {
        let points = [(0.4, 0.4), (0.1, 0.1), (0.3, 0.3), (0.2, 0.2), (0.3, 0.3)];
        let graph = build_lanes(&points, 3, 0.3).unwrap();
        assert_eq!(graph.lanes, vec![(0, 4), (1, 3), (2, 3), (2, 4)]);
        assert!(is_spanning_tree(&graph, points.len(), 2));
        let vertical = [(0.5, 0.9), (0.5, 0.1), (0.5, 0.5)];
        assert_eq!(build_lanes(&vertical, 3, 0.3).unwrap().lanes, vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn duplicate_points_still_connect() {
        let mut points = grid_points(4);
        points.push(points[5]);
        points.push(points[5]);
        points.push(points[0]);
        let graph = build_lanes(&points, 3, 0.3).unwrap();
        assert!(is_spanning_tree(&graph, points.len(), 3));
    }

    #[test]
    fn candidates_are_sorted_by_length_then_ids() {
        let points = grid_points(5);
        let candidates = candidate_edges(&points).unwrap();
        assert!(
            candidates
                .windows(2)
                .all(|w| { (w[0].length_squared, w[0].a, w[0].b) < (w[1].length_squared, w[1].a, w[1].b) })
        );
        assert!(candidates.iter().all(|c| c.a < c.b));
    }

    #[test]
    fn relaxes_the_length_limit_when_needed() {
        // Two clusters 0.5 apart need the fourth attempt (0.5859; 0.46875 is too short).
        let points = [(0.0, 0.0), (0.05, 0.0), (0.0, 0.05), (0.55, 0.0), (0.6, 0.0), (0.55, 0.05)];
        let graph = build_lanes(&points, 3, 0.3).unwrap();
        assert_eq!(graph.max_length, 0.3 * 1.25 * 1.25 * 1.25);
        assert!(is_spanning_tree(&graph, points.len(), 3));
        assert!(graph.neighbors.iter().all(|list| list.windows(2).all(|w| w[0] < w[1])));
    }

    #[test]
    fn degree_limit_failure_is_an_error() {
        // With one lane per system, five systems can have at most two lanes.
        let points = [(0.5, 0.5), (0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5)];
        let err = build_lanes(&points, 1, 0.3).unwrap_err();
        assert!(matches!(err, LaneError::Unconnected { attempts: 8, .. }), "{err:?}");
        assert!(err.to_string().contains("at most 1 lanes per system"), "{err}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            build_lanes(&[(0.0, f64::NAN)], 3, 0.3),
            Err(LaneError::InvalidPosition { index: 0, .. })
        ));
        assert!(matches!(build_lanes(&[(0.0, 0.0)], 3, 0.0), Err(LaneError::InvalidMaxLength { .. })));
        assert!(matches!(build_lanes(&[(0.0, 0.0)], 3, 2.0), Err(LaneError::InvalidMaxLength { .. })));
    }

    #[test]
    fn large_random_maps_are_trees() {
        let mut rng = crate::rng::Mt19937::from_seed(5);
        let points: Vec<(f64, f64)> = (0..3000).map(|_| (rng.random(), rng.random())).collect();
        let graph = build_lanes(&points, 3, 0.3).unwrap();
        assert!(is_spanning_tree(&graph, points.len(), 3));
    }
}
