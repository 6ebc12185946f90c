// Package budget answers "how much will this cost, and may we spend it?"
// for batches of OpenAI Chat Completions requests.
//
// It holds four independent pieces, all free of I/O except for reading an
// optional price-override file:
//
//   - token counting ([Counter], [EncodingForModel], [TPMCharge]) with the
//     same tiktoken vocabularies the API uses, compiled in so it works offline;
//   - a price table ([Prices], [Price], [Usage]) embedded from a hand-made
//     copy of the LiteLLM price map, with per-user overrides;
//   - a hard spending cap ([Cap], [Reservation]) that reserves the worst-case
//     cost of a request before it is sent and settles it with the billed
//     cost afterwards, so concurrent workers can never overshoot the limit;
//   - constant-memory statistics ([TokenStats]) for the estimate command.
//
// Every type is safe for concurrent use unless its documentation says
// otherwise; the package keeps no package-level mutable state.
package budget
