package main

import (
	"errors"
	"testing"

	"github.com/spf13/pflag"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// TestSimConfigChargeAndForeignLoad checks that the --sim-tpm-charge and
// --sim-foreign-* flags reach the simulator, and that bad values are usage
// errors rather than a silently different server.
func TestSimConfigChargeAndForeignLoad(t *testing.T) {
	tests := []struct {
		args    []string
		want    simulator.Config
		wantErr bool
	}{
		{args: nil, want: simulator.Config{TPMCharge: simulator.TPMChargeChars}},
		{args: []string{"--sim-tpm-charge", "tiktoken", "--sim-foreign-rpm", "120", "--sim-foreign-tpm", "40000"},
			want: simulator.Config{TPMCharge: simulator.TPMChargeTiktoken, ForeignRPM: 120, ForeignTPM: 40000}},
		{args: []string{"--sim-tpm-charge", "bytes"}, wantErr: true},
		{args: []string{"--sim-foreign-rpm", "-1"}, wantErr: true},
	}
	for _, tt := range tests {
		var sf simFlags
		fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
		sf.register(fs, "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		cfg, closer, err := simConfig(sf)
		if tt.wantErr {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("%v: error %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		_ = closer.Close()
		if cfg.TPMCharge != tt.want.TPMCharge || cfg.ForeignRPM != tt.want.ForeignRPM || cfg.ForeignTPM != tt.want.ForeignTPM {
			t.Errorf("%v: charge %q, foreign %d RPM %d TPM; want %q, %d, %d", tt.args,
				cfg.TPMCharge, cfg.ForeignRPM, cfg.ForeignTPM, tt.want.TPMCharge, tt.want.ForeignRPM, tt.want.ForeignTPM)
		}
	}
}
