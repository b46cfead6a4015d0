// Order batches (no DOM access, so node tests can import it): the API refuses a request with
// more than MAX_ORDERS_PER_REQUEST orders (422 too_long), so a rally of a large empire is sent
// as several requests.

/** The API's default cap on orders per request. */
export const MAX_ORDERS_PER_REQUEST = 200;

/** `orders` cut into consecutive batches of at most `max` (none for an empty list). */
export function orderBatches(orders, max = MAX_ORDERS_PER_REQUEST) {
  const size = Math.max(1, Math.floor(max));
  const batches = [];
  for (let i = 0; i < orders.length; i += size) batches.push(orders.slice(i, i + size));
  return batches;
}
