// Command bench measures batchprompt against the in-process simulator.
//
//	go run ./internal/bench ratelimit [flags]
//
// The ratelimit benchmark starts the simulator with RPM/TPM limits (and
// optionally 5xx faults), runs pipeline.Run against it with the limits left
// to be learned from the x-ratelimit headers, and prints the achieved
// requests and tokens per minute as a share of the simulator's limits over
// the steady state, the 429 count, retries, latency percentiles and rows
// completed. See `go run ./internal/bench ratelimit -h` for the modes.
package main
