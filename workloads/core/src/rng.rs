//! CPython-compatible MT19937 (`random.Random`), GAME_RULES.md Appendix A.
//!
//! The reference draws every map, battle roll and bot jitter from CPython's generator, so
//! the golden traces pin its exact output stream. This is the mt19937ar reference code
//! plus CPython's conventions for seeding, floats, bounded integers, shuffle and sample.

use serde::{Deserialize, Serialize};

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// One MT19937 stream. Serializable so a saved world continues exactly where it stopped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mt19937 {
    #[serde(with = "state_words")]
    state: Box<[u32; N]>,
    index: usize,
}

impl std::fmt::Debug for Mt19937 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mt19937").field("index", &self.index).finish_non_exhaustive()
    }
}

impl Mt19937 {
    /// Seeds like CPython's `random.seed(int)`: `init_by_array` over the 32-bit words of
    /// `|seed|`, least significant first (seed 0 gives the key `[0]`).
    pub fn from_seed(seed: i128) -> Self {
        let mut magnitude = seed.unsigned_abs();
        let mut key = Vec::new();
        loop {
            key.push(magnitude as u32);
            magnitude >>= 32;
            if magnitude == 0 {
                break;
            }
        }
        Self::from_key(&key)
    }

    fn from_key(key: &[u32]) -> Self {
        let mut mt = Self::init_genrand(19_650_218);
        let state = &mut mt.state;
        let mut i = 1usize;
        let mut j = 0usize;
        let key_len = key.len();
        let mut k = N.max(key_len);
        while k > 0 {
            let prev = state[i - 1];
            state[i] = (state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                state[0] = state[N - 1];
                i = 1;
            }
            if j >= key_len {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            let prev = state[i - 1];
            state[i] = (state[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                state[0] = state[N - 1];
                i = 1;
            }
            k -= 1;
        }
        state[0] = 0x8000_0000;
        mt
    }

    fn init_genrand(seed: u32) -> Self {
        let mut state = Box::new([0u32; N]);
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        Mt19937 { state, index: N }
    }

    fn twist(&mut self) {
        let state = &mut self.state;
        for kk in 0..N {
            let y = (state[kk] & UPPER_MASK) | (state[(kk + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            state[kk] = state[(kk + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// `genrand_int32`.
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `random()`: a uniform float in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `uniform(a, b) = a + (b - a) * random()`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }

    /// `_randbelow(n)` for 1 <= n < 2^32: rejection sampling on the top `bit_length(n)` bits.
    pub fn randbelow(&mut self, n: u32) -> u32 {
        debug_assert!(n >= 1, "randbelow needs n >= 1");
        let k = 32 - n.leading_zeros();
        loop {
            // k == 0 only for n == 0, which callers never pass; CPython then returns 0.
            let r = if k == 0 { 0 } else { self.next_u32() >> (32 - k) };
            if r < n {
                return r;
            }
        }
    }

    /// `randint(lo, hi)` inclusive.
    pub fn randint(&mut self, lo: i64, hi: i64) -> i64 {
        lo + i64::from(self.randbelow((hi - lo + 1) as u32))
    }

    /// `choice(items)`: `items[randbelow(len)]`.
    pub fn choice<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = self.randbelow(items.len() as u32) as usize;
        items.get(i)
    }

    /// `shuffle(items)`: Fisher–Yates from the end.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.randbelow((i + 1) as u32) as usize;
            items.swap(i, j);
        }
    }

    /// `sample(population, k)`, CPython's two strategies (pool for small populations,
    /// rejection on a set for large ones).
    pub fn sample<T: Clone>(&mut self, population: &[T], k: usize) -> Option<Vec<T>> {
        let n = population.len();
        if k > n {
            return None;
        }
        let mut setsize = 21usize;
        if k > 5 {
            // 4 ** ceil(log(3k, 4)), computed exactly on integers.
            let mut power = 1usize;
            while power < 3 * k {
                power *= 4;
            }
            setsize += power;
        }
        let mut result = Vec::with_capacity(k);
        if n <= setsize {
            let mut pool: Vec<T> = population.to_vec();
            for i in 0..k {
                let j = self.randbelow((n - i) as u32) as usize;
                result.push(pool[j].clone());
                pool[j] = pool[n - i - 1].clone();
            }
        } else {
            let mut selected = std::collections::BTreeSet::new();
            for _ in 0..k {
                let mut j = self.randbelow(n as u32) as usize;
                while selected.contains(&j) {
                    j = self.randbelow(n as u32) as usize;
                }
                selected.insert(j);
                result.push(population[j].clone());
            }
        }
        Some(result)
    }
}

mod state_words {
    use super::N;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(state: &[u32; N], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(state.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<[u32; N]>, D::Error> {
        let words = Vec::<u32>::deserialize(deserializer)?;
        let len = words.len();
        let boxed: Box<[u32]> = words.into_boxed_slice();
        boxed.try_into().map_err(|_| D::Error::custom(format!("MT19937 state needs {N} words, got {len}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cpython_random_seed_42() {
        // python3 -c "import random; r=random.Random(42); print(r.random(), r.random())"
        let mut r = Mt19937::from_seed(42);
        assert_eq!(r.random(), 0.6394267984578837);
        assert_eq!(r.random(), 0.025010755222666936);
    }

    #[test]
    fn matches_cpython_randbelow_and_shuffle() {
        // python3 -c "import random; r=random.Random(7); print([r.randrange(10) for _ in range(5)]);
        //   l=list(range(8)); r.shuffle(l); print(l)"
        let mut r = Mt19937::from_seed(7);
        let draws: Vec<u32> = (0..5).map(|_| r.randbelow(10)).collect();
        assert_eq!(draws, vec![5, 2, 6, 0, 1]);
        let mut items: Vec<u32> = (0..8).collect();
        r.shuffle(&mut items);
        assert_eq!(items, vec![3, 6, 5, 7, 0, 4, 2, 1]);
    }

    #[test]
    fn negative_and_large_seeds_use_magnitude_words() {
        let mut a = Mt19937::from_seed(-12345);
        let mut b = Mt19937::from_seed(12345);
        assert_eq!(a.next_u32(), b.next_u32());
        let mut big = Mt19937::from_seed(1 << 40);
        // python3 -c "import random; print(random.Random(1<<40).getrandbits(32))"
        assert_eq!(big.next_u32(), 445_128_065);
    }

    #[test]
    fn serde_round_trip_continues_stream() {
        let mut r = Mt19937::from_seed(99);
        for _ in 0..700 {
            r.next_u32();
        }
        let json = serde_json::to_string(&r).unwrap();
        let mut restored: Mt19937 = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, r);
        assert_eq!(restored.next_u32(), r.next_u32());
    }
}
