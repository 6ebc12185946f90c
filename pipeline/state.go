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

// Fingerprint is the job's identity: everything that shapes the requests
// or the rows stored for them. Pacing, budget and output paths are not in
// it, so they may change between a run and its resume.
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
		"keep":          strings.Join(j.Keep, ","),
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
