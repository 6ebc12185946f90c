package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// simConfig turns the --sim-* flags into the simulator's configuration.
// logFile is closed by the caller.
func simConfig(s simFlags) (simulator.Config, io.Closer, error) {
	cfg := simulator.Config{
		Latency: s.latency, LatencyJitter: s.jitter, Seed: s.seed, RPM: s.rpm, TPM: s.tpm,
		InsufficientQuota: s.insufficientQuota,
		Faults:            simulator.Faults{Err500: s.f500, Err502HTML: s.f502, Err503: s.f503, Reset: s.reset, Hang: s.hang, Truncated: s.trunc},
	}
	for name, p := range map[string]float64{"500": s.f500, "502": s.f502, "503": s.f503, "reset": s.reset, "hang": s.hang, "truncated": s.trunc} {
		if p < 0 || p > 1 {
			return cfg, nil, &usageError{fmt.Errorf("--sim-fault-%s %g: want a share from 0 to 1", name, p)}
		}
	}
	if s.log == "" {
		return cfg, io.NopCloser(nil), nil
	}
	f, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return cfg, nil, &usageError{fmt.Errorf("--sim-log: %w", err)}
	}
	cfg.RequestLog = f
	return cfg, f, nil
}

func newSimulateCmd(stderr io.Writer) *cobra.Command {
	var sf simFlags
	var addr string
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Serve the built-in OpenAI-compatible simulator until interrupted",
		Long: `simulate serves an OpenAI-compatible POST /v1/chat/completions that answers
deterministically (the same request gets the same reply and usage), counts
tokens like the API, and can enforce rate limits and inject faults. Point
batchprompt, or any OpenAI client, at it to rehearse a job for free.`,
		Example: `  batchprompt simulate --addr 127.0.0.1:8080 --sim-rpm 600 --sim-fault-500 0.05
  OPENAI_BASE_URL=http://127.0.0.1:8080/v1 batchprompt run job.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, closer, err := simConfig(sf)
			if err != nil {
				return err
			}
			defer closer.Close()
			srv, err := simulator.Start(addr, cfg)
			if err != nil {
				return &commandError{err}
			}
			defer srv.Close()
			fmt.Fprintf(stderr, "simulator listening: base URL %s\n", srv.URL)
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			<-ctx.Done()
			st := srv.Stats()
			fmt.Fprintf(stderr, "simulator stopped after %d requests (%d OK, %d rate-limited)\n", st.Requests, st.OK, st.RateLimited)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.DurationVar(&sf.latency, "sim-latency", 20*time.Millisecond, "latency of each answer")
	fs.DurationVar(&sf.jitter, "sim-latency-jitter", 30*time.Millisecond, "extra latency up to this much, varying per request")
	fs.Int64Var(&sf.seed, "sim-seed", 1, "seed for fault choices")
	fs.Int64Var(&sf.rpm, "sim-rpm", 0, "enforce this many requests per minute (0: unlimited)")
	fs.Int64Var(&sf.tpm, "sim-tpm", 0, "enforce this many tokens per minute (0: unlimited)")
	fs.StringVar(&sf.log, "sim-log", "", "write one JSON line per request received to this file")
	fs.Float64Var(&sf.f500, "sim-fault-500", 0, "share of requests answered 500")
	fs.Float64Var(&sf.f502, "sim-fault-502", 0, "share of requests answered 502 with an HTML body")
	fs.Float64Var(&sf.f503, "sim-fault-503", 0, "share of requests answered 503")
	fs.Float64Var(&sf.reset, "sim-fault-reset", 0, "share of connections reset without an answer")
	fs.Float64Var(&sf.hang, "sim-fault-hang", 0, "share of requests never answered")
	fs.Float64Var(&sf.trunc, "sim-fault-truncated", 0, "share of answers cut off mid-JSON")
	fs.BoolVar(&sf.insufficientQuota, "sim-insufficient-quota", false, "answer every request 429 insufficient_quota")
	return cmd
}
