// Command bench measures batchprompt against the in-process simulator.
//
//	go run ./internal/bench ratelimit [flags]
//
// The ratelimit benchmark starts the simulator with RPM/TPM limits, runs
// pipeline.Run against it (once, or as several processes at once on the
// same key) with the limits left to be learned from the x-ratelimit
// headers, and prints what the simulator granted over the steady state as
// a share of its limits (tokens in the server's own count, from its
// request log), the 429s as a share of requests, each process's share of
// an equal split, latency percentiles and rows completed. The modes:
//
//   - rpm, tpm, faults: the simulator charges tokens exactly as the client
//     counts them; RPM-bound, TPM-bound, and RPM-bound with 10 % 5xx.
//   - chars-en, chars-cjk: TPM-bound, charged OpenAI's character-based
//     way, which runs above our count on English and below it on CJK.
//   - two, three: that many processes on one key, none told of the others.
//   - foreign: one process beside a foreign load of 40 % of the limits,
//     which stops after 75 s; prints how soon the whole limit is used again.
//
// See `go run ./internal/bench ratelimit -h` for the flags.
package main
