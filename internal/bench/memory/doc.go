// Command memory measures batchprompt's peak memory and throughput over
// large inputs, to check that memory stays flat as the row count grows.
//
//	go run ./internal/bench/memory [-rows 100000,1000000] [-bin PATH]
//
// It builds the batchprompt binary (or uses -bin), generates each input
// format (CSV, TSV, JSONL, Parquet) at each row count, and runs
// `batchprompt run --simulate` with zero simulated latency as a child
// process: by default once per input format, writing every output format
// at once (outputs are written one after the other from the state
// database at the end, so the peak covers the hungriest writer); with
// -separate, once per input and output pair. Peak RSS is the child's maximum resident set size
// as the kernel reports it on exit (getrusage ru_maxrss, the same figure
// as VmHWM in /proc/PID/status), so it covers the whole process: reader,
// pipeline, in-process simulator, SQLite state database and writers.
//
// It prints one table row per run with rows/s and peak RSS, and for each
// pair of row counts the ratio of peak RSS at the larger count to that at
// the smaller, which should stay under 1.5 (1.2 for embeddings).
//
// With -endpoint embeddings each run embeds every review's text instead
// (--dimensions, --embed-batch as given), writing -outputs parquet,jsonl:
//
//	go run ./internal/bench/memory -endpoint embeddings -inputs csv -outputs parquet
package main
