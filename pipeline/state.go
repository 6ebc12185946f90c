package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/batchprompt/batchprompt/checkpoint"
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
	return map[string]string{
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
}

// MismatchError refuses a rerun whose configuration differs from the one
// the state database was made with.
type MismatchError struct {
	State   string
	Changed []string // fingerprint keys that differ
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("state database %s belongs to a job with a different %s; "+
		"to start over pass --restart (the old database is kept as a backup), "+
		"or pass another --state to run this as a new job",
		e.State, strings.Join(e.Changed, ", "))
}

func (r *runner) openState(ctx context.Context) error {
	unlock, err := lockState(r.job.State)
	if err != nil {
		return err
	}
	r.unlock = unlock
	if r.job.Restart {
		if err := backupState(r.job.State); err != nil {
			return err
		}
	}
	db, err := checkpoint.Open(ctx, r.job.State)
	if err != nil {
		return err
	}
	r.db = db
	fp := r.job.Fingerprint()
	old, ok, err := db.Fingerprint(ctx)
	if err != nil {
		return fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	if ok {
		var changed []string
		for k, v := range fp {
			if old[k] != v {
				changed = append(changed, strings.ReplaceAll(k, "_", " "))
			}
		}
		if len(changed) > 0 {
			sort.Strings(changed)
			return &ConfigError{Err: &MismatchError{State: r.job.State, Changed: changed}}
		}
	} else if err := db.SetFingerprint(ctx, fp); err != nil {
		return fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	if err := r.checkKeep(ctx); err != nil {
		return fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	if r.runID, err = db.BeginRun(ctx); err != nil {
		return fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	// Until this run ends well, the job is not complete, even if an
	// earlier run was and this one is killed.
	if err := db.SetMeta(ctx, MetaComplete, "false"); err != nil {
		return fmt.Errorf("state database %s: %w", r.job.State, err)
	}
	return nil
}

// keepRefreshing marks a --keep change under way: it never equals a real
// column list, so a run that stops half-way leaves the next one to finish
// the refresh, whatever --keep it is given.
const keepRefreshing = "\x00refreshing"

// checkKeep decides whether reused rows must take new kept columns from the
// input, because --keep differs from the columns the stored rows hold.
func (r *runner) checkKeep(ctx context.Context) error {
	keep := strings.Join(r.job.Keep, ",")
	old, ok, err := r.db.Meta(ctx, MetaKeep)
	switch {
	case err != nil:
		return err
	case !ok && !hasRows(ctx, r.db):
		return r.db.SetMeta(ctx, MetaKeep, keep) // a new job
	case ok && old == keep:
		return nil
	}
	r.refreshKept = true
	return r.db.SetMeta(ctx, MetaKeep, keepRefreshing)
}

// KeptColumns returns the --keep columns the rows stored in db hold, for
// writing outputs from it. It fails while a change of --keep is only half
// applied (the run making it stopped early): rerun the job to finish it.
func KeptColumns(ctx context.Context, db *checkpoint.DB) ([]string, error) {
	v, ok, err := db.Meta(ctx, MetaKeep)
	switch {
	case err != nil:
		return nil, err
	case v == keepRefreshing:
		return nil, errors.New("the job's --keep columns were being changed when its last run stopped: rerun the job to finish")
	case !ok:
		fp, _, err := db.Fingerprint(ctx) // databases from before MetaKeep
		if err != nil || fp["keep"] == "" {
			return nil, err
		}
		return strings.Split(fp["keep"], ","), nil
	case v == "":
		return nil, nil
	}
	return strings.Split(v, ","), nil
}

// hasRows reports whether db holds any row.
func hasRows(ctx context.Context, db *checkpoint.DB) bool {
	t, err := db.Totals(ctx)
	return err == nil && t.Rows > 0
}

// backupState moves an existing state database (and its WAL files) aside.
func backupState(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	backup := path + ".bak"
	for i := 1; ; i++ {
		if _, err := os.Stat(backup); errors.Is(err, os.ErrNotExist) {
			break
		}
		backup = path + ".bak" + strconv.Itoa(i)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			if err := os.Rename(path+suffix, backup+suffix); err != nil {
				return fmt.Errorf("--restart: %w", err)
			}
		}
	}
	if err := os.Rename(path, backup); err != nil {
		return fmt.Errorf("--restart: %w", err)
	}
	return nil
}
