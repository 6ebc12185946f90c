package jobstate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/batchprompt/batchprompt/checkpoint"
)

// Meta keys a run records for status and export. Any of them may be
// absent, in a database written before it existed, and is then read as
// unknown.
const (
	MetaOutputs  = "outputs"    // JSON list of the job's output paths
	MetaInput    = "input"      // the input path as given
	MetaRows     = "rows"       // input rows seen by the last run
	MetaComplete = "complete"   // "true" when the last run gave every row a result
	MetaStop     = "stop"       // the last run's StopReason
	MetaTotal    = "rows_total" // input rows (after --limit), recorded once a run has read the whole input
	MetaLimits   = "limits"     // JSON {model: {"rpm", "tpm"}}: the limits in force at the end of the last run
	MetaKeep     = "keep"       // the --keep columns every placed row's kept values follow
	// MetaColumnTypes is a JSON object {column: coltype.Type} of the input
	// columns whose type the input declares (Parquet's schema, CSV's text),
	// as the last run read them.
	MetaColumnTypes = "column_types"
)

// Limits are a model's rate limits as a run records them: requests and
// tokens per minute, 0 for unknown. The type converts to and from
// pipeline.Limits.
type Limits struct {
	RPM float64 `json:"rpm"`
	TPM float64 `json:"tpm"`
}

// Outcome is how a run ended, as RecordOutcome stores it.
type Outcome struct {
	Outputs  []string // the job's output paths as given; stored absolute
	Input    string   // the input path as given
	Rows     int64    // input rows the run placed
	Complete bool     // every row has a result and the outputs were written
	Stop     string   // the run's stop reason, for status's "last run"
	// ReadAll says the run read its input to the end: Rows is then the
	// input's row count, and every placed row holds Keep's columns.
	ReadAll bool
	Keep    []string
	Limits  map[string]Limits // per model, those in force at the end; may be nil
	// Trial marks a --limit run that stopped before the input's end: only
	// Stop and Limits are recorded, and whether the job is complete is
	// left to its rows (see Status).
	Trial bool
}

// RecordOutcome notes in db how a run ended. It is advisory (the rows
// themselves are the truth) and costs one small transaction per key; it
// stops at the first failure and returns it.
func RecordOutcome(ctx context.Context, db *checkpoint.DB, o Outcome) error {
	abs := make([]string, len(o.Outputs))
	for i, p := range o.Outputs {
		if a, err := filepath.Abs(p); err == nil {
			abs[i] = a
		} else {
			abs[i] = p
		}
	}
	outs, _ := json.Marshal(abs) // a []string always marshals
	meta := map[string]string{
		MetaOutputs: string(outs), MetaInput: o.Input, MetaRows: strconv.FormatInt(o.Rows, 10),
		MetaComplete: strconv.FormatBool(o.Complete), MetaStop: o.Stop,
	}
	if o.Trial {
		// Not the job's outcome: a trial of its first rows says nothing of
		// whether the whole job is complete, nor which outputs hold it.
		// Whether the job is complete is then judged from its rows alone.
		meta = map[string]string{MetaStop: o.Stop, MetaComplete: "false"}
		if o.Complete {
			meta[MetaComplete] = ""
		}
	}
	if o.ReadAll {
		meta[MetaTotal] = strconv.FormatInt(o.Rows, 10)
		// Every placed row now has the current --keep columns.
		meta[MetaKeep] = strings.Join(o.Keep, ",")
	}
	if len(o.Limits) > 0 {
		b, _ := json.Marshal(o.Limits) // floats and strings always marshal
		meta[MetaLimits] = string(b)
	}
	for k, v := range meta {
		if err := db.SetMeta(ctx, k, v); err != nil {
			return fmt.Errorf("record the run's outcome: %w", err)
		}
	}
	return nil
}

// StoredLimits returns the limits the last run of the job in db had in
// force for model (learned from the server, or given), if it recorded any.
// Cost: one point read.
func StoredLimits(ctx context.Context, db *checkpoint.DB, model string) (Limits, bool) {
	v, ok, err := db.Meta(ctx, MetaLimits)
	if err != nil || !ok {
		return Limits{}, false
	}
	var m map[string]Limits
	if json.Unmarshal([]byte(v), &m) != nil {
		return Limits{}, false
	}
	l, ok := m[model]
	return l, ok
}

// LimitsAt is StoredLimits for the state database at path, which it
// opens only if it exists: it never creates one.
func LimitsAt(ctx context.Context, path, model string) (Limits, bool) {
	if _, err := os.Stat(path); err != nil {
		return Limits{}, false
	}
	db, err := checkpoint.Open(ctx, path)
	if err != nil {
		return Limits{}, false
	}
	defer db.Close()
	return StoredLimits(ctx, db, model)
}
