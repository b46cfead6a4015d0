// Browser storage that never throws (storage can be disabled or full).

function get(area, key) {
  try {
    return window[area].getItem(key);
  } catch {
    return null;
  }
}

function set(area, key, value) {
  try {
    if (value === null || value === undefined) window[area].removeItem(key);
    else window[area].setItem(key, value);
  } catch {
    // storage unavailable: the value lives in memory only
  }
}

export const local = {
  get: (key) => get('localStorage', key),
  set: (key, value) => set('localStorage', key, value),
};

export const session = {
  get: (key) => get('sessionStorage', key),
  set: (key, value) => set('sessionStorage', key, value),
};
