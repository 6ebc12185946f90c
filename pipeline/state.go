package pipeline

import (
	"context"
	"encoding/json"

	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/readers"
)

// fingerprintVersion changes when the meaning of a fingerprint changes.
const fingerprintVersion = "1"

// Fingerprint is the job's identity: everything that shapes the requests.
// Pacing, budget, outputs and --keep are not in it, so they may change
// between a run and its resume (a changed --keep refreshes the stored
// kept columns of reused rows from the input).
func (j *Job) Fingerprint() map[string]string {
	params, _ := json.Marshal(struct {
		MaxTokens   *int64   `json:"max_tokens,omitempty"`
		Temperature *float64 `json:"temperature,omitempty"`
		TopP        *float64 `json:"top_p,omitempty"`
		Seed        *int64   `json:"seed,omitempty"`
		Stop        []string `json:"stop,omitempty"`
	}{j.Params.MaxTokens, j.Params.Temperature, j.Params.TopP, j.Params.Seed, j.Params.Stop})
	delim := ""
	if j.CSVDelimiter != 0 {
		delim = string(j.CSVDelimiter)
	}
	fp := map[string]string{
		"version":       fingerprintVersion,
		"model":         j.Model,
		"system":        j.System,
		"template":      j.Template,
		"prompt_column": j.PromptColumn,
		"params":        string(params),
		"id_column":     j.IDColumn,
		"input_format":  j.InputFormat,
		"csv_delimiter": delim,
	}
	j.embedFingerprint(fp)
	j.structuredFingerprint(fp)
	return fp
}

// MismatchError refuses a rerun whose configuration differs from the one
// the state database was made with; it names each difference with its
// stored and current value. Run returns it inside a *ConfigError.
type MismatchError = jobstate.MismatchError

// openState locks, opens and checks the job's state database and begins
// this run in it (see jobstate.Open): it sets r.db, r.unlock,
// r.refreshKept.
func (r *runner) openState(ctx context.Context) error {
	st, err := jobstate.Open(ctx, jobstate.Config{
		Path: r.job.State, Restart: r.job.Restart, Fingerprint: r.job.Fingerprint(), Keep: r.job.Keep, ColumnTypes: readers.TypesOf(r.input),
	})
	if err != nil {
		return stateError(err)
	}
	r.db, r.refreshKept = st.DB, st.RefreshKept
	// r.close closes r.db first; closing it again here is a no-op, and the
	// lock must outlive the database (see jobstate's lock).
	r.unlock = func() { _ = st.Close() }
	return nil
}

// stateError makes a configuration error of jobstate's (a database in use,
// made by another job, an export the user must change) a *ConfigError.
func stateError(err error) error {
	if jobstate.IsConfig(err) {
		return &ConfigError{Err: err}
	}
	return err
}
