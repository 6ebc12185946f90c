package main

import (
	"fmt"
	"io"
	"os"

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
		TPMCharge:         s.tpmCharge, ForeignRPM: s.foreignRPM, ForeignTPM: s.foreignTPM,
		Schema: simulator.SchemaFaults{InvalidJSON: s.schemaInvalid, Violation: s.schemaViolation, Refusal: s.schemaRefusal, CutOff: s.schemaCutOff},
	}
	for name, p := range map[string]float64{"500": s.f500, "502": s.f502, "503": s.f503, "reset": s.reset, "hang": s.hang, "truncated": s.trunc,
		"schema-invalid": s.schemaInvalid, "schema-violation": s.schemaViolation, "schema-refusal": s.schemaRefusal, "schema-cutoff": s.schemaCutOff} {
		if p < 0 || p > 1 {
			return cfg, nil, &usageError{fmt.Errorf("--sim-fault-%s %g: want a share from 0 to 1", name, p)}
		}
	}
	if s.tpmCharge != simulator.TPMChargeChars && s.tpmCharge != simulator.TPMChargeTiktoken {
		return cfg, nil, &usageError{fmt.Errorf("--sim-tpm-charge %q: want %s or %s", s.tpmCharge, simulator.TPMChargeChars, simulator.TPMChargeTiktoken)}
	}
	if s.foreignRPM < 0 || s.foreignTPM < 0 {
		return cfg, nil, &usageError{fmt.Errorf("--sim-foreign-rpm %d, --sim-foreign-tpm %d: want a rate of 0 or more", s.foreignRPM, s.foreignTPM)}
	}
	bc, err := s.batchConfig()
	if err != nil {
		return cfg, nil, err
	}
	cfg.Batch = bc
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
	sf.register(fs, "")
	return cmd
}
